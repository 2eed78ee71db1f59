"""Core speed: one estimate() of the default scenario, its parts, and 10,000 core formula calls.

``estimate()`` runs the whole graph once (training, the step-time model, memory, network,
serving, budget: ~150 steps) and the sensitivity grid as array evaluations; the issue-10 target is
≤ 0.2 ms with a fixed layout. Medians of repeated runs (machines are noisy; compare ratios, not
absolute times).
"""

from __future__ import annotations

from _timing import median_seconds

from xlcompute._settings_grid import _choose
from xlcompute.core import compute, memory, schedule
from xlcompute.estimate import _sensitivity, estimate, resolve, run_steps
from xlcompute.scenario import default_scenario


def ten_thousand_formula_calls() -> None:
    for i in range(2500):
        c = compute.train_flops(70e9 + i, 2e12)
        schedule.train_days(c, 1000, 989.4e12, 0.4)
        memory.zero_bytes(70e9, i % 4, 64)
        memory.activation_bytes(80, 4096, 8192, 64, 1, 8, 1, 1)


def main() -> None:
    sc = default_scenario()
    estimate(sc)  # catalog and graph plans loaded once per process
    fixed = median_seconds(lambda: estimate(sc), repeat=501)
    resolved = resolve(sc)
    inputs = {k: v.value for k, v in resolved.inputs.items()}
    graph = median_seconds(lambda: run_steps(inputs), repeat=501)
    values = run_steps(inputs)
    sens = median_seconds(lambda: _sensitivity(inputs, values, sc.cluster.cards), repeat=501)
    # The default scenario gives tp and pp, not the schedule: the first estimate of a layout weighs its
    # interleaved schedules in one array evaluation (estimate._fit_given_layout), cached after that.
    first = median_seconds(lambda: (_choose.cache_clear(), estimate(sc)), repeat=201)
    planned_sc = sc.model_copy(update={"assumptions": sc.assumptions.model_copy(update={"mfu": None})})
    planned = median_seconds(lambda: estimate(planned_sc), repeat=201)
    open_sc = sc.model_copy(update={"training": sc.training.model_copy(update={"tp": None, "pp": None})})
    searched = median_seconds(lambda: estimate(open_sc), repeat=5)
    calls = median_seconds(ten_thousand_formula_calls)
    print(f"estimate(default scenario), fixed layout and MFU: median {fixed * 1e3:.3f} ms (target ≤ 0.2 ms)")
    print(f"  the same, its schedule not cached yet:         median {first * 1e3:.3f} ms ({first / fixed:.2f}x)")
    print(f"  the graph once (~150 steps):                   median {graph * 1e3:.3f} ms")
    print(f"  the sensitivity grid (two array evaluations):  median {sens * 1e3:.3f} ms")
    print(f"estimate, MFU predicted (same graph):            median {planned * 1e3:.3f} ms ({planned / fixed:.2f}x)")
    print(f"estimate, layout searched:                       median {searched * 1e3:.1f} ms ({searched / fixed:.0f}x)")
    print(f"10,000 core formula calls:                       median {calls * 1e3:.2f} ms "
          f"({calls / 1e4 * 1e6:.2f} µs per call)")


if __name__ == "__main__":
    main()
