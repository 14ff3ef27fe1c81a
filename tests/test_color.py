"""Colour spaces: CIELAB through scikit-image, Oklab in NumPy against published values, premultiplied alpha."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab.color import (
    from_rgb,
    lab_to_rgb,
    linear_to_srgb,
    oklab_to_rgb,
    premultiply,
    rgb_to_lab,
    rgb_to_oklab,
    srgb_to_linear,
    to_rgb,
    unpremultiply,
    xyz_to_oklab,
)


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


# --------------------------------------------------------------------------- Oklab, NumPy only

# Björn Ottosson, "A perceptual color space for image processing" (2020): XYZ (D65) → Oklab.
OKLAB_REFERENCE = [
    ((0.950, 1.000, 1.089), (1.000, 0.000, 0.000)),
    ((1.000, 0.000, 0.000), (0.450, 1.236, -0.019)),
    ((0.000, 1.000, 0.000), (0.922, -0.671, 0.263)),
    ((0.000, 0.000, 1.000), (0.153, -1.415, -0.449)),
]


@pytest.mark.parametrize(("xyz", "lab"), OKLAB_REFERENCE)
def test_oklab_published_xyz_pairs(xyz, lab):
    np.testing.assert_allclose(xyz_to_oklab(np.array(xyz)), lab, atol=5e-4)  # published to 3 decimals


def test_oklab_of_srgb_white_black_and_red():
    ok = rgb_to_oklab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]]))
    np.testing.assert_allclose(ok[0], [1.0, 0.0, 0.0], atol=1e-7)
    np.testing.assert_allclose(ok[1], [0.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ok[2], [0.627955, 0.224863, 0.125846], atol=1e-6)


def test_oklab_from_rgb_agrees_with_the_xyz_route():
    """The direct linear-sRGB matrix is Ottosson's M1 · (sRGB → XYZ); they agree to the published digits."""
    from skimage.color import rgb2xyz

    colors = np.random.default_rng(1).integers(0, 256, size=(500, 3)).astype(np.float64)
    xyz = rgb2xyz(colors.reshape(-1, 1, 3) / 255.0).reshape(-1, 3)
    np.testing.assert_allclose(rgb_to_oklab(colors), xyz_to_oklab(xyz), atol=2e-4)


def test_oklab_round_trip_and_clipping():
    colors = np.random.default_rng(0).integers(0, 256, size=(2000, 3)).astype(np.float64)
    np.testing.assert_allclose(oklab_to_rgb(rgb_to_oklab(colors)), colors, atol=1e-3)
    outside = oklab_to_rgb(np.array([[0.5, 0.4, -0.4], [1.2, 0.0, 0.0]]))
    assert outside.min() >= 0 and outside.max() <= 255
    assert from_rgb(colors, "oklab").shape == colors.shape
    np.testing.assert_allclose(to_rgb(from_rgb(colors, "rgb"), "rgb"), colors)


def test_srgb_transfer_function_inverts():
    v = np.linspace(0, 1, 1001)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(v)), v, atol=1e-12)
    assert srgb_to_linear(np.array([0.5]))[0] == pytest.approx(0.214041, abs=1e-6)


def test_premultiply_and_back():
    rgba = np.random.default_rng(2).integers(0, 256, size=(300, 4)).astype(np.uint8)
    rgba[:10, 3] = 0
    points = premultiply(rgba)
    np.testing.assert_array_equal(points[:10], 0)
    back = unpremultiply(points)
    visible = rgba[:, 3] > 0
    np.testing.assert_allclose(back[visible], rgba[visible], atol=1e-9)
    np.testing.assert_array_equal(back[~visible], 0)
