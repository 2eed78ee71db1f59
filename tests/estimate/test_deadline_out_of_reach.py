"""A deadline the cards given miss and no cluster the deadline sizing tried meets: every face says so, and
none quotes the graph's same-MFU count (Llama-2-7B on 1T tokens by 0.02 days: 96,944 cards at 64 cards' ETTR,
a count no layout of the default batch reaches)."""

from __future__ import annotations

import re
from pathlib import Path

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
