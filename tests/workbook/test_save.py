"""The one-pass writer (``workbook._save``) writes the bytes openpyxl writes, plus the cached values
``store_cached_values`` would add: every sheet, the styles, the names and the package, on the
ready-made workbooks and on a sheet with every kind of cell this package writes (and some it does
not: an error cell, a comment, a hyperlink, a boolean, text with edge characters)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font

from xlcompute.estimate import estimate
from xlcompute.workbook._evaluate import evaluate_workbook, store_cached_values
from xlcompute.workbook._save import save_with_values
from xlcompute.workbook.builder import _build
from xlcompute.workbook.ready_made import ready_made

READY = ready_made(Path(__file__).resolve().parents[2] / "workbooks")
# Written with a time stamp to the second, so two saves may differ there and nowhere else.
_STAMPED = {"docProps/core.xml"}


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n not in _STAMPED}


def _openpyxl_then_values(wb: openpyxl.Workbook, path: Path, values: dict) -> None:
    wb.save(path)
    store_cached_values(path, values)


@pytest.mark.parametrize("item", READY[:3] + READY[-2:], ids=lambda r: r.path.name)
def test_ready_made_workbooks_are_the_bytes_openpyxl_writes(item, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    result = estimate(item.scenario())
    _no_fallback(monkeypatch)
    for lang in ("en", "zh"):
        # Two builds: a save changes a workbook's state (openpyxl fills sheet properties), so each writer gets its own.
        a, b = _build(result, lang, None), _build(result, lang, None)
        va, _ = evaluate_workbook(a.wb, a.known)
        vb, _ = evaluate_workbook(b.wb, b.known)
        assert va == vb
        _openpyxl_then_values(a.wb, tmp_path / "openpyxl.xlsx", va)
        save_with_values(b.wb, tmp_path / "one-pass.xlsx", vb)
        old, new = _parts(tmp_path / "openpyxl.xlsx"), _parts(tmp_path / "one-pass.xlsx")
        assert list(old) == list(new)
        assert [n for n in old if old[n] != new[n]] == [], lang


def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-pass writer must write these workbooks itself: its fallback (openpyxl, then the values)
    would make the byte comparison pass without testing it."""
    def fallback(*_: object) -> None:
        raise AssertionError("save_with_values fell back to openpyxl's two passes")

    monkeypatch.setattr("xlcompute.workbook._evaluate.store_cached_values", fallback)


def _odd_sheet() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Odd & <sheet>"
    ws["A1"] = "  leading and trailing  "
    ws["A2"] = 'quotes " and & < > and 中文 and ✓'
    ws["A3"] = "line\nbreak"
    ws["B1"] = 1.0 / 3.0
    ws["B2"] = 10**15 + 1
    ws["B3"] = True
    ws["B4"] = -0.0
    ws["C1"] = '=IF(B1>0,"a & b","<none>")'
    ws["C2"] = "=B1*2"
    ws["C3"] = "=1/0"
    ws["C4"] = "=B3"
    ws["D1"].font = Font(bold=True)  # styled, empty
    ws["D2"] = "link"
    ws["D2"].hyperlink = "https://example.org/?a=1&b=2"
    ws["D3"] = "noted"
    ws["D3"].comment = Comment("a note & more", "xlcompute")
    ws["D4"] = "#N/A"
    ws["D4"].data_type = "e"
    ws["E1"] = ""
    ws["E2"].alignment = Alignment(wrap_text=True)
    ws.row_dimensions[2].height = 31.5
    ws.row_dimensions[7].height = 12  # a styled row with no cell
    ws.row_dimensions[8].hidden = True
    wb.create_sheet("Second")["A1"] = "='Odd & <sheet>'!C2+1"
    return wb


def test_every_kind_of_cell_is_written_as_openpyxl_writes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _odd_sheet(), _odd_sheet()
    va, problems = evaluate_workbook(a)
    assert not problems
    _openpyxl_then_values(a, tmp_path / "openpyxl.xlsx", va)
    _no_fallback(monkeypatch)
    save_with_values(b, tmp_path / "one-pass.xlsx", evaluate_workbook(b)[0])
    old, new = _parts(tmp_path / "openpyxl.xlsx"), _parts(tmp_path / "one-pass.xlsx")
    assert list(old) == list(new)
    assert [n for n in old if old[n] != new[n]] == []
    back = openpyxl.load_workbook(tmp_path / "one-pass.xlsx", data_only=True)
    odd = back["Odd & <sheet>"]
    assert (odd["A1"].value, odd["A3"].value, odd["C1"].value, odd["C3"].value) == (
        "  leading and trailing  ", "line\nbreak", "a & b", "#DIV/0!")
    assert odd["C2"].value == pytest.approx(2 / 3) and back["Second"]["A1"].value == pytest.approx(2 / 3 + 1)
    assert odd["D2"].hyperlink.target == "https://example.org/?a=1&b=2" and odd["D3"].comment.text == "a note & more"


