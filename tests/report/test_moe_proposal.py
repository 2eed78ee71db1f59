"""The proposal of a mixture-of-experts plan shows EP (layout and network) and the expert states
(memory) — issue 15, on the committed 910B DeepSeek-V2 scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios" / "ascend-910b-2048-deepseek-v2.yaml"


@pytest.fixture(scope="module")
def result():
    return estimate(load_scenario(EXAMPLE))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_layout_network_and_memory_show_expert_parallelism(result, lang):
    ctx = build_context(result, lang)
    ep = int(result["ep"])
    assert ep > 1
    assert f"EP {ep}" in ctx["memory"]["intro"]
    kinds = [row["kind"] for row in ctx["network"]["rows"]]
    assert any(("Expert parallel" if lang == "en" else "专家并行") in str(k) for k in kinds), kinds
    details = " ".join(str(d) for d in ctx["memory"]["details"])
    assert ("Routed-expert parameters per card" if lang == "en" else "每卡路由专家参数") in details


def test_a_dense_plan_has_no_ep_row():
    from xlcompute import default_scenario

    ctx = build_context(estimate(default_scenario()), "en")
    assert not any("Expert parallel" in str(row["kind"]) for row in ctx["network"]["rows"])
    assert "EP " not in ctx["memory"]["intro"]
