"""Timing helpers shared by the benchmark scripts (run as `python bench/NAME.py`)."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(call: Callable[[], object], repeats: int,
              before: Callable[[], None] | None = None) -> float:
    """Return the median wall time of call in milliseconds (before() runs untimed)."""
    times = []
    for _ in range(repeats):
        if before:
            before()
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
