"""Parameter counts of decoder-only transformer language models.

Three levels of precision, all in raw counts (SI: a count, not "billions"):

* :func:`params_12lh2` -- the seed's rule of thumb ``P = 12*l*h^2`` (seed 003, "AICC cheat sheet",
  /work/shared/seeds/003_*.txt: "P=12lh^2 (忽略Embedding层等信息)", i.e. ignoring embeddings). It
  is ``4h^2`` attention + ``8h^2`` MLP per layer for the GPT-2/3 shape (ffn = 4h, MHA, no bias).
* :func:`params_dense` -- an exact count for a dense decoder without bias terms (Llama-style),
  written as plain arithmetic so it also renders as one Excel formula (UDF ``LLM_PARAMS`` and the
  workbook's Models sheet).
* :func:`count_params` -- the exact count for any :class:`ModelArch`: GQA, SwiGLU, biases,
  LayerNorm/RMSNorm, learned positions, mixture-of-experts (routed + shared experts, leading
  dense layers) and DeepSeek's multi-head latent attention (MLA). It reproduces the Hugging Face
  ``safetensors`` totals of the catalog's open models exactly (tests/core/test_params.py).

:class:`ModelArch` bounds every field (layers ≤ 10,000, widths ≤ 10^6, MLP widths and vocabulary
≤ 10^7, heads and experts ≤ 10^5, …; the ``MAX_*`` constants), far beyond any published model, so
that a hostile architecture cannot drive a count or a derived figure out of a float's range; its
name is one line of at most 80 characters without control characters.

Sources for the layer anatomy: Megatron-LM (Shoeybi et al. 2019, arXiv:1909.08053; Narayanan et
al. 2021, arXiv:2104.04473), kipply, "LLM Parameter Counting" (https://kipp.ly/transformer-param-count/,
2022), and the Hugging Face ``modeling_*.py`` / ``config.json`` of each model family (Llama,
Qwen2, Mixtral, DeepSeek-V3).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xlcompute.core.expr import Value, if_

__all__ = [
    "params_12lh2",
    "params_dense",
    "qkv_params",
    "attn_out_params",
    "mlp_params",
    "block_params",
    "first_stage_params",
    "ModelArch",
    "ParamCount",
    "count_params",
]


# -- expression-capable formulas (numbers or Excel references) ----------------------------


def params_12lh2(layers: Value, hidden: Value) -> Value:
    """Approximate parameter count ``12 * l * h^2`` (seed 003).

    Source: seed 003 "AICC大模型Cheat Sheet" (2023-09-13), "P=12lh^2, 忽略Embedding层等信息"
    (embeddings ignored), with the worked table l,h = (32,4096), (40,5120), (60,6656),
    (80,8192) -> 6,442,450,944; 12,582,912,000; 31,897,681,920; 64,424,509,440
    (worked_examples.md #9). The 12 = 4 (Q, K, V, O projections of h x h) + 8 (two h x 4h MLP
    matrices); it ignores embeddings, norms, biases, GQA and gated MLPs, so it undercounts
    modern models (Llama-3.1-8B: 6.44e9 vs 8.03e9 exact) -- use :func:`params_dense` or
    :func:`count_params` for those.

    Works on numbers (returns a number) and on ``Ref`` expressions (renders ``=12*l*h^2``).
    """
    return 12 * layers * hidden**2


def params_dense(
    layers: Value,
    hidden: Value,
    vocab: Value,
    ffn_hidden: Value,
    heads: Value,
    kv_heads: Value,
    gated: Value = 1,
    tied: Value = 0,
    norm_params: Value = 1,
) -> Value:
    """Exact parameter count of a dense decoder-only transformer without bias terms.

    Per layer (head size ``d = hidden/heads``; kipply 2022; HF ``LlamaDecoderLayer``):

    * attention: Q ``h*(heads*d)`` + K and V ``2*h*(kv_heads*d)`` + O ``(heads*d)*h``
      = ``2h^2 + 2h^2*kv_heads/heads`` (grouped-query attention when ``kv_heads < heads``);
    * MLP: ``(2 + gated)*h*ffn_hidden`` -- two matrices, plus the gate of SwiGLU/GeGLU when
      ``gated = 1`` (Shazeer 2020, arXiv:2002.05202);
    * two norms per layer and one final norm, each ``norm_params*h`` (1 = RMSNorm weight only,
      2 = LayerNorm weight + bias);
    * token embedding ``vocab*h`` plus the output head ``vocab*h`` unless ``tied = 1``.

    Ignored (see :func:`count_params` for them): bias vectors (GPT-3 all layers, Qwen2 QKV),
    learned position embeddings, MoE, MLA. Flags are numbers (0/1), never Python ``if``s, so the
    same function renders one Excel formula when called with references. For numbers the result
    is exact as long as it stays below 2**53 (any realistic model) because of the ``/heads``.

    Defaults follow the Llama/Qwen/Mixtral/DeepSeek families: gated MLP, untied embeddings, RMSNorm.
    """
    # qkv_params + attn_out_params with head_dim = hidden/heads, written so that integer inputs
    # give an exact count (no rounding of hidden/heads).
    attention = 2 * hidden**2 + 2 * hidden**2 * kv_heads / heads
    mlp = mlp_params(hidden, ffn_hidden, gated)
    norms = norm_params * hidden * (2 * layers + 1)
    embeddings = (2 - tied) * vocab * hidden
    return layers * (attention + mlp) + norms + embeddings


def qkv_params(hidden: Value, heads: Value, kv_heads: Value, head_dim: Value) -> Value:
    """Weights of the fused query/key/value projection, ``h·d·(heads + 2·kv_heads)``.

    Source: Megatron-LM's column-parallel QKV layer (Shoeybi et al. 2019 §3); grouped-query
    attention shares each K/V head among heads/kv_heads query heads (Ainslie et al. 2023).
    """
    return hidden * head_dim * (heads + 2 * kv_heads)


def attn_out_params(hidden: Value, heads: Value, head_dim: Value) -> Value:
    """Weights of the attention output projection, ``heads·d·h`` (Shoeybi et al. 2019 §3)."""
    return heads * head_dim * hidden


def mlp_params(hidden: Value, ffn_hidden: Value, gated: Value) -> Value:
    """Weights of one MLP, ``(2 + gated)·h·ffn``: up and down projections, plus the gate of
    SwiGLU/GeGLU when ``gated`` = 1 (Shazeer 2020, arXiv:2002.05202)."""
    return (2 + gated) * hidden * ffn_hidden


def block_params(params: Value, embedding: Value, lm_head: Value, layers: Value) -> Value:
    """Parameters of one transformer block on average, ``(P − embedding − output head) / L``.

    Everything that is not an embedding table or the output head sits in the blocks (the final
    norm, ``h`` values, is spread over them). With a parameter override the blocks absorb the
    difference, so the stage weights follow the size the user gave.
    """
    return (params - embedding - lm_head) / layers


def first_stage_params(
    block: Value, layers_on_stage: Value, embedding: Value, lm_head: Value, pp: Value
) -> Value:
    """Parameters held by the first pipeline stage: its blocks plus the embedding tables, plus the
    output head when there is one stage.

    Source: Narayanan et al. 2021 §2.2 (Megatron-LM places the embedding on the first stage and
    the output layer on the last; with tied embeddings the last stage keeps a copy, so the last
    stage holds V·h as well). The first stage is the memory bottleneck of 1F1B, which keeps p
    micro-batches of activations there (Korthikanti et al. 2022 §4.2.3). ``layers_on_stage`` is
    ⌈L/p⌉ for uneven stages.
    """
    return block * layers_on_stage + embedding + if_(pp <= 1, lm_head, 0)


# -- exact counts over an architecture description ----------------------------------------


# -- bounds of a custom architecture (ModelArch) -------------------------------------------

MAX_LAYERS = 10_000
MAX_WIDTH = 1_000_000
MAX_HEADS = 100_000
MAX_HEAD_DIM = 100_000
MAX_FFN = 10_000_000
MAX_VOCAB = 10_000_000
MAX_POSITIONS = 100_000_000
MAX_EXPERTS = 100_000
MAX_MTP_LAYERS = 100
NAME_PATTERN = "^[^\x00-\x1f\x7f-\x9f\ufffe\uffff]*$"
"""A one-line name: no C0 control characters (tab and newline included), no DEL, no C1, and no
U+FFFE/U+FFFF, which XML (so a workbook) cannot hold."""


def _as_int(x: object) -> int | None:
    """An int view of a raw input used only to derive defaults (pydantic validates the rest)."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    # Short digit strings only: int() refuses text beyond 4,300 digits with advice meant for
    # programmers, and no bounded field needs more than a few digits (pydantic reports the rest).
    if isinstance(x, str) and x.strip().isdigit() and len(x.strip()) <= 20:
        return int(x.strip())
    return None


