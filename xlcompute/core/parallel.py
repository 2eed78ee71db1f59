"""3D-parallel arithmetic and throughput.

Sources: seed 003 (num_NPUs = dp·pp·tp; global = micro·dp·grad_accum; samples/s per card and
tokens/s per card); Narayanan et al. 2021 §2.2 (GPipe/1F1B bubble fraction (p − 1)/m, and
(p − 1)/(v·m) with v interleaved stages per card; a micro-batch passes every stage, so the step
runs at the pace of the slowest stage).

Context parallelism (CP) adds a fourth degree, cards = tp·cp·pp·dp: each of the cp ranks of a
group holds s/cp tokens of every sequence and the same weights, so the batch is split over dp
replicas and the gradients are reduced over dp·cp ranks (NVIDIA Megatron-Core, "context
parallel"; Dubey et al. 2024, Llama 3, §3.3.2 and Table 4: CP 16 for 131,072 tokens).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, ceil, floor, if_, max_, min_

DEFAULT_BATCH_TOKENS = 4_000_000
"""Tokens per optimizer step when the scenario gives no batch: Llama 2's 4M tokens for 7B–70B
(Touvron et al. 2023 §2.2; GPT-3 175B used 3.2M, Brown et al. 2020 Table 2.1)."""

MIN_BATCH_TOKENS_PER_CARD = 1024
"""Large clusters train with larger batches so every pipeline keeps enough micro-batches: Llama 3
405B used 16M tokens on 16,384 H100, 1,024 tokens per card (Dubey et al. 2024, Table 4)."""

MOE_BATCH_TOKENS_PER_CARD = 16_384
"""The same for a mixture-of-experts model, whose replicas are small (expert parallelism spreads the
experts, not the batch) and whose published runs train with larger batches per card: IBM's Granite
3.0 MoE models 4M tokens on 128 and 256 H100 (16,384–32,768 per card; Granite Team 2024, §4.3),
DeepSeek-V3 63M on 2,048 H800 (30,720 per card; DeepSeek-AI 2024, §4.2). The smaller of them: a
smaller batch is the cautious assumption, as it lowers the predicted MFU. At 1,024 per card a
235B MoE on 8,192 cards ran one sequence per replica and step, its all-to-all and tensor-parallel
traffic unamortised (11 % MFU where 64M tokens give 17 %)."""

MAX_DEFAULT_BATCH_TOKENS = 64_000_000
"""No default batch beyond what published runs trained with: DeepSeek-V3 ramped to 15,360
sequences of 4K tokens, 63M tokens (DeepSeek-AI 2024, §4.2); beyond, convergence per token is
not established (the critical batch size, McCandlish et al. 2018)."""

CP_CHUNKS_PER_RANK = 2
"""Megatron-Core's causal load balancing cuts each sequence into 2·cp chunks and gives rank i the
chunks i and 2·cp − 1 − i, so every rank does the same attention work: s must divide into 2·cp
equal chunks (NVIDIA Megatron-Core "context parallel")."""

__all__ = [
    "CP_CHUNKS_PER_RANK",
    "DEFAULT_BATCH_TOKENS",
    "MIN_BATCH_TOKENS_PER_CARD",
    "MOE_BATCH_TOKENS_PER_CARD",
    "MAX_DEFAULT_BATCH_TOKENS",
    "default_batch_tokens",
    "batch_unit",
    "round_global_batch",
    "idle_cards",
    "data_parallel",
    "seq_per_card",
    "gradient_group",
    "layers_per_stage",
    "STAGE_SPLIT_SOURCE",
    "even_stage_layers",
    "edge_stage_layers",
    "fullest_stage_layers",
    "DUALPIPE_SOURCE",
    "stage_copies",
    "in_flight_stages",
    "head_rank_layers",
    "head_rank_logits",
    "rival_stage_layers",
    "dualpipe_bubble_seconds",
    "schedule_bubble_seconds",
    "head_stage_slowest",
    "slowest_stage_layers",
    "slowest_stage_logits",
    "later_stage_layers",
    "layers_before_stage",
    "layer_pass_seconds",
    "microbatch_seconds",
    "per_step",
    "compute_seconds_per_step",
    "pipeline_bubble_seconds",
    "pipeline_seconds",
    "parallel_cards",
    "global_batch",
    "grad_accum_steps",
    "effective_interleave",
    "max_interleave",
    "pipeline_bubble",
    "bubble_share",
    "pipeline_bubble_of_total",
    "samples_per_s_per_card",
    "tokens_per_s_per_card",
    "tokens_per_step",
    "steps_for_tokens",
]


def parallel_cards(dp: Value, tp: Value, pp: Value, cp: Value) -> Value:
    """Cards used by a layout: n = dp · tp · pp (seed 003), times the context-parallel degree cp
    (Megatron-Core: world size = tp·cp·pp·dp)."""
    return dp * tp * pp * cp


def global_batch(micro_batch: Value, dp: Value, grad_accum: Value) -> Value:
    """Sequences per optimizer step: micro_batch · dp · grad_accum (seed 003)."""
    return micro_batch * dp * grad_accum


def grad_accum_steps(global_batch_size: Value, micro_batch: Value, dp: Value) -> Value:
    """Micro-batches per step on each pipeline: global / (micro · dp) (seed 003, rearranged)."""
    return global_batch_size / (micro_batch * dp)


def max_interleave(layers: Value, pp: Value) -> Value:
    """Most virtual stages a card can hold, one layer each on the busiest of pp stages: ⌈L/pp⌉
    (Megatron-Core's custom pipeline layout allows unequal virtual stages; see
    :func:`effective_interleave`). The layout checks of the scenario, the step-time model and the
    Excel functions all use it."""
    return ceil(layers / pp)


def effective_interleave(layers_on_stage: Value, interleave: Value) -> Value:
    """Interleaved stages per card as the pipeline sees them, S/⌈S/v⌉ for v virtual stages of the
    S layers on the busiest card: fill and drain pass through its largest virtual stage, ⌈S/v⌉
    layers, and the first card keeps that stage's activations for the p − 1 extra warm-up
    micro-batches, so v stages of uneven size act as S/⌈S/v⌉ equal ones (v itself when v divides
    S; Narayanan et al. 2021 §2.2.2, Korthikanti et al. 2022 §4.2.3). Megatron-Core's custom
    pipeline layout (``--pipeline-model-parallel-layout``) places any number of layers in each
    virtual stage, e.g. DeepSeek-V3's 61 layers on PP 16 with 2 virtual stages."""
    return layers_on_stage / ceil(layers_on_stage / interleave)


