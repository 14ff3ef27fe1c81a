"""The cascade: in every colour space, the plain path from the start it chose — a Lloyd fixed point of every colour."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kmeans_lab import ColorHistogram, fit_palette, read_image
from kmeans_lab.cascade import cascade_kmeans, cascade_start, start_plan
from kmeans_lab.cluster import weighted_kmeans
from kmeans_lab.cluster.distance import exact_nearest_centers
from kmeans_lab.cluster.init import INITIALIZERS, kmeans_plusplus_init
from kmeans_lab.cluster.lloyd import LabelEStep, centred, lloyd_iterations, tolerance
from kmeans_lab.lab.paths import data_path
from kmeans_lab.lab.transparency import cutout, vignette
from kmeans_lab.pyramid import ColorPyramid
from kmeans_lab.spaces import encoder

# The point sets: (colour space, image transform); RGBA images are clustered premultiplied.
PATHS = [("rgb", None), ("oklab", None), ("lab", None), ("rgb", "soft"), ("oklab", "soft"), ("lab", "hard")]


def _points(image: np.ndarray, space: str) -> tuple[np.ndarray, np.ndarray]:
    """An image's distinct colours as the encoder's points and their pixel counts (fully transparent ones left out)."""
    histogram = ColorHistogram.from_image(image)
    colors, counts = histogram.colors, histogram.counts
    if histogram.channels == 4 and colors[0, 3] == 0:
        colors, counts = colors[1:], counts[1:]
    return encoder(space, histogram.channels).encode(colors), counts.astype(np.float64)


@pytest.fixture(scope="module")
def photos() -> dict:
    """Point sets of real photographs in every path, downsampled to keep the tests fast (10k–40k points)."""
    chelsea = read_image(data_path("chelsea.png"))
    rocket = read_image(data_path("rocket.jpg"))[::2, ::2]
    shapes = {None: lambda im: im, "soft": vignette, "hard": cutout}
    out = {(space, shape): _points(shapes[shape](chelsea), space) for space, shape in PATHS}
    out["rocket"] = _points(rocket, "rgb")
    return out


def _reference(points, weights, start, tol, max_iter=500):
    """The package's Lloyd loop with the reference E step: every point against every centre in float64."""
    x, offset = centred(points, weights)
    weighted = np.ascontiguousarray((x * weights[:, None]).T)
    step = LabelEStep(lambda c: exact_nearest_centers(x, c), weights, weighted)
    run = lloyd_iterations(x, weights, start - offset, step, threshold=tolerance(x, weights, tol), max_iter=max_iter)
    return run, x, offset


def _assert_fixed_point(x: np.ndarray, weights: np.ndarray, centers: np.ndarray, labels: np.ndarray) -> None:
    """One more E step over all points and all centres changes no label; the M step returns the centres."""
    again = exact_nearest_centers(x, centers)
    np.testing.assert_array_equal(again, labels)
    weight = np.bincount(again, weights=weights, minlength=len(centers))
    assert (weight > 0).all()
    sums = np.stack([np.bincount(again, weights=weights * x[:, j], minlength=len(centers)) for j in range(x.shape[1])])
    np.testing.assert_array_equal(sums.T / weight[:, None], centers)  # bit for bit


def _start(points, weights, k, seed=0, tol=1e-4, init="kmeans++", n_init=None):
    pyramid = ColorPyramid.from_points(points, weights)
    rng = np.random.default_rng(seed)
    plan = start_plan(k, n_init)
    return cascade_start(pyramid, points, weights, k, init=init, rng=rng, plan=plan, max_iter=300, tol=tol)


@pytest.mark.parametrize(("space", "shape"), PATHS)
@pytest.mark.parametrize(("k", "tol"), [(7, 0.0), (40, 1e-4)])
def test_cascade_is_its_start_then_the_plain_path(photos, space, shape, k, tol):
    """Same centres bit for bit, same labels, same iterations as the plain path and the reference loop."""
    points, weights = photos[space, shape]
    fitted = cascade_kmeans(points, weights, k, seed=3, tol=tol)
    start = _start(points, weights, k, seed=3, tol=tol)
    assert start.levels  # the coarse stages ran
    plain = weighted_kmeans(points, weights, k, init=start.centers, seed=None, max_iter=300, tol=tol)
    np.testing.assert_array_equal(fitted.centroids, plain.centroids)
    np.testing.assert_array_equal(fitted.labels, plain.labels)
    assert fitted.n_iter == plain.n_iter
    run, x, offset = _reference(points, weights, start.centers, tol)
    np.testing.assert_array_equal(fitted.centroids, run.centers + offset)
    np.testing.assert_array_equal(fitted.labels, run.labels)
    assert fitted.n_iter == run.n_iter and fitted.converged == run.converged
    if tol == 0:
        assert fitted.converged
        _assert_fixed_point(x, weights, run.centers, run.labels)


@pytest.mark.parametrize("k", [16, 100])
def test_dense_point_sets_take_the_approximate_stage_then_the_plain_path(k):
    """coffee.png's 94k colours fill their finest cubes (2.8 each): the filter's approximate stage chooses the start."""
    points, weights = _points(read_image(data_path("coffee.png")), "rgb")
    start = _start(points, weights, k)
    assert ColorPyramid.from_points(points, weights).dense and start.approximate_iter > 0
    fitted = cascade_kmeans(points, weights, k)
    plain = weighted_kmeans(points, weights, k, init=start.centers, seed=None, max_iter=300, tol=1e-4)
    np.testing.assert_array_equal(fitted.centroids, plain.centroids)
    np.testing.assert_array_equal(fitted.labels, plain.labels)
    assert fitted.n_iter == plain.n_iter <= 3  # the approximate stage left little to do


