"""Inference step model: prefill, decode, KV-cache budget, continuous batching, serving cost.

One formula per function, in SI units; every function evaluates numbers, NumPy arrays (the
serving sizer and the validation fit run them over arrays of layouts and constants) and cell
references (the workbook's Serving sheet).

Sources
- [POPE] Pope et al. 2022, "Efficiently Scaling Transformer Inference", arXiv:2211.05102, §2:
  a decode step reads every weight and the whole KV cache once; it is memory-bound until the batch
  is large, then compute-bound at 2·P FLOPs per token; KV cache 2·L·kv_heads·head_dim per token;
  tensor parallelism splits weights, FLOPs and the KV heads over the cards with two all-reduces of
  the layer's activations per layer (§3.2, Megatron layout).
- [ROOF] Yuan et al. 2024, "LLM Inference Unveiled: Survey and Roofline Model Insights",
  arXiv:2402.16363, §2-3: the time of each operator = max(FLOPs / achieved FLOP/s, bytes / achieved
  bandwidth) (roofline), and a layer's time is the sum over its operators; prefill is
  compute-bound, decode memory-bound at small batch. A decode step runs its weight GEMMs and its
  attention over the KV cache as separate kernels, one after the other, so at a large batch the
  GEMMs are compute-bound while the attention stays bound by the KV-cache reads.
- [KAPLAN] Kaplan et al. 2020, arXiv:2001.08361, Table 1: forward FLOPs per token 2·N +
  2·n_layer·n_ctx·d_attn; with a causal mask the attention of n prompt tokens sums to 2·L·n²·d_attn
  (token i attends i positions: QKᵀ and AV, 2 FLOPs per multiply-add each).
- [VLLM] Kwon et al. 2023, "Efficient Memory Management for LLM Serving with PagedAttention",
  arXiv:2309.06180, §3-4: the HBM left after the weights (and a reserve) holds the KV cache, which
  caps the sequences in flight; continuous (iteration-level) batching, Yu et al. 2022 (Orca, OSDI):
  a prompt's prefill runs as its own iteration and stalls the decodes of the batch.
- [GQA] Ainslie et al. 2023, arXiv:2305.13245: kv_heads < heads shrink the cache; when tp exceeds
  kv_heads each card keeps a copy of one KV head (TensorRT-LLM and vLLM replicate KV heads).
- [XQA] NVIDIA TensorRT-LLM blogs: "Falcon-180B on a single H200 GPU ... and 6.7x faster Llama-70B"
  (docs/source/blogs/Falcon180B-H200.md: GQA kernels of the generation phase improved "up to 2.4x
  ... over TensorRT-LLM v0.5", measured v0.7a vs v0.6a, "included in the v0.7 & v0.8 releases")
  and "New XQA-kernel provides 2.4x more Llama-70B throughput" (XQA-kernel.md): a decode-attention
  kernel that loads each KV head once for its group of query heads. Before it the masked
  multi-head attention kernel ran one block per query head, each reading its KV head.
- [MLA] DeepSeek-AI 2024, "DeepSeek-V2", arXiv:2405.04434, §2.1.3: multi-head latent attention
  caches (d_c + d_h^R) values per token and layer (compressed latent plus the decoupled RoPE key).
- [QUANT] Frantar et al. 2022 (GPTQ, arXiv:2210.17323) and Lin et al. 2023 (AWQ, arXiv:2306.00978):
  group-wise weight-only quantisation stores b/8 bytes per weight plus a scale and a zero point per
  group; gpt-fast keeps both as bf16 (4 bytes per group of 32: 0.625 bytes per INT4 weight).
- [DEQUANT] Frantar, Castro, Chen, Hoefler, Alistarh 2024, "MARLIN: Mixed-Precision Auto-Regressive
  Parallel Inference on Large Language Models", arXiv:2408.11743, §1 and §3: a weight-only quantised
  matmul reads b-bit weights but must unpack, scale and convert each one to 16 bits before the tensor
  cores use it; that work in the inner loop keeps most kernels well short of the b/16 share of the
  16-bit kernel's time the smaller reads promise (Marlin, built to hide it, comes close to 4x at
  batch 1-32; earlier kernels do not). The model charges c vector operations per weight that the
  reads do not hide (:func:`dequant_efficiency`); c is fitted on published batch-1 decode timings
  (serving_model.ServingConstants.dequant_ops_per_weight), the card's FP32 vector peak is its
  datasheet's.
- [MOE] Rajbhandari et al. 2022, "DeepSpeed-MoE", arXiv:2201.05596, §5: every expert stays in
  memory, a token computes with its top-k experts only; a decode step reads the weights of the
  experts its batch routes to. With uniform routing, B tokens choosing k of E experts touch
  E·(1 − (1 − k/E)^B) experts on average (the expected count of distinct draws).
- [MCORE] Megatron-Core MoE (NVIDIA/Megatron-LM megatron/core/transformer/moe/README.md): the
  routed experts run as grouped GEMMs after a token permutation; the training model charges them
  its calibrated grouped-GEMM efficiency (core.moe.expert_gemm_seconds), and so does serving.
- [MD1] Pollaczek–Khinchine formula (Kleinrock 1975, Queueing Systems I, §5.7): mean wait of an
  M/D/1 queue ρ·s / (2(1 − ρ)) for service time s and load ρ < 1 (prompts queue for the prefill).
- [DIST] Zhong et al. 2024, "DistServe", arXiv:2401.09670, §2-3: prefill and decode on separate
  replicas remove the prefill stalls from the decode batch; the KV cache moves once per request.
- [MEG21] Narayanan et al., SC'21 §2.2: pipeline stages pass each micro-batch's activations
  (tokens·h values) to the next stage; in serving the batch is split into pp micro-batches so every
  stage stays busy, each stage reading its weights once per micro-batch (vLLM / TensorRT-LLM pipeline
  parallel serving).
- [CUDAGRAPH] Fixed host-side cost per pass: a prefill launches each layer's kernels from the
  host (one launch and synchronisation cost per layer); production runtimes capture the decode step
  in a CUDA graph, replayed with one launch for the whole step, so the decode step's per-layer fixed
  cost is far smaller. NVIDIA CUDA C++ Programming Guide §3.2.8.7 "CUDA Graphs" (a graph is launched
  as one unit, removing per-kernel launch overhead); vLLM docs, engine argument ``enforce_eager``
  ("CUDA graph ... for decoding", captured for the decode batch sizes, prefill runs eagerly);
  TensorRT-LLM docs, ``cuda_graph_mode`` / ``CudaGraphConfig`` (generation-phase CUDA graphs);
  SGLang docs, server argument ``cuda_graph_max_bs`` (CUDA graphs for decode batches up to that size,
  ``disable_cuda_graph``). The two costs are separate constants: the prefill's is fitted on the
  calibration TTFT rows, the decode step's fixed at 0 per layer from these docs (the calibration
  cannot identify it). Caveat: older runtimes decoded without graphs (TensorRT-LLM's in-flight
  batching did not support them in late 2023, NVIDIA/TensorRT-LLM issue #402; its gptSessionBenchmark
  had an opt-in flag).
- [SARATHI] Agrawal et al. 2024, "Taming Throughput-Latency Tradeoff in LLM Inference with
  Sarathi-Serve", arXiv:2403.02310, §3-4, and TensorRT-LLM's in-flight batching with chunked context
  (docs: ``--enable_chunked_context``, ``max_num_tokens``): prompt chunks ride in the decode
  iterations ("piggybacking"), so an iteration reads the weights once for its decodes and its
  prompt tokens together, and at most ``max_num_tokens`` tokens run per iteration. In a saturated
  steady state each of the B sequences in flight ends after o iterations, so B/o prompts start per
  iteration; with a budget T the batch cannot exceed T·o/(n + o) (its decodes plus its share of
  prompt tokens fill the budget).
- [TRTKV] TensorRT-LLM ``KvCacheConfig.free_gpu_memory_fraction`` (runtime flag
  ``--kv_cache_free_gpu_mem_fraction``, default 0.9): the KV cache takes that share of the memory
  free after the engine's weights and activations are allocated, per card.
- [W8A8] Xiao et al. 2023, "SmoothQuant", arXiv:2211.10438, §3-4: INT8 weights (per channel) and
  activations (per token) after migrating the activations' outliers into the weights, so every linear
  layer runs as an INT8 GEMM on the tensor cores' INT8 path (twice the 16-bit rate on A100, H100 and
  Ascend); weights are read as stored (1 byte each), no dequantisation pass. The serving model runs
  these GEMMs at the card's dense INT8 peak (catalog int8_tops) and, with no INT8 row to fit on, at the
  share of peak the FP8 GEMMs reach (an assumption: both are 8-bit tensor-core GEMMs at twice the
  16-bit rate).
- [V0HOST] Host work between steps: vLLM's engine before v0.6.0 ran each iteration's host work
  (the sampled tokens' GPU→CPU copy, building the outputs, scheduling, preparing the next inputs)
  between GPU steps, not under them. vLLM RFC #6854 "Multi-Step Scheduling" (2024-07-26): "GPU is
  often idle, waiting for CPU operations (5-13ms of GPU bubble)", "about 4ms of GPU bubble" per
  decode in the profile it shows (Llama 3 8B, one H100). v0.6.0 (vLLM blog 2024-09-05, "vLLM v0.6.0:
  2.7x Throughput Improvement and 5x Latency Reduction") overlapped the output processing with the
  next step (asynchronous output processor, RFC #6913) and amortised the scheduling (multi-step,
  PR #7000); runtimes whose host work overlaps the GPU are charged nothing.
- [MARLINMOE] vLLM's first Marlin MoE kernel for weight-only quantised experts (vllm-project/vllm
  PR #8217, "Fused MoE Marlin support for GPTQ", 2024-09-05, in v0.6.1; csrc/moe/marlin_moe_ops.cu,
  ``marlin_mm_moe``): the host loops over every expert of the layer and launches one Marlin GEMM per
  expert, for each of the layer's two GEMMs (gate-up, then down); the expert's token offsets are
  computed on the GPU, so the host cannot skip an expert no token chose, and that kernel finds no
  rows and returns. A decode step of a model with E experts therefore runs 2·E kernels per MoE layer
  however few experts its batch routes to. vLLM moved models with many experts to a single
  ``moe_wna16`` kernel by default in v0.7.3 (PR #13236, 2025-02-13) and replaced the kernel with one
  that runs all experts' blocks in one launch in v0.8.0 (PR #14447, "moe wna16 marlin kernel",
  2025-03-07: the old one "fails to fully leverage ... the marlin kernel (especially when the number
  of experts is large)"). SGLang took its GPTQ-Marlin MoE method from the installed vLLM; the Qwen3
  speed benchmark prints SGLang 0.4.6.post1 with "vLLM 0.7.2 (Required by SGLang for AWQ
  quantization)". The time of a kernel that returns at once is fitted (ServingConstants
  .expert_kernel_s, post hoc on serving_runs_21.yaml's GPTQ-INT4 MoE rows).
- [SEED] Seed 000 eq. (11), n = U·C/(X·t_c): kept as :func:`xlcompute.core.serving.infer_cards_seed`.
"""

