"""Excel functions (xlwings UDFs): thin wrappers over :mod:`xlcompute.core`.

Each function parses its cells (numbers, text with a suffix such as "70B", card names such as
"H800"), converts units at the edge and calls ONE core formula; no formula is written here, so
a cell, a planning workbook and a PDF proposal cannot disagree. Units: counts are raw counts,
compute in FLOPs, peaks in TFLOPS (10^12 FLOP/s), memory in GB (10^9 bytes), links in Gbit/s,
time in days, hours or seconds as each docstring says.

The decorators come from ``xlwings``: classic xlwings on Windows registers them with
"Import Functions" (category ``xlcompute``, one description per argument); xlwings Lite registers
them from a ``main.py`` that imports them (``xlcompute excel`` writes it). Everywhere else
``xlwings.func`` returns the function unchanged, so every UDF is also a plain Python function::

    >>> from xlcompute.udf import LLM_TRAIN_DAYS
    >>> round(LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 0.462), 2)   # seed 001, GPT-3
    25.29

Options that only classic xlwings understands are guarded: ``category`` is not passed under
xlwings Lite (Pyodide, ``sys.platform == "emscripten"``), and ``expand="table"`` (legacy array
spilling for Excel 2016/2019) is applied only when ``XLCOMPUTE_EXPAND_TABLE=1`` outside Lite;
Excel 365/2021 and Lite spill arrays natively.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import xlwings as xw
from pydantic import BaseModel, ConfigDict

from xlcompute import _udf_args as a
from xlcompute.catalog import Accelerator, ModelPreset, UnknownPresetError, get_model, gpus, models
from xlcompute.core import arith, comm, compute, cost, memory, parallel, schedule, serving, units
from xlcompute.core import params as core_params

__all__ = [
    "CATEGORY",
    "UdfSpec",
    "udf_specs",
    "LLM_PARAMS",
    "LLM_PARAMS_12LH2",
    "MODEL_SPEC",
    "GPU_SPEC",
    "GPU_LIST",
    "MODEL_LIST",
    "LLM_TRAIN_FLOPS",
    "LLM_TRAIN_FLOPS_ATTN",
    "LLM_ITER_FLOPS",
    "LLM_TRAIN_DAYS",
    "LLM_TRAIN_GPU_HOURS",
    "LLM_GPUS_FOR_DAYS",
    "LLM_TRAIN_COST",
    "LLM_MFU",
    "LLM_MFU_FROM_ITER",
    "LLM_TRAIN_DAYS_TABLE",
    "ZERO_MEM",
    "WEIGHTS_MEM",
    "ACTIVATION_MEM",
    "KV_CACHE_MEM",
    "TRAIN_MEM_PER_GPU",
    "FITS_GPU",
    "COMM_DP",
    "COMM_PP",
    "COMM_TP",
    "ALLREDUCE_SECONDS",
    "PARALLEL_GPUS",
    "GLOBAL_BATCH",
    "PIPELINE_BUBBLE",
    "LLM_INFER_FLOPS",
    "LLM_INFER_CHIPS",
    "LLM_INFER_COST",
    "LLM_COST_PER_1K_TOKENS",
    "LLM_DECODE_TOKENS_PER_S",
    "ENERGY_KWH",
    "POWER_COST",
    "LLM_BEST_LAYOUT",
    "LLM_PREDICTED_MFU",
]

CATEGORY = "xlcompute"
"""Excel function-wizard category of every UDF (classic xlwings)."""

_IN_LITE = sys.platform == "emscripten"
# Classic-only options stay out of Lite's decorators (Lite documents them as classic-only).
_FUNC_OPTIONS: dict[str, Any] = {} if _IN_LITE else {"category": CATEGORY}
_EXPAND_TABLE = os.environ.get("XLCOMPUTE_EXPAND_TABLE") == "1" and not _IN_LITE

_F = TypeVar("_F", bound=Callable[..., Any])


class UdfSpec(BaseModel):
    """What Excel shows for one function: its name, wizard text and argument descriptions."""

    model_config = ConfigDict(frozen=True)

    name: str
    doc: str
    args: dict[str, str]
    optional: tuple[str, ...]
    spills: bool


_SPECS: dict[str, UdfSpec] = {}


def udf_specs() -> dict[str, UdfSpec]:
    """Every Excel function of this module by name, in definition order."""
    return dict(_SPECS)


def _excel(args: dict[str, str], *, ranges: tuple[str, ...] = (), spills: bool = False) -> Callable[[_F], _F]:
    """Register ``f`` with xlwings: wizard text, one ``doc=`` per argument, the category.

    The docstring is collapsed to one line because Excel shows it verbatim in the wizard.
    """

    def decorate(f: _F) -> _F:
        f.__doc__ = " ".join((f.__doc__ or "").split())
        signature = inspect.signature(f).parameters
        if list(signature) != list(args):
            # A programming error caught at import, so no UDF ships with an undocumented argument.
            raise TypeError(f"{f.__name__}: documented arguments {list(args)} != parameters {list(signature)}")
        g: Any = f
        if spills and _EXPAND_TABLE:
            g = xw.ret(expand="table")(g)
        for name in reversed(list(args)):
            options: dict[str, Any] = {"ndim": 1} if name in ranges else {}
            g = xw.arg(name, doc=args[name], **options)(g)
        g = xw.func(**_FUNC_OPTIONS)(g)
        optional = tuple(n for n, p in signature.items() if p.default is not inspect.Parameter.empty)
        _SPECS[f.__name__] = UdfSpec(name=f.__name__, doc=f.__doc__, args=args, optional=optional, spills=spills)
        return g  # type: ignore[no-any-return]

    return decorate


# -- argument descriptions shared by several functions (each ≤ 255 characters) ----------------

_PARAMS = "Model parameters, a raw count: 175B, 7e9, 1.5万亿 (suffixes K M B T 万 亿)."
_TOKENS = "Training tokens: 300B, 2T, 3亿 or a number."
_GPUS = "Number of GPUs (cards), a whole number."
_PEAK = 'Peak dense TFLOPS per GPU (e.g. 312), or a card name such as "H800" or "A100" (its bf16 TFLOPS).'
_MFU = 'Model FLOPs utilisation, a fraction in (0, 1]: 0.4 or "40%".'
_RECOMPUTE = "Optional. 1/TRUE = full activation recomputation (8PT instead of 6PT); 0/FALSE (default) = none."
_RECOMPUTE_MEM = 'Optional. 0/FALSE none (default), 1/TRUE full, or "selective" activation recomputation.'
_LAYERS = "Transformer layers (whole number)."
_HIDDEN = "Hidden size h (whole number), e.g. 12288 for GPT-3."
_HEADS = "Attention heads (whole number)."
_SEQ = "Sequence length in tokens, e.g. 2048."
_VOCAB = "Vocabulary size, e.g. 50257."
_UTIL = 'Optional. Achieved share of peak in (0, 1], e.g. 0.5 or "50%"; default 1 (peak).'
_PRICE_HOUR = "Price per GPU-hour, in your currency."


def _params(value: Any, name: str = "params") -> float:
    return a.big_count(value, name, a.MIN_MODEL_PARAMS)


def _train_tokens(value: Any, name: str = "tokens") -> float:
    return a.big_count(value, name, a.MIN_TRAIN_TOKENS)


def _extra_forward(value: Any) -> int:
    """Recompute cell → the core's extra forward pass (1 only for full recomputation)."""
    return int(compute.recompute_extra_forward(a.recompute_mode(value)))


