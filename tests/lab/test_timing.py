"""Timing helpers."""

from __future__ import annotations

import pytest

from kmeans_lab.lab.timing import time_call


def test_time_call_keeps_every_run():
    calls = []
    timing = time_call(lambda x: calls.append(x) or x * 2, 21, repeat=4, warmup=1)
    assert len(calls) == 5 and timing.repeat == 4 and timing.result == 42
    assert timing.min <= timing.median <= timing.max
    with pytest.raises(ValueError, match="repeat must be >= 1"):
        time_call(lambda: None, repeat=0)
