"""``kmeans-lab compress-many INPUT... -k K --out-dir DIR``: many images, one palette (or one each).

:func:`~kmeans_lab.quantize_many` does the work, in this process or on a Dask cluster; this
module checks every input and output first, prints a line per file, and reports.
:func:`dask_client` is the one place that knows about ``--workers`` and ``--scheduler``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from .._optional import require
from .._validation import check_palette_size
from ..collection import SavedImage, local_cluster, output_paths, quantize_many
from ..image import check_quantized_output, probe_image
from .parser import kmeans_options
from .report import PROG, WrittenFile, build_report, emit, warnings_as_notes
from .signals import Done, signals_deferred

__all__ = ["run", "dask_client"]


def run(args: argparse.Namespace, done: Done) -> int:
    """Run ``compress-many``; return the exit status (errors raise ``ValueError`` before anything is written)."""
    inputs = [Path(p) for p in args.inputs]
    suffix = args.format or ".png"
    # Before any work: every input an image, every output writable, K within the format.
    for path in inputs:
        probe_image(path, max_pixels=args.max_pixels)
    paths = output_paths(inputs, args.out_dir, suffix=suffix)
    check_quantized_output(paths[0], args.k)
    if args.dither == "floyd-steinberg":
        check_palette_size(args.k, "--dither maps to", label="K")
    options = kmeans_options(args)
    stamps = {path: _stamp(path) for path in paths}  # to tell, if stopped, which files were written
    start = time.perf_counter()
    try:
        with dask_client(args), warnings_as_notes() as notes:
            results = quantize_many(
                inputs,
                args.k,
                out_dir=args.out_dir,
                suffix=suffix,
                shared_palette=args.shared_palette,
                dither=args.dither,
                max_pixels=args.max_pixels,
                options=options,
            )
    except KeyboardInterrupt:
        # The cluster is closed: workers may have finished saves this process was not told of,
        # and a worker stopped mid-save leaves its temporary file.
        for path in paths:
            for tmp in path.parent.glob(f".{path.name}.*.tmp"):
                tmp.unlink(missing_ok=True)
        written = sum(_stamp(path) not in (None, stamps[path]) for path in paths)
        done.summary = (
            f"{written} of {len(paths)} files were written to {args.out_dir}" if written else "nothing written"
        )
        raise
    seconds = time.perf_counter() - start
    _print_progress(results)
    files = [_written(result) for result in results]
    where = _where(args)
    report = build_report(
        args, options, files, k=args.k, seconds=seconds, many=True, shared_palette=args.shared_palette, where=where
    )
    emit(report, notes, as_json=args.json)
    return 0


def _written(saved: SavedImage) -> WrittenFile:
    input_bytes = Path(saved.source).stat().st_size
    return WrittenFile(
        saved.source,
        str(saved.path),
        saved.width,
        saved.height,
        saved.n_distinct,
        len(saved.palette),
        saved.mse,
        input_bytes,
        saved.bytes,
    )


def _where(args: argparse.Namespace) -> str:
    if args.workers:
        return f"local cluster of {args.workers} worker processes"
    return f"Dask scheduler {args.scheduler}" if args.scheduler else "this process"


def _print_progress(results: list[SavedImage]) -> None:
    """One line per file read and per file written, on stderr."""
    for i, result in enumerate(results, 1):
        print(f"{PROG}: [{i}/{len(results)}] read {result.source}: {result.n_distinct:,} colours", file=sys.stderr)
    for i, result in enumerate(results, 1):
        print(
            f"{PROG}: [{i}/{len(results)}] wrote {result.path}: {result.bytes:,} bytes, MSE {result.mse:.6g}",
            file=sys.stderr,
        )


def _stamp(path: Path) -> tuple[int, int] | None:
    """``(inode, mtime)`` of a file, None if absent: an atomic save gives the file a new inode."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


@contextmanager
def dask_client(args: argparse.Namespace) -> Iterator[object | None]:
    """The Dask client ``--workers`` or ``--scheduler`` asks for, the current scheduler in the block; closed on exit.

    Without either, yields None: the work runs on Dask's default scheduler in this process.

    ``--workers N`` starts a local cluster whose workers log only errors (not the cancelled
    tasks of a stopped run), whole even if a stop signal arrives meanwhile.
    """
    if args.workers is None and args.scheduler is None:
        yield None
        return
    try:
        with signals_deferred():  # the import runs C code that can swallow the exception of a stop
            distributed = require("distributed", "--workers and --scheduler", extra="distributed")
    except ImportError as exc:
        raise ValueError(str(exc)) from None
    # A stop signal cuts the client's gather short; asyncio would then report its waiting task's
    # AllExit on stderr at exit, after the one line that already says what happened.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    with ExitStack() as opened:
        if args.workers is not None:
            # Dask reads this when a worker process imports it: set while the cluster runs, then restored.
            opened.enter_context(_environment("DASK_LOGGING__DISTRIBUTED", "error"))
            with signals_deferred():
                cluster = opened.enter_context(local_cluster(args.workers))
                client = opened.enter_context(distributed.Client(cluster))
        else:
            try:
                client = opened.enter_context(distributed.Client(args.scheduler, timeout="10s"))
            except (OSError, TimeoutError, ValueError) as exc:
                raise ValueError(f"cannot connect to the Dask scheduler at {args.scheduler}: {exc}") from None
        yield client


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """The environment variable ``name`` set to ``value`` in the block, then restored."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
