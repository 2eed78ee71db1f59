"""The CLI's range of training days says when the step-time model's own days lie outside it, as the proposal's
uncertainty section does (one rule: xlcompute.uncertainty.prediction_side): the default plan's 42.0 days at the
predicted 25.4 % MFU lie above the P90 of 41.0 drawn around the assumed 40 %."""

from __future__ import annotations

from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario
from xlcompute.uncertainty import analyse, prediction_side

runner = CliRunner()


def _flat(text: str, lang: str) -> str:
    return ("" if lang == "zh" else " ").join(text.replace("│", " ").split())


def test_the_default_plans_prediction_lies_above_its_range() -> None:
    r = estimate(default_scenario())
    rep = analyse(r)
    assert prediction_side(r, rep) == 1 and r["train_days_predicted_mfu"] > rep.percentiles["train_days"].p90
    days = f"{r['train_days_predicted_mfu']:.1f}"
    for lang, words in (("en", f"the step-time model's own {days} days (at its predicted 25.4% MFU) lie above this "
                                "range, which is drawn around the MFU assumed"),
                        ("zh", f"单步时间模型自己的预测（MFU25.4%）{days}天落在该区间之上")):
        out = runner.invoke(app, ["estimate", "--lang", lang], env={"COLUMNS": "200"})
        assert out.exit_code == 0, out.output
        assert words in _flat(out.output, lang), lang


def test_no_sentence_when_the_mfu_is_predicted() -> None:
    """No MFU assumed: the range is drawn around the prediction itself, so nothing to say."""
    out = runner.invoke(app, ["estimate", "-s", "model=llama2-70b", "-s", "tokens=2T", "-s", "accelerator=H800",
                              "-s", "cards=1000"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "step-time model's own" not in _flat(out.output, "en")
