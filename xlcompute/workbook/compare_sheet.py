"""The Compare sheet (issue 13 part 2): the job on each alternative accelerator, one column per card,
live like the rest of the workbook.

Each column holds, as input cells, what is particular to its card: the catalog figures, the
prices and card count of :func:`xlcompute.compare.compare`'s row, and the layout planner's MFU
(the search has no spreadsheet form). An input the card shares with the scenario (tokens, model,
years, a price the scenario gives, ...) is a reference to the Inputs sheet's named cell, so
editing it there moves every column. Every figure below is the graph's own step (``_graph.GRAPH``)
evaluated with the column's cells in place of those inputs: a step that reads none of them stays
a reference to its named cell on the result sheets, one that does is written in the column. So
the column equals ``compare()``'s row when the workbook is built, and follows edits after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from openpyxl.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlcompute import catalog, registry
from xlcompute._graph import GRAPH, INPUT_KEYS, Step
from xlcompute.compare import (
    TOKENS_PER_TRILLION,
    Alternative,
    Comparison,
    Note,
)
from xlcompute.compare_words import note_words, reason_words
from xlcompute.core import cost
from xlcompute.core.expr import Ref, Value, excel_formula
from xlcompute.scenario import CustomAccelerator
from xlcompute.workbook._book import CHOICE_NAMES, PRECISION_PEAKS, Book, col_letter, precision_peak_formula
from xlcompute.workbook.catalog_sheets import HW_COLUMNS
from xlcompute.workbook.input_checks import formula_text
from xlcompute.workbook.styles import (
    RED_FONT,
    finish_sheet,
    put_text,
    style_formula,
    style_header,
    style_input,
    style_lookup,
    style_note,
    style_plain,
    style_section,
    style_static,
    style_title,
    wrapped_height,
)
from xlcompute.workbook.text import input_label, sheet_title, text, unit_text

__all__ = ["compare_sheet", "HEADLINE", "PER_TRILLION", "PER_TRILLION_PREDICTED", "PER_MILLION", "PLANNER_MFU", "KEY_COLUMN", "FIRST_CARD_COLUMN"]

# The figures of compare()'s rows, in the order shown; each a graph step.
HEADLINE: tuple[str, ...] = ("train_days", "deadline_slip_days", "gpu_hours", "mfu", "train_days_predicted_mfu",
                             "it_power_kw", "capex_total", "total_budget", "npv_own", "npv_rent", "train_cost",
                             "train_cost_predicted_mfu", "cost_per_million_tokens")
# What a serving-only plan does not show (no training run), and what a plan without users does not (no fleet).
_TRAINING_ROWS = frozenset({"train_days", "deadline_slip_days", "gpu_hours", "mfu", "train_cost",
                            "train_days_predicted_mfu", "train_cost_predicted_mfu"})
# Shown only when the scenario assumes an MFU (otherwise they repeat train_days and train_cost): an MFU assumed
# for one card says nothing about another's, so each card's figures at its predicted MFU stand beside them.
_ASSUMED_ROWS = frozenset({"train_days_predicted_mfu", "train_cost_predicted_mfu"})
# The inference model's cost per 10^6 output tokens (the Serving sheet's, compare()'s cost_per_million_output_tokens).
PER_MILLION = "cost_per_million_tokens"
_SERVING_ROWS = frozenset({PER_MILLION})
# A row that is not a graph step: core.cost.cost_per_tokens over the column's steps (as compare() does).
PER_TRILLION = "cost_per_trillion_tokens"
PER_TRILLION_PREDICTED = "cost_per_trillion_tokens_predicted_mfu"  # the same over train_cost_predicted_mfu
PLANNER_MFU = "predicted_mfu"  # a step of the step-time model, given as an input cell
# Peaks the Inputs sheet picks by the precision drop-downs (Book._lookup_formula): each card's column picks its
# own card's peaks by the same drop-downs, so a precision edit moves every column (#N/A where the card has none).
# Always shown, even when every card shares the scenario's value: what a buyer compares and may edit.
_SHOWN = ("gpu_count", "mfu_assumed", "price_per_gpu_hour", "server_price")
KEY_COLUMN = 3  # column C: the graph key of each row (as the Name column of the result sheets)
FIRST_CARD_COLUMN = 4
_FIRST_ROW = 4


def compare_sheet(b: Book, main: Mapping[str, float], comparison: Comparison | None, error: str = "") -> None:
    """Write the Compare sheet of ``comparison`` (``error``: why there is none); ``main`` holds
    the workbook's input values (the estimate's), to tell which inputs a card shares."""
    ws, lang = b.ws["compare"], b.lang
    style_title(ws.cell(row=1, column=1, value=sheet_title("compare", lang)))
    note = ws.cell(row=2, column=1, value=text("cmp_note", lang))
    style_note(note)
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=FIRST_CARD_COLUMN + 3)
    ws.row_dimensions[2].height = wrapped_height([(note.value, 52 + 10 + 26 + 4 * 16)], font_pt=9)
    if comparison is None:
        put_text(ws.cell(row=_FIRST_ROW, column=1), text("cmp_unavailable", lang).format(reason=error))
        finish_sheet(ws, {"A": 46}, b.footer, None)
        return
    alts = comparison.alternatives
    ok = [a for a in alts if a.ok]
    trains = comparison.train_tokens > 0  # a serving-only plan compares fleets: no training rows
    if trains and ok:
        _precision_warning(ws.cell(row=3, column=1), b.scenario.train.precision, lang)
    serves = any(a.cost_per_million_output_tokens is not None for a in ok)  # users to serve: a fleet per card
    assumed = trains and main.get("mfu_assumed", 0) > 0
    targets = [k for k in HEADLINE if (k != "deadline_slip_days" or comparison.deadline_days is not None)
               and (trains or k not in _TRAINING_ROWS) and (serves or k not in _SERVING_ROWS)
               and (assumed or k not in _ASSUMED_ROWS)]
    steps = GRAPH.needed(targets, given=[PLANNER_MFU])
    needed = {a for st in steps for a in st.args if isinstance(a, str) and a in main}
    # Prices the Inputs sheet looks up for its card are card figures too: a column keeps its own.
    card_keys = {k for k in (*HW_COLUMNS, *b.price_lookups, *PRECISION_PEAKS) if k in needed}
    varying = {k for k in needed if any(a.inputs.get(k, main[k]) != main[k] for a in ok)}
    inputs = [k for k in INPUT_KEYS if k in card_keys | varying | set(_SHOWN)]
    changed = _changed_steps(steps, [*inputs, *([PLANNER_MFU] if trains else [])])
    working = [k for k in changed if k not in targets]

    r = _FIRST_ROW
    for col, key in ((1, "col_figure"), (2, "col_unit"), (KEY_COLUMN, "col_name")):
        style_header(ws.cell(row=r, column=col, value=text(key, lang)))
    style_plain(ws.cell(row=r + 1, column=1, value=text("cmp_name", lang)))
    style_plain(ws.cell(row=r + 2, column=1, value=text("cmp_layout", lang)))
    for j, a in enumerate(alts):
        c = FIRST_CARD_COLUMN + j
        if a.accelerator == _own_key(b):  # the Inputs sheet's card: its header follows the drop-down there
            ws.cell(row=r, column=c, value=f"={CHOICE_NAMES['gpu']}")
        else:
            put_text(ws.cell(row=r, column=c), a.accelerator)
        style_header(ws.cell(row=r, column=c))
        name = ws.cell(row=r + 1, column=c)
        if a.accelerator == _own_key(b):
            # this column follows the Inputs sheet's card: say so when the drop-down there holds another one
            other = text("cmp_own_changed", lang)
            gpu = CHOICE_NAMES["gpu"]
            name.value = (f"=IF({gpu}={formula_text(a.accelerator)},{formula_text(a.name)},"
                          f"{gpu}&{formula_text(other)})")
        else:
            put_text(name, a.name)
        style_plain(name, wrap=True)
        style_static(ws.cell(row=r + 2, column=c, value=a.layout.replace("·CP1·", "·") if a.ok else None))
    ws.row_dimensions[r + 1].height = wrapped_height([(a.name, 16) for a in alts])
    r += 3

    rows: dict[str, int] = {}
    r = _section(ws, r, text("cmp_inputs", lang), len(alts))
    for key in (*inputs, PLANNER_MFU) if trains else inputs:
        label = text("cmp_planner_mfu", lang) if key == PLANNER_MFU else input_label(key, lang)
        r = _label_row(ws, r, label, unit_text(key, lang, b.currency), key, rows)
    r = _section(ws, r, text("cmp_results", lang), len(alts))
    for key in targets:
        r = _label_row(ws, r, input_label(key, lang), unit_text(key, lang, b.currency), key, rows)
    money = text(f"currency_{b.currency}", lang) if lang == "zh" else b.currency
    if trains:
        r = _label_row(ws, r, text("cmp_per_trillion", lang), money, PER_TRILLION, rows)
    if assumed:
        r = _label_row(ws, r, text("cmp_per_trillion_predicted", lang), money, PER_TRILLION_PREDICTED, rows)
    last_result = r - 1
    working_section = r
    r = _section(ws, r, text("cmp_working", lang), len(alts))
    for key in working:
        ws.row_dimensions[r].outlineLevel = 1
        ws.row_dimensions[r].hidden = True  # expanded on demand: the audit trail, not the summary
        r = _label_row(ws, r, input_label(key, lang), unit_text(key, lang, b.currency), key, rows)
    ws.sheet_properties.outlinePr.summaryBelow = False  # the +/- button sits on the section row

    own = _own_key(b)
    live: dict[str, set[str]] = {}  # each card's peaks that follow the precision drop-downs
    for j, a in enumerate(alts):
        col = col_letter(FIRST_CARD_COLUMN + j)
        if a.ok:
            plan = _Plan(main, inputs, card_keys, steps, rows, b.scenario.train.precision == "fp8")
            live[a.accelerator] = _column(ws, col, a, a.accelerator == own, plan, b.currency)
        else:
            _reason(ws, a, col, rows[inputs[0]], last_result, lang)

    r = _notes(ws, max(r, working_section + 1) + 1, alts, live, lang)
    if ok:
        ws.row_breaks.append(Break(id=r))  # the charts print on a page of their own, whole
        _charts(ws, r + 2, rows, len(alts), lang, money)
    widths = {"A": 52, "B": 10, col_letter(KEY_COLUMN): 26,
              **{col_letter(FIRST_CARD_COLUMN + j): 16 for j in range(len(alts))}}
    finish_sheet(ws, widths, b.footer, f"{col_letter(FIRST_CARD_COLUMN)}{_FIRST_ROW + 1}")


class _Plan(NamedTuple):
    """What every column shares: the scenario's inputs, the input rows, the steps and their rows."""

    main: Mapping[str, float]
    inputs: list[str]
    card_keys: set[str]
    steps: tuple[Step, ...]
    rows: dict[str, int]
    fp8: bool  # the scenario trains in FP8 (the Inputs sheet's precision drop-down as built)


