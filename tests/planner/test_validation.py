"""Validation against published measurements (xlcompute.planner.validation)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xlcompute.planner import SOFTWARE_STACKS, SystemSpec
from xlcompute.planner.inputs import KERNEL_PROFILES
from xlcompute.planner.validation.calibrate import calibrate_profiles
from xlcompute.planner.validation import (
    DEFAULT_VALIDATION_FILE,
    EXTERNAL_VALIDATION_FILE,
    PREREGISTERED_FILES,
    SOFTWARE_CALIBRATION_FILE,
    TABLE2_VALIDATION_FILE,
    calibrate,
    calibrate_software,
    load_external,
    load_validation,
    validate,
    write_report_csv,
)

# Regression bounds pinned at the achieved values (revision history in docs/validation.md). Issue 11
# (straggler stretch and per-generation kernel constants, fitted together on the A100 and H100
# calibration rows) moved them: A100 held-out 5.06 % -> 5.59 % step time (4.93 % -> 5.39 %
# throughput), calibration 1.18 % -> 0.93 %. Issue 6's 5 % target is not met on either metric now.
# Issue 11, 2026-12-02 (post hoc, every row seen): a data-parallel ring with k ranks on a server
# crosses servers over k NICs (core.comm.ring_link_bytes_per_s): 5.61 % / 5.42 %, calibration 0.96 %.
# 2026-12-02, fifth session (post hoc): the cross-entropy traffic of the output layer
# (core.kernels.loss_traffic_seconds, 48 B per logit element, counted) with the kernel constants
# refitted on the calibration rows: 5.63 % / 5.48 %, calibration 0.98 %.
# 2026-12-02, seventh session (post hoc): Hopper's attention kernel is cuDNN's (0.51 of peak, Shah et al. 2024)
# and the constants refitted (straggler spread 0.02 -> 0.0175): 5.53 % / 5.43 %, calibration 0.99 %.
# 2026-12-05, thirty-ninth session (post hoc): the data-parallel traffic hides chunk by chunk under the interleaved
# schedule, the parameter gather under the next forward (core.comm [MCORE-SCHED]), constants refitted (spread 0.02):
# 5.63 % / 5.48 %, calibration 0.98 %.
# 2026-12-06, fortieth session (post hoc): the optimizer step moves Megatron-LM's mixed-precision bytes, 42 per updated
# parameter instead of the ZeRO paper's 28 (core.kernels.mixed_precision_step_bytes; no constant moved): 5.30 % /
# 5.11 %, calibration 0.98 %. The two 22B rows on one server (the optimizer a larger share of their step) gain most.
HELD_OUT_MAE_BOUND = 5.31
HELD_OUT_THROUGHPUT_BOUND = 5.11
CALIBRATION_MAE_BOUND = 1.00

# Pre-registered extension (xlcompute/data/validation/external_runs.yaml): rows, exclusions and
# assumptions fixed before the single prediction run. As pre-registered (reference stack) the
# MT-NLG 530B rows scored -17.77 % (2,240 GPUs) and -21.09 % (3,360 GPUs) with the issue-6 model;
# -15.93 % / -19.16 % with the issue-11 constants; with the megatron-deepspeed stack efficiency
# (fitted on the 2,800-GPU run) +1.13 % / -2.82 %. With the cross-entropy traffic term and its refit
# (post hoc): -16.08 % / -19.29 % on the reference stack, +1.15 % / -2.77 % with megatron-deepspeed. With
# Hopper's cuDNN attention efficiency and the refit (post hoc): -16.74 % / -19.94 %, +1.17 % / -2.79 %. With the
# interleaved schedule's data-parallel windows [MCORE-SCHED] and the refit (post hoc): -16.08 % / -19.29 %,
# +1.15 % / -2.77 %.
EXTERNAL_ROW_BOUNDS = {  # id -> (|step-time error| bound, |throughput error| bound), %
    "mtnlg-530B-2240": (1.2, 1.2),
    "mtnlg-530B-3360": (2.8, 2.9),
}
EXTERNAL_REFERENCE_STACK_ERRORS = {"mtnlg-530B-2240": -16.08, "mtnlg-530B-3360": -19.29}
# Second pre-registered set (meg21_table2.yaml), blind: predicted once after being committed.
TABLE2_ROW_BOUNDS = {  # id -> |step-time error| bound, % (achieved, rounded up; post hoc since the
    # cross-entropy traffic term, 2026-12-02: 1.11/0.15/0.84/2.20/3.23/4.45 % before it; since Hopper's cuDNN
    # attention refit moved the straggler spread: 1.97/1.02/0.04/1.21/2.23/3.44 %; since the interleaved schedule's
    # data-parallel windows [MCORE-SCHED], 2026-12-05: 1.32/0.31/0.72/1.92/3.00/4.26 %; since the mixed-precision
    # optimizer step's traffic, 2026-12-06: 1.30/0.28/0.79/1.92/3.01/4.28 %)
    "meg21t2-175B-384": 2.0, "meg21t2-175B-768": 1.1, "meg21t2-175B-1536": 0.8,
    "meg21t2-530B-560": 2.0, "meg21t2-530B-1120": 3.1, "meg21t2-530B-2240": 4.3,
}
# All 46 held-out rows (A100 tables, MT-NLG, Table 2, the Hopper set's 12, the scaling tables' 15):
# 7.56 % step time, 7.75 % throughput; with the NCCL ring channels (post hoc) 6.79 % / 7.18 %. With
# step_runs_5.yaml's 46 (first predicted at 6574f3d: 4.59 %), 92 rows: 5.69 % / 5.80 %. With
# step_runs_6.yaml's 51 ZeRO-3 / FSDP rows (first predicted at 2c6c0fa: 13.73 %), 143 rows: 8.56 % / 8.98 %.
# With the cross-entropy traffic term of the output layer (2026-12-02, fifth session; post hoc, every row
# seen): 7.21 % / 7.08 % (reference stack 7.43 %). With step_runs_7.yaml's 10 small-model rows (first
# predicted after that term: 11.96 %), 153 rows: 7.52 % / 7.37 % (reference stack 7.72 %). With ZeRO-3 pass
# by pass, FSDP's overlap 1.0 and NCCL's ring-step latency (sixth session; post hoc, found on
# step_runs_6.yaml): 6.70 % / 6.97 % (reference stack 6.90 %). With step_runs_8.yaml's 6 FSDP rows (first
# predicted after those changes: 346.43 %, the one-NIC ZeRO-3 regime), 159 rows: 19.52 % / 9.63 % (reference
# stack 19.71 %). With ZeRO-3 rings on all of a server's NICs (post hoc, after that prediction): 7.20 % / 7.76 %
# (reference stack 7.40 %; the 153 without step_runs_8.yaml 7.00 %). With step_runs_9.yaml's 16 FSDP2 rows (first
# predicted after that change: 16.73 %), 175 rows: 8.08 % / 8.36 % (reference stack 8.25 %). With Hopper's
# cuDNN attention efficiency and the refit (seventh session, post hoc): 7.84 % / 8.18 % (reference stack 8.02 %).
# With step_runs_10.yaml's 34 dense H100 rows (first predicted after that change: 5.33 %), 209 rows: 7.43 % /
# 7.65 % (reference stack 7.59 %). With step_runs_11.yaml's 18 dense Blackwell / H100 rows (first predicted with
# the model unchanged: 12.88 %), 227 rows: 7.86 % / 8.23 % (reference stack 8.00 %). With step_runs_13.yaml's 51
# Ascend 910B rows (first predicted with the model unchanged: 30.17 %, every row but one too fast), 278 rows:
# 11.95 % / 15.30 % (reference stack 12.07 %); those 51 then became the calibration rows of the Ascend GEMM
# constant (post hoc): 227 rows again, 7.86 % / 8.23 %. With step_runs_12.yaml's 19 dense Blackwell / H100 rows
# (first predicted with the model unchanged, the declared Blackwell candidate having lost: 14.97 %), 246 rows:
# 8.41 % / 8.83 % (reference stack 8.54 %). With step_runs_14.yaml's 24 FlagPerf rows on A800 / H800 / H100 (first
# predicted with the model unchanged: 9.35 %), 270 rows: 8.49 % / 8.99 % (reference stack 9.02 %). With
# step_runs_15.yaml's 5 Ascend 910B rows (first predicted with the committed 910B constant: 34.11 %), 275 rows:
# 8.96 % / 9.98 % (reference stack 9.47 %). With step_runs_17.yaml's 18 MLPerf Training GPT-3 175B rows on H100 /
# B200 (first predicted with the model unchanged: 15.46 %, too slow on few micro-batches per replica), 293 rows:
# 9.36 % / 10.13 % (reference stack 9.84 %). With step_runs_18.yaml's 16 MLPerf Training Llama 3.1 405B rows (first
# predicted with the model unchanged: 3.44 %), 309 rows: 9.05 % / 9.78 % (reference stack 9.51 %). With
# step_runs_19.yaml's 4 MLPerf Training v6.0 Llama 3.1 8B rows (first predicted with the model unchanged: 12.07 %),
# 313 rows: 9.09 % / 9.80 % (reference stack 9.54 %). With the data-parallel traffic hidden chunk by chunk under the
# interleaved schedule and the parameter gather under the next forward (core.comm [MCORE-SCHED], thirty-ninth
# session; post hoc, every row seen, constants refitted): 8.86 % / 9.89 % (reference stack 9.37 %). With Megatron-LM's
# mixed-precision optimizer step (core.kernels.mixed_precision_step_bytes, fortieth session; post hoc, no constant
# moved): 8.83 % / 9.85 % (reference stack 9.35 %). Issue 11 asks 4 %: not met.
EXTENDED_HELD_OUT_COUNT = 313
EXTENDED_HELD_OUT_MAE_BOUND = 8.84
EXTENDED_HELD_OUT_THROUGHPUT_MAE_BOUND = 9.86
# step_runs_5.yaml, first prediction (6574f3d): 4.59 %; 4.31 % with the cross-entropy term (post hoc); 3.22 % with
# Hopper's cuDNN attention efficiency (post hoc); 2.67 % with the interleaved schedule's data-parallel windows (post hoc);
# 2.69 % (2.6902) with the mixed-precision optimizer step (post hoc)
STEP5_HELD_OUT_MAE_BOUND = 2.70
STEP6_HELD_OUT_MAE = 13.73  # step_runs_6.yaml, first prediction (2c6c0fa)
STEP6_POST_HOC_MAE = 10.25  # the same rows with the cross-entropy traffic term (post hoc, its dated note)
STEP6_ZERO3_POST_HOC_MAE = 7.79  # and with the sixth session's ZeRO-3 changes (post hoc, its dated note)
STEP6_ALL_NICS_POST_HOC_MAE = 8.69  # and with ZeRO-3 rings on all NICs (post hoc, its dated note)
STEP6_CUDNN_POST_HOC_MAE = 8.50  # and with Hopper's cuDNN attention efficiency (post hoc, its last dated note)
STEP6_SCHED_POST_HOC_MAE = 8.43  # and with the interleaved schedule's data-parallel windows (post hoc, 2026-12-05)
STEP6_OPTIMIZER_POST_HOC_MAE = 8.41  # and with the mixed-precision optimizer step (post hoc, 2026-12-06)
# 7 held-out rows on >= 4,096 cards (10.69 % before the cross-entropy term, 10.67 % before Hopper's cuDNN
# attention refit moved the straggler spread to 0.0175: 11.19 %); 13 with step_runs_17.yaml's 6 MLPerf rows on
# 4,096-10,752 H100 (first predicted, all too slow: +25 to +41 %): 21.11 %; 14 with step_runs_18.yaml's 8,192-card
# H100 row (+3.2 %): 19.83 %; with the interleaved schedule's data-parallel windows (post hoc, found on those six
# MLPerf rows): 7.87 %; with the mixed-precision optimizer step (post hoc): 7.87 % (7.872, was 7.868); issue 11
# asks 5 %: not met
LARGE_HELD_OUT_COUNT = 14
LARGE_HELD_OUT_MAE_BOUND = 7.88
# 1.21 % before the cross-entropy term (its refit moved hopper to 0.77 / 4.25), 0.97 % before Hopper's cuDNN
# attention efficiency (its refit: 0.76 / 5.25), 1.27 % before the interleaved schedule's data-parallel windows (its
# refit: 0.68 / 2.5)
HOPPER_CALIBRATION_MAE_BOUND = 1.39
# first prediction (issue-10 model): 10.24 %; 10.05 % before the NCCL ring channels, 7.05 % after (post hoc);
# 6.81 % with the cross-entropy traffic term (post hoc); 6.70 % with Hopper's cuDNN attention (post hoc); 7.24 % with
# the interleaved schedule's data-parallel windows (post hoc)
HOPPER_HELD_OUT_MAE_BOUND = 7.24
# first prediction (before the straggler stretch): 12.9 %; 10.00 % before the cross-entropy term, 10.01 % after,
# 10.56 % after Hopper's cuDNN attention refit moved the straggler spread 0.02 -> 0.0175, 9.81 % with the interleaved
# schedule's data-parallel windows (spread 0.02 again)
SCALING_HELD_OUT_MAE_BOUND = 9.82
EXCLUDED_IDS = {"llama3-405B-8192", "llama3-405B-16384", "bloom-176B-384", "opt-175B-992",
                "meg21t2-zero3-175B", "meg21t2-zero3-530B"}
EXTERNAL_EXCLUDED_IDS = {"llama3-405B-8192", "llama3-405B-16384", "bloom-176B-384", "opt-175B-992"}


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


def test_held_out_throughput_error_regression_bound(report) -> None:
    assert report.held_out_mean_abs_throughput_error_pct <= HELD_OUT_THROUGHPUT_BOUND
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
    # The A100 constants are the SystemSpec defaults; the straggler spread is shared; each
    # generation's constants are its KERNEL_PROFILES entry (fitted together, calibration rows only).
    cal = calibrate_profiles()
    defaults = SystemSpec(peak_flops=1, hbm_bytes=1, hbm_bandwidth=1, cards_per_node=1,
                          intra_node_bw=1, inter_node_bw=1)
    assert defaults.straggler_jitter == pytest.approx(cal.straggler_jitter)
    for name, constants in cal.profiles.items():
        for k, v in constants.items():
            assert getattr(KERNEL_PROFILES[name], k) == pytest.approx(v), (name, k)
    for k, v in cal.profiles["ampere"].items():
        assert getattr(defaults, k) == pytest.approx(v), k
    assert cal.mean_abs_error_pct["ampere"] <= CALIBRATION_MAE_BOUND
    assert cal.mean_abs_error_pct["hopper"] <= HOPPER_CALIBRATION_MAE_BOUND
    # The file-by-file fit of the A100 rows alone (at the committed spread) agrees.
    assert calibrate().constants == pytest.approx(cal.profiles["ampere"])


def test_hopper_attention_efficiency_is_cudnns_published_rate() -> None:
    # Transformer Engine runs cuDNN's fused attention on Hopper; FlashAttention-3 paper figs. 5-6 (H100, head dim
    # 128, causal, 4k tokens): 518 TFLOP/s forward, 499 backward, against the 989.4 TFLOP/s dense BF16 peak.
    hop = KERNEL_PROFILES["hopper"]
    assert hop.flash_attention_efficiency == pytest.approx((518 + 499) / 2 / 989.4, abs=0.005)
    assert "cuDNN" in hop.source and "FlashAttention-3" in hop.source and "518" in hop.source


def test_held_out_rows_never_influence_the_profile_calibration() -> None:
    import importlib

    real = importlib.import_module("xlcompute.planner.validation.calibrate")._profile_rows()
    assert all(row.role == "calibration" for pairs in real.values() for row, _ in pairs)
    held = {r.id for p in PREREGISTERED_FILES for r in load_external(p).rows if r.role == "held_out"}
    assert not held & {row.id for pairs in real.values() for row, _ in pairs}


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
    assert {e.id for e in ext.excluded} == EXTERNAL_EXCLUDED_IDS
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
    got = {r.id: r for r in report.external_rows if r.set_name == "external_runs"}
    assert set(got) == set(EXTERNAL_ROW_BOUNDS)
    for rid, (step_b, thr_b) in EXTERNAL_ROW_BOUNDS.items():
        r = got[rid]
        assert r.role == "held_out" and r.source.strip() and r.system_name
        assert r.software == "megatron-deepspeed"
        assert abs(r.error_pct) <= step_b, (rid, r.error_pct)
        assert abs(r.throughput_error_pct) <= thr_b, (rid, r.throughput_error_pct)
        # the pre-registered prediction (reference stack) is kept next to it
        assert r.reference_stack_error_pct == pytest.approx(EXTERNAL_REFERENCE_STACK_ERRORS[rid], abs=0.01)
        assert r.published_layout_fits, rid
        assert r.search_found, rid
    assert EXCLUDED_IDS <= {e.id for e in report.excluded_rows}


def test_table2_rows_are_blind_held_out_with_bounds(report) -> None:
    got = {r.id: r for r in report.external_rows if r.set_name == "meg21_table2"}
    assert set(got) == set(TABLE2_ROW_BOUNDS)
    for rid, bound in TABLE2_ROW_BOUNDS.items():
        r = got[rid]
        assert r.role == "held_out" and r.software == "megatron-lm" and r.reference_stack_error_pct is None
        assert abs(r.error_pct) <= bound, (rid, r.error_pct)
        assert r.published_layout_fits and r.search_found, rid
    sets = {x.name: x for x in report.preregistered_sets}
    assert [x.name for x in report.preregistered_sets] == [p.stem for p in PREREGISTERED_FILES]
    assert sets["meg21_table2"].included == 6 and sets["meg21_table2"].excluded == 2
    assert sets["meg21_table2"].mean_abs_error_pct <= 2.0
    # every unpublished layout field of a Table 2 row carries its written reason
    raw = yaml.safe_load(TABLE2_VALIDATION_FILE.read_text(encoding="utf-8"))
    for row in raw["rows"]:
        if row["status"] == "included":
            assert {"tp_pp", "interleave", "recompute", "dp_overlap"} <= set(row["assumptions"]), row["id"]


def test_extended_held_out_statistics(report) -> None:
    # The original held-out fields still describe the original 11 rows only.
    assert len([r for r in report.rows if r.role == "held_out"]) == 11
    extended = [r for r in [*report.rows, *report.external_rows] if r.role == "held_out"]
    assert report.extended_held_out_count == len(extended) == EXTENDED_HELD_OUT_COUNT
    mean = sum(abs(r.error_pct) for r in extended) / len(extended)
    tmean = sum(abs(r.throughput_error_pct) for r in extended) / len(extended)
    assert report.extended_held_out_mean_abs_error_pct == pytest.approx(mean)
    assert report.extended_held_out_mean_abs_throughput_error_pct == pytest.approx(tmean)
    assert report.extended_held_out_max_abs_error_pct == pytest.approx(max(abs(r.error_pct) for r in extended))
    assert report.extended_held_out_max_abs_throughput_error_pct == pytest.approx(
        max(abs(r.throughput_error_pct) for r in extended))
    assert report.extended_held_out_mean_abs_error_pct <= EXTENDED_HELD_OUT_MAE_BOUND
    assert report.extended_held_out_mean_abs_throughput_error_pct <= EXTENDED_HELD_OUT_THROUGHPUT_MAE_BOUND
    large = [r for r in extended if r.gpus >= 4096]
    assert report.large_held_out_count == len(large) == LARGE_HELD_OUT_COUNT
    assert report.large_held_out_mean_abs_error_pct == pytest.approx(sum(abs(r.error_pct) for r in large) / len(large))
    assert report.large_held_out_mean_abs_error_pct <= LARGE_HELD_OUT_MAE_BOUND
    # The search finds every held-out published layout (or a faster one).
    assert all(r.search_found for r in extended if r.published_layout_fits)
    # The same statistic with the pre-registered (reference-stack) predictions is reported too.
    ref = [abs(r.error_pct if r.reference_stack_error_pct is None else r.reference_stack_error_pct)
           for r in extended]
    assert report.extended_held_out_reference_stack_mean_abs_error_pct == pytest.approx(sum(ref) / len(ref))
    # 8.78 % before the cross-entropy traffic term, 7.43 % after it (143 rows), 7.72 % with step_runs_7.yaml,
    # 8.25 % with step_runs_8/9.yaml, 8.02 % with Hopper's cuDNN attention efficiency, 7.59 % with step_runs_10.yaml,
    # 8.00 % with step_runs_11.yaml, 12.07 % with step_runs_13.yaml held out, 8.00 % since they calibrate the Ascend
    # GEMM constant, 9.47 % with step_runs_14/15.yaml, 9.84 % with step_runs_17.yaml, 9.51 % with step_runs_18.yaml,
    # 9.54 % with step_runs_19.yaml, 9.37 % with the interleaved schedule's data-parallel windows (post hoc), 9.35 %
    # with the mixed-precision optimizer step (post hoc)
    assert report.extended_held_out_reference_stack_mean_abs_error_pct == pytest.approx(9.35, abs=0.01)


def test_hopper_set_calibration_and_held_out_are_reported_apart(report) -> None:
    sets = {x.name: x for x in report.preregistered_sets}
    hop = sets["hopper_runs"]
    assert (hop.included, hop.calibration, hop.excluded) == (30, 18, 13)
    assert hop.calibration_mean_abs_error_pct <= HOPPER_CALIBRATION_MAE_BOUND
    assert hop.mean_abs_error_pct <= HOPPER_HELD_OUT_MAE_BOUND
    rows = [r for r in report.external_rows if r.set_name == "hopper_runs"]
    held = [r for r in rows if r.role == "held_out"]
    assert hop.mean_abs_error_pct == pytest.approx(sum(abs(r.error_pct) for r in held) / len(held))
    # The H100 rows are predicted with the hopper kernel profile, not the A100 constants.
    assert all(r.system_name for r in rows)


def test_scaling_tables_are_held_out_only(report) -> None:
    sets = {x.name: x for x in report.preregistered_sets}
    sc = sets["scaling_tables"]
    assert (sc.included, sc.calibration) == (15, 0) and sc.mean_abs_error_pct <= SCALING_HELD_OUT_MAE_BOUND
    rows = [r for r in report.external_rows if r.set_name == "scaling_tables"]
    assert max(r.gpus for r in rows) == 12288



def test_scaling_tables_report_their_preregistered_a800_sensitivity(report) -> None:
    """The file's header names megascale_ampere_a800 as a sensitivity variant to report beside the A100
    block (GPU part not published); both figures are printed, the primary one stays the set's."""
    sets = {x.name: x for x in report.preregistered_sets}
    [v] = sets["scaling_tables"].sensitivity
    assert (v.system, v.variant, v.rows) == ("megascale_ampere", "megascale_ampere_a800", 12)
    primary = [r for r in report.external_rows if r.set_name == "scaling_tables" and r.system_name
               and r.id.startswith("ms")]
    assert len(primary) == 12
    assert v.mean_abs_error_pct == pytest.approx(sum(abs(r.error_pct) for r in primary) / 12)
    # 200 instead of 300 GB/s NVLink: more exposed TP time, every MegaScale row predicted slower
    assert v.variant_mean_signed_error_pct > sum(r.error_pct for r in primary) / 12
    assert 0 < v.variant_mean_abs_error_pct < v.mean_abs_error_pct  # measured 9.47 % vs 12.61 %
    others = [x for x in report.preregistered_sets if x.name != "scaling_tables"]
    assert all(not x.sensitivity for x in others)

