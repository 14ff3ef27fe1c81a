"""The cascade's approximate stage: centres filtered on a fixed tree of cubes, the filter reused.

The points are integers (so every weighted sum is an exact integer in float64, whatever the
order it is added in) grouped in a fixed tree of axis-aligned cubes (:class:`CellTree`):
each level's cells hold the exact weighted sums of their points and a parent in the
coarser level. For a cube with centre ``m`` and half side ``h`` and a centre ``a``, centre
``b`` can own no point of the cube when

    min over the cube of (g_b(x) − g_a(x)) = (g_b(m) − g_a(m)) − h‖c_b − c_a‖₁ > ε,

with ``g_j(x) = ½‖c_j‖² − x·c_j`` (the difference is linear in ``x``, so its minimum is at a
vertex; ``ε`` covers float64 rounding). This is the filtering idea of Kanungo et al. (2002)
on a fixed octree. A cube left with one candidate is decided: its exact sums go straight
to the M step. Children of undecided cubes are tested only against their parent's
candidates; the points of undecided finest cubes are labelled by
:func:`~kmeans_lab.cluster.distance.exact_nearest_centers`'s expression over their short
candidate lists. So the labels are exactly those of that function over all centres, and
the sums exactly those of its labels.

On point sets dense in their cells (several points per finest cube, as a large photograph's
colours are) most of the work of an E step is deciding whole cubes. :func:`approximate_lloyd`
reuses one filter build, widened by a margin, for several Lloyd iterations
(:class:`ReusedFilterEStep`): cheap iterations that move the centres close to a fixed point,
from where the exact Lloyd (:func:`kmeans_lab.cluster.lloyd.lloyd`) takes few iterations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .distance import half_sq_norms
from .lloyd import lloyd_iterations

__all__ = [
    "CellTree",
    "CubeLevel",
    "FilteredEStep",
    "ReusedFilterEStep",
    "approximate_lloyd",
]

# Rows whose candidate lists have at most this many entries are processed together (lists
# padded to the bucket's longest): few buckets, little padding.
_BUCKETS = np.array([2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1 << 30])
# ε relative to the magnitudes of g_j: float64 rounding of a few operations is ~1e-16 of
# them, so 1e-9 is far above it and far below any gap that matters.
_RELATIVE_EPS = 1e-9


@dataclass(frozen=True, eq=False)
class CubeLevel:
    """One level of a :class:`CellTree`: cells that are cubes of one size.

    Attributes
    ----------
    centers : ndarray of shape (n, d), float64
        Cube centres; every point of cell ``i`` lies within ``centers[i] ± half`` in every
        coordinate.
    half : float
        Half side of the cubes.
    sums : ndarray of shape (n, d), float64
        Weighted sum of each cell's points (exact integers).
    weights : ndarray of shape (n,), float64
        Total weight of each cell (positive).
    parent : ndarray of shape (n,), intp, or None
        Each cell's cell in the next coarser level of the tree (None at the top).
    """

    centers: np.ndarray
    half: float
    sums: np.ndarray
    weights: np.ndarray
    parent: np.ndarray | None

    def __len__(self) -> int:
        return len(self.weights)

    def __repr__(self) -> str:
        return f"CubeLevel({len(self)} cubes of half side {self.half:g})"

    @property
    def means(self) -> np.ndarray:
        """Weighted mean of each cell's points, ndarray of shape (n, d), float64."""
        return self.sums / self.weights[:, None]


@dataclass(frozen=True, eq=False)
class CellTree:
    """Integer points grouped in nested cubes, the structure :class:`FilteredEStep` filters on.

    Attributes
    ----------
    points : ndarray of shape (m, d), float64
        Integer-valued points; ``weights`` integer-valued too, with every weighted sum
        below 2⁵³ in magnitude, so all sums are exact.
    weights : ndarray of shape (m,), float64
    levels : tuple of CubeLevel
        Coarse to fine; ``levels[i + 1].parent`` indexes ``levels[i]`` (the top level's
        parents are ignored).
    point_cell : ndarray of shape (m,), intp
        Each point's cell in ``levels[-1]``.
    columns, weighted_columns : ndarray of shape (d, m), float64, optional
        ``points.T`` and ``(weights * points).T``, C-contiguous (computed when not given).
    radius : float
        Largest norm of a point or a cube centre, which bounds the magnitudes the
        filter's rounding margin scales with (derived).
    """

    points: np.ndarray
    weights: np.ndarray
    levels: tuple[CubeLevel, ...]
    point_cell: np.ndarray
    columns: np.ndarray | None = field(default=None, repr=False)
    weighted_columns: np.ndarray | None = field(default=None, repr=False)
    radius: float = field(init=False)

    def __repr__(self) -> str:
        return f"CellTree({len(self.weights)} points; cells by level {[len(L) for L in self.levels]})"

    def __post_init__(self) -> None:
        if self.columns is None:
            object.__setattr__(self, "columns", np.ascontiguousarray(self.points.T))
        if self.weighted_columns is None:
            object.__setattr__(self, "weighted_columns", self.columns * self.weights)
        norms = [np.einsum("ij,ij->i", a, a).max() for a in [self.points] + [L.centers for L in self.levels]]
        object.__setattr__(self, "radius", float(np.sqrt(max(norms))))


