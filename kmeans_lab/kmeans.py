"""Weighted Lloyd k-means on ``(n, d)`` points, in NumPy.

The public :func:`kmeans` validates its input once, merges duplicate points (summing their
weights; k-means on repeated points is k-means on distinct points weighted by their
multiplicity) and runs the private Lloyd kernel :func:`lloyd` on the distinct points.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .init import INITIALIZERS

__all__ = [
    "ALGORITHMS",
    "KMeansResult",
    "kmeans",
    "lloyd",
    "unique_points",
    "assign_labels",
    "nearest_centers",
    "tolerance",
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
        True if the total squared centre shift fell to ``tol`` (labels stopped changing
        when ``tol=0``) before ``max_iter`` iterations.
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
    dtype: type = np.float64,
    algorithm: str = "auto",
) -> KMeansResult:
    """Weighted k-means (Lloyd's algorithm).

    Parameters
    ----------
    points : array_like of shape (n, d)
        Finite real data.
    k : int
        Number of clusters, 1 ≤ k ≤ number of distinct points with positive weight.
    init : {"kmeans++", "in_pixels", "random"} or array_like of shape (k, d), default "kmeans++"
        Initialiser name (see :mod:`kmeans_lab.init`) or explicit initial centres.
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
    dtype : {numpy.float64, numpy.float32}, default float64
        Precision of the distance computations (centres are always accumulated in float64).
    algorithm : {"auto", "hamerly", "lloyd"}, default "auto"
        E step with Hamerly's triangle-inequality bounds (skips distances that cannot
        change a label), plain (every distance, every iteration), or the one of the two
        measured faster for this precision and k (see :func:`lloyd`). Same result.

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
    Each iteration costs O(m · k · d) for m distinct points with ``algorithm="lloyd"``;
    with ``"hamerly"`` the first does, later ones O(m) plus O(m' · k · d) for the m'
    points whose bounds fail (on a photograph's colours 7–35 % of them per iteration).
    Empty clusters are re-seeded at the points farthest from their centres, so the result
    has exactly ``k`` non-empty clusters.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import kmeans
    >>> pts = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> res = kmeans(pts, 2, seed=0)
    >>> sorted(res.centroids.ravel().tolist())
    [0.5, 10.5]
    """
    x = _validate_points(points)
    k = validate_k(k)
    w = _validate_weights(sample_weight, len(x))
    max_iter, tol = _validate_stopping(max_iter, tol)
    work_dtype = _validate_dtype(dtype)
    algorithm = validate_algorithm(algorithm)
    distinct, inverse, weights = unique_points(x, w)
    n_distinct = int(np.count_nonzero(weights > 0))
    if k > n_distinct:
        raise ValueError(f"k={k} is larger than the {n_distinct} distinct points with positive weight")
    rng = np.random.default_rng(seed)
    centers = initial_centers(init, distinct, k, rng, weights)
    result = lloyd(distinct, weights, centers, max_iter=max_iter, tol=tol, dtype=work_dtype, algorithm=algorithm)
    return KMeansResult(
        centroids=result.centroids,
        labels=result.labels[inverse],
        inertia=result.inertia,
        n_iter=result.n_iter,
        converged=result.converged,
    )


# --------------------------------------------------------------------------- validation


def validate_k(k: object) -> int:
    """Return ``k`` as an int; ``ValueError`` unless it is an integer ≥ 1."""
    if isinstance(k, bool):
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if not isinstance(k, numbers.Integral):
        if isinstance(k, numbers.Real) and float(k).is_integer():
            k = int(k)
        else:
            raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k}")
    return int(k)


def _validate_points(points: object) -> np.ndarray:
    x = np.asarray(points)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"points must be real numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"points must have shape (n, d), got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"points must be non-empty, got shape {x.shape}")
    x = x.astype(np.float64, copy=False)
    if not np.isfinite(x).all():
        raise ValueError("points contain NaN or infinity")
    return x


def _validate_weights(sample_weight: object, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if w.sum() <= 0:
        raise ValueError("sample_weight sums to zero")
    return w


def _validate_stopping(max_iter: object, tol: object) -> tuple[int, float]:
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    if not isinstance(tol, numbers.Real) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    return int(max_iter), float(tol)


def _validate_dtype(dtype: object) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


def initial_centers(
    init: str | np.ndarray, points: np.ndarray, k: int, rng: np.random.Generator, weights: np.ndarray
) -> np.ndarray:
    """Resolve ``init`` (a name or explicit centres) to a ``(k, d)`` float64 array."""
    if isinstance(init, str):
        try:
            initializer = INITIALIZERS[init]
        except KeyError:
            names = ", ".join(repr(n) for n in INITIALIZERS)
            raise ValueError(f"unknown init {init!r}; choose one of {names}") from None
        return np.asarray(initializer(points, k, rng, weights), dtype=np.float64)
    centers = np.array(init, dtype=np.float64)
    if centers.shape != (k, points.shape[1]):
        raise ValueError(f"init centres must have shape ({k}, {points.shape[1]}), got {centers.shape}")
    if not np.isfinite(centers).all():
        raise ValueError("init centres contain NaN or infinity")
    return centers


# --------------------------------------------------------------------------- kernels


def unique_points(points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    """Absolute stopping threshold: ``tol`` × mean per-feature weighted variance."""
    if tol == 0:
        return 0.0
    mean = weights @ points / weights.sum()
    variance = weights @ (points - mean) ** 2 / weights.sum()
    return float(variance.mean() * tol)


def _chunk_rows(k: int) -> int:
    # Keep one (rows, k) distance block around 256 KiB so it stays in cache.
    return max(256, (1 << 16) // max(k, 1))


def assign_labels(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """E step: index of the nearest centre of each point.

    Parameters
    ----------
    points : ndarray of shape (m, d), float32 or float64
    centers : ndarray of shape (k, d), same dtype

    Returns
    -------
    ndarray of shape (m,), intp. Ties go to the lowest centre index.

    Notes
    -----
    Distances by ‖x‖² − 2x·c + ‖c‖² (‖x‖² dropped: it does not change the argmin) as one
    matrix product per cache-sized block of points (see :func:`nearest_centers`).
    """
    return nearest_centers(points, centers)[0]


# Up to this many centres the E step works on (k, rows) blocks, labelling by k vectorised
# passes instead of a row-wise argmin with its per-row overhead. Measured on par with the
# row layout (9.3 vs 9.2 ms per E step, 138k colours, k = 16), not faster.
_COLUMN_LAYOUT_MAX_K = 32


def nearest_centers(
    points: np.ndarray, centers: np.ndarray, *, second: bool = False
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The one distance kernel: nearest centre, and optionally the two smallest values.

    Parameters
    ----------
    points : ndarray of shape (m, d), float32 or float64
    centers : ndarray of shape (k, d), same dtype
    second : bool, default False
        Also return the smallest and second smallest ``½‖c‖² − x·c`` per point.

    Returns
    -------
    labels : ndarray of shape (m,), intp
        Lowest index among the smallest computed values.
    best, runner_up : ndarray of shape (m,), float64, or None
        ``runner_up`` is ``inf`` when k = 1.

    Notes
    -----
    Every E step (plain or bounded) goes through this function, so the computed values —
    and hence the labels — of a point depend only on the point and the centres.
    """
    k = len(centers)
    m = len(points)
    labels = np.empty(m, dtype=np.intp)
    best = np.empty(m, dtype=np.float64) if second else None
    runner_up = np.full(m, np.inf, dtype=np.float64) if second else None
    half_norms = 0.5 * np.einsum("ij,ij->i", centers, centers)
    step = _chunk_rows(k)
    columns = k <= _COLUMN_LAYOUT_MAX_K
    for start in range(0, m, step):
        stop = min(start + step, m)
        if columns:
            block = centers @ points[start:stop].T  # (k, rows)
            np.subtract(half_norms[:, None], block, out=block)  # ½‖c‖² − x·c = ½(D² − ‖x‖²)
            low = block.min(axis=0)
            lab = np.zeros(stop - start, dtype=np.intp)
            for j in range(k - 1, 0, -1):  # descending, so the lowest index is written last
                np.putmask(lab, block[j] == low, j)
            np.putmask(lab, block[0] == low, 0)
            labels[start:stop] = lab
            if second:
                best[start:stop] = low
                if k > 1:
                    block[lab, np.arange(stop - start)] = np.inf
                    runner_up[start:stop] = block.min(axis=0)
        else:
            block = points[start:stop] @ centers.T  # (rows, k)
            np.subtract(half_norms, block, out=block)
            lab = block.argmin(axis=1)
            labels[start:stop] = lab
            if second:
                rows = np.arange(stop - start)
                best[start:stop] = block[rows, lab]
                block[rows, lab] = np.inf
                runner_up[start:stop] = block.min(axis=1)
    return labels, best, runner_up


def update_centers(
    points: np.ndarray,
    weights: np.ndarray,
    labels: np.ndarray,
    centers: np.ndarray,
    weighted_columns: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """M step: weighted mean of each cluster; empty clusters re-seeded.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64
    labels : ndarray of shape (m,), intp
    centers : ndarray of shape (k, d), float64
        The centres the labels were computed from.
    weighted_columns : ndarray of shape (d, m), float64, optional
        ``(weights[:, None] * points).T`` (C-contiguous rows), precomputed once by a
        caller that runs many M steps on the same points.

    Returns
    -------
    new_centers : ndarray of shape (k, d), float64
    cluster_weight : ndarray of shape (k,), float64
        Total weight per cluster after re-seeding.

    Notes
    -----
    An empty cluster takes the point farthest from its own centre (the next farthest for
    a second empty cluster, and so on); that point leaves its old cluster's mean, as in
    scikit-learn's ``_relocate_empty_clusters``.
    """
    k, d = centers.shape
    cluster_weight = np.bincount(labels, weights=weights, minlength=k)
    if weighted_columns is None:
        weighted_columns = np.ascontiguousarray((weights[:, None] * points).T)
    sums = np.empty((k, d), dtype=np.float64)
    for j in range(d):
        sums[:, j] = np.bincount(labels, weights=weighted_columns[j], minlength=k)
    empty = np.flatnonzero(cluster_weight == 0)
    if len(empty):
        far = _farthest_points(points, weights, labels, centers, len(empty))
        for cluster, point in zip(empty, far):
            old = labels[point]
            sums[old] -= weights[point] * points[point]
            cluster_weight[old] -= weights[point]
            sums[cluster] = weights[point] * points[point]
            cluster_weight[cluster] = weights[point]
    new_centers = centers.copy()
    filled = cluster_weight > 0
    new_centers[filled] = sums[filled] / cluster_weight[filled, None]
    return new_centers, cluster_weight


def _farthest_points(
    points: np.ndarray, weights: np.ndarray, labels: np.ndarray, centers: np.ndarray, count: int
) -> np.ndarray:
    """Indices of the ``count`` points with weight farthest from their own centres."""
    dist = np.einsum("ij,ij->i", points - centers[labels], points - centers[labels])
    dist[weights <= 0] = -1.0
    return np.argsort(-dist, kind="stable")[:count]


def lloyd(
    points: np.ndarray,
    weights: np.ndarray,
    centers: np.ndarray,
    *,
    max_iter: int = 300,
    tol: float = 1e-4,
    dtype: np.dtype = np.dtype(np.float64),
    algorithm: str = "auto",
) -> KMeansResult:
    """Weighted Lloyd iterations from given centres (no validation: private kernel).

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
        Distinct points (duplicates are allowed but waste work).
    weights : ndarray of shape (m,), float64
    centers : ndarray of shape (k, d), float64
        Initial centres.
    max_iter, tol, dtype
        As in :func:`kmeans` (``tol`` relative, converted here by :func:`tolerance`).
    algorithm : {"auto", "hamerly", "lloyd"}, default "auto"
        How the E step is done: ``"lloyd"`` computes every point–centre distance;
        ``"hamerly"`` skips points that triangle-inequality bounds prove keep their label
        (:mod:`kmeans_lab.hamerly`); ``"auto"`` takes ``"hamerly"`` in float64 or for
        k ≥ 128, where it was measured faster. All give the same labels and centres.

    Returns
    -------
    KMeansResult
        Labels are those of a final E step, so they match the returned centroids.
    """
    # Distances are computed on data centred at its mean: the expansion ‖x‖² − 2x·c + ‖c‖²
    # loses fewer digits to cancellation when ‖x‖ is small.
    offset = weights @ points / weights.sum()
    x = points - offset
    x_work = x.astype(dtype, copy=False)
    c = np.asarray(centers, dtype=np.float64) - offset
    threshold = tolerance(points, weights, tol)
    assign = _e_step(algorithm, x, x_work, len(c))
    weighted_columns = np.ascontiguousarray((weights[:, None] * x).T)

    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        labels = assign(c)
        new_c, _ = update_centers(x, weights, labels, c, weighted_columns)
        shift = float(((new_c - c) ** 2).sum())
        c = new_c
        if shift <= threshold:
            converged = True
            break
    labels = _final_labels(x, weights, c, assign)
    diff = x - c[labels]
    inertia = float(weights @ np.einsum("ij,ij->i", diff, diff))
    return KMeansResult(centroids=c + offset, labels=labels, inertia=inertia, n_iter=n_iter, converged=converged)


ALGORITHMS = ("auto", "hamerly", "lloyd")

# "auto" uses the bounds where they were measured to pay (see _e_step).
_AUTO_HAMERLY_MIN_K = 128


def validate_algorithm(algorithm: object) -> str:
    """Return ``algorithm`` or raise ``ValueError`` naming it unless it is one of ``ALGORITHMS``."""
    if algorithm not in ALGORITHMS:
        names = ", ".join(repr(a) for a in ALGORITHMS)
        raise ValueError(f"unknown algorithm {algorithm!r}; choose one of {names}")
    return str(algorithm)


def _e_step(algorithm: str, x: np.ndarray, x_work: np.ndarray, k: int) -> Callable[[np.ndarray], np.ndarray]:
    """The E step as a function of the (float64) centres: plain or bounded."""
    algorithm = validate_algorithm(algorithm)
    if algorithm == "auto":
        # With d = 3 a row of float32 distances costs about what a point's bound update
        # costs, so bounds only pay in float64 or at large k (measured on 138k colours).
        pays = x_work.dtype == np.float64 or k >= _AUTO_HAMERLY_MIN_K
        algorithm = "hamerly" if pays else "lloyd"
    if algorithm == "lloyd":
        return lambda c: assign_labels(x_work, c.astype(x_work.dtype, copy=False))
    from .hamerly import BoundedAssigner  # imported here: hamerly builds on this module

    return BoundedAssigner(x, x_work)


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
