"""What a procurement committee's reading of the default proposal found (2026-12-06) and is now held: the cover
and the verdict say what their figures rest on, the alternatives set each card at its own predicted MFU beside
the assumed one, the serving fleet planned at a confidence is the one the budget counts, and the cost chart tells
its parts apart."""

from __future__ import annotations

import re

from xlcompute import estimate, parse_scenario
from xlcompute.core import spread
from xlcompute.report.charts import stacked_bars
from xlcompute.report.context import build_context
from xlcompute.scenario import default_scenario


def test_the_cover_says_what_its_days_and_budget_rest_on() -> None:
    r = estimate(default_scenario())
    ctx = build_context(r, "en")
    head = ctx["headline"]
    # 40 % is assumed, the model predicts 25.4 %: the cover's days say both
    assert str(head["days_label"]) == (f"Training time at the assumed 40.0% MFU ({r['train_days_predicted_mfu']:.1f} "
                                       f"days at the predicted {100 * r['predicted_mfu']:.1f}%)")
    # renting is the verdict: the budget shown is owning's, and renting's present value is beside it
    assert r["own_cheaper"] < 0.5
    assert "Total budget to own, 3 years; renting the work: ¥18,561,741" in str(head["budget_label"])
    assert str(ctx["summary_lead"]).startswith("This proposal weighs owning against renting")
    rec = str(ctx["recommendation"])
    assert "the training run completes in 26.7 days at the assumed MFU" in rec
    zh = build_context(r, "zh")
    assert "本方案比较自建与租用" in str(zh["summary_lead"]) and "按假设的 MFU 训练 26.7 天完成" in str(zh["recommendation"])


def test_a_cover_without_an_assumed_mfu_or_with_owning_cheaper_keeps_the_plain_labels() -> None:
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["assumptions"] = {}
    data["pricing"] = {**data["pricing"], "price_per_card_hour": 300}  # renting dear: owning wins
    r = estimate(parse_scenario(data))
    head = build_context(r, "en")["headline"]
    assert r["own_cheaper"] >= 0.5
    assert str(head["days_label"]) == "Training time" and str(head["budget_label"]) == "Total budget, 3 years"
    assert str(build_context(r, "en")["summary_lead"]).startswith("This proposal requests")


def test_the_alternatives_show_each_card_at_its_predicted_mfu_too() -> None:
    r = estimate(default_scenario())
    alt = build_context(r, "en")["alternatives"]
    days = {row["card"]: row["days"] for row in alt["tech"]}
    own = next(a for a in alt["comparison"].alternatives if a.accelerator == "H800")
    assert own.train_days_predicted_mfu == r["train_days_predicted_mfu"]
    assert days["H800"] == f"{r['train_days']:.1f} ({r['train_days_predicted_mfu']:.1f})"
    per_t = {row["card"]: str(row["per_t"]) for row in alt["money"]}
    assert re.fullmatch(r"¥[\d,]+<br>\(¥[\d,]+\)", per_t["H800"]), per_t["H800"]
    assert "predicted MFU" in str(alt["chart_title"])
    # the chart ranks the cards at their predicted MFUs: the H200 is cheaper there, not at the assumed 40 %
    h200 = next(a for a in alt["comparison"].alternatives if a.accelerator == "H200")
    assert h200.cost_per_trillion_tokens > own.cost_per_trillion_tokens  # type: ignore[operator]
    assert h200.cost_per_trillion_tokens_predicted_mfu < own.cost_per_trillion_tokens_predicted_mfu  # type: ignore[operator]