from __future__ import annotations

from xlcompute.core.comm import allreduce_bytes_per_card
from xlcompute.core.expr import Value, ceil, floor, if_, max_, min_
from xlcompute.core.moe import mla_kv_cache_bytes_per_token
from xlcompute.core.units import SECONDS_PER_HOUR

__all__ = [
    "quantized_bytes_per_weight",
    "kv_bytes_per_token",
    "kv_heads_per_card",
    "kv_cache_budget_bytes",
    "max_sequences",
    "moe_experts_touched",
    "moe_weight_bytes_read",
    "routed_active_params",
    "model_gemm_efficiency",
    "prefill_flops",
    "decode_flops",
    "decode_bytes",
    "decode_attention_flops",
    "decode_kv_bytes",
    "roofline_seconds",
    "decode_step_seconds",
    "weight_read_efficiency",
    "card_efficiency",
    "dequant_efficiency",
    "expert_loop_layer_seconds",
    "fp32_scaled_by_bandwidth",
    "tp_allreduce_seconds_per_pass",
    "forward_seconds",
    "static_batch_seconds",
    "serial_host_seconds",
    "cycle_seconds",
    "requests_per_s",
    "output_tokens_per_s",
    "time_per_output_token",
    "median_time_per_output_token",
    "prefill_wait_seconds",
    "time_to_first_token",
    "replicas_for_rate",
    "cost_per_million_tokens",
    "kv_heads_per_replica",
    "kv_reads_per_step",
    "mean_decode_context",
    "prefill_replicas",
    "prefill_queue_servers",
    "iteration_in_flight",
    "capacity_tokens_per_s",
    "per_card",
    "pp_p2p_seconds",
    "kv_bytes_per_token_replica",
    "batch_in_flight",
    "kv_cache_budget_after_weights",
    "prompts_per_iteration",
    "token_budget_batch",
    "mixed_iteration_share",
    "mixed_layer_overhead_seconds",
    "ACTIVATION_BYTES_INFER",
]

