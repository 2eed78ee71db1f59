"""Tests of the step-time model (xlcompute.planner.steptime): its behaviour on published shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xlcompute.core import compute
from xlcompute.planner import (
    RESULT_KEYS,
    Execution,
    LayoutBatch,
    SearchOptions,
    SystemSpec,
    TransformerShape,
    step_time,
    step_time_batch,
)
from xlcompute.planner.search import enumerate_layouts
from xlcompute.planner.validation import megatron_hardware_flops

A100 = SystemSpec(
    peak_flops=312e12,
    hbm_bytes=85.9e9,
    hbm_bandwidth=2.039e12,
    cards_per_node=8,
    intra_node_bw=300e9,
    inter_node_bw=25e9,
    offload_bytes=512e9,
    offload_bw=50e9,
)
GPT_175B = TransformerShape.gpt(layers=96, hidden=12288, heads=96, vocab=51200, seq_len=2048)
GPT_13B = TransformerShape.gpt(layers=40, hidden=5120, heads=40, vocab=51200, seq_len=2048)
GPT_1T = TransformerShape.gpt(layers=128, hidden=25600, heads=160, vocab=51200, seq_len=2048)


def _batch_of(ex: Execution) -> LayoutBatch:
    return LayoutBatch.from_executions([ex])


# ---- memory fit ------------------------------------------------------------------------------
def test_layout_known_not_to_fit_is_rejected() -> None:
    # 1T parameters on one 8-card node: weights alone are ~250 GB per card.
    ex = Execution(tp=8, pp=1, dp=1, micro_batch=1, global_batch=8, recompute="full")
    r = step_time(GPT_1T, A100, ex)
    assert not r.fits
    assert r.mem_per_gpu > A100.hbm_bytes
    assert r.weights_per_gpu > A100.hbm_bytes


def test_published_175b_layout_fits() -> None:
    ex = Execution(tp=8, pp=8, dp=1, micro_batch=1, global_batch=64, interleave=3, recompute="full")
    assert step_time(GPT_175B, A100, ex).fits


def test_zero_stages_order_memory() -> None:
    mems = []
    for z in range(4):
        ex = Execution(tp=8, pp=4, dp=16, micro_batch=1, global_batch=512, zero_stage=z,
                       recompute="selective", sequence_parallel=True)
        r = step_time(GPT_175B, A100, ex)
        mems.append(r.mem_per_gpu)
        assert r.mem_per_gpu == pytest.approx(
            r.weights_per_gpu + r.grads_per_gpu + r.optimizer_per_gpu + r.activations_per_gpu + r.buffers_per_gpu
        )
    assert mems[0] > mems[1] > mems[2] > mems[3]


def test_zero_partitioning_follows_zero_paper() -> None:
    # [ZERO] Figure 1 style: stage 1 divides optimizer states, 2 also grads, 3 also weights.
    base = dict(tp=1, pp=1, dp=64, micro_batch=1, global_batch=64)
    r0, r1, r2, r3 = (step_time(GPT_13B, A100, Execution(**base, zero_stage=z)) for z in range(4))
    assert r1.optimizer_per_gpu == pytest.approx(r0.optimizer_per_gpu / 64)
    assert r2.grads_per_gpu == pytest.approx(r0.grads_per_gpu / 64)
    assert r3.weights_per_gpu == pytest.approx(r0.weights_per_gpu / 64)
    assert r0.optimizer_per_gpu == pytest.approx(6 * r0.weights_per_gpu)  # 12 bytes vs 2 bytes


def test_recompute_orders_activation_memory() -> None:
    acts = {}
    for rc in ("none", "selective", "full"):
        ex = Execution(tp=8, pp=8, dp=1, micro_batch=1, global_batch=64, recompute=rc,
                       sequence_parallel=True)
        acts[rc] = step_time(GPT_175B, A100, ex).activations_per_gpu
    assert acts["none"] > acts["selective"] > acts["full"]


def test_sequence_parallel_reduces_activations_by_korthikanti_formula() -> None:
    # [KOR22]: per layer sbh(10 + 24/t + 5as/(ht)) without SP, sbh/t (34 + 5as/h) with SP.
    kw = dict(tp=8, pp=1, dp=1, micro_batch=1, global_batch=1, recompute="none")
    r_no = step_time(GPT_175B, A100, Execution(**kw, sequence_parallel=False))
    r_sp = step_time(GPT_175B, A100, Execution(**kw, sequence_parallel=True))
    s, b, h, a, t, L, V = 2048, 1, 12288, 96, 8, 96, 51200
    logits = 4 * s * b * V / t
    no = L * s * b * h * (10 + 24 / t + 5 * a * s / (h * t)) + logits
    sp = L * s * b * h / t * (34 + 5 * a * s / h) + logits
    assert r_no.activations_per_gpu == pytest.approx(no)
    assert r_sp.activations_per_gpu == pytest.approx(sp)


def test_offload_moves_optimizer_out_of_hbm() -> None:
    kw = dict(tp=8, pp=8, dp=4, micro_batch=1, global_batch=256, recompute="full")
    on = step_time(GPT_175B, A100, Execution(**kw, offload_optimizer=True))
    off = step_time(GPT_175B, A100, Execution(**kw, offload_optimizer=False))
    assert on.optimizer_per_gpu == 0 and on.offload_tier_per_gpu > 0
    assert on.mem_per_gpu < off.mem_per_gpu
    assert on.offload_seconds > 0 and off.offload_seconds == 0
    no_tier = A100.model_copy(update={"offload_bytes": None, "offload_bw": None})
    assert not step_time(GPT_175B, no_tier, Execution(**kw, offload_optimizer=True)).fits


# ---- FLOPs and utilisation -------------------------------------------------------------------
def test_full_recompute_hardware_flops_equal_megatron_eq3() -> None:
    # Megatron's eq. 3 counts the GPT layers' GEMMs, attention and logits with full recompute;
    # the exact-count form adds only the norms (< 0.1%).
    ex = Execution(tp=8, pp=8, dp=2, micro_batch=1, global_batch=128, recompute="full")
    r = step_time(GPT_175B, A100, ex)
    assert r.hardware_flops_per_step == pytest.approx(megatron_hardware_flops(GPT_175B, 128), rel=1e-3)
    v = GPT_175B.values()
    tokens = 128 * 2048
    # MFU's model FLOPs are the estimate's one count: 3·T·(2P + 4·L·s·w), no recomputation.
    assert r.model_flops_per_step == pytest.approx(
        compute.train_flops_attn(v["model_params"], tokens, 2048, 96, v["attn_width"]), rel=1e-12)
    assert r.predicted_hfu / r.predicted_mfu == pytest.approx(r.hardware_flops_per_step / r.model_flops_per_step)
    assert r.predicted_mfu == pytest.approx(r.model_flops_per_step / (r.predicted_step_seconds * 128 * A100.peak_flops))


def test_step_time_is_sum_of_parts() -> None:
    ex = Execution(tp=8, pp=8, dp=4, micro_batch=1, global_batch=256, interleave=2,
                   recompute="selective", sequence_parallel=True, tp_overlap=True)
    r = step_time(GPT_175B, A100, ex)
    parts = (r.compute_seconds + r.recompute_seconds + r.tp_comm_exposed_seconds
             + r.pp_comm_seconds + r.pp_bubble_seconds + r.dp_comm_exposed_seconds
             + r.optimizer_seconds + r.offload_seconds)
    assert r.steady_step_seconds == pytest.approx(parts)
    # the slowest of the 32 servers stretches the step: 1 + σ·√(2 ln 32) (core.scale)
    assert r.straggler_factor == pytest.approx(1 + A100.straggler_jitter * math.sqrt(2 * math.log(32)))
    assert r.predicted_step_seconds == pytest.approx(parts * r.straggler_factor)
    assert r.tp_comm_overlapped_seconds > 0
    assert 0 < r.predicted_mfu <= r.predicted_hfu < 1


def test_bubble_matches_narayanan_fraction() -> None:
    # bubble = (p-1)/(v*m) of the ideal (non-bubble) pipeline time [MEG21] for equal stages:
    # with a negligible vocabulary the last stage has no extra logits work.
    tiny_vocab = TransformerShape.gpt(layers=96, hidden=12288, heads=96, vocab=8, seq_len=2048)
    ex = Execution(tp=8, pp=8, dp=1, micro_batch=1, global_batch=64, interleave=2,
                   recompute="full")
    r = step_time(tiny_vocab, A100, ex)
    ideal = (r.compute_seconds + r.recompute_seconds + r.tp_comm_exposed_seconds
             + r.pp_comm_seconds)
    assert r.pp_bubble_seconds == pytest.approx(ideal * 7 / (2 * 64), rel=1e-3)


def test_bubble_runs_at_the_pace_of_the_stages_without_logits() -> None:
    # The logits run on the last stage only: the steady state pays them every micro-batch,
    # the fill/drain (the bubble) does not, so the bubble is below the equal-stage fraction.
    ex = Execution(tp=8, pp=8, dp=1, micro_batch=1, global_batch=64, interleave=2,
                   recompute="full")
    r = step_time(GPT_175B, A100, ex)
    ideal = (r.compute_seconds + r.recompute_seconds + r.tp_comm_exposed_seconds
             + r.pp_comm_seconds)
    assert 0.95 * ideal * 7 / (2 * 64) < r.pp_bubble_seconds < ideal * 7 / (2 * 64)


def test_async_backward_hides_the_backward_tp_collectives() -> None:
    # [MLM-ASYNC]: without SP the two backward all-reduces of a layer run under the
    # weight-gradient GEMMs; forward (and recompute) all-reduces stay exposed.
    kw = dict(tp=8, pp=1, dp=1, micro_batch=1, global_batch=1, recompute="none")
    sync = step_time(GPT_175B, A100, Execution(**kw, tp_async_backward=False))
    asy = step_time(GPT_175B, A100, Execution(**kw, tp_async_backward=True))
    assert sync.tp_comm_overlapped_seconds == 0
    total = sync.tp_comm_exposed_seconds  # 4 all-reduces per layer, all exposed
    # large GEMMs: the share tp_overlap_fraction of the 2 backward all-reduces hides
    assert asy.tp_comm_overlapped_seconds == pytest.approx(A100.tp_overlap_fraction * total / 2)
    assert asy.tp_comm_exposed_seconds + asy.tp_comm_overlapped_seconds == pytest.approx(total)
    assert asy.predicted_step_seconds < sync.predicted_step_seconds
    # with SP only the reduce-scatters of the column-parallel layers hide (half of the above)
    sp = dict(kw, sequence_parallel=True)
    s_sync = step_time(GPT_175B, A100, Execution(**sp, tp_async_backward=False))
    s_asy = step_time(GPT_175B, A100, Execution(**sp, tp_async_backward=True))
    assert s_asy.tp_comm_overlapped_seconds == pytest.approx(
        A100.tp_overlap_fraction * (s_sync.tp_comm_exposed_seconds / 2) / 2, rel=1e-3)
    # full tp_overlap supersedes it and is never worse
    both = step_time(GPT_175B, A100, Execution(**kw, tp_overlap=True))
    assert both.tp_comm_overlapped_seconds >= asy.tp_comm_overlapped_seconds


def test_async_backward_never_slower_over_many_layouts() -> None:
    on = step_time_batch(GPT_13B, A100, _layouts()).predicted_step_seconds
    off = step_time_batch(GPT_13B, A100, _layouts(tp_async_backward=False)).predicted_step_seconds
    assert np.all(on <= off * (1 + 1e-12))
    assert np.any(on < off)


def test_batch_rejects_mixed_software_stacks() -> None:
    a = Execution(global_batch=8, tp_async_backward=True)
    b = Execution(global_batch=8, tp_async_backward=False)
    with pytest.raises(ValueError, match="tp_async_backward must be the same"):
        LayoutBatch.from_executions([a, b])


def test_smaller_matrices_are_less_efficient() -> None:
    # seed 004 point 2: higher TP splits GEMMs finely -> lower compute efficiency per FLOP
    times = []
    for tp in (1, 2, 4, 8):
        ex = Execution(tp=tp, pp=1, dp=1, micro_batch=1, global_batch=1)
        r = step_time(GPT_13B, A100, ex)
        times.append(r.compute_seconds * tp)  # card-seconds of compute
    assert all(b > a for a, b in zip(times, times[1:]))


# ---- monotonic sanity over many layouts ------------------------------------------------------
def _layouts(n_cards: int = 64, tp_async_backward: bool = True) -> LayoutBatch:
    opt = SearchOptions(max_micro_batch=8, tp_async_backward=tp_async_backward)
    return enumerate_layouts(GPT_13B, A100, n_cards, 256, opt)


@pytest.mark.parametrize(
    "field", ["intra_node_bw", "inter_node_bw", "hbm_bandwidth", "offload_bw"]
)
@pytest.mark.parametrize("tp_async_backward", [True, False])
def test_more_bandwidth_never_slower(field: str, tp_async_backward: bool) -> None:
    lay = _layouts(tp_async_backward=tp_async_backward)
    base = step_time_batch(GPT_13B, A100, lay).predicted_step_seconds
    faster = A100.model_copy(update={field: getattr(A100, field) * 2})
    new = step_time_batch(GPT_13B, faster, lay).predicted_step_seconds
    assert np.all(new <= base * (1 + 1e-12))
    assert np.any(new < base)


@pytest.mark.parametrize("tp_async_backward", [True, False])
def test_higher_peak_never_slower(tp_async_backward: bool) -> None:
    lay = _layouts(tp_async_backward=tp_async_backward)
    base = step_time_batch(GPT_13B, A100, lay).predicted_step_seconds
    new = step_time_batch(GPT_13B, A100.model_copy(update={"peak_flops": 2 * 312e12}), lay)
    assert np.all(new.predicted_step_seconds <= base * (1 + 1e-12))


def test_more_cards_never_more_memory_per_card_zero3() -> None:
    for rc in ("none", "selective", "full"):
        prev = math.inf
        for dp in (1, 2, 4, 8, 16, 32, 64):
            ex = Execution(tp=4, pp=2, dp=dp, micro_batch=1, global_batch=512, zero_stage=3,
                           recompute=rc, sequence_parallel=True)
            mem = step_time(GPT_175B, A100, ex).mem_per_gpu
            assert mem <= prev
            prev = mem


# ---- one implementation: vectorised == scalar -------------------------------------------------
@pytest.mark.parametrize("tp_async_backward", [True, False])
def test_vectorised_equals_scalar_for_random_layouts(tp_async_backward: bool) -> None:
    lay = _layouts(tp_async_backward=tp_async_backward)
    res = step_time_batch(GPT_13B, A100, lay)
    rng = np.random.default_rng(0)
    names = list(RESULT_KEYS)
    codes = {0: "none", 1: "selective", 2: "full"}
    for i in rng.choice(len(lay.tp), size=60, replace=False):
        ex = Execution(
            tp=int(lay.tp[i]), pp=int(lay.pp[i]), dp=int(lay.dp[i]), cp=int(lay.cp[i]),
            micro_batch=int(lay.micro_batch[i]), global_batch=int(lay.global_batch[i]),
            interleave=int(lay.interleave[i]), sequence_parallel=bool(lay.sequence_parallel[i]),
            recompute=codes[int(lay.recompute[i])], recompute_layers=int(lay.recompute_layers[i]),
            zero_stage=int(lay.zero_stage[i]),
            offload_optimizer=bool(lay.offload_optimizer[i]), offload_weights=bool(lay.offload_weights[i]),
            offload_activations=bool(lay.offload_activations[i]), tp_overlap=bool(lay.tp_overlap[i]),
            dp_overlap=bool(lay.dp_overlap[i]), tp_async_backward=tp_async_backward,
        )
        scalar = step_time(GPT_13B, A100, ex)
        row = res.row(int(i))
        for n in names:
            assert getattr(scalar, n) == pytest.approx(getattr(row, n), rel=1e-12), n


# ---- input validation ------------------------------------------------------------------------
def test_invalid_inputs_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="tp=7 must divide heads=96"):
        step_time(GPT_175B, A100, Execution(tp=7, global_batch=8))
    with pytest.raises(ValueError, match="pp=97 must be at most layers=96"):
        step_time(GPT_175B, A100, Execution(pp=97, global_batch=8))
    with pytest.raises(ValueError, match="interleave=13 must be at most the 12 layers on the busiest of pp=8"):
        step_time(GPT_175B, A100, Execution(pp=8, interleave=13, global_batch=8))
    with pytest.raises(ValueError, match="global_batch=10"):
        step_time(GPT_175B, A100, Execution(dp=4, global_batch=10))
    with pytest.raises(ValueError, match="zero_stage"):
        Execution(global_batch=8, zero_stage=4)
    with pytest.raises(ValueError, match="heads=3 must divide hidden=100"):
        TransformerShape.gpt(layers=2, hidden=100, heads=3, vocab=10, seq_len=8)
    with pytest.raises(ValueError, match="kv_heads=5"):
        TransformerShape.gpt(layers=2, hidden=96, heads=8, kv_heads=5, vocab=10, seq_len=8)
    with pytest.raises(ValueError, match="peak_flops"):
        A100.model_validate({**A100.model_dump(), "peak_flops": 0})


def test_uneven_stages_run_at_the_fullest_stage() -> None:
    # 96 layers on 5 stages: the busiest stage holds ceil(96/5) = 20 layers (DeepSeek-V3 puts 61
    # layers on 16 stages); memory and time follow that stage.
    even = step_time(GPT_175B, A100, Execution(tp=8, pp=4, dp=1, global_batch=16, recompute="full"))
    uneven = step_time(GPT_175B, A100, Execution(tp=8, pp=5, dp=1, global_batch=16, recompute="full"))
    v = GPT_175B.values()
    block = (v["model_params"] - v["embedding_params"] - v["lm_head_params"]) / 96
    assert uneven.params_per_gpu == pytest.approx((20 * block + v["embedding_params"]) / 8)
    assert even.params_per_gpu == pytest.approx((24 * block + v["embedding_params"]) / 8)
    assert uneven.predicted_step_seconds < even.predicted_step_seconds
    assert uneven.fits


def test_gqa_and_gated_shapes() -> None:
    llama70 = TransformerShape.gpt(layers=80, hidden=8192, heads=64, kv_heads=8, ffn_hidden=28672,
                               gated_ffn=True, vocab=32000, seq_len=4096)
    assert llama70.values()["model_params"] == pytest.approx(68.7e9, rel=0.02)  # LLaMA-2 70B ~ 69B
    r = step_time(llama70, A100, Execution(tp=8, pp=4, dp=2, micro_batch=1, global_batch=64,
                                           recompute="selective", sequence_parallel=True))
    assert r.fits and 0 < r.predicted_mfu < 1


def test_tp_group_that_does_not_tile_the_node_uses_the_inter_node_link() -> None:
    # 48 heads allow tp=6; on 8-card nodes two groups of 6 put the second across two nodes, so the
    # TP collectives run at the inter-node bandwidth, while tp=4 (which tiles the node) does not
    # depend on it. A single group of 6 fits one node and stays on NVLink.
    shape = TransformerShape.gpt(layers=24, hidden=6144, heads=48, vocab=51200, seq_len=2048)
    slow_ib = A100.model_copy(update={"inter_node_bw": A100.inter_node_bw / 4})
    single = Execution(tp=6, pp=1, dp=1, micro_batch=1, global_batch=4, recompute="full")
    assert step_time(shape, slow_ib, single).tp_comm_exposed_seconds == step_time(shape, A100, single).tp_comm_exposed_seconds
    for tp, depends in ((6, True), (4, False)):
        ex = Execution(tp=tp, pp=1, dp=2, micro_batch=1, global_batch=4, recompute="full")
        base = step_time(shape, A100, ex).tp_comm_exposed_seconds
        slow = step_time(shape, slow_ib, ex).tp_comm_exposed_seconds
        assert (slow > base * 1.5) is depends, tp


# ---- fused (flash) attention [FA2] -------------------------------------------------------------
LLAMA_70B_8K = TransformerShape.gpt(layers=80, hidden=8192, heads=64, kv_heads=8, ffn_hidden=28672,
                                gated_ffn=True, vocab=128256, seq_len=8192)


def test_flash_attention_drops_the_score_activations() -> None:
    ex = Execution(tp=8, pp=4, dp=1, micro_batch=1, global_batch=32, recompute="none")
    unfused = step_time(LLAMA_70B_8K, A100, ex)
    flash = step_time(LLAMA_70B_8K, A100, ex.model_copy(update={"flash_attention": True}))
    # [KOR22] score term 5as^2b/t per layer and micro-batch, replaced by the fp32 log-sum-exp 4asb/t
    s, a, lps, inflight = 8192, 64, 20, 4
    per_layer = (5 * a * s * s - 4 * a * s) / 8
    assert unfused.activations_per_gpu - flash.activations_per_gpu == pytest.approx(per_layer * lps * inflight)
    # with unfused attention, selective recompute keeps exactly what flash keeps (plus the lse)
    sel = step_time(LLAMA_70B_8K, A100, ex.model_copy(update={"recompute": "selective"}))
    assert flash.activations_per_gpu - sel.activations_per_gpu == pytest.approx(4 * a * s / 8 * lps * inflight)
    assert flash.predicted_step_seconds < unfused.predicted_step_seconds


def test_flash_attention_has_nothing_to_recompute_selectively() -> None:
    base = Execution(tp=8, pp=1, dp=1, micro_batch=1, global_batch=4, flash_attention=True)
    none = step_time(LLAMA_70B_8K, A100, base)
    sel = step_time(LLAMA_70B_8K, A100, base.model_copy(update={"recompute": "selective"}))
    assert sel.recompute_seconds == 0.0 and sel.predicted_step_seconds == pytest.approx(none.predicted_step_seconds)
    assert sel.predicted_hfu == pytest.approx(sel.predicted_mfu)


def test_flash_attention_never_slower_over_many_layouts() -> None:
    shape = TransformerShape.gpt(layers=40, hidden=5120, heads=40, vocab=51200, seq_len=8192)
    # Selective recomputation is enumerated without a flash kernel only (with one it equals none), so
    # both spaces leave it out to stay row for row the same; a partial one solves its layers per space.
    opt = SearchOptions(max_micro_batch=4, recompute=("none", "partial", "full"))
    unfused = enumerate_layouts(shape, A100, 64, 64, opt)
    flash = enumerate_layouts(shape, A100, 64, 64, opt.model_copy(update={"flash_attention": True}))
    assert flash.flash_attention and not unfused.flash_attention
    a = step_time_batch(shape, A100, unfused)
    b = step_time_batch(shape, A100, flash)
    assert np.all(b.predicted_step_seconds <= a.predicted_step_seconds * (1 + 1e-12))
    none = np.asarray(unfused.recompute) == 0  # selective unfused also drops the scores
    assert np.all(b.activations_per_gpu[none] < a.activations_per_gpu[none])


def test_software_efficiency_scales_kernel_time_only() -> None:
    ex = Execution(tp=8, pp=8, dp=4, micro_batch=1, global_batch=256, interleave=3, recompute="full")
    ref = step_time(GPT_175B, A100, ex)
    slow = step_time(GPT_175B, A100.model_copy(update={"software_efficiency": 0.8}), ex)
    assert slow.compute_seconds == pytest.approx(ref.compute_seconds / 0.8)
    assert slow.recompute_seconds == pytest.approx(ref.recompute_seconds / 0.8)
    assert slow.dp_comm_exposed_seconds + slow.dp_comm_overlapped_seconds == pytest.approx(
        ref.dp_comm_exposed_seconds + ref.dp_comm_overlapped_seconds)
    assert slow.mem_per_gpu == ref.mem_per_gpu
