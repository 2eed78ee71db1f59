"""Evaluate the formulas of a workbook we built, to store each formula cell's value in the file.

Why: a file opened by something without a calculation engine (a file previewer, a mail client,
pandas, openpyxl with ``data_only=True``) shows a formula cell's *cached* value, and openpyxl
writes none, so such readers see blanks (issue 14 §5). Excel and LibreOffice still recalculate on
open (``fullCalcOnLoad``); the cached value is what the file shows before that.

This is not the proof that the faces agree: that stays LibreOffice recalculating the workbook
(design.md). It is a small evaluator of the Excel formula language *this package emits* (the
operators, references, defined names, ranges and the functions in ``_FUNCTIONS``), with Excel's
semantics for each (INT floors, ROUND halves away from zero, MOD takes the divisor's sign, MATCH 0
is an exact, case-insensitive match). A formula outside that subset raises
:class:`UnsupportedFormula`, so a new function cannot silently get no value; the LibreOffice test
compares every cached value with LibreOffice's own result.
"""

from __future__ import annotations

import functools
import gc
import math
import os
import re
import statistics
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Union

from openpyxl import Workbook
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries

__all__ = ["ExcelError", "UnsupportedFormula", "evaluate_workbook", "store_cached_values", "cell_value_xml", "xml_text",
           "CellValue"]


class UnsupportedFormula(ValueError):
    """A formula uses syntax or a function this evaluator does not know."""


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value such as ``#DIV/0!``; it propagates through arithmetic."""

    code: str

    def __str__(self) -> str:
        return self.code


CellValue = Union[float, str, bool, ExcelError, None]
_Area = tuple[str, int, int, int, int]  # sheet, min_col, min_row, max_col, max_row

DIV0, VALUE, NUM, NA, REF = (ExcelError(c) for c in ("#DIV/0!", "#VALUE!", "#NUM!", "#N/A", "#REF!"))

