"""Colour spaces for clustering and for perceptual metrics, and premultiplied alpha.

Both perceptual spaces are written here in NumPy: sRGB ↔ CIELAB (D65, 2° observer, with
scikit-image's constants, so the values agree with its ``rgb2lab`` to rounding) and sRGB ↔
Oklab (Björn Ottosson, "A perceptual color space for image processing", 2020). Each is the
sRGB transfer function (a 256-entry table for 8-bit input), a 3×3 matrix, a cube root
and a second linear map. :func:`from_rgb` / :func:`to_rgb` convert by
the name :func:`kmeans_lab.fit_palette` takes (``"rgb"``, ``"lab"``, ``"oklab"``).
:func:`premultiply` gives the points RGBA images are clustered as. Used by
:mod:`kmeans_lab.quantization` and :mod:`kmeans_lab.metrics` (CIEDE2000).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "rgb_to_lab",
    "lab_to_rgb",
    "srgb_to_linear",
    "linear_to_srgb",
    "rgb_to_oklab",
    "oklab_to_rgb",
    "xyz_to_oklab",
    "from_rgb",
    "to_rgb",
    "premultiply",
    "unpremultiply",
]

# Ottosson's matrices (float64 as published). Linear sRGB → LMS is M1 · (sRGB → XYZ, D65),
# computed by him to the digits below; XYZ → LMS is M1 itself.
_LINEAR_SRGB_TO_LMS = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_XYZ_TO_LMS = np.array(
    [
        [0.8189330101, 0.3618667424, -0.1288597137],
        [0.0329845436, 0.9293118715, 0.0361456387],
        [0.0482003018, 0.2643662691, 0.6338517070],
    ]
)
_LMS_TO_OKLAB = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
_OKLAB_TO_LMS = np.array(
    [
        [1.0, 0.3963377774, 0.2158037573],
        [1.0, -0.1055613458, -0.0638541728],
        [1.0, -0.0894841775, -1.2914855480],
    ]
)
# scikit-image's linear sRGB → XYZ matrix and D65 (2°) white point (skimage.color.colorconv).
_LINEAR_SRGB_TO_XYZ = np.array(
    [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ]
)
_XYZ_TO_LINEAR_SRGB = np.linalg.inv(_LINEAR_SRGB_TO_XYZ)
_D65_WHITE = np.array([0.95047, 1.0, 1.08883])
# CIELAB's f(t): a cube root above (6/29)³, a line below (the constants of CIE 15 as scikit-image writes them).
_LAB_EPSILON = 0.008856
_LAB_SLOPE = 7.787
_LMS_TO_LINEAR_SRGB = np.array(
    [
        [4.0767416621, -3.3077115913, 0.2309699292],
        [-1.2684380046, 2.6097574011, -0.3413193965],
        [-0.0041960863, -0.7034186147, 1.7076147010],
    ]
)


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    """The sRGB transfer function undone (IEC 61966-2-1): encoded values in [0, 1] → linear light.

    Parameters
    ----------
    values : ndarray of any shape, real, in [0, 1]

    Returns
    -------
    ndarray of the same shape, float64

    Examples
    --------
    >>> import numpy as np
    >>> srgb_to_linear(np.array([0.0, 0.04045, 0.5, 1.0])).round(6).tolist()
    [0.0, 0.003131, 0.214041, 1.0]
    """
    v = np.asarray(values, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((np.maximum(v, 0.04045) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values: np.ndarray) -> np.ndarray:
    """The sRGB transfer function: linear light in [0, 1] (clipped) → encoded values in [0, 1].

    Parameters
    ----------
    values : ndarray of any shape, real

    Returns
    -------
    ndarray of the same shape, float64 in [0, 1]
    """
    v = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.maximum(v, 0.0031308) ** (1 / 2.4) - 0.055)


# The transfer function of each 8-bit value (integer input must lie in 0..255).
_LINEAR_OF_BYTE = srgb_to_linear(np.arange(256) / 255.0)


def _times(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``points @ matrix.T`` for (..., 3) points and a 3×3 matrix.

    ``einsum`` rather than ``@``: BLAS's matrix product of an (n, 3) array by a 3×3 matrix was
    measured 16 times slower (threads for an inner dimension of 3).
    """
    return np.einsum("...j,ij->...i", points, matrix)


