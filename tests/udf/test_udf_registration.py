"""What Excel shows: wizard text ≤ 255 characters, a description for every argument, category
"xlcompute" — checked against xlwings' own classic decorators and VBA generator, loaded here with
stand-ins for the Windows COM modules — and that xlwings Lite gets no classic-only option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import typing

import pytest

import xlcompute.udf as udf

SPECS = udf.udf_specs()
SPILLING = {"GPU_LIST", "MODEL_LIST", "LLM_TRAIN_DAYS_TABLE", "LLM_BEST_LAYOUT", "LLM_COMPARE"}

# Import xlwings' classic UDF machinery (xlwings/udfs.py) with empty stand-ins for pywin32, make
# it the active decorator set as on Windows, then import xlcompute.udf and dump what would be
# registered: __xlfunc__ metadata and the VBA wrapper module "Import Functions" generates.
CLASSIC_HARNESS = textwrap.dedent(
    """
    import io, json, sys, types
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["win32com.client"].Dispatch = object
    sys.modules["win32com"].client = sys.modules["win32com.client"]
    import xlwings, xlwings.udfs as classic
    xlwings.func, xlwings.arg, xlwings.ret = classic.xlfunc, classic.xlarg, classic.xlret
    import xlcompute.udf as m

    class Workbook:
        Name = "plan.xlsm"

    vba = io.StringIO()
    classic.generate_vba_wrapper("xlcompute.udf", m, vba, Workbook())
    out = {"vba": vba.getvalue(), "funcs": {}}
    for name in m.udf_specs():
        f = getattr(m, name).__xlfunc__
        out["funcs"][name] = {
            "category": f["category"],
            "doc": f["ret"]["doc"],
            "ret": {k: str(v) for k, v in f["ret"]["options"].items()},
            "args": [
                {"name": a["name"], "doc": a["doc"], "optional": "optional" in a,
                 "options": {k: str(v) for k, v in a["options"].items()}}
                for a in f["args"]
            ],
        }
    out["value"] = m.LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 0.462)
    print(json.dumps(out))
    """
)


def _classic(env_extra: dict[str, str] | None = None) -> dict[str, typing.Any]:
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.run([sys.executable, "-c", CLASSIC_HARNESS], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def classic() -> dict[str, typing.Any]:
    return _classic()


# -- the specs (what every runtime shows) ----------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
def test_docstring_fits_the_function_wizard(name: str) -> None:
    doc = SPECS[name].doc
    assert 20 <= len(doc) <= 255, (name, len(doc))
    assert "\n" not in doc and "  " not in doc


@pytest.mark.parametrize("name", list(SPECS))
def test_every_argument_has_a_description(name: str) -> None:
    spec = SPECS[name]
    fn = getattr(udf, name)
    import inspect

    assert list(spec.args) == list(inspect.signature(fn).parameters)
    for arg, doc in spec.args.items():
        assert 10 <= len(doc) <= 255, (name, arg)
        if arg in spec.optional:
            assert doc.startswith("Optional."), (name, arg)


def test_docstrings_state_a_unit() -> None:
    units = ("FLOPs", "GB", "days", "Days", "hours", "count", "fraction", "TRUE", "kWh", "currency", "seconds",
             "Seconds", "elements", "whole number", "Tokens per second", "field name", "header", "sequences")
    for name, spec in SPECS.items():
        assert any(u in spec.doc for u in units), (name, spec.doc)


def test_public_surface_lists_every_udf() -> None:
    assert set(SPECS) <= set(udf.__all__)
    assert len(SPECS) == 45


# -- classic xlwings (Windows add-in): metadata and the generated VBA -------------------------


def test_classic_category_and_docs(classic: dict[str, typing.Any]) -> None:
    assert set(classic["funcs"]) == set(SPECS)
    for name, f in classic["funcs"].items():
        assert f["category"] == "xlcompute", name
        assert f["doc"] == SPECS[name].doc
        for a in f["args"]:
            assert not a["doc"].startswith("Positional argument"), (name, a["name"])
            assert a["doc"] == SPECS[name].args[a["name"]]
            assert a["optional"] == (a["name"] in SPECS[name].optional)
    assert classic["value"] == pytest.approx(25.2930, abs=5e-5)


def test_classic_converters_are_plain_values(classic: dict[str, typing.Any]) -> None:
    # Any/float/bool/list use xlwings' default value converter; no Union types (they have none).
    for name, f in classic["funcs"].items():
        assert f["ret"].get("convert") in {"typing.Any", "<class 'float'>", "<class 'bool'>", "<class 'list'>"}, name
        assert "expand" not in f["ret"], name
        for a in f["args"]:
            assert a["options"]["convert"] == "typing.Any", (name, a["name"])
            # a cell holding #DIV/0! arrives as that text (the guard refuses it), not as an empty argument
            assert a["options"]["err_to_str"] == "True", (name, a["name"])
    table = {a["name"]: a["options"] for a in classic["funcs"]["LLM_TRAIN_DAYS_TABLE"]["args"]}
    assert table["gpus_range"]["ndim"] == "1" and table["mfu_range"]["ndim"] == "1"


def test_classic_vba_wrapper(classic: dict[str, typing.Any]) -> None:
    vba = classic["vba"]
    for name in SPECS:
        assert f"Function {name}(" in vba
    assert (
        "Function LLM_TRAIN_DAYS(params, tokens, gpus, peak_tflops, Optional mfu, Optional seq_len, Optional layers, "
        "Optional hidden, Optional ettr)" in vba
    )
    assert 'XLPy.CallUDF("xlcompute.udf", "LLM_TRAIN_DAYS"' in vba
    assert "LLM_TRAIN_DAYS = Err.Description" in vba  # the error message lands in the cell


def test_legacy_expand_table_is_opt_in() -> None:
    legacy = _classic({"XLCOMPUTE_EXPAND_TABLE": "1"})
    for name, f in legacy["funcs"].items():
        assert (f["ret"].get("expand") == "table") == (name in SPILLING), name


# -- xlwings Lite: the same module, without classic-only options --------------------------------

LITE_HARNESS = textwrap.dedent(
    """
    import json, os, sys
    import xlwings
    import xlcompute, xlcompute._udf_args, xlcompute.catalog, xlcompute.core  # before faking the platform
    os.environ["XLCOMPUTE_EXPAND_TABLE"] = "1"
    seen = {"func": [], "ret": [], "arg": []}

    def func(f=None, **kw):
        seen["func"].append(sorted(kw))
        return (lambda g: g) if f is None else f

    def ret(*a, **kw):
        seen["ret"].append(sorted(kw))
        return lambda g: g

    def arg(name, *a, **kw):
        seen["arg"].append(sorted(kw))
        return lambda g: g

    xlwings.func, xlwings.ret, xlwings.arg = func, ret, arg
    platform, sys.platform = sys.platform, "emscripten"  # what Pyodide reports; read at import
    import xlcompute.udf
    sys.platform = platform
    print(json.dumps(seen))
    """
)


def test_lite_gets_no_classic_only_options() -> None:
    proc = subprocess.run([sys.executable, "-c", LITE_HARNESS], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert len(seen["func"]) == len(SPECS)
    # xlwings 0.37 documents category / call_in_wizard / async_mode and ret(expand=) as classic-only.
    assert all(kw == [] for kw in seen["func"]), seen["func"]
    assert seen["ret"] == []
    assert all(set(kw) <= {"doc", "ndim"} for kw in seen["arg"])
