"""Validation against published measurements (xlcompute.validate)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xlcompute.core.steptime import SystemSpec
from xlcompute.validate import (
    DEFAULT_VALIDATION_FILE,
    EXTERNAL_VALIDATION_FILE,
    calibrate,
    load_external,
    load_validation,
    validate,
    write_report_csv,
)

# Regression bounds pinned at the achieved values (see the report in the PR / issue 6 and the
# revision note in xlcompute/validate.py): held-out mean |error| 5.06 % (first version 5.40 %),
# calibration mean |error| 1.18 % (first version 1.70 %). Issue 6 asks for <= 5 % of step time or of
# per-card throughput: step time 5.06 % (not met), per-card throughput 4.93 % (met).
HELD_OUT_MAE_BOUND = 5.07
HELD_OUT_THROUGHPUT_TARGET = 5.0
CALIBRATION_MAE_BOUND = 1.19

# Pre-registered extension (xlcompute/data/validation/external_runs.yaml): rows, exclusions and
# assumptions fixed before the single prediction run; bounds pinned at the achieved values,
# rounded up slightly. Achieved: MT-NLG 530B on 2,240 GPUs -17.77 % step time (+21.61 %
# throughput), on 3,360 GPUs -21.09 % (+26.73 %); extended held-out (13 rows) mean |error|
# 7.27 % step time (max 21.09 %), 7.89 % per-card throughput (max 26.73 %) -- above the 5 % target.
EXTERNAL_ROW_BOUNDS = {  # id -> (|step-time error| bound, |throughput error| bound), %
    "mtnlg-530B-2240": (17.8, 21.7),
    "mtnlg-530B-3360": (21.1, 26.8),
}
EXTENDED_HELD_OUT_MAE_BOUND = 7.28
EXTENDED_HELD_OUT_THROUGHPUT_MAE_BOUND = 7.90
EXCLUDED_IDS = {"llama3-405B-8192", "llama3-405B-16384", "bloom-176B-384", "opt-175B-992"}


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


# ---------------- pre-registered external held-out rows ----------------
def test_external_rows_have_source_role_system_and_exclusions_have_reasons() -> None:
    ext = load_external()
    assert {r.id for r in ext.rows} == set(EXTERNAL_ROW_BOUNDS)
    assert {e.id for e in ext.excluded} == EXCLUDED_IDS
    for r in ext.rows:
        assert r.source.strip() and r.role == "held_out" and r.system in ext.systems, r.id
        assert r.step_seconds is not None  # published iteration time: no FLOP convention needed
    for e in ext.excluded:
        assert e.source.strip() and e.role == "held_out" and e.reason.strip() and e.reported, e.id
    # H100 figures as pre-registered (dense bf16 peak, HBM capacity and bandwidth).
    h100 = ext.systems["grand_teton_h100_80gb"]
    assert (h100.peak_flops, h100.hbm_bytes, h100.hbm_bandwidth) == (989.4e12, 80e9, 3.35e12)
    # The efficiency constants stay the calibrated SystemSpec defaults on every system.
    default = SystemSpec(peak_flops=1, hbm_bytes=1, hbm_bandwidth=1, cards_per_node=1,
                         intra_node_bw=1, inter_node_bw=1)
    for sy in ext.systems.values():
        for k in ("matmul_eff_max", "matmul_dim_half", "elementwise_traffic_factor"):
            assert getattr(sy, k) == getattr(default, k), k


def test_external_rows_regression_bounds(report) -> None:
    got = {r.id: r for r in report.external_rows}
    assert set(got) == set(EXTERNAL_ROW_BOUNDS)
    for rid, (step_b, thr_b) in EXTERNAL_ROW_BOUNDS.items():
        r = got[rid]
        assert r.role == "held_out" and r.source.strip() and r.system_name
        assert abs(r.error_pct) <= step_b, (rid, r.error_pct)
        assert abs(r.throughput_error_pct) <= thr_b, (rid, r.throughput_error_pct)
        assert r.published_layout_fits, rid
        assert r.search_found, rid
    assert {e.id for e in report.excluded_rows} == EXCLUDED_IDS


def test_extended_held_out_statistics(report) -> None:
    # The original held-out fields still describe the original 11 rows only.
    assert len([r for r in report.rows if r.role == "held_out"]) == 11
    extended = [r for r in report.rows if r.role == "held_out"] + list(report.external_rows)
    assert report.extended_held_out_count == len(extended) == 13
    mean = sum(abs(r.error_pct) for r in extended) / len(extended)
    tmean = sum(abs(r.throughput_error_pct) for r in extended) / len(extended)
    assert report.extended_held_out_mean_abs_error_pct == pytest.approx(mean)
    assert report.extended_held_out_mean_abs_throughput_error_pct == pytest.approx(tmean)
    assert report.extended_held_out_max_abs_error_pct == pytest.approx(max(abs(r.error_pct) for r in extended))
    assert report.extended_held_out_max_abs_throughput_error_pct == pytest.approx(
        max(abs(r.throughput_error_pct) for r in extended))
    assert report.extended_held_out_mean_abs_error_pct <= EXTENDED_HELD_OUT_MAE_BOUND
    assert report.extended_held_out_mean_abs_throughput_error_pct <= EXTENDED_HELD_OUT_THROUGHPUT_MAE_BOUND
    assert report.external_search_found_all is True


def test_external_file_can_be_skipped_and_never_enters_calibration() -> None:
    r = validate(search=False, external_path=None)
    assert r.external_rows == [] and r.excluded_rows == [] and r.extended_held_out_count == 11
    # Without the external file the extended set is the original held-out set.
    assert r.extended_held_out_mean_abs_error_pct == pytest.approx(r.held_out_mean_abs_error_pct)
    ext_ids = {x.id for x in load_external().rows} | EXCLUDED_IDS
    assert not ext_ids & set(calibrate(grid={"matmul_eff_max": (0.73,),
                                             "elementwise_traffic_factor": (1.75,)}).calibration_rows)


def test_excluded_row_needs_a_reason_and_status_is_checked(tmp_path: Path) -> None:
    raw = yaml.safe_load(EXTERNAL_VALIDATION_FILE.read_text(encoding="utf-8"))
    bad = dict(raw, rows=[dict(r, exclusion_reason="") if r["status"] == "excluded" else r
                          for r in raw["rows"]])
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="needs an exclusion_reason"):
        load_external(p)
    bad = dict(raw, rows=[dict(raw["rows"][0], status="maybe")])
    p.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="status must be included or excluded"):
        load_external(p)


def test_csv_can_include_external_rows(report, tmp_path: Path) -> None:
    plain = write_report_csv(report, tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()
    full = write_report_csv(report, tmp_path / "b.csv", include_external=True).read_text(
        encoding="utf-8").splitlines()
    assert len(plain) == 1 + len(report.rows)
    assert len(full) == len(plain) + len(report.external_rows)
    assert full[-1].startswith("mtnlg-530B-3360,held_out,step_seconds,")
