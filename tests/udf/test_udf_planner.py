"""LLM_BEST_LAYOUT and LLM_PREDICTED_MFU equal estimate() of the same one-line scenario (the planner
behind `xlcompute plan`), and repeated calls are served from a cache. A refusal is one line of
``#VALUE!`` text in the functions' own argument names (gpu, gpus, tp), never the scenario's."""

from __future__ import annotations

import pytest

from xlcompute import estimate, parse_scenario
from xlcompute.udf import LLM_BEST_LAYOUT, LLM_PREDICTED_MFU, LLM_TRAIN_DAYS

SCENARIO_WORDS = ("cluster.", "training.", "model.preset", "assumptions.", "scenario:", "Execution", "pydantic")


def refusal(result: object) -> str:
    """The one line of error text a planner function returned, free of the scenario's words."""
    assert isinstance(result, str) and result.startswith("#VALUE! "), result
    assert len(result.splitlines()) == 1, result
    assert not any(word in result for word in SCENARIO_WORDS), result
    return result


def _scenario(**training):
    return parse_scenario(
        {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "global_batch": 1024, **training},
         "cluster": {"accelerator": "H800", "cards": 1024}}
    )


def test_best_layout_row_matches_the_estimate():
    header, row = LLM_BEST_LAYOUT("llama2-70b", "H800", 1024)
    assert header == ["TP", "CP", "PP", "DP", "EP", "micro_batch", "predicted_mfu", "step_seconds", "interleave",
                      "global_batch"]
    r = estimate(_scenario())
    assert row[:6] == [r["tp"], r["cp"], r["pp"], r["dp"], 1, r["micro_batch"]]  # a dense model: EP 1
    # every card or the fastest layout's few idle (4 of 1,024); 4K tokens: no context parallelism
    assert row[0] * row[1] * row[2] * row[3] == r["parallel_cards"] >= 1020 and row[1] == 1
    assert row[6] == r["mfu"] == r["predicted_mfu"]  # MFU left open: the step-time model's prediction
    assert row[7] == r["step_seconds"]
    assert row[7] == pytest.approx(r["predicted_step_seconds"], rel=1e-12)
    assert row[8:] == [r["interleave"], r["global_batch"]]  # enough to type the plan back as a scenario
    assert row[6] == LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024)


def test_best_layout_of_a_mixture_of_experts_model_has_ep():
    # Issue 15: the planner functions plan MoE models too; EP divides the experts and the DP ranks.
    header, row = LLM_BEST_LAYOUT("mixtral-8x7b", "H800", 64, 4096, 512)
    ep = row[header.index("EP")]
    assert ep > 1 and 8 % ep == 0 and (row[0] * row[1] * row[3]) % ep == 0
    mfu = row[header.index("predicted_mfu")]
    assert 0.05 < mfu < 0.7 and mfu == LLM_PREDICTED_MFU("mixtral-8x7b", "H800", 64, 4096, 512)


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
        (("llama2-70b", "H800", 1024, 4096, 0), "global_batch must be a whole number"),
        (("llama2-70b", "H800", 8), "no layout of 8 cards fits"),
        (("llama2-70b", 989, 1024), "gpu must be a card name"),
        (("llama2-70b", "H800", 1024, 4096.5), "seq_len must be a whole number"),
    ],
)
def test_planner_udf_errors(args, message):
    assert message in refusal(LLM_BEST_LAYOUT(*args))


def test_half_a_layout_is_refused():
    text = refusal(LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 8))
    assert "pp is empty; give tp and pp together" in text
    assert "tp is empty" in refusal(LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, None, 4))


def test_a_layout_the_model_or_cluster_cannot_take_is_refused():
    # 3 divides neither 64 heads nor 1024 cards: the scenario's training.tp reads as the cell's tp.
    assert refusal(LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 3, 1)) == (
        "#VALUE! tp (3) must divide the model's 64 attention heads")
    assert "tp·pp (64·32 = 2048) must be at most gpus (1024)" in refusal(
        LLM_PREDICTED_MFU("llama2-70b", "H800", 1024, 4096, 1024, 64, 32))


def test_refusals_from_below_name_the_functions_arguments():
    # No layout fits: the advice is the cells' (gpus, gpu), not the scenario's assumptions.mfu.
    text = refusal(LLM_BEST_LAYOUT("llama2-70b", "A100", 8, 4096, 1024))
    assert "no layout of 8 cards fits" in text and "raise gpus or choose a gpu with more memory" in text
    assert "(global batch:" not in text and "catalog:" not in text


@pytest.mark.parametrize(
    "args, message",
    [
        (("llama2-70b", "H800", 9.99e307), "gpus must be a whole number ≤ 10,000,000, got 9.99e+307"),
        (("llama2-70b", "H800", 1024, 9.99e307), "seq_len must be a whole number ≤ 100,000,000"),
        (("llama2-70b", "H800", 1024, 4096, "3亿"), 'global_batch must be a whole number ≤ 100,000,000, got "3亿"'),
        (("llama2-70b", "H800", 1024, 4096, 1024, 1e300, 1), "tp must be a whole number ≤ 65,536"),
        (("llama2-70b", "H800", 1024, 4096, 1024, 8, -9.99e307), "pp must be a whole number ≥ 1"),
        (("llama2-70b", "H800", 1e-308), "gpus must be a whole number, got 1e-308"),
        (("llama2-70b", "H800", float("nan")), "gpus: nan is not a finite number"),
        (("llama2-70b", "H800", [64, 128]), "gpus must be a single cell or number, got a range"),
        (("llama2-70b", ["H800"], 64), "gpu must be a card name"),
        ((["llama2-70b"], "H800", 64), "model must be a model name"),
        (("llama2-70b", "H800\n", "64\x00"), "gpus: '64\\x00' is not a number"),
        (("x" * 5000, "H800", 64), "model must be a model name such as"),
    ],
)
def test_hostile_arguments_are_refused_by_name(args, message):
    # Excel's largest number, a tiny one, NaN, a range and garbage never reach the planner: the
    # planner's own limits (10^7 cards, 10^8 tokens or sequences, TP and PP 65,536) are read from it.
    for f in (LLM_BEST_LAYOUT, LLM_PREDICTED_MFU) if len(args) <= 5 else (LLM_PREDICTED_MFU,):
        assert message in refusal(f(*args))


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
    assert LLM_PREDICTED_MFU("llama2-13b", "H800", 64, 2048, 256) == first[1][6] and calls == []
    for _ in range(2):  # a refusal is cached too: a failing search costs as much as a good one
        assert "no layout" in refusal(LLM_PREDICTED_MFU("llama2-70b", "H800", 8, 4096, 256))
    assert len(calls) == 1
