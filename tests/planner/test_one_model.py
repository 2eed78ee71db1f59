"""One model: every quantity the planner reports equals the core formula's value.

A property test over random dense models (catalog presets and generated architectures) and random
valid layouts on random systems: the layout search's array evaluation of the step-time graph is
compared, layout by layout, with the core functions called directly on plain numbers (FLOPs,
parameters, each memory term, each traffic term, the bubble, the step-time identity, MFU), and a
sample of the layouts with the estimate of the same plan written as a scenario. Tolerance 1e-9.
The layouts include context parallelism and the offload of weights, activations and optimizer
states.
"""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute import catalog
from xlcompute.core import comm, compute, kernels, memory, params, parallel, scale, schedule
from xlcompute.core.params import ModelArch
from xlcompute.estimate import estimate
from xlcompute.planner import RESULT_KEYS, LayoutBatch, StepBreakdown, SystemSpec, TransformerShape
from xlcompute.planner.inputs import system_values
from xlcompute.planner.search import divisors
from xlcompute.planner.steptime import evaluate
from xlcompute.scenario import parse_scenario

REL = 1e-9
N_MODELS = 24
LAYOUTS_PER_MODEL = 60  # 1,440 layouts in all


def _random_arch(rng: np.random.Generator, i: int) -> ModelArch:
    heads = int(rng.choice([8, 12, 16, 32, 40, 64, 96]))
    kv = int(rng.choice([d for d in divisors(heads) if d <= heads]))
    head_dim = int(rng.choice([64, 80, 128]))
    hidden = heads * head_dim if rng.random() < 0.8 else heads * head_dim + int(rng.integers(1, 64)) * 2
    return ModelArch(
        name=f"random-{i}", layers=int(rng.integers(2, 97)), hidden=hidden, heads=heads, kv_heads=kv,
        head_dim=head_dim, ffn_hidden=int(rng.integers(2, 6)) * hidden + int(rng.integers(0, 3)) * 128,
        gated_ffn=bool(rng.random() < 0.5), vocab=int(rng.integers(1_000, 160_000)),
        tied_embeddings=bool(rng.random() < 0.3), norm="layernorm" if rng.random() < 0.3 else "rmsnorm",
        position_embeddings=int(rng.choice([0, 0, 2048])),
    )


def _models(rng: np.random.Generator) -> list[ModelArch]:
    dense = [m.arch for m in catalog.models() if not m.arch.is_moe]
    return dense + [_random_arch(rng, i) for i in range(N_MODELS - len(dense))]


def _system(rng: np.random.Generator) -> SystemSpec:
    tier = rng.random() < 0.5
    return SystemSpec(
        peak_flops=float(rng.uniform(100, 2500)) * 1e12, hbm_bytes=float(rng.uniform(16, 192)) * 1e9,
        hbm_bandwidth=float(rng.uniform(0.9, 8)) * 1e12, cards_per_node=int(rng.choice([4, 8, 16])),
        intra_node_bw=float(rng.uniform(50, 900)) * 1e9, inter_node_bw=float(rng.uniform(12.5, 100)) * 1e9,
        offload_bytes=512e9 if tier else None, offload_bw=50e9 if tier else None,
        software_efficiency=float(rng.uniform(0.7, 1.0)), straggler_jitter=float(rng.uniform(0, 0.03)),
        matmul_dim_half=None if rng.random() < 0.5 else float(rng.uniform(50, 500)),
    )


