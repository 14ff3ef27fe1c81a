"""The results: a fitted :class:`Palette` and a :class:`Quantized` image, and palette rounding."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .histogram import ColorHistogram, pack_colors
from .image import save_quantized
from .options import KMeansOptions

__all__ = ["Palette", "Quantized", "expand", "round_palette"]

# Alpha at or above this rounds to opaque (see round_palette).
_NEARLY_OPAQUE = 253.5


@dataclass(frozen=True, eq=False)
class Palette:
    """Colours fitted by k-means to a colour histogram, or given.

    Attributes
    ----------
    colors : ndarray of shape (K, 3) or (K, 4), uint8
        Distinct colours in k-means cluster order; RGBA (straight alpha) when fitted on an
        RGBA histogram, its fully transparent entry first.
    centroids : ndarray of shape (K, d), float64
        The k-means centres before rounding, in the clustering space (see
        :func:`kmeans_lab.fit_palette`).
    color_space : {"rgb", "lab", "oklab"}
    histogram : ColorHistogram
        The colours the palette was fitted on (empty for a given palette).
    labels : ndarray of shape (m,), intp
        Palette index of each colour of ``histogram``: its k-means cluster.
    n_iter : int
        Lloyd iterations of the exact stage (0 when the histogram's own colours were kept).
    converged : bool
    inertia : float
        Weighted sum of squared distances of the colours to their centres, in the clustering space.
    options : KMeansOptions
        The options the palette was fitted with.
    n_init : int
        Starts the k-means ran.

    Notes
    -----
    ``numpy.asarray(palette)`` is ``palette.colors``.
    """

    colors: np.ndarray
    centroids: np.ndarray
    color_space: str
    histogram: ColorHistogram
    labels: np.ndarray
    n_iter: int = 0
    converged: bool = True
    inertia: float = float("nan")
    options: KMeansOptions = field(default_factory=KMeansOptions)
    n_init: int = 0

    @classmethod
    def from_colors(cls, colors: np.ndarray) -> Palette:
        """A given palette, ``(K, 3)`` or ``(K, 4)`` uint8 distinct colours: every pixel maps to its nearest.

        "Nearest" is in sRGB, or premultiplied sRGBA for RGBA colours, as pngquant remaps.

        Raises
        ------
        ValueError
            ``colors`` is not a non-empty ``(K, 3)`` or ``(K, 4)`` uint8 array.
        """
        colors = np.asarray(colors)
        if colors.ndim != 2 or colors.shape[1] not in (3, 4) or colors.dtype != np.uint8 or len(colors) == 0:
            raise ValueError(
                f"a palette must be a non-empty (K, 3) or (K, 4) uint8 array, got {colors.dtype} {colors.shape}"
            )
        channels = colors.shape[1]
        empty = ColorHistogram(np.empty((0, channels), np.uint8), np.empty(0, np.int64))
        return cls(colors, np.empty((0, 0)), "rgb", empty, np.empty(0, np.intp))

    @property
    def channels(self) -> int:
        """3 for an RGB palette, 4 for RGBA."""
        return self.colors.shape[1]

    @property
    def fitted(self) -> bool:
        """Whether k-means made the palette (False for :meth:`from_colors`)."""
        return len(self.centroids) == len(self.colors)

    def __len__(self) -> int:
        return len(self.colors)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.colors if dtype is None else self.colors.astype(dtype)

    def __repr__(self) -> str:
        if not self.fitted:
            return f"Palette({len(self)} given colours)"
        return f"Palette({len(self)} colours, {self.color_space}, fitted on {len(self.histogram)} colours)"


@dataclass(frozen=True, eq=False)
class Quantized:
    """A quantized image: a palette and one palette index per pixel.

    Attributes
    ----------
    palette : Palette
    labels : ndarray of shape (H, W), uint8 (uint16 above 256 colours)
        Palette index of each pixel.
    dither : False or str
        The dithering method that mapped the pixels (False: the nearest colour).
    seconds : float
        Wall-clock time of :func:`~kmeans_lab.quantize` (or of :func:`~kmeans_lab.apply_palette` alone).
    n_distinct : int or None
        Distinct colours of the input image (None when only a palette was applied).
    """

    palette: Palette
    labels: np.ndarray
    dither: bool | str = False
    seconds: float = 0.0
    n_distinct: int | None = None

    @property
    def k(self) -> int:
        """Number of palette colours."""
        return len(self.palette)

    @property
    def image(self) -> np.ndarray:
        """The quantized image, ndarray of shape (H, W, 3) or (H, W, 4), uint8."""
        return expand(self.palette.colors, self.labels)

    def save(self, path: str | Path, *, optimize: bool = False) -> int:
        """Write the image in the format of the suffix; return the bytes written.

        ``.png`` is a palette PNG at the smallest bit depth (with ``tRNS`` for RGBA) and
        ``.gif`` a GIF, both for K ≤ 256; other formats are written as RGB(A). The write is
        atomic (see :mod:`kmeans_lab.image`). ``optimize=True`` recompresses a ``.png``
        losslessly with oxipng, its palette ordered for it (needs the ``optimize`` extra).
        """
        return save_quantized(path, self.palette.colors, self.labels, optimize=optimize)


def expand(colors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``colors[labels]``, fast: one 4-byte gather per pixel instead of a row gather.

    Parameters
    ----------
    colors : ndarray of shape (K, C), uint8, C = 3 or 4
    labels : ndarray of shape (H, W), integer

    Returns
    -------
    ndarray of shape (H, W, C), uint8

    Examples
    --------
    >>> import numpy as np
    >>> expand(np.array([[1, 2, 3], [4, 5, 6]], np.uint8), np.array([[1, 0]])).tolist()
    [[[4, 5, 6], [1, 2, 3]]]
    """
    channels = colors.shape[1]
    padded = np.zeros((len(colors), 4), dtype=np.uint8)
    padded[:, :channels] = colors
    words = np.take(padded.view(np.uint32).reshape(-1), labels)
    rgba = words.view(np.uint8).reshape(*labels.shape, 4)
    return rgba if channels == 4 else rgba[..., :3].copy()


def round_palette(centroids: np.ndarray, colors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Round centres to uint8 colours, keeping the palette free of duplicates.

    Two centres closer than half a level in every channel would round to one colour and
    the image would lose a colour. The later duplicate then takes the colour of its own
    cluster closest to its centre that is not yet in the palette, so a result with K
    non-empty clusters always has exactly K colours.

    Parameters
    ----------
    centroids : ndarray of shape (K, C), float64, sRGB(A) 0..255 (straight alpha for C = 4)
    colors : ndarray of shape (m, C), uint8
        The colours clustered.
    labels : ndarray of shape (m,), intp
        Cluster of each colour.

    Returns
    -------
    ndarray of shape (K, C), uint8
        An RGBA entry whose alpha rounds to 0 is ``(0, 0, 0, 0)``; one whose alpha is within
        1.5 levels of 255 is opaque.
    """
    palette = np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
    if palette.shape[1] == 4:
        # A cluster of mostly opaque colours has a mean alpha just below 255; written as 254 its
        # opaque pixels would all turn faintly translucent (and lengthen the tRNS chunk).
        palette[centroids[:, 3] >= _NEARLY_OPAQUE, 3] = 255
        palette[palette[:, 3] == 0] = 0
    keys = pack_colors(palette)
    if len(np.unique(keys)) == len(keys):
        return palette
    used: set[int] = set()
    for j, key in enumerate(keys.tolist()):
        if key not in used:
            used.add(key)
            continue
        members = np.flatnonzero(labels == j)
        candidates = members if len(members) else np.arange(len(colors))
        order = np.argsort(((colors[candidates] - centroids[j]) ** 2).sum(axis=1), kind="stable")
        for index in candidates[order]:
            candidate = int(pack_colors(colors[index : index + 1])[0])
            if candidate not in used:
                palette[j] = colors[index]
                used.add(candidate)
                break
    return palette
