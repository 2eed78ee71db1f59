"""The serving model's all-reduce constants, fitted on published all-reduce timings (xlcompute.collective_fit)."""

from __future__ import annotations

import pytest

from xlcompute.collective_fit import fit_collectives, fit_rows, load_allreduce_bench, predict_seconds
from xlcompute.core import comm
from xlcompute.serving_model import FITTED, ServingConstants


def test_committed_constants_are_the_fit() -> None:
    """The three constants the serving model charges a TP all-reduce with are the fit's, not assumptions."""
    fit = fit_collectives()
    assert FITTED.collective_latency_s == pytest.approx(fit.base_s, rel=1e-9) == pytest.approx(5.0e-6)
    assert FITTED.allreduce_step_s == pytest.approx(fit.step_s, rel=1e-9) == pytest.approx(0.65e-6)
    assert FITTED.link_efficiency == pytest.approx(fit.efficiency) == 0.53
    assert (fit.rows, fit.sources) == (113, 6)
    assert fit.mean_abs_error_pct == pytest.approx(27.7, abs=0.05)
    # the field help quotes the fitted latencies on 2 and 8 cards
    help_text = ServingConstants.model_fields["allreduce_step_s"].description or ""
    for n, quoted in ((2, "6.3 µs on 2 cards"), (8, "14.1 µs on 8")):
        assert f"{comm.allreduce_latency_seconds(n, fit.base_s, fit.step_s) * 1e6:.1f}" in quoted and quoted in help_text


def test_fit_rows_are_the_runtimes_kernels_on_nvlink() -> None:
    rows = load_allreduce_bench()
    used = fit_rows(rows)
    assert len(rows) == 195  # of 196: one row publishes a bandwidth only
    assert {r.library for r in used} == {"nccl", "vllm-custom", "sglang-custom"}
    assert all(r.flag is None and r.gpu in ("H100-SXM", "A100-80G", "A100-40G") for r in used)
    assert all(2**10 <= r.message_bytes <= 64 * 2**20 for r in used)
    assert {r.gpus for r in used} == {2, 4, 6, 8}


def test_latency_grows_with_the_ring() -> None:
    assert comm.allreduce_latency_seconds(1, 5e-6, 1e-6) == 0
    assert comm.allreduce_latency_seconds(2, 5e-6, 1e-6) == pytest.approx(7e-6)
    assert comm.allreduce_latency_seconds(8, 5e-6, 1e-6) == pytest.approx(19e-6)


def test_a_published_timing_by_hand() -> None:
    """NCCL 2.18 on 8 H100 SXM, 4 MiB, 49.3 µs (Azure MSCCL table): base + 14 steps + 1.75 x 4 MiB / (450 GB/s x η)."""
    row = next(r for r in load_allreduce_bench() if r.source == "AZURE_MSCCL_NDH100V5" and r.library == "nccl"
               and r.message_bytes == 4 * 2**20)
    assert row.time_us == pytest.approx(49.3, abs=0.05)
    by_hand = 5.0e-6 + 14 * 0.65e-6 + 1.75 * 4 * 2**20 / (450e9 * 0.53)
    assert predict_seconds(row, 5.0e-6, 0.65e-6, 0.53) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand * 1e6 == pytest.approx(44.9, abs=0.05)  # 9 % under the published 49.3 µs


def test_the_three_constants_say_where_they_come_from_in_both_languages() -> None:
    """The estimate's (and workbook's) input rows of the all-reduce constants cite the all-reduce timings, not the
    serving calibration rows, in English and in Chinese; the Chinese text quotes the same fitted figures."""
    from xlcompute import estimate
    from xlcompute.scenario import default_scenario
    from xlcompute.sources import FIXED_ZH

    r = estimate(default_scenario())
    for key in ("serving_link_efficiency", "serving_collective_latency_us", "serving_allreduce_step_us"):
        assert r.inputs[key].origin.field == "serving_allreduce_fit", key
    assert r.inputs["serving_hbm_efficiency"].origin.field == "serving_fit"
    assert "113 published all-reduce timings" in r.inputs["serving_link_efficiency"].source
    zh = FIXED_ZH["serving_allreduce_fit"]
    assert "113 个" in zh and f"{FITTED.collective_latency_s * 1e6:.1f} 微秒" in zh
    assert f"{FITTED.allreduce_step_s * 1e6:.2f} 微秒" in zh and f"{FITTED.link_efficiency:.2f}" in zh
