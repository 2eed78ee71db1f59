"""The serving cards over the inference model's speed: a factor on its fitted efficiencies, lognormal
around 1 with σ = the held-out serving throughput error (core.spread.SERVING_LOG_SIGMA), drawn by the
Monte Carlo and reported apart from the budget (a plan buys its cluster once)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from xlcompute import default_scenario, estimate, parse_scenario
from xlcompute._graph import GRAPH
from xlcompute.cli import app
from xlcompute.core import inference, spread
from xlcompute.core.expr import Ref, excel_formula
from xlcompute.report.context import build_context
from xlcompute.uncertainty import analyse

SERVING = {"model": {"preset": "qwen2.5-72b"}, "serving": {"users": 2000}, "cluster": {"accelerator": "H20"}}


def test_the_sigma_is_the_held_out_throughput_error() -> None:
    from xlcompute.serving_validation import SERVING_SETS, validate_serving

    logs = [math.log1p(row.error_pct / 100) for path in SERVING_SETS for row in validate_serving(None, path).rows
            if row.role == "held_out" and row.metric == "throughput"]
    assert len(logs) == spread.SERVING_LOG_SIGMA_POINTS == 755  # 753, then 737 after the grouped-GEMM fit, then 755
    assert math.sqrt(sum(v * v for v in logs) / len(logs)) == pytest.approx(spread.SERVING_LOG_SIGMA, abs=0.0005)


def test_card_efficiency_by_hand_and_as_excel() -> None:
    assert inference.card_efficiency(0.75, 0.8, 1.0) == pytest.approx(0.6)
    assert inference.card_efficiency(0.75, 1.0, 1.5) == 1  # a share of the peak: at most 1
    assert excel_formula(inference.card_efficiency(Ref("e"), Ref("f"), Ref("s"))) == "=MIN(e*f*s,1)"


@pytest.fixture(scope="module")
def sized():  # type: ignore[no-untyped-def]
    return estimate(parse_scenario(SERVING))


def test_the_estimate_is_the_factor_one_and_a_slower_model_needs_more_cards(sized) -> None:  # type: ignore[no-untyped-def]
    inputs = {k: v.value for k, v in sized.inputs.items()}
    assert inputs["serving_speed_factor"] == 1
    cards = GRAPH.run({**inputs, "serving_speed_factor": np.array([0.7, 0.85, 1.0, 1.2])}, ["serving_cards"])
    n = cards["serving_cards"]
    assert all(np.diff(n) <= 0) and n[0] > n[2] == sized["serving_cards"] == 172  # slower: more cards


def test_the_range_brackets_the_estimate_and_the_sized_cluster_covers_about_half(sized) -> None:  # type: ignore[no-untyped-def]
    sr = analyse(sized).serving
    assert sr is not None and sr.cluster_cards == 176
    z = spread.Z_P90
    assert sr.speed.p10 == pytest.approx(math.exp(-z * spread.SERVING_LOG_SIGMA)) and sr.speed.p90 == pytest.approx(math.exp(z * spread.SERVING_LOG_SIGMA))
    assert sr.cards.p10 < sr.cards.point == sr.cards.p50 == 172 < sr.cards.p90
    # Cards scale about as 1/speed: P90 about ×1.27, P10 about ×0.79 (whole replicas of 2 cards).
    assert sr.cards.p90 == pytest.approx(172 * math.exp(z * spread.SERVING_LOG_SIGMA), rel=0.05)
    assert sr.cards.p10 == pytest.approx(172 * math.exp(-z * spread.SERVING_LOG_SIGMA), rel=0.05)
    assert 0.5 <= sr.chance <= 0.6  # sized to the estimate, rounded up to whole servers
    # No spread: every draw is the estimate, which the sized cluster covers.
    none = analyse(estimate(parse_scenario({**SERVING, "uncertainty": {"serving_sigma": 0}}))).serving
    assert none is not None and none.cards.p10 == none.cards.p90 == 172 and none.chance == 1


def test_the_other_ranges_did_not_move_and_training_only_has_none() -> None:
    # The speed is drawn after the other inputs: a plan's other ranges are those of its seed alone.
    r = estimate(default_scenario())
    rep = analyse(r)
    assert rep.serving is not None and rep.serving.chance == 1 and rep.serving.cluster_cards == 1000
    alone = analyse(r.model_copy(update={"scenario": r.scenario.model_copy(update={
        "uncertainty": r.scenario.uncertainty.model_copy(update={"serving_sigma": 0.5})})}))
    assert alone.percentiles == rep.percentiles
    training = estimate(parse_scenario({"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T"},
                                        "cluster": {"accelerator": "H800", "cards": 64}}))
    assert analyse(training).serving is None


def test_the_faces_give_the_serving_range(sized) -> None:  # type: ignore[no-untyped-def]
    sr = analyse(sized).serving
    assert sr is not None
    cards = f"{sr.cards.p10:,.0f} / {sr.cards.p50:,.0f} / {sr.cards.p90:,.0f}"
    run = CliRunner().invoke(app, ["estimate", "-s", "model=qwen2.5-72b", "-s", "serving.users=2000",
                                   "-s", "accelerator=H20"])
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.replace("│", " ").split())
    assert f"Range: serving cards {cards} cards (the inference model's speed ×0.78 to ×1.28); " \
           f"{sr.chance:.0%} of the draws need at most the cluster's 176" in text
    for lang, words in (("en", f"so the serving fleet needs {cards} cards (P10 / P50 / P90); {sr.chance:.0%} of "
                               "the draws fit within the cluster's 176 cards."),
                        ("zh", f"推理所需卡数因而为 {cards} 张（P10 / P50 / P90）；{sr.chance:.0%} 的抽样不超过集群的 176 张卡")):
        assert words in str(build_context(sized, lang)["uncertainty"]["text"])


def test_the_risk_register_says_how_often_the_fleet_covers_its_demand(sized) -> None:  # type: ignore[no-untyped-def]
    # A fleet sized to the estimate covers the demand in about half the draws: a Medium risk, whose
    # mitigation is the P90 cards in whole servers. A cluster that also trains and has cards to spare
    # (the default plan: 48 serving cards of 1,000) has no such risk.
    sr = analyse(sized).serving
    assert sr is not None
    # The mitigation's count is what serving.confidence 0.9 plans, the same number in both places.
    need = estimate(parse_scenario({**SERVING, "serving": {"users": 2000, "confidence": 0.9}}))["gpu_count"]
    assert need == math.ceil(172 * math.exp(spread.SERVING_LOG_SIGMA * spread.Z_P90) / 8) * 8 == 224
    for lang, risk_words, mit_words in (
            ("en", f"The 176 cards cover the serving demand in {sr.chance:.0%} of the range's draws",
             f"Plan {need:,.0f} cards ({need // 8:,.0f} servers) to cover the demand at 90% confidence"),
            ("zh", f"176 张卡在区间抽样中有 {sr.chance:.0%} 能满足推理需求", f"按 90% 的置信度满足需求需 {need:,.0f} 张卡")):
        found = [x for x in build_context(sized, lang)["risks"] if risk_words in str(x["risk"])]
        assert len(found) == 1 and found[0]["level"] == "medium"
        assert f"{sr.cards.p90:,.0f}" in str(found[0]["risk"]) and mit_words in str(found[0]["mitigation"])
    default = build_context(estimate(default_scenario()), "en")
    assert not [x for x in default["risks"] if "cover the serving demand" in str(x["risk"])]


def test_a_fleet_planned_at_0_9_holds_the_serving_cards_p90() -> None:
    # serving.confidence 0.9: the cluster holds the serving cards times e^(σ·z₀.₉) = e^(0.195 × 1.2816) = 1.284, in
    # whole replicas (172 × 1.284 = 220.8 → 222, replicas of 2 cards), then whole servers (224 H20), and the Monte
    # Carlo finds at least 90 % of its draws covered.
    r = estimate(parse_scenario({**SERVING, "serving": {"users": 2000, "confidence": 0.9}}))
    margin = math.exp(spread.SERVING_LOG_SIGMA * spread.Z_P90)
    assert r["serving_margin"] == pytest.approx(margin, rel=1e-9) and r["serving_cards"] == 172
    assert r["serving_cards_planned"] == math.ceil(172 * margin / 2) * 2 == 222
    assert r["gpu_count"] == math.ceil(172 * margin / 8) * 8 == 224
    sr = analyse(r).serving
    assert sr is not None and sr.chance >= 0.9 and sr.cluster_cards == 224
    # No range risk beyond the low one that points at a load test, and the faces say the confidence.
    ctx = build_context(r, "en")
    found = [x for x in ctx["risks"] if "cover the serving demand" in str(x["risk"])]
    assert len(found) == 1 and found[0]["level"] == "low" and "Load-test" in str(found[0]["mitigation"])
    assert {"serving_margin", "serving_cards_planned"} <= {row["key"] for row in ctx["serving_rows"]}
    # The summary says why the cluster holds more than the 172 cards the demand needs.
    assert "Planned at 90% confidence, the fleet holds the serving cards times the inference model's speed " \
           "margin: 222 cards, 224 in whole servers." in str(ctx["summary_lead"])
    assert "222 张卡，取整台服务器为 224 张" in str(build_context(r, "zh")["summary_lead"])
    run = CliRunner().invoke(app, ["estimate", "-s", "model=qwen2.5-72b", "-s", "serving.users=2000",
                                   "-s", "accelerator=H20", "-s", "serving.confidence=0.9"])
    assert run.exit_code == 0, run.output
    assert "172 cards for 2,000 concurrent users (2 per replica, BF16 weights); 222 cards planned at 90% confidence" in \
        " ".join(run.output.replace("│", " ").split())
    # At the default the estimate's cards are the plan's.
    assert estimate(parse_scenario(SERVING))["serving_cards_planned"] == 172
