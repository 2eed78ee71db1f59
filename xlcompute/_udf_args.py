"""Argument parsing for the Excel functions in :mod:`xlcompute.udf`.

Excel hands a UDF whatever is in a cell: a float, text, TRUE/FALSE, ``None`` for an empty cell or
an omitted optional argument, or a list for a range. These helpers turn one such value into the
SI number the core expects, or raise :class:`UdfArgumentError` (a ``ValueError``) whose message
names the argument, shows the value and says what is allowed. Classic xlwings puts that message in
the cell, so it is written for a finance user, not a programmer.

The guards against "silently wrong" numbers are deliberate and documented in each helper: an MFU
of 40 is refused with "did you mean 0.4?", a parameter count of 175 with "did you mean 175B?", a
peak of 312e12 with "peak_tflops is in TFLOPS". Thresholds are plausibility bounds, not physics.

Messages are one line however odd the cell: :func:`show` escapes control characters and shortens
long text, and text longer than any name or number (:data:`MAX_TEXT`) is refused before a lookup.
The ``excel`` decorator (:mod:`xlcompute.udf._register`) turns the error into the cell's
``#VALUE! …`` text.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from xlcompute.catalog import Accelerator, UnknownPresetError, get_gpu
from xlcompute.core.units import tera
from xlcompute.quantity import DAY_WORDS, USER_WORDS, QuantityError, dot_grouped, parse_quantity, without_word

__all__ = [
    "UdfArgumentError",
    "UdfResultError",
    "show",
    "quantity",
    "positive",
    "non_negative",
    "price",
    "users",
    "days",
    "whole",
    "COUNT_HINT",
    "WHOLE_HINT",
    "FRACTION_HINT",
    "PRICE_HINT",
    "USERS_HINT",
    "DAYS_HINT",
    "plain_hint",
    "choice",
    "fraction",
    "big_count",
    "param_count",
    "train_tokens",
    "divides",
    "flag",
    "recompute_mode",
    "peak_flops",
    "gpu",
    "is_card_name",
    "is_number_text",
    "card_or_number",
    "values",
    "is_empty",
    "long_text",
    "MAX_TEXT",
    "one_line",
    "field_limit",
    "from_validation",
]

T = TypeVar("T")

# Plausibility bounds. A model or a training run below a million parameters / tokens is almost
# certainly a number typed in billions (175 for 175B); no LLM card reaches 100 PFLOPS dense (the
# catalog's largest, GB200, is 2.5 PFLOPS), so a bigger "TFLOPS" figure is FLOP/s typed in.
MIN_MODEL_PARAMS = 1e6
MIN_TRAIN_TOKENS = 1e6
MAX_PEAK_TFLOPS = 1e5

MAX_WHOLE = 10**15
"""Largest whole number an argument may be: Excel keeps 15 significant digits, so a bigger "whole
number" is not exact in a cell, and no count of cards, layers or tokens per sequence comes near."""

MAX_TEXT = 256
"""Longest text read as a number or a catalog name; longer text is refused at once (short message)."""

MAX_RANGE_CELLS = 10_000
"""Most cells a range argument may hold (a column of 10,000 GPU counts is no planning table)."""

_SHOWN_TEXT = 40  # characters of a text value quoted in a message


class UdfArgumentError(ValueError):
    """A bad argument of an Excel function; the message names the argument and what is allowed."""


class UdfResultError(ValueError):
    """Arguments acceptable one by one whose result is beyond a cell (an overflow); the message names
    the arguments that cause it. The cell shows it as ``#NUM! …``, an argument error as ``#VALUE! …``."""


def show(value: Any) -> str:
    """A value as the user typed it: 40 rather than 40.0, text in quotes; None, an empty cell."""
    if value is None:
        return "an empty cell"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e7:
        return str(int(value))
    if isinstance(value, float) or (isinstance(value, int) and abs(value) > MAX_WHOLE):
        try:
            return f"{value:.6g}"
        except OverflowError:  # a whole number beyond any float (only from Python, never from a cell)
            return "a number beyond 1.8e+308"
    if isinstance(value, str):
        return f'"{one_line(value, _SHOWN_TEXT)}"'
    if isinstance(value, (list, tuple)):
        return "a range"
    return one_line(str(value), _SHOWN_TEXT)


Rewording = tuple[tuple[re.Pattern[str], str], ...]


