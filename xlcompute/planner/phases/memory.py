"""Memory phase: what the busiest card (the first pipeline stage) holds, bytes.

Weights, gradients and optimizer states of its stage split by TP and by ZeRO over DP, the
activations of the micro-batches in flight, the fp32 logits of a single stage, and the
framework's buffers. The Memory sheet of the workbook shows exactly these steps.
"""

from xlcompute.core import arith, comm, memory, params, units
from xlcompute.graph import step

__all__ = ["STEPS"]

M = "memory"

STEPS = (
    step("block_params", M, params.block_params, "model_params", "embedding_params", "lm_head_params", "layers"),
    step("stage_params", M, params.first_stage_params,
         "block_params", "layers_per_stage", "embedding_params", "lm_head_params", "pp"),
    step("params_per_gpu", M, arith.ratio, "stage_params", "tp"),
    step("weights_full_per_gpu", M, arith.product, "params_per_gpu", "param_bytes"),
    step("optimizer_full_per_gpu", M, arith.product, "params_per_gpu", "optimizer_bytes"),
    step("weights_per_gpu", M, memory.zero_partitioned, "weights_full_per_gpu", "zero_stage", 3, "dp"),
    step("grads_per_gpu", M, memory.zero_partitioned, "weights_full_per_gpu", "zero_stage", 2, "dp"),
    step("optimizer_states_per_gpu", M, memory.zero_partitioned, "optimizer_full_per_gpu", "zero_stage", 1, "dp"),
    step("optimizer_per_gpu", M, memory.in_hbm, "optimizer_states_per_gpu", "offload"),
    step("offload_tier_per_gpu", M, memory.offloaded, "optimizer_states_per_gpu", "offload"),
    step("states_per_gpu", M, arith.total, "weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu"),
    step("activation_message_bytes", M, comm.activation_message_bytes, "seq_len", "micro_batch", "hidden"),
    step("act_linear_layer", M, memory.activations_linear_layer,
         "seq_len", "micro_batch", "hidden", "heads", "kv_heads", "head_dim", "ffn_hidden", "gated_ffn", "tp", "sp"),
    step("act_score_layer", M, memory.activations_score_layer,
         "seq_len", "micro_batch", "heads", "tp", "flash_attention"),
    step("act_working_layer", M, arith.total, "act_linear_layer", "act_score_layer"),
    step("act_stored_layer", M, memory.activations_stored_layer,
         "act_linear_layer", "act_score_layer", "seq_len", "micro_batch", "hidden", "tp", "sp", "recompute_mode",
         "flash_attention"),
    step("score_traffic_layer", M, memory.score_traffic_bytes, "act_score_layer", "flash_attention"),
    step("elementwise_bytes_layer", M, arith.total, "act_linear_layer", "score_traffic_layer"),
    step("logits_activation_bytes", M, memory.logits_activation_bytes, "seq_len", "micro_batch", "vocab", "tp"),
    step("activations_per_gpu", M, memory.activations_first_stage,
         "act_stored_layer", "layers_per_stage", "pp", "grad_accum", "interleave", "act_working_layer",
         "recompute_mode", "logits_activation_bytes"),
    step("buffers_per_gpu", M, memory.framework_buffers,
         "framework_reserve_bytes", "activation_message_bytes", "block_params", "tp", "param_bytes", "zero_stage"),
    step("mem_per_gpu", M, memory.train_mem_per_card,
         "weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu", "activations_per_gpu", "buffers_per_gpu"),
    step("mem_per_gpu_gb", M, units.per_giga, "mem_per_gpu"),
    step("mem_fits", M, memory.fits_card,
         "mem_per_gpu", "hbm_bytes", "offload", "offload_tier_per_gpu", "offload_bytes", "offload_bytes_per_s"),
)