@dataclass(eq=False)
class _Bucket:
    """Undecided points whose candidate lists have the same length, one column per point."""

    columns: list[np.ndarray]  # d arrays (n,): the points
    weights: np.ndarray  # (n,)
    weighted: np.ndarray  # (d, n)
    candidates: np.ndarray  # (width, n) intp, each column ascending (repeats at the end)
    labels: np.ndarray  # (n,) intp
    index: np.ndarray  # (n,) the points' indices in the tree


@dataclass(eq=False)
class _Partition:
    """One filter build: decided cells (their labels and summed sums) and the undecided points."""

    sums: np.ndarray  # (k, d) sums of decided cells
    cluster_weight: np.ndarray  # (k,)
    decided: list[tuple[int, np.ndarray, np.ndarray]]  # (level, cells, labels)
    buckets: list[_Bucket]


class FilteredEStep:
    """The exact E step over a :class:`CellTree`: labels and sums of every point.

    Parameters
    ----------
    tree : CellTree
    margin : float, default 0
        Keep, besides the candidates that may own a point of a cube, those whose
        bisector with the cube's best candidate passes within ``margin`` (in distance
        units) of the cube: longer lists, for :class:`ReusedFilterEStep`. The labels do
        not depend on it.

    Notes
    -----
    A call returns ``(sums, cluster_weight, labels)`` as :class:`kmeans_lab.cluster.lloyd.EStep`
    asks, ``labels`` only when wanted. The labels are those of
    :func:`~kmeans_lab.cluster.distance.exact_nearest_centers` over all centres, point
    for point, and the sums those of its labels, bit for bit. Cost per call: the top level
    against every centre (O(n_top · k)), then the undecided cells' and points' candidate
    lists — on a photograph's colours a fraction of the O(m · k) of a plain E step.
    """

    def __init__(self, tree: CellTree, *, margin: float = 0.0) -> None:
        self.tree = tree
        self.margin = margin
        self.x, self.wx = tree.columns, tree.weighted_columns
        self.radius = tree.radius
        self.parents = [None if L.parent is None else np.asarray(L.parent, dtype=np.intp) for L in tree.levels]
        self.sum_columns = [np.ascontiguousarray(L.sums.T) for L in tree.levels]
        self.center_columns = [np.ascontiguousarray(L.centers.T) for L in tree.levels]
        self._point_cells: list[np.ndarray] | None = None

    def __call__(self, centers: np.ndarray, want_labels: bool = False):
        part = self._build(centers)
        for bucket in part.buckets:
            _add(part.sums, part.cluster_weight, bucket.labels, bucket.weights, bucket.weighted)
        return part.sums, part.cluster_weight, self._labels(part) if want_labels else None

    # -- one build: every level, then the points of undecided finest cells -----------------

    def _build(self, centers: np.ndarray) -> _Partition:
        k, d = centers.shape
        half_norms = half_sq_norms(centers)
        c_cols = [np.ascontiguousarray(centers[:, j]) for j in range(d)]
        diffs = [np.abs(col[:, None] - col[None, :]) for col in c_cols]
        l1 = sum(diffs[1:], diffs[0])
        extra = self.margin * np.sqrt(sum(x * x for x in diffs)) if self.margin > 0 else 0.0
        eps = _RELATIVE_EPS * (self.radius * np.sqrt(2.0 * half_norms.max()) + half_norms.max() + 1.0)
        sums = np.zeros((k, d))
        cluster_weight = np.zeros(k)
        decided = []
        undecided = cand = count = None
        for li, level in enumerate(self.tree.levels):
            spread = (level.half * l1 + extra).reshape(-1)
            if li == 0:
                cells, labels, undecided, cand, count = self._test_all(level, centers, half_norms, spread, eps)
            else:
                rows = np.full(len(self.tree.levels[li - 1]), -1, dtype=np.intp)
                rows[undecided] = np.arange(len(undecided))
                parent_row = np.take(rows, self.parents[li])
                idx = np.flatnonzero(parent_row >= 0)
                cells, labels, undecided, cand, count = self._test_lists(
                    li, idx, np.take(parent_row, idx), cand, count, c_cols, half_norms, spread, eps, k
                )
            if len(cells):
                cluster_weight += np.bincount(labels, weights=np.take(level.weights, cells), minlength=k)
                for j in range(d):
                    sums[:, j] += np.bincount(labels, weights=np.take(self.sum_columns[li][j], cells), minlength=k)
            decided.append((li, cells, labels))
        rows = np.full(len(self.tree.levels[-1]), -1, dtype=np.intp)
        rows[undecided] = np.arange(len(undecided))
        point_row = np.take(rows, self.tree.point_cell)
        points = np.flatnonzero(point_row >= 0)
        buckets = self._label_points(points, np.take(point_row, points), cand, count, c_cols, half_norms)
        return _Partition(sums, cluster_weight, decided, buckets)

    def _test_all(self, level, centers, half_norms, spread, eps):
        """The top level: every cell against every centre."""
        k = len(centers)
        n = len(level)
        g = half_norms[None, :] - level.centers @ centers.T
        best = g.argmin(axis=1)
        rows = np.arange(n)
        gap = g - g[rows, best][:, None]
        gap -= np.take(spread.reshape(k, k), best, axis=0)
        keep = gap <= eps
        keep[rows, best] = True
        count = keep.sum(axis=1)
        done = count == 1
        undecided = np.flatnonzero(~done)
        r, cols = np.nonzero(keep[undecided])
        ucount = count[undecided]
        width = int(ucount.max()) if len(ucount) else 1
        position = np.arange(len(r)) - (np.cumsum(ucount) - ucount)[r]
        cand = np.repeat(best[undecided][None, :], width, axis=0)  # padded with a candidate of the row
        cand[position, r] = cols
        return np.flatnonzero(done), best[done], undecided, cand, ucount

    def _test_lists(self, li, idx, parent_row, parent_cand, parent_count, c_cols, half_norms, spread, eps, k):
        """Cells ``idx`` of level ``li`` against their parents' candidate lists, bucketed by list length."""
        count_in = np.take(parent_count, parent_row)
        order = np.argsort(count_in.astype(np.uint16), kind="stable")
        idx, parent_row, count_in = np.take(idx, order), np.take(parent_row, order), np.take(count_in, order)
        bounds = np.searchsorted(count_in, _BUCKETS, side="right")
        m_cols = [np.take(col, idx) for col in self.center_columns[li]]
        d_cells, d_labels, u_cells, u_cand, u_count = [], [], [], [], []
        lo = 0
        for hi in bounds.tolist():
            if hi <= lo:
                continue
            width = int(count_in[hi - 1])
            cand = np.take(parent_cand[:width], parent_row[lo:hi], axis=1)
            g = _objective([col[lo:hi] for col in m_cols], cand, c_cols, half_norms)
            cells = idx[lo:hi]
            pos = g.argmin(axis=0)[None, :]
            best = np.take_along_axis(cand, pos, 0)[0]
            limit = np.take_along_axis(g, pos, 0)[0] + eps
            keep = g - np.take(spread, best * k + cand) <= limit
            if int(count_in[lo]) != width:  # rows shorter than the bucket: ignore their padding
                keep &= np.arange(width)[:, None] < count_in[lo:hi][None, :]
            np.put_along_axis(keep, pos, True, 0)
            count = keep.sum(axis=0)
            done = count == 1
            d_cells.append(cells[done])
            d_labels.append(best[done])
            if not done.all():
                still = ~done
                ku, cu, nu = np.compress(still, keep, axis=1), np.compress(still, cand, axis=1), count[still]
                jj, ii = np.nonzero(ku)
                rank = np.cumsum(ku, axis=0)[jj, ii] - 1
                out = np.repeat(best[still][None, :], int(nu.max()), axis=0)
                out[rank, ii] = cu[jj, ii]
                u_cells.append(cells[still])
                u_cand.append(out)
                u_count.append(nu)
            lo = hi
        empty = np.empty(0, np.intp)
        d_cells = np.concatenate(d_cells) if d_cells else empty
        d_labels = np.concatenate(d_labels) if d_labels else empty
        if not u_cells:
            return d_cells, d_labels, empty, np.empty((1, 0), np.intp), empty
        width = max(c.shape[0] for c in u_cand)
        cand = np.empty((width, sum(c.shape[1] for c in u_cand)), dtype=np.intp)
        p = 0
        for c in u_cand:
            q = p + c.shape[1]
            cand[: c.shape[0], p:q] = c
            cand[c.shape[0] :, p:q] = c[0]  # a candidate of the row again: never strictly better
            p = q
        return d_cells, d_labels, np.concatenate(u_cells), cand, np.concatenate(u_count)

    def _label_points(self, points, rows, cand, count, c_cols, half_norms) -> list[_Bucket]:
        """Exact labels of ``points`` over their cells' candidate lists, in buckets by list length."""
        count_in = np.take(count, rows)
        order = np.argsort(count_in.astype(np.uint16), kind="stable")
        points, rows, count_in = np.take(points, order), np.take(rows, order), np.take(count_in, order)
        bounds = np.searchsorted(count_in, _BUCKETS, side="right")
        buckets = []
        lo = 0
        for hi in bounds.tolist():
            if hi <= lo:
                continue
            index = points[lo:hi]
            cols = [np.take(x, index) for x in self.x]
            lists = np.take(cand[: int(count_in[hi - 1])], rows[lo:hi], axis=1)
            labels = _argmin_lists(cols, lists, c_cols, half_norms)
            weights = np.take(self.tree.weights, index)
            buckets.append(_Bucket(cols, weights, np.take(self.wx, index, axis=1), lists, labels, index))
            lo = hi
        return buckets

    def _labels(self, part: _Partition) -> np.ndarray:
        """Every point's label from a build: decided cells' labels spread to their points, then the rest."""
        if self._point_cells is None:
            cells = [None] * len(self.tree.levels)
            idx = np.asarray(self.tree.point_cell, dtype=np.intp)
            for li in range(len(self.tree.levels) - 1, -1, -1):
                cells[li] = idx
                if li:
                    idx = np.take(self.parents[li], idx)
            self._point_cells = cells
        labels = np.full(len(self.tree.weights), -1, dtype=np.intp)
        for li, cells, cell_labels in part.decided:
            if len(cells):
                table = np.full(len(self.tree.levels[li]), -1, dtype=np.intp)
                table[cells] = cell_labels
                found = np.take(table, self._point_cells[li])
                np.copyto(labels, found, where=found >= 0)
        for bucket in part.buckets:
            labels[bucket.index] = bucket.labels
        return labels