ACTIVATION_BYTES_INFER = 2
"""Bytes of one activation value exchanged by the TP all-reduces (16-bit, also in FP8 engines:
TensorRT-LLM keeps the residual stream in FP16/BF16)."""


def quantized_bytes_per_weight(bits: Value, group_size: Value, scale_bytes_per_group: Value) -> Value:
    """Bytes per stored weight, b/8 + s/g: b-bit values plus s bytes of scale and zero point per
    group of g weights [QUANT]. ``group_size`` 0 means per-channel scales (negligible): b/8."""
    return bits / 8 + if_(group_size > 0, scale_bytes_per_group / max_(group_size, 1), 0)


def kv_bytes_per_token(layers: Value, kv_heads: Value, head_dim: Value, bytes_per_value: Value) -> Value:
    """KV cache of one token of one sequence, 2·L·kv_heads·head_dim·bytes (K and V) [POPE], [GQA]."""
    return 2 * layers * kv_heads * head_dim * bytes_per_value


def kv_heads_per_card(kv_heads: Value, tp: Value) -> Value:
    """KV heads each of tp cards holds, max(kv_heads/tp, 1): heads are split, and replicated once
    tp exceeds kv_heads [GQA]."""
    return max_(kv_heads / tp, 1)


def kv_heads_per_replica(kv_heads: Value, tp: Value) -> Value:
    """KV heads stored over a replica of tp cards, tp·max(kv_heads/tp, 1) = max(kv_heads, tp) [GQA]."""
    return tp * kv_heads_per_card(kv_heads, tp)


