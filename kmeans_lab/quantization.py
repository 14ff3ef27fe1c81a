"""Colour quantization of images by k-means on their distinct colours.

Lloyd's algorithm on an image's distinct colours, each weighted by its pixel count, computes
exactly the same clustering as on every pixel (the assignment of a pixel depends only on its
colour, and a weighted mean is the mean over the repeated pixels), on far fewer points.

Two steps, usable apart: :func:`fit_palette` runs the k-means on a
:class:`~kmeans_lab.histogram.ColorHistogram` (one image's, or the sum of many) and returns a
:class:`Palette`; :func:`apply_palette` maps any image to a palette through a colour → index
lookup table, one gather per pixel. :func:`quantize` is exactly the two composed. Knows
nothing of files beyond :meth:`Quantized.save`, which hands over to :mod:`kmeans_lab.image`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ._validation import check, check_palette_size
from ._warnings import warn
from .cluster import weighted_kmeans
from .cluster.distance import nearest_centers
from .color import lab_to_rgb, rgb_to_lab
from .dither import floyd_steinberg
from .histogram import ColorHistogram, pack_colors, row_chunks, unpack_colors
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
    palette : ndarray of shape (K, 3), uint8
        The colours, distinct, in k-means cluster order.
    labels : ndarray of shape (H, W), uint8 (uint16 above 256 colours)
        Palette index of each pixel.
    centroids : ndarray of shape (K, 3), float64
        The k-means centres before rounding to the palette, in the colour space clustered
        in (sRGB 0..255, or CIELAB L*a*b* for ``color_space="lab"``).
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
        """The quantized image, ndarray of shape (H, W, 3), uint8."""
        return expand(self.palette, self.labels)

    def save(self, path: str | Path) -> int:
        """Write the image (palette PNG for ``.png``; format by suffix); return bytes written.

        See :func:`kmeans_lab.image.save_quantized`.
        """
        return save_quantized(path, self.palette, self.labels)


def expand(palette: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``palette[labels]``, fast: one 4-byte gather per pixel instead of a row gather.

    Parameters
    ----------
    palette : ndarray of shape (K, 3), uint8
    labels : ndarray of shape (H, W), integer

    Returns
    -------
    ndarray of shape (H, W, 3), uint8

    Examples
    --------
    >>> import numpy as np
    >>> expand(np.array([[1, 2, 3], [4, 5, 6]], np.uint8), np.array([[1, 0]])).tolist()
    [[[4, 5, 6], [1, 2, 3]]]
    """
    padded = np.zeros((len(palette), 4), dtype=np.uint8)
    padded[:, :3] = palette
    words = np.take(padded.view(np.uint32).reshape(-1), labels)
    return words.view(np.uint8).reshape(*labels.shape, 4)[..., :3].copy()


