"""Output names fit the file system in bytes; control characters never break a workbook, the
index or a batch."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlcompute._atomic import NAME_MAX_BYTES, TEMP_NAME_EXTRA, atomic_write, temp_path
from xlcompute._names import MAX_STEM_BYTES, cut_utf8, slug, unique_slugs
from xlcompute.batch import BatchItem, _write_index, run_batch

CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\ud800\ufffe\uffff"
# The longest suffix the package puts after a stem (proposal default name with --html).
LONGEST_SUFFIX = "-proposal-en.html"


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def test_the_byte_budget_adds_up() -> None:
    dedup = len("-9999")
    assert MAX_STEM_BYTES + dedup + len(LONGEST_SUFFIX) + TEMP_NAME_EXTRA <= NAME_MAX_BYTES
    longest_pid = "4294967295"  # Windows PIDs are 32-bit
    worst = f".{'x' * (MAX_STEM_BYTES + dedup)}{LONGEST_SUFFIX}.xlc-{longest_pid}-abcdef-0a1b2c3d.tmp"
    assert _utf8(worst) <= NAME_MAX_BYTES


@pytest.mark.parametrize("char", ["中", "\U00020000", "é", "a"])  # 3, 4, 2, 1 bytes
def test_slugs_are_cut_in_bytes_at_whole_characters(char: str) -> None:
    stem = slug(char * 300)
    assert _utf8(stem) <= MAX_STEM_BYTES and len(stem) <= 80
    assert set(stem) == {char}  # never half a character
    assert _utf8(stem) > MAX_STEM_BYTES - 4 or len(stem) == 80  # as long as the limits allow


def test_cut_names_stay_unique() -> None:
    names = ["中" * 80, "中" * 80 + "x", "中" * 79 + "y", "中" * 80]
    stems = unique_slugs(names)
    assert len({s.lower() for s in stems}) == len(names)
    assert all(_utf8(s) <= MAX_STEM_BYTES for s in stems)
    many = unique_slugs(["é" * 200] * 12)
    assert len(set(many)) == 12 and all(_utf8(s) <= MAX_STEM_BYTES for s in many)
    assert many[11].endswith("-12")


def test_cut_utf8() -> None:
    assert cut_utf8("a中b", 3) == "a"
    assert cut_utf8("a中b", 4) == "a中"
    assert cut_utf8("abc", 10) == "abc"


def test_temp_names_fit_whatever_the_target(tmp_path: Path) -> None:
    name = "中" * 83 + ".xlsx"  # 254 bytes: a valid name, too long with any temp prefix
    assert _utf8(name) <= NAME_MAX_BYTES
    assert _utf8(temp_path(tmp_path / name).name) <= NAME_MAX_BYTES
    with atomic_write(tmp_path / name) as tmp:
        tmp.write_bytes(b"whole")
    assert (tmp_path / name).read_bytes() == b"whole"


def test_batch_writes_the_longest_cjk_names(tmp_path: Path) -> None:
    table = tmp_path / "cjk.csv"
    cols = ["name", "model.preset", "training.tokens", "training.tp", "training.pp", "training.global_batch",
            "cluster.cards"]
    rows = [["中" * 80, "llama2-7b", "100B", "1", "1", "64", "64"], ["中" * 80, "llama2-7b", "200B", "1", "1", "64", "64"]]
    with table.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([cols, *rows])
    report = run_batch(table, tmp_path / "out", jobs=1, timeout=None)
    assert [i.status for i in report.items] == ["ok", "ok"], report.items
    assert len({i.workbook for i in report.items}) == 2
    for item in report.items:
        assert item.workbook is not None and _utf8(item.workbook) <= NAME_MAX_BYTES
        openpyxl.load_workbook(tmp_path / "out" / item.workbook)


# -- control characters -------------------------------------------------------------------------------


def test_put_text_takes_any_text(tmp_path: Path) -> None:
    from xlcompute.workbook.styles import put_text

    wb = openpyxl.Workbook()
    texts = [f"a{c}b" for c in CONTROL] + ["=1+1" + CONTROL, "x" * 40_000, "tab\tnew\nline"]
    for r, text in enumerate(texts, start=1):
        put_text(wb.active.cell(row=r, column=1), text)
    wb.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws.cell(row=1, column=1).value == "a\ufffdb"
    assert ws.cell(row=len(CONTROL) + 1, column=1).data_type == "s"  # still never a formula
    assert len(ws.cell(row=len(CONTROL) + 2, column=1).value) == 32_767  # Excel's cell limit
    assert ws.cell(row=len(CONTROL) + 3, column=1).value == "tab\tnew\nline"  # XML can hold these


def test_index_is_written_with_every_row_whatever_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlcompute.batch as batch

    items = [BatchItem(source=f"t.csv row {i}", stem=f"s{i}", name=f"n{c}", status="failed",
                       problems=[f"name: bad value 'x{c}y'"], model_name=c, accelerator_name=c)
             for i, c in enumerate(CONTROL)]
    items.append(BatchItem(source="boom.yaml", stem="boom", name="Boom", status="ok", workbook="boom.xlsx"))
    real = batch._index_row

    def index_row(ws, r, item, lang="en"):  # type: ignore[no-untyped-def]
        if item.stem == "boom":
            raise RuntimeError("cannot show this")
        real(ws, r, item, lang)

    monkeypatch.setattr(batch, "_index_row", index_row)
    _write_index(items, tmp_path / "index.xlsx", "en")
    ws = openpyxl.load_workbook(tmp_path / "index.xlsx").active
    assert ws.max_row == len(items) + 1
    assert ws.cell(row=ws.max_row, column=1).value == "boom.yaml"
    assert "cannot show this" in ws.cell(row=ws.max_row, column=ws.max_column).value


def test_a_table_with_control_characters_gives_a_full_index(tmp_path: Path) -> None:
    table = tmp_path / "ctl.csv"
    cols = ["name", "description", "model.preset", "training.tokens", "training.tp", "training.pp",
            "training.global_batch", "cluster.cards"]
    rows = [
        ["nul\x00here", "d", "llama2-7b", "100B", "1", "1", "64", "64"],
        ["vt\x0bhere", "esc\x1b[2J", "llama2-7b", "100B", "1", "1", "64", "64"],
        ["bad\x01row", "d", "no-such-\x01model", "100B", "1", "1", "64", "64"],
        ["plain", "d", "llama2-7b", "100B", "1", "1", "64", "64"],
    ]
    with table.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([cols, *rows])
    out = tmp_path / "out"
    report = run_batch(table, out, jobs=1, timeout=None)
    status = [i.status for i in report.items]
    # The scenario refuses control characters naming the field; the batch goes on past those rows.
    assert status == ["failed", "failed", "failed", "ok"], [i.problems for i in report.items]
    assert [p.split(":")[0] for p in report.items[1].problems] == ["name", "description"]
    ws = openpyxl.load_workbook(out / "index.xlsx").active  # the index, with every row, is valid XML
    assert ws.max_row == 5
    problems = [str(ws.cell(row=r, column=ws.max_column).value or "") for r in range(2, 6)]
    assert "name: control character U+0000" in problems[0]
    assert not any(ch in text for text in problems for ch in "\x00\x01\x0b\x1b")
    with zipfile.ZipFile(out / str(report.items[3].workbook)) as z:
        assert z.testzip() is None


def test_chinese_index_names_every_row_by_its_input_in_chinese(tmp_path: Path) -> None:
    items = [BatchItem(source="a.yaml", stem="a", name="甲", status="ok", workbook="a.xlsx"),
             BatchItem(source="b.yaml", stem="b", status="failed", problems=["training.tokens: must be ≥ 1"]),
             BatchItem(source="c.yaml", stem="c", name="丙", status="skipped", workbook="c.xlsx")]
    _write_index(items, tmp_path / "index.xlsx", "zh")
    ws = openpyxl.load_workbook(tmp_path / "index.xlsx").active
    assert ws.title == "索引"
    assert [ws.cell(row=1, column=c).value for c in (1, 2, 3)] == ["输入", "场景", "状态"]
    assert [ws.cell(row=r, column=1).value for r in (2, 3, 4)] == ["a.yaml", "b.yaml", "c.yaml"]
    assert [ws.cell(row=r, column=3).value for r in (2, 3, 4)] == ["完成", "失败", "未变更"]
    assert ws.cell(row=3, column=2).value is None  # no name could be read: left empty, not the file stem
