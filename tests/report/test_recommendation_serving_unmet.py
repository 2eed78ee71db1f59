"""A serving plan no replica of the card can serve within its latency targets is not recommended as if it did:
the recommendation opens with the High risk's figures and says no number of cards meets the targets; the fleet
sized is the fastest replicas for the demand, priced for reference."""

from __future__ import annotations

from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import parse_scenario

SERVE = {"model": {"preset": "qwen2.5-72b"}, "serving": {"users": 500}, "cluster": {"accelerator": "H20"}}


def test_unmeetable_targets_open_the_recommendation() -> None:
    r = estimate(parse_scenario({**SERVE, "serving": {"users": 500, "tpot_s": 0.005}}))
    assert r["tpot"] > r["tpot_target_s"]
    ctx = build_context(r, "en")
    rec = str(ctx["recommendation"])
    assert rec.startswith("No serving replica of NVIDIA H20 96GB meets the latency targets (2.000 s to the first "
                          "token, 0.005 s per output token; the fastest gives")
    assert f"the fastest gives {r['ttft']:.3f} s and {r['tpot']:.3f} s" in rec  # the High risk's figures
    assert any(f"the fastest gives {r['ttft']:.3f} s and {r['tpot']:.3f} s" in str(x["risk"]) for x in ctx["risks"])
    assert str(build_context(r, "zh")["recommendation"]).startswith("NVIDIA H20 96GB 的推理副本均达不到时延目标")


def test_met_targets_leave_the_recommendation_as_it_was() -> None:
    r = estimate(parse_scenario(SERVE))
    assert r["tpot"] <= r["tpot_target_s"] and r["ttft"] <= r["ttft_target_s"]
    assert "latency targets" not in str(build_context(r, "en")["recommendation"])
