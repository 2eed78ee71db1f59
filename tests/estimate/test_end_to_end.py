"""End-to-end validation: published pre-training runs typed as a finance user types them
(xlcompute.end_to_end, data in xlcompute/data/validation/end_to_end.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xlcompute.end_to_end import (
    END_TO_END_FILE,
    calibrate_production,
    load_end_to_end,
    validate_end_to_end,
)
from xlcompute.planner.inputs import SOFTWARE_STACKS

# Achieved with the issue-11 model (docs/validation.md): calibration (LLaMA 1) median 4.9 %; the 23
# held-out runs median 23.3 %, max 51.2 %. Issue 11 asks median <= 10 %, max <= 30 %: NOT met; these
# are regression bounds, not the target.
CALIBRATION_MEDIAN_BOUND = 5.0
HELD_OUT_MEDIAN_BOUND = 23.4
HELD_OUT_MAX_BOUND = 51.3


@pytest.fixture(scope="module")
def report():
    return validate_end_to_end()


def test_every_run_estimates_as_typed(report) -> None:
    # The acceptance of issue 11: no published run fails when typed with only what a finance user knows.
    assert report.failures == 0
    assert len(report.rows) == 27 and report.held_out_count == 23
    for r in report.rows:
        assert r.failure is None and r.predicted_gpu_hours and r.predicted_gpu_hours > 0, r.id
        assert 0 < r.effective_ratio < 1 and 0 < r.predicted_mfu < 1, r.id


def test_statistics_and_regression_bounds(report) -> None:
    held = sorted(abs(r.error_pct) for r in report.rows if r.role == "held_out")
    assert report.held_out_median_abs_error_pct == pytest.approx((held[11]))  # 23 rows: the 12th
    assert report.held_out_max_abs_error_pct == pytest.approx(held[-1])
    assert report.calibration_median_abs_error_pct <= CALIBRATION_MEDIAN_BOUND
    assert report.held_out_median_abs_error_pct <= HELD_OUT_MEDIAN_BOUND
    assert report.held_out_max_abs_error_pct <= HELD_OUT_MAX_BOUND


def test_rows_hold_only_what_a_finance_user_knows() -> None:
    rows, excluded = load_end_to_end()
    for r in rows:
        sc = r.scenario()
        assert set(sc) == {"name", "model", "training", "cluster"}
        assert set(sc["training"]) == {"tokens", "seq_len"}  # no layout, batch or MFU
        assert set(sc["cluster"]) == {"accelerator", "cards"}
    assert len(excluded) == 16 and all(e.reason for e in excluded)


def test_published_days_become_card_hours() -> None:
    rows = {r.id: r for r in load_end_to_end()[0]}
    assert rows["mpt-7b"].published_gpu_hours == pytest.approx(9.5 * 440 * 24)
    assert rows["llama1-65b"].published_gpu_hours == 1_022_362
    assert rows["llama1-7b"].cards_typed == 2048  # unpublished: the count fixed before prediction


def test_the_typical_stack_is_fitted_on_every_run_of_the_first_set() -> None:
    """Since 2026-12-02 the typical stack's efficiency is fitted on all 27 runs of end_to_end.yaml
    (their first prediction had been seen); the first fit used the four LLaMA 1 runs (0.7996)."""
    rows, _ = load_end_to_end()
    cal = calibrate_production()
    assert cal.rows == [r.id for r in rows] and len(cal.rows) == 27
    assert SOFTWARE_STACKS["typical"] == pytest.approx(cal.efficiency, abs=5e-3)


def test_the_first_fit_used_the_llama1_rows_only(tmp_path: Path) -> None:
    cal = calibrate_production(rows="calibration")
    assert cal.rows == ["llama1-7b", "llama1-13b", "llama1-33b", "llama1-65b"]
    assert cal.efficiency == pytest.approx(0.7996, abs=5e-3)
    # Absurd held-out figures change nothing: held-out rows never enter that fit.
    raw = yaml.safe_load(END_TO_END_FILE.read_text(encoding="utf-8"))
    for row in raw["rows"]:
        if row.get("role") == "held_out" and "gpu_hours" in row.get("published", {}):
            row["published"]["gpu_hours"] = float(row["published"]["gpu_hours"]) * 10
    p = tmp_path / "perturbed.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert calibrate_production(p, rows="calibration").efficiency == pytest.approx(cal.efficiency, rel=1e-9)


def test_a_failing_row_is_reported_not_dropped(tmp_path: Path) -> None:
    raw = yaml.safe_load(END_TO_END_FILE.read_text(encoding="utf-8"))
    bad = next(r for r in raw["rows"] if r["status"] == "included" and r["role"] == "held_out")
    bad["accelerator"] = "H900"
    raw["rows"] = [bad]
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    r = validate_end_to_end(p)
    assert r.failures == 1 and "H900" in (r.rows[0].failure or "")
