"""Excel functions for 3D-parallel arithmetic: cards, global batch, pipeline bubble
(:mod:`xlcompute.core.parallel`)."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute.core import parallel
from xlcompute.udf._register import excel

__all__ = ["PARALLEL_GPUS", "GLOBAL_BATCH", "PIPELINE_BUBBLE"]


@excel({"dp": "Data-parallel replicas.", "tp": "Tensor-parallel size.", "pp": "Pipeline-parallel stages.",
        "cp": "Optional. Context-parallel size (each GPU holds seq_len/cp tokens); default 1."})
def PARALLEL_GPUS(dp: Any, tp: Any, pp: Any, cp: Any = None) -> float:
    """GPUs used by a parallel layout, dp × tp × pp (seed 003) × cp (context parallelism,
    Megatron-Core). A whole number."""
    return float(parallel.parallel_cards(a.whole(dp, "dp"), a.whole(tp, "tp"), a.whole(pp, "pp"),
                                         a.whole(cp, "cp", default=1)))


@excel(
    {
        "micro": "Micro-batch in sequences per GPU.",
        "dp": "Data-parallel replicas.",
        "grad_accum": "Gradient-accumulation steps (micro-batches per step).",
    }
)
def GLOBAL_BATCH(micro: Any, dp: Any, grad_accum: Any) -> float:
    """Global batch in sequences per optimizer step, micro × dp × grad_accum (seed 003)."""
    return float(parallel.global_batch(a.whole(micro, "micro"), a.whole(dp, "dp"), a.whole(grad_accum, "grad_accum")))


@excel({"pp": "Pipeline-parallel stages.", "microbatches": "Micro-batches per step."})
def PIPELINE_BUBBLE(pp: Any, microbatches: Any) -> float:
    """Pipeline bubble (p-1)/m as a fraction of the ideal step time, 1F1B schedule (Narayanan et al.
    2021). A fraction; format as %."""
    return float(parallel.pipeline_bubble(a.whole(pp, "pp"), a.whole(microbatches, "microbatches")))
