"""Training time and cluster size from a FLOP count.

Sources: seed 000 eq. (2) t = C/(n·X); seed 001 (GPT-3: 6PT / (312 TFLOPS × 46.2% × 3600)
= 607,032 A100-hours); seed 003 (T = 8·n_token·P/(n_GPU·p_GPU·usage); TFLOPs per second
from a measured iteration time). X = peak FLOP/s × MFU is a card's achieved throughput.
"""

from __future__ import annotations

from xlcompute.core.compute import iter_flops_megatron, train_flops_attn
from xlcompute.core.expr import Value, ceil, floor, if_, max_
from xlcompute.core.goodput import MIN_EFFECTIVE_RATIO
from xlcompute.core.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

__all__ = [
    "train_seconds",
    "step_seconds",
    "train_days",
    "gpu_hours",
    "card_days",
    "cards_for_days",
    "mfu_from_throughput",
    "mfu_from_iteration",
    "achieved_flops_per_card",
    "mfu_from_step",
    "mfu_in_use",
    "card_hours",
    "cards_for_deadline",
    "days_on_deadline_cards",
    "days_late",
    "at_other_mfu",
    "MIN_DEADLINE_DAYS",
    "MIN_OTHER_MFU",
]

MIN_DEADLINE_DAYS = 1e-6
"""Floor of the deadline inside :func:`cards_for_deadline`: with no deadline (0) the formula still
divides by a finite number (spreadsheets evaluate both branches of IF) and returns 0."""

MIN_OTHER_MFU = 1e-4
"""Floor of the MFU :func:`at_other_mfu` divides by (the sensitivity grid's smallest column)."""


def train_seconds(flops: Value, cards: Value, peak_flops: Value, mfu: Value) -> Value:
    """Wall-clock seconds t = C / (n · X · MFU) (seed 000 eq. (2), seed 003)."""
    return flops / (cards * peak_flops * mfu)


def step_seconds(params: Value, global_batch: Value, seq_len: Value, layers: Value, attn_width: Value,
                 cards: Value, peak_flops: Value, mfu: Value) -> Value:
    """Seconds of one optimizer step: the model FLOPs of one batch (B·s tokens,
    compute.train_flops_attn) at the cards' achieved throughput (seed 000 eq. (2) for one step).
    Run time ÷ steps gives the same number, but this form stays finite when no tokens are trained."""
    return train_seconds(train_flops_attn(params, global_batch * seq_len, seq_len, layers, attn_width),
                         cards, peak_flops, mfu)


def train_days(flops: Value, cards: Value, peak_flops: Value, mfu: Value) -> Value:
    """Wall-clock days, ``train_seconds / 86400`` (seed 001: GPT-3 on 1000 A100 ≈ 25.3 days)."""
    return flops / (cards * peak_flops * mfu * SECONDS_PER_DAY)


def gpu_hours(flops: Value, peak_flops: Value, mfu: Value) -> Value:
    """Card-hours C / (X · MFU · 3600) (seed 001: 60.67万 A100-hours for GPT-3)."""
    return flops / (peak_flops * mfu * SECONDS_PER_HOUR)


def card_days(flops: Value, peak_flops: Value, mfu: Value) -> Value:
    """Card-days C / (X · MFU · 86400) (seed 001: 2.53万 A100-days for GPT-3)."""
    return flops / (peak_flops * mfu * SECONDS_PER_DAY)


def cards_for_days(flops: Value, days: Value, peak_flops: Value, mfu: Value) -> Value:
    """Cards needed to finish in ``days``, rounded up: ⌈C / (t · X · MFU)⌉ (seed 000 eq. (2))."""
    return ceil(flops / (days * SECONDS_PER_DAY * peak_flops * mfu))


def mfu_from_throughput(
    tokens_per_s_per_card: Value, params: Value, peak_flops: Value, recompute: Value = 0
) -> Value:
    """Utilisation from measured tokens/s per card: 2·(3 + r)·P·tok/s / peak.

    With r = 0 this is model FLOPs utilisation (Chowdhery et al. 2022, App. B, without the
    attention term); r = 1 counts the recomputed forward too (hardware FLOPs utilisation).
    """
    return 2 * (3 + recompute) * params * tokens_per_s_per_card / peak_flops


def achieved_flops_per_card(
    iter_seconds: Value,
    batch: Value,
    seq_len: Value,
    layers: Value,
    hidden: Value,
    vocab: Value,
    cards: Value,
    recompute: Value = 0,
) -> Value:
    """Achieved FLOP/s per card from an iteration time (seed 003, AscendSpeed TFLOPs_per_second)."""
    return iter_flops_megatron(batch, seq_len, layers, hidden, vocab, recompute) / (iter_seconds * cards)


