"""The optional PDF stack (``pip install "xlcompute[pdf]"``): checks and one readable error.

WeasyPrint, Jinja2 and MarkupSafe are an extra because xlwings Lite (Pyodide in the browser)
installs the base package and cannot run WeasyPrint, which loads Pango through cffi. This module
imports none of them, so it works in a base install and tells what to install instead of
failing deep inside an import.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from types import ModuleType

__all__ = ["PDF_EXTRA_INSTALL", "PDF_MODULES", "PdfStackMissingError", "missing_pdf_modules",
           "require_pdf_stack", "import_weasyprint"]

PDF_EXTRA_INSTALL = 'pip install "xlcompute[pdf]"'
"""The command that installs the PDF stack into the Python that runs xlcompute."""

PDF_MODULES = ("jinja2", "markupsafe", "weasyprint")
"""Modules the proposal imports that the base install does not carry."""


def _pango_help() -> str:
    """Where to get Pango on this platform (WeasyPrint's installation docs, summarised)."""
    if sys.platform.startswith("win"):
        return ("install Pango with MSYS2 as docs/excel.md says ('PDF proposals on Windows'), or set "
                "WEASYPRINT_DLL_DIRECTORIES to the folder that holds its DLLs")
    if sys.platform == "darwin":
        return "install Pango (brew install pango) and see WeasyPrint's installation docs"
    return ("install Pango: scripts/install-system-deps.sh on Debian/Ubuntu "
            "(apt-get install libpango-1.0-0 libpangoft2-1.0-0)")


class PdfStackMissingError(ImportError):
    """The PDF proposal cannot run here: a module of the ``pdf`` extra is missing or cannot load.

    An ``ImportError`` so that callers that already treat the proposal as optional keep working;
    its message is one line that names the fix.
    """


def missing_pdf_modules() -> list[str]:
    """The modules of the ``pdf`` extra that are not installed (found without importing them)."""
    return [name for name in PDF_MODULES if importlib.util.find_spec(name) is None]


def require_pdf_stack() -> None:
    """Raise :class:`PdfStackMissingError` unless Jinja2, MarkupSafe and WeasyPrint are installed.

    Only looks the modules up: importing WeasyPrint loads Pango and fonts (~0.5 s), which the
    renderer does late, when it writes a PDF.
    """
    missing = missing_pdf_modules()
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise PdfStackMissingError(
            f"the PDF proposal needs {', '.join(missing)}, which {verb} not installed "
            f"(xlcompute was installed without its pdf extra); run: {PDF_EXTRA_INSTALL}",
            name=missing[0],
        )


def import_weasyprint() -> ModuleType:
    """``import weasyprint``, or :class:`PdfStackMissingError` with the fix in one line.

    When Pango or GObject cannot be loaded (Windows without the GTK/Pango runtime), WeasyPrint
    prints a banner to stdout and raises ``OSError``; the banner is swallowed here so the caller
    shows one line instead of a banner and a traceback.
    """
    banner = io.StringIO()
    try:
        with contextlib.redirect_stdout(banner):
            import weasyprint
    except ModuleNotFoundError as exc:
        # WeasyPrint itself or one of its own dependencies: reinstalling the extra fixes both.
        missing = exc.name or "weasyprint"
        raise PdfStackMissingError(
            f"the PDF proposal needs {missing}, which is not installed; run: {PDF_EXTRA_INSTALL}",
            name=missing,
        ) from exc
    except OSError as exc:
        reason = " ".join(str(exc).split())  # cffi's message may span lines; keep one
        if len(reason) > 160:
            reason = reason[:157] + "..."
        raise PdfStackMissingError(
            f"WeasyPrint is installed but cannot load its Pango libraries ({reason}); {_pango_help()}",
            name="weasyprint",
        ) from exc
    return weasyprint