def _layouts(rng: np.random.Generator, arch: ModelArch, n: int) -> LayoutBatch:
    rows = []
    tps = [t for t in divisors(arch.heads) if t <= 16]
    while len(rows) < n:
        tp = int(rng.choice(tps))
        pp = int(rng.integers(1, min(arch.layers, 24) + 1))
        ils = [v for v in range(1, 5) if v == 1 or (pp > 1 and arch.layers % (pp * v) == 0)]
        dp, mb, m = int(rng.integers(1, 65)), int(rng.integers(1, 5)), int(rng.integers(1, 65))
        cp = int(rng.choice([1, 1, 2, 4, 8]))
        rows.append((tp, pp, dp, mb, mb * dp * m, int(rng.choice(ils)), tp > 1 and rng.random() < 0.5,
                     int(rng.integers(0, 3)), int(rng.integers(0, 4)) if dp * cp > 1 else 0, rng.random() < 0.2,
                     tp > 1 and rng.random() < 0.3, rng.random() < 0.7, cp, rng.random() < 0.3,
                     rng.random() < 0.3))
    a = np.array(rows, dtype=np.int64)
    return LayoutBatch(tp=a[:, 0], pp=a[:, 1], dp=a[:, 2], cp=a[:, 12], micro_batch=a[:, 3], global_batch=a[:, 4],
                       interleave=a[:, 5], sequence_parallel=a[:, 6].astype(bool), recompute=a[:, 7],
                       zero_stage=a[:, 8], offload_optimizer=a[:, 9].astype(bool),
                       offload_weights=a[:, 13].astype(bool), offload_activations=a[:, 14].astype(bool),
                       tp_overlap=a[:, 10].astype(bool),
                       dp_overlap=a[:, 11].astype(bool), bytes_param=float(rng.choice([2.0, 4.0])),
                       bytes_grad=float(rng.choice([2.0, 4.0])), bytes_optimizer=float(rng.choice([12.0, 8.0, 16.0])),
                       tp_async_backward=bool(rng.random() < 0.7), flash_attention=bool(rng.random() < 0.6))


