"""The colour-cell pyramid of a point set: the coarse levels the cascade chooses its start on.

The points are integers (colours on the grid of :mod:`kmeans_lab.spaces`). Level ``b``
(3 ≤ b ≤ 10) groups the points into cubes of one side, ``2^(s − b)`` for the smallest
power of two ``2^s`` at least the points' widest extent (and at least 2⁸), aligned on
multiples of the side: at most ``(2^b + 1)^d`` cells; on the RGB cube ``2^(3b)``, side
``2^(8 − b)``, the cells that share the top ``b`` bits of every channel. The levels stop
before the first with more than half as many cells as points (no use as a coarse stage),
so RGB has levels 3–7 and a perceptual space, whose colours fill a thin slab of its
grid, finer ones. Each cell keeps the exact weighted sum of its points (integers, so
exact in float64 in any order) and its weight; at its mean, with that weight, it is one
point of a coarse k-means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LEVEL_BITS", "CellLevel", "ColorPyramid"]

#: Cells per axis of the levels, as bits, coarse to fine (the finest ones only while they are coarse enough).
LEVEL_BITS = (3, 4, 5, 6, 7, 8, 9, 10)


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
    """The cells of a point set at 3 bits per axis and finer.

    Attributes
    ----------
    levels : dict of int to CellLevel
        By bits, coarse to fine: 3 bits and the finer levels with at most half as many
        cells as points.
    n_points : int

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0, 0], [1, 1, 1], [200, 0, 0]])
    >>> pyramid = ColorPyramid.from_points(points, np.ones(3))
    >>> {b: len(level) for b, level in pyramid.levels.items()}
    {3: 2}
    >>> pyramid.levels[3].weights.tolist()  # (0, 0, 0) and (1, 1, 1) share a cell of side 32
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
        O(m log m): one sort of the points' Morton keys at the finest level (at most 10
        bits per axis, cubes of side 2 at least: 7 bits for RGB); each coarser level from
        the finer one's sorted keys in O(cells).
        """
        q = points.astype(np.int64)
        span = int((q.max(axis=0) - q.min(axis=0)).max()) + 1
        top = max(int(np.ceil(np.log2(span))), 8)
        finest = min(LEVEL_BITS[-1], top - 1)  # cubes of side 2 at least: side 1 is the points
        keys, inverse = _cell_keys(q >> (top - finest), finest)
        n = len(keys)
        sums = np.stack([np.bincount(inverse, weights=weights * column, minlength=n) for column in points.T], axis=1)
        cell_weights = np.bincount(inverse, weights=weights, minlength=n)
        levels = {finest: CellLevel(finest, sums, cell_weights)}
        for bits in range(finest - 1, LEVEL_BITS[0] - 1, -1):
            # A cell's parent key drops the lowest bit of every coordinate; the keys stay sorted.
            keys = keys >> points.shape[1]
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            keys, sums = keys[starts], np.add.reduceat(sums, starts, axis=0)
            cell_weights = np.add.reduceat(cell_weights, starts)
            levels[bits] = CellLevel(bits, sums, cell_weights)
        kept = [b for b in sorted(levels) if b == LEVEL_BITS[0] or 2 * len(levels[b]) <= len(points)]
        return cls({b: levels[b] for b in kept}, len(points))

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


def _cell_keys(cells: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct cells of the finest level as sorted Morton keys, and each point's cell.

    Parameters
    ----------
    cells : ndarray of shape (m, d), int64
        Each point's cell at ``bits`` bits (the point shifted right).
    bits : int

    Returns
    -------
    keys : ndarray of shape (n,), int64
        Ascending; the bits of the d coordinates interleaved (relative to a corner aligned
        on the coarsest level's grid), so ``keys >> d`` are the cells one level coarser,
        still ascending.
    inverse : ndarray of shape (m,), intp
    """
    d = cells.shape[1]
    coarsest = bits - LEVEL_BITS[0]
    corner = (cells.min(axis=0) >> coarsest) << coarsest
    spread = np.zeros(1 << (bits + 1), dtype=np.int64)  # value -> its bits, d - 1 zeros between them
    values = np.arange(1 << (bits + 1), dtype=np.int64)
    for bit in range(bits + 1):
        spread |= ((values >> bit) & 1) << (bit * d)
    key = np.zeros(len(cells), dtype=np.int64)
    for j in range(d):
        key |= spread[cells[:, j] - corner[j]] << (d - 1 - j)
    keys, inverse = np.unique(key, return_inverse=True)
    return keys, inverse.reshape(-1)
