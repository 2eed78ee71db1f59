"""Every scenario field finite, in a documented range, and refused in the user's words (issue 12).

Walks the scenario's models (the custom accelerator and ModelArch included) rather than listing
fields by hand, so a field added later is checked too: each number refuses inf, nan, 1e999 and
wrong types with one line naming its dotted path and its range; each text field refuses control
characters and overlong text, naming the field; and the schema shows every range.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from xlcompute.core.params import ModelArch
from xlcompute.scenario import (
    Assumptions,
    Cluster,
    CustomAccelerator,
    ModelSpec,
    Pricing,
    Reliability,
    Scenario,
    ScenarioError,
    ServingDemand,
    TrainingPlan,
    parse_scenario,
)

BASE: dict[str, Any] = {"name": "t", "model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"}}
CUSTOM_CARD = {"name": "X1", "bf16_tflops": 500, "hbm_gb": 96, "hbm_tbps": 3, "intra_node_gbs": 400, "tdp_w": 600}
ARCH = {"layers": 4, "hidden": 256, "heads": 4, "ffn_hidden": 1024, "vocab": 1000}
INTERNAL = ("CustomAccelerator", "ModelArch", "TransformerShape", "InputValue", "ModelSpec", "TrainingPlan",
            "Cluster", "Assumptions", "Reliability", "ServingDemand", "Pricing", "dictionary or instance",
            "Input should be", "Value error", "function-", "pydantic")
HANG_GUARD_S = 2.0

# Where each model lives in a scenario, and the mapping it needs around it.
SECTIONS: list[tuple[str, type[BaseModel], dict[str, Any]]] = [
    ("model", ModelSpec, BASE),
    ("training", TrainingPlan, BASE),
    ("cluster", Cluster, BASE),
    ("assumptions", Assumptions, BASE),
    ("reliability", Reliability, BASE),
    ("serving", ServingDemand, BASE),
    ("pricing", Pricing, BASE),
    ("cluster.accelerator", CustomAccelerator, {**BASE, "cluster": {"accelerator": CUSTOM_CARD}}),
    ("model.arch", ModelArch, {**BASE, "model": {"arch": ARCH}}),
]


def _kind(annotation: Any) -> str | None:
    text = str(annotation)
    if annotation is int or text in ("int | None", "typing.Optional[int]"):
        return "int"
    if annotation is float or text in ("float | None", "typing.Optional[float]"):
        return "float"
    if annotation is str or "str" in text and "Literal" not in text:
        return "str"
    return None


def _fields(kind: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(dotted path, base scenario, field info) of every field of one kind."""
    for prefix, model, base in SECTIONS:
        for name, info in model.model_fields.items():
            if _kind(info.annotation) == kind:
                yield f"{prefix}.{name}", base, info
    if kind == "str":
        for name in ("name", "organisation", "description"):
            yield name, BASE, Scenario.model_fields[name]
        yield "model.preset", BASE, ModelSpec.model_fields["preset"]
        yield "cluster.accelerator", BASE, Cluster.model_fields["accelerator"]


NUMBERS = [(path, base) for kind in ("int", "float") for path, base, _ in _fields(kind)]
TEXTS = [(path, base) for path, base, _ in _fields("str")]


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    *parents, leaf = path.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value
    return data


def _problems(data: dict[str, Any]) -> list[str]:
    start = time.perf_counter()
    try:
        parse_scenario(data, "t.yaml")
    except ScenarioError as exc:
        problems = exc.problems
    else:
        problems = []
    assert time.perf_counter() - start < HANG_GUARD_S
    for line in problems:
        assert "\n" not in line and len(line) < 600, line
        assert not any(word in line for word in INTERNAL), line
    return problems


def _refused_naming(data: dict[str, Any], path: str, *fragments: str) -> str:
    problems = _problems(data)
    mine = [p for p in problems if p.startswith(f"{path}:")]
    assert len(mine) == 1, (path, problems)
    for fragment in fragments:
        assert fragment in mine[0], mine[0]
    return mine[0]


def test_the_walk_finds_the_fields() -> None:
    paths = {p for p, _ in NUMBERS}
    assert {"training.tokens", "cluster.cards", "cluster.accelerator.hbm_gb", "model.arch.layers",
            "pricing.server_price", "reliability.restart_minutes", "model.params"} <= paths
    assert len(NUMBERS) > 60 and len(TEXTS) >= 8


