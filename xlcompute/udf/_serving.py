"""Excel functions for inference: FLOPs, cards for a load, cost per request and per 1,000
tokens, the decode bound (:mod:`xlcompute.core.serving`, seed 000's forms), and the inference step
model's time to first token and time per output token (:mod:`xlcompute.core.inference` through
:func:`xlcompute.serving_model.replica_figures`, the composition the estimate's sizer uses)."""

from __future__ import annotations

import functools
import math
from typing import Any

from xlcompute import _udf_args as a
from xlcompute import catalog
from xlcompute.core import compute, memory, serving, spread, units
from xlcompute.udf._models import active_params, preset, preset_or_size
from xlcompute.udf._register import PARAMS, PARAMS_ACTIVE, PEAK, PRICE_HOUR, UTIL, excel

__all__ = [
    "LLM_INFER_FLOPS",
    "LLM_INFER_CHIPS",
    "LLM_INFER_COST",
    "LLM_COST_PER_1K_TOKENS",
    "LLM_DECODE_TOKENS_PER_S",
    "LLM_TTFT",
    "LLM_TPOT",
    "LLM_SERVING_CARDS",
    "LLM_SERVING_COST",
]


@excel({"params": PARAMS_ACTIVE, "tokens": "Tokens processed (input + output)."})
def LLM_INFER_FLOPS(params: Any, tokens: Any) -> float:
    """Inference compute 2·P·T FLOPs over input and output tokens (seed 000 eq. 10); a model name
    gives P its parameters active per token."""
    return float(_serving_flops(params, tokens))


@functools.lru_cache(maxsize=1)
def _serving_utilization_default() -> float:
    """The scenario's ``serving.utilization`` default, read not copied: an empty utilization cell gives the
    estimate's FLOPs-only serving figure (its serving_cards_flops), not the seed's peak (3× fewer cards)."""
    from xlcompute.scenario import ServingDemand

    return float(ServingDemand.model_fields["utilization"].default)


def _utilization(value: Any) -> float:
    # The schema is read only for an empty cell: a typed utilization needs no import.
    return _serving_utilization_default() if a.is_empty(value) else a.fraction(value, "utilization")


_USERS = 'Concurrent users: 2000, "2000人" or "2万"; each sends a request every seconds_per_request.'
_SECONDS_PER_REQUEST = ("Seconds between one user's requests: a load of users / seconds_per_request requests per "
                        "second, as in LLM_INFER_CHIPS. The latency targets are ttft_s and tpot_s.")


def _serving_flops(params_: Any, tokens: Any, name: str = "tokens") -> float:
    """2·P·T from the cells (shared by the serving functions)."""
    return float(compute.infer_flops(active_params(params_), a.positive(tokens, name)))


@excel(
    {
        "users": _USERS,
        "params": PARAMS_ACTIVE,
        "tokens_per_request": "Tokens per request (input + output).",
        "seconds_per_request": "Seconds per request of one user (seed 000's t): each user is served a request every "
                               "seconds_per_request, a load of users / seconds_per_request requests per second, as in "
                               "LLM_SERVING_CARDS. A throughput, not a latency target.",
        "peak_tflops": PEAK,
        "utilization": UTIL,
    }
)
def LLM_INFER_CHIPS(
    users: Any,
    params: Any,
    tokens_per_request: Any,
    seconds_per_request: Any,
    peak_tflops: Any,
    utilization: Any = None,
) -> float:
    """GPUs for concurrent users by FLOPs alone, ⌈users × 2P·tokens / (peak × utilization × seconds)⌉
    (seed 000 eq. 11, rounded up), utilization by default the estimate's; LLM_SERVING_CARDS sizes with
    the inference model."""
    return float(
        serving.infer_cards(
            a.users(users),
            _serving_flops(params, tokens_per_request, "tokens_per_request"),
            a.peak_flops(peak_tflops),
            a.positive(seconds_per_request, "seconds_per_request", unit="seconds"),
            _utilization(utilization),
        )
    )


@excel(
    {
        "params": PARAMS_ACTIVE,
        "tokens": "Tokens of the request (input + output).",
        "peak_tflops": PEAK,
        "price_per_hour": PRICE_HOUR,
        "utilization": UTIL,
    }
)
def LLM_INFER_COST(params: Any, tokens: Any, peak_tflops: Any, price_per_hour: Any, utilization: Any = None) -> float:
    """Compute cost of one request: GPU-seconds 2P·T / (peak × utilization) × price per GPU-hour /
    3600 (refined seed 000 eq. 12). In the price's currency."""
    return float(
        serving.cost_per_request(
            _serving_flops(params, tokens),
            a.peak_flops(peak_tflops),
            a.price(price_per_hour, "price_per_hour"),
            _utilization(utilization),
        )
    )


