"""python -m kmeans_lab.lab.report1: the reference timing table, its files and the images rebuilt from them."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from kmeans_lab import mse, read_image
from kmeans_lab.image import save_rgb
from kmeans_lab.lab import report1
from kmeans_lab.lab.paths import data_path
from kmeans_lab.lab.reference import reference_quantize


@pytest.fixture
def small_photo(tmp_path):
    """A 60×90 crop of chelsea.png, saved as PNG."""
    path = tmp_path / "crop.png"
    save_rgb(path, read_image(data_path("chelsea.png"))[100:160, 200:290])
    return path


@pytest.fixture
def small_run(tmp_path, monkeypatch, small_photo):
    """Two rounds of three settings on a small photograph instead of the report's photographs."""
    monkeypatch.setitem(report1.IMAGES, "90x60", str(small_photo))
    log = io.StringIO()
    table = report1.time_report1(
        ["90x60"], [(3, "random"), (4, "in_pixels"), (6, "random")], repeats=2, out=tmp_path, log=log
    )
    return table, tmp_path, log.getvalue()


def test_one_row_per_setting_and_algorithm_with_repeats_machine_and_date(small_run):
    table, folder, log = small_run
    assert len(table) == 6 and set(table.algorithm) == {"reference", "kmeans_lab"}
    assert (table.repeats == 2).all()
    assert (table.seconds_min <= table.seconds_median).all() and (table.seconds_median <= table.seconds_max).all()
    reference = table[table.algorithm == "reference"]
    assert reference.init_seconds_median.notna().all() and reference.loop_seconds_median.notna().all()
    per_iteration = reference.loop_seconds_median / reference.iterations
    np.testing.assert_allclose(reference.seconds_per_iteration, per_iteration, rtol=1e-3)  # 4 significant digits
    assert table.machine.str.contains("logical cores").all()
    assert table.date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (table.command == "python -m kmeans_lab.lab.report1").all()
    assert (table.blas_threads == 1).all()
    assert log.count("\n") == 12  # one line per run: 2 rounds × 3 settings × 2 algorithms
    # interleaved: round 1 runs every setting before round 2 runs any
    assert log.splitlines()[5].startswith("round 1/2") and log.splitlines()[6].startswith("round 2/2")
    read = report1.read_reference_runtimes(folder / report1.RUNTIMES_FILE)
    assert list(read.columns) == list(table.columns) and len(read) == 6


def test_the_stored_centroids_rebuild_the_reference_image_exactly(small_run):
    table, folder, _ = small_run
    image = read_image(folder / "crop.png")
    stored = report1.read_reference_centroids(folder / report1.CENTROIDS_FILE)
    assert set(stored) == {"90x60 K=3 random", "90x60 K=4 in_pixels", "90x60 K=6 random"}
    for entry in stored.values():
        rebuilt, sizes = report1.rebuild_reference_image(image, entry)
        np.testing.assert_array_equal(rebuilt, reference_quantize(image, entry["K"], entry["init"], seed=entry["seed"]))
        assert sizes.tolist() == entry["cluster_sizes"]
        row = table[(table.K == entry["K"]) & (table.init == entry["init"]) & (table.algorithm == "reference")]
        assert mse(image, rebuilt) == pytest.approx(row.mse.item(), rel=1e-3)
        assert row.colours_used.item() == np.count_nonzero(sizes)


def test_seeds_table_is_the_timed_runs_at_seed_0(small_run, monkeypatch, small_photo):
    table, folder, _ = small_run
    seeds = report1.reference_seeds(
        ["90x60"], [(3, "random"), (4, "in_pixels"), (6, "random")], range(3), out=folder, log=io.StringIO()
    )
    assert len(seeds) == 9 and set(seeds.seed) == {0, 1, 2}
    assert (seeds.colours_used <= seeds.K).all()
    timed = table[table.algorithm == "reference"].set_index(["K", "init"])
    first = seeds[seeds.seed == 0].set_index(["K", "init"])
    assert first.iterations.to_dict() == timed.iterations.to_dict()
    np.testing.assert_allclose(first.mse, timed.mse.loc[first.index], rtol=1e-3)
    assert report1.read_reference_seeds(folder / report1.SEEDS_FILE).shape == seeds.shape


def test_report_settings_and_seconds_are_the_reports():
    assert report1.SETTINGS[:6] == [(k, i) for i in ("random", "in_pixels") for k in (3, 5, 7)]
    assert report1.SETTINGS[6:] == [(15, "in_pixels"), (30, "in_pixels")]
    assert report1.REPORT_SECONDS["2560x1700"][30, "in_pixels"] == pytest.approx(56.759814)
    assert set(report1.REPORT_SECONDS["1920x1080"]) == set(report1.SETTINGS[:6])