def test_step_runs_5_is_held_out_with_context_parallelism_and_fp8(report) -> None:
    """step_runs_5.yaml: 46 held-out DGX Cloud rows (28 with CP 2, 32 in FP8), first predicted at 6574f3d."""
    from xlcompute.planner.validation.data import STEP5_VALIDATION_FILE

    s5 = {x.name: x for x in report.preregistered_sets}["step_runs_5"]
    assert (s5.included, s5.calibration, s5.excluded) == (46, 0, 9)
    assert s5.mean_abs_error_pct <= STEP5_HELD_OUT_MAE_BOUND
    rows = load_external(STEP5_VALIDATION_FILE).rows
    assert sum(r.cp == 2 for r in rows) == 28 and sum(r.precision == "fp8" for r in rows) == 32
    # Nothing of this file enters a calibration.
    assert all(r.role == "held_out" for r in rows)


def test_step_runs_6_is_held_out_zero3_first_prediction(report) -> None:
    """step_runs_6.yaml: 51 held-out ZeRO-3 (FSDP FULL_SHARD) rows of LLM Foundry's tables, written by a
    data-only helper before any prediction and first predicted at 2c6c0fa (its dated note): 13.73 %.
    The cross-entropy traffic term was found on these rows (post hoc, seen): 10.25 %, in a later note;
    its constant is counted (48 B per logit element), never fitted on them."""
    from xlcompute.planner.validation.data import STEP6_VALIDATION_FILE

    s6 = {x.name: x for x in report.preregistered_sets}["step_runs_6"]
    assert (s6.included, s6.calibration, s6.excluded) == (51, 0, 6)
    assert round(s6.mean_abs_error_pct, 2) == STEP6_OPTIMIZER_POST_HOC_MAE
    rows = load_external(STEP6_VALIDATION_FILE).rows
    assert all(r.role == "held_out" and r.zero_stage == 3 and r.tp == r.pp == 1 for r in rows)
    note = STEP6_VALIDATION_FILE.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert f"mean |step-time error| {STEP6_HELD_OUT_MAE:.2f} %" in note and "2c6c0fa" in note
    later = STEP6_VALIDATION_FILE.read_text(encoding="utf-8").split("post hoc, cross-entropy traffic")[1]
    assert f"{STEP6_POST_HOC_MAE:.2f} %" in later
    zero3 = STEP6_VALIDATION_FILE.read_text(encoding="utf-8").split("ZeRO-3 pass by pass and FSDP's overlap")[1]
    assert f"10.25 % -> {STEP6_ZERO3_POST_HOC_MAE:.2f} %" in zero3 and "NOT used" in zero3
    nics = STEP6_VALIDATION_FILE.read_text(encoding="utf-8").split("ZeRO-3 rings on all of a server's NICs")[1]
    assert f"{STEP6_ZERO3_POST_HOC_MAE:.2f} % -> {STEP6_ALL_NICS_POST_HOC_MAE:.2f} %" in nics
    cudnn = STEP6_VALIDATION_FILE.read_text(encoding="utf-8").split("Hopper's attention kernel")[1]
    assert f"{STEP6_ALL_NICS_POST_HOC_MAE:.2f} % -> {STEP6_CUDNN_POST_HOC_MAE:.2f} %" in cudnn


