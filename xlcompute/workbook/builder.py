"""Build a planning workbook whose result cells are live Excel formulas generated from the core.

One formula, three faces: the result sheets are written by running the estimate graph
(:func:`xlcompute._graph.run_steps`) with a ``Ref`` to a named Inputs cell for every input. The
``bind`` callback writes ``excel_formula(expr)`` of each step into the next row of its sheet,
names that cell after the step and hands a ``Ref`` to the name back to the graph, so later steps
reference it. No computed number is ever written into a result cell; the Python estimate, the
UDFs and this workbook all run the same core functions. The step-time model is part of the
graph, so the Step-time model, Memory and Network sheets are the planner's own formulas.

The face takes an :class:`~xlcompute.estimate.Estimate` (its inputs, with sources, and its plan)
and never estimates again.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlcompute import registry
from xlcompute._atomic import atomic_write
from xlcompute._graph import GRAPH, INPUT_GROUPS, INPUT_KEYS, SHEETS as GRAPH_SHEETS, STEPS, Step, run_steps
from xlcompute.core.expr import Expr, Ref, Value, excel_formula
from xlcompute.core.units import GB
from xlcompute.estimate import Estimate, InputValue, PlanReport, sensitivity_cards, sensitivity_mfus
from xlcompute.scenario import Scenario
from xlcompute.workbook import catalog_sheets
from xlcompute.workbook.catalog_sheets import HW_COLUMNS, HW_FP8_COLUMN, MODEL_COLUMNS, CatalogTable
from xlcompute.workbook.styles import (
    RED_FILL,
    RED_FONT,
    finish_sheet,
    put_text,
    register_styles,
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
from xlcompute.workbook.text import LANGS, input_label, sheet_title, text, unit_text

__all__ = ["build_workbook", "write_workbook", "SHEETS", "RESULT_SHEETS", "REQUIRED_NAMES"]

RESULT_SHEETS: tuple[str, ...] = GRAPH_SHEETS
# Tab names stay English in both languages so the formula text is identical (the issue's
# "the formulas are the same"); each sheet's A1 heading carries the translated title.
SHEETS: dict[str, str] = {
    "inputs": "Inputs", "training": "Training", "step": "Step time", "memory": "Memory", "network": "Network",
    "serving": "Serving", "budget": "Budget", "sensitivity": "Sensitivity", "hardware": "Hardware",
    "models": "Models", "formulas": "Formulas",
}
REQUIRED_NAMES: tuple[str, ...] = (
    "model_params", "train_tokens", "gpu_count", "gpu_peak_tflops", "mfu", "price_per_gpu_hour",
    "train_flops", "train_days", "gpu_hours", "mem_per_gpu_gb", "train_cost", "total_budget",
)
CHOICE_NAMES = {"model": "model_choice", "gpu": "gpu_choice", "precision": "precision_choice"}

# Inputs sheet groups: the graph's own grouping, so a new input cannot fall between sections.
_GROUPS = tuple((f"sec_{name}", keys) for name, keys in INPUT_GROUPS)
_FIRST_RESULT_ROW = 5
PLAN_ROWS = 5  # layouts listed by the Training sheet's planner block
# Card-count factors of the Sensitivity rows: the same as estimate.sensitivity_cards (checked when a
# workbook is built, so the two cannot drift apart silently).
CARD_FACTORS: tuple[float, ...] = (0.25, 0.5, 1, 1.5, 2, 4)


def _define(wb: Workbook, name: str, sheet: str, col: str, row: int) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${col}${row}")


class _Builder:
    def __init__(self, scenario: Scenario, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
        self.scenario = scenario
        self.mfu_open = scenario.assumptions.mfu is None
        self.lang = lang
        self.currency = scenario.pricing.currency
        self.footer = text("footer", lang)
        self.wb = Workbook()
        register_styles(self.wb)
        first = self.wb.active
        self.ws: dict[str, Worksheet] = {}
        for i, (key, title) in enumerate(SHEETS.items()):
            ws = first if i == 0 else self.wb.create_sheet()
            ws.title = title
            self.ws[key] = ws
        self.next_row: dict[str, int] = {s: _FIRST_RESULT_ROW for s in RESULT_SHEETS}
        self.where: dict[str, tuple[str, int]] = {}  # step key -> (sheet, row)
        self.instances: dict[Callable[..., Value], tuple[list[str], str]] = {}

    # -- Inputs ------------------------------------------------------------------------------
    def inputs_sheet(self, hw: CatalogTable, models: CatalogTable, resolved: Mapping[str, InputValue]) -> dict[str, Ref]:
        ws, lang, sc = self.ws["inputs"], self.lang, self.scenario
        style_title(ws.cell(row=1, column=1, value=f"{text('book_title', lang)} — {sheet_title('inputs', lang)}"))
        style_note(ws.cell(row=2, column=1, value=text("inputs_note", lang)))
        for col, key in enumerate(("col_item", "col_value", "col_unit", "col_source", "col_name"), start=1):
            style_header(ws.cell(row=4, column=col, value=text(key, lang)))
        row = 5
        style_section(ws.cell(row=row, column=1, value=text("sec_scenario", lang)))
        row += 1
        for key, value in (("scenario_name", sc.name), ("organisation", sc.organisation),
                           ("description", sc.description)):
            style_plain(ws.cell(row=row, column=1, value=text(key, lang)))
            cell = ws.cell(row=row, column=2)
            put_text(cell, value)
            style_input(cell)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
            if key == "description" and value:
                ws.row_dimensions[row].height = 15 * max(1, min(8, len(value) // 110 + 1))
            row += 1
        choices = (
            ("model_choice", models.selected, models.column("A"), "choose_model"),
            ("gpu_choice", hw.selected, hw.column("A"), "choose_gpu"),
            ("precision_choice", sc.training.precision, '"bf16,fp16,fp8"', "choose_precision"),
        )
        for key, value, source_list, note in choices:
            style_plain(ws.cell(row=row, column=1, value=text(key, lang)))
            cell = ws.cell(row=row, column=2)
            put_text(cell, value)
            style_input(cell)
            style_note(ws.cell(row=row, column=4, value=text(note, lang)))
            ws.cell(row=row, column=5, value=key)
            dv = DataValidation(type="list", formula1=source_list, allow_blank=False, showDropDown=False)
            dv.error = text(note, lang)
            dv.errorTitle = text(key, lang)
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)
            _define(self.wb, key, ws.title, "B", row)
            row += 1
        style_plain(ws.cell(row=row, column=1, value=text("currency", lang)))
        put_text(ws.cell(row=row, column=2), self.currency)
        row += 1

        refs: dict[str, Ref] = {}
        # Inputs the scenario fixes itself are written as numbers, not catalog lookups.
        fixed = {
            key for key, given in (
                ("model_params", sc.model.params is not None or sc.model.active_params is not None),
                ("model_active_params", sc.model.params is not None or sc.model.active_params is not None),
                ("cards_per_node", sc.cluster.cards_per_node is not None),
                ("intra_node_gbs", sc.cluster.intra_node_gbs is not None),
                ("gpu_tdp_w", sc.cluster.tdp_w is not None),
            ) if given
        }
        for section, keys in _GROUPS:
            row += 1
            style_section(ws.cell(row=row, column=1, value=text(section, lang)))
            row += 1
            for key in keys:
                iv = resolved[key]
                self._input_row(ws, row, key, iv, hw, models, fixed)
                _define(self.wb, key, ws.title, "B", row)
                refs[key] = Ref(key)
                row += 1
        finish_sheet(ws, {"A": 44, "B": 20, "C": 16, "D": 80, "E": 24}, self.footer, "B5")
        return refs

    def _input_row(self, ws: Worksheet, row: int, key: str, iv: InputValue, hw: CatalogTable,
                   models: CatalogTable, fixed: set[str]) -> None:
        lang = self.lang
        style_plain(ws.cell(row=row, column=1, value=input_label(key, lang)))
        cell = ws.cell(row=row, column=2)
        formula = None if key in fixed else self._lookup_formula(key, hw, models)
        if formula is None:
            cell.value = iv.value if not float(iv.value).is_integer() else int(iv.value)
            style_input(cell)
            source = iv.source
        else:
            cell.value = "=" + formula
            style_lookup(cell)
            table = hw if key in HW_COLUMNS else models
            source = text("lookup_source", lang).format(sheet=table.sheet, detail=iv.source)
        cell.number_format = registry.excel_format(key, self.currency)
        style_plain(ws.cell(row=row, column=3, value=unit_text(key, lang, self.currency)))
        src = ws.cell(row=row, column=4)
        put_text(src, source)
        style_note(src)
        ws.cell(row=row, column=5, value=key)

    def _lookup_formula(self, key: str, hw: CatalogTable, models: CatalogTable) -> str | None:
        if key in MODEL_COLUMNS:
            return models.lookup(MODEL_COLUMNS[key], CHOICE_NAMES["model"])
        if key in HW_COLUMNS:
            if key == "gpu_peak_tflops":
                choice = CHOICE_NAMES["gpu"]
                return (f'IF({CHOICE_NAMES["precision"]}="fp8",{hw.lookup(HW_FP8_COLUMN, choice)},'
                        f"{hw.lookup(HW_COLUMNS[key], choice)})")
            return hw.lookup(HW_COLUMNS[key], CHOICE_NAMES["gpu"])
        return None

    # -- result sheets -------------------------------------------------------------------------
    def result_headers(self, plan: PlanReport | None) -> None:
        for sheet in RESULT_SHEETS:
            ws = self.ws[sheet]
            style_title(ws.cell(row=1, column=1, value=sheet_title(sheet, self.lang)))
            note = "results_note_plan" if plan is not None and sheet == "training" else "results_note"
            style_note(ws.cell(row=2, column=1, value=text(note, self.lang)))
            for col, key in enumerate(("col_figure", "col_value", "col_unit", "col_name"), start=1):
                style_header(ws.cell(row=4, column=col, value=text(key, self.lang)))

    def bind(self, st: Step, value: Value) -> Ref:
        """Write one step's formula into its sheet, name the cell, return a Ref to the name."""
        ws = self.ws[st.sheet]
        row = self.next_row[st.sheet]
        self.next_row[st.sheet] = row + 1
        style_plain(ws.cell(row=row, column=1, value=input_label(st.key, self.lang)))
        formula = excel_formula(value)
        cell = ws.cell(row=row, column=2, value=formula)
        style_formula(cell)
        cell.number_format = registry.excel_format(st.key, self.currency)
        style_plain(ws.cell(row=row, column=3, value=unit_text(st.key, self.lang, self.currency)))
        ws.cell(row=row, column=4, value=st.key)
        _define(self.wb, st.key, ws.title, "B", row)
        self.where[st.key] = (ws.title, row)
        used, _ = self.instances.setdefault(st.fn, ([], formula))
        used.append(st.key)
        return Ref(st.key, key=st.key)

    def finish_results(self) -> None:
        mem = self.ws["memory"]
        # Red when a card's training memory exceeds its HBM (the conditional format).
        for key, limit in (("mem_per_gpu_gb", "gpu_hbm_gb"), ("mem_per_gpu", "hbm_bytes")):
            _, row = self.where[key]
            mem.conditional_formatting.add(
                f"B{row}", FormulaRule(formula=[f"$B${row}>{limit}"], fill=RED_FILL, font=RED_FONT)
            )
        _, row = self.where["mem_fits"]
        mem.conditional_formatting.add(f"B{row}", CellIsRule(operator="equal", formula=["0"], fill=RED_FILL,
                                                             font=RED_FONT))
        for sheet in RESULT_SHEETS:
            finish_sheet(self.ws[sheet], {"A": 52, "B": 22, "C": 16, "D": 26}, self.footer, "B5")

    # -- Layout planner (Training sheet) ----------------------------------------------------------
    def planner_block(self, plan: PlanReport) -> None:
        """The best layouts of the step-time model (seed 004) below the Training results.

        Static values, not formulas: the layout search runs in Python (NumPy over thousands of
        layouts) and has no spreadsheet form. The block carries no defined names, so nothing
        that reads the named results (tests, other tools) mistakes it for a live figure.
        """
        ws, lang = self.ws["training"], self.lang
        rows = plan.best[:PLAN_ROWS]
        searched = not self.scenario.layout_fixed
        r = self.next_row["training"] + 1
        # The block starts a printed page, so it is never split from its headers.
        ws.row_breaks.append(Break(id=r - 1))
        width = 1 + max(len(rows), 2)  # merged note rows span the label and the layout columns
        style_section(ws.cell(row=r, column=1, value=text("plan_title", lang)))
        for c in range(2, width + 1):
            style_section(ws.cell(row=r, column=c))
        r += 1
        notes = [text("plan_static", lang), text("plan_search" if searched else "plan_fixed", lang)]
        if self.mfu_open:
            notes.append(text("plan_mfu_used", lang))
        span = 52 + 22 + 16 + 26 + 12 * max(0, width - 4)
        for note in (notes[0], " ".join(notes[1:])):
            cell = ws.cell(row=r, column=1, value=note)
            style_note(cell)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            ws.row_dimensions[r].height = wrapped_height([(note, span)], font_pt=9)
            r += 1
        for key, value in (("plan_evaluated", plan.candidates_evaluated), ("plan_fitting", plan.candidates_fitting)):
            style_plain(ws.cell(row=r, column=1, value=text(key, lang)))
            c = ws.cell(row=r, column=2, value=value)
            style_static(c)
            c.number_format = "#,##0"
            r += 1
        r += 1
        style_header(ws.cell(row=r, column=1, value=text("plan_layout", lang)))
        for j, row in enumerate(rows):
            style_header(ws.cell(row=r, column=2 + j, value=row.rank))
        r += 1
        yes, no = text("yes", lang), text("no", lang)
        lines: list[tuple[str, str, Callable[..., object]]] = [
            (input_label("tp", lang), "0", lambda x: x.execution.tp),
            (input_label("pp", lang), "0", lambda x: x.execution.pp),
            (input_label("dp", lang), "#,##0", lambda x: x.execution.dp),
            (input_label("micro_batch", lang), "0", lambda x: x.execution.micro_batch),
            (text("plan_interleave", lang), "0", lambda x: x.execution.interleave),
            (text("plan_recompute", lang), "@", lambda x: text(f"rec_{x.execution.recompute}", lang)),
            (text("plan_sp", lang), "@", lambda x: yes if x.execution.sequence_parallel else no),
            (input_label("zero_stage", lang), "0", lambda x: x.execution.zero_stage),
            (text("plan_step", lang), "0.000", lambda x: x.result.predicted_step_seconds),
            (text("plan_mfu", lang), "0.0%", lambda x: x.result.predicted_mfu),
            (text("plan_mem", lang), "#,##0.00", lambda x: x.result.mem_per_gpu / GB),
        ]
        for label, fmt, get in lines:
            style_plain(ws.cell(row=r, column=1, value=label))
            for j, row in enumerate(rows):
                c = ws.cell(row=r, column=2 + j, value=get(row))
                style_static(c)
                c.number_format = fmt
            r += 1
        for j in range(len(rows)):
            col = _col(2 + j)
            if col not in ("B", "C", "D"):
                ws.column_dimensions[col].width = 12

    # -- Sensitivity ----------------------------------------------------------------------------
    def sensitivity_sheet(self, mfu: float) -> None:
        ws, lang, sc = self.ws["sensitivity"], self.lang, self.scenario
        cards = sensitivity_cards(sc.cluster.cards)
        factors = _card_factors(sc.cluster.cards, cards)
        mfus = sensitivity_mfus(mfu)  # the resolved MFU: the scenario's, or the step-time model's
        linked = mfus.index(round(mfu, 4))  # this column follows the MFU input
        style_title(ws.cell(row=1, column=1, value=sheet_title("sensitivity", lang)))
        style_note(ws.cell(row=2, column=1, value=text("sens_note", lang)))
        style_section(ws.cell(row=4, column=1, value=text("sens_days", lang)))
        head = 5
        style_header(ws.cell(row=head, column=1, value=text("sens_corner", lang)))
        for j, m in enumerate(mfus):
            # The linked column is the MFU input, rounded like estimate.sensitivity_mfus so the unedited
            # grid equals the estimate's. A step column whose value the edited input lands on shows
            # the built MFU instead, so no two columns repeat a value.
            formula = "=ROUND(mfu,4)" if j == linked else f"=IF(ROUND(mfu,4)={m!r},{mfus[linked]!r},{m!r})"
            c = ws.cell(row=head, column=2 + j, value=formula)
            (style_lookup if j == linked else style_input)(c)
            c.number_format = "0.0%"
        first = head + 1
        for i, f in enumerate(factors):
            r = first + i
            c = ws.cell(row=r, column=1, value=card_header_formula(f))
            style_lookup(c)  # green: follows the Inputs sheet, may be typed over
            c.number_format = "#,##0"
            for j in range(len(mfus)):
                col = _col(2 + j)
                expr = inline_step("train_days", {"gpu_count": Ref(f"$A{r}", key="card_header"),
                                                  "mfu": Ref(f"{col}${head}", key="mfu_header")})
                formula = excel_formula(expr)
                cell = ws.cell(row=r, column=2 + j, value=formula)
                style_formula(cell)
                cell.number_format = "#,##0.0"
                if i == 0 and j == 0:
                    self.sens_days_instance = formula
        last = first + len(cards) - 1
        b_title = last + 2
        style_section(ws.cell(row=b_title, column=1, value=text("sens_budget", lang)))
        style_header(ws.cell(row=b_title + 1, column=1, value=text("sens_cards", lang)))
        style_header(ws.cell(row=b_title + 1, column=2, value=input_label("total_budget", lang)))
        ws.row_dimensions[b_title + 1].height = 30
        b_first = b_title + 2
        for i in range(len(cards)):
            r = b_first + i
            c = ws.cell(row=r, column=1, value=f"=A{first + i}")
            style_formula(c)
            c.number_format = "#,##0"
            expr = inline_step("total_budget", {"gpu_count": Ref(f"$A{r}", key="card_header")})
            formula = excel_formula(expr)
            c = ws.cell(row=r, column=2, value=formula)
            style_formula(c)
            c.number_format = registry.excel_format("total_budget", self.currency)
            if i == 0:
                self.sens_budget_instance = formula
        b_last = b_first + len(cards) - 1

        line = LineChart()
        line.title = text("chart_days", lang)
        line.y_axis.title = text("axis_days", lang)
        line.x_axis.title = text("sens_cards", lang)
        line.add_data(Reference(ws, min_col=2, max_col=1 + len(mfus), min_row=head, max_row=last),
                      titles_from_data=True)
        line.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        line.height, line.width = 8, 16
        ws.add_chart(line, f"{_col(3 + len(mfus))}4")
        bar = BarChart()
        bar.type = "col"
        bar.title = text("chart_budget", lang)
        bar.x_axis.title = text("sens_cards", lang)
        bar.y_axis.title = text(f"currency_{self.currency}", lang)
        bar.add_data(Reference(ws, min_col=2, min_row=b_title + 1, max_row=b_last), titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=b_first, max_row=b_last))
        bar.height, bar.width = 8, 16
        bar.legend = None
        ws.add_chart(bar, f"{_col(3 + len(mfus))}21")
        widths = {"A": 16, **{_col(2 + j): 11 for j in range(len(mfus))}}
        widths["B"] = 18
        finish_sheet(ws, widths, self.footer, None)

    # -- Formulas ---------------------------------------------------------------------------------
    def formulas_sheet(self, hw: CatalogTable) -> None:
        ws, lang = self.ws["formulas"], self.lang
        style_title(ws.cell(row=1, column=1, value=sheet_title("formulas", lang)))
        style_note(ws.cell(row=2, column=1, value=text("formulas_note", lang)))
        for col, key in enumerate(("col_function", "col_used_for", "col_excel", "col_meaning", "col_source"),
                                  start=1):
            style_header(ws.cell(row=4, column=col, value=text(key, lang)))
        rows: list[tuple[str, str, str, str, str]] = []
        for fn, (used, formula) in self.instances.items():
            meaning, source = _doc_parts(fn)
            rows.append((_fn_name(fn), ", ".join(used), formula, meaning, source or text("derived", lang)))
        rows.append(("INDEX / MATCH", "gpu_hbm_gb, …, model_params, …",
                     "=" + hw.lookup(HW_COLUMNS["gpu_hbm_gb"], CHOICE_NAMES["gpu"]),
                     text("lookup_meaning", lang), text("lookup_source_doc", lang)))
        rows.append(("schedule.train_days", "Sensitivity", self.sens_days_instance, text("sens_meaning", lang),
                     _doc_parts(_step_fn("train_days"))[1]))
        rows.append(("cost.total_cost", "Sensitivity", self.sens_budget_instance, text("sens_meaning", lang),
                     _doc_parts(_step_fn("total_budget"))[1] or text("derived", lang)))
        widths = {"A": 28, "B": 28, "C": 60, "D": 50, "E": 50}
        for i, values in enumerate(rows):
            r = 5 + i
            for col, value in enumerate(values, start=1):
                c = ws.cell(row=r, column=col)
                put_text(c, value)  # formula text shown as text, never evaluated
                style_plain(c, wrap=True)
            # Wrapped rows get an explicit height: spreadsheets do not grow rows written by openpyxl.
            ws.row_dimensions[r].height = wrapped_height(list(zip(values, widths.values())))
        finish_sheet(ws, widths, self.footer, "A5")
        # Long formulas and sources stay whole on paper: wrapped cells, header row on every page.
        ws.print_title_rows = "4:4"

    def properties(self) -> None:
        p = self.wb.properties
        p.title = f"{text('book_title', self.lang)}: {self.scenario.name}"
        p.creator = "xlcompute"
        p.subject = text("book_subject", self.lang)
        p.keywords = text("book_keywords", self.lang)
        p.description = self.scenario.description[:500]
        p.language = "zh-CN" if self.lang == "zh" else "en"
        self.wb.calculation.fullCalcOnLoad = True