def pipeline_bubble(pp: Value, microbatches: Value, interleave: Value = 1, dualpipe: Value = 0,
                    dualpipe_share: Value = 0) -> Value:
    """Pipeline bubble as a fraction of the ideal step time: (p − 1)/(v·m)
    (Narayanan et al. 2021 §2.2.1–2.2.2; v = 1 is the plain 1F1B schedule); with DualPipe its own
    bubble over the m micro-batches' time (:func:`bubble_share` of :func:`dualpipe_bubble_seconds`;
    [DSV3] Table 2)."""
    return if_(dualpipe > 0, dualpipe_share, (pp - 1) / (interleave * microbatches))


def bubble_share(bubble_s: Value, microbatch_s: Value, microbatches: Value) -> Value:
    """A bubble as a share of the m micro-batches' time at the slowest stage's pace, the measure
    (p − 1)/(v·m) gives for 1F1B (Narayanan et al. 2021 §2.2.1)."""
    return bubble_s / max_(microbatch_s * microbatches, 1e-30)


def pipeline_bubble_of_total(pp: Value, microbatches: Value) -> Value:
    """Bubble as a share of the whole step: (p − 1)/(m + p − 1) (Huang et al. 2019, GPipe)."""
    return (pp - 1) / (microbatches + pp - 1)


