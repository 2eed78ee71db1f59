"""The Chinese proposal reads as Chinese typesetting: full-width punctuation inside Chinese sentences, no
space after a Chinese full stop or comma or between two ideographs, no internal references a committee cannot
resolve (an issue number, the seed documents, a code constant), and the catalog's and recipes' explanations in
Chinese (a reviewer's reading of the default and two DeepSeek-V3 proposals).

The text checked is what a reader sees: the rendered HTML with its tags removed, one line per block (a
paragraph, a cell, a chart label), runs of white space (no-break spaces included) read as one space.
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

import pytest

from xlcompute import catalog
from xlcompute.estimate import Estimate, estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.appendix import CATALOG_TEXT_ZH
from xlcompute.report.render import render_html
from xlcompute.scenario import default_scenario, parse_scenario
from xlcompute.sources import RECIPE_ZH

_DEEPSEEK: dict[str, Any] = {"model": {"preset": "deepseek-v3"},
                             "training": {"tokens": "14.8T", "precision": "fp8"},
                             "cluster": {"accelerator": "H800", "cards": 2048}}
# The same run on DeepSeek-V3's published layout and DualPipe schedule.
_DEEPSEEK_GIVEN: dict[str, Any] = {**_DEEPSEEK, "training": {**_DEEPSEEK["training"], "tp": 1, "pp": 16, "ep": 64,
                                                            "dualpipe": True}}

_CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"  # ideographs, CJK and full-width punctuation
_BLOCK = re.compile(r"</?(?:p|li|ul|ol|td|th|tr|table|thead|tbody|h[1-6]|div|section|figure|figcaption|caption|"
                    r"title|text|nav|header|footer|br)\b[^>]*>", re.I)
_DROPPED = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)

#: Text the Chinese proposal printed before: internal references, English explanations, ASCII brackets.
OLD_TEXT = ("issue 13", "China export SKU", "DUALPIPE_OVERLAP", "预注册", "净现值", "种子文档", "默认 false",
            "sequences of 4,096 tokens", "each token is sent", "软件 typical", "* 实测", " (ETTR)", " (MFU)", " (TP)")


def visible_lines(page: str) -> list[str]:
    """The page's text as a reader sees it: one line per block, inline tags removed, spaces collapsed."""
    text = _BLOCK.sub("\n", _DROPPED.sub("", page))
    text = _html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


_FAULTS = re.compile(
    rf"[{_CJK}][,:] "  # ASCII comma or colon after a Chinese character: "本方案: 26.7"
    r"|[,:] [\u4e00-\u9fff]"  # ... or before a Chinese word: "（叶 32, 脊 16）"
    r"|\d%, [−+\d]"  # a list of percentages separated by ASCII commas: "−16.1%, −19.3%"
    r"|[。，、；：] "  # a space after a full-width stop or comma: "。 该工作负载"
    r"|[\u4e00-\u9fff] [\u4e00-\u9fff]"  # a space between two ideographs: "1,511.95万元 而非"
)


def typesetting_faults(lines: list[str]) -> list[str]:
    """The lines of Chinese text (one ideograph at least) with a fault of :data:`_FAULTS`."""
    return [line for line in lines if re.search("[\u4e00-\u9fff]", line) and _FAULTS.search(line)]


@pytest.fixture(scope="module")
def renders() -> dict[str, tuple[Estimate, list[str]]]:
    out = {}
    for name, scenario in (("default", default_scenario()), ("deepseek", parse_scenario(_DEEPSEEK)),
                           ("deepseek_given", parse_scenario(_DEEPSEEK_GIVEN))):
        r = estimate(scenario)
        out[name] = (r, visible_lines(render_html(r, "zh")))
    return out


@pytest.mark.parametrize("name", ["default", "deepseek", "deepseek_given"])
def test_chinese_punctuation_and_spacing(renders: dict[str, tuple[Estimate, list[str]]], name: str) -> None:
    assert typesetting_faults(renders[name][1]) == []


@pytest.mark.parametrize("name", ["default", "deepseek", "deepseek_given"])
def test_no_internal_reference_or_old_wording_is_left(renders: dict[str, tuple[Estimate, list[str]]],
                                                      name: str) -> None:
    text = "\n".join(renders[name][1])
    assert [old for old in OLD_TEXT if old in text] == []
    # a predicted MFU is not repeated in brackets ("20.3%（20.3%）")
    assert not re.search(r"(\d+\.\d%) ?[(（]\1[)）]", text)


