"""distinct_colors: the image's colours, counts and inverse, as numpy.unique gives them."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import histogram
from kmeans_lab.histogram import distinct_colors, pack_colors


def test_pack_colors_orders_like_the_colours():
    rng = np.random.default_rng(0)
    colors = rng.integers(0, 256, size=(500, 3), dtype=np.uint8)
    keys = pack_colors(colors)
    assert keys.dtype == np.uint32
    np.testing.assert_array_equal(np.argsort(keys, kind="stable"), np.lexsort(colors.T[::-1]))
    np.testing.assert_array_equal(
        keys, colors[:, 0].astype(np.uint32) << 16 | colors[:, 1].astype(np.uint32) << 8 | colors[:, 2]
    )


def _unique_reference(image):
    colors, inverse, counts = np.unique(image.reshape(-1, 3), axis=0, return_inverse=True, return_counts=True)
    return colors, counts, inverse.reshape(-1)


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (600, 500)])  # the last takes the 2^24-table path
def test_distinct_colors_equals_unique(shape):
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, size=(3000, 3), dtype=np.uint8)
    image = palette[rng.integers(0, 3000, size=shape)]
    image[0, 0] = (255, 255, 255)
    colors, counts, inverse = distinct_colors(image)
    ref_colors, ref_counts, ref_inverse = _unique_reference(image)
    np.testing.assert_array_equal(colors, ref_colors)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(inverse, ref_inverse)
    assert colors.dtype == np.uint8 and counts.dtype == np.int64 and inverse.dtype == np.int32


@pytest.mark.parametrize("use_histogram", [False, True])
def test_distinct_colors_matches_numpy_unique(small_image, monkeypatch, use_histogram):
    monkeypatch.setattr(histogram, "_HISTOGRAM_MIN_PIXELS", 0 if use_histogram else 10**12)
    colors, counts, inverse = distinct_colors(small_image)
    flat = small_image.reshape(-1, 3)
    ref_colors, ref_inverse, ref_counts = np.unique(flat, axis=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(colors, ref_colors)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(inverse, ref_inverse.reshape(-1))
    np.testing.assert_array_equal(colors[inverse], flat)