@excel({"params": PARAMS_ACTIVE, "peak_tflops": PEAK, "price_per_hour": PRICE_HOUR, "utilization": UTIL})
def LLM_COST_PER_1K_TOKENS(params: Any, peak_tflops: Any, price_per_hour: Any, utilization: Any = None) -> float:
    """Compute cost of 1,000 tokens: 1000 × 2P / (peak × utilization) GPU-seconds × price per
    GPU-hour / 3600. In the price's currency."""
    return float(
        serving.cost_per_1k_tokens(
            active_params(params),
            a.peak_flops(peak_tflops),
            a.price(price_per_hour, "price_per_hour"),
            _utilization(utilization),
        )
    )


@excel(
    {
        "params": PARAMS,
        "gpu_or_hbm_tbps": 'A card name such as "H800" (its HBM bandwidth), or HBM bandwidth in TB/s.',
        "bytes_per_param": "Optional. Bytes per weight; default 2 (bf16); 1 for fp8/int8.",
        "batch": "Optional. Sequences decoded together; default 1.",
    }
)
def LLM_DECODE_TOKENS_PER_S(
    params: Any, gpu_or_hbm_tbps: Any, bytes_per_param: Any = None, batch: Any = None
) -> float:
    """Upper bound on decode tokens/s of one replica: batch × HBM bandwidth / (P × bytes); the
    weights are read once per step. Tokens per second."""
    bandwidth = units.tera(
        a.card_or_number(
            gpu_or_hbm_tbps, "gpu_or_hbm_tbps", "TB/s", lambda card: card.hbm_bandwidth_bytes_per_s / units.TB
        )
    )
    return float(
        serving.decode_tokens_per_s(
            a.param_count(params),
            bandwidth,
            a.positive(bytes_per_param, "bytes_per_param", default=memory.BF16_BYTES, unit="bytes"),
            a.positive(batch, "batch", default=1.0),
        )
    )


_MODEL = ('A catalog model name such as "llama2-70b" (its architecture: layers, heads, KV heads), or a size such as '
          '"70B" (a dense model of generic shape).')
_GPU = 'A catalog card name such as "H800" or "A100-80G" (peak, HBM, bandwidth, link, cards per server).'
_TP = ("Optional. Tensor-parallel cards of the replica; must divide the heads and fit one server. Empty: the tp "
       "xlcompute estimate's serving sizer picks for this model, card, precision and request (fewest cards for "
       "2,000 users at its 2 s / 0.2 s targets).")
_PRECISION = ('Optional. "bf16" (default), "fp8" (FP8 weights, GEMMs and KV cache), "int8" or "int4" (weight-only), '
              '"w8a8" (INT8 weights and activations, GEMMs at the card\'s INT8 peak).')


def precision_keys() -> dict[str, str]:
    """The precision words a cell may hold -> :data:`xlcompute.serving_model.PRECISIONS` keys: the scenario's
    (``serving.precision``) and fp16."""
    from xlcompute.serving_model import SCENARIO_PRECISIONS

    return {"bf16": "bf16", "fp16": "fp16", **SCENARIO_PRECISIONS}


def serving_precision(value: Any, name: str = "precision") -> Any:
    """The inference model's :class:`~xlcompute.serving_model.Precision` named by a cell (empty: bf16)."""
    from xlcompute.serving_model import PRECISIONS

    keys = precision_keys()
    text = "bf16" if a.is_empty(value) else str(value).strip().lower()
    if text not in keys:
        raise a.UdfArgumentError(f"{name} must be one of {', '.join(keys)}, got {a.show(value)}")
    return PRECISIONS[keys[text]]


def _replica(model: Any, gpu: Any, precision: Any) -> tuple[Any, Any, Any, Any]:
    """The inference model's shape, card, precision and constants (the card vendor's) from the cells,
    checked."""
    from xlcompute.serving_model import FITTED, Card, for_card, model_shape

    shape = model_shape(preset_or_size(model).arch)
    g = a.gpu(gpu)
    card = Card(name=g.name, peak_flops_16=g.peak_flops, peak_flops_fp8=g.fp8_flops, peak_ops_int8=g.int8_ops,
                hbm_bytes=g.hbm_bytes,
                hbm_bytes_per_s=g.hbm_bandwidth_bytes_per_s,
                link_bytes_per_s=g.link_bytes_per_s_per_direction or g.inter_node_bytes_per_s_per_card or 50e9,
                cards_per_node=g.cards_per_node, fp32_flops=catalog.fp32_of(g) * 1e12)
    prec = serving_precision(precision)
    if prec.fp8_compute and g.fp8_flops is None:
        raise a.UdfArgumentError(f"precision fp8: {g.name} has no FP8 peak in the catalog")
    if prec.int8_compute and g.int8_ops is None:
        raise a.UdfArgumentError(f"precision w8a8: {g.name} has no INT8 peak in the catalog")
    return shape, card, prec, for_card(FITTED, g.key, g.vendor)


