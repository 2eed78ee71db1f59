"""Excel functions that read the catalogs: one figure of a model or a card, and both lists.

Every figure is a catalog row's, with the row's source (``xlcompute/catalog/*.yaml``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlcompute import _udf_args as a
from xlcompute.catalog import Accelerator, ModelPreset, gpus, models, tdp_of
from xlcompute.core import units
from xlcompute.udf._models import preset
from xlcompute.udf._register import excel

__all__ = ["MODEL_SPEC", "GPU_SPEC", "GPU_LIST", "MODEL_LIST"]

_MODEL_FIELDS: dict[str, Callable[[ModelPreset], Any]] = {
    "params": lambda m: m.param_count.total,
    "active_params": lambda m: m.param_count.active,
    "published_params": lambda m: m.published_params,
    "non_embedding_params": lambda m: m.param_count.non_embedding,
    "layers": lambda m: m.arch.layers,
    "hidden": lambda m: m.arch.hidden,
    "heads": lambda m: m.arch.heads,
    "kv_heads": lambda m: m.arch.kv_heads,
    "head_dim": lambda m: m.arch.head_dim,
    "ffn_hidden": lambda m: m.arch.ffn_hidden,
    "vocab": lambda m: m.arch.vocab,
    "experts": lambda m: m.arch.experts,
    "top_k": lambda m: m.arch.top_k,
    "seq_len": lambda m: m.seq_len,
    "training_tokens": lambda m: m.training_tokens,
    "key": lambda m: m.key,
    "name": lambda m: m.name,
    "family": lambda m: m.family,
    "source": lambda m: m.source,
    "source_date": lambda m: m.source_date,
}

_GPU_FIELDS: dict[str, Callable[[Accelerator], Any]] = {
    "bf16_tflops": lambda g: g.bf16_tflops,
    "fp8_tflops": lambda g: g.fp8_tflops,
    "bf16_sparse_tflops": lambda g: g.bf16_sparse_tflops,
    "hbm_gb": lambda g: float(units.per_giga(g.hbm_bytes)),
    "hbm_gib": lambda g: g.hbm_bytes / units.GIB,
    "hbm_tb_per_s": lambda g: g.hbm_bandwidth_bytes_per_s / units.TB,
    "link_gb_per_s": lambda g: (
        None if g.link_bytes_per_s_per_direction is None else float(units.per_giga(g.link_bytes_per_s_per_direction))
    ),
    "inter_node_gbit_per_s": lambda g: (
        None
        if g.inter_node_bytes_per_s_per_card is None
        else g.inter_node_bytes_per_s_per_card * units.BITS_PER_BYTE / units.GB
    ),
    "cards_per_node": lambda g: g.cards_per_node,
    "scale_up_domain": lambda g: g.scale_up_cards,
    "tdp_w": tdp_of,  # unpublished: the catalog's flagged assumption, as the estimate uses
    "key": lambda g: g.key,
    "name": lambda g: g.name,
    "vendor": lambda g: g.vendor,
    "status": lambda g: g.status,
    "source": lambda g: g.source,
    "source_date": lambda g: g.source_date,
}


def _field(value: Any, fields: dict[str, Any]) -> str:
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else ""
    if key not in fields:
        raise a.UdfArgumentError(f"field must be one of {', '.join(fields)}; got {a.show(value)}")
    return key


def _spec_value(owner: str, field: str, value: Any, other: str) -> Any:
    if value is None:
        raise a.UdfArgumentError(
            f"{owner} has no {field} in the catalog (not published); choose another field or {other}"
        )
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


@excel(
    {
        "model": 'A catalog model name, e.g. "llama3.1-70b", "GPT-3", "qwen2-72b" (see MODEL_LIST()).',
        "field": "params, active_params, published_params, non_embedding_params, layers, hidden, heads, "
        "kv_heads, head_dim, ffn_hidden, vocab, experts, top_k, seq_len, training_tokens, name, source, ...",
    }
)
def MODEL_SPEC(model: Any, field: Any) -> Any:
    """One figure of a catalog model: params (exact count), layers, hidden, seq_len, training_tokens,
    name, source, ... Counts are raw counts."""
    m = preset(model)
    key = _field(field, _MODEL_FIELDS)
    return _spec_value(m.key, key, _MODEL_FIELDS[key](m), "model")


@excel(
    {
        "gpu": 'A catalog card name, e.g. "H800", "A100", "910B", "MI300X" (see GPU_LIST()).',
        "field": "bf16_tflops, fp8_tflops, hbm_gb (10^9 B), hbm_gib, hbm_tb_per_s, link_gb_per_s (per "
        "direction), inter_node_gbit_per_s, cards_per_node, tdp_w (W), name, vendor, source, ...",
    }
)
def GPU_SPEC(gpu: Any, field: Any) -> Any:
    """One figure of a catalog accelerator: dense bf16_tflops, hbm_gb (10^9 bytes), hbm_tb_per_s,
    tdp_w (W; unpublished: the catalog's assumption), name, source, ... The unit is in the field name."""
    g = a.gpu(gpu)
    key = _field(field, _GPU_FIELDS)
    return _spec_value(g.key, key, _GPU_FIELDS[key](g), "gpu")


_GPU_COLUMNS = ("gpu", "name", "vendor", "bf16_tflops", "fp8_tflops", "hbm_gb", "hbm_tb_per_s", "tdp_w")
_MODEL_COLUMNS = ("model", "name", "params", "active_params", "layers", "hidden", "heads", "kv_heads",
                  "seq_len", "training_tokens")


def _cell(value: Any) -> Any:
    # An empty string, not None: a missing figure must show as a blank cell in every runtime.
    return "" if value is None else value


@excel({}, spills=True)
def GPU_LIST() -> list[list[Any]]:
    """Spills the accelerator catalog: card, name, vendor, dense bf16 and fp8 TFLOPS, HBM GB (10^9 B),
    HBM TB/s, TDP W. One header row."""
    rows: list[list[Any]] = [list(_GPU_COLUMNS)]
    for g in gpus():
        rows.append([_cell(g.key if c == "gpu" else _GPU_FIELDS[c](g)) for c in _GPU_COLUMNS])
    return rows


@excel({}, spills=True)
def MODEL_LIST() -> list[list[Any]]:
    """Spills the model catalog: model, name, exact and active parameter counts, layers, hidden, heads,
    kv_heads, seq_len, training tokens. One header row."""
    rows: list[list[Any]] = [list(_MODEL_COLUMNS)]
    for m in models():
        rows.append([_cell(m.key if c == "model" else _MODEL_FIELDS[c](m)) for c in _MODEL_COLUMNS])
    return rows
