"""Memory phase: what the busiest card holds, bytes: the first pipeline stage, or the second when
its layers (all MoE layers after the dense ones) outweigh the first's extra micro-batch in flight
and embedding.

Weights, gradients and optimizer states of its stage split by TP and by ZeRO over DP (with
context parallelism over dp·cp), the activations of the micro-batches in flight (of the s/cp
tokens the card holds), the fp32 logits of a single stage, and the framework's buffers; with
offload, what stays in HBM and what the offload tier holds. The Memory sheet of the workbook
shows exactly these steps.
"""

from xlcompute.core import arith, comm, memory, moe, params, units
from xlcompute.core.expr import max_
from xlcompute.graph import step

__all__ = ["STEPS"]

M = "memory"

STEPS = (
    # Routed experts apart: split over EP (and expert TP), their states over the expert DP group.
    step("dense_model_params", M, arith.difference, "model_params", "expert_params"),
    step("block_params", M, params.block_params, "dense_model_params", "embedding_params", "lm_head_params",
         "layers"),
    # The first stage's own layers: the dense ones first, then MoE layers (core.moe.stage_block_params).
    step("dense_layer_extra_params", M, moe.dense_layer_extra_params,
         "hidden", "ffn_hidden", "gated_ffn", "shared_experts", "moe_ffn_hidden", "experts"),
    step("first_stage_block_params", M, moe.stage_block_params,
         "block_params", "layers_per_stage", "first_stage_moe_layers", "layers", "moe_layers",
         "dense_layer_extra_params"),
    step("stage_params", M, params.first_stage_params,
         "first_stage_block_params", 1, "embedding_params", "lm_head_params", "pp"),
    step("expert_params_per_gpu", M, moe.expert_params_per_card,
         "expert_params", "moe_layers", "first_stage_moe_layers", "ep", "expert_tp"),
    step("params_per_gpu", M, moe.dense_params_per_card, "stage_params", "tp", "expert_params_per_gpu"),
    # a card's weight and gradient bytes per parameter of its stage: two copies with DualPipe
    step("stage_param_bytes", M, arith.product, "param_bytes", "stage_copies"),
    step("stage_grad_bytes", M, arith.product, "grad_bytes", "stage_copies"),
    step("weights_full_per_gpu", M, arith.product, "params_per_gpu", "stage_param_bytes"),
    step("grads_full_per_gpu", M, arith.product, "params_per_gpu", "stage_grad_bytes"),
    # DualPipe: a card holds two stages, and each stage's ZeRO shards spread over both copies' replicas,
    # 2·dp of them ([DSV3] Table 2: parameters 2×): sharded states stay one share, unsharded ones double
    step("stage_optimizer_bytes", M, arith.product, "optimizer_bytes", "stage_copies"),
    step("shard_dp", M, arith.product, "dp_cp", "stage_copies"),
    step("shard_edp", M, arith.product, "edp", "stage_copies"),
    step("optimizer_full_per_gpu", M, arith.product, "params_per_gpu", "stage_optimizer_bytes"),
    step("expert_weights_full_per_gpu", M, arith.product, "expert_params_per_gpu", "stage_param_bytes"),
    step("expert_grads_full_per_gpu", M, arith.product, "expert_params_per_gpu", "stage_grad_bytes"),
    step("expert_optimizer_full_per_gpu", M, arith.product, "expert_params_per_gpu", "stage_optimizer_bytes"),
    step("weights_sharded_per_gpu", M, moe.zero_partitioned_split,
         "weights_full_per_gpu", "expert_weights_full_per_gpu", "zero_stage", 3, "shard_dp", "shard_edp"),
    step("grads_sharded_per_gpu", M, moe.zero_partitioned_split,
         "grads_full_per_gpu", "expert_grads_full_per_gpu", "zero_stage", 2, "shard_dp", "shard_edp"),
    # With weight offload HBM keeps two blocks of the stage (Calculon §III, seed 004).
    step("weights_per_gpu", M, memory.resident_blocks, "weights_sharded_per_gpu", "layers_per_stage",
         "offload_weights"),
    step("grads_per_gpu", M, memory.resident_blocks, "grads_sharded_per_gpu", "layers_per_stage", "offload_weights"),
    step("optimizer_states_per_gpu", M, moe.zero_partitioned_split,
         "optimizer_full_per_gpu", "expert_optimizer_full_per_gpu", "zero_stage", 1, "shard_dp", "shard_edp"),
    # the routed experts' part of the three states after ZeRO (the proposal's memory table shows it)
    step("expert_states_per_gpu", M, moe.expert_states_after_zero,
         "expert_weights_full_per_gpu", "expert_grads_full_per_gpu", "expert_optimizer_full_per_gpu", "zero_stage",
         "shard_edp"),
    step("optimizer_per_gpu", M, memory.in_hbm, "optimizer_states_per_gpu", "offload_optimizer"),
    step("states_per_gpu", M, arith.total, "weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu"),
    step("activation_message_bytes", M, comm.activation_message_bytes, "seq_per_card", "micro_batch", "hidden"),
    step("act_expert_layer", M, moe.expert_activation_bytes,
         "routed_rows", "hidden", "moe_ffn_hidden", "gated_ffn", "expert_tp", "moe_share"),
    step("act_mla_recomputed_layer", M, moe.mla_recompute_saving,
         "seq_per_card", "micro_batch", "heads", "kv_heads", "head_dim", "mla_latent_width", "tp", "sp",
         "recompute_level"),
    step("act_linear_layer", M, moe.linear_activations_with_experts,
         "seq_per_card", "micro_batch", "hidden", "heads", "kv_heads", "head_dim", "dense_ffn_hidden", "gated_ffn",
         "tp", "sp", "act_expert_layer"),
    step("act_score_layer", M, memory.activations_score_layer,
         "seq_len", "micro_batch", "heads", "tp", "flash_attention", "cp"),
    step("act_stored_layer", M, memory.activations_stored_layer,
         "act_linear_layer", "act_score_layer", "seq_per_card", "micro_batch", "hidden", "tp", "sp", "recompute_level",
         "flash_attention", "act_mla_recomputed_layer"),
    step("score_traffic_layer", M, memory.score_traffic_bytes, "act_score_layer", "flash_attention"),
    step("elementwise_bytes_layer", M, arith.total, "act_linear_layer", "score_traffic_layer"),
    step("logits_activation_bytes", M, memory.logits_activation_bytes, "seq_per_card", "micro_batch", "vocab", "tp"),
    # Per layer kind (the layer-average above paces the step; memory counts each stage's own layers):
    # a dense layer with the dense MLP, an MoE layer with its shared experts and all its routed rows,
    # whose inputs FP8 training keeps in FP8 (what is stored, not what the element-wise kernels move).
    step("act_linear_dense_layer", M, memory.activations_linear_layer,
         "seq_per_card", "micro_batch", "hidden", "heads", "kv_heads", "head_dim", "ffn_hidden", "gated_ffn", "tp",
         "sp"),
    step("shared_ffn_hidden", M, arith.product, "shared_experts", "moe_ffn_hidden"),
    step("act_expert_moe_layer", M, moe.expert_activation_bytes,
         "routed_rows", "hidden", "moe_ffn_hidden", "gated_ffn", "expert_tp", 1, "precision_peak_ratio"),
    step("act_linear_moe_layer", M, moe.linear_activations_with_experts,
         "seq_per_card", "micro_batch", "hidden", "heads", "kv_heads", "head_dim", "shared_ffn_hidden", "gated_ffn",
         "tp", "sp", "act_expert_moe_layer"),
    step("act_stored_dense_layer", M, memory.activations_stored_layer,
         "act_linear_dense_layer", "act_score_layer", "seq_per_card", "micro_batch", "hidden", "tp", "sp",
         "recompute_level", "flash_attention", "act_mla_recomputed_layer"),
    step("act_stored_moe_layer", M, memory.activations_stored_layer,
         "act_linear_moe_layer", "act_score_layer", "seq_per_card", "micro_batch", "hidden", "tp", "sp",
         "recompute_level", "flash_attention", "act_mla_recomputed_layer"),
    # Full recomputation rebuilds one layer at a time: the larger layer kind sets the working set.
    step("act_working_layer", M, moe.working_layer_bytes,
         "act_linear_dense_layer", "act_linear_moe_layer", "act_score_layer"),
    step("act_stored_first_stage_layer", M, moe.stage_mean_layer,
         "act_stored_dense_layer", "act_stored_moe_layer", "layers_per_stage", "first_stage_moe_layers"),
    step("activations_per_gpu", M, memory.activations_first_stage,
         "act_stored_first_stage_layer", "layers_per_stage", "in_flight_pp", "grad_accum", "interleave_effective",
         "act_working_layer", "recompute_level", "logits_activation_bytes", "offload_activations"),
    step("activations_offloaded_per_gpu", M, memory.activations_offloaded,
         "act_stored_first_stage_layer", "layers_per_stage", "in_flight_pp", "grad_accum", "interleave_effective",
         "offload_activations"),
    step("offload_tier_per_gpu", M, memory.offload_tier_bytes,
         "optimizer_states_per_gpu", "offload_optimizer", "weights_sharded_per_gpu", "weights_per_gpu",
         "grads_sharded_per_gpu", "grads_per_gpu", "activations_offloaded_per_gpu"),
    step("offload_any", M, max_, "offload_optimizer", "offload_weights", "offload_activations"),
    step("buffers_per_gpu", M, memory.framework_buffers,
         "framework_reserve_bytes", "activation_message_bytes", "block_params", "tp", "param_bytes", "zero_stage"),
    step("first_stage_mem_per_gpu", M, memory.train_mem_per_card,
         "weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu", "activations_per_gpu", "buffers_per_gpu"),
    # The later stage: the second (p − 1 micro-batches in flight, no embedding) or the first past the
    # dense layers (Korthikanti et al. 2022 §4.2.3; core.moe.later_stage_index). The busier of the
    # two sets the card's memory.
    step("later_stage_block_params", M, moe.stage_block_params,
         "block_params", "later_stage_layers", "later_stage_moe_layers", "layers", "moe_layers",
         "dense_layer_extra_params"),
    step("later_expert_params_per_gpu", M, moe.expert_params_per_card,
         "expert_params", "moe_layers", "later_stage_moe_layers", "ep", "expert_tp"),
    step("later_params_per_gpu", M, moe.dense_params_per_card, "later_stage_block_params", "tp",
         "later_expert_params_per_gpu"),
    step("later_states_per_gpu", M, moe.stage_states_bytes,
         "later_params_per_gpu", "later_expert_params_per_gpu", "stage_param_bytes", "stage_grad_bytes",
         "stage_optimizer_bytes", "zero_stage", "shard_dp", "shard_edp", "later_stage_layers", "offload_weights",
         "offload_optimizer"),
    step("act_stored_later_stage_layer", M, moe.stage_mean_layer,
         "act_stored_dense_layer", "act_stored_moe_layer", "later_stage_layers", "later_stage_moe_layers"),
    step("later_activations_per_gpu", M, moe.later_stage_activations,
         "act_stored_later_stage_layer", "later_stage_layers", "in_flight_pp", "grad_accum", "interleave_effective",
         "act_working_layer",
         "recompute_level", "offload_activations", "later_stage_index"),
    step("later_stage_mem_per_gpu", M, memory.train_mem_per_card,
         "later_states_per_gpu", 0, 0, "later_activations_per_gpu", "buffers_per_gpu"),
    step("mem_per_gpu", M, max_, "first_stage_mem_per_gpu", "later_stage_mem_per_gpu"),
    step("mem_per_gpu_gb", M, units.per_giga, "mem_per_gpu"),
    step("mem_fits", M, memory.fits_card,
         "mem_per_gpu", "hbm_bytes", "offload_any", "offload_tier_per_gpu", "offload_bytes", "offload_bytes_per_s"),
)
