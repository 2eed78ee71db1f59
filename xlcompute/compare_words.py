"""``compare()``'s notes and refusal reasons in the reader's language, for every face.

:class:`xlcompute.compare.Note` and :class:`xlcompute.compare.Reason` are data; the proposal, the
workbook's Compare sheet and the CLI word them here, once. English keeps the estimate's own line for
a refusal (it names the scenario fields); Chinese words the reason's kind and numbers.
"""

from __future__ import annotations

from xlcompute import fmt, registry
from xlcompute.compare import Note, Reason

__all__ = ["reason_words", "note_words", "REASONS", "NOTES"]

# Reason.kind -> (en, zh); {cards} and {hbm} are the reason's numbers.
REASONS: dict[str, tuple[str, str]] = {
    "no_fp8": ("the card has no fp8 peak in the catalog, and the scenario trains in fp8",
               "该卡在目录中没有 fp8 峰值，而场景按 fp8 训练"),
    "no_offload_tier": ("the scenario keeps weights or states in host memory (offload), and the card has no offload "
                        "tier", "场景将权重或状态卸载到主机内存，而该卡没有卸载层级"),
    "no_layout_fits": ("no layout of {cards} cards fits the model in {hbm} of memory per card",
                       "{cards} 张卡的任何并行布局都无法在每卡 {hbm} 显存中容纳该模型"),
    "layout_no_fit": ("the scenario's layout does not fit in the card's memory", "场景给定的并行布局超出该卡显存"),
    "too_many_failures": ("failures on {cards} cards would leave the run too little training time",
                          "{cards} 张卡上的故障会使训练有效时间过少"),
    "other": ("the estimate refuses this card (the command xlcompute compare prints the reason)",
              "估算无法用于该卡（xlcompute compare 命令会给出原因）"),
}

# Note.kind -> (en, zh).
NOTES: dict[str, tuple[str, str]] = {
    "catalog_figures": ("catalog figures of the card instead of the scenario's {fields}",
                        "采用该卡的目录数据，而非场景给出的 {fields}"),
    "prices_kept": ("the scenario's {fields} kept (given for its own card; the catalog has no price for this card)",
                    "沿用场景给出的{fields}（原为场景自身的卡给出；目录中没有该卡的价格）"),
    "prices_catalog": ("the catalog's prices of this card, not the scenario's {fields} (given for {given_for})",
                       "采用目录中该卡的价格，而非场景给出的{fields}（原为 {given_for} 给出）"),
    "planner_layout": ("layout chosen by the planner (the scenario's tp {tp} / pp {pp}: {detail})",
                       "并行布局由规划器选择（场景的 tp {tp} / pp {pp}：{detail}）"),
    "recipe_precision_dropped": ("bf16 ({fields}): the model's published FP8 pre-training needs an FP8 peak, which "
                                 "this card lacks in the catalog",
                                 "bf16（{fields}）：该模型公开的 FP8 预训练需要 FP8 峰值，目录中该卡没有"),
    "release_precision_dropped": ("bf16 ({fields}): the model's FP8 release is served at its FP8 peak, which this "
                                  "card lacks in the catalog",
                                  "bf16（{fields}）：该模型以 FP8 发布，按 FP8 峰值推理，目录中该卡没有 FP8 峰值"),
    "deadline_missed": ("{days} days: the deadline of {deadline} days is not reached", "{days} 天：未达到 {deadline} 天的截止期限"),
    "serving_short": ("serving needs {serving} cards, more than the {cluster} of the cluster: its cost per output "
                      "token assumes a fleet the plan does not hold",
                      "推理需 {serving} 张卡，超过集群的 {cluster} 张：其每输出 token 成本所依据的推理集群不在本方案之内"),
    "kernel_extrapolated": ("{what} extrapolated: no training measurement calibrates this card; the step-time "
                            "model borrows the {borrowed} calibration{carried}{runs}",
                            "{what}为外推：没有训练实测校准该卡，单步时间模型借用 {borrowed} 的校准{carried}{runs}"),
}
# What the kernel_extrapolated note says is extrapolated: the days and MFU, or (MFU assumed) the predicted MFU.
_EXTRAPOLATED = {False: ("days and MFU", "天数与 MFU "), True: ("predicted MFU", "预测 MFU ")}
# The kernel_extrapolated note's tail when the GEMM constant is carried by the measured matmul ceiling.
_CARRIED = (", its GEMM constant carried by the card's measured matmul ceiling", "，矩阵乘常数按该卡实测矩阵乘上限折算")
# Its tail when held-out published pre-training runs were measured on the card (core.spread.CARD_END_TO_END_RECORDED).
_RUNS = ("; its {n} held-out published pre-training runs took {times}× the card-hours the tool predicted (median; "
         "xlcompute validate)", "；该卡 {n} 次留出的公开预训练实际用去工具预测卡时的 {times} 倍（中位数；xlcompute validate）")

# Scenario fields a note names -> the graph input whose registry label the reader knows.
_FIELD_INPUTS = {"server_price": "server_price", "price_per_card_hour": "price_per_gpu_hour",
                 "price_reserved_1y": "price_reserved_1y", "price_reserved_3y": "price_reserved_3y",
                 "cards_per_node": "cards_per_node", "tdp_w": "gpu_tdp_w", "intra_node_gbs": "intra_node_gbs",
                 "offload_gb": "offload_gb", "offload_gbs": "offload_gbs"}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def reason_words(why: Reason | None, english: str, lang: str) -> str:
    """Why a card cannot run the job, in ``lang``: English keeps the estimate's own line."""
    if lang != "zh" or why is None and not english:
        return english
    if why is None:  # a reason without data (a hand-made row): say that the card cannot run it
        return _pick(REASONS["other"], lang)
    return _pick(REASONS.get(why.kind, REASONS["other"]), lang).format(
        cards=fmt.count(why.cards), hbm=fmt.gb(why.hbm_gb * 1e9, 0))


def note_words(n: Note, lang: str, labels: bool = True) -> str:
    """What a swap changed beyond the card, in ``lang``; ``labels`` names fields by their labels
    (the proposal, the CLI) rather than their scenario names."""
    sep = "、" if lang == "zh" else ", "
    fields = sep.join(registry.label(_FIELD_INPUTS[f], lang) if labels and f in _FIELD_INPUTS else f
                      for f in n.fields)
    detail = reason_words(n.why, n.detail, lang)
    return _pick(NOTES[n.kind], lang).format(fields=fields, tp=n.tp, pp=n.pp, detail=detail,
                                             days=fmt.days(n.days), deadline=f"{n.deadline:g}", borrowed=n.borrowed,
                                             given_for=n.given_for,
                                             serving=fmt.count(n.serving_cards), cluster=fmt.count(n.cluster_cards),
                                             carried=_pick(_CARRIED, lang) if n.carried else "",
                                             what=_pick(_EXTRAPOLATED[n.mfu_assumed], lang),
                                             runs=_pick(_RUNS, lang).format(n=n.e2e_runs, times=f"{n.e2e_times:.1f}")
                                             if n.e2e_runs else "")
