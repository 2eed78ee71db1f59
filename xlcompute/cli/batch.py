"""``xlcompute batch``: many scenarios into workbooks (and proposals) with a progress bar.

The work is :func:`xlcompute.batch.run_batch` (faults, reruns and the time limit are described
there); this is only the command around it. Names and problems from the input are printed through
:func:`xlcompute.cli._common.printable`, so no control character reaches the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from xlcompute.cli._common import console, err_console, fail, printable

if TYPE_CHECKING:
    from xlcompute.batch import BatchItem

__all__ = ["batch_command"]

# Kept in step with xlcompute.batch (not imported here: `xlcompute --help` stays light).
DEFAULT_TIMEOUT = 600.0
INDEX_NAME = "index.xlsx"


def batch_command(
    input_paths: list[Path] = typer.Argument(
        ..., metavar="INPUT",
        help="Folders of .yaml/.yml/.toml/.json scenarios, scenario files (a glob such as scenarios/*.yaml) "
             "or .csv/.xlsx tables; several may be given.",
    ),
    outdir: Path = typer.Option(..., "-o", "--output", help="Output folder (created if missing)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write the capacity proposal PDF of each scenario."),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", min=1, help="Worker processes (default: CPU count)."),
    force: bool = typer.Option(False, "--force", help="Redo every output, even those up to date."),
    lang: str = typer.Option("en", "--lang", help="Label language: en or zh."),
    timeout: float = typer.Option(
        DEFAULT_TIMEOUT, "--timeout", min=0, metavar="SECONDS",
        help="Time limit per scenario; a scenario still running then is reported failed and the batch "
             "goes on. 0: no limit.",
    ),
) -> None:
    """Turn many scenarios into workbooks (and proposals) in parallel, with an index.xlsx.

    A table has one scenario per row; its columns are scenario fields, dotted for nested ones (name, model.preset, training.tokens, training.tp, cluster.accelerator, cluster.cards, assumptions.mfu, pricing.currency, ...). A field one section alone has may go without it (model, tokens, accelerator, cards, users, mfu; model takes a catalog name or a size such as 70B). An empty cell takes the field's default.

    A rerun redoes only what changed: a scenario whose content, --lang, --pdf or xlcompute version differs from the run that made its outputs, or whose output was deleted or replaced (the record is in OUTDIR/.xlcompute-batch). --force redoes everything. An interrupted batch leaves only complete files; the next run clears its temporary files.

    A failed scenario (bad input, over the time limit, a crashed worker) is listed with its reason and the others go on; index.xlsx lists every scenario. Exit code 1 when any scenario failed, 2 when INPUT or the output folder cannot be used.
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
        report = run_batch(input_paths, outdir, jobs=jobs, force=force, pdf=pdf, lang=lang, timeout=timeout or None,
                           on_progress=advance, on_start=start)
    except BatchInputError as exc:
        if task:
            progress.stop()
        fail([str(exc)])
    finally:
        if task:  # stopping a bar that never started would print blank lines around the error
            progress.stop()
    ok = sum(i.status == "ok" for i in report.items)
    skipped = sum(i.status == "skipped" for i in report.items)
    zh = lang == "zh"
    if zh:
        from xlcompute.cli._problems_zh import problem_zh
    for item in report.failed:
        source = printable(item.source)
        err_console.print(f"{'失败' if zh else 'failed'}: {source}", style="bold red", highlight=False, markup=False,
                          soft_wrap=True)
        for problem in item.problems:
            shown = problem_zh(problem) if zh else problem
            err_console.print(f"  {source}: {printable(shown)}", highlight=False, markup=False, soft_wrap=True)
    where = report.index if report.index is not None else "not written"
    console.print(
        f"{ok} written, {skipped} up to date (skipped), {len(report.failed)} failed; index: {where}",
        highlight=False, markup=False,
    )
    if report.others:
        shown = ", ".join(printable(n) for n in report.others[:5]) + (" …" if len(report.others) > 5 else "")
        err_console.print(
            f"note: {len(report.others)} workbook(s) in the folder come from scenarios not in this batch and are "
            f"not in its index (left in place; delete them if they are out of date): {shown}",
            highlight=False, markup=False, soft_wrap=True)
    if report.index_error is not None:
        fail([f"{INDEX_NAME} not written: {report.index_error}"])
    if report.failed:
        raise typer.Exit(1)
