"""The pre-registered MoE validation (moe_runs.yaml): loader, calibration on calibration rows only,
the reported figures of the first prediction, and the `xlcompute validate` MoE tables."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.end_to_end import validate_moe_end_to_end
from xlcompute.planner.inputs import STEP_CONSTANTS
from xlcompute.core.moe import MEGATRON_DROPLESS_SYNC_MS
from xlcompute.planner.validation.moe import (
    MOE_CONSTANTS,
    SYNC_FIT_IDS,
    calibrate_moe,
    fit_moe_sync,
    load_moe,
    moe_case,
    moe_sync_ms,
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
    # 22.6 before the cross-entropy traffic term's refit, 23.1 before the interleaved schedule's data-parallel windows
    assert err == pytest.approx(24.3, abs=0.1)
    # Changing every held-out measurement tenfold does not move the fit.
    moved = data.model_copy(update={"step_rows": [
        r if r.role == "calibration" else r.model_copy(update={"step_seconds": 10 * r.step_seconds})
        for r in data.step_rows]})
    assert calibrate_moe(moved)[0] == fitted


def test_prediction_figures_as_recorded_in_the_yaml(data):
    # First prediction, dated note of moe_runs.yaml (commit a9bda39): calibration 22.0 %, held-out 30.9 %
    # (Hopper 50.2 %, Blackwell 25.4 %; target <= 8 %: not met). Post hoc (second dated note, after the
    # held-out rows were seen): memory per stage, the first stage's own dense and MoE layers and states,
    # moved the step time through the first stage's data-parallel and optimizer bytes: held-out 31.0 %.
    # Third dated note (issue 11's NCCL ring channels, constants refitted on the calibration rows:
    # grouped GEMM 0.90, FP8 0.85): calibration 22.5 %, held-out 30.6 % (Hopper 49.3 %, Blackwell 25.2 %).
    # Fourth (MLA up-projection recomputation and FP8 expert inputs; constants unchanged by the refit):
    # calibration 22.6 %, held-out 30.4 % (Hopper 49.3 %, Blackwell 25.1 %).
    # Fifth (the dispatcher's host wait, fitted on the 5 dropless all-to-all rows, which count as
    # calibration since): calibration 19.5 %, held-out 8.1 % over the 4 HybridEP rows (no Hopper row left).
    # Sixth (the dense model's cross-entropy traffic term; dense and MoE constants refitted on calibration
    # rows: grouped GEMM 0.85, all-to-all 0.95, host wait 6 ms; post hoc): calibration 19.9 %, held-out 9.0 %.
    # Seventh (Hopper's cuDNN attention efficiency, every constant refitted on calibration rows: grouped GEMM
    # 0.90, all-to-all 0.90, FP8 0.80, host wait 6.25 ms; post hoc): calibration 19.8 %, held-out 8.8 %.
    # Eighth (the host wait less the GPU work issued after it, refitted: 7.5 ms; post hoc): calibration 21.1 %.
    # Ninth (the data-parallel traffic hidden chunk by chunk under the interleaved schedule, the parameter gather
    # under the next forward; every constant refitted: FP8 0.60, host wait 8 ms; post hoc): calibration 22.2 %,
    # held-out 10.2 %. Tenth (Megatron-Core's all-to-all overlap 0.6 instead of DualPipe's 0.9, tested on
    # moe_runs_10.yaml; host wait refitted 7.25 ms; post hoc): calibration 20.5 %, held-out 10.2 %.
    rep = validate_moe(data)
    assert rep.calibration_mean_abs_error_pct == pytest.approx(20.5, abs=0.1)
    assert rep.held_out_mean_abs_error_pct == pytest.approx(10.2, abs=0.1)
    assert math.isnan(rep.held_out_hopper_mean_abs_error_pct)
    assert rep.held_out_blackwell_mean_abs_error_pct == pytest.approx(10.2, abs=0.1)
    assert len(rep.rows) == 20
    assert sum(r.role == "held_out" for r in rep.rows) == 4


def test_host_wait_fitted_on_the_dropless_all_to_all_rows_only(data):
    ms, ids, err = fit_moe_sync(data)
    # 6.25 when first fitted, 6.0 after the cross-entropy traffic term, 6.25 after Hopper's cuDNN attention; 7.5
    # since the GPU work issued after the wait hides it (the host's issue time, no longer the whole wait)
    # (7.5 until the interleaved schedule's data-parallel windows, 2026-12-05; 8.0 until Megatron-Core's all-to-all
    # overlap counted 0.6 on three of these rows, 2026-12-06)
    assert ms == MEGATRON_DROPLESS_SYNC_MS == 7.25
    assert tuple(ids) == SYNC_FIT_IDS
    # was 47.7 % on these rows with no wait; 12.6 % at the first fit, 12.8 % after the cross-entropy term, 12.7 %
    # after Hopper's cuDNN attention; 16.9 % with the wait hidden by the GPU work (a worse fit of these rows); 17.6 %
    # with the interleaved schedule's data-parallel windows; 12.3 % with Megatron-Core's overlap at 0.6
    assert err == pytest.approx(12.3, abs=0.1)
    # The rule reads the row's dispatch text: capacity-padded and HybridEP rows do not wait.
    waits = {r.id: moe_sync_ms(r) for r in data.step_rows}
    assert {k for k, v in waits.items() if v} == set(SYNC_FIT_IDS)
    row = data.step_rows[0]
    for text, acc, expected in (
        ("DeepEP dispatcher, hence dropless", "H100-SXM", MEGATRON_DROPLESS_SYNC_MS),
        ("dropless; dispatcher backend not published (recipe files name flex/HybridEP for Blackwell, alltoall for "
         "H100)", "H100-SXM", MEGATRON_DROPLESS_SYNC_MS),
        # a HybridEP row does not wait, even when its text names DeepEP (moe_runs_10.yaml, 2026-12-06)
        ("dropless; Megatron-Core flex dispatcher with the HybridEP backend; not DeepEP", "H100-SXM", 0.0),
        ("dropless; dispatcher backend not published (recipe files name flex/HybridEP for Blackwell, alltoall for "
         "H100)", "B200", 0.0),
        ("alltoall, token drop: capacity factor 1.0, padded to capacity", "H100-SXM", 0.0),
    ):
        assert moe_sync_ms(row.model_copy(update={"token_dispatch": text, "accelerator": acc})) == expected


def test_end_to_end_rows_predict_from_planning_inputs():
    rows = {r.id: r for r in validate_moe_end_to_end()}
    assert all(r.failure is None for r in rows.values())
    v3 = rows["deepseek-v3-pretrain"]
    assert v3.published_gpu_hours == 2.664e6 and v3.cards == 2048 and "EP" in (v3.layout or "")
    assert v3.predicted_gpu_hours is not None and v3.predicted_gpu_hours > 0
    # The figure shown in moe_runs.yaml's latest dated note and the README (post hoc: the preset's recipe).
    # +31.9 % before the cross-entropy traffic term of the output layer, +31.3 % before Hopper's cuDNN
    # attention efficiency, +27.8 % before the batch band and its refit, +27.0 % before the preset's recipe sent
    # each token once per server (the deduplicating dispatch), +22.7 % before the planner tried unequal
    # interleaved chunks (their dated notes), +20.1 % before the interleaved schedule's data-parallel windows, +18.9 %
    # before the FP8 recipe's FP32 gradients and FP8 SwiGLU inputs (the fifty-first session's dated note)
    assert round(v3.error_pct, 1) == 21.8 and v3.layout == "TP2·PP2·EP128·DP512"  # type: ignore[arg-type]
    note = (Path(__file__).resolve().parents[2] / "xlcompute/data/validation/moe_runs.yaml").read_text(
        encoding="utf-8").split("a preset's published recipe")[1]
    assert "3.514M H800-hours (+31.9%" in note and "3.499M H800-hours (+31.3%" in note
    assert "3.404M H800-hours (+27.8%" in note and "3.382M H800-hours (+27.0%" in note
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "+21.8% now (10%), post hoc" in readme
    assert "3.169M -> 3.244M H800-hours, +18.9 -> +21.8 %" in note.split("SwiGLU inputs")[1]
    assert "3.382M -> 3.269M H800-hours, +27.0 -> +22.7 %" in note.split("the deduplicating dispatch")[1]
    assert "3.269M -> 3.200M H800-hours, +22.7 -> +20.1 %" in note.split("unequal interleaved chunks")[1]


def test_validate_prints_the_moe_tables():
    out = CliRunner().invoke(app, ["validate", "--no-search"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    text = out.output
    for phrase in ("Mixture-of-experts step time", "calibration rows", "held-out rows", "MoE step time, mean |error|",
                   "Mixture-of-experts end to end", "deepseek-v3", "granite-3.0", "blind"):
        assert phrase in text
    # The dense tables come first and are unchanged in form.
    assert text.index("Step-time model vs published measurements") < text.index("Mixture-of-experts step time")
    # A pre-registered step set is labelled by its file, not by its position among the wired sets.
    assert "s13 = pre-registered step_runs_13.yaml" in text and "ext = pre-registered external_runs.yaml" in text


def test_dgxc_deepseek_v3_512_h100_memory_per_stage_hand_computed(data):
    """DGX Cloud DeepSeek-V3 on 512 H100 (TP 2, PP 8, EP 64, SP, selective recomputation, flash) ran on
    80 GB cards. Per micro-batch (s 4096, h 7168, 128 heads of 128, split by TP 2 with SP):
    shared part (10sh + 4s·128·128·2)/2 = 415,236,096; dense MLP 2s·18,432·3/2 = 226,492,416;
    shared expert 2s·2,048·3/2 = 25,165,824; routed rows 4096·8/2 = 16,384: 2·16,384·7168 +
    2·16,384·2048·3 = 436,207,616; flash log-sum-exp 4·128·4096/2 = 1,048,576. The recipe's selective
    recomputation of the MLA up-projections (mla_up_proj) does not keep Q and K, V,
    (2 + 4)·4096·128·128/2 = 201,326,592, and keeps the latents 2·4096·2,112/2 = 8,650,752 instead:
    192,675,840 fewer per layer (core.moe.mla_recompute_saving).
    The first stage (⌈61/8⌉ = 8 layers: the 3 dense layers and 5 MoE layers) keeps 8 micro-batches
    in flight, the second (8 MoE layers) 7 (Korthikanti et al. 2022 §4.2.3)."""
    from xlcompute.planner.steptime import STEP_GRAPH
    from xlcompute.planner.inputs import execution_values, system_values
    row = next(r for r in data.step_rows if r.id == "dgxc-dsv3-h100-bf16-512")
    shape, ex, ratio = moe_case(row, data)
    values = {**shape.values(), **system_values(moe_system(row.accelerator, MOE_CONSTANTS, ratio)),
              **execution_values(ex)}
    keys = ("act_stored_dense_layer", "act_stored_moe_layer", "activations_per_gpu", "later_activations_per_gpu",
            "first_stage_moe_layers", "later_stage_moe_layers", "expert_params_per_gpu", "later_expert_params_per_gpu",
            "first_stage_mem_per_gpu", "later_stage_mem_per_gpu", "mem_per_gpu", "mem_fits")
    out = {k: float(v) for k, v in STEP_GRAPH.run(values, keys).items() if k in keys}
    mla = 201_326_592 - 8_650_752
    dense = 415_236_096 + 226_492_416 + 1_048_576 - mla
    moe_layer = 415_236_096 + 25_165_824 + 436_207_616 + 1_048_576 - mla
    assert out["act_stored_dense_layer"] == pytest.approx(dense, rel=1e-12)
    assert out["act_stored_moe_layer"] == pytest.approx(moe_layer, rel=1e-12)
    assert (out["first_stage_moe_layers"], out["later_stage_moe_layers"]) == (5, 8)
    assert out["activations_per_gpu"] == pytest.approx(8 * (3 * dense + 5 * moe_layer), rel=1e-12)  # 38.20 GB
    assert out["later_activations_per_gpu"] == pytest.approx(7 * 8 * moe_layer, rel=1e-12)  # 38.36 GB
    # routed experts per card: 256 experts × 3·7168·2048 per layer / EP 64, for the stage's MoE layers
    per_layer = 256 * 3 * 7168 * 2048 / 64
    assert out["expert_params_per_gpu"] == pytest.approx(5 * per_layer, rel=1e-9)
    assert out["later_expert_params_per_gpu"] == pytest.approx(8 * per_layer, rel=1e-9)
    # The second stage binds; the card fits 80 GB (the layer-average model said 86.5 GB; per stage
    # without the MLA recomputation 77.9 GB).
    assert out["mem_per_gpu"] == max(out["first_stage_mem_per_gpu"], out["later_stage_mem_per_gpu"])
    assert out["mem_per_gpu"] == out["later_stage_mem_per_gpu"]
    assert out["mem_per_gpu"] / 1e9 == pytest.approx(67.1, abs=0.1) and out["mem_fits"] == 1


def test_a_stage_of_moe_layers_is_checked_when_the_dense_layers_fill_the_second():
    """DeepSeek-V3 on 61 stages of one layer (EP 1): the first three hold the dense layers, stage 3
    the first MoE layer, 256 × 3·7168·2048 = 11.3B routed-expert weights with their gradients and
    Adam states on one card. Checking the second stage (a dense layer) called the layout 70 GB and
    let the planner run DeepSeek-V3 on 64 H800; it needs over 150 GB."""
    from xlcompute import estimate, parse_scenario
    from xlcompute.planner import PlannerError
    from xlcompute.planner.inputs import Execution, execution_values, system_values
    from xlcompute.planner.steptime import STEP_GRAPH, TransformerShape
    from xlcompute import catalog

    shape = TransformerShape(arch=catalog.get_model("deepseek-v3").arch, seq_len=4096)
    ex = Execution(tp=1, pp=61, dp=1, micro_batch=1, global_batch=61, recompute="full")
    out = STEP_GRAPH.run({**shape.values(), **system_values(moe_system("H800")), **execution_values(ex)},
                         ("later_stage_index", "later_stage_moe_layers", "later_expert_params_per_gpu",
                          "first_stage_mem_per_gpu", "later_stage_mem_per_gpu", "mem_per_gpu", "mem_fits"))
    assert float(out["later_stage_index"]) == 3 and float(out["later_stage_moe_layers"]) == 1
    assert float(out["later_expert_params_per_gpu"]) == pytest.approx(256 * 3 * 7168 * 2048, rel=1e-9)
    assert float(out["mem_per_gpu"]) == float(out["later_stage_mem_per_gpu"]) > 150e9
    assert float(out["mem_fits"]) == 0
    with pytest.raises(PlannerError, match=r"cluster.cards \(64\): no layout of 64 cards fits"):
        estimate(parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "1T"},
                                 "cluster": {"accelerator": "H800", "cards": 64}}))


def test_dense_model_memory_is_the_first_stage_as_before():
    """A dense model: no MoE layers, every per-kind activation the layer's own and the second stage
    never the busier (one micro-batch fewer, no embedding)."""
    from xlcompute.planner.steptime import STEP_GRAPH, TransformerShape
    from xlcompute.planner.inputs import Execution, execution_values, system_values
    from xlcompute import catalog
    arch = catalog.get_model("llama2-70b").arch
    shape = TransformerShape(arch=arch, seq_len=4096)
    for pp, rc in ((4, "selective"), (8, "full"), (1, "none")):
        ex = Execution(tp=8, pp=pp, dp=4, micro_batch=1, global_batch=64, sequence_parallel=True, recompute=rc)
        sysv = system_values(moe_system("H100-SXM"))
        out = STEP_GRAPH.run({**shape.values(), **sysv, **execution_values(ex)},
                             ("mem_per_gpu", "first_stage_mem_per_gpu", "later_stage_mem_per_gpu", "act_stored_layer",
                              "act_stored_first_stage_layer", "first_stage_moe_layers"))
        first, later = float(out["first_stage_mem_per_gpu"]), float(out["later_stage_mem_per_gpu"])
        assert float(out["mem_per_gpu"]) == first > later
        assert float(out["act_stored_first_stage_layer"]) == float(out["act_stored_layer"])
        assert float(out["first_stage_moe_layers"]) == 0


def test_deepseek_v3_with_its_published_setup_reproduces_the_published_hours():
    """Post hoc sensitivity (moe_runs.yaml, dated notes): DeepSeek-V3 typed with DeepSeek's own layout,
    batch, DualPipe overlap and a tuned stack lands within 7 % of the step time the published 2.664M
    H800-hours imply, and within 12 % end to end (+2.6 % / +7.0 % before the cross-entropy traffic of
    the output layer, which adds ~0.9 s per step at V = 129K and 120 micro-batches, and the MoE refit:
    +6.6 % / +11.1 %; +3.2 % / +7.6 % with Hopper's cuDNN attention efficiency); with its MLA up-projection recomputation and FP8 expert inputs (selective
    recomputation, FP8) the layout fits the 80 GB card, without them not."""
    from xlcompute import Scenario, estimate

    def run(recompute: str):
        return estimate(Scenario.model_validate({
            "name": "deepseek-v3 published setup", "model": {"preset": "deepseek-v3"},
            "training": {"tokens": 14.8e12, "seq_len": 4096, "precision": "fp8", "tp": 1, "pp": 16, "ep": 64,
                         "zero_stage": 1, "a2a_overlap": 1, "global_batch": 15360, "software": "megatron-lm",
                         "recompute": recompute},
            "cluster": {"accelerator": "H800", "cards": 2048}}))

    r = run("selective")
    steps = 14.8e12 / (15360 * 4096)
    implied = 2.664e6 * 3600 / 2048 / steps
    assert r["predicted_step_seconds"] == pytest.approx(implied, rel=0.07)
    assert r["gpu_hours"] == pytest.approx(2.664e6, rel=0.12)
    assert r["mem_per_gpu_gb"] <= 80 and r["mem_fits"] == 1
    kept = run("none")
    assert kept["mem_per_gpu_gb"] > 100  # Q, K and V of 128 heads kept for 15 micro-batches in flight


def test_the_host_wait_quoted_to_users_is_the_fitted_one():
    from xlcompute.registry import QUANTITIES
    from xlcompute.scenario import TrainingPlan
    from xlcompute.sources import FIELD_ZH

    ms = f"{MEGATRON_DROPLESS_SYNC_MS:g}"
    assert f"{ms} ms per MoE layer" in TrainingPlan.model_fields["moe_sync_ms"].description
    assert f"{ms} ms, fitted" in QUANTITIES["moe_sync_ms"].source
    assert f"{ms} 毫秒" in FIELD_ZH["training.moe_sync_ms"]


def test_second_moe_set_first_prediction_as_recorded():
    # moe_runs_2.yaml, predicted once after the host-wait change (dated note of 2026-12-02, 13:52 UTC).
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary

    path = MOE_LATER_SETS[0]
    # First prediction (53.1 %; 48.6 % with no wait) is in the note; the model has changed since (the
    # cross-entropy traffic term and its refit, post hoc): the same rows now, as the second dated note says.
    groups = held_out_summary(validate_moe(load_moe(path)))
    # 51.0 / 36.8 / 93.7 / 64.3 / 40.7 % before Hopper's cuDNN attention efficiency (its third dated note), then
    # 52.5 / 38.1 / 95.5 / 65.8 / 42.1 %; since the host wait is hidden by the GPU work it issues (fourth note):
    # 45.1 / 35.7 / 73.2 / 48.9 / 42.1 % before the deduplicating dispatch (fifth note), then 27.5 / 26.2 / 31.6 /
    # 25.2 / 29.4 %; since the interleaved schedule's data-parallel windows and the refit (post hoc) 28.2 / 28.6 /
    # 26.95 / 22.4 / 32.7 %; 28.2 / 28.6 / 27.05 / 22.5 / 32.7 % after the mixed-precision optimizer step; since
    # Megatron-Core's all-to-all overlap counts 0.6 and the host wait 7.25 ms (post hoc, 2026-12-06):
    expected = {"all": (16, 25.27), "MBR": (12, 25.12), "AMPS": (4, 25.73), "hopper": (7, 20.2), "blackwell": (9, 29.21)}
    for key, (n, mean) in expected.items():
        assert groups[key][0] == n and groups[key][1] == pytest.approx(mean, abs=0.05), key
    comparison = held_out_summary(validate_moe(load_moe(path), sync_ms=0.0))
    assert comparison["all"][1] == pytest.approx(26.46, abs=0.05)  # 32.0 with the overlap at 0.9
    text = path.read_text(encoding="utf-8")
    note = text.split("FIRST PREDICTION")[1]
    assert "mean |error|  53.1 %" in note and "all 48.6 %" in note
    assert "all 51.0 %" in text.split("POST HOC, the cross-entropy traffic term")[1]
    assert "all 52.5 %" in text.split("POST HOC, Hopper's attention kernel")[1]
    assert "all 45.1 %" in text.split("POST HOC, the host wait hidden")[1]
    assert "all 27.5 %" in text.split("POST HOC, the deduplicating dispatch")[1]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "**53.1% (16)**" in readme and "48.6% with no wait" in readme


def test_third_moe_set_first_prediction_as_recorded():
    """moe_runs_3.yaml (5 Qwen3-235B rows of the Megatron MoE Model Zoo on 256 H100, pre-registered by a data-only
    helper, reserved until the next change that moves them: c991600, Hopper's cuDNN attention and the MoE refit):
    63.5 %, every row too slow; 63.0 % with the model before it, 24.5 % with no host wait (comparisons). Since
    the host wait is hidden by the GPU work it issues (post hoc, its second dated note): 38.1 %."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary

    path = MOE_LATER_SETS[1]
    assert path.name == "moe_runs_3.yaml"
    groups = held_out_summary(validate_moe(load_moe(path)))
    assert groups["all"][0] == groups["hopper"][0] == 5
    # 38.1 % before the deduplicating dispatch (post hoc, its third dated note), 37.6 % before the interleaved
    # schedule's data-parallel windows and the refit (post hoc), 38.3 % before Megatron-Core's all-to-all overlap
    # counted 0.6 and the host wait 7.25 ms (post hoc, 2026-12-06)
    assert groups["all"][1] == pytest.approx(35.77, abs=0.05) and groups["all"][2] > 30
    assert held_out_summary(validate_moe(load_moe(path), sync_ms=0.0))["all"][1] == pytest.approx(14.11, abs=0.05)
    note = path.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "63.5 %" in note and "63.0 %" in note and "24.5 %" in note and "c991600" in note
    assert "Same rows now: 38.1 %" in path.read_text(encoding="utf-8").split("POST HOC, the host wait hidden")[1]
    assert "Same rows now: 37.6 %" in path.read_text(encoding="utf-8").split("POST HOC, the deduplicating")[1]


def test_fourth_moe_set_first_prediction_as_recorded():
    """moe_runs_4.yaml (2 Llama 4 Maverick rows on 512 H100, DGX Cloud v25.05.05, pre-registered before the host-wait
    change and predicted once after it): 6.9 %; both rows are capacity-padded, so they do not wait and the change
    does not touch them (the model before it gives the same figures). 8.0 % since the interleaved schedule's
    data-parallel windows and the refit (post hoc); 7.9 % since the mixed-precision optimizer step (post hoc)."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary, moe_sync_ms

    path = MOE_LATER_SETS[2]
    assert path.name == "moe_runs_4.yaml"
    data = load_moe(path)
    assert len(data.step_rows) == 2 and all(r.role == "held_out" and moe_sync_ms(r) == 0 for r in data.step_rows)
    groups = held_out_summary(validate_moe(data))
    assert groups["all"][0] == 2 and groups["all"][1] == pytest.approx(7.9, abs=0.05)
    note = path.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "6.9 %" in note and "1f95a07" in note and "does NOT test that change" in note


def test_fifth_moe_set_first_prediction_as_recorded():
    """moe_runs_5.yaml (5 dropless rows of Megatron-Bridge 26.02-26.04, H100 and B200, written after the host-wait
    change and predicted once): 23.6 %; 24.4 % with the model before the change, 36.8 % with no wait. Since the
    interleaved schedule's data-parallel windows and the refit (post hoc): 23.9 %, 39.4 % with no wait. Since
    Megatron-Core's all-to-all overlap counts 0.6 (four of these rows turn it on) and the host wait 7.25 ms (post hoc,
    2026-12-06): 12.66 %, 22.32 % with no wait."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary, moe_sync_ms

    path = MOE_LATER_SETS[3]
    assert path.name == "moe_runs_5.yaml"
    data = load_moe(path)
    assert len(data.step_rows) == 5 and all(r.role == "held_out" and moe_sync_ms(r) > 0 for r in data.step_rows)
    groups = held_out_summary(validate_moe(data))
    assert groups["all"][0] == 5 and groups["all"][1] == pytest.approx(12.66, abs=0.05)
    assert held_out_summary(validate_moe(data, sync_ms=0.0))["all"][1] == pytest.approx(22.32, abs=0.05)
    note = path.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "23.6 %" in note and "24.4 %" in note and "36.8 %" in note and "1f95a07" in note


