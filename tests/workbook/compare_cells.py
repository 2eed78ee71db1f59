"""Where things are on a Compare sheet (a helper of the workbook tests, not a test module)."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlcompute.workbook import SHEETS
from xlcompute.workbook.compare_sheet import FIRST_CARD_COLUMN, KEY_COLUMN

__all__ = ["compare_ws", "layout", "sheet"]


def sheet(wb: Workbook, key: str) -> Worksheet:
    """The sheet ``key`` (of ``SHEETS``) of a workbook in either language: tabs are translated."""
    return wb.worksheets[list(SHEETS).index(key)]


def compare_ws(wb: Workbook) -> Worksheet:
    return sheet(wb, "compare")


def layout(ws: Worksheet) -> tuple[dict[str, int], dict[str, int]]:
    """(graph key -> row, accelerator -> column) of a Compare sheet."""
    rows = {c.value: c.row for c in ws[get_column_letter(KEY_COLUMN)] if isinstance(c.value, str) and c.row > 4}
    cols = {}
    for c in ws[4][FIRST_CARD_COLUMN - 1:]:
        if c.value == "=gpu_choice":  # the Inputs sheet's card (a formula where the file is read with formulas)
            (sheet, coord), = list(ws.parent.defined_names["gpu_choice"].destinations)
            cols[ws.parent[sheet][coord.replace("$", "")].value] = c.column
        elif c.value:
            cols[c.value] = c.column
    return rows, cols
