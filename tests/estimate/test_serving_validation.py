"""The serving validation (xlcompute.serving_validation, `xlcompute validate --serving`): the
pre-registered rows are read unchanged, the fit sees calibration rows only, the first predictions
recorded in the file's dated note are what the committed model gives, the CLI prints each metric
apart."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.serving_model import FITTED
from xlcompute.serving_validation import (
    SERVING_RUNS,
    ServingRun,
    fit,
    load_serving_runs,
    predict_run,
    validate_serving,
)

runner = CliRunner()


def test_rows_are_the_preregistered_set() -> None:
    runs = load_serving_runs()
    assert len(runs) == 81
    cal = [r for r in runs if r.role == "calibration"]
    assert len(cal) == 29 and {r.source for r in cal} == {"TRTLLM06"}
    held = [r for r in runs if r.role == "held_out"]
    assert {r.source for r in held} == {"LMD01", "GPTFAST", "MLPERF40", "NIM18"} and len(held) == 52


def test_rows_unchanged_since_preregistration() -> None:
    """The data above the dated note is byte-identical to the pre-registered file (commit eba45db of
    main, the branch point): only the note below the rows was appended."""
    text = SERVING_RUNS.read_text(encoding="utf-8")
    head = text.split("\n# ---------------------------------------------------------------------------------------------------\n# Note 2026-12-02")[0]
    assert hashlib.sha256(head.encode()).hexdigest() == PREREGISTERED_SHA256


PREREGISTERED_SHA256 = "ec493cc419834f66d5cb07538bb2126f1deb7fc8c691f08f223eae106913e1f7"  # git show eba45db:...yaml | sha256sum


def test_fit_uses_calibration_rows_only() -> None:
    """Changing every held-out measurement leaves the fitted constants unchanged; changing a
    calibration measurement moves them."""
    runs = load_serving_runs()

    def scaled(r: ServingRun, f: float) -> ServingRun:
        measured = {k: (v * f if isinstance(v, (int, float)) else v) for k, v in r.measured.items()}
        derived = {k: (v * f if isinstance(v, (int, float)) else v) for k, v in r.derived.items()}
        return r.model_copy(update={"measured": measured, "derived": derived})

    held_changed = tuple(scaled(r, 3.0) if r.role == "held_out" else r for r in runs)
    base = fit(runs)
    assert fit(held_changed) == base
    cal_changed = tuple(scaled(r, 0.5) if r.role == "calibration" else r for r in runs)
    assert fit(cal_changed) != base


def test_committed_constants_are_the_fit() -> None:
    k = fit()
    for name in ("compute_efficiency_16", "compute_efficiency_fp8", "hbm_efficiency", "layer_overhead_s"):
        assert getattr(k, name) == pytest.approx(getattr(FITTED, name), rel=1e-6), name


def test_first_predictions_match_the_dated_note() -> None:
    """The figures written in serving_runs.yaml's dated note (first predictions, commit 7a1c5eb) are
    those the committed model gives; a model change must come with a new dated note."""
    rep = validate_serving()
    expected = {("calibration", "ttft"): 8.6, ("calibration", "throughput"): 17.6, ("held_out", "ttft"): 18.4,
                ("held_out", "tpot"): 53.0, ("held_out", "throughput"): 16.1}
    for (role, metric), value in expected.items():
        s = rep.summary(role, metric)
        assert s is not None and round(s.mean_abs_error_pct, 1) == value, (role, metric)
    counts = {(s.role, s.source, s.metric): s.count for s in rep.summaries}
    assert counts[("held_out", "all", "tpot")] == 46  # 49 pre-registered, 3 MLPerf not predicted
    assert counts[("held_out", "all", "throughput")] == 19 and counts[("held_out", "all", "ttft")] == 17
    assert counts[("held_out", "NIM18", "tpot")] == 9 and counts[("held_out", "GPTFAST", "tpot")] == 13
    assert len(rep.not_predicted) == 6 and all(k.startswith("mlperf40") for k in rep.not_predicted)


def test_predictions_follow_the_physics() -> None:
    runs = {r.id: r for r in load_serving_runs()}
    # INT4 weights decode faster than INT8, which decode faster than bf16 (fewer bytes per step).
    t = {q: predict_run(runs[f"gptfast-a100-llama2-7b-tp1-{q}"], FITTED)["tpot"] for q in ("bf16", "int8", "int4-g32")}
    assert t["int4-g32"] < t["int8"] < t["bf16"]
    # A longer prompt makes the first token later.
    short = predict_run(runs["trt06-ttft-a100-llama2-7b-tp1-128"], FITTED)["ttft"]
    long = predict_run(runs["trt06-ttft-a100-llama2-7b-tp1-2048"], FITTED)["ttft"]
    assert long > 5 * short


def test_cli_validate_serving_prints_each_metric_apart() -> None:
    out = runner.invoke(app, ["validate", "--serving"], terminal_width=200)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "calibration (fitted on), all sources: mean |error| TTFT 8.6%" in text
    assert "held-out, all sources: mean |error| TTFT 18.4%" in text and "TPOT 53.0%" in text
    assert "throughput 16.1%" in text
    for source in ("LMD01", "GPTFAST", "NIM18", "TRTLLM06"):
        assert f", {source}: mean |error|" in text
    assert "not predicted (6 rows)" in text


def test_cli_validate_serving_json() -> None:
    out = runner.invoke(app, ["validate", "--serving", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert {"constants", "rows", "summaries", "not_predicted"} <= set(data)
    assert any(r["metric"] == "tpot" and r["role"] == "held_out" for r in data["rows"])
