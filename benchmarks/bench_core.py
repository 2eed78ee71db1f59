"""Core speed: one estimate() of the default scenario, and 10,000 core formula calls.

Medians of repeated runs (machines are noisy; compare ratios, not absolute times).
"""

from __future__ import annotations

from _timing import median_seconds

from xlcompute import default_scenario, estimate
from xlcompute.core import compute, memory, schedule


def ten_thousand_formula_calls() -> None:
    for i in range(2500):
        c = compute.train_flops(70e9 + i, 2e12)
        schedule.train_days(c, 1000, 989.4e12, 0.4)
        memory.zero_bytes(70e9, i % 4, 64)
        memory.activation_bytes(80, 4096, 8192, 64, 1, 8, 1, 1)


def main() -> None:
    sc = default_scenario()
    fixed = median_seconds(lambda: estimate(sc))
    planned_sc = sc.model_copy(update={"assumptions": sc.assumptions.model_copy(update={"mfu": None})})
    planned = median_seconds(lambda: estimate(planned_sc))
    calls = median_seconds(ten_thousand_formula_calls)
    print(f"estimate(default scenario), fixed layout and MFU: median {fixed * 1e3:.2f} ms")
    print(f"estimate(default scenario), MFU predicted:        median {planned * 1e3:.2f} ms "
          f"({planned / fixed:.1f}x)")
    print(f"10,000 core formula calls:                        median {calls * 1e3:.2f} ms "
          f"({calls / 1e4 * 1e6:.2f} µs per call)")


if __name__ == "__main__":
    main()
