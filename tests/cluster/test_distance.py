"""The distance kernels: nearest centres and the two smallest values; the exact float64 argmin."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab.cluster.distance import augment, exact_nearest_centers, half_sq_norms, nearest_centers


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nearest_centre_against_direct_distances(dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 3)) * 40
    for k in (1, 5, 32, 33, 200):
        c = rng.normal(size=(k, 3)) * 40
        direct = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        labels, _, _ = nearest_centers(x.astype(dtype), c.astype(dtype))
        # float32 may differ on near-ties only: the chosen distance is the minimum to rounding
        chosen = direct[np.arange(len(x)), labels]
        np.testing.assert_allclose(chosen, direct.min(axis=1), rtol=1e-4 if dtype == np.float32 else 1e-12)
        if dtype == np.float64:
            np.testing.assert_array_equal(labels, direct.argmin(axis=1))


def test_augmented_points_give_the_same_result():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5000, 3)).astype(np.float32) * 50
    c = rng.normal(size=(40, 3)).astype(np.float32) * 50
    plain = nearest_centers(x, c, second=True)
    pre = nearest_centers(augment(x), c, second=True)
    for a, b in zip(plain, pre):
        np.testing.assert_array_equal(a, b)


def test_ties_go_to_the_lowest_index():
    x = np.array([[0.0], [1.0], [2.0]])
    for k_extra in (0, 40):
        c = np.vstack([np.array([[1.0], [1.0], [3.0]]), np.full((k_extra, 1), 99.0)])
        labels, _, _ = nearest_centers(x, c)
        assert labels.tolist() == [0, 0, 0]
        assert exact_nearest_centers(x, c).tolist() == [0, 0, 0]


def test_two_smallest_values_come_with_the_same_labels():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 10, size=(500, 3)).astype(np.float64)
    c = rng.integers(0, 10, size=(9, 3)).astype(np.float64)
    labels, best, second = nearest_centers(x, c, second=True)
    np.testing.assert_array_equal(labels, nearest_centers(x, c)[0])
    assert (best <= second).all()


def test_exact_kernel_is_the_elementwise_expression_in_its_order():
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, size=(2000, 3)).astype(np.float64)
    c = rng.normal(size=(23, 3)) * 60
    half = 0.5 * ((c[:, 0] * c[:, 0] + c[:, 1] * c[:, 1]) + c[:, 2] * c[:, 2])
    np.testing.assert_array_equal(half_sq_norms(c), half)
    g = half[None, :] - ((x[:, :1] * c[:, 0] + x[:, 1:2] * c[:, 1]) + x[:, 2:] * c[:, 2])
    np.testing.assert_array_equal(exact_nearest_centers(x, c), g.argmin(axis=1))
    direct = ((x[:, None, :] - c[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(exact_nearest_centers(x, c), direct.argmin(axis=1))
