"""An analyst's review of ``xlcompute batch``: stale outputs, the index's widths and units, plans that
cannot run, headers as users type them, Chinese, tables in folders and the names of failed rows."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import xlcompute.batch as batch
from xlcompute._tables import TableError, read_table
from xlcompute.batch import RECORD_DIR, BatchItem, _write_index, run_batch
from xlcompute.cli import app
from xlcompute.scenario import ScenarioError, parse_scenario

runner = CliRunner()
HEAD = "name,model,tokens,accelerator,cards\n"
ROW_A = "Alpha,llama2-7b,100B,A100,64\n"
ROW_B = "Beta,llama2-7b,100B,A100,64\n"


@pytest.fixture()
def fake_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proposal module that writes a small file (the real one needs WeasyPrint and takes seconds)."""
    def write_proposal(result, path, lang="en", attachments=()):  # type: ignore[no-untyped-def]
        Path(path).write_bytes(b"%PDF-1.7 fake " + str(result.scenario.cluster.cards).encode())
        return Path(path)

    fake = types.ModuleType("xlcompute.report")
    fake.write_proposal = write_proposal  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlcompute.report", fake)


def _index_rows(out: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(out / "index.xlsx").active
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


# -- 1, 2: outputs an earlier run made that no longer match their input ---------------------------------


def test_a_scenario_that_now_fails_loses_the_outputs_an_earlier_run_made(tmp_path: Path, fake_pdf: None) -> None:
    table, out = tmp_path / "plans.csv", tmp_path / "out"
    table.write_text(HEAD + ROW_A + ROW_B + "Gamma,llama2-7b,100B,A100,64\n", encoding="utf-8")
    run_batch(table, out, jobs=1, timeout=None, pdf=True)
    assert (out / "beta.xlsx").is_file() and (out / "beta.pdf").is_file()
    (out / "gamma.xlsx").write_bytes(b"the analyst's own file, not the batch's")  # not what the record holds
    table.write_text(HEAD + ROW_A + "Beta,llama2-7b,100B,H80,64\nGamma,llama2-7b,100B,H80,64\n", encoding="utf-8")
    report = run_batch(table, out, jobs=1, timeout=None, pdf=True)
    beta, gamma = report.items[1], report.items[2]
    assert beta.status == gamma.status == "failed"
    # Beta's outputs were the batch's own (the record proves it) and hold figures of an input that is gone.
    assert beta.removed == ["beta.xlsx", "beta.pdf"] and beta.left == []
    assert not (out / "beta.xlsx").exists() and not (out / "beta.pdf").exists()
    assert not (out / RECORD_DIR / "beta.json").exists()
    # A file the record does not prove is never removed, only named; Gamma's own PDF is removed.
    assert gamma.removed == ["gamma.pdf"] and gamma.left == ["gamma.xlsx"] and (out / "gamma.xlsx").is_file()
    problems = {row[0]: str(row[-1]) for row in _index_rows(out)}
    assert "removed beta.xlsx, beta.pdf" in problems["plans.csv row 3"]
    assert "gamma.xlsx in the folder is not in this batch's record" in problems["plans.csv row 4"]
    assert report.items[0].removed == [] and (out / "alpha.xlsx").is_file()


def test_a_rerun_without_pdf_removes_the_pdf_of_the_earlier_figures(tmp_path: Path, fake_pdf: None) -> None:
    table, out = tmp_path / "plans.csv", tmp_path / "out"
    table.write_text(HEAD + ROW_A, encoding="utf-8")
    run_batch(table, out, jobs=1, timeout=None, pdf=True)
    assert (out / "alpha.pdf").read_bytes().endswith(b" 64")
    table.write_text(HEAD + "Alpha,llama2-7b,100B,A100,128\n", encoding="utf-8")
    res = runner.invoke(app, ["batch", str(table), "-o", str(out), "-j", "1", "--timeout", "0"])
    assert res.exit_code == 0, res.output
    assert (out / "alpha.xlsx").is_file() and not (out / "alpha.pdf").exists()
    assert "removed alpha.pdf: made by an earlier run with --pdf" in res.output
    assert "removed alpha.pdf" in str(_index_rows(out)[0][-1])
    # The next run has nothing stale left: no note.
    again = run_batch(table, out, jobs=1, timeout=None)
    assert again.items[0].status == "skipped" and again.items[0].removed == []


# -- 3, 7: the index's widths, header and units ---------------------------------------------------------


def test_index_columns_fit_a_billion_and_the_header_shows_whole(tmp_path: Path) -> None:
    summary = {"gpu_count": 4800, "train_flops": 6.8e24, "train_days": 59.9, "gpu_hours": 6_900_835,
               "mem_per_gpu_gb": 62.3, "mem_fits": 1, "serving_cards": 80, "train_cost": 103_512_529,
               "capex_total": 1_852_478_400, "total_budget": 2_451_089_118.8}
    items = [BatchItem(source="d.csv row 2", stem="d", name="deadline sized", status="ok", workbook="d.xlsx",
                       currency="CNY", summary=summary),
             BatchItem(source="nofit.yaml", stem="n", status="warning", currency="CNY",
                       summary={**summary, "mem_fits": 0, "total_budget": 1.2e12})]
    _write_index(items, tmp_path / "index.xlsx", "en")
    ws = openpyxl.load_workbook(tmp_path / "index.xlsx").active
    headers = [c.value for c in ws[1]]
    col = {h.split(" [")[0]: i + 1 for i, h in enumerate(headers)}
    letter = ws.cell(row=1, column=col["Total budget over the period"]).column_letter
    assert ws.column_dimensions[letter].width >= len("¥1,200,000,000,000") + 1  # no ### for 10^12
    letter = ws.cell(row=1, column=col["Capital expenditure"]).column_letter
    assert ws.column_dimensions[letter].width >= len("¥1,852,478,400") + 1
    # The wrapped header is shown whole: at least three lines' height for "Training time, end to end (…)".
    assert ws.row_dimensions[1].height is not None and ws.row_dimensions[1].height >= 3 * 15
    # Units in the headers, the currency when the rows share one.
    assert "Training time, end to end (failures, checkpoints, planned work) [days]" in headers
    assert "Card-hours, end to end (every card of the cluster) [card-h]" in headers
    assert "Training memory per card [GB]" in headers and "Capital expenditure [CNY]" in headers
    # Fits in HBM reads yes / no through its number format, as in the workbook; the cell keeps the 1/0 flag.
    fits = col["Fits in HBM"]
    assert [ws.cell(row=r, column=fits).value for r in (2, 3)] == [1, 0]
    assert ws.cell(row=2, column=fits).number_format == '[=1]"yes";[=0]"no";General'


def test_index_of_mixed_currencies_says_the_rows_currency_and_zh_has_units(tmp_path: Path) -> None:
    items = [BatchItem(source="a", stem="a", status="ok", currency="CNY", summary={"capex_total": 1.0}),
             BatchItem(source="b", stem="b", status="ok", currency="USD", summary={"capex_total": 1.0})]
    _write_index(items, tmp_path / "index.xlsx", "en")
    headers = [c.value for c in openpyxl.load_workbook(tmp_path / "index.xlsx").active[1]]
    assert "Capital expenditure [the row's currency]" in headers
    _write_index(items[:1], tmp_path / "zh.xlsx", "zh")
    ws = openpyxl.load_workbook(tmp_path / "zh.xlsx").active
    headers = [c.value for c in ws[1]]
    assert "每卡训练显存（单位：GB）" in headers and "资本支出合计（单位：元）" in headers
    assert "端到端训练时间（含故障、检查点与计划内开销）（单位：天）" in headers and "显存是否够用" in headers


# -- 4: plans that cannot run -----------------------------------------------------------------------------


def test_a_plan_that_does_not_fit_or_misses_its_deadline_is_a_warning(tmp_path: Path) -> None:
    table, out = tmp_path / "plans.csv", tmp_path / "out"
    table.write_text("name,model,tokens,accelerator,cards,training.tp,training.pp,training.deadline_days\n"
                     "nofit,llama3.1-405b,1T,A100,64,1,1,\n"
                     "late,llama3.1-70b,15T,H800,1000,,,60\n"
                     "fine,llama2-7b,100B,A100,64,,,\n", encoding="utf-8")
    res = runner.invoke(app, ["batch", str(table), "-o", str(out), "-j", "1", "--timeout", "0"])
    assert res.exit_code == 0, res.output  # warnings are not failures
    assert "2 with a warning" in res.output
    assert "plans.csv row 2: needs 1,989.5 GB per card of 80 GB: does not fit" in res.output
    assert "plans.csv row 3: misses the 60-day deadline by 203.8 days; 4,800 cards meet it" in res.output
    rows = _index_rows(out)
    assert [r[2] for r in rows] == ["warning", "warning", "ok"]
    assert rows[0][-1] == "needs 1,989.5 GB per card of 80 GB: does not fit"
    # A rerun skips the plans, and keeps saying they cannot run.
    report = run_batch(table, out, jobs=1, timeout=None)
    assert [i.status for i in report.items] == ["skipped"] * 3
    assert [len(i.warnings) for i in report.items] == [1, 1, 0]
    assert [r[2] for r in _index_rows(out)] == ["warning (up to date)", "warning (up to date)", "up to date"]


def test_plan_warnings_in_chinese() -> None:
    from xlcompute.estimate import estimate

    nofit = estimate(parse_scenario({"model": "llama3.1-405b", "tokens": "1T", "accelerator": "A100", "cards": 64,
                                     "training": {"tp": 1, "pp": 1}}))
    assert batch._plan_warnings(nofit, "zh") == ["训练每卡需显存 1,989.5 GB，单卡仅 80 GB：放不下"]
    serving = estimate(parse_scenario({"model": "llama2-7b", "accelerator": "A100", "users": 100}))
    assert batch._plan_warnings(serving, "en") == []


# -- 5: headers as users type them --------------------------------------------------------------------------


def test_headers_in_any_case_with_a_notes_column(tmp_path: Path) -> None:
    table = tmp_path / "cols.csv"
    table.write_text(" Name ,Model,Tokens,GPU,GPUs,MFU,#notes\nCaps,llama2-7b,1T,A100,64,40%,ask the vendor\n",
                     encoding="utf-8")
    (row,) = read_table(table)
    scenario = parse_scenario(row.data, row.source)
    assert (scenario.name, scenario.cluster.cards, scenario.cluster.accelerator) == ("Caps", 64, "A100")
    # Name and name are one column.
    table.write_text("Name,name\nx,y\n", encoding="utf-8")
    with pytest.raises(TableError, match="duplicate column names"):
        read_table(table)


@pytest.mark.parametrize(("data", "hint"), [
    ({"Name": "x"}, "Name: unknown field; did you mean name?"),
    ({"MFU": 0.4}, "MFU: unknown field; did you mean mfu?"),
    ({"acelerator": "A100"}, "acelerator: unknown field; did you mean accelerator (cluster.accelerator)?"),
    ({"trainng": {}}, "trainng: unknown field; did you mean training?"),
    ({"notes": "ask"}, "notes: unknown field; for your own notes use description, or in a table a column whose "
                       "name starts with # (e.g. #notes)"),
])
def test_unknown_field_hints_at_the_top_level(data: dict[str, object], hint: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario({"model": "llama2-7b", "tokens": "1T", **data})
    assert any(p.startswith(hint) for p in err.value.problems), err.value.problems
    assert not any("mean ." in p for p in err.value.problems)


def test_chinese_headers_name_the_english_fields(tmp_path: Path) -> None:
    table = tmp_path / "zh.csv"
    table.write_text("名称,模型,训练数据量,加速卡,卡数,#备注\n中文列,llama2-7b,1T,A100,64,x\n", encoding="utf-8")
    with pytest.raises(TableError) as err:
        read_table(table)
    assert "column A ('名称'): column names are the scenario's English field names: name, model, tokens, " \
           "accelerator, cards, users, mfu" in str(err.value)


def test_the_sheet_read_is_named_when_its_header_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "multi.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表每行一个方案"])
    wb.create_sheet("方案").append(["name", "model"])
    wb.save(path)
    with pytest.raises(TableError, match=r"multi\.xlsx, sheet '说明' \(the first sheet; a sheet named 'scenarios' "
                                         r"is read instead"):
        read_table(path)


