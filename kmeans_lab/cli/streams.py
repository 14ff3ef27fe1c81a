"""Standard input and output for images: ``-`` as INPUT or as ``-o``, as pngquant takes them.

The library reads and writes image files by name (Pillow needs to seek, and a save is atomic),
so standard input is first copied to a private temporary folder, as the file ``stdin``, and an
image for standard output is saved there, as ``stdout.<format>``, then copied to standard
output once complete: a failed or stopped run sends nothing, as it leaves no half-written
file. The folder is removed however the run ends, and messages name ``stdin`` and
``stdout.<format>`` rather than the temporary folder.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..image import ImageTooLargeError

__all__ = ["STDIO", "staged", "send_to_stdout"]

#: The name that means standard input (as INPUT) or standard output (as ``-o``).
STDIO = "-"


@contextmanager
def staged(source: str, output: str, suffix: str) -> Iterator[tuple[Path, Path]]:
    """The files to read and write for INPUT ``source`` and OUTPUT ``output``.

    Standard input (``-``) is copied to a file ``stdin``; for standard output the image is
    saved as ``stdout<suffix>`` (then :func:`send_to_stdout`); other names are the files.

    Raises
    ------
    ValueError
        Standard input or output is a terminal (an image is never typed in nor shown there).
    """
    if STDIO not in (source, output):
        yield Path(source), Path(output)
        return
    if source == STDIO and sys.stdin.isatty():
        raise ValueError("no image on standard input (it is a terminal); give an INPUT file or redirect one")
    if output == STDIO and sys.stdout.isatty():
        raise ValueError("refusing to write an image to a terminal; redirect standard output or give -o FILE")
    folder = Path(tempfile.mkdtemp(prefix="kmeans-lab-"))
    try:
        if source == STDIO:
            with open(folder / "stdin", "wb") as copy:
                shutil.copyfileobj(sys.stdin.buffer, copy)
        yield (
            (folder / "stdin" if source == STDIO else Path(source)),
            (folder / f"stdout{suffix}" if output == STDIO else Path(output)),
        )
    except ValueError as exc:  # ImageError too: name the stream, not the temporary folder
        exc.args = tuple(str(arg).replace(f"{folder}/", "") for arg in exc.args)
        if isinstance(exc, ImageTooLargeError):
            exc.path = Path(exc.path.name)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def send_to_stdout(path: Path) -> None:
    """Copy the finished staged output at ``path`` to standard output.

    Raises
    ------
    ValueError
        Standard output was closed before the whole image went through (``| head``).
    """
    try:
        with open(path, "rb") as image:
            shutil.copyfileobj(image, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python exits
        raise ValueError("standard output was closed before the whole image was written") from None
