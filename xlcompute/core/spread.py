"""Distributions of uncertain planning inputs, as quantile functions.

The Monte Carlo of :mod:`xlcompute.uncertainty` turns uniform or standard-normal draws into input
values with these functions; the tornado table takes each input at its P10 and P90 with the same
functions, so the Python tornado and the workbook's tornado cells share one definition (called
with numbers, NumPy arrays or cell references, like every core formula).

- Lognormal factor around a median: ``median · e^(σ·z)`` with z standard normal (the quantile
  function of a lognormal whose log has mean ln(median) and standard deviation σ). Used where the
  error is multiplicative and one-sided bounds make no sense (MFU, failure rate).
- Triangular(low, mode, high): the inverse of its CDF (e.g. Kotz & van Dorp 2004, "Beyond Beta",
  ch. 1). Used for prices and delays, where a planner states a least, a likeliest and a largest
  value.
"""

from __future__ import annotations

from xlcompute.core.expr import Value, ceil, exp, if_, max_, min_, norm_s_inv, sqrt

__all__ = ["Z_P90", "MFU_LOG_SIGMA", "FAILURE_RATE_LOG_SIGMA", "PRICE_SPREAD", "DELIVERY_DELAY_DAYS",
           "DELIVERY_DELAY_MAX_DAYS", "DEADLINE_CONFIDENCE", "SERVING_LOG_SIGMA", "SERVING_LOG_SIGMA_POINTS",
           "RANGE_COVERAGE_RECORDED",
           "CARD_END_TO_END_RECORDED", "times_predicted",
           "RANGE_COVERAGE_WARN", "range_is_narrow", "CONFIDENCE_MAX", "lognormal_quantile", "triangular_quantile", "capped",
           "days_to_model", "confidence_margin", "planned_serving_cards", "deadline_plan_days", "SERVING_CONFIDENCE"]

Z_P90 = 1.2815515655446004
"""The standard normal's 90th percentile (−Z_P90 is its 10th): P10/P90 of a lognormal factor."""

MFU_LOG_SIGMA = 0.336
"""Standard deviation of ln(MFU) around the plan's MFU: the root-mean-square of ln(predicted /
published card-hours) over the 23 held-out end-to-end runs of ``data/validation/end_to_end.yaml``
as first predicted (docs/validation.md, issue 11: median |error| 23.3 %, max 51.2 %, median signed
−15 %). Card-hours scale as 1/MFU, so that error is an MFU error; the RMS about 0 folds the tool's
median optimism (−0.19 in ln) into a spread centred on the plan (standard deviation about the mean
alone: 0.279). P10–P90 of the factor: ×0.65 to ×1.54. Not widened to the second set's 0.97
(``end_to_end_2.yaml``, 17 mostly small or old-stack runs, three of them 70–95 % off): a planning
range that wide says nothing; docs/validation.md reports both."""

FAILURE_RATE_LOG_SIGMA = 0.541
"""Standard deviation of ln(failure rate): ln 2 / Z_P90, so P10–P90 is ½× to 2× the scenario's rate.
Planning assumption: the default rate rests on one published run (Llama 3, Dubey et al. 2024
§3.3.4), and failure rates per card differ between clusters and over a cluster's life (Kokolis et
al. 2025, HPCA, two A100 clusters of one operator)."""

PRICE_SPREAD = 0.15
"""Half-width of the triangular price factor (1 − s, 1, 1 + s) for the server price, the rent per
card-hour and electricity: ±15 %, the middle of the AACE International Recommended Practice
18R-97 Class 3 range (budget authorisation: −10 to −20 % low, +10 to +30 % high). Set 0 with firm
quotes."""

DELIVERY_DELAY_DAYS = 14.0
"""Likeliest delivery delay, days between the planned and the actual start of training (servers,
network and acceptance tests late). Planning assumption; replace with the supplier's terms."""

DELIVERY_DELAY_MAX_DAYS = 60.0
"""Largest delivery delay of the triangular(0, likeliest, largest) distribution, days. Planning
assumption (two months); replace with the supplier's terms."""

