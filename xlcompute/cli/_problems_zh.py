"""Input problems in Chinese for ``--lang zh``: the shapes the scenario checks word most often.

The problems are composed in English where they are found (``scenario._message``, the catalog's
unknown names, the file checks); this table renders the common shapes — a value out of range, a
missing or unknown field, an unknown model or card, a wrong type — in Chinese, with the field's
Chinese label beside its name. File names, field names and values stay as given; a problem of
another shape stays English (whole, never half-translated mid-sentence).

The batch's own problems are here too, as whole messages: a table that cannot be read or a row of one
(``xlcompute._tables``), a worker over the time limit or stopped (``xlcompute.batch``), INPUT or the output
folder unusable. An operating system's or a library's own text after them (an exception's message) stays
as it is, so such a line may stay English.
"""

from __future__ import annotations

import functools
import re

from xlcompute import registry
from xlcompute.cli._rules_zh import RULES, Replacement
from xlcompute.cli._zero import refuses_zero, zero_hint, zero_label

__all__ = ["problem_zh"]

_NUM = r"([-\d.,e+]+)"
_Q = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""  # a quoted name or value as repr() gives it
_COL = r"column ([A-Z]{1,3})"  # a spreadsheet column letter
_WENT_ON = r"; the batch went on"
_TABLE_LIMIT = r"\(the limit for a scenario table\); split the table"


def _column(m: "re.Match[str]") -> str:
    """第 F 列（mfu）: a column and its name as a table problem gives them (``no name`` for none)."""
    name = m["name"]
    return f"第 {m[1]} 列（{'无列名' if name == 'no name' else name}）"


