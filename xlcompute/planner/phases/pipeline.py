"""Pipeline phase: the 1F1B schedule at the pace of the slowest stage, per optimizer step (seconds)."""

from xlcompute.core import arith, parallel
from xlcompute.graph import step

__all__ = ["STEPS"]

ST = "step"

STEPS = (
    step("layer_pass_seconds", ST, parallel.layer_pass_seconds,
         "layer_forward_seconds", "layer_backward_seconds", "layer_recompute_seconds",
         "tp_exposed_seconds_per_layer"),
    step("microbatch_seconds", ST, parallel.microbatch_seconds,
         "layer_pass_seconds", "layers_per_stage", "logits_seconds", "p2p_seconds_per_microbatch"),
    step("compute_seconds", ST, parallel.compute_seconds_per_step,
         "layer_forward_seconds", "layer_backward_seconds", "layers_per_stage", "logits_seconds", "grad_accum"),
    step("recompute_seconds", ST, parallel.per_step, "layer_recompute_seconds", "layers_per_stage", "grad_accum"),
    step("tp_comm_exposed_seconds", ST, parallel.per_step,
         "tp_exposed_seconds_per_layer", "layers_per_stage", "grad_accum"),
    step("tp_comm_overlapped_seconds", ST, parallel.per_step,
         "tp_hidden_seconds_per_layer", "layers_per_stage", "grad_accum"),
    step("pp_comm_seconds", ST, arith.product, "p2p_seconds_per_microbatch", "grad_accum"),
    step("pp_bubble_seconds", ST, parallel.pipeline_bubble_seconds,
         "microbatch_seconds", "logits_seconds", "pp", "interleave"),
    step("pipeline_seconds", ST, parallel.pipeline_seconds, "microbatch_seconds", "grad_accum", "pp_bubble_seconds"),
)
