"""Every bad input gets one clear line naming the problem, exit 2, and nothing written."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kmeans_lab import ImageError, quantize, read_image
from kmeans_lab.cli import main


def _png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _bomb_png() -> bytes:
    """A valid PNG header announcing 40000×40000 pixels (far above Pillow's limit)."""
    data = bytearray(_png_bytes(np.zeros((1, 1, 3), np.uint8)))
    ihdr = data[12:29]  # chunk type + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", 40000, 40000)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


def _noise(h=64, w=64) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _setup(kind: str, tmp: Path) -> Path:
    path = tmp / "input.png"
    if kind == "missing":
        return tmp / "nope.png"
    if kind == "directory":
        (tmp / "folder.png").mkdir()
        return tmp / "folder.png"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not an image\n")
    elif kind == "truncated_png":
        path.write_bytes(_png_bytes(_noise())[:2000])
    elif kind == "truncated_jpeg":
        path = tmp / "input.jpg"
        path.write_bytes(_jpeg_bytes(_noise(256, 256))[:3000])
    elif kind == "bomb":
        path.write_bytes(_bomb_png())
    else:
        path.write_bytes(_png_bytes(_noise()))
    return path


FILE_CASES = [
    ("missing", r"nope\.png: no such file"),
    ("directory", r"folder\.png: is a directory"),
    ("empty", r"input\.png: empty file \(0 bytes\)"),
    ("text", r"input\.png: not an image file"),
    ("truncated_png", r"input\.png: truncated or corrupt image file"),
    ("truncated_jpeg", r"input\.jpg: truncated or corrupt image file"),
    ("bomb", r"input\.png: image too large"),
]

# (input kind, extra CLI arguments, output name or None for the default, message)
CLI_CASES = [(kind, ["-k", "4"], "out.png", message) for kind, message in FILE_CASES] + [
    ("good", ["-k", "0"], "out.png", r"K must be an integer >= 1, got '0'"),
    ("good", ["-k", "-2"], "out.png", r"K must be an integer >= 1, got '-2'"),
    ("good", ["-k", "2.5"], "out.png", r"K must be an integer >= 1, got '2\.5'"),
    ("good", ["-k", "many"], "out.png", r"K must be an integer >= 1, got 'many'"),
    ("good", ["-k", "300"], "out.png", r"K=300: a palette PNG holds at most 256 colours"),
    ("good", ["-k", "4", "--init", "magic"], "out.png", r"invalid choice: 'magic'"),
    ("good", ["-k", "4"], "missing-folder/out.png", r"output folder .*missing-folder does not exist"),
    ("good", ["-k", "4"], "out.gif2", r"unsupported output format '\.gif2'"),
    ("good", ["-k", "4"], "INPUT", r"output is the input file; refusing to overwrite it"),
    ("good", [], "out.png", r"no K given"),
    ("good", ["-k", "4", "--max-iter", "0"], "out.png", r"expected an integer >= 1, got '0'"),
    ("good", ["-k", "4", "--tol", "-1"], "out.png", r"expected a finite number >= 0, got '-1'"),
]


@pytest.mark.parametrize(("kind", "args", "output", "message"), CLI_CASES, ids=lambda v: str(v)[:30])
def test_cli_bad_input(tmp_path, capsys, kind, args, output, message):
    source = _setup(kind, tmp_path)
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
    source = _setup("good", tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["compress", str(source), "-k", "zero", "-o", str(tmp_path / "o.png")])
    assert info.value.code == 2


@pytest.mark.parametrize(("kind", "message"), FILE_CASES)
def test_api_read_errors(tmp_path, kind, message):
    with pytest.raises(ImageError, match=message):
        read_image(_setup(kind, tmp_path))


def test_api_k_errors():
    with pytest.raises(ValueError, match="k must be an integer >= 1, got 0"):
        quantize(_noise(), 0)
    with pytest.raises(ValueError, match="unknown init 'magic'"):
        quantize(_noise(), 3, init="magic")
