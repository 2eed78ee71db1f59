"""The proposal's memory table of a mixture-of-experts plan shows the routed experts' states after ZeRO, not only
before it (issue 15: "memory shows expert states"; helper-107's review found 39.5 GB before ZeRO and nothing after)."""

from __future__ import annotations

import re

import pytest

from xlcompute import estimate, fmt, parse_scenario
from xlcompute.report import render_html


@pytest.fixture(scope="module")
def dsv3():  # type: ignore[no-untyped-def]
    return estimate(parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T"},
                                    "cluster": {"accelerator": "H800", "cards": 2048}}))


def test_expert_states_after_zero_by_hand(dsv3) -> None:  # type: ignore[no-untyped-def]
    # ZeRO-1 splits only the optimizer states, over the expert data-parallel group: BF16 weights (2 bytes) and FP32
    # gradients (4, the FP8 recipe) stay whole, the 8 optimizer bytes are split over EDP
    p, edp = dsv3["expert_params_per_gpu"], dsv3["edp"]
    assert dsv3["zero_stage"] == 1 and dsv3["stage_copies"] == 1
    assert dsv3["expert_states_per_gpu"] == pytest.approx(p * 2 + p * 4 + p * 8 / edp)
    assert dsv3["expert_states_per_gpu"] < dsv3["weights_per_gpu"] + dsv3["grads_per_gpu"] + dsv3["optimizer_per_gpu"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_memory_table_shows_them(dsv3, lang: str) -> None:  # type: ignore[no-untyped-def]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", render_html(dsv3, lang)))
    label = ("Expert weights, gradients and optimizer states per card after ZeRO" if lang == "en"
             else "ZeRO 后每卡专家权重、梯度与优化器状态")
    before = "Expert gradients per card before ZeRO" if lang == "en" else "ZeRO 前每卡专家梯度"
    assert label in text and before in text
    assert fmt.gb(dsv3["expert_states_per_gpu"]) in text.split(label, 1)[1][:80]


def test_a_dense_plan_keeps_its_table() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "H800", "cards": 1024}}))
    assert r["expert_states_per_gpu"] == 0
    assert "Expert weights, gradients and optimizer states per card after ZeRO" not in render_html(r, "en")
