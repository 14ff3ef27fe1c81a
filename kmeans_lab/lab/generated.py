"""Images the benchmark builds at run time instead of storing them.

``high-colour``: ``data/china.jpg`` resized to 2560×1700 with Pillow's Lanczos filter and
kept lossless in memory — 878,715 distinct colours, the common case of a PNG or a
high-quality scan (a JPEG's smoothing leaves far fewer: ``coffee-2560x1700.jpg`` has 138,417),
and the hard case for k-means on distinct colours.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from ..image import read_image
from .paths import data_path

__all__ = ["GENERATED", "high_colour_photograph", "benchmark_image"]


def high_colour_photograph(size: tuple[int, int] = (2560, 1700)) -> np.ndarray:
    """``data/china.jpg`` resized to ``size`` (width, height) by Lanczos: ndarray (H, W, 3) uint8.

    Deterministic (Pillow's resampling is), lossless in memory.
    """
    photo = Image.fromarray(read_image(data_path("china.jpg")))
    return np.asarray(photo.resize(size, Image.Resampling.LANCZOS))


#: Generated images by the name the benchmark's ``--images`` takes.
GENERATED: dict[str, Callable[[], np.ndarray]] = {"high-colour": high_colour_photograph}


def benchmark_image(source: str | Path) -> tuple[str, np.ndarray]:
    """``(name, image)`` for a file path or the name of a generated image (:data:`GENERATED`)."""
    if str(source) in GENERATED and not Path(source).exists():
        return str(source), GENERATED[str(source)]()
    path = Path(source)
    return path.stem, read_image(path)