def test_the_dedup_rule_reads_the_dispatch_text() -> None:
    """planner.validation.moe.moe_dedup (written before moe_runs_6.yaml was predicted): DeepEP or HybridEP named and
    not Megatron-Core's alltoall dispatcher; the not-published Megatron-Bridge rows follow the recipes (HybridEP on
    Blackwell, alltoall on Hopper); a plain all-to-all or a capacity-padded dispatch sends one copy per expert."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, moe_dedup

    rows = {r.id: r for p in (None, *MOE_LATER_SETS) for r in load_moe(p).step_rows}
    assert moe_dedup(rows["automodel-dsv3-h100-bf16-256"])  # "DeepEP dispatcher"
    assert moe_dedup(rows["mbr2511-dsv3-gb200-bf16-256"])  # "flex dispatcher, HybridEP backend assumed"
    assert moe_dedup(rows["mbr260401-dsv3-b200-mxfp8-256-pp8vp2ep32"])  # not published, Blackwell
    assert not moe_dedup(rows["mbr260401-qwen3-235b-h100-fp8-256"])  # alltoall dispatcher
    assert not moe_dedup(rows["mmz-qwen3-235b-h100-bf16-256-tp2pp32ep8vp3-a2a"])  # 'A2A', "no DeepEP"
    assert not moe_dedup(rows["dgxc-dsv3-h100-bf16-512"])  # alltoall, token drop
    assert not moe_dedup(rows["mbr2602-qwen3-235b-h100-fp8-256"])  # alltoall; "flex ... backend(None)"


def test_sixth_moe_set_first_prediction_as_recorded() -> None:
    """moe_runs_6.yaml (8 MoE rows, 3 with expert parallelism across servers; written by a data-only helper from be8f5ab,
    before the deduplicating dispatch) was predicted once after it (4c913b1): 18.28 %. The change touches two rows;
    they came out at 23.18 % with it against 30.80 % without (the declared comparison), so it stays. 20.70 % since the
    interleaved schedule's data-parallel windows and the refit (post hoc); 20.71 % since the mixed-precision optimizer
    step (post hoc); 19.79 % since Megatron-Core's all-to-all overlap counts 0.6 and the host wait 7.25 ms (post
    hoc)."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary, moe_dedup

    (path,) = [p for p in MOE_LATER_SETS if p.name == "moe_runs_6.yaml"]
    data = load_moe(path)
    report = validate_moe(data)
    assert held_out_summary(report)["all"][0] == 8
    assert held_out_summary(report)["all"][1] == pytest.approx(19.79, abs=0.005)
    rows = {r.id: r for r in data.step_rows}
    touched = [i for i, r in rows.items() if moe_dedup(r) and r.ep * r.etp > 8 and r.accelerator == "H100-SXM"]
    assert sorted(touched) == ["automodel-gptoss120b-h100-bf16-64", "mbr2604-qwen3-30b-h100-fp8-16-ep16"]
    note = path.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "18.28 %" in note and "23.18 %" in note and "30.80 %" in note and "STAYS" in note and "4c913b1" in note



