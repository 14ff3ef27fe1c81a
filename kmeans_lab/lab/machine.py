"""The machine a notebook or a benchmark ran on, stated from code."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

import pandas as pd

__all__ = ["machine_summary", "cpu_model"]

_PACKAGES = (
    "kmeans-lab",
    "numpy",
    "pillow",
    "scikit-learn",
    "scikit-image",
    "pandas",
    "imagequant",
    "dask",
    "distributed",
)


def cpu_model() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux, else ``platform.processor()``)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def machine_summary() -> pd.DataFrame:
    """CPU, cores, memory, OS, Python and library versions, one row each.

    Returns
    -------
    pandas.DataFrame
        Index ``item``, one column ``value`` (strings).
    """
    memory = _memory_gib()
    rows = {
        "CPU": cpu_model(),
        "logical cores": str(os.cpu_count()),
        "cores this process may use": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"),
        "memory": "?" if memory is None else f"{memory:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }
    for package in _PACKAGES:
        try:
            rows[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            rows[package] = "not installed"
    return pd.DataFrame({"value": rows}).rename_axis("item")
