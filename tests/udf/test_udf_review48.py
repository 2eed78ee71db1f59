"""The Excel functions as a Chinese finance user types them (review of the UDFs, items 8, 11, 13, 14):
unit words where the argument's kind makes them unambiguous, vendor and family names in front of a
catalog name, the estimate's replica for an empty tp, one cell for a card's extrapolation note, and the
precisions WEIGHTS_MEM takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import xlcompute.udf as udf
from xlcompute.catalog import UnknownPresetError, get_gpu, get_model
from xlcompute.quantity import QuantityError, parse_quantity
from xlcompute.scenario import ScenarioError, parse_scenario
from xlcompute.udf._register import is_error

SPECS = udf.udf_specs()
DOC = (Path(__file__).parents[2] / "docs" / "excel.md").read_text(encoding="utf-8")


# -- 1. unit words, each only for the arguments of its kind -------------------------------------------------

@pytest.mark.parametrize("typed", ["2000人", "2000位", "2000名", "2000名用户", "2000位用户", "2000用户",
                                   "2000 users", "2千人", "两千人", "２０００人"])
def test_a_user_count_may_end_with_a_word_for_users(typed: str) -> None:
    assert udf.LLM_SERVING_CARDS("qwen2.5-72b", "H20", typed, 1000, 20) == udf.LLM_SERVING_CARDS(
        "qwen2.5-72b", "H20", 2000, 1000, 20)
    assert udf.LLM_INFER_CHIPS(typed, "qwen2.5-72b", 1000, 20, "H20") == udf.LLM_INFER_CHIPS(
        2000, "qwen2.5-72b", 1000, 20, "H20")


@pytest.mark.parametrize("typed", ["60天", "60 天", "60日", "60 days", "60d", "６０天"])
def test_a_number_of_days_may_end_with_a_word_for_days(typed: str) -> None:
    assert udf.LLM_GPUS_FOR_DAYS("70B", "2T", typed, "H800", 0.4) == udf.LLM_GPUS_FOR_DAYS("70B", "2T", 60, "H800", 0.4)


def test_a_deadline_of_compare_may_end_with_a_word_for_days() -> None:
    args: tuple[Any, ...] = ("llama2-7b", "1T", 64, ["H800"], 0.4)
    assert udf.LLM_COMPARE(*args, "30天") == udf.LLM_COMPARE(*args, 30)


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: udf.LLM_TRAIN_DAYS("70B", "2T", "1000人", "H800", 0.4), "gpus"),   # users' word, not a card count
    (lambda: udf.LLM_TRAIN_DAYS("70B", "2T", "60天", "H800", 0.4), "gpus"),     # days' word, not a card count
    (lambda: udf.ENERGY_KWH("8人", "H800", 24), "gpus"),
    (lambda: udf.LLM_GPUS_FOR_DAYS("70B", "2T", "60人", "H800", 0.4), "days"),  # users' word, not days
    (lambda: udf.LLM_SERVING_CARDS("qwen2.5-72b", "H20", "2000天", 1000, 20), "users"),
    (lambda: udf.LLM_INFER_CHIPS("0人", "qwen2.5-72b", 1000, 20, "H20"), "users"),
    (lambda: udf.LLM_GPUS_FOR_DAYS("70B", "2T", "0天", "H800", 0.4), "days"),
])
def test_a_unit_word_is_refused_outside_its_kind(call: Any, argument: str) -> None:
    result = call()
    assert is_error(result) and result.startswith(f"#VALUE! {argument}"), result
    assert "70B" not in result, result  # each kind gets its own hint, not the count's


def test_a_refused_user_count_quotes_the_cell_and_its_own_hint() -> None:
    result = udf.LLM_SERVING_CARDS("qwen2.5-72b", "H20", "lots人", 1000, 20)
    assert '"lots人"' in result or "'lots人'" in result, result
    assert "2000人" in result and "70B" not in result, result


def test_a_scenario_card_count_still_refuses_days_and_users() -> None:
    for typed in ("60天", "2000人"):
        with pytest.raises(ScenarioError):
            parse_scenario({"model": "70B", "training": {"tokens": "2T"},
                            "cluster": {"accelerator": "H800", "cards": typed}})


@pytest.mark.parametrize("typed", ["2万亿个token", "2万亿个tokens", "2万亿 个 tokens", "2万亿 tokens",
                                   "两万亿个token"])
def test_tokens_may_carry_the_measure_word(typed: str) -> None:
    assert parse_quantity(typed) == 2e12
    assert udf.LLM_TRAIN_DAYS("70B", typed, 1000, "H800", 0.4) == udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4)
    sc = parse_scenario({"model": "70B", "training": {"tokens": typed}, "cluster": {"accelerator": "H800"}})
    assert sc.train.tokens == 2e12


@pytest.mark.parametrize("typed", ["1000个个", "个token", "个"])
def test_the_measure_word_twice_or_without_a_number_is_no_number(typed: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(typed)


# -- 2. a vendor's or a family's name in front of a catalog name -------------------------------------------

@pytest.mark.parametrize(("typed", "key"), [
    ("英伟达H800", "H800"), ("英伟达 H100", "H100-SXM"), ("NVIDIA H800", "H800"), ("辉达H800", "H800"),
    ("英伟达 H800 80GB", "H800"), ("华为昇腾910B", "910B"), ("华为 910B", "910B"), ("昇腾910B", "910B"),
    ("AMD MI250X", "MI250X"), ("英伟达A100 40GB", "A100-40G"),
])
def test_a_card_name_may_start_with_its_maker(typed: str, key: str) -> None:
    assert get_gpu(typed).key == key


@pytest.mark.parametrize(("typed", "key"), [
    ("千问2.5-72b", "qwen2.5-72b"), ("通义千问2.5-72B", "qwen2.5-72b"), ("Qwen2.5-72B", "qwen2.5-72b"),
    ("通义千问2.5 72B", "qwen2.5-72b"), ("千问2.5-72B-Instruct", "qwen2.5-72b"), ("千问3-32B", "qwen3-32b"),
    ("深度求索V3", "deepseek-v3"), ("深度求索-V3", "deepseek-v3"), ("DeepSeek V3", "deepseek-v3"),
])
def test_a_model_name_may_use_its_family_s_chinese_name(typed: str, key: str) -> None:
    assert get_model(typed).key == key


def test_did_you_mean_reads_the_family_word() -> None:
    with pytest.raises(UnknownPresetError, match="did you mean deepseek-v3"):
        get_model("深度求索V9")
    with pytest.raises(UnknownPresetError, match="did you mean H800"):
        get_gpu("英伟达H900")


def test_the_chinese_names_reach_the_cells() -> None:
    assert udf.LLM_TTFT("千问2.5-72b", "英伟达H800", 500) == udf.LLM_TTFT("qwen2.5-72b", "H800", 500)
    assert udf.LLM_TRAIN_DAYS("通义千问2.5-72B", "2T", 1000, "英伟达 H800", 0.4) == udf.LLM_TRAIN_DAYS(
        "qwen2.5-72b", "2T", 1000, "H800", 0.4)


# -- 3. an empty tp: the replica of the estimate's serving plan ------------------------------------------------

def _estimate_tp(model: str, card: str, precision: str | None) -> int:
    from xlcompute.estimate import estimate

    serving: dict[str, Any] = {"users": 2000}  # the scenario's request: 1,000 tokens, 500 generated, every 20 s
    if precision:
        serving["precision"] = precision
    r = estimate(parse_scenario({"model": {"preset": model}, "cluster": {"accelerator": card}, "serving": serving}))
    return int(r["serving_tp"])


@pytest.mark.parametrize(("model", "card", "precision"), [
    ("llama2-70b", "H800", None), ("llama2-70b", "H800", "fp8"), ("qwen2.5-72b", "H20", None),
    ("llama3.1-8b", "H800", None), ("llama3.1-70b", "910B", None),
])
def test_an_empty_tp_is_the_estimate_s_replica(model: str, card: str, precision: str | None) -> None:
    tp = _estimate_tp(model, card, precision)
    ttft = udf.LLM_TTFT(model, card, 500, None, precision)
    assert isinstance(ttft, float), ttft
    assert ttft == udf.LLM_TTFT(model, card, 500, tp, precision)
    assert udf.LLM_TPOT(model, card, 500, 500, None, None, precision) == udf.LLM_TPOT(
        model, card, 500, 500, 1, tp, precision)


def test_the_review_s_ttft_call_gives_a_number_on_the_estimate_s_four_cards() -> None:
    assert _estimate_tp("llama2-70b", "H800", None) == 4  # not the smallest tp that holds the weights (2)
    ttft = udf.LLM_TTFT("llama2-70b", "H800", 500)
    assert isinstance(ttft, float)
    assert ttft == udf.LLM_TTFT("llama2-70b", "H800", 500, 4) != udf.LLM_TTFT("llama2-70b", "H800", 500, 2)


def test_the_tp_help_says_what_empty_means() -> None:
    for name in ("LLM_TTFT", "LLM_TPOT"):
        assert "Empty: the tp xlcompute estimate's serving sizer picks" in SPECS[name].args["tp"]


# -- 4. one cell for a card's extrapolation note ----------------------------------------------------------------

def test_card_note_is_registered() -> None:
    assert "LLM_CARD_NOTE" in SPECS and "LLM_CARD_NOTE" in udf.__all__
    assert list(SPECS["LLM_CARD_NOTE"].args) == ["gpu"]


def test_card_note_is_the_compare_note() -> None:
    table = udf.LLM_COMPARE("llama3.1-70b", "15T", 1024, ["MI250X", "H20", "H800", "H100"])
    notes = {row[0]: row[-1] for row in table[1:]}
    assert set(notes) == {"MI250X", "H20", "H800", "H100-SXM"}
    for card in ("MI250X", "H20"):
        assert udf.LLM_CARD_NOTE(card) == notes[card] != ""
    assert "its 2 held-out published pre-training runs took 3.0× the card-hours" in udf.LLM_CARD_NOTE("MI250X")
    for typed, key in (("H800", "H800"), ("H100", "H100-SXM")):
        assert notes[key] == "" and udf.LLM_CARD_NOTE(typed) == ""


def test_card_note_refuses_what_is_no_card() -> None:
    assert udf.LLM_CARD_NOTE("H900").startswith("#VALUE! gpu: unknown accelerator 'H900'; did you mean")
    assert udf.LLM_CARD_NOTE(None).startswith("#VALUE! gpu is empty")
    assert udf.LLM_CARD_NOTE("英伟达H20") == udf.LLM_CARD_NOTE("H20")


# -- 5. smaller items -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "gb"), [("fp8", 70.0), ("FP8", 70.0), ("int8", 70.0), ("w8a8", 70.0),
                                           ("bf16", 140.0), ("fp16", 140.0), (None, 140.0), ("1", 70.0)])
def test_weights_mem_takes_the_serving_precisions(typed: Any, gb: float) -> None:
    assert udf.WEIGHTS_MEM("70B", typed) == pytest.approx(gb, rel=1e-12)


def test_weights_mem_int4_counts_its_scales_as_the_inference_model_does() -> None:
    from xlcompute.serving_model import PRECISIONS, SCENARIO_PRECISIONS

    assert udf.WEIGHTS_MEM("70B", "int4") == pytest.approx(70 * PRECISIONS[SCENARIO_PRECISIONS["int4"]].weight_bytes)
    assert 35 < udf.WEIGHTS_MEM("70B", "int4") < 40


def test_weights_mem_refuses_an_unknown_precision_with_the_list() -> None:
    result = udf.WEIGHTS_MEM("70B", "fp4")
    assert result.startswith("#VALUE! bytes_per_param") and "fp8" in result and "int4" in result, result


def test_seconds_per_request_means_one_thing_in_both_functions() -> None:
    chips = SPECS["LLM_INFER_CHIPS"].args["seconds_per_request"]
    cards = SPECS["LLM_SERVING_CARDS"].args["seconds_per_request"]
    for text in (chips, cards):
        assert "users / seconds_per_request requests per second" in text, text
    assert "not a latency target" in chips and "LLM_SERVING_CARDS" in chips
    assert "LLM_INFER_CHIPS" in cards and "ttft_s" in cards


def test_serving_cards_says_it_is_not_rounded_to_servers() -> None:
    assert "not rounded up to whole servers" in SPECS["LLM_SERVING_CARDS"].doc
    assert "**not rounded up to whole servers**" in DOC
    assert udf.LLM_SERVING_CARDS("qwen2.5-72b", "H20", 2000, 1000, 20) == 172  # the CLI's headline: 176 (22 servers)
