"""The filtered E step: the labels and sums of the exact kernel over all centres, for less work."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmeans_lab.cluster.distance import exact_nearest_centers
from kmeans_lab.cluster.filtering import (
    CellTree,
    CubeLevel,
    FilteredEStep,
    ReusedFilterEStep,
    approximate_lloyd,
)
from kmeans_lab.cluster.lloyd import LabelEStep, lloyd_iterations


def _tree(points: np.ndarray, weights: np.ndarray, sides=(16, 4, 2)) -> CellTree:
    """Integer points in [0, 64)^d grouped in cubes of the given sides (coarse to fine, each dividing the last)."""
    levels, keys_by_level, cells = [], [], None
    for side in sides:
        cell = points // side
        keys, cells = np.unique(cell, axis=0, return_inverse=True)
        cells = cells.reshape(-1)
        sums = np.stack([np.bincount(cells, weights=weights * p, minlength=len(keys)) for p in points.T], axis=1)
        parent = None
        if keys_by_level:
            coarse_keys = keys * side // sides[len(keys_by_level) - 1]
            lookup = {tuple(k): i for i, k in enumerate(keys_by_level[-1].tolist())}
            parent = np.array([lookup[tuple(k)] for k in coarse_keys.tolist()], dtype=np.intp)
        centers = keys * side + (side - 1) / 2.0
        weight = np.bincount(cells, weights=weights, minlength=len(keys))
        levels.append(CubeLevel(centers, (side - 1) / 2.0, sums, weight, parent))
        keys_by_level.append(keys)
    return CellTree(points.astype(np.float64), weights.astype(np.float64), tuple(levels), cells)


def _plain_step(tree: CellTree) -> LabelEStep:
    return LabelEStep(lambda c: exact_nearest_centers(tree.points, c), tree.weights, tree.weighted_columns)


def _clumpy(rng, n=3000, d=3, clumps=12):
    """Integer points in [0, 64)^d around a few centres, with integer weights."""
    middles = rng.integers(8, 56, size=(clumps, d))
    points = np.clip(middles[rng.integers(0, clumps, n)] + rng.integers(-7, 8, (n, d)), 0, 63)
    points = np.unique(points, axis=0)
    return points, rng.integers(1, 50, len(points))


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 7, 40])
def test_labels_and_sums_equal_the_exact_kernel_over_all_centres(d, k):
    rng = np.random.default_rng(d * 100 + k)
    points, weights = _clumpy(rng, d=d)
    tree = _tree(points, weights)
    step, plain = FilteredEStep(tree), _plain_step(tree)
    for trial in range(5):
        centers = points[rng.choice(len(points), k, replace=False)] + rng.normal(size=(k, d)) * (trial > 0)
        sums, weight, labels = step(centers, want_labels=True)
        p_sums, p_weight, p_labels = plain(centers)
        np.testing.assert_array_equal(labels, p_labels)
        np.testing.assert_array_equal(sums, p_sums)  # bit for bit: integer sums are exact
        np.testing.assert_array_equal(weight, p_weight)
        assert step(centers)[2] is None  # labels only when wanted


def filtered_lloyd(tree: CellTree, start: np.ndarray, *, threshold: float, max_iter: int):
    return lloyd_iterations(
        tree.points, tree.weights, start, FilteredEStep(tree), threshold=threshold, max_iter=max_iter
    )


def test_most_points_are_decided_with_their_cell():
    """Dense points: most cells are decided whole; few points are labelled one by one."""
    rng = np.random.default_rng(0)
    points, weights = _clumpy(rng, n=20000)
    tree = _tree(points, weights)
    centers = points[rng.choice(len(points), 16, replace=False)].astype(np.float64)
    partition = FilteredEStep(tree)._build(centers)
    assert sum(len(bucket.index) for bucket in partition.buckets) < 0.5 * len(points)
    assert sum(len(cells) for _, cells, _ in partition.decided) > 0


def test_ties_go_to_the_lowest_index():
    """Integer points on a bisector, and duplicated centres: the lower index wins, as in the kernel."""
    points = np.array([[x, y, 0] for x in range(0, 32) for y in range(0, 32)])
    weights = np.ones(len(points), dtype=np.int64)
    tree = _tree(points, weights, sides=(8, 2))
    centers = np.array([[10.0, 10.0, 0.0], [20.0, 10.0, 0.0], [10.0, 10.0, 0.0], [20.0, 10.0, 0.0]])
    _, _, labels = FilteredEStep(tree)(centers, want_labels=True)
    np.testing.assert_array_equal(labels, exact_nearest_centers(tree.points, centers))
    on_bisector = points[:, 0] == 15
    assert set(labels[on_bisector].tolist()) == {0} and set(labels[points[:, 0] > 15].tolist()) == {1}


@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_filtered_lloyd_is_the_plain_loop_with_the_exact_kernel(threshold):
    rng = np.random.default_rng(3)
    points, weights = _clumpy(rng, n=6000)
    tree = _tree(points, weights)
    start = points[rng.choice(len(points), 9, replace=False)].astype(np.float64)
    filtered = filtered_lloyd(tree, start, threshold=threshold, max_iter=200)
    plain = lloyd_iterations(tree.points, tree.weights, start, _plain_step(tree), threshold=threshold, max_iter=200)
    assert filtered.n_iter == plain.n_iter > 1 and filtered.converged == plain.converged
    np.testing.assert_array_equal(filtered.centers, plain.centers)
    np.testing.assert_array_equal(filtered.labels, plain.labels)


def test_empty_clusters_are_reseeded_as_in_the_plain_loop():
    rng = np.random.default_rng(4)
    points, weights = _clumpy(rng, n=2000)
    tree = _tree(points, weights)
    start = np.vstack([points[:5], [[500.0, 500.0, 500.0], [-400.0, 0.0, 0.0]]]).astype(np.float64)  # two far away
    filtered = filtered_lloyd(tree, start, threshold=0.0, max_iter=100)
    plain = lloyd_iterations(tree.points, tree.weights, start, _plain_step(tree), threshold=0.0, max_iter=100)
    np.testing.assert_array_equal(filtered.centers, plain.centers)
    np.testing.assert_array_equal(filtered.labels, plain.labels)
    assert len(np.unique(filtered.labels)) == 7


def test_reuse_with_a_margin_wider_than_the_data_is_exact_lloyd():
    """Every candidate kept everywhere: relabelling the listed points is a full E step, sums moved exactly."""
    rng = np.random.default_rng(5)
    points, weights = _clumpy(rng, n=3000)
    tree = _tree(points, weights)
    start = points[rng.choice(len(points), 6, replace=False)].astype(np.float64)
    centers, n_iter = approximate_lloyd(tree, start, threshold=0.0, max_iter=40, margin=1e6, reuse=5)
    plain = lloyd_iterations(
        tree.points, tree.weights, start, _plain_step(tree), threshold=0.0, max_iter=n_iter, final_labels=False
    )
    np.testing.assert_array_equal(centers, plain.centers)


def test_reused_build_is_fresh_first_and_after_refresh():
    rng = np.random.default_rng(6)
    points, weights = _clumpy(rng)
    tree = _tree(points, weights)
    step = ReusedFilterEStep(tree, margin=1.0, reuse=3)
    c = points[:4].astype(np.float64)
    fresh = []
    for _ in range(4):
        step(c + rng.normal(size=c.shape) * 0.1)
        fresh.append(step.fresh)
    step.refresh()
    step(c)
    fresh.append(step.fresh)
    assert fresh == [True, False, False, True, True]


def test_approximate_lloyd_ends_near_the_exact_fixed_point():
    rng = np.random.default_rng(7)
    points, weights = _clumpy(rng, n=8000)
    tree = _tree(points, weights)
    start = points[rng.choice(len(points), 12, replace=False)].astype(np.float64)
    centers, n_iter = approximate_lloyd(tree, start, threshold=1e-3, max_iter=300)
    exact = filtered_lloyd(tree, start, threshold=0.0, max_iter=300)
    after = filtered_lloyd(tree, centers, threshold=0.0, max_iter=300)
    assert 1 < n_iter < 300 and after.n_iter < exact.n_iter


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 63), st.integers(0, 63), st.integers(1, 9)), min_size=1, max_size=60),
    k=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_hypothesis_small_sets_fixed_points_match(data, k, seed):
    cells = {(x, y): w for x, y, w in data}
    points = np.array([[x, y] for x, y in cells])
    weights = np.array(list(cells.values()))
    k = min(k, len(points))
    tree = _tree(points, weights, sides=(16, 4, 2))
    rng = np.random.default_rng(seed)
    start = points[rng.choice(len(points), k, replace=False)] + rng.integers(-2, 3, (k, 2)) * 0.5
    filtered = filtered_lloyd(tree, start, threshold=0.0, max_iter=100)
    plain = lloyd_iterations(tree.points, tree.weights, start, _plain_step(tree), threshold=0.0, max_iter=100)
    assert filtered.n_iter == plain.n_iter
    np.testing.assert_array_equal(filtered.centers, plain.centers)
    np.testing.assert_array_equal(filtered.labels, plain.labels)
