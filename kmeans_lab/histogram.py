"""The distinct colours of an image, or of many, and how many pixels have each.

A photograph of millions of pixels typically holds a few hundred thousand distinct colours;
k-means on the distinct colours weighted by their counts is exactly the k-means of every
pixel (:mod:`kmeans_lab.quantization`), and the k-means of every pixel of a collection is the
weighted k-means of the summed histograms. :class:`ColorHistogram` is that summary: exact,
mergeable with ``+``, and small enough to ship between processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ._validation import check

__all__ = ["ColorHistogram", "distinct_colors", "pack_colors", "unpack_colors", "row_chunks"]

# Above this many pixels a 2^24-entry presence table (two linear passes) beats sorting.
_TABLE_MIN_PIXELS = 1 << 18
# Pixels per chunk when a large image is read in row blocks: bounds the working set (a few
# bytes per pixel of the chunk) whatever the image's size.
_CHUNK_PIXELS = 1 << 22
_KEY_SPACE = 1 << 24


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


def unpack_colors(keys: np.ndarray) -> np.ndarray:
    """Keys ``0xRRGGBB`` back to colours: (m,) uint32 → (m, 3) uint8 (inverse of :func:`pack_colors`)."""
    keys = np.asarray(keys, dtype=np.uint32)
    colors = np.empty((len(keys), 3), dtype=np.uint8)
    colors[:, 0] = keys >> 16
    colors[:, 1] = (keys >> 8) & 0xFF
    colors[:, 2] = keys & 0xFF
    return colors


def row_chunks(image: np.ndarray, max_pixels: int = _CHUNK_PIXELS) -> Iterator[tuple[int, np.ndarray]]:
    """Blocks of whole rows of ``image``, at most about ``max_pixels`` pixels each: ``(first row, block)``.

    Views, not copies: a pass over the blocks holds one block's temporaries at a time.
    """
    rows = max(1, max_pixels // max(image.shape[1], 1))
    for top in range(0, image.shape[0], rows):
        yield top, image[top : top + rows]


@dataclass(frozen=True, eq=False)
class ColorHistogram:
    """Distinct colours and their pixel counts.

    Attributes
    ----------
    colors : ndarray of shape (m, 3), uint8
        Distinct colours in lexicographic (R, G, B) order.
    counts : ndarray of shape (m,), int64
        Pixels of each colour, all ≥ 1.

    Notes
    -----
    ``h1 + h2`` is the histogram of the pixels of both (exact); ``sum(histograms)`` works.
    An image's histogram costs O(N + 2^24) (a presence table and a bincount, no sort) in
    row blocks of a few million pixels, so its working set is bounded whatever the image's
    size; pickled, a histogram is 11 bytes per distinct colour.

    Examples
    --------
    >>> import numpy as np
    >>> a = ColorHistogram.from_image(np.array([[[9, 9, 9], [0, 0, 0], [9, 9, 9]]], np.uint8))
    >>> a.colors.tolist(), a.counts.tolist(), a.n_pixels
    ([[0, 0, 0], [9, 9, 9]], [1, 2], 3)
    >>> b = ColorHistogram.from_image(np.array([[[5, 5, 5], [9, 9, 9]]], np.uint8))
    >>> (a + b).counts.tolist()
    [1, 1, 3]
    """

    colors: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_image(cls, image: np.ndarray) -> ColorHistogram:
        """The histogram of one ``(H, W, 3) uint8`` image."""
        image = check("image", image)
        return cls.from_keys_and_counts(*_count_keys(image))

    @classmethod
    def from_keys_and_counts(cls, keys: np.ndarray, counts: np.ndarray) -> ColorHistogram:
        """From sorted distinct keys ``0xRRGGBB`` (uint32) and their positive counts."""
        return cls(unpack_colors(keys), np.asarray(counts, dtype=np.int64))

    @property
    def keys(self) -> np.ndarray:
        """The colours as sorted keys ``0xRRGGBB``, ndarray of shape (m,), uint32."""
        return pack_colors(self.colors)

    @property
    def n_pixels(self) -> int:
        """Pixels counted."""
        return int(self.counts.sum())

    def __len__(self) -> int:
        return len(self.counts)

    def __add__(self, other: ColorHistogram) -> ColorHistogram:
        if not isinstance(other, ColorHistogram):
            return NotImplemented
        keys = np.concatenate([self.keys, other.keys])
        counts = np.concatenate([self.counts, other.counts])
        # Two sorted runs: a stable sort merges them in linear time.
        order = np.argsort(keys, kind="stable")
        keys, counts = keys[order], counts[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        return ColorHistogram.from_keys_and_counts(keys[starts], np.add.reduceat(counts, starts))

    def __radd__(self, other: object) -> ColorHistogram:
        # sum() starts from 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def __repr__(self) -> str:
        return f"ColorHistogram({len(self)} colours, {self.n_pixels} pixels)"


def _count_keys(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys of an image and their counts, in row blocks.

    Small images sort (``np.unique``, O(N log N)); large ones mark the keys present in a
    2^24-entry boolean table (16 MiB; cheaper than a 2^24 int64 histogram, which is
    128 MiB to zero and scan), number them through a lookup table written only where a
    colour is present, and count by a bincount over the m colour indices: two passes of
    O(N) over the blocks, no sort.
    """
    n_pixels = image.shape[0] * image.shape[1]
    if n_pixels < _TABLE_MIN_PIXELS:
        keys, counts = np.unique(pack_colors(image), return_counts=True)
        return keys.astype(np.uint32), counts
    seen = np.zeros(_KEY_SPACE, dtype=bool)
    for _, block in row_chunks(image):
        seen[pack_colors(block)] = True
    present = np.flatnonzero(seen).astype(np.uint32)
    del seen
    index = np.empty(_KEY_SPACE, dtype=np.int32)  # only entries at `present` are read
    index[present] = np.arange(len(present), dtype=np.int32)
    counts = np.zeros(len(present), dtype=np.int64)
    for _, block in row_chunks(image):
        counts += np.bincount(index[pack_colors(block)], minlength=len(present))
    return present, counts


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

    See Also
    --------
    ColorHistogram.from_image : the same without ``inverse`` (no per-pixel array), in bounded memory.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[[9, 9, 9], [0, 0, 0], [9, 9, 9]]], np.uint8)
    >>> colors, counts, inverse = distinct_colors(image)
    >>> colors.tolist(), counts.tolist(), inverse.tolist()
    ([[0, 0, 0], [9, 9, 9]], [1, 2], [1, 0, 1])
    """
    image = check("image", image)
    keys, counts = _count_keys(image)
    pixels = pack_colors(image)
    if len(pixels) < _TABLE_MIN_PIXELS:
        inverse = np.searchsorted(keys, pixels).astype(np.int32)
    else:
        index = np.empty(_KEY_SPACE, dtype=np.int32)  # a gather per pixel beats a binary search
        index[keys] = np.arange(len(keys), dtype=np.int32)
        inverse = index[pixels]
    return unpack_colors(keys), counts, inverse
