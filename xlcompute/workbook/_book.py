"""The workbook being built: the Inputs sheet (one named cell per input, catalog lookups, drop-
downs) and the result sheets, where :meth:`Book.bind` writes each graph step as a live formula in
a named cell (see :mod:`xlcompute.workbook.builder` for the whole scheme).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlcompute import registry
from xlcompute._names import xml_safe
from xlcompute._graph import INPUT_GROUPS, SHEETS as GRAPH_SHEETS, STEPS, Step
from xlcompute.core.cost import whole_server_cards
from xlcompute.core.expr import Ref, Value, excel_formula
from xlcompute.estimate import InputValue, PlanReport
from xlcompute.core.moe import FP8_DEEPSEEK_GRAD_BYTES, FP8_DEEPSEEK_OPTIMIZER_BYTES
from xlcompute.scenario import Scenario, TrainingPlan
from xlcompute._builtin import builtin_text
from xlcompute.sources import source_text
from xlcompute.workbook.input_checks import (
    PARSED_KEYS,
    READ_COLUMN,
    NO_FP8_PEAK,
    UNUSABLE_NAME,
    add_check_summary,
    add_choice_check,
    add_input_checks,
    add_read_cell,
    problems_banner,
)
from xlcompute.serving_model import SCENARIO_PRECISIONS
from xlcompute.workbook.serving_precision import SERVING_PRECISION_KEYS, serving_precision_formula
from xlcompute.workbook.catalog_sheets import (
    HW_COLUMNS,
    HW_FP8_COLUMN,
    HW_INT8_COLUMN,
    HW_SOURCE,
    KERNEL_COLUMNS,
    SERVING_FACTOR_COLUMNS,
    SERVING_SOURCE,
    KERNEL_SOURCE,
    MODEL_COLUMNS,
    MODEL_SOURCE,
    PRICE_COLUMNS,
    PRICE_SOURCE,
    CatalogTable,
)
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
    style_title,
)
from xlcompute.workbook.text import LANGS, TABS, input_label, sheet_title, tab_name, text, unit_text

__all__ = ["Book", "SHEETS", "RESULT_SHEETS", "REQUIRED_NAMES", "CHOICE_NAMES", "PLAN_ROWS", "col_letter"]

RESULT_SHEETS: tuple[str, ...] = GRAPH_SHEETS
# Sheet key -> English tab name. The Chinese workbook's tabs are Chinese (text.TABS, issue 14 §7);
# a formula that names a sheet takes the workbook's own tab names (CatalogTable.sheet, the defined
# names), so both editions hold the same formulas modulo the tab names.
SHEETS: dict[str, str] = {key: en for key, (en, _zh) in TABS.items()}
REQUIRED_NAMES: tuple[str, ...] = (
    "model_params", "train_tokens", "gpu_count", "gpu_peak_tflops", "mfu", "price_per_gpu_hour",
    "train_flops", "train_days", "gpu_hours", "mem_per_gpu_gb", "train_cost", "total_budget",
)


def _default_optimizer_bytes(precision: str) -> float:
    """The scenario's optimizer bytes when none are given (scenario.TrainingPlan): 8 with FP8 (DeepSeek-V3's
    recipe, core.moe.FP8_DEEPSEEK_OPTIMIZER_BYTES), else the field's default, 12."""
    default = TrainingPlan.model_fields["optimizer_bytes"].default
    return FP8_DEEPSEEK_OPTIMIZER_BYTES if precision == "fp8" else float(default)


CHOICE_NAMES = {"model": "model_choice", "gpu": "gpu_choice", "precision": "precision_choice",
                "serving_precision": "serving_precision_choice"}
