"""Colour quantization of images by k-means on their distinct colours.

Lloyd's algorithm on an image's distinct colours, each weighted by its pixel count,
computes exactly the same clustering as on every pixel (the assignment of a pixel depends
only on its colour, and a weighted mean is the mean over the repeated pixels), on far fewer
points. Knows nothing of files beyond :meth:`Quantized.save`, which hands over to
:mod:`kmeans_lab.image`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import check, check_palette_size
from .cluster import weighted_kmeans
from .color import lab_to_rgb, rgb_to_lab
from .dither import floyd_steinberg
from .histogram import distinct_colors, pack_colors
from .image import save_quantized

__all__ = ["Quantized", "quantize", "expand", "palette_from_centroids"]


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
        Wall-clock time of :func:`quantize`.
    n_distinct : int
        Distinct colours of the input image.
    options : dict
        The options the palette was made with (init, seed, stopping rule, ...).
    """

    palette: np.ndarray
    labels: np.ndarray
    centroids: np.ndarray
    n_iter: int
    converged: bool
    seconds: float
    n_distinct: int
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
    distinct: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Quantized:
    """Reduce an image to ``k`` colours by k-means.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    k : int
        Colours wanted, ≥ 1. Above the image's distinct colours the image is returned
        unchanged (lossless, its own colours as palette) with a ``UserWarning``.
    init : {"kmeans++", "in_pixels", "random"} or ndarray of shape (k, 3), default "kmeans++"
        Initialiser (drawn on the distinct colours, weighted by pixel count, which is the
        same distribution as on every pixel) or explicit initial centres in 0..255.
    seed : int or None, default 0
    max_iter : int, default 300
    tol : float, default 1e-4
        Relative to the mean channel variance, as in :func:`kmeans_lab.kmeans`.
    dtype : {numpy.float32, numpy.float64}, default float32
        Precision of the distance computations.
    algorithm : {"auto", "hamerly", "lloyd"}, default "auto"
        E step with triangle-inequality bounds, plain, or the faster of the two for this
        precision and k; the same clustering either way (see :func:`kmeans_lab.kmeans`).
    dither : bool, default False
        Map pixels to the palette by Floyd–Steinberg error diffusion (Pillow's) instead of
        to their cluster's colour. The palette is the same either way; dithering usually
        lowers PSNR and looks better on smooth gradients. Needs K ≤ 256.
    color_space : {"rgb", "lab"}, default "rgb"
        Cluster the distinct colours in sRGB, or in CIELAB (scikit-image, D65) with the
        centres converted back to sRGB, clipped and rounded. Without dithering, pixels take
        their cluster's colour (nearest centre in that space).
    distinct : tuple, optional
        ``distinct_colors(image)``, computed once by a caller that quantizes the same image
        at many K (as :func:`kmeans_lab.choose_k` does); not checked against ``image``.

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
    image = check("image", image)
    k = check("k", k)
    kmeans_options = {
        "init": check("init", init, k=k, d=3),
        "seed": check("seed", seed),
        "max_iter": check("max_iter", max_iter),
        "tol": check("tol", tol),
        "dtype": check("dtype", dtype),
        "algorithm": check("algorithm", algorithm),
    }
    color_space = check("color_space", color_space)
    dither = check("dither", dither)
    if dither:
        check_palette_size(k, "dithering maps to")
    options = {
        **kmeans_options,
        "init": init if isinstance(init, str) else "explicit",
        "dtype": kmeans_options["dtype"].name,
        "dither": dither,
        "color_space": color_space,
    }
    height, width, _ = image.shape

    colors, counts, inverse = distinct_colors(image) if distinct is None else distinct
    if k > len(colors):
        warnings.warn(
            f"k={k} is more than the image's {len(colors)} distinct colours; "
            "returning the image's own colours (lossless)",
            UserWarning,
            stacklevel=2,
        )
        palette, centroids, color_labels = colors, colors.astype(np.float64), np.arange(len(colors))
        n_iter, converged = 0, True
    else:
        points = colors.astype(np.float64)
        if color_space == "lab":
            points = rgb_to_lab(points)
            if not isinstance(kmeans_options["init"], str):
                kmeans_options["init"] = rgb_to_lab(kmeans_options["init"])
        result = weighted_kmeans(points, counts.astype(np.float64), k, **kmeans_options)
        centroids, color_labels = result.centroids, result.labels
        n_iter, converged = result.n_iter, result.converged
        rgb_centroids = lab_to_rgb(centroids) if color_space == "lab" else centroids
        palette = palette_from_centroids(rgb_centroids, colors, color_labels)

    label_dtype = np.uint8 if len(palette) <= 256 else np.uint16 if len(palette) <= 65536 else np.int32
    if dither and k <= len(colors):
        labels = floyd_steinberg(image, palette)
    else:
        labels = color_labels.astype(label_dtype)[inverse].reshape(height, width)
    return Quantized(
        palette=palette,
        labels=labels,
        centroids=centroids,
        n_iter=n_iter,
        converged=converged,
        seconds=time.perf_counter() - start,
        n_distinct=len(colors),
        options=options,
    )
