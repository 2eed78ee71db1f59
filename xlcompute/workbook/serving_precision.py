"""The Inputs sheet's serving precision drop-down: the inputs a serving precision sets follow it.

``xlcompute estimate`` turns ``serving.precision`` into several inputs (which 8-bit peak, the bytes
per weight and KV value, the GEMM share, the dequantisation work); in the workbook each of them is a
formula over the drop-down, built from the same table (:data:`xlcompute.serving_model.PRECISIONS`,
:data:`~xlcompute.serving_model.SCENARIO_PRECISIONS`) and the same fitted constants, so picking
another precision moves them together, as the scenario field does.
"""

from __future__ import annotations

from collections.abc import Callable

from xlcompute.serving_model import FITTED, PRECISIONS, SCENARIO_PRECISIONS, Precision

__all__ = ["SERVING_PRECISION_KEYS", "serving_precision_formula"]


def _gemm_share(p: Precision) -> float:
    return FITTED.compute_efficiency_fp8 if p.fp8_compute or p.int8_compute else FITTED.compute_efficiency_16


_VALUE: dict[str, Callable[[Precision], float]] = {
    "serving_fp8": lambda p: 1.0 if p.fp8_compute else 0.0,
    "serving_int8": lambda p: 1.0 if p.int8_compute else 0.0,
    "serving_bytes_per_param": lambda p: p.weight_bytes,
    "kv_bytes_per_value": lambda p: p.kv_bytes,
    "serving_compute_efficiency": _gemm_share,
    "serving_dequant_ops": lambda p: FITTED.dequant_ops_per_weight if p.weight_only else 0.0,
}
SERVING_PRECISION_KEYS = frozenset(_VALUE)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def serving_precision_formula(key: str, choice: str) -> str:
    """Excel text (no ``=``) of input ``key`` for the precision named in cell ``choice``: nested IFs
    over the drop-down's words, bf16's value when none matches."""
    values = {word: _VALUE[key](PRECISIONS[name]) for word, name in SCENARIO_PRECISIONS.items()}
    text = _number(values["bf16"])
    for word, value in reversed(list(values.items())):
        if word != "bf16" and value != values["bf16"]:
            text = f'IF({choice}="{word}",{_number(value)},{text})'
    return text