def _linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 → linear light, float64: a table lookup for 8-bit integers."""
    rgb = np.asarray(rgb)
    if rgb.dtype.kind in "ui":  # 8-bit values: the transfer function by table lookup
        return _LINEAR_OF_BYTE[rgb]
    return srgb_to_linear(rgb.astype(np.float64) / 255.0)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB values 0..255 to CIELAB L*a*b* (D65, 2° observer), float64; NumPy only.

    Parameters
    ----------
    rgb : ndarray of shape (..., 3), any real dtype, 0..255

    Returns
    -------
    ndarray of the same shape, float64

    Notes
    -----
    scikit-image's ``rgb2lab`` step for step (its matrix, white point and piecewise cube
    root), with a table for the transfer function of 8-bit input: the values agree with
    it to float64 rounding.

    Examples
    --------
    >>> import numpy as np
    >>> rgb_to_lab(np.array([[255, 0, 0]])).round(2).tolist()
    [[53.24, 80.09, 67.2]]
    """
    xyz = _times(_linear(rgb), _LINEAR_SRGB_TO_XYZ) / _D65_WHITE
    f = np.where(xyz > _LAB_EPSILON, np.cbrt(xyz), _LAB_SLOPE * xyz + 16.0 / 116.0)
    out = np.empty_like(f)
    out[..., 0] = 116.0 * f[..., 1] - 16.0
    out[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    out[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return out


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (D65) to sRGB 0..255, float64, clipped to the gamut (inverse of :func:`rgb_to_lab`).

    Parameters
    ----------
    lab : ndarray of shape (..., 3)

    Returns
    -------
    ndarray of the same shape, float64 in [0, 255]
    """
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([lab[..., 1] / 500.0 + fy, fy, np.maximum(fy - lab[..., 2] / 200.0, 0.0)], axis=-1)
    xyz = np.where(f > 0.2068966, f**3, (f - 16.0 / 116.0) / _LAB_SLOPE) * _D65_WHITE
    return linear_to_srgb(_times(xyz, _XYZ_TO_LINEAR_SRGB)) * 255.0


def _lms_to_oklab(lms: np.ndarray) -> np.ndarray:
    return _times(np.cbrt(lms), _LMS_TO_OKLAB)


def rgb_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """sRGB values 0..255 to Oklab (L in [0, 1], a and b about ±0.3), float64; NumPy only.

    Parameters
    ----------
    rgb : ndarray of shape (..., 3), any real dtype, 0..255

    Returns
    -------
    ndarray of the same shape, float64

    Notes
    -----
    Linearise (sRGB transfer function; a 256-entry table for integer input), multiply by
    Ottosson's linear-sRGB → LMS matrix, take the cube root, multiply by his LMS → Lab
    matrix: O(n) with two 3×3 matrix products.

    Examples
    --------
    >>> import numpy as np
    >>> rgb_to_oklab(np.array([[255, 255, 255], [255, 0, 0]])).round(6).tolist()
    [[1.0, 0.0, 0.0], [0.627955, 0.224863, 0.125846]]
    """
    return _lms_to_oklab(_times(_linear(rgb), _LINEAR_SRGB_TO_LMS))


def xyz_to_oklab(xyz: np.ndarray) -> np.ndarray:
    """CIE XYZ (D65, Y = 1 for white) to Oklab, float64: the definition the published reference pairs use.

    Parameters
    ----------
    xyz : ndarray of shape (..., 3)

    Returns
    -------
    ndarray of the same shape, float64
    """
    return _lms_to_oklab(_times(np.asarray(xyz, dtype=np.float64), _XYZ_TO_LMS))


def oklab_to_rgb(oklab: np.ndarray) -> np.ndarray:
    """Oklab to sRGB 0..255, float64, clipped to the gamut (inverse of :func:`rgb_to_oklab`).

    Parameters
    ----------
    oklab : ndarray of shape (..., 3)

    Returns
    -------
    ndarray of the same shape, float64 in [0, 255]
    """
    lms = _times(np.asarray(oklab, dtype=np.float64), _OKLAB_TO_LMS) ** 3
    return linear_to_srgb(_times(lms, _LMS_TO_LINEAR_SRGB)) * 255.0


def _identity(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb, dtype=np.float64)


def _clip_rgb(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 255.0)


# name → (from sRGB 0..255, back to sRGB 0..255 clipped)
_SPACES = {
    "rgb": (_identity, _clip_rgb),
    "lab": (rgb_to_lab, lab_to_rgb),
    "oklab": (rgb_to_oklab, oklab_to_rgb),
}


def from_rgb(rgb: np.ndarray, space: str) -> np.ndarray:
    """sRGB values 0..255, shape (..., 3), as float64 coordinates of ``space`` ("rgb", "lab" or "oklab")."""
    return _SPACES[space][0](rgb)


def to_rgb(points: np.ndarray, space: str) -> np.ndarray:
    """Coordinates of ``space``, shape (..., 3), back to sRGB 0..255 (float64, clipped to the gamut)."""
    return _SPACES[space][1](points)


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA 0..255 to premultiplied points ``(R·A/255, G·A/255, B·A/255, A)``, float64.

    The space RGBA images are clustered in: every fully transparent pixel is the one point
    ``(0, 0, 0, 0)`` whatever its colour, and a colour matters in proportion to its opacity.
    Distinct straight colours with ``A > 0`` stay distinct points (``c·a`` is exact).

    Parameters
    ----------
    rgba : ndarray of shape (..., 4), 0..255

    Returns
    -------
    ndarray of the same shape, float64 in [0, 255]

    Examples
    --------
    >>> import numpy as np
    >>> premultiply(np.array([[255, 0, 51, 51], [9, 9, 9, 0]])).tolist()
    [[51.0, 0.0, 10.2, 51.0], [0.0, 0.0, 0.0, 0.0]]
    """
    rgba = np.asarray(rgba, dtype=np.float64)
    out = rgba.copy()
    out[..., :3] *= rgba[..., 3:]  # c·a is an exact integer; one rounding in the division
    out[..., :3] /= 255.0
    return out


def unpremultiply(points: np.ndarray) -> np.ndarray:
    """Premultiplied points back to straight RGBA 0..255, float64, clipped (inverse of :func:`premultiply`).

    A point with alpha at or below 0 becomes ``(0, 0, 0, 0)``.

    Parameters
    ----------
    points : ndarray of shape (..., 4)

    Returns
    -------
    ndarray of the same shape, float64 in [0, 255]
    """
    points = np.asarray(points, dtype=np.float64)
    alpha = np.clip(points[..., 3:], 0.0, 255.0)
    scale = np.divide(255.0, alpha, out=np.zeros_like(alpha), where=alpha > 0)
    out = np.empty_like(points)
    out[..., :3] = np.clip(points[..., :3] * scale, 0.0, 255.0)
    out[..., 3:] = alpha
    return out
