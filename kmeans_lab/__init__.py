"""kmeans_lab: exact, fast k-means colour quantization in NumPy.

What a user imports: read an image, quantize it, measure it, save it.

>>> import numpy as np
>>> from kmeans_lab import quantize, mse
>>> image = np.zeros((2, 2, 3), np.uint8); image[0] = 200
>>> q = quantize(image, 2)
>>> mse(image, q.image)
0.0

The data flow one way: an image (``read_image``) → its colour histogram (``ColorHistogram``)
→ the k-means palette (``fit_palette``, with ``KMeansOptions``) → every pixel mapped to it
(``apply_palette``) → a ``Quantized`` image, saved with ``Quantized.save`` and measured with
``mse``, ``psnr``, ``ssim`` and ``delta_e``. ``quantize`` does the three steps,
``quantize_many`` gives many images one palette (on a Dask cluster too), ``read_frames`` and
``save_animation`` keep every frame of an animation, ``choose_k`` finds K for a quality or a
size, and ``kmeans`` is the weighted k-means of any points. The report's side — benchmark,
comparisons, figures — is ``kmeans_lab.lab``, which needs the ``report`` extra.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kmeans-lab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from .animation import read_frames, save_animation
from .choose import choose_k
from .cluster import kmeans
from .collection import quantize_many
from .histogram import ColorHistogram
from .image import ImageError, read_image
from .metrics import delta_e, mse, psnr, ssim
from .options import KMeansOptions
from .palette import Palette, Quantized
from .quantization import apply_palette, fit_palette, quantize

__all__ = [
    "read_image",
    "read_frames",
    "ImageError",
    "ColorHistogram",
    "KMeansOptions",
    "fit_palette",
    "apply_palette",
    "quantize",
    "quantize_many",
    "Palette",
    "Quantized",
    "save_animation",
    "choose_k",
    "kmeans",
    "mse",
    "psnr",
    "ssim",
    "delta_e",
]
