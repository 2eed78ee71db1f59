"""Every figure of shared/reference/worked_examples.md: the exact recomputation (tight tolerance)
and the seed's printed figure (within the tolerance its rounding implies)."""

from __future__ import annotations

import math

import pytest

from xlcompute.core import comm, compute, memory, schedule, serving
from xlcompute.core.units import GB, GIB, SECONDS_PER_DAY, TB

A100 = 312e12
EXACT = 1e-4  # the table prints 4-5 significant figures


# 1-3 (seed 001): GPT-3
def test_1_gpt3_training_compute():
    c = compute.train_flops(175e9, 300e9)
    assert c == pytest.approx(3.15e23, rel=1e-12)
    assert c == compute.train_flops_6tp(175e9, 300e9)
    assert c == pytest.approx(3.14e23, rel=0.005)  # published (Brown et al. 2020)


def test_2_gpt3_a100_hours():
    c = compute.train_flops_6tp(175e9, 300e9)
    hours = schedule.gpu_hours(c, A100, 0.462)
    assert hours == pytest.approx(607_032, abs=1)
    assert schedule.card_days(c, A100, 0.462) == pytest.approx(25_293, abs=1)
    assert hours == pytest.approx(60.67e4, rel=0.001)  # seed prints 60.67万
    assert schedule.card_days(c, A100, 0.462) == pytest.approx(2.53e4, rel=0.002)  # 2.53万


def test_3_gpt3_on_1000_a100():
    days = schedule.train_days(compute.train_flops_6tp(175e9, 300e9), 1000, A100, 0.462)
    assert days == pytest.approx(25.29, abs=0.005)
    assert 20 < days < 35  # "about a month"


# 4-5 (seed 001): GPT-4 MoE, active parameters
def test_4_gpt4_compute_active_params():
    active = 2 * 111e9 + 55e9
    c = compute.train_flops_6tp(active, 13e12)
    assert c == pytest.approx(2.1606e25, rel=EXACT)
    assert c == pytest.approx(2.16e25, rel=0.0005)
    assert c == pytest.approx(2.15e25, rel=0.005)  # published (SemiAnalysis 2023)


def test_5_gpt4_a100_hours_and_days():
    c = compute.train_flops_6tp(277e9, 13e12)
    hours = schedule.gpu_hours(c, A100, 0.36)
    assert hours == pytest.approx(53_433_642, abs=1)
    assert schedule.train_days(c, 25_000, A100, 0.36) == pytest.approx(89.06, abs=0.005)
    assert round(schedule.train_days(c, 25_000, A100, 0.36)) == 89


# 6-8 (seed 002): Qwen2-72B
QWEN = dict(batch=4, seq_len=32768, hidden=8192, vocab=152064, layers=80, ffn_hidden=29568)


def test_6_qwen2_forward_flops_detailed():
    f = compute.forward_flops_seed002(**QWEN)
    assert f == 29_991_378_670_845_952  # the seed prints this exact integer
    assert f == pytest.approx(30e15, rel=0.001)  # "≈ 30 PFLOPs"
    # The refined form with GQA 8/64 and a gated FFN is the same number: the seed is its special case.
    assert compute.forward_flops(**QWEN, heads=64, kv_heads=8, gated=1) == pytest.approx(f, rel=1e-15)
    # ... and differs for full multi-head attention (kv_heads = heads), which the seed cannot express.
    assert compute.forward_flops(**QWEN, heads=64, kv_heads=64, gated=1) > f * 1.05


def test_7_qwen2_training_compute_and_time():
    c = compute.train_flops_seq(72e9, 7e12, 32768, 2.6e6)
    assert c == pytest.approx(4.8131e24, rel=EXACT)
    card_seconds = c / 300e12
    assert card_seconds == pytest.approx(1.6044e10, rel=EXACT)
    assert schedule.gpu_hours(c, 300e12, 1) == pytest.approx(4.4566e6, rel=EXACT)
    days = schedule.train_days(c, 6000, 300e12, 1)
    assert days == pytest.approx(30.95, abs=0.005)
    # The seed prints 15.93e9 card-s and 4,426,000 card-h (its own rounding, 0.7% low) and ~30 days.
    assert card_seconds == pytest.approx(15.93e9, rel=0.008)
    assert schedule.gpu_hours(c, 300e12, 1) == pytest.approx(4_426_000, rel=0.008)
    assert days == pytest.approx(30, rel=0.035)
    # The attention-aware default uses 4·h·L = 2,621,440 instead of the rounded 2.6e6: +0.3%.
    exact = compute.train_flops_attn(72e9, 7e12, 32768, 80, 8192)
    assert exact / c == pytest.approx(1.0031, abs=0.0001)