def _column(ws: Worksheet, col: str, a: Alternative, own: bool, p: _Plan, currency: str) -> set[str]:
    """One card's column: its input cells, then the graph's steps over them. Returns the peaks that follow the
    precision drop-downs (a card planned at another precision than the workbook's keeps its typed peaks)."""
    if not a.inputs:
        raise ValueError(f"the comparison's row for {a.accelerator} carries no inputs; pass compare()'s own result")
    values: dict[str, Value] = {k: Ref(k) for k in INPUT_KEYS}
    live: set[str] = set()
    for key in p.inputs:
        # A card's catalog figures stay its own even where they equal the scenario's card (the
        # Inputs card may be changed); anything else it shares follows the Inputs sheet.
        shared = a.inputs[key] == p.main[key] and (key not in p.card_keys or own)
        cell = ws[f"{col}{p.rows[key]}"]
        peak = None if own or key not in PRECISION_PEAKS else _peak_formula(key, a.accelerator, p.fp8, p.main)
        if peak is not None and peak[1] == a.inputs[key]:  # the card's own peak, by the drop-downs
            cell.value = peak[0]
            style_input(cell)
            live.add(key)
        elif shared:
            cell.value = f"={key}"
            style_lookup(cell)
        else:
            cell.value = _number(a.inputs[key])
            style_input(cell)
        cell.number_format = _format(key, currency)
        values[key] = Ref(cell.coordinate)
    if PLANNER_MFU in p.rows:
        cell = ws[f"{col}{p.rows[PLANNER_MFU]}"]
        if own and all(a.inputs[k] == p.main[k] for k in p.inputs):
            # the Inputs sheet's own plan (not one re-sized for a deadline): its live predicted MFU, which
            # follows an edit there (cards, card, model)
            cell.value = f"={PLANNER_MFU}"
            style_lookup(cell)
        else:
            cell.value = a.predicted_mfu
            style_input(cell)
        cell.number_format = _format(PLANNER_MFU, currency)
        values[PLANNER_MFU] = Ref(cell.coordinate)
    else:  # serving only: no training tokens, so the MFU only has to be the workbook's own (finite) one
        values[PLANNER_MFU] = Ref(PLANNER_MFU)
    for st in p.steps:
        if st.key in p.rows:  # changed by the column's cells, or a headline figure
            expr = st.fn(*[values[x] if isinstance(x, str) else x for x in st.args])
            values[st.key] = _write(ws, f"{col}{p.rows[st.key]}", expr, _format(st.key, currency))
        else:  # reads none of the column's cells: the result sheets' named cell
            values[st.key] = Ref(st.key)
    for row, spent in ((PER_TRILLION, "train_cost"), (PER_TRILLION_PREDICTED, "train_cost_predicted_mfu")):
        if row in p.rows:
            coord = f"{col}{p.rows[row]}"
            _write(ws, coord, cost.cost_per_tokens(values[spent], Ref("train_tokens"), TOKENS_PER_TRILLION),
                   registry.excel_format("train_cost", currency))
            # tokens edited to 0 (the serving-only plan the Inputs sheet allows): no training to price, as compare()
            ws[coord].value = f'=IF(train_tokens>0,{str(ws[coord].value)[1:]},"—")'
    return live


