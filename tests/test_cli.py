"""The command line end to end on a photograph from data/."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from kmeans_lab import distinct_colors, mse, read_image
from kmeans_lab.cli import build_parser, main


def test_compress_json_matches_written_file(tmp_path, capsys, photo_path):
    out = tmp_path / "cat-8.png"
    assert main(["compress", str(photo_path), "-k", "8", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for field in ("k", "mse", "psnr", "seconds", "input_bytes", "output_bytes", "colors"):
        assert field in report
    written = read_image(out)
    original = read_image(photo_path)
    assert report["k"] == 8
    assert report["colors"] == len(distinct_colors(written)[0]) <= 8
    assert report["output_bytes"] == out.stat().st_size
    assert report["input_bytes"] == photo_path.stat().st_size
    assert report["mse"] == pytest.approx(mse(original, written), rel=1e-12)
    assert report["psnr"] == pytest.approx(10 * np.log10(1 / report["mse"]))
    assert report["seconds"] > 0


def test_text_output_and_report_spelling(tmp_path, capsys, photo_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--image", str(photo_path), "--num_clusters", "3"]) == 0
    text = capsys.readouterr().out
    assert (tmp_path / "chelsea_k3.png").is_file()  # default output name, current folder
    for word in ("k ", "mse", "psnr", "seconds", "input", "output"):
        assert word in text
    assert len(distinct_colors(read_image(tmp_path / "chelsea_k3.png"))[0]) == 3


@pytest.mark.parametrize("suffix", [".jpg", ".pdf"])
def test_other_formats(tmp_path, capsys, photo_path, suffix):
    out = tmp_path / f"cat{suffix}"
    assert main(["compress", str(photo_path), "-k", "4", "-o", str(out), "--init", "in_pixels", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["output_bytes"] == out.stat().st_size > 0


def test_python_dash_m_and_help(tmp_path, photo_path):
    out = tmp_path / "o.png"
    done = subprocess.run(
        [sys.executable, "-m", "kmeans_lab", "compress", str(photo_path), "-k", "2", "-o", str(out), "--json"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["colors"] == 2
    help_text = build_parser()._subparsers._group_actions[0].choices["compress"].format_help()
    for option in ("--init", "--seed", "--max-iter", "--tol", "--json", "--image", "--num_clusters", "-o"):
        assert option in help_text


def test_k_above_distinct_colours_notes_and_is_lossless(tmp_path, capsys):
    from kmeans_lab import save_rgb

    image = np.zeros((8, 8, 3), np.uint8)
    image[:4] = [10, 20, 30]
    save_rgb(tmp_path / "two.png", image)
    assert main(["compress", str(tmp_path / "two.png"), "-k", "5", "-o", str(tmp_path / "o.png"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "note: k=5 is more than the image's 2 distinct colours" in captured.err
    assert json.loads(captured.out)["mse"] == 0