def mfu_from_iteration(
    iter_seconds: Value,
    batch: Value,
    seq_len: Value,
    layers: Value,
    hidden: Value,
    vocab: Value,
    cards: Value,
    peak_flops: Value,
    recompute: Value = 0,
) -> Value:
    """Utilisation from a measured iteration time: per-iteration FLOPs / (t · n · peak) (seed 003)."""
    return achieved_flops_per_card(iter_seconds, batch, seq_len, layers, hidden, vocab, cards, recompute) / peak_flops


def mfu_from_step(flops_per_step: Value, step_seconds: Value, cards: Value, peak_flops: Value) -> Value:
    """Utilisation of a step: FLOPs of the step / (step time · cards · peak) (Chowdhery et al.
    2022, App. B). With model FLOPs (compute.train_flops_attn, r = 0) this is MFU; with the
    recomputed FLOPs added it is the hardware FLOPs utilisation (HFU)."""
    return flops_per_step / (step_seconds * cards * peak_flops)


def mfu_in_use(assumed: Value, predicted: Value) -> Value:
    """The MFU the estimate uses: the assumed MFU when one is given (> 0), else the step-time
    model's prediction for the layout (Calculon-style, seed 004)."""
    return if_(assumed > 0, assumed, predicted)


def card_hours(seconds: Value, cards: Value) -> Value:
    """Card-hours the cluster is held for a run of ``seconds``: every card, working or idle,
    n · t / 3600. With no idle card this is seed 001's C/(X·MFU·3600)."""
    return cards * seconds / SECONDS_PER_HOUR


def cards_for_deadline(
    flops: Value,
    deadline_days: Value,
    peak_flops: Value,
    mfu: Value,
    ettr: Value,
    replica_cards: Value,
    cards_per_server: Value,
) -> Value:
    """Cards, in whole servers, that finish the run in ``deadline_days`` end to end: the working
    cards C / (t · X · MFU · ETTR) (seed 000 eq. 2 over calendar time, the estimate's train_days),
    in whole replicas of the layout (tp·cp·pp cards each), then in whole servers. 0 when no
    deadline is given (``deadline_days`` ≤ 0)."""
    days = max_(deadline_days, MIN_DEADLINE_DAYS)
    working = flops / (days * SECONDS_PER_DAY * peak_flops * mfu * max_(ettr, MIN_EFFECTIVE_RATIO))
    # Whole replicas first: dp = ⌊n/(tp·cp·pp)⌋ of the servers' cards must cover the working cards.
    cards = ceil(ceil(working / replica_cards) * replica_cards / cards_per_server) * cards_per_server
    return if_(deadline_days > 0, cards, 0)


def days_on_deadline_cards(
    flops: Value,
    cards: Value,
    deadline_days: Value,
    peak_flops: Value,
    mfu: Value,
    ettr: Value,
    replica_cards: Value,
) -> Value:
    """End-to-end days on the count :func:`cards_for_deadline` gives, at ``mfu`` and the ETTR of
    that count itself: t = C / (n_w · X · MFU · ETTR), n_w = ⌊n / (tp·cp·pp)⌋ · tp·cp·pp the cards
    whole replicas use (seed 000 eq. 2 over calendar time). The count takes the ETTR of a smaller
    first count (one correction); more cards fail more often, so where the ETTR falls steeply
    (a deadline no cluster meets) these days lie far above the deadline and show the count is no
    answer. 0 when no deadline is given (``deadline_days`` ≤ 0)."""
    # At least one replica, so the formula stays finite when the count is 0 (no deadline).
    working = floor(max_(cards, replica_cards) / replica_cards) * replica_cards
    days = flops / (working * peak_flops * mfu * max_(ettr, MIN_EFFECTIVE_RATIO)) / SECONDS_PER_DAY
    return if_(deadline_days > 0, days, 0)


def days_late(run_days: Value, deadline_days: Value) -> Value:
    """Days the run ends after its deadline, max(t − deadline, 0); 0 when no deadline is given."""
    return if_(deadline_days > 0, max_(run_days - deadline_days, 0), 0)


def at_other_mfu(value: Value, mfu: Value, other_mfu: Value) -> Value:
    """A run's time, or what grows with it (card-hours, rental cost), at another MFU: t ∝ 1/MFU
    (seed 000 eq. 2). The ETTR stays: failures and checkpoints depend on the cards, not the step."""
    return value * mfu / max_(other_mfu, MIN_OTHER_MFU)