def _peak_formula(key: str, card: str, fp8_training: bool, serving: Mapping[str, float]) -> tuple[str, float] | None:
    """The formula a card's column holds for a peak the Inputs sheet picks by a precision drop-down
    (``precision_peak_formula`` over this card's catalog peaks; #N/A where the card has none), and its
    value at the workbook's precisions (``fp8_training``; ``serving``: the serving_fp8 / serving_int8 inputs);
    None for a card outside the catalog."""
    try:
        g = catalog.get_gpu(card)
    except (KeyError, ValueError):
        return None
    nan = float("nan")
    if key == "gpu_peak_tflops":
        value = (g.fp8_tflops or nan) if fp8_training else g.bf16_tflops
    elif key == "precision_peak_ratio":
        value = (g.fp8_tflops or nan) / g.bf16_tflops if fp8_training else 1.0
    elif serving.get("serving_fp8", 0) == 1:
        value = g.fp8_tflops or nan
    else:
        value = (g.int8_tops or nan) if serving.get("serving_int8", 0) == 1 else g.bf16_tflops

    def peak(x: float | None) -> str:
        return "NA()" if x is None else _excel_number(x)

    formula = "=" + precision_peak_formula(key, _excel_number(g.bf16_tflops), peak(g.fp8_tflops), peak(g.int8_tops))
    return formula, value


