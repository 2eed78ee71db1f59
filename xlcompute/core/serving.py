"""Serving: cards for a demand, cost per request and per token, speed bounds.

Sources
- seed 000 eq. (11): n = U·C/(X·t_c) cards for U concurrent users, each request C FLOPs in t_c s.
- seed 000 eq. (12), as printed: E_i = C·E/(3600·n·X). It divides by the card count n once too
  often: a request costs its card-seconds C/X times the price per card-second E/3600, whatever n
  is (see shared/reference/worked_examples.md, note on #16). :func:`cost_per_request` is the
  dimensionally correct default; :func:`cost_per_request_seed` reproduces the paper.
- Decode roofline: each generated token reads every weight once from HBM, so one replica makes
  at most batch · B_hbm / (P · bytes) tokens/s (Pope et al. 2022 §2; seed 002's batch-size note).
- Prefill is compute-bound: X · u / (2P) tokens/s (seed 000 eq. (10)).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, ceil
from xlcompute.core.memory import BF16_BYTES
from xlcompute.core.units import SECONDS_PER_HOUR

__all__ = [
    "infer_cards_seed",
    "infer_cards",
    "cost_per_request",
    "cost_per_request_seed",
    "cost_per_1k_tokens",
    "decode_tokens_per_s",
    "prefill_tokens_per_s",
    "cards_for_weights",
]


def infer_cards_seed(users: Value, flops_per_request: Value, peak_flops: Value, seconds_per_request: Value) -> Value:
    """Seed 000 eq. (11) as printed: n = U·C/(X·t_c), X the card's peak FLOP/s; not rounded."""
    return users * flops_per_request / (peak_flops * seconds_per_request)


def infer_cards(
    users: Value, flops_per_request: Value, peak_flops: Value, seconds_per_request: Value, utilization: Value
) -> Value:
    """Cards for U concurrent users, ⌈U·C/(X·u·t_c)⌉: eq. (11) with the achievable fraction u of
    peak and rounded up to whole cards."""
    return ceil(users * flops_per_request / (peak_flops * utilization * seconds_per_request))


def cost_per_request(
    flops_per_request: Value, peak_flops: Value, price_per_card_hour: Value, utilization: Value = 1
) -> Value:
    """Cost of one request: card-seconds C/(X·u) times price per card-second E/3600.

    Refines seed 000 eq. (12), which divides by the card count n a second time.
    """
    return flops_per_request / (peak_flops * utilization) * price_per_card_hour / SECONDS_PER_HOUR


def cost_per_request_seed(
    flops_per_request: Value, price_per_card_hour: Value, cards: Value, peak_flops: Value
) -> Value:
    """Seed 000 eq. (12) exactly as printed: C·E/(3600·n·X). Kept to reproduce the paper; it is
    n times too small for n cards (compare :func:`cost_per_request`)."""
    return flops_per_request * price_per_card_hour / (SECONDS_PER_HOUR * cards * peak_flops)


def cost_per_1k_tokens(
    params: Value, peak_flops: Value, price_per_card_hour: Value, utilization: Value
) -> Value:
    """Compute cost of 1,000 tokens: 1000 · 2P / (X·u) card-seconds × E/3600 (seed 000 eq. (10)
    and the refined eq. (12); seed 001 quotes $0.0035 per 1k tokens on AWS A100 this way)."""
    return cost_per_request(1000 * 2 * params, peak_flops, price_per_card_hour, utilization)


def decode_tokens_per_s(
    params: Value, hbm_bytes_per_s: Value, bytes_per_param: Value = BF16_BYTES, batch: Value = 1
) -> Value:
    """Upper bound on decode tokens/s of one replica: batch · B_hbm / (P · bytes) (weights read
    once per step; KV-cache reads and kernel overheads make real figures lower)."""
    return batch * hbm_bytes_per_s / (params * bytes_per_param)


def prefill_tokens_per_s(params: Value, peak_flops: Value, utilization: Value) -> Value:
    """Compute-bound prompt processing rate X·u/(2P) tokens/s per card."""
    return peak_flops * utilization / (2 * params)


def cards_for_weights(params: Value, bytes_per_param: Value, hbm_bytes: Value, usable_fraction: Value) -> Value:
    """Fewest cards whose usable HBM holds one copy of the weights: ⌈P·bytes/(HBM·f)⌉."""
    return ceil(params * bytes_per_param / (hbm_bytes * usable_fraction))
