"""The colour-cell pyramid of a point set: the coarse levels the cascade chooses its start on.

The points are integers (colours on the grid of :mod:`kmeans_lab.spaces`). Level ``b``
(3 ≤ b ≤ 10) groups the points into cubes of one side, ``2^(s − b)`` for the smallest
power of two ``2^s`` at least the points' widest extent (and at least 2⁸), aligned on
multiples of the side: at most ``(2^b + 1)^d`` cells; on the RGB cube ``2^(3b)``, side
``2^(8 − b)``, the cells that share the top ``b`` bits of every channel. The finest level
has cubes of side 2 at least, so RGB has levels 3–7 and a perceptual space, whose colours
fill a thin slab of its grid, finer ones. Each cell keeps the exact weighted sum of its
points (integers, so exact in float64 in any order) and its weight; at its mean, with
that weight, it is one point of a coarse k-means. With their cubes and parents the levels
are also the :class:`~kmeans_lab.cluster.filtering.CellTree` of the cascade's approximate
stage on point sets dense in their cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cluster.filtering import CellTree, CubeLevel

__all__ = ["LEVEL_BITS", "CellLevel", "ColorPyramid"]

#: Cells per axis of the levels, as bits, coarse to fine (the finest with cubes of side 2 at least).
LEVEL_BITS = (3, 4, 5, 6, 7, 8, 9, 10)
# Morton key spaces up to this size (RGB at 7 bits) are numbered with a presence table, larger ones by a sort.
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
    cells : ndarray of shape (n, d), int64
        Each cell's cube: the points ``p`` with ``p // side == cells[i]``.
    side : int
    parent : ndarray of shape (n,), intp, or None
        Each cell's cell one level coarser (None at 3 bits).
    """

    bits: int
    sums: np.ndarray
    weights: np.ndarray
    cells: np.ndarray
    side: int
    parent: np.ndarray | None

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
        By bits, coarse to fine.
    n_points : int
    point_cell : ndarray of shape (m,), intp
        Each point's cell in the finest level.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0, 0], [1, 1, 1], [200, 0, 0]])
    >>> pyramid = ColorPyramid.from_points(points, np.ones(3))
    >>> {b: len(level) for b, level in pyramid.levels.items()}
    {3: 2, 4: 2, 5: 2, 6: 2, 7: 2}
    >>> pyramid.levels[7].weights.tolist()  # (0, 0, 0) and (1, 1, 1) share a cube of side 2
    [2.0, 1.0]
    """

    levels: dict[int, CellLevel]
    n_points: int
    point_cell: np.ndarray

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
        The points' Morton keys at the finest level (at most 10 bits per axis, cubes of
        side 2 at least: 7 bits for RGB) numbered by a presence table when their space is
        at most 2²⁴ (RGB: O(m + 2²⁴)), else by one sort (O(m log m)); each coarser level
        from the finer one's sorted keys in O(cells).
        """
        q = points.astype(np.int64)
        span = int((q.max(axis=0) - q.min(axis=0)).max()) + 1
        top = max(int(np.ceil(np.log2(span))), 8)
        bits = min(LEVEL_BITS[-1], top - 1)  # cubes of side 2 at least: side 1 is the points
        cells = q >> (top - bits)
        keys, first, inverse = _cell_keys(cells, bits)
        cells, n = cells[first], len(keys)
        sums = np.stack([np.bincount(inverse, weights=weights * column, minlength=n) for column in points.T], axis=1)
        cell_weights = np.bincount(inverse, weights=weights, minlength=n)
        levels = {}
        while True:
            levels[bits] = CellLevel(bits, sums, cell_weights, cells, 1 << (top - bits), None)
            if bits == LEVEL_BITS[0]:
                break
            # A cell's parent key drops the lowest bit of every coordinate; the keys stay sorted.
            keys = keys >> points.shape[1]
            new = np.r_[True, keys[1:] != keys[:-1]]
            starts = np.flatnonzero(new)
            parent = np.cumsum(new) - 1
            levels[bits] = CellLevel(bits, sums, cell_weights, cells, 1 << (top - bits), parent)
            keys, cells, sums = keys[starts], cells[starts] >> 1, np.add.reduceat(sums, starts, axis=0)
            cell_weights = np.add.reduceat(cell_weights, starts)
            bits -= 1
        return cls({b: levels[b] for b in sorted(levels)}, len(points), inverse)

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

    @property
    def dense(self) -> bool:
        """Whether the finest level's cells hold two points or more on average (the filter pays there)."""
        return 2 * len(self.levels[max(self.levels)]) <= self.n_points

    def cell_tree(self, x: np.ndarray, weights: np.ndarray, offset: np.ndarray, k: int, top: float = 4.0) -> CellTree:
        """The levels as a :class:`~kmeans_lab.cluster.filtering.CellTree` of the points ``x = points − offset``.

        Parameters
        ----------
        x : ndarray of shape (m, d), float64
            The pyramid's points minus an integer ``offset``.
        weights : ndarray of shape (m,), float64
        offset : ndarray of shape (d,), float64
        k : int
        top : float, default 4
            The tree starts at the coarsest level with at least ``top × k`` cells (its cells
            are tested against every centre; fewer would decide little).
        """
        bits = sorted(self.levels)
        first = next((b for b in bits if len(self.levels[b]) >= top * k), bits[-1])
        cubes = []
        for b in bits[bits.index(first) :]:
            level = self.levels[b]
            half = (level.side - 1) / 2.0  # integer points lo … lo + side − 1 of each axis
            centers = level.cells * level.side + half - offset
            sums = level.sums - level.weights[:, None] * offset
            cubes.append(CubeLevel(centers, half, sums, level.weights, level.parent))
        return CellTree(x, weights, tuple(cubes), self.point_cell)


def _cell_keys(cells: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    first : ndarray of shape (n,), intp
        A point of each cell.
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
    space = 1 << (d * (bits + 1))
    if space > _TABLE_KEYS:
        keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return keys, first, inverse.reshape(-1)
    seen = np.zeros(space, dtype=bool)  # a presence table: two linear passes, no sort
    seen[key] = True
    keys = np.flatnonzero(seen)
    index = np.empty(space, dtype=np.intp)  # only entries at `keys` are written, and only they are read
    index[keys] = np.arange(len(keys))
    inverse = index[key]
    first = np.empty(len(keys), dtype=np.intp)
    first[inverse] = np.arange(len(key))
    return keys, first, inverse
