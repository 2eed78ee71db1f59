"""The serving validation (xlcompute.serving_validation, `xlcompute validate --serving`): the
pre-registered rows are read unchanged, the fit sees calibration rows only and keeps the efficiencies
physical, each TPOT is scored with the statistic its source publishes, the CLI prints each metric
apart and predicts a second file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute import catalog
from xlcompute.serving_model import FITTED, PRECISIONS, model_shape, replica_figures
from xlcompute.serving_validation import (
    DEQUANT_FIT_SETS,
    SERVING_RUNS,
    SERVING_SETS,
    ServingRun,
    card_of,
    decode_fit_rows,
    expert_loop_fit_rows,
    fit,
    pooled_held_out,
    load_serving_runs,
    predict_run,
    tpot_statistic,
    validate_serving,
)

runner = CliRunner()
#: The committed model as it was before the serving grouped-GEMM efficiency was fitted (2026-12-05): the routed
#: experts at the training model's 0.90, and no per-expert kernels (fitted later that day). Historical first
#: predictions of sets with MoE rows are recomputed with it.
BEFORE_MOE_FIT = FITTED.model_copy(update={"grouped_gemm_efficiency": 0.9, "expert_kernel_s": 0.0})


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


def test_fit_uses_calibration_rows_and_the_decode_fit_rows_only() -> None:
    """Changing every held-out measurement but the 40 TPOT rows the decode constant is fitted on leaves
    the fitted constants unchanged; changing a calibration measurement, or those rows, moves them."""
    runs = load_serving_runs()
    decode = {r.id for r in decode_fit_rows(runs)}
    assert len(decode) == 40 and {r.source for r in runs if r.id in decode} == {"LMD01", "GPTFAST", "NIM18"}
    assert all(r.precision["weights"] in ("fp16", "bf16", "fp8") for r in runs if r.id in decode)

    def scaled(r: ServingRun, f: float) -> ServingRun:
        measured = {k: (v * f if isinstance(v, (int, float)) else v) for k, v in r.measured.items()}
        derived = {k: (v * f if isinstance(v, (int, float)) else v) for k, v in r.derived.items()}
        return r.model_copy(update={"measured": measured, "derived": derived})

    held_changed = tuple(scaled(r, 3.0) if r.role == "held_out" and r.id not in decode else r for r in runs)
    base = fit(runs)
    assert fit(held_changed) == base
    assert fit(tuple(scaled(r, 1.5) if r.id in decode else r for r in runs)) != base
    cal_changed = tuple(scaled(r, 0.5) if r.role == "calibration" else r for r in runs)
    assert fit(cal_changed) != base


def test_committed_constants_are_the_fit() -> None:
    k = fit()
    for name in ("compute_efficiency_16", "compute_efficiency_fp8", "hbm_efficiency", "prefill_layer_overhead_s",
                 "decode_layer_overhead_s"):
        assert getattr(k, name) == pytest.approx(getattr(FITTED, name), rel=1e-6), name
    # Physical bounds: no kernel beats the card's peak; the decode step's floor is tens of µs per layer,
    # inside its grid (a fit at the grid's edge would mean the grid, not the data, set it).
    assert 0 < k.hbm_efficiency <= 1 and 0 < k.compute_efficiency_16 <= 1 and 0 < k.compute_efficiency_fp8 <= 1
    assert 10e-6 < k.decode_layer_overhead_s < 120e-6


def test_committed_model_figures() -> None:
    """The committed model's calibration figures (the fit's own rows), and the row counts scored."""
    rep = validate_serving()
    expected = {("calibration", "ttft"): 8.7, ("calibration", "throughput"): 9.2, ("calibration", "tpot"): 7.6}
    for (role, metric), value in expected.items():
        s = rep.summary(role, metric)
        assert s is not None and round(s.mean_abs_error_pct, 1) == value, (role, metric)
    counts = {(s.role, s.source, s.metric): s.count for s in rep.summaries}
    # 49 TPOT rows pre-registered, 3 MLPerf not predicted; 40 fitted on (calibration) since the fourth change, the
    # 6 with int8 / int4 weights too since the weight-only dequantisation (thirteenth session)
    assert ("held_out", "all", "tpot") not in counts and counts[("calibration", "all", "tpot")] == 46
    assert counts[("held_out", "all", "throughput")] == 19 and counts[("held_out", "all", "ttft")] == 17
    assert counts[("calibration", "NIM18", "tpot")] == 9 and counts[("calibration", "GPTFAST", "tpot")] == 13
    assert len(rep.not_predicted) == 6 and all(k.startswith("mlperf40") for k in rep.not_predicted)


def test_post_hoc_figures_match_the_dated_note() -> None:
    """The figures of serving_runs.yaml's latest post-hoc note (the weight-only dequantisation, thirteenth session)
    are those the committed model gives; a model change must come with a new dated note. The earlier changes' notes
    keep their figures."""
    rep = validate_serving()
    text = SERVING_RUNS.read_text(encoding="utf-8")
    assert "held_out    all       tpot       n=46  mean |error|  17.9 %" in text.split(
        "POST HOC PREDICTIONS, third model change.")[1]
    fourth = text.split("POST HOC PREDICTIONS, fourth model change.")[1]
    assert "held_out    all       tpot       n= 6  mean |error|  18.0 %" in fourth
    allreduce = text.split("POST HOC, all-reduce constants fitted on all-reduce timings")[1]
    assert "held_out    all         tpot       n=6    mean |error|  18.0 ->  17.2 %" in allreduce
    note = text.split("POST HOC, weight-only dequantisation")[1]
    expected = {("held_out", "all", "ttft"): 20.5, ("held_out", "all", "throughput"): 12.4,
                ("calibration", "all", "tpot"): 7.6, ("calibration", "GPTFAST", "tpot"): 3.4,
                ("calibration", "LMD01", "tpot"): 11.3, ("calibration", "NIM18", "tpot"): 4.1}
    assert "calibration all         tpot       n= 40 -> 46  mean |error|   8.0 ->   7.6 %" in note
    assert "calibration GPTFAST     tpot       n=  7 -> 13  mean |error|   1.9 ->   3.4 %" in note
    assert "held_out    GPTFAST     tpot       n=  6 -> 0   mean |error|  17.2 ->     - %" in note
    for (role, source, metric), value in expected.items():
        s = rep.summary(role, metric, source)
        assert s is not None and round(s.mean_abs_error_pct, 1) == value, (role, source, metric)
    assert rep.summary("held_out", "tpot") is None  # every TPOT row of this file is fitted on now


def test_tpot_is_scored_with_the_published_statistic() -> None:
    """LMDeploy publishes the p50 per-token latency (the median: one decode step); NIM / AIPerf the
    mean ITL and MLPerf the mean TPOT (decode steps plus prefill stalls)."""
    runs = {r.id: r for r in load_serving_runs()}
    stats = {r.source: tpot_statistic(r) for r in runs.values() if "tpot" in r.metrics}
    assert stats == {"LMD01": "median", "NIM18": "mean", "MLPERF40": "mean", "GPTFAST": "mean"}
    run = runs["lmd01-a100-llama2-7b-tp1-c64-128-2048"]
    pred = predict_run(run, FITTED)["tpot"]
    shape = model_shape(catalog.get_model(run.model).arch)
    f = replica_figures(shape, card_of(run.accelerator), PRECISIONS["fp16"], 1, 64, 128.0, 2048.0, FITTED)
    assert pred == pytest.approx(float(f.decode_step_s)) and float(f.tpot_s) > float(f.decode_step_s)
    rows = [x for x in validate_serving().rows if x.metric == "tpot"]
    assert {x.statistic for x in rows if x.source == "LMD01"} == {"median"}
    assert {x.statistic for x in rows if x.source == "NIM18"} == {"mean"}


def test_prefill_and_decode_have_their_own_fixed_time() -> None:
    """The prefill's fixed time per layer (fitted on the TTFT rows) is not added to a decode step."""
    run = next(r for r in load_serving_runs() if r.id == "trt06-ttft-a100-llama2-7b-tp1-128")
    shape = model_shape(catalog.get_model(run.model).arch)
    card = card_of(run.accelerator)
    base = replica_figures(shape, card, PRECISIONS["fp16"], 1, 8, 128.0, 128.0, FITTED)
    more = replica_figures(shape, card, PRECISIONS["fp16"], 1, 8, 128.0, 128.0,
                           FITTED.model_copy(update={"prefill_layer_overhead_s": FITTED.prefill_layer_overhead_s + 1e-4}))
    assert float(more.decode_step_s) == pytest.approx(float(base.decode_step_s))
    assert float(more.prefill_s) == pytest.approx(float(base.prefill_s) + shape.layers * 1e-4)


