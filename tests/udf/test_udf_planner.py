"""LLM_BEST_LAYOUT and LLM_PREDICTED_MFU equal the planner behind `xlcompute plan` / estimate()."""

from __future__ import annotations

import pytest

from xlcompute import estimate, parse_scenario
from xlcompute.udf import LLM_BEST_LAYOUT, LLM_PREDICTED_MFU, LLM_TRAIN_DAYS


def _scenario(**training):
    return parse_scenario(
        {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "global_batch": 1024, **training},
         "cluster": {"accelerator": "H800", "cards": 1024}}
    )


def test_best_layout_row_matches_the_estimate():
    header, row = LLM_BEST_LAYOUT("llama2-70b", "H800", 1024)
    assert header == ["TP", "PP", "DP", "micro_batch", "predicted_mfu", "step_seconds"]
    r = estimate(_scenario())
    assert row[:4] == [r["tp"], r["pp"], r["dp"], r["micro_batch"]]
    assert row[0] * row[1] * row[2] == 1024
    assert row[4] == pytest.approx(r["mfu"], rel=1e-12)
    assert row[5] == pytest.approx(r["step_seconds"], rel=1e-9)


def test_predicted_mfu_for_a_fixed_layout_and_use_in_train_days():
    mfu = LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 8, 4)
    assert mfu == pytest.approx(estimate(_scenario(tp=8, pp=4))["mfu"], rel=1e-12)
    assert 0.1 < mfu < 0.7
    # The best layout is never predicted slower than a fixed one.
    assert LLM_PREDICTED_MFU("llama2-70b", "H800", 1024) >= mfu
    assert LLM_TRAIN_DAYS("70B", "2T", 1024, "H800", mfu) > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("llama2-7OB", "H800", 1024), "llama2-70b"),
        (("llama2-70b", "H80", 1024), "H800"),
        (("llama2-70b", "H800", 0), "gpus"),
        (("mixtral-8x7b", "H800", 64), "dense transformers only"),
    ],
)
def test_planner_udf_errors(args, message):
    with pytest.raises(ValueError, match=message):
        LLM_BEST_LAYOUT(*args)


def test_half_a_layout_is_refused():
    with pytest.raises(ValueError, match="pp"):
        LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 8)
