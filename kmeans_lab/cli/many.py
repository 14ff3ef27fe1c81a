"""``kmeans-lab compress-many INPUT... -k K --out-dir DIR``: many images, one palette (or one each).

:func:`~kmeans_lab.quantize_many` does the work on the current Dask scheduler: in this process,
or on the cluster of ``--workers`` / ``--scheduler`` (:func:`dask_scheduler`, the one place that
knows of them). This module checks every input and output first, prints a line per file, and
reports.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from .._optional import require
from ..collection import SavedImage, local_cluster, output_paths, quantize_many
from ..image import check_quantized_output, probe_image
from .parser import kmeans_options
from .report import PROG, WrittenFile, build_report, emit, optimize_wanted, warnings_as_notes
from .signals import Done, signals_deferred

__all__ = ["run", "dask_scheduler"]


def run(args: argparse.Namespace, done: Done) -> int:
    """Run ``compress-many``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    done : Done
        Told, if a stop signal ends the run, how many files were written.

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    ValueError
        A refusal (:class:`~kmeans_lab.ImageError` too), before anything is written.
    """
    inputs = [Path(p) for p in args.inputs]
    suffix = args.format or ".png"
    # Before any work: every input an image, every output writable, K within the format.
    for path in inputs:
        probe_image(path, max_pixels=args.max_pixels)
    paths = output_paths(inputs, args.out_dir, suffix=suffix)
    check_quantized_output(paths[0], args.k)
    options = kmeans_options(args)
    stamps = {path: _stamp(path) for path in paths}  # to tell, if stopped, which files were written
    start = time.perf_counter()
    try:
        with dask_scheduler(args), warnings_as_notes() as notes:
            results = quantize_many(
                inputs,
                args.k,
                out_dir=args.out_dir,
                suffix=suffix,
                shared_palette=args.shared_palette,
                dither=args.dither,
                max_pixels=args.max_pixels,
                optimize=optimize_wanted(args, notes),
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
def dask_scheduler(args: argparse.Namespace) -> Iterator[None]:
    """Make the Dask cluster ``--workers`` or ``--scheduler`` asks for the current scheduler in the block.

    Parameters
    ----------
    args : argparse.Namespace
        ``workers``: start a local cluster of that many worker processes (quiet: they log
        errors only), whole even if a stop signal arrives meanwhile; ``scheduler``: connect
        to the cluster at that address. Neither: Dask's default scheduler, in this process.
        What the block started is closed when it ends.
    """
    if args.workers is None and args.scheduler is None:
        yield
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
            with signals_deferred():
                # A failed task reaches the client as its exception; what the cluster would log
                # itself is the noise of a stop (a gather cut short, a worker's closed stream).
                cluster = local_cluster(args.workers, silence_logs=logging.CRITICAL)
                opened.enter_context(distributed.Client(opened.enter_context(cluster)))
        else:
            try:
                opened.enter_context(distributed.Client(args.scheduler, timeout="10s"))
            except (OSError, TimeoutError, ValueError) as exc:
                raise ValueError(f"cannot connect to the Dask scheduler at {args.scheduler}: {exc}") from None
        yield  # a Client makes itself the current scheduler
