"""Where an input comes from, in the reader's language.

The estimate keeps each input's source twice: ``InputValue.source``, the English line the JSON, the
CLI and the workbook show, and ``InputValue.origin`` (:class:`xlcompute.estimate.Origin`), the same
source as data: its kind and parts. English pages print the line; the Chinese proposal words the
source from its parts here, never by translating the English line:

- ``scenario``: "场景文件：training.tokens" (the field path, as the user typed it in the file);
- ``default``: "默认值（training.param_bytes）：" + the field's Chinese description (:data:`FIELD_ZH`);
- ``price``: "默认单价（pricing.nic_price，CNY）：" + the price row's Chinese source (:data:`PRICE_ZH`);
- ``catalog``: "目录：NVIDIA H800 SXM5 80GB（citation）": the citation stays as published;
- ``constant`` / ``kernel`` / ``fixed`` / ``planner`` / ``batch``: fixed Chinese sentences with the numbers;
- ``user``: the scenario's own text (``assumptions.mfu_source``) as written.

Bibliographic citations (authors, titles, report names, datasheets, URLs) stay as published in
either language. An input without an origin (an older pickled estimate) keeps its English line.
"""

from __future__ import annotations

from xlcompute import fmt, registry
from xlcompute.core import spread as _spread
from xlcompute._builtin import BUILTIN_ZH, builtin_text  # noqa: F401  (re-exported)
from xlcompute.estimate import InputValue, Origin

__all__ = ["builtin_text", "source_text", "price_source", "scenario_field", "FIELD_ZH", "PRICE_ZH", "CONSTANT_ZH",
           "RECIPE_ZH", "registry_source"]