# -- 6: Chinese in the index and on screen --------------------------------------------------------------------


def test_chinese_index_and_screen_words(tmp_path: Path) -> None:
    items = [BatchItem(source="t.csv row 3", stem="t", name="甲", status="failed",
                       problems=["training.tokens: required, but missing"])]
    _write_index(items, tmp_path / "index.xlsx", "zh")
    row = _index_rows(tmp_path)[0]
    assert row[0] == "t.csv 第 3 行" and row[1] == "甲" and row[2] == "失败"
    assert "必填，但缺失" in str(row[-1]) and "required" not in str(row[-1])
    table = tmp_path / "plans.csv"
    table.write_text(HEAD + ROW_A + "Bad,llama2-7b,,A100,64\n", encoding="utf-8")
    res = runner.invoke(app, ["batch", str(table), "-o", str(tmp_path / "out"), "-j", "1", "--timeout", "0",
                              "--lang", "zh"])
    assert res.exit_code == 1
    assert "写入 1 个，0 个未变更（跳过），1 个失败" in res.output
    assert "失败：plans.csv 第 3 行" in res.output


# -- 8: tables in a scenario folder ----------------------------------------------------------------------------


def test_tables_in_a_scenario_folder_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "small.yaml").write_text("name: Small\nmodel: llama2-7b\ntokens: 100B\ncards: 64\n", encoding="utf-8")
    (folder / "more.csv").write_text(HEAD + ROW_A + ROW_B, encoding="utf-8")
    (folder / "~$more.xlsx").write_bytes(b"Excel's lock file")
    report = run_batch(folder, tmp_path / "out", jobs=1, timeout=None)
    assert [i.source for i in report.items] == ["more.csv row 2", "more.csv row 3", "small.yaml"]
    assert [i.status for i in report.items] == ["ok", "ok", "ok"]
    # A folder that is also the output folder: its workbooks and index are ours, never read as tables.
    again = run_batch(folder, folder, jobs=1, timeout=None)
    assert len(again.items) == 3 and again.ignored == []
    third = run_batch(folder, folder, jobs=1, timeout=None)
    assert [i.status for i in third.items] == ["skipped"] * 3
    assert sorted(Path(p).name for p in third.ignored) == ["alpha.xlsx", "beta.xlsx", "index.xlsx", "small.xlsx"]


