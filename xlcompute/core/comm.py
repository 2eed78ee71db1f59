"""Communication volumes and times of 3D-parallel training.

Sources
- seed 000 eqs. (7)–(9): total volumes over a run, in elements (values), as printed:
  data parallel Q = T·P/(b·s), pipeline Q = 2·n·h·T, tensor Q = 4·h·l·n·T.
- [RING] Patarasuk & Yuan, JPDC 2009 (and Thakur et al. 2005): a ring all-reduce moves 2(n−1)/n
  of the message per card, a reduce-scatter or an all-gather (n−1)/n.
- [ALPHA] Thakur, Rabenseifner & Gropp, IJHPCA 2005, §2 (the α–β cost model): a collective costs a
  latency α per message step plus β per byte; a ring all-reduce takes 2(n−1) steps, so its fixed
  time grows with the group. Fitted on published single-server all-reduce timings
  (data/validation/allreduce_bench.yaml; xlcompute.collective_fit).
- [MEG19] Shoeybi et al. 2019 §3: Megatron tensor parallelism does 2 all-reduces of b·s·h in the
  forward and 2 in the backward of every layer (2 more in a recomputed forward).
- [MEG21] Narayanan et al., SC'21 §2.2, §4.1: the pipeline sends b·s·h activations forward and
  gradients back at every stage boundary per micro-batch and model chunk; with scatter/gather
  each of the t cards sends 1/t of it over the scale-out network.
- [KOR22] Korthikanti et al. 2022: with sequence parallelism each all-reduce becomes a
  reduce-scatter and an all-gather of the same volume (two messages).
- [MLM-ASYNC] Megatron-LM since late 2021 (``ColumnParallelLinearWithAsyncAllreduce``): the
  input-gradient collective of each column-parallel layer (QKV, MLP up) runs under that layer's
  weight-gradient GEMM.
- [CAL23] Isaev et al. SC'23 (seed 004): overlap of communication with compute is partial.
- [NCCL] NVIDIA NCCL: a ring collective across servers runs one ring (channel) per NIC, each
  carrying a share of the buffer and leaving every server once, so with k ranks of the ring on a
  server each card's NIC carries 1/k of what the card sends and NVLink carries the rest: the
  multi-server bus bandwidth of an all-reduce is about k × the per-card NIC rate (NCCL's
  nccl-tests "busbw" on 8-card servers ≈ 8 × the NIC line rate, within NVLink's).
- [MCORE-EP] Megatron-Core parallel state: expert-parallel ranks are carved from the data-parallel
  ranks, innermost after TP, so an expert data-parallel group has ep·expert_tp times fewer ranks
  on a server than the dense one.
- [MCORE-SCHED] Megatron-Core's interleaved 1F1B schedule (megatron/core/pipeline_parallel/
  schedules.py, ``forward_backward_pipelining_with_interleaving``, v0.7.0 and later): micro-batches
  run in groups of pp per model chunk, the backward of a group through chunks v − 1, …, 0, and each
  chunk's gradient reduction is launched when that chunk's last micro-batch's backward is done
  (``is_last_microbatch_for_model_chunk``), so chunk j's gradients reduce under the j·pp chunk
  backwards still to come. With the distributed optimizer (ZeRO-1) the step's data-parallel
  traffic is a gradient reduce-scatter and a parameter all-gather; with ``overlap_param_gather``
  the next step gathers each chunk's parameters under the warm-up forwards, chunk 0 first
  (``param_sync_func`` at each chunk's first micro-batch), while DDP without a sharded optimizer
  (ZeRO-0) all-reduces every gradient bucket under the backward.
- [ZERO] Rajbhandari et al. 2020 §7: ZeRO-3 gathers the weights in the forward and backward of
  every micro-batch and reduce-scatters the gradients once.
- [MEG21-Z3] Narayanan et al., SC'21, Table 2 (ZeRO-3 without model parallelism, DeepSpeed on
  DGX A100, 8 ranks of one data-parallel group per server): at a fixed batch the step time stays
  the same from 768 to 1,536 GPUs (and 1,120 to 2,240) while each card's compute halves, so the
  ZeRO-3 traffic is exposed; it moves about 16-18 GB/s per card, one NIC's rate (25 GB/s HDR at
  ~70 %), not the 8-NIC aggregate of a ring all-reduce, and even at microbatch 4 much of it is
  exposed: the share of a pass's compute the traffic runs under is fitted on these rows
  (``data/validation/zero3_runs.yaml``, calibration only); held out: the FSDP rows of
  ``step_runs_6.yaml`` and ``step_runs_8.yaml``.
- [FSDP] Zhao et al. 2023, PyTorch FSDP: Experiences on Scaling Fully Sharded Data Parallel
  (VLDB; arXiv:2304.11277), §3.4 Communication Optimizations (overlap, backward and forward
  prefetching): a fully sharded unit's parameters are all-gathered just before its forward
  and again before its backward, the next unit's gather is issued while the current unit
  computes (forward and backward prefetch), and each unit's gradient reduce-scatter runs while
  the backward of the units before it computes. So the traffic of a pass hides under the compute
  of that same pass, layer by layer: a forward's gathers under the forward, a backward's gathers
  and reduce-scatters under the backward (and its recomputed forward), and the first gather and
  the last reduce-scatter of a step wait for nothing to hide under. ZeRO-3's prefetch [ZERO] §7
  works the same way.
- [CP] Context parallelism: NVIDIA Megatron-Core, "context parallel" (each of cp ranks holds s/cp
  tokens; K and V travel around a ring of point-to-point sends, overlapped with the attention of
  the chunk at hand); Liu et al. 2023, "Ring Attention with Blockwise Transformers"; Dubey et al.
  2024, Llama 3, §3.3.2 (CP 16 for 128K tokens with an all-gather of K/V, which moves the same
  (cp − 1)/cp of them per card as the ring).
- [CAL-OFF] Isaev et al. 2023, Calculon, §III "tensor offload" (seed 004): the weights,
  activations and optimizer states of the blocks not computing live in a second memory tier;
  each block's tensors stream over the offload link while other blocks compute, so the step
  slows down only when a block's transfer takes longer than its compute. Here per layer and
  micro-batch, forward and backward together (1F1B interleaves them on a stage, so the link sees
  both): exposed = max(0, transfer − the layer's busy time, its waits for TP and CP included).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, and_, eq, floor, if_, max_, min_, mod, or_
from xlcompute.core.compute import full_recompute_share
from xlcompute.core.memory import ACTIVATION_BYTES

__all__ = [
    "activation_message_bytes",
    "stays_in_node",
    "link_bytes_per_s",
    "ring_share",
    "collective_seconds",
    "tp_allreduce_seconds",
    "tp_collectives_per_layer",
    "tp_seconds_per_layer",
    "tp_hidden_per_layer",
    "tp_bytes_per_step",
    "p2p_seconds_per_microbatch",
    "p2p_bytes_per_step",
    "dp_bytes_per_step",
    "dp_seconds_per_step",
    "dp_overlap_window",
    "forward_busy_seconds",
    "zero3_exposed_seconds",
    "dp_exposed_seconds",
    "dp_ranks_per_node",
    "expert_dp_ranks_per_node",
    "dp_ring_nics",
    "ring_link_bytes_per_s",
    "last_bucket_seconds",
    "exposed_seconds",
    "offload_seconds",
    "cp_kv_bytes",
    "cp_bytes_per_layer",
    "cp_forward_seconds",
    "cp_backward_seconds",
    "offload_block_seconds",
    "comm_dp_seed",
    "comm_pp_seed",
    "comm_tp_seed",
    "ring_allreduce_factor",
    "allreduce_bytes_per_card",
    "allreduce_seconds",
    "allreduce_latency_seconds",
    "transfer_seconds",
]


def comm_dp_seed(tokens: Value, params: Value, batch: Value, seq_len: Value) -> Value:
    """Seed 000 eq. (7): data-parallel volume T·P/(b·s) — one gradient set per batch. Elements."""
    return tokens * params / (batch * seq_len)


def comm_pp_seed(cards: Value, hidden: Value, tokens: Value) -> Value:
    """Seed 000 eq. (8): pipeline volume 2·n·h·T (activations forward, gradients back). Elements."""
    return 2 * cards * hidden * tokens


def comm_tp_seed(hidden: Value, layers: Value, cards: Value, tokens: Value) -> Value:
    """Seed 000 eq. (9): tensor-parallel volume 4·h·l·n·T (4 syncs per layer). Elements."""
    return 4 * hidden * layers * cards * tokens


def ring_share(n: Value) -> Value:
    """Share of a buffer each of n cards sends in a ring reduce-scatter or all-gather, (n−1)/n [RING]."""
    return (n - 1) / n


def ring_allreduce_factor(n: Value) -> Value:
    """Bytes each card sends in a ring all-reduce, as a multiple of the message: 2(n−1)/n [RING]."""
    return 2 * ring_share(n)


def allreduce_bytes_per_card(message_bytes: Value, n: Value) -> Value:
    """Bytes each of n cards sends in a ring all-reduce of ``message_bytes``."""
    return ring_allreduce_factor(n) * message_bytes


def transfer_seconds(nbytes: Value, bytes_per_s: Value) -> Value:
    """Seconds to move ``nbytes`` over a link of ``bytes_per_s`` (one direction), no latency."""
    return nbytes / bytes_per_s


def allreduce_seconds(message_bytes: Value, n: Value, bytes_per_s: Value) -> Value:
    """Bandwidth-bound ring all-reduce time 2(n−1)/n · M / B, B per card per direction."""
    return allreduce_bytes_per_card(message_bytes, n) / bytes_per_s


def allreduce_latency_seconds(n: Value, base_s: Value, step_s: Value) -> Value:
    """Fixed time of one all-reduce among n cards, whatever it moves: a base (launch and
    synchronisation) plus a latency per step of the ring's 2(n−1) steps [ALPHA], [RING]; 0 for one card."""
    return if_(n > 1, base_s + 2 * (n - 1) * step_s, 0)


