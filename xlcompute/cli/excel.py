"""``xlcompute excel``: print the Excel set-up steps; with ``-o`` write the files they need.

The texts and the file writing live in :mod:`xlcompute.excel_setup`; this is only the command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from xlcompute.cli._common import fail

__all__ = ["excel_command"]


def excel_command(
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Folder to write xlwings.conf, main.py (xlwings Lite) and requirements.txt."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite those files if they exist."),
    python: Optional[str] = typer.Option(
        None, "--python", help="python.exe for INTERPRETER_WIN. Default: this Python when run on Windows."
    ),
    wheel_url: Optional[str] = typer.Option(None, "--wheel-url", help="HTTPS address of the xlcompute wheel for Lite."),
) -> None:
    """Print the Excel set-up steps; with -o, write the ready xlwings.conf and xlwings Lite main.py."""
    from xlcompute._atomic import OutputNotWritableError, check_writable_folder
    from xlcompute.excel_setup import SETUP_STEPS, udf_names, write_setup_files

    written: list[Path] = []
    interpreter = python or (sys.executable if sys.platform.startswith("win") else None)
    if output is not None:
        if output.exists() and not output.is_dir():
            fail([f"-o: {str(output)!r} is a file; give the folder to write the files into"])
        # Write (or refuse) before printing, so an error is the only output of a failed run.
        try:
            check_writable_folder(output)
            written = write_setup_files(output, force=force, interpreter=interpreter, wheel_url=wheel_url)
        except (FileExistsError, ValueError, OutputNotWritableError) as exc:
            fail([f"-o: {exc}" if isinstance(exc, OutputNotWritableError) else str(exc)])
        except OSError as exc:  # any other refusal of the file system: still one line
            fail([f"-o: cannot write into {str(output)!r}: {exc.strerror or exc}"])
    typer.echo(SETUP_STEPS.format(n=len(udf_names())))
    if output is None:
        typer.echo("Run `xlcompute excel -o FOLDER` to write xlwings.conf, main.py and requirements.txt.")
        return
    for path in written:
        typer.echo(f"wrote {path}")
    if interpreter is None:
        typer.echo(
            "note: xlwings.conf has no INTERPRETER_WIN line (not run on Windows); set the Interpreter "
            "on the xlwings ribbon, or rerun with --python C:\\path\\to\\python.exe"
        )