class ReusedFilterEStep(FilteredEStep):
    """An approximate E step for choosing a start: one filter build reused for several calls.

    The first call (and any after :meth:`refresh`, any that wants labels, and every
    ``reuse``-th) builds the filter with ``margin`` and is exact; the calls after it keep
    that build's decided cells and relabel only the listed points among their candidates,
    moving the sums of those that change cluster. A point near a bisector that moved
    more than ``margin`` may then be mislabelled: the result is not a Lloyd step, only a
    cheap approximation of one.

    Parameters
    ----------
    tree : CellTree
    margin : float
    reuse : int
        Calls per build (1 build + ``reuse − 1`` reuses).

    Attributes
    ----------
    fresh : bool
        Whether the last call built the filter (and so was exact).
    """

    def __init__(self, tree: CellTree, *, margin: float, reuse: int) -> None:
        super().__init__(tree, margin=margin)
        self.reuse = reuse
        self.fresh = True
        self._kept: tuple[np.ndarray, np.ndarray, list[_Bucket]] | None = None
        self._age = 0

    def refresh(self) -> None:
        """Make the next call build the filter."""
        self._age = self.reuse

    def __call__(self, centers: np.ndarray, want_labels: bool = False):
        k, d = centers.shape
        if want_labels or self._kept is None or self._age >= self.reuse or len(self._kept[0]) != k:
            part = self._build(centers)
            sums, cluster_weight = part.sums, part.cluster_weight
            for bucket in part.buckets:
                _add(sums, cluster_weight, bucket.labels, bucket.weights, bucket.weighted)
            self._kept = (sums, cluster_weight, part.buckets)
            self._age, self.fresh = 1, True
            return sums.copy(), cluster_weight.copy(), self._labels(part) if want_labels else None
        self._age, self.fresh = self._age + 1, False
        sums, cluster_weight, buckets = self._kept
        half_norms = half_sq_norms(centers)
        c_cols = [np.ascontiguousarray(centers[:, j]) for j in range(d)]
        for bucket in buckets:
            labels = _argmin_lists(bucket.columns, bucket.candidates, c_cols, half_norms)
            moved = np.flatnonzero(labels != bucket.labels)
            if len(moved):  # move only the points that changed cluster (exact integer sums)
                w, wx = np.take(bucket.weights, moved), np.take(bucket.weighted, moved, axis=1)
                _add(sums, cluster_weight, np.take(labels, moved), w, wx)
                _add(sums, cluster_weight, np.take(bucket.labels, moved), -w, -wx)
                bucket.labels = labels
        return sums.copy(), cluster_weight.copy(), None


