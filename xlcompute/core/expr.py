"""One formula, many evaluations: a tiny expression type and helpers that dispatch on it.

Every formula in the core is an ordinary Python function written with ``+ - * / **`` and the
helpers below. The same function evaluates:

- numbers → a number (UDFs, the estimate, the report, the Python API);
- NumPy arrays → an array, one entry per layout (the layout search and the step-time model);
- at least one :class:`Expr` (usually a :class:`Ref` to a defined name) → an ``Expr`` whose
  :meth:`Expr.excel` text is the equivalent native Excel formula (workbook cells).

``Expr.evaluate`` evaluates the same tree in Python, so tests can prove the faces agree. The
helpers never import NumPy: they look for it in ``sys.modules`` (an array can only exist once
NumPy is imported), so ``import xlcompute`` and the Excel functions stay light.

Only operators and functions that Excel 2010+ and LibreOffice 7.4 both evaluate are emitted,
with English names and ``,`` separators (design.md, "Conventions").
"""

from __future__ import annotations

import functools
import math
import statistics
import sys
from collections.abc import Mapping
from typing import Any, Union

__all__ = [
    "Expr",
    "Ref",
    "Const",
    "Value",
    "ceil",
    "floor",
    "max_",
    "min_",
    "if_",
    "and_",
    "or_",
    "not_",
    "eq",
    "ne",
    "mod",
    "sqrt",
    "ln",
    "exp",
    "norm_s_inv",
    "is_expr",
    "excel_formula",
    "evaluate",
]

Number = Union[int, float]
Value = Union[int, float, "Expr", Any]
"""A number, a NumPy array or an :class:`Expr` (``Any`` admits arrays without importing NumPy)."""

# Excel operator precedence, loosest first. Excel binds unary minus tighter than ``^``
# (=-2^2 is 4), so negation is always rendered with explicit parentheses where it matters.
_PREC = {"cmp": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 4, "neg": 5, "atom": 6}


class Expr:
    """A node of an Excel-renderable arithmetic expression."""

    prec: int = _PREC["atom"]
    # The rendered text of a composite node, kept once made: nodes never change after construction,
    # and an inlined step (workbook.inline) shares subtrees many times over.
    _text: str | None = None

    # -- rendering / evaluation (overridden) -------------------------------------------
    def excel(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def evaluate(self, env: Mapping[str, float]) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def refs(self) -> set[str]:
        """Names of every reference the expression reads."""
        return set()

    def __repr__(self) -> str:
        return f"Expr({self.excel()})"

    # -- operators ---------------------------------------------------------------------
    def __add__(self, other: Value) -> Expr:
        return BinOp("+", self, _wrap(other))

    def __radd__(self, other: Value) -> Expr:
        return BinOp("+", _wrap(other), self)

    def __sub__(self, other: Value) -> Expr:
        return BinOp("-", self, _wrap(other))

    def __rsub__(self, other: Value) -> Expr:
        return BinOp("-", _wrap(other), self)

    def __mul__(self, other: Value) -> Expr:
        return BinOp("*", self, _wrap(other))

    def __rmul__(self, other: Value) -> Expr:
        return BinOp("*", _wrap(other), self)

    def __truediv__(self, other: Value) -> Expr:
        return BinOp("/", self, _wrap(other))

    def __rtruediv__(self, other: Value) -> Expr:
        return BinOp("/", _wrap(other), self)

    def __pow__(self, other: Value) -> Expr:
        return BinOp("^", self, _wrap(other))

    def __rpow__(self, other: Value) -> Expr:
        return BinOp("^", _wrap(other), self)

    def __neg__(self) -> Expr:
        return Neg(self)

    def __pos__(self) -> Expr:
        return self

    def __lt__(self, other: Value) -> Expr:
        return Compare("<", self, _wrap(other))

    def __le__(self, other: Value) -> Expr:
        return Compare("<=", self, _wrap(other))

    def __gt__(self, other: Value) -> Expr:
        return Compare(">", self, _wrap(other))

    def __ge__(self, other: Value) -> Expr:
        return Compare(">=", self, _wrap(other))

    def __bool__(self) -> bool:
        # A formula that branches with a Python ``if`` on an Expr would silently pick one
        # branch for the spreadsheet; force it to use ``if_`` instead.
        raise TypeError("an Excel expression has no truth value here; use if_(cond, a, b)")

    __hash__ = object.__hash__


def _fmt_number(x: Number) -> str:
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write the non-finite number {x!r} into an Excel formula")
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x).replace("e", "E")


