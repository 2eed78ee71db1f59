"""The Excel set-up steps, and the files a user needs for them (the ``xlcompute excel``
command is :mod:`xlcompute.cli.excel`).

The walk-through covers the three ways to get the functions into Excel (classic xlwings
add-in on Windows, a standalone workbook, xlwings Lite on macOS / Windows / the web).
:func:`write_setup_files` (``xlcompute excel -o FOLDER``) writes, each atomically and never over
an existing file unless ``--force``:

- ``xlwings.conf`` — the classic add-in's directory config (``"KEY","VALUE"`` lines read by the
  add-in's VBA ``Input #``): ``UDF MODULES = xlcompute.udf`` and the Python interpreter;
- ``main.py`` — for xlwings Lite: imports every function of :mod:`xlcompute.udf` by name, which
  is how Lite finds custom functions (it registers the decorated callables of ``main.py``);
- ``requirements.txt`` — for xlwings Lite: where to fetch the xlcompute wheel.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from xlcompute._atomic import atomic_write

__all__ = [
    "CONF_NAME",
    "LITE_MAIN_NAME",
    "LITE_REQUIREMENTS_NAME",
    "SETUP_STEPS",
    "xlwings_conf_text",
    "lite_main_text",
    "lite_requirements_text",
    "udf_names",
    "write_setup_files",
]

CONF_NAME = "xlwings.conf"
LITE_MAIN_NAME = "main.py"
LITE_REQUIREMENTS_NAME = "requirements.txt"

SETUP_STEPS = """\
xlcompute in Excel: {n} functions such as =LLM_TRAIN_DAYS("70B","2T",1000,"H800",0.4)

A. Windows, classic xlwings add-in (Excel 2010 or later; spilled tables need Excel 365/2021)
  1. Command Prompt:  pip install xlcompute-0.1.0-py3-none-any.whl
     (the wheel from `python -m pip wheel . --no-deps -w dist`, or `pip install -e .` in a checkout)
  2. Command Prompt:  xlwings addin install
  3. Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings >
     tick "Trust access to the VBA project object model". Restart Excel.
  4. Save your workbook as .xlsm. On the xlwings ribbon tab set
       UDF Modules:  xlcompute.udf
       Interpreter:  the python.exe from step 1 (`where python` shows it)
     or put the xlwings.conf written by `xlcompute excel -o FOLDER` next to the workbook
     (or into %USERPROFILE%\\.xlwings\\ for every workbook).
  5. Click "Import Functions". They appear in Formulas > Insert Function, category "xlcompute",
     with a description of every argument.
  6. Try  =LLM_TRAIN_DAYS("175B","300B",1000,"A100",0.462)   -> 25.29 (days, seed 001).
     A bad argument shows its reason in the cell, e.g. mfu 40: "mfu must be in (0, 1];
     did you mean 0.4?".

B. Windows, standalone workbook (recipients need Python + xlcompute, not the add-in)
  1. Command Prompt:  xlwings quickstart myplan --standalone
  2. In myplan.xlsm rename the sheet _xlwings.conf to xlwings.conf and set UDF Modules to
     xlcompute.udf (and Interpreter_Win to python.exe).
  3. Alt+F8 > ImportPythonUDFs > Run. Save.

C. macOS, Windows or Excel on the web: xlwings Lite (no local Python)
  1. Excel: Home > Add-ins > search "xlwings Lite" > Add. Open it from the Home tab.
  2. Host the xlcompute wheel at an HTTPS address the browser may fetch (CORS allowed) and
     add that address as a line of the requirements.txt tab (keep the xlwings line).
  3. Replace the main.py tab with the main.py written by `xlcompute excel -o FOLDER`; save
     (Ctrl+S). The functions register themselves; arrays spill natively.