def kv_reads_per_step(heads: Value, kv_heads: Value, tp: Value, grouped: Value) -> Value:
    """Times a decode step reads each cached KV head: once when the attention kernel serves a KV
    head's group of query heads together (grouped, [XQA]); else once per query head on the card,
    (heads/tp)/max(kv_heads/tp, 1), at least 1 [XQA], [GQA]."""
    return if_(grouped, 1, max_((heads / tp) / kv_heads_per_card(kv_heads, tp), 1))


def mean_decode_context(input_tokens: Value, output_tokens: Value) -> Value:
    """Mean context of a request's decode steps, n + o/2: the KV read grows linearly with each
    token, so the mean step reads the cache at the middle of the output [POPE]."""
    return input_tokens + output_tokens / 2


def kv_cache_budget_bytes(
    hbm_bytes: Value, cards: Value, usable_fraction: Value, weight_bytes: Value, reserve_bytes_per_card: Value
) -> Value:
    """HBM of a replica left for the KV cache: cards·(HBM·f − reserve) − weights [VLLM] (vLLM's
    gpu_memory_utilization f; the reserve holds activations, workspace and CUDA graphs)."""
    return cards * (hbm_bytes * usable_fraction - reserve_bytes_per_card) - weight_bytes


def kv_cache_budget_after_weights(
    hbm_bytes: Value, cards: Value, free_fraction: Value, weight_bytes: Value, reserve_bytes_per_card: Value
) -> Value:
    """HBM of a replica TensorRT-LLM gives the KV cache: the share ``free_fraction`` of what each
    card has free after its part of the weights and the reserve, cards·f·(HBM − W/cards − reserve)
    [TRTKV]; 0 when the weights leave nothing."""
    return max_(cards * free_fraction * (hbm_bytes - weight_bytes / cards - reserve_bytes_per_card), 0)


def prompts_per_iteration(batch: Value, output_tokens: Value) -> Value:
    """Prompts started per iteration in a saturated steady state, B/o: each of the B sequences in
    flight ends after o iterations and is replaced at once [SARATHI]."""
    return batch / output_tokens


def token_budget_batch(max_num_tokens: Value, input_tokens: Value, output_tokens: Value) -> Value:
    """Largest batch a per-iteration token budget T sustains with chunked prompts: B decodes plus
    B/o prompts of n tokens per iteration fill T, so B ≤ T·o/(n + o) (at least 1) [SARATHI]."""
    return max_(max_num_tokens * output_tokens / (input_tokens + output_tokens), 1)


def mixed_iteration_share(batch: Value, output_tokens: Value) -> Value:
    """Share of iterations that carry a prompt chunk, min(1, B/o): one prompt per iteration at most
    when fewer than one starts per iteration [SARATHI]."""
    return min_(batch / output_tokens, 1)


def mixed_layer_overhead_seconds(share_mixed: Value, prefill_layer_s: Value, decode_layer_s: Value) -> Value:
    """Fixed time per layer of the average iteration: an iteration with a prompt chunk runs eagerly
    and pays the prefill pass's fixed time, a decode-only one is replayed from a CUDA graph and
    pays the decode step's [CUDAGRAPH], [SARATHI]."""
    return share_mixed * prefill_layer_s + (1 - share_mixed) * decode_layer_s


def max_sequences(budget_bytes: Value, kv_bytes_per_sequence: Value) -> Value:
    """Sequences a replica can keep in flight, ⌊budget / KV bytes per sequence⌋ (0 when the
    weights leave no room) [VLLM]."""
    return max_(floor(budget_bytes / kv_bytes_per_sequence), 0)


def batch_in_flight(batch: Value, max_seqs: Value) -> Value:
    """Sequences a replica decodes together: the batch asked for, at most what the KV cache holds
    (at least one) [VLLM]."""
    return min_(batch, max_(max_seqs, 1))


