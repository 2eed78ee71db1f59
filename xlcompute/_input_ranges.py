"""The allowed range of every graph input, taken from the scenario schema it comes from.

The workbook's Inputs sheet is edited by hand; its validation rules must allow what a scenario
allows, no more and no less, so they are read from the same pydantic fields (``ge``/``gt``/``le``)
instead of being written twice. An input that is a code (recompute mode, on/off flags) has its
codes; an input where 0 means "not given" (deadline, planned utilisation, checkpoint interval)
allows 0 besides its range. Inputs that no scenario field sets (the step-time model's constants)
get the physical range their meaning allows.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from xlcompute.core.params import ModelArch
from xlcompute.scenario import CustomAccelerator, Scenario

__all__ = ["InputRange", "input_range", "FIELD_OF"]


@dataclass(frozen=True)
class InputRange:
    """``lo ≤ x ≤ hi`` (``lo < x`` when ``lo_open``), whole numbers when ``whole``; ``zero`` says
    what 0 means when 0 is allowed outside the range ('' when it is not)."""

    field: str
    lo: float
    hi: float
    whole: bool = False
    lo_open: bool = False
    zero: str = ""

    def allows(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        if self.zero and x == 0:
            return True
        if self.whole and not float(x).is_integer():
            return False
        return (self.lo < x if self.lo_open else self.lo <= x) and x <= self.hi


# Input key -> the scenario field it comes from ("cluster.accelerator.*" and "model.arch.*": the
# custom card's and custom architecture's fields, which bound catalog figures too).
FIELD_OF: dict[str, str] = {
    "layers": "model.arch.layers", "hidden": "model.arch.hidden", "heads": "model.arch.heads",
    "kv_heads": "model.arch.kv_heads", "head_dim": "model.arch.head_dim", "ffn_hidden": "model.arch.ffn_hidden",
    "vocab": "model.arch.vocab",
    "experts": "model.arch.experts", "moe_top_k": "model.arch.top_k", "shared_experts": "model.arch.shared_experts",
    "expert_groups": "model.arch.expert_groups", "group_limit": "model.arch.group_limit",
    "moe_ffn_hidden": "model.arch.moe_ffn_hidden",
    "ep": "training.ep", "etp": "training.expert_tp", "capacity_factor": "training.capacity_factor",
    "a2a_overlap": "training.a2a_overlap",
    "moe_sync_ms": "training.moe_sync_ms",
    "model_params": "model.params", "model_active_params": "model.active_params",
    "train_tokens": "training.tokens", "seq_len": "training.seq_len", "batch_target": "training.global_batch",
    "micro_batch": "training.micro_batch", "param_bytes": "training.param_bytes", "grad_bytes": "training.grad_bytes",
    "optimizer_bytes": "training.optimizer_bytes", "zero_stage": "training.zero_stage",
    "recompute_layers": "training.recompute_layers", "tp": "training.tp",
    "pp": "training.pp", "cp": "training.cp", "interleave": "training.interleave",
    "first_stage_layers": "training.first_stage_layers", "last_stage_layers": "training.last_stage_layers",
    "dualpipe": "training.dualpipe",
    "tp_overlap": "training.tp_overlap",
    "deadline_days": "training.deadline_days", "deadline_confidence": "training.deadline_confidence",
    "mfu_sigma": "uncertainty.mfu_sigma", "serving_confidence": "serving.confidence",
    "serving_sigma": "uncertainty.serving_sigma",
    "gpu_count": "cluster.cards", "cards_per_node": "cluster.accelerator.cards_per_node",
    "gpu_peak_tflops": "cluster.accelerator.bf16_tflops", "gpu_hbm_gb": "cluster.accelerator.hbm_gb",
    "gpu_hbm_tbps": "cluster.accelerator.hbm_tbps", "intra_node_gbs": "cluster.accelerator.intra_node_gbs",
    "inter_node_gbps": "cluster.inter_node_gbps", "gpu_tdp_w": "cluster.accelerator.tdp_w",
    "gpu_fp32_tflops": "cluster.accelerator.fp32_tflops",
    "offload_gb": "cluster.offload_gb", "offload_gbs": "cluster.offload_gbs",
    "framework_reserve_gb": "cluster.memory_reserve_gb",
    "switch_gbps": "cluster.switch_gbps", "oversubscription": "cluster.oversubscription",
    "storage_tb_per_card": "cluster.storage_tb_per_card", "checkpoints_kept": "cluster.checkpoints_kept",
    "dataset_bytes_per_token": "cluster.dataset_bytes_per_token",
    "nic_price": "pricing.nic_price", "switch_price": "pricing.switch_price",
    "transceiver_price": "pricing.transceiver_price", "cable_price": "pricing.cable_price",
    "storage_per_tb": "pricing.storage_per_tb",
    "mfu_assumed": "assumptions.mfu", "host_power_factor": "assumptions.host_power_factor",
    "average_load": "assumptions.average_load", "idle_power_share": "assumptions.idle_power_share",
    "failures_per_card_hour": "reliability.failures_per_card_hour",
    "checkpoint_gbs_per_card": "reliability.checkpoint_gbs_per_card",
    "checkpoint_interval_minutes": "reliability.checkpoint_interval_minutes",
    "restart_minutes": "reliability.restart_minutes", "planned_overhead": "reliability.planned_overhead",
    "users": "serving.users", "tokens_per_request": "serving.tokens_per_request",
    "seconds_per_request": "serving.seconds_per_request", "serving_utilization": "serving.utilization",
    "serving_bytes_per_param": "serving.bytes_per_param", "kv_bytes_per_value": "serving.kv_bytes_per_value",
    "decode_batch": "serving.decode_batch", "hbm_usable_fraction": "serving.hbm_usable_fraction",
    "serving_output_tokens": "serving.output_tokens", "ttft_target_s": "serving.ttft_s",
    "tpot_target_s": "serving.tpot_s", "serving_tp": "serving.tp", "serving_pp": "serving.pp",
    "kv_lora_rank": "model.arch.kv_lora_rank",
    "qk_rope_head_dim": "model.arch.qk_rope_head_dim",
    "price_per_gpu_hour": "pricing.price_per_card_hour", "server_price": "pricing.server_price",
    "network_per_server": "pricing.network_per_server", "storage_capex": "pricing.storage",
    "facility_per_kw": "pricing.facility_per_kw", "electricity_per_kwh": "pricing.electricity_per_kwh",
    "pue": "pricing.pue", "years": "pricing.years", "staff_per_year": "pricing.staff_per_year",
    "price_reserved_1y": "pricing.price_reserved_1y", "price_reserved_3y": "pricing.price_reserved_3y",
    "maintenance_share": "pricing.maintenance_share", "space_per_rack_month": "pricing.space_per_rack_month",
    "kw_per_rack": "pricing.kw_per_rack", "depreciation_years": "pricing.depreciation_years",
    "residual_share": "pricing.residual_share", "discount_rate": "pricing.discount_rate",
}

# 0 allowed outside the field's range, and what it means (the graph's own convention for these keys).
_ZERO = {
    "deadline_days": "no deadline", "average_load": "from the workload", "mfu_assumed": "use the predicted MFU",
    "checkpoint_interval_minutes": "the Young–Daly optimum", "offload_gb": "none", "offload_gbs": "none",
    "train_tokens": "no training: a serving-only plan", "etp": "as TP",
    "network_per_server": "the bill of materials", "storage_capex": "the bill of materials",
}

# Inputs that are codes or step-time constants, with no scenario field of their own.
_FIXED: dict[str, InputRange] = {
    "gated_ffn": InputRange("model.arch.gated_ffn", 0, 1, whole=True),
    "embedding_params": InputRange("model.arch (embedding tables)", 0, 1e15),
    "lm_head_params": InputRange("model.arch (output head)", 0, 1e15),
    "attn_width": InputRange("model.arch (heads × head_dim)", 1, 1e7, whole=True),
    "recompute_mode": InputRange("training.recompute (0 none, 1 selective, 2 full)", 0, 2, whole=True),
    "sp": InputRange("training.sequence_parallel (1 yes, 0 no)", 0, 1, whole=True),
    "a2a_dedup": InputRange("training.a2a_dedup (1 yes, 0 no)", 0, 1, whole=True),
    "dualpipe": InputRange("training.dualpipe (1 yes, 0 no)", 0, 1, whole=True),
    "flash_attention": InputRange("training.attention (1 flash, 0 unfused)", 0, 1, whole=True),
    "offload_optimizer": InputRange("training.offload: optimizer (1 yes, 0 no)", 0, 1, whole=True),
    "offload_weights": InputRange("training.offload: weights (1 yes, 0 no)", 0, 1, whole=True),
    "offload_activations": InputRange("training.offload: activations (1 yes, 0 no)", 0, 1, whole=True),
    "tp_overlap": InputRange("step-time model: TP overlap (1 yes, 0 no)", 0, 1, whole=True),
    "dp_overlap": InputRange("step-time model: DP overlap (1 yes, 0 no)", 0, 1, whole=True),
    "tp_async_backward": InputRange("step-time model: async TP backward (1 yes, 0 no)", 0, 1, whole=True),
    "software_efficiency": InputRange("step-time model: software efficiency", 0, 1, lo_open=True),
    "matmul_eff_max": InputRange("step-time model: GEMM efficiency", 0, 1, lo_open=True),
    "matmul_dim_half": InputRange("step-time model: GEMM half-efficiency size (0: roofline)", 0, 1e6),
    "elementwise_traffic_factor": InputRange("step-time model: element-wise traffic", 0, 1e3),
    "loss_traffic_bytes": InputRange("step-time model: cross-entropy bytes per logit element", 0, 1e4),
    "flash_attention_efficiency": InputRange("step-time model: flash-attention efficiency", 0, 1, lo_open=True),
    "intra_node_efficiency": InputRange("step-time model: intra-server link efficiency", 0, 1, lo_open=True),
    "inter_node_efficiency": InputRange("step-time model: scale-out link efficiency", 0, 1, lo_open=True),
    "collective_latency_us": InputRange("step-time model: collective latency, µs", 0, 1e6),
    "straggler_jitter": InputRange("step-time model: straggler jitter", 0, 1),
    "tp_overlap_fraction": InputRange("step-time model: TP overlap share", 0, 1),
    "zero3_overlap_fraction": InputRange("step-time model: ZeRO-3 overlap share", 0, 1),
    "zero3_all_nics": InputRange("step-time model: ZeRO-3 rings on all NICs (1) or one (0)", 0, 1),
    "ring_step_latency_us": InputRange("step-time model: latency per ring step, µs", 0, 1e6),
    "framework_reserve_gb": InputRange("step-time model: framework reserve, GB", 0, 1e4),
    # mixture of experts, MLA, MTP, FP8 (issue 15): derived from the architecture or the card
    "moe_layers": InputRange("model.arch (layers − dense_layers of a MoE model)", 0, 1e4, whole=True),
    "expert_params": InputRange("model.arch (routed-expert parameters)", 0, 1e15),
    "mla_qkv_params": InputRange("model.arch (MLA projection weights per layer)", 0, 1e15),
    "mla_latent_width": InputRange("model.arch (q_lora_rank + kv_lora_rank + qk_rope_head_dim)", 0, 1e7, whole=True),
    "mtp_params": InputRange("model.arch (multi-token-prediction weights per token)", 0, 1e15),
    "precision_peak_ratio": InputRange("training.precision (peak of the precision ÷ BF16 peak)", 1, 16),
    "a2a_efficiency": InputRange("step-time model: all-to-all efficiency", 0, 1, lo_open=True),
    "grouped_gemm_efficiency": InputRange("step-time model: grouped-GEMM efficiency", 0, 1, lo_open=True),
    "fp8_gemm_efficiency": InputRange("step-time model: FP8 GEMM efficiency", 0, 1),
    "serving_fp8": InputRange("serving.precision (1 fp8, 0 16-bit GEMMs)", 0, 1, whole=True),
    "serving_int8": InputRange("serving.precision (1 w8a8: INT8 GEMMs, 0 otherwise)", 0, 1, whole=True),
    "serving_disaggregated": InputRange("serving.disaggregated (1 yes, 0 no)", 0, 1, whole=True),
    "serving_peak_tflops": InputRange("cluster.accelerator (peak at the serving precision), TFLOP/s", 0, 1e7,
                                      lo_open=True),
    "serving_compute_efficiency": InputRange("inference model: GEMM efficiency", 0, 1, lo_open=True),
    "serving_hbm_efficiency": InputRange("inference model: HBM efficiency", 0, 1, lo_open=True),
    "serving_vendor_compute": InputRange("inference model: the card's (or its vendor's) GEMM factor", 0, 1, lo_open=True),
    "serving_vendor_hbm": InputRange("inference model: the card's (or its vendor's) HBM factor", 0, 1, lo_open=True),
    "serving_speed_factor": InputRange("inference model: speed factor on its fitted efficiencies", 0, 10,
                                       lo_open=True),
    "serving_dequant_ops": InputRange("inference model: dequantisation operations per weight", 0, 1e4),
    "serving_grouped_gemm_efficiency": InputRange("inference model: routed experts' GEMM efficiency", 0, 1,
                                                  lo_open=True),
    "serving_prefill_overhead_us": InputRange("inference model: fixed time per layer of a prefill, µs", 0, 1e6),
    "serving_decode_overhead_us": InputRange("inference model: fixed time per layer of a decode step, µs", 0, 1e6),
    "serving_link_efficiency": InputRange("inference model: all-reduce link efficiency", 0, 1, lo_open=True),
    "serving_collective_latency_us": InputRange("inference model: fixed time per all-reduce or send, µs", 0, 1e6),
    "serving_allreduce_step_us": InputRange("inference model: latency per ring step of an all-reduce, µs", 0, 1e6),
    "serving_reserve_gb": InputRange("inference model: HBM reserve per card, GB", 0, 1e4),
}


def _unwrap(annotation: Any) -> Any:
    """The model class inside ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _unwrap(arg)
            if inner is not None:
                return inner
    return None


def _field_info(path: str) -> tuple[Any, Any]:
    model: Any = Scenario
    *parents, name = path.split(".")
    for part in parents:
        if part == "accelerator":
            model = CustomAccelerator
        elif part == "arch":
            model = ModelArch
        else:
            model = _unwrap(model.model_fields[part].annotation)
    info = model.model_fields[name]
    return info, info.annotation


def input_range(key: str) -> InputRange | None:
    """The allowed range of graph input ``key`` (None for an input without one)."""
    if key in _FIXED:
        return _FIXED[key]
    path = FIELD_OF.get(key)
    if path is None:
        return None
    info, annotation = _field_info(path)
    lo, hi, lo_open = -math.inf, math.inf, False
    for m in info.metadata:
        if hasattr(m, "ge"):
            lo = float(m.ge)
        if hasattr(m, "gt"):
            lo, lo_open = float(m.gt), True
        if hasattr(m, "le"):
            hi = float(m.le)
        if hasattr(m, "lt"):
            hi = float(m.lt)
    whole = int in (typing.get_args(annotation) or (annotation,))
    zero = _ZERO.get(key, "")
    return InputRange(path, lo, hi, whole, lo_open, zero)
