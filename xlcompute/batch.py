"""Batch production: many scenarios → many workbooks (and proposals), in parallel.

``xlcompute batch INPUT... -o OUTDIR [--pdf] [-j N] [--force] [--lang en|zh] [--timeout SECONDS]``

Each INPUT is a folder of scenario files (``.yaml``, ``.yml``, ``.toml``, ``.json``; one scenario
per file, output named after the file) and tables (read as tables; not the ``.xlsx`` of OUTDIR when
the folder is OUTDIR, nor a workbook xlcompute wrote: those are named as ignored), a scenario file
(so a shell glob such as ``scenarios/*.yaml`` works) or a table (``.csv`` / ``.xlsx``, one scenario per row, output named
after the ``name`` column; names that make one file name get ``-2``, ``-3`` and a note). Table columns are scenario fields, dotted for nested ones,
for example::

    name, model.preset, training.tokens, training.tp, training.pp, cluster.accelerator, cluster.cards,
    assumptions.mfu, pricing.currency, pricing.price_per_card_hour

An empty cell takes the field's default (``xlcompute schema`` lists every field). Output names are
cut to fit the file system (:mod:`xlcompute._names`, in UTF-8 bytes) and kept unique.

Faults stay with their scenario. Each scenario runs in a worker process; a bad one is reported
with its file or row, the field and the reason while the others go on, and the exit code is 1
when any failed. The outputs an earlier run recorded for a scenario that now fails are removed
(their figures are of an input that is gone), and so is the recorded PDF of a scenario rewritten
without ``--pdf``; a file of those names the record does not prove is the batch's is left and named.
A plan that is written but cannot run as planned (training memory beyond the card's, a missed
``training.deadline_days``) has the status ``warning`` and its reason in words; warnings leave the
exit code alone. A scenario that runs longer than ``timeout`` seconds (:data:`DEFAULT_TIMEOUT`),
counted from when its worker starts it (a new worker's start-up, importing the package, is not the
scenario's time; it has its own bound, :data:`START_UP_LIMIT`), is reported failed with that reason,
its worker is killed and replaced, and the batch goes on; so is one whose worker crashed, in its
start-up or in the scenario. ``index.xlsx`` in OUTDIR lists every scenario, failed ones
included, with a link to its workbook; text that a workbook cannot hold (control characters) is
replaced, never a reason to stop.

Interruptions leave only complete files. A worker makes a scenario's workbook (and proposal,
which embeds that very workbook) in its own work folder in OUTDIR and renames them into place
only when both are whole; the work folder and every other temp carry the writer's PID in their
name (:mod:`xlcompute._atomic`). The next run removes the temps of writers that are gone, never
those of another batch still writing into the same folder. Workers die with the batch process:
on Linux the kernel kills them (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread in each
worker ends it within a second of the batch process going away.

Reruns redo what changed. Next to the outputs, ``.xlcompute-batch/<name>.json`` records the key
they were made from (a SHA-256 of the scenario file's bytes, or of the table row, with the
language, ``--pdf`` and the package version) and each output's size, time stamp and SHA-256. A
rerun skips a scenario only when its key is the recorded one and every output is still the file
recorded (not deleted, not replaced); any other is redone, and ``--force`` redoes all. A skipped
scenario is not estimated again: its index row comes from the record. Records
are written atomically after their outputs, one file per output name, so two batches writing into
one folder cannot corrupt them: at worst a record no longer matches its file, and that output is
redone. With one worker and no time limit (``jobs=1, timeout=None``) the scenarios run in this
process.

Batch is orchestration, not a face: it calls the workbook face and, with ``--pdf``, the proposal
face (``xlcompute.report.write_proposal``). The command itself is :mod:`xlcompute.cli.batch`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import sys
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field, ValidationError

from xlcompute import __version__
from xlcompute._atomic import (
    OutputNotWritableError,
    atomic_write,
    check_writable_folder,
    move_into_place,
    pid_alive,
    remove_stale_temps,
    temp_path,
)
from xlcompute._builtin import builtin_text
from xlcompute._names import slug, unique_slugs
from xlcompute._tables import TABLE_SUFFIXES, TableError, read_table
from xlcompute.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = ["BatchItem", "BatchReport", "BatchInputError", "run_batch", "SCENARIO_SUFFIXES",
           "SUMMARY_KEYS", "INDEX_NAME", "RECORD_DIR", "DEFAULT_TIMEOUT", "START_UP_LIMIT", "status_text",
           "source_text", "problem_text", "item_notes"]

SCENARIO_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
INDEX_NAME = "index.xlsx"
RECORD_DIR = ".xlcompute-batch"
# Seconds one scenario may take (estimate, workbook, proposal), counted from when its worker starts it.
# A large PDF takes well under a minute; ten minutes means the worker hangs.
DEFAULT_TIMEOUT = 600.0
START_UP_LIMIT = 120.0
"""Seconds a worker process may take, once sent a scenario, to start it (with a time limit set): a new
worker first imports the package, which takes seconds on a loaded machine and is not the scenario's
time. A worker not started by then hangs; it is killed and its scenario fails."""
# Key results in index.xlsx, in column order.
SUMMARY_KEYS: tuple[str, ...] = (
    "gpu_count", "train_flops", "train_days", "gpu_hours", "mem_per_gpu_gb", "mem_fits", "serving_cards",
    "train_cost", "capex_total", "total_budget",
)
_TRAINING_KEYS = ("train_flops", "train_days", "gpu_hours", "mem_per_gpu_gb", "mem_fits", "train_cost")
# 2: items carry warnings (a plan that does not fit or misses its deadline); a format-1 record is redone.
_RECORD_FORMAT = 2
# Linux: forked from a clean single-threaded server (the batch process runs a progress thread,
# and fork() of a threaded process can deadlock the child); elsewhere the platform's default.
_START_METHOD: Optional[str] = "forkserver" if sys.platform.startswith("linux") else None
_WATCH_SECONDS = 0.5  # how often a worker checks that the batch process is still there


class BatchInputError(ValueError):
    """INPUT or OUTDIR cannot be used at all (one readable line)."""


class BatchItem(BaseModel):
    """The outcome of one scenario of a batch."""

    source: str = Field(description="file name or 'table.csv row 3'")
    stem: str = Field(description="sanitised output name without extension")
    name: str = ""
    status: Literal["ok", "warning", "skipped", "failed"] = "failed"
    workbook: Optional[str] = None
    pdf: Optional[str] = None
    problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list, description="why a plan that was written cannot run as planned (training memory, "
                                          "deadline), in the batch's language; kept when the scenario is skipped")
    removed: list[str] = Field(
        default_factory=list, description="outputs an earlier run of this batch recorded for this scenario that "
                                          "no longer match it (its input now fails, or the PDF of a run with --pdf), "
                                          "removed")
    left: list[str] = Field(
        default_factory=list, description="files of this scenario's output names in OUTDIR that the record does "
                                          "not show this batch wrote (another tool's, or edited since): left in place")
    same_name: list[str] = Field(
        default_factory=list, description="output stems of the other scenarios of this batch whose names give the same "
                                          "file name (two rows named alike): their files are told apart by -2, -3")
    same_name_failed: list[str] = Field(
        default_factory=list, description="sources of the scenarios of the same file name that failed: they wrote "
                                          "no file, yet the names went by the order of the inputs")
    model_name: str = ""
    accelerator_name: str = ""
    currency: str = ""
    summary: dict[str, float] = Field(default_factory=dict)


class BatchReport(BaseModel):
    """Every scenario's outcome and the index file."""

    items: list[BatchItem]
    index: Optional[str] = None
    index_error: Optional[str] = Field(None, description="why index.xlsx could not be written")
    others: list[str] = Field(
        default_factory=list,
        description="workbooks in OUTDIR that an earlier batch wrote for scenarios not in this one (a row "
                    "deleted from a table, another batch's files): left in place, and not in this index")

    ignored: list[str] = Field(
        default_factory=list, description="tables in an INPUT folder that were not read: the output folder's own "
                                          "workbooks when INPUT is OUTDIR, and workbooks xlcompute wrote")

    @property
    def failed(self) -> list[BatchItem]:
        return [i for i in self.items if i.status == "failed"]

    @property
    def warned(self) -> list[BatchItem]:
        """Plans written (or up to date) that cannot run as planned: not failures, the exit code stays 0."""
        return [i for i in self.items if i.warnings and i.status != "failed"]