def test_preregistered_files_can_be_skipped_and_never_enter_calibration() -> None:
    r = validate(search=False, preregistered=None, software_path=None)
    assert r.external_rows == [] and r.excluded_rows == [] and r.extended_held_out_count == 11
    assert r.stack_rows == [] and r.preregistered_sets == []
    # Without the pre-registered files the extended set is the original held-out set.
    assert r.extended_held_out_mean_abs_error_pct == pytest.approx(r.held_out_mean_abs_error_pct)
    ext_ids = {x.id for p in PREREGISTERED_FILES for x in load_external(p).rows} | EXCLUDED_IDS
    assert not ext_ids & set(calibrate(grid={"matmul_eff_max": (0.73,),
                                             "elementwise_traffic_factor": (1.75,)}).calibration_rows)


# ---------------- software-stack efficiency ----------------
def test_committed_stack_efficiency_is_the_calibration_result() -> None:
    cal = calibrate_software("megatron-deepspeed")
    assert cal.calibration_rows == ["mtnlg-530B-2800"]
    assert SOFTWARE_STACKS["megatron-deepspeed"] == pytest.approx(cal.efficiency, abs=5e-4)
    assert abs(cal.mean_signed_error_pct) < 1e-6
    assert SOFTWARE_STACKS["megatron-lm"] == 1.0
    with pytest.raises(ValueError, match="reference"):
        calibrate_software("megatron-lm")
    with pytest.raises(ValueError, match="allowed: megatron-lm, megatron-deepspeed, typical"):
        calibrate_software("jax")


