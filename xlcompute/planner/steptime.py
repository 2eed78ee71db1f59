"""Step-time model of one training iteration for a TP/PP/DP layout (seed 004, Calculon-style).

The model is the graph :data:`STEP_GRAPH`: the phases of :mod:`xlcompute.planner.phases`, each
step one function of :mod:`xlcompute.core`. It is evaluated

- for one layout with Python numbers (:func:`step_time`, and inside every estimate),
- for many layouts at once with NumPy arrays (:func:`step_time_batch`, the layout search),
- as Excel formulas in the planning workbook (the estimate's graph includes these steps),

so the planner, the estimate, the workbook and the proposal report the same numbers.

Sources are cited in the core functions; the main ones: Narayanan et al. SC'21 (Megatron-LM,
[MEG21]), Korthikanti et al. MLSys'23 (activations, sequence parallelism), Rajbhandari et al.
SC'20 (ZeRO), Isaev et al. SC'23 (Calculon, seed 004), Dao ICLR'24 (FlashAttention-2),
Patarasuk & Yuan 2009 (ring collectives), Smith et al. 2022 (MT-NLG, software efficiency).

Context parallelism (Megatron-Core CP; Dubey et al. 2024 §3.3.2) and the offload of weights,
activations and optimizer states to a host tier (Calculon §III, seed 004) are layout options.

Mixture-of-experts models (expert parallelism, routed and shared experts, MLA, MTP) and FP8 linear
GEMMs are modelled through core.moe (issue 15). Out of scope (documented, not modelled): node-limited
routing and DualPipe's bubble reduction (only its all-to-all overlap is an input),
the MTP module's step time (its FLOPs count in the MFU), FP8 activation caching, topology beyond two
levels, the per-micro-batch
fp32 gradient accumulation of unfused Megatron DDP, and the tied-embedding all-reduce between
the first and last stage (< 0.1% of a step on the validation rows).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from xlcompute.core.parallel import CP_CHUNKS_PER_RANK
from xlcompute.core.stages import check_dualpipe, check_stage_split, fullest_stage
from xlcompute.core.params import ModelArch
from xlcompute.graph import Graph
from xlcompute.planner.inputs import (
    RECOMPUTE_CODES,
    Execution,
    SystemSpec,
    execution_values,
    model_values,
    system_values,
)
from xlcompute.planner.phases import PHASES

__all__ = [
    "MODEL_INPUTS",
    "LAYOUT_INPUTS",
    "SYSTEM_INPUTS",
    "STEP_INPUTS",
    "STEP_GRAPH",
    "RESULT_KEYS",
    "TransformerShape",
    "StepResult",
    "LayoutBatch",
    "StepBreakdown",
    "step_time",
    "step_time_batch",
    "evaluate",
    "check_layout",
]

MODEL_INPUTS: tuple[str, ...] = (
    "model_params", "model_active_params", "embedding_params", "lm_head_params", "layers", "hidden", "heads",
    "kv_heads", "head_dim", "attn_width", "ffn_hidden", "gated_ffn", "vocab", "seq_len",
    # mixture of experts, MLA and MTP (0 for a dense model)
    "moe_layers", "experts", "moe_top_k", "expert_groups", "group_limit", "shared_experts", "moe_ffn_hidden", "expert_params", "mla_qkv_params",
    "mla_latent_width", "mtp_params",
)
LAYOUT_INPUTS: tuple[str, ...] = (
    "gpu_count", "tp", "pp", "cp", "batch_target", "micro_batch", "interleave", "first_stage_layers",
    "last_stage_layers", "dualpipe", "sp", "recompute_mode", "recompute_layers",
    "zero_stage", "offload_optimizer", "offload_weights", "offload_activations", "tp_overlap", "dp_overlap", "tp_async_backward",
    "flash_attention", "param_bytes", "grad_bytes", "optimizer_bytes",
    # expert parallelism and precision
    "ep", "etp", "capacity_factor", "a2a_overlap", "a2a_dedup", "moe_sync_ms", "precision_peak_ratio",
)
SYSTEM_INPUTS: tuple[str, ...] = (
    "gpu_peak_tflops", "gpu_hbm_gb", "gpu_hbm_tbps", "cards_per_node", "intra_node_gbs", "inter_node_gbps",
    "offload_gb", "offload_gbs", "framework_reserve_gb", "collective_latency_us", "straggler_jitter", "matmul_eff_max",
    "matmul_dim_half", "elementwise_traffic_factor", "loss_traffic_bytes", "flash_attention_efficiency", "intra_node_efficiency",
    "inter_node_efficiency", "tp_overlap_fraction", "zero3_overlap_fraction", "zero3_all_nics", "ring_step_latency_us",
    "software_efficiency",
    "a2a_efficiency", "grouped_gemm_efficiency", "fp8_gemm_efficiency",
)
STEP_INPUTS: tuple[str, ...] = MODEL_INPUTS + LAYOUT_INPUTS + SYSTEM_INPUTS

STEP_GRAPH = Graph(STEP_INPUTS, itertools.chain.from_iterable(p.STEPS for p in PHASES))
"""The step-time model: every phase's steps over the model, layout and system inputs."""

