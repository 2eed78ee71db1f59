"""The cross-entropy traffic of the output layer (issue 11: small dense models came out 10-30 % too
fast): core.kernels.loss_traffic_seconds, its counted constant, and its place in the step graph."""

from __future__ import annotations

import pytest

from xlcompute.core import kernels
from xlcompute.core.expr import Ref, excel_formula
from xlcompute.planner import Execution, SystemSpec, TransformerShape
from xlcompute.planner.inputs import STEP_CONSTANTS, system_values
from xlcompute.planner.steptime import STEP_GRAPH, STEP_INPUTS

# GPT-2 125M on one A100-40G: V = 50,257, s = 1,024, b = 1, HBM 1.555 TB/s (catalog).
V, S, HBM = 50_257, 1_024, 1.555e12
GPT2 = TransformerShape.gpt(layers=12, hidden=768, heads=12, vocab=V, seq_len=S)
A100_40G = SystemSpec(peak_flops=312e12, hbm_bytes=40e9, hbm_bandwidth=HBM, cards_per_node=8,
                      intra_node_bw=300e9, inter_node_bw=25e9)


def test_the_formula_against_a_hand_computed_number() -> None:
    # 48 B x 1,024 tokens x 50,257 logits = 2,470,232,064 bytes through HBM at 1.555 TB/s = 1.5886 ms
    expected = 48 * 1024 * 50257 / 1.555e12
    assert expected == pytest.approx(1.58857e-3, rel=1e-5)
    assert kernels.loss_traffic_seconds(S, V, 1, 48, HBM, 1.0) == pytest.approx(expected, rel=1e-12)
    # vocabulary-parallel: each TP rank holds V/t logits; a slower stack moves the bytes more slowly
    assert kernels.loss_traffic_seconds(S, V, 4, 48, HBM, 1.0) == pytest.approx(expected / 4, rel=1e-12)
    assert kernels.loss_traffic_seconds(S, V, 1, 48, HBM, 0.5) == pytest.approx(2 * expected, rel=1e-12)
    assert kernels.loss_traffic_seconds(S, V, 1, 0, HBM, 1.0) == 0  # a fused loss that moves nothing


def test_the_formula_renders_as_excel_text() -> None:
    f = kernels.loss_traffic_seconds(Ref("tok"), Ref("vocab"), Ref("tp"), Ref("bytes"), Ref("hbm"), Ref("sw"))
    text = excel_formula(f)
    for name in ("tok", "vocab", "tp", "bytes", "hbm", "sw"):
        assert name in text, text


def test_the_constant_is_counted_not_fitted() -> None:
    c = STEP_CONSTANTS["loss_traffic_bytes"]
    # cast bf16->fp32 6, log-softmax forward 16, zero-fill 4, log-softmax backward 16, cast back 6
    assert c.value == 48.0 == 6 + 16 + 4 + 16 + 6
    for phrase in ("counted, not fitted", "torch.amp", "2411.09009", "Korthikanti", "Megatron-LM"):
        assert phrase in c.source, phrase
    assert SystemSpec(peak_flops=1, hbm_bytes=1, hbm_bandwidth=1, cards_per_node=1, intra_node_bw=1,
                      inter_node_bw=1).loss_traffic_bytes == 48.0
    assert "loss_traffic_bytes" in STEP_INPUTS
    from xlcompute.registry import QUANTITIES
    from xlcompute.sources import CONSTANT_ZH

    assert "计数值" in CONSTANT_ZH["loss_traffic_bytes"]
    for key in ("loss_traffic_bytes", "loss_seconds", "logits_gemm_seconds", "logits_seconds"):
        assert QUANTITIES[key].en and QUANTITIES[key].zh, key


def _run(ex: Execution, keys: tuple[str, ...], sy: SystemSpec = A100_40G) -> dict[str, float]:
    from xlcompute.planner.inputs import execution_values

    out = STEP_GRAPH.run({**GPT2.values(), **system_values(sy), **execution_values(ex)}, keys)
    return {k: float(v) for k, v in out.items()}


def test_the_loss_joins_the_output_layer_on_the_last_stage() -> None:
    keys = ("loss_seconds", "logits_gemm_seconds", "logits_forward_seconds", "logits_seconds",
            "microbatch_seconds", "pp_bubble_seconds", "compute_seconds", "dp_overlap_window_seconds")
    one = _run(Execution(micro_batch=1, global_batch=1), keys)
    assert one["loss_seconds"] == pytest.approx(48 * 1024 * 50257 / 1.555e12, rel=1e-12)
    assert one["logits_seconds"] == pytest.approx(3 * one["logits_forward_seconds"] + one["loss_seconds"])
    assert one["logits_gemm_seconds"] == pytest.approx(3 * one["logits_forward_seconds"])
    # Tokens per micro-batch per card: b·s/cp; logits per card: V/t.
    cp = _run(Execution(micro_batch=4, global_batch=4, cp=2), keys)
    assert cp["loss_seconds"] == pytest.approx(2 * one["loss_seconds"], rel=1e-12)
    tp = _run(Execution(micro_batch=1, global_batch=1, tp=4), keys)
    assert tp["loss_seconds"] == pytest.approx(one["loss_seconds"] / 4, rel=1e-12)
    # The pipeline runs at the last stage's pace, the fill and drain without the output layer.
    pp = _run(Execution(micro_batch=1, global_batch=8, pp=4), keys)
    assert pp["pp_bubble_seconds"] == pytest.approx((pp["microbatch_seconds"] - pp["logits_seconds"]) * (4 - 1) / 1)
    off = _run(Execution(micro_batch=1, global_batch=8, pp=4), keys,
               A100_40G.model_copy(update={"loss_traffic_bytes": 0.0}))
    assert pp["microbatch_seconds"] - off["microbatch_seconds"] == pytest.approx(pp["loss_seconds"], rel=1e-9)
    assert pp["pp_bubble_seconds"] == pytest.approx(off["pp_bubble_seconds"], rel=1e-9)
    assert pp["compute_seconds"] - off["compute_seconds"] == pytest.approx(8 * pp["loss_seconds"], rel=1e-9)
    # The DP reduction cannot hide under the loss's backward: no gradient exists yet.
    assert pp["dp_overlap_window_seconds"] == pytest.approx(off["dp_overlap_window_seconds"], rel=1e-12)


def test_small_models_feel_it_large_models_do_not() -> None:
    """The loss traffic against the layers' GEMMs grows as V/(h²·L): a tenth of the step of GPT-2
    125M, well under 1 % of a 175B model's."""
    from xlcompute.planner import step_time

    ex = Execution(micro_batch=8, global_batch=8, flash_attention=True)
    small = step_time(GPT2, A100_40G, ex)
    small_off = step_time(GPT2, A100_40G.model_copy(update={"loss_traffic_bytes": 0.0}), ex)
    assert 0.05 < small.predicted_step_seconds / small_off.predicted_step_seconds - 1 < 0.4
    big = TransformerShape.gpt(layers=96, hidden=12288, heads=96, vocab=51200, seq_len=2048)
    ex_big = Execution(tp=8, pp=8, micro_batch=1, global_batch=64, flash_attention=True)
    on = step_time(big, A100_40G, ex_big).predicted_step_seconds
    off = step_time(big, A100_40G.model_copy(update={"loss_traffic_bytes": 0.0}), ex_big).predicted_step_seconds
    assert 0 < on / off - 1 < 0.01