def activation_message_bytes(seq_len: Value, micro_batch: Value, hidden: Value) -> Value:
    """One activation tensor of a micro-batch, s·b·h 16-bit values: the message of every TP
    collective and pipeline send [MEG19], [MEG21]."""
    return seq_len * micro_batch * hidden * ACTIVATION_BYTES


def stays_in_node(span: Value, job_cards: Value, cards_per_node: Value) -> Value:
    """1 when every group of ``span`` consecutive ranks sits inside one server, else 0: the whole
    job fits in one server, or the groups tile it (span divides the cards per node). TP groups of
    6 on 8-card servers straddle two servers, so their collectives cross the scale-out network."""
    inside = or_(job_cards <= cards_per_node, and_(span <= cards_per_node, eq(mod(cards_per_node, span), 0)))
    return if_(inside, 1, 0)


def link_bytes_per_s(
    in_node: Value, intra_bytes_per_s: Value, intra_eff: Value, inter_bytes_per_s: Value, inter_eff: Value
) -> Value:
    """Achieved bandwidth per card and direction of a group's collectives: the server's link
    (NVLink, HCCS) when the group stays inside a server, else the scale-out network, each at the
    share of line rate a large collective reaches (NCCL bus bandwidth; an assumption per link)."""
    return if_(in_node, intra_bytes_per_s * intra_eff, inter_bytes_per_s * inter_eff)


