"""Numbers typed by people: ``70B``, ``2T``, ``1.5万``, ``3亿``, ``1,000``, ``40%``.

Used by scenario files and the Excel functions, so ``=LLM_TRAIN_DAYS("70B","2T",...)`` and
``tokens: 2T`` in YAML mean the same thing. Suffixes are decimal (K = 10^3, M = 10^6,
B = G = 10^9, T = 10^12, P = 10^15; 万 = 10^4, 亿 = 10^8), case-insensitive.
"""

from __future__ import annotations

import functools
import math
import re

__all__ = ["SUFFIXES", "QuantityError", "parse_quantity"]

SUFFIXES: dict[str, float] = {
    "": 1.0,
    "k": 1e3,
    "m": 1e6,
    "b": 1e9,
    "g": 1e9,
    "t": 1e12,
    "p": 1e15,
    "万": 1e4,
    "亿": 1e8,
    "万亿": 1e12,
    "%": 0.01,
}

_PATTERN = re.compile(
    r"^\s*(?P<num>[+-]?(?:\d+(?:[,_]\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<suffix>万亿|[kKmMbBgGtTpP万亿%]?)\s*$"
)


class QuantityError(ValueError):
    """Text that is not a number with an allowed suffix."""


def parse_quantity(value: object, field: str = "value") -> float:
    """Return ``value`` as a float; text may carry one suffix from :data:`SUFFIXES`.

    Raises :class:`QuantityError` naming ``field``, the value and what is allowed.
    """
    if isinstance(value, str):
        return _parse_text(value, field)
    if isinstance(value, bool):
        raise QuantityError(f"{field}: expected a number, got the boolean {value!r}")
    if isinstance(value, (int, float)):
        return _finite(float(value), value, field)
    raise QuantityError(f"{field}: expected a number or text such as '70B', got {type(value).__name__}")


# Excel recalculates the same cells ("70B", "2T", "40%") over and over: parse each text once.
# A float is immutable, and a refused text raises each time (lru_cache stores returns only).
@functools.lru_cache(maxsize=4096)
def _parse_text(value: str, field: str) -> float:
    m = _PATTERN.match(value)
    if not m:
        raise QuantityError(
            f"{field}: {value!r} is not a number; write e.g. 70B, 2T, 1.5万, 3亿, 40% or 1e21 "
            "(suffixes K M B T P 万 亿 %)"
        )
    return _finite(float(m.group("num").replace(",", "").replace("_", "")) * SUFFIXES[m.group("suffix").lower()],
                   value, field)


def _finite(out: float, value: object, field: str) -> float:
    if not math.isfinite(out):
        raise QuantityError(f"{field}: {value!r} is not a finite number")
    return out
