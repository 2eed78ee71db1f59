"""Issue 13 part 6: text that fits the scenario. A serving-only plan (no training block), a
training-only plan (no serving users) and the default (both) flow through estimate, workbook, CLI
and proposal; each face shows what is planned and no "0.0 days" of a run that is not.

The HTML checks are fast; one PDF per language of the serving-only plan checks the printed text."""

from __future__ import annotations

import html as html_lib
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from xlcompute._graph import STEPS
from xlcompute.cli import app
from xlcompute.estimate import Estimate, estimate
from xlcompute.report import render_html
from xlcompute.report.context import shown_sections
from xlcompute.scenario import DEFAULT_SCENARIO_PATH, ScenarioError, default_scenario, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
SERVING_FILE = ROOT / "workbooks" / "scenarios" / "h20-serving-qwen72b.yaml"


def _training_only() -> dict:
    data = yaml.safe_load(DEFAULT_SCENARIO_PATH.read_text(encoding="utf-8"))
    data["serving"] = {**data.get("serving", {}), "users": 0}
    data["description"] = "Pre-train a 70B dense model; no serving planned."
    return data


@pytest.fixture(scope="module")
def results() -> dict[str, Estimate]:
    return {"serving": estimate(load_scenario(SERVING_FILE)), "training": estimate(parse_scenario(_training_only())),
            "both": estimate(default_scenario())}


@pytest.fixture(scope="module")
def pages(results: dict[str, Estimate]) -> dict[tuple[str, str], str]:
    return {(kind, lang): render_html(r, lang) for kind, r in results.items() for lang in ("en", "zh")}


