"""Mixture-of-experts in the step-time model and the layout search (issue 15): expert states over EP,
the all-to-all inside vs beyond a server, the EP search space, DeepSeek-V3 on 2,048 H800."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute import catalog
from xlcompute.core.params import count_params
from xlcompute.estimate import estimate
from xlcompute.planner.inputs import Execution, SystemSpec
from xlcompute.planner.search import SearchOptions, enumerate_layouts, expert_parallel_sizes
from xlcompute.planner.steptime import TransformerShape, check_layout, step_time
from xlcompute.scenario import parse_scenario

H800 = SystemSpec(peak_flops=989e12, hbm_bytes=80e9, hbm_bandwidth=3.35e12, cards_per_node=8, intra_node_bw=200e9,
                  inter_node_bw=50e9)


def _mixtral() -> TransformerShape:
    return TransformerShape(arch=catalog.get_model("mixtral-8x7b").arch, seq_len=4096)


def _ex(**kw: object) -> Execution:
    base = dict(tp=1, pp=4, dp=16, micro_batch=1, global_batch=256, zero_stage=1, flash_attention=True)
    base.update(kw)
    return Execution(**base)  # type: ignore[arg-type]


def test_expert_weights_and_optimizer_states_split_over_ep():
    shape = _mixtral()
    one, eight = step_time(shape, H800, _ex(ep=1)), step_time(shape, H800, _ex(ep=8))
    arch = shape.arch
    routed = arch.layers * arch.experts * 3 * arch.hidden * arch.moe_ffn_hidden
    # Busiest stage: 8 of 32 layers; EP 8 holds one of 8 experts per layer.
    assert one.expert_params_per_gpu == pytest.approx(routed / 32 * 8)
    assert eight.expert_params_per_gpu == pytest.approx(routed / 32 * 8 / 8)
    assert one.params_per_gpu - eight.params_per_gpu == pytest.approx(routed / 32 * 8 * 7 / 8)
    # ZeRO-1: expert optimizer states over EDP = 16 / 8 = 2 with EP 8, over 16 without
    assert eight.weights_per_gpu < one.weights_per_gpu
    assert eight.ep_seconds_per_step > 0 == one.ep_seconds_per_step


def test_all_to_all_beyond_the_server_costs_more():
    shape = _mixtral()
    inside = step_time(shape, H800, _ex(ep=8, dp=16))                     # EP 8 on 8-card servers: NVLink
    small_node = H800.model_copy(update={"cards_per_node": 4})
    across = step_time(shape, small_node, _ex(ep=8, dp=16))               # EP 8 spans two 4-card servers
    assert across.ep_seconds_per_step > 2 * inside.ep_seconds_per_step
    assert across.predicted_step_seconds > inside.predicted_step_seconds


def test_overlap_and_capacity_factor_inputs():
    shape = _mixtral()
    base = step_time(shape, H800, _ex(ep=8))
    hidden = step_time(shape, H800, _ex(ep=8, a2a_overlap=0.9))
    assert hidden.ep_comm_exposed_seconds == pytest.approx(0.1 * base.ep_comm_exposed_seconds, rel=1e-9)
    padded = step_time(shape, H800, _ex(ep=8, capacity_factor=1.25))
    assert padded.compute_seconds > base.compute_seconds
    assert padded.ep_seconds_per_step == pytest.approx(1.25 * base.ep_seconds_per_step, rel=0.01)


def test_dense_models_see_no_moe_terms():
    shape = TransformerShape(arch=catalog.get_model("llama2-70b").arch, seq_len=4096)
    r = step_time(shape, H800, Execution(tp=8, pp=4, dp=4, global_batch=256, flash_attention=True))
    assert r.ep_seconds_per_step == r.ep_comm_exposed_seconds == r.expert_params_per_gpu == 0


def test_layout_checks_for_ep():
    arch = catalog.get_model("mixtral-8x7b").arch
    with pytest.raises(ValueError, match="must divide the model's 8 routed experts"):
        check_layout(arch.layers, arch.heads, _ex(ep=3, dp=6, global_batch=12), 4096, arch.experts)
    with pytest.raises(ValueError, match="must divide tp·cp·dp"):
        check_layout(arch.layers, arch.heads, _ex(ep=8, dp=4, global_batch=16), 4096, arch.experts)
    dense = catalog.get_model("llama2-7b").arch
    with pytest.raises(ValueError, match="need a mixture-of-experts model"):
        check_layout(dense.layers, dense.heads, _ex(ep=2), 4096, 0)


def test_search_enumerates_ep_dividing_experts_and_the_dp_ranks():
    opt = SearchOptions(max_tp=8, recompute=("none",), sequence_parallel=(True,), zero_stages=(1,),
                        offload_optimizer=(False,), offload_weights=(False,), offload_activations=(False,),
                        tp_overlap=(False,), max_interleave=1)
    lay = enumerate_layouts(_mixtral(), H800, 64, 256, opt)
    ep, group = lay.ep, lay.tp * lay.cp * lay.dp
    assert set(np.unique(ep)) == {1, 2, 4, 8}
    assert np.all(group % ep == 0) and np.all(8 % ep == 0)
    assert expert_parallel_sizes(0, 64, opt) == [1]
    assert expert_parallel_sizes(256, 48, opt) == [1, 2, 4, 8, 16]


@pytest.fixture(scope="module")
def dsv3_plan():
    s = parse_scenario({"name": "dsv3", "model": {"preset": "deepseek-v3"},
                        "training": {"tokens": 14.8e12, "seq_len": 4096, "precision": "fp8"},
                        "cluster": {"accelerator": "H800", "cards": 2048}})
    return estimate(s)


def test_planner_finds_a_layout_for_deepseek_v3_on_2048_h800(dsv3_plan):
    r = dsv3_plan
    ex = r.plan.best[0].execution
    assert r.plan.fits and r.plan.candidates_fitting > 0
    assert ex.ep > 1 and 256 % ex.ep == 0 and (ex.tp * ex.cp * ex.dp) % ex.ep == 0
    assert ex.tp <= 8  # tensor parallelism inside the 8-card H800 server
    assert ex.tp * ex.cp * ex.pp * ex.dp <= 2048
    assert r["ep"] == ex.ep and r["mfu"] == pytest.approx(r["predicted_mfu"])
    assert r.plan.best[0].result.mem_per_gpu <= 80e9
    assert 0.02 < r["predicted_mfu"] < 0.6
    # FP8: the DeepSeek-V3 optimizer recipe (FP32 master weights, BF16 moments) and the FP8 peak ratio
    assert r["optimizer_bytes"] == 8 and r["precision_peak_ratio"] == pytest.approx(1978.9 / 989.4)
    # MTP counted in the training FLOPs: active + the MTP module's per-token weights
    c = count_params(catalog.get_model("deepseek-v3").arch)
    assert c.active < r["train_active_params"] < c.active + c.mtp


def test_deepseek_v3_search_space_has_pipelined_ep_layouts_and_picks_the_fastest_that_fits(dsv3_plan):
    """The recommendation's space for DeepSeek-V3 on 2,048 H800: uneven stages for 61 layers (8 and 16
    stages), EP inside a server and across servers with PP > 1, expert TP 1; the published PP 16 /
    EP 64 / TP 1 layout is enumerated and fits 80 GB (the second stage, 4 MoE layers, binds); and the
    planner's choice is the best time per sequence (the best MFU with every card working) of every
    enumerated layout that fits."""
    from xlcompute.planner.plan import RECOMMEND_OPTIONS
    from xlcompute.planner.steptime import evaluate
    from xlcompute.estimate import resolve

    s = parse_scenario({"name": "dsv3", "model": {"preset": "deepseek-v3"},
                        "training": {"tokens": 14.8e12, "seq_len": 4096, "precision": "fp8"},
                        "cluster": {"accelerator": "H800", "cards": 2048}})
    vals = {k: v.value for k, v in resolve(s, plan=False).inputs.items()}
    opt = RECOMMEND_OPTIONS.model_copy(update={
        "max_tp": 8, "bytes_param": vals["param_bytes"], "bytes_grad": vals["grad_bytes"],
        "bytes_optimizer": vals["optimizer_bytes"],
        "flash_attention": bool(vals["flash_attention"]), "tp_async_backward": bool(vals["tp_async_backward"]),
        "precision_peak_ratio": vals["precision_peak_ratio"], "a2a_overlap": vals["a2a_overlap"],
        "a2a_dedup": bool(vals["a2a_dedup"])})
    from xlcompute.planner import search as search_mod
    groups = search_mod._groups(vals, 2048, int(round(vals["batch_target"])), opt)
    batch = search_mod._concat([search_mod._batch(g, np.arange(g.size), opt) for g in groups], opt)
    out = evaluate({**vals, **batch.values(), "gpu_count": 2048.0},
                   ("predicted_step_seconds", "predicted_mfu", "mem_fits", "mem_per_gpu"))
    tp, pp, ep, dp = batch.tp, batch.pp, batch.ep, batch.dp
    fits = np.asarray(out["mem_fits"]) >= 0.5
    assert {8, 16}.issubset(set(np.unique(pp[fits]).tolist()))
    assert np.all(np.asarray(batch.expert_tp) == 1)
    piped = fits & (pp > 1)
    assert np.any(piped & (ep <= 8)) and np.any(piped & (ep * np.asarray(batch.expert_tp) > 8))  # in / across servers
    published = fits & (tp == 1) & (pp == 16) & (ep == 64) & (dp == 128)
    assert np.any(published)
    score = np.where(fits, np.asarray(out["predicted_step_seconds"]) / batch.global_batch, np.inf)
    best = int(np.argmin(score))
    ex = dsv3_plan.plan.best[0].execution
    assert (ex.tp, ex.pp, ex.ep, ex.dp) == (int(tp[best]), int(pp[best]), int(ep[best]), int(dp[best]))
    full = fits & (tp * pp * dp == 2048)
    assert dsv3_plan.plan.best[0].result.predicted_mfu == pytest.approx(np.max(np.asarray(out["predicted_mfu"])[full]),
                                                                        rel=1e-9)
