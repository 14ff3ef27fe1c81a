"""The speed-ups change nothing: same labels and centres as plain weighted Lloyd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kmeans_lab import kmeans, quantize
from kmeans_lab.hamerly import BoundedAssigner
from kmeans_lab.init import kmeans_plusplus_init
from kmeans_lab.kmeans import assign_labels, lloyd, nearest_centers
from kmeans_lab.quantize import distinct_colors, expand


def _run_both(points, weights, centers, **options):
    plain = lloyd(points, weights, centers, algorithm="lloyd", **options)
    bounded = lloyd(points, weights, centers, algorithm="hamerly", **options)
    return plain, bounded


def _assert_same(plain, bounded):
    np.testing.assert_array_equal(bounded.labels, plain.labels)
    np.testing.assert_allclose(bounded.centroids, plain.centroids, rtol=0, atol=1e-9)
    assert bounded.n_iter == plain.n_iter
    assert bounded.converged == plain.converged


def _lattice_with_ties() -> tuple[np.ndarray, np.ndarray]:
    """Integer colours 0..4 per channel, weights 1..3: many points equidistant from centres."""
    grid = np.stack(np.meshgrid(*[np.arange(5.0)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    weights = 1.0 + (np.arange(len(grid)) % 3)
    return grid, weights


@pytest.mark.parametrize("tol", [0.0, 1e-4])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hamerly_equals_lloyd_with_ties(tol, dtype):
    points, weights = _lattice_with_ties()
    # Centres on lattice midpoints: every point between two of them is an exact tie.
    centers = np.array([[0.5, 0.5, 0.5], [3.5, 3.5, 3.5], [0.5, 3.5, 2.0], [3.5, 0.5, 2.0]])
    plain, bounded = _run_both(points, weights, centers, tol=tol, dtype=np.dtype(dtype))
    _assert_same(plain, bounded)


@pytest.mark.parametrize("k", [1, 2, 7, 40])
def test_hamerly_equals_lloyd_on_random_colours(k):
    rng = np.random.default_rng(k)
    points = rng.integers(0, 256, size=(3000, 3)).astype(np.float64)
    weights = rng.integers(1, 50, size=3000).astype(np.float64)
    centers = points[rng.choice(3000, size=k, replace=False)]
    plain, bounded = _run_both(points, weights, centers, tol=0.0, dtype=np.dtype(np.float64))
    _assert_same(plain, bounded)


def test_kmeans_and_quantize_algorithms_agree_with_duplicates():
    rng = np.random.default_rng(3)
    palette = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    image = palette[rng.integers(0, 12, size=(40, 50))]  # heavy duplication
    for dtype in (np.float64, np.float32):
        a = quantize(image, 5, algorithm="lloyd", dtype=dtype, seed=1)
        b = quantize(image, 5, algorithm="hamerly", dtype=dtype, seed=1)
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_allclose(a.centroids, b.centroids, rtol=0, atol=1e-9)
    pts = image.reshape(-1, 3).astype(np.float64)
    a = kmeans(pts, 6, algorithm="lloyd", seed=2, tol=0)
    b = kmeans(pts, 6, algorithm="hamerly", seed=2, tol=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_allclose(a.centroids, b.centroids, rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(np.uint8, st.tuples(st.integers(1, 8), st.integers(1, 8), st.just(3)), elements=st.sampled_from([0, 1, 2, 128, 255])),
    k=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_hamerly_equals_lloyd_hypothesis(image, k, seed):
    colors, counts, _ = distinct_colors(image)
    k = min(k, len(colors))
    points, weights = colors.astype(np.float64), counts.astype(np.float64)
    centers = points[np.random.default_rng(seed).choice(len(points), size=k, replace=False)]
    centers = centers + np.random.default_rng(seed).integers(-1, 2, size=centers.shape)  # off-grid and on-grid ties
    plain, bounded = _run_both(points, weights, centers, tol=0.0, dtype=np.dtype(np.float64))
    _assert_same(plain, bounded)


def test_bounded_assigner_matches_full_e_step_on_moving_centres():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 3)) * 50
    assign = BoundedAssigner(x, x.astype(np.float32))
    c = x[:16].copy()
    for _ in range(8):
        labels = assign(c)
        np.testing.assert_array_equal(labels, assign_labels(x.astype(np.float32), c.astype(np.float32)))
        c = c + rng.normal(size=c.shape) * 3
    assert assign.computed < 8 * len(x)  # the bounds skipped something


def test_two_smallest_values_come_with_the_same_labels():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 10, size=(500, 3)).astype(np.float64)
    c = rng.integers(0, 10, size=(9, 3)).astype(np.float64)
    labels, best, second = nearest_centers(x, c, second=True)
    np.testing.assert_array_equal(labels, assign_labels(x, c))
    assert (best <= second).all()


def test_unknown_algorithm_is_rejected():
    with pytest.raises(ValueError, match="unknown algorithm 'elkan'"):
        kmeans(np.eye(3), 2, algorithm="elkan")
    with pytest.raises(ValueError, match="unknown algorithm 'fast'"):
        quantize(np.zeros((2, 2, 3), np.uint8), 1, algorithm="fast")


# --------------------------------------------------------------------------- distinct_colors


def _unique_reference(image):
    colors, inverse, counts = np.unique(image.reshape(-1, 3), axis=0, return_inverse=True, return_counts=True)
    return colors, counts, inverse.reshape(-1)


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (600, 500)])  # the last takes the 2^24-table path
def test_distinct_colors_equals_unique(shape):
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, size=(3000, 3), dtype=np.uint8)
    image = palette[rng.integers(0, 3000, size=shape)]
    image[0, 0] = (255, 255, 255)
    colors, counts, inverse = distinct_colors(image)
    ref_colors, ref_counts, ref_inverse = _unique_reference(image)
    np.testing.assert_array_equal(colors, ref_colors)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(inverse, ref_inverse)
    assert colors.dtype == np.uint8 and counts.dtype == np.int64 and inverse.dtype == np.int32


def test_expand_equals_fancy_indexing():
    rng = np.random.default_rng(2)
    palette = rng.integers(0, 256, size=(7, 3), dtype=np.uint8)
    labels = rng.integers(0, 7, size=(9, 4)).astype(np.uint8)
    np.testing.assert_array_equal(expand(palette, labels), palette[labels])


# --------------------------------------------------------------------------- k-means++


def test_kmeans_plusplus_second_centre_distribution():
    """With one trial per step, the second centre is drawn with probability ∝ w·D²."""
    points = np.array([[0.0, 0, 0], [1, 0, 0], [3, 0, 0], [6, 0, 0]])
    weights = np.array([5.0, 1.0, 2.0, 1.0])
    n = 3000
    counts = np.zeros((4, 4))
    for seed in range(n):
        c = kmeans_plusplus_init(points, 2, np.random.default_rng(seed), weights, n_local_trials=1)
        first, second = (int(np.flatnonzero((points == row).all(axis=1))[0]) for row in c)
        counts[first, second] += 1
    p_first = weights / weights.sum()
    np.testing.assert_allclose(counts.sum(axis=1) / n, p_first, atol=0.03)
    # Given the first centre at 0 (the most frequent), second ∝ w·x².
    mass = weights * points[:, 0] ** 2
    np.testing.assert_allclose(counts[0] / counts[0].sum(), mass / mass.sum(), atol=0.04)


def test_kmeans_plusplus_draws_fixed_for_a_seed():
    """Same seed, same draws; weighted distinct points draw like repeated points."""
    rng = np.random.default_rng(0)
    points = rng.integers(0, 50, size=(300, 3)).astype(np.float64)
    weights = rng.integers(1, 4, size=300).astype(np.float64)
    a = kmeans_plusplus_init(points, 8, np.random.default_rng(5), weights)
    b = kmeans_plusplus_init(points, 8, np.random.default_rng(5), weights)
    np.testing.assert_array_equal(a, b)
