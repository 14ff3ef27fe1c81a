"""The benchmark runs and writes its tables (smoke tests; no timing is asserted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmeans_lab import bench


def test_quick_benchmark_writes_csv(tmp_path, capsys):
    assert bench.main(["--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    table = pd.read_csv(tmp_path / "benchmark.csv")
    expected = {"image", "pixels", "distinct_colors", "k", "contender", "seconds", "mse", "psnr", "ratio"}
    assert expected <= set(table.columns)
    assert set(table.k) == {4, 16}
    assert {"kmeans_lab", "reference", "sklearn", "sklearn_weighted", "pillow_mediancut"} <= set(table.contender)
    assert (table.seconds > 0).all() and (table.mse > 0).all()
    ours = table[table.contender == "kmeans_lab"]
    assert np.allclose(ours.ratio, 1.0)
    assert "kmeans_lab" in capsys.readouterr().out


def test_quick_scaling_writes_csv_and_figure(tmp_path):
    assert bench.main(["--scaling", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    table = pd.read_csv(tmp_path / "scaling.csv")
    assert set(table.study) == {"pixels", "k"}
    assert (tmp_path / "scaling.png").stat().st_size > 0


def test_unknown_contender_is_rejected():
    with pytest.raises(ValueError, match="unknown contender"):
        bench.available_contenders(["kmeans_lab", "gimp"])


def test_contenders_return_uint8_images_of_the_input_shape():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(12, 10, 3), dtype=np.uint8)
    runnable, _ = bench.available_contenders(list(bench.CONTENDERS))
    for name in runnable:
        out = bench.CONTENDERS[name](image, 4, 0, 50, 1e-4)
        assert out.shape == image.shape and out.dtype == np.uint8, name
        assert len(np.unique(out.reshape(-1, 3), axis=0)) <= 4, name
