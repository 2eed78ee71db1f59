"""What every command shares: the consoles, ``fail``, reading a scenario, running the estimate,
checking an output path before the work starts.

Below the command modules: it imports none of them. The scenario and estimate modules are
imported inside the functions, so ``xlcompute --help`` never loads them (nor NumPy).

Text from files (file names, problems that echo values) can hold control characters: printed
lines pass :func:`printable`, so no escape sequence reaches the terminal. (A scenario's own text
fields cannot hold them: the schema refuses them naming the field.)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional

import typer
from rich.console import Console

if TYPE_CHECKING:
    from xlcompute.estimate import Estimate
    from xlcompute.scenario import Scenario

__all__ = ["CONTEXT_SETTINGS", "LANG_OPT", "set_error_lang", "SCENARIO_ARG", "SET_OPT", "scenario_title", "console", "err_console", "fail", "printable", "read_scenario", "read_scenario_data",
           "run_estimate", "estimate_problem", "check_output_file"]

# `-h` as well as `--help`, on the app and (passed down by click) on every command.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

# Piped output (CI logs, files) gets 120 columns so wide tables are not cut to 80.
console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True)

LANG_OPT = typer.Option("en", "--lang", help="Language of the output: en or zh.")


def scenario_title(scenario: Scenario, lang: str) -> str:
    """The scenario's name for a table title: the built-in scenario's in the reader's language, a
    user's own as written."""
    from xlcompute._builtin import builtin_text

    return builtin_text(scenario, "name", lang) or scenario.name


SCENARIO_ARG = typer.Argument(
    None, help="Scenario file (.yaml, .toml or .json). Default: the built-in 1000-card H800 scenario, or with "
    "--set only the fields set."
)

SET_OPT = typer.Option(
    None, "--set", "-s", metavar="FIELD=VALUE",
    help="A scenario field, dotted as a batch table's columns (repeat it): --set model.preset=llama2-70b "
    "--set training.tokens=2T --set cluster.accelerator=H800 --set cluster.cards=1000. With a scenario file it "
    "changes the file's value; without one the scenario is only the fields set (the rest take their defaults). "
    "A field one section alone has may go without it: -s model=70B -s tokens=2T -s accelerator=H800 -s cards=1000.",
)


# C0 and C1 control characters and DEL (line breaks too: one problem, one line).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe for one terminal line: control characters (escape sequences, line breaks)
    become U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


_ERROR_LANG = ["en"]  # the language of the running command's --lang: its input problems are worded in it


def set_error_lang(lang: str) -> None:
    """Word the input problems :func:`fail` prints in ``lang`` (a command calls it once its --lang is valid)."""
    _ERROR_LANG[0] = lang if lang in ("en", "zh") else "en"


def fail(problems: list[str], code: int = 2) -> NoReturn:
    """Print one line per problem to stderr and exit with ``code`` (in Chinese after ``--lang zh``: the common
    shapes of input problems, xlcompute.cli._problems_zh)."""
    from rich.markup import escape

    zh = _ERROR_LANG[0] == "zh"
    if zh:
        from xlcompute.cli._problems_zh import problem_zh

        problems = [problem_zh(p) for p in problems]
    else:  # a refused 0 where a label says "0 = none given": what to write instead (zh: in problem_zh)
        from xlcompute.cli._zero import with_zero_hint

        problems = [with_zero_hint(p) for p in problems]
    for line in problems:
        # The problem is data (a file name, a field, 'xlcompute[pdf]'): never Rich markup.
        err_console.print(f"[bold red]{'错误：' if zh else 'error: '}[/]{escape(printable(line))}", highlight=False,
                          markup=True, soft_wrap=True)
    raise typer.Exit(code)


def check_output_file(output: Path, suffix: Optional[str], what: str) -> None:
    """Fail with one line, before any work, when ``output`` cannot be written: a wrong suffix (unless
    ``suffix`` is None), a folder, a parent that is a file, a folder that is read-only or on a
    missing drive.

    The folder is created (as the write would) and a temp file made and removed in it.
    """
    from xlcompute._atomic import OutputNotWritableError, check_writable_folder

    if suffix is not None and output.suffix.lower() != suffix:
        fail([f"-o: the {what} must end in {suffix}, got {str(output)!r}"])
    if output.is_dir():
        fail([f"-o: {str(output)!r} is a folder; give a file name" + (f" ending in {suffix}" if suffix else "")])
    try:
        check_writable_folder(output.parent if str(output.parent) else Path("."))
    except OSError as exc:  # OutputNotWritableError, or an unexpected refusal of the file system
        fail([f"-o: {exc}" if isinstance(exc, OutputNotWritableError) else
              f"-o: cannot write {str(output)!r}: {exc.strerror or exc}"])


