"""kmeans_lab: exact, fast k-means colour quantization in NumPy.

What a user imports: read an image, quantize it, measure it, save it.

>>> import numpy as np
>>> from kmeans_lab import quantize, mse
>>> image = np.zeros((2, 2, 3), np.uint8); image[0] = 200
>>> q = quantize(image, 2)
>>> mse(image, q.image)
0.0

Where things live: ``image`` (files in and out), ``histogram`` (``ColorHistogram``: distinct
colours and counts), ``quantization`` (``fit_palette``, ``apply_palette``, ``quantize``),
``collection`` (``quantize_many``: one palette for many images, in this process or on a Dask
cluster), ``animation`` (``read_frames``, ``save_animation``: GIF and APNG), ``tiled``
(gigapixel images as Dask arrays, tiled TIFF and zarr), ``cluster`` (k-means on any points,
knows nothing of images), ``color`` (colour spaces),
``dither``, ``choose`` (``choose_k``), ``metrics``, ``cli`` (the ``kmeans-lab`` command). Every argument check is in
``_validation``. The report's side — benchmark, comparisons, figures — is ``kmeans_lab.lab``,
which needs the ``report`` extra.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kmeans-lab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from .animation import Animation, read_frames, save_animation
from .choose import choose_k
from .cluster import KMeansResult, kmeans
from .collection import SavedImage, apply_palette_many, collection_histogram, quantize_many
from .histogram import ColorHistogram, distinct_colors
from .image import ImageError, read_image, save_palette_png, save_quantized, save_rgb
from .metrics import (
    bits_per_pixel,
    compression_ratio,
    delta_e,
    mse,
    palette_png_bytes,
    png24_bytes,
    psnr,
    raw_bytes,
    ssim,
)
from .quantization import Palette, Quantized, apply_palette, fit_palette, quantize

__all__ = [
    "__version__",
    "ImageError",
    "read_image",
    "save_rgb",
    "save_palette_png",
    "save_quantized",
    "KMeansResult",
    "kmeans",
    "ColorHistogram",
    "Palette",
    "Quantized",
    "fit_palette",
    "apply_palette",
    "quantize",
    "quantize_many",
    "collection_histogram",
    "apply_palette_many",
    "SavedImage",
    "Animation",
    "read_frames",
    "save_animation",
    "distinct_colors",
    "choose_k",
    "mse",
    "psnr",
    "ssim",
    "delta_e",
    "raw_bytes",
    "bits_per_pixel",
    "palette_png_bytes",
    "png24_bytes",
    "compression_ratio",
]
