"""Layout phase: the data-parallel degree, micro-batches, the busiest stage's layers and the tokens
of a sequence on one card (context parallelism)."""

from xlcompute.core import arith, compute, moe, parallel
from xlcompute.graph import step

__all__ = ["STEPS"]

T = "training"

STEPS = (
    step("dp", T, parallel.data_parallel, "gpu_count", "tp", "pp", "cp"),
    step("parallel_cards", T, parallel.parallel_cards, "dp", "tp", "pp", "cp"),
    # Context parallelism: a card holds s/cp tokens of each sequence; cp ranks share the weights,
    # so gradients (and ZeRO shards) span dp·cp ranks while the batch is split over dp.
    step("seq_per_card", T, parallel.seq_per_card, "seq_len", "cp"),
    step("dp_cp", T, parallel.gradient_group, "dp", "cp"),
    # The batch the layout runs: the target rounded to whole micro-batches per replica (the planner
    # gives it directly for each layout it enumerates, computed by the same function).
    step("batch_unit", T, parallel.batch_unit, "micro_batch", "pp", "interleave", "dualpipe"),
    step("global_batch", T, parallel.round_global_batch, "batch_target", "batch_unit", "dp"),
    step("grad_accum", T, parallel.grad_accum_steps, "global_batch", "micro_batch", "dp"),
    # Layers per stage: an even spread, or the first/last stage given (Megatron-LM's
    # --decoder-first/last-pipeline-num-layers; 0 = even, ⌈L/p⌉ on every stage).
    step("stage_layers_even", T, parallel.even_stage_layers, "layers", "pp", "first_stage_layers",
         "last_stage_layers"),
    step("stage_layers_first", T, parallel.edge_stage_layers, "first_stage_layers", "stage_layers_even"),
    step("stage_layers_last", T, parallel.edge_stage_layers, "last_stage_layers", "stage_layers_even"),
    step("layers_per_stage", T, parallel.fullest_stage_layers, "stage_layers_first", "stage_layers_even",
         "stage_layers_last", "pp"),
    # The recomputation every later phase runs: the mode, and with selective recomputation the
    # busiest stage's layers recomputed in full (Megatron-LM's block method) as a level 1..2.
    step("recompute_level", T, compute.recompute_level, "recompute_mode", "recompute_layers", "layers_per_stage"),
    step("tokens_per_microbatch", T, arith.product, "micro_batch", "seq_per_card"),
    step("tokens_per_step", T, parallel.tokens_per_step, "global_batch", "seq_len"),
    # uneven virtual stages (Megatron-Core's custom layout) act as S/⌈S/v⌉ equal ones
    step("interleave_effective", T, parallel.effective_interleave, "layers_per_stage", "interleave"),
    step("pipeline_bubble", T, parallel.pipeline_bubble, "pp", "grad_accum", "interleave_effective", "dualpipe",
         "dualpipe_bubble_share"),
    # DualPipe ([DSV3] §3.2.1): two stages' weights per card, one more micro-batch in flight
    step("stage_copies", T, parallel.stage_copies, "dualpipe"),
    step("in_flight_pp", T, parallel.in_flight_stages, "pp", "dualpipe"),
    # Mixture of experts (0 / the dense values for a dense model): the MoE layers' share, the MLP
    # width every token runs through (dense layers and shared experts), the expert data-parallel
    # group and the routed rows of a card's experts.
    step("moe_share", T, moe.moe_layer_share, "moe_layers", "layers"),
    step("expert_tp", T, moe.expert_tp_size, "etp", "tp"),
    step("dense_ffn_hidden", T, moe.dense_ffn_width, "ffn_hidden", "layers", "moe_layers", "shared_experts",
         "moe_ffn_hidden"),
    step("edp", T, moe.expert_data_parallel, "dp", "cp", "tp", "ep", "expert_tp"),
    # Memory per stage (core.moe.stage_moe_layers): the dense layers come first, so the first stage
    # holds them; the later stage checked is the second, with p − 1 micro-batches in flight, or the
    # first one past the dense layers when they fill the second too (core.moe.later_stage_index).
    step("first_stage_moe_layers", T, moe.stage_moe_layers, "layers", "moe_layers", 0, "layers_per_stage"),
    # with a first/last-stage split, stage i ≥ 1 starts after the first stage's layers and i − 1 middle ones
    step("later_stage_index", T, moe.later_stage_index, "layers", "moe_layers", "stage_layers_even",
         "stage_layers_first", "pp"),
    step("later_stage_layers", T, parallel.later_stage_layers, "layers", "pp", "later_stage_index",
         "stage_layers_first", "stage_layers_even", "last_stage_layers"),
    step("layers_before_later_stage", T, parallel.layers_before_stage, "stage_layers_first", "stage_layers_even",
         "later_stage_index"),
    step("later_stage_moe_layers", T, moe.stage_moe_layers, "layers", "moe_layers", "layers_before_later_stage",
         "later_stage_layers"),
    step("routed_rows", T, moe.routed_tokens_per_card, "tokens_per_microbatch", "moe_top_k", "capacity_factor", "tp",
         "expert_tp"),
)
