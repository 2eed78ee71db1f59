"""Memory of training and inference, in bytes.

Sources
- seed 000 eqs. (3)–(6), after Rajbhandari et al. 2020 (ZeRO, §5): model states (2a + b)·P and
  ZeRO-1/2/3 partitioning over n devices; a = bytes per parameter and per gradient (2 for
  fp16/bf16), b = optimizer bytes (12 for mixed-precision Adam: fp32 master copy, m and v).
- seed 003: model file S = 2P; training HBM S_train = 20P; activations l·(34bsh + 5bs²a).
- Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models",
  Table 2: activations per layer with tensor parallel (t), sequence parallel, selective and full
  recomputation; §4.2.3: with 1F1B the first pipeline stage holds p micro-batches of L/p layers.
- KV cache: 2 (K and V) · layers · kv_heads · head_dim · seq · batch · bytes (Pope et al. 2022).
- Isaev et al. 2023, Calculon, §III "tensor offload" (seed 004): with a second memory tier the
  weights, activations and optimizer states of the blocks not computing move out of HBM, which
  then holds about two blocks' working set (one computing, one being prefetched).
- Context parallelism (NVIDIA Megatron-Core "context parallel"; Dubey et al. 2024 §3.3.2): a card
  holds s/cp tokens of every sequence, so its activations divide by cp.

Modes are numbers so one formula serves Python, NumPy and Excel: ``stage`` 0–3, ``recompute``
0 = none, 1 = selective, 2 = full, ``sp`` and ``flash`` 0/1.

The refined per-card forms used by the estimate and the step-time model
(:func:`activations_linear_layer` … :func:`train_mem_per_card`) generalise Korthikanti et al.'s
Table 2 to grouped-query attention, any MLP width and gated MLPs, add the fused-attention case
(Dao 2023), the fp32 logits, the layer being recomputed, the first stage's embedding and the
framework's buffers. For a GPT shape (MHA, MLP 4h, no gate) they reduce to Table 2
(:func:`activation_bytes`, kept as published; tests/core show where they differ).
"""

from __future__ import annotations

from xlcompute.core.compute import full_recompute_share
from xlcompute.core.expr import Value, and_, if_, min_, or_

MEMORY_SHARE_WARN = 0.85
"""Warn when training uses more than 85% of HBM: allocator fragmentation and framework buffers
typically take several GB on an 80 GB card (Korthikanti et al. 2022 report ~2-5 GB not covered by
the activation formula), so < 15% headroom is a planning risk. A presentation threshold, not a
formula: the proposal's risk register and ``xlcompute estimate`` both read it."""

__all__ = [
    "MEMORY_SHARE_WARN",
    "ACTIVATION_BYTES",
    "FP32_BYTES",
    "activations_linear_layer",
    "activations_score_layer",
    "activations_stored_layer",
    "score_traffic_bytes",
    "logits_activation_bytes",
    "activations_first_stage",
    "zero_partitioned",
    "in_hbm",
    "offloaded",
    "resident_blocks",
    "activations_offloaded",
    "offload_tier_bytes",
    "framework_buffers",
    "fits_card",
    "ADAM_MIXED_OPTIMIZER_BYTES",
    "BF16_BYTES",
    "weights_bytes",
    "model_states_bytes",
    "zero1_bytes",
    "zero2_bytes",
    "zero3_bytes",
    "zero_bytes",
    "train_hbm_20p",
    "activation_bytes_seed",
    "activation_bytes",
    "kv_cache_bytes",
    "train_mem_per_card",
]

BF16_BYTES = 2
"""Bytes of one bf16/fp16 value (seed 000: a = 2 for FP16)."""

ADAM_MIXED_OPTIMIZER_BYTES = 12
"""Mixed-precision Adam: fp32 master weights + momentum + variance = 4 + 4 + 4 (ZeRO §3.1)."""

ACTIVATION_BYTES = BF16_BYTES
"""Bytes of one stored activation: Korthikanti et al. 2022 derive their formulas for 16-bit values."""

FP32_BYTES = 4
"""Bytes of one fp32 value (the logits and the softmax log-sum-exp are kept in fp32)."""


def weights_bytes(params: Value, bytes_per_param: Value = BF16_BYTES) -> Value:
    """Weights only, S = bytes·P (seed 003: S = 2P, a 13B model is 26 GB in bf16)."""
    return bytes_per_param * params


def model_states_bytes(params: Value, a: Value = BF16_BYTES, b: Value = ADAM_MIXED_OPTIMIZER_BYTES) -> Value:
    """Parameters, gradients and optimizer states without ZeRO: (2a + b)·P (seed 000 eq. (3))."""
    return (2 * a + b) * params