Argument separator: Excel uses the Windows "List separator". Chinese (zh-CN) and English
locales use a comma: =LLM_TRAIN_DAYS("70B","2T",1000,"H800",0.4). German, French, Russian,
Brazilian ... locales use a semicolon: =LLM_TRAIN_DAYS("70B";"2T";1000;"H800";0,4).
With a Chinese input method, type half-width , and " (not full-width ， or “ ”): Excel rejects
those. Text numbers such as "70B", "1.5万", "3亿" need straight double quotes.
"""


def udf_names() -> list[str]:
    """The Excel function names, in registration order."""
    # Imported here: xlcompute.udf loads xlwings and the argument parsers.
    from xlcompute.udf import udf_specs

    return list(udf_specs())


def xlwings_conf_text(interpreter: Optional[str]) -> str:
    """The classic add-in's config: ``"KEY","VALUE"`` lines (VBA ``Input #`` reads them)."""
    lines = ['"UDF MODULES","xlcompute.udf"']
    if interpreter:
        lines.append(f'"INTERPRETER_WIN","{interpreter}"')
    return "\r\n".join(lines) + "\r\n"


def lite_main_text() -> str:
    """``main.py`` for xlwings Lite: every Excel function imported by name (no star import)."""
    names = udf_names()
    body = "".join(f"    {name},\n" for name in names)
    return (
        '"""xlcompute\'s Excel functions for xlwings Lite (written by `xlcompute excel`).\n\n'
        "xlwings Lite registers the custom functions it finds in main.py; importing them here is\n"
        "enough. The formulas live in the xlcompute package (requirements.txt tab).\n"
        '"""\n\n'
        "from xlcompute.udf import (  # noqa: F401  (imported so that xlwings Lite registers them)\n"
        f"{body})\n"
    )


def lite_requirements_text(wheel_url: Optional[str]) -> str:
    """Lines for the Lite requirements.txt tab: the wheel's address (or a placeholder comment)."""
    head = (
        "# xlwings Lite: add the line below to the requirements.txt tab, keeping its xlwings line.\n"
        "# The wheel comes from `python -m pip wheel . --no-deps -w dist`, hosted over HTTPS with CORS.\n"
    )
    if wheel_url:
        return head + wheel_url + "\n"
    return head + "# https://YOUR-SERVER/xlcompute-0.1.0-py3-none-any.whl\n"


def _check_text(value: Optional[str], what: str) -> list[str]:
    # A quote or line break would end the VBA config field early (formula/config injection).
    if value and any(c in value for c in '"\r\n'):
        return [f"{what} must not contain double quotes or line breaks: {value!r}"]
    return []


def write_setup_files(
    folder: Path, *, force: bool = False, interpreter: Optional[str] = None, wheel_url: Optional[str] = None
) -> list[Path]:
    """Write xlwings.conf, main.py and requirements.txt into ``folder``; return their paths.

    Raises ``FileExistsError`` listing every file already there (nothing is written) unless
    ``force``; ``ValueError`` for an interpreter path or URL that would corrupt the files.
    """
    problems = _check_text(interpreter, "--python") + _check_text(wheel_url, "--wheel-url")
    if problems:
        raise ValueError("; ".join(problems))
    # The add-in's VBA reads the config in the ANSI code page on Windows ("mbcs" exists only there).
    conf_encoding = "mbcs" if sys.platform.startswith("win") else "utf-8"
    files = {
        CONF_NAME: (xlwings_conf_text(interpreter), conf_encoding),
        LITE_MAIN_NAME: (lite_main_text(), "utf-8"),
        LITE_REQUIREMENTS_NAME: (lite_requirements_text(wheel_url), "utf-8"),
    }
    targets = [folder / name for name in files]
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise FileExistsError(
            "already exists (use --force to overwrite): " + ", ".join(str(p) for p in existing)
        )
    for target, (text, encoding) in zip(targets, files.values()):
        with atomic_write(target) as tmp:
            # newline="" keeps the CRLF of xlwings.conf exactly as written.
            with open(tmp, "w", encoding=encoding, newline="") as fh:
                fh.write(text)
    return targets