def dp_ranks_per_node(dp: Value, group_cards: Value, cards_per_node: Value) -> Value:
    """Ranks of one data-parallel group on each server: ranks are ordered TP, CP, PP inside DP
    (this module's docstring), so a server of c cards holds c/(tp·cp·pp) ranks of each group,
    at most dp and at least 1."""
    return max_(1, min_(dp, floor(cards_per_node / group_cards)))


def dp_ring_nics(ranks_per_node: Value, stage: Value, zero3_all_nics: Value = 1) -> Value:
    """NICs a data-parallel ring's crossings between servers share per card: the group's ranks on
    a server [NCCL], for ZeRO 0-2 and for ZeRO-3 run as NCCL rings over the whole group (PyTorch
    FSDP's all-gathers and reduce-scatters are such rings [FSDP]); one when ``zero3_all_nics`` is 0,
    the regime DeepSpeed's ZeRO-3 was measured in (one NIC's rate per card although 8 ranks shared
    each server [MEG21-Z3])."""
    return if_(and_(stage >= 3, zero3_all_nics < 0.5), 1, ranks_per_node)


def expert_dp_ranks_per_node(dp_ranks: Value, ep: Value, expert_tp: Value) -> Value:
    """Ranks of one expert data-parallel group on each server: expert parallelism is carved from
    the data-parallel ranks, innermost ([MCORE-EP]; Megatron-Core's expert rank order), so a
    server's dp ranks hold dp/(ep·expert_tp) of each expert group's, at least 1."""
    return max_(1, floor(dp_ranks / (ep * expert_tp)))