@pytest.mark.parametrize("path, base", NUMBERS, ids=[p for p, _ in NUMBERS])
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "inf", "-Infinity", "NaN", "1e999",
                                   "1.5e308P", 10**400])
def test_every_number_refuses_non_finite_values(path: str, base: dict[str, Any], value: Any) -> None:
    line = _refused_naming(_with(base, path, value), path)
    # ModelArch's counts take plain whole numbers only (no suffixes): a suffixed text is no number there.
    # An integer beyond a float is exact for a count: out of range, not "infinite".
    assert ("finite" in line or (path.startswith("model.arch.") and "whole number" in line)
            or (isinstance(value, int) and " to " in line and "401-digit" in line)), line


@pytest.mark.parametrize("path, base", NUMBERS, ids=[p for p, _ in NUMBERS])
@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, True, False, "lots", "7" * 500])
def test_every_number_refuses_wrong_types_in_one_line(path: str, base: dict[str, Any], value: Any) -> None:
    line = _refused_naming(_with(base, path, value), path)
    assert "7" * 100 not in line  # a long value is echoed shortened
    if isinstance(value, bool):
        assert "true" in line or "false" in line, line


@pytest.mark.parametrize("path", ["training.tokens", "cluster.accelerator.hbm_gb", "model.arch.layers"])
def test_a_required_number_given_as_null_says_so(path: str) -> None:
    base = next(b for p, b in NUMBERS if p == path)
    _refused_naming(_with(base, path, None), path, "null")


@pytest.mark.parametrize("path, base", NUMBERS, ids=[p for p, _ in NUMBERS])
def test_every_number_has_a_finite_range_and_says_it(path: str, base: dict[str, Any]) -> None:
    *_, info = next(f for f in _fields("int") if f[0] == path) if any(
        f[0] == path for f in _fields("int")) else next(f for f in _fields("float") if f[0] == path)
    bounds = {k: getattr(m, k) for m in info.metadata for k in ("gt", "ge", "lt", "le") if hasattr(m, k)}
    assert "le" in bounds or "lt" in bounds, path
    assert "ge" in bounds or "gt" in bounds, path
    high = bounds.get("le", bounds.get("lt"))
    assert high <= 1e16
    line = _refused_naming(_with(base, path, high * 10 + 1), path)
    assert "to" in line or "up to" in line or "below" in line, line
    # The bound itself is no problem of this field (another check may still object to it).
    if "le" in bounds:
        assert not [p for p in _problems(_with(base, path, high)) if p.startswith(f"{path}:")]


def _schema_leaves(node: Any, defs: dict[str, Any], path: str, out: list[tuple[str, dict[str, Any]]],
                   seen: set[tuple[str, str]]) -> None:
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if (name, path) not in seen:
            seen.add((name, path))
            _schema_leaves(defs[name], defs, path, out, seen)
        return
    if node.get("type") in ("number", "integer", "string"):
        out.append((path, node))
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            _schema_leaves(sub, defs, path, out, seen)
    for key, sub in node.get("properties", {}).items():
        _schema_leaves(sub, defs, f"{path}.{key}" if path else key, out, seen)
    if "items" in node:
        _schema_leaves(node["items"], defs, path + "[]", out, seen)


def test_the_schema_bounds_every_number_and_every_text() -> None:
    schema = json.loads(json.dumps(Scenario.model_json_schema()))
    leaves: list[tuple[str, dict[str, Any]]] = []
    _schema_leaves(schema, schema.get("$defs", {}), "", leaves, set())
    numbers = [(p, n) for p, n in leaves if n["type"] in ("number", "integer")]
    texts = [(p, n) for p, n in leaves if n["type"] == "string" and "enum" not in n and "const" not in n]
    assert len(numbers) > 60 and len(texts) >= 8
    for path, node in numbers:
        assert "maximum" in node or "exclusiveMaximum" in node, path
        assert "minimum" in node or "exclusiveMinimum" in node, path
        assert "ge" not in node and "le" not in node, path  # JSON Schema's words, not pydantic's
    for path, node in texts:
        assert "maxLength" in node and node["maxLength"] <= 10_000, path


