"""Budget and schedule risks whose words follow from the proposal's own figures. Renting the planned work
cheaper than owning the cluster: the risk says by how much (present values of the same work) and how busy
the planned work keeps the cluster; it is High when owning costs more than twice renting, and its
mitigation says what the recommendation says: whether more work could make owning pay (the graph's
break-even utilisation) or only a lower price could. A long run: the failures it sees, as its schedule
already counts them."""

from __future__ import annotations

from typing import Any

from xlcompute import fmt, registry
from xlcompute.estimate import Estimate, estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.policy import OWN_OVER_RENT_HIGH
from xlcompute.scenario import default_scenario, parse_scenario

LLAMA_405B: dict[str, Any] = {"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15T"},
                              "cluster": {"accelerator": "H100-SXM", "cards": 2048}}


def _rent_row(r: Estimate, lang: str = "en") -> dict[str, str]:
    rows = [row for row in build_context(r, lang)["risks"] if "Renting" in str(row["risk"]) or "租用计划" in str(row["risk"])]
    assert len(rows) == 1
    return {k: str(v) for k, v in rows[0].items()}


def test_owning_at_twenty_times_renting_is_a_high_risk_that_only_a_lower_price_mends() -> None:
    r = estimate(default_scenario())  # 1,000 H800 for a 26.7-day run and 48 serving cards
    ratio = r["npv_own"] / r["npv_rent"]
    assert r["own_cheaper"] == 0 and ratio > OWN_OVER_RENT_HIGH and r["break_even_utilisation"] > 1
    row = _rent_row(r)
    assert row["level"] == "high"
    assert f"({fmt.money(r['npv_own'])}, {fmt.count(ratio)} times as much)" in row["risk"]
    assert f"keeps it {fmt.percent(r['planned_utilisation'])} busy" in row["risk"]
    price = registry.format_value(r["rent_price_per_hour"], "rent_price_per_hour", r.scenario.pricing.currency)
    assert row["mitigation"].startswith(f"Rent: at {price} per rented card-hour owning does not pay")
    assert "Plan more work" not in row["mitigation"]  # the recommendation: more work would not make owning pay
    zh = _rent_row(r, "zh")
    assert f"为其 {fmt.count(ratio)} 倍" in zh["risk"] and zh["mitigation"].startswith("改为租用")


def test_a_close_call_is_medium_and_names_the_utilisation_that_makes_owning_pay() -> None:
    r = estimate(parse_scenario({**LLAMA_405B, "pricing": {"price_per_card_hour": 19}}))
    ratio = r["npv_own"] / r["npv_rent"]
    assert r["own_cheaper"] == 0 and 1 < ratio <= OWN_OVER_RENT_HIGH and 0 < r["break_even_utilisation"] < 1
    row = _rent_row(r)
    assert row["level"] == "medium" and f"{fmt.ratio(ratio)} times as much" in row["risk"]
    assert (f"owning pays once it is busy more than {fmt.percent(r['break_even_utilisation'])} of the time"
            in row["mitigation"])


def test_ratio_words() -> None:
    assert (fmt.ratio(1.43), fmt.ratio(20.33), fmt.ratio(3049.6), fmt.ratio(float("inf"))) == ("1.4", "20", "3,050", "—")


def test_the_long_run_risk_quotes_the_schedule_it_already_counts() -> None:
    """The failures a long run sees are in its schedule (goodput): the risk quotes the same interruptions,
    checkpoint interval, restart and ETTR as the schedule's paragraph, in both languages."""
    r = estimate(default_scenario())
    for lang, words in (("en", "unplanned interruptions"), ("zh", "非计划中断")):
        ctx = build_context(r, lang)
        row = next(row for row in ctx["risks"] if words in str(row["risk"]))
        for number in (fmt.expected(r["interruptions"]), registry.format_value(r["job_mtbf_hours"], "job_mtbf_hours", "CNY")):
            assert number in str(row["risk"]) and number in str(ctx["goodput"])
        for number in (fmt.number(r["checkpoint_interval_seconds"], 0), fmt.number(r["restart_seconds"], 0),
                       fmt.percent(r["effective_ratio"])):
            assert number in str(row["mitigation"]) and number in str(ctx["goodput"])


def test_a_small_cluster_that_expects_no_interruption_carries_no_long_run_risk() -> None:
    def long_run(cards: int, tokens: str) -> list[str]:
        r = estimate(parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": tokens},
                                     "cluster": {"accelerator": "H100-SXM", "cards": cards}}))
        assert r["train_days"] > 14
        rows = [str(row["risk"]) for row in build_context(r, "en")["risks"] if "unplanned interruption" in str(row["risk"])]
        return [f"{round(r['interruptions'])}"] + rows

    none, one = long_run(8, "200B"), long_run(64, "1.4T")  # 37 days, 0.14 expected; 34 days, 1.0 expected
    assert none == ["0"]  # 8 cards for weeks: a tenth of an interruption expected
    assert one[0] == "1" and "will likely see one unplanned interruption" in one[1]
