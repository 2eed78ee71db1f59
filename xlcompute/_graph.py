"""The estimate as a graph of named steps over the core's formulas.

Each :class:`Step` says: ``key = fn(*args)``, where args name scenario inputs or earlier steps.
Running the steps with numbers gives the estimate (``estimate.py``); running them with cell
references gives the planning workbook's formulas (``workbook/``). One list, two faces, so the
workbook cannot drift from the estimate. Sheets: training, memory, network, serving, budget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from xlcompute.core import comm, compute, cost, memory, parallel, schedule, serving, units
from xlcompute.core.arith import fits, product, ratio, round_up_to_multiple, total
from xlcompute.core.expr import Value, max_

__all__ = ["Step", "STEPS", "INPUT_GROUPS", "INPUT_KEYS", "run_steps", "step"]


@dataclass(frozen=True)
class Step:
    key: str
    sheet: str
    fn: Callable[..., Value]
    args: tuple[str | float, ...]
    unit: str


def _s(key: str, sheet: str, fn: Callable[..., Value], args: tuple[str | float, ...], unit: str) -> Step:
    return Step(key, sheet, fn, args, unit)


# Input keys (scenario → numbers), grouped as the workbook's Inputs sheet and the proposal's
# assumptions table show them; the workbook has one named cell per key.
INPUT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model", ("model_params", "model_active_params", "layers", "hidden", "heads", "kv_heads", "head_dim", "vocab")),
    ("training", ("train_tokens", "seq_len", "global_batch", "micro_batch", "param_bytes", "optimizer_bytes",
                  "zero_stage", "recompute_mode", "sp", "flash_attention", "tp", "pp", "dp", "interleave")),
    ("cluster", ("gpu_count", "cards_per_node", "gpu_peak_tflops", "gpu_hbm_gb", "gpu_hbm_tbps", "intra_node_gbs",
                 "inter_node_gbps", "gpu_tdp_w")),
    ("assumptions", ("mfu", "host_power_factor", "average_load")),
    ("serving", ("users", "tokens_per_request", "seconds_per_request", "serving_utilization",
                 "serving_bytes_per_param", "kv_bytes_per_value", "decode_batch", "hbm_usable_fraction")),
    ("pricing", ("price_per_gpu_hour", "server_price", "network_per_server", "storage_capex", "facility_per_kw",
                 "electricity_per_kwh", "pue", "years", "staff_per_year")),
)
INPUT_KEYS: tuple[str, ...] = tuple(k for _, keys in INPUT_GROUPS for k in keys)

T, M, N, S, B = "training", "memory", "network", "serving", "budget"

STEPS: tuple[Step, ...] = (
    # -- training: compute and time --------------------------------------------------------
    _s("peak_flops", T, units.tera, ("gpu_peak_tflops",), "FLOP/s"),
    _s("recompute_flag", T, compute.recompute_extra_forward, ("recompute_mode",), "0/1"),
    _s("train_flops", T, compute.train_flops_attn,
       ("model_active_params", "train_tokens", "seq_len", "layers", "hidden", "recompute_flag"), "FLOPs"),
    _s("train_flops_6tp", T, compute.train_flops_6tp, ("model_active_params", "train_tokens"), "FLOPs"),
    _s("train_seconds", T, schedule.train_seconds, ("train_flops", "gpu_count", "peak_flops", "mfu"), "s"),
    _s("train_days", T, schedule.train_days, ("train_flops", "gpu_count", "peak_flops", "mfu"), "days"),
    _s("train_days_6tp", T, schedule.train_days, ("train_flops_6tp", "gpu_count", "peak_flops", "mfu"), "days"),
    _s("gpu_hours", T, schedule.gpu_hours, ("train_flops", "peak_flops", "mfu"), "card-h"),
    _s("card_days", T, schedule.card_days, ("train_flops", "peak_flops", "mfu"), "card-days"),
    _s("parallel_cards", T, parallel.parallel_cards, ("dp", "tp", "pp"), "cards"),
    _s("grad_accum", T, parallel.grad_accum_steps, ("global_batch", "micro_batch", "dp"), "micro-batches"),
    _s("tokens_per_step", T, parallel.tokens_per_step, ("global_batch", "seq_len"), "tokens"),
    _s("train_steps", T, parallel.steps_for_tokens, ("train_tokens", "global_batch", "seq_len"), "steps"),
    _s("step_seconds", T, ratio, ("train_seconds", "train_steps"), "s"),
    _s("tokens_per_s_per_card", T, parallel.tokens_per_s_per_card,
       ("global_batch", "seq_len", "step_seconds", "gpu_count"), "tokens/s"),
    _s("samples_per_s_per_card", T, parallel.samples_per_s_per_card,
       ("global_batch", "step_seconds", "gpu_count"), "samples/s"),
    _s("pipeline_bubble", T, parallel.pipeline_bubble, ("pp", "grad_accum", "interleave"), "ratio"),
    # -- memory per card -------------------------------------------------------------------
    _s("hbm_bytes", M, units.giga, ("gpu_hbm_gb",), "bytes"),
    _s("states_per_gpu", M, memory.zero_bytes_per_card,
       ("model_params", "zero_stage", "tp", "pp", "dp", "param_bytes", "optimizer_bytes"), "bytes"),
    _s("activations_per_gpu", M, memory.activation_bytes_per_card,
       ("layers", "seq_len", "hidden", "heads", "micro_batch", "tp", "pp", "grad_accum", "sp", "recompute_mode",
        "interleave", "flash_attention"),
       "bytes"),
    _s("mem_per_gpu", M, memory.train_mem_per_card, ("states_per_gpu", "activations_per_gpu"), "bytes"),
    _s("mem_per_gpu_gb", M, units.per_giga, ("mem_per_gpu",), "GB"),
    _s("mem_fits", M, fits, ("mem_per_gpu", "hbm_bytes"), "1 = fits"),
    _s("states_seed_per_gpu", M, memory.zero_bytes,
       ("model_params", "zero_stage", "gpu_count", "param_bytes", "optimizer_bytes"), "bytes"),
    _s("weights_total", M, memory.weights_bytes, ("model_params", "param_bytes"), "bytes"),
    _s("train_hbm_20p", M, memory.train_hbm_20p, ("model_params",), "bytes"),
    _s("activations_seed", M, memory.activation_bytes_seed,
       ("layers", "seq_len", "hidden", "heads", "micro_batch"), "bytes"),
    # -- network per step -----------------------------------------------------------------
    _s("inter_node_bytes_per_s", N, units.gbit_to_bytes_per_s, ("inter_node_gbps",), "B/s"),
    _s("intra_node_bytes_per_s", N, units.giga, ("intra_node_gbs",), "B/s"),
    _s("dp_bytes_per_step", N, comm.dp_bytes_per_step, ("model_params", "tp", "pp", "dp", "param_bytes"), "bytes"),
    _s("dp_seconds_per_step", N, comm.transfer_seconds, ("dp_bytes_per_step", "inter_node_bytes_per_s"), "s"),
    _s("tp_bytes_per_step", N, comm.tp_bytes_per_step,
       ("micro_batch", "seq_len", "hidden", "layers", "pp", "tp", "grad_accum", "recompute_flag"), "bytes"),
    _s("tp_seconds_per_step", N, comm.transfer_seconds, ("tp_bytes_per_step", "intra_node_bytes_per_s"), "s"),
    _s("pp_bytes_per_step", N, comm.pp_bytes_per_step, ("micro_batch", "seq_len", "hidden", "grad_accum"), "bytes"),
    _s("pp_seconds_per_step", N, comm.transfer_seconds, ("pp_bytes_per_step", "inter_node_bytes_per_s"), "s"),
    _s("comm_seconds_per_step", N, total,
       ("dp_seconds_per_step", "tp_seconds_per_step", "pp_seconds_per_step"), "s"),
    _s("comm_share_of_step", N, ratio, ("comm_seconds_per_step", "step_seconds"), "ratio"),
    _s("comm_dp_seed", N, comm.comm_dp_seed, ("train_tokens", "model_params", "global_batch", "seq_len"), "values"),
    _s("comm_pp_seed", N, comm.comm_pp_seed, ("gpu_count", "hidden", "train_tokens"), "values"),
    _s("comm_tp_seed", N, comm.comm_tp_seed, ("hidden", "layers", "gpu_count", "train_tokens"), "values"),
    # -- serving --------------------------------------------------------------------------
    _s("flops_per_request", S, compute.infer_flops, ("model_active_params", "tokens_per_request"), "FLOPs"),
    _s("serving_cards_compute", S, serving.infer_cards,
       ("users", "flops_per_request", "peak_flops", "seconds_per_request", "serving_utilization"), "cards"),
    _s("serving_cards_seed", S, serving.infer_cards_seed,
       ("users", "flops_per_request", "peak_flops", "seconds_per_request"), "cards"),
    _s("cards_per_replica", S, serving.cards_for_weights,
       ("model_params", "serving_bytes_per_param", "hbm_bytes", "hbm_usable_fraction"), "cards"),
    _s("serving_cards", S, round_up_to_multiple, ("serving_cards_compute", "cards_per_replica"), "cards"),
    _s("cost_per_request", S, serving.cost_per_request,
       ("flops_per_request", "peak_flops", "price_per_gpu_hour", "serving_utilization"), "currency"),
    # The seed's n: the serving cards, at least one so a training-only scenario (users = 0) still
    # shows the per-request figure of a single card.
    _s("serving_cards_seed_n", S, max_, ("serving_cards", 1), "cards"),
    _s("cost_per_request_seed", S, serving.cost_per_request_seed,
       ("flops_per_request", "price_per_gpu_hour", "serving_cards_seed_n", "peak_flops"), "currency"),
    _s("cost_per_1k_tokens", S, serving.cost_per_1k_tokens,
       ("model_active_params", "peak_flops", "price_per_gpu_hour", "serving_utilization"), "currency"),
    _s("hbm_bytes_per_s", S, units.tera, ("gpu_hbm_tbps",), "B/s"),
    _s("replica_hbm_bytes_per_s", S, product, ("hbm_bytes_per_s", "cards_per_replica"), "B/s"),
    _s("decode_tokens_per_s", S, serving.decode_tokens_per_s,
       ("model_active_params", "replica_hbm_bytes_per_s", "serving_bytes_per_param", "decode_batch"), "tokens/s"),
    _s("prefill_tokens_per_s", S, serving.prefill_tokens_per_s,
       ("model_active_params", "peak_flops", "serving_utilization"), "tokens/s"),
    _s("kv_cache_per_request", S, memory.kv_cache_bytes,
       ("layers", "kv_heads", "head_dim", "tokens_per_request", 1, "kv_bytes_per_value"), "bytes"),
    # -- budget ---------------------------------------------------------------------------
    _s("servers", B, cost.servers_needed, ("gpu_count", "cards_per_node"), "servers"),
    _s("capex_servers", B, product, ("servers", "server_price"), "currency"),
    _s("capex_network", B, product, ("servers", "network_per_server"), "currency"),
    _s("it_power_w", B, cost.it_power_watts, ("gpu_count", "gpu_tdp_w", "host_power_factor"), "W"),
    _s("it_power_kw", B, ratio, ("it_power_w", units.WATTS_PER_KW), "kW"),
    _s("capex_facility", B, product, ("it_power_kw", "facility_per_kw"), "currency"),
    _s("capex_total", B, total, ("capex_servers", "capex_network", "storage_capex", "capex_facility"), "currency"),
    _s("power_cost_per_year", B, cost.annual_power_cost,
       ("it_power_w", "pue", "electricity_per_kwh", "average_load"), "currency"),
    _s("opex_per_year", B, total, ("power_cost_per_year", "staff_per_year"), "currency"),
    _s("total_budget", B, cost.total_cost, ("capex_total", "opex_per_year", "years"), "currency"),
    _s("train_energy_j", B, cost.energy_joules,
       ("gpu_count", "gpu_tdp_w", "train_seconds", "pue", "host_power_factor"), "J"),
    _s("train_energy_mwh", B, ratio, ("train_energy_j", units.JOULES_PER_MWH), "MWh"),
    _s("train_power_cost", B, cost.power_cost, ("train_energy_j", "electricity_per_kwh"), "currency"),
    _s("train_cost", B, cost.rental_cost, ("gpu_hours", "price_per_gpu_hour"), "currency"),
    _s("cluster_card_hours", B, product, ("gpu_count", units.HOURS_PER_YEAR), "card-h/yr"),
    _s("cloud_cost_per_year", B, cost.rental_cost, ("cluster_card_hours", "price_per_gpu_hour"), "currency"),
    _s("cloud_total", B, product, ("cloud_cost_per_year", "years"), "currency"),
    _s("period_card_hours", B, product, ("cluster_card_hours", "years"), "card-h"),
    _s("owned_cost_per_card_hour", B, ratio, ("total_budget", "period_card_hours"), "currency"),
)

_BY_KEY = {s.key: s for s in STEPS}


def step(key: str) -> Step:
    """The step that computes ``key``."""
    return _BY_KEY[key]


def run_steps(
    inputs: Mapping[str, Value],
    bind: Callable[[Step, Value], Value] | None = None,
) -> dict[str, Value]:
    """Evaluate every step in order. ``bind`` may replace each result (the workbook writes it to a
    cell and returns a reference to that cell); without it results are numbers."""
    missing = [k for k in INPUT_KEYS if k not in inputs]
    if missing:
        raise KeyError(f"missing inputs: {', '.join(missing)}")
    values: dict[str, Value] = dict(inputs)
    for st in STEPS:
        args = [values[a] if isinstance(a, str) else a for a in st.args]
        result = st.fn(*args)
        values[st.key] = bind(st, result) if bind is not None else result
    return values
