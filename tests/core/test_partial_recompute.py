"""Selective recomputation with some of each stage's layers recomputed in full (Megatron-LM's block
method): one level between selective (1) and full (2) that every formula weighs layer by layer."""

from __future__ import annotations

import pytest

from xlcompute.core import comm, compute, kernels, memory


@pytest.mark.parametrize(("mode", "layers", "on_stage", "level"), [
    (0, 3, 8, 0), (1, 0, 8, 1), (1, 2, 8, 1.25), (1, 8, 8, 2), (1, 11, 8, 2), (2, 0, 8, 2), (2, 5, 8, 2),
])
def test_level_of_a_mode_and_its_layers(mode: int, layers: int, on_stage: int, level: float) -> None:
    assert compute.recompute_level(mode, layers, on_stage) == pytest.approx(level)


def test_a_level_weighs_the_full_and_the_selective_costs_of_each_layer() -> None:
    share = 0.375  # 3 of 8 layers
    level = compute.recompute_level(1, 3, 8)
    assert compute.full_recompute_share(level) == pytest.approx(share)
    assert compute.selective_recompute(level) == 1 and compute.selective_recompute(2) == 0

    def mix(fn, *args):  # type: ignore[no-untyped-def]
        return share * fn(*args, 2) + (1 - share) * fn(*args, 1)

    # time: the recomputed forward of an unfused layer, and the GEMM window
    assert kernels.layer_recompute_seconds(1.0, 0.2, 0.05, level, 0) == pytest.approx(
        mix(lambda r: kernels.layer_recompute_seconds(1.0, 0.2, 0.05, r, 0)))
    assert kernels.layer_gemm_seconds(0.7, 0.2, level) == pytest.approx(
        mix(lambda r: kernels.layer_gemm_seconds(0.7, 0.2, r)))
    assert kernels.attention_backward_seconds(0.2, 1, level) == pytest.approx(
        mix(lambda r: kernels.attention_backward_seconds(0.2, 1, r)))
    # communication: the repeated forward's TP collectives and CP ring
    assert comm.tp_collectives_per_layer(level) == pytest.approx(4 + 2 * share)
    assert comm.cp_bytes_per_layer(100.0, level) == pytest.approx(mix(lambda r: comm.cp_bytes_per_layer(100.0, r)))
    # memory: the stored activations of the stage's layers on average
    args = (5e8, 1e6, 8192, 1, 16384, 8, 1)
    assert memory.activations_stored_layer(*args, level, 1) == pytest.approx(
        mix(lambda r: memory.activations_stored_layer(*args, r, 1)))
    # FLOPs: the full share repeats the forward
    assert compute.recompute_flops(1e6, 3e9, 10, 4096, 8192, level, 1) == pytest.approx(
        mix(lambda r: compute.recompute_flops(1e6, 3e9, 10, 4096, 8192, r, 1)))
    assert compute.recompute_extra_forward(level) == pytest.approx(share)


def test_the_working_layer_counts_once_any_layer_is_recomputed_in_full() -> None:
    base = (1e9, 8, 4, 16, 1, 3e8)
    selective = memory.activations_first_stage(*base, 1, 0)
    some = memory.activations_first_stage(*base, compute.recompute_level(1, 1, 8), 0)
    assert selective == pytest.approx(4 * 1e9 * 8) and some == pytest.approx(selective + 3e8)
