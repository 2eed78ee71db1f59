"""Registration of the Excel functions: the ``excel`` decorator, their specs and the argument
descriptions several functions share.

The decorators come from ``xlwings``: classic xlwings on Windows registers them with "Import
Functions" (category ``xlcompute``, one description per argument); xlwings Lite registers them
from a ``main.py`` that imports them (``xlcompute excel`` writes it). Everywhere else
``xlwings.func`` returns the function unchanged, so every UDF is also a plain Python function.

Options that only classic xlwings understands are guarded: ``category`` is not passed under
xlwings Lite (Pyodide, ``sys.platform == "emscripten"``), and ``expand="table"`` (legacy array
spilling for Excel 2016/2019) is applied only when ``XLCOMPUTE_EXPAND_TABLE=1`` outside Lite;
Excel 365/2021 and Lite spill arrays natively.

Errors (issue 12): an Excel function never raises and never returns inf or NaN. ``excel`` wraps
every function in one guard, so no function can forget it. The guard returns either a result
whose every number is finite (an Excel formula may return up to ±1.8E+308; 9.99E+307 is only the
largest one can type) or ONE line of error text:

- ``#VALUE! <reason>`` — an argument is refused; the reason names the argument, shows the value
  and says what is allowed (:class:`xlcompute._udf_args.UdfArgumentError`), e.g.
  ``#VALUE! mfu must be in (0, 1]; did you mean 0.4? (got 40; …)``;
- ``#NUM! <reason>`` — every argument is acceptable on its own but the result overflows (inf or
  NaN on the way); the reason names the arguments that caused it, e.g. ``#NUM! the result is too
  large for Excel (over ±1.8E+308): tokens = 9.99e+307 is too large; …``. A function that knows
  its overflow raises :class:`~xlcompute._udf_args.UdfResultError` with a reason of its own
  (LLM_ETTR); otherwise the guard names every argument beyond 10^±30, or lists the numbers given.
  Any other exception with such an argument (``ceil(nan)`` is a ValueError) is the same overflow.

Error text always starts with ``#`` (as Excel's own errors do; no result of these functions does),
so ``=LEFT(A1)="#"`` tells an error from a result; it is the cell's value, not an Excel error
value, as classic xlwings already showed a raised exception's text. An unexpected exception (a
bug) becomes ``#VALUE! <function> could not compute a result from <arguments> …`` and is logged
on the ``xlcompute.udf`` logger. Calling a function with the wrong number of arguments from Python
still raises ``TypeError``: Excel never does that.
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
import os
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import xlwings as xw
from pydantic import BaseModel, ConfigDict

from xlcompute._udf_args import UdfArgumentError, UdfResultError, one_line, show
from xlcompute.quantity import QuantityError, parse_quantity

__all__ = [
    "CATEGORY",
    "PUBLIC_MODULE",
    "ARGUMENT_ERROR",
    "RANGE_ERROR",
    "UdfSpec",
    "udf_specs",
    "excel",
    "is_error",
]

CATEGORY = "xlcompute"
"""Excel function-wizard category of every UDF (classic xlwings)."""

PUBLIC_MODULE = "xlcompute.udf"
"""Where every UDF is imported from: ``UDF Modules = xlcompute.udf`` and the Lite ``main.py``."""

_IN_LITE = sys.platform == "emscripten"
# Classic-only options stay out of Lite's decorators (Lite documents them as classic-only).
_FUNC_OPTIONS: dict[str, Any] = {} if _IN_LITE else {"category": CATEGORY}
_EXPAND_TABLE = os.environ.get("XLCOMPUTE_EXPAND_TABLE") == "1" and not _IN_LITE
# err_to_str (classic xlwings): a cell holding #DIV/0! or #N/A reaches the function as that text, which the
# guard refuses; by default it arrives as None, and an optional argument would quietly take its default.
# Lite's documentation does not list the option, so Lite keeps its own handling.
_ARG_OPTIONS: dict[str, Any] = {} if _IN_LITE else {"err_to_str": True}

_P = ParamSpec("_P")
_R = TypeVar("_R")

ARGUMENT_ERROR = "#VALUE!"
"""Start of the text a function returns when an argument is refused."""

RANGE_ERROR = "#NUM!"
"""Start of the text a function returns when its result is beyond Excel's number range."""