def test_catalog_and_recipe_explanations_are_chinese(renders: dict[str, tuple[Estimate, list[str]]]) -> None:
    text = "\n".join(renders["deepseek"][1])
    assert "NVLink 4（中国出口版，带宽降低）" in text
    assert "软件栈：典型（typical）" in text
    assert "每批 15,360 条 4,096 token 序列" in text
    assert "DeepSeek-V3 公布的计算–通信重叠" in text and "最多发往 4 台服务器" in text
    assert "默认关闭（1F1B 调度）" in text


def test_every_catalog_description_and_recipe_source_has_its_chinese() -> None:
    # a description with words or brackets (not a bare name such as "SXM5", "NVLink 4", "HBM3") is worded
    described = {text for g in catalog.gpus() for text in (g.link_name, g.form_factor, g.hbm_type)
                 if text and re.search(r"[(,]|\b[a-z]{3,}\b", text)}
    assert sorted(described - CATALOG_TEXT_ZH.keys()) == []
    sources = {text for m in catalog.models() for text in (
        *((m.recipe.batch_source, m.recipe.a2a_source, m.recipe.dedup_source, m.recipe.precision_source)
          if m.recipe else ()), m.released_precision_source) if text}
    assert sorted(sources - RECIPE_ZH.keys()) == []


def test_the_serving_cost_clause_only_when_the_plan_serves(renders: dict[str, tuple[Estimate, list[str]]]) -> None:
    clause = "推理成本按最低租用方案下推理集群的价格计"
    assert renders["default"][0].serves and clause in "\n".join(renders["default"][1])
    assert not renders["deepseek"][0].serves and clause not in "\n".join(renders["deepseek"][1])
    en = render_html(renders["deepseek"][0], "en")
    assert "training cost at the rental price." in en and "serving cost at the price" not in en


def test_the_checks_find_the_old_faults() -> None:
    # lines of the proposal as it was printed before
    old = visible_lines(
        "<html><head><title>算力容量方案: 1000 卡 H800 集群</title></head><body>"
        "<table><tr><td>交换机，64 端口（叶 32, 脊 16）</td><td>48 台</td></tr></table>"
        "<p>3 年总成本为 5.02亿元（资本支出 3.69亿元）。 该工作负载使集群利用率为 <strong>7.1%</strong></p>"
        "<p>按租赁价计成本为 1,511.95万元 而非 960.85万元。</p><p>时模型偏快 −16.1%, −19.3%（首次预测）</p>"
        "<svg><text>本方案: 26.7</text></svg></body></html>")
    assert len(old) == 7 and typesetting_faults(old) == [line for line in old if line != "48 台"]
    # and the fixed text passes: full-width punctuation, a space only between a Chinese word and a Latin one
    assert typesetting_faults(["交换机，64 端口（叶 32，脊 16）", "TP 2 × PP 5 × DP 100，EP 64（Dubey et al. 2024，Table 4）",
                               "3.69亿元）。该工作负载", "按租赁价计成本为 1,511.95万元，而非 960.85万元。"]) == []


def test_the_present_value_is_not_called_npv(renders: dict[str, tuple[Estimate, list[str]]]) -> None:
    glossary = build_context(renders["default"][0], "zh")["glossary"]
    assert "现值（PV）" in [row["term"] for row in glossary]


def test_the_validation_tables_rows_add_up_to_the_runs_the_intro_counts(
        renders: dict[str, tuple[Estimate, list[str]]]) -> None:
    """"390 published step-time measurements" and a per-set table whose rows add to 389 (the software stacks'
    calibration run was left out): a quantity shown twice must agree."""
    import re

    v = build_context(renders["default"][0], "en")["validation"]
    total = int(re.search(r"checked against ([\d,]+) published", str(v["intro"]))[1].replace(",", ""))
    per_set = [s for s in v["stats"] if not s["set"].startswith(("held out on", "all held out"))]
    assert sum(int(s["n"].replace(",", "")) for s in per_set) == total


def test_every_kernel_profile_has_chinese_words() -> None:
    """Appendix D of a Chinese proposal quotes the kernel profile's source: each profile (planner.inputs.KERNEL_PROFILES)
    has its Chinese sentence (a review found the 910B's left in English), and the sentence keeps its numbers."""
    import re as _re

    from xlcompute.planner.inputs import KERNEL_PROFILES
    from xlcompute.sources import KERNEL_ZH

    assert set(KERNEL_PROFILES) <= set(KERNEL_ZH)
    for name, profile in KERNEL_PROFILES.items():
        en = set(_re.findall(r"\d+(?:\.\d+)?", profile.source.replace(",", "")))
        zh = set(_re.findall(r"\d+(?:\.\d+)?", KERNEL_ZH[name].replace(",", "")))
        assert {n for n in en if "." in n} <= zh, name  # every decimal figure of the English source is there
