"""Colour quantization by k-means on an image's distinct colours: fit a palette, apply it.

Lloyd's algorithm on an image's distinct colours, each weighted by its pixel count, computes
exactly the clustering of every pixel (a pixel's assignment depends only on its colour, and a
weighted mean is the mean over the repeated pixels), on far fewer points.

:func:`fit_palette` runs the k-means on a :class:`~kmeans_lab.histogram.ColorHistogram` (one
image's, or the sum of many) and returns a :class:`~kmeans_lab.palette.Palette`;
:func:`apply_palette` maps an image to a palette; :func:`quantize` is the two composed, the
image's own colours mapped through their clusters directly. The colours become points of the
clustering space through the encoder of :mod:`kmeans_lab.spaces`, and the centres come back
through it.

RGBA images (straight alpha) are clustered as premultiplied points: the squared distance there
is the error the RGBA MSE of :mod:`kmeans_lab.metrics` counts. Fully transparent pixels keep
one palette entry ``(0, 0, 0, 0)`` of their own, so they stay fully transparent.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ._validation import check
from ._warnings import warn
from .cascade import cascade_kmeans, start_plan
from .dither import diffuse, ordered_dither
from .histogram import ColorHistogram, count_keys, label_pixels
from .lookup import ColorLookup, label_dtype
from .options import KMeansOptions
from .palette import Palette, Quantized, round_palette
from .spaces import encoder

__all__ = ["fit_palette", "apply_palette", "quantize"]


def fit_palette(histogram: ColorHistogram, k: int, options: KMeansOptions | None = None, **changes: object) -> Palette:
    """K colours by weighted k-means on a colour histogram.

    Parameters
    ----------
    histogram : ColorHistogram
        The colours and their pixel counts: one image's, or the sum of many images'.
    k : int
        Colours wanted, ≥ 1. Above the histogram's distinct colours, those colours
        themselves are returned (lossless) with a ``UserWarning``.
    options : KMeansOptions, optional
        How the k-means runs (colour space, initialiser, seed, stopping rule).
    **changes
        Fields of :class:`KMeansOptions` to change, e.g. ``seed=3, color_space="oklab"``.

    Returns
    -------
    Palette

    Notes
    -----
    The colours are clustered in ``options.color_space``: sRGB, CIELAB or Oklab. An RGBA
    histogram is clustered as premultiplied points weighted by pixel count; fully
    transparent pixels, if any and ``k ≥ 2``, keep the palette's first entry ``(0, 0, 0, 0)``
    to themselves and the other ``k − 1`` entries are the k-means of the remaining pixels
    (an explicit ``init`` then loses its row nearest to transparent). If every remaining
    colour is opaque that is the RGB clustering of the image without its alpha.

    The result is a weighted-Lloyd fixed point of every colour (so of every pixel) in the
    clustering space, reached by the stopping rule; with ``tol=0`` one more iteration
    changes no label. Coarse colour cells and several starts only choose where that Lloyd
    starts (:mod:`kmeans_lab.cascade`).

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
    options = _options(options, changes, k, histogram.channels)
    return _fit(histogram, k, options)


def _options(options: KMeansOptions | None, changes: dict, k: int, channels: int) -> KMeansOptions:
    """The options of a fit of ``k`` colours of ``channels`` channels, checked against them."""
    options = KMeansOptions.of(options, **changes)
    if not isinstance(options.init, str) and options.init.shape != (k, channels):
        raise ValueError(f"init centres must have shape ({k}, {channels}), got {options.init.shape}")
    encoder(options.color_space, channels)  # refuses a space it cannot cluster in, before any work
    return options


def _fit(histogram: ColorHistogram, k: int, options: KMeansOptions) -> Palette:
    """:func:`fit_palette` with valid arguments."""
    colors, channels = histogram.colors, histogram.channels
    space = encoder(options.color_space, channels)
    if k > len(colors):
        warn(f"k={k} is more than the image's {len(colors)} distinct colours; returning its own colours (lossless)")
        labels = np.arange(len(colors))
        return Palette(colors, space.encode(colors), options.color_space, histogram, labels, options=options)
    if channels == 4 and colors[0, 3] == 0 and k >= 2:  # transparent pixels: an entry of their own
        return _with_transparent_entry(histogram, k, options)
    if channels == 4 and (colors[:, 3] == 255).all():  # opaque: the RGB clustering itself
        return _as_opaque_rgba(histogram, k, options)
    init = options.init if isinstance(options.init, str) else space.encode(options.init)
    settings = dict(init=init, seed=options.seed, n_init=options.n_init, max_iter=options.max_iter, tol=options.tol)
    result = cascade_kmeans(space.encode(colors), histogram.counts.astype(np.float64), k, **settings)
    return Palette(
        colors=round_palette(space.decode(result.centroids), colors, result.labels),
        centroids=result.centroids,
        color_space=options.color_space,
        histogram=histogram,
        labels=result.labels,
        n_iter=result.n_iter,
        converged=result.converged,
        inertia=result.inertia,
        options=options,
        n_init=start_plan(k, options.n_init).n_init if isinstance(init, str) else 1,
    )


def _with_transparent_entry(histogram: ColorHistogram, k: int, options: KMeansOptions) -> Palette:
    """Entry 0 ``(0, 0, 0, 0)`` for the fully transparent pixels, the k − 1 others fitted on the rest."""
    init = options.init
    if not isinstance(init, str):  # its row nearest to transparent goes
        init = np.delete(init, np.argmin(encoder("rgb", 4).encode(init)[:, 3]), axis=0)
    rest = _fit(ColorHistogram(histogram.colors[1:], histogram.counts[1:]), k - 1, replace(options, init=init))
    return replace(
        rest,
        colors=np.vstack([np.zeros((1, 4), np.uint8), rest.colors]),
        centroids=np.vstack([np.zeros((1, rest.centroids.shape[1])), rest.centroids]),
        histogram=histogram,
        labels=np.concatenate([[0], rest.labels + 1]),
    )


