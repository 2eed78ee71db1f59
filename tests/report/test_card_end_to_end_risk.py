"""A card no step time calibrates, on which Appendix B has held-out published pre-training runs (the MI250X since
end_to_end_4.yaml): the summary, the risk register and the recommendation read the plan against those runs, with one
ratio and one schedule."""

from __future__ import annotations

import statistics

import pytest

from xlcompute import fmt
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.risks import bias_severity, schedule_bias
from xlcompute.report.context.validation import card_end_to_end_runs, end_to_end_report
from xlcompute.report.context._ctx import _Ctx
from xlcompute.scenario import parse_scenario


def _plan(card: str):
    return estimate(parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": "2T"},
                                    "cluster": {"accelerator": card, "cards": 512}}))


def _flat(x: object) -> str:
    return " ".join(str(x).split())


def test_the_mi250x_runs_are_its_evidence() -> None:
    r = _plan("MI250X")
    assert r.inputs["matmul_eff_max"].origin.option == "extrapolated"
    e2e = card_end_to_end_runs(_Ctx(r, "en"))
    errs = [x.error_pct for s in end_to_end_report().held_out_reports for x in s.rows if x.accelerator == "MI250X"]
    assert e2e is not None and e2e.runs == len(errs) == 2
    assert e2e.median_signed_pct == pytest.approx(statistics.median(errs))
    # The two HPLT runs, first predicted at −65.2 % and −69.9 %: they took about 3.1 times the predicted card-hours
    # (3.0 since the interleaved schedule's data-parallel windows and the refits: −66.7 %).
    assert e2e.median_signed_pct == pytest.approx(-66.7, abs=0.1)
    assert e2e.times == pytest.approx(1 / (1 + e2e.median_signed_pct / 100)) and 2.9 < e2e.times < 3.1
    assert schedule_bias(_Ctx(r, "en")) == ("e2e", e2e.median_signed_pct)
    assert bias_severity(e2e.median_signed_pct) == 0  # High: the days move threefold


def test_summary_risk_and_recommendation_give_one_ratio_and_one_schedule() -> None:
    r = _plan("MI250X")
    e2e = card_end_to_end_runs(_Ctx(r, "en"))
    assert e2e is not None
    times = fmt.number(e2e.times, 1)
    days = fmt.days(r["train_days_predicted_mfu"] / (1 + e2e.median_signed_pct / 100))
    ctx = build_context(r, "en")
    risk = next(x for x in ctx["risks"] if "held-out published pre-training runs on it" in str(x["risk"]))
    assert str(risk["severity"]) == "High" and risk in ctx["top_risks"]
    assert (f"took {times}× the card-hours the tool predicted for them (median). At that ratio the step-time "
            f"model's {fmt.days(r['train_days_predicted_mfu'])} days for this run become about {days} days.") in _flat(
        risk["risk"])
    rec = _flat(ctx["recommendation"])
    assert rec.startswith(f"On {r.accelerator_name}, no step time calibrates the step-time model, and the 2 held-out "
                          f"published pre-training runs on it took {times}× the card-hours it predicted (median): its "
                          f"{fmt.days(r['train_days_predicted_mfu'])} days would be about {days} days")
    summary = _flat(ctx["plan_summary"])
    assert f"the 2 held-out published pre-training runs on it (Appendix B) took {times}× the card-hours" in summary
    zh = build_context(r, "zh")
    assert f"实际卡时为预测的 {times} 倍（中位数）：其" in _flat(zh["recommendation"])


def test_no_such_evidence_on_untested_cards_without_runs_or_on_calibrated_cards() -> None:
    mi300x = _plan("MI300X")  # extrapolated, but no published run on it in Appendix B
    assert card_end_to_end_runs(_Ctx(mi300x, "en")) is None
    ctx = build_context(mi300x, "en")
    assert "No published training run on the AMD Instinct MI300X has tested the step-time model" in _flat(
        ctx["plan_summary"])
    assert not any("held-out published pre-training runs on it" in str(x["risk"]) for x in ctx["risks"])
    a100 = _plan("A100-80G")  # calibrated: its end-to-end runs are in the pooled band, not a card caveat
    assert card_end_to_end_runs(_Ctx(a100, "en")) is None