def test_stack_calibration_rows_are_never_held_out(report) -> None:
    sw = load_external(SOFTWARE_CALIBRATION_FILE)
    assert sw.rows and all(r.role == "calibration" for r in sw.rows)
    held_ids = {r.id for r in report.external_rows} | {r.id for r in report.rows if r.role == "held_out"}
    assert not {r.id for r in sw.rows} & held_ids
    assert [r.id for r in report.stack_rows] == [r.id for r in sw.rows]
    assert abs(report.stack_rows[0].error_pct) < 0.1


def test_unknown_software_stack_is_rejected(tmp_path: Path) -> None:
    raw = yaml.safe_load(SOFTWARE_CALIBRATION_FILE.read_text(encoding="utf-8"))
    raw["rows"][0]["software"] = "colossal"
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="software='colossal' is not a known stack"):
        load_external(p)


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
    assert len(full) == len(plain) + len(report.external_rows) + len(report.stack_rows)
    assert full[0].startswith("id,set,role,software,")
    assert full[-1].startswith("mtnlg-530B-2800,software_stacks,calibration,megatron-deepspeed,step_seconds,")



def test_rows_with_context_parallelism_and_fp8() -> None:
    """A row may give cp and precision: cp divides the cards with tp and pp; FP8 runs the linear
    layers at the card's FP8 peak (the H100's 2 × BF16), as the estimate does."""
    from xlcompute.planner.steptime import step_time
    from xlcompute.planner.validation.data import (
        HOPPER_VALIDATION_FILE, build_case, fp8_peak_ratio, row_precision, with_profile,
    )

    hop = load_external(HOPPER_VALIDATION_FILE)
    row = next(r for r in hop.rows if r.id == "dgxc-nemotron4-15b-bf16-16")
    sy = with_profile(hop.systems[row.system or ""])
    _, cp_ex = build_case(row.model_copy(update={"cp": 2, "gpus": 32}))
    assert (cp_ex.cp, cp_ex.dp, cp_ex.tp) == (2, 4, 4)
    with pytest.raises(ValueError, match="tp·cp·pp"):
        build_case(row.model_copy(update={"cp": 3}))
    shape, ex = build_case(row)
    assert fp8_peak_ratio(sy) == pytest.approx(2.0, rel=1e-3)
    assert row_precision(row, sy, ex) == (sy, ex)
    fp8_sy, fp8_ex = row_precision(row.model_copy(update={"precision": "fp8"}), sy, ex)
    assert fp8_sy.peak_flops == pytest.approx(2 * sy.peak_flops, rel=1e-3)
    assert fp8_ex.precision_peak_ratio == pytest.approx(2.0, rel=1e-3)
    assert step_time(shape, fp8_sy, fp8_ex).predicted_step_seconds < step_time(shape, sy, ex).predicted_step_seconds