#: What the planner reports per layout (graph keys; :class:`StepResult` has one field each).
RESULT_KEYS: tuple[str, ...] = (
    "predicted_step_seconds", "compute_seconds", "recompute_seconds", "tp_comm_exposed_seconds",
    "tp_comm_overlapped_seconds", "pp_comm_seconds", "pp_bubble_seconds", "dp_comm_exposed_seconds",
    "dp_comm_overlapped_seconds", "optimizer_seconds", "offload_seconds", "params_per_gpu", "weights_per_gpu",
    "grads_per_gpu", "optimizer_per_gpu", "activations_per_gpu", "buffers_per_gpu", "mem_per_gpu",
    "offload_tier_per_gpu", "mem_fits", "predicted_mfu", "predicted_hfu", "predicted_tokens_per_s_per_card",
    "model_flops_per_step", "hardware_flops_per_step", "tp_bytes_per_step", "pp_bytes_per_step",
    "dp_bytes_per_step", "tp_seconds_per_step", "dp_seconds_per_step", "pipeline_bubble", "steady_step_seconds",
    "straggler_factor", "cp_comm_exposed_seconds", "cp_seconds_per_step", "cp_bytes_per_step", "offload_exposed_seconds",
    "ep_comm_exposed_seconds", "ep_seconds_per_step", "expert_params_per_gpu",
)

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class TransformerShape(BaseModel):
    """The model the step-time model sees: an architecture, a sequence length and optional size
    overrides. :meth:`gpt` builds the GPT shape of the published runs ([MEG21]: MHA, MLP 4h,
    tied embeddings)."""

    model_config = _FROZEN

    arch: ModelArch
    seq_len: int = Field(ge=1, le=100_000_000, description="sequence length s (tokens)")
    params: float | None = Field(default=None, gt=0, description="override of the total parameter count")
    active_params: float | None = Field(default=None, gt=0, description="override of the active parameters")

    @classmethod
    def gpt(
        cls,
        layers: int,
        hidden: int,
        heads: int,
        vocab: int,
        seq_len: int,
        ffn_hidden: int | None = None,
        gated_ffn: bool = False,
        kv_heads: int | None = None,
        tied_embeddings: bool = True,
    ) -> TransformerShape:
        """A GPT-style shape (MLP 4h unless given, MHA unless kv_heads, tied embeddings)."""
        arch = ModelArch(
            name="gpt", layers=layers, hidden=hidden, heads=heads, kv_heads=kv_heads,
            ffn_hidden=ffn_hidden if ffn_hidden is not None else 4 * hidden, gated_ffn=gated_ffn, vocab=vocab,
            tied_embeddings=tied_embeddings,
        )
        return cls(arch=arch, seq_len=seq_len)

    mtp_layers: int | None = Field(
        default=None, ge=0, le=100, description="MTP modules run in training; None = the architecture's"
    )

    def values(self) -> dict[str, float]:
        """The graph's model inputs."""
        return model_values(self.arch, self.seq_len, self.params, self.active_params, self.mtp_layers)


