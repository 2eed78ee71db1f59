"""`-h` is `--help` on the app, every command and every sub-command."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app

runner = CliRunner()

COMMANDS: list[list[str]] = [
    [], ["estimate"], ["compare"], ["schema"], ["plan"], ["validate"], ["excel"], ["workbook"], ["batch"], ["proposal"],
    ["catalog"], ["catalog", "gpus"], ["catalog", "models"],
]


def test_every_command_is_covered() -> None:
    # A new command must be added to COMMANDS (and so get the -h check).
    import typer.main

    group = typer.main.get_command(app)
    names = set(group.commands)  # type: ignore[attr-defined]
    assert names == {c[0] for c in COMMANDS if c}


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "app")
def test_short_help_equals_long_help(cmd: list[str]) -> None:
    long = runner.invoke(app, [*cmd, "--help"])
    short = runner.invoke(app, [*cmd, "-h"])
    assert long.exit_code == 0 and short.exit_code == 0, short.output
    assert "Usage" in long.output
    assert short.output == long.output
