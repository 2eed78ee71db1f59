"""The pre-registered MoE validation (moe_runs.yaml): loader, calibration on calibration rows only,
the reported figures of the first prediction, and the `xlcompute validate` MoE tables."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.end_to_end import validate_moe_end_to_end
from xlcompute.planner.inputs import STEP_CONSTANTS
from xlcompute.planner.validation.moe import (
    MOE_CONSTANTS,
    calibrate_moe,
    load_moe,
    moe_case,
    moe_system,
    validate_moe,
)


@pytest.fixture(scope="module")
def data():
    return load_moe()


def test_loader_reads_the_preregistered_rows(data):
    roles = [r.role for r in data.step_rows]
    assert roles.count("calibration") == 11 and roles.count("held_out") == 9
    assert "dgxc-grok1-gb200-512" in data.excluded and "mbr2511-gptoss-120b" in data.excluded
    assert [r.id for r in data.end_to_end_rows] == [
        "deepseek-v3-pretrain", "deepseek-v2-pretrain", "granite-3.0-1b-a400m", "granite-3.0-3b-a800m"]
    assert data.end_to_end_rows[1].published_gpu_hours == pytest.approx(172_800 * 8.1)
    assert data.models["deepseek-v3"].experts == 256 and data.models["qwen3-235b-a22b"].layers == 94


def test_rows_become_the_published_layout(data):
    row = next(r for r in data.step_rows if r.id == "dgxc-dsv3-h100-bf16-512")
    shape, ex, ratio = moe_case(row, data)
    assert (ex.tp, ex.pp, ex.ep, ex.dp, ex.expert_tp, ex.global_batch) == (2, 8, 64, 32, 1, 4096)
    assert ratio == 1.0 and shape.mtp_layers == 1 and ex.a2a_overlap == 0
    qwen = next(r for r in data.step_rows if r.id == "mbr2511-qwen3-235b-h100-fp8cs-256")
    _, ex, ratio = moe_case(qwen, data)
    assert ratio == pytest.approx(2.0, rel=1e-3) and ex.a2a_overlap > 0  # moe_a2a_overlap True in the recipe
    # GB200: the NVL72 domain is the all-to-all's fast domain
    assert moe_system("GB200").cards_per_node == 72 and moe_system("H100-SXM").cards_per_node == 8


def test_constants_are_fitted_on_calibration_rows_only(data):
    fitted, err = calibrate_moe(data)
    assert fitted == MOE_CONSTANTS
    assert fitted.a2a_efficiency == STEP_CONSTANTS["a2a_efficiency"].value
    assert err == pytest.approx(22.0, abs=0.1)
    # Changing every held-out measurement tenfold does not move the fit.
    moved = data.model_copy(update={"step_rows": [
        r if r.role == "calibration" else r.model_copy(update={"step_seconds": 10 * r.step_seconds})
        for r in data.step_rows]})
    assert calibrate_moe(moved)[0] == fitted


def test_first_prediction_figures_as_recorded_in_the_yaml(data):
    # The dated note of moe_runs.yaml (commit a9bda39): calibration 22.0 %, held-out 30.9 % (target <= 8 %: not met)
    rep = validate_moe(data)
    assert rep.calibration_mean_abs_error_pct == pytest.approx(22.0, abs=0.1)
    assert rep.held_out_mean_abs_error_pct == pytest.approx(30.9, abs=0.1)
    assert rep.held_out_hopper_mean_abs_error_pct == pytest.approx(50.2, abs=0.1)
    assert rep.held_out_blackwell_mean_abs_error_pct == pytest.approx(25.4, abs=0.1)
    assert len(rep.rows) == 20


def test_end_to_end_rows_predict_from_planning_inputs():
    rows = {r.id: r for r in validate_moe_end_to_end()}
    assert all(r.failure is None for r in rows.values())
    v3 = rows["deepseek-v3-pretrain"]
    assert v3.published_gpu_hours == 2.664e6 and v3.cards == 2048 and "EP" in (v3.layout or "")
    assert v3.predicted_gpu_hours is not None and v3.predicted_gpu_hours > 0


def test_validate_prints_the_moe_tables():
    out = CliRunner().invoke(app, ["validate", "--no-search"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    text = out.output
    for phrase in ("Mixture-of-experts step time", "calibration rows", "held-out rows", "MoE step time, mean |error|",
                   "Mixture-of-experts end to end", "deepseek-v3", "granite-3.0", "blind"):
        assert phrase in text
    # The dense tables come first and are unchanged in form.
    assert text.index("Step-time model vs published measurements") < text.index("Mixture-of-experts step time")