# The demand an empty tp is sized for: the docs' example, 2,000 users each sending a request every
# seconds_per_request (the scenario's default, 20 s). At 100 requests/s a fleet has many replicas, so the
# sizer's choice is the layout that serves most per card, as in any real fleet, not the rounding of one or two
# replicas (llama2-70b on H800: xlcompute estimate picks tp 2 for 1 to 5 users, tp 4 from about 10 users up).
_SIZING_USERS = 2000


def _replica_tp(tp: Any, shape: Any, card: Any, prec: Any, k: Any, n_in: int, n_out: int) -> int:
    """The replica's tensor-parallel size: the cell's, checked, or (empty) the one the estimate's serving
    sizer picks for this model, card, precision and request shape (:func:`_sized`, as LLM_SERVING_CARDS)."""
    from xlcompute.serving_plan import ServingPlanError

    if a.is_empty(tp):
        demand = _serving_defaults()
        rate = _SIZING_USERS / demand.seconds_per_request
        try:
            return int(_sized(shape, card, prec, float(n_in), float(n_out), rate, demand.ttft_s, demand.tpot_s,
                              k).tp)
        except ServingPlanError as exc:
            raise a.UdfArgumentError(f"model: {exc}") from None
    t = a.whole(tp, "tp", maximum=card.cards_per_node)
    if shape.heads % t or (shape.kv_heads % t and t % shape.kv_heads) or card.cards_per_node % t:
        raise a.UdfArgumentError(f"tp ({t}) must divide the {shape.heads} heads and the {card.cards_per_node} cards "
                                 f"of a server, and divide or be a multiple of the {shape.kv_heads} KV heads")
    return t


@functools.lru_cache(maxsize=1)
def _serving_defaults() -> Any:
    """The scenario's serving defaults (request split, targets), read not copied; imported on first use."""
    from xlcompute.scenario import ServingDemand

    return ServingDemand()


@excel({"model": _MODEL, "gpu": _GPU, "input_tokens": "Prompt tokens of the request.", "tp": _TP,
        "precision": _PRECISION})
def LLM_TTFT(model: Any, gpu: Any, input_tokens: Any, tp: Any = None, precision: Any = None) -> float:
    """Time to first token on an idle replica, s: the prefill, max(FLOPs/peak, weights/HBM) at the
    fitted efficiencies + TP all-reduces + fixed time per layer (inference step model; xlcompute
    validate --serving)."""
    from xlcompute.serving_model import replica_figures

    shape, card, prec, k = _replica(model, gpu, precision)
    n_in = a.whole(input_tokens, "input_tokens", maximum=10_000_000)
    # an empty tp: the replica sized for this prompt and the scenario's default output (the estimate's request)
    t = _replica_tp(tp, shape, card, prec, k, n_in, _serving_defaults().output_tokens_used)
    f = replica_figures(shape, card, prec, t, 1, float(n_in), 1.0, k)
    if float(f.max_sequences) < 1:
        raise a.UdfArgumentError(_no_room(f, t, card, precision, n_in + 1, k))
    return float(f.prefill_s)


@excel({"model": _MODEL, "gpu": _GPU, "input_tokens": "Prompt tokens per request.",
        "output_tokens": "Generated tokens per request.",
        "batch": "Optional. Sequences decoded together by the replica; default 1.", "tp": _TP,
        "precision": _PRECISION})
