"""A pipeline whose first and last stages hold a number of layers the scenario gives (issue 11 §2: uneven
stages as real runs use them; Megatron-LM's --decoder-first/last-pipeline-num-layers, Llama 3 405B's
7 · 8 … 8 · 7 layers on 16 stages, Dubey et al. 2024 §3.3.2): the formulas, the checks and the step graph."""

from __future__ import annotations

import pytest

from xlcompute.core import moe, parallel, stages
from xlcompute.planner import Execution, SystemSpec, TransformerShape
from xlcompute.planner.inputs import execution_values, system_values
from xlcompute.planner.steptime import STEP_GRAPH, step_time

# GPT-2 125M on A100-40G (the shape and card of tests/core/test_loss_traffic.py), 12 layers.
GPT2 = TransformerShape.gpt(layers=12, hidden=768, heads=12, vocab=50_257, seq_len=1_024)
A100_40G = SystemSpec(peak_flops=312e12, hbm_bytes=40e9, hbm_bandwidth=1.555e12, cards_per_node=8,
                      intra_node_bw=300e9, inter_node_bw=25e9)


@pytest.mark.parametrize(("layers", "pp", "first", "last", "split"), [
    (126, 16, 7, 7, (7, 8, 7)),    # Llama 3 405B (Dubey et al. 2024 §3.3.2)
    (126, 16, 0, 0, (8, 8, 8)),    # no split: ⌈126/16⌉ = 8 everywhere, as before
    (61, 16, 0, 0, (4, 4, 4)),     # DeepSeek-V3's 61 layers on 16 stages: the busiest holds ⌈61/16⌉
    (80, 5, 16, 13, (16, 17, 13)),  # 51 layers over 3 stages: 17 each
    (80, 4, 0, 17, (21, 21, 17)),   # only the last given: 63 over the 3 others
    (80, 2, 30, 0, (30, 0, 50)),    # two stages: the last takes the rest
    (80, 1, 0, 0, (80, 0, 80)),     # one stage holds every layer
])
def test_stage_layers(layers: int, pp: int, first: int, last: int, split: tuple[int, int, int]) -> None:
    assert stages.stage_split(layers, pp, first, last) == split
    assert stages.fullest_stage(layers, pp, first, last) == max(split)
    even = parallel.even_stage_layers(layers, pp, first, last)
    f, l_ = parallel.edge_stage_layers(first, even), parallel.edge_stage_layers(last, even)
    assert parallel.fullest_stage_layers(f, even, l_, pp) == max(split)
    if not (first or last):  # without a split every formula is the ⌈L/p⌉ of earlier versions
        assert f == l_ == parallel.layers_per_stage(layers, pp)


def test_the_slowest_stage() -> None:
    # Llama 3 405B: a layer 1.0 s, the output layer 0.6 s: 7 + 0.6 < 8, so a middle stage paces the pipeline
    assert parallel.head_stage_slowest(7, 8, 1.0, 0.6) == 0
    assert parallel.slowest_stage_layers(0, 7, 8) == 8 and parallel.slowest_stage_logits(0, 0.6) == 0
    # an output layer heavier than a layer: the last stage is still the slowest
    assert parallel.head_stage_slowest(7, 8, 1.0, 1.2) == 1
    assert parallel.slowest_stage_layers(1, 7, 8) == 7 and parallel.slowest_stage_logits(1, 1.2) == 1.2
    # without a split the last stage holds as many layers as any, and the head: always the slowest
    assert parallel.head_stage_slowest(8, 8, 1.0, 1e-9) == 1


