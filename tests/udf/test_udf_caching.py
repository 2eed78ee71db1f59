"""Speed that follows from the design (issue 10): the Excel functions parse each text once, look
each name up once, and import the planner only when a planner function runs. Caches hold
immutable values only, and a refused argument is refused again (errors are never cached).
The timings themselves are measured in benchmarks/bench_udf.py, not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import xlcompute.udf as udf
from xlcompute.quantity import QuantityError, parse_quantity


def test_parsed_text_is_cached_and_equal_to_a_fresh_parse() -> None:
    from xlcompute.quantity import _parse_text

    _parse_text.cache_clear()
    assert parse_quantity("70B", "params") == 70e9
    assert parse_quantity("70B", "params") == 70e9
    info = _parse_text.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert parse_quantity(" 1,000 ") == 1000.0 and parse_quantity("40%") == 0.4 and parse_quantity("1.5万亿") == 1.5e12


@pytest.mark.parametrize(("value", "message"), [("7,5B", "'7,5B' is not a number"), ("1e999", "not a finite number"),
                                                (float("inf"), "not a finite number"), (True, "boolean")])
def test_refused_text_is_refused_every_time(value: object, message: str) -> None:
    for _ in range(2):  # the second call must not find a cached success
        with pytest.raises(QuantityError, match=message):
            parse_quantity(value, "params")


def test_the_error_names_the_field_it_was_parsed_for() -> None:
    # The cache key holds the field: a text refused as `tokens` is not reported as `params`.
    for field in ("params", "tokens"):
        with pytest.raises(QuantityError, match=f"^{field}: "):
            parse_quantity("2X", field)


def test_cells_return_fresh_containers() -> None:
    first = udf.GPU_LIST()
    first[0][0] = "changed"
    assert udf.GPU_LIST()[0][0] == "gpu"
    table = udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", [8], 312, [0.4])
    table[1][1] = -1.0
    assert udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", [8], 312, [0.4])[1][1] > 0


def test_nan_and_infinite_floats_are_refused() -> None:
    for bad in (float("nan"), float("inf")):
        for _ in range(2):  # refused again on a recalculation
            assert udf.LLM_TRAIN_DAYS("70B", "2T", 8, 312, bad) == f"#VALUE! mfu: {bad} is not a finite number"


# `import xlcompute.udf` with a stand-in for xlwings (the real one imports NumPy itself): nothing
# of xlcompute may pull NumPy, the planner, the graph, the estimate or the scenario schema.
IMPORTS = textwrap.dedent(
    """
    import json, sys, types
    xw = types.ModuleType("xlwings")
    xw.func = lambda f=None, **k: (lambda g: g) if f is None else f
    xw.arg = xw.ret = lambda *a, **k: (lambda g: g)
    sys.modules["xlwings"] = xw
    HEAVY = ("numpy", "xlcompute.planner", "xlcompute._graph", "xlcompute.graph", "xlcompute.estimate",
             "xlcompute.scenario", "openpyxl", "weasyprint")

    def heavy():
        return sorted(m for m in sys.modules if m.startswith(HEAVY))

    import xlcompute.udf as u
    out = {"import": heavy()}
    u.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4)
    u.ZERO_MEM("7.5B", 3, 64)
    out["numbers"] = heavy()
    out["model name"] = u.LLM_TRAIN_DAYS("llama2-70b", "2T", 1000, "H800", 0.4) > 0
    print(json.dumps(out))
    """
)


def test_import_loads_no_planner_and_no_numpy() -> None:
    proc = subprocess.run([sys.executable, "-c", IMPORTS], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["import"] == [] and out["numbers"] == []
    # A model name reads the planner's input mapping (planner.inputs.model_values) on first use;
    # what the planner package then loads is its own affair.
    assert out["model name"] is True
