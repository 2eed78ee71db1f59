"""Kernel time on one card: matrix multiplies on an efficiency curve, memory-bound kernels, fused
attention and the optimizer update. Seconds.

Sources
- [CAL23] Isaev et al., "Calculon: a Methodology and Tool for High-Level Codesign of Systems and
  Large Language Models", SC'23 (seed 004): a matrix multiply runs below peak, and the smaller
  the matrices per card (high tensor parallelism), the further below.
- [ROOF] Williams, Waterman & Patterson, "Roofline", CACM 2009: a kernel whose arithmetic
  intensity is below the ridge point peak/bandwidth is memory-bound. A GEMM with one small
  dimension n streams the large operands once: intensity ~n FLOP/byte at 2-byte elements.
- [FA2] Dao, "FlashAttention-2", ICLR'24 (arXiv:2307.08691): the causal attention core runs as
  one fused kernel at 50-70% of peak on A100 (figs. 4-6), skips the blocks above the diagonal
  (about half the work) and recomputes the scores in its backward pass (5 matmuls vs 2).
- [MEG21] Narayanan et al., SC'21: the backward pass costs twice the forward pass.
- [CCE] Wijmans et al., "Cut Your Losses in Large-Vocabulary Language Models", arXiv:2411.09009
  (2024): the logit matrix of the cross-entropy loss dominates a small model's loss memory and
  traffic; [KOR22] Korthikanti et al. 2022 §4.1: the logits are held in fp32 (4·s·b·V/t bytes).
- [MIXP] Micikevicius et al., "Mixed Precision Training", ICLR 2018, §3.1: an FP32 master copy of the
  weights is updated and rounded to the 16-bit weights each step. Megatron-LM's
  MixedPrecisionOptimizer.step (megatron/optimizer/optimizer.py @ 285068c8, 2023-01;
  megatron/core/optimizer/optimizer.py prepare_grads / step_with_ready_grads @ d98e8a6, 2026-08)
  runs it as: FP32 main gradients (bf16 training accumulates them in FP32, megatron/training/
  arguments.py), their norm for clipping, the fused Adam update, the master-to-model copy, and the
  gradient buffer zeroed for the next step (megatron/core/distributed/param_and_grad_buffer.py,
  the buffer's reset: grad_data.zero_()).
- [MAMF] Bekman, "Machine Learning Engineering", compute/accelerator/README.md, "Maximum Achievable
  Matmul FLOPS comparison table" (github.com/stas00/ml-engineering @ 744d01e, 2026-08): the best
  BF16 matmul throughput one script (mamf-finder.py) finds on each card, NVIDIA, AMD and Intel alike.

Efficiency constants (``eff_max``, the element-wise traffic factor) are calibrated on published
Megatron-LM runs (``xlcompute validate``); ``software_eff`` scales them for other training stacks.
"""

from __future__ import annotations

from xlcompute.core.compute import attention_core_flops, full_recompute_share
from xlcompute.core.expr import Value, if_, max_, min_
from xlcompute.core.params import attn_out_params, qkv_params

__all__ = [
    "roofline_ridge",
    "half_efficiency_dim",
    "gemm_efficiency",
    "transferred_gemm_efficiency",
    "gemm_seconds",
    "attention_core_seconds",
    "attention_backward_factor",
    "attention_backward_seconds",
    "elementwise_seconds",
    "qkv_seconds",
    "attn_out_seconds",
    "mlp_up_seconds",
    "mlp_down_seconds",
    "logits_forward_seconds",
    "loss_traffic_seconds",
    "attention_forward_seconds",
    "layer_backward_seconds",
    "layer_recompute_seconds",
    "layer_gemm_seconds",
    "forward_backward_seconds",
    "MAIN_GRAD_BYTES",
    "MASTER_WEIGHT_BYTES",
    "adam_state_step_bytes",
    "mixed_precision_step_bytes",
    "optimizer_update_seconds",
]


def roofline_ridge(peak_flops: Value, hbm_bytes_per_s: Value) -> Value:
    """The roofline ridge point peak / HBM bandwidth, FLOP per byte ([ROOF])."""
    return peak_flops / hbm_bytes_per_s


def half_efficiency_dim(dim_half: Value, peak_flops: Value, hbm_bytes_per_s: Value) -> Value:
    """GEMM dimension at half the asymptotic efficiency: the given value, or the roofline ridge
    when it is 0 (a GEMM whose smallest dimension equals the ridge is as compute- as memory-bound)."""
    return if_(dim_half > 0, dim_half, roofline_ridge(peak_flops, hbm_bytes_per_s))


