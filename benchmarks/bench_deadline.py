"""Deadline sizing: a training run with training.deadline_days and no cluster.cards is planned at the
fewest cards found to finish in time, a handful of estimates (the layout, and so the MFU, moves with
the count). Medians of repeated sizings; compare ratios with the one-estimate case, not absolute times.

Cases: Llama-3.1-70B on 15T tokens by 60 days on H800 sized to the estimate (confidence 0.5) and to
its P90 (0.9, a wider margin: more cards, the same number of passes); 1,000 cards given that miss the
deadline and 8,000 that meet it (the estimate plus the sizing both are answered with); the same run
without a deadline;
Qwen3-235B-A22B on 36T tokens by 90 days on 910B (a mixture-of-experts model: each estimate runs the
expert-parallel layout search).
"""

from __future__ import annotations

from _timing import median_seconds

from xlcompute.estimate import estimate
from xlcompute.scenario import parse_scenario

LLAMA = {"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "15T", "deadline_days": 60},
         "cluster": {"accelerator": "H800"}}
CASES = {
    "Llama-3.1-70B, 60 days, sized to the estimate (0.5)": LLAMA,
    "Llama-3.1-70B, 60 days, sized to its P90 (0.9)": {
        **LLAMA, "training": {**LLAMA["training"], "deadline_confidence": 0.9}},
    "Llama-3.1-70B, 1,000 cards given that miss 60 days": {
        **LLAMA, "cluster": {"accelerator": "H800", "cards": 1000}},
    "Llama-3.1-70B, 8,000 cards given that meet 60 days": {
        **LLAMA, "cluster": {"accelerator": "H800", "cards": 8000}},
    "Llama-3.1-70B, 1,000 cards, no deadline": {
        **LLAMA, "training": {"tokens": "15T"}, "cluster": {"accelerator": "H800", "cards": 1000}},
    "Qwen3-235B-A22B, 36T tokens, 90 days on 910B (0.5)": {
        "model": {"preset": "qwen3-235b-a22b"}, "training": {"tokens": "36T", "deadline_days": 90},
        "cluster": {"accelerator": "910B"}},
}


def main() -> None:
    base = None
    for name, data in CASES.items():
        sc = parse_scenario(data)
        r = estimate(sc)  # caches warmed once per case
        t = median_seconds(lambda: estimate(sc), repeat=5)
        base = base or t
        print(f"{name:55s} {r.scenario.cluster.cards:7,d} cards {r['train_days']:6.1f} d  "
              f"median {t * 1e3:8.1f} ms ({t / base:.2f}x the first)")


if __name__ == "__main__":
    main()
