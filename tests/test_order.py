"""Palette order for smaller PNG files (kmeans_lab.order)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from kmeans_lab import quantize, read_image
from kmeans_lab.image import palette_png_encoder
from kmeans_lab.lab.paths import data_path
from kmeans_lab.order import order_palette


@pytest.fixture(scope="module")
def quantized():
    return quantize(read_image(data_path("astronaut.png"))[::2, ::2].copy(), 64, color_space="oklab")


def test_the_image_is_unchanged_and_the_order_is_a_permutation(quantized):
    colors = quantized.palette.colors
    palette, labels = order_palette(colors, quantized.labels)
    np.testing.assert_array_equal(palette[labels], colors[quantized.labels])
    assert sorted(map(tuple, palette.tolist())) == sorted(map(tuple, colors.tolist()))
    assert labels.dtype == quantized.labels.dtype and labels.shape == quantized.labels.shape


def test_bands_in_a_row_get_consecutive_indices():
    """Stripes 0, 1, …, 9 of a shuffled palette: each stripe touches only the next, so the chain follows them."""
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, (10, 3), dtype=np.uint8)
    stripes = rng.permutation(10)
    labels = np.repeat(np.repeat(stripes, [3 + i for i in range(10)])[None], 5, axis=0)
    new_palette, new_labels = order_palette(palette, labels)
    steps = np.abs(np.diff(new_labels[0].astype(int)))
    assert set(steps.tolist()) <= {0, 1}


def test_entries_nobody_uses_go_last_and_alpha_is_kept():
    palette = np.array([[0, 0, 0, 0], [9, 9, 9, 255], [50, 50, 50, 128], [7, 7, 7, 255]], np.uint8)
    labels = np.array([[1, 1, 3, 3], [1, 1, 3, 3]], np.uint16)
    new_palette, new_labels = order_palette(palette, labels)
    np.testing.assert_array_equal(new_palette[new_labels], palette[labels])
    assert new_palette[:2].tolist() == [[9, 9, 9, 255], [7, 7, 7, 255]] and new_labels.dtype == np.uint16


def test_pillow_bytes_stay_and_oxipng_bytes_fall(quantized):
    """Deflate alone does not care about the order; oxipng's filtered encoding is about 15 % smaller here."""

    def size(palette, labels):
        im, options = palette_png_encoder(palette, labels)
        buf = io.BytesIO()
        im.save(buf, format="PNG", **options)
        return buf.getvalue()

    before, after = size(quantized.palette, quantized.labels), size(*order_palette(quantized.palette, quantized.labels))
    assert abs(len(after) - len(before)) < 0.005 * len(before)
    oxipng = pytest.importorskip("oxipng")
    assert len(oxipng.optimize_from_memory(after, level=2)) < 0.95 * len(oxipng.optimize_from_memory(before, level=2))


@pytest.mark.parametrize(
    ("palette", "labels", "match"),
    [
        (np.zeros((0, 3), np.uint8), np.zeros((2, 2), np.uint8), "palette must be a non-empty"),
        (np.zeros((2, 3), np.float64), np.zeros((2, 2), np.uint8), "palette must be"),
        (np.zeros((300, 3), np.uint8), np.zeros((2, 2), np.uint8), "at most 256"),
        (np.zeros((2, 3), np.uint8), np.zeros(4, np.uint8), "labels must be a non-empty"),
        (np.zeros((2, 3), np.uint8), np.full((2, 2), 0.5), "labels must be"),
        (np.zeros((2, 3), np.uint8), np.full((2, 2), 2), r"labels must lie in \[0, 2\)"),
    ],
)
def test_order_palette_rejects_bad_input(palette, labels, match):
    with pytest.raises(ValueError, match=match):
        order_palette(palette, labels)