class StepResult(BaseModel):
    """One layout's predicted step: times (seconds per optimizer step), memory per card of the
    first stage (bytes), traffic per card (bytes per step), utilisation. Field names are the
    graph's keys, which the workbook and the proposal show under the same names."""

    model_config = _FROZEN

    predicted_step_seconds: float
    compute_seconds: float
    recompute_seconds: float
    tp_comm_exposed_seconds: float
    tp_comm_overlapped_seconds: float
    pp_comm_seconds: float
    pp_bubble_seconds: float
    dp_comm_exposed_seconds: float
    dp_comm_overlapped_seconds: float
    optimizer_seconds: float
    offload_seconds: float
    params_per_gpu: float
    weights_per_gpu: float
    grads_per_gpu: float
    optimizer_per_gpu: float
    activations_per_gpu: float
    buffers_per_gpu: float
    mem_per_gpu: float
    offload_tier_per_gpu: float
    mem_fits: float
    predicted_mfu: float
    predicted_hfu: float
    predicted_tokens_per_s_per_card: float
    model_flops_per_step: float
    hardware_flops_per_step: float
    tp_bytes_per_step: float
    pp_bytes_per_step: float
    dp_bytes_per_step: float
    tp_seconds_per_step: float
    dp_seconds_per_step: float
    pipeline_bubble: float
    steady_step_seconds: float
    straggler_factor: float
    cp_comm_exposed_seconds: float
    cp_seconds_per_step: float
    cp_bytes_per_step: float
    offload_exposed_seconds: float
    ep_comm_exposed_seconds: float = 0.0
    ep_seconds_per_step: float = 0.0
    expert_params_per_gpu: float = 0.0

    @property
    def fits(self) -> bool:
        """True when the layout fits the card's memory."""
        return self.mem_fits >= 0.5

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> StepResult:
        """The result fields out of a graph evaluation (e.g. an estimate's values)."""
        return cls.model_construct(**{k: float(values[k]) for k in RESULT_KEYS})


