"""Numbers as finance users type them beyond the suffixes: Chinese scale words (2千亿), English ones
(2 trillion), space-grouped thousands (2 048), a word for what is counted (1024张, 2T tokens) and the
full-width forms of a Chinese input method (１０２４, ８０％), Chinese numerals (两千, 一万亿). Each was refused
as 'not a number'."""

from __future__ import annotations

import pytest

from xlcompute import udf
from xlcompute.quantity import QuantityError, parse_quantity
from xlcompute.scenario import ScenarioError, parse_scenario


@pytest.mark.parametrize(("text", "value"), [
    ("2千亿", 2e11), ("3千万", 3e7), ("5百万", 5e6), ("1.2十亿", 1.2e9), ("8百亿", 8e10), ("2千", 2e3),
    ("2 trillion", 2e12), ("1.2 Billion", 1.2e9), ("300 million", 3e8), ("5 thousand", 5e3),
    ("2 048", 2048), ("16\u00a0384", 16384), ("1 000 000", 1e6),
    ("1024张", 1024), ("1000 张卡", 1000), ("2T tokens", 2e12), ("70B params", 70e9), ("64 GPUs", 64),
    ("3亿个", 3e8), ("１０２４", 1024), ("８０％", 0.8), ("７０Ｂ", 70e9),
])
def test_the_forms_people_type(text: str, value: float) -> None:
    assert parse_quantity(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(("text", "value"), [
    ("一千", 1e3), ("两千张卡", 2e3), ("一万亿", 1e12), ("两万亿 tokens", 2e12), ("三千五百万", 3.5e7), ("十五", 15),
    ("十万", 1e5), ("一千零二十", 1020), ("一亿五千万", 1.5e8), ("七百亿个参数", 7e10), ("一百零一万", 1.01e6),
])
def test_chinese_numerals(text: str, value: float) -> None:
    assert parse_quantity(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["2,5", "12 34", "1 0", "2 0000", "tokens", "张", "2T tokens tokens", "70 B B",
                                  "2 trillions", "1 000,000", "万", "万亿", "一二三", "一百十"])
def test_what_is_still_not_a_number(text: str) -> None:
    with pytest.raises(QuantityError, match="is not a number"):
        parse_quantity(text)


def test_a_scenario_and_an_excel_function_read_them_alike() -> None:
    typed = parse_scenario({"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "2万亿 tokens"},
                            "cluster": {"accelerator": "H800", "cards": "1 024张"}})
    assert typed.train.tokens == 2e12 and typed.cluster.cards == 1024
    assert udf.LLM_TRAIN_DAYS("700亿个参数", "2 trillion tokens", "1000张", "H800", "40%") == \
        udf.LLM_TRAIN_DAYS(70e9, 2e12, 1000, "H800", 0.4)
    with pytest.raises(ScenarioError, match="cluster.cards: '1024 cores' is not a number"):
        parse_scenario({"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T"},
                        "cluster": {"cards": "1024 cores"}})


@pytest.mark.parametrize("text", ["128台", "128 台", "128台服务器", "十六台", "16 servers", "16 nodes"])
def test_a_count_of_servers_is_not_read_as_cards(text: str) -> None:
    """"H800 服务器 128台" in a purchase order is 1,024 cards: 台 counts machines. Read as 128 cards it made a
    training time eight times too long, without a word."""
    with pytest.raises(QuantityError, match="counts servers, not cards; give the cards"):
        parse_quantity(text, "cluster.cards")
    with pytest.raises(ScenarioError, match=r"cluster.cards: '128台' counts servers"):
        parse_scenario({"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T"},
                        "cluster": {"accelerator": "H800", "cards": "128台"}})
    from xlcompute.cli._problems_zh import problem_zh

    zh = problem_zh(f"cluster.cards: {text!r} counts servers, not cards; give the cards (a server of 8 cards: 128 "
                    "servers are 1024 cards)")
    assert "计的是服务器台数而非卡数" in zh and "counts servers" not in zh


@pytest.mark.parametrize(("text", "tokens"), [("4K", 4096), ("128K", 131_072), ("32k", 32_768), ("８K", 8192),
                                              ("4096", 4096), ("4,096", 4096)])
def test_a_context_length_in_k_is_binary(text: str, tokens: int) -> None:
    """A sequence length of "4K" or "128K" is 4,096 or 131,072 tokens (Llama 3.1's 128K context is 131,072
    positions), not the 4,000 the K of a count means: read as 4,000 it changed the steps, batch and memory."""
    sc = parse_scenario({"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T", "seq_len": text},
                         "cluster": {"accelerator": "H800", "cards": 64}})
    assert sc.train.seq_len == tokens
    assert parse_quantity("4K") == 4000  # a count's K stays a thousand