def test_8_qwen_forward_pass_speed():
    f = compute.infer_flops_seq(72e9, 1000, 1000, 2.6e6)
    seconds = f / 1248e12
    assert seconds == pytest.approx(0.1175, abs=0.00005)
    assert 1 / seconds == pytest.approx(8.51, abs=0.005)
    assert seconds == pytest.approx(0.115, rel=0.025)  # seed prints 0.115 s
    assert 1 / seconds == pytest.approx(8.67, rel=0.025)  # and 8.67 per s
    assert 1 / seconds == pytest.approx(8.48, rel=0.005)  # measured (Qwen model card)


# 10-12 (seed 003)
def test_10_model_file_size():
    assert memory.weights_bytes(13e9) == 26 * GB


def test_11_training_hbm_20p():
    assert memory.train_hbm_20p(13e9) == 260 * GB


def test_12_gpt3_activation_memory():
    b1 = memory.activation_bytes_seed(96, 2048, 12288, 96, 1)
    b64 = memory.activation_bytes_seed(96, 2048, 12288, 96, 64)
    assert b1 / GB == pytest.approx(275.41, abs=0.005)
    assert b64 / TB == pytest.approx(17.627, abs=0.0005)
    assert b1 / GB == pytest.approx(275, rel=0.002)
    assert b64 / TB == pytest.approx(17.6, rel=0.002)
    # The refined (Korthikanti) form equals the seed without parallelism or recomputation ...
    assert memory.activation_bytes(96, 2048, 12288, 96, 1) == pytest.approx(b1, rel=1e-12)
    # ... and shows what TP=8 with sequence parallelism and selective recompute saves: 34/8 of 34+5as/h.
    tp8 = memory.activation_bytes(96, 2048, 12288, 96, 1, tp=8, sp=1, recompute=1)
    assert tp8 / b1 == pytest.approx((34 / 8) / (34 + 5 * 96 * 2048 / 12288), rel=1e-12)
    full = memory.activation_bytes(96, 2048, 12288, 96, 1, recompute=2)
    assert full == 96 * 2 * 2048 * 12288


# 13 (seed 003): AscendSpeed / Megatron FLOPs per iteration
def test_13_iteration_flops_formula():
    B, s, l, h, V = 1536, 2048, 96, 12288, 51200
    k4 = compute.iter_flops_megatron(B, s, l, h, V, recompute=1)
    # Narayanan et al. 2021 eq. (3): 96·B·s·l·h²·(1 + s/(6h) + V/(16lh)) with recomputation.
    assert k4 == pytest.approx(96 * B * s * l * h**2 * (1 + s / (6 * h) + V / (16 * l * h)), rel=1e-12)
    assert compute.iter_flops_megatron(B, s, l, h, V) == pytest.approx(k4 * 3 / 4, rel=1e-12)
    # Its transformer part is the attention-aware count with P = 12·l·h² (seed 002 ≡ seed 003).
    no_vocab = compute.iter_flops_megatron(B, s, l, h, 0)
    assert no_vocab == pytest.approx(compute.train_flops_attn(12 * l * h**2, B * s, s, l, h), rel=1e-12)


