"""xlcompute.compare: each row is estimate() of the swapped scenario; prices, deadlines, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from xlcompute.compare import MAX_ALTERNATIVES, compare, default_accelerators, swapped_scenario
from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario, parse_scenario


def _data(**changes: Any) -> dict[str, Any]:
    data = default_scenario().model_dump(exclude_unset=True)
    for path, value in changes.items():
        section, field = path.split("__")
        data[section] = {**data.get(section, {}), field: value}
    return data


def test_default_set_starts_with_the_scenarios_card() -> None:
    assert default_accelerators(default_scenario()) == ["H800", "H20", "A800", "H200", "910B"]
    usd = parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": 1e12},
                          "cluster": {"accelerator": "910B"}, "pricing": {"currency": "USD"}})
    assert default_accelerators(usd)[:2] == ["910B", "H100-SXM"]


def test_each_row_equals_the_estimate_of_the_swapped_scenario() -> None:
    sc = default_scenario()
    result = compare(sc)
    assert [a.accelerator for a in result.alternatives] == ["H800", "H20", "A800", "H200", "910B"]
    for alt in result.alternatives:
        assert alt.ok, alt.reason
        r = estimate(swapped_scenario(sc, alt.accelerator)[0])
        assert alt.cards == r["gpu_count"] == 1000
        assert alt.train_days == r["train_days"]
        assert alt.mfu == r["mfu"] == 0.4  # the scenario's assumed MFU holds on every card
        assert alt.predicted_mfu == r["predicted_mfu"]
        assert alt.it_power_kw == r["it_power_kw"]
        assert alt.capex_total == r["capex_total"]
        assert alt.total_budget == r["total_budget"]
        assert alt.cost_per_trillion_tokens == pytest.approx(r["train_cost"] / 2)  # 2T tokens
        # The serving cost is the inference model's, the figure the proposal's summary quotes for its card.
        assert alt.cost_per_million_output_tokens == r["cost_per_million_tokens"]
        assert alt.serving_cards == r["serving_cards"]
        assert alt.npv_own == r["npv_own"] and alt.npv_rent == r["npv_rent"]
    own = result.alternatives[0]
    base = estimate(sc)
    assert own.train_days == base["train_days"] and own.total_budget == base["total_budget"]
    assert own.notes == []
    # Pinned figures of the default scenario (1000 cards, MFU 0.40, bf16 peaks of the catalog).
    days = {a.accelerator: round(a.train_days, 1) for a in result.alternatives}
    assert days == {"H800": 26.7, "H20": 178.4, "A800": 84.6, "H200": 26.7, "910B": 70.2}


def test_quoted_prices_are_the_scenario_cards_own() -> None:
    """A server or rental price the scenario gives is a quote for its own card: another card with a price row of
    the currency in prices.yaml takes that row (an H800 quote would make the H20 and the 910B as dear as an
    H800), and one without a row keeps the quote; either way the row says so."""
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["pricing"] = {**data["pricing"], "server_price": 2_400_000, "price_per_card_hour": 16}  # quotes for its H800
    sc = parse_scenario(data)
    h20 = estimate(swapped_scenario(sc, "H20")[0])
    assert h20["server_price"] == 150_000 * 8 and h20["price_per_gpu_hour"] == 6  # prices.yaml's H20 row in CNY
    kept = estimate(swapped_scenario(sc, "B200")[0])  # no CNY row for the B200: the quote stays
    assert kept["server_price"] == 2_400_000 and kept["price_per_gpu_hour"] == 16
    alts = {a.accelerator: a for a in compare(sc, ["H20", "B200"]).alternatives}
    assert any(n.kind == "prices_catalog" and n.fields == ("server_price", "price_per_card_hour")
               and n.given_for == "H800" for n in alts["H20"].notes)
    assert any("the catalog's prices of this card, not the scenario's server_price, price_per_card_hour (given for "
               "H800)" == str(n) for n in alts["H20"].notes)
    assert alts["H20"].train_cost == pytest.approx(h20["train_cost"])
    assert any(n.kind == "prices_kept" and n.fields == ("server_price", "price_per_card_hour")
               for n in alts["B200"].notes)
    own = compare(sc, ["H800"]).alternatives[0]  # the scenario's own card keeps its quotes, without a note
    assert own.notes == [] and own.train_cost == pytest.approx(estimate(sc)["train_cost"])


def test_default_prices_follow_the_card_and_the_currency() -> None:
    data = _data()
    data["pricing"] = {"currency": "CNY"}  # every price left to the defaults
    sc = parse_scenario(data)
    cny = {a.accelerator: a for a in compare(sc, ["H800", "H20", "910B"]).alternatives}
    for key, server, hour in (("H800", 287_500, 15), ("H20", 150_000, 6), ("910B", 200_000, 10)):
        r = estimate(swapped_scenario(sc, key)[0])
        assert r["server_price"] == server * 8 and r["price_per_gpu_hour"] == hour
        assert cny[key].capex_total == r["capex_total"]
        assert [n.kind for n in cny[key].notes] == ([] if key != "H20" else ["kernel_extrapolated"])
    data["pricing"] = {"currency": "USD"}
    usd = parse_scenario(data)
    r = estimate(swapped_scenario(usd, "H200")[0])
    assert r["server_price"] == 42_500 * 8 and r["price_per_gpu_hour"] == 3.5
    # No USD row for H20: the currency's default, never a CNY figure.
    r = estimate(swapped_scenario(usd, "H20")[0])
    assert r["server_price"] == 37_500 * 8 and r["price_per_gpu_hour"] == 3.0


def test_card_specific_overrides_are_dropped() -> None:
    sc = parse_scenario(_data(cluster__tdp_w=650, cluster__intra_node_gbs=150))
    swapped, notes = swapped_scenario(sc, "910B")
    assert swapped.cluster.tdp_w is None and swapped.cluster.intra_node_gbs is None
    assert any("tdp_w, intra_node_gbs" in str(n) for n in notes)
    same, notes = swapped_scenario(sc, "h800")  # an alias of the scenario's own card keeps them
    assert same.cluster.tdp_w == 650 and notes == []


def test_cards_that_cannot_run_the_job_give_a_reason() -> None:
    sc = parse_scenario(_data(training__precision="fp8"))
    rows = {a.accelerator: a for a in compare(sc, ["H800", "A800", "910B"]).alternatives}
    assert rows["H800"].ok
    for key in ("A800", "910B"):
        assert not rows[key].ok and "no fp8 peak" in rows[key].reason and rows[key].train_days is None
    # No layout of 8 cards holds a 70B model on 24 GB cards (no MFU given: the planner must fit it).
    small = parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": 1e12},
                            "cluster": {"accelerator": "H800", "cards": 8}})
    rows = {a.accelerator: a for a in compare(small, ["RTX4090"]).alternatives}
    assert not rows["RTX4090"].ok and "fits" in rows["RTX4090"].reason


def test_a_fixed_layout_the_card_cannot_take_goes_to_the_planner() -> None:
    # TP 8 × PP 5 needs ~22 GB per card; on a 24 GB RTX 4090 it does not fit: the planner chooses.
    sc = parse_scenario(_data(assumptions__mfu=0.4))
    alt = compare(sc, ["RTX4090"]).alternatives[0]
    r_fixed = estimate(swapped_scenario(sc, "RTX4090")[0])
    if r_fixed["mem_fits"] < 0.5:
        assert any("layout chosen by the planner" in str(n) for n in alt.notes)
        r = estimate(swapped_scenario(sc, "RTX4090", free_layout=True)[0])
        assert alt.train_days == r["train_days"] and alt.layout.startswith(f"TP{int(r['tp'])}·")
    else:
        assert alt.train_days == r_fixed["train_days"]


def test_deadline_gives_the_cards_each_card_needs() -> None:
    sc = parse_scenario(_data(training__deadline_days=30))
    rows = compare(sc, ["H800", "H20", "910B"]).alternatives
    for alt in rows:
        assert alt.ok
        assert alt.train_days <= 30
        assert alt.cards % 40 == 0  # whole servers (8) and whole TP 8 × PP 5 replicas (40)
        # One replica fewer would miss the deadline (or not be fewer cards at all).
        fewer = alt.cards - 40
        if fewer >= 40:
            r = estimate(swapped_scenario(sc, alt.accelerator, fewer)[0])
            assert r["train_days"] > 30
    cards = {a.accelerator: a.cards for a in rows}
    assert cards["H20"] > cards["910B"] > cards["H800"]


def test_a_serving_fleet_the_scenario_gives_stays_on_its_own_card() -> None:
    """A serving-only plan with cluster.cards given: the own card's row is the estimate of that fleet (the
    proposal's headline), each other card gets the cards the demand needs on it (helper-106's review: the
    example's 292 H20 read 296 in the alternatives of the same PDF)."""
    data = {"model": {"preset": "qwen2-72b"}, "cluster": {"accelerator": "H20", "cards": 292},
            "serving": {"users": 3000}}
    sc = parse_scenario(data)
    own, other = compare(sc, ["H20", "H800"]).alternatives
    r = estimate(sc)
    assert own.cards == 292 and own.total_budget == pytest.approx(r["total_budget"], rel=1e-12)
    unsized = parse_scenario({**data, "cluster": {"accelerator": "H800"}})
    assert other.cards == estimate(unsized).scenario.cluster.cards != 292
    # Left out, the own card is sized to the demand too, as the estimate sizes it.
    del data["cluster"]["cards"]
    sized = compare(parse_scenario(data), ["H20"]).alternatives[0]
    assert sized.cards == estimate(parse_scenario(data)).scenario.cluster.cards