def test_multi_start_keeps_the_lowest_inertia(photos):
    points, weights = photos["rgb", None]
    start = _start(points, weights, 8, n_init=5)
    assert len(start.levels) >= 2 and len(start.inertias) == 5
    # The two lowest inertias on the first level were refined; the lower after refinement won.
    assert sorted(start.refined) == sorted(np.argsort(start.inertias, kind="stable")[:2].tolist())
    assert start.chosen == min(start.refined, key=lambda i: (start.refined[i], i))
    # The inertias are those of the starts: replay the draws, one generator, start after start.
    rng = np.random.default_rng(0)
    first = ColorPyramid.from_points(points, weights).levels[start.levels[0]]
    for i in range(5):
        centers = kmeans_plusplus_init(first.means, 8, rng, first.weights)
        run = weighted_kmeans(first.means, first.weights, 8, init=centers, seed=None, max_iter=300, tol=1e-4)
        assert run.inertia == start.inertias[i]
    assert len(set(start.inertias)) > 1  # the starts differ, so the choice matters


def test_more_starts_never_choose_worse_on_the_first_level(photos):
    points, weights = photos["oklab", None]
    one, six = (_start(points, weights, 8, seed=4, n_init=n) for n in (1, 6))
    assert one.inertias[0] == six.inertias[0] and min(six.inertias) <= one.inertias[0]


@pytest.mark.parametrize("init", ["random", "in_pixels"])
def test_random_and_in_pixels_draw_on_all_the_points(photos, init):
    """A start is the initialiser's draw on every point (as on the plain path), then Lloyd on the first level."""
    points, weights = photos["lab", None]
    drawn = INITIALIZERS[init](points, 6, np.random.default_rng(2), weights)
    start = _start(points, weights, 6, seed=2, init=init, n_init=1)
    first = ColorPyramid.from_points(points, weights).levels[start.levels[0]]
    coarse = weighted_kmeans(first.means, first.weights, 6, init=drawn, seed=None, max_iter=300, tol=1e-4)
    assert start.inertias == (coarse.inertia,)


def _tie_images() -> dict[str, np.ndarray]:
    """Adversarial images: symmetric gaps (exact ties between two centres), many duplicates, few colours."""
    line = np.array([[0, 0, 0], [2, 2, 2], [4, 4, 4], [6, 6, 6], [100, 100, 100], [102, 102, 102]], np.uint8)
    grid = np.array([[r, g, 0] for r in range(0, 64, 8) for g in range(0, 64, 8)], np.uint8)
    two = np.array([[10, 10, 10], [30, 30, 30]], np.uint8)
    return {
        "line": np.repeat(line, [5, 5, 5, 5, 3, 3], axis=0)[None],
        "grid": np.tile(grid[None], (3, 1, 1)),
        "grid_rgba": np.dstack([np.tile(grid[None], (2, 1, 1)), np.full((2, 64), 128, np.uint8)]),
        "pair": np.tile(two[None], (4, 1, 1)),
    }


@pytest.mark.parametrize("space", ["rgb", "oklab", "lab"])
@pytest.mark.parametrize("name", ["line", "grid", "grid_rgba", "pair"])
def test_images_with_ties_and_duplicate_colours(space, name):
    """Every k up to the number of colours, several seeds: the plain path's fixed point from the cascade's start."""
    points, weights = _points(_tie_images()[name], space)
    for k in sorted({1, 2, 3, 5, len(points) - 1, len(points)} - {0}):
        if k > len(points):
            continue
        for seed in range(3):
            fitted = cascade_kmeans(points, weights, k, seed=seed, tol=0.0)
            start = _start(points, weights, k, seed=seed, tol=0.0)
            run, x, offset = _reference(points, weights, start.centers, 0.0)
            assert fitted.converged and fitted.n_iter == run.n_iter
            np.testing.assert_array_equal(fitted.centroids, run.centers + offset)
            np.testing.assert_array_equal(fitted.labels, run.labels)
            _assert_fixed_point(x, weights, run.centers, run.labels)


@pytest.mark.parametrize("color_space", ["rgb", "oklab", "lab"])
def test_fit_palette_is_the_cascade_of_the_encoded_colours(color_space):
    histogram = ColorHistogram.from_image(read_image(data_path("chelsea.png")))
    auto = fit_palette(histogram, 16, tol=0.0, color_space=color_space)
    assert auto.n_init == 6
    points = encoder(color_space, 3).encode(histogram.colors)
    fitted = cascade_kmeans(points, histogram.counts.astype(np.float64), 16, tol=0.0)
    np.testing.assert_array_equal(auto.centroids, fitted.centroids)
    np.testing.assert_array_equal(auto.labels, fitted.labels)


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(
        np.uint8,
        st.tuples(st.integers(1, 10), st.integers(1, 10), st.sampled_from([3, 4])),
        elements=st.sampled_from([0, 1, 2, 100, 101, 255]),
    ),
    k=st.integers(1, 5),
    space=st.sampled_from(["rgb", "oklab", "lab"]),
    init=st.sampled_from(["random", "in_pixels", "kmeans++"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_small_images_give_the_plain_paths_fixed_point(image, k, space, init, seed):
    points, weights = _points(image, space)
    if not len(points):
        return
    k = min(k, len(points))
    fitted = cascade_kmeans(points, weights, k, init=init, seed=seed, tol=0.0)
    start = _start(points, weights, k, seed=seed, tol=0.0, init=init)
    run, x, offset = _reference(points, weights, start.centers, 0.0)
    assert fitted.converged
    np.testing.assert_array_equal(fitted.centroids, run.centers + offset)
    np.testing.assert_array_equal(fitted.labels, run.labels)
    _assert_fixed_point(x, weights, run.centers, run.labels)
