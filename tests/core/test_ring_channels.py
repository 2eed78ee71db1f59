"""Data-parallel rings across servers: k ranks of a ring on a server cross servers over k NICs
(core.comm.ring_link_bytes_per_s, [NCCL]), hand-computed, as arrays and as Excel formulas, and
what it changes in the step-time graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from xlcompute.core import comm, moe
from xlcompute.core.expr import Ref, evaluate, excel_formula
from xlcompute.planner.inputs import Execution, SystemSpec, execution_values
from xlcompute.planner.steptime import STEP_GRAPH, TransformerShape, system_values

# DGX H100: NVLink 450 GB/s per direction at 0.8 = 360 GB/s; NDR400 50 GB/s per card at 0.8 = 40 GB/s.
LINKS = (450e9, 0.8, 50e9, 0.8)

CASES: list[tuple[Callable[..., Any], tuple[float, ...], float]] = [
    # TP 2, PP 1 on 8-card servers: 4 ranks of each DP group per server; at most dp; TP 8: 1
    (comm.dp_ranks_per_node, (48, 2, 8), 4),
    (comm.dp_ranks_per_node, (2, 2, 8), 2),
    (comm.dp_ranks_per_node, (48, 8, 8), 1),
    (comm.dp_ranks_per_node, (48, 16, 8), 1),  # a replica wider than a server: one rank per server
    # EP 8 carved from 4 dense DP ranks per server leaves 1 rank of each expert DP group
    (comm.expert_dp_ranks_per_node, (4, 8, 1), 1),
    (comm.expert_dp_ranks_per_node, (8, 2, 1), 4),
    # across servers: k × 40 GB/s, never above NVLink's 360 GB/s; inside a server: NVLink
    (comm.ring_link_bytes_per_s, (0, 4, *LINKS), 160e9),
    (comm.ring_link_bytes_per_s, (0, 1, *LINKS), 40e9),
    (comm.ring_link_bytes_per_s, (0, 18, *LINKS), 360e9),
    (comm.ring_link_bytes_per_s, (1, 1, *LINKS), 360e9),
    # 10 GB dense + 2 GB of experts: 8 GB at 160 GB/s + 2 GB at 40 GB/s + 64 buckets of 10 µs
    (comm.dp_seconds_per_step, (10e9, 160e9, 10e-6, 32, 48, 1, 2e9, 40e9), 0.05 + 0.05 + 64e-5),
    (moe.expert_dp_bytes, (4e9, 4, 8, 1), 2 * 3 / 4 * 4e9),
    # ZeRO-3, 2 micro-batches: (2·2 + 1) rings per layer × 32 layers, each 47 ring steps of 6 µs [NCCL]
    (comm.dp_seconds_per_step, (10e9, 160e9, 10e-6, 32, 48, 3, 0, 1, 2, 6e-6), 10e9 / 160e9 + 5 * 32 * 47 * 6e-6),
    (comm.dp_seconds_per_step, (10e9, 160e9, 10e-6, 32, 1, 3, 0, 1, 2, 6e-6), 10e9 / 160e9),
    # ZeRO-3 rings cross servers on all the group's NICs, like any NCCL ring [NCCL], [FSDP]; at one NIC per
    # card in DeepSpeed's regime (zero3_all_nics 0) [MEG21-Z3]
    (comm.dp_ring_nics, (8, 1, 1), 8),
    (comm.dp_ring_nics, (8, 3, 1), 8),
    (comm.dp_ring_nics, (8, 3, 0), 1),
    (comm.dp_ring_nics, (8, 1, 0), 8),
    # ZeRO-3's window is the busy pipeline (compute 10 + recompute 2 + waits 1) s; ZeRO 0-2 the last backward
    (comm.dp_overlap_window, (3, 10, 2, 1, 4, 0.5, 0.1, 0.2), 13),
    (comm.dp_overlap_window, (1, 10, 2, 1, 4, 0.5, 0.1, 0.2), 4 * 0.6 + 0.4),
    # forward of 2 micro-batches, 4 layers of 0.5 s and an output layer of 0.2 s: 4.4 s of 12 s of
    # kernels; with 3 s of waits (15 s busy) it gets its share of them
    (comm.forward_busy_seconds, (4, 0.5, 0.2, 2, 12, 15), 4.4 * 15 / 12),
    # ZeRO-3 pass by pass [FSDP]: 9 s = 3 passes of 3 s (gather, gather, reduce-scatter); forward 2 s,
    # backward 8 s: the forward gather shows 1 s, the backward's 6 s fit; never below the first and
    # last layers' 2 x 3 / 4 s
    (comm.zero3_exposed_seconds, (9, 1, 10, 2, 4, 1, 1.0), 1.5),
    (comm.zero3_exposed_seconds, (9, 1, 10, 2, 40, 1, 1.0), 1.0),
    # half of each pass's compute: forward 3 - 1, backward 6 - 4
    (comm.zero3_exposed_seconds, (9, 1, 10, 2, 40, 1, 0.5), 4.0),
    # two micro-batches, 15 s = 5 passes of 3 s; forward 2 s and backward 8 s per micro-batch: 2 x 1 s
    (comm.zero3_exposed_seconds, (15, 2, 20, 4, 40, 1, 1.0), 2.0),
    # without overlap all of it; more traffic than compute: never more than all of it
    (comm.zero3_exposed_seconds, (9, 1, 10, 2, 4, 0, 1.0), 9.0),
    (comm.zero3_exposed_seconds, (90, 1, 1, 0.3, 4, 1, 1.0), 89.0),
    (comm.dp_exposed_seconds, (3, 1.5, 2.5), 1.5),
    (comm.dp_exposed_seconds, (1, 1.5, 2.5), 2.5),
]


@pytest.mark.parametrize(("fn", "args", "want"), CASES, ids=[f"{c[0].__name__}{c[1]}" for c in CASES])
def test_hand_computed_values(fn: Callable[..., Any], args: tuple[float, ...], want: float) -> None:
    assert float(fn(*args)) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize(("fn", "args", "want"), CASES, ids=[f"{c[0].__name__}{c[1]}" for c in CASES])
def test_arrays_and_excel_agree(fn: Callable[..., Any], args: tuple[float, ...], want: float) -> None:
    got = np.asarray(fn(*(np.array([a, a], dtype=float) for a in args)), dtype=float)
    assert np.broadcast_to(got, (2,))[1] == pytest.approx(want, rel=1e-12)
    names = [f"x{i}" for i in range(len(args))]
    expr = fn(*(Ref(n) for n in names))
    assert excel_formula(expr).startswith("=")
    assert evaluate(expr, dict(zip(names, map(float, args)))) == pytest.approx(want, rel=1e-12)


def _dp(tp: int) -> dict[str, float]:
    shape = TransformerShape.gpt(layers=32, hidden=4096, heads=32, vocab=131072, seq_len=4096)
    sy = SystemSpec(peak_flops=989.4e12, hbm_bytes=80e9, hbm_bandwidth=3.35e12, cards_per_node=8,
                    intra_node_bw=450e9, inter_node_bw=50e9)
    ex = Execution(tp=tp, pp=1, dp=96 // tp, micro_batch=1, global_batch=4 * 96 // tp, sequence_parallel=tp > 1,
                   recompute="none", zero_stage=1, dp_overlap=True, flash_attention=True)
    out = STEP_GRAPH.run({**shape.values(), **system_values(sy), **execution_values(ex)},
                         ("dp_link_bytes_per_s", "dp_ranks_per_node", "dp_bytes_per_step", "dp_seconds_per_step"))
    return {k: float(v) for k, v in out.items()}


def test_narrower_tensor_parallelism_shares_the_nics_of_a_server() -> None:
    """The same model over 96 H100: with TP 8 each DP ring has one rank per server (40 GB/s); with
    TP 2 four ranks share a server's crossings (160 GB/s), so the same bytes per card take a
    quarter of the time on the network."""
    wide, narrow = _dp(8), _dp(2)
    assert (wide["dp_ranks_per_node"], narrow["dp_ranks_per_node"]) == (1, 4)
    assert wide["dp_link_bytes_per_s"] == pytest.approx(40e9)
    assert narrow["dp_link_bytes_per_s"] == pytest.approx(160e9)
    per_byte = [d["dp_seconds_per_step"] / d["dp_bytes_per_step"] for d in (wide, narrow)]
    assert per_byte[1] < per_byte[0] / 3


def test_zero3_ring_uses_all_nics_and_one_in_deepspeeds_regime() -> None:
    """ZeRO-3 with 8 ranks of a ring per server (TP 1): 8 × 40 GB/s like ZeRO-1 (NCCL's ring channels, PyTorch
    FSDP); one NIC's 40 GB/s in the regime DeepSpeed's ZeRO-3 was measured in (MEG21 Table 2)."""
    shape = TransformerShape.gpt(layers=32, hidden=4096, heads=32, vocab=131072, seq_len=4096)
    sy = SystemSpec(peak_flops=989.4e12, hbm_bytes=80e9, hbm_bandwidth=3.35e12, cards_per_node=8,
                    intra_node_bw=450e9, inter_node_bw=50e9)
    got = {}
    for stage in (1, 3, "ds"):
        sy_s = sy.model_copy(update={"zero3_all_nics": 0.0}) if stage == "ds" else sy
        ex = Execution(tp=1, pp=1, dp=96, micro_batch=1, global_batch=96, recompute="none", zero_stage=3 if stage == "ds" else stage,
                       dp_overlap=True, flash_attention=True)
        keys = ("dp_ranks_per_node", "dp_ring_nics", "dp_link_bytes_per_s")
        out = STEP_GRAPH.run({**shape.values(), **system_values(sy_s), **execution_values(ex)}, keys)
        got[stage] = {k: float(out[k]) for k in keys}
    assert got[1] == {"dp_ranks_per_node": 8, "dp_ring_nics": 8, "dp_link_bytes_per_s": pytest.approx(320e9)}
    assert got[3] == got[1]
    assert got["ds"] == {"dp_ranks_per_node": 8, "dp_ring_nics": 1, "dp_link_bytes_per_s": pytest.approx(40e9)}


# -- DeepSeek-V3's activation savings (issue 15), same three evaluations ---------------------------------

MLA_CASES: list[tuple[Callable[..., Any], tuple[float, ...], float]] = [
    # DeepSeek-V3: 1,536 + 512 + 64 = 2,112 latent values per token; not MLA: 0
    (moe.mla_latent_width, (1536, 512, 64), 2112),
    (moe.mla_latent_width, (0, 0, 0), 0),
    # 4,096 tokens, 128 heads of 128, TP 1, selective: Q 2·4096·128·128 + K, V 4·4096·128·128 = 402,653,184
    # bytes give way to the latents 2·4096·2,112 = 17,301,504
    (moe.mla_recompute_saving, (4096, 1, 128, 128, 128, 2112, 1, 0, 1), 402_653_184 - 17_301_504),
    (moe.mla_recompute_saving, (4096, 1, 128, 128, 128, 2112, 1, 0, 0), 0),  # no recomputation
    (moe.mla_recompute_saving, (4096, 1, 128, 128, 128, 2112, 1, 0, 2), 0),  # full: the layer input only
    (moe.mla_recompute_saving, (4096, 1, 128, 128, 128, 0, 1, 0, 1), 0),  # not MLA
    # TP 2 without SP: the up-projections split, the latents (replicated down-projections) do not
    (moe.mla_recompute_saving, (4096, 1, 128, 128, 128, 2112, 2, 0, 1), 402_653_184 / 2 - 17_301_504),
    (moe.mla_recompute_seconds, (0.002, 2112, 1), 0.002),
    (moe.mla_recompute_seconds, (0.002, 2112, 0), 0),
    (moe.mla_recompute_seconds, (0.002, 0, 1), 0),
    # routed inputs: 32,768 rows × 7,168 at 2 bytes (BF16) or 1 (FP8) + 2·rows·2,048·3 for SwiGLU
    (moe.expert_activation_bytes, (32768, 7168, 2048, 1, 1, 1, 1), 2 * 32768 * 7168 + 2 * 32768 * 2048 * 3),
    (moe.expert_activation_bytes, (32768, 7168, 2048, 1, 1, 1, 2), 1 * 32768 * 7168 + 32768 * 2048 * 2),
]


@pytest.mark.parametrize(("fn", "args", "want"), MLA_CASES, ids=[f"{c[0].__name__}{c[1]}" for c in MLA_CASES])
def test_mla_and_fp8_activation_values(fn: Callable[..., Any], args: tuple[float, ...], want: float) -> None:
    assert float(fn(*args)) == pytest.approx(want, rel=1e-12)
    test_arrays_and_excel_agree(fn, args, want)