def test_bad_card_lists_are_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="accelerators: unknown accelerator 'foo'"):
        compare(default_scenario(), ["foo"])
    with pytest.raises(ValueError, match="at least one card"):
        compare(default_scenario(), [])
    many = ["V100", "A100-40G", "A100-80G", "A800", "H100-SXM", "H100-PCIe", "H800", "H20", "H200"]
    with pytest.raises(ValueError, match=f"at most {MAX_ALTERNATIVES} cards"):
        compare(default_scenario(), many)
    assert [a.accelerator for a in compare(default_scenario(), ["h800", "H800"]).alternatives] == ["H800"]


def test_a_mixture_of_experts_row_shows_its_expert_parallel_size() -> None:
    """Issue 15: the layout a comparison shows for an MoE model names the estimate's EP (the CLI column, the PDF's
    alternatives table and the workbook's Compare sheet all print Alternative.layout); a dense model's shows none."""
    from xlcompute.cli.compare import _rows

    sc = parse_scenario({"model": {"preset": "mixtral-8x7b"}, "training": {"tokens": "1T"},
                         "cluster": {"accelerator": "H800", "cards": 64}})
    alt = compare(sc, ["H800"]).alternatives[0]
    r = estimate(swapped_scenario(sc, "H800")[0])
    assert r["ep"] > 1 and alt.layout.endswith(f" EP{int(r['ep'])}")
    assert alt.layout.startswith(f"TP{int(r['tp'])}·CP{int(r['cp'])}·PP{int(r['pp'])}·DP{int(r['dp'])}")
    comparison = compare(sc, ["H800"])
    assert _rows(comparison)[0][4].endswith(f" EP{int(r['ep'])}")  # the CLI's layout column
    dense = compare(default_scenario(), ["H800"]).alternatives[0]
    assert "EP" not in dense.layout


