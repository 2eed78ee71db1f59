"""The alternatives section: the same job on several accelerators (:func:`xlcompute.compare.compare`).

Every figure is a :class:`~xlcompute.compare.Alternative` row's, formatted with :mod:`xlcompute.fmt`
as the budget section formats money; nothing is recomputed here. ``compare()`` runs one estimate
per card, so it is called exactly once per render.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from xlcompute import catalog, fmt
from xlcompute.compare import TOKENS_PER_TRILLION, Alternative, Comparison, Note, compare
from xlcompute.report import charts
from xlcompute.report.context._ctx import _Ctx
from xlcompute.scenario import CustomAccelerator

__all__ = ["alternatives_section"]


def _lead(c: _Ctx, comp: Comparison, shown: int) -> Markup:
    r = c.r
    if comp.deadline_days is not None:
        cards = c.t("alt_cards_deadline", deadline=fmt.plain(comp.deadline_days))
    else:
        cards = c.t("alt_cards_same", cards=c.v("gpu_count"))
    # The scenario's assumed MFU is applied to every card; without one each card has its own prediction.
    mfu = c.t("alt_mfu_same", mfu=c.v("mfu")) if r["mfu_assumed"] > 0 else c.t("alt_mfu_predicted")
    return c.t("alt_lead", model=comp.model_name, tokens=f"{fmt.plain(comp.train_tokens / TOKENS_PER_TRILLION)} × 10¹²", n=fmt.count(shown), cards=cards,
               mfu=mfu, years=c.v("years"))


def _tech_row(c: _Ctx, a: Alternative) -> dict[str, str]:
    mem = c.t("alt_mem", mem=fmt.number(a.mem_per_gpu_gb or 0.0, 1), hbm=fmt.number(a.hbm_gb or 0.0, 0))
    if not a.mem_fits:
        mem = Markup("{} {}").format(mem, c.t("alt_mem_no_fit"))
    return {
        "card": a.accelerator,
        "cards": fmt.count(a.cards or 0),
        "days": fmt.days(a.train_days or 0.0),
        "mfu": f"{fmt.percent(a.mfu or 0.0)} ({fmt.percent(a.predicted_mfu or 0.0)})",
        # CP shown only when used, as fmt.layout_text does elsewhere in the proposal.
        "layout": a.layout.replace("·CP1·", "·"),
        "mem": mem,
        "kw": fmt.number(a.it_power_kw or 0.0, 0),
    }


def _money_row(c: _Ctx, a: Alternative) -> dict[str, str]:
    return {
        "card": a.accelerator,
        "capex": c.money(a.capex_total or 0.0),
        "budget": c.money(a.total_budget or 0.0),
        "per_t": c.money(a.cost_per_trillion_tokens or 0.0),
        # Serving cost per 10^6 tokens is a few currency units: cents matter.
        "per_m": c.money(a.cost_per_million_served_tokens or 0.0, 2),
        "npv_own": c.money(a.npv_own or 0.0),
        "npv_rent": c.money(a.npv_rent or 0.0),
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
    if ok:
        chart = charts.horizontal_bars(
            bars=[(a.accelerator, a.cost_per_trillion_tokens or 0.0,
                   fmt.money_short(a.cost_per_trillion_tokens or 0.0, c.cur, c.lang)) for a in ok],
            highlight=highlight,
            x_title=str(c.t("alt_chart_x", currency=c.cur)),
            x_format=lambda v: fmt.money_short(v, c.cur, c.lang),
            font=font,
        )
    return {
        "available": True,
        "comparison": comp,
        "lead": _lead(c, comp, len(comp.alternatives)),
        "tech": [_tech_row(c, a) for a in ok],
        "money": [_money_row(c, a) for a in ok],
        "own": [i == highlight for i in range(len(ok))],
        "failed": [c.t("alt_cannot_run", card=a.accelerator, reason=a.reason) for a in comp.alternatives if not a.ok],
        "notes": [c.t("alt_note", card=a.accelerator, note=_note(c, n)) for a in comp.alternatives for n in a.notes],
        "chart": chart,
    }


def _note(c: _Ctx, n: Note) -> str:
    """A swap's note in the proposal's language (the planner's reason stays as the estimate gave it)."""
    return str(c.t(f"alt_note_{n.kind}", fields=", ".join(n.fields), tp=n.tp, pp=n.pp, detail=n.detail,
                   days=fmt.days(n.days), deadline=f"{n.deadline:g}"))
