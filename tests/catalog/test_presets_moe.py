"""Mixture-of-experts presets (GLM-4.5, GLM-4.5-Air, Qwen2-57B-A14B, DeepSeek-V2-Lite, Hunyuan-A13B): found by the
Hugging Face id users paste, with the published MoE shape, usable as a scenario's model. test_catalog.py checks every
preset's total (and, where published_active_params is set, active) count within 2 %; the active figures published in
another counting convention are checked here in that convention."""

from __future__ import annotations

import pytest

from xlcompute.catalog import get_model
from xlcompute.scenario import parse_scenario

KEYS = ["glm4.5", "glm4.5-air", "qwen2-57b-a14b", "deepseek-v2-lite", "hunyuan-a13b"]


@pytest.mark.parametrize(("typed", "key"), [
    ("zai-org/GLM-4.5", "glm4.5"),
    ("zai-org/GLM-4.5-Base", "glm4.5"),
    ("GLM-4.5", "glm4.5"),
    ("智谱 GLM-4.5", "glm4.5"),
    ("zai-org/GLM-4.5-Air", "glm4.5-air"),
    ("zai-org/GLM-4.5-Air-Base", "glm4.5-air"),
    ("Qwen/Qwen2-57B-A14B", "qwen2-57b-a14b"),
    ("Qwen/Qwen2-57B-A14B-Instruct", "qwen2-57b-a14b"),
    ("deepseek-ai/DeepSeek-V2-Lite", "deepseek-v2-lite"),
    ("deepseek-ai/DeepSeek-V2-Lite-Chat", "deepseek-v2-lite"),
    ("tencent/Hunyuan-A13B-Instruct", "hunyuan-a13b"),
    ("tencent/Hunyuan-A13B-Pretrain", "hunyuan-a13b"),
    ("混元 Hunyuan-A13B", "hunyuan-a13b"),
])
def test_found_by_hugging_face_id(typed: str, key: str) -> None:
    assert get_model(typed).key == key


def test_the_older_presets_keep_their_names() -> None:
    # "DeepSeek-V2" and "Qwen2" must not be captured by the new, longer names.
    assert get_model("deepseek-ai/DeepSeek-V2").key == "deepseek-v2"
    assert get_model("Qwen/Qwen2-72B").key == "qwen2-72b"
    assert get_model("THUDM/glm-4-9b").key == "glm4-9b"


# (layers, hidden, experts, top_k, shared_experts, moe_ffn_hidden, dense_layers) as published
@pytest.mark.parametrize(("key", "published"), [
    # zai-org/GLM-4.5 config.json (num_hidden_layers, hidden_size, n_routed_experts, num_experts_per_tok,
    # n_shared_experts, moe_intermediate_size, first_k_dense_replace); arXiv:2508.06471 Table 1
    ("glm4.5", (92, 5120, 160, 8, 1, 1536, 3)),
    # arXiv:2508.06471 Table 1 (1 dense + 45 MoE layers); zai-org/GLM-4.5-Air config.json
    ("glm4.5-air", (46, 4096, 128, 8, 1, 1408, 1)),
    # Qwen2 report Table 1 (8 shared experts of 2,560 = config.json shared_expert_intermediate_size 20,480)
    ("qwen2-57b-a14b", (28, 3584, 64, 8, 8, 2560, 0)),
    # deepseek-ai/DeepSeek-V2-Lite config.json; arXiv:2405.04434 Appendix B.1
    ("deepseek-v2-lite", (27, 2048, 64, 6, 2, 1408, 1)),
    # Tencent-Hunyuan/Hunyuan-A13B models/config.json (every layer MoE); technical report Table 1
    ("hunyuan-a13b", (32, 4096, 64, 8, 1, 3072, 0)),
])
def test_published_moe_shape(key: str, published: tuple[int, ...]) -> None:
    a = get_model(key).arch
    assert (a.layers, a.hidden, a.experts, a.top_k, a.shared_experts, a.moe_ffn_hidden, a.dense_layers) == published


def test_published_details_beyond_the_moe_shape() -> None:
    glm, air = get_model("glm4.5").arch, get_model("glm4.5-air").arch
    # 96 heads of 128 on h = 5120 / 4096, 8 KV heads, bias on Q, K, V only, one MTP layer (config.json, Table 1)
    for a in (glm, air):
        assert (a.heads, a.kv_heads, a.head_dim, a.mtp_layers) == (96, 8, 128, 1)
        assert a.qkv_bias and not a.attn_bias and a.router_bias and not a.tied_embeddings
    q = get_model("qwen2-57b-a14b").arch
    assert q.shared_experts * q.moe_ffn_hidden == 20480 and q.qkv_bias and (q.heads, q.kv_heads) == (28, 4)
    d = get_model("deepseek-v2-lite").arch  # MLA without query compression (Appendix B.1)
    assert (d.q_lora_rank, d.kv_lora_rank, d.qk_rope_head_dim, d.heads) == (0, 512, 64, 16)
    h = get_model("hunyuan-a13b").arch  # GQA 32/8, tied embedding (config.json)
    assert (h.heads, h.kv_heads, h.tied_embeddings, h.vocab) == (32, 8, True, 128167)


def test_deepseek_v2_lite_is_its_checkpoint_to_the_parameter() -> None:
    # safetensors total of deepseek-ai/DeepSeek-V2-Lite-Chat: 15,706,484,224
    assert get_model("deepseek-v2-lite").param_count.total == 15_706_484_224


@pytest.mark.parametrize(("key", "total", "activated"), [("glm4.5", 355e9, 32e9), ("glm4.5-air", 106e9, 12e9)])
def test_glm45_counts_in_the_reports_convention(key: str, total: float, activated: float) -> None:
    # arXiv:2508.06471 Table 1: "we include the parameters of MTP layers but not word embeddings and the output layer".
    c = get_model(key).param_count
    assert (c.non_embedding + c.mtp) / total == pytest.approx(1, abs=0.02)
    assert c.active_non_embedding / activated == pytest.approx(1, abs=0.02)
    assert get_model(key).published_active_params is None  # 32B / 12B exclude what count_params' active includes


def test_deepseek_v2_lite_activated_lies_between_the_two_conventions() -> None:
    # arXiv:2405.04434: 2.4B activated; 2.24B without embedding and output head, 2.45B without the embedding only.
    c = get_model("deepseek-v2-lite").param_count
    assert c.active_non_embedding < 2.4e9 < c.active - c.embedding


@pytest.mark.parametrize("key", KEYS)
def test_a_scenario_names_the_preset(key: str) -> None:
    sc = parse_scenario({"model": {"preset": get_model(key).name}, "training": {"tokens": "1T"},
                         "cluster": {"accelerator": "H800", "cards": 256}})
    assert get_model(sc.model.preset).key == key  # type: ignore[arg-type]
