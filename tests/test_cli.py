"""The command line end to end; every bad input gets one line naming the problem, exit 2, nothing written."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kmeans_lab
import kmeans_lab.cli as cli
from kmeans_lab import choose_k, mse, psnr, quantize, read_frames, read_image
from kmeans_lab.cli import main
from kmeans_lab.histogram import distinct_colors
from kmeans_lab.image import save_rgb
from kmeans_lab.lab.paths import data_path

from .bad_files import FILE_CASES, alpha_input, make_input, multi_frame_file, noise


@pytest.mark.parametrize("suffix", [".png", ".tif", ".bmp"])
def test_compress_json_matches_written_file(tmp_path, capsys, photo_path, suffix):
    """MSE and colours come from the palette and labels for lossless outputs: they must be those of the file."""
    out = tmp_path / f"cat-8{suffix}"
    assert main(["compress", str(photo_path), "-k", "8", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for field in ("k", "mse", "psnr", "seconds", "seconds_final", "input_bytes", "output_bytes", "colors"):
        assert field in report
    written = read_image(out)
    original = read_image(photo_path)
    assert report["k"] == 8
    assert report["colors"] == len(distinct_colors(written)[0]) <= 8
    assert report["output_bytes"] == out.stat().st_size
    assert report["input_bytes"] == photo_path.stat().st_size
    assert report["mse"] == pytest.approx(mse(original, written), rel=1e-12)
    assert report["psnr"] == pytest.approx(10 * np.log10(1 / report["mse"]))
    assert report["seconds"] == report["seconds_final"] > 0


def test_lossy_output_notes_the_colours_it_added(tmp_path, capsys, photo_path):
    out = tmp_path / "cat.jpg"
    assert main(["compress", str(photo_path), "-k", "8", "-o", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    written = read_image(out)
    assert report["colors"] == len(distinct_colors(written)[0]) > 8
    assert report["mse"] == pytest.approx(mse(read_image(photo_path), written), rel=1e-12)
    assert f"kmeans-lab: note: JPG is lossy: the file holds {report['colors']:,} colours, not the 8" in captured.err


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
    help_text = _help("compress")
    for option in ("--init", "--n-init", "--seed", "--max-iter", "--tol", "--json", "--image", "--num_clusters", "-o"):
        assert option in help_text


def _help(*command: str) -> str:
    """The text ``kmeans-lab COMMAND --help`` prints (it exits with status 0)."""
    with contextlib.redirect_stdout(io.StringIO()) as text, pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    return text.getvalue()


@pytest.mark.parametrize("where", ["first", "after the options"])
def test_image_and_k_without_a_command_compress(tmp_path, capsys, photo_path, where):
    """``kmeans-lab IMAGE -k K`` is ``kmeans-lab compress IMAGE -k K``: the same file, the same report."""
    explicit, implicit = tmp_path / "explicit.png", tmp_path / "implicit.png"
    assert main(["compress", str(photo_path), "-k", "5", "-o", str(explicit), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    options = ["-k", "5", "-o", str(implicit), "--json"]
    assert main([str(photo_path), *options] if where == "first" else [*options, str(photo_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert implicit.read_bytes() == explicit.read_bytes()
    del expected["output"], report["output"], expected["seconds"], report["seconds"]
    del expected["seconds_final"], report["seconds_final"]
    assert report == expected


def test_top_level_help_shows_both_commands_and_the_short_spelling():
    text = _help()
    assert "kmeans-lab [compress] INPUT -k K" in text and "compress-many" in text
    assert "--out-dir" in _help("compress-many")


def test_n_init_reaches_the_k_means(tmp_path, capsys, photo_path):
    out = tmp_path / "o.png"
    args = ["-k", "8", "--n-init", "3", "--seed", "1", "--init", "in_pixels", "-o", str(out), "--json"]
    assert main([str(photo_path), *args]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["n_init"], report["seed"], report["init"]) == (3, 1, "in_pixels")
    expected = quantize(read_image(photo_path), 8, n_init=3, seed=1, init="in_pixels")
    np.testing.assert_array_equal(read_image(out), expected.image)


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
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    written = read_image(output)
    assert report["output_bytes"] == output.stat().st_size
    assert report["k"] == choose_k(small, target_psnr=30)[0]
    # The search quantizes several K: `seconds` covers all of them, `seconds_final` the K chosen.
    assert report["seconds"] >= report["seconds_final"] > 0
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
    ("good", ["-k", "4", "--n-init", "0"], "out.png", r"argument --n-init: must be an integer >= 1, got '0'"),
    ("good", ["--target-psnr", "inf"], "out.png", r"argument --target-psnr: must be a finite number, got 'inf'"),
    ("good", ["-k", "4", "--max-pixels", "0"], "out.png", r"argument --max-pixels: must be an integer >= 1, got '0'"),
    (
        "good",
        ["-k", "4", "--max-pixels", "4095"],
        "out.png",
        r"input\.png: image too large \(4,096 pixels, more than the limit of 4,095.*raise the limit with --max-pixels",
    ),
    (
        "bomb",
        ["-k", "4"],
        "out.png",
        r"input\.png: image too large \(1,600,000,000 pixels, more than the limit of 89,478,485.*--max-pixels N$",
    ),
    ("good", ["-k", "300", "--dither"], "out.png", r"K=300: a palette PNG holds at most 256 colours; use a \.jpg"),
    ("good", ["-k", "4"], "no-such-link.png", r"output folder .*missing-folder does not exist"),
    ("good", ["-k", "4", "--background", "nope"], "out.png", r"argument --background: must be a colour: .*got 'nope'"),
    ("good", ["-k", "4", "--background", "1,2"], "out.png", r"argument --background: must be a colour"),
    ("good", ["-k", "4", "--dither", "random"], "out.png", r"argument --dither: invalid choice: 'random'"),
]


@pytest.mark.parametrize(("kind", "args", "output", "message"), CLI_CASES, ids=lambda v: str(v)[:30])
def test_cli_bad_input(tmp_path, capsys, kind, args, output, message):
    source = make_input(kind, tmp_path)
    if output == "no-such-link.png":  # a symbolic link into a folder that does not exist
        (tmp_path / output).symlink_to(tmp_path / "missing-folder" / "out.png")
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


def test_max_pixels_at_the_image_size_passes(tmp_path, capsys):
    source = make_input("good", tmp_path)  # 64x64
    assert main(["compress", str(source), "-k", "4", "--max-pixels", "4096", "-o", str(tmp_path / "o.png")]) == 0


def test_animated_gif_into_a_jpg_writes_the_first_frame_with_a_note(tmp_path, capsys):
    source = multi_frame_file(tmp_path / "anim.gif", duration=100, loop=0)
    out = tmp_path / "o.jpg"
    assert main(["compress", str(source), "-k", "2", "-o", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert (
        "kmeans-lab: note: anim.gif: 3 frames; only the first is written to a .jpg "
        "(a .gif or .png output keeps every frame)" in captured.err.splitlines()
    ), captured.err
    assert "only the first frame is used" not in captured.err
    assert json.loads(captured.out)["input_colors"] == 1


# --- transparency --------------------------------------------------------------------------------

ALPHA_KINDS = ["rgba", "rgba16", "la", "p_transparency"]


def _png_chunk(data: bytes, kind: bytes) -> bytes | None:
    at = 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        if data[at + 4 : at + 8] == kind:
            return data[at + 8 : at + 8 + length]
        at += 12 + length
    return None


@pytest.mark.parametrize("kind", ALPHA_KINDS)
def test_cli_keeps_transparency_end_to_end(tmp_path, capsys, kind):
    """LA, palette + tRNS and 16-bit RGBA inputs: exit 0, a palette PNG with tRNS, transparent pixels kept."""
    source, rgba = alpha_input(kind, tmp_path)
    out = tmp_path / "out.png"
    assert main(["compress", str(source), "-k", "3", "-o", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert captured.err == ""
    assert report["alpha"] is True and report["background"] is None
    assert mse(read_image(source), rgba) == 0  # the file holds these pixels (up to invisible colours)
    data = out.read_bytes()
    assert data[25] == 3 and _png_chunk(data, b"tRNS") is not None  # indexed colour with per-entry alpha
    written = read_image(out)
    assert written.shape == rgba.shape
    transparent = rgba[..., 3] == 0
    assert (written[transparent] == 0).all() and (written[~transparent][:, 3] > 0).all()
    assert report["colors"] == len(distinct_colors(written)[0]) <= 3
    assert report["mse"] == pytest.approx(mse(rgba, written), rel=1e-12)
    assert report["output_bytes"] == out.stat().st_size


def test_cli_background_composites_and_ordered_dither_keeps_alpha(tmp_path, capsys):
    source, rgba = alpha_input("rgba", tmp_path)
    flat = tmp_path / "flat.png"
    assert main(["compress", str(source), "-k", "4", "-o", str(flat), "--background", "0,0,128", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["alpha"] is False and report["background"] == "#000080"
    assert _png_chunk(flat.read_bytes(), b"tRNS") is None
    assert read_image(flat).shape == rgba.shape[:2] + (3,)
    dithered = tmp_path / "dithered.png"
    assert main(["compress", str(source), "-k", "4", "-o", str(dithered), "--dither", "ordered", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dither"] is True and report["dither_method"] == "ordered"
    written = read_image(dithered)
    assert (written[rgba[..., 3] == 0] == 0).all()
    text_out = tmp_path / "text.png"
    assert main(["compress", str(source), "-k", "4", "-o", str(text_out)]) == 0
    assert "premultiplied RGBA" in capsys.readouterr().out


def test_cli_oklab(tmp_path, capsys, photo_path):
    out = tmp_path / "o.png"
    assert main(["compress", str(photo_path), "-k", "8", "--color-space", "oklab", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["color_space"] == "oklab" and report["colors"] == 8


@pytest.mark.parametrize(
    ("kind", "args", "output", "message"),
    [
        ("rgba", [], "out.jpg", r"out\.jpg: JPEG cannot store transparency; .*background"),
        ("rgba", [], "out.bmp", r"out\.bmp: BMP cannot store transparency"),
    ],
)
def test_cli_alpha_bad_input(tmp_path, capsys, kind, args, output, message):
    source = alpha_input(kind, tmp_path)[0]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert _exit_status(["compress", str(source), "-k", "4", *args, "-o", str(tmp_path / output)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kmeans-lab: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


# --- running as an unprivileged user: permissions that root would bypass ------------------------

UNPRIVILEGED = 65534  # nobody


@pytest.fixture
def shared_dir():
    """A folder under /tmp every user can reach (pytest's own tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="kmeans-lab-test-"))
    path.chmod(0o755)
    yield path
    for folder, _, _ in os.walk(path):
        os.chmod(folder, 0o755)
    shutil.rmtree(path)


# The child prints the kmeans_lab it imported and its effective capabilities (root's power over permissions).
_PROBE = (
    "import kmeans_lab; print(kmeans_lab.__file__); "
    "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])"
)


def _probe(prefix: list[str], options: dict) -> str | None:
    """Why ``prefix + [python, ...]`` with ``subprocess`` ``options`` cannot serve as an unprivileged run, or None."""
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", _PROBE], cwd="/", capture_output=True, text=True, **options
        )
    except OSError as exc:  # exec itself refused, e.g. an interpreter inside a private (0700) folder
        return f"cannot start {sys.executable} ({exc.strerror})"
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2:
        return f"the interpreter fails there ({done.stderr.strip().splitlines()[-1:]})"
    if lines[0] != kmeans_lab.__file__:  # e.g. this checkout unreachable, and another one installed
        return f"it imports {lines[0]}, not {kmeans_lab.__file__}"
    return None if int(lines[1], 16) == 0 else f"it keeps capabilities {lines[1]}"


