"""Proposal text of the risks whose mitigation follows from the plan's own figures: the exposed
communication (which part of it, and what the plan does not do yet), renting cheaper than owning
(by how much, and whether more work could change it) and the pipeline bubble (whether the schedule
is interleaved already). Kept apart from ``i18n.TEXT`` (which merges it).
Same rules as ``i18n``: (English, Chinese), the same placeholders in both, arguments escaped."""

from __future__ import annotations

RISK_TEXT: dict[str, tuple[str, str]] = {
    "risk_comm": (
        "Exposed communication is {share} of the predicted step time ({comm} s of {step} s); {most} is "
        "{part} ({part_s} s). The predicted MFU of {pmfu} counts it; links slower than the catalog's would "
        "lower it further.",
        "未被掩盖的通信占预测每步时间的 {share}（{step} 秒中的 {comm} 秒），{most}{part}（{part_s} 秒）。"
        "预测 MFU {pmfu} 已计入这部分时间；链路若慢于目录数据，MFU 会更低。",
    ),
    "comm_most": ("most of it", "其中大部分是"),
    "comm_largest": ("its largest part", "其中最大的部分是"),
    "comm_part_tp": ("tensor-parallel all-reduce", "张量并行 all-reduce"),
    "comm_part_ep": ("the expert all-to-all", "专家 all-to-all"),
    "comm_part_dp": ("the data-parallel gradient reduction", "数据并行梯度归约"),
    "comm_part_pp": ("sends between pipeline stages", "流水线级间传输"),
    "comm_part_cp": ("the context-parallel attention exchange", "上下文并行的注意力交换"),
    # What to change for the largest part; each ends with the pilot run (mit_comm_pilot).
    "mit_comm_tp_overlap": (
        "Overlap the tensor-parallel all-reduce with the GEMMs (Megatron-Core's --tp-comm-overlap; "
        "training.tp_overlap: true): the step-time model then predicts {step} s per step and {mfu} MFU instead "
        "of {step0} s and {mfu0}. No validation run measures that overlap, so the plan leaves it off until the "
        "scenario says the framework runs it.",
        "将张量并行 all-reduce 与矩阵乘重叠（Megatron-Core 的 --tp-comm-overlap；training.tp_overlap: true）："
        "单步时间模型预测每步 {step} 秒、MFU {mfu}，而非 {step0} 秒、{mfu0}。该重叠尚无验证实测，因此在场景"
        "说明框架支持之前，方案不采用。",
    ),
    "mit_comm_tp_node": (
        "Keep tensor parallelism inside a server ({node} cards), where the links are fastest.",
        "将张量并行限制在服务器内部（{node} 张卡），那里的链路最快。",
    ),
    "mit_comm_tp_smaller": (
        "A smaller tensor-parallel degree with more pipeline stages, or a card with faster links inside the "
        "server, shortens it.",
        "减小张量并行度并增加流水线级数，或选用服务器内链路更快的卡，可缩短这部分时间。",
    ),
    "mit_comm_a2a_overlap": (
        "Overlap the expert all-to-all with computation (training.a2a_overlap: {q}, DualPipe-style as in "
        "DeepSeek-V3): the step-time model then predicts {step} s per step and {mfu} MFU instead of {step0} s "
        "and {mfu0}.",
        "将专家 all-to-all 与计算重叠（training.a2a_overlap: {q}，即 DeepSeek-V3 的 DualPipe 方式）：单步时间"
        "模型预测每步 {step} 秒、MFU {mfu}，而非 {step0} 秒、{mfu0}。",
    ),
    "mit_comm_ep": (
        "Keep expert parallelism inside a server, or choose a faster scale-out network.",
        "将专家并行限制在服务器内部，或选用更快的服务器间网络。",
    ),
    "mit_comm_dp": (
        "A faster scale-out network, or a larger global batch (fewer gradient reductions per token), "
        "shortens it.",
        "更快的服务器间网络或更大的全局批（每个 token 摊到的梯度归约更少）可缩短这部分时间。",
    ),
    "mit_comm_pp": (
        "Fewer pipeline stages, or a faster scale-out network, shortens it.",
        "减少流水线级数或选用更快的服务器间网络，可缩短这部分时间。",
    ),
    "mit_comm_cp": (
        "A smaller context-parallel group, kept inside a server, shortens it.",
        "缩小上下文并行组并限制在服务器内部，可缩短这部分时间。",
    ),
    "mit_comm_pilot_node": (
        "Confirm the server's link ({gbs} GB/s per card) in a pilot run.",
        "请在试运行中验证服务器内链路（每卡 {gbs} GB/s）。",
    ),
    "mit_comm_pilot": (
        "Confirm the scale-out network ({gbps} Gbit/s per card) in a pilot run.",
        "请在试运行中验证服务器间网络（每卡 {gbps} Gbit/s）。",
    ),
    "mit_mfu_gap": (
        "At {mfu} a step would take {need} s{below}; the step-time model's {step} s holds {compute} s of "
        "computation at its calibrated kernel speeds, {comm} s of exposed communication, {bubble} s of pipeline "
        "bubble and {rest} s of stragglers and the rest.",
        "按 MFU {mfu}，每步应为 {need} 秒{below}；单步时间模型预测的 {step} 秒中，按其校准的内核速度计算占 {compute} 秒、"
        "未被掩盖的通信 {comm} 秒、流水线气泡 {bubble} 秒，掉队与其余 {rest} 秒。",
    ),
    "mit_mfu_gap_below": (
        ", less than the computation alone",
        "，比其中的计算时间还短",
    ),
    "risk_rent_cheaper": (
        "Renting the planned work for {years} years ({cloud} in present value) costs less than owning the "
        "cluster ({budget}, {times} times as much): the planned work keeps it {util} busy.",
        "{years} 年内租用计划工作量（现值 {cloud}）比自建集群（{budget}，为其 {times} 倍）更便宜：计划工作只使集群"
        "利用率达到 {util}。",
    ),
    "mit_rent_cheaper": (
        "Plan more work for the cluster (owning pays once it is busy more than {share} of the time), negotiate "
        "server prices, extend the service life beyond {years} years, or rent.",
        "为集群规划更多工作（忙碌时间超过 {share} 时自建更省）、压低服务器价格、将使用年限延长至 {years} 年以上，"
        "或改为租用。",
    ),
    "mit_rent_cheaper_never": (
        "Rent: at {price} per rented card-hour owning does not pay even with the cluster busy all the time; only "
        "a lower server price or running cost would make it pay.",
        "改为租用：按每租用卡时 {price}，即使集群全时忙碌，自建也不划算；只有更低的服务器价格或运营成本才能使"
        "自建划算。",
    ),
    "risk_long_run": (
        "A {days}-day run on {cards} cards ({hours} card-hours) will see about {interruptions} unplanned "
        "interruptions, one every {mtbf} hours.",
        "在 {cards} 张卡上运行 {days} 天（{hours} 卡·时）预计遇到约 {interruptions} 次非计划中断，每 {mtbf} 小时一次。",
    ),
    "risk_long_run_one": (
        "A {days}-day run on {cards} cards ({hours} card-hours) will likely see one unplanned interruption "
        "(one every {mtbf} hours).",
        "在 {cards} 张卡上运行 {days} 天（{hours} 卡·时）预计遇到约 1 次非计划中断（每 {mtbf} 小时一次）。",
    ),
    "mit_long_run": (
        "The schedule counts them already: a checkpoint every {interval} s and {restart} s restarts keep {ettr} "
        "of the calendar time (the schedule in Compute and timeline). Keep spare servers and monitor for slow or "
        "failing cards; a higher failure rate than {rate} per card-hour lengthens the run.",
        "工期已计入这些中断：每 {interval} 秒保存一次检查点、每次重启 {restart} 秒，保留 {ettr} 的日历时间（见“算力与"
        "工期”一章的工期一节）。请预留备用服务器并监控慢卡与故障卡；故障率若高于每卡时 {rate}，训练将更长。",
    ),
    "risk_bubble": (
        "The pipeline bubble, {bubble} of the micro-batches' time, takes {share} of each step with {pp} stages and "
        "{m} micro-batches per step.",
        "流水线气泡为各微批计算时间的 {bubble}，占每步时间的 {share}（{pp} 级，每步 {m} 个微批）。",
    ),
    "risk_bubble_interleaved": (
        "The pipeline bubble, {bubble} of the micro-batches' time, takes {share} of each step with {pp} stages of "
        "{v} interleaved chunks per card and {m} micro-batches per step.",
        "流水线气泡为各微批计算时间的 {bubble}，占每步时间的 {share}（{pp} 级，每卡 {v} 个交错块，每步 {m} 个微批）。",
    ),
    "mit_bubble": (
        "Use the interleaved 1F1B schedule or more micro-batches per step (a larger global batch).",
        "采用交错式 1F1B 调度，或增加每步微批数（增大全局批大小）。",
    ),
    "mit_bubble_dualpipe": (
        "The schedule is DualPipe already, which does not interleave: more micro-batches per step (a larger global "
        "batch) or fewer pipeline stages shrink the bubble.",
        "调度已采用 DualPipe（不与交错调度同用）：增加每步微批数（增大全局批大小）或减少流水线级数可缩小气泡。",
    ),
    "mit_bubble_interleaved": (
        "The schedule is interleaved already: more micro-batches per step (a larger global batch) or fewer "
        "pipeline stages shrink the bubble.",
        "调度已采用交错式：增加每步微批数（增大全局批大小）或减少流水线级数可缩小气泡。",
    ),
}