def _precision_warning(cell: Cell, built: str, lang: str) -> None:
    """A live line that shows when the Inputs sheet's training precision is not the one the alternatives were
    planned at: each card's predicted MFU is for that precision, so its days are not the new precision's
    (H20 at BF16 read 594 days where compare() gives 421)."""
    cell.value = (f'=IF({CHOICE_NAMES["precision"]}={formula_text(built)},"",'
                  f'{formula_text(text("cmp_precision_changed", lang).format(built=built))})')
    cell.font = RED_FONT


def _excel_number(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


def _changed_steps(steps: Iterable[Step], keys: Iterable[str]) -> list[str]:
    """The steps, in graph order, that read (directly or not) one of ``keys``."""
    changed = set(keys)
    out = []
    for st in steps:
        if any(isinstance(a, str) and a in changed for a in st.args):
            changed.add(st.key)
            out.append(st.key)
    return out


def _section(ws: Worksheet, r: int, title: str, n: int) -> int:
    for c in range(1, FIRST_CARD_COLUMN + n):
        style_section(ws.cell(row=r, column=c, value=title if c == 1 else None))
    return r + 1


def _label_row(ws: Worksheet, r: int, label: str, unit: str, key: str, rows: dict[str, int]) -> int:
    style_plain(ws.cell(row=r, column=1, value=label))
    style_plain(ws.cell(row=r, column=2, value=unit))
    style_note(ws.cell(row=r, column=KEY_COLUMN, value=key))
    rows[key] = r
    return r + 1


def _write(ws: Worksheet, coord: str, expr: Value, number_format: str) -> Ref:
    cell = ws[coord]
    cell.value = excel_formula(expr)
    style_formula(cell)
    cell.number_format = number_format
    return Ref(coord)


def _format(key: str, currency: str) -> str:
    # Whole numbers instead of the result sheets' scientific format: a buyer reads these figures.
    fmt = registry.excel_format(key, currency)
    return "#,##0" if "E+" in fmt else fmt


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _own_key(b: Book) -> str | None:
    acc = b.scenario.cluster.accelerator
    return None if isinstance(acc, CustomAccelerator) else catalog.get_gpu(acc).key


def _reason(ws: Worksheet, a: Alternative, col: str, first: int, last: int, lang: str) -> None:
    """A card that cannot run the job: its reason in words over its column, no formulas."""
    cell = ws[f"{col}{first}"]
    put_text(cell, text("cmp_cannot", lang).format(reason=reason_words(a.why, a.reason, lang)))
    style_note(cell)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"{col}{first}:{col}{last}")


