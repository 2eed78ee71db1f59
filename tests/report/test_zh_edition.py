"""The Chinese edition (issue 14 items 7-9): no English prose where the user wrote none, money in
万元 / 亿元 where a Chinese finance reader expects it, sources worded in Chinese from their parts,
and the Chinese line-breaking spans of the PDF.

"English prose" is defined precisely: a run of four or more English words (a word is a Latin
letter followed by letters, digits, ``'``, ``-`` or ``.``) separated only by spaces and ASCII
punctuation, in one text node of the rendered HTML (a table cell, a paragraph, a chart label).
Allowed, and removed before the search: the scenario's own text (name, description, organisation,
MFU source, as its user wrote them), the catalog's rows as published (names, citations, link names),
the validation appendix's run ids and sources (transcriptions of published measurements), and the
few bibliographic names of :data:`CITATIONS`. Everything else with four English words in a row is a
sentence the Chinese reader should not see.
"""

from __future__ import annotations

import html as _html
import re
from html.parser import HTMLParser

import pytest

from xlcompute import catalog, fmt
from xlcompute.estimate import estimate
from xlcompute.report.cjk import keep_together
from xlcompute.report.context import build_context
from xlcompute.report.render import render_html
from xlcompute.sources import FIELD_ZH, source_text
from xlcompute.scenario import default_scenario, load_scenario

#: Bibliographic names of four or more words that Chinese text cites as published.
CITATIONS = ("NVIDIA DGX SuperPOD RA", "NVIDIA DGX Cloud Benchmarking", "MT-NLG 530B",
             "CBRE North America Data Center Trends H2", "US EIA Electric Power Monthly")

