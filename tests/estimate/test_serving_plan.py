"""SLA-driven serving sizing (xlcompute.serving_plan) and its wiring into the estimate: valid replica
layouts, targets met, the default plan meeting its own demand, the graph agreeing with the sizer."""

from __future__ import annotations

import math

import pytest

from xlcompute import catalog
from xlcompute.estimate import estimate
from xlcompute.scenario import Scenario, default_scenario
from xlcompute.serving_model import FITTED, PRECISIONS, Card, for_card, model_shape, replica_figures
from xlcompute.serving_plan import ServingPlanError, size_serving, valid_tps
from xlcompute.serving_validation import card_of

LLAMA70 = model_shape(catalog.get_model("llama2-70b").arch)


def _scenario(serving: dict, model: str = "llama2-70b", acc: str = "H800") -> Scenario:
    return Scenario.model_validate({"model": {"preset": model}, "cluster": {"accelerator": acc, "cards": 64},
                                    "serving": serving})


def test_valid_tps_divide_heads_kv_heads_and_the_node() -> None:
    assert valid_tps(LLAMA70, card_of("H800")) == [1, 2, 4, 8]
    six = card_of("H800").model_copy(update={"cards_per_node": 6})
    assert valid_tps(LLAMA70, six) == [1, 2]  # 3 and 6 do not divide the 64 heads
    # 7B: 32 heads, 32 KV heads; a 12-card node allows 1, 2, 4 (not 3, 6, 12).
    seven = model_shape(catalog.get_model("llama2-7b").arch)
    assert valid_tps(seven, card_of("H800").model_copy(update={"cards_per_node": 12})) == [1, 2, 4]


def test_sizer_meets_targets_with_fewest_cards() -> None:
    plan = size_serving(LLAMA70, card_of("H800"), PRECISIONS["bf16"], 500, 500, 100.0, 2.0, 0.2, FITTED)
    assert plan.meets_targets and plan.ttft_s <= 2.0 and plan.tpot_s <= 0.2
    assert LLAMA70.heads % plan.tp == 0 and plan.tp in (1, 2, 4, 8)
    assert plan.capacity_requests_per_s >= 100.0
    assert plan.batch <= plan.max_sequences
    # No layout with fewer cards meets the targets: try every fixed tp and batch of the ladder.
    for tp in valid_tps(LLAMA70, card_of("H800")):
        try:
            other = size_serving(LLAMA70, card_of("H800"), PRECISIONS["bf16"], 500, 500, 100.0, 2.0, 0.2, FITTED,
                                 tp=tp, pp=1)
        except ServingPlanError:
            continue
        if other.meets_targets:
            assert other.cards >= plan.cards


def test_tighter_tpot_target_costs_cards_and_unmeetable_target_is_flagged() -> None:
    loose = size_serving(LLAMA70, card_of("H800"), PRECISIONS["bf16"], 500, 500, 100.0, 2.0, 0.2, FITTED)
    tight = size_serving(LLAMA70, card_of("H800"), PRECISIONS["bf16"], 500, 500, 100.0, 2.0, 0.04, FITTED)
    assert tight.meets_targets and tight.tpot_s <= 0.04 and tight.cards > loose.cards
    never = size_serving(LLAMA70, card_of("H800"), PRECISIONS["bf16"], 500, 500, 100.0, 2.0, 0.001, FITTED)
    assert not never.meets_targets and never.tpot_s > 0.001


def test_disaggregation_removes_prefill_stalls_from_tpot() -> None:
    kw = dict(tp=4, batch=128, pp=1)
    co = size_serving(LLAMA70, card_of("H800"), PRECISIONS["bf16"], 2000, 200, 20.0, 2.0, 0.2, FITTED, **kw)
    dis = size_serving(LLAMA70, card_of("H800"), PRECISIONS["bf16"], 2000, 200, 20.0, 2.0, 0.2, FITTED,
                       disaggregated=True, **kw)
    assert dis.tpot_s == pytest.approx(dis.decode_step_s) and dis.tpot_s < co.tpot_s
    assert dis.prefill_replicas >= 1 and dis.cards == (dis.replicas + dis.prefill_replicas) * 4


