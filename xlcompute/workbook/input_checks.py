"""Checks on the Inputs sheet (issue 14 §1, §3): what a hand edit may break, said in words.

Each numeric input gets
- a data-validation rule with its error alert on: the range of the scenario field it comes from
  (``xlcompute._input_ranges``), so Excel and LibreOffice refuse "2T" or a ZeRO stage of 5 as it is
  typed, with a message naming the field and the range;
- a check cell in the column after the inputs: empty when the value is fine, otherwise one line
  in the workbook's language (a pasted value bypasses validation, so the check still says it), and
  a red mark on the input through conditional formatting;
- for the layout, the rules that hold *between* inputs: the cards fill whole TP·CP·PP groups (else
  the idle cards are counted), TP divides the attention heads, PP is at most the layers.
A summary cell above the inputs counts the problems, so an edit that breaks the plan shows at the
top of the sheet.
"""

from __future__ import annotations

from copy import copy

from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import Rule
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlcompute import fmt, registry
from xlcompute._input_ranges import InputRange, input_range
from xlcompute.workbook.styles import RED_FILL, RED_FONT, style_formula, style_header, style_note
from xlcompute.workbook.text import input_label

# What openpyxl's FormulaRule(fill=RED_FILL, font=RED_FONT) builds, made once: every red mark shares it,
# so a save finds its differential-style id by identity, not by comparing ~150 equal copies.
_RED_MARK = DifferentialStyle(font=RED_FONT, fill=RED_FILL)


def _red_when(formula: str) -> Rule:
    return Rule(type="expression", formula=[formula], dxf=_RED_MARK)


def _style_check(cell: Cell) -> None:
    """A check cell: a formula in the red font. The style is set on the sheet's first check cell and
    copied to the others: setting a font hashes the Font object each time (~150 inputs per workbook)."""
    first = cell.parent.__dict__.get("_xlcompute_check_style")
    if first is None:
        style_formula(cell)
        cell.font = RED_FONT
        cell.parent.__dict__["_xlcompute_check_style"] = copy(cell._style)
    else:
        cell._style = copy(first)

__all__ = ["CHECK_COLUMN", "READ_COLUMN", "FLAG_COLUMN", "UNUSABLE_NAME", "PROBLEMS_NAME", "PLAN_OUTCOMES",
           "PARSED_KEYS", "NO_FP8_PEAK", "add_input_checks", "add_check_summary", "add_read_cell",
           "add_choice_check", "field_name", "formula_text", "problems_banner"]

CHECK_COLUMN = "F"
#: How a check that is information, not a problem, starts (English, Chinese): not counted, not marked red.
NOTE_PREFIX = ("note: ", "注：")
READ_COLUMN = "G"
#: A hidden column: 1 on a row whose check says a plan's outcome (out of memory, a missed target), not an input
#: the formulas cannot use; the summary's other problems are such inputs, and the results block above the
#: inputs shows "—" while there is one.
FLAG_COLUMN = "H"
FLAG_COLUMN_INDEX = 8
UNUSABLE_NAME = "inputs_unusable"
#: How many checks say something (the inputs the formulas cannot use and the plans' outcomes), in the flag column.
PROBLEMS_NAME = "inputs_problems"
PARSED_KEYS = frozenset({"train_tokens", "model_params", "model_active_params"})
"""Counts a finance user types with a suffix (2T, 70B, 2万亿): the typed cell may hold text, and the
named cell is the number read from it, in the column after the checks."""

_ZERO_ZH = {"no deadline": "不设期限", "from the workload": "按工作量推算", "use the predicted MFU": "使用预测 MFU",
            "the Young–Daly optimum": "Young–Daly 最优值", "none": "无",
            "the bill of materials": "按物料清单", "no training: a serving-only plan": "不训练：仅推理方案",
            "as TP": "同 TP"}


def field_name(key: str, r: InputRange, lang: str) -> str:
    """How a message names the input: its scenario field in English; in Chinese the row's own label,
    with the scenario field after it where there is one (a step-time constant has none, and its
    English description would be the only English words in the message)."""
    if lang != "zh":
        return r.field
    label = input_label(key, "zh")
    return f"{label}（{r.field}）" if " " not in r.field else label


