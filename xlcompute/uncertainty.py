"""Ranges of an estimate: a seeded Monte Carlo and a tornado table over the uncertain inputs.

The estimate gives one number per figure; a plan is uncertain in its MFU, its failure rate, its
prices and the day training can start. :func:`analyse` draws those inputs (N draws, the scenario's
``uncertainty`` section) and runs the estimate's own graph **once** with arrays of the draws, so
every draw is the same formula as the estimate's single value, and reports P10 / P50 / P90 of
the training days (end to end), the days to a trained model (with the delivery delay), the
training cost and the total budget. The tornado table moves one input at a time to its P10 and
P90, again one array evaluation of the graph.

The distributions (``core.spread``, each with its source):

- MFU: lognormal around the estimate's MFU (the scenario's, or the step-time model's), σ from the
  held-out end-to-end error of ``xlcompute validate``; capped at 1;
- failure rate (goodput / ETTR): lognormal around the scenario's rate;
- server price, rent per card-hour, electricity: triangular (1 − s, 1, 1 + s) × the scenario's price,
  drawn independently;
- delivery delay: triangular (0, likeliest, largest) days added before training starts;
- serving speed (a factor on the inference model's fitted efficiencies): lognormal around 1, σ from
  the held-out serving throughput error; it moves the serving cards, reported apart (the tornado
  and the budget range keep the cluster's cards, which a plan buys once).

Draws are independent; correlations between them (a slow software stack also failing more) are
not modelled. The estimate stays as fast as before: the faces that show ranges call
:func:`analyse` (a few ms for 10,000 draws; ``benchmarks/bench_uncertainty.py``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from xlcompute._graph import GRAPH
from xlcompute.core import spread
from xlcompute.estimate import Estimate

__all__ = [
    "Distribution",
    "ServingRange",
    "Percentiles",
    "TornadoRow",
    "UncertaintyReport",
    "analyse",
    "distributions",
    "prediction_side",
    "RANGE_KEYS",
    "TORNADO_KEYS",
]

_GRAPH_KEYS = ("train_days", "gpu_hours", "train_cost", "total_budget")
RANGE_KEYS: tuple[str, ...] = ("train_days", "days_to_model", "train_cost", "total_budget")
"""Figures with P10/P50/P90: training days end to end, days to the trained model (delivery delay
included), the training cost at the rent per card-hour and the total budget of the owned cluster."""

TORNADO_KEYS: tuple[str, ...] = ("mfu", "failures_per_card_hour", "delivery_delay_days", "server_price",
                                 "price_per_gpu_hour", "electricity_per_kwh")
"""The uncertain inputs, in the order of :func:`distributions`."""

_PERCENTILES = (10.0, 50.0, 90.0)


class Distribution(BaseModel):
    """One uncertain input: its distribution, its P10/P90 and where the spread comes from."""

    model_config = ConfigDict(frozen=True)
    key: str = Field(description="graph input (or 'delivery_delay_days', added to the training days)")
    kind: Literal["lognormal", "triangular"]
    base: float = Field(description="the estimate's value (lognormal median; triangular likeliest)")
    sigma: float | None = Field(None, description="lognormal: σ of ln(value)")
    low: float | None = Field(None, description="triangular: least value")
    high: float | None = Field(None, description="triangular: largest value")
    p10: float
    p90: float
    ceiling: float | None = Field(None, description="values above are capped (MFU ≤ 1)")
    source: str


class Percentiles(BaseModel):
    """P10 / P50 / P90 of one figure over the draws, next to the estimate's own value."""

    model_config = ConfigDict(frozen=True)
    key: str
    point: float = Field(description="the estimate's value (days to model: with the likeliest delay)")
    p10: float
    p50: float
    p90: float


class TornadoRow(BaseModel):
    """One input at its P10 and at its P90, every other input at the estimate's value."""

    model_config = ConfigDict(frozen=True)
    key: str
    low: float = Field(description="the input at its P10")
    high: float = Field(description="the input at its P90")
    days_low: float = Field(description="days to the trained model with the input at its P10")
    days_high: float
    budget_low: float = Field(description="total budget with the input at its P10")
    budget_high: float
    train_cost_low: float = Field(description="training cost (rent) with the input at its P10")
    train_cost_high: float

    @property
    def days_swing(self) -> float:
        return abs(self.days_high - self.days_low)

    @property
    def budget_swing(self) -> float:
        return abs(self.budget_high - self.budget_low)