def _as_opaque_rgba(histogram: ColorHistogram, k: int, options: KMeansOptions) -> Palette:
    """Opaque RGBA colours: the palette of their RGB clustering, made opaque RGBA.

    Its centres are the RGB centres as points of the premultiplied encoder (alpha 255), so
    other colours are looked up in the same space as a fitted RGBA palette's.
    """
    init = options.init if isinstance(options.init, str) else options.init[:, :3]
    rgb = _fit(ColorHistogram(histogram.colors[:, :3].copy(), histogram.counts), k, replace(options, init=init))
    opaque_white = encoder(options.color_space, 4).encode(np.array([[255, 255, 255, 255]], np.uint8))[0]
    centroids = np.column_stack([rgb.centroids * 255, np.full(len(rgb), opaque_white[3])])
    colors = np.column_stack([rgb.colors, np.full(len(rgb), 255, np.uint8)])
    return replace(rgb, colors=colors, centroids=centroids, histogram=histogram)


def _map(image: np.ndarray, palette: Palette, dither: bool | str) -> np.ndarray:
    """Labels of ``image`` on ``palette`` by the nearest colour or a dithering method (arguments valid)."""
    if dither == "diffusion":
        return diffuse(image, palette.colors, palette.color_space)
    lookup = ColorLookup(palette)
    return ordered_dither(image, palette.colors, lookup) if dither == "ordered" else lookup(image)


def apply_palette(image: np.ndarray, palette: Palette, *, dither: bool | str = False) -> Quantized:
    """Map an image to a palette.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    palette : Palette
        A fitted palette (colours of its histogram take their k-means cluster, others the
        nearest centre in its clustering space), or given colours, ``Palette.from_colors``
        (every pixel takes the nearest, as pngquant's remapping does). An RGBA image needs
        an RGBA palette; an RGB image mapped to an RGBA palette counts as opaque.
    dither : bool or {"diffusion", "ordered"}, default False
        ``True`` or ``"diffusion"``: error diffusion in the palette's clustering space with
        libimagequant's limits on what is spread (:func:`kmeans_lab.dither.diffuse`: smooth
        gradients, little noise where the palette already fits). ``"ordered"``: an 8×8
        Bayer threshold offset scaled to the palette's spacing, then the nearest colour
        (deterministic per pixel position, so tiles and animation frames dither alike and a
        still area stays still). ``False``: the nearest colour.

    Returns
    -------
    Quantized

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import Palette
    >>> image = np.array([[[10, 10, 10], [250, 240, 230]]], np.uint8)
    >>> black_white = Palette.from_colors(np.array([[0, 0, 0], [255, 255, 255]], np.uint8))
    >>> apply_palette(image, black_white).labels.tolist()
    [[0, 1]]
    """
    start = time.perf_counter()
    image, dither = check("image", image), check("dither", dither)
    if not isinstance(palette, Palette):
        raise ValueError(
            f"palette must be a Palette, got {type(palette).__name__} (Palette.from_colors(colors) for given colours)"
        )
    if image.shape[2] == 4 and palette.channels == 3:
        raise ValueError("an RGBA image needs an RGBA palette (K, 4): fit it on the RGBA image's histogram")
    labels = _map(image, palette, dither)
    return Quantized(palette, labels, dither, time.perf_counter() - start)


def quantize(
    image: np.ndarray,
    k: int,
    *,
    dither: bool | str = False,
    options: KMeansOptions | None = None,
    **changes: object,
) -> Quantized:
    """Reduce an image to ``k`` colours by k-means.

    The same palette and labels as ``apply_palette(image, fit_palette(ColorHistogram.from_image(image), k,
    options), dither=dither)``; without dithering the image's colours map through their
    clusters directly.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
        RGB, or RGBA with straight alpha (clustered premultiplied; fully transparent pixels
        keep one fully transparent entry: see :func:`fit_palette`).
    k : int
        Colours wanted, ≥ 1. Above the image's distinct colours the image is returned
        unchanged (lossless, its own colours as palette) with a ``UserWarning``.
    dither : bool or {"diffusion", "ordered"}, default False
        As in :func:`apply_palette`. The palette is the same either way.
    options : KMeansOptions, optional
    **changes
        Fields of :class:`KMeansOptions` to change, e.g. ``seed=3, color_space="oklab"``.

    Returns
    -------
    Quantized

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import quantize
    >>> img = np.zeros((2, 2, 3), np.uint8); img[0] = 200
    >>> q = quantize(img, 2)
    >>> sorted(map(tuple, q.palette.colors.tolist()))
    [(0, 0, 0), (200, 200, 200)]
    """
    start = time.perf_counter()
    image, k, dither = check("image", image), check("k", k), check("dither", dither)
    options = _options(options, changes, k, image.shape[2])
    keys, counts = count_keys(image)
    histogram = ColorHistogram.from_keys_and_counts(keys, counts, image.shape[2])
    palette = _fit(histogram, k, options)
    if dither and len(palette) == k:  # (fewer colours: the image's own, nothing to dither)
        labels = _map(image, palette, dither)
    else:  # every colour is in the histogram: its cluster, by key
        labels = label_pixels(image, keys, palette.labels, label_dtype(len(palette)))
    seconds = time.perf_counter() - start
    return Quantized(palette, labels, dither if len(palette) == k else False, seconds, len(histogram))
