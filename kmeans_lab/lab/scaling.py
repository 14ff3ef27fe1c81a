"""How kmeans_lab's time grows with the image's size and with K (``python -m kmeans_lab.lab.bench --scaling``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm.auto import tqdm

from ..metrics import mse
from ..quantization import quantize
from .generated import benchmark_image
from .timing import time_call

__all__ = ["resized", "run_scaling"]


def resized(image: np.ndarray, megapixels: float) -> np.ndarray:
    """Centre crop (smaller) or Lanczos upscale (larger) to about ``megapixels``, same aspect.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    megapixels : float

    Returns
    -------
    ndarray of shape (H', W', 3), uint8
    """
    h, w = image.shape[:2]
    scale = np.sqrt(megapixels * 1e6 / (h * w))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    if scale <= 1:
        top, left = (h - nh) // 2, (w - nw) // 2
        return np.ascontiguousarray(image[top : top + nh, left : left + nw])
    return np.asarray(Image.fromarray(image).resize((nw, nh), Image.Resampling.LANCZOS))


def run_scaling(
    image_source: Path | str,
    *,
    megapixels: Sequence[float] = (0.25, 0.5, 1, 2, 4, 8, 16),
    ks: Sequence[int] = (2, 4, 8, 16, 32, 64, 128, 256),
    fixed_k: int = 16,
    repeats: int = 3,
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """kmeans_lab's median time against pixels (at ``fixed_k``) and against K (on the image as is).

    ``image_source`` is a file or the name of a generated image (:mod:`kmeans_lab.lab.generated`).

    Returns
    -------
    pandas.DataFrame
        Rows: study ("pixels" or "k"), pixels, distinct_colors, k, seconds, mse, n_iter.
    """
    _, image = benchmark_image(image_source)
    cases = [("pixels", resized(image, mp), fixed_k) for mp in megapixels] + [("k", image, k) for k in ks]
    rows = []
    for study, img, k in tqdm(cases, disable=not progress, desc="scaling", file=sys.stderr):
        timing = time_call(quantize, img, k, seed=seed, repeat=repeats)
        q = timing.result
        rows.append(
            {
                "study": study,
                "pixels": img.shape[0] * img.shape[1],
                "distinct_colors": q.n_distinct,
                "k": k,
                "seconds": timing.median,
                "mse": mse(img, q.image),
                "n_iter": q.palette.n_iter,
            }
        )
    return pd.DataFrame(rows)
