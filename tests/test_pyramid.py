"""The colour pyramid: exact cell sums on any integer grid, RGB cells by top bits, the levels the cascade runs on."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import ColorHistogram, read_image
from kmeans_lab.lab.generated import high_colour_photograph
from kmeans_lab.lab.paths import data_path
from kmeans_lab.lab.transparency import vignette
from kmeans_lab.pyramid import LEVEL_BITS, ColorPyramid
from kmeans_lab.spaces import encoder


def _pyramid(histogram: ColorHistogram, space: str = "rgb") -> tuple[ColorPyramid, np.ndarray, np.ndarray]:
    points = encoder(space, histogram.channels).encode(histogram.colors)
    weights = histogram.counts.astype(np.float64)
    return ColorPyramid.from_points(points, weights), points, weights


def _canonical(sums: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Cells as rows (sums, weight) in lexicographic order: the pyramid numbers its cells in its own order."""
    rows = np.column_stack([sums, weights])
    return rows[np.lexsort(rows.T[::-1])]


@pytest.fixture(scope="module")
def chelsea() -> ColorHistogram:
    return ColorHistogram.from_image(read_image(data_path("chelsea.png")))


@pytest.mark.parametrize("bits", [3, 4, 5, 6, 7])
def test_rgb_cells_share_the_top_bits_of_every_channel(chelsea, bits):
    """On the RGB cube (full range) a level's cells are the colours' top ``bits`` bits, with exact sums."""
    pyramid, points, weights = _pyramid(chelsea)
    assert np.ptp(chelsea.colors, axis=0).max() >= 128  # so the span rounds up to 256
    assert list(pyramid.levels) == [3, 4, 5, 6, 7]
    top = chelsea.colors.astype(np.int64) >> (8 - bits)
    keys, cell = np.unique(top, axis=0, return_inverse=True)
    cell = cell.reshape(-1)
    level = pyramid.levels[bits]
    assert len(level) == len(keys)
    sums = np.stack([np.bincount(cell, weights=weights * points[:, j]) for j in range(3)], axis=1)
    np.testing.assert_array_equal(_canonical(level.sums, level.weights), _canonical(sums, np.bincount(cell, weights)))


@pytest.mark.parametrize(("space", "rgba"), [("oklab", False), ("lab", False), ("rgb", True), ("oklab", True)])
def test_every_level_holds_the_exact_sums_of_cubes_of_one_side(chelsea, space, rgba):
    histogram = ColorHistogram.from_image(vignette(read_image(data_path("chelsea.png")))) if rgba else chelsea
    pyramid, points, weights = _pyramid(histogram, space)
    q = points.astype(np.int64)
    span = 1 << max(int(np.ceil(np.log2((q.max(axis=0) - q.min(axis=0)).max() + 1))), 8)
    assert list(pyramid.levels) == [b for b in LEVEL_BITS if b < np.log2(span)]
    for bits, level in pyramid.levels.items():
        side = span >> bits
        keys, cell = np.unique(np.floor_divide(q, side), axis=0, return_inverse=True)
        cell = cell.reshape(-1)
        assert len(level) == len(keys) and level.side == side
        np.testing.assert_array_equal(level.cells[np.lexsort(level.cells.T[::-1])], keys)
        sums = np.stack([np.bincount(cell, weights=weights * points[:, j]) for j in range(points.shape[1])], axis=1)
        # Exact integers: any grouping and order of addition gives the same sums.
        np.testing.assert_array_equal(
            _canonical(level.sums, level.weights), _canonical(sums, np.bincount(cell, weights))
        )
        np.testing.assert_array_equal(level.means, level.sums / level.weights[:, None])


