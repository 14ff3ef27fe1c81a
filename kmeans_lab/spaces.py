"""Colour-space encoders: an image's colours as points of the space k-means clusters in, and back.

:func:`encoder` gives, for a colour space name and 3 (RGB) or 4 (RGBA) channels, an
:class:`Encoder` whose ``encode`` maps uint8 colours to points and ``decode`` maps centres
back to sRGB(A) 0..255 (straight alpha, clipped). RGBA colours are premultiplied:
``(R·A/255, G·A/255, B·A/255, A)`` in sRGB, so a colour counts in proportion to its opacity
and every fully transparent colour is the one point ``0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from .color import from_rgb, premultiply, to_rgb, unpremultiply

__all__ = ["Encoder", "encoder"]


@dataclass(frozen=True)
class Encoder:
    """Colours ↔ points of one clustering space.

    Attributes
    ----------
    color_space : str
    channels : int
        3 (RGB) or 4 (RGBA).
    encode : callable
        ``(m, channels)`` colours 0..255 (uint8 or float) → ``(m, d)`` float64 points.
    decode : callable
        ``(m, d)`` points → ``(m, channels)`` float64 sRGB(A) 0..255, straight alpha, clipped.
    """

    color_space: str
    channels: int
    encode: Callable[[np.ndarray], np.ndarray]
    decode: Callable[[np.ndarray], np.ndarray]


def encoder(color_space: str, channels: int) -> Encoder:
    """The encoder of ``color_space`` ("rgb", "lab", "oklab") for ``channels`` 3 or 4.

    Raises
    ------
    ValueError
        RGBA in a space other than sRGB.
    """
    if channels == 3:
        # partial, not lambda: an encoder travels to Dask workers inside a ColorLookup, so it pickles.
        return Encoder(color_space, 3, partial(from_rgb, space=color_space), partial(to_rgb, space=color_space))
    if color_space != "rgb":
        raise ValueError(
            f"color_space={color_space!r} is for RGB images; an RGBA image is clustered in premultiplied "
            "sRGB (color_space='rgb'), or composite it on a background first"
        )
    return Encoder("rgb", 4, premultiply, unpremultiply)
