"""The inference step model's core formulas (xlcompute.core.inference) against hand-computed values
with their sources, on numbers, on NumPy arrays and as Excel formula text."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute.core.moe import mla_kv_cache_bytes_per_token
from xlcompute import catalog
from xlcompute.core import inference as inf
from xlcompute.core import serving
from xlcompute.core.expr import Ref, evaluate, excel_formula


def test_kv_bytes_per_token_llama2_gqa_and_mha() -> None:
    # Llama-2-70B: 80 layers, 8 KV heads of 128, bf16: 2·80·8·128·2 = 327,680 B per token (Pope et al. §2;
    # the vLLM paper's 13B example: 2·40·5120·2 = 800 KB per token, reproduced below).
    assert inf.kv_bytes_per_token(80, 8, 128, 2) == 327_680
    assert inf.kv_bytes_per_token(40, 40, 128, 2) == 819_200  # vLLM §3: "800 KB" for OPT/LLaMA-13B
    # FP8 KV halves it.
    assert inf.kv_bytes_per_token(80, 8, 128, 1) == 163_840


def test_replica_kv_bytes_of_mla_deepseek_v3() -> None:
    # DeepSeek-V3: 61 layers, d_c = 512 latent + 64 RoPE key, bf16: 61·576·2 = 70,272 B per token
    # (DeepSeek-V2 §2.1.3, (d_c + d_h^R)·l elements per token).
    arch = catalog.get_model("deepseek-v3").arch
    assert mla_kv_cache_bytes_per_token(arch.layers, arch.kv_lora_rank, arch.qk_rope_head_dim, 2) == 70_272
    # Per replica: the latent sits on every TP card; GQA splits heads and replicates past kv_heads.
    assert inf.kv_bytes_per_token_replica(61, 128, 128, 512, 64, 8, 2) == 8 * 70_272
    assert inf.kv_bytes_per_token_replica(80, 8, 128, 0, 0, 4, 2) == 327_680
    assert inf.kv_bytes_per_token_replica(80, 8, 128, 0, 0, 16, 2) == 2 * 327_680  # 16 cards, 8 heads: copies


def test_kv_heads_split_and_replicated() -> None:
    assert inf.kv_heads_per_card(8, 4) == 2
    assert inf.kv_heads_per_card(8, 16) == 1
    assert inf.kv_heads_per_replica(8, 16) == 16


def test_kv_reads_per_step_grouped_or_per_query_head() -> None:
    """Llama-2-70B (64 query heads, 8 KV heads): grouped kernels read each KV head once; an ungrouped
    one (TensorRT-LLM before v0.7, [XQA]) 8 times at TP 1-8, and heads/tp times once KV heads are
    replicated (TP 16: 4 query heads per card on one KV head); MHA reads once either way."""
    assert inf.kv_reads_per_step(64, 8, 4, True) == 1
    assert inf.kv_reads_per_step(64, 8, 4, False) == 8
    assert inf.kv_reads_per_step(64, 8, 16, False) == 4
    assert inf.kv_reads_per_step(32, 32, 1, False) == 1
    assert np.allclose(inf.kv_reads_per_step(64, 8, np.array([1.0, 16.0]), False), [8, 4])
    f = inf.kv_reads_per_step(Ref("h"), Ref("kv"), Ref("tp"), Ref("g"))
    assert excel_formula(f).startswith("=") and evaluate(f, {"h": 64, "kv": 8, "tp": 2, "g": 0}) == 8


def test_decode_step_sums_the_gemm_and_attention_rooflines() -> None:
    """Per-operator roofline [ROOF]: at a large batch the GEMMs are compute-bound (2e12 FLOPs at 1e15 ->
    2 ms, their 1e9 weight bytes at 1e12 -> 1 ms) while the attention waits for its 3e9 cache bytes
    (3 ms; its 1e11 FLOPs take 0.1 ms): 5 ms, not max(2.1, 4) = 4 ms of one max over the totals."""
    args = (2.1e12, 4e9, 1e11, 3e9, 1, 1e15, 1, 1e12, 1, 1, 0, 80, 0)
    assert inf.decode_step_seconds(*args) == pytest.approx(2e-3 + 3e-3)
    assert inf.forward_seconds(2.1e12, 4e9, 1, 1e15, 1, 1e12, 1, 0, 80, 0) == pytest.approx(4e-3)
    # no attention work: the same as one roofline over the step
    assert inf.decode_step_seconds(2e12, 1e9, 0, 0, 1, 1e15, 1, 1e12, 1, 1, 0.5, 80, 1e-3) == pytest.approx(
        inf.forward_seconds(2e12, 1e9, 1, 1e15, 1, 1e12, 1, 0.5, 80, 1e-3))
    assert inf.decode_attention_flops(2, 100, 3, 4) + 2 * 2 * 7 == inf.decode_flops(7, 2, 100, 3, 4)
    assert inf.decode_kv_bytes(2, 100, 5) + 9 == inf.decode_bytes(9, 2, 100, 5)
    f = inf.decode_step_seconds(*(Ref(f"x{i}") for i in range(13)))
    assert excel_formula(f).startswith("=") and evaluate(f, {f"x{i}": v for i, v in enumerate(args)}) == pytest.approx(5e-3)


def test_quantized_bytes_per_weight() -> None:
    # INT4 with a bf16 scale and zero point per 32 weights (gpt-fast): 0.5 + 4/32 = 0.625 B.
    assert inf.quantized_bytes_per_weight(4, 32, 4) == pytest.approx(0.625)
    assert inf.quantized_bytes_per_weight(8, 0, 0) == pytest.approx(1.0)
    assert inf.quantized_bytes_per_weight(4, 128, 4) == pytest.approx(0.53125)


def test_kv_budget_and_max_sequences() -> None:
    # Llama-2-70B FP8 (69e9 B of weights) on 2 H100 80 GB at 90 % use, 2 GB reserve per card:
    # 2·(72 − 2) − 69 = 71 GB for the cache; 4,224-token sequences at 163,840 B/token: 102.6 -> 102.
    budget = inf.kv_cache_budget_bytes(80e9, 2, 0.9, 69e9, 2e9)
    assert budget == pytest.approx(71e9)
    assert inf.max_sequences(budget, 163_840 * 4224) == 102
    assert inf.max_sequences(-1e9, 1e6) == 0  # the weights do not fit: no sequence


def test_prefill_and_decode_flops() -> None:
    # Kaplan Table 1: 2N per token plus 2·L·n_ctx·d_attn; causal prompt of n: 2·L·n²·d_attn in all.
    assert inf.prefill_flops(1e9, 1, 1000, 10, 1000) == pytest.approx(2e12 + 2e10)
    assert inf.prefill_flops(1e9, 3, 1000, 10, 1000) == pytest.approx(3 * (2e12 + 2e10))
    # One decode token at context 1000: 2N + 4·L·c·d_attn.
    assert inf.decode_flops(1e9, 1, 1000, 10, 1000) == pytest.approx(2e9 + 4e7)


def test_decode_roofline_memory_then_compute_bound() -> None:
    # 7B bf16 (14 GB of weights), batch 1, 2 TB/s, η = 1: 7 ms memory-bound; compute 14 GFLOP at
    # 312 TFLOP/s is 45 µs. At batch 1024 the compute term wins (Pope et al. §2).
    nbytes = inf.decode_bytes(14e9, 1, 0, 0)
    t1 = inf.forward_seconds(inf.decode_flops(7e9, 1, 0, 32, 4096), nbytes, 1, 312e12, 1, 2e12, 1, 0, 32, 0)
    assert t1 == pytest.approx(7e-3)
    big = inf.forward_seconds(inf.decode_flops(7e9, 1024, 0, 32, 4096), nbytes, 1, 312e12, 1, 2e12, 1, 0, 32, 0)
    assert big == pytest.approx(1024 * 14e9 / 312e12)
    # KV reads count: 64 sequences at 2,048 tokens of 524,288 B add 68.7 GB to the step's bytes.
    assert inf.decode_bytes(14e9, 64, 2048, 524_288) == pytest.approx(14e9 + 64 * 2048 * 524_288)
    # Layer overhead and communication add on top.
    assert inf.forward_seconds(0, 2e12, 1, 1, 1, 2e12, 1, 0.5, 10, 0.1) == pytest.approx(1 + 0.5 + 1)


def test_tp_allreduce_and_pp_p2p() -> None:
    # 2 all-reduces per layer of n·h·2 bytes, ring 2(tp−1)/tp per card: tp 4, 1000 tokens, h 8192,
    # 80 layers, 100 GB/s, 10 µs: 160·(1.5·16.384 MB / 100 GB/s + 10 µs) = 160·(245.76 + 10) µs.
    t = inf.tp_allreduce_seconds_per_pass(1000, 8192, 80, 4, 100e9, 10e-6)
    assert t == pytest.approx(160 * (1.5 * 16.384e6 / 100e9 + 10e-6))
    assert inf.tp_allreduce_seconds_per_pass(1000, 8192, 80, 1, 100e9, 10e-6) == 0
    assert inf.pp_p2p_seconds(10, 8192, 1, 50e9, 10e-6) == 0
    assert inf.pp_p2p_seconds(10, 8192, 3, 50e9, 10e-6) == pytest.approx(2 * (10 * 8192 * 2 / 50e9 + 10e-6))


def test_moe_experts_touched_and_bytes() -> None:
    # 8 experts, top-2: one token touches 2; many tokens touch all 8 (E·(1 − (1 − k/E)^B)).
    assert inf.moe_experts_touched(8, 2, 1) == pytest.approx(2)
    assert inf.moe_experts_touched(8, 2, 2) == pytest.approx(8 * (1 - 0.75 ** 2))
    assert inf.moe_experts_touched(8, 2, 1000) == pytest.approx(8)
    assert inf.moe_experts_touched(0, 0, 64) == 0
    # Mixtral-like: 46.7 GB total, 45 GB in routed experts, 2 of 8 touched: 46.7 − 45·0.75.
    assert inf.moe_weight_bytes_read(46.7e9, 45e9, 8, 2) == pytest.approx(46.7e9 - 45e9 * 0.75)
    assert inf.moe_weight_bytes_read(14e9, 0, 0, 0) == pytest.approx(14e9)  # dense: everything


def test_continuous_batching_cycle_ttft_and_tpot() -> None:
    # B = 32, prefill 0.05 s each, decode step 0.03 s, 200 output tokens: cycle 1.6 + 6 = 7.6 s.
    cyc = inf.cycle_seconds(32, 0.05, 0.03, 200)
    assert cyc == pytest.approx(7.6)
    assert inf.cycle_seconds(32, 0.05, 0.03, 200, 1) == pytest.approx(6.0)  # disaggregated: decode only
    assert inf.requests_per_s(32, cyc) == pytest.approx(32 / 7.6)
    assert inf.output_tokens_per_s(32, 200, cyc) == pytest.approx(6400 / 7.6)
    assert inf.time_per_output_token(cyc, 200) == pytest.approx(0.038)
    # M/D/1 (Pollaczek–Khinchine): ρ = 0.5, s = 1: wait ρs/(2(1−ρ)) = 0.5.
    assert inf.prefill_wait_seconds(1, 0.5) == pytest.approx(0.5)
    assert inf.prefill_wait_seconds(1, 5) == pytest.approx(0.95 / (2 * 0.05))  # capped load
    assert inf.time_to_first_token(0.2, 0.1, 0.03) == pytest.approx(0.33)
    assert inf.static_batch_seconds(0.5, 0.02, 101) == pytest.approx(2.5)


def test_median_tpot_is_one_decode_step_and_the_mean_holds_the_stalls() -> None:
    # The same batch: mean TPOT 0.038 s (prefill stalls spread over the tokens), median 0.03 s (one step).
    cyc = inf.cycle_seconds(32, 0.05, 0.03, 200)
    assert inf.median_time_per_output_token(0.03) == pytest.approx(0.03)
    assert inf.median_time_per_output_token(0.03) < inf.time_per_output_token(cyc, 200)
    # Disaggregated: no stalls, the mean equals the median.
    dis = inf.cycle_seconds(32, 0.05, 0.03, 200, 1)
    assert inf.time_per_output_token(dis, 200) == pytest.approx(inf.median_time_per_output_token(0.03))
    assert evaluate(inf.median_time_per_output_token(Ref("d")), {"d": 0.02}) == pytest.approx(0.02)


def test_prefill_and_decode_fixed_times_are_separate_inputs() -> None:
    # The same pass with the prefill's 140 µs per layer and with a CUDA-graph decode's 0: 32 layers.
    pre = inf.forward_seconds(1e12, 0, 1, 1e15, 0.5, 1e12, 0.75, 0, 32, 140e-6)
    dec = inf.forward_seconds(1e12, 0, 1, 1e15, 0.5, 1e12, 0.75, 0, 32, 0.0)
    assert pre - dec == pytest.approx(32 * 140e-6)


def test_prefill_replicas_keep_ttft_target() -> None:
    # λ = 10/s, s = 0.1, target 0.6: w = 0.5, ρ ≤ 1/1.1, ⌈1 / 0.909⌉ = 2; the TTFT then meets it.
    n = inf.prefill_replicas(10, 0.1, 0.6)
    assert n == 2
    assert 0.1 + inf.prefill_wait_seconds(0.1, 10 / n) <= 0.6
    assert inf.prefill_replicas(0, 0.1, 0.6) == 0


def test_replicas_cost_and_capacity() -> None:
    assert inf.replicas_for_rate(100, 8.0) == 13
    # 52 cards at ¥15 per card-hour making 52,540 output tokens/s: 52·15/3600·10⁶/52,540 = ¥4.12.
    assert inf.cost_per_million_tokens(15, 52, 52_540) == pytest.approx(52 * 15 / 3600 * 1e6 / 52_540)
    assert inf.cost_per_million_tokens(15, 0, 0) == 0
    assert inf.capacity_tokens_per_s(13, 8.0, 1000) == 104_000
    assert inf.per_card(100, 0) == 0


def test_formulas_evaluate_over_arrays_and_render_excel() -> None:
    eff = np.array([0.5, 1.0])
    t = inf.forward_seconds(1e12, 0, 1, 1e12, eff, 1e12, 1, 0, 1, 0)
    assert np.allclose(t, [2.0, 1.0])
    f = inf.forward_seconds(Ref("fl"), Ref("by"), Ref("tp"), Ref("pk"), Ref("ec"), Ref("bw"), Ref("em"),
                            Ref("cm"), Ref("L"), Ref("ov"))
    text = excel_formula(f)
    assert text.startswith("=") and "MAX(" in text
    env = {"fl": 2e12, "by": 4e12, "tp": 2, "pk": 1e12, "ec": 0.5, "bw": 1e12, "em": 1, "cm": 0.1, "L": 10, "ov": 0.01}
    assert evaluate(f, env) == pytest.approx(max(2e12 / (2 * 1e12 * 0.5), 4e12 / (2 * 1e12)) + 0.1 + 0.1)
    w = inf.prefill_wait_seconds(Ref("s"), Ref("r"))
    assert evaluate(w, {"s": 1, "r": 0.5}) == pytest.approx(0.5)
    assert "IF(" in excel_formula(inf.moe_experts_touched(Ref("e"), Ref("k"), Ref("b")))


def test_seed_serving_formula_kept_and_differs() -> None:
    # Seed 000 eq. (11), U·C/(X·t_c): 2000 users, 2·70e9·1000 FLOPs, 989 TFLOP/s, 20 s -> 14.2 cards,
    # FLOPs only; the step model (default scenario, tests/estimate/test_serving_plan.py) needs 40.
    assert serving.infer_cards_seed(2000, 2 * 70e9 * 1000, 989.4e12, 20) == pytest.approx(14.15, abs=0.01)


def test_offline_saturation_formulas() -> None:
    # TensorRT-LLM's KV budget [TRTKV]: 0.9 of what an 80 GB card has free after 70 GB of weights and a
    # 2 GB reserve: 7.2 GB (vLLM's rule, 0.9·80 − 2 − 70, leaves 0); none when the weights fill the card.
    assert inf.kv_cache_budget_after_weights(80e9, 1, 0.9, 70e9, 2e9) == pytest.approx(7.2e9)
    assert inf.kv_cache_budget_bytes(80e9, 1, 0.9, 70e9, 2e9) == pytest.approx(0.0, abs=1.0)
    assert inf.kv_cache_budget_after_weights(80e9, 1, 0.9, 80e9, 2e9) == 0
    # Two cards split the weights: 2·0.9·(80 − 35 − 2) GB.
    assert inf.kv_cache_budget_after_weights(80e9, 2, 0.9, 70e9, 2e9) == pytest.approx(2 * 0.9 * 43e9)
    # Saturated steady state [SARATHI]: 64 sequences of 128 output tokens start 0.5 prompts per iteration;
    # a 2,048-token budget sustains 1,024 sequences at 128/128 and 2048·128/2176 at 2048/128.
    assert inf.prompts_per_iteration(64, 128) == 0.5
    assert inf.token_budget_batch(2048, 128, 128) == 1024
    assert inf.token_budget_batch(2048, 2048, 128) == pytest.approx(2048 * 128 / 2176)
    assert inf.token_budget_batch(10, 20_000, 2) == 1  # never below one sequence
    # Half the iterations carry a prompt: half the prefill's fixed time per layer, half the decode step's.
    assert inf.mixed_iteration_share(64, 128) == 0.5 and inf.mixed_iteration_share(2000, 128) == 1
    assert inf.mixed_layer_overhead_seconds(0.5, 200e-6, 40e-6) == pytest.approx(120e-6)


def test_routed_experts_run_at_the_serving_grouped_gemm_efficiency() -> None:
    """A MoE forward pass blends the dense GEMM efficiency with the routed experts' grouped GEMMs at e·g
    (core.inference [MCORE]; g the serving model's own grouped-GEMM efficiency, fitted on serving rows since
    2026-12-05, not the training model's): e·P / (P − R + R/g)."""
    from xlcompute.planner.inputs import STEP_CONSTANTS
    from xlcompute.serving_model import FITTED, model_shape

    arch = catalog.get_model("mixtral-8x7b").arch
    shape = model_shape(arch)
    # Mixtral: 32 MoE layers of 8 experts, 3·4096·14336 weights each; a token uses 2 of them
    routed = inf.routed_active_params(shape.routed_expert_params, 8, 2)
    assert routed == pytest.approx(32 * 2 * 3 * 4096 * 14336)
    assert inf.routed_active_params(1e9, 0, 0) == 0  # a dense model has no routed share
    p = shape.active_params - shape.embedding_params
    e = inf.model_gemm_efficiency(0.75, p, routed, 0.9)
    assert e == pytest.approx(0.75 * p / (p - routed + routed / 0.9))
    assert 0.75 * 0.9 < e < 0.75  # between the experts' and the dense layers' efficiency
    assert inf.model_gemm_efficiency(0.75, p, 0, 0.9) == pytest.approx(0.75)  # dense: unchanged
    # two constants since 2026-12-05: serving's fitted on serving rows (0.65), training's on training rows (0.9)
    assert (FITTED.grouped_gemm_efficiency, STEP_CONSTANTS["grouped_gemm_efficiency"].value) == (0.65, 0.9)
    assert "MAX(" in excel_formula(inf.model_gemm_efficiency(Ref("E"), Ref("P"), Ref("R"), Ref("G")))


def test_dequant_efficiency_depends_on_the_card_and_the_width() -> None:
    """[DEQUANT]: η_q = 1 / (1 + c·B·η_m / (V·b)). No dequantisation work (c = 0, 16-bit / FP8 weights): 1. With the
    fitted 3.5 operations per weight on an A100 (2.039 TB/s at η_m 0.771875, 19.5 FP32 TFLOPS): 0.78 for int8 (1 byte)
    and 0.69 for int4 with group-32 scales (0.625 byte); an RTX 4090 (1.008 TB/s, 82.6 TFLOPS) keeps 0.95 in int4."""
    a100 = (2.039e12, 0.771875, 19.5e12)
    assert inf.dequant_efficiency(0, 1, *a100) == 1
    assert inf.dequant_efficiency(3.5, 1, *a100) == pytest.approx(1 / (1 + 3.5 * 2.039 * 0.771875 / 19.5), rel=1e-12)
    assert round(inf.dequant_efficiency(3.5, 1, *a100), 2) == 0.78
    assert round(inf.dequant_efficiency(3.5, 0.625, *a100), 2) == 0.69
    assert round(inf.dequant_efficiency(3.5, 0.625, 1.008e12, 0.771875, 82.6e12), 2) == 0.95
    assert inf.weight_read_efficiency(0.8, 0.5) == pytest.approx(0.4)
    # the assumed FP32 peak of a card that publishes none keeps the reference's FP32 per byte of bandwidth
    assert inf.fp32_scaled_by_bandwidth(19.5, 1.6e12, 2.039e12) == pytest.approx(19.5 * 1.6 / 2.039)
    f = inf.dequant_efficiency(*(Ref(f"x{i}") for i in range(5)))
    values = dict(zip((f"x{i}" for i in range(5)), (3.5, 0.625, *a100)))
    assert excel_formula(f).startswith("=") and evaluate(f, values) == pytest.approx(
        inf.dequant_efficiency(3.5, 0.625, *a100))