# The batch's and its tables' own problems (xlcompute.batch, xlcompute._tables, the output folder): whole messages,
# applied to the whole line before a field is split off (a table's name, "estimating", looks like one).
_BATCH: tuple[tuple[re.Pattern[str], Replacement], ...] = tuple((re.compile(p), r) for p, r in (
    # a table's header
    (r"the first row must hold the column names \(e\.g\. name, model\.preset, training\.tokens\)",
     "第一行应为列名（如 name、model.preset、training.tokens）"),
    (rf"{_NUM} columns in the header row; a scenario table may have at most {_NUM}",
     r"表头行有 \1 列；方案表至多 \2 列"),
    (rf"{_COL} has a name of {_NUM} characters \((.*)\); at most {_NUM} allowed",
     r"第 \1 列的列名有 \2 个字符（\3）；至多 \4 个"),
    (rf"{_COL} has a control character in its name \((.*)\)", r"第 \1 列的列名含控制字符（\2）"),
    (rf"{_COL} \((.*?)\): column names are the scenario's English field names: ([a-z, ]+), or dotted ones such as "
     r"training\.seq_len or pricing\.currency \(`xlcompute schema` lists them\); a column of your own notes is "
     r"ignored when its name starts with # \(e\.g\. #备注\)",
     lambda m: f"第 {m[1]} 列（{m[2]}）：列名应为方案的英文字段名：{m[3].replace(', ', '、')}，或带点的名称，如 "
               "training.seq_len、pricing.currency（`xlcompute schema` 列出全部字段）；列名以 # 开头的列（如 #备注）"
               "是您自己的备注，会被忽略"),
    (rf"duplicate column names: (.*) and {_NUM} more$", r"列名重复：\1 等（另有 \2 个）"),
    (r"duplicate column names: ", "列名重复："),
    (r", sheet " + _Q + r" \(the first sheet; a sheet named 'scenarios' is read instead when there is one\): ",
     r" 的工作表 \1（第一个工作表；有名为 'scenarios' 的工作表时改读该表）："),
    (r", sheet 'scenarios': ", " 的工作表 'scenarios'："),
    (r"(?<=[:：])( ?)the sheet is empty$", r"\1工作表为空"),
    # a row of a table
    (rf"{_COL} \((?P<name>.*?)\): a cell of {_NUM}(?= characters; a table cell)",
     lambda m: f"{_column(m)}：单元格有 {m[3]}"),
    (rf" characters; a table cell may have at most {_NUM}", r" 个字符；表格单元格至多 \1 个字符"),
    (rf"{_COL}: a value beyond the last named column \((.*)\); name the column or delete the value",
     r"第 \1 列：最后一个有名称的列之后有值（\2）；请为该列命名或删除该值"),
    (rf"{_COL}: a value in a column without a name \((.*)\); name the column or delete the value",
     r"第 \1 列：无名称的列中有值（\2）；请为该列命名或删除该值"),
    (rf"column {_Q}: empty part in a dotted name", r"列 \1：带点的名称中有空的部分"),
    (rf"column {_Q}: ([\w.]+) is also given as a value", r"列 \1：\2 同时作为一个值给出，不能再作为分组"),
    (rf"column {_Q}: given twice or also used as a group", r"列 \1：重复给出，或同时用作分组"),
    (rf"{_COL} \((?P<name>.*?)\): (.*) has a comma, which in a (semicolon|tab)-separated table may be a decimal "
     r"mark \(1,5 = 1\.5\) or a thousands separator \(1,500 = 1500\); write the number without it, e\.g\. 1\.5 or "
     r"1500",
     lambda m: f"{_column(m)}：{m[3]} 含逗号；在以{'分号' if m[4] == 'semicolon' else '制表符'}分隔的表格中，逗号可能"
               "是小数点（1,5 = 1.5），也可能是千位分隔符（1,500 = 1500）；请写不带逗号的数字，如 1.5 或 1500"),
    (rf"{_COL} \((?P<name>.*?)\): (.*) is grouped with dots, which in a (semicolon|tab)-separated table are most "
     r"likely thousands separators \(1\.500 = 1500\), while the number reads them as a decimal mark \(1\.500 = "
     r"1\.5\); write the number without them, e\.g\. 1500, or a decimal with fewer or more than three digits after "
     r"the dot, e\.g\. 1\.5",
     lambda m: f"{_column(m)}：{m[3]} 以点号分组；在以{'分号' if m[4] == 'semicolon' else '制表符'}分隔的表格中，点号"
               "多为千位分隔符（1.500 = 1500），而数字会按小数点读取（1.500 = 1.5）；请写不带分组的数字，如 1500，"
               "或小数点后不是三位的小数，如 1.5"),
    # a table's file
    (rf"(?:sheet {_Q} has )?more than {_NUM} rows under the header {_TABLE_LIMIT}( or delete the unused rows)?",
     lambda m: (f"工作表 {m[1]} 的" if m[1] else "") + f"表头下超过 {m[2]} 行（方案表的上限）；请拆分表格"
               + ("或删除未用的行" if m[3] else "")),
    (r"the file is empty", "文件为空"),
    (r"not UTF-8 text; save the CSV as UTF-8", "不是 UTF-8 文本；请将 CSV 另存为 UTF-8 编码"),
    (rf"a cell of more than {_NUM} characters near line {_NUM}; a table cell may have at most {_NUM}",
     r"约第 \2 行有超过 \1 个字符的单元格；表格单元格至多 \3 个字符"),
    (rf"cannot read the CSV near line {_NUM}: ", r"无法读取该 CSV（约第 \1 行）："),
    (r"not an \.xlsx file \(not a zip archive\)", "不是 .xlsx 文件（不是 zip 压缩包）"),
    (rf"refused: it would unpack to {_NUM} MB \(limit {_NUM} MB; a possible zip bomb\)",
     r"已拒绝：解压后将达 \1 MB（上限 \2 MB；可能是 zip 炸弹）"),
    (rf"refused: its part {_Q} is {_NUM} MB \(a workbook's index is a few kilobytes\)",
     r"已拒绝：其中的部件 \1 有 \2 MB（工作簿的索引通常只有几 KB）"),
    (rf"sheet {_Q} is {_NUM} MB of XML without a declared size; save the workbook in Excel or LibreOffice, or keep "
     r"the scenarios in a workbook of their own",
     r"工作表 \1 有 \2 MB XML，且未声明大小；请在 Excel 或 LibreOffice 中保存该工作簿，或把方案放在单独的工作簿中"),
    (rf"sheet {_Q} declares its used range as (\S+) \({_NUM} rows × {_NUM} columns\); a scenario table may have "
     rf"at most {_NUM} rows under the header and {_NUM} columns: delete the unused rows and columns, or copy the "
     r"table to a new workbook, and save",
     r"工作表 \1 声明的已用区域为 \2（\3 行 × \4 列）；方案表的表头下至多 \5 行、至多 \6 列：请删除未用的行和列，"
     r"或把表格复制到新工作簿，然后保存"),
    (r"refused: the file contains XML entity declarations or DTDs \(a possible XML bomb\)",
     "已拒绝：文件含 XML 实体声明或 DTD（可能是 XML 炸弹）"),
    (r"reading \.xlsx tables needs defusedxml active in openpyxl", "读取 .xlsx 表格需要 openpyxl 启用 defusedxml"),
    (r"cannot read the workbook: ", "无法读取该工作簿："),
    (rf"cell ([A-Z]{{1,3}}\d+)(?: and {_NUM} more cells)? holds a formula without a saved result \(the file was "
     r"written by a program and never recalculated\); open and save it in Excel or LibreOffice, or type the values",
     lambda m: f"单元格 {m[1]}" + (f" 及另外 {m[2]} 个单元格" if m[2] else " ") + "含公式，但没有保存的计算结果（该文件由程序"
               "写出，从未重新计算）；请在 Excel 或 LibreOffice 中打开并保存，或直接输入数值"),
    (r"no scenario rows under the header", "表头下没有方案行"),
    (r"unsupported table type; use \.csv or \.xlsx", "不支持的表格类型；请使用 .csv 或 .xlsx"),
    (rf"{_NUM} MB; a scenario table may have at most {_NUM} MB", r"\1 MB；方案表至多 \2 MB"),
    # INPUT and the output folder
    (r"no INPUT given: a folder of scenario files, scenario files or a \.csv / \.xlsx table",
     "未给出 INPUT：应为方案文件所在的文件夹、方案文件或 .csv / .xlsx 表格"),
    (rf"{_Q} holds no scenario files \(([^)]*)\) or tables \(([^)]*)\)", r"\1 中没有方案文件（\2）或表格（\3）"),
    (r"use a folder of scenario files, scenario files or a \.csv / \.xlsx table",
     "请使用方案文件所在的文件夹、方案文件或 .csv / .xlsx 表格"),
    (rf"{_Q} does not exist$", r"\1 不存在"),
    (rf"-o: {_Q} exists and is not a folder", r"-o：\1 已存在，且不是文件夹"),
    (rf"cannot write to the output folder {_Q}: {_Q} is a file, not a folder", r"无法写入输出文件夹 \1：\2 是文件而不是文件夹"),
    (rf"cannot write to the output folder {_Q}: it is a file, not a folder", r"无法写入输出文件夹 \1：它是文件而不是文件夹"),
    (rf"cannot write to the output folder {_Q}: no free temporary name", r"无法写入输出文件夹 \1：找不到可用的临时文件名"),
    (rf"cannot write to the output folder {_Q}: ", r"无法写入输出文件夹 \1："),
    (rf"cannot write {_Q}: it is a folder", r"无法写入 \1：它是文件夹"),
    (rf"cannot write {_Q}: ", r"无法写入 \1："),
    (r" \(is it open in Excel or another program\?\)$", "（是否正在 Excel 或其他程序中打开？）"),
    (r"--timeout: must be a number of seconds, 0 for none; got ", "--timeout：应为秒数，0 表示不限；实际为 "),
    (r"--pdf needs the proposal module \(xlcompute\.report\): ", "--pdf 需要报告模块（xlcompute.report）："),
    # a worker
    (rf"stopped after {_NUM} s, the time limit per scenario \(--timeout\){_WENT_ON}",
     r"运行 \1 秒后被停止：已达每个方案的时间上限（--timeout）；批处理继续进行"),
    (rf"the worker process did not start the scenario within {_NUM} s of being given it \(a hung start-up\)"
     rf"{_WENT_ON}",
     r"工作进程收到该方案后 \1 秒内未开始运行（启动卡住）；批处理继续进行"),
    (rf"the worker process was killed by ([\w ]+?)( \(out of memory\?\))?{_WENT_ON}",
     lambda m: f"工作进程被 {m[1]} 终止{'（可能内存不足？）' if m[2] else ''}；批处理继续进行"),
    (rf"the worker process stopped unexpectedly \(exit code (\S+)\){_WENT_ON}",
     r"工作进程意外退出（退出码 \1）；批处理继续进行"),
    (r"could not start a worker process", "无法启动工作进程"),
    (r"^estimating: ", "估算时出错："),  # (a whole line: "estimating" is no field)
    (r"^writing the output: ", "写出文件时出错："),
    # the scenario's hints at a table's columns
    (r"unknown field; for your own notes use description, or in a table a column whose name starts with # "
     r"\(e\.g\. #notes\), which is ignored",
     "未知字段；您自己的备注请写在 description 中，或在表格中放在列名以 # 开头的列（如 #notes、#备注），该列会被忽略"),
    (r"unknown field; field names are the scenario's English names: ([a-z, ]+), or dotted ones such as "
     r"training\.seq_len \(`xlcompute schema` lists them\)",
     lambda m: f"未知字段；字段名应为方案的英文名：{m[1].replace(', ', '、')}，或带点的名称，如 training.seq_len"
               "（`xlcompute schema` 列出全部字段）"),
    (r"unknown field; ([a-z_]+\.[a-z_]+) is given too; give it once, as ([a-z_]+\.[a-z_]+)",
     r"未知字段；\1 也已给出；只给一次，写作 \2"),
    # a long value shown shortened: '1,5…' (12,345 characters)
    (r"(?<=['\"])… \(([\d,]+) characters\)", r"…（共 \1 个字符）"),
))

