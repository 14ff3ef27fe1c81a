"""Colour spaces: CIELAB through scikit-image."""

from __future__ import annotations

import numpy as np

from kmeans_lab.color import lab_to_rgb, rgb_to_lab


def test_lab_reference_values():
    # D65 white, black and sRGB red (CIE 1976 L*a*b* of (255, 0, 0) is about (53.24, 80.09, 67.20)).
    lab = rgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]]))
    np.testing.assert_allclose(lab[0], [100, 0, 0], atol=0.01)  # skimage's D65 white is off by 0.005
    np.testing.assert_allclose(lab[1], [0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(lab[2], [53.24, 80.09, 67.20], atol=0.01)


def test_lab_to_rgb_inverts_and_clips():
    colors = np.random.default_rng(0).integers(0, 256, size=(200, 3)).astype(np.float64)
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(colors)), colors, atol=1e-6)
    out_of_gamut = lab_to_rgb(np.array([[50.0, 200.0, -200.0]]))
    assert out_of_gamut.min() >= 0 and out_of_gamut.max() <= 255


def test_lab_round_trip_on_srgb_gamut():
    from skimage.color import lab2rgb, rgb2lab

    levels = np.linspace(0.0, 1.0, 18)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 1, 3)
    back = lab2rgb(rgb2lab(grid))
    assert np.abs(back - grid).max() < 1e-6