def moe_experts_touched(experts: Value, top_k: Value, tokens: Value) -> Value:
    """Expected distinct experts a batch of ``tokens`` routes to per MoE layer under uniform
    routing, E·(1 − (1 − k/E)^B) [MOE]; 0 experts (a dense model) gives 0."""
    share = if_(experts > 0, top_k / max_(experts, 1), 0)
    return experts * (1 - (1 - share) ** tokens)


def moe_weight_bytes_read(
    total_bytes: Value, routed_expert_bytes: Value, experts: Value, experts_touched: Value
) -> Value:
    """Weight bytes a decode step reads: all dense weights plus the touched share of the routed
    experts, W − W_e·(1 − touched/E) [MOE]; a dense model (E = 0) reads W."""
    untouched = if_(experts > 0, 1 - experts_touched / max_(experts, 1), 0)
    return total_bytes - routed_expert_bytes * untouched


def routed_active_params(expert_params: Value, experts: Value, top_k: Value) -> Value:
    """Routed-expert weights one token multiplies, W_e·k/E over every MoE layer (each token computes
    with its top-k of the E routed experts [MOE]); 0 for a dense model (E = 0)."""
    return if_(experts > 0, expert_params * top_k / max_(experts, 1), 0)


def model_gemm_efficiency(gemm_eff: Value, matmul_params: Value, routed_params: Value, grouped_eff: Value) -> Value:
    """GEMM efficiency of a forward pass whose matmuls are the dense layers at ``gemm_eff`` and the routed
    experts at ``gemm_eff·grouped_eff``: the FLOP-weighted harmonic blend e·P / (P − R + R/g), with P the
    parameters a token multiplies and R the routed share of them. ``grouped_eff`` is the serving model's
    grouped-GEMM efficiency (the routed experts' GEMMs and their token permutation relative to a dense
    GEMM, as core.moe.expert_gemm_seconds [MCORE] in training; fitted on serving throughput rows since
    2026-12-05, serving_validation.fit_moe_gemm: 0.65, against training's 0.90). A dense
    model (R = 0) keeps e. Attention's FLOPs run at the same blend (a small share)."""
    return gemm_eff * matmul_params / max_(matmul_params - routed_params + routed_params / grouped_eff, 1)


def prefill_flops(active_params: Value, requests: Value, input_tokens: Value, layers: Value, attn_width: Value) -> Value:
    """FLOPs of the prefill of ``requests`` prompts of n tokens, b·(2·P·n + 2·L·n²·d_attn):
    the weight matmuls 2·P per token plus causal attention quadratic in the prompt [KAPLAN]."""
    return requests * (2 * active_params * input_tokens + 2 * layers * input_tokens ** 2 * attn_width)


def decode_attention_flops(batch: Value, context: Value, layers: Value, attn_width: Value) -> Value:
    """Attention FLOPs of one decode step, B·4·L·c·d_attn: each new token attends c cached
    positions (scores and weighted sum) [KAPLAN], [POPE]."""
    return batch * 4 * layers * context * attn_width


def decode_flops(active_params: Value, batch: Value, context: Value, layers: Value, attn_width: Value) -> Value:
    """FLOPs of one decode step of B sequences at context c, B·(2·P + 4·L·c·d_attn): each new token
    multiplies every active weight once and attends c cached positions [KAPLAN], [POPE]."""
    return batch * 2 * active_params + decode_attention_flops(batch, context, layers, attn_width)


def decode_kv_bytes(batch: Value, context: Value, kv_bytes_token: Value) -> Value:
    """KV-cache bytes one decode step reads, B·c·kv: every sequence's whole cache [POPE]."""
    return batch * context * kv_bytes_token


def decode_bytes(weight_bytes_read: Value, batch: Value, context: Value, kv_bytes_token: Value) -> Value:
    """HBM bytes one decode step reads, W + B·c·kv: the weights once, and every sequence's whole
    KV cache [POPE]."""
    return weight_bytes_read + decode_kv_bytes(batch, context, kv_bytes_token)


def tp_allreduce_seconds_per_pass(
    tokens: Value, hidden: Value, layers: Value, tp: Value, link_bytes_per_s: Value, latency: Value
) -> Value:
    """TP communication of one forward pass over ``tokens`` tokens: 2 ring all-reduces per layer of
    tokens·h 16-bit values [POPE] §3.2, each 2(tp−1)/tp of the message per card over the link plus
    a fixed ``latency`` per all-reduce (core.comm.allreduce_latency_seconds, growing with tp); 0 at
    tp = 1."""
    message = tokens * hidden * ACTIVATION_BYTES_INFER
    one = allreduce_bytes_per_card(message, tp) / link_bytes_per_s + latency
    return if_(tp > 1, 2 * layers * one, 0)


