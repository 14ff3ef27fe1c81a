"""Dithering onto a k-means palette: error diffusion in the clustering space and ordered (Bayer 8x8)."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import ColorHistogram, apply_palette, dither, fit_palette, quantize, read_image
from kmeans_lab.dither import bayer_matrix, diffuse, palette_spacing
from kmeans_lab.histogram import distinct_colors
from kmeans_lab.lab.paths import data_path


@pytest.fixture(scope="module")
def medium() -> np.ndarray:
    return read_image(data_path("rocket.jpg"))[::4, ::4].copy()


@pytest.mark.parametrize("k", [1, 2, 7, 16, 64])
def test_dithering_uses_only_palette_colours(medium, k):
    plain = quantize(medium, k)
    dithered = quantize(medium, k, dither=True)
    np.testing.assert_array_equal(dithered.palette, plain.palette)
    assert dithered.labels.dtype == np.uint8 and dithered.labels.max() < k
    used = distinct_colors(dithered.image)[0]
    palette_keys = {tuple(c) for c in dithered.palette.colors.tolist()}
    assert {tuple(c) for c in used.tolist()} <= palette_keys
    if k > 1:
        assert not np.array_equal(dithered.labels, plain.labels)


# --------------------------------------------------------------------------- ordered (Bayer 8x8)


def test_bayer_matrix_holds_each_threshold_once():
    m = bayer_matrix(3)
    assert m.shape == (8, 8) and sorted(m.ravel().tolist()) == list(range(64))
    assert bayer_matrix(1).tolist() == [[0, 2], [3, 1]]


@pytest.mark.parametrize("k", [1, 2, 7, 16, 64])
def test_ordered_dithering_uses_only_palette_colours_and_is_deterministic(medium, k):
    plain = quantize(medium, k)
    dithered = quantize(medium, k, dither="ordered")
    np.testing.assert_array_equal(dithered.palette, plain.palette)
    assert dithered.dither == "ordered" and dithered.labels.max() < k
    used = {tuple(c) for c in distinct_colors(dithered.image)[0].tolist()}
    assert used <= {tuple(c) for c in dithered.palette.colors.tolist()}
    again = apply_palette(medium, fit_palette(ColorHistogram.from_image(medium), k), dither="ordered")
    np.testing.assert_array_equal(again.labels, dithered.labels)
    if k > 1:
        assert not np.array_equal(dithered.labels, plain.labels)


def test_ordered_dithering_is_the_same_in_tiles(medium):
    """Each pixel depends only on its colour and its position modulo 8: tiles aligned to 8 dither alike."""
    palette = fit_palette(ColorHistogram.from_image(medium), 12)
    whole = apply_palette(medium, palette, dither="ordered").labels
    tile = apply_palette(medium[16:64, 8:40], palette, dither="ordered").labels
    np.testing.assert_array_equal(tile, whole[16:64, 8:40])


def test_ordered_dithering_matches_a_direct_computation(medium, monkeypatch):
    """Offset by the Bayer threshold scaled to the spacing, then the nearest centre; row blocks change nothing."""
    from kmeans_lab import dither

    palette = fit_palette(ColorHistogram.from_image(medium), 6, color_space="rgb")
    labels = apply_palette(medium, palette, dither="ordered").labels
    spread = palette_spacing(palette.colors)
    h, w = medium.shape[:2]
    offsets = np.rint(spread * ((bayer_matrix(3) + 0.5) / 64 - 0.5))
    shift = offsets[np.arange(h)[:, None] % 8, np.arange(w)[None, :] % 8]
    shifted = np.clip(medium.astype(np.float64) + shift[..., None], 0, 255)
    d = ((shifted.reshape(-1, 1, 3) - palette.centroids[None]) ** 2).sum(-1)
    expected = d.argmin(axis=1).reshape(h, w)
    agree = (labels == expected).mean()
    assert agree > 0.999  # ties and the histogram colours' own clusters may differ in a handful of pixels
    monkeypatch.setattr(dither, "_ORDERED_CHUNK_PIXELS", 200)
    np.testing.assert_array_equal(apply_palette(medium, palette, dither="ordered").labels, labels)


def test_ordered_dithering_keeps_alpha():
    rng = np.random.default_rng(0)
    rgba = np.dstack([rng.integers(0, 256, (32, 40, 3)), np.full((32, 40), 255)]).astype(np.uint8)
    rgba[:8, :, 3] = 0
    rgba[8:16, :, 3] = 128
    q = quantize(rgba, 8, dither="ordered")
    out = q.image
    assert (out[:8, :, 3] == 0).all()  # fully transparent stays fully transparent
    assert (out[16:, :, 3] > 0).all()
    assert {tuple(c) for c in distinct_colors(out)[0].tolist()} <= {tuple(c) for c in q.palette.colors.tolist()}


def test_dither_true_is_diffusion_in_the_palettes_space_and_takes_alpha(medium):
    palette = fit_palette(ColorHistogram.from_image(medium), 8, color_space="oklab")
    labels = apply_palette(medium, palette, dither=True).labels
    np.testing.assert_array_equal(labels, diffuse(medium, palette.colors, "oklab"))
    rgba = np.dstack([medium, np.full(medium.shape[:2], 255, np.uint8)])
    rgba[:8, :, 3] = 0
    q = quantize(rgba, 8, dither=True)
    assert (q.image[:8, :, 3] == 0).all() and (q.image[8:, :, 3] > 0).all()


# --------------------------------------------------------------------------- error diffusion (ours)


def naive_diffuse(image, palette, color_space, *, strength=0.9, max_error=0.032, min_error=0.0055, tile=(128, 256)):
    """The same diffusion as a plain loop: one tile after another, rows top to bottom, pixels left to right."""
    h, w, channels = image.shape
    points = dither._points(image, color_space)
    centres = dither._points(palette, color_space)
    if centres.shape[1] == 4 and channels == 3:
        points = np.dstack([points, np.ones((h, w), np.float32)])
    search = np.vstack([-centres.T, 0.5 * (centres * centres).sum(axis=1)]).astype(np.float32)
    big, small = np.float32([max_error, min_error]) ** 2
    th, tw = -(-h // -(-h // tile[0])), -(-w // -(-w // tile[1]))
    labels = np.zeros((h, w), np.int64)
    for y0 in range(0, h, th):
        for x0 in range(0, w, tw):
            received = np.zeros((th + 1, tw + 2, points.shape[2]), np.float32)  # a margin column each side
            for y in range(y0, min(y0 + th, h)):
                for x in range(x0, min(x0 + tw, w)):
                    r, c = y - y0, x - x0 + 1
                    spread = np.float32(channels == 3 or image[y, x, 3] > 0)
                    s = received[r, c] * (spread * np.float32(strength))
                    s2 = np.einsum("c,c->", s, s)
                    s = s * np.float32(0 if s2 < small else 0.8 if s2 >= big else 1)
                    p = points[y, x] + s
                    j = int(dither._nearest(np.append(p, np.float32(1))[None], search)[0])
                    labels[y, x] = j
                    e = p - -search[:-1, j]
                    e2 = np.einsum("c,c->", e, e)
                    e = e * (np.float32(0.75 if e2 >= big else 1) * spread)
                    received[r + 1, c - 1] += e * np.float32(3 / 16)
                    received[r, c + 1] += e * np.float32(7 / 16)
                    received[r + 1, c] += e * np.float32(5 / 16)
                    received[r + 1, c + 1] += e * np.float32(1 / 16)
    return labels


@pytest.fixture(scope="module")
def crop() -> np.ndarray:
    """A 21×37 piece of a photograph: gradients, an edge, texture."""
    return read_image(data_path("rocket.jpg"))[200:221, 300:337].copy()


def random_palette(k: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    colors = np.unique(rng.integers(0, 256, (3 * k, channels), dtype=np.uint8), axis=0)
    return colors[rng.permutation(len(colors))[:k]]


@pytest.mark.parametrize("color_space", ["oklab", "lab", "rgb"])
@pytest.mark.parametrize("tile", [(128, 256), (8, 11)])
def test_diffusion_matches_a_naive_loop(crop, color_space, tile):
    palette = random_palette(24)
    expected = naive_diffuse(crop, palette, color_space, tile=tile)
    labels = diffuse(crop, palette, color_space, tile=tile)
    np.testing.assert_array_equal(labels, expected)
    assert labels.dtype == np.uint8 and len(np.unique(labels)) >= 6


def test_diffusion_matches_a_naive_loop_with_other_limits_and_alpha(crop):
    rgba = np.dstack([crop, np.tile(np.arange(0, 256, 7, dtype=np.uint8), (21, 1))]).copy()  # alpha 0 … 252
    palette = np.vstack([np.zeros((1, 4), np.uint8), random_palette(30, 4, seed=1)])
    options = {"strength": 1.0, "max_error": 0.08, "min_error": 0.01, "tile": (7, 20)}
    np.testing.assert_array_equal(
        diffuse(rgba, palette, "oklab", **options), naive_diffuse(rgba, palette, "oklab", **options)
    )


@pytest.mark.parametrize("shape", [(1, 1), (1, 17), (17, 1), (5, 3), (9, 37)])
@pytest.mark.parametrize("k", [1, 5])
def test_small_and_thin_images_match_the_naive_loop(crop, shape, k):
    image = crop[: shape[0], : shape[1]]
    palette = random_palette(k, seed=5)
    labels = diffuse(image, palette, tile=(4, 8))
    np.testing.assert_array_equal(labels, naive_diffuse(image, palette, "oklab", tile=(4, 8)))
    assert labels.shape == shape and labels.max() < k


def test_pixels_on_one_wavefront_do_not_depend_on_each_other(crop):
    """Changing pixel (x0, y0) changes no label with x + 2y <= x0 + 2y0 but its own: a diagonal is one vector step."""
    palette = random_palette(16)
    before = diffuse(crop, palette)
    y, x = np.mgrid[0 : crop.shape[0], 0 : crop.shape[1]]
    for y0, x0 in [(10, 5), (3, 30), (20, 0)]:
        changed = crop.copy()
        changed[y0, x0] = 255 - changed[y0, x0]
        after = diffuse(changed, palette)
        earlier = (x + 2 * y <= x0 + 2 * y0) & ~((y == y0) & (x == x0))
        np.testing.assert_array_equal(after[earlier], before[earlier])
        assert (after != before).any()  # the change does travel on


def test_tiles_are_dithered_independently(crop):
    palette = random_palette(20)
    whole = diffuse(crop, palette, tile=(11, 19))  # 21 × 37 → tiles of 11 × 19
    for top, left in [(0, 0), (0, 19), (11, 0), (11, 19)]:
        piece = crop[top : top + 11, left : left + 19]
        np.testing.assert_array_equal(whole[top : top + 11, left : left + 19], diffuse(piece, palette))


@pytest.mark.parametrize("color_space", ["oklab", "lab", "rgb"])
def test_a_flat_area_of_a_palette_colour_stays_undithered(color_space):
    palette = random_palette(64, seed=2)
    for j in (0, 17, 63):
        flat = np.broadcast_to(palette[j], (20, 30, 3)).copy()
        assert (diffuse(flat, palette, color_space) == j).all()
    near = np.broadcast_to(palette[5] // 2 * 2 + 1, (20, 30, 3)).copy()  # within one level: nothing worth spreading
    assert (diffuse(near, palette, color_space, min_error=0.02) == 5).all()


def test_a_gray_between_two_colours_is_dithered_to_its_mean():
    gray = np.full((64, 64, 3), 128, np.uint8)
    palette = np.array([[96, 96, 96], [160, 160, 160]], np.uint8)
    labels = diffuse(gray, palette, "rgb", strength=1.0, max_error=1.0)
    assert 0.45 < labels.mean() < 0.55
    assert (labels[:, 1:] != labels[:, :-1]).mean() > 0.5  # a fine pattern, not bands


def test_fully_transparent_pixels_stay_on_the_transparent_entry(crop):
    rgba = np.dstack([crop, np.full(crop.shape[:2], 255, np.uint8)]).copy()
    rgba[5:12, 10:25, 3] = 0
    rgba[5:12, 10:25, :3] = 200  # colour under full transparency does not matter
    palette = np.vstack([np.zeros((1, 4), np.uint8), random_palette(15, 4, seed=3)])
    palette[1:, 3] = 255
    labels = diffuse(rgba, palette)
    assert (labels[5:12, 10:25] == 0).all() and (labels[rgba[..., 3] > 0] > 0).all()


def test_rgb_image_on_an_rgba_palette_is_opaque(crop):
    palette = np.column_stack([random_palette(12), np.full(12, 255, np.uint8)])
    opaque = np.dstack([crop, np.full(crop.shape[:2], 255, np.uint8)])
    np.testing.assert_array_equal(diffuse(crop, palette), diffuse(opaque, palette))


def test_diffusion_is_deterministic_whatever_the_bands_and_blocks(medium, monkeypatch):
    palette = quantize(medium, 40, color_space="oklab").palette
    first = diffuse(medium, palette, tile=(16, 32))
    np.testing.assert_array_equal(diffuse(medium, palette, tile=(16, 32)), first)
    monkeypatch.setattr(dither, "_BAND_PIXELS", 3000)  # several bands of tile rows
    monkeypatch.setattr(dither, "_BLOCK_DISTANCES", 1000)  # the palette searched in blocks of pixels
    np.testing.assert_array_equal(diffuse(medium, palette, tile=(16, 32)), first)


def test_more_than_256_colours_give_uint16_labels():
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (12, 20, 3), dtype=np.uint8)
    palette = random_palette(300, seed=4)
    labels = diffuse(image, palette, "rgb")
    assert labels.dtype == np.uint16 and labels.max() < 300


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.zeros((4, 4, 3), np.float32), np.zeros((2, 3), np.uint8)), {}, "image must be uint8"),
        ((np.zeros((4, 4), np.uint8), np.zeros((2, 3), np.uint8)), {}, "image must have shape"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((0, 3), np.uint8)), {}, "palette must be a non-empty"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 5), np.uint8)), {}, "palette must be"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.int64)), {}, "palette must be"),
        ((np.zeros((4, 4, 4), np.uint8), np.zeros((2, 3), np.uint8)), {}, "palette: an RGBA image"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8), "hsv"), {}, "unknown color_space"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8)), {"strength": 1.5}, "strength must be in"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8)), {"strength": -1}, "strength must be"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8)), {"max_error": float("nan")}, "max_error must"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8)), {"min_error": "0"}, "min_error must"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8)), {"tile": (0, 8)}, "tile must be an integer"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8)), {"tile": 8}, "tile must be"),
        ((np.zeros((4, 4, 3), np.uint8), np.zeros((2, 3), np.uint8)), {"min_error": 0.1}, "must not exceed max_error"),
    ],
)
def test_diffusion_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        diffuse(*args, **kwargs)