def LLM_TPOT(model: Any, gpu: Any, input_tokens: Any, output_tokens: Any, batch: Any = None, tp: Any = None,
             precision: Any = None) -> float:
    """Mean time per output token under continuous batching, s: a decode step (weights + KV cache
    over HBM, or FLOPs over peak, + TP all-reduces) with the batch's prefills stalling it. The batch
    must fit the KV cache."""
    from xlcompute.serving_model import replica_figures

    shape, card, prec, k = _replica(model, gpu, precision)
    n_in = a.whole(input_tokens, "input_tokens", maximum=10_000_000)
    n_out = a.whole(output_tokens, "output_tokens", maximum=10_000_000)
    b = a.whole(batch, "batch", default=1, maximum=1_000_000)
    t = _replica_tp(tp, shape, card, prec, k, n_in, n_out)
    f = replica_figures(shape, card, prec, t, b, float(n_in), float(n_out), k)
    if float(f.max_sequences) < 1:
        raise a.UdfArgumentError(_no_room(f, t, card, precision, n_in + n_out, k))
    if float(f.max_sequences) < b:
        raise a.UdfArgumentError(f"batch ({b}) exceeds the KV cache of {t} × {card.name}: "
                                 f"{int(f.max_sequences)} sequences of {n_in + n_out} tokens")
    return float(f.tpot_s)


def _no_room(f: Any, t: int, card: Any, precision: Any, tokens: int, k: Any) -> str:
    """Why a replica holds not one sequence: the weights alone fill its cards, or the KV cache of one
    sequence does not fit beside them. The functions size one server (tp ≤ its cards); a model larger
    than a server is sized across servers by LLM_SERVING_CARDS."""
    from xlcompute.core.inference import kv_cache_budget_bytes

    usable = float(kv_cache_budget_bytes(card.hbm_bytes, t, k.usable_fraction, 0, k.reserve_bytes_per_card))
    weights = float(f.weight_bytes)
    label = "bf16" if a.is_empty(precision) else str(precision).strip().lower()
    # tp already a whole server cannot grow: advise only what the cell can still change
    full = t >= card.cards_per_node
    if weights >= usable:
        larger = (f"tp is already the {card.cards_per_node} cards of a server: give" if full else
                  f"give a larger tp (at most the {card.cards_per_node} cards of a server) or")
        return (f"the weights ({weights / 1e9:,.0f} GB in {label}) do not fit {t} × {card.name} "
                f"({usable / 1e9:,.0f} GB usable); {larger} a smaller precision, or size replicas across servers "
                "with LLM_SERVING_CARDS")
    return (f"one sequence of {tokens:,} tokens does not fit the KV cache left beside the weights on "
            f"{t} × {card.name} ({(usable - weights) / 1e9:,.1f} GB); give "
            f"{'fewer tokens (tp is already a whole server)' if full else 'a larger tp or fewer tokens'}")


# The demand and targets LLM_SERVING_CARDS and LLM_SERVING_COST size a fleet for: the demand first, the
# optional shape and targets after (each function puts its own arguments between them).
_DEMAND_ARGS = {
    "model": _MODEL, "gpu": _GPU, "users": _USERS,
    "tokens_per_request": "Tokens per request, prompt + output.",
    "seconds_per_request": _SECONDS_PER_REQUEST,
}
_TARGET_ARGS = {
    "output_tokens": "Optional. Generated tokens per request; default half of tokens_per_request.",
    "ttft_s": "Optional. Time-to-first-token target in seconds (not ms), at most 60; default 2 (MLPerf v4.0 "
              "llama2-70b Server).",
    "tpot_s": "Optional. Time-per-output-token target in seconds (not ms), at most 10; default 0.2 (MLPerf v4.0 "
              "llama2-70b Server).",
    "precision": _PRECISION,
}


# Plausibility bounds, as the MFU's 40 → 0.4: a first token after a minute, or a token every 10 s, is no
# serving target (MLPerf v4.0's llama2-70b Server: 2 s and 0.2 s); such a figure is milliseconds typed in.
_MAX_TTFT_S = 60.0
_MAX_TPOT_S = 10.0


def _target_seconds(value: Any, name: str, default: float, most: float) -> float:
    """A latency target in seconds, refused with "did you mean …?" when it reads as milliseconds."""
    x = a.positive(value, name, default=default, unit="seconds")
    if x > most:
        raise a.UdfArgumentError(f"{name} is in seconds; did you mean {x / 1000:g}? (got {a.show(value)}; at most "
                                 f"{most:g} s; a target in milliseconds is divided by 1000)")
    return x


