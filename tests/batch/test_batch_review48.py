"""After the analyst's review (issue 48): CSV tables separated by semicolons or tabs, the batch's own problems
in Chinese, and a time limit that counts from when a worker starts its scenario, not from its start-up."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

import xlcompute._tables as tables
import xlcompute.batch as batch
from xlcompute._atomic import pid_alive
from xlcompute._tables import read_table
from xlcompute.batch import BatchItem, problem_text, run_batch
from xlcompute.cli import app
from xlcompute.cli._problems_zh import _ENGLISH, _QUOTED
from xlcompute.scenario import parse_scenario

runner = CliRunner()
HEAD = ["name", "model", "tokens", "gpu", "gpus"]
ROW = ["A", "llama2-7b", "1T", "H800", "64"]


def _table(path: Path, rows: list[list[str]], sep: str = ",", end: str = "\n", bom: bool = False) -> Path:
    text = end.join(sep.join(r) for r in rows) + end
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _batch_of_rows(tmp_path: Path, head: list[str], rows: list[list[str]], sep: str) -> dict[str, BatchItem]:
    """A table of ``rows`` under ``head`` separated by ``sep``, run as a batch: its items by name."""
    report = run_batch(_table(tmp_path / "eu.csv", [head, *rows], sep), tmp_path / "out", jobs=1, timeout=None)
    return {i.name: i for i in report.items}


def _index_problems(out: Path) -> list[Any]:
    ws = openpyxl.load_workbook(out / "index.xlsx").active
    return [row[-1] for row in ws.iter_rows(min_row=2, values_only=True)]


# -- 1: CSV dialects -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", "\t"])
@pytest.mark.parametrize(("end", "bom"), [("\n", False), ("\r\n", True)])
def test_semicolon_and_tab_tables_read_as_the_comma_one(tmp_path: Path, sep: str, end: str, bom: bool) -> None:
    comma = read_table(_table(tmp_path / "comma.csv", [HEAD, ROW]))
    other = read_table(_table(tmp_path / "other.csv", [HEAD, ROW], sep, end, bom))
    assert [r.data for r in other] == [r.data for r in comma]
    assert parse_scenario(other[0].data).cluster.cards == 64


def test_a_semicolon_table_runs_in_a_batch(tmp_path: Path) -> None:
    table = _table(tmp_path / "semi.csv", [HEAD, ROW], ";")
    report = run_batch(table, tmp_path / "out", jobs=1, timeout=None)
    assert [(i.status, i.name) for i in report.items] == [("ok", "A")]


def test_the_header_decides_and_text_keeps_its_commas(tmp_path: Path) -> None:
    # A column of one's own may hold a comma: the semicolon still splits off the field names.
    table = _table(tmp_path / "eu.csv", [["name", "description", "model", "tokens", "cards", "#notes, misc"],
                                         ["2,048 H800", "big, fast", "llama2-7b", "1T", "2048", "a, b"]], ";")
    (row,) = read_table(table)
    assert row.data == {"name": "2,048 H800", "description": "big, fast", "model": "llama2-7b", "tokens": "1T",
                        "cards": "2048"}
    # A one-column table has no separator in its header: read as before, a semicolon in a cell is text.
    (single,) = read_table(_table(tmp_path / "one.csv", [["name"], ["a;b"]]))
    assert single.data == {"name": "a;b"}


@pytest.mark.parametrize(("sep", "kind"), [(";", "semicolon"), ("\t", "tab")])
def test_a_number_with_a_comma_is_refused_where_the_comma_is_ambiguous(tmp_path: Path, sep: str, kind: str) -> None:
    by = _batch_of_rows(tmp_path, ["name", "model", "tokens", "accelerator", "cards", "mfu"], [
        ["mfu", "llama2-7b", "1T", "A100", "64", "0,4"],
        ["tokens", "llama2-7b", "1,5T", "A100", "64", ""],
        ["cards", "llama2-7b", "1T", "A100", "1,024", ""],
        ["size", "1,5B", "1T", "A100", "64", ""],
        ["grouped", "llama2-7b", "1T", "A100", "1.024,5", ""],
        ["fine", "llama2-7b", "1.5T", "A100", "64", "0.4"],
    ], sep)
    assert by["fine"].status == "ok"
    expected = {"mfu": ("F", "mfu", "'0,4'"), "tokens": ("C", "tokens", "'1,5T'"), "cards": ("E", "cards", "'1,024'"),
                "size": ("B", "model", "'1,5B'"), "grouped": ("E", "cards", "'1.024,5'")}
    for name, (letter, column, shown) in expected.items():
        item = by[name]
        assert item.status == "failed" and item.source.startswith("eu.csv row "), item
        assert item.problems == [
            f"column {letter} ({column}): {shown} has a comma, which in a {kind}-separated table may be a decimal "
            "mark (1,5 = 1.5) or a thousands separator (1,500 = 1500); write the number without it, e.g. 1.5 or 1500"]


def test_comma_tables_read_a_grouped_number_as_before(tmp_path: Path) -> None:
    (row,) = read_table(_table(tmp_path / "c.csv", [HEAD, ["A", "llama2-7b", "1T", "H800", '"1,024"']]))
    assert parse_scenario(row.data).cluster.cards == 1024


# -- 2: the batch's problems in Chinese ----------------------------------------------------------------------


_NUMBER = r"\d(?:[\d,.]*\d)?"


def _reads_in_chinese(line: str) -> str:
    zh = problem_text(line, "zh")
    assert zh != line, f"stays English: {line}"
    assert re.search(r"[\u4e00-\u9fff]", zh), zh
    assert not _ENGLISH.search(_QUOTED.sub("", zh)), f"English left: {zh}"
    assert set(re.findall(_NUMBER, line)) <= set(re.findall(_NUMBER, zh)), f"{line} → {zh}"
    return zh


def _xlsx(path: Path, rows: list[list[Any]], *, first_sheet: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    if first_sheet is not None:
        wb.active.title = first_sheet
        ws = wb.create_sheet("其他")
    else:
        ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _bomb(path: Path) -> Path:
    """An .xlsx whose sheet carries a billion-laughs DTD (as tests/batch/test_batch.py builds it)."""
    plain = _xlsx(path.with_suffix(".plain.xlsx"), [["name"], ["BOMBHERE"]])
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    dtd = f'<!DOCTYPE worksheet [<!ENTITY l0 "lol">{lol}]>'

    def sheet(text: str) -> str:
        assert "BOMBHERE" in text
        head, sep, rest = text.partition("?>") if text.startswith("<?xml") else ("", "", text)
        return head + sep + dtd + rest.replace("BOMBHERE", "&l9;")

    _rewrite(plain, path, sheet)
    plain.unlink()
    return path


def _rewrite(src_path: Path, path: Path, sheet: Callable[[str], str]) -> Path:
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet(data.decode()).encode()
            dst.writestr(info, data)
    return path


def _bad_inputs(d: Path) -> list[Path]:
    """A table or scenario file for each problem the batch words itself (tables, rows, hints at columns)."""
    d.mkdir()
    csv = {
        "beyond.csv": "name,model,tokens,accelerator,cards\nbeyond,llama2-7b,1T,A100,64,extra\n",
        "gap.csv": "name,,model\nx,y,llama2-7b\n",
        "long.csv": "name,model,tokens,accelerator,cards\nlong,llama2-7b,1T,A100," + "9" * 10_001 + "\n",
        "emptypart.csv": "name,training..tp\nx,1\n",
        "value_and_group.csv": "name,training.tp,training.tp.x\nx,1,2\n",
        "group_and_value.csv": "name,cluster.accelerator.name,cluster.accelerator\nx,A,B\n",
        "semicolon.csv": "name;model;tokens;mfu\nx;llama2-7b;1T;0,4\n",
        "tab.csv": "name\tmodel\ttokens\tcards\nx\tllama2-7b\t1T\t1,024\n",
        "zhhead.csv": "名称,模型,#备注\n甲,llama2-7b,x\n",
        "dup.csv": "name,Name\nx,y\n",
        "ctrl.csv": "name,mo\x01del\nx,y\n",
        "empty.csv": "",
        "noheader.csv": ",,\n",
        "norows.csv": "name,model\n",
        "longname.csv": "x" * 101 + ",name\n1,2\n",
        "hugecell.csv": "name,model\n" + "x" * 140_000 + ",y\n",
        "notes.csv": "name,model,tokens,accelerator,cards,notes\nn,llama2-7b,1T,A100,64,ask the vendor\n",
        "twice.csv": "name,model,tokens,accelerator,cards,cluster.cards\nn,llama2-7b,1T,A100,64,64\n",
    }
    for name, text in csv.items():
        (d / name).write_text(text, encoding="utf-8")
    (d / "gbk.csv").write_bytes("名称,model\n".encode("gbk"))
    (d / "zhkey.yaml").write_text("name: k\nmodel: llama2-7b\ntokens: 1T\n加速卡: A100\n", encoding="utf-8")
    (d / "badzip.xlsx").write_bytes(b"not a zip")
    _xlsx(d / "multi.xlsx", [["本表每行一个方案"]], first_sheet="说明")
    _xlsx(d / "emptysheet.xlsx", [], first_sheet="x")
    _xlsx(d / "formula.xlsx", [["name", "cards"], ["f", "=1+1"], ["g", "=2+2"]])
    _bomb(d / "bomb.xlsx")
    return sorted(p for p in d.iterdir() if p.suffix in (".csv", ".xlsx", ".yaml"))


def test_every_problem_of_a_table_reads_in_chinese_on_screen_and_in_the_index(tmp_path: Path) -> None:
    inputs = _bad_inputs(tmp_path / "in")
    out = tmp_path / "out"
    report = run_batch(inputs, out, jobs=1, timeout=None, lang="zh")
    assert len(report.items) == len(inputs)
    assert all(i.status == "failed" for i in report.items), [i.source for i in report.items if i.status != "failed"]
    shown = [_reads_in_chinese(p) for i in report.items for p in i.problems]
    # The index's Problems column holds the same words.
    for cell, item in zip(_index_problems(out), report.items):  # (the rows named alike add a note after)
        assert str(cell).startswith("；".join(problem_text(p, "zh") for p in item.problems)), cell
    text = "\n".join(shown)
    for words in ("第 F 列：最后一个有名称的列之后有值", "第 B 列：无名称的列中有值", "单元格有 10,001 个字符",
                  "带点的名称中有空的部分", "同时作为一个值给出", "重复给出，或同时用作分组", "在以分号分隔的表格中",
                  "在以制表符分隔的表格中", "列名应为方案的英文字段名", "列名重复", "列名含控制字符", "第一行应为列名",
                  "表头下没有方案行", "列名有 101 个字符", "超过 131,072 个字符的单元格", "不是 UTF-8 文本", "您自己的备注",
                  "只给一次，写作 cluster.cards", "字段名应为方案的英文名", "不是 .xlsx 文件",
                  "multi.xlsx 的工作表 '说明'（第一个工作表", "工作表为空", "单元格 B2 及另外 1 个单元格含公式",
                  "可能是 XML 炸弹"):
        assert words in text, words


def test_the_screen_summary_and_a_table_that_stops_the_batch_read_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "zh.csv").write_text("名称,模型\n甲,llama2-7b\n", encoding="utf-8")
    res = runner.invoke(app, ["batch", str(tmp_path / "zh.csv"), "-o", str(tmp_path / "out"), "--lang", "zh"])
    assert res.exit_code == 2
    assert "错误：zh.csv：第 A 列（'名称'）：列名应为方案的英文字段名" in res.output.replace("\n", "")
    (tmp_path / "file").write_text("x")
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "ok.yaml").write_text("name: ok\nmodel: llama2-7b\ntokens: 1T\ncards: 64\n", encoding="utf-8")
    for args, words in ((["nowhere"], "不存在"), (["emptydir"], "中没有方案文件"), (["file"], "请使用方案文件所在的文件夹"),
                        (["ok.yaml", "-o", "file"], "已存在，且不是文件夹")):
        full = [str(tmp_path / a) if not a.startswith("-") else a for a in args]
        if "-o" not in args:
            full += ["-o", str(tmp_path / "out")]
        res = runner.invoke(app, ["batch", *full, "--lang", "zh"])
        assert res.exit_code == 2 and words in res.output and "错误：" in res.output, res.output


@pytest.mark.parametrize("case", ["columns", "csv_rows", "size", "zip_bomb", "xml_part", "declared", "undeclared",
                                  "defused"])
def test_a_table_over_a_limit_reads_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """Each limit made small, so a small table meets it; the batch stops on it, with one line in Chinese."""
    table = tmp_path / ("t.csv" if case in ("columns", "csv_rows", "size") else "t.xlsx")
    if table.suffix == ".csv":
        table.write_text("name,model,tokens\na,llama2-7b,1T\nb,llama2-7b,1T\nc,llama2-7b,1T\n", encoding="utf-8")
    else:
        _xlsx(table, [["name", "model"], ["a", "llama2-7b"], ["b", "llama2-7b"], ["c", "llama2-7b"]])
    limit = {"columns": ("MAX_COLUMNS", 2), "csv_rows": ("MAX_ROWS", 1), "size": ("MAX_TABLE_BYTES", 10),
             "zip_bomb": ("MAX_XLSX_UNPACKED_BYTES", 100), "xml_part": ("_XML_PART_BYTES", 10),
             "declared": ("MAX_ROWS", 1), "undeclared": ("MAX_ROWS", 1)}.get(case)
    if limit is not None:
        monkeypatch.setattr(tables, *limit)
    if case == "undeclared":  # a sheet without its <dimension>: counted row by row
        plain = table.rename(tmp_path / "plain.xlsx")
        _rewrite(plain, table, lambda t: re.sub(r"<dimension [^>]*/>", "", t))
    if case == "defused":
        monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(tables.TableError) as err:
        read_table(table)
    res = runner.invoke(app, ["batch", str(table), "-o", str(tmp_path / "out"), "--lang", "zh"])
    assert res.exit_code == 2
    line = res.output.replace("\n", "")
    assert line.startswith("错误：") and problem_text(str(err.value), "zh") in line
    _reads_in_chinese(str(err.value))


def test_a_scenario_that_fails_while_estimated_or_written_reads_in_chinese(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    # The modules (the package's lazy attribute of the same name is the function); the batch imports from them.
    est, workbook = importlib.import_module("xlcompute.estimate"), importlib.import_module("xlcompute.workbook")
    real = est.estimate

    def estimate(scenario: Any) -> Any:
        if scenario.name == "boom":
            raise RuntimeError("boom")
        return real(scenario)

    def write_workbook(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk")

    monkeypatch.setattr(est, "estimate", estimate)
    monkeypatch.setattr(workbook, "write_workbook", write_workbook)
    table = _table(tmp_path / "t.csv", [["name", "model", "tokens", "accelerator", "cards"],
                                        ["boom", "llama2-7b", "1T", "A100", "64"],
                                        ["write", "llama2-7b", "1T", "A100", "64"]])
    report = run_batch(table, tmp_path / "out", jobs=1, timeout=None, lang="zh")
    assert [i.problems for i in report.items] == [["estimating: RuntimeError: boom"],
                                                  ["writing the output: RuntimeError: disk"]]
    assert [_reads_in_chinese(i.problems[0]) for i in report.items] == ["估算时出错：RuntimeError: boom",
                                                                        "写出文件时出错：RuntimeError: disk"]


# -- 3: the time limit counts from the scenario's start, not the worker's --------------------------------------

fork_only = pytest.mark.skipif(sys.platform == "win32", reason="fork start method")


def _slow_start(delay: float, pid_dir: Path | None = None) -> Callable[[int], None]:
    """A worker start-up that takes ``delay`` seconds (as importing the package does on a loaded machine)."""
    real = batch._die_with_parent

    def start(batch_pid: int) -> None:
        if pid_dir is not None:
            (pid_dir / str(os.getpid())).write_text("")
        time.sleep(delay)
        real(batch_pid)

    return start


def _quick_or_hung(pid_file: Path) -> Callable[..., BatchItem]:
    def produce(job: batch._Job, outdir: str, lang: str, pdf: bool) -> BatchItem:
        if job.source.startswith("hang"):
            pid_file.write_text(str(os.getpid()))
            time.sleep(120)
        return BatchItem(source=job.source, stem=job.stem, status="ok")

    return produce


def _files(folder: Path, names: list[str]) -> Path:
    folder.mkdir()
    for name in names:
        (folder / f"{name}.yaml").write_text(f"name: {name}\nmodel: llama2-7b\ntokens: 1T\ncards: 64\n")
    return folder


@fork_only
def test_a_slow_worker_start_up_is_not_the_scenarios_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "hung.pid"
    monkeypatch.setattr(batch, "_START_METHOD", "fork")
    monkeypatch.setattr(batch, "_die_with_parent", _slow_start(2.5))
    monkeypatch.setattr(batch, "_produce", _quick_or_hung(pid_file))
    src = _files(tmp_path / "in", ["fast1", "fast2", "hang"])
    out = tmp_path / "out"
    # A start-up of 2.5 s against a limit of 1 s: counted from the sending, both fast scenarios would fail.
    report = run_batch(src, out, jobs=3, timeout=1.0, lang="zh")
    by = {i.source: i for i in report.items}
    assert by["fast1.yaml"].status == by["fast2.yaml"].status == "ok"
    hang = by["hang.yaml"]
    assert hang.status == "failed"
    assert hang.problems == ["stopped after 1 s, the time limit per scenario (--timeout); the batch went on"]
    assert pid_alive(int(pid_file.read_text())) is False  # the hung worker was killed
    assert _reads_in_chinese(hang.problems[0]) == "运行 1 秒后被停止：已达每个方案的时间上限（--timeout）；批处理继续进行"
    assert _index_problems(out)[2] == problem_text(hang.problems[0], "zh")


@fork_only
def test_a_hung_start_up_has_its_own_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    monkeypatch.setattr(batch, "_START_METHOD", "fork")
    monkeypatch.setattr(batch, "START_UP_LIMIT", 1.5)
    monkeypatch.setattr(batch, "_die_with_parent", _slow_start(120, pid_dir))
    src = _files(tmp_path / "in", ["stuck"])
    started = time.monotonic()
    report = run_batch(src, tmp_path / "out", jobs=1, timeout=600)
    assert time.monotonic() - started < 60  # not the 120 s start-up, nor the 600 s limit
    (item,) = report.items
    assert item.problems == ["the worker process did not start the scenario within 1.5 s of being given it (a hung "
                             "start-up); the batch went on"]
    assert [pid_alive(int(p.name)) for p in pid_dir.iterdir()] == [False]
    assert _reads_in_chinese(item.problems[0]) == "工作进程收到该方案后 1.5 秒内未开始运行（启动卡住）；批处理继续进行"


@fork_only
def test_a_worker_that_dies_in_its_start_up_fails_its_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def die(batch_pid: int) -> None:
        os._exit(3)

    monkeypatch.setattr(batch, "_START_METHOD", "fork")
    monkeypatch.setattr(batch, "_die_with_parent", die)
    report = run_batch(_files(tmp_path / "in", ["dies"]), tmp_path / "out", jobs=1, timeout=600)
    (item,) = report.items
    assert item.problems == ["the worker process stopped unexpectedly (exit code 3); the batch went on"]
    assert _reads_in_chinese(item.problems[0]) == "工作进程意外退出（退出码 3）；批处理继续进行"


def test_worker_deaths_read_in_chinese() -> None:
    for exitcode, words in ((-int(signal.SIGKILL), "工作进程被 SIGKILL 终止（可能内存不足？）"),
                            (-int(signal.SIGSEGV), "工作进程被 SIGSEGV 终止；")):
        assert words in _reads_in_chinese(batch._death_reason(exitcode))


def test_the_help_says_what_the_limit_counts() -> None:
    import xlcompute.cli.batch as cli_batch

    assert cli_batch.START_UP_LIMIT == batch.START_UP_LIMIT
    import inspect

    option = inspect.signature(cli_batch.batch_command).parameters["timeout"].default
    assert "counted from when its worker process starts it" in option.help and "120 s" in option.help
    assert "counted from when its worker starts it" in " ".join(str(batch.__doc__).split())


@pytest.mark.parametrize(("sep", "kind"), [(";", "semicolon"), ("\t", "tab")])
def test_a_number_grouped_with_dots_is_refused_where_the_dot_is_ambiguous(tmp_path: Path, sep: str, kind: str) -> None:
    """A semicolon or tab table writes decimals with a comma, so "1.500" there is most likely 1500, which the
    number reader took for 1.5 without a word (a price of ¥2.500 per card-hour read as ¥2.5); now refused, naming
    the column and the value. A decimal with another number of digits after the dot and a comma table read as
    before."""
    head = ["name", "model", "tokens", "accelerator", "cards", "pricing.price_per_card_hour"]
    by = _batch_of_rows(tmp_path, head, [
        ["price", "llama2-7b", "1T", "A100", "64", "2.500"],
        ["cards", "llama2-7b", "1T", "A100", "1.024", ""],
        ["big", "llama2-7b", "1T", "A100", "64", "1.000.000"],
        ["fine", "llama2-7b", "1T", "A100", "64", "2.5"],
        ["zero", "llama2-7b", "1T", "A100", "64", "0.125"],
    ], sep)
    assert by["fine"].status == "ok" and by["zero"].status == "ok"
    for name, (letter, column, shown) in {"price": ("F", "pricing.price_per_card_hour", "'2.500'"),
                                          "cards": ("E", "cards", "'1.024'"),
                                          "big": ("F", "pricing.price_per_card_hour", "'1.000.000'")}.items():
        item = by[name]
        assert item.status == "failed", item
        assert item.problems == [
            f"column {letter} ({column}): {shown} is grouped with dots, which in a {kind}-separated table are most "
            "likely thousands separators (1.500 = 1500), while the number reads them as a decimal mark (1.500 = "
            "1.5); write the number without them, e.g. 1500, or a decimal with fewer or more than three digits "
            "after the dot, e.g. 1.5"]
        zh = _reads_in_chinese(item.problems[0])
        assert f"列 {letter}" in zh or f"第 {letter} 列" in zh or letter in zh
    (row,) = read_table(_table(tmp_path / "c.csv", [head, ["A", "llama2-7b", "1T", "H800", "64", "2.500"]]))
    assert parse_scenario(row.data).pricing.price_per_card_hour == 2.5  # a comma table: the dot is a decimal mark