def rewording(pairs: Iterable[tuple[str, str]]) -> Rewording:
    """Compiled (pattern, replacement) pairs for :func:`in_argument_names`."""
    return tuple((re.compile(p), r) for p, r in pairs)


def in_argument_names(message: str, table: Rewording) -> str:
    """A refusal worded for a scenario (``cluster.cards``, ``assumptions.mfu``) in an Excel function's
    own argument names (``gpus``, ``mfu``), on one line: ``table`` maps one to the other, in order."""
    for pattern, replacement in table:
        message = pattern.sub(replacement, message)
    return " ".join(message.split())


def one_line(text: str, limit: int) -> str:
    """``text`` with control characters escaped (a line break shows as ``\\n``), cut to ``limit``."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def long_text(value: str, name: str, what: str) -> UdfArgumentError:
    """The refusal of text longer than any number or name (``len(value) > MAX_TEXT``), quoting its
    start only; callers test the length first, so a parse or a catalog lookup never quotes all of it."""
    return UdfArgumentError(f"{name} must be {what}, got {len(value):,} characters of text ({show(value)})")


def is_empty(value: Any) -> bool:
    """True for an empty cell, an omitted optional argument or blank text."""
    return value is None or (isinstance(value, str) and not value.strip())


def _missing(name: str, what: str) -> UdfArgumentError:
    return UdfArgumentError(f"{name} is empty; enter {what}")


# What to write, by kind of argument. The quantity parser's own advice ("write e.g. 70B, 2T, 1.5万 …")
# suits counts only: "70B" as an MFU, a price or days invites nonsense, so other kinds say their own.
COUNT_HINT = 'a number (text such as "70B" also works)'
"""A count (parameters, tokens, cards, users): the parser's suffixes are the point."""
WHOLE_HINT = 'a whole number such as 1024 (text such as "1,024" or "2万" also works)'
"""A count of cards, layers, tokens per sequence: a whole number, never "70B"."""
FRACTION_HINT = 'a fraction such as 0.4 or "40%"'
PRICE_HINT = "a number such as {example}, in the currency of your prices"
"""Formatted with an example price (15 per card-hour, 0.6 per kWh)."""


def plain_hint(unit: str = "") -> str:
    """A plain number (days, hours, seconds, GB, W): no suffix advice."""
    return f"a plain number{_unit(unit)}"


_PARSER_ADVICE = re.compile(r"is not a number; .*$")
_PARSER_TEXT_ADVICE = re.compile(r"expected a number or text such as '[^']*'")


def _with_hint(message: str, hint: str) -> str:
    """The parser's refusal with its count advice replaced by ``hint`` (quantity.py words it for counts)."""
    message = _PARSER_ADVICE.sub(f"is not a number; write {hint}", message)
    return _PARSER_TEXT_ADVICE.sub(f"expected {hint}", message)


def quantity(value: Any, name: str, default: float | None = None, hint: str = COUNT_HINT) -> float:
    """A number, or text with a suffix K M B T P 万 亿 % (``xlcompute.quantity``); ``hint`` says what
    to write when the cell is refused (:data:`COUNT_HINT`, :data:`FRACTION_HINT`, …)."""
    if value.__class__ is float and value - value == 0:  # the common cell (finite); inf - inf is nan
        return value  # type: ignore[no-any-return]
    if is_empty(value):
        if default is None:
            raise _missing(name, hint)
        return default
    if isinstance(value, (list, tuple)):
        raise UdfArgumentError(f"{name} must be a single cell or number, got a range")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise long_text(value, name, hint)
    try:
        return parse_quantity(value, name)
    except QuantityError as exc:
        raise UdfArgumentError(str(exc) if hint == COUNT_HINT else _with_hint(str(exc), hint)) from None
    except OverflowError:  # a Python int beyond any float; a cell never holds one
        raise UdfArgumentError(f"{name} must be a number within ±1.8E+308, got {show(value)}") from None


def positive(value: Any, name: str, default: float | None = None, unit: str = "", hint: str | None = None) -> float:
    """A number > 0; with a ``unit`` (days, GB, …) a plain number unless ``hint`` says otherwise."""
    if value.__class__ is float and 0 < value < math.inf:  # the common cell: no hint to word
        return value  # type: ignore[no-any-return]
    x = quantity(value, name, default, hint or (plain_hint(unit) if unit else COUNT_HINT))
    if not x > 0:
        raise UdfArgumentError(f"{name} must be greater than 0{_unit(unit)}, got {show(value)}")
    return x


