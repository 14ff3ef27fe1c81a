"""The distinct colours of an image, or of many, and how many pixels have each.

A photograph of millions of pixels typically holds a few hundred thousand distinct colours;
k-means on the distinct colours weighted by their counts is exactly the k-means of every
pixel (:mod:`kmeans_lab.quantization`), and the k-means of every pixel of a collection is the
weighted k-means of the summed histograms. :class:`ColorHistogram` is that summary: exact,
mergeable with ``+``, and small enough to ship between processes.

Colours are counted by sorting their 32-bit keys (``0xRRGGBB``, or ``0xAARRGGBB`` for RGBA
images with straight alpha, every fully transparent pixel counted as ``(0, 0, 0, 0)``) in
row blocks. :func:`label_pixels` maps an image back through its own histogram's labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ._validation import check

__all__ = [
    "BLOCK_PIXELS",
    "ColorHistogram",
    "count_keys",
    "distinct_colors",
    "label_pixels",
    "pack_colors",
    "unpack_colors",
    "row_chunks",
    "OPAQUE_KEY_MIN",
    "RGB_KEY_MASK",
]

#: Pixels per row block when an image is counted or mapped: bounds the working set (a few
#: bytes per pixel of the block) whatever the image's size.
BLOCK_PIXELS = 1 << 22
_KEY_SPACE = 1 << 24
#: RGBA keys ``0xAARRGGBB`` at or above this are opaque (their low 24 bits are the RGB key).
OPAQUE_KEY_MIN = np.uint32(0xFF000000)
#: The RGB part of a key; an RGBA key at or below it is fully transparent (packed as 0).
RGB_KEY_MASK = np.uint32(0xFFFFFF)


def pack_colors(colors: np.ndarray) -> np.ndarray:
    """Colours as integer keys: ``0xRRGGBB`` for RGB, ``0xAARRGGBB`` for RGBA.

    For RGB the order of the keys is the lexicographic colour order; an RGBA key sorts by
    alpha first, so the opaque colours come last, in RGB order, each its RGB key plus
    ``0xFF000000``. Every fully transparent colour ``(r, g, b, 0)`` packs to 0, the key of
    ``(0, 0, 0, 0)``: all of them look alike, and are counted as one.

    Parameters
    ----------
    colors : ndarray of shape (..., 3) or (..., 4), uint8

    Returns
    -------
    ndarray of shape (prod(...),), uint32

    Notes
    -----
    The bytes B, G, R, A (0 for RGB) of each colour are laid out in an (n, 4) buffer and
    read as one little-endian uint32: strided byte copies, no widening of whole channels.

    Examples
    --------
    >>> import numpy as np
    >>> hex(int(pack_colors(np.array([[0x12, 0x34, 0x56]], np.uint8))[0]))
    '0x123456'
    >>> [hex(int(k)) for k in pack_colors(np.array([[0x12, 0x34, 0x56, 0xFF], [9, 9, 9, 0]], np.uint8))]
    ['0xff123456', '0x0']
    """
    colors = np.asarray(colors)
    channels = colors.shape[-1]
    flat = colors.reshape(-1, channels)
    buf = np.zeros((len(flat), 4), dtype=np.uint8)
    buf[:, 0] = flat[:, 2]
    buf[:, 1] = flat[:, 1]
    buf[:, 2] = flat[:, 0]
    if channels == 4:
        buf[:, 3] = flat[:, 3]
    # Read as little-endian whatever the machine; a no-op conversion on little-endian ones.
    keys = buf.view("<u4").reshape(-1).astype(np.uint32, copy=False)
    if channels == 4:
        keys[keys <= RGB_KEY_MASK] = 0  # alpha 0: one transparent colour
    return keys


def unpack_colors(keys: np.ndarray, channels: int = 3) -> np.ndarray:
    """Keys back to colours: (m,) uint32 → (m, channels) uint8 (inverse of :func:`pack_colors`).

    Parameters
    ----------
    keys : ndarray of shape (m,), uint32
        ``0xRRGGBB`` (``channels=3``) or ``0xAARRGGBB`` (``channels=4``).
    channels : {3, 4}, default 3
    """
    keys = np.asarray(keys, dtype=np.uint32)
    colors = np.empty((len(keys), channels), dtype=np.uint8)
    colors[:, 0] = (keys >> 16) & 0xFF
    colors[:, 1] = (keys >> 8) & 0xFF
    colors[:, 2] = keys & 0xFF
    if channels == 4:
        colors[:, 3] = keys >> 24
    return colors


def row_chunks(image: np.ndarray, max_pixels: int = BLOCK_PIXELS) -> Iterator[tuple[int, np.ndarray]]:
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
    colors : ndarray of shape (m, 3) or (m, 4), uint8
        Distinct colours in the order of their keys (:func:`pack_colors`): lexicographic
        (R, G, B) order; for RGBA (straight alpha) by alpha first, fully transparent pixels
        counted as the one colour ``(0, 0, 0, 0)``, which then comes first.
    counts : ndarray of shape (m,), int64
        Pixels of each colour, all ≥ 1.

    Notes
    -----
    ``h1 + h2`` is the histogram of the pixels of both (exact); ``sum(histograms)`` works;
    an RGB histogram added to an RGBA one counts its colours as opaque.
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
        """The histogram of one ``(H, W, 3)`` or ``(H, W, 4)`` uint8 image."""
        image = check("image", image)
        return cls.from_keys_and_counts(*count_keys(image), image.shape[2])

    @classmethod
    def from_keys_and_counts(cls, keys: np.ndarray, counts: np.ndarray, channels: int = 3) -> ColorHistogram:
        """From sorted distinct keys (uint32, :func:`pack_colors`) and their positive counts."""
        return cls(unpack_colors(keys, channels), np.asarray(counts, dtype=np.int64))

    @property
    def channels(self) -> int:
        """3 for RGB colours, 4 for RGBA."""
        return self.colors.shape[1]

    @property
    def keys(self) -> np.ndarray:
        """The colours as sorted keys (:func:`pack_colors`), ndarray of shape (m,), uint32."""
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
        channels = max(self.channels, other.channels)
        keys = np.concatenate([_keys_as(self, channels), _keys_as(other, channels)])
        counts = np.concatenate([self.counts, other.counts])
        # Two sorted runs: a stable sort merges them in linear time.
        order = np.argsort(keys, kind="stable")
        keys, counts = keys[order], counts[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        return ColorHistogram.from_keys_and_counts(keys[starts], np.add.reduceat(counts, starts), channels)

    def __radd__(self, other: object) -> ColorHistogram:
        # sum() starts from 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def __repr__(self) -> str:
        return f"ColorHistogram({len(self)} colours, {self.n_pixels} pixels)"


def _keys_as(histogram: ColorHistogram, channels: int) -> np.ndarray:
    """The histogram's keys for ``channels``-channel colours (RGB colours as opaque RGBA)."""
    keys = histogram.keys
    return keys | OPAQUE_KEY_MIN if channels == 4 and histogram.channels == 3 else keys


