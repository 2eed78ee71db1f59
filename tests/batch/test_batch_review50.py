"""After the analyst's review of the fiftieth session (helper-106): a folder holding xlcompute's own workbooks
beside its scenarios (the README's `batch workbooks/scenarios` example) reads the scenarios only, and a scenario
whose name another one shares says so when that one failed and wrote nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from xlcompute.batch import run_batch
from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario
from xlcompute.workbook import write_workbook

SCENARIO = ("model: {preset: llama2-7b}\ntraining: {tokens: 1T}\ncluster: {accelerator: H800, cards: 64}\n"
            "assumptions: {mfu: 0.4}\n")


def test_a_folder_skips_the_workbooks_xlcompute_wrote_and_reads_a_users_table(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "plan.yaml").write_text(SCENARIO, encoding="utf-8")
    write_workbook(estimate(default_scenario()), folder / "plan.xlsx")  # a workbook beside its scenario
    table = openpyxl.Workbook()  # a user's table (openpyxl's creator): read
    ws = table.active
    ws.append(["name", "model", "tokens", "gpu", "gpus", "mfu"])
    ws.append(["T", "llama2-7b", "1T", "H800", 64, 0.4])
    table.save(folder / "rows.xlsx")
    report = run_batch(folder, tmp_path / "out", jobs=1, timeout=None)
    assert not report.failed, [(i.source, i.error) for i in report.items]
    assert sorted(Path(i.workbook).name for i in report.items if i.workbook) == ["plan.xlsx", "t.xlsx"]
    assert report.ignored == [str(folder / "plan.xlsx")]
    # A workbook xlcompute wrote, given a sheet named "scenarios" on purpose, is a table again.
    wb = openpyxl.load_workbook(folder / "plan.xlsx")
    sheet = wb.create_sheet("scenarios")
    sheet.append(["name", "model", "tokens", "gpu", "gpus", "mfu"])
    sheet.append(["S", "llama2-7b", "1T", "H800", 64, 0.4])
    wb.save(folder / "plan.xlsx")
    report = run_batch(folder, tmp_path / "out2", jobs=1, timeout=None)
    assert not report.ignored and "s.xlsx" in {Path(i.workbook).name for i in report.items if i.workbook}


def test_the_readme_folder_of_examples_runs_every_scenario(tmp_path: Path) -> None:
    """workbooks/scenarios holds each example's .yaml and its ready-made .xlsx: the README's batch example ran
    7 and failed 7 (each workbook read as a table), and wrote the scenarios as -2."""
    src = Path(__file__).parents[2] / "workbooks" / "scenarios"
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("h800-1000-llama70b", "h20-serving-qwen72b"):
        shutil.copy(src / f"{name}.yaml", folder)
        shutil.copy(src / f"{name}.xlsx", folder)
    report = run_batch(folder, tmp_path / "out", jobs=1, timeout=None)
    assert not report.failed and len(report.items) == 2 and len(report.ignored) == 2
    assert sorted(Path(i.workbook).name for i in report.items if i.workbook) == [
        "h20-serving-qwen72b.xlsx", "h800-1000-llama70b.xlsx"]
    assert not any(i.same_name or i.same_name_failed for i in report.items)


def test_a_name_taken_by_a_scenario_that_failed_is_said(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text('{"model": {"preset": "llama2-70b"}, "training": {"tokens": -1}}',
                                   encoding="utf-8")
    (folder / "a.yaml").write_text(SCENARIO, encoding="utf-8")
    report = run_batch(folder, tmp_path / "out", jobs=1, timeout=None)
    bad, good = report.items
    assert bad.status == "failed" and good.status != "failed"
    assert Path(good.workbook or "").name == "a-2.xlsx" and not (tmp_path / "out" / "a.xlsx").exists()
    assert good.same_name == [] and good.same_name_failed == ["a.json"]