class Const(Expr):
    """A literal number."""

    def __init__(self, value: Number) -> None:
        self.value = value
        self.prec = _PREC["neg"] if value < 0 else _PREC["atom"]

    def excel(self) -> str:
        return _fmt_number(self.value)

    def evaluate(self, env: Mapping[str, float]) -> float:
        return float(self.value)


class Ref(Expr):
    """A reference: a defined name (``mfu``), a cell (``B4``) or a sheet cell (``Inputs!$B$4``).

    ``key`` is what :meth:`evaluate` looks up in its environment; it defaults to the text.
    """

    def __init__(self, text: str, key: str | None = None) -> None:
        if not text:
            raise ValueError("a reference needs a name or a cell address")
        self.text = text
        self.key = key or text

    def excel(self) -> str:
        return self.text

    def evaluate(self, env: Mapping[str, float]) -> float:
        try:
            return float(env[self.key])
        except KeyError:
            raise KeyError(f"no value given for reference {self.key!r}") from None

    def refs(self) -> set[str]:
        return {self.key}


class Neg(Expr):
    prec = _PREC["neg"]

    def __init__(self, operand: Expr) -> None:
        self.operand = operand

    def excel(self) -> str:
        if self._text is None:
            inner = self.operand.excel()
            if self.operand.prec < _PREC["atom"]:
                inner = f"({inner})"
            self._text = f"-{inner}"
        return self._text

    def evaluate(self, env: Mapping[str, float]) -> float:
        return -self.operand.evaluate(env)

    def refs(self) -> set[str]:
        return self.operand.refs()


class BinOp(Expr):
    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right
        self.prec = _PREC[op]

    def excel(self) -> str:
        if self._text is None:
            self._text = self._render()
        return self._text

    def _render(self) -> str:
        left = self.left.excel()
        right = self.right.excel()
        # Left operand: parenthesise looser operators; for ^ also a negative base.
        if self.left.prec < self.prec or (self.op == "^" and self.left.prec < _PREC["atom"]):
            left = f"({left})"
        # Right operand: parenthesise looser or equal for the non-associative - / ^, and
        # any negation (Excel would read 2*-x fine, but we keep the text unambiguous).
        if self.right.prec < self.prec or (
            self.right.prec == self.prec and self.op in "-/^"
        ) or self.right.prec == _PREC["neg"]:
            right = f"({right})"
        return f"{left}{self.op}{right}"

    def evaluate(self, env: Mapping[str, float]) -> float:
        a = self.left.evaluate(env)
        b = self.right.evaluate(env)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if self.op == "/":
            return a / b
        return a**b

    def refs(self) -> set[str]:
        return self.left.refs() | self.right.refs()


class Compare(Expr):
    prec = _PREC["cmp"]
    _OPS = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "=": lambda a, b: a == b,
        "<>": lambda a, b: a != b,
    }

    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right

    def excel(self) -> str:
        if self._text is None:
            self._text = f"{self.left.excel()}{self.op}{self.right.excel()}"
        return self._text

    def evaluate(self, env: Mapping[str, float]) -> float:
        return 1.0 if self._OPS[self.op](self.left.evaluate(env), self.right.evaluate(env)) else 0.0

    def refs(self) -> set[str]:
        return self.left.refs() | self.right.refs()