def test_a_fleet_planned_at_a_confidence_is_whole_replicas_and_the_one_the_budget_counts() -> None:
    base = default_scenario()
    at = base.model_copy(update={"serving": base.serving.model_copy(update={"confidence": 0.9})})
    r0, r9 = estimate(base), estimate(at)
    margin = spread.confidence_margin(0.9, spread.SERVING_LOG_SIGMA)
    replica = r9["serving_replica_size"]
    assert r9["serving_cards_planned"] == -(-r9["serving_cards"] * margin // replica) * replica == 64
    assert r0["serving_cards_planned"] == r0["serving_cards"] == 48
    # the budget rents and keeps busy the planned fleet
    assert r9["serving_card_hours"] / r0["serving_card_hours"] == 64 / 48
    assert r9["npv_rent"] > r0["npv_rent"]


def test_the_cost_chart_tells_its_seven_parts_apart() -> None:
    parts = [(f"part {i}", 1.0 + i) for i in range(7)]
    svg = str(stacked_bars(bars=[("own", parts, "x")], x_title="t", x_format=str))
    fills = re.findall(r'<rect[^>]*fill="(#[0-9a-f]{6})"', svg)
    assert len(set(fills[:7])) == 7, fills


def test_the_glossary_closes_the_proposal_in_both_languages() -> None:
    """Appendix D explains the terms the sections use (TP, ZeRO, ETTR, TTFT, …), each in both languages; it is the
    last section of every kind of plan."""
    from xlcompute.report.context import SECTIONS
    from xlcompute.report.glossary import GLOSSARY

    assert SECTIONS[-1][0] == "sec-glossary" and SECTIONS[-1][2] == {"training", "serving", "both"}
    r = estimate(default_scenario())
    en, zh = build_context(r, "en")["glossary"], build_context(r, "zh")["glossary"]
    assert len(en) == len(zh) == len(GLOSSARY) >= 20  # both: every term
    serving = estimate(parse_scenario({"model": {"preset": "qwen2.5-72b"}, "serving": {"users": 2000},
                                       "cluster": {"accelerator": "H20"}}))
    only = {row["term"] for row in build_context(serving, "en")["glossary"]}
    assert "TTFT, TPOT" in only and "MFU" not in only and "ETTR" not in only
    terms = {row["term"] for row in en}
    assert {"MFU", "TP", "ZeRO", "ETTR", "TTFT, TPOT", "GEMM", "KV cache"} <= terms
    for row in zh:  # Chinese prose, Latin only in the acronyms
        assert re.search(r"[\u4e00-\u9fff]", row["text"]), row


def test_section_2_holds_the_key_inputs_and_appendix_d_all_of_them() -> None:
    """Results come on the fifth page, not after eight pages of inputs: section 2 shows the inputs a committee
    checks first, each with its source; every input is in Appendix D, the key ones among them with the same values."""
    from xlcompute.report.context.sections import KEY_INPUTS
    from xlcompute.report.render import render_html

    r = estimate(default_scenario())
    ctx = build_context(r, "en")
    shown = [row.get("key") or row.get("text_key") for row in ctx["key_inputs"]]
    assert shown == [k for k in KEY_INPUTS if k in shown] and 15 <= len(shown) <= len(KEY_INPUTS)
    assert {"model", "train_tokens", "accelerator", "gpu_count", "mfu_assumed", "price_per_gpu_hour"} <= set(shown)
    everything = {row.get("key") or row.get("text_key"): row for g in ctx["workload"] for row in g["rows"]}
    for row in ctx["key_inputs"]:
        assert row["value"] == everything[row.get("key") or row.get("text_key")]["value"]
    html = render_html(r, "en")
    assert html.index('id="sec-workload"') < html.index('id="sec-compute"') < html.index('id="sec-inputs"')
    assert "Every input of the estimate, with its source, is in Appendix D" in html


def test_a_description_keeps_its_line_breaks_and_the_cover_a_few_of_them() -> None:
    """A scenario's description is paragraphs as the user wrote them: the cover keeps its line breaks (CSS
    pre-line) and at most six of its lines, the workload section shows it whole."""
    from xlcompute.report import render_html
    from xlcompute.report.context import COVER_DESCRIPTION_LINES

    data = default_scenario().model_dump(exclude_unset=True)
    data["description"] = "\n".join(f"Line {i} of the plan." for i in range(1, 10))
    r = estimate(parse_scenario(data))
    ctx = build_context(r, "en")
    assert ctx["description"].splitlines() == [f"Line {i} of the plan." for i in range(1, 6)] + ["Line 6 of the plan.…"]
    assert COVER_DESCRIPTION_LINES == 6 and ctx["description_full"] == data["description"]
    html = render_html(r, "en")
    assert '<p class="description">Line 1 of the plan.\nLine 2 of the plan.' in html
