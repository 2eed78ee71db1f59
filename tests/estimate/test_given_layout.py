"""A layout the scenario gives (tp and pp): the planner chooses the interleaved schedule it leaves open,
and the recomputation and ZeRO defaults it leaves yield to memory (issue 11)."""

from __future__ import annotations

import pytest
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
    # selective recomputation with 2 of each stage's 8 layers in full (Megatron-LM's block method)
    assert r["mem_fits"] == 1 and r["recompute_mode"] == 1 and r["recompute_layers"] == 2 and r["zero_stage"] == 1
    ex = r.plan.best[0].execution if r.plan is not None else None
    assert ex is not None and (ex.recompute, ex.recompute_layers) == ("selective", 2)
    src = r.inputs["recompute_layers"].source
    assert src.startswith("default for training.recompute_layers changed") and "89.2 GB per card of 80 GB" in src
    assert "recompute selective with 2 layers per stage in full is the fastest setting that fits" in src
    assert "取放得下的最快设置：每级 2 层完全重计算" in source_text(r.inputs["recompute_layers"], "zh")
    assert r.inputs["recompute_mode"].source.startswith("default for training.recompute = selective")  # unchanged
    assert r.inputs["zero_stage"].source.startswith("default for training.zero_stage:")  # unchanged, not "changed"
    # the same layout evaluated with that setting typed in gives the same step
    typed = estimate(_scenario(recompute_layers=2))
    assert typed["predicted_step_seconds"] == r["predicted_step_seconds"]
    # full recomputation, which fitted before partial recomputation was modelled, is slower
    full = estimate(_scenario(recompute="full"))
    assert full["mem_fits"] == 1 and full["predicted_step_seconds"] > 1.15 * r["predicted_step_seconds"]


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
    assert ("recompute selective, 2 of 8 layers per stage in full; global batch 2,048 sequences; layers recomputed "
            "in full changed from the default") in flat(out.output)
    assert "DOES NOT FIT" not in out.output
    zh = runner.invoke(app, ["estimate", str(path), "--lang", "zh"])
    assert "完全重计算的层数已由默认值调整" in flat(zh.output).replace(" ", "")
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
    path.write_text(text % ", interleave: 1", encoding="utf-8")
    plain = runner.invoke(app, ["estimate", str(path)])
    assert "interleaved" not in flat(plain.output) and "TP 8 × PP 16 × DP 128, ZeRO-1" in flat(plain.output)
    path.write_text(text % "", encoding="utf-8")  # left open: the planner's schedule, said so
    chosen = flat(runner.invoke(app, ["estimate", str(path)]).output)
    assert "TP 8 × PP 16 × DP 128, 8 interleaved stages per card" in chosen
    assert "interleaving chosen by the planner, the fastest schedule for this layout" in chosen


def _default(**training: object):  # type: ignore[no-untyped-def]
    """The default scenario (TP 8 × PP 5 on 1,000 H800, batch 1,000) with training fields changed;
    the fields it leaves to their defaults stay open."""
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    return parse_scenario({**data, "training": {**data["training"], **training}})


def test_a_given_layout_takes_the_planners_fastest_interleaved_schedule_that_keeps_the_batch() -> None:
    """Issue 11: a user who types tp and pp but not the schedule gets the schedule the planner would
    choose for that layout (estimate._fit_given_layout), not Megatron's plain 1F1B by default."""
    from xlcompute.planner.plan import RECOMMEND_OPTIONS
    from xlcompute.planner.search import interleave_sizes

    d = estimate(default_scenario())
    sizes = interleave_sizes(80, 5, RECOMMEND_OPTIONS)
    assert sizes == [1, 2, 3, 4, 6, 8, 16]  # unequal chunks of 16 layers: the fewest stages per largest chunk
    typed = {v: estimate(_default(interleave=v)) for v in sizes}
    assert all(t["global_batch"] == 1000 for t in typed.values())  # 40 micro-batches per replica: a multiple of 5
    fastest = min(sizes, key=lambda v: (typed[v]["predicted_step_seconds"], v))
    assert d["interleave"] == fastest == 8 and d["global_batch"] == 1000
    assert d["predicted_step_seconds"] == typed[8]["predicted_step_seconds"]
    assert d["predicted_mfu"] == pytest.approx(0.254, abs=5e-4)  # 0.237 on the plain schedule (0.260, 0.244 before
    # the interleaved schedule's data-parallel windows)
    assert typed[1]["predicted_mfu"] == pytest.approx(0.237, abs=5e-4)
    o = d.inputs["interleave"].origin
    assert o is not None and (o.kind, o.option, o.field) == ("planner", "schedule", "training.interleave")
    assert o.numbers == (8.0, typed[8]["predicted_step_seconds"], typed[1]["predicted_step_seconds"])
    src = d.inputs["interleave"].source
    assert src.startswith("default for training.interleave: 8 virtual stages per card, the planner's fastest")
    assert "keeps its batch of 1,000 sequences" in src and "training.interleave: 1 for the plain 1F1B" in src
    assert "最快交错调度，每卡 8 个虚拟流水线级" in source_text(d.inputs["interleave"], "zh")
    # a schedule the scenario gives is kept, 1 included
    assert typed[1]["interleave"] == 1 and typed[1].inputs["interleave"].source.startswith("scenario: training.interleave")
    assert typed[4]["interleave"] == 4


def test_a_schedule_that_would_change_the_batch_or_has_one_stage_is_not_taken() -> None:
    # 1,025 sequences on 25 replicas: 41 micro-batches each, not a multiple of the 5 stages, so any
    # interleaved schedule would round the batch (to 1,000); the plain schedule keeps it.
    odd = estimate(_default(global_batch=1025))
    assert odd["global_batch"] == 1025 and odd["interleave"] == 1
    assert odd.inputs["interleave"].source.startswith("default for training.interleave")
    assert estimate(_default(global_batch=1025, interleave=8))["global_batch"] == 1000  # what it would have done
    one = estimate(_default(tp=8, pp=1, recompute="full", zero_stage=1))
    assert one["interleave"] == 1 and one.inputs["interleave"].origin.option != "schedule"


def test_llama3_published_layout_interleaves_and_recomputes_to_fit() -> None:
    """Meta's TP 8 × PP 16 layout for Llama 3.1 405B typed without a schedule: 8 virtual stages of
    126 layers (unequal chunks) with 2 of each stage's 8 layers recomputed in full, as the selective
    default does not fit; the plain schedule's 15/16 bubble gives far less."""
    r = estimate(_scenario())
    plain = estimate(_scenario(interleave=1))
    assert (r["interleave"], r["recompute_mode"], r["recompute_layers"], r["mem_fits"]) == (8, 1, 2, 1)
    assert plain["recompute_mode"] == 1 and plain["recompute_layers"] == 2 and plain["mem_fits"] == 1
    assert r["predicted_mfu"] > 1.5 * plain["predicted_mfu"]
    assert r.inputs["recompute_layers"].origin.option == "yield" and r.inputs["interleave"].origin.option == "schedule"
