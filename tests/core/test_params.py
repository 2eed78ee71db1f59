"""Parameter counts: seed 003's 12*l*h^2, the exact dense formula (both faces) and count_params."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xlcompute.core.expr import Ref, evaluate, excel_formula
from xlcompute.core.params import ModelArch, ParamCount, count_params, params_12lh2, params_dense

# -- seed 003, worked example #9 ------------------------------------------------------------

SEED_003 = [
    (32, 4096, 6_442_450_944),
    (40, 5120, 12_582_912_000),
    (60, 6656, 31_897_681_920),
    (80, 8192, 64_424_509_440),
]


@pytest.mark.parametrize(("layers", "hidden", "expected"), SEED_003)
def test_params_12lh2_reproduces_seed_003_table(layers: int, hidden: int, expected: int) -> None:
    result = params_12lh2(layers, hidden)
    assert result == expected
    assert isinstance(result, int)


@pytest.mark.parametrize(("layers", "hidden", "expected"), SEED_003)
def test_params_12lh2_excel_face_agrees(layers: int, hidden: int, expected: int) -> None:
    expr = params_12lh2(Ref("l"), Ref("h"))
    assert excel_formula(expr) == "=12*l*h^2"
    assert evaluate(expr, {"l": layers, "h": hidden}) == expected


def test_12lh2_is_the_exact_count_of_a_bare_gpt_block_minus_norms() -> None:
    # Seed form vs exact: for ffn = 4h, MHA, no bias and no embeddings, the only difference
    # is the LayerNorm parameters (2 norms x weight+bias per layer, plus the final norm).
    layers, hidden = 40, 5120
    arch = ModelArch(
        layers=layers, hidden=hidden, heads=40, ffn_hidden=4 * hidden, gated_ffn=False, norm="layernorm"
    )
    exact = count_params(arch)
    assert exact.total - params_12lh2(layers, hidden) == exact.norm == 4 * hidden * layers + 2 * hidden


def test_12lh2_undercounts_modern_models() -> None:
    # Llama-3.1-8B: the seed's rule gives 6.44e9, the exact count is 8.03e9 (GQA, SwiGLU 3.5h,
    # 128k vocabulary) -- the reason the core offers params_dense / count_params.
    exact = 8_030_261_248
    assert params_12lh2(32, 4096) / exact == pytest.approx(0.8023, abs=1e-4)


# -- params_dense: one formula, numbers and Excel ----------------------------------------------

DENSE_CASES = {
    # name: (layers, hidden, vocab, ffn_hidden, heads, kv_heads, gated, tied, norm_params)
    "llama2-7b": (32, 4096, 32000, 11008, 32, 32, 1, 0, 1),
    "llama3.1-8b": (32, 4096, 128256, 14336, 32, 8, 1, 0, 1),
    "llama2-70b": (80, 8192, 32000, 28672, 64, 8, 1, 0, 1),
    "llama3.1-405b": (126, 16384, 128256, 53248, 128, 8, 1, 0, 1),
    "gpt-like-tied-layernorm": (24, 2048, 50257, 8192, 16, 16, 0, 1, 2),
    "mqa": (4, 256, 1000, 1024, 8, 1, 1, 0, 1),
}
ARG_NAMES = ("layers", "hidden", "vocab", "ffn_hidden", "heads", "kv_heads", "gated", "tied", "norm_params")


def _arch_from_dense_args(args: tuple[int, ...]) -> ModelArch:
    layers, hidden, vocab, ffn, heads, kv, gated, tied, norm = args
    return ModelArch(
        layers=layers,
        hidden=hidden,
        vocab=vocab,
        ffn_hidden=ffn,
        heads=heads,
        kv_heads=kv,
        gated_ffn=bool(gated),
        tied_embeddings=bool(tied),
        norm="layernorm" if norm == 2 else "rmsnorm",
    )


@pytest.mark.parametrize("args", DENSE_CASES.values(), ids=DENSE_CASES.keys())
def test_params_dense_excel_face_matches_number_face(args: tuple[int, ...]) -> None:
    refs = [Ref(n) for n in ARG_NAMES]
    expr = params_dense(*refs)
    text = excel_formula(expr)
    assert text == (
        "=layers*(2*hidden^2+2*hidden^2*kv_heads/heads+(2+gated)*hidden*ffn_hidden)"
        "+norm_params*hidden*(2*layers+1)+(2-tied)*vocab*hidden"
    )
    assert evaluate(expr, dict(zip(ARG_NAMES, args))) == params_dense(*args)


@pytest.mark.parametrize("args", DENSE_CASES.values(), ids=DENSE_CASES.keys())
def test_params_dense_equals_count_params_without_biases(args: tuple[int, ...]) -> None:
    assert params_dense(*args) == count_params(_arch_from_dense_args(args)).total


def test_params_dense_defaults_are_llama_style() -> None:
    assert params_dense(32, 4096, 128256, 14336, 32, 8) == 8_030_261_248


def test_params_dense_mixed_numbers_and_refs() -> None:
    expr = params_dense(Ref("L"), 4096, 32000, 11008, 32, 32)
    assert evaluate(expr, {"L": 32}) == 6_738_415_616


def test_params_dense_vs_exact_for_biased_models() -> None:
    # params_dense ignores biases and learned positions; count_params includes them. The
    # difference is exactly those vectors (Qwen2: QKV bias; GPT-3: all biases + 2048 positions).
    qwen = ModelArch(layers=80, hidden=8192, heads=64, kv_heads=8, ffn_hidden=29568, vocab=152064, qkv_bias=True)
    d = 8192 // 64
    qkv_bias = 80 * (64 * d + 2 * 8 * d)
    assert count_params(qwen).total - params_dense(80, 8192, 152064, 29568, 64, 8) == qkv_bias

    h, L = 12288, 96
    gpt3 = ModelArch(
        layers=L, hidden=h, heads=96, ffn_hidden=4 * h, gated_ffn=False, vocab=50257, tied_embeddings=True,
        position_embeddings=2048, attn_bias=True, mlp_bias=True, norm="layernorm",
    )
    biases = L * (3 * h + h + 4 * h + h)  # QKV + out projection + MLP up + MLP down
    dense = params_dense(L, h, 50257, 4 * h, 96, 96, gated=0, tied=1, norm_params=2)
    assert count_params(gpt3).total - dense == biases + 2048 * h


# -- count_params: exact counts confirmed against Hugging Face / papers -----------------------


def test_llama2_7b_exact() -> None:
    arch = ModelArch(layers=32, hidden=4096, heads=32, ffn_hidden=11008, vocab=32000)
    assert count_params(arch).total == 6_738_415_616


def test_llama31_8b_exact() -> None:
    arch = ModelArch(layers=32, hidden=4096, heads=32, kv_heads=8, ffn_hidden=14336, vocab=128256)
    c = count_params(arch)
    assert c.total == 8_030_261_248
    assert c.active == c.total
    assert c.embedding == c.lm_head == 128256 * 4096


def test_mixtral_8x7b_exact() -> None:
    arch = ModelArch(
        layers=32, hidden=4096, heads=32, kv_heads=8, ffn_hidden=14336, vocab=32000, experts=8, top_k=2
    )
    c = count_params(arch)
    assert c.total == 46_702_792_704
    expert = 3 * 4096 * 14336
    assert c.active == c.total - 32 * 6 * expert == 12_879_925_248
    assert c.router == 32 * 4096 * 8


def _deepseek_v3() -> ModelArch:
    return ModelArch(
        layers=61, hidden=7168, heads=128, ffn_hidden=18432, moe_ffn_hidden=2048, vocab=129280,
        experts=256, top_k=8, shared_experts=1, dense_layers=3, router_bias=True,
        q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128,
        mtp_layers=1,
    )


def test_deepseek_v3_mla_moe() -> None:
    c = count_params(_deepseek_v3())
    # MLA per layer: q_a 7168x1536 + norm 1536 + q_b 1536x(128x192) + kv_a 7168x576 + norm 512
    # + kv_b 512x(128x256) + o 16384x7168.
    mla = 7168 * 1536 + 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 + 512 * 128 * 256 + 128 * 128 * 7168
    assert c.attention == 61 * mla
    assert c.total == 671_026_419_200
    assert c.total / 671e9 == pytest.approx(1, abs=0.001)
    assert c.active / 37e9 == pytest.approx(1, abs=0.02)
    assert c.mtp > 0
    assert c.total_with_mtp == c.total + c.mtp


def test_param_count_parts_sum_to_total() -> None:
    for arch in (_deepseek_v3(), ModelArch(layers=2, hidden=64, heads=4, ffn_hidden=256, vocab=10)):
        c = count_params(arch)
        assert c.total == c.embedding + c.lm_head + c.attention + c.ffn + c.router + c.norm
        assert c.non_embedding == c.total - c.embedding - c.lm_head
        assert c.active_non_embedding == c.active - c.embedding - c.lm_head


def test_param_count_is_frozen() -> None:
    c = count_params(ModelArch(layers=2, hidden=64, heads=4, ffn_hidden=256))
    assert isinstance(c, ParamCount)
    with pytest.raises(ValidationError):
        c.total = 1  # type: ignore[misc]


# -- ModelArch validation: clear messages naming field, value and range -------------------------


def _base(**kw: object) -> dict[str, object]:
    return {"layers": 2, "hidden": 64, "heads": 4, "ffn_hidden": 256, **kw}


@pytest.mark.parametrize("field", ["layers", "hidden", "heads", "ffn_hidden"])
def test_non_positive_sizes_are_rejected_with_the_field_name(field: str) -> None:
    with pytest.raises(ValidationError) as err:
        ModelArch(**_base(**{field: 0}))
    text = str(err.value)
    assert field in text and "greater than 0" in text and "input_value=0" in text


def test_defaults_are_derived() -> None:
    arch = ModelArch(**_base())
    assert (arch.kv_heads, arch.head_dim, arch.moe_ffn_hidden) == (4, 16, 256)


def test_heads_must_divide_hidden_unless_head_dim_given() -> None:
    with pytest.raises(ValidationError, match=r"heads=40 must divide hidden=5140"):
        ModelArch(**_base(hidden=5140, heads=40))
    assert ModelArch(**_base(hidden=5140, heads=40, head_dim=128)).head_dim == 128


def test_kv_heads_must_divide_heads() -> None:
    with pytest.raises(ValidationError, match=r"kv_heads=3 must divide heads=4"):
        ModelArch(**_base(kv_heads=3))


def test_top_k_must_not_exceed_experts() -> None:
    with pytest.raises(ValidationError, match=r"top_k=9 must be between 1 and experts=8"):
        ModelArch(**_base(experts=8, top_k=9))
    with pytest.raises(ValidationError, match=r"top_k=0 must be between 1 and experts=8"):
        ModelArch(**_base(experts=8))
    with pytest.raises(ValidationError, match=r"need experts > 0"):
        ModelArch(**_base(top_k=2))


def test_dense_layers_below_layers() -> None:
    with pytest.raises(ValidationError, match=r"dense_layers=2 must be below layers=2"):
        ModelArch(**_base(experts=4, top_k=1, dense_layers=2))


def test_mla_needs_its_head_sizes() -> None:
    with pytest.raises(ValidationError, match=r"MLA"):
        ModelArch(**_base(kv_lora_rank=32))
    with pytest.raises(ValidationError, match=r"only used with kv_lora_rank > 0"):
        ModelArch(**_base(q_lora_rank=32))


def test_unknown_fields_and_mutation_are_rejected() -> None:
    with pytest.raises(ValidationError, match=r"hidden_size"):
        ModelArch(**_base(hidden_size=64))
    arch = ModelArch(**_base())
    with pytest.raises(ValidationError):
        arch.layers = 3  # type: ignore[misc]
