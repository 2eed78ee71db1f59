"""`xlcompute estimate | schema | catalog`: output, --help and one line per problem on bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xlcompute import default_scenario, estimate
from xlcompute.cli import app

runner = CliRunner()


def test_estimate_default_summary():
    out = runner.invoke(app, ["estimate"])
    assert out.exit_code == 0, out.output
    r = estimate(default_scenario())
    assert f"{r['train_days']:,.1f} days" in out.output
    assert "Llama-2-70B" in out.output and "H800" in out.output


def test_estimate_json_is_the_full_result():
    out = runner.invoke(app, ["estimate", "--json"])
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["figures"]["train_days"]["value"] == pytest.approx(estimate(default_scenario())["train_days"])


def test_bad_scenario_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "model: {preset: llama2-70b}\ntraining: {tokens: 2T, zero_stage: 5}\ncluster: {cards: 0}\n", encoding="utf-8"
    )
    out = runner.invoke(app, ["estimate", str(bad)])
    assert out.exit_code == 2
    lines = [line for line in out.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 2, out.output
    assert any("training.zero_stage" in line and "5" in line for line in lines)
    assert any("cluster.cards" in line for line in lines)
    assert "Traceback" not in out.output


def test_missing_file_is_an_error(tmp_path):
    out = runner.invoke(app, ["estimate", str(tmp_path / "nope.yaml")])
    assert out.exit_code == 2 and "does not exist" in out.output


def test_schema_is_json_schema():
    out = runner.invoke(app, ["schema"])
    assert out.exit_code == 0
    schema = json.loads(out.stdout)
    assert {"model", "training", "cluster", "pricing"} <= set(schema["properties"])


@pytest.mark.parametrize("what", ["gpus", "models"])
def test_catalog_lists(what):
    out = runner.invoke(app, ["catalog", what, "--json"])
    assert out.exit_code == 0
    rows = json.loads(out.stdout)
    assert len(rows) >= 10 and all(r["source"] for r in rows)


@pytest.mark.parametrize("cmd", [[], ["estimate"], ["schema"], ["catalog"], ["catalog", "gpus"], ["catalog", "models"]])
def test_help_everywhere(cmd):
    out = runner.invoke(app, [*cmd, "--help"])
    assert out.exit_code == 0 and "Usage" in out.output
