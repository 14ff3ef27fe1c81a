"""choose_k: bisection over K finds what an exhaustive sweep finds."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import choose_k, palette_png_bytes, psnr, quantize, read_image
from kmeans_lab.lab.paths import data_path


@pytest.fixture(scope="module")
def small() -> np.ndarray:
    """A 38x48 thumbnail of chelsea.png: real photographic colours, fast to sweep."""
    return read_image(data_path("chelsea.png"))[::8, ::8][:40, :48].copy()


# The plain path: on this thumbnail its PSNR and PNG sizes grow with K, as bisection assumes
# (with the cascade's palettes the PNG at K = 12 and 13 is smaller than at K = 11).
PLAIN = {"algorithm": "lloyd"}


def _sweep(image, k_max):
    quality, size = [], []
    for k in range(1, k_max + 1):
        q = quantize(image, k, **PLAIN)
        quality.append(psnr(image, q.image))
        size.append(palette_png_bytes(q.palette, q.labels))
    return np.array(quality), np.array(size)


def test_choose_k_matches_exhaustive_sweep(small):
    quality, size = _sweep(small, 32)
    assert np.all(np.diff(quality) > 0)  # the monotonicity bisection assumes holds here
    targets = sorted({*quality.round(3).tolist(), *(quality - 0.01).tolist(), *(quality + 0.01).tolist()})
    for target in targets:
        reachable = np.flatnonzero(quality >= target)
        if len(reachable) == 0:
            with pytest.raises(ValueError, match="not reached"):
                choose_k(small, target_psnr=target, k_max=32, **PLAIN)
            continue
        k, q = choose_k(small, target_psnr=target, k_max=32, **PLAIN)
        assert k == reachable[0] + 1, target
        assert psnr(small, q.image) == pytest.approx(quality[k - 1])

    k_max = 16
    assert np.all(np.diff(size[:k_max]) >= 0)
    for budget in sorted({*size[:k_max].tolist(), *(size[:k_max] - 1).tolist(), size[k_max - 1] + 50}):
        fitting = np.flatnonzero(size[:k_max] <= budget)
        if len(fitting) == 0:
            with pytest.raises(ValueError, match="smallest palette PNG"):
                choose_k(small, max_bytes=int(budget), k_max=k_max, **PLAIN)
            continue
        k, q = choose_k(small, max_bytes=int(budget), k_max=k_max, **PLAIN)
        assert k == fitting[-1] + 1, budget
        assert palette_png_bytes(q.palette, q.labels) <= budget


def test_choose_k_errors(small):
    with pytest.raises(ValueError, match="exactly one"):
        choose_k(small)
    with pytest.raises(ValueError, match="exactly one"):
        choose_k(small, target_psnr=30, max_bytes=1000)
    with pytest.raises(ValueError, match="at most 256"):
        choose_k(small, max_bytes=1000, k_max=300)


def test_choose_k_on_an_rgba_image():
    from kmeans_lab import mse

    from .bad_files import soft_disc_rgba

    rgba = soft_disc_rgba()
    k, q = choose_k(rgba, target_psnr=25.0, dither="ordered")
    assert q.palette.shape == (k, 4) and psnr(rgba, q.image) >= 25.0
    assert mse(rgba, q.image) > 0
    k_bytes, q_bytes = choose_k(rgba, max_bytes=2000)
    assert palette_png_bytes(q_bytes.palette, q_bytes.labels) <= 2000