def roofline_seconds(
    flops: Value, nbytes: Value, cards: Value, peak_flops: Value, compute_efficiency: Value,
    hbm_bytes_per_s: Value, hbm_efficiency: Value,
) -> Value:
    """Time of one kind of kernel on ``cards`` cards, max(FLOPs / (cards·X·η_c), bytes /
    (cards·B·η_m)) [ROOF]."""
    return max_(flops / (cards * peak_flops * compute_efficiency), nbytes / (cards * hbm_bytes_per_s * hbm_efficiency))


def forward_seconds(
    flops: Value,
    nbytes: Value,
    cards: Value,
    peak_flops: Value,
    compute_efficiency: Value,
    hbm_bytes_per_s: Value,
    hbm_efficiency: Value,
    comm_seconds: Value,
    layers: Value,
    layer_overhead_s: Value,
) -> Value:
    """One forward pass (a prefill, or one decode step) on a replica of ``cards`` cards:
    max(FLOPs / (cards·X·η_c), bytes / (cards·B·η_m)) + TP communication + L·t_layer [ROOF], [POPE].
    η_c, η_m ≤ 1 (no pass runs faster than the card's peak) and t_layer are fitted constants;
    t_layer is the fixed time per layer of this kind of pass: the prefill's (eager kernel launches
    and synchronisation) or the decode step's (replayed as one CUDA graph) [CUDAGRAPH]."""
    return (roofline_seconds(flops, nbytes, cards, peak_flops, compute_efficiency, hbm_bytes_per_s, hbm_efficiency)
            + comm_seconds + layers * layer_overhead_s)


def dequant_efficiency(
    ops_per_weight: Value, bytes_per_weight: Value, hbm_bytes_per_s: Value, read_efficiency: Value,
    fp32_flops: Value,
) -> Value:
    """η_q, the share of the 16-bit kernel's HBM bandwidth a weight-only quantised kernel keeps
    [DEQUANT]: reading N weights of b bytes takes N·b/(B·η_m); unpacking, scaling and converting
    them takes N·c operations on the card's vector units (FP32 peak V) that the kernel does not hide
    under the reads, so η_q = 1 / (1 + c·B·η_m / (V·b)). c = 0 (16-bit and FP8 weights, read as
    stored): 1. A card with more vector FLOP/s per byte of bandwidth (RTX 4090, L40S: ~80-100)
    loses less than an A100 (~10) or an H20 (~11)."""
    return 1 / (1 + ops_per_weight * hbm_bytes_per_s * read_efficiency / (fp32_flops * bytes_per_weight))


def expert_loop_layer_seconds(experts: Value, kernels_per_expert: Value, kernel_s: Value) -> Value:
    """Fixed time one MoE layer adds to a pass when its weight-only quantised expert kernel launches
    one kernel per expert [MARLINMOE]: E·g·t_k, for the E experts on the card (tensor parallelism
    splits each expert, so every card holds all E), g GEMM kernels per expert (gate-up and down: 2)
    and t_k the time of a kernel that finds no row of its expert and returns. The routed work itself
    is in the roofline terms; this is only the launches no token needs."""
    return experts * kernels_per_expert * kernel_s


def fp32_scaled_by_bandwidth(ref_fp32: Value, hbm_bytes_per_s: Value, ref_hbm_bytes_per_s: Value) -> Value:
    """An FP32 vector peak for a card that publishes none: the reference card's, scaled by the HBM
    bandwidths (the same vector FLOP/s per byte of bandwidth, so the same η_q of
    :func:`dequant_efficiency`); a planning assumption, flagged where it is used."""
    return ref_fp32 * hbm_bytes_per_s / ref_hbm_bytes_per_s


def card_efficiency(fitted: Value, card_factor: Value, speed: Value) -> Value:
    """A fitted serving efficiency on one card: the constant fitted on the calibration rows times the
    card's (or its vendor's) factor, times a speed factor that is 1 in the estimate and drawn by the
    Monte Carlo around it (σ of ln from the held-out serving throughput error,
    :data:`xlcompute.core.spread.SERVING_LOG_SIGMA`); at most 1, a share of the card's peak."""
    return min_(fitted * card_factor * speed, 1)


def weight_read_efficiency(hbm_efficiency: Value, dequant_efficiency: Value) -> Value:
    """Share of HBM bandwidth a pass reaches while reading the weights, η_m·η_q (η_q of
    :func:`dequant_efficiency`; 1 for 16-bit and FP8 weights) [DEQUANT]."""
    return hbm_efficiency * dequant_efficiency