#: The scenario fields' documented defaults, in Chinese (the English is the field's description in
#: :mod:`xlcompute.scenario`; the citations in brackets are the same).
FIELD_ZH: dict[str, str] = {
    "training.tokens": "训练 token 数",
    "training.seq_len": "序列长度（token）",
    "training.micro_batch": "每卡每个微批的序列数",
    "training.param_bytes": "a：每个参数的字节数，未给定 grad_bytes 时也是每个梯度的字节数（bf16 为 2）",
    "training.grad_bytes": "优化器所用每个梯度的字节数；未给定时等于 param_bytes（种子 000 的 a），fp8 精度时为 4，"
                           "DeepSeek-V3 的 FP32 梯度（arXiv:2412.19437 §3.3.3）",
    "training.optimizer_bytes": "b：每个参数的优化器字节数（混合精度 Adam 为 12，ZeRO §3.1；fp8 精度默认 8，"
                                "DeepSeek-V3 的 FP32 主权重与 BF16 AdamW 动量，arXiv:2412.19437 §3.3.3）",
    "training.capacity_factor": "专家容量 / 负载不均衡系数：最忙专家的负载与均衡负载之比（GShard；Switch Transformers §2.2，"
                                "1.0–1.25）。默认 1.0：按容量 1.0 丢弃 token（DGX Cloud DeepSeek-V3 配方）或均衡的无丢弃路由",
    "training.a2a_overlap": "专家 all-to-all 被计算隐藏的比例：0 = 不重叠（Megatron-Core 默认）；Megatron-Core 自带的重叠"
                            "（overlap_moe_expert_parallel_comm）约 0.6（moe_runs_10.yaml）；DualPipe 式重叠"
                            "（DeepSeek-V3 §3.2.1，“近乎完全”）约 0.9。默认：目录中有该预设公开的训练配方时取之"
                            "（DeepSeek-V3：0.9），否则 0",
    "training.a2a_dedup": "token 分发器是否对每台持有其专家的其他服务器只发送一次 token、再在该服务器内经 NVLink 转发"
                          "（DeepEP、HybridEP，即 Megatron-Core 的 flex 分发器；DeepSeek-V3 §3.2.2），而不是每个专家发送一份"
                          "（Megatron-Core 的 alltoall 分发器，false）。默认：目录中有该预设公开的训练配置时取之"
                          "（DeepSeek-V3：开启），否则关闭",
    "training.moe_sync_ms": "每个 MoE 层前向时 token 分发在主机上等待的时间（毫秒）：0 = 不等待的分发器（DeepSeek 自研、"
                            "按容量丢弃并填充、HybridEP）；Megatron-Core 无丢弃 all-to-all 分发器需等待路由的 token 计数"
                            "（每个 MoE 层每微批 7.25 毫秒，在 moe_runs.yaml 的 5 行 "
                            "Megatron-Bridge 25.11 数据上拟合；等待之后下发的 GPU 工作可将其隐藏）。默认 0",
    "training.zero_stage": "ZeRO 阶段 0–3（Rajbhandari et al. 2020）",
    "training.recompute": "激活重计算（Korthikanti et al. 2022）",
    "training.recompute_layers": "选择性重计算时，每个流水线级中完全重计算的层数，其余层选择性重计算（Megatron-LM 的 "
                                 "--recompute-method block --recompute-num-layers）；布局由规划器选择时它一并选择。默认 0",
    "training.sequence_parallel": "Megatron 序列并行（Korthikanti et al. 2022）",
    "training.interleave": "交错式 1F1B 调度中每卡的模型块数（Narayanan et al. 2021 §2.2）",
    "training.first_stage_layers": "首个流水级的层数（Megatron-LM 的 --decoder-first-pipeline-num-layers），例如为嵌入层少放"
                                   "一层，如 Llama 3 405B 在 16 级上 126 层的首级 7 层（Dubey et al. 2024 §3.3.2）；其余各级均分余下"
                                   "的层。需要同时给出 training.tp 与 training.pp（pp 至少为 2）。默认 0：均分",
    "training.last_stage_layers": "最后流水级的层数，该级还运行输出层与损失（Megatron-LM 的 "
                                  "--decoder-last-pipeline-num-layers），例如像 Llama 3 405B 那样少放一层。需要同时给出 "
                                  "training.tp 与 training.pp。默认 0：均分",
    "training.dualpipe": "DeepSeek-V3 的 DualPipe 调度（arXiv:2412.19437 §3.2.1）：微批从流水线两端同时送入，第 i 张卡同时"
                         "持有第 i 级与第 p − 1 − i 级，气泡为 (PP/2 − 1)(F&B + B − 3W)，权重与梯度两份、首卡多一个在途微批；"
                         "需要给出 training.tp 与偶数的 training.pp，交错阶段数为 1。默认关闭（1F1B 调度）",
    "training.tp_overlap": "框架将张量并行 all-reduce 与矩阵乘重叠（Megatron-Core 的 --tp-comm-overlap）："
                           "单步时间模型最多隐藏其 tp_overlap_fraction，即 0.8（假设：重叠的集合通信占用矩阵乘的 SM；Calculon，Isaev 等 2023）。尚无验证实测，因此除非设为 true，"
                           "规划器的推荐布局不采用。默认关闭",
    "training.attention": "单步时间模型采用的注意力算子：flash 为融合的 FlashAttention（Dao 2023），"
                          "即当前 Megatron-Core、DeepSpeed 与 MindSpeed 的做法；unfused 为 2021 年 Megatron 的写法，"
                          "显存中保留 s×s 注意力分数，验证数据中的各次运行均为此设置",
    "training.software": "单步时间模型采用的训练软件：typical（基准内核吞吐的 0.651，按 27 个公开预训练任务的端到端"
                         "卡时拟合，代表生产环境的软件栈）、megatron-lm（NVIDIA 调优基准，1.0，即校准基准）或 "
                         "megatron-deepspeed（0.817，按 MT-NLG 530B 拟合）；见 xlcompute validate",
    "training.offload": "放入加速卡卸载层（主机内存，如 GH200 的 LPDDR5X）的内容：权重（连同梯度）、激活、"
                        "优化器状态；不在计算中的块移出，再经卸载链路流回（Calculon，Isaev 等 2023）。"
                        "需要带卸载层的加速卡，或给出 cluster.offload_gb 与 cluster.offload_gbs",
    "assumptions.host_power_factor": "整机功耗 / 加速卡 TDP（DGX H100：8×700 W 对应 10.2 kW）",
    "assumptions.idle_power_share": "空闲服务器功耗占满载功耗的比例（规划假设：空闲加速卡约耗 TDP 的十分之一，"
                                    "CPU、内存、风扇与网卡仍在运行；请以实测值替换）",
    "reliability.failures_per_card_hour": "每卡时导致作业中断的故障数（Llama 3：16,384 张 H100 在 54 天内"
                                          "意外中断 419 次，即 1.97e-5；Dubey et al. 2024 §3.3.4）；0 表示不计故障",
    "reliability.checkpoint_gbs_per_card": "每卡检查点存储写入带宽，GB/s（Llama 3：16,384 张 H100 共 2 TB/s，"
                                           "即 0.122；Dubey et al. 2024 §3.3.1）",
    "reliability.checkpoint_interval_minutes": "两次检查点之间的训练分钟数；0 表示取 Young–Daly 最优间隔（Daly 2006）",
    "reliability.restart_minutes": "故障后恢复训练所需分钟数，不含读回检查点（规划假设：自动检测与重启，"
                                   "Llama 3 §3.3.4；请按实际情况设定）",
    "reliability.planned_overhead": "单步模型未覆盖的计划内工作所占日历时间比例：评测、维护、数据与阶段切换"
                                    "（Llama 3：54 天内计划内中断 47 次，§3.3.4；规划假设）",
    "training.deadline_confidence": "训练须在截止期限内完成的把握：在 MFU 区间（uncertainty.mfu_sigma）中所占比例。"
                                    "0.5 即按估算值；0.9 则按 P90 工期满足截止期限来确定集群规模"
                                    "（估算工期须比期限短 e^(σ·z) 倍）",
    "uncertainty.mfu_sigma": "MFU 的对数正态 σ（ln 单位；0.336：xlcompute validate 中最早 23 个留出端到端任务"
                             "首次预测、尚未用于拟合时卡时对数误差的均方根；之后的留出集离散更大）",
    "uncertainty.serving_sigma": f"推理速度的对数正态 σ（ln 单位；{_spread.SERVING_LOG_SIGMA:g}：xlcompute validate --serving 中 {_spread.SERVING_LOG_SIGMA_POINTS} 个留出吞吐点"
                                 "对数误差的均方根）",
    "serving.users": "并发用户数 U（0 表示不做推理）",
    "serving.tokens_per_request": "每次请求的输入加输出 token 数 T_io",
    "serving.seconds_per_request": "一次请求的平均时长 t_c，秒",
    "serving.utilization": "只按算力估算卡数（卡数 = 用户数 × 每次请求计算量 ÷ 单卡峰值算力 ÷ 请求时长）时所取的峰值"
                           "算力比例，仅作对照（推理卡数由推理单步模型给出）",
    "serving.bytes_per_param": "推理时每个权重的字节数（bf16 为 2，fp8/int8 为 1）",
    "serving.kv_bytes_per_value": "KV 缓存每个值的字节数（bf16 为 2，fp8 为 1）",
    "serving.decode_batch": "每副本同时解码的序列数（不给时由推理规模测算选定）",
    "serving.hbm_usable_fraction": "推理引擎可用的显存比例（权重与 KV 缓存；vLLM 默认 0.9）",
    "cluster.cards": "加速卡数量；不给时取方案所需：给定 training.deadline_days 时为按期完成训练的最少卡数，仅推理时为用户所需卡数"
                     "（均为整台服务器），否则 1,000",
    "serving.output_tokens": "每次请求生成的 token 数（不给时取 tokens_per_request 的一半，属假设）",
    "serving.input_tokens": "每次请求的输入（提示）token 数；与 output_tokens 一起给出时，tokens_per_request 取两者之和",
    "serving.precision": "推理精度：bf16、fp8、int8、int4",
    "serving.ttft_s": "首 token 时延目标（MLPerf 推理基准 v4.0 中 llama2-70b 的服务器场景：p99 2 秒）",
    "serving.tpot_s": "每输出 token 时延目标（MLPerf 推理基准 v4.0 中 llama2-70b 的服务器场景：p99 200 毫秒）",
    "serving.tp": "每推理副本的张量并行卡数（不给时由推理规模测算选定）",
    "serving.pp": "每推理副本的流水线级数（服务器数；不给时由推理规模测算选定）",
    "serving.disaggregated": "预填充与解码分离部署（DistServe）",
    "serving.confidence": "推理集群所容纳的推理卡数在推理模型速度区间（uncertainty.serving_sigma）中对应的比例：0.5 即按估算值；"
                          "0.9 则按推理卡数的 P90 配置（估算卡数乘以 e^(σ·z)）",
    "cluster.switch_gbps": "单台网络交换机的单向容量，Gbit/s；按 inter_node_gbps 计的端口数即其端口数"
                           "（25,600：NVIDIA Quantum-2 QM9700，64 个 400 Gb/s 端口）",
    "cluster.oversubscription": "网络叶交换机下行:上行端口比（1 为无阻塞，与 DGX SuperPOD 参考架构相同；"
                                "2 则叶–脊链路减半）",
    "cluster.memory_reserve_gb": "训练方案在每卡显存中保留的 GB 数（CUDA 上下文、分配器碎片、工作区以及运维要求的安全余量）；"
                                 "布局规划器在其余显存中放下全部内容。默认 2 GB（单步时间模型的假设）",
    "cluster.storage_tb_per_card": "每卡存储配额，TB；存储容量取该值 × 卡数与本次训练自身检查点及数据两者中的"
                                   "较大者（14.6：Llama 3，16,384 张 H100 共 240 PB，Dubey et al. 2024 §3.3.1）",
    "cluster.checkpoints_kept": "存储上保留的检查点个数（规划假设：保留最近几个用于重启，另加若干里程碑；"
                                "每个含权重与优化器状态）",
    "cluster.dataset_bytes_per_token": "每个 token 的训练数据存储字节数（规划假设：UTF-8 文本，"
                                       "每个英文 token 约 4 个字符）",
    "pricing.pue": "电能利用效率 PUE（中国新建大型数据中心目标值，2021 年）",
    "pricing.years": "总成本表与自建/租赁比较的年限",
    "pricing.staff_per_year": "每年运维人员成本（0 表示不计入）",
    "pricing.kw_per_rack": "每机柜可承载的 IT 功率，kW；机柜只放整台服务器（40：液冷高密度机柜，即托管价格所按的"
                           "机柜；每柜服务器数随方案的卡而定：可放 3 台 10.08 kW 的 8 卡 H800 服务器，而 4 台 10.2 kW 的 DGX H100"
                           "（DGX H100 datasheet）需要 40.8 kW）",
    "pricing.maintenance_share": "每年维护、厂商支持与备件费用占资本支出的比例（规划假设：5%；"
                                 "请以支持服务报价替换）",
    "pricing.depreciation_years": "服务器与网络的直线法折旧年限（5：Amazon 自 2025 年起的服务器年限；Alphabet 与 "
                                  "Microsoft 为 6 年，Meta 为 5.5 年，见 2024/2025 年 10-K 年报）",
    "pricing.residual_share": "折旧期末残值占硬件价格的比例（0：保守取值；期末价值即直线法账面价值）",
    "pricing.discount_rate": "计算现值所用的年折现率（规划假设：企业资本成本约 8%；请采用贵单位财务部门的"
                             "最低回报率）",
}