_WORD = r"[A-Za-z][A-Za-z0-9'\-.]*"
ENGLISH_RUN = re.compile(rf"{_WORD}(?:[\s,;:()/&\"]+{_WORD}){{3,}}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def text_nodes(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return parser.nodes


def allowed_texts(result, lang: str = "zh") -> list[str]:  # type: ignore[no-untyped-def]
    """What may stay English: user text, catalog rows as published, validation transcriptions."""
    sc = result.scenario
    out = [sc.name, sc.description, sc.organisation or "", sc.assumptions.mfu_source or "", *CITATIONS]
    acc = sc.cluster.accelerator
    if isinstance(acc, str):
        g = catalog.get_gpu(acc)
        out += [g.name, g.source, g.link_name or "", g.hbm_type or ""]
    if sc.model.preset is not None:
        m = catalog.get_model(sc.model.preset)
        out += [m.name, m.source]
    ctx = build_context(result, lang)
    out.append(ctx["description"])  # the cover's cut copy of the user's description
    val = ctx["validation"]
    out += [str(row[k]) for row in val["rows"] for k in ("id", "source")]
    out += [str(row["id"]) for row in val["end_to_end"]["rows"]]
    return sorted({" ".join(t.split()) for t in out if t.strip()}, key=len, reverse=True)


def english_runs(nodes: list[str], allowed: list[str]) -> list[str]:
    """Runs of four or more English words in ``nodes`` once the allowed texts are taken out."""
    found = []
    for node in nodes:
        for text in allowed:
            node = node.replace(text, " ")
        found += ENGLISH_RUN.findall(node)
    return found


@pytest.fixture(scope="module")
def builtin():  # type: ignore[no-untyped-def]
    return estimate(default_scenario())


def test_the_chinese_sample_has_no_english_prose(builtin) -> None:  # type: ignore[no-untyped-def]
    runs = english_runs(text_nodes(render_html(builtin, "zh")), allowed_texts(builtin))
    assert runs == []


@pytest.mark.parametrize("name", ["h20-serving-qwen72b", "h100-2048-llama405b", "gh200-8-llama70b-offload"])
def test_other_plans_and_currencies_have_no_english_prose(name: str) -> None:
    # a serving fleet (CNY), training then serving in USD, and an offload plan whose user text is English
    from pathlib import Path

    result = estimate(load_scenario(Path(__file__).parents[2] / "workbooks" / "scenarios" / f"{name}.yaml"))
    assert english_runs(text_nodes(render_html(result, "zh")), allowed_texts(result)) == []


def test_the_check_finds_the_english_sources_of_the_old_sample(builtin) -> None:  # type: ignore[no-untyped-def]
    # The English source lines the Chinese sample printed before (InputValue.source): the check flags them.
    old = [v.source for v in builtin.inputs.values()]
    assert len(english_runs(old, allowed_texts(builtin))) > 40
    assert english_runs(["1000-card H800 cluster — 70B pre-training and serving"], []) != []


def test_a_users_own_name_stays_as_written(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from xlcompute.scenario import DEFAULT_SCENARIO_PATH

    data = yaml.safe_load(DEFAULT_SCENARIO_PATH.read_text(encoding="utf-8"))
    data["name"] = "Our own cluster plan for next year"
    data["description"] = "Written by the user in English, kept as written."
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = estimate(load_scenario(path))
    ctx = build_context(result, "zh")
    assert ctx["title"] == "Our own cluster plan for next year"
    assert ctx["description"] == "Written by the user in English, kept as written."
    assert ctx["organisation"] == "Example AI Lab"
    page = render_html(result, "zh")
    assert english_runs(text_nodes(page), allowed_texts(result)) == []
    # and the built-in scenario's own text is Chinese only in a Chinese render of it, unmodified
    zh = build_context(estimate(default_scenario()), "zh")
    assert zh["title"] == "1000 卡 H800 集群：70B 模型预训练与推理" and zh["running_title"] == zh["title"]
    en = build_context(estimate(default_scenario()), "en")
    assert en["title"] == "1000-card H800 cluster — 70B pre-training and serving"


def test_summary_cards_and_budget_tables_in_wan_and_yi(builtin) -> None:  # type: ignore[no-untyped-def]
    ctx = build_context(builtin, "zh")
    h = ctx["headline"]
    cur = builtin.scenario.pricing.currency
    assert h["budget"] == fmt.money_wan(builtin["total_budget"], cur) == "5.02亿元"
    assert h["cloud"].endswith("万元") and h["npv_own"].endswith("亿元") and h["train_cost"].endswith("万元")
    assert all(value.endswith(("万元", "亿元")) for _label, value in ctx["budget"]["capex"])
    assert ctx["budget"]["capex_total"] == fmt.money_wan(builtin["capex_total"], cur)
    assert all(row["owned"].endswith(("万元", "亿元")) for row in ctx["budget"]["tco"])
    # the comparison table
    assert all(row["budget"].endswith(("万元", "亿元")) for row in ctx["alternatives"]["money"])
    # full figures stay in the detailed tables: the bill of materials and the sensitivity grid
    assert ctx["budget"]["bom"]["lines"][0]["total"] == fmt.money(builtin["capex_servers"], cur)
    assert fmt.money(builtin["total_budget"], cur) in [row["budget"] for row in ctx["sensitivity"]["rows"]]
    # tokens as 2万亿
    assert "2万亿" in str(ctx["summary_lead"])
    # English is unchanged
    en = build_context(builtin, "en")
    assert en["headline"]["budget"] == fmt.money(builtin["total_budget"], cur)


def test_money_wan() -> None:
    assert fmt.money_wan(502_286_326, "CNY") == "5.02亿元"
    assert fmt.money_wan(14_400_000, "CNY") == "1,440.00万元"
    assert fmt.money_wan(650, "CNY") == "650元"
    assert fmt.money_wan(-3_000_000, "USD") == "-300.00万美元"


def test_days_under_one_keep_two_significant_digits() -> None:
    # A small model on many cards finishes in hours: "0.0 days" would read as nothing.
    assert [fmt.days(x) for x in (26.73, 1.0, 0.96, 0.5, 0.041, 0.0)] == ["26.7", "1.0", "1.0", "0.50", "0.041", "0.0"]
    assert fmt.days(1234.5) == "1,234.5"


def test_sources_are_worded_from_their_parts(builtin) -> None:  # type: ignore[no-untyped-def]
    inputs = builtin.inputs
    assert source_text(inputs["train_tokens"], "zh") == "场景文件：training.tokens"
    assert source_text(inputs["param_bytes"], "zh").startswith("默认值（training.param_bytes）：a：每个参数")
    assert source_text(inputs["gpu_peak_tflops"], "zh").startswith("目录：NVIDIA H800 SXM5 80GB（NVIDIA H800 datasheet")
    assert source_text(inputs["gpu_peak_tflops"], "zh").endswith("；稠密 bf16")
    assert source_text(inputs["nic_price"], "zh").startswith("默认值（pricing.nic_price，CNY）：规划假设：")
    assert source_text(inputs["matmul_eff_max"], "zh").startswith("校准值：H100：")
    # English keeps the estimate's own line
    assert source_text(inputs["train_tokens"], "en") == inputs["train_tokens"].source == "scenario: training.tokens"


def test_every_default_a_scenario_can_show_has_a_chinese_description(builtin) -> None:  # type: ignore[no-untyped-def]
    for v in builtin.inputs.values():
        if v.origin is not None and v.origin.kind == "default" and v.origin.field != "training.software":
            assert v.origin.field in FIELD_ZH, v.origin.field


def test_keep_together_spans() -> None:
    page = ('<html lang="zh-Hans"><head><title>x 服务器</title></head><body><p>申请 125 台服务器，'
            '自建：3.77亿元，并监控慢卡与故障卡。</p><svg><text>125 台</text></svg></body></html>')
    out = keep_together(page)
    assert '<span class="nw">125\u00a0台服务器</span>' in out
    assert '<span class="nw">3.77亿元</span>' in out  # an amount never splits from its 亿元
    assert '<span class="nw">障卡。</span></p>' in out  # no orphan character on the last line
    assert "<title>x 服务器</title>" in out and "<svg><text>125 台</text></svg>" in out  # never in head or svg
    assert _html.unescape(re.sub(r"<[^>]+>", "", out)).replace("\u00a0", " ") == \
        _html.unescape(re.sub(r"<[^>]+>", "", page))  # the text itself is unchanged