def test_fp8_halves_the_kv_and_weights_so_more_sequences_fit() -> None:
    bf = size_serving(LLAMA70, card_of("H100-SXM"), PRECISIONS["bf16"], 1000, 500, 10.0, 2.0, 0.2, FITTED, tp=2, pp=1)
    f8 = size_serving(LLAMA70, card_of("H100-SXM"), PRECISIONS["fp8"], 1000, 500, 10.0, 2.0, 0.2, FITTED, tp=2, pp=1)
    assert f8.max_sequences > 2 * bf.max_sequences  # weights shrink by 70 GB too


def test_model_too_large_for_any_replica_raises() -> None:
    tiny = Card(name="tiny", peak_flops_16=1e14, peak_flops_fp8=None, hbm_bytes=1e9, hbm_bytes_per_s=1e12,
                link_bytes_per_s=1e10, cards_per_node=2, fp32_flops=1e13)
    with pytest.raises(ServingPlanError, match="no replica"):
        size_serving(LLAMA70, tiny, PRECISIONS["bf16"], 500, 500, 1.0, 2.0, 0.2, FITTED)


def test_default_plan_meets_its_own_demand_with_valid_replicas() -> None:
    r = estimate(default_scenario())
    assert r.scenario.model.preset == "llama2-70b"
    tp = r["serving_tp"]
    assert r["heads"] % tp == 0 and (r["kv_heads"] % tp == 0 or tp % r["kv_heads"] == 0)
    assert r["serving_replica_size"] <= r["cards_per_node"] and r["cards_per_node"] % tp == 0
    # 2,000 users × 1,000 tokens / 20 s = 100,000 tokens/s: the fleet serves at least that.
    assert r["serving_demand_tokens_per_s"] == pytest.approx(100_000)
    assert r["serving_capacity_tokens_per_s"] >= r["serving_demand_tokens_per_s"]
    assert r["ttft"] <= r["ttft_target_s"] and r["tpot"] <= r["tpot_target_s"]
    assert r["serving_batch"] <= r["serving_max_sequences"]
    assert r["serving_cards"] == r["serving_replicas"] * r["serving_replica_size"] <= r["gpu_count"]
    assert r["cost_per_million_tokens"] > 0 and r["serving_tokens_per_s_per_card"] > 0
    # The seed's FLOP form stays beside it, under its own name.
    assert r["serving_cards_seed"] != r["serving_cards"]


@pytest.mark.parametrize("model, acc, serving", [
    ("llama2-70b", "H800", {"users": 2000, "tokens_per_request": 1000, "seconds_per_request": 20}),
    ("mixtral-8x7b", "H100-SXM", {"users": 1000, "tokens_per_request": 3000, "output_tokens": 500,
                                  "seconds_per_request": 30}),
    ("deepseek-v3", "H800", {"users": 1000, "tokens_per_request": 3000, "output_tokens": 500,
                             "seconds_per_request": 30, "precision": "fp8"}),
    ("llama3.1-8b", "L40S", {"users": 500, "tokens_per_request": 1200, "output_tokens": 200,
                             "seconds_per_request": 10, "precision": "fp8", "disaggregated": True}),
    ("qwen2-72b", "H20", {"users": 300, "tokens_per_request": 1500, "seconds_per_request": 30, "precision": "int4"}),
    ("llama2-70b", "MI300X", {"users": 2000, "tokens_per_request": 1000, "seconds_per_request": 20}),  # AMD factor
    ("llama2-70b", "A800", {"users": 2000, "tokens_per_request": 2000, "output_tokens": 200,
                            "seconds_per_request": 20, "precision": "w8a8"}),  # INT8 GEMMs
])
def test_graph_reproduces_the_sizer(model: str, acc: str, serving: dict) -> None:
    """The estimate's graph (the workbook's formulas) and the sizer (serving_model) compose the same
    core formulas: the same TTFT, TPOT, replicas and cards for the chosen layout."""
    sc = _scenario(serving, model, acc)
    r = estimate(sc)
    s = sc.serving
    shape = model_shape(catalog.get_model(model).arch)
    card = card_of(acc)
    prec = {"bf16": PRECISIONS["bf16"], "fp8": PRECISIONS["fp8"], "int4": PRECISIONS["int4-g128"],
            "w8a8": PRECISIONS["w8a8"]}[s.precision or "bf16"]
    plan = size_serving(shape, card, prec, s.tokens_per_request - s.output_tokens_used, s.output_tokens_used,
                        s.users / s.seconds_per_request, s.ttft_s, s.tpot_s,
                        for_card(FITTED.model_copy(update={"usable_fraction": s.hbm_usable_fraction}),
                                 catalog.get_gpu(acc).key, catalog.get_gpu(acc).vendor), s.disaggregated)
    assert (r["serving_tp"], r["serving_pp"], r["serving_batch"]) == (plan.tp, plan.pp, plan.batch)
    assert r["ttft"] == pytest.approx(plan.ttft_s, rel=1e-9)
    assert r["tpot"] == pytest.approx(plan.tpot_s, rel=1e-9)
    assert r["serving_cards"] == plan.cards
    assert r["serving_prefill_replicas"] == plan.prefill_replicas


