"""The colour-cell pyramid of a point set: the coarse levels the cascade chooses its start on.

The points are integers (colours on the grid of :mod:`kmeans_lab.spaces`). Level ``b``
(3 ≤ b ≤ 7) groups the points into cubes of one side, ``2^(s − b)`` for the smallest
power of two ``2^s`` at least the points' widest extent, aligned on multiples of the side:
at most ``(2^b + 1)^d`` cells, ``2^(3b)`` on the RGB cube (side ``2^(8 − b)``, the cells
that share the top ``b`` bits of every channel). Each cell keeps the exact weighted sum of
its points (integers, so exact in float64 in any order) and its weight; at its mean, with
that weight, it is one point of a coarse k-means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LEVEL_BITS", "CellLevel", "ColorPyramid"]

#: Cells per axis of the levels, as bits, coarse to fine.
LEVEL_BITS = (3, 4, 5, 6, 7)
# Keys below this many cells are numbered with a presence table (two linear passes), above by a sort.
_TABLE_KEYS = 1 << 24


@dataclass(frozen=True, eq=False)
class CellLevel:
    """The cells of one level.

    Attributes
    ----------
    bits : int
        Cells per axis: the cube side is the pyramid's span / 2^bits.
    sums : ndarray of shape (n, d), float64
        Weighted sum of each cell's points (exact).
    weights : ndarray of shape (n,), float64
        Total weight of each cell (positive).
    """

    bits: int
    sums: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return len(self.weights)

    def __repr__(self) -> str:
        return f"CellLevel({len(self)} cells, {self.bits} bits)"

    @property
    def means(self) -> np.ndarray:
        """Weighted mean of each cell's points, ndarray of shape (n, d), float64."""
        return self.sums / self.weights[:, None]


@dataclass(frozen=True, eq=False)
class ColorPyramid:
    """The cells of a point set at 3…7 bits per axis.

    Attributes
    ----------
    levels : dict of int to CellLevel
        By bits, coarse to fine.
    n_points : int

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0, 0], [1, 1, 1], [200, 0, 0]])
    >>> pyramid = ColorPyramid.from_points(points, np.ones(3))
    >>> [len(pyramid.levels[b]) for b in LEVEL_BITS]
    [2, 2, 2, 2, 2]
    >>> pyramid.levels[7].weights.tolist()  # (0, 0, 0) and (1, 1, 1) share a cell of side 2
    [2.0, 1.0]
    """

    levels: dict[int, CellLevel]
    n_points: int

    @classmethod
    def from_points(cls, points: np.ndarray, weights: np.ndarray) -> ColorPyramid:
        """The pyramid of integer points.

        Parameters
        ----------
        points : ndarray of shape (m, d), float64
            Integer-valued, with every weighted sum below 2⁵³ in magnitude.
        weights : ndarray of shape (m,), float64

        Notes
        -----
        O(m) when the finest level's key space is small (presence tables), else
        O(m log m) for one sort; each coarser level is made from the finer level's cells.
        """
        q = points.astype(np.int64)
        span = int((q.max(axis=0) - q.min(axis=0)).max()) + 1
        top = max(int(np.ceil(np.log2(span))), LEVEL_BITS[-1])
        levels = {}
        cells = q >> (top - LEVEL_BITS[-1])
        sums, cell_weights = points * weights[:, None], weights
        for bits in reversed(LEVEL_BITS):
            if bits != LEVEL_BITS[-1]:
                cells = cells >> 1
            cells, inverse = _distinct_rows(cells)
            n = len(cells)
            sums = np.stack([np.bincount(inverse, weights=column, minlength=n) for column in sums.T], axis=1)
            cell_weights = np.bincount(inverse, weights=cell_weights, minlength=n)
            levels[bits] = CellLevel(bits, sums, cell_weights)
        return cls({b: levels[b] for b in LEVEL_BITS}, len(points))

    def __repr__(self) -> str:
        cells = ", ".join(f"{b}: {len(L)}" for b, L in self.levels.items())
        return f"ColorPyramid({self.n_points} points; cells by bits {{{cells}}})"

    def coarse_levels(self, k: int, min_cells_per_cluster: float, ratio: float = 4.0) -> list[int]:
        """The levels the cascade runs on for ``k`` clusters, coarse to fine.

        Walking from the finest level to coarser ones, a level is kept when it has at most
        ``1 / ratio`` of the points of the next finer stage kept (the points themselves at
        first) — else it saves too little — and at least ``min_cells_per_cluster × k``
        cells — else it cannot place ``k`` centres well. If none qualifies, the level with
        the most cells among those with at most ``1 / ratio`` of the points and at least
        ``2k`` cells; if none of those, no level (empty list).

        Parameters
        ----------
        k : int
        min_cells_per_cluster : float
        ratio : float, default 4

        Returns
        -------
        list of int
            Bits of the levels, ascending.
        """
        chosen = []
        finer = self.n_points
        for bits in sorted(self.levels, reverse=True):
            cells = len(self.levels[bits])
            if cells * ratio <= finer and cells >= min_cells_per_cluster * k:
                chosen.append(bits)
                finer = cells
        if not chosen:
            fallback = [b for b, L in self.levels.items() if len(L) * ratio <= self.n_points and len(L) >= 2 * k]
            chosen = [max(fallback, key=lambda b: len(self.levels[b]))] if fallback else []
        return sorted(chosen)


def _distinct_rows(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of an (n, d) int64 array, in lexicographic order, and each row's index among them."""
    low = cells.min(axis=0)
    extent = cells.max(axis=0) - low + 1
    key = np.zeros(len(cells), dtype=np.int64)
    for j in range(cells.shape[1]):  # mixed radix: lexicographic order of the rows
        key = key * extent[j] + (cells[:, j] - low[j])
    space = int(np.prod(extent.astype(np.float64)))
    if space <= _TABLE_KEYS:
        seen = np.zeros(space, dtype=bool)
        seen[key] = True
        present = np.flatnonzero(seen)
        index = np.empty(space, dtype=np.intp)  # only entries at `present` are read
        index[present] = np.arange(len(present))
        inverse = index[key]
    else:
        present, inverse = np.unique(key, return_inverse=True)
    rows = np.empty((len(present), cells.shape[1]), dtype=np.int64)
    rest = present.astype(np.int64)
    for j in reversed(range(cells.shape[1])):
        rows[:, j] = rest % extent[j] + low[j]
        rest //= extent[j]
    return rows, inverse.reshape(-1)