class ServingRange(BaseModel):
    """The serving cards when the inference model's speed is drawn around its estimate (a factor on its
    fitted efficiencies, lognormal with ``uncertainty.serving_sigma``), and the share of those draws whose
    fleet fits the cluster's cards."""

    model_config = ConfigDict(frozen=True)
    speed: Distribution
    cards: Percentiles
    chance: float = Field(description="share of the draws needing at most the cluster's cards")
    cluster_cards: int


class UncertaintyReport(BaseModel):
    """The ranges of an estimate: percentiles over ``draws`` seeded draws, the distributions used
    (with sources) and the tornado table (inputs sorted by their swing of days, then of budget)."""

    draws: int
    seed: int
    percentiles: dict[str, Percentiles]
    distributions: list[Distribution]
    tornado: list[TornadoRow]
    base_days_to_model: float = Field(description="training days + the likeliest delivery delay")
    deadline_chance: float | None = Field(
        None, description="share of the draws whose training days end to end meet training.deadline_days (None: "
        "no deadline); the check on the deadline's margin, which leaves out the failure rate's spread")
    serving: ServingRange | None = Field(None, description="the serving cards over draws of the inference model's "
                                                           "speed (None: no serving users)")


def prediction_side(result: Estimate, rep: UncertaintyReport) -> int:
    """Where the step-time model's own end-to-end days lie against the days' P10–P90 when the scenario assumes an
    MFU (the range is drawn around that MFU): +1 above the P90, −1 below the P10, 0 inside or with no MFU assumed.
    The default plan's 42.0 days at the predicted 25.4 % lie above its P90 of 41.0; the CLI and the proposal say so."""
    if result["mfu_assumed"] <= 0:
        return 0
    days, p = result["train_days_predicted_mfu"], rep.percentiles["train_days"]
    return 1 if days > p.p90 else -1 if days < p.p10 else 0


def _lognormal(key: str, base: float, sigma: float, source: str, ceiling: float | None = None) -> Distribution:
    lo, hi = (float(spread.lognormal_quantile(base, sigma, z)) for z in (-spread.Z_P90, spread.Z_P90))
    if ceiling is not None:
        lo, hi = float(spread.capped(lo, ceiling)), float(spread.capped(hi, ceiling))
    return Distribution(key=key, kind="lognormal", base=base, sigma=sigma, p10=lo, p90=hi, ceiling=ceiling,
                        source=source)


def _triangular(key: str, low: float, mode: float, high: float, source: str) -> Distribution:
    p10, p90 = (float(spread.triangular_quantile(u, low, mode, high)) for u in (0.1, 0.9))
    return Distribution(key=key, kind="triangular", base=mode, low=low, high=high, p10=p10, p90=p90, source=source)


def distributions(result: Estimate) -> list[Distribution]:
    """The distribution of each uncertain input of an estimate (its scenario's ``uncertainty``)."""
    u = result.scenario.uncertainty
    def src(field: str, default: str) -> str:
        return f"scenario: uncertainty.{field}" if field in u.model_fields_set else default

    mfu_src = src("mfu_sigma", "default σ 0.336: RMS of ln(predicted/published card-hours) over the first 23 held-out "
                               "end-to-end runs of xlcompute validate as first predicted, before they were fitted on "
                               "(docs/validation.md, issue 11; the later held-out sets scatter more)")
    fail_src = src("failure_rate_sigma", "default σ 0.541 (P10-P90 half to twice the rate): planning assumption "
                                         "around Llama 3's one published rate (Dubey et al. 2024 §3.3.4)")
    price_src = src("price_spread", "default ±15 %: AACE International RP 18R-97, Class 3 estimate range")
    delay_src = src("delivery_delay_days", "default likeliest 14 days, at most 60: planning assumption")
    s = u.price_spread
    out = [
        _lognormal("mfu", result["mfu"], u.mfu_sigma, mfu_src, ceiling=1.0),
        _lognormal("failures_per_card_hour", result["failures_per_card_hour"], u.failure_rate_sigma, fail_src),
        _triangular("delivery_delay_days", 0.0, u.delivery_delay_days, u.delivery_delay_max_days, delay_src),
    ]
    for key in ("server_price", "price_per_gpu_hour", "electricity_per_kwh"):
        base = result[key]
        out.append(_triangular(key, base * (1 - s), base, base * (1 + s), price_src))
    return out


