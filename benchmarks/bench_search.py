"""Benchmark: layouts evaluated per second and full-search time for a 1T model on 3072 cards.

Model: Megatron's 1T GPT (128 layers, hidden 25600, 160 heads, seq 2048, vocab 51200;
Narayanan et al. SC'21 Table 1). Systems: DGX A100 80GB (the published run) and DGX H100 with a
512 GB / 50 GB/s per-card offload tier (seed 004). Prints the median of several runs.

Run: .venv/bin/python benchmarks/bench_search.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from xlcompute.planner import SearchOptions, SystemSpec, TransformerShape
from xlcompute.planner.search import count_layouts, search_layouts

GPT_1T = TransformerShape.gpt(layers=128, hidden=25600, heads=160, vocab=51200, seq_len=2048)
SYSTEMS = {
    # NVIDIA A100 datasheet; DGX A100 NVLink 300 GB/s/direction, 8x HDR 200 Gb/s per node
    "A100-80GB DGX": SystemSpec(
        peak_flops=312e12, hbm_bytes=85.9e9, hbm_bandwidth=2.039e12, cards_per_node=8,
        intra_node_bw=300e9, inter_node_bw=25e9, offload_bytes=512e9, offload_bw=50e9,
    ),
    # NVIDIA H100 SXM datasheet (989 TFLOPS dense bf16, 3.35 TB/s); NVLink4 450 GB/s/direction,
    # 8x NDR 400 Gb/s per node = 50 GB/s per card
    "H100-80GB DGX": SystemSpec(
        peak_flops=989.4e12, hbm_bytes=85.9e9, hbm_bandwidth=3.35e12, cards_per_node=8,
        intra_node_bw=450e9, inter_node_bw=50e9, offload_bytes=512e9, offload_bw=50e9,
    ),
}
SPACES = {
    # the default search: one global batch (3072), every layout and option flag
    "default (gb=3072)": SearchOptions(top_k=10),
    # a wider search: global batch 256..3072 in steps of 256, DP overlap on/off
    "wide (gb 256..3072, dp_overlap on/off)": SearchOptions(
        top_k=10, global_batches=tuple(range(256, 3073, 256)), dp_overlap=(False, True)
    ),
    # exhaustive: every global batch that is a multiple of 64 up to 3072, interleave up to 64
    "exhaustive (gb 64..3072 step 64)": SearchOptions(
        top_k=10, global_batches=tuple(range(64, 3073, 64)), dp_overlap=(False, True),
        max_interleave=64, max_micro_batch=64,
    ),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cards", type=int, default=3072)
    args = ap.parse_args()
    for sname, system in SYSTEMS.items():
        for pname, opt in SPACES.items():
            n = count_layouts(GPT_1T, system, args.cards, 3072, opt)
            times = []
            res = None
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                res = search_layouts(GPT_1T, system, args.cards, 3072, opt)
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            assert res is not None
            b = res.best[0]
            e = b.execution
            print(
                f"{sname:14s} | {pname:38s} | candidates {n:>10,d} | fitting "
                f"{res.candidates_fitting:>9,d} | median {med:6.3f} s | {n / med:>12,.0f} layouts/s"
            )
            print(
                f"    best: tp={e.tp} cp={e.cp} pp={e.pp} dp={e.dp} mb={e.micro_batch} gb={e.global_batch} "
                f"v={e.interleave} rc={e.recompute} sp={int(e.sequence_parallel)} "
                f"zero={e.zero_stage} offload={'+'.join(e.offloaded) or 0} tp_overlap={int(e.tp_overlap)} "
                f"-> step {b.result.predicted_step_seconds:.2f} s, MFU {b.result.predicted_mfu:.1%}, "
                f"mem {b.result.mem_per_gpu / 1e9:.1f} GB"
            )


if __name__ == "__main__":
    main()
