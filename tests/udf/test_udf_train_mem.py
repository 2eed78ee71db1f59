"""TRAIN_MEM_PER_GPU is the estimate's memory per card (the memory phase of the step-time graph):
weights, gradients, optimizer states, activations of the first stage and framework buffers."""

from __future__ import annotations

from typing import Any

import pytest

from xlcompute import estimate, parse_scenario
from xlcompute._graph import GRAPH
from xlcompute.core import comm, memory
from xlcompute.estimate import resolve
from xlcompute.planner.inputs import STEP_CONSTANTS
from xlcompute.udf import ACTIVATION_MEM, TRAIN_MEM_PER_GPU, ZERO_MEM

MODES = {"none": 0, "selective": "selective", "full": "full"}


def fixed(model: dict[str, Any], cards: int, tp: int, pp: int, **training: Any):  # type: ignore[no-untyped-def]
    """A fixed-layout scenario on H800 (MFU given, so no layout search)."""
    return parse_scenario({
        "model": model,
        "training": {"tokens": "2T", "tp": tp, "pp": pp, **training},
        "cluster": {"accelerator": "H800", "cards": cards},
        "assumptions": {"mfu": 0.4},
    })


CASES = [  # (preset, cards, tp, pp, training options)
    ("llama2-70b", 1024, 8, 4, {}),  # the scenario defaults: selective, SP, flash, ZeRO-1, micro 1
    ("llama2-70b", 1024, 8, 4, {"recompute": "full", "attention": "unfused", "zero_stage": 3}),
    ("llama2-70b", 256, 4, 8, {"micro_batch": 2, "global_batch": 512, "sequence_parallel": False,
                               "recompute": "none", "attention": "unfused", "zero_stage": 0}),
    ("llama3.1-8b", 64, 2, 1, {"seq_len": 8192, "zero_stage": 2}),  # one stage: the logits too
    ("qwen2-72b", 640, 8, 5, {"global_batch": 640}),  # 80 layers on 5 stages
    ("llama3.1-405b", 2048, 8, 16, {"recompute": "full", "seq_len": 8192, "global_batch": 2048}),  # 126 layers
    ("mixtral-8x7b", 64, 8, 2, {}),  # MoE with a given MFU: all experts on every card, as the estimate
    ("llama2-70b", 1000, 2, 10, {"interleave": 8, "global_batch": 1000, "recompute": "none"}),  # interleaved
    ("mixtral-8x7b", 64, 2, 2, {"ep": 4}),  # experts over EP 4, each split by expert TP = TP (the default)
    ("mixtral-8x7b", 64, 2, 2, {"ep": 8, "expert_tp": 1}),
    ("deepseek-v3", 512, 2, 4, {"ep": 64, "expert_tp": 1, "global_batch": 1024}),  # FP8: its optimizer bytes
]


@pytest.mark.parametrize(("model", "cards", "tp", "pp", "options"), CASES)
def test_equals_the_estimates_memory_per_card(model: str, cards: int, tp: int, pp: int,
                                              options: dict[str, Any]) -> None:
    s = fixed({"preset": model}, cards, tp, pp, **options)
    r = estimate(s)
    t = s.training
    got = TRAIN_MEM_PER_GPU(
        model, t.seq_len, t.micro_batch, tp, pp, s.dp, t.zero_stage, None, None, None,
        MODES[t.recompute], t.sequence_parallel, int(r["global_batch"]) // (t.micro_batch * s.dp), t.attention == "flash",
        int(r["interleave"]),  # the scenario's, or the planner's schedule for a layout that leaves it open
        t.ep, t.expert_tp,
    )
    assert got == pytest.approx(r["mem_per_gpu_gb"], rel=1e-12)
    # What it holds: the five terms the estimate reports.
    parts = ("weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu", "activations_per_gpu", "buffers_per_gpu")
    assert got * 1e9 == pytest.approx(sum(r[k] for k in parts), rel=1e-12)


