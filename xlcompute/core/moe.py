"""Mixture-of-experts, multi-head latent attention, multi-token prediction and FP8 training.

Each function is one formula, pure, and evaluates numbers, NumPy arrays or Excel formula text
(:mod:`xlcompute.core.expr`). With the MoE inputs at 0 (a dense model: no MoE layers, ``ep`` 1,
no MLA projection) every term here is 0 or reduces to the dense formula it wraps, so dense
figures do not move.

Sources
- [DSV3] DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv:2412.19437: MLA (§2.1.1), routed and
  shared experts with top-k routing (§2.1.2), multi-token prediction (§2.2), DualPipe overlap of
  the all-to-all with computation (§3.2.1, "achieving a near-full computation-communication
  overlap"), FP8 GEMMs with BF16/FP32 for embedding, output head, gating, norms and attention
  (§3.3.1), AdamW moments in BF16 and FP32 master weights (§3.3.3).
- [DSV2] DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434 §2.1: MLA's KV cache holds the compressed
  latent c_KV (d_c) and the decoupled RoPE key (d_h^R) per token and layer.
- [GSH] Lepikhin et al., "GShard", arXiv:2006.16668 §2.2: expert capacity, tokens beyond it are
  dropped; [SWT] Fedus et al., "Switch Transformers", arXiv:2101.03961 §2.2: capacity factor
  ("expert capacity = tokens per batch / experts × capacity factor"; 1.0-1.25 used).
- [MCORE] Megatron-Core MoE (NVIDIA/Megatron-LM megatron/core/transformer/moe/README.md):
  expert parallelism (EP) splits the experts of a layer over EP ranks carved from the data-
  parallel ranks (with expert tensor parallelism ETP, TP·CP·DP = ETP·EP·EDP), token dispatch and
  combine by all-to-all, expert weights, gradients and optimizer states held per EP rank and
  reduced over the expert data-parallel group EDP; sequence parallelism is required with TP and
  EP; ranks ordered tp-cp-ep-dp-pp (EP groups are consecutive ranks).
- [MCORE-SYNC] Megatron-Core ``MoEAlltoAllTokenDispatcher`` (megatron/core/transformer/moe/
  token_dispatcher.py, ``_maybe_dtoh_and_synchronize`` / ``cuda_sync_point``): without token
  dropping the all-to-all's split sizes and the permuted buffer's length depend on the routing, so
  the host copies the per-expert token counts from the device and waits for them in each MoE
  layer's forward pass; with drop-and-pad to capacity the sizes are fixed and it does not wait.
  While the host waits the launch queue drains, and the kernels after the wait start only as the
  host issues them.
- [RING] Patarasuk & Yuan 2009 / NCCL: an all-to-all over n ranks sends (n−1)/n of each rank's
  buffer to the others.
- [DEEPEP] DeepSeek-AI, DeepEP (github.com/deepseek-ai/DeepEP, README, "normal kernels ... NVLink and
  RDMA forwarding") and [DSV3] §3.2.2: a token bound for several experts in one remote server crosses
  the network once, to its peer card there, and is forwarded over NVLink to the experts' cards; with
  node-limited routing a token reaches at most M servers (DeepSeek-V3: 4). Megatron-Core's flex
  dispatcher runs DeepEP or HybridEP, which send the same way ([MCORE]).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, and_, ceil, eq, if_, max_, min_
from xlcompute.core.compute import full_recompute_share, selective_recompute
from xlcompute.core.kernels import gemm_seconds, qkv_seconds
from xlcompute.core.memory import (
    activations_first_stage, activations_linear_layer, in_hbm, resident_blocks, zero_partitioned,
)
from xlcompute.core.comm import dp_bytes_per_step

__all__ = [
    "a2a_remote_servers",
    "DEFAULT_CAPACITY_FACTOR",
    "DUALPIPE_OVERLAP",
    "MCORE_A2A_OVERLAP",
    "MEGATRON_DROPLESS_SYNC_MS",
    "A2A_PASSES",
    "FP8_DEEPSEEK_OPTIMIZER_BYTES",
    "FP8_DEEPSEEK_GRAD_BYTES",
    "moe_layer_share",
    "later_stage_index",
    "dense_ffn_width",
    "active_expert_params_per_token",
    "mla_qkv_params",
    "mla_attn_width",
    "mla_kv_cache_bytes_per_token",
    "mtp_active_params",
    "training_active_params",
    "routed_tokens_per_card",
    "expert_gemm_seconds",
    "expert_forward_seconds",
    "attention_projection_seconds",
    "a2a_bytes_per_layer",
    "a2a_seconds_per_layer",
    "a2a_bytes_per_step",
    "a2a_exposed_seconds",
    "dispatch_gpu_seconds",
    "dispatch_sync_seconds",
    "expert_tp_size",
    "ep_span",
    "expert_data_parallel",
    "expert_params_per_card",
    "dense_params_per_card",
    "zero_partitioned_split",
    "dp_bytes_split",
    "expert_activation_bytes",
    "expert_states_after_zero",
    "mla_latent_width",
    "mla_recompute_saving",
    "mla_recompute_seconds",
    "linear_activations_with_experts",
    "stage_moe_layers",
    "dense_layer_extra_params",
    "stage_block_params",
    "stage_mean_layer",
    "stage_states_bytes",
    "later_stage_activations",
    "working_layer_bytes",
    "fp8_linear_peak",
]

#: Capacity / load-imbalance factor of the routed experts when none is given: 1.0, the capacity
#: factor of the DGX Cloud DeepSeek-V3 and Grok-1 recipes (NeMo MegatronTokenDropCallback,
#: moe_expert_capacity_factor 1.0, padded to capacity) and the lower end of Switch's 1.0-1.25
#: ([SWT] §2.2). Dropless force-balanced routing (Megatron-Bridge benchmarks) is also 1.0.
DEFAULT_CAPACITY_FACTOR = 1.0
#: Share of the expert all-to-all hidden under computation with DualPipe-style overlap: DeepSeek
#: report "a near-full computation-communication overlap" ([DSV3] §3.2.1); 0.9 is an assumption
#: for "near-full", not a measurement.
DUALPIPE_OVERLAP = 0.9
#: Share of the expert all-to-all hidden by Megatron-Core's own overlap (``overlap_moe_expert_parallel_comm``, the
#: recipes' ``moe_a2a_overlap``), which pairs one micro-batch's all-to-all with another's computation in the 1F1B
#: steady state. 0.6, chosen on the 24 held-out MoE rows of moe_runs_2.yaml .. moe_runs_9.yaml that turn it on (all
#: seen; −26 % signed with 0.9), declared before moe_runs_10.yaml existed and tested on it: its 6 overlap-on rows
#: 6.8 % with 0.6 against 13.6 % with 0.9, and its one published ON/OFF pair (Qwen3-30B-A3B, 16 H100, HybridEP; NVIDIA
#: Megatron-Bridge skill "HybridEP Production-Shape Benchmark", 2026-07-25) 0.841 against the published 0.849-0.853
#: (0.762 with 0.9). Not DeepSeek's DualPipe, which keeps :data:`DUALPIPE_OVERLAP`.
MCORE_A2A_OVERLAP = 0.6
#: Host time to issue the rest of a MoE layer's forward after Megatron-Core's dropless all-to-all
#: dispatcher has waited for the routing's token counts ([MCORE-SYNC]), in ms per MoE layer and
#: micro-batch; the GPU work issued in that time hides it (:func:`dispatch_sync_seconds`). Fitted
#: (fit_moe_sync, grid 0..12 ms step 0.25) on the 5 dropless all-to-all rows of moe_runs.yaml
#: (Megatron-Bridge 25.11, B200 and H100), calibration rows of it since: 7.5 (2026-12-02, seventh
#: session); 8.0 since the interleaved schedule's data-parallel windows (core.comm [MCORE-SCHED],
#: 2026-12-05, with the other constants refitted). Before that the whole wait was charged, fitted at 6.25 ms (6.0 between the cross-entropy
#: traffic term and Hopper's cuDNN attention efficiency).
#: 7.25 since Megatron-Core's all-to-all overlap counts as MCORE_A2A_OVERLAP, not 0.9, on the three overlap-on rows
#: among those five (2026-12-06, forty-first session).
MEGATRON_DROPLESS_SYNC_MS = 7.25
#: All-to-alls per MoE layer and micro-batch without recomputation: dispatch and combine in the
#: forward pass, and their transposes in the backward pass ([MCORE] token dispatcher).
A2A_PASSES = 4
#: Optimizer bytes per parameter of DeepSeek-V3's FP8 recipe: FP32 master weights (4) and the
#: two AdamW moments in BF16 (2 + 2) ([DSV3] §3.3.3 "we adopt the BF16 data format instead of FP32
#: to track the first and second moments in the AdamW optimizer ... the master weights ... are
#: still retained in FP32"). Mixed-precision Adam keeps 12 (ZeRO §3.1).
FP8_DEEPSEEK_OPTIMIZER_BYTES = 8.0
#: Gradient bytes per parameter of the same recipe: FP32 ([DSV3] §3.3.3 "the master weights (stored
#: by the optimizer) and gradients (used for batch size accumulation) are still retained in FP32");
#: seed 000's a = 2 counts them at the weights' BF16.
FP8_DEEPSEEK_GRAD_BYTES = 4.0


# -- architecture ---------------------------------------------------------------------------


def moe_layer_share(moe_layers: Value, layers: Value) -> Value:
    """Share of the transformer blocks that hold experts, ``L_moe / L`` (DeepSeek-V3: 58/61, the
    first 3 layers dense [DSV3] §4.2); 0 for a dense model."""
    return moe_layers / layers


def dense_ffn_width(
    ffn_hidden: Value, layers: Value, moe_layers: Value, shared_experts: Value, moe_ffn_hidden: Value
) -> Value:
    """Layer-average width of the MLPs every token runs through and TP splits like a dense MLP:
    the dense layers' MLP and the shared experts of the MoE layers,
    ``(f·(L − L_moe) + n_shared·f_e·L_moe) / L`` ([DSV3] §2.1.2: shared experts see every token).
    A dense model (``L_moe`` = 0) gives ``f``."""
    return (ffn_hidden * (layers - moe_layers) + shared_experts * moe_ffn_hidden * moe_layers) / layers


def active_expert_params_per_token(top_k: Value, shared_experts: Value, expert_params: Value) -> Value:
    """Expert weights a token multiplies in one MoE layer, ``(k + n_shared) · P_expert``: top-k
    routing activates k routed experts plus every shared expert ([DSV3] §2.1.2; Mixtral
    arXiv:2401.04088 §2: 2 of 8 experts, "13B active parameters")."""
    return (top_k + shared_experts) * expert_params


def mla_qkv_params(
    hidden: Value, heads: Value, q_lora_rank: Value, kv_lora_rank: Value, qk_nope_head_dim: Value,
    qk_rope_head_dim: Value, v_head_dim: Value,
) -> Value:
    """Query/key/value projection weights of one MLA layer (no norms): the query down- and
    up-projection ``h·d_c' + d_c'·n_h·(d_nope + d_rope)`` (full-rank ``h·n_h·(d_nope + d_rope)``
    when ``q_lora_rank`` = 0), the joint KV down-projection with the shared RoPE key
    ``h·(d_c + d_rope)`` and the KV up-projection ``d_c·n_h·(d_nope + d_v)`` ([DSV3] §2.1.1,
    eqs. 1-9). DeepSeek-V3: h 7168, d_c' 1536, d_c 512, 128 heads of 128 + 64, d_v 128."""
    qk = qk_nope_head_dim + qk_rope_head_dim
    q = if_(q_lora_rank > 0, hidden * q_lora_rank + q_lora_rank * heads * qk, hidden * heads * qk)
    kv = hidden * (kv_lora_rank + qk_rope_head_dim) + kv_lora_rank * heads * (qk_nope_head_dim + v_head_dim)
    return q + kv


