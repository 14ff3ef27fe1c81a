"""Colour quantization of images by k-means on their distinct colours.

Lloyd's algorithm on an image's distinct colours, each weighted by its pixel count, computes
exactly the same clustering as on every pixel (the assignment of a pixel depends only on its
colour, and a weighted mean is the mean over the repeated pixels), on far fewer points.

Two steps, usable apart: :func:`fit_palette` runs the k-means on a
:class:`~kmeans_lab.histogram.ColorHistogram` (one image's, or the sum of many) and returns a
:class:`Palette`; :func:`apply_palette` maps any image to a palette through a colour → index
lookup table, one gather per pixel. :func:`quantize` is exactly the two composed. Knows
nothing of files beyond :meth:`Quantized.save`, which hands over to :mod:`kmeans_lab.image`.

RGBA images (straight alpha) are clustered as premultiplied points
``(R·A/255, G·A/255, B·A/255, A)`` (:func:`kmeans_lab.color.premultiply`): the squared
distance there is the error the RGBA MSE of :mod:`kmeans_lab.metrics` counts. Fully
transparent pixels keep one palette entry ``(0, 0, 0, 0)`` of their own, so they stay
fully transparent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ._validation import check, check_palette_size
from ._warnings import warn
from .cascade import cascade_kmeans, start_plan
from .cluster import KMeansResult, weighted_kmeans
from .cluster.distance import nearest_centers
from .color import from_rgb, premultiply, to_rgb, unpremultiply
from .dither import floyd_steinberg, ordered_dither
from .histogram import OPAQUE_KEY_MIN, RGB_KEY_MASK, ColorHistogram, pack_colors, row_chunks, unpack_colors
from .image import save_quantized

__all__ = [
    "Palette",
    "Quantized",
    "ColorLookup",
    "fit_palette",
    "apply_palette",
    "quantize",
    "expand",
    "palette_from_centroids",
]


@dataclass(frozen=True, eq=False)
class Quantized:
    """A quantized image: a palette and one palette index per pixel.

    Attributes
    ----------
    palette : ndarray of shape (K, 3) or, for an RGBA image, (K, 4), uint8
        The colours, distinct, in k-means cluster order (RGBA: straight alpha, the fully
        transparent entry first).
    labels : ndarray of shape (H, W), uint8 (uint16 above 256 colours)
        Palette index of each pixel.
    centroids : ndarray of shape (K, 3) or (K, 4), float64
        The k-means centres before rounding to the palette, in the colour space clustered
        in (sRGB 0..255, CIELAB L*a*b* for ``color_space="lab"``, Oklab for ``"oklab"``,
        premultiplied RGBA 0..255 for an RGBA image).
    n_iter : int
        Lloyd iterations run (0 when the image was returned losslessly).
    converged : bool
    seconds : float
        Wall-clock time of :func:`quantize` (or of :func:`apply_palette` alone).
    n_distinct : int or None
        Distinct colours of the input image (None when only a palette was applied).
    options : dict
        The options the palette was made with (init, seed, stopping rule, ...) and ``dither``.
    """

    palette: np.ndarray
    labels: np.ndarray
    centroids: np.ndarray
    n_iter: int
    converged: bool
    seconds: float
    n_distinct: int | None
    options: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of palette colours."""
        return len(self.palette)

    @property
    def image(self) -> np.ndarray:
        """The quantized image, ndarray of shape (H, W, 3) or (H, W, 4), uint8."""
        return expand(self.palette, self.labels)

    def save(self, path: str | Path) -> int:
        """Write the image (palette PNG for ``.png``, with ``tRNS`` for RGBA; format by suffix); return bytes written.

        See :func:`kmeans_lab.image.save_quantized`.
        """
        return save_quantized(path, self.palette, self.labels)


