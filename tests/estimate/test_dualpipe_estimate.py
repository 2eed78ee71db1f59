"""A scenario that runs DeepSeek-V3's DualPipe schedule (training.dualpipe; [DSV3] §3.2.1): the estimate of the
paper's own layout, the errors, and what the CLI and the proposal say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from xlcompute import estimate
from xlcompute.cli import app
from xlcompute.report import render_html
from xlcompute.scenario import parse_scenario

# DeepSeek-V3 as its report trained it: PP 16, EP 64 on 2,048 H800, FP8 (the preset's recipe), 14.8T tokens.
DSV3: dict[str, Any] = {
    "name": "DeepSeek-V3 published layout",
    "model": {"preset": "deepseek-v3"},
    "training": {"tokens": "14.8T", "tp": 1, "pp": 16, "ep": 64},
    "cluster": {"accelerator": "H800", "cards": 2048},
}


def _with(**training: Any) -> dict[str, Any]:
    return {**DSV3, "training": {**DSV3["training"], **training}}


@pytest.fixture(scope="module")
def both() -> tuple[Any, Any]:
    return estimate(parse_scenario(DSV3)), estimate(parse_scenario(_with(dualpipe=True)))


def test_dualpipe_shortens_the_published_layouts_step(both: tuple[Any, Any]) -> None:
    plain, dual = both
    assert plain["dualpipe"] == 0 and dual["dualpipe"] == 1
    assert dual.inputs["dualpipe"].source == "scenario: training.dualpipe"
    assert dual["interleave"] == 1  # the planner does not interleave a DualPipe pipeline
    # 7 slots of (F&B + B − 3W) against 15 of F + B; half the head on the output layer's card
    assert dual["pp_bubble_seconds"] < 0.6 * plain["pp_bubble_seconds"]
    assert dual["stage_copies"] == 2 and dual["head_rank_logits_seconds"] == pytest.approx(dual["logits_seconds"] / 2)
    # the published 2.664M H800-hours: +70 % on 1F1B, about +60 % with DualPipe (the two weight copies cost it two
    # layers of full recomputation per stage to fit in 80 GB; one, +51 %, before the FP8 recipe's FP32 gradients)
    assert plain["gpu_hours"] / 2.664e6 - 1 == pytest.approx(0.70, abs=0.02)
    assert dual["gpu_hours"] / 2.664e6 - 1 == pytest.approx(0.60, abs=0.02)
    assert dual["recompute_layers"] == 2 and plain["recompute_layers"] == 0


def test_the_cli_and_the_proposal_name_the_schedule(both: tuple[Any, Any], tmp_path: Path) -> None:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", render_html(both[1], "en")))
    assert "TP 1 × PP 16 × DP 128, EP 64, DualPipe schedule" in text
    assert "DualPipe 调度" in render_html(both[1], "zh")
    path = tmp_path / "dsv3.yaml"
    path.write_text(yaml.safe_dump(_with(dualpipe=True)), encoding="utf-8")
    out = CliRunner().invoke(app, ["estimate", str(path)])
    assert out.exit_code == 0, out.output
    assert "TP 1 × PP 16 × DP 128, EP 64, DualPipe schedule, ZeRO-1" in re.sub(r"[│\s]+", " ", out.stdout)


@pytest.mark.parametrize(("training", "message"), [
    ({"pp": 15}, "training.dualpipe needs an even training.pp of 2 or more (got pp=15)"),
    ({"interleave": 2}, "training.dualpipe needs training.interleave 1 (got 2)"),
    ({"tp": None, "pp": None, "ep": None}, "training.dualpipe (true) needs training.tp and training.pp too"),
])
def test_a_dualpipe_it_cannot_run_is_named(training: dict[str, Any], message: str) -> None:
    data = _with(dualpipe=True, **training)
    data["training"] = {k: v for k, v in data["training"].items() if v is not None}
    with pytest.raises(ValueError) as err:
        estimate(parse_scenario(data))
    assert message in str(err.value)


def test_a_dualpipe_bubble_risk_does_not_propose_interleaving() -> None:
    # 4,096 sequences on 128 replicas: 32 micro-batches, the fewest DualPipe runs on 16 stages
    r = estimate(parse_scenario(_with(dualpipe=True, global_batch=4096)))
    assert r["grad_accum"] == 32 and r["pipeline_bubble"] > 0.10
    assert r["pipeline_bubble"] == pytest.approx(r["pp_bubble_seconds"] / (32 * r["microbatch_seconds"]))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", render_html(r, "en")))
    assert "The schedule is DualPipe already, which does not interleave" in text
    assert "Use the interleaved 1F1B schedule" not in text


def test_too_few_micro_batches_for_dualpipe_are_named() -> None:
    with pytest.raises(ValueError) as err:
        estimate(parse_scenario(_with(dualpipe=True, global_batch=1024)))
    assert str(err.value) == (
        "training.dualpipe needs at least 2·pp = 32 micro-batches per step, as DeepSeek's DualPipe code asks; the "
        "batch of 1,024 sequences gives 8 on each of the 128 replicas: give training.global_batch 4,096 or more, or "
        "a smaller training.pp")


def test_dualpipe_rounds_the_batch_to_pairs_of_micro_batches() -> None:
    # 4,224 sequences on 128 replicas are 33 micro-batches; DualPipe feeds half from each end, so 32 or 34
    plain = estimate(parse_scenario(_with(global_batch=4224)))
    dual = estimate(parse_scenario(_with(global_batch=4224, dualpipe=True)))
    assert plain["grad_accum"] == 33 and plain["global_batch"] == 4224
    assert dual["grad_accum"] in (32, 34) and dual["global_batch"] == 128 * dual["grad_accum"]
