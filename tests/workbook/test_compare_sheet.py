"""The Compare sheet's structure (openpyxl only; test_workbook_libreoffice.py recalculates it): one
column per card of compare(), card inputs as cells, every figure a formula, charts, a card that
cannot run shown in words, Chinese labels in the Chinese workbook."""

from __future__ import annotations

import re

import pytest
from conftest import scenario_with
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from xlcompute import catalog
from xlcompute import compare as compare_module
from xlcompute.compare import Comparison, compare
from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario
from xlcompute.workbook import build_workbook
from compare_cells import compare_ws, layout
from xlcompute.workbook.compare_sheet import HEADLINE, PER_MILLION, PER_TRILLION, PLANNER_MFU
from xlcompute.workbook.text import text

CARD_FIGURES = ("gpu_peak_tflops", "gpu_hbm_gb", "gpu_tdp_w")


@pytest.fixture(scope="module")
def default_case() -> tuple[Workbook, Comparison]:
    sc = default_scenario()
    comp = compare(sc)
    return build_workbook(estimate(sc), "en", comp), comp


def test_sheet_after_budget_with_a_column_per_card(default_case: tuple[Workbook, Comparison]) -> None:
    wb, comp = default_case
    ws = compare_ws(wb)
    assert ws.title == "Compare"
    rows, cols = layout(ws)
    assert list(cols) == [a.accelerator for a in comp.alternatives]
    for key in (*HEADLINE[:1], *HEADLINE[2:], PER_TRILLION, PER_MILLION, PLANNER_MFU, *CARD_FIGURES):
        assert key in rows, key
    assert "deadline_slip_days" not in rows  # no deadline in the default scenario
    # No defined name points at the sheet: the named figures stay the scenario's.
    assert not any(ws.title in str(dn.attr_text) for dn in wb.defined_names.values())


# The formulas of the peaks a precision drop-down picks (the Inputs sheet's choice, over the column's card).
_BY_PRECISION = {"gpu_peak_tflops": '=IF(precision_choice="fp8",{fp8},{bf16})',
                 "precision_peak_ratio": '=IF(precision_choice="fp8",{fp8}/{bf16},1)',
                 "serving_peak_tflops": "=IF(serving_fp8=1,{fp8},IF(serving_int8=1,{int8},{bf16}))"}


def test_inputs_are_cells_and_figures_are_the_graphs_formulas(default_case: tuple[Workbook, Comparison]) -> None:
    wb, comp = default_case
    ws = compare_ws(wb)
    rows, cols = layout(ws)
    own = comp.alternatives[0]
    assert own.accelerator == "H800"
    for a in comp.alternatives:
        col = cols[a.accelerator]
        for key in CARD_FIGURES:
            cell = ws.cell(row=rows[key], column=col)
            if a is own:  # the scenario's own card follows the Inputs sheet
                assert cell.value == f"={key}"
            elif key in _BY_PRECISION:  # the card's own peaks, picked by the Inputs sheet's precision drop-downs
                g = catalog.get_gpu(a.accelerator)
                assert cell.value == _BY_PRECISION[key].format(bf16=f"{g.bf16_tflops:g}", fp8=f"{g.fp8_tflops:g}"
                                                               if g.fp8_tflops else "NA()",
                                                               int8=f"{g.int8_tops:g}" if g.int8_tops else "NA()")
            else:
                assert cell.value == pytest.approx(a.inputs[key]) and cell.data_type == "n", (a.accelerator, key)
            assert not cell.protection.locked  # typed over by the analyst
        # Shared with the scenario: the Inputs sheet's cell; the card's own catalog price: a number.
        price = ws.cell(row=rows["price_per_gpu_hour"], column=col).value
        if a.inputs["price_per_gpu_hour"] == own.inputs["price_per_gpu_hour"]:
            assert price == "=price_per_gpu_hour"
        else:
            assert price == pytest.approx(a.inputs["price_per_gpu_hour"])
        assert ws.cell(row=rows["gpu_count"], column=col).value == "=gpu_count"
        mfu = ws.cell(row=rows[PLANNER_MFU], column=col).value
        if a is own:  # the Inputs card's live predicted MFU (it follows an edit there), equal to compare()'s
            assert mfu == f"={PLANNER_MFU}" and own.predicted_mfu == pytest.approx(estimate(default_scenario())[PLANNER_MFU])
        else:
            assert mfu == pytest.approx(a.predicted_mfu)
        for key in (*HEADLINE[:1], *HEADLINE[2:], PER_TRILLION, PER_MILLION):
            cell = ws.cell(row=rows[key], column=col)
            assert cell.data_type == "f" and cell.protection.locked, (a.accelerator, key, cell.value)
            assert "E+" not in cell.number_format
    letter = get_column_letter(cols["H20"])
    # The graph's own formula over the column: train_cost = gpu_hours × the column's rental price.
    assert ws.cell(row=rows["train_cost"], column=cols["H20"]).value == \
        f"={letter}{rows['gpu_hours']}*{letter}{rows['price_per_gpu_hour']}"
    assert "train_tokens" in ws.cell(row=rows[PER_TRILLION], column=cols["H20"]).value
    assert ws.cell(row=rows["total_budget"], column=cols["H20"]).number_format == '"¥"#,##0'


