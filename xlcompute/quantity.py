"""Numbers typed by people: ``70B``, ``2T``, ``1.5万``, ``3亿``, ``1,000``, ``2 048``, ``40%``, ``2 trillion``,
``2千亿``, ``1024张``, ``１０２４`` (full width), ``两千`` (Chinese numerals).

Used by scenario files and the Excel functions, so ``=LLM_TRAIN_DAYS("70B","2T",...)`` and
``tokens: 2T`` in YAML mean the same thing. Suffixes are decimal (K = 10^3, M = 10^6,
B = G = 10^9, T = 10^12, P = 10^15; 万 = 10^4, 亿 = 10^8 and their compounds 千 百万 千万 十亿 百亿 千亿
万亿; the words thousand, million, billion, trillion), case-insensitive. Thousands may be grouped with
commas, underscores or spaces; a count may end with the word for what it counts (tokens, cards, GPUs,
params, 张, 卡, 个, …: :data:`UNIT_WORDS`, also after 个 as in ``2万亿个token``); full-width forms read as
ASCII (NFKC).

Only finite numbers are returned: ``inf``, ``nan``, ``1e999`` and integers too large for a float
are refused. Text longer than :data:`MAX_QUANTITY_CHARS` characters is refused before it is
parsed (no number needs more), and a refused value is echoed shortened, with control characters
escaped (:func:`show_value`), so an error message stays one readable line.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Mapping

__all__ = [
    "SUFFIXES",
    "SERVER_WORDS",
    "USER_WORDS",
    "DAY_WORDS",
    "drop_word",
    "without_word",
    "SIZE_TEXT",
    "MAX_QUANTITY_CHARS",
    "QuantityError",
    "parse_quantity",
    "show_value",
    "describe_type",
    "dot_grouped",
]

SUFFIXES: dict[str, float] = {
    "": 1.0,
    "k": 1e3,
    "m": 1e6,
    "b": 1e9,
    "g": 1e9,
    "t": 1e12,
    "p": 1e15,
    "万": 1e4,
    "亿": 1e8,
    "万亿": 1e12,
    "千": 1e3,
    "百万": 1e6,
    "千万": 1e7,
    "十亿": 1e9,
    "百亿": 1e10,
    "千亿": 1e11,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "%": 0.01,
}

UNIT_WORDS = ("tokens", "token", "cards", "card", "gpus", "gpu", "params", "parameters", "张卡", "张", "块", "卡",
              "个参数", "个")
"""Words a count may end with that name what is counted, not a scale ("1024张", "2T tokens", "70B params"):
dropped before the number is read."""

USER_WORDS = ("名用户", "位用户", "个用户", "用户", "users", "user", "人", "位", "名")
"""Words a count of users may end with ("2000人", "2万名用户"): dropped only where users are counted
(serving.users, the Excel functions' users); as :data:`UNIT_WORDS` they would let "60人" pass as cards."""

DAY_WORDS = ("days", "day", "天", "日", "d")
"""Words a number of days may end with ("60天", "60 days"; "d" is no scale suffix): dropped only where days
are counted (training.deadline_days, the Excel functions' days)."""


@functools.lru_cache(maxsize=8)
def _word_end(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<=\S)\s*(?:" + "|".join(map(re.escape, words)) + r")\s*$", re.IGNORECASE)


def drop_word(text: str, words: tuple[str, ...]) -> str:
    """``text`` (full-width forms as ASCII) without one of ``words`` at its end, after the number it
    follows: "2000人" -> "2000" for :data:`USER_WORDS`. Text without one is returned normalised."""
    return _word_end(words).sub("", unicodedata.normalize("NFKC", text), count=1)


def without_word(text: str, words: tuple[str, ...]) -> str:
    """``text`` without one of ``words`` at its end when what is left reads as a number; else ``text`` as
    typed, so a refusal quotes what the user wrote ("lots人" stays "lots人")."""
    if len(text) > MAX_QUANTITY_CHARS:
        return text
    bare = drop_word(text, words)
    try:
        parse_quantity(bare)
    except QuantityError:
        return text
    return bare


SERVER_WORDS = ("台服务器", "台机器", "台", "servers", "server", "nodes", "node", "machines")
"""Words that count servers, not cards ("H800 服务器 128台" is 1,024 cards): refused by name, never read as cards."""
_SERVERS = re.compile(r"^\s*\S.*?\s*(?:" + "|".join(map(re.escape, SERVER_WORDS)) + r")\s*$", re.IGNORECASE)

SIZE_TEXT = re.compile(r"^\s*\d+(?:[.,]\d+)*\s*[bBtT]\s*$")
"""A model's size as text ("70B", "1.5T"): read as a parameter count where a model name could go."""

MAX_QUANTITY_CHARS = 100
"""Longest text read as a number ("1,000,000,000,000,000" is 25 characters)."""

_WORDS = "|".join(sorted((k for k in SUFFIXES if len(k) > 1), key=len, reverse=True))
_PATTERN = re.compile(
    r"^\s*(?P<num>[+-]?(?:\d+(?:[,_]\d{3})*(?:[ \u00a0\u202f]\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*"
    rf"(?P<suffix>{_WORDS}|[kKmMbBgGtTpP千万亿%]?)\s*$",
    re.IGNORECASE,
)
# 个 is also the measure word before a counted noun ("2万亿个token", "1000个GPU"): one optional 个 goes with the
# word, so "个token" drops as "token" does (个 alone is already a unit word; "个个" stays refused).
_UNIT = re.compile(r"\s*(?:个\s*(?!个))?(?:" + "|".join(map(re.escape, UNIT_WORDS)) + r")\s*$", re.IGNORECASE)

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = re.compile("^[" + "".join(_CN_DIGITS) + "".join(_CN_SMALL) + "万亿]+$")

_SHOW_CHARS = 40
_NOT_FINITE = {"inf", "infinity", "nan", ".inf", ".nan"}


class QuantityError(ValueError):
    """Text that is not a number with an allowed suffix."""


def show_value(value: object, limit: int = _SHOW_CHARS) -> str:
    """A value as an error message echoes it: text quoted, shortened to ``limit`` characters with
    its length, control characters escaped; containers and huge integers described, not dumped."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)  # repr escapes control characters and unpaired surrogates
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if isinstance(value, bool) or value is None:
        return describe_type(value)
    if isinstance(value, int):
        # str() of an integer beyond 4,300 digits raises; estimate the size from its bits instead.
        if value.bit_length() > 160:
            return f"a {int(value.bit_length() * math.log10(2)) + 1:,}-digit integer"
        return repr(value)
    if isinstance(value, float):
        # -8, not -8.0: a count typed as "-8" on the command line is read as a number, then echoed
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (Mapping, list, tuple, set)):
        return describe_type(value)
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def describe_type(value: object) -> str:
    """The kind of a value in a scenario author's words (YAML/JSON vocabulary, not Python's)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return f"a mapping of {len(value):,} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value):,} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__} value"


