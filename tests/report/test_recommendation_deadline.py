"""A training run that misses its deadline is not recommended as proposed: the recommendation opens with the
slip and the cards that meet the deadline, the same figures as the summary's deadline line, and never says
"approve the purchase" of the late cluster, even where owning is cheaper than renting."""

from __future__ import annotations

from typing import Any

from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import parse_scenario

LATE = {"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "15T", "deadline_days": 60},
        "cluster": {"accelerator": "H800", "cards": 1000}}


def _context(update: dict[str, Any], lang: str = "en") -> tuple[Any, dict[str, Any]]:
    r = estimate(parse_scenario({**LATE, **update}))
    return r, build_context(r, lang)


def test_a_missed_deadline_opens_the_recommendation_with_the_summary_s_figures() -> None:
    r, ctx = _context({})
    rec = str(ctx["recommendation"])
    assert r["deadline_slip_days"] > 0 and r.deadline_plan is not None and r.deadline_plan.cards == 4800
    assert rec.startswith("Not as proposed: the run misses the 60.0-day deadline by 203.8 days. 4,800 cards "
                          "(600 servers) meet it, planned at that count (59.9 days)")
    assert "4,800 cards (600 servers) meet it" in str(ctx["schedule_note"])  # one number in both places
    zh = str(build_context(r, "zh")["recommendation"])
    assert zh.startswith("不宜按所提方案执行") and "4,800 张卡（600 台服务器）按此卡数重新规划布局后需" in zh


def test_owning_cheaper_but_late_is_not_approved() -> None:
    r, ctx = _context({"pricing": {"price_per_card_hour": 200}})
    rec = str(ctx["recommendation"])
    assert r["own_cheaper"] == 1 and rec.startswith("Not as proposed")
    assert "Approve the purchase" not in rec and "less than renting the same card-hours" in rec


def test_a_met_deadline_keeps_the_recommendation_as_it_was() -> None:
    r, ctx = _context({"cluster": {"accelerator": "H800", "cards": 8000}})
    assert r["deadline_slip_days"] == 0
    assert not str(ctx["recommendation"]).startswith("Not as proposed")
    # Owning cheaper and on time (1,000 cards at ¥200 per rented card-hour; the 263.8-day run meets a 300-day
    # deadline): the purchase is recommended as before.
    r, ctx = _context({"pricing": {"price_per_card_hour": 200}, "training": {"tokens": "15T", "deadline_days": 300}})
    assert r["own_cheaper"] == 1 and r["deadline_slip_days"] == 0
    assert str(ctx["recommendation"]).startswith("Approve the purchase of 1,000 × NVIDIA H800")


def test_an_assumed_mfu_alone_keeps_the_purchase_recommended() -> None:
    """On time, owning cheaper, the days resting on an assumed MFU the model contradicts: the recommendation says
    so first and still recommends the purchase (only a missed deadline withholds it)."""
    r, ctx = _context({"pricing": {"price_per_card_hour": 200}, "training": {"tokens": "15T", "deadline_days": 300},
                       "assumptions": {"mfu": 0.45}})
    rec = str(ctx["recommendation"])
    assert r["own_cheaper"] == 1 and r["deadline_slip_days"] == 0
    assert rec.startswith("The ") and "rest on the assumed MFU of 45.0%" in rec and "Approve the purchase" in rec


def test_the_cover_says_the_deadline_is_missed() -> None:
    """The cover's days are no schedule that meets the deadline: its label says by how much it is missed (a review
    found a cover of 263.8 days with no word of the 60-day deadline the recommendation turns on)."""
    r, ctx = _context({})
    slip = f"{r['deadline_slip_days']:.1f}"
    assert str(ctx["headline"]["days_label"]) == f"Training time; {slip} days past the 60.0-day deadline"
    assert str(build_context(r, "zh")["headline"]["days_label"]) == f"训练时间；超出 60.0 天截止期限 {slip} 天"
    met = _context({"training": {"tokens": "15T", "deadline_days": 400}})[1]
    assert str(met["headline"]["days_label"]) == "Training time"


def test_the_count_that_meets_the_deadline_comes_with_its_budget() -> None:
    """The recommendation said "re-run this proposal at that count for its budget" while the alternatives already
    priced that count (compare() sizes each card to the deadline): it now quotes the own card's row, the same
    numbers as the alternatives table (a review)."""
    r, ctx = _context({})
    own = next(a for a in ctx["alternatives"]["comparison"].alternatives if a.accelerator == "H800")
    assert r.deadline_plan is not None and own.cards == r.deadline_plan.cards == 4800
    rec = str(ctx["recommendation"])
    assert (f"4,800 cards (600 servers) meet it, planned at that count (59.9 days): ¥{own.total_budget:,.0f} to own "
            f"over 3 years, or ¥{own.npv_rent:,.0f} to rent the work (present value; the alternatives below)") in rec
    assert "re-run this proposal" not in rec
    zh = str(build_context(r, "zh")["recommendation"])
    assert "3 年自建总预算 24.51亿元，或租用同样工作 8,892.06万元（现值；见下文方案对比）" in zh
