"""Context parallelism and offload in the step-time model and the layout search.

- A 128K-token scenario: without context parallelism no layout fits short of full recomputation,
  with it layouts fit, and the planner picks cp > 1 (faster than any cp = 1 layout).
- Short sequences search cp = 1 only, so earlier results stay exactly as they were.
- A card with an offload tier (GH200): a model too big for HBM fits only with offload, and the
  explore search finds it; the exposed transfer time is 0 with ample bandwidth and grows without.
"""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute.estimate import estimate, resolve
from xlcompute.planner import Execution, PlannerError, SystemSpec, TransformerShape, step_time
from xlcompute.planner.plan import EXPLORE_OPTIONS, RECOMMEND_OPTIONS, plan_layouts
from xlcompute.planner.search import SearchOptions, context_parallel_sizes, count_layouts, enumerate_layouts, search
from xlcompute.scenario import Scenario, parse_scenario

S128K = 131_072


def _scenario(model: str, gpu: str, cards: int, seq_len: int, **training: object) -> Scenario:
    return parse_scenario({"model": {"preset": model}, "training": {"tokens": "100B", "seq_len": seq_len, **training},
                           "cluster": {"accelerator": gpu, "cards": cards}})


def _values(sc: Scenario) -> tuple[object, dict[str, float]]:
    r = resolve(sc, plan=False)
    return r.arch, {k: v.value for k, v in r.inputs.items()}


def _opts(base: SearchOptions, values: dict[str, float], **update: object) -> SearchOptions:
    """``base`` with the scenario's training stack, as plan_layouts sets it."""
    return base.model_copy(update={
        "bytes_param": values["param_bytes"], "bytes_optimizer": values["optimizer_bytes"],
        "flash_attention": bool(values["flash_attention"]), "tp_async_backward": bool(values["tp_async_backward"]),
        **update})


# ---- context parallelism ----------------------------------------------------------------------


def test_cp_sizes_tried() -> None:
    opt = SearchOptions()
    assert context_parallel_sizes(S128K, opt) == [1, 2, 4, 8, 16, 32, 64, 128]  # s/cp >= 1,024 tokens
    assert context_parallel_sizes(8192, opt) == [1]  # below 16K tokens: no CP (Llama 3's 8K stage)
    assert context_parallel_sizes(16_384, opt) == [1, 2, 4, 8, 16]
    assert context_parallel_sizes(24_576, opt) == [1, 2, 4, 8, 16]  # 24,576 / 32 chunks = 768 tokens each
    assert context_parallel_sizes(17_000, opt) == [1, 2, 4]  # 2·cp must divide the sequence: 17,000 / 16 no
    assert context_parallel_sizes(S128K, opt.model_copy(update={"min_cp_tokens": 8192})) == [1, 2, 4, 8, 16]
    assert context_parallel_sizes(S128K, opt.model_copy(update={"context_parallel": (1, 3, 16)})) == [1, 16]


def test_short_sequences_search_exactly_the_previous_space() -> None:
    shape = TransformerShape.gpt(layers=96, hidden=12288, heads=96, vocab=51200, seq_len=2048)
    a100 = SystemSpec(peak_flops=312e12, hbm_bytes=85.9e9, hbm_bandwidth=2.039e12, cards_per_node=8,
                      intra_node_bw=300e9, inter_node_bw=25e9)
    lay = enumerate_layouts(shape, a100, 256, 512)
    assert np.all(lay.cp == 1)
    assert count_layouts(shape, a100, 256, 512) == count_layouts(
        shape, a100, 256, 512, SearchOptions(context_parallel=(1,)))


def test_128k_context_fits_only_with_cp_and_the_planner_picks_it() -> None:
    sc = _scenario("llama3.1-70b", "H100", 1024, S128K)
    arch, values = _values(sc)
    plan_opts = _opts(RECOMMEND_OPTIONS, values, max_tp=8, recompute=("none", "selective"))
    cards, batch = int(values["gpu_count"]), int(values["batch_target"])
    # Without CP each card holds all 131,072 tokens of its micro-batches: nothing fits short of
    # full recomputation; with CP the same options fit.
    assert search(values, cards, batch, plan_opts.model_copy(update={"context_parallel": (1,)})).best == []
    with_cp = search(values, cards, batch, plan_opts)
    assert with_cp.best and all(c.execution.cp > 1 for c in with_cp.best)
    # The planner (every recompute mode) picks CP: faster than the best cp = 1 layout, which needs
    # full recomputation of all or part of each stage's layers.
    r = estimate(sc)
    best = r.plan.best[0]
    assert best.execution.cp > 1 and r["cp"] == best.execution.cp and best.result.fits
    assert r.inputs["cp"].source.startswith("layout planner")
    assert r["dp"] == 1024 // (best.execution.tp * best.execution.cp * best.execution.pp)
    only_cp1 = search(values, cards, batch, _opts(RECOMMEND_OPTIONS, values, context_parallel=(1,), max_tp=8))
    cp1 = only_cp1.best[0].execution if only_cp1.best else None
    assert cp1 is not None and (cp1.recompute == "full" or cp1.recompute_layers > 0)
    assert r["predicted_mfu"] > only_cp1.best[0].result.predicted_mfu


