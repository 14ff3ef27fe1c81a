"""quantize(): a k-means fixed point of every pixel, in every colour space and with transparency."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kmeans_lab import ColorHistogram, Palette, apply_palette, delta_e, fit_palette, kmeans, mse, quantize, read_image
from kmeans_lab.histogram import pack_colors, unpack_colors
from kmeans_lab.lab.paths import data_path
from kmeans_lab.lookup import ColorLookup
from kmeans_lab.palette import expand, round_palette
from kmeans_lab.spaces import encoder

from .conftest import assert_lloyd_fixed_point


def _assert_same_as_every_pixel(image, k, init, seed, color_space="rgb"):
    """quantize() at tol=0 is a Lloyd fixed point of every pixel's point in the clustering space.

    RGBA: the visible pixels' premultiplied points, the fully transparent ones on entry 0.
    """
    q = quantize(image, k, init=init, seed=seed, tol=0, color_space=color_space)
    channels = image.shape[2]
    pixels, labels = image.reshape(-1, channels), q.labels.reshape(-1).astype(np.intp)
    points = encoder(color_space, channels).encode(pixels)
    centroids = q.palette.centroids
    visible = pixels[:, 3] > 0 if channels == 4 else np.ones(len(pixels), bool)
    if not visible.all() and k > 1:
        assert (labels[~visible] == 0).all() and q.palette.colors[0].tolist() == [0, 0, 0, 0]
        assert not (centroids[0]).any()
        points, labels, centroids = points[visible], labels[visible] - 1, centroids[1:]
    assert_lloyd_fixed_point(points, centroids, labels)


@pytest.mark.parametrize("init", ["random", "in_pixels", "kmeans++"])
@pytest.mark.parametrize("seed", [0, 7])
def test_distinct_colours_equal_every_pixel(small_image, init, seed):
    _assert_same_as_every_pixel(small_image, 6, init, seed)


@pytest.mark.parametrize("color_space", ["lab", "oklab"])
def test_every_space_is_a_fixed_point_of_every_pixel(small_image, color_space):
    _assert_same_as_every_pixel(small_image, 6, "kmeans++", 3, color_space)


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(
        np.uint8,
        st.tuples(st.integers(1, 12), st.integers(1, 12), st.just(3)),
        elements=st.sampled_from([0, 1, 2, 100, 101, 255]),
    ),
    k=st.integers(1, 5),
    init=st.sampled_from(["random", "in_pixels", "kmeans++"]),
    seed=st.integers(0, 2**32 - 1),
    color_space=st.sampled_from(["rgb", "lab", "oklab"]),
)
def test_distinct_colours_equal_every_pixel_hypothesis(image, k, init, seed, color_space):
    n_distinct = len(np.unique(image.reshape(-1, 3), axis=0))
    if k > n_distinct:
        with pytest.warns(UserWarning, match="distinct colours"):
            q = quantize(image, k)
        np.testing.assert_array_equal(q.image, image)
        return
    _assert_same_as_every_pixel(image, k, init, seed, color_space)


def test_invariant_to_pixel_order(small_image):
    perm = np.random.default_rng(0).permutation(small_image.shape[0] * small_image.shape[1])
    shuffled = small_image.reshape(-1, 3)[perm].reshape(small_image.shape)
    a, b = quantize(small_image, 5, seed=9), quantize(shuffled, 5, seed=9)
    np.testing.assert_array_equal(a.palette.colors, b.palette.colors)
    np.testing.assert_array_equal(a.labels.reshape(-1)[perm], b.labels.reshape(-1))


@pytest.mark.parametrize("k", [1, 2, 16, 64])
def test_exactly_k_colours(small_image, k):
    q = quantize(small_image, k)
    assert q.k == k and q.palette.colors.dtype == np.uint8 and q.labels.dtype == np.uint8
    assert len(np.unique(q.image.reshape(-1, 3), axis=0)) == k
    assert q.image.shape == small_image.shape


def test_k_above_distinct_colours_is_lossless_and_warns():
    image = np.zeros((4, 4, 3), np.uint8)
    image[:2] = [255, 0, 0]
    with pytest.warns(UserWarning, match=r"k=5 is more than the image's 2 distinct colours"):
        q = quantize(image, 5)
    np.testing.assert_array_equal(q.image, image)
    assert q.k == 2 and q.palette.n_iter == 0


def test_palette_rounding_never_merges_colours():
    centroids = np.array([[10.2, 10.2, 10.2], [10.4, 9.8, 10.1], [200.0, 0.0, 0.0]])
    colors = np.array([[10, 10, 10], [11, 10, 10], [10, 9, 11], [200, 0, 0]], np.uint8)
    labels = np.array([0, 1, 1, 2])
    palette = round_palette(centroids, colors, labels)
    assert len({tuple(p) for p in palette.tolist()}) == 3
    assert palette[0].tolist() == [10, 10, 10]
    assert palette[1].tolist() in ([11, 10, 10], [10, 9, 11])


def test_real_photo_kmeans_improves_with_k(photo_path):
    from kmeans_lab import mse, read_image

    image = read_image(photo_path)
    errors = [mse(image, quantize(image, k).image) for k in (2, 8, 32)]
    assert errors[0] > errors[1] > errors[2] > 0


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((4, 4), np.uint8), r"shape \(H, W, 3\) or \(H, W, 4\)"),
        (np.zeros((4, 4, 2), np.uint8), r"shape \(H, W, 3\) or \(H, W, 4\)"),
        (np.zeros((4, 4, 3), np.float64), r"must be uint8"),
        (np.zeros((0, 4, 3), np.uint8), r"image is empty"),
    ],
)
def test_bad_images(image, message):
    with pytest.raises(ValueError, match=message):
        quantize(image, 2)


@pytest.mark.parametrize(("k", "message"), [(0, "got 0"), (1.5, r"got 1\.5"), ("3", "got '3'")])
def test_bad_k(small_image, k, message):
    with pytest.raises(ValueError, match=f"k must be an integer >= 1, {message}"):
        quantize(small_image, k)


def test_kmeans_on_repeated_points_equals_weighted_distinct_points():
    rng = np.random.default_rng(3)
    palette = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    image = palette[rng.integers(0, 12, size=(40, 50))]  # heavy duplication
    pts = image.reshape(-1, 3).astype(np.float64)
    distinct, inverse, counts = np.unique(pts, axis=0, return_inverse=True, return_counts=True)
    every = kmeans(pts, 6, seed=2, tol=0)
    weighted = kmeans(distinct, 6, sample_weight=counts, seed=2, tol=0)
    np.testing.assert_array_equal(every.labels, weighted.labels[inverse.reshape(-1)])
    np.testing.assert_allclose(every.centroids, weighted.centroids, rtol=0, atol=1e-9)


def test_expand_equals_fancy_indexing():
    rng = np.random.default_rng(2)
    palette = rng.integers(0, 256, size=(7, 3), dtype=np.uint8)
    labels = rng.integers(0, 7, size=(9, 4)).astype(np.uint8)
    np.testing.assert_array_equal(expand(palette, labels), palette[labels])


@pytest.fixture(scope="module")
def medium() -> np.ndarray:
    return read_image(data_path("rocket.jpg"))[::4, ::4].copy()


def test_lab_clustering(medium):
    q = quantize(medium, 8, color_space="lab")
    assert q.k == 8 and q.palette.colors.dtype == np.uint8
    assert len({tuple(c) for c in q.palette.colors.tolist()}) == 8
    assert q.palette.options.color_space == "lab"
    # Lab clustering targets perceptual difference: its ΔE is no worse than RGB's by much.
    assert delta_e(medium, q.image) < 1.2 * delta_e(medium, quantize(medium, 8).image)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"color_space": "hsv"}, "color_space"),
        ({"dither": "yes"}, "dither"),
        ({"tol": -1}, "tol must be a finite number >= 0, got -1"),
    ],
)
def test_bad_options(medium, kwargs, match):
    kwargs = {"k": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        quantize(medium, kwargs.pop("k"), **kwargs)


def test_unknown_option_names_the_options():
    with pytest.raises(TypeError, match="unknown k-means option 'algorithm'; the options are color_space, init"):
        quantize(np.zeros((2, 2, 3), np.uint8), 1, algorithm="fast")


def test_api_k_errors():
    with pytest.raises(ValueError, match="k must be an integer >= 1, got 0"):
        quantize(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8), 0)
    with pytest.raises(ValueError, match="unknown init 'magic'"):
        quantize(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8), 3, init="magic")


# --------------------------------------------------------------------------- fit_palette, apply_palette


@pytest.mark.parametrize(
    "options",
    [{}, {"init": "in_pixels", "seed": 3}, {"color_space": "lab", "seed": 1}, {"color_space": "oklab", "seed": 2}],
)
def test_quantize_is_fit_then_apply(medium, options):
    q = quantize(medium, 12, **options)
    palette = fit_palette(ColorHistogram.from_image(medium), 12, **options)
    composed = apply_palette(medium, palette)
    np.testing.assert_array_equal(q.palette.colors, palette.colors)
    np.testing.assert_array_equal(q.labels, composed.labels)
    np.testing.assert_array_equal(q.palette.centroids, palette.centroids)
    assert q.n_distinct == len(palette.histogram) and composed.n_distinct is None


def test_palette_labels_are_the_clusters_of_the_histogram_colours(medium):
    palette = fit_palette(ColorHistogram.from_image(medium), 9)
    points = encoder(palette.color_space, 3).encode(palette.histogram.colors)
    d = ((points[:, None, :] - palette.centroids[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(d[np.arange(len(d)), palette.labels], d.min(axis=1))
    assert np.asarray(palette).shape == (9, 3) and len(palette) == 9


def test_apply_given_colours_takes_the_nearest_with_ties_to_the_lowest_index():
    colors = np.array([[0, 0, 0], [10, 10, 10], [10, 10, 10], [255, 255, 255]], np.uint8)
    image = np.array([[[5, 5, 5], [6, 6, 6], [4, 4, 4], [200, 200, 200], [10, 10, 10]]], np.uint8)
    labels = apply_palette(image, Palette.from_colors(colors)).labels
    assert labels.tolist() == [[0, 1, 0, 3, 1]]  # (5, 5, 5) is equidistant from 0 and 1: index 0


def test_apply_a_fitted_palette_to_another_image(medium):
    """Colours outside the fitted histogram go to the nearest centre in the palette's colour space."""
    top, bottom = medium[: len(medium) // 2], medium[len(medium) // 2 :]
    for space in ("rgb", "lab", "oklab"):
        palette = fit_palette(ColorHistogram.from_image(top), 6, color_space=space)
        labels = apply_palette(bottom, palette).labels.reshape(-1)
        points = encoder(space, 3).encode(bottom.reshape(-1, 3))
        d = ((points[:, None, :] - palette.centroids[None]) ** 2).sum(-1)
        np.testing.assert_array_equal(d[np.arange(len(d)), labels], d.min(axis=1))


def test_color_lookup_is_immutable_and_the_same_on_any_split(medium):
    palette = fit_palette(ColorHistogram.from_image(medium[::2]), 7)
    lookup = ColorLookup(palette)
    whole = lookup(medium)
    halves = np.vstack([lookup(medium[:37]), lookup(medium[37:])])  # colours outside the histogram too
    np.testing.assert_array_equal(halves, whole)
    np.testing.assert_array_equal(lookup(medium), whole)  # nothing was learnt from the first call
    with pytest.raises(ValueError, match="read-only"):
        lookup._table[0] = 0


def test_fit_palette_refuses_an_image():
    with pytest.raises(ValueError, match="histogram must be a ColorHistogram, got ndarray"):
        fit_palette(np.zeros((2, 2, 3), np.uint8), 2)


def test_lossless_warning_points_at_the_callers_line():
    image = np.zeros((2, 2, 3), np.uint8)
    with pytest.warns(UserWarning, match="k=3 is more than") as caught:
        quantize(image, 3)
    assert caught[0].filename == __file__


# --------------------------------------------------------------------------- RGBA


def _rgba(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return np.dstack([image, alpha.astype(np.uint8)])


@pytest.fixture
def soft_rgba(small_image) -> np.ndarray:
    """small_image with a soft alpha: fully transparent corners, a translucent ramp, an opaque middle."""
    h, w = small_image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot((yy - h / 2) / (h / 2), (xx - w / 2) / (w / 2))
    return _rgba(small_image, np.clip((1.1 - r) / 0.5 * 255, 0, 255))


@pytest.mark.parametrize("init", ["random", "in_pixels", "kmeans++"])
@pytest.mark.parametrize("seed", [0, 7])
def test_rgba_distinct_values_equal_every_pixel(soft_rgba, init, seed):
    _assert_same_as_every_pixel(soft_rgba, 6, init, seed)


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(
        np.uint8,
        st.tuples(st.integers(1, 10), st.integers(1, 10), st.just(4)),
        elements=st.sampled_from([0, 1, 100, 128, 254, 255]),
    ),
    k=st.integers(1, 5),
    init=st.sampled_from(["random", "in_pixels", "kmeans++"]),
    seed=st.integers(0, 2**32 - 1),
    color_space=st.sampled_from(["rgb", "lab", "oklab"]),
)
def test_rgba_distinct_values_equal_every_pixel_hypothesis(image, k, init, seed, color_space):
    n_distinct = len(ColorHistogram.from_image(image))
    if k > n_distinct:
        with pytest.warns(UserWarning, match="distinct colours"):
            q = quantize(image, k)
        assert mse(image, q.image) == 0
        return
    _assert_same_as_every_pixel(image, k, init, seed, color_space)


@pytest.mark.parametrize("options", [{}, {"init": "random", "seed": 3}, {"init": "in_pixels", "seed": 1}])
def test_opaque_rgba_gives_the_palette_of_its_rgb_version(medium, options):
    rgba = _rgba(medium, np.full(medium.shape[:2], 255))
    a, b = quantize(rgba, 12, **options), quantize(medium, 12, **options)
    np.testing.assert_array_equal(a.palette.colors[:, :3], b.palette.colors)
    assert (a.palette.colors[:, 3] == 255).all()
    np.testing.assert_array_equal(a.labels, b.labels)
    assert mse(rgba, a.image) == mse(medium, b.image)


def test_hard_cutout_is_rgb_kmeans_of_the_opaque_pixels_plus_one_transparent_entry(medium):
    h, w = medium.shape[:2]
    alpha = np.where(np.add.outer(np.arange(h), np.arange(w)) % 50 < 30, 255, 0)
    rgba = _rgba(medium, alpha)
    q = quantize(rgba, 9, seed=2)
    opaque = alpha.reshape(-1) == 255
    expected = fit_palette(ColorHistogram.from_image(medium.reshape(-1, 1, 3)[opaque]), 8, seed=2)
    assert q.palette.colors[0].tolist() == [0, 0, 0, 0]
    np.testing.assert_array_equal(q.palette.colors[1:, :3], expected.colors)
    assert (q.palette.colors[1:, 3] == 255).all()
    assert (q.labels.reshape(-1)[~opaque] == 0).all() and (q.labels.reshape(-1)[opaque] > 0).all()


def test_fully_transparent_pixels_share_one_transparent_entry(soft_rgba):
    noisy = soft_rgba.copy()
    transparent = noisy[..., 3] == 0
    noisy[transparent, :3] = np.random.default_rng(0).integers(0, 256, (int(transparent.sum()), 3))
    for k in (2, 5, 32):
        q = quantize(noisy, k)
        assert len({tuple(c) for c in q.palette.colors.tolist()}) == k == q.k
        assert (q.labels[transparent] == 0).all() and q.palette.colors[0].tolist() == [0, 0, 0, 0]
        assert (q.image[transparent] == 0).all()
        assert (q.image[~transparent][:, 3] > 0).all()  # nothing visible vanishes


def test_rgba_palette_applied_to_another_image_takes_the_nearest_premultiplied_centre(soft_rgba):
    top, bottom = soft_rgba[: len(soft_rgba) // 2], soft_rgba[len(soft_rgba) // 2 :]
    palette = fit_palette(ColorHistogram.from_image(top), 6)
    labels = apply_palette(bottom, palette).labels.reshape(-1)
    known = {int(key): label for key, label in zip(palette.histogram.keys, palette.labels)}
    keys = pack_colors(bottom)
    points = encoder(palette.color_space, 4).encode(unpack_colors(keys, 4))
    d = ((points[:, None, :] - palette.centroids[None]) ** 2).sum(-1)
    new = np.array([int(key) not in known for key in keys])
    assert new.any()
    np.testing.assert_array_equal(d[np.arange(len(d)), labels][new], d.min(axis=1)[new])
    np.testing.assert_array_equal(labels[~new], [known[int(key)] for key in keys[~new]])
    # An RGB image on an RGBA palette is opaque; given RGB colours for an RGBA image count as opaque.
    assert apply_palette(top[..., :3], palette).labels.shape == top.shape[:2]
    opaque = Palette.from_colors(np.array([[0, 0, 0, 255], [255, 255, 255, 255]], np.uint8))
    assert set(np.unique(apply_palette(top, opaque).labels)) <= {0, 1}


@pytest.mark.parametrize("color_space", ["oklab", "lab"])
def test_rgba_in_every_space_is_a_fixed_point_of_the_premultiplied_points(soft_rgba, color_space):
    _assert_same_as_every_pixel(soft_rgba, 6, "kmeans++", 2, color_space)


def test_rgb_palette_refuses_an_rgba_image(soft_rgba):
    palette = fit_palette(ColorHistogram.from_image(soft_rgba[..., :3].copy()), 3)
    with pytest.raises(ValueError, match=r"an RGBA image needs an RGBA palette \(K, 4\)"):
        apply_palette(soft_rgba, palette)


def test_explicit_rgba_init(soft_rgba):
    init = np.array([[0, 0, 0, 0], [200, 50, 50, 255], [50, 200, 50, 255], [50, 50, 200, 128]])
    _assert_same_as_every_pixel(soft_rgba, 4, init, 0)


# --------------------------------------------------------------------------- Oklab


def test_oklab_clustering(medium):
    q = quantize(medium, 8, color_space="oklab")
    assert q.k == 8 and q.palette.options.color_space == "oklab"
    palette = fit_palette(ColorHistogram.from_image(medium), 8, color_space="oklab")
    points = encoder("oklab", 3).encode(palette.histogram.colors)
    d = ((points[:, None, :] - palette.centroids[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(d[np.arange(len(d)), palette.labels], d.min(axis=1))
    assert delta_e(medium, q.image) < 1.2 * delta_e(medium, quantize(medium, 8).image)