def non_negative(value: Any, name: str, default: float | None = None, unit: str = "",
                 hint: str | None = None) -> float:
    """A number ≥ 0; with a ``unit`` a plain number unless ``hint`` says otherwise."""
    if value.__class__ is float and 0 <= value < math.inf:  # the common cell: no hint to word
        return value  # type: ignore[no-any-return]
    x = quantity(value, name, default, hint or (plain_hint(unit) if unit else COUNT_HINT))
    if x < 0:
        raise UdfArgumentError(f"{name} must be 0 or more{_unit(unit)}, got {show(value)}")
    return x


# A currency mark around a price ("¥15", "15元", "CNY 15", "$2.5"): what a finance user copies from a
# quote. Stripped for a price argument only, so "15元" is never read as anything but 15 of a currency.
_CURRENCY = r"(?:¥|￥|\$|元|CNY|USD|RMB)"
_CURRENCY_MARK = re.compile(rf"^\s*{_CURRENCY}\s*(?=\S)|(?<=\S)\s*{_CURRENCY}\s*$", re.IGNORECASE)


def price(value: Any, name: str, example: str = "15") -> float:
    """A price ≥ 0 (zero allowed): a number, or text with a currency mark before or after it."""
    if value.__class__ is float and 0 <= value < math.inf:  # the common cell: nothing to strip or word
        return value  # type: ignore[no-any-return]
    hint = PRICE_HINT.format(example=example)
    bare = value
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        bare = _CURRENCY_MARK.sub("", unicodedata.normalize("NFKC", value), count=2)  # ＄ is $, ￥ is ¥
    try:
        x = quantity(bare, name, hint=hint)
    except UdfArgumentError:
        if bare is value:
            raise
        x = quantity(value, name, hint=hint)  # refused as typed, so the message quotes the cell
    if x < 0:
        raise UdfArgumentError(f"{name} must be 0 or more, got {show(value)}")
    return x


# A word for what the argument counts after the number ("2000人", "60天"), as a Chinese finance user types it,
# stripped only for arguments of its kind (users, days), as a currency mark only for a price: added
# to quantity.UNIT_WORDS it would let "60天" pass as a card count in a cell or in a scenario's cluster.cards.
USERS_HINT = 'a number of users such as 2000 (text such as "2000人" or "2万" also works)'
DAYS_HINT = 'a plain number of days such as 60 (or "60天", "60 days")'


def _without_word(value: Any, name: str, words: tuple[str, ...], default: float | None, hint: str) -> float:
    """:func:`quantity` of ``value`` with one of ``words`` at its end dropped (quantity.without_word: text
    that does not read is refused as typed, so the message quotes the cell)."""
    return quantity(without_word(value, words) if isinstance(value, str) else value, name, default, hint)


def users(value: Any, name: str = "users", zero: bool = False) -> float:
    """A count of users, > 0 (≥ 0 with ``zero``): a number, or text ending with a word for users ("2000人",
    "2000位用户", "2万名用户", "2000 users")."""
    if value.__class__ is float and 0 < value < math.inf:  # the common cell: nothing to strip or word
        return value  # type: ignore[no-any-return]
    _refuse_dot_grouped(value, name, "a count of users")
    x = _without_word(value, name, USER_WORDS, None, USERS_HINT)
    if x < 0 or (x == 0 and not zero):
        raise UdfArgumentError(f"{name} must be {'0 or more' if zero else 'greater than 0'}, got {show(value)}")
    return x


def days(value: Any, name: str = "days") -> float:
    """A number of days > 0: a number, or text ending with 天, 日, "days" or "d" ("60天", "60 days")."""
    if value.__class__ is float and 0 < value < math.inf:  # the common cell: nothing to strip or word
        return value  # type: ignore[no-any-return]
    x = _without_word(value, name, DAY_WORDS, None, DAYS_HINT)
    if not x > 0:
        raise UdfArgumentError(f"{name} must be greater than 0 (days), got {show(value)}")
    return x


# Float noise in a formula (=(0.1+0.2)*10000/3 is 1000.0000000000001): a whole number within this share of
# itself is that whole number, far below any real fraction of a card, layer or token.
_WHOLE_TOLERANCE = 1e-9


def _near_whole(x: float) -> float:
    n = round(x)
    return float(n) if abs(x - n) <= _WHOLE_TOLERANCE * abs(x) else x