def test_moe_reads_only_touched_experts_and_pp_spans_servers() -> None:
    r = estimate(_scenario({"users": 1000, "tokens_per_request": 3000, "output_tokens": 500, "seconds_per_request": 30,
                            "precision": "fp8"}, "deepseek-v3", "H800"))
    assert r["serving_pp"] >= 2 and r["serving_tp"] == 8  # 671 GB of FP8 weights need two 8-card servers
    assert r["experts_touched"] < r["experts"]
    assert r["decode_weight_bytes"] < r["serving_weight_bytes_read_all"]


def test_serving_tp_given_must_divide_heads() -> None:
    with pytest.raises(ValueError, match="serving.tp"):
        estimate(_scenario({"users": 100, "tp": 3}))
    r = estimate(_scenario({"users": 100, "tp": 8}))
    assert r["serving_tp"] == 8


def test_decode_batch_beyond_the_kv_cache_is_capped() -> None:
    """A batch given beyond the KV cache stays as typed; the replica decodes what the cache holds."""
    r = estimate(_scenario({"users": 100, "decode_batch": 100000, "tp": 2, "pp": 1}))
    assert r["decode_batch"] == 100000 and r["serving_batch"] == r["serving_max_sequences"] < 100000


def test_a_given_layout_that_cannot_hold_the_model_is_shown_not_sized() -> None:
    plan = size_serving(LLAMA70, card_of("L40S"), PRECISIONS["bf16"], 500, 500, 10.0, 2.0, 0.2, FITTED, tp=1, pp=1)
    assert plan.max_sequences == 0 and not plan.meets_targets and plan.batch == 1


def test_no_users_no_serving_cards() -> None:
    sc = Scenario.model_validate({"model": {"preset": "llama2-70b"}, "cluster": {"accelerator": "H800", "cards": 64},
                                  "training": {"tokens": "1B", "tp": 8, "pp": 2}, "assumptions": {"mfu": 0.4},
                                  "serving": {"users": 0}})
    r = estimate(sc)
    assert r["serving_cards"] == 0 and r["serving_replicas"] == 0 and r["cost_per_million_tokens"] == 0


def test_output_tokens_split_validated() -> None:
    from xlcompute.scenario import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError, match="output_tokens"):
        parse_scenario({"model": {"preset": "llama2-7b"}, "serving": {"users": 1, "tokens_per_request": 100,
                                                                      "output_tokens": 100}})


