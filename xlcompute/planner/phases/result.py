"""Result phase: the optimizer update, the predicted step time and its MFU.

MFU counts model FLOPs (no recomputation) with the same function as the estimate's training
compute (compute.train_flops_attn), so the predicted MFU turns back into the predicted step time.
"""

from xlcompute.core import arith, comm, compute, kernels, moe, parallel, scale, schedule
from xlcompute.graph import step

__all__ = ["STEPS"]

ST = "step"

STEPS = (
    # the parameters a card's optimizer updates: its stages' (two with DualPipe), sharded as their states
    step("params_held_per_gpu", ST, arith.product, "params_per_gpu", "stage_copies"),
    step("expert_params_held_per_gpu", ST, arith.product, "expert_params_per_gpu", "stage_copies"),
    step("params_updated_per_gpu", ST, moe.zero_partitioned_split,
         "params_held_per_gpu", "expert_params_held_per_gpu", "zero_stage", 1, "shard_dp", "shard_edp"),
    step("optimizer_seconds", ST, kernels.optimizer_update_seconds,
         "params_updated_per_gpu", "param_bytes", "optimizer_bytes", "hbm_bytes_per_s", "offload_optimizer"),
    step("offload_seconds", ST, comm.offload_seconds,
         "optimizer_states_per_gpu", "params_updated_per_gpu", "param_bytes", "offload_bytes_per_s",
         "offload_optimizer"),
    step("steady_step_seconds", ST, arith.total,
         "pipeline_seconds", "dp_comm_exposed_seconds", "optimizer_seconds", "offload_seconds"),
    # The step ends when the slowest server ends it (core.scale).
    step("job_nodes", ST, scale.job_nodes, "parallel_cards", "cards_per_node"),
    step("straggler_factor", ST, scale.straggler_factor, "job_nodes", "straggler_jitter"),
    step("predicted_step_seconds", ST, arith.product, "steady_step_seconds", "straggler_factor"),
    # The weights a training token multiplies: the active parameters and the MTP modules'.
    step("train_active_params", ST, moe.training_active_params, "model_active_params", "mtp_params"),
    step("model_flops_per_step", ST, compute.train_flops_attn,
         "train_active_params", "tokens_per_step", "seq_len", "layers", "attn_width"),
    step("recompute_flops_per_step", ST, compute.recompute_flops,
         "tokens_per_step", "block_params", "layers", "seq_len", "attn_width", "recompute_level", "flash_attention"),
    step("hardware_flops_per_step", ST, arith.total, "model_flops_per_step", "recompute_flops_per_step"),
    step("predicted_mfu", ST, schedule.mfu_from_step,
         "model_flops_per_step", "predicted_step_seconds", "parallel_cards", "peak_flops"),
    step("predicted_hfu", ST, schedule.mfu_from_step,
         "hardware_flops_per_step", "predicted_step_seconds", "parallel_cards", "peak_flops"),
    step("predicted_tokens_per_s_per_card", ST, parallel.tokens_per_s_per_card,
         "global_batch", "seq_len", "predicted_step_seconds", "parallel_cards"),
)
