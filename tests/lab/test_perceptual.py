"""The perceptual study: scores of written files, the pngquant cases, the dithering cost (no pngquant needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

pytest.importorskip("ssimulacra2")
pytest.importorskip("flip_evaluator")

from kmeans_lab import quantize  # noqa: E402
from kmeans_lab.lab import bench, perceptual  # noqa: E402


@pytest.fixture(scope="module")
def photo():
    """A 60×80 crop of a photograph: enough colours for K = 8, big enough for SSIMULACRA2's scales."""
    from kmeans_lab import read_image
    from kmeans_lab.lab.paths import data_path

    return np.ascontiguousarray(read_image(data_path("chelsea.png"))[100:160, 150:230])


def _save(tmp_path, name, image):
    path = tmp_path / name
    Image.fromarray(image).save(path)
    return path


def test_identical_file_scores_perfect(tmp_path, photo):
    original = _save(tmp_path, "original.png", photo)
    scores = perceptual.score_file(photo, original, original)
    assert scores["mse"] == 0.0 and scores["flip"] == 0.0
    assert scores["ssimulacra2"] == pytest.approx(100.0)
    assert scores["bytes"] == original.stat().st_size


def test_fewer_colours_score_worse_on_both_metrics(tmp_path, photo):
    original = _save(tmp_path, "original.png", photo)
    scores = {}
    for k in (4, 32):
        written = tmp_path / f"k{k}.png"
        quantize(photo, k).save(written)
        scores[k] = perceptual.score_file(photo, original, written)
        assert scores[k]["colors"] == k
    assert 0 < scores[32]["mse"] < scores[4]["mse"]
    assert scores[4]["ssimulacra2"] < scores[32]["ssimulacra2"] < 100
    assert scores[4]["flip"] > scores[32]["flip"] > 0


def test_study_without_pngquant_scores_every_library_writer(photo):
    table, notes = perceptual.run_perceptual([("crop", photo)], [8], repeats=1, pngquant=False, progress=False)
    assert notes == []
    assert list(table.contender) == list(perceptual.WRITERS)
    assert (table.k == 8).all() and (table.pixels == photo.shape[0] * photo.shape[1]).all()
    assert (table.colors <= 8).all() and (table.bytes > 0).all()
    ours = table[table.contender.str.startswith("kmeans_lab")]
    assert (ours.bytes_optimized > 0).all() and ours.optimized_same_pixels.astype(bool).all()
    assert table[table.contender == "imagequant"].bytes_optimized.isna().all()
    dithered = table.dropna(subset=["dither_cpu_s_per_mp"])
    assert sorted(dithered.contender) == ["kmeans_lab_dither", "kmeans_lab_ordered"]
    undithered = table.set_index("contender").loc[["kmeans_lab", "kmeans_lab_rgb"]]
    assert (undithered.mse.loc["kmeans_lab_rgb"] <= undithered.mse.loc["kmeans_lab"]).all()  # sRGB k-means: least MSE


def test_missing_pngquant_is_one_note(monkeypatch):
    monkeypatch.setattr(perceptual.shutil, "which", lambda name: None)
    writers, notes = perceptual._writers(None)
    assert set(writers) == set(perceptual.WRITERS)
    assert len(notes) == 1 and "pngquant is not installed" in notes[0]
    monkeypatch.setattr(perceptual.shutil, "which", lambda name: "/usr/bin/pngquant")
    writers, notes = perceptual._writers(None)
    assert set(perceptual.PNGQUANT_WRITERS) <= set(writers) and notes == []


def test_quick_perceptual_command_writes_csv_and_says_pngquant_is_absent(tmp_path, monkeypatch, capsys, photo):
    monkeypatch.setattr(perceptual.shutil, "which", lambda name: None)
    source = _save(tmp_path, "crop.png", photo)
    argv = ["--perceptual", "--quick", "--images", str(source), "--repeats", "1", "--out", str(tmp_path)]
    assert bench.main([*argv, "--no-progress"]) == 0
    table = pd.read_csv(tmp_path / "benchmark-perceptual.csv")
    assert set(table.contender) == set(perceptual.WRITERS) and set(table.image) == {"crop"}
    printed = capsys.readouterr()
    assert "pngquant is not installed" in printed.err and "pngquant is not installed" in printed.out
    assert "no pngquant rows" in printed.out and "dithering adds" in printed.out


def _case_table() -> pd.DataFrame:
    """Two photographs at one K: ours wins both metrics on ``a`` and loses FLIP on ``b``."""
    rows = [
        ("a", "kmeans_lab", 80.0, 0.05, 900, 800),
        ("a", "pngquant_nofs", 70.0, 0.06, 1000, None),
        ("b", "kmeans_lab", 75.0, 0.07, 1200, 1000),
        ("b", "pngquant_nofs", 72.0, 0.06, 1000, None),
        ("a", "kmeans_lab_dither", 60.0, 0.09, 1100, 1000),  # no dithered pngquant row: left out
    ]
    columns = ["image", "contender", "ssimulacra2", "flip", "bytes", "bytes_optimized"]
    return pd.DataFrame(rows, columns=columns).assign(k=64)


def test_target_cases_need_both_metrics_to_agree():
    cases = perceptual.target_cases(_case_table())
    assert list(cases.image) == ["a", "b"] and set(cases.theirs) == {"pngquant_nofs"}
    assert cases.verdict.tolist() == ["both better", "disagree"]
    assert cases.won.tolist() == [True, False]
    np.testing.assert_allclose(cases.ssimulacra2_diff, [10.0, 3.0])
    np.testing.assert_allclose(cases.flip_diff, [-0.01, 0.01], atol=1e-12)
    np.testing.assert_allclose(cases.bytes_ratio, [0.9, 1.2])
    np.testing.assert_allclose(cases.bytes_optimized_ratio, [0.8, 1.0])


def test_report_states_the_share_won_and_the_bytes():
    report = perceptual.perceptual_report(_case_table())
    assert "kmeans_lab vs pngquant_nofs: better on both metrics in 1 of 2 cases (50%); metrics disagree in 1" in report
    assert "median bytes 1.050x pngquant's (0.900x with optimize=True)" in report


def test_dither_cost_is_per_megapixel_and_needs_a_repeat(photo):
    palette = quantize(photo, 8).palette
    cost = perceptual.dither_cost(photo, palette, repeats=1)
    assert set(cost) == {"cpu_s_per_mp", "wall_s_per_mp"}
    assert all(np.isfinite(v) for v in cost.values())
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        perceptual.dither_cost(photo, palette, repeats=0)
