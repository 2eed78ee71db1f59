"""docs/excel.md stays true: its function reference shows every function's signature, and the
walk-through's cells show what the functions return."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import xlcompute.udf as udf

DOC = (Path(__file__).parents[2] / "docs" / "excel.md").read_text(encoding="utf-8")


def _signature(name: str) -> str:
    spec = udf.udf_specs()[name]
    args = [f"[{a}]" if a in spec.optional else a for a in spec.args]
    return f"`{name}({', '.join(args)})`"


@pytest.mark.parametrize("name", list(udf.udf_specs()))
def test_reference_shows_the_signature(name: str) -> None:
    assert _signature(name) in DOC


def _walkthrough() -> list[tuple[str, str, str]]:
    section = DOC[DOC.index("## A walk-through"):]
    return re.findall(r"^\| ([A-Z]+\d+) \| `([^`]*)` \| (.*) \|$", section, re.M)


def _value(text: str, cells: dict[str, Any]) -> Any:
    """A typed cell's value, or a formula evaluated with the UDFs (arrays {a,b} become lists)."""
    if not text.startswith("="):
        return text
    expr = re.sub(r"\{([^}]*)\}", r"[\1]", text[1:])
    expr = re.sub(r"\b([A-Z]\d+)\b", lambda m: f"cells[{m.group(1)!r}]", expr)
    expr = re.sub(r",(?=\s*[,)])", ",None", expr)  # an empty argument, as Excel passes it
    return eval(expr, {**{n: getattr(udf, n) for n in udf.udf_specs()}, "cells": cells})  # noqa: S307


def test_walkthrough_cells_show_what_the_functions_return() -> None:
    rows = _walkthrough()
    assert len(rows) >= 20
    cells: dict[str, Any] = {}
    checked = 0
    for cell, typed, shows in rows:
        value = cells[cell] = _value(typed, cells)
        if isinstance(value, list):  # a spilled table: the figures the row quotes appear in it
            flat = [v for row in value for v in row if isinstance(v, float)]
            for figure in re.findall(r"(?<![\w.])\d+\.\d+", shows):
                decimals = len(figure.split(".")[1])
                assert any(round(v, decimals) == float(figure) for v in flat), (cell, figure)
                checked += 1
        elif isinstance(value, bool):
            assert shows.startswith(str(value).upper()), (cell, value)
            checked += 1
        elif typed.startswith("="):
            figure = re.match(r"[\d,]+(?:\.\d+)?", shows)
            assert figure, (cell, shows)
            text = figure.group(0).replace(",", "")
            decimals = len(text.split(".")[1]) if "." in text else 0
            assert round(value, decimals) == float(text), (cell, value, shows)
            checked += 1
    assert checked >= 14


def test_the_mfu_section_quotes_the_estimate() -> None:
    from xlcompute import estimate, parse_scenario

    formula = re.search(r"`=(LLM_TRAIN_DAYS\(\"llama2-70b\"[^`]*)`", DOC)
    assert formula
    days = eval(formula.group(1), {n: getattr(udf, n) for n in udf.udf_specs()})  # noqa: S307
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"},
                                 "training": {"tokens": "2T", "seq_len": 4096, "global_batch": 1000},
                                 "cluster": {"accelerator": "H800", "cards": 1000}}))
    # The function counts every card; the estimate's layout may leave some idle (the doc says so).
    assert days == pytest.approx(r["step_train_days"] * r["parallel_cards"] / 1000, rel=1e-12)
    assert f"({days:.2f} days;" in DOC
    if r["parallel_cards"] < 1000:
        assert f"{r['step_train_days']:.2f}\n  days in the estimate" in DOC or f"{r['step_train_days']:.2f} days in the estimate" in DOC


def test_the_function_count_quoted_is_the_count_registered() -> None:
    """README and docs/excel.md name how many functions Excel lists: the count registered (both said 43 when
    there were 44)."""
    n = len(udf.udf_specs())
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"{n} functions in Excel's *Insert Function* dialog" in readme
    assert f"\n{n} Excel functions — " in DOC


_README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("call, shown", sorted(set(re.findall(
    r"`(=(?:LLM_[A-Z_]+)\([^`]*\))` is (\d{1,3}(?:,\d{3})*(?:\.\d+)?)(?![\d])", DOC + _README))))
def test_a_call_the_prose_quotes_returns_the_figure_it_states(call: str, shown: str) -> None:
    """Every "`=FUNCTION(…)` is N" in docs/excel.md and the README returns N at the decimals shown
    (a single figure, or the first cell of a spilled table); the serving confidence example said 62
    after the margin became whole replicas (64)."""
    expr = re.sub(r",(?=\s*[,)])", ",None", call[1:])  # no cell references here ("H800" is a card)
    value = eval(expr, {n: getattr(udf, n) for n in udf.udf_specs()})  # noqa: S307
    if isinstance(value, list):
        value = next(v for row in value for v in row if isinstance(v, (int, float)) and not isinstance(v, bool))
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    assert round(float(value), decimals) == float(shown.replace(",", "")), (call, value, shown)