def _objective(point_cols, cand, c_cols, half_norms) -> np.ndarray:
    """``½‖c‖² − x·c`` of each point (column) against each of its candidates (rows of ``cand``)."""
    out = np.empty(cand.shape)
    for j in range(cand.shape[0]):
        cj = cand[j]
        dot = point_cols[0] * np.take(c_cols[0], cj)
        for x, col in zip(point_cols[1:], c_cols[1:]):
            dot = dot + x * np.take(col, cj)
        np.subtract(np.take(half_norms, cj), dot, out=out[j])
    return out


def _argmin_lists(point_cols, cand, c_cols, half_norms) -> np.ndarray:
    """Per point, the candidate minimising ``½‖c‖² − x·c``, lists ascending: ties to the lowest index."""
    label = best = None
    for j in range(cand.shape[0]):
        cj = cand[j]
        dot = point_cols[0] * np.take(c_cols[0], cj)
        for x, col in zip(point_cols[1:], c_cols[1:]):
            dot = dot + x * np.take(col, cj)
        value = np.take(half_norms, cj) - dot
        if label is None:
            label, best = cj.copy(), value
            continue
        better = value < best  # strict: an earlier (lower) candidate keeps a tie
        np.copyto(label, cj, where=better)
        if j + 1 < cand.shape[0]:
            np.copyto(best, value, where=better)
    return label


