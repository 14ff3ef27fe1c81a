"""The encoders: colours as integer points of every clustering space, distinct, exact to sum, and back."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab.color import premultiply, rgb_to_lab, rgb_to_oklab
from kmeans_lab.spaces import COLOR_SPACES, encoder

RNG = np.random.default_rng(0)
RGB = np.unique(RNG.integers(0, 256, (20000, 3), dtype=np.uint8), axis=0)
RGBA = np.unique(
    np.column_stack([RNG.integers(0, 256, (20000, 3)), RNG.integers(1, 256, 20000)]).astype(np.uint8), axis=0
)
NATURAL = {"rgb": lambda c: c.astype(np.float64), "oklab": rgb_to_oklab, "lab": rgb_to_lab}


@pytest.mark.parametrize("space", COLOR_SPACES)
@pytest.mark.parametrize("channels", [3, 4])
def test_points_are_integers_and_distinct_colours_stay_distinct(space, channels):
    colors = RGB if channels == 3 else RGBA
    points = encoder(space, channels).encode(colors)
    assert points.dtype == np.float64 and points.shape == colors.shape
    np.testing.assert_array_equal(points, np.rint(points))
    assert len(np.unique(points, axis=0)) == len(colors)
    # Every weighted sum stays exact in float64 for up to 2^29 pixels.
    assert np.abs(points).max() * 2**29 < 2**53


@pytest.mark.parametrize("space", COLOR_SPACES)
def test_the_grid_is_the_space_scaled(space):
    enc = encoder(space, 3)
    points = enc.encode(RGB)
    np.testing.assert_allclose(points * enc.unit, NATURAL[space](RGB), rtol=0, atol=enc.unit / 2 + 1e-12)


def test_premultiplied_srgb_is_premultiply_scaled():
    enc = encoder("rgb", 4)
    np.testing.assert_allclose(enc.encode(RGBA) * enc.unit, premultiply(RGBA), rtol=1e-15, atol=1e-12)


@pytest.mark.parametrize("space", COLOR_SPACES)
def test_premultiplied_points_scale_with_opacity(space):
    """A colour at opacity A is its opaque point times A/255, the fourth axis A/255 of the lightness range."""
    enc3, enc4 = encoder(space, 3), encoder(space, 4)
    opaque = np.column_stack([RGB, np.full(len(RGB), 255, np.uint8)])
    half = np.column_stack([RGB, np.full(len(RGB), 51, np.uint8)])
    np.testing.assert_array_equal(enc4.encode(opaque)[:, :3], enc3.encode(RGB) * 255)
    np.testing.assert_array_equal(enc4.encode(half)[:, :3] * 5, enc4.encode(opaque)[:, :3])
    lightness = {"rgb": 255.0, "oklab": 1.0, "lab": 100.0}[space]
    np.testing.assert_allclose(enc4.encode(half)[:, 3] * enc4.unit, lightness * 51 / 255)
    transparent = np.array([[9, 200, 31, 0], [0, 0, 0, 0]], np.uint8)
    np.testing.assert_array_equal(enc4.encode(transparent), 0.0)


@pytest.mark.parametrize("space", COLOR_SPACES)
@pytest.mark.parametrize("channels", [3, 4])
def test_decode_inverts_encode(space, channels):
    colors = RGB if channels == 3 else RGBA
    enc = encoder(space, channels)
    back = enc.decode(enc.encode(colors))
    assert back.shape == colors.shape and back.min() >= 0 and back.max() <= 255
    # The grid's rounding never changes an opaque colour's 8-bit value; divided back by a small alpha it
    # grows (premultiplied sRGB itself is exact).
    if channels == 3 or space == "rgb":
        np.testing.assert_array_equal(np.rint(back), colors)
    else:
        opaque_enough = colors[:, 3] > 128
        np.testing.assert_array_equal(np.rint(back[opaque_enough]), colors[opaque_enough])
        assert np.abs(back - colors).max() < 2.5


@pytest.mark.parametrize("space", COLOR_SPACES)
def test_decode_clips_and_maps_no_alpha_to_transparent(space):
    enc = encoder(space, 4)
    points = np.array([[5.0, 5.0, 5.0, 0.0], [1.0, 1.0, 1.0, -3.0], [1e9, -1e9, 0.0, 1e9]])
    out = enc.decode(points)
    np.testing.assert_array_equal(out[:2], 0.0)
    assert out.min() >= 0 and out.max() <= 255 and out[2, 3] == 255


@pytest.mark.parametrize(("space", "channels"), [("hsv", 3), ("rgb", 2), ("oklab", 5)])
def test_unknown_encoders_are_refused(space, channels):
    with pytest.raises(ValueError, match="no encoder for"):
        encoder(space, channels)
