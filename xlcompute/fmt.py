"""Human formatting of figures, shared by the CLI and the proposal so they print the same text.

Plain functions of a float; no locale magic (the product prints the same in every locale).
"""

from __future__ import annotations

import math

__all__ = ["number", "sci", "days", "money", "gb", "percent", "count", "hours", "plain", "money_short", "signed_percent", "CURRENCY_SYMBOLS",
           "layout_text", "big_count"]

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$"}


def number(x: float, digits: int = 2) -> str:
    """Thousands separators and ``digits`` decimals: 1,234.57."""
    return f"{x:,.{digits}f}"


def count(x: float) -> str:
    """A whole number with thousands separators: 1,000."""
    return f"{round(x):,d}"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sci(x: float, digits: int = 3) -> str:
    """Scientific notation as a reader writes it: 3.150 × 10²³ (not Python's 3.150e+23); 0 as 0,
    non-finite values as Python prints them."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def days(x: float) -> str:
    """Days with one decimal: 25.3; under a day, two significant digits (0.041, not 0.0: a 1,000-card
    run of a small model finishes in hours, and "0.0 days" reads as nothing)."""
    if 0 < abs(x) < 0.95:
        return f"{x:.{min(6, 1 - math.floor(math.log10(abs(x))))}f}"
    return f"{x:,.1f}"


def hours(x: float) -> str:
    """Whole hours with thousands separators."""
    return f"{round(x):,d}"


def money(x: float, currency: str = "CNY", digits: int = 0) -> str:
    """Currency amount: ¥12,345,678 or $1,234."""
    sym = CURRENCY_SYMBOLS.get(currency, currency + " ")
    sign = "-" if x < 0 else ""
    return f"{sign}{sym}{abs(x):,.{digits}f}"


def expected(x: float) -> str:
    """An expected count in words' precision: whole from 10 (13), one decimal below (0.1, 2.4), so a
    small expectation never reads as 0."""
    if not math.isfinite(x):
        return "—"
    return count(x) if x >= 10 else f"{x:.1f}"


def ratio(x: float) -> str:
    """How many times one amount is another: 2.34 → 2.3, 20.3 → 20, 3049.6 → 3,050."""
    if not math.isfinite(x):
        return "—"
    return f"{x:.1f}" if x < 10 else count(x)


def gb(x_bytes: float, digits: int = 1) -> str:
    """Bytes as decimal GB (10^9): 19.4 GB."""
    return f"{x_bytes / 1e9:,.{digits}f} GB"


def percent(x: float, digits: int = 1) -> str:
    """A fraction as a percentage: 0.4 → 40.0%; a positive share too small for ``digits`` reads
    "<0.1%", never "0.0%" (a cluster busy 0.04 % of the time is not idle)."""
    if not math.isfinite(x):
        return "—"
    if 0 < x * 100 < 0.5 * 10.0**-digits:
        return f"<{10.0**-digits:.{digits}f}%"
    return f"{x * 100:.{digits}f}%"


def signed_percent(x_pct: float, digits: int = 1) -> str:
    """A signed error already in percent: 2.87 → +2.9%, -6.73 → −6.7% (typographic minus)."""
    if not math.isfinite(x_pct):
        return "—"
    text = f"{x_pct:+.{digits}f}%"
    return text.replace("-", "\u2212")


def plain(x: float, max_digits: int = 4) -> str:
    """An input as written, without trailing zeros: 2 → 2, 0.65 → 0.65, 1.3 → 1.3, 3350 → 3,350."""
    if float(x).is_integer():
        return count(x)
    return f"{x:,.{max_digits}f}".rstrip("0").rstrip(".")


def money_short(x: float, currency: str = "CNY", lang: str = "en") -> str:
    """A rounded amount for chart axes: ¥350M / ¥1.2B in English, ¥3.5亿 / ¥5,000万 in Chinese
    (万 = 10^4, 亿 = 10^8, the units Chinese budgets are read in)."""
    sym = CURRENCY_SYMBOLS.get(currency, currency + " ")
    sign = "-" if x < 0 else ""
    a = abs(x)
    if lang == "zh":
        steps = ((1e8, "亿"), (1e4, "万"))
    else:
        steps = ((1e9, "B"), (1e6, "M"), (1e3, "K"))
    for size, suffix in steps:
        if a >= size:
            return f"{sign}{sym}{plain(round(a / size, 1), 1)}{suffix}"
    return f"{sign}{sym}{plain(round(a), 0)}"


def money_wan(x: float, currency: str = "CNY", digits: int = 2) -> str:
    """An amount as a Chinese finance reader reads a budget: 4.03亿元 from 10^8 on, 1,440.00万元 from
    10^4 on, 650元 below (万 = 10^4, 亿 = 10^8); USD as 亿美元 / 万美元. The detailed tables keep the
    full figure (:func:`money`)."""
    unit = {"CNY": "元", "USD": "美元"}.get(currency, " " + currency)
    sign, a = ("-" if x < 0 else ""), abs(x)
    if a >= 1e8:
        return f"{sign}{number(a / 1e8, digits)}亿{unit}"
    if a >= 1e4:
        return f"{sign}{number(a / 1e4, digits)}万{unit}"
    return f"{sign}{count(round(a))}{unit}"


def big_count(x: float, lang: str = "en") -> str:
    """A large count (parameters, tokens) without scientific notation: 70 B, 2 T, 875 M in
    English; 700亿, 2万亿, 8,750万 in Chinese (万 = 10^4, 亿 = 10^8, 万亿 = 10^12)."""
    a, sign = abs(x), "-" if x < 0 else ""
    if lang == "zh":
        for size, suffix in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
            if a >= size:
                return f"{sign}{plain(round(a / size, 2), 2)}{suffix}"
        return f"{sign}{count(a)}"
    for size, suffix in ((1e12, " T"), (1e9, " B"), (1e6, " M")):
        if a >= size:
            return f"{sign}{plain(round(a / size, 2), 2)}{suffix}"
    return f"{sign}{count(a)}"


def layout_text(tp: float, cp: float, pp: float, dp: float, ep: float = 1, lang: str = "en") -> str:
    """A parallel layout as the CLI, the proposal and the workbook show it: TP 8 × PP 4 × DP 32,
    with CP 16 between TP and PP when context parallelism is used, and the expert-parallel size of
    a mixture-of-experts model after the DP it is carved from ("DP 128, EP 64"; "DP 128，EP 64" in
    Chinese text)."""
    parts = [("TP", tp), ("CP", cp), ("PP", pp), ("DP", dp)]
    text = " × ".join(f"{name} {count(n)}" for name, n in parts if name != "CP" or round(n) > 1)
    return text + (f"{'，' if lang == 'zh' else ', '}EP {count(ep)}" if round(ep) > 1 else "")
