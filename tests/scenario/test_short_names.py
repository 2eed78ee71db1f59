"""Short names: a table's columns or --set fields written without their section (model, tokens,
accelerator, cards, users, mfu) go to the one section that has the field; a table with those columns
failed every row with "unknown field"."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.scenario import ScenarioError, parse_scenario, place_short_names, scenario_with


def test_short_names_land_in_their_sections() -> None:
    flat = {"model": "llama3.1-8b", "tokens": "1T", "accelerator": "H800", "cards": 256, "mfu": "40%",
            "users": 100, "currency": "USD", "gpus_per_node": None}
    placed = place_short_names({k: v for k, v in flat.items() if v is not None})
    assert placed == {"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T"},
                      "cluster": {"accelerator": "H800", "cards": 256}, "assumptions": {"mfu": "40%"},
                      "serving": {"users": 100}, "pricing": {"currency": "USD"}}
    full = parse_scenario({"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T"},
                           "cluster": {"accelerator": "H800", "cards": 256}, "assumptions": {"mfu": 0.4},
                           "serving": {"users": 100}, "pricing": {"currency": "USD"}})
    assert parse_scenario(placed) == full
    # Other tools' names as the unknown-field hints know them; a size as the model is model.params.
    assert place_short_names({"gpus": 64, "sequence_length": 8192, "model": "70B"}) == {
        "cluster": {"cards": 64}, "training": {"seq_len": 8192}, "model": {"params": "70B"}}


@pytest.mark.parametrize(("data", "words"), [
    ({"model": "llama3.1-8b", "tokens": "1T", "tp": 2}, "tp: unknown field; did you mean training.tp or serving.tp?"),
    ({"model": "llama3.1-8b", "tokens": "1T", "cards": 64, "cluster": {"cards": 128}},
     "cards: unknown field; cluster.cards is given too; give it once, as cluster.cards"),
])
def test_what_cannot_be_placed_is_named(data: dict, words: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScenarioError, match=words):
        parse_scenario(data)


def test_set_short_names_change_a_file_and_a_new_mfu_drops_the_file_s_citation(tmp_path: Path) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text("model: {preset: llama2-70b}\ntraining: {tokens: 2T, tp: 8, pp: 4}\ncluster: {cards: 1024}\n"
                 "assumptions: {mfu: 0.4, mfu_source: 'Llama 3 report'}\n", encoding="utf-8")
    sc = scenario_with(f, ["cards=2048", "mfu=0.35"])
    assert sc.cluster.cards == 2048 and sc.assumptions.mfu == 0.35 and sc.assumptions.mfu_source is None
    kept = scenario_with(f, ["cards=2048"])
    assert kept.assumptions.mfu_source == "Llama 3 report"
    cited = scenario_with(f, ["mfu=0.35", "assumptions.mfu_source=our pilot"])
    assert cited.assumptions.mfu_source == "our pilot"


def test_a_table_with_short_columns_runs(tmp_path: Path) -> None:
    table = tmp_path / "plans.csv"
    table.write_text("name,model,tokens,accelerator,cards\na,llama3.1-8b,1T,H800,256\nb,70B,2T,A800,1024\n",
                     encoding="utf-8")
    run = CliRunner().invoke(app, ["batch", str(table), "-o", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    ws = openpyxl.load_workbook(tmp_path / "out" / "index.xlsx").active
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["a"][2] == rows["b"][2] == "ok" and rows["a"][5] == 256 and rows["b"][3] == "Dense-70B"
