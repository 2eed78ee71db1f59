"""A card typed by an alias ("H100") is the catalog card for the proposal's accuracy sentences: its held-out runs
are quoted, never "no training run was measured on it" (helper-108's review: an H100 proposal said so while its
appendix listed 141 held-out H100 runs)."""

from __future__ import annotations

import re

import pytest

from xlcompute import estimate, parse_scenario
from xlcompute.planner.validation.cards import card_name
from xlcompute.report import render_html


@pytest.mark.parametrize(("typed", "name"), [("H100", "H100"), ("h100 sxm", "H100"), ("H100-SXM", "H100"),
                                             ("A100", "A100"), ("910B", "910B"), ("H20", None), ("no-such", None)])
def test_card_name_reads_keys_and_aliases(typed: str, name: str | None) -> None:
    assert card_name(typed) == name


def _text(acc: str, lang: str) -> str:
    r = estimate(parse_scenario({"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": acc, "cards": 1024}}))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", render_html(r, lang)))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_alias_gets_the_cards_held_out_runs(lang: str) -> None:
    alias, key = _text("H100", lang), _text("H100-SXM", lang)
    said = "held-out runs: off by" if lang == "en" else "个留出实测：平均绝对误差"
    assert said in alias and said in key
    assert "No training run in the validation" not in alias and "验证数据中没有在" not in alias
    pick = re.compile(r"On H100 cards, [^.]*\.|在 ?H100 ?卡上的[^。]*。")
    assert pick.findall(alias) == pick.findall(key) != []
