"""A layout the scenario gives (tp and pp): the defaults it leaves yield to memory (issue 11)."""

from __future__ import annotations

from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario, parse_scenario
from xlcompute.sources import source_text

# Llama 3's published 405B layout (arXiv:2407.21783 Table 4): TP 8, PP 16, DP 128, 2,048 sequences of 8K.
_LLAMA3 = {"model": {"preset": "llama3.1-405b"},
           "training": {"tokens": "15.6T", "seq_len": 8192, "tp": 8, "pp": 16, "global_batch": 2048},
           "cluster": {"accelerator": "H100", "cards": 16384}}


def _scenario(**training: object):  # type: ignore[no-untyped-def]
    return parse_scenario({**_LLAMA3, "training": {**_LLAMA3["training"], **training}})


def test_a_default_that_does_not_fit_the_given_layout_yields_to_the_fastest_setting_that_fits() -> None:
    both = estimate(_scenario(recompute="selective", zero_stage=1))  # given: kept, and reported as not fitting
    assert both["mem_fits"] == 0 and both["mem_per_gpu"] / 1e9 > 80
    assert both.inputs["recompute_mode"].source.startswith("scenario: training.recompute")
    r = estimate(_scenario())
    assert (r["tp"], r["pp"], r["dp"]) == (8, 16, 128)  # the layout stays the scenario's
    assert r["mem_fits"] == 1 and r["recompute_mode"] == 2 and r["zero_stage"] == 1
    assert r.plan is not None and r.plan.best[0].execution.recompute == "full"
    src = r.inputs["recompute_mode"].source
    assert src.startswith("default for training.recompute changed") and "89.2 GB per card of 80 GB" in src
    assert "recompute full is the fastest setting that fits" in src
    assert "取放得下的最快设置 full" in source_text(r.inputs["recompute_mode"], "zh")
    assert r.inputs["zero_stage"].source.startswith("default for training.zero_stage:")  # unchanged, not "changed"
    # the same layout evaluated with that setting typed in gives the same step
    typed = estimate(_scenario(recompute="full"))
    assert typed["predicted_step_seconds"] == r["predicted_step_seconds"]


def test_a_setting_the_scenario_gives_is_kept_and_the_other_default_yields() -> None:
    r = estimate(_scenario(recompute="selective"))
    assert r["recompute_mode"] == 1 and r["mem_fits"] == 1
    assert r["zero_stage"] >= 2  # ZeRO 0/1 cannot fit with selective recomputation; 2/3 are searched next
    assert r.inputs["zero_stage"].source.startswith("default for training.zero_stage changed")
    assert r.inputs["recompute_mode"].source.startswith("scenario: training.recompute")


def test_a_fitting_given_layout_and_the_default_scenario_keep_their_settings() -> None:
    d = estimate(default_scenario())
    assert d["mem_fits"] == 1 and d["recompute_mode"] == 1 and d["zero_stage"] == 1
    small = estimate(parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T", "tp": 1, "pp": 1},
                                     "cluster": {"accelerator": "H100", "cards": 64}}))
    assert small.inputs["recompute_mode"].source.startswith("default for training.recompute = selective")


def test_the_sources_of_equal_scenarios_follow_what_each_gives() -> None:
    """Equal values, one typed and one left to the default: the cached inputs must not mix them up."""
    left = estimate(_scenario())
    typed = estimate(_scenario(zero_stage=1))
    assert left.inputs["zero_stage"].source.startswith("default for")
    assert typed.inputs["zero_stage"].source.startswith("scenario: training.zero_stage")


def test_the_cli_says_why_the_layout_line_differs_and_plan_names_the_given_layout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "llama3.yaml"
    path.write_text("model: {preset: llama3.1-405b}\n"
                    "training: {tokens: 15.6T, seq_len: 8192, tp: 8, pp: 16, global_batch: 2048}\n"
                    "cluster: {accelerator: H100, cards: 16384}\n", encoding="utf-8")
    runner = CliRunner()
    def flat(text: str) -> str:  # the table's cells wrap: read them as one line of words
        return " ".join(text.replace("│", " ").split())

    out = runner.invoke(app, ["estimate", str(path)])
    assert out.exit_code == 0, out.output
    assert "recompute full; global batch 2,048 sequences; recomputation changed from the default" in flat(out.output)
    assert "DOES NOT FIT" not in out.output
    zh = runner.invoke(app, ["estimate", str(path), "--lang", "zh"])
    assert "重计算已由默认值调整" in flat(zh.output).replace(" ", "")
    plan = runner.invoke(app, ["plan", str(path), "--top", "1"])
    assert plan.exit_code == 0, plan.output
    assert "The scenario fixes its layout, TP 8 × PP 16 × DP 128: xlcompute estimate uses it" in flat(plan.output)


def test_the_cli_layout_line_names_interleaved_stages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Llama 3's published layout with 8 interleaved chunks on 16 stages of 126 layers (unequal
    chunks): the layout line names them, in both languages; without interleaving it says nothing."""
    path = tmp_path / "llama3.yaml"
    text = ("model: {preset: llama3.1-405b}\n"
            "training: {tokens: 15.6T, seq_len: 8192, tp: 8, pp: 16, global_batch: 2048%s}\n"
            "cluster: {accelerator: H100, cards: 16384}\n")
    runner = CliRunner()

    def flat(out: str) -> str:
        return " ".join(out.replace("│", " ").split())

    path.write_text(text % ", interleave: 8", encoding="utf-8")
    en = runner.invoke(app, ["estimate", str(path)])
    assert en.exit_code == 0, en.output
    assert "TP 8 × PP 16 × DP 128, 8 interleaved stages per card, ZeRO-1" in flat(en.output)
    zh = runner.invoke(app, ["estimate", str(path), "--lang", "zh"])
    assert "每卡8个交错流水线级" in flat(zh.output).replace(" ", "")
    path.write_text(text % "", encoding="utf-8")
    plain = runner.invoke(app, ["estimate", str(path)])
    assert "interleaved" not in flat(plain.output) and "TP 8 × PP 16 × DP 128, ZeRO-1" in flat(plain.output)
