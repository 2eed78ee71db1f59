"""The finance user's review of the fiftieth session (helper-105): counts typed with a dot before three digits,
an empty model cell, an impossible MFU, a batch typed in tokens, and the help texts that said the wrong thing."""

from __future__ import annotations

import pytest

from xlcompute.udf import (
    LLM_MFU,
    LLM_MFU_FROM_ITER,
    LLM_PREDICTED_MFU,
    LLM_SERVING_CARDS,
    LLM_TRAIN_DAYS,
    LLM_TTFT,
)
from xlcompute.udf._register import udf_specs


@pytest.mark.parametrize(("call", "digits"), [
    (lambda: LLM_TRAIN_DAYS("70B", "2T", "1.000", "H800", 0.4), "1000"),
    (lambda: LLM_TRAIN_DAYS("70B", "2T", " 1.000.000 ", "H800", 0.4), "1000000"),
    (lambda: LLM_SERVING_CARDS("llama2-70b", "H800", "2.000", 1000, 20, 500), "2000"),
])
def test_a_count_with_a_dot_before_three_digits_is_refused(call, digits: str) -> None:  # type: ignore[no-untyped-def]
    got = call()
    assert isinstance(got, str) and got.startswith("#VALUE!")
    assert "the dot may group thousands" in got and f"write {digits} without it" in got


def test_counts_that_read_one_way_still_read() -> None:
    assert LLM_TRAIN_DAYS("70B", "2T", "1,000", "H800", 0.4) == LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4)
    assert isinstance(LLM_SERVING_CARDS("llama2-70b", "H800", "2000人", 1000, 20, 500), float)


def test_an_empty_model_cell_is_called_empty() -> None:
    got = LLM_TTFT(None, "H800", 500)
    assert isinstance(got, str) and got.endswith("got an empty cell") and "None" not in got


def test_an_impossible_utilisation_names_the_arguments_to_check() -> None:
    huge = LLM_MFU(9.99e307, "70B", "H800")
    assert isinstance(huge, str) and huge.startswith("#NUM!") and "inf" not in huge
    assert "tokens_per_s_per_gpu" in huge
    it = LLM_MFU_FROM_ITER(1, 1024, 4096, 80, 8192, 32000, 1000, "H800")
    assert isinstance(it, str) and "iter_seconds" in it and "throughput" not in it


def test_a_global_batch_typed_in_tokens_is_refused_with_the_sequences_meant() -> None:
    got = LLM_PREDICTED_MFU("llama2-70b", "H800", 1000, 4096, "4M")
    assert isinstance(got, str) and "global_batch counts sequences" in got and "give 977 sequences" in got
    assert isinstance(LLM_PREDICTED_MFU("llama2-70b", "H800", 1000, 4096, 15360), float)  # DeepSeek-V3's size


def test_help_texts_say_what_the_function_does() -> None:
    specs = udf_specs()
    assert "4·T·(…) instead of 3·T·(…)" in specs["LLM_TRAIN_FLOPS_ATTN"].args["recompute"]
    assert "k = 4 instead of 3" in specs["LLM_ITER_FLOPS"].args["recompute"]
    assert "8PT" not in specs["LLM_MFU_FROM_ITER"].args["recompute"]
    assert "Sequences (not tokens)" in specs["LLM_PREDICTED_MFU"].args["global_batch"]
    for name in ("LLM_ETTR", "TRAIN_MEM_PER_GPU"):  # they hold every weight: not "its active parameters"
        assert "every expert" in specs[name].args["params"]
    assert "FP8 TFLOPS for a catalog model trained in FP8" in specs["LLM_TRAIN_DAYS"].args["peak_tflops"]