def _serving_plan(model: Any, gpu: Any, users: Any, tokens_per_request: Any, seconds_per_request: Any,
                  output_tokens: Any, ttft_s: Any, tpot_s: Any, precision: Any) -> Any:
    """The sizer's plan for the cells (as xlcompute estimate sizes serving), checked: an error when no
    replica meets the targets."""
    from xlcompute.serving_plan import ServingPlanError

    shape, card, prec, k = _replica(model, gpu, precision)
    n = a.whole(tokens_per_request, "tokens_per_request", minimum=2, maximum=10_000_000)
    out = a.whole(output_tokens, "output_tokens", default=max(1, n // 2), maximum=n - 1)
    rate = a.users(users, zero=True) / a.positive(seconds_per_request, "seconds_per_request", unit="seconds")
    if not math.isfinite(rate) or rate > 1e12:
        raise a.UdfArgumentError(f"users / seconds_per_request must be at most 10^12 requests per second, got {rate:g}")
    ttft = _target_seconds(ttft_s, "ttft_s", _serving_defaults().ttft_s, _MAX_TTFT_S)
    tpot = _target_seconds(tpot_s, "tpot_s", _serving_defaults().tpot_s, _MAX_TPOT_S)
    try:
        plan = _sized(shape, card, prec, float(n - out), float(out), rate, ttft, tpot, k)
    except ServingPlanError as exc:
        raise a.UdfArgumentError(f"model: {exc}") from None
    if not plan.meets_targets:
        raise a.UdfArgumentError(f"no replica of {card.name} meets ttft_s and tpot_s; the fastest gives "
                                 f"{plan.ttft_s:.3g} s and {plan.tpot_s:.3g} s per token")
    return plan


@excel({**_DEMAND_ARGS, **_TARGET_ARGS,
        "confidence": "Optional. Share of the inference model's speed range the cards must cover, 0.5 to 0.99 "
                      "(0.9 or 90%: the P90); default 0.5, the estimate's cards."})
def LLM_SERVING_CARDS(model: Any, gpu: Any, users: Any, tokens_per_request: Any, seconds_per_request: Any,
                      output_tokens: Any = None, ttft_s: Any = None, tpot_s: Any = None,
                      precision: Any = None, confidence: Any = None) -> float:
    """Cards (a count) meeting the TTFT and TPOT targets: the fewest whole replicas at the best batch,
    as xlcompute estimate sizes serving; not rounded up to whole servers, as the estimate's headline is
    (172 → 176 H20, 22 servers). At a confidence, × its margin."""
    q = a.fraction(confidence, "confidence", default=spread.SERVING_CONFIDENCE)
    if not spread.SERVING_CONFIDENCE <= q <= spread.CONFIDENCE_MAX:
        raise a.UdfArgumentError(f"confidence must be from {spread.SERVING_CONFIDENCE:g} to {spread.CONFIDENCE_MAX:g} "
                                 f"(got {a.show(confidence)}; 0.9 plans the "
                                 "P90 of the serving cards)")
    plan = _serving_plan(model, gpu, users, tokens_per_request, seconds_per_request, output_tokens, ttft_s, tpot_s,
                         precision)
    if q == spread.SERVING_CONFIDENCE:
        return float(plan.cards)
    # serving.confidence's margin in whole replicas: the estimate's serving_cards_planned
    margin = float(spread.confidence_margin(q, spread.SERVING_LOG_SIGMA))
    return float(spread.planned_serving_cards(plan.cards, margin, plan.tp * plan.pp))


@excel({**_DEMAND_ARGS,
        "price_per_hour": "Price per card-hour the fleet is rented at, in your currency (the proposal uses the "
                          "cheapest rental option's: reserved when the fleet runs the whole period).",
        **_TARGET_ARGS})
def LLM_SERVING_COST(model: Any, gpu: Any, users: Any, tokens_per_request: Any, seconds_per_request: Any,
                     price_per_hour: Any, output_tokens: Any = None, ttft_s: Any = None, tpot_s: Any = None,
                     precision: Any = None) -> float:
    """Cost of one million output tokens, in the price's currency: the LLM_SERVING_CARDS fleet at
    capacity, cards × price / 3600 per second over its output tokens per second × 10^6 (the
    estimate's cost_per_million_tokens at that price)."""
    from xlcompute.core.inference import cost_per_million_tokens

    price = a.price(price_per_hour, "price_per_hour")
    plan = _serving_plan(model, gpu, users, tokens_per_request, seconds_per_request, output_tokens, ttft_s, tpot_s,
                         precision)
    return float(cost_per_million_tokens(price, plan.cards, plan.output_tokens_per_s))


@functools.lru_cache(maxsize=1024)
def _sized(shape: Any, card: Any, prec: Any, n_in: float, n_out: float, rate: float, ttft: float, tpot: float,
           k: Any) -> Any:
    """The sizer's plan, cached: Excel recalculates often and the inputs are frozen models and numbers
    (a ServingPlanError is raised again, not cached)."""
    from xlcompute.serving_plan import size_serving

    return size_serving(shape, card, prec, n_in, n_out, rate, ttft, tpot, k)