#: The options of training.software, in Chinese (the English note of estimate._step_model_inputs).
SOFTWARE_ZH: dict[str, str] = {
    "megatron-lm": "单步时间校准所依据的参考软件栈（NVIDIA 调优基准）",
    "megatron-deepspeed": "按 2,800 张 GPU 上的 MT-NLG 530B 训练拟合（xlcompute validate）",
    "typical": "生产环境软件栈，按 end_to_end.yaml 中 27 个公开预训练任务的端到端卡时拟合（留出检验：end_to_end_2.yaml；"
               "xlcompute validate）",
}

#: Options of enum fields as the Chinese reader sees them.
OPTION_ZH: dict[str, str] = {
    "none": "不重计算", "selective": "选择性重计算", "full": "完全重计算",
    "flash": "flash（融合注意力）", "unfused": "unfused（非融合注意力）",
    "typical": "典型（typical）", "megatron-lm": "Megatron-LM 基准（megatron-lm）",
    "megatron-deepspeed": "Megatron-DeepSpeed（megatron-deepspeed）",
}

#: catalog/prices.yaml sources in Chinese, by their exact English text (a planning assumption is
#: wording, not a citation). A source without an entry here is shown as published.
PRICE_ZH: dict[str, str] = {
    # CNY table
    "planning assumption: an 8-card H800-class server at ¥2.3M, China 2024":
        "规划假设：8 卡 H800 级服务器约 230 万元，中国 2024 年",
    "planning assumption: a 400G InfiniBand/RoCE NIC (ConnectX-7 class), the US planning figure at 7.2 yuan per "
    "dollar; no public price list":
        "规划假设：一块 400G InfiniBand/RoCE 网卡（ConnectX-7 级），按美国规划价以 7.2 元/美元折算；无公开价目表",
    "planning assumption: a 64-port 400G switch (Quantum-2 QM9700 class), the US planning figure at 7.2 yuan per "
    "dollar; no public price list":
        "规划假设：一台 64 端口 400G 交换机（Quantum-2 QM9700 级），按美国规划价以 7.2 元/美元折算；无公开价目表",
    "planning assumption: a 400G optical transceiver (OSFP), the US planning figure at 7.2 yuan per dollar; no "
    "public price list":
        "规划假设：一个 400G 光模块（OSFP），按美国规划价以 7.2 元/美元折算；无公开价目表",
    "planning assumption: a multi-mode fibre cable (MPO), the US planning figure at 7.2 yuan per dollar":
        "规划假设：一根多模光纤线缆（MPO），按美国规划价以 7.2 元/美元折算",
    "planning assumption: all-flash parallel file system (NVMe storage servers) per TB, the US planning figure at "
    "7.2 yuan per dollar; no public price list":
        "规划假设：全闪存并行文件系统（NVMe 存储服务器）每 TB 单价，按美国规划价以 7.2 元/美元折算；无公开价目表",
    "planning assumption: liquid-cooling and power fit-out per kW of IT load, China 2024":
        "规划假设：按 IT 负载每 kW 计的液冷与供电改造费用，中国 2024 年",
    "planning assumption: high-density colocation at about ¥1,000 per kW and month × 40 kW racks, China 2024":
        "规划假设：高密度托管约每 kW 每月 1,000 元 × 40 kW 机柜，中国 2024 年",
    "planning assumption: China large industrial tariff, 2024": "规划假设：中国大工业电价，2024 年",
    "planning assumption: H800-class cloud rental per card-hour, China 2024":
        "规划假设：H800 级云租赁每卡时价格，中国 2024 年",
    "planning assumption: 1-year commitment about 20% below on-demand": "规划假设：1 年预留比按需价格低约 20%",
    "planning assumption: 3-year commitment about 35% below on-demand": "规划假设：3 年预留比按需价格低约 35%",
    # CNY card rows
    "planning assumption: as H800, China 2024": "规划假设：与 H800 相同，中国 2024 年",
    "planning assumption: 8-card H800 server ¥2.3M; rental ¥15/card-h, China 2024":
        "规划假设：8 卡 H800 服务器 230 万元；租赁每卡时 15 元，中国 2024 年",
    "planning assumption: about 13% above H800 (more HBM), China 2024":
        "规划假设：比 H800 高约 13%（显存更大），中国 2024 年",
    "planning assumption: 8-card H20 server ¥1.2M; rental ¥6/card-h, China 2024":
        "规划假设：8 卡 H20 服务器 120 万元；租赁每卡时 6 元，中国 2024 年",
    "planning assumption: 8-card A100 server ¥1.2M, China 2024": "规划假设：8 卡 A100 服务器 120 万元，中国 2024 年",
    "planning assumption: priced as A100 80GB, China 2024": "规划假设：按 A100 80GB 定价，中国 2024 年",
    "planning assumption: 8-card Atlas 800T A2 server ¥1.6M; rental ¥10/card-h, China 2024":
        "规划假设：8 卡 Atlas 800T A2 服务器 160 万元；租赁每卡时 10 元，中国 2024 年",
    # USD table and card rows
    "planning assumption: an 8-GPU HGX H100 server at about $300k, US 2024":
        "规划假设：8 卡 HGX H100 服务器约 30 万美元，美国 2024 年",
    "planning assumption: a 400G InfiniBand NDR / Ethernet NIC (ConnectX-7 class), US 2024; sold by quote, no "
    "public price list":
        "规划假设：一块 400G InfiniBand NDR / 以太网网卡（ConnectX-7 级），美国 2024 年；按报价销售，无公开价目表",
    "planning assumption: a 64-port 400G switch (Quantum-2 QM9700 class), US 2024; sold by quote, no public price "
    "list":
        "规划假设：一台 64 端口 400G 交换机（Quantum-2 QM9700 级），美国 2024 年；按报价销售，无公开价目表",
    "planning assumption: a 400G optical transceiver (OSFP), US 2024; no public price list":
        "规划假设：一个 400G 光模块（OSFP），美国 2024 年；无公开价目表",
    "planning assumption: a multi-mode fibre cable (MPO), US 2024": "规划假设：一根多模光纤线缆（MPO），美国 2024 年",
    "planning assumption: all-flash parallel file system (NVMe storage servers) per TB, US 2024; no public price "
    "list":
        "规划假设：全闪存并行文件系统（NVMe 存储服务器）每 TB 单价，美国 2024 年；无公开价目表",
    "planning assumption: liquid-cooling and power fit-out per kW of IT load, US 2024":
        "规划假设：按 IT 负载每 kW 计的液冷与供电改造费用，美国 2024 年",
    "CBRE North America Data Center Trends H2 2024: average asking rate $184.06 per kW and month (250–500 kW, "
    "primary markets) × 40 kW racks":
        "CBRE North America Data Center Trends H2 2024：平均报价每 kW 每月 184.06 美元（250–500 kW，主要市场）"
        "× 40 kW 机柜",
    "US EIA Electric Power Monthly, average industrial price 2024 (about 8 ¢/kWh)":
        "US EIA Electric Power Monthly：2024 年工业用电平均价格（约 8 美分/kWh）",
    "planning assumption: H100 SXM on-demand per GPU-hour at specialised clouds, US 2025":
        "规划假设：专业云厂商 H100 SXM 按需每卡时价格，美国 2025 年",
    "planning assumption: HGX H100 server about $300k; on-demand about $3/GPU-h":
        "规划假设：HGX H100 服务器约 30 万美元；按需每卡时约 3 美元",
    "planning assumption: priced as H100 SXM": "规划假设：按 H100 SXM 定价",
    "planning assumption: HGX H200 server about $340k, US 2025": "规划假设：HGX H200 服务器约 34 万美元，美国 2025 年",
    "planning assumption: HGX A100 server about $150k; on-demand about $1.5/GPU-h, US 2025":
        "规划假设：HGX A100 服务器约 15 万美元；按需每卡时约 1.5 美元，美国 2025 年",
    "planning assumption: HGX B200 server about $450k; on-demand about $5/GPU-h, US 2025":
        "规划假设：HGX B200 服务器约 45 万美元；按需每卡时约 5 美元，美国 2025 年",
}

