"""Scenario tables: one scenario per row of a CSV or XLSX file.

Columns are scenario fields; nested fields use dotted names (``training.tokens``,
``cluster.accelerator``, ``model.arch.layers``). An empty cell means "use the default". The first
row holds the column names. Values may use the quantity suffixes of scenario files (``70B``,
``2T``, ``40%``, ``1.5万``).

XLSX files are read with openpyxl, which parses through ``defusedxml`` when it is installed (a
dependency of this package): a file with XML entity declarations (an "XML bomb") is refused, and
so is a file whose compressed parts would expand beyond a sane size (a zip bomb).
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TableError", "TableRow", "read_table", "nest", "TABLE_SUFFIXES", "MAX_XLSX_UNPACKED_BYTES"]

TABLE_SUFFIXES = (".csv", ".xlsx")
# A scenario table is a few kilobytes per row; 200 MB unpacked is far beyond any real one.
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 100_000


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


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    return value


def _rows_from(name: str, header: list[Any], body: list[tuple[int, list[Any]]]) -> list[TableRow]:
    columns = [str(h).strip() if h is not None else "" for h in header]
    if not any(columns):
        raise TableError(f"{name}: the first row must hold the column names (e.g. name, model.preset, training.tokens)")
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        raise TableError(f"{name}: duplicate column names: {', '.join(dupes)}")
    rows: list[TableRow] = []
    for number, cells in body:
        flat: dict[str, Any] = {}
        for col, value in zip(columns, cells):
            value = _clean(value)
            if value is None:
                continue
            if not col:
                raise TableError(f"{name} row {number}: a value stands in a column without a name")
            flat[col] = value
        if not flat:
            continue  # blank line
        try:
            data = nest(flat)
        except ValueError as exc:
            data = {"__table_error__": str(exc)}
        rows.append(TableRow(source=f"{name} row {number}", row=number, data=data))
        if len(rows) > MAX_ROWS:
            raise TableError(f"{name}: more than {MAX_ROWS} scenario rows")
    if not rows:
        raise TableError(f"{name}: no scenario rows under the header")
    return rows


def _read_csv(path: Path) -> list[TableRow]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    except UnicodeDecodeError:
        raise TableError(f"{path.name}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise TableError(f"{path.name}: cannot parse the CSV: {exc}") from None
    if not lines:
        raise TableError(f"{path.name}: the file is empty")
    return _rows_from(path.name, list(lines[0]), [(i, list(r)) for i, r in enumerate(lines[1:], start=2)])


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise TableError(f"{path.name}: not an .xlsx file (not a zip archive)") from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise TableError(
            f"{path.name}: refused: it would unpack to {unpacked / 1e6:,.0f} MB "
            f"(limit {MAX_XLSX_UNPACKED_BYTES / 1e6:,.0f} MB; a possible zip bomb)"
        )


def _read_xlsx(path: Path) -> list[TableRow]:
    import openpyxl
    from defusedxml import DefusedXmlException

    if not openpyxl.DEFUSEDXML:
        # openpyxl falls back to the standard library parser without defusedxml (or when
        # OPENPYXL_DEFUSEDXML=False); reading untrusted XLSX that way is not allowed here.
        raise TableError(f"{path.name}: reading .xlsx tables needs defusedxml active in openpyxl")
    _check_zip(path)
    try:
        return _parse_xlsx(path, openpyxl, DefusedXmlException)
    except TableError:
        raise
    except (KeyError, OSError, ValueError, SyntaxError, zipfile.BadZipFile) as exc:
        # SyntaxError covers xml.etree's ParseError (malformed XML).
        raise TableError(f"{path.name}: cannot read the workbook: {str(exc).splitlines()[0]}") from None


def _parse_xlsx(path: Path, openpyxl: Any, DefusedXmlException: type[Exception]) -> list[TableRow]:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb["scenarios"] if "scenarios" in wb.sheetnames else wb.worksheets[0]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    except Exception as exc:
        # openpyxl wraps parser errors in its own exception; look for defusedxml's refusal in the chain.
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, DefusedXmlException):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        raise TableError(
            f"{path.name}: refused: the file contains XML entity declarations or DTDs "
            f"(a possible XML bomb): {type(cause).__name__}"
        ) from None
    if not rows:
        raise TableError(f"{path.name}: the first sheet is empty")
    return _rows_from(path.name, rows[0], [(i, r) for i, r in enumerate(rows[1:], start=2)])


def read_table(path: str | Path) -> list[TableRow]:
    """Read a CSV or XLSX scenario table; raises :class:`TableError` when it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise TableError(f"{str(p)!r} does not exist or is not a file")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _read_csv(p)
    if suffix == ".xlsx":
        return _read_xlsx(p)
    raise TableError(f"{p.name}: unsupported table type; use .csv or .xlsx")
