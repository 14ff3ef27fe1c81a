"""The exact E step, fast: float32 matrix products certified by a rounding bound, float64 near ties.

The plain path labels a point ``x`` by the exact float64 argmin of ``½‖c‖² − x·c``
(:func:`~kmeans_lab.cluster.distance.exact_nearest_centers`: one fixed order of operations,
ties to the lowest index). :class:`ExactEStep` gives the same labels, point for point, for
a fraction of the work:

- **float32 values, certified.** The values of many points against many centres are one
  float32 matrix product (BLAS). Each differs from the float64 reference by at most a
  bound ``E`` (:func:`float32_error_bound`); a point whose smallest float32 value is more
  than ``2E`` below all its others has the same argmin in float64. Only the others — near
  ties — are labelled by the float64 reference itself.
- **Incremental over a Lloyd run.** Late in a run most centres do not move at all between
  iterations (a cluster that kept its points keeps its exact mean). Each point keeps its
  own centre's reference value and a lower bound on every other centre's value; a call
  evaluates only the centres that moved, and re-labels from scratch only the points whose
  bound no longer proves their label.
- **Exact sums.** When the points and weights are integers (the encoders of
  :mod:`kmeans_lab.spaces` make them so) every cluster sum is an exact integer in float64,
  so the sums are updated by the points that changed cluster and still equal, bit for
  bit, the ``bincount`` sums of the plain path.

So a Lloyd loop with this E step follows the plain path's trajectory exactly: same labels,
same centres bit for bit, same iteration count.
"""

from __future__ import annotations

import numpy as np

from .distance import augment, exact_nearest_centers, half_sq_norms

__all__ = ["ExactEStep", "float32_error_bound"]

_U32 = 2.0**-24
# float32 values of a (rows, centres) block: about 256 KiB, so a block stays in cache.
_BLOCK_VALUES = 1 << 16
# Up to this many centres a full labelling runs over the centres (elementwise), above over the points
# (measured on 300k points, one thread: 2.6x faster at K = 8, 1.5x at 32; 1.1x slower at 64).
_FEW_CENTERS = 48


def float32_error_bound(points_radius: float, centers: np.ndarray, half: np.ndarray) -> float:
    """A bound on ``|v32 − v|`` and ``|v64 − v|`` for every point within ``points_radius`` of 0 and every centre.

    ``v`` is ``½‖c‖² − x·c`` in real arithmetic, ``v64`` the float64 reference
    (:func:`~kmeans_lab.cluster.distance.exact_nearest_centers`) and ``v32`` the float32
    matrix product of ``[x, 1]`` with ``[−c; ½‖c‖²]``, both rounded to float32.

    Parameters
    ----------
    points_radius : float
        Largest ``‖x‖`` of the points.
    centers : ndarray of shape (k, d), float64
    half : ndarray of shape (k,), float64
        ``half_sq_norms(centers)``.

    Returns
    -------
    float

    Notes
    -----
    With ``u = 2⁻²⁴`` and ``n = d + 1`` terms: rounding ``x``, ``c`` and ``½‖c‖²`` to float32
    changes each product by at most ``(2u + u²)`` of its magnitude; a dot product of n
    terms in float32, summed in any order, with or without fused multiply-adds (the
    standard model of floating-point arithmetic, which BLAS obeys), errs by at most
    ``γₙ = nu / (1 − nu)`` of ``Σ|aⱼbⱼ|``; the float64 reference errs by far less
    (``(d + 2)·2⁻⁵³`` of the same sum). ``Σ|aⱼbⱼ| ≤ ‖x‖‖c‖ + ½‖c‖²``, and ``(n + 3)u`` times
    it covers all three terms; the bound is twice that, which also covers the rounding of
    the float64 arithmetic that uses it.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[3.0, 4.0]])
    >>> round(float32_error_bound(10.0, c, half_sq_norms(c)), 9)  # 2·(2 + 4)·2⁻²⁴·(10·5 + 12.5)
    4.4703e-05
    """
    d = centers.shape[1]
    largest_half = float(half.max())
    magnitude = points_radius * np.sqrt(2.0 * largest_half) + largest_half
    return float(2.0 * (d + 4) * _U32 * magnitude)


def _reference_values(columns: list[np.ndarray], centers: np.ndarray, half: np.ndarray, labels: np.ndarray):
    """``½‖c‖² − x·c`` of each point and its own centre, in exactly the reference's order of operations.

    ``columns`` are the points' coordinates, one array per dimension; returns (n,) float64.
    """
    dot = columns[0] * np.take(centers[:, 0], labels)
    for j in range(1, len(columns)):
        dot = dot + columns[j] * np.take(centers[:, j], labels)
    return np.take(half, labels) - dot


