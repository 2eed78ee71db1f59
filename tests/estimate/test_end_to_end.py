"""End-to-end validation: published pre-training runs typed as a finance user types them
(xlcompute.end_to_end, data in xlcompute/data/validation/end_to_end.yaml)."""

from __future__ import annotations

import math
import statistics

from pathlib import Path
from typing import Any

import pytest
import yaml

from xlcompute.end_to_end import (
    END_TO_END_FILE,
    calibrate_production,
    load_end_to_end,
    validate_end_to_end,
    END_TO_END_2_FILE,
    END_TO_END_3_FILE,
    END_TO_END_4_FILE,
)
from xlcompute.planner.inputs import SOFTWARE_STACKS

# Achieved (docs/validation.md): the first set, every run fitted on since the refit (0.674), median 13.5 %;
# the held-out second set (17 runs, first predicted at 0102730) median 33.2 %, max 94.9 %. After the
# data-parallel rings of core.comm and the refit to 0.665: 14.5 % and 32.4 % / 94.9 %. With the
# cross-entropy traffic of the output layer and the refit to 0.664 (2026-12-02, fifth session; post hoc):
# 14.4 % and 31.6 % / 94.9 %. With the layout search keeping a rounded batch within 1.5x its target
# (planner.search.BATCH_BAND) and the refit to 0.665 (2026-12-03, ninth session; post hoc): 13.3 % and
# 32.1 % / 94.8 % (no layout of the second set changed; the refit slowed it). With the data-parallel traffic hidden
# chunk by chunk under the interleaved schedule (core.comm [MCORE-SCHED]), the kernel constants refitted (H100 GEMM
# 0.68, straggler spread 0.02) and the typical stack refitted to 0.651 (2026-12-05, thirty-ninth session; post
# hoc): 16.5 % and 30.8 % / 95.4 %. Issue 11 asks median <= 10 %, max <= 30 % on held-out runs: NOT met; these are
# regression bounds, not the target.
CALIBRATION_MEDIAN_BOUND = 16.6
HELD_OUT_MEDIAN_BOUND = 30.9
HELD_OUT_MAX_BOUND = 95.4
# The third set (8 held-out runs, written before the ring change), first predicted at 6574f3d: 54.4 % / 83.2 %.
# The cross-entropy traffic term made it WORSE (post hoc): 59.3 % / 86.1 % (the MobileLLM runs, already too
# slow, got slower: 125M +22 % -> +36 %). With Hopper's cuDNN attention efficiency and its refit (post hoc):
# 59.7 % / 86.5 % (the straggler spread and the typical stack moved; no row of this set is on Hopper but Pleias).
# With the batch band and the refit to 0.665 (post hoc, no layout of this set changed): 58.5 % / 85.1 %. With the
# interleaved schedule's data-parallel windows and the refits (post hoc; the stack 0.651 slows every run): 62.5 % /
# 89.8 %.
THIRD_MEDIAN_BOUND = 62.6
THIRD_MAX_BOUND = 89.9
# The fourth set (7 held-out runs written blind by a data author, 2026-12-05), first predicted at d983693:
# 32.4 % / 92.1 % (InCoder on V100 and the two MI250X runs far too fast, the four Tucano runs ~30 % slow). With the
# interleaved schedule's data-parallel windows and the refits (post hoc): 35.7 % / 91.8 %.
FOURTH_MEDIAN_BOUND = 35.7
FOURTH_MAX_BOUND = 92.2


@pytest.fixture(scope="module")
def report():
    return validate_end_to_end()


@pytest.fixture(scope="module")
def second():
    return validate_end_to_end(END_TO_END_2_FILE)


