"""The estimate as one graph of named steps over the core's formulas.

The graph is the step-time model's phases (:mod:`xlcompute.planner.phases`) plus the training
time, the seeds' comparison forms, serving and budget. Running it with numbers gives the
estimate (``estimate.py``); running it with cell references gives the planning workbook's
formulas (``workbook/``); the planner runs the step-time part over arrays of layouts. One graph,
so the Memory and Network sheets, the planner and the proposal cannot disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

from xlcompute.core import (arith, bom, comm, compute, cost, goodput, inference, memory, parallel, schedule, serving,
                            spread, units)
from xlcompute.core.expr import Value, max_, min_
from xlcompute.graph import Graph, Step, step
from xlcompute.planner.phases import PHASES

__all__ = ["Step", "STEPS", "GRAPH", "INPUT_GROUPS", "INPUT_KEYS", "SHEETS", "run_steps", "step_of"]

# Input keys (scenario → numbers), grouped as the workbook's Inputs sheet and the proposal's
# assumptions table show them; the workbook has one named cell per key.
INPUT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model", ("model_params", "model_active_params", "layers", "hidden", "heads", "kv_heads", "head_dim",
               "attn_width", "ffn_hidden", "gated_ffn", "vocab", "embedding_params", "lm_head_params",
               # mixture of experts, MLA, MTP (issue 15; 0 for a dense model)
               "moe_layers", "experts", "moe_top_k", "expert_groups", "group_limit", "shared_experts",
               "moe_ffn_hidden", "expert_params", "mla_qkv_params", "mla_latent_width", "mtp_params")),
    ("training", ("train_tokens", "seq_len", "batch_target", "micro_batch", "param_bytes", "grad_bytes",
                  "optimizer_bytes", "zero_stage", "recompute_mode", "recompute_layers", "sp", "flash_attention",
                  "tp", "pp", "cp", "interleave", "first_stage_layers", "last_stage_layers", "dualpipe", "tp_overlap",
                  "dp_overlap", "offload_optimizer", "offload_weights", "offload_activations",
                  "deadline_days", "deadline_confidence",
                  # expert parallelism and precision (issue 15)
                  "ep", "etp", "capacity_factor", "a2a_overlap", "a2a_dedup", "moe_sync_ms", "precision_peak_ratio")),
    ("cluster", ("gpu_count", "cards_per_node", "gpu_peak_tflops", "gpu_hbm_gb", "gpu_hbm_tbps", "intra_node_gbs",
                 "inter_node_gbps", "gpu_tdp_w", "gpu_fp32_tflops",
                 # bill of materials (issue 13): fabric and storage sizing
                 "switch_gbps", "oversubscription", "storage_tb_per_card", "checkpoints_kept",
                 "dataset_bytes_per_token")),
    ("stepmodel", ("software_efficiency", "tp_async_backward", "matmul_eff_max", "matmul_dim_half",
                   "elementwise_traffic_factor", "loss_traffic_bytes", "flash_attention_efficiency",
                   "intra_node_efficiency",
                   "inter_node_efficiency", "collective_latency_us", "straggler_jitter", "tp_overlap_fraction",
                   "zero3_overlap_fraction", "zero3_all_nics", "ring_step_latency_us",
                   "framework_reserve_gb",
                   "offload_gb", "offload_gbs", "a2a_efficiency", "grouped_gemm_efficiency",
                   "fp8_gemm_efficiency")),
    ("assumptions", ("mfu_assumed", "mfu_sigma", "host_power_factor", "average_load", "idle_power_share")),
    ("reliability", ("failures_per_card_hour", "checkpoint_gbs_per_card", "checkpoint_interval_minutes",
                     "restart_minutes", "planned_overhead")),
    ("serving", ("users", "tokens_per_request", "seconds_per_request", "serving_utilization",
                 "serving_bytes_per_param", "kv_bytes_per_value", "decode_batch", "hbm_usable_fraction",
                 # the inference step model (issue 16): request shape, targets, the sizer's layout, constants
                 "serving_output_tokens", "ttft_target_s", "tpot_target_s", "serving_tp", "serving_pp",
                 "serving_disaggregated",
                 "serving_fp8", "serving_int8", "serving_peak_tflops", "serving_compute_efficiency",
                 "serving_hbm_efficiency",
                 "serving_vendor_compute", "serving_vendor_hbm", "serving_speed_factor", "serving_confidence",
                 "serving_sigma", "serving_dequant_ops", "serving_grouped_gemm_efficiency",
                 "serving_prefill_overhead_us", "serving_decode_overhead_us",
                 "serving_link_efficiency", "serving_collective_latency_us", "serving_allreduce_step_us",
                 "serving_reserve_gb", "kv_lora_rank",
                 "qk_rope_head_dim")),
    ("pricing", ("price_per_gpu_hour", "server_price", "network_per_server", "storage_capex", "facility_per_kw",
                 "electricity_per_kwh", "pue", "years", "staff_per_year",
                 # own or rent (issue 13)
                 "price_reserved_1y", "price_reserved_3y", "maintenance_share", "space_per_rack_month",
                 "kw_per_rack", "depreciation_years", "residual_share", "discount_rate",
                 # bill of materials (issue 13): unit prices
                 "nic_price", "switch_price", "transceiver_price", "cable_price", "storage_per_tb")),
)
INPUT_KEYS: tuple[str, ...] = tuple(k for _, keys in INPUT_GROUPS for k in keys)

T, G, M, N, S, B = "training", "goodput", "memory", "network", "serving", "budget"
SHEETS: tuple[str, ...] = ("training", "goodput", "step", "memory", "network", "serving", "budget")
"""Result sheets of the workbook, in order; every step names one."""

_TRAINING = (
    # The one count of model FLOPs (compute.train_flops_attn, r = 0): the same function gives the
    # step-time model's MFU, so the predicted MFU reproduces the predicted step time.
    step("train_flops", T, compute.train_flops_attn,
         "train_active_params", "train_tokens", "seq_len", "layers", "attn_width"),
    step("train_flops_6tp", T, compute.train_flops_6tp, "model_active_params", "train_tokens"),
    step("mfu", T, schedule.mfu_in_use, "mfu_assumed", "predicted_mfu"),
    # The cards of the layout do the work (MFU is theirs); idle cards are held for the run too.
    step("idle_cards", T, parallel.idle_cards, "gpu_count", "parallel_cards"),
    # Time of the steps alone (no failures, checkpoints or planned pauses) ...
    step("step_train_seconds", T, schedule.train_seconds, "train_flops", "parallel_cards", "peak_flops", "mfu"),
    step("step_train_days", T, arith.ratio, "step_train_seconds", units.SECONDS_PER_DAY),
    step("step_gpu_hours", T, schedule.card_hours, "step_train_seconds", "gpu_count"),
    step("step_train_days_6tp", T, schedule.train_days, "train_flops_6tp", "parallel_cards", "peak_flops", "mfu"),
    step("train_steps", T, parallel.steps_for_tokens, "train_tokens", "global_batch", "seq_len"),
    step("step_seconds", T, schedule.step_seconds, "train_active_params", "global_batch", "seq_len", "layers",
         "attn_width", "parallel_cards", "peak_flops", "mfu"),
    step("tokens_per_s_per_card", T, parallel.tokens_per_s_per_card, "global_batch", "seq_len", "step_seconds",
         "parallel_cards"),
    step("samples_per_s_per_card", T, parallel.samples_per_s_per_card, "global_batch", "step_seconds",
         "parallel_cards"),
)

# ... and end to end: calendar time and card-hours with failures, checkpoints and planned work
# (core.goodput). train_days and gpu_hours are these.
_GOODPUT = (
    step("job_mtbf_seconds", G, goodput.job_mtbf_seconds, "failures_per_card_hour", "parallel_cards"),
    step("job_mtbf_hours", G, arith.ratio, "job_mtbf_seconds", units.SECONDS_PER_HOUR),
    step("checkpoint_bytes", G, goodput.checkpoint_bytes, "model_params", "param_bytes", "optimizer_bytes"),
    step("checkpoint_bytes_per_s_per_card", G, units.giga, "checkpoint_gbs_per_card"),
    step("checkpoint_seconds", G, goodput.checkpoint_seconds,
         "checkpoint_bytes", "parallel_cards", "checkpoint_bytes_per_s_per_card"),
    step("restart_seconds", G, goodput.restart_seconds, "restart_fixed_seconds", "checkpoint_seconds"),
    step("restart_fixed_seconds", G, arith.product, "restart_minutes", units.SECONDS_PER_MINUTE),
    step("checkpoint_interval_optimum", G, goodput.young_daly_interval,
         "checkpoint_seconds", "job_mtbf_seconds", "restart_seconds"),
    step("checkpoint_interval_given", G, arith.product, "checkpoint_interval_minutes", units.SECONDS_PER_MINUTE),
    step("checkpoint_interval_seconds", G, goodput.interval_in_use,
         "checkpoint_interval_given", "checkpoint_interval_optimum"),
    step("failure_ratio", G, goodput.failure_ratio,
         "checkpoint_interval_seconds", "checkpoint_seconds", "restart_seconds", "job_mtbf_seconds"),
    step("failure_ratio_first_order", G, goodput.failure_ratio_first_order,
         "checkpoint_interval_seconds", "checkpoint_seconds", "restart_seconds", "job_mtbf_seconds"),
    step("effective_ratio", G, goodput.effective_ratio, "failure_ratio", "planned_overhead"),
    step("train_seconds", G, goodput.calendar_seconds, "step_train_seconds", "effective_ratio"),
    step("train_days", G, arith.ratio, "train_seconds", units.SECONDS_PER_DAY),
    step("gpu_hours", G, schedule.card_hours, "train_seconds", "gpu_count"),
    step("card_days", G, arith.ratio, "gpu_hours", units.HOURS_PER_DAY),
    step("train_days_6tp", G, goodput.calendar_seconds, "step_train_days_6tp", "effective_ratio"),
    step("interruptions", G, goodput.interruptions, "train_seconds", "job_mtbf_seconds"),
    step("end_to_end_mfu", G, arith.product, "mfu", "effective_ratio"),
)

def _ettr_at(prefix: str, cards: str) -> tuple[Step, ...]:
    """The goodput steps' formulas (core.goodput: time between interruptions, checkpoint and restart times,
    the Young–Daly interval, the failure ratio and the ETTR) at the card count ``cards``, named
    ``{prefix}_mtbf_seconds`` … ``{prefix}_effective_ratio``: more cards fail more often and checkpoint faster."""
    return (
        step(f"{prefix}_mtbf_seconds", G, goodput.job_mtbf_seconds, "failures_per_card_hour", cards),
        step(f"{prefix}_checkpoint_seconds", G, goodput.checkpoint_seconds,
             "checkpoint_bytes", cards, "checkpoint_bytes_per_s_per_card"),
        step(f"{prefix}_restart_seconds", G, goodput.restart_seconds, "restart_fixed_seconds",
             f"{prefix}_checkpoint_seconds"),
        step(f"{prefix}_interval_optimum", G, goodput.young_daly_interval,
             f"{prefix}_checkpoint_seconds", f"{prefix}_mtbf_seconds", f"{prefix}_restart_seconds"),
        step(f"{prefix}_interval_seconds", G, goodput.interval_in_use,
             "checkpoint_interval_given", f"{prefix}_interval_optimum"),
        step(f"{prefix}_failure_ratio", G, goodput.failure_ratio, f"{prefix}_interval_seconds",
             f"{prefix}_checkpoint_seconds", f"{prefix}_restart_seconds", f"{prefix}_mtbf_seconds"),
        step(f"{prefix}_effective_ratio", G, goodput.effective_ratio, f"{prefix}_failure_ratio", "planned_overhead"),
    )


# The deadline (training.deadline_days; 0 = none): the cards that meet it at the plan's MFU and
# ETTR, and the days the cluster as proposed slips by. More cards fail more often and checkpoint
# faster, so the ETTR is taken again at the first count (one correction; the goodput steps' own
# formulas) before the final count. At a deadline confidence above 0.5 the estimate must finish
# earlier, by the MFU range's margin, for the deadline to count as met.
_SCHEDULE = (
    step("replica_cards", T, parallel.parallel_cards, 1, "tp", "pp", "cp"),
    step("deadline_margin", G, spread.confidence_margin, "deadline_confidence", "mfu_sigma"),
    step("deadline_plan_days", G, spread.deadline_plan_days, "deadline_days", "deadline_margin"),
    step("deadline_cards_first", G, schedule.cards_for_deadline, "train_flops", "deadline_plan_days", "peak_flops",
         "mfu", "effective_ratio", "replica_cards", "cards_per_node"),
    # At least one replica, so the steps stay finite when no deadline is given.
    step("deadline_probe_cards", G, max_, "deadline_cards_first", "replica_cards"),
    *_ettr_at("deadline", "deadline_probe_cards"),
    step("deadline_cards", G, schedule.cards_for_deadline, "train_flops", "deadline_plan_days", "peak_flops", "mfu",
         "deadline_effective_ratio", "replica_cards", "cards_per_node"),
    step("deadline_servers", G, cost.servers_needed, "deadline_cards", "cards_per_node"),
    # The count checked at its own ETTR (the goodput steps' formulas once more): where failures
    # grow faster than the cards help, its days stay above the deadline.
    step("deadline_check_cards", G, max_, "deadline_cards", "replica_cards"),
    *_ettr_at("deadline_check", "deadline_check_cards"),
    step("deadline_cards_days", G, schedule.days_on_deadline_cards, "train_flops", "deadline_cards", "deadline_days",
         "peak_flops", "mfu", "deadline_check_effective_ratio", "replica_cards"),
    step("deadline_run_days", G, arith.product, "train_days", "deadline_margin"),
    step("deadline_slip_days", G, schedule.days_late, "deadline_run_days", "deadline_days"),
    # The run at the step-time model's MFU for the layout, next to the MFU used (the same when
    # none is assumed): what an optimistic or pessimistic assumption moves.
    step("train_days_predicted_mfu", G, schedule.at_other_mfu, "train_days", "mfu", "predicted_mfu"),
    step("train_cost_predicted_mfu", B, schedule.at_other_mfu, "train_cost", "mfu", "predicted_mfu"),
)

_SEED_FORMS = (
    # memory: the seeds' forms next to the refined per-card figures
    step("states_seed_per_gpu", M, memory.zero_bytes,
         "model_params", "zero_stage", "gpu_count", "param_bytes", "optimizer_bytes"),
    step("weights_total", M, memory.weights_bytes, "model_params", "param_bytes"),
    step("train_hbm_20p", M, memory.train_hbm_20p, "model_params"),
    step("activations_seed", M, memory.activation_bytes_seed, "layers", "seq_len", "hidden", "heads", "micro_batch"),
    # network: seed 000 eqs. 7-9, volumes over the whole run
    step("comm_dp_seed", N, comm.comm_dp_seed, "train_tokens", "model_params", "global_batch", "seq_len"),
    step("comm_pp_seed", N, comm.comm_pp_seed, "gpu_count", "hidden", "train_tokens"),
    step("comm_tp_seed", N, comm.comm_tp_seed, "hidden", "layers", "gpu_count", "train_tokens"),
)

_SERVING = (
    step("flops_per_request", S, compute.infer_flops, "model_active_params", "tokens_per_request"),
    step("serving_cards_compute", S, serving.infer_cards,
         "users", "flops_per_request", "peak_flops", "seconds_per_request", "serving_utilization"),
    step("serving_cards_seed", S, serving.infer_cards_seed,
         "users", "flops_per_request", "peak_flops", "seconds_per_request"),
    step("cards_per_replica", S, serving.cards_for_weights,
         "model_params", "serving_bytes_per_param", "hbm_bytes", "hbm_usable_fraction"),
    step("serving_cards_flops", S, arith.round_up_to_multiple, "serving_cards_compute", "cards_per_replica"),
    step("cost_per_request", S, serving.cost_per_request,
         "flops_per_request", "peak_flops", "price_per_gpu_hour", "serving_utilization"),
    # The seed's n: the serving cards, at least one so a training-only scenario (users = 0) still
    # shows the per-request figure of a single card.
    step("serving_cards_seed_n", S, max_, "serving_cards", 1),
    step("cost_per_request_seed", S, serving.cost_per_request_seed,
         "flops_per_request", "price_per_gpu_hour", "serving_cards_seed_n", "peak_flops"),
    step("cost_per_1k_tokens", S, serving.cost_per_1k_tokens,
         "model_active_params", "peak_flops", "price_per_gpu_hour", "serving_utilization"),
    step("replica_hbm_bytes_per_s", S, arith.product, "hbm_bytes_per_s", "cards_per_replica"),
    step("decode_tokens_per_s", S, serving.decode_tokens_per_s,
         "model_active_params", "replica_hbm_bytes_per_s", "serving_bytes_per_param", "decode_batch"),
    step("prefill_tokens_per_s", S, serving.prefill_tokens_per_s,
         "model_active_params", "peak_flops", "serving_utilization"),
    step("kv_cache_per_request", S, memory.kv_cache_bytes,
         "layers", "kv_heads", "head_dim", "tokens_per_request", 1, "kv_bytes_per_value"),
    # The inference step model (core.inference; issue 16): one replica of serving_tp cards at the
    # decode batch the sizer chose (xlcompute.serving_plan), then the replicas for the request rate.
    step("serving_input_tokens", S, arith.difference, "tokens_per_request", "serving_output_tokens"),
    step("request_rate", S, arith.ratio, "users", "seconds_per_request"),
    step("serving_peak_flops", S, units.tera, "serving_peak_tflops"),
    step("serving_link_bytes_per_s", S, arith.product, "intra_node_bytes_per_s", "serving_link_efficiency"),
    step("serving_latency_s", S, units.micro, "serving_collective_latency_us"),
    step("serving_allreduce_step_s", S, units.micro, "serving_allreduce_step_us"),
    step("serving_allreduce_latency_s", S, comm.allreduce_latency_seconds, "serving_tp", "serving_latency_s",
         "serving_allreduce_step_s"),
    step("serving_prefill_overhead_s", S, units.micro, "serving_prefill_overhead_us"),
    step("serving_decode_overhead_s", S, units.micro, "serving_decode_overhead_us"),
    # the card's (or its vendor's) factors on the fitted efficiencies (serving_model.for_card), and the
    # speed factor the Monte Carlo draws (1 in the estimate)
    step("serving_gemm_efficiency", S, inference.card_efficiency, "serving_compute_efficiency",
         "serving_vendor_compute", "serving_speed_factor"),
    step("serving_read_efficiency", S, inference.card_efficiency, "serving_hbm_efficiency", "serving_vendor_hbm",
         "serving_speed_factor"),
    # weight-only formats read their weights at η_m·η_q (core.inference [DEQUANT]); the KV cache at η_m
    step("gpu_fp32_flops", S, units.tera, "gpu_fp32_tflops"),
    step("serving_dequant_efficiency", S, inference.dequant_efficiency, "serving_dequant_ops",
         "serving_bytes_per_param", "hbm_bytes_per_s", "serving_read_efficiency", "gpu_fp32_flops"),
    step("serving_weight_read_efficiency", S, inference.weight_read_efficiency, "serving_read_efficiency",
         "serving_dequant_efficiency"),
    step("serving_reserve_bytes", S, units.giga, "serving_reserve_gb"),
    step("serving_matmul_params", S, arith.difference, "model_active_params", "embedding_params"),
    # the routed experts' GEMMs at the serving grouped-GEMM efficiency (fitted on serving rows, not training's)
    step("serving_routed_active_params", S, inference.routed_active_params, "expert_params", "experts", "moe_top_k"),
    step("serving_model_gemm_efficiency", S, inference.model_gemm_efficiency, "serving_gemm_efficiency",
         "serving_matmul_params", "serving_routed_active_params", "serving_grouped_gemm_efficiency"),
    step("serving_weight_bytes", S, memory.weights_bytes, "model_params", "serving_bytes_per_param"),
    step("serving_weight_bytes_read_all", S, memory.weights_bytes, "serving_matmul_weights", "serving_bytes_per_param"),
    step("serving_matmul_weights", S, arith.difference, "model_params", "embedding_params"),
    step("serving_kv_bytes_per_token", S, inference.kv_bytes_per_token_replica, "layers", "kv_heads", "head_dim",
         "kv_lora_rank", "qk_rope_head_dim", "serving_tp", "kv_bytes_per_value"),
    step("serving_kv_bytes_per_sequence", S, arith.product, "serving_kv_bytes_per_token", "tokens_per_request"),
    step("serving_batch", S, inference.batch_in_flight, "decode_batch", "serving_max_sequences"),
    step("serving_replica_size", S, arith.product, "serving_tp", "serving_pp"),
    step("serving_micro_batch", S, arith.ratio, "serving_batch", "serving_pp"),
    step("serving_inter_bytes_per_s", S, arith.product, "inter_node_bytes_per_s", "serving_link_efficiency"),
    step("prefill_p2p_seconds", S, inference.pp_p2p_seconds, "serving_input_tokens", "hidden", "serving_pp",
         "serving_inter_bytes_per_s", "serving_latency_s"),
    step("decode_p2p_seconds", S, inference.pp_p2p_seconds, "serving_micro_batch", "hidden", "serving_pp",
         "serving_inter_bytes_per_s", "serving_latency_s"),
    step("prefill_comm_seconds", S, arith.total, "prefill_tp_seconds", "prefill_p2p_seconds"),
    step("decode_comm_seconds", S, arith.total, "decode_tp_seconds", "decode_p2p_seconds"),
    step("serving_kv_budget", S, inference.kv_cache_budget_bytes, "hbm_bytes", "serving_replica_size", "hbm_usable_fraction",
         "serving_weight_bytes", "serving_reserve_bytes"),
    step("serving_max_sequences", S, inference.max_sequences, "serving_kv_budget", "serving_kv_bytes_per_sequence"),
    step("serving_context", S, inference.mean_decode_context, "serving_input_tokens", "serving_output_tokens"),
    step("prefill_flops", S, inference.prefill_flops, "serving_matmul_params", 1, "serving_input_tokens", "layers",
         "attn_width"),
    step("prefill_tp_seconds", S, inference.tp_allreduce_seconds_per_pass, "serving_input_tokens", "hidden",
         "layers", "serving_tp", "serving_link_bytes_per_s", "serving_allreduce_latency_s"),
    step("prefill_seconds", S, inference.forward_seconds, "prefill_flops", "serving_weight_bytes_read_all",
         "serving_tp", "serving_peak_flops", "serving_model_gemm_efficiency", "hbm_bytes_per_s",
         "serving_weight_read_efficiency", "prefill_comm_seconds", "layers", "serving_prefill_overhead_s"),
    step("experts_touched", S, inference.moe_experts_touched, "experts", "moe_top_k", "serving_micro_batch"),
    step("routed_expert_bytes", S, memory.weights_bytes, "expert_params", "serving_bytes_per_param"),
    step("decode_weight_bytes", S, inference.moe_weight_bytes_read, "serving_weight_bytes_read_all",
         "routed_expert_bytes", "experts", "experts_touched"),
    step("decode_flops", S, inference.decode_flops, "serving_matmul_params", "serving_micro_batch", "serving_context",
         "layers", "attn_width"),
    step("decode_bytes", S, inference.decode_bytes, "decode_weight_bytes", "serving_micro_batch", "serving_context",
         "serving_kv_bytes_per_token"),
    step("decode_tp_seconds", S, inference.tp_allreduce_seconds_per_pass, "serving_micro_batch", "hidden",
         "layers", "serving_tp", "serving_link_bytes_per_s", "serving_allreduce_latency_s"),
    step("decode_attention_flops", S, inference.decode_attention_flops, "serving_micro_batch", "serving_context",
         "layers", "attn_width"),
    step("decode_kv_bytes", S, inference.decode_kv_bytes, "serving_micro_batch", "serving_context",
         "serving_kv_bytes_per_token"),
    step("decode_step_seconds", S, inference.decode_step_seconds, "decode_flops", "decode_bytes",
         "decode_attention_flops", "decode_kv_bytes",
         "serving_tp", "serving_peak_flops", "serving_model_gemm_efficiency", "hbm_bytes_per_s",
         "serving_read_efficiency", "serving_dequant_efficiency", "decode_comm_seconds", "layers",
         "serving_decode_overhead_s"),
    step("serving_cycle_seconds", S, inference.cycle_seconds, "serving_batch", "prefill_seconds",
         "decode_step_seconds", "serving_output_tokens", "serving_disaggregated"),
    step("replica_requests_per_s", S, inference.requests_per_s, "serving_batch", "serving_cycle_seconds"),
    step("replica_output_tokens_per_s", S, inference.output_tokens_per_s, "serving_batch", "serving_output_tokens",
         "serving_cycle_seconds"),
    step("tpot", S, inference.time_per_output_token, "serving_cycle_seconds", "serving_output_tokens"),
    step("tpot_median", S, inference.median_time_per_output_token, "decode_step_seconds"),
    step("serving_replicas", S, inference.replicas_for_rate, "request_rate", "replica_requests_per_s"),
    step("serving_prefill_replicas", S, inference.prefill_replicas, "prefill_request_rate", "prefill_seconds",
         "ttft_target_s"),
    step("prefill_request_rate", S, arith.product, "request_rate", "serving_disaggregated"),
    step("serving_replicas_or_one", S, max_, "serving_replicas", 1),
    step("replica_request_rate", S, arith.ratio, "request_rate", "serving_prefill_queue_servers"),
    step("serving_prefill_queue_servers", S, inference.prefill_queue_servers, "serving_disaggregated",
         "serving_prefill_replicas", "serving_replicas_or_one"),
    step("prefill_wait_seconds", S, inference.prefill_wait_seconds, "prefill_seconds", "replica_request_rate"),
    step("ttft_iteration_seconds", S, inference.iteration_in_flight, "decode_step_seconds", "serving_disaggregated"),
    step("ttft", S, inference.time_to_first_token, "prefill_seconds", "prefill_wait_seconds",
         "ttft_iteration_seconds"),
    step("serving_replica_cards", S, arith.total, "serving_replicas", "serving_prefill_replicas"),
    step("serving_cards", S, arith.product, "serving_replica_cards", "serving_replica_size"),
    # A fleet planned at a confidence above 0.5 holds the serving cards' quantile of the model's speed range.
    step("serving_margin", S, spread.confidence_margin, "serving_confidence", "serving_sigma"),
    step("serving_cards_planned", S, spread.planned_serving_cards, "serving_cards", "serving_margin",
         "serving_replica_size"),
    step("serving_output_tokens_per_s", S, arith.product, "serving_replicas", "replica_output_tokens_per_s"),
    step("serving_capacity_tokens_per_s", S, inference.capacity_tokens_per_s, "serving_replicas",
         "replica_requests_per_s", "tokens_per_request"),
    step("serving_demand_tokens_per_s", S, arith.product, "request_rate", "tokens_per_request"),
    step("serving_tokens_per_s_per_card", S, inference.per_card, "serving_output_tokens_per_s", "serving_cards"),
    # Priced as the recommendation rents the serving fleet (the steady hours: reserved where that is cheapest).
    step("cost_per_million_tokens", S, inference.cost_per_million_tokens, "serving_price_per_hour", "serving_cards",
         "serving_output_tokens_per_s"),
)

# The bill of materials (core.bom): racks, the rail-optimised fat tree, storage and facility power,
# each count priced; a quote in the scenario (network_per_server, storage_capex > 0) replaces the bill.
_BOM = (
    step("server_power_w", B, bom.server_power_watts, "cards_per_node", "gpu_tdp_w", "host_power_factor"),
    step("servers_per_rack", B, bom.servers_per_rack, "kw_per_rack", "server_power_w"),
    step("racks", B, bom.racks_for_servers, "servers", "servers_per_rack"),
    step("switch_radix", B, bom.switch_radix, "switch_gbps", "inter_node_gbps"),
    step("leaf_down_ports", B, bom.leaf_down_ports, "switch_radix", "oversubscription"),
    step("nics", B, bom.scale_out_nics, "gpu_count", "servers"),
    step("rail_leaves", B, bom.rail_leaves, "servers", "cards_per_node", "leaf_down_ports"),
    step("fabric_tiers", B, bom.fabric_tiers, "nics", "switch_radix", "rail_leaves"),
    step("leaf_switches", B, bom.leaf_switches, "nics", "switch_radix", "rail_leaves"),
    step("leaf_spine_links", B, bom.leaf_spine_links, "nics", "switch_radix", "oversubscription"),
    step("spine_switches", B, bom.spine_switches, "leaf_spine_links", "rail_leaves", "switch_radix"),
    step("spine_core_links", B, bom.spine_core_links, "leaf_spine_links", "rail_leaves", "switch_radix"),
    step("core_switches", B, bom.core_switches, "spine_core_links", "switch_radix"),
    step("fabric_switches", B, arith.total, "leaf_switches", "spine_switches", "core_switches"),
    step("fabric_links", B, arith.total, "nics", "leaf_spine_links", "spine_core_links"),
    step("transceivers", B, bom.transceivers, "fabric_links"),
    step("cost_nics", B, arith.product, "nics", "nic_price"),
    step("cost_switches", B, arith.product, "fabric_switches", "switch_price"),
    step("cost_transceivers", B, arith.product, "transceivers", "transceiver_price"),
    step("cost_cables", B, arith.product, "fabric_links", "cable_price"),
    step("fabric_cost", B, arith.total, "cost_nics", "cost_switches", "cost_transceivers", "cost_cables"),
    step("capex_network", B, bom.unit_quote_or_bill, "network_per_server", "servers", "fabric_cost"),
    step("checkpoint_storage_bytes", B, bom.checkpoint_storage_bytes, "checkpoints_kept", "checkpoint_bytes"),
    step("dataset_bytes", B, bom.dataset_bytes, "train_tokens", "dataset_bytes_per_token"),
    step("storage_tb", B, bom.storage_tb, "checkpoint_storage_bytes", "dataset_bytes", "gpu_count",
         "storage_tb_per_card"),
    step("storage_bill", B, arith.product, "storage_tb", "storage_per_tb"),
    step("capex_storage", B, bom.quote_or_bill, "storage_capex", "storage_bill"),
    step("facility_power_kw", B, bom.facility_power_kw, "it_power_kw", "pue"),
    step("facility_power_mw", B, arith.ratio, "facility_power_kw", units.WATTS_PER_KW),
)

_BUDGET = (
    step("servers", B, cost.servers_needed, "gpu_count", "cards_per_node"),
    step("capex_servers", B, arith.product, "servers", "server_price"),
    step("it_power_w", B, cost.it_power_watts, "gpu_count", "gpu_tdp_w", "host_power_factor"),
    step("it_power_kw", B, arith.ratio, "it_power_w", units.WATTS_PER_KW),
    *_BOM,
    step("capex_facility", B, arith.product, "it_power_kw", "facility_per_kw"),
    step("capex_total", B, arith.total, "capex_servers", "capex_network", "capex_storage", "capex_facility"),
    # The planned utilisation: the workload's card-hours (training, then serving to the end of the
    # period) against the cluster's, unless the scenario gives its own (assumptions.average_load).
    step("cluster_card_hours", B, arith.product, "gpu_count", units.HOURS_PER_YEAR),
    step("period_card_hours", B, arith.product, "cluster_card_hours", "years"),
    step("period_hours", B, arith.product, "years", units.HOURS_PER_YEAR),
    step("train_hours", B, arith.ratio, "train_seconds", units.SECONDS_PER_HOUR),
    # the fleet as planned (at serving.confidence; the estimate's cards at 0.5) is the one rented or kept busy
    step("serving_card_hours", B, cost.serving_card_hours, "serving_cards_planned", "period_hours", "train_hours"),
    step("workload_card_hours", B, arith.total, "gpu_hours", "serving_card_hours"),
    step("workload_utilisation", B, cost.utilisation, "workload_card_hours", "period_card_hours"),
    step("planned_utilisation", B, cost.utilisation_in_use, "average_load", "workload_utilisation"),
    step("power_load", B, cost.power_load, "planned_utilisation", "idle_power_share"),
    step("power_cost_per_year", B, cost.annual_power_cost, "it_power_w", "pue", "electricity_per_kwh", "power_load"),
    step("maintenance_per_year", B, arith.product, "capex_total", "maintenance_share"),
    step("space_per_year", B, cost.space_cost_per_year, "racks", "space_per_rack_month"),
    step("opex_per_year", B, arith.total, "power_cost_per_year", "staff_per_year", "maintenance_per_year",
         "space_per_year"),
    step("total_budget", B, cost.total_cost, "capex_total", "opex_per_year", "years"),
    step("train_energy_j", B, cost.energy_joules, "gpu_count", "gpu_tdp_w", "train_seconds", "pue", "host_power_factor"),
    step("train_energy_mwh", B, arith.ratio, "train_energy_j", units.JOULES_PER_MWH),
    step("train_power_cost", B, cost.power_cost, "train_energy_j", "electricity_per_kwh"),
    step("train_cost", B, cost.rental_cost, "gpu_hours", "price_per_gpu_hour"),
    step("cloud_cost_per_year", B, cost.rental_cost, "cluster_card_hours", "price_per_gpu_hour"),
    step("cloud_total", B, arith.product, "cloud_cost_per_year", "years"),
    step("owned_cost_per_card_hour", B, arith.ratio, "total_budget", "period_card_hours"),
    # Own or rent in present values, paying for the same card-hours on both sides (core.cost).
    step("annuity_factor", B, cost.annuity_factor, "discount_rate", "years"),
    step("discount_factor", B, cost.discount_factor, "discount_rate", "years"),
    step("capex_hardware", B, arith.total, "capex_servers", "capex_network"),
    step("depreciation_per_year", B, cost.depreciation_per_year, "capex_hardware", "residual_share",
         "depreciation_years"),
    step("residual_value", B, cost.book_value, "capex_hardware", "residual_share", "depreciation_years", "years"),
    step("npv_own", B, cost.npv_of_costs, "capex_total", "opex_per_year", "annuity_factor", "residual_value",
         "discount_factor"),
    step("used_card_hours_per_year", B, arith.product, "planned_utilisation", "cluster_card_hours"),
    step("steady_card_hours_per_year", B, cost.steady_card_hours_per_year, "serving_card_hours", "years",
         "used_card_hours_per_year"),
    step("burst_card_hours_per_year", B, arith.difference, "used_card_hours_per_year", "steady_card_hours_per_year"),
    step("rent_on_demand_per_year", B, cost.rental_cost, "used_card_hours_per_year", "price_per_gpu_hour"),
    step("rent_reserved_1y_per_year", B, cost.reserved_rent_per_year, "burst_card_hours_per_year",
         "steady_card_hours_per_year", "price_per_gpu_hour", "price_reserved_1y", "years", 1),
    step("rent_reserved_3y_per_year", B, cost.reserved_rent_per_year, "burst_card_hours_per_year",
         "steady_card_hours_per_year", "price_per_gpu_hour", "price_reserved_3y", "years", 3),
    step("rent_per_year", B, min_, "rent_on_demand_per_year", "rent_reserved_1y_per_year",
         "rent_reserved_3y_per_year"),
    step("rent_option", B, cost.cheapest_option, "rent_on_demand_per_year", "rent_reserved_1y_per_year",
         "rent_reserved_3y_per_year"),
    step("serving_price_per_hour", B, cost.steady_price_per_card_hour, "rent_option", "price_per_gpu_hour",
         "price_reserved_1y", "price_reserved_3y", "years"),
    step("rent_total", B, arith.product, "rent_per_year", "years"),
    step("npv_rent", B, arith.product, "rent_per_year", "annuity_factor"),
    step("own_cheaper", B, arith.fits, "npv_own", "npv_rent"),
    step("rent_price_per_hour", B, cost.price_per_hour_used, "rent_per_year", "used_card_hours_per_year",
         "price_per_gpu_hour"),
    step("npv_used_card_hours", B, arith.product, "used_card_hours_per_year", "annuity_factor"),
    step("owned_cost_per_used_card_hour", B, cost.price_per_hour_used, "npv_own", "npv_used_card_hours",
         "npv_own"),
    step("busy_power_share", B, arith.difference, 1, "idle_power_share"),
    step("busy_power_per_year", B, cost.annual_power_cost, "it_power_w", "pue", "electricity_per_kwh",
         "busy_power_share"),
    step("break_even_utilisation", B, cost.break_even_utilisation, "npv_own", "planned_utilisation",
         "busy_power_per_year", "cluster_card_hours", "rent_price_per_hour", "annuity_factor"),
    step("break_even_maintenance_share", B, cost.break_even_maintenance_share, "maintenance_share", "npv_own",
         "npv_rent", "capex_total", "annuity_factor"),
)

GRAPH = Graph(
    INPUT_KEYS,
    itertools.chain(_TRAINING, _GOODPUT, *(p.STEPS for p in PHASES), _SEED_FORMS, _SERVING, _BUDGET, _SCHEDULE),
)
"""Every figure of an estimate, in evaluation order."""

STEPS: tuple[Step, ...] = GRAPH.steps


def step_of(key: str) -> Step:
    """The step that computes ``key``."""
    return GRAPH.step(key)


def run_steps(
    inputs: Mapping[str, Value],
    bind: Callable[[Step, Value], Value] | None = None,
) -> dict[str, Value]:
    """Evaluate every step from the inputs. ``bind`` may replace each result (the workbook writes
    it to a cell and returns a reference to that cell); without it results are numbers."""
    missing = [k for k in INPUT_KEYS if k not in inputs]
    if missing:
        raise KeyError(f"missing inputs: {', '.join(missing)}")
    return GRAPH.run(inputs, bind=bind)