class Call(Expr):
    """An Excel function call; ``impl`` evaluates it in Python."""

    def __init__(self, name: str, args: list[Expr], impl) -> None:  # type: ignore[no-untyped-def]
        self.name = name
        self.args = args
        self.impl = impl

    def excel(self) -> str:
        if self._text is None:
            self._text = f"{self.name}({','.join(a.excel() for a in self.args)})"
        return self._text

    def evaluate(self, env: Mapping[str, float]) -> float:
        return float(self.impl(*[a.evaluate(env) for a in self.args]))

    def refs(self) -> set[str]:
        out: set[str] = set()
        for a in self.args:
            out |= a.refs()
        return out


def _wrap(x: Value) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, float)):
        return Const(x)
    if type(x).__module__ == "numpy" and getattr(x, "ndim", 1) == 0:  # a NumPy scalar
        return Const(x.item())
    raise TypeError(f"cannot use {type(x).__name__} {x!r} in a formula")


def is_expr(*xs: object) -> bool:
    """True when any argument is an expression (so the formula must build an Expr)."""
    for x in xs:
        if isinstance(x, Expr):
            return True
    return False


def _numpy(*xs: object) -> Any:
    """The NumPy module when any argument is a NumPy array, else None (never imports NumPy)."""
    np = sys.modules.get("numpy")
    if np is None:
        return None
    for x in xs:
        if isinstance(x, np.ndarray):
            return np
    return None


# -- functions that dispatch on their argument type ------------------------------------
# Each returns an Expr when any argument is one, a NumPy array when any argument is an array,
# else a Python number. Plain Python numbers take a fast path first: the estimate calls these
# helpers a few hundred times per scenario.

_PLAIN = frozenset((int, float, bool))


def ceil(x: Value) -> Value:
    """Round up to a whole number. Excel: ``ROUNDUP(x,0)`` (same as ceil for x >= 0,
    which is every quantity the core rounds: card counts, nodes, servers, layers per stage)."""
    if isinstance(x, Expr):
        return Call("ROUNDUP", [x, Const(0)], lambda v, _d: math.ceil(v))
    np = _numpy(x)
    if np is not None:
        return np.ceil(x)
    return math.ceil(x)


def floor(x: Value) -> Value:
    """Round down to a whole number. Excel: ``INT(x)`` (floor for every real x)."""
    if isinstance(x, Expr):
        return Call("INT", [x], math.floor)
    np = _numpy(x)
    if np is not None:
        return np.floor(x)
    return math.floor(x)


def max_(*xs: Value) -> Value:
    """Largest argument (element-wise for arrays). Excel: ``MAX(...)``."""
    if all(type(x) in _PLAIN for x in xs):
        return max(xs)
    if is_expr(*xs):
        return Call("MAX", [_wrap(x) for x in xs], max)
    np = _numpy(*xs)
    if np is not None:
        return functools.reduce(np.maximum, xs)
    return max(xs)


def min_(*xs: Value) -> Value:
    """Smallest argument (element-wise for arrays). Excel: ``MIN(...)``."""
    if all(type(x) in _PLAIN for x in xs):
        return min(xs)
    if is_expr(*xs):
        return Call("MIN", [_wrap(x) for x in xs], min)
    np = _numpy(*xs)
    if np is not None:
        return functools.reduce(np.minimum, xs)
    return min(xs)


def if_(cond: Value | bool, then: Value, other: Value) -> Value:
    """``then`` if ``cond`` else ``other`` (element-wise for arrays). Excel: ``IF(cond,then,other)``.

    Both branches are evaluated before the call, as in a spreadsheet, so a branch must be
    finite for every input the other branch is chosen for (no division by a zero it guards).
    """
    if type(cond) in _PLAIN and type(then) in _PLAIN and type(other) in _PLAIN:
        return then if cond else other
    if is_expr(cond, then, other):
        c = cond if isinstance(cond, Expr) else Const(1 if cond else 0)
        return Call("IF", [c, _wrap(then), _wrap(other)], lambda c_, a, b: a if c_ else b)
    np = _numpy(cond, then, other)
    if np is not None:
        return np.where(cond, then, other)
    return then if cond else other