def test_zero3_constant_is_the_fit_on_its_calibration_rows(report) -> None:
    """DeepSpeed's ZeRO-3 overlap share is the grid fit on zero3_runs.yaml (MEG21 Table 2's ZeRO-3 runs,
    seen before the fit, calibration only): the report predicts those rows with it and they are never
    held out. At FSDP's 1.0, the planning default (an assumption, not fitted), every row comes out too
    fast, by up to 29 % (15.0 % on average); with the old 8-NIC ring up to 4x."""
    from xlcompute.planner.inputs import STEP_CONSTANTS
    from xlcompute.planner.validation.calibrate import DEEPSPEED_2021_ZERO3_OVERLAP, calibrate_zero3

    cal = calibrate_zero3()
    assert cal.zero3_overlap_fraction == DEEPSPEED_2021_ZERO3_OVERLAP == report.zero3_overlap_fraction == 0.55
    assert STEP_CONSTANTS["zero3_overlap_fraction"].value == 1.0
    # 5.33 % before the cross-entropy term, 5.43 % before the ring-step latency (max 14.51 %, 15.09 %), 5.66 %
    # before Hopper's cuDNN attention refit moved the straggler spread (max 16.34 %), 5.40 % (max 15.48 %) before the
    # interleaved schedule's data-parallel windows moved it back to 0.02 (the fit stays 0.55)
    assert cal.mean_abs_error_pct == pytest.approx(5.66, abs=0.01)
    assert max(abs(e) for e in cal.errors_pct.values()) < 16.4
    assert len(report.zero3_rows) == 6 and all(r.role == "calibration" for r in report.zero3_rows)
    assert {r.id: r.error_pct for r in report.zero3_rows} == pytest.approx(cal.errors_pct, abs=1e-9)
    full = calibrate_zero3(grid=(1.0,))
    assert all(e < 0 for e in full.errors_pct.values()) and full.mean_abs_error_pct > 14.9
    held = {r.id for r in report.external_rows} | {r.id for r in report.rows}
    assert not held & set(cal.errors_pct)


def test_seventh_step_set_first_prediction_as_recorded() -> None:
    """step_runs_7.yaml (10 small-model rows, pre-registered for the cross-entropy traffic change and predicted
    once after it was merged): the figures of its dated note (11.96 %, 153 rows 7.52 %). Since ZeRO-3 pass by
    pass (post hoc) its one ZeRO-3 row (TinyLlama, 8 GPUs in one server) moved by 0.1 point: 11.97 %, and
    the 153 rows were at 6.70 %, and at 7.00 % since ZeRO-3 rings use all NICs (post hoc). With Hopper's cuDNN
    attention efficiency and the refit (post hoc): 12.88 % (the straggler spread moved its A100 rows), 153 rows
    6.69 %. With the interleaved schedule's data-parallel windows and the refit (post hoc): 10.64 %, 153 rows 6.34 %.
    With the mixed-precision optimizer step (post hoc, no constant moved): 10.64 %, 153 rows 6.32 %."""
    from xlcompute.planner.validation.data import STEP7_VALIDATION_FILE

    report = validate(search=False)
    (s7,) = [x for x in report.preregistered_sets if x.name == "step_runs_7"]
    assert s7.included == 10 and round(s7.mean_abs_error_pct, 2) == 10.64
    s153 = [r for r in report.external_rows + report.rows
            if r.role == "held_out"
            and r.set_name not in ("step_runs_8", "step_runs_9", "step_runs_10", "step_runs_11", "step_runs_12", "step_runs_13",
                                   "step_runs_14", "step_runs_15", "step_runs_17", "step_runs_18",
                                   "step_runs_19")]
    assert len(s153) == 153 and round(sum(abs(r.error_pct) for r in s153) / 153, 2) == 6.32
    note = STEP7_VALIDATION_FILE.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "11.96 %" in note and "11.64 %" in note and "7.52 %" in note


def test_eighth_step_set_first_prediction_as_recorded(report) -> None:
    """step_runs_8.yaml (6 FSDP FULL_SHARD rows of fms-fsdp, pre-registered for the sixth session's ZeRO-3
    change, predicted once after it): 346.43 %, every row 4.2-4.8x too slow, because the model's ZeRO-3 ring
    crosses servers at one NIC per card (the MEG21 DeepSpeed regime); the model before the change gave
    386.07 %. Its dated note records both and the header's pre-stated alternative reading (post hoc). Since
    ZeRO-3 rings use all of a server's NICs (post hoc, because of that prediction): 12.48 %; with Hopper's
    cuDNN attention efficiency (post hoc): 12.18 %; with the interleaved schedule's data-parallel windows (post hoc):
    12.14 %; with the mixed-precision optimizer step (post hoc): 12.13 %."""
    from xlcompute.planner.validation.data import STEP8_VALIDATION_FILE

    (s8,) = [x for x in report.preregistered_sets if x.name == "step_runs_8"]
    assert (s8.included, s8.calibration, s8.excluded) == (6, 0, 2)
    assert round(s8.mean_abs_error_pct, 2) == 12.13
    rows = [r for r in report.external_rows if r.set_name == "step_runs_8"]
    assert len(rows) == 6 and all(r.role == "held_out" and abs(r.error_pct) < 24 for r in rows)
    note = STEP8_VALIDATION_FILE.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "346.43 %" in note and "386.07 %" in note and "eb4aa07" in note
    assert "346.43 % -> 12.48 %" in note.split("ZeRO-3 rings on all of a server's NICs")[1]


def test_ninth_step_set_first_prediction_as_recorded(report) -> None:
    """step_runs_9.yaml (16 FSDP2 rows of KempnerForge and torchtitan's community H200 benchmark, pre-registered
    before ZeRO-3 rings used all of a server's NICs, predicted once after it): 16.73 %; the model before that
    change 24.73 %, before the sixth session's ZeRO-3 changes 37.58 % (comparisons in its dated note). With
    Hopper's cuDNN attention efficiency (post hoc): 17.13 % (max 91.16 %); with the interleaved schedule's data-parallel windows and the refit (post hoc): 16.89 % (max
    92.11 %); with the mixed-precision optimizer step (post hoc, no constant moved): 16.90 % (max 92.15 %)."""
    from xlcompute.planner.validation.data import STEP9_VALIDATION_FILE

    (s9,) = [x for x in report.preregistered_sets if x.name == "step_runs_9"]
    assert (s9.included, s9.calibration, s9.excluded) == (16, 0, 12)
    assert round(s9.mean_abs_error_pct, 2) == 16.90 and round(s9.max_abs_error_pct, 2) == 92.15
    note = STEP9_VALIDATION_FILE.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "16.73 %" in note and "24.73 %" in note and "37.58 %" in note and "b0f6211" in note


def test_tenth_step_set_first_prediction_as_recorded(report) -> None:
    """step_runs_10.yaml (34 dense H100 rows of DGX Cloud v25.04/v25.05 and Megatron-Bridge, written by a data-only
    helper at a10ffac, before Hopper's attention kernel became cuDNN's, and predicted once after it): 5.33 %; the
    model before the change 5.40 % on the same rows (the declared comparison of its dated note). With the interleaved schedule's data-parallel windows and the refit (post hoc): 7.61 %.
    With the mixed-precision optimizer step (post hoc, no constant moved): 7.63 %."""
    from xlcompute.planner.validation.data import STEP10_VALIDATION_FILE

    (s10,) = [x for x in report.preregistered_sets if x.name == "step_runs_10"]
    assert (s10.included, s10.calibration, s10.excluded) == (34, 0, 11)
    assert round(s10.mean_abs_error_pct, 2) == 7.63 and round(s10.max_abs_error_pct, 2) == 18.94
    rows = [r for r in report.external_rows if r.set_name == "step_runs_10"]
    assert len(rows) == 34 and all(r.role == "held_out" and r.gpus <= 2048 for r in rows)
    note = STEP10_VALIDATION_FILE.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "5.33 %" in note and "5.40 %" in note and "c991600" in note and "a10ffac" in note


