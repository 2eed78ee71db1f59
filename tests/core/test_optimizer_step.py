"""The optimizer step's HBM bytes: Megatron-LM's mixed-precision count (the refined default) against the ZeRO
paper's count of the states (kept under its name), and its seconds in Python and as a workbook formula (the step-time
model's use of it: tests/planner/test_optimizer_step_time.py)."""

from __future__ import annotations

import pytest

from xlcompute.core import kernels
from xlcompute.core.expr import Ref, evaluate, excel_formula


def test_mixed_precision_bytes_by_hand() -> None:
    # bf16 weights (b = 2), FP32 master weight and two moments (a = 12):
    # norm read 4 + Adam gradient read 4 + states read and written 24 + master read 4 + weight written 2 + reset 4.
    assert kernels.mixed_precision_step_bytes(2, 12) == 4 + 4 + 24 + 4 + 2 + 4 == 42
    # the ZeRO paper's count: states read and written, the 16-bit gradient read and the weight written
    assert kernels.adam_state_step_bytes(2, 12) == 24 + 2 + 2 == 28
    # DeepSeek-V3's BF16 moments (a = 8): the gradient, master and reset bytes stay FP32
    assert kernels.mixed_precision_step_bytes(2, 8) == 34 and kernels.adam_state_step_bytes(2, 8) == 20
    # the refined form always moves more: by 3·4 + 4 − b (14 bytes at b = 2), whatever the states
    for b, a in ((2, 12), (2, 8), (1, 12), (4, 8)):
        diff = kernels.mixed_precision_step_bytes(b, a) - kernels.adam_state_step_bytes(b, a)
        assert diff == 3 * kernels.MAIN_GRAD_BYTES + kernels.MASTER_WEIGHT_BYTES - b > 0


def test_update_seconds_use_the_refined_bytes_and_offload_takes_none() -> None:
    p, hbm = 2.75e9, 2.039e12
    assert kernels.optimizer_update_seconds(p, 2, 12, hbm) == pytest.approx(p * 42 / hbm, rel=1e-15)
    assert kernels.optimizer_update_seconds(p, 2, 12, hbm, offload=1) == 0
    # 1.5 times the old count at a = 12, b = 2
    assert kernels.optimizer_update_seconds(p, 2, 12, hbm) / (p * kernels.adam_state_step_bytes(2, 12) / hbm) == pytest.approx(1.5)


@pytest.mark.parametrize("offload", [0, 1])
def test_the_workbook_formula_is_the_same_expression(offload: int) -> None:
    names = ("P", "b", "a", "B", "o")
    f = kernels.optimizer_update_seconds(*(Ref(n) for n in names))
    assert excel_formula(f).startswith("=IF(o,0,")
    args = (2.75e9, 2.0, 12.0, 2.039e12, float(offload))
    assert evaluate(f, dict(zip(names, args))) == pytest.approx(kernels.optimizer_update_seconds(*args), rel=1e-15)