def card_header_formula(factor: float) -> str:
    """Excel text of a Sensitivity card-count header: ``factor`` × the card count input, whole cards.

    ``estimate.sensitivity_cards`` uses Python's ``round``, which rounds halves to even
    (round(62.5) = 62), while Excel's ROUND rounds them away from zero (63). The correction term
    subtracts 1 exactly when x ends in .5 and ROUND went up to an odd number (x mod 2 = 0.5), so
    the headers equal the estimate's for every card count. x is exact in binary for the factors
    used (quarters), so the test ``MOD(x,2)=0.5`` is exact.
    """
    x = "gpu_count" if factor == 1 else f"gpu_count*{factor:g}"
    if float(factor).is_integer():
        return f"=MAX(1,ROUND({x},0))"
    return f"=MAX(1,ROUND({x},0)-IF(MOD({x},2)=0.5,1,0))"


def _card_factors(cards: int, wanted: list[int]) -> list[float]:
    """The factor of each distinct card count of ``sensitivity_cards(cards)``, in its order."""
    seen: dict[int, float] = {}
    for f in CARD_FACTORS:
        seen.setdefault(max(1, round(cards * f)), f)
    if sorted(seen) != wanted:  # a programming error: CARD_FACTORS no longer mirrors the estimate
        raise RuntimeError(f"CARD_FACTORS {CARD_FACTORS} do not reproduce sensitivity_cards: {wanted}")
    return [seen[n] for n in wanted]


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _step_fn(key: str) -> Callable[..., Value]:
    return next(s.fn for s in STEPS if s.key == key)


