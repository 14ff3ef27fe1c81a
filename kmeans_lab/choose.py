"""Choosing K: the fewest colours that reach a quality, or the most that fit a byte budget.

Both searches bisect over K on one image, quantizing at O(log k_max) values of K rather than
all of them. The image's colour histogram is computed once and shared by every K, and each
K is fitted at most once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ._validation import check, check_palette_size
from .histogram import ColorHistogram
from .metrics import mse, palette_png_bytes, psnr_from_mse
from .options import KMeansOptions
from .palette import Quantized
from .quantization import apply_palette, fit_palette

__all__ = ["choose_k"]


def choose_k(
    image: np.ndarray,
    *,
    target_psnr: float | None = None,
    max_bytes: int | None = None,
    k_max: int = 256,
    dither: bool | str = False,
    options: KMeansOptions | None = None,
    **changes: object,
) -> tuple[int, Quantized]:
    """The smallest K whose PSNR reaches a target, or the largest K whose palette PNG fits a budget.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), uint8
    target_psnr : float, optional
        Quality wanted in dB (:func:`kmeans_lab.metrics.psnr`, peak 1 on the [0, 1] scale).
    max_bytes : int, optional
        Size limit of the palette PNG (:func:`kmeans_lab.metrics.palette_png_bytes`).
        Give exactly one of ``target_psnr`` and ``max_bytes``.
    k_max : int, default 256
        Largest K tried; at most 256 with ``max_bytes`` (a palette PNG holds 256 colours).
        K above the image's distinct colours is never tried: at that many colours the
        image is already lossless.
    dither : bool or {"diffusion", "ordered"}, default False
        Map pixels by dithering (:func:`kmeans_lab.apply_palette`).
    options : KMeansOptions, optional
        The k-means options, the same for every K.
    **changes
        Fields of :class:`KMeansOptions` to change, e.g. ``seed=3``.

    Returns
    -------
    k : int
    quantized : Quantized
        The image quantized at that K (``seconds`` is that K's fit and map alone).

    Raises
    ------
    ValueError
        Neither or both criteria given; the target PSNR is above what ``k_max`` colours
        reach (the message names the best PSNR reached); or ``max_bytes`` is below the size
        of the one-colour palette PNG.

    Notes
    -----
    Bisection assumes the criterion is monotone in K: PSNR does not fall and the palette
    PNG does not shrink as K grows. That holds for the trend but not strictly — k-means is
    a local search, and PNG compression of the label image is not monotone — so the K
    returned is one where the criterion changes between K − 1 and K (it satisfies the
    criterion, K − 1 does not, or K + 1 does not fit), which is the smallest (largest) such
    K when the assumption holds. Cost: about ``2 + log2(k_max)`` quantizations.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeans_lab import choose_k
    >>> img = np.zeros((4, 4, 3), np.uint8); img[:2] = 100; img[:, :2, 0] = 250
    >>> k, q = choose_k(img, target_psnr=60.0)
    >>> k
    4
    """
    image = check("image", image)
    if (target_psnr is None) == (max_bytes is None):
        raise ValueError("give exactly one of target_psnr and max_bytes")
    k_max = check("k_max", k_max)
    if max_bytes is not None:
        check_palette_size(k_max, label="k_max")
    dither = check("dither", dither)
    options = KMeansOptions.of(options, **changes)
    histogram = ColorHistogram.from_image(image)
    k_hi = min(k_max, len(histogram))
    cache: dict[int, tuple[Quantized, float, int | None]] = {}

    def evaluate(k: int) -> tuple[Quantized, float, int | None]:
        if k not in cache:
            start = time.perf_counter()
            q = apply_palette(image, fit_palette(histogram, k, options), dither=dither)
            q = replace(q, seconds=time.perf_counter() - start, n_distinct=len(histogram))
            value = psnr_from_mse(mse(image, q.image))
            size = palette_png_bytes(q.palette.colors, q.labels) if max_bytes is not None else None
            cache[k] = (q, value, size)
        return cache[k]

    if target_psnr is not None:
        target = check("target_psnr", target_psnr)
        best = evaluate(k_hi)[1]
        if best < target:
            raise ValueError(
                f"target PSNR {target:g} dB not reached: K={k_hi} gives {best:.4g} dB, the best up to k_max={k_max}"
            )
        k = _bisect_first(lambda k: evaluate(k)[1] >= target, k_hi)
    else:
        budget = check("max_bytes", max_bytes)
        smallest = evaluate(1)[2]
        if smallest > budget:
            raise ValueError(
                f"max_bytes={budget} is below the smallest palette PNG of this image ({smallest} bytes at K=1)"
            )
        fits = lambda k: evaluate(k)[2] <= budget  # noqa: E731
        k = k_hi if fits(k_hi) else _bisect_first(lambda k: not fits(k), k_hi) - 1
    return k, evaluate(k)[0]


def _bisect_first(passes: Callable[[int], bool], hi: int) -> int:
    """Smallest k in [1, hi] with ``passes(k)``, given ``passes(hi)`` and monotonicity."""
    if passes(1):
        return 1
    lo = 1  # fails
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid
    return hi