def test_excel_functions_equal_the_estimate() -> None:
    """LLM_TTFT and LLM_TPOT give the Serving sheet's prefill and TPOT for the estimate's replica."""
    from xlcompute import udf

    r = estimate(default_scenario())
    tp, batch = int(r["serving_tp"]), int(r["serving_batch"])
    assert udf.LLM_TTFT("llama2-70b", "H800", 500, tp) == pytest.approx(r["prefill_seconds"], rel=1e-12)
    assert udf.LLM_TPOT("llama2-70b", "H800", 500, 500, batch, tp) == pytest.approx(r["tpot"], rel=1e-12)
    # The calibration row trt06-ttft-h100-llama2-70b-tp4-2048 (109 ms measured): fp8 on 4 H100 (108.8 ms before
    # the all-reduce constants were fitted on all-reduce timings).
    assert udf.LLM_TTFT("llama2-70b", "H100-SXM", 2048, 4, "fp8") == pytest.approx(0.1125, abs=5e-4)
    assert udf.LLM_SERVING_CARDS("llama2-70b", "H800", 2000, 1000, 20, 500) == r["serving_cards"]
    # The cost of a million output tokens on that fleet, at the price the proposal rents it (reserved for 3 years).
    price = r["serving_price_per_hour"]
    assert udf.LLM_SERVING_COST("llama2-70b", "H800", 2000, 1000, 20, price, 500) == pytest.approx(
        r["cost_per_million_tokens"], rel=1e-12)
    assert round(udf.LLM_SERVING_COST("llama2-70b", "H800", 2000, 1000, 20, 15, 500), 2) == 3.86  # on demand
    assert "meets ttft_s and tpot_s" in udf.LLM_SERVING_COST("llama2-70b", "H800", 2000, 1000, 20, 15, 500, 2, 1e-4)
    assert "price_per_hour" in udf.LLM_SERVING_COST("llama2-70b", "H800", 2000, 1000, 20, -1, 500)
    assert "meets ttft_s and tpot_s" in udf.LLM_SERVING_CARDS("llama2-70b", "H800", 2000, 1000, 20, 500, 2, 0.0001)
    amd = estimate(_scenario({"users": 2000, "tokens_per_request": 1000, "seconds_per_request": 20}, "llama2-70b",
                             "MI300X"))
    assert udf.LLM_SERVING_CARDS("llama2-70b", "MI300X", 2000, 1000, 20, 500) == amd["serving_cards"]
    assert udf.LLM_TTFT("llama2-70b", "MI300X", 500, int(amd["serving_tp"])) == pytest.approx(
        amd["prefill_seconds"], rel=1e-12)
    assert "tp (3)" in udf.LLM_TTFT("llama2-70b", "H800", 500, 3)
    assert "exceeds the KV cache" in udf.LLM_TPOT("llama2-70b", "H800", 500, 500, 100000, 4)


def test_a_replica_with_no_room_says_why() -> None:
    """A replica that holds not one sequence names the cause: the weights alone (Kimi K2 in FP8 is 1,026 GB, more
    than one H20 server: "The smallest deployment unit for Kimi-K2 FP8 weights ... on mainstream H200 or H20
    platform is a cluster with 16 GPUs", MoonshotAI Kimi-K2 docs/deploy_guidance.md) or one sequence's KV cache beside them."""
    from xlcompute import udf

    text = udf.LLM_TPOT("kimi-k2", "H20", 1000, 1000, 16, 8, "fp8")
    assert text.startswith("#VALUE! the weights (1,026 GB in fp8) do not fit 8 × NVIDIA H20")
    # tp is already a whole server: the advice is what the cell can still change
    assert "LLM_SERVING_CARDS" in text and "tp is already the 8 cards of a server" in text
    assert "larger tp" not in text
    assert "the weights (2,053 GB in bf16)" in udf.LLM_TTFT("kimi-k2", "H200", 1000, 8)
    assert "one sequence of 1,001,000 tokens does not fit the KV cache" in udf.LLM_TPOT(
        "llama2-70b", "H100-SXM", 1_000_000, 1000, 1, 2)
    # the sizer spans servers: replicas of 16 cards, the guide's smallest unit
    assert udf.LLM_SERVING_CARDS("kimi-k2", "H20", 2000, 3000, 60, 1000, None, None, "fp8") % 16 == 0


def test_unmet_targets_reach_the_proposal_risks() -> None:
    pytest.importorskip("jinja2")  # the pdf extra
    from xlcompute.report.context import build_context

    r = estimate(_scenario({"users": 100, "tpot_s": 0.001}))
    assert r["tpot"] > r["tpot_target_s"]
    risks = " ".join(str(x["risk"]) for x in build_context(r, "en")["risks"])
    assert "meets the latency targets" in risks


