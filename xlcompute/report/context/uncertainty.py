"""The proposal's uncertainty subsection: P10/P50/P90 of time and cost and the tornado table,
all from :func:`xlcompute.uncertainty.analyse` (the estimate's graph over arrays of draws); this
module only formats them."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from xlcompute import fmt, registry
from xlcompute.core import spread
from xlcompute.report import charts
from xlcompute.report.context._ctx import _Ctx, nobreak
from xlcompute.report.context.validation import coverage_args, coverage_is_narrow
from xlcompute.uncertainty import UncertaintyReport, prediction_side

__all__ = ["uncertainty_section"]


def _value(c: _Ctx, key: str, x: float) -> str:
    """A figure or input with its unit (days, currency, share)."""
    if key == "delivery_delay_days":
        key = "train_days"
    if c.lang == "zh" and registry.quantity(key).kind == "money":
        return c.amount(x)  # a budget range read in 万元 / 亿元
    text = registry.format_value(x, key, c.cur)
    return text if registry.carries_unit(key) else f"{text} {registry.unit_text(key, c.lang, c.cur)}"


def _label(c: _Ctx, key: str) -> str:
    return str(c.t("unc_delay")) if key == "delivery_delay_days" else registry.label(key, c.lang)


def _range(c: _Ctx, rep: UncertaintyReport, key: str) -> str:
    p = rep.percentiles[key]
    fmt_key = "train_days" if key == "days_to_model" else key
    return " / ".join(_value(c, fmt_key, x) for x in (p.p10, p.p50, p.p90))


def _prediction_outside(c: _Ctx, rep: UncertaintyReport) -> Markup | None:
    """With an assumed MFU, the step-time model's own days when they fall outside the range's P10–P90 (the
    range is drawn around the assumed MFU): a committee reading the P90 as likely should know the tool's own
    prediction lies past it (the default plan: 42.0 days at 25.4 % against a P90 of 41.0)."""
    side = prediction_side(c.r, rep)
    if side == 0:
        return None
    return c.t("unc_prediction_outside", pmfu=c.v("predicted_mfu"), pdays=c.v("train_days_predicted_mfu"),
               side=c.t("unc_side_above" if side > 0 else "unc_side_below"), mfu=c.v("mfu_assumed"))


def _serving_sentence(c: _Ctx, rep: UncertaintyReport) -> Markup | None:
    """The serving cards over the inference model's speed, and the share of draws the cluster covers."""
    sr = rep.serving
    if sr is None:
        return None
    return c.t("unc_serving", lo=fmt.number(sr.speed.p10, 2), hi=fmt.number(sr.speed.p90, 2),
               cards=" / ".join(fmt.count(x) for x in (sr.cards.p10, sr.cards.p50, sr.cards.p90)),
               chance=fmt.percent(sr.chance, 0), have=fmt.count(sr.cluster_cards))


def _price80(s: float) -> str:
    """The triangular price factor's P90 − 1 (its P10 is as far below): what the tornado's price rows move by."""
    return fmt.percent(float(spread.triangular_quantile(0.9, 1 - s, 1.0, 1 + s)) - 1)


def uncertainty_section(c: _Ctx, font: str) -> dict[str, Any]:
    rep = c.ranges
    if not c.r.trains:
        return _serving_only(c, rep)
    u = c.r.scenario.uncertainty
    mfu = next(d for d in rep.distributions if d.key == "mfu")
    text = c.t("unc_text", draws=fmt.count(rep.draws), seed=str(rep.seed),
               days=_range(c, rep, "train_days"), finish=_range(c, rep, "days_to_model"),
               train_cost=_range(c, rep, "train_cost"), budget=_range(c, rep, "total_budget"),
               mfu_lo=fmt.percent(mfu.p10), mfu_hi=fmt.percent(mfu.p90),
               price=fmt.percent(u.price_spread), price80=_price80(u.price_spread), delay=fmt.number(u.delivery_delay_days, 0),
               delay_max=fmt.number(u.delivery_delay_max_days, 0))
    # How often such a range held published runs (Appendix B's held-out sets): the label "P10–P90"
    # claims 80%, and the committee should know when the evidence says less.
    text = c.sentences(text, c.t("unc_coverage", **coverage_args()),
                       c.t("unc_coverage_narrow") if coverage_is_narrow() else None, _prediction_outside(c, rep),
                       _serving_sentence(c, rep))
    if rep.deadline_chance is not None:  # the deadline's chance over the same draws
        text = c.sentences(text, c.t("unc_deadline", chance=fmt.percent(rep.deadline_chance, 0),
                                     deadline=c.v("deadline_days"),
                                     conf=c.deadline_conf("unc_deadline_conf", days=c.v("deadline_plan_days"),
                                                          margin=fmt.number(c.r["deadline_margin"], 2))))

    def short(x: float) -> str:  # Chinese: 万元 / 亿元 with two decimals (5.02亿元), not a rounded ¥5亿
        return c.amount(x) if c.lang == "zh" else fmt.money_short(x, c.cur, c.lang)

    def arg(key: str, x: float) -> str:  # the input's own value, its unit in the row label; "9.86 × 10⁻⁶" unbroken
        return fmt.number(x, 1) if key == "delivery_delay_days" else nobreak(registry.format_value(x, key, c.cur))

    rows = [{
        "label": _label(c, r.key),
        "low": arg(r.key, r.low), "high": arg(r.key, r.high),
        "days": nobreak(f"{fmt.number(r.days_low, 1)} – {fmt.number(r.days_high, 1)}"),
        "budget": f"{short(r.budget_low)} – {short(r.budget_high)}",
        "train_cost": f"{short(r.train_cost_low)} – {short(r.train_cost_high)}",
    } for r in rep.tornado]
    moving = [r for r in rep.tornado if r.days_swing > 0]
    chart = charts.tornado_chart(
        rows=[(_label(c, r.key), r.days_low, r.days_high) for r in moving],
        base=rep.base_days_to_model, legend=(str(c.t("unc_at_p10")), str(c.t("unc_at_p90"))),
        x_title=str(c.t("unc_chart_x")), x_format=lambda v: fmt.number(v, 0), font=font)
    note = c.t("unc_note", delay=fmt.number(u.delivery_delay_days, 0))
    return {"trains": True, "title": c.t("unc_title"), "text": text, "rows": rows, "chart": chart, "note": note}


def _serving_only(c: _Ctx, rep: UncertaintyReport) -> dict[str, Any]:
    """A serving fleet has no run to time: only the budget's range and the prices that move it."""
    u = c.r.scenario.uncertainty
    text = c.sentences(c.t("unc_text_serving", draws=fmt.count(rep.draws), seed=str(rep.seed),
                           budget=_range(c, rep, "total_budget"), price=fmt.percent(u.price_spread),
                           price80=_price80(u.price_spread)),
                       _serving_sentence(c, rep))
    rows = [{
        "label": _label(c, r.key), "low": registry.format_value(r.low, r.key, c.cur),
        "high": registry.format_value(r.high, r.key, c.cur),
        "budget": f"{c.amount(r.budget_low) if c.lang == 'zh' else fmt.money_short(r.budget_low, c.cur, c.lang)} – "
                  f"{c.amount(r.budget_high) if c.lang == 'zh' else fmt.money_short(r.budget_high, c.cur, c.lang)}",
    } for r in rep.tornado if r.key != "delivery_delay_days" and r.budget_low != r.budget_high]
    return {"trains": False, "title": c.t("unc_title_serving"), "text": text, "rows": rows, "chart": None,
            "note": c.t("unc_note_serving")}
