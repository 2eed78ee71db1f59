"""Excel functions for memory per GPU: weights, ZeRO model states, activations, KV cache, the
training total per card and whether it fits (:mod:`xlcompute.core.memory`). GB = 10^9 bytes."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import ValidationError

from xlcompute import _udf_args as a
from xlcompute.catalog import ModelPreset
from xlcompute.core import arith, memory, parallel, units
from xlcompute.udf._models import fp8_model, model_or_count, stored_params
from xlcompute.udf._register import (
    HEADS,
    HIDDEN,
    LAYERS,
    PARAMS_OR_MODEL_STORED,
    PARAMS_STORED,
    RECOMPUTE_MEM,
    SEQ,
    excel,
)

__all__ = ["ZERO_MEM", "WEIGHTS_MEM", "ACTIVATION_MEM", "KV_CACHE_MEM", "TRAIN_MEM_PER_GPU", "FITS_GPU"]


def _gb(nbytes: float) -> float:
    return float(units.per_giga(nbytes))


_PARAM_BYTES = "Optional. Bytes per parameter and per gradient; default 2 (bf16/fp16)."
_OPTIM_BYTES = "Optional. Optimizer bytes per parameter; default 12 (mixed-precision Adam)."


@excel(
    {
        "params": PARAMS_STORED,
        "stage": "ZeRO stage: 0 (none), 1 (optimizer), 2 (+ gradients) or 3 (+ parameters).",
        "dp": "GPUs the states are partitioned over (data-parallel size n), a whole number.",
        "param_bytes": _PARAM_BYTES,
        "optim_bytes": _OPTIM_BYTES,
    }
)
def ZERO_MEM(params: Any, stage: Any, dp: Any, param_bytes: Any = None, optim_bytes: Any = None) -> float:
    """Model states per GPU (parameters, gradients, optimizer) under ZeRO stage 0-3, in GB (10^9
    bytes) (seed 000 eqs. 3-6). 7.5B on 64 GPUs: 120 / 31.4 / 16.6 / 1.875. A model name counts
    all its parameters, every expert included."""
    return _gb(
        memory.zero_bytes(
            stored_params(params),
            a.choice(stage, "stage", range(4)),
            a.whole(dp, "dp"),
            a.positive(param_bytes, "param_bytes", default=memory.BF16_BYTES, unit="bytes"),
            a.non_negative(optim_bytes, "optim_bytes", default=memory.ADAM_MIXED_OPTIMIZER_BYTES, unit="bytes"),
        )
    )


def _weight_bytes(value: Any) -> float:
    """Bytes per weight: a number, or a serving precision's name ("fp8", "int4", as LLM_TTFT takes them) read
    as the inference model's bytes per stored weight (serving_model.PRECISIONS; int4 counts its scales)."""
    if isinstance(value, str) and not a.is_empty(value) and not a.is_number_text(value):
        from xlcompute.udf._serving import precision_keys, serving_precision

        if value.strip().lower() not in precision_keys():
            raise a.UdfArgumentError(f"bytes_per_param must be bytes per parameter (2 for bf16) or a precision, "
                                     f"one of {', '.join(precision_keys())}; got {a.show(value)}")
        return float(serving_precision(value, "bytes_per_param").weight_bytes)
    return a.positive(value, "bytes_per_param", default=memory.BF16_BYTES, unit="bytes")


@excel(
    {"params": PARAMS_STORED,
     "bytes_per_param": 'Optional. Bytes per parameter; default 2 (bf16). 20 ≈ full training state. Or a '
                        'precision as the serving functions take it: "bf16", "fp16", "fp8", "int8", "int4" (with '
                        'its scales), "w8a8".'}
)
def WEIGHTS_MEM(params: Any, bytes_per_param: Any = None) -> float:
    """Memory of the weights, bytes per parameter × P, in GB (10^9 bytes) (seed 003: a 13B model
    is 26 GB in bf16; 20 bytes per parameter gives 260 GB). A model name counts all its
    parameters, every expert included."""
    return _gb(memory.weights_bytes(stored_params(params), _weight_bytes(bytes_per_param)))


_TP = "Optional. Tensor-parallel size; default 1."
_SP = "Optional. 1/TRUE with sequence parallelism; default 0."


