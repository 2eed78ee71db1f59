"""What the review of the command line for a Chinese H800/H20/910B purchase found (review 48) and is now held:
compare refuses a deadline no cluster meets in one line (as estimate does), the sized deadline row says what the
fewer cards miss, the deadline refusal, a bare --set and the out-of-memory refusal read in Chinese, the compare
table never breaks a number, a refused 0 says to leave the field out, and the serving and MFU-source words."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.cli._problems_zh import _ENGLISH, _QUOTED
from xlcompute.estimate import estimate
from xlcompute.scenario import parse_scenario

runner = CliRunner()

_NO_DEADLINE = ["-s", "model=llama3.1-405b", "-s", "accelerator=H20", "-s", "tokens=2万亿", "-s", "deadline_days=1"]


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def _err_lines(res: object) -> list[str]:
    return [x for x in res.stderr.splitlines() if x.strip()]  # type: ignore[attr-defined]


def _english_left(text: str) -> bool:
    return bool(_ENGLISH.search(_QUOTED.sub("", text)))


# -- item 1: compare with a deadline no cluster meets -------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_refuses_an_impossible_deadline_as_estimate_does(lang: str) -> None:
    est = runner.invoke(app, ["estimate", "--lang", lang, *_NO_DEADLINE])
    cmp = runner.invoke(app, ["compare", "--lang", lang, *_NO_DEADLINE, "--gpu", "H800", "--gpu", "H20"])
    plan = runner.invoke(app, ["plan", "--lang", lang, *_NO_DEADLINE])
    assert est.exit_code == cmp.exit_code == plan.exit_code == 2
    for res in (cmp, plan):
        assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit))
        assert _err_lines(res) == _err_lines(est), res.output
    line = _err_lines(est)[0]
    assert len(_err_lines(est)) == 1 and "deadline_days" in line and "--set" in line
    if lang == "zh":
        assert line.startswith("错误：--set: training.deadline_days（1）无法满足：") and not _english_left(line), line
        assert "10,000,000 张卡" in line and "18.2 秒" in line
    else:
        assert "at 10,000,000 cards, failures, reliability.failures_per_card_hour, would stop" in line


def test_compare_json_with_an_impossible_deadline_gives_the_reasons() -> None:
    res = runner.invoke(app, ["compare", "--json", *_NO_DEADLINE, "--gpu", "H800", "--gpu", "H20"])
    # no card can: the JSON with each reason, and exit code 1 (since the fiftieth session) for a script
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert '"ok": false' in res.stdout and "cannot be met" in res.stdout


def test_compare_shows_the_cards_that_can_when_the_scenarios_own_cannot() -> None:
    args = ["compare", "--lang", "zh", "-s", "model=qwen2.5-72b", "-s", "accelerator=H20", "-s", "tokens=2万亿",
            "-s", "deadline_days=1", "--gpu", "H800", "--gpu", "H20"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    title = res.output.splitlines()[0]
    assert title.startswith("Qwen2.5-72B 训练：") and "1,000" not in title  # no count the sizing did not find
    reason = next(x for x in res.output.splitlines() if x.startswith("H20 无法运行此任务："))
    assert "training.deadline_days（1）无法满足" in reason and "xlcompute compare 命令会给出原因" not in reason


# -- item 3: the sized deadline row at a confidence above 0.5 -----------------------------------------------

_CONF = {"model": {"preset": "qwen2.5-72b"}, "cluster": {"accelerator": "H20"},
         "training": {"tokens": "2T", "deadline_days": 60, "deadline_confidence": 0.9}}


def test_the_sized_row_says_the_fewer_cards_miss_the_target_not_the_deadline() -> None:
    r = estimate(parse_scenario(_CONF))
    below = r.sized_miss_below()
    assert below is not None and r["deadline_plan_days"] < below.train_days < r["deadline_days"]
    target = f"{r['deadline_plan_days']:.1f}"  # the graph's own target (deadline_plan_days), as the row prints it
    args = ["-s", "model=qwen2.5-72b", "-s", "accelerator=H20", "-s", "tokens=2万亿", "-s", "deadline_days=60",
            "-s", "training.deadline_confidence=0.9"]
    zh = "".join(runner.invoke(app, ["estimate", "--lang", "zh", *args]).output.replace("│", " ").split())
    assert f"同样试算过的{below.cards:,}张卡需{below.train_days:.1f}天，超出置信度90%所要求的{target}天）" in zh
    assert "该卡数为试算中按期完成所需的最少卡数" in zh and "超期" not in zh and "为找到的" not in zh
    en = _flat(runner.invoke(app, ["estimate", *args]).output)
    assert (f"({below.cards:,} cards, estimated too, take {below.train_days:.1f} days: more than the {target} days "
            "that 90% confidence asks for)") in en and "past it" not in en


def test_at_the_default_confidence_the_fewer_cards_are_past_the_deadline() -> None:
    args = ["-s", "model=qwen2.5-72b", "-s", "accelerator=H20", "-s", "tokens=2万亿", "-s", "deadline_days=60"]
    zh = "".join(runner.invoke(app, ["estimate", "--lang", "zh", *args]).output.replace("│", " ").split())
    assert re.search(r"同样试算过的[\d,]+张卡需[\d.]+天，超期）", zh), zh
    assert "past it)" in _flat(runner.invoke(app, ["estimate", *args]).output)


# -- item 4: whole Chinese sentences ------------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "expected"), [
    ("cards", "错误：--set: 'cards'：应写成 FIELD=VALUE（字段名可带点），如 cluster.cards=1024"),
    ("cards=", "错误：--set: 'cards='：“=” 后没有值"),
])
def test_a_setting_without_a_value_reads_in_chinese(setting: str, expected: str) -> None:
    res = runner.invoke(app, ["estimate", "--lang", "zh", "-s", setting])
    assert res.exit_code == 2 and _err_lines(res) == [expected]


def test_a_value_used_as_a_section_reads_in_chinese() -> None:
    res = runner.invoke(app, ["estimate", "--lang", "zh", "-s", "training.tokens=2T", "-s", "training.tokens.x=1"])
    assert res.exit_code == 2
    assert "错误：--set: 'training.tokens.x=1'：training.tokens 是一个值，不是字段分组" in _err_lines(res)


def test_the_out_of_memory_refusal_quotes_its_sources_in_chinese() -> None:
    args = ["-s", "model=llama3.1-405b", "-s", "accelerator=910B", "-s", "cards=64", "-s", "tokens=2T"]
    res = runner.invoke(app, ["estimate", "--lang", "zh", *args])
    assert res.exit_code == 2
    (line,) = _err_lines(res)
    assert line.startswith("错误：--set: cluster.cards（64）：64 张卡的任何布局都无法把模型放进每卡 64 GB 显存")
    # the sources worded from their origins (xlcompute.sources); the catalog's citation stays as published
    assert "全局批大小来源：“默认值：每步 4M token / seq_len（默认 token 预算" in line
    assert "每卡显存来源：“目录：Huawei Ascend 910B" in line and "default: 4M tokens per step" not in line
    assert not _english_left(line)
    en = runner.invoke(app, ["estimate", *args])
    assert "(global batch: default: 4M tokens per step / seq_len" in en.stderr  # English keeps its own line


# -- item 5: the compare table ------------------------------------------------------------------------------

_TABLES = {
    "default": {},
    "deepseek": {"model": {"preset": "deepseek-v3"}, "training": {"tokens": "2T"},
                 "cluster": {"accelerator": "H800", "cards": 2048}},
    "review": {"model": {"preset": "qwen2.5-72b"}, "training": {"tokens": "2T"},
               "cluster": {"accelerator": "H800", "cards": 1024}},
}


@pytest.fixture(scope="module")
def comparisons() -> dict[str, object]:
    from xlcompute.compare import compare
    from xlcompute.scenario import default_scenario

    return {k: compare(parse_scenario(v) if v else default_scenario()) for k, v in _TABLES.items()}


def _render(comparison: object, lang: str, width: int) -> tuple[str, list[list[str]], tuple[str, ...]]:
    from xlcompute.cli.compare import _TRAINING_KEYS, _columns, _rows, _table

    rows = _rows(comparison, False, lang)  # type: ignore[arg-type]
    heads = _columns(comparison.currency, lang)  # type: ignore[attr-defined]
    out = io.StringIO()
    Console(width=width, file=out, color_system=None).print(_table("t", _TRAINING_KEYS, heads, rows, width))
    return out.getvalue(), rows, heads


def _pieces(text: str, bar: str) -> set[str]:
    """Every word of every cell line of the table's rows (bar "│") or header (bar "┃")."""
    return {w for line in text.splitlines() if line.count(bar) >= 2 for part in line.split(bar) for w in part.split()}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [100, 120, 160])
