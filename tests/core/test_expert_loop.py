"""The per-expert kernel launches of a weight-only quantised MoE layer (core.inference [MARLINMOE])."""

from __future__ import annotations

import pytest

from xlcompute.core import inference as inf


def test_expert_loop_is_experts_times_kernels_times_kernel_time() -> None:
    # Qwen3-30B-A3B: 128 experts, gate-up and down, 2.45 µs each -> 627.2 µs per MoE layer
    assert inf.expert_loop_layer_seconds(128, 2, 2.45e-6) == pytest.approx(627.2e-6)
    assert inf.expert_loop_layer_seconds(8, 2, 2.45e-6) == pytest.approx(39.2e-6)  # Mixtral: 16x fewer launches
    assert inf.expert_loop_layer_seconds(128, 2, 0.0) == 0.0