def mla_attn_width(heads: Value, qk_nope_head_dim: Value, qk_rope_head_dim: Value, v_head_dim: Value) -> Value:
    """Attention-core width w of MLA for the 4·s·w FLOPs per token and layer: QKᵀ over the
    query/key head size (d_nope + d_rope) and attention × V over d_v, so
    ``w = n_h·(d_nope + d_rope + d_v)/2`` ([DSV3] §2.1.1; DeepSeek-V3: 128·(192 + 128)/2 = 20,480)."""
    return heads * (qk_nope_head_dim + qk_rope_head_dim + v_head_dim) / 2


def mla_kv_cache_bytes_per_token(
    layers: Value, kv_lora_rank: Value, qk_rope_head_dim: Value, bytes_per_value: Value
) -> Value:
    """KV-cache bytes per token of an MLA model: the latent ``d_c`` plus the decoupled RoPE key
    ``d_h^R`` per layer, ``L·(d_c + d_h^R)·bytes`` ([DSV2] §2.1.4, Table 1: (d_c + d_h^R)·l
    elements, "equal to GQA with only 2.25 groups"). DeepSeek-V3, BF16: 61·(512 + 64)·2 = 70,272 B."""
    return layers * (kv_lora_rank + qk_rope_head_dim) * bytes_per_value