@pytest.mark.parametrize("name", list(_TABLES))
def test_no_number_or_layout_is_broken_across_lines(comparisons: dict[str, object], name: str, width: int,
                                                    lang: str) -> None:
    text, rows, heads = _render(comparisons[name], lang, width)
    assert max(len(x) for x in text.splitlines()) <= width
    cells = _pieces(text, "│")
    for row in rows:
        for cell in row:
            for word in cell.split():
                assert word in cells, f"{word!r} broken at {width} columns:\n{text}"
    serves = any(row[10] for row in rows)  # a training-only job has no cost per output token: no column for it
    top = next(x for x in text.splitlines() if x.startswith("┏"))
    assert top.count("┳") + 1 == (12 if serves else 11), text
    if width >= 120:  # wide enough for every header word (broken at spaces, or between marked Chinese words)
        header = _pieces(text, "┃")
        words = [w for j, h in enumerate(heads) if j != 10 or serves for w in h.replace("\u200b", " ").split()]
        assert all(any(w in piece for piece in header) for w in words), text


def test_the_reviewers_table_at_120_columns() -> None:
    res = runner.invoke(app, ["compare", "--lang", "zh", "-s", "model=qwen2.5-72b", "-s", "tokens=2万亿", "-s",
                              "cards=1024", "-s", "accelerator=H800"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert "│ 4·1·2·128 " in res.output and not any(re.search(r"│ 8\s+│", x) for x in lines)
    assert "MFU（预测）" in res.output and "自建/租赁" in res.output and "┃ 资本   ┃" in res.output  # broken between words
    assert "\u200b" not in res.output  # the header's break marks are the table's, never printed
    assert "每百万推理输出" not in res.output


def test_a_serving_table_keeps_its_cost_per_token() -> None:
    res = runner.invoke(app, ["compare", "--lang", "zh", "-s", "model=qwen2.5-72b", "-s", "users=2000", "-s",
                              "accelerator=H20", "--gpu", "H20", "--gpu", "H800"])
    assert res.exit_code == 0, res.output
    assert "每百万推理输出" in res.output


# -- item 7: a refused 0 where the label says "0 = none given" ----------------------------------------------

@pytest.mark.parametrize(("setting", "zh", "en"), [
    ("mfu=0", "assumptions.mfu（假设的 MFU）：应在 0.001 到 1 之间（实际为 0）；如需“未给定，用预测值”，不填此项（表格中留空）即可",
     "assumptions.mfu: must be from 0.001 to 1 (got 0); for “none given: the predicted MFU is used”, leave the "
     "field out (or its table cell empty)"),
    ("deadline_days=0", "training.deadline_days（训练截止期限）：应在 0.01 到 36,500 之间（实际为 0）；如需“未给定”，"
     "不填此项（表格中留空）即可",
     "training.deadline_days: must be from 0.01 to 36,500 (got 0); for “none given”, leave the field out (or its "
     "table cell empty)"),
])
def test_a_refused_zero_says_to_leave_the_field_out(setting: str, zh: str, en: str) -> None:
    base = ["-s", "model=qwen2.5-72b", "-s", "tokens=2T", "-s", "cards=1024", "-s", setting]
    res = runner.invoke(app, ["estimate", "--lang", "zh", *base])
    assert res.exit_code == 2 and _err_lines(res) == [f"错误：--set: {zh}"]
    res = runner.invoke(app, ["estimate", *base])
    assert res.exit_code == 2 and _err_lines(res) == [f"error: --set: {en}"]


def test_a_zero_label_is_read_not_hard_coded() -> None:
    from xlcompute.cli._zero import refuses_zero, zero_hint, zero_label

    assert zero_label("卸载层（主机内存）容量（每卡，0 = 无）") == ("卸载层（主机内存）容量（每卡）", "无")
    assert zero_label("Checkpoint interval (0 = Young–Daly optimum)") == ("Checkpoint interval", "Young–Daly optimum")
    assert zero_label("训练 token 数") is None
    assert refuses_zero("must be from 0.001 to 1 (got 0)") and refuses_zero("must be above 0, up to 5 (got 0)")
    assert not refuses_zero("must be from 0 to 1 (got -1)") and not refuses_zero("expected a number")
    assert zero_hint("assumptions.mfu", "must be from 0.001 to 1; did you mean 0.4 (or \"40%\")? (got 40)", "en") == ""
    res = runner.invoke(app, ["estimate", "--lang", "zh", "-s", "model=qwen2.5-72b", "-s", "tokens=2T", "-s", "mfu=40"])
    assert "assumptions.mfu（假设的 MFU）：应在 0.001 到 1 之间；是否指 0.4" in res.output and "0 = " not in res.output


# -- item 11: the serving count's measure word, the MFU given with --set ------------------------------------

def test_the_serving_cards_take_their_measure_word() -> None:
    out = _flat(runner.invoke(app, ["estimate", "--lang", "zh"]).output)
    assert "48 张卡，服务 2,000 名并发用户" in out and "48 卡" not in out


def test_an_mfu_typed_with_set_is_sourced_to_the_command_line(tmp_path: Path) -> None:
    base = ["-s", "model=qwen2.5-72b", "-s", "tokens=2T", "-s", "cards=1024"]
    zh = _flat(runner.invoke(app, ["estimate", "--lang", "zh", *base, "-s", "mfu=0.4"]).output)
    assert "40.0%——命令行 --set：assumptions.mfu" in zh and "场景文件" not in zh
    en = _flat(runner.invoke(app, ["estimate", *base, "-s", "assumptions.mfu=0.4"]).output)
    assert "40.0% — command line (--set): assumptions.mfu" in en
    path = tmp_path / "s.yaml"
    path.write_text("model: {preset: qwen2.5-72b}\ntraining: {tokens: 2T}\ncluster: {cards: 1024}\n"
                    "assumptions: {mfu: 0.3}\n", encoding="utf-8")
    assert "30.0%——场景文件：assumptions.mfu" in _flat(runner.invoke(app, ["estimate", str(path), "--lang", "zh"]).output)
    other = _flat(runner.invoke(app, ["estimate", str(path), "--lang", "zh", "-s", "tokens=3T"]).output)
    assert "30.0%——场景文件：assumptions.mfu" in other  # set on the command line: the tokens, not the MFU
    given = _flat(runner.invoke(app, ["estimate", str(path), "--lang", "zh", "-s", "mfu=0.35"]).output)
    assert "35.0%——命令行 --set：assumptions.mfu" in given