def _exact(value: Any) -> str:
    """A value refused as not whole, with every digit (show()'s 6 would print 1000.0000001 as 1000)."""
    return repr(value) if isinstance(value, float) else show(value)


def whole(value: Any, name: str, default: int | None = None, minimum: int = 1, maximum: int = MAX_WHOLE) -> int:
    """A whole number from ``minimum`` to ``maximum`` (cards, layers, parallel degrees); within
    :data:`_WHOLE_TOLERANCE` of one it is that one. Text such as "1.000" is refused: a dot before three digits
    groups thousands in much of Europe (quantity.dot_grouped, as a ";" table of the batch refuses it)."""
    _refuse_dot_grouped(value, name, "a whole number")
    x = quantity(value, name, None if default is None else float(default), WHOLE_HINT)
    if not float(x).is_integer():  # the common cell is whole: no rounding to test
        x = _near_whole(x)
    if not float(x).is_integer():
        raise UdfArgumentError(f"{name} must be a whole number, got {_exact(value)}")
    if x < minimum:
        raise UdfArgumentError(f"{name} must be a whole number ≥ {minimum}, got {show(value)}")
    if x > maximum:
        raise UdfArgumentError(f"{name} must be a whole number ≤ {maximum:,}, got {show(value)}")
    return int(x)


def _refuse_dot_grouped(value: Any, name: str, what: str) -> None:
    """Refuse a count typed as "1.000" (quantity.dot_grouped): 1 and 1,000 are both readings."""
    if isinstance(value, str) and dot_grouped(value):
        digits = unicodedata.normalize("NFKC", value).strip().replace(".", "")
        raise UdfArgumentError(f"{name} must be {what}, got {show(value)}: the dot may group thousands ({digits}) "
                               f"or mark decimals; write {digits} without it")


_ZERO_NAME = re.compile(r"^\s*zero[-_ ]?(\d)\s*$", re.IGNORECASE)


def choice(value: Any, name: str, allowed: Iterable[int], default: int | None = None) -> int:
    """One of a few whole numbers, e.g. a ZeRO stage 0–3."""
    allowed = tuple(allowed)
    listed = ", ".join(str(a) for a in allowed)
    if isinstance(value, str) and (m := _ZERO_NAME.match(value)):
        value = m.group(1)  # "ZeRO-3", "zero 1": the stage as the papers and DeepSpeed's config name it
    try:
        x = quantity(value, name, None if default is None else float(default))
    except UdfArgumentError:
        if is_empty(value):
            raise UdfArgumentError(f"{name} is empty; enter one of {listed}") from None
        raise UdfArgumentError(f"{name} must be one of {listed}, got {show(value)}") from None
    if not float(x).is_integer():
        x = _near_whole(x)
    if not float(x).is_integer() or int(x) not in allowed:
        listed = ", ".join(str(a) for a in allowed)
        raise UdfArgumentError(f"{name} must be one of {listed}, got {show(value)}")
    return int(x)


def fraction(value: Any, name: str, default: float | None = None) -> float:
    """A share in (0, 1], e.g. MFU 0.4 or "40%". 40 is refused with a hint, never read as 4000%."""
    x = quantity(value, name, default, FRACTION_HINT)
    if 0 < x <= 1:
        return x
    # The hint comes first: a narrow cell shows only the start of the message.
    hint = f"; did you mean {x / 100:g}?" if 2 <= x <= 100 else ""  # 40 is 40 %; 1.5 is no percentage
    raise UdfArgumentError(
        f"{name} must be in (0, 1]{hint} (got {show(value)}; write a fraction such as 0.4 or \"40%\")"
    )


def big_count(value: Any, name: str, minimum: float) -> float:
    """A raw count that is always large (parameters, training tokens): 175 is refused with
    "did you mean 175B?" rather than read as 175 parameters."""
    x = positive(value, name)
    if x < minimum:
        hint = f'; did you mean "{show(float(x))}B"?' if x < 1e4 else ""
        raise UdfArgumentError(
            f"{name} is a raw count{hint} (got {show(value)}; at least {minimum:.0e}, e.g. 70B = 70e9)"
        )
    return x


def param_count(value: Any, name: str = "params") -> float:
    """A model's parameter count (at least :data:`MIN_MODEL_PARAMS`)."""
    return big_count(value, name, MIN_MODEL_PARAMS)


def train_tokens(value: Any, name: str = "tokens") -> float:
    """Training tokens (at least :data:`MIN_TRAIN_TOKENS`)."""
    return big_count(value, name, MIN_TRAIN_TOKENS)


