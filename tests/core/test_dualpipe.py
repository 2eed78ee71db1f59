"""DeepSeek-V3's DualPipe schedule as a layout option (issue 15 §1; [DSV3] arXiv:2412.19437 §3.2.1, Table 2):
its bubble, its two copies of the weights, its extra micro-batch in flight and the output layer's card
running the head for half the micro-batches: the formulas, the checks and the step graph."""

from __future__ import annotations

import pytest

from xlcompute.core import parallel, stages
from xlcompute.planner import Execution, SystemSpec, TransformerShape
from xlcompute.planner.inputs import execution_values, system_values
from xlcompute.planner.steptime import STEP_GRAPH, step_time

GPT2 = TransformerShape.gpt(layers=12, hidden=768, heads=12, vocab=50_257, seq_len=1_024)
A100_40G = SystemSpec(peak_flops=312e12, hbm_bytes=40e9, hbm_bandwidth=1.555e12, cards_per_node=8,
                      intra_node_bw=300e9, inter_node_bw=25e9)


def test_table_2_of_the_deepseek_v3_report() -> None:
    # (PP/2 − 1)(F&B + B − 3W) with F&B = F + B: for PP 16, a stage of 4 layers, F 1, B 2, W 1 (per layer)
    # 7 · (4 · (1 + 4 − 3) + 0) = 56, against 1F1B's (PP − 1)(F + B) = 15 · 12 = 180
    assert parallel.dualpipe_bubble_seconds(4, 1.0, 2.0, 1.0, 0.0, 16) == pytest.approx(56.0)
    assert parallel.pipeline_bubble_seconds(3.0, 4, 0.0, 16, 1) == pytest.approx(180.0)
    assert parallel.dualpipe_bubble_seconds(4, 1.0, 2.0, 1.0, 0.5, 16) == pytest.approx(7 * 8.5)  # a send per slot
    assert parallel.dualpipe_bubble_seconds(4, 1.0, 2.0, 1.0, 0.5, 2) == 0  # two stages: no bubble
    assert parallel.schedule_bubble_seconds(1, 180.0, 56.0) == 56.0
    assert parallel.schedule_bubble_seconds(0, 180.0, 56.0) == 180.0
    # the bubble as a share of the m micro-batches' time: DualPipe's own, 1F1B's (p − 1)/(v·m)
    assert parallel.bubble_share(56.0, 2.0, 120) == pytest.approx(56 / 240)
    assert parallel.pipeline_bubble(16, 120, 1, 1, 0.2) == 0.2
    assert parallel.pipeline_bubble(16, 120, 1, 0, 0.2) == pytest.approx(15 / 120)
    # parameters 2×, activations PP + 1; micro-batches in pairs, one per direction
    assert parallel.stage_copies(1) == 2 and parallel.stage_copies(0) == 1
    assert parallel.in_flight_stages(16, 1) == 17 and parallel.in_flight_stages(16, 0) == 16
    assert parallel.batch_unit(1, 16, 1, 1) == 2 and parallel.batch_unit(1, 16, 1) == 1
    # the output layer's card also holds the first stage: half the head, the two stages' mean layers
    assert parallel.head_rank_layers(3, 5, 1) == 4 and parallel.head_rank_layers(3, 5, 0) == 5
    assert parallel.head_rank_logits(0.6, 1) == pytest.approx(0.3) and parallel.head_rank_logits(0.6, 0) == 0.6
    assert parallel.rival_stage_layers(5, 4, 16, 1) == 4 and parallel.rival_stage_layers(5, 4, 2, 1) == 0
    assert parallel.rival_stage_layers(5, 4, 16, 0) == 5


@pytest.mark.parametrize(("pp", "interleave", "microbatches", "message"), [
    (3, 1, 8, "dualpipe needs an even pp of 2 or more (got pp=3)"),
    (1, 1, 8, "dualpipe needs an even pp of 2 or more (got pp=1)"),
    (4, 2, 8, "dualpipe needs interleave 1 (got 2)"),
    (4, 1, 7, "dualpipe needs an even number of micro-batches per step (got 7)"),
    (16, 1, 30, "dualpipe needs at least 2·pp = 32 micro-batches per step (got 30)"),  # deepseek-ai/DualPipe asks it
])
def test_what_dualpipe_cannot_run_is_refused(pp: int, interleave: int, microbatches: int, message: str) -> None:
    with pytest.raises(ValueError) as err:
        stages.check_dualpipe(pp, interleave, microbatches)
    assert message in str(err.value)
    stages.check_dualpipe(16, 1, 120)
    stages.check_dualpipe(16, 1, 32)


