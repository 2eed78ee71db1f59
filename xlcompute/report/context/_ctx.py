"""Shared helpers of one render: the language, the currency, the estimate, and number
formatting through the registry (:mod:`xlcompute.registry`, :mod:`xlcompute.fmt`)."""

from __future__ import annotations

import functools
from typing import Any

from markupsafe import Markup

from xlcompute import fmt, registry
from xlcompute._settings_grid import level_layers
from xlcompute.core import spread
from xlcompute.estimate import Estimate
from xlcompute.uncertainty import UncertaintyReport, analyse
from xlcompute.report.i18n import text
from xlcompute.report.context.policy import RECOMPUTE_NAMES



# --- how each number is shown: the registry's display kind (xlcompute.registry) -----------------


def format_value(x: float, kind: str, currency: str) -> str:
    """Format one number with a registry display kind (``xlcompute.registry.KINDS``)."""
    try:
        return registry.KINDS[kind][0](x, currency)
    except KeyError:
        raise ValueError(f"unknown format kind {kind!r}") from None


def _unit(key: str, kind: str | None, lang: str, currency: str) -> str:
    return "" if registry.carries_unit(key, kind) else registry.unit_text(key, lang, currency)


def _label(key: str, lang: str) -> str:
    return registry.label(key, lang)


def nobreak(text: str) -> str:
    """``text`` with no-break spaces: a figure whose parts must stay on one line in running text or a
    narrow cell ("1.97 × 10⁻⁵", "1,260.0 kW", "40.6 – 40.9"); the characters read the same."""
    return text.replace(" ", "\u00a0")


def nowrap(text: str) -> Markup:
    """``text`` (escaped) in one unbreakable span of the Chinese edition (``html.zh .nw`` in proposal.css),
    for a layout such as "TP 8 × PP 5 × DP 25" that must not split as "TP / 8"."""
    return Markup('<span class="nw">{}</span>').format(text)


class _Ctx:
    """Shared helpers for one render: language, currency, the estimate."""

    def __init__(self, result: Estimate, lang: str) -> None:
        self.r = result
        self.lang = lang
        self.cur = result.scenario.pricing.currency

    def t(self, key: str, **kw: Any) -> Markup:
        return text(key, self.lang, **kw)

    @functools.cached_property
    def ranges(self) -> UncertaintyReport:
        """The estimate's Monte Carlo ranges (:func:`xlcompute.uncertainty.analyse`, a few ms), once per render."""
        return analyse(self.r)

    def deadline_conf(self, key: str, **kw: Any) -> Markup:
        """The words a deadline line adds at a confidence above 0.5 (training.deadline_confidence); none
        at 0.5, where the estimate itself is held to the deadline."""
        q = self.r["deadline_confidence"]
        return self.t(key, q=fmt.percent(q, 0), **kw) if q > spread.DEADLINE_CONFIDENCE else Markup("")

    @property
    def gap(self) -> Markup:
        """What goes between two sentences: a space, none after a Chinese full stop."""
        return Markup("" if self.lang == "zh" else " ")

    def sentences(self, *parts: Markup | None) -> Markup:
        """The sentences given (None left out), one after the other."""
        return self.gap.join(p for p in parts if p is not None)

    def v(self, key: str, kind: str | None = None) -> str:
        """An input or figure of the estimate, formatted by its registry kind."""
        return registry.format_value(self.r[key], key, self.cur, kind, self.lang)

    def v_as(self, x: float, key: str, kind: str | None = None) -> str:
        """A number formatted as the figure ``key`` is (its registry kind, unless ``kind``)."""
        return registry.format_value(x, key, self.cur, kind, self.lang)

    def money(self, x: float, digits: int = 0) -> str:
        return fmt.money(x, self.cur, digits)

    def amount(self, x: float, digits: int = 0) -> str:
        """Money where a reader expects a rounded amount (summary cards, budget and comparison
        tables): 4.03亿元 / 1,440.00万元 in Chinese, the full figure in English."""
        return fmt.money_wan(x, self.cur) if self.lang == "zh" else self.money(x, digits)

    def va(self, key: str) -> str:
        """An amount of the estimate by key, as :meth:`amount`."""
        return self.amount(self.r[key]) if self.lang == "zh" else self.v(key)

    def va_as(self, x: float, key: str) -> str:
        """An amount formatted as :meth:`va` formats the figure ``key``."""
        return self.amount(x) if self.lang == "zh" else self.v_as(x, key)

    def row(self, key: str, kind: str | None = None, source: str = "") -> dict[str, Any]:
        value = registry.format_value(self.r[key], key, self.cur, kind, self.lang)
        unit = _unit(key, kind, self.lang, self.cur)
        if (kind or registry.QUANTITIES[key].kind) == "bytes" and value.endswith(" GB"):
            value, unit = value.removesuffix(" GB"), "GB"  # the unit in the table's unit column, as other rows
        return {
            "key": key,
            "label": _label(key, self.lang),
            "value": value,
            "unit": unit,
            "source": source,
            "is_text": False,
        }

    def layout(self) -> str:
        """The estimate's parallel layout as text: TP 8 × PP 4 × DP 32, with CP when used, and the layers of
        the first, last and other stages when the scenario splits them (core.parallel.even_stage_layers)."""
        text = fmt.layout_text(self.r["tp"], self.r["cp"], self.r["pp"], self.r["dp"], self.r["ep"],
                               self.lang)
        if self.r["first_stage_layers"] > 0 or self.r["last_stage_layers"] > 0:
            text += str(self.t("layout_split", f=fmt.count(self.r["stage_layers_first"]),
                               l=fmt.count(self.r["stage_layers_last"]), m=fmt.count(self.r["stage_layers_even"])))
        if self.r["dualpipe"] > 0:
            text += str(self.t("layout_dualpipe"))
        return text

    def rc_name(self, mode: float) -> Markup:
        """Recomputation ``mode`` as the estimate runs it: selective with the plan's layers per stage in
        full when it has some (the memory table's selective column holds them too); a level between 1
        and 2 (core.compute.recompute_level) names its own layers."""
        base, k = level_layers(mode, self.r["layers"], self.r["pp"])
        k = k or (self.r["recompute_layers"] if base == 1 else 0)
        if k > 0:
            return self.t("rc_partial", k=fmt.count(k), n=fmt.count(self.r["layers_per_stage"]))
        return self.t(f"rc_{RECOMPUTE_NAMES[base]}")
