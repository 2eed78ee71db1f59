"""Presets of the dense models Chinese buyers plan for (DeepSeek LLM, Yi, Baichuan 2, GLM-4, Qwen3): found by
the Hugging Face id users paste, with the published architecture numbers, and usable as a scenario's model.
The 2 % check of count_params against published_params is test_catalog.py's, run on every preset."""

from __future__ import annotations

import pytest

from xlcompute.catalog import get_model
from xlcompute.scenario import parse_scenario

KEYS = ["deepseek-llm-7b", "deepseek-llm-67b", "yi-6b", "yi-34b", "baichuan2-7b", "baichuan2-13b", "glm4-9b",
        "qwen3-4b", "qwen3-8b", "qwen3-14b"]


@pytest.mark.parametrize(("typed", "key"), [
    ("deepseek-ai/deepseek-llm-7b-base", "deepseek-llm-7b"),
    ("deepseek-ai/deepseek-llm-67b-chat", "deepseek-llm-67b"),
    ("01-ai/Yi-6B", "yi-6b"),
    ("01-ai/Yi-34B", "yi-34b"),
    ("01-ai/Yi-34B-Chat", "yi-34b"),
    ("Yi-34B", "yi-34b"),
    ("baichuan-inc/Baichuan2-7B-Base", "baichuan2-7b"),
    ("baichuan-inc/Baichuan2-13B-Base", "baichuan2-13b"),
    ("百川2-13B", "baichuan2-13b"),
    ("THUDM/glm-4-9b", "glm4-9b"),
    ("THUDM/glm-4-9b-chat", "glm4-9b"),
    ("Qwen/Qwen3-4B", "qwen3-4b"),
    ("Qwen/Qwen3-8B-Base", "qwen3-8b"),
    ("Qwen/Qwen3-14B", "qwen3-14b"),
])
def test_found_by_hugging_face_id(typed: str, key: str) -> None:
    assert get_model(typed).key == key


# (layers, hidden, heads, kv_heads, ffn_hidden, vocab) as published
@pytest.mark.parametrize(("key", "published"), [
    # deepseek-ai/deepseek-llm-7b-base config.json
    ("deepseek-llm-7b", (30, 4096, 32, 32, 11008, 102400)),
    # deepseek-ai/deepseek-llm-67b-base config.json
    ("deepseek-llm-67b", (95, 8192, 64, 8, 22016, 102400)),
    # 01-ai/Yi-6B config.json
    ("yi-6b", (32, 4096, 32, 4, 11008, 64000)),
    # 01-ai/Yi-34B config.json; MindSpeed-LLM pretrain_yi_34b_ptd_16p.sh
    ("yi-34b", (60, 7168, 56, 8, 20480, 64000)),
    # baichuan-inc/Baichuan2-7B-Base config.json
    ("baichuan2-7b", (32, 4096, 32, 32, 11008, 125696)),
    # baichuan-inc/Baichuan2-13B-Base config.json
    ("baichuan2-13b", (40, 5120, 40, 40, 13696, 125696)),
    # THUDM/glm-4-9b config.json: num_layers, hidden_size, num_attention_heads, multi_query_group_num,
    # ffn_hidden_size, padded_vocab_size
    ("glm4-9b", (40, 4096, 32, 2, 13696, 151552)),
    # Qwen3 Technical Report Table 1 (layers, heads) and Qwen/Qwen3-*B config.json (widths, vocab)
    ("qwen3-4b", (36, 2560, 32, 8, 9728, 151936)),
    ("qwen3-8b", (36, 4096, 32, 8, 12288, 151936)),
    ("qwen3-14b", (40, 5120, 40, 8, 17408, 151936)),
])
def test_published_architecture(key: str, published: tuple[int, ...]) -> None:
    a = get_model(key).arch
    assert (a.layers, a.hidden, a.heads, a.kv_heads, a.ffn_hidden, a.vocab) == published
    assert a.experts == 0  # dense


def test_published_details_beyond_the_widths() -> None:
    # Qwen3-4B: 128-wide heads on h = 2560 and tied embeddings (report Table 1); GLM-4-9B: bias on Q, K, V only.
    q = get_model("qwen3-4b").arch
    assert (q.head_dim, q.tied_embeddings) == (128, True)
    assert not get_model("qwen3-8b").arch.tied_embeddings
    g = get_model("glm4-9b").arch
    assert g.qkv_bias and not g.attn_bias and not g.mlp_bias
    # DeepSeek LLM README: 2,304 and 4,608 sequences of 4,096 tokens a batch.
    assert get_model("deepseek-llm-7b").recipe.batch_tokens == 2304 * 4096  # type: ignore[union-attr]
    assert get_model("deepseek-llm-67b").recipe.batch_tokens == 4608 * 4096  # type: ignore[union-attr]


@pytest.mark.parametrize("key", KEYS)
def test_a_scenario_names_the_preset(key: str) -> None:
    name = get_model(key).name
    sc = parse_scenario({"model": {"preset": name}, "training": {"tokens": "1T"},
                         "cluster": {"accelerator": "H800", "cards": 256}})
    assert get_model(sc.model.preset).key == key  # type: ignore[arg-type]
