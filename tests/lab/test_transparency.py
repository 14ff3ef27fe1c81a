"""The RGBA comparison: transparent versions of a photograph, and every quantizer measured alike."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import read_image
from kmeans_lab.lab.paths import data_path
from kmeans_lab.lab.transparency import RGBA_METHODS, cutout, rgba_rows, vignette


@pytest.fixture(scope="module")
def thumbnail() -> np.ndarray:
    return read_image(data_path("chelsea.png"))[::6, ::6].copy()


def test_vignette_and_cutout(thumbnail):
    soft, hard = vignette(thumbnail), cutout(thumbnail)
    assert soft.shape == hard.shape == thumbnail.shape[:2] + (4,)
    np.testing.assert_array_equal(soft[..., :3], thumbnail)
    h, w = thumbnail.shape[:2]
    assert soft[0, 0, 3] == 0 and soft[h // 2, w // 2, 3] == 255
    assert 0 < ((soft[..., 3] > 0) & (soft[..., 3] < 255)).mean() < 1
    assert set(np.unique(hard[..., 3]).tolist()) == {0, 255}
    assert 0.5 < (hard[..., 3] == 0).mean() < 0.7


def test_rgba_rows_measure_every_method(thumbnail):
    rows = rgba_rows(vignette(thumbnail), ks=(4, 16))
    assert {r["method"] for r in rows} <= set(RGBA_METHODS) and len(rows) >= 4
    for row in rows:
        assert row["colors"] <= row["k"] and row["bytes"] > 0 and row["mse"] > 0
        assert row["psnr"] == pytest.approx(10 * np.log10(1 / row["mse"]))
    ours = [r for r in rows if r["method"] == "kmeans_lab"]
    assert all(r["transparent_kept"] for r in ours) and [r["colors"] for r in ours] == [4, 16]


def test_command_line_prints_the_target_table(capsys, tmp_path):
    from kmeans_lab.lab.transparency import main

    assert main(["chelsea.png", "-k", "4", "--csv", str(tmp_path / "rows.csv")]) == 0
    out = capsys.readouterr().out
    assert "chelsea.png vignette" in out and "chelsea.png cutout" in out
    assert "kmeans_lab lowest in" in out and (tmp_path / "rows.csv").is_file()


def test_rgba_rows_pass_kmeans_options_and_checkerboard_shades(thumbnail):
    from kmeans_lab import quantize
    from kmeans_lab.lab.transparency import on_checkerboard

    soft = vignette(thumbnail)
    row = rgba_rows(soft, ks=(8,), names=("kmeans_lab",), color_space="rgb")[0]
    assert row["colors"] == len(np.unique(quantize(soft, 8, color_space="rgb").image.reshape(-1, 4), axis=0))
    assert on_checkerboard(soft, shades=(0, 0))[0, 0].tolist() == [0, 0, 0]  # a transparent corner on a black page
    assert on_checkerboard(soft)[0, 0].tolist() == [204, 204, 204]
