"""Batch production: many scenarios → many workbooks (and proposals), in parallel.

``xlcompute batch INPUT -o OUTDIR [--pdf] [-j N] [--force] [--lang en|zh]``

INPUT is either a folder of scenario files (``.yaml``, ``.yml``, ``.toml``, ``.json``; one scenario
per file, output named after the file) or one table (``.csv`` / ``.xlsx``, one scenario per row,
output named after the ``name`` column). Table columns are scenario fields, dotted for nested ones,
for example::

    name, model.preset, training.tokens, training.tp, training.pp, cluster.accelerator, cluster.cards,
    assumptions.mfu, pricing.currency, pricing.price_per_card_hour

An empty cell takes the field's default (``xlcompute schema`` lists every field). Each scenario
runs in its own worker process; a bad one is reported with its file or row, the field and the
reason while the others go on, and the exit code is 1 when any failed. ``index.xlsx`` in OUTDIR
summarises every scenario with a link to its workbook. Files are written atomically; a rerun
skips outputs that exist and are newer than their source unless ``--force`` is given.

Batch is orchestration, not a face: it calls the workbook face and, with ``--pdf``, the proposal
face (``xlcompute.report.write_proposal``). The command itself is :mod:`xlcompute.cli.batch`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

from xlcompute._atomic import OutputNotWritableError, atomic_write
from xlcompute._names import unique_slugs
from xlcompute._tables import TABLE_SUFFIXES, TableError, read_table
from xlcompute.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = ["BatchItem", "BatchReport", "BatchInputError", "run_batch", "SCENARIO_SUFFIXES",
           "SUMMARY_KEYS", "INDEX_NAME"]

SCENARIO_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
INDEX_NAME = "index.xlsx"
# Key results in index.xlsx, in column order.
SUMMARY_KEYS: tuple[str, ...] = (
    "gpu_count", "train_flops", "train_days", "gpu_hours", "mem_per_gpu_gb", "mem_fits", "serving_cards",
    "train_cost", "capex_total", "total_budget",
)


class BatchInputError(ValueError):
    """INPUT or OUTDIR cannot be used at all (one readable line)."""


class BatchItem(BaseModel):
    """The outcome of one scenario of a batch."""

    source: str = Field(description="file name or 'table.csv row 3'")
    stem: str = Field(description="sanitised output name without extension")
    name: str = ""
    status: Literal["ok", "skipped", "failed"] = "failed"
    workbook: Optional[str] = None
    pdf: Optional[str] = None
    problems: list[str] = Field(default_factory=list)
    model_name: str = ""
    accelerator_name: str = ""
    currency: str = ""
    summary: dict[str, float] = Field(default_factory=dict)


class BatchReport(BaseModel):
    """Every scenario's outcome and the index file."""

    items: list[BatchItem]
    index: Optional[str] = None

    @property
    def failed(self) -> list[BatchItem]:
        return [i for i in self.items if i.status == "failed"]


class _Job(BaseModel):
    source: str
    stem: str
    path: Optional[str] = None  # scenario file
    data: Optional[dict[str, Any]] = None  # table row
    mtime: float = 0.0


# -- collecting the jobs ------------------------------------------------------------------------


def _collect(input_path: Path) -> list[_Job]:
    if input_path.is_dir():
        files = sorted(p for p in input_path.iterdir() if p.is_file() and p.suffix.lower() in SCENARIO_SUFFIXES
                       and not p.name.startswith("."))
        if not files:
            raise BatchInputError(f"{str(input_path)!r} holds no scenario files ({', '.join(SCENARIO_SUFFIXES)})")
        stems = unique_slugs([p.stem for p in files], taken={Path(INDEX_NAME).stem})
        return [_Job(source=p.name, stem=s, path=str(p), mtime=p.stat().st_mtime) for p, s in zip(files, stems)]
    if input_path.is_file():
        if input_path.suffix.lower() in SCENARIO_SUFFIXES:
            stem = unique_slugs([input_path.stem], taken={Path(INDEX_NAME).stem})[0]
            return [_Job(source=input_path.name, stem=stem, path=str(input_path), mtime=input_path.stat().st_mtime)]
        if input_path.suffix.lower() not in TABLE_SUFFIXES:
            raise BatchInputError(
                f"{input_path.name}: use a folder of scenario files or a .csv / .xlsx table"
            )
        try:
            rows = read_table(input_path)
        except TableError as exc:
            raise BatchInputError(str(exc)) from None
        names = [str(r.data.get("name") or f"row-{r.row}") for r in rows]
        stems = unique_slugs(names, taken={Path(INDEX_NAME).stem})
        mtime = input_path.stat().st_mtime
        return [_Job(source=r.source, stem=s, data=r.data, mtime=mtime) for r, s in zip(rows, stems)]
    raise BatchInputError(f"{str(input_path)!r} does not exist")


