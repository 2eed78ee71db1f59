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
    # The bill of materials in one line (the table wraps it; compare without the wrapping).
    flat = " ".join(out.output.replace("│", " ").split())
    assert "Bill of materials" in flat and "32 leaf + 16 spine switches" in flat


def test_estimate_json_is_the_full_result():
    out = runner.invoke(app, ["estimate", "--json"])
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["figures"]["train_days"]["value"] == pytest.approx(estimate(default_scenario())["train_days"])


def test_the_json_scenario_estimates_again_to_the_same_plan(tmp_path):
    """The JSON's scenario is what was given: saved and estimated again, every figure is the same (a user's review
    found training.interleave echoed as 1 where the planner had chosen 8 stages, so the echo planned 1F1B)."""
    first = json.loads(runner.invoke(app, ["estimate", "--json"]).stdout)
    assert "interleave" not in first["scenario"]["training"] and "serving" in first["scenario"]
    echo = tmp_path / "echo.json"
    echo.write_text(json.dumps(first["scenario"]), encoding="utf-8")
    again = json.loads(runner.invoke(app, ["estimate", str(echo), "--json"]).stdout)
    assert again["figures"] == first["figures"] and again["scenario"] == first["scenario"]


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


def test_estimate_deadline_and_predicted_mfu_lines(tmp_path):
    from pathlib import Path

    text = (Path(__file__).parents[2] / "workbooks/scenarios/h800-1000-llama70b.yaml").read_text(encoding="utf-8")
    path = tmp_path / "deadline.yaml"
    path.write_text(text.replace("  pp: 5\n", "  pp: 5\n  deadline_days: 20\n"), encoding="utf-8")
    out = runner.invoke(app, ["estimate", str(path)], terminal_width=250)
    assert out.exit_code == 0, out.output
    assert "Deadline" in out.output and "missed by 6.7 days" in out.output
    assert "1,360 cards (170 servers)" in out.output
    r = estimate(default_scenario())
    assert "At the predicted MFU" in out.output and f"{r['train_days_predicted_mfu']:,.1f} days" in out.output
    plain = runner.invoke(app, ["estimate"], terminal_width=250)
    assert "Deadline" not in plain.output  # no deadline, no line


def test_catalog_gpus_shows_the_fp32_vector_peak_assumed_or_published() -> None:
    """The FP32 vector peak weight-only serving dequantises at: the datasheet's, or ~ the A100's per byte of HBM
    bandwidth where none is published (910B: 19.5 x 1.6 / 2.039 = 15.3)."""
    out = runner.invoke(app, ["catalog", "gpus"], terminal_width=200)
    assert out.exit_code == 0, out.output
    row = {line.split("│")[1].strip(): line for line in out.output.splitlines() if line.count("│") > 5}
    assert "~15.3" in row["910B"] and "67.0" in row["H100-SXM"] and "~" not in row["H100-SXM"].split("│")[4]
    assert "fp32: vector (non-tensor) TFLOPS" in " ".join(out.output.split())


def test_estimate_says_when_serving_needs_more_cards_than_the_cluster(tmp_path):
    """A fleet the serving demand outgrows is named on the serving line (the proposal's risk "needs
    more than the N proposed"), in English and Chinese; a fleet that suffices says nothing more, and
    an unnamed scenario's title says what it plans."""
    path = tmp_path / "serve.yaml"
    path.write_text("model: {preset: llama2-70b}\nserving: {users: 5000, tokens_per_request: 2500, "
                    "output_tokens: 500}\ncluster: {accelerator: H20, cards: 16}\n", encoding="utf-8")
    from xlcompute import parse_scenario

    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "cluster": {"accelerator": "H20", "cards": 16},
                                 "serving": {"users": 5000, "tokens_per_request": 2500, "output_tokens": 500}}))
    assert r["serving_cards"] > 16
    en = runner.invoke(app, ["estimate", str(path)], terminal_width=250)
    assert en.exit_code == 0, en.output
    flat = " ".join(en.output.replace("│", " ").split())  # the table wraps long cells
    assert f"{r['serving_cards']:,.0f} cards for 5,000 concurrent users" in flat
    assert "more than the 16 cards of the cluster" in flat
    assert "Llama-2-70B serving on 16 × H20" in flat
    zh = runner.invoke(app, ["estimate", str(path), "--lang", "zh"], terminal_width=250)
    assert zh.exit_code == 0 and "超过集群的16张卡" in "".join(zh.output.replace("│", " ").split())
    plain = runner.invoke(app, ["estimate"], terminal_width=250)
    assert "cards of the cluster" not in " ".join(plain.output.replace("│", " ").split())  # the default plan's 1,000 cards serve its users


def test_a_serving_only_json_has_no_training_run_figures():
    """A serving-only plan's JSON carries the serving and budget figures, not a training run's (a user's review: a
    script reading mem_fits 0 and 394.6 GB per card would conclude the serving plan does not fit)."""
    out = runner.invoke(app, ["estimate", "-s", "model=qwen2.5-72b", "-s", "serving.users=2000", "-s",
                              "accelerator=H20", "--json"])
    assert out.exit_code == 0, out.output
    figures = json.loads(out.stdout)["figures"]
    assert {f["sheet"] for f in figures.values()} == {"serving", "budget"}
    assert "mem_fits" not in figures and figures["serving_cards"]["value"] > 0
    both = json.loads(runner.invoke(app, ["estimate", "--json"]).stdout)["figures"]
    assert "mem_fits" in both and {"training", "step", "memory"} <= {f["sheet"] for f in both.values()}
