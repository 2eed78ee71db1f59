"""From step time to calendar time: failures, checkpoints, restarts and planned overhead.

A training job of n cards stops whenever one of them (or its host, link or software) fails; it
then restarts from the last checkpoint, losing the work since and the restart time. Checkpoints
cost time of their own. The effective training-time ratio (ETTR, Kokolis et al. 2025, "Revisiting
Reliability in Large-Scale Machine Learning Research Clusters", HPCA) is the share of calendar
time that advances the model; calendar time = step time / ETTR.

Sources:
- Failure rate: Llama 3 (Dubey et al. 2024, §3.3.4): 419 unexpected interruptions in a 54-day
  snapshot of pre-training on 16,384 H100 (47 more were planned), i.e. 1.97e-5 per card-hour.
- Checkpoint interval: Young 1974, "A first order approximation to the optimum checkpoint
  interval" (τ = √(2δM)); Daly 2006, "A higher order estimate of the optimum checkpoint interval
  for restart dumps", FGCS 22(3): the first-order optimum τ = √(2δ(M + R)) − δ and the expected
  wall time of a job under exponential failures, used here for the ratio.

The seeds (000–004) have no failure model: published GPU-hours include these losses and the
step-time model alone under-counts them (issue 11).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, exp, if_, max_, sqrt
from xlcompute.core.units import SECONDS_PER_HOUR

__all__ = [
    "LLAMA3_FAILURES_PER_CARD_HOUR",
    "LLAMA3_STORAGE_BYTES_PER_S_PER_CARD",
    "NO_FAILURES_PER_JOB_HOUR",
    "MIN_EFFECTIVE_RATIO",
    "MIN_PLANNING_ETTR",
    "job_mtbf_seconds",
    "checkpoint_bytes",
    "checkpoint_seconds",
    "young_daly_interval",
    "interval_in_use",
    "restart_seconds",
    "failure_ratio",
    "failure_ratio_first_order",
    "effective_ratio",
    "calendar_seconds",
    "interruptions",
]

LLAMA3_FAILURES_PER_CARD_HOUR = 419 / (54 * 24 * 16_384)
"""Job-interrupting failures per card-hour: 419 unexpected interruptions in 54 days on 16,384
H100 (Dubey et al. 2024, §3.3.4, Table 5), 1.97e-5 (one per 50,700 card-hours)."""

LLAMA3_STORAGE_BYTES_PER_S_PER_CARD = 2e12 / 16_384
"""Checkpoint write bandwidth per card: Llama 3's Tectonic storage sustains 2 TB/s (7 TB/s peak)
for 16,384 H100 (Dubey et al. 2024, §3.3.1), 122 MB/s per card."""


NO_FAILURES_PER_JOB_HOUR = 1e-12
"""The job failure rate a scenario without failures (λ = 0) is given: one in 10^12 job-hours, so
M stays a finite number (3.6e15 s) and every later formula its limit without failures."""

MIN_PLANNING_ETTR = 0.01
"""Below this ETTR a job trains less than 1% of its calendar time: its figures are artefacts of an
input, not a plan, so the estimate and LLM_ETTR refuse it and name the inputs that cause it."""

MIN_EFFECTIVE_RATIO = 1e-9
"""Floor of the ETTR when calendar time divides by it: a job that almost never trains gets a huge,
finite calendar time (the estimate refuses such a scenario; other card counts may reach it)."""


def job_mtbf_seconds(failures_per_card_hour: Value, cards: Value) -> Value:
    """Mean time between job interruptions M = 1 / (λ · n), in seconds: any card's failure stops a
    synchronous job, so the job's failure rate is the sum over its cards (Kokolis et al. 2025,
    §V: MTTF falls as 1/n). λ = 0 (no failures) takes :data:`NO_FAILURES_PER_JOB_HOUR`."""
    return SECONDS_PER_HOUR / max_(failures_per_card_hour * cards, NO_FAILURES_PER_JOB_HOUR)


def checkpoint_bytes(params: Value, param_bytes: Value, optimizer_bytes: Value) -> Value:
    """Bytes of one checkpoint: the weights and the optimizer states, P·(a + b) (seed 000's a and
    b); gradients and activations are not saved."""
    return params * (param_bytes + optimizer_bytes)


def checkpoint_seconds(ckpt_bytes: Value, cards: Value, bytes_per_s_per_card: Value) -> Value:
    """Time δ to write (or read) a checkpoint: every card writes its shard in parallel, so the
    storage's aggregate bandwidth sets the pace (Llama 3 §3.3.1: checkpoint bursts saturate it)."""
    return ckpt_bytes / (cards * bytes_per_s_per_card)


