"""``xlcompute workbook``: build a planning workbook from a scenario file (CLI orchestration, kept
outside the workbook face so the face never imports the CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from xlcompute.cli._common import SCENARIO_ARG, SET_OPT, check_output_file, console, fail, read_scenario, run_estimate
from xlcompute.cli._text import check_lang, tr

__all__ = ["workbook_command"]


def workbook_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    settings: Optional[list[str]] = SET_OPT,
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Workbook to write (.xlsx). Default: out/<scenario name>.xlsx"
    ),
    lang: str = typer.Option("en", "--lang", help="Label language: en or zh (the formulas are the same)."),
) -> None:
    """Build a planning workbook whose results are live Excel formulas."""
    # Imported here: openpyxl is only needed now, not for `xlcompute --help`.
    from xlcompute._names import slug
    from xlcompute.workbook.builder import write_workbook

    check_lang(lang)
    if output is not None:
        check_output_file(output, ".xlsx", "workbook")  # before the estimate: a typo fails at once
    sc = read_scenario(scenario, settings)
    result = run_estimate(sc, scenario, settings)  # turns preset errors (e.g. fp8 on a card without fp8) into one line
    if output is None:
        output = Path("out") / f"{slug(sc.name)}.xlsx"
        check_output_file(output, ".xlsx", "workbook")
    try:
        path = write_workbook(result, output, lang)
    except OSError as exc:  # OutputNotWritableError names the file; anything else still one line
        fail([str(exc) if exc.strerror is None else f"cannot write {str(output)!r}: {exc.strerror}"])
    except ValueError as exc:
        fail([str(exc)])
    console.print(tr("wrote", lang, path=path), highlight=False, markup=False)
