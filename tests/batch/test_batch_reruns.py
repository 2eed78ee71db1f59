"""Reruns redo what changed: the record of content and options, not file times or mere existence."""

from __future__ import annotations

import os
import shutil
import sys
import types
from pathlib import Path

import pytest

import xlcompute.batch as batch
from xlcompute.batch import RECORD_DIR, run_batch

SCENARIO = """name: {name}
model:
  preset: llama2-7b
training:
  tokens: {tokens}
  tp: 1
  pp: 1
  global_batch: 64
cluster:
  accelerator: H800
  cards: 64
assumptions:
  mfu: 0.4
"""


@pytest.fixture()
def src(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.yaml").write_text(SCENARIO.format(name="Alpha", tokens="100B"), encoding="utf-8")
    (d / "b.yaml").write_text(SCENARIO.format(name="Beta", tokens="200B"), encoding="utf-8")
    return d


def _run(src: Path, out: Path, **kw: object) -> dict[str, str]:
    """Run in this process (one worker, no time limit) and return each source's status."""
    report = run_batch(src, out, jobs=1, timeout=None, **kw)  # type: ignore[arg-type]
    assert report.index is not None
    return {i.source: i.status for i in report.items}


def test_unchanged_is_skipped_and_keeps_its_index_row(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_batch(src, out, jobs=1, timeout=None)
    mtime = (out / "a.xlsx").stat().st_mtime_ns
    again = run_batch(src, out, jobs=1, timeout=None)
    assert [i.status for i in again.items] == ["skipped", "skipped"]
    assert (out / "a.xlsx").stat().st_mtime_ns == mtime
    # The index of a rerun still shows every figure (kept in the record, not re-estimated).
    assert [i.summary for i in again.items] == [i.summary for i in first.items]
    assert [i.name for i in again.items] == ["Alpha", "Beta"]


def test_content_not_time_decides(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(src, out)
    future = (out / "a.xlsx").stat().st_mtime + 100
    os.utime(src / "a.yaml", (future, future))  # touched, not changed
    assert _run(src, out) == {"a.yaml": "skipped", "b.yaml": "skipped"}
    past = (out / "a.xlsx").stat().st_mtime - 100
    (src / "b.yaml").write_text(SCENARIO.format(name="Beta", tokens="300B"), encoding="utf-8")
    os.utime(src / "b.yaml", (past, past))  # changed, and older than its output
    assert _run(src, out) == {"a.yaml": "skipped", "b.yaml": "ok"}


@pytest.mark.parametrize("option", ["lang", "version"])
def test_options_and_version_make_outputs_stale(src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                option: str) -> None:
    out = tmp_path / "out"
    _run(src, out)
    if option == "lang":
        assert _run(src, out, lang="zh") == {"a.yaml": "ok", "b.yaml": "ok"}
        assert _run(src, out, lang="zh") == {"a.yaml": "skipped", "b.yaml": "skipped"}
        assert _run(src, out) == {"a.yaml": "ok", "b.yaml": "ok"}
    else:
        monkeypatch.setattr(batch, "__version__", "99.0")
        assert _run(src, out) == {"a.yaml": "ok", "b.yaml": "ok"}


def test_pdf_option_makes_outputs_stale(src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def write_proposal(result, path, lang="en", attachments=()):  # type: ignore[no-untyped-def]
        Path(path).write_bytes(b"%PDF-1.7 fake " + result.scenario.name.encode())
        return Path(path)

    fake = types.ModuleType("xlcompute.report")
    fake.write_proposal = write_proposal  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlcompute.report", fake)
    out = tmp_path / "out"
    _run(src, out)
    assert _run(src, out, pdf=True) == {"a.yaml": "ok", "b.yaml": "ok"}
    assert _run(src, out, pdf=True) == {"a.yaml": "skipped", "b.yaml": "skipped"}
    (out / "b.pdf").unlink()  # one output of two gone: that scenario is redone
    assert _run(src, out, pdf=True) == {"a.yaml": "skipped", "b.yaml": "ok"}
    assert _run(src, out) == {"a.yaml": "ok", "b.yaml": "ok"}


def test_deleted_or_replaced_outputs_are_redone(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(src, out)
    (out / "a.xlsx").unlink()
    assert _run(src, out) == {"a.yaml": "ok", "b.yaml": "skipped"}
    shutil.copyfile(out / "a.xlsx", out / "b.xlsx")  # another scenario's workbook, same size or not
    assert _run(src, out) == {"a.yaml": "skipped", "b.yaml": "ok"}
    data = (out / "b.xlsx").read_bytes()
    (out / "b.xlsx").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # edited in place, same size
    assert _run(src, out)["b.yaml"] == "ok"
    later = (out / "a.xlsx").stat().st_mtime_ns + 10**9
    os.utime(out / "a.xlsx", ns=(later, later))  # only touched: the hash shows it is the same file
    assert _run(src, out)["a.yaml"] == "skipped"


def test_force_and_a_damaged_record(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(src, out)
    assert _run(src, out, force=True) == {"a.yaml": "ok", "b.yaml": "ok"}
    (out / RECORD_DIR / "a.json").write_text("{not json", encoding="utf-8")
    (out / RECORD_DIR / "b.json").write_bytes(b"")
    assert _run(src, out) == {"a.yaml": "ok", "b.yaml": "ok"}
    assert _run(src, out) == {"a.yaml": "skipped", "b.yaml": "skipped"}


def test_table_rows_are_keyed_by_their_content(tmp_path: Path) -> None:
    table = tmp_path / "plans.csv"
    head = "name,model.preset,training.tokens,training.tp,training.pp,training.global_batch,cluster.cards\n"
    table.write_text(head + "A,llama2-7b,100B,1,1,64,64\nB,llama2-7b,100B,1,1,64,64\n", encoding="utf-8")
    out = tmp_path / "out"
    _run(table, out)
    # A row inserted above moves B to another row number, but B's content is the same.
    table.write_text(head + "A,llama2-7b,150B,1,1,64,64\nC,llama2-7b,100B,1,1,64,64\n"
                     "B,llama2-7b,100B,1,1,64,64\n", encoding="utf-8")
    assert _run(table, out) == {"plans.csv row 2": "ok", "plans.csv row 3": "ok", "plans.csv row 4": "skipped"}


def test_workbooks_of_rows_no_longer_in_the_table_are_named_not_removed(tmp_path: Path) -> None:
    """A row deleted from a table leaves its earlier workbook in the folder: the report (and the CLI's note)
    names it, since this batch's index does not list it; it is never removed, because another batch may
    share the folder."""
    table = tmp_path / "plans.csv"
    head = "name,model.preset,training.tokens,training.tp,training.pp,training.global_batch,cluster.cards\n"
    table.write_text(head + "A,llama2-7b,100B,1,1,64,64\nB,llama2-7b,100B,1,1,64,64\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_batch(table, out, jobs=1).others == []
    table.write_text(head + "A,llama2-7b,100B,1,1,64,64\n", encoding="utf-8")
    report = run_batch(table, out, jobs=1)
    assert report.others == ["b.xlsx"] and (out / "b.xlsx").is_file()
    assert [i.stem for i in report.items] == ["a"]
