"""Pipeline phase: the 1F1B schedule at the pace of the slowest stage, per optimizer step (seconds),
each layer's pass stretched by what it waits for on other links (TP, the CP ring, offload)."""

from xlcompute.core import arith, comm, parallel
from xlcompute.graph import step

__all__ = ["STEPS"]

ST = "step"

STEPS = (
    # The CP ring hides under the attention of its pass (forward; backward with recomputation).
    step("cp_exposed_forward_per_layer", ST, comm.exposed_seconds,
         "cp_forward_seconds_per_layer", "attention_forward_seconds", 0, 1),
    step("cp_exposed_backward_per_layer", ST, comm.exposed_seconds,
         "cp_backward_seconds_per_layer", "attention_backward_seconds", 0, 1),
    step("cp_exposed_seconds_per_layer", ST, arith.total, "cp_exposed_forward_per_layer",
         "cp_exposed_backward_per_layer"),
    # Offload transfers hide under everything the layer does, its waits for TP and CP included.
    step("layer_busy_seconds", ST, arith.total,
         "layer_forward_seconds", "layer_backward_seconds", "layer_recompute_seconds", "tp_exposed_seconds_per_layer",
         "cp_exposed_seconds_per_layer", "ep_exposed_seconds_per_layer"),
    step("offload_exposed_seconds_per_layer", ST, comm.exposed_seconds,
         "offload_block_seconds", "layer_busy_seconds", 0, 1),
    # The passes the DP traffic hides under, each with its CP wait and its share of the offload wait:
    # the reduction under the last backward, the next step's parameter gather under the first forward.
    step("offload_exposed_forward_per_layer", ST, comm.forward_wait_share,
         "offload_exposed_seconds_per_layer", "layer_forward_seconds", "layer_backward_seconds",
         "layer_recompute_seconds"),
    step("layer_forward_busy_seconds", ST, arith.total,
         "layer_forward_seconds", "cp_exposed_forward_per_layer", "offload_exposed_forward_per_layer"),
    step("offload_exposed_backward_per_layer", ST, arith.difference,
         "offload_exposed_seconds_per_layer", "offload_exposed_forward_per_layer"),
    step("layer_backward_busy_seconds", ST, arith.total,
         "layer_backward_seconds", "cp_exposed_backward_per_layer", "offload_exposed_backward_per_layer"),
    step("layer_pass_seconds", ST, parallel.layer_pass_seconds,
         "layer_forward_seconds", "layer_backward_seconds", "layer_recompute_seconds",
         "tp_exposed_seconds_per_layer", "cp_exposed_seconds_per_layer", "offload_exposed_seconds_per_layer",
         "ep_exposed_seconds_per_layer"),
    # The stage that paces the pipeline: the last (its layers and the output layer) unless a split
    # leaves a fuller stage slower; the per-step times below are that stage's.
    # With DualPipe the output layer's card also holds the first stage and each card runs two stages.
    step("head_rank_layers", ST, parallel.head_rank_layers, "stage_layers_first", "stage_layers_last", "dualpipe"),
    step("head_rank_logits_seconds", ST, parallel.head_rank_logits, "logits_seconds", "dualpipe"),
    step("rival_stage_layers", ST, parallel.rival_stage_layers, "layers_per_stage", "stage_layers_even", "pp",
         "dualpipe"),
    step("head_stage_slowest", ST, parallel.head_stage_slowest,
         "head_rank_layers", "rival_stage_layers", "layer_pass_seconds", "head_rank_logits_seconds"),
    step("slowest_stage_layers", ST, parallel.slowest_stage_layers,
         "head_stage_slowest", "head_rank_layers", "rival_stage_layers"),
    step("slowest_stage_logits_seconds", ST, parallel.slowest_stage_logits, "head_stage_slowest",
         "head_rank_logits_seconds"),
    step("microbatch_seconds", ST, parallel.microbatch_seconds,
         "layer_pass_seconds", "slowest_stage_layers", "slowest_stage_logits_seconds", "p2p_seconds_per_microbatch"),
    step("compute_seconds", ST, parallel.compute_seconds_per_step,
         "layer_forward_seconds", "layer_backward_seconds", "slowest_stage_layers", "slowest_stage_logits_seconds",
         "grad_accum"),
    step("recompute_seconds", ST, parallel.per_step, "layer_recompute_seconds", "slowest_stage_layers", "grad_accum"),
    step("tp_comm_exposed_seconds", ST, parallel.per_step,
         "tp_exposed_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    step("tp_comm_overlapped_seconds", ST, parallel.per_step,
         "tp_hidden_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    step("cp_comm_exposed_seconds", ST, parallel.per_step,
         "cp_exposed_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    step("ep_comm_exposed_seconds", ST, parallel.per_step,
         "ep_exposed_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    step("offload_exposed_seconds", ST, parallel.per_step,
         "offload_exposed_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    step("pipeline_exposed_seconds", ST, arith.total,
         "tp_comm_exposed_seconds", "cp_comm_exposed_seconds", "offload_exposed_seconds", "ep_comm_exposed_seconds"),
    step("pp_comm_seconds", ST, arith.product, "p2p_seconds_per_microbatch", "grad_accum"),
    step("pp_bubble_1f1b_seconds", ST, parallel.pipeline_bubble_seconds,
         "layer_pass_seconds", "layers_per_stage", "p2p_seconds_per_microbatch", "pp", "interleave_effective"),
    step("layer_dualpipe_backward_seconds", ST, arith.total, "layer_backward_busy_seconds", "layer_recompute_seconds"),
    step("pp_bubble_dualpipe_seconds", ST, parallel.dualpipe_bubble_seconds,
         "layers_per_stage", "layer_forward_busy_seconds", "layer_dualpipe_backward_seconds", "gemm_forward_seconds",
         "p2p_seconds_per_microbatch", "pp"),
    step("pp_bubble_seconds", ST, parallel.schedule_bubble_seconds, "dualpipe", "pp_bubble_1f1b_seconds",
         "pp_bubble_dualpipe_seconds"),
    step("dualpipe_bubble_share", ST, parallel.bubble_share, "pp_bubble_dualpipe_seconds", "microbatch_seconds",
         "grad_accum"),
    step("pipeline_seconds", ST, parallel.pipeline_seconds, "microbatch_seconds", "grad_accum", "pp_bubble_seconds"),
)
