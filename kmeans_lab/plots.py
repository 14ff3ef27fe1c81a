"""Figures for the report. Every function returns the matplotlib Figure; save it with
:func:`save_figure`, which writes under ``figures/`` whatever the working directory."""

from __future__ import annotations

from pathlib import Path

from .paths import FIGURES_DIR

__all__ = ["save_figure"]


def save_figure(fig: matplotlib.figure.Figure, name: str, *, dpi: int = 110) -> Path:  # noqa: F821
    """Save ``fig`` as ``figures/<name>`` (PNG unless ``name`` has another suffix); return the path."""
    path = FIGURES_DIR / name
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fixed timestamp-free metadata block keeps regenerated PNGs byte-identical.
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path
