"""Whole-sentence Chinese wordings of the cross-field input rules, for ``--lang zh``.

The scenario, the estimate and the core word these problems in English where they are found
(``scenario.Scenario``'s checks, ``estimate._resolve``, ``core.stages``, ``planner.plan``); each row here
matches one rule's sentence and says it in Chinese, with the field names and values kept as given.
A sentence no row matches stays English (``_problems_zh``); ``tests/cli/test_problems_zh.py``
triggers every rule listed here, so a reworded English rule that no longer matches fails a test.
"""

from __future__ import annotations

import re
from typing import Callable, Union

__all__ = ["RULES", "Replacement"]

_N = r"([\d,.]+)"  # a number as the messages print it (1,024; 0.5)

_PIPELINE_OWNED = "它属于场景给定的流水线；不给出则由布局规划器选择"

# (pattern, replacement); each pattern is one rule's whole sentence, or a whole clause of it.
Replacement = Union[str, Callable[["re.Match[str]"], str]]

RULES: tuple[tuple[re.Pattern[str], Replacement], ...] = tuple((re.compile(p), r) for p, r in (
    # scenario: the layout's fields belong together
    (r"training\.(\w+) \(([^)]*)\) needs training\.tp and training\.pp too: it belongs to a pipeline the scenario "
     r"gives; leave it out to let the layout planner choose",
     rf"training.\1（\2）需要同时给出 training.tp 和 training.pp：{_PIPELINE_OWNED}"),
    (r"give both training\.tp and training\.pp, or neither to let the layout planner choose",
     "training.tp 与 training.pp 应同时给出，或都不给出而由布局规划器选择"),
    (r"training\.dp needs training\.tp and training\.pp too$", "training.dp 需要同时给出 training.tp 和 training.pp"),
    (r"training\.cp \(" + _N + r"\) needs training\.tp and training\.pp too; leave all three out to let the layout "
     r"planner choose",
     r"training.cp（\1）需要同时给出 training.tp 和 training.pp；三者都不给出则由布局规划器选择"),
    (r"training\.cp \(" + _N + r"\) must cut training\.seq_len \(" + _N + r"\) into 2·cp = " + _N + r" equal chunks "
     r"\(Megatron-Core's load-balanced causal split\); allowed: cp with seq_len divisible by 2·cp",
     r"training.cp（\1）应把 training.seq_len（\2）切成 2·cp = \3 个等长的块（Megatron-Core 的负载均衡因果切分）；"
     r"允许：seq_len 能被 2·cp 整除的 cp"),
    (r"training\.([\w·]+) \(([\d·]+) = " + _N + r"\) must be at most cluster\.cards \(" + _N + r"\)",
     r"training.\1（\2 = \3）不能超过 cluster.cards（\4）"),
    (r"training\.dp \(" + _N + r"\) must be ⌊cluster\.cards / \(([^)]*)\)⌋ = ⌊" + _N + " / " + _N + r"⌋ = " + _N +
     r"; leave it out: it follows from the cards",
     r"training.dp（\1）应为 ⌊cluster.cards / (\2)⌋ = ⌊\3 / \4⌋ = \5；请不要给出：它由卡数决定"),
    (r"training\.micro_batch \(" + _N + r"\) on each of the " + _N + r" data-parallel replicas makes " + _N +
     r" sequences per step at least; allowed: at most " + _N,
     r"training.micro_batch（\1）在 \2 个数据并行副本上每步至少 \3 条序列；允许：至多 \4"),
    (r"give training\.global_batch or training\.batch_tokens, not both",
     "training.global_batch 与 training.batch_tokens 只能给出其一"),
    (r"training\.batch_tokens \(([^)]*)\) makes " + _N + r" sequences of training\.seq_len \(" + _N + r"\) per step; "
     r"allowed: at most " + _N + r" \(the range of training\.global_batch\)",
     r"training.batch_tokens（\1）每步为 \2 条长 training.seq_len（\3）的序列；允许：至多 \4"
     r"（training.global_batch 的范围）"),
    (r"training\.recompute_layers \(" + _N + r"\) needs training\.recompute: selective for the stage's other layers "
     r"\(got (\w+)\); allowed: 0 with recompute none or full",
     r"training.recompute_layers（\1）需要 training.recompute 为 selective（本级其余各层做选择性重计算；实际为 \2）；"
     r"允许：recompute 为 none 或 full 时取 0"),
    (r"the scenario plans neither training nor serving; give training\.tokens \(a training run\) or serving\.users "
     r"above 0 \(a serving fleet\), or both",
     "场景既未规划训练也未规划推理服务；请给出 training.tokens（一次训练）或大于 0 的 serving.users（推理集群），"
     "或两者都给出"),
    # estimate: the layout against the model
    (r"training\.pp \(" + _N + r"\) must be at most the model's " + _N + " layers",
     r"training.pp（\1）不能超过模型的 \2 层"),
    (r"training\.tp \(" + _N + r"\) must divide the model's " + _N + " attention heads$",
     r"training.tp（\1）应整除模型的 \2 个注意力头"),
    (r"training\.interleave \(" + _N + r"\) must be at most the " + _N + r" layers on the busiest of the " + _N +
     r" pipeline stages \(each virtual stage holds at least one layer\)",
     r"training.interleave（\1）不能超过 \3 个流水线级中最满一级的 \2 层（每个虚拟级至少一层）"),
    (r"training\.recompute_layers \(" + _N + r"\) must be at most the " + _N + r" layers on the busiest of the " +
     _N + r" pipeline stages \(training\.recompute: full recomputes all of them\)",
     r"training.recompute_layers（\1）不能超过 \3 个流水线级中最满一级的 \2 层"
     r"（training.recompute: full 即重计算全部层）"),
    (r"training\.ep / training\.expert_tp need a mixture-of-experts model \(experts > 0\)",
     "training.ep / training.expert_tp 需要混合专家（MoE）模型（experts > 0）"),
    (r"training\.ep needs a mixture-of-experts model \(experts > 0\)",
     "training.ep 需要混合专家（MoE）模型（experts > 0）"),
    (r"training\.ep \(" + _N + r"\) must divide the model's " + _N + " routed experts",
     r"training.ep（\1）应整除模型的 \2 个路由专家"),
    (r"training\.ep·expert_tp \(([\d·]+)\) must divide tp·cp·dp \(([\d·]+)\): expert parallelism is carved from the "
     r"data-parallel ranks \(Megatron-Core MoE\)",
     r"training.ep·expert_tp（\1）应整除 tp·cp·dp（\2）：专家并行取自数据并行的各个进程（Megatron-Core MoE）"),
    (r"training\.precision is fp8 but (.+?) has no fp8 peak in the catalog; use training\.precision bf16 or fp16 on "
     r"it, or a card with FP8 \((.+)\)$",
     r"training.precision 为 fp8，但目录中的 “\1” 没有 FP8 峰值；请在该卡上用 training.precision bf16 或 fp16，"
     r"或换用支持 FP8 的卡（\2）"),
    (r"training\.precision is fp8 but cluster\.accelerator\.fp8_tflops is not given; give the card's dense FP8 "
     r"peak, or use training\.precision bf16 or fp16",
     "training.precision 为 fp8，但没有给出 cluster.accelerator.fp8_tflops；请给出该卡的稠密 FP8 峰值，或用 "
     "training.precision bf16 或 fp16"),
    (r"training\.offload \(([^)]*)\) needs an offload tier, but (.+?) has none in the catalog; set cluster\.offload_gb "
     r"and cluster\.offload_gbs \(host memory per card and its link, GB/s per direction\), or leave training\.offload "
     r"out",
     r"training.offload（\1）需要卸载层，但目录中的 “\2” 没有；请设置 cluster.offload_gb 和 cluster.offload_gbs"
     r"（每卡主机内存及其链路，每方向 GB/s），或不给出 training.offload"),
    (r"list each kind once \(repeated: ([^)]*)\); allowed: weights, activations, optimizer",
     r"每种只列一次（重复：\1）；允许：weights、activations、optimizer"),
    # model
    (r"model\.params \(([^)]*)\) alone: a generic dense shape covers ([\de+.]+) to ([\de+.]+) parameters; for another "
     r"size give model\.arch \(layers, hidden, heads, ffn_hidden, vocab\)",
     r"仅给出 model.params（\1）：通用稠密结构覆盖 \2 到 \3 个参数；其他规模请给出 model.arch"
     r"（layers、hidden、heads、ffn_hidden、vocab）"),
    (r"model\.active_params \(([^)]*)\) with model\.params alone: a size alone describes a dense model; a "
     r"mixture-of-experts model needs model\.preset or model\.arch \(with its experts\)",
     r"model.active_params（\1）与仅给出的 model.params 同用：只给规模表示稠密模型；混合专家模型需要 model.preset "
     r"或 model.arch（含专家数）"),
    (r"give exactly one of model\.preset \(a catalog name\) or model\.arch \(an architecture\), or model\.params alone "
     r"for a dense model of that size \(a generic shape\)",
     "model.preset（目录中的名称）与 model.arch（结构）只能给出其一，或仅给出 model.params 表示该规模的稠密模型"
     "（通用结构）"),
    (r"the architecture has ([\de+.]+) parameters; allowed: at most ([\de+.]+) \(the range of model\.params\)",
     r"该结构有 \1 个参数；允许：至多 \2（model.params 的范围）"),
    # serving
    (r"serving\.input_tokens \(" + _N + r"\) needs serving\.output_tokens, the tokens generated per request \(a "
     r"request is its prompt plus its output\)",
     r"serving.input_tokens（\1）需要同时给出 serving.output_tokens，即每个请求生成的 token 数（一个请求为提示加输出）"),
    (r"serving\.tokens_per_request \(" + _N + r"\) must be serving\.input_tokens \+ serving\.output_tokens \(" + _N +
     r" \+ " + _N + r" = " + _N + r"\); give either the total or the prompt",
     r"serving.tokens_per_request（\1）应等于 serving.input_tokens + serving.output_tokens（\2 + \3 = \4）；"
     r"请只给出总数或提示长度之一"),
    (r"serving\.input_tokens \+ serving\.output_tokens \(" + _N + r"\) must be at most " + _N + " tokens per request",
     r"serving.input_tokens + serving.output_tokens（\1）每个请求至多 \2 个 token"),
    (r"serving\.output_tokens \(" + _N + r"\) must be less than serving\.tokens_per_request \(" + _N + r"\): the rest "
     r"is the prompt",
     r"serving.output_tokens（\1）应小于 serving.tokens_per_request（\2）：其余部分是提示"),
    (r"serving\.tp \(" + _N + r"\) must divide the model's " + _N + r" attention heads and divide or be a multiple of "
     r"its " + _N + " KV heads",
     r"serving.tp（\1）应整除模型的 \2 个注意力头，并整除其 \3 个 KV 头或为其倍数"),
    (r"serving\.precision is fp8 but (.+?) has no FP8 peak; use ([a-z0-9, ]+) \(or an accelerator with FP8\)",
     r"serving.precision 为 fp8，但 “\1” 没有 FP8 峰值；请用 \2（或换用支持 FP8 的卡）"),
    (r"serving\.precision is w8a8 but (.+?) has no INT8 peak in the catalog; use ([a-z0-9, ]+) \(int8 and int4 are "
     r"weight-only\), or give cluster\.accelerator\.int8_tops",
     r"serving.precision 为 w8a8，但目录中的 “\1” 没有 INT8 峰值；请用 \2（int8 与 int4 只量化权重），"
     r"或给出 cluster.accelerator.int8_tops"),
    # core.stages: the first/last-stage split and DualPipe (prefix "training." from a scenario)
    (r"(\S+) \(" + _N + r"\) and (\S+) \(" + _N + r"\) add up to " + _N + r" of layers=" + _N + r", leaving " + _N +
     r" for the other " + _N + r" of pp=" + _N + r" stages; each stage needs a layer at least \(allowed: first \+ last "
     r"at most " + _N + r"\)",
     r"\1（\2）与 \3（\4）合计 \5 层（共 \6 层），只给其余 \8 个流水线级（pp=\9）留下 \7 层；每级至少需要一层"
     r"（允许：首级与末级之和至多 \10）"),
    (r"(\S+) \(" + _N + r"\) and (\S+) \(" + _N + r"\) need pp of 2 or more \(got pp=" + _N + r"\): with one stage "
     r"every layer is on it",
     r"\1（\2）与 \3（\4）需要 pp 不小于 2（实际 pp=\5）：只有一级时所有层都在这一级上"),
    (r"(\S+) \(" + _N + r"\) and (\S+) \(" + _N + r"\): with pp=2 the two must add up to layers=" + _N +
     r" \(they add up to " + _N + r"\)",
     r"\1（\2）与 \3（\4）：pp=2 时两者之和应等于层数 \5（实际为 \6）"),
    (r"(\S*)dualpipe needs an even (\S*)pp of 2 or more \(got pp=" + _N + r"\): DualPipe pairs stage i with stage "
     r"p − 1 − i",
     r"\1dualpipe 需要 \2pp 为不小于 2 的偶数（实际 pp=\3）：DualPipe 把第 i 级与第 p − 1 − i 级配成一对"),
    (r"(\S*)dualpipe needs (\S*)interleave 1 \(got " + _N + r"\): DualPipe is a schedule of its own, not combined with "
     r"interleaved stages",
     r"\1dualpipe 需要 \2interleave 为 1（实际为 \3）：DualPipe 是独立的调度，不与交错流水线级合用"),
    (r"dualpipe needs an even number of micro-batches per step \(got " + _N + r"\): half are fed from each end of "
     r"the pipeline",
     r"dualpipe 需要每步的微批次数为偶数（实际为 \1）：一半从流水线的两端各自送入"),
    (r"dualpipe needs at least 2·pp = " + _N + r" micro-batches per step \(got " + _N + r"\), as DeepSeek's "
     r"DualPipe code asks",
     r"dualpipe 需要每步至少 2·pp = \1 个微批次（实际为 \2），DeepSeek 的 DualPipe 代码如此要求"),
    (r"training\.dualpipe needs at least 2·pp = " + _N + r" micro-batches per step, as DeepSeek's DualPipe code "
     r"asks; the batch of " + _N + r" sequences gives " + _N + r" on each of the " + _N + r" replicas: give "
     r"training\.global_batch " + _N + r" or more, or a smaller training\.pp",
     r"training.dualpipe 需要每步至少 2·pp = \1 个微批次（DeepSeek 的 DualPipe 代码如此要求）；\2 条序列的批在 \4 个"
     r"副本上每个只有 \3 个：请把 training.global_batch 设为 \5 或更大，或减小 training.pp"),
    # estimate: a deadline no cluster meets (estimate._meet_deadline)
    (r"training\.deadline_days \(" + _N + r"\) cannot be met: more cards fail more often \(at " + _N + r" cards, "
     r"failures, reliability\.failures_per_card_hour, would stop the job every ([\d,.e+-]+) s\)",
     r"training.deadline_days（\1）无法满足：卡越多，故障越频繁（按 reliability.failures_per_card_hour 的故障率，"
     r"\2 张卡时作业每 \3 秒就会中断一次）"),
    (r"training\.deadline_days \(" + _N + r"\) cannot be met: more cards fail more often \(the fastest plan found "
     r"takes " + _N + r" days, on " + _N + r" cards\)",
     r"training.deadline_days（\1）无法满足：卡越多，故障越频繁（找到的最快方案需 \2 天，用 \3 张卡）"),
    (r"; allowed: a later deadline, or cluster\.cards given to see how long the run takes on them",
     "；允许：推迟截止期限，或给出 cluster.cards 查看在这些卡上训练需要多久"),
    (r"training\.deadline_days \(" + _N + r"\) needs about " + _N + r" cards, which the scenario cannot take: ",
     r"training.deadline_days（\1）约需 \2 张卡，但场景无法采用这一卡数："),
    (r" \(a later deadline, or cluster\.cards given, avoids this\)$", "（推迟截止期限或给出 cluster.cards 即可避免）"),
    # planner: no layout fits the memory (the sources after it are data: quoted, kept as written)
    (r"cluster\.cards \(" + _N + r"\): no layout of " + _N + r" cards? fits the model in " + _N + " GB per card",
     r"cluster.cards（\1）：\2 张卡的任何布局都无法把模型放进每卡 \3 GB 显存"),
    (r"; the lightest layout, (.+?) with ZeRO-(\d)(, [a-z ,]+ offloaded)? and (\w+) recomputation, needs " + _N +
     " GB( and " + _N + r" GB of the " + _N + r" GB host memory per card)?",
     lambda m: (f"；最省显存的布局 {m[1]}（ZeRO-{m[2]}{_offloaded_zh(m[3])}，{_RECOMPUTE_ZH.get(m[4], m[4])}）"
                f"需要 {m[5]} GB" + (f"，另需每卡 {m[8]} GB 主机内存中的 {m[7]} GB" if m[6] else ""))),
    (r"; add cards, use a card with more memory(, give the servers' host memory as an offload tier "
     r"\(cluster\.offload_gb and cluster\.offload_gbs\))?, or give assumptions\.mfu to estimate time and cost anyway",
     lambda m: ("；请增加卡数、换用显存更大的卡" + ("、把服务器的主机内存作为卸载层给出（cluster.offload_gb 和 "
                "cluster.offload_gbs）" if m[1] else "") + "，或给出 assumptions.mfu 以照常估算时间和费用")),
    (r" \(global batch: (.*); memory per card: (.*)\)$", r"（全局批大小来源：“\1”；每卡显存来源：“\2”）"),
))

_RECOMPUTE_ZH = {"full": "完全重计算", "selective": "选择性重计算", "none": "不重计算"}
_KIND_ZH = {"weights": "权重", "activations": "激活", "optimizer states": "优化器状态"}


def _offloaded_zh(text: str | None) -> str:
    """", weights, optimizer states offloaded" → "，权重、优化器状态卸载到主机"."""
    if not text:
        return ""
    kinds = text.removeprefix(", ").removesuffix(" offloaded").split(", ")
    return "，" + "、".join(_KIND_ZH.get(k, k) for k in kinds) + "卸载到主机"
