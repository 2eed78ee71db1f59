"""The context-parallel and offload formulas of the core, pinned by hand-computed values, and the
same values from NumPy arrays and from the Excel formula text (the three evaluations of one
formula; tests/core/test_faces.py covers every formula with random arguments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from xlcompute.core import comm, kernels, memory, parallel
from xlcompute.core.expr import Ref, evaluate, excel_formula

REL = 1e-12

# Llama 3.1 70B at 131,072 tokens, TP 8 and CP 16 (Dubey et al. 2024 §3.3.2 used CP 16 at 128K):
# 8 KV heads of 128, so one pass of the K/V ring moves (16 − 1)/16 · 2 · 131,072 · 8 · 128 / 8 · 2 bytes.
KV_PASS = 15 / 16 * 2 * 131_072 * 1 * 8 * 128 / 8 * 2  # = 62,914,560 bytes

# (function, arguments, value worked out by hand)
CASES: list[tuple[Callable[..., Any], tuple[float, ...], float]] = [
    # cards = tp·cp·pp·dp: 1,024 cards with TP 8, PP 16, CP 4 leave ⌊1024/512⌋ = 2 replicas
    (parallel.data_parallel, (1024, 8, 16, 4), 2),
    (parallel.data_parallel, (1000, 8, 16, 4), 1),  # 488 cards idle
    (parallel.parallel_cards, (2, 8, 16, 4), 1024),
    (parallel.seq_per_card, (131_072, 16), 8192),  # tokens of a sequence on one CP rank
    (parallel.gradient_group, (8, 16), 128),  # gradients reduced over dp·cp ranks
    (comm.cp_kv_bytes, (131_072, 1, 8, 128, 8, 16), 62_914_560),
    (comm.cp_kv_bytes, (131_072, 1, 8, 128, 8, 1), 0),  # no CP: no ring
    # forward 1 pass + backward 2 (K/V and dK/dV) = 3 passes; full recompute repeats the forward: 4
    (comm.cp_bytes_per_layer, (KV_PASS, 1), 3 * 62_914_560),
    (comm.cp_bytes_per_layer, (KV_PASS, 2), 4 * 62_914_560),
    # 62,914,560 B at 40 GB/s = 1.572864 ms, plus 15 ring steps of 10 µs = 0.15 ms
    (comm.cp_forward_seconds, (KV_PASS, 16, 40e9, 10e-6), 0.001572864 + 0.00015),
    (comm.cp_forward_seconds, (0, 1, 40e9, 10e-6), 0),
    # backward: twice the bytes in the same 15 steps = 3.145728 + 0.15 ms; full recompute adds a forward
    (comm.cp_backward_seconds, (KV_PASS, 16, 40e9, 10e-6, 0), 0.003145728 + 0.00015),
    (comm.cp_backward_seconds, (KV_PASS, 16, 40e9, 10e-6, 2), 0.003145728 + 0.00015 + 0.001572864 + 0.00015),
    # the backward window of the ring: flash backward 2.5 × forward; unfused 2 ×, + 1 × recomputed
    (kernels.attention_backward_seconds, (0.002, 1, 0), 0.005),
    (kernels.attention_backward_seconds, (0.002, 0, 2), 0.006),
    # scores split over TP and CP: flash 4·a·s·b/(t·cp) = 4·64·4096/(8·4) = 32,768 bytes;
    # unfused 5·a·s²·b/(t·cp) = 5·64·4096²/32 = 167,772,160 bytes
    (memory.activations_score_layer, (4096, 1, 64, 8, 1, 4), 32_768),
    (memory.activations_score_layer, (4096, 1, 64, 8, 0, 4), 167_772_160),
    # weight offload keeps two of the stage's 10 blocks in HBM: 80 GB · 2/10 = 16 GB
    (memory.resident_blocks, (80e9, 10, 1), 16e9),
    (memory.resident_blocks, (80e9, 1, 1), 80e9),  # a one-layer stage keeps all of it
    (memory.resident_blocks, (80e9, 10, 0), 80e9),
    # 1F1B first stage: 1 GB per layer and micro-batch × 10 layers × min(4, 8) in flight = 40 GB;
    # offloaded, two layers' worth (2 GB) stays and 38 GB go to the tier
    (memory.activations_first_stage, (1e9, 10, 4, 8, 1, 3e9, 0, 5e9, 0), 40e9),
    (memory.activations_first_stage, (1e9, 10, 4, 8, 1, 3e9, 0, 5e9, 1), 2e9),
    (memory.activations_first_stage, (1e9, 10, 1, 8, 1, 3e9, 2, 5e9, 1), 2e9 + 3e9 + 5e9),  # + working, logits
    (memory.activations_offloaded, (1e9, 10, 4, 8, 1, 1), 38e9),
    (memory.activations_offloaded, (1e9, 10, 4, 8, 1, 0), 0),
    # tier: optimizer 12 GB + weights and gradients beyond the 2 resident blocks (8 − 1.6 each) + 38 GB
    (memory.offload_tier_bytes, (12e9, 1, 8e9, 1.6e9, 8e9, 1.6e9, 38e9), 12e9 + 6.4e9 + 6.4e9 + 38e9),
    (memory.offload_tier_bytes, (12e9, 0, 8e9, 8e9, 8e9, 8e9, 0), 0),
    # a block: 20 GB of stage weights over 10 layers = 2 GB in for the forward, 2 GB in again for
    # the backward, 2 GB of gradients out, 1 GB of activations out and back in: inbound 5 GB
    # against outbound 3 GB at 100 GB/s per direction = 50 ms
    (comm.offload_block_seconds, (20e9, 20e9, 10, 1e9, 1, 1, 100e9), 0.05),
    (comm.offload_block_seconds, (20e9, 20e9, 10, 1e9, 0, 1, 100e9), 0.01),  # activations only: 1 GB each way
    (comm.offload_block_seconds, (20e9, 20e9, 10, 1e9, 0, 0, 100e9), 0),
    # exposed = max(0, transfer − busy time): 50 ms against 30 ms shows 20 ms; 10 ms hides
    (comm.exposed_seconds, (0.05, 0.03, 0, 1), 0.02),
    (comm.exposed_seconds, (0.01, 0.03, 0, 1), 0),
    # the tier must exist and hold what moves out: 62.8 GB fit 480 GB at 256 GB/s; 500 GB do not
    (memory.fits_card, (70e9, 80e9, 1, 62.8e9, 480e9, 256e9), 1),
    (memory.fits_card, (70e9, 80e9, 1, 500e9, 480e9, 256e9), 0),
    (memory.fits_card, (70e9, 80e9, 1, 62.8e9, 0, 0), 0),
]


@pytest.mark.parametrize(("fn", "args", "want"), CASES, ids=[f"{c[0].__name__}{c[1]}" for c in CASES])
def test_hand_computed_values(fn: Callable[..., Any], args: tuple[float, ...], want: float) -> None:
    assert float(fn(*args)) == pytest.approx(want, rel=REL, abs=1e-15)


@pytest.mark.parametrize(("fn", "args", "want"), CASES, ids=[f"{c[0].__name__}{c[1]}" for c in CASES])
def test_arrays_equal_scalars(fn: Callable[..., Any], args: tuple[float, ...], want: float) -> None:
    # The same arguments three times as arrays, with a second layout between (the search's use).
    other = tuple(float(a) * 1.5 + 1 for a in args)
    arrays = tuple(np.array([a, o, a], dtype=float) for a, o in zip(args, other))
    got = np.broadcast_to(np.asarray(fn(*arrays), dtype=float), (3,))
    assert got[0] == pytest.approx(want, rel=REL, abs=1e-15) and got[2] == got[0]
    assert got[1] == pytest.approx(float(fn(*other)), rel=REL, abs=1e-15)


@pytest.mark.parametrize(("fn", "args", "want"), CASES, ids=[f"{c[0].__name__}{c[1]}" for c in CASES])
def test_excel_formula_evaluates_the_same(fn: Callable[..., Any], args: tuple[float, ...], want: float) -> None:
    names = [f"x{i}" for i in range(len(args))]
    expr = fn(*(Ref(n) for n in names))
    text = excel_formula(expr)
    assert text.startswith("=")
    assert evaluate(expr, dict(zip(names, map(float, args)))) == pytest.approx(want, rel=REL, abs=1e-15)


def test_without_cp_and_offload_the_refined_forms_are_unchanged() -> None:
    """cp = 1 and no offload reproduce the previous forms exactly (bit for bit)."""
    assert parallel.data_parallel(1001, 8, 5, 1) == 1001 // 40
    assert memory.activations_score_layer(4096, 1, 64, 8, 1, 1) == memory.activations_score_layer(4096, 1, 64, 8, 1)
    args = (3.3e8, 10, 4, 8, 2, 7e8, 1, 2e9)
    assert memory.activations_first_stage(*args, 0) == 3.3e8 * 10 * 4 * (1 + 3 / 8)
    assert comm.exposed_seconds(comm.offload_block_seconds(1e9, 1e9, 10, 1e8, 0, 0, 0), 0.02, 0, 1) == 0
    assert parallel.layer_pass_seconds(0.1, 0.2, 0.05, 0.01, 0, 0) == 0.1 + 0.2 + 0.05 + 0.01
