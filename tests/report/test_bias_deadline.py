"""A deadline met by the model's figures on a card whose held-out runs the model missed (the High schedule-bias risk):
the summary and the recommendation say the run misses it at that bias, instead of "met" beside advice to plan for
more days (helper-108's review: "Deadline: 30.0 days, met" and "its 30.0 days would be about 42.9 days")."""

from __future__ import annotations

import re
from typing import Any

import pytest

from xlcompute import estimate, parse_scenario
from xlcompute.report import render_html


@pytest.fixture(scope="module")
def sized() -> Any:
    return estimate(parse_scenario({"model": {"params": "70B"}, "training": {"tokens": "2T", "deadline_days": 30},
                                    "cluster": {"accelerator": "910B"}}))


def _text(r: Any, lang: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", render_html(r, lang)))


def test_the_summary_and_the_recommendation_say_the_biased_run_misses_it(sized: Any) -> None:
    assert sized["deadline_slip_days"] == 0 and sized["train_days"] <= 30
    text = _text(sized, "en")
    adj = re.search(r"its [\d.]+ days would be about ([\d.]+) days", text)
    assert adj is not None
    late = f"{float(adj[1]) - 30:.1f}"
    assert (f"It is met by the model's own figures: at the error the model made on this card's held-out runs the run "
            f"takes about {adj[1]} days, {late} days past the deadline (see the recommendation).") in text
    assert f"At those figures the run ends {late} days after the 30.0-day deadline" in text
    zh = _text(sized, "zh")
    assert f"超过截止期限 {late} 天（见建议）" in zh and f"晚 {late} 天结束" in zh


def test_no_such_sentence_without_a_deadline_or_on_a_card_the_model_holds() -> None:
    plain = estimate(parse_scenario({"model": {"params": "70B"}, "training": {"tokens": "2T"},
                                     "cluster": {"accelerator": "910B", "cards": 1024}}))
    h800 = estimate(parse_scenario({"model": {"params": "70B"}, "training": {"tokens": "2T", "deadline_days": 30},
                                    "cluster": {"accelerator": "H800"}}))
    for r in (plain, h800):
        text = _text(r, "en")
        assert "met by the model's own figures" not in text and "days after the" not in text