class _Job(BaseModel):
    source: str
    stem: str
    path: Optional[str] = None  # scenario file
    data: Optional[dict[str, Any]] = None  # table row
    content: str = ""  # SHA-256 of the file's bytes or of the row; "" when unreadable
    key: str = ""  # content + options: what the outputs are made from
    same_name: list[str] = []  # stems of the other jobs whose names make the same file name


class _Output(BaseModel):
    sha256: str
    size: int
    mtime_ns: int


class _Record(BaseModel):
    """``.xlcompute-batch/<stem>.json``: what the outputs of one scenario were made from."""

    format: Literal[2] = _RECORD_FORMAT
    key: str
    item: BatchItem
    outputs: dict[str, _Output]


# -- collecting the jobs ------------------------------------------------------------------------


def _file_sha(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _content_of(job: _Job) -> str:
    if job.path is not None:
        try:
            return _file_sha(job.path)
        except OSError:
            return ""  # the worker reports why it cannot be read
    row = json.dumps(job.data, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(row.encode("utf-8", "surrogatepass")).hexdigest()


def _key(content: str, lang: str, pdf: bool) -> str:
    if not content:
        return ""
    parts = {"record": _RECORD_FORMAT, "version": __version__, "lang": lang, "pdf": pdf, "content": content}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _folder_files(folder: Path, outdir: Optional[Path]) -> tuple[list[Path], list[str]]:
    """A folder's scenario files and tables, by name; and the tables not read: in the output folder
    itself, its .xlsx files are this batch's own workbooks and index, never scenario tables; in any
    folder, a planning workbook or index xlcompute wrote (workbooks/scenarios holds one per scenario)."""
    own = outdir is not None and _same_folder(folder, outdir)
    files: list[Path] = []
    ignored: list[str] = []
    for p in sorted(folder.iterdir()):
        # "~$book.xlsx" is the lock file Excel keeps beside an open workbook.
        if not p.is_file() or p.name.startswith((".", "~$")):
            continue
        suffix = p.suffix.lower()
        if suffix == ".xlsx" and (own or _written_by_xlcompute(p)):
            ignored.append(str(p))
        elif suffix in SCENARIO_SUFFIXES or suffix in TABLE_SUFFIXES:
            files.append(p)
    return files, ignored


_CREATOR = re.compile(rb"<dc:creator>\s*xlcompute\s*</dc:creator>")
_SCENARIOS_SHEET = re.compile(rb"<sheet\b[^>]*\bname=\"scenarios\"", re.IGNORECASE)


def _written_by_xlcompute(path: Path) -> bool:
    """A planning workbook or index.xlsx xlcompute wrote (its creator, which Excel keeps on saving), unless it
    has a sheet named "scenarios", which makes it a table on purpose. Unreadable files are left to the reader,
    which names the problem."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml")[:100_000] if "docProps/core.xml" in z.namelist() else b""
            if not _CREATOR.search(core):
                return False
            return not _SCENARIOS_SHEET.search(z.read("xl/workbook.xml")[:1_000_000])
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _collect_one(input_path: Path, label: Callable[[Path], str], several: bool = False,
                 outdir: Optional[Path] = None, ignored: Optional[list[str]] = None,
                 seen: Optional[set[Path]] = None) -> list[tuple[str, str, dict[str, Any] | Path]]:
    """(source, name its output stem is made from, file or table row) of each scenario of one INPUT.
    With ``several`` INPUTs a table that cannot be read is one failed entry, so the others still run;
    so is one of the tables in a folder. A folder's tables are read as tables (not skipped unseen)."""
    if input_path.is_dir():
        files, skipped = _folder_files(input_path, outdir)
        if ignored is not None:
            ignored.extend(skipped)
        if not files:
            raise BatchInputError(f"{str(input_path)!r} holds no scenario files ({', '.join(SCENARIO_SUFFIXES)}) "
                                  f"or tables ({', '.join(TABLE_SUFFIXES)})")
        found: list[tuple[str, str, dict[str, Any] | Path]] = []
        for p in files:
            found += _collect_one(p, label, several=True, seen=seen)
        return found
    if input_path.is_file():
        if input_path.suffix.lower() in SCENARIO_SUFFIXES:
            return [(label(input_path), input_path.stem, input_path)]
        if input_path.suffix.lower() not in TABLE_SUFFIXES:
            raise BatchInputError(
                f"{input_path.name}: use a folder of scenario files, scenario files or a .csv / .xlsx table"
            )
        if seen is not None:  # a table both in a folder given and given itself is read once
            with contextlib.suppress(OSError):
                resolved = input_path.resolve()
                if resolved in seen:
                    return []
                seen.add(resolved)
        try:
            rows = read_table(input_path)
        except TableError as exc:
            if several:
                # The message starts with the table's name already: not the path again before it.
                return [(label(input_path), input_path.stem, {"__table_error__": str(exc)})]
            raise BatchInputError(str(exc)) from None
        return [(r.source, str(r.data.get("name") or f"row-{r.row}"), r.data) for r in rows]
    raise BatchInputError(f"{str(input_path)!r} does not exist")


def _collect(inputs: Sequence[Path], outdir: Optional[Path] = None,
             ignored: Optional[list[str]] = None) -> list[_Job]:
    """The scenarios of every INPUT (folders, scenario files, tables), in the order given, each file
    once; output stems unique over all of them. One INPUT names its files by file name, as before;
    several name them by the path typed, so two a.yaml of two folders stay apart in messages.
    Tables of a folder that are not read (``outdir``'s own workbooks) go to ``ignored``."""
    if not inputs:
        raise BatchInputError("no INPUT given: a folder of scenario files, scenario files or a .csv / .xlsx table")
    label: Callable[[Path], str] = (lambda p: p.name) if len(inputs) == 1 else str
    found: list[tuple[str, str, dict[str, Any] | Path]] = []
    seen: set[Path] = set()
    for input_path in inputs:
        for source, name, what in _collect_one(input_path, label, several=len(inputs) > 1, outdir=outdir,
                                               ignored=ignored, seen=seen):
            if isinstance(what, Path):
                resolved = what.resolve()
                if resolved in seen:  # a file a glob and a folder both name is one scenario
                    continue
                seen.add(resolved)
            found.append((source, name, what))
    stems = unique_slugs([name for _, name, _ in found], taken={Path(INDEX_NAME).stem})
    jobs = [_Job(source=source, stem=stem, path=str(what)) if isinstance(what, Path)
            else _Job(source=source, stem=stem, data=what) for (source, _, what), stem in zip(found, stems)]
    # Names that make one file name (dup and dup, Alpha and alpha): said, since -2 follows the order of the rows.
    groups: dict[str, list[int]] = {}
    for i, (_, name, _) in enumerate(found):
        groups.setdefault(slug(name).lower(), []).append(i)
    for group in groups.values():
        for i in group if len(group) > 1 else ():
            jobs[i].same_name = [jobs[j].stem for j in group if j != i]
    return jobs


def _check_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise BatchInputError(f"-o: {str(outdir)!r} exists and is not a folder")
    try:
        check_writable_folder(outdir)
    except OutputNotWritableError as exc:
        raise BatchInputError(str(exc)) from None
    except OSError as exc:
        raise BatchInputError(f"cannot write to the output folder {str(outdir)!r}: {exc.strerror or exc}") from None
    _remove_stale(outdir)


def _remove_stale(outdir: Path, pid: Optional[int] = None) -> None:
    """Temps (and work folders) of writers that are gone: a batch or worker killed mid-write."""
    remove_stale_temps(outdir, pid=pid)
    remove_stale_temps(outdir / RECORD_DIR, pid=pid)


# -- the record of what each output was made from ------------------------------------------------


def _record_path(outdir: Path, stem: str) -> Path:
    return outdir / RECORD_DIR / f"{stem}.json"


def _describe(path: Path) -> _Output:
    st = path.stat()
    return _Output(sha256=_file_sha(path), size=st.st_size, mtime_ns=st.st_mtime_ns)


def _still_there(path: Path, rec: _Output) -> bool:
    """Is ``path`` still the file recorded? Size and time stamp first; the hash when only the
    time stamp moved (a copy back, a restore), so a replaced file is always caught."""
    try:
        st = path.stat()
    except OSError:
        return False
    if not path.is_file() or st.st_size != rec.size:
        return False
    if st.st_mtime_ns == rec.mtime_ns:
        return True
    try:
        return _file_sha(path) == rec.sha256
    except OSError:
        return False


def _recorded_item(outdir: Path, job: _Job, pdf: bool) -> Optional[BatchItem]:
    """The item of an earlier run when the outputs are up to date for ``job``, else None."""
    if not job.key:
        return None
    try:
        record = _Record.model_validate_json(_record_path(outdir, job.stem).read_bytes())
    except (OSError, ValidationError, ValueError):
        return None
    if record.key != job.key or record.item.stem != job.stem:
        return None
    wanted = [f"{job.stem}.xlsx"] + ([f"{job.stem}.pdf"] if pdf else [])
    if any(n not in record.outputs or not _still_there(outdir / n, record.outputs[n]) for n in wanted):
        return None
    # The plan's warnings stay: a skipped plan that does not fit still does not fit.
    return record.item.model_copy(update={"source": job.source, "status": "skipped", "problems": [],
                                          "removed": [], "left": []})


def _recorded_outputs(outdir: Path, stem: str) -> dict[str, _Output]:
    """The outputs the record of ``stem`` says this batch wrote (a record of any format), {} without one.
    Only the scenario's own output names count: a record is never a way to name another file."""
    try:
        raw = json.loads(_record_path(outdir, stem).read_bytes())
    except (OSError, ValueError):
        return {}
    outputs = raw.get("outputs") if isinstance(raw, dict) else None
    if not isinstance(outputs, dict):
        return {}
    found: dict[str, _Output] = {}
    for name in (f"{stem}.xlsx", f"{stem}.pdf"):
        with contextlib.suppress(ValidationError, ValueError):
            if name in outputs:
                found[name] = _Output.model_validate(outputs[name])
    return found


def _clear_earlier(outdir: Path, names: Sequence[str], recorded: dict[str, _Output]) -> tuple[list[str], list[str]]:
    """Remove the files ``names`` that the record shows this batch wrote and that are unchanged since; a
    file of such a name the record does not prove (another tool's, edited since) is left. Returns
    (removed, left)."""
    removed: list[str] = []
    left: list[str] = []
    for name in names:
        path = outdir / name
        if path.is_symlink():  # never ours: the batch writes files
            left.append(name)
            continue
        if not path.is_file():
            continue
        rec = recorded.get(name)
        if rec is not None and _still_there(path, rec):
            try:
                path.unlink()
            except OSError:
                left.append(name)
            else:
                removed.append(name)
        else:
            left.append(name)
    return removed, left


def _clear_failed(outdir: Path, item: BatchItem) -> None:
    """A scenario that now fails: the outputs an earlier run made for it hold the figures of an input that is
    gone, so they are removed (with the record), and what cannot be proven ours is named."""
    names = [f"{item.stem}.xlsx", f"{item.stem}.pdf"]
    recorded = _recorded_outputs(outdir, item.stem)
    item.removed, item.left = _clear_earlier(outdir, names, recorded)
    if item.removed:
        with contextlib.suppress(OSError):
            _record_path(outdir, item.stem).unlink()


def _write_record(outdir: Path, job: _Job, item: BatchItem, outputs: dict[str, _Output]) -> None:
    if not job.key:
        return
    # The file may have changed while it was produced: then the outputs are of neither version.
    if job.path is not None and _content_of(job) != job.content:
        return
    record = _Record(key=job.key, item=item, outputs=outputs)
    with contextlib.suppress(OSError):  # without a record the next run only redoes this scenario
        with atomic_write(_record_path(outdir, job.stem)) as tmp:
            tmp.write_text(record.model_dump_json(indent=1), encoding="utf-8")


# -- one scenario (runs in a worker process) ------------------------------------------------------

_WORK_DIRS: dict[str, Path] = {}


def _work_dir(outdir: Path) -> Path:
    """This process's private folder in OUTDIR, where outputs are made before they are renamed
    into place; its name carries the PID, so the next run removes it if the process is killed."""
    key = str(outdir)
    work = _WORK_DIRS.get(key)
    if work is None or not work.is_dir():
        work = temp_path(outdir / "work")
        try:
            work.mkdir(parents=True)
        except OSError as exc:
            raise OutputNotWritableError(
                f"cannot write to the output folder {str(outdir)!r}: {exc.strerror or exc}") from None
        _WORK_DIRS[key] = work
    return work


def _drop_work_dirs() -> None:
    for work in _WORK_DIRS.values():
        shutil.rmtree(work, ignore_errors=True)
    _WORK_DIRS.clear()


def _load(job: _Job) -> Scenario:
    if job.path is not None:
        return load_scenario(job.path)
    data = dict(job.data or {})
    if "__table_error__" in data:
        raise ScenarioError([data["__table_error__"]], job.source)
    return parse_scenario(data, job.source)


def _readable_name(job: _Job) -> str:
    """The scenario's own name where a failed scenario still gives one as text (the index shows it beside
    the problem), else ""."""
    data: Any = job.data
    if job.path is not None:
        try:
            from xlcompute._scenario_files import read_mapping

            data = read_mapping(Path(job.path))  # within the input limits, as load_scenario reads it
        except Exception:  # noqa: BLE001  (unreadable: the problem already says why)
            return ""
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else ""


def _write_outputs(result: Any, job: _Job, out: Path, lang: str, pdf: bool) -> dict[str, _Output]:
    """Make the workbook (and proposal) in the work folder, then rename them into OUTDIR.

    The proposal embeds the workbook made beside it, never one another batch just put in OUTDIR.
    """
    from xlcompute.workbook import write_workbook

    work = _work_dir(out)
    made: dict[str, Path] = {f"{job.stem}.xlsx": work / f"{job.stem}.xlsx"}
    try:
        write_workbook(result, made[f"{job.stem}.xlsx"], lang)
        if pdf:
            from xlcompute.report import write_proposal  # type: ignore[import-not-found]

            made[f"{job.stem}.pdf"] = work / f"{job.stem}.pdf"
            write_proposal(result, made[f"{job.stem}.pdf"], lang=lang, attachments=[made[f"{job.stem}.xlsx"]])
        # Described before the rename (which keeps size and time stamp), so a record always
        # holds what this process wrote, even if another batch replaces the file right after.
        outputs = {name: _describe(path) for name, path in made.items()}
        for name, path in made.items():
            move_into_place(path, out / name)
        return outputs
    finally:
        for path in made.values():
            with contextlib.suppress(OSError):
                path.unlink()


def _produce(job: _Job, outdir: str, lang: str, pdf: bool) -> BatchItem:
    """Load, estimate and write one scenario; every error becomes the item's problems."""
    item = BatchItem(source=job.source, stem=job.stem)
    try:
        scenario = _load(job)
        from xlcompute.estimate import estimate

        result = estimate(scenario)
        # A serving-only plan has no training run: its training columns stay empty, not 0 days and a
        # training memory that "does not fit".
        # A plan without serving users has no fleet: its serving column stays empty too, not 0 cards.
        skip = (_TRAINING_KEYS if scenario.training is None else ()) + (
            ("serving_cards",) if scenario.serving.users <= 0 else ())
        summary = {k: float(result[k]) for k in SUMMARY_KEYS if k not in skip}
    except ScenarioError as exc:
        item.problems = list(exc.problems) or [str(exc)]
        item.name = _readable_name(job)
        return item
    except ValueError as exc:  # a rule between fields, the planner: the scenario's name still shown
        item.problems = [str(exc)]
        item.name = _readable_name(job)
        return item
    except Exception as exc:  # noqa: BLE001  (one scenario's fault must not stop the batch)
        item.problems = [f"estimating: {type(exc).__name__}: {exc}"]
        item.name = _readable_name(job)
        return item
    item.name = builtin_text(result.scenario, "name", lang) or scenario.name  # sized: the cards served
    item.model_name = result.model_name
    item.accelerator_name = result.accelerator_name
    item.currency = scenario.pricing.currency
    item.summary = summary
    out = Path(outdir)
    try:
        outputs = _write_outputs(result, job, out, lang, pdf)
    except OutputNotWritableError as exc:
        item.problems = [str(exc)]
        return item
    except Exception as exc:  # noqa: BLE001  (one scenario's failure must not stop the batch)
        item.problems = [f"writing the output: {type(exc).__name__}: {exc}"]
        return item
    item.workbook = f"{job.stem}.xlsx"
    item.pdf = f"{job.stem}.pdf" if pdf else None
    item.warnings = _plan_warnings(result, lang)
    item.status = "warning" if item.warnings else "ok"
    if not pdf:
        # A PDF an earlier run with --pdf made holds the old figures beside the new workbook: removed. Read
        # from the earlier record, before this run's replaces it.
        item.removed, item.left = _clear_earlier(out, [f"{job.stem}.pdf"], _recorded_outputs(out, job.stem))
    _write_record(out, job, item, outputs)
    return item


def _plan_warnings(result: Any, lang: str) -> list[str]:
    """Why a plan that was written cannot run as planned, in words and with the estimate's own figures:
    training memory beyond the card's, or a training.deadline_days missed. Empty for a plan that can."""
    from xlcompute import fmt

    if result.scenario.training is None:  # serving only: no training run to fit or to finish
        return []
    zh = lang == "zh"
    out: list[str] = []
    if result["mem_fits"] < 1:
        need, hbm = fmt.number(result["mem_per_gpu_gb"], 1), fmt.number(result["gpu_hbm_gb"], 0)
        out.append(f"训练每卡需显存 {need} GB，单卡仅 {hbm} GB：放不下" if zh
                   else f"needs {need} GB per card of {hbm} GB: does not fit")
    slip = result["deadline_slip_days"]
    if result["deadline_days"] > 0 and slip > 0:
        deadline, late = fmt.number(result["deadline_days"], 1).removesuffix(".0"), fmt.number(slip, 1)
        # The cards that meet it: the deadline sizing's count where it planned one, else the same-MFU count.
        cards = result.deadline_plan.cards if result.deadline_plan is not None else result["deadline_cards"]
        meet = (f"；{fmt.count(cards)} 张卡可按期完成" if zh else f"; {fmt.count(cards)} cards meet it") if cards > 0 else ""
        if result.deadline_out_of_reach():  # the same-MFU count would be no answer: the sizing found none
            meet = "；按期限配置集群时，试算过的卡数均无法按期完成" if zh else "; no cluster the deadline sizing tried meets it"
        out.append((f"超出 {deadline} 天的截止期限 {late} 天" if zh
                    else f"misses the {deadline}-day deadline by {late} days") + meet)
    return out


# -- worker processes ------------------------------------------------------------------------------


def _parent_gone_check(batch_pid: int) -> Callable[[], bool]:
    """A test of whether the batch process has ended, for this worker."""
    if sys.platform == "win32":
        # A handle to the parent process (multiprocessing keeps one): immune to PID reuse, and
        # no os.kill(pid, 0), which on Windows would terminate the process.
        parent = multiprocessing.parent_process()
        if parent is None:
            return lambda: False
        return lambda: not parent.is_alive()
    first_ppid = os.getppid()
    # A worker is re-parented when its parent (the batch, or the fork server that exits with the
    # batch) ends; the PID test covers a batch that is not the direct parent.
    return lambda: os.getppid() != first_ppid or pid_alive(batch_pid) is False


def _die_with_parent(batch_pid: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # no libc prctl (unusual libc): the watchdog remains
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG: killed when the parent dies
    gone = _parent_gone_check(batch_pid)
    if gone():  # the batch ended before the worker was ready
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_WATCH_SECONDS)
            if gone():
                os._exit(1)  # at once: no cleanup that could block; the next run removes the temps

    threading.Thread(target=watch, name="xlcompute-parent-watch", daemon=True).start()


def _worker_main(conn: Connection, batch_pid: int, outdir: str, lang: str, pdf: bool) -> None:
    """A worker: produce the scenarios it is sent until it is sent None. For each it sends ``(index, None)``
    when it starts it, then ``(index, item)``."""
    _WORK_DIRS.clear()  # a forked worker must not inherit (and later remove) the parent's folders
    _die_with_parent(batch_pid)
    # Ctrl-C reaches the whole process group; the batch process stops the workers itself.
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return  # the batch process is gone
            if message is None:
                return
            index, job = message
            try:
                conn.send((index, None))  # "started": the scenario's time limit counts from here
            except OSError:
                return
            try:
                item = _produce(_Job.model_validate(job), outdir, lang, pdf)
            except Exception as exc:  # noqa: BLE001  (reported, and the worker goes on)
                item = BatchItem(source=job.get("source", "?"), stem=job.get("stem", "?"),
                                 problems=[f"{type(exc).__name__}: {exc}"])
            try:
                conn.send((index, item.model_dump()))
            except OSError:  # the batch process is gone (killed, or stopped): nothing to report to
                return
    finally:
        _drop_work_dirs()


def _death_reason(exitcode: Optional[int]) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"the worker process was killed by {name}{hint}; the batch went on"
    return f"the worker process stopped unexpectedly (exit code {exitcode}); the batch went on"


class _Worker:
    """One worker process and the scenario it is working on."""

    def __init__(self, ctx: Any, args: tuple[Any, ...]) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, *args), name="xlcompute-batch-worker",
                                daemon=True)  # daemon: also ended if the batch process exits normally
        try:
            self.proc.start()
        except BaseException:
            self.conn.close()
            raise
        finally:
            child.close()
        self.index: Optional[int] = None
        self.job: Optional[_Job] = None
        self.deadline = math.inf
        self.started = False  # has it started its scenario (and the time limit with it)?


