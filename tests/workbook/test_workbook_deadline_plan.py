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
