"""Saving a workbook with its formula cells' values, in one pass.

openpyxl writes every cell through ElementTree, one element at a time (about two thirds of a save),
and leaves formula cells without a value. This writer keeps openpyxl for everything around the
cells (styles, names, the package) and writes each sheet's ``<sheetData>`` as text, with the cached
values (``_evaluate``) in the formula cells; the conditional formats and data validations (one of each
per input on the Inputs sheet) are written as text too, attribute for attribute as openpyxl would. Its output is the
bytes openpyxl would write followed by ``store_cached_values``; a test holds the two equal on the
ready-made workbooks, so the file is the one Excel and LibreOffice were tested with.

Subclasses of openpyxl's ``WorksheetWriter`` and ``ExcelWriter`` (3.1), not patches: openpyxl
itself is unchanged for every other caller.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import zipfile
from collections.abc import Mapping
from typing import Any

from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.descriptors.nested import NestedText
from openpyxl.descriptors.sequence import NestedSequence, Sequence
from openpyxl.descriptors.serialisable import Serialisable
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import Element

from xlcompute.workbook._evaluate import CellValue, cell_value_xml, xml_text

__all__ = ["save_with_values"]

# Stands in for the rows while openpyxl writes the rest of the sheet; replaced by them after. openpyxl
# writes no text directly in <sheetData> (only rows), and a cell's text is escaped, so these bytes
# come from here alone.
_MARK = "xlcompute-rows-are-written-here"
_MARKED = f"<sheetData>{_MARK}</sheetData>".encode()
_DEFLATE_LEVEL = 3
# The same for the conditional formats and the data validations (the Inputs sheet has one of each per
# input: written through ElementTree they were a third of its save).
_TAIL_MARKS = {"cf": "xlcomputeConditionalFormatsAreWrittenHere", "dv": "xlcomputeValidationsAreWrittenHere"}


def _attr(s: str) -> str:
    """ElementTree's attribute escaping (xml.etree.ElementTree._escape_attrib): the text's, then these."""
    s = xml_text(s)
    for char, entity in (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if char in s:
            s = s.replace(char, entity)
    return s


def _text_element(tag: str, text: str) -> str:
    """``<tag>text</tag>`` as ElementTree writes an element whose text is ``text``."""
    if not text:
        return f"<{tag} />"
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped and text != stripped else ""
    return f"<{tag}{space}>{xml_text(text)}</{tag}>"


_ATTR_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}


def _attrs_xml(obj: Serialisable) -> str:
    """The attributes ``Serialisable.__iter__`` yields, written as ElementTree writes them; the values
    read from the instance's dict, where openpyxl's descriptors keep them."""
    cls = type(obj)
    names = _ATTR_NAMES.get(cls)
    if names is None:
        pairs = []
        for attr in cls.__attrs__:
            xml = attr[1:] if attr.startswith("_") else attr
            if "_" in xml and getattr(getattr(cls, attr), "hyphenated", False):
                xml = xml.replace("_", "-")
            pairs.append((attr, xml))
        names = _ATTR_NAMES[cls] = tuple(pairs)
    own = obj.__dict__
    out = []
    for attr, xml in names:
        if attr not in own:  # a value not kept in the instance (a property): not written as text
            raise TypeError(f"{cls.__name__}.{attr} is not written as text")
        value = own[attr]
        if value is not None:
            out.append(f' {xml}="{_attr(value if type(value) is str else safe_string(value))}"')
    return "".join(out)


def _plain_xml(obj: Serialisable, tag: str) -> str:
    """``obj.to_tree(tag)`` as text, for the flat objects of a conditional format or a data validation:
    attributes, text children and lists of such objects. Anything else raises TypeError (the caller
    then leaves the whole sheet to openpyxl)."""
    cls = type(obj)
    if cls.to_tree is not Serialisable.to_tree or cls.__iter__ is not Serialisable.__iter__ or cls.__namespaced__ \
            or "attr_text" in cls.__attrs__:
        raise TypeError(f"{cls.__name__} is not written as text")
    out = [f"<{tag}" + _attrs_xml(obj)]
    body: list[str] = []
    for child in cls.__elements__:
        desc, value = getattr(cls, child, None), getattr(obj, child)
        if isinstance(desc, NestedText):
            if value is not None:
                body.append(_text_element(child, safe_string(value)))
        elif isinstance(desc, Sequence) and not isinstance(desc, NestedSequence) and isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, Serialisable):
                    body.append(_plain_xml(v, child))
                elif isinstance(v, str):
                    body.append(_text_element(child, v))
                else:
                    raise TypeError(f"{cls.__name__}.{child} holds {type(v).__name__}: not written as text")
        elif value is not None:
            raise TypeError(f"{cls.__name__}.{child} is not written as text")
    out.append(">" + "".join(body) + f"</{tag}>" if body else " />")
    return "".join(out)


class _RowsWriter(WorksheetWriter):
    """openpyxl's sheet writer with the rows, the conditional formats and the data validations
    written as text (``rows_xml``, ``tail_xml``) instead of elements."""

    values: Mapping[str, CellValue] = {}
    tail_xml: dict[str, str]

    def write_formatting(self) -> None:
        """openpyxl's ``write_formatting``: the same differential-style ids, the same elements."""
        df = DifferentialStyle()
        wb = self.ws.parent
        parts = []
        # Rules often share one style object (the Inputs sheet's red marks): its id is looked up once,
        # not by comparing it with every style before it for each rule (Serialisable.__eq__ is slow).
        ids: dict[int, int | None] = {}
        for cf in self.ws.conditional_formatting:
            for rule in cf.rules:
                dxf = rule.dxf
                if id(dxf) not in ids:
                    ids[id(dxf)] = wb._differential_styles.add(dxf) if dxf and dxf != df else None
                if ids[id(dxf)] is not None:
                    rule.dxfId = ids[id(dxf)]
            parts.append(_plain_xml(cf, cf.tagname))
        self._mark("cf", "".join(parts))

    def write_validations(self) -> None:
        dv = self.ws.data_validations
        if dv:
            every = dv.dataValidation
            kept = dv.dataValidation = [v for v in every if bool(v.sqref)]  # as DataValidationList.to_tree,
            try:                                                              # whose count is of these
                attrs = "".join(f' {k}="{_attr(v)}"' for k, v in dv)
            finally:
                dv.dataValidation = every
            rows = "".join(_plain_xml(v, "dataValidation") for v in kept)
            self._mark("dv", f"<{dv.tagname}{attrs}>{rows}</{dv.tagname}>" if rows else f"<{dv.tagname}{attrs} />")

    def _mark(self, part: str, xml: str) -> None:
        if xml:
            self.xf.send(Element(_TAIL_MARKS[part]))
            self.tail_xml[part] = xml

    def write_rows(self) -> None:
        el = Element("sheetData")
        el.text = _MARK
        self.xf.send(el)
        self.rows_xml = self._rows()

    def _rows(self) -> str:
        out: list[str] = []
        ws, values = self.ws, self.values
        style_ids: dict[bytes, int] = {}
        dims = ws.row_dimensions
        for row_idx, row in self.rows():
            attrs = {"r": f"{row_idx}"}
            attrs.update(dims.get(row_idx, {}))  # as openpyxl's write_row: the dimension's (name, text) pairs
            out.append("<row" + "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items()) + ">")
            for cell in row:
                if cell._comment is not None:
                    ws._comments.append(CommentRecord.from_cell(cell))
                if cell._value is None and not cell.has_style and not cell._comment:
                    continue
                out.append(self._cell(cell, values, style_ids))
            out.append("</row>")
        return "".join(out)

    @staticmethod
    def _cell(cell: Any, values: Mapping[str, CellValue], style_ids: dict[bytes, int]) -> str:
        """One ``<c>`` as openpyxl's etree_write_cell writes it (with store_cached_values' value)."""
        coord = cell.coordinate
        head = f'<c r="{coord}"'
        if cell.has_style:
            # cell.style_id registers the style with the workbook and hashes it in Python each time;
            # equal styles get one id, so it is asked once per style.
            key = cell._style.tobytes()
            sid = style_ids.get(key)
            if sid is None:
                sid = style_ids[key] = cell.style_id
            head += f' s="{sid}"'
        kind, value = cell.data_type, cell._value
        if cell.hyperlink:
            cell.parent._hyperlinks.append(cell.hyperlink)
        if kind == "f":
            if not isinstance(value, str):  # an array or data-table formula: never written by this package
                raise TypeError(f"cell {coord}: only plain formulas are written, not {type(value).__name__}")
            f = "<f>" + xml_text(value[1:]) + "</f>"
            if coord in values:
                return cell_value_xml(head, f, values[coord])
            return head + ">" + f + "<v /></c>"
        if kind == "d":
            raise TypeError(f"cell {coord}: dates are not written by this package")
        if value is None or value == "":
            return head + (' t="inlineStr" />' if kind == "s" else f' t="{kind}" />')
        if kind == "s":
            if not isinstance(value, str):  # rich text: never written by this package
                raise TypeError(f"cell {coord}: only plain text is written, not {type(value).__name__}")
            stripped = value.strip()
            space = ' xml:space="preserve"' if stripped and value != stripped else ""
            return f'{head} t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>'
        # safe_string's own format, without its checks, for the common finite number
        text = "%.16g" % value if type(value) in (float, int) and math.isfinite(value) else safe_string(value)
        return f'{head} t="{kind}"><v>{xml_text(text)}</v></c>'


class _Writer(ExcelWriter):
    """openpyxl's package writer, each sheet through :class:`_RowsWriter`."""

    values: Mapping[str, Mapping[str, CellValue]] = {}

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = self._drawing_of(ws)
        # In memory: openpyxl's default is a temp file per sheet, created, read back and removed
        # (a dozen file-system calls per workbook, slow on a loaded disk).
        writer = _RowsWriter(ws, out=io.BytesIO())
        writer.values = self.values.get(ws.title, {})
        writer.tail_xml = {}
        try:
            writer.write()
        except Exception:
            # Finish openpyxl's stream now, while its buffer is open: the collector may close the buffer first.
            with contextlib.suppress(Exception):
                writer.close()
            raise
        data = writer.out.getvalue()
        if data.count(_MARKED) != 1:
            raise RuntimeError(f"sheet {ws.title!r}: the rows' place was not found in openpyxl's output")
        data = data.replace(_MARKED, b"<sheetData>" + writer.rows_xml.encode("utf-8") + b"</sheetData>")
        for part, xml in writer.tail_xml.items():
            mark = f"<{_TAIL_MARKS[part]} />".encode()
            if data.count(mark) != 1:
                raise RuntimeError(f"sheet {ws.title!r}: the place of its {part} was not found in openpyxl's output")
            data = data.replace(mark, xml.encode("utf-8"))
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], data)
        self.manifest.append(ws)

    @staticmethod
    def _drawing_of(ws: Any) -> Any:
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        drawing = SpreadsheetDrawing()
        drawing.charts = ws._charts
        drawing.images = ws._images
        return drawing


def save_with_values(wb: Workbook, path: os.PathLike[str] | str,
                     values: Mapping[tuple[str, str], CellValue]) -> None:
    """Write ``wb`` to ``path`` (a temp file of an atomic write) with each formula cell's value from
    ``values`` (keyed by sheet title and coordinate, as ``evaluate_workbook`` returns them)."""
    if wb.write_only:
        raise ValueError("a write-only workbook has no cells to write")
    by_sheet: dict[str, dict[str, CellValue]] = {}
    for (sheet, coord), v in values.items():
        by_sheet.setdefault(sheet, {})[coord] = v
    try:
        # Deflate level 3, not zlib's default 6: a tenth of the save's time for files about a tenth
        # larger (the default workbook: 157 → 175 KB); a batch writes hundreds of them.
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                             compresslevel=_DEFLATE_LEVEL) as archive:
            writer = _Writer(wb, archive)
            writer.values = by_sheet
            writer.write_data()
    except (AttributeError, RuntimeError, TypeError):
        # A cell kind this writer leaves to openpyxl (a date, rich text, an array formula), or an
        # openpyxl whose internals moved: the same file in two passes, as before this writer.
        from xlcompute.workbook._evaluate import store_cached_values

        wb.save(path)
        store_cached_values(path, values)