def samples_per_s_per_card(batch: Value, iter_seconds: Value, cards: Value) -> Value:
    """Throughput samples/s/card = batch / elapsed_time_per_batch / cards (seed 003)."""
    return batch / iter_seconds / cards


def tokens_per_s_per_card(batch: Value, seq_len: Value, iter_seconds: Value, cards: Value) -> Value:
    """Throughput tokens/s/card = samples/s/card · sequence length (seed 003)."""
    return samples_per_s_per_card(batch, iter_seconds, cards) * seq_len


def tokens_per_step(global_batch_size: Value, seq_len: Value) -> Value:
    """Tokens consumed by one optimizer step: global batch (sequences) × sequence length."""
    return global_batch_size * seq_len


def steps_for_tokens(tokens: Value, global_batch_size: Value, seq_len: Value) -> Value:
    """Optimizer steps to consume ``tokens``: T / (global batch · s)."""
    return tokens / tokens_per_step(global_batch_size, seq_len)


def data_parallel(cards: Value, tp: Value, pp: Value, cp: Value) -> Value:
    """Data-parallel replicas that fit on the cards, ⌊n/(tp·cp·pp)⌋ (seed 003's n = dp·tp·pp with
    Megatron-Core's context-parallel degree, solved for dp; cards beyond dp·tp·cp·pp stay idle)."""
    return floor(cards / (tp * cp * pp))


def seq_per_card(seq_len: Value, cp: Value) -> Value:
    """Tokens of each sequence one card holds, s/cp: context parallelism splits every sequence
    over its cp ranks (Megatron-Core "context parallel"; Dubey et al. 2024, Llama 3, §3.3.2), so
    the activations, the GEMMs and the attention queries of a card scale with s/cp."""
    return seq_len / cp


def gradient_group(dp: Value, cp: Value) -> Value:
    """Ranks that hold the same weights and reduce their gradients together, dp·cp: the cp ranks
    of a context-parallel group see different tokens of the same sequences, so Megatron-Core
    all-reduces (and with its distributed optimizer shards) over the data- and context-parallel
    group (Megatron-Core "context parallel"; Rajbhandari et al. 2020 §5 for the sharding)."""
    return dp * cp


def layers_per_stage(layers: Value, pp: Value) -> Value:
    """Layers on the busiest pipeline stage, ⌈L/p⌉: stages may be uneven (DeepSeek-V3 puts 61
    layers on 16 stages; Megatron-LM's first/last-stage layer options), and the step runs at
    the pace of the fullest stage (Narayanan et al. 2021 §2.2)."""
    return ceil(layers / pp)


STAGE_SPLIT_SOURCE = (
    "Megatron-LM --decoder-first-pipeline-num-layers / --decoder-last-pipeline-num-layers; Dubey et al. 2024 "
    "(Llama 3) §3.3.2: one layer fewer on the first and the last of 16 stages for 126 layers"
)
"""Where the explicit first/last-stage split comes from (docs, error texts)."""


def even_stage_layers(layers: Value, pp: Value, first: Value = 0, last: Value = 0) -> Value:
    """Layers on each stage the split leaves to an even spread: the L − f − l layers the first and
    last stages do not take (f, l = 0 when not given) over the other stages, ⌈(L − f − l)/(p − [f>0]
    − [l>0])⌉; 0 when no stage is left (two stages, both given). Megatron-LM's
    ``--decoder-first/last-pipeline-num-layers`` spread the rest evenly (it asks for an exact
    division; the busiest stage holds the ceiling otherwise, as :func:`layers_per_stage`). With
    f = l = 0 this is ⌈L/p⌉, the split of every earlier version."""
    rest = pp - if_(first > 0, 1, 0) - if_(last > 0, 1, 0)
    return if_(rest > 0, ceil(max_(layers - first - last, 0) / max_(rest, 1)), 0)


