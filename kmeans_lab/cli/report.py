"""What a command prints: one report, a dict, shown as text or as one JSON object; notes; errors.

:func:`build_report` makes the report of every command — ``compress`` of an image, of an
animation, and ``compress-many`` — from the k-means options, the run's figures and the
:class:`WrittenFile` of each file written; :func:`format_text` shows any of them as text. Notes
(``kmeans-lab: note: ...``) and errors (``kmeans-lab: error: ...``) are one line each on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TextIO

from ..metrics import psnr_from_mse
from ..options import KMeansOptions
from ..palette import Palette

__all__ = [
    "PROG",
    "WrittenFile",
    "build_report",
    "format_text",
    "emit",
    "error",
    "optimize_wanted",
    "warnings_as_notes",
]

PROG = "kmeans-lab"


@dataclass(frozen=True)
class WrittenFile:
    """One file a command wrote, as its report lists it (``mse`` on the [0, 1] scale)."""

    input: str
    output: str
    width: int
    height: int
    input_colors: int | None
    colors: int
    mse: float
    input_bytes: int
    output_bytes: int


def build_report(
    args: argparse.Namespace,
    options: KMeansOptions,
    files: list[WrittenFile],
    *,
    k: int,
    seconds: float,
    palette: Palette | None = None,
    many: bool = False,
    **details: object,
) -> dict:
    """The report of a run, for :func:`format_text` and for ``--json``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``dither``, and ``palette`` where the command has it).
    options : KMeansOptions
        The k-means options of the run, reported field by field.
    files : list of WrittenFile
        The files written.
    k : int
        Colours of the palette.
    seconds : float
        Wall-clock time of the quantization (what it covers is the command's to say).
    palette : Palette, optional
        The one palette of the run: its Lloyd iterations and convergence are reported.
    many : bool, default False
        ``compress-many``: the files as a list ``files``, with the totals over them;
        otherwise the one file's fields at the top level.
    **details
        Fields of this command alone (``frames``, ``target_psnr``, ``where``, ...).

    Returns
    -------
    dict
        JSON-ready values.
    """
    report: dict = {"k": k, **options.as_dict(), "dither": bool(args.dither), "dither_method": args.dither or None}
    report["palette"] = getattr(args, "palette", None)
    if palette is not None:
        report |= {"n_iter": palette.n_iter, "converged": palette.converged}
    report |= details | {"seconds": seconds}
    listed = [asdict(f) | {"psnr": _psnr(f.mse)} for f in files]
    if not many:
        return report | listed[0]
    mse = sum(f.mse * f.width * f.height for f in files) / sum(f.width * f.height for f in files)
    return report | {
        "mse": mse,
        "psnr": _psnr(mse),
        "output_bytes": sum(f.output_bytes for f in files),
        "files": listed,
    }


def _psnr(mse: float) -> float | None:
    return None if mse == 0 else psnr_from_mse(mse)


@contextmanager
def warnings_as_notes() -> Iterator[list[str]]:
    """The notes of the block: a list to add to, and the library's warnings, added when the block ends."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield notes
    notes.extend(str(w.message) for w in caught)


def optimize_wanted(args, notes: list[str]) -> bool:
    """``--optimize``, or False with a note when pyoxipng is not installed."""
    if args.optimize and importlib.util.find_spec("oxipng") is None:
        notes.append("--optimize needs pyoxipng (pip install 'kmeans-lab[optimize]'): written without it")
        return False
    return args.optimize


def emit(report: dict, notes: list[str], *, as_json: bool, stream: TextIO | None = None) -> None:
    """Print the ``notes`` (once each, on stderr), then the ``report`` as text or, ``as_json``, as JSON.

    The report goes to ``stream``: stdout by default, stderr when the image went to stdout.
    """
    for note in dict.fromkeys(notes):
        print(f"{PROG}: note: {note}", file=sys.stderr)
    print(json.dumps(report) if as_json else format_text(report), file=stream or sys.stdout)


def error(message: str) -> int:
    """Print the one line of a refused run, ``message``; return its exit status, 2."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def format_text(report: dict) -> str:
    """The ``report`` of :func:`build_report` as text: a block for one file (image or animation), a table for many."""
    if "files" in report:
        return _format_many(report)
    r, frames = report, "frames" in report
    how = f"one palette for every frame; {_how(r)}" if frames else _how(r)
    in_frames = f"{r['frames']} frames, " if frames else ""
    out_frames = f"{r['frames_written']} frames ({_loop_text(r['loop'])}), " if frames else ""
    return "\n".join(
        [
            f"input    {r['input']}  {r['width']}x{r['height']}, {in_frames}"
            f"{r['input_colors']:,} colours, {r['input_bytes']:,} bytes",
            f"k        {r['k']}  ({how})",
            f"mse      {r['mse']:.6g}  ({_mse_meaning(r)})",
            f"psnr     {_psnr_text(r['psnr'], ' dB')}",
            f"seconds  {r['seconds']:.3f}  ({_seconds_meaning(r)})",
            f"output   {r['output']}  {r['colors']} colours, {out_frames}{r['output_bytes']:,} bytes",
        ]
    )


def _how(report: dict) -> str:
    """How the palette was made (given, or by the k-means), and how the pixels were mapped to it."""
    if report["palette"]:
        how = f"the palette of {report['palette']}"
    else:
        space = "premultiplied rgba" if report.get("alpha") else report["color_space"]
        how = f"init {report['init']}, seed {report['seed']}, {report['n_iter']} iterations, {space}"
    dithered = f", dithered {report['dither_method']}" if report["dither"] else ""
    return how + dithered + ("" if report["converged"] else ", not converged")


def _mse_meaning(report: dict) -> str:
    if report.get("alpha"):
        return "premultiplied RGBA: squared error of R, G, B and A summed, / 3 per pixel, [0, 1] scale"
    frames = "every frame's " if "frames" in report else ""
    return f"mean over {frames}pixels and channels, [0, 1] scale"


def _seconds_meaning(report: dict) -> str:
    if report.get("target_psnr") is not None or report.get("max_bytes") is not None:
        return (
            "the whole search for K: quantizing and measuring each K tried, excluding decoding and saving; "
            f"the final K alone {report['seconds_final']:.3f}"
        )
    return f"quantization{' of every frame' if 'frames' in report else ''}, excluding decoding and saving"


def _psnr_text(psnr: float | None, unit: str = "") -> str:
    return ("inf (lossless)" if unit else "inf") if psnr is None else f"{psnr:.2f}{unit}"


def _loop_text(loop: int | None) -> str:
    return "loops forever" if loop == 0 else "no loop count" if loop is None else f"loop {loop}"


def _format_many(report: dict) -> str:
    files = report["files"]
    shared = "one palette for all" if report["shared_palette"] else "one palette each"
    width = max(len("input"), *(len(f["input"]) for f in files))
    out_width = max(len("output"), *(len(f["output"]) for f in files))
    lines = [
        f"k        {report['k']}  ({shared}; init {report['init']}, seed {report['seed']}; {report['where']})",
        f"{'input':{width}}  {'output':{out_width}}  {'colours':>9}  {'mse':>10}  {'psnr':>8}  {'bytes':>11}",
    ]
    for f in files:
        lines.append(
            f"{f['input']:{width}}  {f['output']:{out_width}}  {f['input_colors']:>9,}  {f['mse']:>10.4g}  "
            f"{_psnr_text(f['psnr']):>8}  {f['output_bytes']:>11,}"
        )
    lines.append(
        f"total    {len(files)} files, {report['output_bytes']:,} bytes, mse {report['mse']:.6g} (over every pixel), "
        f"psnr {_psnr_text(report['psnr'], ' dB')}, {report['seconds']:.3f} s (reading, k-means, mapping and saving)"
    )
    return "\n".join(lines)
