"""The command line end to end; every bad input gets one line naming the problem, exit 2, nothing written."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kmeans_lab import choose_k, distinct_colors, mse, psnr, read_image, save_rgb
from kmeans_lab.cli import build_parser, main
from kmeans_lab.lab.paths import data_path

from .bad_files import FILE_CASES, make_input


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
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["colors"] == 2
    help_text = build_parser()._subparsers._group_actions[0].choices["compress"].format_help()
    for option in ("--init", "--seed", "--max-iter", "--tol", "--json", "--image", "--num_clusters", "-o"):
        assert option in help_text


def test_k_above_distinct_colours_notes_and_is_lossless(tmp_path, capsys):
    image = np.zeros((8, 8, 3), np.uint8)
    image[:4] = [10, 20, 30]
    save_rgb(tmp_path / "two.png", image)
    assert main(["compress", str(tmp_path / "two.png"), "-k", "5", "-o", str(tmp_path / "o.png"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "note: k=5 is more than the image's 2 distinct colours" in captured.err
    assert json.loads(captured.out)["mse"] == 0


@pytest.fixture(scope="module")
def small() -> np.ndarray:
    """A 38x48 thumbnail of chelsea.png: real photographic colours, fast to sweep."""
    return read_image(data_path("chelsea.png"))[::8, ::8][:40, :48].copy()


def test_cli_target_psnr_end_to_end(small, tmp_path, capsys):
    source = tmp_path / "small.png"
    Image.fromarray(small).save(source)
    output = tmp_path / "out.png"
    assert main(["compress", str(source), "--target-psnr", "30", "-o", str(output), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    written = read_image(output)
    assert report["output_bytes"] == output.stat().st_size
    assert report["k"] == choose_k(small, target_psnr=30)[0]
    assert report["colors"] == len(distinct_colors(written)[0]) == report["k"]
    assert report["psnr"] == pytest.approx(psnr(small, written)) and report["psnr"] >= 30
    assert report["mse"] == pytest.approx(mse(small, written))


def test_cli_max_bytes_end_to_end(small, tmp_path, capsys):
    source = tmp_path / "small.png"
    Image.fromarray(small).save(source)
    output = tmp_path / "out.png"
    assert (
        main(
            [
                "compress",
                str(source),
                "--max-bytes",
                "900",
                "--dither",
                "--color-space",
                "lab",
                "-o",
                str(output),
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["output_bytes"] == output.stat().st_size <= 900
    assert report["dither"] is True and report["color_space"] == "lab"
    assert report["k"] == choose_k(small, max_bytes=900, dither=True, color_space="lab")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "4", "--max-bytes", "900"], "not allowed with"),
        (["--target-psnr", "30", "--max-bytes", "900"], "not allowed with"),
        (["--target-psnr", "99"], "not reached"),
        (["--max-bytes", "10"], "smallest palette PNG"),
        (["--target-psnr", "30", "-o", "{tmp}/out.jpg"], "use a .png output"),
        (["--color-space", "hsv", "-k", "4"], "invalid choice"),
        ([], "no K given"),
    ],
)
def test_cli_choice_errors_are_one_line(small, tmp_path, capsys, args, message):
    source = tmp_path / "small.png"
    Image.fromarray(small).save(source)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.png")]
    try:
        status = main(["compress", str(source), *args])
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.jpg").exists()


# (input kind, extra CLI arguments, output name or None for the default, message)
CLI_CASES = [(kind, ["-k", "4"], "out.png", message) for kind, message in FILE_CASES] + [
    ("good", ["-k", "0"], "out.png", r"argument -k/--k/--num_clusters: must be an integer >= 1, got '0'"),
    ("good", ["-k", "-2"], "out.png", r"argument -k/--k/--num_clusters: must be an integer >= 1, got '-2'"),
    ("good", ["-k", "2.5"], "out.png", r"argument -k/--k/--num_clusters: must be an integer >= 1, got '2\.5'"),
    ("good", ["-k", "many"], "out.png", r"argument -k/--k/--num_clusters: must be an integer >= 1, got 'many'"),
    ("good", ["-k", "300"], "out.png", r"K=300: a palette PNG holds at most 256 colours"),
    ("good", ["-k", "4", "--init", "magic"], "out.png", r"invalid choice: 'magic'"),
    ("good", ["-k", "4"], "missing-folder/out.png", r"output folder .*missing-folder does not exist"),
    ("good", ["-k", "4"], "out.gif2", r"unsupported output format '\.gif2'"),
    ("good", ["-k", "4"], "INPUT", r"output is the input file; refusing to overwrite it"),
    ("good", [], "out.png", r"no K given"),
    ("good", ["-k", "4", "--max-iter", "0"], "out.png", r"argument --max-iter: must be an integer >= 1, got '0'"),
    ("good", ["-k", "4", "--tol", "-1"], "out.png", r"argument --tol: must be a finite number >= 0, got '-1'"),
    ("good", ["-k", "4", "--tol", "nan"], "out.png", r"argument --tol: must be a finite number >= 0, got 'nan'"),
    ("good", ["-k", "4", "--seed", "-1"], "out.png", r"argument --seed: must be an integer >= 0, got '-1'"),
    ("good", ["--target-psnr", "inf"], "out.png", r"argument --target-psnr: must be a finite number, got 'inf'"),
]


@pytest.mark.parametrize(("kind", "args", "output", "message"), CLI_CASES, ids=lambda v: str(v)[:30])
def test_cli_bad_input(tmp_path, capsys, kind, args, output, message):
    source = make_input(kind, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    out = source if output == "INPUT" else tmp_path / output
    assert _exit_status(["compress", str(source), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kmeans-lab: error: ")
    assert re.search(message, lines[0]), lines[0]
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # nothing written, input untouched


def _exit_status(argv: list[str]) -> int:
    """Exit status of the CLI whether it returns it or argparse raises SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def test_cli_argparse_errors_exit_2(tmp_path):
    source = make_input("good", tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["compress", str(source), "-k", "zero", "-o", str(tmp_path / "o.png")])
    assert info.value.code == 2
