"""Colour quantization of images by k-means on their distinct colours.

A photograph of millions of pixels typically holds a few hundred thousand distinct
colours. Lloyd's algorithm on the distinct colours, each weighted by its pixel count,
computes exactly the same clustering as on every pixel (the assignment of a pixel depends
only on its colour, and a weighted mean is the mean over the repeated pixels), on far
fewer points. Knows nothing of files: see :mod:`kmeans_lab.image`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .kmeans import (
    _validate_dtype,
    _validate_stopping,
    initial_centers,
    lloyd,
    validate_algorithm,
    validate_k,
)

__all__ = [
    "Quantized",
    "quantize",
    "distinct_colors",
    "expand",
    "validate_image",
    "palette_from_centroids",
    "dither_to_palette",
    "COLOR_SPACES",
]

#: Colour spaces k-means can cluster in.
COLOR_SPACES = ("rgb", "lab")

# Above this many pixels a 2^24-bin histogram (two linear passes) beats sorting.
_HISTOGRAM_MIN_PIXELS = 1 << 18


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
        """Write the image (palette PNG for ``.png``; format by suffix); return bytes written."""
        from .image import save_quantized

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
    """
    padded = np.zeros((len(palette), 4), dtype=np.uint8)
    padded[:, :3] = palette
    words = np.take(padded.view(np.uint32).reshape(-1), labels)
    return words.view(np.uint8).reshape(*labels.shape, 4)[..., :3].copy()


def validate_image(image: object) -> np.ndarray:
    """Return ``image`` as an (H, W, 3) uint8 array or raise ``ValueError`` naming the problem."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3), got {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (0..255), got dtype {arr.dtype}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"image is empty, shape {arr.shape}")
    return arr


def _pack(image: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> (n,) uint32 keys 0xRRGGBB (lexicographic colour order).

    The bytes B, G, R, 0 of each pixel are laid out in a (n, 4) buffer and read as one
    little-endian uint32: three strided byte copies, no widening of whole channels.
    """
    flat = image.reshape(-1, 3)
    buf = np.zeros((len(flat), 4), dtype=np.uint8)
    buf[:, 0] = flat[:, 2]
    buf[:, 1] = flat[:, 1]
    buf[:, 2] = flat[:, 0]
    # Read as little-endian whatever the machine; a no-op conversion on little-endian ones.
    return buf.view("<u4").reshape(-1).astype(np.uint32, copy=False)


