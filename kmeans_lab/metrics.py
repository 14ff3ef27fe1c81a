"""Quality and size metrics, as DESIGN.md defines them.

MSE is the mean over all pixels *and* channels of the squared difference on the [0, 1]
scale (8-bit values / 255) between the original and the image actually written.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["mse", "psnr", "psnr_from_mse", "file_bytes", "raw_bytes", "bits_per_pixel"]


def _pair(original: np.ndarray, approximation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(original), np.asarray(approximation)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    if a.dtype != np.uint8 or b.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {a.dtype} and {b.dtype}")
    return a, b


def mse(original: np.ndarray, approximation: np.ndarray) -> float:
    """Mean squared error on the [0, 1] scale.

    Parameters
    ----------
    original, approximation : ndarray of shape (H, W, 3), uint8

    Returns
    -------
    float
        mean((original/255 − approximation/255)²) over pixels and channels.
    """
    a, b = _pair(original, approximation)
    diff = (a.astype(np.int64) - b.astype(np.int64)).ravel()
    # Integer sum of squares is exact; one division at the end.
    return float(diff @ diff) / (diff.size * 255.0**2)


def psnr_from_mse(value: float) -> float:
    """PSNR in dB for an MSE on the [0, 1] scale: 10·log10(1 / MSE); ``inf`` when MSE is 0."""
    return float("inf") if value == 0 else float(10.0 * np.log10(1.0 / value))


def psnr(original: np.ndarray, approximation: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (peak 1 on the [0, 1] scale)."""
    return psnr_from_mse(mse(original, approximation))


def file_bytes(path: str | os.PathLike) -> int:
    """Size of a file on disk in bytes."""
    return Path(path).stat().st_size


def raw_bytes(image: np.ndarray) -> int:
    """Size of the uncompressed 24-bit image: H·W·3 bytes."""
    h, w = np.asarray(image).shape[:2]
    return int(h * w * 3)


def bits_per_pixel(n_bytes: int, image: np.ndarray) -> float:
    """Bits of a file per image pixel."""
    h, w = np.asarray(image).shape[:2]
    return 8.0 * n_bytes / (h * w)
