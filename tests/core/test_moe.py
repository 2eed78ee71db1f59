"""core.moe: each formula against hand-computed values (DeepSeek-V3 figures from arXiv:2412.19437 and
its HF config.json), dense reductions, Excel rendering and NumPy evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute import catalog
from xlcompute.core import moe, parallel
from xlcompute.core.expr import Ref, excel_formula
from xlcompute.core.memory import zero_partitioned
from xlcompute.core.params import count_params

H, HEADS, QR, KVR, NOPE, ROPE, V = 7168, 128, 1536, 512, 128, 64, 128  # DeepSeek-V3 MLA (HF config.json)


def test_mla_projection_weights_are_deepseek_v3s():
    # q: 7168·1536 + 1536·128·192 = 48,758,784; kv: 7168·576 + 512·128·256 = 20,905,984
    assert moe.mla_qkv_params(H, HEADS, QR, KVR, NOPE, ROPE, V) == 48_758_784 + 20_905_984
    # With the output projection (128·128·7168) and the two latent RMSNorms (1536 + 512) it is the exact
    # attention count of core.params per layer.
    arch = catalog.get_model("deepseek-v3").arch
    per_layer = count_params(arch).attention / arch.layers
    assert per_layer == moe.mla_qkv_params(H, HEADS, QR, KVR, NOPE, ROPE, V) + HEADS * V * H + QR + KVR
    # Full-rank query (q_lora_rank 0): h·n_h·(d_nope + d_rope)
    assert moe.mla_qkv_params(H, HEADS, 0, KVR, NOPE, ROPE, V) == H * HEADS * 192 + 20_905_984


def test_mla_attention_width_and_kv_cache():
    assert moe.mla_attn_width(HEADS, NOPE, ROPE, V) == 128 * (128 + 64 + 128) / 2 == 20_480
    # DeepSeek-V2 §2.1.4: (d_c + d_h^R)·l elements per token; DeepSeek-V3 in BF16: 61·576·2 bytes
    assert moe.mla_kv_cache_bytes_per_token(61, KVR, ROPE, 2) == 70_272
    # versus multi-head attention's 2·n_h·d_h·l: 2·128·128·61·2 bytes = 3,997,696 (57× more)
    assert 2 * HEADS * 128 * 61 * 2 / moe.mla_kv_cache_bytes_per_token(61, KVR, ROPE, 2) == pytest.approx(56.9, abs=0.1)


def test_dense_ffn_width_averages_dense_layers_and_shared_experts():
    # DeepSeek-V3: 3 dense layers of 18,432 and 58 MoE layers with one shared expert of 2,048
    assert moe.dense_ffn_width(18_432, 61, 58, 1, 2048) == pytest.approx((3 * 18_432 + 58 * 2048) / 61)
    assert moe.dense_ffn_width(14_336, 32, 0, 0, 0) == 14_336  # a dense model keeps its MLP


def test_active_expert_params_and_mtp_training_params():
    expert = 3 * H * 2048  # one SwiGLU expert of DeepSeek-V3
    assert moe.active_expert_params_per_token(8, 1, expert) == 9 * 44_040_192
    block = 187_107_328 + 9 * expert  # MLA attention + 8 routed + 1 shared expert
    mtp = moe.mtp_active_params(1, H, 129_280, block)
    assert mtp == 2 * H * H + block + 129_280 * H
    assert moe.training_active_params(37e9, mtp) == pytest.approx(37e9 + mtp)
    assert moe.mtp_active_params(0, H, 129_280, block) == 0


def test_routed_rows_and_capacity_factor():
    # 4,096 tokens, top-8, TP 2 with sequence parallelism and expert TP 1: 16,384 rows per card
    assert moe.routed_tokens_per_card(4096, 8, 1.0, 2, 1) == 16_384
    # capacity factor 1.25 (Switch §2.2) pads every expert's load by 25 %
    assert moe.routed_tokens_per_card(4096, 8, 1.25, 2, 1) == 20_480
    # expert TP = TP: every card works on all rows of its TP group
    assert moe.routed_tokens_per_card(4096, 8, 1.0, 4, 4) == 32_768


def test_all_to_all_bytes_hand_computed():
    # 4,096 tokens on TP 1, top-8, h 7168, BF16, EP 64: 63/64 of 4096·8·7168·2 bytes leave the card
    assert moe.a2a_bytes_per_layer(4096, 8, 1.0, H, 1, 64, 2) == 462_422_016
    assert moe.a2a_bytes_per_layer(4096, 8, 1.0, H, 1, 1, 2) == 0  # no EP, no all-to-all


LINKS = dict(intra_bytes_per_s=400e9, intra_eff=0.75, inter_bytes_per_s=50e9, inter_eff=0.8, a2a_eff=1.0,
             latency=0.0)


def _a2a(nbytes: float, ep: int, etp: int = 1, node: int = 8, recompute: int = 0) -> float:
    return moe.a2a_seconds_per_layer(nbytes, ep, etp, node, LINKS["intra_bytes_per_s"], LINKS["intra_eff"],
                                     LINKS["inter_bytes_per_s"], LINKS["inter_eff"], LINKS["a2a_eff"],
                                     LINKS["latency"], recompute)


def test_all_to_all_inside_a_server_uses_nvlink():
    # EP 8 on 8-card servers: 4 all-to-alls (dispatch, combine, forward and backward) over NVLink
    assert _a2a(1e9, 8) == pytest.approx(4 * 1e9 / (400e9 * 0.75))
    assert _a2a(1e9, 8, recompute=2) == pytest.approx(6 * 1e9 / (400e9 * 0.75))  # full recompute: 2 more
    assert _a2a(1e9, 1) == 0


def test_all_to_all_beyond_a_server_uses_the_scale_out_nic():
    # EP 64 over 8 servers of 8: 56 of the 63 peers are in other servers, over a 50 GB/s NIC at 80 %
    off = 56 / 63
    expected = 4 * max(1e9 * off / (50e9 * 0.8), 1e9 * (1 - off) / (400e9 * 0.75))
    assert _a2a(1e9, 64) == pytest.approx(expected)
    assert _a2a(1e9, 64) > 6 * _a2a(1e9, 8)  # 0.089 s vs 0.013 s
    # An NVL72-sized domain keeps EP 64 on NVLink (GB200)
    assert _a2a(1e9, 64, node=72) == pytest.approx(4 * 1e9 / (400e9 * 0.75))
    # Expert TP widens the span: EP 8 × ETP 2 = 16 ranks leave an 8-card server
    assert _a2a(1e9, 8, etp=2) > _a2a(1e9, 8)


def test_overlap_hides_the_all_to_all():
    assert moe.a2a_exposed_seconds(58 / 61, 1.0, 0.0) == pytest.approx(58 / 61)
    assert moe.a2a_exposed_seconds(58 / 61, 1.0, moe.DUALPIPE_OVERLAP) == pytest.approx(58 / 61 * 0.1)


def test_dispatcher_host_wait_once_per_forward():
    # 58 of 61 layers are MoE; a 7.5 ms host issue time per MoE layer forward, of which 2 ms of GPU work issued
    # after the wait hides 2 ms; again when full recomputation reruns the forward
    assert moe.dispatch_sync_seconds(58 / 61, 7.5e-3, 2e-3, 0) == pytest.approx(58 / 61 * 5.5e-3)
    assert moe.dispatch_sync_seconds(58 / 61, 7.5e-3, 2e-3, 1) == pytest.approx(58 / 61 * 5.5e-3)
    assert moe.dispatch_sync_seconds(58 / 61, 7.5e-3, 2e-3, 2) == pytest.approx(2 * 58 / 61 * 5.5e-3)
    assert moe.dispatch_sync_seconds(0, 7.5e-3, 0, 2) == 0  # a dense model never waits
    # GPU work longer than the host's issue time hides the wait entirely
    assert moe.dispatch_sync_seconds(58 / 61, 7.5e-3, 9e-3, 0) == 0


def test_gpu_work_after_the_dispatch_wait():
    # the routed experts plus the forward's two of the four all-to-all passes (two of six with full recompute)
    assert moe.dispatch_gpu_seconds(3e-3, 8e-3, 0) == pytest.approx(3e-3 + 4e-3)
    assert moe.dispatch_gpu_seconds(3e-3, 12e-3, 2) == pytest.approx(3e-3 + 4e-3)


def test_expert_states_are_partitioned_over_ep_and_edp():
    # DeepSeek-V3 published layout (§3.2): 2,048 H800, PP 16, EP 64, TP 1 -> DP 128, EDP = 128/64 = 2
    assert moe.expert_data_parallel(128, 1, 1, 64, 1) == 2
    routed = 58 * 256 * 3 * H * 2048  # every routed expert of DeepSeek-V3
    # ⌈61/16⌉ = 4 MoE layers on the busiest stage, 256 experts over 64 ranks: 4 experts of each layer
    assert moe.expert_params_per_card(routed, 58, 4, 64, 1) == 4 * 4 * 3 * H * 2048
    assert moe.expert_params_per_card(0, 0, 4, 1, 1) == 0  # dense model
    # ZeRO-1 optimizer states: non-expert part over DP, expert part over EDP
    full, expert = 100.0, 60.0
    assert moe.zero_partitioned_split(full, expert, 1, 1, 128, 2) == pytest.approx(40 / 128 + 60 / 2)
    assert moe.zero_partitioned_split(full, 0.0, 1, 1, 128, 2) == zero_partitioned(full, 1, 1, 128)
    assert moe.dense_params_per_card(2e9, 2, 1e9) == 2e9


def test_dp_bytes_skip_experts_without_expert_replicas():
    # EDP 1: expert gradients are not all-reduced; only the non-expert ring of 2(n-1)/n
    assert moe.dp_bytes_split(100.0, 60.0, 128, 1, 8, 1) == pytest.approx(2 * 127 / 128 * 40)
    assert moe.dp_bytes_split(100.0, 60.0, 128, 2, 8, 1) == pytest.approx(2 * 127 / 128 * 40 + 2 * 0.5 * 60)


def test_expert_activations_and_gemm_time_vanish_for_a_dense_model():
    assert moe.expert_activation_bytes(0, 4096, 0, 1, 1, 0) == 0
    t = moe.expert_gemm_seconds(0, 4096, 0, 1, 0, 1, 1, 1e15, 0.7, 300, 1.0)
    assert moe.expert_forward_seconds(0, t) == 0
    # One expert layer: 2·rows·h·3·f FLOPs at the efficiency of min(rows per expert, f, h)
    rows, f = 16_384, 2048
    sec = moe.expert_gemm_seconds(rows, H, f, 1, 256, 64, 1, 1e15, 0.7, 0.0, 1.0)
    assert sec == pytest.approx(2 * rows * H * 3 * f / (1e15 * 0.7))
    assert moe.expert_gemm_seconds(rows, H, f, 1, 256, 64, 1, 1e15, 0.7, 0.0, 0.5) == pytest.approx(2 * sec)


def test_fp8_linear_peak():
    # BF16 training: the BF16 peak; FP8 on H800 (1,979 / 989 TFLOPS): 1 + (2 − 1)·0.9 of the BF16 peak
    assert moe.fp8_linear_peak(989e12, 1.0, 0.9) == 989e12
    assert moe.fp8_linear_peak(989e12, 2.0, 0.9) == pytest.approx(989e12 * 1.9)
    assert moe.FP8_DEEPSEEK_OPTIMIZER_BYTES == 4 + 2 + 2  # FP32 master + BF16 m and v (DeepSeek-V3 §3.3.3)


def test_formulas_render_excel_and_evaluate_arrays():
    text = excel_formula(moe.dense_ffn_width(Ref("ffn"), Ref("L"), Ref("Lm"), Ref("ns"), Ref("fe")))
    assert text == "=(ffn*(L-Lm)+ns*fe*Lm)/L"
    assert "IF(" in excel_formula(moe.a2a_seconds_per_layer(
        Ref("b"), Ref("ep"), Ref("etp"), Ref("n"), Ref("i"), Ref("ie"), Ref("o"), Ref("oe"), Ref("ae"), Ref("lat"),
        Ref("r")))
    eps = np.array([1.0, 8.0, 64.0])
    out = moe.a2a_seconds_per_layer(1e9, eps, 1.0, 8.0, 400e9, 0.75, 50e9, 0.8, 1.0, 0.0, 0.0)
    assert out[0] == 0 and out[1] == pytest.approx(_a2a(1e9, 8)) and out[2] == pytest.approx(_a2a(1e9, 64))


# -- memory per pipeline stage (dense layers first; Korthikanti et al. 2022 §4.2.3) ----------------


def test_stage_moe_layers_put_the_dense_layers_on_the_first_stage():
    # DeepSeek-V3, 61 layers (3 dense first), 8 stages of ⌈61/8⌉ = 8: 3 dense + 5 MoE, then 8 MoE
    assert moe.stage_moe_layers(61, 58, 0, 8) == 5
    assert moe.stage_moe_layers(61, 58, 8, 8) == 8
    # 16 stages of 4: 3 dense + 1 MoE on the first; the last stage, 1 layer, is MoE
    assert moe.stage_moe_layers(61, 58, 0, 4) == 1 and moe.stage_moe_layers(61, 58, 60, 4) == 1
    # every layer MoE (Qwen3, Mixtral) and a dense model
    assert moe.stage_moe_layers(94, 94, 0, 24) == 24 and moe.stage_moe_layers(32, 0, 0, 8) == 0


def test_dense_layer_extra_params_and_stage_block_params():
    # DeepSeek-V3: 7168·(3·18,432 − 3·2,048 − 256) = 350,486,528 more non-expert weights in a dense layer
    extra = moe.dense_layer_extra_params(7168, 18_432, 1, 1, 2048, 256)
    assert extra == 350_486_528
    arch = catalog.get_model("deepseek-v3").arch
    c = count_params(arch)
    # The layer-average non-expert block (core.params.block_params) split back into the two kinds: the
    # first 3 layers dense and 5 MoE layers hold 3·b_dense + 5·b_moe; 61 layers give the whole.
    avg = (c.total - c.embedding - c.lm_head - _ROUTED_DSV3) / 61
    b_moe = avg - 3 * extra / 61
    assert moe.stage_block_params(avg, 8, 5, 61, 58, extra) == pytest.approx(3 * (b_moe + extra) + 5 * b_moe)
    assert moe.stage_block_params(avg, 61, 58, 61, 58, extra) == pytest.approx(61 * avg)
    # a dense model: n·b exactly
    assert moe.stage_block_params(1e8, 8, 0, 32, 0, moe.dense_layer_extra_params(4096, 11008, 1, 0, 0, 0)) == 8e8


#: routed-expert weights of DeepSeek-V3: 58 layers × 256 experts × 3·7168·2048
_ROUTED_DSV3 = 58 * 256 * 3 * 7168 * 2048


def test_stage_mean_layer_and_working_layer():
    assert moe.stage_mean_layer(6.0, 9.0, 8, 5) == pytest.approx((3 * 6 + 5 * 9) / 8)
    assert moe.stage_mean_layer(6.0, 9.0, 8, 0) == 6.0 and moe.stage_mean_layer(6.0, 9.0, 0, 0) == 6.0
    assert moe.working_layer_bytes(5.0, 7.0, 1.0) == 8.0 and moe.working_layer_bytes(5.0, 2.0, 1.0) == 6.0


def test_later_stage_holds_one_micro_batch_fewer():
    # 8 stages, 128 micro-batches: the second stage keeps 7 in flight (stage i: p − i)
    assert moe.later_stage_activations(1.0, 8, 8, 128, 1, 0.0, 1, 0) == 7 * 8
    # two stages: one micro-batch in flight on the second; full recomputation adds the working layer
    assert moe.later_stage_activations(1.0, 8, 2, 128, 1, 0.0, 1, 0) == 8
    assert moe.later_stage_activations(1.0, 8, 2, 128, 1, 3.0, 2, 0) == 8 + 3.0


def test_later_stage_index_skips_stages_the_dense_layers_fill():
    # DeepSeek-V3, 61 layers of which the first 3 dense ([DSV3] §4.2)
    assert moe.later_stage_index(61, 58, 8) == 1  # 8 per stage: the second is all MoE
    assert moe.later_stage_index(61, 58, 4) == 1  # 4 per stage: layers 4-7, all MoE
    assert moe.later_stage_index(61, 58, 2) == 2  # 2 per stage: the second holds dense layer 2
    assert moe.later_stage_index(61, 58, 1) == 3  # 1 per stage: stage 3 holds the first MoE layer
    assert moe.later_stage_index(80, 0, 10) == 1  # dense: the second stage, as before
    assert moe.later_stage_index(61, 58, 61) == 1  # one stage (no later stage is counted)
    assert moe.later_stage_index(10, 1, 5) == 1  # the only MoE layer on the last of two stages
    # stage i keeps p − i micro-batches in flight; the layers the stages before it leave
    assert moe.later_stage_activations(1.0, 1, 61, 1920, 1, 0.0, 1, 0, 3) == 58
    assert parallel.later_stage_layers(61, 61, 3) == 1 and parallel.later_stage_layers(61, 8, 7) == 5
    assert parallel.later_stage_layers(80, 8) == 10 and parallel.later_stage_layers(80, 1) == 0
    assert excel_formula(moe.later_stage_index(Ref("L"), Ref("Lm"), Ref("n"))).startswith("=IF(")


def test_stage_states_bytes_partition_like_the_first_stage():
    # 1e9 non-expert + 2e8 expert weights per card, BF16 + Adam (2 + 12), ZeRO-1 over dp 32, edp 1
    got = moe.stage_states_bytes(1.2e9, 2e8, 2, 2, 12, 1, 32, 1, 8, 0, 0)
    assert got == pytest.approx(2 * 1.2e9 * 2 + 12 * 1e9 / 32 + 12 * 2e8)
    # weight offload keeps two of the 8 blocks' weights and gradients in HBM
    off = moe.stage_states_bytes(1.2e9, 2e8, 2, 2, 12, 1, 32, 1, 8, 1, 0)
    assert off == pytest.approx(2 * 1.2e9 * 2 * 2 / 8 + 12 * 1e9 / 32 + 12 * 2e8)
    # FP32 gradients (DeepSeek-V3's FP8 recipe, 4 bytes) beside BF16 weights: the gradients double, nothing else
    fp32 = moe.stage_states_bytes(1.2e9, 2e8, 2, 4, 8, 1, 32, 1, 8, 0, 0)
    assert fp32 == pytest.approx(1.2e9 * 2 + 1.2e9 * 4 + 8 * 1e9 / 32 + 8 * 2e8)


def test_stage_memory_formulas_render_excel():
    text = excel_formula(moe.stage_moe_layers(Ref("L"), Ref("Lm"), Ref("b"), Ref("n")))
    assert text.startswith("=MAX(0,") and "MIN(" in text
    assert "IF(" in excel_formula(moe.stage_states_bytes(
        Ref("p"), Ref("e"), Ref("a"), Ref("g"), Ref("o"), Ref("z"), Ref("d"), Ref("ed"), Ref("n"), Ref("ow"),
        Ref("oo")))
    assert "MAX(" in excel_formula(moe.later_stage_activations(
        Ref("s"), Ref("n"), Ref("pp"), Ref("m"), Ref("v"), Ref("w"), Ref("r"), Ref("of")))
