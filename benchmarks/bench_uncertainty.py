"""Monte Carlo ranges: ``uncertainty.analyse`` of the default scenario (10,000 draws and the
tornado table, two array evaluations of the graph). Target ≤ 0.2 s; medians of repeated runs."""

from __future__ import annotations

from _timing import median_seconds

from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario
from xlcompute.uncertainty import analyse


def main() -> None:
    sc = default_scenario()
    result = estimate(sc)
    analyse(result)  # graph plans and NumPy warmed once per process
    t = median_seconds(lambda: analyse(result), repeat=51)
    big = result.model_copy(update={"scenario": sc.model_copy(
        update={"uncertainty": sc.uncertainty.model_copy(update={"draws": 100_000})})})
    t_big = median_seconds(lambda: analyse(big), repeat=11)
    print(f"analyse(default scenario), {sc.uncertainty.draws:,} draws + tornado: median {t * 1e3:.2f} ms "
          "(target ≤ 200 ms)")
    print(f"  the same with 100,000 draws:                    median {t_big * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
