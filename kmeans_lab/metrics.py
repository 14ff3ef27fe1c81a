"""Quality and size metrics, as DESIGN.md defines them.

MSE is the mean over all pixels *and* channels of the squared difference on the [0, 1]
scale (8-bit values / 255) between the original and the image actually written.
Compression ratio is the bytes of the original as a 24-bit PNG (Pillow ``optimize=True``)
over the bytes of the palette PNG actually written; ``reference="raw"`` divides H·W·3
instead. SSIM and CIEDE2000 come from scikit-image, imported only when called.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image

from ._optional import require
from ._validation import check
from .color import rgb_to_lab
from .histogram import row_chunks
from .image import palette_png_encoder

# Pixels per block of the MSE's int64 temporaries (24 bytes per pixel each).
_MSE_CHUNK_PIXELS = 1 << 18

__all__ = [
    "mse",
    "palette_mse",
    "psnr",
    "psnr_from_mse",
    "ssim",
    "delta_e",
    "raw_bytes",
    "bits_per_pixel",
    "palette_png_bytes",
    "png24_bytes",
    "compression_ratio",
]


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
    return _mean_square(a, lambda top, rows: b[top : top + rows].astype(np.int64))


def palette_mse(original: np.ndarray, palette: np.ndarray, labels: np.ndarray) -> float:
    """:func:`mse` of ``palette[labels]`` against ``original``, without expanding the quantized image.

    Parameters
    ----------
    original : ndarray of shape (H, W, 3), uint8
    palette : ndarray of shape (K, 3), uint8
    labels : ndarray of shape (H, W), integer in ``[0, K)``

    Returns
    -------
    float
        The same number as ``mse(original, palette[labels])``.
    """
    a = check("image", original)
    labels = np.asarray(labels)
    if labels.shape != a.shape[:2]:
        raise ValueError(f"labels must have the image's shape {a.shape[:2]}, got {labels.shape}")
    colors = np.asarray(palette, dtype=np.uint8).astype(np.int64)
    return _mean_square(a, lambda top, rows: colors[labels[top : top + rows]])


def _mean_square(a: np.ndarray, rows_of: Callable[[int, int], np.ndarray]) -> float:
    """Mean of (a − b)² / 255² over every sample, b given as int64 row blocks ``rows_of(top, rows)``.

    The integer sum of squares is exact whatever the blocks, with one division at the end;
    blocks keep the int64 temporaries to a few MiB whatever the image's size.
    """
    total = 0
    for top, block in row_chunks(a, _MSE_CHUNK_PIXELS):
        diff = (block.astype(np.int64) - rows_of(top, len(block))).reshape(-1)
        total += int(diff @ diff)
    return total / (a.size * 255.0**2)


def psnr_from_mse(value: float) -> float:
    """PSNR in dB for an MSE on the [0, 1] scale: 10·log10(1 / MSE); ``inf`` when MSE is 0."""
    return float("inf") if value == 0 else float(10.0 * np.log10(1.0 / value))


def psnr(original: np.ndarray, approximation: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (peak 1 on the [0, 1] scale)."""
    return psnr_from_mse(mse(original, approximation))


def raw_bytes(image: np.ndarray) -> int:
    """Size of the uncompressed 24-bit image: H·W·3 bytes."""
    h, w = np.asarray(image).shape[:2]
    return int(h * w * 3)


def bits_per_pixel(n_bytes: int, image: np.ndarray) -> float:
    """Bits of a file per image pixel."""
    h, w = np.asarray(image).shape[:2]
    return 8.0 * n_bytes / (h * w)


def _encoded_size(im, **options) -> int:
    buffer = io.BytesIO()
    im.save(buffer, format="PNG", **options)
    return buffer.tell()


def palette_png_bytes(palette: np.ndarray, labels: np.ndarray) -> int:
    """Bytes of the palette PNG that :func:`kmeans_lab.image.save_palette_png` would write.

    Encodes in memory with the same encoder and options (smallest bit depth for K,
    ``optimize=True``), so the number equals the size of the saved file.

    Parameters
    ----------
    palette : ndarray of shape (K, 3), uint8, 1 ≤ K ≤ 256
    labels : ndarray of shape (H, W), integer in ``[0, K)``
    """
    im, options = palette_png_encoder(palette, labels)
    return _encoded_size(im, **options)


def png24_bytes(image: np.ndarray) -> int:
    """Bytes of ``image`` saved as a 24-bit RGB PNG (Pillow ``optimize=True``), in memory.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    """
    image = check("image", image)
    return _encoded_size(Image.fromarray(image, "RGB"), optimize=True)


def compression_ratio(image: np.ndarray, n_bytes: int, *, reference: str = "png") -> float:
    """How many times smaller ``n_bytes`` is than the original.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
        The original.
    n_bytes : int
        Size of the compressed file, > 0.
    reference : {"png", "raw"}, default "png"
        The 24-bit PNG of ``image`` (:func:`png24_bytes`) or its raw size H·W·3.
    """
    if n_bytes <= 0:
        raise ValueError(f"n_bytes must be > 0, got {n_bytes}")
    if reference == "png":
        return png24_bytes(image) / n_bytes
    if reference == "raw":
        return raw_bytes(image) / n_bytes
    raise ValueError(f"reference must be 'png' or 'raw', got {reference!r}")


def ssim(original: np.ndarray, approximation: np.ndarray) -> float:
    """Structural similarity (scikit-image, colour channels averaged, data range 255).

    Parameters
    ----------
    original, approximation : ndarray of shape (H, W, 3), uint8

    Returns
    -------
    float
        1 for identical images, lower for less similar ones.
    """
    a, b = _pair(original, approximation)
    metrics = require("skimage.metrics", "SSIM")
    return float(metrics.structural_similarity(a, b, channel_axis=-1, data_range=255))


def delta_e(original: np.ndarray, approximation: np.ndarray) -> float:
    """Mean CIEDE2000 colour difference over pixels (scikit-image, D65 sRGB → CIELAB).

    Parameters
    ----------
    original, approximation : ndarray of shape (H, W, 3), uint8

    Returns
    -------
    float
        Mean ΔE₀₀; about 1 is the just-noticeable difference, 0 for identical images.
    """
    a, b = _pair(original, approximation)
    color = require("skimage.color", "CIEDE2000")
    return float(np.mean(color.deltaE_ciede2000(rgb_to_lab(a), rgb_to_lab(b))))
