"""Both faces of every core formula: numbers in → number out; references in → Excel text whose
evaluation (by our Expr evaluator and, independently, by the `formulas` spreadsheet parser)
equals the number. The workbook tests repeat the check in LibreOffice."""

from __future__ import annotations

import inspect
import math
import random

import pytest

from xlcompute.core import arith, comm, compute, cost, kernels, memory, parallel, params, schedule, serving, units
from xlcompute.core.expr import Expr, Ref, excel_formula

MODULES = [arith, comm, compute, cost, kernels, memory, parallel, params, schedule, serving, units]

# Arguments that are modes or flags take values from a small set; the rest are positive reals.
_CHOICES = {
    "stage": [0, 1, 2, 3],
    "recompute": [0, 1],
    "recompute_mode": [0, 1, 2],
    "sp": [0, 1],
    "gated": [0, 1],
    "tied": [0, 1],
    "norm_params": [1, 2],
    "from_stage": [1, 2, 3],
    "flash": [0, 1],
    "offload": [0, 1],
    "offload_optimizer": [0, 1],
    "offload_weights": [0, 1],
    "offload_activations": [0, 1],
    "cp": [1, 2, 4, 16],
    "overlap": [0, 1],
    "tp_overlap": [0, 1],
    "async_backward": [0, 1],
    "in_node": [0, 1],
    "dim_half": [0, 100],
    "dualpipe": [0, 1],
}


def _formula_functions():
    for mod in MODULES:
        for name in getattr(mod, "__all__", []):
            fn = getattr(mod, name)
            if inspect.isfunction(fn) and fn.__module__ == mod.__name__ and name != "count_params":
                yield f"{mod.__name__.rsplit('.', 1)[1]}.{name}", fn


FUNCTIONS = dict(_formula_functions())


def _args(fn, rng: random.Random) -> dict[str, float]:
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            for i in range(3):
                out[f"x{i}"] = rng.uniform(1, 1000)
            continue
        if p.name in _CHOICES:
            out[p.name] = rng.choice(_CHOICES[p.name])
        elif p.name in ("heads", "kv_heads"):
            out[p.name] = rng.choice([8, 16, 32, 64])
        elif p.name in ("mfu", "utilization", "usable_fraction", "load_factor"):
            out[p.name] = rng.uniform(0.05, 1)
        else:
            out[p.name] = rng.uniform(1, 1000)
    return out


def _call(fn, args: dict[str, object]):
    sig = inspect.signature(fn)
    if any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values()):
        return fn(*args.values())
    return fn(**args)


def test_every_public_formula_is_covered():
    # A new formula without an __all__ entry would escape these tests.
    assert len(FUNCTIONS) >= 100, sorted(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_number_and_formula_faces_agree(name):
    fn = FUNCTIONS[name]
    rng = random.Random(name)
    for _ in range(5):
        args = _args(fn, rng)
        number = _call(fn, args)
        assert isinstance(number, (int, float)) and math.isfinite(number)
        refs = {k: Ref(k) for k in args}
        expr = _call(fn, refs)
        assert isinstance(expr, Expr), f"{name} ignored its references"
        text = excel_formula(expr)
        assert text.startswith("=") and "**" not in text and "math." not in text
        assert expr.evaluate(args) == pytest.approx(number, rel=1e-12)
        # Every argument that changes the number appears in the formula.
        assert expr.refs() <= set(args)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_excel_text_evaluates_in_an_independent_parser(name):
    formulas = pytest.importorskip("formulas")
    fn = FUNCTIONS[name]
    rng = random.Random(name + "/formulas")
    args = _args(fn, rng)
    number = _call(fn, args)
    text = excel_formula(_call(fn, {k: Ref(k) for k in args}))
    compiled = formulas.Parser().ast(text)[1].compile()
    values = {k.upper(): v for k, v in args.items()}
    got = compiled(*[values[i] for i in compiled.inputs])
    got = float(getattr(got, "item", lambda: got)()) if not isinstance(got, (int, float)) else got
    assert float(got) == pytest.approx(number, rel=1e-9), text


def test_mixed_numbers_and_references():
    e = compute.train_flops(Ref("params"), 2e12)
    assert excel_formula(e) == "=6*params*2000000000000"
    assert e.evaluate({"params": 70e9}) == pytest.approx(compute.train_flops(70e9, 2e12))
