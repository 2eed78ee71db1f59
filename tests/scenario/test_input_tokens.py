"""serving.input_tokens: a request stated as serving benchmarks state it (prompt and output lengths) sets
tokens_per_request to their sum; contradictions and a missing output are refused by name."""

from __future__ import annotations

import pytest

from xlcompute.estimate import estimate
from xlcompute.scenario import ScenarioError, parse_scenario

BASE = {"model": {"preset": "llama3.1-8b"}, "cluster": {"accelerator": "H800", "cards": 8}}


def _serving(**fields: object) -> dict:  # type: ignore[type-arg]
    return {**BASE, "serving": {"users": 100, **fields}}


def test_input_and_output_set_the_request() -> None:
    sc = parse_scenario(_serving(input_tokens="2K", output_tokens=500))
    assert sc.serving.tokens_per_request == 2500 and sc.serving.output_tokens_used == 500
    same = parse_scenario(_serving(tokens_per_request=2500, output_tokens=500))
    a, b = estimate(sc), estimate(same)
    assert a["serving_input_tokens"] == 2000 and a["serving_cards"] == b["serving_cards"]
    assert a.inputs["tokens_per_request"].source == "scenario: serving.input_tokens + serving.output_tokens"
    assert a["ttft"] == b["ttft"] and a["tpot"] == b["tpot"]
    # Both forms together are fine when they agree; the scenario dumped and read back is the same.
    assert parse_scenario(_serving(input_tokens=2000, output_tokens=500, tokens_per_request=2500)) == sc
    assert parse_scenario(sc.model_dump(exclude_unset=True)) == sc
    assert parse_scenario(sc.model_dump()) == sc


@pytest.mark.parametrize(("fields", "words"), [
    ({"input_tokens": 2000}, "serving.input_tokens (2000) needs serving.output_tokens"),
    ({"input_tokens": 2000, "output_tokens": 500, "tokens_per_request": 2000},
     "serving.tokens_per_request (2000) must be serving.input_tokens + serving.output_tokens (2000 + 500 = 2500)"),
    ({"input_tokens": 0, "output_tokens": 5}, "serving.input_tokens"),
])
def test_a_request_that_does_not_add_up_is_refused(fields: dict, words: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(_serving(**fields))
    assert words in str(exc.value)


@pytest.mark.parametrize(("typed", "meant"), [("prompt_tokens", "input_tokens"), ("isl", "input_tokens"),
                                              ("osl", "output_tokens"), ("max_tokens", "output_tokens")])
def test_benchmark_names_point_to_the_fields(typed: str, meant: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(_serving(**{typed: 100}))
    assert f"did you mean serving.{meant}?" in str(exc.value)