def young_daly_interval(ckpt_s: Value, mtbf_s: Value, restart_s: Value) -> Value:
    """Compute time between checkpoints that loses the least, τ = √(2δ(M + R)) − δ (Daly 2006,
    first order; Young 1974 without R), and at least δ so a slow checkpoint never makes τ < 0."""
    return max_(sqrt(2 * ckpt_s * (mtbf_s + restart_s)) - ckpt_s, ckpt_s)


def interval_in_use(interval_given_s: Value, optimum_s: Value) -> Value:
    """The scenario's checkpoint interval when given (> 0), else the Young–Daly optimum."""
    return if_(interval_given_s > 0, interval_given_s, optimum_s)


def restart_seconds(fixed_s: Value, ckpt_s: Value) -> Value:
    """Time R from a failure to training again: detection, rescheduling and start-up (the fixed
    part, an assumption the scenario may change) plus reading the checkpoint back (δ)."""
    return fixed_s + ckpt_s


def failure_ratio(interval_s: Value, ckpt_s: Value, restart_s: Value, mtbf_s: Value) -> Value:
    """Share of wall time that advances the model despite failures and checkpoints: τ over the
    expected wall time of one segment, M·e^(R/M)·(e^((τ+δ)/M) − 1) (Daly 2006: exponential
    failures, failures during restarts included). Exact for that model and never negative, so it
    holds where the first-order form breaks down (job MTBF near the checkpoint interval).

    Written as τ/(τ+δ) · e^(−R/M) · x/(e^x − 1) with x = (τ+δ)/M, the same number, so that neither
    rare failures (x → 0, where e^x − 1 cancels to 0) nor very frequent ones (e^(R/M) overflows)
    break the arithmetic: the ratio tends to τ/(τ+δ) and to 0 respectively."""
    x = (interval_s + ckpt_s) / mtbf_s
    return interval_s / (interval_s + ckpt_s) * exp(-restart_s / mtbf_s) * _x_over_expm1(x)


def _x_over_expm1(x: Value) -> Value:
    """x / (e^x − 1), 1 − x/2 below x = 10⁻⁶ (the series' next term is x²/12), and for larger x
    x·e^(−x) / (1 − e^(−x)), which tends to 0 instead of overflowing. Both branches are finite
    everywhere, as the spreadsheet's IF evaluates both."""
    return if_(x < 1e-6, 1 - x / 2, x * exp(-x) / max_(1 - exp(-x), 1e-300))


def failure_ratio_first_order(interval_s: Value, ckpt_s: Value, restart_s: Value, mtbf_s: Value) -> Value:
    """The textbook first-order form, τ/(τ+δ) · (1 − (R + (τ+δ)/2)/M): each failure costs the
    restart and half a segment on average (Young 1974). Kept for comparison: it goes negative
    when M is small, where :func:`failure_ratio` stays meaningful."""
    return interval_s / (interval_s + ckpt_s) * (1 - (restart_s + (interval_s + ckpt_s) / 2) / mtbf_s)


def effective_ratio(failure_ratio_: Value, planned_overhead: Value) -> Value:
    """ETTR: the failure ratio times the share of time not taken by planned work the step model
    does not see (evaluation, maintenance, data and stage switches; Kokolis et al. 2025, §VI)."""
    return failure_ratio_ * (1 - planned_overhead)


def calendar_seconds(step_seconds_total: Value, ratio: Value) -> Value:
    """Calendar time of the run: the time of its steps divided by the ETTR (at least
    :data:`MIN_EFFECTIVE_RATIO`, so a job that never trains gets a finite, huge time)."""
    return step_seconds_total / max_(ratio, MIN_EFFECTIVE_RATIO)


def interruptions(calendar_s: Value, mtbf_s: Value) -> Value:
    """Expected unplanned interruptions over the run, t / M."""
    return calendar_s / mtbf_s
