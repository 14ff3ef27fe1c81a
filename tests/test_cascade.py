"""The cascade: its result is a Lloyd fixed point of every colour, whatever chose the start."""

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
from kmeans_lab.cluster.filtering import filtered_lloyd
from kmeans_lab.cluster.init import INITIALIZERS, kmeans_plusplus_init
from kmeans_lab.cluster.lloyd import LabelEStep, lloyd_iterations
from kmeans_lab.lab.paths import data_path
from kmeans_lab.pyramid import ColorPyramid


def _pyramid(image: np.ndarray) -> ColorPyramid:
    return ColorPyramid.from_histogram(ColorHistogram.from_image(image))


@pytest.fixture(scope="module")
def photos() -> dict[str, ColorPyramid]:
    """Real photographs from data/, downsampled to keep the tests fast (still 10k–30k colours)."""
    return {
        "chelsea": _pyramid(read_image(data_path("chelsea.png"))),
        "coffee": _pyramid(read_image(data_path("coffee.png"))[::2, ::2]),
        "rocket": _pyramid(read_image(data_path("rocket.jpg"))[::2, ::2]),
    }


def _assert_fixed_point(pyramid: ColorPyramid, centers: np.ndarray, labels: np.ndarray) -> None:
    """One more E step over all colours and all centres changes no label; the M step returns the centres."""
    again = exact_nearest_centers(pyramid.points, centers)
    np.testing.assert_array_equal(again, labels)
    weight = np.bincount(again, weights=pyramid.weights, minlength=len(centers))
    assert (weight > 0).all()
    sums = np.stack([np.bincount(again, weights=wx, minlength=len(centers)) for wx in pyramid.weighted_columns], 1)
    np.testing.assert_array_equal(sums / weight[:, None], centers)  # bit for bit


@pytest.mark.parametrize("name", ["chelsea", "coffee", "rocket"])
@pytest.mark.parametrize("k", [8, 64])
def test_tol_zero_gives_a_fixed_point_of_every_colour(photos, name, k):
    pyramid = photos[name]
    fitted = cascade_kmeans(pyramid, k, tol=0.0, max_iter=1000)
    assert fitted.kmeans.converged and fitted.start.levels  # the coarse stages ran
    _assert_fixed_point(pyramid, fitted.centers, fitted.kmeans.labels)
    np.testing.assert_array_equal(fitted.kmeans.centroids, fitted.centers + pyramid.offset)


def _plain(pyramid: ColorPyramid, start: np.ndarray, threshold: float):
    """The reference: the package's Lloyd loop, every colour against every centre by the same float64 expression."""
    step = LabelEStep(lambda c: exact_nearest_centers(pyramid.points, c), pyramid.weights, pyramid.weighted_columns)
    return lloyd_iterations(pyramid.points, pyramid.weights, start, step, threshold=threshold, max_iter=500)