#: The step-time model's constants (planner.inputs.STEP_CONSTANTS), in Chinese.
CONSTANT_ZH: dict[str, str] = {
    "matmul_eff_max": "校准值（calibrate_profiles）：在 xlcompute validate 的 A100 校准行上按 0.55..0.90、步长 0.01 "
                      "网格搜索（Megatron-LM 2021 Table 1 与 Korthikanti 2022 Table 5；Calculon 效率曲线，Isaev 等 2023），"
                      "与拖尾波动一并校准",
    "matmul_dim_half": "0 表示取屋顶线拐点，即峰值算力 / 显存带宽（Williams et al. 2009）；未拟合：校准行"
                       "（h/tp ≥ 768）无法区分",
    "elementwise_traffic_factor": "校准值（calibrate_profiles）：在 A100 校准行上按 0..6、步长 0.25 网格搜索；"
                                  "归一化、softmax、dropout 与激活函数每存储 1 字节激活所搬运的显存字节数",
    "loss_traffic_bytes": "计数值，未拟合：autocast 下未融合 fp32 交叉熵每个 logit 元素前向加反向的显存字节数："
                          "bf16→fp32 转换 6，log-softmax 前向 16（读 3 次、写 1 次），梯度清零 4，log-softmax 反向 16，"
                          "转回 6。PyTorch autocast 以 fp32 运行 cross_entropy/log_softmax（torch.amp 文档中"
                          "可自动转为 float32 的 CUDA 算子列表），Megatron-LM 的词表并行交叉熵亦然（fp32 logits，"
                          "Korthikanti 等 2022 §4.1）；小模型的损失流量以 logit 矩阵为主（Wijmans 等 2024，arXiv:2411.09009）",
    "flash_attention_efficiency": "假设：FlashAttention-2 前向加反向约达 A100 峰值的 50–70%（Dao 2023，图 4–6）；未经验证",
    "intra_node_efficiency": "假设：DGX A100 上 NCCL all-reduce 总线带宽约为 300 GB/s NVLink 中的 230 GB/s（nccl-tests）",
    "inter_node_efficiency": "假设：大规模集合通信约达 InfiniBand/RoCE 线速的 80%",
    "collective_latency_us": "假设：每次集合通信或流水线消息的 NCCL 延迟约 10 微秒",
    "zero3_all_nics": "NCCL（src/graph：每个网卡一个环形通道）：每台服务器上有 k 个 rank 的数据并行环在 k 个网卡上跨服务器，"
                      "ZeRO-3（PyTorch FSDP）的权重收集与 reduce-scatter 与 all-reduce 相同；1 = 如此，0 = 每卡一个网卡，"
                      "即 Narayanan 等 2021 表 2 中 DeepSpeed ZeRO-3（2021）实测的情形（这些数据行按 0 预测）",
    "ring_step_latency_us": "NCCL 调优模型（src/graph/tuning.cc）：n 个 rank 上的环形 all-gather 或 reduce-scatter 耗时为"
                            "基础延迟加 n − 1 个单步延迟；大消息（Simple 协议）NVLink 上每步 5.7 微秒、网络上 6.6 微秒"
                            "（NCCL 2.x hwLat），取约 6 微秒，未拟合。计入 ZeRO-3 的权重收集与梯度 reduce-scatter"
                            "（NCCL 只以环实现这两种通信，all-reduce 另有树形算法）",
    "tp_overlap_fraction": "假设：开启重叠时可被矩阵乘掩盖的张量并行通信比例；通信占用 SM，因而只能部分重叠"
                           "（Calculon，Isaev 等 2023）",
    "zero3_overlap_fraction": "假设（上限，未拟合）：每一趟前向或反向中，ZeRO-3 的权重收集与梯度 reduce-scatter"
                              "可在该趟计算的多大比例下并行；PyTorch FSDP 在当前单元计算时预取下一单元的权重"
                              "（Zhao 等 2023，第 3.4 节），NCCL 内核占用的 SM 未计入。Narayanan 等 2021 表 2 中"
                              "DeepSpeed ZeRO-3（2021）的拟合值为 0.55（calibrate_zero3，zero3_runs.yaml，仅作校准）",
    "straggler_jitter": "校准值（calibrate_profiles）：在 xlcompute validate 的 A100 与 H100 校准行（16–2,520 张 GPU）"
                        "上按 0..2%、步长 0.25% 网格搜索，与各代内核常数一并校准；单台服务器单步时间的相对波动，"
                        "N 台中最慢者按 sigma·sqrt(2 ln N) 拉长（N 个正态偏差最大值的期望）；网格放宽到 4% 仍得 2%",
    "framework_reserve_gb": "假设：每卡的 CUDA 上下文、分配器碎片与工作区",
    "software_efficiency": "megatron-lm，即各常数校准所依据的参考软件栈",
    "tp_async_backward": "Megatron-LM 自 2021 年底起在权重梯度矩阵乘期间执行 QKV 与 MLP 上投影的反向张量并行集合通信"
                         "（ColumnParallelLinearWithAsyncAllreduce）；0 表示 2021 年的代码",
    "offload_gb": "无优化器卸载层（0）",
    "offload_gbs": "无优化器卸载层（0）",
    "a2a_efficiency": "校准值（calibrate_moe）：在 moe_runs.yaml 的 8 个 BF16 校准行上按 0.30..1.00、步长 0.05 网格搜索；专家 all-to-all 达到的各链路集合通信带宽比例",
    "grouped_gemm_efficiency": "校准值：路由专家分组矩阵乘相对同尺寸稠密矩阵乘的效率，仅在 moe_runs.yaml 的校准行上拟合",
    "fp8_gemm_efficiency": "校准值：FP8 训练中线性层矩阵乘实现的 FP8/BF16 峰值比例，仅在 moe_runs.yaml 的 FP8 校准行上拟合",
}