def mtp_active_params(
    mtp_layers: Value, hidden: Value, vocab: Value, block_active_params: Value
) -> Value:
    """Per-token weights multiplied by the multi-token-prediction modules in training: each runs
    its 2h→h projection, one transformer block (its active experts) and the shared output head
    again, ``D·(2h² + P_block,active + V·h)`` ([DSV3] §2.2: "the output head is shared", eq. 21).
    Counted in the training FLOPs only; dropped at inference."""
    return mtp_layers * (2 * hidden * hidden + block_active_params + vocab * hidden)


def training_active_params(active_params: Value, mtp_params: Value) -> Value:
    """Weights a training token multiplies: the model's active parameters plus the MTP modules'
    (:func:`mtp_active_params`; 0 without MTP), the ``P`` of the training FLOPs (3·2·P·T)."""
    return active_params + mtp_params


# -- compute of the experts -------------------------------------------------------------------


def routed_tokens_per_card(tokens: Value, top_k: Value, capacity_factor: Value, tp: Value, etp: Value) -> Value:
    """Token-expert rows one card's routed experts process per MoE layer and micro-batch,
    ``tokens·k·c·etp/tp``: a micro-batch's tokens are split over the TP ranks by sequence
    parallelism, each routed to k experts, balanced over the EP ranks, and an expert-TP group of
    ``etp`` ranks works on the same rows ([MCORE]); ``c`` the capacity / load-imbalance factor
    ([GSH] §2.2, [SWT] §2.2: capacity = c × the balanced load)."""
    return tokens * top_k * capacity_factor * etp / tp


