"""Mapping an image to a given palette with dithering: error diffusion or an ordered threshold.

:func:`floyd_steinberg` diffuses each pixel's error to its unvisited neighbours (Pillow's, RGB
only). :func:`ordered_dither` adds a fixed 8×8 Bayer threshold offset to every pixel and
takes the nearest palette colour: each pixel depends only on its own colour and position, so
the result is the same whatever the tiling, and a still area of an animation stays still.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from ._validation import check, check_palette_size
from .histogram import row_chunks

__all__ = ["floyd_steinberg", "ordered_dither", "bayer_matrix", "palette_spacing"]

# Pixels per block of ordered dithering: bounds its int16 temporaries (8 bytes per pixel).
_ORDERED_CHUNK_PIXELS = 1 << 20


def floyd_steinberg(image: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Palette indices of ``image`` by Floyd–Steinberg error diffusion (Pillow's).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    palette : ndarray of shape (K, 3), uint8, 1 ≤ K ≤ 256

    Returns
    -------
    ndarray of shape (H, W), uint8
        Indices into ``palette``.

    Notes
    -----
    Pillow's palette holds 256 entries; the unused ones are filled with copies of
    ``palette[0]`` (not black), so Pillow can never pick a colour outside ``palette``, and
    any pick of a copy is mapped back to index 0.

    Examples
    --------
    >>> import numpy as np
    >>> gray = np.full((4, 4, 3), 128, np.uint8)
    >>> labels = floyd_steinberg(gray, np.array([[0, 0, 0], [255, 255, 255]], np.uint8))
    >>> int(labels.sum())  # about half the pixels white
    8
    """
    palette = np.asarray(palette, dtype=np.uint8)
    k = len(palette)
    if k < 1:
        raise ValueError("dithering needs at least one palette colour")
    check_palette_size(k, "dithering maps to")
    padded = np.repeat(palette[:1], 256, axis=0)
    padded[:k] = palette
    target = Image.new("P", (1, 1))
    target.putpalette(padded.reshape(-1).tolist(), rawmode="RGB")
    source = Image.fromarray(check("image", image), "RGB")
    out = source.quantize(palette=target, dither=Image.Dither.FLOYDSTEINBERG)
    indices = np.asarray(out, dtype=np.uint8)
    lut = np.zeros(256, dtype=np.uint8)
    lut[:k] = np.arange(k, dtype=np.uint8)
    return lut[indices]


def bayer_matrix(order: int = 3) -> np.ndarray:
    """The ``2**order`` × ``2**order`` Bayer index matrix: each of 0 … 4**order − 1 once.

    Built by the recursion ``M(2n) = [[4M, 4M + 2], [4M + 3, 4M + 1]]``; neighbouring
    thresholds are as far apart as possible, so any flat area gets an even pattern.

    Returns
    -------
    ndarray of shape (2**order, 2**order), int64

    Examples
    --------
    >>> bayer_matrix(1).tolist()
    [[0, 2], [3, 1]]
    >>> int(bayer_matrix(3).max()), bayer_matrix(3).shape
    (63, (8, 8))
    """
    m = np.zeros((1, 1), dtype=np.int64)
    for _ in range(order):
        m = np.block([[4 * m, 4 * m + 2], [4 * m + 3, 4 * m + 1]])
    return m


def palette_spacing(palette: np.ndarray) -> float:
    """Typical distance between palette colours: the median over entries of the distance to the nearest other.

    Parameters
    ----------
    palette : ndarray of shape (K, 3) or (K, 4), uint8
        Only the colour channels (R, G, B) count.

    Returns
    -------
    float
        In 8-bit units; 0 for fewer than two distinct colours. For a uniform grid of step
        q it is q, the spread ordered dithering needs on that grid.

    Examples
    --------
    >>> import numpy as np
    >>> palette_spacing(np.array([[0, 0, 0], [0, 0, 32], [0, 32, 32]], np.uint8))
    32.0
    """
    rgb = np.unique(np.asarray(palette)[:, :3].astype(np.float64), axis=0)
    if len(rgb) < 2:
        return 0.0
    d2 = ((rgb[:, None, :] - rgb[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(d2, np.inf)
    return float(np.median(np.sqrt(d2.min(axis=1))))


def ordered_dither(
    image: np.ndarray,
    palette: np.ndarray,
    nearest: Callable[[np.ndarray], np.ndarray],
    *,
    spread: float | None = None,
) -> np.ndarray:
    """Palette indices of ``image`` by ordered (8×8 Bayer) dithering.

    Each pixel's colour channels are offset by ``spread · ((M[y % 8, x % 8] + 0.5) / 64 − 0.5)``
    (M the :func:`bayer_matrix`), rounded and clipped to 0..255, and the offset colour takes
    its nearest palette colour through ``nearest``. Alpha is never offset (fully
    transparent pixels stay fully transparent, opaque ones opaque).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    palette : ndarray of shape (K, 3) or (K, 4), uint8
        The palette ``nearest`` maps to; its :func:`palette_spacing` is the default spread.
    nearest : callable
        Maps an ``(h, W, C)`` uint8 block to its ``(h, W)`` palette indices — the package's
        lookup, :class:`kmeans_lab.quantization.ColorLookup` (nearest centre in the palette's
        colour space).
    spread : float, optional
        Peak-to-peak size of the offsets in 8-bit units; default the palette's spacing.

    Returns
    -------
    ndarray of shape (H, W)
        Indices into ``palette``, of the dtype ``nearest`` returns.

    Notes
    -----
    Runs in row blocks of about a million pixels (a few int16 temporaries each). The offset
    depends only on the pixel's position modulo 8, so the same image gives the same labels
    in one piece or in tiles aligned to 8 pixels, and a pixel that keeps its colour from one
    animation frame to the next keeps its palette entry. Cost O(N) plus one nearest-centre
    search per new offset colour (at most 64 per distinct colour).

    Examples
    --------
    >>> import numpy as np
    >>> gray = np.full((8, 8, 3), 128, np.uint8)
    >>> palette = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    >>> nearest = lambda block: (block[..., 0] >= 128).astype(np.uint8)
    >>> int(ordered_dither(gray, palette, nearest).sum())  # half the pixels white
    32
    """
    image = check("image", image)
    palette = np.asarray(palette)
    spread = palette_spacing(palette) if spread is None else float(spread)
    size = 8
    offsets = np.rint(spread * ((bayer_matrix(3) + 0.5) / (size * size) - 0.5)).astype(np.int16)
    height, width = image.shape[:2]
    tile = np.tile(offsets, (1, -(-width // size)))[:, :width]  # (8, W): one period of rows
    labels = None
    rows = max(size, _ORDERED_CHUNK_PIXELS // max(width, 1) // size * size)  # whole periods per block
    for top, block in row_chunks(image, rows * width):
        shift = tile[(top + np.arange(len(block))) % size][:, :, None]
        shifted = block.copy()
        shifted[..., :3] = np.clip(block[..., :3].astype(np.int16) + shift, 0, 255)
        found = nearest(shifted)
        if labels is None:
            labels = np.empty((height, width), dtype=found.dtype)
        labels[top : top + len(block)] = found
    return labels
