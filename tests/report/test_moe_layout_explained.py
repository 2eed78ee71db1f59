"""Issue 15: "the layout the planner picks is explained in the PDF". A MoE plan's compute section says why its
layout splits the experts as it does, in the plan's own figures (helper-107's review found the top layouts all
EP 64 and no sentence on why); a dense plan has no such paragraph."""

from __future__ import annotations

import math

from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import parse_scenario


def test_a_moe_plan_explains_its_expert_parallel_layout() -> None:
    r = estimate(parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T"},
                                 "cluster": {"accelerator": "H800", "cards": 2048}}))
    assert r.plan is not None
    best, ex = r.plan.best[0].result, r.plan.best[0].execution
    en, zh = (str(build_context(r, lang)["plan"]["ep_note"]) for lang in ("en", "zh"))
    per_card = 256 / ex.ep
    assert f"Expert parallelism (EP {ex.ep}): each card holds {per_card:g} of the 256 routed experts" in en
    servers = math.ceil(r["ep_group_cards"] / r["cards_per_node"])
    assert f"across {servers} servers" in en and f"{best.ep_seconds_per_step:.2f} s per step" in en
    assert "90.0% of it assumed hidden" in en and f"({best.ep_comm_exposed_seconds:.2f} s exposed" in en
    assert f"专家并行（EP {ex.ep}）" in zh and f"跨 {servers} 台服务器" in zh


def test_a_dense_plan_has_no_expert_paragraph() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "H800", "cards": 1000}}))
    assert r.plan is not None
    plan = build_context(r, "en")["plan"]
    assert plan["uses"] and plan["ep_note"] is None