def _gb(nbytes: float) -> float:
    return float(units.per_giga(nbytes))


# -- size ---------------------------------------------------------------------------------


@_excel(
    {
        "layers": _LAYERS,
        "hidden": _HIDDEN,
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


@_excel({"layers": _LAYERS, "hidden": _HIDDEN})
def LLM_PARAMS_12LH2(layers: Any, hidden: Any) -> float:
    """Approximate parameter count 12·l·h² (seed 003; ignores embeddings). A count."""
    return float(core_params.params_12lh2(a.whole(layers, "layers"), a.whole(hidden, "hidden")))


def _model(value: Any) -> ModelPreset:
    if a.is_empty(value) or not isinstance(value, str):
        raise a.UdfArgumentError(f'model must be a model name such as "llama3.1-70b", got {a.show(value)}')
    try:
        return get_model(value)
    except UnknownPresetError as exc:
        raise a.UdfArgumentError(f"model: {exc}") from None


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
    "hbm_gb": lambda g: _gb(g.hbm_bytes),
    "hbm_gib": lambda g: g.hbm_bytes / units.GIB,
    "hbm_tb_per_s": lambda g: g.hbm_bandwidth_bytes_per_s / units.TB,
    "link_gb_per_s": lambda g: None if g.link_bytes_per_s_per_direction is None else _gb(g.link_bytes_per_s_per_direction),
    "inter_node_gbit_per_s": lambda g: (
        None
        if g.inter_node_bytes_per_s_per_card is None
        else g.inter_node_bytes_per_s_per_card * units.BITS_PER_BYTE / units.GB
    ),
    "cards_per_node": lambda g: g.cards_per_node,
    "scale_up_domain": lambda g: g.scale_up_cards,
    "tdp_w": lambda g: g.tdp_w,
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


def _spec_value(owner: str, field: str, value: Any) -> Any:
    if value is None:
        raise a.UdfArgumentError(f"{owner} has no {field} in the catalog (not published)")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


@_excel(
    {
        "model": 'A catalog model name, e.g. "llama3.1-70b", "GPT-3", "qwen2-72b" (see MODEL_LIST()).',
        "field": "params, active_params, published_params, non_embedding_params, layers, hidden, heads, "
        "kv_heads, head_dim, ffn_hidden, vocab, experts, top_k, seq_len, training_tokens, name, source, ...",
    }
)
def MODEL_SPEC(model: Any, field: Any) -> Any:
    """One figure of a catalog model: params (exact count), layers, hidden, seq_len, training_tokens,
    name, source, ... Counts are raw counts."""
    m = _model(model)
    key = _field(field, _MODEL_FIELDS)
    return _spec_value(m.key, key, _MODEL_FIELDS[key](m))


@_excel(
    {
        "gpu": 'A catalog card name, e.g. "H800", "A100", "910B", "MI300X" (see GPU_LIST()).',
        "field": "bf16_tflops, fp8_tflops, hbm_gb (10^9 B), hbm_gib, hbm_tb_per_s, link_gb_per_s (per "
        "direction), inter_node_gbit_per_s, cards_per_node, tdp_w (W), name, vendor, source, ...",
    }
)
def GPU_SPEC(gpu: Any, field: Any) -> Any:
    """One figure of a catalog accelerator: dense bf16_tflops, hbm_gb (10^9 bytes), hbm_tb_per_s,
    tdp_w (W), name, source, ... The unit is in the field name."""
    g = a.gpu(gpu)
    key = _field(field, _GPU_FIELDS)
    return _spec_value(g.key, key, _GPU_FIELDS[key](g))


_GPU_COLUMNS = ("gpu", "name", "vendor", "bf16_tflops", "fp8_tflops", "hbm_gb", "hbm_tb_per_s", "tdp_w")
_MODEL_COLUMNS = ("model", "name", "params", "active_params", "layers", "hidden", "heads", "kv_heads",
                  "seq_len", "training_tokens")


def _cell(value: Any) -> Any:
    # An empty string, not None: a missing figure must show as a blank cell in every runtime.
    return "" if value is None else value


@_excel({}, spills=True)
def GPU_LIST() -> list[list[Any]]:
    """Spills the accelerator catalog: card, name, vendor, dense bf16 and fp8 TFLOPS, HBM GB (10^9 B),
    HBM TB/s, TDP W. One header row."""
    rows: list[list[Any]] = [list(_GPU_COLUMNS)]
    for g in gpus():
        rows.append([_cell(g.key if c == "gpu" else _GPU_FIELDS[c](g)) for c in _GPU_COLUMNS])
    return rows


@_excel({}, spills=True)
def MODEL_LIST() -> list[list[Any]]:
    """Spills the model catalog: model, name, exact and active parameter counts, layers, hidden, heads,
    kv_heads, seq_len, training tokens. One header row."""
    rows: list[list[Any]] = [list(_MODEL_COLUMNS)]
    for m in models():
        rows.append([_cell(m.key if c == "model" else _MODEL_FIELDS[c](m)) for c in _MODEL_COLUMNS])
    return rows


# -- training -----------------------------------------------------------------------------


@_excel({"params": _PARAMS, "tokens": _TOKENS, "recompute": _RECOMPUTE})
def LLM_TRAIN_FLOPS(params: Any, tokens: Any, recompute: Any = None) -> float:
    """Training compute 6·P·T FLOPs, or 8·P·T with full recomputation (seeds 000, 001)."""
    return float(compute.train_flops(_params(params), _train_tokens(tokens), _extra_forward(recompute)))


@_excel(
    {
        "params": _PARAMS,
        "tokens": _TOKENS,
        "seq_len": _SEQ,
        "layers": _LAYERS,
        "hidden": _HIDDEN,
        "recompute": _RECOMPUTE,
    }
)
def LLM_TRAIN_FLOPS_ATTN(
    params: Any, tokens: Any, seq_len: Any, layers: Any, hidden: Any, recompute: Any = None
) -> float:
    """Training FLOPs with the attention term, 3·T·(2P + 4·h·L·s) (4·T·… with full recomputation;
    seed 002, PaLM's MFU count)."""
    return float(
        compute.train_flops_attn(
            _params(params),
            _train_tokens(tokens),
            a.whole(seq_len, "seq_len"),
            a.whole(layers, "layers"),
            a.whole(hidden, "hidden"),
            _extra_forward(recompute),
        )
    )


@_excel(
    {
        "batch": "Global batch in sequences per iteration.",
        "seq_len": _SEQ,
        "layers": _LAYERS,
        "hidden": _HIDDEN,
        "vocab": _VOCAB,
        "recompute": _RECOMPUTE,
    }
)
def LLM_ITER_FLOPS(batch: Any, seq_len: Any, layers: Any, hidden: Any, vocab: Any, recompute: Any = None) -> float:
    """FLOPs of one training iteration, 24·k·B·s·l·h²·(1 + s/6h + V/16lh), k = 3 (4 with full
    recomputation) (seed 003, Megatron)."""
    return float(
        compute.iter_flops_megatron(
            a.positive(batch, "batch"),
            a.whole(seq_len, "seq_len"),
            a.whole(layers, "layers"),
            a.whole(hidden, "hidden"),
            a.whole(vocab, "vocab"),
            _extra_forward(recompute),
        )
    )


@_excel(
    {"params": _PARAMS, "tokens": _TOKENS, "gpus": _GPUS, "peak_tflops": _PEAK, "mfu": _MFU, "recompute": _RECOMPUTE}
)
def LLM_TRAIN_DAYS(params: Any, tokens: Any, gpus: Any, peak_tflops: Any, mfu: Any, recompute: Any = None) -> float:
    """Wall-clock training days: 6PT (8PT with recompute) / (GPUs × peak × MFU × 86400). Days.
    GPT-3 on 1000 A100 at MFU 0.462: 25.29 (seed 001). Workbooks add attention (LLM_TRAIN_FLOPS_ATTN)."""
    flops = compute.train_flops(_params(params), _train_tokens(tokens), _extra_forward(recompute))
    return float(schedule.train_days(flops, a.whole(gpus, "gpus"), a.peak_flops(peak_tflops), a.fraction(mfu, "mfu")))


@_excel({"params": _PARAMS, "tokens": _TOKENS, "peak_tflops": _PEAK, "mfu": _MFU, "recompute": _RECOMPUTE})
def LLM_TRAIN_GPU_HOURS(params: Any, tokens: Any, peak_tflops: Any, mfu: Any, recompute: Any = None) -> float:
    """GPU-hours of training: 6PT (8PT with recompute) / (peak × MFU × 3600). GPU-hours.
    GPT-3 on A100 at MFU 0.462: 607,032 (seed 001)."""
    flops = compute.train_flops(_params(params), _train_tokens(tokens), _extra_forward(recompute))
    return float(schedule.gpu_hours(flops, a.peak_flops(peak_tflops), a.fraction(mfu, "mfu")))


@_excel(
    {
        "params": _PARAMS,
        "tokens": _TOKENS,
        "days": "Target wall-clock training time in days.",
        "peak_tflops": _PEAK,
        "mfu": _MFU,
        "recompute": _RECOMPUTE,
    }
)
def LLM_GPUS_FOR_DAYS(params: Any, tokens: Any, days: Any, peak_tflops: Any, mfu: Any, recompute: Any = None) -> float:
    """GPUs needed to finish training in the given days, rounded up: ⌈6PT / (days × 86400 × peak ×
    MFU)⌉ (seed 000 eq. 2). A whole number of GPUs."""
    flops = compute.train_flops(_params(params), _train_tokens(tokens), _extra_forward(recompute))
    return float(
        schedule.cards_for_days(
            flops, a.positive(days, "days", unit="days"), a.peak_flops(peak_tflops), a.fraction(mfu, "mfu")
        )
    )


@_excel(
    {
        "params": _PARAMS,
        "tokens": _TOKENS,
        "peak_tflops": _PEAK,
        "mfu": _MFU,
        "price_per_gpu_hour": _PRICE_HOUR,
        "recompute": _RECOMPUTE,
    }
)
def LLM_TRAIN_COST(
    params: Any, tokens: Any, peak_tflops: Any, mfu: Any, price_per_gpu_hour: Any, recompute: Any = None
) -> float:
    """Rental cost of training: GPU-hours (6PT / (peak × MFU × 3600)) × price per GPU-hour. In the
    currency of the price (seed 001)."""
    flops = compute.train_flops(_params(params), _train_tokens(tokens), _extra_forward(recompute))
    hours = schedule.gpu_hours(flops, a.peak_flops(peak_tflops), a.fraction(mfu, "mfu"))
    return float(cost.rental_cost(hours, a.non_negative(price_per_gpu_hour, "price_per_gpu_hour")))


def _utilisation_result(x: float, what: str) -> float:
    # An implied MFU above 1 means an input is off (cluster instead of per-GPU throughput, sparse peak).
    if x > 1:
        raise a.UdfArgumentError(
            f"implied {what} is {x:.3g} (> 1, impossible); check that throughput is per GPU and "
            "peak_tflops is the dense figure"
        )
    return x


@_excel(
    {
        "tokens_per_s_per_gpu": "Measured training throughput in tokens per second per GPU.",
        "params": _PARAMS,
        "peak_tflops": _PEAK,
        "recompute": "Optional. 1/TRUE counts the recomputed forward too (hardware FLOPs utilisation).",
    }
)
def LLM_MFU(tokens_per_s_per_gpu: Any, params: Any, peak_tflops: Any, recompute: Any = None) -> float:
    """Model FLOPs utilisation from measured tokens/s per GPU: 6·P·tokens/s / peak (8·P with
    recompute). A fraction in (0, 1]; format the cell as %."""
    mfu = schedule.mfu_from_throughput(
        a.positive(tokens_per_s_per_gpu, "tokens_per_s_per_gpu"),
        _params(params),
        a.peak_flops(peak_tflops),
        _extra_forward(recompute),
    )
    return _utilisation_result(float(mfu), "MFU")


@_excel(
    {
        "iter_seconds": "Measured seconds per training iteration.",
        "batch": "Global batch in sequences per iteration.",
        "seq_len": _SEQ,
        "layers": _LAYERS,
        "hidden": _HIDDEN,
        "vocab": _VOCAB,
        "gpus": _GPUS,
        "peak_tflops": _PEAK,
        "recompute": _RECOMPUTE,
    }
)
def LLM_MFU_FROM_ITER(
    iter_seconds: Any,
    batch: Any,
    seq_len: Any,
    layers: Any,
    hidden: Any,
    vocab: Any,
    gpus: Any,
    peak_tflops: Any,
    recompute: Any = None,
) -> float:
    """Utilisation from a measured iteration time: Megatron FLOPs per iteration / (seconds × GPUs ×
    peak) (seed 003). A fraction in (0, 1]."""
    mfu = schedule.mfu_from_iteration(
        a.positive(iter_seconds, "iter_seconds", unit="seconds"),
        a.positive(batch, "batch"),
        a.whole(seq_len, "seq_len"),
        a.whole(layers, "layers"),
        a.whole(hidden, "hidden"),
        a.whole(vocab, "vocab"),
        a.whole(gpus, "gpus"),
        a.peak_flops(peak_tflops),
        _extra_forward(recompute),
    )
    return _utilisation_result(float(mfu), "utilisation")


@_excel(
    {
        "params": _PARAMS,
        "tokens": _TOKENS,
        "gpus_range": "A row or column of GPU counts (whole numbers), e.g. {256,512,1024}.",
        "peak_tflops": _PEAK,
        "mfu_range": 'A row or column of MFU values in (0, 1], e.g. {0.3,0.4,0.5} or "40%".',
        "recompute": _RECOMPUTE,
    },
    ranges=("gpus_range", "mfu_range"),
    spills=True,
)
def LLM_TRAIN_DAYS_TABLE(
    params: Any, tokens: Any, gpus_range: Any, peak_tflops: Any, mfu_range: Any, recompute: Any = None
) -> list[list[Any]]:
    """Spills a table of training days: one row per GPU count, one column per MFU, with a header
    row of MFUs and a header column of GPU counts. Days."""
    flops = compute.train_flops(_params(params), _train_tokens(tokens), _extra_forward(recompute))
    peak = a.peak_flops(peak_tflops)
    counts = a.values(gpus_range, "gpus_range", lambda v, n: a.whole(v, n))
    mfus = a.values(mfu_range, "mfu_range", lambda v, n: a.fraction(v, n))
    table: list[list[Any]] = [["GPUs \\ MFU", *mfus]]
    for n in counts:
        table.append([n, *(float(schedule.train_days(flops, n, peak, m)) for m in mfus)])
    return table


# -- memory (GB = 10^9 bytes, per GPU) ------------------------------------------------------

_PARAM_BYTES = "Optional. Bytes per parameter and per gradient; default 2 (bf16/fp16)."
_OPTIM_BYTES = "Optional. Optimizer bytes per parameter; default 12 (mixed-precision Adam)."


@_excel(
    {
        "params": _PARAMS,
        "stage": "ZeRO stage: 0 (none), 1 (optimizer), 2 (+ gradients) or 3 (+ parameters).",
        "dp": "GPUs the states are partitioned over (data-parallel size n), a whole number.",
        "param_bytes": _PARAM_BYTES,
        "optim_bytes": _OPTIM_BYTES,
    }
)
def ZERO_MEM(params: Any, stage: Any, dp: Any, param_bytes: Any = None, optim_bytes: Any = None) -> float:
    """Model states per GPU (parameters, gradients, optimizer) under ZeRO stage 0-3, in GB (10^9
    bytes) (seed 000 eqs. 3-6). 7.5B on 64 GPUs: 120 / 31.4 / 16.6 / 1.875."""
    return _gb(
        memory.zero_bytes(
            _params(params),
            a.choice(stage, "stage", range(4)),
            a.whole(dp, "dp"),
            a.positive(param_bytes, "param_bytes", default=memory.BF16_BYTES, unit="bytes"),
            a.non_negative(optim_bytes, "optim_bytes", default=memory.ADAM_MIXED_OPTIMIZER_BYTES, unit="bytes"),
        )
    )


@_excel({"params": _PARAMS, "bytes_per_param": "Optional. Bytes per parameter; default 2 (bf16). 20 ≈ full training state."})
def WEIGHTS_MEM(params: Any, bytes_per_param: Any = None) -> float:
    """Memory of the weights, bytes per parameter × P, in GB (10^9 bytes) (seed 003: a 13B model
    is 26 GB in bf16; 20 bytes per parameter gives 260 GB)."""
    return _gb(
        memory.weights_bytes(
            _params(params), a.positive(bytes_per_param, "bytes_per_param", default=memory.BF16_BYTES, unit="bytes")
        )
    )


_TP = "Optional. Tensor-parallel size; default 1."
_SP = "Optional. 1/TRUE with sequence parallelism; default 0."


@_excel(
    {
        "layers": "Transformer layers held (all of them for the whole model).",
        "hidden": _HIDDEN,
        "heads": _HEADS,
        "seq_len": _SEQ,
        "micro_batch": "Micro-batch in sequences.",
        "tp": _TP,
        "sp": _SP,
        "recompute": _RECOMPUTE_MEM,
    }
)
def ACTIVATION_MEM(
    layers: Any,
    hidden: Any,
    heads: Any,
    seq_len: Any,
    micro_batch: Any,
    tp: Any = None,
    sp: Any = None,
    recompute: Any = None,
) -> float:
    """Activation memory l·s·b·h·(34 + 5·a·s/h) for 16-bit activations, with TP, SP and recomputation
    (Korthikanti 2022), in GB (10^9 bytes). GPT-3, b=1: 275.41 (seed 003)."""
    n_heads = a.whole(heads, "heads")
    n_tp = a.whole(tp, "tp", default=1)
    _check_divides(n_tp, "tp", n_heads, "heads")
    return _gb(
        memory.activation_bytes(
            a.whole(layers, "layers"),
            a.whole(seq_len, "seq_len"),
            a.whole(hidden, "hidden"),
            n_heads,
            a.positive(micro_batch, "micro_batch"),
            n_tp,
            a.flag(sp, "sp"),
            a.recompute_mode(recompute),
        )
    )


@_excel(
    {
        "layers": _LAYERS,
        "kv_heads": "Key/value heads (GQA), e.g. 8 for Llama-3-70B.",
        "head_dim": "Size of one attention head, e.g. 128.",
        "seq_len": "Tokens kept in the cache per sequence (prompt + output).",
        "batch": "Concurrent sequences.",
        "bytes_per_value": "Optional. Bytes per cached value; default 2 (bf16); 1 for fp8.",
    }
)
def KV_CACHE_MEM(
    layers: Any, kv_heads: Any, head_dim: Any, seq_len: Any, batch: Any, bytes_per_value: Any = None
) -> float:
    """KV cache 2·layers·kv_heads·head_dim·seq_len·batch·bytes, in GB (10^9 bytes) (Pope et al.
    2022)."""
    return _gb(
        memory.kv_cache_bytes(
            a.whole(layers, "layers"),
            a.whole(kv_heads, "kv_heads"),
            a.whole(head_dim, "head_dim"),
            a.whole(seq_len, "seq_len"),
            a.whole(batch, "batch"),
            a.positive(bytes_per_value, "bytes_per_value", default=memory.BF16_BYTES, unit="bytes"),
        )
    )


def _check_divides(part: int, part_name: str, whole_: int, whole_name: str) -> None:
    if whole_ % part:
        raise a.UdfArgumentError(f"{part_name}={part} must divide {whole_name}={whole_} (Megatron splits them evenly)")


@_excel(
    {
        "params": _PARAMS,
        "layers": _LAYERS,
        "hidden": _HIDDEN,
        "heads": _HEADS,
        "seq_len": _SEQ,
        "micro_batch": "Micro-batch in sequences per GPU.",
        "tp": "Tensor-parallel size (divides heads).",
        "pp": "Pipeline-parallel stages (divides layers).",
        "dp": "Data-parallel replicas (ZeRO partitions over them).",
        "zero_stage": "ZeRO stage 0-3.",
        "recompute": _RECOMPUTE_MEM,
        "sp": _SP,
        "microbatches": "Optional. Micro-batches per step; default = pp (in flight on the first stage: min(pp, m)).",
    }
)
def TRAIN_MEM_PER_GPU(
    params: Any,
    layers: Any,
    hidden: Any,
    heads: Any,
    seq_len: Any,
    micro_batch: Any,
    tp: Any,
    pp: Any,
    dp: Any,
    zero_stage: Any,
    recompute: Any = None,
    sp: Any = None,
    microbatches: Any = None,
) -> float:
    """Training memory per GPU: ZeRO model states of P/(tp·pp) over dp + activations of the first
    pipeline stage (1F1B), bf16 + Adam, in GB (10^9 bytes). No framework buffers."""
    n_layers, n_heads = a.whole(layers, "layers"), a.whole(heads, "heads")
    n_tp, n_pp = a.whole(tp, "tp"), a.whole(pp, "pp")
    _check_divides(n_tp, "tp", n_heads, "heads")
    _check_divides(n_pp, "pp", n_layers, "layers")
    states = memory.zero_bytes_per_card(
        _params(params), a.choice(zero_stage, "zero_stage", range(4)), n_tp, n_pp, a.whole(dp, "dp")
    )
    activations = memory.activation_bytes_per_card(
        n_layers,
        a.whole(seq_len, "seq_len"),
        a.whole(hidden, "hidden"),
        n_heads,
        a.positive(micro_batch, "micro_batch"),
        n_tp,
        n_pp,
        a.whole(microbatches, "microbatches", default=n_pp),
        a.flag(sp, "sp"),
        a.recompute_mode(recompute),
    )
    return _gb(memory.train_mem_per_card(states, activations))


@_excel(
    {
        "mem_gb": "Memory needed per GPU in GB (10^9 bytes), e.g. the result of TRAIN_MEM_PER_GPU.",
        "gpu": 'A card name such as "H800" (its HBM), or the HBM per GPU in GB.',
    }
)
def FITS_GPU(mem_gb: Any, gpu: Any) -> bool:
    """TRUE when mem_gb (GB, 10^9 bytes) fits in one GPU's HBM; gpu is a card name or its HBM in GB."""
    need = units.giga(a.non_negative(mem_gb, "mem_gb", unit="GB"))
    have = units.giga(a.card_or_number(gpu, "gpu", "GB", lambda card: card.hbm_gb))
    return bool(arith.fits(need, have))


# -- communication ------------------------------------------------------------------------


@_excel(
    {
        "params": _PARAMS,
        "tokens": _TOKENS,
        "batch": "Global batch in sequences.",
        "seq_len": _SEQ,
    }
)
def COMM_DP(params: Any, tokens: Any, batch: Any, seq_len: Any) -> float:
    """Data-parallel traffic of a training run T·P/(b·s), in elements (values) as printed in seed 000
    eq. 7 (× bytes per value for bytes)."""
    return float(
        comm.comm_dp_seed(
            _train_tokens(tokens), _params(params), a.positive(batch, "batch"), a.whole(seq_len, "seq_len")
        )
    )


@_excel({"gpus": _GPUS, "hidden": _HIDDEN, "tokens": _TOKENS})
def COMM_PP(gpus: Any, hidden: Any, tokens: Any) -> float:
    """Pipeline-parallel traffic of a training run 2·n·h·T, in elements (values) (seed 000 eq. 8)."""
    return float(comm.comm_pp_seed(a.whole(gpus, "gpus"), a.whole(hidden, "hidden"), _train_tokens(tokens)))


@_excel({"hidden": _HIDDEN, "layers": _LAYERS, "gpus": _GPUS, "tokens": _TOKENS})
def COMM_TP(hidden: Any, layers: Any, gpus: Any, tokens: Any) -> float:
    """Tensor-parallel traffic of a training run 4·h·l·n·T, in elements (values) (seed 000 eq. 9)."""
    return float(
        comm.comm_tp_seed(
            a.whole(hidden, "hidden"), a.whole(layers, "layers"), a.whole(gpus, "gpus"), _train_tokens(tokens)
        )
    )


@_excel(
    {
        "message_bytes": "Bytes to all-reduce, e.g. 14G for 7B bf16 gradients.",
        "n": "GPUs in the ring, a whole number.",
        "link_gbps": "Link bandwidth per GPU per direction in Gbit/s, e.g. 400 for 400G InfiniBand.",
    }
)
def ALLREDUCE_SECONDS(message_bytes: Any, n: Any, link_gbps: Any) -> float:
    """Seconds for a bandwidth-bound ring all-reduce, 2(n-1)/n × bytes / link; link in Gbit/s (÷ 8 for
    bytes), no latency."""
    link = a.positive(link_gbps, "link_gbps", unit="Gbit/s")
    if link > 1e5:
        raise a.UdfArgumentError(f"link_gbps is in Gbit/s and must be at most 100000, got {a.show(link_gbps)}")
    return float(
        comm.allreduce_seconds(
            a.non_negative(message_bytes, "message_bytes", unit="bytes"),
            a.whole(n, "n"),
            units.gbit_to_bytes_per_s(link),
        )
    )


# -- parallel layout ------------------------------------------------------------------------


@_excel({"dp": "Data-parallel replicas.", "tp": "Tensor-parallel size.", "pp": "Pipeline-parallel stages."})
def PARALLEL_GPUS(dp: Any, tp: Any, pp: Any) -> float:
    """GPUs used by a 3D-parallel layout, dp × tp × pp (seed 003). A whole number."""
    return float(parallel.parallel_cards(a.whole(dp, "dp"), a.whole(tp, "tp"), a.whole(pp, "pp")))


@_excel(
    {
        "micro": "Micro-batch in sequences per GPU.",
        "dp": "Data-parallel replicas.",
        "grad_accum": "Gradient-accumulation steps (micro-batches per step).",
    }
)
def GLOBAL_BATCH(micro: Any, dp: Any, grad_accum: Any) -> float:
    """Global batch in sequences per optimizer step, micro × dp × grad_accum (seed 003)."""
    return float(parallel.global_batch(a.whole(micro, "micro"), a.whole(dp, "dp"), a.whole(grad_accum, "grad_accum")))


@_excel({"pp": "Pipeline-parallel stages.", "microbatches": "Micro-batches per step."})
def PIPELINE_BUBBLE(pp: Any, microbatches: Any) -> float:
    """Pipeline bubble (p-1)/m as a fraction of the ideal step time, 1F1B schedule (Narayanan et al.
    2021). A fraction; format as %."""
    return float(parallel.pipeline_bubble(a.whole(pp, "pp"), a.whole(microbatches, "microbatches")))


# -- serving --------------------------------------------------------------------------------


@_excel({"params": _PARAMS, "tokens": "Tokens processed (input + output)."})
def LLM_INFER_FLOPS(params: Any, tokens: Any) -> float:
    """Inference compute 2·P·T FLOPs over input and output tokens (seed 000 eq. 10)."""
    return float(_serving_flops(params, tokens))


def _serving_flops(params_: Any, tokens: Any, name: str = "tokens") -> float:
    """2·P·T from the cells (shared by the serving functions)."""
    return float(compute.infer_flops(_params(params_), a.positive(tokens, name)))


@_excel(
    {
        "users": "Concurrent users (requests in flight).",
        "params": _PARAMS,
        "tokens_per_request": "Tokens per request (input + output).",
        "seconds_per_request": "Target seconds to serve one request.",
        "peak_tflops": _PEAK,
        "utilization": _UTIL,
    }
)
def LLM_INFER_CHIPS(
    users: Any,
    params: Any,
    tokens_per_request: Any,
    seconds_per_request: Any,
    peak_tflops: Any,
    utilization: Any = None,
) -> float:
    """GPUs for concurrent users, ⌈users × 2P·tokens / (peak × utilization × seconds)⌉ (seed 000
    eq. 11, rounded up). A whole number of GPUs."""
    return float(
        serving.infer_cards(
            a.positive(users, "users"),
            _serving_flops(params, tokens_per_request, "tokens_per_request"),
            a.peak_flops(peak_tflops),
            a.positive(seconds_per_request, "seconds_per_request", unit="seconds"),
            a.fraction(utilization, "utilization", default=1.0),
        )
    )


@_excel(
    {
        "params": _PARAMS,
        "tokens": "Tokens of the request (input + output).",
        "peak_tflops": _PEAK,
        "price_per_hour": _PRICE_HOUR,
        "utilization": _UTIL,
    }
)
def LLM_INFER_COST(params: Any, tokens: Any, peak_tflops: Any, price_per_hour: Any, utilization: Any = None) -> float:
    """Compute cost of one request: GPU-seconds 2P·T / (peak × utilization) × price per GPU-hour /
    3600 (refined seed 000 eq. 12). In the price's currency."""
    return float(
        serving.cost_per_request(
            _serving_flops(params, tokens),
            a.peak_flops(peak_tflops),
            a.non_negative(price_per_hour, "price_per_hour"),
            a.fraction(utilization, "utilization", default=1.0),
        )
    )


@_excel({"params": _PARAMS, "peak_tflops": _PEAK, "price_per_hour": _PRICE_HOUR, "utilization": _UTIL})
def LLM_COST_PER_1K_TOKENS(params: Any, peak_tflops: Any, price_per_hour: Any, utilization: Any = None) -> float:
    """Compute cost of 1,000 tokens: 1000 × 2P / (peak × utilization) GPU-seconds × price per
    GPU-hour / 3600. In the price's currency."""
    return float(
        serving.cost_per_1k_tokens(
            _params(params),
            a.peak_flops(peak_tflops),
            a.non_negative(price_per_hour, "price_per_hour"),
            a.fraction(utilization, "utilization", default=1.0),
        )
    )


@_excel(
    {
        "params": _PARAMS,
        "gpu_or_hbm_tbps": 'A card name such as "H800" (its HBM bandwidth), or HBM bandwidth in TB/s.',
        "bytes_per_param": "Optional. Bytes per weight; default 2 (bf16); 1 for fp8/int8.",
        "batch": "Optional. Sequences decoded together; default 1.",
    }
)
def LLM_DECODE_TOKENS_PER_S(
    params: Any, gpu_or_hbm_tbps: Any, bytes_per_param: Any = None, batch: Any = None
) -> float:
    """Upper bound on decode tokens/s of one replica: batch × HBM bandwidth / (P × bytes); the
    weights are read once per step. Tokens per second."""
    bandwidth = units.tera(
        a.card_or_number(
            gpu_or_hbm_tbps, "gpu_or_hbm_tbps", "TB/s", lambda card: card.hbm_bandwidth_bytes_per_s / units.TB
        )
    )
    return float(
        serving.decode_tokens_per_s(
            _params(params),
            bandwidth,
            a.positive(bytes_per_param, "bytes_per_param", default=memory.BF16_BYTES, unit="bytes"),
            a.positive(batch, "batch", default=1.0),
        )
    )


# -- energy ---------------------------------------------------------------------------------

_TDP = 'Power per GPU in W (e.g. 700), or a card name such as "H800" (its TDP).'
_PUE = "Optional. Power usage effectiveness, 1 to 3; default 1 (IT power only)."


def _tdp_w(value: Any) -> float:
    return a.card_or_number(value, "tdp_w", "W", lambda card: card.tdp_w)


def _pue(value: Any) -> float:
    x = a.quantity(value, "pue", default=1.0)
    if not 1 <= x <= 3:
        raise a.UdfArgumentError(f"pue must be between 1 and 3 (facility power / IT power), got {a.show(value)}")
    return x


@_excel({"gpus": _GPUS, "tdp_w": _TDP, "hours": "Hours of operation.", "pue": _PUE})
def ENERGY_KWH(gpus: Any, tdp_w: Any, hours: Any, pue: Any = None) -> float:
    """Facility energy GPUs × TDP (W) × hours × PUE / 1000, in kWh (PUE: The Green Grid 2012). Card
    power only; server overhead is not included."""
    return float(
        cost.energy_kwh(a.whole(gpus, "gpus"), _tdp_w(tdp_w), a.positive(hours, "hours", unit="hours"), _pue(pue))
    )


@_excel(
    {
        "gpus": _GPUS,
        "tdp_w": _TDP,
        "hours": "Hours of operation.",
        "price_per_kwh": "Electricity price per kWh, in your currency.",
        "pue": _PUE,
    }
)
def POWER_COST(gpus: Any, tdp_w: Any, hours: Any, price_per_kwh: Any, pue: Any = None) -> float:
    """Electricity cost of GPUs × TDP (W) × hours × PUE at a price per kWh. In the price's currency;
    card power only."""
    seconds = a.positive(hours, "hours", unit="hours") * units.SECONDS_PER_HOUR
    joules = cost.energy_joules(a.whole(gpus, "gpus"), _tdp_w(tdp_w), seconds, _pue(pue))
    return float(cost.power_cost(joules, a.non_negative(price_per_kwh, "price_per_kwh")))


# -- layout planner (seed 004; issue 6) --------------------------------------------------------

_GPU_NAME = 'Card name from the catalog, e.g. "H800", "A100-80G" or "910B".'
_GLOBAL_BATCH = "Optional. Sequences per optimizer step; default 1024 (≈4M tokens at 4096)."
_SEQ_OPT = "Optional. Sequence length in tokens; default 4096."


def _planned(model: Any, gpu: Any, gpus: Any, seq_len: Any, global_batch: Any, tp: Any = None, pp: Any = None):  # type: ignore[no-untyped-def]
    """Resolve a one-line scenario and run the planner: the same path as `xlcompute plan`."""
    from xlcompute.estimate import resolve
    from xlcompute.scenario import ScenarioError, parse_scenario

    preset = _model(model)
    if a.is_empty(gpu) or not isinstance(gpu, str):
        raise a.UdfArgumentError(f'gpu must be a card name such as "H800", got {a.show(gpu)}')
    training: dict[str, Any] = {
        "tokens": 1e12,  # the layout does not depend on the token count
        "seq_len": a.whole(seq_len, "seq_len", default=4096),
        "global_batch": a.whole(global_batch, "global_batch", default=1024),
    }
    if not (a.is_empty(tp) and a.is_empty(pp)):
        training["tp"] = a.whole(tp, "tp")
        training["pp"] = a.whole(pp, "pp")
    try:
        scenario = parse_scenario(
            {"model": {"preset": preset.key}, "training": training,
             "cluster": {"accelerator": gpu, "cards": a.whole(gpus, "gpus")}}
        )
        resolved = resolve(scenario)
    except ScenarioError as exc:
        raise a.UdfArgumentError("; ".join(exc.problems)) from None
    except ValueError as exc:
        raise a.UdfArgumentError(str(exc)) from None
    return resolved


@_excel(
    {"model": "Model name from the catalog, e.g. \"llama2-70b\".", "gpu": _GPU_NAME, "gpus": _GPUS,
     "seq_len": _SEQ_OPT, "global_batch": _GLOBAL_BATCH},
    spills=True,
)
def LLM_BEST_LAYOUT(model: Any, gpu: Any, gpus: Any, seq_len: Any = None, global_batch: Any = None) -> list[list[Any]]:
    """Spills the fastest layout found by the step-time model: a header row and TP, PP, DP,
    micro-batch, predicted MFU (fraction) and step seconds (seed 004; `xlcompute plan`)."""
    resolved = _planned(model, gpu, gpus, seq_len, global_batch)
    best = resolved.plan.best[0]  # type: ignore[union-attr]
    ex = best.execution
    return [
        ["TP", "PP", "DP", "micro_batch", "predicted_mfu", "step_seconds"],
        [ex.tp, ex.pp, ex.dp, ex.micro_batch, best.mfu_estimate, best.result.step_seconds],
    ]


@_excel(
    {"model": "Model name from the catalog, e.g. \"llama2-70b\".", "gpu": _GPU_NAME, "gpus": _GPUS,
     "seq_len": _SEQ_OPT, "global_batch": _GLOBAL_BATCH,
     "tp": "Optional. Tensor-parallel size; give it with pp, or leave both empty for the best layout.",
     "pp": "Optional. Pipeline stages; give it with tp."}
)
def LLM_PREDICTED_MFU(
    model: Any, gpu: Any, gpus: Any, seq_len: Any = None, global_batch: Any = None, tp: Any = None, pp: Any = None
) -> float:
    """Predicted MFU (fraction) of training the model on the GPUs, from the step-time model for the
    given TP×PP layout or the best layout found (seed 004). Use it as LLM_TRAIN_DAYS's mfu."""
    resolved = _planned(model, gpu, gpus, seq_len, global_batch, tp, pp)
    return float(resolved.inputs["mfu"].value)
