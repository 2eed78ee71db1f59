"""3D-parallel arithmetic and throughput.

Sources: seed 003 (num_NPUs = dp·pp·tp; global = micro·dp·grad_accum; samples/s per card and
tokens/s per card); Narayanan et al. 2021 §2.2 (GPipe/1F1B bubble fraction (p − 1)/m, and
(p − 1)/(v·m) with v interleaved stages per card).
"""

from __future__ import annotations

from xlcompute.core.expr import Value

__all__ = [
    "parallel_cards",
    "global_batch",
    "grad_accum_steps",
    "pipeline_bubble",
    "pipeline_bubble_of_total",
    "samples_per_s_per_card",
    "tokens_per_s_per_card",
    "tokens_per_step",
    "steps_for_tokens",
]


def parallel_cards(dp: Value, tp: Value, pp: Value) -> Value:
    """Cards used by a layout: n = dp · tp · pp (seed 003)."""
    return dp * tp * pp


def global_batch(micro_batch: Value, dp: Value, grad_accum: Value) -> Value:
    """Sequences per optimizer step: micro_batch · dp · grad_accum (seed 003)."""
    return micro_batch * dp * grad_accum


def grad_accum_steps(global_batch_size: Value, micro_batch: Value, dp: Value) -> Value:
    """Micro-batches per step on each pipeline: global / (micro · dp) (seed 003, rearranged)."""
    return global_batch_size / (micro_batch * dp)


def pipeline_bubble(pp: Value, microbatches: Value, interleave: Value = 1) -> Value:
    """Pipeline bubble as a fraction of the ideal step time: (p − 1)/(v·m)
    (Narayanan et al. 2021 §2.2.1–2.2.2; v = 1 is the plain 1F1B schedule)."""
    return (pp - 1) / (interleave * microbatches)


def pipeline_bubble_of_total(pp: Value, microbatches: Value) -> Value:
    """Bubble as a share of the whole step: (p − 1)/(m + p − 1) (Huang et al. 2019, GPipe)."""
    return (pp - 1) / (microbatches + pp - 1)


def samples_per_s_per_card(batch: Value, iter_seconds: Value, cards: Value) -> Value:
    """Throughput samples/s/card = batch / elapsed_time_per_batch / cards (seed 003)."""
    return batch / iter_seconds / cards


def tokens_per_s_per_card(batch: Value, seq_len: Value, iter_seconds: Value, cards: Value) -> Value:
    """Throughput tokens/s/card = samples/s/card · sequence length (seed 003)."""
    return samples_per_s_per_card(batch, iter_seconds, cards) * seq_len


def tokens_per_step(global_batch_size: Value, seq_len: Value) -> Value:
    """Tokens consumed by one optimizer step: global batch (sequences) × sequence length."""
    return global_batch_size * seq_len


def steps_for_tokens(tokens: Value, global_batch_size: Value, seq_len: Value) -> Value:
    """Optimizer steps to consume ``tokens``: T / (global batch · s)."""
    return tokens / tokens_per_step(global_batch_size, seq_len)
