"""The fifty-first session's reviews (helper-108, helper-109): what the command line says that it did not."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app

H100 = str(Path(__file__).resolve().parents[2] / "workbooks" / "scenarios" / "h100-2048-llama405b.yaml")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_serving_targets_no_replica_meets_are_said(lang: str) -> None:
    # A 0.1 s time-to-first-token target no replica of this 405B model meets on H100: the estimate sizes the fastest
    # replicas (batch 1, 112,960 cards) and printed their 0.153 s without saying it misses the target
    out = CliRunner().invoke(app, ["estimate", H100, "--set", "serving.ttft_s=0.1", "--lang", lang],
                             env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.replace("│", " ").split())
    said = ("above the targets (0.100 s to the first token" if lang == "en" else "高于目标（首 token 0.100 秒")
    assert said in text


def test_targets_met_add_nothing() -> None:
    out = CliRunner().invoke(app, ["estimate", H100], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and "above the targets" not in out.output
