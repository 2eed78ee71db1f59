"""The rendered proposal PDFs: figures, language, fonts, attachments, escaping, PDF/A metadata.

Rendering is the slow part (~2 s per PDF), so each language is rendered once per module, through
the real CLI command (which attaches the scenario file and the planning workbook):

- English: a copy of the default scenario whose name and description carry ``<script>`` and
  ``{{ 7*7 }}``, to prove scenario text is printed literally;
- Chinese: the built-in default scenario (no scenario argument).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from xlcompute import fmt
from xlcompute.cli import app
from xlcompute.compare import compare
from xlcompute.estimate import Estimate, estimate
from xlcompute.scenario import DEFAULT_SCENARIO_PATH, load_scenario

HOSTILE_NAME = "Cluster <script>alert(1)</script> plan"
HOSTILE_DESCRIPTION = "Budget {{ 7*7 }} and {% if x %}markup{% endif %} & <b>tags</b> stay literal."
EXPECTED_PAGES = range(12, 54)  # 51 (en) pages for the default scenario today, most of them the validation
# appendix, which lists every held-out row (45 before step_runs_8.yaml joined it, 47 before step_runs_10.yaml's
# 34 rows); the formula listing is
# the workbook's Formulas sheet, the bill of materials about 1 page


@dataclass
class Rendered:
    path: Path
    reader: PdfReader
    text: str  # every page's text, whitespace collapsed
    result: Estimate
    scenario_file: Path


def _flat(s: str) -> str:
    return " ".join(s.split())


def _render(tmp: Path, lang: str, scenario_file: Path | None) -> Rendered:
    out = tmp / f"proposal-{lang}.pdf"
    args = ["proposal", "--lang", lang, "-o", str(out)]
    if scenario_file is not None:
        args.insert(1, str(scenario_file))
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    reader = PdfReader(str(out))
    text = _flat(" ".join(page.extract_text() or "" for page in reader.pages))
    source = scenario_file or DEFAULT_SCENARIO_PATH
    return Rendered(out, reader, text, estimate(load_scenario(source)), source)


@pytest.fixture(scope="module")
def en_pdf(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    tmp = tmp_path_factory.mktemp("proposal-en")
    data = yaml.safe_load(DEFAULT_SCENARIO_PATH.read_text(encoding="utf-8"))
    data["name"] = HOSTILE_NAME
    data["description"] = HOSTILE_DESCRIPTION
    scenario_file = tmp / "hostile.yaml"
    scenario_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return _render(tmp, "en", scenario_file)


@pytest.fixture(scope="module")
def zh_pdf(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return _render(tmp_path_factory.mktemp("proposal-zh"), "zh", None)


def _headline(r: Estimate) -> dict[str, str]:
    cur = r.scenario.pricing.currency
    return {
        "days": fmt.days(r["train_days"]),
        "cards": fmt.count(r["gpu_count"]),
        "card-hours": fmt.hours(r["gpu_hours"]),
        "total budget": fmt.money(r["total_budget"], cur),
    }


def test_english_headline_figures_equal_the_core(en_pdf: Rendered) -> None:
    h = _headline(en_pdf.result)
    # capex from the bill of materials; opex with 48 serving cards (the inference model's sizing, issue 16;
    # 44 and ¥502,198,971 before the all-reduce constants were fitted on all-reduce timings)
    assert h == {"days": "26.7", "cards": "1,000", "card-hours": "640,565", "total budget": "¥502,286,326"}
    text = en_pdf.text
    assert f"{h['days']} days" in text
    assert f"{h['cards']} cards" in text
    assert f"({h['card-hours']} card-hours)" in text
    assert f"costs {h['total budget']}" in text
    # and the figures the budget table and the cover repeat
    assert text.count(h["total budget"]) >= 3


def test_chinese_headline_figures_equal_the_core(zh_pdf: Rendered) -> None:
    h = _headline(zh_pdf.result)
    text = zh_pdf.text
    assert f"训练需 {h['days']} 天" in text
    assert f"{h['cards']} 张卡" in text
    assert f"{h['card-hours']} 卡·时" in text
    # Chinese money in the summary is read in 万元 / 亿元; the sensitivity table keeps the full figure.
    cur = zh_pdf.result.scenario.pricing.currency
    assert f"总成本为 {fmt.money_wan(zh_pdf.result['total_budget'], cur)}" in text
    assert "总成本为 5.02亿元" in text
    assert h["total budget"] in text


def test_sensitivity_table_is_printed_from_the_estimate(en_pdf: Rendered) -> None:
    s = en_pdf.result.sensitivity
    row = " ".join(fmt.days(d) for d in s.days[s.cards.index(1000)])
    assert f"1,000 {row} {fmt.money(s.budget[s.cards.index(1000)])}" in en_pdf.text


def test_chinese_pdf_has_chinese_text_and_embeds_a_cjk_font(zh_pdf: Rendered) -> None:
    assert "执行摘要" in zh_pdf.text and "风险与应对" in zh_pdf.text
    assert len(re.findall(r"[\u4e00-\u9fff]", zh_pdf.text)) > 1000
    fonts: dict[str, bool] = {}
    for page in zh_pdf.reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    cjk = {name: embedded for name, embedded in fonts.items() if "Noto-Sans-CJK-SC" in name}
    assert cjk and all(cjk.values()), fonts


def test_page_footer_and_header_per_language(en_pdf: Rendered, zh_pdf: Rendered) -> None:
    n_en, n_zh = len(en_pdf.reader.pages), len(zh_pdf.reader.pages)
    assert f"Page 3 of {n_en}" in en_pdf.text
    assert f"第 3 页 / 共 {n_zh} 页" in zh_pdf.text
    # the cover (page 1) has no running header or footer
    assert "Page 1 of" not in en_pdf.text
    assert "第 1 页" not in zh_pdf.text


def test_table_of_contents_has_page_numbers(en_pdf: Rendered) -> None:
    toc = _flat(en_pdf.reader.pages[1].extract_text())
    numbers = [int(n) for n in re.findall(r"\.{3,}\s*(\d+)", toc)]
    assert len(numbers) == 14, toc  # twelve sections, every input (Appendix D) and the glossary (Appendix E)
    assert numbers == sorted(numbers) and numbers[0] == 3


def test_page_count_in_expected_range(en_pdf: Rendered, zh_pdf: Rendered) -> None:
    assert len(en_pdf.reader.pages) in EXPECTED_PAGES
    assert len(zh_pdf.reader.pages) in EXPECTED_PAGES


def test_scenario_text_is_printed_literally(en_pdf: Rendered) -> None:
    assert HOSTILE_NAME in en_pdf.text
    assert HOSTILE_DESCRIPTION in en_pdf.text
    assert "Budget 49 " not in en_pdf.text
    assert en_pdf.reader.metadata.title.endswith(HOSTILE_NAME)


def test_scenario_file_is_attached(en_pdf: Rendered, zh_pdf: Rendered) -> None:
    for rendered in (en_pdf, zh_pdf):
        attached = rendered.reader.attachments
        name = rendered.scenario_file.name
        assert name in attached, list(attached)
        assert attached[name][0] == rendered.scenario_file.read_bytes()


def test_planning_workbook_is_attached(en_pdf: Rendered, zh_pdf: Rendered) -> None:
    import openpyxl

    for rendered in (en_pdf, zh_pdf):
        books = {k: v for k, v in rendered.reader.attachments.items() if k.endswith(".xlsx")}
        assert len(books) == 1, list(rendered.reader.attachments)
        (data,) = next(iter(books.values()))
        wb = openpyxl.load_workbook(io.BytesIO(data))
        assert len(wb.sheetnames) >= 5


def test_pdf_a3b_identification_and_metadata(en_pdf: Rendered, zh_pdf: Rendered) -> None:
    for rendered in (en_pdf, zh_pdf):
        xmp = rendered.reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
        assert re.search(r'pdfaid:part="3"', xmp) and re.search(r'pdfaid:conformance="B"', xmp), xmp[:400]
        meta = rendered.reader.metadata
        assert meta.title and meta.author and meta.subject
        assert meta.get("/Keywords")
    assert en_pdf.reader.metadata.subject.startswith("Compute capacity")
    assert zh_pdf.reader.metadata.subject.startswith("大模型")


def test_validation_appendix_is_printed_from_validate(en_pdf: Rendered, zh_pdf: Rendered) -> None:
    """The appendix prints the held-out runs nearest the plan (test_report_plan checks which); every run
    of ``xlcompute validate`` is in the attached CSV, the same table ``validate -o`` writes."""
    import csv

    from xlcompute.planner.validation import report_csv, validate
    from xlcompute.report.context import build_context
    from xlcompute.report.context.validation import SOURCE_CHARS, VALIDATION_CSV, _short_source

    v = validate(search=False)
    text = en_pdf.text
    assert "Appendix B: validation (step time and end-to-end card-hours)" in text
    squeezed = text.replace(" ", "")  # long sources wrap after "/" and "-" in the narrow column
    # A run is named by its set and id: two sets may use one id (step_runs_12's and step_runs_18's
    # mlperf51-uf-dgxb200-256 are MLPerf Llama 3.1 8B and 405B runs of one system).
    everything = [*v.rows, *v.external_rows, *v.stack_rows]
    assert len({(r.set_name, r.id) for r in everything}) == len(everything)
    printed = build_context(en_pdf.result, "en")["validation"]["rows"]
    assert 20 <= len(printed) < len(everything) / 5
    for cell in printed:
        rows = [r for r in everything if r.id == cell["id"] and _short_source(r.source) == cell["source"]]
        assert len(rows) == 1, cell["id"]
        (row,) = rows
        shown = _short_source(row.source)
        assert len(shown) <= SOURCE_CHARS + 1 and (shown == row.source or shown.endswith("…")), row.id
        assert f"{row.id}{shown}".replace(" ", "") in squeezed, row.id
    for rendered in (en_pdf, zh_pdf):
        (data,) = rendered.reader.attachments[VALIDATION_CSV]
        table = data.decode("utf-8")
        assert table == report_csv(v, include_external=True)
        runs = list(csv.DictReader(io.StringIO(table)))
        assert [(r["set"], r["id"]) for r in runs] == [(x.set_name, x.id) for x in everything]  # every run, once
        for r, x in zip(runs, everything, strict=True):
            assert float(r["step_time_error_pct"]) == pytest.approx(x.error_pct, abs=0.006)
    assert (f"all held out {v.extended_held_out_count} {fmt.percent(v.extended_held_out_mean_abs_error_pct / 100)} "
            f"{fmt.percent(v.extended_held_out_max_abs_error_pct / 100)}") in text


def test_pdf_shows_the_break_even_and_a_verdict_consistent_with_it(en_pdf: Rendered) -> None:
    """Issue 13: the budget section prints the break-even utilisation and the planned utilisation,
    and the summary's verdict is the one the present values give."""
    r = en_pdf.result
    text = " ".join(en_pdf.text.split())
    assert fmt.percent(r["break_even_utilisation"]) in text
    assert fmt.percent(r["planned_utilisation"]) in text
    assert fmt.money(r["npv_own"], "CNY") in text and fmt.money(r["npv_rent"], "CNY") in text
    verdict = "owning is cheaper" if r["own_cheaper"] else "renting is cheaper"
    assert verdict in text
    if r["break_even_utilisation"] > 1:
        assert "owning does not pay even with the cluster busy all the time" in text
        # The recommendation must not promise what the break-even rules out: more work does not make owning pay.
        rec = text[text.index("Recommendation"):text.index("Top risks")]
        assert "owning does not pay at any utilisation" in rec and "more work would not make owning pay" in rec
        assert "further work planned" not in rec


