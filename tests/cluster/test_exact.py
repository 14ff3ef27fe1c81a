"""The fast exact E step: the labels and sums of the float64 reference over all centres, call after call."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmeans_lab.cluster.distance import augment, exact_nearest_centers, half_sq_norms
from kmeans_lab.cluster.exact import ExactEStep, float32_error_bound
from kmeans_lab.cluster.lloyd import LabelEStep, lloyd_iterations


def _reference(points: np.ndarray, weights: np.ndarray) -> LabelEStep:
    weighted = np.ascontiguousarray((points * weights[:, None]).T)
    return LabelEStep(lambda c: exact_nearest_centers(points, c), weights, weighted)


def _assert_same_step(step: ExactEStep, reference: LabelEStep, centers: np.ndarray) -> None:
    sums, weight, labels = step(centers, want_labels=True)
    r_sums, r_weight, r_labels = reference(centers)
    np.testing.assert_array_equal(labels, r_labels)
    np.testing.assert_array_equal(weight, r_weight)
    np.testing.assert_array_equal(sums, r_sums)  # bit for bit: integer sums are exact in any order


def _clumpy(rng, n=4000, d=3, clumps=12, spread=7, scale=1):
    """Integer points around a few centres (many duplicates merged into weights), times ``scale``."""
    middles = rng.integers(-50, 50, size=(clumps, d))
    points = middles[rng.integers(0, clumps, n)] + rng.integers(-spread, spread + 1, (n, d))
    points, weights = np.unique(points, axis=0, return_counts=True)
    return (points * scale).astype(np.float64), weights.astype(np.float64)


@pytest.mark.parametrize("d", [1, 3, 4])
@pytest.mark.parametrize("k", [1, 2, 9, 64])
@pytest.mark.parametrize("scale", [1, 255 * 2**16])  # sRGB, and premultiplied Oklab's integer grid
def test_every_call_equals_the_reference(d, k, scale):
    """A run of calls where all, some, one or no centres move, centres on points and duplicated centres."""
    rng = np.random.default_rng(d * 1000 + k)
    points, weights = _clumpy(rng, d=d, scale=scale)
    step, reference = ExactEStep(points, weights), _reference(points, weights)
    centers = points[rng.choice(len(points), k, replace=False)].copy()
    for trial in range(8):
        if trial == 3 and k > 1:
            centers[1] = centers[0]  # a duplicated centre: every tie goes to the lower index
        elif trial > 0:
            move = rng.random(k) < (1.0, 0.5, 0.0, 0.1, 1.0, 0.3, 0.0, 0.05)[trial]
            centers[move] += rng.normal(size=(int(move.sum()), d)) * scale * (0.3 if trial % 2 else 3.0)
        _assert_same_step(step, reference, centers)


def test_points_on_bisectors_go_to_the_lowest_index():
    """Integer points on the bisectors of integer centres: exact ties in float64."""
    points = np.array([[x, y, z] for x in range(-8, 9) for y in range(-8, 9) for z in (0, 1)], dtype=np.float64)
    weights = np.ones(len(points))
    step, reference = ExactEStep(points, weights), _reference(points, weights)
    for centers in (
        np.array([[-2.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, -4.0, 0.0]]),
        np.array([[2.0, 0.0, 0.0], [-2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, -4.0, 0.0]]),
        np.array([[2.0, 0.0, 0.0], [-2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, -4.0, 0.5]]),  # one moves
    ):
        _assert_same_step(step, reference, centers)
    labels = step(centers, want_labels=True)[2]
    assert labels[(points[:, 0] == 0) & (points[:, 1] == 0) & (points[:, 2] == 0)].tolist() == [0]


def test_non_integer_points_give_the_reference_sums():
    """Points that are not integers: the sums are recomputed by bincount, as the reference adds them."""
    rng = np.random.default_rng(1)
    points = rng.normal(size=(3000, 3)) * 40
    weights = rng.random(3000) * 5
    step, reference = ExactEStep(points, weights), _reference(points, weights)
    assert not step.exact_sums
    centers = points[:7].copy()
    for _ in range(5):
        _assert_same_step(step, reference, centers)
        centers[rng.random(7) < 0.4] += 0.7


@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_a_lloyd_run_follows_the_reference_exactly(threshold):
    rng = np.random.default_rng(3)
    points, weights = _clumpy(rng, n=20000, clumps=20)
    start = points[rng.choice(len(points), 16, replace=False)] + 0.25
    fast = lloyd_iterations(points, weights, start, ExactEStep(points, weights), threshold=threshold, max_iter=300)
    ref = lloyd_iterations(points, weights, start, _reference(points, weights), threshold=threshold, max_iter=300)
    assert fast.n_iter == ref.n_iter > 3 and fast.converged == ref.converged
    np.testing.assert_array_equal(fast.centers, ref.centers)
    np.testing.assert_array_equal(fast.labels, ref.labels)


def test_empty_clusters_are_reseeded_as_in_the_reference():
    rng = np.random.default_rng(4)
    points, weights = _clumpy(rng, n=2000)
    start = np.vstack([points[:5], [[500.0, 500.0, 500.0], [-400.0, 0.0, 0.0]]])  # two centres far away
    fast = lloyd_iterations(points, weights, start, ExactEStep(points, weights), threshold=0.0, max_iter=100)
    ref = lloyd_iterations(points, weights, start, _reference(points, weights), threshold=0.0, max_iter=100)
    np.testing.assert_array_equal(fast.centers, ref.centers)
    np.testing.assert_array_equal(fast.labels, ref.labels)
    assert len(np.unique(fast.labels)) == 7


@pytest.mark.parametrize("scale", [1.0, 2.0**20, 255 * 2.0**16])
def test_the_float32_bound_holds(scale):
    """|float32 product − float64 reference| never exceeds the bound, at every magnitude the encoders use."""
    rng = np.random.default_rng(int(np.log2(scale)))
    points = np.rint(rng.uniform(-1, 1, (20000, 4)) * scale)
    centers = rng.uniform(-1, 1, (50, 4)) * scale
    half = half_sq_norms(centers)
    matrix = np.vstack([-centers.T, half]).astype(np.float32)
    v32 = (augment(points.astype(np.float32)) @ matrix).astype(np.float64)
    v64 = half[None, :] - sum(points[:, j : j + 1] * centers[:, j] for j in range(4))
    radius = np.sqrt((points**2).sum(axis=1).max())
    assert np.abs(v32 - v64).max() <= float32_error_bound(radius, centers, half)


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6), st.integers(1, 9)), min_size=1, max_size=50),
    k=st.integers(1, 6),
    moves=st.lists(st.lists(st.sampled_from([0.0, 0.5, -1.0, 2.0]), min_size=6, max_size=6), max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_hypothesis_small_sets_with_ties(data, k, moves, seed):
    """Few points on a small grid, centres on half-integers that then move: ties everywhere."""
    cells = {(x, y): w for x, y, w in data}
    points = np.array(list(cells), dtype=np.float64)
    weights = np.array(list(cells.values()), dtype=np.float64)
    k = min(k, len(points))
    rng = np.random.default_rng(seed)
    centers = points[rng.choice(len(points), k)] + rng.integers(-2, 3, (k, 2)) * 0.5
    step, reference = ExactEStep(points, weights), _reference(points, weights)
    _assert_same_step(step, reference, centers)
    for move in moves:
        centers = centers + np.array(move[:k])[:, None]
        _assert_same_step(step, reference, centers)