def test_the_planned_deepseek_v3_layout_equals_the_estimate() -> None:
    """The layout the planner picks (EP 128, expert TP 1, FP8 training) typed into the function: the estimate's
    75.8 GB per card, where without ep the experts split over TP alone would not fit (helper-105's review)."""
    s = parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T"},
                        "cluster": {"accelerator": "H800", "cards": 2048}})
    r = estimate(s)
    assert r.plan is not None
    ex = r.plan.best[0].execution
    assert (ex.tp, ex.pp, ex.dp, ex.ep, ex.expert_tp, ex.interleave) == (2, 2, 512, 128, 1, 8)
    got = TRAIN_MEM_PER_GPU("deepseek-v3", 4096, ex.micro_batch, ex.tp, ex.pp, ex.dp, ex.zero_stage, None, None, None,
                            "selective", 1, ex.global_batch // (ex.micro_batch * ex.dp), 1, ex.interleave, ex.ep,
                            ex.expert_tp)
    assert got == pytest.approx(r["mem_per_gpu_gb"], rel=1e-12) and got == pytest.approx(75.76, abs=0.01)
    assert TRAIN_MEM_PER_GPU("deepseek-v3", 4096, 1, 2, 2, 512, 1, interleave=8) > 700  # no EP: all experts


def test_the_910b_deepseek_v2_example_with_its_recomputed_layers_equals_the_estimate() -> None:
    """The example plans 2 layers of each stage recomputed in full, at BF16 on the 910B (no FP8 peak): with
    recompute_layers and precision the function gives the estimate's 62.48 GB (65.44 GB without them, which FITS_GPU
    would refuse on 64 GB; helper-107's review)."""
    from pathlib import Path

    from xlcompute.scenario import load_scenario

    path = Path(__file__).parents[2] / "workbooks" / "scenarios" / "ascend-910b-2048-deepseek-v2.yaml"
    r = estimate(load_scenario(path))
    assert r.plan is not None
    ex = r.plan.best[0].execution
    assert ex.recompute_layers > 0 and r["precision_peak_ratio"] == 1
    got = TRAIN_MEM_PER_GPU("deepseek-v2", 4096, ex.micro_batch, ex.tp, ex.pp, ex.dp, ex.zero_stage, None, None, None,
                            ex.recompute, 1, ex.global_batch // (ex.micro_batch * ex.dp), 1, ex.interleave, ex.ep,
                            ex.expert_tp, ex.recompute_layers, "bf16")
    assert got == pytest.approx(r["mem_per_gpu_gb"], rel=1e-12)
    # A DeepSeek-V3 layout at BF16 (a card without FP8) against FP8's recipe: FP8 keeps FP32 gradients (+2 bytes for
    # each of the card's 9.5B parameters, +19.1 GB) and its expert activations in FP8, BF16 four more optimizer bytes
    # (sharded over 512 cards by ZeRO-1): here the gradients outweigh the rest (90.56 against 87.77 GB)
    fp8 = TRAIN_MEM_PER_GPU("deepseek-v3", 4096, 1, 2, 2, 512, 1, interleave=8, ep=64, expert_tp=1, microbatches=30)
    bf16 = TRAIN_MEM_PER_GPU("deepseek-v3", 4096, 1, 2, 2, 512, 1, interleave=8, ep=64, expert_tp=1, microbatches=30,
                             precision="bf16")
    assert fp8 == pytest.approx(90.56, abs=0.01) and bf16 == pytest.approx(87.77, abs=0.01)


@pytest.mark.parametrize(("args", "part"), [
    (("llama2-70b", 4096, 1, 8, 4, 32, 1), {"ep": 2}),
    (("mixtral-8x7b", 4096, 1, 2, 2, 16, 1), {"ep": 3}),
    (("mixtral-8x7b", 4096, 1, 2, 2, 16, 1), {"ep": 8, "expert_tp": 8}),
])
def test_bad_expert_layouts(args: tuple[Any, ...], part: dict[str, int]) -> None:
    got = TRAIN_MEM_PER_GPU(*args, **part)
    assert isinstance(got, str) and got.startswith("#VALUE!")
    assert {"ep": "a mixture-of-experts model", "ep3": "must divide the 8 routed experts",
            "etp": "must divide tp × dp (2 × 16)"}["etp" if "expert_tp" in part else "ep3" if part["ep"] == 3
                                                    else "ep"] in got


def test_empty_options_are_the_scenario_defaults() -> None:
    r = estimate(fixed({"preset": "llama2-70b"}, 1024, 8, 4))
    # microbatches left empty is pp (4), the scenario's global batch 1024 is 32 per pipeline
    assert TRAIN_MEM_PER_GPU("llama2-70b", 4096, 1, 8, 4, 32, 1, None, None, None, None, None, 32) == pytest.approx(
        r["mem_per_gpu_gb"], rel=1e-12)
    # with flash attention selective recomputation stores what none does (no s×s scores to drop)
    assert TRAIN_MEM_PER_GPU("llama2-70b", 4096, 1, 8, 4, 32, 1, None, None, None, 0) == TRAIN_MEM_PER_GPU(
        "llama2-70b", 4096, 1, 8, 4, 32, 1)