class ModelArch(BaseModel):
    """Architecture fields needed for an exact parameter count (HF ``config.json`` vocabulary).

    Defaults describe a Llama-style model: RMSNorm, SwiGLU, untied embeddings, no biases,
    rotary positions (no learned position table), dense. ``kv_heads`` defaults to ``heads``
    (multi-head attention), ``head_dim`` to ``hidden // heads`` and ``moe_ffn_hidden`` to
    ``ffn_hidden``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Bounds: far beyond any published model (the largest catalog entries have 128 layers, h = 25,600,
    # a 256,000 vocabulary, 256 experts) yet small enough that no count, FLOP or byte figure
    # derived from them comes near a float's range. Text: one line, no control characters.
    name: str = Field(
        "custom", min_length=1, max_length=80, pattern=NAME_PATTERN,
        description="model name for the outputs; one line, at most 80 characters, no control characters",
    )
    layers: int = Field(gt=0, le=MAX_LAYERS, description="transformer blocks (num_hidden_layers)")
    hidden: int = Field(gt=0, le=MAX_WIDTH, description="model width h (hidden_size)")
    heads: int = Field(gt=0, le=MAX_HEADS, description="query heads (num_attention_heads)")
    kv_heads: int = Field(gt=0, le=MAX_HEADS, description="key/value heads; < heads is GQA, 1 is MQA")
    head_dim: int = Field(gt=0, le=MAX_HEAD_DIM, description="size of one attention head")
    ffn_hidden: int = Field(
        gt=0, le=MAX_FFN, description="MLP inner width of a dense layer (intermediate_size)"
    )
    gated_ffn: bool = Field(True, description="SwiGLU/GeGLU: 3 MLP matrices instead of 2")
    vocab: int = Field(0, ge=0, le=MAX_VOCAB, description="vocabulary size; 0 leaves embeddings out")
    tied_embeddings: bool = Field(False, description="output head shares the embedding matrix")
    position_embeddings: int = Field(
        0, ge=0, le=MAX_POSITIONS,
        description="rows of a learned absolute position table (GPT-3: 2048); 0 = rotary",
    )
    attn_bias: bool = Field(False, description="bias on Q, K, V and the output projection (GPT-3)")
    qkv_bias: bool = Field(False, description="bias on Q, K, V only (Qwen2)")
    mlp_bias: bool = Field(False, description="bias on every MLP matrix (GPT-3)")
    norm: Literal["rmsnorm", "layernorm"] = Field(
        "rmsnorm", description="layernorm has weight and bias, rmsnorm weight only"
    )
    # mixture of experts
    experts: int = Field(0, ge=0, le=MAX_EXPERTS, description="routed experts per MoE layer; 0 = dense model")
    top_k: int = Field(0, ge=0, le=MAX_EXPERTS, description="routed experts active per token")
    shared_experts: int = Field(
        0, ge=0, le=MAX_EXPERTS, description="always-active experts per MoE layer (DeepSeek)"
    )
    # 0 only while the fields are checked: filled from ffn_hidden, so a missing ffn_hidden is one error.
    moe_ffn_hidden: int = Field(
        0, ge=0, le=MAX_FFN, description="MLP inner width of one expert; default ffn_hidden"
    )
    dense_layers: int = Field(
        0, ge=0, le=MAX_LAYERS, description="leading layers that stay dense (DeepSeek-V3: 3)"
    )
    router_bias: bool = Field(False, description="per-expert router bias (DeepSeek-V3 correction bias)")
    expert_groups: int = Field(
        0, ge=0, le=MAX_EXPERTS, description="expert groups of group-limited routing (HF n_group; 0 = none)"
    )
    group_limit: int = Field(
        0, ge=0, le=MAX_EXPERTS, description="groups a token's experts may come from (HF topk_group; 0 = no limit)"
    )
    # multi-head latent attention (DeepSeek-V2/V3); kv_lora_rank = 0 means ordinary attention
    q_lora_rank: int = Field(
        0, ge=0, le=MAX_WIDTH, description="MLA query compression rank; 0 = full-rank query"
    )
    kv_lora_rank: int = Field(
        0, ge=0, le=MAX_WIDTH, description="MLA key/value compression rank; >0 enables MLA"
    )
    qk_nope_head_dim: int = Field(
        0, ge=0, le=MAX_HEAD_DIM, description="MLA per-head query/key size without RoPE"
    )
    qk_rope_head_dim: int = Field(
        0, ge=0, le=MAX_HEAD_DIM, description="MLA per-head query/key size with RoPE"
    )
    v_head_dim: int = Field(0, ge=0, le=MAX_HEAD_DIM, description="MLA per-head value size")
    mtp_layers: int = Field(
        0, ge=0, le=MAX_MTP_LAYERS,
        description="multi-token-prediction modules (DeepSeek-V3: 1), counted apart",
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        # Defaults that depend on other fields are filled before validation so the frozen
        # model always holds concrete numbers.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("kv_heads") is None and "heads" in data:
            data["kv_heads"] = data["heads"]
        if data.get("head_dim") is None:
            heads, hidden = _as_int(data.get("heads")), _as_int(data.get("hidden"))
            # Only in range: the fields' own bounds report the rest (and echo no 400-digit number).
            if heads is not None and hidden is not None and 0 < heads <= MAX_HEADS and 0 < hidden <= MAX_WIDTH:
                if hidden % heads:
                    raise ValueError(
                        f"heads={heads} must divide hidden={hidden} exactly "
                        f"(or give head_dim explicitly, e.g. GPT-3 13B: hidden 5140, head_dim 128)"
                    )
                data["head_dim"] = hidden // heads
        if data.get("moe_ffn_hidden") is None and "ffn_hidden" in data:
            data["moe_ffn_hidden"] = data["ffn_hidden"]
        return data

    @model_validator(mode="after")
    def _check_consistency(self) -> ModelArch:
        if self.heads % self.kv_heads:
            raise ValueError(
                f"kv_heads={self.kv_heads} must divide heads={self.heads} "
                f"(allowed: a divisor of heads, 1..{self.heads})"
            )
        if self.experts == 0:
            if self.top_k or self.shared_experts or self.dense_layers or self.router_bias or self.expert_groups \
                    or self.group_limit:
                raise ValueError(
                    "top_k, shared_experts, dense_layers, router_bias, expert_groups and group_limit need experts > 0 "
                    f"(got experts=0, top_k={self.top_k}, shared_experts={self.shared_experts}, "
                    f"dense_layers={self.dense_layers})"
                )
        else:
            if not 1 <= self.top_k <= self.experts:
                raise ValueError(
                    f"top_k={self.top_k} must be between 1 and experts={self.experts}"
                )
            if self.expert_groups and self.experts % self.expert_groups:
                raise ValueError(
                    f"expert_groups={self.expert_groups} must divide experts={self.experts} "
                    "(allowed: 0 or a divisor of experts)"
                )
            if self.group_limit > self.expert_groups:
                raise ValueError(
                    f"group_limit={self.group_limit} must not exceed expert_groups={self.expert_groups} "
                    f"(allowed: 0..{self.expert_groups})"
                )
            if self.dense_layers >= self.layers:
                raise ValueError(
                    f"dense_layers={self.dense_layers} must be below layers={self.layers} "
                    "for a mixture-of-experts model (allowed: 0..layers-1)"
                )
        mla_dims = (self.qk_nope_head_dim, self.qk_rope_head_dim, self.v_head_dim)
        if self.kv_lora_rank:
            if min(mla_dims) <= 0:
                raise ValueError(
                    "MLA (kv_lora_rank > 0) needs qk_nope_head_dim, qk_rope_head_dim and "
                    f"v_head_dim > 0 (got {mla_dims})"
                )
            if self.attn_bias or self.qkv_bias:
                # DeepSeek's MLA has no projection biases; a biased MLA is not modelled.
                raise ValueError("attn_bias/qkv_bias are not modelled for MLA attention (kv_lora_rank > 0)")
        elif self.q_lora_rank or any(mla_dims):
            raise ValueError(
                "q_lora_rank and the MLA head sizes are only used with kv_lora_rank > 0 "
                f"(got kv_lora_rank=0, q_lora_rank={self.q_lora_rank}, head sizes {mla_dims})"
            )
        if self.mtp_layers and not self.experts:
            # Only DeepSeek-V3's MTP module (one MoE block) is modelled.
            raise ValueError("mtp_layers is only modelled for mixture-of-experts models (DeepSeek-V3)")
        return self

    @property
    def is_moe(self) -> bool:
        """True for a mixture-of-experts model."""
        return self.experts > 0

    @property
    def is_mla(self) -> bool:
        """True when attention is DeepSeek's multi-head latent attention."""
        return self.kv_lora_rank > 0

    @property
    def moe_layers(self) -> int:
        """Number of layers holding experts (0 for a dense model)."""
        return self.layers - self.dense_layers if self.experts else 0


