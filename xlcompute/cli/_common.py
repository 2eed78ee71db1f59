"""What every command shares: the consoles, ``fail``, reading a scenario, running the estimate.

Below the command modules: it imports none of them. The scenario and estimate modules are
imported inside the functions, so ``xlcompute --help`` never loads them (nor NumPy).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional

import typer
from rich.console import Console

if TYPE_CHECKING:
    from xlcompute.estimate import Estimate
    from xlcompute.scenario import Scenario

__all__ = ["CONTEXT_SETTINGS", "SCENARIO_ARG", "console", "err_console", "fail", "read_scenario", "run_estimate"]

# `-h` as well as `--help`, on the app and (passed down by click) on every command.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

# Piped output (CI logs, files) gets 120 columns so wide tables are not cut to 80.
console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True)

SCENARIO_ARG = typer.Argument(
    None, help="Scenario file (.yaml, .toml or .json). Default: the built-in 1000-card H800 scenario."
)


def fail(problems: list[str], code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit with ``code``."""
    from rich.markup import escape

    for line in problems:
        # The problem is data (a file name, a field, 'xlcompute[pdf]'): never Rich markup.
        err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def read_scenario(path: Optional[Path]) -> Scenario:
    """Load ``path`` or the default scenario; exit with readable errors on bad input."""
    from xlcompute.scenario import ScenarioError, default_scenario, load_scenario

    try:
        return default_scenario() if path is None else load_scenario(path)
    except ScenarioError as exc:
        where = f"{exc.source}: " if exc.source else ""
        fail([where + p for p in exc.problems])


def run_estimate(scenario: Scenario) -> Estimate:
    """``estimate(scenario)``, with input errors that only show once presets resolve."""
    from xlcompute.estimate import estimate

    try:
        return estimate(scenario)
    except ValueError as exc:
        fail([str(exc)])