def gemm_efficiency(dim: Value, eff_max: Value, dim_half: Value) -> Value:
    """Share of peak a GEMM reaches, eff_max · n / (n + n½), n its smallest dimension
    ([CAL23] efficiency falls as matrices shrink; the saturating form follows [ROOF])."""
    return eff_max * dim / (dim + dim_half)


def transferred_gemm_efficiency(
    eff_ref: Value, mamf: Value, peak: Value, mamf_ref: Value, peak_ref: Value
) -> Value:
    """A GEMM constant carried from a calibrated card to one without training measurements:
    eff_ref · (mamf / peak) / (mamf_ref / peak_ref). The measured matmul ceiling as a share of
    each card's catalog peak ([MAMF]) scales the calibrated constant; what the calibration holds
    besides the matmul library (the software stack, the shapes a layer uses) is assumed to carry."""
    return eff_ref * (mamf / peak) / (mamf_ref / peak_ref)


def gemm_seconds(
    tokens: Value, k: Value, n: Value, dim: Value, peak_flops: Value, eff_max: Value, dim_half: Value
) -> Value:
    """Time of a ``tokens × k × n`` matrix multiply on one card: 2·tokens·k·n FLOPs at the
    efficiency of its limiting dimension ``dim`` ([CAL23], [ROOF]).

    The layer functions below pass the dimensions the constants were calibrated with: the
    tokens, the dimension tensor parallelism splits, and the input width h of the
    column-parallel GEMMs. (Also taking h for the MLP down-projection and the output layer, as
    the roofline would, moved the calibration rows by +0.14 points: not adopted without a new
    calibration.)
    """
    # max_(dim, 1): a GEMM of zero width (a model without a vocabulary) does no work and takes no time.
    return 2 * tokens * k * n / (peak_flops * gemm_efficiency(max_(dim, 1), eff_max, dim_half))


def attention_core_seconds(
    flops: Value,
    seq_len: Value,
    head_dim: Value,
    peak_flops: Value,
    eff_max: Value,
    dim_half: Value,
    flash: Value,
    flash_eff: Value,
    software_eff: Value,
) -> Value:
    """Forward time of the attention core (QKᵀ, softmax, × V) of ``flops`` FLOPs on one card.

    Unfused (Megatron 2021): batched GEMMs whose smallest dimension is min(s, head_dim) [MEG21].
    Fused flash kernel: half the FLOPs (causal blocks skipped) at ``flash_eff`` of peak [FA2].
    """
    unfused = flops / (peak_flops * gemm_efficiency(min_(seq_len, head_dim), eff_max, dim_half))
    fused = 0.5 * flops / (peak_flops * flash_eff * software_eff)
    return if_(flash, fused, unfused)


def attention_backward_factor(flash: Value) -> Value:
    """Backward / forward time of the attention core: 2 for unfused GEMMs [MEG21], 2.5 for a flash
    kernel, which recomputes the scores (5 matmuls backward vs 2 forward) [FA2]."""
    return if_(flash, 2.5, 2)


def attention_backward_seconds(attention_forward: Value, flash: Value, recompute: Value) -> Value:
    """Attention-core time of one layer and micro-batch in the backward pass: its own backward
    (:func:`attention_backward_factor`) and, with full recomputation, the recomputed forward (on the
    share of layers recomputed in full, core.compute.recompute_level). The
    window the backward context-parallel K/V ring hides under (Megatron-Core "context parallel";
    Liu et al. 2023, Ring Attention, §3: each chunk's transfer overlaps the previous chunk's
    attention)."""
    return attention_forward * (attention_backward_factor(flash) + full_recompute_share(recompute))


def elementwise_seconds(
    activation_bytes: Value, traffic_factor: Value, hbm_bytes_per_s: Value, software_eff: Value
) -> Value:
    """Time of the memory-bound kernels (norms, softmax, dropout, activation functions, biases):
    ``traffic_factor`` × the stored activation bytes through HBM ([ROOF]; the factor is
    calibrated, ``xlcompute validate``)."""
    return traffic_factor * activation_bytes / (hbm_bytes_per_s * software_eff)