def _fn_name(fn: Callable[..., Value]) -> str:
    return f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"


def _doc_parts(fn: Callable[..., Value]) -> tuple[str, str]:
    """(first line of the docstring, its citations): the Formulas sheet's meaning and source."""
    doc = (inspect.getdoc(fn) or "").replace("``", "")  # reST literals read as plain text
    lines = doc.splitlines()
    meaning = lines[0].strip() if lines else fn.__name__
    return meaning, registry.citation(fn)


def inline_step(target: str, overrides: Mapping[str, Expr]) -> Value:
    """The expression of step ``target`` with some inputs or steps replaced by other cells.

    Steps that do not depend on a replaced key stay references to their named cells; steps that
    do are expanded with the same core functions (``_graph.GRAPH``), so a sensitivity cell is the
    graph's own formula over its row/column header instead of a copy of it.
    """
    values: dict[str, Value] = {k: Ref(k) for k in INPUT_KEYS}
    values.update(overrides)
    changed = set(overrides)
    for st in GRAPH.needed([target], given=overrides):
        if any(isinstance(a, str) and a in changed for a in st.args):
            values[st.key] = st.fn(*[values[a] if isinstance(a, str) else a for a in st.args])
            changed.add(st.key)
        else:
            values[st.key] = Ref(st.key)
    return values[target]


