"""One registry of quantities: every input and figure's label (en/zh), unit, display kind, Excel
number format and source, in one place.

The workbook, the proposal, the CLI and the function docs read labels, units and formats from
here; adding a figure touches its core formula, its graph step and one row below (a test checks
that every graph key has a row and every row a key). The display kind decides both the text of
the CLI and the PDF (:func:`format_value`, through :mod:`xlcompute.fmt`) and the Excel number
format (:func:`excel_format`), so a figure looks alike in all three.

``source``: where an input's default comes from, or the paper or seed a figure's formula follows.
A figure without its own row source takes the citation of its core function's docstring
(:func:`source`), which is where the engineering standard puts it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import NamedTuple

from xlcompute import fmt

__all__ = [
    "Quantity",
    "QUANTITIES",
    "KINDS",
    "quantity",
    "label",
    "unit",
    "unit_text",
    "excel_format",
    "format_value",
    "carries_unit",
    "citation",
    "source",
    "SHEET_TITLES",
]


class Quantity(NamedTuple):
    key: str
    en: str
    zh: str
    unit_en: str
    unit_zh: str
    kind: str
    source: str


_SCI, _INT, _DEC1, _DEC2, _DEC3, _PCT = "0.000E+00", "#,##0", "#,##0.0", "#,##0.00", "#,##0.000", "0.0%"
_SYMBOL = {"CNY": "¥", "USD": "$"}


def _money_format(digits: int) -> Callable[[str], str]:
    def excel(currency: str) -> str:
        decimals = "." + "0" * digits if digits else ""
        return f'"{_SYMBOL.get(currency, "")}"#,##0{decimals}'

    return excel


def _const(text: str) -> Callable[[str], str]:
    return lambda _currency: text


# Parameters and tokens in thousands-scaled display formats (the cell keeps the exact count), never
# in scientific notation (issue 14 §6). Excel and LibreOffice divide by 1000 per trailing comma; a
# format cannot divide by 10^8, so the Chinese workbook reads billions as 十亿 (the PDF and CLI say 亿).
_BIG_FORMATS = {
    "en": '[>=1E12]#,##0.0##,,,," T";[>=1E9]#,##0.0##,,," B";#,##0',
    "zh": '[>=1E12]#,##0.0##,,,,"万亿";[>=1E9]#,##0.0##,,,"十亿";#,##0',
}

#: Display kind -> (text formatter(value, currency), Excel number format(currency), text carries the unit).
KINDS: dict[str, tuple[Callable[[float, str], str], Callable[[str], str], bool]] = {
    "count": (lambda x, c: fmt.count(x), _const(_INT), False),
    "plain": (lambda x, c: fmt.plain(x), _const("General"), False),
    "flag": (lambda x, c: fmt.count(x), _const("0"), False),
    "dec1": (lambda x, c: fmt.number(x, 1), _const(_DEC1), False),
    "dec2": (lambda x, c: fmt.number(x, 2), _const(_DEC2), False),
    "dec3": (lambda x, c: fmt.number(x, 3), _const(_DEC3), False),
    "seconds": (lambda x, c: fmt.number(x, 3), _const(_DEC3), False),
    "micro": (lambda x, c: fmt.sci(x, 2), _const("0.00E+00"), False),
    "percent": (lambda x, c: fmt.percent(x), _const(_PCT), True),
    "sci": (lambda x, c: fmt.sci(x), _const(_SCI), False),
    "big": (lambda x, c: fmt.big_count(x), _const(_BIG_FORMATS["en"]), False),
    "days": (lambda x, c: fmt.days(x), _const(_DEC1), False),
    "hours": (lambda x, c: fmt.hours(x), _const(_INT), False),
    "bytes": (lambda x, c: fmt.gb(x), _const(_INT), True),
    "money": (lambda x, c: fmt.money(x, c), _money_format(0), True),
    "money2": (lambda x, c: fmt.money(x, c, 2), _money_format(2), True),
    "money4": (lambda x, c: fmt.money(x, c, 4), _money_format(4), True),
    "money8": (lambda x, c: fmt.money(x, c, 8), _money_format(8), True),
}


def _q(key: str, en: str, zh: str, unit_en: str, unit_zh: str | None, kind: str, source: str = "") -> Quantity:
    return Quantity(key, en, zh, unit_en, unit_en if unit_zh is None else unit_zh, kind, source)


_CUR = ("currency", "货币")
_B = ("bytes", "字节")
_S = ("s", "秒")

_ROWS: tuple[Quantity, ...] = (
    # -- inputs: model ----------------------------------------------------------------------------
    _q("model_params", "Model parameters (total)", "模型参数量（总）", "params", "个", "big"),
    _q("model_active_params", "Parameters active per token", "每 token 激活参数量", "params", "个", "big"),
    _q("layers", "Transformer layers", "Transformer 层数", "layers", "层", "count"),
    _q("hidden", "Hidden size h", "隐藏层维度 h", "", None, "count"),
    _q("heads", "Attention heads", "注意力头数", "", None, "count"),
    _q("kv_heads", "Key/value heads (GQA)", "KV 头数（GQA）", "", None, "count"),
    _q("head_dim", "Head dimension", "每头维度", "", None, "count"),
    _q("attn_width", "Attention width (heads × head dimension)", "注意力宽度（头数 × 每头维度）", "", None, "count"),
    _q("ffn_hidden", "MLP inner width", "MLP 中间层维度", "", None, "count"),
    _q("gated_ffn", "Gated MLP, SwiGLU (1 = yes)", "门控 MLP，SwiGLU（1 = 是）", "0/1", None, "flag"),
    _q("vocab", "Vocabulary size", "词表大小", "tokens", "个", "count"),
    _q("embedding_params", "Embedding tables", "嵌入表参数", "params", "个", "big"),
    _q("lm_head_params", "Output head (0 if tied)", "输出层参数（共享时为 0）", "params", "个", "big"),
    # mixture of experts, MLA, MTP (issue 15; 0 for a dense model)
    _q("moe_layers", "Layers with experts (MoE)", "含专家的层数（MoE）", "layers", "层", "count", "DeepSeek-V3 (arXiv:2412.19437) §2.1.2"),
    _q("experts", "Routed experts per MoE layer", "每个 MoE 层的路由专家数", "experts", "个", "count", "DeepSeek-V3 (arXiv:2412.19437) §2.1.2"),
    _q("moe_top_k", "Routed experts active per token (top-k)", "每 token 激活的路由专家数（top-k）", "experts", "个",
       "count", "DeepSeek-V3 (arXiv:2412.19437) §2.1.2; Fedus et al. 2021 (Switch)"),
    _q("shared_experts", "Shared experts per MoE layer", "每个 MoE 层的共享专家数", "experts", "个", "count",
       "DeepSeek-V3 (arXiv:2412.19437) §2.1.2"),
    _q("moe_ffn_hidden", "Expert MLP inner width", "专家 MLP 中间层维度", "", None, "count", "DeepSeek-V3 (arXiv:2412.19437) §4.2"),
    _q("expert_params", "Routed-expert parameters (all layers)", "路由专家参数（全部层）", "params", "个", "big",
       "exact count from the architecture"),
    _q("mla_qkv_params", "MLA query/key/value projection weights per layer (0 = not MLA)",
       "每层 MLA 查询/键/值投影权重（0 = 非 MLA）", "params", "个", "big", "DeepSeek-V3 (arXiv:2412.19437) §2.1.1"),
    _q("mtp_params", "Multi-token-prediction weights per training token", "多 token 预测模块每训练 token 的权重",
       "params", "个", "big", "DeepSeek-V3 (arXiv:2412.19437) §2.2"),
    # -- inputs: training -------------------------------------------------------------------------
    _q("train_tokens", "Training tokens", "训练 token 数", "tokens", "个", "big"),
    _q("seq_len", "Sequence length", "序列长度", "tokens", "个", "count"),
    _q("batch_target", "Global batch target", "目标全局批大小", "sequences", "条", "count"),
    _q("micro_batch", "Micro-batch per card", "每卡微批大小", "sequences", "条", "count"),
    _q("param_bytes", "Bytes per parameter/gradient (a)", "参数/梯度字节数 (a)", *_B, "plain"),
    _q("optimizer_bytes", "Optimizer bytes per parameter (b)", "优化器字节数 (b)", *_B, "plain"),
    _q("zero_stage", "ZeRO stage", "ZeRO 阶段", "0-3", None, "count"),
    _q("recompute_mode", "Recomputation (0 none, 1 selective, 2 full)", "重计算（0 无，1 选择性，2 完全）", "", None,
       "count"),
    _q("sp", "Sequence parallel (1 = on)", "序列并行（1 = 开）", "0/1", None, "flag"),
    _q("flash_attention", "Fused (flash) attention (1 = on)", "融合注意力 FlashAttention（1 = 开）", "0/1", None, "flag"),
    _q("tp", "Tensor parallel (TP)", "张量并行 (TP)", "cards", "卡", "count"),
    _q("pp", "Pipeline parallel (PP)", "流水线并行 (PP)", "stages", "级", "count"),
    _q("interleave", "Interleaved stages per card (v)", "每卡交错阶段数 (v)", "chunks", "段", "count"),
    _q("tp_overlap", "TP communication overlapped (1 = on)", "张量并行通信重叠（1 = 开）", "0/1", None, "flag"),
    _q("dp_overlap", "DP communication overlapped (1 = on)", "数据并行通信重叠（1 = 开）", "0/1", None, "flag"),
    # -- inputs: context parallelism and offload (issue 11) --
    _q("cp", "Context parallel (CP)", "上下文并行 (CP)", "cards", "卡", "count",
       "Megatron-Core context parallel; Dubey et al. 2024 (Llama 3) §3.3.2"),
    _q("ep", "Expert parallel (EP)", "专家并行 (EP)", "cards", "卡", "count", "Megatron-Core MoE: EP carved from the DP ranks"),
    _q("etp", "Expert tensor parallel (ETP; 0 = as TP)", "专家张量并行（ETP；0 = 同 TP）", "cards", "卡", "count",
       "Megatron-Core MoE: expert TP follows TP unless set"),
    _q("capacity_factor", "Expert capacity / load-imbalance factor", "专家容量 / 负载不均衡系数", "×", None, "dec2",
       "GShard (arXiv:2006.16668) §2.2; Switch Transformers §2.2; default 1.0 (DGX Cloud DeepSeek-V3 recipe)"),
    _q("a2a_overlap", "Expert all-to-all hidden under compute", "专家 all-to-all 被计算隐藏的比例", "%", None,
       "percent", "0 = none; DualPipe ≈ 0.9 (DeepSeek-V3 (arXiv:2412.19437) §3.2.1)"),
    _q("precision_peak_ratio", "Peak of the training precision ÷ BF16 peak", "训练精度峰值 ÷ BF16 峰值", "×", None,
       "dec2", "DeepSeek-V3 (arXiv:2412.19437) §3.3.1: linear GEMMs in FP8, attention and output head in BF16"),
    _q("offload_optimizer", "Optimizer states offloaded (1 = on)", "优化器状态卸载（1 = 开）", "0/1", None, "flag",
       "Calculon (Isaev et al. 2023) §III, seed 004"),
    _q("offload_weights", "Weights and gradients offloaded (1 = on)", "权重与梯度卸载（1 = 开）", "0/1", None, "flag",
       "Calculon (Isaev et al. 2023) §III, seed 004"),
    _q("offload_activations", "Activations offloaded (1 = on)", "激活值卸载（1 = 开）", "0/1", None, "flag",
       "Calculon (Isaev et al. 2023) §III, seed 004"),
    # -- inputs: cluster --------------------------------------------------------------------------
    _q("gpu_count", "Accelerator cards", "加速卡数量", "cards", "卡", "count"),
    _q("cards_per_node", "Cards per server", "每台服务器卡数", "cards", "卡", "count"),
    _q("gpu_peak_tflops", "Peak per card (dense)", "单卡峰值算力（稠密）", "TFLOPS", None, "dec1"),
    _q("gpu_hbm_gb", "HBM per card", "单卡显存", "GB", None, "dec1"),
    _q("gpu_hbm_tbps", "HBM bandwidth per card", "单卡显存带宽", "TB/s", None, "dec2"),
    _q("intra_node_gbs", "Intra-server link per card", "服务器内互联（每卡）", "GB/s per direction", "GB/s 单向",
       "dec1"),
    _q("inter_node_gbps", "Scale-out network per card", "服务器间网络（每卡）", "Gbit/s", None, "count"),
    _q("gpu_tdp_w", "Card power (TDP)", "单卡功耗 (TDP)", "W", None, "count"),
    # -- inputs: bill of materials (issue 13) --
    _q("switch_gbps", "Fabric switch capacity", "网络交换机容量", "Gbit/s", None, "count",
       "NVIDIA Quantum-2 QM9700: 64 × 400 Gb/s"),
    _q("oversubscription", "Leaf oversubscription (down:up)", "叶交换机收敛比（下行:上行）", "×", None, "dec2",
       "1 = non-blocking (DGX SuperPOD reference architecture)"),
    _q("storage_tb_per_card", "Storage allowance per card", "每卡存储配额", "TB", None, "dec1",
       "Llama 3 (Dubey et al. 2024, §3.3.1): 240 PB for 16,384 H100"),
    _q("checkpoints_kept", "Checkpoints kept", "保留检查点数", "checkpoints", "个", "count", "planning assumption"),
    _q("dataset_bytes_per_token", "Stored training data per token", "每 token 训练数据存储量", *_B, "dec1",
       "planning assumption: about 4 characters of UTF-8 text per token"),
    # -- inputs: the step-time model ---------------------------------------------------------------
    _q("software_efficiency", "Training software efficiency", "训练软件效率", "×", None, "dec3"),
    _q("tp_async_backward", "Async TP backward collectives (1 = on)", "张量并行反向通信异步（1 = 开）", "0/1", None,
       "flag"),
    _q("matmul_eff_max", "Matrix-multiply efficiency (asymptotic)", "矩阵乘效率（渐近）", "×", None, "dec2"),
    _q("matmul_dim_half", "GEMM size at half efficiency (0 = roofline)", "半效率矩阵维度（0 = 屋顶线）", "", None,
       "count"),
    _q("elementwise_traffic_factor", "Element-wise HBM traffic factor", "逐元素算子显存流量系数", "×", None, "dec2"),
    _q("flash_attention_efficiency", "Flash-attention share of peak", "FlashAttention 峰值占比", "%", None, "percent"),
    _q("intra_node_efficiency", "Intra-server link efficiency", "服务器内链路效率", "%", None, "percent"),
    _q("inter_node_efficiency", "Scale-out link efficiency", "服务器间链路效率", "%", None, "percent"),
    _q("collective_latency_us", "Latency per collective", "每次集合通信延迟", "µs", "微秒", "dec1"),
    _q("straggler_jitter", "Spread of a server's step time (stragglers)", "单台服务器单步时间的波动（拖尾）", "%", None,
       "percent", "calibrated; Jiang et al. 2024 (MegaScale) §4.3"),
    _q("tp_overlap_fraction", "Share of TP traffic that overlap hides", "可被重叠隐藏的张量并行通信比例", "%", None,
       "percent"),
    _q("framework_reserve_gb", "Framework reserve per card", "框架预留显存（每卡）", "GB", None, "dec1"),
    _q("offload_gb", "Offload tier (host memory) per card (0 = none)", "卸载层（主机内存）容量（每卡，0 = 无）", "GB",
       None, "dec1"),
    _q("offload_gbs", "Offload bandwidth per card", "卸载带宽（每卡）", "GB/s per direction", "GB/s 单向", "dec1"),
    _q("a2a_efficiency", "Expert all-to-all bandwidth efficiency", "专家 all-to-all 带宽效率", "×", None, "dec3"),
    _q("grouped_gemm_efficiency", "Grouped-GEMM efficiency of routed experts", "路由专家分组矩阵乘效率", "×", None,
       "dec3"),
    _q("fp8_gemm_efficiency", "Share of the FP8 speed-up realised by linear GEMMs", "线性层矩阵乘实现的 FP8 加速比例",
       "×", None, "dec3"),
    # -- inputs: assumptions ----------------------------------------------------------------------
    _q("deadline_days", "Training deadline (0 = none)", "训练截止期限（0 = 无）", "days", "天", "days"),
    _q("mfu_assumed", "MFU assumed (0 = use the predicted MFU)", "假设的 MFU（0 = 用预测值）", "%", None, "percent"),
    _q("host_power_factor", "Server power / card TDP", "整机功耗 / 卡 TDP", "×", None, "dec2"),
    _q("average_load", "Planned utilisation given (0 = from the workload)", "给定的计划利用率（0 = 按工作负载）", "%", None,
       "percent"),
    _q("idle_power_share", "Idle server power / full power", "空闲服务器功率 / 满载功率", "%", None, "percent",
       "planning assumption (idle cards about a tenth of TDP; host, fans and NICs stay on)"),
    # -- inputs: reliability ----------------------------------------------------------------------
    _q("failures_per_card_hour", "Job-interrupting failures per card-hour", "每卡时中断训练的故障数", "/card-h",
       "/卡·时", "micro", "Llama 3 (Dubey et al. 2024, §3.3.4): 419 in 54 days on 16,384 H100"),
    _q("checkpoint_gbs_per_card", "Checkpoint storage bandwidth per card", "检查点存储带宽（每卡）", "GB/s", None, "dec3",
       "Llama 3 (Dubey et al. 2024, §3.3.1): 2 TB/s for 16,384 H100"),
    _q("checkpoint_interval_minutes", "Checkpoint interval (0 = Young–Daly optimum)", "检查点间隔（0 = Young–Daly 最优）",
       "min", "分钟", "dec1"),
    _q("restart_minutes", "Restart time after a failure, besides reading the checkpoint", "故障后重启时间（不含读检查点）",
       "min", "分钟", "dec1"),
    _q("planned_overhead", "Planned overhead (evaluation, maintenance, stage switches)", "计划内开销（评测、维护、阶段切换）",
       "%", None, "percent"),
    # -- inputs: serving --------------------------------------------------------------------------
    _q("users", "Concurrent users", "并发用户数", "users", "人", "count"),
    _q("tokens_per_request", "Tokens per request (in + out)", "每次请求 token 数（输入+输出）", "tokens", "个", "count"),
    _q("seconds_per_request", "Seconds per request", "每次请求时长", *_S, "dec1"),
    _q("serving_utilization", "Serving utilisation of peak", "推理算力利用率", "%", None, "percent"),
    _q("serving_bytes_per_param", "Serving bytes per parameter", "推理每参数字节数", *_B, "plain"),
    _q("kv_bytes_per_value", "KV-cache bytes per value", "KV 缓存每值字节数", *_B, "plain"),
    _q("decode_batch", "Decode batch per replica", "每副本解码批大小", "sequences", "条", "count"),
    _q("hbm_usable_fraction", "HBM share the serving engine uses", "推理引擎可用显存比例", "%", None, "percent"),
    _q("serving_output_tokens", "Output tokens per request", "每次请求输出 token 数", "tokens", "个", "count"),
    _q("ttft_target_s", "Time-to-first-token target", "首 token 时延目标", *_S, "dec3"),
    _q("tpot_target_s", "Time-per-output-token target", "每输出 token 时延目标", *_S, "dec3"),
    _q("serving_tp", "Tensor-parallel cards per serving replica", "每推理副本张量并行卡数", "cards", "卡", "count"),
    _q("serving_pp", "Pipeline stages per serving replica", "每推理副本流水线级数", "stages", "级", "count"),
    _q("serving_disaggregated", "Prefill/decode disaggregated (1 = yes)", "预填充与解码分离（1 = 是）", "", None, "flag",
       "Zhong et al. 2024, DistServe, arXiv:2401.09670"),
    _q("serving_fp8", "Serving GEMMs in FP8 (1 = yes)", "推理矩阵乘使用 FP8（1 = 是）", "", None, "flag"),
    _q("serving_peak_tflops", "Card peak at the serving precision", "推理精度下单卡峰值算力", "TFLOP/s", None, "dec1"),
    _q("serving_compute_efficiency", "Serving GEMM efficiency (fitted)", "推理矩阵乘效率（拟合）", "%", None, "percent"),
    _q("serving_hbm_efficiency", "Serving HBM efficiency (fitted)", "推理显存带宽效率（拟合）", "%", None, "percent"),
    _q("serving_prefill_overhead_us", "Fixed time per layer of a prefill (fitted)", "预填充每层固定时间（拟合）", "µs",
       "微秒", "dec1"),
    _q("serving_decode_overhead_us", "Fixed time per layer of a decode step (CUDA graph)", "解码每步每层固定时间（CUDA 图）",
       "µs", "微秒", "dec1"),
    _q("serving_link_efficiency", "Serving all-reduce link efficiency", "推理全归约链路效率", "%", None, "percent"),
    _q("serving_collective_latency_us", "Latency per serving all-reduce", "每次推理全归约延迟", "µs", "微秒", "dec1"),
    _q("serving_reserve_gb", "HBM reserve per card (activations, workspace)", "每卡显存预留（激活、工作区）", "GB", None,
       "dec1"),
    _q("kv_lora_rank", "MLA KV compression rank (0 = none)", "MLA KV 压缩秩（0 = 无）", "values", "个", "count"),
    _q("qk_rope_head_dim", "MLA RoPE key size per head", "MLA 每头 RoPE 键维度", "values", "个", "count"),
    # -- inputs: pricing --------------------------------------------------------------------------
    _q("price_per_gpu_hour", "Rental price per card-hour", "每卡时租赁价格", *_CUR, "money2"),
    _q("server_price", "Server price (with cards)", "服务器单价（含卡）", *_CUR, "money"),
    _q("network_per_server", "Network quote per server (0 = the bill of materials)", "网络报价（每台服务器，0 = 按物料清单）",
       *_CUR, "money"),
    _q("storage_capex", "Storage quote (0 = the bill of materials)", "存储报价（0 = 按物料清单）", *_CUR, "money"),
    _q("nic_price", "Scale-out NIC, each", "网卡单价", *_CUR, "money"),
    _q("switch_price", "Fabric switch, each", "交换机单价", *_CUR, "money"),
    _q("transceiver_price", "Optical transceiver, each", "光模块单价", *_CUR, "money"),
    _q("cable_price", "Fibre cable, each", "光纤线缆单价", *_CUR, "money"),
    _q("storage_per_tb", "Storage per TB", "存储单价（每 TB）", *_CUR, "money"),
    _q("facility_per_kw", "Facility build-out per kW", "机房建设（每 kW）", *_CUR, "money"),
    _q("electricity_per_kwh", "Electricity price per kWh", "电价（每 kWh）", *_CUR, "money2"),
    _q("pue", "PUE", "PUE", "×", None, "dec2"),
    _q("years", "Years in the cost table", "成本核算年限", "years", "年", "count"),
    _q("staff_per_year", "Staff per year", "每年人员成本", *_CUR, "money"),
    _q("price_reserved_1y", "Rental per card-hour, 1-year reserved", "每卡时租赁价格（1 年预留）", *_CUR, "money2"),
    _q("price_reserved_3y", "Rental per card-hour, 3-year reserved", "每卡时租赁价格（3 年预留）", *_CUR, "money2"),
    _q("maintenance_share", "Maintenance and support per year / capex", "每年维护与支持 / 资本支出", "%", None, "percent"),
    _q("space_per_rack_month", "Colocation per rack-month", "托管费（每机柜每月）", *_CUR, "money"),
    _q("kw_per_rack", "IT power per rack", "每机柜 IT 功率", "kW", None, "dec1",
       "high-density rack; NVIDIA DGX H100 datasheet: 10.2 kW per server"),
    _q("depreciation_years", "Depreciation life (straight line)", "折旧年限（直线法）", "years", "年", "dec1",
       "10-K filings 2024/2025: servers 5–6 years"),
    _q("residual_share", "Residual value at end of life / hardware price", "折旧期末残值 / 硬件价格", "%", None,
       "percent"),
    _q("discount_rate", "Discount rate per year", "年折现率", "%", None, "percent"),
    # -- training ---------------------------------------------------------------------------------
    _q("train_flops", "Training compute (model FLOPs, attention-aware)", "训练计算量（模型 FLOPs，含注意力）",
       "FLOPs", None, "sci", "seed 002; PaLM (Chowdhery et al. 2022, App. B): 6P + 12·L·s·w per token"),
    _q("train_flops_6tp", "Training compute, 6PT rule", "训练计算量（6PT 估算）", "FLOPs", None, "sci",
       "seed 001; Kaplan et al. 2020"),
    _q("mfu", "Model FLOPs utilisation (MFU) used", "采用的模型算力利用率 (MFU)", "%", None, "percent"),
    _q("step_train_seconds", "Training time from the steps alone", "仅按单步计的训练时间", *_S, "sci",
       "seed 000 eq. 2"),
    _q("step_train_days", "Training time from the steps alone (no failures or pauses)", "仅按单步计的训练时间（不含故障与暂停）",
       "days", "天", "days", "seed 000 eq. 2; seed 001"),
    _q("step_gpu_hours", "Card-hours from the steps alone", "仅按单步计的卡时", "card-h", "卡·时", "hours",
       "seed 001: C/(X·MFU·3600) when no card is idle"),
    _q("step_train_days_6tp", "Training time from the steps alone, 6PT rule", "仅按单步计的训练时间（6PT 估算）",
       "days", "天", "days", "seed 001"),
    _q("train_days_6tp", "Training time end to end, 6PT rule", "端到端训练时间（6PT 估算）", "days", "天", "days",
       "seed 001; / ETTR"),
    _q("idle_cards", "Cards the layout leaves idle", "布局闲置的卡", "cards", "卡", "count"),
    _q("train_steps", "Optimizer steps", "优化器步数", "steps", "步", "count"),
    _q("step_seconds", "Time per step (at the MFU used)", "每步时间（按采用的 MFU）", *_S, "dec2"),
    # -- goodput ----------------------------------------------------------------------------------
    _q("job_mtbf_seconds", "Mean time between job interruptions", "作业平均中断间隔", *_S, "sci",
       "Kokolis et al. 2025: 1/(λ·n)"),
    _q("job_mtbf_hours", "Mean time between job interruptions", "作业平均中断间隔", "h", "小时", "dec1",
       "Kokolis et al. 2025: 1/(λ·n)"),
    _q("checkpoint_bytes", "Checkpoint size (weights and optimizer states)", "检查点大小（权重与优化器状态）", *_B, "bytes",
       "seed 000: P·(a + b)"),
    _q("checkpoint_bytes_per_s_per_card", "Checkpoint bandwidth per card", "每卡检查点带宽", "bytes/s", "字节/秒", "sci"),
    _q("checkpoint_seconds", "Time to write one checkpoint", "写一次检查点的时间", *_S, "dec1"),
    _q("restart_fixed_seconds", "Restart time, fixed part", "重启时间（固定部分）", *_S, "dec1"),
    _q("restart_seconds", "Restart time, with reading the checkpoint", "重启时间（含读检查点）", *_S, "dec1"),
    _q("checkpoint_interval_optimum", "Young–Daly checkpoint interval", "Young–Daly 最优检查点间隔", *_S, "dec1",
       "Daly 2006: √(2δ(M+R)) − δ"),
    _q("checkpoint_interval_given", "Checkpoint interval given", "给定的检查点间隔", *_S, "dec1"),
    _q("checkpoint_interval_seconds", "Checkpoint interval used", "采用的检查点间隔", *_S, "dec1"),
    _q("failure_ratio", "Share of time kept despite failures and checkpoints", "扣除故障与检查点后的有效时间比例", "%",
       None, "percent", "Daly 2006: exponential failures"),
    _q("failure_ratio_first_order", "The same, first-order form", "同上（一阶近似）", "%", None, "percent",
       "Young 1974"),
    _q("effective_ratio", "Effective training-time ratio (ETTR)", "有效训练时间比 (ETTR)", "%", None, "percent",
       "Kokolis et al. 2025"),
    _q("train_seconds", "Training time, end to end", "端到端训练时间", *_S, "sci", "seed 000 eq. 2 / ETTR"),
    _q("train_days", "Training time, end to end (failures, checkpoints, planned work)", "端到端训练时间（含故障、检查点与计划内开销）",
       "days", "天", "days", "seed 000 eq. 2; seed 001; / ETTR"),
    _q("gpu_hours", "Card-hours, end to end (every card of the cluster)", "端到端卡时（集群全部卡）", "card-h", "卡·时", "hours",
       "seed 001, / ETTR"),
    _q("card_days", "Card-days, end to end", "端到端卡天", "card-days", "卡·天", "hours", "seed 001"),
    _q("interruptions", "Unplanned interruptions expected over the run", "预计非计划中断次数", "", None, "dec1"),
    _q("end_to_end_mfu", "MFU over calendar time (MFU × ETTR)", "按日历时间的 MFU（MFU × ETTR）", "%", None, "percent"),
    # -- schedule: the deadline and the predicted MFU ---------------------------------------------
    _q("replica_cards", "Cards per replica of the layout (tp·cp·pp)", "每个并行副本的卡数（tp·cp·pp）", "cards", "卡",
       "count"),
    _q("deadline_cards_first", "Cards for the deadline at the plan's ETTR", "按方案 ETTR 满足截止期限所需的卡",
       "cards", "卡", "count", "seed 000 eq. 2 / ETTR, whole replicas and servers"),
    _q("deadline_probe_cards", "Cards the deadline's ETTR is taken at", "计算截止期限 ETTR 所用的卡数", "cards", "卡",
       "count"),
    _q("deadline_mtbf_seconds", "Time between interruptions at those cards", "该卡数下的作业平均中断间隔", "s", "秒",
       "sci", "Kokolis et al. 2025: 1/(λ·n)"),
    _q("deadline_checkpoint_seconds", "Checkpoint time at those cards", "该卡数下写一次检查点的时间", "s", "秒", "dec1"),
    _q("deadline_restart_seconds", "Restart time at those cards", "该卡数下的重启时间", "s", "秒", "dec1"),
    _q("deadline_interval_optimum", "Young–Daly interval at those cards", "该卡数下的 Young–Daly 检查点间隔", "s", "秒",
       "dec1", "Daly 2006: √(2δ(M+R)) − δ"),
    _q("deadline_interval_seconds", "Checkpoint interval at those cards", "该卡数下采用的检查点间隔", "s", "秒", "dec1"),
    _q("deadline_failure_ratio", "Failure ratio at those cards", "该卡数下扣除故障与检查点后的有效时间比例", "%", None,
       "percent", "Daly 2006: exponential failures"),
    _q("deadline_effective_ratio", "ETTR at those cards", "该卡数下的有效训练时间比 (ETTR)", "%", None, "percent",
       "Kokolis et al. 2025"),
    _q("deadline_cards", "Cards needed to meet the deadline (0 = no deadline)", "满足截止期限所需的卡（0 = 无期限）",
       "cards", "卡", "count", "seed 000 eq. 2 / ETTR, whole replicas and servers"),
    _q("deadline_servers", "Servers needed to meet the deadline", "满足截止期限所需的服务器", "servers", "台", "count"),
    _q("deadline_slip_days", "Days past the deadline (0 = met or none)", "超出截止期限的天数（0 = 按期或无期限）",
       "days", "天", "days"),
    _q("train_days_predicted_mfu", "Training time end to end at the predicted MFU", "按预测 MFU 的端到端训练时间",
       "days", "天", "days", "seed 000 eq. 2: t ∝ 1/MFU"),
    _q("tokens_per_s_per_card", "Throughput per card", "单卡吞吐", "tokens/s", None, "dec1", "seed 003"),
    _q("samples_per_s_per_card", "Samples per card", "单卡样本吞吐", "samples/s", None, "dec3", "seed 003"),
    _q("dp", "Data parallel (DP)", "数据并行 (DP)", "replicas", "份", "count",
       "seed 003: n = dp·tp·pp; Megatron-Core: n = dp·tp·cp·pp"),
    _q("parallel_cards", "Cards in the layout (dp·tp·cp·pp)", "并行布局卡数 (dp·tp·cp·pp)", "cards", "卡", "count"),
    _q("batch_unit", "Sequences per replica per batch unit", "每副本批单位（条）", "sequences", "条", "count",
       "Narayanan et al. 2021 §2.2: micro-batch × pp with the interleaved schedule"),
    _q("global_batch", "Global batch (rounded to the layout)", "全局批大小（按布局取整）", "sequences", "条", "count",
       "Calculon (seed 004): whole micro-batches per replica"),
    _q("grad_accum", "Micro-batches per step", "每步微批数", "", None, "count"),
    _q("layers_per_stage", "Layers on the busiest stage", "最满流水级的层数", "layers", "层", "count"),
    _q("tokens_per_microbatch", "Tokens per micro-batch on one card (b·s/cp)", "单卡每微批 token 数 (b·s/cp)",
       "tokens", "个", "count"),
    _q("tokens_per_step", "Tokens per step", "每步 token 数", "tokens", "个", "count"),
    _q("pipeline_bubble", "Pipeline bubble (p − 1)/(v·m)", "流水线气泡 (p − 1)/(v·m)", "%", None, "percent",
       "Narayanan et al. 2021 §2.2"),
    _q("peak_flops", "Peak per card", "单卡峰值", "FLOP/s", None, "sci"),
    # -- step-time model --------------------------------------------------------------------------
    _q("hbm_bytes_per_s", "HBM bandwidth per card", "单卡显存带宽", "B/s", None, "sci"),
    _q("gemm_eff_max", "GEMM efficiency with this software", "本软件下的矩阵乘效率", "×", None, "dec3"),
    _q("gemm_dim_half", "GEMM size at half efficiency", "半效率矩阵维度", "", None, "dec1"),
    _q("qkv_seconds", "QKV projection, one layer", "QKV 投影（单层）", *_S, "micro"),
    _q("attn_out_seconds", "Attention output projection, one layer", "注意力输出投影（单层）", *_S, "micro"),
    _q("mlp_up_seconds", "MLP up-projection, one layer", "MLP 上投影（单层）", *_S, "micro"),
    _q("mlp_down_seconds", "MLP down-projection, one layer", "MLP 下投影（单层）", *_S, "micro"),
    _q("gemm_forward_seconds", "GEMMs forward, one layer", "矩阵乘前向（单层）", *_S, "micro"),
    _q("attention_forward_seconds", "Attention core forward, one layer", "注意力核心前向（单层）", *_S, "micro"),
    _q("elementwise_forward_seconds", "Element-wise kernels forward, one layer", "逐元素算子前向（单层）", *_S,
       "micro"),
    _q("score_elementwise_seconds", "Score kernels (softmax, dropout), one layer", "注意力分数算子（单层）", *_S,
       "micro"),
    _q("layer_forward_seconds", "Layer forward", "单层前向", *_S, "micro"),
    _q("layer_backward_seconds", "Layer backward", "单层反向", *_S, "micro"),
    _q("layer_recompute_seconds", "Layer recomputation", "单层重计算", *_S, "micro"),
    _q("layer_gemm_seconds", "Layer GEMMs, forward + backward", "单层矩阵乘（前向 + 反向）", *_S, "micro"),
    _q("logits_forward_seconds", "Output layer forward", "输出层前向", *_S, "micro"),
    _q("logits_seconds", "Output layer, forward + backward", "输出层（前向 + 反向）", *_S, "micro"),
    _q("layer_pass_seconds", "One layer, one micro-batch (all work)", "单层单微批（全部）", *_S, "micro"),
    _q("microbatch_seconds", "One micro-batch on the slowest stage", "最慢流水级的单个微批", *_S, "seconds"),
    _q("compute_seconds", "Compute per step", "每步计算", *_S, "seconds", "Narayanan et al. 2021"),
    _q("recompute_seconds", "Recomputation per step", "每步重计算", *_S, "seconds", "Korthikanti et al. 2022"),
    _q("tp_comm_exposed_seconds", "TP communication exposed per step", "每步未被隐藏的张量并行通信", *_S, "seconds"),
    _q("tp_comm_overlapped_seconds", "TP communication hidden per step", "每步被隐藏的张量并行通信", *_S, "seconds"),
    _q("pp_comm_seconds", "Pipeline sends per step", "每步流水线传输", *_S, "seconds", "Narayanan et al. 2021 §4.1"),
    _q("pp_bubble_seconds", "Pipeline bubble per step", "每步流水线气泡", *_S, "seconds", "Narayanan et al. 2021 §2.2"),
    _q("pipeline_seconds", "Pipeline time per step", "每步流水线时间", *_S, "seconds"),
    _q("params_updated_per_gpu", "Parameters updated per card", "每卡更新的参数量", "params", "个", "big"),
    _q("optimizer_seconds", "Optimizer step", "优化器更新", *_S, "seconds"),
    _q("offload_seconds", "Optimizer-state offload traffic per step", "每步优化器状态卸载传输", *_S, "seconds"),
    _q("predicted_step_seconds", "Predicted time per step", "预测的每步时间", *_S, "dec3",
       "step-time model (seed 004, Calculon); validated by xlcompute validate"),
    _q("model_flops_per_step", "Model FLOPs per step", "每步模型 FLOPs", "FLOPs", None, "sci"),
    _q("recompute_flops_per_step", "Recomputed FLOPs per step", "每步重计算 FLOPs", "FLOPs", None, "sci"),
    _q("hardware_flops_per_step", "Hardware FLOPs per step", "每步硬件 FLOPs", "FLOPs", None, "sci"),
    _q("predicted_mfu", "Predicted MFU", "预测的 MFU", "%", None, "percent",
       "step-time model: model FLOPs / (step time · cards · peak)"),
    _q("predicted_hfu", "Predicted hardware FLOPs utilisation", "预测的硬件算力利用率", "%", None, "percent"),
    _q("predicted_tokens_per_s_per_card", "Predicted throughput per card", "预测的单卡吞吐", "tokens/s", None, "dec1"),
    # -- memory -----------------------------------------------------------------------------------
    _q("hbm_bytes", "HBM per card", "单卡显存", *_B, "bytes"),
    _q("offload_bytes", "Offload tier per card", "卸载层容量（每卡）", *_B, "bytes"),
    _q("framework_reserve_bytes", "Framework reserve per card", "框架预留（每卡）", *_B, "bytes"),
    _q("block_params", "Parameters per transformer block", "每个 Transformer 块的参数", "params", "个", "big"),
    _q("stage_params", "Parameters on the first stage", "首个流水级的参数", "params", "个", "big"),
    _q("params_per_gpu", "Parameters per card (first stage ÷ TP)", "每卡参数（首级 ÷ TP）", "params", "个", "big"),
    _q("weights_full_per_gpu", "Weights per card before ZeRO", "ZeRO 前每卡权重", *_B, "bytes"),
    _q("optimizer_full_per_gpu", "Optimizer states per card before ZeRO", "ZeRO 前每卡优化器状态", *_B, "bytes"),
    _q("weights_per_gpu", "Weights in HBM per card", "每卡显存中的权重", *_B, "bytes",
       "ZeRO (Rajbhandari et al. 2020) §5; Calculon (Isaev et al. 2023) §III"),
    _q("grads_per_gpu", "Gradients in HBM per card", "每卡显存中的梯度", *_B, "bytes",
       "ZeRO (Rajbhandari et al. 2020) §5; Calculon (Isaev et al. 2023) §III"),
    _q("optimizer_states_per_gpu", "Optimizer states per card", "每卡优化器状态", *_B, "bytes",
       "ZeRO (Rajbhandari et al. 2020) §5"),
    _q("optimizer_per_gpu", "Optimizer states in HBM per card", "每卡显存中的优化器状态", *_B, "bytes"),
    _q("offload_tier_per_gpu", "Held in the offload tier per card", "每卡卸载层中的数据", *_B, "bytes"),
    _q("states_per_gpu", "Model states per card (weights + gradients + optimizer)", "每卡模型状态（权重 + 梯度 + 优化器）",
       *_B, "bytes"),
    _q("activation_message_bytes", "Activation message (s/cp·b·h)", "激活消息 (s/cp·b·h)", *_B, "bytes"),
    _q("act_linear_layer", "Activations per layer, without scores", "每层激活（不含注意力分数）", *_B, "bytes",
       "Korthikanti et al. 2022 Table 2 (generalised)"),
    _q("act_score_layer", "Attention-score activations per layer", "每层注意力分数激活", *_B, "bytes",
       "Korthikanti et al. 2022 Table 2; Dao 2023"),
    _q("act_working_layer", "Activations of one layer being recomputed", "重计算中单层的激活", *_B, "bytes"),
    _q("act_stored_layer", "Activations kept per layer and micro-batch", "每层每微批保留的激活", *_B, "bytes",
       "Korthikanti et al. 2022 §5"),
    _q("score_traffic_layer", "Score bytes through HBM per layer", "每层经过显存的分数字节", *_B, "bytes"),
    _q("elementwise_bytes_layer", "Element-wise bytes per layer", "每层逐元素算子字节", *_B, "bytes"),
    _q("logits_activation_bytes", "Logits (fp32) per micro-batch", "输出 logits（fp32，每微批）", *_B, "bytes"),
    _q("activations_per_gpu", "Activations per card", "每卡激活值", *_B, "bytes", "Korthikanti et al. 2022 §4.2.3"),
    _q("buffers_per_gpu", "Framework buffers per card", "每卡框架缓冲区", *_B, "bytes"),
    _q("mem_per_gpu", "Training memory per card", "每卡训练显存", *_B, "bytes"),
    _q("mem_per_gpu_gb", "Training memory per card", "每卡训练显存", "GB", None, "dec2"),
    _q("mem_fits", "Fits in HBM (1 = yes)", "显存是否够用（1 = 是）", "0/1", None, "flag"),
    _q("states_seed_per_gpu", "Model states, seed form (n = all cards)", "模型状态（种子公式，n = 全部卡）", *_B,
       "bytes", "seed 000 eqs. 3-6"),
    _q("weights_total", "Weights (model file)", "权重（模型文件）", *_B, "bytes", "seed 003: S = 2P"),
    _q("train_hbm_20p", "Training HBM, 20P rule (whole model)", "训练显存（20P 估算，全模型）", *_B, "bytes",
       "seed 003"),
    _q("activations_seed", "Activations, seed form (one card, no parallelism)", "激活值（种子公式，无并行）", *_B,
       "bytes", "seed 003"),
    # -- network ----------------------------------------------------------------------------------
    _q("intra_node_bytes_per_s", "Intra-server bandwidth per card", "服务器内带宽（每卡）", "B/s", None, "sci"),
    _q("inter_node_bytes_per_s", "Scale-out bandwidth per card", "服务器间带宽（每卡）", "B/s", None, "sci"),
    _q("offload_bytes_per_s", "Offload bandwidth per card", "卸载带宽（每卡）", "B/s", None, "sci"),
    _q("collective_latency_s", "Latency per collective", "每次集合通信延迟", *_S, "micro"),
    _q("job_nodes", "Servers in the job", "作业所占服务器数", "servers", "台", "count"),
    _q("straggler_factor", "Stretch by the slowest server", "最慢服务器导致的拉长系数", "×", None, "dec3",
       "1 + σ·√(2 ln N): Gumbel 1958; Jiang et al. 2024"),
    _q("steady_step_seconds", "Step time before stragglers", "未计拖尾的单步时间", *_S, "dec3"),
    _q("tp_in_node", "TP group inside a server (1 = yes)", "张量并行组在一台服务器内（1 = 是）", "0/1", None, "flag"),
    _q("tp_link_bytes_per_s", "TP link bandwidth achieved", "张量并行链路实际带宽", "B/s", None, "sci"),
    _q("tp_allreduce_seconds", "One TP all-reduce", "一次张量并行 all-reduce", *_S, "micro",
       "Patarasuk & Yuan 2009"),
    _q("tp_comm_seconds_per_layer", "TP communication per layer and micro-batch", "每层每微批张量并行通信", *_S,
       "micro", "Shoeybi et al. 2019 §3"),
    _q("tp_hidden_seconds_per_layer", "TP communication hidden per layer", "每层被隐藏的张量并行通信", *_S, "micro"),
    _q("tp_exposed_seconds_per_layer", "TP communication exposed per layer", "每层未被隐藏的张量并行通信", *_S,
       "micro"),
    _q("tp_bytes_per_step", "Tensor-parallel traffic per card per step", "每卡每步张量并行通信量", *_B, "bytes"),
    _q("tp_seconds_per_step", "Tensor-parallel time per step (before overlap)", "每步张量并行通信时间（重叠前）", *_S,
       "seconds"),
    _q("stage_group_cards", "Cards per pipeline replica stage group (tp·cp·pp)", "流水线组卡数 (tp·cp·pp)", "cards",
       "卡", "count"),
    _q("pp_in_node", "Pipeline inside a server (1 = yes)", "流水线在一台服务器内（1 = 是）", "0/1", None, "flag"),
    _q("pp_link_bytes_per_s", "Pipeline link bandwidth achieved", "流水线链路实际带宽", "B/s", None, "sci"),
    _q("p2p_seconds_per_microbatch", "Pipeline sends per micro-batch", "每微批流水线传输", *_S, "micro"),
    _q("pp_bytes_per_step", "Pipeline traffic per card per step", "每卡每步流水线通信量", *_B, "bytes",
       "Narayanan et al. 2021 §4.1"),
    _q("dp_in_node", "Data-parallel group inside a server (1 = yes)", "数据并行组在一台服务器内（1 = 是）", "0/1", None,
       "flag"),
    _q("dp_link_bytes_per_s", "Data-parallel link bandwidth achieved", "数据并行链路实际带宽", "B/s", None, "sci"),
    _q("dp_bytes_per_step", "Data-parallel traffic per card per step", "每卡每步数据并行通信量", *_B, "bytes",
       "Patarasuk & Yuan 2009; ZeRO §7"),
    _q("dp_seconds_per_step", "Data-parallel time per step (before overlap)", "每步数据并行通信时间（重叠前）", *_S,
       "seconds"),
    _q("dp_overlap_window_seconds", "Compute the DP traffic can hide under", "可隐藏数据并行通信的计算时间", *_S,
       "seconds"),
    _q("dp_last_bucket_seconds", "Last gradient bucket (always exposed)", "最后一个梯度桶（无法隐藏）", *_S, "seconds"),
    _q("dp_comm_exposed_seconds", "DP communication exposed per step", "每步未被隐藏的数据并行通信", *_S, "seconds"),
    _q("dp_comm_overlapped_seconds", "DP communication hidden per step", "每步被隐藏的数据并行通信", *_S, "seconds"),
    _q("comm_seconds_per_step", "Communication per step (before overlap)", "每步通信时间（重叠前）", *_S, "seconds"),
    _q("comm_exposed_seconds", "Communication exposed per step", "每步未被隐藏的通信", *_S, "seconds"),
    _q("comm_share_of_step", "Exposed communication / predicted step", "未隐藏通信占预测每步时间", "%", None, "percent"),
    # -- context parallelism and offload (issue 11) --
    _q("seq_per_card", "Tokens of a sequence on one card (s/cp)", "单卡持有的序列 token 数 (s/cp)", "tokens", "个",
       "count"),
    _q("dp_cp", "Gradient group: data × context parallel (dp·cp)", "梯度归约组：数据 × 上下文并行 (dp·cp)", "cards",
       "卡", "count"),
    _q("cp_group_cards", "Cards per context-parallel group span (tp·cp)", "上下文并行组跨度卡数 (tp·cp)", "cards", "卡",
       "count"),
    _q("cp_in_node", "CP group inside a server (1 = yes)", "上下文并行组在一台服务器内（1 = 是）", "0/1", None, "flag"),
    _q("cp_link_bytes_per_s", "CP link bandwidth achieved", "上下文并行链路实际带宽", "B/s", None, "sci"),
    _q("cp_kv_bytes", "K/V ring per pass, layer and micro-batch", "每层每微批每遍 K/V 环形传输量", *_B, "bytes"),
    _q("cp_bytes_per_layer", "K/V exchange per layer and micro-batch", "每层每微批 K/V 交换量", *_B, "bytes"),
    _q("cp_forward_seconds_per_layer", "K/V ring per layer, forward", "每层前向 K/V 环形传输", *_S, "micro"),
    _q("cp_backward_seconds_per_layer", "K/V ring per layer, backward", "每层反向 K/V 环形传输", *_S, "micro"),
    _q("cp_comm_seconds_per_layer", "K/V exchange time per layer and micro-batch", "每层每微批 K/V 交换时间", *_S,
       "micro"),
    _q("cp_exposed_seconds_per_layer", "K/V exchange exposed per layer", "每层未被隐藏的 K/V 交换", *_S, "micro"),
    _q("cp_bytes_per_step", "Context-parallel traffic per card per step", "每卡每步上下文并行通信量", *_B, "bytes"),
    _q("cp_seconds_per_step", "Context-parallel time per step (before overlap)", "每步上下文并行通信时间（重叠前）", *_S,
       "seconds"),
    _q("cp_comm_exposed_seconds", "CP communication exposed per step", "每步未被隐藏的上下文并行通信", *_S, "seconds"),
    # mixture of experts (issue 15)
    _q("bf16_peak_flops", "BF16 peak per card", "单卡 BF16 峰值", "FLOP/s", None, "sci"),
    _q("linear_peak_flops", "Peak the linear-layer GEMMs run against", "线性层矩阵乘所对应的峰值", "FLOP/s", None, "sci"),
    _q("train_active_params", "Weights per training token (active + MTP)", "每训练 token 的权重（激活 + MTP）", "params",
       "个", "big"),
    _q("moe_share", "Share of layers with experts", "含专家层的比例", "%", None, "percent"),
    _q("dense_ffn_hidden", "MLP width every token runs (dense layers, shared experts)",
       "每个 token 都经过的 MLP 宽度（稠密层与共享专家）", "", None, "count"),
    _q("expert_tp", "Expert tensor parallel used", "实际专家张量并行", "cards", "卡", "count"),
    _q("edp", "Expert data parallel (EDP = tp·cp·dp ÷ (etp·ep))", "专家数据并行 (EDP = tp·cp·dp ÷ (etp·ep))", "cards",
       "卡", "count"),
    _q("routed_rows", "Routed token rows per card, MoE layer and micro-batch", "每卡每 MoE 层每微批的路由 token 行数",
       "tokens", "个", "count"),
    _q("expert_layer_seconds", "Routed experts of one MoE layer, forward", "单个 MoE 层路由专家前向时间", *_S, "micro"),
    _q("expert_forward_seconds", "Routed experts per layer (average), forward", "每层（平均）路由专家前向时间", *_S,
       "micro"),
    _q("dense_model_params", "Parameters outside the routed experts", "路由专家以外的参数", "params", "个", "big"),
    _q("expert_params_per_gpu", "Routed-expert parameters per card (÷ EP·ETP)", "每卡路由专家参数（÷ EP·ETP）",
       "params", "个", "big"),
    _q("expert_weights_full_per_gpu", "Expert weights per card before ZeRO", "ZeRO 前每卡专家权重", *_B, "bytes"),
    _q("expert_optimizer_full_per_gpu", "Expert optimizer states per card before ZeRO", "ZeRO 前每卡专家优化器状态",
       *_B, "bytes"),
    _q("act_expert_layer", "Routed-expert activations per layer and micro-batch", "每层每微批路由专家激活", *_B,
       "bytes"),
    _q("a2a_bytes_per_layer", "All-to-all bytes per card, MoE layer and pass", "每卡每 MoE 层每遍 all-to-all 字节数",
       *_B, "bytes"),
    _q("a2a_seconds_per_layer", "All-to-all time per MoE layer and micro-batch", "每 MoE 层每微批 all-to-all 时间",
       *_S, "micro"),
    _q("ep_comm_seconds_per_layer", "Expert all-to-all per layer (average)", "每层（平均）专家 all-to-all 时间", *_S,
       "micro"),
    _q("ep_exposed_seconds_per_layer", "Expert all-to-all exposed per layer", "每层未被隐藏的专家 all-to-all", *_S,
       "micro"),
    _q("ep_seconds_per_step", "Expert all-to-all per step (before overlap)", "每步专家 all-to-all 时间（重叠前）", *_S,
       "seconds"),
    _q("ep_comm_exposed_seconds", "Expert all-to-all exposed per step", "每步未被隐藏的专家 all-to-all", *_S, "seconds"),
    _q("ep_bytes_per_step", "Expert all-to-all traffic per card per step", "每卡每步专家 all-to-all 通信量", *_B,
       "bytes"),
    _q("ep_group_cards", "Cards per expert-parallel group span (etp·ep)", "专家并行组跨度卡数 (etp·ep)", "cards", "卡",
       "count"),
    _q("ep_in_node", "Expert all-to-all inside one server (1 = yes)", "专家 all-to-all 在单台服务器内（1 = 是）", "0/1",
       None, "flag"),
    _q("ep_link_bytes_per_s", "Achieved bandwidth of the expert all-to-all's link", "专家 all-to-all 所用链路的实际带宽",
       "B/s", None, "sci"),
    _q("weights_sharded_per_gpu", "Weights per card after ZeRO", "ZeRO 后每卡权重", *_B, "bytes",
       "ZeRO (Rajbhandari et al. 2020) §5"),
    _q("grads_sharded_per_gpu", "Gradients per card after ZeRO", "ZeRO 后每卡梯度", *_B, "bytes",
       "ZeRO (Rajbhandari et al. 2020) §5"),
    _q("activations_offloaded_per_gpu", "Activations in the offload tier per card", "每卡卸载层中的激活值", *_B, "bytes"),
    _q("offload_any", "Anything offloaded (1 = yes)", "是否有卸载（1 = 是）", "0/1", None, "flag"),
    _q("offload_block_seconds", "Offload transfer per layer and micro-batch", "每层每微批卸载传输", *_S, "micro"),
    _q("offload_exposed_seconds_per_layer", "Offload transfer exposed per layer", "每层未被隐藏的卸载传输", *_S, "micro"),
    _q("attention_backward_seconds", "Attention core backward, one layer", "注意力核心反向（单层）", *_S, "micro"),
    _q("cp_exposed_forward_per_layer", "K/V ring exposed per layer, forward", "每层前向未被隐藏的 K/V 传输", *_S,
       "micro"),
    _q("cp_exposed_backward_per_layer", "K/V ring exposed per layer, backward", "每层反向未被隐藏的 K/V 传输", *_S,
       "micro"),
    _q("layer_busy_seconds", "Layer busy time (compute and TP/CP waits)", "单层忙碌时间（计算与 TP/CP 等待）", *_S,
       "micro"),
    _q("layer_backward_busy_seconds", "Layer backward with its waits", "单层反向（含等待）", *_S, "micro"),
    _q("pipeline_exposed_seconds", "Exposed TP, CP and offload waits per step", "每步未被隐藏的 TP、CP 与卸载等待",
       *_S, "seconds"),
    _q("offload_exposed_seconds", "Weight/activation offload exposed per step", "每步未被隐藏的权重/激活卸载传输", *_S,
       "seconds"),
    _q("comm_dp_seed", "Data-parallel volume, seed eq. 7", "数据并行通信量（式 7）", "values", "个数值", "sci",
       "seed 000 eq. 7"),
    _q("comm_pp_seed", "Pipeline volume, seed eq. 8", "流水线通信量（式 8）", "values", "个数值", "sci",
       "seed 000 eq. 8"),
    _q("comm_tp_seed", "Tensor-parallel volume, seed eq. 9", "张量并行通信量（式 9）", "values", "个数值", "sci",
       "seed 000 eq. 9"),
    # -- serving ----------------------------------------------------------------------------------
    _q("flops_per_request", "Compute per request", "每次请求计算量", "FLOPs", None, "sci", "seed 000 eq. 10"),
    _q("serving_cards_compute", "Cards for the demand (compute)", "满足需求的卡数（算力）", "cards", "卡", "count",
       "seed 000 eq. 11"),
    _q("serving_cards_seed", "Cards, seed eq. 11 (peak, unrounded)", "卡数（式 11，峰值，未取整）", "cards", "卡", "dec2",
       "seed 000 eq. 11"),
    _q("cards_per_replica", "Cards per model replica (memory)", "每个模型副本卡数（显存）", "cards", "卡", "count"),
    _q("serving_cards_flops", "Serving cards by FLOPs (whole replicas, seed form)", "按算力的推理卡数（整副本，种子公式）",
       "cards", "卡", "count", "seed 000 eq. 11"),
    _q("serving_cards", "Serving cards (inference model, SLA-sized)", "推理卡数（推理模型，按时延目标测算）", "cards", "卡",
       "count"),
    _q("serving_input_tokens", "Prompt tokens per request", "每次请求输入 token 数", "tokens", "个", "count"),
    _q("request_rate", "Requests per second (demand)", "每秒请求数（需求）", "requests/s", "次/秒", "dec2"),
    _q("serving_peak_flops", "Card peak at the serving precision", "推理精度下单卡峰值算力", "FLOP/s", None, "sci"),
    _q("intra_node_bytes_per_s_serving", "Server link per card and direction", "服务器内链路（每卡单向）", "B/s", None, "sci"),
    _q("serving_link_bytes_per_s", "Achieved all-reduce bandwidth", "全归约实际带宽", "B/s", None, "sci"),
    _q("serving_latency_s", "Latency per all-reduce", "每次全归约延迟", *_S, "sci"),
    _q("serving_prefill_overhead_s", "Fixed time per layer of a prefill", "预填充每层固定时间", *_S, "sci"),
    _q("serving_decode_overhead_s", "Fixed time per layer of a decode step", "解码每步每层固定时间", *_S, "sci"),
    _q("serving_reserve_bytes", "HBM reserve per card", "每卡显存预留", *_B, "bytes"),
    _q("serving_matmul_params", "Parameters multiplied per token", "每 token 参与矩阵乘的参数量", "params", "个", "big"),
    _q("serving_matmul_weights", "Weights read per pass (without embeddings)", "每次前向读取的权重（不含词嵌入）", "params", "个",
       "big"),
    _q("serving_weight_bytes", "Weights in memory per replica", "每副本权重显存", *_B, "bytes"),
    _q("serving_weight_bytes_read_all", "Weight bytes read by a prefill", "预填充读取的权重字节", *_B, "bytes"),
    _q("serving_kv_bytes_per_token", "KV cache per token (replica)", "每 token KV 缓存（副本）", *_B, "bytes"),
    _q("serving_kv_bytes_per_sequence", "KV cache per sequence", "每条序列 KV 缓存", *_B, "bytes"),
    _q("serving_kv_budget", "KV-cache budget per replica", "每副本 KV 缓存预算", *_B, "bytes"),
    _q("serving_max_sequences", "Sequences the KV cache holds", "KV 缓存可容纳序列数", "sequences", "条", "count"),
    _q("serving_context", "Mean decode context", "平均解码上下文", "tokens", "个", "dec1"),
    _q("prefill_flops", "Prefill compute per request", "每次请求预填充计算量", "FLOPs", None, "sci"),
    _q("prefill_comm_seconds", "Prefill communication (TP + PP)", "预填充通信（张量 + 流水线）", *_S, "dec3"),
    _q("prefill_tp_seconds", "Prefill TP all-reduces", "预填充张量并行全归约", *_S, "dec3"),
    _q("prefill_p2p_seconds", "Prefill pipeline hand-offs", "预填充流水线传递", *_S, "dec3"),
    _q("decode_tp_seconds", "Decode TP all-reduces per step", "每步解码张量并行全归约", *_S, "dec3"),
    _q("decode_p2p_seconds", "Decode pipeline hand-offs per step", "每步解码流水线传递", *_S, "dec3"),
    _q("serving_batch", "Sequences decoded together (within the KV cache)", "同时解码的序列数（KV 缓存以内）", "sequences",
       "条", "count"),
    _q("serving_replica_size", "Cards per serving replica", "每推理副本卡数", "cards", "卡", "count"),
    _q("serving_micro_batch", "Sequences per pipeline micro-batch", "每个流水线微批序列数", "sequences", "条", "dec1"),
    _q("inter_node_bytes_per_s_serving", "Scale-out network per card", "每卡服务器间网络", "B/s", None, "sci"),
    _q("serving_inter_bytes_per_s", "Achieved pipeline hand-off bandwidth", "流水线传递实际带宽", "B/s", None, "sci"),
    _q("prefill_seconds", "Prefill time per request", "每次请求预填充时间", *_S, "dec3"),
    _q("experts_touched", "Experts a decode step reads per layer", "每步解码每层读取的专家数", "experts", "个", "dec1"),
    _q("routed_expert_bytes", "Routed expert weights", "路由专家权重", *_B, "bytes"),
    _q("decode_weight_bytes", "Weight bytes read per decode step", "每步解码读取的权重字节", *_B, "bytes"),
    _q("decode_flops", "Compute per decode step", "每步解码计算量", "FLOPs", None, "sci"),
    _q("decode_bytes", "HBM bytes per decode step", "每步解码显存读取量", *_B, "bytes"),
    _q("decode_comm_seconds", "Decode communication per step (TP + PP)", "每步解码通信（张量 + 流水线）", *_S, "dec3"),
    _q("decode_step_seconds", "Decode step time", "解码单步时间", *_S, "dec3"),
    _q("serving_cycle_seconds", "Batch cycle (prefills + decode steps)", "批周期（预填充 + 解码步）", *_S, "dec2"),
    _q("replica_requests_per_s", "Requests per second per replica", "每副本每秒请求数", "requests/s", "次/秒", "dec2"),
    _q("replica_output_tokens_per_s", "Output tokens per second per replica", "每副本每秒输出 token 数", "tokens/s", None,
       "dec1"),
    _q("tpot", "Time per output token (mean)", "每输出 token 时延（均值）", *_S, "dec3"),
    _q("tpot_median", "Time per output token (median: one decode step)", "每输出 token 时延（中位数：单步解码）", *_S, "dec3"),
    _q("serving_replicas", "Serving replicas", "推理副本数", "replicas", "个", "count"),
    _q("serving_prefill_replicas", "Prefill-only replicas", "仅预填充副本数", "replicas", "个", "count"),
    _q("prefill_request_rate", "Requests to prefill-only replicas", "送往仅预填充副本的请求率", "requests/s", "次/秒", "dec2"),
    _q("serving_replicas_or_one", "Serving replicas (at least 1)", "推理副本数（至少 1）", "replicas", "个", "count"),
    _q("replica_request_rate", "Requests per second at a prefilling replica", "每个预填充副本的请求率", "requests/s",
       "次/秒", "dec2"),
    _q("serving_prefill_queue_servers", "Replicas that prefill", "执行预填充的副本数", "replicas", "个", "count"),
    _q("prefill_wait_seconds", "Mean wait for the prefill", "预填充平均排队时间", *_S, "dec3"),
    _q("ttft_iteration_seconds", "Iteration in flight at arrival", "到达时进行中的迭代", *_S, "dec3"),
    _q("ttft", "Time to first token", "首 token 时延", *_S, "dec3"),
    _q("serving_replica_cards", "Replicas in total", "副本总数", "replicas", "个", "count"),
    _q("serving_output_tokens_per_s", "Output tokens per second (fleet)", "每秒输出 token 数（全部）", "tokens/s", None,
       "dec1"),
    _q("serving_capacity_tokens_per_s", "Tokens per second served at capacity (in + out)", "满载每秒服务 token 数（输入+输出）",
       "tokens/s", None, "dec1"),
    _q("serving_demand_tokens_per_s", "Tokens per second demanded (in + out)", "需求每秒 token 数（输入+输出）", "tokens/s",
       None, "dec1"),
    _q("serving_tokens_per_s_per_card", "Output tokens per second per card", "每卡每秒输出 token 数", "tokens/s", None,
       "dec1"),
    _q("cost_per_million_tokens", "Cost per million output tokens", "每百万输出 token 成本", *_CUR, "money2"),
    _q("cost_per_request", "Cost per request", "每次请求成本", *_CUR, "money4", "seed 000 eq. 12 (refined)"),
    _q("serving_cards_seed_n", "Cards n in seed eq. 12 (at least 1)", "式 12 中的卡数 n（至少 1）", "cards", "卡", "count"),
    _q("cost_per_request_seed", "Cost per request, seed eq. 12", "每次请求成本（式 12）", *_CUR, "money8",
       "seed 000 eq. 12"),
    _q("cost_per_1k_tokens", "Cost per 1,000 tokens (FLOPs only, seed form)", "每千 token 成本（仅算力，种子公式）", *_CUR, "money4", "seed 001"),
    _q("replica_hbm_bytes_per_s", "HBM bandwidth per replica", "每副本显存带宽", "B/s", None, "sci"),
    _q("decode_tokens_per_s", "Decode speed bound per replica", "每副本解码速度上限", "tokens/s", None, "dec1",
       "Pope et al. 2022"),
    _q("prefill_tokens_per_s", "Prefill speed per card", "单卡预填充速度", "tokens/s", None, "dec1"),
    _q("kv_cache_per_request", "KV cache per request", "每请求 KV 缓存", *_B, "bytes", "Pope et al. 2022"),
    # -- budget -----------------------------------------------------------------------------------
    _q("servers", "Servers", "服务器台数", "servers", "台", "count"),
    _q("capex_servers", "Servers (capex)", "服务器（资本支出）", *_CUR, "money"),
    _q("capex_network", "Network (capex)", "网络（资本支出）", *_CUR, "money"),
    _q("it_power_w", "IT power", "IT 功率", "W", None, "count"),
    _q("it_power_kw", "IT power", "IT 功率", "kW", None, "dec1"),
    _q("capex_facility", "Facility (capex)", "机房（资本支出）", *_CUR, "money"),
    # -- bill of materials (issue 13) --
    _q("server_power_w", "Power per server", "单台服务器功率", "W", None, "count",
       "NVIDIA DGX H100 datasheet: 10.2 kW for 8 GPUs"),
    _q("servers_per_rack", "Servers per rack", "每机柜服务器数", "servers", "台", "count",
       "whole servers within the rack's kW limit"),
    _q("switch_radix", "Switch ports at the NIC speed (radix k)", "交换机端口数（按网卡速率，k）", "ports", "个", "count",
       "switch capacity / NIC speed (QM9700: 64 × 400G)"),
    _q("leaf_down_ports", "Leaf ports facing the NICs", "叶交换机下行端口数", "ports", "个", "count",
       "k/2 non-blocking, Al-Fares et al. 2008 §3"),
    _q("nics", "Scale-out NICs", "计算网络网卡", "NICs", "块", "count",
       "one per card, NVIDIA DGX SuperPOD RA"),
    _q("rail_leaves", "Leaves of the rail-optimised fabric", "轨道优化网络叶交换机数", "switches", "台", "count",
       "NVIDIA DGX SuperPOD RA: a leaf per rail and 32 nodes"),
    _q("fabric_tiers", "Fabric tiers (0 none, 1 one switch, 2 leaf-spine, 3 fat tree)",
       "网络层数（0 无，1 单交换机，2 叶脊，3 胖树）", "tiers", "层", "count"),
    _q("leaf_switches", "Leaf switches", "叶交换机", "switches", "台", "count",
       "Al-Fares et al. 2008 §3; NVIDIA DGX SuperPOD RA"),
    _q("leaf_spine_links", "Leaf-spine links", "叶-脊链路", "links", "条", "count",
       "Al-Fares et al. 2008 §3; NVIDIA DGX SuperPOD RA"),
    _q("spine_switches", "Spine switches", "脊交换机", "switches", "台", "count",
       "Al-Fares et al. 2008 §3; NVIDIA DGX SuperPOD RA"),
    _q("spine_core_links", "Spine-core links", "脊-核心链路", "links", "条", "count",
       "Al-Fares et al. 2008 §3; NVIDIA DGX SuperPOD RA"),
    _q("core_switches", "Core switches", "核心交换机", "switches", "台", "count",
       "Al-Fares et al. 2008 §3; NVIDIA DGX SuperPOD RA"),
    _q("fabric_switches", "Fabric switches", "网络交换机合计", "switches", "台", "count",
       "Al-Fares et al. 2008 §3; NVIDIA DGX SuperPOD RA"),
    _q("fabric_links", "Fabric links (cables)", "网络链路（线缆）", "links", "条", "count",
       "Al-Fares et al. 2008 §3; NVIDIA DGX SuperPOD RA"),
    _q("transceivers", "Optical transceivers", "光模块", "modules", "个", "count",
       "two per optical link"),
    _q("cost_nics", "NICs", "网卡", *_CUR, "money"),
    _q("cost_switches", "Switches", "交换机", *_CUR, "money"),
    _q("cost_transceivers", "Optical transceivers", "光模块", *_CUR, "money"),
    _q("cost_cables", "Cables", "线缆", *_CUR, "money"),
    _q("fabric_cost", "Scale-out fabric (bill of materials)", "计算网络（物料清单）", *_CUR, "money"),
    _q("checkpoint_storage_bytes", "Storage for the checkpoints kept", "保留检查点所需存储", *_B, "bytes"),
    _q("dataset_bytes", "Training data", "训练数据", *_B, "bytes"),
    _q("storage_tb", "Storage capacity", "存储容量", "TB", None, "dec1",
       "Llama 3 (Dubey et al. 2024, §3.3.1): 240 PB for 16,384 H100"),
    _q("storage_bill", "Storage (bill of materials)", "存储（物料清单）", *_CUR, "money"),
    _q("capex_storage", "Storage (capex)", "存储（资本支出）", *_CUR, "money"),
    _q("facility_power_kw", "Facility power (IT × PUE)", "设施总功率（IT × PUE）", "kW", None, "dec1",
       "The Green Grid 2012 (PUE)"),
    _q("facility_power_mw", "Facility power (IT × PUE)", "设施总功率（IT × PUE）", "MW", None, "dec2",
       "The Green Grid 2012 (PUE)"),
    _q("capex_total", "Capital expenditure", "资本支出合计", *_CUR, "money"),
    _q("power_cost_per_year", "Electricity per year (with PUE)", "每年电费（含 PUE）", *_CUR, "money",
       "The Green Grid 2012 (PUE)"),
    _q("opex_per_year", "Operating cost per year", "每年运营成本", *_CUR, "money"),
    _q("total_budget", "Total budget over the period", "总预算（核算期）", *_CUR, "money"),
    _q("train_energy_j", "Training run energy", "训练能耗", "J", "焦耳", "sci"),
    _q("train_energy_mwh", "Training run energy", "训练能耗", "MWh", None, "dec1"),
    _q("train_power_cost", "Training run electricity", "训练电费", *_CUR, "money"),
    _q("train_cost", "Training run at rental prices", "按租赁价计的训练成本", *_CUR, "money", "seed 001"),
    _q("train_cost_predicted_mfu", "Training run at rental prices, predicted MFU", "按预测 MFU 与租赁价计的训练成本",
       *_CUR, "money", "seed 001; t ∝ 1/MFU"),
    _q("cluster_card_hours", "Cluster card-hours per year", "集群每年卡时", "card-h", "卡·时", "hours"),
    _q("cloud_cost_per_year", "Renting the cluster, per year", "租用同等集群（每年）", *_CUR, "money"),
    _q("cloud_total", "Renting the cluster, whole period", "租用同等集群（核算期）", *_CUR, "money"),
    _q("period_card_hours", "Cluster card-hours over the period", "核算期集群卡时", "card-h", "卡·时", "hours"),
    _q("owned_cost_per_card_hour", "Owned cost per card-hour", "自建每卡时成本", *_CUR, "money2"),
    # -- own or rent (issue 13) --
    _q("period_hours", "Hours in the period", "核算期小时数", "h", "小时", "hours"),
    _q("train_hours", "Training run, calendar hours", "训练日历小时数", "h", "小时", "hours"),
    _q("serving_card_hours", "Serving card-hours after training", "训练后推理卡时", "card-h", "卡·时", "hours"),
    _q("workload_card_hours", "Workload card-hours over the period", "核算期工作负载卡时", "card-h", "卡·时", "hours"),
    _q("workload_utilisation", "Utilisation of the workload", "工作负载利用率", "%", None, "percent"),
    _q("planned_utilisation", "Planned utilisation", "计划利用率", "%", None, "percent"),
    _q("power_load", "Average power / full IT power", "平均功率 / 满载 IT 功率", "%", None, "percent"),
    _q("maintenance_per_year", "Maintenance and support per year", "每年维护与支持", *_CUR, "money"),
    _q("racks", "Racks", "机柜数", "racks", "个", "count"),
    _q("space_per_year", "Colocation per year", "每年托管费", *_CUR, "money"),
    _q("annuity_factor", "Annuity factor (present value of 1 a year)", "年金系数（每年 1 的现值）", "×", None, "dec3",
       "Brealey, Myers & Allen, ch. 2"),
    _q("discount_factor", "Discount factor at the end of the period", "期末折现系数", "×", None, "dec3",
       "Brealey, Myers & Allen, ch. 2"),
    _q("capex_hardware", "Servers and network (depreciable)", "服务器与网络（可折旧）", *_CUR, "money"),
    _q("depreciation_per_year", "Depreciation per year", "每年折旧", *_CUR, "money", "IAS 16 §62 (straight line)"),
    _q("residual_value", "Book value at the end of the period", "核算期末账面价值", *_CUR, "money",
       "IAS 16 §§6, 62 (straight line)"),
    _q("npv_own", "Owning, present value of costs", "自建成本现值", *_CUR, "money"),
    _q("used_card_hours_per_year", "Card-hours used per year", "每年使用卡时", "card-h", "卡·时", "hours"),
    _q("steady_card_hours_per_year", "Steady card-hours per year (serving)", "每年稳定卡时（推理）", "card-h", "卡·时",
       "hours"),
    _q("burst_card_hours_per_year", "Burst card-hours per year (training)", "每年突发卡时（训练）", "card-h", "卡·时",
       "hours"),
    _q("rent_on_demand_per_year", "Renting the work on demand, per year", "按需租用工作负载（每年）", *_CUR, "money"),
    _q("rent_reserved_1y_per_year", "Renting, steady part reserved 1 year, per year", "租用，稳定部分预留 1 年（每年）",
       *_CUR, "money"),
    _q("rent_reserved_3y_per_year", "Renting, steady part reserved 3 years, per year", "租用，稳定部分预留 3 年（每年）",
       *_CUR, "money"),
    _q("rent_per_year", "Renting the work, cheapest option, per year", "租用工作负载，最低方案（每年）", *_CUR, "money"),
    _q("rent_option", "Cheapest rental option (1 on demand, 2 1-year, 3 3-year reserved)",
       "最低租用方案（1 按需，2 预留 1 年，3 预留 3 年）", "", None, "count"),
    _q("rent_total", "Renting the work over the period", "核算期租用工作负载", *_CUR, "money"),
    _q("npv_rent", "Renting, present value of costs", "租用成本现值", *_CUR, "money"),
    _q("own_cheaper", "Owning cheaper in present value (1 = yes)", "自建现值更低（1 = 是）", "0/1", None, "flag"),
    _q("rent_price_per_hour", "Rental price per card-hour used (plan's mix)", "每使用卡时租赁价格（方案组合）", *_CUR,
       "money2"),
    _q("npv_used_card_hours", "Card-hours used, discounted", "使用卡时（折现）", "card-h", "卡·时", "hours"),
    _q("owned_cost_per_used_card_hour", "Owned cost per card-hour used (present value)", "自建每使用卡时成本（现值）",
       *_CUR, "money2"),
    _q("busy_power_share", "Extra power of a busy server / full power", "满载相对空闲的额外功率占比", "%", None, "percent"),
    _q("busy_power_per_year", "Extra electricity per year of a fully busy cluster", "集群满载每年额外电费", *_CUR,
       "money"),
    _q("break_even_utilisation", "Break-even utilisation (owning pays above; -1 = never)",
       "盈亏平衡利用率（高于此自建更省；-1 = 永不）", "%", None, "percent"),
    _q("break_even_maintenance_share", "Maintenance share at which the verdict flips", "使结论反转的维护比例", "%",
       None, "percent"),
)

QUANTITIES: dict[str, Quantity] = {q.key: q for q in _ROWS}

SHEET_TITLES: dict[str, tuple[str, str]] = {
    "inputs": ("Inputs", "输入"),
    "training": ("Training", "训练"),
    "step": ("Step-time model", "单步时间模型"),
    "memory": ("Memory", "显存"),
    "network": ("Network", "网络"),
    "serving": ("Serving", "推理"),
    "budget": ("Budget", "预算"),
    "goodput": ("Goodput: from step time to calendar time", "有效训练时间：从单步时间到日历时间"),
}


def quantity(key: str) -> Quantity:
    """The registry row of ``key`` (KeyError naming the key when there is none)."""
    try:
        return QUANTITIES[key]
    except KeyError:
        raise KeyError(f"no registry row for {key!r}; add one to xlcompute/registry.py") from None


def label(key: str, lang: str = "en") -> str:
    """The label of ``key`` in ``lang`` (en or zh)."""
    q = quantity(key)
    return q.zh if lang == "zh" else q.en


def unit(key: str, lang: str = "en") -> str:
    """The unit of ``key`` as stored (``currency`` for money)."""
    q = quantity(key)
    return q.unit_zh if lang == "zh" else q.unit_en


def unit_text(key: str, lang: str, currency: str) -> str:
    """The unit to show next to a value: the currency code for money (CNY / USD, 元 / 美元)."""
    u = unit(key, lang)
    if u in _CUR:
        return {"CNY": "元", "USD": "美元"}[currency] if lang == "zh" else currency
    return u


def excel_format(key: str, currency: str, lang: str = "en") -> str:
    """The Excel number format of ``key``'s cells (``lang`` words the scaled counts: B/T or 十亿/万亿)."""
    kind = quantity(key).kind
    if kind == "big":
        return _BIG_FORMATS["zh" if lang == "zh" else "en"]
    return KINDS[kind][1](currency)