def test_every_run_estimates_as_typed(report, second) -> None:
    # The acceptance of issue 11: no published run fails when typed with only what a finance user knows.
    assert report.failures == 0 and second.failures == 0
    assert len(report.rows) == 27 and report.held_out_count == 0 and all(r.fitted for r in report.rows)
    assert len(second.rows) == second.held_out_count == 17 and not any(r.fitted for r in second.rows)
    for r in (*report.rows, *second.rows):
        assert r.failure is None and r.predicted_gpu_hours and r.predicted_gpu_hours > 0, r.id
        assert 0 < r.effective_ratio < 1 and 0 < r.predicted_mfu < 1, r.id


def test_statistics_and_regression_bounds(report, second) -> None:
    held = sorted(abs(r.error_pct) for r in second.rows)
    assert second.held_out_median_abs_error_pct == pytest.approx(held[8])  # 17 rows: the 9th
    assert second.held_out_max_abs_error_pct == pytest.approx(held[-1])
    fitted = sorted(abs(r.error_pct) for r in report.rows)
    assert report.calibration_median_abs_error_pct == pytest.approx(fitted[13])  # 27 rows: the 14th
    assert report.calibration_median_abs_error_pct <= CALIBRATION_MEDIAN_BOUND
    assert second.held_out_median_abs_error_pct <= HELD_OUT_MEDIAN_BOUND
    assert second.held_out_max_abs_error_pct <= HELD_OUT_MAX_BOUND


def test_the_second_set_holds_only_what_a_finance_user_knows() -> None:
    rows, excluded = load_end_to_end(END_TO_END_2_FILE)
    first_ids = {r.id for r in load_end_to_end()[0]} | {e.id for e in load_end_to_end()[1]}
    assert len(rows) == 17 and len(excluded) == 31 and all(r.role == "held_out" for r in rows)
    assert not first_ids & ({r.id for r in rows} | {e.id for e in excluded})
    for r in rows:
        sc = r.scenario()
        assert set(sc["training"]) == {"tokens", "seq_len"} and set(sc["cluster"]) == {"accelerator", "cards"}


@pytest.fixture(scope="module")
def production_fit() -> Any:
    """The typical stack's fit on the first set, computed once for this file (about 50 s of layout
    searches on a 2-core machine; two tests read it)."""
    return calibrate_production()


def test_the_second_set_never_enters_the_fit(tmp_path: Path, production_fit: Any) -> None:
    """The refit reads end_to_end.yaml only: absurd second-set figures change nothing."""
    import xlcompute.end_to_end as e2e

    raw = yaml.safe_load(END_TO_END_2_FILE.read_text(encoding="utf-8"))
    for row in raw["rows"]:
        for k, v in row.get("published", {}).items():
            row["published"][k] = float(v) * 10
    p = tmp_path / "second.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    before = production_fit.efficiency
    original = e2e.END_TO_END_2_FILE
    try:
        e2e.END_TO_END_2_FILE = p
        assert calibrate_production().efficiency == pytest.approx(before, rel=1e-12)
    finally:
        e2e.END_TO_END_2_FILE = original


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


def test_the_typical_stack_is_fitted_on_every_run_of_the_first_set(production_fit: Any) -> None:
    """Since 2026-12-02 the typical stack's efficiency is fitted on all 27 runs of end_to_end.yaml
    (their first prediction had been seen); the first fit used the four LLaMA 1 runs (0.7996)."""
    rows, _ = load_end_to_end()
    cal = production_fit
    assert cal.rows == [r.id for r in rows] and len(cal.rows) == 27
    # 0.665 committed (ninth session). Since the planner tries unequal interleaved chunks (eighteenth session)
    # the same fit gave 0.658, and since it recomputes only some of a stage's layers in full (2026-12-05:
    # Llama 3.1 405B +54.4 -> +36.3 %) 0.654, a 1.6 % shift against a standard error of about 5 % (the fitted
    # rows' log spread over sqrt(27)): not refitted, so no held-out figure moved with it (docs/validation.md).
    # The rule: the committed value stays within one standard error of the fit, else it is refitted. Refitted
    # with the interleaved schedule's data-parallel windows and the kernel refit (2026-12-05): 0.651 (0.6514).
    assert cal.efficiency == pytest.approx(0.651, abs=1e-3)
    logs = [math.log1p(e / 100) for e in cal.errors_pct.values()]
    standard_error = statistics.stdev(logs) / math.sqrt(len(logs))
    assert 0.04 < standard_error < 0.06
    assert abs(math.log(SOFTWARE_STACKS["typical"] / cal.efficiency)) < standard_error


