"""Every bad argument of an Excel function returns one line of error text, ``#VALUE! <reason>``,
whose reason names the argument, shows the value and says what is allowed; the cell shows it as
it is. No function raises, and none returns a silently wrong number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import xlcompute.udf as udf

BAD: list[tuple[str, Callable[[], Any], list[str]]] = [
    # fractions: MFU / utilisation typed as a percentage number
    ("mfu 40", lambda: udf.LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 40), ["mfu must be in (0, 1]; did you mean 0.4?", "got 40"]),
    ("mfu 0", lambda: udf.LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 0), ["mfu must be in (0, 1]", "got 0"]),
    ("mfu negative", lambda: udf.LLM_TRAIN_GPU_HOURS("7B", "1T", 312, -0.4), ["mfu must be in (0, 1]"]),
    ("mfu 400%", lambda: udf.LLM_TRAIN_GPU_HOURS("7B", "1T", 312, "400%"), ["mfu", "did you mean 0.04?"]),
    ("mfu text", lambda: udf.LLM_TRAIN_GPU_HOURS("7B", "1T", 312, "high"), ["mfu", "'high'", "not a number"]),
    ("utilization 50", lambda: udf.LLM_COST_PER_1K_TOKENS("7B", 312, 2, 50), ["utilization", "did you mean 0.5?"]),
    ("mfu range 45", lambda: udf.LLM_TRAIN_DAYS_TABLE("7B", "1T", [8, 16], 312, [0.4, 45]),
     ["mfu_range (cell 2)", "did you mean 0.45?"]),
    # raw counts typed in billions
    ("params 175", lambda: udf.LLM_TRAIN_DAYS(175, "300B", 1000, 312, 0.4), ["params", "got 175", 'did you mean "175B"?']),
    ("tokens 300", lambda: udf.LLM_TRAIN_FLOPS("175B", 300), ["tokens", "got 300", '"300B"']),
    ("params 0", lambda: udf.WEIGHTS_MEM(0), ["params must be greater than 0"]),
    ("params bad text", lambda: udf.ZERO_MEM("7,5B", 1, 8), ["params", "'7,5B'", "not a number", "suffixes"]),
    ("params bad suffix", lambda: udf.ZERO_MEM("7X", 1, 8), ["params", "'7X'"]),
    ("params bool", lambda: udf.WEIGHTS_MEM(True), ["params", "boolean"]),
    ("params range", lambda: udf.WEIGHTS_MEM([1e9, 2e9]), ["params must be a single cell"]),
    # peak compute
    ("peak in FLOP/s", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", 8, 312e12, 0.4), ["peak_tflops is in TFLOPS", "did you mean 312?"]),
    ("peak unknown card", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", 8, "Z100", 0.4), ["peak_tflops", "'Z100'", "known accelerators"]),
    ("peak 0", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", 8, 0, 0.4), ["peak_tflops must be greater than 0"]),
    ("peak empty", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", 8, None, 0.4), ["peak_tflops is empty"]),
    # whole numbers
    ("gpus fractional", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", 10.5, 312, 0.4), ["gpus must be a whole number", "10.5"]),
    ("gpus zero", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", 0, 312, 0.4), ["gpus must be a whole number ≥ 1"]),
    ("gpus empty", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", None, 312, 0.4), ["gpus is empty"]),
    ("gpus blank text", lambda: udf.LLM_TRAIN_DAYS("7B", "1T", "  ", 312, 0.4), ["gpus is empty"]),
    ("layers fractional", lambda: udf.LLM_PARAMS_12LH2(32.5, 4096), ["layers must be a whole number"]),
    ("gpus_range blank", lambda: udf.LLM_TRAIN_DAYS_TABLE("7B", "1T", [8, None], 312, [0.4]), ["gpus_range", "cell 2", "empty"]),
    ("gpus_range text", lambda: udf.LLM_TRAIN_DAYS_TABLE("7B", "1T", ["eight"], 312, [0.4]), ["gpus_range (cell 1)"]),
    ("gpus_range empty", lambda: udf.LLM_TRAIN_DAYS_TABLE("7B", "1T", [], 312, [0.4]), ["gpus_range is empty"]),
    # the model-FLOPs count: a model name or a count, with the whole shape or none of it
    ("shape partial", lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 8, 312, 0.4, 4096, 80),
     ["hidden is empty", "seq_len, layers and hidden together", "6PT"]),
    ("shape only seq_len", lambda: udf.LLM_TRAIN_GPU_HOURS("70B", "2T", 312, 0.4, 4096),
     ["layers and hidden are empty"]),
    ("old recompute cell", lambda: udf.LLM_TRAIN_COST("70B", "2T", 312, 0.4, 2.5, "full"),
     ["recompute is no longer an argument", 'seq_len="full"']),
    ("model and shape", lambda: udf.LLM_TRAIN_DAYS("llama2-70b", "2T", 8, 312, 0.4, 4096, 80, 8192),
     ["layers and hidden must be empty when params is a model name", "llama2-70b: 80 layers", "got layers=80, hidden=8192"]),
    ("model and layers", lambda: udf.LLM_GPUS_FOR_DAYS("llama2-70b", "2T", 30, 312, 0.4, None, 80),
     ["must be empty", "got layers=80"]),
    ("unknown model as params", lambda: udf.LLM_TRAIN_DAYS("llama2-7OB", "2T", 8, 312, 0.4),
     ["params must be a parameter count (70B, 7e9) or a catalog model name", "'llama2-7OB'", "llama2-70b",
      "=MODEL_LIST() lists the"]),
    ("model seq_len fractional", lambda: udf.LLM_TRAIN_DAYS("llama2-70b", "2T", 8, 312, 0.4, 4096.5),
     ["seq_len must be a whole number"]),
    ("shape hidden zero", lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 8, 312, 0.4, 4096, 80, 0),
     ["hidden must be a whole number ≥ 1"]),
    # modes and choices
    ("recompute 3", lambda: udf.LLM_TRAIN_FLOPS("7B", "1T", 3), ["recompute must be 0/FALSE", "got 3"]),
    ("recompute text", lambda: udf.ACTIVATION_MEM(32, 4096, 32, 2048, 1, 1, 0, "partial"), ["recompute", '"partial"']),
    ("zero stage 4", lambda: udf.ZERO_MEM("7B", 4, 8), ["stage must be one of 0, 1, 2, 3", "got 4"]),
    ("zero stage 1.5", lambda: udf.ZERO_MEM("7B", 1.5, 8), ["stage must be one of"]),
    ("sp 2", lambda: udf.ACTIVATION_MEM(32, 4096, 32, 2048, 1, 1, 2), ["sp must be 0 or 1"]),
    ("gated yes?", lambda: udf.LLM_PARAMS(32, 4096, 0, 11008, 32, 32, "maybe"), ["gated must be 0 or 1"]),
    # layout consistency
    ("tp not dividing heads", lambda: udf.TRAIN_MEM_PER_GPU("7B", 2048, 1, 3, 1, 8, 1, 32, 4096, 32), ["tp=3 must divide heads=32"]),
    ("pp above layers", lambda: udf.TRAIN_MEM_PER_GPU("7B", 2048, 1, 1, 40, 8, 1, 30, 4096, 32), ["pp=40 must be at most layers=30"]),
    ("kv_heads not dividing", lambda: udf.LLM_PARAMS(32, 4096, 0, 11008, 32, 5), ["kv_heads must divide heads=32"]),
    ("kv_heads without heads", lambda: udf.LLM_PARAMS(32, 4096, 0, 11008, None, 8), ["heads is empty"]),
    # catalog lookups
    ("unknown model", lambda: udf.MODEL_SPEC("GPT-5", "params"), ["model", "'GPT-5'", "=MODEL_LIST() lists the"]),
    ("unknown field", lambda: udf.MODEL_SPEC("GPT-3", "size"), ["field must be one of", "params", '"size"']),
    ("missing catalog figure", lambda: udf.GPU_SPEC("A100", "fp8_tflops"), ["A100-80G has no fp8_tflops"]),
    ("gpu number", lambda: udf.GPU_SPEC(312, "hbm_gb"), ["gpu must be a card name"]),
    ("fits unknown card", lambda: udf.FITS_GPU(60, "H900"), ["gpu must be a number (GB) or a card name", "'H900'"]),
    ("tdp unknown card", lambda: udf.ENERGY_KWH(8, "Z9", 24), ["tdp_w", "'Z9'"]),
    # units and ranges
    ("pue 130", lambda: udf.ENERGY_KWH(8, 700, 24, 130), ["pue must be between 1 and 3"]),
    ("pue below 1", lambda: udf.POWER_COST(8, 700, 24, 0.1, 0.9), ["pue must be between 1 and 3"]),
    ("link in bit/s", lambda: udf.ALLREDUCE_SECONDS(1e9, 8, 400e9), ["link_gbps is in Gbit/s"]),
    ("negative price", lambda: udf.LLM_TRAIN_COST("7B", "1T", 312, 0.4, -1), ["price_per_gpu_hour must be 0 or more"]),
    ("negative hours", lambda: udf.ENERGY_KWH(8, 700, -24), ["hours must be greater than 0 (hours)"]),
    ("days zero", lambda: udf.LLM_GPUS_FOR_DAYS("7B", "1T", 0, 312, 0.4), ["days must be greater than 0"]),
    ("decode bandwidth", lambda: udf.LLM_DECODE_TOKENS_PER_S("7B", -3), ["gpu_or_hbm_tbps must be greater than 0"]),
    # an impossible measured utilisation is refused, not returned as 135%
    ("implied MFU > 1", lambda: udf.LLM_MFU(1e5, "70B", 312), ["implied MFU", "impossible", "per GPU"]),
    ("implied iter MFU > 1", lambda: udf.LLM_MFU_FROM_ITER(0.01, 1536, 2048, 96, 12288, 51200, 8, 312), ["implied utilisation"]),
]


def refusal(result: Any) -> str:
    """The error text a function returned instead of a result."""
    assert isinstance(result, str) and result.startswith("#VALUE! "), result
    return result


@pytest.mark.parametrize(("label", "call", "parts"), BAD, ids=[b[0] for b in BAD])
def test_bad_argument_message(label: str, call: Callable[[], Any], parts: list[str]) -> None:
    message = refusal(call())
    for part in parts:
        assert part in message, f"{label}: {part!r} not in {message!r}"


def test_messages_are_one_line_and_short_enough_for_a_cell() -> None:
    for label, call, _ in BAD:
        text = refusal(call())
        assert len(text.splitlines()) == 1 and text.isprintable(), label
        # The full catalog list is the longest message; a cell shows ~1000 characters legibly.
        assert len(text) < 600, (label, len(text))


def test_optional_arguments_accept_empty_cells() -> None:
    # Classic xlwings passes None for an empty referenced cell; Lite passes None too.
    assert udf.ZERO_MEM("7.5B", 0, 64, None, None) == udf.ZERO_MEM("7.5B", 0, 64)
    assert udf.ACTIVATION_MEM(96, 12288, 96, 2048, 1, None, None, None) == udf.ACTIVATION_MEM(96, 12288, 96, 2048, 1)
    assert udf.ENERGY_KWH(8, 700, 24, "") == udf.ENERGY_KWH(8, 700, 24)
