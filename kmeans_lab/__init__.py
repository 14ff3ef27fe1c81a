"""kmeans_lab: exact, fast k-means colour quantization in NumPy.

>>> from kmeans_lab import read_image, quantize, mse
>>> # image = read_image("photo.jpg"); q = quantize(image, 16); q.save("photo-16.png")
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kmeans-lab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from .choose import choose_k
from .image import ImageError, read_image, save_palette_png, save_quantized, save_rgb
from .init import INITIALIZERS
from .kmeans import KMeansResult, kmeans
from .metrics import (
    bits_per_pixel,
    compression_ratio,
    delta_e,
    file_bytes,
    mse,
    palette_png_bytes,
    png24_bytes,
    psnr,
    raw_bytes,
    ssim,
)
from .paths import DATA_DIR, FIGURES_DIR, PROJECT_ROOT, data_images, data_path
from .quantize import Quantized, distinct_colors, quantize
from .timing import Timing, time_call

__all__ = [
    "__version__",
    "ImageError",
    "read_image",
    "save_rgb",
    "save_palette_png",
    "save_quantized",
    "INITIALIZERS",
    "KMeansResult",
    "kmeans",
    "Quantized",
    "quantize",
    "choose_k",
    "distinct_colors",
    "mse",
    "psnr",
    "file_bytes",
    "raw_bytes",
    "bits_per_pixel",
    "ssim",
    "delta_e",
    "palette_png_bytes",
    "png24_bytes",
    "compression_ratio",
    "Timing",
    "time_call",
    "DATA_DIR",
    "FIGURES_DIR",
    "PROJECT_ROOT",
    "data_images",
    "data_path",
]
