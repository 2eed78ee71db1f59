"""Labels of every input and figure in English and Simplified Chinese, with display units.

One table for the workbook, the proposal and the CLI, so a figure is named the same everywhere.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Label", "LABELS", "label", "SHEET_TITLES"]


class Label(NamedTuple):
    en: str
    zh: str
    unit_en: str
    unit_zh: str


def _l(en: str, zh: str, unit_en: str = "", unit_zh: str | None = None) -> Label:
    return Label(en, zh, unit_en, unit_en if unit_zh is None else unit_zh)


LABELS: dict[str, Label] = {
    # inputs: model
    "model_params": _l("Model parameters (total)", "模型参数量（总）", "params", "个"),
    "model_active_params": _l("Parameters active per token", "每 token 激活参数量", "params", "个"),
    "layers": _l("Transformer layers", "Transformer 层数", "layers", "层"),
    "hidden": _l("Hidden size h", "隐藏层维度 h", ""),
    "heads": _l("Attention heads", "注意力头数", ""),
    "kv_heads": _l("Key/value heads (GQA)", "KV 头数（GQA）", ""),
    "head_dim": _l("Head dimension", "每头维度", ""),
    "vocab": _l("Vocabulary size", "词表大小", "tokens", "个"),
    # inputs: training
    "train_tokens": _l("Training tokens", "训练 token 数", "tokens", "个"),
    "seq_len": _l("Sequence length", "序列长度", "tokens", "个"),
    "global_batch": _l("Global batch", "全局批大小", "sequences", "条"),
    "micro_batch": _l("Micro-batch per card", "每卡微批大小", "sequences", "条"),
    "param_bytes": _l("Bytes per parameter/gradient (a)", "参数/梯度字节数 (a)", "bytes", "字节"),
    "optimizer_bytes": _l("Optimizer bytes per parameter (b)", "优化器字节数 (b)", "bytes", "字节"),
    "zero_stage": _l("ZeRO stage", "ZeRO 阶段", "0-3"),
    "recompute_mode": _l("Recomputation (0 none, 1 selective, 2 full)", "重计算（0 无，1 选择性，2 完全）", ""),
    "sp": _l("Sequence parallel (1 = on)", "序列并行（1 = 开）", "0/1"),
    "flash_attention": _l("Fused (flash) attention (1 = on)", "融合注意力 FlashAttention（1 = 开）", "0/1"),
    "tp": _l("Tensor parallel (TP)", "张量并行 (TP)", "cards", "卡"),
    "pp": _l("Pipeline parallel (PP)", "流水线并行 (PP)", "stages", "级"),
    "dp": _l("Data parallel (DP)", "数据并行 (DP)", "replicas", "份"),
    "interleave": _l("Interleaved stages per card (v)", "每卡交错阶段数 (v)", "chunks", "段"),
    # inputs: cluster
    "gpu_count": _l("Accelerator cards", "加速卡数量", "cards", "卡"),
    "cards_per_node": _l("Cards per server", "每台服务器卡数", "cards", "卡"),
    "gpu_peak_tflops": _l("Peak per card (dense)", "单卡峰值算力（稠密）", "TFLOPS"),
    "gpu_hbm_gb": _l("HBM per card", "单卡显存", "GB"),
    "gpu_hbm_tbps": _l("HBM bandwidth per card", "单卡显存带宽", "TB/s"),
    "intra_node_gbs": _l("Intra-server link per card", "服务器内互联（每卡）", "GB/s per direction", "GB/s 单向"),
    "inter_node_gbps": _l("Scale-out network per card", "服务器间网络（每卡）", "Gbit/s"),
    "gpu_tdp_w": _l("Card power (TDP)", "单卡功耗 (TDP)", "W"),
    # inputs: assumptions
    "mfu": _l("Model FLOPs utilisation (MFU)", "模型算力利用率 (MFU)", "%"),
    "host_power_factor": _l("Server power / card TDP", "整机功耗 / 卡 TDP", "×"),
    "average_load": _l("Average load over a year", "年平均负载", "%"),
    # inputs: serving
    "users": _l("Concurrent users", "并发用户数", "users", "人"),
    "tokens_per_request": _l("Tokens per request (in + out)", "每次请求 token 数（输入+输出）", "tokens", "个"),
    "seconds_per_request": _l("Seconds per request", "每次请求时长", "s", "秒"),
    "serving_utilization": _l("Serving utilisation of peak", "推理算力利用率", "%"),
    "serving_bytes_per_param": _l("Serving bytes per parameter", "推理每参数字节数", "bytes", "字节"),
    "kv_bytes_per_value": _l("KV-cache bytes per value", "KV 缓存每值字节数", "bytes", "字节"),
    "decode_batch": _l("Decode batch per replica", "每副本解码批大小", "sequences", "条"),
    "hbm_usable_fraction": _l("HBM share for weights", "权重可用显存比例", "%"),
    # inputs: pricing
    "price_per_gpu_hour": _l("Rental price per card-hour", "每卡时租赁价格", "currency", "货币"),
    "server_price": _l("Server price (with cards)", "服务器单价（含卡）", "currency", "货币"),
    "network_per_server": _l("Network per server", "每台服务器网络成本", "currency", "货币"),
    "storage_capex": _l("Storage", "存储", "currency", "货币"),
    "facility_per_kw": _l("Facility build-out per kW", "机房建设（每 kW）", "currency", "货币"),
    "electricity_per_kwh": _l("Electricity price per kWh", "电价（每 kWh）", "currency", "货币"),
    "pue": _l("PUE", "PUE", "×"),
    "years": _l("Years in the cost table", "成本核算年限", "years", "年"),
    "staff_per_year": _l("Staff per year", "每年人员成本", "currency", "货币"),
    # training figures
    "peak_flops": _l("Peak per card", "单卡峰值", "FLOP/s"),
    "recompute_flag": _l("Full recompute adds a forward", "完全重计算额外前向", "0/1"),
    "train_flops": _l("Training compute (attention-aware)", "训练计算量（含注意力）", "FLOPs"),
    "train_flops_6tp": _l("Training compute, 6PT rule", "训练计算量（6PT 估算）", "FLOPs"),
    "train_seconds": _l("Training time", "训练时间", "s", "秒"),
    "train_days": _l("Training time", "训练时间", "days", "天"),
    "train_days_6tp": _l("Training time, 6PT rule", "训练时间（6PT 估算）", "days", "天"),
    "gpu_hours": _l("Card-hours", "卡时", "card-h", "卡·时"),
    "card_days": _l("Card-days", "卡天", "card-days", "卡·天"),
    "parallel_cards": _l("Cards in the layout (dp·tp·pp)", "并行布局卡数 (dp·tp·pp)", "cards", "卡"),
    "grad_accum": _l("Micro-batches per step", "每步微批数", ""),
    "tokens_per_step": _l("Tokens per step", "每步 token 数", "tokens", "个"),
    "train_steps": _l("Optimizer steps", "优化器步数", "steps", "步"),
    "step_seconds": _l("Time per step", "每步时间", "s", "秒"),
    "tokens_per_s_per_card": _l("Throughput per card", "单卡吞吐", "tokens/s"),
    "samples_per_s_per_card": _l("Samples per card", "单卡样本吞吐", "samples/s"),
    "pipeline_bubble": _l("Pipeline bubble", "流水线气泡", "%"),
    # memory figures
    "hbm_bytes": _l("HBM per card", "单卡显存", "bytes", "字节"),
    "states_per_gpu": _l("Model states per card", "每卡模型状态", "bytes", "字节"),
    "activations_per_gpu": _l("Activations per card", "每卡激活值", "bytes", "字节"),
    "mem_per_gpu": _l("Training memory per card", "每卡训练显存", "bytes", "字节"),
    "mem_per_gpu_gb": _l("Training memory per card", "每卡训练显存", "GB"),
    "mem_fits": _l("Fits in HBM (1 = yes)", "显存是否够用（1 = 是）", "0/1"),
    "states_seed_per_gpu": _l("Model states, seed form (n = all cards)", "模型状态（种子公式，n = 全部卡）", "bytes", "字节"),
    "weights_total": _l("Weights (model file)", "权重（模型文件）", "bytes", "字节"),
    "train_hbm_20p": _l("Training HBM, 20P rule (whole model)", "训练显存（20P 估算，全模型）", "bytes", "字节"),
    "activations_seed": _l("Activations, seed form (one card, no parallelism)", "激活值（种子公式，无并行）", "bytes", "字节"),
    # network figures
    "inter_node_bytes_per_s": _l("Scale-out bandwidth per card", "服务器间带宽（每卡）", "B/s"),
    "intra_node_bytes_per_s": _l("Intra-server bandwidth per card", "服务器内带宽（每卡）", "B/s"),
    "dp_bytes_per_step": _l("Data-parallel traffic per step", "数据并行每步通信量", "bytes", "字节"),
    "dp_seconds_per_step": _l("Data-parallel time per step", "数据并行每步通信时间", "s", "秒"),
    "tp_bytes_per_step": _l("Tensor-parallel traffic per step", "张量并行每步通信量", "bytes", "字节"),
    "tp_seconds_per_step": _l("Tensor-parallel time per step", "张量并行每步通信时间", "s", "秒"),
    "pp_bytes_per_step": _l("Pipeline traffic per step", "流水线每步通信量", "bytes", "字节"),
    "pp_seconds_per_step": _l("Pipeline time per step", "流水线每步通信时间", "s", "秒"),
    "comm_seconds_per_step": _l("Communication per step (no overlap)", "每步通信时间（不重叠）", "s", "秒"),
    "comm_share_of_step": _l("Communication / step time", "通信占每步时间", "%"),
    "comm_dp_seed": _l("Data-parallel volume, seed eq. 7", "数据并行通信量（式 7）", "values", "个数值"),
    "comm_pp_seed": _l("Pipeline volume, seed eq. 8", "流水线通信量（式 8）", "values", "个数值"),
    "comm_tp_seed": _l("Tensor-parallel volume, seed eq. 9", "张量并行通信量（式 9）", "values", "个数值"),
    # serving figures
    "flops_per_request": _l("Compute per request", "每次请求计算量", "FLOPs"),
    "serving_cards_compute": _l("Cards for the demand (compute)", "满足需求的卡数（算力）", "cards", "卡"),
    "serving_cards_seed": _l("Cards, seed eq. 11 (peak, unrounded)", "卡数（式 11，峰值，未取整）", "cards", "卡"),
    "cards_per_replica": _l("Cards per model replica (memory)", "每个模型副本卡数（显存）", "cards", "卡"),
    "serving_cards": _l("Serving cards (whole replicas)", "推理卡数（整副本）", "cards", "卡"),
    "cost_per_request": _l("Cost per request", "每次请求成本", "currency", "货币"),
    "serving_cards_seed_n": _l("Cards n in seed eq. 12 (at least 1)", "式 12 中的卡数 n（至少 1）", "cards", "卡"),
    "cost_per_request_seed": _l("Cost per request, seed eq. 12", "每次请求成本（式 12）", "currency", "货币"),
    "cost_per_1k_tokens": _l("Cost per 1,000 tokens", "每千 token 成本", "currency", "货币"),
    "hbm_bytes_per_s": _l("HBM bandwidth per card", "单卡显存带宽", "B/s"),
    "replica_hbm_bytes_per_s": _l("HBM bandwidth per replica", "每副本显存带宽", "B/s"),
    "decode_tokens_per_s": _l("Decode speed bound per replica", "每副本解码速度上限", "tokens/s"),
    "prefill_tokens_per_s": _l("Prefill speed per card", "单卡预填充速度", "tokens/s"),
    "kv_cache_per_request": _l("KV cache per request", "每请求 KV 缓存", "bytes", "字节"),
    # budget figures
    "servers": _l("Servers", "服务器台数", "servers", "台"),
    "capex_servers": _l("Servers (capex)", "服务器（资本支出）", "currency", "货币"),
    "capex_network": _l("Network (capex)", "网络（资本支出）", "currency", "货币"),
    "it_power_w": _l("IT power", "IT 功率", "W"),
    "it_power_kw": _l("IT power", "IT 功率", "kW"),
    "capex_facility": _l("Facility (capex)", "机房（资本支出）", "currency", "货币"),
    "capex_total": _l("Capital expenditure", "资本支出合计", "currency", "货币"),
    "power_cost_per_year": _l("Electricity per year (with PUE)", "每年电费（含 PUE）", "currency", "货币"),
    "opex_per_year": _l("Operating cost per year", "每年运营成本", "currency", "货币"),
    "total_budget": _l("Total budget over the period", "总预算（核算期）", "currency", "货币"),
    "train_energy_j": _l("Training run energy", "训练能耗", "J", "焦耳"),
    "train_energy_mwh": _l("Training run energy", "训练能耗", "MWh"),
    "train_power_cost": _l("Training run electricity", "训练电费", "currency", "货币"),
    "train_cost": _l("Training run at rental prices", "按租赁价计的训练成本", "currency", "货币"),
    "cluster_card_hours": _l("Cluster card-hours per year", "集群每年卡时", "card-h", "卡·时"),
    "cloud_cost_per_year": _l("Renting the cluster, per year", "租用同等集群（每年）", "currency", "货币"),
    "cloud_total": _l("Renting the cluster, whole period", "租用同等集群（核算期）", "currency", "货币"),
    "period_card_hours": _l("Cluster card-hours over the period", "核算期集群卡时", "card-h", "卡·时"),
    "owned_cost_per_card_hour": _l("Owned cost per card-hour", "自建每卡时成本", "currency", "货币"),
}

SHEET_TITLES: dict[str, tuple[str, str]] = {
    "inputs": ("Inputs", "输入"),
    "training": ("Training", "训练"),
    "memory": ("Memory", "显存"),
    "network": ("Network", "网络"),
    "serving": ("Serving", "推理"),
    "budget": ("Budget", "预算"),
}


def label(key: str, lang: str = "en") -> str:
    """The label of ``key`` in ``lang`` (en or zh)."""
    lab = LABELS[key]
    return lab.zh if lang == "zh" else lab.en