def read_scenario(path: Optional[Path], settings: Optional[list[str]] = None) -> Scenario:
    """Load ``path`` or the default scenario, with the ``--set`` settings; exit with readable errors on bad input."""
    return read_scenario_data(path, settings)[0]


def read_scenario_data(path: Optional[Path], settings: Optional[list[str]] = None) -> tuple[Scenario, Any]:
    """:func:`read_scenario` and, with settings, the mapping it validated (the file's fields with the settings in
    place; None without settings): read once, so what a proposal attaches is what it computed."""
    from xlcompute.scenario import (
        ScenarioError,
        default_scenario,
        load_scenario,
        parse_scenario,
        scenario_data_with,
        settings_source,
    )

    try:
        if settings:
            data = scenario_data_with(path, settings)
            scenario = parse_scenario(data, settings_source(path)), data
            _note_kept_text(path, settings)
            return scenario
        return (default_scenario() if path is None else load_scenario(path)), None
    except ScenarioError as exc:
        where = f"{exc.source}: " if exc.source else ""
        fail([where + p for p in exc.problems])


def _note_kept_text(path: Optional[Path], settings: list[str]) -> None:
    """A file's name and description are the user's words: --set changing other fields keeps them, and they may
    no longer describe the scenario (a "1000-card" name on a 2,000-card proposal); one note on stderr says so."""
    if path is None:
        return
    fields = [s.split("=", 1)[0].strip() for s in settings]
    if any(f in ("name", "description") for f in fields):
        return
    from rich.markup import escape

    shown = escape(printable(", ".join(fields)))
    if _ERROR_LANG[0] == "zh":
        err_console.print(f"[bold]注意：[/]{shown} 由命令行设定；场景的名称与说明仍按文件所写保留（用 --set name=... 修改）",
                          highlight=False, markup=True, soft_wrap=True)
        return
    err_console.print(f"[bold]note:[/] {shown} set on the command line; the scenario's "
                      "name and description are kept as the file writes them (--set name=... to change them)",
                      highlight=False, markup=True, soft_wrap=True)


def run_estimate(scenario: Scenario, path: Optional[Path] = None, settings: Optional[list[str]] = None) -> Estimate:
    """``estimate(scenario)``, with input errors that only show once presets resolve, named after the file
    (and --set) they come from as the scenario's own checks name theirs."""
    from xlcompute.estimate import estimate
    from xlcompute.scenario import settings_source

    try:
        return estimate(scenario)
    except ValueError as exc:
        fail([estimate_problem(exc, scenario, path, settings)])


def estimate_problem(exc: ValueError, scenario: Scenario, path: Optional[Path] = None,
                     settings: Optional[list[str]] = None) -> str:
    """The line an estimate's refusal prints: named after the file (and --set) it comes from, as the
    scenario's own checks name theirs; under --lang zh the sources it quotes in Chinese."""
    from xlcompute.scenario import settings_source

    text = _sources_zh(str(exc), scenario) if _ERROR_LANG[0] == "zh" else str(exc)
    where = settings_source(path) if settings else str(path) if path is not None else ""
    return f"{where}: {text}" if where else text


# The tail the estimate gives a "no layout fits" refusal: where the batch and the memory figure came from.
_SOURCES_TAIL = re.compile(r" \(global batch: .*; memory per card: .*\)$")


def _sources_zh(text: str, scenario: Scenario) -> str:
    """``text`` with the English sources it quotes replaced by their Chinese wording (xlcompute.sources,
    from each input's origin, never a translation of the English line); unchanged where they differ."""
    tail = _SOURCES_TAIL.search(text)
    if tail is None:
        return text
    from xlcompute.estimate import resolve
    from xlcompute.sources import source_text

    try:
        inputs = resolve(scenario, plan=False).inputs
    except (ValueError, KeyError):  # the scenario cannot resolve: its sources stay as quoted
        return text
    words = tail.group()
    for inp in (inputs.get("batch_target"), inputs.get("gpu_hbm_gb")):
        if inp is not None and inp.source:
            words = words.replace(inp.source, source_text(inp, "zh"))
    return text[:tail.start()] + words
