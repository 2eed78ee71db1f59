"""The proposal says when the serving figures are extrapolated: the inference model's efficiencies
are fitted on H100, A100 and L40S measurements (serving_model.SERVING_CALIBRATED_CARDS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import default_scenario, load_scenario, parse_scenario
from xlcompute.serving_model import SERVING_CALIBRATED_CARDS

SERVING_FILE = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios" / "h20-serving-qwen72b.yaml"


def test_an_uncalibrated_card_is_said_to_be_extrapolated() -> None:
    data = load_scenario(SERVING_FILE).model_dump(exclude_unset=True)
    data["cluster"] = {**data["cluster"], "accelerator": "910B"}  # no serving row, no factor
    r = estimate(parse_scenario(data))
    assert "910B" not in SERVING_CALIBRATED_CARDS
    en, zh = build_context(r, "en")["serving_extrapolated"], build_context(r, "zh")["serving_extrapolated"]
    assert "extrapolated" in en and r.accelerator_name in en and "on the H20 about twice" in en
    assert "外推" in zh and r.accelerator_name in zh


def test_the_h20_says_its_factor_is_fitted_and_how_it_held_out() -> None:
    """The H20 serves at the NVIDIA fit times its own factor (fitted after serving_runs_21.yaml's first prediction
    came out about twice too fast): the proposal names the factor, its rows and its held-out test since
    serving_runs_23.yaml (18 Hunyuan-A13B rows, 30.5 %; until then "no held-out measurement has tested it yet");
    the estimate's inputs (the workbook's cells) hold it."""
    from xlcompute.serving_model import SERVING_FACTORS

    r = estimate(load_scenario(SERVING_FILE))
    f = SERVING_FACTORS["H20"]
    en, zh = build_context(r, "en")["serving_extrapolated"], build_context(r, "zh")["serving_extrapolated"]
    assert "on the H20 they are multiplied by a factor fitted on 36 H20 measurements of SGLang" in en
    assert "0.85 for the GEMMs, 0.45 for HBM reads; 16.5% mean error" in en and "about twice too fast" in en
    assert "30.5% on the 18 held-out measurements on these cards predicted after the fit" in en
    assert "no held-out measurement" not in en and r.accelerator_name in en
    assert "在 H20 上乘以按 36 个H20" in zh and "拟合后预测的 18 个这些卡上的留出实测平均误差 30.5%" in zh
    assert (r["serving_vendor_compute"], r["serving_vendor_hbm"]) == (f.compute, f.hbm)
    assert r.inputs["serving_vendor_hbm"].source == f"default: the H20: {f.source}"


def test_a_calibrated_card_or_no_serving_says_nothing() -> None:
    assert build_context(estimate(default_scenario()), "en")["serving_extrapolated"] == ""  # H800: the H100 die
    no_users = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                        "cluster": {"accelerator": "MI300X", "cards": 1024}}))
    assert no_users["users"] == 0
    assert build_context(no_users, "en")["serving_extrapolated"] == ""


def test_an_amd_card_says_which_factor_it_carries_and_the_workbook_cell_holds_it() -> None:
    """On an AMD card the serving efficiencies are the NVIDIA fit times the AMD factor: the proposal says so
    with the fit's own figures, and the estimate's input cells (the workbook's) hold the scaled values."""
    from xlcompute.serving_model import FITTED, SERVING_FACTORS
    from xlcompute.serving_validation import factor_fit_report

    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "MI300X", "cards": 1024},
                                 "serving": {"users": 2000, "tokens_per_request": 1024, "seconds_per_request": 30}}))
    f, fit = SERVING_FACTORS["AMD"], factor_fit_report("AMD")
    assert fit.rows == 69 and round(fit.error_pct, 1) == 11.7  # 13.0 before the all-reduce constants were fitted
    en, zh = build_context(r, "en")["serving_extrapolated"], build_context(r, "zh")["serving_extrapolated"]
    assert "AMD cards" in en and "69 MI300X" in en and "0.30 for the GEMMs" in en and "11.7% mean error" in en
    # 24 points at 15.6 % before serving_runs_12.yaml's 32 MI300X TPOT points joined them; 14.9 % before the
    # all-reduce constants were fitted (post hoc)
    assert "13.9% on the 70 held-out measurements on these cards predicted after the fit" in en
    assert "69 个MI300X" in zh and "0.65" in zh and "70 个这些卡上的留出实测平均误差 13.9%" in zh
    assert r["serving_compute_efficiency"] == FITTED.compute_efficiency_16  # the fit, then the card's factor
    assert (r["serving_vendor_compute"], r["serving_vendor_hbm"]) == (f.compute, f.hbm)
    assert r["serving_gemm_efficiency"] == FITTED.compute_efficiency_16 * f.compute
    assert r["serving_read_efficiency"] == FITTED.hbm_efficiency * f.hbm
    assert r.inputs["serving_vendor_hbm"].source == f"default: AMD cards: {f.source}"


def test_the_method_appendix_quotes_the_pooled_serving_errors() -> None:
    """The proposal's serving method says how far its figures hold with the numbers `xlcompute validate --serving`
    prints (pooled held-out points of every pre-registered set), in English and Chinese; a plan without
    serving says nothing."""
    from xlcompute import fmt
    from xlcompute.serving_validation import POOLED_HELD_OUT, SERVING_SETS, pooled_held_out

    r = estimate(default_scenario())
    pooled = {m: (n, round(v, 1)) for m, (n, v) in pooled_held_out().items()}
    assert pooled == POOLED_HELD_OUT  # the committed figures the proposal quotes are the model's
    en, zh = build_context(r, "en")["serving_accuracy"], build_context(r, "zh")["serving_accuracy"]
    for metric, label in (("ttft", "on the time to the first token"), ("tpot", "on the time per output token"),
                          ("throughput", "on throughput")):
        n, err = pooled[metric]
        assert f"{fmt.percent(err / 100)} {label} ({n}" in en
        assert f"{fmt.percent(err / 100)}（{n} 个" in zh
    assert f"of the {len(SERVING_SETS)} pre-registered serving sets" in en
    no_users = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                        "cluster": {"accelerator": "H800", "cards": 1024}}))
    assert build_context(no_users, "en")["serving_accuracy"] == ""


