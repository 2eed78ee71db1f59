"""Layout phase: the data-parallel degree, micro-batches and the busiest stage's layers."""

from xlcompute.core import arith, parallel
from xlcompute.graph import step

__all__ = ["STEPS"]

T = "training"

STEPS = (
    step("dp", T, parallel.data_parallel, "gpu_count", "tp", "pp"),
    step("parallel_cards", T, parallel.parallel_cards, "dp", "tp", "pp"),
    # The batch the layout runs: the target rounded to whole micro-batches per replica (the planner
    # gives it directly for each layout it enumerates, computed by the same function).
    step("batch_unit", T, parallel.batch_unit, "micro_batch", "pp", "interleave"),
    step("global_batch", T, parallel.round_global_batch, "batch_target", "batch_unit", "dp"),
    step("grad_accum", T, parallel.grad_accum_steps, "global_batch", "micro_batch", "dp"),
    step("layers_per_stage", T, parallel.layers_per_stage, "layers", "pp"),
    step("tokens_per_microbatch", T, arith.product, "micro_batch", "seq_len"),
    step("tokens_per_step", T, parallel.tokens_per_step, "global_batch", "seq_len"),
    step("pipeline_bubble", T, parallel.pipeline_bubble, "pp", "grad_accum", "interleave"),
)
