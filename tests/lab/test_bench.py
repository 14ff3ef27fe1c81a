"""The benchmark runs and writes its tables (smoke tests on a tiny image; no timing is asserted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image

from kmeans_lab.lab import bench


def _tiny_photo(tmp_path):
    from kmeans_lab import read_image
    from kmeans_lab.lab.paths import data_path

    path = tmp_path / "tiny.png"
    Image.fromarray(read_image(data_path("chelsea.png"))[::6, ::6]).save(path)
    return path


def test_quick_benchmark_writes_csv(tmp_path, capsys):
    tiny = _tiny_photo(tmp_path)
    assert bench.main(["--quick", "--images", str(tiny), "--out", str(tmp_path), "--no-progress"]) == 0
    table = pd.read_csv(tmp_path / "benchmark.csv")
    expected = {"image", "pixels", "distinct_colors", "k", "contender", "seconds", "mse", "psnr", "ratio"}
    assert expected <= set(table.columns) and {"mse_ratio", "x_floor"} <= set(table.columns)
    assert set(table.k) == {4, 16}
    contenders = {"kmeans_lab", "reference", "sklearn", "sklearn_weighted", "pillow_mediancut", "floor"}
    assert contenders <= set(table.contender)
    assert (table.seconds > 0).all()
    measured = table[table.contender != "floor"]
    assert (measured.mse > 0).all() and table[table.contender == "floor"].mse.isna().all()
    ours = table[table.contender == "kmeans_lab"]
    assert np.allclose(ours.ratio, 1.0) and np.allclose(ours.mse_ratio, 1.0)
    floor = table[table.contender == "floor"]
    assert np.allclose(floor.x_floor, 1.0)
    np.testing.assert_allclose(ours.x_floor.to_numpy(), ours.seconds.to_numpy() / floor.seconds.to_numpy())
    printed = capsys.readouterr().out
    assert "kmeans_lab" in printed and "x_floor" in printed


def test_quality_seeds_are_scored_untimed_into_the_named_csv(tmp_path):
    tiny = _tiny_photo(tmp_path)
    argv = ["--images", str(tiny), "--k", "4", "--contenders", "kmeans_lab", "pillow_mediancut", "--repeats", "1"]
    assert (
        bench.main([*argv, "--quality-seeds", "1", "2", "--csv", "seeds.csv", "--out", str(tmp_path), "--no-progress"])
        == 0
    )
    assert not (tmp_path / "benchmark.csv").exists()
    table = pd.read_csv(tmp_path / "seeds.csv")
    assert sorted(table.seed.unique()) == [0, 1, 2]
    assert (table[table.seed == 0].seconds > 0).all() and table[table.seed > 0].seconds.isna().all()
    assert (table.mse > 0).all()


def test_quick_scaling_writes_csv_and_figure(tmp_path):
    tiny = _tiny_photo(tmp_path)
    assert bench.main(["--scaling", "--quick", "--images", str(tiny), "--out", str(tmp_path), "--no-progress"]) == 0
    table = pd.read_csv(tmp_path / "scaling.csv")
    assert set(table.study) == {"pixels", "k"}
    assert (tmp_path / "scaling.png").stat().st_size > 0


def test_generated_high_colour_image_is_the_documented_one():
    from kmeans_lab import ColorHistogram
    from kmeans_lab.lab.generated import benchmark_image

    name, image = benchmark_image("high-colour")
    assert name == "high-colour" and image.shape == (1700, 2560, 3)
    assert len(ColorHistogram.from_image(image)) == 878_715  # as the module's docstring says
