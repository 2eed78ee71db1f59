"""Where the plan's days rest on an assumed MFU the step-time model contradicts, the recommendation says so
before its verdict: the days at the predicted MFU (the MFU-gap risk's figures) and whether the verdict on owning
and renting holds at that MFU (the graph run again with the predicted MFU)."""

from __future__ import annotations

from xlcompute import fmt
from xlcompute._graph import GRAPH
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import default_scenario, parse_scenario


def test_the_default_plan_says_its_days_rest_on_the_assumption() -> None:
    r = estimate(default_scenario())
    rec = str(build_context(r, "en")["recommendation"])
    assert rec.startswith("The 26.7 days rest on the assumed MFU of 40.0%; the step-time model predicts 25.4% for "
                          "this layout, 42.0 days, and the same verdict on owning and renting.")
    assert f"{r['train_days_predicted_mfu']:.1f} days" in rec  # the MFU-gap risk's days
    assert str(build_context(r, "zh")["recommendation"]).startswith("26.7 天基于假设的 MFU 40.0%")


def test_a_verdict_that_flips_at_the_predicted_mfu_is_named() -> None:
    """At ¥270 per rented card-hour renting wins at the assumed 40 %; at the predicted 26.0 % the same work takes
    1.5 times the card-hours and owning wins, by the present values of that run (it flips from ¥250 to ¥300)."""
    s = default_scenario()
    r = estimate(s.model_copy(update={"pricing": s.pricing.model_copy(update={"price_per_card_hour": 270})}))
    at = GRAPH.run({**{k: v.value for k, v in r.inputs.items()}, "mfu_assumed": 0}, ["own_cheaper", "npv_own",
                                                                                     "npv_rent"])
    assert r["own_cheaper"] == 0 and at["own_cheaper"] == 1
    rec = str(build_context(r, "en")["recommendation"])
    assert (f"at which owning is cheaper than renting ({fmt.money(at['npv_own'], 'CNY')} against "
            f"{fmt.money(at['npv_rent'], 'CNY')})") in rec


def test_no_caveat_without_an_assumed_mfu_or_within_the_model_s_error() -> None:
    predicted = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                         "cluster": {"accelerator": "H800", "cards": 1000}}))
    assert "rest on the assumed MFU" not in str(build_context(predicted, "en")["recommendation"])
    near = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                    "cluster": {"accelerator": "H800", "cards": 1000},
                                    "assumptions": {"mfu": round(predicted["predicted_mfu"] * 1.05, 4)}}))
    assert abs(near["mfu_assumed"] / near["predicted_mfu"] - 1) <= 0.10  # within the risk's Medium threshold
    assert "rest on the assumed MFU" not in str(build_context(near, "en")["recommendation"])
