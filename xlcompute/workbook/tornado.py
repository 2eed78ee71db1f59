"""The live tornado table on the Sensitivity sheet (issue 13 §4): each uncertain input at its P10
and P90, the others at the workbook's values, and the days to a trained model, the total budget
and the training cost that follow.

Every cell is a formula. An input's P10/P90 is the core's quantile function (``core.spread``) over
the input's named cell, with the spreads of the scenario's ``uncertainty`` section; each result is
the graph's own formula with that one input replaced (``workbook.inline.inline_step``), so an edit on
the Inputs sheet moves the whole table, and unedited it equals :func:`xlcompute.uncertainty.analyse`.
The rows keep the order of the estimate's tornado (largest swing of days first).
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from xlcompute import registry
from xlcompute.core import spread
from xlcompute.core.expr import Ref, Value, excel_formula
from xlcompute.uncertainty import Distribution, UncertaintyReport
from xlcompute.workbook._book import Book, _define
from xlcompute.workbook.inline import inline_step
from xlcompute.workbook.styles import put_text, style_formula, style_header, style_note, style_section
from xlcompute.workbook.text import input_label, text

__all__ = ["TORNADO_NAME", "TORNADO_COLUMNS", "tornado_block"]

TORNADO_NAME = "tornado_first"
"""Defined name of the table's first data cell (the first input's P10 value)."""

TORNADO_COLUMNS = ("low", "high", "days_low", "days_high", "budget_low", "budget_high",
                   "train_cost_low", "train_cost_high")
"""The value columns, in order after the input's label (the fields of ``uncertainty.TornadoRow``)."""

_DELAY = "delivery_delay_days"  # not a graph input: it adds days before training starts


def _quantile(d: Distribution, z_or_u: float, price_spread: float) -> Value:
    """The input at its P10 or P90 as a formula over its named cell (the delay: over constants)."""
    if d.kind == "lognormal":
        x = spread.lognormal_quantile(Ref(d.key), d.sigma, z_or_u)
        return x if d.ceiling is None else spread.capped(x, d.ceiling)
    if d.key == _DELAY:
        return spread.triangular_quantile(z_or_u, d.low, d.base, d.high)
    # Prices: the triangle (1 − s, 1, 1 + s) × the named cell, so an edited price moves its range.
    return spread.triangular_quantile(z_or_u, Ref(d.key) * (1 - price_spread), Ref(d.key),
                                      Ref(d.key) * (1 + price_spread))


def tornado_block(b: Book, ws: Worksheet, row: int, report: UncertaintyReport) -> int:
    """Write the table from ``row`` down; returns the row after it."""
    lang = b.lang
    style_section(ws.cell(row=row, column=1, value=text("tornado_title", lang)))
    style_note(ws.cell(row=row + 1, column=1, value=text("tornado_note", lang).format(
        draws=f"{report.draws:,}", seed=report.seed)))
    head = row + 2
    headers = [text("tornado_input", lang), "P10", "P90", *(text(k, lang) for k in (
        "tornado_days_low", "tornado_days_high", "tornado_budget_low", "tornado_budget_high", "tornado_cost_low",
        "tornado_cost_high"))]
    for j, h in enumerate(headers, start=1):
        style_header(ws.cell(row=head, column=j, value=h))
    ws.row_dimensions[head].height = 30
    dists = {d.key: d for d in report.distributions}
    delay = dists[_DELAY]
    cur = b.currency
    for i, trow in enumerate(report.tornado):
        r = head + 1 + i
        d = dists[trow.key]
        label = text("tornado_delay", lang) if d.key == _DELAY else input_label(d.key, lang)
        put_text(ws.cell(row=r, column=1), label)
        low_cell, high_cell = f"$B${r}", f"$C${r}"
        for col, zu in ((2, -spread.Z_P90 if d.kind == "lognormal" else 0.1),
                        (3, spread.Z_P90 if d.kind == "lognormal" else 0.9)):
            c = ws.cell(row=r, column=col, value=excel_formula(_quantile(d, zu, b.scenario.uncertainty.price_spread)))
            b.known[(ws.title, c.coordinate)] = getattr(trow, TORNADO_COLUMNS[col - 2])
            style_formula(c)
            c.number_format = "0.0" if d.key == _DELAY else registry.excel_format(d.key, cur)
        for col, cell in ((4, low_cell), (5, high_cell)):
            if d.key == _DELAY:
                days: Value = spread.days_to_model(Ref("train_days"), Ref(cell))
            else:
                days = spread.days_to_model(inline_step("train_days", {d.key: Ref(cell)}), delay.base)
            c = ws.cell(row=r, column=col, value=excel_formula(days))
            b.known[(ws.title, c.coordinate)] = getattr(trow, TORNADO_COLUMNS[col - 2])
            style_formula(c)
            c.number_format = "#,##0.0"
        for col, key, cell in ((6, "total_budget", low_cell), (7, "total_budget", high_cell),
                               (8, "train_cost", low_cell), (9, "train_cost", high_cell)):
            value = Ref(key) if d.key == _DELAY else inline_step(key, {d.key: Ref(cell)})
            c = ws.cell(row=r, column=col, value=excel_formula(value))
            b.known[(ws.title, c.coordinate)] = getattr(trow, TORNADO_COLUMNS[col - 2])
            style_formula(c)
            c.number_format = registry.excel_format(key, cur)
    _define(b.wb, TORNADO_NAME, ws.title, "B", head + 1)
    return head + 1 + len(report.tornado)
