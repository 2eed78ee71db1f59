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
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import xlwings as xw
from pydantic import BaseModel, ConfigDict

__all__ = ["CATEGORY", "PUBLIC_MODULE", "UdfSpec", "udf_specs", "excel"]

CATEGORY = "xlcompute"
"""Excel function-wizard category of every UDF (classic xlwings)."""

PUBLIC_MODULE = "xlcompute.udf"
"""Where every UDF is imported from: ``UDF Modules = xlcompute.udf`` and the Lite ``main.py``."""

_IN_LITE = sys.platform == "emscripten"
# Classic-only options stay out of Lite's decorators (Lite documents them as classic-only).
_FUNC_OPTIONS: dict[str, Any] = {} if _IN_LITE else {"category": CATEGORY}
_EXPAND_TABLE = os.environ.get("XLCOMPUTE_EXPAND_TABLE") == "1" and not _IN_LITE

_F = TypeVar("_F", bound=Callable[..., Any])


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


def excel(args: dict[str, str], *, ranges: tuple[str, ...] = (), spills: bool = False) -> Callable[[_F], _F]:
    """Register ``f`` with xlwings: wizard text, one ``doc=`` per argument, the category.

    The docstring is collapsed to one line because Excel shows it verbatim in the wizard.
    """

    def decorate(f: _F) -> _F:
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
        g: Any = f
        if spills and _EXPAND_TABLE:
            g = xw.ret(expand="table")(g)
        for name in reversed(list(args)):
            options: dict[str, Any] = {"ndim": 1} if name in ranges else {}
            g = xw.arg(name, doc=args[name], **options)(g)
        g = xw.func(**_FUNC_OPTIONS)(g)
        optional = tuple(n for n, p in signature.items() if p.default is not inspect.Parameter.empty)
        _SPECS[f.__name__] = UdfSpec(name=f.__name__, doc=f.__doc__, args=args, optional=optional, spills=spills)
        return g  # type: ignore[no-any-return]

    return decorate


# -- argument descriptions shared by several functions (each ≤ 255 characters) ----------------

PARAMS = "Model parameters, a raw count: 175B, 7e9, 1.5万亿 (suffixes K M B T 万 亿)."
PARAMS_OR_MODEL = (
    'Parameters (175B, 7e9; suffixes K M B T 万 亿), or a catalog model name such as "llama2-70b" '
    "(its active parameters, layers and attention width)."
)
TOKENS = "Training tokens: 300B, 2T, 3亿 or a number."
GPUS = "Number of GPUs (cards), a whole number."
PEAK = 'Peak dense TFLOPS per GPU (e.g. 312), or a card name such as "H800" or "A100" (its bf16 TFLOPS).'
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
UTIL = 'Optional. Achieved share of peak in (0, 1], e.g. 0.5 or "50%"; default 1 (peak).'
PRICE_HOUR = "Price per GPU-hour, in your currency."