#: The kernel profiles (planner.inputs.KERNEL_PROFILES), in Chinese.
KERNEL_ZH: dict[str, str] = {
    "ampere": "A100：矩阵乘与逐元素常数在 xlcompute validate 的 A100 校准行上校准（Megatron-LM 2021 Table 1，"
              "Korthikanti 2022 Table 5）；FlashAttention-2 约达 A100 峰值的 60%（Dao 2023）",
    "hopper": "H100：矩阵乘与逐元素常数在 hopper_runs.yaml 的 18 个校准行上校准（NVIDIA DGX Cloud Benchmarking "
              "v24.11.1，16–2,048 张 H100；在这些行上误差 1.39%）；"
              "Transformer Engine 在 Hopper 上运行 cuDNN 融合注意力（NeMo 文档：Hopper 及以后优先 cuDNN flash attention），"
              "H100 上头维度 128、因果、4k 词元时前向 518、反向 499 TFLOP/s，"
              "即峰值的 0.51（Shah et al. 2024，FlashAttention-3，图 5–6）",
    "ascend": "910B：矩阵乘常数在 step_runs_13.yaml 的 51 行上校准（MindSpeed-LLM 1.0.RC3 README 表，Atlas 900 A2 PODc，"
              "布局取自其预训练脚本；首次预测沿用 A100 常数时偏快 30.2%，本次拟合后为 14.5%，此后作为校准行）；逐元素与"
              "注意力常数沿用 A100 校准；在 step_runs_15.yaml 的 5 个留出 910B 行上（MindSpore MindFormers、ModelLink）"
              "平均仍偏快 30%（平均绝对误差 34.1%）",
}