def ring_link_bytes_per_s(
    in_node: Value, ranks_per_node: Value, intra_bytes_per_s: Value, intra_eff: Value,
    inter_bytes_per_s: Value, inter_eff: Value,
) -> Value:
    """Achieved bandwidth per card of a ring collective: the server's link inside a server; across
    servers k ranks per server share the ring's crossings over k NICs, so a card's bytes go at
    k × its NIC rate, never faster than the server's link [NCCL], [RING]."""
    intra = intra_bytes_per_s * intra_eff
    return if_(in_node, intra, min_(intra, ranks_per_node * inter_bytes_per_s * inter_eff))


def collective_seconds(bytes_per_card: Value, bytes_per_s: Value, latency: Value, messages: Value = 1) -> Value:
    """Time of a collective: the bytes each card sends over its bandwidth plus a fixed latency
    per message (NCCL ~10 µs; an assumption)."""
    return bytes_per_card / bytes_per_s + latency * messages


def tp_allreduce_seconds(message_bytes: Value, tp: Value, bytes_per_s: Value, latency: Value, sp: Value) -> Value:
    """One TP all-reduce of an activation message: a ring all-reduce over the tp cards [RING];
    with sequence parallelism a reduce-scatter and an all-gather, two messages [KOR22]."""
    return collective_seconds(allreduce_bytes_per_card(message_bytes, tp), bytes_per_s, latency, if_(sp, 2, 1))


def tp_collectives_per_layer(recompute: Value) -> Value:
    """TP all-reduces per layer and micro-batch: 2 forward + 2 backward, 2 more in the forward
    that full recomputation repeats [MEG19] (on average over the stage's layers, when only a share
    of them is recomputed in full: core.compute.recompute_level)."""
    return 4 + 2 * full_recompute_share(recompute)


def tp_seconds_per_layer(allreduce_s: Value, tp: Value, recompute: Value) -> Value:
    """TP communication time of one layer and micro-batch, before any overlap [MEG19]."""
    return if_(tp > 1, tp_collectives_per_layer(recompute) * allreduce_s, 0)