SERVING_LOG_SIGMA = 0.195
"""Standard deviation of ln(serving speed) around the inference model's estimate: the root-mean-square
of ln(predicted / published throughput) over the :data:`SERVING_LOG_SIGMA_POINTS` held-out throughput
points of the pre-registered serving sets (``xlcompute validate --serving``; first predictions and
post-hoc figures pooled, as the issue-16 figure is; mean |error| 14.6 %, mean ln +0.043). The serving
cards scale about as its inverse. P10–P90 of the factor: ×0.78 to ×1.28. TPOT's held-out points spread
wider (their outliers a runtime the model does not cover): throughput is what sizes a fleet for its
demand. 0.196 over 753 points until 2026-12-05, then 0.185 over 737 when the 16 points the serving
grouped-GEMM efficiency is fitted on left the pool, then 0.195 over 755 with serving_runs_23.yaml's 18
Hunyuan-A13B H20 points (first prediction, 30.5 %)."""

SERVING_LOG_SIGMA_POINTS = 755
"""The held-out throughput points :data:`SERVING_LOG_SIGMA` is computed on (a test recomputes both)."""

RANGE_COVERAGE_RECORDED = {"runs": 32, "inside": 19, "above": 9, "below": 4}
"""How often the P10–P90 range of end-to-end days (:data:`MFU_LOG_SIGMA` and the failure rate's
spread) held the published card-hours of a held-out run: 19 of the 32 of ``end_to_end_2.yaml``,
``end_to_end_3.yaml`` and ``end_to_end_4.yaml`` (59 %), 9 runs above their P90 and 4 below their
P10, as ``xlcompute validate`` recorded it on 2026-12-05 (``EndToEndSets.held_out_coverage``; 15 of
the 25 before the fourth set; 10 above and 3 below before the interleaved schedule's data-parallel
windows). A range that is right holds 80 %.
Kept here for the faces that cannot afford to run the sets (``xlcompute estimate``); a test holds it
equal to the live figure, so a change that moves it fails there."""

CARD_END_TO_END_RECORDED: dict[str, tuple[int, float]] = {"V100": (3, -84.0), "MI250X": (2, -66.7)}
"""Per card that no step time calibrates (its kernel constants extrapolated, no held-out step-time run
measured on it) and on which the held-out end-to-end sets have published pre-training runs: how many,
and the median of predicted / published card-hours − 1 (%), as ``xlcompute validate`` recorded them
on 2026-12-05 (the V100's three runs of ``end_to_end_2.yaml`` to ``end_to_end_4.yaml`` took about
6.3 times the card-hours predicted (6.4 with −84.4 % before the interleaved schedule's data-parallel windows), the MI250X's two HPLT runs about 3.0 times; 3.1 with −67.6 % before the
interleaved schedule's data-parallel windows). The proposal reads
a plan on such a card against the live runs (``report.context.validation.card_end_to_end_runs``);
the faces that cannot afford to run the sets (``xlcompute estimate``, ``xlcompute compare``,
``LLM_COMPARE``, the workbook's Compare sheet) quote this record, and a test holds it equal to the
live figures for every catalog card."""

def times_predicted(signed_error_pct: Value) -> Value:
    """How many times the predicted card-hours the published runs took, from their signed error
    (predicted / published − 1, in %): 1 / (1 + e/100). −67.6 % is 3.1 times."""
    return 1 / (1 + signed_error_pct / 100)


RANGE_COVERAGE_WARN = 0.70
"""Below this share of held-out runs inside their P10–P90 (and with runs above the P90), the faces
call the range narrower than its label and say to read the P90 as a likely outcome, not a ceiling.
With 32 runs a right range's share has a standard error of about 7 points (√(0.8 · 0.2 / 32)): 70 %
is 1.4 of them below 80 %; the recorded 59 % is 3 below."""

def range_is_narrow(inside: int, runs: int, above: int) -> bool:
    """The faces' rule for a P10–P90 range narrower than its label: fewer than :data:`RANGE_COVERAGE_WARN`
    of ``runs`` held-out runs inside it, some of them above its P90 (a plain-Python rule of presentation,
    not a graph formula)."""
    return runs > 0 and inside / runs < RANGE_COVERAGE_WARN and above > 0