def edge_stage_layers(given: Value, even: Value) -> Value:
    """Layers on the first (or last) stage: the number given, or the even spread when 0 (Megatron-LM's
    default)."""
    return if_(given > 0, given, even)


def fullest_stage_layers(first: Value, even: Value, last: Value, pp: Value) -> Value:
    """Most layers on any stage: the first, the last and, with three stages or more, the middle ones
    (:func:`even_stage_layers`). Memory (the first stage is checked with this many layers, an upper
    bound when it is lighter), recomputation, the interleaved chunks and the data-parallel buckets
    count it; ⌈L/p⌉ when no split is given (:func:`layers_per_stage`)."""
    return max_(first, last, if_(pp > 2, even, 0))


DUALPIPE_SOURCE = (
    "DeepSeek-AI 2024, DeepSeek-V3 technical report (arXiv:2412.19437) §3.2.1, Table 2: DualPipe's bubble "
    "(PP/2 − 1)(F&B + B − 3W), parameters 2×, activations PP + 1"
)
"""Where the DualPipe schedule's figures come from."""


def stage_copies(dualpipe: Value) -> Value:
    """Copies of a stage's weights and gradients a card holds: 2 with DualPipe, whose bidirectional
    schedule puts stages i and p − 1 − i on card i ([DSV3] §3.2.1, Table 2: parameters 2×), else 1."""
    return 1 + dualpipe


def in_flight_stages(pp: Value, dualpipe: Value) -> Value:
    """Micro-batches the first card keeps in flight, before the min with the step's micro-batches:
    p with 1F1B (Korthikanti et al. 2022 §4.2.3), p + 1 with DualPipe ([DSV3] Table 2)."""
    return pp + dualpipe


def head_rank_layers(first: Value, last: Value, dualpipe: Value) -> Value:
    """Layers per micro-batch on the card that runs the output layer: the last stage's with 1F1B; with
    DualPipe that card also holds the first stage and runs each of the two for half the micro-batches
    (the two directions, [DSV3] §3.2.1), so (f + l)/2 on average."""
    return if_(dualpipe > 0, (first + last) / 2, last)


def head_rank_logits(logits: Value, dualpipe: Value) -> Value:
    """The output layer's time per micro-batch on the card that runs it: all of it with 1F1B, half with
    DualPipe (only the micro-batches of one direction end on that card; [DSV3] §3.2.1)."""
    return if_(dualpipe > 0, logits / 2, logits)


def rival_stage_layers(fullest: Value, even: Value, pp: Value, dualpipe: Value) -> Value:
    """Layers per micro-batch on the busiest card that does not run the output layer: the fullest
    stage with 1F1B; with DualPipe a middle card (stages i and p − 1 − i, both of the even split),
    none with two stages (both cards hold the head's stage)."""
    return if_(dualpipe > 0, if_(pp > 2, even, 0), fullest)


def head_stage_slowest(head_layers: Value, rival_layers: Value, layer_seconds: Value, logits: Value) -> Value:
    """1 when the card that runs the output layer is the slowest of the pipeline,
    ``l·t + t_logits ≥ n·t`` with t a layer's whole pass per micro-batch (kernels, recomputation and
    the waits overlap leaves: the pace the step is timed at, :func:`layer_pass_seconds`), l its layers per micro-batch
    (:func:`head_rank_layers`) and n the busiest other card's (:func:`rival_stage_layers`); 0 when
    a fuller stage without the output layer is (the first and last stages made lighter for the
    embedding and the head, as Llama 3 405B's 7·8…8·7 on 16 stages; Dubey et al. 2024 §3.3.2).
    Always 1 with 1F1B and no split (the last stage holds ⌈L/p⌉ layers and the head; Narayanan et al.
    2021 §2.2: the step runs at the pace of the slowest stage)."""
    return if_(head_layers * layer_seconds + logits >= rival_layers * layer_seconds, 1, 0)


