"""Proposal text that depends on what the scenario plans (issue 13 part 6): a training run only, a
serving fleet only, or both; the method appendix; the Chinese wording of the alternatives' refusal
reasons. Kept apart from ``i18n.TEXT`` (which merges it) so the sections' own keys stay together.
Same rules as ``i18n``: (English, Chinese), the same placeholders in both, arguments escaped."""

from __future__ import annotations

KIND_TEXT: dict[str, tuple[str, str]] = {
    "workload_intro_serving": (
        "The estimate rests on the inputs below. Each row names its source: a catalog entry, the "
        "scenario file, or a published measurement. Replace planning assumptions (prices, the serving "
        "utilisation) with quotes and measurements as they become available.",
        "估算基于以下输入，每一行均注明来源：目录数据、场景文件或公开测量结果。价格、推理利用率等规划假设"
        "应在获得报价和实测数据后替换。",
    ),
    # --- executive summary and cover, serving only ----------------------------------------------
    "summary_lead_serving": (
        "This proposal {asks} <strong>{cards} × {accelerator}</strong> in {servers} servers to serve "
        "<strong>{model}</strong> ({params} parameters) to <strong>{users} concurrent users</strong>; no training "
        "is planned. The demand needs <strong>{need} cards</strong> ({replica} per model replica), {share} of the "
        "cluster. Over {years} years the cluster costs <strong>{budget}</strong> ({capex} capital expenditure and "
        "{opex} operating cost per year).",
        "本方案{asks} <strong>{cards} 张 {accelerator}</strong>（{servers} 台服务器），为 <strong>{users} 个并发用户"
        "</strong>提供 <strong>{model}</strong>（{params}个参数）推理服务，不含训练。该需求需要 <strong>{need} 张卡"
        "</strong>（每个模型副本 {replica} 张），占集群的 {share}。{years} 年总成本为 <strong>{budget}</strong>"
        "（资本支出 {capex}，每年运营成本 {opex}）。",
    ),
    "kf_serving_need": ("Cards the serving demand needs", "推理需求所需卡数"),
    "kf_serving_need_note": ("{users} concurrent users, {replica} cards per replica",
                             "{users} 并发用户，每副本 {replica} 张卡"),
    "kf_cost_1k": ("Serving cost per million output tokens", "每百万输出 token 推理成本"),
    "kf_cost_1k_note": ("the fleet at capacity, {price} per card-hour", "整个推理集群满载，每卡·时 {price}"),
    "kf_decode": ("Output throughput per replica", "每副本输出吞吐"),
    "kf_decode_value": ("{tps} tokens/s", "{tps} token/秒"),
    "kf_decode_note": ("{batch} sequences decoded together, continuous batching", "同时解码 {batch} 条序列，连续批处理"),
    "kf_train_cost": ("Training run at rental prices", "按租赁价格的训练费用"),
    "kf_train_cost_note": ("{hours} card-hours at {price} per card-hour", "{hours} 卡·时，每卡·时 {price}"),
    "cover_serving_cards": ("Cards the serving demand needs", "推理需求所需卡数"),
    # --- recommendation, serving only ----------------------------------------------------------
    "rec_serving_own": (
        "Approve the purchase of {cards} × {accelerator} ({servers} servers, {capex} capital expenditure). "
        "Serving {users} concurrent users needs {need} of them. Serving keeps the cluster {util} busy; over "
        "{years} years owning has a present cost of {own} (discounted at {rate}), less than renting the same "
        "card-hours ({rent}, {option}). {break_even}",
        "建议批准采购 {cards} 张 {accelerator}（{servers} 台服务器，资本支出 {capex}）。为 {users} 个并发用户提供"
        "推理服务需要其中 {need} 张。推理使集群利用率为 {util}；{years} 年内自建成本现值 {own}（折现率 {rate}），"
        "低于租用同样卡时的 {rent}（{option}）。{break_even}",
    ),
    "rec_serving_rent": (
        "Serving {users} concurrent users needs {need} of the {cards} × {accelerator} proposed, which keeps an "
        "owned cluster {util} busy: renting the same card-hours ({option}) has a present cost of {rent} over "
        "{years} years, against {own} to own them (discounted at {rate}). Rent the capacity, or buy only with "
        "more demand planned. {break_even}",
        "为 {users} 个并发用户提供推理服务需要所提 {cards} 张 {accelerator} 中的 {need} 张，自建集群利用率为 "
        "{util}：{years} 年内租用同样卡时（{option}）的成本现值为 {rent}，而自建为 {own}（折现率 {rate}）。"
        "建议租用算力，或在有更多需求时再采购。{break_even}",
    ),
    "rec_serving_rent_never": (
        "Serving {users} concurrent users needs {need} of the {cards} × {accelerator} proposed, which keeps an "
        "owned cluster {util} busy; but owning does not pay at any utilisation: at {price} per rented card-hour, "
        "renting costs less than owning even with the cluster busy all the time. Renting the same card-hours "
        "({option}) has a present cost of {rent} over {years} years, against {own} to own them (discounted at "
        "{rate}). Rent the capacity: more demand would not make owning pay, only a lower purchase price or "
        "running cost would.",
        "为 {users} 个并发用户提供推理服务需要所提 {cards} 张 {accelerator} 中的 {need} 张，自建集群利用率为 "
        "{util}；但任何利用率下自建都不划算：按每租用卡时 {price}，即使集群全时忙碌，租用也比自建便宜。{years} "
        "年内租用同样卡时（{option}）的成本现值为 {rent}，而自建为 {own}（折现率 {rate}）。建议租用算力：增加需求"
        "不能使自建划算，只有更低的采购价或运营成本才能。",
    ),
    "rec_serving_short": (
        "Revise the fleet before purchase: serving {users} concurrent users needs {need} × {accelerator} "
        "({replica} per model replica), more than the {cards} proposed. Buy {need} cards, or plan for fewer users.",
        "采购前需调整集群规模：为 {users} 个并发用户提供推理服务需要 {need} 张 {accelerator}（每个模型副本 "
        "{replica} 张），多于所提的 {cards} 张。建议采购 {need} 张，或减少计划用户数。",
    ),
    # --- own or rent: the work the utilisation comes from --------------------------------------
    "econ_work_both": ("the training run, then serving to the end of the period", "训练，随后推理至核算期末"),
    "econ_work_training": ("the training run", "训练任务"),
    "econ_work_serving": ("serving to the end of the period", "推理服务至核算期末"),
    "rent_option_1y_serving": ("reserved for 1 year", "预留 1 年"),
    "rent_option_3y_serving": ("reserved for 3 years", "预留 3 年"),
    # --- serving section, serving only ---------------------------------------------------------
    "serving_extrapolated": (
        "The inference model's efficiencies are fitted on NVIDIA H100, A100 and L40S measurements; for the "
        "{card} they are extrapolated (on AMD MI300X this fit gave 1.5 to 2.2 times the measured throughput in "
        "each of three sets, and on the H20 about twice the measured decode speed, which is why those cards now "
        "carry fitted factors; the {card} has none): confirm the serving capacity on the card before buying it.",
        "推理模型的效率按 NVIDIA H100、A100 与 L40S 的实测拟合；对 {card} 属于外推（AMD MI300X 上此拟合在三组实测中预测"
        "吞吐均为实测的 1.5 至 2.2 倍，H20 上预测解码速度约为实测的 2 倍，因此这些卡现乘以拟合系数；{card} 没有此系数）："
        "采购前请在该卡上确认推理容量。",
    ),
    "serving_w8a8_extrapolated": (
        "The serving plan runs its matrix multiplications in INT8 (W8A8 weights and activations) at the {card}'s "
        "INT8 peak of {tops} TOPS, at the share of peak the FP8 ones reach in the fit: no published W8A8 "
        "measurement has tested that share, so measure one replica at W8A8 before relying on the card count.",
        "推理方案的矩阵乘按 INT8（W8A8，权重与激活均为 INT8）在 {card} 的 INT8 峰值 {tops} TOPS 下运行，效率取拟合中 "
        "FP8 矩阵乘达到的峰值比例：此比例尚无公开的 W8A8 实测检验，依赖卡数之前请先以 W8A8 实测一个副本。",
    ),
    "serving_vendor_held": (
        "; {held} on the {n} held-out measurements on these cards predicted after the fit",
        "；拟合后预测的 {n} 个这些卡上的留出实测平均误差 {held}",
    ),
    "serving_factor_untested": (
        "; no held-out measurement has tested it yet",
        "；尚无留出实测检验此系数",
    ),
    "serving_vendor_factor": (
        "The inference model's efficiencies are fitted on NVIDIA H100, A100 and L40S measurements; on {scope} "
        "they are multiplied by a factor fitted on {rows} {fitted_on} ({compute} for the GEMMs, {hbm} for HBM "
        "reads; {err} mean error on those rows, which had come out {miss} without it){held}. Confirm the serving "
        "capacity on the {card} before buying it.",
        "推理模型的效率按 NVIDIA H100、A100 与 L40S 的实测拟合；在 {scope} 上乘以按 {rows} 个{fitted_on}拟合的系数"
        "（矩阵乘 {compute}、HBM 读取 {hbm}；这些实测的平均误差 {err}，未乘系数时{miss}）{held}。采购前请在 {card} 上确认推理容量。",
    ),
    "serving_only_note": (
        "No training is planned in this scenario: the cluster is a serving fleet, so this proposal has no "
        "training time, training memory or network sections.",
        "本场景不含训练：集群仅用于推理服务，因此本方案不含训练工期、训练显存与网络章节。",
    ),
    # --- alternatives ---------------------------------------------------------------------------
    "alt_lead_serving": (
        "The same serving demand — {model} for {users} concurrent users — on {n} cards, each with the whole "
        "servers its demand needs; budgets over {years} years at each card's prices.",
        "同样的推理需求——为 {users} 个并发用户提供 {model}——在 {n} 种加速卡上的对比，每种卡按其需求取整台"
        "服务器；预算按各卡价格计 {years} 年。",
    ),
    "alt_col_serving_cards": ("Serving cards needed", "推理所需卡数"),
    "alt_chart_x_serving": ("Serving cost per 10⁶ output tokens ({currency})", "每百万输出 token 推理成本（{currency}）"),
    "alt_chart_title_serving": ("Serving cost per million output tokens by card", "各加速卡每百万输出 token 推理成本"),
    # --- risks, serving only --------------------------------------------------------------------
    "risk_serving_short": (
        "Serving {users} concurrent users needs {need} cards, more than the {cards} proposed.",
        "为 {users} 个并发用户提供推理服务需要 {need} 张卡，多于所提的 {cards} 张。",
    ),
    "mit_serving_short": ("Buy {need} cards, serve in fp8 to halve the weights, or plan for fewer users.",
                          "采购 {need} 张卡、以 fp8 推理使权重减半，或减少计划用户数。"),
    "risk_serving_range": (
        "The {cards} cards cover the serving demand in {chance} of the range's draws: real serving speed may be "
        "×{lo} to ×{hi} of the inference model's (P10–P90 of its held-out throughput error, xlcompute validate "
        "--serving), which puts the fleet's P90 at {p90} cards.",
        "{cards} 张卡在区间抽样中有 {chance} 能满足推理需求：实际推理速度可能为推理模型估算值的 ×{lo} 至 ×{hi}"
        "（其吞吐留出验证误差的 P10–P90；xlcompute validate --serving），推理所需卡数的 P90 因而为 {p90} 张。",
    ),
    "mit_serving_range": (
        "Plan {need} cards ({servers} servers) to cover the demand at {q} confidence (serving.confidence), or "
        "load-test one replica with the planned software before the purchase.",
        "按 {q} 的置信度满足需求需 {need} 张卡（{servers} 台服务器；serving.confidence）；或在采购前用计划的推理软件对单个副本"
        "做压力测试。",
    ),
    "risk_serving_targets": (
        "No serving replica of {accelerator} meets the latency targets (first token {ttft_target} s, {tpot_target} s "
        "per output token); the fastest gives {ttft} s and {tpot} s.",
        "{accelerator} 的推理副本均达不到时延目标（首 token {ttft_target} 秒、每输出 token {tpot_target} 秒）；"
        "最快的为 {ttft} 秒与 {tpot} 秒。",
    ),
    "mit_serving_targets": ("Relax the targets, serve in fp8, or choose a card with more memory bandwidth.",
                            "放宽时延目标、以 fp8 推理，或选择显存带宽更高的加速卡。"),
    "mit_serving_util": ("Load-test one model replica with the planned software before the purchase.",
                         "采购前用计划的推理软件对单个模型副本做压力测试。"),
    # --- uncertainty, serving only --------------------------------------------------------------
    "unc_title_serving": ("Uncertainty: range of the budget", "不确定性：预算区间"),
    "unc_text_serving": (
        "The figures of this proposal are single values. {draws} seeded draws (seed {seed}) of the uncertain "
        "prices, each evaluated with the same formulas, give the total budget as P10 / P50 / P90 (80% of the "
        "draws lie between the first and the last): {budget}. The server price, rent and electricity vary by "
        "up to ±{price} (triangular, so ±{price80} at P10–P90; ±{price} is the middle of the AACE Class 3 estimate "
        "range). The table moves one price at a time to its P10 and P90.",
        "本方案的数字均为单一值。对不确定的价格做 {draws} 次带种子（{seed}）的随机抽样，每次用同一套公式计算，"
        "得到总预算区间（P10 / P50 / P90，80% 的抽样落在首末两值之间）：{budget}。服务器价格、租金与电价最多 ±{price}"
        "（三角分布，P10–P90 为 ±{price80}；±{price} 取 AACE 第 3 类估算区间的中间值）。下表每次只把一个价格移到其 P10 和 P90。",
    ),
    "unc_note_serving": ("Each row: the total budget with the input at its P10 – at its P90, every other input at "
                         "the plan's value.",
                         "每行：该输入取 P10 – 取 P90 时的总预算，其余输入取方案值。"),
    # --- appendix A: method -------------------------------------------------------------------
    "method_intro": (
        "This appendix says in plain words what the model computes, from which published sources, and how "
        "it was checked. Every formula is also in the attached planning workbook as a live spreadsheet "
        "formula: its sheet <strong>Formulas</strong> lists each function, what it computes and its source, "
        "and its sheet <strong>Inputs</strong> gives the source of every input.",
        "本附录以通俗语言说明模型计算什么、依据哪些公开来源以及如何验证。所有公式也以实时电子表格公式的形式"
        "收录在所附规划工作簿中：其<strong>公式</strong>工作表列出每个函数、其计算内容与来源，"
        "<strong>输入</strong>工作表给出每个输入的来源。",
    ),
    "method_training_title": ("Training time", "训练工期"),
    "method_training": (
        "Training compute is the model FLOPs of the run: six operations per parameter and token, plus the "
        "attention term that grows with the sequence length (Kaplan et al. 2020; PaLM, Chowdhery et al. 2022). "
        "Time is that compute divided by the cards' peak throughput (vendor datasheets, in the catalog "
        "appendix) and by the model FLOPs utilisation (MFU). The MFU is either the scenario's assumption or the "
        "prediction of a step-time model of the parallel layout (tensor, pipeline, context and data "
        "parallelism: Narayanan et al. 2021, Korthikanti et al. 2022), which times the matrix work, memory "
        "traffic and communication of one step. Calendar time adds failures, restarts and checkpoints "
        "(Young 1974, Daly 2006; the failure rate of the Llama 3 run, Meta 2024).",
        "训练算力为整个训练任务的模型 FLOPs：每个参数每个 token 六次运算，加上随序列长度增长的注意力项"
        "（Kaplan 等 2020；PaLM，Chowdhery 等 2022）。工期等于该算力除以加速卡峰值算力（厂商规格，见目录附录）"
        "再除以模型算力利用率（MFU）。MFU 取场景假设，或由并行布局（张量、流水线、上下文与数据并行："
        "Narayanan 等 2021，Korthikanti 等 2022）的单步时间模型预测，该模型计算一步中的矩阵运算、显存访问与"
        "通信时间。日历工期再计入故障、重启与检查点（Young 1974，Daly 2006；Llama 3 训练的故障率，Meta 2024）。",
    ),
    "method_memory_title": ("Memory and network", "显存与网络"),
    "method_memory": (
        "Memory per card is the weights, gradients and optimizer states as split by ZeRO (Rajbhandari et al. "
        "2020), plus the activations of the layout with or without recomputation (Korthikanti et al. 2022). "
        "Network time is the data each parallel dimension exchanges per step over the links of the catalog, "
        "less what overlaps with computation.",
        "每卡显存包括按 ZeRO（Rajbhandari 等 2020）切分后的权重、梯度与优化器状态，以及该布局在是否重计算下的"
        "激活值（Korthikanti 等 2022）。网络时间为每个并行维度每步交换的数据量按目录中的链路带宽计算，扣除与"
        "计算重叠的部分。",
    ),
    "method_serving_title": ("Serving", "推理"),
    "method_serving_accuracy": (
        "How far to trust it: on every held-out published measurement of the {sets} pre-registered serving sets "
        "(first predictions and later post-hoc figures together), the model's mean error is {ttft} on the time to "
        "the first token ({n_ttft} measurements), {tpot} on the time per output token ({n_tpot}) and {thr} on "
        "throughput ({n_thr}). Plan the serving fleet with that margin, or measure one replica first.",
        "可信程度：在 {sets} 个预登记推理验证集的全部留出公开实测上（首次预测与之后的事后数字合计），模型的平均误差为："
        "首 token 时间 {ttft}（{n_ttft} 个实测），每个输出 token 的时间 {tpot}（{n_tpot} 个），吞吐量 {thr}"
        "（{n_thr} 个）。请按此留出余量规划推理集群，或先实测一个副本。",
    ),
    "method_serving": (
        "Serving follows an inference step model: a prompt's prefill is compute-bound, with attention quadratic "
        "in its length; a decode step reads every weight and every sequence's KV cache from memory, or is "
        "compute-bound at large batches (Pope et al. 2022; the roofline of Yuan et al. 2024); tensor parallelism "
        "adds two all-reduces per layer; int8 / int4 weights are read at the share of bandwidth a kernel keeps "
        "while it dequantises them on the card's vector units (Frantar et al. 2024, Marlin). "
        "The HBM left after the weights caps the sequences in flight (Kwon et al. "
        "2023, vLLM); under continuous batching each prefill stalls the batch. The efficiencies are fitted on "
        "NVIDIA's TensorRT-LLM tables, the decode step's fixed time per layer on batch-1 decode latencies "
        "(LMDeploy, gpt-fast, NIM), the all-reduce's fixed time and bandwidth on published all-reduce timings "
        "(NCCL and the serving engines' own kernels), and tried on held-out measurements (xlcompute validate "
        "--serving). The "
        "sizer picks the replica (tensor parallelism dividing the heads, inside one server) and the batch that "
        "meet the latency targets with the fewest cards. The figures assume a current serving engine that does "
        "its host work while the GPU runs (vLLM 0.6 or later, TensorRT-LLM, SGLang); vLLM before 0.6 lost about "
        "4 ms per step to it (vLLM RFC #6854), which the validation charges those releases.",
        "推理按单步模型计算：提示词的预填充受算力限制，注意力随长度平方增长；每步解码从显存读取全部权重与每条序列的 "
        "KV 缓存，批量大时转为受算力限制（Pope 等 2022；Yuan 等 2024 的屋顶线模型）；张量并行每层增加两次全归约；"
        "int8 / int4 权重按内核在向量单元上反量化时所能保持的带宽比例读取（Frantar 等 2024，Marlin）。"
        "权重之外的显存决定可同时处理的序列数（Kwon 等 2023，vLLM）；连续批处理中每次预填充会暂停整批解码。效率常数"
        "按 NVIDIA TensorRT-LLM 公开数据拟合，解码每层固定时间按批大小为 1 的解码时延（LMDeploy、gpt-fast、NIM）拟合，"
        "全归约的固定时间与带宽按公开的全归约实测（NCCL 及推理引擎自带的内核）拟合，"
        "并在未参与拟合的实测上检验（xlcompute validate --serving）。规模测算"
        "选择满足时延目标、卡数最少的副本（张量并行度整除注意力头数，且在一台服务器内）与批大小。数字假定使用在 GPU "
        "运行时同时完成主机端工作的当前推理引擎（vLLM 0.6 及以后、TensorRT-LLM、SGLang）；vLLM 0.6 之前的版本每步因此"
        "多花约 4 毫秒（vLLM RFC #6854），验证中对这些版本计入该时间。",
    ),
    "method_budget_title": ("Budget and own or rent", "预算与自建或租用"),
    "method_budget": (
        "Capital expenditure is servers, network, storage and facility; operating cost is electricity from "
        "the cards' power (TDP) and the data centre's PUE at the planned utilisation, maintenance, colocation "
        "and staff. Owning and renting are compared in present values for the same card-hours (Brealey, Myers "
        "and Allen, ch. 2). Prices not given by the scenario are planning assumptions with their sources in "
        "the workbook's Inputs sheet.",
        "资本支出包括服务器、网络、存储与机房；运营成本包括按计划利用率、加速卡功耗（TDP）与数据中心 PUE 计的"
        "电费，以及维护、托管与人员。自建与租用按同样卡时的现值比较（Brealey、Myers 与 Allen，第 2 章）。场景"
        "未给出的价格为规划假设，其来源见工作簿的“输入”工作表。",
    ),
    "method_validation_title": ("How it was validated", "验证方法"),
    "method_validation": (
        "The step-time model was compared with published step times and with the end-to-end card-hours of "
        "published pre-training runs. Runs used to set the model's constants (calibration) are kept apart "
        "from runs never used to fit them (held out); some runs were written down with every assumption "
        "before any prediction (pre-registered, blind). The tables below give the figures per set, and each "
        "run's measured and predicted value and the error for the step-time runs nearest this plan and for "
        "every end-to-end run; every step-time run is in the attached table.",
        "单步时间模型与公开的单步时间以及公开预训练任务的端到端卡时做了对比。用于确定模型常数的数据（校准）与"
        "从未参与拟合的数据（留出）分开；部分数据在任何预测之前连同全部假设一并写定（预登记、盲测）。下表给出"
        "各数据集的统计，以及与本方案最接近的单步时间实测和全部端到端实测的实测值、预测值与误差；全部单步时间"
        "实测见所附表格。",
    ),
    # --- appendix C: catalog rows in plain words ------------------------------------------------
    "cat_key": ("Catalog name", "目录名称"),
    "cat_name": ("Name", "名称"),
    "cat_vendor": ("Vendor", "厂商"),
    "cat_form_factor": ("Form factor", "形态"),
    "cat_bf16": ("Dense bf16 peak, TFLOPS", "bf16 稠密峰值（TFLOPS）"),
    "cat_fp8": ("Dense fp8 peak, TFLOPS", "fp8 稠密峰值（TFLOPS）"),
    "cat_hbm": ("Memory (HBM), GB", "显存（HBM，GB）"),
    "cat_hbm_type": ("Memory type", "显存类型"),
    "cat_hbm_bw": ("Memory bandwidth, TB/s", "显存带宽（TB/s）"),
    "cat_link": ("Intra-server link", "服务器内互联"),
    "cat_link_bw": ("Link bandwidth per direction, GB/s", "单向互联带宽（GB/s）"),
    "cat_per_node": ("Cards per server", "每台服务器卡数"),
    "cat_tdp": ("Power (TDP), W", "功耗（TDP，W）"),
    "cat_tdp_assumed": ("{watts}, assumed: none published; {ref}'s watts per peak FLOP",
                        "{watts}（假设：无公开数据，按 {ref} 的每峰值 FLOP 功耗）"),
    "cat_source": ("Source", "来源"),
    "cat_date": ("Source date", "来源日期"),
    "cat_notes": ("Notes", "备注"),
    "cat_family": ("Family", "系列"),
    "cat_shape": ("Shape", "结构"),
    "cat_shape_value": ("{layers} layers, hidden size {hidden}, {heads} attention heads ({kv} key-value), "
                        "feed-forward width {ffn}, vocabulary {vocab}",
                        "{layers} 层，隐藏维度 {hidden}，{heads} 个注意力头（{kv} 个键值头），前馈宽度 {ffn}，"
                        "词表 {vocab}"),
    "cat_params": ("Published parameters", "公布参数量"),
    "cat_tokens": ("Published training tokens", "公布训练 token 数"),
    "cat_seq": ("Sequence length", "序列长度"),
    "cat_unofficial": ("Unofficial figures", "非官方数据"),
}