def _num(x: float) -> str:
    return fmt.plain(x) if abs(x) < 1e9 else f"{x:g}"


def rule_text(r: InputRange, lang: str) -> str:
    """The allowed values in words."""
    if lang == "zh":
        low = f"大于 {_num(r.lo)}" if r.lo_open else f"不小于 {_num(r.lo)}"
        text = f"{'整数，' if r.whole else ''}{low}，不大于 {_num(r.hi)}"
        if r.zero and r.lo <= 0 and not r.lo_open:
            return f"{text}（0：{_ZERO_ZH.get(r.zero, r.zero)}）"
        return f"{text}；或 0（{_ZERO_ZH.get(r.zero, r.zero)}）" if r.zero else text
    low = f"more than {_num(r.lo)}" if r.lo_open else f"at least {_num(r.lo)}"
    text = f"{'a whole number ' if r.whole else ''}{low} and at most {_num(r.hi)}"
    if r.zero and r.lo <= 0 and not r.lo_open:
        return f"{text} (0: {r.zero})"
    return f"{text}, or 0 ({r.zero})" if r.zero else text


def formula_text(s: str) -> str:
    """``s`` as a formula's string literal (quotes doubled): words and names stay data, never formula text."""
    return '"' + s.replace('"', '""') + '"'


def _in_range(cell: str, r: InputRange) -> str:
    parts = [f"{cell}>{r.lo!r}" if r.lo_open else f"{cell}>={r.lo!r}", f"{cell}<={r.hi!r}"]
    if r.whole:
        parts.append(f"INT({cell})={cell}")
    cond = f"AND({','.join(parts)})"
    return f"OR({cell}=0,{cond})" if r.zero else cond


