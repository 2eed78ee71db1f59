"""Build a planning workbook whose result cells are live Excel formulas generated from the core.

One formula, three faces: the result sheets are written by running the estimate graph
(:func:`xlcompute._graph.run_steps`) with a ``Ref`` to a named Inputs cell for every input. The
``bind`` callback writes ``excel_formula(expr)`` of each step into the next row of its sheet,
names that cell after the step and hands a ``Ref`` to the name back to the graph, so later steps
reference it. No computed number is ever written into a result cell; the Python estimate, the
UDFs and this workbook all run the same core functions. The step-time model is part of the
graph, so the Step-time model, Memory and Network sheets are the planner's own formulas.

The face takes an :class:`~xlcompute.estimate.Estimate` (its inputs, with sources, and its plan)
and never estimates again. Sheets: :mod:`._book` (Inputs and results), :mod:`.planner_block`,
:mod:`.sensitivity`, :mod:`.compare_sheet`, :mod:`.formulas_sheet`, :mod:`.catalog_sheets`.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook

from xlcompute._atomic import atomic_write
from xlcompute._graph import run_steps
from xlcompute.compare import Comparison, compare
from xlcompute.estimate import Estimate
from xlcompute.workbook import catalog_sheets
from xlcompute.workbook.compare_sheet import compare_sheet
from xlcompute.workbook._book import REQUIRED_NAMES, RESULT_SHEETS, SHEETS, Book
from xlcompute.workbook._evaluate import evaluate_workbook
from xlcompute.workbook._save import save_with_values
from xlcompute.workbook.formulas_sheet import formulas_sheet
from xlcompute.workbook.planner_block import planner_block
from xlcompute.uncertainty import analyse
from xlcompute.workbook.sensitivity import sensitivity_sheet
from xlcompute.workbook.styles import finish_sheet

__all__ = ["build_workbook", "write_workbook", "SHEETS", "RESULT_SHEETS", "REQUIRED_NAMES"]


def build_workbook(result: Estimate, lang: str = "en", comparison: Comparison | None = None) -> Workbook:
    """The planning workbook of an estimate as an openpyxl ``Workbook`` (not saved): its inputs
    (with their sources) on the Inputs sheet, every figure a live formula, and the plan's
    layouts as a static block.

    ``comparison``: :func:`xlcompute.compare.compare` of the estimate's scenario for the Compare
    sheet; computed here when not given (callers that build several workbooks of one scenario,
    or a proposal beside it, pass theirs so it runs once)."""
    return _build(result, lang, comparison).wb


def _build(result: Estimate, lang: str, comparison: Comparison | None) -> Book:
    scenario, resolved, plan = result.scenario, dict(result.inputs), result.plan
    b = Book(scenario, lang)
    hw = catalog_sheets.write_hardware(b.ws["hardware"], scenario, lang)
    models = catalog_sheets.write_models(b.ws["models"], scenario, lang)
    finish_sheet(b.ws["hardware"], {}, b.footer, "C3")
    finish_sheet(b.ws["models"], {}, b.footer, "C3")
    refs = b.inputs_sheet(hw, models, resolved)
    b.result_headers(plan)
    run_steps(refs, b.bind)
    # Each step's cell computes the estimate's own figure (a test evaluates them all and compares): its
    # cached value is that figure, so the evaluator need not work it out again.
    for key, (sheet, row) in b.where.items():
        value = float(result[key])
        if math.isfinite(value):  # a non-finite figure is an Excel error, which the evaluator words
            b.known[(sheet, f"B{row}")] = value
    if plan is not None and plan.best:
        planner_block(b, plan, result.deadline_plan, out_of_reach=result.deadline_out_of_reach())
    b.finish_results()
    error = ""
    if comparison is None:
        try:
            comparison = compare(scenario)
        except ValueError as exc:  # e.g. no default set for the currency: the sheet says why
            error = " ".join(str(exc).split())
    compare_sheet(b, {k: v.value for k, v in resolved.items()}, comparison, error)
    sensitivity_sheet(b, result["mfu"], int(result["tp"] * result["cp"] * result["pp"]), analyse(result),
                      result.sensitivity)
    formulas_sheet(b, hw)
    b.properties()
    return b


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A workbook is some 10^5 small objects; the cyclic collector's passes over them while it is
    built and saved cost ~15% of the time (measured), and they are freed by reference counting."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_workbook(result: Estimate, path: str | Path, lang: str = "en", comparison: Comparison | None = None) -> Path:
    """Build the workbook of an estimate and write it to ``path`` atomically; returns the path.
    Every formula cell also stores its value (``_evaluate``), so a reader without a calculation
    engine shows numbers; Excel and LibreOffice recalculate on open."""
    target = Path(path)
    with _collector_paused():
        b = _build(result, lang, comparison)
        wb = b.wb
        values, _ = evaluate_workbook(wb, b.known)  # a cell it cannot evaluate keeps no cached value (tests require none)
        with atomic_write(target) as tmp:
            save_with_values(wb, tmp, values)
        # Cells and their sheet refer to each other: dropped here, the ~10^5 cells go by reference
        # counting, not in the collector's first pass after it is enabled again (a batch makes hundreds).
        for ws in wb.worksheets:
            ws._cells.clear()
        wb._sheets.clear()
        del b, wb, values
    return target
