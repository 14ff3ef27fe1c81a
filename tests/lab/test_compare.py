"""Rows of the compression report: colour spaces, dithering, JPEG gaps, and the second report's k-means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_lab import ColorHistogram, fit_palette, mse, quantize, read_image
from kmeans_lab.lab.compare import (
    clustercompress_kmeans,
    color_name,
    color_space_rows,
    dither_method_rows,
    dither_stability,
    jpeg_encode,
    jpeg_gap,
    log_log_slopes,
    palette_shares,
    perceptual_rows,
    psnr_at_bpp,
    save_table,
    seen_quality,
)
from kmeans_lab.lab.paths import data_path


@pytest.fixture(scope="module")
def thumbnail() -> np.ndarray:
    return read_image(data_path("rocket.jpg"))[::6, ::6].copy()


def test_color_space_rows_with_oklab(thumbnail):
    rows = color_space_rows(thumbnail, (8,), ("rgb", "lab", "oklab"), with_ssim=False)
    assert [r["color_space"] for r in rows] == ["rgb", "lab", "oklab"]
    for row in rows:
        assert row["delta_e"] > 0 and row["seconds"] > 0 and "ssim" not in row
    assert min(rows, key=lambda r: r["mse"])["color_space"] == "rgb"  # sRGB k-means minimises exactly the MSE


def test_dither_rows_and_stability(thumbnail):
    palette = fit_palette(ColorHistogram.from_image(thumbnail), 8)
    rows = dither_method_rows(thumbnail, palette)
    assert [r["dither"] for r in rows] == ["none", "diffusion", "floyd-steinberg", "ordered"]
    assert rows[0]["mse"] < min(r["mse"] for r in rows[1:])  # nearest colours minimise the error per pixel
    assert dither_stability(thumbnail, palette, "ordered", box=8)["changed_outside"] == 0
    assert dither_stability(thumbnail, palette, False, box=8)["changed_outside"] == 0
    assert dither_stability(thumbnail, palette, "floyd-steinberg", box=8)["changed_outside"] > 0
    assert dither_stability(thumbnail, palette, True, box=8)["changed_outside"] > 0


def test_log_log_slopes_of_a_power_law_and_of_a_bend():
    local, fitted = log_log_slopes([2, 4, 8, 16], [1.0, 0.25, 0.0625, 0.015625])
    assert np.allclose(local, -2.0) and np.isclose(fitted, -2.0)
    local, _ = log_log_slopes([1, 2, 4], [1.0, 0.25, 0.125])
    assert np.allclose(local, [-2.0, -1.0])
    with pytest.raises(ValueError, match="at least two K"):
        log_log_slopes([2], [1.0])


def _naive_lloyd(pixels: np.ndarray, centres: np.ndarray, iterations: int) -> np.ndarray:
    """Per-pixel Python loops, for the test only."""
    centres = centres.copy()
    for _ in range(iterations):
        labels = [min(range(len(centres)), key=lambda j, p=p: float(((p - centres[j]) ** 2).sum())) for p in pixels]
        for j in range(len(centres)):
            members = pixels[np.array(labels) == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    return centres


def test_clustercompress_kmeans_is_lloyd_from_plain_kmeanspp():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    centres, labels, n_iter = clustercompress_kmeans(image, 3, seed=4, max_iter=5, epsilon=0.0)
    assert n_iter == 5 and labels.shape == (6, 7) and centres.shape == (3, 3)
    pixels = image.reshape(-1, 3) / 255.0
    # The same seed draws the same initial centres; five naive Lloyd steps from them give the same centres.
    start, _, _ = clustercompress_kmeans(image, 3, seed=4, max_iter=0)
    assert all((start == pixels).all(axis=1).any() for start in start)  # k-means++ picks pixels
    assert np.allclose(centres, _naive_lloyd(pixels, start, 5))
    assert (labels.ravel() == np.argmin(((pixels[:, None] - centres[None]) ** 2).sum(axis=2), axis=1)).all()


def test_clustercompress_kmeans_agrees_with_kmeans_lab_on_separated_colours():
    colours = np.array([[10, 20, 30], [200, 40, 40], [30, 200, 90], [240, 240, 240]], np.uint8)
    rng = np.random.default_rng(0)
    image = np.clip(colours[rng.integers(0, 4, (30, 30))].astype(int) + rng.integers(-6, 7, (30, 30, 3)), 0, 255)
    image = image.astype(np.uint8)
    centres, labels, _ = clustercompress_kmeans(image, 4)
    palette = np.clip(np.rint(centres * 255), 0, 255).astype(np.uint8)
    assert np.isclose(mse(image, palette[labels]), mse(image, quantize(image, 4).image), rtol=1e-3)
    with pytest.raises(ValueError, match="only 1 distinct colours"):
        clustercompress_kmeans(np.zeros((2, 2, 3), np.uint8), 2)


def test_color_names_and_palette_shares():
    assert [color_name(c) for c in ([0, 0, 0], [255, 255, 255], [128, 128, 128], [200, 30, 30], [30, 30, 200])] == [
        "black",
        "white",
        "grey",
        "red",
        "blue",
    ]
    palette = np.array([[0, 0, 0], [250, 120, 40]], np.uint8)
    shares = palette_shares(palette, np.array([[1, 1, 1], [0, 1, 1]]))
    assert shares.index.tolist() == [1, 0] and np.allclose(shares["share"], [5 / 6, 1 / 6])
    assert shares["rgb"].tolist() == ["#fa7828", "#000000"] and shares["name"].tolist() == ["orange", "black"]


def test_psnr_at_bpp_and_jpeg_gap():
    assert np.allclose(psnr_at_bpp([4, 1, 2], [40, 30, 35], [1, 1.5, 4]), [30, 30 + 5 * np.log2(1.5), 40])
    assert np.isnan(psnr_at_bpp([1, 2], [30, 35], [0.5, 3])).all()
    rows = pd.DataFrame(
        {
            "image": ["a"] * 4,
            "method": ["jpeg", "jpeg", "kmeans_lab", "kmeans_lab"],
            "k": [None, None, 2, 4],
            "bpp": [1.0, 4.0, 2.0, 8.0],
            "psnr": [30.0, 40.0, 33.0, 45.0],
        }
    )
    gap = jpeg_gap(rows)
    assert gap.index.tolist() == [("a", 2), ("a", 4)]
    assert np.isclose(gap.loc[("a", 2), "gap"], -2.0) and np.isnan(gap.loc[("a", 4), "gap"])
    other = rows.assign(method=rows["method"].replace("jpeg", "imagequant"))
    assert np.isclose(jpeg_gap(other, reference="imagequant").loc[("a", 2), "gap"], -2.0)


def test_save_table_rounds_to_the_reported_precision(tmp_path, monkeypatch):
    monkeypatch.setenv("KMEANS_LAB_ROOT", str(tmp_path))
    path = save_table(pd.DataFrame({"k": [2], "mse": [0.000123456789]}), "t")
    assert path == tmp_path / "figures" / "t.csv"
    assert path.read_text().splitlines() == ["k,mse", "2,0.0001235"]


def test_jpeg_encode_without_chroma_subsampling_keeps_more_colour(thumbnail):
    subsampled, _ = jpeg_encode(thumbnail, 95)
    full, _ = jpeg_encode(thumbnail, 95, subsampling=0)
    assert mse(thumbnail, full) < mse(thumbnail, subsampled)


def test_seen_quality_of_an_identical_and_a_worse_image(thumbnail):
    same = seen_quality(thumbnail, thumbnail)
    assert np.isclose(same["ssimulacra2"], 100.0) and same["flip"] == 0.0
    coarse = seen_quality(thumbnail, quantize(thumbnail, 4).image)
    assert coarse["ssimulacra2"] < 100.0 and coarse["flip"] > 0.0


def test_perceptual_rows_measure_every_method(thumbnail):
    pytest.importorskip("imagequant")
    rows = perceptual_rows(thumbnail, (8,))
    assert [r["method"] for r in rows] == [
        "kmeans_lab sRGB",
        "kmeans_lab Oklab",
        "kmeans_lab Oklab, diffusion",
        "libimagequant",
        "libimagequant, dithered",
    ]
    by = {r["method"]: r for r in rows}
    assert by["kmeans_lab sRGB"]["mse"] <= by["kmeans_lab Oklab"]["mse"]  # sRGB k-means minimises the MSE
    assert all(r["k"] == 8 and r["bytes"] > 0 and 0 < r["flip"] < 1 for r in rows)
