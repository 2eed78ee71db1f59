"""Step-time model of one training iteration for a TP/PP/DP layout (seed 004, Calculon-style).

Given a dense decoder-only transformer (:class:`TransformerShape`), a system
(:class:`SystemSpec`) and an execution layout (:class:`Execution`), the model returns the time of
one optimizer step split into compute, recompute, tensor-parallel (TP) communication, pipeline
(PP) bubble and point-to-point traffic, data-parallel (DP) gradient reduction, optimizer step and
offload traffic, plus the memory per card and whether it fits (:class:`StepResult`).

There is one implementation: :func:`step_time_batch` evaluates NumPy arrays of layouts at once
(used by :mod:`xlcompute.core.layout_search`); the scalar :func:`step_time` packs one validated
:class:`Execution` into length-1 arrays and calls it.

Sources (cited inline as [key]):

- [MEG21] Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
  Megatron-LM", SC'21 (arXiv:2104.04473): per-layer FLOPs 24bsh^2 + 4bs^2h, logits 2bshV, eq. (3);
  2 all-reduces per layer forward and 2 backward; pipeline bubble (p-1)/(v*m) of the ideal time
  for the interleaved 1F1B schedule; scatter/gather of p2p activations across InfiniBand.
- [KOR22] Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models",
  MLSys'23 (arXiv:2205.05198): activation bytes per layer sbh(34 + 5as/h), tensor/sequence
  parallel split, selective recompute (attention core only), full recompute keeps the 2sbh layer
  input; in-flight micro-batches of 1F1B and the interleaving factor (1 + (p-1)/(p*v)).
- [ZERO] Rajbhandari et al., "ZeRO: Memory Optimizations Toward Training Trillion Parameter
  Models", SC'20: K = 12 bytes of optimizer state per parameter for mixed-precision Adam;
  stage 1/2/3 partitioning of optimizer/gradients/parameters; stage-3 traffic 1.5x of DP.
- [CAL23] Isaev et al., "Calculon: a Methodology and Tool for High-Level Codesign of Systems and
  Large Language Models", SC'23 (seed 004): matmul efficiency falls as matrices shrink under high
  TP; TP overlap hides only part of the communication; offload tier capacity and bandwidth.
- [MLM-ASYNC] NVIDIA Megatron-LM source, ``megatron/mpu/layers.py``: the 2021 code used for
  [MEG21] runs the backward all-reduce of a column-parallel layer synchronously
  (``copy_to_tensor_model_parallel_region``); the 2022 code that introduced sequence
  parallelism for [KOR22] has ``ColumnParallelLinearWithAsyncAllreduce`` (on by default,
  ``--no-async-tensor-model-parallel-allreduce`` turns it off) and, with SP,
  ``ColumnParallelLinearWithSequenceParallelism``: the input-gradient all-reduce (SP:
  reduce-scatter) is issued asynchronously and overlaps the weight-gradient GEMM. The apex
  port of the same class (NVIDIA/apex PR #1183, "ColumnParallelLinearWithAsyncAllreduce
  autocast support") dates it to autumn 2021, after the [MEG21] measurements.
- [FA2] Dao, "FlashAttention-2: Faster Attention with Better Parallelism and Work
  Partitioning", ICLR'24 (arXiv:2307.08691): the attention core runs as one fused kernel that
  never writes the s x s scores to HBM (no score activations, no softmax/dropout traffic); it
  stores the softmax log-sum-exp (fp32, one value per head and token) and recomputes the scores
  in the backward pass (5 matmuls backward vs 2 forward); causal masking skips the blocks above
  the diagonal (about half the work). Reported fwd+bwd throughput on A100 for head dim 128:
  roughly 50-70% of peak (figs. 4-6) -> ``flash_attention_efficiency`` 0.6 (assumption).
- [MTNLG22] Smith et al., "Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B",
  arXiv:2201.11990: the same 530B shape on the same Selene A100 system ran at 126 / 121 / 113
  TFLOP/s per GPU with the DeepSpeed pipeline engine, against 163 with Megatron-LM's own
  ([MEG21] Table 1) -- software, not hardware, sets part of the achieved efficiency. The
  ``software_efficiency`` of :data:`SOFTWARE_STACKS` captures that, calibrated per stack on
  calibration rows of that stack (xlcompute.validate.calibrate_software).
- [RING] Patarasuk & Yuan, "Bandwidth optimal all-reduce algorithms for clusters of
  workstations", JPDC 2009: ring all-reduce moves 2(n-1)/n of the buffer per rank;
  reduce-scatter and all-gather move (n-1)/n each.

Out of scope (documented, not modelled): mixture-of-experts, context parallelism, activation
offload, FP8, topology beyond two levels, the per-micro-batch fp32 gradient accumulation
(``main_grad.add_``) of unfused Megatron DDP, and the tied-embedding all-reduce between the
first and last stage (a V*h/t buffer once per step: < 0.1% of a step on the validation rows).
The only stage imbalance modelled is the logits layer on the last stage (steady state at its
pace, pipeline fill/drain at the pace of the other stages).

Units: SI throughout (seconds, bytes, FLOPs, FLOP/s, bytes/s).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "SOFTWARE_STACKS",
    "TransformerShape",
    "SystemSpec",
    "Execution",
    "StepResult",
    "LayoutBatch",
    "StepBreakdown",
    "RECOMPUTE_CODES",
    "step_time",
    "step_time_batch",
    "model_flops_per_step",
    "megatron_hardware_flops",
]

#: Recompute mode -> integer code used by the vectorised path.
RECOMPUTE_CODES: dict[str, int] = {"none": 0, "selective": 1, "full": 2}

#: Achieved-throughput factor of the training software, relative to the Megatron-LM code the
#: SystemSpec constants were calibrated on ([MEG21] and [KOR22] rows). It scales the rate of
#: every GEMM and element-wise kernel (SystemSpec.software_efficiency). Each non-reference value is
#: fitted on calibration rows of that stack only (xlcompute.validate.calibrate_software):
#:   megatron-deepspeed: the Megatron-DeepSpeed fork with DeepSpeed's pipeline engine, fitted on
#:   the MT-NLG 530B run on 2,800 GPUs ([MTNLG22], 50.2 s per iteration), the one MT-NLG run not
#:   in the held-out set.
SOFTWARE_STACKS: dict[str, float] = {
    "megatron-lm": 1.0,
    "megatron-deepspeed": 0.799,  # calibrate_software: 0.7993 on mtnlg-530B-2800
}

#: Bytes per activation element (fp16/bf16); [KOR22] derives its formula for 2-byte activations.
ACT_BYTES = 2.0

_FROZEN = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------------
# Input models
# --------------------------------------------------------------------------------------------
class TransformerShape(BaseModel):
    """Dense decoder-only transformer (GPT/LLaMA family). MoE is out of scope."""

    model_config = _FROZEN

    layers: int = Field(ge=1, le=10_000, description="number of transformer blocks l")
    hidden: int = Field(ge=1, le=10_000_000, description="hidden size h")
    heads: int = Field(ge=1, le=100_000, description="attention heads a")
    ffn_hidden: int | None = Field(
        default=None, ge=1, description="MLP inner size f; default 4h ([MEG21] GPT)"
    )
    gated_ffn: bool = Field(default=False, description="SwiGLU-style MLP with 3 weight matrices")
    vocab: int = Field(ge=1, le=100_000_000, description="vocabulary size V")
    seq_len: int = Field(ge=1, le=100_000_000, description="sequence length s (tokens)")
    kv_heads: int | None = Field(
        default=None, ge=1, description="key/value heads for GQA/MQA; default = heads"
    )
    params: float | None = Field(
        default=None,
        gt=0,
        description="optional parameter-count override (scales weight memory and DP traffic)",
    )

    @model_validator(mode="after")
    def _check(self) -> "TransformerShape":
        if self.hidden % self.heads != 0:
            raise ValueError(
                f"hidden={self.hidden} must be a multiple of heads={self.heads} "
                "(head dimension h/a must be an integer)"
            )
        kv = self.kv_heads_
        if kv > self.heads or self.heads % kv != 0:
            raise ValueError(
                f"kv_heads={kv} must divide heads={self.heads} (allowed: divisors of heads)"
            )
        return self

    # Derived quantities -----------------------------------------------------------------
    @property
    def kv_heads_(self) -> int:
        return self.kv_heads if self.kv_heads is not None else self.heads

    @property
    def ffn(self) -> int:
        return self.ffn_hidden if self.ffn_hidden is not None else 4 * self.hidden

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def qkv_width(self) -> int:
        """Output width of the fused QKV projection: h + 2 * kv_heads * head_dim."""
        return self.hidden + 2 * self.kv_heads_ * self.head_dim

    @property
    def layer_params(self) -> float:
        """Weights of one block (QKV, projection, MLP); biases and norms ignored (<0.1%)."""
        h, f = self.hidden, self.ffn
        mlp_mats = 3 if self.gated_ffn else 2
        return float(h * self.qkv_width + h * h + mlp_mats * h * f)

    @property
    def embedding_params(self) -> float:
        """Token embedding V*h (tied with the output layer, as in [MEG21])."""
        return float(self.vocab * self.hidden)

    @property
    def param_count(self) -> float:
        """Parameters from the dimensions: l * layer_params + V*h."""
        return self.layers * self.layer_params + self.embedding_params

    @property
    def param_scale(self) -> float:
        """Ratio override/derived used to scale weight memory and DP traffic (1 without override)."""
        return 1.0 if self.params is None else self.params / self.param_count


class SystemSpec(BaseModel):
    """Accelerator system: per-card figures and efficiency constants.

    The three ``matmul_*``/``elementwise_*`` constants are calibrated on the calibration rows of
    ``xlcompute/data/validation/megatron_2021.yaml`` (see :mod:`xlcompute.validate`); the
    network constants are fixed, documented assumptions (not fitted).
    """

    model_config = _FROZEN

    peak_flops: float = Field(gt=0, description="dense bf16/fp16 peak per card, FLOP/s")
    hbm_bytes: float = Field(gt=0, description="HBM capacity per card, bytes")
    hbm_bandwidth: float = Field(gt=0, description="HBM bandwidth per card, bytes/s")
    cards_per_node: int = Field(ge=1, le=1_000_000, description="cards in one fast (NVLink) domain")
    intra_node_bw: float = Field(gt=0, description="intra-node bandwidth per card per direction, B/s")
    inter_node_bw: float = Field(gt=0, description="inter-node bandwidth per card per direction, B/s")
    offload_bytes: float | None = Field(default=None, gt=0, description="offload tier per card, bytes")
    offload_bw: float | None = Field(default=None, gt=0, description="offload bandwidth per card, B/s")

    # Matmul efficiency curve eff(d) = matmul_eff_max * d / (d + matmul_dim_half), d = smallest
    # GEMM dimension on one card ([CAL23]: matrices split too finely by TP run inefficiently).
    # Calibrated by grid search on the calibration rows (xlcompute.validate.calibrate):
    # Calibrated 0.73 (grid 0.50..1.00 step 0.01, calibration rows only; validate.calibrate).
    matmul_eff_max: float = Field(default=0.73, gt=0, le=1, description="asymptotic matmul efficiency")
    # Half-efficiency dimension: None = the roofline ridge point peak_flops / hbm_bandwidth
    # (Williams et al., "Roofline", CACM 2009). A GEMM with one small dimension n streams the
    # large operand once, so its arithmetic intensity is ~n FLOP/byte for 2-byte elements; below
    # the ridge it is HBM-bound and eff ~ n / ridge, above it saturates -- the x/(x + x_half) form.
    # Not fitted: the calibration rows (h/tp >= 768) cannot distinguish it (see validate.py).
    matmul_dim_half: float | None = Field(
        default=None, ge=0, description="GEMM dimension at half efficiency; None = roofline ridge"
    )
    # Non-matmul (layernorm, softmax, dropout, GeLU, bias) time: these kernels are HBM-bound; we
    # charge elementwise_traffic_factor x the [KOR22] activation bytes of a layer through HBM.
    elementwise_traffic_factor: float = Field(
        # Calibrated 1.75 (grid 0..6 step 0.25, calibration rows only; validate.calibrate).
        default=1.75, ge=0, description="HBM bytes moved per stored activation byte (calibrated)"
    )
    # Network efficiencies: fraction of the link bandwidth a large NCCL collective achieves.
    # Assumption: NCCL all-reduce bus bandwidth on DGX A100 is ~230 GB/s of 300 GB/s NVLink
    # (nccl-tests, NVIDIA DGX A100 user guide figures) -> 0.75; HDR IB reaches ~80% of line rate.
    intra_node_efficiency: float = Field(default=0.75, gt=0, le=1)
    inter_node_efficiency: float = Field(default=0.80, gt=0, le=1)
    collective_latency: float = Field(
        default=10e-6, ge=0, description="fixed latency per collective / p2p message, s (NCCL ~10 us)"
    )
    tp_overlap_fraction: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="share of TP communication that can hide under GEMMs when tp_overlap is on "
        "([CAL23] point 3/4: overlap is partial; SMs are diverted to communication)",
    )
    framework_reserve_bytes: float = Field(
        default=2.0e9,
        ge=0,
        description="CUDA context, allocator fragmentation and workspace per card (assumption)",
    )
    software_efficiency: float = Field(
        default=1.0,
        gt=0,
        le=2,
        description="achieved kernel throughput of the training software relative to the "
        "Megatron-LM reference the constants were calibrated on (SOFTWARE_STACKS, [MTNLG22])",
    )
    flash_attention_efficiency: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="share of peak a fused (flash) attention kernel achieves, forward and "
        "backward ([FA2] figs. 4-6: ~50-70% on A100; assumption, not fitted)",
    )


class Execution(BaseModel):
    """One parallel layout and its software options."""

    model_config = _FROZEN

    tp: int = Field(default=1, ge=1, le=65_536, description="tensor-parallel size")
    pp: int = Field(default=1, ge=1, le=65_536, description="pipeline-parallel size")
    dp: int = Field(default=1, ge=1, le=10_000_000, description="data-parallel size")
    micro_batch: int = Field(default=1, ge=1, le=1_000_000, description="sequences per micro-batch")
    global_batch: int = Field(ge=1, le=100_000_000, description="sequences per optimizer step")
    interleave: int = Field(default=1, ge=1, le=10_000, description="virtual stages per pipeline rank")
    sequence_parallel: bool = Field(default=False, description="[KOR22] sequence parallelism")
    recompute: Literal["none", "selective", "full"] = "none"
    zero_stage: int = Field(default=0, ge=0, le=3, description="ZeRO stage 0-3 ([ZERO])")
    offload: bool = Field(default=False, description="optimizer state in the offload tier")
    tp_overlap: bool = Field(default=False, description="overlap TP communication with GEMMs")
    tp_async_backward: bool = Field(
        default=True,
        description="backward TP collectives of the column-parallel layers (QKV, FC1) run "
        "asynchronously under the weight-gradient GEMM, as Megatron-LM does by default since "
        "late 2021 ([MLM-ASYNC]); False = the synchronous 2021 code of [MEG21]",
    )
    dp_overlap: bool = Field(default=True, description="overlap DP reduction with backward")
    flash_attention: bool = Field(
        default=False,
        description="fused causal attention kernel ([FA2]); False = Megatron's unfused attention "
        "with s x s scores in HBM, as in every validation run",
    )
    bytes_param: float = Field(default=2.0, gt=0, le=16, description="bytes per weight (bf16)")
    bytes_grad: float = Field(default=2.0, gt=0, le=16, description="bytes per gradient")
    bytes_optimizer: float = Field(
        default=12.0, ge=0, le=64, description="optimizer bytes per parameter ([ZERO] K=12, Adam)"
    )

    @property
    def cards(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def micro_batches(self) -> int:
        """Micro-batches per pipeline per step: global_batch / (dp * micro_batch)."""
        return self.global_batch // (self.dp * self.micro_batch)


class StepResult(BaseModel):
    """Per-step time split (seconds), memory per card (bytes), fit and utilisation."""

    model_config = _FROZEN

    step_seconds: float
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
    weights_bytes: float
    grads_bytes: float
    optimizer_bytes: float
    activations_bytes: float
    buffers_bytes: float
    memory_bytes: float
    offload_tier_bytes: float
    fits: bool
    mfu: float
    hfu: float
    tokens_per_second_per_card: float
    model_flops_per_step: float
    hardware_flops_per_step: float


# --------------------------------------------------------------------------------------------
# Vectorised containers
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayoutBatch:
    """Arrays (equal length, or broadcastable) of layouts for :func:`step_time_batch`.

    ``recompute`` holds :data:`RECOMPUTE_CODES` values. Byte sizes are shared by the batch.
    """

    tp: np.ndarray
    pp: np.ndarray
    dp: np.ndarray
    micro_batch: np.ndarray
    global_batch: np.ndarray
    interleave: np.ndarray
    sequence_parallel: np.ndarray
    recompute: np.ndarray
    zero_stage: np.ndarray
    offload: np.ndarray
    tp_overlap: np.ndarray
    dp_overlap: np.ndarray
    bytes_param: float = 2.0
    bytes_grad: float = 2.0
    bytes_optimizer: float = 12.0
    #: software stack of the whole batch (see :attr:`Execution.tp_async_backward`)
    tp_async_backward: bool = True
    #: attention kernel of the whole batch (see :attr:`Execution.flash_attention`)
    flash_attention: bool = False

    @classmethod
    def from_executions(cls, executions: list[Execution]) -> "LayoutBatch":
        if not executions:
            raise ValueError("executions must hold at least one Execution (got 0)")
        first = executions[0]
        for e in executions[1:]:
            for name in (
                "bytes_param", "bytes_grad", "bytes_optimizer", "tp_async_backward", "flash_attention"
            ):
                if getattr(e, name) != getattr(first, name):
                    raise ValueError(f"{name} must be the same for every layout in a batch")

        def col(name: str, dtype: type) -> np.ndarray:
            return np.array([getattr(e, name) for e in executions], dtype=dtype)

        return cls(
            tp=col("tp", np.int64),
            pp=col("pp", np.int64),
            dp=col("dp", np.int64),
            micro_batch=col("micro_batch", np.int64),
            global_batch=col("global_batch", np.int64),
            interleave=col("interleave", np.int64),
            sequence_parallel=col("sequence_parallel", bool),
            recompute=np.array([RECOMPUTE_CODES[e.recompute] for e in executions], dtype=np.int64),
            zero_stage=col("zero_stage", np.int64),
            offload=col("offload", bool),
            tp_overlap=col("tp_overlap", bool),
            dp_overlap=col("dp_overlap", bool),
            bytes_param=first.bytes_param,
            bytes_grad=first.bytes_grad,
            bytes_optimizer=first.bytes_optimizer,
            tp_async_backward=first.tp_async_backward,
            flash_attention=first.flash_attention,
        )

    def __len__(self) -> int:
        return int(np.broadcast(self.tp, self.pp, self.dp, self.micro_batch).size)


@dataclass(frozen=True)
class StepBreakdown:
    """Array-valued counterpart of :class:`StepResult` (one entry per layout)."""

    step_seconds: np.ndarray
    compute_seconds: np.ndarray
    recompute_seconds: np.ndarray
    tp_comm_exposed_seconds: np.ndarray
    tp_comm_overlapped_seconds: np.ndarray
    pp_comm_seconds: np.ndarray
    pp_bubble_seconds: np.ndarray
    dp_comm_exposed_seconds: np.ndarray
    dp_comm_overlapped_seconds: np.ndarray
    optimizer_seconds: np.ndarray
    offload_seconds: np.ndarray
    weights_bytes: np.ndarray
    grads_bytes: np.ndarray
    optimizer_bytes: np.ndarray
    activations_bytes: np.ndarray
    buffers_bytes: np.ndarray
    memory_bytes: np.ndarray
    offload_tier_bytes: np.ndarray
    fits: np.ndarray
    mfu: np.ndarray
    hfu: np.ndarray
    tokens_per_second_per_card: np.ndarray
    model_flops_per_step: np.ndarray
    hardware_flops_per_step: np.ndarray

    def row(self, i: int) -> StepResult:
        """Layout ``i`` as a pydantic :class:`StepResult`."""
        values = {}
        for f in fields(self):
            arr = np.broadcast_to(getattr(self, f.name), self.step_seconds.shape)
            v = arr[i]
            values[f.name] = bool(v) if f.name == "fits" else float(v)
        return StepResult(**values)


# --------------------------------------------------------------------------------------------
# FLOP counts
# --------------------------------------------------------------------------------------------
def _layer_flops_per_token(shape: TransformerShape) -> tuple[float, float, float, float, float]:
    """Forward FLOPs per token of one layer: (qkv, proj, fc1, fc2, attention core).

    [MEG21]: QKV 6h^2 + projection 2h^2 + MLP 16h^2 (= 24h^2 per token) plus the attention core
    4sh (QK^T and attention-times-V, 2sh each). GQA shrinks QKV to 2h(h + 2*kv*d); a gated MLP
    has three f x h matrices instead of two.
    """
    h, f, s = float(shape.hidden), float(shape.ffn), float(shape.seq_len)
    qkv = 2.0 * h * shape.qkv_width
    proj = 2.0 * h * h
    fc1 = 2.0 * h * f * (2.0 if shape.gated_ffn else 1.0)
    fc2 = 2.0 * f * h
    attn = 4.0 * s * h
    return qkv, proj, fc1, fc2, attn


def model_flops_per_step(shape: TransformerShape, global_batch: float) -> float:
    """Model FLOPs of one step: 3 x forward (backward = 2x forward, [MEG21]), logits included."""
    per_token = sum(_layer_flops_per_token(shape)) * shape.layers + 2.0 * shape.hidden * shape.vocab
    return 3.0 * per_token * shape.seq_len * global_batch


def megatron_hardware_flops(shape: TransformerShape, global_batch: float) -> float:
    """[MEG21] eq. (3): 96 B s l h^2 (1 + s/(6h) + V/(16 l h)) -- FLOPs with full recompute.

    This is the count behind the "achieved teraFLOP/s per GPU" of [MEG21] Table 1 (GPT shape).
    """
    b, s, l, h, v = global_batch, shape.seq_len, shape.layers, shape.hidden, shape.vocab
    return 96.0 * b * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h))


# --------------------------------------------------------------------------------------------
# Vectorised model
# --------------------------------------------------------------------------------------------
def _check_batch(shape: TransformerShape, lay: LayoutBatch) -> None:
    """Raise ValueError naming the field for layouts the model cannot evaluate."""
    checks = [
        ("tp", lay.tp, 1),
        ("pp", lay.pp, 1),
        ("dp", lay.dp, 1),
        ("micro_batch", lay.micro_batch, 1),
        ("global_batch", lay.global_batch, 1),
        ("interleave", lay.interleave, 1),
    ]
    for name, arr, lo in checks:
        a = np.asarray(arr)
        if a.size and a.min() < lo:
            raise ValueError(f"{name} must be >= {lo} (got {a.min()})")
    pp, il = np.asarray(lay.pp), np.asarray(lay.interleave)
    bad = (shape.layers % pp) != 0
    if np.any(bad):
        raise ValueError(
            f"pp must divide layers={shape.layers} (got pp={np.asarray(pp)[bad].ravel()[0]})"
        )
    bad = ((shape.layers // pp) % il) != 0
    if np.any(bad):
        raise ValueError(
            f"interleave must divide layers/pp={shape.layers}/pp "
            f"(got interleave={np.broadcast_to(il, bad.shape)[bad].ravel()[0]})"
        )
    mbdp = np.asarray(lay.micro_batch) * np.asarray(lay.dp)
    bad = (np.asarray(lay.global_batch) % mbdp) != 0
    if np.any(bad):
        raise ValueError("global_batch must be a multiple of micro_batch * dp")
    rc = np.asarray(lay.recompute)
    if rc.size and (rc.min() < 0 or rc.max() > 2):
        raise ValueError("recompute code must be 0 (none), 1 (selective) or 2 (full)")
    zs = np.asarray(lay.zero_stage)
    if zs.size and (zs.min() < 0 or zs.max() > 3):
        raise ValueError(f"zero_stage must be in 0..3 (got {zs.min()}..{zs.max()})")


def _ring_factor(n: np.ndarray) -> np.ndarray:
    """(n-1)/n: share of a buffer each rank sends in a ring reduce-scatter or all-gather [RING]."""
    return (n - 1.0) / n


def step_time_batch(
    shape: TransformerShape,
    system: SystemSpec,
    layouts: LayoutBatch,
    *,
    validate: bool = True,
) -> StepBreakdown:
    """Evaluate many layouts at once (NumPy). See the module docstring for the model and sources.

    ``validate=False`` skips the divisibility checks (the search has already filtered).
    """
    if validate:
        _check_batch(shape, layouts)
    sy = system
    f64 = np.float64
    t = np.asarray(layouts.tp, dtype=f64)
    p = np.asarray(layouts.pp, dtype=f64)
    d = np.asarray(layouts.dp, dtype=f64)
    b = np.asarray(layouts.micro_batch, dtype=f64)
    gb = np.asarray(layouts.global_batch, dtype=f64)
    v = np.asarray(layouts.interleave, dtype=f64)
    sp = np.asarray(layouts.sequence_parallel, dtype=bool)
    rc = np.asarray(layouts.recompute)
    zs = np.asarray(layouts.zero_stage)
    off = np.asarray(layouts.offload, dtype=bool)
    tpo = np.asarray(layouts.tp_overlap, dtype=bool)
    dpo = np.asarray(layouts.dp_overlap, dtype=bool)
    full = rc == 2
    sel = rc == 1

    h = float(shape.hidden)
    s = float(shape.seq_len)
    a = float(shape.heads)
    f = float(shape.ffn)
    V = float(shape.vocab)
    L = float(shape.layers)
    hd = float(shape.head_dim)
    kvd = float(shape.kv_heads_ * shape.head_dim)
    n_cards = t * p * d
    m = gb / (d * b)  # micro-batches per pipeline per step
    lps = L / p  # layers per pipeline stage
    tokens = b * s  # tokens per micro-batch (GEMM M dimension)

    # ---- compute: GEMM time with the saturating efficiency curve [CAL23] ---------------------
    e_max = sy.matmul_eff_max * sy.software_efficiency
    kernel_scale = 1.0 / sy.software_efficiency  # element-wise kernels slow down alike
    flash = bool(layouts.flash_attention)
    d_half = sy.matmul_dim_half if sy.matmul_dim_half is not None else sy.peak_flops / sy.hbm_bandwidth

    def eff(dim: np.ndarray | float) -> np.ndarray:
        dim = np.asarray(dim, dtype=f64)
        return e_max * dim / (dim + d_half)

    qkv_t, proj_t, fc1_t, fc2_t, attn_t = _layer_flops_per_token(shape)
    fc1_width = f * (2.0 if shape.gated_ffn else 1.0)
    # smallest GEMM dimension per card: M = tokens, N/K split by TP (Megatron column/row split)
    per_card = tokens / (t * sy.peak_flops)
    qkv_gemm = qkv_t / eff(np.minimum(np.minimum(tokens, shape.qkv_width / t), h)) * per_card
    fc1_gemm = fc1_t / eff(np.minimum(np.minimum(tokens, fc1_width / t), h)) * per_card
    gemm_fwd = (
        qkv_gemm
        + proj_t / eff(np.minimum(tokens, h / t)) * per_card
        + fc1_gemm
        + fc2_t / eff(np.minimum(tokens, f / t)) * per_card
    )
    if flash:
        # [FA2] causal kernel: about half of the 4sh FLOPs per token are computed (blocks above
        # the diagonal are skipped); the backward recomputes the scores: 5 matmuls vs 2.
        attn_fwd = 0.5 * attn_t * tokens / (
            t * sy.peak_flops * sy.flash_attention_efficiency * sy.software_efficiency
        )
        attn_bwd = 2.5 * attn_fwd
    else:
        # attention core: batched GEMMs over b*a/t heads of size s x s x head_dim [MEG21]
        attn_fwd = attn_t * tokens / (t * sy.peak_flops * eff(min(s, hd)))
        attn_bwd = 2.0 * attn_fwd
    logits_fwd = 2.0 * h * V * tokens / (t * sy.peak_flops * eff(np.minimum(tokens, V / t)))

    # ---- activation bytes per layer per micro-batch [KOR22] (generalised to GQA / f / gating) --
    sbh = tokens * h
    # attention: LN-out 2sbh, Q 2sbh, K,V 4sb*kvd, proj input 2sbh, dropout mask sbh; MLP: fc1 in
    # 2sbh, activation in/out 2sbf*(g+1), dropout mask sbh; two layernorm inputs 4sbh.
    # Replicated across TP without SP: LN inputs, LN outputs, dropout masks = 10sbh [KOR22 §4.1].
    act_repl = 10.0 * sbh
    gates = 2.0 if shape.gated_ffn else 1.0
    act_shard_lin = 4.0 * sbh + 4.0 * tokens * kvd + 2.0 * tokens * f * (gates + 1.0)
    if flash:
        act_score = 4.0 * a * s * b  # [FA2]: fp32 log-sum-exp per head and token only
    else:
        act_score = 5.0 * a * s * s * b  # softmax in/out, dropout mask and output [KOR22]
    act_lin_card = np.where(sp, (act_repl + act_shard_lin) / t, act_repl + act_shard_lin / t)
    act_score_card = act_score / t
    act_layer_card = act_lin_card + act_score_card

    # ---- non-matmul kernels: HBM-bound, k x activation bytes (calibrated factor) -------------
    # A flash kernel does softmax and dropout on chip: no score traffic through HBM [FA2].
    score_traffic = 0.0 if flash else act_score_card
    vec_scale = sy.elementwise_traffic_factor * kernel_scale / sy.hbm_bandwidth
    vec_fwd = vec_scale * (act_lin_card + score_traffic)
    vec_score_fwd = vec_scale * score_traffic

    t_fwd = gemm_fwd + attn_fwd + vec_fwd  # one layer, one micro-batch, one card
    t_bwd = 2.0 * (gemm_fwd + vec_fwd) + attn_bwd  # backward = 2x forward [MEG21]
    # recompute: full adds one forward; selective re-runs the attention core only [KOR22] --
    # with a flash kernel there is nothing left to recompute (the scores were never stored).
    t_rc = np.where(
        full, t_fwd, np.where(sel, 0.0 if flash else attn_fwd + vec_score_fwd, 0.0)
    )

    # ---- TP communication [MEG21]: 2 all-reduces fwd + 2 bwd (+2 in a full-recompute forward);
    # with SP each becomes reduce-scatter + all-gather of the same total volume [KOR22]. --------
    # A TP group stays on NVLink only if groups tile the node: with t not dividing the node
    # size (e.g. t=6 on 8-card nodes) consecutive ranks put some groups across two nodes.
    tp_intra = (t <= sy.cards_per_node) & (sy.cards_per_node % t == 0)
    tp_bw = np.where(
        tp_intra,
        sy.intra_node_bw * sy.intra_node_efficiency,
        sy.inter_node_bw * sy.inter_node_efficiency,
    )
    msg = sbh * ACT_BYTES
    n_coll = 4.0 + np.where(full, 2.0, 0.0)
    one_ar = 2.0 * _ring_factor(t) * msg / tp_bw + sy.collective_latency * np.where(sp, 2.0, 1.0)
    tp_layer = np.where(t > 1, n_coll * one_ar, 0.0)
    gemm_layer = (gemm_fwd + attn_fwd) * (3.0 + np.where(full, 1.0, 0.0))
    # Asynchronous backward [MLM-ASYNC]: the collective on the input gradient of each
    # column-parallel layer (QKV, FC1) is launched before, and waited for after, that layer's
    # weight-gradient GEMM (same FLOPs as its forward GEMM). Without SP it is the backward
    # all-reduce (both backward all-reduces of a layer); with SP the reduce-scatter, while the
    # all-gather in the backward of the row-parallel layers (proj, FC2) stays exposed. The
    # forward and recompute collectives are always exposed. The same partial-overlap share as
    # tp_overlap applies (communication kernels take SMs from the GEMM, [CAL23]).
    bwd_one = np.where(t > 1, np.where(sp, 0.5, 1.0) * one_ar, 0.0)  # per column-parallel layer
    frac = sy.tp_overlap_fraction
    async_hidden = np.minimum(frac * bwd_one, qkv_gemm) + np.minimum(frac * bwd_one, fc1_gemm)
    asy = np.asarray(layouts.tp_async_backward, dtype=bool)
    tp_hidden = np.where(
        tpo,
        np.minimum(frac * tp_layer, gemm_layer),
        np.where(asy, async_hidden, 0.0),
    )
    tp_exposed_layer = tp_layer - tp_hidden

    # ---- pipeline p2p [MEG21]: per micro-batch and model chunk one activation send forward and
    # one gradient send backward; scatter/gather (or SP) sends msg/t per card. ----------------
    pp_inter = (t * p > sy.cards_per_node) | (sy.cards_per_node % (t * p) != 0)
    pp_bw = np.where(
        pp_inter,
        sy.inter_node_bw * sy.inter_node_efficiency,
        sy.intra_node_bw * sy.intra_node_efficiency,
    )
    p2p = np.where(p > 1, 2.0 * v * (msg / t / pp_bw + sy.collective_latency), 0.0)

    # ---- per micro-batch time of the bottleneck (last) stage: its layers plus the logits ----
    logits_mb = 3.0 * logits_fwd  # forward + backward of the output layer
    t_mb = lps * (t_fwd + t_bwd + t_rc + tp_exposed_layer) + logits_mb + p2p
    compute = m * (lps * (t_fwd + t_bwd) + logits_mb)
    recompute = m * lps * t_rc
    tp_exposed = m * lps * tp_exposed_layer
    tp_overlapped = m * lps * tp_hidden
    pp_comm = m * p2p
    # bubble (p-1)/(v*m) of the ideal time, i.e. (p-1)/v micro-batch slots [MEG21 §2.2.1].
    # [MEG21] derives it for equal stages; here the last stage is the slowest (it also runs the
    # logits), so the steady state runs at its pace (t_mb * m) while the fill and drain pass
    # through the p-1 other stages, which have no logits: (p-1)/v slots of t_mb - logits_mb.
    bubble = (t_mb - logits_mb) * (p - 1.0) / v
    pipeline = t_mb * m + bubble

    # ---- parameters and optimizer per card --------------------------------------------------
    scale = shape.param_scale
    params_card = (lps * shape.layer_params + shape.embedding_params) * scale / t  # first stage
    w_full = params_card * layouts.bytes_param
    g_full = params_card * layouts.bytes_grad
    o_full = params_card * layouts.bytes_optimizer
    weights_b = np.where(zs >= 3, w_full / d, w_full)  # [ZERO] stage 3 partitions parameters
    grads_b = np.where(zs >= 2, g_full / d, g_full)  # stage 2 partitions gradients
    opt_b = np.where(zs >= 1, o_full / d, o_full)  # stage 1 partitions optimizer states
    offload_tier = np.where(off, opt_b, 0.0)
    opt_hbm = np.where(off, 0.0, opt_b)

    # ---- DP communication -------------------------------------------------------------------
    dp_intra = t * p * d <= sy.cards_per_node
    dp_bw = np.where(
        dp_intra,
        sy.intra_node_bw * sy.intra_node_efficiency,
        sy.inter_node_bw * sy.inter_node_efficiency,
    )
    rf = _ring_factor(d)
    # gradient all-reduce (or reduce-scatter + all-gather for ZeRO 1/2): 2(d-1)/d x grads [RING]
    grad_sync = 2.0 * rf * g_full / dp_bw + 2.0 * sy.collective_latency * lps
    # ZeRO-3 instead: reduce-scatter of grads once, all-gather of weights in fwd and bwd of every
    # micro-batch (3 collectives = 1.5x DP volume for one micro-batch [ZERO §7.2.3])
    z3_sync = rf * g_full / dp_bw + 2.0 * m * rf * w_full / dp_bw
    dp_total = np.where(d > 1, np.where(zs >= 3, z3_sync, grad_sync), 0.0)
    # Overlap: gradients of a stage are final only in the backward of the last micro-batch, so the
    # window is that backward; the last bucket (~1 layer of the stage) is always exposed. ZeRO-3
    # weight gathers prefetch under the whole busy time of the pipeline: compute, recompute and
    # the exposed TP collectives (DP traffic has its own stream and, across nodes, its own
    # links, so it also proceeds while a TP collective runs; counting only compute would make
    # faster GEMMs, which hide less TP traffic, look slower on DP-bound layouts).
    bwd_window = lps * (t_bwd + t_rc) + 2.0 * logits_fwd
    window = np.where(zs >= 3, compute + recompute + tp_exposed, bwd_window)
    floor = dp_total / np.maximum(lps, 1.0)
    dp_exposed = np.where(dpo, np.maximum(dp_total - window, floor), dp_total)
    dp_exposed = np.minimum(dp_exposed, dp_total)
    dp_overlapped = dp_total - dp_exposed

    # ---- optimizer step: HBM-bound Adam, reads/writes states, reads grads, writes weights ----
    p_upd = np.where(zs >= 1, params_card / d, params_card)
    opt_traffic = p_upd * (2.0 * layouts.bytes_optimizer + layouts.bytes_grad + layouts.bytes_param)
    optimizer = np.where(off, 0.0, opt_traffic / sy.hbm_bandwidth)
    # offload: optimizer states read and written over the offload link; the update then runs
    # at the offload bandwidth rather than HBM bandwidth ([CAL23] tensor offload, simplified)
    if sy.offload_bw is not None:
        offload_t = np.where(off, (2.0 * opt_b + p_upd * layouts.bytes_grad) / sy.offload_bw, 0.0)
    else:
        offload_t = np.where(off, np.inf, 0.0)

    step = pipeline + dp_exposed + optimizer + offload_t

    # ---- activation memory [KOR22] ----------------------------------------------------------
    inflight = np.minimum(p, m)  # 1F1B: the first stage holds up to p micro-batches
    il_factor = np.where(v > 1, 1.0 + (p - 1.0) / (p * v), 1.0)  # interleaving [KOR22 §4.2.3]
    stored_layer = np.where(
        full,
        np.where(sp, 2.0 * sbh / t, 2.0 * sbh),  # only the layer input is kept
        # selective drops the 5as^2b term; with a flash kernel there is none to drop
        np.where(sel & (not flash), act_lin_card, act_layer_card),
    )
    acts = stored_layer * lps * inflight * il_factor
    acts = acts + np.where(full, act_layer_card, 0.0)  # working set of the layer being recomputed
    acts = acts + np.where(p == 1, 4.0 * tokens * V / t, 0.0)  # fp32 logits, 4sbV/t [KOR22]

    buffers = (
        sy.framework_reserve_bytes
        + 2.0 * msg  # TP/PP communication buffers (one send, one receive)
        + np.where(zs >= 3, 2.0 * shape.layer_params * scale / t * layouts.bytes_param, 0.0)
    )
    memory = weights_b + grads_b + opt_hbm + acts + buffers
    fits = memory <= sy.hbm_bytes
    if sy.offload_bytes is not None:
        fits = fits & (offload_tier <= sy.offload_bytes)
    else:
        fits = fits & ~off
    if sy.offload_bw is None:
        fits = fits & ~off

    # ---- utilisation ----------------------------------------------------------------------
    per_token_layer = qkv_t + proj_t + fc1_t + fc2_t + attn_t
    model_fl = 3.0 * (L * per_token_layer + 2.0 * h * V) * s * gb
    sel_fl = 0.0 if flash else L * attn_t  # a flash kernel's own score recompute is not counted
    rc_fl = np.where(full, L * per_token_layer, np.where(sel, sel_fl, 0.0)) * s * gb
    hw_fl = model_fl + rc_fl
    denom = step * n_cards * sy.peak_flops
    mfu = model_fl / denom
    hfu = hw_fl / denom
    tps = gb * s / (step * n_cards)

    shape_ = np.broadcast(t, p, d, b, gb, v, sp, rc, zs, off, tpo, dpo, asy).shape

    def bc(x: np.ndarray | float) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=f64), shape_)

    return StepBreakdown(
        step_seconds=bc(step),
        compute_seconds=bc(compute),
        recompute_seconds=bc(recompute),
        tp_comm_exposed_seconds=bc(tp_exposed),
        tp_comm_overlapped_seconds=bc(tp_overlapped),
        pp_comm_seconds=bc(pp_comm),
        pp_bubble_seconds=bc(bubble),
        dp_comm_exposed_seconds=bc(dp_exposed),
        dp_comm_overlapped_seconds=bc(dp_overlapped),
        optimizer_seconds=bc(optimizer),
        offload_seconds=bc(offload_t),
        weights_bytes=bc(weights_b),
        grads_bytes=bc(grads_b),
        optimizer_bytes=bc(opt_hbm),
        activations_bytes=bc(acts),
        buffers_bytes=bc(buffers),
        memory_bytes=bc(memory),
        offload_tier_bytes=bc(offload_tier),
        fits=np.broadcast_to(fits, shape_),
        mfu=bc(mfu),
        hfu=bc(hfu),
        tokens_per_second_per_card=bc(tps),
        model_flops_per_step=bc(model_fl),
        hardware_flops_per_step=bc(hw_fl),
    )


def _check_execution(shape: TransformerShape, ex: Execution) -> None:
    """Field-level checks that need the shape; messages name the field and the allowed range."""
    if shape.heads % ex.tp != 0:
        raise ValueError(f"tp={ex.tp} must divide heads={shape.heads}")
    if shape.layers % ex.pp != 0:
        raise ValueError(f"pp={ex.pp} must divide layers={shape.layers}")
    lps = shape.layers // ex.pp
    if lps % ex.interleave != 0:
        raise ValueError(f"interleave={ex.interleave} must divide layers/pp={lps}")
    if ex.global_batch % (ex.micro_batch * ex.dp) != 0:
        raise ValueError(
            f"global_batch={ex.global_batch} must be a multiple of micro_batch*dp="
            f"{ex.micro_batch * ex.dp}"
        )


def step_time(shape: TransformerShape, system: SystemSpec, execution: Execution) -> StepResult:
    """Time, memory and utilisation of one training step for one layout (scalar face)."""
    _check_execution(shape, execution)
    batch = LayoutBatch.from_executions([execution])
    return step_time_batch(shape, system, batch).row(0)