def _oracle(m: dict[str, float], sy: dict[str, float], lay: LayoutBatch, i: int, got: dict[str, float]) -> dict:
    """The planner's quantities from the core functions, called directly on plain numbers."""
    t, p, d, c = float(lay.tp[i]), float(lay.pp[i]), float(lay.dp[i]), float(lay.cp[i])
    b, gb, v = float(lay.micro_batch[i]), float(lay.global_batch[i]), float(lay.interleave[i])
    sp, rc, zs = float(lay.sequence_parallel[i]), float(lay.recompute[i]), float(lay.zero_stage[i])
    off, flash = float(lay.offload_optimizer[i]), float(lay.flash_attention)
    off_w, off_a = float(lay.offload_weights[i]), float(lay.offload_activations[i])
    pb, grad_b, ob = lay.bytes_param, lay.bytes_grad, lay.bytes_optimizer
    s, L, h = m["seq_len"], m["layers"], m["hidden"]
    s_card = parallel.seq_per_card(s, c)  # context parallelism: each card holds s/cp tokens
    group = parallel.gradient_group(d, c)  # gradients and ZeRO shards span dp·cp ranks
    mb_count = parallel.grad_accum_steps(gb, b, d)
    lps = parallel.layers_per_stage(L, p)
    block = params.block_params(m["model_params"], m["embedding_params"], m["lm_head_params"], L)
    per_card = params.first_stage_params(block, lps, m["embedding_params"], m["lm_head_params"], p) / t
    full_w = per_card * pb
    linear = memory.activations_linear_layer(s_card, b, h, m["heads"], m["kv_heads"], m["head_dim"],
                                             m["ffn_hidden"], m["gated_ffn"], t, sp)
    score = memory.activations_score_layer(s, b, m["heads"], t, flash, c)
    stored = memory.activations_stored_layer(linear, score, s_card, b, h, t, sp, rc, flash)
    msg = comm.activation_message_bytes(s_card, b, h)
    cards = parallel.parallel_cards(d, t, p, c)
    model_flops = compute.train_flops_attn(m["model_active_params"], gb * s, s, L, m["attn_width"])
    step = got["predicted_step_seconds"]
    w_sharded = memory.zero_partitioned(full_w, zs, 3, group)
    g_sharded = memory.zero_partitioned(per_card * grad_b, zs, 2, group)
    w_hbm = memory.resident_blocks(w_sharded, lps, off_w)
    g_hbm = memory.resident_blocks(g_sharded, lps, off_w)
    opt_states = memory.zero_partitioned(per_card * ob, zs, 1, group)
    # context parallelism: the K/V ring over the CP group's link, hidden under the attention
    in_node = comm.stays_in_node(t * c, cards, sy["cards_per_node"])
    link = comm.link_bytes_per_s(in_node, sy["intra_node_bytes_per_s"], sy["intra_node_efficiency"],
                                 sy["inter_node_bytes_per_s"], sy["inter_node_efficiency"])
    kv = comm.cp_kv_bytes(s, b, m["kv_heads"], m["head_dim"], t, c)
    lat = sy["collective_latency_s"]
    attn_f = got["attention_forward_seconds"]
    cp_exposed = (comm.exposed_seconds(comm.cp_forward_seconds(kv, c, link, lat), attn_f, 0, 1)
                  + comm.exposed_seconds(comm.cp_backward_seconds(kv, c, link, lat, rc),
                                         kernels.attention_backward_seconds(attn_f, flash, rc), 0, 1))
    # offload: a layer's transfers hidden under its busy time (compute and TP/CP waits)
    busy = (got["layer_forward_seconds"] + got["layer_backward_seconds"] + got["layer_recompute_seconds"]
            + got["tp_exposed_seconds_per_layer"] + cp_exposed)
    transfer = comm.offload_block_seconds(w_sharded, g_sharded, lps, stored, off_w, off_a, sy["offload_bytes_per_s"])
    return {
        "params_per_gpu": per_card,
        "weights_per_gpu": w_hbm,
        "grads_per_gpu": g_hbm,
        "optimizer_per_gpu": memory.in_hbm(opt_states, off),
        "offload_tier_per_gpu": memory.offload_tier_bytes(
            opt_states, off, w_sharded, w_hbm, g_sharded, g_hbm,
            memory.activations_offloaded(stored, lps, p, mb_count, v, off_a)),
        "activations_per_gpu": memory.activations_first_stage(
            stored, lps, p, mb_count, v, linear + score, rc,
            memory.logits_activation_bytes(s_card, b, m["vocab"], t), off_a),
        "buffers_per_gpu": memory.framework_buffers(sy["framework_reserve_bytes"], msg, block, t, pb, zs),
        "tp_bytes_per_step": comm.tp_bytes_per_step(msg, t, rc, lps, mb_count),
        "pp_bytes_per_step": comm.p2p_bytes_per_step(msg, t, p, v, mb_count),
        "dp_bytes_per_step": comm.dp_bytes_per_step(full_w, full_w, group, mb_count, zs),
        "cp_bytes_per_step": parallel.per_step(comm.cp_bytes_per_layer(kv, rc), lps, mb_count),
        "cp_comm_exposed_seconds": parallel.per_step(cp_exposed, lps, mb_count),
        "offload_exposed_seconds": parallel.per_step(comm.exposed_seconds(transfer, busy, 0, 1), lps, mb_count),
        "layer_pass_seconds": busy + comm.exposed_seconds(transfer, busy, 0, 1),
        "pipeline_bubble": parallel.pipeline_bubble(p, mb_count, v),
        "model_flops_per_step": model_flops,
        "hardware_flops_per_step": model_flops + compute.recompute_flops(gb * s, block, L, s, m["attn_width"], rc,
                                                                         flash),
        "predicted_mfu": schedule.mfu_from_step(model_flops, step, cards, sy["peak_flops"]),
        "predicted_tokens_per_s_per_card": parallel.tokens_per_s_per_card(gb, s, step, cards),
        # the step-time identities: the parts add up, stretched by the slowest server; the bubble
        # follows the slowest stage
        "predicted_step_seconds": (got["pipeline_seconds"] + got["dp_comm_exposed_seconds"]
                                   + got["optimizer_seconds"] + got["offload_seconds"])
        * scale.straggler_factor(scale.job_nodes(cards, sy["cards_per_node"]), sy["straggler_jitter"]),
        # without a stage split the fill and drain run at the pace of a micro-batch without the output layer
        "pp_bubble_seconds": (got["microbatch_seconds"] - got["logits_seconds"]) * (p - 1) / v,
        "mem_per_gpu": memory.train_mem_per_card(got["weights_per_gpu"], got["grads_per_gpu"],
                                                 got["optimizer_per_gpu"], got["activations_per_gpu"],
                                                 got["buffers_per_gpu"]),
    }


