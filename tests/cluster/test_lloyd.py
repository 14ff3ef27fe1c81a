"""kmeans(): hand-computed cases, a naive reference, invariances, scikit-learn agreement."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans

from kmeans_lab import kmeans
from kmeans_lab.cluster.distance import exact_nearest_centers
from kmeans_lab.cluster.lloyd import LabelEStep, centred, lloyd_iterations, tolerance

from ..conftest import naive_lloyd


def test_hand_computed_one_dimension():
    points = np.array([[0.0], [1.0], [10.0], [11.0], [12.0]])
    res = kmeans(points, 2, init=np.array([[0.0], [1.0]]), tol=0)
    # From centres 0 and 1: {0} | {1,10,11,12} -> 0, 8.5 -> {0,1} | {10,11,12} -> 0.5, 11 (fixed).
    np.testing.assert_allclose(res.centroids.ravel(), [0.5, 11.0])
    np.testing.assert_array_equal(res.labels, [0, 0, 1, 1, 1])
    assert res.inertia == pytest.approx(0.25 * 2 + 1 + 0 + 1)
    assert res.converged and res.n_iter == 3


def test_hand_computed_weighted_two_dimensions():
    points = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0]])
    weights = np.array([3.0, 1.0, 2.0])
    res = kmeans(points, 2, init=np.array([[0.0, 0.0], [10.0, 10.0]]), sample_weight=weights, tol=0)
    np.testing.assert_allclose(res.centroids, [[0.5, 0.0], [10.0, 10.0]])
    assert res.inertia == pytest.approx(3 * 0.25 + 1 * 2.25)


@pytest.mark.parametrize("n_iter", [1, 2, 100])
def test_matches_naive_loop(small_image, n_iter):
    points = small_image.reshape(-1, 3).astype(np.float64)
    rng = np.random.default_rng(0)
    init = points[rng.choice(len(points), 6, replace=False)] + 0.25
    expected_centers, expected_labels = naive_lloyd(points, np.ones(len(points)), init, n_iter)
    res = kmeans(points, 6, init=init, max_iter=n_iter, tol=0)
    np.testing.assert_allclose(res.centroids, expected_centers, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(res.labels, expected_labels)


def test_weights_equal_repeated_points(small_image):
    pixels = small_image.reshape(-1, 3).astype(np.float64)
    distinct, inverse, counts = np.unique(pixels, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    assert len(distinct) < len(pixels)
    on_pixels = kmeans(pixels, 5, seed=3, tol=0)
    on_distinct = kmeans(distinct, 5, sample_weight=counts, seed=3, tol=0)
    np.testing.assert_allclose(on_pixels.centroids, on_distinct.centroids, atol=1e-9)
    np.testing.assert_array_equal(on_pixels.labels, on_distinct.labels[inverse])
    assert on_pixels.inertia == pytest.approx(on_distinct.inertia, rel=1e-12)


def test_invariant_to_point_order(small_image):
    pixels = small_image.reshape(-1, 3).astype(np.float64)
    perm = np.random.default_rng(5).permutation(len(pixels))
    a = kmeans(pixels, 7, init="in_pixels", seed=11)
    b = kmeans(pixels[perm], 7, init="in_pixels", seed=11)
    np.testing.assert_allclose(a.centroids, b.centroids, atol=1e-9)
    np.testing.assert_array_equal(a.labels[perm], b.labels)


@pytest.mark.parametrize("tol", [0.0, 1e-4])
def test_the_plain_path_is_the_loop_with_the_reference_e_step(small_image, tol):
    """kmeans() labels by the exact float64 argmin at every iteration: same centres bit for bit, same labels."""
    points, weights = np.unique(small_image.reshape(-1, 3), axis=0, return_counts=True)
    points, weights = points.astype(np.float64), weights.astype(np.float64)
    start = points[np.random.default_rng(3).choice(len(points), 9, replace=False)] + 0.5
    ours = kmeans(points, 9, init=start, sample_weight=weights, tol=tol)
    x, offset = centred(points, weights)
    step = LabelEStep(lambda c: exact_nearest_centers(x, c), weights, np.ascontiguousarray((x * weights[:, None]).T))
    ref = lloyd_iterations(x, weights, start - offset, step, threshold=tolerance(x, weights, tol), max_iter=300)
    np.testing.assert_array_equal(ours.centroids, ref.centers + offset)
    np.testing.assert_array_equal(ours.labels, ref.labels)
    assert ours.n_iter == ref.n_iter > 1


@pytest.mark.parametrize("init", ["random", "in_pixels", "kmeans++"])
def test_same_seed_same_result_and_seed_matters(small_image, init):
    pixels = small_image.reshape(-1, 3)
    a, b = kmeans(pixels, 6, init=init, seed=4), kmeans(pixels, 6, init=init, seed=4)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    others = [kmeans(pixels, 6, init=init, seed=s, max_iter=1).centroids for s in range(5, 9)]
    assert any(not np.allclose(a.centroids, o) for o in others)


def test_empty_cluster_is_reseeded():
    points = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0]])
    # The third centre is far from every point: its cluster starts empty.
    res = kmeans(points, 3, init=np.array([[0.0, 0.5], [5.0, 5.5], [100.0, 100.0]]), tol=0)
    assert np.bincount(res.labels, minlength=3).min() >= 1
    assert len(np.unique(res.labels)) == 3


def test_every_cluster_nonempty_on_random_data():
    rng = np.random.default_rng(0)
    points = rng.integers(0, 4, size=(200, 3)).astype(float)  # 64 possible values, many ties
    for seed in range(5):
        res = kmeans(points, 20, init="random", seed=seed)
        assert len(np.unique(res.labels)) == 20


def test_labels_are_nearest_centres(small_image):
    pixels = small_image.reshape(-1, 3).astype(np.float64)
    res = kmeans(pixels, 9, seed=1)
    d = ((pixels[:, None, :] - res.centroids[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(d[np.arange(len(d)), res.labels], d.min(axis=1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_scikit_learn_from_same_centres(small_image, seed):
    pixels = small_image.reshape(-1, 3).astype(np.float64) / 255.0
    rng = np.random.default_rng(seed)
    init = pixels[rng.choice(len(pixels), 8, replace=False)]
    ours = kmeans(pixels, 8, init=init, tol=0, max_iter=500)
    theirs = KMeans(8, init=init, n_init=1, tol=0, max_iter=500, algorithm="lloyd").fit(pixels)
    np.testing.assert_allclose(ours.centroids, theirs.cluster_centers_, atol=1e-6)
    np.testing.assert_array_equal(ours.labels, theirs.labels_)
    assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-9)


def test_max_iter_bounds_iterations(small_image):
    res = kmeans(small_image.reshape(-1, 3), 12, init="random", max_iter=2, tol=0)
    assert res.n_iter == 2 and not res.converged


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, r"k must be an integer >= 1, got 0"),
        ({"k": -3}, r"k must be an integer >= 1, got -3"),
        ({"k": 2.5}, r"k must be an integer >= 1, got 2\.5"),
        ({"k": "4"}, r"k must be an integer >= 1, got '4'"),
        ({"k": True}, r"k must be an integer >= 1, got True"),
        ({"k": 5}, r"k=5 is larger than the 4 distinct points"),
        ({"k": 2, "init": "farthest"}, r"unknown init 'farthest'"),
        ({"k": 2, "init": np.zeros((3, 2))}, r"init centres must have shape \(2, 2\)"),
        ({"k": 2, "sample_weight": [1, 1, -1, 1, 1]}, r"finite and non-negative"),
        ({"k": 2, "sample_weight": [1, 1]}, r"sample_weight must have shape \(5,\)"),
        ({"k": 2, "max_iter": 0}, r"max_iter must be an integer >= 1"),
        ({"k": 2, "tol": -1}, r"tol must be a finite number >= 0"),
    ],
)
def test_bad_arguments(kwargs, message):
    points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match=message):
        kmeans(points, **kwargs)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (np.zeros(5), r"shape \(n, d\)"),
        (np.zeros((0, 3)), r"non-empty"),
        (np.array([[0.0, np.nan]]), r"NaN or infinity"),
        (np.array([["a", "b"]]), r"real numbers"),
    ],
)
def test_bad_points(points, message):
    with pytest.raises(ValueError, match=message):
        kmeans(points, 1)


def test_n_init_keeps_the_lowest_inertia_of_the_starts_drawn_in_turn(small_image):
    from kmeans_lab.cluster import weighted_kmeans
    from kmeans_lab.cluster.init import kmeans_plusplus_init

    points = np.unique(small_image.reshape(-1, 3), axis=0).astype(np.float64)
    weights = np.arange(1.0, len(points) + 1)
    options = dict(max_iter=300, tol=1e-4)
    best = weighted_kmeans(points, weights, 7, init="kmeans++", seed=5, n_init=4, **options)
    rng = np.random.default_rng(5)
    runs = [
        weighted_kmeans(points, weights, 7, init=kmeans_plusplus_init(points, 7, rng, weights), seed=None, **options)
        for _ in range(4)
    ]
    assert len({r.inertia for r in runs}) > 1
    assert best.inertia == min(r.inertia for r in runs)
    np.testing.assert_array_equal(best.centroids, min(runs, key=lambda r: r.inertia).centroids)
    one = weighted_kmeans(points, weights, 7, init="kmeans++", seed=5, **options)
    np.testing.assert_array_equal(one.centroids, runs[0].centroids)  # n_init=1 is the first start
