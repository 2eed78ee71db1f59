"""The CLI's own words in English and Chinese (``--lang en|zh`` of estimate, compare and plan).

Labels and units of quantities come from the registry (:mod:`xlcompute.registry`, en/zh); this
table holds the row names, column headers and the few sentences the commands print. Entries are
format strings; :func:`tr` fills them.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["LANGS", "TEXT", "tr", "check_lang", "HEAD_BREAK", "head_lines"]

LANGS = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    # estimate: row names
    "model": ("Model", "模型"),
    "model_value": ("{name}: {params}B parameters ({active}B active){override}",
                    "{name}：{params_zh} 参数（激活 {active_zh}）{override}"),
    "params_override": ("; model.params given: that count, with the preset's layers and widths",
                        "；给定了 model.params：参数量按给定值计，沿用该预设的层数与宽度"),
    "plan": ("Plan", "规划内容"),
    "plan_training": ("training only (no serving users)", "仅训练（无推理用户）"),
    "plan_serving": ("serving only (no training)", "仅推理（无训练）"),
    "plan_both": ("training, then serving", "先训练，后推理"),
    "cluster": ("Cluster", "集群"),
    "cluster_value": ("{cards} × {acc} ({tflops} TFLOPS dense {prec}{why}), {servers} {server_word}",
                      "{cards} 张 {acc}（稠密 {prec} {tflops} TFLOPS{why}），{servers} 台服务器"),
    "precision_recipe": (": {model}'s published training precision", "：{model} 公开的训练精度"),
    "server": ("server", "台服务器"),
    "servers": ("servers", "台服务器"),
    "layout": ("Layout", "并行布局"),
    "recompute": ("recompute {mode}", "重计算：{mode}"),
    "recompute_none": ("none", "无"),
    "recompute_selective": ("selective", "选择性"),
    "recompute_full": ("full", "完全"),
    "recompute_partial": ("selective, {k} of {n} layers per stage in full", "选择性，每级 {n} 层中 {k} 层完全重计算"),
    "plan_recompute_partial": ("selective recompute, {k} layers per stage in full", "选择性重计算，每级 {k} 层完全重计算"),
    "offload": (", offload of {kinds} to host memory", "，{kinds} 卸载到主机内存"),
    "offload_weights": ("weights", "权重"),
    "offload_activations": ("activations", "激活"),
    "offload_optimizer": ("optimizer", "优化器状态"),
    "idle": ("; {n} cards idle", "；{n} 张卡空闲"),
    "dualpipe": (", DualPipe schedule", "，DualPipe 调度"),
    "stage_split": (", first stage {f} layers, last {l}, the others {m}", "，首级 {f} 层，末级 {l} 层，其余各级 {m} 层"),
    "interleaved": (", {v} interleaved stages per card", "，每卡 {v} 个交错流水线级"),
    "zero_recompute": (", ZeRO-{z}, {rc}", "，ZeRO-{z}，{rc}"),
    "global_batch": ("; global batch {n} sequences", "；全局批大小 {n} 条序列"),
    "field_recompute": ("recomputation", "重计算"),
    "field_recompute_layers": ("layers recomputed in full", "完全重计算的层数"),
    "field_zero_stage": ("ZeRO stage", "ZeRO 阶段"),
    "yielded": ("; {fields} changed from the default, which does not fit this layout in memory",
                "；{fields}已由默认值调整：默认值在该布局下放不下显存"),
    "scheduled": ("; interleaving chosen by the planner, the fastest schedule for this layout (training.interleave "
                  "1 keeps the plain one)",
                  "；交错调度由布局规划器选取，为该布局下最快（training.interleave 设为 1 则为普通调度）"),
    "rule_6pt": ("{v} (6PT rule: {rule})", "{v}（6PT 估算：{rule}）"),
    "mfu_value": ("{v} — {src}", "{v}——{src}"),
    "mfu_predicted_src": ("predicted by the step-time model", "由单步时间模型预测"),
    "mfu_set_src": ("command line (--set): {field}", "命令行 --set：{field}"),
    "card_kernel": ("Step time on this card", "该卡的单步时间"),
    "per_step": ("{v} ({s} per step)", "{v}（每步 {s}）"),
    "ettr_value": ("{v} (a failure every {mtbf}, checkpoints every {minutes} min)",
                   "{v}（每 {mtbf}一次故障，每 {minutes} 分钟一个检查点）"),
    "throughput": ("{v}, {s} per step", "{v}，每步 {s}"),
    "throughput_assumed": ("{v}, {s} per step at the assumed MFU", "{v}，按假设 MFU 每步 {s}"),
    "mem_value": ("{v} of {hbm} GB ({fits})", "{v} / {hbm} GB（{fits}）"),
    "fits": ("fits", "放得下"),
    "fits_tight": ("fits, {share} of HBM: little headroom", "放得下，但占显存 {share}，余量很小"),
    "no_fit": ("DOES NOT FIT", "放不下"),
    "serving_value": ("{v} for {users} concurrent users ({replica} per replica, {precision} weights)",
                      "{v}，服务 {users} 名并发用户（每副本 {replica} 张，{precision} 权重）"),
    # the proposal's risk "needs more than the N proposed" (report.context.risks), said where the figure is
    "serving_extrapolated": ("; extrapolated: no serving measurement on this card calibrates the inference model",
                             "；外推：该卡没有校准推理模型的实测"),
    "serving_conf": ("{line}; {planned} planned at {q} confidence", "{line}；按置信度 {q} 计划 {planned}"),
    "serving_short": ("{line}; more than the {cards} cards of the cluster", "{line}；超过集群的 {cards} 张卡"),
    "latency_value": ("{ttft}; {tpot} per output token at a batch of {batch}; {cap} served for {demand} demanded",
                      "{ttft}；每输出 token {tpot}，批大小 {batch}；可服务 {cap}，需求 {demand}"),
    "latency_unmet": ("; above the targets ({ttft} to the first token, {tpot} per output token): no replica on this "
                      "card meets them, so the cards above are the fastest replicas for the demand: relax the targets, "
                      "lower the serving precision or choose a faster card",
                      "；高于目标（首 token {ttft}，每输出 token {tpot}）：该卡上没有推理副本能达到目标，上面的卡数按最快的"
                      "副本满足需求：请放宽目标、降低推理精度或选择更快的加速卡"),
    "bom": ("Bill of materials", "物料清单"),
    "bom_line": ("servers {servers}; {net}; storage {storage} {store}; facility {facility}; {racks}, {mw} with PUE",
                 "服务器 {servers}；{net}；存储 {storage}{store}；机房 {facility}；机柜 {racks}，含 PUE 的机房功率 {mw}"),
    "bom_net_quote": ("network {v} (quote)", "网络 {v}（报价）"),
    "bom_net": ("network {v} ({nics}, {leaf} leaf + {spine} spine{core} switches, {optics} optics)",
                "网络 {v}（网卡 {nics}，交换机：叶 {leaf} + 脊 {spine}{core}，光模块 {optics} 个）"),
    "bom_core": (" + {n} core", " + 核心 {n}"),
    "bom_quote": ("(quote)", "（报价）"),
    "bom_store": ("({v})", "（{v}）"),
    "total_years": ("{label} ({years} years)", "{label}（{years} 年）"),
    "deadline": ("Deadline", "截止期限"),
    "deadline_missed": ("missed by {v}", "超期 {v}"),
    "deadline_met": ("met", "可按期完成"),
    "deadline_value": ("{deadline}: {verdict}; {cards} cards ({servers} servers) meet it at the same MFU and ETTR",
                       "{deadline}：{verdict}；在相同 MFU 与 ETTR 下，{cards} 张卡（{servers} 台服务器）可按期完成"),
    "deadline_unreachable_value": ("{deadline}: {verdict}; no cluster the deadline sizing tried meets it",
                                   "{deadline}：{verdict}；按期限配置集群时，试算过的卡数均无法按期完成"),
    "deadline_planned_value": ("{deadline}: {verdict}; {cards} cards ({servers} servers) meet it, planned at that "
                               "count: {days}",
                               "{deadline}：{verdict}；{cards} 张卡（{servers} 台服务器）按此卡数重新规划布局后需 {days}，可按期完成"),
    "deadline_sized_value": ("{deadline}: met; the fewest cards found that finish in time ({below} cards, estimated "
                             "too, take {days}: {miss})",
                             "{deadline}：可按期完成；该卡数为试算中按期完成所需的最少卡数（同样试算过的 {below} 张卡需 "
                             "{days}，{miss}）"),
    # what the fewer cards miss: the deadline itself, or (confidence above 0.5) the earlier target it sets
    "sized_past": ("past it", "超期"),
    "sized_past_target": ("more than the {target} that {q} confidence asks for",
                          "超出置信度 {q} 所要求的 {target}"),
    "at_predicted": ("At the predicted MFU", "按预测 MFU"),
    "at_predicted_value": ("{days}, {cost} at rental prices, at {pmfu} (at the assumed {mfu}: {adays}, {acost})",
                           "{days}，按租赁价格 {cost}，预测 MFU {pmfu}（按假设的 {mfu}：{adays}，{acost}）"),
    "deadline_conf": ("{deadline} at {q} confidence (the estimate within {days})",
                      "{deadline}（置信度 {q}：估算工期不超过 {days}）"),
    "range_note": ("P10 / P50 / P90 of {draws} draws, seed {seed}", "{draws} 次抽样的 P10 / P50 / P90，种子 {seed}"),
    "range_chance": ("; {chance} of the draws finish within the deadline ({deadline})",
                     "；{chance} 的抽样可在截止期限（{deadline}）内完成"),
    "range_prediction_outside": ("; the step-time model's own {days} days (at its predicted {pmfu} MFU) lie {side} "
                                 "this range, which is drawn around the MFU assumed",
                                 "；单步时间模型自己的预测（MFU {pmfu}）{days} 天落在该区间{side}：区间是围绕假设的 MFU 抽样得到的"),
    "range_above": ("above", "之上"),
    "range_below": ("below", "之下"),
    "range_budget": ("Range: total budget", "区间：总预算"),
    "range_serving": ("Range: serving cards", "区间：推理卡数"),
    "range_serving_value": ("{cards} cards (the inference model's speed ×{lo} to ×{hi}); {chance} of the draws need "
                            "at most the cluster's {have}",
                            "{cards} 张卡（推理模型速度 ×{lo} 至 ×{hi}）；{chance} 的抽样不超过集群的 {have} 张卡"),
    "range_days": ("Range: training days, end to end", "区间：端到端训练天数"),
    "range_check": ("Range check", "区间检验"),
    "range_check_value": ("ranges made this way held {inside} of {runs} held-out published runs ({share}; 80% if "
                          "right), {above} above their P90 (xlcompute validate)",
                          "按此方法得到的区间包含 {runs} 个留出公开任务中的 {inside} 个（{share}；若准确应为 80%），"
                          "{above} 个高于其 P90（xlcompute validate）"),
    "range_check_narrow": (": read the P90 as likely, not a ceiling", "：P90 应视为可能出现的结果，而非上限"),
    "range_model": ("Range: days to trained model", "区间：交付训练好的模型所需天数"),
    "range_model_note": ("{v} (delivery delay included)", "{v}（含交付延迟）"),
    "range_cost": ("Range: training run at rental prices", "区间：按租赁价格计的训练成本"),
    # compare
    # (a zero-width space, \u200b, marks where a Chinese header may break between words: the table's own
    # line breaking, head_lines, breaks at spaces and there, and drops it)
    "col_card": ("Card", "加速卡"),
    "col_cards": ("Cards", "卡数"),
    "col_days": ("Days", "天数"),
    "col_mfu": ("MFU (predicted)", "MFU\u200b（预测）"),
    "col_layout": ("Layout TP·CP·PP·DP", "布局 TP·CP·PP·DP"),
    "col_mem": ("Memory / card GB", "显存/卡 GB"),
    "col_kw": ("IT kW", "IT 功率 kW"),
    "col_capex": ("Capex M{cur}", "资本\u200b支出 万{unit}"),
    "col_budget": ("Total budget M{cur}", "总预算 万{unit}"),
    "col_per_t": ("Per 1T train tokens M{cur}", "每万亿\u200b训练 token 万{unit}"),
    "col_per_m": ("Per 1M output tokens served {cur}", "每百万\u200b推理\u200b输出 token {unit}"),
    "col_own": ("Own or rent (NPV M{cur})", "自建/\u200b租赁 现值\u200b万{unit}"),
    "col_serving": ("Serving cards needed", "推理\u200b所需\u200b卡数"),
    "cannot_run": ("cannot run (below)", "无法运行\n（见下）"),  # two lines in Chinese: no space to wrap at
    "own": ("own", "自建"),
    "rent": ("rent", "租赁"),
    "own_value": ("{verdict} ({own} vs {rent})", "{verdict} {own} / {rent}"),  # spaced: a line breaks between amounts
    "mem_of": ("{mem} of {hbm}", "{mem} / {hbm}"),
    "mem_no_fit": (" DOES NOT FIT", " 放不下"),
    "compare_title_serving": ("{name}: {model} serving {users} concurrent users, each card with the servers its "
                              "demand needs (budget over {years} years)",
                              "{name}：{model} 为 {users} 名并发用户提供推理，每种卡配足所需服务器（预算按 {years} 年计）"),
    "compare_title": ("{name}: {model} on {tokens} tokens{deadline} (budget over {years} years; per 1T tokens at "
                      "the rental price)",
                      "{name}：{model}，{tokens} 个训练 token{deadline}（预算按 {years} 年计；每万亿 token 按租赁价格计）"),
    "compare_deadline": (", cards for {days} days", "，按 {days} 天工期配卡"),
    "unsized_training": ("{model} training", "{model} 训练"),  # a title for a cluster its own card cannot size
    "unsized_serving": ("{model} serving", "{model} 推理服务"),
    "cannot_run_line": ("{card} cannot run the job: {reason}", "{card} 无法运行此任务：{reason}"),
    "note_line": ("note — {card}: {note}", "注——{card}：{note}"),
    "wrote": ("wrote {path}", "已写出 {path}"),
    # plan
    "plan_title": ("{name}: best of {n} layouts ({fit} fit; {s} s)", "{name}：{n} 种布局中的最优者（{fit} 种放得下；用时 {s} 秒）"),
    "plan_cols": ("#|layout|options|batch|step s|MFU|GB/card", "#|并行布局|选项|全局批量|每步秒数|MFU|每卡 GB"),
    "plan_recompute": ("{mode} recompute", "{mode}重计算"),
    "plan_no_recompute": ("no recompute", "无重计算"),
    "plan_tp_overlap": ("TP overlap", "张量并行通信重叠"),
    "plan_offload": ("offload {kinds}", "卸载 {kinds}"),
    "plan_best": ("Best layout, seconds per step: ", "最优布局每步耗时（秒）："),
    "plan_parts": ("compute|recompute|pipeline bubble|pipeline p2p|TP comm (exposed)|CP K/V ring (exposed)|"
                   "offload transfers (exposed)|DP comm (exposed)|optimizer|optimizer offload|expert all-to-all (exposed)|"
                   "stragglers",
                   "计算|重计算|流水线气泡|流水线点对点通信|张量并行通信（未隐藏）|上下文并行 K/V 环（未隐藏）|"
                   "卸载传输（未隐藏）|数据并行通信（未隐藏）|优化器|优化器卸载|专家 all-to-all（未隐藏）|掉队与抖动"),
    "plan_note": ("Ranked by the job's time per sequence (step time / global batch, the batch rounded to each "
                  "layout); MFU counts model FLOPs (attention-aware, no recomputation) on the cards the layout "
                  "uses, as the estimate does; times are seconds per optimizer step. mb: sequences per micro-batch; "
                  "v: interleaved stages per card; SP: sequence parallelism.",
                  "按整个作业每条序列的时间排名（单步时间 / 全局批量，批量按各布局取整）；MFU 按模型 FLOPs 计"
                  "（含注意力项，不含重计算），只计布局所用的卡，与估算一致；时间为每个优化器步的秒数。mb：每个微批的"
                  "序列数；v：每卡交错流水线级数；SP：序列并行。"),
    "plan_batch": ("Global batch aimed at: {n} sequences, rounded to each layout. Source: {source}.",
                   "目标全局批量：{n} 条序列，按各布局取整。来源：{source}。"),
    "plan_searching": ("searching layouts", "正在搜索并行布局"),
    "plan_given": ("The scenario fixes its layout, {layout}: xlcompute estimate uses it ({s} s per step, {mfu} MFU, "
                   "{gb} GB per card); the ranking above searches every layout.",
                   "场景已给定并行布局 {layout}：xlcompute estimate 按该布局计算（每步 {s} 秒，MFU {mfu}，每卡 {gb} GB）；"
                   "上表为全部布局的搜索排名。"),
    # catalog gpus | models: headers (a Chinese one names the registry labels it shows, filled in and wrapped
    # to its column by xlcompute.cli.catalog) and what a * flag means ("非官方数据": the proposal's wording)
    "cat_key": ("key", "目录名称"),
    "cat_bf16": ("bf16", "{bf16_peak_flops}（稠密） TFLOPS"),
    "cat_fp8": ("fp8", "单卡 FP8 峰值（稠密） TFLOPS"),
    "cat_fp32": ("fp32", "{gpu_fp32_tflops} TFLOPS"),
    "cat_hbm": ("HBM", "{gpu_hbm_gb} GB"),
    "cat_hbm_bw": ("HBM BW", "{gpu_hbm_tbps} TB/s"),
    "cat_link": ("link", "{intra_node_gbs} GB/s 单向"),
    "cat_tdp": ("TDP", "{gpu_tdp_w} W"),
    "cat_source_date": ("source date", "来源日期"),
    "cat_gpu_title": ("Accelerators (dense figures, not sparsity; `--json` for sources)",
                      "加速卡（稠密算力，非稀疏；来源见 `--json`）"),
    "cat_gpu_legend": ("bf16/fp8: dense TFLOPS; fp32: vector (non-tensor) TFLOPS, where weight-only int8/int4 serving "
                       "dequantises (~ assumed: none published, the A100's per byte of HBM bandwidth); HBM: GB (10^9 B); "
                       "HBM BW: TB/s; link: intra-server GB/s per direction; TDP: W (~ assumed: none published, scaled "
                       "from the card the notes name); * unofficial figures.",
                       "FP32 为向量（非张量核）算力，仅权重 int8/int4 推理在其上反量化；~ 为假设值：未见公布，FP32 按 "
                       "A100 每单位显存带宽的算力折算，功耗按该卡说明中所列的卡折算；GB 为 10^9 字节；* 非官方数据。"),
    "cat_layers": ("layers", "{layers}"),
    "cat_hidden": ("hidden", "{hidden}"),
    "cat_heads": ("heads", "{heads}/\u200b{kv_heads}"),
    "cat_exact": ("exact", "{model_params}"),
    "cat_active": ("active", "{model_active_params}"),
    "cat_published": ("published", "公布参数量"),
    "cat_model_title": ("Models (`--json` for architectures and sources)", "模型（架构与来源见 `--json`）"),
    "cat_model_legend": ("heads: query/key-value heads. exact: counted from the architecture. * unofficial (rumoured).",
                         "注意力头数为查询头数/键值头数；参数量按架构精确计算；* 非官方数据（传闻）。"),
}


def tr(key: str, lang: str, /, **kw: Any) -> str:
    """The CLI text ``key`` in ``lang`` with its placeholders filled."""
    en, zh = TEXT[key]
    return (zh if lang == "zh" else en).format(**kw)


def check_lang(lang: str) -> None:
    """Exit with one line unless ``lang`` is en or zh."""
    from xlcompute.cli._common import fail, set_error_lang

    if lang not in LANGS:
        fail([f"--lang: must be en or zh, got {lang!r}"])
    set_error_lang(lang)


# Where a Chinese header may break between words (a zero-width space in the headers above).
HEAD_BREAK = "\u200b"


def head_lines(head: str, width: int) -> str:
    """``head`` broken into lines of at most ``width`` cells at its spaces and its marked breaks
    (:data:`HEAD_BREAK`, between Chinese words, dropped); a longer word is left to rich to fold."""
    from rich.cells import cell_len

    lines: list[str] = []
    for part in re.split(f"(?=[ {HEAD_BREAK}])", head):  # each word with the space or mark before it
        glue, word = (part[0], part[1:]) if part[:1] in (" ", HEAD_BREAK) else ("", part)
        joined = lines[-1] + (" " if glue == " " else "") + word if lines else word
        if lines and cell_len(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return "\n".join(lines)