def test_a_card_no_training_run_calibrates_says_its_figures_are_extrapolated() -> None:
    """A training row on a card whose kernel constants are borrowed carries a note saying so, naming the calibration
    it borrows and whether its GEMM constant is carried by the matmul ceiling; a calibrated card carries none. With an
    assumed MFU the days follow the scenario, so only the predicted MFU is called extrapolated."""
    from xlcompute.compare_words import note_words

    sc = parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"},
                         "cluster": {"accelerator": "H800", "cards": 64}})
    rows = {a.accelerator: a for a in compare(sc, ["H800", "MI300X", "H20"]).alternatives}
    kinds = {k: [n for n in a.notes if n.kind == "kernel_extrapolated"] for k, a in rows.items()}
    assert kinds["H800"] == []
    (mi,), (h20,) = kinds["MI300X"], kinds["H20"]
    assert (mi.borrowed, mi.carried, h20.borrowed, h20.carried) == ("H100", True, "H100", False)
    assert str(mi) == ("days and MFU extrapolated: no training measurement calibrates this card; the step-time model "
                       "borrows the H100 calibration, its GEMM constant carried by the card's measured matmul ceiling")
    assert note_words(h20, "zh") == "天数与 MFU 为外推：没有训练实测校准该卡，单步时间模型借用 H100 的校准"
    assumed = parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"},
                              "cluster": {"accelerator": "H800", "cards": 64}, "assumptions": {"mfu": 0.4}})
    (note,) = [n for n in compare(assumed, ["H20"]).alternatives[0].notes if n.kind == "kernel_extrapolated"]
    assert note.mfu_assumed and str(note).startswith("predicted MFU extrapolated")
    for n in (mi, h20, note):  # the CLI's English (Note.__str__) is compare_words' English
        assert str(n) == note_words(n, "en", labels=False)
    # A serving-only plan has no training run and no such note.
    serving = parse_scenario({"model": {"preset": "llama2-7b"}, "cluster": {"accelerator": "H800", "cards": 8},
                              "serving": {"users": 100}})
    assert all(n.kind != "kernel_extrapolated" for a in compare(serving, ["H20"]).alternatives for n in a.notes)