def build_workbook(result: Estimate, lang: str = "en") -> Workbook:
    """The planning workbook of an estimate as an openpyxl ``Workbook`` (not saved): its inputs
    (with their sources) on the Inputs sheet, every figure a live formula, and the plan's
    layouts as a static block."""
    scenario, resolved, plan = result.scenario, dict(result.inputs), result.plan
    b = _Builder(scenario, lang)
    hw = catalog_sheets.write_hardware(b.ws["hardware"], scenario, lang)
    models = catalog_sheets.write_models(b.ws["models"], scenario, lang)
    finish_sheet(b.ws["hardware"], {}, b.footer, "C3")
    finish_sheet(b.ws["models"], {}, b.footer, "C3")
    refs = b.inputs_sheet(hw, models, resolved)
    b.result_headers(plan)
    run_steps(refs, b.bind)
    if plan is not None and plan.best:
        b.planner_block(plan)
    b.finish_results()
    b.sensitivity_sheet(result["mfu"])
    b.formulas_sheet(hw)
    b.properties()
    return b.wb


def write_workbook(result: Estimate, path: str | Path, lang: str = "en") -> Path:
    """Build the workbook of an estimate and write it to ``path`` atomically; returns the path."""
    wb = build_workbook(result, lang)
    target = Path(path)
    with atomic_write(target) as tmp:
        wb.save(tmp)
    return target