def tp_hidden_per_layer(
    tp_layer_s: Value,
    allreduce_s: Value,
    gemm_layer_s: Value,
    qkv_s: Value,
    mlp_up_s: Value,
    tp: Value,
    sp: Value,
    tp_overlap: Value,
    async_backward: Value,
    overlap_fraction: Value,
) -> Value:
    """TP communication of one layer hidden under compute.

    With full TP overlap at most ``overlap_fraction`` of it hides, and never more than the
    layer's GEMM time [CAL23]. Otherwise, with the asynchronous backward [MLM-ASYNC], the input-
    gradient collective of QKV and of the MLP up-projection each hides under that layer's
    weight-gradient GEMM (same time as its forward GEMM): the whole backward all-reduce, or
    with sequence parallelism its reduce-scatter half [KOR22]; forward collectives stay exposed.
    """
    bwd_one = if_(tp > 1, if_(sp, 0.5, 1) * allreduce_s, 0)
    async_hidden = min_(overlap_fraction * bwd_one, qkv_s) + min_(overlap_fraction * bwd_one, mlp_up_s)
    return if_(tp_overlap, min_(overlap_fraction * tp_layer_s, gemm_layer_s), if_(async_backward, async_hidden, 0))


def tp_bytes_per_step(
    message_bytes: Value, tp: Value, recompute: Value, layers_on_stage: Value, microbatches: Value
) -> Value:
    """Bytes each card sends per optimizer step for tensor parallelism: the ring all-reduces of
    every layer of its stage and every micro-batch [MEG19], [RING]."""
    per_layer = tp_collectives_per_layer(recompute) * allreduce_bytes_per_card(message_bytes, tp)
    return if_(tp > 1, per_layer * layers_on_stage * microbatches, 0)


def p2p_seconds_per_microbatch(
    message_bytes: Value, tp: Value, bytes_per_s: Value, latency: Value, pp: Value, interleave: Value
) -> Value:
    """Pipeline send time of one micro-batch on one card: activations forward and gradients
    back, once per model chunk, each card sending 1/t of the message (scatter/gather) [MEG21]."""
    return if_(pp > 1, 2 * interleave * (message_bytes / tp / bytes_per_s + latency), 0)


def p2p_bytes_per_step(message_bytes: Value, tp: Value, pp: Value, interleave: Value, microbatches: Value) -> Value:
    """Pipeline bytes each card sends per optimizer step [MEG21] (see p2p_seconds_per_microbatch)."""
    return if_(pp > 1, 2 * interleave * message_bytes / tp * microbatches, 0)


def dp_bytes_per_step(
    grad_bytes: Value, weight_bytes: Value, dp: Value, microbatches: Value, stage: Value
) -> Value:
    """Bytes each card sends per optimizer step for data parallelism, over its stage's full
    (unpartitioned) gradients and weights per TP card.

    ZeRO 0–2: one ring all-reduce of the gradients (ZeRO-1/2 reduce-scatter + all-gather move
    the same 2(n−1)/n) [RING]. ZeRO-3: one gradient reduce-scatter plus a weight all-gather in
    the forward and the backward of every micro-batch [ZERO].
    """
    share = ring_share(dp)
    grads = 2 * share * grad_bytes
    zero3 = share * grad_bytes + 2 * microbatches * share * weight_bytes
    return if_(dp > 1, if_(stage >= 3, zero3, grads), 0)


def dp_seconds_per_step(
    dp_bytes: Value, bytes_per_s: Value, latency: Value, layers_on_stage: Value, dp: Value, stage: Value,
    expert_bytes: Value = 0, expert_bytes_per_s: Value = 1, microbatches: Value = 1, ring_step_latency: Value = 0,
) -> Value:
    """Data-parallel communication time per step before overlap: the bytes over the link (the
    experts' share, ``expert_bytes`` of ``dp_bytes``, over the expert data-parallel group's own
    link) plus, for ZeRO 0–2, a latency per gradient bucket (two per layer; an assumption). ZeRO-3
    gathers each layer's weights in every micro-batch's forward and backward and reduce-scatters
    its gradients once, (2m + 1) rings per layer [ZERO]; NCCL runs all-gather and reduce-scatter as
    rings only, each paying dp − 1 step latencies (NCCL src/graph/tuning.cc), which grows with the
    data-parallel degree while the bytes per card do not [NCCL]."""
    buckets = if_(and_(dp > 1, stage < 3), 2 * layers_on_stage, 0)
    rings = if_(and_(dp > 1, stage >= 3), (2 * microbatches + 1) * layers_on_stage * (dp - 1), 0)
    return ((dp_bytes - expert_bytes) / bytes_per_s + expert_bytes / expert_bytes_per_s + latency * buckets
            + ring_step_latency * rings)