# -- the GEMMs of a Megatron layer on one TP card (column-parallel QKV and MLP-up split their
# outputs, row-parallel projection and MLP-down their inputs; Shoeybi et al. 2019 §3) -----------


def qkv_seconds(
    tokens: Value, hidden: Value, heads: Value, kv_heads: Value, head_dim: Value, tp: Value,
    peak_flops: Value, eff_max: Value, dim_half: Value,
) -> Value:
    """Forward time of the fused QKV projection, tokens × h × (heads + 2·kv_heads)·d/t."""
    n = qkv_params(hidden, heads, kv_heads, head_dim) / (hidden * tp)
    return gemm_seconds(tokens, hidden, n, min_(tokens, n, hidden), peak_flops, eff_max, dim_half)


def attn_out_seconds(
    tokens: Value, hidden: Value, heads: Value, head_dim: Value, tp: Value,
    peak_flops: Value, eff_max: Value, dim_half: Value,
) -> Value:
    """Forward time of the attention output projection, tokens × heads·d/t × h."""
    k = attn_out_params(hidden, heads, head_dim) / (hidden * tp)
    return gemm_seconds(tokens, k, hidden, min_(tokens, k), peak_flops, eff_max, dim_half)


def mlp_up_seconds(
    tokens: Value, hidden: Value, ffn_hidden: Value, gated: Value, tp: Value,
    peak_flops: Value, eff_max: Value, dim_half: Value,
) -> Value:
    """Forward time of the MLP up-projection (with the gate when gated), tokens × h × (1 + g)·f/t."""
    n = (1 + gated) * ffn_hidden / tp
    return gemm_seconds(tokens, hidden, n, min_(tokens, n, hidden), peak_flops, eff_max, dim_half)


def mlp_down_seconds(
    tokens: Value, hidden: Value, ffn_hidden: Value, tp: Value, peak_flops: Value, eff_max: Value, dim_half: Value
) -> Value:
    """Forward time of the MLP down-projection, tokens × f/t × h."""
    k = ffn_hidden / tp
    return gemm_seconds(tokens, k, hidden, min_(tokens, k), peak_flops, eff_max, dim_half)


def logits_forward_seconds(
    tokens: Value, hidden: Value, vocab: Value, tp: Value, peak_flops: Value, eff_max: Value, dim_half: Value
) -> Value:
    """Forward time of the output layer, tokens × h × V/t (vocabulary-parallel, [MEG21])."""
    n = vocab / tp
    return gemm_seconds(tokens, hidden, n, min_(tokens, n), peak_flops, eff_max, dim_half)


def loss_traffic_seconds(
    tokens: Value, vocab: Value, tp: Value, bytes_per_logit: Value, hbm_bytes_per_s: Value, software_eff: Value
) -> Value:
    """HBM time of the cross-entropy loss over the vocabulary, forward + backward, on the card
    that holds the logits (the last pipeline stage): ``bytes_per_logit`` × tokens × V/t logit
    elements through HBM ([ROOF]: memory-bound, a row of 50k-256k logits does not stay on chip).

    The logits GEMM's FLOPs are in :func:`logits_forward_seconds`; this is the loss's traffic,
    which grows as V/(h²·L) against the layers' GEMMs and so matters for small models [CCE].
    48 bytes per element for an unfused fp32 loss (planner.inputs.STEP_CONSTANTS): PyTorch
    autocast runs ``cross_entropy``/``log_softmax`` in fp32 (torch.amp docs, "CUDA Ops that can
    autocast to float32"), Megatron-LM's vocabulary-parallel cross-entropy likewise, on fp32
    logits [KOR22]: cast bf16→fp32 6, log-softmax forward 16, gradient zero-fill 4, log-softmax
    backward 16, cast back 6.
    """
    return bytes_per_logit * tokens * (vocab / tp) / (hbm_bytes_per_s * software_eff)


def attention_forward_seconds(
    tokens: Value, seq_len: Value, attn_width: Value, head_dim: Value, tp: Value, peak_flops: Value,
    eff_max: Value, dim_half: Value, flash: Value, flash_eff: Value, software_eff: Value,
) -> Value:
    """Forward time of one layer's attention core on a TP card (its heads split over t)."""
    flops = attention_core_flops(seq_len, attn_width) * tokens / tp
    return attention_core_seconds(flops, seq_len, head_dim, peak_flops, eff_max, dim_half, flash, flash_eff,
                                  software_eff)


