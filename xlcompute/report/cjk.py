"""Chinese line breaking the stylesheet cannot express (WeasyPrint/Pango break CJK text between any
two ideographs): applied to the rendered HTML of a Chinese proposal, in text nodes of ``<body>``
only (never inside ``<svg>``, ``<style>`` or attributes), so a figure and its classifier, and a
word such as 服务器, stay on one line.

- a number and its unit or classifier ("125 台服务器", "1,000 张", "26.7 天") are one unbreakable
  span; the space between them becomes a no-break space;
- an amount or count with its Chinese magnitude (3.77亿元, ¥1,440万, 2万亿) is one unbreakable span;
- the usual multi-character nouns of a proposal (服务器, 加速卡, 交换机, …) never split;
- the last two ideographs of a paragraph, list item or cell (and the punctuation after them) stay
  together, so no line holds a single orphan character ("…故障/卡。").

The spans carry ``class="nw"`` (``white-space: nowrap`` in proposal.css). Text content is unchanged:
pdftotext and a search for "服务器" find the same words.
"""

from __future__ import annotations

import re

__all__ = ["keep_together"]

_HAN = "\u4e00-\u9fff"
# Words that read wrongly when split across lines.
_WORDS = ("服务器", "加速卡", "交换机", "光模块", "卡·时", "预登记", "万亿", "亿元", "万元", "美元", "检查点", "显存",
          "流水线", "数据并行", "张量并行")
_UNITS = "台张个块条天年卡层级段人次秒分倍"
_NUMBER_UNIT = re.compile(
    rf"(?<![\w.,])(\d[\d,]*(?:\.\d+)?(?:万亿|亿|万)?)[ \u00a0](卡·时|[{_UNITS}](?:{'|'.join(_WORDS)}|[{_HAN}])?)"
)
_WORD = re.compile("|".join(map(re.escape, sorted(_WORDS, key=len, reverse=True))))
# An amount or count with its Chinese magnitude: 3.77亿元, ¥1,440万, 2万亿.
_AMOUNT = re.compile(r"(?<![\w.,])[¥$]?\d[\d,]*(?:\.\d+)?(?:万亿|亿|万)(?:美元|元)?")
_SIMPLE = re.compile(f"{_AMOUNT.pattern}|{_WORD.pattern}")
_TAIL = re.compile(rf"([{_HAN}]{{2}}[。！？；：，、）」』”%]*\s*)$")
# Text between tags; the tag after it tells whether the text ends a block.
_PART = re.compile(r"(<svg\b.*?</svg>|<style\b.*?</style>|<[^>]+>)", re.S)
_BLOCK_END = re.compile(r"</(p|li|td|th|h[1-6]|figcaption|caption)>")


def _span(text: str) -> str:
    return f'<span class="nw">{text}</span>'


def _words(text: str) -> str:
    out, pos = [], 0
    for m in _NUMBER_UNIT.finditer(text):
        out.append(_SIMPLE.sub(lambda w: _span(w.group(0)), text[pos:m.start()]))
        out.append(_span(f"{m.group(1)}\u00a0{m.group(2)}"))
        pos = m.end()
    out.append(_SIMPLE.sub(lambda w: _span(w.group(0)), text[pos:]))
    return "".join(out)


def keep_together(html: str) -> str:
    """The Chinese proposal's HTML with unbreakable spans (see the module docstring)."""
    head, sep, body = html.partition("<body")
    if not sep:
        return html
    parts = _PART.split(body)
    # parts alternate: text, tag, text, tag, ... (the first text is the rest of the <body ...> tag)
    out = [parts[0]]
    for i in range(1, len(parts), 2):
        tag, text = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        out.append(tag)
        if not text.strip():
            out.append(text)
            continue
        nxt = parts[i + 2] if i + 2 < len(parts) else ""
        text = _words(text)
        if _BLOCK_END.match(nxt):  # the last two ideographs of a block, unless a span already ends it
            m = _TAIL.search(text)
            if m:
                text = text[:m.start()] + _span(m.group(1))
        out.append(text)
    return head + sep + "".join(out)
