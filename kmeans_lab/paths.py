"""The one place that knows where the project's folders are.

Notebooks and scripts resolve ``data/`` and ``figures/`` through this module, never
relative to their working directory.
"""

from __future__ import annotations

from pathlib import Path

#: Root of the source checkout (the folder holding ``pyproject.toml``).
PROJECT_ROOT: Path = Path(__file__).resolve().parents[1]
#: The photographs the notebooks use (see ``data/SOURCES.md``).
DATA_DIR: Path = PROJECT_ROOT / "data"
#: Every figure and table the notebooks write.
FIGURES_DIR: Path = PROJECT_ROOT / "figures"

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}


def data_path(name: str) -> Path:
    """Path of a file in ``data/``; raises ``FileNotFoundError`` naming the file if absent."""
    path = DATA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file in data/")
    return path


def data_images() -> list[Path]:
    """Every image in ``data/``, sorted by file name."""
    return sorted(p for p in DATA_DIR.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
