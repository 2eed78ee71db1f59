"""Cell styles, number formats and the one safe way to write scenario text into a cell."""

from __future__ import annotations

import functools
import math
import textwrap
import unicodedata
from array import array
from copy import copy

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlcompute._names import xml_safe

__all__ = [
    "FONT",
    "put_text",
    "style_title",
    "style_header",
    "style_input",
    "style_lookup",
    "style_formula",
    "style_note",
    "style_section",
    "style_plain",
    "style_static",
    "wrapped_height",
    "finish_sheet",
    "register_styles",
    "RED_FILL",
    "RED_FONT",
]

FONT = "Noto Sans CJK SC"  # renders Latin and Chinese; Excel falls back to its default when missing
_THIN = Side(style="thin", color="B0B7C3")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF4C2")
_LOOKUP_FILL = PatternFill("solid", fgColor="DDF2DD")
_HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
_SECTION_FILL = PatternFill("solid", fgColor="E4E9F2")
RED_FILL = PatternFill("solid", fgColor="F8CBAD")
RED_FONT = Font(name=FONT, color="9C0006", bold=True)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

# Characters that make a spreadsheet read text as a formula (OWASP "CSV injection"); also tab/CR.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses longer cell texts.
_MAX_CELL_CHARS = 32_767


def put_text(cell: Cell, text: str) -> Cell:
    """Write ``text`` as a string value, never as a formula, and never fail on its characters.

    openpyxl turns any string that starts with ``=`` into a formula; scenario text such as
    ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` must stay inert, so the cell type is forced to
    string and the quote prefix is set (Excel and LibreOffice then keep it text when edited).
    Control characters (``\\x01``, ``\\x1b``, NUL, ...) cannot be stored in a workbook; each becomes
    U+FFFD (a visible replacement mark, so the text keeps its length and never ends up empty), and
    text beyond Excel's 32,767 characters is cut.
    """
    # openpyxl raises IllegalCharacterError on characters XML cannot hold (xlcompute._names.xml_safe).
    text = xml_safe(str(text))[:_MAX_CELL_CHARS]
    cell.value = text
    if text.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


# Number formats come from the registry (xlcompute.registry.excel_format): one display kind per key.


# Named styles: registered once per workbook, then assigned by name. Far cheaper than building
# Font/Fill objects per cell (openpyxl hashes every style object on assignment), and they show up
# in the spreadsheet's style gallery as "xlcompute …".
_NAMED: dict[str, NamedStyle] = {
    "xlcompute title": NamedStyle("xlcompute title", font=Font(name=FONT, size=15, bold=True, color="1F3A5F")),
    "xlcompute note": NamedStyle("xlcompute note", font=Font(name=FONT, size=9, italic=True, color="555555"),
                                 alignment=Alignment(vertical="top")),
    "xlcompute header": NamedStyle("xlcompute header", font=Font(name=FONT, bold=True, color="FFFFFF"),
                                   fill=_HEADER_FILL, border=_BORDER,
                                   alignment=Alignment(vertical="center", wrap_text=True)),
    "xlcompute section": NamedStyle("xlcompute section", font=Font(name=FONT, bold=True, color="1F3A5F"),
                                    fill=_SECTION_FILL),
    "xlcompute input": NamedStyle("xlcompute input", font=Font(name=FONT, color="1F1F7A"), fill=_INPUT_FILL,
                                  border=_BORDER, protection=UNLOCKED),
    "xlcompute lookup": NamedStyle("xlcompute lookup", font=Font(name=FONT, color="1E5C1E"), fill=_LOOKUP_FILL,
                                   border=_BORDER, protection=UNLOCKED),
    "xlcompute formula": NamedStyle("xlcompute formula", font=Font(name=FONT), border=_BORDER, protection=LOCKED),
    # Values computed in Python when the workbook was built (the layout planner): grey, locked.
    "xlcompute static": NamedStyle("xlcompute static", font=Font(name=FONT, color="404040"),
                                   fill=PatternFill("solid", fgColor="EDEDED"), border=_BORDER,
                                   protection=LOCKED, alignment=Alignment(horizontal="right")),
    "xlcompute plain": NamedStyle("xlcompute plain", font=Font(name=FONT)),
    "xlcompute wrap": NamedStyle("xlcompute wrap", font=Font(name=FONT),
                                 alignment=Alignment(wrap_text=True, vertical="top")),
}


