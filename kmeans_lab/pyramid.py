"""The colour-cell pyramid of a histogram: the coarse levels the cascade starts from.

An RGB colour is three integers in [0, 255]. The cells of level ``b`` (3 ≤ b ≤ 7) group the
colours that share the top ``b`` bits of every channel: cubes of side 2^(8 − b), at most
2^(3b) of them. :class:`ColorPyramid` holds, for a :class:`~kmeans_lab.histogram.ColorHistogram`,
every level's cells with the exact weighted sums of their colours and their parents, and
the colours themselves as points centred on an *integer* offset: every point, pixel count
and weighted sum is then an exact integer in float64, so cluster sums do not depend on
how the colours are grouped (a cell's sum or its colours' sums one by one) or added up.

Its levels are a :class:`~kmeans_lab.cluster.filtering.CellTree` for the exact filtered
E step, and their cells (weighted by pixel count, at their mean colour) are the small
point sets the cascade of :mod:`kmeans_lab.cascade` runs its first Lloyd stages on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .cluster.filtering import CellTree, CubeLevel
from .histogram import ColorHistogram

__all__ = ["LEVEL_BITS", "ColorPyramid"]

#: Bits per channel of the pyramid's levels, coarse to fine.
LEVEL_BITS = (3, 4, 5, 6, 7)


@dataclass(frozen=True, eq=False)
class ColorPyramid:
    """The colours of a histogram as exact integer points, and their cells at 3…7 bits per channel.

    Attributes
    ----------
    offset : ndarray of shape (3,), float64
        Integer-valued: ``points + offset`` are the colours (the middle of each channel's range).
    points : ndarray of shape (m, 3), float64
        The histogram's colours minus ``offset`` (integers), in the histogram's order.
    weights : ndarray of shape (m,), float64
        Pixel counts.
    levels : dict of int to CubeLevel
        The cells of each level of :data:`LEVEL_BITS`, in these coordinates: cube centres
        and half sides that hold every colour a cell can contain, exact sums and weights,
        and the parent of each cell in the level one bit coarser.
    point_cell : ndarray of shape (m,), intp
        Each colour's cell in the finest level.
    variance : float
        Mean over the channels of the weighted variance of the colours, from exact
        integer moments: the scale of the stopping rule (``tol`` × variance).
    columns, weighted_columns : ndarray of shape (3, m), float64
        ``points.T`` and ``(weights * points).T``, C-contiguous.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import ColorHistogram
    >>> image = np.array([[[0, 0, 0], [1, 1, 1], [200, 0, 0]]], np.uint8)
    >>> pyramid = ColorPyramid.from_histogram(ColorHistogram.from_image(image))
    >>> [len(pyramid.levels[b]) for b in LEVEL_BITS]
    [2, 2, 2, 2, 2]
    >>> pyramid.levels[7].weights.tolist()  # (0, 0, 0) and (1, 1, 1) share a 7-bit cell
    [2.0, 1.0]
    """

    offset: np.ndarray
    points: np.ndarray
    weights: np.ndarray
    levels: dict[int, CubeLevel]
    point_cell: np.ndarray
    variance: float
    columns: np.ndarray = field(repr=False)
    weighted_columns: np.ndarray = field(repr=False)

    @classmethod
    def from_histogram(cls, histogram: ColorHistogram) -> ColorPyramid:
        """The pyramid of an RGB histogram.

        Parameters
        ----------
        histogram : ColorHistogram
            RGB (``(m, 3)`` colours), at most 2⁵³ / 255 pixels (so every sum is exact).

        Notes
        -----
        O(m) with small presence tables (2^(3b) entries per level, no sort).
        """
        if histogram.channels != 3:
            raise ValueError(f"a colour pyramid needs RGB colours, got {histogram.channels} channels")
        colors = histogram.colors
        weights = histogram.counts.astype(np.float64)
        channels = [np.ascontiguousarray(colors[:, j]) for j in range(3)]
        offset = np.array([float((int(ch.min()) + int(ch.max())) // 2) for ch in channels])
        columns = np.empty((3, len(colors)))
        for j, ch in enumerate(channels):
            np.subtract(ch, offset[j], out=columns[j], dtype=np.float64)
        weighted = columns * weights
        total = float(weights.sum())
        # Exact integer moments: Σ w·x and Σ w·x² per channel (each term, and sum, an integer < 2^53).
        first = weighted.sum(axis=1)
        second = np.einsum("ij,ij->i", weighted, columns)
        variance = float(np.mean(second / total - (first / total) ** 2))
        levels, point_cell = _levels(channels, offset, weights, weighted)
        points = np.ascontiguousarray(columns.T)
        return cls(offset, points, weights, levels, point_cell, variance, columns, weighted)

    def __len__(self) -> int:
        return len(self.weights)

    def __repr__(self) -> str:
        cells = ", ".join(f"{b}: {len(L)}" for b, L in self.levels.items())
        return f"ColorPyramid({len(self)} colours; cells by bits {{{cells}}})"

    def coarse_levels(self, k: int, min_cells_per_cluster: float, ratio: float = 4.0) -> list[int]:
        """The levels the cascade runs on for ``k`` clusters, coarse to fine.

        Walking from the finest level to coarser ones, a level is kept when it has at most
        ``1 / ratio`` of the points of the next finer stage kept (the colours themselves at
        first) — else it saves too little — and at least ``min_cells_per_cluster × k``
        cells — else it cannot place ``k`` centres well. If none qualifies, the level with
        the most cells among those with at most ``1 / ratio`` of the colours and at least
        ``2k`` cells; if none of those, no level (empty list).

        Parameters
        ----------
        k : int
        min_cells_per_cluster : float
        ratio : float, default 4

        Returns
        -------
        list of int
            Bits per channel of the levels, ascending.
        """
        chosen = []
        finer = len(self)
        for bits in sorted(self.levels, reverse=True):
            cells = len(self.levels[bits])
            if cells * ratio <= finer and cells >= min_cells_per_cluster * k:
                chosen.append(bits)
                finer = cells
        if not chosen:
            fallback = [b for b, L in self.levels.items() if len(L) * ratio <= len(self) and len(L) >= 2 * k]
            chosen = [max(fallback, key=lambda b: len(self.levels[b]))] if fallback else []
        return sorted(chosen)

    def cell_tree(self, k: int, top_cells_per_cluster: float = 4.0) -> CellTree:
        """The levels as a :class:`~kmeans_lab.cluster.filtering.CellTree` for filtering ``k`` centres.

        The tree starts at the coarsest level with at least ``top_cells_per_cluster × k``
        cells (its cells are tested against every centre; fewer would decide little) and
        goes down to the finest.
        """
        bits = sorted(self.levels)
        top = next((b for b in bits if len(self.levels[b]) >= top_cells_per_cluster * k), bits[-1])
        levels = tuple(self.levels[b] for b in bits if b >= top)
        return CellTree(self.points, self.weights, levels, self.point_cell, self.columns, self.weighted_columns)


def _levels(
    channels: list[np.ndarray], offset: np.ndarray, weights: np.ndarray, weighted: np.ndarray
) -> tuple[dict[int, CubeLevel], np.ndarray]:
    """Cells of every level of :data:`LEVEL_BITS` and each colour's finest cell.

    A cell's key packs its channels' top bits, ``(r << 2b) | (g << b) | bl``; the keys
    present in a level are found with a presence table, numbered in key order, and their
    sums counted by ``bincount``; a coarser level is made from the finer one's keys the same
    way.
    """
    finest = LEVEL_BITS[-1]
    shift = 8 - finest
    red, green, blue = ((ch >> shift).astype(np.int32) for ch in channels)
    color_key = (red << (2 * finest)) | (green << finest) | blue
    keys, point_cell = _number(color_key, finest)
    n = len(keys)
    sums = np.empty((n, 3))
    for j in range(3):
        sums[:, j] = np.bincount(point_cell, weights=weighted[j], minlength=n)
    cells = {finest: (keys, sums, np.bincount(point_cell, weights=weights, minlength=n))}
    parents = {}
    for bits in reversed(LEVEL_BITS[:-1]):
        keys, sums, cell_weights = cells[bits + 1]
        mask = (1 << (bits + 1)) - 1
        parent_key = (
            ((keys >> (2 * bits + 2)) & mask) >> 1 << (2 * bits)
            | ((keys >> (bits + 1)) & mask) >> 1 << bits
            | (keys & mask) >> 1
        )
        up_keys, parent = _number(parent_key, bits)
        parents[bits + 1] = parent
        n = len(up_keys)
        up_sums = np.empty((n, 3))
        for j in range(3):
            up_sums[:, j] = np.bincount(parent, weights=sums[:, j], minlength=n)
        cells[bits] = (up_keys, up_sums, np.bincount(parent, weights=cell_weights, minlength=n))
    levels = {}
    for bits in LEVEL_BITS:
        keys, sums, cell_weights = cells[bits]
        side = 1 << (8 - bits)
        mask = (1 << bits) - 1
        centers = np.empty((len(keys), 3))
        for j, at in enumerate((2 * bits, bits, 0)):
            # Colours lo … lo + side − 1 of a channel: centre lo + (side − 1) / 2, half side (side − 1) / 2.
            centers[:, j] = ((keys >> at) & mask) * side + (side - 1) / 2.0 - offset[j]
        levels[bits] = CubeLevel(centers, (side - 1) / 2.0, sums, cell_weights, parents.get(bits))
    return levels, point_cell


def _number(keys: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` (below 2^(3·bits)) in ascending order, and each key's index among them."""
    seen = np.zeros(1 << (3 * bits), dtype=bool)
    seen[keys] = True
    present = np.flatnonzero(seen).astype(np.int32)
    index = np.empty(1 << (3 * bits), dtype=np.int32)  # only entries at `present` are read
    index[present] = np.arange(len(present), dtype=np.int32)
    return present, np.take(index, keys).astype(np.intp)
