"""Quality and size metrics, as DESIGN.md defines them.

MSE is the mean over all pixels *and* channels of the squared difference on the [0, 1]
scale (8-bit values / 255) between the original and the image actually written.

For RGBA images (straight alpha) the error of a pixel is taken on its premultiplied values
``(R·A, G·A, B·A, A)`` (each on the [0, 1] scale): the squared differences of the three
premultiplied colour channels plus that of alpha, summed, and divided by 3 — the number of
colour channels — before the mean over pixels:

    MSE_RGBA = 1/(3N) · Σ_pixels [ Σ_{c∈RGB} (c·α − c'·α')² + (α − α')² ]

So a fully transparent pixel's colour does not matter (it is invisible), a colour's error
counts in proportion to its opacity, and an opaque RGBA image gives exactly the MSE of its
RGB version (dividing by 4 instead would make it 3/4 of that, and its PSNR 1.25 dB higher
for no difference in the pixels). It is the error k-means on premultiplied points
minimises (:func:`kmeans_lab.fit_palette`), at most 4/3 (opaque white against transparent).

Compression ratio is the bytes of the original as a 24-bit PNG (32-bit RGBA PNG for an
RGBA image; Pillow ``optimize=True``) over the bytes of the palette PNG actually written;
``reference="raw"`` divides H·W·C instead. SSIM and CIEDE2000 (RGB images only) come from
scikit-image, imported only when called.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image

from ._optional import require
from ._validation import check
from .color import rgb_to_lab
from .histogram import pack_colors, row_chunks, unpack_colors
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
    original, approximation : ndarray of shape (H, W, 3) or (H, W, 4), uint8

    Returns
    -------
    float
        mean((original/255 − approximation/255)²) over pixels and channels; for RGBA the
        premultiplied error of the module docstring (the same number for an opaque image).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((1, 2, 3), np.uint8); b = a.copy(); b[0, 0, 0] = 255
    >>> mse(a, b)  # one of six samples off by 1
    0.16666666666666666
    >>> mse(np.dstack([a, np.full((1, 2), 255, np.uint8)]), np.dstack([b, np.full((1, 2), 255, np.uint8)]))
    0.16666666666666666
    >>> mse(np.array([[[0, 0, 0, 0]]], np.uint8), np.array([[[255, 9, 9, 0]]], np.uint8))  # invisible
    0.0
    """
    a, b = _pair(original, approximation)
    return _mean_square(a, lambda top, rows: b[top : top + rows].astype(np.int64))


def palette_mse(original: np.ndarray, palette: np.ndarray, labels: np.ndarray) -> float:
    """:func:`mse` of ``palette[labels]`` against ``original``, without expanding the quantized image.

    Parameters
    ----------
    original : ndarray of shape (H, W, C), uint8, C = 3 or 4
    palette : ndarray of shape (K, C), uint8
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
    if colors.ndim != 2 or colors.shape[1] != a.shape[2]:
        raise ValueError(f"palette must have shape (K, {a.shape[2]}) for this image, got {colors.shape}")
    return _mean_square(a, lambda top, rows: colors[labels[top : top + rows]])


def _mean_square(a: np.ndarray, rows_of: Callable[[int, int], np.ndarray]) -> float:
    """Mean of (a − b)² / 255² over every sample, b given as int64 row blocks ``rows_of(top, rows)``.

    The integer sum of squares is exact whatever the blocks, with one division at the end;
    blocks keep the int64 temporaries to a few MiB whatever the image's size. RGBA is
    premultiplied in integers (``c·a``, alpha scaled by 255 to match) and divided by
    3·N·255⁴: the RGBA MSE of the module docstring.
    """
    total = 0
    rgba = a.shape[2] == 4
    for top, block in row_chunks(a, _MSE_CHUNK_PIXELS):
        x, y = block.astype(np.int64), rows_of(top, len(block))
        if rgba:
            colour = (x[..., :3] * x[..., 3:] - y[..., :3] * y[..., 3:]).reshape(-1)
            alpha = (x[..., 3] - y[..., 3]).reshape(-1) * 255
            total += int(colour @ colour) + int(alpha @ alpha)
        else:
            diff = (x - y).reshape(-1)
            total += int(diff @ diff)
    if rgba:
        return total / (3 * a.shape[0] * a.shape[1] * 255.0**4)
    return total / (a.size * 255.0**2)


def psnr_from_mse(value: float) -> float:
    """PSNR in dB for an MSE on the [0, 1] scale: 10·log10(1 / MSE); ``inf`` when MSE is 0."""
    return float("inf") if value == 0 else float(10.0 * np.log10(1.0 / value))


def psnr(original: np.ndarray, approximation: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (peak 1 on the [0, 1] scale): 10·log10(1 / MSE).

    Parameters
    ----------
    original, approximation : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        As in :func:`mse`.
    """
    return psnr_from_mse(mse(original, approximation))