def test_the_first_fit_used_the_llama1_rows_only(tmp_path: Path) -> None:
    cal = calibrate_production(rows="calibration")
    assert cal.rows == ["llama1-7b", "llama1-13b", "llama1-33b", "llama1-65b"]
    # 0.7996 when first fitted (issue-11 model); 0.792 with the data-parallel rings of core.comm; 0.784 with
    # Hopper's cuDNN attention efficiency and the straggler spread its refit moved; 0.790 with the interleaved
    # schedule's data-parallel windows and the straggler spread back at 0.02
    assert cal.efficiency == pytest.approx(0.790, abs=5e-3)
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


def _a_later_set_is_held_out_and_predicted_as_typed(path: Path, earlier_files: tuple[Path, ...], n_rows: int,
                                                    n_excluded: int, median_bound: float, max_bound: float) -> None:
    """A set written after the first ones: new runs only (no id of an earlier file, kept or excluded), every one
    held out, each typed with only what a finance user knows, all predicted, within the bounds of its first
    prediction."""
    rows, excluded = load_end_to_end(path)
    earlier = ({r.id for f in earlier_files for r in load_end_to_end(f)[0]}
               | {e.id for f in earlier_files for e in load_end_to_end(f)[1]})
    assert len(rows) == n_rows and len(excluded) == n_excluded and all(r.role == "held_out" for r in rows)
    assert not earlier & ({r.id for r in rows} | {e.id for e in excluded})
    for r in rows:
        sc = r.scenario()
        assert set(sc["training"]) == {"tokens", "seq_len"} and set(sc["cluster"]) == {"accelerator", "cards"}
    report = validate_end_to_end(path)
    assert report.failures == 0 and report.held_out_count == n_rows and not any(r.fitted for r in report.rows)
    assert report.held_out_median_abs_error_pct <= median_bound
    assert report.held_out_max_abs_error_pct <= max_bound


def test_the_third_set_is_held_out_and_predicted_as_typed() -> None:
    _a_later_set_is_held_out_and_predicted_as_typed(END_TO_END_3_FILE, (END_TO_END_FILE, END_TO_END_2_FILE), 8, 13,
                                                    THIRD_MEDIAN_BOUND, THIRD_MAX_BOUND)


def test_the_fourth_set_is_held_out_and_predicted_as_typed() -> None:
    _a_later_set_is_held_out_and_predicted_as_typed(
        END_TO_END_4_FILE, (END_TO_END_FILE, END_TO_END_2_FILE, END_TO_END_3_FILE), 7, 14,
        FOURTH_MEDIAN_BOUND, FOURTH_MAX_BOUND)


def test_validate_prints_the_band_a_proposal_quotes() -> None:
    """The proposal's ±band for end-to-end days is the median over every held-out set; validate prints the same."""
    from typer.testing import CliRunner

    from xlcompute.cli import app
    from xlcompute.end_to_end import validate_end_to_end_sets

    sets = validate_end_to_end_sets()
    out = CliRunner().invoke(app, ["validate", "--no-search"], env={"COLUMNS": "400"})
    assert out.exit_code == 0, out.output
    n = sets.held_out_count
    assert n == sets.second.held_out_count + sets.third.held_out_count + sets.fourth.held_out_count == 32
    assert f"all held-out sets: {n} runs, median |error| {sets.held_out_median_abs_error_pct:.1f}%" in out.output
    assert "fourth set (held out): 7 runs, 0 failed; median |error| 35.7%" in out.output