def test_the_serving_cost_is_the_inference_models_and_absent_without_users() -> None:
    """A card's serving cost is what its fleet, sized by the inference model for the scenario's users, costs per 10^6
    output tokens: the figure the proposal's summary quotes for the scenario's own card (not seed 001's FLOP-only
    2P per token, which ignores memory bandwidth and ranked the H20 at 2.7 times the H800). A plan without users
    has no fleet, so no serving cost."""
    result = compare(default_scenario())
    base = estimate(default_scenario())
    own = result.alternatives[0]
    assert own.cost_per_million_output_tokens == base["cost_per_million_tokens"]
    # the summary's "¥2.51 per million output tokens", at the 3-year reserved price the plan rents the fleet at
    assert round(own.cost_per_million_output_tokens, 2) == 2.51
    training_only = parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": 1e12},
                                    "cluster": {"accelerator": "H800", "cards": 64}, "assumptions": {"mfu": 0.4}})
    assert all(a.cost_per_million_output_tokens is None and a.serving_cards is None
               for a in compare(training_only, ["H800", "H20"]).alternatives)


def test_a_card_without_fp8_says_the_presets_fp8_recipe_was_dropped():
    """DeepSeek-V3 left without a precision plans in FP8 (its catalog recipe); swapped to a card with no FP8
    peak it plans in BF16, and the row says so in both languages (the same words as str(note))."""
    from xlcompute.compare import swapped_scenario
    from xlcompute.compare_words import note_words

    dsv3 = parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T"},
                           "cluster": {"accelerator": "H800", "cards": 2048}})
    a800, notes = swapped_scenario(dsv3, "A800")
    assert a800.train.precision == "bf16"
    (note,) = [n for n in notes if n.kind == "recipe_precision_dropped"]
    assert note_words(note, "en", labels=False) == str(note)
    assert str(note).startswith("bf16 (training.precision): the model's published FP8 pre-training")
    assert "FP8 峰值" in note_words(note, "zh")
    h20, notes = swapped_scenario(dsv3, "H20")
    assert h20.train.precision == "fp8" and not [n for n in notes if n.kind == "recipe_precision_dropped"]
    given = parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T", "precision": "bf16"},
                            "cluster": {"accelerator": "H800", "cards": 2048}})
    assert not [n for n in swapped_scenario(given, "A800")[1] if n.kind == "recipe_precision_dropped"]