def test_seventh_moe_set_first_prediction_as_recorded() -> None:
    """moe_runs_7.yaml (17 Qwen3-30B-A3B rows on 64 H100 of AWS p5 over EFA: NCCL alltoall, DeepEP+UCCL and
    DeepEP+NVSHMEM; written by a data-only helper, merged at b3c07b2 with no MoE change pending) as predicted once:
    28.82 %, signed -25.25 %. Its DeepEP arms run through a CPU proxy over EFA, so no rule changed on it. 28.56 % since
    the interleaved schedule's data-parallel windows and the refit (post hoc); 28.74 % since Megatron-Core's all-to-all
    overlap counts 0.6 and the host wait 7.25 ms (post hoc): its five overlap-on rows stay too fast even with none."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary, moe_dedup, moe_sync_ms

    (path,) = [p for p in MOE_LATER_SETS if p.name == "moe_runs_7.yaml"]
    data = load_moe(path)
    report = validate_moe(data)
    count, mean = held_out_summary(report)["all"][:2]
    assert count == 17 and mean == pytest.approx(28.74, abs=0.005)
    rows = {r.id: r for r in data.step_rows}
    assert all(r.accelerator == "H100-SXM" and r.role == "held_out" for r in rows.values())
    deepep = [r for r in rows.values() if "deepep" in r.token_dispatch.lower()]
    assert len(deepep) == 11 and all(moe_dedup(r) and moe_sync_ms(r) > 0 for r in deepep)
    note = path.read_text(encoding="utf-8").split("FIRST PREDICTION (no row above changed)")[1]
    assert "b3c07b2" in note and "28.82 %" in note and "23.54 % (40 rows) -> 25.11 % (57 rows)" in note
    assert "No rule changes on this evidence" in note


def test_eighth_moe_set_first_prediction_as_declared() -> None:
    """moe_runs_8.yaml (FlagPerf's qwen1.5_MoE-megatron case on 8 A800, one layout printed in BF16 and FP16; written
    by a data-only helper from a4075c1, merged at e332f40 with its scoring declared) as predicted once: both rows about
    21 % too fast, quoted as one measurement; the first MoE step row on an A800."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary

    (path,) = [p for p in MOE_LATER_SETS if p.name == "moe_runs_8.yaml"]
    report = validate_moe(load_moe(path))
    count, mean, signed = held_out_summary(report)["all"]
    assert count == 2 and mean == pytest.approx(21.37, abs=0.005) and signed == pytest.approx(-mean)  # 21.38 before the optimizer step's traffic
    assert {r.accelerator for r in report.rows} == {"A800"}
    note = path.read_text(encoding="utf-8").split("session): FIRST PREDICTION (no row above changed)")[1]
    assert "e332f40" in note and "-21.8 %" in note and "-20.9 %" in note and "mean |error| 21.4 %" in note


