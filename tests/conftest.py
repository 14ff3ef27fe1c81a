"""Shared fixtures: small synthetic images and a naive k-means to compare against."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab.lab.paths import data_path


@pytest.fixture
def small_image() -> np.ndarray:
    """A 24×32 image with smooth gradients, many duplicate colours and some noise."""
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:24, 0:32]
    img = np.stack([x * 7, y * 9, (x + y) * 4], axis=-1) // 16 * 16
    img = img + rng.integers(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def photo_path():
    """A real photograph from data/ (the smallest, to keep tests fast)."""
    return data_path("chelsea.png")


def naive_lloyd(points, weights, centers, n_iter):
    """Textbook Lloyd with Python loops over points: the reference the fast code must match.

    Returns centres after ``n_iter`` update steps (or earlier at a fixed point) and labels
    of a final assignment.
    """
    points = [tuple(map(float, p)) for p in points]
    weights = [float(w) for w in weights]
    centers = [tuple(map(float, c)) for c in centers]

    def nearest(p):
        best, best_d = 0, float("inf")
        for j, c in enumerate(centers):
            d = sum((a - b) ** 2 for a, b in zip(p, c))
            if d < best_d:
                best, best_d = j, d
        return best

    for _ in range(n_iter):
        labels = [nearest(p) for p in points]
        sums = [[0.0] * len(centers[0]) for _ in centers]
        totals = [0.0] * len(centers)
        for p, w, lab in zip(points, weights, labels):
            totals[lab] += w
            for dim, value in enumerate(p):
                sums[lab][dim] += w * value
        new = [tuple(s / totals[j] for s in sums[j]) if totals[j] else centers[j] for j in range(len(centers))]
        if new == centers:
            break
        centers = new
    return np.array(centers), np.array([nearest(p) for p in points])


@pytest.fixture(scope="session")
def dask_client():
    """One local Dask cluster for the whole run: 2 worker processes on 127.0.0.1, no dashboard.

    Not made the default scheduler (that would move every later test onto the cluster):
    :func:`on_cluster` makes it current for one test. Worker processes on loopback start
    without a warning offline (in-process workers look for a network address and warn, which
    ``filterwarnings = error`` makes a failure).
    """
    distributed = pytest.importorskip("distributed")
    from kmeans_lab.collection import local_cluster

    with local_cluster(2) as cluster, distributed.Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture
def on_cluster(dask_client):
    """The session's cluster as the current Dask scheduler for one test, as ``Client(...)`` would make it."""
    import dask

    with dask.config.set(scheduler=dask_client):
        yield dask_client


def assert_lloyd_fixed_point(points, centroids, labels, *, rtol=1e-9):
    """Every point's label is a nearest centre and every centre is the mean of its points.

    ``points`` (n, d) are every pixel's point in the clustering space, ``centroids`` (k, d)
    and ``labels`` (n,) a k-means result: one more Lloyd iteration would change nothing (up
    to float64 rounding, relative ``rtol`` of the data's scale, at exact ties).
    """
    points = np.asarray(points, dtype=np.float64)
    k = len(centroids)
    scale = float(np.abs(points).max()) ** 2 + 1.0
    counts = np.bincount(labels, minlength=k)
    assert (counts > 0).all(), f"empty clusters: {np.flatnonzero(counts == 0)}"
    means = np.stack([np.bincount(labels, weights=points[:, j], minlength=k) for j in range(points.shape[1])], 1)
    np.testing.assert_allclose(centroids, means / counts[:, None], rtol=0, atol=rtol * np.sqrt(scale))
    d = ((points[:, None, :] - centroids[None]) ** 2).sum(-1)
    assert (d[np.arange(len(points)), labels] <= d.min(axis=1) + rtol * scale).all()
