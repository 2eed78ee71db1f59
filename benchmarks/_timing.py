"""Shared timing helper for the benchmark scripts: the median of repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_seconds(fn: Callable[[], Any], repeat: int = 7) -> float:
    """Median wall-clock seconds of ``repeat`` calls of ``fn`` (medians resist a noisy machine)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