def _note_text(n: Note, lang: str) -> str:
    return note_words(n, lang, labels=False)  # the sheet names the scenario's fields, as typed


def _missing_peaks(card: str, training: bool, serving: bool) -> str:
    """The precisions whose peak the catalog lacks for ``card`` among those the drop-downs can pick for its live
    peaks (training: FP8; serving: FP8 and INT8); "" when none or not a catalog card."""
    try:
        g = catalog.get_gpu(card)
    except (KeyError, ValueError):
        return ""
    picks = (("FP8", g.fp8_tflops, training or serving), ("INT8 (w8a8)", g.int8_tops, serving))
    return "/".join(name for name, peak, can in picks if can and peak is None)


def _notes(ws: Worksheet, r: int, alts: list[Alternative], live: Mapping[str, set[str]], lang: str) -> int:
    lines = [f"{a.accelerator}: {_note_text(n, lang)}" for a in alts for n in a.notes]
    # A column whose peaks are formulas shows #N/A at a precision its card has no peak for: say so beside it,
    # for the drop-down that can do it (a card planned at BF16 for want of FP8 holds typed training peaks).
    for a in alts:
        keys = live.get(a.accelerator, set())
        serving = "serving_peak_tflops" in keys
        which = _missing_peaks(a.accelerator, training=bool(keys - {"serving_peak_tflops"}), serving=serving)
        if which:
            lines.append(text("cmp_no_peak" if keys - {"serving_peak_tflops"} else "cmp_no_peak_serving",
                              lang).format(card=a.accelerator, which=which))
    if not lines:
        return r
    r = _section(ws, r, text("cmp_notes", lang), len(alts))
    for line in lines:
        cell = ws.cell(row=r, column=1)
        put_text(cell, line)
        style_note(cell)
        r += 1
    return r


def _charts(ws: Worksheet, r: int, rows: dict[str, int], n: int, lang: str, money: str) -> None:
    cats = Reference(ws, min_col=FIRST_CARD_COLUMN, max_col=FIRST_CARD_COLUMN + n - 1, min_row=_FIRST_ROW)
    # With an assumed MFU the cards are charted at their predicted MFUs, as the proposal's chart is.
    if PER_TRILLION_PREDICTED in rows:
        shown = ((PER_TRILLION_PREDICTED, "cmp_chart_cost_predicted"),
                 ("train_days_predicted_mfu", "cmp_chart_days_predicted"))
    elif PER_TRILLION in rows:
        shown = ((PER_TRILLION, "cmp_chart_cost"), ("train_days", "cmp_chart_days"))
    else:  # a serving fleet
        shown = ((PER_MILLION, "cmp_chart_served"), ("total_budget", "cmp_chart_budget"))
    for i, (key, title) in enumerate(shown):
        chart = BarChart()
        chart.type = "col"
        chart.title = text(title, lang)
        chart.add_data(Reference(ws, min_col=FIRST_CARD_COLUMN, max_col=FIRST_CARD_COLUMN + n - 1,
                                 min_row=rows[key]), from_rows=True, titles_from_data=False)
        chart.set_categories(cats)
        chart.legend = None
        chart.y_axis.scaling.min = 0  # bars from zero: a truncated axis exaggerates the differences
        chart.y_axis.title = text("cmp_axis_days", lang) if "days" in key else money
        chart.x_axis.title = text("cmp_axis_card", lang)
        chart.height, chart.width = 7.5, 14
        ws.add_chart(chart, f"{'A' if i == 0 else col_letter(FIRST_CARD_COLUMN + 1)}{r}")