def test_ninth_moe_set_first_prediction_as_declared() -> None:
    """moe_runs_9.yaml (MLPerf Training v6.0 DeepSeek-V3 671B pre-training on 256 to 8,192 GB200, MXFP8, from a fork of the
    MLCommons results repository; written by a data-only helper from ea8aa06, merged with its scoring declared at
    eee787c) as predicted once: every row too fast, 26.52 %, more so at scale (-17.5 % at 256 cards, -37.4 % at 8,192).
    30.94 % since the interleaved schedule's data-parallel windows and the refit (post hoc; -20.1 % to -44.7 %);
    26.07 % since Megatron-Core's all-to-all overlap counts 0.6 and the host wait 7.25 ms (post hoc)."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary

    (path,) = [p for p in MOE_LATER_SETS if p.name == "moe_runs_9.yaml"]
    report = validate_moe(load_moe(path))
    count, mean, signed = held_out_summary(report)["all"]
    assert count == 5 and mean == pytest.approx(26.07, abs=0.005) and signed == pytest.approx(-mean)
    assert {r.accelerator for r in report.rows} == {"GB200"}
    errors = [r.error_pct for r in sorted(report.rows, key=lambda r: r.measured, reverse=True)]
    assert errors == sorted(errors, reverse=True)  # the fewer micro-batches per replica, the faster than measured
    note = path.read_text(encoding="utf-8").split("session): FIRST PREDICTION (no row above changed)")[1]
    assert "eee787c" in note and "mean |error| 26.52 %" in note and "24.99 % (59" in note and "25.11 % (64 rows)" in note


def test_tenth_moe_set_first_prediction_and_the_overlap_decision() -> None:
    """moe_runs_10.yaml (8 Megatron-Bridge rows, 6 with Megatron-Core's all-to-all overlap on, one published ON/OFF
    pair; written by a data-only helper from 3e6b09b, where docs/validation.md declared the test of 0.6 against 0.9
    before the file existed; merged unpredicted at a2e23d1) as predicted once: 64.11 % with 0.9, 70.76 % with 0.6,
    every row far too slow because its HybridEP text says "not DeepEP" and the host-wait rule read the word. With
    the rule as documented (HybridEP does not wait): 12.67 % with 0.9, 7.58 % with 0.6; 0.6 has the lower error on
    the 6 overlap-on rows (6.77 against 13.56 %) and gives the pair's ON/OFF ratio 0.841 against the published
    0.849-0.853 (0.762 with 0.9), so Megatron-Core's overlap counts 0.6 since (post hoc for these rows)."""
    import xlcompute.planner.validation.moe as moe_module
    from xlcompute.core.moe import DUALPIPE_OVERLAP, MCORE_A2A_OVERLAP
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, held_out_summary, moe_sync_ms

    (path,) = [p for p in MOE_LATER_SETS if p.name == "moe_runs_10.yaml"]
    data = load_moe(path)
    rows = {r.id: r for r in data.step_rows}
    assert len(rows) == 8 and all(r.role == "held_out" for r in rows.values())
    assert all(moe_sync_ms(r) == 0.0 for r in rows.values())  # HybridEP: no host wait, "not DeepEP" or not
    on = {i for i, r in rows.items() if "moe_a2a_overlap true" in r.token_dispatch.lower()}
    assert len(on) == 6
    assert (MCORE_A2A_OVERLAP, DUALPIPE_OVERLAP) == (0.6, 0.9)
    report = validate_moe(data)
    count, mean, signed = held_out_summary(report)["all"]
    assert count == 8 and mean == pytest.approx(7.58, abs=0.005) and signed == pytest.approx(-3.17, abs=0.005)
    err = {r.id: r for r in report.rows}
    on_mean = sum(abs(err[i].error_pct) for i in on) / len(on)
    assert on_mean == pytest.approx(6.77, abs=0.005)
    off = err["mbrskill-qwen3-30b-h100-bf16-16-ep16-hybridep-ovloff"].predicted
    for arm, published in (("search", 21.0725), ("validation", 20.9920)):
        ratio = err[f"mbrskill-qwen3-30b-h100-bf16-16-ep16-hybridep-ovlon-{arm}"].predicted / off
        assert ratio == pytest.approx(0.841, abs=0.001) and abs(ratio - published / 24.7138) < 0.015
    # the declared alternative, the model's 0.9 before: worse on the overlap-on rows
    original = moe_module._a2a_overlap
    try:
        moe_module._a2a_overlap = lambda row: DUALPIPE_OVERLAP if original(row) else 0.0
        old = {r.id: r.error_pct for r in validate_moe(data).rows}
    finally:
        moe_module._a2a_overlap = original
    assert sum(abs(old[i]) for i in on) / len(on) > on_mean
    text = path.read_text(encoding="utf-8")
    first = text.split("session): FIRST PREDICTION (no row above changed)")[1]
    assert "a2e23d1" in first and "64.11 %" in first and "70.76 %" in first and "26.05 % (64 rows) -> 30.28 %" in first
    assert "6.77 %" in text.split("POST HOC, the dispatcher rule as documented")[1]