def test_perceptual_spaces_get_finer_levels(chelsea):
    """Colours fill a thin slab of the Oklab grid: its levels go finer than RGB's to reach as many cells."""
    rgb, _, _ = _pyramid(chelsea)
    oklab, _, _ = _pyramid(chelsea, "oklab")
    assert max(oklab.levels) > max(rgb.levels)
    assert len(oklab.levels[max(oklab.levels)]) >= len(rgb.levels[6]) / 2


@pytest.mark.parametrize("space", ["rgb", "oklab"])
def test_the_cell_tree_holds_every_point_in_its_cubes(chelsea, space):
    """Cubes contain their points, parents contain their children, sums are those of the centred points."""
    pyramid, points, weights = _pyramid(chelsea, space)
    offset = np.rint(weights @ points / weights.sum())
    x = points - offset
    tree = pyramid.cell_tree(x, weights, offset, 8)
    finest = tree.levels[-1]
    assert (np.abs(x - finest.centers[tree.point_cell]) <= finest.half).all()
    sums = np.stack([np.bincount(tree.point_cell, weights=weights * x[:, j]) for j in range(3)], axis=1)
    np.testing.assert_array_equal(finest.sums, sums)
    for coarse, fine in zip(tree.levels, tree.levels[1:]):
        assert (np.abs(fine.centers - coarse.centers[fine.parent]) <= coarse.half - fine.half).all()
        np.testing.assert_array_equal(np.bincount(fine.parent, weights=fine.weights), coarse.weights)
    first = min(b for b, level in pyramid.levels.items() if len(level) >= 4 * 8)  # the top: >= 4k cells
    assert len(tree.levels) == len([b for b in pyramid.levels if b >= first])


def test_dense_point_sets():
    """The high-colour photograph holds about 3.6 colours per finest cube; chelsea (451×300) about 1.5."""
    high, _, _ = _pyramid(ColorHistogram.from_image(high_colour_photograph()))
    assert high.dense and high.n_points > 3 * len(high.levels[7])
    small, _, _ = _pyramid(ColorHistogram.from_image(read_image(data_path("chelsea.png"))))
    assert not small.dense


def test_a_ten_colour_image_uses_no_level():
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, (10, 3), dtype=np.uint8)
    pyramid, _, _ = _pyramid(ColorHistogram.from_image(palette[rng.integers(0, 10, (30, 30))]))
    for k in (1, 2, 3, 8):
        for cells in (20.0, 50.0):
            assert pyramid.coarse_levels(k, cells) == []


def test_the_high_colour_photograph_uses_the_documented_levels():
    pyramid, _, _ = _pyramid(ColorHistogram.from_image(high_colour_photograph()))
    assert pyramid.n_points == 878_715
    assert {b: len(level) for b, level in pyramid.levels.items()} == {3: 213, 4: 1194, 5: 7452, 6: 45863, 7: 243671}
    assert pyramid.coarse_levels(16, 50.0) == [4, 5, 6]
    assert pyramid.coarse_levels(64, 50.0) == [5, 6]
    assert pyramid.coarse_levels(256, 20.0) == [5, 6]


def test_level_rule(chelsea):
    """Each kept level has at most a quarter of the next finer stage and enough cells per cluster."""
    pyramid, _, _ = _pyramid(chelsea)
    sizes = {b: len(level) for b, level in pyramid.levels.items()}
    for k in (2, 8, 32, 128):
        for cells in (20.0, 50.0):
            chosen = pyramid.coarse_levels(k, cells)
            finer = [pyramid.n_points] + [sizes[b] for b in reversed(chosen)]
            for b, bigger in zip(reversed(chosen), finer):
                if chosen != [max(chosen)] or sizes[b] >= cells * k:
                    assert 4 * sizes[b] <= bigger and sizes[b] >= cells * k, (k, cells, chosen)
                else:  # the fallback: the largest level with <= 1/4 of the points and >= 2k cells
                    ok = [c for c in sizes if 4 * sizes[c] <= pyramid.n_points and sizes[c] >= 2 * k]
                    assert b == max(ok, key=sizes.get)
