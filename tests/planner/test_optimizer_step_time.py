"""The step-time model charges the mixed-precision optimizer step (core.kernels.mixed_precision_step_bytes)."""

from __future__ import annotations

import pytest

from xlcompute.core import kernels
from xlcompute.planner.inputs import SOFTWARE_STACKS
from xlcompute.planner.steptime import step_time
from xlcompute.planner.validation.data import build_case, load_validation, row_precision, with_profile
from xlcompute.planner.validation.run import _row_system


def test_a_one_server_22b_step_carries_the_bytes() -> None:
    # Korthikanti et al. 2022's 22B on 8 A100 (TP 8, no data parallelism): 2.75B parameters updated per card, the
    # optimizer 0.057 s of a 1.42 s step (0.038 s with the ZeRO paper's count).
    data = load_validation()
    row = next(r for r in data.rows if r.id == "kor22-22B-full")
    shape, ex = build_case(row)
    sy, ex = row_precision(row, _row_system(row, with_profile(data.system), SOFTWARE_STACKS), ex)
    r = step_time(shape, sy, ex)
    per_card = r.optimizer_seconds * sy.hbm_bandwidth / kernels.mixed_precision_step_bytes(2, 12)
    assert per_card == pytest.approx(r.params_per_gpu, rel=1e-9)
    assert r.optimizer_seconds == pytest.approx(0.0568, abs=5e-4)
