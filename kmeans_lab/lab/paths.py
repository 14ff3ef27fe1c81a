"""The one place that knows where the project's folders are.

The lab reads photographs from ``data/`` and writes figures and tables to ``figures/`` of a
source checkout of kmeans_lab (the folder holding ``pyproject.toml`` and ``kmeans_lab/``).
The checkout is, in this order: the folder named by the environment variable
``KMEANS_LAB_ROOT``; the one this file lies in (an editable install or the source tree);
the current directory or one of its parents. Notebooks and scripts resolve paths through
here, never relative to their working directory; outside a checkout, asking for a folder
raises an error that says what to do.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "data_dir", "figures_dir", "data_path", "data_images"]

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / "kmeans_lab").is_dir()


def project_root() -> Path:
    """The source checkout the lab works in.

    Raises
    ------
    FileNotFoundError
        ``KMEANS_LAB_ROOT`` names no folder, or no checkout was found (kmeans_lab installed
        from a wheel and run outside a checkout).
    """
    named = os.environ.get("KMEANS_LAB_ROOT")
    if named:
        root = Path(named).expanduser().resolve()
        if not root.is_dir():
            raise FileNotFoundError(f"KMEANS_LAB_ROOT={named}: no such folder")
        return root
    here = Path(__file__).resolve().parents[2]
    if _is_checkout(here):
        return here
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if _is_checkout(folder):
            return folder
    raise FileNotFoundError(
        "no kmeans_lab source checkout found (the lab reads data/ and writes figures/ of one): "
        "run from a checkout, set KMEANS_LAB_ROOT to one, or pass explicit paths"
    )


def data_dir() -> Path:
    """``data/`` of the checkout: the photographs the notebooks use (see ``data/SOURCES.md``)."""
    return project_root() / "data"


def figures_dir() -> Path:
    """``figures/`` of the checkout: every figure and table the notebooks write."""
    return project_root() / "figures"


def data_path(name: str) -> Path:
    """Path of a file in ``data/``; raises ``FileNotFoundError`` naming the file if absent."""
    path = data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file in data/")
    return path


def data_images() -> list[Path]:
    """Every image in ``data/``, sorted by file name."""
    return sorted(p for p in data_dir().iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