@pytest.mark.parametrize(("layers", "pp", "first", "last", "message"), [
    (126, 1, 7, 0, "first_stage_layers=7 and last_stage_layers=0 need pp of 2 or more (got pp=1)"),
    (80, 2, 30, 30, "with pp=2 the two must add up to layers=80 (they add up to 60)"),
    (126, 16, 70, 50, "add up to 120 of layers=126, leaving 6 for the other 14 of pp=16 stages; each stage needs a "
                      "layer at least (allowed: first + last at most 112)"),
    (61, 16, 40, 30, "add up to 70 of layers=61, leaving 0 for the other 14 of pp=16 stages"),  # more than the model
])
def test_a_split_that_leaves_a_stage_empty_is_refused(layers: int, pp: int, first: int, last: int,
                                                      message: str) -> None:
    with pytest.raises(ValueError) as err:
        stages.check_stage_split(layers, pp, first, last)
    assert message in str(err.value)
    stages.check_stage_split(126, 16, 7, 7)  # Llama 3's split is allowed
    stages.check_stage_split(126, 1)  # no split, nothing to check


def _graph(ex: Execution, keys: tuple[str, ...]) -> dict[str, float]:
    out = STEP_GRAPH.run({**GPT2.values(), **system_values(A100_40G), **execution_values(ex)}, keys)
    return {k: float(v) for k, v in out.items()}


KEYS = ("microbatch_seconds", "layer_pass_seconds", "logits_seconds", "p2p_seconds_per_microbatch",
        "pp_bubble_seconds", "compute_seconds", "layer_forward_seconds", "layer_backward_seconds", "grad_accum",
        "head_stage_slowest", "slowest_stage_layers", "layers_per_stage", "predicted_step_seconds", "mem_per_gpu")


def test_the_step_runs_at_the_slowest_stage_of_a_split() -> None:
    even = _graph(Execution(micro_batch=1, global_batch=16, pp=4), KEYS)  # 3 layers a stage, the head on the last
    split = _graph(Execution(micro_batch=1, global_batch=16, pp=4, first_stage_layers=3, last_stage_layers=2), KEYS)
    # 12 layers: 3 · 4 · 4 · 2 (the middle two take ⌈7/2⌉ = 4)
    assert even["layers_per_stage"] == 3 and split["layers_per_stage"] == 4
    t, logits, p2p = split["layer_pass_seconds"], split["logits_seconds"], split["p2p_seconds_per_microbatch"]
    assert even["head_stage_slowest"] == 1
    # the pace is the slower of a middle stage (4 layers) and the last (2 layers and the output layer)
    assert split["microbatch_seconds"] == pytest.approx(max(2 * t + logits, 4 * t) + p2p, rel=1e-12)
    # fill and drain at the pace of the fullest stage without the output layer, (p − 1) slots
    assert split["pp_bubble_seconds"] == pytest.approx((4 * t + p2p) * 3, rel=1e-12)
    assert even["pp_bubble_seconds"] == pytest.approx((even["microbatch_seconds"] - even["logits_seconds"]) * 3)
    kernel = split["layer_forward_seconds"] + split["layer_backward_seconds"]
    layers, head = (2, logits) if 2 * t + logits >= 4 * t else (4, 0.0)
    assert split["compute_seconds"] == pytest.approx(split["grad_accum"] * (kernel * layers + head), rel=1e-12)


LLAMA70B = TransformerShape.gpt(layers=80, hidden=8192, heads=64, vocab=128_256, seq_len=8_192, ffn_hidden=28_672,
                                gated_ffn=True, kv_heads=8)
H100 = SystemSpec(peak_flops=989e12, hbm_bytes=80e9, hbm_bandwidth=3.35e12, cards_per_node=8, intra_node_bw=450e9,
                  inter_node_bw=50e9)