def zero1_bytes(params: Value, n: Value, a: Value = BF16_BYTES, b: Value = ADAM_MIXED_OPTIMIZER_BYTES) -> Value:
    """ZeRO-1 (optimizer states partitioned): 2aP + bP/n (seed 000 eq. (4))."""
    return 2 * a * params + b * params / n


def zero2_bytes(params: Value, n: Value, a: Value = BF16_BYTES, b: Value = ADAM_MIXED_OPTIMIZER_BYTES) -> Value:
    """ZeRO-2 (+ gradients partitioned): aP + (a + b)P/n (seed 000 eq. (5))."""
    return a * params + (a + b) * params / n


def zero3_bytes(params: Value, n: Value, a: Value = BF16_BYTES, b: Value = ADAM_MIXED_OPTIMIZER_BYTES) -> Value:
    """ZeRO-3 (+ parameters partitioned): (2a + b)P/n (seed 000 eq. (6))."""
    return (2 * a + b) * params / n


def zero_bytes(
    params: Value, stage: Value, n: Value, a: Value = BF16_BYTES, b: Value = ADAM_MIXED_OPTIMIZER_BYTES
) -> Value:
    """Model states per device for ZeRO ``stage`` 0–3 (seed 000 eqs. (3)–(6)).

    The seed's n is the number of chips; ZeRO actually partitions over the data-parallel group
    only, a shard of P/(tp·pp) — see :func:`zero_partitioned` and the step-time model's memory
    phase for the refined per-card form used in estimates.
    """
    return if_(
        stage >= 3,
        zero3_bytes(params, n, a, b),
        if_(
            stage >= 2,
            zero2_bytes(params, n, a, b),
            if_(stage >= 1, zero1_bytes(params, n, a, b), model_states_bytes(params, a, b)),
        ),
    )


def train_hbm_20p(params: Value) -> Value:
    """Seed 003's rule of thumb S_train = 20P bytes (16P of states plus headroom; 13B → 260 GB)."""
    return 20 * params


def activation_bytes_seed(layers: Value, seq_len: Value, hidden: Value, heads: Value, batch: Value) -> Value:
    """Seed 003 as printed: l·(34·b·s·h + 5·b·s²·a) bytes, no parallelism, no recomputation.

    (Korthikanti et al. 2022, eq. (1): GPT-3 at b = 1 needs 275 GB.)
    """
    return layers * (34 * batch * seq_len * hidden + 5 * batch * seq_len**2 * heads)


def activation_bytes(
    layers: Value,
    seq_len: Value,
    hidden: Value,
    heads: Value,
    micro_batch: Value,
    tp: Value = 1,
    sp: Value = 0,
    recompute: Value = 0,
    flash: Value = 0,
) -> Value:
    """Activation bytes of ``layers`` layers on one tensor-parallel card (Korthikanti et al. 2022,
    Table 2), 16-bit activations:

    - none:      s·b·h·(10 + 24/t + 5·a·s/(h·t)), or s·b·h·(34/t + 5·a·s/(h·t)) with sequence parallel
    - selective: the 5·a·s/(h·t) attention term is recomputed and not stored
    - full:      only each layer's input, 2·s·b·h (÷ t with sequence parallel)

    With t = 1 and no recomputation this is the seed's l·(34bsh + 5bs²a).

    ``flash`` = 1: a fused (FlashAttention) kernel never stores the s×s scores; it keeps the fp32
    softmax log-sum-exp, 4·a·s·b bytes = s·b·h·4a/(h·t) per card (Dao 2023, FlashAttention-2 §3),
    whatever the recompute mode short of full (there is nothing for selective recompute to drop).
    """
    sbh = seq_len * micro_batch * hidden
    linear = if_(sp, 34 / tp, 10 + 24 / tp)
    attention = if_(flash, 4 * heads / (hidden * tp), 5 * heads * seq_len / (hidden * tp))
    share = full_recompute_share(recompute)
    kept = linear + if_(recompute >= 1, if_(flash, attention, 0), attention)
    stored = share * 2 * if_(sp, 1 / tp, 1) + (1 - share) * kept
    return layers * sbh * stored


def kv_cache_bytes(
    layers: Value, kv_heads: Value, head_dim: Value, seq_len: Value, batch: Value, bytes_per_value: Value = BF16_BYTES
) -> Value:
    """KV cache 2·L·kv_heads·head_dim·s·b·bytes (K and V for every layer; GQA shrinks kv_heads).

    Source: Pope et al. 2022, "Efficiently Scaling Transformer Inference" §2; Ainslie et al. 2023 (GQA).
    """
    return 2 * layers * kv_heads * head_dim * seq_len * batch * bytes_per_value


# -- refined per-card forms (estimate and step-time model) -------------------------------------


