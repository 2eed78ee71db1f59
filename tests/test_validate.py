"""Validation against published measurements (xlcompute.validate)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xlcompute.core.steptime import SystemSpec
from xlcompute.validate import (
    DEFAULT_VALIDATION_FILE,
    calibrate,
    load_validation,
    validate,
)

# Regression bounds pinned at the achieved values (see the report in the PR / issue 6 and the
# revision note in xlcompute/validate.py): held-out mean |error| 5.06 % (first version 5.40 %),
# calibration mean |error| 1.18 % (first version 1.70 %). Issue 6 asks for <= 5 % of step time or of
# per-card throughput: step time 5.06 % (not met), per-card throughput 4.93 % (met).
HELD_OUT_MAE_BOUND = 5.07
HELD_OUT_THROUGHPUT_TARGET = 5.0
CALIBRATION_MAE_BOUND = 1.19


@pytest.fixture(scope="module")
def report():
    return validate()


def test_every_row_has_a_source_and_a_role() -> None:
    data = load_validation()
    assert len(data.rows) >= 18
    roles = {r.role for r in data.rows}
    assert roles == {"calibration", "held_out"}
    for r in data.rows:
        assert r.source.strip()
    meg = [r for r in data.rows if r.id.startswith("meg21-")]
    assert len(meg) == 10  # the full [MEG21] Table 1


def test_held_out_error_regression_bound(report) -> None:
    assert report.held_out_mean_abs_error_pct <= HELD_OUT_MAE_BOUND
    assert report.calibration_mean_abs_error_pct <= CALIBRATION_MAE_BOUND
    held = [r for r in report.rows if r.role == "held_out"]
    assert len(held) == 11
    assert report.held_out_max_abs_error_pct == pytest.approx(max(abs(r.error_pct) for r in held))


def test_held_out_throughput_error_meets_the_target(report) -> None:
    assert report.held_out_mean_abs_throughput_error_pct <= HELD_OUT_THROUGHPUT_TARGET
    for r in report.rows:
        # Throughput is 1 / step time, so its error follows from the step-time error.
        assert 1 + r.throughput_error_pct / 100 == pytest.approx(1 / (1 + r.error_pct / 100), rel=1e-12)


def test_published_layout_fits_and_search_finds_it_or_faster(report) -> None:
    assert report.search_found_all is True
    for r in report.rows:
        assert r.published_layout_fits, r.id
        assert r.search_found, r.id
        assert r.search_best_step_seconds <= r.predicted_step_seconds * (1 + 1e-9)


def test_tflops_rows_convert_consistently(report) -> None:
    for r in report.rows:
        if r.metric == "tflops_per_gpu":
            ratio = r.measured / r.predicted  # TFLOP/s is inverse to step time
            assert ratio == pytest.approx(r.predicted_step_seconds / r.measured_step_seconds)


def test_committed_constants_are_the_calibration_result() -> None:
    cal = calibrate()
    defaults = SystemSpec(peak_flops=1, hbm_bytes=1, hbm_bandwidth=1, cards_per_node=1,
                          intra_node_bw=1, inter_node_bw=1)
    for k, v in cal.constants.items():
        assert getattr(defaults, k) == pytest.approx(v), k
    assert cal.calibration_mean_abs_error_pct <= CALIBRATION_MAE_BOUND


def test_held_out_rows_never_influence_calibration(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_VALIDATION_FILE.read_text(encoding="utf-8"))
    for row in raw["rows"]:
        if row["role"] == "held_out":
            for key in ("tflops_per_gpu", "step_seconds"):
                if key in row:
                    row[key] = row[key] * 3.0  # absurd measurements
    p = tmp_path / "perturbed.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    grid = {"matmul_eff_max": (0.65, 0.73, 0.8), "elementwise_traffic_factor": (1.0, 1.75, 2.5)}
    assert calibrate(p, grid).constants == calibrate(None, grid).constants


def test_row_with_two_metrics_is_rejected(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_VALIDATION_FILE.read_text(encoding="utf-8"))
    raw["rows"] = [dict(raw["rows"][0], step_seconds=1.0)]
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="exactly one of tflops_per_gpu or step_seconds"):
        load_validation(p)


def test_each_row_records_its_software_stack() -> None:
    # [MEG21] ran the 2021 Megatron-LM code (synchronous backward TP all-reduce); [KOR22] the
    # 2022 code (asynchronous, overlapped with the weight-gradient GEMM). See steptime [MLM-ASYNC].
    for r in load_validation().rows:
        assert r.tp_async_backward is (not r.id.startswith("meg21-")), r.id