def test_a_parameter_count_with_the_gpt_shape_equals_a_custom_architecture() -> None:
    # The estimate's inputs for a custom GPT-shaped architecture without embeddings (vocab 0),
    # through the estimate's own resolve and graph. (estimate() itself stops at the output layer's
    # timing when vocab is 0, a step the memory figure does not read.)
    arch = {"layers": 80, "hidden": 8192, "heads": 64, "ffn_hidden": 4 * 8192, "gated_ffn": False, "vocab": 0}
    s = fixed({"arch": arch, "params": 70e9}, 1024, 8, 4, recompute="full", zero_stage=1)
    inputs = {k: v.value for k, v in resolve(s).inputs.items()}
    want = GRAPH.run(inputs, ["mem_per_gpu_gb"])["mem_per_gpu_gb"]
    got = TRAIN_MEM_PER_GPU("70B", 4096, 1, 8, 4, 32, 1, 80, 8192, 64, "full", 1, 32)
    assert got == pytest.approx(want, rel=1e-12)


def test_gpt_shape_without_recompute_is_zero_states_plus_korthikanti_plus_buffers() -> None:
    # No embeddings, unfused attention, no recomputation: the refined per-card forms reduce to the
    # seed/ZeRO states of P/(tp·pp) over dp, Korthikanti et al.'s Table 2 activations of the first
    # stage (ACTIVATION_MEM for L/p layers × min(p, m) micro-batches) and the framework's buffers.
    p, layers, hidden, heads, s, tp, pp, dp, m = 70e9, 80, 8192, 64, 4096, 8, 4, 32, 16
    got = TRAIN_MEM_PER_GPU(p, s, 1, tp, pp, dp, 1, layers, hidden, heads, 0, 1, m, 0)
    states = ZERO_MEM(p / (tp * pp), 1, dp)
    activations = ACTIVATION_MEM(layers // pp * min(pp, m), hidden, heads, s, 1, tp, 1, 0)
    buffers = memory.framework_buffers(
        STEP_CONSTANTS["framework_reserve_gb"].value * 1e9, comm.activation_message_bytes(s, 1, hidden),
        p / layers, tp, 2, 1) / 1e9
    assert got == pytest.approx(states + activations + buffers, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "parts"),
    [
        (("llama2-70b", 4096, 1, 8, 4, 32, 1, 80),
         ["layers, hidden and heads must be empty", "llama2-70b", "layers=80"]),
        (("70B", 4096, 1, 8, 4, 32, 1, 80, 8192), ["heads is empty", "layers, hidden and heads"]),
        (("70B", 4096, 1, 8, 4, 32, 1), ["layers and hidden and heads are empty"]),
        (("70B", 4096, 1, 3, 4, 32, 1, 80, 8192, 64), ["tp=3 must divide heads=64"]),
        (("llama2-70b", 4096, 1, 3, 4, 32, 1), ["tp=3 must divide heads=64"]),
        (("llama2-70b", 4096, 1, 8, 81, 32, 1), ["pp=81 must be at most layers=80"]),
        (("7B", 2048, 1, 1, 1, 8, 1, 32, 4100, 32), ["heads=32 must divide hidden=4100"]),
        (("llama2-70b", 4096, 1.5, 8, 4, 32, 1), ["micro_batch must be a whole number"]),
        (("llama2-70b", 4096, 1, 8, 4, 32, 4), ["zero_stage must be one of 0, 1, 2, 3"]),
        (("llama2-70b", 4096, 1, 8, 4, 32, 1, None, None, None, "partial"), ["recompute", '"partial"']),
        (("llama2-70b", 4096, 1, 8, 4, 32, 1, None, None, None, None, None, None, 2), ["flash must be 0 or 1"]),
        (("gpt-5", 4096, 1, 8, 4, 32, 1), ["params must be a parameter count", "'gpt-5'"]),
        (("llama2-70b", 4096, 1, 8, 4, 32, 1, None, None, None, None, None, None, None, 21),
         ["interleave=21 must be at most the 20 layers on the busiest of pp=4 stages of layers=80"]),
    ],
)
def test_bad_arguments(args: tuple[Any, ...], parts: list[str]) -> None:
    text = TRAIN_MEM_PER_GPU(*args)
    assert isinstance(text, str) and text.startswith("#VALUE! "), text
    for part in parts:
        assert part in text, (part, text)
