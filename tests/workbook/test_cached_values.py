"""Formula cells carry their computed values (issue 14 §5): a reader without a calculation engine
(openpyxl ``data_only``, file previewers, mail clients) shows numbers that equal ``estimate()``.

The evaluator that computes them (``workbook._evaluate``) is checked here against Excel's own
semantics, function by function; the LibreOffice test compares every cached cell with
LibreOffice's recalculation."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from xlcompute.estimate import estimate
from xlcompute.scenario import Scenario
from xlcompute.workbook import build_workbook, write_workbook
from xlcompute.workbook._evaluate import ExcelError, evaluate_workbook
from xlcompute.workbook.ready_made import ready_made

READY = ready_made(Path(__file__).resolve().parents[2] / "workbooks")


def _one(formula: str, **cells: object) -> object:
    wb = openpyxl.Workbook()
    ws = wb.active
    for coord, v in cells.items():
        ws[coord] = v
    ws["Z1"] = "=" + formula
    values, problems = evaluate_workbook(wb)
    assert not problems, problems
    return values[(ws.title, "Z1")]


@pytest.mark.parametrize(("formula", "expected"), [
    ("INT(-1.5)", -2.0), ("INT(2.9)", 2.0),
    ("ROUND(2.675,2)", 2.68), ("ROUND(-2.5,0)", -3.0), ("ROUND(1234.5678,-2)", 1200.0),
    ("ROUNDUP(1.21,1)", 1.3), ("ROUNDUP(-1.21,1)", -1.3), ("ROUNDUP(3,0)", 3.0),
    ("MOD(-3,2)", 1.0), ("MOD(3,-2)", -1.0),
    ("-2^2", 4.0), ("2^3^2", 64.0), ("2*3+4", 10.0), ("2+3*4", 14.0), ("(2+3)*4", 20.0), ("50%", 0.5),
    ("1/0", ExcelError("#DIV/0!")), ("SQRT(-1)", ExcelError("#NUM!")), ("LN(0)", ExcelError("#NUM!")),
    ("IF(1>0,5,1/0)", 5.0), ("IF(0,1)", False), ("IFERROR(1/0,7)", 7.0),
    ("MAX(1,3,2)", 3.0), ("MIN(4,-1)", -1.0), ("AND(1,1>0)", True), ("OR(0,1=2)", False), ("NOT(0)", True),
    ('"a"&1', "a1"), ('"X"="x"', True), ("EXP(0)", 1.0), ("1E-12*1E+12", 1.0), ("ABS(-4)", 4.0),
])
def test_functions_follow_excel(formula: str, expected: object) -> None:
    got = _one(formula)
    if isinstance(expected, float):
        assert isinstance(got, float) and math.isclose(got, expected, rel_tol=1e-12), (formula, got)
    else:
        assert got == expected, (formula, got)


def test_references_names_ranges_and_lookups() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Step time"
    ws["A1"], ws["A2"], ws["A3"] = "H800", "h20", "910B"
    ws["B1"], ws["B2"], ws["B3"] = 989, 148, 313
    ws["C1"] = "H20"
    ws["C2"] = "=INDEX('Step time'!$B$1:$B$3,MATCH(choice,'Step time'!$A$1:$A$3,0))"
    ws["C3"] = "=MAX($B$1:$B$3,C4)+C5"  # C5 blank: 0
    ws["C4"] = 1000
    ws["C6"] = "=MATCH(\"nope\",A1:A3,0)"
    wb.defined_names["choice"] = openpyxl.workbook.defined_name.DefinedName("choice", attr_text="'Step time'!$C$1")
    values, problems = evaluate_workbook(wb)
    assert not problems
    assert values[("Step time", "C2")] == 148.0  # exact match, case-insensitive
    assert values[("Step time", "C3")] == 1000.0
    assert values[("Step time", "C6")] == ExcelError("#N/A")


def test_an_unknown_function_is_a_problem_not_a_wrong_value() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=VLOOKUP(1,B1:C2,2,FALSE)"
    wb.active["A2"] = "=A2+1"
    values, problems = evaluate_workbook(wb)
    assert values == {}
    assert "VLOOKUP" in problems[(wb.active.title, "A1")] and "circular" in problems[(wb.active.title, "A2")]


def _check_cached(path: Path, result_key_values: dict[str, float]) -> int:
    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)  # reads what the file stores, computes nothing
    empty_text = {k for k, v in evaluate_workbook(formulas)[0].items() if v == ""}  # "" reads back as None
    blank = [(ws.title, c.coordinate) for ws in formulas.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "f" and cached[ws.title][c.coordinate].value is None
             and (ws.title, c.coordinate) not in empty_text]
    assert not blank, f"{len(blank)} formula cells store no value, e.g. {blank[:5]}"
    n = 0
    for name, dn in formulas.defined_names.items():
        if name not in result_key_values:
            continue
        (sheet, coord), = list(dn.destinations)
        value = cached[sheet][coord.replace("$", "")].value
        if formulas[sheet][coord.replace("$", "")].data_type != "f":
            continue  # an input typed as a number
        expected = result_key_values[name]
        assert isinstance(value, (int, float)), (name, value)
        assert math.isclose(float(value), expected, rel_tol=1e-9, abs_tol=1e-12), (name, value, expected)
        n += 1
    return n


@pytest.mark.parametrize("item", READY, ids=[r.path.name for r in READY])
def test_committed_workbooks_show_the_estimate_without_calculating(item) -> None:  # type: ignore[no-untyped-def]
    result = estimate(item.scenario())
    assert _check_cached(item.path, {k: float(result[k]) for k in _named_keys(item.path)}) > 200


def _named_keys(path: Path) -> list[str]:
    from xlcompute._graph import GRAPH

    names = openpyxl.load_workbook(path).defined_names
    return [k for k in names if k in GRAPH.keys or k in GRAPH.inputs]


@pytest.mark.parametrize("fixture", ["custom_scenario", "override_scenario"])
def test_every_formula_of_the_unusual_scenarios_is_evaluated(fixture: str, request: pytest.FixtureRequest,
                                                              tmp_path: Path) -> None:
    sc: Scenario = request.getfixturevalue(fixture)
    result = estimate(sc)
    for lang in ("en", "zh"):
        values, problems = evaluate_workbook(build_workbook(result, lang))
        assert not problems, problems
    path = write_workbook(result, tmp_path / "w.xlsx")
    assert _check_cached(path, {k: float(result[k]) for k in _named_keys(path)}) > 200


def test_a_formula_showing_an_empty_cell_shows_zero() -> None:
    assert _one("A1") == 0.0
    assert _one("IF(0,1,A1)") == 0.0
    assert _one('A1&"x"') == "x"


def test_values_the_builder_knows_equal_the_evaluators_own() -> None:
    """The Sensitivity grid and the tornado store the estimate's own figures as cached values
    (their inline formulas are long); evaluating those formulas gives the same numbers."""
    from xlcompute.scenario import default_scenario
    from xlcompute.workbook.builder import _build

    b = _build(estimate(default_scenario()), "en", None)
    assert len(b.known) > 80
    with_known, _ = evaluate_workbook(b.wb, b.known)
    evaluated, problems = evaluate_workbook(b.wb)
    assert not problems
    for key, value in b.known.items():
        assert with_known[key] == value
        assert math.isclose(evaluated[key], value, rel_tol=1e-9, abs_tol=1e-9), (key, evaluated[key], value)
