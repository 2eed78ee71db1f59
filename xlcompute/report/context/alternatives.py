"""The alternatives section: the same job on several accelerators (:func:`xlcompute.compare.compare`).

Every figure is a :class:`~xlcompute.compare.Alternative` row's, formatted with :mod:`xlcompute.fmt`
as the budget section formats money; nothing is recomputed here. ``compare()`` runs one estimate
per card, so it is called exactly once per render.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from xlcompute import catalog, fmt
from xlcompute.compare import TOKENS_PER_TRILLION, Alternative, Comparison, Note, Reason, compare
from xlcompute.report import charts
from xlcompute.compare_words import note_words, reason_words
from xlcompute.report.context._ctx import _Ctx
from xlcompute.scenario import CustomAccelerator

__all__ = ["alternatives_section"]


def _lead(c: _Ctx, comp: Comparison, shown: int) -> Markup:
    r = c.r
    if not r.trains:
        return c.t("alt_lead_serving", model=comp.model_name, users=c.v("users"), n=fmt.count(shown),
                   years=c.v("years"))
    if comp.deadline_days is not None:
        cards = c.t("alt_cards_deadline", deadline=fmt.plain(comp.deadline_days))
    else:
        cards = c.t("alt_cards_same", cards=c.v("gpu_count"))
    # The scenario's assumed MFU is applied to every card; without one each card has its own prediction.
    mfu = c.t("alt_mfu_same", mfu=c.v("mfu")) if r["mfu_assumed"] > 0 else c.t("alt_mfu_predicted")
    return c.t("alt_lead", model=comp.model_name, tokens=fmt.big_count(comp.train_tokens, "zh") if c.lang == "zh" else
               f"{fmt.plain(comp.train_tokens / TOKENS_PER_TRILLION)} × 10¹²", n=fmt.count(shown), cards=cards,
               mfu=mfu, years=c.v("years"), serving=c.t("alt_lead_serving_cost") if r.serves else "")


# The columns of the two tables per kind of plan: (row key, title key, numeric, width %). A serving
# fleet has no days, MFU, layout or training cost; a training run without users no serving cost.
_TECH_COLS = {
    "train": (("card", "alt_col_card", False, 11), ("cards", "alt_col_cards", True, 10),
              ("days", "alt_col_days", True, 10), ("mfu", "alt_col_mfu", True, 18),
              ("layout", "alt_col_layout", False, 20), ("mem", "alt_col_mem", True, 18),
              ("kw", "alt_col_kw", True, 13)),
    "serving": (("card", "alt_col_card", False, 20), ("cards", "alt_col_cards", True, 20),
                ("serving_cards", "alt_col_serving_cards", True, 30), ("kw", "alt_col_kw", True, 30)),
}
_MONEY_COLS = {
    "both": (("card", "alt_col_card", False, 10), ("capex", "alt_col_capex", True, 15),
             ("budget", "alt_col_budget", True, 15), ("per_t", "alt_col_per_t", True, 15),
             ("per_m", "alt_col_per_m", True, 15), ("npv_own", "alt_col_npv_own", True, 15),
             ("npv_rent", "alt_col_npv_rent", True, 15)),
    "training": (("card", "alt_col_card", False, 12), ("capex", "alt_col_capex", True, 17),
                 ("budget", "alt_col_budget", True, 18), ("per_t", "alt_col_per_t", True, 18),
                 ("npv_own", "alt_col_npv_own", True, 17), ("npv_rent", "alt_col_npv_rent", True, 18)),
    "serving": (("card", "alt_col_card", False, 12), ("capex", "alt_col_capex", True, 17),
                ("budget", "alt_col_budget", True, 18), ("per_m", "alt_col_per_m", True, 18),
                ("npv_own", "alt_col_npv_own", True, 17), ("npv_rent", "alt_col_npv_rent", True, 18)),
}


# With an assumed MFU, these columns show the figure at the step-time model's predicted MFU in brackets, as the
# MFU column does: the assumption was made for one card and carries nothing about another's.
_AT_PREDICTED = {"alt_col_days": "alt_col_days_predicted", "alt_col_per_t": "alt_col_per_t_predicted"}


def _assumed(c: _Ctx) -> bool:
    return bool(c.r.trains and c.r["mfu_assumed"] > 0)


# The training table's widths when the days carry their bracketed figure (the other columns give way).
_WIDTHS_AT_PREDICTED = {"card": 10, "cards": 9, "days": 15, "mfu": 17, "layout": 19, "mem": 17, "kw": 13}


def _cols(c: _Ctx, spec: tuple[tuple[str, str, bool, int], ...]) -> list[dict[str, Any]]:
    at = _AT_PREDICTED if _assumed(c) else {}
    widths = _WIDTHS_AT_PREDICTED if _assumed(c) and any(key == "days" for key, *_ in spec) else {}
    return [{"key": key, "title": c.t(at.get(title, title), years=c.v("years")), "num": num,
             "width": widths.get(key, width)} for key, title, num, width in spec]


def _bracket(c: _Ctx, text: str, space: str = "") -> str:
    """``text`` in brackets: full-width in Chinese (no space before them), ASCII after ``space`` in English."""
    return f"（{text}）" if c.lang == "zh" else f"{space}({text})"


def _tech_row(c: _Ctx, a: Alternative) -> dict[str, str]:
    mem = c.t("alt_mem", mem=fmt.number(a.mem_per_gpu_gb or 0.0, 1), hbm=fmt.number(a.hbm_gb or 0.0, 0))
    if not a.mem_fits:
        mem = Markup("{} {}").format(mem, c.t("alt_mem_no_fit"))
    mfu_used, mfu_predicted = fmt.percent(a.mfu or 0.0), fmt.percent(a.predicted_mfu or 0.0)
    return {
        "card": a.accelerator,
        "cards": fmt.count(a.cards or 0),
        "days": fmt.days(a.train_days or 0.0) + (_bracket(c, fmt.days(a.train_days_predicted_mfu or 0.0), " ")
                                                  if _assumed(c) else ""),
        # the MFU used, then the step-time model's prediction when it differs (a predicted MFU is shown once)
        "mfu": mfu_used + ("" if mfu_used == mfu_predicted else _bracket(c, mfu_predicted, " ")),
        # CP shown only when used, as fmt.layout_text does elsewhere in the proposal.
        "layout": a.layout.replace("·CP1·", "·"),
        "mem": mem,
        "kw": fmt.number(a.it_power_kw or 0.0, 0),
        "serving_cards": fmt.count(a.serving_cards or 0),
    }


def _money_row(c: _Ctx, a: Alternative) -> dict[str, str]:
    return {
        "card": a.accelerator,
        "capex": c.amount(a.capex_total or 0.0),
        "budget": c.amount(a.total_budget or 0.0),
        # two amounts: the bracketed one on its own line, so the column keeps the others' width
        "per_t": Markup("{}<br>{}").format(c.amount(a.cost_per_trillion_tokens or 0.0),
                                           _bracket(c, c.amount(a.cost_per_trillion_tokens_predicted_mfu or 0.0)))
        if _assumed(c) else c.amount(a.cost_per_trillion_tokens or 0.0),
        # Serving cost per 10^6 output tokens is a few currency units: cents matter.
        "per_m": c.money(a.cost_per_million_output_tokens or 0.0, 2),
        "npv_own": c.amount(a.npv_own or 0.0),
        "npv_rent": c.amount(a.npv_rent or 0.0),
    }


def alternatives_section(c: _Ctx, font: str) -> dict[str, Any]:
    """The template data of the alternatives section for the estimate's scenario."""
    try:
        comp = compare(c.r.scenario)
    except ValueError as exc:  # an unknown currency's default set, …: say so instead of failing the proposal
        return {"available": False, "error": " ".join(str(exc).split())}
    ok = [a for a in comp.alternatives if a.ok]
    own = c.r.scenario.cluster.accelerator
    own_key = None if isinstance(own, CustomAccelerator) else catalog.get_gpu(own).key
    highlight = next((i for i, a in enumerate(ok) if a.accelerator == own_key), None)
    chart = None
    serving_only = not c.r.trains
    if ok:
        # A serving fleet is compared by what a served token costs; a training run by the run, at each card's
        # predicted MFU where the scenario assumes one (one card's assumption would rank the cards by peak alone).
        def per_unit(a: Alternative) -> float:
            if serving_only:
                return a.cost_per_million_output_tokens or 0.0
            return (a.cost_per_trillion_tokens_predicted_mfu if _assumed(c) else a.cost_per_trillion_tokens) or 0.0

        def bar_text(v: float) -> str:  # a cost per 10^6 tokens of a few yuan keeps its fen: ¥4.22 beside ¥4.21
            return fmt.money(v, c.cur, 2) if v < 100 else fmt.money_short(v, c.cur, c.lang)

        chart = charts.horizontal_bars(
            bars=[(a.accelerator, per_unit(a), bar_text(per_unit(a))) for a in ok],
            highlight=highlight,
            x_title=str(c.t("alt_chart_x_serving" if serving_only else "alt_chart_x", currency=c.cur)),
            x_format=lambda v: fmt.money_short(v, c.cur, c.lang),
            font=font,
        )
    return {
        "available": True,
        "comparison": comp,
        "lead": _lead(c, comp, len(comp.alternatives)),
        "tech_cols": _cols(c, _TECH_COLS["serving" if serving_only else "train"]),
        "money_cols": _cols(c, _MONEY_COLS[c.r.kind]),
        "chart_title": c.t("alt_chart_title_serving" if serving_only else
                           "alt_chart_title_predicted" if _assumed(c) else "alt_chart_title"),
        "tech": [_tech_row(c, a) for a in ok],
        "money": [_money_row(c, a) for a in ok],
        "own": [i == highlight for i in range(len(ok))],
        "failed": [c.t("alt_cannot_run", card=a.accelerator, reason=_why(c, a.why, a.reason))
                   for a in comp.alternatives if not a.ok],
        "notes": [c.t("alt_note", card=a.accelerator, note=_note(c, n)) for a in comp.alternatives for n in a.notes],
        "chart": chart,
    }


# Scenario fields a swap's note names, as the inputs whose labels the proposal shows (no field names).
def _note(c: _Ctx, n: Note) -> str:
    """A swap's note in the proposal's language (xlcompute.compare_words)."""
    return note_words(n, c.lang)


def _why(c: _Ctx, why: Reason | None, english: str) -> str:
    """A refusal in the proposal's language (xlcompute.compare_words)."""
    return reason_words(why, english, c.lang)
