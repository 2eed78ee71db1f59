"""The PDF capacity proposal: Jinja2 templates + WeasyPrint over the estimate.

- :func:`render_html` — the proposal of an :class:`~xlcompute.estimate.Estimate` as HTML (en or zh);
- :func:`write_proposal` — render a scenario to a PDF/A-3b file (or HTML), with attachments.

Templates and the one stylesheet live in the top-level ``templates/`` folder, installed as the
package ``xlcompute.templates`` (:data:`TEMPLATES_DIR`). Every number comes from the estimate (or
from calling the core with its inputs) and is formatted by :mod:`xlcompute.fmt`; see
:mod:`xlcompute.report.context`.
"""

from xlcompute.report.render import TEMPLATES_DIR, render_html, render_pdf, write_proposal

__all__ = ["TEMPLATES_DIR", "render_html", "render_pdf", "write_proposal"]