def _text(page: str, drop_validation: bool = False) -> str:
    """The reader's text of an HTML proposal (no stylesheet, charts or tags)."""
    page = re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", page, flags=re.S)
    if drop_validation:
        page = re.sub(r'<section id="sec-validation">.*?</section>', " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- scenario and estimate -------------------------------------------------------------------


def test_kinds(results: dict[str, Estimate]) -> None:
    for kind, r in results.items():
        assert r.kind == kind == r.scenario.kind
        assert r.trains == (kind != "serving") and r.serves == (kind != "training")
    assert results["serving"].scenario.training is None
    assert '"kind": "serving"' in results["serving"].model_dump_json(indent=1).replace('":"', '": "')


def test_a_scenario_planning_nothing_is_refused_naming_both_fields() -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario({"model": {"preset": "llama2-7b"}})
    line = str(err.value)
    assert "\n" not in line and "training.tokens" in line and "serving.users" in line
    with pytest.raises(ScenarioError, match="serving.users"):
        parse_scenario({"model": {"preset": "llama2-7b"}, "serving": {"users": 0}})


def test_serving_only_estimate_is_finite_and_has_no_run(results: dict[str, Estimate]) -> None:
    r = results["serving"]
    bad = [k for k, v in r.results.items() if not math.isfinite(v)]
    assert not bad
    for key in ("train_tokens", "train_flops", "train_days", "gpu_hours", "train_cost", "train_energy_mwh",
                "deadline_cards", "interruptions"):
        assert r[key] == 0, key
    # the fleet's use comes from serving alone; the example's cluster is the inference model's fleet
    assert r["serving_cards"] > 0 and r["planned_utilisation"] == pytest.approx(r["serving_cards"] / r["gpu_count"])
    assert r["serving_cards"] == r["gpu_count"]
    assert r.plan is None  # no training layout searched
    assert r.inputs["train_tokens"].source.startswith("not given: no training planned")


def test_step_seconds_is_the_run_over_its_steps(results: dict[str, Estimate]) -> None:
    """step_seconds is now one batch's FLOPs at the achieved throughput (finite without tokens); it
    equals the old run ÷ steps."""
    r = results["both"]
    assert r["step_seconds"] == pytest.approx(r["step_train_seconds"] / r["train_steps"], rel=1e-12)


def test_serving_only_compare_sizes_each_card_to_the_demand(results: dict[str, Estimate]) -> None:
    from xlcompute.compare import compare

    comp = compare(results["serving"].scenario)
    ok = [a for a in comp.alternatives if a.ok]
    assert ok and all(a.train_days is None and a.cost_per_trillion_tokens is None for a in ok)
    for a in ok:
        assert a.serving_cards is not None and a.cards is not None and a.serving_cards <= a.cards


def test_serving_only_workbook_builds(results: dict[str, Estimate], tmp_path: Path) -> None:
    from xlcompute.workbook import build_workbook

    wb = build_workbook(results["serving"], "en")
    wb.save(tmp_path / "serving.xlsx")
    assert "Serving" in wb.sheetnames and "Formulas" in wb.sheetnames


def test_cli_estimate_serving_only(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["estimate", str(SERVING_FILE)])
    assert run.exit_code == 0, run.output
    assert "serving only" in run.output and "Training time" not in run.output and "0.0 days" not in run.output
    empty = tmp_path / "nothing.yaml"
    empty.write_text("model: {preset: llama2-7b}\n", encoding="utf-8")
    run = CliRunner().invoke(app, ["estimate", str(empty)])
    assert run.exit_code != 0 and "training.tokens" in run.output and "serving.users" in run.output


def test_cli_compare_and_plan_serving_only() -> None:
    run = CliRunner().invoke(app, ["compare", str(SERVING_FILE)])
    assert run.exit_code == 0, run.output
    assert "Serving" in run.output and "Days" not in run.output and "MFU" not in run.output
    run = CliRunner().invoke(app, ["plan", str(SERVING_FILE)])
    assert run.exit_code != 0 and "plans no training" in run.output


# --- proposal ----------------------------------------------------------------------------------


TRAINING_SECTIONS = ("sec-compute", "sec-memory", "sec-network")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sections_follow_the_kind(pages: dict[tuple[str, str], str], lang: str) -> None:
    for kind in ("serving", "training", "both"):
        page = pages[(kind, lang)]
        anchors = re.findall(r'<section[^>]*id="(sec-[a-z]+)"', page)
        assert anchors == [a for a, _ in shown_sections(kind)], kind
        # Headings and the table of contents are numbered 1, 2, … in the order shown.
        numbers = [int(n) for n in re.findall(r"<h2>(\d+)\. ", page)]
        assert numbers == list(range(1, len(anchors) + 1)), kind
        toc = re.search(r'<nav class="toc">.*?</nav>', page, flags=re.S)
        assert toc and [int(n) for n in re.findall(r">(\d+)\. ", toc.group(0))] == numbers
    assert not set(TRAINING_SECTIONS) & set(re.findall(r'id="(sec-[a-z]+)"', pages[("serving", lang)]))
    assert 'id="sec-serving"' not in pages[("training", lang)]
    both = re.findall(r'<section[^>]*id="(sec-[a-z]+)"', pages[("both", lang)])
    assert set(TRAINING_SECTIONS) <= set(both) and "sec-serving" in both


_ZERO_SENTENCES = (r"\b0\.0 days", r"\b0\.0 天", r"\b0 card-h", r"\b0 卡·时", r"\b0 concurrent users",
                   r"\b0 个并发用户", r"\b0 并发用户")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_sentence_about_what_is_not_planned(pages: dict[tuple[str, str], str],
                                               results: dict[str, Estimate], lang: str) -> None:
    serving = _text(pages[("serving", lang)], drop_validation=True)
    for pattern in _ZERO_SENTENCES:
        assert not re.search(pattern, serving), pattern
    # Nothing about a training run outside the validation appendix: no training time or MFU.
    for words in (("Training time", "training run takes", "MFU"), ("训练时间", "训练需", "MFU"))[lang == "zh"]:
        assert words not in serving, words
    training = _text(pages[("training", lang)])
    for pattern in _ZERO_SENTENCES[4:]:
        assert not re.search(pattern, training), pattern
    assert ("Serving cards", "推理卡数")[lang == "zh"] not in training


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_python_names_outside_the_validation_table(pages: dict[tuple[str, str], str], lang: str) -> None:
    """The formula listing moved to the workbook's Formulas sheet: the PDF names no module or
    function (core., xlcompute., a graph function's name)."""
    names = {st.fn.__name__ for st in STEPS if "_" in st.fn.__name__}
    for kind in ("serving", "training", "both"):
        text = _text(pages[(kind, lang)], drop_validation=True)
        assert not re.search(r"\b(?:xlcompute|core|planner|registry|_graph)\.[A-Za-z_]", text), kind
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
        assert not names & words, (kind, sorted(names & words))
        # The method appendix points to the attached workbook's sheet by name.
        assert ("<strong>公式</strong>" if lang == "zh" else "<strong>Formulas</strong>") in pages[(kind, lang)]  # the workbook tab, by its name in that language


def test_the_chinese_proposal_words_every_alternative_in_chinese(pages: dict[tuple[str, str], str]) -> None:
    section = re.search(r'<section[^>]*id="sec-alternatives".*?</section>', pages[("serving", "zh")], flags=re.S)
    assert section and "the scenario" not in section.group(0) and "cannot run" not in section.group(0)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_serving_only_pdf_text(results: dict[str, Estimate], tmp_path: Path, lang: str) -> None:
    from xlcompute.report import write_proposal

    pdf = write_proposal(results["serving"], tmp_path / f"serving-{lang}.pdf", lang)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for pattern in _ZERO_SENTENCES:
        assert not re.search(pattern, text), pattern
    titles = (("Compute and timeline", "Memory plan", "Appendix A: formulas"), ("算力与工期", "显存规划", "附录 A：公式"))
    for title in titles[lang == "zh"]:
        assert title not in text
    assert ("Serving capacity", "推理容量")[lang == "zh"] in text
    assert ("Appendix A: method", "附录 A：方法")[lang == "zh"] in text
