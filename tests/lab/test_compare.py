"""Rows of the compression report: colour spaces, dithering methods, and how far a change spreads."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import ColorHistogram, fit_palette, read_image
from kmeans_lab.lab.compare import color_space_rows, dither_method_rows, dither_stability
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
    assert [r["dither"] for r in rows] == ["none", "floyd-steinberg", "ordered"]
    assert rows[0]["mse"] < min(rows[1]["mse"], rows[2]["mse"])  # nearest colours minimise the error per pixel
    assert dither_stability(thumbnail, palette, "ordered", box=8)["changed_outside"] == 0
    assert dither_stability(thumbnail, palette, False, box=8)["changed_outside"] == 0
    assert dither_stability(thumbnail, palette, "floyd-steinberg", box=8)["changed_outside"] > 0
