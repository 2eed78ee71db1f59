"""With an assumed MFU, the uncertainty section says when the step-time model's own days lie outside the
range's P10–P90 (the range is drawn around the assumed MFU): the default plan's 42.0 days at the predicted
25.4 % sit above a P90 of 41.0, which a committee reading the P90 as likely should see."""

from __future__ import annotations

from typing import Any

from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.scenario import default_scenario, parse_scenario


def _text(r: Any, lang: str = "en") -> str:
    return str(build_context(r, lang)["uncertainty"]["text"])


def test_the_default_plan_says_its_prediction_lies_above_the_range() -> None:
    r = estimate(default_scenario())
    en, zh = _text(r), _text(r, "zh")
    days = f"{r['train_days_predicted_mfu']:.1f}"
    assert f"own prediction, 25.4% MFU ({days} days end to end), lies above this range" in en
    assert "the range is drawn around the assumed 40.0%" in en
    assert f"（MFU 25.4%，端到端 {days} 天）落在该区间之上" in zh


def test_no_sentence_without_an_assumed_mfu_or_inside_the_range() -> None:
    data = {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
            "cluster": {"accelerator": "H800", "cards": 1000}}
    predicted = estimate(parse_scenario(data))
    assert predicted["mfu_assumed"] == 0 and "own prediction" not in _text(predicted)
    near = estimate(parse_scenario({**data, "assumptions": {"mfu": round(predicted["predicted_mfu"] + 0.02, 3)}}))
    assert near["mfu_assumed"] > 0 and "own prediction" not in _text(near)