FIXED_ZH: dict[str, str] = {
    "override": "人工覆盖值",
    "no_load": "未给定：计划利用率由工作负载推出（训练卡时加上推理卡在整个期间的卡时）",
    "step_default": "单步时间模型的默认值",
    "no_training": "未给定：不做训练（仅推理的场景）",
    "generic_arch": "只给出 model.params 时 model.arch 的默认值：按 Llama 3 比例的稠密结构（注意力头维度 128、8 个 KV 头、"
                    "每层宽度约 128、SwiGLU MLP 约为宽度的 3.5 倍；core.shape）",
    "cards_sized_serving": "仅推理场景未给定 cluster.cards 时的默认值：其用户所需的推理卡数（推理规模测算的卡数，按 serving.confidence，"
                           "向上取整到整台服务器）",
    "cards_sized_deadline": "给定 training.deadline_days 而未给定 cluster.cards 时的默认值：按期完成训练所需的最少卡数"
                            "（按该卡数重新规划布局；整台服务器；不少于推理所需卡数）",
    "default_cp": "默认值（training.cp）：1，不做上下文并行",
    "planner_placeholder": "布局规划器",
    "default_ep": "默认值（training.ep）：1，不做专家并行",
    "default_etp": "默认值（training.expert_tp）：0 = 等于 training.tp（Megatron-Core 的默认值）",
    "fp8_optimizer": "training.optimizer_bytes（fp8 精度下的默认值）：8 = FP32 主权重（4）+ BF16 AdamW 动量（2 + 2），"
                     "DeepSeek-V3（arXiv:2412.19437）§3.3.3",
    "fp8_grad": "training.grad_bytes（fp8 精度下的默认值）：4 = FP32 梯度，DeepSeek-V3（arXiv:2412.19437）§3.3.3",
    "no_deadline": "未给定：无截止期限（训练超过一个季度时，工期风险会提示）",
    "no_mfu": "未给定：按单步时间模型对该布局预测的 MFU 计算",
    "no_serving": "未测算：没有推理用户（serving.users = 0）",
    "serving_fit": "默认值：推理模型常数（在 serving_runs.yaml 的校准行及其 16 位/FP8 权重的 TPOT 行上拟合，或为有出处的假设）",
    "serving_allreduce_fit": "默认值：张量并行全归约常数，在 113 个公开的单机全归约实测（NCCL 及推理框架自带的全归约内核，"
                             "A100 / H100，2-8 卡，allreduce_bench.yaml）上拟合，未用任何推理实测行：每次 5.0 微秒加每个环步 "
                             "0.65 微秒（环形全归约 2(n−1) 步），链路单向带宽的 0.53",
    "serving_speed": "默认值 1，即推理模型的估算值（蒙特卡洛区间在 1 附近按对数正态抽样，σ 取 uncertainty.serving_sigma）",
    "serving_vendor": "默认值 1：该加速卡及其厂商都没有推理系数（推理模型的 NVIDIA 拟合值，不调整）",
    "serving_vendor_amd": "默认值：AMD 卡的推理系数，在预登记推理验证集 serving_runs_2.yaml、serving_runs_7.yaml 与 "
                          "serving_runs_8.yaml 的 69 个 MI300X 实测（ROCm 上的 vLLM，AMD 的表格与 MLPerf）上拟合；适用于所有 AMD 卡",
    "serving_vendor_h20": "默认值：H20 的推理系数，在预登记推理验证集 serving_runs_21.yaml 的 36 个 BF16 与 FP8 批量 1 实测"
                          "（SGLang 0.4.6.post1，Qwen3 速度基准）上拟合，此前这些实测的首次预测约快一倍；尚无留出的 H20 实测检验",
    "serving_dequant_none": "默认值 0：权重按存储格式读取（16 位或 FP8，无需反量化）",
    "serving_dequant_fit": "默认值：仅权重量化（int8 / int4）内核每个权重用于解包、缩放与转换、且未被读取掩盖的向量运算数，"
                           "在预登记推理验证集中 A100 上 int8 / int4 权重的批量 1 TPOT 实测上拟合（serving_validation.fit_dequant）",
    "serving_moe_gemm_fit": "默认值：路由专家矩阵乘相对稠密推理矩阵乘的效率，在预登记推理验证集 serving_runs_11.yaml 的 16 个 "
                            "Mixtral 8x7B 吞吐实测（TensorRT-LLM v0.11）上拟合（拟合方案在拟合前已登记于"
                            "该文件）；此前沿用训练模型的 0.90，各验证集的 MoE 吞吐均偏快",
    "serving_sizer": "推理规模测算：满足首 token 时延与每 token 时延目标、卡数最少的副本布局与批大小",
    "serving_sizer_no_fit": "推理规模测算：没有布局满足时延目标，取每 token 时延最低者",
}

#: The registry's sources of bill-of-materials counts (xlcompute.registry), in Chinese.
REGISTRY_SOURCE_ZH: dict[str, str] = {
    "nics": "每卡一块，NVIDIA DGX SuperPOD RA",
    "fabric_switches": "Al-Fares et al. 2008 §3；NVIDIA DGX SuperPOD RA",
    "fabric_links": "Al-Fares et al. 2008 §3；NVIDIA DGX SuperPOD RA",
    "transceivers": "每条光链路两个",
    "storage_tb": "Llama 3（Dubey et al. 2024，§3.3.1）：16,384 张 H100 共 240 PB",
}

#: The catalog's training recipes (models.yaml recipe.*_source, released_precision_source) in Chinese, by
#: their exact English text: the report, section and arXiv number stay as published, the explanation
#: around them is put in Chinese. A source without an entry here is shown as published.
RECIPE_ZH: dict[str, str] = {
    # deepseek-v3
    "DeepSeek-V3 Technical Report (arXiv:2412.19437) §4.2: 15,360 sequences of 4,096 tokens, after a ramp from "
    "3,072 over the first 469B tokens":
        "DeepSeek-V3 Technical Report（arXiv:2412.19437）§4.2：每批 15,360 条 4,096 token 序列；"
        "前 4,690亿 token 从 3,072 条逐步增大",
    "DeepSeek-V3 Technical Report (arXiv:2412.19437) §3.2.1: DualPipe, \"a near-full computation-communication "
    "overlap\" of the expert all-to-all (0.9 = core.moe.DUALPIPE_OVERLAP, an assumption for \"near-full\")":
        "DeepSeek-V3 Technical Report（arXiv:2412.19437）§3.2.1：DualPipe 调度使专家 all-to-all 通信与计算"
        "“近乎完全重叠”，即 DeepSeek-V3 公布的计算–通信重叠；“近乎完全”按 0.9 假设",
    "DeepSeek-V3 Technical Report (arXiv:2412.19437) §3.2.2: each token is sent over IB once to every node that "
    "holds one of its experts and forwarded there over NVLink, to at most 4 nodes (config.json n_group 8, "
    "topk_group 4: group-limited routing)":
        "DeepSeek-V3 Technical Report（arXiv:2412.19437）§3.2.2：每个 token 经 IB 向持有其所选专家的每台服务器"
        "只发送一次，再在该服务器内经 NVLink 转发，最多发往 4 台服务器（config.json 中 n_group 8、topk_group 4："
        "分组限制路由）",
    "DeepSeek-V3 Technical Report (arXiv:2412.19437) §3.3 \"FP8 Training\" and §3.3.1: \"most core computation "
    "kernels, i.e., GEMM operations, are implemented in FP8 precision\" (FP32 master weights, BF16 AdamW moments)":
        "DeepSeek-V3 Technical Report（arXiv:2412.19437）§3.3“FP8 Training”与 §3.3.1：矩阵乘（GEMM）等大部分"
        "核心计算内核以 FP8 精度实现（FP32 主权重，BF16 AdamW 动量）",
    "deepseek-ai/DeepSeek-V3 README, \"How to Run Locally\": \"Since FP8 training is natively adopted in our "
    "framework, we only provide FP8 weights\"; HF config.json quantization_config: fp8, e4m3, weight_block_size "
    "[128, 128]":
        "deepseek-ai/DeepSeek-V3 README“How to Run Locally”：训练框架原生采用 FP8，因此只提供 FP8 权重；"
        "HF config.json 的 quantization_config：fp8、e4m3、weight_block_size [128, 128]",
    # kimi-k2
    "Kimi K2 Technical Report (arXiv:2507.20534) sec. 2.5: \"the global batch size was held at 67M tokens\" at a "
    "4,096-token context, read as 16,384 sequences of 4,096 tokens (2^26 tokens)":
        "Kimi K2 Technical Report（arXiv:2507.20534）§2.5：全局批大小保持在 6,700万 token，上下文 4,096 token，"
        "按每批 16,384 条 4,096 token 序列计（2^26 token）",
    "Kimi K2 Technical Report (arXiv:2507.20534) sec. 2.4: the expert-parallel all-to-all is overlapped with "
    "computation in the interleaved 1F1B schedule, \"our tests show that EP communication remains fully "
    "overlapped\" (0.9 = core.moe.DUALPIPE_OVERLAP, the same assumption as DeepSeek-V3's \"near-full\")":
        "Kimi K2 Technical Report（arXiv:2507.20534）§2.4：在交错 1F1B 调度中，专家并行 all-to-all 与计算重叠，"
        "其测试表明专家并行通信“仍被完全重叠”；与 DeepSeek-V3 的“近乎完全”相同，按 0.9 假设",
    # deepseek-v2, deepseek-v2-lite, deepseek-llm
    "DeepSeek-V2 (arXiv:2405.04434) §3.1.2: 9,216 sequences of 4,096 tokens, after a ramp from 2,304 over the "
    "first 225B tokens (the paper gives no share of the all-to-all its overlap hides)":
        "DeepSeek-V2（arXiv:2405.04434）§3.1.2：每批 9,216 条 4,096 token 序列；前 2,250亿 token 从 2,304 条"
        "逐步增大（论文未给出重叠所隐藏的 all-to-all 比例）",
    "DeepSeek-V2 (arXiv:2405.04434) Appendix B.1: \"a constant batch size of 4608 sequences\" with the maximum "
    "sequence length set to 4K (4,608 x 4,096), no batch-size ramp":
        "DeepSeek-V2（arXiv:2405.04434）附录 B.1：批大小恒为 4,608 条序列，最大序列长度 4K（4,608 × 4,096），"
        "批大小不逐步增大",
    "GitHub deepseek-ai/DeepSeek-LLM README.md, Pre-Training: \"batch size of 2304\" at \"a sequence length of "
    "4096\", read as 2,304 sequences x 4,096 tokens = 9,437,184 tokens":
        "GitHub deepseek-ai/DeepSeek-LLM README.md，Pre-Training：批大小 2,304、序列长度 4,096，"
        "即 2,304 条 × 4,096 token = 9,437,184 token",
    "GitHub deepseek-ai/DeepSeek-LLM README.md, Pre-Training: \"batch size of 4608\" at \"a sequence length of "
    "4096\", read as 4,608 sequences x 4,096 tokens = 18,874,368 tokens":
        "GitHub deepseek-ai/DeepSeek-LLM README.md，Pre-Training：批大小 4,608、序列长度 4,096，"
        "即 4,608 条 × 4,096 token = 18,874,368 token",
}