def test_eleventh_step_set_first_prediction_as_recorded(report) -> None:
    """step_runs_11.yaml (18 held-out rows: DGX Cloud v25.05.05 Nemotron-4 340B on 128-512 GB200, NeMo 25.02 FP8 on
    B200 and one H100 row; written by a data-only helper at f65d798) was wired in at 338f87b with its reporting
    declared in that commit and predicted once with the model unchanged: 12.88 % (max 23.96 %), signed -8.52 %;
    GB200 strong scaling about 20 % too fast, weak scaling 5.25 %. No constant is fitted on it. With the interleaved schedule's data-parallel windows and the refit (post hoc): 14.92 %,
    strong scaling 13-19 % too fast, weak scaling 16.04 % (the weak rows' data-parallel traffic now hides); with the mixed-precision optimizer step (post hoc, no constant moved):
    14.88 %, weak scaling 15.88 %."""
    from xlcompute.planner.validation.data import STEP11_VALIDATION_FILE

    (s11,) = [x for x in report.preregistered_sets if x.name == "step_runs_11"]
    assert (s11.included, s11.calibration, s11.excluded) == (18, 0, 10)
    assert round(s11.mean_abs_error_pct, 2) == 14.88 and round(s11.max_abs_error_pct, 2) == 22.91
    rows = {r.id: r for r in report.external_rows if r.set_name == "step_runs_11"}
    assert len(rows) == 18 and all(r.role == "held_out" and r.gpus <= 512 for r in rows.values())
    strong = [r.error_pct for i, r in rows.items() if "strong" in i]
    weak = [r.error_pct for i, r in rows.items() if "weak" in i]
    assert len(strong) == len(weak) == 6 and all(-19 < e < -13 for e in strong)
    assert round(sum(abs(e) for e in weak) / 6, 2) == 15.88
    note = STEP11_VALIDATION_FILE.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "12.88 %" in note and "338f87b" in note and "20.11 %" in note and "7.86 %" in note


def test_thirteenth_step_set_first_prediction_as_recorded(report) -> None:
    """step_runs_13.yaml (51 rows: MindSpeed-LLM 1.0.RC3's README table on Ascend 910B, Atlas 900 A2 PODc, with the
    layouts of its pretrain scripts; written by a data-only helper from 89f7d68, merged at a4fe0ed with its reporting
    declared) was predicted once with the model unchanged: 30.17 %, every row but one too fast, the miss the same on
    one server and on 16-128 cards (per-card compute, not the network). Then, post hoc, its rows calibrate the Ascend
    GEMM constant (0.49; the A100's 0.77 before) and report as calibration rows: 14.47 %; 14.52 % with the interleaved schedule's data-parallel windows and the refit (post hoc);
    14.51 % with the mixed-precision optimizer step (post hoc)."""
    from xlcompute.planner.inputs import KERNEL_PROFILES
    from xlcompute.planner.validation.calibrate import calibrate_ascend
    from xlcompute.planner.validation.data import STEP13_VALIDATION_FILE

    (s13,) = [x for x in report.preregistered_sets if x.name == "step_runs_13"]
    assert (s13.included, s13.calibration, s13.excluded) == (51, 51, 17)
    assert round(s13.calibration_mean_abs_error_pct, 2) == 14.51
    rows = [r for r in report.external_rows if r.set_name == "step_runs_13"]
    assert len(rows) == 51 and all(r.role == "calibration" and r.architecture == "ascend" for r in rows)
    # the first prediction: the borrowed A100 profile (its GEMM constant, its element-wise and attention ones)
    first, err = calibrate_ascend([KERNEL_PROFILES["ampere"].matmul_eff_max])
    assert first == KERNEL_PROFILES["ampere"].matmul_eff_max and round(err, 1) == 30.1  # 30.17 when first predicted
    # the post-hoc fit reproduces the committed constant and the calibration error
    fitted, err = calibrate_ascend()
    assert fitted == KERNEL_PROFILES["ascend"].matmul_eff_max == 0.49 and round(err, 2) == 14.51
    assert (KERNEL_PROFILES["ascend"].elementwise_traffic_factor, KERNEL_PROFILES["ascend"].flash_attention_efficiency) \
        == (KERNEL_PROFILES["ampere"].elementwise_traffic_factor, KERNEL_PROFILES["ampere"].flash_attention_efficiency)
    note = STEP13_VALIDATION_FILE.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "a4fe0ed" in note and "0b4255b" in note and "30.2 %" in note and "7.86 % (227) -> 11.95 % (278)" in note
    words = " ".join(note.split())
    assert "8 cards n=37 mean |error| 32.2 %" in words and ">8 cards n=14 mean |error| 24.8 %" in words


def test_twelfth_step_set_first_prediction_as_declared(report) -> None:
    """step_runs_12.yaml (19 held-out rows: Megatron-Bridge Llama 3 8B / 70B on B200 and GB200, MLPerf Training v5.1
    Llama 3.1 8B on 8-512 B200 / GB200 and two H100 rows; written by a data-only helper from 338f87b) was kept for a
    Blackwell change. Before its one prediction, acb40b4 declared two candidates and a rule: A, the borrowed H100
    profile; B, a Blackwell GEMM constant fitted on step_runs_11.yaml's 17 Blackwell rows; B only if it does better on
    this file's 17 Blackwell rows. B (0.62) did worse (15.8 % against 14.3 %), so the model is unchanged and the rows
    report as held out with A's errors: 14.97 % over 19. Since the interleaved schedule's data-parallel windows and
    the refit (post hoc; H100 GEMM 0.68): 11.18 %; the declared comparison, recomputed, still keeps A (B 0.54:
    11.7 % against A's 9.8 % on this file's Blackwell rows). With the mixed-precision optimizer step (post hoc, no
    constant moved): 11.15 %, and still A (B 11.8 % against 9.8 %)."""
    from xlcompute.planner.inputs import ARCHITECTURE_PROFILES
    from xlcompute.planner.validation.calibrate import calibrate_blackwell, fit_gemm_constant
    from xlcompute.planner.validation.data import STEP12_VALIDATION_FILE, architecture_of, load_external

    (s12,) = [x for x in report.preregistered_sets if x.name == "step_runs_12"]
    assert (s12.included, s12.calibration, s12.excluded) == (19, 0, 14)
    assert round(s12.mean_abs_error_pct, 2) == 11.15 and round(s12.max_abs_error_pct, 2) == 46.83
    rows = [r for r in report.external_rows if r.set_name == "step_runs_12"]
    assert all(r.role == "held_out" for r in rows) and sum(r.architecture == "blackwell" for r in rows) == 17
    # candidate B as declared: fitted on step_runs_11.yaml's Blackwell rows (at the first prediction A gave them
    # 12.74 % and B was 0.62 at 9.20 %) ...
    hopper = KERNEL_PROFILES["hopper"].matmul_eff_max
    assert calibrate_blackwell([hopper])[1] == pytest.approx(14.40, abs=0.005)  # 14.45 before the optimizer step's traffic
    fitted, err = calibrate_blackwell()
    assert fitted == 0.54 and round(err, 2) == 4.95  # 4.93 before the optimizer step's traffic
    # ... and on this file's Blackwell rows worse than A, so A (the borrowed H100 profile) stays the model
    ext = load_external(STEP12_VALIDATION_FILE)
    blackwell = [(r, ext.systems[r.system or ""]) for r in ext.rows
                 if architecture_of(ext.systems[r.system or ""]) == "blackwell"]
    a = fit_gemm_constant(blackwell, "hopper", [hopper])[1]
    b = fit_gemm_constant(blackwell, "hopper", [fitted])[1]
    assert round(a, 1) == 9.8 and round(b, 1) == 11.8 and b > a  # 14.3 and 15.8 at the first prediction; B 11.7 before the optimizer step's traffic
    assert ARCHITECTURE_PROFILES["blackwell"] == "hopper"
    held = [r.error_pct for r in rows if r.architecture == "blackwell"]
    assert sum(abs(e) for e in held) / len(held) == pytest.approx(a, abs=1e-6)
    text = STEP12_VALIDATION_FILE.read_text(encoding="utf-8")
    declaration, note = text.split("DECLARATION BEFORE THE FIRST PREDICTION")[1].split("FIRST PREDICTION (no row above")
    assert "if and only if B's mean |step-time error|" in " ".join(declaration.split())
    words = " ".join(note.split())
    assert "B is NOT adopted" in words and "7.86 % (227) -> 8.41 % (246)" in words and "14.97 %" in words


