"""Proposal render time: the default 1000-card scenario to PDF/A-3b, English and Chinese.

Times ``write_proposal`` (HTML templating, WeasyPrint layout, font subsetting with
libharfbuzz-subset0, PDF writing, atomic write) with the scenario file attached, after one
warm-up render that loads WeasyPrint, Pango and the fonts. The planning workbook attachment is
left out: it belongs to the workbook face (see bench_workbook.py). Target: median ≤ 2 s.
``render_pdf`` pauses the cyclic garbage collector during the render and collects once after it,
inside the timed call, so the figure includes that collection.
Medians of repeated runs (machines are noisy; compare ratios, not absolute times); the CPU time
of the process is printed too, since wall time grows when other jobs share the cores.

Run: .venv/bin/python benchmarks/bench_proposal.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from xlcompute.estimate import estimate
from xlcompute.report import render_html, write_proposal
from xlcompute.scenario import DEFAULT_SCENARIO_PATH, default_scenario

TARGET_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    result = estimate(default_scenario())
    with tempfile.TemporaryDirectory(prefix="bench-proposal-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        write_proposal(result, folder / "warm-up.pdf", "en", attachments=[DEFAULT_SCENARIO_PATH])
        first = time.perf_counter() - t0
        print(f"first render incl. WeasyPrint/Pango/font start-up: {first:.2f} s")
        for lang in ("en", "zh"):
            html_times, pdf_times, cpu_times = [], [], []
            for i in range(args.repeats):
                t0 = time.perf_counter()
                render_html(result, lang)
                html_times.append(time.perf_counter() - t0)
                t0, c0 = time.perf_counter(), time.process_time()
                path = write_proposal(result, folder / f"p-{lang}-{i}.pdf", lang, attachments=[DEFAULT_SCENARIO_PATH])
                pdf_times.append(time.perf_counter() - t0)
                cpu_times.append(time.process_time() - c0)
            med = statistics.median(pdf_times)
            size = path.stat().st_size / 1e6
            verdict = "within" if med <= TARGET_SECONDS else "ABOVE"
            print(f"proposal ({lang}): median {med:.2f} s over {args.repeats} runs "
                  f"(min {min(pdf_times):.2f} s, CPU {statistics.median(cpu_times):.2f} s; "
                  f"{verdict} the {TARGET_SECONDS:.0f} s target); "
                  f"HTML templating alone {statistics.median(html_times) * 1e3:.0f} ms; PDF {size:.2f} MB")


if __name__ == "__main__":
    main()
