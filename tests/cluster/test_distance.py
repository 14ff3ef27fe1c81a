"""The one distance kernel: nearest centres and the two smallest values."""

from __future__ import annotations

import numpy as np

from kmeans_lab.cluster.distance import nearest_centers


def test_nearest_centre_against_direct_distances():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 3)) * 40
    for k in (1, 5, 32, 33, 200):  # both block layouts (k <= 32 and k > 32)
        c = rng.normal(size=(k, 3)) * 40
        labels, _, _ = nearest_centers(x, c)
        direct = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(axis=1)
        np.testing.assert_array_equal(labels, direct)


def test_ties_go_to_the_lowest_index():
    x = np.array([[0.0], [1.0], [2.0]])
    for k_extra in (0, 40):  # column layout, then row layout
        c = np.vstack([np.array([[1.0], [1.0], [3.0]]), np.full((k_extra, 1), 99.0)])
        labels, _, _ = nearest_centers(x, c)
        assert labels.tolist() == [0, 0, 0]


def test_two_smallest_values_come_with_the_same_labels():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 10, size=(500, 3)).astype(np.float64)
    c = rng.integers(0, 10, size=(9, 3)).astype(np.float64)
    labels, best, second = nearest_centers(x, c, second=True)
    np.testing.assert_array_equal(labels, nearest_centers(x, c)[0])
    assert (best <= second).all()