@dataclass(frozen=True)
class LayoutBatch:
    """Arrays (equal length) of layouts; the byte sizes and software stack hold for the batch."""

    tp: np.ndarray
    pp: np.ndarray
    dp: np.ndarray
    cp: np.ndarray
    micro_batch: np.ndarray
    global_batch: np.ndarray
    interleave: np.ndarray
    sequence_parallel: np.ndarray
    recompute: np.ndarray  # RECOMPUTE_CODES values
    zero_stage: np.ndarray
    offload_optimizer: np.ndarray
    offload_weights: np.ndarray
    offload_activations: np.ndarray
    tp_overlap: np.ndarray
    dp_overlap: np.ndarray
    bytes_param: float = 2.0
    bytes_grad: float = 2.0
    bytes_optimizer: float = 12.0
    tp_async_backward: bool = True
    flash_attention: bool = False
    ep: np.ndarray | int = 1
    expert_tp: np.ndarray | int = 1
    capacity_factor: float = 1.0
    a2a_overlap: float = 0.0
    a2a_dedup: bool = False
    moe_sync_ms: float = 0.0
    precision_peak_ratio: float = 1.0
    recompute_layers: np.ndarray | int = 0  # layers per stage recomputed in full under selective recomputation
    first_stage_layers: int = 0  # a given split of the pipeline (0 = even); the search keeps it for every layout
    last_stage_layers: int = 0
    dualpipe: bool = False  # DeepSeek-V3's bidirectional schedule ([DSV3] §3.2.1); the search keeps it

    _BATCH_WIDE = ("bytes_param", "bytes_grad", "bytes_optimizer", "tp_async_backward", "flash_attention",
                   "capacity_factor", "a2a_overlap", "a2a_dedup", "moe_sync_ms", "precision_peak_ratio",
                   "first_stage_layers", "last_stage_layers", "dualpipe")

    @classmethod
    def from_executions(cls, executions: Sequence[Execution]) -> LayoutBatch:
        if not executions:
            raise ValueError("executions must hold at least one Execution (got 0)")
        first = executions[0]
        for e in executions[1:]:
            for name in cls._BATCH_WIDE:
                if getattr(e, name) != getattr(first, name):
                    raise ValueError(f"{name} must be the same for every layout in a batch")

        def col(name: str, dtype: type) -> np.ndarray:
            return np.array([getattr(e, name) for e in executions], dtype=dtype)

        return cls(
            tp=col("tp", np.int64), pp=col("pp", np.int64), dp=col("dp", np.int64), cp=col("cp", np.int64),
            micro_batch=col("micro_batch", np.int64), global_batch=col("global_batch", np.int64),
            interleave=col("interleave", np.int64), sequence_parallel=col("sequence_parallel", bool),
            recompute=np.array([RECOMPUTE_CODES[e.recompute] for e in executions], dtype=np.int64),
            zero_stage=col("zero_stage", np.int64), offload_optimizer=col("offload_optimizer", bool),
            offload_weights=col("offload_weights", bool), offload_activations=col("offload_activations", bool),
            tp_overlap=col("tp_overlap", bool), dp_overlap=col("dp_overlap", bool),
            ep=col("ep", np.int64), expert_tp=col("expert_tp", np.int64),
            recompute_layers=col("recompute_layers", np.int64),
            **{name: getattr(first, name) for name in cls._BATCH_WIDE},
        )

    def __len__(self) -> int:
        return int(np.broadcast(self.tp, self.pp, self.dp, self.micro_batch).size)

    def values(self) -> dict[str, Any]:
        """The graph's layout inputs as float arrays (cards = tp·cp·pp·dp)."""
        f = np.float64
        tp, pp, dp, cp = (np.asarray(x, dtype=f) for x in (self.tp, self.pp, self.dp, self.cp))
        return {
            "gpu_count": tp * cp * pp * dp, "tp": tp, "pp": pp, "cp": cp,
            "micro_batch": np.asarray(self.micro_batch, dtype=f), "global_batch": np.asarray(self.global_batch, dtype=f),
            "interleave": np.asarray(self.interleave, dtype=f), "sp": np.asarray(self.sequence_parallel, dtype=f),
            "recompute_mode": np.asarray(self.recompute, dtype=f),
            "recompute_layers": np.asarray(self.recompute_layers, dtype=f),
            "zero_stage": np.asarray(self.zero_stage, dtype=f),
            "offload_optimizer": np.asarray(self.offload_optimizer, dtype=f),
            "offload_weights": np.asarray(self.offload_weights, dtype=f),
            "offload_activations": np.asarray(self.offload_activations, dtype=f),
            "tp_overlap": np.asarray(self.tp_overlap, dtype=f),
            "dp_overlap": np.asarray(self.dp_overlap, dtype=f),
            "tp_async_backward": float(self.tp_async_backward), "flash_attention": float(self.flash_attention),
            "param_bytes": float(self.bytes_param), "grad_bytes": float(self.bytes_grad),
            "optimizer_bytes": float(self.bytes_optimizer),
            "ep": np.asarray(self.ep, dtype=f), "etp": np.asarray(self.expert_tp, dtype=f),
            "capacity_factor": float(self.capacity_factor), "a2a_overlap": float(self.a2a_overlap),
            "a2a_dedup": float(self.a2a_dedup), "moe_sync_ms": float(self.moe_sync_ms),
            "precision_peak_ratio": float(self.precision_peak_ratio),
            "first_stage_layers": float(self.first_stage_layers), "last_stage_layers": float(self.last_stage_layers),
            "dualpipe": float(self.dualpipe),
        }

    def execution(self, i: int) -> Execution:
        """Layout ``i`` as an :class:`Execution`."""
        codes = {v: k for k, v in RECOMPUTE_CODES.items()}
        return Execution(
            tp=int(self.tp[i]), pp=int(self.pp[i]), dp=int(self.dp[i]), cp=int(self.cp[i]),
            micro_batch=int(self.micro_batch[i]), global_batch=int(self.global_batch[i]),
            interleave=int(self.interleave[i]), sequence_parallel=bool(self.sequence_parallel[i]),
            recompute=codes[int(self.recompute[i])],  # type: ignore[arg-type]
            recompute_layers=int(np.broadcast_to(self.recompute_layers, self.tp.shape)[i]),
            zero_stage=int(self.zero_stage[i]), offload_optimizer=bool(self.offload_optimizer[i]),
            offload_weights=bool(self.offload_weights[i]), offload_activations=bool(self.offload_activations[i]),
            tp_overlap=bool(self.tp_overlap[i]),
            dp_overlap=bool(self.dp_overlap[i]), bytes_param=self.bytes_param, bytes_grad=self.bytes_grad,
            bytes_optimizer=self.bytes_optimizer,
            tp_async_backward=self.tp_async_backward, flash_attention=self.flash_attention,
            ep=int(np.broadcast_to(self.ep, self.tp.shape)[i]),
            expert_tp=int(np.broadcast_to(self.expert_tp, self.tp.shape)[i]),
            capacity_factor=self.capacity_factor, a2a_overlap=self.a2a_overlap, a2a_dedup=self.a2a_dedup,
            moe_sync_ms=self.moe_sync_ms,
            precision_peak_ratio=self.precision_peak_ratio,
            first_stage_layers=self.first_stage_layers, last_stage_layers=self.last_stage_layers,
            dualpipe=self.dualpipe,
        )