# Rules between inputs: key -> (condition that is a problem, message parts). Names are the
# workbook's defined names, so the checks follow whatever row each input is on. A condition in
# PLAN_OUTCOMES is what the inputs give (a layout that outgrows the memory, a missed target), not an
# input the formulas cannot use: the results still show beside it.
def _cross_checks(key: str, lang: str) -> list[tuple[str, str]]:
    zh = lang == "zh"
    if key == "gpu_count":
        return [
            ("gpu_count<tp*cp*pp",
             '"卡数（"&gpu_count&"）少于一个 TP·CP·PP 组所需（"&tp*cp*pp&"）"' if zh else
             '"cards ("&gpu_count&") are fewer than one TP·CP·PP group needs ("&tp*cp*pp&")"'),
            # Not a problem: the estimate runs the whole groups and counts the idle cards (a note, not counted
            # or marked red, as the estimate itself reports it).
            ("MOD(gpu_count,tp*cp*pp)<>0",
             f'"{NOTE_PREFIX[1]}卡数不是 TP·CP·PP（"&tp*cp*pp&"）的整数倍："&MOD(gpu_count,tp*cp*pp)&" 张卡空闲（已计入）"'
             if zh else f'"{NOTE_PREFIX[0]}cards are not a multiple of TP·CP·PP ("&tp*cp*pp&"): "&MOD(gpu_count,tp*cp*pp)'
             '&" cards idle (counted in the figures)"'),
        ]
    if key == "tp":
        return [("MOD(heads,tp)<>0",
                 '"TP（"&tp&"）不能整除注意力头数（"&heads&"）：请取 "&heads&" 的因数"' if zh else
                 '"TP ("&tp&") does not divide the attention heads ("&heads&"): give a divisor of "&heads'),
                # The layout was planned when the workbook was built; an edit (a larger model, a longer
                # sequence) may outgrow it, which the estimate would have re-planned.
                ("IFERROR(AND(train_tokens>0,mem_fits=0),FALSE)",
                 '"该布局每卡需 "&ROUND(mem_per_gpu_gb,1)&" GB，超过 "&ROUND(gpu_hbm_gb,1)&" GB 显存：增大 TP 或 PP、'
                 'ZeRO 阶段或重计算，或重新生成工作簿（xlcompute workbook）以重新规划布局"' if zh else
                 '"the layout needs "&ROUND(mem_per_gpu_gb,1)&" GB per card of "&ROUND(gpu_hbm_gb,1)&" GB: raise TP or '
                 'PP, the ZeRO stage or recomputation, or build the workbook again (xlcompute workbook) to re-plan '
                 'the layout"')]
    if key == "train_tokens":
        return [("IFERROR(AND(train_tokens=0,users=0),FALSE)",
                 '"既无训练 token 也无推理用户：没有可规划的内容"' if zh else
                 '"no training tokens and no serving users: there is nothing to plan"')]
    # The serving replica and batch were sized for the targets when the workbook was built (the sizer's
    # search is not a formula); an edit that makes them miss a target or outgrow the memory says so.
    if key == "serving_tp":
        return [("IFERROR(AND(users>0,serving_max_sequences<1),FALSE)",
                 '"每个 "&serving_replica_size&" 卡的推理副本放下模型后没有 KV 缓存空间：增大推理 TP 或 PP，'
                 '或重新生成工作簿（xlcompute workbook）以重新确定副本"' if zh else
                 '"a replica of "&serving_replica_size&" cards has no memory left for the KV cache with this model: '
                 'raise the serving TP or PP, or build the workbook again (xlcompute workbook) to re-size the replica"')]
    if key == "tpot_target_s":
        return [("IFERROR(AND(users>0,tpot>tpot_target_s*1.000001),FALSE)",
                 '"平均每输出 token 时延 "&ROUND(tpot,3)&" s，超过目标 "&tpot_target_s&" s：推理副本（"'
                 '&serving_replica_size&" 卡）和批大小（"&serving_batch&"）是生成工作簿时按目标确定的，请减小解码批大小，'
                 '或重新生成工作簿（xlcompute workbook）"' if zh else
                 '"the mean time per output token is "&ROUND(tpot,3)&" s, above the "&tpot_target_s&" s target: the '
                 'serving replica ("&serving_replica_size&" cards) and batch ("&serving_batch&") were sized when the '
                 'workbook was built: lower the decode batch, or build the workbook again (xlcompute workbook)"')]
    if key == "ttft_target_s":
        return [("IFERROR(AND(users>0,ttft>ttft_target_s*1.000001),FALSE)",
                 '"首 token 时延 "&ROUND(ttft,3)&" s，超过目标 "&ttft_target_s&" s：推理副本和批大小是生成工作簿时按'
                 '目标确定的，请减小解码批大小，或重新生成工作簿（xlcompute workbook）"' if zh else
                 '"the time to first token is "&ROUND(ttft,3)&" s, above the "&ttft_target_s&" s target: the serving '
                 'replica and batch were sized when the workbook was built: lower the decode batch, or build the '
                 'workbook again (xlcompute workbook)"')]
    if key == "ep":  # estimate._layout's rules: EP divides the routed experts and is carved from tp·cp·dp
        return [("AND(ep>1,experts=0)",
                 '"EP（"&ep&"）需要混合专家模型（该模型没有路由专家）：EP 取 1"' if zh else
                 '"EP ("&ep&") needs a mixture-of-experts model (this model has no routed experts): set EP to 1"'),
                ("AND(experts>0,MOD(experts,ep)<>0)",
                 '"EP（"&ep&"）不能整除路由专家数（"&experts&"）：请取 "&experts&" 的因数"' if zh else
                 '"EP ("&ep&") does not divide the routed experts ("&experts&"): give a divisor of "&experts'),
                ("IFERROR(MOD(tp*cp*dp,ep*IF(etp>0,etp,tp))<>0,FALSE)",
                 '"EP·专家 TP（"&ep&"·"&IF(etp>0,etp,tp)&"）不能整除 TP·CP·DP（"&tp*cp*dp&"）：专家并行取自数据并行的'
                 '卡（Megatron-Core MoE）。请调整 EP，或重新生成工作簿（xlcompute workbook）以重新规划布局"' if zh else
                 '"EP·expert TP ("&ep&"·"&IF(etp>0,etp,tp)&") does not divide TP·CP·DP ("&tp*cp*dp&"): expert '
                 'parallelism is carved from the data-parallel ranks (Megatron-Core MoE). Change EP, or build the '
                 'workbook again (xlcompute workbook) to re-plan the layout"')]
    if key == "pp":
        return [("pp>layers",
                 '"PP（"&pp&"）多于层数（"&layers&"）：PP 至多为 "&layers' if zh else
                 '"PP ("&pp&") is more than the layers ("&layers&"): PP may be at most "&layers')]
    if key == "interleave":  # each virtual stage needs a layer (core.parallel.max_interleave), e.g. after a pp edit
        return [("IFERROR(AND(pp>=1,interleave>layers_per_stage),FALSE)",  # PP 0 is PP's own check
                 '"交错阶段数（"&interleave&"）多于最忙流水线级的层数（"&layers_per_stage&"）"' if zh else
                 '"interleave ("&interleave&") is more than the "&layers_per_stage&" layers on the busiest '
                 'pipeline stage"')]
    # A first/last-stage split leaves every other stage a layer (core.stages.check_stage_split).
    split = "OR(first_stage_layers>0,last_stage_layers>0)"
    rest = "(pp-IF(first_stage_layers>0,1,0)-IF(last_stage_layers>0,1,0))"
    left = "(layers-first_stage_layers-last_stage_layers)"
    if key == "dualpipe":  # core.stages.check_dualpipe: stage i pairs with p − 1 − i, half the micro-batches each way
        return [("AND(dualpipe>0,OR(pp<2,MOD(pp,2)<>0))",
                 '"DualPipe 需要至少为 2 的偶数 PP（当前 PP "&pp&"）"' if zh else
                 '"DualPipe needs an even PP of 2 or more (PP is "&pp&")"'),
                ("AND(dualpipe>0,interleave<>1)",
                 '"DualPipe 需要交错阶段数为 1（当前 "&interleave&"）"' if zh else
                 '"DualPipe needs interleave 1 (interleave is "&interleave&")"'),
                ("IFERROR(AND(dualpipe>0,pp>=2,grad_accum<2*pp),FALSE)",
                 '"DualPipe 每步至少需要 2·PP = "&2*pp&" 个微批（当前全局批大小给出 "&ROUND(grad_accum,0)&" 个）：增大全局批大小或减少 PP"'
                 if zh else
                 '"DualPipe needs at least 2·PP = "&2*pp&" micro-batches per step (the global batch gives "'
                 '&ROUND(grad_accum,0)&"): raise the global batch or lower PP"')]
    if key == "first_stage_layers":
        return [(f"AND({split},pp<2)",
                 '"首级/末级层数需要 PP 至少为 2（当前 PP "&pp&"）"' if zh else
                 '"a first/last-stage layer count needs PP of 2 or more (PP is "&pp&")"'),
                (f"AND({split},pp>=2,IF({rest}>0,{left}<{rest},{left}<>0))",
                 '"首级与末级的层数（"&first_stage_layers&"、"&last_stage_layers&"）没有给其余流水级各留至少一层，或与层数（"'
                 '&layers&"）不符"' if zh else
                 '"the first and last stages ("&first_stage_layers&" and "&last_stage_layers&" layers) leave no layer '
                 'for some other stage, or do not add up to the "&layers&" layers"')]
    return []


