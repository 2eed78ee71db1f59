"""Names of the Excel functions and their arguments: no clash with an Excel built-in, nothing that
Excel would read as a cell reference, nothing VBA or Office.js would reject."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xlcompute.udf import udf_specs

NAMES = list(udf_specs())

# Excel built-in worksheet functions; the file says where the list comes from.
BUILTINS_FILE = Path(__file__).with_name("excel_builtin_functions.txt")

# A1 references: 1-3 column letters (A..XFD) then a row number, e.g. LLM1, GPU2, ABC123.
A1_REF = re.compile(r"^\$?[A-Z]{1,3}\$?[0-9]+$", re.IGNORECASE)
# R1C1 references: R, C, R1, C1, R1C1, R[1]C[-1] (Excel refuses R and C alone as names too).
R1C1_REF = re.compile(r"^R(\[?-?[0-9]*\]?)?(C(\[?-?[0-9]*\]?)?)?$|^C(\[?-?[0-9]*\]?)?$", re.IGNORECASE)

# VBA keywords that cannot name a parameter of the VBA wrapper classic xlwings generates
# (Microsoft Learn, "Keywords (VBA)" / "Visual Basic for Applications language reference").
VBA_KEYWORDS = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "close", "const", "currency", "date",
    "declare", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum", "eqv", "erase",
    "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub", "goto", "if",
    "imp", "implements", "in", "input", "integer", "is", "let", "like", "line", "lock", "long", "loop",
    "lset", "me", "mod", "name", "new", "next", "not", "nothing", "null", "on", "open", "option",
    "optional", "or", "paramarray", "preserve", "print", "private", "public", "put", "raiseevent",
    "redim", "rem", "resume", "return", "rset", "seek", "select", "set", "single", "static", "step",
    "stop", "string", "sub", "then", "to", "true", "type", "typeof", "unlock", "until", "variant", "wend",
    "while", "with", "withevents", "write", "xor",
}

# xlwings Lite / Office.js custom-function names: a letter, then letters, digits, '.', '_' (≤ 128).
OFFICE_JS_NAME = re.compile(r"^[^\W\d_][\w.]{0,127}$")


def _builtins() -> set[str]:
    lines = BUILTINS_FILE.read_text(encoding="utf-8").splitlines()
    return {ln.strip().upper() for ln in lines if ln.strip() and not ln.startswith("#")}


def test_builtin_list_is_plausible() -> None:
    names = _builtins()
    assert len(names) > 450
    assert {"SUM", "POWER", "XLOOKUP", "LET", "TEXTSPLIT", "NETWORKDAYS.INTL"} <= names


@pytest.mark.parametrize("name", NAMES)
def test_name_is_not_an_excel_builtin(name: str) -> None:
    assert name.upper() not in _builtins()


@pytest.mark.parametrize("name", NAMES)
def test_name_is_not_a_cell_reference(name: str) -> None:
    assert not A1_REF.match(name), name
    assert not R1C1_REF.match(name), name


@pytest.mark.parametrize("name", NAMES)
def test_name_is_valid_for_vba_and_office_js(name: str) -> None:
    assert OFFICE_JS_NAME.match(name), name
    assert name == name.upper(), "Excel shows custom functions upper-case; keep the Python name the same"
    assert name.lower() not in VBA_KEYWORDS


def test_reference_patterns_catch_what_they_should() -> None:
    for ref in ("LLM1", "A1", "xfd1048576", "GPU2", "$A$1"):
        assert A1_REF.match(ref), ref
    for ref in ("R1C1", "R", "C", "r2c", "R[1]C[-1]"):
        assert R1C1_REF.match(ref), ref
    for ok in ("LLM_TRAIN_DAYS", "GPU_LIST", "RC_TEST", "ZERO_MEM"):
        assert not A1_REF.match(ok) and not R1C1_REF.match(ok), ok


def test_argument_names_are_valid_vba_parameters() -> None:
    for name, spec in udf_specs().items():
        for arg in spec.args:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", arg), (name, arg)
            assert arg not in VBA_KEYWORDS, (name, arg)
            assert len(arg) <= 255


def test_names_are_unique_ignoring_case() -> None:
    assert len({n.upper() for n in NAMES}) == len(NAMES)
