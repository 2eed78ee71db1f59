"""Excel functions for memory per GPU: weights, ZeRO model states, activations, KV cache, the
training total per card and whether it fits (:mod:`xlcompute.core.memory`). GB = 10^9 bytes."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute.core import arith, memory, units
from xlcompute.udf._register import HEADS, HIDDEN, LAYERS, PARAMS, RECOMPUTE_MEM, SEQ, excel

__all__ = ["ZERO_MEM", "WEIGHTS_MEM", "ACTIVATION_MEM", "KV_CACHE_MEM", "TRAIN_MEM_PER_GPU", "FITS_GPU"]


def _gb(nbytes: float) -> float:
    return float(units.per_giga(nbytes))


_PARAM_BYTES = "Optional. Bytes per parameter and per gradient; default 2 (bf16/fp16)."
_OPTIM_BYTES = "Optional. Optimizer bytes per parameter; default 12 (mixed-precision Adam)."


@excel(
    {
        "params": PARAMS,
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
            a.param_count(params),
            a.choice(stage, "stage", range(4)),
            a.whole(dp, "dp"),
            a.positive(param_bytes, "param_bytes", default=memory.BF16_BYTES, unit="bytes"),
            a.non_negative(optim_bytes, "optim_bytes", default=memory.ADAM_MIXED_OPTIMIZER_BYTES, unit="bytes"),
        )
    )


@excel(
    {"params": PARAMS, "bytes_per_param": "Optional. Bytes per parameter; default 2 (bf16). 20 ≈ full training state."}
)
def WEIGHTS_MEM(params: Any, bytes_per_param: Any = None) -> float:
    """Memory of the weights, bytes per parameter × P, in GB (10^9 bytes) (seed 003: a 13B model
    is 26 GB in bf16; 20 bytes per parameter gives 260 GB)."""
    return _gb(
        memory.weights_bytes(
            a.param_count(params),
            a.positive(bytes_per_param, "bytes_per_param", default=memory.BF16_BYTES, unit="bytes"),
        )
    )


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


@excel(
    {
        "params": PARAMS,
        "layers": LAYERS,
        "hidden": HIDDEN,
        "heads": HEADS,
        "seq_len": SEQ,
        "micro_batch": "Micro-batch in sequences per GPU.",
        "tp": "Tensor-parallel size (divides heads).",
        "pp": "Pipeline-parallel stages (divides layers).",
        "dp": "Data-parallel replicas (ZeRO partitions over them).",
        "zero_stage": "ZeRO stage 0-3.",
        "recompute": RECOMPUTE_MEM,
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
    a.divides(n_tp, "tp", n_heads, "heads")
    a.divides(n_pp, "pp", n_layers, "layers")
    states = memory.zero_bytes_per_card(
        a.param_count(params), a.choice(zero_stage, "zero_stage", range(4)), n_tp, n_pp, a.whole(dp, "dp")
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