def test_bar_charts(default_case: tuple[Workbook, Comparison]) -> None:
    ws = compare_ws(default_case[0])
    assert [type(c).__name__ for c in ws._charts] == ["BarChart", "BarChart"]


def test_a_card_that_cannot_run_shows_its_reason() -> None:
    sc = scenario_with(training__precision="fp8")
    comp = compare(sc)
    failed = [a for a in comp.alternatives if not a.ok]
    assert failed  # the A800 and 910B have no fp8 peak
    ws = compare_ws(build_workbook(estimate(sc), "en", comp))
    rows, cols = layout(ws)
    for a in failed:
        column = [ws.cell(row=r, column=cols[a.accelerator]) for r in range(5, ws.max_row + 1)]
        assert not [c.coordinate for c in column if c.data_type == "f"]
        words = [c.value for c in column if isinstance(c.value, str) and "cannot run the job" in c.value]
        assert words and a.reason[:40] in words[0]
    # The Chinese workbook words the same reasons from their data (xlcompute.compare_words).
    ws = compare_ws(build_workbook(estimate(sc), "zh", comp))
    rows, cols = layout(ws)
    for a in failed:
        column = [ws.cell(row=r, column=cols[a.accelerator]).value for r in range(5, ws.max_row + 1)]
        words = [v for v in column if isinstance(v, str) and "无法运行该任务" in v]
        assert words and "fp8 峰值" in words[0] and "cannot" not in words[0], words


def test_chinese_tab_and_labels() -> None:
    sc = default_scenario()
    comp = compare(sc)
    ws = compare_ws(build_workbook(estimate(sc), "zh", comp))
    assert ws.title == text("cmp_tab", "zh") == "方案对比"
    labels = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    labels = [x for x in labels if isinstance(x, str)]
    assert text("cmp_results", "zh") in labels and "训练每万亿 token 成本（租用价格）" in labels
    # Every label and note carries Chinese (card keys and graph keys sit in other columns).
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert [x for x in labels if not cjk.search(x)] == []


def test_builder_computes_the_comparison_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = compare_module.compare

    def counted(sc, accelerators=None):  # type: ignore[no-untyped-def]
        calls.append(sc)
        return real(sc, accelerators)

    monkeypatch.setattr("xlcompute.workbook.builder.compare", counted)
    r = estimate(default_scenario())
    build_workbook(r, "en")
    assert len(calls) == 1
    build_workbook(r, "en", real(r.scenario))
    assert len(calls) == 1


def test_comparison_unavailable_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(sc, accelerators=None):  # type: ignore[no-untyped-def]
        raise ValueError("no default cards for the currency XYZ")

    monkeypatch.setattr("xlcompute.workbook.builder.compare", refuse)
    ws = compare_ws(build_workbook(estimate(default_scenario()), "en"))
    assert "no default cards for the currency XYZ" in ws.cell(row=4, column=1).value


def test_a_serving_fleet_compares_without_training_rows() -> None:
    """A serving-only plan's Compare sheet shows the fleet's figures, no days, MFU or training cost,
    and its charts are the served-token cost and the total budget."""
    from pathlib import Path

    from xlcompute.estimate import estimate
    from xlcompute.scenario import load_scenario
    from xlcompute.workbook import build_workbook
    from xlcompute.workbook._evaluate import evaluate_workbook

    sc = load_scenario(Path(__file__).resolve().parents[2] / "workbooks" / "scenarios" / "h20-serving-qwen72b.yaml")
    wb = build_workbook(estimate(sc), "en")
    ws = wb["Compare"]
    keys = {ws.cell(row=r, column=3).value for r in range(1, ws.max_row + 1)
            if not ws.row_dimensions[r].hidden}
    assert {"capex_total", "total_budget", "cost_per_million_tokens"} <= keys
    assert not keys & {"train_days", "gpu_hours", "train_cost", "cost_per_trillion_tokens", "predicted_mfu"}
    assert [c.title.tx.rich.p[0].r[0].t for c in ws._charts] == ["Cost per 10⁶ output tokens served, by card",
                                                                  "Total budget over the period by card"]
    values, problems = evaluate_workbook(wb)
    assert not problems
    assert not [k for k, v in values.items() if k[0] == "Compare" and not isinstance(v, (float, str, bool))]


def test_a_plan_without_users_shows_no_serving_cost_and_one_with_them_the_serving_sheets() -> None:
    """The serving cost per card is the inference model's cost per 10^6 output tokens (the Serving sheet's
    cost_per_million_tokens over the column's fleet), only where there are users to serve."""
    from xlcompute.estimate import estimate
    from xlcompute.scenario import parse_scenario
    from xlcompute.workbook import build_workbook

    sc = parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": 1e12},
                         "cluster": {"accelerator": "H800", "cards": 64}, "assumptions": {"mfu": 0.4}})
    ws = compare_ws(build_workbook(estimate(sc), "en", compare(sc, ["H800", "H20"])))
    rows, _ = layout(ws)
    assert PER_MILLION not in rows and PER_TRILLION in rows
    assert PER_MILLION == "cost_per_million_tokens" and PER_MILLION in HEADLINE
