"""A deadline the cards given miss and no cluster the deadline sizing tried meets: every face says so, and
none quotes the graph's same-MFU count (Llama-2-7B on 1T tokens by 0.02 days: 96,944 cards at 64 cards' ETTR,
a count no layout of the default batch reaches)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlcompute.batch import _plan_warnings
from xlcompute.cli import app
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import parse_scenario

SCENARIO = {"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T", "deadline_days": 0.02},
            "cluster": {"accelerator": "H800", "cards": 64}}


def _result(deadline: float = 0.02):  # type: ignore[no-untyped-def]
    data = {**SCENARIO, "training": {"tokens": "1T", "deadline_days": deadline}}
    return estimate(parse_scenario(data))


def test_out_of_reach_only_when_the_sizing_found_none() -> None:
    r = _result()
    assert r["deadline_slip_days"] > 0 and r.deadline_plan is None and r.deadline_out_of_reach()
    assert r["deadline_cards"] > 10_000  # the same-MFU count the faces no longer quote
    near = _result(0.05)  # missed by 64 cards, met by the 49,504 the sizing plans
    assert near["deadline_slip_days"] > 0 and near.deadline_plan is not None and not near.deadline_out_of_reach()
    met = _result(30)
    assert met["deadline_slip_days"] == 0 and not met.deadline_out_of_reach()


def test_the_proposal_says_no_cluster_meets_it() -> None:
    r = _result()
    count = f"{r['deadline_cards']:,.0f}"
    for lang, words in (("en", "no cluster the deadline sizing tried meets it"), ("zh", "试算过的卡数均无法按期完成")):
        ctx = build_context(r, lang)
        for part in ("schedule_note", "recommendation"):
            assert words in str(ctx[part]), (lang, part)
            assert count not in str(ctx[part]), (lang, part)
        assert [row["key"] for row in ctx["compute_rows"] if row["key"].startswith("deadline")] == [
            "deadline_days", "deadline_slip_days"]  # the same-MFU count is no row


def test_the_cli_and_the_batch_say_no_cluster_meets_it(tmp_path: Path) -> None:
    r = _result()
    count = f"{r['deadline_cards']:,.0f}"
    runner = CliRunner()
    for lang, words in (("en", "no cluster the deadline sizing tried meets it"), ("zh", "试算过的卡数均无法按期完成")):
        out = runner.invoke(app, ["estimate", "--lang", lang, "-s", "model=llama2-7b", "-s", "tokens=1T", "-s",
                                  "accelerator=H800", "-s", "cards=64", "-s", "deadline_days=0.02"],
                            env={"COLUMNS": "400"})
        assert out.exit_code == 0, out.output
        text = re.sub(r"[\s│]+", "" if lang == "zh" else " ", out.output)  # the table's wrapped cells as one line
        assert words in text and count not in text, lang
        warning = " ".join(_plan_warnings(r, lang))  # the batch's status line for the scenario
        assert words in warning and count not in warning, (lang, warning)


def test_fewer_cards_at_a_high_confidence_miss_the_target_not_the_deadline() -> None:
    """Sized to 60 days at 0.9 confidence, the fewer cards tried take 39.4 days: within 60, past the 39.0-day
    target the confidence sets; the proposal's summary says the target, not "past it"."""
    r = estimate(parse_scenario({"model": {"preset": "qwen2.5-72b"}, "cluster": {"accelerator": "H20"},
                                 "training": {"tokens": "2T", "deadline_days": 60, "deadline_confidence": 0.9}}))
    below = r.sized_miss_below()
    assert below is not None and r["deadline_plan_days"] < below.train_days < r["deadline_days"]
    en, zh = (str(build_context(r, lang)["schedule_note"]) for lang in ("en", "zh"))
    target = f"{r['deadline_plan_days']:.1f}"
    assert f"more than the {target} days that 90% confidence asks for" in en and "past it" not in en
    assert f"超出置信度 90% 所要求的 {target} 天" in zh and "超期" not in zh


def test_the_graphs_count_is_checked_at_its_own_ettr() -> None:
    """``deadline_cards_days``: the days on the graph's same-MFU count with that count's own ETTR (the
    workbook's live check beside the count). Out of reach, they lie far above the deadline; a deadline
    the sizing meets puts them below the target or within a few per cent above it (one ETTR correction), and 0 without one.
    Here the count misses by 7 % (its own ETTR); Llama-3.1-405B by 1 day on H20 misses by millions of days."""
    r = _result()
    assert r.deadline_out_of_reach()
    assert r["deadline_cards_days"] > 1.05 * r["deadline_plan_days"]
    far = estimate(parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "2T", "deadline_days": 1},
                                   "cluster": {"accelerator": "H20", "cards": 4096}}))
    assert far.deadline_out_of_reach() and far["deadline_cards_days"] > 1e6
    # More cards fail more often: at the count, the ETTR is lower than at the first count it was taken at.
    assert r["deadline_check_effective_ratio"] < r["deadline_effective_ratio"]
    for days in (0.05, 5.0, 30.0):
        near = _result(days)
        assert not near.deadline_out_of_reach()
        # Whole replicas and servers round the count up: at most the target, or a few per cent above it.
        assert 0 < near["deadline_cards_days"] <= 1.05 * near["deadline_plan_days"], days
    assert estimate(parse_scenario({**SCENARIO, "training": {"tokens": "1T"}}))["deadline_cards_days"] == 0


def test_the_check_equals_an_estimate_on_those_cards() -> None:
    """With the MFU given, the days on the count are the estimate's end-to-end days on that many cards: the
    same ETTR chain (core.goodput) and t = C / (n · X · MFU · ETTR) (seed 000 eq. 2)."""
    typed = {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "deadline_days": 10},
             "cluster": {"accelerator": "H800", "cards": 1024}, "assumptions": {"mfu": 0.4}}
    typed["training"] |= {"tp": 8, "pp": 4}  # the layout stays: whole replicas of 32 cards at any count
    r = estimate(parse_scenario(typed))
    cards = int(r["deadline_cards"])
    again = estimate(parse_scenario({**typed, "cluster": {"accelerator": "H800", "cards": cards}}))
    assert again["parallel_cards"] == cards  # whole replicas and servers: no card idle
    assert r["deadline_cards_days"] == pytest.approx(again["train_days"], rel=1e-9)
