"""A scenario that gives its pipeline's first/last-stage layers (training.first_stage_layers,
training.last_stage_layers; issue 11 §2): the estimate, its errors and what the CLI and proposal say."""

from __future__ import annotations

import json
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

# Llama 3.1 405B as its report trained it on 16 stages: one layer fewer on the first and the last (Dubey
# et al. 2024 §3.3.2), TP 8, 2,048 H100 (the example workbook's cluster).
LLAMA3: dict[str, Any] = {
    "name": "405B split",
    "model": {"preset": "llama3.1-405b"},
    "training": {"tokens": "15.6T", "seq_len": 8192, "global_batch": 2048, "tp": 8, "pp": 16, "interleave": 1},
    "cluster": {"accelerator": "H100-SXM", "cards": 2048},
}


def _with(**training: Any) -> dict[str, Any]:
    return {**LLAMA3, "training": {**LLAMA3["training"], **training}}


def test_the_split_is_an_input_and_paces_the_step() -> None:
    even = estimate(parse_scenario(LLAMA3))
    split = estimate(parse_scenario(_with(first_stage_layers=7, last_stage_layers=7)))
    assert (even["stage_layers_first"], even["stage_layers_even"], even["stage_layers_last"]) == (8, 8, 8)
    assert (split["stage_layers_first"], split["stage_layers_even"], split["stage_layers_last"]) == (7, 8, 7)
    assert split.inputs["first_stage_layers"].source == "scenario: training.first_stage_layers"
    # 7 layers and the output layer weigh less than 8 layers: a middle stage paces the pipeline, the step is
    # shorter by about the output layer per micro-batch
    assert even["head_stage_slowest"] == 1 and split["head_stage_slowest"] == 0
    saved = (even["microbatch_seconds"] - split["microbatch_seconds"]) * split["grad_accum"]
    assert saved == pytest.approx(split["logits_seconds"] * split["grad_accum"], rel=1e-9)
    assert split["predicted_step_seconds"] < even["predicted_step_seconds"]
    assert split["pp_bubble_seconds"] == pytest.approx(even["pp_bubble_seconds"], rel=1e-12)  # the fullest: 8


@pytest.mark.parametrize(("training", "message"), [
    ({"tp": None, "pp": None, "first_stage_layers": 7},
     "training.first_stage_layers (7) needs training.tp and training.pp too"),
    ({"last_stage_layers": 115},
     "training.first_stage_layers (0) and training.last_stage_layers (115) add up to 115 of layers=126, leaving 11 "
     "for the other 15 of pp=16 stages; each stage needs a layer at least (allowed: first + last at most 111)"),
    ({"pp": 1, "last_stage_layers": 7},
     "training.first_stage_layers (0) and training.last_stage_layers (7) need pp of 2 or more (got pp=1)"),
])
def test_a_split_that_cannot_be_is_named(training: dict[str, Any], message: str) -> None:
    data = _with(**training)
    data["training"] = {k: v for k, v in data["training"].items() if v is not None}
    with pytest.raises(ValueError) as err:
        estimate(parse_scenario(data))
    assert message in str(err.value)


def _plain(text: str) -> str:
    """Text with the table's borders and wrapping taken out."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┆]", " ", re.sub(r"<[^>]+>", " ", text)))


def test_the_cli_and_the_proposal_name_the_split(tmp_path: Path) -> None:
    data = _with(first_stage_layers=7, last_stage_layers=7)
    path = tmp_path / "split.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(app, ["estimate", str(path)])
    assert out.exit_code == 0, out.output
    assert "TP 8 × PP 16 × DP 16, first stage 7 layers, last 7, the others 8" in _plain(out.stdout)
    zh = runner.invoke(app, ["estimate", str(path), "--lang", "zh"])
    assert "首级7层，末级7层，其余各级8层" in _plain(zh.stdout).replace(" ", "")
    js = json.loads(runner.invoke(app, ["estimate", str(path), "--json"]).stdout)
    assert js["inputs"]["first_stage_layers"]["value"] == 7
    assert js["figures"]["stage_layers_even"]["value"] == 8
    result = estimate(parse_scenario(data))
    assert "TP 8 × PP 16 × DP 16 (first stage 7 layers, last 7, the others 8)" in _plain(render_html(result, "en"))
    assert "（首级 7 层，末级 7 层，其余各级 8 层）" in _plain(render_html(result, "zh"))


def test_the_planners_interleave_counts_the_fullest_stage() -> None:
    # 1 · 9 … 9 · 1 layers on 16 stages: the interleaved schedule the estimate picks is sized for stages of 9 layers
    # (one layer a chunk is 9 virtual stages), not the ⌈126/16⌉ = 8 of an even split
    from xlcompute.planner.plan import RECOMMEND_OPTIONS
    from xlcompute.planner.search import interleave_sizes

    data = _with(first_stage_layers=1, last_stage_layers=1)
    data["training"] = {k: v for k, v in data["training"].items() if k != "interleave"}
    picked = estimate(parse_scenario(data))
    assert picked["layers_per_stage"] == 9
    assert picked["interleave"] in interleave_sizes(126, 16, RECOMMEND_OPTIONS, 9)
    typed = estimate(parse_scenario(_with(first_stage_layers=1, last_stage_layers=1, interleave=8)))
    assert picked["predicted_step_seconds"] < typed["predicted_step_seconds"]  # v = 8 leaves chunks of 2 layers
