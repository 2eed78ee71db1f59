"""Compute phase: kernel time of one layer and one micro-batch on one card (seconds).

GEMMs on Calculon's efficiency curve, the attention core (unfused or flash), memory-bound
element-wise kernels, backward = 2 × forward, recomputation, and the output layer (its GEMM and
the HBM traffic of the cross-entropy loss over the vocabulary).
"""

from xlcompute.core import arith, kernels, moe
from xlcompute.graph import step

__all__ = ["STEPS"]

ST = "step"
# Linear layers run at the training precision's GEMM peak (FP8 where it applies); attention and the
# output layer at the BF16 peak (DeepSeek-V3 §3.3.1).
_GEMM = ("bf16_peak_flops", "gemm_eff_max", "gemm_dim_half")
_LIN = ("linear_peak_flops", "gemm_eff_max", "gemm_dim_half")

STEPS = (
    step("gemm_dim_half", ST, kernels.half_efficiency_dim, "matmul_dim_half", "bf16_peak_flops", "hbm_bytes_per_s"),
    step("qkv_seconds", ST, moe.attention_projection_seconds,
         "tokens_per_microbatch", "hidden", "heads", "kv_heads", "head_dim", "mla_qkv_params", "tp", *_LIN),
    step("attn_out_seconds", ST, kernels.attn_out_seconds,
         "tokens_per_microbatch", "hidden", "heads", "head_dim", "tp", *_LIN),
    step("mlp_up_seconds", ST, kernels.mlp_up_seconds,
         "tokens_per_microbatch", "hidden", "dense_ffn_hidden", "gated_ffn", "tp", *_LIN),
    step("mlp_down_seconds", ST, kernels.mlp_down_seconds, "tokens_per_microbatch", "hidden", "dense_ffn_hidden",
         "tp", *_LIN),
    # routed experts: one MoE layer's grouped GEMMs, then the layer-average block's share
    step("expert_layer_seconds", ST, moe.expert_gemm_seconds,
         "routed_rows", "hidden", "moe_ffn_hidden", "gated_ffn", "experts", "ep", "expert_tp", *_LIN,
         "grouped_gemm_efficiency"),
    step("expert_forward_seconds", ST, moe.expert_forward_seconds, "moe_share", "expert_layer_seconds"),
    step("gemm_forward_seconds", ST, arith.total, "qkv_seconds", "attn_out_seconds", "mlp_up_seconds",
         "mlp_down_seconds", "expert_forward_seconds"),
    step("attention_forward_seconds", ST, kernels.attention_forward_seconds,
         "tokens_per_microbatch", "seq_len", "attn_width", "head_dim", "tp", *_GEMM,
         "flash_attention", "flash_attention_efficiency", "software_efficiency"),
    step("attention_backward_seconds", ST, kernels.attention_backward_seconds,
         "attention_forward_seconds", "flash_attention", "recompute_level"),
    step("elementwise_forward_seconds", ST, kernels.elementwise_seconds,
         "elementwise_bytes_layer", "elementwise_traffic_factor", "hbm_bytes_per_s", "software_efficiency"),
    step("score_elementwise_seconds", ST, kernels.elementwise_seconds,
         "score_traffic_layer", "elementwise_traffic_factor", "hbm_bytes_per_s", "software_efficiency"),
    step("layer_forward_seconds", ST, arith.total,
         "gemm_forward_seconds", "attention_forward_seconds", "elementwise_forward_seconds"),
    step("layer_backward_seconds", ST, kernels.layer_backward_seconds,
         "gemm_forward_seconds", "elementwise_forward_seconds", "attention_forward_seconds", "flash_attention"),
    step("mla_recompute_seconds", ST, moe.mla_recompute_seconds, "qkv_seconds", "mla_latent_width", "recompute_level"),
    step("layer_recompute_seconds", ST, kernels.layer_recompute_seconds,
         "layer_forward_seconds", "attention_forward_seconds", "score_elementwise_seconds", "recompute_level",
         "flash_attention", "mla_recompute_seconds"),
    step("layer_gemm_seconds", ST, kernels.layer_gemm_seconds,
         "gemm_forward_seconds", "attention_forward_seconds", "recompute_level"),
    step("logits_forward_seconds", ST, kernels.logits_forward_seconds,
         "tokens_per_microbatch", "hidden", "vocab", "tp", *_GEMM),
    step("logits_gemm_seconds", ST, kernels.forward_backward_seconds, "logits_forward_seconds"),
    # The loss runs where the logits are (the last stage), so it joins the output layer's time: the
    # pipeline's pace, the bubble (which leaves the output layer out) and MFU see it alike. Its
    # backward comes before any gradient exists, so the DP window (logits_forward_seconds) omits it.
    step("loss_seconds", ST, kernels.loss_traffic_seconds,
         "tokens_per_microbatch", "vocab", "tp", "loss_traffic_bytes", "hbm_bytes_per_s", "software_efficiency"),
    step("logits_seconds", ST, arith.total, "logits_gemm_seconds", "loss_seconds"),
)
