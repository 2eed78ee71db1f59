"""Workbook-only text in English and Simplified Chinese.

Labels, units and number formats of inputs and figures come from :mod:`xlcompute.registry`
(shared with the CLI and the proposal); this table holds the words only the workbook uses: sheet
titles, column headers, section names, notes and the print footer.
"""

from __future__ import annotations

from xlcompute import registry
from xlcompute.registry import SHEET_TITLES

__all__ = ["T", "TABS", "text", "tab_name", "sheet_title", "input_label", "unit_text", "LANGS"]

LANGS = ("en", "zh")

# key -> (en, zh)
T: dict[str, tuple[str, str]] = {
    "book_title": ("xlcompute planning workbook", "xlcompute 算力规划工作簿"),
    "book_subject": ("LLM training and serving capacity plan", "大模型训练与推理算力规划"),
    "book_keywords": ("LLM, GPU, capacity planning, budget, xlcompute", "大模型, GPU, 算力规划, 预算, xlcompute"),
    "inputs_note": (
        "Yellow cells are inputs: change them (or pick another accelerator or model) and every sheet "
        "recalculates. Green cells look their value up in the Hardware / Models sheets; type a number "
        "over them to override. The layout and the serving replica and batch were chosen when the workbook was "
        "built: column F says when an edit needs them chosen again (xlcompute workbook).",
        "黄色单元格为输入：修改后（或选择其他加速卡、模型）所有工作表自动重算。绿色单元格从“硬件”/“模型”"
        "表查找取值，可直接输入数字覆盖。并行布局与推理副本、批大小是生成工作簿时确定的：若某项修改需要重新确定，"
        "F 列会提示（xlcompute workbook）。",
    ),
    "results_note": (
        "Every value on this sheet is a live formula over the Inputs sheet (see the Formulas sheet).",
        "本表每个数值都是引用输入表的实时公式（见“公式”表）。",
    ),
    # -- the results block at the top of the Inputs sheet (issue 14 §4) --
    "sum_title": ("Results at a glance", "结果一览"),
    "sum_note": ("live formulas over the result sheets: they follow every edit below",
                 "引用各结果表的实时公式：下方任一输入修改后随之变化"),
    "sum_days": ("Days to train, end to end", "端到端训练天数"),
    "sum_slip": ("Days past the deadline, at its confidence (0 = met, or no deadline typed below)",
                 "按所设置信度超出截止期限的天数（0 = 按期，或下方未填期限）"),
    "sum_card_hours": ("Card-hours, end to end", "端到端卡时"),
    "sum_mem": ("Training memory per card", "每卡训练显存"),
    "sum_hbm": ("HBM per card", "单卡显存"),
    "sum_fits": ("Fits in HBM", "显存是否够用"),
    "sum_serving_cards": ("Serving cards (sized to the targets)", "推理卡数（按目标确定）"),
    "sum_cost_per_million": ("Cost per million output tokens", "每百万输出 token 成本"),
    "sum_train_cost": ("Training run at rental prices", "按租赁价格计的训练费用"),
    "sum_capex": ("Capital expenditure", "资本支出合计"),
    "sum_budget": ("Total budget over the period", "核算期总预算"),
    "sum_npv_own": ("Owning: present value of costs", "自建成本现值"),
    "sum_npv_rent": ("Renting: present value of costs", "租用成本现值"),
    "sum_verdict": ("Own or rent (present value)", "自建还是租用（按现值）"),
    "sum_own": ("owning is cheaper", "自建更省"),
    "sum_rent": ("renting is cheaper", "租用更省"),
    "sum_where": ("{tab} sheet", "“{tab}”表"),
    "col_item": ("Item", "项目"),
    "col_value": ("Value", "数值"),
    "col_unit": ("Unit", "单位"),
    "col_source": ("Source", "来源"),
    "col_name": ("Name", "名称"),
    "col_figure": ("Figure", "指标"),
    "sec_scenario": ("Scenario", "场景"),
    "sec_model": ("Model", "模型"),
    "sec_training": ("Training plan", "训练方案"),
    "sec_cluster": ("Cluster", "集群"),
    "sec_stepmodel": ("Step-time model (calibrated constants and assumptions)", "单步时间模型（校准常数与假设）"),
    "sec_assumptions": ("Assumptions", "假设"),
    "sec_reliability": ("Reliability: failures, checkpoints, restarts (goodput)", "可靠性：故障、检查点、重启（有效训练时间）"),
    "sec_serving": ("Serving demand", "推理需求"),
    "sec_pricing": ("Prices", "价格"),
    "scenario_name": ("Scenario name", "场景名称"),
    "organisation": ("Organisation", "单位"),
    "description": ("Description", "说明"),
    "model_choice": ("Model preset", "模型预设"),
    "gpu_choice": ("Accelerator", "加速卡"),
    "precision_choice": ("Training precision", "训练精度"),
    "currency": ("Currency", "货币"),
    "choose_model": ("pick from the list (Models sheet)", "从下拉列表选择（“模型”表）"),
    "choose_gpu": ("pick from the list (Hardware sheet)", "从下拉列表选择（“硬件”表）"),
    "serving_precision_choice": ("Serving precision", "推理精度"),
    "choose_serving_precision": ("bf16; fp8 (FP8 weights, GEMMs, KV); int8 / int4 (weight-only); w8a8 (INT8 weights "
                                 "and activations): sets the serving inputs marked as following it",
                                 "bf16；fp8（权重、矩阵乘、KV 均为 FP8）；int8 / int4（仅权重量化）；w8a8（权重与激活均为 "
                                 "INT8）：决定标明随其变化的推理输入"),
    "serving_precision_source": ("follows the serving precision chosen above (the fitted GEMM shares and "
                                 "dequantisation work of xlcompute validate --serving)",
                                 "随上方所选推理精度变化（矩阵乘效率与反量化工作量按 xlcompute validate --serving 的拟合）"),
    "choose_precision": ("bf16 / fp16 use the dense bf16 peak, fp8 the fp8 peak", "bf16 / fp16 用稠密 bf16 峰值，fp8 用 fp8 峰值"),
    "precision_release": ("fp8 here: the model's weights as released (the scenario gives no serving precision)",
                          "此处为 fp8：该模型发布的权重精度（场景未给定推理精度）"),
    "precision_recipe": ("fp8 here: the model's published pre-training precision (the scenario gives none)",
                         "此处为 fp8：该模型公开的预训练精度（场景未设定）"),
    "cmp_own_changed": (" (the card now chosen on the Inputs sheet: this column follows it, and the other cards "
                        "are re-planned only when the workbook is built again)",
                        "（输入表现选的卡：本列随之变化，其他卡需重新生成工作簿才会重新规划）"),
    "optimizer_bytes_source": (
        "follows the training precision chosen above: 12 (mixed-precision Adam: FP32 master weights and two "
        "moments, ZeRO §3.1), 8 with fp8 (DeepSeek-V3: FP32 master weights, BF16 AdamW moments, arXiv:2412.19437 "
        "§3.3.3); type a number over it to override",
        "随上方所选训练精度变化：12（混合精度 Adam：FP32 主权重与两个动量，ZeRO §3.1）；fp8 时为 8（DeepSeek-V3："
        "FP32 主权重、BF16 AdamW 动量，arXiv:2412.19437 §3.3.3）；可直接输入数字覆盖"),
    "grad_bytes_source": (
        "follows the training precision chosen above: the bytes per parameter (a) above, 4 with fp8 (DeepSeek-V3 "
        "keeps its gradients in FP32, arXiv:2412.19437 §3.3.3); type a number over it to override",
        "随上方所选训练精度变化：等于上方的每参数字节数（a）；fp8 时为 4（DeepSeek-V3 的梯度保留为 FP32，"
        "arXiv:2412.19437 §3.3.3）；可直接输入数字覆盖"),
    "lookup_source": ("lookup in the {sheet} sheet: {detail}", "查找“{sheet}”表：{detail}"),
    "scenario_row": ("scenario (added to the catalog sheet)", "场景（已加入目录表）"),
    "sens_title": ("Sensitivity", "敏感性分析"),
    "sens_days": ("Training days by card count (rows) and MFU (columns)", "训练天数：卡数（行）× MFU（列）"),
    "sens_corner": ("Cards \\ MFU", "卡数 \\ MFU"),
    "sens_budget": ("Total budget by card count", "不同卡数的总预算"),
    "sens_cards": ("Cards", "卡数"),
    "tornado_title": ("Tornado: each uncertain input at its P10 and P90", "龙卷风图表：各不确定输入取 P10 与 P90"),
    "tornado_note": (
        "One input at a time at its P10 / P90 (the scenario's uncertainty section), the others at the Inputs "
        "sheet's values; every cell is a live formula. The proposal's ranges come from {draws} seeded draws "
        "(seed {seed}) of the same distributions.",
        "每次只把一个输入取其 P10 / P90（场景的 uncertainty 部分），其余取输入表的值；每个单元格都是实时公式。"
        "建议书中的区间来自相同分布的 {draws} 次抽样（种子 {seed}）。",
    ),
    "tornado_input": ("Input", "输入"),
    "tornado_delay": ("Delivery delay before training, days", "训练开始前的交付延迟（天）"),
    "tornado_days_low": ("Days to model (delivery delay included), input at P10", "到模型完成天数（含交付延迟；输入取 P10）"),
    "tornado_days_high": ("Days to model (delivery delay included), input at P90", "到模型完成天数（含交付延迟；输入取 P90）"),
    "tornado_budget_low": ("Total budget, input at P10", "总预算（输入取 P10）"),
    "tornado_budget_high": ("Total budget, input at P90", "总预算（输入取 P90）"),
    "tornado_cost_low": ("Training cost, input at P10", "训练成本（输入取 P10）"),
    "tornado_cost_high": ("Training cost, input at P90", "训练成本（输入取 P90）"),
    "sens_note": (
        "Green headers follow the Inputs sheet: card counts are ¼×–4× the card count, the green MFU column "
        "is the MFU input; yellow MFU values are fixed steps (a step equal to the MFU input shows the "
        "workbook's original MFU instead). Type over any header to try other values; the grid uses the same "
        "formulas as the Training and Budget sheets.",
        "绿色表头随输入表变化：卡数为输入卡数的 ¼–4 倍，绿色 MFU 列即输入的 MFU；黄色 MFU 为固定档位"
        "（与输入 MFU 相同的档位改为显示生成时的 MFU）。可直接改写任一表头试算；表格使用与训练、预算表相同的公式。",
    ),
    "results_note_plan": (
        "Every figure in the results table is a live formula over the Inputs sheet (see the Formulas sheet); "
        "the layout planner block below holds static values.",
        "结果表中每个数值都是引用输入表的实时公式（见“公式”表）；下方的并行布局规划为静态数值。",
    ),
    "plan_title": ("Layout planner (step-time model, seed 004)", "并行布局规划（单步时间模型，seed 004）"),
    "plan_static": (
        "static: computed by xlcompute plan when the workbook was built; rerun to update "
        "(xlcompute workbook or xlcompute plan). Not formulas: editing inputs does not change this block.",
        "静态数值：由 xlcompute plan 在生成工作簿时计算；如需更新请重新运行（xlcompute workbook 或 "
        "xlcompute plan）。非公式：修改输入不会改变本区域。",
    ),
    "plan_search": (
        "Layout 1, the fastest that fits in memory, set the Inputs sheet's TP, PP, micro-batch, ZeRO "
        "stage, recomputation and sequence parallel; the Step-time model, Memory and Network sheets "
        "compute it with live formulas (its column equals them until an input is edited).",
        "布局 1（可装入显存的最快布局）已用于输入表的 TP、PP、微批、ZeRO 阶段、重计算与序列并行；"
        "单步时间模型、显存与网络表以实时公式计算该布局（未修改输入时与本列数值一致）。",
    ),
    "plan_fixed": (
        "The scenario fixes the layout; the Step-time model sheet predicts its step time and MFU with "
        "live formulas.",
        "场景已指定并行布局；单步时间模型表以实时公式预测其单步时间与 MFU。",
    ),
    "plan_mfu_used": (
        "The MFU input is 0, so the Training sheet uses the predicted MFU (type an MFU on the Inputs "
        "sheet to use your own).",
        "输入表的 MFU 为 0，训练表采用预测 MFU（在输入表填写 MFU 即改用自己的假设）。",
    ),
    "plan_evaluated": ("Layouts evaluated", "已评估布局数"),
    "plan_fitting": ("Layouts that fit in memory", "可装入显存的布局数"),
    "plan_deadline_cards": ("Cards the deadline sizing plans, each count at its own layout, MFU and ETTR (the "
                            "proposal's count; the Goodput sheet's keeps this layout's MFU and ETTR)",
                            "按截止期限规划的卡数，每个卡数按其自身布局、MFU 与 ETTR 规划（即方案书中的卡数；"
                            "有效训练时间表中的卡数沿用本布局的 MFU 与 ETTR）"),
    "plan_deadline_none": ("none: no cluster the deadline sizing tried meets the deadline (more cards also fail "
                           "more often)", "无：按期限配置集群时，试算过的卡数均无法按期完成（卡越多，故障也越频繁）"),
    "plan_deadline_days": ("Training days end to end at that count", "该卡数下的端到端训练天数"),
    "plan_layout": ("Layout (rank by time per sequence)", "布局（按每条序列的时间排名）"),
    "plan_batch": ("Global batch (sequences)", "全局批量（序列）"),
    "plan_interleave": ("Interleaved stages per pipeline rank", "每流水线级交错虚拟阶段数"),
    "plan_recompute": ("Recomputation", "重计算"),
    "plan_sp": ("Sequence parallel", "序列并行"),
    "plan_offload": ("Offloaded to host memory", "卸载到主机内存"),
    "off_weights": ("weights", "权重"),
    "off_activations": ("activations", "激活值"),
    "off_optimizer": ("optimizer states", "优化器状态"),
    "off_none": ("none", "无"),
    "plan_step": ("Step time (s)", "单步时间（秒）"),
    "plan_mfu": ("Predicted MFU", "预测 MFU"),
    "plan_mem": ("Memory per card (GB)", "每卡显存（GB）"),
    "rec_none": ("none", "无"),
    "rec_selective": ("selective", "选择性"),
    "rec_full": ("full", "完全"),
    "rec_partial": ("selective, {k} layers per stage in full", "选择性，每级 {k} 层完全重计算"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "chart_days": ("Training days vs cards", "训练天数与卡数"),
    "chart_budget": ("Total budget vs cards", "总预算与卡数"),
    "axis_days": ("days", "天"),
    "hw_title": ("Hardware catalog", "硬件目录"),
    "models_title": ("Model catalog", "模型目录"),
    "formulas_title": ("Formulas", "公式"),
    "formulas_note": (
        "Every formula in this workbook comes from one Python function of the xlcompute core; the "
        "same function computes the CLI, Excel-function and PDF figures.",
        "本工作簿的每个公式都来自 xlcompute 计算核心中的一个 Python 函数；命令行、Excel 函数与 PDF 使用同一函数。",
    ),
    "col_function": ("Core function", "核心函数"),
    "col_used_for": ("Used for", "用于"),
    "col_excel": ("Excel formula (one instance)", "Excel 公式（示例）"),
    "col_meaning": ("Meaning", "含义"),
    "lookup_meaning": (
        "Catalog lookup: the figure of the selected preset.",
        "目录查找：所选预设的参数。",
    ),
    "lookup_source_doc": ("Hardware / Models sheets (catalog sources per row)", "“硬件”/“模型”表（每行注明来源）"),
    "sens_meaning": ("Sensitivity grid cell: the same core formula over the row and column headers.", "敏感性表格单元：同一核心公式，引用行列表头。"),
    "derived": ("arithmetic on the figures named in the formula", "对公式中命名指标的算术运算"),
    "module_sources": ("Sources by module (the published work behind each group of formulas)",
                       "各模块来源（每组公式所依据的公开文献）"),
    "footer": ("Page &P of &N", "第 &P 页 / 共 &N 页"),
    "hw_key": ("Key", "键"),
    "hw_name": ("Name", "名称"),
    "hw_bf16": ("BF16 dense TFLOPS", "BF16 稠密 TFLOPS"),
    "hw_fp8": ("FP8 dense TFLOPS", "FP8 稠密 TFLOPS"),
    "hw_hbm": ("HBM GB", "显存 GB"),
    "hw_bw": ("HBM TB/s", "显存带宽 TB/s"),
    "hw_link": ("Intra-server GB/s per direction", "服务器内互联 GB/s 单向"),
    "hw_tdp": ("TDP W", "功耗 W"),
    "hw_link_assumed": ("link: none published, the scale-out network per card assumed (Inputs: inter_node_gbps / 8)",
                        "链路：无公开数据，按每卡服务器间网络假设（输入表：inter_node_gbps / 8）"),
    "hw_tdp_assumed": ("TDP: none published, {ref}'s TDP per peak FLOP assumed (its TDP × this card's BF16 "
                       "TFLOPS / its BF16 TFLOPS)",
                       "功耗：无公开数据，按 {ref} 的每峰值 FLOP 功耗假设（其功耗 × 本卡 BF16 TFLOPS / 其 BF16 TFLOPS）"),
    "hw_per_node": ("Cards per server", "每台服务器卡数"),
    "hw_offload": ("Offload tier GB (host memory)", "卸载层 GB（主机内存）"),
    "hw_offload_bw": ("Offload GB/s per direction", "卸载带宽 GB/s 单向"),
    "hw_vendor": ("Vendor", "厂商"),
    "hw_server_price": ("Server price per card slot", "服务器价格（每卡位）"),
    "hw_on_demand": ("Rent per card-hour, on demand", "按需租用（每卡时）"),
    "hw_reserved_1y": ("1-year reserved: share", "1 年预留价比例"),
    "hw_reserved_3y": ("3-year reserved: share", "3 年预留价比例"),
    "hw_price_source": ("Price source (prices.yaml)", "价格来源（prices.yaml）"),
    "hw_matmul_eff": ("GEMM efficiency max", "GEMM 最高效率"),
    "hw_elementwise": ("Element-wise traffic factor", "逐元素访存系数"),
    "hw_flash": ("Flash-attention efficiency", "FlashAttention 效率"),
    "hw_profile": ("Step-time kernel constants of", "单步模型内核常数来源"),
    "hw_serving_compute": ("Serving GEMM factor of the vendor", "厂商推理矩阵乘系数"),
    "hw_serving_hbm": ("Serving HBM factor of the vendor", "厂商推理显存带宽系数"),
    "hw_serving_source": ("Serving factors from", "推理系数来源"),
    "hw_fp32": ("FP32 vector TFLOPS (weight-only serving)", "FP32 向量 TFLOPS（仅权重量化推理）"),
    "hw_int8": ("INT8 dense TOPS (W8A8 serving)", "INT8 稠密 TOPS（W8A8 推理）"),
    "hw_fp32_assumed": ("FP32 vector peak: none published, {ref}'s FP32 per byte of HBM bandwidth assumed (its FP32 × "
                        "this card's TB/s / its TB/s)",
                        "FP32 向量峰值：无公开数据，按 {ref} 每字节显存带宽的 FP32 算力假设（其 FP32 × 本卡 TB/s / 其 TB/s）"),
    "hw_serving_none": ("1: the inference model's NVIDIA fit as it stands", "1：推理模型的 NVIDIA 拟合值，不调整"),
    "hw_calibrated": ("calibrated on this die", "在该芯片上校准"),
    "hw_extrapolated": ("extrapolated", "外推"),
    "hw_card_runs": ("; its {n} held-out published pre-training runs took {times}× the card-hours predicted (median; "
                     "xlcompute validate)", "；该卡 {n} 次留出的公开预训练实际用去预测卡时的 {times} 倍（中位数；xlcompute validate）"),
    "hw_carried": ("extrapolated; GEMM constant carried by the measured matmul ceiling (MAMF)",
                   "外推；矩阵乘常数按实测矩阵乘上限（MAMF）折算"),
    "src_date": ("Source date", "来源日期"),
    "m_params": ("Parameters (exact count)", "参数量（精确计数）"),
    "m_active": ("Active per token", "每 token 激活"),
    "m_layers": ("Layers", "层数"),
    "m_hidden": ("Hidden", "隐藏维度"),
    "m_heads": ("Heads", "头数"),
    "m_kv": ("KV heads", "KV 头数"),
    "m_head_dim": ("Head dim", "每头维度"),
    "m_vocab": ("Vocabulary", "词表"),
    "m_attn_width": ("Attention width", "注意力宽度"),
    "m_ffn": ("MLP width", "MLP 宽度"),
    "m_gated": ("Gated MLP", "门控 MLP"),
    "m_embedding": ("Embedding params", "嵌入参数"),
    "m_lm_head": ("Output head params", "输出层参数"),
    "m_moe_layers": ("MoE layers", "MoE 层数"),
    "m_experts": ("Routed experts", "路由专家数"),
    "m_top_k": ("Experts per token (top-k)", "每 token 专家数 (top-k)"),
    "m_shared_experts": ("Shared experts", "共享专家数"),
    "m_expert_groups": ("Expert groups (n_group)", "专家组数 (n_group)"),
    "m_group_limit": ("Groups per token (topk_group)", "每 token 专家组数 (topk_group)"),
    "m_moe_ffn": ("Expert MLP width", "专家 MLP 宽度"),
    "m_expert_params": ("Routed-expert params", "路由专家参数"),
    "m_mla_qkv": ("MLA QKV weights per layer", "每层 MLA QKV 权重"),
    "m_mtp": ("MTP weights per token", "每 token MTP 权重"),
    "m_published": ("Published size", "公布参数量"),
    "currency_CNY": ("CNY", "元"),
    "currency_USD": ("USD", "美元"),
    # -- Compare sheet (issue 13 part 2) --
    "cmp_tab": ("Compare", "方案对比"),
    "cmp_note": (
        "The same job on other accelerators, one column each (xlcompute compare). Yellow cells are this "
        "card's figures (catalog, prices, the cards for the deadline); green cells follow the Inputs sheet "
        "and may be typed over; grey rows are the same formulas as the Training, Goodput and Budget sheets "
        "over the column's cells. Edit a card's price or MFU here, or the tokens on the Inputs sheet, and "
        "its figures move. Card counts sized for a deadline or a serving demand, and each card's predicted MFU, "
        "are as built: after editing the deadline, the users or the serving targets, type a count here or build "
        "the workbook again.",
        "同一任务在其他加速卡上的对比，每卡一列（xlcompute compare）。黄色单元格为该卡自身的数据（目录参数、价格、"
        "满足截止期限的卡数）；绿色单元格引用输入表，可直接改写；其余为与训练、有效训练时间、预算表相同的公式，"
        "引用本列单元格。修改某卡的价格或 MFU，或在输入表修改 token 数，该列随之变化。按截止期限或推理需求配置的卡数，"
        "以及各卡的预测 MFU，均为生成工作簿时的值：修改期限、用户数或推理目标后，请在此填写卡数或重新生成工作簿。",
    ),
    "cmp_precision_changed": (
        "The Inputs sheet's training precision is not {built}, the precision each card's predicted MFU was planned "
        "at: the days below apply that MFU at the new precision's peak. Type each card's MFU at the new precision, "
        "or build the workbook again (xlcompute workbook --set training.precision=…).",
        "输入表的训练精度已不是 {built}，而各卡的预测 MFU 是按 {built} 规划的：下列天数是把该 MFU 用于新精度峰值的结果。"
        "请为各卡填写新精度下的 MFU，或重新生成工作簿（xlcompute workbook --set training.precision=…）。"),
    "cmp_no_peak_serving": ("{card}: its column shows #N/A when the Inputs sheet serves at a precision the "
                            "catalog gives the card no peak for ({which})",
                            "{card}：若输入表选择的推理精度在目录中没有该卡的峰值（{which}），该列显示 #N/A"),
    "cmp_no_peak": ("{card}: its column shows #N/A when the Inputs sheet trains or serves at a precision the "
                    "catalog gives the card no peak for ({which})",
                    "{card}：若输入表选择的训练或推理精度在目录中没有该卡的峰值（{which}），该列显示 #N/A"),
    "cmp_card": ("Accelerator", "加速卡"),
    "cmp_name": ("Accelerator", "加速卡型号"),
    "cmp_layout": ("Layout (TP·CP·PP·DP)", "并行布局（TP·CP·PP·DP）"),
    "cmp_inputs": ("This card's inputs", "该卡的输入"),
    "cmp_results": ("Results (live formulas)", "结果（实时公式）"),
    "cmp_working": ("Intermediate steps: the result sheets' formulas over each column (hidden rows; unhide to audit)",
                    "中间步骤：各结果表的公式，引用本列单元格（已隐藏的行，取消隐藏即可核对）"),
    "cmp_planner_mfu": ("Predicted MFU (layout planner, when built)", "预测 MFU（生成时由并行布局规划器计算）"),
    "cmp_per_trillion": ("Training cost per 10¹² tokens (rental price)", "训练每万亿 token 成本（租用价格）"),
    "cmp_per_trillion_predicted": ("Training cost per 10¹² tokens at the predicted MFU (rental price)",
                                   "按预测 MFU 的训练每万亿 token 成本（租用价格）"),
    "cmp_cannot": ("cannot run the job: {reason}", "无法运行该任务：{reason}"),
    "cmp_notes": ("Notes", "注释"),
    "cmp_unavailable": ("The comparison could not be made: {reason}", "无法进行对比：{reason}"),
    "cmp_chart_cost": ("Training cost per 10¹² tokens by card", "各加速卡每万亿 token 训练成本"),
    "cmp_chart_days": ("Days to train by card", "各加速卡训练天数"),
    "cmp_axis_days": ("days", "天"),
    "cmp_axis_card": ("accelerator", "加速卡"),
    "cmp_chart_cost_predicted": ("Training cost per 10¹² tokens by card, each at its predicted MFU",
                                 "各加速卡每万亿 token 训练成本（按各卡预测 MFU）"),
    "cmp_chart_days_predicted": ("Days to train by card, each at its predicted MFU", "各加速卡训练天数（按各卡预测 MFU）"),
    "cmp_chart_served": ("Cost per 10⁶ output tokens served, by card", "各加速卡每百万输出 token 推理成本"),
    "cmp_chart_budget": ("Total budget over the period by card", "各加速卡期内总预算"),
}

# Tab names (issue 14 §7: the Chinese workbook's tabs are Chinese). Formulas that name a sheet
# (the catalog lookups, the drop-down lists, the defined names) take the tab of the workbook's
# language, so the two editions' formulas are the same modulo these names. At most 31 characters,
# none of : \ / ? * [ ] (Excel's rule for sheet names).
TABS: dict[str, tuple[str, str]] = {
    "inputs": ("Inputs", "输入"), "training": ("Training", "训练"), "goodput": ("Goodput", "有效训练时间"),
    "step": ("Step time", "单步时间"), "memory": ("Memory", "显存"), "network": ("Network", "网络"),
    "serving": ("Serving", "推理"), "budget": ("Budget", "预算"), "compare": T["cmp_tab"],
    "sensitivity": ("Sensitivity", "敏感性分析"), "hardware": ("Hardware", "硬件"), "models": ("Models", "模型"),
    "formulas": ("Formulas", "公式"),
}

_EXTRA_SHEETS: dict[str, tuple[str, str]] = {
    "sensitivity": ("Sensitivity", "敏感性分析"),
    "hardware": ("Hardware catalog", "硬件目录"),
    "models": ("Model catalog", "模型目录"),
    "formulas": ("Formulas", "公式"),
    "compare": ("Alternatives: the same job on other accelerators", "备选方案：同一任务在其他加速卡上"),
}


def text(key: str, lang: str) -> str:
    """Workbook text ``key`` in ``lang``."""
    en, zh = T[key]
    return zh if lang == "zh" else en


def tab_name(sheet: str, lang: str) -> str:
    """The tab name of ``sheet`` (a key of :data:`TABS`) in ``lang``."""
    en, zh = TABS[sheet]
    return zh if lang == "zh" else en


def sheet_title(sheet: str, lang: str) -> str:
    """The heading shown in A1 of a sheet (the tab carries the shorter :func:`tab_name`)."""
    en, zh = SHEET_TITLES.get(sheet) or _EXTRA_SHEETS[sheet]
    return zh if lang == "zh" else en


def input_label(key: str, lang: str) -> str:
    """The registry label of an input or figure."""
    return registry.label(key, lang)


def unit_text(key: str, lang: str, currency: str) -> str:
    """Display unit of an input or figure; ``currency`` becomes CNY / USD (元 / 美元). None for a
    percentage: its number format shows the % already (no "40.0% %")."""
    if registry.quantity(key).kind == "percent":
        return ""
    return registry.unit_text(key, lang, currency)