def _context() -> Any:
    if _START_METHOD is None:
        return multiprocessing.get_context()
    ctx = multiprocessing.get_context(_START_METHOD)
    if _START_METHOD == "forkserver":
        # Imported once in the fork server, so a new (or replacement) worker starts at once. Not the
        # proposal: WeasyPrint is loaded per worker, where an import failure is reported per scenario.
        ctx.set_forkserver_preload(["xlcompute.batch", "xlcompute.estimate", "xlcompute.workbook"])
    return ctx


def _run_workers(todo: list[tuple[int, _Job]], n_workers: int, out: Path, lang: str, pdf: bool,
                 timeout: Optional[float], finish: Callable[[int, BatchItem], None]) -> None:
    """Produce ``todo`` in up to ``n_workers`` processes; ``finish(index, item)`` for each.

    A worker that hangs past ``timeout`` or dies fails its scenario (one line), is killed and
    replaced; the other scenarios go on. The limit counts from the worker's word that it started the
    scenario, not from the sending: a worker just spawned imports the package first. Until that word
    the bound is :data:`START_UP_LIMIT` (a worker that dies meanwhile is seen at once by its sentinel).
    """
    ctx = _context()
    queue = deque(todo)
    busy: list[_Worker] = []
    leaving: list[_Worker] = []
    args = (os.getpid(), str(out), lang, pdf)
    start_error = ""

    def fail(worker: _Worker, reason: str) -> None:
        job = worker.job
        if job is not None and worker.index is not None:
            finish(worker.index, BatchItem(source=job.source, stem=job.stem, problems=[reason]))
        worker.index, worker.job = None, None

    def discard(worker: _Worker) -> None:
        if worker.proc.is_alive():
            worker.proc.kill()
        worker.proc.join(10)
        worker.conn.close()
        if worker in busy:
            busy.remove(worker)
        _remove_stale(out, worker.proc.pid)  # what the killed worker was writing

    def give(worker: _Worker) -> bool:
        """Send the next scenario; False when there is none (the worker is told to stop)."""
        if not queue:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
            return False
        index, job = queue.popleft()
        try:
            worker.conn.send((index, job.model_dump()))
        except (OSError, ValueError):  # the worker is already gone: the scenario waits for the next
            queue.appendleft((index, job))
            return False
        worker.index, worker.job, worker.started = index, job, False
        worker.deadline = time.monotonic() + START_UP_LIMIT if timeout else math.inf
        return True

    try:
        while queue or busy:
            while queue and len(busy) < n_workers:
                try:
                    worker = _Worker(ctx, args)
                except Exception as exc:  # noqa: BLE001  (no more processes: go on with fewer)
                    start_error = f"could not start a worker process: {type(exc).__name__}: {exc}"
                    break
                if give(worker):
                    busy.append(worker)
                else:
                    discard(worker)
                    break
            if not busy:
                for index, job in queue:  # not a single worker could be started
                    finish(index, BatchItem(source=job.source, stem=job.stem, problems=[start_error or
                                            "could not start a worker process"]))
                queue.clear()
                break
            deadline = min(w.deadline for w in busy)
            left = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=left)
            for worker in list(busy):
                if worker.conn in ready or worker.conn.poll():
                    try:
                        index, data = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.proc.join(5)
                        fail(worker, _death_reason(worker.proc.exitcode))
                        discard(worker)
                        continue
                    if data is None:  # started: the time limit runs from now
                        worker.started = True
                        worker.deadline = time.monotonic() + timeout if timeout else math.inf
                        continue
                    worker.index, worker.job = None, None
                    finish(index, BatchItem.model_validate(data))
                    if not give(worker):
                        busy.remove(worker)
                        leaving.append(worker)
                elif worker.proc.sentinel in ready:
                    worker.proc.join(5)
                    fail(worker, _death_reason(worker.proc.exitcode))
                    discard(worker)
                elif time.monotonic() >= worker.deadline:
                    if worker.started:
                        reason = (f"stopped after {timeout:g} s, the time limit per scenario (--timeout); "
                                  "the batch went on")
                    else:
                        reason = (f"the worker process did not start the scenario within {START_UP_LIMIT:g} s of "
                                  "being given it (a hung start-up); the batch went on")
                    fail(worker, reason)
                    discard(worker)
    finally:
        for worker in busy:  # only on an error or Ctrl-C: nothing is waited for
            if worker.proc.is_alive():
                worker.proc.kill()
        for worker in leaving + busy:
            worker.proc.join(10)
            if worker.proc.is_alive():
                worker.proc.kill()
                worker.proc.join(5)
            with contextlib.suppress(OSError):
                worker.conn.close()
            _remove_stale(out, worker.proc.pid)


