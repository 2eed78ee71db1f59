"""The PDF capacity proposal: Jinja2 templates + WeasyPrint over the estimate.

- :func:`render_html` — the proposal of an :class:`~xlcompute.estimate.Estimate` as HTML (en or zh);
- :func:`write_proposal` — render a scenario to a PDF/A-3b file (or HTML), with attachments.

Templates and the one stylesheet live in the top-level ``templates/`` folder, installed as the
package ``xlcompute.templates`` (:data:`TEMPLATES_DIR`). Every number comes from the estimate (or
from calling the core with its inputs) and is formatted by :mod:`xlcompute.fmt`; see
:mod:`xlcompute.report.context`.

This package needs the ``pdf`` extra (``pip install "xlcompute[pdf]"``); without it, importing it
raises :class:`~xlcompute._pdf_stack.PdfStackMissingError` (an ``ImportError``) naming that fix.
"""

from xlcompute._pdf_stack import require_pdf_stack

# Before the imports below, so a base install fails with the fix, not "No module named 'jinja2'".
require_pdf_stack()

from xlcompute.report.render import TEMPLATES_DIR, render_html, render_pdf, write_proposal  # noqa: E402

__all__ = ["TEMPLATES_DIR", "render_html", "render_pdf", "write_proposal"]
