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
from xlcompute.cli._text import check_lang

if TYPE_CHECKING:
    from xlcompute.batch import BatchItem

__all__ = ["batch_command"]

# Kept in step with xlcompute.batch (not imported here: `xlcompute --help` stays light).
DEFAULT_TIMEOUT = 600.0
START_UP_LIMIT = 120.0
INDEX_NAME = "index.xlsx"


def batch_command(
    input_paths: list[Path] = typer.Argument(
        ..., metavar="INPUT",
        help="Folders of .yaml/.yml/.toml/.json scenarios and .csv/.xlsx tables, scenario files (a glob such as "
             "scenarios/*.yaml) or .csv/.xlsx tables; several may be given.",
    ),
    outdir: Path = typer.Option(..., "-o", "--output", help="Output folder (created if missing)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write the capacity proposal PDF of each scenario."),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", min=1, help="Worker processes (default: CPU count)."),
    force: bool = typer.Option(False, "--force", help="Redo every output, even those up to date."),
    lang: str = typer.Option("en", "--lang", help="Label language: en or zh."),
    timeout: float = typer.Option(
        DEFAULT_TIMEOUT, "--timeout", min=0, metavar="SECONDS",
        help="Time limit per scenario, counted from when its worker process starts it (a new worker's "
             f"start-up is not counted; one that has not started its scenario after {START_UP_LIMIT:g} s fails "
             "it); a scenario still running then is reported failed and the batch goes on. 0: no limit.",
    ),
) -> None:
    """Turn many scenarios into workbooks (and proposals) in parallel, with an index.xlsx.

    A table has one scenario per row; its columns are scenario fields, dotted for nested ones (name, model.preset, training.tokens, training.tp, cluster.accelerator, cluster.cards, assumptions.mfu, pricing.currency, ...). A field one section alone has may go without it (model, tokens, accelerator, cards, users, mfu; model takes a catalog name or a size such as 70B). Column names are the English field names, in any case (Name, GPUs, MFU); a column whose name starts with # (#notes) is ignored. An .xlsx table is read from its sheet named scenarios, else its first sheet. A .csv table's cells are separated by commas, semicolons or tabs (its header line decides); in a semicolon- or tab-separated one a number written with a comma (0,4 or 1,500) is refused in a number field: write 0.4 or 1500. An empty cell takes the field's default. A folder's .csv/.xlsx tables are read too, except workbooks xlcompute wrote (named in a note).

    A rerun redoes only what changed: a scenario whose content, --lang, --pdf or xlcompute version differs from the run that made its outputs, or whose output was deleted or replaced (the record is in OUTDIR/.xlcompute-batch). --force redoes everything. An interrupted batch leaves only complete files; the next run clears its temporary files.

    A failed scenario (bad input, a crashed worker, or over the time limit, which counts from when its worker starts it) is listed with its reason and the others go on; index.xlsx lists every scenario. The workbook (and PDF) an earlier run of the batch made for a scenario that now fails is removed, and so is the earlier PDF of a scenario redone without --pdf; both are named. A plan that is written but cannot run as planned (training memory beyond the card's, a missed training.deadline_days) is listed as a warning, with the figures. Exit code 1 when any scenario failed, 2 when INPUT or the output folder cannot be used; warnings alone keep 0.
    """
    check_lang(lang)  # and a problem with INPUT or the output folder is then worded in it
    # Imported here: the batch module loads the scenario schema and pydantic models.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from xlcompute.batch import BatchInputError, item_notes, problem_text, run_batch, source_text

    label = "[bold]批处理" if lang == "zh" else "[bold]batch"
    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
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
    except (KeyboardInterrupt, SystemExit) as exc:  # Ctrl-C, or SIGTERM (exit code 143): said before it ends
        if isinstance(exc, KeyboardInterrupt) or exc.code == 143:
            if task:
                progress.stop()
            err_console.print("已中断：已写完的文件保留，临时文件已删除；再次运行将只补做未完成的方案" if lang == "zh" else
                              "interrupted: the files written are complete and kept, temporary files removed; run "
                              "the batch again to do the rest", style="bold yellow", highlight=False, markup=False)
        raise
    finally:
        if task:  # stopping a bar that never started would print blank lines around the error
            progress.stop()
    written = sum(i.status in ("ok", "warning") for i in report.items)
    skipped = sum(i.status == "skipped" for i in report.items)
    zh = lang == "zh"

    def say(text: str, style: str | None = None) -> None:
        err_console.print(text, style=style, highlight=False, markup=False, soft_wrap=True)

    colon = "：" if zh else ": "
    for item in report.failed:
        source = printable(source_text(item.source, lang))
        say(f"{'失败' if zh else 'failed'}{colon}{source}", "bold red")
        for problem in item.problems:
            say(f"  {source}{colon}{printable(problem_text(problem, lang))}")
        for note in item_notes(item, lang):
            say(f"  {source}{colon}{printable(note)}")
    for item in report.warned:  # written, but the plan cannot run as planned: said, the exit code stays 0
        source = printable(source_text(item.source, lang))
        say(f"{'警告' if zh else 'warning'}{colon}{source}", "bold yellow")
        for warning in item.warnings:
            say(f"  {source}{colon}{printable(warning)}")
    for item in report.items:
        if item.status != "failed" and (item.removed or item.left or item.same_name or item.same_name_failed):
            source = printable(source_text(item.source, lang))
            for note in item_notes(item, lang):
                say(f"{'注意' if zh else 'note'}{colon}{source}{colon}{printable(note)}")
    where = report.index if report.index is not None else ("未写入" if zh else "not written")
    warned = len(report.warned)
    if zh:
        line = (f"写入 {written} 个，{skipped} 个未变更（跳过），{len(report.failed)} 个失败"
                + (f"，{warned} 个有警告" if warned else "") + f"；索引：{where}")
    else:
        line = (f"{written} written, {skipped} up to date (skipped), {len(report.failed)} failed"
                + (f", {warned} with a warning" if warned else "") + f"; index: {where}")
    console.print(line, highlight=False, markup=False, soft_wrap=True)
    if report.others:
        shown = ", ".join(printable(n) for n in report.others[:5]) + (" …" if len(report.others) > 5 else "")
        say(f"注意：文件夹中有 {len(report.others)} 个工作簿来自不在本次批处理中的方案，未列入索引（已保留；如已过时请删除）：{shown}"
            if zh else
            f"note: {len(report.others)} workbook(s) in the folder come from scenarios not in this batch and are "
            f"not in its index (left in place; delete them if they are out of date): {shown}")
    if report.ignored:
        shown = ", ".join(printable(n) for n in report.ignored[:5]) + (" …" if len(report.ignored) > 5 else "")
        say(f"注意：输入文件夹中 {len(report.ignored)} 个 .xlsx 文件是 xlcompute 写出的工作簿（或输入文件夹即输出文件夹），"
            f"未作为方案表读取；如需读取，请把该表直接作为 INPUT：{shown}" if zh else
            f"note: {len(report.ignored)} .xlsx file(s) in an INPUT folder were not read as scenario tables (workbooks "
            f"xlcompute wrote, or the output folder's own); give a table as INPUT itself to read it: {shown}")
    if report.index_error is not None:
        fail([f"{INDEX_NAME} 未写入：{report.index_error}" if zh else f"{INDEX_NAME} not written: {report.index_error}"])
    if report.failed:
        raise typer.Exit(1)
