"""An assumed MFU above the step-time model's prediction: the mitigation shows the step the assumption
implies against the parts of the predicted step (computation, exposed communication, bubble, the rest),
which add up to it, so the reader sees what the assumption must remove. The default plan's 40 % needs a
4.617 s step, less than the model's 4.712 s of computation alone."""

from __future__ import annotations

import pytest

from xlcompute import fmt
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import default_scenario, parse_scenario


def _mitigation(r: object, lang: str, words: str) -> str:
    rows = [row for row in build_context(r, lang)["risks"] if words in str(row["risk"])]
    assert len(rows) == 1
    return str(rows[0]["mitigation"])


def test_the_assumed_mfu_is_set_against_the_parts_of_the_predicted_step() -> None:
    r = estimate(default_scenario())
    step, compute = r["predicted_step_seconds"], r["compute_seconds"] + r["recompute_seconds"]
    need = step * r["predicted_mfu"] / r["mfu_assumed"]
    assert need == pytest.approx(4.617, abs=5e-4) and need < compute  # 40 % MFU: faster than the kernels alone
    rest = step - compute - r["comm_exposed_seconds"] - r["pp_bubble_seconds"]
    assert 0 < rest < 0.1 * step  # stragglers (×1.054 on 125 servers) and the optimizer step
    en = _mitigation(r, "en", "The plan assumes an MFU")
    assert (f"At 40.0% a step would take {need:.3f} s, less than the computation alone; the step-time model's "
            f"{step:.3f} s holds {compute:.3f} s of computation") in en
    assert f"{r['comm_exposed_seconds']:.3f} s of exposed communication" in en and f"{rest:.3f} s of stragglers" in en
    assert en.endswith("gives the schedule for other values.")
    zh = _mitigation(r, "zh", "方案假设 MFU")
    assert f"每步应为 {need:.3f} 秒，比其中的计算时间还短" in zh


def test_an_assumed_mfu_below_the_prediction_keeps_the_pilot_advice_alone() -> None:
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["assumptions"] = {**data.get("assumptions", {}), "mfu": 0.15}  # below the predicted 25.4 % (26.0 % before 2026-12-05)
    r = estimate(parse_scenario(data))
    assert r["mfu_assumed"] < r["predicted_mfu"]
    en = _mitigation(r, "en", "The plan assumes an MFU")
    assert "a step would take" not in en and en.startswith("Measure MFU in a pilot")
    assert fmt.percent(r["predicted_mfu"]) == "25.4%"
