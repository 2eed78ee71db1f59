"""LLM_BEST_LAYOUT and LLM_PREDICTED_MFU equal estimate() of the same one-line scenario (the planner
behind `xlcompute plan`), and repeated calls are served from a cache."""

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
    assert header == ["TP", "CP", "PP", "DP", "micro_batch", "predicted_mfu", "step_seconds"]
    r = estimate(_scenario())
    assert row[:5] == [r["tp"], r["cp"], r["pp"], r["dp"], r["micro_batch"]]
    assert row[0] * row[1] * row[2] * row[3] == 1024 and row[1] == 1  # 4K tokens: no context parallelism
    assert row[5] == r["mfu"] == r["predicted_mfu"]  # MFU left open: the step-time model's prediction
    assert row[6] == r["step_seconds"]
    assert row[6] == pytest.approx(r["predicted_step_seconds"], rel=1e-12)
    assert row[5] == LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024)


def test_predicted_mfu_for_a_fixed_layout_and_use_in_train_days():
    mfu = LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 8, 4)
    r = estimate(_scenario(tp=8, pp=4))
    assert mfu == r["mfu"] == r["predicted_mfu"]
    assert 0.1 < mfu < 0.7
    # The best layout is never predicted slower than a fixed one.
    assert LLM_PREDICTED_MFU("llama2-70b", "H800", 1024) >= mfu
    # Fed to LLM_TRAIN_DAYS with the model name, it gives the estimate's days (test_udf_mfu_contract).
    assert LLM_TRAIN_DAYS("llama2-70b", "2T", 1024, "H800", mfu) == pytest.approx(r["step_train_days"], rel=1e-12)


@pytest.mark.parametrize(
    "args, message",
    [
        (("llama2-7OB", "H800", 1024), "llama2-70b"),
        (("llama2-70b", "H80", 1024), "H800"),
        (("llama2-70b", "H800", 0), "gpus"),
        (("mixtral-8x7b", "H800", 64), "dense transformers only"),
        (("llama2-70b", "H800", 1024, 4096, 0), "global_batch must be a whole number"),
        (("llama2-70b", "H800", 8), "no layout of 8 cards fits"),
        (("llama2-70b", 989, 1024), "gpu must be a card name"),
        (("llama2-70b", "H800", 1024, 4096.5), "seq_len must be a whole number"),
    ],
)
def test_planner_udf_errors(args, message):
    with pytest.raises(ValueError, match=message):
        LLM_BEST_LAYOUT(*args)


def test_half_a_layout_is_refused():
    with pytest.raises(ValueError, match="pp is empty; give tp and pp together"):
        LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 8)
    with pytest.raises(ValueError, match="tp is empty"):
        LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, None, 4)


def test_a_layout_the_model_or_cluster_cannot_take_is_refused():
    with pytest.raises(ValueError, match="tp"):
        LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 3, 1)  # 3 divides neither 64 heads nor 1024
    with pytest.raises(ValueError, match=r"tp·pp \(64·32 = 2048\) must be at most gpus \(1024\)"):
        LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 64, 32)


def test_a_batch_the_layout_cannot_split_is_rounded_not_refused():
    # dp 32 does not divide 1000: the estimate runs 992 (31 per replica), as the scenario would.
    from xlcompute.estimate import estimate
    from xlcompute.scenario import parse_scenario

    got = LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1000, 8, 4)
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"},
                                 "training": {"tokens": "1T", "global_batch": 1000, "tp": 8, "pp": 4},
                                 "cluster": {"accelerator": "H800", "cards": 1024}}))
    assert r["global_batch"] == 992
    assert got == pytest.approx(r["mfu"], rel=1e-12)


def test_results_and_refusals_are_cached_per_argument_tuple(monkeypatch):
    import sys

    est_module = sys.modules["xlcompute.estimate"]  # the module; `xlcompute.estimate` is the function
    first = LLM_BEST_LAYOUT("llama2-13b", "H800", 64, 2048, 256)
    calls = []
    real = est_module.estimate
    monkeypatch.setattr(est_module, "estimate", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = LLM_BEST_LAYOUT("llama2-13b", "h800", 64.0, "2048", 256)  # same arguments as cells may hold them
    assert again == first and again is not first and calls == []
    again[1][0] = 999  # a caller may change its list; the cache holds tuples
    assert LLM_BEST_LAYOUT("llama2-13b", "H800", 64, 2048, 256) == first
    # The best layout's MFU shares the cached estimate.
    assert LLM_PREDICTED_MFU("llama2-13b", "H800", 64, 2048, 256) == first[1][5] and calls == []
    for _ in range(2):  # a refusal is cached too: a failing search costs as much as a good one
        with pytest.raises(ValueError, match="no layout"):
            LLM_PREDICTED_MFU("llama2-70b", "H800", 8, 4096, 256)
    assert len(calls) == 1