def _check_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise BatchInputError(f"-o: {str(outdir)!r} exists and is not a folder")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        with atomic_write(outdir / ".xlcompute-write-test") as tmp:
            tmp.write_bytes(b"")
        (outdir / ".xlcompute-write-test").unlink()
    except OutputNotWritableError as exc:
        raise BatchInputError(str(exc)) from None
    except OSError as exc:
        raise BatchInputError(f"cannot write to the output folder {str(outdir)!r}: {exc.strerror or exc}") from None
    # Temp files of a batch killed mid-write (atomic_write cleans up everything short of SIGKILL).
    for stale in outdir.glob(".*.xlsx.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    for stale in outdir.glob(".*.pdf.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


# -- one scenario (runs in a worker process) ------------------------------------------------------


def _load(job: _Job) -> Scenario:
    if job.path is not None:
        return load_scenario(job.path)
    data = dict(job.data or {})
    if "__table_error__" in data:
        raise ScenarioError([data["__table_error__"]], job.source)
    return parse_scenario(data, job.source)


def _up_to_date(path: Path, source_mtime: float) -> bool:
    return path.is_file() and path.stat().st_mtime >= source_mtime


def _produce(job: _Job, outdir: str, lang: str, pdf: bool, force: bool) -> BatchItem:
    """Load, estimate and write one scenario; every error becomes the item's problems."""
    item = BatchItem(source=job.source, stem=job.stem)
    try:
        scenario = _load(job)
        from xlcompute.estimate import estimate

        result = estimate(scenario)
    except ScenarioError as exc:
        item.problems = list(exc.problems)
        return item
    except ValueError as exc:
        item.problems = [str(exc)]
        return item
    item.name = scenario.name
    item.model_name = result.model_name
    item.accelerator_name = result.accelerator_name
    item.currency = scenario.pricing.currency
    item.summary = {k: float(result[k]) for k in SUMMARY_KEYS}
    out = Path(outdir)
    wb_path = out / f"{job.stem}.xlsx"
    pdf_path = out / f"{job.stem}.pdf"
    wrote = False
    try:
        if force or not _up_to_date(wb_path, job.mtime):
            from xlcompute.workbook import write_workbook

            write_workbook(result, wb_path, lang)
            wrote = True
        item.workbook = wb_path.name
        if pdf:
            if force or not _up_to_date(pdf_path, job.mtime):
                from xlcompute.report import write_proposal  # type: ignore[import-not-found]

                write_proposal(result, pdf_path, lang=lang, attachments=[wb_path])
                wrote = True
            item.pdf = pdf_path.name
    except Exception as exc:  # one scenario's failure must not stop the batch; report it instead
        item.problems = [f"writing the output: {type(exc).__name__}: {exc}"]
        return item
    item.status = "ok" if wrote else "skipped"
    return item


# -- the index ---------------------------------------------------------------------------------------


def _write_index(items: list[BatchItem], path: Path, lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from xlcompute import registry
    from xlcompute.workbook.styles import put_text, register_styles, style_header

    zh = lang == "zh"
    wb = Workbook()
    register_styles(wb)
    ws = wb.active
    ws.title = "Index"
    headers = ["场景" if zh else "Scenario", "来源" if zh else "Source", "状态" if zh else "Status",
               "模型" if zh else "Model", "加速卡" if zh else "Accelerator"]
    headers += [registry.label(k, lang) for k in SUMMARY_KEYS]
    headers += ["货币" if zh else "Currency", "PDF", "问题" if zh else "Problems"]
    for col, h in enumerate(headers, start=1):
        style_header(ws.cell(row=1, column=col, value=h))
    for r, item in enumerate(items, start=2):
        name_cell = ws.cell(row=r, column=1)
        put_text(name_cell, item.name or item.stem)  # scenario text: data, never a formula
        if item.workbook:
            # Relative link to a sanitised file name of our own making, never to scenario text.
            name_cell.hyperlink = item.workbook
            name_cell.font = Font(color="0563C1", underline="single")
        put_text(ws.cell(row=r, column=2), item.source)
        put_text(ws.cell(row=r, column=3), item.status)
        put_text(ws.cell(row=r, column=4), item.model_name)
        put_text(ws.cell(row=r, column=5), item.accelerator_name)
        for j, key in enumerate(SUMMARY_KEYS):
            if key in item.summary:
                c = ws.cell(row=r, column=6 + j, value=item.summary[key])
                c.number_format = registry.excel_format(key, item.currency or "CNY")
        base = 6 + len(SUMMARY_KEYS)
        put_text(ws.cell(row=r, column=base), item.currency)
        if item.pdf:
            c = ws.cell(row=r, column=base + 1)
            put_text(c, item.pdf)
            c.hyperlink = item.pdf
        put_text(ws.cell(row=r, column=base + 2), "; ".join(item.problems))
    ws.freeze_panes = "B2"
    for col, width in zip("ABCDE", (40, 26, 9, 20, 22)):
        ws.column_dimensions[col].width = width
    ws.auto_filter.ref = ws.dimensions
    wb.properties.creator = "xlcompute"
    wb.properties.title = "xlcompute batch index"
    with atomic_write(path) as tmp:
        wb.save(tmp)


# -- the batch -----------------------------------------------------------------------------------------


def run_batch(
    input_path: str | Path,
    outdir: str | Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    pdf: bool = False,
    lang: str = "en",
    on_progress: Callable[[BatchItem], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BatchReport:
    """Produce a workbook (and with ``pdf`` a proposal) per scenario of ``input_path`` into
    ``outdir``, then ``index.xlsx``. Raises :class:`BatchInputError` when INPUT or OUTDIR is
    unusable; per-scenario failures are in the report."""
    if lang not in ("en", "zh"):
        raise BatchInputError(f"--lang: must be en or zh, got {lang!r}")
    if pdf:
        try:
            from xlcompute.report import write_proposal  # type: ignore[import-not-found]  # noqa: F401
        except ImportError as exc:
            # Without the pdf extra the error is PdfStackMissingError, whose message names the fix.
            raise BatchInputError(f"--pdf needs the proposal module (xlcompute.report): {exc}") from None
    in_path, out = Path(input_path), Path(outdir)
    job_list = _collect(in_path)
    _check_outdir(out)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(job_list)))
    if on_start is not None:
        on_start(len(job_list))
    done: dict[int, BatchItem] = {}
    if workers == 1:
        for i, job in enumerate(job_list):
            done[i] = _produce(job, str(out), lang, pdf, force)
            if on_progress is not None:
                on_progress(done[i])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_produce, job, str(out), lang, pdf, force): i for i, job in enumerate(job_list)}
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    done[i] = fut.result()
                except Exception as exc:  # a crashed worker (e.g. killed): report, go on
                    job = job_list[i]
                    done[i] = BatchItem(source=job.source, stem=job.stem,
                                        problems=[f"worker failed: {type(exc).__name__}: {exc}"])
                if on_progress is not None:
                    on_progress(done[i])
    items = [done[i] for i in range(len(job_list))]
    index = out / INDEX_NAME
    _write_index(items, index, lang)
    return BatchReport(items=items, index=str(index))