def _section(text: str, start: str, end: str) -> str:
    """The body text from the last ``start`` heading to the last ``end`` heading (the first ones are
    the table of contents)."""
    i, j = text.rfind(start), text.rfind(end)
    assert 0 <= i < j, (start, end)
    return text[i:j]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_alternatives_section_prints_the_compare_rows(lang: str, en_pdf: Rendered, zh_pdf: Rendered) -> None:
    rendered = en_pdf if lang == "en" else zh_pdf
    heads = {"en": ("8. Alternatives", "9. Risks and mitigations"), "zh": ("8. 备选方案", "9. 风险与应对")}[lang]
    section = _section(rendered.text, *heads)
    comp = compare(rendered.result.scenario)
    cur = comp.currency
    assert len(comp.alternatives) >= 3
    for a in comp.alternatives:
        assert a.accelerator in section
        if not a.ok:
            assert " ".join(a.reason.split())[:40] in section
            continue
        assert a.train_days is not None and a.total_budget is not None
        assert fmt.days(a.train_days) in section, (a.accelerator, fmt.days(a.train_days))
        # The comparison table's amounts: full figures in English, 万元 / 亿元 in Chinese.
        money = fmt.money if lang == "en" else fmt.money_wan
        assert money(a.total_budget, cur) in section, (a.accelerator, money(a.total_budget, cur))
        assert money(a.cost_per_trillion_tokens or 0.0, cur) in section


def test_toc_lists_alternatives_after_budget(en_pdf: Rendered, zh_pdf: Rendered) -> None:
    toc_en = _flat(en_pdf.reader.pages[1].extract_text())
    assert toc_en.index("7. Budget") < toc_en.index("8. Alternatives") < toc_en.index("9. Risks")
    assert "12. Appendix C" in toc_en
    assert "8. 备选方案" in _flat(zh_pdf.reader.pages[1].extract_text())
