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

Modes are numbers so one formula serves Python and Excel: ``stage`` 0–3, ``recompute``
0 = none, 1 = selective, 2 = full, ``sp`` 0/1.
"""

from __future__ import annotations

from xlcompute.core.expr import Value, if_, min_

__all__ = [
    "ADAM_MIXED_OPTIMIZER_BYTES",
    "BF16_BYTES",
    "weights_bytes",
    "model_states_bytes",
    "zero1_bytes",
    "zero2_bytes",
    "zero3_bytes",
    "zero_bytes",
    "zero_bytes_per_card",
    "train_hbm_20p",
    "activation_bytes_seed",
    "activation_bytes",
    "activation_bytes_per_card",
    "kv_cache_bytes",
    "train_mem_per_card",
]

BF16_BYTES = 2
"""Bytes of one bf16/fp16 value (seed 000: a = 2 for FP16)."""

ADAM_MIXED_OPTIMIZER_BYTES = 12
"""Mixed-precision Adam: fp32 master weights + momentum + variance = 4 + 4 + 4 (ZeRO §3.1)."""


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
    only — see :func:`zero_bytes_per_card` for the refined form used in estimates.
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


def zero_bytes_per_card(
    params: Value,
    stage: Value,
    tp: Value,
    pp: Value,
    dp: Value,
    a: Value = BF16_BYTES,
    b: Value = ADAM_MIXED_OPTIMIZER_BYTES,
) -> Value:
    """Refined model states per card: tensor and pipeline parallelism split P over tp·pp cards
    first, then ZeRO partitions each shard over the dp replicas (Rajbhandari et al. 2020 §5;
    Narayanan et al. 2021 §2). Equals the seed form when tp = pp = 1 and dp = n.
    """
    return zero_bytes(params / (tp * pp), stage, dp, a, b)


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
    stored = if_(
        recompute >= 2,
        2 * if_(sp, 1 / tp, 1),
        linear + if_(recompute >= 1, if_(flash, attention, 0), attention),
    )
    return layers * sbh * stored


def activation_bytes_per_card(
    layers: Value,
    seq_len: Value,
    hidden: Value,
    heads: Value,
    micro_batch: Value,
    tp: Value,
    pp: Value,
    microbatches: Value,
    sp: Value = 0,
    recompute: Value = 0,
    interleave: Value = 1,
    flash: Value = 0,
) -> Value:
    """Activations on the busiest (first) pipeline stage with the 1F1B schedule: L/p layers for
    min(p, m) in-flight micro-batches (Korthikanti et al. 2022 §4.2.3; Narayanan et al. 2021 §2.2);
    the interleaved schedule with v model chunks per card stores (1 + (p − 1)/(p·v)) times as much
    (Korthikanti et al. 2022 §4.2.3), a factor applied only when v > 1.
    """
    in_flight = min_(pp, microbatches)
    chunks = if_(interleave > 1, 1 + (pp - 1) / (pp * interleave), 1)
    return activation_bytes(
        layers / pp * in_flight * chunks, seq_len, hidden, heads, micro_batch, tp, sp, recompute, flash
    )


def kv_cache_bytes(
    layers: Value, kv_heads: Value, head_dim: Value, seq_len: Value, batch: Value, bytes_per_value: Value = BF16_BYTES
) -> Value:
    """KV cache 2·L·kv_heads·head_dim·s·b·bytes (K and V for every layer; GQA shrinks kv_heads).

    Source: Pope et al. 2022, "Efficiently Scaling Transformer Inference" §2; Ainslie et al. 2023 (GQA).
    """
    return 2 * layers * kv_heads * head_dim * seq_len * batch * bytes_per_value


def train_mem_per_card(states_bytes: Value, activations_bytes: Value, buffer_bytes: Value = 0) -> Value:
    """Training memory per card: model states + activations (+ framework buffers), bytes."""
    return states_bytes + activations_bytes + buffer_bytes
