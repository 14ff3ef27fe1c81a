"""The histogram kernels: counting by sorting in row blocks; mapping an image back to its histogram's labels."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import histogram
from kmeans_lab.histogram import ColorHistogram, distinct_colors, label_pixels


def _image(channels: int, rng: np.random.Generator) -> np.ndarray:
    palette = rng.integers(0, 256, size=(500, channels), dtype=np.uint8)
    if channels == 4:
        palette[:100, 3] = 255  # opaque colours
        palette[100:150, 3] = 0  # fully transparent ones, whatever their colour
    return palette[rng.integers(0, 500, size=(61, 47))]


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("chunk", [10**9, 200])
def test_counts_by_sorting_equal_unique_in_one_block_or_many(monkeypatch, channels, chunk):
    monkeypatch.setattr(histogram, "_CHUNK_PIXELS", chunk)
    image = _image(channels, np.random.default_rng(channels))
    keys, counts = histogram._count_keys(image)
    ref_keys, ref_counts = np.unique(histogram.pack_colors(image), return_counts=True)
    np.testing.assert_array_equal(keys, ref_keys)
    np.testing.assert_array_equal(counts, ref_counts)
    assert keys.dtype == np.uint32 and counts.dtype == np.int64


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("chunk", [10**9, 200])
def test_label_pixels_is_the_labels_of_each_pixels_colour(monkeypatch, channels, chunk):
    monkeypatch.setattr(histogram, "_CHUNK_PIXELS", chunk)
    image = _image(channels, np.random.default_rng(10 + channels))
    h = ColorHistogram.from_image(image)
    labels = np.random.default_rng(0).integers(0, 300, len(h))
    _, _, inverse = distinct_colors(image)
    out = label_pixels(image, h.keys, labels, dtype=np.uint16)
    assert out.shape == image.shape[:2] and out.dtype == np.uint16
    np.testing.assert_array_equal(out.reshape(-1), labels[inverse])


def test_label_pixels_of_an_opaque_rgba_image_and_a_transparent_one():
    rgb = _image(3, np.random.default_rng(5))
    opaque = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    transparent = np.zeros_like(opaque)
    for image in (opaque, transparent):
        h = ColorHistogram.from_image(image)
        labels = np.arange(len(h)) % 256
        _, _, inverse = distinct_colors(image)
        np.testing.assert_array_equal(label_pixels(image, h.keys, labels).reshape(-1), labels[inverse])
