"""``--lang en|zh`` of xlcompute estimate, compare and plan: headers, row labels, units and the few
sentences in Chinese; English by default; a wrong language is one line and exit code 2."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app

runner = CliRunner()
# Four English words in a row (see tests/report/test_zh_edition.py), after the catalog's card names.
_ENGLISH = re.compile(r"[A-Za-z][A-Za-z'\-.]*(?:[ ,;:()/]+[A-Za-z][A-Za-z'\-.]*){3,}")
_NAMES = ("NVIDIA H800 SXM5 80GB", "Dubey et al", "Llama-2-70B")


def _run(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def _english(out: str) -> list[str]:
    for name in _NAMES:
        out = out.replace(name, " ")
    return _ENGLISH.findall(out)


def test_estimate_in_chinese() -> None:
    out = _run("estimate", "--lang", "zh")
    assert "1000 卡 H800 集群：70B 模型预训练与推理" in out  # the built-in scenario's name
    for words in ("模型", "规划内容", "并行布局", "训练 token 数", "2万亿", "物料清单", "总预算", "亿元", "万元",
                  "区间：总预算", "放得下"):
        assert words in out, words
    assert "Model" not in out and "Bill of materials" not in out and "Range:" not in out
    assert _english(out) == []


def test_estimate_is_english_by_default() -> None:
    out = _run("estimate")
    assert "1000-card H800 cluster" in out and "Bill of materials" in out and "Range: total budget" in out
    assert "万元" not in out and "模型" not in out


def test_compare_in_chinese() -> None:
    out = _run("compare", "--lang", "zh", "--gpu", "H800", "--gpu", "H20")
    for words in ("加速卡", "卡数", "天数", "万元", "总预算", "租赁", "2万亿"):  # headers wrap in narrow columns
        assert words in out, words
    assert "Card" not in out and "Total budget" not in out and "cards for" not in out
    assert _english(out) == []


def test_plan_in_chinese() -> None:
    out = _run("plan", "--lang", "zh", "--top", "2")
    flat = "".join(out.split())  # the console folds long notes at its width
    for words in ("并行布局", "选项", "全局批量", "每步秒数", "最优布局每步耗时", "重计算", "按整个作业每条序列的时间排名",
                  "MFU按模型FLOPs计"):
        assert words in flat, words
    assert "Best layout" not in out and "recompute" not in out
    assert _english(out) == []


@pytest.mark.parametrize("command", ["estimate", "compare", "plan"])
def test_a_wrong_language_is_one_line(command: str) -> None:
    res = runner.invoke(app, [command, "--lang", "fr"])
    assert res.exit_code == 2
    assert "--lang: must be en or zh, got 'fr'" in res.output


@pytest.mark.parametrize("command", ["estimate", "compare", "plan"])
def test_help_lists_lang(command: str) -> None:
    assert "--lang" in _run(command, "--help")


@pytest.mark.parametrize("width", [100, 120, 140])
def test_a_wrapped_chinese_line_loses_no_character(width: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # rich's default overflow printed "叶 32 + …" for "叶 32 + 脊 16" when 脊 (two cells wide) ended a line.
    sc = tmp_path / "s.yaml"
    sc.write_text("model: {preset: qwen2.5-72b}\ntraining: {tokens: 18T, seq_len: 4096}\n"
                  "cluster: {accelerator: 910B, cards: 1024}\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["estimate", str(sc), "--lang", "zh"], env={"COLUMNS": str(width)},
                             terminal_width=width)
    assert res.exit_code == 0, res.output
    assert "…" not in res.output
    flat = "".join(line.split("│")[2] if line.count("│") >= 3 else "" for line in res.output.splitlines())
    assert "脊" in flat and "叶" in flat


def test_input_problems_are_in_chinese_with_lang_zh(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A Chinese finance user's typing mistakes come back in Chinese after --lang zh (the common shapes: a value
    out of range, an unknown field, model or card, a wrong choice), the field named with its Chinese label;
    without --lang (or after it, in the same process) they stay English."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {preset: llama2-70bb}\ntraining: {tokens: -2T, sequence_length: 4096, recompute: partial}\n"
                   "cluster: {accelerator: H80, cards: 0}\nassumptions: {mfu: 40}\n", encoding="utf-8")
    res = runner.invoke(app, ["estimate", str(bad), "--lang", "zh"])
    assert res.exit_code == 2
    out = res.output
    assert "错误：" in out and "error:" not in out
    for words in ("training.tokens（训练 token 数）：应在 1 到 1e16 之间（实际为 -2000000000000）",
                  "cluster.cards（加速卡数量）：应为 1 到 10,000,000 之间的整数（实际为 0）",
                  "training.sequence_length：未知字段；是否指 training.seq_len？",
                  "training.recompute：应为 'none', 'selective' 或 'full'",
                  "model.preset：未知模型 'llama2-70bb'；是否指 llama2-70b",
                  "cluster.accelerator：未知加速卡 'H80'；是否指 H800",
                  "应在 0.001 到 1 之间；是否指 0.4（或“40%”）？"):
        assert words in out, words
    again = runner.invoke(app, ["estimate", str(bad)])
    assert again.exit_code == 2 and "error: " in again.output and "错误" not in again.output
    assert "training.tokens: must be from 1 to 1e16 (got -2000000000000)" in again.output


def test_a_problem_no_phrase_covers_stays_english_whole() -> None:
    """Never a sentence half in each language: a problem the table does not cover is printed as found."""
    from xlcompute.cli._problems_zh import problem_zh

    for line in ("--lang: must be en or zh, got 'x'",
                 "--set: 201 settings; at most 200 (put more in a scenario file)"):
        assert problem_zh(line) == line