def test_a_second_file_can_be_predicted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`validate --serving --file PATH` predicts another pre-registered set of the same row format
    with the committed model (here: two calibration rows copied into a new file)."""
    import yaml

    raw = yaml.safe_load(SERVING_RUNS.read_text(encoding="utf-8"))
    rows = [r for r in raw["rows"] if r["id"] in ("trt06-ttft-a100-llama2-7b-tp1-128",
                                                    "trt06-h100-llama2-7b-tp1-b768-128-128")]
    f = tmp_path / "serving_runs_x.yaml"
    f.write_text(yaml.safe_dump({"sources": {}, "rows": rows}), encoding="utf-8")
    rep = validate_serving(path=f)
    assert {x.id for x in rep.rows} == {r["id"] for r in rows}
    out = runner.invoke(app, ["validate", "--serving", "--file", str(f), "--json"])
    assert out.exit_code == 0, out.output
    assert {r["id"] for r in json.loads(out.stdout)["rows"]} == {r["id"] for r in rows}
    missing = runner.invoke(app, ["validate", "--serving", "--file", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2


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
    assert "calibration (fitted on), all sources: mean |error| TTFT 8.7%" in text
    assert "TPOT 7.6% (n=46" in text and "fitted on since 2026-12-02" in text
    assert "throughput 9.2%" in text and "held-out, all sources: mean |error| TTFT" in text
    for source in ("LMD01", "GPTFAST", "NIM18", "TRTLLM06"):
        assert f", {source}: mean |error|" in text
    assert "dequantisation: 3.5 vector operations per weight" in text
    assert "not predicted (6 rows)" in text
    # every other pre-registered set, one line each, with the figures of its own report
    # serving_runs_2.yaml's rows (all MI300X) are calibration rows of the AMD factor since 2026-12-02
    assert "serving_runs_2.yaml: no held-out row left" in text
    for name, figures in (("serving_runs_3.yaml", "TTFT 16.9% (n=24); TPOT 6.3% (n=10); throughput 20.9% (n=58)"),
                          ("serving_runs_4.yaml", "throughput 25.2% (n=136)"),
                          ("serving_runs_5.yaml", "TTFT 11.4% (n=16); TPOT 17.4% (n=36)"),
                          ("serving_runs_6.yaml", "TPOT 12.6% (n=14)"),
                          ("serving_runs_7.yaml", "throughput 9.2% (n=130)"),
                          ("serving_runs_8.yaml", "throughput 12.2% (n=9)"),
                          ("serving_runs_9.yaml", "throughput 14.3% (n=42)"),
                          ("serving_runs_10.yaml", "throughput 8.3% (n=66)"),
                          ("serving_runs_11.yaml", "throughput 12.1% (n=144)"),
                          ("serving_runs_12.yaml", "TPOT 13.1% (n=32)"),
                          ("serving_runs_13.yaml", "TTFT 9.9% (n=13); TPOT 17.1% (n=13); throughput 15.9% (n=24)"),
                          ("serving_runs_14.yaml", "TPOT 14.7% (n=19)"),
                          ("serving_runs_15.yaml", "throughput 9.3% (n=107)"),
                          ("serving_runs_16.yaml", "TPOT 14.6% (n=42)"),
                          ("serving_runs_18.yaml", "TPOT 6.8% (n=10)"),
                          ("serving_runs_21.yaml", "TPOT 12.1% (n=6); throughput 6.8% (n=2)"),
                          ("serving_runs_22.yaml", "TPOT 44.2% (n=4)"),
                          ("serving_runs_23.yaml", "throughput 30.5% (n=18)")):
        assert f"{name}: mean |error| {figures}" in text, name
    # every held-out point of every set, pooled (issue 16's acceptance figure)
    assert "TTFT 15.2% (n=70); TPOT 14.6% (n=186); throughput 14.6% (n=755)" in " ".join(text.split())
    assert "18 held-out H20 rows of later sets, predicted after the fit: 30.5%" in " ".join(text.split())
    assert ("routed experts in serving: 0.65 of the dense serving GEMM efficiency" in text
            and "16 Mixtral throughput rows of serving_runs_11.yaml" in text and "mean |error| 13.9%" in text)


def test_cli_validate_serving_json() -> None:
    out = runner.invoke(app, ["validate", "--serving", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert {"constants", "rows", "summaries", "not_predicted"} <= set(data)
    assert any(r["metric"] == "tpot" and r["role"] == "calibration" for r in data["rows"])
    assert any(r["metric"] == "ttft" and r["role"] == "held_out" for r in data["rows"])


def test_third_set_first_prediction_as_recorded() -> None:
    """serving_runs_3.yaml (100 held-out rows, pre-registered): its first prediction (de9ad1f) stays in its
    dated note; the committed model gives the figures of its post-hoc note (every row predicted, all held
    out, the gpt-fast rows on the prefill-inclusive TPOT)."""
    from xlcompute.serving_validation import SERVING_RUNS

    path = SERVING_RUNS.parent / "serving_runs_3.yaml"
    runs = load_serving_runs(path)
    assert len(runs) == 100 and all(r.role == "held_out" for r in runs)
    assert {r.source for r in runs if r.tpot_includes_prefill} == {"GPTFAST31", "GFMIXTRAL"}
    rep = validate_serving(path=path)
    assert not rep.not_predicted
    expected = {("all", "ttft"): (16.9, 24), ("all", "tpot"): (6.3, 10), ("all", "throughput"): (20.9, 58),
                ("TRTLLM09", "throughput"): (21.0, 48), ("GPTFAST31", "tpot"): (6.7, 7)}
    for (source, metric), (value, n) in expected.items():
        s = rep.summary("held_out", metric, source)
        assert s is not None and round(s.mean_abs_error_pct, 1) == value and s.count == n, (source, metric)
    text = path.read_text(encoding="utf-8")
    first = text.split("FIRST PREDICTION")[1].split("POST HOC")[0]
    assert "TTFT 19.4 %" in first and "TPOT 28.3 %" in first and "throughput 35.0 %" in first
    assert "TTFT 19.4 -> 18.3 %, TPOT 28.3 -> 29.3 %, throughput 35.0 -> 35.1 %" in text.split("POST HOC")[1]
    assert "TTFT 18.3 -> 24.8 %" in text.split("POST HOC, third model change")[1]
    assert "TPOT 28.9 -> 10.8 %" in text.split("POST HOC, fourth model change")[1]
    grouped = text.split("grouped-GEMM efficiency (no row above changed)")[1]
    assert "ttft       n=24   mean |error|  18.8 ->  18.2 %" in grouped
    assert "throughput n=58   mean |error|  24.8 ->  23.8 %" in grouped
    dequant = text.split("POST HOC, weight-only dequantisation")[1]
    assert "held_out    all         tpot       n= 18 -> 10  mean |error|  10.7 ->   6.3 %" in dequant
    moe = text.split("POST HOC, the routed experts at a serving grouped-GEMM")[1]
    assert "throughput n=58   mean |error|  23.8 ->  20.9 %" in moe and "ttft       n=24   mean |error|  18.2 ->  16.9 %" in moe
    assert "Mixtral     throughput n=16   mean |error|  56.2 ->  45.8 %" in moe


def test_tensorrt_llm_before_0_7_reads_kv_once_per_query_head() -> None:
    """The grouped GQA decode kernel shipped with TensorRT-LLM v0.7 (core.inference [XQA]): only older
    TensorRT-LLM rows read the KV cache per query head; the three decode-heavy Llama-2-70B calibration rows
    (8 query heads per KV head) that came out 2-3x too fast are now within 30 %, and a Llama-2-7B row
    (no GQA) is unchanged by the flag."""
    runs = {r.id: r for r in load_serving_runs()}
    versions = {r.framework.get("version"): r.grouped_kv_reads for r in runs.values()
                if r.framework.get("name") == "tensorrt-llm"}
    assert versions == {"0.6.1": False, "0.5": False}
    assert all(r.grouped_kv_reads for r in runs.values() if r.framework.get("name") != "tensorrt-llm")
    third = {r.framework.get("version"): r.grouped_kv_reads
             for r in load_serving_runs(SERVING_RUNS.parent / "serving_runs_3.yaml")
             if r.framework.get("name") == "tensorrt-llm"}
    assert third == {"0.9.0": True, "0.5.0 (TensorRT 9.1.0.4)": False, "0.7a (pre-release)": True}
    for rid in ("trt06-h100-llama2-70b-tp4-b480-128-2048", "trt06-h100-llama2-70b-tp2-b64-2048-2048",
                "trt06-a100-llama2-70b-tp4-b240-128-2048"):
        r = runs[rid]
        err = predict_run(r, FITTED)["throughput"] / r.measured_value("throughput") - 1
        grouped = predict_run(r.model_copy(update={"framework": {"name": "tensorrt-llm", "version": "0.7.0"}}),
                              FITTED)["throughput"]
        assert abs(err) < 0.30 and grouped > 1.5 * predict_run(r, FITTED)["throughput"], rid
    mha = runs["trt06-h100-llama2-7b-tp1-b48-2048-2048"]
    newer = mha.model_copy(update={"framework": {"name": "tensorrt-llm", "version": "0.9.0"}})
    assert predict_run(mha, FITTED)["throughput"] == pytest.approx(predict_run(newer, FITTED)["throughput"])


def test_fourth_set_first_prediction_as_recorded() -> None:
    """serving_runs_4.yaml (136 held-out throughput rows, written by a data-only helper before any
    prediction; merged after the KV-read change and its refit): the first prediction (2c6c0fa) stays in
    its dated note; the committed model, changed afterwards, gives the figures of its latest post-hoc note
    (offline saturation iteration by iteration, sixth session: 35.8 -> 37.5 %)."""
    path = SERVING_RUNS.parent / "serving_runs_4.yaml"
    runs = load_serving_runs(path)
    assert len(runs) == 136 and all(r.role == "held_out" for r in runs)
    rep = validate_serving(path=path)
    assert not rep.not_predicted
    expected = {"all": (25.2, 136), "TRT10": (25.3, 104), "GAUDI2": (19.7, 12), "GAUDI3": (27.9, 20)}
    for source, (value, n) in expected.items():
        s = rep.summary("held_out", "throughput", source)
        assert s is not None and round(s.mean_abs_error_pct, 1) == value and s.count == n, source
    assert rep.summary("held_out", "tpot") is None and rep.summary("held_out", "ttft") is None
    text = path.read_text(encoding="utf-8")
    first = text.split("FIRST PREDICTION (no row above changed)")[1].split("POST HOC")[0]
    assert "throughput 43.3 % (n=136, signed +23.2 %)" in first and "2c6c0fa" in first
    assert "throughput 43.3 -> 39.0 %" in text.split("POST HOC (no row above changed)")[1]
    assert "throughput 39.0 -> 35.8 %" in text.split("POST HOC, fourth model change")[1]
    assert "throughput 35.8 -> 37.5 %" in text.split("offline saturation iteration by iteration")[1]
    assert "throughput 37.5 -> 32.4 %" in text.split("eager decode iterations")[1]
    assert "32.4 ->  28.6 %" in text.split("all-reduce constants fitted on all-reduce timings")[1]
    assert "28.6 ->  27.8 %" in text.split("grouped-GEMM efficiency (no row above changed)")[1]
    moe = text.split("POST HOC, the routed experts at a serving grouped-GEMM")[1]
    assert "throughput n=136  mean |error|  27.8 ->  25.2 %" in moe
    assert "Mixtral     throughput n=20   mean |error|  50.2 ->  32.3 %" in moe


def _set_path(name: str) -> Path:
    """The pre-registered serving set of that file name, which must be one of SERVING_SETS."""
    (path,) = [p for p in SERVING_SETS if p.name == name]
    return path


def _held_out_set(name: str, rows: int, expected: dict[tuple[str, str], tuple[float, int]],
                  factors: dict[str, Any] | None = None, k: Any = None, every_row: bool = False) -> str:
    """Predict a pre-registered serving file (every row held out, every row predicted) and check its mean
    |error| per (source, metric) and count; returns the file's text for its dated notes. ``factors={}``:
    without the AMD factor, as the files first predicted before 2026-12-02's fit were; ``k``: other constants
    (BEFORE_MOE_FIT: the model before 2026-12-05's serving grouped-GEMM efficiency); ``every_row``: score the
    rows a later fit took as calibration rows too, as they were at the first prediction."""
    path = SERVING_RUNS.parent / name
    runs = load_serving_runs(path)
    assert len(runs) == rows and all(r.role == "held_out" for r in runs)
    rep = validate_serving(k, path=path) if factors is None else validate_serving(k, path=path, factors=factors)
    assert not rep.not_predicted
    for (source, metric), (value, n) in expected.items():
        errs = [abs(x.error_pct) for x in rep.rows if x.metric == metric and source in ("all", x.source)
                and (every_row or x.role == "held_out")]
        assert errs and round(sum(errs) / len(errs), 1) == value and len(errs) == n, (name, source, metric)
    return path.read_text(encoding="utf-8")


def test_fifth_set_first_prediction_as_recorded() -> None:
    """serving_runs_5.yaml (55 held-out latency rows, written by a data-only helper before any prediction;
    merged after both model changes of 2026-12-02) as first predicted at 2f5de77: the figures of its note."""
    text = _held_out_set("serving_runs_5.yaml", 55, {
        ("all", "ttft"): (11.4, 16), ("all", "tpot"): (17.4, 36), ("FT67", "tpot"): (11.6, 14),
        ("LLMPB", "tpot"): (30.6, 9)})
    dequant = text.split("POST HOC, weight-only dequantisation")[1]
    assert "held_out    LLMPB       tpot       n= 12 -> 9   mean |error|  36.3 ->  38.0 %" in dequant
    note = text.split("FIRST PREDICTION (no row above changed)")[1]
    assert "2f5de77" in note and "17.5 %" in note and "32.0 %" in note
    assert "TPOT 32.0 -> 28.4 %" in note.split("POST HOC, fourth model change")[1]
    assert "28.4 ->  27.7 %" in note.split("all-reduce constants fitted on all-reduce timings")[1]
    eager = note.split("POST HOC, runtimes without CUDA graphs")[1]
    assert "26.9 -> 17.4 %" in eager and "19.5 % -> 17.8 % (194 points)" in eager


def test_sixth_set_first_prediction_as_recorded() -> None:
    """serving_runs_6.yaml (22 held-out TPOT rows on vLLM with CUDA graphs, written by a data-only helper while
    the decode step's fixed time was fitted, merged after that change was committed) as first predicted:
    the figures of its dated note."""
    text = _held_out_set("serving_runs_6.yaml", 22, {
        ("all", "tpot"): (12.6, 14), ("QWEN25", "tpot"): (13.5, 8), ("VLLMCI", "tpot"): (11.3, 6)})
    dequant = text.split("POST HOC, weight-only dequantisation")[1]
    assert "held_out    QWEN25      tpot       n= 16 -> 8   mean |error|  18.2 ->  13.5 %" in dequant
    note = text.split("FIRST PREDICTION (no row above changed)")[1]
    assert "a6f3fcc" in note and "15.5 %" in note and "25.0 %" in note
    assert "15.5 ->  16.3 %" in note.split("all-reduce constants fitted on all-reduce timings")[1]


def test_seventh_set_first_prediction_as_recorded() -> None:
    """serving_runs_7.yaml (134 held-out throughput rows, TensorRT-LLM v0.15 / 1.0 and vLLM-ROCm 0.7.3, written by a
    data-only helper, merged after the model it tests was committed): the first prediction (18.7 %) and the declared
    comparison of the prefill-batching variant stay in its dated note; the committed model, changed afterwards
    (offline saturation iteration by iteration), gives the figures of its latest post-hoc note."""
    text = _held_out_set("serving_runs_7.yaml", 134, {
        ("all", "throughput"): (10.6, 134), ("TRT015", "throughput"): (9.2, 70),
        ("TRT100", "throughput"): (9.2, 60), ("ROCM073", "throughput"): (57.9, 4)}, factors={})
    note = text.split("FIRST PREDICTION (no row above changed)")[1]
    assert "b0aefb0" in note and "18.7 %" in note and "gives 15.6 %" in note
    assert "held-out throughput 17.2 -> 10.7 %" in text.split("offline saturation iteration by iteration")[1]
    assert "held-out throughput 10.7 -> 9.9 %" in text.split("eager decode iterations")[1]
    assert "9.9 ->   9.2 %" in text.split("all-reduce constants fitted on all-reduce timings")[1]


def test_eighth_set_first_prediction_and_the_decision_it_made() -> None:
    """serving_runs_8.yaml (29 held-out throughput rows: MI300X vLLM 0.9-0.11, TensorRT-LLM v0.17 H200) as first
    predicted; the pre-declared rule kept prefill batching out of the model (82.8 % against 67.7 %)."""
    text = _held_out_set("serving_runs_8.yaml", 29, {  # since offline saturation iteration by iteration (post hoc)
        ("all", "throughput"): (61.0, 29), ("TRT017", "throughput"): (12.2, 9),
        ("ROCM091A", "throughput"): (109.1, 4)}, factors={})
    assert "throughput 11.9 -> 6.1 %" in text.split("offline saturation iteration by iteration")[1]
    assert "6.0 ->  12.2 %" in text.split("all-reduce constants fitted on all-reduce timings")[1]
    note = text.split("FIRST PREDICTION (no row above changed)")[1]
    assert "053622e" in note and "67.7 %" in note and "82.8 %" in note and "NOT adopted" in note
    assert "prefill_tokens_per_pass" not in type(FITTED).model_fields  # the variant is not in the model


def test_amd_factor_fitted_on_the_seen_mi300x_rows_only() -> None:
    """The AMD serving factor (2026-12-02, fifth session): fitted on the 69 MI300X rows of the sets that had
    been predicted, which are calibration rows since; every other set's held-out rows do not move. Refitted
    with the all-reduce constants (2026-12-03): HBM 0.60 -> 0.65, 13.0 -> 11.7 %."""
    from xlcompute.serving_model import SERVING_FACTORS, for_card
    from xlcompute.serving_validation import VENDOR_FIT_FILES, factor_fit_rows, fit_factor

    assert len(factor_fit_rows("AMD")) == 69
    compute, hbm, err = fit_factor("AMD")
    assert (compute, hbm) == (SERVING_FACTORS["AMD"].compute, SERVING_FACTORS["AMD"].hbm) == (0.30, 0.65)
    assert err == pytest.approx(11.7, abs=0.05)  # 12.96 % before offline saturation iteration by iteration, then 13.0
    k = for_card(FITTED, "MI300X", "AMD")
    assert k.hbm_efficiency == pytest.approx(FITTED.hbm_efficiency * 0.65)
    assert for_card(FITTED, "H100-SXM", "NVIDIA") is FITTED and for_card(FITTED, None, None) is FITTED
    for name in VENDOR_FIT_FILES:  # the fitted rows report as calibration; the NVIDIA rows stay held out
        rep = validate_serving(path=SERVING_RUNS.parent / name)
        assert all(r.role == "calibration" for r in rep.rows if r.source.startswith(("ROCM", "OCI")))
    s7 = validate_serving(path=SERVING_RUNS.parent / "serving_runs_7.yaml")
    assert round(s7.summary("held_out", "throughput").mean_abs_error_pct, 1) == 9.2  # type: ignore[union-attr]
    s8 = validate_serving(path=SERVING_RUNS.parent / "serving_runs_8.yaml")
    assert round(s8.summary("held_out", "throughput").mean_abs_error_pct, 1) == 12.2  # type: ignore[union-attr]
    amd = [r for name in VENDOR_FIT_FILES for r in validate_serving(path=SERVING_RUNS.parent / name).rows
           if r.role == "calibration"]
    assert len(amd) == 69 and sum(abs(r.error_pct) for r in amd) / 69 == pytest.approx(11.7, abs=0.05)


def test_ninth_set_first_prediction_as_recorded() -> None:
    """serving_runs_9.yaml (42 held-out throughput rows: 24 MI300X, 18 TensorRT-LLM v0.14 H200, written by a
    data-only helper, merged after the AMD factor was committed) as first predicted, AMD and NVIDIA apart, and
    the declared comparison without the factor."""
    from xlcompute.serving_validation import factor_fit_report

    text = _held_out_set("serving_runs_9.yaml", 42, {  # since offline saturation iteration by iteration (post hoc)
        ("all", "throughput"): (14.3, 42), ("TRT014", "throughput"): (10.9, 18),
        ("AMDV066", "throughput"): (15.0, 4), ("AMDV0901", "throughput"): (18.5, 4)})
    _held_out_set("serving_runs_9.yaml", 42, {("all", "throughput"): (38.6, 42), ("TRT014", "throughput"): (10.9, 18)},
                  factors={})
    assert "throughput 17.8 -> 14.2 %" in text.split("offline saturation iteration by iteration")[1]
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]  # the header quotes the marker too
    assert "6328a96" in note and "17.8 %" in note and "AMD       throughput n=24  mean |error|  17.1 %" in note
    assert "all 47.0 %, AMD 68.2 %" in note
    fit = factor_fit_report("AMD")  # the proposal's sentence quotes the held-out AMD rows too
    # 17.1 % at the first prediction, 15.6 % over these 24 later (post hoc); with serving_runs_12.yaml's 32 MI300X
    # TPOT points (first predicted at 14.5 %) 56 points, 14.9 %; 14.7 % since the all-reduce constants (post hoc);
    # with serving_runs_14.yaml's 14 MI300X batch-1 TPOT points 70 points, 13.9 %
    assert fit.held_out_rows == 70 and round(fit.held_out_error_pct, 1) == 13.9


def test_offline_rows_run_prompts_inside_the_decode_iterations() -> None:
    """Offline saturation (sixth session, post hoc): prompt chunks ride in the decode iterations, the batch
    capped by TensorRT-LLM's KV budget (the row's printed fraction, else 0.9) and its printed token budget."""
    from xlcompute.serving_model import kv_limit, offline_figures
    from xlcompute.serving_validation import _precision, card_of

    runs = {r.id: r for f in ("serving_runs_4.yaml", "serving_runs_7.yaml", "serving_runs_9.yaml")
            for r in load_serving_runs(SERVING_RUNS.parent / f)}
    trt10 = runs["trt10-h100-fp8-llama2-70b-tp1-128-128"]
    trt15 = runs["trt015-h100-fp8-llama3.1-70b-tp1-128-128"]
    vllm = runs["amdv066-mi300x-fp8-llama3.1-70b-tp8-128-2048"]
    assert (trt10.kv_free_fraction, trt10.max_num_tokens) == (0.9, 2048.0)
    assert (trt15.kv_free_fraction, trt15.max_num_tokens) == (0.95, None)  # budget from a tuning heuristic
    assert (vllm.kv_free_fraction, vllm.max_num_tokens) == (None, None)
    shape = model_shape(catalog.get_model(trt15.model).arch)
    card, prec = card_of(trt15.accelerator), _precision(trt15)
    # 70B FP8 on one H100: vLLM's rule leaves no KV room (one sequence), TensorRT-LLM's 0.95 of the free memory does
    assert float(kv_limit(shape, card, prec, 1, 256, FITTED)) <= 1
    o = offline_figures(shape, card, prec, 1, 4096, 128, 128, FITTED, 0.95)
    assert 50 < float(o.batch) < 4096
    assert predict_run(trt15, FITTED)["throughput"] == pytest.approx(float(o.output_tokens_per_s))
    # the token budget caps the batch at T·o/(n+o): 1,024 sequences at 128/128 with T = 2,048
    big = offline_figures(shape, card_of("H200"), prec, 8, 2000, 128, 128, FITTED, 0.9, 2048)
    assert float(big.batch) == 1024
    # one weight read per iteration for the decodes and the prompts: faster than a prefill pass per prompt
    f = replica_figures(shape, card, prec, 1, float(o.batch), 128, 128, FITTED, cap_batch=False)
    assert float(o.output_tokens_per_s) > float(f.output_tokens_per_s)


def test_tenth_set_first_prediction_as_recorded() -> None:
    """serving_runs_10.yaml (66 held-out throughput rows: TensorRT-LLM v0.12 / v0.13 perf-overview tables, written by a
    data-only helper before offline saturation was modelled iteration by iteration, merged after that change was
    committed) as first predicted: 12.5 %; the model before the change gave 18.7 % (comparison in its note). Since
    eager decode iterations on the engine flow (post hoc): 8.1 %."""
    text = _held_out_set("serving_runs_10.yaml", 66, {
        ("all", "throughput"): (8.3, 66), ("TRT012", "throughput"): (11.5, 30), ("TRT013", "throughput"): (5.7, 36)})
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "325a457" in note and "12.5 %" in note and "18.7 %" in note
    assert "12.5 -> 8.1 %" in note.split("eager decode iterations")[1]
    assert "serving_runs_10.yaml" in {p.name for p in SERVING_SETS}


def test_engine_flow_decodes_without_cuda_graphs() -> None:
    """TensorRT-LLM's TensorRT-engine flow launches decode iterations eagerly (CUDA graphs opt-in there), its
    PyTorch backend and vLLM replay them from graphs: on an offline row the engine flow is slower for it."""
    runs = {r.id: r for f in ("serving_runs_4.yaml", "serving_runs_7.yaml", "serving_runs_9.yaml")
            for r in load_serving_runs(SERVING_RUNS.parent / f)}
    engine = runs["trt015-h100-fp8-llama3.1-70b-tp1-128-2048"]
    assert not engine.decode_graphs and not runs["trt10-h100-fp8-llama2-70b-tp1-128-128"].decode_graphs
    assert runs["amdv066-mi300x-fp8-llama3.1-70b-tp8-128-2048"].decode_graphs
    assert all(r.decode_graphs for r in runs.values() if r.source == "TRT100")  # PyTorch backend
    graphs = engine.model_copy(update={"framework": {**engine.framework, "runtime": "trtllm-bench (PyTorch backend)"}})
    assert graphs.decode_graphs
    assert predict_run(graphs, FITTED)["throughput"] > predict_run(engine, FITTED)["throughput"]
    eager = graphs.model_copy(update={"framework": {"name": "vllm", "runtime": "--enforce-eager"}})
    assert not eager.decode_graphs
    # vLLM's default printed as a setting keeps the graphs on (serving_runs_16.yaml's helper found the old
    # pattern read "enforce_eager=False" as eager; no offline row of the earlier files printed it)
    for runtime, on in (("enforce_eager=False", True), ("enforce_eager = false", True), ("enforce_eager=True", False),
                        ("--disable-cuda-graph", False), ("disable_cuda_graph: false", True)):
        row = graphs.model_copy(update={"framework": {"name": "vllm", "runtime": runtime}})
        assert row.decode_graphs is on, runtime


def test_eleventh_set_first_prediction_as_recorded() -> None:
    """serving_runs_11.yaml (160 held-out throughput rows: TensorRT-LLM v0.11 engine flow and v0.21 PyTorch backend,
    written by a data-only helper before the engine flow's decode iterations ran eagerly, merged after that change)
    as first predicted: 14.9 %; 18.1 % before the change, 19.3 % before offline saturation iteration by iteration."""
    text = _held_out_set("serving_runs_11.yaml", 160, {
        ("all", "throughput"): (12.1, 144), ("TRT011", "throughput"): (14.0, 68), ("TRT021", "throughput"): (10.4, 76)})
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "92b6d06" in note and "14.9 %" in note and "18.1 %" in note and "19.3 %" in note
    assert "serving_runs_11.yaml" in {p.name for p in SERVING_SETS}


def test_twelfth_set_first_prediction_as_recorded() -> None:
    """serving_runs_12.yaml (32 held-out MI300X TPOT rows of the ROCm vLLM 0.9.0.1 latency table, written by a
    data-only helper and predicted once with the committed model): 14.5 %."""
    text = _held_out_set("serving_runs_12.yaml", 32, {("all", "tpot"): (13.1, 32), ("ROCMLAT0901", "tpot"): (13.1, 32)})
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "03141c8" in note and "14.5 %" in note and "TPOT 18.9 %" in note
    assert "serving_runs_12.yaml" in {p.name for p in SERVING_SETS}


def test_thirteenth_set_first_prediction_and_the_comparison() -> None:
    """serving_runs_13.yaml (37 rows, TensorRT-LLM on H100 / H200, written by a data-only helper before the all-reduce
    constants were fitted, merged after that change was committed) as first predicted, the declared comparison with
    the model before the change in its note, and every held-out point of every set pooled."""
    text = _held_out_set("serving_runs_13.yaml", 37, {
        ("all", "ttft"): (9.9, 13), ("all", "tpot"): (17.1, 13), ("all", "throughput"): (15.9, 24),
        ("TRTTUNE", "throughput"): (21.8, 13), ("TRTDG", "throughput"): (9.8, 7), ("TRT05", "throughput"): (7.6, 4)})
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "3e8db2d" in note and "TTFT 11.7 %, TPOT 17.4 %, throughput 14.1 %" in note
    for metric, value in (("ttft", 9.9), ("tpot", 17.1), ("throughput", 15.9)):
        assert f"held_out    all         {metric:10s}" in note and f"{value:5.1f} %" in note
    assert "serving_runs_13.yaml" in {p.name for p in SERVING_SETS}
    pooled = pooled_held_out()
    # 57 / 117 / 620 points at 21.2 / 18.9 / 17.7 % before the all-reduce constants, 17.2 / 18.4 / 16.5 % after;
    # 70 / 130 / 644 points at 15.9 / 18.3 / 16.4 % before the routed experts' grouped-GEMM efficiency, 15.7 / 18.3 /
    # 16.0 % after it; then serving_runs_14.yaml's 23 TPOT points (153 at 18.4 %) and serving_runs_15.yaml's 107
    # throughput points (644 at 16.0 % -> 751 at 15.1 %); then the weight-only dequantisation, whose 29 fitted TPOT
    # points leave the pool (153 at 18.4 % -> 124 at 17.3 %); then serving_runs_16.yaml's 42 (166 at 19.3 %); then
    # vLLM before 0.6 pays its host work between steps (166 at 16.5 %, post hoc); then serving_runs_18.yaml's 10
    # (176 at 16.0 %); then serving_runs_21.yaml's 54 H20 TPOT and 2 H800 throughput points (230 at 23.8 %, 753 at
    # 15.1 %); then the H20 factor, whose 36 fitted points leave the pool (194 at 19.5 %, post hoc); then
    # FasterTransformer and vLLM before CUDA graphs launch their decode steps eagerly (194 at 17.8 %, post hoc); then
    # serving_runs_22.yaml's 4 FasterTransformer rows, that rule's blind test (198 at 18.3 %); then the serving
    # grouped-GEMM efficiency, whose 16 fitted throughput points leave the pool (70 / 198 / 737 at 15.2 / 18.2 /
    # 14.2 %, post hoc); then the per-expert kernels, whose 12 fitted TPOT points of serving_runs_21.yaml leave the
    # pool (186 at 14.6 %, post hoc: they were 73.4 % off); then serving_runs_23.yaml's 18 Hunyuan-A13B H20 throughput
    # points, first prediction (755 at 14.6 %)
    assert {m: (n, round(v, 1)) for m, (n, v) in pooled.items()} == {
        "ttft": (70, 15.2), "tpot": (186, 14.6), "throughput": (755, 14.6)}
    # the same pool by hand: every held-out point of every set
    by_hand = [abs(r.error_pct) for p in SERVING_SETS for r in validate_serving(path=p).rows
               if r.role == "held_out" and r.metric == "tpot"]
    assert len(by_hand) == 186 and sum(by_hand) / 186 == pytest.approx(pooled["tpot"][1])
    # the README quotes the same pool (a quantity shown in two places shows one number)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    quoted = " / ".join(f"{v:.1f}% ({n})" for n, v in (pooled["ttft"], pooled["tpot"], pooled["throughput"]))
    assert f"| TTFT / TPOT / throughput | {quoted} (25 / 15 / 15%)" in readme


def test_fourteenth_set_first_prediction_as_recorded() -> None:
    """serving_runs_14.yaml (23 held-out batch-1 TPOT rows: Mixtral 8x7B and Llama 2 on gpt-fast A100, Llama 3.1 on
    MI300X vLLM TP 8; written by a data-only helper before the routed experts' grouped-GEMM efficiency, merged after
    it) as first predicted: 19.2 %, the same as the model before the change (every row is batch 1, memory-bound)."""
    text = _held_out_set("serving_runs_14.yaml", 23, {
        ("all", "tpot"): (14.7, 19), ("GFMIX105", "tpot"): (22.0, 3), ("GFTP1", "tpot"): (32.5, 2),
        ("AMDL085A", "tpot"): (18.9, 4), ("AMDL085B", "tpot"): (17.2, 4)})
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "39b689f" in note and "8867894" in note and "the same figures to the digit" in note
    assert "held_out    all         tpot       n=23   mean |error|  19.2 %" in note
    dequant = text.split("POST HOC, weight-only dequantisation")[1]
    assert "held_out    all         tpot       n= 23 -> 19  mean |error|  19.2 ->  14.7 %" in dequant
    assert "serving_runs_14.yaml" in {p.name for p in SERVING_SETS}
    runs = load_serving_runs(_set_path("serving_runs_14.yaml"))
    assert {r.batch for r in runs} == {1} and sum(r.model == "mixtral-8x7b" for r in runs) == 7


def test_fifteenth_set_first_prediction_as_recorded() -> None:
    """serving_runs_15.yaml (107 held-out throughput rows: TensorRT-LLM v0.20 trtllm-bench offline, Llama 3.1 8B /
    3.3 70B / 3.1 405B FP8 on H100 and H200; written by a data-only helper, merged at e0b4bb2) as first predicted with
    the committed serving model (no serving change since 39b689f): 9.3 %, and the pool it moved."""
    text = _held_out_set("serving_runs_15.yaml", 107, {("all", "throughput"): (9.3, 107), ("TRT020", "throughput"): (9.3, 107)})
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "e0b4bb2" in note and "39b689f" in note
    assert "held_out    all         throughput n=107  mean |error|   9.3 %" in note
    assert "throughput 16.0 % (644) -> 15.1 % (751)" in note
    assert "serving_runs_15.yaml" in {p.name for p in SERVING_SETS}
    runs = load_serving_runs(_set_path("serving_runs_15.yaml"))
    assert {r.accelerator for r in runs} == {"H100-SXM", "H200"} and {r.scenario for r in runs} == {"offline_saturation"}
    assert all(set(r.metrics) == {"throughput"} for r in runs)


def test_sixteenth_set_first_prediction_as_recorded() -> None:
    """serving_runs_16.yaml (42 held-out batch-1 TPOT rows: weight-only int8 / int4 and 16-bit, the Qwen2 speed benchmark
    on vLLM 0.4.2, torchao on A100, LMDeploy W4A16 on RTX 4090; written by a data-only helper before the weight-only
    dequantisation, merged at adcbbd5 after it) as first predicted: 25.2 %, and the declared comparison and decision:
    its 32 int8 / int4 rows 26.4 % against 39.6 % with no dequantisation, so the change stays."""
    text = _held_out_set("serving_runs_16.yaml", 42, {
        ("all", "tpot"): (14.6, 42), ("QWEN2SB", "tpot"): (15.9, 32), ("TORCHAO", "tpot"): (6.0, 8),
        ("LMDW4", "tpot"): (28.5, 2)})
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "adcbbd5" in note and "ddeea35" in note
    assert "ddeea35  all                                n=42  mean |error|  25.2 %" in note
    assert "c=0      int8 + int4 (decision rule)        n=32  mean |error|  39.6 %" in note
    assert "ddeea35  int8 + int4 (decision rule)        n=32  mean |error|  26.4 %" in note
    assert "serving_runs_16.yaml" in {p.name for p in SERVING_SETS} and "serving_runs_16.yaml" not in DEQUANT_FIT_SETS
    # the declared comparison, recomputed with the model of that prediction (no host work between steps, the
    # fifteenth session's change): the weight-only rows with and without the dequantisation
    path = SERVING_RUNS.parent / "serving_runs_16.yaml"
    raw = {r["id"]: r for r in yaml.safe_load(path.read_text(encoding="utf-8"))["rows"]}
    weight_only = {i for i, r in raw.items() if r["weight_family"] in ("int8", "int4")}
    assert len(weight_only) == 32
    then = FITTED.model_copy(update={"serial_host_step_s": 0.0})
    for k, value in ((then, 26.4), (then.model_copy(update={"dequant_ops_per_weight": 0.0}), 39.6)):
        errs = [abs(x.error_pct) for x in validate_serving(k, path=path).rows if x.id in weight_only]
        assert round(sum(errs) / len(errs), 1) == value


def test_vllm_before_0_6_pays_its_host_work_between_steps() -> None:
    """vLLM's engine before v0.6.0 ran its host work between GPU steps (core.inference [V0HOST], vLLM RFC #6854:
    about 4 ms of GPU bubble per decode step, taken as is, not fitted): each pass of such a row is 4 ms longer, rows
    of other runtimes and later releases are unchanged, and the post-hoc note of serving_runs_16.yaml records it."""
    assert FITTED.serial_host_step_s == 4.0e-3
    base = load_serving_runs(SERVING_RUNS.parent / "serving_runs_16.yaml")[0]
    for version, serial in (("0.4.2", True), ("0.5.5", True), ("v0.3.0", True), ("0.6.0", False), ("0.6.3", False),
                            ("0.10.1", False), ("git acbed3e (2023-10-06)", True), ("main (build 9515)", False),
                            ("git abc (2024-09-05)", False), ("unpublished (blog dated 2024-10-10; A-OCI-1)", False)):
        row = base.model_copy(update={"framework": {"name": "vllm", "version": version}})
        assert row.serial_host is serial, version
    trt = base.model_copy(update={"framework": {"name": "tensorrt-llm", "version": "0.5.0"}})
    assert not trt.serial_host
    # the figures: exactly one host time per pass, prefill and decode alike
    shape = model_shape(catalog.get_model("llama2-7b").arch)
    card, prec = card_of("A100-80G"), PRECISIONS["fp16"]
    off = replica_figures(shape, card, prec, 1, 1, 128.0, 128.0, FITTED)
    on = replica_figures(shape, card, prec, 1, 1, 128.0, 128.0, FITTED, serial_host=True)
    assert on.decode_step_s - off.decode_step_s == pytest.approx(4.0e-3)
    assert on.prefill_s - off.prefill_s == pytest.approx(4.0e-3)
    # a 0.4.2 row is predicted slower by the host time; the same row on 0.6.3 is not
    later = base.model_copy(update={"framework": {"name": "vllm", "version": "0.6.3"}})
    then = FITTED.model_copy(update={"serial_host_step_s": 0.0})
    assert predict_run(later, FITTED)["tpot"] == pytest.approx(predict_run(later, then)["tpot"])
    assert predict_run(base, FITTED)["tpot"] > predict_run(base, then)["tpot"] + 3.9e-3
    note = (SERVING_RUNS.parent / "serving_runs_16.yaml").read_text(encoding="utf-8").split(
        "POST HOC, host work between steps")[1]
    assert "QWEN2SB     tpot       n= 32  mean |error|  29.8 -> 15.9 %" in note and "19.3 % -> 16.5 %" in note


def test_eighteenth_set_first_prediction_and_the_decision_it_made() -> None:
    """serving_runs_18.yaml (10 held-out TPOT rows: vLLM main of Feb-Mar 2024, Mixtral 8x7B TP 2 on A100, static
    batches 1-16; written by a data-only helper before the host-work change, merged at e5341a3 after it) as first
    predicted: 7.3 %, against 18.5 % without the host work, so by the declared rule the change stays."""
    text = _held_out_set("serving_runs_18.yaml", 10, {("all", "tpot"): (7.3, 10), ("VPR3240", "tpot"): (7.3, 10)},
                         k=BEFORE_MOE_FIT)
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "e5341a3" in note and "2132ac6" in note
    assert "2132ac6  all        n=10  mean |error|   7.3 %" in note and "h=0      all        n=10  mean |error|  18.5 %" in note
    assert "16.5 % (166) -> 16.0 %" in note
    assert "serving_runs_18.yaml" in {p.name for p in SERVING_SETS}
    path = _set_path("serving_runs_18.yaml")
    runs = load_serving_runs(path)
    assert all(r.serial_host for r in runs) and {r.batch for r in runs} == {1, 2, 4, 8, 16}
    # the declared comparison, recomputed
    errs = [abs(x.error_pct) for x in validate_serving(BEFORE_MOE_FIT.model_copy(update={"serial_host_step_s": 0.0}),
                                                        path=path).rows]
    assert round(sum(errs) / len(errs), 1) == 18.5
    # the committed model (the serving grouped-GEMM efficiency since 2026-12-05): its dated note
    assert round(validate_serving(path=path).summary("held_out", "tpot").mean_abs_error_pct, 1) == 6.8
    moe = text.split("POST HOC, the routed experts at a serving grouped-GEMM")[1]
    assert "tpot       n=10   mean |error|   7.3 ->   6.8 %" in moe


def test_dequantisation_constant_is_the_committed_fit() -> None:
    """fit_dequant re-run on its 29 A100 rows (int8 and int4 weights, five earlier sets) gives the committed 3.5
    vector operations per weight at 12.2 %; with the 3 RTX 4090 rows too it barely moves (3.4), and the rows it is
    fitted on are reported as calibration rows."""
    from xlcompute.serving_validation import dequant_fit_files, dequant_fit_rows, fit_dequant

    c, err, rows = fit_dequant()
    assert (c, round(err, 1), rows) == (FITTED.dequant_ops_per_weight, 12.2, 29) == (3.5, 12.2, 29)
    assert fit_dequant(None)[0] == 3.4 and fit_dequant(None)[2] == 32
    assert dequant_fit_files() == ("serving_runs.yaml", "serving_runs_3.yaml", "serving_runs_5.yaml",
                                   "serving_runs_6.yaml", "serving_runs_14.yaml")
    fitted = {r.id for r in dequant_fit_rows()}
    assert all(r.accelerator == "A100-80G" for r in dequant_fit_rows())
    for name in dequant_fit_files():
        rep = validate_serving(path=SERVING_RUNS.parent / name)
        assert all(x.role == "calibration" for x in rep.rows if x.id in fitted and x.metric == "tpot")


def test_int8_weights_with_int8_activations_are_scored_as_w8a8() -> None:
    """A row coding INT8 weights and INT8 activations is W8A8 (INT8 GEMMs, weights read as stored), not
    weight-only INT8; its KV cache is the row's: 16-bit unless the row says int8 or fp8. The rule was fixed
    before serving_runs_20.yaml's W8A8 rows were read; a synthetic row checks it."""
    from xlcompute.serving_validation import _is_weight_only, _precision

    def row(weights: str, activations: str, kv: str) -> ServingRun:
        return ServingRun(id="x", source="S", role="held_out", status="included", model="llama2-7b",
                          accelerator="A100-80G", gpus=1, layout={"tp": 1}, scenario="single_request",
                          precision={"weights": weights, "activations": activations, "kv_cache": kv},
                          request={"input_tokens": 128, "output_tokens": 128}, measured={"t": 0.01},
                          metrics={"tpot": "t"})

    w8a8 = _precision(row("int8", "int8", "fp16"))
    assert w8a8 == PRECISIONS["w8a8"] and w8a8.int8_compute and w8a8.kv_bytes == 2
    assert _precision(row("int8", "int8", "int8")).kv_bytes == 1
    assert _precision(row("int8", "int8", "FP8")).kv_bytes == 1
    assert _precision(row("int8", "fp16", "fp16")) == PRECISIONS["int8"]  # weight-only
    assert not _is_weight_only(row("int8", "int8", "fp16")) and _is_weight_only(row("int8", "fp16", "fp16"))
    # the W8A8 row predicts faster than the weight-only row of the same shape on an INT8 card
    fast = predict_run(row("int8", "int8", "fp16"), FITTED)["tpot"]
    slow = predict_run(row("int8", "fp16", "fp16"), FITTED)["tpot"]
    assert float(fast) < float(slow)


def test_the_pcie_card_explains_little_of_the_vllm_tensor_parallel_misses() -> None:
    """docs/validation.md (seventeenth session): the LLMPB A100 rows stay keyed to the SXM4 card (rule
    A-LPB-4); predicted on the A100 PCIe card instead, the TP 2/4/8 vLLM errors move by a few points only. The
    note's figures were made before that vLLM paid eager decode launches (2026-12-05); the same few points since."""
    import xlcompute.serving_validation as sv

    path = next(p for p in sv.SERVING_SETS if p.name == "serving_runs_5.yaml")
    runs = {r.id: r for r in sv.load_serving_runs(path)}
    scored = {(x.id, x.metric): x for x in sv.validate_serving(path=path).rows}
    doc = (Path(__file__).resolve().parents[2] / "docs/validation.md").read_text(encoding="utf-8")
    for tp, sxm, pcie in ((8, -56.5, -55.3), (4, -28.6, -26.1), (2, -5.5, -1.7)):
        rid = f"lpb-vllm-a100-llama2-70b-fp16-tp{tp}-b1-7-256"
        row = scored[(rid, "tpot")]
        assert runs[rid].accelerator == "A100-80G" and round(row.error_pct, 1) == sxm
        again = sv.predict_run(runs[rid].model_copy(update={"accelerator": "A100-PCIe"}), sv.FITTED)["tpot"]
        assert round(100 * float(sv._error(again, row.measured)), 1) == pcie
    assert "**−70.9 % to −69.7 %**" in doc and "TP 4 −46.3 → −43.9 %, TP 2 −20.8 → −17.0 %" in doc


def test_twenty_first_set_first_prediction_as_recorded() -> None:
    """serving_runs_21.yaml (56 held-out rows, the first on China-market cards: the Qwen3 speed benchmark, SGLang
    0.4.6.post1 on H20 at batch 1, and two TensorRT-LLM 0.12 H800 cells; written by a data-only helper from 253522a,
    merged at 89f7d68 before its one prediction) as first predicted with the committed model: every H20 row too
    fast, 49.4 %; the H800 cells 6.8 %."""
    from xlcompute.serving_model import SERVING_FACTORS

    before = {"AMD": SERVING_FACTORS["AMD"]}  # the model it was predicted with: no H20 factor yet
    text = _held_out_set("serving_runs_21.yaml", 56, {
        ("all", "tpot"): (49.4, 54), ("QWEN3SB", "tpot"): (49.4, 54), ("all", "throughput"): (6.8, 2),
        ("TRT2300", "throughput"): (6.8, 2)}, factors=before, k=BEFORE_MOE_FIT, every_row=True)
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "89f7d68" in note and "0cbeed9" in note
    assert "all TPOT             n=54  mean |error|  49.4 %  (signed -49.4 %)" in note
    assert "fp8 44.3 % -> 42.0 %" in note and "TPOT 16.0 % (176) -> 23.8 %" in note
    path = _set_path("serving_runs_21.yaml")
    rep = validate_serving(BEFORE_MOE_FIT, path=path, factors=before)
    h20 = [x for x in rep.rows if x.id.startswith("qwen3sb")]
    assert len(h20) == 54 and all(x.error_pct < 0 for x in h20)  # every H20 row too fast


def test_h20_factor_fitted_on_the_seen_h20_rows_after_their_first_prediction() -> None:
    """The H20 serving factor (2026-12-04, nineteenth session, post hoc): serving_runs_21.yaml's H20 rows came out
    49.4 % too fast at their one prediction (recorded above); the factor is fitted the AMD way on the 36 BF16 and
    FP8 rows, which are calibration rows since, and the 18 GPTQ / AWQ INT4 rows stay held out. The pooled held-out
    figures lose the 36 points."""
    from xlcompute.serving_model import SERVING_FACTORS, for_card
    from xlcompute.serving_validation import factor_fit_report, factor_fit_rows, fit_factor

    rows = factor_fit_rows("H20")
    assert len(rows) == 36 and {r.precision["weights"] for r in rows} == {"bf16", "fp8"}
    compute, hbm, err = fit_factor("H20")
    # 0.80 / 0.45 at 17.6 % when fitted (2026-12-04); refitted with the serving grouped-GEMM efficiency (2026-12-05)
    assert (compute, hbm) == (SERVING_FACTORS["H20"].compute, SERVING_FACTORS["H20"].hbm) == (0.85, 0.45)
    assert err == pytest.approx(16.5, abs=0.05)
    assert for_card(FITTED, "H20", "NVIDIA").hbm_efficiency == pytest.approx(FITTED.hbm_efficiency * 0.45)
    assert for_card(FITTED, "H800", "NVIDIA") is FITTED  # the card's own entry, not its vendor's
    # without the per-expert kernels (fitted on 12 of its INT4 rows since), the 18 INT4 rows stayed held out at 53.0 %
    no_loop = FITTED.model_copy(update={"expert_kernel_s": 0.0})
    rep = validate_serving(no_loop, path=_set_path("serving_runs_21.yaml"))
    runs = {r.id: r for r in load_serving_runs(_set_path("serving_runs_21.yaml"))}
    loop_rows = {r.id for r in expert_loop_fit_rows()}
    roles = {x.id: x.role for x in rep.rows}
    assert sum(role == "calibration" for role in roles.values()) == 36 + len(loop_rows)
    int4 = [x for x in rep.rows if runs[x.id].accelerator == "H20" and runs[x.id].precision["weights"] == "int4-g128"]
    assert len(int4) == 18 and round(sum(abs(x.error_pct) for x in int4) / 18, 1) == 53.0  # seen before both fits
    report = factor_fit_report("H20")  # serving_runs_23.yaml's 18 H20 rows are its first held-out test (below)
    assert (report.rows, report.held_out_rows) == (36, 18) and round(report.error_pct, 1) == 16.5
    assert round(report.held_out_error_pct, 1) == 30.5


def test_runtimes_without_cuda_graphs_launch_every_decode_step_eagerly():
    """FasterTransformer (no CUDA-graph call in its GPT decoder) and vLLM before PR #1926 (2023-12-17) pay the
    prefill pass's fixed time per layer in every decode step, whatever the benchmark scenario; TensorRT-LLM's
    engine flow does only in its offline iterations (decode_graphs), and a modern vLLM not at all. Post hoc
    (2026-12-05): the rule moved only serving_runs_5.yaml's 30 rows of those runtimes, 26.9 -> 17.4 %; its blind
    test, serving_runs_22.yaml (written after it), adds 4 FasterTransformer rows."""
    from xlcompute.serving_validation import _vllm_before_graphs

    assert _vllm_before_graphs("git acbed3e (2023-10-06)") and _vllm_before_graphs("0.2.5")
    assert not _vllm_before_graphs("0.4.2") and not _vllm_before_graphs("main of 2024-02-26..2024-03-06")
    assert not _vllm_before_graphs("unpublished") and not _vllm_before_graphs("0.10.1")
    moved = {}
    for path in SERVING_SETS:
        for r in load_serving_runs(path):
            if r.status == "included" and r.eager_launches:
                moved[r.id] = (path.name, str(r.framework["name"]))
                assert not r.decode_graphs
    by_file = {f: sum(v[0] == f for v in moved.values()) for f in {v[0] for v in moved.values()}}
    assert by_file == {"serving_runs_5.yaml": 30, "serving_runs_22.yaml": 4}
    assert {v[1] for v in moved.values()} == {"fastertransformer", "vllm"}
    rows = {x.id: x for x in validate_serving(path=_set_path("serving_runs_5.yaml")).rows}
    b1 = rows["ft40-a100-gpt3-175b-fp16-tp8-b1-128-8"]  # -40.3 % with the decode step's fixed time
    assert -25 < b1.error_pct < -20
    held = [x for x in rows.values() if x.role == "held_out" and x.metric == "tpot"]
    assert len(held) == 36 and round(sum(abs(x.error_pct) for x in held) / 36, 1) == 17.4
    engine = [r for r in load_serving_runs(_set_path("serving_runs_13.yaml"))
              if r.status == "included" and str(r.framework["name"]) == "tensorrt-llm" and not r.decode_graphs]
    assert engine and not any(r.eager_launches for r in engine)


def test_twenty_second_set_first_prediction_as_recorded() -> None:
    """serving_runs_22.yaml (4 FasterTransformer rows of NeMo-Framework-Launcher's README, written by a data-only helper
    after the eager-launch rule, its blind test): the first prediction of its note, and the declared comparison with
    the rule switched off (55.6 %; 24.4 % without the cell later README versions contradict)."""
    from unittest import mock

    import xlcompute.serving_validation as sv

    text = _held_out_set("serving_runs_22.yaml", 4, {("all", "tpot"): (44.2, 4), ("NEMOFT", "tpot"): (44.2, 4)})
    note = text.split("FIRST PREDICTION (no row above changed)")[1]
    assert "5d14180" in note and "mean |error| 44.2 %" in note and "without that row 24.4 %" in note
    assert "SCORING DECLARED BEFORE THE FIRST PREDICTION" in text.split("FIRST PREDICTION (no row above")[0]
    doubtful = "nemoft-a100-gpt3-175b-fp16-tp8-b256-60-20"
    rows = validate_serving(path=_set_path("serving_runs_22.yaml")).rows
    rest = [abs(x.error_pct) for x in rows if x.id != doubtful]
    assert round(sum(rest) / 3, 1) == 5.5
    with mock.patch.object(sv.ServingRun, "eager_launches", property(lambda self: False)):
        off = sv.validate_serving(path=_set_path("serving_runs_22.yaml")).rows
    assert round(sum(abs(x.error_pct) for x in off) / 4, 1) == 55.6
    assert round(sum(abs(x.error_pct) for x in off if x.id != doubtful) / 3, 1) == 24.4


def test_serving_grouped_gemm_efficiency_is_the_preregistered_fit() -> None:
    """The serving grouped-GEMM efficiency (2026-12-05, thirty-sixth session; plan committed in serving_runs_11.yaml
    before the fit): fit_moe_gemm re-run on the 16 Mixtral throughput rows of serving_runs_11.yaml gives the committed
    0.65 (22.5 % -> 13.9 % on them); they report as calibration rows since, the other sets' MoE rows stay held out,
    and the training model keeps its own 0.90."""
    from xlcompute.planner.inputs import STEP_CONSTANTS
    from xlcompute.serving_validation import MOE_GEMM_FIT_SET, fit_moe_gemm, moe_gemm_fit_rows

    rows = moe_gemm_fit_rows()
    assert len(rows) == 16 and {r.model for r in rows} == {"mixtral-8x7b"} and MOE_GEMM_FIT_SET == "serving_runs_11.yaml"
    g, err, n = fit_moe_gemm()
    assert (g, n) == (FITTED.grouped_gemm_efficiency, 16) == (0.65, 16) and err == pytest.approx(13.9, abs=0.05)
    assert STEP_CONSTANTS["grouped_gemm_efficiency"].value == 0.9  # training's constant, fitted on training rows
    before = validate_serving(BEFORE_MOE_FIT, path=_set_path(MOE_GEMM_FIT_SET))
    fit_ids = {r.id for r in rows}
    old = [abs(x.error_pct) for x in before.rows if x.id in fit_ids]
    assert len(old) == 16 and round(sum(old) / 16, 1) == 22.5
    rep = validate_serving(path=_set_path(MOE_GEMM_FIT_SET))
    assert {x.role for x in rep.rows if x.id in fit_ids} == {"calibration"}
    assert all(x.role == "held_out" for x in rep.rows if x.id not in fit_ids)
    for name in ("serving_runs_3.yaml", "serving_runs_4.yaml"):  # the check rows: held out, less too fast than before
        now = [x for x in validate_serving(path=_set_path(name)).rows if "mixtral" in x.id and x.metric == "throughput"]
        then = {x.id: x.error_pct for x in validate_serving(BEFORE_MOE_FIT, path=_set_path(name)).rows}
        assert now and all(x.role == "held_out" and x.error_pct <= then[x.id] + 1e-9 for x in now), name
        assert sum(x.error_pct for x in now) < sum(then[x.id] for x in now) - 5 * len(now), name  # signed down >5 pts
    # a dense model is untouched by the constant
    llama = next(r for r in load_serving_runs(_set_path(MOE_GEMM_FIT_SET)) if "llama2-70b" in r.id)
    assert predict_run(llama, FITTED) == predict_run(llama, BEFORE_MOE_FIT)
    note = _set_path(MOE_GEMM_FIT_SET).read_text(encoding="utf-8")
    plan = note.split("PRE-REGISTERED FIT, the serving grouped-GEMM efficiency")[1].split("POST HOC")[0]
    assert "16 Mixtral 8x7B throughput rows" in plan and "0.025, 0.050, ..., 1.000" in plan
    assert "22.5 -> 13.9 %" in note.split("POST HOC, the routed experts at a serving grouped-GEMM efficiency")[1]


def test_twenty_third_set_first_prediction_as_recorded() -> None:
    """serving_runs_23.yaml (18 held-out offline-throughput rows of Hunyuan-A13B on H20 with vLLM 0.8.5: BF16,
    experts_int8 and FP8; written by a data-only helper from e6fa7d0, merged at f2e76eb after the per-expert kernels
    (4dd8f46), scoring declared in the file, predicted once at 69b21ce): 30.5 %. No row is a per-expert-kernel row, so
    it does not test that change; it is the H20 factor's first held-out test."""
    text = _held_out_set("serving_runs_23.yaml", 18, {
        ("all", "throughput"): (30.5, 18), ("HUNYA13B", "throughput"): (30.5, 18)})
    runs = load_serving_runs(_set_path("serving_runs_23.yaml"))
    assert not any(r.per_expert_kernels for r in runs)
    declared = text.split("thirty-eighth session): MERGED, SCORING DECLARED")[1].split("session): FIRST PREDICTION")[0]
    assert "f2e76eb" in declared and "4dd8f46" in declared
    note = text.split("FIRST PREDICTION (no row above changed)")[-1]
    assert "69b21ce" in note and "all         throughput n=18   mean |error|  30.5 %  (signed  -6.2 %)" in note
    assert "14.2 % (737) -> 14.6 % (755)" in note
    # the declared groups: the experts_int8 rows apart, and the set without them
    rep = validate_serving(path=_set_path("serving_runs_23.yaml"))
    by_id = {r.id: r for r in runs}
    int8 = [abs(x.error_pct) for x in rep.rows if by_id[x.id].precision["weights"] == "int8"]
    rest = [abs(x.error_pct) for x in rep.rows if by_id[x.id].precision["weights"] != "int8"]
    assert (len(int8), round(sum(int8) / 3, 1)) == (3, 11.3) and (len(rest), round(sum(rest) / 15, 1)) == (15, 34.4)
    # serving_runs_24.yaml (the same population searched again) and serving_runs_25.yaml (a blind TPOT set) found no
    # row: kept as records of the searches, not scored
    for name in ("serving_runs_24.yaml", "serving_runs_25.yaml"):
        empty = SERVING_RUNS.parent / name
        assert load_serving_runs(empty) == () and empty not in SERVING_SETS