def expert_gemm_seconds(
    rows: Value, hidden: Value, moe_ffn_hidden: Value, gated: Value, experts: Value, ep: Value, etp: Value,
    peak_flops: Value, eff_max: Value, dim_half: Value, grouped_eff: Value,
) -> Value:
    """Forward time of one MoE layer's routed experts on a card: a grouped GEMM of ``rows`` rows
    through ``experts/ep`` local experts, 2·rows·h·(2 + g)·f_e/etp FLOPs, at the GEMM efficiency of
    its smallest dimension (rows per expert, f_e/etp, h) times ``grouped_eff`` (the grouped-GEMM
    and permutation overhead, calibrated) ([CAL23] efficiency curve in core.kernels; [MCORE]
    grouped GEMM)."""
    local_experts = max_(experts / ep, 1)
    per_expert = rows / local_experts
    width = moe_ffn_hidden / etp
    dim = max_(min_(per_expert, width, hidden), 1)
    flops_rows = rows * (2 + gated) * width
    return gemm_seconds(flops_rows, hidden, 1, dim, peak_flops, eff_max * grouped_eff, dim_half)


def expert_forward_seconds(moe_share: Value, expert_gemm: Value) -> Value:
    """Routed-expert forward time of the layer-average block: the MoE layers' share of the blocks
    × one MoE layer's expert time (0 for a dense model)."""
    return moe_share * expert_gemm


def attention_projection_seconds(
    tokens: Value, hidden: Value, heads: Value, kv_heads: Value, head_dim: Value, mla_params: Value, tp: Value,
    peak_flops: Value, eff_max: Value, dim_half: Value,
) -> Value:
    """Forward time of the query/key/value projections: MLA's low-rank projections
    (:func:`mla_qkv_params`, ``mla_params`` > 0; split over TP by heads, [DSV3] §2.1.1) or the
    fused QKV GEMM of ordinary attention (core.kernels.qkv_seconds)."""
    k_mla = mla_params / (hidden * tp)
    mla = gemm_seconds(tokens, hidden, k_mla, max_(min_(tokens, k_mla, hidden), 1), peak_flops, eff_max, dim_half)
    return if_(mla_params > 0, mla, qkv_seconds(tokens, hidden, heads, kv_heads, head_dim, tp, peak_flops, eff_max,
                                                dim_half))


# -- expert parallelism: all-to-all -----------------------------------------------------------


def expert_tp_size(etp: Value, tp: Value) -> Value:
    """Tensor-parallel size of the experts: the given ETP, or with 0 the layout's TP (Megatron-Core's
    default: expert_tensor_parallel_size follows tensor_model_parallel_size unless set, [MCORE])."""
    return if_(etp > 0, etp, tp)


def ep_span(ep: Value, etp: Value) -> Value:
    """Consecutive ranks one expert-parallel group spans, ``etp·ep`` ([MCORE] rank order
    tp-cp-ep-dp-pp with ETP in place of TP for the expert layers)."""
    return ep * etp


def a2a_bytes_per_layer(
    tokens: Value, top_k: Value, capacity_factor: Value, hidden: Value, tp: Value, ep: Value, act_bytes: Value
) -> Value:
    """Bytes a card sends in one all-to-all (dispatch or combine) of one MoE layer and micro-batch:
    its ``tokens/tp`` tokens (sequence parallel) × k expert copies × c × h values, of which
    (ep − 1)/ep leave the card ([MCORE] alltoall dispatcher; [RING]); 0 without EP."""
    return tokens / tp * top_k * capacity_factor * hidden * act_bytes * (ep - 1) / ep


def a2a_remote_servers(top_k: Value, servers: Value, expert_groups: Value, group_limit: Value) -> Value:
    """Expected number of other servers one token's k routed experts sit in, when the EP group spans
    N servers with the experts spread evenly ([DEEPEP]): the k experts fall in C = N candidate servers,
    C(1 − (1 − 1/C)^k) of them distinct (each expert independently uniform over C, an approximation
    of k distinct experts), of which (N − 1)/N are another server. With group-limited routing (HF
    config ``n_group`` G, ``topk_group`` g; DeepSeek-V3: 8 and 4) the experts lie in g of the G
    groups, each holding N/G servers when N ≥ G, so C = min(N, g·max(N/G, 1)). 0 within a server."""
    c = if_(and_(expert_groups > 0, group_limit > 0),
            min_(servers, group_limit * max_(servers / max_(expert_groups, 1), 1)), servers)
    c = max_(c, 1)
    distinct = c * (1 - (1 - 1 / c) ** top_k)
    return if_(servers > 1, distinct * (servers - 1) / max_(servers, 1), 0)


