"""Render the capacity proposal: Jinja2 → HTML → WeasyPrint → PDF/A-3b with attachments.

The Jinja2 environment autoescapes everything and uses ``StrictUndefined`` (a typo in a template
fails the render instead of printing nothing). Scenario text (name, organisation, description)
reaches the HTML only as escaped data, so ``<script>`` or ``{{ 7*7 }}`` in a scenario prints
literally: Jinja never evaluates data, it only escapes it.

The PDF is PDF/A-3b (ISO 19005-3, archival, embedded files allowed), carries title, author,
subject and keywords (WeasyPrint reads them from ``<title>`` and ``<meta name=author|description|
keywords>``) and embeds the given files (scenario, planning workbook) as associated files.
Files are written atomically: a temporary file in the target folder, then ``os.replace``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import gc
import importlib.resources
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2
from markupsafe import Markup

from xlcompute import fmt
from xlcompute._atomic import atomic_write
from xlcompute._pdf_stack import import_weasyprint
from xlcompute.estimate import Estimate
from xlcompute.report.cjk import keep_together
from xlcompute.report.context import build_context
from xlcompute.report.i18n import LANGS

__all__ = ["TEMPLATES_DIR", "render_html", "render_pdf", "write_proposal", "environment", "report_date"]

_TEMPLATES_PACKAGE = "xlcompute.templates"
_TEMPLATE = "proposal.html.j2"
_STYLESHEET = "proposal.css"


def _templates_dir() -> Path:
    """The folder of the package ``xlcompute.templates``: the top-level ``templates/`` of the
    source tree in an editable install, ``site-packages/xlcompute/templates`` from a wheel.

    Found through the import system (pyproject.toml maps the folder into the package), never
    relative to this file, so it is right wherever the package is installed.
    """
    try:
        root = importlib.resources.files(_TEMPLATES_PACKAGE)
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            f"the proposal templates ({_TEMPLATES_PACKAGE}) are not installed; reinstall xlcompute "
            "from its wheel or with pip install -e . in the source tree"
        ) from exc
    # Jinja2's FileSystemLoader and WeasyPrint's base_url need a real folder; pip always
    # installs a wheel unpacked, so only an unusual importer (a zip) ends up here.
    if not isinstance(root, Path):
        raise FileNotFoundError(f"the proposal templates must be a folder on disk, got {root!r}")
    return root


TEMPLATES_DIR: Path = _templates_dir()
"""The folder of the proposal templates and stylesheet (the package ``xlcompute.templates``)."""

_ATTACHMENT_KINDS = {".xlsx": "planning workbook", ".yaml": "scenario", ".yml": "scenario",
                     ".toml": "scenario", ".json": "scenario"}


@functools.cache
def environment() -> jinja2.Environment:
    """The proposal's Jinja2 environment: autoescape on, StrictUndefined, fmt filters."""
    if not (TEMPLATES_DIR / _TEMPLATE).is_file():
        raise FileNotFoundError(
            f"proposal template {_TEMPLATE} not found in {TEMPLATES_DIR}; the installed package is "
            "incomplete: reinstall xlcompute"
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update({
        "count": fmt.count,
        "days": fmt.days,
        "hours": fmt.hours,
        "sci": fmt.sci,
        "pct": fmt.percent,
        "gb": fmt.gb,
        "plain": fmt.plain,
        "num": fmt.number,
        "money": _money_filter,
    })
    return env


@jinja2.pass_context
def _money_filter(ctx: Any, x: float, digits: int = 0) -> str:
    return fmt.money(x, ctx["currency"], digits)


def report_date() -> _dt.date:
    """Today, or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds of the samples)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).date()
    return _dt.date.today()


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")


def render_html(
    result: Estimate,
    lang: str = "en",
    *,
    today: _dt.date | None = None,
    attachment_names: Sequence[str] = (),
) -> str:
    """The proposal for ``result`` as one self-contained HTML document (stylesheet inlined)."""
    _check_lang(lang)
    env = environment()
    scenario_file = next((n for n in attachment_names if _ATTACHMENT_KINDS.get(Path(n).suffix.lower()) == "scenario"),
                         None)
    ctx = build_context(result, lang, today or report_date(), scenario_file)
    ctx["css"] = Markup((TEMPLATES_DIR / _STYLESHEET).read_text(encoding="utf-8"))
    ctx["attachment_names"] = list(attachment_names)
    return env.get_template(_TEMPLATE).render(ctx)


def _attachment(weasyprint: ModuleType, path: Path) -> Any:
    kind = _ATTACHMENT_KINDS.get(path.suffix.lower(), "attachment")
    # PDF/A-3 AFRelationship: the scenario is the source of every figure; the workbook is data
    # that carries the same formulas.
    relationship = "Source" if kind == "scenario" else "Data"
    return weasyprint.Attachment(filename=str(path), name=path.name, description=kind, relationship=relationship)


def render_pdf(html: str, attachments: Iterable[Path] = (), *, validation_table: bool = True) -> bytes:
    """PDF/A-3b bytes of a rendered proposal, with ``attachments`` embedded, and with
    ``validation_table`` the CSV of every validation run the appendix summarises
    (``validation-runs.csv``, the table ``xlcompute validate -o`` writes)."""
    # Imported late: WeasyPrint loads Pango and fonts (~0.5 s). A missing or unloadable Pango
    # becomes PdfStackMissingError, one line that names the fix.
    weasyprint = import_weasyprint()
    files = [Path(p) for p in attachments]
    for p in files:
        if not p.is_file():
            raise FileNotFoundError(f"attachment {str(p)!r} does not exist or is not a file")
    if '<html lang="zh-Hans"' in html[:400]:
        # Chinese line breaking for Pango: numbers with their classifiers and common words unbreakable,
        # no orphan character at the end of a paragraph (report/cjk.py; the stylesheet's .nw spans).
        # Only here: the HTML itself (render_html, --html) keeps its text unwrapped.
        html = keep_together(html)
    with _cyclic_gc_paused():
        document = weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).render()
        embedded = [_attachment(weasyprint, p) for p in files]
        if validation_table:
            embedded.append(_validation_attachment(weasyprint))
        return document.write_pdf(pdf_variant="pdf/a-3b", attachments=embedded)


def _validation_attachment(weasyprint: ModuleType) -> Any:
    """The appendix's full per-run table as an embedded CSV (PDF/A-3 AFRelationship Supplement: it
    supplements the printed runs); the same report the appendix was built from (cached per process)."""
    from xlcompute.planner.validation import report_csv
    from xlcompute.report.context.validation import VALIDATION_CSV, validation_report

    table = report_csv(validation_report(), include_external=True)
    return weasyprint.Attachment(string=table, name=VALIDATION_CSV, relationship="Supplement",
                                 description="step-time validation: every predicted run")


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while WeasyPrint lays out and writes the PDF.

    A render allocates a few million short-lived objects (boxes, computed styles, glyph runs),
    which triggers dozens of collections, each scanning every live object again, including the
    fonts and modules loaded before the render. Pausing it and collecting the render's cycles
    once afterwards (they are all still in the youngest generation) renders ~8-10% faster
    (benchmarks/bench_proposal.py) for ~50-100 MB more peak memory. The collector is restored
    even if rendering fails, and left alone if the caller had disabled it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def write_proposal(
    result: Estimate,
    path: str | Path,
    lang: str = "en",
    attachments: Sequence[Path] = (),
    html: bool = False,
    *,
    today: _dt.date | None = None,
) -> Path:
    """Render the proposal of an estimate to ``path`` (the face never estimates itself).

    PDF/A-3b by default, with ``attachments`` embedded; ``html=True`` writes the HTML instead
    (attachments are then only listed). Returns the path written.
    """
    _check_lang(lang)
    if not isinstance(result, Estimate):
        raise TypeError(f"write_proposal takes an Estimate (xlcompute.estimate(scenario)), got {type(result).__name__}")
    target = Path(path)
    files = [Path(p) for p in attachments]
    page = render_html(result, lang, today=today, attachment_names=[p.name for p in files])
    data = page.encode("utf-8") if html else render_pdf(page, files)
    with atomic_write(target) as tmp:
        tmp.write_bytes(data)
    return target
