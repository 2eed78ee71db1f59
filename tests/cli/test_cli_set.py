"""``--set FIELD=VALUE``: a scenario typed on the command line (no file), or a file with fields changed, on every
command that reads a scenario; the proposal attaches the scenario its figures come from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.estimate import estimate
from xlcompute.scenario import load_scenario, parse_scenario, scenario_with

ROOT = Path(__file__).resolve().parents[2]
TYPED = ["model.preset=qwen2.5-72b", "training.tokens=18T", "cluster.accelerator=H800", "cluster.cards=1024"]
runner = CliRunner()


def _args(settings: list[str]) -> list[str]:
    return [x for s in settings for x in ("--set", s)]


def test_settings_alone_are_the_scenario_a_finance_user_types() -> None:
    res = runner.invoke(app, ["estimate", "--json", *_args(TYPED)])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)["figures"]["gpu_hours"]["value"]
    want = estimate(parse_scenario({"model": {"preset": "qwen2.5-72b"}, "training": {"tokens": "18T"},
                                    "cluster": {"accelerator": "H800", "cards": 1024}}))["gpu_hours"]
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("command", ["plan", "compare", "workbook"])
def test_every_scenario_command_takes_settings(command: str, tmp_path: Path) -> None:
    extra = ["-o", str(tmp_path / "w.xlsx")] if command == "workbook" else []
    res = runner.invoke(app, [command, *_args(TYPED), *extra])
    assert res.exit_code == 0, res.output
    assert "Qwen2.5-72B" in res.output or (tmp_path / "w.xlsx").is_file()


def test_a_setting_changes_a_files_value_and_keeps_the_rest() -> None:
    path = ROOT / "workbooks" / "scenarios" / "h800-1000-llama70b.yaml"
    base, changed = load_scenario(path), scenario_with(path, ["cluster.cards=2000", "pricing.years=5"])
    assert (changed.cluster.cards, changed.pricing.years) == (2000, 5)
    assert changed.model == base.model and changed.training == base.training and changed.name == base.name


@pytest.mark.parametrize(("setting", "message"), [
    ("cluster.cards", "'cluster.cards': write FIELD=VALUE with a dotted field, e.g. cluster.cards=1024"),
    ("=3", "'=3': write FIELD=VALUE"),
    ("cluster..cards=3", "write FIELD=VALUE"),
    ("cluster.cards=", "'cluster.cards=': no value after '='"),
    ("training.tokens.x=1", "training.tokens is a value, not a section of fields"),
    ("cluster.cards=lots", "cluster.cards: 'lots' is not a number"),
    ("cluster.gpus=8", "cluster.gpus: unknown field; did you mean cluster.cards?"),
])
def test_a_bad_setting_is_one_line_naming_it(setting: str, message: str) -> None:
    res = runner.invoke(app, ["estimate", *_args(TYPED), "--set", setting])
    assert res.exit_code == 2
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert any(message in x for x in lines), lines
    assert all(x.startswith("error: --set: ") for x in lines), lines
    with_file = runner.invoke(app, ["estimate", str(ROOT / "xlcompute/data/default_scenario.yaml"), "--set", setting])
    assert with_file.exit_code == 2 and "default_scenario.yaml with --set: " in with_file.stderr


def test_the_proposal_attaches_the_scenario_its_figures_come_from(tmp_path: Path) -> None:
    """Made with --set, the proposal used to attach the built-in default_scenario.yaml although its figures were
    not that scenario's; it now attaches the settings as a scenario file that reproduces them."""
    out = tmp_path / "p.pdf"
    res = runner.invoke(app, ["proposal", *_args(TYPED), "-o", str(out)])
    assert res.exit_code == 0, res.output
    attached = PdfReader(str(out)).attachments
    assert "default_scenario.yaml" not in attached and "scenario.yaml" in attached
    text = attached["scenario.yaml"][0].decode("utf-8")
    assert all(f"--set {s}" in text for s in TYPED)
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    again = estimate(load_scenario(tmp_path / "s.yaml"))
    assert again["gpu_hours"] == estimate(scenario_with(None, TYPED))["gpu_hours"]


def test_a_count_of_one_is_worded_in_the_singular() -> None:
    """A six-server serving fleet fits one rack: "1 rack", not "1 racks"; more stay plural."""
    res = runner.invoke(app, ["estimate", *_args(["model=qwen2.5-72b", "serving.users=500", "accelerator=H20"])],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "1 rack," in res.output and "1 racks" not in res.output
    res = runner.invoke(app, ["estimate"], env={"COLUMNS": "200"})
    assert " racks, " in res.output
