"""A training plan on a card whose generation borrows another generation's kernel constants (Blackwell
takes Hopper's) carries a risk quoting how far the model was on that generation's held-out runs
(the B200 / GB200 rows of step_runs_11.yaml, step_runs_12.yaml and step_runs_17.yaml to step_runs_19.yaml), and the schedule at that average error; a card's
own held-out runs missed one way the same. Its severity is how far that error moves the schedule."""

from __future__ import annotations

import pytest

from xlcompute.estimate import estimate
from xlcompute.planner.inputs import ARCHITECTURE_PROFILES
from xlcompute.report.context import build_context
from xlcompute.report.context.risks import bias_severity
from xlcompute.report.context.validation import borrowed_kernel_check, validation_report
from xlcompute.scenario import parse_scenario


def _plan(card: str):  # type: ignore[no-untyped-def]
    return estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                    "cluster": {"accelerator": card, "cards": 1024}}))


def _risks(r, lang: str) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(x) for row in build_context(r, lang)["risks"] for x in row.values())


def test_the_check_is_the_held_out_blackwell_rows_of_the_validation() -> None:
    assert ARCHITECTURE_PROFILES["blackwell"] == "hopper"
    rows = [x for x in validation_report().external_rows if x.role == "held_out" and x.architecture == "blackwell"]
    # 34 before step_runs_17.yaml added its one B200 row (MLPerf Training v4.1, +5.1 %), 35 before step_runs_18.yaml
    # added its 7 GB200 and 2 B200 rows (MLPerf Training v5.0 / v5.1 Llama 3.1 405B), 44 before step_runs_19.yaml added
    # one GB200 and one B200 row (MLPerf Training v6.0 Llama 3.1 8B)
    assert len(rows) == 46
    assert {x.set_name for x in rows} == {"step_runs_11", "step_runs_12", "step_runs_17", "step_runs_18", "step_runs_19"}
    n, mean_abs, signed = borrowed_kernel_check("blackwell")  # type: ignore[misc]
    assert n == 46
    assert mean_abs == pytest.approx(sum(abs(x.error_pct) for x in rows) / 46)
    assert signed == pytest.approx(sum(x.error_pct for x in rows) / 46) and signed < 0  # too fast
    # a generation with its own constants, or with no held-out run, has nothing to say
    assert borrowed_kernel_check("hopper") is None and borrowed_kernel_check("ampere") is None
    assert borrowed_kernel_check("ascend") is None and borrowed_kernel_check("") is None


def test_a_b200_plan_lists_the_risk_with_the_schedule_at_that_error() -> None:
    r = _plan("B200")
    assert r.inputs["matmul_eff_max"].origin.option == "extrapolated"
    n, mean_abs, signed = borrowed_kernel_check("blackwell")  # type: ignore[misc]
    days = r["train_days_predicted_mfu"] / (1 + signed / 100)
    en, zh = _risks(r, "en"), _risks(r, "zh")
    assert "kernel constants for NVIDIA B200" in en and "are Hopper's, not measured on Blackwell" in en
    assert f"on {n} held-out Blackwell training runs" in en and "too short on average" in en
    assert f"become about {days:.1f}" in en and days > r["train_days_predicted_mfu"]
    assert "沿用 Hopper 一代" in zh and "平均偏短" in zh and f"约为 {days:.1f} 天" in zh


def test_with_an_assumed_mfu_the_risk_speaks_of_the_models_days() -> None:
    """The default scenario assumes an MFU of 40 %: the schedule follows it, not the step-time model, so the
    risk adjusts the model's predicted days (train_days_predicted_mfu), not the assumed ones."""
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "B200", "cards": 1000}, "assumptions": {"mfu": 0.4}}))
    assert r["train_days_predicted_mfu"] != r["train_days"]
    _, _, signed = borrowed_kernel_check("blackwell")  # type: ignore[misc]
    days = r["train_days_predicted_mfu"] / (1 + signed / 100)
    assert f"become about {days:.1f}" in _risks(r, "en")


def test_a_calibrated_card_or_one_without_held_out_runs_has_no_such_risk() -> None:
    for card in ("H800", "A100-80G", "910B"):
        assert "kernel constants for" not in _risks(_plan(card), "en"), card


@pytest.mark.parametrize("signed, severity", [(-30.4, 0), (-12.0, 1), (+20.0, 1), (+30.0, 1), (-8.0, 2), (+11.0, 2)])
def test_the_severity_is_how_far_the_bias_moves_the_schedule(signed: float, severity: int) -> None:
    """-30.4 % (the 910B's held-out runs) makes the days 1/0.696 = 1.44 times as long: beyond the MFU gap's 25 %,
    High; -12 % is 13.6 %, Medium; +11 % is 9.9 % shorter, Low."""
    assert bias_severity(signed) == severity


def test_a_910b_plan_rates_the_card_bias_by_its_schedule() -> None:
    """The 910B's 5 held-out runs were predicted 30.1 % too short (30.4 % before the interleaved schedule's
    data-parallel windows, 30.2 % before the mixed-precision optimizer step): a 102-day plan becomes about 146 days, a High risk among the summary's top three."""
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "910B", "cards": 1024}}))
    risks = build_context(r, "en")["risks"]
    row = next(x for x in risks if "held-out training runs measured on" in str(x["risk"]))
    assert row["severity"] == "High" and "30.1% too short" in str(row["risk"])


def test_a_high_card_bias_is_said_in_the_recommendation_with_the_risk_s_days() -> None:
    """The recommendation gives the schedule at the bias before its verdict where the bias risk is High (the 910B),
    the same days as the risk; a bias below that (Blackwell's borrowed constants here) is left to the risk table."""
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "910B", "cards": 1024}}))
    ctx = build_context(r, "en")
    row = next(x for x in ctx["risks"] if "held-out training runs measured on" in str(x["risk"]))
    adj = str(row["risk"]).split("become about ")[1].removesuffix(" days.")
    rec = str(ctx["recommendation"])
    assert rec.startswith("On Huawei Ascend 910B (910B2-class), the step-time model predicted held-out step times "
                          "30.1% too short on average") and f"would be about {adj} days" in rec
    assert "单步时间模型对留出实测的预测平均偏短 30.1%" in str(build_context(r, "zh")["recommendation"])
    # The figure to plan with comes with its card-hours and rental cost: the estimate's, scaled by the days.
    hours, cost = rec.split(f"would be about {adj} days (")[1].split(" at the rental price")[0].split(" card-hours, ")
    share = float(adj) / r["train_days"]
    assert float(hours.replace(",", "")) == pytest.approx(r["gpu_hours"] * share, rel=1e-3)
    assert float(cost.removeprefix("¥").replace(",", "")) == pytest.approx(r["train_cost"] * share, rel=1e-3)
    b200 = _plan("B200")
    _, _, signed = borrowed_kernel_check("blackwell")  # type: ignore[misc]
    assert bias_severity(signed) > 0 and "predicted held-out step times" not in str(
        build_context(b200, "en")["recommendation"])
