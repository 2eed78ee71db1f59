"""Per-expert kernels in serving (core.inference [MARLINMOE]): which runtimes launch them, what the model
charges for them, their fit on serving_runs_21.yaml's GPTQ-INT4 MoE rows (post hoc) and that no other row
moves."""

from __future__ import annotations

from typing import Any

import pytest

from xlcompute import catalog
from xlcompute.serving_model import (
    EXPERT_GEMMS, FITTED, PRECISIONS, expert_loop_per_layer, model_shape, replica_figures,
)
from xlcompute.serving_validation import (
    SERVING_SETS, ServingRun, card_of, expert_loop_fit_rows, expert_loop_miss_pct, fit_expert_loop,
    load_serving_runs, predict_run, unpredictable_reason,
)


def _run(name: str, version: str, runtime: str = "") -> ServingRun:
    return ServingRun.model_validate({
        "id": "x", "source": "S", "role": "held_out", "status": "included", "model": "qwen3-30b-a3b",
        "accelerator": "H20", "gpus": 1, "layout": {"tp": 1}, "precision": {"weights": "int4-g128"},
        "scenario": "static_batch", "request": {"input_tokens": 1, "output_tokens": 2048}, "batch": 1,
        "measured": {"t": 1.0}, "metrics": {"tpot": "t"},
        "framework": {"name": name, "version": version, "runtime": runtime}})


@pytest.mark.parametrize(("name", "version", "expected"), [
    ("vllm", "0.6.0", False),          # before the Marlin MoE (PR #8217)
    ("vllm", "0.6.1", True),
    ("vllm", "v0.6.3.post1", True),
    ("vllm", "0.7.2", True),
    ("vllm", "0.7.3", False),          # many-expert models on one moe_wna16 kernel (PR #13236)
    ("vllm", "0.8.5", False),          # the Marlin MoE replaced (PR #14447)
    ("vllm", "main @ 2025-01-10 (abc1234)", False),  # no release number: the model's default
    ("sglang", "0.4.6.post1", True),   # with vLLM 0.7.2's GPTQ-Marlin MoE (the Qwen3 speed benchmark)
    ("sglang", "0.4.3", True),
    ("sglang", "0.4.7", False),
    ("lmdeploy", "0.6.0", False),
    ("tensorrt-llm", "0.7.1", False),
])
def test_which_runtimes_launch_one_kernel_per_expert(name: str, version: str, expected: bool) -> None:
    assert _run(name, version).per_expert_kernels is expected


def _figures(model: str, weights: str, expert_loop: bool, tp: int = 1) -> Any:
    shape = model_shape(catalog.get_model(model).arch)
    return replica_figures(shape, card_of("H20"), PRECISIONS[weights], tp, 1, 1.0, 2048.0, FITTED, cap_batch=False,
                           expert_loop=expert_loop)


def test_the_decode_step_pays_two_kernels_per_expert_and_moe_layer() -> None:
    arch = catalog.get_model("qwen3-30b-a3b").arch
    with_loop = _figures("qwen3-30b-a3b", "int4-g128", True)
    without = _figures("qwen3-30b-a3b", "int4-g128", False)
    added = arch.layers * arch.experts * EXPERT_GEMMS * FITTED.expert_kernel_s  # 48 x 128 x 2 x 2.45 µs
    assert with_loop.decode_step_s - without.decode_step_s == pytest.approx(added)
    assert added == pytest.approx(30.1e-3, abs=0.05e-3)
    # tensor parallelism splits each expert: every card still launches all 128 experts' kernels
    tp4 = _figures("qwen3-235b-a22b", "int4-g128", True, tp=4).decode_step_s
    tp4_without = _figures("qwen3-235b-a22b", "int4-g128", False, tp=4).decode_step_s
    assert tp4 - tp4_without == pytest.approx(94 * 128 * 2 * FITTED.expert_kernel_s)


def test_only_weight_only_quantised_moe_models_pay_it() -> None:
    for model, weights in (("qwen3-30b-a3b", "bf16"), ("qwen3-30b-a3b", "fp8"), ("qwen3-32b", "int4-g128")):
        assert _figures(model, weights, True).decode_step_s == _figures(model, weights, False).decode_step_s
    # a model with dense layers pays it on its MoE layers only (DeepSeek-V2: 59 of 60)
    shape = model_shape(catalog.get_model("deepseek-v2").arch)
    per_layer = expert_loop_per_layer(shape, PRECISIONS["int4-g128"], FITTED, True)
    assert shape.moe_layers == 59 and per_layer * shape.layers == pytest.approx(
        59 * 160 * 2 * FITTED.expert_kernel_s)
    assert expert_loop_per_layer(shape, PRECISIONS["int4-g128"], FITTED, False) == 0.0


def test_kernel_time_is_fitted_on_the_gptq_moe_rows_of_serving_runs_21() -> None:
    rows = expert_loop_fit_rows()
    assert len(rows) == 12 and {r.model for r in rows} == {"qwen3-30b-a3b", "qwen3-235b-a22b"}
    assert {r.precision["weights"] for r in rows} == {"int4-g128"} and all(r.per_expert_kernels for r in rows)
    t, err, n = fit_expert_loop()
    assert (t, n) == (FITTED.expert_kernel_s, 12) == (2.45e-6, 12)
    assert err == pytest.approx(4.5, abs=0.05)
    assert expert_loop_miss_pct() == pytest.approx(73.4, abs=0.05)  # seen before the fit: post hoc


def test_no_row_outside_the_fit_rows_moves() -> None:
    fitted = {r.id for r in expert_loop_fit_rows()}
    no_loop = FITTED.model_copy(update={"expert_kernel_s": 0.0})
    moved = []
    for path in SERVING_SETS:
        for r in load_serving_runs(path):
            if r.id in fitted or unpredictable_reason(r) is not None:
                continue
            if predict_run(r, FITTED) != predict_run(r, no_loop):
                moved.append(r.id)
    assert moved == []
