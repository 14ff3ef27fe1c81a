"""choose_k: bisection over K finds what an exhaustive sweep finds."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import choose_k, psnr, quantize, read_image
from kmeans_lab.lab.paths import data_path
from kmeans_lab.metrics import palette_png_bytes


@pytest.fixture(scope="module")
def small() -> np.ndarray:
    """A 38x48 thumbnail of chelsea.png: real photographic colours, fast to sweep."""
    return read_image(data_path("chelsea.png"))[::8, ::8][:40, :48].copy()


def _sweep(image, k_max):
    quality, size = [], []
    for k in range(1, k_max + 1):
        q = quantize(image, k)
        quality.append(psnr(image, q.image))
        size.append(palette_png_bytes(q.palette.colors, q.labels))
    return np.array(quality), np.array(size)


def test_choose_k_finds_where_the_criterion_changes(small):
    """The K returned meets the criterion and its neighbour does not (bisection's guarantee)."""
    quality, size = _sweep(small, 32)
    targets = sorted({*quality.round(3).tolist(), *(quality - 0.01).tolist(), *(quality + 0.01).tolist()})
    for target in targets:
        if quality.max() < target:
            with pytest.raises(ValueError, match="not reached"):
                choose_k(small, target_psnr=target, k_max=32)
            continue
        k, q = choose_k(small, target_psnr=target, k_max=32)
        assert quality[k - 1] >= target and (k == 1 or quality[k - 2] < target), target
        assert psnr(small, q.image) == pytest.approx(quality[k - 1])
        if np.all(np.diff(quality[:k]) > 0):  # monotone up to k: the smallest such K
            assert k == np.flatnonzero(quality >= target)[0] + 1

    k_max = 16
    for budget in sorted({*size[:k_max].tolist(), *(size[:k_max] - 1).tolist(), size[k_max - 1] + 50}):
        if size[0] > budget:
            with pytest.raises(ValueError, match="smallest palette PNG"):
                choose_k(small, max_bytes=int(budget), k_max=k_max)
            continue
        k, q = choose_k(small, max_bytes=int(budget), k_max=k_max)
        assert size[k - 1] <= budget and (k == k_max or size[k] > budget), budget
        assert palette_png_bytes(q.palette.colors, q.labels) <= budget


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
    k, q = choose_k(rgba, target_psnr=25.0, dither="ordered", color_space="rgb")
    assert q.palette.colors.shape == (k, 4) and psnr(rgba, q.image) >= 25.0
    assert mse(rgba, q.image) > 0
    k_bytes, q_bytes = choose_k(rgba, max_bytes=2000)
    assert palette_png_bytes(q_bytes.palette, q_bytes.labels) <= 2000