def test_most_different_box_finds_the_changed_patch():
    a = np.zeros((40, 60, 3), np.uint8)
    b = a.copy()
    b[22:30, 41:50] = 90
    top, left, height, width = report1.most_different_box(a, b, 10, 12)
    assert (height, width) == (10, 12)
    changed = np.zeros((40, 60), bool)
    changed[22:30, 41:50] = True
    assert changed[top : top + height, left : left + width].sum() >= 0.6 * changed.sum()  # on a half-window grid


@pytest.mark.parametrize(
    ("shape_b", "size", "match"),
    [((40, 61, 3), (4, 4), "images of shapes"), ((40, 60, 3), (41, 4), "does not fit"), ((40, 60, 3), (4, 0), "fit")],
)
def test_most_different_box_rejects_bad_input(shape_b, size, match):
    with pytest.raises(ValueError, match=match):
        report1.most_different_box(np.zeros((40, 60, 3), np.uint8), np.zeros(shape_b, np.uint8), *size)


def test_command_line_rejects_bad_repeats():
    with pytest.raises(SystemExit, match="--repeats must be >= 1, got 0"):
        report1.main(["--repeats", "0"])


def test_mse_spread_and_which_init_varies_less():
    seeds = pd.DataFrame(
        {
            "size": ["a"] * 12,
            "K": [3] * 6 + [5] * 6,
            "init": (["random"] * 3 + ["in_pixels"] * 3) * 2,
            "mse": [1.0, 1.5, 2.0, 1.0, 1.1, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.002],
        }
    )
    spread = report1.mse_spread(seeds)
    assert spread.loc[("a", 3, "random"), "range / mean"] == pytest.approx(1.0 / 1.5)
    assert list(spread.index.get_level_values("init")[:2]) == ["random", "in_pixels"]  # first-seen order
    verdict = report1.compare_spread(spread)
    assert verdict.to_dict() == {("a", 3): "in_pixels", ("a", 5): "same"}  # 0.2 % is below the 0.5 % floor
    assert (
        report1.compare_spread(spread.rename(index={"random": "in_pixels", "in_pixels": "random"})).iloc[0] == "random"
    )


def test_rebuild_from_a_given_histogram_is_the_same_image(small_run):
    from kmeans_lab.histogram import distinct_colors

    _, folder, _ = small_run
    image = read_image(folder / "crop.png")
    entry = report1.read_reference_centroids(folder / report1.CENTROIDS_FILE)["90x60 K=6 random"]
    plain, sizes = report1.rebuild_reference_image(image, entry)
    given, given_sizes = report1.rebuild_reference_image(image, entry, colours=distinct_colors(image))
    np.testing.assert_array_equal(plain, given)
    assert sizes.tolist() == given_sizes.tolist() == entry["cluster_sizes"]


def _timings(seconds: dict, iterations: dict) -> pd.DataFrame:
    rows = [
        {
            "size": "1920x1080",
            "K": k,
            "init": init,
            "seconds_median": s,
            "seconds_min": s,
            "iterations": iterations[k, init],
        }
        for (k, init), s in seconds.items()
    ]
    return pd.DataFrame(rows).set_index(["size", "K", "init"])


def test_runtime_verdicts_follow_the_times_and_flag_what_the_load_decides():
    ks = (3, 5, 7, 15, 30)
    # the report's pattern: similar at K = 3, random faster, everything grows with K, in_pixels 6× at K = 7
    seconds = {(k, "random"): float(k) for k in ks} | {(k, "in_pixels"): k * (1.1 if k == 3 else 6.0) for k in ks}
    iterations = {key: 10 for key in seconds}
    verdicts = report1.runtime_verdicts(_timings(seconds, iterations))
    assert verdicts["holds here"].tolist() == ["yes", "yes", "yes", "yes", "no", "yes"]  # no extra gap at K ≥ 15
    assert verdicts.loc["at K = 3 both initialisers take about as long (within 25 %)", "here, median"] == (
        "in_pixels 1.1× random"
    )
    # random slower at K = 7 on the median only: the fastest round decides the other way
    table = _timings(seconds, iterations)
    table.loc[("1920x1080", 7, "random"), "seconds_median"] = 100.0
    verdict = report1.runtime_verdicts(table).loc["random is faster at every K", "holds here"]
    assert verdict == "not settled"
