"""Floating-point work of training and inference (FLOPs, not FLOP/s).

Sources
- seed 000: 刘永生 et al., 大语言模型算力度量模型, 邮电设计技术 2024(9) — eq. (1) C≈8TP, eq. (10) C≈2·T_io·P.
- seed 001: 大模型算力推演 — 6 FLOPs per parameter per token (1 forward + 2 backward "units" × 2
  FLOPs), 8 with activation recomputation, 2 for inference.
- seed 002: 预训练一个72b模型需要多久 — the detailed forward count
  bs·s·h·(2V + L(4.5h + 4s + 6i)) and training C = 3·T·(2.6e6·s + 2P) = 3·T·(2P + 4·h·L·s).
  The same per-token count, 6N + 12·L·h·s, is PaLM's MFU definition (Chowdhery et al. 2022, App. B).
- seed 003: AICC 大模型 Cheat Sheet — AscendSpeed/Megatron per-iteration FLOPs
  24·k·B·s·l·h²·(1 + s/(6h) + V/(16lh)) (Narayanan et al. 2021, eq. 3), k = 3 or 4 with recompute.

Every function works on numbers, NumPy arrays and ``Expr`` references (see ``expr.py``).
``recompute`` arguments are 0/1 numbers: 1 adds the extra forward pass of full activation
recomputation (seed 001: 4 units instead of 3).

Model FLOPs, one count everywhere: MFU is model FLOPs (no recomputation) over peak (Chowdhery et
al. 2022, App. B), and the count is :func:`train_flops_attn` with r = 0,
``3·T·(2P + 4·L·s·w)``, ``w = heads·head_dim``. The estimate's training compute, the step-time
model's MFU and the Excel training functions all use it, so a predicted MFU fed to
``LLM_TRAIN_DAYS`` gives the estimate's days. Recomputation adds hardware FLOPs
(:func:`recompute_flops`) and time in the step-time model, never a factor on a given MFU.
"""

from __future__ import annotations

from xlcompute.core.expr import Value, and_, if_, max_, min_

__all__ = [
    "matmul_flops",
    "attention_core_flops",
    "logits_flops",
    "recompute_flops",
    "recompute_extra_forward",
    "recompute_level",
    "full_recompute_share",
    "selective_recompute",
    "train_flops",
    "train_flops_6tp",
    "train_flops_8tp",
    "train_flops_attn",
    "train_flops_seq",
    "iter_flops_megatron",
    "forward_flops",
    "forward_flops_seed002",
    "infer_flops",
    "infer_flops_attn",
    "infer_flops_seq",
]


def train_flops(params: Value, tokens: Value, recompute: Value = 0) -> Value:
    """Training FLOPs 2·(3 + r)·P·T: 6PT, or 8PT with full recompute (r = 1).

    Source: seed 001 (3 units × 2 FLOPs, 4 units with recomputation); seed 000 eq. (1) prints
    the recompute form C ≈ 8TP; Kaplan et al. 2020 §2.1 for 6N per token.
    """
    return 2 * (3 + recompute) * params * tokens


def train_flops_6tp(params: Value, tokens: Value) -> Value:
    """The rule of thumb C = 6·T·P (seed 001; Kaplan et al. 2020). FLOPs."""
    return 6 * params * tokens


def train_flops_8tp(params: Value, tokens: Value) -> Value:
    """Seed 000 eq. (1) / seed 003: C = 8·T·P, i.e. 6TP plus a recomputed forward. FLOPs."""
    return 8 * params * tokens


def train_flops_seq(
    params: Value, tokens: Value, seq_len: Value, attn_coef: Value, recompute: Value = 0
) -> Value:
    """Seed 002's printed form C = (3 + r)·T·(attn_coef·s + 2P), with attn_coef = 4·h·L.

    The seed rounds 4·h·L for Qwen2-72B to 2.6e6; pass that to reproduce its figure. FLOPs.
    """
    return (3 + recompute) * tokens * (attn_coef * seq_len + 2 * params)


