"""The command line for many images: ``kmeans-lab compress-many``, and ``compress`` of an animation.

``compress-many INPUT... -k K --out-dir DIR`` quantizes every input to one shared k-means
palette (``--no-shared-palette``: one palette each), in this process, on a local Dask cluster
of ``--workers N`` processes on 127.0.0.1, or on an existing cluster (``--scheduler
ADDRESS``). ``compress`` of an animated GIF, APNG, WebP or multi-page TIFF into a ``.gif`` or
``.png`` keeps every frame, their durations and the loop count, with one palette for all.

Progress is one line per file on stderr as it is counted and as it is written (no progress
bar: the lines read the same in a terminal and in a log, and need no extra package). The
error discipline is ``compress``'s: every input and output is checked before any work, and a
bad one gives one line and exit status 2 with nothing written. :mod:`kmeans_lab.cli` owns the
parser, the signal handling and the exit statuses; this module adds the commands' work (and
the stop signals, :data:`STOP_SIGNALS`, which the cluster start defers).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from ._optional import require
from ._validation import option_type
from .animation import ANIMATION_SUFFIXES, read_frames, save_animation, stored_durations
from .collection import apply_palette_many, collection_histogram, local_cluster, output_paths, quantize_many
from .image import OUTPUT_FORMATS, ImageTooLargeError, check_quantized_output, probe_image, read_palette
from .metrics import palette_mse, psnr_from_mse
from .palette import Palette
from .quantization import fit_palette

__all__ = ["SHARED_OPTIONS", "add_compress_many", "compress_many", "compress_animation", "load_palette", "probe"]

PROG = "kmeans-lab"
#: Options of ``compress`` that ``compress-many`` takes too (the same argparse actions).
SHARED_OPTIONS = ("init", "seed", "max_iter", "tol", "dither", "color_space", "max_pixels", "json")
_MAX_PIXELS_ADVICE = "raise the limit with --max-pixels N"


def add_compress_many(commands, compress: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``compress-many`` subcommand; its k-means options are ``compress``'s own actions."""
    many = commands.add_parser(
        "compress-many",
        help="quantize many images to one shared palette",
        description=(
            "Quantize every INPUT to K colours with one k-means palette fitted to all their pixels "
            "(exactly: on the sum of their colour histograms), or one palette each, and write "
            "DIR/<input name><suffix>. Runs in this process, on a local Dask cluster (--workers N) or on "
            "an existing one (--scheduler ADDRESS): histograms, their merge and the map-back on the "
            "workers, the same palette either way. Progress goes to stderr, one line per file."
        ),
    )
    many.add_argument("inputs", nargs="+", metavar="INPUT", help="image files")
    many.add_argument(
        "-k", "--k", dest="k", type=option_type("k"), required=True, metavar="K", help="number of colours, >= 1"
    )
    many.add_argument("--out-dir", required=True, metavar="DIR", help="folder to write to (created if missing)")
    many.add_argument(
        "--shared-palette",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one palette for all inputs (the default), or one each (--no-shared-palette)",
    )
    where = many.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:port)"
    )
    where.add_argument(
        "--workers",
        type=option_type("workers"),
        metavar="N",
        help="start a local Dask cluster of N worker processes on 127.0.0.1 (needs the distributed extra)",
    )
    many.add_argument(
        "--suffix",
        default=".png",
        choices=sorted(OUTPUT_FORMATS),
        help="output format of every file (default .png, a palette PNG)",
    )
    for action in compress._actions:  # the same options, help and checks as compress
        if action.dest in SHARED_OPTIONS:
            many._add_action(action)
    return many


def probe(path: Path, max_pixels: int | None):
    """:func:`kmeans_lab.image.probe_image`, with the command line's advice for a large image."""
    try:
        return probe_image(path, max_pixels=max_pixels)
    except ImageTooLargeError as exc:
        raise ImageTooLargeError(exc.path, exc.pixels, exc.limit, advice=_MAX_PIXELS_ADVICE) from None


