"""Excel functions (xlwings UDFs): thin wrappers over :mod:`xlcompute.core`.

Each function parses its cells (numbers, text with a suffix such as "70B", card names such as
"H800"), converts units at the edge and calls ONE core formula; no formula is written here, so
a cell, a planning workbook and a PDF proposal cannot disagree. Units: counts are raw counts,
compute in FLOPs, peaks in TFLOPS (10^12 FLOP/s), memory in GB (10^9 bytes), links in Gbit/s,
time in days, hours or seconds as each docstring says.

The functions live in private modules by concern (``_size``, ``_catalog``, ``_training``,
``_memory``, ``_network``, ``_parallel``, ``_serving``, ``_energy``, ``_planner``, ``_compare``; the decorator
and shared argument texts in ``_register``) and are all re-exported here: classic xlwings scans
this module (``UDF Modules = xlcompute.udf``) and the xlwings Lite ``main.py`` written by
``xlcompute excel`` imports them from it by name. Off Windows ``xlwings.func`` returns the
function unchanged, so every UDF is also a plain Python function::

    >>> from xlcompute.udf import LLM_TRAIN_DAYS
    >>> round(LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 0.462), 2)   # seed 001, GPT-3
    25.29

No function raises or returns inf/NaN, whatever the cells hold: a refused argument or an
overflow comes back as one line of text, ``#VALUE! <reason>`` naming the argument, its value and
what is allowed, or ``#NUM! <reason>`` naming the arguments that overflow (``_register``'s
docstring has the contract)::

    >>> LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 40)
    '#VALUE! mfu must be in (0, 1]; did you mean 0.4? (got 40; write a fraction such as 0.4 or "40%")'
"""

# ruff: noqa: I001  (the imports below run in the order Excel lists the functions; not sorted)
from __future__ import annotations

# udf_specs() keeps the registration order, i.e. the order of these imports.
from xlcompute.udf._register import CATEGORY, UdfSpec, udf_specs
from xlcompute.udf._size import LLM_PARAMS, LLM_PARAMS_12LH2
from xlcompute.udf._catalog import GPU_LIST, GPU_SPEC, MODEL_LIST, MODEL_SPEC
from xlcompute.udf._training import (
    LLM_GPUS_FOR_DAYS,
    LLM_ITER_FLOPS,
    LLM_MFU,
    LLM_MFU_FROM_ITER,
    LLM_TRAIN_COST,
    LLM_TRAIN_DAYS,
    LLM_TRAIN_DAYS_TABLE,
    LLM_TRAIN_FLOPS,
    LLM_TRAIN_FLOPS_ATTN,
    LLM_TRAIN_GPU_HOURS,
)
from xlcompute.udf._goodput import LLM_ETTR
from xlcompute.udf._memory import (
    ACTIVATION_MEM,
    FITS_GPU,
    KV_CACHE_MEM,
    TRAIN_MEM_PER_GPU,
    WEIGHTS_MEM,
    ZERO_MEM,
)
from xlcompute.udf._network import ALLREDUCE_SECONDS, COMM_DP, COMM_PP, COMM_TP
from xlcompute.udf._parallel import GLOBAL_BATCH, PARALLEL_GPUS, PIPELINE_BUBBLE
from xlcompute.udf._serving import (
    LLM_COST_PER_1K_TOKENS,
    LLM_DECODE_TOKENS_PER_S,
    LLM_INFER_CHIPS,
    LLM_INFER_COST,
    LLM_INFER_FLOPS,
    LLM_SERVING_CARDS,
    LLM_SERVING_COST,
    LLM_TPOT,
    LLM_TTFT,
)
from xlcompute.udf._energy import ENERGY_KWH, POWER_COST
from xlcompute.udf._planner import LLM_BEST_LAYOUT, LLM_PREDICTED_MFU
from xlcompute.udf._compare import LLM_CARD_NOTE, LLM_COMPARE

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
    "LLM_ETTR",
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
    "LLM_TTFT",
    "LLM_TPOT",
    "LLM_SERVING_CARDS",
    "LLM_SERVING_COST",
    "LLM_INFER_CHIPS",
    "LLM_INFER_COST",
    "LLM_COST_PER_1K_TOKENS",
    "LLM_DECODE_TOKENS_PER_S",
    "ENERGY_KWH",
    "POWER_COST",
    "LLM_BEST_LAYOUT",
    "LLM_PREDICTED_MFU",
    "LLM_COMPARE",
    "LLM_CARD_NOTE",
]
