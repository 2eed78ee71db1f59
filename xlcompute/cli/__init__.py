"""The ``xlcompute`` command line.

Typer gives typed options, ``--help`` (and ``-h``) on every command and shell completion for
little code; Rich prints the tables. Every command turns a bad scenario into one line per problem
and exit code 2, never a traceback.

One module per command; :mod:`xlcompute.cli._common` holds what they share and imports none of
them. This module only assembles the app. Command modules import their heavy dependencies
(NumPy, the planner, openpyxl, WeasyPrint) inside the command, so ``xlcompute --help`` stays fast.
"""

from __future__ import annotations

import typer

from xlcompute.cli import batch, compare, estimate, excel, plan, proposal, schema, validate, workbook
from xlcompute.cli._common import CONTEXT_SETTINGS, set_error_lang
from xlcompute.cli.catalog import catalog_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="xlcompute",
    help="Compute, memory, network, serving and budget estimates for training and serving LLMs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT_SETTINGS,
)

@app.callback()
def _start() -> None:
    """Compute, memory, network, serving and budget estimates for training and serving LLMs."""
    set_error_lang("en")  # a command's own --lang sets it again; one process may run several commands (tests)


# The order here is the order of `xlcompute --help`.
app.command("estimate")(estimate.estimate_command)
app.command("compare")(compare.compare_command)
app.command("schema")(schema.schema_command)
app.command("plan")(plan.plan_command)
app.command("validate")(validate.validate_command)
app.command("excel")(excel.excel_command)
app.command("workbook")(workbook.workbook_command)
app.command("batch")(batch.batch_command)
app.command("proposal")(proposal.proposal_command)
app.add_typer(catalog_app, name="catalog")


def main() -> None:
    """Console-script entry point."""
    app()
