"""Data-parallel traffic under Megatron-Core's schedule (core.comm [MCORE-SCHED]): the reduce-scatter under the
interleaved cooldown's chunk backwards, the parameter all-gather under the warm-up's chunk forwards."""

from __future__ import annotations

import pytest

from xlcompute.core import comm

LAYERS, BWD, FWD, LOGITS = 12, 0.010, 0.005, 0.0


def _window(stage: int = 1, pp: int = 8, v: int = 1, m: int = 8) -> float:
    return float(comm.dp_overlap_window(stage, 1.0, 0.0, 0.0, LAYERS, BWD, 0.0, LOGITS, pp, v, m))


def test_without_interleaving_the_window_is_the_last_backward() -> None:
    assert _window(v=1) == pytest.approx(LAYERS * BWD)
    assert float(comm.dp_forward_window(LAYERS, FWD, 8, 1, 8)) == pytest.approx(LAYERS * FWD)


def test_interleaved_chunks_hide_under_the_chunk_backwards_still_to_come() -> None:
    # GPT-3 175B in MLPerf v3.1: 12 layers on a stage in 12 chunks, PP 8, 8 micro-batches per replica:
    # the first chunk reduced hides under 11 x 8 chunk backwards, so the window is 1 + 88 chunks, not 12.
    chunk = LAYERS * BWD / 12
    assert _window(v=12, pp=8, m=8) == pytest.approx(chunk * (1 + 11 * 8))
    # a group holds min(pp, m) micro-batches
    assert _window(v=12, pp=8, m=4) == pytest.approx(chunk * (1 + 11 * 4))
    assert float(comm.dp_forward_window(LAYERS, FWD, 8, 12, 8)) == pytest.approx(LAYERS * FWD / 12 * 89)
    # ZeRO-3 keeps its whole-pipeline window
    assert _window(stage=3, v=12) == pytest.approx(1.0)


def test_zero_1_and_2_split_the_bytes_between_the_two_windows() -> None:
    total, floor = 1.0, 0.04
    # both halves hide: only half the last bucket each stays exposed
    assert float(comm.sharded_dp_exposed_seconds(total, 2.0, 2.0, floor, 1, 1)) == pytest.approx(floor)
    # the gather's window is short: what it cannot hide stays exposed
    assert float(comm.sharded_dp_exposed_seconds(total, 2.0, 0.1, floor, 1, 1)) == pytest.approx(0.02 + 0.4)
    # no overlap: all of it
    assert float(comm.sharded_dp_exposed_seconds(total, 2.0, 2.0, floor, 0, 1)) == total
    # ZeRO-0 all-reduces under the backward alone, as exposed_seconds says
    for window in (0.1, 0.5, 2.0):
        assert float(comm.sharded_dp_exposed_seconds(total, window, 5.0, floor, 1, 0)) == pytest.approx(
            float(comm.exposed_seconds(total, window, floor, 1)))


def test_a_wait_is_split_between_the_passes_once() -> None:
    fwd = float(comm.forward_wait_share(0.3, 1.0, 2.0, 0.0))
    assert fwd == pytest.approx(0.1)
    assert float(comm.forward_wait_share(0.0, 1.0, 2.0, 0.5)) == 0.0
    assert float(comm.forward_wait_share(0.3, 0.0, 0.0, 0.0)) == 0.0  # no kernels: no share, no division by 0