CONTROLS = ["\x00", "\x01", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\ufffe"]


@pytest.mark.parametrize("path, base", TEXTS, ids=[p for p, _ in TEXTS])
@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_every_text_field_refuses_control_characters(path: str, base: dict[str, Any], char: str) -> None:
    line = _refused_naming(_with(base, path, f"a{char}b"), path)
    assert char not in line  # escaped in the echo
    assert "control character" in line or "Unicode" in line, line


@pytest.mark.parametrize("path, base", TEXTS, ids=[p for p, _ in TEXTS])
def test_every_text_field_has_a_length_limit(path: str, base: dict[str, Any]) -> None:
    line = _refused_naming(_with(base, path, "x" * 5000), path, "at most", "5,000 characters")
    assert "x" * 100 not in line


@pytest.mark.parametrize("path, base", TEXTS, ids=[p for p, _ in TEXTS])
@pytest.mark.parametrize("char", ["\n", "\t"])
def test_tabs_and_line_breaks_only_in_the_description(path: str, base: dict[str, Any], char: str) -> None:
    problems = _problems(_with(base, path, f"a{char}b"))
    mine = [p for p in problems if p.startswith(f"{path}:")]
    assert bool(mine) is (path != "description"), problems


def test_text_is_normalised_where_harmless() -> None:
    s = parse_scenario({**BASE, "name": "  Plan A\n", "organisation": 2024, "description": "line\n\tnext\n"})
    assert (s.name, s.organisation, s.description) == ("Plan A", "2024", "line\n\tnext\n")


# -- union fields and wrong shapes -------------------------------------------------------------


@pytest.mark.parametrize(
    "path, value, fragments",
    [
        ("cluster.accelerator", [1, 2], ["catalog accelerator name", "mapping of custom figures", "a list of 2"]),
        ("cluster.accelerator", True, ["catalog accelerator name", "got true"]),
        ("cluster.accelerator", {"name": "X"}, []),
        ("model.arch", [1], ["expected a mapping of fields", "a list of 1 item"]),
        ("model.arch", "big", ["expected a mapping of fields", "got text"]),
        ("training", [1], ["expected a mapping of fields"]),
        ("training.tokens", {"a": 1}, ["a mapping of 1 key", "from 1 to 1e16"]),
        ("training.offload", {"a": 1}, ["expected a list"]),
        ("training.precision", "x" * 10_000, ["'bf16', 'fp16' or 'fp8'", "10,000 characters"]),
    ],
)
def test_union_and_shape_errors_are_in_the_users_words(path: str, value: Any, fragments: list[str]) -> None:
    problems = _problems(_with(BASE, path, value))
    assert problems and all(p.startswith(path) for p in problems), problems
    text = " | ".join(problems)
    for fragment in fragments:
        assert fragment in text, text


def test_a_custom_card_names_its_own_fields() -> None:
    problems = _problems(_with(BASE, "cluster.accelerator", {"name": "X", "hbm_gb": "inf"}))
    assert "cluster.accelerator.hbm_gb: 'inf' is not a finite number; allowed: from 0.001 to 10,000,000" in problems
    assert "cluster.accelerator.tdp_w: required, but missing" in problems
    assert not any(p.startswith("cluster.accelerator: ") for p in problems)


def test_an_architecture_too_large_in_all_is_refused() -> None:
    arch = {"layers": 10_000, "hidden": 1_000_000, "heads": 100_000, "head_dim": 10, "ffn_hidden": 10_000_000}
    line = _refused_naming(_with(BASE, "model", {"arch": arch}), "model.arch", "parameters", "at most 1e15")
    assert "ModelArch" not in line


@pytest.mark.parametrize(
    "path, value, fragment",
    [
        ("cluster.offload_gb", 1e-9, "must be 0 (none) or at least 0.001"),
        ("cluster.offload_gbs", 1e-9, "must be 0 (none) or at least 0.001"),
        ("reliability.checkpoint_interval_minutes", 0.001, "must be 0 (the Young–Daly optimum) or at least 0.1"),
    ],
)
def test_zero_means_none_and_tiny_divisors_are_refused(path: str, value: float, fragment: str) -> None:
    _refused_naming(_with(BASE, path, value), path, fragment)
    assert not _problems(_with(BASE, path, 0))


@pytest.mark.parametrize("path", ["assumptions.mfu", "assumptions.average_load", "serving.utilization"])
def test_a_share_typed_as_a_percentage_gets_a_hint(path: str) -> None:
    problems = _problems(_with(BASE, path, 40))
    assert len(problems) == 1 and problems[0].startswith(f"{path}: must be from")
    assert 'did you mean 0.4 (or "40%")?' in problems[0] and problems[0].endswith("(got 40)")
