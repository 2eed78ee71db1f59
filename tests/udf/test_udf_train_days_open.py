"""LLM_TRAIN_DAYS with the MFU left out: what a finance user types (model, tokens, cards, card) gives
the estimate's own end-to-end training days, the number the CLI, the workbook and the proposal show;
an ettr given replaces the estimate's. What that path cannot take is refused naming the argument."""

from __future__ import annotations

import pytest

import xlcompute.udf as udf
from xlcompute.estimate import estimate
from xlcompute.scenario import parse_scenario


def _estimate(model: dict[str, object], tokens: str, cards: int, card: str, seq_len: int = 4096) -> object:
    return estimate(parse_scenario({"model": model, "training": {"tokens": tokens, "seq_len": seq_len},
                                    "cluster": {"accelerator": card, "cards": cards}}))


def test_a_catalog_model_gives_the_estimates_end_to_end_days() -> None:
    r = _estimate({"preset": "llama3.1-70b"}, "15T", 1000, "H800")
    cell = udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", 1000, "H800")
    assert cell == pytest.approx(r["train_days"], rel=1e-12)
    assert round(cell, 1) == 263.8  # README and docs/excel.md quote it
    # an ETTR given replaces the estimate's: the steps-alone days over it
    assert udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", 1000, "H800", None, None, None, None, 0.9) == pytest.approx(
        r["step_train_days"] / 0.9, rel=1e-12)
    # the MFU given path is unchanged: the estimate's predicted MFU on the cards its layout uses (it may leave
    # some idle) gives its steps-alone days
    cards = int(r["parallel_cards"])
    assert cards <= 1000
    assert udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", cards, "H800", r["predicted_mfu"], 4096) == pytest.approx(
        r["step_train_days"], rel=1e-9)


def test_a_size_and_a_sequence_length_go_to_the_estimate_too() -> None:
    r = _estimate({"params": 70e9}, "2T", 1000, "H800", seq_len=8192)
    assert udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", "", 8192) == pytest.approx(r["train_days"], rel=1e-12)


@pytest.mark.parametrize(("args", "words"), [
    (("70B", "2T", 1000, 989), ["peak_tflops must be a card name", "got 989", "or give an MFU"]),
    (("llama3.1-70b", "15T", 1000, "H800", None, 4096, 80, 8192), ["layers is given but mfu is empty"]),
    (("llama3.1-70b", "15T", 10, "H800"), ["gpus (10): no layout of 10 cards fits", "in peak_tflops",
                                           "give LLM_TRAIN_DAYS an MFU of your own"]),
    (("llama3.1-70b", "15T", 1000, "H9000"), ["peak_tflops: unknown accelerator 'H9000'"]),
])
def test_what_the_estimate_path_cannot_take_is_refused_by_argument(args: tuple[object, ...], words: list[str]) -> None:
    result = udf.LLM_TRAIN_DAYS(*args)
    assert isinstance(result, str) and result.startswith("#VALUE!")
    assert all(w in result for w in words), result
    assert "\n" not in result and "cluster." not in result and "gpu " not in result.replace("gpus", "")


def test_gpus_for_days_without_an_mfu_is_the_cluster_the_estimate_sizes() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "15T", "deadline_days": 60},
                                 "cluster": {"accelerator": "H800"}}))
    cell = udf.LLM_GPUS_FOR_DAYS("llama3.1-70b", "15T", 60, "H800")
    assert cell == r["gpu_count"] == 4800 and r["train_days"] <= 60  # README and docs/excel.md quote it
    compare = udf.LLM_COMPARE("llama3.1-70b", "15T", None, "H800", None, 60)
    assert compare[1][compare[0].index("cards")] == cell  # the same number by the comparison's path


@pytest.mark.parametrize(("args", "words"), [
    (("llama3.1-70b", "15T", 0.5, "H800"), ["days (0.5) cannot be met", "LLM_TRAIN_DAYS on a number of cards"]),
    (("llama3.1-70b", "15T", 60, "H800", None, None, None, None, 0.9), ["ettr is given but mfu is empty"]),
    (("llama3.1-70b", "15T", 60, 989), ["peak_tflops must be a card name"]),
])
def test_gpus_for_days_refusals_name_the_cells(args: tuple[object, ...], words: list[str]) -> None:
    result = udf.LLM_GPUS_FOR_DAYS(*args)
    assert isinstance(result, str) and result.startswith("#VALUE!")
    assert all(w in result for w in words), result
    assert "reliability." not in result and "training." not in result and "cluster." not in result