def count_keys(image: np.ndarray, block_pixels: int = BLOCK_PIXELS) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys (:func:`pack_colors`) of an RGB or RGBA image and their counts, in row blocks.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        Not checked (:meth:`ColorHistogram.from_image` checks it).
    block_pixels : int, default BLOCK_PIXELS
        Pixels per row block: bounds the working set whatever the image's size.

    Returns
    -------
    keys : ndarray of shape (m,), uint32
    counts : ndarray of shape (m,), int64

    Notes
    -----
    Sorts the keys of each block and counts the runs; the blocks' distinct keys are merged
    the same way. O(N log N) with NumPy's vectorised sort of 32-bit keys, which streams
    through memory where a 2²⁴-entry presence table would miss the cache on every pixel.
    """
    parts = [_run_lengths(np.sort(pack_colors(block))) for _, block in row_chunks(image, block_pixels)]
    if len(parts) == 1:
        return parts[0]
    keys, group = np.unique(np.concatenate([keys for keys, _ in parts]), return_inverse=True)
    counts = np.bincount(group.reshape(-1), weights=np.concatenate([c for _, c in parts]), minlength=len(keys))
    return keys.astype(np.uint32), counts.astype(np.int64)


def _run_lengths(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and how many times each occurs."""
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return sorted_keys[starts].astype(np.uint32), np.diff(np.r_[starts, len(sorted_keys)]).astype(np.int64)


