"""Scenario tables: one scenario per row of a CSV or XLSX file.

Columns are scenario fields; nested fields use dotted names (``training.tokens``,
``cluster.accelerator``, ``model.arch.layers``). An empty cell means "use the default". The first
row holds the column names, matched without regard to case or surrounding spaces (``Name``,
``GPUs``, ``MFU``). They are the scenario's English field names; a header in another script (a
Chinese label such as 加速卡) is an error that lists them. A column whose name starts with ``#``
(``#notes``) is the user's own and is ignored. Values may use the quantity suffixes of scenario
files (``70B``, ``2T``, ``40%``, ``1.5万``).

An XLSX table is read from its sheet named ``scenarios``, else from its first sheet; a problem
with the header names the sheet read.

XLSX files are read with openpyxl, which parses through ``defusedxml`` when it is installed (a
dependency of this package): a file with XML entity declarations (an "XML bomb") is refused, and
so is a file whose compressed parts would expand beyond a sane size (a zip bomb).

Limits (a real table has tens of columns and at most thousands of rows; each refusal is one
line naming the limit, the row or the column):

* file size at most :data:`MAX_TABLE_BYTES` (64 MiB); an XLSX at most
  :data:`MAX_XLSX_UNPACKED_BYTES` (200 MiB) unpacked;
* at most :data:`MAX_COLUMNS` (500) columns, checked in linear time; column names at most
  :data:`MAX_COLUMN_NAME_CHARS` (100) characters, one line, each name once;
* at most :data:`MAX_ROWS` (100,000) rows under the header, blank rows included; reading stops at
  the limit. An XLSX sheet is measured before openpyxl reads it: its declared used range
  (``<dimension ref="A1:XFD1048576">``) and its row elements, counted in one pass over the
  compressed stream, so a huge sheet is refused in well under a second and no grid is built;
* a cell holds at most :data:`MAX_CELL_CHARS` (10,000) characters (a longer cell makes its row
  fail, naming the column);
* an XLSX cell with a formula but no saved result (a file written by a program, never opened in
  a spreadsheet) is an error naming the cell: open and save the file in Excel or LibreOffice, or
  type the value. It is never read as empty (which would silently use the default);
* a value in a column without a name, or beyond the last named column, makes its row fail.

Control characters in cells (a NUL byte in a CSV included) are left to the scenario's own checks,
which name the field and the row; in column names they are an error.

A CSV's cells are separated by commas, or by semicolons (what Excel writes in locales whose decimal mark
is a comma) or tabs: the header line decides, since no field name holds any of the three. In a
semicolon- or tab-separated table a number written with a comma (``0,4``, ``1,5``, ``1,500``) is
refused in a number field, naming the column and the value: there the comma may be a decimal mark
(``1,5`` = 1.5) as well as a thousands separator (``1,500`` = 1500), and the number reader takes it for
the latter. Text fields (``name``, ``description``) keep their commas. A number grouped with dots
(``1.500``, ``2.048``: a leading digit 1-9, groups of three) is refused there too: such a table writes its
decimals with a comma, so the dot is most likely a thousands separator (1.500 = 1500), which the number
reader would take for a decimal mark (1.5).
"""

from __future__ import annotations

import csv
import functools
import itertools
import posixpath
import re
import types
import typing
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlcompute.quantity import dot_grouped

__all__ = [
    "TableError",
    "TableRow",
    "read_table",
    "nest",
    "TABLE_SUFFIXES",
    "MAX_TABLE_BYTES",
    "MAX_XLSX_UNPACKED_BYTES",
    "MAX_ROWS",
    "MAX_COLUMNS",
    "MAX_CELL_CHARS",
    "MAX_COLUMN_NAME_CHARS",
]

