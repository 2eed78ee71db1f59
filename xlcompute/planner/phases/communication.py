"""Communication phase: tensor-, context-, pipeline- and data-parallel traffic, the offload
transfers, their time and what overlap hides.

Each group's collectives run over the server's link when the group stays in one server, else
over the scale-out network; ranks are ordered TP, then CP, then PP, then DP (Megatron-Core's
order with CP inside PP), so a CP group spans tp·cp consecutive cards and a pipeline tp·cp·pp.
The Network sheet of the workbook shows exactly these steps.
"""

from xlcompute.core import arith, comm, moe, parallel, units
from xlcompute.graph import step

__all__ = ["STEPS"]

N = "network"
_LINKS = ("intra_node_bytes_per_s", "intra_node_efficiency", "inter_node_bytes_per_s", "inter_node_efficiency")

STEPS = (
    # tensor parallelism: per layer and micro-batch, then per step
    step("tp_in_node", N, comm.stays_in_node, "tp", "parallel_cards", "cards_per_node"),
    step("tp_link_bytes_per_s", N, comm.link_bytes_per_s, "tp_in_node", *_LINKS),
    step("tp_allreduce_seconds", N, comm.tp_allreduce_seconds,
         "activation_message_bytes", "tp", "tp_link_bytes_per_s", "collective_latency_s", "sp"),
    step("tp_comm_seconds_per_layer", N, comm.tp_seconds_per_layer, "tp_allreduce_seconds", "tp", "recompute_level"),
    step("tp_hidden_seconds_per_layer", N, comm.tp_hidden_per_layer,
         "tp_comm_seconds_per_layer", "tp_allreduce_seconds", "layer_gemm_seconds", "qkv_seconds", "mlp_up_seconds",
         "tp", "sp", "tp_overlap", "tp_async_backward", "tp_overlap_fraction"),
    step("tp_exposed_seconds_per_layer", N, arith.difference, "tp_comm_seconds_per_layer",
         "tp_hidden_seconds_per_layer"),
    step("tp_bytes_per_step", N, comm.tp_bytes_per_step,
         "activation_message_bytes", "tp", "recompute_level", "slowest_stage_layers", "grad_accum"),
    step("tp_seconds_per_step", N, parallel.per_step, "tp_comm_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    # context parallelism: the K/V ring of every layer, hidden under the attention it feeds
    step("cp_group_cards", N, arith.product, "tp", "cp"),
    step("cp_in_node", N, comm.stays_in_node, "cp_group_cards", "parallel_cards", "cards_per_node"),
    step("cp_link_bytes_per_s", N, comm.link_bytes_per_s, "cp_in_node", *_LINKS),
    step("cp_kv_bytes", N, comm.cp_kv_bytes, "seq_len", "micro_batch", "kv_heads", "head_dim", "tp", "cp"),
    step("cp_bytes_per_layer", N, comm.cp_bytes_per_layer, "cp_kv_bytes", "recompute_level"),
    step("cp_forward_seconds_per_layer", N, comm.cp_forward_seconds,
         "cp_kv_bytes", "cp", "cp_link_bytes_per_s", "collective_latency_s"),
    step("cp_backward_seconds_per_layer", N, comm.cp_backward_seconds,
         "cp_kv_bytes", "cp", "cp_link_bytes_per_s", "collective_latency_s", "recompute_level"),
    step("cp_comm_seconds_per_layer", N, arith.total, "cp_forward_seconds_per_layer", "cp_backward_seconds_per_layer"),
    step("cp_bytes_per_step", N, parallel.per_step, "cp_bytes_per_layer", "slowest_stage_layers", "grad_accum"),
    step("cp_seconds_per_step", N, parallel.per_step, "cp_comm_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    # pipeline parallelism
    step("stage_group_cards", N, arith.product, "cp_group_cards", "pp"),
    step("pp_in_node", N, comm.stays_in_node, "stage_group_cards", "parallel_cards", "cards_per_node"),
    step("pp_link_bytes_per_s", N, comm.link_bytes_per_s, "pp_in_node", *_LINKS),
    step("p2p_seconds_per_microbatch", N, comm.p2p_seconds_per_microbatch,
         "activation_message_bytes", "tp", "pp_link_bytes_per_s", "collective_latency_s", "pp", "interleave"),
    step("pp_bytes_per_step", N, comm.p2p_bytes_per_step,
         "activation_message_bytes", "tp", "pp", "interleave", "grad_accum"),
    # data parallelism
    step("dp_in_node", N, comm.stays_in_node, "parallel_cards", "parallel_cards", "cards_per_node"),
    step("dp_ranks_per_node", N, comm.dp_ranks_per_node, "dp_cp", "stage_group_cards", "cards_per_node"),
    step("dp_ring_nics", N, comm.dp_ring_nics, "dp_ranks_per_node", "zero_stage", "zero3_all_nics"),
    step("dp_link_bytes_per_s", N, comm.ring_link_bytes_per_s, "dp_in_node", "dp_ring_nics", *_LINKS),
    step("dp_bytes_per_step", N, moe.dp_bytes_split,
         "weights_full_per_gpu", "expert_weights_full_per_gpu", "dp_cp", "edp", "grad_accum", "zero_stage"),
    step("expert_dp_bytes_per_step", N, moe.expert_dp_bytes,
         "expert_weights_full_per_gpu", "edp", "grad_accum", "zero_stage"),
    step("expert_dp_ranks_per_node", N, comm.expert_dp_ranks_per_node, "dp_ranks_per_node", "ep", "expert_tp"),
    step("expert_dp_link_bytes_per_s", N, comm.ring_link_bytes_per_s, "dp_in_node", "expert_dp_ranks_per_node",
         *_LINKS),
    step("dp_seconds_per_step", N, comm.dp_seconds_per_step,
         "dp_bytes_per_step", "dp_link_bytes_per_s", "collective_latency_s", "layers_per_stage", "dp_cp",
         "zero_stage", "expert_dp_bytes_per_step", "expert_dp_link_bytes_per_s", "grad_accum", "ring_step_latency_s"),
    # The DP traffic also hides under what the pipeline waits for on other links (CP ring, offload).
    # the windows are the slowest stage's, as the pipeline's times (core.parallel.head_stage_slowest)
    step("slowest_stage_logits_forward_seconds", N, parallel.slowest_stage_logits, "head_stage_slowest",
         "logits_forward_seconds"),
    step("dp_overlap_window_seconds", N, comm.dp_overlap_window,
         "zero_stage", "compute_seconds", "recompute_seconds", "pipeline_exposed_seconds", "slowest_stage_layers",
         "layer_backward_busy_seconds", "layer_recompute_seconds", "slowest_stage_logits_forward_seconds",
         "pp", "interleave_effective", "grad_accum"),
    step("dp_last_bucket_seconds", N, comm.last_bucket_seconds, "dp_seconds_per_step", "layers_per_stage"),
    step("dp_forward_window_seconds", N, comm.dp_forward_window,
         "slowest_stage_layers", "layer_forward_busy_seconds", "pp", "interleave_effective", "grad_accum"),
    step("dp_zero_0_2_exposed_seconds", N, comm.sharded_dp_exposed_seconds,
         "dp_seconds_per_step", "dp_overlap_window_seconds", "dp_forward_window_seconds", "dp_last_bucket_seconds",
         "dp_overlap", "zero_stage"),
    # ZeRO-3 gathers and reduces in every pass, hidden pass by pass under that pass's compute [FSDP]
    step("dp_kernel_seconds", N, arith.total, "compute_seconds", "recompute_seconds"),
    step("dp_forward_busy_seconds", N, comm.forward_busy_seconds,
         "slowest_stage_layers", "layer_forward_seconds", "slowest_stage_logits_forward_seconds", "grad_accum",
         "dp_kernel_seconds", "dp_overlap_window_seconds"),
    step("zero3_exposed_seconds", N, comm.zero3_exposed_seconds,
         "dp_seconds_per_step", "grad_accum", "dp_overlap_window_seconds", "dp_forward_busy_seconds",
         "layers_per_stage", "dp_overlap", "zero3_overlap_fraction"),
    step("dp_comm_exposed_seconds", N, comm.dp_exposed_seconds,
         "zero_stage", "zero3_exposed_seconds", "dp_zero_0_2_exposed_seconds"),
    step("dp_comm_overlapped_seconds", N, arith.difference, "dp_seconds_per_step", "dp_comm_exposed_seconds"),
    # expert parallelism: dispatch and combine all-to-alls of every MoE layer (16-bit activations)
    step("a2a_bytes_per_layer", N, moe.a2a_bytes_per_layer,
         "tokens_per_microbatch", "moe_top_k", "capacity_factor", "hidden", "tp", "ep", 2),
    step("a2a_seconds_per_layer", N, moe.a2a_seconds_per_layer,
         "a2a_bytes_per_layer", "ep", "expert_tp", "cards_per_node", *_LINKS, "a2a_efficiency", "collective_latency_s",
         "recompute_level", "a2a_dedup", "moe_top_k", "expert_groups", "group_limit"),
    step("ep_comm_seconds_per_layer", N, moe.a2a_exposed_seconds, "moe_share", "a2a_seconds_per_layer", 0),
    step("a2a_exposed_seconds_per_layer", N, moe.a2a_exposed_seconds, "moe_share", "a2a_seconds_per_layer",
         "a2a_overlap"),
    # the dispatcher's wait on the host for the routing's token counts (Megatron-Core dropless all-to-all)
    step("moe_sync_seconds", N, units.milli, "moe_sync_ms"),
    step("moe_sync_gpu_seconds", N, moe.dispatch_gpu_seconds, "expert_layer_seconds", "a2a_seconds_per_layer",
         "recompute_level"),
    step("ep_sync_seconds_per_layer", N, moe.dispatch_sync_seconds, "moe_share", "moe_sync_seconds",
         "moe_sync_gpu_seconds", "recompute_level"),
    step("ep_exposed_seconds_per_layer", N, arith.total, "a2a_exposed_seconds_per_layer",
         "ep_sync_seconds_per_layer"),
    step("ep_seconds_per_step", N, parallel.per_step, "ep_comm_seconds_per_layer", "slowest_stage_layers", "grad_accum"),
    step("ep_bytes_per_step", N, moe.a2a_bytes_per_step,
         "a2a_bytes_per_layer", "moe_share", "slowest_stage_layers", "grad_accum", "recompute_level"),
    # the link the all-to-all runs on (the slower of the two when the EP group leaves the server)
    step("ep_group_cards", N, moe.ep_span, "ep", "expert_tp"),
    step("ep_in_node", N, comm.stays_in_node, "ep_group_cards", "parallel_cards", "cards_per_node"),
    step("ep_link_bytes_per_s", N, comm.link_bytes_per_s, "ep_in_node", *_LINKS),
    # weight and activation offload: a block's transfers per micro-batch, forward and backward
    step("offload_block_seconds", N, comm.offload_block_seconds,
         "weights_sharded_per_gpu", "grads_sharded_per_gpu", "layers_per_stage", "act_stored_layer",
         "offload_weights", "offload_activations", "offload_bytes_per_s"),
    # totals
    step("comm_seconds_per_step", N, arith.total,
         "tp_seconds_per_step", "pp_comm_seconds", "dp_seconds_per_step", "cp_seconds_per_step",
         "ep_seconds_per_step"),
    step("comm_exposed_seconds", N, arith.total,
         "tp_comm_exposed_seconds", "pp_comm_seconds", "dp_comm_exposed_seconds", "cp_comm_exposed_seconds",
         "ep_comm_exposed_seconds"),
    step("comm_share_of_step", N, arith.ratio, "comm_exposed_seconds", "predicted_step_seconds"),
)
