"""The colour pyramid: exact cell sums, parents, cubes, and the levels the cascade chooses."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import ColorHistogram, read_image
from kmeans_lab.lab.generated import high_colour_photograph
from kmeans_lab.lab.paths import data_path
from kmeans_lab.pyramid import LEVEL_BITS, ColorPyramid


@pytest.fixture(scope="module")
def photo() -> ColorPyramid:
    return ColorPyramid.from_histogram(ColorHistogram.from_image(read_image(data_path("chelsea.png"))))


@pytest.fixture(scope="module")
def high_colour() -> ColorPyramid:
    """The benchmark's 2560×1700 photograph: 878,715 colours (built once for the module)."""
    return ColorPyramid.from_histogram(ColorHistogram.from_image(high_colour_photograph()))


def test_points_are_the_colours_on_an_integer_offset(photo):
    histogram = ColorHistogram.from_image(read_image(data_path("chelsea.png")))
    assert (photo.offset == np.round(photo.offset)).all()
    np.testing.assert_array_equal(photo.points + photo.offset, histogram.colors)
    np.testing.assert_array_equal(photo.weights, histogram.counts)
    colors = histogram.colors.astype(np.float64)
    mean = photo.weights @ colors / photo.weights.sum()
    variance = (photo.weights @ (colors - mean) ** 2 / photo.weights.sum()).mean()
    assert photo.variance == pytest.approx(variance, rel=1e-12)


@pytest.mark.parametrize("bits", LEVEL_BITS)
def test_every_level_holds_the_exact_sums_of_its_colours(photo, bits):
    colors = (photo.points + photo.offset).astype(np.int64)
    top = colors >> (8 - bits)
    keys, cell = np.unique(top, axis=0, return_inverse=True)
    cell = cell.reshape(-1)
    level = photo.levels[bits]
    assert len(level) == len(keys)
    np.testing.assert_array_equal(level.weights, np.bincount(cell, weights=photo.weights))
    for j in range(3):
        np.testing.assert_array_equal(level.sums[:, j], np.bincount(cell, weights=photo.weights * photo.points[:, j]))
    # Every colour lies in its cell's cube; the cube is the cell's whole range of integer colours.
    assert (np.abs(photo.points - level.centers[cell]) <= level.half).all()
    side = 1 << (8 - bits)
    np.testing.assert_array_equal(level.centers + photo.offset - (side - 1) / 2, keys * side)


def test_parents_and_finest_cells(photo):
    colors = (photo.points + photo.offset).astype(np.int64)
    for bits in LEVEL_BITS[1:]:
        child, parent = photo.levels[bits], photo.levels[bits - 1]
        child_key = (child.centers + photo.offset).astype(np.int64) >> (8 - bits)
        parent_key = (parent.centers + photo.offset).astype(np.int64) >> (8 - bits + 1)
        np.testing.assert_array_equal(parent_key[child.parent], child_key >> 1)
        np.testing.assert_array_equal(np.bincount(child.parent, weights=child.weights), parent.weights)
    finest = photo.levels[LEVEL_BITS[-1]]
    finest_key = (finest.centers + photo.offset).astype(np.int64) >> 1
    np.testing.assert_array_equal(finest_key[photo.point_cell], colors >> 1)


def test_a_ten_colour_image_uses_no_level():
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, (10, 3), dtype=np.uint8)
    pyramid = ColorPyramid.from_histogram(ColorHistogram.from_image(palette[rng.integers(0, 10, (30, 30))]))
    for k in (1, 2, 3, 8):
        for cells in (20.0, 50.0):
            assert pyramid.coarse_levels(k, cells) == []


def test_the_high_colour_photograph_uses_the_documented_levels(high_colour):
    assert len(high_colour) == 878_715
    assert [len(high_colour.levels[b]) for b in LEVEL_BITS] == [213, 1194, 7452, 45863, 243671]
    assert high_colour.coarse_levels(16, 50.0) == [4, 5, 6]
    assert high_colour.coarse_levels(30, 50.0) == [5, 6]
    assert high_colour.coarse_levels(64, 50.0) == [5, 6]
    assert high_colour.coarse_levels(256, 20.0) == [5, 6]
    # The filter's top level: the coarsest with at least 4k cells.
    assert len(high_colour.cell_tree(16).levels) == 5  # 213 >= 64: from 3 bits
    assert len(high_colour.cell_tree(256).levels) == 4  # 1194 >= 1024: from 4 bits


def test_level_rule_on_a_made_up_pyramid(photo):
    """Each kept level has at most a quarter of the next finer stage and enough cells per cluster."""
    sizes = {b: len(photo.levels[b]) for b in LEVEL_BITS}
    for k in (2, 8, 32, 128):
        for cells in (20.0, 50.0):
            chosen = photo.coarse_levels(k, cells)
            finer = [len(photo)] + [sizes[b] for b in reversed(chosen)]
            for b, bigger in zip(reversed(chosen), finer):
                if chosen != [max(chosen)] or sizes[b] >= cells * k:
                    assert 4 * sizes[b] <= bigger and sizes[b] >= cells * k, (k, cells, chosen)
                else:  # the fallback: the largest level with <= 1/4 of the colours and >= 2k cells
                    ok = [c for c in LEVEL_BITS if 4 * sizes[c] <= len(photo) and sizes[c] >= 2 * k]
                    assert b == max(ok, key=sizes.get)


def test_rgba_histograms_are_refused():
    image = np.zeros((2, 2, 4), np.uint8)
    image[0, 0, 3] = 128
    with pytest.raises(ValueError, match="needs RGB colours, got 4 channels"):
        ColorPyramid.from_histogram(ColorHistogram.from_image(image))