def _two_smallest_by_point(rows: np.ndarray, matrix: np.ndarray):
    """Per point (row of ``rows @ matrix``), the argmin, the smallest value and the second smallest.

    A minimum along each row of (points, centres) blocks: NumPy's per-row reductions,
    cheap when rows are long (many centres).
    """
    n, k = len(rows), matrix.shape[1]
    labels = np.empty(n, dtype=np.intp)
    best, second = np.empty(n, dtype=np.float32), np.full(n, np.inf, dtype=np.float32)
    step = max(256, _BLOCK_VALUES // k)
    for start in range(0, n, step):
        values = rows[start : start + step] @ matrix
        lab = values.argmin(axis=1)
        r = np.arange(len(lab))
        labels[start : start + step], best[start : start + step] = lab, values[r, lab]
        if k > 1:
            values[r, lab] = np.inf
            second[start : start + step] = values.min(axis=1)
    return labels, best, second


def _two_smallest_by_centre(columns: np.ndarray, matrix: np.ndarray):
    """As :func:`_two_smallest_by_point`, from (centres, points) blocks: a running minimum over the centres.

    Each step is elementwise over a block of points, so there is no per-point overhead:
    with few centres this is several times faster than reductions along short rows. Ties
    keep the lower index (the comparison is strict).
    """
    k, n = matrix.shape[1], columns.shape[1]
    transposed = np.ascontiguousarray(matrix.T)
    labels = np.zeros(n, dtype=np.intp)
    best, second = np.empty(n, dtype=np.float32), np.full(n, np.inf, dtype=np.float32)
    step = max(1024, _BLOCK_VALUES * 4 // k)
    for start in range(0, n, step):
        values = transposed @ columns[:, start : start + step]
        low, runner_up, lab = values[0].copy(), second[start : start + step], labels[start : start + step]
        for j in range(1, k):
            np.minimum(runner_up, np.maximum(low, values[j]), out=runner_up)
            np.copyto(lab, j, where=values[j] < low)
            np.minimum(low, values[j], out=low)
        best[start : start + step] = low
    return labels, best, second


def _matrix32(centers: np.ndarray, half: np.ndarray) -> np.ndarray:
    """``[−cᵀ; ½‖c‖²]`` as float32, shape (d + 1, k): ``[x, 1] @ it`` is ``½‖c‖² − x·c``."""
    out = np.empty((centers.shape[1] + 1, len(centers)), dtype=np.float32)
    out[:-1] = -centers.T
    out[-1] = half
    return out


class ExactEStep:
    """The exact E step of the plain path, fast, for the calls of one Lloyd run.

    Parameters
    ----------
    points : ndarray of shape (m, d), float64
    weights : ndarray of shape (m,), float64

    Notes
    -----
    A call ``step(centers, want_labels=False)`` returns ``(sums, cluster_weight, labels)``
    as :class:`~kmeans_lab.cluster.lloyd.EStep` asks: ``labels`` (only when wanted) is
    :func:`~kmeans_lab.cluster.distance.exact_nearest_centers` of the points and
    ``centers``, and ``sums`` / ``cluster_weight`` are its ``bincount`` sums — equal bit for
    bit when the points and weights are integers with every sum below 2⁵³ (the sums are
    then moved by the points that changed cluster), else recomputed on every call.

    Cost: the first call, one float32 matrix product of every point with every centre and
    two row minima; a later call, the products with the centres that moved since the
    previous call (a minimum over them per point, no argmin), and a full re-labelling of
    the points whose bound fails — those that change cluster and those near a bisector.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0], [1.0], [9.0], [10.0]])
    >>> step = ExactEStep(points, np.ones(4))
    >>> sums, weight, labels = step(np.array([[0.0], [8.0]]), want_labels=True)
    >>> sums.ravel().tolist(), weight.tolist(), labels.tolist()
    ([1.0, 19.0], [2.0, 2.0], [0, 0, 1, 1])
    """

    def __init__(self, points: np.ndarray, weights: np.ndarray) -> None:
        self.x = np.ascontiguousarray(points, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64)
        m = len(self.x)
        self.columns = list(np.ascontiguousarray(self.x.T))
        self.rows32 = augment(self.x.astype(np.float32))
        self.columns32 = np.ascontiguousarray(self.rows32.T)
        self.weighted = np.ascontiguousarray((self.x * self.weights[:, None]).T)
        self.radius = float(np.sqrt(np.einsum("ij,ij->i", self.x, self.x).max())) if m else 0.0
        integral = bool((self.x == np.rint(self.x)).all() and (self.weights == np.rint(self.weights)).all())
        largest_sum = float(np.abs(self.weighted).sum(axis=1).max(initial=0.0))
        self.exact_sums = integral and max(largest_sum, float(self.weights.sum())) < 2.0**53
        self._centers: np.ndarray | None = None

    def __call__(self, centers: np.ndarray, want_labels: bool = False):
        centers = np.asarray(centers, dtype=np.float64)
        if self._centers is None or self._centers.shape != centers.shape:
            half = half_sq_norms(centers)
            bound = float32_error_bound(self.radius, centers, half)
            self.labels, self.own, self.lower = self._assign(None, centers, half, bound)
            self._sums_from_labels(len(centers))
        else:
            self._update(centers)
        self._centers = centers.copy()
        return self.sums.copy(), self.cluster_weight.copy(), self.labels.copy() if want_labels else None

    def _sums_from_labels(self, k: int) -> None:
        """The M step's sums by ``bincount`` over every point, as the plain path adds them."""
        self.cluster_weight = np.bincount(self.labels, weights=self.weights, minlength=k)
        self.sums = np.empty((k, self.x.shape[1]))
        for j, column in enumerate(self.weighted):
            self.sums[:, j] = np.bincount(self.labels, weights=column, minlength=k)

    def _assign(self, index: np.ndarray | None, centers: np.ndarray, half: np.ndarray, bound: float):
        """Points ``index`` (None: all) against every centre.

        Returns their labels, their own centre's reference value, and a lower bound on
        every other centre's reference value.
        """
        matrix = _matrix32(centers, half)
        if len(centers) <= _FEW_CENTERS:
            columns32 = self.columns32 if index is None else self.columns32[:, index]
            labels, best, second = _two_smallest_by_centre(columns32, matrix)
        else:
            rows = self.rows32 if index is None else self.rows32[index]
            labels, best, second = _two_smallest_by_point(rows, matrix)
        lower = second.astype(np.float64) - bound
        columns = self.columns if index is None else [np.take(col, index) for col in self.columns]
        near = np.flatnonzero(~(lower - bound > best))  # the second is within 2E of the best
        if len(near):  # near ties: the float64 reference decides, over every centre
            labels[near] = exact_nearest_centers(np.column_stack([col[near] for col in columns]), centers)
            values = self.rows32[near if index is None else index[near]] @ matrix
            values[np.arange(len(near)), labels[near]] = np.inf
            lower[near] = values.min(axis=1).astype(np.float64) - bound
        return labels, _reference_values(columns, centers, half, labels), lower

    def _update(self, centers: np.ndarray) -> None:
        """Labels and sums for ``centers`` from those of the previous call's centres."""
        moved = np.flatnonzero((centers != self._centers).any(axis=1))
        if not len(moved):
            return
        k = len(centers)
        half = half_sq_norms(centers)
        bound = float32_error_bound(self.radius, centers, half)
        was_moved = np.zeros(k, dtype=bool)
        was_moved[moved] = True
        own_moved = np.flatnonzero(was_moved[self.labels])
        own_labels = np.take(self.labels, own_moved)
        self.own[own_moved] = _reference_values([col[own_moved] for col in self.columns], centers, half, own_labels)
        # Unmoved centres kept their values, so the old bound still holds for them.
        np.minimum(self.lower, self._moved_minimum(centers, half, moved, own_moved) - bound, out=self.lower)
        doubtful = np.flatnonzero(~(self.lower > self.own))
        if not len(doubtful):
            return
        labels, own, lower = self._assign(doubtful, centers, half, bound)
        old = self.labels[doubtful]
        self.labels[doubtful], self.own[doubtful], self.lower[doubtful] = labels, own, lower
        changed = labels != old
        if not changed.any():
            return
        if not self.exact_sums:
            self._sums_from_labels(k)
            return
        who, new, old = doubtful[changed], labels[changed], old[changed]
        w = self.weights[who]
        self.cluster_weight += np.bincount(new, weights=w, minlength=k) - np.bincount(old, weights=w, minlength=k)
        for j, column in enumerate(self.weighted):
            wx = column[who]
            self.sums[:, j] += np.bincount(new, weights=wx, minlength=k) - np.bincount(old, weights=wx, minlength=k)

    def _moved_minimum(self, centers, half, moved, own_moved) -> np.ndarray:
        """Per point, the smallest float32 value among the moved centres other than its own: (m,) float64.

        The values are computed as (moved centres, points) blocks, so the minimum is taken
        across rows — an elementwise minimum, far cheaper than a minimum along each row.
        """
        m = len(self.x)
        matrix = np.ascontiguousarray(_matrix32(centers[moved], half[moved]).T)  # (|moved|, d + 1)
        row_of = np.full(len(centers), -1, dtype=np.intp)
        row_of[moved] = np.arange(len(moved))
        out = np.empty(m, dtype=np.float64)
        step = max(256, _BLOCK_VALUES // len(moved))
        cut = np.searchsorted(own_moved, np.arange(0, m + step, step))
        for block, start in enumerate(range(0, m, step)):
            values = matrix @ self.columns32[:, start : start + step]
            mine = own_moved[cut[block] : cut[block + 1]]
            values[row_of[self.labels[mine]], mine - start] = np.inf  # a point's own centre is not "another"
            out[start : start + step] = values.min(axis=0)
        return out