# FP8 training on a card the catalog gives no FP8 peak (910B, A800): said on the peak rows and on the precision
# drop-down's own row, where the fix is made. precision_choice: _book.CHOICE_NAMES["precision"] (not imported:
# _book imports this module); IFERROR where a workbook has no precision drop-down (a card given by its figures).
NO_FP8_PEAK: tuple[tuple[str, str], tuple[str, str]] = (
    ('IFERROR(AND(precision_choice="fp8",gpu_peak_tflops<=0),FALSE)',
     '"the chosen card has no FP8 peak in the catalog: set the training precision to bf16, or choose a card with an '
     'FP8 peak"'),
    ('IFERROR(AND(precision_choice="fp8",gpu_peak_tflops<=0),FALSE)',
     '"所选加速卡在目录中没有 FP8 峰值：把训练精度改为 bf16，或选择有 FP8 峰值的卡"'),
)


PLAN_OUTCOMES: frozenset[str] = frozenset({
    "IFERROR(AND(train_tokens>0,mem_fits=0),FALSE)",
    "IFERROR(AND(train_tokens=0,users=0),FALSE)",
    "IFERROR(AND(users>0,serving_max_sequences<1),FALSE)",
    "IFERROR(AND(users>0,tpot>tpot_target_s*1.000001),FALSE)",
    "IFERROR(AND(users>0,ttft>ttft_target_s*1.000001),FALSE)",
})