def divides(part: int, part_name: str, whole_: int, whole_name: str) -> None:
    """Refuse a parallel degree that does not divide what it splits (Megatron splits evenly)."""
    if whole_ % part:
        raise UdfArgumentError(f"{part_name}={part} must divide {whole_name}={whole_} (Megatron splits them evenly)")


_TRUE_TEXT = {"true", "yes", "on", "1"}
_FALSE_TEXT = {"false", "no", "off", "0"}


def flag(value: Any, name: str, default: int = 0) -> int:
    """0 or 1 from 0/1, TRUE/FALSE or the text "TRUE"/"FALSE"."""
    if is_empty(value):
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE_TEXT | _FALSE_TEXT:
        return int(value.strip().lower() in _TRUE_TEXT)
    raise UdfArgumentError(f"{name} must be 0 or 1 (or TRUE/FALSE), got {show(value)}")


_RECOMPUTE_TEXT = {"none": 0, "no": 0, "off": 0, "false": 0, "selective": 1, "full": 2, "true": 2, "yes": 2,
                   "0": 0, "1": 2, "2": 2}  # a number typed as text reads as the number


def recompute_mode(value: Any, name: str = "recompute", default: int = 0) -> int:
    """Activation recomputation as the core's mode number (0 none, 1 selective, 2 full).

    In the Excel functions 0/FALSE means none and 1/TRUE means full recomputation (seed 001 / 003:
    8PT instead of 6PT); the text "selective" selects Korthikanti et al.'s selective mode. 2 also
    means full, so a workbook's recompute_mode cell (0 none, 1 selective, 2 full) can only be
    misread at 1: point functions at the text names or at 0/2. An empty cell gives ``default``.
    """
    if is_empty(value):
        return default
    if isinstance(value, bool):
        return 2 if value else 0
    if isinstance(value, (int, float)) and value in (0, 1, 2):
        return 0 if value == 0 else 2
    if isinstance(value, str) and value.strip().lower() in _RECOMPUTE_TEXT:
        return _RECOMPUTE_TEXT[value.strip().lower()]
    raise UdfArgumentError(
        f'{name} must be 0/FALSE or "none", 1/TRUE, 2 or "full", or "selective", got {show(value)}'
    )


@functools.lru_cache(maxsize=256)
def _card(text: str) -> Accelerator:
    # Card names repeat in every recalculation; a preset is frozen, so caching it is safe.
    return get_gpu(text)


def gpu(value: Any, name: str = "gpu") -> Accelerator:
    """A catalog accelerator by key or alias ("H800", "a100", "910B")."""
    if is_empty(value):
        raise _missing(name, 'a card name such as "H800" or "A100"')
    if not isinstance(value, str):
        raise UdfArgumentError(f'{name} must be a card name such as "H800", got {show(value)}')
    if len(value) > MAX_TEXT:
        raise long_text(value, name, 'a card name such as "H800"')
    try:
        return _card(value)
    except UnknownPresetError as exc:
        raise UdfArgumentError(f"{name}: {exc}") from None


def is_card_name(value: Any) -> bool:
    """True for text naming a catalog card (a lookup, no refusal)."""
    if not isinstance(value, str) or is_empty(value) or len(value) > MAX_TEXT:
        return False
    try:
        _card(value)
    except UnknownPresetError:
        return False
    return True


def is_number_text(value: Any) -> bool:
    """True for text that reads as a number ("312", "1,000")."""
    if not isinstance(value, str):
        return False
    try:
        parse_quantity(value)
    except QuantityError:
        return False
    return True


