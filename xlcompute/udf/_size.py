"""Excel functions for model size: exact and approximate parameter counts (seed 003;
:mod:`xlcompute.core.params`)."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute.core import params as core_params
from xlcompute.udf._register import HIDDEN, LAYERS, excel

__all__ = ["LLM_PARAMS", "LLM_PARAMS_12LH2"]


@excel(
    {
        "layers": LAYERS,
        "hidden": HIDDEN,
        "vocab": "Optional. Vocabulary size; default 0 leaves the embeddings out.",
        "ffn_hidden": "Optional. MLP inner width; default 4 × hidden (GPT style).",
        "heads": "Optional. Query heads; only the ratio kv_heads/heads matters. Default: as kv_heads.",
        "kv_heads": "Optional. Key/value heads (GQA); default = heads (multi-head attention).",
        "gated": "Optional. 1/TRUE for a gated SwiGLU MLP (Llama), 0/FALSE (default) for GPT style.",
    }
)
def LLM_PARAMS(
    layers: Any,
    hidden: Any,
    vocab: Any = None,
    ffn_hidden: Any = None,
    heads: Any = None,
    kv_heads: Any = None,
    gated: Any = None,
) -> float:
    """Exact parameter count of a dense decoder (no biases, RMSNorm, untied embeddings). A count.
    Defaults are GPT style: no embeddings, MLP 4h, multi-head attention, ungated."""
    l_ = a.whole(layers, "layers")
    h = a.whole(hidden, "hidden")
    v = a.whole(vocab, "vocab", default=0, minimum=0)
    ffn = a.whole(ffn_hidden, "ffn_hidden") if not a.is_empty(ffn_hidden) else 4 * h
    if a.is_empty(heads) and not a.is_empty(kv_heads):
        raise a.UdfArgumentError("heads is empty; give heads when you give kv_heads")
    n_heads = a.whole(heads, "heads") if not a.is_empty(heads) else 1
    n_kv = a.whole(kv_heads, "kv_heads") if not a.is_empty(kv_heads) else n_heads
    if n_kv > n_heads or n_heads % n_kv:
        raise a.UdfArgumentError(f"kv_heads must divide heads={n_heads} (1..{n_heads}), got {a.show(kv_heads)}")
    return float(core_params.params_dense(l_, h, v, ffn, n_heads, n_kv, a.flag(gated, "gated")))


@excel({"layers": LAYERS, "hidden": HIDDEN})
def LLM_PARAMS_12LH2(layers: Any, hidden: Any) -> float:
    """Approximate parameter count 12·l·h² (seed 003; ignores embeddings). A count."""
    return float(core_params.params_12lh2(a.whole(layers, "layers"), a.whole(hidden, "hidden")))
