"""The fuzzing suite's shared report: every fuzz test adds its counts, printed at the end of the run.

At the top of tests/ so that the process printing the summary has these hooks: under pytest-xdist
(``make test`` runs one worker per core) the controller collects nothing and loads only this
conftest, and the workers, which ran the fuzz tests, hand it their counts.

CI's log must show how many scenarios and Excel-function calls were tried and what was found
(issue 12's acceptance), and pytest captures a test's own prints, so the counts go through a
session-wide table that ``pytest_terminal_summary`` prints after the test summary.

Seeds: ``XLCOMPUTE_FUZZ_SEED`` (default 12) picks the generated cases, so a CI run is reproducible
and another seed explores new ones (``XLCOMPUTE_FUZZ_SEED=7 make test``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest

FUZZ_SEED = int(os.environ.get("XLCOMPUTE_FUZZ_SEED", "12"))

_REPORT: dict[str, Counter[str]] = {}


class FuzzReport:
    """Counts by suite (``scenarios``, ``excel functions``, ``hostile files``) and outcome."""

    def add(self, suite: str, outcome: str, n: int = 1) -> None:
        _REPORT.setdefault(suite, Counter())[outcome] += n


@pytest.fixture(scope="session")
def fuzz_report() -> Iterator[FuzzReport]:
    yield FuzzReport()


@pytest.fixture(scope="session")
def fuzz_seed() -> int:
    return FUZZ_SEED


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its counts to the controller, which prints the table."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fuzz_report"] = {suite: dict(c) for suite, c in _REPORT.items()}


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: only called when xdist runs the suite
def pytest_testnodedown(node: object, error: object) -> None:
    for suite, counts in getattr(node, "workeroutput", {}).get("fuzz_report", {}).items():
        _REPORT.setdefault(suite, Counter()).update(counts)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _REPORT:
        return
    terminalreporter.section(f"fuzzing suite (seed {FUZZ_SEED})")
    for suite, counts in _REPORT.items():
        parts = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        terminalreporter.write_line(f"{suite}: {parts}")