def distinct_colors(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct colours of an image, their pixel counts and each pixel's colour index.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8

    Returns
    -------
    colors : ndarray of shape (m, 3), uint8
        Distinct colours in lexicographic (R, G, B) order.
    counts : ndarray of shape (m,), int64
        Pixels of each colour.
    inverse : ndarray of shape (H*W,), int32
        ``colors[inverse]`` is the image in raster order.

    Notes
    -----
    Colours are packed into 24-bit integers. Large images mark the keys present in a
    2^24-entry boolean table (16 MiB; cheaper than a 2^24 int64 histogram, which is
    128 MiB to zero and scan), number them through a lookup table written only where a
    colour is present, and count pixels by a bincount over the m colour indices —
    O(N + 2^24), no sort. Small images use ``np.unique`` (O(N log N)), cheaper than
    touching 2^24 entries.
    """
    keys = _pack(validate_image(image))
    if keys.size >= _HISTOGRAM_MIN_PIXELS:
        seen = np.zeros(1 << 24, dtype=bool)
        seen[keys] = True
        present = np.flatnonzero(seen).astype(np.uint32)
        lookup = np.empty(1 << 24, dtype=np.int32)  # only entries at `present` are read
        lookup[present] = np.arange(len(present), dtype=np.int32)
        inverse = lookup[keys]
        counts = np.bincount(inverse, minlength=len(present))
    else:
        present, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        inverse = inverse.astype(np.int32).reshape(-1)
    colors = np.empty((len(present), 3), dtype=np.uint8)
    colors[:, 0] = present >> 16
    colors[:, 1] = (present >> 8) & 0xFF
    colors[:, 2] = present & 0xFF
    return colors, counts.astype(np.int64, copy=False), inverse


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
    keys = _pack(palette[None])
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
        for idx in candidates[order]:
            ckey = int(_pack(colors[idx][None, None])[0])
            if ckey not in used:
                palette[j] = colors[idx]
                used.add(ckey)
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
    image = validate_image(image)
    k = validate_k(k)
    max_iter, tol = _validate_stopping(max_iter, tol)
    work_dtype = _validate_dtype(dtype)
    algorithm = validate_algorithm(algorithm)
    if color_space not in COLOR_SPACES:
        raise ValueError(f"color_space must be one of {', '.join(map(repr, COLOR_SPACES))}, got {color_space!r}")
    if not isinstance(dither, (bool, np.bool_)):
        raise ValueError(f"dither must be True or False, got {dither!r}")
    if dither and k > 256:
        raise ValueError(f"dithering maps to a palette of at most 256 colours, got k={k}")
    options = {
        "init": init if isinstance(init, str) else "explicit",
        "seed": seed,
        "max_iter": max_iter,
        "tol": tol,
        "algorithm": algorithm,
        "dither": bool(dither),
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
        palette, centroids, color_labels, n_iter, converged = colors, colors.astype(np.float64), np.arange(len(colors)), 0, True
    else:
        points = colors.astype(np.float64)
        if color_space == "lab":
            points = _rgb_to_lab(points)
            if not isinstance(init, str):
                init = _rgb_to_lab(np.asarray(init, dtype=np.float64))
        weights = counts.astype(np.float64)
        rng = np.random.default_rng(seed)
        centers = initial_centers(init, points, k, rng, weights)
        result = lloyd(points, weights, centers, max_iter=max_iter, tol=tol, dtype=work_dtype, algorithm=algorithm)
        centroids, color_labels = result.centroids, result.labels
        n_iter, converged = result.n_iter, result.converged
        rgb_centroids = _lab_to_rgb(centroids) if color_space == "lab" else centroids
        palette = palette_from_centroids(rgb_centroids, colors, color_labels)

    label_dtype = np.uint8 if len(palette) <= 256 else np.uint16 if len(palette) <= 65536 else np.int32
    if dither and k <= len(colors):
        labels = dither_to_palette(image, palette)
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


def _rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(n, 3) sRGB in 0..255 -> (n, 3) CIELAB (D65), float64."""
    from .metrics import _skimage

    color = _skimage("color")
    return color.rgb2lab(np.asarray(rgb, dtype=np.float64)[:, None, :] / 255.0)[:, 0, :]


def _lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """(n, 3) CIELAB -> (n, 3) sRGB in 0..255, float64, clipped to the gamut."""
    from .metrics import _skimage

    color = _skimage("color")
    with warnings.catch_warnings():
        # A centre outside the sRGB gamut draws a "negative Z values" notice; it is clipped below.
        warnings.simplefilter("ignore", UserWarning)
        rgb = color.lab2rgb(np.asarray(lab, dtype=np.float64)[:, None, :])[:, 0, :]
    return np.clip(rgb, 0.0, 1.0) * 255.0


def dither_to_palette(image: np.ndarray, palette: np.ndarray) -> np.ndarray:
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
    """
    from PIL import Image

    palette = np.asarray(palette, dtype=np.uint8)
    k = len(palette)
    if not 1 <= k <= 256:
        raise ValueError(f"dithering needs 1 to 256 palette colours, got {k}")
    padded = np.repeat(palette[:1], 256, axis=0)
    padded[:k] = palette
    target = Image.new("P", (1, 1))
    target.putpalette(padded.reshape(-1).tolist(), rawmode="RGB")
    source = Image.fromarray(validate_image(image), "RGB")
    out = source.quantize(palette=target, dither=Image.Dither.FLOYDSTEINBERG)
    indices = np.asarray(out, dtype=np.uint8)
    lut = np.zeros(256, dtype=np.uint8)
    lut[:k] = np.arange(k, dtype=np.uint8)
    return lut[indices]
