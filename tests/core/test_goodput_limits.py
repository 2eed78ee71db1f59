"""The goodput formulas at their limits: no failures, rare failures, failures every few seconds.

core.goodput writes Daly's ratio τ / (M·e^(R/M)·(e^((τ+δ)/M) − 1)) in a form that neither cancels
to 0/0 when failures are rare nor overflows when they are frequent; these tests pin that it is the
same number where the textbook form is computable, and finite where it is not (issue 12).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xlcompute.core import goodput
from xlcompute.estimate import MIN_ETTR, estimate
from xlcompute.scenario import parse_scenario


def _daly_textbook(tau: float, ckpt: float, restart: float, mtbf: float) -> float:
    # Daly 2006 as printed: the reference the rewritten form must equal.
    return tau / (mtbf * math.exp(restart / mtbf) * (math.exp((tau + ckpt) / mtbf) - 1))


@pytest.mark.parametrize("mtbf", [60.0, 3_600.0, 2.86e6, 1e8])
@pytest.mark.parametrize("ckpt", [0.5, 30.0, 600.0])
def test_rewritten_ratio_equals_dalys_form(mtbf: float, ckpt: float) -> None:
    restart = goodput.restart_seconds(600.0, ckpt)
    tau = goodput.young_daly_interval(ckpt, mtbf, restart)
    assert goodput.failure_ratio(tau, ckpt, restart, mtbf) == pytest.approx(
        _daly_textbook(tau, ckpt, restart, mtbf), rel=1e-9)


def test_no_failures_gives_the_checkpoint_ratio_alone() -> None:
    # λ = 0: M is large but finite, so the ratio is τ/(τ+δ) ≈ 1 (less a failure term of the same
    # tiny order at the Young–Daly optimum), not a division by zero.
    mtbf = goodput.job_mtbf_seconds(0.0, 1000)
    assert mtbf == pytest.approx(3600 / goodput.NO_FAILURES_PER_JOB_HOUR)
    ckpt = 10.0
    tau = goodput.young_daly_interval(ckpt, mtbf, ckpt)
    ratio = goodput.failure_ratio(tau, ckpt, ckpt, mtbf)
    assert ratio == pytest.approx(tau / (tau + ckpt), abs=1e-6) and 0.9999 < ratio < 1


def test_frequent_failures_tend_to_zero_without_overflow() -> None:
    # R/M = 10⁵: e^(R/M) overflows a float; the ratio is e^(−10⁵)·… = 0, and time stays finite.
    ratio = goodput.failure_ratio(1.0, 1.0, 1e5, 1.0)
    assert ratio == 0.0
    assert math.isfinite(goodput.calendar_seconds(3600.0, ratio))
    arr = goodput.failure_ratio(np.array([1.0, 1e6]), 1.0, np.array([1e5, 600.0]), np.array([1.0, 1e9]))
    assert np.all(np.isfinite(arr)) and arr[0] == 0.0 and 0.99 < arr[1] < 1


def _scenario(failures: float, cards: int = 64) -> dict:
    return {"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T", "tp": 1, "pp": 1},
            "cluster": {"cards": cards}, "assumptions": {"mfu": 0.4},
            "reliability": {"failures_per_card_hour": failures}}


def test_estimate_without_failures_is_the_planned_overhead_alone() -> None:
    r = estimate(parse_scenario(_scenario(0.0)))
    assert r["effective_ratio"] == pytest.approx(0.99, rel=1e-6)
    assert all(math.isfinite(d) for row in r.sensitivity.days for d in row)


def test_a_job_that_never_trains_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError) as info:
        estimate(parse_scenario(_scenario(0.01, cards=1_000_000)))  # a failure every 0.36 s
    line = str(info.value)
    assert "\n" not in line and line.startswith("reliability.failures_per_card_hour (0.01) on 1,000,000 cards")
    assert f"{MIN_ETTR:.0%}" in line
