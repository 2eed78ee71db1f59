"""The global batch: a token budget by default, rounded to the layout (core.parallel)."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute.core import parallel


@pytest.mark.parametrize(
    ("cards", "tokens"),
    [
        (8, 4_000_000),  # small clusters: Llama 2's 4M tokens
        (1000, 4_000_000),  # 1,024 per card is 1.02M < 4M
        (16_384, 16_777_216),  # Llama 3 405B: 16M tokens on 16,384 H100
        (100_000, 64_000_000),  # capped at DeepSeek-V3's 63M-token batch
    ],
)
def test_default_batch_tokens(cards: int, tokens: int) -> None:
    assert parallel.default_batch_tokens(cards) == tokens


@pytest.mark.parametrize(
    ("cards", "tokens"),
    [
        (128, 4_000_000),  # 16,384 per card is 2.1M < 4M (Granite 3.0 1B-A400M ran 4M on 128 H100)
        (256, 4_194_304),  # Granite 3.0 3B-A800M: 4M on 256 H100
        (2048, 33_554_432),  # DeepSeek-V3 ran 63M on 2,048 H800: the default stays below it
        (8192, 64_000_000),  # capped
    ],
)
def test_default_batch_tokens_of_a_mixture_of_experts(cards: int, tokens: int) -> None:
    assert parallel.default_batch_tokens(cards, parallel.MOE_BATCH_TOKENS_PER_CARD) == tokens


@pytest.mark.parametrize(
    ("target", "unit", "dp", "expected"),
    [
        (1024, 1, 1000, 1000),  # 1.024 per replica rounds to 1
        (1000, 1, 32, 992),  # 31.25 -> 31 micro-batches
        (1008, 1, 32, 1024),  # 31.5 -> 32 (half rounds up)
        (2520, 1, 641, 2564),  # 530B on 5,128 cards: 3.93 -> 4 per replica
        (10, 4, 50, 200),  # never below one unit per replica
        (1024, 16, 2, 1024),  # interleaved: micro-batch 2 x pp 8 per replica
    ],
)
def test_round_global_batch(target: int, unit: int, dp: int, expected: int) -> None:
    got = parallel.round_global_batch(target, unit, dp)
    assert got == expected
    assert got % (unit * dp) == 0


def test_batch_unit_needs_pp_micro_batches_only_when_interleaved() -> None:
    assert parallel.batch_unit(2, 8, 1) == 2
    assert parallel.batch_unit(2, 8, 2) == 16


def test_the_same_formulas_over_arrays() -> None:
    dp = np.array([1000.0, 32.0, 641.0])
    got = parallel.round_global_batch(np.array([1024.0, 1000.0, 2520.0]), 1.0, dp)
    assert got.tolist() == [1000.0, 992.0, 2564.0]
    assert parallel.idle_cards(1001, parallel.parallel_cards(parallel.data_parallel(1001, 8, 5, 1), 8, 5, 1)) == 1