def peak_flops(value: Any, name: str = "peak_tflops", fp8_model: str = "") -> float:
    """A card's peak in FLOP/s from TFLOPS (a number) or a catalog name: its dense BF16 TFLOPS, or its
    dense FP8 TFLOPS for ``fp8_model``, a catalog model whose published training ran in FP8 (the MFU the
    estimate predicts for it is a share of that peak; core.moe.fp8_linear_peak).

    Text is looked up in the catalog first, so "910B" is the Ascend card, not 910e9 TFLOPS.
    """
    if isinstance(value, str) and not is_empty(value):
        if len(value) > MAX_TEXT:
            raise long_text(value, name, 'TFLOPS (e.g. 312) or a card name such as "H800"')
        try:
            card = _card(value)
        except UnknownPresetError as exc:
            try:
                tflops = parse_quantity(value, name)
            except QuantityError:
                raise UdfArgumentError(
                    f"{name} must be TFLOPS (e.g. 312) or a card name; {exc}"
                ) from None
        else:
            if not fp8_model:
                return tera(card.bf16_tflops)
            if card.fp8_tflops is None:  # as the estimate refuses FP8 training on such a card
                raise UdfArgumentError(
                    f"{name}: {card.name} has no FP8 peak in the catalog, and {fp8_model} trains in FP8 (its "
                    f"catalog precision, whose peak a card name gives); type the TFLOPS to count at another "
                    f"precision (this card's BF16: {card.bf16_tflops:g})")
            return tera(card.fp8_tflops)
    else:
        tflops = quantity(value, name, hint='TFLOPS (e.g. 312) or a card name such as "H800"')
    if not tflops > 0:
        raise UdfArgumentError(f"{name} must be greater than 0 TFLOPS, got {show(value)}")
    if tflops > MAX_PEAK_TFLOPS:
        hint = f"; did you mean {tflops / 1e12:g}?" if tflops >= 1e9 else ""
        raise UdfArgumentError(
            f"{name} is in TFLOPS{hint} (got {show(value)}; at most {MAX_PEAK_TFLOPS:g} TFLOPS per card)"
        )
    return tera(tflops)


def card_or_number(
    value: Any, name: str, unit: str, from_card: Callable[[Accelerator], float | None]
) -> float:
    """A catalog card's figure (``from_card``) or a number in ``unit``; text is looked up first."""
    if isinstance(value, str) and not is_empty(value):
        if len(value) > MAX_TEXT:
            raise long_text(value, name, f"a number ({unit}) or a card name")
        try:
            card = _card(value)
        except UnknownPresetError as exc:
            try:
                x = parse_quantity(value, name)
            except QuantityError:
                raise UdfArgumentError(f"{name} must be a number ({unit}) or a card name; {exc}") from None
        else:
            figure = from_card(card)
            if figure is None:
                raise UdfArgumentError(f"{name}: {card.key} has no such figure in the catalog; enter {unit}")
            return float(figure)
    else:
        x = quantity(value, name, hint=f"{plain_hint(unit)} or a card name")
    if not x > 0:
        raise UdfArgumentError(f"{name} must be greater than 0 ({unit}), got {show(value)}")
    return x


def values(value: Any, name: str, parse: Callable[[Any, str], T]) -> list[T]:
    """Every cell of a range (a row, a column or an array constant {1,2,3}), each parsed; at most
    :data:`MAX_RANGE_CELLS` of them."""
    if isinstance(value, (list, tuple)):
        flat: list[Any] = []
        for item in value:
            flat.extend(item if isinstance(item, (list, tuple)) else [item])
    else:
        flat = [value]
    if not flat:
        raise UdfArgumentError(f"{name} is empty; select a row or column of numbers")
    if len(flat) > MAX_RANGE_CELLS:
        raise UdfArgumentError(f"{name} holds {len(flat):,} cells; select at most {MAX_RANGE_CELLS:,}")
    out: list[T] = []
    for i, item in enumerate(flat, start=1):
        if is_empty(item):
            raise UdfArgumentError(f"{name}: cell {i} of the range is empty; select only filled cells")
        out.append(parse(item, f"{name} (cell {i})"))
    return out


def _unit(unit: str) -> str:
    return f" ({unit})" if unit else ""


def field_limit(model: type[BaseModel], field: str) -> int:
    """The upper bound (``le``) of a field of a model the cells feed, read rather than copied, so an
    argument is refused with its own name before the model refuses it with the field's."""
    for constraint in model.model_fields[field].metadata:
        limit = getattr(constraint, "le", None)
        if limit is not None:
            return int(limit)
    raise LookupError(f"{model.__name__}.{field} has no upper bound")


def from_validation(exc: ValidationError, names: Mapping[str, str]) -> UdfArgumentError:
    """One line from a model's validation error, each field named as the argument(s) it came from
    (``names``: field -> argument text; other fields by their last part)."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        argument = names.get(field, field.rsplit(".", 1)[-1] or "an argument")
        reason = err["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
        reason = reason.replace("less than or equal to", "at most").replace("greater than or equal to", "at least")
        parts.append(f"{argument} {reason}, got {show(err.get('input'))}")
    return UdfArgumentError("; ".join(parts))
