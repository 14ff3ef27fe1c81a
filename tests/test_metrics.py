"""Metrics as DESIGN.md defines them: MSE on [0, 1], PSNR, bytes on disk, SSIM, CIEDE2000."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from kmeans_lab import delta_e, mse, psnr, quantize, read_image, ssim
from kmeans_lab.image import palette_png_bit_depth
from kmeans_lab.lab.paths import data_path
from kmeans_lab.metrics import (
    bits_per_pixel,
    compression_ratio,
    palette_mse,
    palette_png_bytes,
    png24_bytes,
    psnr_from_mse,
    raw_bytes,
)


@pytest.fixture(scope="module")
def medium() -> np.ndarray:
    return read_image(data_path("rocket.jpg"))[::4, ::4].copy()


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 16, 17, 200])
def test_bytes_reported_equal_file_written_and_bit_depth_matches_k(medium, tmp_path, k):
    q = quantize(medium, k)
    path = tmp_path / "out.png"
    written = q.save(path)
    assert palette_png_bytes(q.palette, q.labels) == written == path.stat().st_size
    with Image.open(path) as im:
        assert im.mode == "P"
    header = path.read_bytes()[:33]
    assert header[12:16] == b"IHDR" and header[25] == 3  # colour type 3: indexed
    assert header[24] == palette_png_bit_depth(k)  # the IHDR bit-depth byte


def test_png24_and_ratios(medium, tmp_path):
    path = tmp_path / "rgb.png"
    Image.fromarray(medium, "RGB").save(path, optimize=True)
    assert png24_bytes(medium) == path.stat().st_size
    assert compression_ratio(medium, 1000) == pytest.approx(path.stat().st_size / 1000)
    assert compression_ratio(medium, 1000, reference="raw") == pytest.approx(raw_bytes(medium) / 1000)
    with pytest.raises(ValueError, match="reference"):
        compression_ratio(medium, 1000, reference="jpeg")


def test_ssim_and_delta_e(medium):
    assert ssim(medium, medium) == pytest.approx(1.0)
    assert delta_e(medium, medium) == 0.0
    q = quantize(medium, 8).image
    assert 0 < ssim(medium, q) < 1
    assert delta_e(medium, q) > 0.5


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
    assert bits_per_pixel(img, 100) == pytest.approx(4.0)


def test_mse_in_blocks_is_the_exact_one_pass_value(monkeypatch):
    from kmeans_lab import metrics

    rng = np.random.default_rng(4)
    a = rng.integers(0, 256, size=(37, 23, 3), dtype=np.uint8)
    b = rng.integers(0, 256, size=(37, 23, 3), dtype=np.uint8)
    diff = (a.astype(np.int64) - b).ravel()
    exact = float(diff @ diff) / (diff.size * 255.0**2)
    monkeypatch.setattr(metrics, "_MSE_CHUNK_PIXELS", 50)  # 2 rows a block, 19 blocks
    assert mse(a, b) == exact


def test_palette_mse_equals_mse_of_the_expanded_image():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(30, 20, 3), dtype=np.uint8)
    palette = rng.integers(0, 256, size=(6, 3), dtype=np.uint8)
    labels = rng.integers(0, 6, size=(30, 20)).astype(np.uint8)
    assert palette_mse(image, palette, labels) == mse(image, palette[labels])
    with pytest.raises(ValueError, match=r"labels must have the image's shape \(30, 20\)"):
        palette_mse(image, palette, labels[:5])


# --------------------------------------------------------------------------- RGBA


def _rgba_mse_reference(a: np.ndarray, b: np.ndarray) -> float:
    """The README's definition, in floats: premultiplied R, G, B and A on [0, 1], summed, / 3 per pixel."""
    x, y = a / 255.0, b / 255.0
    colour = x[..., :3] * x[..., 3:] - y[..., :3] * y[..., 3:]
    alpha = x[..., 3] - y[..., 3]
    return float(((colour**2).sum(axis=-1) + alpha**2).mean() / 3)


def test_rgba_mse_definition():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 256, size=(21, 17, 4), dtype=np.uint8)
    b = rng.integers(0, 256, size=(21, 17, 4), dtype=np.uint8)
    assert mse(a, b) == pytest.approx(_rgba_mse_reference(a, b), rel=1e-12)
    # Opaque: exactly the RGB MSE of the same pixels.
    a[..., 3] = b[..., 3] = 255
    assert mse(a, b) == mse(a[..., :3], b[..., :3])
    # A fully transparent pixel's colour is invisible.
    c = a.copy()
    c[..., 3] = 0
    d = rng.integers(0, 256, size=c.shape, dtype=np.uint8)
    d[..., 3] = 0
    assert mse(c, d) == 0.0
    # Opaque white against transparent: the largest error, 4/3.
    white, clear = np.full((1, 1, 4), 255, np.uint8), np.zeros((1, 1, 4), np.uint8)
    assert mse(white, clear) == pytest.approx(4 / 3)


def test_rgba_mse_in_blocks_and_from_the_palette(monkeypatch):
    from kmeans_lab import metrics

    rng = np.random.default_rng(8)
    image = rng.integers(0, 256, size=(37, 23, 4), dtype=np.uint8)
    palette = rng.integers(0, 256, size=(9, 4), dtype=np.uint8)
    labels = rng.integers(0, 9, size=(37, 23)).astype(np.uint8)
    whole = mse(image, palette[labels])
    assert whole == pytest.approx(_rgba_mse_reference(image, palette[labels]), rel=1e-12)
    monkeypatch.setattr(metrics, "_MSE_CHUNK_PIXELS", 50)
    assert mse(image, palette[labels]) == whole == palette_mse(image, palette, labels)
    with pytest.raises(ValueError, match=r"palette must have shape \(K, 4\)"):
        palette_mse(image, palette[:, :3], labels)


def test_rgba_sizes_and_perceptual_metrics_refuse_alpha():
    rgba = np.random.default_rng(9).integers(0, 256, size=(10, 20, 4), dtype=np.uint8)
    assert raw_bytes(rgba) == 800
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", optimize=True)
    assert png24_bytes(rgba) == buffer.tell()
    for metric in (delta_e, ssim):
        with pytest.raises(ValueError, match=r"original must have shape \(H, W, 3\)"):
            metric(rgba, rgba)


def test_delta_e_on_distinct_pairs_equals_the_per_pixel_mean(medium, monkeypatch):
    from skimage.color import deltaE_ciede2000

    from kmeans_lab import metrics
    from kmeans_lab.color import rgb_to_lab

    noisy = np.random.default_rng(3).integers(0, 256, size=(40, 30, 3), dtype=np.uint8)
    for a, b in (
        (medium, quantize(medium, 8).image),
        (medium, quantize(medium, 8, dither=True).image),
        (noisy, noisy[::-1]),
    ):
        direct = float(np.mean(deltaE_ciede2000(rgb_to_lab(a), rgb_to_lab(b))))
        assert delta_e(a, b) == pytest.approx(direct, rel=1e-12)
        monkeypatch.setattr(metrics, "_MSE_CHUNK_PIXELS", 7)  # blocks of rows, merged
        assert delta_e(a, b) == pytest.approx(direct, rel=1e-12)
        monkeypatch.undo()
