"""Benchmark: planning a 1T model on very large clusters (issue 11).

For Megatron's 1T GPT (128 layers, hidden 25,600, 160 heads, seq 2,048; Narayanan et al. SC'21
Table 1) on 16,384, 65,536 and 100,000 H100 and A100, with the scenario's default batch (a token
budget rounded to each layout), it runs the planner's recommended space (what ``xlcompute
estimate`` uses) and the explore space (every option), and prints the time of each search (median
of a few runs), the layouts evaluated and the best predicted MFU of each, and the gap. The
acceptance of issue 11 asks the recommended layout to be within a few points of the explore best.

Run: .venv/bin/python benchmarks/bench_scale.py [--repeats N]
"""

from __future__ import annotations

import argparse

from _timing import median_seconds

from xlcompute.estimate import resolve
from xlcompute.planner.plan import plan_layouts
from xlcompute.scenario import parse_scenario

GPT_1T = {"layers": 128, "hidden": 25600, "heads": 160, "vocab": 51200, "ffn_hidden": 102400,
          "gated_ffn": False, "norm": "layernorm", "attn_bias": True, "mlp_bias": True, "tied_embeddings": True,
          "position_embeddings": 2048}


def _scenario(cards: int, card: str) -> dict[str, object]:
    return {"model": {"arch": GPT_1T}, "training": {"tokens": "1T", "seq_len": 2048},
            "cluster": {"accelerator": card, "cards": cards}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"{'card':9s} {'cards':>7s} {'space':9s} {'layouts':>9s} {'fit':>8s} {'median s':>9s} "
          f"{'best MFU':>9s}  layout")
    for card in ("H100", "A100-80G"):
        for cards in (16_384, 65_536, 100_000):
            sc = parse_scenario(_scenario(cards, card))
            r = resolve(sc, plan=False)
            values = {k: v.value for k, v in r.inputs.items()}
            best: dict[str, float] = {}
            for space, explore in (("recommend", False), ("explore", True)):
                report = plan_layouts(r.arch, values, explore=explore)
                seconds = median_seconds(lambda e=explore: plan_layouts(r.arch, values, explore=e), args.repeats)
                row = report.best[0]
                ex = row.execution
                best[space] = row.result.predicted_mfu
                print(f"{card:9s} {cards:7,d} {space:9s} {report.candidates_evaluated:9,d} "
                      f"{report.candidates_fitting:8,d} {seconds:9.2f} {row.result.predicted_mfu:9.1%}  "
                      f"TP{ex.tp} PP{ex.pp} DP{ex.dp} mb{ex.micro_batch} v{ex.interleave} gb{ex.global_batch} "
                      f"ZeRO-{ex.zero_stage} {ex.recompute}")
            print(f"{'':9s} {'':7s} gap: explore − recommend = {100 * (best['explore'] - best['recommend']):.1f} points")


if __name__ == "__main__":
    main()
