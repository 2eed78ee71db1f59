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