def dp_overlap_window(
    stage: Value,
    compute_s: Value,
    recompute_s: Value,
    exposed_s: Value,
    layers_on_stage: Value,
    layer_backward_s: Value,
    layer_recompute_s: Value,
    logits_forward_s: Value,
    pp: Value = 1,
    interleave: Value = 1,
    microbatches: Value = 1,
) -> Value:
    """Compute time the DP traffic of a step can hide under. Gradients of a stage are final only
    in the backward of its last micro-batch, so ZeRO 0–2 overlap that backward (layers, with what
    each waits for on other links, and output layer). With v interleaved model chunks the last
    group of g = min(pp, m) micro-batches runs its backward chunk by chunk, the deepest first, and
    each chunk's reduction starts once its last micro-batch is through [MCORE-SCHED]: chunk j's
    traffic hides under the j·g chunk backwards that follow, so the window is a chunk's backward
    c times 1 + (v − 1)·g rather than v·c (the same for v = 1). ZeRO-3 gathers and reduces in every pass
    (:func:`zero3_exposed_seconds`): its window is the whole busy pipeline (compute,
    recomputation and the exposed waits: TP collectives, CP ring, offload transfers; DP traffic
    has its own stream and, across servers, its own links) [ZERO], [FSDP]."""
    chunk_backward = layers_on_stage * (layer_backward_s + layer_recompute_s) / interleave
    group = min_(pp, microbatches)
    last_backward = chunk_backward * (1 + (interleave - 1) * group) + 2 * logits_forward_s
    return if_(stage >= 3, compute_s + recompute_s + exposed_s, last_backward)


def dp_forward_window(
    layers_on_stage: Value, layer_forward_s: Value, pp: Value = 1, interleave: Value = 1, microbatches: Value = 1
) -> Value:
    """Forward time the next step's parameter all-gather of ZeRO 1–2 can hide under: the first
    chunk's forward of the first micro-batch, plus, with v interleaved chunks, the (v − 1)·g
    chunk forwards of the warm-up that run before the last chunk needs its parameters
    (g = min(pp, m); [MCORE-SCHED], the mirror of :func:`dp_overlap_window`)."""
    chunk_forward = layers_on_stage * layer_forward_s / interleave
    return chunk_forward * (1 + (interleave - 1) * min_(pp, microbatches))


def sharded_dp_exposed_seconds(
    total: Value, backward_window: Value, forward_window: Value, floor: Value, overlap: Value, stage: Value
) -> Value:
    """Exposed DP time of a step for ZeRO 0–2 [MCORE-SCHED]. ZeRO-0 all-reduces the gradients
    under the backward (:func:`exposed_seconds` over ``backward_window``). ZeRO 1–2 move half of
    the bytes as a gradient reduce-scatter under the backward and half as the next step's
    parameter all-gather under its forward (``forward_window``), each never below half the last
    bucket ``floor``; all of it without overlap."""
    sharded = (exposed_seconds(total / 2, backward_window, floor / 2, overlap)
               + exposed_seconds(total / 2, forward_window, floor / 2, overlap))
    return if_(stage >= 1, sharded, exposed_seconds(total, backward_window, floor, overlap))