def _first_checks(key: str, lang: str) -> list[tuple[str, str]]:
    """Rules said before the range check: a looked-up figure the chosen card lacks reads as 0, and the
    reason is the card, not the number."""
    if key in ("gpu_peak_tflops", "precision_peak_ratio"):  # FP8 training on a card with no FP8 peak
        return [NO_FP8_PEAK[lang == "zh"]]
    if key == "serving_peak_tflops":  # an 8-bit serving precision on a card the catalog has no such peak for
        return [("AND(users>0,serving_peak_tflops<=0)",
                 '"所选卡没有该推理精度（FP8 或 INT8）的峰值：把 serving_fp8 与 serving_int8 设为 0，或选择有该峰值的卡"'
                 if lang == "zh" else
                 '"the card has no peak at the serving precision (FP8 or INT8): set serving_fp8 and serving_int8 '
                 'to 0, or choose a card that has one"')]
    return []


def _read_formula(typed: str) -> str:
    """The number in ``typed``: a number, or text with a suffix K/M/B/T (10^3..10^12, any case) or
    万/亿/万亿 (10^4, 10^8, 10^12), with native functions only (Excel and LibreOffice alike)."""
    t = f"TRIM({typed})"
    head1, head2 = f"LEFT({t},LEN({t})-1)", f"LEFT({t},LEN({t})-2)"
    return (f"IF(ISNUMBER({typed}),{typed},IF(RIGHT({t},2)=\"万亿\",VALUE({head2})*1E+12,"
            f"IF(RIGHT({t},1)=\"亿\",VALUE({head1})*1E+8,IF(RIGHT({t},1)=\"万\",VALUE({head1})*1E+4,"
            f"IFERROR(VALUE({head1})*10^(3*FIND(UPPER(RIGHT({t},1)),\"KMBT\")),VALUE({t}))))))")


def add_read_cell(ws: Worksheet, row: int, number_format: str) -> None:
    """The number read from the typed cell of ``row`` (for :data:`PARSED_KEYS`)."""
    c = ws.cell(row=row, column=7, value="=" + _read_formula(f"B{row}"))
    style_formula(c)
    c.number_format = number_format


def _typed_rule(cell: str) -> str:
    # Short enough for a validation formula (255 characters): a number, or a number before one of
    # the suffixes; _read_formula then reads it.
    return (f'OR(ISNUMBER({cell}),AND(ISNUMBER(-LEFT({cell},LEN({cell})-1)),ISNUMBER(FIND(UPPER('
            f'RIGHT({cell},1)),"KMBT万亿"))),AND(RIGHT({cell},2)="万亿",ISNUMBER(-LEFT({cell},LEN({cell})-2))))')


def _title(name: str, key: str, lang: str) -> str:
    """A validation box's title: Excel keeps 32 characters, so a label with its field name that is longer
    gives way to the label alone, and a label still longer ends in "…" rather than mid-word."""
    for text in (name, registry.label(key, lang)):
        if len(text) <= 32:
            return text
    return text[:31] + "…"