@excel(
    {
        "layers": "Transformer layers held (all of them for the whole model).",
        "hidden": HIDDEN,
        "heads": HEADS,
        "seq_len": SEQ,
        "micro_batch": "Micro-batch in sequences.",
        "tp": _TP,
        "sp": _SP,
        "recompute": RECOMPUTE_MEM,
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
    a.divides(n_tp, "tp", n_heads, "heads")
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


@excel(
    {
        "layers": LAYERS,
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


# -- the estimate's memory per card (the memory phase of the step-time graph) --------------------

_SHAPE_OF_COUNT = "Optional. Leave empty with a model name; with a parameter count"
_MODES = ("none", "selective", "full")  # recompute mode number -> planner.inputs.Execution.recompute


@functools.lru_cache(maxsize=1024)
def _mem_per_card_gb(
    model: str | tuple[float, int, int, int],
    seq_len: int,
    micro_batch: int,
    tp: int,
    pp: int,
    dp: int,
    zero_stage: int,
    recompute: int,
    sp: int,
    microbatches: int,
    flash: int,
    interleave: int,
    ep: int = 1,
    expert_tp: int = 0,
    recompute_layers: int = 0,
    fp8: bool = False,
) -> float:
    """``mem_per_gpu_gb`` of the estimate's graph for a catalog model (its key) or a GPT shape
    (P, layers, hidden, heads); ``expert_tp`` 0 = tp; ``fp8``: FP8 training. Cached: a graph run is ~0.1 ms and
    Excel recalculates often."""
    # Imported here: `import xlcompute.udf` loads neither the planner nor the graph.
    from xlcompute._graph import GRAPH
    from xlcompute.catalog import get_model
    from xlcompute.planner.inputs import STEP_CONSTANTS, Execution, execution_values, model_values
    from xlcompute.planner.steptime import TransformerShape

    optimizer_bytes, grad_bytes, peak_ratio = 12.0, 2.0, 1.0
    if fp8:  # the estimate's FP8 training: DeepSeek-V3's optimizer and gradient bytes (a scenario's default)
        from xlcompute.core.moe import FP8_DEEPSEEK_GRAD_BYTES, FP8_DEEPSEEK_OPTIMIZER_BYTES

        # Memory reads only whether the ratio exceeds 1 (FP8 expert inputs, core.moe.expert_activation_bytes);
        # 2 is Hopper's FP8/BF16 peak ratio.
        optimizer_bytes, grad_bytes, peak_ratio = FP8_DEEPSEEK_OPTIMIZER_BYTES, FP8_DEEPSEEK_GRAD_BYTES, 2.0
    if isinstance(model, str):
        values = model_values(get_model(model).arch, seq_len)
    else:
        params, layers, hidden, heads = model
        # The GPT shape of the published runs (MHA, MLP 4h, ungated), no embeddings: all P in the blocks.
        values = model_values(TransformerShape.gpt(layers, hidden, heads, 0, seq_len).arch, seq_len, params)
    layout = Execution(
        tp=tp, pp=pp, dp=dp, micro_batch=micro_batch,
        global_batch=int(parallel.global_batch(micro_batch, dp, microbatches)),
        interleave=interleave, sequence_parallel=bool(sp), recompute=_MODES[recompute], zero_stage=zero_stage,
        recompute_layers=recompute_layers,
        flash_attention=bool(flash), bytes_optimizer=optimizer_bytes, bytes_grad=grad_bytes,
        precision_peak_ratio=peak_ratio,
        # A MoE model's routed experts split over ep ranks carved from the data-parallel ones, each expert by
        # expert_tp (Megatron-Core's default: TP), as a scenario with tp, pp and ep given.
        ep=ep, expert_tp=(expert_tp or tp) if values["experts"] else 1,
    )
    values.update(execution_values(layout))
    values["framework_reserve_gb"] = STEP_CONSTANTS["framework_reserve_gb"].value
    return float(GRAPH.run(values, ["mem_per_gpu_gb"])["mem_per_gpu_gb"])


@excel(
    {
        "params": PARAMS_OR_MODEL_STORED,
        "seq_len": SEQ,
        "micro_batch": "Micro-batch in sequences per GPU (whole number).",
        "tp": "Tensor-parallel size (divides the attention heads).",
        "pp": "Pipeline-parallel stages (at most the layers).",
        "dp": "Data-parallel replicas (ZeRO partitions over them).",
        "zero_stage": "ZeRO stage 0-3.",
        "layers": f"{_SHAPE_OF_COUNT}: transformer layers.",
        "hidden": f"{_SHAPE_OF_COUNT}: hidden size h (GPT shape: MLP 4h, heads of h/heads).",
        "heads": f"{_SHAPE_OF_COUNT}: attention heads.",
        "recompute": 'Optional. "selective" (default, as a scenario), 0/FALSE none, 1/TRUE or "full" activation '
        "recomputation.",
        "sp": "Optional. 1/TRUE sequence parallelism (default, as a scenario), 0/FALSE none.",
        "microbatches": "Optional. Micro-batches per step (gradient accumulation); default = pp. The first stage "
        "holds min(pp, microbatches) in flight.",
        "flash": "Optional. 1/TRUE fused flash attention (default, as a scenario), 0/FALSE unfused s×s scores "
        "in memory (Korthikanti 2022).",
        "interleave": "Optional. Model chunks per GPU of the interleaved 1F1B schedule (pp × interleave divides "
        "the layers); default 1.",
        "ep": "Optional. Expert-parallel size of a mixture-of-experts model: its routed experts split over ep "
        "ranks carved from tp × dp (ep divides the experts); default 1. LLM_BEST_LAYOUT gives the estimate's.",
        "expert_tp": "Optional. Tensor-parallel size of each expert; default tp (Megatron-Core's default, as a "
        "scenario). The layouts LLM_BEST_LAYOUT plans run 1.",
        "recompute_layers": "Optional. With selective recomputation, layers of each pipeline stage recomputed in "
        "full (Megatron-LM --recompute-num-layers); default 0.",
        "precision": 'Optional. Training precision, "bf16" or "fp8" (FP8: DeepSeek-V3\'s 8 optimizer and 4 gradient '
        "bytes per parameter, FP8 expert activations); default the catalog model's own (fp8 for deepseek-v3), else "
        "bf16.",
    }
)
def TRAIN_MEM_PER_GPU(
    params: Any,
    seq_len: Any,
    micro_batch: Any,
    tp: Any,
    pp: Any,
    dp: Any,
    zero_stage: Any,
    layers: Any = None,
    hidden: Any = None,
    heads: Any = None,
    recompute: Any = None,
    sp: Any = None,
    microbatches: Any = None,
    flash: Any = None,
    interleave: Any = None,
    ep: Any = None,
    expert_tp: Any = None,
    recompute_layers: Any = None,
    precision: Any = None,
) -> float:
    """Training memory per GPU as estimate() computes it: weights, gradients, optimizer states of the
    first pipeline stage split by TP, PP, EP and ZeRO over DP, its activations, framework buffers. GB
    (10^9 bytes). Korthikanti 2022; ZeRO."""
    model = model_or_count(params)
    n_tp, n_pp = a.whole(tp, "tp"), a.whole(pp, "pp")
    shape = {"layers": layers, "hidden": hidden, "heads": heads}
    key: str | tuple[float, int, int, int]
    if isinstance(model, ModelPreset):
        given = {n: v for n, v in shape.items() if not a.is_empty(v)}
        if given:
            got = ", ".join(f"{n}={a.show(v)}" for n, v in given.items())
            raise a.UdfArgumentError(
                f"layers, hidden and heads must be empty when params is a model name ({model.key}); got {got}"
            )
        key, n_layers, n_heads = model.key, model.arch.layers, model.arch.heads
    else:
        missing = [n for n, v in shape.items() if a.is_empty(v)]
        if missing:
            raise a.UdfArgumentError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty; with a parameter count give "
                "layers, hidden and heads (or give a catalog model name as params)"
            )
        n_layers, n_hidden, n_heads = a.whole(layers, "layers"), a.whole(hidden, "hidden"), a.whole(heads, "heads")
        a.divides(n_heads, "heads", n_hidden, "hidden")
        key = (model, n_layers, n_hidden, n_heads)
    # The estimate's layout rules (estimate.resolve): TP splits the heads, stages may be uneven.
    a.divides(n_tp, "tp", n_heads, "heads")
    if n_pp > n_layers:
        raise a.UdfArgumentError(f"pp={n_pp} must be at most layers={n_layers} (one layer per stage at least)")
    chunks = a.whole(interleave, "interleave", default=1)
    if chunks > parallel.max_interleave(n_layers, n_pp):
        # one layer per virtual stage at least (estimate.resolve checks the same, core.parallel.max_interleave)
        raise a.UdfArgumentError(
            f"interleave={chunks} must be at most the {parallel.max_interleave(n_layers, n_pp)} layers on the busiest of "
            f"pp={n_pp} stages of layers={n_layers}"
        )
    # the empty cells (most sheets) take their defaults without parsing: the function is recalculated often
    n_ep = 1 if ep is None else a.whole(ep, "ep", default=1)
    n_etp = 0 if a.is_empty(expert_tp) else a.whole(expert_tp, "expert_tp")  # 0: tp, as a scenario
    if n_ep > 1 or n_etp:
        _expert_layout(model, n_ep, n_etp, n_tp, a.whole(dp, "dp"))
    full_layers = 0 if recompute_layers is None else a.whole(recompute_layers, "recompute_layers", default=0,
                                                             minimum=0)
    if full_layers and full_layers > parallel.max_interleave(n_layers, n_pp):  # estimate.resolve's rule
        raise a.UdfArgumentError(
            f"recompute_layers={full_layers} must be at most the {parallel.max_interleave(n_layers, n_pp)} layers on "
            f"the busiest of pp={n_pp} stages of layers={n_layers}")
    fp8 = _fp8_training(precision, params)
    cells = (
        a.whole(seq_len, "seq_len"),
        a.whole(micro_batch, "micro_batch"),
        n_tp,
        n_pp,
        a.whole(dp, "dp"),
        a.choice(zero_stage, "zero_stage", range(4)),
        a.recompute_mode(recompute, default=1),
        a.flag(sp, "sp", default=1),
        a.whole(microbatches, "microbatches", default=n_pp),
        a.flag(flash, "flash", default=1),
        chunks,
        n_ep,
        n_etp,
        full_layers,
        fp8,
    )
    try:
        return _mem_per_card_gb(key, *cells)
    except ValidationError as exc:
        # The planner's layout and shape models bound every figure (dp ≤ 10^7, seq_len ≤ 10^8, …);
        # their fields share these arguments' names, except the batch the layout implies.
        raise a.from_validation(exc, _LAYOUT_FIELDS) from None


_LAYOUT_FIELDS = {"global_batch": "micro_batch·dp·microbatches"}


def _fp8_training(value: Any, params: Any) -> bool:
    """The precision cell: "fp8", "bf16" (or "fp16"); empty, the catalog model's published precision."""
    if a.is_empty(value):
        return bool(fp8_model(params))
    text = value.strip().lower() if isinstance(value, str) else ""
    if text not in ("bf16", "fp16", "fp8"):
        raise a.UdfArgumentError(f'precision must be "bf16", "fp16" or "fp8", got {a.show(value)}')
    return text == "fp8"


def _expert_layout(model: Any, ep: int, etp: int, tp: int, dp: int) -> None:
    """The estimate's rules for expert parallelism (estimate.resolve): a MoE model only, ep divides the routed
    experts, ep·expert_tp divides tp·dp (expert ranks are carved from the data-parallel ones)."""
    experts = model.arch.experts if isinstance(model, ModelPreset) and model.arch.is_moe else 0
    if not experts:
        given = [f"{n} ({v})" for n, v in (("ep", ep), ("expert_tp", etp)) if v > 1]
        if given:
            one = len(given) == 1
            raise a.UdfArgumentError(f"{' and '.join(given)} need{'s' if one else ''} a mixture-of-experts model; "
                                     f"leave {'it' if one else 'them'} empty for a dense one")
        return
    if experts % ep:
        raise a.UdfArgumentError(f"ep ({ep}) must divide the {experts} routed experts of {model.key}")
    if (tp * dp) % (ep * (etp or tp)):
        raise a.UdfArgumentError(f"ep × expert_tp ({ep} × {etp or tp}) must divide tp × dp ({tp} × {dp}): expert "
                                 "ranks are carved from the data-parallel ones (Megatron-Core MoE)")


@excel(
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
