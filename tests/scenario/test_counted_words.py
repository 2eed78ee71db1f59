"""A count may end with the word for what it counts where the field counts it: serving.users ("2万人") and
training.deadline_days ("60天"), as the Excel functions' users and days arguments read them; the same words
are refused anywhere else (a card count of "64天" or "2000人" is a mistake, not a number)."""

from __future__ import annotations

import pytest

from xlcompute.quantity import DAY_WORDS, USER_WORDS, QuantityError, drop_word, parse_quantity
from xlcompute.scenario import ScenarioError, parse_scenario

BASE = {"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"}, "cluster": {"accelerator": "H800",
                                                                                   "cards": 64}}


def _with(section: str, field: str, value: object) -> dict:
    data = {k: dict(v) for k, v in BASE.items()}
    data.setdefault(section, {})[field] = value
    return data


@pytest.mark.parametrize(("text", "users"), [("2万人", 20000), ("2000 users", 2000), ("2000位用户", 2000),
                                             ("１５００名", 1500), ("2000", 2000)])
def test_users_may_end_with_a_word_for_users(text: str, users: int) -> None:
    assert parse_scenario(_with("serving", "users", text)).serving.users == users


@pytest.mark.parametrize(("text", "days"), [("60天", 60.0), ("60 days", 60.0), ("90日", 90.0), ("45d", 45.0)])
def test_a_deadline_may_end_with_a_word_for_days(text: str, days: float) -> None:
    assert parse_scenario(_with("training", "deadline_days", text)).train.deadline_days == days


@pytest.mark.parametrize(("section", "field", "text"), [("cluster", "cards", "64天"), ("cluster", "cards", "64人"),
                                                        ("training", "tokens", "1T天"), ("serving", "users", "60天"),
                                                        ("training", "deadline_days", "60人")])
def test_the_words_are_refused_where_they_do_not_count_the_field(section: str, field: str, text: str) -> None:
    with pytest.raises(ScenarioError, match=f"{section}.{field}: '{text}' is not a number"):
        parse_scenario(_with(section, field, text))


def test_a_refused_value_is_quoted_as_typed() -> None:
    with pytest.raises(ScenarioError, match="serving.users: 'lots人' is not a number"):
        parse_scenario(_with("serving", "users", "lots人"))


def test_the_words_are_not_unit_words_of_every_count() -> None:
    for word in ("人", "天"):
        with pytest.raises(QuantityError):
            parse_quantity(f"64{word}")
    assert drop_word("2万人", USER_WORDS) == "2万" and drop_word("60天", DAY_WORDS) == "60"
    assert drop_word("人", USER_WORDS) == "人"  # a word alone is no count