def raw_bytes(image: np.ndarray) -> int:
    """Size of the uncompressed image: H·W·3 bytes (H·W·4 for RGBA)."""
    shape = np.asarray(image).shape
    return int(shape[0] * shape[1] * (shape[2] if len(shape) == 3 else 3))


def bits_per_pixel(image: np.ndarray, n_bytes: int) -> float:
    """Bits of a file of ``n_bytes`` per pixel of ``image``."""
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
    palette : ndarray of shape (K, 3) or (K, 4), uint8, 1 ≤ K ≤ 256
        RGBA gives a ``tRNS`` chunk, as the saved file has.
    labels : ndarray of shape (H, W), integer in ``[0, K)``
    """
    im, options = palette_png_encoder(palette, labels)
    return _encoded_size(im, **options)


def png24_bytes(image: np.ndarray) -> int:
    """Bytes of ``image`` saved as a 24-bit RGB PNG (32-bit RGBA for RGBA; Pillow ``optimize=True``), in memory.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    """
    image = check("image", image)
    return _encoded_size(Image.fromarray(image, "RGBA" if image.shape[2] == 4 else "RGB"), optimize=True)


def compression_ratio(image: np.ndarray, n_bytes: int, *, reference: str = "png") -> float:
    """How many times smaller ``n_bytes`` is than the original.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        The original.
    n_bytes : int
        Size of the compressed file, > 0.
    reference : {"png", "raw"}, default "png"
        The 24-bit (RGBA: 32-bit) PNG of ``image`` (:func:`png24_bytes`) or its raw size H·W·C.
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
    a, b = _pair(check("rgb_image", original, label="original"), approximation)
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

    Notes
    -----
    ΔE of a pixel depends only on its pair of colours, so it is computed once per distinct
    (original, approximation) pair and weighted by the pair's pixel count: the same mean,
    for a quantized photograph on about as many pairs as the original has colours (138,417
    instead of 4.35 million pixels for ``coffee-2560x1700.jpg``). The pairs are counted by
    sorting 48-bit keys in row blocks.
    """
    a, b = _pair(check("rgb_image", original, label="original"), approximation)
    color = require("skimage.color", "CIEDE2000")
    pairs, counts = _distinct_pairs(a, b)
    lab = rgb_to_lab(pairs)
    differences = color.deltaE_ciede2000(lab[:, 0], lab[:, 1])
    return float(counts @ differences / counts.sum())


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pixel colour pairs of two RGB images and their counts: ((m, 2, 3) uint8, (m,) float64)."""
    parts = []
    for top, block in row_chunks(a, _MSE_CHUNK_PIXELS * 16):
        keys = pack_colors(block).astype(np.uint64) << np.uint64(24) | pack_colors(b[top : top + len(block)])
        parts.append(np.unique(keys, return_counts=True))
    keys, group = np.unique(np.concatenate([k for k, _ in parts]), return_inverse=True)
    counts = np.bincount(group.reshape(-1), weights=np.concatenate([c for _, c in parts]), minlength=len(keys))
    pairs = np.concatenate(
        [unpack_colors((keys >> np.uint64(24)).astype(np.uint32)), unpack_colors((keys & 0xFFFFFF).astype(np.uint32))],
        axis=1,
    )
    return pairs.reshape(-1, 2, 3), counts
