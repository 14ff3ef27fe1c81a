"""Timing helpers: repeat a call, keep every run, summarise by median, min and max."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Timing", "time_call", "runs_table"]


@dataclass(frozen=True)
class Timing:
    """Every wall-clock run of one call, in seconds, and the last return value."""

    seconds: tuple[float, ...]
    result: Any = field(repr=False, default=None)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def max(self) -> float:
        return max(self.seconds)

    @property
    def repeat(self) -> int:
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


def runs_table(records: Iterable[dict]) -> pandas.DataFrame:  # noqa: F821
    """A pandas table with one row per record; a ``timing`` entry becomes median/min/max/repeat columns."""
    import pandas as pd

    rows = []
    for record in records:
        row = dict(record)
        timing = row.pop("timing", None)
        if timing is not None:
            row.update(seconds=timing.median, min_s=timing.min, max_s=timing.max, repeat=timing.repeat)
        rows.append(row)
    return pd.DataFrame(rows)