def test_fourteenth_step_set_first_prediction_as_declared(report) -> None:
    """step_runs_14.yaml (24 held-out rows from FlagPerf's NVIDIA training cases: A800 16, H800 5, H100 3, with the
    layouts of their config files; written by a data-only helper from 9632d96, merged at a2d525a with its scoring
    declared) was predicted once with the model unchanged: 9.35 %, A800 6.6 %, H800 and H100 about 15 %, mostly too
    fast: the first held-out step rows on the China-market NVIDIA cards. With the interleaved schedule's data-parallel windows and the refit (post hoc): 9.43 %, A800
    6.77 %, H800 12.67 %. With the mixed-precision optimizer step (post hoc, no constant moved): 9.31 %, A800 6.69 %, H800 12.50 %."""
    from xlcompute.planner.validation.data import STEP14_VALIDATION_FILE

    (s14,) = [x for x in report.preregistered_sets if x.name == "step_runs_14"]
    assert (s14.included, s14.calibration, s14.excluded) == (24, 0, 10)
    assert round(s14.mean_abs_error_pct, 2) == 9.31 and round(s14.max_abs_error_pct, 2) == 26.36
    rows = [r for r in report.external_rows if r.set_name == "step_runs_14"]
    a800 = [r for r in rows if "A800" in (r.system_name or "")]
    h800 = [r for r in rows if "H800" in (r.system_name or "")]
    assert (len(a800), len(h800)) == (16, 5) and all(r.role == "held_out" for r in rows)
    assert round(sum(abs(r.error_pct) for r in a800) / 16, 2) == 6.69
    assert round(sum(abs(r.error_pct) for r in h800) / 5, 2) == 12.50
    # the declared sensitivity: without the two DeepSpeed rows whose samples/s may count the whole micro-batch of 3
    rest = [r for r in rows if "lbs3" not in r.id]
    assert len(rest) == 22 and round(sum(abs(r.error_pct) for r in rest) / 22, 2) == 9.70  # 9.81 before the optimizer step's traffic
    text = STEP14_VALIDATION_FILE.read_text(encoding="utf-8")
    declared, note = text.split("SCORING DECLARED BEFORE THE FIRST PREDICTION")[1].split("FIRST PREDICTION (no row")
    assert "never the quoted figure" in " ".join(declared.split())
    words = " ".join(note.split())
    assert "all n=24 mean |error| 9.35 %" in words and "8.41 % (246) -> 8.49 % (270)" in words


def test_fifteenth_step_set_first_prediction_as_declared(report) -> None:
    """step_runs_15.yaml (5 held-out rows on Ascend 910B: MindSpore MindFormers r1.5.0 Qwen1.5 7B / 14B / 72B at 32K,
    ModelLink's 2023 LLaMA2-7B memory-reuse table; written by a data-only helper from 98cbbe5, merged at b9d87af with
    its scoring declared) was predicted once with the 910B constant fitted on step_runs_13.yaml (0.49): 34.11 %, four of
    five too fast; the A100 profile it replaced would have given 46.63 % (the declared comparison). With the interleaved schedule's data-parallel windows and the refit (post hoc): 34.18 %.
    With the mixed-precision optimizer step (post hoc, no constant moved): 34.07 %."""
    from xlcompute.planner.inputs import KERNEL_PROFILES
    from xlcompute.planner.validation.calibrate import fit_gemm_constant
    from xlcompute.planner.validation.data import STEP15_VALIDATION_FILE, load_external

    (s15,) = [x for x in report.preregistered_sets if x.name == "step_runs_15"]
    assert (s15.included, s15.calibration, s15.excluded) == (5, 0, 18)
    assert round(s15.mean_abs_error_pct, 2) == 34.07 and round(s15.max_abs_error_pct, 2) == 54.05
    rows = [r for r in report.external_rows if r.set_name == "step_runs_15"]
    assert all(r.role == "held_out" and r.architecture == "ascend" for r in rows)
    ext = load_external(STEP15_VALIDATION_FILE)
    pairs = [(r, ext.systems[r.system or ""]) for r in ext.rows]
    committed = KERNEL_PROFILES["ascend"].matmul_eff_max
    assert round(fit_gemm_constant(pairs, "ampere", [committed])[1], 2) == 34.07  # the same prediction
    # 46.63 % at the first prediction
    assert fit_gemm_constant(pairs, "ampere", [KERNEL_PROFILES["ampere"].matmul_eff_max])[1] > 34.07 + 10
    words = " ".join(STEP15_VALIDATION_FILE.read_text(encoding="utf-8").split("session): FIRST PREDICTION (no row")[1].split())
    assert "all n=5 mean |error| 34.11 %" in words and "8.49 % (270) -> 8.96 % (275)" in words


def test_seventeenth_step_set_first_prediction_as_declared(report) -> None:
    """step_runs_17.yaml (18 held-out GPT-3 175B FP8 rows of MLPerf Training v3.0-v4.1, 64 to 10,752 cards; written
    by a data-only helper from cb3f661, merged unpredicted with its scoring declared at 3a08564) was predicted once
    with the model unchanged: 15.46 % (signed +14.54 %), too slow where a replica runs few micro-batches; the 6 rows
    on 4,096 cards or more 32.67 %, the 12 below 6.85 %. Then (post hoc, found on these rows) the data-parallel traffic
    hides chunk by chunk under the interleaved schedule and the parameter gather under the next forward
    (core.comm [MCORE-SCHED]), constants refitted: 9.21 %, the 6 large rows 6.39 % (+2 to +9 %). With the mixed-precision optimizer step (post hoc, no constant moved):
    9.22 %, the large rows 6.39 %."""
    from xlcompute.planner.validation.data import STEP17_VALIDATION_FILE

    (s17,) = [x for x in report.preregistered_sets if x.name == "step_runs_17"]
    assert (s17.included, s17.calibration, s17.excluded) == (18, 0, 6)
    assert round(s17.mean_abs_error_pct, 2) == 9.22 and round(s17.max_abs_error_pct, 2) == 24.54
    rows = [r for r in report.external_rows if r.set_name == "step_runs_17"]
    assert all(r.role == "held_out" for r in rows) and len(rows) == 18
    large = [r.error_pct for r in rows if r.gpus >= 4096]
    assert len(large) == 6 and all(0 < e < 10 for e in large)  # every one > +20 % at the first prediction
    assert round(sum(abs(e) for e in large) / 6, 2) == 6.39
    text = STEP17_VALIDATION_FILE.read_text(encoding="utf-8")
    declared = text.split("SCORING DECLARED BEFORE THE FIRST PREDICTION")[1].split("FIRST PREDICTION (no row")[0]
    assert "never the quoted figure" in " ".join(declared.split())
    words = " ".join(text.split("session): FIRST PREDICTION (no row")[1].split())
    assert "all n=18 mean |error| 15.46 %" in words and ">= 4,096 GPUs n= 6 mean |error| 32.67 %" in words
    assert "8.96 % (275) -> 9.36 % (293)" in words and "11.19 % (7) -> 21.11 % (13)" in words


