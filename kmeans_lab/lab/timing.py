"""Timing helpers: repeat a call, keep every run, summarise by median, min and max."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Timing", "time_call"]


@dataclass(frozen=True)
class Timing:
    """Every wall-clock run of one call, in seconds, and the last return value."""

    seconds: tuple[float, ...]
    result: Any = field(repr=False, default=None)

    @property
    def median(self) -> float:
        """Median of the runs, seconds."""
        return statistics.median(self.seconds)

    @property
    def min(self) -> float:
        """Fastest run, seconds."""
        return min(self.seconds)

    @property
    def max(self) -> float:
        """Slowest run, seconds."""
        return max(self.seconds)

    @property
    def repeat(self) -> int:
        """Number of timed runs."""
        return len(self.seconds)


def time_call(fn: Callable[..., Any], *args: Any, repeat: int = 3, warmup: int = 0, **kwargs: Any) -> Timing:
    """Run ``fn(*args, **kwargs)`` ``warmup`` times untimed, then ``repeat`` times timed.

    Returns
    -------
    Timing
        Seconds of each timed run (``time.perf_counter``) and the last result.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    result = None
    for _ in range(warmup):
        result = fn(*args, **kwargs)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        runs.append(time.perf_counter() - start)
    return Timing(seconds=tuple(runs), result=result)