# -- the index ---------------------------------------------------------------------------------------


_STATUS_WORDS = {"en": {"ok": "ok", "warning": "warning", "skipped": "up to date", "failed": "failed",
                        "skipped_warning": "warning (up to date)"},
                 "zh": {"ok": "完成", "warning": "警告", "skipped": "未变更", "failed": "失败",
                        "skipped_warning": "警告（未变更）"}}
_ROW = re.compile(r" row (\d+)$")


def status_text(item: BatchItem, lang: str) -> str:
    """The Status column's word: a plan with warnings never reads plain "ok" (nor plain "up to date")."""
    key = "skipped_warning" if item.status == "skipped" and item.warnings else item.status
    return _STATUS_WORDS["zh" if lang == "zh" else "en"].get(key, item.status)


def source_text(source: str, lang: str) -> str:
    """Where a scenario came from, in ``lang``: ``plans.csv row 3`` is ``plans.csv 第 3 行`` in Chinese."""
    return _ROW.sub(r" 第 \1 行", source) if lang == "zh" else source


def problem_text(problem: str, lang: str) -> str:
    """One problem of a failed scenario in ``lang`` (the common shapes in Chinese; others stay English, whole)."""
    if lang != "zh":
        return problem
    from xlcompute.cli._problems_zh import problem_zh  # the screen's wording, so screen and index agree

    return problem_zh(problem)


