"""Hostile scenario tables (issue 12): CSV and XLSX refused quickly, naming the limit, row or column.

The XLSX files are written here by hand (a few XML parts in a zip), so a 1.6 KB file can declare
A1:XFD1048576 and a 200,001-row sheet takes a fraction of a second to build. Each refusal must
be a TableError (or, for one bad row, that row's problem) within a hang guard.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest

from xlcompute._tables import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, TableError, TableRow, read_table
from xlcompute.scenario import ScenarioError, parse_scenario

HANG_GUARD_S = 2.0
HEADER = ["name", "model.preset", "training.tokens"]
ROW = ["a", "llama2-7b", "2T"]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheets><sheet name="scenarios" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _letters(index: int) -> str:
    out, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, tuple):  # ("=", formula, saved result or None)
        _, formula, saved = value
        return f'<c r="{ref}"><f>{escape(formula)}</f>' + ("" if saved is None else f"<v>{saved}</v>") + "</c>"
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def _sheet(rows: list[list[Any]], dimension: str | None = None, extra: str = "") -> str:
    body = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{_letters(c)}{r}", v) for c, v in enumerate(row) if v is not None) + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{dim}<sheetData>{body}{extra}' \
           "</sheetData></worksheet>"


def _xlsx(path: Path, sheet: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, text in _PARTS.items():
            zf.writestr(part, text)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _refused(path: Path, *fragments: str) -> str:
    start = time.perf_counter()
    with pytest.raises(TableError) as info:
        read_table(path)
    elapsed = time.perf_counter() - start
    assert elapsed < HANG_GUARD_S, f"took {elapsed:.2f} s"
    text = str(info.value)
    assert "\n" not in text and len(text) < 600, text
    for fragment in fragments:
        assert fragment in text, text
    return text


def _read(path: Path) -> list[TableRow]:
    start = time.perf_counter()
    rows = read_table(path)
    assert time.perf_counter() - start < HANG_GUARD_S
    return rows


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- XLSX --------------------------------------------------------------------------------------


def test_a_plain_hand_written_table_reads(tmp_path: Path) -> None:
    rows = _read(_xlsx(tmp_path / "ok.xlsx", _sheet([HEADER, ROW], "A1:C2")))
    assert [r.data for r in rows] == [{"name": "a", "model": {"preset": "llama2-7b"}, "training": {"tokens": "2T"}}]


def test_a_huge_declared_dimension_is_refused_before_loading(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "dim.xlsx", _sheet([HEADER, ROW], "A1:XFD1048576"))
    assert path.stat().st_size < 2000  # the tester's 1.6 KB file
    _refused(path, "dim.xlsx", "A1:XFD1048576", "1,048,576 rows × 16,384 columns", f"{MAX_COLUMNS:,} columns",
             "delete the unused rows and columns")


@pytest.mark.parametrize("declared", [True, False])
def test_200001_rows_are_refused_quickly(tmp_path: Path, declared: bool) -> None:
    rows = [HEADER] + [["s", "llama2-7b", "2T"]] * 200_001
    path = _xlsx(tmp_path / "rows.xlsx", _sheet(rows, f"A1:C{len(rows)}" if declared else None))
    _refused(path, "rows.xlsx", f"{MAX_ROWS:,}")


def test_a_row_far_down_counts_as_rows(tmp_path: Path) -> None:
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    _refused(_xlsx(tmp_path / "far.xlsx", _sheet([HEADER, ROW], extra=far)), f"more than {MAX_ROWS:,} rows")


def test_a_formula_without_a_saved_result_is_an_error(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "f.xlsx", _sheet([HEADER, ["a", "llama2-7b", ("=", "2*10^12", None)]]))
    _refused(path, "f.xlsx", "cell C2", "formula without a saved result", "open and save it in Excel",
             "type the values")


def test_a_row_of_unsaved_formulas_is_not_read_as_blank(tmp_path: Path) -> None:
    rows = [HEADER, ROW, [("=", '"b"', None), ("=", '"llama2-7b"', None), ("=", '"2T"', None)]]
    _refused(_xlsx(tmp_path / "f.xlsx", _sheet(rows)), "cell A3 and 2 more cells", "formula without a saved result")


def test_a_formula_with_its_saved_result_reads_the_result(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "f.xlsx", _sheet([HEADER, ["a", "llama2-7b", ("=", "2*10^12", 2000000000000)]]))
    assert _read(path)[0].data["training"]["tokens"] == 2000000000000


def test_a_formula_written_by_openpyxl_is_caught(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(["a", "llama2-7b", "=1000*2"])  # openpyxl stores no result
    wb.save(tmp_path / "o.xlsx")
    _refused(tmp_path / "o.xlsx", "cell C2", "formula")


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_value_beyond_the_column_limit_is_refused(tmp_path: Path, where: str) -> None:
    wide = [None] * 16_000 + ["x"]
    rows = [HEADER + wide, ROW] if where == "header" else [HEADER, ROW + wide]
    _refused(_xlsx(tmp_path / "w.xlsx", _sheet(rows)), f"beyond the {MAX_COLUMNS:,} columns")


def test_duplicate_xlsx_columns(tmp_path: Path) -> None:
    _refused(_xlsx(tmp_path / "d.xlsx", _sheet([[*HEADER, "name"], [*ROW, "b"]])), "duplicate column names: 'name'")


def test_a_long_xlsx_cell_fails_its_row(tmp_path: Path) -> None:
    rows = _read(_xlsx(tmp_path / "l.xlsx", _sheet([HEADER, ["x" * 20_000, "llama2-7b", "2T"], ROW])))
    assert "a cell of 20,000 characters" in rows[0].data["__table_error__"]
    assert "column A (name)" in rows[0].data["__table_error__"] and rows[1].data["name"] == "a"


# -- CSV ---------------------------------------------------------------------------------------


def test_a_million_column_header_is_refused_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\na\n", encoding="utf-8")
    _refused(path, "1,000,000 columns", f"at most {MAX_COLUMNS:,}")
    same = tmp_path / "same.csv"
    same.write_text(",".join(["a"] * 1_000_000) + "\na\n", encoding="utf-8")
    _refused(same, "1,000,000 columns")


def test_duplicate_csv_columns_are_found_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(",".join([f"c{i}" for i in range(MAX_COLUMNS - 1)] + ["c0"]) + "\nx\n", encoding="utf-8")
    assert _timed(lambda: _refused(path, "duplicate column names: 'c0'")) < HANG_GUARD_S


def test_200001_csv_rows_are_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(",".join(HEADER) + "\n" + "a,llama2-7b,2T\n" * 200_001, encoding="utf-8")
    _refused(path, f"more than {MAX_ROWS:,} rows")


def test_nul_bytes_never_crash(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"name,model.preset,training.tokens\na\x00b,llama2-7b,2T\nok,llama2-7b,2T\x00\n")
    rows = _read(path)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(rows[0].data, rows[0].source)
    assert info.value.problems == ["name: control character U+0000 at character 2 is not allowed; remove it (this "
                                   "text is one line, without tabs or line breaks) (got 'a\\x00b')"]
    with pytest.raises(ScenarioError, match=r"training.tokens: '2T\\x00' is not a number"):
        parse_scenario(rows[1].data, rows[1].source)
    header = tmp_path / "nulhead.csv"
    header.write_bytes(b"na\x00me,model.preset\na,b\n")
    _refused(header, "column A has a control character in its name", "'na\\x00me'")


def test_long_csv_cells(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(",".join(HEADER) + "\n" + "x" * (MAX_CELL_CHARS + 1) + ",llama2-7b,2T\n", encoding="utf-8")
    assert f"a table cell may have at most {MAX_CELL_CHARS:,}" in _read(path)[0].data["__table_error__"]
    huge = tmp_path / "huge.csv"
    huge.write_text(",".join(HEADER) + "\n" + "x" * 200_000 + ",llama2-7b,2T\n", encoding="utf-8")
    _refused(huge, "a cell of more than 131,072 characters near line 2")


def test_values_without_a_column_fail_their_row(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text("name,model.preset,training.tokens,,\na,llama2-7b,2T,,oops\nb,llama2-7b,2T,,\n", encoding="utf-8")
    rows = _read(path)
    assert "column E: a value beyond the last named column ('oops')" in rows[0].data["__table_error__"]
    assert rows[1].data["name"] == "b"  # trailing empty cells are no values


def test_odd_column_names(tmp_path: Path) -> None:
    path = tmp_path / "name.csv"
    path.write_text("x" * 500 + ",name\n1,2\n", encoding="utf-8")
    _refused(path, "column A has a name of 500 characters")


def test_a_table_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlcompute._tables as tables

    path = tmp_path / "big.csv"
    path.write_text(",".join(HEADER) + "\n" + "a,llama2-7b,2T\n" * 100, encoding="utf-8")
    monkeypatch.setattr(tables, "MAX_TABLE_BYTES", 1000)
    _refused(path, "big.csv", "a scenario table may have at most")
