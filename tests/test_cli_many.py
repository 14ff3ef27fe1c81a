"""The command line for many images: compress-many end to end and its bad inputs; compress of animations; --palette."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kmeans_lab import (
    KMeansOptions,
    Palette,
    Quantized,
    quantize,
    quantize_many,
    read_frames,
    read_image,
    save_animation,
)
from kmeans_lab.cli import main
from kmeans_lab.image import save_rgb
from kmeans_lab.lab.paths import data_path

from .bad_files import make_input, multi_frame_file, noise
from .test_cli import _run_unprivileged, _snapshot, _wait_for_handler


def _status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Three small photographs of different sizes, as PNG files."""
    folder = tmp_path_factory.mktemp("photos")
    photo = read_image(data_path("chelsea.png"))
    paths = []
    for i, (h, w) in enumerate([(80, 100), (60, 120), (90, 90)]):
        save_rgb(folder / f"p{i}.png", np.ascontiguousarray(photo[20 * i : 20 * i + h, 30 * i : 30 * i + w]))
        paths.append(folder / f"p{i}.png")
    return paths


@pytest.mark.parametrize("where", ["here", "scheduler"])
def test_compress_many_shares_one_palette(photos, tmp_path, capsys, where, request):
    out = tmp_path / "out"
    args = ["compress-many", *map(str, photos), "-k", "8", "--out-dir", str(out), "--json", "--seed", "2"]
    if where == "scheduler":  # the session's cluster, by its address
        args += ["--scheduler", request.getfixturevalue("dask_client").scheduler.address]
    assert main(args) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    expected = quantize_many(photos, 8, seed=2)
    for entry, path, q in zip(report["files"], photos, expected):
        assert entry["output"] == str(out / path.name) and entry["input"] == str(path)
        np.testing.assert_array_equal(read_image(out / path.name), q.image)
        assert entry["output_bytes"] == (out / path.name).stat().st_size
        assert entry["input_colors"] == q.n_distinct
    assert report["k"] == 8 and report["shared_palette"] is True
    # Progress: one line per file read and per file written, on stderr.
    lines = captured.err.splitlines()
    assert sum(bool(re.fullmatch(r"kmeans-lab: \[\d/3\] read .*p\d\.png: [\d,]+ colours", x)) for x in lines) == 3
    assert (
        sum(bool(re.fullmatch(r"kmeans-lab: \[\d/3\] wrote .*p\d\.png: [\d,]+ bytes, MSE .*", x)) for x in lines) == 3
    )


