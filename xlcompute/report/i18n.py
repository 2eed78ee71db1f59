"""Fixed text of the proposal in English and Simplified Chinese.

Labels of inputs and figures live in :mod:`xlcompute.registry` (shared with the workbook and the
CLI); this table holds only the proposal's own prose, headings and captions. Entries may contain
``{name}`` placeholders and a little trusted markup (``<strong>``); :func:`text` fills the
placeholders through :class:`markupsafe.Markup`, which escapes every argument, so scenario text
passed as an argument can never become markup.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from xlcompute.report.i18n_kinds import KIND_TEXT
from xlcompute.report.i18n_risks import RISK_TEXT

__all__ = ["TEXT", "LANGS", "text"]

LANGS: tuple[str, ...] = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    # document
    "doc_kind": ("Capacity proposal", "算力容量方案"),
    "doc_subject": ("Compute capacity and budget proposal for an LLM training and serving cluster",
                    "大模型训练与推理集群的算力容量与预算方案"),
    "keywords": ("LLM, GPU cluster, capacity planning, training compute, budget, TCO",
                 "大模型, GPU 集群, 容量规划, 训练算力, 预算, 总拥有成本"),
    "author_default": ("xlcompute", "xlcompute"),
    "generator": ("xlcompute capacity proposal", "xlcompute 算力容量方案"),
    # cover
    "cover_organisation": ("Organisation", "单位"),
    "cover_date": ("Date", "日期"),
    "cover_scenario": ("Scenario", "场景"),
    "cover_prepared": ("Prepared with", "编制工具"),
    "cover_cluster": ("Cluster", "集群"),
    "cover_days": ("Training time", "训练时间"),
    "cover_budget": ("Total budget, {years} years", "总预算（{years} 年）"),
    "cover_note": (
        "Every figure in this document is computed by the xlcompute calculation core from the "
        "scenario attached to this PDF; the planning workbook attached alongside holds the same "
        "formulas as live spreadsheet cells.",
        "本文所有数字均由 xlcompute 计算核心根据本 PDF 附带的场景文件算出；同时附带的规划工作簿以"
        "可实时重算的电子表格公式给出相同的计算。",
    ),
    "no_organisation": ("—", "—"),
    # between a label and what follows it: Chinese takes the full-width colon with no space
    "colon": (": ", "："),
    # contents
    "toc": ("Contents", "目录"),
    # section titles
    "sec_summary": ("Executive summary", "执行摘要"),
    "sec_workload": ("Workload and assumptions", "工作负载与假设"),
    "sec_compute": ("Compute and timeline", "算力与工期"),
    "sec_memory": ("Memory plan", "显存规划"),
    "sec_network": ("Network", "网络"),
    "sec_serving": ("Serving capacity", "推理容量"),
    "sec_budget": ("Budget", "预算"),
    "sec_alternatives": ("Alternatives", "备选方案"),
    "sec_risks": ("Risks and mitigations", "风险与应对"),
    "sec_appendix_method": ("Appendix A: method", "附录 A：方法"),
    "sec_appendix_validation": ("Appendix B: validation (step time and end-to-end card-hours)", "附录 B：验证（单步时间与端到端卡时）"),
    "sec_appendix_catalog": ("Appendix C: catalog rows used", "附录 C：所用目录数据"),
    "sec_appendix_inputs": ("Appendix D: every input and its source", "附录 D：全部输入及其来源"),
    "sec_appendix_glossary": ("Appendix E: terms used", "附录 E：术语"),
    "key_inputs_intro": (
        "The inputs a committee checks first; each row names its source. Every input of the estimate, with its source, "
        "is in Appendix D. Replace planning assumptions (prices, MFU) with quotes and measurements as they become "
        "available.",
        "以下为首先需要核对的输入，每一行均注明来源；估算的全部输入及其来源见附录 D。价格、MFU 等规划假设应在获得报价和"
        "实测数据后替换。"),
    "key_inputs_intro_serving": (
        "The inputs a committee checks first; each row names its source. Every input of the estimate, with its source, "
        "is in Appendix D. Replace planning assumptions (prices, the serving utilisation) with quotes and measurements "
        "as they become available.",
        "以下为首先需要核对的输入，每一行均注明来源；估算的全部输入及其来源见附录 D。价格、推理利用率等规划假设应在获得"
        "报价和实测数据后替换。"),
    "glossary_intro": ("The technical terms of this proposal, in a sentence each.", "本方案所用技术术语的简要说明。"),
    "glossary_term": ("Term", "术语"),
    "glossary_meaning": ("Meaning", "含义"),
    # executive summary
    "summary_lead": (
        "This proposal {asks} <strong>{cards} × {accelerator}</strong> in {servers} servers to "
        "pre-train <strong>{model}</strong> ({params} parameters) on {tokens} tokens{serve}. "
        "At {mfu} model FLOPs utilisation the training run takes <strong>{days} days</strong> "
        "({hours} card-hours). Over {years} years the cluster costs <strong>{budget}</strong> "
        "({capex} capital expenditure and {opex} operating cost per year).",
        "本方案{asks} <strong>{cards} 张 {accelerator}</strong>（{servers} 台服务器），用于在 {tokens}个 "
        "token 上预训练 <strong>{model}</strong>（{params}个参数）{serve}。按 {mfu} 的模型算力"
        "利用率（MFU），训练需 <strong>{days} 天</strong>（{hours} 卡·时）。{years} 年总成本为 "
        "<strong>{budget}</strong>（资本支出 {capex}，每年运营成本 {opex}）。",
    ),
    "summary_then_serve": (" and then serve it", "并提供推理服务"),
    "summary_deadline_missed": (
        "Deadline: {deadline} days{conf}. The cluster as proposed misses it by {slip} days; {need} cards ({servers} "
        "servers) meet it at the same MFU and ETTR.",
        "截止期限：{deadline} 天{conf}。按所提方案将超期 {slip} 天；在相同 MFU 与 ETTR 下，{need} 张卡（{servers} 台服务器）"
        "可按期完成。",
    ),
    "summary_deadline_unreachable": (
        "Deadline: {deadline} days{conf}. The cluster as proposed misses it by {slip} days, and no cluster the deadline "
        "sizing tried meets it: more cards also fail more often.",
        "截止期限：{deadline} 天{conf}。按所提方案将超期 {slip} 天；按期限配置集群时，试算过的卡数均无法按期完成：卡越多，"
        "故障也越频繁。",
    ),
    "summary_deadline_met": (
        "Deadline: {deadline} days{conf}, met; {need} cards ({servers} servers) would suffice at the same MFU and "
        "ETTR.",
        "截止期限：{deadline} 天{conf}，可按期完成；在相同 MFU 与 ETTR 下 {need} 张卡（{servers} 台服务器）即可满足。",
    ),
    "summary_deadline_planned": (
        "Deadline: {deadline} days{conf}. The cluster as proposed misses it by {slip} days; {need} cards ({servers} "
        "servers) meet it, planned at that count: {days} days.",
        "截止期限：{deadline} 天{conf}。按所提方案将超期 {slip} 天；{need} 张卡（{servers} 台服务器）按此卡数重新规划布局后需 "
        "{days} 天，可按期完成。",
    ),
    "summary_deadline_met_planned": (
        "Deadline: {deadline} days{conf}, met; planned at that count, {need} cards ({servers} servers) would "
        "suffice: {days} days.",
        "截止期限：{deadline} 天{conf}，可按期完成；{need} 张卡（{servers} 台服务器）即可满足，按此卡数重新规划布局后需 {days} 天。",
    ),
    "summary_deadline_sized": (
        "Deadline: {deadline} days{conf}, met: the cluster is sized to it, the fewest cards found that finish in time "
        "({below} cards, estimated too, take {days} days: {miss}).",
        "截止期限：{deadline} 天{conf}，可按期完成：集群按期限配置，该卡数为试算中按期完成所需的最少卡数（同样试算过的 {below} "
        "张卡需 {days} 天，{miss}）。",
    ),
    # what the fewer cards miss: the deadline itself, or (a confidence above 0.5) the earlier target it sets
    "sized_past": ("past it", "超期"),
    "sized_past_target": ("more than the {target} days that {q} confidence asks for", "超出置信度 {q} 所要求的 {target} 天"),
    "summary_deadline_chance": ("{chance} of the range's draws finish in time (Uncertainty section).",
                                "区间抽样中 {chance} 可按期完成（见不确定性一节）。"),
    "summary_deadline_bias": (
        "It is met by the model's own figures: at the error the model made on this card's held-out runs the run "
        "takes about {adj_days} days, {late} days past the deadline (see the recommendation).",
        "这是按模型自身数字按期完成：按模型在该卡留出实测上的误差，训练约需 {adj_days} 天，超过截止期限 {late} 天（见建议）。",
    ),
    "rec_bias_deadline": (
        "At those figures the run ends {late} days after the {deadline}-day deadline, which the plan meets only by the "
        "model's own figures.",
        "按这些数字，训练将比 {deadline} 天的截止期限晚 {late} 天结束；本方案仅按模型自身的数字按期完成。",
    ),
    "summary_serving_conf": (
        "Planned at {q} confidence, the fleet holds the serving cards times the inference model's speed margin: "
        "{planned} cards, {cards} in whole servers.",
        "按 {q} 的置信度计划，推理集群容纳推理卡数乘以推理模型速度的余量：{planned} 张卡，取整台服务器为 {cards} 张。",
    ),
    "summary_conf": (" at {q} confidence (the estimate within {days} days)", "（置信度 {q}：估算工期不超过 {days} 天）"),
    "summary_econ": (
        "That work keeps the cluster <strong>{util}</strong> busy; in present value owning costs "
        "{own} and renting the same card-hours {rent}: <strong>{verdict}</strong>.",
        "该工作负载使集群利用率为 <strong>{util}</strong>；按现值计，自建 {own}，租用同样卡时 "
        "{rent}：<strong>{verdict}</strong>。",
    ),
    "econ_own": ("owning is cheaper", "自建更省"),
    "econ_rent": ("renting is cheaper", "租用更省"),
    "be_share": (
        "Owning pays if the cluster is busy more than <strong>{share}</strong> of the time (at {price} per "
        "rented card-hour).",
        "集群忙碌时间超过 <strong>{share}</strong> 时自建更省（按每租用卡时 {price}）。",
    ),
    "be_never": (
        "At {price} per rented card-hour owning does not pay even with the cluster busy all the time.",
        "按每租用卡时 {price}，即使集群全时忙碌，自建也不划算。",
    ),
    "flip_maint_own": ("Renting would win with maintenance above {share} of capex a year.",
                       "若每年维护费高于资本支出的 {share}，租用更省。"),
    "flip_maint_rent": ("Owning would win with maintenance below {share} of capex a year.",
                        "若每年维护费低于资本支出的 {share}，自建更省。"),
    "be_cell_never": ("{share}: more than the cluster can be busy, never", "{share}：超过集群可用上限，永不"),
    "be_cell_none": ("never: renting costs no more than the busy cards' power", "永不：租金不高于满载电费"),
    "maint_cell_none": ("none: owning costs more even at 0%", "无：即使为 0%，自建仍更贵"),
    "flip_maint_none": ("No maintenance share makes owning cheaper: even at 0% the other costs exceed renting.",
                        "任何维护比例都无法使自建更省：即使为 0%，其余成本也高于租用。"),
    "flip_price_own": ("Renting would win below {price} per card-hour used.", "若每使用卡时租价低于 {price}，租用更省。"),
    "flip_price_rent": ("Owning would win if rent cost more than {price} per card-hour used.",
                        "若每使用卡时租价高于 {price}，自建更省。"),
    "rent_option_on_demand": ("on demand", "按需"),
    "rent_option_1y": ("serving reserved for 1 year, training on demand", "推理预留 1 年，训练按需"),
    "rent_option_3y": ("serving reserved for 3 years, training on demand", "推理预留 3 年，训练按需"),
    "econ_title": ("Own or rent: the same work, in present values", "自建还是租用：同样的工作量，按现值比较"),
    "econ_text": (
        "The planned work — {work} — uses {used} of the "
        "{period} card-hours an owned cluster offers over {years} years: a utilisation of <strong>{util}</strong>. "
        "Owning pays for capex, maintenance, colocation, staff and electricity at that utilisation, less the "
        "hardware's book value at the end: a present cost of <strong>{own}</strong> at a {rate} discount rate. "
        "Renting pays only for the card-hours used; the cheapest option is {option}, a present cost of "
        "<strong>{rent}</strong>. So <strong>{verdict}</strong>. {break_even} {flip_m} {flip_price}",
        "计划工作（{work}）使用 {used} 卡·时，而自建集群 {years} 年可提供 {period} 卡·时："
        "利用率 <strong>{util}</strong>。自建需支付资本支出、维护、托管、人员以及按该利用率计的电费，扣除期末硬件"
        "账面价值，按 {rate} 折现率计成本现值 <strong>{own}</strong>。租用只为实际使用的卡时付费；最低方案为"
        "{option}，成本现值 <strong>{rent}</strong>。因此<strong>{verdict}</strong>。{break_even}{flip_m}{flip_price}",
    ),
    "summary_plan_both": (
        "The parallel layout ({layout}) and the MFU of {mfu} are <strong>predicted, "
        "not assumed</strong>: of {evaluated} layouts, the step-time model chose the fastest that fits in "
        "memory; on published training runs it is off by {held} on average (held-out rows, Appendix B). "
        "The days and card-hours, predicted the same way from planning inputs, missed published pre-training "
        "runs by a median {band} (held-out runs, Appendix B): confirm the MFU in a pilot run before committing.",
        "并行布局（{layout}）与 {mfu} 的 MFU 均为<strong>模型预测，而非假设</strong>："
        "单步时间模型在 {evaluated} 种布局中选出显存可容纳且最快的一种；在公开训练实测上其平均误差为 {held}"
        "（留出数据，见附录 B）。按同样方式由规划输入预测的天数与卡·时，在公开预训练任务上的中位误差为 {band}"
        "（留出任务，见附录 B）：正式投入前请以试运行确认 MFU。",
    ),
    "summary_card_untested": (
        "No published training run on the {card} has tested the step-time model: its kernel constants are "
        "extrapolated from other cards, so its MFU is a planning figure until a pilot run measures it.",
        "尚无在 {card} 上的公开训练实测检验过单步时间模型：其算子常数由其他加速卡外推，预测的 MFU 在试运行实测前仅作规划参考。",
    ),
    "summary_card_e2e": (
        "No step time measured on the {card} has calibrated the step-time model (its kernel constants are "
        "extrapolated from other cards), and the {n} held-out published pre-training runs on it (Appendix B) took "
        "{times}× the card-hours the tool predicts for them (median): its MFU is a planning figure until a pilot "
        "run measures it.",
        "尚无在 {card} 上实测的单步时间校准过单步时间模型（其算子常数由其他加速卡外推）；附录 B 中在该卡上的 {n} 个留出"
        "公开预训练任务，实际卡时为本工具预测的 {times} 倍（中位数）：预测的 MFU 在试运行实测前仅作规划参考。",
    ),
    "summary_card_bias": (
        "On the {n} held-out runs measured on the {card} itself, though, the step-time model predicted step times "
        "{mag} too {dir} on average (mean |error| {abs}); the risks below give the schedule at that bias.",
        "但在 {card} 本身的 {n} 个留出实测上，单步时间模型的预测平均偏{dir} {mag}（平均绝对误差 {abs}）；下文风险给出按此偏差的工期。",
    ),
    "summary_held_moe": (
        "{moe} for mixture-of-experts runs like this one ({dense} for dense models)",
        "{moe}（与本方案同类的混合专家模型；稠密模型为 {dense}）",
    ),
    "summary_plan_layout": (
        "The parallel layout ({layout}) is <strong>predicted, not assumed</strong>: "
        "of {evaluated} layouts, the step-time model chose the fastest that fits in memory (held-out "
        "error {held}, Appendix B); the MFU of {mfu} is the scenario's assumption.",
        "并行布局（{layout}）为<strong>模型预测，而非假设</strong>：单步时间模型在 "
        "{evaluated} 种布局中选出显存可容纳且最快的一种（留出误差 {held}，见附录 B）；MFU {mfu} 为场景假设。",
    ),
    "summary_plan_mfu": (
        "The MFU of {mfu} is <strong>predicted, not assumed</strong>: the step-time model computed it for "
        "the scenario's layout {layout} (held-out error {held}, Appendix B).",
        "{mfu} 的 MFU 为<strong>模型预测，而非假设</strong>：由单步时间模型针对场景给定的布局"
        "（{layout}）算出（留出误差 {held}，见附录 B）。",
    ),
    "kf_cluster": ("Cluster", "集群规模"),
    "kf_cluster_value": ("{cards} cards", "{cards} 张卡"),
    "kf_cluster_note": ("{accelerator}, {servers} servers", "{accelerator}，{servers} 台服务器"),
    "kf_days": ("Training time", "训练时间"),
    "kf_days_value": ("{days} days", "{days} 天"),
    "kf_days_note": ("{hours} card-hours at {mfu} MFU", "{hours} 卡·时，MFU {mfu}"),
    "kf_budget": ("Total budget", "总预算"),
    "kf_budget_note": ("{years} years, capex and opex", "{years} 年，含资本支出与运营成本"),
    "kf_memory": ("Memory per card", "每卡显存"),
    "kf_memory_note": ("{share} of {hbm} HBM", "占 {hbm} 显存的 {share}"),
    "kf_serving": ("Serving cards", "推理卡数"),
    "kf_serving_note": ("{users} concurrent users, {cost} per million output tokens at {price} per card-hour",
                        "{users} 并发用户，每百万输出 token {cost}（每卡·时 {price}）"),
    "kf_rent": ("Renting the work (present value)", "租用工作负载（现值）"),
    "kf_rent_note": ("{option}; owning: {own}", "{option}；自建：{own}"),
    "recommendation": ("Recommendation", "建议"),
    "rec_fits_own": (
        "Approve the purchase of {cards} × {accelerator} ({servers} servers, {capex} capital "
        "expenditure). The planned layout fits in memory{headroom} and the training run completes in {days} days{assumed}. "
        "Doing the planned work keeps the cluster {util} busy; over {years} years owning has a present cost "
        "of {own} (discounted at {rate}), less than renting the same card-hours ({rent}, {option}). {break_even}",
        "建议批准采购 {cards} 张 {accelerator}（{servers} 台服务器，资本支出 {capex}）。规划的并行布局"
        "显存可容纳{headroom}，{assumed}训练 {days} 天完成。计划工作使集群利用率为 {util}；{years} 年内自建成本现值 {own}"
        "（折现率 {rate}），低于租用同样卡时的 {rent}（{option}）。{break_even}",
    ),
    "rec_fits_rent": (
        "The planned layout fits in memory{headroom} and the training run completes in {days} days{assumed}, but the planned "
        "work keeps an owned cluster only {util} busy: renting the same card-hours ({option}) has a present "
        "cost of {rent} over {years} years, against {own} to own {cards} × {accelerator} (discounted at "
        "{rate}). Rent the capacity, or buy only with enough further work planned. {break_even}",
        "规划的并行布局显存可容纳{headroom}，{assumed}训练 {days} 天完成；但计划工作只能使自建集群利用率达到 {util}："
        "{years} 年内租用同样卡时（{option}）的成本现值为 {rent}，而自建 {cards} 张 {accelerator} 为 {own}"
        "（折现率 {rate}）。建议租用算力，或在有足够后续工作时再采购。{break_even}",
    ),
    "rec_fits_rent_never": (
        "The planned layout fits in memory{headroom} and the training run completes in {days} days{assumed}, but owning does not "
        "pay at any utilisation: at {price} per rented card-hour, renting costs less than owning even with the "
        "cluster busy all the time. The planned work keeps an owned cluster {util} busy; renting the same "
        "card-hours ({option}) has a present cost of {rent} over {years} years, against {own} to own {cards} × "
        "{accelerator} (discounted at {rate}). Rent the capacity: more work would not make owning pay, only a "
        "lower purchase price or running cost would.",
        "规划的并行布局显存可容纳{headroom}，{assumed}训练 {days} 天完成；但任何利用率下自建都不划算：按每租用卡时 {price}，即使"
        "集群全时忙碌，租用也比自建便宜。计划工作使自建集群利用率为 {util}；{years} 年内租用同样卡时（{option}）"
        "的成本现值为 {rent}，而自建 {cards} 张 {accelerator} 为 {own}（折现率 {rate}）。建议租用算力：增加工作量"
        "不能使自建划算，只有更低的采购价或运营成本才能。",
    ),
    "rec_deadline_missed": (
        "Not as proposed: the run misses the {deadline}-day deadline{conf} by {slip} days. {need} cards ({servers} "
        "servers) meet it{how}; re-run this proposal at that count for its budget, or move the deadline.",
        "不宜按所提方案执行：训练将超过 {deadline} 天的截止期限{conf} {slip} 天。{need} 张卡（{servers} 台服务器）{how}"
        "可按期完成；请按该卡数重新生成本方案以得到其预算，或调整截止期限。",
    ),
    "rec_deadline_missed_priced": (
        "Not as proposed: the run misses the {deadline}-day deadline{conf} by {slip} days. {need} cards ({servers} "
        "servers) meet it{how}: {budget} to own over {years} years, or {rent} to rent the work (present value; the "
        "alternatives below); plan with that count, or move the deadline.",
        "不宜按所提方案执行：训练将超过 {deadline} 天的截止期限{conf} {slip} 天。{need} 张卡（{servers} 台服务器）{how}"
        "可按期完成：{years} 年自建总预算 {budget}，或租用同样工作 {rent}（现值；见下文方案对比）；请按该卡数规划，"
        "或调整截止期限。",
    ),
    "rec_serving_unmet": (
        "No serving replica of {accelerator} meets the latency targets ({ttft_target} s to the first token, "
        "{tpot_target} s per output token; the fastest gives {ttft} s and {tpot} s), so no number of cards serves the "
        "{users} users within them: relax the targets, serve in a lower precision, or choose a faster card. The "
        "{need} serving cards below are the fastest replicas for the demand, priced for reference.",
        "{accelerator} 的推理副本均达不到时延目标（首 token {ttft_target} 秒、每输出 token {tpot_target} 秒；最快的为 "
        "{ttft} 秒与 {tpot} 秒），因此任何卡数都无法在此目标内服务 {users} 个用户：请放宽目标、降低推理精度或选择更快的"
        "加速卡。下文的 {need} 张推理卡为满足需求的最快副本，其价格仅供参考。",
    ),
    "rec_mfu_assumed": (
        "The {days} days rest on the assumed MFU of {mfu}; the step-time model predicts {predicted} for this "
        "layout, {pdays} days, {verdict}.",
        "{days} 天基于假设的 MFU {mfu}；单步时间模型对该布局的预测为 {predicted}，即 {pdays} 天，{verdict}。",
    ),
    "rec_step_bias": (
        "On {accelerator}, the step-time model predicted held-out step times {mag} too {dir} on average: its {days} "
        "days would be about {adj_days} days ({adj_hours} card-hours, {adj_cost} at the rental price); plan with "
        "those figures until a pilot run measures the step time.",
        "在 {accelerator} 上，单步时间模型对留出实测的预测平均偏{dir} {mag}：其 {days} 天约为 {adj_days} 天（{adj_hours} "
        "卡时，按租赁价 {adj_cost}）；在试点运行实测单步时间之前，请按这些数字规划。",
    ),
    "rec_card_e2e": (
        "On {accelerator}, no step time calibrates the step-time model, and the {n} held-out published pre-training "
        "runs on it took {times}× the card-hours it predicted (median): its {days} days would be about {adj_days} "
        "days ({adj_hours} card-hours, {adj_cost} at the rental price); plan with those figures until a pilot run "
        "measures the step time.",
        "在 {accelerator} 上，尚无实测单步时间校准单步时间模型，而在该卡上的 {n} 个留出公开预训练任务实际卡时为预测的 "
        "{times} 倍（中位数）：其 {days} 天约为 {adj_days} 天（{adj_hours} 卡时，按租赁价 {adj_cost}）；在试点运行"
        "实测单步时间之前，请按这些数字规划。",
    ),
    "rec_mfu_same": ("and the same verdict on owning and renting", "自建与租用的结论不变"),
    "rec_mfu_flips_own": ("at which owning is cheaper than renting ({own} against {rent})",
                          "此时自建比租用便宜（{own} 对 {rent}）"),
    "rec_mfu_flips_rent": ("at which renting is cheaper than owning ({rent} against {own})",
                           "此时租用比自建便宜（{rent} 对 {own}）"),
    "rec_deadline_how_planned": (", planned at that count ({days} days)", "按此卡数重新规划布局后需 {days} 天，"),
    "rec_deadline_unreachable": (
        "Not as proposed: the run misses the {deadline}-day deadline{conf} by {slip} days, and no cluster the "
        "deadline sizing tried meets it (more cards also fail more often); move the deadline or train on fewer "
        "tokens.",
        "不宜按所提方案执行：训练将超过 {deadline} 天的截止期限{conf} {slip} 天，且按期限配置集群时试算过的卡数均无法按期完成"
        "（卡越多，故障也越频繁）；请推迟期限或减少训练 token。",
    ),
    "rec_deadline_how_same": (" at the same MFU and ETTR", "在相同 MFU 与 ETTR 下"),
    "rec_fits_own_late": (
        "The planned layout fits in memory{headroom} and the run takes {days} days{assumed}. Doing the planned work keeps the cluster "
        "{util} busy; over {years} years owning has a present cost of {own} (discounted at {rate}), less than "
        "renting the same card-hours ({rent}, {option}). {break_even}",
        "规划的并行布局显存可容纳{headroom}，{assumed}训练需 {days} 天。计划工作使集群利用率为 {util}；{years} 年内自建成本现值 {own}"
        "（折现率 {rate}），低于租用同样卡时的 {rent}（{option}）。{break_even}",
    ),
    "rec_assumed_mfu": (" at the assumed MFU", "按假设的 MFU "),
    "asks_own": ("requests", "申请"),
    "asks_rent": ("weighs owning against renting", "比较自建与租用"),
    "cover_days_assumed": ("Training time at the assumed {mfu} MFU ({pdays} days at the predicted {pmfu})",
                           "训练时间，按假设的 MFU {mfu}（按预测的 {pmfu}：{pdays} 天）"),
    "cover_days_late": ("; {slip} days past the {deadline}-day deadline", "；超出 {deadline} 天截止期限 {slip} 天"),
    "cover_budget_rent": ("Total budget to own, {years} years; renting the work: {rent} (present value)",
                          "自建总预算（{years} 年）；租用同样工作：{rent}（现值）"),
    "rec_headroom": (" with little headroom ({share} of HBM; see the risks)", "，但余量很小（占显存 {share}，见风险）"),
    "rec_no_fit": (
        "Revise the training layout before purchase: the planned layout needs {mem} per card, more "
        "than the {hbm} of HBM. {alternative}",
        "采购前需调整训练布局：规划布局每卡需 {mem}，超过 {hbm} 显存。{alternative}",
    ),
    "top_risks": ("Top risks", "主要风险"),
    # workload and assumptions
    "workload_intro": (
        "The estimate rests on the inputs below. Each row names its source: a catalog entry, the "
        "scenario file, or a published measurement. Replace planning assumptions (prices, MFU) with "
        "quotes and measurements as they become available.",
        "估算基于以下输入，每一行均注明来源：目录数据、场景文件或公开测量结果。价格、MFU 等规划假设"
        "应在获得报价和实测数据后替换。",
    ),
    "workload_left_out": (
        "Not listed: the inputs of {features}, which this plan does not use. The planning workbook "
        "lists every input.",
        "未列出：本方案未使用的{features}的输入。规划工作簿列出全部输入。",
    ),
    "feature_moe": ("mixture of experts (experts, expert parallelism, all-to-all)", "混合专家（专家、专家并行、all-to-all）"),
    "feature_mla": ("MLA attention", "MLA 注意力"),
    "feature_mtp": ("multi-token prediction", "多 token 预测"),
    "feature_offload": ("offload to host memory", "主机内存卸载"),
    "feature_fp8": ("FP8 training", "FP8 训练"),
    "feature_zero3": ("ZeRO-3", "ZeRO-3"),
    "feature_deadline": ("a deadline (its confidence)", "截止期限（其置信度）"),
    "grp_model": ("Model", "模型"),
    "grp_training": ("Training plan", "训练计划"),
    "grp_cluster": ("Cluster", "集群"),
    "grp_stepmodel": ("Step-time model (calibrated constants and assumptions)", "单步时间模型（校准常数与假设）"),
    "grp_assumptions": ("Assumptions", "假设"),
    "grp_reliability": ("Reliability: failures, checkpoints, restarts (goodput)", "可靠性：故障、检查点、重启（有效训练时间）"),
    "grp_serving": ("Serving demand", "推理需求"),
    "grp_pricing": ("Prices", "价格"),
    "col_item": ("Item", "项目"),
    "col_value": ("Value", "数值"),
    "col_unit": ("Unit", "单位"),
    "col_source": ("Source", "来源"),
    "ditto": ("as above", "同上"),
    "precision": ("Training precision", "训练精度"),
    "model_row": ("Model", "模型"),
    "accelerator_row": ("Accelerator", "加速卡"),
    "currency_row": ("Currency", "货币"),
    # compute
    "compute_intro": (
        "Training compute counts model FLOPs: 6 per parameter per token plus the attention term "
        "(PaLM's definition, the same count as every MFU here); the 6PT rule of thumb is shown for "
        "comparison. Time of the steps = compute ÷ (cards × peak × MFU); the calendar time divides it by the "
        "effective training-time ratio (failures, checkpoints, planned work; below). Recomputation does not add "
        "to this count: it lowers the MFU a run reaches, which the step-time model predicts.",
        "训练计算量按模型 FLOPs 计：每参数每 token 6 FLOPs 加注意力项（PaLM 的定义，与本文所有 MFU 的口径一致）；"
        "6PT 经验公式仅作对比。单步累计时间 = 计算量 ÷（卡数 × 峰值算力 × MFU），日历时间再除以有效训练时间比"
        "（故障、检查点、计划内开销，见下文）。重计算不计入该计算量，"
        "而是降低实际可达的 MFU，由单步时间模型预测。",
    ),
    "goodput_title": ("Schedule: from step time to calendar time", "工期：从单步时间到日历时间"),
    "goodput_text": (
        "The steps alone take {step_days} days. A synchronous job of {cards} cards stops whenever one of "
        "them fails: at {rate} job-interrupting failures per card-hour (Llama 3: 419 in 54 days on 16,384 "
        "H100) that is once every {mtbf} hours, about {interruptions} times over the run. Each failure costs "
        "the restart ({restart} s, reading the {ckpt} checkpoint back included) and the work since the "
        "last checkpoint; checkpoints every {interval} s of training (the Young–Daly interval) take "
        "{ckpt_s} s each. With {planned} of the time for planned work (evaluation, maintenance, stage "
        "switches), the run keeps {ettr} of its calendar time (the effective training-time ratio): "
        "{days} days and {hours} card-hours end to end. The budget, the card-hours and the days quoted "
        "in this proposal are these end-to-end figures.",
        "仅按单步时间计，训练需 {step_days} 天。同步训练作业中 {cards} 张卡任何一张故障都会中断整个作业："
        "按每卡时 {rate} 次中断（Llama 3：16,384 张 H100 上 54 天内 419 次），约每 {mtbf} 小时中断一次，"
        "全程约 {interruptions} 次。每次故障损失重启时间（{restart} 秒，含读回 {ckpt} 的检查点）以及自上次"
        "检查点以来的计算；每训练 {interval} 秒写一次检查点（Young–Daly 最优间隔），每次 {ckpt_s} 秒。"
        "再计入 {planned} 的计划内开销（评测、维护、阶段切换），有效训练时间比为 {ettr}：端到端 {days} 天、"
        "{hours} 卡时。本方案中的预算、卡时与工期均为端到端数字。",
    ),
    "plan_title": ("Parallel layout from the step-time model", "单步时间模型给出的并行布局"),
    "plan_intro_search": (
        "The scenario leaves the layout or the MFU open, so the layout planner searched every valid "
        "layout of {cards} cards for a global batch of {batch} sequences: {evaluated} layouts were "
        "evaluated, {fitting} fit in memory ({seconds}\u00a0s). The {shown} fastest:",
        "场景未指定并行布局或 MFU，因此布局规划器在 {cards} 张卡、全局批量 {batch} 条序列下搜索了全部"
        "合法布局：共评估 {evaluated} 种，其中 {fitting} 种显存可容纳（用时 {seconds} 秒）。最快的 {shown} 种：",
    ),
    "plan_intro_fixed": (
        "The scenario fixes the layout but not the MFU, so the step-time model predicted the step of "
        "that layout ({cards} cards, global batch {batch} sequences):",
        "场景给定了并行布局但未给定 MFU，因此由单步时间模型预测该布局（{cards} 张卡，全局批量 {batch} "
        "条序列）的单步时间：",
    ),
    "plan_uses_layout_mfu": (
        "This proposal uses the first layout ({layout}) and its predicted MFU of "
        "{mfu} in every section.",
        "本方案各章节均采用第一种布局（{layout}）及其预测 MFU {mfu}。",
    ),
    "plan_uses_layout": (
        "This proposal uses the first layout ({layout}) in every section; the "
        "training time uses the scenario's MFU of {mfu}.",
        "本方案各章节均采用第一种布局（{layout}）；训练时间按场景给定的 MFU {mfu} 计算。",
    ),
    "plan_ep_note": (
        "Expert parallelism (EP {ep}): each card holds {per_card} of the {experts} routed experts of every MoE layer "
        "({params} expert parameters per card), so the experts' weights and optimizer states are split {ep} ways "
        "and a token is sent to the cards that hold its experts and back. The all-to-all of an EP group of {group} "
        "cards runs {where}: {a2a} s per step, {hidden} of it assumed hidden under computation ({exposed} s exposed, "
        "{share} of the step). The planner ranked this layout first of those that fit: a smaller EP holds more "
        "experts per card and leaves less memory for activations; a larger one sends the all-to-all across more "
        "servers.",
        "专家并行（EP {ep}）：每张卡持有每个 MoE 层 {experts} 个路由专家中的 {per_card} 个（每卡专家参数 {params}），"
        "专家的权重与优化器状态因此按 {ep} 份切分，每个 token 被发往持有其专家的卡并返回。一个 EP 组（{group} 张卡）"
        "的 all-to-all {where}：每步 {a2a} 秒，其中假定 {hidden} 被计算掩盖（暴露 {exposed} 秒，占单步 {share}）。"
        "规划器在可容纳的布局中把该布局排在首位：EP 更小，每卡持有的专家更多、留给激活值的显存更少；EP 更大，"
        "all-to-all 要跨越更多服务器。",
    ),
    "plan_ep_within": ("within a server, over its card-to-card links", "在一台服务器内经卡间互联完成"),
    "plan_ep_across": ("across {servers} servers over the scale-out network",
                       "跨 {servers} 台服务器经横向扩展网络完成"),
    "plan_uses_mfu": (
        "This proposal uses the predicted MFU of {mfu} for the training time.",
        "本方案的训练时间采用预测 MFU {mfu}。",
    ),
    "plan_col_mb": ("Micro-batch", "微批"),
    "plan_col_v": ("Virtual stages", "虚拟级"),
    "plan_col_rc": ("Recompute", "重计算"),
    "plan_col_step": ("Step (s)", "单步（秒）"),
    "plan_col_mfu": ("MFU", "MFU"),
    "plan_col_mem": ("GB/card", "每卡 GB"),
    "plan_legend": (
        "Ranked by the job's time per sequence: each layout rounds the global batch to a whole number of "
        "micro-batches per replica. Virtual stages: interleaved pipeline stages per card, which may hold unequal "
        "numbers of layers (the largest sets the bubble). MFU on this proposal's FLOP count. Memory per card "
        "is the step-time model's (it includes communication buffers and the interleaved schedule), so it "
        "can differ from the memory plan's grid in section 4.",
        "按整个作业每条序列的时间排名：各布局将全局批量取整为每个副本整数个微批。虚拟级：每卡承担的交错流水线级数，"
        "各级层数可以不等（最大的一级决定气泡）。MFU 按本方案的计算量折算。每卡显存为单步时间模型的结果（含通信缓冲区"
        "与交错调度），因此可能与第 4 节的显存表不同。",
    ),
    "bd_title": ("Step time of the planned layout", "规划布局的单步时间构成"),
    "bd_part": ("Part of the step", "组成部分"),
    "bd_seconds": ("Seconds", "秒"),
    "bd_share": ("Share", "占比"),
    "bd_total": ("Step time", "单步时间"),
    "bd_compute": ("Compute (forward and backward)", "计算（前向与反向）"),
    "bd_recompute": ("Recomputation", "重计算"),
    "bd_bubble": ("Pipeline bubble", "流水线气泡"),
    "bd_p2p": ("Pipeline point-to-point transfers", "流水线点对点传输"),
    "bd_tp": ("Tensor-parallel communication, exposed", "张量并行通信（未被掩盖部分）"),
    "bd_dp": ("Data-parallel gradient reduction, exposed", "数据并行梯度归约（未被掩盖部分）"),
    "bd_optimizer": ("Optimizer step", "优化器更新"),
    "bd_offload": ("Optimizer-state offload traffic", "优化器状态卸载传输"),
    "bd_cp": ("Context-parallel K/V exchange, exposed", "上下文并行 K/V 交换（未被掩盖部分）"),
    "bd_offload_blocks": ("Weight and activation offload transfers, exposed", "权重与激活值卸载传输（未被掩盖部分）"),
    "bd_ep": ("Expert all-to-all (dispatch and combine), exposed", "专家并行 all-to-all（分发与合并，未被掩盖部分）"),
    "bd_straggler": ("Stragglers and jitter across the servers (step × {factor})",
                     "各服务器间的掉队与抖动（单步 × {factor}）"),
    "plan_col_batch": ("Global batch", "全局批量"),
    "plan_col_offload": ("Offloaded", "卸载"),
    "off_weights": ("weights", "权重"),
    "off_activations": ("activations", "激活值"),
    "off_optimizer": ("optimizer", "优化器"),
    "off_none": ("—", "—"),
    "plan_offload_note": (
        "Offloaded: kept in the card's host-memory tier ({tier} GB at {bw} GB/s per direction) and streamed "
        "back block by block while other blocks compute (Calculon, seed 004); only transfers longer than "
        "that compute add time.",
        "卸载：保存在加速卡的主机内存层（{tier} GB，单向 {bw} GB/s），在其他 Transformer 块计算时逐块传回"
        "（Calculon，seed 004）；仅当传输时间超过这段计算时间时才增加耗时。",
    ),
    "plan_cp_note": (
        "CP: context parallelism; each card holds 1/CP of every sequence and exchanges keys and values with "
        "the other cards of its group while the attention runs (Megatron-Core; Llama 3 used CP 16 for 128K tokens).",
        "CP：上下文并行；每张卡持有每条序列的 1/CP，并在注意力计算的同时与组内其他卡交换键值（Megatron-Core；"
        "Llama 3 在 128K 上下文下采用 CP 16）。",
    ),
    "plan_stack_flash": (
        "Training stack assumed: fused (flash) attention, software {software} ({eff} of the reference "
        "kernel throughput). The kernel constants are fitted on published runs on A100, H100 and 910B (the "
        "calibration runs); the accuracy below is measured on runs never used to fit them.",
        "假定的训练条件：融合注意力（FlashAttention）；软件栈：{software}，内核吞吐为参考值的 {eff}。"
        "内核常数以 A100、H100 与 910B 上的公开实测（校准集）拟合；以下精度来自从未用于拟合的实测。",
    ),
    "plan_stack_unfused": (
        "Training stack assumed: unfused attention, software {software} ({eff} of the reference kernel "
        "throughput). The kernel constants are fitted on published runs on A100, H100 and 910B (the "
        "calibration runs); the accuracy below is measured on runs never used to fit them.",
        "假定的训练条件：非融合注意力；软件栈：{software}，内核吞吐为参考值的 {eff}。"
        "内核常数以 A100、H100 与 910B 上的公开实测（校准集）拟合；以下精度来自从未用于拟合的实测。",
    ),
    "plan_accuracy_moe": (
        "This is a mixture-of-experts model: on the {n} held-out MoE step-time runs (every pre-registered MoE set, "
        "xlcompute validate) the predicted step time is off by {held} on average (at most {held_max}), far "
        "more than on dense models; treat its MFU as a rough planning figure.",
        "本方案为混合专家（MoE）模型：在 {n} 个留出的 MoE 单步时间实测上（所有预登记的 MoE 实测集，xlcompute validate），"
        "预测单步时间的平均误差为 {held}（最大 {held_max}），远大于稠密模型；其 MFU 只宜作粗略的规划值。",
    ),
    "plan_accuracy": (
        "Accuracy: on {n_held} published training runs never used to fit the model (held out), the "
        "predicted step time is off by {held} on average (at most {held_max}); on the {n_cal} runs it was "
        "fitted on (calibration) by {cal}, the {n_first} of its first fit by {first}. The {n_blind} runs predicted "
        "blind, after being written down, are off by {blind}. Appendix B lists every run and what weakens the figure.",
        "准确度：在 {n_held} 个未参与模型拟合的公开训练实测（留出数据）上，预测单步时间的平均绝对误差为 "
        "{held}（最大 {held_max}）；在参与拟合的 {n_cal} 个实测（校准数据）上为 {cal}，其中首次拟合的 {n_first} 个为 "
        "{first}。先登记、后盲测的 {n_blind} 个实测误差为 {blind}。附录 B 列出全部实测及该数字的局限。",
    ),
    "plan_accuracy_card_cal": (
        " The {n} runs on these cards that the model was fitted on are off by {abs} on average.",
        "该卡上参与拟合的 {n} 个实测平均绝对误差为 {abs}。",
    ),
    "plan_accuracy_card": (
        "On {card} cards, {n} held-out runs: off by {abs} on average, the predicted step time too {dir} by {mag} "
        "on average.",
        "在{card}卡上的 {n} 个留出实测：平均绝对误差 {abs}，预测单步时间平均偏{dir} {mag}。",
    ),
    "plan_accuracy_card_fitted": (
        "No held-out run was measured on {card} cards: the {n} runs on them calibrate its kernel constant, so they "
        "do not test it.",
        "尚无在{card}卡上测得的留出实测：该卡上的 {n} 个实测用于校准其算子常数，不能检验它。",
    ),
    "plan_accuracy_microbatches": (
        "Each data-parallel replica of this plan runs {m} micro-batches per step; on the {n} held-out runs whose "
        "replicas ran {few_max} or fewer, the model was off by {few} on average, against {many} where they ran more "
        "than {many_min}: the per-step time outside the micro-batches is what it models least surely.",
        "本方案每个数据并行副本每步运行 {m} 个微批次；在副本每步运行不超过 {few_max} 个微批次的 {n} 个留出实测上，模型平均误差为 "
        "{few}，而超过 {many_min} 个微批次时为 {many}：微批次之外的每步时间是模型最不确定的部分。",
    ),
    "plan_accuracy_no_card": (
        "No training run in the validation was measured on {card} cards: its figures rest on runs on other cards.",
        "验证数据中没有在{card}卡上测得的训练实测：其数字依据其他加速卡上的实测。",
    ),
    "sens_title": ("Training days by card count and MFU", "不同卡数与 MFU 下的训练天数"),
    "sens_note": (
        "Training days end to end. Rows: card count (the layout's TP × CP × PP kept, whole replicas; failures "
        "grow with the cards); columns: MFU. The highlighted cell is this scenario. The last column is the "
        "total {years}-year budget for that card count at the scenario's prices.",
        "端到端训练天数。行：卡数（保持本布局的 TP × CP × PP，整数个副本；故障随卡数增加）；列：MFU。高亮单元格为本场景。"
        "最后一列为该卡数按本场景价格计算的 {years} 年总预算。",
    ),
    "sens_cards": ("Cards", "卡数"),
    "sens_budget": ("Budget", "总预算"),
    "chart_days_title": ("Training time versus card count", "训练时间与卡数的关系"),
    "chart_days_x": ("Accelerator cards (log scale)", "加速卡数量（对数刻度）"),
    "chart_days_y": ("Training time (days)", "训练时间（天）"),
    "chart_days_series": ("MFU {mfu}", "MFU {mfu}"),
    "chart_this_plan": ("this plan", "本方案"),
    "fig": ("Figure {n}", "图 {n}"),
    "tab": ("Table {n}", "表 {n}"),
    # memory
    "memory_intro": (
        "Memory is that of the busiest card, on the first pipeline stage: the parameters, gradients and "
        "optimizer states of its layers and the embedding (split by TP, partitioned by ZeRO over DP), "
        "the activations in flight and the framework's buffers. The table shows each ZeRO stage and "
        "recomputation mode for the planned layout {layout} against {hbm} of HBM.",
        "训练时每卡显存按最繁忙的卡（第一个流水线级）计：其各层与嵌入表的模型状态（参数、梯度与优化器状态，"
        "按张量并行切分，再由 ZeRO 在数据并行副本间分片）、在途微批的激活值，以及框架缓冲区。下表列出规划布局"
        "（{layout}）下各 ZeRO 阶段与重计算方式的每卡显存，并与 {hbm} 显存对比。",
    ),
    "mem_table_title": ("Training memory per card by ZeRO stage and recomputation", "各 ZeRO 阶段与重计算方式下的每卡训练显存"),
    "mem_stage": ("ZeRO stage", "ZeRO 阶段"),
    "mem_states": ("Model states", "模型状态"),
    "mem_buffers": ("Buffers", "缓冲区"),
    "mem_total_rc": ("Total, {mode}", "合计（{mode}）"),
    "mem_activations": ("Activations", "激活值"),
    "rc_none": ("no recompute", "不重计算"),
    "rc_selective": ("selective", "选择性重计算"),
    "rc_full": ("full recompute", "完全重计算"),
    "layout_dualpipe": (", DualPipe schedule", "，DualPipe 调度"),
    "layout_split": (" (first stage {f} layers, last {l}, the others {m})", "（首级 {f} 层，末级 {l} 层，其余各级 {m} 层）"),
    "rc_partial": ("selective, {k} of {n} layers per stage in full", "选择性，每级 {n} 层中 {k} 层完全重计算"),
    "rc_partial_table": ("selective, {k} layers/stage full", "选择性，每级 {k} 层完全"),
    "rc_partial_legend": ("partial, {k}/{n} full", "部分：{n} 层中 {k} 层完全重计算"),
    "mem_legend": (
        "Totals = model states + buffers + activations. Buffers: the framework's reserve and communication "
        "buffers (ZeRO-3 adds two layers of prefetched weights). Green: fits in HBM; red: does not fit; "
        "framed: the planned setting. Percentages are shares of HBM.",
        "合计 = 模型状态 + 缓冲区 + 激活值。缓冲区：框架预留与通信缓冲（ZeRO-3 另加预取的两层权重）。"
        "绿色：显存可容纳；红色：超出显存；加框：规划设置。百分比为占单卡显存的比例。",
    ),
    "mem_same_none_selective": (
        "With flash attention, selective recomputation stores what no recomputation stores (the attention "
        "scores it would recompute are never kept), so their columns are equal.",
        "使用 flash attention 时，注意力分数本就不保存，选择性重计算与不重计算保存的激活值相同，两列相等。"),
    "mem_fits": (
        "The planned setting (ZeRO-{stage}, {mode}) needs <strong>{mem}</strong> per card, {share} of "
        "the {hbm} HBM: it fits.",
        "规划设置（ZeRO-{stage}，{mode}）每卡需 <strong>{mem}</strong>，占 {hbm} 显存的 {share}：可以容纳。",
    ),
    "mem_not_fit": (
        "The planned setting (ZeRO-{stage}, {mode}) needs <strong>{mem}</strong> per card, {share} of "
        "the {hbm} HBM: it does <strong>not</strong> fit.",
        "规划设置（ZeRO-{stage}，{mode}）每卡需 <strong>{mem}</strong>，占 {hbm} 显存的 {share}："
        "<strong>无法</strong>容纳。",
    ),
    "mem_alternative": (
        "The fastest setting that fits with this layout is ZeRO-{stage} with {mode}: {mem} per card ({share}).",
        "在该布局下能装入显存的最快设置为 ZeRO-{stage} 加{mode}：每卡 {mem}（{share}）。",
    ),
    "mem_none_fits": (
        "No ZeRO stage and recomputation mode fits with this layout; increase tensor or pipeline "
        "parallelism, or choose cards with more memory.",
        "该布局下没有任何 ZeRO 阶段与重计算组合能够容纳；请增大张量或流水线并行度，或选用显存更大的加速卡。",
    ),
    "chart_mem_title": ("Training memory per card against HBM", "每卡训练显存与显存容量对比"),
    "chart_mem_x": ("ZeRO stage", "ZeRO 阶段"),
    "chart_mem_y": ("Memory per card (GB)", "每卡显存（GB）"),
    "chart_hbm": ("HBM {hbm}", "显存 {hbm}"),
    "mem_details": ("Memory figures of the planned setting", "规划设置的显存数据"),
    # network
    "network_intro": (
        "Per optimizer step, data parallelism reduces the gradients, tensor parallelism all-reduces "
        "activations in every layer and pipeline parallelism sends activations between stages. A "
        "group uses the intra-server link when it stays inside a server, else the scale-out network. "
        "The figures are the step-time model's: bytes each card sends, the time before any overlap "
        "with computation, and the time left exposed after it. The bandwidth is the effective one per card: the "
        "link's rate at the share a large collective reaches, and a data-parallel ring across servers uses the "
        "NICs of all its ranks on a server (at most the intra-server link's).",
        "每个优化器步内，数据并行归约梯度，张量并行在每层对激活值做 all-reduce，流水线并行在各级之间传递"
        "激活值。通信组位于一台服务器内时使用服务器内互联，否则使用服务器间网络。数值来自单步时间模型："
        "每卡发送的字节数、与计算重叠前的时间，以及重叠后仍暴露的时间。带宽为每卡有效带宽：链路速率乘以大规模"
        "集合通信可达到的比例；跨服务器的数据并行环可同时使用该环在同一台服务器上各张卡的网卡（合计不超过服务器内"
        "互联带宽）。",
    ),
    "net_kind": ("Traffic", "通信类型"),
    "net_link": ("Link", "链路"),
    "net_bandwidth": ("Effective bandwidth per card", "每卡有效带宽"),
    "net_bytes": ("Volume per step", "每步通信量"),
    "net_seconds": ("Time per step", "每步时间"),
    "net_exposed": ("Exposed", "暴露时间"),
    "net_dp": ("Data parallel (gradients)", "数据并行（梯度）"),
    "net_tp": ("Tensor parallel (activations)", "张量并行（激活值）"),
    "net_pp": ("Pipeline (stage boundaries)", "流水线（级间）"),
    "net_cp": ("Context parallel (keys and values)", "上下文并行（键值）"),
    "net_ep": ("Expert parallel (all-to-all dispatch and combine)", "专家并行（all-to-all 分发与合并）"),
    "link_inter": ("scale-out network", "服务器间网络"),
    "link_intra": ("intra-server link", "服务器内互联"),
    "net_summary": (
        "Communication takes {total} s per step before overlap; {comm} s of it stays exposed, {share} of "
        "the predicted {step} s step.",
        "每步通信在重叠前共 {total} 秒；其中 {comm} 秒无法被计算掩盖，占预测每步时间 {step} 秒的 {share}。",
    ),
    # serving
    "serving_intro": (
        "{users} concurrent users each sending a request of {tokens} tokens ({output} of them generated) every "
        "{seconds} s make {rate} requests/s, {demand} tokens/s. The inference step model (prefill compute-bound, "
        "decode reading the weights and every sequence's KV cache, continuous batching; efficiencies fitted on "
        "published TensorRT-LLM, LMDeploy, gpt-fast and NIM measurements) sizes the fleet for a first token within {ttft_target} s and "
        "{tpot_target} s per output token: replicas of {tp} × {pp} cards decoding {batch} sequences together, "
        "{replicas} of them, {need} cards, give a first token in {ttft} s and {tpot} s per token, serving "
        "{capacity} tokens/s. Seed 000's FLOP count (eq. 11) would give {seed} cards at the cards' peak ({flops} in "
        "whole replicas at the scenario's {util} of peak); it ignores memory bandwidth and the KV cache, so it is "
        "shown for comparison only.",
        "{users} 个并发用户每 {seconds} 秒各发出一次 {tokens} 个 token 的请求（其中生成 {output} 个），即每秒 {rate} "
        "次请求、{demand} token/秒。推理单步模型（预填充受算力限制；解码读取权重与每条序列的 KV 缓存；连续批处理；"
        "效率按公开的 TensorRT-LLM、LMDeploy、gpt-fast 与 NIM 实测拟合）按首 token 时延不超过 {ttft_target} 秒、每输出 token 不超过 "
        "{tpot_target} 秒测算：每副本 {tp} × {pp} 张卡、同时解码 {batch} 条序列，共 {replicas} 个副本、{need} 张卡，"
        "首 token 时延 {ttft} 秒、每 token {tpot} 秒，可服务 {capacity} token/秒。只按算力估算的公式"
        "（卡数 = 用户数 × 每次请求计算量 ÷ 单卡峰值算力 ÷ 请求时长）按峰值得 {seed} 张卡"
        "（按场景的 {util} 峰值利用率、整副本计为 {flops} 张）；它忽略显存带宽与 KV 缓存，仅作对照。",
    ),
    # budget
    "budget_intro": (
        "Capital expenditure buys the servers with their cards, the scale-out network, storage and the "
        "fit-out for the IT load; operating cost is electricity at the planned utilisation (busy cards at full "
        "power, idle ones at idle power), maintenance and support, colocation and staff. Prices not given by "
        "the scenario are planning assumptions of its currency (catalog prices.yaml); replace them with quotes.",
        "资本支出包括服务器（含加速卡）、服务器间网络、存储以及按 IT 负载的机房改造；运营成本包括按计划利用率计的"
        "电费（忙碌卡满功率，空闲卡按空闲功率）、维护与支持、托管费与人员成本。场景未给出的价格取其币种的规划假设"
        "（目录 prices.yaml），应以实际报价替换。",
    ),
    "capex": ("Capital expenditure", "资本支出"),
    # bill of materials (issue 13 part 3)
    "bom_title": ("Bill of materials", "物料清单"),
    "bom_item": ("Item", "项目"),
    "bom_count": ("Count", "数量"),
    "bom_price": ("Unit price", "单价"),
    "bom_total": ("Total", "金额"),
    "bom_source": ("Source", "来源"),
    "bom_servers": ("Servers with their cards", "服务器（含加速卡）"),
    "bom_network_quote": ("Scale-out network (quote per server)", "服务器间网络（每台服务器报价）"),
    "bom_nics": ("Scale-out NICs, {gbps} Gbit/s, one per card", "计算网络网卡，{gbps} Gbit/s，每卡一块"),
    "bom_leaf": ("leaf", "叶"),
    "bom_spine": ("spine", "脊"),
    "bom_core": ("core", "核心"),
    "bom_switches": ("Switches, {ports} ports ({parts})", "交换机，{ports} 端口（{parts}）"),
    "bom_transceivers": ("Optical transceivers, two per link", "光模块，每条链路两个"),
    "bom_cables": ("Fibre cables, one per link", "光纤线缆，每条链路一根"),
    "bom_storage": ("Storage capacity", "存储容量"),
    "bom_storage_quote": ("Storage (quote)", "存储（报价）"),
    "bom_storage_rule": ("the larger of this run's own need (checkpoints kept and training data: {need} TB) and "
                         "{per_card} TB per card ({src})",
                         "取本次训练自身所需（保留的检查点与训练数据：{need} TB）与每卡 {per_card} TB（{src}）两者中的较大者"),
    "bom_facility": ("Facility fit-out per kW of IT load", "机房改造（按 IT 负载每 kW）"),
    "bom_tiers_0": ("no scale-out fabric (one server)", "无需服务器间网络（单台服务器）"),
    "bom_tiers_1": ("one switch holds every NIC", "单台交换机连接全部网卡"),
    "bom_tiers_2": ("a rail-optimised two-tier (leaf-spine) fat tree, non-blocking",
                    "轨道优化的两层（叶-脊）胖树，无阻塞"),
    "bom_tiers_3": ("a rail-optimised three-tier fat tree (leaf, spine, core)", "轨道优化的三层胖树（叶、脊、核心）"),
    "bom_note": (
        "Fabric: {fabric}. Racks: {racks} racks of {kw} kW, {per_rack} servers each (a server is not split "
        "across racks). Facility power: {it}\u00a0kW IT × PUE\u00a0{pue} = {mw}\u00a0MW.",
        "网络：{fabric}。机柜：{racks} 个 {kw}\u00a0kW 机柜，每柜 {per_rack} 台服务器（服务器不跨机柜）。"
        "设施总功率：IT\u00a0{it}\u00a0kW × PUE\u00a0{pue} = {mw}\u00a0MW。",
    ),
    "bom_what_network": ("the scale-out network", "服务器间网络"),
    "bom_what_storage": ("storage", "存储"),
    "bom_quote_bill": ("The scenario's quote replaces the bill for {what}; counted bottom-up it would be {bill}.",
                       "{what}采用场景给出的报价；按物料清单计算为 {bill}。"),
    "opex": ("Operating cost per year", "每年运营成本"),
    "capex_servers_row": ("Servers: {servers} × {price}", "服务器：{servers} 台 × {price}"),
    "capex_network_row": ("Network: {servers} × {price}", "网络：{servers} 台 × {price}"),
    "capex_network_bom": ("Network: NICs, switches, optics and cables for {links} links (bill of materials)",
                          "网络：网卡、交换机、光模块与 {links} 条链路的线缆（物料清单）"),
    "capex_storage_row": ("Storage", "存储"),
    "capex_facility_row": ("Facility: {kw} kW × {price}", "机房：{kw} kW × {price}"),
    "opex_power_row": ("Electricity: {kw} kW IT × PUE {pue} × {load} average power ({util} busy, idle at {idle}) "
                       "× {price}/kWh",
                       "电费：IT {kw} kW × PUE {pue} × 平均功率 {load}（利用率 {util}，空闲 {idle}）× {price}/kWh"),
    "opex_maintenance_row": ("Maintenance and support: {share} of capex", "维护与支持：资本支出的 {share}"),
    "opex_space_row": ("Colocation: {racks} racks of {kw} kW × {price} × 12 months",
                       "托管：{racks} 个 {kw} kW 机柜 × {price} × 12 个月"),
    "opex_staff_row": ("Staff", "人员"),
    "opex_staff_none": ("Staff (not included in the scenario)", "人员（场景未计入）"),
    "total_row": ("Total", "合计"),
    "cloud_title": ("Cloud rental alternative", "云租赁方案对比"),
    "cloud_text": (
        "Renting {cards} cards around the clock at {price} per card-hour costs {per_year} per year and "
        "{total} over {years} years, against {budget} to own the cluster. Renting only the training run "
        "({hours} card-hours) would cost {train_cost}.",
        "按每卡时 {price} 全天候租用 {cards} 张卡，每年 {per_year}，{years} 年共 {total}；自建为 {budget}。"
        "若仅租用训练所需算力（{hours} 卡·时），成本为 {train_cost}。",
    ),
    "tco_title": ("Total cost by year", "逐年总成本"),
    "tco_year": ("Year", "年份"),
    "tco_capex": ("Capex", "资本支出"),
    "tco_power": ("Electricity", "电费"),
    "tco_staff": ("Staff", "人员"),
    "tco_owned": ("Owned, cumulative", "自建累计"),
    "tco_rent": ("Rented work, cumulative", "租用工作负载累计"),
    "tco_year0": ("Purchase", "采购"),
    "chart_cost_title": ("Cost breakdown over {years} years: owning versus renting",
                         "{years} 年成本构成：自建与租用对比"),
    "chart_cost_x": ("Cost over {years} years ({currency})", "{years} 年成本（{currency}）"),
    "chart_own": ("Own", "自建"),
    "chart_rent": ("Rent", "租用"),
    "cost_servers": ("Servers", "服务器"),
    "cost_network": ("Network", "网络"),
    "cost_storage": ("Storage", "存储"),
    "cost_facility": ("Facility", "机房"),
    "cost_power": ("Electricity", "电费"),
    "cost_staff": ("Staff", "人员"),
    "cost_cloud": ("Cloud rental of the work", "租用工作负载"),
    "cost_maintenance": ("Maintenance", "维护"),
    "cost_space": ("Colocation", "托管"),
    "tco_other": ("Maint. + space", "维护与托管"),
    # alternatives (xlcompute.compare)
    "alt_lead": (
        "The same job ({model}, {tokens} training tokens) on {n} accelerators, each run through the same "
        "estimate with only the card swapped: {cards}, {mfu}, each card priced from the catalog (a server or "
        "rental price the scenario quotes is its own card's, kept for another card only where the catalog has "
        "none; see the notes); budgets over {years} years, training cost at the rental price{serving}.",
        "同一任务（{model}，训练 token 数 {tokens}）在 {n} 种加速卡上的对比，每行只更换加速卡、按同一估算："
        "{cards}，{mfu}，各卡价格取自目录（场景给出的服务器或租赁价格属于场景自身的卡，仅在目录中没有该卡价格时"
        "沿用，见注释）；预算按 {years} 年计，"
        "训练成本按租用价格计{serving}。",
    ),
    # the lead's serving clause, only when the scenario serves (a training-only plan has no serving cost)
    "alt_lead_serving_cost": (", serving cost at the price the cheapest rental option pays for the serving fleet",
                              "，推理成本按最低租用方案下推理集群的价格计"),
    "alt_cards_same": ("{cards} cards each", "每种 {cards} 张卡"),
    "alt_cards_deadline": ("the cards each needs for the {deadline}-day deadline",
                           "各卡满足 {deadline} 天工期所需的卡数"),
    "alt_mfu_same": ("the scenario's MFU of {mfu} on every card (the step-time model's prediction for each card, "
                     "and the days and training cost at it, in brackets)",
                     "各卡均采用场景的 MFU {mfu}（括号内为单步时间模型对各卡的预测，以及按该预测的天数与训练成本）"),
    "alt_mfu_predicted": ("the MFU the step-time model predicts for each card's layout",
                          "MFU 取单步时间模型对各卡并行布局的预测"),
    "alt_col_card": ("Card", "加速卡"),
    "alt_col_cards": ("Cards", "卡数"),
    "alt_col_days": ("Days", "天数"),
    "alt_col_mfu": ("MFU (predicted)", "MFU（预测）"),
    "alt_col_days_predicted": ("Days (predicted MFU)", "天数（预测 MFU）"),
    "alt_col_layout": ("Layout", "并行布局"),
    "alt_col_mem": ("Memory per card", "每卡显存"),
    "alt_col_kw": ("IT power kW", "IT 功率 kW"),
    "alt_col_capex": ("Capex", "资本支出"),
    "alt_col_budget": ("Total budget, {years} years", "总预算（{years} 年）"),
    "alt_col_per_t": ("Training per 10¹² tokens", "训练每万亿 token"),
    "alt_col_per_t_predicted": ("Training per 10¹² tokens (predicted MFU)", "训练每万亿 token（预测 MFU）"),
    "alt_col_per_m": ("Serving per 10⁶ output tokens", "推理每百万输出 token"),
    "alt_col_npv_own": ("PV own", "自建成本现值"),
    "alt_col_npv_rent": ("PV rent", "租用成本现值"),
    "alt_mem": ("{mem} of {hbm} GB", "{mem} / {hbm} GB"),
    "alt_mem_no_fit": ("(does not fit)", "（放不下）"),
    "alt_cannot_run": ("{card} cannot run the job: {reason}", "{card} 无法运行该任务：{reason}。"),
    "alt_note": ("{card}: {note}", "{card}：{note}"),
    "alt_notes_title": ("Notes", "注释"),
    "alt_none": ("None of the cards compared can run the job.", "所比较的加速卡均无法运行该任务。"),
    "alt_unavailable": ("The comparison could not be made: {reason}", "无法进行对比：{reason}"),
    "alt_chart_title": ("Training cost per 10¹² tokens at the rental price, by card",
                        "各加速卡按租用价格计的每万亿 token 训练成本"),
    "alt_chart_title_predicted": (
        "Training cost per 10¹² tokens at the rental price and each card's predicted MFU, by card",
        "各加速卡按租用价格与其预测 MFU 计的每万亿 token 训练成本"),
    "alt_chart_x": ("Training cost per 10¹² tokens ({currency})", "每万亿 token 训练成本（{currency}）"),
    # risks
    "risks_intro": (
        "The risks below are derived from the figures of this estimate; severity reflects their effect "
        "on schedule and budget.",
        "以下风险由本估算的数据推导得出；严重程度反映其对工期和预算的影响。",
    ),
    "risk_col_severity": ("Severity", "严重程度"),
    "risk_col_risk": ("Risk", "风险"),
    "risk_col_mitigation": ("Mitigation", "应对措施"),
    "sev_high": ("High", "高"),
    "sev_medium": ("Medium", "中"),
    "sev_low": ("Low", "低"),
    "risk_mem_nofit": (
        "Training does not fit in memory: {mem} per card against {hbm} of HBM.",
        "训练显存不足：每卡需 {mem}，显存仅 {hbm}。",
    ),
    "risk_mem_tight": (
        "Thin memory headroom: training uses {share} of HBM ({mem} of {hbm}); fragmentation and "
        "framework buffers may not fit.",
        "显存余量不足：训练占用 {share} 显存（{hbm} 中的 {mem}），内存碎片与框架缓冲区可能放不下。",
    ),
    "mem_rc_none": ("no recomputation", "不重计算"),
    "mem_rc_selective": ("selective recomputation", "选择性重计算"),
    "mem_rc_full": ("full recomputation", "完全重计算"),
    "mem_rc_partial": ("selective recomputation with {k} layers per stage in full", "选择性重计算（每级 {k} 层完全重计算）"),
    "mit_mem_roomier": (
        "Among the planner's layouts, {layout} with micro-batch {mb}, {recompute} and ZeRO-{zero} (rank {rank}) uses "
        "{share} of HBM ({mem}), its time per sequence {slower} longer. Or use a higher ZeRO stage or full "
        "recomputation (see the memory plan).",
        "规划器给出的布局中，{layout}、微批次 {mb}、{recompute}、ZeRO-{zero}（第 {rank} 名）占用 {share} 显存（{mem}），"
        "每序列时间长 {slower}。或提高 ZeRO 阶段、采用完全重计算（见显存规划）。",
    ),
    "mit_mem": (
        "Use a higher ZeRO stage or recompute more of each stage's layers in full (training.recompute_layers, or "
        "recompute: full), or increase tensor/pipeline parallelism (see the memory plan).",
        "提高 ZeRO 阶段或让每个流水线级完全重计算更多层（training.recompute_layers，或 recompute: full），"
        "或增大张量/流水线并行度（见显存规划）。",
    ),
    "mit_mem_reserve": (
        "To have the planner keep more of each card free, raise the memory reserve per card "
        "(cluster.memory_reserve_gb, {reserve} GB now).",
        "如需规划器在每卡保留更多显存，请提高每卡预留显存（cluster.memory_reserve_gb，当前 {reserve} GB）。",
    ),
    "risk_mfu_high": (
        "The assumed MFU of {mfu} is above published large-scale results ({low}–{high}); at {alt_mfu} "
        "the run would take {alt_days} days instead of {days}.",
        "假设的 MFU {mfu} 高于公开的大规模训练结果（{low}–{high}）；若为 {alt_mfu}，训练需 {alt_days} 天"
        "而非 {days} 天。",
    ),
    "risk_mfu_ok": (
        "The assumed MFU of {mfu} is within published large-scale results ({low}–{high}) but not yet "
        "measured on this cluster; at {alt_mfu} the run would take {alt_days} days instead of {days}.",
        "假设的 MFU {mfu} 处于公开的大规模训练结果范围内（{low}–{high}），但尚未在本集群上实测；"
        "若为 {alt_mfu}，训练需 {alt_days} 天而非 {days} 天。",
    ),
    "risk_mfu_predicted": (
        "The MFU of {mfu} is predicted by the step-time model, whose held-out error is {held}; it is not "
        "yet measured on this cluster. At {alt_mfu} the run would take {alt_days} days instead of {days}.",
        "MFU {mfu} 由单步时间模型预测（留出误差 {held}），尚未在本集群上实测；若为 {alt_mfu}，训练需 "
        "{alt_days} 天而非 {days} 天。",
    ),
    "mit_mfu": (
        "Measure MFU in a pilot on a few servers before the full purchase; the sensitivity table gives the schedule for other values.",
        "在全量采购前用少量服务器试运行实测 MFU；敏感性分析表给出了其他取值下的工期。",
    ),
    "risk_deadline": (
        "The run takes {days} days on {cards} cards{conf}, {slip} days past the {deadline}-day deadline.",
        "在 {cards} 张卡上训练需 {days} 天{conf}，超出 {deadline} 天的截止期限 {slip} 天。",
    ),
    "risk_deadline_chance": (
        "The estimate meets the {deadline}-day deadline, but only {chance} of the range's draws do (P90 {p90} "
        "days): the MFU the plan rests on is uncertain.",
        "估算工期可满足 {deadline} 天的截止期限，但区间抽样中仅 {chance} 按期完成（P90 为 {p90} 天）：方案所依据的 MFU "
        "并不确定。",
    ),
    "mit_deadline_chance": (
        "Sized so that {q} of the MFU range finishes in time, the cluster is {need} cards ({servers} servers; "
        "estimated {days} days); or confirm the MFU in a pilot run before committing.",
        "若按 {q} 的置信度满足期限配置集群，需 {need} 张卡（{servers} 台服务器；估算工期 {days} 天）；或在承诺前用"
        "试运行确认 MFU。",
    ),
    "mit_deadline_chance_none": (
        "No cluster size finishes in time at {q} confidence; move the deadline, or confirm the MFU in a pilot run.",
        "没有集群规模能以 {q} 的置信度按期完成；请推迟期限，或用试运行确认 MFU。",
    ),
    "risk_conf": (" ({run} days at {q} confidence)", "（置信度 {q} 时为 {run} 天）"),
    "mit_deadline": (
        "At the same MFU and ETTR, {need} cards ({servers} servers) meet the deadline; or move the "
        "deadline, or train on fewer tokens.",
        "在相同 MFU 与 ETTR 下，{need} 张卡（{servers} 台服务器）可按期完成；或推迟期限、减少训练 token。",
    ),
    "mit_deadline_unreachable": (
        "No cluster the deadline sizing tried meets the deadline: move it, or train on fewer tokens.",
        "按期限配置集群时，试算过的卡数均无法按期完成：请推迟期限，或减少训练 token。",
    ),
    "mit_deadline_planned": (
        "{need} cards ({servers} servers) meet the deadline, planned at that count ({days} days); or move the "
        "deadline, or train on fewer tokens.",
        "{need} 张卡（{servers} 台服务器）按此卡数重新规划布局后需 {days} 天，可按期完成；或推迟期限、减少训练 token。",
    ),
    "risk_quarter": (
        "The run takes {days} days, longer than a quarter ({quarter} days), and no deadline is set.",
        "训练需 {days} 天，超过一个季度（{quarter} 天），且未设定截止期限。",
    ),
    "mit_quarter": (
        "At the same MFU and ETTR, {need} cards finish in {quarter} days; set training.deadline_days "
        "to plan the cluster for a date.",
        "在相同 MFU 与 ETTR 下，{need} 张卡可在 {quarter} 天内完成；设定 training.deadline_days 可按日期规划集群。",
    ),
    "mit_quarter_planned": (
        "{need} cards finish in {days} days, planned at that count; set training.deadline_days to plan the "
        "cluster for a date.",
        "{need} 张卡按此卡数重新规划布局后需 {days} 天；设定 training.deadline_days 可按日期规划集群。",
    ),
    "risk_mfu_gap": (
        "The plan assumes an MFU of {mfu}; the step-time model predicts {predicted} for this layout. At the "
        "predicted MFU the run takes {pdays} days instead of {days}, and {pcost} instead of {cost} at rental "
        "prices.",
        "方案假设 MFU 为 {mfu}，而单步时间模型对该布局的预测为 {predicted}。按预测 MFU，训练需 {pdays} 天"
        "而非 {days} 天，按租赁价计成本为 {pcost}，而非 {cost}。",
    ),
    "risk_layout_given": (
        "The scenario fixes its layout, {given}, predicted at {days} days and {mfu} MFU ({cost} at rental "
        "prices). The layout planner's best for the same model, cards, batch and software, {best}, is "
        "predicted at {best_days} days and {best_mfu} MFU ({best_cost}): the given layout takes {slower} longer.",
        "场景固定了并行布局 {given}，预测训练需 {days} 天，MFU {mfu}（按租赁价 {cost}）。布局规划器在相同"
        "模型、卡数、批大小与软件下的最佳布局 {best} 预测需 {best_days} 天，MFU {best_mfu}（{best_cost}）：给定布局"
        "多用 {slower} 的时间。",
    ),
    "mit_layout_given": (
        "Ask the training team what the given layout rests on: a measurement of it on this model and cluster "
        "outranks the prediction; without one, plan on the planner's layout (xlcompute plan ranks the layouts) or "
        "budget for the longer run.",
        "请训练团队说明给定布局的依据：该布局在本模型与集群上的实测优先于预测；若无实测，按规划器的布局规划"
        "（xlcompute plan 列出布局排名），或按更长的训练时间编列预算。",
    ),
    "risk_unofficial": (
        "Catalog figures for {names} are unofficial (press or third-party figures, not a vendor document).",
        "{names} 的目录数据为非官方数据（来自媒体或第三方，而非厂商文档）。",
    ),
    "mit_unofficial": (
        "Obtain the vendor's datasheet or a benchmark on the delivered hardware and re-run the estimate.",
        "获取厂商数据手册或在到货硬件上实测，并重新估算。",
    ),
    "risk_widened": (
        "No layout the validation covers (ZeRO-0/1, nothing offloaded) fits {cards} cards: the plan uses ZeRO-{zero}"
        "{offload}, which no validated run uses; its step time is the model's extrapolation.",
        "在已验证的布局范围（ZeRO-0/1、不卸载）内，{cards} 张卡放不下该模型：本方案采用 ZeRO-{zero}{offload}，"
        "没有经验证的实测覆盖，单步时间为模型外推。",
    ),
    "risk_widened_offload": (" with {kinds} in host memory", "，并将{kinds}卸载到主机内存"),
    "risk_off_optimizer": ("optimizer states", "优化器状态"),
    "risk_off_weights": ("weights", "权重"),
    "risk_off_activations": ("activations", "激活"),
    "risk_list_sep": (", ", "、"),
    "mit_widened": (
        "Add cards or choose a card with more memory to stay within validated layouts, or measure the offloaded "
        "step on a pilot before committing.",
        "增加卡数或选用显存更大的卡以留在已验证的布局内，或在试点上实测卸载后的单步时间再做决定。",
    ),
    "risk_tdp_assumed": (
        "{accelerator} has no published power figure: the energy and power costs assume {watts} W per card, "
        "{ref}'s watts per peak FLOP.",
        "{accelerator} 没有公开的功耗数据：电费与功耗成本按每卡 {watts} W 假设（按 {ref} 的每峰值 FLOP 功耗）。",
    ),
    "mit_tdp_assumed": (
        "Ask the vendor for the board power (or measure a delivered server) and set cluster.tdp_w.",
        "向厂商索取板卡功耗（或实测到货服务器），并设置 cluster.tdp_w。",
    ),
    "risk_borrowed_kernel": (
        "The step-time kernel constants for {accelerator} are {profile}'s, not measured on {generation}: on {n} "
        "held-out {generation} training runs (xlcompute validate) they predicted step times {mag} too {dir} on "
        "average (mean |error| {abs}). Off by as much, the step-time model's {days} days for this run become about {adj_days} days.",
        "{accelerator} 的单步时间内核常数沿用 {profile} 一代，未在 {generation} 上实测校准：在 {n} 个 {generation} "
        "留出训练实测（xlcompute validate）上，其单步时间预测平均偏{dir} {mag}（平均绝对误差 {abs}）。若本次偏差相同，"
        "单步时间模型预测的 {days} 天约为 {adj_days} 天。",
    ),
    "risk_card_bias": (
        "On {n} held-out training runs measured on {accelerator} cards (xlcompute validate), the step-time model "
        "predicted step times {mag} too {dir} on average (mean |error| {abs}). Off by as much, the step-time model's "
        "{days} days for this run become about {adj_days} days.",
        "在 {n} 个于 {accelerator} 上测得的留出训练实测（xlcompute validate）上，单步时间模型的预测平均偏{dir} {mag}"
        "（平均绝对误差 {abs}）。若本次偏差相同，单步时间模型预测的 {days} 天约为 {adj_days} 天。",
    ),
    "risk_card_e2e": (
        "No step time measured on {accelerator} calibrates the step-time model, and the {n} held-out published "
        "pre-training runs on it (Appendix B) took {times}× the card-hours the tool predicted for them (median). "
        "At that ratio the step-time model's {days} days for this run become about {adj_days} days.",
        "尚无在 {accelerator} 上实测的单步时间校准单步时间模型，而附录 B 中在该卡上的 {n} 个留出公开预训练任务，实际卡时为"
        "本工具预测的 {times} 倍（中位数）。按此比例，单步时间模型预测的 {days} 天约为 {adj_days} 天。",
    ),
    "risk_dir_short": ("short", "短"),
    "risk_dir_long": ("long", "长"),
    "mit_borrowed_kernel": (
        "Measure the step time of this model and layout on a pilot of {accelerator} servers before the full "
        "purchase; until then, plan the schedule and the budget with the slower figure.",
        "全量采购前在少量 {accelerator} 服务器上试运行，实测本模型与布局的单步时间；在此之前按较慢的数字安排工期与预算。",
    ),
    "risk_fp32_assumed": (
        "{accelerator} has no FP32 vector peak in the catalog or the scenario: the int8 / int4 decode speed assumes "
        "{tflops} TFLOP/s ({ref}'s FP32 per byte of memory bandwidth) for dequantising the weights.",
        "{accelerator} 在目录与场景中均没有 FP32 向量峰值：int8 / int4 解码速度按 {tflops} TFLOP/s（按 {ref} 每字节显存带宽的 "
        "FP32 算力）估计权重反量化开销。",
    ),
    "mit_fp32_assumed": (
        "Measure int8 / int4 decode speed on a pilot server (a custom card can give cluster.accelerator.fp32_tflops), "
        "or plan serving in bf16 / fp8.",
        "在试点服务器上实测 int8 / int4 解码速度（自定义加速卡可给出 cluster.accelerator.fp32_tflops），或按 bf16 / fp8 规划推理。",
    ),
    "risk_link_assumed": (
        "{accelerator} has no published intra-server link figure: the step model assumes the scale-out "
        "network per card ({gbs} GB/s), so tensor-parallel traffic may be faster than planned.",
        "{accelerator} 没有公开的服务器内互联数据：单步模型按每卡服务器间网络（{gbs} GB/s）假设，"
        "张量并行通信可能快于规划。",
    ),
    "mit_link_assumed": (
        "Ask the vendor for the intra-server link bandwidth per card and direction and set cluster.intra_node_gbs.",
        "向厂商索取每卡单向服务器内互联带宽，并设置 cluster.intra_node_gbs。",
    ),
    "risk_vendor": (
        "Single-vendor supply: all {cards} cards are {accelerator}; delivery delays, export rules or "
        "price changes affect the whole plan.",
        "单一供应商：全部 {cards} 张卡均为 {accelerator}；交付延迟、出口管制或价格变化将影响整个计划。",
    ),
    "mit_vendor": (
        "Secure delivery dates and prices in the contract, stage the purchase, and keep the cloud-rental "
        "alternative ({rent} per card-hour) as a fallback.",
        "在合同中锁定交付日期与价格，分批采购，并保留云租赁（每卡时 {rent}）作为备选。",
    ),
    # appendix
    "val_shown": (
        "The table below shows {shown} of the {n} runs: the held-out runs nearest this plan (on the plan's own card "
        "first, then on a card of the same generation, then nearest in card count) and the largest held-out miss, "
        "chosen without looking at their errors. Every run, with its full source, is in {file}, attached to the PDF "
        "edition of this proposal: the table <code>xlcompute validate -o</code> writes. The figures per set below "
        "cover every run.",
        "下表列出 {n} 个实测中的 {shown} 个：与本方案最接近的留出实测（先取本方案的加速卡，再取同代加速卡，再按卡数最接近"
        "排序），以及留出数据中误差最大的一个；挑选时不看误差。全部实测及其完整出处见本方案 PDF 版所附的 {file}，"
        "即 <code>xlcompute validate -o</code> 写出的表。下方按数据集的统计涵盖全部实测。",
    ),
    "val_intro": (
        "The step-time model behind the layout planner, checked against {n} published training "
        "step-time measurements on {cards} clusters of {low} to {high} cards, the first from "
        "{system} (the table <code>xlcompute validate</code> prints). "
        "Calibration runs set the model's efficiency constants; held-out runs were never used to fit "
        "them; pre-registered runs were written down, with every assumption, before any prediction; "
        "blind runs were also committed before the model was run on them. Error = predicted step "
        "time ÷ measured − 1, also where a source gives throughput (TFLOP/s per card): a predicted throughput "
        "above the measured one is a step predicted too short, a negative error. Sources are shortened here; the "
        "full references are in "
        "<code>xlcompute/data/validation/</code>.",
        "布局规划器所用的单步时间模型与 {n} 个公开的训练单步时间实测（{cards} 集群，{low} 至 {high} 张卡，"
        "首批来自 {system}）的对比（即 "
        "<code>xlcompute validate</code> 输出的表）。校准数据用于确定模型的效率常数；留出数据从未参与拟合；"
        "预登记数据在任何预测之前连同全部假设一并写定；盲测数据还在模型运行之前即已提交。"
        "误差 = 预测单步时间 ÷ 实测 − 1；来源给出吞吐（每卡 TFLOP/s）时亦然：预测吞吐高于实测，即单步时间预测偏短，"
        "误差为负。此处来源已缩写，完整出处见 <code>xlcompute/data/validation/</code>。",
    ),
    "val_col_id": ("Run", "实测"),
    "val_col_source": ("Source", "来源"),
    "val_col_role": ("Role", "用途"),
    "val_col_measured": ("Measured", "实测值"),
    "val_col_predicted": ("Predicted", "预测值"),
    "val_col_error": ("Error", "误差"),
    "val_role_calibration": ("calibration", "校准"),
    "val_role_held_out": ("held out", "留出"),
    "val_col_set": ("Runs", "数据集"),
    "val_col_n": ("Count", "数量"),
    "val_col_mean": ("Mean |error|", "平均绝对误差"),
    "val_col_max": ("Max |error|", "最大绝对误差"),
    "val_target_met": (
        "Over all {n} held-out runs the predicted step time is off by {held} on average ({held_thr} in "
        "per-card throughput), within the model's 5% target; the {n_blind} blind runs by {blind}. The "
        "original {n_orig} held-out runs, looked at once before a model revision, score {orig}. The "
        "largest miss is {worst} ({worst_error}).",
        "在全部 {n} 个留出实测上，预测单步时间的平均误差为 {held}（单卡吞吐 {held_thr}），达到模型 5% 的"
        "目标；{n_blind} 个盲测实测为 {blind}。最初的 {n_orig} 个留出实测曾在一次模型修订前被查看过，误差为 "
        "{orig}。误差最大的是 {worst}（{worst_error}）。",
    ),
    "val_target_throughput": (
        "Over all {n} held-out runs the predicted per-card throughput is off by {held_thr} on average, "
        "within the model's 5% target; the step time by {held}, just above it. Treat predicted MFU as a "
        "planning figure to confirm in a pilot. The largest miss is {worst} ({worst_error}).",
        "在全部 {n} 个留出实测上，预测的单卡吞吐平均误差为 {held_thr}，达到模型 5% 的目标；单步时间平均误差为 "
        "{held}，略高于目标。预测的 MFU 宜作为规划值，需通过试运行确认。误差最大的是 {worst}（{worst_error}）。",
    ),
    "val_extended": (
        "{excluded} pre-registered runs were excluded before prediction, for features the model lacks "
        "or unpublished conventions (reasons in the data files). {star}The runs {ids} ran on "
        "Megatron-DeepSpeed. As pre-registered, with the Megatron-LM efficiency, the model is {pre} "
        "too fast on them (−17.8%, −21.1% when first predicted). A software-stack efficiency of {eff}, fitted afterwards on a third run of "
        "that stack ({calib}), brings them to {errors}. With every run on the Megatron-LM efficiency the "
        "held-out error is {ref}.",
        "{excluded} 个预登记实测因模型不具备的特性或未公开的口径在预测前被排除（原因见数据文件）。{star}实测 {ids} "
        "使用 Megatron-DeepSpeed。按预登记（采用 Megatron-LM 效率）时模型偏快 {pre}（首次预测时为 −17.8%、−21.1%）；事后在该软件栈的另一次实测"
        "（{calib}）上拟合出软件栈效率 {eff}，误差变为 {errors}。若全部按 Megatron-LM 效率计算，留出误差为 {ref}。",
    ),
    "val_repeats": (
        "{groups} configurations in these sets were measured more than once ({rows} runs with the same model shape, "
        "layout, card count, card and precision). Runs from one published table (one software release, mostly other "
        "clusters) agree within {same} at the median; runs of two releases of one stack differ by {cross} (up to {cross_max}), and the "
        "release is not an input of the model. On those runs one prediction per configuration could at best miss by "
        "{floor} on average; the model misses by {model}.",
        "这些数据集中有 {groups} 个配置被实测了不止一次（共 {rows} 次实测，模型结构、并行布局、卡数、卡型与精度均相同）。"
        "同一张公开表格（同一软件版本，多为不同集群）内的实测中位数相差 {same}；同一软件栈两个版本之间相差 {cross}（最多 {cross_max}），"
        "而软件版本不是本模型的输入。对这些实测，每个配置只给一个预测值时平均误差至少为 {floor}；本模型为 {model}。",
    ),
    "val_held_original": ("held out (original)", "留出（原始）"),
    "val_set_preregistered": ("pre-registered ({name})", "预登记（{name}）"),
    "val_set_blind": ("pre-registered, blind ({name})", "预登记盲测（{name}）"),
    "val_held_all_throughput": ("all held out, per-card throughput", "全部留出（单卡吞吐）"),
    "val_held_all": ("all held out", "全部留出"),
    "val_role_blind": ("held out, blind", "留出（盲测）"),
    "moe_val_title": ("Mixture-of-experts runs", "混合专家（MoE）模型实测"),
    "moe_val_text": (
        "This plan is a mixture-of-experts model, which the dense tables above do not describe. Step time "
        "against published MoE benchmarks (moe_runs.yaml and moe_runs_2.yaml; every setting as published): {n_cal} "
        "calibration runs, to which the grouped-GEMM, all-to-all and FP8 efficiencies and the dispatcher's host wait "
        "are fitted, are off by {cal} on "
        "average; the {n_held} held-out runs by {held} (at most {held_max}). Below them, published MoE "
        "pre-training runs typed with planning inputs only{as_this}: the DeepSeek rows were "
        "predicted blind. Read this plan's MFU and training days as rough planning figures and confirm them "
        "in a pilot run.",
        "本方案为混合专家模型，上文的稠密模型表格不能代表其准确度。单步时间与公开 MoE 基准对比（moe_runs.yaml、"
        "moe_runs_2.yaml，各项设置按公开值）：{n_cal} 个校准实测（分组 GEMM、all-to-all 与 FP8 效率及分发器主机等待按其拟合）平均误差 {cal}；"
        "{n_held} 个留出实测平均误差 {held}（最大 {held_max}）。其下为只按规划输入{as_this}录入的公开 MoE "
        "预训练任务，其中 DeepSeek 两行为盲测。本方案的 MFU 与训练天数只宜作粗略的规划值，需通过试运行确认。",
    ),
    "moe_val_as_this": (", as this proposal's are", "（与本方案相同）"),
    "moe_val_layout_given": (
        "This proposal fixes its layout ({layout}), which those rows leave to the planner: its card-hours need not "
        "match a row of the same model.",
        "本方案固定了并行布局（{layout}），而这些行的布局由规划器选择：本方案的卡时与同一模型的行不必一致。"),
    "moe_col_precision": ("Precision", "精度"),
    "val_role_preregistered": ("held out, pre-registered", "留出（预登记）"),
    "val_role_stack": ("stack calibration", "软件栈校准"),
    "val_set_calibration": ("{name}: calibration runs (fitted on)", "{name}：校准实测（参与拟合）"),
    "val_set_calibration_post_hoc": ("{name}: calibration runs (fitted on after their first prediction)",
                                     "{name}：校准实测（首次预测后参与拟合）"),
    "val_held_large": ("held out on 4,096 cards or more", "4,096 卡及以上的留出实测"),
    "e2e_title": ("End-to-end card-hours of published pre-training runs", "公开预训练任务的端到端卡时"),
    "e2e_col_card": ("Card", "加速卡"),
    "e2e_col_cards": ("Cards", "卡数"),
    "e2e_col_range": ("P10–P90", "P10–P90"),
    "e2e_range_inside": ("inside", "区间内"),
    "e2e_range_above": ("above P90", "高于 P90"),
    "e2e_range_below": ("below P10", "低于 P10"),
    "e2e_text": (
        "The whole estimate — layout, batch, MFU and goodput left to the tool — on published pre-training "
        "runs typed as a finance user types them (model, tokens, sequence length, card, card count), against "
        "the published card-hours; {failures} failed. Held out: the {n_held} runs of the second set "
        "(end_to_end_2.yaml, written down before any prediction of it and never fitted on): median error "
        "{median}, largest {max}, median signed {signed}; the {n_third} runs of the third set (end_to_end_3.yaml, "
        "likewise): median error {median3}, largest {max3}. Fitted on: the {n_fit} runs of the first set, to "
        "which the typical training stack's efficiency ({eff}) is fitted: median error {cal}; before they "
        "were fitted on, their first prediction gave the {first_n} held out among them a median error of "
        "{first_median} (largest {first_max}). {excluded} runs were excluded before prediction (reasons in "
        "the files). Published runs differ in software, care and what their hours include, which no "
        "planning input describes: half of the held-out runs missed their published card-hours by more than "
        "{band} (the median error over every held-out set), so read the end-to-end days and card-hours of this "
        "proposal as planning figures of that accuracy, and confirm the MFU in a pilot run.",
        "整个估算流程（并行布局、批量、MFU 与有效训练时间比均由工具决定）在公开预训练任务上的结果：每个任务只按财务"
        "人员所知输入（模型、token 数、序列长度、加速卡、卡数），与公开卡时对比，{failures} 个失败。留出：第二组的 "
        "{n_held} 个任务（end_to_end_2.yaml，在任何预测之前登记，从未参与拟合）：中位误差 {median}，最大 {max}，"
        "带符号中位数 {signed}；第三组的 {n_third} 个任务（end_to_end_3.yaml，同样）：中位误差 {median3}，最大 {max3}。参与拟合：第一组的 {n_fit} 个任务，典型训练软件栈的效率（{eff}）按其拟合：中位误差 "
        "{cal}；参与拟合之前，其中 {first_n} 个留出任务的首次预测中位误差为 {first_median}（最大 {first_max}）。"
        "{excluded} 个任务在预测前按文件所述理由排除。各公开任务的软件、调优程度与卡时口径不同，规划输入无法描述："
        "半数留出任务与公开卡时的偏差超过 {band}（全部留出任务合计的中位误差），本方案的端到端工期与卡时宜按此精度理解为规划值，"
        "MFU 需通过试运行确认。",
    ),
    "e2e_text_fourth": (
        "Held out too: the {n} runs of the fourth set (end_to_end_4.yaml, written down blind by a data author "
        "before any prediction of it): median error {median}, largest {max}, median signed {signed}.",
        "同为留出：第四组的 {n} 个任务（end_to_end_4.yaml，由数据作者在任何预测之前盲写登记）：中位误差 {median}，"
        "最大 {max}，带符号中位数 {signed}。",
    ),
    "e2e_coverage": (
        "The P10–P90 range of end-to-end card-hours that each run's own proposal would print (the uncertainty "
        "section, default draws) held the published figure for {inside} of the {n} held-out runs ({share}; "
        "80% for a range that is right): {above} above its P90, {below} below its P10.",
        "各任务自身方案会给出的 P10–P90 区间（不确定性一节，默认抽样）包含公开卡时的，在 {n} 个留出任务中有 "
        "{inside} 个（{share}；区间若准确应为 80%）：{above} 个高于其 P90，{below} 个低于其 P10。",
    ),
    "val_target_missed": (
        "Over all {n} held-out runs the mean error of {held} is above the model's 5% target: treat "
        "predicted MFU as a planning figure to confirm in a pilot. The largest miss is {worst} ({worst_error}).",
        "在全部 {n} 个留出实测上，平均误差 {held}，高于模型 5% 的目标：预测的 MFU 只宜作为规划值，需通过试运行"
        "确认。误差最大的是 {worst}（{worst_error}）。",
    ),
    "catalog_intro": ("The catalog rows this estimate used, as stored in the xlcompute catalog.",
                      "本估算所用的目录数据行，与 xlcompute 目录中的记录一致。"),
    "catalog_none": ("No catalog row: the scenario gives its own figures.", "未使用目录数据：场景自行给出了参数。"),
    "cat_field": ("Field", "字段"),
    "attachments_note": (
        "Attached to this PDF: the scenario file ({scenario}) and the planning workbook.",
        "本 PDF 附带：场景文件（{scenario}）与规划工作簿。",
    ),
    # uncertainty (xlcompute.uncertainty): ranges and the tornado table
    "unc_title": ("Uncertainty: ranges of time and cost", "不确定性：工期与成本的区间"),
    "unc_text": (
        "The figures of this proposal are single values. {draws} seeded draws (seed {seed}) of the uncertain "
        "inputs, each evaluated with the same formulas, give these ranges as P10 / P50 / P90 (80% of the draws "
        "lie between the first and the last): training end to end {days}; days to a trained model, delivery "
        "delay included, {finish}; the training run at rental prices {train_cost}; the total budget {budget}. "
        "The MFU varies lognormally from {mfu_lo} to {mfu_hi} (P10–P90; its spread is the tool's held-out "
        "end-to-end error, Appendix B), the failure rate from half to twice its value, the server price, rent "
        "and electricity by up to ±{price} (triangular, so ±{price80} at P10–P90; ±{price} is the middle of the AACE "
        "Class 3 estimate range), and training starts 0 to {delay_max} days late "
        "(likeliest {delay}; a planning assumption). The table moves one input at a time to its P10 and P90.",
        "本方案的数字均为单一值。对不确定输入做 {draws} 次带种子（{seed}）的随机抽样，每次用同一套公式计算，"
        "得到以下区间（P10 / P50 / P90，80% 的抽样落在首末两值之间）：端到端训练 {days}；含交付延迟的"
        "模型完成天数 {finish}；按租赁价格的训练费用 {train_cost}；总预算 {budget}。MFU 按对数正态分布在 "
        "{mfu_lo} 至 {mfu_hi} 之间变化（P10–P90；离散度取自本工具端到端留出验证误差，见附录 B），故障率在"
        "其值的一半至两倍之间，服务器价格、租金与电价最多 ±{price}（三角分布，P10–P90 为 ±{price80}；±{price} 取 AACE 第 3 类估算区间的中间值），训练开始推迟 0 至 "
        "{delay_max} 天（最可能 {delay} 天；规划假设）。下表每次只把一个输入移到其 P10 和 P90。",
    ),
    "unc_coverage": (
        "Checked on the {n} held-out published runs of Appendix B, each typed as a finance user types it, a "
        "range made the same way held the published card-hours for {inside} of them ({share}; a range that is right "
        "holds 80%); {above} took more card-hours than its P90 and {below} fewer than its P10.",
        "以附录 B 的 {n} 个留出公开任务检验（均按财务人员所知输入）：按同样方法得到的区间包含公开卡时的有 {inside} 个"
        "（{share}；区间若准确应为 80%）；{above} 个任务的卡时高于其 P90，{below} 个低于其 P10。",
    ),
    "unc_coverage_narrow": (
        "This range is narrower than its label: read its P90 as a likely outcome, not a ceiling.",
        "该区间比其名义更窄：应把 P90 视为可能出现的结果，而非上限。",
    ),
    "unc_prediction_outside": (
        "The step-time model's own prediction, {pmfu} MFU ({pdays} days end to end), lies {side} this range: the "
        "range is drawn around the assumed {mfu}.",
        "单步时间模型自己的预测（MFU {pmfu}，端到端 {pdays} 天）落在该区间{side}：区间是围绕假设的 MFU {mfu} 抽样得到的。",
    ),
    "unc_side_above": ("above", "之上"),
    "unc_side_below": ("below", "之下"),
    "unc_serving": (
        "The inference model's speed varies lognormally from ×{lo} to ×{hi} of its estimate (P10–P90; its "
        "held-out throughput error), so the serving fleet needs {cards} cards (P10 / P50 / P90); {chance} of the "
        "draws fit within the cluster's {have} cards.",
        "推理模型的速度按对数正态分布在其估算值的 ×{lo} 至 ×{hi} 之间变化（P10–P90；离散度取自其吞吐的留出验证误差），"
        "推理所需卡数因而为 {cards} 张（P10 / P50 / P90）；{chance} 的抽样不超过集群的 {have} 张卡。",
    ),
    "unc_deadline": (
        "{chance} of the draws finish within the {deadline}-day deadline{conf}.",
        "{chance} 的抽样可在 {deadline} 天的截止期限内完成{conf}。",
    ),
    "unc_deadline_conf": (
        " (the plan is held to {days} days, {margin}× shorter, for {q} confidence)",
        "（为达到 {q} 的置信度，方案的估算工期限定在 {days} 天以内，即缩短为 1/{margin}）",
    ),
    "unc_delay": ("Delivery delay before training, days", "训练开始前的交付延迟（天）"),
    "unc_col_input": ("Input", "输入"),
    "unc_col_p10": ("P10", "P10"),
    "unc_col_p90": ("P90", "P90"),
    "unc_col_days": ("Days to model", "模型完成天数"),
    "unc_note": (
        "Each row: the figure with the input at its P10 – at its P90, every other input at the plan's value. "
        "Days to model include the likeliest delivery delay ({delay} days) when the delay is not the row.",
        "每行：该输入取 P10 – 取 P90 时的结果，其余输入取方案值。除交付延迟一行外，模型完成天数含最可能的交付延迟"
        "（{delay} 天）。",
    ),
    "unc_col_budget": ("Total budget", "总预算"),
    "unc_col_train_cost": ("Training at rent", "租赁训练费用"),
    "unc_at_p10": ("input at its P10", "输入取 P10"),
    "unc_at_p90": ("input at its P90", "输入取 P90"),
    "unc_chart_x": ("Days to a trained model (delivery delay included)", "模型完成天数（含交付延迟）"),
    "unc_chart_title": ("Tornado: days to a trained model, one input at a time",
                        "龙卷风图：每次改变一个输入时的模型完成天数"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
}


TEXT.update(KIND_TEXT)  # the text that depends on what the scenario plans (i18n_kinds)
TEXT.update(RISK_TEXT)  # the risks whose mitigation follows from the plan's figures (i18n_risks)


def text(key: str, lang: str, /, **kwargs: Any) -> Markup:
    """The entry ``key`` in ``lang`` with placeholders filled; every argument is escaped.

    Raises ``KeyError`` for an unknown key, so a typo fails the render instead of printing blank text.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    en, zh = TEXT[key]
    return Markup(zh if lang == "zh" else en).format(**kwargs)