def test_the_recorded_card_evidence_is_the_live_one_for_every_card() -> None:
    """The faces that cannot run the end-to-end sets (xlcompute estimate and compare, LLM_COMPARE, the workbook's Compare
    sheet) quote core.spread.CARD_END_TO_END_RECORDED; it must be what the proposal computes live, card by card (a new
    set or a model change that moves a card's runs fails here, not silently in those faces)."""
    from xlcompute import catalog
    from xlcompute.core.spread import CARD_END_TO_END_RECORDED

    live = {}
    for card in catalog.gpus():
        r = estimate(parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"},
                                     "cluster": {"accelerator": card.key, "cards": 64}, "assumptions": {"mfu": 0.4}}))
        e2e = card_end_to_end_runs(_Ctx(r, "en"))
        if e2e is not None:
            live[card.key] = (e2e.runs, round(e2e.median_signed_pct, 1))
    assert live == CARD_END_TO_END_RECORDED
    assert set(live) == {"V100", "MI250X"}  # the cards the sets measure that no step time calibrates, today


def test_estimate_and_compare_say_what_the_proposal_says() -> None:
    """xlcompute estimate prints the card's evidence under the MFU, in the words xlcompute compare uses, with the
    ratio the proposal's summary gives (one figure, three faces); a calibrated card has no such row."""
    from typer.testing import CliRunner

    from xlcompute.cli import app
    from xlcompute.compare import compare, kernel_note
    from xlcompute.compare_words import note_words

    r = _plan("MI250X")
    e2e = card_end_to_end_runs(_Ctx(r, "en"))
    assert e2e is not None
    note = kernel_note(r.scenario, r.inputs)
    assert note is not None and note.e2e_runs == e2e.runs and f"{note.e2e_times:.1f}" == fmt.number(e2e.times, 1)
    sentence = ("days and MFU extrapolated: no training measurement calibrates this card; the step-time model borrows "
                f"the A100 calibration; its 2 held-out published pre-training runs took {fmt.number(e2e.times, 1)}× "
                "the card-hours the tool predicted (median; xlcompute validate)")
    assert str(note) == note_words(note, "en") == sentence
    assert note_words(note, "zh").endswith(f"；该卡 2 次留出的公开预训练实际用去工具预测卡时的 {fmt.number(e2e.times, 1)} 倍"
                                           "（中位数；xlcompute validate）")
    (row,) = compare(r.scenario, ["MI250X"]).alternatives
    assert [str(n) for n in row.notes if n.kind == "kernel_extrapolated"] == [sentence]
    args = ["estimate", "-s", "model=llama2-7b", "-s", "tokens=2T", "-s", "accelerator=MI250X", "-s", "cards=512"]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert f"Step time on this card D{sentence[1:]}" in " ".join(out.output.replace("│", " ").split())
    zh = CliRunner().invoke(app, [*args, "--lang", "zh"])
    assert zh.exit_code == 0 and "该卡的单步时间" in zh.output
    plan = CliRunner().invoke(app, ["plan", *args[1:]])  # the ranking of the same plan says it too
    assert plan.exit_code == 0 and f"Step time on this card: {sentence}" in " ".join(plan.output.split())
    calibrated = CliRunner().invoke(app, ["estimate", "-s", "model=llama2-7b", "-s", "tokens=2T", "-s",
                                          "accelerator=H100-SXM", "-s", "cards=512"])
    assert calibrated.exit_code == 0 and "Step time on this card" not in calibrated.output
    h100 = _plan("H100-SXM")
    assert kernel_note(h100.scenario, h100.inputs) is None


def test_the_workbook_names_the_runs_where_it_names_the_kernel_constants() -> None:
    """The Hardware sheet says, per card, whether its kernel constants are calibrated or extrapolated (the Inputs
    sheet's source of those constants looks it up): for the cards with published runs it adds them, with the ratio
    the other faces give; every other card's cell is unchanged."""
    from xlcompute.core.spread import CARD_END_TO_END_RECORDED, times_predicted
    from xlcompute.workbook import build_workbook

    r = _plan("MI250X")
    for lang, words in (("en", "its {n} held-out published pre-training runs took {t}× the card-hours predicted"),
                        ("zh", "该卡 {n} 次留出的公开预训练实际用去预测卡时的 {t} 倍")):
        wb = build_workbook(r, lang)
        ws = wb.worksheets[[w.title for w in wb.worksheets].index("Hardware" if lang == "en" else "硬件")]
        cells = {ws[f"A{row}"].value: str(ws[f"W{row}"].value) for row in range(3, ws.max_row + 1) if ws[f"A{row}"].value}
        for key, (n, pct) in CARD_END_TO_END_RECORDED.items():
            assert words.format(n=n, t=f"{times_predicted(pct):.1f}") in cells[key], (key, cells[key])
        others = [k for k in cells if k not in CARD_END_TO_END_RECORDED]
        assert others and not any("xlcompute validate" in cells[k] for k in others)