TABLE_SUFFIXES = (".csv", ".xlsx")
MAX_TABLE_BYTES = 64 * 1024 * 1024
"""Largest table file: 100,000 rows of 30 short cells fit several times over."""
# A scenario table is a few kilobytes per row; 200 MB unpacked is far beyond any real one.
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 100_000
"""Rows under the header (blank rows included)."""
MAX_COLUMNS = 500
"""Columns with a name (a scenario has about 100 fields)."""
MAX_CELL_CHARS = 10_000
"""Characters in one cell (the longest text field, description, takes 2,000)."""
MAX_COLUMN_NAME_CHARS = 100
"""Characters in one column name (model.arch.qk_rope_head_dim is 26)."""
# Other sheets of a workbook are sized by openpyxl when it opens the file; without a declared size
# it reads them whole, so a big undeclared sheet is refused before opening.
_MAX_UNDECLARED_SHEET_BYTES = 16 * 1024 * 1024
_XML_PART_BYTES = 8 * 1024 * 1024  # workbook.xml and its relationships: kilobytes in practice

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class TableError(ValueError):
    """A scenario table that cannot be read at all (one readable message)."""


@dataclass(frozen=True)
class TableRow:
    """One scenario row: where it came from (``table.csv row 3``) and its nested fields."""

    source: str
    row: int
    data: dict[str, Any]


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"training.tokens": "2T"}`` → ``{"training": {"tokens": "2T"}}``.

    Raises :class:`ValueError` when a column is both a value and a group
    (``cluster.accelerator`` and ``cluster.accelerator.name`` in one row).
    """
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        parts = [p.strip() for p in dotted.split(".")]
        if any(not p for p in parts):
            raise ValueError(f"column {dotted!r}: empty part in a dotted name")
        node = out
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"column {dotted!r}: {'.'.join(parts[:i + 1])} is also given as a value")
            node = child
        if parts[-1] in node:
            raise ValueError(f"column {dotted!r}: given twice or also used as a group")
        node[parts[-1]] = value
    return out


def _letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _show(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}… ({len(text):,} characters)"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    return value


_OWN_PREFIX = "#"  # a column of the user's own (notes, comments): never a field
_SHORT_NAMES = "name, model, tokens, accelerator, cards, users, mfu"


def _own(column: str) -> bool:
    return column.startswith(_OWN_PREFIX)


def _columns(name: str, header: list[Any]) -> list[str]:
    """The column names, checked: count, length, control characters, script, each once (linear time);
    returned in lower case (field names are lower case; ``Name`` and ``GPUs`` are what users type)."""
    cells = [str(h).strip() if h is not None else "" for h in header]
    while cells and not cells[-1]:
        cells.pop()  # trailing empty header cells (a CSV's trailing commas) are no columns
    if not cells:
        raise TableError(f"{name}: the first row must hold the column names (e.g. name, model.preset, training.tokens)")
    if len(cells) > MAX_COLUMNS:
        raise TableError(f"{name}: {len(cells):,} columns in the header row; a scenario table may have at most "
                         f"{MAX_COLUMNS:,}")
    for i, column in enumerate(cells):
        if len(column) > MAX_COLUMN_NAME_CHARS:
            raise TableError(f"{name}: column {_letter(i)} has a name of {len(column):,} characters "
                             f"({_show(column)}); at most {MAX_COLUMN_NAME_CHARS} allowed")
        if _CONTROL.search(column):
            raise TableError(f"{name}: column {_letter(i)} has a control character in its name ({_show(column)})")
        if not column.isascii() and not _own(column):  # no field name is: every row would fail alike
            raise TableError(
                f"{name}: column {_letter(i)} ({_show(column)}): column names are the scenario's English field "
                f"names: {_SHORT_NAMES}, or dotted ones such as training.seq_len or pricing.currency (`xlcompute "
                f"schema` lists them); a column of your own notes is ignored when its name starts with "
                f"{_OWN_PREFIX} (e.g. {_OWN_PREFIX}备注)")
    cells = [c if _own(c) else c.lower() for c in cells]
    dupes = sorted(c for c, n in Counter(c for c in cells if c and not _own(c)).items() if n > 1)
    if dupes:
        raise TableError(f"{name}: duplicate column names: {', '.join(_show(d) for d in dupes[:10])}"
                         + (f" and {len(dupes) - 10:,} more" if len(dupes) > 10 else ""))
    return cells


def _row_data(columns: list[str], cells: Iterable[Any], delimiter: str = ",") -> dict[str, Any] | str:
    """The row's fields, or the reason the row cannot be a scenario (its cells are not kept). ``delimiter``:
    the CSV's separator; with ``;`` or a tab, a number field's cell written with a comma is refused."""
    flat: dict[str, Any] = {}
    for i, value in enumerate(cells):
        value = _clean(value)
        if value is None:
            continue
        column = columns[i] if i < len(columns) else ""
        if _own(column):
            continue
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            return (f"column {_letter(i)} ({column or 'no name'}): a cell of {len(value):,} characters; a table "
                    f"cell may have at most {MAX_CELL_CHARS:,}")
        if not column:
            where = "beyond the last named column" if i >= len(columns) else "in a column without a name"
            return f"column {_letter(i)}: a value {where} ({_show(str(value))}); name the column or delete the value"
        if delimiter != "," and isinstance(value, str) and _comma_number(column, value):
            kind = _DELIMITER_NAMES[delimiter]
            return (f"column {_letter(i)} ({column}): {_show(value)} has a comma, which in a {kind}-separated table "
                    "may be a decimal mark (1,5 = 1.5) or a thousands separator (1,500 = 1500); write the number "
                    "without it, e.g. 1.5 or 1500")
        if delimiter != "," and isinstance(value, str) and _dot_grouped(column, value):
            kind = _DELIMITER_NAMES[delimiter]
            return (f"column {_letter(i)} ({column}): {_show(value)} is grouped with dots, which in a {kind}-separated "
                    "table are most likely thousands separators (1.500 = 1500), while the number reads them as a "
                    "decimal mark (1.500 = 1.5); write the number without them, e.g. 1500, or a decimal with fewer "
                    "or more than three digits after the dot, e.g. 1.5")
        flat[column] = value
    if not flat:
        return {}
    try:
        return nest(flat)
    except ValueError as exc:
        return str(exc)


def _rows_from(name: str, header: list[Any], body: Iterator[tuple[int, Iterable[Any]]],
               header_name: str | None = None, delimiter: str = ",") -> list[TableRow]:
    columns = _columns(header_name or name, header)
    at_name = columns.index("name") if "name" in columns else None
    rows: list[TableRow] = []
    for count, (number, cells) in enumerate(body, start=1):
        if count > MAX_ROWS:
            raise TableError(f"{name}: more than {MAX_ROWS:,} rows under the header (the limit for a scenario "
                             "table); split the table")
        cells = list(cells)
        data = _row_data(columns, cells, delimiter)
        if isinstance(data, str):
            data = {"__table_error__": data}
            # The row's own name stays with it, so a failed row is known by its name, not by counting rows.
            label = _clean(cells[at_name]) if at_name is not None and at_name < len(cells) else None
            if isinstance(label, str) and len(label) <= 200:
                data["name"] = label
        elif not data:
            continue  # blank line
        rows.append(TableRow(source=f"{name} row {number}", row=number, data=data))
    if not rows:
        raise TableError(f"{name}: no scenario rows under the header")
    return rows


# -- CSV ---------------------------------------------------------------------------------------


_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# A field name as a header gives it (Name, training.seq_len), quoted or not: what scores a delimiter.
_FIELD_NAME = re.compile(r'\s*"?\s*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*\s*"?\s*')
# The header is judged this far for its delimiter: 500 columns of 100 characters take about 50,000.
_HEADER_PEEK_CHARS = 1 << 20


def _delimiter(header_line: str) -> str:
    """The CSV's separator, from its header line alone. Field names hold none of , ; and tab, so the one
    that occurs is it (a one-column table has none: a comma, as before). Only a column of the user's own
    (``#notes, misc``) can hold another; then the separator is the one that splits off the most field
    names, the first in the line on a tie. The body is never consulted: a cell may hold any of them."""
    present = [d for d in _DELIMITERS if d in header_line]
    if len(present) <= 1:
        return present[0] if present else ","

    def score(d: str) -> tuple[int, int]:
        names = next(csv.reader([header_line.rstrip("\r\n")], delimiter=d), [])
        return sum(_FIELD_NAME.fullmatch(n) is not None for n in names), -header_line.index(d)

    return max(present, key=score)


# A value that reads as a number written with a comma: digits (grouped by stops or spaces, as in
# 1.500,5 or 1 500,5) and then a comma and a digit, whatever follows (a suffix, a unit word). Full-width
# forms read as ASCII first, as the number reader (xlcompute.quantity) reads them.
_COMMA_NUMBER = re.compile(r"^\s*[+-]?\d[\d. \u00a0\u202f]*,\s*\d")


def _dot_grouped(column: str, value: str) -> bool:
    """Is ``value``, in ``column``, a number grouped with dots (1.500, 12.000.000) in a number field?"""
    return dot_grouped(value) and _number_field(column, value)


def _comma_number(column: str, value: str) -> bool:
    """Is ``value``, in ``column``, a number written with a comma? Decided by the field the column sets:
    only a number field reads "1,500" as 1500, so only there is the comma ambiguous; a name such as
    "2,048 H800" is text and stays as written. The value shape is tested first (cheap, and rare)."""
    return _COMMA_NUMBER.match(unicodedata.normalize("NFKC", value)) is not None and _number_field(column, value)


@functools.lru_cache(maxsize=1024)
def _number_field(column: str, value: str) -> bool:
    """Does ``column`` set a number field of the scenario? Placed as the scenario places it (short names in
    their section; a model written as a size, ``1,5B``, is model.params), then looked up in its schema.
    An unknown column is not: the scenario reports it by name."""
    from pydantic import BaseModel

    from xlcompute.scenario import Scenario, place_short_names  # the schema; only for a cell of this shape

    def kinds(annotation: Any) -> list[Any]:  # the types an annotation allows (Optional, Union, Annotated)
        if typing.get_origin(annotation) in (typing.Annotated, typing.Union, types.UnionType):
            args = typing.get_args(annotation)
            return kinds(args[0]) if typing.get_origin(annotation) is typing.Annotated else [
                k for a in args for k in kinds(a)]
        return [annotation]

    try:
        node: Any = place_short_names(nest({column: value}))
    except ValueError:
        return False
    model: Any = Scenario
    while isinstance(node, dict) and len(node) == 1:
        (key, node), = node.items()
        info = model.model_fields.get(key) if model is not None else None
        if info is None:
            return False
        allowed = kinds(info.annotation)
        if not isinstance(node, dict):
            return any(k in (int, float) for k in allowed)
        model = next((k for k in allowed if isinstance(k, type) and issubclass(k, BaseModel)), None)
    return False


def _read_csv(path: Path, name: str) -> list[TableRow]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            # The whole header line (the reader takes each item as a line: a cut one would end the row); the
            # file is within MAX_TABLE_BYTES. Its delimiter is judged on the first part, ample for 500 names.
            first = f.readline()
            delimiter = _delimiter(first[:_HEADER_PEEK_CHARS])
            reader = csv.reader(itertools.chain([first], f), delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                raise TableError(f"{name}: the file is empty")
            columns = _columns(name, header)  # before the body: a bad header costs no more reading
            # The raw cells first (the C parser is fast), so a table over the row limit is refused
            # before any row is turned into a scenario.
            body: list[list[str]] = []
            for cells in reader:
                body.append(cells)
                if len(body) > MAX_ROWS:
                    raise TableError(f"{name}: more than {MAX_ROWS:,} rows under the header (the limit for a "
                                     "scenario table); split the table")
    except UnicodeDecodeError:
        raise TableError(f"{name}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        line = f"near line {reader.line_num:,}"
        if "field larger than field limit" in str(exc):
            raise TableError(f"{name}: a cell of more than {csv.field_size_limit():,} characters {line}; a table "
                             f"cell may have at most {MAX_CELL_CHARS:,}") from None
        raise TableError(f"{name}: cannot read the CSV {line}: {exc}") from None
    return _rows_from(name, columns, enumerate(body, start=2), delimiter=delimiter)


# -- XLSX --------------------------------------------------------------------------------------


def _check_zip(path: Path, name: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise TableError(f"{name}: not an .xlsx file (not a zip archive)") from None
    unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        zf.close()
        raise TableError(
            f"{name}: refused: it would unpack to {unpacked / 1e6:,.0f} MB "
            f"(limit {MAX_XLSX_UNPACKED_BYTES / 1e6:,.0f} MB; a possible zip bomb)"
        )
    return zf


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_part(name: str, zf: zipfile.ZipFile, part: str) -> Any:
    from defusedxml import ElementTree

    info = zf.getinfo(part)
    if info.file_size > _XML_PART_BYTES:
        raise TableError(f"{name}: refused: its part {_show(part)} is {info.file_size / 1e6:,.0f} MB (a workbook's "
                         "index is a few kilobytes)")
    return ElementTree.fromstring(zf.read(part))


def _sheet_parts(name: str, zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip part) of every worksheet, in workbook order; [] when the layout is unusual
    (openpyxl then reports the file)."""
    from defusedxml import DefusedXmlException

    try:
        workbook = next(
            r.get("Target", "") for r in _xml_part(name, zf, "_rels/.rels")
            if r.get("Type", "").endswith("/officeDocument")
        ).lstrip("/")
        folder, base = posixpath.split(workbook)
        rels = {r.get("Id"): r for r in _xml_part(name, zf, posixpath.join(folder, "_rels", base + ".rels"))}
        sheets = []
        for el in _xml_part(name, zf, workbook).iter():
            if _local(el.tag) != "sheet":
                continue
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            rel = rels.get(rid)
            if rel is None or not rel.get("Type", "").endswith("/worksheet"):
                continue  # a chart sheet, or a broken reference
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            sheets.append((el.get("name", ""), part))
        return sheets
    except (TableError, DefusedXmlException):
        raise
    except (KeyError, StopIteration, SyntaxError, ValueError):
        return []


_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?worksheet[\s>]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']{1,40})")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sheetData[\s/>]")


@dataclass
class _SheetScan:
    declared: str | None  # the <dimension ref> before the cell data
    rows: int  # row elements
    last_row: int  # highest row number given
    formulas: bool


def _scan_sheet(zf: zipfile.ZipFile, part: str, stop_rows: int, head_only: bool = False) -> _SheetScan:
    """One pass over a sheet's XML, decompressed in chunks: its declared size, its rows (counting
    stops past ``stop_rows``, or at a declared size beyond it) and whether it holds formulas. No
    XML tree is built; the tags are found by regular expressions that start with a literal (the
    sheet's own namespace prefix), which keeps a 40 MB sheet to a fraction of a second."""
    scan = _SheetScan(declared=None, rows=0, last_row=0, formulas=False)
    tags: tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]] | None = None
    tail = b""
    with zf.open(part) as f:
        while True:
            chunk = f.read(1 << 20)
            data = tail + chunk
            # Tags start with "<": keep the text from the last "<" for the next chunk.
            cut = data.rfind(b"<") if chunk else len(data)
            body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            if tags is None:
                head_end = _SHEET_DATA.search(body)
                m = _DIMENSION.search(body, 0, head_end.start() if head_end else len(body))
                if m:
                    scan.declared = m.group(1).decode("ascii", "replace")
                if not (head_end or not chunk):
                    tail = body + tail  # the head continues in the next chunk
                    continue
                root = _ROOT.search(body)
                prefix = (root.group(1) + b":") if root is not None and root.group(1) else b""
                row, formula = re.escape(b"<" + prefix + b"row"), re.escape(b"<" + prefix + b"f")
                tags = (re.compile(row + rb"[\s/>]"), re.compile(row + rb"\s[^>]*?\br\s*=\s*[\"'](\d{1,12})"),
                        re.compile(formula + rb"[\s/>]"))
                size = _declared_size(scan.declared) if scan.declared else None
                if head_only or (size is not None and size[0] > stop_rows):
                    return scan
            row_tag, row_number, formula_tag = tags
            scan.rows += len(row_tag.findall(body))
            numbers = row_number.findall(body)
            if numbers:
                scan.last_row = max(scan.last_row, max(int(n) for n in numbers))
            scan.formulas = scan.formulas or formula_tag.search(body) is not None
            if scan.rows > stop_rows or scan.last_row > stop_rows or not chunk:
                return scan