def test_compress_many_one_palette_each_text_output(photos, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compress-many", *map(str, photos), "-k", "5", "--out-dir", str(out), "--no-shared-palette"]) == 0
    text = capsys.readouterr().out
    assert "one palette each" in text and text.count(str(out)) == 3
    for path in photos:
        np.testing.assert_array_equal(read_image(out / path.name), quantize(read_image(path), 5).image)


def test_compress_many_on_a_local_cluster_of_its_own(photos, tmp_path, capsys):
    done = subprocess.run(
        [sys.executable, "-m", "kmeans_lab", "compress-many", *map(str, photos[:2]), "-k", "4"]
        + ["--out-dir", str(tmp_path), "--workers", "1", "--format", "gif", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["where"] == "local cluster of 1 worker processes"
    expected = quantize_many(photos[:2], 4)
    for path, q in zip(photos[:2], expected):
        np.testing.assert_array_equal(read_image(tmp_path / f"{path.stem}.gif"), q.image)
    assert "error" not in done.stderr.lower() and "warning" not in done.stderr.lower(), done.stderr


def _option_flags(help_text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text))


def test_compress_many_takes_every_k_means_option_compress_takes(photos, tmp_path, capsys):
    """The k-means options come from KMeansOptions' fields, in one parent parser both commands share."""
    flags = {"--" + field.name.replace("_", "-") for field in fields(KMeansOptions)}
    helps = {}
    for command in ("compress", "compress-many"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        helps[command] = _option_flags(capsys.readouterr().out)
    assert flags <= helps["compress"] and flags <= helps["compress-many"]
    assert helps["compress"] & helps["compress-many"] >= flags | {"--dither", "--max-pixels", "--json"}
    options = KMeansOptions(color_space="oklab", init="in_pixels", n_init=2, seed=5, max_iter=40, tol=0.0)
    given = [f"--{f.name.replace('_', '-')}={getattr(options, f.name)}" for f in fields(KMeansOptions)]
    out = tmp_path / "out"
    assert main(["compress-many", *map(str, photos[:2]), "-k", "6", "--out-dir", str(out), "--json", *given]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {name: report[name] for name in options.as_dict()} == options.as_dict()
    for path, q in zip(photos[:2], quantize_many(photos[:2], 6, options=options)):
        np.testing.assert_array_equal(read_image(out / path.name), q.image)


MANY_CASES = [
    (["missing"], ["-k", "4"], r"nope\.png: no such file"),
    (["good", "text"], ["-k", "4"], r"input\.png: not an image file"),
    (["good", "good"], ["-k", "4"], r"would both be written to .*input\.png"),
    (["good"], ["-k", "300"], r"K=300: a palette PNG holds at most 256 colours"),
    (["good"], ["-k", "4", "--suffix", ".gif", "--dither", "-k", "257"], r"K=257: a GIF holds at most 256"),
    (["good"], ["-k", "0"], r"argument -k/--k: must be an integer >= 1, got '0'"),
    (["good"], [], r"the following arguments are required: -k/--k"),
    (["good"], ["-k", "4", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], r"not allowed with argument"),
    (["good"], ["-k", "4", "--workers", "0"], r"argument --workers: must be an integer >= 1, got '0'"),
    (["good"], ["-k", "4", "--out-dir", "{tmp}/input.png/x"], r"not a folder"),
    (["good"], ["-k", "4", "--out-dir", "{tmp}"], r"output is the input file"),
    (["truncated_png"], ["-k", "4"], r"input\.png: truncated or corrupt image file"),
    (["bomb"], ["-k", "4"], r"image too large .*raise the limit with --max-pixels N$"),
]


@pytest.mark.parametrize(("inputs", "args", "message"), MANY_CASES, ids=lambda v: str(v)[:40])
def test_compress_many_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, inputs, args, message):
    sources = []
    for i, kind in enumerate(inputs):
        folder = tmp_path / f"in{i}"
        folder.mkdir()
        sources.append(str(make_input(kind, folder)))
    args = [a.replace("{tmp}", str(tmp_path / "in0")) for a in args]
    if "--out-dir" not in args:
        args += ["--out-dir", str(tmp_path / "out")]
    before = sorted(p for p in tmp_path.rglob("*"))
    assert _status(["compress-many", *sources, *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("kmeans-lab: error: ") and re.search(message, lines[0]), lines[0]
    assert sorted(p for p in tmp_path.rglob("*")) == before


# --- compress of an animation ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def animation_file(tmp_path_factory):
    """A 6-frame GIF panning across a photograph, durations 80 and 120 ms, looping forever."""
    photo = Image.fromarray(read_image(data_path("chelsea.png")))
    frames = [photo.crop((6 * i, 0, 6 * i + 90, 70)) for i in range(6)]
    path = tmp_path_factory.mktemp("anim") / "pan.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[80, 80, 80, 120, 120, 120], loop=0)
    return path


@pytest.mark.parametrize("suffix", [".gif", ".png"])
def test_compress_animation_keeps_every_frame_durations_and_loop(animation_file, tmp_path, capsys, suffix):
    out = tmp_path / f"pan-8{suffix}"
    assert main(["compress", str(animation_file), "-k", "8", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    source, written = read_frames(animation_file), read_frames(out)
    expected = quantize_many(source.frames, 8)
    assert (len(written), written.durations, written.loop) == (6, (80, 80, 80, 120, 120, 120), 0)
    for frame, q in zip(written.frames, expected):
        np.testing.assert_array_equal(frame, q.image)
    assert report["frames"] == report["frames_written"] == 6 and report["k"] == 8 and report["colors"] == 8
    assert report["mse"] == pytest.approx(
        np.mean([np.mean((f / 255.0 - q.image / 255.0) ** 2) for f, q in zip(source.frames, expected)]), rel=1e-9
    )
    assert report["output_bytes"] == out.stat().st_size


def test_compress_gif_notes_merged_frames_and_rounded_durations(tmp_path, capsys):
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]], np.uint8)
    a, b = np.zeros((4, 4), np.uint8), np.ones((4, 4), np.uint8)
    frames = [Quantized(Palette.from_colors(palette), labels) for labels in (a, a, b)]
    save_animation(tmp_path / "in.png", frames, [33, 33, 50])  # an APNG keeps all three
    assert main(["compress", str(tmp_path / "in.png"), "-k", "3", "-o", str(tmp_path / "o.gif")]) == 0
    err = capsys.readouterr().err
    assert "GIF merges identical consecutive frames: 3 frames written as 2" in err
    assert "rounded to the nearest 10 ms" in err
    assert read_frames(tmp_path / "o.gif").durations == (60, 50)


def test_compress_multi_page_tiff_into_gif(tmp_path, capsys):
    source = multi_frame_file(tmp_path / "pages.tif")
    assert main(["compress", str(source), "-k", "3", "-o", str(tmp_path / "o.gif")]) == 0
    assert "3 frames (no loop count)" in capsys.readouterr().out
    assert len(read_frames(tmp_path / "o.gif")) == 3


def test_still_image_into_gif(tmp_path, capsys, photo_path):
    out = tmp_path / "cat.gif"
    assert main(["compress", str(photo_path), "-k", "16", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    np.testing.assert_array_equal(read_image(out), quantize(read_image(photo_path), 16).image)
    assert report["colors"] == 16


# --- --palette: remap to a given palette ------------------------------------------------------------------------


def test_palette_from_a_palette_png(tmp_path, capsys, photo_path):
    palette_file = tmp_path / "pal.png"
    assert main(["compress", str(photo_path), "-k", "6", "-o", str(palette_file)]) == 0
    capsys.readouterr()
    other = make_input("good", tmp_path)
    out = tmp_path / "remapped.png"
    assert main(["compress", str(other), "--palette", str(palette_file), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    colors = quantize(read_image(photo_path), 6).palette.colors
    image = read_image(other)
    distance = ((image[:, :, None, :].astype(int) - colors[None, None].astype(int)) ** 2).sum(-1)
    np.testing.assert_array_equal(read_image(out), colors[distance.argmin(-1)])  # the nearest palette colour
    assert report["k"] == 6 and report["palette"] == str(palette_file)


def test_palette_of_an_image_of_few_colours_and_of_an_animation(tmp_path, capsys, animation_file):
    few = np.zeros((4, 6, 3), np.uint8)
    few[:, 3:] = (250, 240, 10)
    save_rgb(tmp_path / "few.png", few)
    out = tmp_path / "o.gif"
    assert main(["compress", str(animation_file), "--palette", str(tmp_path / "few.png"), "-o", str(out)]) == 0
    assert "the palette of" in capsys.readouterr().out
    written = read_frames(out)
    assert len(written) == 6
    assert {tuple(c) for f in written.frames for c in f.reshape(-1, 3)} <= {(0, 0, 0), (250, 240, 10)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--palette", "{photo}"], r"chelsea\.png: [\d,]+ colours, more than a palette of 256"),
        (["--palette", "{tmp}/nope.png"], r"nope\.png: no such file"),
        (["--palette", "{photo}", "-k", "4"], r"argument -k/--k/--num_clusters: not allowed with argument --palette"),
    ],
)
def test_palette_errors(tmp_path, capsys, photo_path, args, message):
    args = [a.replace("{photo}", str(photo_path)).replace("{tmp}", str(tmp_path)) for a in args]
    assert _status(["compress", str(photo_path), *args, "-o", str(tmp_path / "o.png")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and re.search(message, lines[0]), lines
    assert not (tmp_path / "o.png").exists()


def test_animation_refuses_a_search_for_k(animation_file, tmp_path, capsys):
    assert _status(["compress", str(animation_file), "--max-bytes", "9000", "-o", str(tmp_path / "o.png")]) == 2
    assert "an animation takes -k K or --palette FILE" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- permissions and signals ----------------------------------------------------------------------------------


def test_compress_many_read_only_out_dir_is_one_line_before_any_work(photos, tmp_path):

    shared = Path(tempfile.mkdtemp(prefix="kmeans-lab-test-"))
    try:
        shared.chmod(0o755)
        inputs = []
        for path in photos:
            shutil.copy(path, shared / path.name)
            (shared / path.name).chmod(0o644)
            inputs.append(str(shared / path.name))
        (shared / "locked").mkdir(mode=0o555)
        (shared / "locked").chmod(0o555)
        before = _snapshot(shared)
        for out_dir in ("locked", "locked/new"):
            done = _run_unprivileged(["compress-many", *inputs, "-k", "4", "--out-dir", str(shared / out_dir)], shared)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == 2 and len(lines) == 1, done.stderr
            assert re.search(r"locked.*permission denied$", lines[0]), lines[0]
        assert _snapshot(shared) == before
    finally:
        (shared / "locked").chmod(0o755)
        shutil.rmtree(shared)


@pytest.mark.parametrize("delay", [0.3, 2.5], ids=["while-the-cluster-starts", "later"])
def test_compress_many_on_a_cluster_stops_cleanly_on_sigterm(tmp_path, delay):

    psutil = pytest.importorskip("psutil")
    source = tmp_path / "noise.png"
    Image.fromarray(noise(1500, 1500)).save(source, compress_level=0)
    process = subprocess.Popen(
        [sys.executable, "-m", "kmeans_lab", "compress-many", str(source), "-k", "16", "--tol", "0"]
        + ["--out-dir", str(tmp_path / "out"), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_handler(process.pid, signal.SIGTERM)
        # Early: the workers are starting (a cluster stopped half built is Dask's exit hook's
        # traceback); later: counting or fitting.
        time.sleep(delay)
        children = psutil.Process(process.pid).children(recursive=True)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 143, stderr
    assert stderr.splitlines()[-1] == "kmeans-lab: interrupted by SIGTERM; nothing written", stderr
    assert all(line.startswith("kmeans-lab: ") for line in stderr.splitlines()), stderr
    assert stdout == ""
    assert not (tmp_path / "out").exists()
    psutil.wait_procs(children, timeout=30)
    assert not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_a_stop_while_dask_is_imported_stops_before_any_work(photos, tmp_path, capsys, monkeypatch):
    """Importing distributed runs C code that can swallow a stop's exception: the signal waits for the import."""
    import kmeans_lab.cli.many as many

    real_require = many.require

    def require_while_stopped(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)
        except KeyboardInterrupt:
            pass  # as _elementtree's initialisation does, imported by distributed
        return real_require(*args, **kwargs)

    monkeypatch.setattr(many, "require", require_while_stopped)
    out = tmp_path / "out"
    assert main(["compress-many", *map(str, photos), "-k", "4", "--out-dir", str(out), "--workers", "1"]) == 143
    assert capsys.readouterr().err.splitlines() == ["kmeans-lab: interrupted by SIGTERM; nothing written"]
    assert not out.exists()


# The JSON keys each report had before the one report builder; it may add keys, never drop one.
JSON_KEYS = {
    "compress": "input output width height k target_psnr max_bytes dither dither_method color_space alpha background "
    "colors input_colors palette init seed n_iter converged mse psnr seconds seconds_final input_bytes output_bytes",
    "animation": "input output width height frames frames_written durations loop k palette dither color_space colors "
    "input_colors init seed n_iter converged mse psnr seconds input_bytes output_bytes",
    "compress-many": "k shared_palette where init seed mse psnr seconds output_bytes files",
    "file": "input output width height input_colors colors mse psnr input_bytes output_bytes",
}


def test_every_report_keeps_its_json_keys_and_names_every_k_means_option(photos, animation_file, tmp_path, capsys):
    options = {field.name for field in fields(KMeansOptions)}
    runs = {
        "compress": ["compress", str(photos[0]), "-k", "4", "-o", str(tmp_path / "a.png")],
        "animation": ["compress", str(animation_file), "-k", "4", "-o", str(tmp_path / "b.gif")],
        "compress-many": ["compress-many", *map(str, photos[:2]), "-k", "4", "--out-dir", str(tmp_path / "many")],
    }
    for kind, argv in runs.items():
        assert main([*argv, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert set(JSON_KEYS[kind].split()) | options <= set(report), kind
    assert all(set(JSON_KEYS["file"].split()) == set(entry) for entry in report["files"])