def _sample(d: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of one input (inverse-transform sampling through the core's quantile functions)."""
    if d.kind == "lognormal":
        x = spread.lognormal_quantile(d.base, d.sigma, rng.standard_normal(n))
        return x if d.ceiling is None else spread.capped(x, d.ceiling)
    return spread.triangular_quantile(rng.random(n), d.low, d.base, d.high)


def _run(inputs: dict[str, float], varied: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The graph once over arrays of the varied inputs (the delay is not a graph input)."""
    graph_inputs = {k: v for k, v in varied.items() if k != "delivery_delay_days"}
    out = GRAPH.run({**inputs, **graph_inputs}, list(_GRAPH_KEYS))
    n = len(next(iter(varied.values())))
    res = {k: np.broadcast_to(np.asarray(out[k], dtype=float), (n,)) for k in _GRAPH_KEYS}
    res["days_to_model"] = spread.days_to_model(res["train_days"], varied["delivery_delay_days"])
    return res


def analyse(result: Estimate) -> UncertaintyReport:
    """P10/P50/P90 and the tornado table of an estimate (the scenario's ``uncertainty`` section):
    two array evaluations of the graph, never a loop over draws."""
    u = result.scenario.uncertainty
    dists = distributions(result)
    inputs = {k: v.value for k, v in result.inputs.items()}
    # The resolved MFU (scenario's or predicted) is the graph's "mfu" step; giving it skips the
    # step-time prediction, which the MFU draws replace.
    rng = np.random.default_rng(u.seed)
    draws = _run(inputs, {d.key: _sample(d, rng, u.draws) for d in dists})
    q = {k: np.percentile(draws[k], _PERCENTILES) for k in RANGE_KEYS}
    point = {k: result[k] for k in _GRAPH_KEYS if k != "gpu_hours"}
    point["days_to_model"] = float(spread.days_to_model(result["train_days"], u.delivery_delay_days))
    percentiles = {k: Percentiles(key=k, point=point[k], p10=float(q[k][0]), p50=float(q[k][1]), p90=float(q[k][2]))
                   for k in RANGE_KEYS}

    # Tornado: 2 rows per input (P10, P90), every other input at its base value.
    m = len(dists)
    varied = {d.key: np.full(2 * m, d.base) for d in dists}
    for i, d in enumerate(dists):
        varied[d.key][2 * i], varied[d.key][2 * i + 1] = d.p10, d.p90
    t = _run(inputs, varied)
    rows = [TornadoRow(key=d.key, low=d.p10, high=d.p90,
                       days_low=float(t["days_to_model"][2 * i]), days_high=float(t["days_to_model"][2 * i + 1]),
                       budget_low=float(t["total_budget"][2 * i]), budget_high=float(t["total_budget"][2 * i + 1]),
                       train_cost_low=float(t["train_cost"][2 * i]),
                       train_cost_high=float(t["train_cost"][2 * i + 1]))
            for i, d in enumerate(dists)]
    rows.sort(key=lambda r: (-r.days_swing, -r.budget_swing, -abs(r.train_cost_high - r.train_cost_low)))
    deadline = result["deadline_days"] if result.trains else 0.0
    chance = float(np.mean(draws["train_days"] <= deadline)) if deadline > 0 else None
    # After the other draws, so that adding it moved none of them.
    serving = _serving_range(result, inputs, rng) if result.serves else None
    return UncertaintyReport(draws=u.draws, seed=u.seed, percentiles=percentiles, distributions=dists,
                             tornado=rows, base_days_to_model=point["days_to_model"], deadline_chance=chance,
                             serving=serving)


def _serving_range(result: Estimate, inputs: dict[str, float], rng: np.random.Generator) -> ServingRange:
    """The serving cards over ``draws`` draws of the speed factor: one array evaluation of the graph."""
    u = result.scenario.uncertainty
    src = ("scenario: uncertainty.serving_sigma" if "serving_sigma" in u.model_fields_set else
           f"default σ {spread.SERVING_LOG_SIGMA:g}: RMS of ln(predicted/published throughput) over the {spread.SERVING_LOG_SIGMA_POINTS} held-out serving points of "
           "xlcompute validate --serving (issue 16)")
    speed = _lognormal("serving_speed_factor", 1.0, u.serving_sigma, src)
    factor = _sample(speed, rng, u.draws)
    cards = np.broadcast_to(np.asarray(GRAPH.run({**inputs, "serving_speed_factor": factor}, ["serving_cards"])
                                       ["serving_cards"], dtype=float), (u.draws,))
    p10, p50, p90 = (float(x) for x in np.percentile(cards, _PERCENTILES))
    have = int(result["gpu_count"])
    return ServingRange(speed=speed, cards=Percentiles(key="serving_cards", point=result["serving_cards"], p10=p10,
                                                       p50=p50, p90=p90),
                        chance=float(np.mean(cards <= have)), cluster_cards=have)