def item_notes(item: BatchItem, lang: str) -> list[str]:
    """What the batch did about earlier files of this scenario's name, in ``lang``."""
    zh = lang == "zh"
    sep = "、" if zh else ", "
    notes: list[str] = []
    if item.removed:
        names = sep.join(item.removed)
        if item.status == "failed":
            notes.append(f"已删除本批处理早先为该方案生成的 {names}：其数字属于已不存在的输入" if zh else
                         f"removed {names}: made by an earlier run of this batch from an input that now fails")
        else:
            notes.append(f"已删除早先带 --pdf 生成的 {names}：其数字与本次工作簿不再一致" if zh else
                         f"removed {names}: made by an earlier run with --pdf, its figures no longer match "
                         "this workbook")
    if item.same_name:
        others = sep.join(f"{stem}.xlsx" for stem in item.same_name)
        notes.append(f"另有方案与此同名（{others}）：文件名按行序加 -2、-3 区分，请为每个方案取不同的名称" if zh else
                     f"another scenario has the same name ({others}): the files are told apart by -2, -3 in the "
                     "order of the inputs; give each scenario a name of its own")
    if item.same_name_failed:
        failed = sep.join(item.same_name_failed)
        notes.append(f"同名方案 {failed} 未能运行，未写出文件；文件名仍按输入顺序分配（因此带 -2、-3），请为每个方案取不同的名称"
                     if zh else
                     f"a scenario of the same name failed ({failed}) and wrote no file; names still follow the order "
                     "of the inputs (hence -2, -3); give each scenario a name of its own")
    if item.left:
        names = sep.join(item.left)
        notes.append(f"文件夹中的 {names} 不在本批处理的记录中（可能是其他工具所写或已被修改）：已保留，其数字可能与本次输入不符，"
                     "使用前请核对" if zh else
                     f"{names} in the folder is not in this batch's record (another tool's, or edited since): left "
                     "in place; its figures may not match this input, check before use")
    return notes


