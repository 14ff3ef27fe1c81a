"""Initialisers for k-means: ``f(points, k, rng, sample_weight) -> (k, d) centroids``.

All three honour ``sample_weight`` so that running them on an image's distinct colours
weighted by their pixel counts draws from exactly the distribution they would draw from
on every pixel:

``"random"``
    Uniform in the bounding box of the data (the first report's "random": random RGB
    values, not necessarily colours of the image).
``"in_pixels"``
    ``k`` distinct points drawn without replacement with probability proportional to
    weight (the first report's "in pixels": random pixels, repeats rejected).
``"kmeans++"``
    Greedy k-means++ (Arthur & Vassilvitskii 2007, with the local trials that
    scikit-learn uses); ``n_local_trials=1`` is the plain k-means++ of the second report.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["INITIALIZERS", "random_init", "in_pixels_init", "kmeans_plusplus_init"]


def _squared_distances(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between rows, as ‖x‖² − 2x·c + ‖c‖².

    Parameters
    ----------
    points : ndarray of shape (n, d), float
    centers : ndarray of shape (m, d), float

    Returns
    -------
    ndarray of shape (n, m), same float dtype, clipped at 0 (rounding can make the
    expansion slightly negative).
    """
    dist = points @ centers.T
    dist *= -2.0
    dist += np.einsum("ij,ij->i", centers, centers)[None, :]
    dist += np.einsum("ij,ij->i", points, points)[:, None]
    np.maximum(dist, 0.0, out=dist)
    return dist


def _weights(points: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray:
    if sample_weight is None:
        return np.ones(len(points), dtype=np.float64)
    return np.asarray(sample_weight, dtype=np.float64)


def random_init(
    points: np.ndarray, k: int, rng: np.random.Generator, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """``k`` centroids uniform in the bounding box of the points with positive weight.

    Returns
    -------
    ndarray of shape (k, d), float64
        Drawn feature by feature (all ``k`` values of the first, then of the second, ...),
        so the first features' draws do not depend on how many features follow: opaque
        RGBA points (alpha constant) get the centres of their RGB colours.
    """
    w = _weights(points, sample_weight)
    support = points[w > 0]
    low, high = support.min(axis=0), support.max(axis=0)
    return low + rng.random((points.shape[1], k)).T * (high - low)


def in_pixels_init(
    points: np.ndarray, k: int, rng: np.random.Generator, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """``k`` distinct points drawn with probability proportional to weight, no repeats.

    This is successive sampling without replacement, done in one pass with exponential
    keys (Efraimidis & Spirakis 2006): the ``k`` smallest ``E_i / w_i`` with
    ``E_i ~ Exp(1)`` are distributed exactly like ``k`` weighted draws in which a point
    already drawn is drawn again. On distinct colours weighted by pixel count that is
    "pick random pixels, rejecting colours already picked".

    Points are assumed distinct (:func:`kmeans_lab.cluster.kmeans` de-duplicates before calling). Returns an
    ndarray of shape (k, d), float64, in draw order.
    """
    w = _weights(points, sample_weight)
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=len(points)) / w  # weight 0 -> inf, never drawn first
    chosen = np.argpartition(keys, k - 1)[:k] if k < len(points) else np.arange(len(points))
    chosen = chosen[np.argsort(keys[chosen], kind="stable")]
    return points[chosen].astype(np.float64)


def kmeans_plusplus_init(
    points: np.ndarray,
    k: int,
    rng: np.random.Generator,
    sample_weight: np.ndarray | None = None,
    *,
    n_local_trials: int | None = None,
) -> np.ndarray:
    """Greedy k-means++ seeding.

    The first centre is a point drawn with probability ∝ weight; each next centre is the
    best, by weighted potential Σ w·min D², of ``n_local_trials`` candidates drawn with
    probability ∝ w·D(x)², D the distance to the nearest centre chosen so far.

    Parameters
    ----------
    points : ndarray of shape (n, d), float
    k : int
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n,), optional
    n_local_trials : int, default ``2 + int(log(k))``
        Candidates per step (scikit-learn's default); 1 gives plain k-means++.

    Returns
    -------
    ndarray of shape (k, d), float64

    Notes
    -----
    Cost O(n · k · n_local_trials · d).
    """
    w = _weights(points, sample_weight)
    x = np.asarray(points, dtype=np.float64)
    n, d = x.shape
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(k))
    centers = np.empty((k, d), dtype=np.float64)

    first = _draw(w, rng.random(1))[0]
    centers[0] = x[first]
    closest = _squared_distances(x[first : first + 1], x)[0]
    potential = float(closest @ w)
    x_norms = np.einsum("ij,ij->i", x, x)
    buffer = np.empty((n_local_trials, n), dtype=np.float64)
    for c in range(1, k):
        if potential <= 0.0:  # every point with weight is already a centre
            raise ValueError(f"k={k} exceeds the {c} distinct points with positive weight")
        candidates = _draw(w * closest, rng.random(n_local_trials))
        cand_dist = _trial_distances(x, x_norms, x[candidates], closest, buffer)
        potentials = cand_dist @ w
        best = int(np.argmin(potentials))
        centers[c] = x[candidates[best]]
        closest = cand_dist[best]
        potential = float(potentials[best])
    return centers


def _trial_distances(
    x: np.ndarray, x_norms: np.ndarray, trials: np.ndarray, closest: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """``min(closest, squared_distances(trials, x))`` row by row, in cache-sized column blocks.

    The same operations in the same order as :func:`_squared_distances` followed by
    ``np.minimum`` (so the same values, hence the same draws), but each block's
    temporaries stay in cache instead of streaming several (t, n) arrays through memory.

    Parameters
    ----------
    x : ndarray of shape (n, d), float64
    x_norms : ndarray of shape (n,), float64 — ``einsum("ij,ij->i", x, x)``
    trials : ndarray of shape (t, d), float64
    closest : ndarray of shape (n,), float64
    out : ndarray of shape (t', n), float64 with t' ≥ t — written and returned (first t rows)
    """
    out = out[: len(trials)]
    trial_norms = np.einsum("ij,ij->i", trials, trials)[:, None]
    step = max(1024, (1 << 15) // max(len(trials), 1))
    for start in range(0, len(x), step):
        stop = start + step
        block = trials @ x[start:stop].T
        block *= -2.0
        block += x_norms[None, start:stop]
        block += trial_norms
        np.maximum(block, 0.0, out=block)
        np.minimum(closest[start:stop], block, out=out[:, start:stop])
    return out


def _draw(mass: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices drawn with probability ∝ ``mass`` by inverse CDF, one per uniform in [0, 1).

    ``side="right"`` means a point of zero mass is never drawn; the clip guards against a
    product ``u · total`` that rounds up to the total.
    """
    cumulative = np.cumsum(mass)
    idx = np.searchsorted(cumulative, uniforms * cumulative[-1], side="right")
    return np.minimum(idx, np.flatnonzero(mass)[-1])


Initializer = Callable[[np.ndarray, int, np.random.Generator, np.ndarray | None], np.ndarray]

#: The initialisers by the names the API and the command line use (``_validation.INIT_NAMES``).
INITIALIZERS: dict[str, Initializer] = {
    "random": random_init,
    "in_pixels": in_pixels_init,
    "kmeans++": kmeans_plusplus_init,
}
