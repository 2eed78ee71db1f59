"""The calculation core: pure functions in SI units, no I/O, nothing imported from the faces.

Every formula works on numbers and on :class:`~xlcompute.core.expr.Ref` cell references (then it
returns an Excel formula), so the UDFs, the workbook cells and the proposal share one definition.
Formulas also evaluate over NumPy arrays (the layout search runs the step-time model on arrays of
layouts). Modules: ``params`` (model size), ``compute`` (FLOPs), ``kernels`` (kernel time on a
card), ``schedule`` (time, cards, MFU), ``memory``, ``comm``, ``parallel``, ``serving`` (seed 000's serving forms),
``inference`` (the inference step model: prefill, decode, KV budget, TTFT, TPOT), ``cost``, ``bom`` (bill of materials), ``shape`` (a dense
architecture for a size alone);
``expr`` is the expression type.
"""

from xlcompute.core import (
    arith,
    bom,
    comm,
    compute,
    cost,
    expr,
    inference,
    kernels,
    memory,
    moe,
    parallel,
    params,
    schedule,
    serving,
    shape,
    units,
)
from xlcompute.core.expr import Expr, Ref, ceil, evaluate, excel_formula, floor, if_, max_, min_

__all__ = [
    "arith",
    "bom",
    "comm",
    "compute",
    "cost",
    "expr",
    "inference",
    "kernels",
    "memory",
    "moe",
    "parallel",
    "params",
    "schedule",
    "serving",
    "shape",
    "units",
    "Expr",
    "Ref",
    "ceil",
    "floor",
    "if_",
    "max_",
    "min_",
    "evaluate",
    "excel_formula",
]
