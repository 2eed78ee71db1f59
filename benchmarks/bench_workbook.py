"""Workbook production speed: a 200-scenario batch (CSV table), single process and parallel.

Prints workbooks per second for ``-j 1`` and ``-j 2`` (this machine has 2 cores; target ≥ 10/s in
parallel), plus the median build time of one workbook. One run each (a batch is already 200
workbooks); compare the ratio, not absolute times.
"""

from __future__ import annotations

import csv
import statistics
import tempfile
import time
from pathlib import Path

from xlcompute.batch import run_batch
from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario
from xlcompute.workbook import build_workbook

N = 200
ACCELERATORS = ("H800", "H100-SXM", "A100-80G", "910B", "H20")


def write_table(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "model.preset", "training.tokens", "training.tp", "training.pp", "training.global_batch",
                    "cluster.accelerator", "cluster.cards", "assumptions.mfu"])
        for i in range(N):
            cards = 64 * (1 + i % 16)
            w.writerow([f"Scenario {i}", "llama2-70b", f"{1 + i % 5}T", 8, 1, cards // 8 * 4,
                        ACCELERATORS[i % len(ACCELERATORS)], cards, 0.3 + (i % 5) * 0.05])


def main() -> None:
    result = estimate(default_scenario())  # the face takes an estimate
    one = []
    for _ in range(7):
        t0 = time.perf_counter()
        build_workbook(result, "en")
        one.append(time.perf_counter() - t0)
    print(f"build_workbook(estimate of the default scenario): median {statistics.median(one) * 1e3:.1f} ms "
          "(not saved)")
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "scenarios.csv"
        write_table(table)
        rates = {}
        for jobs in (1, 2):
            out = Path(tmp) / f"out-j{jobs}"
            t0 = time.perf_counter()
            report = run_batch(table, out, jobs=jobs, force=True)
            seconds = time.perf_counter() - t0
            if report.failed:
                raise SystemExit(f"{len(report.failed)} scenarios failed: {report.failed[0].problems}")
            rates[jobs] = N / seconds
            print(f"batch of {N} workbooks, -j {jobs}: {seconds:.2f} s, {rates[jobs]:.1f} workbooks/s")
        verdict = "meets" if rates[2] >= 10 else "MISSES"
        print(f"parallel speed-up {rates[2] / rates[1]:.2f}x; -j 2 {verdict} the target of 10 workbooks/s")


if __name__ == "__main__":
    main()