def activations_linear_layer(
    seq_len: Value,
    micro_batch: Value,
    hidden: Value,
    heads: Value,
    kv_heads: Value,
    head_dim: Value,
    ffn_hidden: Value,
    gated: Value,
    tp: Value,
    sp: Value,
) -> Value:
    """Activation bytes of one layer and micro-batch on one tensor-parallel card, without the
    attention scores (Korthikanti et al. 2022 §4.1, generalised).

    Kept whole on every TP card without sequence parallelism: the two norm inputs and outputs
    and the two dropout masks, 10·s·b·h. Split by TP: Q and the projection input 4·s·b·heads·d,
    K and V 4·s·b·kv_heads·d (GQA, Ainslie et al. 2023), the MLP activations
    2·s·b·ffn·(2 + gated) (GeLU input and output, or SwiGLU's gate, up and product). With
    sequence parallelism everything is split. MHA with ffn = 4h gives Table 2's 34·s·b·h.
    """
    sb = seq_len * micro_batch
    replicated = 10 * sb * hidden
    # Bytes at 16 bits per value, as in Table 2 (Q and projection input: 2 tensors × 2 bytes).
    split = 4 * sb * heads * head_dim + 4 * sb * kv_heads * head_dim + 2 * sb * ffn_hidden * (2 + gated)
    return if_(sp, (replicated + split) / tp, replicated + split / tp)


def activations_score_layer(
    seq_len: Value, micro_batch: Value, heads: Value, tp: Value, flash: Value, cp: Value = 1
) -> Value:
    """Attention-score bytes of one layer and micro-batch on one TP card.

    Unfused: softmax input and output and the dropout mask of the s×s scores, 5·a·s²·b
    (Korthikanti et al. 2022 Table 2). Fused flash kernel: only the fp32 softmax log-sum-exp,
    4·a·s·b (Dao 2023, FlashAttention-2 §3). Both split over the TP heads, and over the cp ranks
    of context parallelism, each holding the scores of its s/cp queries (Megatron-Core CP).
    """
    return if_(flash, FP32_BYTES * heads * seq_len * micro_batch, 5 * heads * seq_len**2 * micro_batch) / (tp * cp)


def activations_stored_layer(
    linear: Value,
    score: Value,
    seq_len: Value,
    micro_batch: Value,
    hidden: Value,
    tp: Value,
    sp: Value,
    recompute: Value,
    flash: Value,
    recomputed: Value = 0,
) -> Value:
    """Bytes one layer keeps per micro-batch until its backward pass (Korthikanti et al. 2022 §5):
    full recomputation keeps only the layer input 2·s·b·h (÷ tp with sequence parallelism);
    selective recomputation drops the unfused scores; a flash kernel has none to drop and keeps
    its log-sum-exp. ``recomputed``: further bytes selective recomputation does not keep (the MLA
    up-projections, core.moe.mla_recompute_saving). Between selective and full (core.compute.
    recompute_level) the average over the stage's layers: the full share keeps its inputs only."""
    layer_input = ACTIVATION_BYTES * seq_len * micro_batch * hidden * if_(sp, 1 / tp, 1)
    kept = if_(and_(recompute >= 1, flash < 0.5), linear, linear + score) - recomputed
    share = full_recompute_share(recompute)
    return share * layer_input + (1 - share) * kept


def score_traffic_bytes(score: Value, flash: Value) -> Value:
    """Score bytes the element-wise kernels move through HBM: the unfused scores; none with a
    flash kernel, which runs softmax and dropout on chip (Dao 2023)."""
    return if_(flash, 0, score)


def logits_activation_bytes(seq_len: Value, micro_batch: Value, vocab: Value, tp: Value) -> Value:
    """The fp32 logits of one micro-batch on one card, 4·s·b·V/t (Korthikanti et al. 2022 §4.1,
    output layer)."""
    return FP32_BYTES * seq_len * micro_batch * vocab / tp


def _stored_activations(
    stored_layer: Value, layers_on_stage: Value, pp: Value, microbatches: Value, interleave: Value
) -> Value:
    # 1F1B keeps min(p, m) micro-batches in flight on the first stage, the interleaved schedule
    # (1 + (p − 1)/(p·v)) times as many (see activations_first_stage).
    in_flight = min_(pp, microbatches)
    chunks = if_(interleave > 1, 1 + (pp - 1) / (pp * interleave), 1)
    return stored_layer * layers_on_stage * in_flight * chunks


