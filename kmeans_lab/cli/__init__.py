"""The command line ``kmeans-lab`` (also ``python -m kmeans_lab``).

- ``kmeans-lab [compress] INPUT -k K [-o OUTPUT]`` quantizes one image, or every frame of an
  animation (:mod:`.compress`); the second report's ``kmeans-lab --image INPUT
  --num_clusters K`` works too.
- ``kmeans-lab compress-many INPUT... -k K --out-dir DIR`` gives many images one palette, in
  this process or on a Dask cluster (:mod:`.many`).

The commands share their options through argparse ``parents=`` (:mod:`.parser`), their report
(:mod:`.report`) and their stop handling (:mod:`.signals`). Errors are one line on stderr
naming the problem, exit status 2, before any work and with nothing written. SIGINT (Ctrl-C),
SIGTERM and SIGHUP stop a run with one line on stderr and exit status 128 + the signal number
(130, 143, 129); temporary files are removed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..image import ImageTooLargeError
from . import compress, many
from .parser import build_parser, with_command
from .report import error
from .signals import Done, run_stoppable

__all__ = ["main", "build_parser"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 2 bad input, 128 + N stopped by signal N).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.
    """
    arguments = with_command(list(sys.argv[1:] if argv is None else argv))
    return run_stoppable(lambda done: _run(build_parser().parse_args(arguments), done))


def _run(args: argparse.Namespace, done: Done) -> int:
    command = many if args.command == "compress-many" else compress
    try:
        return command.run(args, done)
    except ImageTooLargeError as exc:  # the advice the command line can give: its own option
        return error(
            str(ImageTooLargeError(exc.path, exc.pixels, exc.limit, advice="raise the limit with --max-pixels N"))
        )
    except ValueError as exc:  # ImageError too
        return error(str(exc))
    except BrokenPipeError:  # the reader of the report went away (| head): one line, not a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python exits
        return error("standard output was closed before the whole report was written")