def _index_headers(items: list[BatchItem], lang: str) -> list[str]:
    """Column headers, each figure with its unit; money in the one currency of the rows, or the row's."""
    from xlcompute import registry
    from xlcompute.workbook.text import text

    zh = lang == "zh"
    currencies = {i.currency for i in items if i.currency}
    headers = ["输入" if zh else "Input", "场景" if zh else "Scenario", "状态" if zh else "Status",
               "模型" if zh else "Model", "加速卡" if zh else "Accelerator"]
    for key in SUMMARY_KEYS:
        if key == "mem_fits":  # yes/no words, as the workbook's results block: no unit
            headers.append(text("sum_fits", lang))
            continue
        label = registry.label(key, lang)
        if registry.unit(key, lang) in ("cards", "卡"):  # the label says cards already
            headers.append(label)
            continue
        if registry.carries_unit(key):  # money
            if len(currencies) != 1:  # mixed: each row's cells carry its currency sign
                headers.append(f"{label}（按该行货币）" if zh else f"{label} [the row's currency]")
                continue
            unit = registry.unit_text(key, lang, next(iter(currencies)))
        else:
            unit = registry.unit_text(key, lang, "CNY")
        headers.append(f"{label}（单位：{unit}）" if zh else f"{label} [{unit}]")
    headers += ["货币" if zh else "Currency", "PDF", "问题" if zh else "Problems"]
    return headers


