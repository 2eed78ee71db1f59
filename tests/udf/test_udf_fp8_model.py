"""A catalog model trained in FP8 (DeepSeek-V3) in the time, cost, MFU and goodput functions: a card name gives
the FP8 peak its predicted MFU is a share of, the FLOPs count its multi-token prediction modules, and LLM_ETTR
checkpoints its FP8 optimizer bytes, so each cell equals the estimate (helper-105's review: a predicted MFU fed
into LLM_TRAIN_DAYS came out 93 % too slow)."""

from __future__ import annotations

import pytest

from xlcompute import estimate, parse_scenario
from xlcompute.udf import (
    LLM_COMPARE,
    LLM_ETTR,
    LLM_GPUS_FOR_DAYS,
    LLM_MFU,
    LLM_PREDICTED_MFU,
    LLM_TRAIN_DAYS,
    LLM_TRAIN_DAYS_TABLE,
    LLM_TRAIN_GPU_HOURS,
)


@pytest.fixture(scope="module")
def planned():  # type: ignore[no-untyped-def]
    return estimate(parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T"},
                                    "cluster": {"accelerator": "H800", "cards": 2048}}))


def test_the_predicted_mfu_fed_back_gives_the_estimates_days(planned) -> None:  # type: ignore[no-untyped-def]
    mfu = LLM_PREDICTED_MFU("deepseek-v3", "H800", 2048)
    assert mfu == pytest.approx(planned["predicted_mfu"], rel=1e-12)
    assert planned["parallel_cards"] == 2048  # no idle cards: the days of steps on every card
    steps = LLM_TRAIN_DAYS("deepseek-v3", "14.8T", 2048, "H800", mfu)
    assert steps == pytest.approx(planned["step_train_days"], rel=1e-9)
    assert steps == pytest.approx(63.30, abs=0.01)
    hours = LLM_TRAIN_GPU_HOURS("deepseek-v3", "14.8T", "H800", mfu)
    assert hours == pytest.approx(planned["step_gpu_hours"], rel=1e-9)
    # The estimate's throughput read back as an MFU is its MFU; the same MFU in LLM_COMPARE gives the same days.
    assert LLM_MFU(planned["tokens_per_s_per_card"], "deepseek-v3", "H800") == pytest.approx(mfu, rel=1e-9)
    ettr = LLM_ETTR(2048, "deepseek-v3")
    assert ettr == pytest.approx(planned["effective_ratio"], rel=1e-12)
    end_to_end = LLM_TRAIN_DAYS("deepseek-v3", "14.8T", 2048, "H800", mfu, None, None, None, ettr)
    row = LLM_COMPARE("deepseek-v3", "14.8T", 2048, "H800", mfu)
    assert isinstance(row, list) and row[1][2] == pytest.approx(end_to_end, rel=1e-9)
    table = LLM_TRAIN_DAYS_TABLE("deepseek-v3", "14.8T", [2048], "H800", [mfu])
    assert isinstance(table, list) and table[1][1] == pytest.approx(steps, rel=1e-12)


def test_a_typed_peak_is_the_users_and_bf16_models_keep_the_bf16_peak() -> None:
    mfu = 0.2
    fp8 = LLM_TRAIN_DAYS("deepseek-v3", "14.8T", 2048, "H800", mfu)
    assert LLM_TRAIN_DAYS("deepseek-v3", "14.8T", 2048, 1978.9, mfu) == pytest.approx(fp8, rel=1e-12)
    assert LLM_TRAIN_DAYS("deepseek-v3", "14.8T", 2048, 989.4, mfu) == pytest.approx(2 * fp8, rel=1e-3)
    # a BF16 model on the same card: its BF16 peak, as before (seed 001's 6PT at 0.4: 24.57 days for 70B)
    assert LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4) == pytest.approx(
        LLM_TRAIN_DAYS("70B", "2T", 1000, 989.4, 0.4), rel=1e-12)
    assert LLM_GPUS_FOR_DAYS("deepseek-v3", "14.8T", fp8, "H800", mfu) == 2048


def test_a_card_without_an_fp8_peak_is_refused_for_an_fp8_model() -> None:
    got = LLM_TRAIN_DAYS("deepseek-v3", "14.8T", 2048, "A800", 0.3)
    assert isinstance(got, str) and got.startswith("#VALUE! peak_tflops:")
    assert "has no FP8 peak" in got and "deepseek-v3 trains in FP8" in got and "BF16: 312" in got
    assert isinstance(LLM_TRAIN_DAYS("deepseek-v3", "14.8T", 2048, 312, 0.3), float)


def test_ettr_of_a_bf16_model_is_unchanged() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "H800", "cards": 1000}, "assumptions": {"mfu": 0.4}}))
    assert LLM_ETTR(1000, "llama2-70b") == pytest.approx(r["effective_ratio"], rel=1e-12)
