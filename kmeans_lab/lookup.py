"""Colour → palette index for any image: :class:`ColorLookup`, immutable once made."""

from __future__ import annotations

import numpy as np

from .cluster.distance import nearest_centers
from .histogram import OPAQUE_KEY_MIN, RGB_KEY_MASK, pack_colors, row_chunks, unpack_colors
from .palette import Palette
from .spaces import encoder

__all__ = ["ColorLookup", "label_dtype"]


def label_dtype(k: int) -> type:
    """The smallest unsigned dtype of labels for ``k`` colours (uint8 up to 256)."""
    return np.uint8 if k <= 256 else np.uint16 if k <= 65536 else np.int32


class ColorLookup:
    """Palette indices of any image's pixels: one table gather per pixel.

    Colours of the palette's histogram take their k-means cluster, so a palette applied to
    the images it was fitted on reproduces the clustering exactly. Any other colour takes
    its nearest centre in the palette's clustering space (ties to the lowest index), found
    for each call anew: the lookup never changes once made, so tasks on threads or
    processes can share it.

    Parameters
    ----------
    palette : Palette

    Notes
    -----
    Opaque colours are looked up in a table of 2^24 entries (16 MiB up to 255 colours,
    32 MiB above); the other colours of an RGBA palette's histogram in a sorted array by
    bisection. An RGB image mapped to an RGBA palette counts as opaque.
    """

    def __init__(self, palette: Palette) -> None:
        self.palette = palette
        self.dtype = label_dtype(len(palette))
        table_dtype = label_dtype(len(palette) + 1)  # one more value: "not in the histogram"
        self._unknown = np.iinfo(table_dtype).max
        table = np.full(1 << 24, self._unknown, dtype=table_dtype)
        keys, labels = palette.histogram.keys, palette.labels.astype(table_dtype)
        opaque = keys >= OPAQUE_KEY_MIN if palette.channels == 4 else np.ones(len(keys), bool)
        table[keys[opaque] & RGB_KEY_MASK] = labels[opaque]
        table.flags.writeable = False
        # The translucent colours, sorted, with an opaque key after them so that a bisection always lands.
        self._other_keys = np.append(keys[~opaque], OPAQUE_KEY_MIN)
        self._other_labels = np.append(labels[~opaque], self._unknown).astype(table_dtype)
        self._table = table
        self._encoder = encoder(palette.color_space, palette.channels)
        self._centers = palette.centroids if palette.fitted else self._encoder.encode(palette.colors)

    def nearest(self, colors: np.ndarray) -> np.ndarray:
        """Index of the nearest centre of each ``(m, 3)`` or ``(m, 4)`` uint8 colour, in the clustering space."""
        if self.palette.channels == 4 and colors.shape[1] == 3:  # an RGB colour is opaque
            colors = np.column_stack([colors, np.full(len(colors), 255, np.uint8)])
        return nearest_centers(self._encoder.encode(colors), self._centers)[0]

    def _resolve(self, keys: np.ndarray, found: np.ndarray, channels: int) -> np.ndarray:
        """``found`` (labels of ``keys`` or "unknown") with the unknown ones filled by :meth:`nearest`."""
        missing = found == self._unknown
        if missing.any():
            found = found.copy()
            new, where = np.unique(keys[missing], return_inverse=True)
            found[missing] = self.nearest(unpack_colors(new, channels))[where.reshape(-1)]
        return found

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Labels of ``image``, an ``(H, W, 3)`` or ``(H, W, 4)`` uint8 array: ndarray of shape (H, W).

        The labels are uint8 up to 256 colours, uint16 up to 65536, int32 above.
        """
        channels = image.shape[2]
        labels = np.empty(image.shape[:2], dtype=self.dtype)
        for top, block in row_chunks(image):
            keys = pack_colors(block)
            if channels == 3:
                found = self._resolve(keys, self._table[keys], 3)
            else:
                opaque = keys >= OPAQUE_KEY_MIN
                found = np.empty(len(keys), dtype=self._table.dtype)
                found[opaque] = self._resolve(keys[opaque], self._table[keys[opaque] & RGB_KEY_MASK], 4)
                others = keys[~opaque]
                where = np.searchsorted(self._other_keys, others)
                known = np.where(self._other_keys[where] == others, self._other_labels[where], self._unknown)
                found[~opaque] = self._resolve(others, known, 4)
            labels[top : top + len(block)] = found.reshape(block.shape[:2])
        return labels