def _fits_format(lang: str) -> str:
    from xlcompute.workbook.text import text

    return f'[=1]"{text("yes", lang)}";[=0]"{text("no", lang)}";General'


def _index_row(ws: Any, r: int, item: BatchItem, lang: str = "en") -> None:
    """One scenario's row. Every row is named the same way: by its input (file, or table and row),
    linked to its workbook when there is one; the scenario's own name follows as written."""
    from openpyxl.styles import Font

    from xlcompute import registry
    from xlcompute.workbook.styles import put_text

    source_cell = ws.cell(row=r, column=1)
    put_text(source_cell, source_text(item.source, lang))
    if item.workbook:
        # Relative link to a sanitised file name of our own making, never to scenario text.
        source_cell.hyperlink = item.workbook
        source_cell.font = Font(color="0563C1", underline="single")
    put_text(ws.cell(row=r, column=2), item.name)  # scenario text: data, never a formula
    put_text(ws.cell(row=r, column=3), status_text(item, lang))
    put_text(ws.cell(row=r, column=4), item.model_name)
    put_text(ws.cell(row=r, column=5), item.accelerator_name)
    for j, key in enumerate(SUMMARY_KEYS):
        if key in item.summary:
            c = ws.cell(row=r, column=6 + j, value=item.summary[key])
            c.number_format = (_fits_format(lang) if key == "mem_fits"
                               else registry.excel_format(key, item.currency or "CNY", lang))
    base = 6 + len(SUMMARY_KEYS)
    put_text(ws.cell(row=r, column=base), item.currency)
    if item.pdf:
        c = ws.cell(row=r, column=base + 1)
        put_text(c, item.pdf)
        c.hyperlink = item.pdf
    lines = [problem_text(p, lang) for p in item.problems] + item.warnings + item_notes(item, lang)
    put_text(ws.cell(row=r, column=base + 2), ("；" if lang == "zh" else "; ").join(lines))


