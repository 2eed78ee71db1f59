"""Defects a finance user typing the Excel functions found (review of the UDFs against the CLI): each
test failed before its fix. A blank card count planned 1,000 cards, an MFU typed switched the result
to the steps alone without saying so, "70B" was the hint for a price, the FLOPs-only serving cards
defaulted to peak (3× fewer cards than the estimate), float noise made 1000 "not whole", refusals
spoke a scenario file's words, and millisecond targets passed."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import xlcompute.udf as udf

SPECS = udf.udf_specs()
DOC = (Path(__file__).parents[2] / "docs" / "excel.md").read_text(encoding="utf-8")


# -- 1. a blank gpus cell is refused, never read as the estimate's default cluster ------------------

@pytest.mark.parametrize("blank", [None, "", "  "])
def test_a_blank_gpus_cell_is_refused_with_the_mfu_empty(blank: Any) -> None:
    # It gave 35.17 days: the estimate's default 1,000 cards, with no message.
    result = udf.LLM_TRAIN_DAYS("llama3.1-70b", "2T", blank, "H800")
    assert isinstance(result, str) and result.startswith("#VALUE! gpus is empty"), result
    assert result == udf.LLM_TRAIN_DAYS("llama3.1-70b", "2T", blank, "H800", 0.4)  # as with an MFU given
    assert "70B" not in result  # a card count is no "70B"


def test_gpus_for_days_still_sizes_the_cluster_itself() -> None:
    assert udf.LLM_GPUS_FOR_DAYS("llama3.1-70b", "15T", 60, "H800") == 4800


# -- 2. the help says an MFU typed gives the steps alone unless ettr is given -------------------------

TRAINING = ["LLM_TRAIN_DAYS", "LLM_TRAIN_GPU_HOURS", "LLM_TRAIN_COST", "LLM_GPUS_FOR_DAYS"]


@pytest.mark.parametrize("name", TRAINING)
def test_the_mfu_and_ettr_help_say_steps_alone_unless_ettr_is_given(name: str) -> None:
    spec = SPECS[name]
    for text in (spec.doc, spec.args["mfu"]):
        assert "steps alone unless ettr is given" in text, (name, text)
        assert "LLM_ETTR" in text, (name, text)
    assert "steps alone" in spec.args["ettr"] and "LLM_ETTR" in spec.args["ettr"], name
    if name in ("LLM_TRAIN_DAYS", "LLM_GPUS_FOR_DAYS", "LLM_TRAIN_GPU_HOURS"):  # the functions whose mfu may be empty
        assert re.search(r"end.to.end", spec.args["mfu"]) and re.search(r"end.to.end", spec.doc), name


def test_the_deadline_is_not_called_wall_clock_where_it_is_steps() -> None:
    days = SPECS["LLM_GPUS_FOR_DAYS"].args["days"]
    assert "wall-clock" not in days and "steps alone" in days and "calendar" in days


def test_an_mfu_typed_is_the_steps_and_ettr_makes_it_the_estimates_end_to_end() -> None:
    from xlcompute import estimate, parse_scenario

    r = estimate(parse_scenario({"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "15T"},
                                 "cluster": {"accelerator": "H800", "cards": 1000}, "assumptions": {"mfu": 0.4}}))
    steps = udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", 1000, "H800", 0.4)
    whole_run = udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", 1000, "H800", 0.4, None, None, None,
                                   udf.LLM_ETTR(1000, "llama3.1-70b"))
    assert steps == pytest.approx(r["step_train_days"], rel=1e-9)
    assert whole_run == pytest.approx(r["train_days"], rel=1e-9)


# -- 3. each kind of argument has its own hint; a price may carry a currency mark ----------------------

HINTS: list[tuple[str, Callable[[], Any], list[str]]] = [
    ("mfu text", lambda: udf.LLM_TRAIN_GPU_HOURS("7B", "1T", 312, "high"), ["mfu", "0.4", '"40%"']),
    ("mfu empty", lambda: udf.LLM_TRAIN_GPU_HOURS("llama3.1-70b", "15T", "H800", None),
     ["mfu is empty", "0.4", "LLM_PREDICTED_MFU"]),
    ("mfu empty in cost", lambda: udf.LLM_TRAIN_COST("llama3.1-70b", "15T", "H800", None, 15),
     ["mfu is empty", "LLM_PREDICTED_MFU"]),
    ("price text", lambda: udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31, "fifteen"),
     ["price_per_gpu_hour", "such as 15, in the currency of your prices"]),
    ("price empty", lambda: udf.LLM_SERVING_COST("llama2-70b", "H800", 2000, 1000, 20, None),
     ["price_per_hour is empty", "in the currency of your prices"]),
    ("electricity price", lambda: udf.POWER_COST(8, "H800", 24, "cheap"), ["price_per_kwh", "such as 0.6"]),
    ("days text", lambda: udf.LLM_GPUS_FOR_DAYS("70B", "2T", "sixty", "H800", 0.4), ["days", "plain number"]),
    ("days a date", lambda: udf.LLM_GPUS_FOR_DAYS("70B", "2T", __import__("datetime").date(2025, 1, 1), "H800",
                                                  0.4), ["days", "plain number"]),
    ("GB with a unit", lambda: udf.FITS_GPU("50GB", "A100"), ["mem_gb", "plain number (GB)"]),
    ("hours", lambda: udf.ENERGY_KWH(8, "H800", "a day"), ["hours", "plain number"]),
    ("pue", lambda: udf.ENERGY_KWH(8, "H800", 24, "high"), ["pue", "plain number"]),
    ("ettr", lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 8, "H800", 0.4, None, None, None, "most"), ["ettr", "0.4"]),
]


@pytest.mark.parametrize(("case", "call", "words"), HINTS, ids=[h[0] for h in HINTS])
def test_a_non_count_argument_gets_its_own_hint(case: str, call: Callable[[], Any], words: list[str]) -> None:
    result = call()
    assert isinstance(result, str) and result.startswith("#VALUE!"), result
    assert all(w in result for w in words), result
    assert "70B" not in result and "万" not in result, result  # the count hint


def test_a_count_keeps_the_suffix_hint() -> None:
    assert "70B" in udf.ZERO_MEM("7X", 1, 8)


@pytest.mark.parametrize("typed", ["¥15", "￥15", "15元", "CNY 15", "15 CNY", "RMB15", "cny15", " ¥ 15 "])
def test_a_price_may_carry_a_currency_mark(typed: str) -> None:
    assert udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31, typed) == udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31, 15)


def test_every_price_argument_drops_the_mark() -> None:
    assert udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31, "$2.5") == udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31, 2.5)
    assert udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31, "2.5 USD") == udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31,
                                                                                          2.5)
    assert udf.POWER_COST(8, "H800", 24, "¥0.6") == udf.POWER_COST(8, "H800", 24, 0.6)
    assert udf.LLM_INFER_COST("7B", 1000, "H800", "¥2", 0.3) == udf.LLM_INFER_COST("7B", 1000, "H800", 2, 0.3)
    assert udf.LLM_COST_PER_1K_TOKENS("7B", "H800", "2元", 0.3) == udf.LLM_COST_PER_1K_TOKENS("7B", "H800", 2, 0.3)
    assert udf.LLM_SERVING_COST("llama2-70b", "H800", 2000, 1000, 20, "¥9.75", 500) == pytest.approx(2.51, abs=0.005)


def test_a_negative_price_with_a_mark_is_refused_as_typed() -> None:
    refused = udf.LLM_TRAIN_COST("70B", "2T", "H800", 0.31, "¥-15")
    assert refused.startswith("#VALUE! price_per_gpu_hour must be 0 or more") and '"¥-15"' in refused


# -- 4. the FLOPs-only serving functions default to the estimate's utilization ------------------------

def test_the_flops_only_serving_cards_equal_the_estimates() -> None:
    from xlcompute import estimate, parse_scenario

    r = estimate(parse_scenario({"model": {"preset": "qwen2.5-72b"}, "serving": {"users": 2000},
                                 "cluster": {"accelerator": "H20"}}))
    # It gave 99 (utilization 1, peak) against the estimate's 328 from the same seed formula.
    assert udf.LLM_INFER_CHIPS(2000, "qwen2.5-72b", 1000, 20, "H20") == r["serving_cards_flops"] == 328


def test_the_utilization_default_is_the_scenarios_and_the_help_quotes_it() -> None:
    from xlcompute.scenario import ServingDemand

    default = ServingDemand.model_fields["utilization"].default
    assert udf.LLM_COST_PER_1K_TOKENS("70B", "H800", 2.5) == udf.LLM_COST_PER_1K_TOKENS("70B", "H800", 2.5, default)
    assert udf.LLM_INFER_COST("70B", 1000, "H800", 2.5) == udf.LLM_INFER_COST("70B", 1000, "H800", 2.5, default)
    for name in ("LLM_INFER_CHIPS", "LLM_INFER_COST", "LLM_COST_PER_1K_TOKENS"):
        assert f"default {default:g}, the estimate's" in SPECS[name].args["utilization"], name


# -- 5. the energy functions say they count the cards' TDP only ---------------------------------------

@pytest.mark.parametrize("name", ["ENERGY_KWH", "POWER_COST"])
def test_the_energy_functions_say_what_they_count(name: str) -> None:
    doc = SPECS[name].doc
    assert "Facility" not in doc and "cards' TDP alone" in doc and "host power" in doc


def test_the_energy_result_is_unchanged() -> None:
    assert udf.ENERGY_KWH(1000, "H800", 24, 1.3) == pytest.approx(1000 * 700 * 24 * 1.3 / 1000)


# -- 6. float noise in a whole number ----------------------------------------------------------------

@pytest.mark.parametrize("noisy", [999.9999999999999, 1000.0000000000001, (0.1 + 0.2) * 10000 / 3])
def test_a_whole_number_with_float_noise_is_that_number(noisy: float) -> None:
    assert udf.LLM_TRAIN_DAYS("70B", "2T", noisy, "H800", 0.4) == udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4)


def test_a_value_refused_as_not_whole_shows_its_digits() -> None:
    result = udf.LLM_TRAIN_DAYS("70B", "2T", 1000.000002, "H800", 0.4)
    assert result == "#VALUE! gpus must be a whole number, got 1000.000002"


# -- 7. refusals in the function's own terms -------------------------------------------------------

def test_a_size_outside_the_generic_shape_asks_for_an_mfu() -> None:
    for result in (udf.LLM_TRAIN_DAYS("500M", "2T", 8, "H800"), udf.LLM_GPUS_FOR_DAYS("500M", "2T", 30, "H800")):
        assert result.startswith("#VALUE! params (500,000,000) alone"), result
        assert "give an MFU" in result and "arch" not in result and "model:" not in result, result


def test_model_spec_of_a_size_speaks_of_the_catalog() -> None:
    result = udf.MODEL_SPEC("70B", "params")
    assert result.startswith('#VALUE! model: "70B" is a size, not a catalog model name'), result
    assert "model.params" not in result


def test_the_compare_note_on_an_impossible_deadline_is_in_cell_words() -> None:
    note = udf.LLM_COMPARE("llama3.1-70b", "15T", None, "H800", None, 2)[1][-1]
    # the fastest plan found, searched near the fastest count tried (the fifty-first session), in the cell's words
    assert "cannot be met: more cards fail more often (the fastest plan found takes" in note, note
    assert "failures_per_card_hour" not in note and "reliability" not in note and "cluster." not in note, note
    assert "deadline_days left empty and gpus given" in note, note


def test_tpot_does_not_ask_for_a_larger_tp_than_a_server() -> None:
    full = udf.LLM_TPOT("llama3.1-405b", "H20", 500, 500, 1, 8)
    assert "tp is already the 8 cards of a server" in full and "larger tp" not in full, full
    assert "give a larger tp" in udf.LLM_TPOT("llama3.1-405b", "H20", 500, 500, 1, 4)


@pytest.mark.parametrize("peak", ["312", 312])
def test_a_tflops_figure_with_the_mfu_empty_asks_for_an_mfu(peak: Any) -> None:
    result = udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", 1000, peak)
    assert "TFLOPS figure, which needs an MFU" in result and "unknown accelerator" not in result, result
    assert isinstance(udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", 1000, peak, 0.4), float)


# -- 8. docs/excel.md quotes the compare note as the function writes it ------------------------------

def test_the_compare_note_the_docs_quote_is_the_functions() -> None:
    quoted = re.findall(r'"([^"]+)" for the (\w+)\)', DOC)
    assert quoted
    for text, card in quoted:
        note = udf.LLM_COMPARE("llama3.1-70b", "15T", 1024, card)[1][-1]
        assert text in note, (card, text, note)


# -- 9. serving targets typed in milliseconds; whole servers ----------------------------------------

@pytest.mark.parametrize(("ttft", "tpot", "words"), [
    (2000, None, ["ttft_s is in seconds; did you mean 2?", "got 2000"]),
    (None, 200, ["tpot_s is in seconds; did you mean 0.2?", "got 200"]),
])
def test_a_target_in_milliseconds_is_refused_with_a_hint(ttft: Any, tpot: Any, words: list[str]) -> None:
    for result in (udf.LLM_SERVING_CARDS("qwen2.5-72b", "H20", 2000, 1000, 20, None, ttft, tpot),
                   udf.LLM_SERVING_COST("qwen2.5-72b", "H20", 2000, 1000, 20, 3.9, None, ttft, tpot)):
        assert isinstance(result, str) and all(w in result for w in words), result


def test_serving_targets_in_seconds_still_work() -> None:
    assert udf.LLM_SERVING_CARDS("qwen2.5-72b", "H20", 2000, 1000, 20, None, 60, 10) > 0


def test_the_serving_cards_help_says_they_are_not_whole_servers() -> None:
    assert "not rounded up to whole servers" in SPECS["LLM_SERVING_CARDS"].doc