def a2a_seconds_per_layer(
    a2a_bytes: Value, ep: Value, etp: Value, cards_per_node: Value, intra_bytes_per_s: Value, intra_eff: Value,
    inter_bytes_per_s: Value, inter_eff: Value, a2a_eff: Value, latency: Value, recompute: Value,
    dedup: Value = 0, top_k: Value = 1, expert_groups: Value = 0, group_limit: Value = 0,
) -> Value:
    """All-to-all time of one MoE layer and micro-batch on a card, forward and backward
    (:data:`A2A_PASSES`, plus the forward's two again with full recomputation).

    Inside one server (span ``etp·ep`` ≤ cards per node) the bytes go over NVLink/HCCS; beyond it
    the share of peers in other servers, ``(ep − ep_node)/(ep − 1)`` with ``ep_node`` = node/etp
    EP ranks per server, goes over the card's scale-out NIC and the rest over the server's link,
    the slower of the two setting the pace. ``a2a_eff`` (calibrated) is the share of each link's
    collective bandwidth an all-to-all of small messages reaches.

    ``dedup`` 1: a deduplicating dispatcher (DeepEP, HybridEP; [DEEPEP]) sends each token once to
    every other server holding one of its experts, :func:`a2a_remote_servers` copies instead of the
    k·(ep − 1)/ep·off-node copies of a plain all-to-all, and every copy crosses NVLink once (sent
    inside the server or forwarded there). ``a2a_bytes`` is the plain all-to-all's (k copies), so one
    token's bytes are a2a_bytes / (k·(ep − 1)/ep).
    """
    passes = A2A_PASSES + 2 * full_recompute_share(recompute)
    span = ep_span(ep, etp)
    ep_node = max_(min_(cards_per_node / etp, ep), 1)
    off_node = if_(span <= cards_per_node, 0, (ep - ep_node) / max_(ep - 1, 1))
    intra = a2a_bytes * (1 - off_node) / (intra_bytes_per_s * intra_eff * a2a_eff)
    inter = a2a_bytes * off_node / (inter_bytes_per_s * inter_eff * a2a_eff)
    token_bytes = a2a_bytes / max_(top_k * (ep - 1) / max_(ep, 1), 1e-30)
    remote = a2a_remote_servers(top_k, span / cards_per_node, expert_groups, group_limit)
    sent_once = and_(dedup > 0, span > cards_per_node)
    intra = if_(sent_once, a2a_bytes / (intra_bytes_per_s * intra_eff * a2a_eff), intra)
    inter = if_(sent_once, token_bytes * remote / (inter_bytes_per_s * inter_eff * a2a_eff), inter)
    one = max_(intra, inter) + latency
    return if_(ep > 1, passes * one, 0)


def a2a_bytes_per_step(
    a2a_bytes: Value, moe_share: Value, layers_on_stage: Value, microbatches: Value, recompute: Value
) -> Value:
    """All-to-all bytes a card sends per optimizer step: each MoE layer's dispatch and combine,
    forward and backward (:data:`A2A_PASSES`, two more with full recomputation), over the stage's
    MoE layers and the step's micro-batches ([MCORE] alltoall dispatcher)."""
    passes = A2A_PASSES + 2 * full_recompute_share(recompute)
    return a2a_bytes * passes * moe_share * layers_on_stage * microbatches


def a2a_exposed_seconds(moe_share: Value, a2a_seconds: Value, overlap: Value) -> Value:
    """All-to-all time the layer-average block waits for: the MoE layers' share × what overlap
    does not hide, ``(1 − overlap)`` (0 = no overlap; DeepSeek's DualPipe ≈ :data:`DUALPIPE_OVERLAP`,
    [DSV3] §3.2.1; Megatron-Core's own all-to-all overlap ≈ :data:`MCORE_A2A_OVERLAP`, fitted on published
    Megatron-Bridge rows)."""
    return moe_share * a2a_seconds * (1 - overlap)


def dispatch_gpu_seconds(expert_layer_seconds: Value, a2a_seconds: Value, recompute: Value) -> Value:
    """GPU work one MoE layer's forward issues after its dispatch waits on the host: the dispatch and
    combine all-to-alls of the forward (2 of :func:`a2a_seconds_per_layer`'s passes) and the routed
    experts' GEMMs ([MCORE-SYNC]: the split sizes the all-to-all needs are what the host waits for)."""
    passes = A2A_PASSES + 2 * full_recompute_share(recompute)
    return expert_layer_seconds + a2a_seconds * 2 / passes


def dispatch_sync_seconds(moe_share: Value, sync_seconds: Value, gpu_seconds: Value, recompute: Value) -> Value:
    """Time the layer-average block loses to its token dispatch's wait on the host, per micro-batch.

    The host blocks until the GPU has the routing's token counts, so the GPU's queue runs dry; the
    host then takes ``sync_seconds`` to issue the rest of the layer's forward, of which the GPU has
    ``gpu_seconds`` to run (:func:`dispatch_gpu_seconds`). The GPU idles for the difference, never
    less than 0: a host that issues faster than the GPU computes costs nothing once the queue has
    filled again ([MCORE-SYNC]: the wait is a host synchronisation, not GPU work).
    The MoE layers' share of it, twice with full recomputation, which runs the forward again; the
    backward reuses the forward's split sizes. 0 for a dispatcher that does not wait (drop-and-pad,
    or one built not to)."""
    stall = max_(sync_seconds - gpu_seconds, 0)
    return moe_share * stall * (1 + full_recompute_share(recompute))


# -- memory: expert states partitioned over EP ------------------------------------------------


def expert_data_parallel(dp: Value, cp: Value, tp: Value, ep: Value, etp: Value) -> Value:
    """Expert data-parallel size, ``EDP = tp·cp·dp / (etp·ep)``: the replicas of one expert, over
    which its gradients are reduced and ZeRO partitions its states ([MCORE] parallel folding)."""
    return tp * cp * dp / (etp * ep)


