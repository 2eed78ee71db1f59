"""``xlcompute batch``: many scenarios into workbooks (and proposals) with a progress bar.

The work is :func:`xlcompute.batch.run_batch`; this is only the command around it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from xlcompute.cli._common import console, err_console, fail

if TYPE_CHECKING:
    from xlcompute.batch import BatchItem

__all__ = ["batch_command"]


def batch_command(
    input_path: Path = typer.Argument(..., metavar="INPUT",
                                      help="Folder of .yaml/.yml/.toml/.json scenarios, or one .csv/.xlsx table."),
    outdir: Path = typer.Option(..., "-o", "--output", help="Output folder (created if missing)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write the capacity proposal PDF of each scenario."),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", min=1, help="Worker processes (default: CPU count)."),
    force: bool = typer.Option(False, "--force", help="Redo outputs that already exist."),
    lang: str = typer.Option("en", "--lang", help="Label language: en or zh."),
) -> None:
    """Turn many scenarios into workbooks (and proposals) in parallel, with an index.xlsx.

    A table has one scenario per row; its columns are scenario fields, dotted for nested ones
    (name, model.preset, training.tokens, training.tp, cluster.accelerator, cluster.cards,
    assumptions.mfu, pricing.currency, ...). An empty cell takes the field's default.
    Exit code 1 when any scenario failed, 2 when INPUT or the output folder cannot be used.
    """
    # Imported here: the batch module loads the scenario schema and pydantic models.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from xlcompute.batch import BatchInputError, run_batch

    progress = Progress(TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err_console, transient=False)
    task: list[Any] = []

    def start(total: int) -> None:
        progress.start()
        task.append(progress.add_task("batch", total=total))

    def advance(_item: BatchItem) -> None:
        progress.advance(task[0])

    try:
        report = run_batch(input_path, outdir, jobs=jobs, force=force, pdf=pdf, lang=lang,
                           on_progress=advance, on_start=start)
    except BatchInputError as exc:
        progress.stop()
        fail([str(exc)])
    finally:
        progress.stop()
    ok = sum(i.status == "ok" for i in report.items)
    skipped = sum(i.status == "skipped" for i in report.items)
    for item in report.failed:
        err_console.print(f"[bold red]failed:[/] {item.source}", highlight=False, soft_wrap=True)
        for problem in item.problems:
            err_console.print(f"  {item.source}: {problem}", highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"{ok} written, {skipped} up to date (skipped), {len(report.failed)} failed; index: {report.index}",
        highlight=False, markup=False,
    )
    if report.failed:
        raise typer.Exit(1)