def layer_backward_seconds(gemm_forward: Value, elementwise_forward: Value, attention_forward: Value,
                           flash: Value) -> Value:
    """Backward time of a layer: twice the forward GEMMs and element-wise kernels [MEG21] and the
    attention core's own backward (see :func:`attention_backward_factor`)."""
    return 2 * (gemm_forward + elementwise_forward) + attention_backward_factor(flash) * attention_forward


def layer_recompute_seconds(
    layer_forward: Value, attention_forward: Value, score_elementwise: Value, recompute: Value, flash: Value,
    extra: Value = 0,
) -> Value:
    """Time recomputation adds per layer and micro-batch: the whole forward (full), the attention
    core and its score kernels (selective, unfused), nothing with a flash kernel, whose scores
    were never stored (Korthikanti et al. 2022 §5; Dao 2023); plus ``extra`` under selective
    recomputation (the MLA up-projections, core.moe.mla_recompute_seconds)."""
    selective = if_(recompute >= 1, if_(flash, 0, attention_forward + score_elementwise) + extra, 0)
    share = full_recompute_share(recompute)  # between selective and full: the layer average
    return share * layer_forward + (1 - share) * selective


def layer_gemm_seconds(gemm_forward: Value, attention_forward: Value, recompute: Value) -> Value:
    """GEMM time of a layer per micro-batch, forward + backward (+ the recomputed forward): the
    window fully overlapped TP communication can hide under [CAL23]."""
    return (gemm_forward + attention_forward) * (3 + full_recompute_share(recompute))


def forward_backward_seconds(forward: Value) -> Value:
    """Forward plus backward of a GEMM-bound kernel, 3 × forward [MEG21]."""
    return 3 * forward


MAIN_GRAD_BYTES = 4
"""Bytes of a main gradient: FP32, where mixed-precision training accumulates and clips gradients
([MIXP]; Megatron-LM forces it for bf16 unless --grad-reduce-in-bf16 is given)."""

MASTER_WEIGHT_BYTES = 4
"""Bytes of the FP32 master weight the optimizer updates ([MIXP]); part of ``optimizer_bytes``."""


def adam_state_step_bytes(param_bytes: Value, optimizer_bytes: Value) -> Value:
    """HBM bytes of an Adam step per updated parameter as Rajbhandari et al. 2020 §3.1 size it:
    read and write the optimizer states, read the gradient and write the weight, 2·a + 2·b. It
    leaves out the FP32 gradient reads, the master weight's read for the 16-bit copy and the
    gradient buffer's reset that :func:`mixed_precision_step_bytes` counts (28 bytes against 42 at
    a = 12, b = 2). Kept for comparison; the step-time model uses the refined form."""
    return 2 * optimizer_bytes + 2 * param_bytes


def mixed_precision_step_bytes(param_bytes: Value, optimizer_bytes: Value) -> Value:
    """HBM bytes of a mixed-precision Adam step per updated parameter ([MIXP], Megatron-LM's
    MixedPrecisionOptimizer.step): the clipping norm reads the FP32 main gradient g, Adam reads it
    again and reads and writes its states (master weight and moments, a bytes), the master weight
    is read and written back as the b-byte weight, and the gradient buffer is zeroed for the next
    step: 2·a + 3·g + m + b, with g = :data:`MAIN_GRAD_BYTES` and m = :data:`MASTER_WEIGHT_BYTES`
    (42 bytes at a = 12, b = 2). A ZeRO-0/1 card zeroes its whole gradient buffer, not only the
    shard it updates; that part is left out (Llama-2-70B at TP 2 × PP 5 × DP 100 on H800: 8 ms of a
    5.9 s step). FP16 loss scaling adds an unscale pass and a 16-to-32-bit gradient copy, not
    counted."""
    return 2 * optimizer_bytes + 3 * MAIN_GRAD_BYTES + MASTER_WEIGHT_BYTES + param_bytes


def optimizer_update_seconds(
    params_updated: Value, param_bytes: Value, optimizer_bytes: Value, hbm_bytes_per_s: Value,
    offload: Value = 0,
) -> Value:
    """HBM-bound optimizer step on a card: ``P_upd`` × :func:`mixed_precision_step_bytes` over the
    card's HBM bandwidth; 0 when the states are offloaded (the offload link then sets the pace,
    see comm)."""
    return if_(offload, 0, params_updated * mixed_precision_step_bytes(param_bytes, optimizer_bytes)
               / hbm_bytes_per_s)