# (pattern, replacement), applied in order to the message part of a problem; each one a whole phrase.
_PHRASES: tuple[tuple[re.Pattern[str], Replacement], ...] = tuple((re.compile(p), r) for p, r in (
    (rf"must be a whole number from {_NUM} to {_NUM}", r"应为 \1 到 \2 之间的整数"),
    (rf"must be a whole number above {_NUM}, up to {_NUM}", r"应为大于 \1、不超过 \2 的整数"),
    (rf"must be a whole number from {_NUM}", r"应为不小于 \1 的整数"),
    (rf"must be from {_NUM} to {_NUM}", r"应在 \1 到 \2 之间"),
    (rf"must be above {_NUM}, up to {_NUM}", r"应大于 \1、不超过 \2"),
    (rf"must be above {_NUM}", r"应大于 \1"),
    (rf"must be from {_NUM}", r"应不小于 \1"),
    (r"must be a finite whole number", "应为有限的整数"),
    (r"must be a finite number", "应为有限的数字"),
    (r"must be a whole number", "应为整数"),
    (r'; did you mean ([\d.e+-]+) \(or "([^"]+)"\)\?', r"；是否指 \1（或“\2”）？"),
    (r"must be ('[^']*'(?:, '[^']*')*) or ('[^']*')", r"应为 \1 或 \2"),
    (r"required, but missing", "必填，但缺失"),
    # a --set setting that is no FIELD=VALUE (scenario.scenario_data_with)
    (r"(?<=')(?:: )write FIELD=VALUE with a dotted field, e\.g\. (\S+)$", r"：应写成 FIELD=VALUE（字段名可带点），如 \1"),
    (r"(?<=')(?:: )no value after '='$", "：“=” 后没有值"),
    (r"(?<=')(?:: )([a-z_.]+) is a value, not a section of fields$", r"：\1 是一个值，不是字段分组"),
    (r"unknown field \(check the spelling; `xlcompute schema` lists the fields\)",
     "未知字段（请检查拼写；`xlcompute schema` 列出所有字段）"),
    (r"unknown field; did you mean ([^?]+)\?", lambda m: f"未知字段；是否指 {m[1].replace(' or ', ' 或 ')}？"),
    (r"unknown model ('[^']*'); did you mean ([^?]+)\? ", r"未知模型 \1；是否指 \2？"),
    (r"unknown model ('[^']*'); ", r"未知模型 \1；"),
    (r"unknown accelerator ('[^']*'); did you mean ([^?]+)\? ", r"未知加速卡 \1；是否指 \2？"),
    (r"unknown accelerator ('[^']*'); ", r"未知加速卡 \1；"),
    (r"a model not in the catalog goes by its size, model\.params \(e\.g\. 34B: a dense model, generic shape\), or "
     r"its architecture, model\.arch; known models: ",
     "目录中没有的模型可按规模给出 model.params（如 34B：通用结构的稠密模型），或给出结构 model.arch；已知模型："),
    (r"known models: ", "已知模型："),
    (r"known accelerators: ", "已知加速卡："),
    (r"is not a number; write e\.g\. (.+?) or (\S+) \(suffixes ([^)]*)\)",
     lambda m: f"不是数字；可写如 {'、'.join(m[1].split(', '))} 或 {m[2]}（后缀 {m[3]}）"),
    (r"is not a number; write e\.g\. ", "不是数字；可写如 "),
    (r"counts servers, not cards; give the cards \(a server of 8 cards: 128 servers are 1024 cards\)",
     "计的是服务器台数而非卡数；请给出卡数（每台服务器 8 张卡：128 台即 1024 张卡）"),
    (r"expected a number", "应为数字"),
    (r"expected a whole number", "应为整数"),
    (r"expected text", "应为文本"),
    (r"expected true or false", "应为 true 或 false"),
    (r"expected a list", "应为列表"),
    (r"expected a mapping of fields \(name: value\)", "应为字段映射（名称: 值）"),
    (r"must not be empty", "不能为空"),
    (r"does not exist or is not a file", "不存在或不是文件"),
    # a file the YAML/TOML/JSON parser refuses: where, in Chinese; the parser's own words quoted as written
    (r"^cannot parse (.+?): line (\d+), column (\d+): (.*)$", r"无法解析 \1：第 \2 行第 \3 列（解析器原文：“\4”）"),
    (r"^cannot parse (.+?): (.*)$", r"无法解析 \1（解析器原文：“\2”）"),
    (r"given twice in the same mapping; keep one", "在同一映射中出现两次；保留一个"),
    (r"(?<=got )a list of ([\d,]+) items?", r"含 \1 项的列表"),
    (r"(?<=got )a mapping of ([\d,]+) keys?", r"含 \1 个键的映射"),
    (r"(?<=got )nothing \(null\)", "空值（null）"),
    (r"(?<=got )a number\b", "数字"),
    (r"(?<=got )text\b", "文本"),
    (r"; allowed: ", "；允许："),
    (rf"(?<=允许：)from {_NUM} to {_NUM}", r"\1 到 \2"),
    (rf"(?<=允许：)at most {_NUM}", r"至多 \1"),
    (rf"(?<=允许：)at least {_NUM}", r"至少 \1"),
    (r", got ", "，实际为 "),
    (r" \(got (.*)\)$", r"（实际为 \1）"),
))


