"""What a new user's walk-through of the command line found (2026-12-06) and is now held: a proposal typed with
--set is named after what it plans, --set over a file says the file's name is kept, the serving line names its
precision and says when its card is extrapolated, an assumed MFU's step is marked as such."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.scenario import DEFAULT_SCENARIO_PATH

runner = CliRunner()


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_a_proposal_typed_with_set_is_named_after_what_it_plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = runner.invoke(app, ["proposal", "--html", "-s", "model=70B", "-s", "tokens=2T", "-s", "accelerator=H800",
                              "-s", "cards=512"])
    assert out.exit_code == 0, out.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["dense-70b-training-on-512-h800-proposal-en.html"]


def test_set_over_a_file_says_its_name_is_kept(tmp_path: Path) -> None:
    copy = tmp_path / "my.yaml"
    copy.write_text(DEFAULT_SCENARIO_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    out = runner.invoke(app, ["estimate", str(copy), "--set", "cluster.cards=2000"])
    assert out.exit_code == 0, out.output
    assert "note: cluster.cards set on the command line; the scenario's name and description are kept" in \
        _flat(out.stderr)
    renamed = runner.invoke(app, ["estimate", str(copy), "--set", "cluster.cards=2000", "--set", "name=2000 cards"])
    assert "note:" not in renamed.stderr
    assert "note:" not in runner.invoke(app, ["estimate", "-s", "cluster.cards=2000", "-s", "model=70B",
                                              "-s", "tokens=2T"]).stderr  # no file: nothing kept


def test_the_serving_line_names_the_precision_and_an_extrapolated_card() -> None:
    on_910b = _flat(runner.invoke(app, ["estimate", "-s", "model=qwen2.5-72b", "-s", "users=2000",
                                        "-s", "accelerator=910B"]).output)
    assert "(4 per replica, BF16 weights); extrapolated: no serving measurement on this card calibrates" in on_910b
    on_h20 = _flat(runner.invoke(app, ["estimate", "-s", "model=qwen2.5-72b", "-s", "users=2000",
                                       "-s", "accelerator=H20"]).output)
    assert "BF16 weights)" in on_h20 and "extrapolated: no serving" not in on_h20  # the H20 factor is fitted
    # DeepSeek-V3 is released in FP8 only: served so where the card has FP8
    dsv3 = _flat(runner.invoke(app, ["estimate", "-s", "model=deepseek-v3", "-s", "users=1000",
                                     "-s", "accelerator=H20"]).output)
    assert "112 cards for 1,000 concurrent users (16 per replica, FP8 weights)" in dsv3


def test_the_assumed_mfu_step_is_marked() -> None:
    text = _flat(runner.invoke(app, ["estimate"]).output)
    assert "887.2 tokens/s, 4.62 s per step at the assumed MFU" in text
    assert "42.0 days, ¥15,119,535 at rental prices, at 25.4% (at the assumed 40.0%: 26.7 days" in text


def test_a_preset_with_its_size_given_says_the_shape_is_the_presets() -> None:
    text = _flat(runner.invoke(app, ["estimate", "-s", "model.preset=llama2-70b", "-s", "model.params=100B",
                                     "-s", "tokens=2T", "-s", "accelerator=H800", "-s", "cards=1000"]).output)
    assert "Llama-2-70B: 100.0B parameters (100.0B active); model.params given: that count, with the preset's " \
           "layers and widths" in text
    assert "model.params given" not in _flat(runner.invoke(app, ["estimate"]).output)