def decode_step_seconds(
    flops: Value,
    nbytes: Value,
    attention_flops: Value,
    kv_bytes: Value,
    cards: Value,
    peak_flops: Value,
    compute_efficiency: Value,
    hbm_bytes_per_s: Value,
    hbm_efficiency: Value,
    dequant_efficiency: Value,
    comm_seconds: Value,
    layers: Value,
    layer_overhead_s: Value,
) -> Value:
    """One decode step: the weight GEMMs (``flops`` − ``attention_flops`` over the weights,
    ``nbytes`` − ``kv_bytes``) and the attention over the KV cache, each at its own roofline
    bound and one after the other [ROOF], plus TP communication and L·t_layer. At a large batch
    the GEMMs are compute-bound while the attention still waits for the cache; one max over the
    step's totals (:func:`forward_seconds`, the form used until 2026-12-02) lets the cache reads
    hide under the GEMMs' compute, which no runtime does. The weights are read at
    :func:`weight_read_efficiency` (η_m·η_q, ``dequant_efficiency`` η_q < 1 for weight-only
    quantised formats [DEQUANT]), the KV cache at η_m."""
    gemms = forward_seconds(flops - attention_flops, nbytes - kv_bytes, cards, peak_flops, compute_efficiency,
                            hbm_bytes_per_s, weight_read_efficiency(hbm_efficiency, dequant_efficiency),
                            comm_seconds, layers, layer_overhead_s)
    return gemms + roofline_seconds(attention_flops, kv_bytes, cards, peak_flops, compute_efficiency,
                                    hbm_bytes_per_s, hbm_efficiency)


def serial_host_seconds(step_s: Value, host_s: Value) -> Value:
    """One iteration of a runtime whose host work runs between its GPU steps, t_step + t_host
    [V0HOST]; t_host = 0 where the runtime overlaps it with the GPU."""
    return step_s + host_s


def static_batch_seconds(prefill_s: Value, decode_step_s: Value, output_tokens: Value) -> Value:
    """A static batch: one prefill, then o − 1 decode steps (the prefill yields the first token);
    TensorRT-LLM gptSessionBenchmark's batch latency [POPE] §2 (prefill then autoregressive decode)."""
    return prefill_s + (output_tokens - 1) * decode_step_s


def cycle_seconds(batch: Value, prefill_s_per_request: Value, decode_step_s: Value, output_tokens: Value,
                  disaggregated: Value = 0) -> Value:
    """Continuous batching in steady state [VLLM]: while B sequences each make o tokens, B new
    prompts are prefilled, and each prefill stalls the batch: B·t_prefill + o·t_decode. With
    prefill/decode disaggregation the decode replicas only decode: o·t_decode [DIST]."""
    return if_(disaggregated > 0, 0, batch * prefill_s_per_request) + output_tokens * decode_step_s


def requests_per_s(batch: Value, cycle_s: Value) -> Value:
    """Requests a replica completes per second, B / cycle (Little's law, L = λW: Little 1961, Operations
    Research 9(3)), B requests in flight for one cycle each."""
    return batch / cycle_s


def output_tokens_per_s(batch: Value, output_tokens: Value, cycle_s: Value) -> Value:
    """Generated tokens per second of a replica, B·o / cycle (Little's law as in :func:`requests_per_s`)."""
    return batch * output_tokens / cycle_s


def time_per_output_token(cycle_s: Value, output_tokens: Value) -> Value:
    """Mean time between a sequence's output tokens, cycle / o (decode steps plus the prefill
    stalls of the batch [VLLM]; the mean TPOT of MLPerf Inference LoadGen and the ITL of NVIDIA
    NIM / AIPerf). The planning figure: it sets the fleet's rate."""
    return cycle_s / output_tokens


def median_time_per_output_token(decode_step_s: Value) -> Value:
    """Median time between a sequence's output tokens: one decode step. A prefill stall lengthens
    only the interval it falls into; while fewer than half of a sequence's o intervals hold a stall
    (prefills of a batch are scheduled together, or B < o/2), the median interval is a plain decode
    step [VLLM] (Orca's iteration-level scheduling). The p50 per-token latency of LMDeploy's
    profile_generation (its "50%" column) and the median ITL of AIPerf / vLLM's benchmark_serving."""
    return decode_step_s


def prefill_wait_seconds(prefill_s: Value, request_rate: Value) -> Value:
    """Mean queueing of a prompt for the prefill, ρ·s/(2(1 − ρ)) with ρ = λ·s [MD1]; capped at
    a load of 0.95 (an overloaded queue grows without bound)."""
    load = request_rate * prefill_s
    capped = if_(load < 0.95, load, 0.95)
    return capped * prefill_s / (2 * (1 - capped))