# Card-dependent prices: Inputs key -> (Hardware price column, the input it multiplies). The server
# price is per card slot × cards per server; a reserved price is a share of the on-demand price
# (estimate._price_inputs), so a typed on-demand price moves the reserved ones as in the estimate.
PRICE_LOOKUPS: dict[str, tuple[str, str | None]] = {
    "server_price": (PRICE_COLUMNS["server_per_card"], "cards_per_node"),
    "price_per_gpu_hour": (PRICE_COLUMNS["on_demand"], None),
    "price_reserved_1y": (PRICE_COLUMNS["reserved_1y_share"], "price_per_gpu_hour"),
    "price_reserved_3y": (PRICE_COLUMNS["reserved_3y_share"], "price_per_gpu_hour"),
}

# Inputs sheet groups: the graph's own grouping, so a new input cannot fall between sections.
_GROUPS = tuple((f"sec_{name}", keys) for name, keys in INPUT_GROUPS)
_FIRST_RESULT_ROW = 5
_STEP_SHEETS = {st.key: st.sheet for st in STEPS}  # figure -> the result sheet that works it out
PLAN_ROWS = 5  # layouts listed by the Training sheet's planner block


def col_letter(n: int) -> str:
    """The spreadsheet column letter of column number ``n`` (1 = A)."""
    return get_column_letter(n)


def _define(wb: Workbook, name: str, sheet: str, col: str, row: int) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${col}${row}")


# The peaks the Inputs sheet picks by a precision drop-down: the main sheets over the chosen card's catalog row,
# the Compare sheet over each card's own numbers (compare_sheet), so both make the same choice.
PRECISION_PEAKS = ("gpu_peak_tflops", "precision_peak_ratio", "serving_peak_tflops")


def precision_peak_formula(key: str, bf16: str, fp8: str, int8: str) -> str:
    """The formula (no "=") of a peak picked by the precision drop-downs, over expressions for the card's BF16,
    FP8 and INT8 peaks: training FP8 takes the FP8 peak and its ratio to BF16 (core.moe.fp8_linear_peak); serving
    takes FP8 or INT8 by the serving_fp8 / serving_int8 inputs, else BF16 (xlcompute.serving_model)."""
    if key == "gpu_peak_tflops":
        return f'IF({CHOICE_NAMES["precision"]}="fp8",{fp8},{bf16})'
    if key == "precision_peak_ratio":
        return f'IF({CHOICE_NAMES["precision"]}="fp8",{fp8}/{bf16},1)'
    if key == "serving_peak_tflops":
        return f"IF(serving_fp8=1,{fp8},IF(serving_int8=1,{int8},{bf16}))"
    raise KeyError(key)