KEYS = ("weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu", "activations_per_gpu", "dp_bytes_per_step",
        "microbatch_seconds", "layer_pass_seconds", "logits_seconds", "p2p_seconds_per_microbatch", "pp_bubble_seconds",
        "layer_forward_busy_seconds", "layer_backward_busy_seconds", "layer_recompute_seconds", "gemm_forward_seconds",
        "head_stage_slowest", "slowest_stage_layers", "predicted_step_seconds", "act_stored_first_stage_layer",
        "grad_accum", "pipeline_bubble")


def _graph(ex: Execution) -> dict[str, float]:
    out = STEP_GRAPH.run({**GPT2.values(), **system_values(A100_40G), **execution_values(ex)}, KEYS)
    return {k: float(v) for k, v in out.items()}


def test_the_step_graph_with_dualpipe() -> None:
    plain = _graph(Execution(micro_batch=1, global_batch=16, pp=4, recompute="none"))
    dual = _graph(Execution(micro_batch=1, global_batch=16, pp=4, recompute="none", dualpipe=True))
    # two stages' weights, gradients and (without ZeRO) optimizer states on a card, and their gradients to reduce
    assert dual["weights_per_gpu"] == pytest.approx(2 * plain["weights_per_gpu"], rel=1e-12)
    assert dual["grads_per_gpu"] == pytest.approx(2 * plain["grads_per_gpu"], rel=1e-12)
    assert dual["dp_bytes_per_step"] == pytest.approx(2 * plain["dp_bytes_per_step"], rel=1e-12)
    assert dual["optimizer_per_gpu"] == pytest.approx(2 * plain["optimizer_per_gpu"], rel=1e-12)
    # 16 micro-batches: 5 in flight on the first card instead of 4 (3 layers each)
    assert dual["activations_per_gpu"] == pytest.approx(plain["activations_per_gpu"] * 5 / 4, rel=1e-12)
    # the output layer's card runs 3 layers and half the head per micro-batch (3 · 3 · 3 · 3 layers)
    t, logits, p2p = dual["layer_pass_seconds"], dual["logits_seconds"], dual["p2p_seconds_per_microbatch"]
    assert dual["head_stage_slowest"] == 1 and dual["slowest_stage_layers"] == 3
    assert dual["microbatch_seconds"] == pytest.approx(3 * t + logits / 2 + p2p, rel=1e-12)
    assert plain["microbatch_seconds"] == pytest.approx(3 * t + logits + p2p, rel=1e-12)
    f, w = dual["layer_forward_busy_seconds"], dual["gemm_forward_seconds"]
    b = dual["layer_backward_busy_seconds"] + dual["layer_recompute_seconds"]
    assert dual["pp_bubble_seconds"] == pytest.approx((4 / 2 - 1) * (3 * (f + 2 * b - 3 * w) + p2p), rel=1e-12)
    assert dual["pp_bubble_seconds"] < plain["pp_bubble_seconds"]
    assert dual["pipeline_bubble"] == pytest.approx(dual["pp_bubble_seconds"] / (16 * dual["microbatch_seconds"]))
    assert plain["pipeline_bubble"] == 3 / 16
    assert dual["predicted_step_seconds"] < plain["predicted_step_seconds"]


def test_step_time_checks_dualpipe() -> None:
    with pytest.raises(ValueError, match="even number of micro-batches"):
        step_time(GPT2, A100_40G, Execution(micro_batch=1, global_batch=15, pp=4, dualpipe=True))
    with pytest.raises(ValueError, match="interleave 1"):
        step_time(GPT2, A100_40G, Execution(micro_batch=1, global_batch=16, pp=4, interleave=3, dualpipe=True))


@pytest.mark.parametrize("zero_stage", [1, 2, 3])
def test_zero_shards_spread_over_both_copies(zero_stage: int) -> None:
    # each stage lives on two cards' replicas, 2·dp of them: what ZeRO shards is one share per card again, what it
    # does not shard (weights below ZeRO-3, gradients below ZeRO-2) is two
    base = Execution(micro_batch=1, global_batch=64, pp=4, dp=4, recompute="none", zero_stage=zero_stage)
    plain, dual = _graph(base), _graph(base.model_copy(update={"dualpipe": True}))
    assert dual["optimizer_per_gpu"] == pytest.approx(plain["optimizer_per_gpu"], rel=1e-12)
    grads = 1 if zero_stage >= 2 else 2
    weights = 1 if zero_stage >= 3 else 2
    assert dual["grads_per_gpu"] == pytest.approx(grads * plain["grads_per_gpu"], rel=1e-12)
    assert dual["weights_per_gpu"] == pytest.approx(weights * plain["weights_per_gpu"], rel=1e-12)