def test_a_formula_without_a_value_is_written_empty(tmp_path: Path) -> None:
    """A formula the evaluator could not work out keeps no value (the tests of the cached values require
    none among ours), as openpyxl writes it."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=B1+1"
    save_with_values(wb, tmp_path / "w.xlsx", {})
    with zipfile.ZipFile(tmp_path / "w.xlsx") as z:
        assert b'<c r="A1"><f>B1+1</f><v /></c>' in z.read("xl/worksheets/sheet1.xml")
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    assert openpyxl.load_workbook(tmp_path / "w.xlsx", data_only=True).active["A1"].value is None


def test_a_cell_kind_it_leaves_to_openpyxl_falls_back_to_the_two_passes(tmp_path: Path) -> None:
    """A date (this package writes none) is refused by the one-pass writer; the file is then written by
    openpyxl and the values added after, so the file is still whole and carries the values."""
    import datetime

    wb = openpyxl.Workbook()
    wb.active["A1"] = datetime.date(2026, 12, 5)
    wb.active["B1"] = "=2+3"
    save_with_values(wb, tmp_path / "w.xlsx", {(wb.active.title, "B1"): 5.0})
    back = openpyxl.load_workbook(tmp_path / "w.xlsx", data_only=True).active
    assert back["A1"].value == datetime.datetime(2026, 12, 5) and back["B1"].value == 5.0


def _checked_sheet(extra_rule: bool = False) -> openpyxl.Workbook:
    """Conditional formats and data validations of every shape this package writes, with edge text."""
    from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    red = PatternFill(start_color="FFF8CBAD", end_color="FFF8CBAD", fill_type="solid")
    shared = FormulaRule(formula=['$F$2<>""'], fill=red, font=Font(color="FFC00000"))
    ws.conditional_formatting.add("B2", shared)
    ws.conditional_formatting.add("B3", FormulaRule(formula=['$F$3<>"a & <b>"'], fill=red, stopIfTrue=True))
    ws.conditional_formatting.add("B3", CellIsRule(operator="between", formula=["1", "2"], fill=red))
    ws.conditional_formatting.add("B4:B6 D1", CellIsRule(operator="equal", formula=["0"], font=Font(bold=True)))
    if extra_rule:
        ws.conditional_formatting.add("C1:C9", ColorScaleRule(start_type="min", start_color="FF0000",
                                                              end_type="max", end_color="00FF00"))
    for i, (kind, f1, f2) in enumerate([("whole", "1", "10"), ("decimal", "0.5", "1e+15"), ("custom", 'OR(ISNUMBER(B9),B9="万亿")', None),
                                         ("list", '"bf16,fp16,fp8"', None), ("list", "'模型 & <x>'!$A$3:$A$45", None)], 8):
        dv = DataValidation(type=kind, formula1=f1, formula2=f2, operator="between" if f2 else None)
        dv.allow_blank = False
        dv.showErrorMessage, dv.errorStyle = True, "stop"
        dv.error, dv.errorTitle = f' leading space, "quotes" & <tags>\nline {i}', "标题"[: i % 3]
        if i % 2:
            dv.showInputMessage, dv.prompt, dv.promptTitle = True, "", "prompt\ttab"
        ws.add_data_validation(dv)
        dv.add(f"B{i}")
    ws.add_data_validation(DataValidation(type="whole"))  # no cells: not written
    wb.create_sheet("No checks")["A1"] = 1
    return wb


def test_conditional_formats_and_validations_are_written_as_openpyxl_writes_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _checked_sheet(), _checked_sheet()
    a.save(tmp_path / "openpyxl.xlsx")
    _no_fallback(monkeypatch)
    save_with_values(b, tmp_path / "one-pass.xlsx", {})
    old, new = _parts(tmp_path / "openpyxl.xlsx"), _parts(tmp_path / "one-pass.xlsx")
    assert list(old) == list(new)
    assert [n for n in old if old[n] != new[n]] == []
    assert b"<dataValidations count=\"5\">" in new["xl/worksheets/sheet1.xml"]


def test_a_conditional_format_it_leaves_to_openpyxl_falls_back_to_the_two_passes(tmp_path: Path) -> None:
    """A colour scale (this package writes none) is not written as text: openpyxl writes the file."""
    a, b = _checked_sheet(extra_rule=True), _checked_sheet(extra_rule=True)
    a.save(tmp_path / "openpyxl.xlsx")
    save_with_values(b, tmp_path / "one-pass.xlsx", {})
    old, new = _parts(tmp_path / "openpyxl.xlsx"), _parts(tmp_path / "one-pass.xlsx")
    assert [n for n in old if old[n] != new[n]] == []
    assert b"colorScale" in new["xl/worksheets/sheet1.xml"]
