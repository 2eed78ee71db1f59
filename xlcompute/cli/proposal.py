"""``xlcompute proposal``: render the PDF capacity proposal of a scenario.

This is orchestration, not a face: it renders the proposal (``xlcompute.report``) and attaches
the scenario file and the planning workbook (``xlcompute.workbook``) to the PDF, so the faces
themselves never import each other.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from xlcompute.cli._common import (
    SCENARIO_ARG,
    SET_OPT,
    check_output_file,
    console,
    fail,
    printable,
    read_scenario_data,
    run_estimate,
)
from xlcompute.cli._text import check_lang, tr

if TYPE_CHECKING:
    from xlcompute.estimate import Estimate
    from xlcompute.scenario import Scenario

__all__ = ["proposal_command", "default_output"]


def default_output(scenario_name: str, lang: str, html: bool = False) -> Path:
    """``out/<scenario slug>-proposal-<lang>.pdf`` (``.html`` with --html); out/ is git-ignored."""
    from xlcompute._names import slug

    return Path("out") / f"{slug(scenario_name)}-proposal-{lang}{'.html' if html else '.pdf'}"


def proposal_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    settings: Optional[list[str]] = SET_OPT,
    output: Optional[Path] = typer.Option(
        None, "-o", "--output",
        help="File to write (.pdf, or .html with --html). Default: out/<scenario name>-proposal-<lang>.pdf",
    ),
    lang: str = typer.Option("en", "--lang", help="Language of the proposal: en or zh."),
    html: bool = typer.Option(False, "--html", help="Write the HTML instead of the PDF (for review)."),
) -> None:
    """Render the capacity proposal (PDF/A-3b; the scenario, planning workbook and validation table attached)."""
    # Imported here: WeasyPrint is only needed now, not for `xlcompute --help`.
    from xlcompute.report import write_proposal
    from xlcompute.scenario import DEFAULT_SCENARIO_PATH

    check_lang(lang)
    suffix = ".html" if html else ".pdf"
    what = f"{'HTML' if html else 'PDF'} file"
    if output is not None:
        check_output_file(output, suffix, what)  # before the estimate and the rendering
    sc, data = read_scenario_data(scenario, settings)
    result = run_estimate(sc, scenario, settings)
    # A scenario that names itself gives its name; one that does not, the title made from what it plans (not
    # "scenario": every `proposal -s …` run would overwrite the same file).
    from xlcompute._builtin import builtin_text

    name = builtin_text(result.scenario, "name", "en") or sc.name
    target = output if output is not None else default_output(name, lang, html)
    if output is None:
        check_output_file(target, suffix, what)

    scenario_file = scenario if scenario is not None else DEFAULT_SCENARIO_PATH
    with tempfile.TemporaryDirectory(prefix="xlcompute-proposal-") as tmp:
        if data is not None:  # the scenario the figures come from is the file with the settings, not the file
            scenario_file = _set_scenario_file(data, scenario, settings or [], Path(tmp), sc.name)
        attachments = [scenario_file]
        if not html:
            workbook = _planning_workbook(sc, result, Path(tmp), lang)
            if workbook is not None:
                attachments.append(workbook)
        try:
            path = write_proposal(result, target, lang, attachments=attachments, html=html)
        except OSError as exc:  # OutputNotWritableError names the file; anything else still one line
            fail([str(exc) if exc.strerror is None else f"cannot write {str(target)!r}: {exc.strerror}"])
    console.print(tr("wrote", lang, path=path), highlight=False, markup=False)


def _set_scenario_file(data: Any, path: Optional[Path], settings: list[str], folder: Path, name: str) -> Path:
    """The scenario a proposal made with ``--set`` attaches: ``data``, the file's fields with the settings in
    place, as YAML that loads to the same scenario (each setting as the text typed)."""
    import yaml

    from xlcompute._names import slug

    origin = f"{printable(path.name)} with these settings" if path is not None else "these settings"
    head = "".join(f"#   --set {printable(s)}\n" for s in settings)
    text = f"# The scenario of this proposal: {origin}.\n{head}" + yaml.safe_dump(data, allow_unicode=True,
                                                                                    sort_keys=False)
    target = folder / f"{slug(name)}.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def _planning_workbook(sc: Scenario, result: Estimate, folder: Path, lang: str) -> Optional[Path]:
    """The planning workbook of the scenario in ``folder``; None (with a warning) only when the
    workbook face is not installed."""
    try:
        from xlcompute._names import slug
        from xlcompute.workbook import write_workbook
    except ImportError as exc:  # the workbook face is optional for the proposal
        print(f"warning: planning workbook not attached ({exc})", file=sys.stderr)
        return None
    return write_workbook(result, folder / f"{slug(sc.name)}-{lang}.xlsx", lang)