class StepBreakdown:
    """Array-valued counterpart of :class:`StepResult`: one entry per layout, same names."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = dict(arrays)

    def __getattr__(self, key: str) -> np.ndarray:
        try:
            return self.__dict__["arrays"][key]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def fits(self) -> np.ndarray:
        """True where the layout fits the card's memory."""
        return self.arrays["mem_fits"] >= 0.5

    def __len__(self) -> int:
        return int(next(iter(self.arrays.values())).shape[0])

    def row(self, i: int) -> StepResult:
        """Layout ``i`` as a :class:`StepResult`."""
        return StepResult.model_construct(**{k: float(v[i]) for k, v in self.arrays.items() if k in RESULT_KEYS})


def check_layout(layers: int, heads: int, ex: Execution, seq_len: int | None = None, experts: int = 0) -> None:
    """Field-level checks of a layout; messages name the field and what is allowed."""
    if ex.ep > 1 or ex.expert_tp > 1:
        if not experts:
            raise ValueError(f"ep={ex.ep} / expert_tp={ex.expert_tp} need a mixture-of-experts model (experts > 0)")
        if experts % ex.ep:
            raise ValueError(f"ep={ex.ep} must divide the model's {experts} routed experts")
        if (ex.tp * ex.cp * ex.dp) % (ex.ep * ex.expert_tp):
            raise ValueError(
                f"ep·expert_tp = {ex.ep * ex.expert_tp} must divide tp·cp·dp = {ex.tp * ex.cp * ex.dp} "
                "(Megatron-Core: EP is carved from the data-parallel ranks of the expert layers)"
            )
    chunks = CP_CHUNKS_PER_RANK * ex.cp
    if ex.cp > 1 and seq_len is not None and seq_len % chunks:
        raise ValueError(
            f"cp={ex.cp} needs seq_len={seq_len} to divide into 2·cp = {chunks} equal chunks "
            "(Megatron-Core's load-balanced causal split)"
        )
    if heads % ex.tp:
        raise ValueError(f"tp={ex.tp} must divide heads={heads} (allowed: a divisor of {heads})")
    if ex.pp > layers:
        raise ValueError(f"pp={ex.pp} must be at most layers={layers}")
    check_stage_split(layers, ex.pp, ex.first_stage_layers, ex.last_stage_layers)
    if ex.dualpipe:
        check_dualpipe(ex.pp, ex.interleave, ex.micro_batches)
    busiest = fullest_stage(layers, ex.pp, ex.first_stage_layers, ex.last_stage_layers)
    if ex.interleave > busiest:
        raise ValueError(
            f"interleave={ex.interleave} must be at most the {busiest} layers on the busiest "
            f"of pp={ex.pp} stages of layers={layers} (each virtual stage holds a layer)"
        )
    if ex.recompute_layers and ex.recompute != "selective":
        raise ValueError(
            f"recompute_layers={ex.recompute_layers} needs recompute='selective' for the stage's other layers "
            f"(got recompute={ex.recompute!r}; 'full' recomputes every layer)"
        )
    if ex.recompute_layers > busiest:
        raise ValueError(
            f"recompute_layers={ex.recompute_layers} must be at most the {busiest} layers on the busiest of "
            f"pp={ex.pp} stages of layers={layers}"
        )
    if ex.global_batch % (ex.micro_batch * ex.dp):
        raise ValueError(
            f"global_batch={ex.global_batch} must be a multiple of micro_batch*dp={ex.micro_batch * ex.dp}"
        )


def evaluate(values: Mapping[str, Any], targets: Iterable[str]) -> dict[str, Any]:
    """Run the step-time graph for ``targets`` over arrays (divisions by zero in branches that
    ``if_`` does not choose are silenced, as in a spreadsheet)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return STEP_GRAPH.run(values, targets)


def step_time_batch(
    shape: TransformerShape,
    system: SystemSpec,
    layouts: LayoutBatch,
    targets: Iterable[str] = RESULT_KEYS,
) -> StepBreakdown:
    """Evaluate many layouts at once: the graph over NumPy arrays, one entry per layout."""
    keys = tuple(targets)
    out = evaluate({**shape.values(), **system_values(system), **layouts.values()}, keys)
    n = len(layouts)
    return StepBreakdown({k: np.broadcast_to(np.asarray(out[k], dtype=np.float64), (n,)) for k in keys})


def step_time(shape: TransformerShape, system: SystemSpec, execution: Execution) -> StepResult:
    """Time, memory and utilisation of one training step for one layout (Python numbers)."""
    check_layout(shape.arch.layers, shape.arch.heads, execution, shape.seq_len, shape.arch.experts)
    out = STEP_GRAPH.run({**shape.values(), **system_values(system), **execution_values(execution)}, RESULT_KEYS)
    return StepResult.from_values(out)
