"""Input problems in Chinese for ``--lang zh``: the shapes the scenario checks word most often.

The problems are composed in English where they are found (``scenario._message``, the catalog's
unknown names, the file checks); this table renders the common shapes — a value out of range, a
missing or unknown field, an unknown model or card, a wrong type — in Chinese, with the field's
Chinese label beside its name. File names, field names and values stay as given; a problem of
another shape stays English (whole, never half-translated mid-sentence).
"""

from __future__ import annotations

import functools
import re

from xlcompute import registry
from xlcompute.cli._rules_zh import RULES, Replacement

__all__ = ["problem_zh"]

_NUM = r"([-\d.,e+]+)"

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
    m = _FIELD.match(line)
    head, field, rest = (m["head"], m["field"], m["rest"]) if m else ("", "", line)
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
    return f"{head}{field}{f'（{label}）' if label else ''}：{text}"