def test_a_fixed_layout_at_128k_fits_only_with_cp() -> None:
    # TP 8, PP 1, selective recomputation and ZeRO-1 (given, so they do not yield to memory): one
    # micro-batch of 131,072 tokens needs far more than 80 GB; CP 16 leaves 8,192 tokens per card.
    given = {"recompute": "selective", "zero_stage": 1}
    without = estimate(_scenario("llama3.1-70b", "H100", 1024, S128K, tp=8, pp=1, **given))
    with_cp = estimate(_scenario("llama3.1-70b", "H100", 1024, S128K, tp=8, pp=1, cp=16, **given))
    assert without["mem_fits"] == 0 and with_cp["mem_fits"] == 1
    # left to their defaults, recomputation and ZeRO stage yield: the layout without CP fits too
    assert estimate(_scenario("llama3.1-70b", "H100", 1024, S128K, tp=8, pp=1))["mem_fits"] == 1
    assert with_cp["dp"] == 8 and with_cp["parallel_cards"] == 1024 and with_cp["dp_cp"] == 128
    assert with_cp["seq_per_card"] == 8192 and with_cp["tokens_per_microbatch"] == 8192
    # activations per layer divide by cp; weights do not
    assert with_cp["act_linear_layer"] == pytest.approx(without["act_linear_layer"] / 16, rel=1e-12)
    assert with_cp["act_score_layer"] == pytest.approx(without["act_score_layer"] / 16, rel=1e-12)
    assert with_cp["weights_full_per_gpu"] == without["weights_full_per_gpu"]
    # the CP group (TP 8 × CP 16 = 128 cards) spans servers: its ring uses the scale-out network
    assert with_cp["cp_in_node"] == 0 and with_cp["cp_bytes_per_step"] > 0
    # gradients are reduced over dp·cp = 128 ranks, ZeRO-1 shards the optimizer over them
    assert with_cp["optimizer_states_per_gpu"] == pytest.approx(with_cp["optimizer_full_per_gpu"] / 128, rel=1e-12)


def test_cp_group_inside_a_server_uses_its_link() -> None:
    inside = estimate(_scenario("llama3.1-8b", "H100", 64, 32_768, tp=2, pp=1, cp=4))
    across = estimate(_scenario("llama3.1-8b", "H100", 64, 32_768, tp=2, pp=1, cp=8))
    assert inside["cp_in_node"] == 1 and inside["cp_link_bytes_per_s"] == pytest.approx(450e9 * 0.75)
    assert across["cp_in_node"] == 0 and across["cp_link_bytes_per_s"] == pytest.approx(50e9 * 0.8)


def test_cp_ring_hides_under_attention_until_the_link_is_slow() -> None:
    shape = TransformerShape.gpt(layers=8, hidden=4096, heads=32, kv_heads=8, vocab=32000, seq_len=S128K,
                                 gated_ffn=True, ffn_hidden=14336)
    ex = Execution(tp=8, cp=16, dp=1, global_batch=1, sequence_parallel=True, flash_attention=True)
    exposed = []
    for bw in (50e9, 2e9, 1e9, 0.5e9):  # scale-out per card, B/s: the CP group spans 16 servers
        sy = SystemSpec(peak_flops=989e12, hbm_bytes=80e9, hbm_bandwidth=3.35e12, cards_per_node=8,
                        intra_node_bw=450e9, inter_node_bw=bw)
        exposed.append(step_time(shape, sy, ex).cp_comm_exposed_seconds)
    assert exposed[0] == 0
    assert 0 < exposed[1] < exposed[2] < exposed[3]


# ---- offload to a host tier (GH200) ------------------------------------------------------------


def test_a_model_too_big_for_hbm_fits_only_with_offload_and_explore_finds_it() -> None:
    sc = _scenario("llama3.1-70b", "GH200", 8, 4096)
    arch, values = _values(sc)
    assert values["offload_gb"] == 480 and values["offload_gbs"] == 256  # the catalog's host tier
    cards, batch = int(values["gpu_count"]), int(values["batch_target"])
    assert search(values, cards, batch, _opts(RECOMMEND_OPTIONS, values)).best == []  # no offload there
    none = {"offload_optimizer": (False,), "offload_weights": (False,), "offload_activations": (False,)}
    assert search(values, cards, batch, _opts(EXPLORE_OPTIONS, values, **none)).best == []
    report = plan_layouts(arch, values, explore=True)
    best = report.best[0]
    assert report.fits and best.execution.offloaded and best.result.fits and not report.widened
    assert best.result.mem_per_gpu <= 96e9 and 0 < best.result.offload_tier_per_gpu <= 480e9
    # Planned as a finance user plans (no explore): nothing validated fits, so the plan widens to the same
    # space by itself instead of refusing, and says so.
    widened = plan_layouts(arch, values)
    assert widened.widened and widened.explore and widened.fits
    assert widened.best[0].execution == best.execution


