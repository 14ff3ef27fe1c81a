"""Floyd–Steinberg dithering onto a k-means palette."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import quantize, read_image
from kmeans_lab.dither import floyd_steinberg
from kmeans_lab.histogram import distinct_colors
from kmeans_lab.lab.paths import data_path


@pytest.fixture(scope="module")
def medium() -> np.ndarray:
    return read_image(data_path("rocket.jpg"))[::4, ::4].copy()


@pytest.mark.parametrize("k", [1, 2, 7, 16, 64])
def test_dithering_uses_only_palette_colours(medium, k):
    plain = quantize(medium, k)
    dithered = quantize(medium, k, dither=True)
    np.testing.assert_array_equal(dithered.palette, plain.palette)
    assert dithered.labels.dtype == np.uint8 and dithered.labels.max() < k
    used = distinct_colors(dithered.image)[0]
    palette_keys = {tuple(c) for c in dithered.palette.tolist()}
    assert {tuple(c) for c in used.tolist()} <= palette_keys
    if k > 1:
        assert not np.array_equal(dithered.labels, plain.labels)


def test_floyd_steinberg_never_picks_padding():
    # A palette far from black: padding Pillow with black would attract dark pixels.
    image = np.zeros((16, 16, 3), np.uint8)
    palette = np.array([[200, 10, 10], [10, 200, 10]], np.uint8)
    labels = floyd_steinberg(image, palette)
    assert set(np.unique(labels).tolist()) <= {0, 1}
