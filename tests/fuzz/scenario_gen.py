"""Generated scenarios for the fuzzing suite: valid-looking ones with extreme values, and broken ones.

The generator reads the scenario's own JSON schema (field types, ranges, enums), so it follows the
schema as it changes: a range tightened in ``xlcompute/scenario.py`` moves the "extreme" values with
it. Each scenario is a plain mapping, as a parsed YAML file would be. Seeded ``random.Random`` only:
10,000 cases a run need a generator that costs microseconds, not a shrinking framework.
"""

from __future__ import annotations

import copy
import math
import random
import re
from typing import Any

from xlcompute import catalog
from xlcompute.scenario import Scenario

SECTIONS = ("model", "training", "cluster", "assumptions", "reliability", "serving", "pricing", "uncertainty")
TEXT_FIELDS = ("name", "organisation", "description")

# Values a hostile or careless file holds where a number belongs.
BAD_NUMBERS: tuple[Any, ...] = (
    float("inf"), float("-inf"), float("nan"), "1e999", "-1e999", "inf", "NaN", 9.99e307, -9.99e307, 1e-320,
    -1, 0, 2**63, 10**30, "70Q", "", "   ", "1,5", "２T", True, None, [], {}, [1, 2], {"a": 1},
)
BAD_TEXT: tuple[str, ...] = (
    "a\u0001b", "tab\x0bvt", "esc\x1b[31m", "nul\x00byte", "del\x7f", "c1\x85next", "=HYPERLINK(\"http://x\")",
    "+cmd|' /C calc'!A0", "@SUM(1)", "<script>alert(1)</script>", "{{ 7*7 }}", "${jndi:x}", "中" * 120,
    "W" * 300, "\u202eRTL", "\ud7ff", "line\nbreak", "",
)


def _defs() -> tuple[dict[str, Any], dict[str, Any]]:
    schema = Scenario.model_json_schema()
    return schema, schema["$defs"]


SCHEMA, DEFS = _defs()


