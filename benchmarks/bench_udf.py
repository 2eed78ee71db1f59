"""Excel-function speed: 10,000 UDF evaluations of 10 kinds, 10,000 LLM_TRAIN_DAYS, one 50×50
LLM_TRAIN_DAYS_TABLE, LLM_PREDICTED_MFU computed and then repeated (as Excel recalculates), the first
LLM_TRAIN_DAYS and LLM_GPUS_FOR_DAYS without an MFU (the estimate's days; its deadline sizing), and
10,000 refused cells (the ``#VALUE!``/``#NUM!`` error text every function returns instead of
raising; issue 12).

The UDF calls use what cells hold: text with suffixes ("70B", "2T", "40%"), catalog names
("H800") and plain floats, so argument parsing and catalog lookups are in the time. Medians of
repeated runs; compare with bench_core.py's raw core calls to see the cost of parsing.
Excel's own call overhead (COM or Office.js) is not included: it cannot run here.
Target (issue 10): 10,000 LLM_TRAIN_DAYS calls ≤ 0.1 s.
"""

from __future__ import annotations

from _timing import median_seconds
from collections.abc import Callable
from typing import Any

import xlcompute.udf as udf
from xlcompute.udf import _planner, _serving

# Ten representative cells; 1,000 rounds make 10,000 evaluations.
CELLS: list[Callable[[], Any]] = [
    lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4),
    lambda: udf.LLM_TRAIN_DAYS(175e9, 300e9, 1000.0, 312.0, 0.462),
    lambda: udf.LLM_TRAIN_GPU_HOURS("175B", "300B", "A100", "46.2%"),
    lambda: udf.LLM_GPUS_FOR_DAYS("70B", "2T", 30, "H800", 0.4),
    lambda: udf.ZERO_MEM("7.5B", 2, 64),
    lambda: udf.ACTIVATION_MEM(96, 12288, 96, 2048, 1),
    lambda: udf.TRAIN_MEM_PER_GPU("70B", 4096, 1, 8, 4, 32, 1, 80, 8192, 64, 1, 1),
    lambda: udf.LLM_MFU(376.8, "65.2B", "A100"),
    lambda: udf.LLM_COST_PER_1K_TOKENS("70B", "H800", 2.5, "50%"),
    lambda: udf.FITS_GPU(60, "H800"),
]

# Five refused cells: a percentage MFU, Excel's largest number, a tiny MFU, NaN, a range; 2,000 rounds.
REFUSED: list[Callable[[], Any]] = [
    lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 40),
    lambda: udf.LLM_TRAIN_FLOPS("70B", 9.99e307),
    lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 1e-308),
    lambda: udf.ZERO_MEM(float("nan"), 2, 64),
    lambda: udf.WEIGHTS_MEM([7e9, 13e9]),
]

GPUS_RANGE = [float(64 * (i + 1)) for i in range(50)]  # 64 … 3200 cards, as a column range
MFU_RANGE = [[0.2 + 0.006 * i for i in range(50)]]  # 0.20 … 0.494, as a row range (2-D)
PLAN = ("llama2-70b", "H800", 1024.0, 4096.0, 1024.0)  # a best-layout search, as cells hold it


def ten_thousand_evaluations() -> None:
    for _ in range(1000):
        for cell in CELLS:
            cell()


def ten_thousand_train_days() -> None:
    for _ in range(10_000):
        udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4)


def ten_thousand_refusals() -> None:
    for _ in range(2000):
        for cell in REFUSED:
            cell()


def table_50x50() -> list[list[Any]]:
    return udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", GPUS_RANGE, "H800", MFU_RANGE)


def predicted_mfu_first() -> float:
    _planner._estimate.cache_clear()  # as on the first recalculation after opening the workbook
    return udf.LLM_PREDICTED_MFU(*PLAN)


def days_without_mfu_first() -> float:
    _planner._estimate.cache_clear()  # what a finance user types: model, tokens, cards, card (the estimate's days)
    return udf.LLM_TRAIN_DAYS("llama3.1-70b", "15T", 1000, "H800")


def cards_for_days_first() -> float:
    _planner._estimate.cache_clear()  # the deadline sizing: several estimates, each with a layout search
    return udf.LLM_GPUS_FOR_DAYS("llama3.1-70b", "15T", 60, "H800")


def serving_cost_first() -> float:
    _serving._sized.cache_clear()  # the serving sizer's search over layouts and batches, as on opening the workbook
    return udf.LLM_SERVING_COST("llama2-70b", "H800", 2000, 1000, 20, 9.75, 500)


def predicted_mfu_repeated() -> None:
    for _ in range(1000):
        udf.LLM_PREDICTED_MFU(*PLAN)


def main() -> None:
    table = table_50x50()
    assert len(table) == 51 and all(len(row) == 51 for row in table)
    assert all(str(cell()).startswith(("#VALUE! ", "#NUM! ")) for cell in REFUSED)
    udf.LLM_PREDICTED_MFU("llama2-7b", "H800", 64)  # imports the planner once, outside the timings
    evals = median_seconds(ten_thousand_evaluations)
    days = median_seconds(ten_thousand_train_days)
    grid = median_seconds(table_50x50, repeat=21)
    first = median_seconds(predicted_mfu_first, repeat=5)
    again = median_seconds(predicted_mfu_repeated)
    open_days = median_seconds(days_without_mfu_first, repeat=5)
    open_cards = median_seconds(cards_for_days_first, repeat=5)
    serving_cost = median_seconds(serving_cost_first, repeat=5)
    refused = median_seconds(ten_thousand_refusals)
    print(f"10,000 UDF evaluations (10 kinds of cell):   median {evals * 1e3:.1f} ms "
          f"({evals / 1e4 * 1e6:.1f} µs per cell)")
    print(f"10,000 LLM_TRAIN_DAYS (target ≤ 100 ms):     median {days * 1e3:.1f} ms "
          f"({days / 1e4 * 1e6:.1f} µs per cell)")
    print(f"LLM_TRAIN_DAYS_TABLE 50×50 (2,500 cells):     median {grid * 1e3:.2f} ms "
          f"({grid / 2500 * 1e6:.2f} µs per cell)")
    print(f"LLM_PREDICTED_MFU, search (first call):       median {first * 1e3:.1f} ms")
    print(f"LLM_PREDICTED_MFU, repeated (cached) ×1,000:  median {again * 1e3:.1f} ms "
          f"({again / 1e3 * 1e6:.1f} µs per cell)")
    print(f"LLM_TRAIN_DAYS without MFU (first call):      median {open_days * 1e3:.1f} ms")
    print(f"LLM_GPUS_FOR_DAYS without MFU (first call):   median {open_cards * 1e3:.1f} ms")
    print(f"LLM_SERVING_COST (first call, sizer search):  median {serving_cost * 1e3:.1f} ms")
    print(f"10,000 refused cells (#VALUE!/#NUM! text):   median {refused * 1e3:.1f} ms "
          f"({refused / 1e4 * 1e6:.1f} µs per cell)")


if __name__ == "__main__":
    main()