def add_input_checks(ws: Worksheet, row: int, key: str, lang: str) -> None:
    """Validation, check cell and red mark for the input ``key`` written in column B of ``row``
    (its number in column G for :data:`PARSED_KEYS`)."""
    r = input_range(key)
    if r is None:
        return
    typed = f"B{row}"
    cell = f"{READ_COLUMN}{row}" if key in PARSED_KEYS else typed
    name = field_name(key, r, lang)
    message = f"{name}: {rule_text(r, lang)}" if lang == "en" else f"{name}：{rule_text(r, lang)}"
    if key in PARSED_KEYS:
        message += "（可写 2T、70B、2万亿）" if lang == "zh" else " (2T, 70B or 2万亿 may be typed)"
        dv = DataValidation(type="custom", formula1=_typed_rule(typed))
    elif r.zero or r.lo_open:
        dv = DataValidation(type="custom", formula1=_in_range(cell, r))
    else:
        dv = DataValidation(type="whole" if r.whole else "decimal", operator="between",
                            formula1=repr(r.lo), formula2=repr(r.hi))
    dv.allow_blank = False
    dv.showErrorMessage, dv.errorStyle = True, "stop"
    dv.errorTitle = dv.promptTitle = _title(name, key, lang)
    dv.error = message[:255]
    dv.showInputMessage = True
    dv.prompt = message[:255]
    ws.add_data_validation(dv)
    dv.add(typed)

    not_number = f"{name}：请输入数字" if lang == "zh" else f"{name}: type a number"
    formula = (f"IF(NOT(ISNUMBER({cell})),{formula_text(not_number)},"
               f"IF(NOT({_in_range(cell, r)}),{formula_text(message)},")
    tail = '""'
    for cond, words in reversed(_cross_checks(key, lang)):
        tail = f"IF({cond},{words},{tail})"
    if tail != '""':  # a rule on other inputs errs while one of them is broken, which its own row names
        tail = f'IFERROR({tail},"")'
    body = f"{formula}{tail}))"
    for cond, words in reversed(_first_checks(key, lang)):  # a rule on a broken lookup waits for its own row
        body = f"IF(IFERROR({cond},FALSE),{words},{body})"
    check = ws.cell(row=row, column=6, value=f"={body}")
    _style_check(check)
    # A row whose check may say a plan's outcome (out of memory, a missed target) flags that message: the
    # summary counts every other problem as an input the formulas cannot use. Flagged here only, not on every
    # row (a formula per input costs a workbook ~20 % of its build time).
    if any(cond in PLAN_OUTCOMES for cond, _ in _cross_checks(key, lang)):
        unusable = [cond for cond, _ in _first_checks(key, lang)]
        unusable += [f"NOT(ISNUMBER({cell}))", f"NOT({_in_range(cell, r)})"]
        unusable += [cond for cond, _ in _cross_checks(key, lang) if cond not in PLAN_OUTCOMES]
        _add_outcome_flag(ws, row, unusable)
    where = f"${CHECK_COLUMN}${row}"
    prefix = NOTE_PREFIX[1] if lang == "zh" else NOTE_PREFIX[0]
    problem = (f'AND({where}<>"",LEFT({where},{len(prefix)})<>{formula_text(prefix)})' if key == "gpu_count"
               else f'{where}<>""')
    ws.conditional_formatting.add(typed, _red_when(problem))


def _add_outcome_flag(ws: Worksheet, row: int, unusable: list[str]) -> None:
    """1 in the hidden flag column when the row's check says something and none of ``unusable`` holds (tested
    in turn, so a rule that needs a number is not tested on text): the message is a plan's outcome."""
    body = "1"
    for cond in reversed(unusable):
        body = f"IF({cond},0,{body})"
    ws.cell(row=row, column=FLAG_COLUMN_INDEX, value=f'=IF({CHECK_COLUMN}{row}="",0,IFERROR({body},0))')


def add_choice_check(ws: Worksheet, row: int, source_list: str, label: str, lang: str,
                     also: tuple[str, str] | None = None) -> None:
    """The check of a drop-down row: a name pasted past the list (a paste bypasses validation) is named,
    where every lookup would otherwise fail without a word. ``source_list`` is the validation's list: a
    range, or quoted comma-separated names; ``also``, a (condition, message formula) the choice itself can
    cause elsewhere, said on its own row where the fix is made."""
    cell = f"B{row}"
    if source_list.startswith('"'):
        known = f"OR({','.join(f'{cell}={formula_text(v)}' for v in source_list.strip(chr(34)).split(','))})"
    else:
        known = f"ISNUMBER(MATCH({cell},{source_list},0))"
    after = "”不在下拉列表中：请从列表选择" if lang == "zh" else " is not in the list: pick one from the drop-down list"
    words = f'{formula_text(label + ("“" if lang == "zh" else " "))}&{cell}&{formula_text(after)}'
    ok = '""' if also is None else f'IFERROR(IF({also[0]},{also[1]},""),"")'  # other inputs' rows name theirs
    check = ws.cell(row=row, column=6, value=f'=IF({known},{ok},{words})')
    _style_check(check)
    ws.conditional_formatting.add(cell, _red_when(f'${CHECK_COLUMN}${row}<>""'))


