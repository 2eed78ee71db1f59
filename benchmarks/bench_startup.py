"""Start-up time: `xlcompute --help` and `import xlcompute` as whole processes.

Each figure is the median wall-clock time of several fresh interpreters (a process's start-up is
what a user waits for, so the interpreter's own start is included; `python -c pass` is printed
for reference). Target of issue 10: `xlcompute --help` ≤ 0.3 s. For where the time goes, run
``python -X importtime -c "from xlcompute.cli import main; main()" --help``.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 11


def _cli() -> list[str]:
    """The installed console script next to this Python, or the same entry point through -c."""
    script = shutil.which("xlcompute", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "import sys; from xlcompute.cli import main; sys.argv[0] = 'xlcompute'; main()"]


def median_process_seconds(argv: list[str], runs: int = RUNS) -> float:
    """Median wall-clock seconds of ``runs`` runs of ``argv`` (after one warm-up for the disk cache)."""
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    cli = _cli()
    cases = [
        ("python -c pass (interpreter alone)", [sys.executable, "-c", "pass"]),
        ("python -c 'import xlcompute'", [sys.executable, "-c", "import xlcompute"]),
        ("xlcompute --help", [*cli, "--help"]),
        ("xlcompute estimate --help", [*cli, "estimate", "--help"]),
    ]
    for label, argv in cases:
        seconds = median_process_seconds(argv)
        print(f"{label:<38} median {seconds * 1e3:6.0f} ms ({RUNS} runs)")


if __name__ == "__main__":
    main()
