"""The cards the deadline sizing plans appear in the workbook as the CLI and the proposal give them: a static
figure of the planner block, beside the Goodput sheet's live count, which keeps the given cluster's MFU and ETTR
(a quantity shown in two places shows one number; two quantities are labelled apart)."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.estimate import estimate
from xlcompute.scenario import parse_scenario
from xlcompute.workbook import build_workbook
from xlcompute.workbook.text import text

TYPED = {"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "15T", "deadline_days": 60},
         "cluster": {"accelerator": "H800", "cards": 1000}}


def _row(ws: Any, label: str) -> Any:
    return next(row for row in ws.iter_rows() if row[0].value == label)


def test_the_planned_deadline_count_is_the_cli_and_proposal_count() -> None:
    r = estimate(parse_scenario(TYPED))
    assert r.deadline_plan is not None
    planned = r.deadline_plan.cards
    # The graph's live count keeps the 1,000-card plan's MFU and ETTR: another quantity, another number.
    assert planned == 4800 and int(r["deadline_cards"]) != planned
    for lang in ("en", "zh"):
        ws = build_workbook(r, lang)["训练" if lang == "zh" else "Training"]
        cards = _row(ws, text("plan_deadline_cards", lang))
        days = _row(ws, text("plan_deadline_days", lang))
        assert cards[1].value == planned and cards[1].number_format == "#,##0"
        assert days[1].value == r.deadline_plan.train_days <= 60
    res = CliRunner().invoke(app, ["estimate", "-s", "model=llama3.1-70b", "-s", "tokens=15T", "-s", "accelerator=H800",
                                   "-s", "cards=1000", "-s", "training.deadline_days=60"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "4,800 cards" in res.output


def test_no_deadline_no_row() -> None:
    r = estimate(parse_scenario({**TYPED, "training": {"tokens": "15T"}}))
    ws = build_workbook(r, "en")["Training"]
    assert all(row[0].value != text("plan_deadline_cards", "en") for row in ws.iter_rows())


def test_a_deadline_no_cluster_meets_says_none() -> None:
    """Llama-3.1-405B on 2T tokens by 1 day on H20: the sizing finds no cluster; the planner block says so, as the
    CLI and the proposal do, and the Goodput sheet's same-MFU count stands beside its own days (millions)."""
    r = estimate(parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "2T", "deadline_days": 1},
                                 "cluster": {"accelerator": "H20", "cards": 4096}}))
    assert r.deadline_out_of_reach() and r["deadline_cards_days"] > 1e6
    for lang in ("en", "zh"):
        book = build_workbook(r, lang)
        cards = _row(book["训练" if lang == "zh" else "Training"], text("plan_deadline_cards", lang))
        assert cards[1].value == text("plan_deadline_none", lang)
        assert all(row[0].value != text("plan_deadline_days", lang)
                   for row in book["训练" if lang == "zh" else "Training"].iter_rows())