def and_(*xs: Value | bool) -> Value:
    """True when every argument is (element-wise for arrays). Excel: ``AND(...)``."""
    if all(type(x) in _PLAIN for x in xs):
        return all(xs)
    if is_expr(*xs):
        return Call("AND", [_wrap(x) for x in xs], lambda *a: float(all(a)))
    np = _numpy(*xs)
    if np is not None:
        return functools.reduce(np.logical_and, xs)
    return all(xs)


def or_(*xs: Value | bool) -> Value:
    """True when any argument is (element-wise for arrays). Excel: ``OR(...)``."""
    if all(type(x) in _PLAIN for x in xs):
        return any(xs)
    if is_expr(*xs):
        return Call("OR", [_wrap(x) for x in xs], lambda *a: float(any(a)))
    np = _numpy(*xs)
    if np is not None:
        return functools.reduce(np.logical_or, xs)
    return any(xs)


def not_(x: Value | bool) -> Value:
    """Logical negation (element-wise for arrays). Excel: ``NOT(x)``."""
    if isinstance(x, Expr):
        return Call("NOT", [x], lambda v: float(not v))
    np = _numpy(x)
    if np is not None:
        return np.logical_not(x)
    return not x


def eq(a: Value, b: Value) -> Value:
    """a = b (element-wise for arrays). Excel: ``a=b``."""
    if is_expr(a, b):
        return Compare("=", _wrap(a), _wrap(b))
    return a == b


def ne(a: Value, b: Value) -> Value:
    """a ≠ b (element-wise for arrays). Excel: ``a<>b``."""
    if is_expr(a, b):
        return Compare("<>", _wrap(a), _wrap(b))
    return a != b


def mod(a: Value, b: Value) -> Value:
    """Remainder of a / b with the sign of b (Python ``%``, NumPy ``mod``). Excel: ``MOD(a,b)``."""
    if is_expr(a, b):
        return Call("MOD", [_wrap(a), _wrap(b)], lambda x, y: x % y)
    np = _numpy(a, b)
    if np is not None:
        return np.mod(a, b)
    return a % b


def sqrt(x: Value) -> Value:
    """Square root. Excel: ``SQRT(x)``."""
    if isinstance(x, Expr):
        return Call("SQRT", [x], math.sqrt)
    np = _numpy(x)
    if np is not None:
        return np.sqrt(x)
    return math.sqrt(x)


def ln(x: Value) -> Value:
    """Natural logarithm. Excel: ``LN(x)``."""
    if isinstance(x, Expr):
        return Call("LN", [x], math.log)
    np = _numpy(x)
    if np is not None:
        return np.log(x)
    return math.log(x)


def exp(x: Value) -> Value:
    """e to the power x. Excel: ``EXP(x)``."""
    if isinstance(x, Expr):
        return Call("EXP", [x], math.exp)
    np = _numpy(x)
    if np is not None:
        return np.exp(x)
    return math.exp(x)


def _norm_s_inv(p: float) -> float:
    return statistics.NormalDist().inv_cdf(p)


def norm_s_inv(p: Value) -> Value:
    """The standard normal's score at probability p (0 < p < 1). Excel: ``NORMSINV(p)`` (Excel 2000+
    and LibreOffice; the newer NORM.S.INV needs a prefix in the file format)."""
    if isinstance(p, Expr):
        return Call("NORMSINV", [p], _norm_s_inv)
    np = _numpy(p)
    if np is not None:
        return np.vectorize(_norm_s_inv, otypes=[float])(p)
    return _norm_s_inv(p)


def excel_formula(x: Value) -> str:
    """The cell text for a formula result: ``=`` followed by the expression."""
    return "=" + _wrap(x).excel()


def evaluate(x: Value, env: Mapping[str, float]) -> float:
    """Evaluate an expression (or pass a number through) with reference values ``env``."""
    return _wrap(x).evaluate(env) if isinstance(x, Expr) else float(x)