def _add(sums, cluster_weight, labels, weights, weighted) -> None:
    """Add weights and weighted points to their clusters' sums (in place)."""
    k = len(cluster_weight)
    cluster_weight += np.bincount(labels, weights=weights, minlength=k)
    for j in range(sums.shape[1]):
        sums[:, j] += np.bincount(labels, weights=weighted[j], minlength=k)


def approximate_lloyd(
    tree: CellTree, centers: np.ndarray, *, threshold: float, max_iter: int, margin: float = 1.0, reuse: int = 8
) -> tuple[np.ndarray, int]:
    """Approximate weighted Lloyd with :class:`ReusedFilterEStep`: a start for the exact Lloyd.

    Runs the Lloyd loop in rounds of at most ``reuse`` iterations over one filter build;
    stops when the first iteration of a round (a fresh, exact build) moves the centres by
    at most ``threshold``, or after ``max_iter`` iterations in all.

    Parameters
    ----------
    tree : CellTree
    centers : ndarray of shape (k, d), float64
    threshold : float
        Should be positive: an approximate E step need not reach a fixed point.
    max_iter : int
    margin : float, default 1.0
    reuse : int, default 8

    Returns
    -------
    centers : ndarray of shape (k, d), float64
    n_iter : int
        Iterations run (builds and reuses).
    """
    step = ReusedFilterEStep(tree, margin=margin, reuse=reuse)
    n_iter = 0
    c = centers
    while n_iter < max_iter:
        run = lloyd_iterations(
            tree.points,
            tree.weights,
            c,
            step,
            threshold=threshold,
            max_iter=min(reuse, max_iter - n_iter),
            final_labels=False,
        )
        n_iter += run.n_iter
        c = run.centers
        if run.converged and run.n_iter == 1:
            break
        step.refresh()
    return c, n_iter