def _text_width(text: str) -> int:
    """Character cells ``text`` takes: a CJK character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown(value: float, number_format: str) -> str:
    """About the text a spreadsheet shows for ``value`` in ``number_format`` (for the column's width)."""
    if number_format.startswith("[="):  # the yes/no words of a flag
        return max(re.findall(r'"([^"]*)"', number_format), key=_text_width, default="")
    section = number_format.split(";")[-1] if number_format.startswith("[<0]") else number_format.split(";")[0]
    if "E+" in section:
        return f"{value:.3E}"
    m = re.search(r"\.(0+)", section)
    digits = len(m.group(1)) if m else 0
    prefix = "".join(re.findall(r'"([^"]*)"', section))
    return prefix + (f"{value:,.{digits}f}" if "," in section else f"{value:.{digits}f}")


def _header_lines(text: str, width: float) -> int:
    """Lines a wrapped header of ``text`` takes in a column ``width`` characters wide (greedy word wrap)."""
    room = max(1, int(width) - 1)
    lines, used = 1, 0
    for word in text.split():
        w = _text_width(word)
        if used and used + 1 + w <= room:
            used += 1 + w
            continue
        if used:
            lines += 1
        lines += (w - 1) // room  # a word (or a Chinese label without spaces) longer than the column
        used = w - (w - 1) // room * room
    return lines


def _write_index(items: list[BatchItem], path: Path, lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    from xlcompute.workbook.styles import put_text, register_styles, style_header

    zh = lang == "zh"
    wb = Workbook()
    register_styles(wb)
    ws = wb.active
    ws.title = "索引" if zh else "Index"
    headers = _index_headers(items, lang)
    for col, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col, value=h)
        style_header(cell)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, item in enumerate(items, start=2):
        try:
            _index_row(ws, r, item, lang)
        except Exception as exc:  # noqa: BLE001  (every scenario keeps its row, whatever its text)
            for col in range(1, len(headers) + 1):
                cell = ws.cell(row=r, column=col)
                cell.value, cell.hyperlink = None, None
            put_text(ws.cell(row=r, column=1), source_text(item.source, lang))
            put_text(ws.cell(row=r, column=3), _STATUS_WORDS["zh" if zh else "en"].get(item.status, item.status))
            put_text(ws.cell(row=r, column=len(headers)),
                     f"此行无法完整显示：{exc}" if zh else f"this row could not be shown in full: {exc}")
    # The problems wrap in their column: unwrapped, a long reason runs past the sheet's used width, and a
    # printed index (one page wide) shrinks to fit it.
    for (cell,) in ws.iter_rows(min_row=2, min_col=len(headers), max_col=len(headers)):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C2"
    # Figure columns as wide as their widest shown value (¥1,852,478,400 takes 14 characters; a
    # narrower column shows ###), text columns fixed; the header row tall enough for its wrapped text.
    widths: list[float] = [26, 34, 16 if zh else 20, 18, 24]
    for j in range(len(SUMMARY_KEYS)):
        shown = [_text_width(_shown(float(c.value), c.number_format))
                 for (c,) in ws.iter_rows(min_row=2, min_col=6 + j, max_col=6 + j)
                 if isinstance(c.value, (int, float)) and math.isfinite(c.value)]
        widths.append(max([15, *(n + 3 for n in shown)]))
    widths += [10, 16, 60]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = width
    lines = max(_header_lines(h, w) for h, w in zip(headers, widths))
    ws.row_dimensions[1].height = 17 * lines + 4  # 11 pt Noto Sans CJK: about 17 pt a line
    ws.auto_filter.ref = ws.dimensions
    # Printed, the index is one page wide (landscape, as many pages tall as it needs), with the
    # header row on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    wb.properties.creator = "xlcompute"
    wb.properties.title = "xlcompute batch index"
    with atomic_write(path) as tmp:
        wb.save(tmp)


# -- the batch -----------------------------------------------------------------------------------------


def run_batch(
    input_path: str | Path | Sequence[str | Path],
    outdir: str | Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    pdf: bool = False,
    lang: str = "en",
    timeout: float | None = DEFAULT_TIMEOUT,
    on_progress: Callable[[BatchItem], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BatchReport:
    """Produce a workbook (and with ``pdf`` a proposal) per scenario of ``input_path`` (a folder,
    a scenario file or a table, or a list of them) into ``outdir``, then ``index.xlsx``. Scenarios whose outputs are up to date are skipped unless
    ``force``; ``timeout`` is the limit per scenario in seconds, counted from when its worker starts it
    (None or 0: none; a worker's start-up is bounded by :data:`START_UP_LIMIT` instead). Raises
    :class:`BatchInputError` when INPUT or OUTDIR is unusable; per-scenario failures are in the
    report, and so is an index that could not be written."""
    if lang not in ("en", "zh"):
        raise BatchInputError(f"--lang: must be en or zh, got {lang!r}")
    if timeout is not None and (not math.isfinite(timeout) or timeout < 0):
        raise BatchInputError(f"--timeout: must be a number of seconds, 0 for none; got {timeout!r}")
    if pdf:
        try:
            from xlcompute.report import write_proposal  # type: ignore[import-not-found]  # noqa: F401
        except ImportError as exc:
            # Without the pdf extra the error is PdfStackMissingError, whose message names the fix.
            raise BatchInputError(f"--pdf needs the proposal module (xlcompute.report): {exc}") from None
    inputs = [Path(input_path)] if isinstance(input_path, (str, Path)) else [Path(p) for p in input_path]
    out = Path(outdir)
    with _stopped_cleanly_on_sigterm():
        return _run(inputs, out, force, pdf, lang, timeout, jobs, on_progress, on_start)


@contextlib.contextmanager
def _stopped_cleanly_on_sigterm() -> Iterator[None]:
    """SIGTERM (a service manager's stop, ``kill``) ends the batch as Ctrl-C does: the workers are stopped
    and the work folder and temps removed, then exit code 143 (128 + 15) without a traceback."""
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):  # not the main thread (an embedding application's worker): left as it is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(inputs: list[Path], out: Path, force: bool, pdf: bool, lang: str, timeout: float | None,
         jobs: int | None, on_progress: Callable[[BatchItem], None] | None,
         on_start: Callable[[int], None] | None) -> BatchReport:
    ignored: list[str] = []
    job_list = _collect(inputs, out, ignored)
    _check_outdir(out)
    for job in job_list:
        job.content = _content_of(job)
        job.key = _key(job.content, lang, pdf)
    if on_start is not None:
        on_start(len(job_list))
    done: dict[int, BatchItem] = {}

    def finish(i: int, item: BatchItem) -> None:
        done[i] = item
        if on_progress is not None:
            on_progress(item)

    todo: list[tuple[int, _Job]] = []
    for i, job in enumerate(job_list):
        earlier = None if force else _recorded_item(out, job, pdf)
        if earlier is not None:
            finish(i, earlier)
        else:
            todo.append((i, job))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    if todo and workers == 1 and not timeout:
        try:
            for i, job in todo:
                finish(i, _produce(job, str(out), lang, pdf))
        finally:
            _drop_work_dirs()
    elif todo:
        _run_workers(todo, workers, out, lang, pdf, timeout or None, finish)
    items = [done[i] for i in range(len(job_list))]
    by_stem = {job.stem: item for item, job in zip(items, job_list)}
    for item, job in zip(items, job_list):
        # of this run's names, never a record's; one that failed wrote no file to name
        item.same_name = [s for s in job.same_name if by_stem[s].status != "failed"]
        item.same_name_failed = [by_stem[s].source for s in job.same_name if by_stem[s].status == "failed"]
        if item.status == "failed":
            _clear_failed(out, item)
    others = _other_outputs(out, {job.stem for job in job_list})
    index = out / INDEX_NAME
    try:
        _write_index(items, index, lang)
    except OSError as exc:
        return BatchReport(items=items, index=None, index_error=str(exc), others=others, ignored=ignored)
    except Exception as exc:  # noqa: BLE001  (the report of every scenario still comes back)
        return BatchReport(items=items, index=None, index_error=f"{type(exc).__name__}: {exc}", others=others,
                           ignored=ignored)
    return BatchReport(items=items, index=str(index), others=others, ignored=ignored)


def _other_outputs(out: Path, stems: set[str]) -> list[str]:
    """Workbooks an earlier batch recorded in ``out`` for scenarios this one does not have, still there.
    Never removed: another batch may share the folder (its files are as current as ours)."""
    try:
        records = sorted((out / RECORD_DIR).glob("*.json"))
    except OSError:
        return []
    return [f"{p.stem}.xlsx" for p in records if p.stem not in stems and (out / f"{p.stem}.xlsx").is_file()]
