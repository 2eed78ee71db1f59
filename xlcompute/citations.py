"""The works a docstring cites, picked out of its English prose.

The Chinese workbook's Formulas sheet shows each core function's source. The English edition prints
the docstring's citation as written ("Kokolis et al. 2025, §V: MTTF falls as 1/n"); a Chinese reader
gets the cited works alone ("Kokolis et al. 2025, §V"), since bibliographic names stay as published
in either language, while the seed documents and the words around a reference are put in Chinese
("seed 000 eq. (2)" → "种子文档 000 式 (2)"). Nothing is translated from prose: what is not a reference
is left out.
"""

from __future__ import annotations

import re

__all__ = ["cited_works", "cited_works_zh"]

_SECTION = r"(?:,?\s(?:§§?\s?[\dIVX][\w.]*(?:\s?[–-]\s?[\w.]+)?(?:,\s§?[\d][\w.]*)*|App\.\s[A-Z]|Table\s\d+|eq\.\s(?:\(\d+\)|\d+)))?"
_YEAR = r"(?:(?:JPDC|CACM|ICLR|SC|FGCS)?\s?'?\d{2,4}[a-z]?|arXiv:\d{4}\.\d{4,5})"
_PATTERNS = (
    # seed documents, with their equation numbers: seed 000 eqs. (7)–(9)
    r"seed\s\d{3}(?:'s)?(?:,?\seqs?\.\s?(?:\(\d+\)|\d+)(?:\s?[–-]\s?(?:\(\d+\)|\d+))?)?",
    # author-year: Narayanan et al. 2021 §2.2, Narayanan et al., SC'21 §2.2, Patarasuk & Yuan, JPDC 2009
    # (a quoted title between the authors and the venue stays with them: Isaev et al., "Calculon: …", SC'23)
    rf"[A-Z][\w\-]+(?:\set\sal\.|\s&\s[A-Z][\w\-]+|(?:,\s[A-Z][\w\-]+)*\s&\s[A-Z][\w\-]+),?"
    rf"(?:\s\"[^\"]{{1,160}}\",?)?\s{_YEAR}{_SECTION}",
    rf"\b[A-Z][a-z]+\s(?:19|20)\d{{2}}\b{_SECTION}",  # one author: Dao 2023, Young 1974
    r"arXiv:\d{4}\.\d{4,5}",
    r"\[[A-Z][A-Z0-9\-]*\]",
    r"IAS\s16\s§§?\s?\d+(?:,\s\d+)*",
    r"The\sGreen\sGrid(?:\s2012)?",
    r"NVIDIA\sDGX\sH100\sdatasheet",
    r"Llama\s3(?:\s§[\d.]+\d)?",
    r"\b(?:Calculon|Megatron-Core|Megatron-LM|PaLM|FlashAttention-[23]|Ring\sAttention|Roofline|kipply|Hugging\sFace)\b",
)
_CITE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))

# Words a reference carries that read in Chinese (applied to the references only, never to prose).
_ZH_WORDS = (
    (re.compile(r"seed\s(\d{3})(?:'s)?"), r"种子文档 \1"),
    (re.compile(r",?\seqs?\.\s?"), " 式 "),
    (re.compile(r"\bTable\s"), "表 "),
    (re.compile(r"\bApp\.\s"), "附录 "),
    (re.compile(r"\bdatasheet\b"), "数据手册"),
    (re.compile(r"\bHugging\sFace\b"), "Hugging Face 模型配置"),
)


def cited_works(text: str) -> list[str]:
    """The references in ``text`` (seed documents, author-year citations, arXiv numbers, bracketed
    tags, named standards and tools), in order of appearance, each once."""
    found = [" ".join(m.group(0).split()).rstrip(",") for m in _CITE.finditer(text)]
    return list(dict.fromkeys(found))


def cited_works_zh(text: str) -> list[str]:
    """:func:`cited_works`, with the seed documents and the words around a reference in Chinese."""
    out = []
    for ref in cited_works(text):
        for pattern, repl in _ZH_WORDS:
            ref = pattern.sub(repl, ref)
        out.append(ref)
    return list(dict.fromkeys(out))
