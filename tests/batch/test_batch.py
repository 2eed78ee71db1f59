"""Batch production: folders and tables of scenarios, failures per scenario, index, safety."""

from __future__ import annotations

import csv
import os
import sys
import traceback
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xlcompute._atomic import OutputNotWritableError, atomic_write
from xlcompute._names import slug, unique_slugs
from xlcompute._tables import TableError, nest, read_table
from xlcompute.batch import BatchInputError, run_batch
from xlcompute.cli import app

GOOD = """name: {name}
model:
  preset: llama2-7b
training:
  tokens: 100B
  tp: 1
  pp: 1
  global_batch: 64
cluster:
  accelerator: {acc}
  cards: 64
assumptions:
  mfu: 0.4
"""
runner = CliRunner()


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "scenarios"
    d.mkdir()
    (d / "a.yaml").write_text(GOOD.format(name="Alpha", acc="H800"), encoding="utf-8")
    (d / "b.yml").write_text(GOOD.format(name="Beta", acc="A100-80G"), encoding="utf-8")
    (d / "c.json").write_text(
        '{"name": "Gamma", "model": {"preset": "llama2-7b"}, "training": {"tokens": "1T", "tp": 1, "pp": 1, '
        '"global_batch": 64}, "cluster": {"cards": 64}, "assumptions": {"mfu": 0.4}}', encoding="utf-8")
    (d / "d.toml").write_text(
        'name = "Delta"\n[model]\npreset = "llama2-7b"\n[training]\ntokens = "1T"\ntp = 1\npp = 1\n'
        'global_batch = 64\n[cluster]\ncards = 64\n[assumptions]\nmfu = 0.4\n', encoding="utf-8")
    (d / "bad.yaml").write_text(GOOD.format(name="Bad", acc="H800").replace("mfu: 0.4", "mfu: 1.7"),
                                encoding="utf-8")
    (d / "notes.txt").write_text("ignored", encoding="utf-8")
    return d