@pytest.mark.parametrize(("k", "tol"), [(5, 0.0), (5, 1e-4), (32, 1e-4)])
def test_exact_stage_equals_the_plain_path_from_the_same_start(photos, k, tol):
    for name in ("chelsea", "coffee"):
        pyramid = photos[name]
        start = cascade_start(
            pyramid, k, init="kmeans++", rng=np.random.default_rng(1), plan=start_plan(k), max_iter=300, tol=tol
        )
        for centers in (start.centers, pyramid.points[:: len(pyramid) // k][:k]):  # the cascade's, and a poor one
            threshold = pyramid.variance * tol
            filtered = filtered_lloyd(pyramid.cell_tree(k), centers, threshold=threshold, max_iter=500)
            plain = _plain(pyramid, centers, threshold)
            assert filtered.n_iter == plain.n_iter and filtered.converged == plain.converged
            np.testing.assert_array_equal(filtered.centers, plain.centers)
            np.testing.assert_array_equal(filtered.labels, plain.labels)


def test_cascade_is_its_start_then_the_exact_stage(photos):
    pyramid = photos["rocket"]
    fitted = cascade_kmeans(pyramid, 16, seed=3)
    start = cascade_start(
        pyramid, 16, init="kmeans++", rng=np.random.default_rng(3), plan=start_plan(16), max_iter=300, tol=1e-4
    )
    np.testing.assert_array_equal(start.centers, fitted.start.centers)
    run = _plain(pyramid, start.centers, pyramid.variance * 1e-4)
    np.testing.assert_array_equal(fitted.centers, run.centers)
    np.testing.assert_array_equal(fitted.kmeans.labels, run.labels)
    assert fitted.kmeans.n_iter == run.n_iter


def test_multi_start_keeps_the_lowest_inertia(photos):
    pyramid = photos["chelsea"]
    plan = start_plan(8, n_init=5)
    start = cascade_start(pyramid, 8, init="kmeans++", rng=np.random.default_rng(0), plan=plan, max_iter=300, tol=1e-4)
    assert len(start.levels) >= 2 and len(start.inertias) == 5 and plan.keep == 2
    # The two lowest inertias on the first level were refined; the lower after refinement won.
    assert sorted(start.refined) == sorted(np.argsort(start.inertias, kind="stable")[:2].tolist())
    assert start.chosen == min(start.refined, key=lambda i: (start.refined[i], i))
    # The inertias are those of the starts: replay the draws, one generator, start after start.
    rng = np.random.default_rng(0)
    first = pyramid.levels[start.levels[0]]
    for i in range(5):
        centers = kmeans_plusplus_init(first.means, 8, rng, first.weights)
        run = weighted_kmeans(
            first.means,
            first.weights,
            8,
            init=centers,
            seed=None,
            max_iter=300,
            tol=1e-4,
            dtype=np.float32,
            algorithm="lloyd",
        )
        assert run.inertia == start.inertias[i]
    assert len(set(start.inertias)) > 1  # the starts differ, so the choice matters


def test_more_starts_never_choose_worse_on_the_first_level(photos):
    pyramid = photos["chelsea"]
    one, six = (
        cascade_start(
            pyramid, 8, init="kmeans++", rng=np.random.default_rng(4), plan=start_plan(8, n), max_iter=300, tol=1e-4
        )
        for n in (1, 6)
    )
    assert one.inertias[0] == six.inertias[0] and min(six.inertias) <= one.inertias[0]


@pytest.mark.parametrize("init", ["random", "in_pixels"])
def test_random_and_in_pixels_draw_on_the_full_histogram(photos, init):
    """A start is the initialiser's draw on every colour (as on the plain path), then Lloyd on the first level."""
    pyramid = photos["chelsea"]
    drawn = INITIALIZERS[init](pyramid.points, 6, np.random.default_rng(2), pyramid.weights)
    if init == "in_pixels":  # distinct colours of the histogram
        colours = {tuple(p) for p in pyramid.points.tolist()}
        assert len({tuple(c) for c in drawn.tolist()} & colours) == 6
    start = cascade_start(
        pyramid, 6, init=init, rng=np.random.default_rng(2), plan=start_plan(6, n_init=1), max_iter=300, tol=1e-4
    )
    first = pyramid.levels[start.levels[0]]
    coarse = weighted_kmeans(
        first.means,
        first.weights,
        6,
        init=drawn,
        seed=None,
        max_iter=300,
        tol=1e-4,
        dtype=np.float32,
        algorithm="lloyd",
    )
    assert start.inertias == (coarse.inertia,)


def test_images_with_ties_and_duplicate_colours():
    """Few colours, many repeats, symmetric gaps: exact ties between centres; still a fixed point."""
    line = np.array([[0, 0, 0], [2, 2, 2], [4, 4, 4], [6, 6, 6], [100, 100, 100], [102, 102, 102]], np.uint8)
    image = np.repeat(line, [5, 5, 5, 5, 3, 3], axis=0)[None]
    grid = np.array([[r, g, 0] for r in range(0, 64, 8) for g in range(0, 64, 8)], np.uint8)
    for img in (image, np.tile(grid[None], (3, 1, 1))):
        pyramid = _pyramid(img)
        for k in range(1, 6):
            for seed in range(4):
                fitted = cascade_kmeans(pyramid, k, seed=seed, tol=0.0)
                assert fitted.kmeans.converged
                _assert_fixed_point(pyramid, fitted.centers, fitted.kmeans.labels)


def test_fit_palette_takes_the_cascade_for_rgb_only(photos):
    image = read_image(data_path("chelsea.png"))
    histogram = ColorHistogram.from_image(image)
    auto = fit_palette(histogram, 16, tol=0.0)
    assert auto.n_init == 6
    fitted = cascade_kmeans(photos["chelsea"], 16, tol=0.0)
    np.testing.assert_array_equal(auto.centroids, fitted.kmeans.centroids)
    np.testing.assert_array_equal(auto.labels, fitted.kmeans.labels)
    lab = fit_palette(histogram, 16, color_space="oklab", n_init=2)
    assert lab.n_init == 2


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
)
def test_small_images_give_a_fixed_point(image, k, init, seed):
    pyramid = _pyramid(image)
    k = min(k, len(pyramid))
    fitted = cascade_kmeans(pyramid, k, init=init, seed=seed, tol=0.0)
    assert fitted.kmeans.converged
    _assert_fixed_point(pyramid, fitted.centers, fitted.kmeans.labels)