CONFIDENCE_MAX = 0.99
"""Largest confidence a plan may be sized to (training.deadline_confidence, serving.confidence): beyond it the
lognormal tail, fitted on a few hundred points at most, says nothing."""

SERVING_CONFIDENCE = 0.5
"""Default share of the inference model's speed range whose serving cards the fleet holds: 0.5, the
estimate itself. 0.9 plans the P90 of the serving cards (:func:`planned_serving_cards`)."""

DEADLINE_CONFIDENCE = 0.5
"""Default share of the MFU range within which a deadline counts as met: 0.5, the estimate itself (the
median of its lognormal MFU). A committee that wants the run to finish in time at P90 sets 0.9."""

_TINY = 1e-300  # a zero-width triangle (spread 0) divides by this, not by zero


def lognormal_quantile(median: Value, sigma: Value, z: Value) -> Value:
    """The value of a lognormal input at standard-normal score z: median · e^(σ·z)."""
    return median * exp(sigma * z)


def triangular_quantile(u: Value, low: Value, mode: Value, high: Value) -> Value:
    """The value of a triangular(low, mode, high) input at probability u (0-1): the inverse CDF,
    low + √(u·(high−low)·(mode−low)) below F(mode) = (mode−low)/(high−low), else
    high − √((1−u)·(high−low)·(high−mode)). A zero-width triangle gives its one value."""
    width = high - low
    f_mode = (mode - low) / max_(width, _TINY)
    return if_(u < f_mode, low + sqrt(u * width * (mode - low)), high - sqrt((1 - u) * width * (high - mode)))


def capped(value: Value, ceiling: Value) -> Value:
    """A drawn share kept at most ``ceiling`` (an MFU above 1 is not a utilisation)."""
    return min_(value, ceiling)


def days_to_model(train_days: Value, delay_days: Value) -> Value:
    """Calendar days from the planned start to the trained model: the delivery delay (days before
    training can start) plus the training run's end-to-end days."""
    return delay_days + train_days


def confidence_margin(confidence: Value, sigma: Value) -> Value:
    """How far a plan sized on an estimate must lean so that a lognormal error with σ of ln still leaves
    it on the right side at the ``confidence`` quantile: e^(σ·z), z the standard normal's score at
    ``confidence``; 1 at 0.5, and at 0.9 and σ 0.336, 1.538.

    A deadline: training time is work / (cards · peak · MFU · ETTR) (seed 000 eq. 2), so a lognormal
    MFU (:data:`MFU_LOG_SIGMA`) makes the days lognormal with the same σ around the estimate; their
    q-quantile is the estimate · e^(σ·z_q), and the estimate must be that many times shorter than the
    deadline. The failure rate's spread is left out (it moves the ETTR by a few points).

    A serving fleet: its cards scale about as the inverse of the inference model's speed
    (:data:`SERVING_LOG_SIGMA`), so its q-quantile is about the estimate's cards · e^(σ·z_q).

    The Monte Carlo (:mod:`xlcompute.uncertainty`) reports the share of its draws that actually meet
    the deadline or the demand."""
    return exp(sigma * norm_s_inv(confidence))


def planned_serving_cards(cards: Value, margin: Value, replica_size: Value) -> Value:
    """The serving cards a fleet planned at a confidence holds: the estimate's cards times
    :func:`confidence_margin`, in whole replicas, ⌈n · m / r⌉ · r (n at a margin of 1).

    It is at or above the Monte Carlo's quantile of the serving cards: the speed factor f scales the
    fitted efficiencies but not the per-step fixed times, so a replica's throughput at f < 1 is at
    least f times the estimate's and its cards at most n / f; the plan reads n · e^(σ·z), the bound.
    Rounded to replicas because a fleet holds whole model replicas (seed 000's serving count is per replica)."""
    return ceil(cards * margin / replica_size) * replica_size


def deadline_plan_days(deadline_days: Value, margin: Value) -> Value:
    """The end-to-end days a plan's estimate must not exceed for its deadline to count as met at the
    chosen confidence: deadline / :func:`confidence_margin` (0 when no deadline is given)."""
    return deadline_days / margin