def test_a_plan_that_only_fits_offloaded_is_planned_and_flagged_in_every_face() -> None:
    """Llama 3.1 405B on 64 H100: 16 bytes per parameter over 64 cards need 101 GB before activations, so
    no ZeRO stage fits; with the servers' host memory given, the optimizer states go there (seed 004)."""
    from xlcompute.report.context import build_context
    from xlcompute.sources import source_text

    base = {"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "1T"},
            "cluster": {"accelerator": "H100-SXM", "cards": 64}}
    with pytest.raises(PlannerError) as err:
        estimate(parse_scenario(base))
    assert "give the servers' host memory as an offload tier (cluster.offload_gb and cluster.offload_gbs)" in str(err.value)
    r = estimate(parse_scenario({**base, "cluster": {**base["cluster"], "offload_gb": 256, "offload_gbs": 25}}))
    ex = r.plan.best[0].execution
    assert r.plan.widened and r["mem_fits"] == 1 and ex.offload_optimizer and r["offload_tier_per_gpu"] > 0
    assert "no layout of the validated space (ZeRO 0/1, no offload) fits" in r.inputs["tp"].source
    assert "已验证的布局范围" in source_text(r.inputs["tp"], "zh")
    en = " ".join(str(x["risk"]) for x in build_context(r, "en")["risks"])
    zh = " ".join(str(x["risk"]) for x in build_context(r, "zh")["risks"])
    assert f"the plan uses ZeRO-{ex.zero_stage} with optimizer states" in en and "no validated run uses" in en
    assert f"ZeRO-{ex.zero_stage}" in zh and "优化器状态" in zh and "卸载到主机内存" in zh


def test_the_scenario_offload_holds_for_the_planned_layouts() -> None:
    r = estimate(_scenario("llama3.1-70b", "GH200", 8, 4096, offload=["weights", "optimizer"]))
    assert all(row.execution.offloaded == ("weights", "optimizer") for row in r.plan.best)
    assert r["offload_weights"] == 1 and r["offload_optimizer"] == 1 and r["offload_activations"] == 0
    assert r["mem_fits"] == 1 and r["offload_tier_per_gpu"] > 0
    assert r["weights_per_gpu"] == pytest.approx(r["weights_sharded_per_gpu"] * 2 / r["layers_per_stage"], rel=1e-12)


def test_offload_exposed_time_is_zero_with_ample_bandwidth_and_grows_without() -> None:
    shape = TransformerShape.gpt(layers=80, hidden=8192, heads=64, kv_heads=8, vocab=128256, seq_len=4096,
                                 gated_ffn=True, ffn_hidden=28672)
    ex = Execution(tp=4, pp=2, dp=1, global_batch=16, sequence_parallel=True, flash_attention=True,
                   offload_weights=True, offload_activations=True, offload_optimizer=True)
    results = []
    for gbs in (256, 16, 4, 1):
        sy = SystemSpec(peak_flops=989e12, hbm_bytes=96e9, hbm_bandwidth=4e12, cards_per_node=4, intra_node_bw=450e9,
                        inter_node_bw=25e9, offload_bytes=480e9, offload_bw=gbs * 1e9)
        results.append(step_time(shape, sy, ex))
    exposed = [r.offload_exposed_seconds for r in results]
    assert exposed[0] == 0 and 0 < exposed[1] < exposed[2] < exposed[3]
    steps = [r.predicted_step_seconds for r in results]
    assert steps == sorted(steps)
    # HBM keeps two of the stage's 40 blocks of weights and gradients; the tier holds the rest
    r = results[0]
    assert r.weights_per_gpu == pytest.approx(r.grads_per_gpu)
    assert r.optimizer_per_gpu == 0 and r.fits


def test_when_nothing_fits_the_widened_search_looks_at_each_layout_at_its_lightest_first() -> None:
    """405B on 8 GH200: nothing fits even with everything offloaded (the host memory overflows). The
    planner finds that among each layout's lightest settings (plan._FLOOR) without searching the wider
    space, and the lightest it reports is the wider space's own lightest; the error names the host
    memory the lightest layout needs."""
    from xlcompute.planner.plan import WIDEN_OPTIONS, _search

    arch, values = _values(parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "1T"},
                                           "cluster": {"accelerator": "GH200", "cards": 8}}))
    full, _ = _search(values, WIDEN_OPTIONS, 10, None)
    assert full.best == [] and full.lightest is not None
    with pytest.raises(PlannerError) as err:
        plan_layouts(arch, values)
    need = full.lightest.result
    assert f"needs {need.mem_per_gpu / 1e9:,.1f} GB and {need.offload_tier_per_gpu / 1e9:,.1f} GB of the 480 GB " \
           "host memory per card" in str(err.value)
    report = plan_layouts(arch, values, allow_no_fit=True)
    assert not report.fits and report.candidates_evaluated < full.candidates_evaluated / 10
    assert report.best[0].result.mem_per_gpu == pytest.approx(need.mem_per_gpu, rel=1e-12)