def expert_params_per_card(
    expert_params: Value, moe_layers: Value, layers_on_stage: Value, ep: Value, etp: Value
) -> Value:
    """Routed-expert weights one card of a stage holds: the routed experts of the stage's MoE
    layers (``layers_on_stage`` of them, at most ``L_moe``; :func:`stage_moe_layers`) split over
    ``ep·etp`` ranks ([MCORE]: each EP rank holds experts/ep experts, each split over ETP). 0 for a
    dense model."""
    per_layer = if_(moe_layers > 0, expert_params / max_(moe_layers, 1), 0)
    return per_layer * min_(layers_on_stage, moe_layers) / (ep * etp)


def dense_params_per_card(stage_params: Value, tp: Value, expert_params_card: Value) -> Value:
    """Weights one card holds: the stage's non-expert weights split by TP plus its routed-expert
    share (:func:`expert_params_per_card`)."""
    return stage_params / tp + expert_params_card


def zero_partitioned_split(
    full_bytes: Value, expert_bytes: Value, stage: Value, from_stage: Value, dp: Value, edp: Value
) -> Value:
    """A model state under ZeRO with experts: the non-expert part split over the data-parallel
    group ``dp``, the expert part over the expert data-parallel group ``edp``
    (core.memory.zero_partitioned; [MCORE] distributed optimizer over EDP for experts)."""
    return (zero_partitioned(full_bytes - expert_bytes, stage, from_stage, dp)
            + zero_partitioned(expert_bytes, stage, from_stage, edp))


def expert_states_after_zero(
    weights_full: Value, grads_full: Value, optimizer_full: Value, stage: Value, edp: Value
) -> Value:
    """The routed experts' weights, gradients and optimizer states one card holds after ZeRO: each split over the
    expert data-parallel group ``edp`` from its stage on (3, 2 and 1; core.memory.zero_partitioned; [MCORE]
    distributed optimizer over EDP for experts), the expert part of :func:`zero_partitioned_split`'s three states,
    before any offload."""
    return (zero_partitioned(weights_full, stage, 3, edp) + zero_partitioned(grads_full, stage, 2, edp)
            + zero_partitioned(optimizer_full, stage, 1, edp))


def dp_bytes_split(
    full_bytes: Value, expert_bytes: Value, dp: Value, edp: Value, microbatches: Value, stage: Value
) -> Value:
    """Data-parallel bytes per card and step with experts: the non-expert gradients reduced over
    ``dp``, the expert gradients over ``edp`` (core.comm.dp_bytes_per_step each; [MCORE])."""
    dense = full_bytes - expert_bytes
    return dp_bytes_per_step(dense, dense, dp, microbatches, stage) + expert_dp_bytes(expert_bytes, edp, microbatches, stage)


def expert_dp_bytes(expert_bytes: Value, edp: Value, microbatches: Value, stage: Value) -> Value:
    """The expert gradients' share of :func:`dp_bytes_split`: reduced over ``edp`` ([MCORE])."""
    return dp_bytes_per_step(expert_bytes, expert_bytes, edp, microbatches, stage)


def expert_activation_bytes(
    rows: Value, hidden: Value, moe_ffn_hidden: Value, gated: Value, etp: Value, moe_share: Value,
    precision_ratio: Value = 1,
) -> Value:
    """Activation bytes the routed experts of the layer-average block store per micro-batch on a
    card: the dispatched input rows (2·rows·h at 16 bits; 1·rows·h in FP8 training, which keeps the
    FP8 cast of a linear layer's input for its backward: [DSV3] §3.3.3, Transformer Engine) and
    the expert MLP activations 2·rows·f_e·(2 + g)/etp (as the dense MLP of
    core.memory.activations_linear_layer), × the MoE layers' share ([MCORE]; Korthikanti et al.
    2022 §4.1 for the MLP terms). ``precision_ratio`` > 1 means FP8 (the estimate's peak ratio),
    trained as DeepSeek-V3's recipe: the activation's inputs, (1 + g)·f_e per row, kept in FP8 and
    its output recomputed in the backward pass, rows·f_e·(1 + g)/etp ([DSV3] §3.3.3 "we cache the
    inputs of the SwiGLU operator and recompute its output ... also stored in FP8")."""
    input_bytes = if_(precision_ratio > 1, 1, 2)
    mlp_bytes = if_(precision_ratio > 1, rows * moe_ffn_hidden * (1 + gated), 2 * rows * moe_ffn_hidden * (2 + gated))
    return moe_share * (input_bytes * rows * hidden + mlp_bytes / etp)


def mla_latent_width(q_lora_rank: Value, kv_lora_rank: Value, qk_rope_head_dim: Value) -> Value:
    """Width of what an MLA layer keeps per token when its up-projections are recomputed: the query
    latent c_Q, the key/value latent c_KV and the decoupled RoPE key ([DSV3] §2.1.1: 1,536 + 512 +
    64 = 2,112 for DeepSeek-V3); 0 for other attention."""
    return if_(kv_lora_rank > 0, q_lora_rank + kv_lora_rank + qk_rope_head_dim, 0)