def test_w8a8_runs_its_gemms_at_the_int8_peak() -> None:
    """W8A8 (SmoothQuant: INT8 weights and activations, core.inference [W8A8]): one byte per weight read as stored
    (no dequantisation), a 16-bit KV cache, GEMMs at the card's dense INT8 peak at the FP8 GEMMs' fitted share. On
    an A800 (624 INT8 TOPS, no FP8) a compute-heavy prefill is faster than at bf16 or weight-only int8 (both 16-bit
    GEMMs), the decode reads the same bytes as weight-only int8 without its dequantisation, and the sizer needs
    fewer cards; the estimate's inputs say where the peak and the efficiency come from."""
    card = card_of("A800")
    assert card.peak_ops_int8 == 624e12 and card.peak_flops_fp8 is None
    w8a8, int8, bf16 = PRECISIONS["w8a8"], PRECISIONS["int8"], PRECISIONS["bf16"]
    assert (w8a8.weight_bytes, w8a8.kv_bytes, w8a8.int8_compute, w8a8.weight_only) == (1, 2, True, False)
    figs = {name: replica_figures(LLAMA70, card, p, 4, 32, 4000.0, 200.0, FITTED)
            for name, p in (("w8a8", w8a8), ("int8", int8), ("bf16", bf16))}
    assert figs["w8a8"].prefill_s < figs["bf16"].prefill_s == pytest.approx(figs["int8"].prefill_s)  # 16-bit GEMMs
    assert figs["w8a8"].decode_step_s < figs["int8"].decode_step_s  # same bytes, no dequantisation pass
    # the prefill's GEMM rate: the INT8 peak at the FP8 share, 624 x 0.566 against 312 x 0.753
    assert 624 * FITTED.compute_efficiency_fp8 / (312 * FITTED.compute_efficiency_16) == pytest.approx(1.502, abs=1e-3)
    serving = {"users": 2000, "tokens_per_request": 2000, "output_tokens": 200, "seconds_per_request": 20}
    r = {p: estimate(_scenario({**serving, "precision": p}, "llama2-70b", "A800")) for p in ("bf16", "int8", "w8a8")}
    assert (r["w8a8"]["serving_peak_tflops"], r["w8a8"]["serving_int8"]) == (624, 1)
    assert r["w8a8"]["serving_compute_efficiency"] == FITTED.compute_efficiency_fp8
    assert r["w8a8"]["serving_dequant_ops"] == 0 and r["int8"]["serving_int8"] == 0
    assert r["w8a8"]["serving_cards"] < r["int8"]["serving_cards"] <= r["bf16"]["serving_cards"]
    assert "dense int8 (serving precision)" in r["w8a8"].inputs["serving_peak_tflops"].source
    assert "not fitted on any INT8 row" in r["w8a8"].inputs["serving_compute_efficiency"].source


def test_w8a8_on_a_card_without_an_int8_peak_is_refused_by_name() -> None:
    """The catalog has no INT8 figure for the 910B (none published): a w8a8 plan names the field, the card and
    the ways out that card has (no fp8: the 910B has no FP8 peak either); a custom card with its int8_tops is
    accepted."""
    with pytest.raises(ValueError, match=r"serving.precision is w8a8 but .*910B.* has no INT8 peak in the catalog; "
                       r"use bf16, int8 or int4 \(int8 and int4 are weight-only\), or give cluster.accelerator.int8_tops"):
        estimate(_scenario({"users": 100, "precision": "w8a8"}, "llama2-70b", "910B"))
    custom = Scenario.model_validate({
        "model": {"preset": "llama2-70b"},
        "cluster": {"accelerator": {"name": "NPU-X", "bf16_tflops": 376, "int8_tops": 752, "hbm_gb": 64,
                                    "hbm_tbps": 1.6, "intra_node_gbs": 196, "tdp_w": 400}, "cards": 64},
        "serving": {"users": 100, "precision": "w8a8"}})
    assert estimate(custom)["serving_peak_tflops"] == 752
    # fp8 on a card with INT8 but no FP8 (A800) points to w8a8 among the ways out
    with pytest.raises(ValueError, match=r"has no FP8 peak; use bf16, w8a8, int8 or int4"):
        estimate(_scenario({"users": 100, "precision": "fp8"}, "llama2-70b", "A800"))