class ParamCount(BaseModel):
    """An exact parameter count, split by component (raw counts).

    ``total`` = embedding + lm_head + attention + ffn + router + norm; it is the figure a model
    card publishes. ``mtp`` (DeepSeek-V3's multi-token-prediction module, dropped at inference)
    is reported apart and not in ``total``, matching DeepSeek's published 671B.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    total: int = Field(description="all parameters of the main model")
    active: int = Field(description="parameters used per token (= total for a dense model)")
    embedding: int = Field(description="token embedding + learned position table")
    lm_head: int = Field(description="separate output projection (0 when tied)")
    attention: int = Field(description="attention projections, their biases and MLA's inner norms")
    ffn: int = Field(description="dense MLPs + every routed and shared expert")
    router: int = Field(description="MoE gating weights (and bias)")
    norm: int = Field(description="per-layer and final normalisation parameters")
    mtp: int = Field(0, description="multi-token-prediction modules, not included in total")

    @property
    def non_embedding(self) -> int:
        """``total`` without the embedding tables and output head (Kaplan et al. 2020's N;
        also how Qwen model cards quote "non-embedding parameters")."""
        return self.total - self.embedding - self.lm_head

    @property
    def active_non_embedding(self) -> int:
        """Per-token parameters without embedding tables and output head."""
        return self.active - self.embedding - self.lm_head

    @property
    def total_with_mtp(self) -> int:
        """``total`` plus the multi-token-prediction modules (training-time checkpoint size)."""
        return self.total + self.mtp


def _attention_params(a: ModelArch) -> int:
    """Attention projections of one layer (Megatron-LM; HF Llama/Qwen2/DeepSeek-V3 modeling)."""
    h = a.hidden
    norm_w = 2 if a.norm == "layernorm" else 1
    if a.is_mla:
        # DeepSeek-V3 (arXiv:2412.19437, Sec. 2.1.1): low-rank Q and joint KV compression,
        # decoupled RoPE key shared by all heads, each latent followed by an RMSNorm.
        qk_dim = a.qk_nope_head_dim + a.qk_rope_head_dim
        if a.q_lora_rank:
            q = h * a.q_lora_rank + norm_w * a.q_lora_rank + a.q_lora_rank * a.heads * qk_dim
        else:
            q = h * a.heads * qk_dim
        kv = (
            h * (a.kv_lora_rank + a.qk_rope_head_dim)
            + norm_w * a.kv_lora_rank
            + a.kv_lora_rank * a.heads * (a.qk_nope_head_dim + a.v_head_dim)
        )
        o = a.heads * a.v_head_dim * h
        return q + kv + o
    q_out = a.heads * a.head_dim
    kv_out = a.kv_heads * a.head_dim
    weights = qkv_params(h, a.heads, a.kv_heads, a.head_dim) + attn_out_params(h, a.heads, a.head_dim)
    bias = 0
    if a.attn_bias or a.qkv_bias:
        bias += q_out + 2 * kv_out
    if a.attn_bias:
        bias += h
    return weights + bias


def _mlp_params(a: ModelArch, inner: int) -> int:
    """One MLP (or one expert) of inner width ``inner``: 2 or 3 matrices plus optional biases."""
    mats = 3 if a.gated_ffn else 2
    weights = mlp_params(a.hidden, inner, int(a.gated_ffn))
    bias = ((mats - 1) * inner + a.hidden) if a.mlp_bias else 0
    return weights + bias


def count_params(arch: ModelArch) -> ParamCount:
    """Exact parameter count of ``arch`` (Python ints), split by component.

    Layer anatomy from Megatron-LM and kipply's "LLM Parameter Counting"; MoE as in Mixtral
    (arXiv:2401.04088: 8 SwiGLU experts, top-2, router ``h x experts`` without bias) and
    DeepSeek-V3 (arXiv:2412.19437: 1 shared + 256 routed experts, top-8, first 3 layers dense,
    MLA attention, one MTP module). ``active`` counts every dense part plus ``top_k + shared``
    experts per MoE layer, embeddings included (Mistral's 12.9B and DeepSeek's 37B are quoted
    that way, within 2%). Checked against Hugging Face ``safetensors`` totals, e.g.
    Llama-3.1-8B = 8,030,261,248 and Mixtral-8x7B = 46,702,792,704.
    """
    h = arch.hidden
    norm_w = 2 if arch.norm == "layernorm" else 1

    embedding = arch.vocab * h + arch.position_embeddings * h
    lm_head = 0 if arch.tied_embeddings else arch.vocab * h
    attention_layer = _attention_params(arch)
    attention = arch.layers * attention_layer
    norm_layer = 2 * norm_w * h
    norm = arch.layers * norm_layer + norm_w * h

    dense_mlp = _mlp_params(arch, arch.ffn_hidden)
    expert_mlp = _mlp_params(arch, arch.moe_ffn_hidden)
    n_moe = arch.moe_layers
    n_dense = arch.layers - n_moe
    experts_per_layer = arch.experts + arch.shared_experts
    router_layer = (h * arch.experts + (arch.experts if arch.router_bias else 0)) if n_moe else 0

    ffn = n_dense * dense_mlp + n_moe * experts_per_layer * expert_mlp
    router = n_moe * router_layer
    total = embedding + lm_head + attention + ffn + router + norm

    idle_experts = arch.experts - arch.top_k if n_moe else 0
    active = total - n_moe * idle_experts * expert_mlp

    mtp = 0
    if arch.mtp_layers:
        # DeepSeek-V3 MTP module: two RMSNorms on its inputs, a 2h -> h projection, one MoE
        # transformer block and a final norm; embedding and output head are shared.
        block = attention_layer + norm_layer + experts_per_layer * expert_mlp + router_layer
        mtp = arch.mtp_layers * (3 * norm_w * h + 2 * h * h + block)

    return ParamCount(
        total=total,
        active=active,
        embedding=embedding,
        lm_head=lm_head,
        attention=attention,
        ffn=ffn,
        router=router,
        norm=norm,
        mtp=mtp,
    )