def test_planner_quantities_equal_the_core_formulas() -> None:
    rng = np.random.default_rng(20261201)
    checked = 0
    extra = ("pipeline_seconds", "microbatch_seconds", "logits_seconds", "attention_forward_seconds",
             "layer_forward_seconds", "layer_backward_seconds", "layer_recompute_seconds",
             "tp_exposed_seconds_per_layer", "layer_pass_seconds")
    for arch in _models(rng):
        shape = TransformerShape(arch=arch, seq_len=int(rng.choice([512, 2048, 4096, 8192])))
        sy = _system(rng)
        lay = _layouts(rng, arch, LAYOUTS_PER_MODEL)
        sysv = system_values(sy)
        values = {**shape.values(), **sysv}
        # the search's own evaluation: the graph over arrays
        out = evaluate({**values, **lay.values()}, (*RESULT_KEYS, *extra))
        arrays = StepBreakdown({k: np.broadcast_to(np.asarray(out[k], dtype=float), (len(lay),)) for k in out
                                if k in (*RESULT_KEYS, *extra)})
        for i in range(len(lay)):
            got = {k: float(arrays.arrays[k][i]) for k in (*RESULT_KEYS, *extra)}
            for key, want in _oracle(shape.values(), sysv, lay, i, got).items():
                assert got[key] == pytest.approx(float(want), rel=REL, abs=1e-300), (arch.name, i, key)
            checked += 1
    assert checked >= 1000


def test_planner_rows_equal_the_estimate_of_the_same_plan() -> None:
    """The planner's array evaluation equals estimate() of the plan written as a scenario."""
    rng = np.random.default_rng(7)
    checked = 0
    for arch in _models(rng)[:12]:
        seq = int(rng.choice([2048, 4096]))
        tps = [t for t in divisors(arch.heads) if t <= 8]
        for _ in range(3):
            tp, pp = int(rng.choice(tps)), int(rng.integers(1, min(arch.layers, 16) + 1))
            dp, mb = int(rng.integers(1, 17)), int(rng.integers(1, 3))
            gb = mb * dp * int(rng.integers(1, 33))
            rc = ["none", "selective", "full"][int(rng.integers(0, 3))]
            cp = int(rng.choice([1, 2, 4]))
            zero = int(rng.integers(0, 3)) if dp * cp > 1 else 0
            # GH200 has an offload tier (host memory over NVLink-C2C): any kinds may move there
            tier = bool(rng.random() < 0.5)
            kinds = [k for k in ("weights", "activations", "optimizer") if tier and rng.random() < 0.5]
            sc = parse_scenario({
                "model": {"arch": arch.model_dump()},
                "training": {"tokens": "1T", "seq_len": seq, "global_batch": gb, "micro_batch": mb, "tp": tp,
                             "pp": pp, "cp": cp, "recompute": rc, "zero_stage": zero, "sequence_parallel": tp > 1,
                             "offload": kinds},
                "cluster": {"accelerator": "GH200" if tier else "H800", "cards": tp * cp * pp * dp},
            })
            r = estimate(sc)
            row = r.plan.best[0]
            lay = LayoutBatch.from_executions([row.execution])
            out = evaluate({**{k: v.value for k, v in r.inputs.items()}, **lay.values()}, RESULT_KEYS)
            for key in RESULT_KEYS:
                assert float(np.asarray(out[key]).ravel()[0]) == pytest.approx(r[key], rel=REL, abs=1e-300), key
                assert getattr(row.result, key) == pytest.approx(r[key], rel=REL, abs=1e-300), key
            checked += 1
    assert checked == 36