def test_w8a8_in_the_excel_functions() -> None:
    """LLM_TTFT / LLM_TPOT / LLM_SERVING_CARDS take "w8a8" and give the estimate's figures; a card with no INT8
    peak in the catalog gets the error text naming it."""
    from xlcompute import udf

    serving = {"users": 2000, "tokens_per_request": 2000, "output_tokens": 200, "seconds_per_request": 20,
               "precision": "w8a8"}
    r = estimate(_scenario(serving, "llama2-70b", "A800"))
    tp, batch = int(r["serving_tp"]), int(r["serving_batch"])
    assert udf.LLM_TTFT("llama2-70b", "A800", 1800, tp, "w8a8") == pytest.approx(r["prefill_seconds"], rel=1e-12)
    assert udf.LLM_TPOT("llama2-70b", "A800", 1800, 200, batch, tp, "w8a8") == pytest.approx(r["tpot"], rel=1e-12)
    assert udf.LLM_SERVING_CARDS("llama2-70b", "A800", 2000, 2000, 20, 200, None, None, "w8a8") == r["serving_cards"]
    assert udf.LLM_TTFT("llama2-70b", "A800", 1800, tp, "w8a8") < udf.LLM_TTFT("llama2-70b", "A800", 1800, tp)
    assert "has no INT8 peak" in udf.LLM_TTFT("llama2-70b", "910B", 1800, 4, "w8a8")


def test_excel_serving_cards_at_a_confidence_equal_the_estimate_s_planned_cards() -> None:
    """LLM_SERVING_CARDS(..., confidence) is serving.confidence's serving_cards_planned in whole replicas:
    the default plan's 48 serving cards at 0.9 are 48 × e^(0.195·z₀.₉) = 61.6, so 64 (16 replicas of 4 cards)."""
    from xlcompute import udf

    sc = default_scenario()
    r = estimate(sc.model_copy(update={"serving": sc.serving.model_copy(update={"confidence": 0.9})}))
    assert r["serving_cards"] == udf.LLM_SERVING_CARDS("llama2-70b", "H800", 2000, 1000, 20, 500) == 48
    for q in (0.9, "90%"):
        assert udf.LLM_SERVING_CARDS("llama2-70b", "H800", 2000, 1000, 20, 500, None, None, None, q) == \
            r["serving_cards_planned"] == 64
    for bad, words in ((0.3, "confidence must be from 0.5 to 0.99"), (90, "did you mean 0.9")):
        out = udf.LLM_SERVING_CARDS("llama2-70b", "H800", 2000, 1000, 20, 500, None, None, None, bad)
        assert isinstance(out, str) and words in out, out


@pytest.mark.parametrize("years, option, price_key", [(3, 3, "price_reserved_3y"), (2, 2, "price_reserved_1y")])
def test_cost_per_million_tokens_is_priced_as_the_recommendation_rents_the_fleet(years: int, option: int,
                                                                                 price_key: str) -> None:
    """The serving fleet is the steady part of the rented work: the cost per million output tokens
    uses the price the cheapest rental option pays for it (reserved for 3 years on the default plan,
    1 year over a 2-year period), not the on-demand price the training run pays."""
    s = default_scenario()
    r = estimate(s.model_copy(update={"pricing": s.pricing.model_copy(update={"years": years})}))
    assert r["rent_option"] == option
    assert r["serving_price_per_hour"] == pytest.approx(r[price_key]) and r[price_key] < r["price_per_gpu_hour"]
    per_hour = r["serving_cards"] * r[price_key]
    tokens_per_hour = r["serving_output_tokens_per_s"] * 3600
    assert r["cost_per_million_tokens"] == pytest.approx(per_hour / tokens_per_hour * 1e6)
