"""Weighted Lloyd k-means on ``(n, d)`` points, in NumPy.

:func:`kmeans` is the public entry for any points: it checks its arguments once, merges
duplicate points (summing their weights: k-means on repeated points is k-means on distinct
points weighted by their multiplicity) and calls :func:`weighted_kmeans`, the one entry of
the plain path (initial centres, then :func:`lloyd` on every point).

:func:`lloyd_iterations` is the one Lloyd loop — E step, empty clusters re-seeded, weighted
means, the stopping rule, a final E step — with the E step passed in (:class:`EStep`). Every
E step of the package labels a point by the exact float64 argmin of ``½‖c‖² − x·c``
(:func:`~kmeans_lab.cluster.distance.exact_nearest_centers`, ties to the lowest index):
:class:`LabelEStep` over that function is the reference, and
:class:`~kmeans_lab.cluster.exact.ExactEStep`, which gives the same labels and sums for far
less work, is the one :func:`lloyd` runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from .._validation import check
from .exact import ExactEStep
from .init import INITIALIZERS

__all__ = [
    "EStep",
    "KMeansResult",
    "LabelEStep",
    "LloydRun",
    "inertia",
    "kmeans",
    "lloyd",
    "lloyd_iterations",
    "weighted_kmeans",
]


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """Outcome of one k-means run.

    Attributes
    ----------
    centroids : ndarray of shape (k, d), float64
        Cluster centres (weighted means of their points).
    labels : ndarray of shape (n,), intp
        Index of the nearest centroid of each input point.
    inertia : float
        Weighted sum of squared distances of the points to their centroids.
    n_iter : int
        Lloyd iterations run (assignment + update).
    converged : bool
        True if the total squared centre shift fell to the tolerance (labels stopped
        changing when ``tol=0``) before ``max_iter`` iterations.
    """

    centroids: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool


def kmeans(
    points: np.ndarray,
    k: int,
    *,
    init: str | np.ndarray = "kmeans++",
    sample_weight: np.ndarray | None = None,
    max_iter: int = 300,
    tol: float = 1e-4,
    seed: int | None = 0,
) -> KMeansResult:
    """Weighted k-means (Lloyd's algorithm).

    Parameters
    ----------
    points : array_like of shape (n, d)
        Finite real data.
    k : int
        Number of clusters, 1 ≤ k ≤ number of distinct points with positive weight.
    init : {"kmeans++", "in_pixels", "random"} or array_like of shape (k, d), default "kmeans++"
        Initialiser name (see :mod:`kmeans_lab.cluster.init`) or explicit initial centres.
    sample_weight : array_like of shape (n,), optional
        Non-negative weights (default 1 each); a point of weight w counts as w copies.
    max_iter : int, default 300
        Maximum Lloyd iterations.
    tol : float, default 1e-4
        Stop when the total squared centre shift of an iteration is at most
        ``tol`` × the mean per-feature (weighted) variance of the data — scikit-learn's
        convention. ``tol=0`` runs to a fixed point (labels no longer change).
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng`` for the initialiser.

    Returns
    -------
    KMeansResult

    Raises
    ------
    ValueError
        Bad shapes, non-finite values, negative weights, ``k`` not an integer ≥ 1, ``k``
        above the number of distinct points, an unknown ``init``.

    Notes
    -----
    Each point goes to the centre with the smallest ``½‖c‖² − x·c`` computed in float64
    (ties to the lowest index), exactly as
    :func:`~kmeans_lab.cluster.distance.exact_nearest_centers`; see :func:`lloyd` for how
    that is computed fast. An iteration costs at most O(m · k · d) for m distinct points,
    and far less late in a run. Empty clusters are re-seeded at the points farthest from
    their centres, so the result has exactly ``k`` non-empty clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import kmeans
    >>> pts = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> res = kmeans(pts, 2, seed=0)
    >>> sorted(res.centroids.ravel().tolist())
    [0.5, 10.5]
    """
    x = check("points", points)
    w = check("sample_weight", sample_weight, n=len(x))
    k = check("k", k)
    distinct, inverse, weights = _unique_points(x, w)
    result = weighted_kmeans(
        distinct,
        weights,
        k,
        init=check("init", init, k=k, d=x.shape[1]),
        max_iter=check("max_iter", max_iter),
        tol=check("tol", tol),
        seed=check("seed", seed),
    )
    return replace(result, labels=result.labels[inverse])


def weighted_kmeans(
    points: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    init: str | np.ndarray,
    seed: int | None,
    max_iter: int,
    tol: float,
    n_init: int = 1,
) -> KMeansResult:
    """The one entry of the plain path: initial centres, then weighted Lloyd on every point.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
        Distinct points (duplicates are allowed but waste work).
    weights : ndarray of shape (m,), float64
        Non-negative, positive sum.
    k : int
    init, seed, max_iter, tol
        As in :func:`kmeans`, already checked by the caller (:func:`kmeans_lab._validation.check`).
    n_init : int, default 1
        Starts drawn by a named initialiser, one after another from one generator seeded
        by ``seed``; each runs Lloyd to the stopping rule and the lowest inertia wins (the
        first on a tie). Explicit centres are one start.

    Returns
    -------
    KMeansResult
        Labels of the ``m`` points.

    Raises
    ------
    ValueError
        ``k`` above the number of points with positive weight.
    """
    n_distinct = int(np.count_nonzero(weights > 0))
    if k > n_distinct:
        raise ValueError(f"k={k} is larger than the {n_distinct} distinct points with positive weight")
    if not isinstance(init, str):
        return lloyd(points, weights, np.asarray(init, dtype=np.float64), max_iter=max_iter, tol=tol)
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(n_init):
        centers = INITIALIZERS[init](points, k, rng, weights)
        result = lloyd(points, weights, centers, max_iter=max_iter, tol=tol)
        if best is None or result.inertia < best.inertia:
            best = result
    return best


# --------------------------------------------------------------------------- kernels


def _unique_points(points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge duplicate rows.

    Parameters
    ----------
    points : ndarray of shape (n, d), float64
    weights : ndarray of shape (n,), float64

    Returns
    -------
    distinct : ndarray of shape (m, d), float64
        Distinct rows in lexicographic order (first column most significant).
    inverse : ndarray of shape (n,), intp
        ``distinct[inverse] == points``.
    summed : ndarray of shape (m,), float64
        Total weight of each distinct row.
    """
    order = np.lexsort(points.T[::-1])
    ordered = points[order]
    starts = np.empty(len(points), dtype=bool)
    starts[0] = True
    np.any(ordered[1:] != ordered[:-1], axis=1, out=starts[1:])
    group = np.cumsum(starts) - 1
    inverse = np.empty(len(points), dtype=np.intp)
    inverse[order] = group
    summed = np.bincount(group, weights=weights[order], minlength=group[-1] + 1)
    return ordered[starts], inverse, summed


def tolerance(points: np.ndarray, weights: np.ndarray, tol: float) -> float:
    """Absolute stopping threshold: ``tol`` × the mean per-feature weighted variance of the points.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64
    tol : float

    Returns
    -------
    float
        0 when ``tol`` is 0. The same function serves the plain path and the cascade, so
        both stop at the same iteration from the same start.
    """
    if tol == 0:
        return 0.0
    mean = weights @ points / weights.sum()
    variance = weights @ (points - mean) ** 2 / weights.sum()
    return float(variance.mean() * tol)


def centred(points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points moved to their weighted mean — rounded to integers if the points are integers.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64

    Returns
    -------
    x : ndarray of shape (m, d), float64
        ``points - offset``: integers stay integers, so every weighted sum of them stays exact.
    offset : ndarray of shape (d,), float64

    Notes
    -----
    The Lloyd loop runs on ``x``: ``½‖c‖² − x·c`` loses fewer digits to cancellation near
    the origin, and float32 products of smaller numbers err less.
    """
    offset = weights @ points / weights.sum()
    if (points == np.rint(points)).all():
        offset = np.rint(offset)
    return points - offset, offset


def _relocate_empty(
    points: np.ndarray,
    weights: np.ndarray,
    labels: np.ndarray,
    centers: np.ndarray,
    sums: np.ndarray,
    cluster_weight: np.ndarray,
) -> None:
    """Re-seed empty clusters in the M-step sums (``sums`` and ``cluster_weight`` changed in place).

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64
    labels : ndarray of shape (m,), intp
        The E step's labels for ``centers``.
    centers : ndarray of shape (k, d), float64
    sums : ndarray of shape (k, d), float64
        Weighted sums of each cluster's points.
    cluster_weight : ndarray of shape (k,), float64

    Notes
    -----
    An empty cluster takes the point farthest from its own centre (the next farthest for
    a second empty cluster, and so on); that point leaves its old cluster's mean, as in
    scikit-learn's ``_relocate_empty_clusters``.
    """
    empty = np.flatnonzero(cluster_weight == 0)
    far = _farthest_points(points, weights, labels, centers, len(empty))
    for cluster, point in zip(empty, far):
        old = labels[point]
        sums[old] -= weights[point] * points[point]
        cluster_weight[old] -= weights[point]
        sums[cluster] = weights[point] * points[point]
        cluster_weight[cluster] = weights[point]


def _farthest_points(
    points: np.ndarray, weights: np.ndarray, labels: np.ndarray, centers: np.ndarray, count: int
) -> np.ndarray:
    """Indices of the ``count`` points with weight farthest from their own centres."""
    dist = np.einsum("ij,ij->i", points - centers[labels], points - centers[labels])
    dist[weights <= 0] = -1.0
    return np.argsort(-dist, kind="stable")[:count]


class EStep(Protocol):
    """The E step of a Lloyd iteration and the sums its M step needs.

    Called with centres ``(k, d)`` float64, returns ``(sums, cluster_weight, labels)``:
    the weighted sum ``(k, d)`` and total weight ``(k,)`` of the points nearest to each
    centre, and the label ``(m,)`` of every point — which an E step may leave out
    (``None``) unless ``want_labels`` is true.
    """

    def __call__(
        self, centers: np.ndarray, want_labels: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]: ...


class LabelEStep:
    """An :class:`EStep` from a labelling function: labels, then the cluster sums by ``bincount``.

    Parameters
    ----------
    assign : callable
        ``assign(centers) -> labels``, ndarray of shape (m,), intp.
    weights : ndarray of shape (m,), float64
    weighted_columns : ndarray of shape (d, m), float64
        ``(weights[:, None] * points).T`` (C-contiguous rows), computed once per run.
    """

    def __init__(self, assign: Callable[[np.ndarray], np.ndarray], weights: np.ndarray, weighted_columns: np.ndarray):
        self.assign = assign
        self.weights = weights
        self.weighted_columns = weighted_columns

    def __call__(self, centers: np.ndarray, want_labels: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        labels = self.assign(centers)
        k, d = centers.shape
        cluster_weight = np.bincount(labels, weights=self.weights, minlength=k)
        sums = np.empty((k, d), dtype=np.float64)
        for j in range(d):
            sums[:, j] = np.bincount(labels, weights=self.weighted_columns[j], minlength=k)
        return sums, cluster_weight, labels


@dataclass(frozen=True, eq=False)
class LloydRun:
    """Where :func:`lloyd_iterations` stopped.

    Attributes
    ----------
    centers : ndarray of shape (k, d), float64
    labels : ndarray of shape (m,), intp, or None
        Labels of a final E step (None when not asked for).
    n_iter : int
    converged : bool
    """

    centers: np.ndarray
    labels: np.ndarray | None
    n_iter: int
    converged: bool


def lloyd_iterations(
    points: np.ndarray,
    weights: np.ndarray,
    centers: np.ndarray,
    e_step: EStep,
    *,
    threshold: float,
    max_iter: int,
    final_labels: bool = True,
) -> LloydRun:
    """The Lloyd loop of every k-means in the package, from given centres with a given E step.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64
    centers : ndarray of shape (k, d), float64
        Starting centres (not modified).
    e_step : EStep
        Labels and cluster sums for given centres: the reference (:class:`LabelEStep`
        over :func:`~kmeans_lab.cluster.distance.exact_nearest_centers`) or the fast exact
        one (:class:`~kmeans_lab.cluster.exact.ExactEStep`).
    threshold : float
        Stop after an iteration whose total squared centre shift is at most this
        (0: when the labels no longer change, a fixed point).
    max_iter : int
    final_labels : bool, default True
        Run a final E step so the labels match the returned centres; a cluster it leaves
        empty gets its farthest point (the centre moves there).

    Returns
    -------
    LloydRun

    Notes
    -----
    Each iteration: E step, empty clusters re-seeded at the farthest points
    (:func:`_relocate_empty`), centres = weighted means. With an E step whose sums are
    exact (integer points and weights) the centres do not depend on how the sums were
    grouped.
    """
    c = np.array(centers, dtype=np.float64)
    converged = False
    n_iter = 0
    while not converged and n_iter < max_iter:
        n_iter += 1
        sums, cluster_weight, labels = e_step(c)
        if not cluster_weight.all():
            if labels is None:
                sums, cluster_weight, labels = e_step(c, True)
            _relocate_empty(points, weights, labels, c, sums, cluster_weight)
        new_c = c.copy()
        filled = cluster_weight > 0
        new_c[filled] = sums[filled] / cluster_weight[filled, None]
        converged = float(((new_c - c) ** 2).sum()) <= threshold
        c = new_c
    labels = _final_labels(points, weights, c, lambda centers: e_step(centers, True)[2]) if final_labels else None
    return LloydRun(centers=c, labels=labels, n_iter=n_iter, converged=converged)


def lloyd(points: np.ndarray, weights: np.ndarray, centers: np.ndarray, *, max_iter: int, tol: float) -> KMeansResult:
    """The plain path from given centres: weighted Lloyd on every point, to the stopping rule.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64
    centers : ndarray of shape (k, d), float64
        Starting centres, in the points' coordinates.
    max_iter : int
    tol : float
        Relative to the points' variance (:func:`tolerance`); 0 runs to a fixed point.

    Returns
    -------
    KMeansResult
        Labels of a final E step, which match the centres.

    Notes
    -----
    The loop (:func:`lloyd_iterations`) runs on :func:`centred` points with
    :class:`~kmeans_lab.cluster.exact.ExactEStep`: the labels of
    :func:`~kmeans_lab.cluster.distance.exact_nearest_centers` at every iteration, computed
    as certified float32 matrix products over the centres that moved. The same loop with
    :class:`LabelEStep` over that function gives the same centres bit for bit (tested).
    """
    x, offset = centred(points, weights)
    run = lloyd_iterations(
        x,
        weights,
        centers - offset,
        ExactEStep(x, weights),
        threshold=tolerance(x, weights, tol),
        max_iter=max_iter,
    )
    return KMeansResult(
        centroids=run.centers + offset,
        labels=run.labels,
        inertia=inertia(x, weights, run.centers, run.labels),
        n_iter=run.n_iter,
        converged=run.converged,
    )


def inertia(points: np.ndarray, weights: np.ndarray, centers: np.ndarray, labels: np.ndarray) -> float:
    """Weighted sum of squared distances of the points to their centres.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64
    centers : ndarray of shape (k, d), float64
    labels : ndarray of shape (m,), intp

    Returns
    -------
    float
    """
    diff = points - centers[labels]
    return float(weights @ np.einsum("ij,ij->i", diff, diff))


def _final_labels(
    x: np.ndarray, weights: np.ndarray, c: np.ndarray, assign: Callable[[np.ndarray], np.ndarray], rounds: int = 10
) -> np.ndarray:
    """Final E step; a cluster it leaves empty gets its farthest point (centres moved in place)."""
    labels = assign(c)
    for _ in range(rounds):
        cluster_weight = np.bincount(labels, weights=weights, minlength=len(c))
        empty = np.flatnonzero(cluster_weight == 0)
        if not len(empty):
            break
        far = _farthest_points(x, weights, labels, c, len(empty))
        c[empty] = x[far]
        labels = assign(c)
    return labels
