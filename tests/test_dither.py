"""Dithering onto a k-means palette: Floyd–Steinberg (Pillow's) and ordered (Bayer 8x8)."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import ColorHistogram, apply_palette, fit_palette, quantize, read_image
from kmeans_lab.dither import bayer_matrix, floyd_steinberg, palette_spacing
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
    palette_keys = {tuple(c) for c in dithered.palette.colors.tolist()}
    assert {tuple(c) for c in used.tolist()} <= palette_keys
    if k > 1:
        assert not np.array_equal(dithered.labels, plain.labels)


def test_floyd_steinberg_never_picks_padding():
    # A palette far from black: padding Pillow with black would attract dark pixels.
    image = np.zeros((16, 16, 3), np.uint8)
    palette = np.array([[200, 10, 10], [10, 200, 10]], np.uint8)
    labels = floyd_steinberg(image, palette)
    assert set(np.unique(labels).tolist()) <= {0, 1}


# --------------------------------------------------------------------------- ordered (Bayer 8x8)


def test_bayer_matrix_holds_each_threshold_once():
    m = bayer_matrix(3)
    assert m.shape == (8, 8) and sorted(m.ravel().tolist()) == list(range(64))
    assert bayer_matrix(1).tolist() == [[0, 2], [3, 1]]


@pytest.mark.parametrize("k", [1, 2, 7, 16, 64])
def test_ordered_dithering_uses_only_palette_colours_and_is_deterministic(medium, k):
    plain = quantize(medium, k)
    dithered = quantize(medium, k, dither="ordered")
    np.testing.assert_array_equal(dithered.palette, plain.palette)
    assert dithered.dither == "ordered" and dithered.labels.max() < k
    used = {tuple(c) for c in distinct_colors(dithered.image)[0].tolist()}
    assert used <= {tuple(c) for c in dithered.palette.colors.tolist()}
    again = apply_palette(medium, fit_palette(ColorHistogram.from_image(medium), k), dither="ordered")
    np.testing.assert_array_equal(again.labels, dithered.labels)
    if k > 1:
        assert not np.array_equal(dithered.labels, plain.labels)


def test_ordered_dithering_is_the_same_in_tiles(medium):
    """Each pixel depends only on its colour and its position modulo 8: tiles aligned to 8 dither alike."""
    palette = fit_palette(ColorHistogram.from_image(medium), 12)
    whole = apply_palette(medium, palette, dither="ordered").labels
    tile = apply_palette(medium[16:64, 8:40], palette, dither="ordered").labels
    np.testing.assert_array_equal(tile, whole[16:64, 8:40])


def test_ordered_dithering_matches_a_direct_computation(medium, monkeypatch):
    """Offset by the Bayer threshold scaled to the spacing, then the nearest centre; row blocks change nothing."""
    from kmeans_lab import dither

    palette = fit_palette(ColorHistogram.from_image(medium), 6)
    labels = apply_palette(medium, palette, dither="ordered").labels
    spread = palette_spacing(palette.colors)
    h, w = medium.shape[:2]
    offsets = np.rint(spread * ((bayer_matrix(3) + 0.5) / 64 - 0.5))
    shift = offsets[np.arange(h)[:, None] % 8, np.arange(w)[None, :] % 8]
    shifted = np.clip(medium.astype(np.float64) + shift[..., None], 0, 255)
    d = ((shifted.reshape(-1, 1, 3) - palette.centroids[None]) ** 2).sum(-1)
    expected = d.argmin(axis=1).reshape(h, w)
    agree = (labels == expected).mean()
    assert agree > 0.999  # ties and the histogram colours' own clusters may differ in a handful of pixels
    monkeypatch.setattr(dither, "_ORDERED_CHUNK_PIXELS", 200)
    np.testing.assert_array_equal(apply_palette(medium, palette, dither="ordered").labels, labels)


def test_ordered_dithering_keeps_alpha():
    rng = np.random.default_rng(0)
    rgba = np.dstack([rng.integers(0, 256, (32, 40, 3)), np.full((32, 40), 255)]).astype(np.uint8)
    rgba[:8, :, 3] = 0
    rgba[8:16, :, 3] = 128
    q = quantize(rgba, 8, dither="ordered")
    out = q.image
    assert (out[:8, :, 3] == 0).all()  # fully transparent stays fully transparent
    assert (out[16:, :, 3] > 0).all()
    assert {tuple(c) for c in distinct_colors(out)[0].tolist()} <= {tuple(c) for c in q.palette.colors.tolist()}


def test_floyd_steinberg_refuses_alpha():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[:2, :, 3] = 255
    with pytest.raises(ValueError, match="use dither='ordered'"):
        quantize(rgba, 2, dither=True)
