"""The benchmark runs and writes its tables (smoke tests on a tiny image; no timing is asserted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
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


def test_quick_paths_time_every_path_against_libimagequant_and_the_floor(tmp_path, capsys):
    pytest.importorskip("imagequant")
    tiny = _tiny_photo(tmp_path)
    assert bench.main(["--paths", "--quick", "--images", str(tiny), "--out", str(tmp_path), "--no-progress"]) == 0
    table = pd.read_csv(tmp_path / "benchmark-paths.csv", keep_default_na=False, na_values=[""])
    ours = table[table.contender.str.startswith("kmeans_lab")]
    assert sorted(ours.path) == sorted(list(bench.PATHS) * 2)  # every path at K = 4 and 16
    assert set(table.input) == {"rgb", "vignette", "cutout"}
    for (_, input_name), case in table.groupby(["k", "input"]):
        assert {"imagequant", "floor"} <= set(case.contender), input_name
    assert np.allclose(table[table.contender == "imagequant"].x_imagequant, 1.0)
    assert np.allclose(table[table.contender == "floor"].x_floor, 1.0)
    assert np.allclose(table[table.contender == "imagequant"].cpu_x_imagequant, 1.0) and (table.cpu_s > 0).all()
    iq = table[table.contender == "imagequant"].set_index(["k", "input"]).seconds
    expected = ours.seconds.to_numpy() / iq.loc[list(zip(ours.k, ours.input))].to_numpy()
    np.testing.assert_allclose(ours.x_imagequant.to_numpy(), expected)
    assert (ours.mse > 0).all() and table[table.contender == "floor"].mse.isna().all()
    assert (table.load_1min >= 0).all() and (table.repeats == 1).all()
    from kmeans_lab import ColorHistogram, read_image
    from kmeans_lab.lab.transparency import cutout

    cut = table[table.input == "cutout"]
    assert (cut.distinct_colors == len(ColorHistogram.from_image(cutout(read_image(tiny))))).all()
    printed = capsys.readouterr().out
    assert "libimagequant" in printed and "load average at the end" in printed


def test_paths_summary_puts_each_path_in_a_column():
    table = pd.DataFrame(
        {
            "image": ["a", "a", "a", "a"],
            "k": [8, 8, 8, 8],
            "path": ["oklab", "rgb", "", "rgba-cutout"],
            "x_imagequant": [2.0, 0.5, 1.0, 3.0],
        }
    )
    wide = bench.paths_summary(table)
    assert list(wide.columns) == ["image", "k", "rgb", "oklab", "rgba-cutout"]
    assert wide.iloc[0][["rgb", "oklab", "rgba-cutout"]].tolist() == [0.5, 2.0, 3.0]


def test_run_paths_needs_a_repeat():
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        bench.run_paths([("x", np.zeros((4, 4, 3), np.uint8))], [2], repeats=0)


def test_benchdata_is_found_above_a_worktree_checkout(tmp_path, monkeypatch):
    checkout = tmp_path / "wt" / "bench"
    checkout.mkdir(parents=True)
    monkeypatch.setenv("KMEANS_LAB_ROOT", str(checkout))
    assert bench.benchdata_dir() is None
    (tmp_path / "shared" / "benchdata").mkdir(parents=True)
    assert bench.benchdata_dir() == tmp_path / "shared" / "benchdata"


def test_paths_images_say_which_kodak_photograph_is_absent(tmp_path, monkeypatch):
    folder = tmp_path / "benchdata"
    folder.mkdir()
    Image.fromarray(np.full((8, 12, 3), 90, np.uint8)).save(folder / "kodim05.png")
    monkeypatch.setattr(bench, "benchdata_dir", lambda: folder)
    images, notes = bench.paths_images()
    names = [name for name, _ in images]
    assert names == ["kodim05", "coffee-1920x1275", "coffee-2560x1700", "high-colour"]
    assert images[1][1].shape == (1275, 1920, 3)
    assert len(notes) == 1 and "kodim23.png is absent" in notes[0]
    monkeypatch.setattr(bench, "benchdata_dir", lambda: None)
    assert "Kodak photographs are skipped" in bench.paths_images()[1][0]
