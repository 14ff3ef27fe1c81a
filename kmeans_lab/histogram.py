"""The distinct colours of an image and how many pixels have each.

A photograph of millions of pixels typically holds a few hundred thousand distinct
colours; k-means on the distinct colours weighted by their counts is exactly the k-means of
every pixel (:mod:`kmeans_lab.quantization`).
"""

from __future__ import annotations

import numpy as np

from ._validation import check

__all__ = ["distinct_colors", "pack_colors"]

# Above this many pixels a 2^24-entry presence table (two linear passes) beats sorting.
_HISTOGRAM_MIN_PIXELS = 1 << 18


def pack_colors(colors: np.ndarray) -> np.ndarray:
    """Colours as 24-bit integer keys ``0xRRGGBB`` (their order is the lexicographic colour order).

    Parameters
    ----------
    colors : ndarray of shape (..., 3), uint8

    Returns
    -------
    ndarray of shape (prod(...),), uint32

    Notes
    -----
    The bytes B, G, R, 0 of each colour are laid out in an (n, 4) buffer and read as one
    little-endian uint32: three strided byte copies, no widening of whole channels.

    Examples
    --------
    >>> import numpy as np
    >>> hex(int(pack_colors(np.array([[0x12, 0x34, 0x56]], np.uint8))[0]))
    '0x123456'
    """
    flat = np.asarray(colors).reshape(-1, 3)
    buf = np.zeros((len(flat), 4), dtype=np.uint8)
    buf[:, 0] = flat[:, 2]
    buf[:, 1] = flat[:, 1]
    buf[:, 2] = flat[:, 0]
    # Read as little-endian whatever the machine; a no-op conversion on little-endian ones.
    return buf.view("<u4").reshape(-1).astype(np.uint32, copy=False)


def _unpack_colors(keys: np.ndarray) -> np.ndarray:
    """(m,) uint32 keys 0xRRGGBB -> (m, 3) uint8 colours."""
    colors = np.empty((len(keys), 3), dtype=np.uint8)
    colors[:, 0] = keys >> 16
    colors[:, 1] = (keys >> 8) & 0xFF
    colors[:, 2] = keys & 0xFF
    return colors


def distinct_colors(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct colours of an image, their pixel counts and each pixel's colour index.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8

    Returns
    -------
    colors : ndarray of shape (m, 3), uint8
        Distinct colours in lexicographic (R, G, B) order.
    counts : ndarray of shape (m,), int64
        Pixels of each colour.
    inverse : ndarray of shape (H*W,), int32
        ``colors[inverse]`` is the image in raster order.

    Notes
    -----
    Large images mark the keys present in a 2^24-entry boolean table (16 MiB; cheaper than
    a 2^24 int64 histogram, which is 128 MiB to zero and scan), number them through a lookup
    table written only where a colour is present, and count pixels by a bincount over the m
    colour indices — O(N + 2^24), no sort. Small images use ``np.unique`` (O(N log N)),
    cheaper than touching 2^24 entries.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[[9, 9, 9], [0, 0, 0], [9, 9, 9]]], np.uint8)
    >>> colors, counts, inverse = distinct_colors(image)
    >>> colors.tolist(), counts.tolist(), inverse.tolist()
    ([[0, 0, 0], [9, 9, 9]], [1, 2], [1, 0, 1])
    """
    keys = pack_colors(check("image", image))
    if keys.size >= _HISTOGRAM_MIN_PIXELS:
        seen = np.zeros(1 << 24, dtype=bool)
        seen[keys] = True
        present = np.flatnonzero(seen).astype(np.uint32)
        lookup = np.empty(1 << 24, dtype=np.int32)  # only entries at `present` are read
        lookup[present] = np.arange(len(present), dtype=np.int32)
        inverse = lookup[keys]
        counts = np.bincount(inverse, minlength=len(present))
    else:
        present, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        inverse = inverse.astype(np.int32).reshape(-1)
    return _unpack_colors(present), counts.astype(np.int64, copy=False), inverse