def train_flops_attn(
    params: Value,
    tokens: Value,
    seq_len: Value,
    layers: Value,
    attn_width: Value,
    recompute: Value = 0,
) -> Value:
    """Attention-aware training FLOPs (3 + r)·T·(2P + 4·w·L·s); with r = 0 the model FLOPs of
    every MFU in xlcompute (estimate, step-time model, Excel functions).

    Source: seed 002 (C = 3·T·(2.6e6·s + 2P) for Qwen2-72B, where 2.6e6 = 4·h·L); identical to
    PaLM's 6N + 12·L·H·Q·T per token (Chowdhery et al. 2022, App. B: H heads of size Q, so
    w = heads·head_dim, the hidden size h for most models), so an MFU quoted the PaLM way applies
    to this count. With s ≪ P/(2wL) it reduces to 6PT.
    """
    return train_flops_seq(params, tokens, seq_len, 4 * attn_width * layers, recompute)


def matmul_flops(params: Value) -> Value:
    """Forward FLOPs per token of a matrix multiply with ``params`` weights: 2 per multiply-add
    (seed 001; Kaplan et al. 2020 §2.1)."""
    return 2 * params


def attention_core_flops(seq_len: Value, attn_width: Value) -> Value:
    """Forward FLOPs per token of one layer's attention core, 4·s·w: QKᵀ and attention × V,
    2·s·w each, w = heads·head_dim (Narayanan et al. 2021 eq. 3 counts 4·s·h; causal masking
    is not subtracted, as in PaLM's MFU)."""
    return 4 * seq_len * attn_width


def logits_flops(hidden: Value, vocab: Value) -> Value:
    """Forward FLOPs per token of the output layer, 2·h·V (Narayanan et al. 2021 eq. 3)."""
    return matmul_flops(hidden * vocab)


def recompute_flops(
    tokens: Value,
    block: Value,
    layers: Value,
    seq_len: Value,
    attn_width: Value,
    recompute: Value,
    flash: Value = 0,
) -> Value:
    """Hardware FLOPs that recomputation adds to the model FLOPs of ``tokens`` tokens.

    Full recomputation (mode 2) repeats the forward pass of every block, 2·block + 4·s·w per
    token and layer (seed 001: 4 units instead of 3); selective recomputation (mode 1) repeats
    only the attention core (Korthikanti et al. 2022 §5), which a fused flash kernel recomputes
    inside its own backward pass anyway (Dao 2023), so then nothing is added. A level between 1
    and 2 (:func:`recompute_level`) recomputes that share of the layers in full, the rest
    selectively.
    """
    full = matmul_flops(block) + attention_core_flops(seq_len, attn_width)
    selective = if_(and_(recompute >= 1, flash < 0.5), attention_core_flops(seq_len, attn_width), 0)
    share = full_recompute_share(recompute)
    return tokens * layers * (share * full + (1 - share) * selective)


def iter_flops_megatron(
    batch: Value,
    seq_len: Value,
    layers: Value,
    hidden: Value,
    vocab: Value,
    recompute: Value = 0,
) -> Value:
    """FLOPs of one iteration, 24·k·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)), k = 3 + r.

    Source: seed 003 (AscendSpeed ``throughput_calculator``); Narayanan et al. 2021 (SC'21),
    eq. (3), which uses k = 4 (full recomputation). B is the global batch in sequences.
    """
    return (
        24
        * (3 + recompute)
        * batch
        * seq_len
        * layers
        * hidden**2
        * (1 + seq_len / (6 * hidden) + vocab / (16 * layers * hidden))
    )


def forward_flops(
    batch: Value,
    seq_len: Value,
    hidden: Value,
    vocab: Value,
    layers: Value,
    ffn_hidden: Value,
    heads: Value,
    kv_heads: Value,
    gated: Value = 1,
) -> Value:
    """Matrix-multiply FLOPs of one forward pass, any GQA ratio and FFN type. FLOPs.

    Per layer (2 FLOPs per multiply-add, seed 002's derivation): Q and O projections 4·b·s·h²,
    K and V 4·b·s·h²·(kv_heads/heads), scores and weighted sum 4·b·s²·h, FFN
    2·(2 + gated)·b·s·h·i; plus the logits 2·b·s·h·V. Seed 002's 4.5h and 6i are the special
    case kv_heads/heads = 1/8 (Qwen2-72B) with a gated (SwiGLU) FFN.
    """
    per_layer = (4 + 4 * kv_heads / heads) * hidden + 4 * seq_len + (4 + 2 * gated) * ffn_hidden
    return batch * seq_len * hidden * (2 * vocab + layers * per_layer)


