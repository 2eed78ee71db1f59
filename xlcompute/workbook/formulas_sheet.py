"""The Formulas sheet: every core function the workbook's cells use, one Excel instance of it,
its meaning and its source (the citation of the function's docstring, xlcompute.registry)."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable

from xlcompute import registry
from xlcompute._docs import module_sources
from xlcompute._graph import STEPS
from xlcompute.citations import cited_works_zh
from xlcompute.core.expr import Value
from xlcompute.workbook._book import CHOICE_NAMES, Book
from xlcompute.workbook.catalog_sheets import HW_COLUMNS, CatalogTable
from xlcompute.workbook.styles import finish_sheet, put_text, style_header, style_note, style_plain, style_title, wrapped_height
from xlcompute.workbook.text import sheet_title, text

__all__ = ["formulas_sheet"]


def formulas_sheet(b: Book, hw: CatalogTable) -> None:
    ws, lang = b.ws["formulas"], b.lang
    style_title(ws.cell(row=1, column=1, value=sheet_title("formulas", lang)))
    style_note(ws.cell(row=2, column=1, value=text("formulas_note", lang)))
    for col, key in enumerate(("col_function", "col_used_for", "col_excel", "col_meaning", "col_source"),
                              start=1):
        style_header(ws.cell(row=4, column=col, value=text(key, lang)))
    rows: list[tuple[str, str, str, str, str]] = []
    for fn, (used, formula) in b.instances.items():
        meaning, source = _doc_parts(fn)
        if lang == "zh":
            meaning, source = _meaning_zh(fn, used), "；".join(cited_works_zh(source))
        rows.append((_fn_name(fn), ", ".join(used), formula, meaning, source or text("derived", lang)))
    rows.append(("INDEX / MATCH", "gpu_hbm_gb, …, model_params, …",
                 "=" + hw.lookup(HW_COLUMNS["gpu_hbm_gb"], CHOICE_NAMES["gpu"]),
                 text("lookup_meaning", lang), text("lookup_source_doc", lang)))
    # End-to-end days: the steps' time (schedule) over the effective training-time ratio (goodput).
    days_sources = "; ".join(s for s in (_doc_parts(_step_fn(k))[1] for k in ("step_train_seconds", "train_seconds")) if s)
    budget_source = _doc_parts(_step_fn("total_budget"))[1]
    if lang == "zh":
        days_sources, budget_source = "；".join(cited_works_zh(days_sources)), "；".join(cited_works_zh(budget_source))
    rows.append(("schedule.train_seconds · goodput.calendar_seconds", b.ws["sensitivity"].title, b.sens_days_instance,
                 text("sens_meaning", lang), days_sources or text("derived", lang)))
    rows.append(("cost.total_cost", b.ws["sensitivity"].title, b.sens_budget_instance, text("sens_meaning", lang),
                 budget_source or text("derived", lang)))
    # The sources of each core module (its docstring's title and Sources paragraphs), below the
    # functions: the reading the proposal's appendix once printed, kept with the formulas.
    rows.append(("", "", "", "", ""))
    sources_row = len(rows)
    rows.append((text("module_sources", lang), "", "", "", ""))
    modules = dict.fromkeys(fn.__module__ for fn in b.instances)
    for name in modules:
        doc = module_sources(sys.modules[name].__doc__)
        if lang == "zh":
            doc = _module_sources_zh(name, doc)
        rows.append((name.removeprefix("xlcompute."), "", "", doc, ""))
    widths = {"A": 28, "B": 28, "C": 60, "D": 50, "E": 50}
    for i, values in enumerate(rows):
        r = 5 + i
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=r, column=col)
            put_text(c, value)  # formula text shown as text, never evaluated
            style_plain(c, wrap=True)
        # Wrapped rows get an explicit height: spreadsheets do not grow rows written by openpyxl.
        ws.row_dimensions[r].height = wrapped_height(list(zip(values, widths.values())))
    style_header(ws.cell(row=5 + sources_row, column=1))
    finish_sheet(ws, widths, b.footer, "A5")
    # Long formulas and sources stay whole on paper: wrapped cells, header row on every page.
    ws.print_title_rows = "4:4"


#: The core modules' titles in Chinese (the English is each module docstring's first line).
MODULE_ZH: dict[str, str] = {
    "arith": "估算图共用的小型算术（求和、比值、取整）。",
    "bom": "物料清单：由集群规模推出机柜、横向扩展网络、存储与机房电力。",
    "comm": "三维并行训练的通信量与通信时间。",
    "compute": "训练与推理的浮点运算量（FLOPs，而非 FLOP/s）。",
    "cost": "成本与能耗：租用、资本支出、电力。",
    "expr": "一个公式，多种求值：按参数类型分派的表达式类型与辅助函数。",
    "goodput": "从单步时间到日历时间：故障、检查点、重启与计划内开销。",
    "inference": "推理单步模型：预填充、解码（权重与 KV 缓存读取对显存带宽、计算对峰值）、连续批处理、首 token 时延与每 token 时延。",
    "kernels": "单卡上的算子时间：效率曲线上的矩阵乘、访存受限算子、融合注意力与优化器更新（秒）。",
    "memory": "训练与推理的显存占用（字节）。",
    "moe": "混合专家（MoE）与 FP8：专家并行及其 all-to-all 通信、路由与共享专家、MLA 注意力、多 token 预测、FP8 矩阵乘。",
    "parallel": "三维并行的算术与吞吐。",
    "params": "仅解码器 Transformer 语言模型的参数量。",
    "scale": "随作业规模（而非工作量）增长的效应。",
    "schedule": "由浮点运算量推出训练时间与集群规模。",
    "serving": "推理服务：满足需求的卡数、每请求与每 token 成本、速度上限。",
    "shape": "只知规模的模型：按 Llama 3 比例画出的稠密结构。",
    "spread": "不确定规划输入的分布（分位函数）。",
    "stages": "流水线各级层数的检查：首级与末级的层数须给其余各级各留至少一层。",
    "units": "单位换算：核心以国际单位制计算，只在边缘换算。",
}

#: Chinese meanings of the generic helpers (a function used for many quantities; the others are
#: worded from the registry's Chinese labels of what they compute).
_GENERIC_ZH: dict[str, str] = {
    "arith.total": "各项之和 a + b + …",
    "arith.difference": "差 a − b",
    "arith.ratio": "比值 a / b",
    "arith.product": "乘积 a × b",
    "arith.round_up_to_multiple": "向上取整到 step 的整数倍 ⌈x/step⌉·step",
    "arith.fits": "need ≤ have 时为 1，否则为 0",
    "units.tera": "x · 10^12（TFLOPS → FLOP/s，TB → 字节）",
    "units.giga": "x · 10^9（GB → 字节，GB/s → 字节/秒）",
    "units.micro": "x · 10^-6（微秒 → 秒）",
    "units.per_giga": "x / 10^9（字节 → GB）",
    "units.gbit_to_bytes_per_s": "Gbit/s → 字节/秒：x · 10^9 / 8",
    "expr.max_": "各项中的最大值",
    "expr.min_": "各项中的最小值",
}

_MAX_LABELS = 4


def _module_sources_zh(name: str, doc: str) -> str:
    """A core module's sources for the Chinese sheet: its Chinese title, then the works each item
    of its Sources paragraph cites, one item per line (a tag such as [RING] stays with its work)."""
    items = ["；".join(cited_works_zh(item)) for item in doc.split("\n- ")[1:] or doc.split("\n\n")[1:]]
    return "\n".join([MODULE_ZH[name.rsplit(".", 1)[-1]], *(i for i in items if i)])


def _meaning_zh(fn: Callable[..., Value], used: list[str]) -> str:
    """The Chinese meaning of ``fn``: the generic helpers' own words, else what it computes, worded
    from the registry's Chinese labels (the formula itself is in the next column)."""
    name = _fn_name(fn)
    labels = list(dict.fromkeys(registry.label(k, "zh") for k in used))
    shown = "、".join(labels[:_MAX_LABELS]) + ("等" if len(labels) > _MAX_LABELS else "")
    if name in _GENERIC_ZH:
        return f"{_GENERIC_ZH[name]}（用于{shown}）"
    return f"计算{shown}"


def _step_fn(key: str) -> Callable[..., Value]:
    return next(s.fn for s in STEPS if s.key == key)


def _fn_name(fn: Callable[..., Value]) -> str:
    return f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"


@functools.lru_cache(maxsize=1024)
def _doc_parts(fn: Callable[..., Value]) -> tuple[str, str]:
    """(first line of the docstring, its citations): the Formulas sheet's meaning and source."""
    doc = (inspect.getdoc(fn) or "").replace("``", "")  # reST literals read as plain text
    lines = doc.splitlines()
    meaning = lines[0].strip() if lines else fn.__name__
    return meaning, registry.citation(fn)