@pytest.mark.parametrize(("pp", "first", "last", "recompute"), [
    (3, 0, 26, "full"), (3, 0, 26, "selective"), (3, 27, 26, "full"), (4, 19, 19, "full"), (4, 21, 18, "none"),
    (5, 16, 13, "selective"), (8, 9, 9, "full"), (2, 41, 39, "full"),
])
def test_the_pace_is_the_slower_stage_whatever_its_waits(pp: int, first: int, last: int, recompute: str) -> None:
    # The stage is chosen on the whole per-layer pass (recomputation and exposed TP waits included), the time the
    # step is paced at: a split whose head stage is faster by kernels but slower by the pass is timed at its pace.
    ex = Execution(tp=8, pp=pp, micro_batch=1, global_batch=4 * pp, recompute=recompute, sequence_parallel=True,
                   first_stage_layers=first, last_stage_layers=last)
    out = {k: float(v) for k, v in STEP_GRAPH.run(
        {**LLAMA70B.values(), **system_values(H100), **execution_values(ex)},
        ("microbatch_seconds", "layer_pass_seconds", "logits_seconds", "p2p_seconds_per_microbatch")).items()}
    f, m, l_ = stages.stage_split(80, pp, first, last)
    t = out["layer_pass_seconds"]
    head, rival = l_ * t + out["logits_seconds"], max(f, m) * t
    assert out["microbatch_seconds"] == pytest.approx(max(head, rival) + out["p2p_seconds_per_microbatch"], rel=1e-12)


def test_the_later_stage_memory_follows_the_split() -> None:
    # DeepSeek-V3's 61 layers (3 dense) on 16 stages with one layer on the first and the last: 1 · 5 … 5 · 1; the
    # first stage holding only MoE layers is the third (layers 6-10), after the first (0) and the second (1-5)
    assert stages.stage_split(61, 16, 1, 1) == (1, 5, 1)
    assert moe.later_stage_index(61, 58, 5, 1, 16) == 2
    assert parallel.layers_before_stage(1, 5, 2) == 6
    assert parallel.later_stage_layers(61, 16, 2, 1, 5, 1) == 5
    assert parallel.later_stage_layers(61, 16, 15, 1, 5, 1) == 1  # the last stage holds the layer given
    # without a split the formulas are the earlier ones: min(n, L − i·n), index·n and the first MoE stage
    for layers, pp, moe_layers in ((61, 16, 58), (61, 61, 58), (80, 5, 0), (10, 2, 1), (61, 8, 58), (126, 16, 0)):
        n = parallel.layers_per_stage(layers, pp)
        for i in range(1, pp):
            assert parallel.later_stage_layers(layers, pp, i, n, n, 0) == min(n, layers - i * n)
            assert parallel.layers_before_stage(n, n, i) == i * n
        old = max(1, min(-(-(layers - moe_layers) // n), -(-layers // n) - 1)) if moe_layers else 1
        assert moe.later_stage_index(layers, moe_layers, n, n, pp) == old


def test_a_lighter_head_stage_speeds_the_step() -> None:
    # GPT-2 small's output layer (50,257 logits of 768) costs about four of its layers, so the last stage paces
    # the pipeline: taking layers off it speeds the step, putting more on it slows it.
    base = Execution(micro_batch=1, global_batch=16, pp=4)
    even = step_time(GPT2, A100_40G, base).predicted_step_seconds  # 3 · 3 · 3 · 3 and the head
    g = _graph(base, KEYS)
    assert 3 * (g["layer_forward_seconds"] + g["layer_backward_seconds"]) < g["logits_seconds"]
    for first, last, faster in ((3, 2, True), (1, 1, True), (4, 4, False)):  # 3·4·4·2, 1·5·5·1, 4·2·2·4
        split = base.model_copy(update={"first_stage_layers": first, "last_stage_layers": last})
        assert (step_time(GPT2, A100_40G, split).predicted_step_seconds < even) == faster, (first, last)


def test_step_time_checks_the_split() -> None:
    with pytest.raises(ValueError, match="each stage needs a layer at least"):
        step_time(GPT2, A100_40G, Execution(micro_batch=1, global_batch=16, pp=4, first_stage_layers=6,
                                            last_stage_layers=5))
    # interleaving counts the fullest stage's layers: 1 · 5 · 5 · 1 allows 5 virtual stages
    step_time(GPT2, A100_40G, Execution(micro_batch=1, global_batch=16, pp=4, interleave=4, first_stage_layers=1,
                                        last_stage_layers=1))