def parse_quantity(value: object, field: str = "value") -> float:
    """Return ``value`` as a finite float; text may carry one suffix from :data:`SUFFIXES`.

    Raises :class:`QuantityError` naming ``field``, the value and what is allowed.
    """
    if isinstance(value, str):
        if len(value) > MAX_QUANTITY_CHARS:
            raise QuantityError(
                f"{field}: {show_value(value)} is not a number (text of more than {MAX_QUANTITY_CHARS} characters)"
            )
        return _parse_text(value, field)
    if isinstance(value, bool):
        raise QuantityError(f"{field}: expected a number, got the boolean {value!r}")
    if isinstance(value, (int, float)):
        try:
            out = float(value)
        except OverflowError:  # an int beyond ~1.8e308
            raise QuantityError(f"{field}: {show_value(value)} is not a finite number") from None
        return _finite(out, value, field)
    raise QuantityError(f"{field}: expected a number or text such as '70B', got {describe_type(value)}")


# Excel recalculates the same cells ("70B", "2T", "40%") over and over: parse each text once.
# A float is immutable, and a refused text raises each time (lru_cache stores returns only).
@functools.lru_cache(maxsize=4096)
def _parse_text(value: str, field: str) -> float:
    # Full-width digits, letters and signs from a Chinese input method read as their ASCII forms.
    text = _UNIT.sub("", unicodedata.normalize("NFKC", value), count=1)
    m = _PATTERN.match(text) if text.strip() else None
    if not m:
        spelled = _chinese_numeral(text)
        if spelled is not None:
            return spelled
    if not m and _SERVERS.match(text):
        raise QuantityError(
            f"{field}: {show_value(value)} counts servers, not cards; give the cards (a server of 8 cards: "
            "128 servers are 1024 cards)"
        )
    if not m and value.strip().lstrip("+-").lower() in _NOT_FINITE:
        raise QuantityError(f"{field}: {show_value(value)} is not a finite number")
    if not m:
        raise QuantityError(
            f"{field}: {show_value(value)} is not a number; write e.g. 70B, 2T, 1.5万, 3亿, 40% or 1e21 "
            "(suffixes K M B T P 万 亿 %)"
        )
    digits = re.sub(r"[,_ \u00a0\u202f]", "", m.group("num"))
    return _finite(float(digits) * SUFFIXES[m.group("suffix").lower()], value, field)


def _chinese_numeral(text: str) -> float | None:
    """A number written in Chinese numerals ("两千", "一万亿", "三千五百万", "十五"), or None for other text:
    亿 and 万 scale what stands before them, 十 百 千 the digit before them (十 alone is ten), 零 holds a place."""
    text = text.strip()
    if not _CN_NUMERAL.match(text) or not set(text) - {"万", "亿"}:
        return None
    for unit, scale in (("亿", 1e8), ("万", 1e4)):
        if unit in text:
            high, _, low = text.rpartition(unit)
            head = _chinese_numeral(high) if high else None
            tail = _chinese_numeral(low) if low else 0.0
            return None if head is None or tail is None else head * scale + tail
    total, digit = 0.0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit:  # "一二三": digits in a row are no numeral
                return None
            digit = _CN_DIGITS[ch]
        elif digit is None and total:  # "一百十": a unit with no digit, past the first
            return None
        else:
            total += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
    return total + (digit or 0)


def _finite(out: float, value: object, field: str) -> float:
    if not math.isfinite(out):
        raise QuantityError(f"{field}: {show_value(value)} is not a finite number")
    return out


_DOT_GROUPED = re.compile(r"^\s*[+-]?[1-9]\d{0,2}(?:\.\d{3})+\s*$")


def dot_grouped(text: str) -> bool:
    """Is ``text`` a number grouped with dots (1.500, 12.000.000)? A dot before three digits groups thousands
    in much of Europe and marks decimals elsewhere: the batch's ";" tables (_tables) and the Excel functions'
    counts (_udf_args.whole) refuse it rather than read 1.500 as 1.5."""
    return _DOT_GROUPED.match(unicodedata.normalize("NFKC", text)) is not None