def test_eighteenth_step_set_first_prediction_as_declared(report) -> None:
    """step_runs_18.yaml (16 held-out Llama 3.1 405B rows of MLPerf Training v5.0-v5.1: 126 layers on 8 uneven stages,
    CP 2, on H100 / H200 / GB200 / B200, 256 to 8,192 cards; written by a data-only helper from 025cdc4, merged
    unpredicted with its scoring declared at f0c9fb5) was predicted once with the model unchanged: 3.44 %, every row
    within 9 %, the 8,192-card H100 row +3.2 %. With the interleaved schedule's data-parallel windows and the refit (post hoc): 6.84 %, the H100 and H200 rows +10 to +16 %
    (H100 GEMM 0.68 since the refit), the 8,192-card row +5.0 %; with the mixed-precision optimizer step (post hoc, no constant moved): 6.85 %."""
    from xlcompute.planner.validation.data import STEP18_VALIDATION_FILE

    (s18,) = [x for x in report.preregistered_sets if x.name == "step_runs_18"]
    assert (s18.included, s18.calibration, s18.excluded) == (16, 0, 4)
    assert round(s18.mean_abs_error_pct, 2) == 6.85 and round(s18.max_abs_error_pct, 2) == 15.74
    rows = [r for r in report.external_rows if r.set_name == "step_runs_18"]
    assert all(r.role == "held_out" for r in rows) and {r.gpus for r in rows if r.gpus >= 4096} == {8192}
    text = STEP18_VALIDATION_FILE.read_text(encoding="utf-8")
    declared = text.split("SCORING DECLARED BEFORE THE FIRST PREDICTION")[1].split("FIRST PREDICTION (no row")[0]
    assert "never the quoted figure" in " ".join(declared.replace("#", " ").split())
    words = " ".join(text.split("session): FIRST PREDICTION (no row")[1].split())
    assert "all n=16 mean |error| 3.44 %" in words and "9.36 % (293) -> 9.05 % (309)" in words
    assert "21.11 % (13) -> 19.83 % (14)" in words


def test_held_out_error_by_micro_batches_per_replica(report) -> None:
    """The held-out step rows by micro-batches per data-parallel replica (validate prints the line, docs/validation.md
    quotes it): the bins hold every held-out row once, and the model misses more where a replica runs 16 or fewer
    micro-batches (the per-step terms weigh more) than where it runs more than 32 (2026-12-05: 10.9 % over 175 rows
    against 6.5 % over 114; 9.9 % against 7.9 % since the interleaved schedule's data-parallel windows, post hoc; 9.8 %
    against 7.9 % since the mixed-precision optimizer step, post hoc)."""
    from xlcompute.planner.validation.run import MICROBATCH_BINS, by_microbatches

    held = [r for r in [*report.rows, *report.external_rows] if r.role == "held_out"]
    assert all(r.microbatches >= 1 for r in held)
    bins = by_microbatches(held)
    assert [b[0] for b in bins] == [label for label, _, _ in MICROBATCH_BINS]
    assert sum(n for _, n, _, _ in bins) == len(held) == report.extended_held_out_count
    assert [(label, n, round(mae, 1)) for label, n, mae, _ in bins] == [
        ("1-4", 137, 10.0), ("5-16", 38, 9.1), ("17-32", 24, 6.0), ("33-64", 65, 8.0), (">64", 49, 7.7)]
    few = [abs(r.error_pct) for r in held if r.microbatches <= 16]
    many = [abs(r.error_pct) for r in held if r.microbatches > 32]
    assert sum(few) / len(few) > 1.2 * sum(many) / len(many)
    assert round(sum(few) / len(few), 1) == 9.8 and round(sum(many) / len(many), 1) == 7.9


def test_nineteenth_step_set_first_prediction_as_declared(report) -> None:
    """step_runs_19.yaml (4 held-out Llama 3.1 8B rows of MLPerf Training v6.0 on GB200, B200 and H100, from a fork of the
    MLCommons results repository; written by a data-only helper from 070ede9, merged unpredicted with its scoring
    declared at 29aeade) was predicted once with the model unchanged: 12.07 %. With the interleaved schedule's data-parallel windows and the refit (post hoc): 11.62 %.
    With the mixed-precision optimizer step (post hoc, no constant moved): 11.59 %."""
    from xlcompute.planner.validation.data import STEP19_VALIDATION_FILE

    (s19,) = [x for x in report.preregistered_sets if x.name == "step_runs_19"]
    assert (s19.included, s19.calibration, s19.excluded) == (4, 0, 9)
    assert round(s19.mean_abs_error_pct, 2) == 11.59 and round(s19.max_abs_error_pct, 2) == 27.84
    rows = [r for r in report.external_rows if r.set_name == "step_runs_19"]
    assert all(r.role == "held_out" and r.microbatches == 1 for r in rows)
    words = " ".join(STEP19_VALIDATION_FILE.read_text(encoding="utf-8").split("session): FIRST PREDICTION (no row")[1].split())
    assert "all n=4 mean |error| 12.07 %" in words and "9.05 % (309) -> 9.09 % (313)" in words


def test_held_out_error_by_generation_and_recomputation(report) -> None:
    """The held-out step rows by card generation and activation recomputation (`xlcompute validate` prints the
    line; docs/validation.md, 2026-12-06, reads it): every held-out row once, and on the A100 the rows without
    recomputation too fast where the recomputing ones are not. The A100 kernel constants are fitted on Megatron
    tables that all recompute, so that regime is extrapolated there; the mechanism is not identified (post hoc)."""
    from xlcompute.planner.validation.run import by_recompute

    held = [r for r in [*report.rows, *report.external_rows] if r.role == "held_out"]
    groups = {(arch, rc): (n, mae, signed) for arch, rc, n, mae, signed in by_recompute(held)}
    assert sum(n for n, _, _ in groups.values()) == len(held) == EXTENDED_HELD_OUT_COUNT
    assert {rc for _, rc in groups} <= {"none", "selective", "full"}
    none, full = groups[("ampere", "none")], groups[("ampere", "full")]
    assert (none[0], round(none[1], 1), round(none[2], 1)) == (55, 10.7, -9.0)
    assert (full[0], round(full[1], 1), round(full[2], 1)) == (32, 4.2, -0.6)
    # the line `xlcompute validate` prints: tests/planner/test_cards.py (one CLI run for both)


def test_configurations_measured_more_than_once(report) -> None:
    """The rows that repeat one configuration for the step-time model (planner.validation.repeats; docs/validation.md,
    2026-12-06, forty-first session): clusters of one release agree within a few per cent, releases of one stack
    less so, and on those rows the model misses by more than the measurements disagree (post hoc; every row seen)."""
    from xlcompute.planner.validation.repeats import summarise_repeats

    groups = {tuple(r.id for r in g.rows): g for g in report.repeats}
    # MLPerf Training v3.1, GPT-3 175B on 10,752 H100: NVIDIA's Eos and Azure's cluster, one release
    eos_azure = groups[("mlperf31-nvidia-eosdfw-10752", "mlperf31-azure-ndh100v5-10752")]
    assert eos_azure.spread_pct == pytest.approx(100 * (0.947 / 0.930 - 1), abs=0.2)
    # the same GPT-3 run on 768 H100 in v3.0 (NVIDIA, CoreWeave) and v3.1 (NVIDIA): the release moves it 9-11 %
    trio = groups[("mlperf30-nvidia-dgxh100-768", "mlperf30-coreweave-hgxh100-768", "mlperf31-nvidia-eos-768")]
    assert round(trio.spread_pct, 1) == 11.1 and len({r.table for r in trio.rows}) == 2
    s = summarise_repeats(report.repeats)
    assert s is not None
    assert (s.groups, s.rows, s.same_table_pairs, s.cross_table_pairs) == (11, 26, 14, 6)
    assert (round(s.same_table_median_pct, 1), round(s.cross_table_median_pct, 1)) == (1.2, 5.2)
    assert (round(s.floor_pct, 1), round(s.model_pct, 1)) == (3.4, 12.5)
    assert s.floor_pct < s.model_pct

