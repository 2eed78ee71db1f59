"""Docstrings as plain reading text: the Formulas sheet of the workbook shows each core
function's meaning and each core module's sources from them (the formula listing once printed in
the proposal's appendix lives there now)."""

from __future__ import annotations

import inspect
import re

__all__ = ["plain_doc", "first_paragraph", "module_sources"]


def plain_doc(doc: str) -> str:
    """Docstring text without reStructuredText markup (``code``, :func:`name`)."""
    doc = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", doc)
    return doc.replace("``", "")


def first_paragraph(doc: str | None) -> str:
    """The first paragraph of a docstring on one line."""
    if not doc:
        return ""
    return " ".join(plain_doc(inspect.cleandoc(doc)).split("\n\n")[0].split())


def module_sources(mod_doc: str | None) -> str:
    """The module docstring's title line and its "Sources" paragraphs."""
    if not mod_doc:
        return ""
    paras = plain_doc(inspect.cleandoc(mod_doc)).split("\n\n")
    keep = [paras[0]] + [p for p in paras[1:] if p.lstrip().startswith("Sources")]
    return "\n\n".join(_reflow(p) for p in keep)


def _reflow(para: str) -> str:
    """Join a docstring paragraph's hard-wrapped lines, keeping one line per "- " list item and
    the heading line ("Sources"), so a wrapped cell wraps the text to its own width."""
    out: list[str] = []
    for line in para.splitlines():
        stripped = line.strip()
        if out and not stripped.startswith("- ") and out[-1] != "Sources" and not out[-1].endswith(":"):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped)
    return "\n".join(out)