def _recipe_zh(cite: str) -> str:
    return RECIPE_ZH.get(cite, cite)


_CATALOG_EXTRA_ZH = {
    "dense_bf16": "；稠密 bf16", "dense_fp8": "；稠密 fp8", "per_direction": "；单向", "fp32_vector": "；FP32 向量峰值",
    "c2c": "；经 NVLink-C2C 访问的主机内存",
    "recipe": "；该模型公开的训练配方（用户未设定时采用）",
    "release": "；该模型发布的权重精度 fp8（用户未设定 serving.precision 时采用）",
}

_COUNT_ZH = {
    "total": "按架构精确计数", "active": "按架构精确计数（每 token 激活）",
    "embedding": "按架构精确计数：token（及位置）嵌入表", "lm_head": "按架构精确计数：输出层（与嵌入共享时为 0）",
}


def registry_source(key: str, lang: str) -> str:
    """The registry's source of ``key`` in ``lang`` (the English row when no Chinese one exists)."""
    if lang == "zh" and key in REGISTRY_SOURCE_ZH:
        return REGISTRY_SOURCE_ZH[key]
    return registry.source(key)


def _price_zh(text: str) -> str:
    return PRICE_ZH.get(text, text)


def _layout_zh(layout: str) -> str:
    """The estimate's layout text ("TP 1 × PP 16 × DP 128, EP 64") with the Chinese comma."""
    return layout.replace(", ", "，")


def _fp32_assumed_zh(o: Origin) -> str:
    value, ref_fp32, tbps = o.numbers
    missing = "未给出 cluster.accelerator.fp32_tflops" if o.kind == "custom" else "没有公开的 FP32 向量峰值"
    return (f"{o.name} {missing}：按 {o.option} 的 {fmt.plain(ref_fp32)} TFLOP/s 乘以显存带宽之比"
            f"（{fmt.plain(tbps)} TB/s，即每字节带宽的 FP32 算力相同）假设为 {value:.3g} TFLOP/s；仅用于仅权重量化的推理精度")