_MAX_ERROR_CHARS = 1000
"""A cell shows about 1,000 characters legibly; longer reasons are cut with "…"."""

_EXTREME = 1e30
"""An argument whose size is beyond 10^±30 is named as the cause of an overflow: no realistic
input of these functions comes near it, and a product of a few realistic ones stays far below
Excel's 10^308."""

_log = logging.getLogger(PUBLIC_MODULE)


class UdfSpec(BaseModel):
    """What Excel shows for one function: its name, wizard text and argument descriptions."""

    model_config = ConfigDict(frozen=True)

    name: str
    doc: str
    args: dict[str, str]
    optional: tuple[str, ...]
    spills: bool


_SPECS: dict[str, UdfSpec] = {}


def udf_specs() -> dict[str, UdfSpec]:
    """Every Excel function by name, in registration order (the order of ``xlcompute.udf``'s imports)."""
    return dict(_SPECS)


def is_error(value: Any) -> bool:
    """True for the error text an Excel function returns instead of a result."""
    return isinstance(value, str) and value.startswith((ARGUMENT_ERROR, RANGE_ERROR))


def excel(
    args: dict[str, str], *, ranges: tuple[str, ...] = (), spills: bool = False
) -> Callable[[Callable[_P, _R]], Callable[_P, _R | str]]:
    """Register ``f`` with xlwings: wizard text, one ``doc=`` per argument, the category, and the
    guard that turns every failure into one line of error text (module docstring).

    The docstring is collapsed to one line because Excel shows it verbatim in the wizard.
    """

    def decorate(f: Callable[_P, _R]) -> Callable[_P, _R | str]:
        f.__doc__ = " ".join((f.__doc__ or "").split())
        # The public home, not the private module that defines it: tracebacks, pickling and
        # xlwings Lite's namespace lookup (inspect.getmodule) all see ``xlcompute.udf``.
        f.__module__ = PUBLIC_MODULE
        signature = inspect.signature(f).parameters
        if list(signature) != list(args):
            # A programming error caught at import, so no UDF ships with an undocumented argument.
            raise TypeError(f"{f.__name__}: documented arguments {list(args)} != parameters {list(signature)}")
        if f.__name__ in _SPECS:
            raise TypeError(f"{f.__name__} is registered twice")
        # The guard goes under xlwings' decorators: they read its signature and type hints
        # through functools.wraps (``__wrapped__``), so Excel sees the function's own arguments.
        g: Any = _guard(f)
        if spills and _EXPAND_TABLE:
            g = xw.ret(expand="table")(g)
        for name in reversed(list(args)):
            options: dict[str, Any] = {"ndim": 1} if name in ranges else {}
            g = xw.arg(name, doc=args[name], **_ARG_OPTIONS, **options)(g)
        g = xw.func(**_FUNC_OPTIONS)(g)
        optional = tuple(n for n, p in signature.items() if p.default is not inspect.Parameter.empty)
        _SPECS[f.__name__] = UdfSpec(name=f.__name__, doc=f.__doc__, args=args, optional=optional, spills=spills)
        return g  # type: ignore[no-any-return]

    return decorate


def _guard(f: Callable[_P, _R]) -> Callable[_P, _R | str]:
    """``f`` that returns error text instead of raising, and never a number Excel cannot hold."""
    signature = inspect.signature(f)
    names = tuple(signature.parameters)  # read once: an error path must stay cheap in a recalculation

    @functools.wraps(f)
    def cell(*args: _P.args, **kwargs: _P.kwargs) -> _R | str:
        refused = _error_argument(names, args, kwargs)
        if refused is not None:
            return refused
        try:
            result = f(*args, **kwargs)
        except UdfArgumentError as exc:
            return _error(ARGUMENT_ERROR, str(exc))
        except UdfResultError as exc:
            return _error(RANGE_ERROR, str(exc))
        except (OverflowError, ZeroDivisionError):
            return _out_of_range(_named(names, args, kwargs))
        except Exception:
            # A Python caller's wrong argument count is a programming error, not a cell value: raise it.
            signature.bind(*args, **kwargs)
            given = _named(names, args, kwargs)
            if _extreme_arguments(given):
                # An inf or NaN from an extreme argument met an integer conversion or a math
                # function (ceil(nan) is a ValueError): the same overflow, named the same way.
                return _out_of_range(given)
            _log.warning("%s failed on %r %r", f.__name__, args, kwargs, exc_info=True)
            shown = ", ".join(f"{n} = {show(v)}" for n, v in given.items() if v is not None) or "no arguments"
            return _error(
                ARGUMENT_ERROR,
                f"{f.__name__} could not compute a result from {shown}; check the arguments (and please report "
                "this case)",
            )
        # The common case first and cheaply: one finite float (inf - inf and NaN - NaN are NaN).
        if result.__class__ is float and result - result == 0.0:  # type: ignore[operator]
            return result
        if _fits_cells(result):
            return result
        return _out_of_range(_named(names, args, kwargs))

    return cell