def _declared_size(ref: str) -> tuple[int, int] | None:
    """(rows, columns) of a used range such as ``A1:XFD1048576``."""
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?", ref.strip())
    if m is None:
        return None

    def col(letters: str) -> int:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
        return n

    c1, r1 = col(m.group(1)), int(m.group(2))
    c2, r2 = (col(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    return abs(r2 - r1) + 1, abs(c2 - c1) + 1


def _prescan_xlsx(name: str, zf: zipfile.ZipFile) -> tuple[str | None, bool]:
    """Measure the sheets before openpyxl opens the file: the scenario sheet's declared and actual
    size against the limits, other sheets' size when undeclared. Returns (sheet name, formulas)."""
    sheets = _sheet_parts(name, zf)
    if not sheets:
        return None, True  # unusual layout: openpyxl decides; assume formulas (the careful path)
    names = [n for n, _ in sheets]
    target = names.index("scenarios") if "scenarios" in names else 0
    for i, (sheet, part) in enumerate(sheets):
        try:
            info = zf.getinfo(part)
        except KeyError:
            continue  # openpyxl reports the missing part
        if i != target:
            if info.file_size > _MAX_UNDECLARED_SHEET_BYTES and _scan_sheet(zf, part, 0, head_only=True).declared is None:
                raise TableError(f"{name}: sheet {_show(sheet)} is {info.file_size / 1e6:,.0f} MB of XML without a "
                                 "declared size; save the workbook in Excel or LibreOffice, or keep the scenarios "
                                 "in a workbook of their own")
            continue
        scan = _scan_sheet(zf, part, MAX_ROWS + 1)
        size = _declared_size(scan.declared) if scan.declared else None
        if size is not None and (size[0] > MAX_ROWS + 1 or size[1] > MAX_COLUMNS):
            raise TableError(
                f"{name}: sheet {_show(sheet)} declares its used range as {scan.declared} ({size[0]:,} rows × "
                f"{size[1]:,} columns); a scenario table may have at most {MAX_ROWS:,} rows under the header and "
                f"{MAX_COLUMNS:,} columns: delete the unused rows and columns, or copy the table to a new "
                "workbook, and save"
            )
        if scan.rows > MAX_ROWS + 1 or scan.last_row > MAX_ROWS + 1:
            raise TableError(f"{name}: sheet {_show(sheet)} has more than {MAX_ROWS:,} rows under the header (the "
                             "limit for a scenario table); split the table or delete the unused rows")
        return sheet, scan.formulas
    return None, True


def _read_xlsx(path: Path, name: str) -> list[TableRow]:
    import openpyxl
    from defusedxml import DefusedXmlException

    if not openpyxl.DEFUSEDXML:
        # openpyxl falls back to the standard library parser without defusedxml (or when
        # OPENPYXL_DEFUSEDXML=False); reading untrusted XLSX that way is not allowed here.
        raise TableError(f"{name}: reading .xlsx tables needs defusedxml active in openpyxl")
    zf = _check_zip(path, name)
    try:
        sheet, formulas = _prescan_xlsx(name, zf)
    except DefusedXmlException as exc:
        raise TableError(f"{name}: refused: the file contains XML entity declarations or DTDs "
                         f"(a possible XML bomb): {type(exc).__name__}") from None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:  # RuntimeError: an encrypted part
        raise TableError(f"{name}: cannot read the workbook: {_first_line(exc)}") from None
    finally:
        zf.close()
    try:
        return _parse_xlsx(path, name, sheet, formulas, openpyxl, DefusedXmlException)
    except TableError:
        raise
    except (KeyError, OSError, ValueError, SyntaxError, EOFError, zipfile.BadZipFile) as exc:
        # SyntaxError covers xml.etree's ParseError (malformed XML).
        raise TableError(f"{name}: cannot read the workbook: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return _CONTROL.sub("?", text.splitlines()[0])[:200] if text.strip() else type(exc).__name__


def _open_sheet(path: Path, sheet: str | None, data_only: bool, openpyxl: Any) -> tuple[Any, Any]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    if sheet is not None and sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        ws = wb["scenarios"] if "scenarios" in wb.sheetnames else wb.worksheets[0]
    # The declared size was checked; read what the sheet holds, so openpyxl neither pads rows to a
    # wrong declared width nor drops cells beyond it.
    ws.reset_dimensions()
    return wb, ws


def _bounded_rows(name: str, ws: Any, values_only: bool) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, row in enumerate(ws.iter_rows(values_only=values_only), start=1):
        if number > MAX_ROWS + 1:
            raise TableError(f"{name}: sheet {_show(ws.title)} has more than {MAX_ROWS:,} rows under the header "
                             "(the limit for a scenario table); split the table")
        yield number, row


def _parse_xlsx(
    path: Path, name: str, sheet: str | None, formulas: bool, openpyxl: Any, DefusedXmlException: type[Exception]
) -> list[TableRow]:
    try:
        wb, ws = _open_sheet(path, sheet, True, openpyxl)
        try:
            where = _sheet_read(name, ws.title, len(wb.sheetnames))
            rows = _collect(name, _bounded_rows(name, ws, values_only=True))
        finally:
            wb.close()
        if formulas:
            wb, ws = _open_sheet(path, sheet, False, openpyxl)
            try:
                _check_formulas(name, rows, _bounded_rows(name, ws, values_only=False))
            finally:
                wb.close()
    except TableError:
        raise
    except Exception as exc:
        # openpyxl wraps parser errors in its own exception; look for defusedxml's refusal in the chain.
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, DefusedXmlException):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        raise TableError(
            f"{name}: refused: the file contains XML entity declarations or DTDs "
            f"(a possible XML bomb): {type(cause).__name__}"
        ) from None
    if not rows:
        raise TableError(f"{where}: the sheet is empty")
    return _rows_from(name, list(rows[0]), enumerate(rows[1:], start=2), header_name=where)


def _sheet_read(name: str, title: str, sheets: int) -> str:
    """The table's name as a header problem gives it: with the sheet read, when the workbook has several."""
    if sheets <= 1:
        return name
    if title == "scenarios":
        return f"{name}, sheet 'scenarios'"
    return (f"{name}, sheet {_show(title)} (the first sheet; a sheet named 'scenarios' is read instead when there "
            "is one)")


def _collect(name: str, numbered: Iterator[tuple[int, tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    """The sheet's rows, each cut after its last value; a row wider than the limit is refused."""
    rows: list[tuple[Any, ...]] = []
    for number, row in numbered:
        end = len(row)
        while end and (row[end - 1] is None or row[end - 1] == ""):
            end -= 1
        if end > MAX_COLUMNS:
            raise TableError(f"{name}: row {number:,} has a value in column {_letter(end - 1)}, beyond the "
                             f"{MAX_COLUMNS:,} columns a scenario table may have")
        rows.append(tuple(row[:end]))
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _check_formulas(name: str, values: list[tuple[Any, ...]], cells: Iterator[tuple[int, tuple[Any, ...]]]) -> None:
    """A formula cell whose saved result is missing would read as empty (the default, silently)."""
    missing: list[str] = []
    for number, row in cells:
        # Rows past the last value count too: a row of unsaved formulas would read as blank.
        saved = values[number - 1] if number <= len(values) else ()
        for i, cell in enumerate(row[:MAX_COLUMNS]):
            if getattr(cell, "data_type", None) != "f":
                continue
            value = saved[i] if i < len(saved) else None
            if value is None or value == "":
                missing.append(f"{_letter(i)}{number}")
    if missing:
        more = f" and {len(missing) - 1:,} more cells" if len(missing) > 1 else ""
        raise TableError(
            f"{name}: cell {missing[0]}{more} holds a formula without a saved result (the file was written by a "
            "program and never recalculated); open and save it in Excel or LibreOffice, or type the values"
        )


def read_table(path: str | Path) -> list[TableRow]:
    """Read a CSV or XLSX scenario table; raises :class:`TableError` when it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise TableError(f"{_show(str(p), 200)} does not exist or is not a file")
    # The file's name starts every message (and each row's source): control characters escaped.
    name = p.name if not _CONTROL.search(p.name) else repr(p.name)[1:-1]
    suffix = p.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise TableError(f"{name}: unsupported table type; use .csv or .xlsx")
    size = p.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise TableError(f"{name}: {size / 1e6:,.0f} MB; a scenario table may have at most "
                         f"{MAX_TABLE_BYTES / 1e6:,.0f} MB")
    if suffix == ".csv":
        return _read_csv(p, name)
    return _read_xlsx(p, name)
