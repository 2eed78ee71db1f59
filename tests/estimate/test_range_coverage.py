"""The P10–P90 range a proposal prints, checked against published runs (xlcompute.end_to_end):
each held-out run's own range of end-to-end card-hours, how often it held the published figure,
and that every face quoting that count shows the same one."""

from __future__ import annotations

import math

import pytest

from xlcompute.core import spread
from xlcompute.end_to_end import (
    EndToEndResult,
    RangeCoverage,
    range_coverage,
    validate_end_to_end_sets,
)


def _result(published: float, p10: float | None, p90: float | None, fitted: bool = False) -> EndToEndResult:
    return EndToEndResult(id="x", role="held_out", accelerator="H800", cards=8, published_gpu_hours=published,
                          predicted_gpu_hours=100.0, error_pct=0.0, fitted=fitted,
                          range_p10_gpu_hours=p10, range_p90_gpu_hours=p90)


def test_range_position_by_hand() -> None:
    # Published above P90 = the run took more card-hours than the range allowed: "above".
    assert _result(60.0, 65.0, 154.0).range_position == "below"
    assert _result(65.0, 65.0, 154.0).range_position == "inside"  # the ends belong to the range
    assert _result(154.0, 65.0, 154.0).range_position == "inside"
    assert _result(155.0, 65.0, 154.0).range_position == "above"
    assert _result(100.0, None, None).range_position is None  # a failed run has no range


def test_coverage_counts_by_hand() -> None:
    rows = [_result(60.0, 65.0, 154.0), _result(100.0, 65.0, 154.0), _result(200.0, 65.0, 154.0),
            _result(300.0, 65.0, 154.0), _result(100.0, None, None)]
    cov = range_coverage(rows)
    assert cov == RangeCoverage(runs=4, inside=1, above=2, below=1)
    assert cov.share == pytest.approx(0.25)
    assert math.isnan(RangeCoverage(runs=0, inside=0, above=0, below=0).share)
    # A JSON report carries the position and the share (computed fields), not only the bounds.
    assert rows[2].model_dump()["range_position"] == "above"
    assert cov.model_dump()["share"] == pytest.approx(0.25)


@pytest.fixture(scope="module")
def sets():
    return validate_end_to_end_sets()


def test_each_run_has_its_proposal_range(sets) -> None:
    """Every run of every set carries the P10 and P90 its own proposal prints, around its estimate:
    the MFU spread alone gives ×0.65 to ×1.54 (e^(∓0.336·1.2816)), the failure rate's spread widens
    it a little."""
    lo, hi = math.exp(-spread.MFU_LOG_SIGMA * spread.Z_P90), math.exp(spread.MFU_LOG_SIGMA * spread.Z_P90)
    for rep in (sets.first, *sets.held_out_reports):
        for r in rep.rows:
            assert r.failure is None and r.range_p10_gpu_hours and r.range_p90_gpu_hours, r.id
            p10 = r.range_p10_gpu_hours / r.predicted_gpu_hours
            p90 = r.range_p90_gpu_hours / r.predicted_gpu_hours
            assert 0.55 < p10 < 1.0 < p90 < 1.8, (r.id, p10, p90)
            assert p10 == pytest.approx(lo, rel=0.08) and p90 == pytest.approx(hi, rel=0.08), (r.id, p10, p90)


def test_range_is_the_proposals_own(sets) -> None:
    """The range of one held-out run is the P10/P90 of train_days that xlcompute.uncertainty.analyse
    gives its estimate (the proposal's uncertainty section), times the cluster's cards and 24 h."""
    from xlcompute.end_to_end import load_end_to_end, END_TO_END_2_FILE
    from xlcompute.estimate import estimate
    from xlcompute.scenario import parse_scenario
    from xlcompute.uncertainty import analyse

    row = next(r for r in load_end_to_end(END_TO_END_2_FILE)[0] if r.id == "granite-3.0-8b")
    est = estimate(parse_scenario(row.scenario()))
    days = analyse(est).percentiles["train_days"]
    assert est["gpu_hours"] == pytest.approx(est["train_days"] * 24 * est["gpu_count"], rel=1e-12)
    got = next(r for r in sets.second.rows if r.id == "granite-3.0-8b")
    assert got.range_p10_gpu_hours == pytest.approx(days.p10 * 24 * est["gpu_count"], rel=1e-9)
    assert got.range_p90_gpu_hours == pytest.approx(days.p90 * 24 * est["gpu_count"], rel=1e-9)
    # Published 832,102 card-hours, predicted 570,142 (-31.5 %): inside a range reaching 875,327.
    assert got.range_position == "inside"


def test_held_out_coverage_is_the_recorded_one(sets) -> None:
    """The count ``xlcompute estimate`` quotes (core.spread.RANGE_COVERAGE_RECORDED) is the live one:
    19 of the 32 held-out runs inside (59 %, 80 % for a right range), 10 above their P90, 3 below
    their P10 (15 of 25, 7, 3 before the fourth set). A change of the model or of the sets that
    moves it must update the constant (and the docs)."""
    cov = sets.held_out_coverage
    assert cov.model_dump(exclude={"share"}) == spread.RANGE_COVERAGE_RECORDED
    assert cov == range_coverage([r for s in (sets.second, sets.third, sets.fourth) for r in s.rows if not r.fitted])
    assert cov.runs == sets.second.held_out_count + sets.third.held_out_count + sets.fourth.held_out_count == 32
    assert cov.inside + cov.above + cov.below == cov.runs
    # Below the warning share, with runs above the P90: the faces advise reading the P90 as likely.
    assert cov.share < spread.RANGE_COVERAGE_WARN and cov.above > 0
    # Per set, as validate's JSON carries it.
    assert (sets.second.held_out_coverage.runs, sets.third.held_out_coverage.runs,
            sets.fourth.held_out_coverage.runs) == (17, 8, 7)
    assert sum(s.held_out_coverage.inside for s in sets.held_out_reports) == cov.inside
    # The fourth set, first predicted after the range check existed: 4 of its 7 runs inside.
    assert sets.fourth.held_out_coverage == RangeCoverage(runs=7, inside=4, above=3, below=0)


def test_calibration_only_rows_are_not_counted_as_held_out(sets) -> None:
    assert sets.first.held_out_coverage.runs == 0  # every run of the first set is fitted on
    fitted = range_coverage(sets.first.rows)
    # in-sample, reported apart by validate; 24 since partial recomputation (2026-12-05) brought Llama 3.1 405B's
    # card-hours inside their range (23 before), 23 again since the interleaved schedule's data-parallel windows
    assert fitted.runs == 27 and fitted.inside == 23
