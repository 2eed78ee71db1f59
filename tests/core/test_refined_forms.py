"""Where the refined forms the estimate and the planner use differ from the published ones they
generalise, and where they coincide (engineering standard: refined default, published form kept
under its name, the difference tested)."""

from __future__ import annotations

import pytest

from xlcompute.core import compute, memory, params

S, B = 2048, 1


@pytest.mark.parametrize("tp, sp, rc", [(1, 0, 0), (8, 0, 0), (8, 1, 0), (8, 1, 1), (8, 0, 2), (8, 1, 2)])
def test_activations_reduce_to_korthikanti_table_2_for_the_gpt_shape(tp: int, sp: int, rc: int) -> None:
    # GPT-3 175B: MHA (96 heads of 128), MLP 4h, no gate, unfused attention.
    h, a, L = 12288, 96, 96
    linear = memory.activations_linear_layer(S, B, h, a, a, 128, 4 * h, 0, tp, sp)
    score = memory.activations_score_layer(S, B, a, tp, 0)
    stored = memory.activations_stored_layer(linear, score, S, B, h, tp, sp, rc, 0)
    assert L * stored == pytest.approx(memory.activation_bytes(L, S, h, a, B, tp, sp, rc), rel=1e-12)


def test_activations_of_a_gqa_gated_model_differ_from_table_2() -> None:
    # Llama-2-70B: 8 KV heads of 64, SwiGLU MLP 28,672 wide. Table 2's 34·s·b·h assumes MHA and a
    # 4h GeLU MLP; the refined form counts K and V at 1/8 and the three MLP tensors of SwiGLU.
    h, a, kv, f = 8192, 64, 8, 28672
    refined = memory.activations_linear_layer(S, B, h, a, kv, 128, f, 1, 1, 0)
    published = memory.activation_bytes(1, S, h, a, B, 1, 0, 1)  # selective: no scores
    # 10 + 4 + 4/8 + 2·3.5·3 = 35.5 bytes per s·b·h against 34: +4.4%
    assert refined / (S * B * h) == pytest.approx(35.5)
    assert refined / published == pytest.approx(35.5 / 34)


def test_flash_attention_keeps_only_the_log_sum_exp() -> None:
    unfused = memory.activations_score_layer(S, B, 96, 8, 0)
    flash = memory.activations_score_layer(S, B, 96, 8, 1)
    assert unfused == 5 * 96 * S * S * B / 8 and flash == 4 * 96 * S * B / 8


def test_model_flops_are_seed_002_and_add_the_attention_term_to_6pt() -> None:
    p, t, s, L, w = 68.98e9, 2e12, 4096, 80, 8192
    model = compute.train_flops_attn(p, t, s, L, w)
    assert model == pytest.approx(compute.train_flops_6tp(p, t) + 12 * L * s * w * t, rel=1e-12)
    assert model / compute.train_flops_6tp(p, t) - 1 == pytest.approx(0.0778, abs=5e-4)  # +7.8% at 4k tokens
    # Recomputation adds hardware FLOPs, never model FLOPs.
    block = 0.85e9
    assert compute.recompute_flops(t, block, L, s, w, 0) == 0
    assert compute.recompute_flops(t, block, L, s, w, 2) == pytest.approx(t * L * (2 * block + 4 * s * w))


def test_first_stage_weights_refine_the_even_split() -> None:
    # Llama-2-70B on 5 stages: 16 layers and the embedding on the first stage (the 70B/5 even split
    # ignores that the embedding table sits there); one stage also holds the output head.
    total, emb, head, L = 68_976_648_192, 262_144_000, 262_144_000, 80
    block = params.block_params(total, emb, head, L)
    first = params.first_stage_params(block, 16, emb, head, 5)
    assert first == pytest.approx(16 * block + emb)
    assert first / (total / 5) - 1 == pytest.approx(0.0114, abs=2e-4)  # +1.1% over P/pp
    assert params.first_stage_params(block, L, emb, head, 1) == pytest.approx(total)
    # uneven: 80 layers on 6 stages, the busiest holds 14
    assert params.first_stage_params(block, 14, emb, head, 6) > total / 6