@functools.cache
def _unprivileged() -> tuple[list[str], dict]:
    """How to run the CLI without root's power over file permissions: a command prefix and ``subprocess`` options.

    As ourselves when we are not root. As root: user 65534, when it can run this interpreter
    and import this checkout (not from inside a private ``mktemp -d`` folder, mode 0700); else
    root without capabilities (``setpriv``), which reaches whatever root owns but obeys the
    permission bits as their owner: the tests' modes (0000, 0444, 0555) refuse the owner too.
    """
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        return [], {}
    reasons = []
    try:
        pwd.getpwuid(UNPRIVILEGED)
        nobody = dict(user=UNPRIVILEGED, group=UNPRIVILEGED, extra_groups=[])
        reason = _probe([], nobody)
        if reason is None:
            return [], nobody
        reasons.append(f"as user {UNPRIVILEGED}: {reason}")
    except KeyError:
        reasons.append(f"there is no user {UNPRIVILEGED}")
    setpriv = shutil.which("setpriv")
    capless = [setpriv, "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--"] if setpriv else []
    reason = _probe(capless, {}) if setpriv else "no setpriv (util-linux) to drop root's capabilities"
    if reason is None:
        return capless, {}
    pytest.skip("cannot run the CLI unprivileged: " + "; ".join([*reasons, f"as root without capabilities: {reason}"]))


