"""A deadline met at a confidence (training.deadline_confidence): the estimate is held to the deadline
divided by the MFU range's margin e^(σ·z), so that the run's days at that quantile meet it. The Monte
Carlo of xlcompute.uncertainty checks the margin on its own draws, failure-rate spread included.

Llama-3.1-70B on 15T tokens by 60 days on H800: sized to the estimate (0.5) it is 4,800 cards whose
P90 is 92 days, so half the draws miss; at 0.9 it is 7,456 cards, 39.0 days estimated, P90 60.0."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.core import spread
from xlcompute.core.expr import Ref, evaluate, excel_formula, norm_s_inv
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import ScenarioError, parse_scenario
from xlcompute.uncertainty import analyse

TRAIN = {"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "15T", "deadline_days": 60},
         "cluster": {"accelerator": "H800"}}
P90 = {**TRAIN, "training": {**TRAIN["training"], "deadline_confidence": 0.9}}


def test_margin_by_hand_numbers_arrays_and_excel() -> None:
    # z(0.9) = 1.28155; e^(0.336 × 1.28155) = 1.5382. At 0.5, z = 0: no margin.
    assert spread.confidence_margin(0.5, 0.336) == pytest.approx(1.0, abs=1e-12)
    assert spread.confidence_margin(0.9, 0.336) == pytest.approx(math.exp(0.336 * 1.2815515655446004), rel=1e-12)
    assert spread.confidence_margin(0.9, 0.336) == pytest.approx(1.5382, abs=1e-4)
    assert spread.confidence_margin(0.9, 0.0) == 1.0  # no spread, no margin
    assert spread.deadline_plan_days(60, 1.5) == 40 and spread.deadline_plan_days(0, 1.5) == 0
    qs = np.array([0.5, 0.8, 0.9, 0.99])
    assert np.allclose(norm_s_inv(qs), [statistics.NormalDist().inv_cdf(q) for q in qs])
    f = spread.confidence_margin(Ref("q"), Ref("s"))
    assert excel_formula(f) == "=EXP(s*NORMSINV(q))"
    for q, s in ((0.5, 0.336), (0.9, 0.336), (0.95, 0.5)):
        assert evaluate(f, {"q": q, "s": s}) == pytest.approx(spread.confidence_margin(q, s), rel=1e-12)


def test_the_confidence_is_a_checked_field() -> None:
    for bad in (0.3, 1.0, 1.5):
        with pytest.raises(ScenarioError, match="training.deadline_confidence"):
            parse_scenario({**TRAIN, "training": {**TRAIN["training"], "deadline_confidence": bad}})


@pytest.fixture(scope="module")
def median() -> object:
    return estimate(parse_scenario(TRAIN))


@pytest.fixture(scope="module")
def p90() -> object:
    return estimate(parse_scenario(P90))


def test_at_the_default_the_estimate_itself_meets_the_deadline(median) -> None:  # type: ignore[no-untyped-def]
    r = median
    assert r["deadline_confidence"] == 0.5 and r["deadline_margin"] == pytest.approx(1.0)
    assert r["deadline_plan_days"] == pytest.approx(60) and r["deadline_run_days"] == pytest.approx(r["train_days"])
    assert r["gpu_count"] == 4800 and r["train_days"] <= 60
    # About half of the range's draws finish in time: the estimate is the range's median.
    chance = analyse(r).deadline_chance
    assert chance is not None and 0.4 <= chance <= 0.6


def test_at_0_9_the_cluster_is_sized_so_that_nine_draws_in_ten_finish(median, p90) -> None:  # type: ignore[no-untyped-def]
    r = p90
    margin = math.exp(0.336 * statistics.NormalDist().inv_cdf(0.9))
    assert r["deadline_margin"] == pytest.approx(margin, rel=1e-9)
    assert r["deadline_plan_days"] == pytest.approx(60 / margin, rel=1e-9)
    assert r["train_days"] <= r["deadline_plan_days"] and r["deadline_slip_days"] == 0
    assert r["deadline_run_days"] == pytest.approx(r["train_days"] * margin, rel=1e-12) and r["deadline_run_days"] <= 60
    # More cards than at the median: about the margin more (the layout and MFU move a little).
    assert 1.4 * median["gpu_count"] <= r["gpu_count"] <= 1.7 * median["gpu_count"]
    # Every count tried below the plan's estimated longer than the margin allows.
    below = [t for t in r.sizing_tries if t.cards < r["gpu_count"]]
    assert below and all(t.train_days > r["deadline_plan_days"] for t in below)
    assert r.sized_miss_below() == max(below, key=lambda t: t.cards)
    # The Monte Carlo, which also spreads the failure rate, agrees: P90 within a day, ~90 % in time.
    rep = analyse(r)
    assert rep.percentiles["train_days"].p90 == pytest.approx(60, abs=1.0)
    assert rep.deadline_chance is not None and 0.87 <= rep.deadline_chance <= 0.93


def test_cards_given_miss_at_the_confidence_by_the_quantile_s_days(p90) -> None:  # type: ignore[no-untyped-def]
    # 5,000 cards meet 60 days at the estimate (as 4,800 do) but not at 0.9: the slip is the P90's.
    given = estimate(parse_scenario({**P90, "cluster": {"accelerator": "H800", "cards": 5000}}))
    assert given["train_days"] < 60 < given["deadline_run_days"]
    assert given["deadline_slip_days"] == pytest.approx(given["train_days"] * given["deadline_margin"] - 60, rel=1e-12)
    assert given.deadline_plan is not None and given.deadline_plan.cards == p90["gpu_count"]
    assert given.deadline_plan.train_days == pytest.approx(p90["train_days"], rel=1e-12)
    at_median = estimate(parse_scenario({**TRAIN, "cluster": {"accelerator": "H800", "cards": 5000}}))
    # met at the estimate: the planned count is the 0.5 sizing's, 4,800
    assert at_median["deadline_slip_days"] == 0 and at_median.deadline_plan is not None
    assert at_median.deadline_plan.cards == 4800


def test_the_faces_say_the_confidence_and_the_chance(p90) -> None:  # type: ignore[no-untyped-def]
    r = p90
    plan = f"{r['deadline_plan_days']:.1f}"
    chance = analyse(r).deadline_chance
    run = CliRunner().invoke(app, ["estimate", "-s", "model=llama3.1-70b", "-s", "tokens=15T", "-s", "accelerator=H800",
                                   "-s", "training.deadline_days=60", "-s", "training.deadline_confidence=0.9"])
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.replace("│", " ").split())
    assert f"60.0 days at 90% confidence (the estimate within {plan} days): met" in text
    assert f"{chance:.0%} of the draws finish within the deadline (60.0 days)" in text
    for lang, words, mc in (
            ("en", f"Deadline: 60.0 days at 90% confidence (the estimate within {plan} days), met",
             f"{chance:.0%} of the draws finish within the 60.0-day deadline (the plan is held to {plan} days"),
            ("zh", f"截止期限：60.0 天（置信度 90%：估算工期不超过 {plan} 天），可按期完成",
             f"{chance:.0%} 的抽样可在 60.0 天的截止期限内完成（为达到 90% 的置信度")):
        ctx = build_context(r, lang)
        assert words in str(ctx["schedule_note"])
        assert mc in str(ctx["uncertainty"]["text"])
    # At the default the lines say nothing of a confidence, and the chance is still given.
    median = build_context(estimate(parse_scenario(TRAIN)), "en")
    assert "confidence" not in str(median["schedule_note"])
    assert "of the draws finish within the 60.0-day deadline." in str(median["uncertainty"]["text"])


def test_the_risk_of_cards_given_names_the_quantile_s_days() -> None:
    given = estimate(parse_scenario({**P90, "cluster": {"accelerator": "H800", "cards": 1000}}))
    run_days = f"{given['deadline_run_days']:,.1f}"
    for lang, words in (("en", f"({run_days} days at 90% confidence)"), ("zh", f"（置信度 90% 时为 {run_days} 天）")):
        assert any(words in str(x["risk"]) for x in build_context(given, lang)["risks"])


def test_a_deadline_half_the_draws_miss_is_a_risk_whose_mitigation_is_the_p90_cluster(median, p90) -> None:  # type: ignore[no-untyped-def]
    # Sized to the estimate, the run meets 60 days in about half the draws: a Medium risk whose
    # mitigation is the cluster the 0.9 sizing plans (the p90 fixture's 7,456 cards).
    chance = analyse(median).deadline_chance
    assert chance is not None and 0.4 <= chance < 0.8
    for lang, risk_words, mit_words in (
            ("en", f"only {chance:.0%} of the range's draws do (P90 ",
             f"the cluster is {p90['gpu_count']:,.0f} cards ({p90['gpu_count'] // 8:,.0f} servers; estimated "
             f"{p90['train_days']:.1f} days)"),
            ("zh", f"区间抽样中仅 {chance:.0%} 按期完成", f"需 {p90['gpu_count']:,.0f} 张卡")):
        ctx = build_context(median, lang)
        found = [x for x in ctx["risks"] if risk_words in str(x["risk"])]
        assert len(found) == 1 and found[0]["level"] == "medium", [str(x["risk"]) for x in ctx["risks"]]
        assert mit_words in str(found[0]["mitigation"])
        # The summary's deadline line gives the same share.
        assert (f"{chance:.0%} of the range's draws finish in time" if lang == "en"
                else f"区间抽样中 {chance:.0%} 可按期完成") in str(ctx["schedule_note"])
    # Sized at 0.9 there is no such risk, and the summary says 90 %.
    ctx = build_context(p90, "en")
    assert not [x for x in ctx["risks"] if "of the range's draws do" in str(x["risk"])]
    assert f"{analyse(p90).deadline_chance:.0%} of the range's draws finish in time" in str(ctx["schedule_note"])