def forward_flops_seed002(
    batch: Value, seq_len: Value, hidden: Value, vocab: Value, layers: Value, ffn_hidden: Value
) -> Value:
    """Seed 002 as printed: bs·s·h·(2V + L(4.5h + 4s + 6i)) (Qwen2-72B, GQA 8:64, SwiGLU). FLOPs."""
    return batch * seq_len * hidden * (2 * vocab + layers * (4.5 * hidden + 4 * seq_len + 6 * ffn_hidden))


def infer_flops(params: Value, tokens: Value) -> Value:
    """Inference FLOPs C = 2·T_io·P over input and output tokens (seed 000 eq. (10); seed 001)."""
    return 2 * tokens * params


def infer_flops_attn(
    params: Value, tokens: Value, context_len: Value, layers: Value, hidden: Value
) -> Value:
    """Inference FLOPs with the attention term, T·(2P + 4·h·L·c) for an average context c.

    Source: seed 002 (forward pass 2T(2hLs + P)); the attention part grows with the context.
    """
    return infer_flops_seq(params, tokens, context_len, 4 * hidden * layers)


def infer_flops_seq(params: Value, tokens: Value, context_len: Value, attn_coef: Value) -> Value:
    """Seed 002's printed forward form T·(2P + attn_coef·c), attn_coef = 4·h·L (2.6e6 for
    Qwen-72B as the seed rounds it): its deployment check bs·s·(2.6e6·s + 144e9). FLOPs."""
    return tokens * (2 * params + attn_coef * context_len)


def recompute_extra_forward(recompute_mode: Value) -> Value:
    """The share of the forward pass full recomputation repeats: 1 in mode 2, the share of layers
    recomputed in full at a level between 1 and 2 (:func:`recompute_level`), else 0.

    Selective recomputation (mode 1) redoes only the attention core, a few percent of the FLOPs
    (Korthikanti et al. 2022, Table 4: 2.7% overhead for GPT-3), so it is not counted.
    """
    return full_recompute_share(recompute_mode)


def recompute_level(mode: Value, full_layers: Value, layers_on_stage: Value) -> Value:
    """The recomputation the step model runs, one number: 0 none, 1 selective, 2 full, and between
    1 and 2 selective recomputation with ``full_layers`` of each pipeline stage's
    ``layers_on_stage`` layers recomputed in full, level 1 + full_layers / layers_on_stage.

    Megatron-LM's block method (``--recompute-granularity full --recompute-method block
    --recompute-num-layers N``; Korthikanti et al. 2022 §5 discuss checkpointing only some
    layers): it trades the memory of the stage's stored activations against recomputation layer by
    layer, where mode 2 recomputes every layer. Every per-layer cost and byte count is a sum over
    the stage's layers, so the level's share weights the full and the selective terms
    (:func:`full_recompute_share`). ``full_layers`` counts only in mode 1."""
    share = min_(max_(full_layers, 0), layers_on_stage) / max_(layers_on_stage, 1)
    return if_(mode >= 2, 2, if_(mode >= 1, 1 + share, 0))


def full_recompute_share(recompute: Value) -> Value:
    """Share of the layers whose forward pass is recomputed in full at a recomputation level
    (:func:`recompute_level`): 0 for none and selective, 1 for full, ℓ − 1 in between."""
    return min_(max_(recompute - 1, 0), 1)


def selective_recompute(recompute: Value) -> Value:
    """1 when some layers run selective recomputation: levels from 1 up to, not including, 2."""
    return if_(and_(recompute >= 1, recompute < 2), 1, 0)
