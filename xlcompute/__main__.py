"""Entry point of the ``xlcompute`` console script and of ``python -m xlcompute``.

It runs the Typer app of :mod:`xlcompute.cli` and adds one rule the commands share: when the
optional PDF stack is missing (installed without ``[pdf]``, or WeasyPrint cannot load Pango), the
command ends with one ``error:`` line naming the fix and exit code 2, like every other input
error, instead of a traceback. The check lives here, not in each command, because any command
that renders a proposal can meet it.
"""

from __future__ import annotations

import sys

from xlcompute._pdf_stack import PdfStackMissingError

__all__ = ["main"]


def main() -> None:
    """Run the ``xlcompute`` command line."""
    from xlcompute.cli import main as cli_main

    try:
        cli_main()
    except PdfStackMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
