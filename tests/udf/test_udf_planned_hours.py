"""LLM_TRAIN_GPU_HOURS and LLM_TRAIN_COST with mfu empty and the cards given: the estimate's own
card-hours on that cluster, equal to ``xlcompute estimate`` (a quantity shown in two faces)."""

from __future__ import annotations

import re

import pytest

from xlcompute.estimate import estimate
from xlcompute.scenario import parse_scenario
from xlcompute.udf import LLM_TRAIN_COST, LLM_TRAIN_DAYS, LLM_TRAIN_GPU_HOURS


def _estimate(model: str, tokens: float, gpu: str, cards: int) -> dict:
    return estimate(parse_scenario({"model": {"preset": model}, "training": {"tokens": tokens},
                                    "cluster": {"accelerator": gpu, "cards": cards}}))


@pytest.mark.parametrize(("model", "gpu", "cards"), [("llama2-70b", "H800", 1000), ("qwen2.5-72b", "910B", 512)])
def test_card_hours_and_cost_equal_the_estimate(model: str, gpu: str, cards: int) -> None:
    r = _estimate(model, 2e12, gpu, cards)
    hours = LLM_TRAIN_GPU_HOURS(model, "2T", gpu, None, None, None, None, None, cards)
    assert hours == pytest.approx(float(r["gpu_hours"]), rel=1e-12)
    assert hours == pytest.approx(LLM_TRAIN_DAYS(model, "2T", cards, gpu) * 24 * cards, rel=1e-12)
    price = float(r["price_per_gpu_hour"])
    cost = LLM_TRAIN_COST(model, "2T", gpu, None, price, None, None, None, None, cards)
    assert cost == pytest.approx(float(r["train_cost"]), rel=1e-12)


def test_ettr_given_scales_the_steps_alone() -> None:
    # with ettr typed: the steps-alone days over it, on every card, as LLM_TRAIN_DAYS with the same ettr
    hours = LLM_TRAIN_GPU_HOURS("llama2-70b", "2T", "H800", None, None, None, None, 0.9, 1000)
    days = LLM_TRAIN_DAYS("llama2-70b", "2T", 1000, "H800", None, None, None, None, 0.9)
    assert hours == pytest.approx(days * 24 * 1000, rel=1e-12)
    assert hours > LLM_TRAIN_GPU_HOURS("llama2-70b", "2T", "H800", None, None, None, None, None, 1000)  # 0.9 < ETTR


def test_an_mfu_typed_ignores_the_cards() -> None:
    # the seeds' formula needs no cluster: GPU-hours at a given MFU do not depend on the card count
    with_cards = LLM_TRAIN_GPU_HOURS("llama2-70b", "2T", "H800", 0.4, None, None, None, None, 1000)
    assert with_cards == LLM_TRAIN_GPU_HOURS("llama2-70b", "2T", "H800", 0.4)


def test_neither_mfu_nor_cards_says_what_to_give() -> None:
    # a cell shows the refusal as #VALUE! text (the registered function catches UdfArgumentError)
    assert re.match(r"#VALUE! mfu is empty;.*give gpus and a card name in peak_tflops",
                    LLM_TRAIN_GPU_HOURS("llama2-70b", "2T", "H800", None))
    assert LLM_TRAIN_COST("llama2-70b", "2T", "H800", None, 15).startswith("#VALUE! mfu is empty")


def test_a_tflops_figure_without_an_mfu_is_refused() -> None:
    # the planned path needs a card to plan on, as LLM_TRAIN_DAYS does
    assert LLM_TRAIN_GPU_HOURS("llama2-70b", "2T", 989, None, None, None, None, None, 1000).startswith(
        "#VALUE! peak_tflops must be a card name")
