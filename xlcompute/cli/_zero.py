"""Fields whose label says "0 = none given" (a workbook cell's way to leave a value out) where the scenario
refuses 0: a problem with such a field says to leave the field out, and (in Chinese, where the label is
shown) drops the "0 = …" clause the same line would contradict.

The labels stay as the registry has them: the workbook's cells do take 0 for "not given".
"""

from __future__ import annotations

import functools
import re

__all__ = ["zero_label", "refuses_zero", "zero_hint", "with_zero_hint"]

_NUM = r"([-\d.,e+]+)"
# The range a scenario check states: "must be from 0.001 to 1", "must be a whole number above 0, up to 10".
_FLOOR = re.compile(rf"^must be (?:a whole number )?(from|above) {_NUM}")
_GOT_ZERO = re.compile(r"\(got -?0(?:\.0*)?\)")
# A label's bracketed "0 = …" clause (the bracket may hold more: "（每卡，0 = 无）").
_CLAUSE = re.compile(r"(?P<open>[（(])(?P<pre>[^（）()]*?)[，；,;]?\s*0 = (?P<means>[^（）()]*)(?P<close>[）)])")
# A problem line: "file: field: message" (as _problems_zh splits it).
_FIELD = re.compile(r"^(?P<head>(?:[^:]*: )?)(?P<field>[a-z_]+(?:\.[a-z_0-9]+)*): (?P<rest>.*)$", re.S)

_HINT = {"en": "; for “{means}”, leave the field out (or its table cell empty)",
         "zh": "；如需“{means}”，不填此项（表格中留空）即可"}


@functools.lru_cache(maxsize=2)
def _labels(lang: str) -> dict[str, str]:
    """Scenario field → the label of the input it sets, in ``lang``."""
    from xlcompute import registry
    from xlcompute._input_ranges import FIELD_OF

    out: dict[str, str] = {}
    for key, field in FIELD_OF.items():
        try:
            out.setdefault(field, registry.label(key, lang))
        except KeyError:
            continue
    return out


def field_label(field: str, lang: str) -> str | None:
    """The registry label of the input ``field`` sets, or None."""
    return _labels(lang).get(field)


def zero_label(label: str) -> tuple[str, str] | None:
    """``label`` without its "0 = …" clause (the bracket too when nothing else is in it), and what 0 means
    there; None for a label without one."""
    m = _CLAUSE.search(label)
    if m is None:
        return None
    inner = m["pre"].strip()
    kept = f"{m['open']}{inner}{m['close']}" if inner else ""
    return (label[:m.start()] + kept + label[m.end():]).rstrip(), m["means"].strip()


def refuses_zero(message: str) -> bool:
    """Whether ``message`` (the English problem after the field) states a range that leaves 0 out."""
    m = _FLOOR.match(message)
    if m is None:
        return False
    try:
        low = float(m[2].replace(",", ""))
    except ValueError:
        return False
    return low > 0 or (m[1] == "above" and low >= 0)


def zero_hint(field: str, message: str, lang: str) -> str:
    """What to write instead of a refused 0 for a field whose label reads "0 = …" ("" for any other
    problem): the label's meaning of 0, reached by leaving the field out."""
    label = field_label(field, lang)
    if label is None or not refuses_zero(message) or not _GOT_ZERO.search(message):
        return ""
    zero = zero_label(label)
    return "" if zero is None else _HINT["zh" if lang == "zh" else "en"].format(means=zero[1])


def with_zero_hint(line: str) -> str:
    """An English problem line with :func:`zero_hint` after it."""
    m = _FIELD.match(line)
    return line + zero_hint(m["field"], m["rest"], "en") if m else line