def format_value(value: float, key: str, currency: str, kind: str | None = None, lang: str = "en") -> str:
    """``value`` of ``key`` as text for the CLI and the proposal (``kind`` overrides the row's;
    ``lang`` words the large counts: 2 T / 2万亿)."""
    kind = kind or quantity(key).kind
    if kind == "big":
        return fmt.big_count(value, lang)
    return KINDS[kind][0](value, currency)


def carries_unit(key: str, kind: str | None = None) -> bool:
    """Whether :func:`format_value`'s text already includes the unit (%, GB, a currency symbol)."""
    return KINDS[kind or quantity(key).kind][2]


_CITE = re.compile(r"(seed \d+|et al\.|arXiv|Table|§|report|Green Grid|Kaplan|datasheet|eq\. ?\(\d+\)|\[[A-Z-]+\d*\])",
                   re.I)


def citation(fn: Callable[..., object]) -> str:
    """The citations of a core function's docstring: its "Source:" paragraph, or the parenthesised
    references ('' when it names none)."""
    doc = (inspect.getdoc(fn) or "").replace("``", "")
    for para in doc.split("\n\n"):
        flat = " ".join(para.split())
        if flat.lower().startswith("source"):
            return flat
    flat = " ".join(doc.split())
    cites = [m for m in re.findall(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", flat) if _CITE.search(m)]
    return "; ".join(dict.fromkeys(cites))


def source(key: str, fn: Callable[..., object] | None = None) -> str:
    """Where ``key`` comes from: the registry row's source, else the citations in the docstring of
    the core function ``fn`` that computes it ('' when neither names one)."""
    q = quantity(key)
    if q.source or fn is None:
        return q.source
    return citation(fn)
