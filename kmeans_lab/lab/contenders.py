"""The quantizers the benchmark and the comparisons set against kmeans_lab.

Each contender maps ``(image, k, seed, max_iter, tol)`` — an ``(H, W, 3) uint8`` image and
the k-means settings, which the non-k-means contenders ignore — to the quantized
``(H, W, 3) uint8`` image it produces. ``kmeans_lab`` clusters in sRGB (the subject of the
MSE tables); ``kmeans_lab_oklab`` (the library's default) and ``kmeans_lab_lab`` are the same
k-means in the other clustering spaces. Optional packages (scikit-learn, libimagequant) are
imported when the contender runs; :func:`available_contenders` says which can run here.
:data:`RGBA_CONTENDERS` are the quantizers that keep transparency, for RGBA images.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from ..cluster.distance import nearest_centers
from ..histogram import ColorHistogram, distinct_colors
from ..lookup import ColorLookup
from ..palette import Palette, expand
from ..quantization import quantize
from .reference import reference_quantize

__all__ = ["CONTENDERS", "FLOOR", "Contender", "RGBA_CONTENDERS", "RgbaContender", "available_contenders"]

Contender = Callable[[np.ndarray, int, int, int, float], np.ndarray]


def _kmeans_lab_in(color_space: str) -> Contender:
    """kmeans_lab clustering in ``color_space``, undithered."""

    def run(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
        return quantize(image, k, seed=seed, max_iter=max_iter, tol=tol, color_space=color_space).image

    return run


def _reference(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    # The first report's own stopping rule and iteration cap, its "in pixels" init.
    return reference_quantize(image, k, init_centroids="in_pixels", seed=seed)


def _sklearn_kmeans(k: int, seed: int, max_iter: int, tol: float):
    from sklearn.cluster import KMeans

    return KMeans(k, init="k-means++", n_init=1, max_iter=max_iter, tol=tol, algorithm="lloyd", random_state=seed)


def _palette_of(centers: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(centers * 255.0), 0, 255).astype(np.uint8)


def _sklearn_pixels(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    x = image.reshape(-1, 3).astype(np.float32) / 255.0
    model = _sklearn_kmeans(k, seed, max_iter, tol)
    labels = model.fit(x).predict(x)
    return _palette_of(model.cluster_centers_)[labels].reshape(image.shape)


def _sklearn_weighted(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    colors, counts, inverse = distinct_colors(image)
    x = colors.astype(np.float32) / 255.0
    model = _sklearn_kmeans(k, seed, max_iter, tol)
    labels = model.fit(x, sample_weight=counts.astype(np.float32)).predict(x)
    return _palette_of(model.cluster_centers_)[labels][inverse].reshape(image.shape)


def _pillow(method_name: str) -> Contender:
    def run(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
        method = getattr(Image.Quantize, method_name)
        out = Image.fromarray(image, "RGB").quantize(colors=k, method=method, dither=Image.Dither.NONE)
        return np.asarray(out.convert("RGB"))

    return run


def _imagequant(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    import imagequant

    with warnings.catch_warnings():
        # imagequant 1.1 calls Pillow's deprecated Image.getdata; not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        rgba = Image.fromarray(image, "RGB").convert("RGBA")
        out = imagequant.quantize_pil_image(rgba, dithering_level=0.0, max_colors=k)
    return np.asarray(out.convert("RGB"))


def _floor(image: np.ndarray, k: int, seed: int, max_iter: int, tol: float) -> np.ndarray:
    """What any exact k-means of the distinct colours must do at least, done once.

    The image's distinct colours (presence table and counts), two float32 E steps on them
    (nearest of ``k`` centres: one Lloyd iteration and the final assignment), and the map back
    to a quantized image (lookup table, expansion). Its output is not a k-means result.
    """
    histogram = ColorHistogram.from_image(image)
    points = histogram.colors.astype(np.float32)
    chosen = np.linspace(0, len(points) - 1, min(k, len(points))).astype(np.intp)
    centers = points[chosen]
    for _ in range(2):
        labels = nearest_centers(points, centers)[0]
    palette = Palette(histogram.colors[chosen], centers.astype(np.float64), "rgb", histogram, labels, 2, False)
    return expand(palette.colors, ColorLookup(palette)(image))


#: The name of the floor among the contenders: timed like them, its MSE is not reported.
FLOOR = "floor"

#: Contenders by the names the command line takes, in table order.
CONTENDERS: dict[str, Contender] = {
    "kmeans_lab": _kmeans_lab_in("rgb"),
    "kmeans_lab_oklab": _kmeans_lab_in("oklab"),
    "kmeans_lab_lab": _kmeans_lab_in("lab"),
    "reference": _reference,
    "sklearn": _sklearn_pixels,
    "sklearn_weighted": _sklearn_weighted,
    "pillow_mediancut": _pillow("MEDIANCUT"),
    "pillow_maxcoverage": _pillow("MAXCOVERAGE"),
    "pillow_fastoctree": _pillow("FASTOCTREE"),
    "imagequant": _imagequant,
    FLOOR: _floor,
}

# The package each optional contender imports.
_NEEDS = {"sklearn": "sklearn", "sklearn_weighted": "sklearn", "imagequant": "imagequant"}


def available_contenders(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``names`` into (runnable, notes on the skipped); unknown names raise ``ValueError``."""
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        raise ValueError(f"unknown contender(s) {unknown}; choose from {list(CONTENDERS)}")
    runnable, notes = [], []
    for name in names:
        module = _NEEDS.get(name)
        if module is not None and importlib.util.find_spec(module) is None:
            notes.append(f"{name} skipped: the {module!r} package is not installed")
            continue
        runnable.append(name)
    return runnable, notes


# --------------------------------------------------------------------------- RGBA

RgbaContender = Callable[[np.ndarray, int, int], np.ndarray]


def _kmeans_lab_rgba(rgba: np.ndarray, k: int, seed: int) -> np.ndarray:
    return quantize(rgba, k, seed=seed).image


def _imagequant_rgba(rgba: np.ndarray, k: int, seed: int) -> np.ndarray:
    import imagequant

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # imagequant 1.1 calls Image.getdata
        out = imagequant.quantize_pil_image(Image.fromarray(rgba, "RGBA"), dithering_level=0.0, max_colors=k)
    return np.asarray(out.convert("RGBA"))


def _floor_rgba(rgba: np.ndarray, k: int, seed: int) -> np.ndarray:
    # The same unavoidable parts on the RGBA colours (4-channel points).
    return _floor(rgba, k, seed, 0, 0.0)


def _pillow_fastoctree_rgba(rgba: np.ndarray, k: int, seed: int) -> np.ndarray:
    # Fast octree is the only one of Pillow's quantizers that takes RGBA.
    out = Image.fromarray(rgba, "RGBA").quantize(colors=k, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    return np.asarray(out.convert("RGBA"))


#: Quantizers of RGBA images (straight alpha): ``(rgba, k, seed) -> (H, W, 4) uint8``, no dithering;
#: named as in :data:`CONTENDERS`, so :func:`available_contenders` says which can run. ``kmeans_lab``
#: is the library's default here (premultiplied RGBA in its default colour space); the floor's
#: output, as for RGB, is not a clustering.
RGBA_CONTENDERS: dict[str, RgbaContender] = {
    "kmeans_lab": _kmeans_lab_rgba,
    "imagequant": _imagequant_rgba,
    "pillow_fastoctree": _pillow_fastoctree_rgba,
    FLOOR: _floor_rgba,
}
