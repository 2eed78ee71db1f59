"""Gradient bytes per parameter (training.grad_bytes): the weights' bytes by default (seed 000's a), FP32 under the
FP8 recipe (DeepSeek-V3, arXiv:2412.19437 §3.3.3), and the memory steps that read them."""

from __future__ import annotations

from typing import Any

import pytest

from xlcompute import estimate, parse_scenario
from xlcompute.sources import source_text

LLAMA: dict[str, Any] = {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "tp": 8, "pp": 4},
                         "cluster": {"accelerator": "H800", "cards": 1024}}


def _with(**training: Any) -> dict[str, Any]:
    return {**LLAMA, "training": {**LLAMA["training"], **training}}


def test_left_out_the_gradients_take_the_weights_bytes() -> None:
    r = estimate(parse_scenario(LLAMA))
    assert r["grad_bytes"] == r["param_bytes"] == 2
    assert r.inputs["grad_bytes"].source.startswith("default for training.grad_bytes")
    assert r["grads_full_per_gpu"] == pytest.approx(r["weights_full_per_gpu"])
    fp32 = estimate(parse_scenario(_with(param_bytes=4)))  # FP32 training: its gradients follow the weights
    assert fp32["grad_bytes"] == 4


def test_fp8_keeps_fp32_gradients_and_says_why() -> None:
    r = estimate(parse_scenario(_with(precision="fp8")))
    iv = r.inputs["grad_bytes"]
    assert r["grad_bytes"] == 4 and r["param_bytes"] == 2
    assert "FP32 gradients" in iv.source and "§3.3.3" in iv.source
    assert "FP32 梯度" in source_text(iv, "zh")
    # ZeRO-1 leaves the gradients whole on each card: twice the weights' bytes
    assert r["grads_full_per_gpu"] == pytest.approx(2 * r["weights_full_per_gpu"])
    assert r["grads_per_gpu"] == pytest.approx(2 * r["weights_per_gpu"])


def test_given_gradient_bytes_move_only_the_gradients() -> None:
    plain, given = estimate(parse_scenario(LLAMA)), estimate(parse_scenario(_with(grad_bytes=4)))
    assert given.inputs["grad_bytes"].source == "scenario: training.grad_bytes"
    assert given["weights_per_gpu"] == plain["weights_per_gpu"]
    assert given["optimizer_per_gpu"] == plain["optimizer_per_gpu"]
    assert given["grads_per_gpu"] == pytest.approx(2 * plain["grads_per_gpu"])
    assert given["mem_per_gpu"] - plain["mem_per_gpu"] == pytest.approx(plain["grads_per_gpu"])
    # ZeRO-2 partitions them over the data-parallel cards
    z2 = estimate(parse_scenario(_with(grad_bytes=4, zero_stage=2)))
    assert z2["grads_per_gpu"] == pytest.approx(given["grads_per_gpu"] / z2["dp"])
    # the step time is unchanged: gradient bytes are memory only
    assert given["predicted_step_seconds"] == plain["predicted_step_seconds"]


def test_a_recipe_precision_resolves_the_gradient_bytes_too() -> None:
    # DeepSeek-V3 without a precision trains in FP8 (its recipe) where the card has an FP8 peak: FP32 gradients;
    # on a card without one it trains in BF16 and its gradients take the weights' bytes.
    base = {"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T", "tp": 1, "pp": 16, "ep": 64}}
    h800 = parse_scenario({**base, "cluster": {"accelerator": "H800", "cards": 2048}})
    a800 = parse_scenario({**base, "cluster": {"accelerator": "A800", "cards": 2048}})
    assert h800.train.precision == "fp8" and h800.train.gradient_bytes == 4
    assert a800.train.precision == "bf16" and a800.train.gradient_bytes == 2
    assert "grad_bytes" not in h800.train.model_fields_set


@pytest.mark.parametrize("value", [0, 0.05, 17, -2])
def test_gradient_bytes_out_of_range_are_refused_by_name(value: float) -> None:
    with pytest.raises(ValueError, match="grad_bytes"):
        parse_scenario(_with(grad_bytes=value))