def test_weight_only_serving_on_a_card_without_an_fp32_figure_is_flagged() -> None:
    """int4 serving on a 910B (no published FP32 vector peak): the input says what it assumes (en, zh), the
    dequantisation share equals the A100's, and the proposal lists it as a Low risk; bf16 serving does not."""
    from xlcompute.report.context import build_context

    def run(precision: str):  # type: ignore[no-untyped-def]
        return estimate(parse_scenario({"model": {"preset": "qwen2-72b"}, "training": {"tokens": "1T"},
                                        "cluster": {"accelerator": "910B", "cards": 256},
                                        "serving": {"users": 2000, "tokens_per_request": 1500, "precision": precision}}))

    r = run("int4")
    iv = r.inputs["gpu_fp32_tflops"]
    assert iv.origin is not None and iv.origin.extra == "fp32_assumed" and "no published FP32 vector peak" in iv.source
    a100 = estimate(parse_scenario({"model": {"preset": "qwen2-72b"}, "training": {"tokens": "1T"},
                                    "cluster": {"accelerator": "A100-80G", "cards": 256},
                                    "serving": {"users": 2000, "tokens_per_request": 1500, "precision": "int4"}}))
    assert r["serving_dequant_efficiency"] == pytest.approx(a100["serving_dequant_efficiency"])
    assert 0.6 < r["serving_dequant_efficiency"] < 0.75 and r["serving_dequant_ops"] == 3.5
    for lang, words in (("en", "no FP32 vector peak in the catalog or the scenario"), ("zh", "均没有 FP32 向量峰值")):
        risks = " ".join(str(x) for row in build_context(r, lang)["risks"] for x in row.values())
        assert words in risks, lang
    # the serving table shows the weight bytes, and for a weight-only format the share its reads keep
    rows = {row["key"]: row["value"] for row in build_context(r, "en")["serving_rows"]}
    assert rows["serving_bytes_per_param"] == "0.5312" and rows["serving_dequant_efficiency"] == "0.65"
    bf16 = run("bf16")
    assert bf16["serving_dequant_efficiency"] == 1 and bf16["serving_dequant_ops"] == 0
    keys = [row["key"] for row in build_context(bf16, "en")["serving_rows"]]
    assert "serving_bytes_per_param" in keys and "serving_dequant_efficiency" not in keys
    assert "no FP32 vector peak" not in " ".join(
        str(x) for row in build_context(bf16, "en")["risks"] for x in row.values())


def test_w8a8_says_its_int8_gemms_are_not_validated() -> None:
    """INT8 GEMMs (serving.precision w8a8) rest on an assumption (the FP8 GEMMs' share of peak) no published row
    tests: the proposal says so with the card's INT8 peak, on a calibrated card alone and after an uncalibrated
    card's sentence, in English and Chinese; bf16 on the same card says nothing."""
    base = {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"}, "cluster": {"accelerator": "A100-80G",
            "cards": 1024}, "serving": {"users": 2000, "tokens_per_request": 1024, "seconds_per_request": 30}}
    w8a8 = estimate(parse_scenario({**base, "serving": {**base["serving"], "precision": "w8a8"}}))
    en, zh = build_context(w8a8, "en")["serving_extrapolated"], build_context(w8a8, "zh")["serving_extrapolated"]
    assert en.startswith("The serving plan runs its matrix multiplications in INT8") and "624 TOPS" in en
    assert "W8A8" in zh and "624 TOPS" in zh
    assert build_context(estimate(parse_scenario(base)), "en")["serving_extrapolated"] == ""
    h20 = estimate(parse_scenario({**base, "cluster": {"accelerator": "H20", "cards": 1024},
                                   "serving": {**base["serving"], "precision": "w8a8"}}))
    text = build_context(h20, "en")["serving_extrapolated"]
    assert "factor" in text and text.index("factor") < text.index("INT8") and "296 TOPS" in text


@pytest.mark.parametrize("card", ["H800", "H20", "MI300X", "910B", "B200"])
def test_the_cli_line_and_the_proposal_ask_one_question_of_a_card(card: str) -> None:
    """serving_model.card_basis answers "calibrated, a fitted factor, or extrapolated?" for both faces: the CLI's
    serving line says "extrapolated" exactly where the proposal's serving section prints the extrapolation
    sentence (not the factor's, not none)."""
    from xlcompute import catalog
    from xlcompute.cli.estimate import _serving_extrapolated
    from xlcompute.serving_model import card_basis

    data = load_scenario(SERVING_FILE).model_dump(exclude_unset=True)
    data["cluster"] = {**data["cluster"], "accelerator": card}
    r = estimate(parse_scenario(data))
    g = catalog.get_gpu(card)
    basis = card_basis(g.key, g.vendor)
    sentence = build_context(r, "en")["serving_extrapolated"]
    assert basis == {"H800": "calibrated", "H20": "factor", "MI300X": "factor"}.get(card, "extrapolated")
    assert (sentence == "") == (basis == "calibrated")
    assert ("multiplied by a factor" in sentence) == (basis == "factor")
    assert (_serving_extrapolated(r, "en") != "") == (basis == "extrapolated")