def slowest_stage_layers(head_slowest: Value, head_layers: Value, rival_layers: Value) -> Value:
    """Layers per micro-batch on the card that paces the pipeline (:func:`head_stage_slowest`): the
    output layer's card's when it is the slowest, else the busiest other card's."""
    return if_(head_slowest > 0, head_layers, rival_layers)


def slowest_stage_logits(head_slowest: Value, logits: Value) -> Value:
    """The output layer's time on the stage that paces the pipeline: all of it when that is the last
    stage, none otherwise (:func:`head_stage_slowest`)."""
    return if_(head_slowest > 0, logits, 0)


def later_stage_layers(layers: Value, pp: Value, index: Value = 1, first: Value = 0, even: Value = 0,
                       last: Value = 0) -> Value:
    """Layers on stage ``index`` (counted from 0) when every stage before it holds ⌈L/p⌉,
    ``min(⌈L/p⌉, L − index·⌈L/p⌉)`` (0 with one stage; Narayanan et al. 2021 §2.2). The memory
    check looks at the first stage and one later stage: the second, which keeps p − 1
    micro-batches in flight (Korthikanti et al. 2022 §4.2.3) and holds no embedding, or with MoE
    layers after the dense ones the first stage holding only MoE layers
    (core.moe.later_stage_index).

    With a split (``first`` layers on stage 0, ``even`` on each middle one, ``last`` given for the
    last, 0 when not; :func:`even_stage_layers`) stage i ≥ 1 starts at f + (i − 1)·n
    (:func:`layers_before_stage`) and the last stage holds the ``last`` given."""
    n = if_(even > 0, even, ceil(layers / pp))
    before = layers_before_stage(first, n, index)
    middle = min_(n, layers - last - before)
    return if_(pp > 1, if_(index >= pp - 1, if_(last > 0, last, middle), middle), 0)


def layers_before_stage(first: Value, even: Value, index: Value) -> Value:
    """Layers on the stages before stage ``index`` ≥ 1: the first stage's (``first``, or ``even``
    when 0) and ``index − 1`` middle stages of ``even``; ``index·even`` without a split."""
    return if_(first > 0, first, even) + (index - 1) * even


def layer_pass_seconds(
    forward: Value, backward: Value, recompute: Value, tp_exposed: Value, cp_exposed: Value, offload_exposed: Value,
    ep_exposed: Value = 0,
) -> Value:
    """One layer's time per micro-batch: forward, backward, recomputation and what overlap leaves
    exposed of the TP communication, the context-parallel K/V exchange, the weight and
    activation offload transfers and the expert-parallel all-to-all (Calculon, Isaev et al. 2023,
    seed 004: time = compute + the exposed part of every transfer)."""
    return forward + backward + recompute + tp_exposed + cp_exposed + offload_exposed + ep_exposed


def microbatch_seconds(layer_pass: Value, layers_on_stage: Value, logits: Value, p2p: Value) -> Value:
    """Time of one micro-batch on the slowest stage: its layers, the output layer (forward and
    backward) when that stage holds it (:func:`slowest_stage_logits`; the last stage without a
    split) and its pipeline sends."""
    return layer_pass * layers_on_stage + logits + p2p


def per_step(per_layer: Value, layers_on_stage: Value, microbatches: Value) -> Value:
    """A per-layer, per-micro-batch time summed over the stage's layers and the step's micro-batches."""
    return per_layer * layers_on_stage * microbatches


def compute_seconds_per_step(
    forward: Value, backward: Value, layers_on_stage: Value, logits: Value, microbatches: Value
) -> Value:
    """Kernel time of a step on the slowest stage: forward and backward of its layers and, when it
    holds it, the output layer (:func:`slowest_stage_logits`), every micro-batch (recomputation
    counted apart)."""
    return microbatches * ((forward + backward) * layers_on_stage + logits)