# -- 9: a failed row keeps its name -----------------------------------------------------------------------------


def test_a_failed_row_keeps_its_name(tmp_path: Path) -> None:
    rule, extra = tmp_path / "rule.csv", tmp_path / "extra.csv"
    rule.write_text("name,model,tokens,accelerator,cards,training.tp,training.pp\n"
                    "tp three,llama2-7b,1T,A100,63,3,1\n", encoding="utf-8")
    extra.write_text(HEAD + "note row,llama2-7b,1T,A100,64,remember to ask vendor\n", encoding="utf-8")
    report = run_batch([rule, extra], tmp_path / "out", jobs=1, timeout=None)
    assert [i.status for i in report.items] == ["failed", "failed"]
    assert [i.name for i in report.items] == ["tp three", "note row"]
    assert [r[1] for r in _index_rows(tmp_path / "out")] == ["tp three", "note row"]


# -- 13: names given twice ----------------------------------------------------------------------------------------


def test_scenarios_named_alike_are_said(tmp_path: Path) -> None:
    table = tmp_path / "plans.csv"
    table.write_text(HEAD + "dup,llama2-7b,100B,A100,64\nDup,llama2-7b,200B,A100,64\n" + ROW_A, encoding="utf-8")
    res = runner.invoke(app, ["batch", str(table), "-o", str(tmp_path / "out"), "-j", "1", "--timeout", "0"])
    assert res.exit_code == 0, res.output
    assert "plans.csv row 2: another scenario has the same name (dup-2.xlsx)" in res.output
    assert "plans.csv row 3: another scenario has the same name (dup.xlsx)" in res.output
    problems = [r[-1] for r in _index_rows(tmp_path / "out")]
    assert "another scenario has the same name (dup-2.xlsx)" in str(problems[0]) and problems[2] is None