def load_palette(path: str) -> Palette:
    """The ``--palette FILE`` palette (:func:`kmeans_lab.image.read_palette`), before any work."""
    return Palette.from_colors(read_palette(path, max_pixels=None))


@contextmanager
def _client(args: argparse.Namespace) -> Iterator[object]:
    """The Dask client the options ask for (None: this process); a local cluster is closed on exit."""
    if args.workers is None and args.scheduler is None:
        yield None
        return
    try:
        distributed = require("distributed", "--workers and --scheduler", extra="distributed")
    except ImportError as exc:
        raise ValueError(str(exc)) from None
    # A stop signal cuts the client's gather short; asyncio would then report its waiting task's
    # AllExit on stderr at exit, after the one line that already says what happened.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if args.workers is not None:
        with _quiet_workers(), ExitStack() as started:
            with _stop_signals_deferred():
                cluster = started.enter_context(local_cluster(args.workers))
                client = started.enter_context(distributed.Client(cluster))
            yield client
        return
    try:
        client = distributed.Client(args.scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ValueError(f"cannot connect to the Dask scheduler at {args.scheduler}: {exc}") from None
    with client:
        yield client


# Ctrl-C, kill and a closed terminal: each stops a run cleanly (see kmeans_lab.cli).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def stop_signals_handled_by(handler: Callable[[int, object], object]) -> Iterator[None]:
    """While in the block, :data:`STOP_SIGNALS` go to ``handler``; the handlers before are restored after.

    A signal that was ignored (``nohup``, a background job) stays ignored. Only the main
    thread may install handlers; elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    try:
        for sig, before in previous.items():
            if before is not signal.SIG_IGN:
                signal.signal(sig, handler)
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, signal.SIG_DFL if before is None else before)


@contextmanager
def _stop_signals_deferred() -> Iterator[None]:
    """Stop signals that arrive in the block are handled when it ends, by the handlers before it.

    A ``LocalCluster`` interrupted while it starts its worker processes is left half built,
    and Dask's exit hook then fails to close it with a traceback; so the cluster starts
    whole and is closed like any other.
    """
    received: list[int] = []
    with stop_signals_handled_by(lambda signum, frame: received.append(signum)):
        yield
    if received:
        signal.raise_signal(received[0])


@contextmanager
def _quiet_workers() -> Iterator[None]:
    """Worker processes started in the block log only errors (not the cancelled tasks of a stopped run).

    Dask reads ``DASK_LOGGING__DISTRIBUTED`` when a worker process imports it; the variable
    is set while the cluster starts its processes, then restored.
    """
    name = "DASK_LOGGING__DISTRIBUTED"
    before = os.environ.get(name)
    os.environ[name] = "error"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _stamp(path: Path) -> tuple[int, int] | None:
    """``(inode, mtime)`` of a file, None if absent: an atomic save gives the file a new inode."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


def _remove_temporaries(paths: list[Path]) -> None:
    """Temporary files of saves a stop cut short (``.NAME.xxxxxxxx.tmp`` beside each output)."""
    for path in paths:
        for tmp in path.parent.glob(f".{path.name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def compress_many(args: argparse.Namespace, progress: dict) -> int:
    """Run ``compress-many``; return the exit status."""
    inputs = [Path(p) for p in args.inputs]
    total = len(inputs)
    # Before any work: every input an image, every output writable, K within the format.
    for path in inputs:
        probe(path, args.max_pixels)
    paths = output_paths(inputs, args.out_dir, suffix=args.suffix)
    check_quantized_output(paths[0], args.k)
    stamps = {path: _stamp(path) for path in paths}  # to tell, if stopped, which files were written
    notes: list[str] = []
    start = time.perf_counter()
    try:
        with _client(args), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = quantize_many(
                inputs,
                args.k,
                seed=args.seed,
                out_dir=args.out_dir,
                suffix=args.suffix,
                shared_palette=args.shared_palette,
                init=args.init,
                max_iter=args.max_iter,
                tol=args.tol,
                color_space=args.color_space,
                dither=args.dither,
                max_pixels=args.max_pixels,
            )
            notes.extend(str(w.message) for w in caught)
        for i, result in enumerate(results, 1):
            print(f"{PROG}: [{i}/{total}] read {result.source}: {result.n_distinct:,} colours", file=sys.stderr)
        for i, result in enumerate(results, 1):
            print(
                f"{PROG}: [{i}/{total}] wrote {result.path}: {result.bytes:,} bytes, MSE {result.mse:.6g}",
                file=sys.stderr,
            )
    except KeyboardInterrupt:
        # The cluster is closed: workers may have finished saves this process was not told of.
        _remove_temporaries(paths)  # a worker stopped mid-save leaves its temporary file
        done = sum(_stamp(path) not in (None, stamps[path]) for path in paths)
        progress["summary"] = f"{done} of {total} files were written to {args.out_dir}" if done else "nothing written"
        raise
    seconds = time.perf_counter() - start
    pixels = np.array([r.width * r.height for r in results], dtype=np.float64)
    error = float(np.dot(pixels, [r.mse for r in results]) / pixels.sum())
    summary = {
        "k": args.k,
        "shared_palette": args.shared_palette,
        "where": (
            f"local cluster of {args.workers} worker processes"
            if args.workers
            else f"Dask scheduler {args.scheduler}"
            if args.scheduler
            else "this process"
        ),
        "init": args.init,
        "seed": args.seed,
        "mse": error,
        "psnr": None if error == 0 else psnr_from_mse(error),
        "seconds": seconds,
        "output_bytes": sum(r.bytes for r in results),
        "files": [
            {
                "input": r.source,
                "output": str(r.path),
                "width": r.width,
                "height": r.height,
                "input_colors": r.n_distinct,
                "colors": len(r.palette),
                "mse": r.mse,
                "psnr": None if r.mse == 0 else psnr_from_mse(r.mse),
                "input_bytes": Path(r.source).stat().st_size,
                "output_bytes": r.bytes,
            }
            for r in results
        ],
    }
    for note in dict.fromkeys(notes):
        print(f"{PROG}: note: {note}", file=sys.stderr)
    print(json.dumps(summary) if args.json else _format_many(summary))
    return 0


def _format_many(s: dict) -> str:
    palette = "one palette for all" if s["shared_palette"] else "one palette each"
    psnr = "inf (lossless)" if s["psnr"] is None else f"{s['psnr']:.2f} dB"
    width = max(len("input"), *(len(f["input"]) for f in s["files"]))
    out_width = max(len("output"), *(len(f["output"]) for f in s["files"]))
    lines = [
        f"k        {s['k']}  ({palette}; init {s['init']}, seed {s['seed']}; {s['where']})",
        f"{'input':{width}}  {'output':{out_width}}  {'colours':>9}  {'mse':>10}  {'psnr':>8}  {'bytes':>11}",
    ]
    for f in s["files"]:
        file_psnr = "inf" if f["psnr"] is None else f"{f['psnr']:.2f}"
        lines.append(
            f"{f['input']:{width}}  {f['output']:{out_width}}  {f['input_colors']:>9,}  {f['mse']:>10.4g}  "
            f"{file_psnr:>8}  {f['output_bytes']:>11,}"
        )
    lines.append(
        f"total    {len(s['files'])} files, {s['output_bytes']:,} bytes, mse {s['mse']:.6g} (over every pixel), "
        f"psnr {psnr}, {s['seconds']:.3f} s (reading, k-means, mapping and saving)"
    )
    return "\n".join(lines)


def compress_animation(args: argparse.Namespace, source: Path, output: Path, progress: dict) -> int:
    """``compress`` of an animation to a ``.gif`` or ``.png`` (APNG): every frame, one palette; the exit status."""
    if args.target_psnr is not None or args.max_bytes is not None:
        raise ValueError(f"{source}: an animation takes -k K or --palette FILE, not --target-psnr or --max-bytes")
    palette = load_palette(args.palette) if args.palette else None
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            animation = read_frames(source, max_pixels=args.max_pixels)
        except ImageTooLargeError as exc:
            raise ImageTooLargeError(exc.path, exc.pixels, exc.limit, advice=_MAX_PIXELS_ADVICE) from None
        start = time.perf_counter()
        histogram = collection_histogram(animation.frames)
        if palette is None:
            palette = fit_palette(
                histogram,
                args.k,
                init=args.init,
                seed=args.seed,
                max_iter=args.max_iter,
                tol=args.tol,
                color_space=args.color_space,
            )
        lossless = args.k is not None and len(palette) < args.k  # the frames' own colours: nothing to dither
        frames = apply_palette_many(animation.frames, palette, dither=args.dither if not lossless else False)
        seconds = time.perf_counter() - start
    notes.extend(str(w.message) for w in caught)
    labels = [q.labels for q in frames]
    output_bytes = save_animation(output, frames, animation.durations, animation.loop)
    progress["output"] = output
    kept = stored_durations(output.suffix, labels, animation.durations)
    if output.suffix.lower() == ".gif":
        if len(kept) < len(labels):
            notes.append(
                f"GIF merges identical consecutive frames: {len(labels)} frames written as {len(kept)}, "
                "their durations added"
            )
        if any(d % 10 for d in animation.durations):
            notes.append("GIF stores durations in centiseconds: rounded to the nearest 10 ms")
    error = float(np.mean([palette_mse(f, palette.colors, q) for f, q in zip(animation.frames, labels)]))
    used = np.zeros(len(palette), dtype=bool)
    for frame in labels:
        used[np.unique(frame)] = True
    height, width = animation.shape
    report = {
        "input": str(source),
        "output": str(output),
        "width": int(width),
        "height": int(height),
        "frames": len(animation),
        "frames_written": len(kept),
        "durations": list(kept),
        "loop": animation.loop,
        "k": len(palette),
        "palette": args.palette,
        "dither": bool(args.dither),
        "color_space": args.color_space,
        "colors": int(used.sum()),
        "input_colors": len(histogram),
        "init": args.init,
        "seed": args.seed,
        "n_iter": palette.n_iter,
        "converged": palette.converged,
        "mse": error,
        "psnr": None if error == 0 else psnr_from_mse(error),
        "seconds": seconds,
        "input_bytes": source.stat().st_size,
        "output_bytes": output_bytes,
    }
    for note in dict.fromkeys(notes):
        print(f"{PROG}: note: {note}", file=sys.stderr)
    print(json.dumps(report) if args.json else _format_animation(report))
    return 0


def _format_animation(r: dict) -> str:
    psnr = "inf (lossless)" if r["psnr"] is None else f"{r['psnr']:.2f} dB"
    how = (
        f"the palette of {r['palette']}"
        if r["palette"]
        else f"init {r['init']}, seed {r['seed']}, {r['n_iter']} iterations, {r['color_space']}"
    )
    loop = "loops forever" if r["loop"] == 0 else "no loop count" if r["loop"] is None else f"loop {r['loop']}"
    return "\n".join(
        [
            f"input    {r['input']}  {r['width']}x{r['height']}, {r['frames']} frames, "
            f"{r['input_colors']:,} colours, {r['input_bytes']:,} bytes",
            f"k        {r['k']}  (one palette for every frame; {how}{', dithered' if r['dither'] else ''}"
            f"{'' if r['converged'] else ', not converged'})",
            f"mse      {r['mse']:.6g}  (mean over every frame's pixels and channels, [0, 1] scale)",
            f"psnr     {psnr}",
            f"seconds  {r['seconds']:.3f}  (quantization of every frame, excluding decoding and saving)",
            f"output   {r['output']}  {r['colors']} colours, {r['frames_written']} frames ({loop}), "
            f"{r['output_bytes']:,} bytes",
        ]
    )


def is_animation_output(info, output: Path) -> bool:
    """Whether ``compress`` writes every frame: an animated input and a ``.gif`` or ``.png`` output."""
    return info.animated and output.suffix.lower() in ANIMATION_SUFFIXES
