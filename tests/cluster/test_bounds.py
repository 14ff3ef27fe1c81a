"""Hamerly's bounds change nothing: same labels and centres as plain weighted Lloyd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kmeans_lab.cluster import weighted_kmeans
from kmeans_lab.cluster.bounds import BoundedAssigner
from kmeans_lab.cluster.distance import nearest_centers
from kmeans_lab.histogram import distinct_colors


def _run_both(points, weights, centers, *, tol, dtype):
    """Plain and bounded Lloyd from the same centres."""
    options = {"init": centers, "seed": 0, "max_iter": 300, "tol": tol, "dtype": np.dtype(dtype)}
    plain = weighted_kmeans(points, weights, len(centers), algorithm="lloyd", **options)
    bounded = weighted_kmeans(points, weights, len(centers), algorithm="hamerly", **options)
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


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(
        np.uint8,
        st.tuples(st.integers(1, 8), st.integers(1, 8), st.just(3)),
        elements=st.sampled_from([0, 1, 2, 128, 255]),
    ),
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
        np.testing.assert_array_equal(labels, nearest_centers(x.astype(np.float32), c.astype(np.float32))[0])
        c = c + rng.normal(size=c.shape) * 3
    assert assign.computed < 8 * len(x)  # the bounds skipped something
