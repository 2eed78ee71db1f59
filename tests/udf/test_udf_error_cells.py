"""An argument that holds an error is refused by name: a cell with #DIV/0! or #N/A (classic xlwings passes
it as text with err_to_str), or another function's error text. Before, xlwings passed such a cell as None,
and an optional argument took its default: LLM_TRAIN_DAYS with a #DIV/0! MFU gave the predicted MFU's
34.18 days instead of an error."""

from __future__ import annotations

import pytest

import xlcompute.udf as udf


@pytest.mark.parametrize("code", ["#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#VALUE!", "#SPILL!"])
def test_an_excel_error_in_an_optional_argument_is_not_its_default(code: str) -> None:
    out = udf.LLM_TRAIN_DAYS("llama2-70b", "2T", 1000, "H800", code)
    assert out == f"#VALUE! mfu: the cell holds the error {code}; correct that cell first"
    assert udf.LLM_GPUS_FOR_DAYS("llama2-70b", "2T", 30, "H800", code).startswith("#VALUE! mfu:")


def test_another_functions_error_is_named_not_parsed_as_a_number() -> None:
    bad = udf.LLM_TRAIN_DAYS("llama2-70b", "2T", -5, "H800", 0.4)
    assert bad.startswith("#VALUE! gpus")
    out = udf.LLM_TRAIN_DAYS("llama2-70b", "2T", 1000, "H800", bad)
    assert out.startswith("#VALUE! mfu: the cell holds another function's error (#VALUE! gpus must be")
    assert "is not a number" not in out


def test_an_error_inside_a_range_argument_is_refused() -> None:
    out = udf.LLM_TRAIN_DAYS_TABLE("llama2-70b", "2T", [512, "#N/A"], "H800", [0.4])
    assert out == "#VALUE! gpus_range: the cell holds the error #N/A; correct that cell first"


def test_values_without_errors_are_unchanged() -> None:
    assert udf.LLM_TRAIN_DAYS("llama2-70b", "2T", 1000, "H800", 0.4) == pytest.approx(26.0909, abs=1e-3)


def test_a_zero_stage_named_as_the_papers_name_it() -> None:
    """ZERO_MEM's stage takes "ZeRO-3" as 3; a word it cannot read says what is allowed (not a size hint)."""
    assert udf.ZERO_MEM("7.5B", "ZeRO-3", 64) == udf.ZERO_MEM("7.5B", 3, 64) == pytest.approx(1.875)
    assert udf.ZERO_MEM("7.5B", "three", 64) == '#VALUE! stage must be one of 0, 1, 2, 3, got "three"'


def test_recompute_as_text_reads_as_the_number_and_the_message_lists_every_form() -> None:
    args = (80, 8192, 64, 4096, 1, 8, None)
    assert udf.ACTIVATION_MEM(*args, "1") == udf.ACTIVATION_MEM(*args, 1)
    refused = udf.ACTIVATION_MEM(*args, 3)
    assert refused.startswith('#VALUE! recompute must be 0/FALSE or "none", 1/TRUE, 2 or "full", or "selective"')


def test_a_size_is_a_model_in_every_function_that_takes_one() -> None:
    """"70B" plans a dense model of generic shape wherever a model goes, as LLM_TRAIN_DAYS and a scenario's
    model: 70B read it (the planner, comparison and serving functions refused it)."""
    days = udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800")
    assert days == pytest.approx(34.538, abs=1e-3)
    assert udf.LLM_PREDICTED_MFU("70B", "H800", 1000) == pytest.approx(0.3108, abs=1e-4)
    assert udf.LLM_BEST_LAYOUT("70B", "H800", 1000)[1][:3] == [4, 1, 2]
    rows = udf.LLM_COMPARE("70B", "2T", 1000, "H800")
    assert rows[1][2] == pytest.approx(days, rel=1e-9)
    assert udf.LLM_SERVING_CARDS("70B", "H800", 2000, 1000, 20, 500) == 44
    assert udf.LLM_TTFT("0.5B", "H800", 2000).startswith('#VALUE! model = "0.5B": a model known by its size alone')