def register_styles(wb: Workbook) -> None:
    """Add the named styles to a new workbook (once, before any cell uses them)."""
    for style in _NAMED.values():
        wb.add_named_style(copy(style))


def _style_array(wb: Workbook, name: str) -> StyleArray:
    """The style array of named style ``name``, looked up once per workbook: openpyxl's ``cell.style``
    setter searches the named-style list by name on every call (a fifth of the build time)."""
    cache: dict[str, StyleArray] = wb.__dict__.setdefault("_xlcompute_style_arrays", {})
    arr = cache.get(name)
    if arr is None:
        arr = cache[name] = wb._named_styles[name].as_tuple()
    return arr


_new_array = array.__new__


def _apply(cell: Cell, name: str) -> None:
    # A named style carries quotePrefix = 0; keep the text protection put_text may have set.
    quoted = cell.quotePrefix
    # What the ``cell.style = name`` setter does: a copy of the named style's array (made by array's own
    # constructor: copy() goes through two Python calls, and a workbook styles ~7,000 cells).
    cell._style = _new_array(StyleArray, "i", _style_array(cell.parent.parent, name))
    if quoted:
        cell.quotePrefix = True


def style_title(cell: Cell) -> None:
    _apply(cell, "xlcompute title")


def style_note(cell: Cell) -> None:
    _apply(cell, "xlcompute note")


def style_header(cell: Cell) -> None:
    _apply(cell, "xlcompute header")


def style_section(cell: Cell) -> None:
    _apply(cell, "xlcompute section")


def style_input(cell: Cell) -> None:
    """An editable input: yellow, unlocked."""
    _apply(cell, "xlcompute input")


def style_lookup(cell: Cell) -> None:
    """An input that looks its value up in a catalog sheet: green, unlocked (may be overridden)."""
    _apply(cell, "xlcompute lookup")


def style_formula(cell: Cell) -> None:
    """A result formula: locked."""
    _apply(cell, "xlcompute formula")


def style_static(cell: Cell) -> None:
    """A value computed when the workbook was built (not a formula): grey, locked."""
    _apply(cell, "xlcompute static")


# Row heights for wrapped text. Spreadsheets do not grow rows that openpyxl writes, so a wrapped
# cell needs an explicit height. Measured on LibreOffice 7.x PDF output with Noto Sans CJK SC 11 pt:
# a line takes ~16 pt (the font's ascent + descent is 1.448 em), and a column of width w holds
# about 1.15·w Latin characters (proportional glyphs are narrower than the "0" that defines w).
_LINE_PT = 16.0
_CHARS_PER_WIDTH = 1.15


def _display_len(text: str) -> int:
    """Length in Latin character cells: CJK (wide/full-width) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


@functools.lru_cache(maxsize=8192)  # the same labels and docstrings recur in every workbook of a batch
def _lines(text: str, width: float, font_pt: float) -> int:
    per_line = max(4, int(width * _CHARS_PER_WIDTH * 11 / font_pt))
    total = 0
    for para in text.splitlines() or [""]:
        if _display_len(para) != len(para):  # CJK wraps anywhere: count cells
            total += max(1, math.ceil(_display_len(para) / per_line))
            continue
        if " " not in para and len(para) > per_line:
            # A formula without spaces breaks at operators, often well before the width.
            total += math.ceil(len(para) / (0.75 * per_line))
            continue
        # Word wrap as a spreadsheet does, with a spare line per five for uneven breaks.
        n = len(textwrap.wrap(para, per_line, break_long_words=True, break_on_hyphens=True)) or 1
        total += n + n // 5
    return total


def wrapped_height(cells: list[tuple[str, float]], min_lines: int = 1, font_pt: float = 11) -> float:
    """Row height (points) that shows every ``(text, column width)`` of a row in full when wrapped."""
    lines = max([min_lines, *(_lines(t, w, font_pt) for t, w in cells if t)])
    return round(_LINE_PT * font_pt / 11 * lines + 2, 1)


def style_plain(cell: Cell, wrap: bool = False) -> None:
    _apply(cell, "xlcompute wrap" if wrap else "xlcompute plain")


def finish_sheet(ws: Worksheet, widths: dict[str, float], footer: str, freeze: str | None) -> None:
    """Column widths, freeze panes, protection and print setup shared by every sheet."""
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    if freeze:
        ws.freeze_panes = freeze
    # Protect formulas from accidental typing; no password, so a user can unprotect on purpose.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.oddFooter.center.text = footer
    ws.oddFooter.center.size = 8