def forward_busy_seconds(
    layers_on_stage: Value, layer_forward_s: Value, logits_forward_s: Value, microbatches: Value,
    kernel_s: Value, busy_s: Value,
) -> Value:
    """Forward part of a step's busy pipeline on a stage, under which ZeRO-3's forward gathers
    hide [FSDP]: every micro-batch's forward kernels (its layers and the output layer), as a share
    of all kernel time ``kernel_s`` (compute and recomputation), times the busy time ``busy_s``
    (kernels and waits): the waits on other links (TP, CP, offload) are not split by pass, so each
    pass gets them in proportion to its kernels."""
    forward = microbatches * (layers_on_stage * layer_forward_s + logits_forward_s)
    return busy_s * forward / max_(kernel_s, 1e-30)


def zero3_exposed_seconds(
    dp_s: Value, microbatches: Value, busy_s: Value, forward_s: Value, layers_on_stage: Value,
    overlap: Value, zero3_overlap: Value,
) -> Value:
    """ZeRO-3 traffic left exposed in a step, pass by pass [FSDP], [ZERO].

    ``dp_s`` is the step's ZeRO-3 time before overlap: one gradient reduce-scatter and a weight
    all-gather in the forward and in the backward of every micro-batch of the same size
    (:func:`dp_bytes_per_step`), so one pass of the stage's weights takes u = dp_s / (2m + 1).
    Each micro-batch's forward gathers u under its forward f = forward_s / m, its backward gathers
    u (and in the last micro-batch also reduce-scatters u) under its backward and recomputation
    b = (busy_s − forward_s) / m; a pass is exposed by what does not fit:

        m·max(0, u − a·f) + (m − 1)·max(0, u − a·b) + max(0, 2u − a·b),

    where a = ``zero3_overlap`` is the share of a pass's compute the traffic runs under (1 for
    PyTorch FSDP's prefetch, assumed; 0.55 fitted for DeepSpeed's ZeRO-3 of 2021 [MEG21-Z3]). The first gather and the last
    reduce-scatter, one layer's share each (2u / layers), wait for nothing, so never less; never
    more than ``dp_s``; all of it without overlap."""
    m = max_(microbatches, 1)
    unit = dp_s / (2 * m + 1)
    fwd = zero3_overlap * forward_s / m
    bwd = zero3_overlap * max_(busy_s - forward_s, 0) / m
    passes = m * max_(unit - fwd, 0) + (m - 1) * max_(unit - bwd, 0) + max_(2 * unit - bwd, 0)
    edges = 2 * unit / max_(layers_on_stage, 1)
    return if_(overlap, min_(max_(passes, edges), dp_s), dp_s)


def dp_exposed_seconds(stage: Value, zero3_exposed_s: Value, zero_0_2_exposed_s: Value) -> Value:
    """Exposed DP time of a step: pass by pass for ZeRO-3 (:func:`zero3_exposed_seconds`), else
    what the last backward does not hide (:func:`exposed_seconds` over :func:`dp_overlap_window`)."""
    return if_(stage >= 3, zero3_exposed_s, zero_0_2_exposed_s)


def forward_wait_share(wait_s: Value, forward_s: Value, backward_s: Value, recompute_s: Value) -> Value:
    """The forward pass's share of a layer's wait on another link (offload), in proportion to its
    kernels: wait·f/(f + b + r). The rest waits in the backward, so the forward and backward
    windows the DP traffic hides under (:func:`dp_forward_window`, :func:`dp_overlap_window`)
    count each wait once and grow, never shrink, when faster kernels wait longer."""
    return wait_s * forward_s / max_(forward_s + backward_s + recompute_s, 1e-30)


def last_bucket_seconds(dp_seconds: Value, layers_on_stage: Value) -> Value:
    """The last gradient bucket (about one layer's share) can only start when the backward ends,
    so it is always exposed."""
    return dp_seconds / max_(layers_on_stage, 1)


def exposed_seconds(total: Value, window: Value, floor: Value, overlap: Value) -> Value:
    """Communication left exposed when it overlaps a compute window of ``window`` seconds: what
    does not fit in the window, and never less than ``floor`` (the last bucket, which can only
    start when the window ends), never more than the total."""
    return min_(if_(overlap, max_(total - window, floor), total), total)