class Book:
    """A workbook being built: its sheets, the next free row of each result sheet, where each
    named figure is, and the core functions used (for the Formulas sheet)."""

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
        for i, key in enumerate(SHEETS):
            ws = first if i == 0 else self.wb.create_sheet()
            ws.title = tab_name(key, lang)
            self.ws[key] = ws
        self.next_row: dict[str, int] = {s: _FIRST_RESULT_ROW for s in RESULT_SHEETS}
        self.where: dict[str, tuple[str, int]] = {}  # step key -> (sheet, row)
        self.instances: dict[Callable[..., Value], tuple[list[str], str]] = {}
        # (sheet title, coordinate) -> the value a formula cell must show, where the builder knows
        # it from the estimate (the Sensitivity grid, the tornado): stored as the cell's cached value
        # without re-evaluating its long inline formula. The LibreOffice test checks every one.
        self.known: dict[tuple[str, str], float] = {}

    # -- Inputs ------------------------------------------------------------------------------
    def inputs_sheet(self, hw: CatalogTable, models: CatalogTable, resolved: Mapping[str, InputValue]) -> dict[str, Ref]:
        ws, lang, sc = self.ws["inputs"], self.lang, self.scenario
        style_title(ws.cell(row=1, column=1, value=f"{text('book_title', lang)} — {sheet_title('inputs', lang)}"))
        style_note(ws.cell(row=2, column=1, value=text("inputs_note", lang)))
        head = self._summary_block(ws, 3)
        for col, key in enumerate(("col_item", "col_value", "col_unit", "col_source", "col_name"), start=1):
            style_header(ws.cell(row=head, column=col, value=text(key, lang)))
        row = head + 1
        style_section(ws.cell(row=row, column=1, value=text("sec_scenario", lang)))
        row += 1
        # The built-in scenario's own words in the Chinese workbook; a user's text as written.
        for key, value in (("scenario_name", builtin_text(sc, "name", lang) or sc.name),
                           ("organisation", builtin_text(sc, "organisation", lang) or sc.organisation),
                           ("description", builtin_text(sc, "description", lang) or sc.description)):
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
            ("precision_choice", sc.train.precision, '"bf16,fp16,fp8"', "choose_precision"),
            ("serving_precision_choice", sc.serving.precision or "bf16",
             '"' + ",".join(SCENARIO_PRECISIONS) + '"', "choose_serving_precision"),
        )
        first_checked = row
        for key, value, source_list, note in choices:
            style_plain(ws.cell(row=row, column=1, value=text(key, lang)))
            cell = ws.cell(row=row, column=2)
            put_text(cell, value)
            style_input(cell)
            why = (f"; {text('precision_recipe', lang)}" if key == "precision_choice" and sc.precision_recipe
                   else f"; {text('precision_release', lang)}"
                   if key == "serving_precision_choice" and sc.serving_precision_release else "")
            style_note(ws.cell(row=row, column=4, value=text(note, lang) + why))
            ws.cell(row=row, column=5, value=key)
            dv = DataValidation(type="list", formula1=source_list, allow_blank=False, showDropDown=False)
            dv.showErrorMessage, dv.errorStyle = True, "stop"  # an unknown name is refused, not kept
            dv.error = text(note, lang)
            dv.errorTitle = text(key, lang)
            ws.add_data_validation(dv)
            dv.add(cell.coordinate)
            add_choice_check(ws, row, source_list, text(key, lang), lang,
                             NO_FP8_PEAK[lang == "zh"] if key == "precision_choice" else None)
            _define(self.wb, key, ws.title, "B", row)
            row += 1
        style_plain(ws.cell(row=row, column=1, value=text("currency", lang)))
        put_text(ws.cell(row=row, column=2), self.currency)
        row += 1

        refs: dict[str, Ref] = {}
        # Inputs the scenario fixes itself are written as numbers, not catalog lookups.
        fixed = {
            key for key, given in (
                # a weight or KV width the scenario gives stays typed; otherwise it follows the serving precision
                ("serving_bytes_per_param", sc.serving.bytes_per_param is not None),
                ("kv_bytes_per_value", sc.serving.kv_bytes_per_value is not None),
                ("model_params", sc.model.params is not None or sc.model.active_params is not None),
                ("model_active_params", sc.model.params is not None or sc.model.active_params is not None),
                ("expert_params", sc.model.params is not None),  # scaled with a parameter override
                ("cards_per_node", sc.cluster.cards_per_node is not None),
                ("intra_node_gbs", sc.cluster.intra_node_gbs is not None),
                ("gpu_tdp_w", sc.cluster.tdp_w is not None),
                ("offload_gb", sc.cluster.offload_gb is not None),
                ("offload_gbs", sc.cluster.offload_gbs is not None),
                # A quoted price stays the typed number (its source says "scenario: pricing...").
                ("server_price", sc.pricing.server_price is not None),
                ("price_per_gpu_hour", sc.pricing.price_per_card_hour is not None),
                ("price_reserved_1y", sc.pricing.price_reserved_1y is not None),
                ("price_reserved_3y", sc.pricing.price_reserved_3y is not None),
                # optimizer bytes at the precision's default (12; 8 with FP8) follow the precision drop-down
                ("optimizer_bytes", sc.train.optimizer_bytes != _default_optimizer_bytes(sc.train.precision)),
                # gradient bytes left out follow the precision drop-down and the weights' bytes
                ("grad_bytes", sc.train.grad_bytes is not None),
            ) if given
        }
        # The prices that follow the drop-down (the Compare sheet keeps each card's own).
        self.price_lookups = frozenset(PRICE_LOOKUPS) - fixed
        for section, keys in _GROUPS:
            row += 1
            style_section(ws.cell(row=row, column=1, value=text(section, lang)))
            row += 1
            for key in keys:
                iv = resolved[key]
                self._input_row(ws, row, key, iv, hw, models, fixed)
                if key in PARSED_KEYS:  # the typed cell may say "2T"; the name holds the number read
                    add_read_cell(ws, row, registry.excel_format(key, self.currency, lang))
                _define(self.wb, key, ws.title, READ_COLUMN if key in PARSED_KEYS else "B", row)
                refs[key] = Ref(key)
                row += 1
        add_check_summary(ws, 3, first_checked, row - 1, lang, head)
        # Frozen down to the column headers: the results block stays in view while any input below
        # is edited (the point of the block).
        finish_sheet(ws, {"A": 44, "B": 20, "C": 16, "D": 80, "E": 24, "F": 60, "G": 16}, self.footer,
                     f"B{head + 1}")
        return refs

    def _summary_block(self, ws: Worksheet, top: int) -> int:
        """The headline results above the inputs (issue 14 §4), each a formula over a result
        sheet's named cell, so an edit below shows its effect without leaving the sheet. Above
        the inputs rather than beside them: columns A-D (the inputs' label, value, unit and
        source) already fill a laptop screen's width, while the top rows are always in view (and
        stay frozen with the headers). Returns the row of the inputs' column headers."""
        lang = self.lang
        style_section(ws.cell(row=top, column=1, value=text("sum_title", lang)))
        style_note(ws.cell(row=top, column=4, value=text("sum_note", lang)))
        # A 0/1 flag shows as words through its number format, so the formula text is the same in
        # both languages and the cell holds the estimate's own flag.
        def words(one: str, zero: str) -> str:
            return f'[=1]"{text(one, lang)}";[=0]"{text(zero, lang)}";General'

        # (label, named cell, number format: the registry's, or the words of a 0/1 flag)
        rows: list[tuple[str, str, str | None]] = []
        if self.scenario.training is not None:  # a serving fleet has no training run to show
            # the slip beside the days: a deadline typed on this sheet is answered here, not only on Goodput
            rows += [("sum_days", "train_days", None), ("sum_slip", "deadline_slip_days", None),
                     ("sum_card_hours", "gpu_hours", None),
                     ("sum_mem", "mem_per_gpu_gb", None), ("sum_hbm", "gpu_hbm_gb", None),
                     ("sum_fits", "mem_fits", words("yes", "no"))]
        if self.scenario.serving.users > 0:  # the fleet and what a token costs on it, as the CLI's lines
            rows += [("sum_serving_cards", "serving_cards", None),
                     ("sum_cost_per_million", "cost_per_million_tokens", None)]
        rows += [("sum_capex", "capex_total", None), ("sum_budget", "total_budget", None),
                 ("sum_npv_own", "npv_own", None), ("sum_npv_rent", "npv_rent", None),
                 ("sum_verdict", "own_cheaper", words("sum_own", "sum_rent"))]
        if self.scenario.training is not None:  # the run alone at rental prices: what renting it costs
            rows.append(("sum_train_cost", "train_cost", None))
        row = top + 1
        for label, key, flag_format in rows:
            style_plain(ws.cell(row=row, column=1, value=text(label, lang)))
            # "—" while an input cannot be used: a pasted 0 cards or "lots" of tokens would show a figure
            # or #DIV/0! here, beside the check that names the input
            cell = ws.cell(row=row, column=2, value=f'=IF({UNUSABLE_NAME}>0,"—",{key})')
            style_formula(cell)  # the named style first: it resets the number format
            if flag_format is None:
                cell.number_format = registry.excel_format(key, self.currency, lang)
                style_plain(ws.cell(row=row, column=3, value=unit_text(key, lang, self.currency)))
            else:
                cell.number_format = flag_format
            if key == "mem_fits":  # red when the training memory does not fit, as on the Memory sheet
                ws.conditional_formatting.add(cell.coordinate, FormulaRule(formula=["mem_fits=0"], fill=RED_FILL,
                                                                           font=RED_FONT))
            if key == "deadline_slip_days":  # red when the run ends after its deadline
                ws.conditional_formatting.add(cell.coordinate, FormulaRule(
                    formula=[f"AND({UNUSABLE_NAME}=0,deadline_slip_days>0)"], fill=RED_FILL, font=RED_FONT))
            if key in _STEP_SHEETS:  # where the figure is worked out
                where = self.ws[_STEP_SHEETS[key]].title
                style_note(ws.cell(row=row, column=4, value=text("sum_where", lang).format(tab=where)))
            row += 1
        return row

    def _input_row(self, ws: Worksheet, row: int, key: str, iv: InputValue, hw: CatalogTable,
                   models: CatalogTable, fixed: set[str]) -> None:
        lang = self.lang
        style_plain(ws.cell(row=row, column=1, value=input_label(key, lang)))
        cell = ws.cell(row=row, column=2)
        formula = None if key in fixed else self._lookup_formula(key, hw, models)
        if formula is None and key not in fixed and key in SERVING_PRECISION_KEYS:
            # set by the serving precision drop-down, as the estimate sets it from serving.precision
            cell.value = "=" + serving_precision_formula(key, CHOICE_NAMES["serving_precision"])
            style_lookup(cell)
            source = text("serving_precision_source", lang)
        elif formula is None and key == "optimizer_bytes" and key not in fixed:
            # the scenario's default for its precision: a precision picked from the list moves it, as the
            # estimate's default does (TrainingPlan.optimizer_bytes)
            cell.value = (f'=IF({CHOICE_NAMES["precision"]}="fp8",{_default_optimizer_bytes("fp8"):g},'
                          f'{_default_optimizer_bytes("bf16"):g})')
            style_lookup(cell)
            source = text("optimizer_bytes_source", lang)
        elif formula is None and key == "grad_bytes" and key not in fixed:
            # the scenario's default (TrainingPlan.gradient_bytes): FP32 with fp8, else the weights' bytes
            cell.value = f'=IF({CHOICE_NAMES["precision"]}="fp8",{FP8_DEEPSEEK_GRAD_BYTES:g},param_bytes)'
            style_lookup(cell)
            source = text("grad_bytes_source", lang)
        elif formula is None and iv.origin is not None and iv.origin.field == "cards_sized_serving":
            # A serving fleet sized to its users: whole servers of the serving cards, a live formula (the
            # serving cards do not depend on the cluster's), so an edited demand resizes the cluster.
            cell.value = excel_formula(whole_server_cards(Ref("serving_cards_planned"), Ref("cards_per_node")))
            style_lookup(cell)
            source = source_text(iv, lang)
        elif formula is None:
            cell.value = iv.value if not float(iv.value).is_integer() else int(iv.value)
            style_input(cell)
            source = source_text(iv, lang)  # worded in the workbook's language from the input's origin
        else:
            cell.value = "=" + formula
            style_lookup(cell)
            source = self._lookup_source(key, hw, models)
        cell.number_format = registry.excel_format(key, self.currency, self.lang)
        style_plain(ws.cell(row=row, column=3, value=unit_text(key, lang, self.currency)))
        src = ws.cell(row=row, column=4)
        if formula is not None:
            src.value = source  # our own formula over the catalog sheet's cells (their text stays data)
        else:
            put_text(src, source)  # text, even where a scenario's own source text starts with "="
        style_note(src)
        ws.cell(row=row, column=5, value=key)
        add_input_checks(ws, row, key, lang)

    def _lookup_source(self, key: str, hw: CatalogTable, models: CatalogTable) -> str:
        """The source of a looked-up input, as a formula over the selected catalog row, so it names
        the card or model the drop-down holds now: "lookup in the Hardware sheet: NVIDIA H800 …
        (citation)"; a price names the price source, a kernel constant its calibration."""
        table, choice = (models, CHOICE_NAMES["model"]) if key in MODEL_COLUMNS else (hw, CHOICE_NAMES["gpu"])
        column = (MODEL_SOURCE if key in MODEL_COLUMNS else PRICE_SOURCE if key in PRICE_LOOKUPS
                  else KERNEL_SOURCE if key in KERNEL_COLUMNS
                  else SERVING_SOURCE if key in SERVING_FACTOR_COLUMNS else HW_SOURCE)
        head = text("lookup_source", self.lang).format(sheet=table.sheet, detail="")
        open_, close = ("（", "）") if self.lang == "zh" else (" (", ")")
        name, cite = table.lookup("B", choice), table.lookup(column, choice)
        return f'="{head}"&{name}&"{open_}"&{cite}&"{close}"'

    def _lookup_formula(self, key: str, hw: CatalogTable, models: CatalogTable) -> str | None:
        if key in PRICE_LOOKUPS:
            letter, times = PRICE_LOOKUPS[key]
            price = hw.lookup(letter, CHOICE_NAMES["gpu"])
            return price if times is None else f"{price}*{times}"
        if key in MODEL_COLUMNS:
            return models.lookup(MODEL_COLUMNS[key], CHOICE_NAMES["model"])
        if key in PRECISION_PEAKS:  # the card's peak at the precision the drop-downs pick
            choice = CHOICE_NAMES["gpu"]
            bf16, fp8 = hw.lookup(HW_COLUMNS["gpu_peak_tflops"], choice), hw.lookup(HW_FP8_COLUMN, choice)
            if key != "serving_peak_tflops":
                return precision_peak_formula(key, bf16, fp8, "")
            # +0: a card without the 8-bit peak gives 0, which the check column names (not "type a number")
            return precision_peak_formula(key, bf16, f"{fp8}+0", f"{hw.lookup(HW_INT8_COLUMN, choice)}+0")
        if key in HW_COLUMNS:
            return hw.lookup(HW_COLUMNS[key], CHOICE_NAMES["gpu"])
        return None

    # -- result sheets -------------------------------------------------------------------------
    def result_headers(self, plan: PlanReport | None) -> None:
        for sheet in RESULT_SHEETS:
            ws = self.ws[sheet]
            style_title(ws.cell(row=1, column=1, value=sheet_title(sheet, self.lang)))
            note = "results_note_plan" if plan is not None and sheet == "training" else "results_note"
            style_note(ws.cell(row=2, column=1, value=text(note, self.lang)))
            banner = ws.cell(row=3, column=1, value=problems_banner(self.lang))  # empty while the inputs are valid
            style_note(banner)
            banner.font = RED_FONT
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
        cell.number_format = registry.excel_format(st.key, self.currency, self.lang)
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

    def properties(self) -> None:
        p = self.wb.properties
        # File properties are XML too: a control character there would make the file unreadable.
        name = builtin_text(self.scenario, "name", self.lang) or self.scenario.name
        p.title = xml_safe(f"{text('book_title', self.lang)}: {name}")
        p.creator = "xlcompute"
        p.subject = text("book_subject", self.lang)
        p.keywords = text("book_keywords", self.lang)
        p.description = xml_safe((builtin_text(self.scenario, "description", self.lang) or self.scenario.description)[:500])
        p.language = "zh-CN" if self.lang == "zh" else "en"
        self.wb.calculation.fullCalcOnLoad = True
