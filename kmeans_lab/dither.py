"""Mapping an image to a given palette by error diffusion (dithering)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ._validation import check, check_palette_size

__all__ = ["floyd_steinberg"]


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
