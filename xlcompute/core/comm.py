"""Communication volumes and times of 3D-parallel training.

Sources
- seed 000 eqs. (7)–(9): total volumes over a run, in elements (values), as printed:
  data parallel Q = T·P/(b·s), pipeline Q = 2·n·h·T, tensor Q = 4·h·l·n·T.
- Refined per-step bytes: ring all-reduce moves 2(n−1)/n of the message per card
  (Patarasuk & Yuan 2009; Thakur et al. 2005); Megatron tensor parallelism does 2 all-reduces of
  b·s·h in the forward and 2 in the backward of every layer (Shoeybi et al. 2019 §3); the pipeline
  sends b·s·h activations forward and gradients back at every stage boundary per micro-batch
  (Narayanan et al. 2021 §2.2).
"""

from __future__ import annotations

from xlcompute.core.expr import Value
from xlcompute.core.memory import BF16_BYTES

__all__ = [
    "comm_dp_seed",
    "comm_pp_seed",
    "comm_tp_seed",
    "ring_allreduce_factor",
    "allreduce_bytes_per_card",
    "allreduce_seconds",
    "transfer_seconds",
    "dp_bytes_per_step",
    "tp_bytes_per_step",
    "pp_bytes_per_step",
]


def comm_dp_seed(tokens: Value, params: Value, batch: Value, seq_len: Value) -> Value:
    """Seed 000 eq. (7): data-parallel volume T·P/(b·s) — one gradient set per batch. Elements."""
    return tokens * params / (batch * seq_len)


def comm_pp_seed(cards: Value, hidden: Value, tokens: Value) -> Value:
    """Seed 000 eq. (8): pipeline volume 2·n·h·T (activations forward, gradients back). Elements."""
    return 2 * cards * hidden * tokens


def comm_tp_seed(hidden: Value, layers: Value, cards: Value, tokens: Value) -> Value:
    """Seed 000 eq. (9): tensor-parallel volume 4·h·l·n·T (4 syncs per layer). Elements."""
    return 4 * hidden * layers * cards * tokens


def ring_allreduce_factor(n: Value) -> Value:
    """Bytes each card sends in a ring all-reduce, as a multiple of the message: 2(n−1)/n."""
    return 2 * (n - 1) / n


def allreduce_bytes_per_card(message_bytes: Value, n: Value) -> Value:
    """Bytes each of n cards sends in a ring all-reduce of ``message_bytes``."""
    return ring_allreduce_factor(n) * message_bytes


def transfer_seconds(nbytes: Value, bytes_per_s: Value) -> Value:
    """Seconds to move ``nbytes`` over a link of ``bytes_per_s`` (one direction), no latency."""
    return nbytes / bytes_per_s


def allreduce_seconds(message_bytes: Value, n: Value, bytes_per_s: Value) -> Value:
    """Bandwidth-bound ring all-reduce time 2(n−1)/n · M / B, B per card per direction."""
    return allreduce_bytes_per_card(message_bytes, n) / bytes_per_s


def dp_bytes_per_step(
    params: Value, tp: Value, pp: Value, dp: Value, bytes_per_grad: Value = BF16_BYTES
) -> Value:
    """Bytes each card sends per optimizer step for the data-parallel gradient all-reduce of its
    P/(tp·pp) shard (ZeRO-1/2 reduce-scatter + all-gather move the same 2(n−1)/n)."""
    return allreduce_bytes_per_card(params / (tp * pp) * bytes_per_grad, dp)


def tp_bytes_per_step(
    micro_batch: Value,
    seq_len: Value,
    hidden: Value,
    layers: Value,
    pp: Value,
    tp: Value,
    microbatches: Value,
    recompute: Value = 0,
    bytes_per_value: Value = BF16_BYTES,
) -> Value:
    """Bytes each card sends per step for tensor parallelism: 4 all-reduces of b·s·h per layer
    (2 forward, 2 backward; Shoeybi et al. 2019 §3), 2 more with full recomputation (r = 1),
    over the L/pp layers of its stage and every micro-batch."""
    per_layer = (4 + 2 * recompute) * allreduce_bytes_per_card(micro_batch * seq_len * hidden * bytes_per_value, tp)
    return per_layer * layers / pp * microbatches


def pp_bytes_per_step(
    micro_batch: Value, seq_len: Value, hidden: Value, microbatches: Value, bytes_per_value: Value = BF16_BYTES
) -> Value:
    """Bytes a stage boundary carries per step: activations forward and gradients back, b·s·h
    each, for every micro-batch (Narayanan et al. 2021 §2.2)."""
    return 2 * micro_batch * seq_len * hidden * bytes_per_value * microbatches