def palette_from_centroids(centroids: np.ndarray, colors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Round centres to uint8 colours, keeping the palette free of duplicates.

    Two centres closer than half a level in every channel would round to one colour and
    the image would lose a colour. The later duplicate then takes the colour of its own
    cluster closest to its centre that is not yet in the palette, so a result with K
    non-empty clusters always has exactly K colours.

    Parameters
    ----------
    centroids : ndarray of shape (K, 3), float64, in 0..255
    colors : ndarray of shape (m, 3), uint8 — the points clustered
    labels : ndarray of shape (m,), intp — cluster of each colour

    Returns
    -------
    ndarray of shape (K, 3), uint8
    """
    palette = np.clip(np.rint(centroids), 0, 255).astype(np.uint8)
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
    colors : ndarray of shape (K, 3), uint8
        The palette, distinct colours in k-means cluster order.
    centroids : ndarray of shape (K, 3), float64
        The k-means centres before rounding, in the colour space clustered in.
    color_space : {"rgb", "lab"}
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
        """A given palette (``(K, 3)`` uint8, distinct): every colour maps to its nearest entry."""
        colors = np.asarray(colors)
        if colors.ndim != 2 or colors.shape[1] != 3 or colors.dtype != np.uint8 or len(colors) == 0:
            raise ValueError(f"a palette must be a non-empty (K, 3) uint8 array, got {colors.dtype} {colors.shape}")
        empty = ColorHistogram(np.empty((0, 3), np.uint8), np.empty(0, np.int64))
        return cls(colors, colors.astype(np.float64), "rgb", empty, np.empty(0, np.intp), 0, True, float("nan"))

    def __len__(self) -> int:
        return len(self.colors)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.colors if dtype is None else self.colors.astype(dtype)

    def __repr__(self) -> str:
        return f"Palette({len(self)} colours, {self.color_space}, fitted on {len(self.histogram)} colours)"


def _label_dtype(k: int) -> type:
    return np.uint8 if k <= 256 else np.uint16 if k <= 65536 else np.int32


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
    build one per palette and reuse it for many images.
    """

    def __init__(self, palette: Palette) -> None:
        self.palette = palette
        k = len(palette)
        self._table_dtype = np.uint16 if k < 0xFFFF else np.int32
        self._unknown = np.iinfo(self._table_dtype).max
        self.table = np.full(1 << 24, self._unknown, dtype=self._table_dtype)
        self.table[palette.histogram.keys] = palette.labels

    def _resolve(self, keys: np.ndarray) -> None:
        """Label colours not yet in the table by their nearest centre."""
        keys = np.unique(keys)
        points = unpack_colors(keys).astype(np.float64)
        if self.palette.color_space == "lab":
            points = rgb_to_lab(points)
        self.table[keys] = nearest_centers(points, self.palette.centroids)[0]

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Palette indices of ``image`` (``(H, W, 3)`` uint8): ndarray of shape (H, W), uint8/uint16/int32."""
        image = check("image", image)
        labels = np.empty(image.shape[:2], dtype=_label_dtype(len(self.palette)))
        for top, block in row_chunks(image):
            keys = pack_colors(block)
            found = self.table[keys]
            missing = found == self._unknown
            if missing.any():
                self._resolve(keys[missing])
                found = self.table[keys]
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
) -> Palette:
    """K colours by weighted k-means on a colour histogram.

    Parameters
    ----------
    histogram : ColorHistogram
        The colours and their pixel counts: one image's, or the sum of many images'.
    k : int
        Colours wanted, ≥ 1. Above the histogram's distinct colours, those colours
        themselves are returned (lossless) with a ``UserWarning``.
    init : {"kmeans++", "in_pixels", "random"} or ndarray of shape (k, 3), default "kmeans++"
        Initialiser (drawn on the distinct colours weighted by pixel count, the same
        distribution as on every pixel) or explicit initial centres in 0..255.
    seed : int or None, default 0
    max_iter : int, default 300
    tol : float, default 1e-4
        Relative to the mean channel variance, as in :func:`kmeans_lab.kmeans`.
    dtype : {numpy.float32, numpy.float64}, default float32
        Precision of the distance computations.
    algorithm : {"auto", "hamerly", "lloyd"}, default "auto"
        E step with triangle-inequality bounds, plain, or the faster of the two; the same
        clustering either way (see :func:`kmeans_lab.kmeans`).
    color_space : {"rgb", "lab"}, default "rgb"
        Cluster in sRGB, or in CIELAB (scikit-image, D65) with the centres converted back
        to sRGB, clipped and rounded.

    Returns
    -------
    Palette

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
        "init": check("init", init, k=k, d=3),
        "seed": check("seed", seed),
        "max_iter": check("max_iter", max_iter),
        "tol": check("tol", tol),
        "dtype": check("dtype", dtype),
        "algorithm": check("algorithm", algorithm),
    }
    color_space = check("color_space", color_space)
    recorded = {**options, "init": init if isinstance(init, str) else "explicit", "dtype": options["dtype"].name}
    colors = histogram.colors
    if k > len(colors):
        warn(
            f"k={k} is more than the image's {len(colors)} distinct colours; "
            "returning the image's own colours (lossless)"
        )
        centroids = colors.astype(np.float64)
        if color_space == "lab":
            centroids = rgb_to_lab(centroids)
        labels = np.arange(len(colors))
        return Palette(colors, centroids, color_space, histogram, labels, 0, True, 0.0, recorded)
    points = colors.astype(np.float64)
    if color_space == "lab":
        points = rgb_to_lab(points)
        if not isinstance(options["init"], str):
            options["init"] = rgb_to_lab(options["init"])
    result = weighted_kmeans(points, histogram.counts.astype(np.float64), k, **options)
    rgb_centroids = lab_to_rgb(result.centroids) if color_space == "lab" else result.centroids
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


def apply_palette(image: np.ndarray, palette: Palette | np.ndarray, *, dither: bool = False) -> Quantized:
    """Map an image to a palette.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    palette : Palette or ndarray of shape (K, 3), uint8
        A fitted palette (colours of its histogram take their k-means cluster, others the
        nearest centre in its colour space), or given colours (every pixel takes the
        nearest, as pngquant's remapping does).
    dither : bool, default False
        Floyd–Steinberg error diffusion onto the palette colours (Pillow's) instead of
        nearest colours; K ≤ 256.

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
        palette = Palette.from_colors(palette)
    dither = check("dither", dither)
    if dither:
        check_palette_size(len(palette), "dithering maps to")
        labels = floyd_steinberg(image, palette.colors)
    else:
        labels = ColorLookup(palette)(image)
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
    dither: bool = False,
    color_space: str = "rgb",
) -> Quantized:
    """Reduce an image to ``k`` colours by k-means.

    Exactly ``apply_palette(image, fit_palette(ColorHistogram.from_image(image), k, ...),
    dither=dither)``: one code path, so the composition gives the same palette and labels.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    k : int
        Colours wanted, ≥ 1. Above the image's distinct colours the image is returned
        unchanged (lossless, its own colours as palette) with a ``UserWarning``.
    init, seed, max_iter, tol, dtype, algorithm, color_space
        As in :func:`fit_palette`.
    dither : bool, default False
        As in :func:`apply_palette`. The palette is the same either way; dithering usually
        lowers PSNR and looks better on smooth gradients. Needs K ≤ 256.

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
    k, dither = check("k", k), check("dither", dither)
    if dither:  # before any work
        check_palette_size(k, "dithering maps to")
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
    )
    lossless = len(palette) < k  # the image's own colours: nothing to dither
    quantized = apply_palette(image, palette, dither=dither and not lossless)
    return replace(quantized, seconds=time.perf_counter() - start, n_distinct=len(histogram))
