"""Planning workbooks: openpyxl builds .xlsx files whose results are live Excel formulas.

``build_workbook(scenario, lang)`` returns the workbook; ``write_workbook(scenario, path, lang)``
saves it atomically. The CLI command is ``xlcompute workbook`` (:mod:`xlcompute.cli.workbook`).
"""

from __future__ import annotations

from xlcompute.workbook.builder import REQUIRED_NAMES, SHEETS, build_workbook, write_workbook

__all__ = ["build_workbook", "write_workbook", "SHEETS", "REQUIRED_NAMES"]