def _run_unprivileged(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``python -m kmeans_lab ARGV`` without the power to bypass file permissions (see :func:`_unprivileged`)."""
    prefix, options = _unprivileged()
    command = [*prefix, sys.executable, "-m", "kmeans_lab", *argv]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False, **options)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("read-only output folder", r"out\.png: cannot write in output folder .*locked: permission denied$"),
        ("unreadable input", r"input\.png: permission denied$"),
        ("read-only output file", r"out\.png: permission denied \(the existing file is read-only\)$"),
    ],
)
def test_cli_permission_errors_are_one_line_before_any_work(shared_dir, case, message):
    source = make_input("good", shared_dir)
    source.chmod(0o000 if case == "unreadable input" else 0o644)
    out_dir = shared_dir / ("locked" if case == "read-only output folder" else "open")
    out_dir.mkdir()
    out_dir.chmod(0o555 if case == "read-only output folder" else 0o777)
    out = out_dir / "out.png"
    if case == "read-only output file":
        out.write_bytes(b"keep me")
        out.chmod(0o444)
    before = _snapshot(shared_dir)
    done = _run_unprivileged(["compress", str(source), "-k", "4", "-o", str(out)], cwd=shared_dir)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("kmeans-lab: error: ") and re.search(message, lines[0]), lines[0]
    assert _snapshot(shared_dir) == before  # nothing written, input untouched


# --- stopping a run: SIGINT / SIGTERM --------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_input(tmp_path_factory) -> Path:
    """2000x2000 noise, about 4 million distinct colours: k-means to a fixed point takes long."""
    path = tmp_path_factory.mktemp("slow") / "noise.png"
    Image.fromarray(noise(2000, 2000)).save(path, compress_level=0)
    return path


def _wait_for_handler(pid: int, signum: int, timeout: float = 120.0) -> None:
    """Until the process has installed a handler for ``signum`` (Linux: SigCgt in /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        time.sleep(3.0)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        if int(fields["SigCgt"].strip(), 16) >> (signum - 1) & 1:
            return
        time.sleep(0.05)
    pytest.fail("the CLI never installed its signal handlers")


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_cli_stops_cleanly_on_a_signal(slow_input, tmp_path, signum, status):
    out = tmp_path / "out.png"
    # A suite started as a background job of a script has SIGINT ignored, and the CLI rightly
    # keeps an ignored signal ignored (as under nohup); the child here gets it as a terminal does.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "kmeans_lab", "compress", str(slow_input), "-k", "16"]
            + ["--tol", "0", "--max-iter", "300", "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        _wait_for_handler(process.pid, signal.SIGTERM)  # main() is running
        time.sleep(1.0)  # reading the image, or already quantizing
        assert process.poll() is None, process.communicate()
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()
    name = signal.Signals(signum).name
    assert process.returncode == status, stderr
    assert stderr.splitlines() == [f"kmeans-lab: interrupted by {name}; nothing written"]
    assert stdout == ""
    assert list(tmp_path.iterdir()) == []  # no output, no .out.png.*.tmp


def test_signal_during_save_removes_the_temporary_file(tmp_path, capsys, monkeypatch, photo_path):
    """SIGTERM while the file is being written: the half-written temporary file goes, the old output stays."""
    out = tmp_path / "out.png"
    out.write_bytes(b"previous contents")

    def save_then_terminate(self, fp, *args, **kwargs):
        fp.write(b"half an image")
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            pytest.fail("main() installed no SIGTERM handler (the signal would end the test run)")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
        pytest.fail("SIGTERM did not interrupt the save")

    handler_before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(Image.Image, "save", save_then_terminate)
    assert main(["compress", str(photo_path), "-k", "4", "-o", str(out)]) == 143
    assert capsys.readouterr().err.splitlines() == ["kmeans-lab: interrupted by SIGTERM; nothing written"]
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert out.read_bytes() == b"previous contents"
    assert signal.getsignal(signal.SIGTERM) is handler_before  # main() restores the handlers it replaced


def test_ctrl_c_during_quantization_is_one_line(tmp_path, capsys, monkeypatch, photo_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    handler_before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(cli.compress, "quantize", interrupted)
    try:
        status = main(["compress", str(photo_path), "-k", "4", "-o", str(tmp_path / "o.png")])
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main()")
    assert status == 130
    assert capsys.readouterr().err.splitlines() == ["kmeans-lab: interrupted by SIGINT; nothing written"]
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_a_stop_whose_exception_is_swallowed_still_ends_the_run_as_stopped(tmp_path, capsys, monkeypatch, photo_path):
    """C code that imports a module can swallow the KeyboardInterrupt of a stop: the run still exits 143."""
    real_quantize = cli.compress.quantize

    def swallowing(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        except KeyboardInterrupt:
            pass  # as an extension's initialisation may
        return real_quantize(*args, **kwargs)

    monkeypatch.setattr(cli.compress, "quantize", swallowing)
    out = tmp_path / "o.png"
    assert main(["compress", str(photo_path), "-k", "4", "-o", str(out)]) == 143
    assert capsys.readouterr().err.splitlines() == [f"kmeans-lab: interrupted by SIGTERM; {out} was written"]


# --- standard input and output: - ----------------------------------------------------------------


def _run_cli(argv: list[str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """``python -m kmeans_lab ARGV`` with bytes on stdin; its own empty temporary folder, to see what it leaves."""
    tmp = cwd / "tmp"
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp))
    done = subprocess.run(
        [sys.executable, "-m", "kmeans_lab", *argv], input=stdin, capture_output=True, cwd=cwd, env=env, timeout=300
    )
    assert list(tmp.iterdir()) == []  # the staging folder is gone, however the run ended
    return done


def test_dash_reads_stdin_and_writes_stdout_with_the_report_on_stderr(tmp_path, photo_path):
    """``kmeans-lab - -k K < in > out``: stdout holds the image alone, byte for byte the file a compress writes."""
    assert main([str(photo_path), "-k", "4", "-o", str(tmp_path / "file.png")]) == 0
    done = _run_cli(["-", "-k", "4"], tmp_path, stdin=photo_path.read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout == (tmp_path / "file.png").read_bytes()
    report = done.stderr.decode().splitlines()
    assert report[0].startswith("input    -  451x300") and report[-1].startswith("output   -  4 colours")


def test_dash_output_takes_format_and_json_goes_to_stderr(tmp_path, photo_path):
    done = _run_cli([str(photo_path), "-k", "6", "-o", "-", "--format", "gif", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"GIF8")
    report = json.loads(done.stderr.decode().splitlines()[-1])
    assert (report["input"], report["output"], report["output_bytes"]) == (str(photo_path), "-", len(done.stdout))
    (tmp_path / "out.gif").write_bytes(done.stdout)
    np.testing.assert_array_equal(read_image(tmp_path / "out.gif"), quantize(read_image(photo_path), 6).image)


def test_dash_animation_through_stdin_and_stdout_keeps_every_frame(tmp_path):
    source = multi_frame_file(tmp_path / "anim.gif", duration=100, loop=0)
    done = _run_cli(["-", "-k", "3", "-o", "-", "--format", ".gif"], tmp_path, stdin=source.read_bytes())
    assert done.returncode == 0, done.stderr
    (tmp_path / "out.gif").write_bytes(done.stdout)
    assert len(read_frames(tmp_path / "out.gif")) == 3


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["-", "-k", "4"], b"this is not an image\n", r"stdin: not an image file"),
        (["-", "-k", "4"], b"", r"stdin: empty file \(0 bytes\)"),
        (["-", "--target-psnr", "30", "--format", "jpg"], b"", r"standard output: --target-psnr .* use a \.png output"),
        (["-", "-k", "300"], b"", r"K=300: a palette PNG holds at most 256 colours"),
        (["-", "-k", "4", "--format", "png2"], b"", r"argument --format: must be one of png, .*got 'png2'"),
    ],
)
def test_dash_errors_are_one_line_and_write_nothing_to_stdout(tmp_path, argv, stdin, message):
    done = _run_cli(argv, tmp_path, stdin=stdin)
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 2 and len(lines) == 1, lines
    assert lines[0].startswith("kmeans-lab: error: ") and re.search(message, lines[0]), lines[0]
    assert done.stdout == b""


def test_format_names_the_default_output_and_must_agree_with_a_suffix(tmp_path, capsys, photo_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([str(photo_path), "-k", "3", "--format", "gif"]) == 0
    assert read_image(tmp_path / "chelsea_k3.gif").shape == (300, 451, 3)
    assert _exit_status([str(photo_path), "-k", "3", "-o", str(tmp_path / "o.png"), "--format", "jpg"]) == 2
    assert "o.png: its suffix names another format than --format jpg" in capsys.readouterr().err
    assert _exit_status([str(photo_path), "-k", "3", "-o", str(tmp_path / "o.jpeg"), "--format", "jpg"]) == 0


def test_dash_output_closed_early_is_one_line(tmp_path):
    """``kmeans-lab ... -o - | head -c 10``: one line and status 2, no traceback."""
    source = tmp_path / "noise.png"
    Image.fromarray(noise(600, 600)).save(source)  # a 1 MB BMP: far more than a pipe holds
    command = [sys.executable, "-m", "kmeans_lab", str(source), "-k", "4", "-o", "-", "--format", "bmp"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout.read(2) == b"BM"
        process.stdout.close()
        stderr = process.stderr.read().decode()
        process.wait(timeout=120)
    assert process.returncode == 2, stderr
    assert stderr.splitlines() == ["kmeans-lab: error: standard output was closed before the whole image was written"]


def test_optimize_writes_a_smaller_png_with_the_same_pixels(tmp_path, capsys, photo_path):
    plain, optimized = tmp_path / "plain.png", tmp_path / "optimized.png"
    assert main([str(photo_path), "-k", "16", "-o", str(plain), "--json"]) == 0
    assert main([str(photo_path), "-k", "16", "-o", str(optimized), "--optimize", "--json"]) == 0
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert reports[1]["output_bytes"] == optimized.stat().st_size < plain.stat().st_size
    np.testing.assert_array_equal(read_image(optimized), read_image(plain))


def test_optimize_without_pyoxipng_is_a_note_and_a_plain_png(tmp_path, photo_path):
    """In a child where pyoxipng cannot be imported: one note, status 0, the file written."""
    code = "import sys; sys.modules['oxipng'] = None; from kmeans_lab.cli import main; sys.exit(main(sys.argv[1:]))"
    out = tmp_path / "o.png"
    done = subprocess.run(
        [sys.executable, "-c", code, str(photo_path), "-k", "4", "-o", str(out), "--optimize"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    note = "kmeans-lab: note: --optimize needs pyoxipng (pip install 'kmeans-lab[optimize]'): written without it"
    assert done.stderr.strip() == note
    assert out.exists()


def test_a_reader_that_stops_early_gets_one_line_not_a_traceback(tmp_path, photo_path):
    """``kmeans-lab ... --json | head -c 10``: the file is written; the closed pipe is one line on stderr."""
    code = "import sys; from kmeans_lab.cli import main; sys.exit(main(sys.argv[1:]))"
    args = [sys.executable, "-c", code, str(photo_path), "-k", "4", "-o", str(tmp_path / "o.png"), "--json"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as writer:
        writer.stdout.close()  # the reader is gone before the report is printed
        stderr = writer.stderr.read().decode()
    assert writer.returncode == 2
    assert stderr.splitlines() == ["kmeans-lab: error: standard output was closed before the whole report was written"]
    assert (tmp_path / "o.png").exists()
