"""Excel functions for inference: FLOPs, cards for a load, cost per request and per 1,000
tokens, the decode bound (:mod:`xlcompute.core.serving`)."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute.core import compute, memory, serving, units
from xlcompute.udf._register import PARAMS, PEAK, PRICE_HOUR, UTIL, excel

__all__ = [
    "LLM_INFER_FLOPS",
    "LLM_INFER_CHIPS",
    "LLM_INFER_COST",
    "LLM_COST_PER_1K_TOKENS",
    "LLM_DECODE_TOKENS_PER_S",
]


@excel({"params": PARAMS, "tokens": "Tokens processed (input + output)."})
def LLM_INFER_FLOPS(params: Any, tokens: Any) -> float:
    """Inference compute 2·P·T FLOPs over input and output tokens (seed 000 eq. 10)."""
    return float(_serving_flops(params, tokens))


def _serving_flops(params_: Any, tokens: Any, name: str = "tokens") -> float:
    """2·P·T from the cells (shared by the serving functions)."""
    return float(compute.infer_flops(a.param_count(params_), a.positive(tokens, name)))


@excel(
    {
        "users": "Concurrent users (requests in flight).",
        "params": PARAMS,
        "tokens_per_request": "Tokens per request (input + output).",
        "seconds_per_request": "Target seconds to serve one request.",
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
    """GPUs for concurrent users, ⌈users × 2P·tokens / (peak × utilization × seconds)⌉ (seed 000
    eq. 11, rounded up). A whole number of GPUs."""
    return float(
        serving.infer_cards(
            a.positive(users, "users"),
            _serving_flops(params, tokens_per_request, "tokens_per_request"),
            a.peak_flops(peak_tflops),
            a.positive(seconds_per_request, "seconds_per_request", unit="seconds"),
            a.fraction(utilization, "utilization", default=1.0),
        )
    )


@excel(
    {
        "params": PARAMS,
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
            a.non_negative(price_per_hour, "price_per_hour"),
            a.fraction(utilization, "utilization", default=1.0),
        )
    )


@excel({"params": PARAMS, "peak_tflops": PEAK, "price_per_hour": PRICE_HOUR, "utilization": UTIL})
def LLM_COST_PER_1K_TOKENS(params: Any, peak_tflops: Any, price_per_hour: Any, utilization: Any = None) -> float:
    """Compute cost of 1,000 tokens: 1000 × 2P / (peak × utilization) GPU-seconds × price per
    GPU-hour / 3600. In the price's currency."""
    return float(
        serving.cost_per_1k_tokens(
            a.param_count(params),
            a.peak_flops(peak_tflops),
            a.non_negative(price_per_hour, "price_per_hour"),
            a.fraction(utilization, "utilization", default=1.0),
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
