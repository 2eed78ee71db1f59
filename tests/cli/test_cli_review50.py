"""Chinese output of the fiftieth session's review (helper-106): the line a written file gets, a file the parser
refuses, the batch's progress label."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from xlcompute.cli import app

runner = CliRunner()


def test_a_workbook_written_is_said_in_chinese(tmp_path: Path) -> None:
    res = runner.invoke(app, ["workbook", "-o", str(tmp_path / "w.xlsx"), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("已写出 ") and "wrote" not in res.output


def test_a_file_the_parser_refuses_is_said_in_chinese_with_the_parsers_words_quoted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {preset: llama2-7b\ntraining: {tokens: 1T}\n", encoding="utf-8")
    res = runner.invoke(app, ["estimate", str(bad), "--lang", "zh"])
    assert res.exit_code == 2
    assert "无法解析 bad.yaml：第 2 行第 9 列（解析器原文：“did not find expected" in res.stderr
    res = runner.invoke(app, ["estimate", str(bad)])
    assert "cannot parse bad.yaml: line 2, column 9" in res.stderr


def test_the_batch_progress_label_is_chinese(tmp_path: Path) -> None:
    scenario = tmp_path / "a.yaml"
    scenario.write_text("model: {preset: llama2-7b}\ntraining: {tokens: 1T}\ncluster: {accelerator: H800, cards: 64}\n"
                        "assumptions: {mfu: 0.4}\n", encoding="utf-8")
    res = runner.invoke(app, ["batch", str(scenario), "-o", str(tmp_path / "out"), "-j", "1", "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert "批处理" in res.stderr and "batch ━" not in res.stderr


def test_a_card_that_cannot_run_gives_the_whole_reason_in_chinese(tmp_path: Path) -> None:
    """The English line gives the lightest layout's need and what to do; the Chinese one gave only "no layout of 8
    cards fits" (helper-106's review)."""
    path = tmp_path / "none.yaml"
    path.write_text("model: {preset: llama3.1-405b}\ntraining: {tokens: 1T}\ncluster: {accelerator: H800, cards: 8}\n",
                    encoding="utf-8")
    res = runner.invoke(app, ["compare", str(path), "--gpu", "H800", "--lang", "zh"])
    assert res.exit_code == 1
    line = " ".join(res.output.split())
    assert "H800 无法运行此任务：cluster.cards（8）：8 张卡的任何布局都无法把模型放进每卡 80 GB 显存" in line
    assert "最省显存的布局" in line and "816.6 GB" in line and "请增加卡数" in line
