"""The exposed-communication risk names the part of the communication that dominates, and its mitigation
follows from the plan: what the plan does not do yet, with the step-time model's own figures when the change
is one input of the graph (the same graph run again). The pipeline-bubble risk does not propose the
interleaved schedule to a plan that has it."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from xlcompute import fmt
from xlcompute._graph import GRAPH
from xlcompute.estimate import Estimate, estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.comm_risk import A2A_OVERLAP_PROPOSED, PARTS, largest_part
from xlcompute.scenario import default_scenario, parse_scenario

CASES: dict[str, dict[str, Any]] = {
    "qwen3-235b-h800": {"model": {"preset": "qwen3-235b-a22b"}, "training": {"tokens": "1T"},
                        "cluster": {"accelerator": "H800", "cards": 512}},
    "qwen3-235b-h800-overlapped": {"model": {"preset": "qwen3-235b-a22b"},
                                   "training": {"tokens": "1T", "a2a_overlap": A2A_OVERLAP_PROPOSED},
                                   "cluster": {"accelerator": "H800", "cards": 512}},
    # the dense default budget (1,024 tokens per card), which small steps of this case need
    "qwen3-30b-10k": {"model": {"preset": "qwen3-30b-a3b"}, "training": {"tokens": "1T", "batch_tokens": 10_240_000},
                      "cluster": {"accelerator": "H800", "cards": 10000}},
    # 1,024 H800 on a 100 Gbit/s scale-out network, TP 2 and no pipeline: the gradient reduction has only the
    # last backward to hide under (qwen3-30b-10k's hides under its interleaved schedule since 2026-12-05)
    "llama3-8b-dp": {"model": {"preset": "llama3-8b"}, "training": {"tokens": "1T", "batch_tokens": 4_194_304,
                                                                    "tp": 2, "pp": 1},
                     "cluster": {"accelerator": "H800", "cards": 1024, "inter_node_gbps": 100}},
    "gpt3-l40s": {"model": {"preset": "gpt3-175b"}, "training": {"tokens": "1T"},
                  "cluster": {"accelerator": "L40S", "cards": 512}},
}


@cache
def _estimate(name: str) -> Estimate:
    if name in CASES:
        return estimate(parse_scenario(CASES[name]))
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    if name == "tp16":  # the default plan's Llama-2-70B on TP 16 × PP 4
        data["training"] = {**data["training"], "tp": 16, "pp": 4}
    return estimate(parse_scenario(data))


def _risk(name: str, lang: str, words: tuple[str, ...]) -> tuple[str, str]:
    rows = [row for row in build_context(_estimate(name), lang)["risks"] if any(w in str(row["risk"]) for w in words)]
    assert len(rows) == 1, rows
    return str(rows[0]["risk"]), str(rows[0]["mitigation"])


def _comm(name: str, lang: str = "en") -> tuple[str, str]:
    return _risk(name, lang, ("Exposed communication", "未被掩盖的通信"))


def _rerun(r: Estimate, key: str, value: float) -> dict[str, float]:
    inputs = {k: v.value for k, v in r.inputs.items()}
    out = GRAPH.run({**inputs, key: value}, ["predicted_step_seconds", "predicted_mfu"])
    return {k: float(out[k]) for k in ("predicted_step_seconds", "predicted_mfu")}


@pytest.mark.parametrize("name", ["default", "tp16", *CASES])
def test_the_parts_add_up_to_the_exposed_communication(name: str) -> None:
    r = _estimate(name)
    assert sum(r[figure] for _, figure in PARTS) == pytest.approx(r["comm_exposed_seconds"], rel=1e-9)


def test_tensor_parallel_all_reduce_names_the_overlap_the_plan_leaves_off() -> None:
    r = _estimate("default")  # Llama-2-70B, TP 8 × PP 5 on 1,000 H800: 1.715 s of 1.944 s exposed is TP
    assert largest_part(r)[0] == "tp" and r["tp_overlap"] == 0 and r["tp_in_node"] == 1
    alt = _rerun(r, "tp_overlap", 1.0)
    assert alt["predicted_step_seconds"] < 0.85 * r["predicted_step_seconds"]  # 7.105 s -> 5.713 s
    risk, mitigation = _comm("default")
    assert f"most of it is tensor-parallel all-reduce ({r['tp_comm_exposed_seconds']:.3f} s)" in risk
    assert (f"the step-time model then predicts {alt['predicted_step_seconds']:.3f} s per step and "
            f"{fmt.percent(alt['predicted_mfu'])} MFU instead of {r['predicted_step_seconds']:.3f} s and "
            f"{fmt.percent(r['predicted_mfu'])}") in mitigation
    assert f"The predicted MFU of {fmt.percent(r['predicted_mfu'])} counts it" in risk
    # TP all-reduce runs on the server's link: that is what the pilot confirms, not the scale-out network.
    assert "training.tp_overlap: true" in mitigation and "Confirm the server's link (200.0 GB/s per card)" in mitigation
    assert "Overlap gradient all-reduce" not in mitigation  # the plan overlaps it already (dp_overlap 1)
    risk_zh, mitigation_zh = _comm("default", "zh")
    assert "其中大部分是张量并行 all-reduce" in risk_zh and "--tp-comm-overlap" in mitigation_zh
    assert f"{alt['predicted_step_seconds']:.3f} 秒" in mitigation_zh


def test_the_expert_all_to_all_names_the_overlap_unless_the_plan_has_it() -> None:
    r = _estimate("qwen3-235b-h800")
    assert largest_part(r)[0] == "ep" and r["a2a_overlap"] == 0
    alt = _rerun(r, "a2a_overlap", A2A_OVERLAP_PROPOSED)
    _, mitigation = _comm("qwen3-235b-h800")
    assert f"training.a2a_overlap: {A2A_OVERLAP_PROPOSED}" in mitigation
    assert f"predicts {alt['predicted_step_seconds']:.3f} s per step" in mitigation
    r2 = _estimate("qwen3-235b-h800-overlapped")
    assert largest_part(r2)[0] == "ep" and r2["a2a_overlap"] == A2A_OVERLAP_PROPOSED
    _, mitigation2 = _comm("qwen3-235b-h800-overlapped")
    assert "a2a_overlap" not in mitigation2 and "Keep expert parallelism inside a server" in mitigation2


def test_gradient_reduction_and_tensor_parallel_across_servers() -> None:
    risk, mitigation = _comm("llama3-8b-dp")
    assert "most of it is the data-parallel gradient reduction" in risk
    assert "a larger global batch" in mitigation and "Confirm the scale-out network (100 Gbit/s per card)" in mitigation
    r = _estimate("tp16")  # TP 16 on 8-card H800 servers: every all-reduce crosses the scale-out network
    assert largest_part(r)[0] == "tp" and r["tp_in_node"] == 0
    _, mitigation = _comm("tp16")
    assert "Keep tensor parallelism inside a server (8 cards)" in mitigation
    # TP 6 on 8-card L40S servers spans two servers too, but PCIe (32 GB/s) is slower than the
    # scale-out network (400 Gbit/s): the server is no faster place, so the overlap is proposed.
    r = _estimate("gpt3-l40s")
    assert largest_part(r)[0] == "tp" and r["tp_in_node"] == 0
    _, mitigation = _comm("gpt3-l40s")
    assert "inside a server" not in mitigation and "--tp-comm-overlap" in mitigation


def test_the_bubble_mitigation_knows_the_schedule_is_interleaved() -> None:
    r = _estimate("qwen3-30b-10k")
    assert r["interleave"] == 8
    risk, mitigation = _risk("qwen3-30b-10k", "en", ("pipeline bubble",))
    assert "6 stages of 8 interleaved chunks per card" in risk
    assert "interleaved already" in mitigation and "Use the interleaved 1F1B schedule" not in mitigation
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["training"] = {**data["training"], "global_batch": 400}  # 16 micro-batches on 5 stages: 25 % bubble
    plain = estimate(parse_scenario(data))
    rows = [row for row in build_context(plain, "en")["risks"] if "pipeline bubble" in str(row["risk"])]
    assert plain["interleave"] == 1 and "Use the interleaved 1F1B schedule" in str(rows[0]["mitigation"])


def test_a_scenario_that_overlaps_tp_gets_the_step_the_mitigation_quoted() -> None:
    """training.tp_overlap: the default plan with it predicts the step the mitigation quoted, and its own
    mitigation no longer proposes the overlap; the planner searches overlapped layouts only."""
    r = _estimate("default")
    alt = _rerun(r, "tp_overlap", 1.0)
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["training"] = {**data["training"], "tp_overlap": True}
    # the quote keeps the plan's schedule; left open, the planner may pick a faster one with the overlap
    free = estimate(parse_scenario(data))
    on = estimate(parse_scenario({**data, "training": {**data["training"], "interleave": int(r["interleave"])}}))
    assert on["tp_overlap"] == 1 and on.inputs["tp_overlap"].source == "scenario: training.tp_overlap"
    assert on["predicted_step_seconds"] == pytest.approx(alt["predicted_step_seconds"], rel=1e-12)
    assert free["predicted_step_seconds"] <= on["predicted_step_seconds"]
    rows = [row for row in build_context(on, "en")["risks"] if "Exposed communication" in str(row["risk"])]
    assert all("--tp-comm-overlap" not in str(row["mitigation"]) for row in rows)
    planned = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "tp_overlap": True},
                                       "cluster": {"accelerator": "H800", "cards": 1000}}))
    assert planned.plan is not None and all(row.execution.tp_overlap for row in planned.plan.best)
    assert planned["tp_overlap"] == 1