def _holds_error(value: Any) -> str | None:
    """The error text an argument holds (an Excel error such as #DIV/0!, or another function's error
    text), itself or in a range; None when it holds none. Text starting with "#" is no model, card or
    number name, so it is always an error."""
    if value.__class__ is str:
        return value if value[:1] == "#" else None
    if value.__class__ is list or value.__class__ is tuple:
        for item in value:
            found = _holds_error(item)
            if found is not None:
                return found
    return None


def _error_argument(names: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The #VALUE! text for the first argument that holds an error, or None: the error is passed on,
    named, instead of a result computed as if the cell were empty (xlwings' default for an error)."""
    for name, value in zip(names, args):
        if value.__class__ is str or value.__class__ is list or value.__class__ is tuple:
            found = _holds_error(value)
            if found is not None:
                return _error(ARGUMENT_ERROR, _error_reason(name, found))
    for name, value in kwargs.items():
        found = _holds_error(value)
        if found is not None:
            return _error(ARGUMENT_ERROR, _error_reason(name, found))
    return None


def _error_reason(name: str, found: str) -> str:
    code = found.split(maxsplit=1)[0] if found.strip() else found
    if found.strip() == code:  # Excel's own error value
        return f"{name}: the cell holds the error {code}; correct that cell first"
    return f"{name}: the cell holds another function's error ({one_line(found, 120)}); correct that first"


def _fits_cells(result: Any) -> bool:
    """A cell value (text, TRUE/FALSE, a finite number, empty) or a 1-D/2-D array of them."""
    if result.__class__ is not list:
        return _fits_cell(result)
    for row in result:
        if row.__class__ is not list:
            row = [row]
        # A spilled table may hold 10^6 numbers: one sum in C per row is the cheap test (inf or NaN
        # anywhere makes it non-finite), over the numbers only where the row starts with text (a
        # header, a catalog row). A row with other cells, or whose sum overflows, is checked cell by cell.
        numbers = [x for x in row if x.__class__ is not str] if row and row[0].__class__ is str else row
        try:
            total = sum(numbers, 0.0)
            if total - total == 0.0:
                continue
        except (TypeError, OverflowError):
            pass
        if not all(map(_fits_cell, row)):
            return False
    return True


def _fits_cell(x: Any) -> bool:
    if x.__class__ is str:
        return True
    if x.__class__ is float:
        return x - x == 0.0  # type: ignore[no-any-return]
    if isinstance(x, (str, bool)) or x is None:
        return True
    if isinstance(x, (int, float)):
        try:
            return math.isfinite(x)
        except OverflowError:  # a whole number beyond any float
            return False
    return False  # anything else (an object, a deeper list) is no cell value


def _error(code: str, reason: str) -> str:
    """``code reason`` on one line: no line breaks or control characters, at most a cell's width."""
    # Every line break and tab becomes one space; any other control character is escaped.
    return f"{code} {one_line(' '.join(reason.split()), _MAX_ERROR_CHARS)}"


def _named(names: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments given, by name, in the function's order."""
    given = dict(zip(names, args))
    given.update((n, kwargs[n]) for n in names if n in kwargs)
    return given


def _size(value: Any) -> float | None:
    """The number an argument holds (the most extreme one of a range), or None for text or a flag."""
    if isinstance(value, (list, tuple)):
        sizes = [s for item in value if (s := _size(item)) is not None]
        return max(sizes, key=_extremeness, default=None)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            x = abs(float(value))
        except OverflowError:  # a whole number beyond any float
            return math.inf
    elif isinstance(value, str):
        try:
            x = abs(parse_quantity(value))
        except QuantityError:
            return None
    else:
        return None
    return x if math.isfinite(x) else None


def _figure(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else "more than 1.8e+308"


def _extremeness(x: float) -> float:
    return abs(math.log10(x)) if x > 0 else 0.0


def _sizes(given: dict[str, Any]) -> dict[str, float]:
    return {n: s for n, v in given.items() if (s := _size(v)) is not None}


def _extreme_arguments(given: dict[str, Any]) -> list[str]:
    """'name = value is too large/small' for every argument beyond 10^±30."""
    return [
        f"{n} = {_figure(s)} is too {'large' if s > 1 else 'small'}"
        for n, s in _sizes(given).items()
        if s > 0 and _extremeness(s) >= math.log10(_EXTREME)
    ]


def _out_of_range(given: dict[str, Any]) -> str:
    """The #NUM! text of an overflow: the arguments that caused it, or all numbers given."""
    causes = _extreme_arguments(given)
    if causes:
        why = ", ".join(causes)
    else:
        why = "from " + (", ".join(f"{n} = {_figure(s)}" for n, s in _sizes(given).items()) or "these arguments")
    return _error(RANGE_ERROR, f"the result is too large for Excel (over ±1.8E+308): {why}; "
                               "enter realistic values")


# -- argument descriptions shared by several functions (each ≤ 255 characters) ----------------

PARAMS = "Model parameters, a raw count: 175B, 7e9, 1.5万亿 (suffixes K M B T 万 亿)."
PARAMS_STORED = (
    'Parameters (175B, 7e9; suffixes K M B T 万 亿), or a catalog model name such as "llama2-70b" '
    "(all its parameters, every expert included)."
)
PARAMS_ACTIVE = (
    'Parameters (175B, 7e9; suffixes K M B T 万 亿), or a catalog model name such as "llama2-70b" '
    "(its parameters active per token)."
)
PARAMS_OR_MODEL = (
    'Parameters (175B, 7e9; suffixes K M B T 万 亿), or a catalog model name such as "llama2-70b" '
    "(its active parameters, layers and attention width)."
)
# Functions that hold or checkpoint every weight (memory, goodput): a model name counts all its experts.
PARAMS_OR_MODEL_STORED = (
    'Parameters (175B, 7e9; suffixes K M B T 万 亿), or a catalog model name such as "llama2-70b" '
    "(all its parameters, every expert of a mixture-of-experts model)."
)
TOKENS = "Training tokens: 300B, 2T, 3亿 or a number."
GPUS = "Number of GPUs (cards), a whole number."
PEAK = 'Peak dense TFLOPS per GPU (e.g. 312), or a card name such as "H800" or "A100" (its bf16 TFLOPS).'
# Training functions: a card name gives the peak the model's MFU is a share of (its FP8 peak for deepseek-v3).
PEAK_TRAIN = ('Peak dense TFLOPS per GPU (e.g. 312), or a card name such as "H800" or "A100": its BF16 TFLOPS, or its '
              "FP8 TFLOPS for a catalog model trained in FP8 (deepseek-v3), the peak of that model's predicted MFU.")
MFU = (
    'Model FLOPs utilisation in (0, 1]: 0.4 or "40%". Model FLOPs only: recomputation lowers the MFU '
    "reached. LLM_PREDICTED_MFU predicts one."
)
RECOMPUTE = "Optional. 1/TRUE = full activation recomputation (8PT instead of 6PT); 0/FALSE (default) = none."
RECOMPUTE_MEM = 'Optional. 0/FALSE none (default), 1/TRUE full, or "selective" activation recomputation.'
LAYERS = "Transformer layers (whole number)."
HIDDEN = "Hidden size h (whole number), e.g. 12288 for GPT-3."
HEADS = "Attention heads (whole number)."
SEQ = "Sequence length in tokens, e.g. 2048."
VOCAB = "Vocabulary size, e.g. 50257."
UTIL = ('Optional. Achieved share of peak in (0, 1], e.g. 0.5 or "50%"; default 0.3, the estimate\'s '
        "serving.utilization for its FLOPs-only serving cards (1 is peak, about 3× fewer cards).")
"""The default's figure is the scenario's (tests/udf check it): the schema is not imported with the module."""
PRICE_HOUR = "Price per GPU-hour, in your currency: 15, or text such as \"¥15\" or \"$2.5\" (the sign is ignored)."