def _resolve(prop: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional field, with $refs followed."""
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        prop = {**prop, **branches[0]} if len(branches) == 1 else {**prop, "anyOf": branches}
    if "$ref" in prop:
        prop = DEFS[prop["$ref"].rsplit("/", 1)[-1]]
    return prop


def _bounds(prop: dict[str, Any]) -> tuple[float, float]:
    lo = prop.get("minimum", prop.get("exclusiveMinimum", prop.get("gt", prop.get("ge", 0))))
    hi = prop.get("maximum", prop.get("exclusiveMaximum", prop.get("lt", prop.get("le", 1e15))))
    return float(lo), float(hi)


def _number(rng: random.Random, prop: dict[str, Any], integer: bool) -> float | int:
    """A value inside the field's range: log-uniform, often at or next to a bound."""
    lo, hi = _bounds(prop)
    excl_lo, excl_hi = "exclusiveMinimum" in prop, "exclusiveMaximum" in prop
    r = rng.random()
    if r < 0.15:
        x = lo if not excl_lo else (lo + 1 if integer else (lo * 1.000001 if lo > 0 else 1e-9))
    elif r < 0.3:
        x = hi if not excl_hi else (hi - 1 if integer else hi * 0.999999)
    else:
        a, b = max(lo, 1e-6 if not integer else 1), max(hi, 1e-6)
        if a <= 0 or b <= a:
            x = rng.uniform(lo, hi)
        else:
            x = 10 ** rng.uniform(math.log10(a), math.log10(b))
    if integer:
        return int(min(max(round(x), math.ceil(lo)), math.floor(hi)))
    return float(min(max(x, lo), hi))


def _value(rng: random.Random, prop: dict[str, Any]) -> Any:
    prop = _resolve(prop)
    if "enum" in prop:
        return rng.choice(prop["enum"])
    kind = prop.get("type")
    if kind == "integer":
        return _number(rng, prop, True)
    if kind == "number":
        return _number(rng, prop, False)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "string":
        limit = int(prop.get("maxLength", 40))
        return "".join(rng.choice("abcXYZ 12_-中文") for _ in range(rng.randint(1, min(limit, 40))))
    if kind == "array":
        items = prop.get("items", {})
        if "enum" in items:
            return rng.sample(items["enum"], rng.randint(0, len(items["enum"])))
        return []
    return None


def _section(rng: random.Random, name: str, p_field: float) -> dict[str, Any]:
    props = DEFS[name]["properties"]
    required = set(DEFS[name].get("required", ()))
    out = {}
    for field, prop in props.items():
        if field in required or rng.random() < p_field:
            value = _value(rng, prop)
            if value is not None:
                out[field] = value
    return out


def _model(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.8:
        return {"preset": rng.choice(MODEL_KEYS)}
    # A custom architecture: plausible shapes most of the time, so the estimate is reached.
    heads = rng.choice((8, 16, 32, 40, 64, 96, 128))
    head_dim = rng.choice((64, 128))
    arch = {"layers": rng.randint(1, 128), "hidden": heads * head_dim, "heads": heads,
            "ffn_hidden": heads * head_dim * rng.choice((2, 3, 4)), "vocab": rng.choice((0, 32000, 151936))}
    if rng.random() < 0.3:
        arch.update(_section(rng, "ModelArch", 0.2))
    return {"arch": arch}


def _cluster(rng: random.Random) -> dict[str, Any]:
    out = _section(rng, "Cluster", 0.15)
    out["accelerator"] = rng.choice(GPU_KEYS) if rng.random() < 0.85 else _section(rng, "CustomAccelerator", 0.5)
    # Mostly card counts a buyer asks about; the schema's extremes come from _section above.
    if rng.random() < 0.7:
        out["cards"] = rng.choice((1, 2, 7, 8, 16, 64, 100, 256, 1000, 1024, 2048, 4096, 16384, 65536, 100000))
    return out


def _training(rng: random.Random, planner: bool) -> dict[str, Any]:
    out = _section(rng, "TrainingPlan", 0.12)
    out.pop("dp", None)
    if planner:
        for key in ("tp", "pp", "cp"):
            out.pop(key, None)
    elif "tp" not in out or "pp" not in out:
        out["tp"], out["pp"] = rng.choice((1, 2, 4, 8)), rng.choice((1, 2, 4, 8, 16))
    if rng.random() < 0.7:
        out["tokens"] = rng.choice(("300B", "1T", "2T", "15T", 1e9, 5e13))
    if rng.random() < 0.8:
        out.pop("global_batch", None)
        out.pop("batch_tokens", None)
    return out


def valid_looking(rng: random.Random) -> dict[str, Any]:
    """A scenario whose every field is inside the schema's range (it may still be refused by
    cross-field rules: a TP that does not divide the heads, a model that does not fit)."""
    planner = rng.random() < 0.35
    data: dict[str, Any] = {"name": "fuzz", "model": _model(rng), "training": _training(rng, planner),
                            "cluster": _cluster(rng)}
    if not planner or rng.random() < 0.5:
        data["assumptions"] = {"mfu": rng.choice((0.05, 0.3, 0.4, 0.55, 1.0))}
    for section, name, p in (("assumptions", "Assumptions", 0.2), ("reliability", "Reliability", 0.3),
                             ("serving", "ServingDemand", 0.3), ("pricing", "Pricing", 0.2),
                             ("uncertainty", "Uncertainty", 0.4)):
        if rng.random() < 0.35:
            data.setdefault(section, {}).update(_section(rng, name, p))
    if data.get("assumptions", {}).get("mfu") is None and "assumptions" in data:
        data["assumptions"].pop("mfu", None)
    return data


def _paths(data: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k, v in data.items():
        path = f"{prefix}{k}"
        out.append(path)
        if isinstance(v, dict):
            out.extend(_paths(v, path + "."))
    return out


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    node = data
    parts = path.split(".")
    for p in parts[:-1]:
        child = node.get(p)
        if not isinstance(child, dict):
            child = {}
            node[p] = child
        node = child
    node[parts[-1]] = value


def broken(rng: random.Random) -> dict[str, Any]:
    """A valid-looking scenario with one to three things wrong."""
    data = valid_looking(rng)
    for _ in range(rng.randint(1, 3)):
        paths = _paths(data)
        kind = rng.random()
        if kind < 0.35:
            # A copy: the pool's [] and {} must not collect what later mutations put into them.
            _set(data, rng.choice(paths), copy.deepcopy(rng.choice(BAD_NUMBERS)))
        elif kind < 0.5:
            data[rng.choice(TEXT_FIELDS)] = rng.choice(BAD_TEXT)
        elif kind < 0.6:
            _set(data, rng.choice(paths) + "_typo" if rng.random() < 0.5 else "tarining.tokens", 1)
        elif kind < 0.7:
            data[rng.choice(SECTIONS)] = rng.choice(([1, 2], "text", 3, None, True))
        elif kind < 0.8:
            deep: Any = 1
            for _ in range(rng.randint(2, 60)):
                deep = {"x": deep}
            _set(data, rng.choice(paths), deep)
        elif kind < 0.9:
            _set(data, rng.choice(("model.preset", "cluster.accelerator", "training.precision",
                                   "training.recompute", "pricing.currency", "training.offload")),
                 rng.choice(("llama-9000", "H999", "BF16", "partial", "EUR", ["gpu"], "weights,weights", "")))
        else:
            _set(data, rng.choice(paths), "x" * rng.choice((1_000, 50_000)))
    return data


def scenarios(seed: int, n: int) -> list[tuple[str, dict[str, Any]]]:
    """``n`` generated scenarios, 60 % valid-looking and 40 % broken, reproducible from ``seed``."""
    rng = random.Random(seed)
    return [("valid", valid_looking(rng)) if rng.random() < 0.6 else ("broken", broken(rng)) for _ in range(n)]


MODEL_KEYS = [m.key for m in catalog.models()]
GPU_KEYS = [g.key for g in catalog.gpus()]

# Where a message names the field: it starts with the path the user wrote (``tarining``,
# ``training.offload.0``, ``cluster.accelerator.hbm_gb``) or names a scenario path in its text.
FIELD_PATH = re.compile(
    r"^[\w-]+(?:\.[\w-]+)*(?=[ :(])|(?:^|[\s(\"'])(?:file|scenario|name|organisation|description|model|training|"
    r"cluster|assumptions|reliability|serving|pricing)(?:\.[A-Za-z_][A-Za-z_0-9]*|\[\d+\])*(?=[\s:(,;·)]|$)"
)
INTERNAL_NAMES = re.compile(
    r"\b(?:ModelSpec|TrainingPlan|CustomAccelerator|Assumptions|Reliability|ServingDemand|Pricing|ModelArch|"
    r"Execution|InputValue|TransformerShape|ValidationError|Traceback|pydantic|errors\.pydantic\.dev|"
    r"instance of|NoneType|dict_keys)\b"
)


def message_problem(line: str) -> str | None:
    """Why ``line`` is not an error message in the user's words (None when it is)."""
    if "\n" in line or "\r" in line:
        return "spans several lines"
    if INTERNAL_NAMES.search(line):
        return f"names an internal class: {INTERNAL_NAMES.search(line).group(0)}"  # type: ignore[union-attr]
    if not FIELD_PATH.search(line):
        return "names no scenario field"
    return None