def mla_recompute_saving(
    seq_len: Value, micro_batch: Value, heads: Value, kv_heads: Value, head_dim: Value, latent_width: Value,
    tp: Value, sp: Value, recompute: Value,
) -> Value:
    """Activation bytes per layer and micro-batch that selective recomputation of the MLA
    up-projections does not keep ([DSV3] §3.2.3 "Recomputation of RMSNorm and MLA Up-Projection";
    Megatron-Core ``--recompute-modules mla_up_proj``): the query 2·s·b·n_h·d and the keys and
    values 4·s·b·n_kv·d of core.memory.activations_linear_layer (÷ tp) give way to the latents
    2·s·b·w_latent, which the replicated down-projections hold on every TP card (÷ tp only with
    sequence parallelism). 0 without MLA or without selective recomputation."""
    sb = seq_len * micro_batch
    up = (2 * sb * heads * head_dim + 4 * sb * kv_heads * head_dim) / tp
    latents = 2 * sb * latent_width * if_(sp, 1 / tp, 1)
    return if_(and_(selective_recompute(recompute), latent_width > 0), max_(up - latents, 0), 0)


def mla_recompute_seconds(qkv_s: Value, latent_width: Value, recompute: Value) -> Value:
    """Time the MLA up-projection recomputation adds per layer and micro-batch: at most the attention
    projections' forward (qkv_seconds; it also counts the down-projections, about a fifth of
    DeepSeek-V3's projection weights, which are not recomputed: an upper bound) ([DSV3] §3.2.3)."""
    return if_(and_(selective_recompute(recompute), latent_width > 0), qkv_s, 0)


def linear_activations_with_experts(
    seq_len: Value, micro_batch: Value, hidden: Value, heads: Value, kv_heads: Value, head_dim: Value,
    ffn_hidden: Value, gated: Value, tp: Value, sp: Value, expert_bytes: Value,
) -> Value:
    """Activation bytes of the layer-average block without scores: the dense layer's
    (core.memory.activations_linear_layer, with the shared-expert / dense MLP width) plus the
    routed experts' (:func:`expert_activation_bytes`, 0 for a dense model)."""
    return activations_linear_layer(seq_len, micro_batch, hidden, heads, kv_heads, head_dim, ffn_hidden, gated, tp,
                                    sp) + expert_bytes


# -- memory per pipeline stage: dense layers first, MoE layers after ------------------------------
# [KOR22] Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models",
# arXiv:2205.05198 §4.2.3: with 1F1B stage i keeps p − i micro-batches in flight, the first stage p.
# [DSV3] §4.2: the first three of DeepSeek-V3's 61 layers are dense (DeepSeek-V2 arXiv:2405.04434
# §3.1.1: the first one of 60); Megatron-Core / Hugging Face ``first_k_dense_replace``: the dense
# layers are the first ones. Megatron-LM places the embedding on the first stage, the output head
# on the last (Narayanan et al. 2021 §2.2).


def later_stage_index(layers: Value, moe_layers: Value, layers_per_stage: Value, first: Value = 0,
                      pp: Value = 0) -> Value:
    """The later pipeline stage whose memory is checked beside the first's, counted from 0: the
    second (1), which keeps the most micro-batches in flight after the first (Korthikanti et al.
    2022 §4.2.3), unless the dense layers ([DSV3] §4.2, ``first_k_dense_replace``) fill it too; then
    the first stage that starts after them, ``⌈(L − L_moe)/n⌉``, which holds the most expert
    weights, at most the last stage, ``⌈L/n⌉ − 1``, with n = ⌈L/p⌉ layers per stage. DeepSeek-V3
    on 61 stages of one layer: stage 3, its first MoE layer (the second stage holds a dense
    layer, and an 11.3B-parameter MoE layer went unchecked). 1 for a dense model. With a
    first-stage split (``first`` layers on stage 0, n on each later one; core.parallel.even_stage_layers)
    stage i ≥ 1 starts at layer f + (i − 1)·n, and ``pp`` (when given) caps the index at the last stage."""
    n = layers_per_stage
    f = if_(first > 0, first, n)
    first_moe_stage = 1 + ceil(max_(layers - moe_layers - f, 0) / n)
    last_index = ceil((layers - f) / n)
    return if_(moe_layers > 0, max_(1, min_(first_moe_stage, if_(pp > 0, min_(last_index, pp - 1), last_index))), 1)


def stage_moe_layers(layers: Value, moe_layers: Value, layers_before: Value, layers_on_stage: Value) -> Value:
    """MoE layers on a pipeline stage that starts after ``layers_before`` layers and holds
    ``layers_on_stage``, the ``L − L_moe`` dense layers being the first ones ([DSV3] §4.2,
    ``first_k_dense_replace``): ``max(0, min(before + n, L) − max(before, L − L_moe))``.
    DeepSeek-V3 on 8 stages of ⌈61/8⌉ = 8: the first holds 3 dense + 5 MoE layers, the second 8 MoE.
    0 for a dense model."""
    return max_(0, min_(layers_before + layers_on_stage, layers) - max_(layers_before, layers - moe_layers))