def problems_banner(lang: str) -> str:
    """The formula of a result sheet's top line: not valid while an input cannot be used, a pointer to the Inputs
    sheet's checks while they flag a plan's outcome, else empty (helper-109's review: a negative token count blanked
    the Inputs sheet's results and left -196 days and a negative budget on the Goodput and Budget sheets)."""
    if lang == "zh":
        bad = "本表数字无效：输入表中有输入无法按所填值使用（见输入表 F 列），修正后再读"
        flagged = ('"输入表 F 列标出 "&' + PROBLEMS_NAME + '&" 个问题：本表数字按所填输入计算，请结合这些问题阅读"')
    else:
        bad = "Not valid: an input on the Inputs sheet cannot be used as typed (see its column F). Fix it first"
        flagged = ('"The Inputs sheet flags "&' + PROBLEMS_NAME + '&IF(' + PROBLEMS_NAME + '=1," problem"," problems")'
                   '&" in column F: these figures follow the inputs as typed. Read them with it"')
    return f'=IF({UNUSABLE_NAME}>0,{formula_text(bad)},IF({PROBLEMS_NAME}>0,{flagged},""))'


def add_check_summary(ws: Worksheet, row: int, first: int, last: int, lang: str, header_row: int) -> None:
    """The header of the check column (in ``header_row``) and, in ``row``, how many inputs have a problem."""
    style_header(ws.cell(row=header_row, column=6, value="检查" if lang == "zh" else "Check"))
    style_header(ws.cell(row=header_row, column=7, value="读取值" if lang == "zh" else "Read as"))
    span = f"{CHECK_COLUMN}{first}:{CHECK_COLUMN}{last}"
    prefix = NOTE_PREFIX[1] if lang == "zh" else NOTE_PREFIX[0]
    # the checks that say something, less the notes (information, not problems)
    n = f'(COUNTIF({span},"?*")-COUNTIF({span},{formula_text(prefix + "*")}))'
    if lang == "zh":
        words = f'IF({n}=0,"所有输入有效",{n}&"项输入有问题：见 F 列")'
        wait = "；输入可用前，上方结果显示为 —"
    else:
        words = (f'IF({n}=0,"All inputs are valid",IF({n}=1,"1 input has a problem: see column F",'
                 f'{n}&" inputs have a problem: see column F"))')
        wait = ". The results above show — until the inputs can be used"
    words += f'&IF({UNUSABLE_NAME}>0,{formula_text(wait)},"")'
    # the problems less the plans' outcomes: the inputs the formulas cannot use
    flags = ws.cell(row=row, column=FLAG_COLUMN_INDEX,
                    value=f"={n}-COUNTIF({FLAG_COLUMN}{first}:{FLAG_COLUMN}{last},1)")
    ws.parent.defined_names[UNUSABLE_NAME] = DefinedName(
        UNUSABLE_NAME, attr_text=f"{quote_sheetname(ws.title)}!${FLAG_COLUMN}${flags.row}")
    count = ws.cell(row=row - 1, column=FLAG_COLUMN_INDEX, value=f"={n}")  # for the result sheets' banner
    ws.parent.defined_names[PROBLEMS_NAME] = DefinedName(
        PROBLEMS_NAME, attr_text=f"{quote_sheetname(ws.title)}!${FLAG_COLUMN}${count.row}")
    ws.column_dimensions[FLAG_COLUMN].hidden = True  # flags for the formulas, not for reading
    c = ws.cell(row=row, column=6, value=f"={words}")
    style_formula(c)
    style_note(c)
    ws.conditional_formatting.add(c.coordinate, _red_when(f"{n}>0"))