def time_to_first_token(prefill_s: Value, wait_s: Value, iteration_s: Value) -> Value:
    """TTFT = queueing for the prefill + the prefill + the decode iteration in flight when the
    request arrives (iteration-level scheduling starts a prompt at the next iteration [VLLM])."""
    return wait_s + prefill_s + iteration_s


def replicas_for_rate(request_rate: Value, replica_requests_per_s: Value) -> Value:
    """Replicas that serve λ requests per second, ⌈λ / per-replica rate⌉ (seed 000 eq. 11's whole
    cards, with the step model's replica rate in place of FLOPs)."""
    return ceil(request_rate / replica_requests_per_s)


def cost_per_million_tokens(price_per_card_hour: Value, cards: Value, tokens_per_s: Value) -> Value:
    """Cost of 10⁶ output tokens at capacity: cards·E/3600 per second over tokens_per_s, × 10⁶
    (0 when nothing is served); card-seconds times the price per card-second, as the refined seed
    000 eq. (12) (:func:`xlcompute.core.serving.cost_per_request`)."""
    return if_(tokens_per_s > 0, cards * price_per_card_hour / SECONDS_PER_HOUR * 1e6 / max_(tokens_per_s, 1e-30), 0)


def prefill_replicas(request_rate: Value, prefill_s: Value, ttft_target_s: Value) -> Value:
    """Prompt-only replicas (disaggregated serving [DIST]) keeping the mean TTFT within the target:
    the M/D/1 wait ρ·s/(2(1 − ρ)) stays below w = target − s up to a load ρ = 2w/(s + 2w) [MD1]
    (at most 0.95), so ⌈λ·s / ρ⌉ replicas, at least one when requests arrive."""
    slack = max_(ttft_target_s - prefill_s, 1e-9)
    load = 2 * slack / (prefill_s + 2 * slack)
    capped = if_(load < 0.95, load, 0.95)
    return if_(request_rate > 0, max_(ceil(request_rate * prefill_s / capped), 1), 0)


def prefill_queue_servers(disaggregated: Value, prefill_replicas: Value, replicas: Value) -> Value:
    """Replicas the prompts queue at: the prompt-only replicas when disaggregated [DIST], else all
    replicas (each prefills its own requests)."""
    return if_(disaggregated > 0, max_(prefill_replicas, 1), max_(replicas, 1))


def iteration_in_flight(decode_step_s: Value, disaggregated: Value) -> Value:
    """The iteration a new prompt waits for before its prefill starts: one decode step of the batch
    when the replica also decodes [VLLM], none on a prompt-only replica [DIST]."""
    return if_(disaggregated > 0, 0, decode_step_s)


def capacity_tokens_per_s(replicas: Value, replica_requests_per_s: Value, tokens_per_request: Value) -> Value:
    """Tokens (prompt + output) per second the fleet serves at capacity, R·λ_r·T_io: the unit of the
    demand U·T_io/t_c (seed 000 §2.2)."""
    return replicas * replica_requests_per_s * tokens_per_request


def per_card(total: Value, cards: Value) -> Value:
    """A fleet's rate per card, total / cards, 0 for no cards (throughput per GPU as MLPerf and
    TensorRT-LLM report it)."""
    return if_(cards > 0, total / max_(cards, 1), 0)


def pp_p2p_seconds(tokens: Value, hidden: Value, pp: Value, bytes_per_s: Value, latency: Value) -> Value:
    """Pipeline hand-offs of one pass of ``tokens`` tokens through pp stages: (pp − 1) sends of
    tokens·h 16-bit values over the scale-out link plus a latency each [MEG21]; 0 at pp = 1."""
    return (pp - 1) * (tokens * hidden * ACTIVATION_BYTES_INFER / bytes_per_s + latency)


def kv_bytes_per_token_replica(
    layers: Value, kv_heads: Value, head_dim: Value, kv_lora_rank: Value, rope_head_dim: Value, tp: Value,
    bytes_per_value: Value,
) -> Value:
    """KV cache one token occupies over a replica of tp cards: with MLA (kv_lora_rank > 0) the latent
    on every TP card, tp·L·(d_c + d_h^R)·bytes [MLA]; else K and V of max(kv_heads, tp) heads [GQA]."""
    mla = tp * mla_kv_cache_bytes_per_token(layers, kv_lora_rank, rope_head_dim, bytes_per_value)
    gqa = kv_bytes_per_token(layers, kv_heads_per_replica(kv_heads, tp), head_dim, bytes_per_value)
    return if_(kv_lora_rank > 0, mla, gqa)