@functools.lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    """Scenario field → the Chinese label of the input it sets (``training.tokens`` → 训练 token 数)."""
    from xlcompute._input_ranges import FIELD_OF

    out: dict[str, str] = {}
    for key, field in FIELD_OF.items():
        try:
            label = registry.label(key, "zh")
        except KeyError:
            continue
        out.setdefault(field, label)
    return out


# Three English words in a row (outside quoted values): a sentence no phrase of the table covered.
_ENGLISH = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”")

# A location: a dotted field (training.tokens), or a section or field named alone (model, precision).
_FIELD = re.compile(r"^(?P<head>(?:[^:]*: )?)(?P<field>[a-z_]+(?:\.[a-z_0-9]+)*): (?P<rest>.*)$", re.S)


def problem_zh(line: str) -> str:
    """``line`` (``file: field: message``) with the message's known phrases in Chinese and the field's
    Chinese label beside it; English where no phrase matches."""
    whole = line
    for pattern, replacement in _BATCH:
        whole = pattern.sub(replacement, whole)
    m = _FIELD.match(whole)
    head, field, rest = (m["head"], m["field"], m["rest"]) if m else ("", "", whole)
    text = rest
    for rule, wording in RULES:  # a cross-field rule's whole sentence first, then the common phrases
        text = rule.sub(wording, text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    if _ENGLISH.search(_QUOTED.sub("", text)):  # an English sentence is left: the problem stays English, whole
        return line
    if not field:
        return text
    label = _labels().get(field)
    if label is not None and refuses_zero(rest):  # "（0 = 未给定）" beside a range without 0 contradicts it
        label = (zero_label(label) or (label, ""))[0]
        text += zero_hint(field, rest, "zh")
    return f"{head}{field}{f'（{label}）' if label else ''}：{text}"
