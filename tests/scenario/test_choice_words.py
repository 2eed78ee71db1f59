"""Choice fields read as people and papers write them: "BF16", "FP8", "Full", "usd". Model and card
names were already read whatever their case; the choice fields refused anything but lower case."""

from __future__ import annotations

import pytest

from xlcompute.scenario import ScenarioError, parse_scenario

BASE = {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"}, "cluster": {"accelerator": "H800", "cards": 1000}}


def _with(section: str, **fields: object) -> dict[str, object]:
    return {**BASE, section: {**BASE.get(section, {}), **fields}}  # type: ignore[dict-item]


@pytest.mark.parametrize(("section", "field", "typed", "read"), [
    ("training", "precision", "BF16", "bf16"),
    ("training", "precision", " FP8 ", "fp8"),
    ("training", "recompute", "Full", "full"),
    ("training", "attention", "FLASH", "flash"),
    ("training", "software", "Megatron-LM", "megatron-lm"),
    ("training", "offload", ["Optimizer", "WEIGHTS"], ("optimizer", "weights")),
    ("serving", "precision", "INT4", "int4"),
    ("pricing", "currency", "usd", "USD"),
])
def test_a_choice_in_any_case_is_the_allowed_word(section: str, field: str, typed: object, read: object) -> None:
    extra = {"users": 100} if section == "serving" else {}
    s = parse_scenario(_with(section, **extra, **{field: typed}))
    part = {"training": s.train, "serving": s.serving, "pricing": s.pricing}[section]
    assert getattr(part, field) == read


def test_a_word_that_is_no_choice_is_still_refused_with_the_choices() -> None:
    with pytest.raises(ScenarioError, match=r"training.precision: must be 'bf16', 'fp16' or 'fp8' \(got 'BF17'\)"):
        parse_scenario(_with("training", precision="BF17"))
