"""The Formulas sheet: every core function the workbook's cells use, one Excel instance of it,
its meaning and its source (the citation of the function's docstring, xlcompute.registry)."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable

from xlcompute import registry
from xlcompute._docs import module_sources
from xlcompute._graph import STEPS
from xlcompute.core.expr import Value
from xlcompute.workbook._book import CHOICE_NAMES, Book
from xlcompute.workbook.catalog_sheets import HW_COLUMNS, CatalogTable
from xlcompute.workbook.styles import finish_sheet, put_text, style_header, style_note, style_plain, style_title, wrapped_height
from xlcompute.workbook.text import sheet_title, text

__all__ = ["formulas_sheet"]


def formulas_sheet(b: Book, hw: CatalogTable) -> None:
    ws, lang = b.ws["formulas"], b.lang
    style_title(ws.cell(row=1, column=1, value=sheet_title("formulas", lang)))
    style_note(ws.cell(row=2, column=1, value=text("formulas_note", lang)))
    for col, key in enumerate(("col_function", "col_used_for", "col_excel", "col_meaning", "col_source"),
                              start=1):
        style_header(ws.cell(row=4, column=col, value=text(key, lang)))
    rows: list[tuple[str, str, str, str, str]] = []
    for fn, (used, formula) in b.instances.items():
        meaning, source = _doc_parts(fn)
        rows.append((_fn_name(fn), ", ".join(used), formula, meaning, source or text("derived", lang)))
    rows.append(("INDEX / MATCH", "gpu_hbm_gb, …, model_params, …",
                 "=" + hw.lookup(HW_COLUMNS["gpu_hbm_gb"], CHOICE_NAMES["gpu"]),
                 text("lookup_meaning", lang), text("lookup_source_doc", lang)))
    # End-to-end days: the steps' time (schedule) over the effective training-time ratio (goodput).
    days_sources = [_doc_parts(_step_fn(k))[1] for k in ("step_train_seconds", "train_seconds")]
    rows.append(("schedule.train_seconds · goodput.calendar_seconds", b.ws["sensitivity"].title, b.sens_days_instance,
                 text("sens_meaning", lang), "; ".join(s for s in days_sources if s) or text("derived", lang)))
    rows.append(("cost.total_cost", b.ws["sensitivity"].title, b.sens_budget_instance, text("sens_meaning", lang),
                 _doc_parts(_step_fn("total_budget"))[1] or text("derived", lang)))
    # The sources of each core module (its docstring's title and Sources paragraphs), below the
    # functions: the reading the proposal's appendix once printed, kept with the formulas.
    rows.append(("", "", "", "", ""))
    sources_row = len(rows)
    rows.append((text("module_sources", lang), "", "", "", ""))
    modules = dict.fromkeys(fn.__module__ for fn in b.instances)
    for name in modules:
        rows.append((name.removeprefix("xlcompute."), "", "", module_sources(sys.modules[name].__doc__), ""))
    widths = {"A": 28, "B": 28, "C": 60, "D": 50, "E": 50}
    for i, values in enumerate(rows):
        r = 5 + i
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=r, column=col)
            put_text(c, value)  # formula text shown as text, never evaluated
            style_plain(c, wrap=True)
        # Wrapped rows get an explicit height: spreadsheets do not grow rows written by openpyxl.
        ws.row_dimensions[r].height = wrapped_height(list(zip(values, widths.values())))
    style_header(ws.cell(row=5 + sources_row, column=1))
    finish_sheet(ws, widths, b.footer, "A5")
    # Long formulas and sources stay whole on paper: wrapped cells, header row on every page.
    ws.print_title_rows = "4:4"


def _step_fn(key: str) -> Callable[..., Value]:
    return next(s.fn for s in STEPS if s.key == key)


def _fn_name(fn: Callable[..., Value]) -> str:
    return f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"


@functools.lru_cache(maxsize=1024)
def _doc_parts(fn: Callable[..., Value]) -> tuple[str, str]:
    """(first line of the docstring, its citations): the Formulas sheet's meaning and source."""
    doc = (inspect.getdoc(fn) or "").replace("``", "")  # reST literals read as plain text
    lines = doc.splitlines()
    meaning = lines[0].strip() if lines else fn.__name__
    return meaning, registry.citation(fn)