def test_folder_batch_reports_failures_and_goes_on(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = run_batch(folder, out, jobs=2)
    status = {i.source: i.status for i in report.items}
    assert status == {"a.yaml": "ok", "b.yml": "ok", "bad.yaml": "failed", "c.json": "ok", "d.toml": "ok"}
    bad = report.failed[0]
    assert any(p.startswith("assumptions.mfu:") for p in bad.problems), bad.problems
    # Besides the outputs only the record folder: no temp file, no work folder left behind.
    assert sorted(p.name for p in out.iterdir()) == [".xlcompute-batch", "a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx",
                                                     "index.xlsx"]
    assert sorted(p.name for p in (out / ".xlcompute-batch").iterdir()) == ["a.json", "b.json", "c.json", "d.json"]
    index = openpyxl.load_workbook(out / "index.xlsx")
    ws = index.active
    # Every row is named by its input, failed or not; the scenario's own name follows.
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    assert set(rows) == {"a.yaml", "b.yml", "bad.yaml", "c.json", "d.toml"}
    assert ws.cell(row=rows["a.yaml"], column=1).hyperlink.target == "a.xlsx"
    assert ws.cell(row=rows["a.yaml"], column=2).value == "Alpha"
    assert ws.cell(row=rows["bad.yaml"], column=1).hyperlink is None
    assert [ws.cell(row=rows[k], column=3).value for k in ("a.yaml", "bad.yaml")] == ["ok", "failed"]
    # Printed: landscape, one page wide, the header on every page.
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert "assumptions.mfu" in ws.cell(row=rows["bad.yaml"], column=ws.max_column).value
    assert isinstance(ws.cell(row=rows["a.yaml"], column=8).value, float)  # train_days


def test_rerun_skips_and_force_redoes(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch(folder, out, jobs=1)
    first = (out / "a.xlsx").stat().st_mtime_ns
    again = run_batch(folder, out, jobs=1)
    assert {i.status for i in again.items if i.source != "bad.yaml"} == {"skipped"}
    assert (out / "a.xlsx").stat().st_mtime_ns == first
    # a touched source is not a changed one: the record holds a hash of the content, not a time
    later = (out / "a.xlsx").stat().st_mtime + 10
    os.utime(folder / "b.yml", (later, later))
    assert {i.source: i.status for i in run_batch(folder, out, jobs=1).items}["b.yml"] == "skipped"
    # a changed source is redone without --force
    (folder / "b.yml").write_text(GOOD.format(name="Beta 2", acc="A100-80G"), encoding="utf-8")
    partial = run_batch(folder, out, jobs=1)
    assert {i.source: i.status for i in partial.items}["b.yml"] == "ok"
    assert {i.source: i.name for i in partial.items}["b.yml"] == "Beta 2"
    forced = run_batch(folder, out, jobs=1, force=True)
    assert {i.status for i in forced.items if i.source != "bad.yaml"} == {"ok"}


def test_cli_exit_codes_and_messages(folder: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["batch", str(folder), "-o", str(tmp_path / "out"), "-j", "2"])
    assert res.exit_code == 1
    assert "bad.yaml: assumptions.mfu" in res.output
    assert "4 written" in res.output
    (folder / "bad.yaml").unlink()
    res = runner.invoke(app, ["batch", str(folder), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "4 up to date" in res.output


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)


TABLE_ROWS = [
    {"name": "Plan A", "model.preset": "llama2-7b", "training.tokens": "100B", "training.tp": "1", "training.pp": "1",
     "training.global_batch": "64", "cluster.accelerator": "H800", "cluster.cards": "64", "assumptions.mfu": "40%",
     "pricing.currency": ""},
    {"name": "../../etc/passwd", "model.preset": "llama2-7b", "training.tokens": "1T", "training.tp": "1",
     "training.pp": "1", "training.global_batch": "64", "cluster.accelerator": "A100-80G", "cluster.cards": "64",
     "assumptions.mfu": "0.4", "pricing.currency": "USD"},
    {"name": "Plan A", "model.preset": "llama2-7b", "training.tokens": "-5", "training.tp": "1", "training.pp": "1",
     "training.global_batch": "64", "cluster.accelerator": "H800", "cluster.cards": "64", "assumptions.mfu": "0.4",
     "pricing.currency": ""},
    {"name": '=HYPERLINK("http://example.invalid","x")', "model.preset": "llama2-7b", "training.tokens": "1T",
     "training.tp": "1", "training.pp": "1", "training.global_batch": "64", "cluster.accelerator": "H800",
     "cluster.cards": "64", "assumptions.mfu": "0.4", "pricing.currency": ""},
    {"name": "index", "model.preset": "llama2-7b", "training.tokens": "1T", "training.tp": "1", "training.pp": "1",
     "training.global_batch": "64", "cluster.accelerator": "H800", "cluster.cards": "64", "assumptions.mfu": "0.4",
     "pricing.currency": ""},
]


def _check_table_batch(table: Path, out: Path) -> None:
    report = run_batch(table, out, jobs=2)
    by_row = {i.source: i for i in report.items}
    name = table.name
    assert by_row[f"{name} row 2"].status == "ok"
    assert by_row[f"{name} row 3"].stem == "etc-passwd"
    bad = by_row[f"{name} row 4"]
    assert bad.status == "failed" and bad.problems[0].startswith("training.tokens:")
    assert by_row[f"{name} row 4"].stem == "plan-a-2"  # de-duplicated
    assert by_row[f"{name} row 6"].stem == "index-2"  # never overwrites index.xlsx
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert written == sorted(["plan-a.xlsx", "etc-passwd.xlsx", "hyperlink-http-example-invalid-x.xlsx",
                              "index-2.xlsx", "index.xlsx"])
    assert all(p.resolve().parent == out.resolve() for p in out.iterdir())
    ws = openpyxl.load_workbook(out / "index.xlsx").active
    name, link = ws.cell(row=5, column=2), ws.cell(row=5, column=1)
    assert name.value.startswith("=HYPERLINK") and name.data_type == "s"  # scenario text stays text
    assert link.value == f"{table.name} row 5" and link.hyperlink.target.endswith(".xlsx")
    for row in ws.iter_rows():
        assert all(c.data_type != "f" for c in row)
    usd = openpyxl.load_workbook(out / "etc-passwd.xlsx")
    assert usd["Inputs"]["B9"].value is not None


def test_csv_table(tmp_path: Path) -> None:
    table = tmp_path / "plans.csv"
    _write_csv(table, TABLE_ROWS)
    _check_table_batch(table, tmp_path / "out")


def test_xlsx_table(tmp_path: Path) -> None:
    table = tmp_path / "plans.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    cols = list(TABLE_ROWS[0])
    ws.append(cols)
    for r in TABLE_ROWS:
        ws.append([r[c] or None for c in cols])
    # a formula-looking name must arrive as text
    ws.cell(row=5, column=1).data_type = "s"
    wb.save(table)
    _check_table_batch(table, tmp_path / "out")


def _bomb(path: Path) -> None:
    """A valid .xlsx whose worksheet XML carries a billion-laughs DTD (10^9 × "lol" if expanded)."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "name"
    wb.active["A2"] = "BOMBHERE"
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    dtd = f'<!DOCTYPE worksheet [<!ENTITY l0 "lol">{lol}]>'
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                assert "BOMBHERE" in text
                if text.startswith("<?xml"):
                    head, sep, rest = text.partition("?>")
                    text = head + sep + dtd + rest
                else:
                    text = dtd + text
                text = text.replace("BOMBHERE", "&l9;")
                data = text.encode()
            dst.writestr(info, data)
    plain.unlink()


def test_xml_bomb_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "bomb.xlsx"
    _bomb(table)
    with pytest.raises(TableError, match="XML bomb"):
        read_table(table)
    res = runner.invoke(app, ["batch", str(table), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "XML bomb" in res.output


def test_broken_xml_is_a_clear_error(tmp_path: Path) -> None:
    table = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "name"
    wb.save(table)
    with zipfile.ZipFile(table) as src, zipfile.ZipFile(tmp_path / "junk.xlsx", "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, data + b"<junk/>" if info.filename == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(TableError, match="cannot read the workbook"):
        read_table(tmp_path / "junk.xlsx")


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlcompute._tables as tables

    table = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "name"
    wb.save(table)
    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED_BYTES", 100)
    with pytest.raises(TableError, match="zip bomb"):
        read_table(table)


def test_unwritable_output_folder(folder: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BatchInputError, match="cannot write to the output folder"):
        run_batch(folder, blocker / "out")
    res = runner.invoke(app, ["batch", str(folder), "-o", str(blocker)])
    assert res.exit_code == 2 and "not a folder" in res.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_output_folder(folder: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(BatchInputError, match="cannot write to the output folder"):
            run_batch(folder, ro)
    finally:
        ro.chmod(0o700)


def test_several_inputs_as_a_shell_glob_gives_them(folder: Path, tmp_path: Path) -> None:
    # `xlcompute batch scenarios/*.yaml other/a.yaml -o out`: the shell hands over several files; a file
    # named twice runs once, two a.yaml of two folders both run, their messages name the path typed.
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.yaml").write_text(GOOD.format(name="Other alpha", acc="H100"), encoding="utf-8")
    inputs = [folder / "a.yaml", folder / "bad.yaml", folder / "a.yaml", other / "a.yaml"]
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", *map(str, inputs), "-o", str(out), "-j", "1"])
    assert result.exit_code == 1, result.output  # one scenario failed, the others were written
    report = run_batch(inputs, out, jobs=1)
    assert [(i.source, i.status) for i in report.items] == [
        (str(folder / "a.yaml"), "skipped"), (str(folder / "bad.yaml"), "failed"), (str(other / "a.yaml"), "skipped")]
    assert [i.stem for i in report.items] == ["a", "bad", "a-2"]
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["a-2.xlsx", "a.xlsx", "index.xlsx"]
    # A folder and a table together, in the order given.
    table = tmp_path / "t.csv"
    table.write_text("name,model.preset,training.tokens,cluster.accelerator,cluster.cards,assumptions.mfu\n"
                     "Row one,llama2-7b,100B,H800,64,0.4\n", encoding="utf-8")
    both = run_batch([other, table], tmp_path / "out2", jobs=1)
    assert [(i.source, i.status) for i in both.items] == [(str(other / "a.yaml"), "ok"), ("t.csv row 2", "ok")]


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(BatchInputError, match="does not exist"):
        run_batch(tmp_path / "missing", tmp_path / "out")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BatchInputError, match="no scenario files"):
        run_batch(empty, tmp_path / "out")
    (tmp_path / "x.ods").write_text("")
    with pytest.raises(BatchInputError, match="csv"):
        run_batch(tmp_path / "x.ods", tmp_path / "out")
    with pytest.raises(BatchInputError, match="no INPUT given"):
        run_batch([], tmp_path / "out")
    with pytest.raises(BatchInputError, match="missing.yaml' does not exist"):
        (tmp_path / "good.yaml").write_text(GOOD.format(name="Good", acc="H800"), encoding="utf-8")
        run_batch([tmp_path / "good.yaml", tmp_path / "missing.yaml"], tmp_path / "out")


def test_pdf_needs_the_proposal_module(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xlcompute.report", None)  # import fails as if not installed
    with pytest.raises(BatchInputError, match="--pdf needs the proposal module"):
        run_batch(folder, tmp_path / "out", pdf=True)


def test_pdf_calls_the_proposal(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlcompute.estimate import Estimate

    calls: list[tuple[str, str, list[Path]]] = []

    def write_proposal(result, path, lang="en", attachments=()):  # type: ignore[no-untyped-def]
        assert isinstance(result, Estimate)  # the face gets the batch's estimate, never a scenario
        calls.append((result.scenario.name, lang, list(attachments)))
        Path(path).write_bytes(b"%PDF-1.7 fake")
        return Path(path)

    fake = types.ModuleType("xlcompute.report")
    fake.write_proposal = write_proposal  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlcompute.report", fake)
    (folder / "bad.yaml").unlink()
    report = run_batch(folder, tmp_path / "out", pdf=True, jobs=1, lang="zh", timeout=None)  # in this process
    assert {i.pdf for i in report.items} == {"a.pdf", "b.pdf", "c.pdf", "d.pdf"}
    assert calls[0][1] == "zh" and calls[0][2][0].name == "a.xlsx"


def test_slugs() -> None:
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("..") == "scenario"
    assert slug("CON") == "con-file"
    assert slug("2048 × 昇腾 910B — 70B 预训练") == "2048-昇腾-910b-70b-预训练"
    assert slug("a" * 300) == "a" * 80
    assert unique_slugs(["A", "a", "a-2", "A"]) == ["a", "a-2", "a-2-2", "a-3"]
    assert unique_slugs(["index"], taken={"index"}) == ["index-2"]


def test_nest() -> None:
    assert nest({"a.b": 1, "a.c": 2, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}
    with pytest.raises(ValueError, match="also given as a value"):
        nest({"cluster.accelerator": "H800", "cluster.accelerator.name": "x"})


def test_atomic_write(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    with atomic_write(target) as tmp:
        tmp.write_bytes(b"one")
    assert target.read_bytes() == b"one"
    with pytest.raises(RuntimeError):
        with atomic_write(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"one"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]
    blocker = tmp_path / "f.bin"
    with pytest.raises(OutputNotWritableError, match="cannot write to the output folder"):
        with atomic_write(blocker / "x"):
            pass


def test_batch_with_pdf_searches_each_layout_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workbook and the proposal take the batch's estimate: one layout search per scenario."""
    import xlcompute.estimate  # noqa: F401  (the package attribute is the function)

    est = sys.modules["xlcompute.estimate"]
    # The appendix's end-to-end table estimates the published runs once per process, whatever the
    # scenario: computed before counting.
    from xlcompute.report.context.validation import end_to_end_report

    end_to_end_report()
    searches: list[int] = []
    real = est.plan_layouts

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        # The proposal's alternatives section (xlcompute.compare) estimates the job on other cards:
        # those searches are its own, not a repeat of the batch's estimate.
        if not any(f.f_globals.get("__name__") == "xlcompute.compare" for f, _ in traceback.walk_stack(None)):
            searches.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(est, "plan_layouts", counting)
    d = tmp_path / "open"
    d.mkdir()
    (d / "open.yaml").write_text(GOOD.format(name="Open", acc="H800").replace("  tp: 1\n  pp: 1\n", "")
                                 .replace("assumptions:\n  mfu: 0.4\n", ""), encoding="utf-8")
    report = run_batch(d, tmp_path / "out", pdf=True, jobs=1, timeout=None)  # in this process: counted
    assert [i.status for i in report.items] == ["ok"], report.items[0].problems
    assert len(searches) == 1


def test_an_unreadable_table_among_several_inputs_fails_alone(folder: Path, tmp_path: Path) -> None:
    """A table with a formula and no saved result cannot be read; given with other INPUTs it is one failed
    entry (named, with the cell) and the scenario files beside it still run. Alone it stays an error of the
    input (exit 2), as before: there is nothing else to do."""
    table = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["name", "model.preset", "training.tokens", "cluster.cards"])
    wb.active.append(["x", "llama2-7b", "100B", 64])
    wb.active["D2"] = "=8*8"  # openpyxl writes the formula and no cached result
    wb.save(table)
    report = run_batch([folder / "a.yaml", table], tmp_path / "out", jobs=1)
    assert [i.status for i in report.items] == ["ok", "failed"]
    assert report.items[1].source == str(table) and "cell D2 holds a formula without a saved result" in \
        report.items[1].problems[0]
    with pytest.raises(BatchInputError, match="cell D2 holds a formula"):
        run_batch(table, tmp_path / "out2", jobs=1)


def test_the_index_names_a_failed_scenario_and_leaves_a_missing_fleet_empty(folder: Path, tmp_path: Path) -> None:
    """A scenario that fails still has its own name in the index (bad.yaml names itself "Bad"); a plan with no
    serving users has no serving cards (empty, as a serving-only plan's training columns are), not 0."""
    report = run_batch(folder, tmp_path / "out", jobs=1)
    bad = next(i for i in report.items if i.source == "bad.yaml")
    assert bad.status == "failed" and bad.name == "Bad"
    ok = next(i for i in report.items if i.source == "a.yaml")
    assert ok.status == "ok" and "serving_cards" not in ok.summary and "train_days" in ok.summary