def pipeline_bubble_seconds(layer_pass: Value, fullest_layers: Value, p2p: Value, pp: Value,
                            interleave: Value) -> Value:
    """Pipeline fill and drain, (p − 1)/v micro-batch slots (Narayanan et al. 2021 §2.2.1-2).

    The paper derives it for equal stages. Here the steady state runs at the slowest stage's pace
    (the last, which also runs the output layer, unless a split lightens it), while the fill and
    drain pass through the other p − 1 stages at the pace of the fullest stage without the output
    layer: its layers and its sends (:func:`fullest_stage_layers`; ⌈L/p⌉ without a split).
    """
    return (layer_pass * fullest_layers + p2p) * (pp - 1) / interleave


def dualpipe_bubble_seconds(layers: Value, forward: Value, backward: Value, weight_grad: Value, p2p: Value,
                            pp: Value) -> Value:
    """DualPipe's fill and drain ([DSV3] §3.2.1, Table 2): (p/2 − 1)(F&B + B − 3W), with F a stage's
    forward, B its full backward (recomputation included), W the weight-gradient part of B and
    F&B = F + B a forward and a backward chunk run together (their communication hidden under each
    other), plus a stage's sends per slot; per layer of the fullest stage, W is the layer's
    weight-gradient GEMMs, as many FLOPs as its forward GEMMs. 0 with two stages."""
    return max_(pp / 2 - 1, 0) * max_(layers * (forward + 2 * backward - 3 * weight_grad) + p2p, 0)


def schedule_bubble_seconds(dualpipe: Value, one_f_one_b: Value, dual: Value) -> Value:
    """The step's pipeline bubble for its schedule: DualPipe's (:func:`dualpipe_bubble_seconds`) or
    the (interleaved) 1F1B one (:func:`pipeline_bubble_seconds`)."""
    return if_(dualpipe > 0, dual, one_f_one_b)


def pipeline_seconds(microbatch_s: Value, microbatches: Value, bubble: Value) -> Value:
    """Pipeline time of a step: m micro-batches at the slowest stage's pace plus the bubble."""
    return microbatch_s * microbatches + bubble


def default_batch_tokens(cards: Value, per_card: Value = MIN_BATCH_TOKENS_PER_CARD) -> Value:
    """Tokens per step when none is given: 4M tokens, and ``per_card`` tokens per card on large
    clusters (1,024 for a dense model, :data:`MOE_BATCH_TOKENS_PER_CARD` for a mixture of experts),
    up to 64M (see :data:`DEFAULT_BATCH_TOKENS`, :data:`MIN_BATCH_TOKENS_PER_CARD`,
    :data:`MAX_DEFAULT_BATCH_TOKENS`)."""
    return min_(MAX_DEFAULT_BATCH_TOKENS, max_(DEFAULT_BATCH_TOKENS, per_card * cards))


def batch_unit(micro_batch: Value, pp: Value, interleave: Value, dualpipe: Value = 0) -> Value:
    """Sequences per replica the batch must be a multiple of: the micro-batch, times pp with the
    interleaved schedule, which needs the micro-batches in multiples of pp (Narayanan et al. 2021
    §2.2; Megatron-LM checks it), times 2 with DualPipe, which feeds half from each end ([DSV3]
    §3.2.1: micro-batches divisible by 2)."""
    return micro_batch * if_(interleave > 1, pp, 1) * if_(dualpipe > 0, 2, 1)


def round_global_batch(target: Value, unit: Value, dp: Value) -> Value:
    """The global batch nearest to ``target`` sequences that a layout runs: a whole number (at
    least 1) of units (:func:`batch_unit`) on each of the dp replicas. Calculon rounds the batch to
    the layout the same way (seed 004), so a batch is never a reason to find no layout."""
    per_step = unit * dp
    return max_(1, floor(target / per_step + 0.5)) * per_step


def idle_cards(cards: Value, parallel_cards_: Value) -> Value:
    """Cards of the cluster the layout leaves idle, n − dp·tp·cp·pp (dp = ⌊n/(tp·cp·pp)⌋)."""
    return cards - parallel_cards_