def expand(palette: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``palette[labels]``, fast: one 4-byte gather per pixel instead of a row gather.

    Parameters
    ----------
    palette : ndarray of shape (K, C), uint8, C = 3 or 4
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
    channels = palette.shape[1]
    padded = np.zeros((len(palette), 4), dtype=np.uint8)
    padded[:, :channels] = palette
    words = np.take(padded.view(np.uint32).reshape(-1), labels)
    rgba = words.view(np.uint8).reshape(*labels.shape, 4)
    return rgba if channels == 4 else rgba[..., :3].copy()


def palette_from_centroids(centroids: np.ndarray, colors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Round centres to uint8 colours, keeping the palette free of duplicates.

    Two centres closer than half a level in every channel would round to one colour and
    the image would lose a colour. The later duplicate then takes the colour of its own
    cluster closest to its centre that is not yet in the palette, so a result with K
    non-empty clusters always has exactly K colours.

    Parameters
    ----------
    centroids : ndarray of shape (K, C), float64, in 0..255 (sRGB, or straight RGBA for C = 4)
    colors : ndarray of shape (m, C), uint8 — the colours clustered
    labels : ndarray of shape (m,), intp — cluster of each colour

    Returns
    -------
    ndarray of shape (K, C), uint8
        An RGBA entry whose alpha rounds to 0 is ``(0, 0, 0, 0)``.
    """
    palette = np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
    if palette.shape[1] == 4:
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
        candidate_keys = pack_colors(colors[candidates[order]]).tolist()
        for idx, candidate_key in zip(candidates[order], candidate_keys):
            if candidate_key not in used:
                palette[j] = colors[idx]
                used.add(candidate_key)
                break
    return palette


@dataclass(frozen=True, eq=False)
class Palette:
    """Colours fitted by k-means to a colour histogram.

    Attributes
    ----------
    colors : ndarray of shape (K, 3) or (K, 4), uint8
        The palette, distinct colours in k-means cluster order; RGBA (straight alpha) when
        fitted on an RGBA histogram, its fully transparent entry first.
    centroids : ndarray of shape (K, 3) or (K, 4), float64
        The k-means centres before rounding, in the colour space clustered in
        (premultiplied RGBA 0..255 for an RGBA palette).
    color_space : {"rgb", "lab", "oklab"}
    histogram : ColorHistogram
        The colours the palette was fitted on.
    labels : ndarray of shape (m,), intp
        Palette index of each colour of ``histogram``: its k-means cluster.
    n_iter : int
        Lloyd iterations (0 when the histogram's own colours were kept).
    converged : bool
    inertia : float
        Weighted sum of squared distances of the colours to their centres, in that space.
    options : dict
        The k-means options used.

    Notes
    -----
    ``numpy.asarray(palette)`` is ``palette.colors``.
    """

    colors: np.ndarray
    centroids: np.ndarray
    color_space: str
    histogram: ColorHistogram
    labels: np.ndarray
    n_iter: int
    converged: bool
    inertia: float
    options: dict = field(default_factory=dict)

    @classmethod
    def from_colors(cls, colors: np.ndarray) -> Palette:
        """A given palette (``(K, 3)`` or ``(K, 4)`` uint8, distinct): every colour maps to its nearest entry.

        For RGBA colours "nearest" is in premultiplied RGBA, as :func:`fit_palette` clusters.
        """
        colors = np.asarray(colors)
        if colors.ndim != 2 or colors.shape[1] not in (3, 4) or colors.dtype != np.uint8 or len(colors) == 0:
            raise ValueError(
                f"a palette must be a non-empty (K, 3) or (K, 4) uint8 array, got {colors.dtype} {colors.shape}"
            )
        channels = colors.shape[1]
        centroids = premultiply(colors) if channels == 4 else colors.astype(np.float64)
        empty = ColorHistogram(np.empty((0, channels), np.uint8), np.empty(0, np.int64))
        return cls(colors, centroids, "rgb", empty, np.empty(0, np.intp), 0, True, float("nan"))

    @property
    def channels(self) -> int:
        """3 for an RGB palette, 4 for RGBA."""
        return self.colors.shape[1]

    def __len__(self) -> int:
        return len(self.colors)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.colors if dtype is None else self.colors.astype(dtype)

    def __repr__(self) -> str:
        return f"Palette({len(self)} colours, {self.color_space}, fitted on {len(self.histogram)} colours)"


class ColorLookup:
    """Colour → palette index, for any image: one table gather per pixel.

    Colours of the palette's histogram take their k-means cluster (so a palette applied to
    the image it was fitted on reproduces the clustering exactly); any other colour takes
    its nearest centre in the palette's colour space (ties to the lowest index) and is
    added to the table when first met.

    Parameters
    ----------
    palette : Palette

    Notes
    -----
    The table has 2^24 entries (32 MiB as uint16, 64 MiB as int32 above 65535 colours);
    build one per palette and reuse it for many images. An RGBA palette keeps its opaque
    colours in that table and the others (a 2^32 key space) in a sorted array searched by
    bisection; an RGB image mapped to an RGBA palette counts as opaque.
    """

    def __init__(self, palette: Palette) -> None:
        self.palette = palette
        k = len(palette)
        self._table_dtype = np.uint16 if k < 0xFFFF else np.int32
        self._unknown = np.iinfo(self._table_dtype).max
        self.table = np.full(1 << 24, self._unknown, dtype=self._table_dtype)
        keys = palette.histogram.keys
        if palette.channels == 4:
            opaque = keys >= OPAQUE_KEY_MIN
            self.table[keys[opaque] & RGB_KEY_MASK] = palette.labels[opaque]
            self._other_keys, self._other_labels = keys[~opaque], palette.labels[~opaque].astype(self._table_dtype)
        else:
            self.table[keys] = palette.labels

    @property
    def label_dtype(self) -> type:
        """The smallest unsigned dtype of the labels it returns (uint8 up to 256 colours)."""
        k = len(self.palette)
        return np.uint8 if k <= 256 else np.uint16 if k <= 65536 else np.int32

    def _nearest(self, colors: np.ndarray) -> np.ndarray:
        """Index of the nearest centre of each colour ((m, 3) or (m, 4) uint8) in the palette's space."""
        if self.palette.channels == 4:
            if colors.shape[1] == 3:  # an RGB colour is opaque
                colors = np.column_stack([colors, np.full(len(colors), 255, np.uint8)])
            points = premultiply(colors)
        else:
            points = from_rgb(colors, self.palette.color_space)
        return nearest_centers(points, self.palette.centroids)[0]

    def _opaque(self, keys: np.ndarray) -> np.ndarray:
        """Labels of opaque colours by their RGB keys ``0xRRGGBB``; colours not in the table yet are resolved."""
        found = self.table[keys]
        missing = found == self._unknown
        if missing.any():
            new = np.unique(keys[missing])
            self.table[new] = self._nearest(unpack_colors(new))
            found = self.table[keys]
        return found

    def _translucent(self, keys: np.ndarray) -> np.ndarray:
        """Labels of RGBA keys below ``0xFF000000``; colours not known yet are resolved and kept."""
        where = np.searchsorted(self._other_keys, keys)
        found = where < len(self._other_keys)
        found[found] = self._other_keys[where[found]] == keys[found]
        if not found.all():
            new = np.unique(keys[~found])
            merged = np.concatenate([self._other_keys, new])
            new_labels = self._nearest(unpack_colors(new, 4)).astype(self._table_dtype)
            labels = np.concatenate([self._other_labels, new_labels])
            order = np.argsort(merged, kind="stable")
            self._other_keys, self._other_labels = merged[order], labels[order]
            where = np.searchsorted(self._other_keys, keys)
        return self._other_labels[where]

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Palette indices of ``image`` (``(H, W, 3)`` or ``(H, W, 4)`` uint8): ndarray of shape (H, W).

        The labels are uint8 up to 256 colours, uint16 up to 65536, int32 above.
        """
        image = check("image", image)
        channels = image.shape[2]
        if channels == 4 and self.palette.channels == 3:
            raise ValueError("an RGBA image needs an RGBA palette (K, 4): fit it on the RGBA image's histogram")
        labels = np.empty(image.shape[:2], dtype=self.label_dtype)
        for top, block in row_chunks(image):
            keys = pack_colors(block)
            if channels == 4:
                opaque = keys >= OPAQUE_KEY_MIN
                found = np.empty(len(keys), dtype=self._table_dtype)
                found[opaque] = self._opaque(keys[opaque] & RGB_KEY_MASK)
                found[~opaque] = self._translucent(keys[~opaque])
            else:
                found = self._opaque(keys)
            labels[top : top + len(block)] = found.reshape(block.shape[:2])
        return labels


def fit_palette(
    histogram: ColorHistogram,
    k: int,
    *,
    init: str | np.ndarray = "kmeans++",
    seed: int | None = 0,
    max_iter: int = 300,
    tol: float = 1e-4,
    dtype: type = np.float32,
    algorithm: str = "auto",
    color_space: str = "rgb",
    n_init: int | None = None,
) -> Palette:
    """K colours by weighted k-means on a colour histogram.

    Parameters
    ----------
    histogram : ColorHistogram
        The colours and their pixel counts: one image's, or the sum of many images'.
    k : int
        Colours wanted, ≥ 1. Above the histogram's distinct colours, those colours
        themselves are returned (lossless) with a ``UserWarning``.
    init : {"kmeans++", "in_pixels", "random"} or ndarray of shape (k, 3) or (k, 4), default "kmeans++"
        Initialiser (drawn on the distinct colours weighted by pixel count, the same
        distribution as on every pixel) or explicit initial centres in 0..255 (RGBA for an
        RGBA histogram, straight alpha).
    seed : int or None, default 0
    max_iter : int, default 300
    tol : float, default 1e-4
        Relative to the mean channel variance, as in :func:`kmeans_lab.kmeans`.
    dtype : {numpy.float32, numpy.float64}, default float32
        Precision of the plain path's distance computations (the cascade's full-data
        stage always labels by the exact float64 argmin).
    algorithm : {"auto", "lloyd"}, default "auto"
        ``"auto"``: the cascade (:mod:`kmeans_lab.cascade`) for RGB colours clustered in
        sRGB — starts chosen on coarse colour cells, then exact Lloyd on every colour with
        a filtered E step; for CIELAB, Oklab and RGBA the plain path with the plain E
        step. ``"lloyd"``: the plain path, weighted Lloyd on every colour from the
        initialiser's centres with the plain E step, in ``dtype``.
    color_space : {"rgb", "lab", "oklab"}, default "rgb"
        Cluster in sRGB, in CIELAB (scikit-image, D65) or in Oklab (NumPy), the centres
        converted back to sRGB, clipped and rounded. An RGBA histogram is clustered in
        premultiplied sRGB only.
    n_init : int or None, default None
        Starts drawn by a named initialiser, the lowest inertia kept. The cascade runs
        them on the coarsest colour level and refines the best; None takes its plan
        (:func:`kmeans_lab.cascade.start_plan`: 6 starts up to K = 64, 3 above). The
        plain path runs each on every colour; None means 1. Explicit centres are one start.

    Returns
    -------
    Palette

    Notes
    -----
    An RGBA histogram (:meth:`ColorHistogram.from_image` of an ``(H, W, 4)`` image) is
    clustered as premultiplied points ``(R·A/255, G·A/255, B·A/255, A)`` weighted by pixel
    count, in their lexicographic order (the order :func:`kmeans_lab.kmeans` gives the
    points of every pixel, so the initialisers draw alike). Fully transparent pixels, if
    any and ``k ≥ 2``, keep the palette's first entry ``(0, 0, 0, 0)`` to themselves and the
    other ``k − 1`` entries are the k-means of the remaining pixels — exactly
    ``kmeans(premultiply(pixels with A > 0), k - 1)`` (an explicit ``init`` then loses its row
    nearest to transparent). If every remaining colour is opaque that is the RGB
    clustering of the image without its alpha, entry for entry. CIELAB and Oklab points and
    premultiplied RGBA points are not integers, so the cascade's exact sums do not apply:
    they take the plain path.

    Either path returns a weighted-Lloyd fixed point of every colour (so of every pixel)
    reached by the stopping rule; with ``tol=0`` one more iteration changes no label. The
    cascade's coarse and approximate stages only choose where that Lloyd starts; its
    labels are the exact float64 argmin of ``½‖c‖² − x·c`` (ties to the lowest index),
    where the plain path's are the argmin of the same expression computed in ``dtype``
    by a matrix product. ``Palette.options`` records ``n_init`` as run and, for the
    cascade, the coarse ``levels`` it ran on (bits per channel).

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import ColorHistogram, fit_palette
    >>> image = np.zeros((2, 2, 3), np.uint8); image[0] = 200
    >>> fit_palette(ColorHistogram.from_image(image), 2).colors.tolist()
    [[200, 200, 200], [0, 0, 0]]
    """
    if not isinstance(histogram, ColorHistogram):
        raise ValueError(f"histogram must be a ColorHistogram, got {type(histogram).__name__}")
    k = check("k", k)
    options = {
        "init": check("init", init, k=k, d=histogram.channels),
        "seed": check("seed", seed),
        "max_iter": check("max_iter", max_iter),
        "tol": check("tol", tol),
        "dtype": check("dtype", dtype),
        "algorithm": check("algorithm", algorithm),
        "n_init": check("n_init", n_init),
    }
    color_space = check("color_space", color_space)
    recorded = {**options, "init": init if isinstance(init, str) else "explicit", "dtype": options["dtype"].name}
    if histogram.channels == 4:
        return _fit_rgba_palette(histogram, k, options, recorded, color_space)
    colors = histogram.colors
    if k > len(colors):
        _warn_lossless(k, len(colors))
        centroids = from_rgb(colors, color_space)
        labels = np.arange(len(colors))
        return Palette(colors, centroids, color_space, histogram, labels, 0, True, 0.0, recorded)
    if color_space == "rgb" and options["algorithm"] == "auto":
        result, recorded = _fit_by_cascade(histogram, k, options, recorded)
    else:
        points = from_rgb(colors, color_space)
        if not isinstance(options["init"], str):
            options["init"] = from_rgb(options["init"], color_space)
        result, recorded = _fit_plain(points, histogram.counts, k, options, recorded)
    rgb_centroids = to_rgb(result.centroids, color_space)
    return Palette(
        colors=palette_from_centroids(rgb_centroids, colors, result.labels),
        centroids=result.centroids,
        color_space=color_space,
        histogram=histogram,
        labels=result.labels,
        n_iter=result.n_iter,
        converged=result.converged,
        inertia=result.inertia,
        options=recorded,
    )


def _fit_by_cascade(histogram: ColorHistogram, k: int, options: dict, recorded: dict) -> tuple[KMeansResult, dict]:
    """The cascade on an RGB histogram's colours (arguments checked); the result and the options as run."""
    init = options["init"]
    fitted = cascade_kmeans(
        histogram.colors.astype(np.float64),
        histogram.counts.astype(np.float64),
        k,
        init=init,
        seed=options["seed"],
        n_init=options["n_init"],
        max_iter=options["max_iter"],
        tol=options["tol"],
    )
    n_init = start_plan(k, options["n_init"]).n_init if isinstance(init, str) else 1
    return fitted, {**recorded, "n_init": n_init}


def _fit_plain(
    points: np.ndarray, counts: np.ndarray, k: int, options: dict, recorded: dict
) -> tuple[KMeansResult, dict]:
    """Weighted k-means of every point (arguments checked); the result and the options as run."""
    n_init = options["n_init"] or 1
    result = weighted_kmeans(points, counts.astype(np.float64), k, **{**options, "n_init": n_init})
    return result, {**recorded, "n_init": n_init}


def _warn_lossless(k: int, n_colors: int) -> None:
    warn(f"k={k} is more than the image's {n_colors} distinct colours; returning the image's own colours (lossless)")


def _fit_rgba_palette(histogram: ColorHistogram, k: int, options: dict, recorded: dict, color_space: str) -> Palette:
    """:func:`fit_palette` of an RGBA histogram, its arguments already checked (see its Notes)."""
    if color_space != "rgb":
        raise ValueError(
            f"color_space={color_space!r} is for RGB images; an RGBA image is clustered in premultiplied "
            "sRGB (color_space='rgb'), or composite it on a background first"
        )
    colors, counts, init = histogram.colors, histogram.counts, options["init"]
    if k > len(colors):
        _warn_lossless(k, len(colors))
        return Palette(colors, premultiply(colors), "rgb", histogram, np.arange(len(colors)), 0, True, 0.0, recorded)
    if colors[0, 3] == 0 and k >= 2:  # fully transparent pixels (key 0, first): an entry of their own
        if not isinstance(init, str):
            init = np.delete(init, np.argmin((premultiply(init) ** 2).sum(axis=1)), axis=0)
        rest = _fit_rgba_palette(
            ColorHistogram(colors[1:], counts[1:]), k - 1, {**options, "init": init}, recorded, color_space
        )
        return replace(
            rest,
            colors=np.vstack([np.zeros((1, 4), np.uint8), rest.colors]),
            centroids=np.vstack([np.zeros((1, 4)), rest.centroids]),
            histogram=histogram,
            labels=np.concatenate([[0], rest.labels + 1]),
        )
    if (colors[:, 3] == 255).all():  # opaque: the RGB clustering itself (same points, order and tolerance)
        rgb = fit_palette(
            ColorHistogram(colors[:, :3].copy(), counts),
            k,
            **{**options, "init": init if isinstance(init, str) else init[:, :3]},
        )
        opaque = np.full((len(rgb), 1), 255)
        return replace(
            rgb,
            colors=np.hstack([rgb.colors, opaque.astype(np.uint8)]),
            centroids=np.hstack([rgb.centroids, opaque.astype(np.float64)]),
            histogram=histogram,
        )
    points = premultiply(colors)
    order = np.lexsort(points.T[::-1])  # the order kmeans() gives every pixel's points
    if not isinstance(init, str):
        init = premultiply(init)
    result, recorded = _fit_plain(points[order], counts[order], k, {**options, "init": init}, recorded)
    labels = np.empty_like(result.labels)
    labels[order] = result.labels
    return Palette(
        colors=palette_from_centroids(unpremultiply(result.centroids), colors, labels),
        centroids=result.centroids,
        color_space="rgb",
        histogram=histogram,
        labels=labels,
        n_iter=result.n_iter,
        converged=result.converged,
        inertia=result.inertia,
        options=recorded,
    )


def _check_dither(dither: bool | str, channels: int, k: int) -> None:
    """Refuse, before any work, what the dithering method cannot do (``dither`` already checked)."""
    if dither == "floyd-steinberg":
        if channels == 4:
            raise ValueError(
                "Floyd–Steinberg dithering (Pillow's) takes RGB images and palettes only; "
                "use dither='ordered' for an image with transparency"
            )
        check_palette_size(k, "dithering maps to")


def _map(image: np.ndarray, palette: Palette, dither: bool | str) -> np.ndarray:
    """Labels of ``image`` on ``palette`` by nearest colour or a dithering method (arguments checked)."""
    if dither == "floyd-steinberg":
        _check_dither(dither, max(image.shape[2], palette.channels), len(palette))
        return floyd_steinberg(image, palette.colors)
    lookup = ColorLookup(palette)
    return ordered_dither(image, palette.colors, lookup) if dither == "ordered" else lookup(image)


def apply_palette(image: np.ndarray, palette: Palette | np.ndarray, *, dither: bool | str = False) -> Quantized:
    """Map an image to a palette.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    palette : Palette or ndarray of shape (K, 3) or (K, 4), uint8
        A fitted palette (colours of its histogram take their k-means cluster, others the
        nearest centre in its colour space), or given colours (every pixel takes the
        nearest, as pngquant's remapping does; RGB colours given for an RGBA image count
        as opaque). An RGBA image needs an RGBA palette.
    dither : bool or {"floyd-steinberg", "ordered"}, default False
        ``True`` or ``"floyd-steinberg"``: error diffusion onto the palette colours
        (Pillow's; RGB only, K ≤ 256). ``"ordered"``: an 8×8 Bayer threshold offset scaled
        to the palette's spacing, then the nearest colour (:func:`kmeans_lab.dither.ordered_dither`;
        deterministic per pixel position, so tiles and animation frames dither alike).
        ``False``: the nearest colour.

    Returns
    -------
    Quantized

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[[10, 10, 10], [250, 240, 230]]], np.uint8)
    >>> apply_palette(image, np.array([[0, 0, 0], [255, 255, 255]], np.uint8)).labels.tolist()
    [[0, 1]]
    """
    start = time.perf_counter()
    image = check("image", image)
    if not isinstance(palette, Palette):
        colors = np.asarray(palette)
        if image.shape[2] == 4 and colors.ndim == 2 and colors.shape[1] == 3:
            colors = np.column_stack([colors, np.full(len(colors), 255, colors.dtype)])
        palette = Palette.from_colors(colors)
    dither = check("dither", dither)
    labels = _map(image, palette, dither)
    return Quantized(
        palette=palette.colors,
        labels=labels,
        centroids=palette.centroids,
        n_iter=palette.n_iter,
        converged=palette.converged,
        seconds=time.perf_counter() - start,
        n_distinct=None,
        options={**palette.options, "color_space": palette.color_space, "dither": dither},
    )


def quantize(
    image: np.ndarray,
    k: int,
    *,
    init: str | np.ndarray = "kmeans++",
    seed: int | None = 0,
    max_iter: int = 300,
    tol: float = 1e-4,
    dtype: type = np.float32,
    algorithm: str = "auto",
    dither: bool | str = False,
    color_space: str = "rgb",
    n_init: int | None = None,
) -> Quantized:
    """Reduce an image to ``k`` colours by k-means.

    Exactly ``apply_palette(image, fit_palette(ColorHistogram.from_image(image), k, ...),
    dither=dither)``: one code path, so the composition gives the same palette and labels.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        RGB, or RGBA with straight alpha (clustered premultiplied; fully transparent pixels
        keep one fully transparent entry: see :func:`fit_palette`).
    k : int
        Colours wanted, ≥ 1. Above the image's distinct colours the image is returned
        unchanged (lossless, its own colours as palette) with a ``UserWarning``.
    init, seed, max_iter, tol, dtype, algorithm, color_space, n_init
        As in :func:`fit_palette`.
    dither : bool or {"floyd-steinberg", "ordered"}, default False
        As in :func:`apply_palette`. The palette is the same either way; dithering usually
        lowers PSNR and looks better on smooth gradients. Floyd–Steinberg needs K ≤ 256
        and an RGB image.

    Returns
    -------
    Quantized

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import quantize
    >>> img = np.zeros((2, 2, 3), np.uint8); img[0] = 200
    >>> q = quantize(img, 2)
    >>> sorted(map(tuple, q.palette.tolist()))
    [(0, 0, 0), (200, 200, 200)]
    """
    start = time.perf_counter()
    image, k, dither = check("image", image), check("k", k), check("dither", dither)
    _check_dither(dither, image.shape[2], k)  # before any work
    histogram = ColorHistogram.from_image(image)
    palette = fit_palette(
        histogram,
        k,
        init=init,
        seed=seed,
        max_iter=max_iter,
        tol=tol,
        dtype=dtype,
        algorithm=algorithm,
        color_space=color_space,
        n_init=n_init,
    )
    lossless = len(palette) < k  # the image's own colours: nothing to dither
    quantized = apply_palette(image, palette, dither=False if lossless else dither)
    return replace(quantized, seconds=time.perf_counter() - start, n_distinct=len(histogram))
