"""Colour spaces as integer grids: how colours become the points k-means clusters, and back.

Every clustering space is encoded on a fixed-point integer grid (:class:`Encoder`):

==========  ======================================  =============================================
space       3 channels (sRGB)                       4 channels (straight RGBA, premultiplied)
==========  ======================================  =============================================
``rgb``     ``(R, G, B)``                           ``(R·A, G·A, B·A, 255·A)``
``oklab``   ``round(2¹⁶ · (L, a, b))``              ``round(2¹⁶ · (L, a, b)) · A, 2¹⁶ · A``
``lab``     ``round(2⁸ · (L*, a*, b*))``            ``round(2⁸ · (L*, a*, b*)) · A, 2⁸ · 100 · A``
==========  ======================================  =============================================

So every point is an integer, and every weighted sum of points an exact integer in
float64 (below 2⁵³, for up to 2²⁹ pixels on the widest grid, premultiplied Oklab's):
the cluster sums do not depend on how they are grouped or in what order they are added,
which is what lets :mod:`kmeans_lab.cascade` and
:class:`~kmeans_lab.cluster.exact.ExactEStep` reproduce the plain path bit for bit in
every space.

The grids are fine: distinct 8-bit colours stay distinct points in every space (checked
over all 2²⁴ colours; Oklab needs 2¹⁴, CIELAB 2⁶), and the rounding (at most 2⁻¹⁷ in
Oklab, 2⁻⁹ in CIELAB) is hundreds of times below a just noticeable difference. A
premultiplied point is the colour's point scaled by its opacity, with the opacity on the
fourth axis scaled to the lightness range, so a colour matters in proportion to how much
of it shows and a fully transparent pixel is the single point 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .color import lab_to_rgb, oklab_to_rgb, rgb_to_lab, rgb_to_oklab

__all__ = ["COLOR_SPACES", "Encoder", "encoder"]


def _identity(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb, dtype=np.float64)


def _clip(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 255.0)


# name -> (sRGB 0..255 -> natural coordinates, back (clipped), grid steps per natural unit, lightness range)
_SPACES: dict[str, tuple[Callable, Callable, float, float]] = {
    "rgb": (_identity, _clip, 1.0, 255.0),
    "oklab": (rgb_to_oklab, oklab_to_rgb, 2.0**16, 1.0),
    "lab": (rgb_to_lab, lab_to_rgb, 2.0**8, 100.0),
}

#: The clustering spaces by name.
COLOR_SPACES = tuple(_SPACES)


@dataclass(frozen=True)
class Encoder:
    """Colours ↔ integer points of one clustering space (see the module docstring).

    Attributes
    ----------
    color_space : {"rgb", "oklab", "lab"}
    channels : {3, 4}
        3: sRGB colours; 4: straight-alpha RGBA colours, clustered premultiplied.
    unit : float
        The size of one grid step in the space's own coordinates: ``points · unit`` are
        sRGB 0..255, Oklab, CIELAB, or for 4 channels the premultiplied coordinates
        ``(c·α, α·lightness range)`` with α in [0, 1] (premultiplied sRGB: 0..255).

    Examples
    --------
    >>> import numpy as np
    >>> rgba = encoder("rgb", 4)
    >>> rgba.encode(np.array([[255, 0, 10, 51]], np.uint8)).tolist()
    [[13005.0, 0.0, 510.0, 13005.0]]
    >>> rgba.decode(rgba.encode(np.array([[255, 0, 10, 51]], np.uint8))).tolist()
    [[255.0, 0.0, 10.0, 51.0]]
    >>> encoder("oklab", 3).encode(np.array([[255, 255, 255]], np.uint8)).tolist()
    [[65536.0, 0.0, 0.0]]
    """

    color_space: str
    channels: int

    @property
    def _scale(self) -> float:
        return _SPACES[self.color_space][2]

    @property
    def unit(self) -> float:
        return 1.0 / (self._scale * (255.0 if self.channels == 4 else 1.0))

    def encode(self, colors: np.ndarray) -> np.ndarray:
        """Colours to points.

        Parameters
        ----------
        colors : ndarray of shape (m, channels), uint8 (or real 0..255, e.g. explicit initial centres)
            sRGB, or straight-alpha RGBA.

        Returns
        -------
        ndarray of shape (m, channels), float64
            Integer-valued points.
        """
        colors = np.asarray(colors)
        forward, _, scale, lightness = _SPACES[self.color_space]
        points = np.rint(forward(colors[:, :3]) * scale) if self.color_space != "rgb" else forward(colors[:, :3])
        if self.channels == 3:
            return points
        alpha = colors[:, 3].astype(np.float64)
        out = np.empty((len(colors), 4))
        out[:, :3] = points * alpha[:, None]
        out[:, 3] = scale * lightness * alpha
        return out

    def decode(self, points: np.ndarray) -> np.ndarray:
        """Points (any, e.g. cluster centres) back to colours.

        Parameters
        ----------
        points : ndarray of shape (m, channels), float64

        Returns
        -------
        ndarray of shape (m, channels), float64
            sRGB 0..255 clipped to the gamut; for 4 channels straight alpha 0..255, and a
            point with alpha ≤ 0 is ``(0, 0, 0, 0)``.
        """
        points = np.asarray(points, dtype=np.float64)
        _, back, scale, lightness = _SPACES[self.color_space]
        if self.channels == 3:
            return back(points / scale)
        alpha = np.clip(points[:, 3] / (scale * lightness), 0.0, 255.0)
        per_unit = np.divide(points[:, :3], alpha[:, None], out=np.zeros_like(points[:, :3]), where=alpha[:, None] > 0)
        out = np.zeros_like(points)
        out[:, :3] = back(per_unit / scale)
        out[:, 3] = alpha
        out[alpha <= 0] = 0.0
        return out


def encoder(color_space: str, channels: int) -> Encoder:
    """The encoder of a clustering space for 3-channel (sRGB) or 4-channel (RGBA) colours.

    Parameters
    ----------
    color_space : {"rgb", "oklab", "lab"}
    channels : {3, 4}

    Returns
    -------
    Encoder
    """
    if color_space not in _SPACES or channels not in (3, 4):
        raise ValueError(f"no encoder for color_space={color_space!r} with {channels} channels")
    return Encoder(color_space, channels)
