"""The alternatives section's data: the compare() rows, a line per card that cannot run the job,
the scenario's own card marked, and compare() called once per render."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcompute import compare as compare_mod
from xlcompute import fmt
from xlcompute.compare import Alternative, Comparison, Reason
from xlcompute.estimate import Estimate, estimate
from xlcompute.report import charts, render_html
from xlcompute.report.context import alternatives as alt_mod
from xlcompute.report.context import build_context
from xlcompute.scenario import default_scenario


@pytest.fixture(scope="module")
def result() -> Estimate:
    return estimate(default_scenario())


def test_rows_are_the_compare_rows(result: Estimate) -> None:
    comp = compare_mod.compare(result.scenario)
    section = build_context(result, "en")["alternatives"]
    ok = [a for a in comp.alternatives if a.ok]
    assert [row["card"] for row in section["tech"]] == [a.accelerator for a in ok]
    # the scenario assumes its MFU: each card's days at its predicted MFU follow in brackets
    assert [row["days"] for row in section["tech"]] == [
        f"{fmt.days(a.train_days or 0)} ({fmt.days(a.train_days_predicted_mfu or 0)})" for a in ok]
    assert [row["budget"] for row in section["money"]] == [fmt.money(a.total_budget or 0, comp.currency) for a in ok]
    # The scenario's own card (H800 in the default scenario) is the marked row.
    assert section["own"][[r["card"] for r in section["tech"]].index("H800")]
    assert sum(section["own"]) == 1
    # A quantity shown in two places shows one number: the own card's serving cost is the summary's.
    ctx = build_context(result, "en")
    own_money = section["money"][[r["card"] for r in section["tech"]].index("H800")]
    assert own_money["per_m"] == fmt.money(result["cost_per_million_tokens"], "CNY", 2)
    assert own_money["per_m"] == ctx["headline"]["cost_1k"] == "¥2.51"  # the summary card "per million output tokens"
    # ... priced as the recommendation rents the fleet (reserved for 3 years at ¥9.75), and the card says so.
    assert ctx["headline"]["serving_price"] == "¥9.75" and result["rent_option"] == 3


def test_a_card_that_cannot_run_is_a_line_with_its_reason(result: Estimate, monkeypatch: pytest.MonkeyPatch) -> None:
    real = compare_mod.compare(result.scenario)
    why = Reason(kind="no_fp8", text="no fp8 peak <for this card>")
    bad = Alternative(accelerator="V100", name="NVIDIA V100", ok=False, reason=why.text, why=why)
    fake = real.model_copy(update={"alternatives": [*real.alternatives, bad]})
    calls: list[int] = []

    def once(scenario: object) -> Comparison:
        calls.append(1)
        return fake

    monkeypatch.setattr(alt_mod, "compare", once)
    html = render_html(result, "zh")
    assert len(calls) == 1  # one compare() (one estimate per card) per render
    # The Chinese proposal words the reason from its data (compare.Reason); no English line remains.
    assert "V100 无法运行该任务：该卡在目录中没有 fp8 峰值，而场景按 fp8 训练" in html
    assert "no fp8 peak" not in html
    section = build_context(result, "en")["alternatives"]
    assert "V100" not in [row["card"] for row in section["tech"]]
    assert str(section["failed"][0]) == "V100 cannot run the job: no fp8 peak &lt;for this card&gt;"


def test_horizontal_bars_leave_room_for_long_labels() -> None:
    svg = charts.horizontal_bars(bars=[("A-very-long-card-name-80GB", 2.0, "2"), ("B", 1.0, "1")], highlight=0,
                                 x_title="x", x_format=str)
    # The first bar starts right of the longest label's estimated width (26 chars × 12 × 0.62 ≈ 193).
    assert '<rect x="207"' in svg
    assert svg.count("<rect") == 2


def test_notes_are_worded_in_the_proposals_language() -> None:
    # compare() returns notes as data (xlcompute.compare.Note); the Chinese proposal words them in Chinese.
    from xlcompute.scenario import parse_scenario

    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["pricing"] = {**data["pricing"], "server_price": 2_300_000, "price_per_card_hour": 15}  # quotes
    result = estimate(parse_scenario(data))
    en = build_context(result, "en")["alternatives"]["notes"]
    zh = build_context(result, "zh")["alternatives"]["notes"]
    assert en and len(en) == len(zh)
    # Each card with a CNY price row takes it instead of the H800 quotes, and says so; the H20 also borrows the
    # H100 calibration (its MFU is extrapolated).
    swapped = [n for n in en if "prices of this card, not the scenario" in n and "(given for H800)" in n]
    assert len(swapped) == len(en) - 1 and "H20: predicted MFU extrapolated" in " ".join(en)
    assert len([n for n in zh if "采用目录中该卡的价格，而非场景给出的" in n and "（原为 H800 给出）" in n]) == len(swapped)
    assert "H20：预测 MFU 为外推" in " ".join(zh) and not any("catalog" in n or "extrapolated" in n for n in zh)


@pytest.mark.parametrize("kind", ["no_fp8", "no_offload_tier", "no_layout_fits", "layout_no_fit", "too_many_failures",
                                  "other"])
def test_every_refusal_reason_has_chinese_words(result: Estimate, kind: str) -> None:
    """Issue 13 part 6: a card that cannot run shows its reason in Chinese in the Chinese proposal."""
    from xlcompute.report.context._ctx import _Ctx

    why = Reason(kind=kind, cards=64, hbm_gb=80.0, text="an English line")  # type: ignore[arg-type]
    zh = alt_mod._why(_Ctx(result, "zh"), why, why.text)
    assert zh and "English" not in zh and not any("a" <= ch.lower() <= "z" for ch in zh.replace("fp8", "")
                                                   .replace("TDP", "").replace("GB", "")
                                                   .replace("xlcompute compare", ""))
    assert alt_mod._why(_Ctx(result, "en"), why, why.text) == "an English line"


def test_compare_reasons_are_data() -> None:
    """The refusals of the offload example are classified from the card and scenario, not parsed."""
    from xlcompute.scenario import load_scenario

    comp = compare_mod.compare(load_scenario(Path(__file__).resolve().parents[2] / "workbooks/scenarios/gh200-8-llama70b-offload.yaml"))
    refused = [a for a in comp.alternatives if not a.ok]
    assert refused and all(a.why is not None and a.why.kind == "no_offload_tier" for a in refused)
    assert all(a.reason == a.why.text for a in refused if a.why)


def test_a_serving_chart_keeps_the_fen_of_a_few_yuan_per_million_tokens() -> None:
    """A cost per 10^6 output tokens of a few yuan is labelled to the fen, so two cards ¥0.01 apart do not both
    read ¥4 (helper-106's review of the H20 serving example)."""
    from xlcompute.scenario import load_scenario

    path = Path(__file__).parents[2] / "workbooks" / "scenarios" / "h20-serving-qwen72b.yaml"
    r = estimate(load_scenario(path))
    section = build_context(r, "en")["alternatives"]
    comp = compare_mod.compare(r.scenario)
    svg = str(section["chart"])
    costs = [a.cost_per_million_output_tokens for a in comp.alternatives if a.ok]
    assert costs and all(c is not None and c < 100 for c in costs)
    for cost in costs:
        assert fmt.money(cost or 0.0, "CNY", 2) in svg