def activations_first_stage(
    stored_layer: Value,
    layers_on_stage: Value,
    pp: Value,
    microbatches: Value,
    interleave: Value,
    working_layer: Value,
    recompute: Value,
    logits: Value,
    offload: Value = 0,
) -> Value:
    """Activation bytes in HBM on the busiest card, the first pipeline stage.

    1F1B keeps min(p, m) micro-batches in flight on the first stage; the interleaved schedule
    with v chunks per card keeps (1 + (p − 1)/(p·v)) times as much (Korthikanti et al. 2022
    §4.2.3; Narayanan et al. 2021 §2.2). Full recomputation, of every layer or of a share of them
    (core.compute.recompute_level), rebuilds one layer's activations (``working_layer``) at a
    time; a single stage also holds the logits. With activations
    offloaded only two layers' stored activations stay in HBM, the one in use and the one in
    transfer (Calculon, Isaev et al. 2023, §III tensor offload, seed 004).
    """
    stored = _stored_activations(stored_layer, layers_on_stage, pp, microbatches, interleave)
    resident = if_(offload, min_(stored, 2 * stored_layer), stored)
    return resident + if_(recompute > 1, working_layer, 0) + if_(pp <= 1, logits, 0)


def activations_offloaded(
    stored_layer: Value, layers_on_stage: Value, pp: Value, microbatches: Value, interleave: Value, offload: Value
) -> Value:
    """Stored activation bytes the offload tier holds for the first stage: all but the two
    layers' worth that stay in HBM (see :func:`activations_first_stage`; Calculon, Isaev et al.
    2023, §III tensor offload, seed 004)."""
    stored = _stored_activations(stored_layer, layers_on_stage, pp, microbatches, interleave)
    return if_(offload, stored - min_(stored, 2 * stored_layer), 0)


def zero_partitioned(full_bytes: Value, stage: Value, from_stage: Value, dp: Value) -> Value:
    """A model state split over the dp replicas once ZeRO reaches ``from_stage``: optimizer
    states from stage 1, gradients from 2, weights from 3 (Rajbhandari et al. 2020 §5)."""
    return if_(stage >= from_stage, full_bytes / dp, full_bytes)


def in_hbm(state_bytes: Value, offload: Value) -> Value:
    """The optimizer states left in HBM: none when they are offloaded (seed 004, tensor offload)."""
    return if_(offload, 0, state_bytes)


def offloaded(state_bytes: Value, offload: Value) -> Value:
    """The optimizer states held by the offload tier (host memory), when offloaded."""
    return if_(offload, state_bytes, 0)


def resident_blocks(stage_bytes: Value, blocks: Value, offload: Value) -> Value:
    """The part of a stage's weights (or gradients) that stays in HBM: all of it, or with weight
    offload two blocks' share, the block computing and the block being prefetched (Calculon,
    Isaev et al. 2023, §III tensor offload, seed 004: HBM must hold two transformer blocks)."""
    return if_(offload, stage_bytes * min_(1, 2 / blocks), stage_bytes)


def offload_tier_bytes(
    optimizer_states: Value,
    offload_optimizer: Value,
    weights_sharded: Value,
    weights_resident: Value,
    grads_sharded: Value,
    grads_resident: Value,
    activations_out: Value,
) -> Value:
    """Bytes the offload tier holds per card: the optimizer states when offloaded, the weights and
    gradients that do not stay in HBM (:func:`resident_blocks`) and the offloaded activations
    (Calculon, Isaev et al. 2023, §III tensor offload, seed 004)."""
    return (offloaded(optimizer_states, offload_optimizer) + (weights_sharded - weights_resident)
            + (grads_sharded - grads_resident) + activations_out)


def fits_card(
    mem_bytes: Value, hbm_bytes: Value, offload: Value, tier_bytes: Value, tier_capacity: Value, tier_bytes_per_s: Value
) -> Value:
    """1 when the card's training memory fits its HBM and, with any offload, what moves out fits a
    tier that exists (capacity and bandwidth above 0), else 0 (Calculon, seed 004: a layout needs
    both the HBM and the offload capacity)."""
    tier_ok = or_(offload < 0.5, and_(tier_bytes <= tier_capacity, tier_bytes_per_s > 0))
    return if_(and_(mem_bytes <= hbm_bytes, tier_ok), 1, 0)


def framework_buffers(
    reserve: Value, message_bytes: Value, block: Value, tp: Value, param_bytes: Value, stage: Value
) -> Value:
    """Memory the framework holds besides states and activations: a fixed reserve (CUDA context,
    allocator fragmentation, workspaces; an assumption), a send and a receive buffer of one
    activation message for TP/PP communication, and with ZeRO-3 two gathered layers of weights
    (prefetch; Rajbhandari et al. 2020 §7)."""
    return reserve + 2 * message_bytes + if_(stage >= 3, 2 * block / tp * param_bytes, 0)


def train_mem_per_card(
    weights: Value, grads: Value, optimizer: Value, activations: Value, buffers: Value = 0
) -> Value:
    """Training memory per card: weights + gradients + optimizer states in HBM + activations +
    framework buffers, bytes."""
    return weights + grads + optimizer + activations + buffers
