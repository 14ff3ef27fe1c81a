"""Palette order for smaller PNG files: entries that are often neighbours get neighbouring indices.

A PNG filter (Sub, Up, Paeth) predicts each byte from the bytes left of and above it; in a
palette image the bytes are palette indices, so a prediction helps only where neighbouring
pixels have nearby indices. :func:`order_palette` renumbers the palette as a chain through
the entries, each followed by the one that touches it most often in the image. Deflate
without filters (Pillow's writer for palette images) does not care about the order; a
recompressor that tries filters (oxipng) does.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_palette_size

__all__ = ["order_palette"]


def order_palette(palette: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same image with its palette renumbered so that entries that touch often are neighbours.

    Parameters
    ----------
    palette : ndarray of shape (K, 3) or (K, 4), uint8, 1 ≤ K ≤ 256
    labels : ndarray of shape (H, W), integer
        Palette index of each pixel, each in ``[0, K)``.

    Returns
    -------
    palette : ndarray of shape (K, 3) or (K, 4), uint8
        The entries in their new order.
    labels : ndarray of shape (H, W), the dtype of ``labels``
        The new indices: ``new_palette[new_labels]`` is ``palette[labels]``.

    Notes
    -----
    The chain starts at the most used entry; each next entry is the unplaced one that is most
    often the left, right, upper or lower neighbour of the last placed (ties to the lowest
    index), or, when none touches it, the most used unplaced one. O(H·W + K²).

    Examples
    --------
    >>> import numpy as np
    >>> palette = np.array([[0, 0, 0], [255, 255, 255], [128, 128, 128]], np.uint8)
    >>> labels = np.array([[0, 0, 2, 2, 1, 1]])  # black, grey, white: grey touches both
    >>> new_palette, new_labels = order_palette(palette, labels)
    >>> new_palette[:, 0].tolist(), new_labels.tolist()
    ([0, 128, 255], [[0, 0, 1, 1, 2, 2]])
    """
    palette, labels = np.asarray(palette), np.asarray(labels)
    if palette.ndim != 2 or palette.shape[1] not in (3, 4) or palette.dtype != np.uint8 or len(palette) == 0:
        raise ValueError(
            f"palette must be a non-empty (K, 3) or (K, 4) uint8 array, got {palette.dtype} {palette.shape}"
        )
    k = check_palette_size(len(palette), "order_palette orders a palette PNG's colours:", label="K")
    if labels.ndim != 2 or labels.dtype.kind not in "ui" or labels.size == 0:
        raise ValueError(f"labels must be a non-empty (H, W) integer array, got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"labels must lie in [0, {k}), got {labels.min()}..{labels.max()}")
    codes = labels.astype(np.int64)
    pairs = np.concatenate([(codes[:, 1:] * k + codes[:, :-1]).ravel(), (codes[1:] * k + codes[:-1]).ravel()])
    touching = np.bincount(pairs, minlength=k * k).reshape(k, k)
    touching += touching.T
    np.fill_diagonal(touching, 0)
    used = np.bincount(codes.ravel(), minlength=k)
    order = np.empty(k, np.intp)
    placed = np.zeros(k, bool)
    order[0] = used.argmax()
    for i in range(1, k):
        placed[order[i - 1]] = True
        scores = np.where(placed, -1, touching[order[i - 1]])
        order[i] = scores.argmax() if scores.max() > 0 else np.where(placed, -1, used).argmax()
    rank = np.empty(k, np.intp)
    rank[order] = np.arange(k)
    return palette[order], rank[labels].astype(labels.dtype)