def _zh(o: Origin) -> str:
    k = o.kind
    if k == "scenario":
        opt = f" = {OPTION_ZH.get(o.option, o.option)}" if o.option else ""
        cur = f"，{o.currency}" if o.currency else ""
        return f"场景文件：{o.field}{opt}{cur}"
    if k == "default":
        if o.field == "training.software":
            return f"默认值（{o.field} = {o.option}）：{SOFTWARE_ZH.get(o.option, o.option)}"
        opt = f" = {OPTION_ZH.get(o.option, o.option)}" if o.option else ""
        return f"默认值（{o.field}{opt}）：{FIELD_ZH.get(o.field, '')}".rstrip("：")
    if k == "price":
        head = f"默认值（{o.field}，{o.currency}）："
        row = o.extra
        if row == "server_per_card":
            per_node, per_card = o.numbers
            return f"{head}{fmt.count(per_node)} 卡 × 每卡位 {fmt.count(per_card)}；{_card_price_zh(o.cite)}"
        if row.startswith("no_quote_"):
            what = "计算网络" if row == "no_quote_network_per_server" else "存储容量 × 每 TB 单价"
            return f"{head}无报价：{what}按物料清单计"
        if row.startswith("reserved_"):
            return f"{head}按需价格的 {fmt.percent(o.numbers[0], 0)}；{_price_zh(o.cite)}"
        date = f"（{o.option}）" if o.option else ""
        if row == "on_demand":
            return f"{head}{_card_price_zh(o.cite)}{date}"
        return f"{head}{_price_zh(o.cite)}{date}"
    if k == "catalog":
        if o.extra == "link_assumed":
            return (f"目录：{o.name}（{o.cite}）；目录中没有 {o.name} 的服务器内链路数据：按每卡服务器间网络 "
                    f"{fmt.plain(o.numbers[0])} GB/s 假设（可设 cluster.intra_node_gbs）")
        if o.extra == "tdp_assumed":
            watts, ref_w, peak, ref_peak = o.numbers
            return (f"目录：{o.name}（{o.cite}）；{o.name} 没有公开的功耗数据：按 {o.option} 的 {fmt.plain(ref_w)} W × "
                    f"{fmt.plain(peak)}/{fmt.plain(ref_peak)}（稠密 BF16 TFLOPS 之比，即每峰值 FLOP 功耗相同）"
                    f"假设为 {fmt.count(watts)} W（可设 cluster.tdp_w）")
        if o.extra == "fp32_assumed":
            return f"目录：{o.name}（{o.cite}）；{_fp32_assumed_zh(o)}"
        return f"目录：{o.name}（{_recipe_zh(o.cite)}）{_CATALOG_EXTRA_ZH.get(o.extra, '')}"
    if k == "custom":
        tail = f"；{_fp32_assumed_zh(o)}" if o.extra == "fp32_assumed" else ""
        return f"场景文件：{o.field}（{o.name}）{tail}"
    if k == "count":
        base = _zh(o.base) if o.base is not None else ""
        return f"{_COUNT_ZH[o.field]}；{base}" if base else _COUNT_ZH[o.field]
    if k == "constant":
        return f"默认值：{CONSTANT_ZH.get(o.field, '')}".rstrip("：")
    if k == "kernel":
        profile = KERNEL_ZH.get(o.extra, o.cite)
        if o.option == "calibrated":
            return f"校准值：{profile}"
        what = o.name or "自定义加速卡"
        return f"外推值：{what} 没有带布局的公开训练实测；沿用 {o.extra} 一代的校准（{profile}）"
    if k == "fixed":
        return FIXED_ZH[o.field]
    if k == "planner" and o.option == "schedule":
        v, step, plain = o.numbers
        return (f"默认值（training.interleave）：布局规划器为场景给定的布局（{_layout_zh(o.extra)}）选取的最快交错调度，每卡 {fmt.count(v)} "
                f"个虚拟流水线级，批大小不变（每步 {fmt.plain(step, 3)} 秒，不交错为 {fmt.plain(plain, 3)} 秒）；"
                "给定 training.interleave: 1 则为普通 1F1B 调度")
    if k == "planner" and o.option == "yield":
        gb, hbm, value = o.numbers
        chosen = ({0: "none", 1: "selective", 2: "full"}[int(value)] if o.field == "training.recompute"
                  else f"每级 {int(value)} 层完全重计算，其余选择性" if o.field == "training.recompute_layers"
                  else f"ZeRO-{int(value)}")
        return (f"默认值已调整（{o.field}）：场景给定的布局（{_layout_zh(o.extra)}）按默认设置每卡需 {fmt.plain(gb, 1)} GB，"
                f"超过 {fmt.plain(hbm, 3)} GB 显存；取放得下的最快设置：{chosen}")
    if k == "planner":
        evaluated, fitting = o.numbers
        if o.option == "fits":
            return f"布局规划器：{fmt.count(evaluated)} 种布局中最快者（{fmt.count(fitting)} 种放得下显存）"
        if o.option == "widened":
            return (f"布局规划器：已验证的布局范围（ZeRO 0/1、不卸载）内没有放得下显存的布局；在含 ZeRO-2/3 与主机内存卸载"
                    f"的 {fmt.count(evaluated)} 种布局中取最快者（{fmt.count(fitting)} 种放得下显存），超出验证覆盖范围")
        return (f"布局规划器：没有放得下显存的布局；取 {fmt.count(evaluated)} 种中显存占用最小者"
                "（工期与成本按 assumptions.mfu 计算）")
    if k == "batch":
        tokens = o.numbers[0]
        if o.option == "given":
            return f"场景文件：training.batch_tokens（{fmt.count(tokens)}）/ seq_len"
        if o.option == "preset":
            return f"目录：{o.name} 公开的批量，每步 {fmt.count(tokens)} token / seq_len（{_recipe_zh(o.cite)}）"
        if o.option == "default_moe":
            return (f"默认值：每步 {fmt.plain(tokens / 1e6, 3)}M token / seq_len（混合专家模型的默认 token 预算：4M；"
                    "每卡 16,384，同 Granite 3.0 的 MoE 模型（DeepSeek-V3 为 30,720）；最多 64M，同 DeepSeek-V3）")
        return (f"默认值：每步 {fmt.plain(tokens / 1e6, 3)}M token / seq_len（默认 token 预算：4M，同 Llama 2；"
                "每卡 1,024，同 Llama 3 405B；最多 64M，同 DeepSeek-V3）")
    if k == "user":
        return o.cite
    raise ValueError(f"unknown origin kind {k!r}")


def _card_price_zh(cite: str) -> str:
    """A card's price source: "prices.yaml, H800 in CNY: SOURCE (DATE)" from the catalog loader, or the
    currency's default for a card without a row; the parts are worded, the planning text looked up."""
    if cite.startswith("prices.yaml, ") and ": " in cite:
        head, rest = cite.removeprefix("prices.yaml, ").split(": ", 1)
        card, _, cur = head.partition(" in ")
        text, _, date = rest.rpartition(" (")
        return f"prices.yaml，{card}（{cur}）：{_price_zh(text or rest)}" + (f"（{date.removesuffix(')')}）" if text else "")
    if cite.startswith("no ") and "; the currency's default: " in cite:
        head, rest = cite.split("; the currency's default: ", 1)
        return f"prices.yaml 中没有该卡的价格；取币种默认值：{_price_zh(rest)}"
    return _price_zh(cite)


def price_source(cite: str, lang: str) -> str:
    """A card's default-price source line (``catalog.default_prices(...).source``) in ``lang``."""
    return _card_price_zh(cite) if lang == "zh" else cite


def scenario_field(field: str, lang: str) -> str:
    """The source of a value the scenario file gives directly (a text field such as training.precision)."""
    return _zh(Origin(kind="scenario", field=field)) if lang == "zh" else f"scenario: {field}"


def precision_source(scenario: object, model_name: str, lang: str) -> str:
    """The source of training.precision: the scenario's, the preset's published recipe
    (Scenario.precision_recipe), or the default bf16."""
    cite = getattr(scenario, "precision_recipe", None)
    train = scenario.train  # type: ignore[attr-defined]
    if cite:
        origin = Origin(kind="catalog", name=model_name, cite=cite, extra="recipe")
        return _zh(origin) if lang == "zh" else f"catalog: {model_name}'s published training precision ({cite})"
    if "precision" in train.model_fields_set:
        return scenario_field("training.precision", lang)
    origin = Origin(kind="default", field="training.precision", option=train.precision)
    return _zh(origin) if lang == "zh" else f"default: training.precision = {train.precision}"


def source_text(value: InputValue, lang: str) -> str:
    """Where ``value`` comes from, in ``lang``: English is the estimate's own line; Chinese is
    worded from its origin (see the module docstring)."""
    if lang != "zh" or value.origin is None:
        return value.source
    return _zh(value.origin)