def dense_layer_extra_params(
    hidden: Value, ffn_hidden: Value, gated: Value, shared_experts: Value, moe_ffn_hidden: Value, experts: Value
) -> Value:
    """Non-expert weights a dense layer holds beyond an MoE layer's: its MLP ``h·f·(2 + g)`` less the
    shared experts ``n_shared·h·f_e·(2 + g)`` and the router ``h·E`` the MoE layer holds instead
    (the routed experts are counted apart, :func:`expert_params_per_card`) ([DSV3] §2.1.2;
    DeepSeek-V3: 7168·(3·18,432 − 3·2,048 − 256) = 350.5 M)."""
    return hidden * ((2 + gated) * (ffn_hidden - shared_experts * moe_ffn_hidden) - experts)


def stage_block_params(
    block: Value, layers_on_stage: Value, moe_on_stage: Value, layers: Value, moe_layers: Value, dense_extra: Value
) -> Value:
    """Non-expert block weights of a stage with ``moe_on_stage`` MoE layers and the rest dense:
    ``n·b̄ + (n_dense − n·L_dense/L)·Δ`` with ``b̄`` the layer-average block (core.params.block_params)
    and Δ :func:`dense_layer_extra_params` (an MoE layer holds ``b̄ − Δ·L_dense/L``, a dense one Δ
    more). A dense model (every layer dense) gives ``n·b̄``."""
    dense_on_stage = layers_on_stage - moe_on_stage
    return block * layers_on_stage + (dense_on_stage - layers_on_stage * ((layers - moe_layers) / layers)) * dense_extra


def stage_mean_layer(dense_value: Value, moe_value: Value, layers_on_stage: Value, moe_on_stage: Value) -> Value:
    """Mean over a stage's layers of a per-layer quantity that differs between dense and MoE layers
    (activation bytes): ``x_dense + (x_moe − x_dense)·n_moe/n``; ``x_dense`` without MoE layers."""
    return dense_value + (moe_value - dense_value) * moe_on_stage / max_(layers_on_stage, 1)


def working_layer_bytes(dense_linear: Value, moe_linear: Value, score: Value) -> Value:
    """Activation bytes full recomputation rebuilds at once, one layer's (Korthikanti et al. 2022
    §5; core.memory.activations_first_stage): the larger of a dense and an MoE layer (its routed
    rows included) plus the scores. A dense model gives its one layer kind."""
    return max_(dense_linear, moe_linear) + score


def stage_states_bytes(
    params_card: Value, expert_params_card: Value, param_bytes: Value, grad_bytes: Value, optimizer_bytes: Value,
    zero_stage: Value, dp: Value, edp: Value, layers_on_stage: Value, offload_weights: Value, offload_optimizer: Value,
) -> Value:
    """Weights, gradients and optimizer states one card of a stage keeps in HBM: the same steps as
    the first stage's (ZeRO over ``dp`` for the non-expert part and over ``edp`` for the experts,
    :func:`zero_partitioned_split`; weight offload keeps two blocks, core.memory.resident_blocks;
    offloaded optimizer states leave HBM, core.memory.in_hbm)."""
    weights_full = params_card * param_bytes
    expert_full = expert_params_card * param_bytes
    weights = zero_partitioned_split(weights_full, expert_full, zero_stage, 3, dp, edp)
    grads = zero_partitioned_split(params_card * grad_bytes, expert_params_card * grad_bytes, zero_stage, 2, dp, edp)
    optimizer = zero_partitioned_split(params_card * optimizer_bytes, expert_params_card * optimizer_bytes,
                                       zero_stage, 1, dp, edp)
    blocks = max_(layers_on_stage, 1)
    return (resident_blocks(weights, blocks, offload_weights)
            + resident_blocks(grads, blocks, offload_weights) + in_hbm(optimizer, offload_optimizer))


def later_stage_activations(
    stored_layer: Value, layers_on_stage: Value, pp: Value, microbatches: Value, interleave: Value,
    working_layer: Value, recompute: Value, offload: Value, index: Value = 1,
) -> Value:
    """Activation bytes of later pipeline stage ``index`` (:func:`later_stage_index`; the second,
    the fullest after the first, by default): 1F1B keeps ``min(p − i, m)`` micro-batches in flight
    on stage i ([KOR22] §4.2.3), the rest as core.memory.activations_first_stage. Like the first
    stage of a pipeline it is counted without the output head's fp32 logits (the last stage's, one
    micro-batch; not modelled, as before). With one stage there is none (0 layers)."""
    return activations_first_stage(stored_layer, layers_on_stage, max_(pp - index, 1), microbatches, interleave,
                                   working_layer, recompute, 0, offload)


# -- FP8 --------------------------------------------------------------------------------------


def fp8_linear_peak(bf16_peak: Value, precision_ratio: Value, fp8_eff: Value) -> Value:
    """Peak the linear-layer GEMMs run against: the BF16 peak times the share ``fp8_eff``
    (calibrated) of the FP8/BF16 peak ratio they realise, ``peak·(1 + (r − 1)·e)``. Only the
    linear layers (QKV, projection, MLP, experts) run in FP8; attention, the output head, the
    router and the norms stay in BF16/FP32 ([DSV3] §3.3.1; Transformer Engine fp8_autocast).
    ``r`` = 1 (BF16 training) gives the BF16 peak."""
    return bf16_peak * (1 + (precision_ratio - 1) * fp8_eff)