# 14 (seed 000 eqs. 3-6; ZeRO paper Figure 1)
def test_14_zero_memory():
    p, n = 7.5e9, 64
    assert memory.model_states_bytes(p) / GB == pytest.approx(120)
    assert memory.zero1_bytes(p, n) / GB == pytest.approx(31.4, abs=0.05)
    assert memory.zero2_bytes(p, n) / GB == pytest.approx(16.6, abs=0.05)
    assert memory.zero3_bytes(p, n) / GB == pytest.approx(1.875)
    for stage, expect in enumerate((120, 31.40625, 16.640625, 1.875)):
        assert memory.zero_bytes(p, stage, n) / GB == pytest.approx(expect)
    # Refined (the estimate's memory phase): with tp·pp model parallelism ZeRO only partitions the
    # P/(tp·pp) shard over the dp replicas; optimizer states from stage 1, gradients 2, weights 3.
    def states(shard: float, stage: int, dp: int) -> float:
        return (memory.zero_partitioned(2 * shard, stage, 3, dp) + memory.zero_partitioned(2 * shard, stage, 2, dp)
                + memory.zero_partitioned(12 * shard, stage, 1, dp))

    assert states(p, 3, n) == pytest.approx(memory.zero3_bytes(p, n))
    assert states(p / 8, 1, 8) == pytest.approx(memory.zero1_bytes(p / 8, 8))
    # The seed form treats all 64 chips as data-parallel and keeps whole weights on each: 6x too high here.
    assert memory.zero_bytes(p, 1, 64) / states(p / 8, 1, 8) == pytest.approx(6.09, abs=0.01)


# 15 (seed 000 eqs. 7-9)
def test_15_communication_volumes():
    T, P, b, s, n, h, l = 2e12, 70e9, 1024, 4096, 1000, 8192, 80
    assert comm.comm_dp_seed(T, P, b, s) == T * P / (b * s)
    assert comm.comm_pp_seed(n, h, T) == 2 * n * h * T
    assert comm.comm_tp_seed(h, l, n, T) == 4 * h * l * n * T
    # Refined: a ring all-reduce sends 2(n-1)/n of the message per card, in bytes (the 2P bytes of
    # bf16 gradients over 64 replicas, one micro-batch, ZeRO-1); ZeRO-3 adds a weight all-gather in
    # the forward and backward of every micro-batch.
    assert comm.dp_bytes_per_step(2 * P, 2 * P, 64, 1, 1) == pytest.approx(2 * 63 / 64 * 2 * P)
    assert comm.dp_bytes_per_step(2 * P, 2 * P, 64, 4, 3) == pytest.approx(63 / 64 * 2 * P * (1 + 2 * 4))
    assert comm.allreduce_seconds(1e9, 8, 100e9) == pytest.approx(2 * 7 / 8 * 1e9 / 100e9)


# 16 (seed 000 eqs. 10-12)
def test_16_inference_compute_cards_and_cost():
    P, T_io, X, U, t_c, E = 70e9, 1000, 989.4e12, 2000, 20, 15.0
    c = compute.infer_flops(P, T_io)
    assert c == 2 * T_io * P
    n_seed = serving.infer_cards_seed(U, c, X, t_c)
    assert n_seed == pytest.approx(U * c / (X * t_c))
    assert serving.infer_cards(U, c, X, t_c, 1) == math.ceil(n_seed)
    right = serving.cost_per_request(c, X, E, 1)
    printed = serving.cost_per_request_seed(c, E, n_seed, X)
    # The printed eq. 12 divides by n again: it is exactly n times too small.
    assert right == pytest.approx(c / X * E / 3600)
    assert printed * n_seed == pytest.approx(right, rel=1e-12)
    assert serving.cost_per_request_seed(c, E, 1, X) == pytest.approx(right)  # they agree only at n = 1


# 17 (seed 004): LLaMA-65B
def test_17_llama65b_implied_mfu():
    tokens_per_s_per_card = 1.4e12 / (2048 * 21 * SECONDS_PER_DAY)
    mfu = schedule.mfu_from_throughput(tokens_per_s_per_card, 65.2e9, A100)
    assert mfu == pytest.approx(0.4724, abs=0.0005)
    assert round(mfu, 2) == 0.47


# 18 (seed 004): 20 bytes per parameter for a 10T model
def test_18_ten_trillion_parameter_memory():
    total = 20 * 10e12
    assert total / TB == 200
    assert serving.cards_for_weights(10e12, 20, 80 * GB, 1) == 2500  # the seed's 2,500 uses GB
    # With the H100's true 80 GiB the floor is 2,329 cards: the seed's "≥ 2,500" is safe, not exact.
    assert serving.cards_for_weights(10e12, 20, 80 * GIB, 1) == 2329