# -- tokens ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?\$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?(?![A-Za-z0-9_(]))
  | (?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<func>[A-Za-z_][A-Za-z0-9_.]*(?=\())
  | (?P<bool>(?:TRUE|FALSE)(?![A-Za-z0-9_.(]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|<>|[-+*/^&=<>%(),])
  | (?P<bad>.)
""", re.VERBOSE | re.DOTALL)


def _tokens(text: str) -> list[tuple[str, str]]:
    out = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup != "ws"]
    for i, (kind, _) in enumerate(out):
        if kind == "bad":
            rest = "".join(t for _, t in out[i:i + 10])
            raise UnsupportedFormula(f"cannot read {rest!r} in ={text}")
    return out  # type: ignore[return-value]


# -- parse to a small tree: ("num", x) ("str", s) ("bool", b) ("ref", area) ("name", n)
#    ("neg", e) ("pct", e) ("bin", op, a, b) ("call", NAME, [args])

_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


class _Parser:
    def __init__(self, text: str, sheet: str) -> None:
        self.toks, self.i, self.sheet, self.text = _tokens(text), 0, sheet, text

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise UnsupportedFormula(f"expected {value or 'more'} in ={self.text}")
        self.i += 1
        return tok

    def parse(self) -> tuple:
        tree = self.expr(0)
        if self.peek() is not None:
            raise UnsupportedFormula(f"unexpected {self.peek()[1]!r} in ={self.text}")  # type: ignore[index]
        return tree

    def expr(self, min_prec: int) -> tuple:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or tok[1] not in _BINARY or _BINARY[tok[1]] < min_prec:
                return left
            op = tok[1]
            self.i += 1
            # Excel's binary operators are all left-associative (2^3^2 = 64).
            left = ("bin", op, left, self.expr(_BINARY[op] + 1))

    def unary(self) -> tuple:
        tok = self.peek()
        if tok is not None and tok[1] in ("-", "+"):
            self.i += 1
            operand = self.unary()  # Excel: negation binds tighter than ^ (-2^2 = 4)
            return ("neg", operand) if tok[1] == "-" else operand
        node = self.atom()
        while self.peek() == ("op", "%"):
            self.i += 1
            node = ("pct", node)
        return node

    def atom(self) -> tuple:
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", text[1:-1].replace('""', '"'))
        if kind == "bool":
            return ("bool", text == "TRUE")
        if kind == "ref":
            return ("ref", _area(text, self.sheet))
        if kind == "name":
            return ("name", text)
        if kind == "func":
            self.take("(")
            args: list[tuple] = []
            if self.peek() != ("op", ")"):
                args.append(self.expr(0))
                while self.peek() == ("op", ","):
                    self.i += 1
                    args.append(self.expr(0))
            self.take(")")
            return ("call", text.upper(), tuple(args))  # immutable: trees are shared (_parse)
        if text == "(":
            inner = self.expr(0)
            self.take(")")
            return inner
        raise UnsupportedFormula(f"unexpected {text!r} in ={self.text}")


def _area(text: str, sheet: str) -> _Area:
    if "!" in text:
        sheet, text = text.rsplit("!", 1)
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
    min_col, min_row, max_col, max_row = range_boundaries(text.replace("$", ""))
    return sheet, int(min_col), int(min_row), int(max_col), int(max_row)  # type: ignore[arg-type]


# -- values ----------------------------------------------------------------------------------


def _num(v: CellValue) -> float | ExcelError:
    """A value in an arithmetic context: blank 0, TRUE 1, a number-looking text its number."""
    if isinstance(v, ExcelError):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return VALUE


def _text(v: CellValue) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return f"{v:.15g}"
    return str(v)


def _truth(v: CellValue) -> bool | ExcelError:
    n = _num(v) if not isinstance(v, str) else VALUE
    if isinstance(v, str) and v.upper() in ("TRUE", "FALSE"):
        return v.upper() == "TRUE"
    return n if isinstance(n, ExcelError) else n != 0


def _compare(op: str, a: CellValue, b: CellValue) -> bool:
    # Excel orders numbers < text < booleans; text compares case-insensitively; blank is 0 or "".
    def rank(v: CellValue) -> tuple[int, object]:
        if isinstance(v, bool):
            return 2, v
        if isinstance(v, str):
            return 1, v.lower()
        return 0, 0.0 if v is None else float(v)  # type: ignore[arg-type]
    if a is None and isinstance(b, str):
        a = ""
    if b is None and isinstance(a, str):
        b = ""
    x, y = rank(a), rank(b)
    return {"=": x == y, "<>": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]


def _decimal_round(x: float, digits: int, mode: str) -> float:
    # Excel rounds the decimal it stores to 15 significant digits, not the binary double, so
    # ROUND(2.675, 2) is 2.68 there (Python's round gives 2.67).
    q = Decimal(f"{x:.15g}").quantize(Decimal(1).scaleb(-digits), rounding=mode)
    return float(q)


def _round_half_away(x: float, digits: int) -> float:
    return _decimal_round(x, digits, ROUND_HALF_UP)


def _roundup(x: float, digits: int) -> float:
    return _decimal_round(x, digits, ROUND_UP)


def _flatten(args: list[CellValue | list[CellValue]]) -> Iterator[tuple[CellValue, bool]]:
    for a in args:
        if isinstance(a, list):
            for v in a:
                yield v, True
        else:
            yield a, False


def _scalar(v: object) -> CellValue:
    if isinstance(v, list):
        raise UnsupportedFormula("a range where one value is expected")
    return v  # type: ignore[return-value]


def _extreme(pick: Callable[..., float]) -> Callable[[list], CellValue]:
    def fn(args: list) -> CellValue:
        nums: list[float] = []
        for v, in_range in _flatten(args):
            if isinstance(v, ExcelError):
                return v
            if in_range and (v is None or isinstance(v, (str, bool))):
                continue  # MAX/MIN skip text, blanks and booleans inside ranges
            n = _num(v)
            if isinstance(n, ExcelError):
                return n
            nums.append(n)
        return pick(nums) if nums else 0.0
    return fn


def _math1(f: Callable[[float], float], ok: Callable[[float], bool] = lambda x: True) -> Callable[[list], CellValue]:
    def fn(args: list) -> CellValue:
        x = _num(args[0])
        if isinstance(x, ExcelError):
            return x
        if not ok(x):
            return NUM
        try:
            y = f(x)
        except (OverflowError, ValueError):
            return NUM
        return y if math.isfinite(y) else NUM
    return fn


def _nums(args: list, n: int) -> list[float] | ExcelError:
    out = []
    for a in args[:n]:
        x = _num(a)
        if isinstance(x, ExcelError):
            return x
        out.append(x)
    return out


def _round_fn(f: Callable[[float, int], float]) -> Callable[[list], CellValue]:
    def fn(args: list) -> CellValue:
        xs = _nums(args, 2)
        if isinstance(xs, ExcelError):
            return xs
        return f(xs[0], int(xs[1]) if len(xs) > 1 else 0)
    return fn


def _mod(args: list) -> CellValue:
    xs = _nums(args, 2)
    if isinstance(xs, ExcelError):
        return xs
    a, b = xs
    return DIV0 if b == 0 else a - b * math.floor(a / b)


def _logical(all_: bool) -> Callable[[list], CellValue]:
    def fn(args: list) -> CellValue:
        vals = []
        for v, _ in _flatten(args):
            t = _truth(v)
            if isinstance(t, ExcelError):
                return t
            vals.append(t)
        return all(vals) if all_ else any(vals)
    return fn


def _match(args: list) -> CellValue:
    want, values = args[0], args[1]
    kind = _num(args[2]) if len(args) > 2 else 1.0
    if kind != 0 or not isinstance(values, list):
        raise UnsupportedFormula("MATCH is evaluated only as an exact match (match type 0) over a range")
    for i, v in enumerate(values, start=1):
        if v is not None and _compare("=", v, want):
            return float(i)
    return NA


def _index(args: list) -> CellValue:
    values = args[0]
    if not isinstance(values, list):
        raise UnsupportedFormula("INDEX is evaluated only over a one-column or one-row range")
    k = _num(args[1])
    if isinstance(k, ExcelError):
        return k
    i = int(k)
    return values[i - 1] if 1 <= i <= len(values) else REF


def _countif(args: list) -> CellValue:
    values, criterion = args[0], args[1]
    if not isinstance(values, list):
        values = [values]
    if criterion == "?*":  # any text of at least one character
        return float(sum(1 for v in values if isinstance(v, str) and len(v) >= 1))
    if (isinstance(criterion, str) and criterion.endswith("*") and len(criterion) > 1
            and not any(ch in criterion[:-1] for ch in "<>=*?~")):  # text starting with a prefix, any case
        head = criterion[:-1].casefold()
        return float(sum(1 for v in values if isinstance(v, str) and v.casefold().startswith(head)))
    if isinstance(criterion, str) and any(ch in criterion for ch in "<>=*?~"):
        raise UnsupportedFormula(f"COUNTIF criterion {criterion!r} is not evaluated")
    return float(sum(1 for v in values if v is not None and _compare("=", v, criterion)))


def _text_fn(f: Callable[..., CellValue], n_num: int = 0) -> Callable[[list], CellValue]:
    """A text function: the first argument as text, the next ``n_num`` as numbers."""
    def fn(args: list) -> CellValue:
        if isinstance(args[0], ExcelError):
            return args[0]
        nums = _nums(args[1:], n_num) if n_num else []
        if isinstance(nums, ExcelError):
            return nums
        return f(_text(args[0]), *nums)
    return fn


def _value(s: str) -> CellValue:
    try:
        return float(s.strip().replace(",", ""))
    except ValueError:
        return VALUE


def _find(args: list) -> CellValue:
    needle, hay = _text(args[0]), _text(args[1])  # type: ignore[arg-type]
    i = hay.find(needle)
    return VALUE if i < 0 else float(i + 1)


def _sqrt(x: float) -> float:
    return math.sqrt(x)


def _normsinv(p: float) -> float:
    return statistics.NormalDist().inv_cdf(p)


_FUNCTIONS: dict[str, Callable[[list], CellValue]] = {
    "MAX": _extreme(max), "MIN": _extreme(min),
    "INT": _math1(lambda x: float(math.floor(x))), "ABS": _math1(abs),
    "SQRT": _math1(_sqrt, lambda x: x >= 0), "EXP": _math1(math.exp), "LN": _math1(math.log, lambda x: x > 0),
    "NORMSINV": _math1(_normsinv, lambda p: 0 < p < 1),
    "ROUND": _round_fn(_round_half_away), "ROUNDUP": _round_fn(_roundup),
    "MOD": _mod, "AND": _logical(True), "OR": _logical(False),
    "NOT": lambda a: (lambda t: t if isinstance(t, ExcelError) else not t)(_truth(a[0])),
    "MATCH": _match, "INDEX": _index,
    "ISNUMBER": lambda a: isinstance(a[0], float) and not isinstance(a[0], bool),
    "ISTEXT": lambda a: isinstance(a[0], str),
    "COUNTIF": _countif,
    "TRIM": _text_fn(lambda s: " ".join(w for w in s.split(" ") if w)),
    "UPPER": _text_fn(str.upper), "LEN": _text_fn(lambda s: float(len(s))),
    "LEFT": _text_fn(lambda s, n=1.0: s[:max(0, int(n))] if n >= 0 else VALUE, 1),
    "RIGHT": _text_fn(lambda s, n=1.0: (s[len(s) - int(n):] if int(n) > 0 else "") if n >= 0 else VALUE, 1),
    "VALUE": _text_fn(_value), "FIND": _find, "NA": lambda a: NA,
}
_LAZY = {"IF", "IFERROR"}


@functools.lru_cache(maxsize=8192)
def _parse(text: str, sheet: str) -> tuple:
    """A formula's parse tree (immutable tuples), kept across workbooks: a batch builds the same
    formulas (checks, lookups, the Compare sheet's) in every workbook, and parsing is most of their
    evaluation."""
    return _Parser(text, sheet).parse()


class _Evaluator:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.done: dict[tuple[str, int, int], CellValue] = {}
        self.busy: set[tuple[str, int, int]] = set()
        self.names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
        self.compiled: dict[tuple[str, str], Callable[[], CellValue | list[CellValue]]] = {}
        self.sheets = frozenset(wb.sheetnames)
        self.cells = {ws.title: ws._cells for ws in wb.worksheets}  # wb[title] searches the sheets each time
        self.name_areas: dict[tuple[str, str], _Area] = {}
        self.areas: dict[_Area, CellValue | list[CellValue]] = {}

    def cell(self, sheet: str, col: int, row: int) -> CellValue:
        key = (sheet, col, row)
        if key in self.done:
            return self.done[key]
        if key in self.busy:
            raise UnsupportedFormula(f"circular reference at {sheet}!{get_column_letter(col)}{row}")
        # Read without ws.cell(), which would add an empty cell to the sheet for every blank read.
        found = self.cells[sheet].get((row, col))
        raw = None if found is None else found.value
        if isinstance(raw, str) and raw.startswith("=") and found is not None and found.data_type == "f":
            self.busy.add(key)
            try:
                value = self.formula(raw[1:], sheet)
            finally:
                self.busy.discard(key)
        elif isinstance(raw, bool) or raw is None or isinstance(raw, str):
            value = raw
        elif isinstance(raw, (int, float)):
            value = float(raw)
        else:
            raise UnsupportedFormula(f"cell {sheet}!{get_column_letter(col)}{row} holds {type(raw).__name__}")
        self.done[key] = value
        return value

    def formula(self, text: str, sheet: str) -> CellValue:
        run = self.compiled.get((sheet, text))
        if run is None:
            run = self.compiled[(sheet, text)] = self.compile(_parse(text, sheet), sheet)
        v = run()
        if isinstance(v, list):
            raise UnsupportedFormula(f"a range as a cell's value in ={text}")
        if isinstance(v, float) and not math.isfinite(v):
            return NUM
        return 0.0 if v is None else v  # a formula showing an empty cell shows 0 (Excel, LibreOffice)

    def area_values(self, area: _Area) -> CellValue | list[CellValue]:
        """:meth:`area`, once per range: a cell's value does not change during an evaluation, and the
        lookups (INDEX/MATCH over a catalog column) read the same ranges in hundreds of formulas.
        The list is shared: no function changes its argument."""
        got = self.areas.get(area)
        if got is None:
            got = self.areas[area] = self.area(area)
        return got

    def area(self, area: _Area) -> CellValue | list[CellValue]:
        sheet, c0, r0, c1, r1 = area
        if sheet not in self.sheets:
            return REF
        if (c0, r0) == (c1, r1):
            return self.cell(sheet, c0, r0)
        if c0 != c1 and r0 != r1:
            raise UnsupportedFormula("two-dimensional ranges are not evaluated")
        return [self.cell(sheet, c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)]

    # Each formula is compiled once into nested closures: the workbook's inline formulas (the
    # Sensitivity sheet's) run to thousands of nodes, and closures are several times faster than
    # walking the tree.
    def compile(self, node: tuple, sheet: str) -> Callable[[], CellValue | list[CellValue]]:  # noqa: C901
        kind = node[0]
        if kind in ("num", "str", "bool"):
            const = node[1]
            return lambda: const
        if kind in ("ref", "name"):
            if kind == "name":
                area = self.name_areas.get((node[1], sheet))  # type: ignore[assignment]
                if area is None:
                    target = self.names.get(node[1])
                    if target is None:
                        missing = ExcelError("#NAME?")
                        return lambda: missing
                    area = self.name_areas[(node[1], sheet)] = _area(target, sheet)
            else:
                area = node[1]
            s, c0, r0, c1, r1 = area
            if (c0, r0) == (c1, r1) and s in self.sheets:
                cell, done, key = self.cell, self.done, (s, c0, r0)
                return lambda: done[key] if key in done else cell(s, c0, r0)
            return lambda: self.area_values(area)
        if kind in ("neg", "pct"):
            inner = self.compile(node[1], sheet)
            scale = -1.0 if kind == "neg" else 0.01

            def unary() -> CellValue:
                x = inner()
                if type(x) is not float:
                    x = _num(_scalar(x))
                    if isinstance(x, ExcelError):
                        return x
                return scale * x  # type: ignore[operator]
            return unary
        if kind == "bin":
            return self._binary_closure(node[1], self.compile(node[2], sheet), self.compile(node[3], sheet))
        name, args = node[1], [self.compile(a, sheet) for a in node[2]]
        if name == "IF":
            cond, then = args[0], args[1]
            other = args[2] if len(args) > 2 else (lambda: False)

            def if_() -> CellValue:
                t = _truth(_scalar(cond()))
                if isinstance(t, ExcelError):
                    return t
                return _scalar(then()) if t else _scalar(other())
            return if_
        if name == "IFERROR":
            first, fallback = args

            def iferror() -> CellValue:
                v = _scalar(first())
                return _scalar(fallback()) if isinstance(v, ExcelError) else v
            return iferror
        fn = _FUNCTIONS.get(name)
        if fn is None:
            raise UnsupportedFormula(f"function {name} is not evaluated")
        return lambda: fn([a() for a in args])

    def _binary_closure(self, op: str, fa: Callable[[], object], fb: Callable[[], object]) -> Callable[[], CellValue]:
        binary = self.binary
        fast = {"+": float.__add__, "-": float.__sub__, "*": float.__mul__}.get(op)
        if fast is not None:
            def arith() -> CellValue:
                a, b = fa(), fb()
                if type(a) is float and type(b) is float:
                    return fast(a, b)
                return binary(op, _scalar(a), _scalar(b))
            return arith
        return lambda: binary(op, _scalar(fa()), _scalar(fb()))

    @staticmethod
    def binary(op: str, a: CellValue, b: CellValue) -> CellValue:
        for v in (a, b):
            if isinstance(v, ExcelError):
                return v
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return _compare(op, a, b)
        if op == "&":
            return _text(a) + _text(b)
        x, y = _num(a), _num(b)
        if isinstance(x, ExcelError):
            return x
        if isinstance(y, ExcelError):
            return y
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            return DIV0 if y == 0 else x / y
        try:
            r = x ** y
        except (OverflowError, ZeroDivisionError):
            return NUM
        return NUM if isinstance(r, complex) or not math.isfinite(r) else r


def evaluate_workbook(wb: Workbook, known: Mapping[tuple[str, str], float] | None = None,
                      ) -> tuple[dict[tuple[str, str], CellValue], dict[tuple[str, str], str]]:
    """Every formula cell's value, keyed by (sheet title, coordinate), and the cells that could not
    be evaluated with why (a formula outside the subset this package writes: the tests require
    none; a user's file still gets every other value). ``known`` gives cells whose value the
    builder has from the estimate, keyed like the result: they are taken, not evaluated."""
    ev = _Evaluator(wb)
    for (sheet, coord), value in (known or {}).items():
        col, row = coordinate_to_tuple(coord)[::-1]
        ev.done[(sheet, col, row)] = float(value)
    out: dict[tuple[str, str], CellValue] = {}
    problems: dict[tuple[str, str], str] = {}
    # The parse trees and closures are many small objects allocated next to the workbook's own
    # hundreds of thousands: with the cyclic collector on, its passes over them take 10× the work.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _evaluate_into(ev, wb, out, problems)
    finally:
        if was_enabled:
            gc.enable()
    return out, problems


def _evaluate_into(ev: _Evaluator, wb: Workbook, out: dict[tuple[str, str], CellValue],
                   problems: dict[tuple[str, str], str]) -> None:
    for ws in wb.worksheets:
        # The sheet's own cells, in row order (iter_rows would fill the sheet's rectangle with
        # empty cells).
        for (row, col), c in sorted(ws._cells.items()):
            if c.data_type == "f" and isinstance(c.value, str):
                try:
                    out[(ws.title, c.coordinate)] = ev.cell(ws.title, col, row)
                except (UnsupportedFormula, RecursionError) as exc:
                    ev.busy.clear()
                    problems[(ws.title, c.coordinate)] = str(exc)[:200]
    ev.compiled.clear()  # the closures refer back to the evaluator: let plain reference counting free them


# -- storing the values in the saved file ----------------------------------------------------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# A formula cell as openpyxl writes it: <c r="B5" s="3"><f>…</f><v /></c> (no t attribute).
_FORMULA_CELL = re.compile(rb'<c r="(?P<r>[A-Z]{1,3}[0-9]+)"(?P<a>(?: s="[0-9]+")?)><f>(?P<f>[^<]*)</f><v ?/></c>')


def xml_text(s: str) -> str:
    """Text escaped as ElementTree escapes it (``_escape_cdata``): &, < and >."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_value_xml(head: str, f: str, value: CellValue) -> str:
    """A formula cell with its value: ``head`` is ``<c r=".." s=".."`` (no ``t``), ``f`` its ``<f>…</f>``.
    The value's type sets ``t`` (error, boolean, text; a number has none). Shared by the one-pass
    writer (``_save``) and :func:`store_cached_values`."""
    if value is None:
        return head + ">" + f + "<v /></c>"
    if isinstance(value, ExcelError):
        return head + ' t="e">' + f + "<v>" + xml_text(value.code) + "</v></c>"
    if isinstance(value, bool):
        return head + ' t="b">' + f + "<v>" + ("1" if value else "0") + "</v></c>"
    if isinstance(value, str):
        return head + ' t="str">' + f + "<v>" + xml_text(value) + "</v></c>"
    return head + ">" + f + "<v>" + repr(float(value)) + "</v></c>"


def _cell_xml(m: re.Match[bytes], value: CellValue) -> bytes:
    if value is None:
        return m.group(0)
    head = '<c r="' + m.group("r").decode() + '"' + m.group("a").decode()
    return cell_value_xml(head, "<f>" + m.group("f").decode("utf-8") + "</f>", value).encode("utf-8")


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its part name in the package (via workbook.xml and its relationships)."""
    import xml.etree.ElementTree as ET

    book = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship")}
    parts = {}
    for sh in book.iter(f"{{{_MAIN_NS}}}sheet"):
        t = target[sh.get(f"{{{_REL_NS}}}id")]
        parts[str(sh.get("name"))] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return parts


def store_cached_values(path: os.PathLike[str] | str, values: dict[tuple[str, str], CellValue]) -> int:
    """Rewrite the saved workbook at ``path`` (a file openpyxl wrote) with each formula cell's
    value; returns how many cells got one. The file is rewritten in place: call it on the temp
    file of an atomic write."""
    import io

    by_sheet: dict[str, dict[bytes, CellValue]] = {}
    for (sheet, coord), v in values.items():
        by_sheet.setdefault(sheet, {})[coord.encode()] = v
    stored = 0
    src = Path(path)
    out = io.BytesIO()  # a workbook is well under a few MB; the file is rewritten in one go
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {part: by_sheet.get(title, {}) for title, part in _sheet_parts(zin).items()}
        for info in zin.infolist():
            data = zin.read(info.filename)
            cells = parts.get(info.filename)
            if cells:
                def fill(m: re.Match[bytes], cells: dict[bytes, CellValue] = cells) -> bytes:
                    nonlocal stored
                    if m.group("r") not in cells:
                        return m.group(0)
                    stored += 1
                    return _cell_xml(m, cells[m.group("r")])
                data = _FORMULA_CELL.sub(fill, data)
            zout.writestr(info, data)
    src.write_bytes(out.getvalue())
    return stored