def offload_seconds(
    optimizer_bytes: Value, params_updated: Value, param_bytes: Value, bytes_per_s: Value, offload: Value
) -> Value:
    """Optimizer states read and written over the offload link, and the gradients sent to it
    (Calculon's tensor offload, seed 004, simplified). A tier without bandwidth (0) is treated as
    1 B/s: such a layout does not fit (see the step-time model's fit)."""
    return if_(offload, (2 * optimizer_bytes + params_updated * param_bytes) / max_(bytes_per_s, 1), 0)


# -- context parallelism [CP] -------------------------------------------------------------------


def cp_kv_bytes(seq_len: Value, micro_batch: Value, kv_heads: Value, head_dim: Value, tp: Value, cp: Value) -> Value:
    """Bytes each card sends in one pass of the context-parallel K/V ring, per layer and micro-batch
    [CP]: every rank needs the K and V of the other cp − 1 chunks, so a ring of point-to-point sends
    moves (cp − 1)/cp of the sequence's K and V, 2·s·b·kv_heads·d 16-bit values split over the TP
    heads; 0 without context parallelism."""
    return ring_share(cp) * 2 * seq_len * micro_batch * kv_heads * head_dim / tp * ACTIVATION_BYTES


def cp_bytes_per_layer(kv_bytes: Value, recompute: Value) -> Value:
    """Bytes each card sends per layer and micro-batch for context parallelism [CP]: the forward
    ring once, the backward twice (K and V again, and their gradients dK, dV back to their owners),
    and the recomputed forward once more with full recomputation."""
    return (3 + full_recompute_share(recompute)) * kv_bytes


def cp_forward_seconds(kv_bytes: Value, cp: Value, bytes_per_s: Value, latency: Value) -> Value:
    """The forward K/V ring of a layer and micro-batch before overlap [CP]: its bytes over the CP
    group's link and a latency per ring step, cp − 1 steps."""
    return if_(cp > 1, collective_seconds(kv_bytes, bytes_per_s, latency, cp - 1), 0)


def cp_backward_seconds(kv_bytes: Value, cp: Value, bytes_per_s: Value, latency: Value, recompute: Value) -> Value:
    """The backward K/V ring of a layer and micro-batch before overlap [CP]: K and V with dK and dV
    in the same cp − 1 steps (twice the bytes), and with full recomputation the forward ring again."""
    backward = collective_seconds(2 * kv_bytes, bytes_per_s, latency, cp - 1)
    recomputed = full_recompute_share(recompute) * collective_seconds(kv_bytes, bytes_per_s, latency, cp - 1)
    return if_(cp > 1, backward + recomputed, 0)


# -- weight and activation offload [CAL-OFF] ----------------------------------------------------


def offload_block_seconds(
    weights_stage: Value, grads_stage: Value, layers_on_stage: Value, act_layer: Value, offload_weights: Value,
    offload_activations: Value, bytes_per_s: Value,
) -> Value:
    """Offload-link time of one block (layer) per micro-batch, forward and backward [CAL-OFF].

    With weights offloaded the block's weights come in for its forward and again for its backward
    and its weight gradients go out; with activations offloaded its stored activations go out
    after the forward and come back for the backward. A block's weights and gradients are the
    stage's (after ZeRO) over its layers. The link carries ``bytes_per_s`` in each direction at
    once, so the busier direction sets the time. A tier without bandwidth (0) is treated as
    1 B/s: such a layout does not fit (memory.fits_card).
    """
    weights = if_(offload_weights, weights_stage / layers_on_stage, 0)
    grads = if_(offload_weights, grads_stage / layers_on_stage, 0)
    acts = if_(offload_activations, act_layer, 0)
    return max_(2 * weights + acts, grads + acts) / max_(bytes_per_s, 1)
