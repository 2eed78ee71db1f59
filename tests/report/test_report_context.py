"""The proposal's context, HTML, charts and i18n table, without rendering a PDF (fast)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import jinja2
import pytest

from xlcompute import fmt
from xlcompute._graph import GRAPH, INPUT_KEYS
from xlcompute.estimate import Estimate, estimate
from xlcompute.report import render_html, write_proposal
from xlcompute.report import charts
from xlcompute.report.context import INPUT_GROUPS, build_context, memory_grid, year_by_year
from xlcompute.report.context.sections import FEATURE_INPUTS, unused_features
from xlcompute.report.i18n import TEXT, text
from xlcompute.report.render import TEMPLATES_DIR, environment
from xlcompute.scenario import default_scenario, parse_scenario


@pytest.fixture(scope="module")
def result() -> Estimate:
    return estimate(default_scenario())


def test_templates_folder_is_found_next_to_the_package() -> None:
    assert (TEMPLATES_DIR / "proposal.html.j2").is_file()
    assert len(list(TEMPLATES_DIR.glob("*.css"))) == 1  # one stylesheet


def test_environment_autoescapes_and_is_strict() -> None:
    env = environment()
    assert env.autoescape is True
    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_every_input_appears_once_in_the_assumptions_table(result: Estimate) -> None:
    grouped = [k for _, keys in INPUT_GROUPS for k in keys]
    assert sorted(grouped) == sorted(INPUT_KEYS)  # each input once in the assumptions table


#: Inputs whose value says a feature is absent (no experts, no MLA latents, no MTP module, nothing
#: offloaded and no tier, the BF16 peak): changing them would switch the feature on.
_FEATURE_SWITCHES = {"moe_layers", "experts", "moe_top_k", "expert_groups", "group_limit", "shared_experts",
                     "moe_ffn_hidden", "expert_params", "ep", "etp", "mla_qkv_params", "mla_latent_width",
                     "kv_lora_rank", "mtp_params", "offload_optimizer", "offload_weights", "offload_activations",
                     "offload_gb", "precision_peak_ratio"}


@pytest.mark.parametrize("scenario", [
    default_scenario(),
    parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                    "cluster": {"accelerator": "H800", "cards": 1000}}),
], ids=["default", "typed"])
def test_the_assumptions_table_leaves_out_only_inputs_that_change_no_figure(scenario: object) -> None:
    """A dense BF16 plan without offload or deadline lists no expert, MLA, MTP, offload, FP8, ZeRO-3 or
    deadline-confidence inputs, and says so under the table. Left out means unused: every other left-out input (a calibrated constant
    of the absent feature) can change without moving any figure of the estimate."""
    r = estimate(scenario)  # type: ignore[arg-type]
    assert unused_features(r) == ["moe", "mla", "mtp", "offload", "fp8", "zero3", "deadline"]
    left_out = {k for _, keys in FEATURE_INPUTS for k in keys}
    assert left_out <= set(INPUT_KEYS)
    ctx = build_context(r, "en")
    listed = {row["key"] for group in ctx["workload"] for row in group["rows"] if "key" in row}
    assert listed.isdisjoint(left_out) and "tp_overlap_fraction" in listed and "layers" in listed
    serving = {k for title, keys in INPUT_GROUPS if title == "grp_serving" for k in keys}
    assert listed | left_out >= set(INPUT_KEYS) - {"mfu_assumed"} - (set() if r.serves else serving)  # nothing else
    assert "mixture of experts" in ctx["workload_left_out"] and "ZeRO-3" in ctx["workload_left_out"]
    assert "混合专家" in build_context(r, "zh")["workload_left_out"]
    inputs = {k: v.value for k, v in r.inputs.items()}
    shown = list(r.figures)
    base = GRAPH.run(inputs, shown)
    for key in sorted(left_out - _FEATURE_SWITCHES):
        value = inputs[key]
        moved = GRAPH.run({**inputs, key: 0.5 if value >= 1 else value + 0.25}, shown)
        # only the absent feature's own figures (named after it: moe_sync_seconds, zero3_exposed_seconds) move
        own = key.split("_")[0]
        assert [k for k in shown if moved[k] != base[k] and not k.startswith(own)] == [], key


def test_an_moe_fp8_plan_lists_its_expert_and_precision_inputs() -> None:
    r = estimate(parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "1T", "precision": "fp8"},
                                 "cluster": {"accelerator": "H800", "cards": 256}}))
    assert unused_features(r) in (["offload", "zero3", "deadline"], ["offload", "deadline"])
    ctx = build_context(r, "en")
    listed = {row["key"] for group in ctx["workload"] for row in group["rows"] if "key" in row}
    assert {"experts", "ep", "a2a_efficiency", "mla_qkv_params", "mtp_params", "fp8_gemm_efficiency"} <= listed
    assert "mixture of experts" not in ctx["workload_left_out"]


def test_i18n_entries_have_the_same_placeholders_in_both_languages() -> None:
    fields = string.Formatter()
    for key, (en, zh) in TEXT.items():
        names_en = {f for _, f, _, _ in fields.parse(en) if f}
        names_zh = {f for _, f, _, _ in fields.parse(zh) if f}
        assert names_en == names_zh, key
        assert en.strip() and zh.strip(), key


def test_i18n_escapes_arguments() -> None:
    out = text("kf_cluster_value", "en", cards="<b>1</b>")
    assert "&lt;b&gt;1&lt;/b&gt;" in out
    with pytest.raises(KeyError):
        text("no_such_entry", "en")


def test_memory_grid_is_the_graph_and_marks_the_planned_setting(result: Estimate) -> None:
    grid = memory_grid(result)
    rows = grid[1:]
    planned = [c for row in rows for c in row["cells"] if c["planned"]]
    assert len(planned) == 1
    assert len([c for row in rows for c in row["cells"] if c["fastest"]]) == 1  # the default scenario fits
    assert planned[0]["bytes"] == pytest.approx(result["mem_per_gpu"], rel=1e-12)
    assert planned[0]["fits"] == bool(result["mem_fits"])
    # every cell is the estimate's own graph with that ZeRO stage and recompute mode
    inputs = {k: v.value for k, v in result.inputs.items()}
    for row in rows:
        for cell in row["cells"]:
            out = GRAPH.run({**inputs, "zero_stage": row["stage"], "recompute_mode": cell["mode"]}, ["mem_per_gpu",
                                                                                                 "states_per_gpu"])
            assert cell["bytes"] == pytest.approx(out["mem_per_gpu"], rel=1e-12)
            assert row["states"] == pytest.approx(out["states_per_gpu"], rel=1e-12)
            # the table adds up: states + buffers + the activations of the mode
            assert cell["bytes"] == pytest.approx(row["states"] + row["buffers"] + grid[0]["activations"][cell["mode"]],
                                                  rel=1e-12)
    # more partitioning never needs more memory
    states = [row["states"] for row in rows]
    assert states == sorted(states, reverse=True)


def test_year_by_year_ends_at_the_estimate_totals(result: Estimate) -> None:
    years = year_by_year(result)
    assert len(years) == int(result["years"]) + 1
    assert years[0]["owned"] == pytest.approx(result["capex_total"])
    assert years[-1]["owned"] == pytest.approx(result["total_budget"])
    assert years[-1]["rented"] == pytest.approx(result["rent_total"])


def test_context_headline_is_fmt_of_the_estimate(result: Estimate) -> None:
    h = build_context(result, "en")["headline"]
    assert h["days"] == fmt.days(result["train_days"])
    assert h["cards"] == fmt.count(result["gpu_count"])
    assert h["hours"] == fmt.hours(result["gpu_hours"])
    assert h["budget"] == fmt.money(result["total_budget"], "CNY")


def test_risks_follow_the_figures() -> None:
    base = default_scenario().model_dump(mode="json", exclude_none=True)
    tight = dict(base, training=dict(base["training"], zero_stage=0, recompute="none", attention="unfused"))
    ctx = build_context(estimate(parse_scenario(tight)), "en")
    assert not ctx["memory"]["fits"]
    assert "does not fit" in str(ctx["risks"][0]["risk"])
    alt = ctx["memory"]["fastest_fit"]
    assert alt is not None  # the grid offers a setting that fits
    assert "Revise the training layout" in str(ctx["recommendation"])
    assert f"ZeRO-{alt['stage']} with" in str(ctx["memory"]["alternative"])
    # The PDF names a setting by the estimate's own rule (_settings_grid.fastest_fitting): where the
    # defaults do not fit either (8-sequence micro-batches), it is the setting the estimate takes when
    # the two are left to their defaults.
    big = dict(base["training"], micro_batch=8, global_batch=1000)
    typed = dict(base, training=dict(big, zero_stage=0, recompute="none"))
    named = build_context(estimate(parse_scenario(typed)), "en")["memory"]["fastest_fit"]
    left_open = {k: v for k, v in big.items() if k not in ("zero_stage", "recompute", "recompute_layers")}
    chosen = estimate(parse_scenario(dict(base, training=left_open)))
    # selective with some of each stage's layers in full, which the table has no column for
    assert "changed" in chosen.inputs["recompute_layers"].source
    level = 1 + chosen["recompute_layers"] / chosen["layers_per_stage"]
    assert chosen["recompute_mode"] == 1 and chosen["recompute_layers"] > 0
    assert (named["stage"], named["mode"]) == (int(chosen["zero_stage"]), pytest.approx(level))
    assert named["bytes"] == pytest.approx(chosen["mem_per_gpu"], rel=1e-12) and chosen["mem_fits"]
    words = str(build_context(estimate(parse_scenario(typed)), "en")["memory"]["alternative"])
    assert f"selective, {chosen['recompute_layers']:.0f} of {chosen['layers_per_stage']:.0f} layers per stage" in words


def test_a_catalog_assumption_is_a_risk_in_both_languages(result: Estimate) -> None:
    """A card planned on a figure its maker does not publish says so among the risks, with the number."""
    sc = parse_scenario({"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "2T"},
                         "cluster": {"accelerator": "910C", "cards": 1024}})
    r = estimate(sc)
    en = " ".join(str(x["risk"]) for x in build_context(r, "en")["risks"])
    zh = " ".join(str(x["risk"]) for x in build_context(r, "zh")["risks"])
    watts = fmt.count(r["gpu_tdp_w"])
    assert watts == "830" and f"assume {watts} W per card" in en and f"每卡 {watts} W" in zh
    assert f"({fmt.plain(r['intra_node_gbs'])} GB/s)" in en and "服务器内互联" in zh
    # A card with both figures published (the default H800) has neither risk.
    default = " ".join(str(x["risk"]) for x in build_context(result, "en")["risks"])
    assert "no published power figure" not in default and "no published intra-server link" not in default


def test_html_escapes_scenario_text(result: Estimate) -> None:
    data = default_scenario().model_dump(mode="json", exclude_none=True)
    data["name"] = "<script>alert(1)</script>"
    data["organisation"] = "{{ 7*7 }}"
    data["description"] = "{% raw %}x"
    html = render_html(estimate(parse_scenario(data)), "en")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html
    assert "{% raw %}x" in html


def test_html_in_both_languages(result: Estimate) -> None:
    en, zh = render_html(result, "en"), render_html(result, "zh")
    assert '<html lang="en" class="en">' in en and '<html lang="zh-Hans" class="zh">' in zh
    assert "执行摘要" in zh and "Executive summary" in en
    # days, memory, budget, alternatives, uncertainty tornado
    assert en.count("<svg") == 5 and zh.count("<svg") == 5
    with pytest.raises(ValueError):
        render_html(result, "fr")


def test_charts_are_deterministic_and_escape_labels() -> None:
    args = dict(
        x=[250.0, 500.0, 1000.0], x_labels=["250", "500", "1,000"],
        series=[charts.Series("a<b", [40.0, 20.0, 10.0], emphasis=True)],
        x_title="cards", y_title="days", y_format=lambda v: fmt.number(v, 0), log_x=True,
    )
    one, two = charts.line_chart(**args), charts.line_chart(**args)
    assert one == two
    assert "a&lt;b" in one and "a<b" not in one
    assert charts.nice_ticks(92.7) == [0, 20, 40, 60, 80, 100]


def test_html_output_is_written_atomically(result: Estimate, tmp_path: Path) -> None:
    out = write_proposal(result, tmp_path / "p.html", "en", html=True)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["p.html"]  # no temp file left


def test_missing_attachment_leaves_no_file(result: Estimate, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_proposal(result, tmp_path / "p.pdf", "en", attachments=[tmp_path / "nope.yaml"])
    assert list(tmp_path.iterdir()) == []


def test_every_number_in_the_html_comes_from_fmt(result: Estimate) -> None:
    """Spot-check: the budget and memory sections print fmt-formatted estimate values."""
    html = render_html(result, "en")
    for key in ("capex_total", "opex_per_year", "npv_own", "npv_rent", "power_cost_per_year"):
        assert fmt.money(result[key]) in html, key
    assert fmt.gb(result["mem_per_gpu"]) in html
    assert fmt.percent(result["comm_share_of_step"]) in html
    assert "8.921 × 10²³" in html and not re.search(r"\de[+-]\d\d\b", html)  # as a reader writes it


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_impossible_break_evens_are_said_in_words(lang: str) -> None:
    """The default plan rents: its break-even utilisation is above 100% and no maintenance share
    flips the verdict; the economics table says so in words, not as "155.7%" and "-32.8%"."""
    from xlcompute.scenario import default_scenario

    r = estimate(default_scenario())
    assert r["break_even_utilisation"] > 1 and r["break_even_maintenance_share"] < 0
    rows = {row["key"]: row["value"] for row in build_context(r, lang)["budget"]["econ_rows"]}
    assert ("never" if lang == "en" else "永不") in rows["break_even_utilisation"]
    assert fmt.percent(r["break_even_utilisation"]) in rows["break_even_utilisation"]
    assert rows["break_even_maintenance_share"].startswith("none" if lang == "en" else "无")
    assert "-" not in rows["break_even_maintenance_share"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_recommendation_follows_the_break_even(lang: str) -> None:
    """Where renting wins at any utilisation (break-even above 100 %), the verdict says more work cannot make
    owning pay; where a busier cluster would (break-even within reach), it says to buy only with more work."""
    base = default_scenario().model_dump(mode="json", exclude_none=True)
    never = estimate(parse_scenario(base))
    reachable = estimate(parse_scenario(dict(base, pricing=dict(base["pricing"], price_per_card_hour=40))))
    serving = estimate(parse_scenario({k: v for k, v in base.items() if k not in ("training", "assumptions")}))
    assert never["break_even_utilisation"] > 1 and serving["break_even_utilisation"] > 1
    assert never["planned_utilisation"] < reachable["break_even_utilisation"] < 1
    assert not never["own_cheaper"] and not reachable["own_cheaper"] and not serving["own_cheaper"]
    words = {"en": ("owning does not pay at any utilisation", "further work planned", "more demand planned"),
             "zh": ("任何利用率下自建都不划算", "在有足够后续工作时再采购", "在有更多需求时再采购")}[lang]
    rec = [str(build_context(r, lang)["recommendation"]) for r in (never, reachable, serving)]
    assert words[0] in rec[0] and words[1] not in rec[0]
    assert words[1] in rec[1] and words[0] not in rec[1]
    assert words[0] in rec[2] and words[2] not in rec[2]
    price = fmt.money(never["rent_price_per_hour"], "CNY", 2)
    assert price in rec[0]
