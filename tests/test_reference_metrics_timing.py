"""The first report's algorithm, the metrics' definitions and the timing helpers."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import mse, psnr, time_call
from kmeans_lab.metrics import bits_per_pixel, psnr_from_mse, raw_bytes
from kmeans_lab.reference import choose_centroids, reference_kmeans, reference_quantize
from kmeans_lab.timing import runs_table


@pytest.mark.parametrize("init", ["random", "in_pixels"])
def test_reference_centroids_unique_and_in_range(small_image, init):
    pixels = small_image.reshape(-1, 3)
    centres = choose_centroids(init, pixels, 12, np.random.default_rng(0))
    assert len({tuple(c) for c in centres.tolist()}) == 12
    assert centres.min() >= 0 and centres.max() <= 255
    if init == "in_pixels":
        colours = {tuple(p) for p in pixels.tolist()}
        assert all(tuple(int(v) for v in c) in colours for c in centres)


def test_reference_stops_on_small_centroid_move(small_image):
    pixels = small_image.reshape(-1, 3)
    centroids, labels, n_iter = reference_kmeans(pixels, 4, init_centroids="in_pixels", seed=1)
    assert 1 <= n_iter < 10000
    # One more step from its result moves no centroid by 0.001 or more (the report's rule).
    again, _, _ = reference_kmeans(pixels, 4, max_iter=1, init_centroids="in_pixels", seed=1)
    d = ((pixels[:, None, :] / 255 - centroids[None] / 255) ** 2).sum(-1)
    np.testing.assert_array_equal(labels, d.argmin(axis=1))
    assert again.shape == centroids.shape


def test_reference_quantize_is_comparable_to_ours(small_image):
    from kmeans_lab import quantize

    theirs = reference_quantize(small_image, 5, init_centroids="in_pixels", seed=0)
    ours = quantize(small_image, 5, init="in_pixels", seed=0).image
    assert len(np.unique(theirs.reshape(-1, 3), axis=0)) <= 5
    assert mse(small_image, ours) <= 1.5 * mse(small_image, theirs)


def test_reference_rejects_unknown_init(small_image):
    with pytest.raises(ValueError, match="unknown init 'kmeans\\+\\+'"):
        reference_kmeans(small_image.reshape(-1, 3), 3, init_centroids="kmeans++")


def test_mse_definition_on_unit_scale():
    a = np.zeros((2, 2, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 255  # one channel of one pixel off by the full range
    assert mse(a, b) == pytest.approx(1 / 12)
    assert psnr(a, b) == pytest.approx(10 * np.log10(12))
    assert mse(a, a) == 0 and psnr(a, a) == float("inf")
    assert psnr_from_mse(0.01) == pytest.approx(20.0)


def test_mse_rejects_mismatched_images():
    with pytest.raises(ValueError, match="differ in shape"):
        mse(np.zeros((2, 2, 3), np.uint8), np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        mse(np.zeros((2, 2, 3)), np.zeros((2, 2, 3)))


def test_sizes():
    img = np.zeros((10, 20, 3), np.uint8)
    assert raw_bytes(img) == 600
    assert bits_per_pixel(100, img) == pytest.approx(4.0)


def test_time_call_keeps_every_run():
    calls = []
    timing = time_call(lambda x: calls.append(x) or x * 2, 21, repeat=4, warmup=1)
    assert len(calls) == 5 and timing.repeat == 4 and timing.result == 42
    assert timing.min <= timing.median <= timing.max
    table = runs_table([{"k": 3, "timing": timing}])
    assert list(table.columns) == ["k", "seconds", "min_s", "max_s", "repeat"]
    with pytest.raises(ValueError, match="repeat must be >= 1"):
        time_call(lambda: None, repeat=0)
