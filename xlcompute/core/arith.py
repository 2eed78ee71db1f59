"""Small arithmetic glue shared by the estimate graph (sums, ratios, whole units).

They are formulas too, so they live in the core and render to Excel like the rest.
"""

from __future__ import annotations

from xlcompute.core.expr import Value, ceil, if_

__all__ = ["total", "difference", "ratio", "product", "round_up_to_multiple", "fits"]


def total(*xs: Value) -> Value:
    """Sum of the arguments (renders as a+b+c)."""
    out: Value = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def difference(a: Value, b: Value) -> Value:
    """a − b."""
    return a - b


def ratio(a: Value, b: Value) -> Value:
    """a / b."""
    return a / b


def product(a: Value, b: Value) -> Value:
    """a × b."""
    return a * b


def round_up_to_multiple(x: Value, step: Value) -> Value:
    """Smallest multiple of ``step`` that is ≥ x, e.g. whole serving replicas: ⌈x/step⌉·step."""
    return ceil(x / step) * step


def fits(need: Value, have: Value) -> Value:
    """1 when need ≤ have, else 0 (memory against HBM)."""
    return if_(need <= have, 1, 0)