def label_pixels(
    image: np.ndarray, keys: np.ndarray, labels: np.ndarray, dtype: type = np.uint8, block_pixels: int = BLOCK_PIXELS
) -> np.ndarray:
    """The label of each pixel, looked up by its colour's key: the map back of an image to its own histogram.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    keys : ndarray of shape (m,), uint32
        Sorted distinct keys (:func:`pack_colors`) that include every colour of ``image``
        (its own histogram's keys, or a superset); a colour not among them gets an
        arbitrary label.
    labels : ndarray of shape (m,), integer
        The label of each key.
    dtype : numpy dtype, default uint8
        Of the result; must hold every label.
    block_pixels : int, default BLOCK_PIXELS
        Pixels per row block.

    Returns
    -------
    ndarray of shape (H, W), ``dtype``

    Notes
    -----
    RGB keys go through a 2²⁴-entry table written only at ``keys`` and never cleared
    (every pixel's key is among them, so no entry read is stale): one scatter of m labels
    and one gather per pixel, in row blocks. RGBA: the opaque keys the same way, the others
    by binary search in the sorted translucent keys.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[[9, 9, 9], [0, 0, 0], [9, 9, 9]]], np.uint8)
    >>> keys = pack_colors(np.array([[0, 0, 0], [9, 9, 9]], np.uint8))
    >>> label_pixels(image, keys, np.array([4, 7])).tolist()
    [[7, 4, 7]]
    """
    keys = np.asarray(keys, dtype=np.uint32)
    labels = np.asarray(labels).astype(dtype)
    channels = image.shape[2]
    table = np.empty(_KEY_SPACE, dtype=dtype)  # only entries at the keys are written, and only they are read
    opaque = keys >= OPAQUE_KEY_MIN if channels == 4 else slice(None)
    table[keys[opaque] & RGB_KEY_MASK] = labels[opaque]
    if channels == 4:
        other_keys, other_labels = keys[~opaque], labels[~opaque]
    out = np.empty(image.shape[:2], dtype=dtype)
    for top, block in row_chunks(image, block_pixels):
        pixels = pack_colors(block)
        if channels == 3:
            found = table[pixels]
        else:
            found = np.empty(len(pixels), dtype=dtype)
            solid = pixels >= OPAQUE_KEY_MIN
            found[solid] = table[pixels[solid] & RGB_KEY_MASK]
            where = np.minimum(np.searchsorted(other_keys, pixels[~solid]), max(len(other_keys) - 1, 0))
            found[~solid] = other_labels[where] if len(other_keys) else 0
        out[top : top + len(block)] = found.reshape(block.shape[:2])
    return out


def distinct_colors(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct colours of an image, their pixel counts and each pixel's colour index.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        Not checked: the caller validates (:meth:`ColorHistogram.from_image` does).

    Returns
    -------
    colors : ndarray of shape (m, 3) or (m, 4), uint8
        Distinct colours in the order of :class:`ColorHistogram` (lexicographic (R, G, B) for
        RGB; fully transparent RGBA pixels are one colour, ``(0, 0, 0, 0)``).
    counts : ndarray of shape (m,), int64
        Pixels of each colour.
    inverse : ndarray of shape (H*W,), int32
        ``colors[inverse]`` is the image in raster order (fully transparent pixels as
        ``(0, 0, 0, 0)``).

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
    keys, counts = count_keys(image)
    inverse = label_pixels(image, keys, np.arange(len(keys)), np.int32).reshape(-1)
    return unpack_colors(keys, image.shape[2]), counts, inverse
