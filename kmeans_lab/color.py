"""Colour spaces for clustering and for perceptual metrics.

sRGB ↔ CIELAB (D65) come from scikit-image (the ``report`` extra), imported only when
called. Used by :mod:`kmeans_lab.quantization` (clustering in CIELAB) and
:mod:`kmeans_lab.metrics` (CIEDE2000).
"""

from __future__ import annotations

import warnings

import numpy as np

from ._optional import require

__all__ = ["rgb_to_lab", "lab_to_rgb"]


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB values 0..255 to CIELAB L*a*b* (D65), float64.

    Parameters
    ----------
    rgb : ndarray of shape (..., 3), any real dtype, 0..255

    Returns
    -------
    ndarray of the same shape, float64
    """
    color = require("skimage.color", "CIELAB")
    rgb = np.asarray(rgb, dtype=np.float64) / 255.0
    return color.rgb2lab(rgb.reshape(-1, 1, 3)).reshape(rgb.shape)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (D65) to sRGB 0..255, float64, clipped to the gamut.

    Parameters
    ----------
    lab : ndarray of shape (..., 3)

    Returns
    -------
    ndarray of the same shape, float64 in [0, 255]
    """
    color = require("skimage.color", "CIELAB")
    lab = np.asarray(lab, dtype=np.float64)
    with warnings.catch_warnings():
        # A centre outside the sRGB gamut draws a "negative Z values" notice; it is clipped below.
        warnings.simplefilter("ignore", UserWarning)
        rgb = color.lab2rgb(lab.reshape(-1, 1, 3)).reshape(lab.shape)
    return np.clip(rgb, 0.0, 1.0) * 255.0
