"""Hostile scenario files (issue 12): each is refused quickly with one line naming the limit or the field.

The corpus is built here: billion laughs, deep nesting in each format, huge strings, many keys,
duplicate keys, loops and parser corner cases. Every refusal must be a ScenarioError whose lines
name the field or the limit, arrive within a hang guard (2 s; the real times are milliseconds)
and never carry a traceback, an internal class name or a line break.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

import xlcompute._scenario_files as scenario_files
import xlcompute.scenario as scenario_module
from xlcompute.scenario import (
    MAX_DEPTH,
    MAX_KEYS,
    MAX_SCENARIO_BYTES,
    MAX_STRING_CHARS,
    MAX_VALUES,
    ScenarioError,
    load_scenario,
    parse_scenario,
)

HANG_GUARD_S = 2.0
BASE_YAML = "name: t\nmodel: {preset: llama2-70b}\ntraining: {tokens: 2T}\n"
BASE = {"name": "t", "model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"}}
INTERNAL = ("CustomAccelerator", "ModelArch", "TransformerShape", "InputValue", "ModelSpec", "TrainingPlan",
            "dictionary or instance", "Traceback", "pydantic", "sys.set_int_max_str_digits")


@pytest.fixture(autouse=True)
def _fresh_yaml_loader() -> Iterator[None]:
    # A test may build the loader on the pure-Python parser: later tests get the default again.
    yield
    scenario_files._yaml_loader.cache_clear()


def _use_parser(parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if parser == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    if parser == "pure-python":
        monkeypatch.setattr(yaml, "__with_libyaml__", False)
    scenario_files._yaml_loader.cache_clear()


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both YAML paths: libyaml's parser (PyYAML's wheels) and PyYAML's pure-Python fallback."""
    _use_parser(request.param, monkeypatch)
    return request.param


def _refused(load: Callable[[], object], *fragments: str) -> str:
    """Run ``load``; it must raise ScenarioError within the hang guard, every line clean, the text
    holding every fragment. Returns the joined problems."""
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load()
    elapsed = time.perf_counter() - start
    assert elapsed < HANG_GUARD_S, f"took {elapsed:.2f} s"
    problems = info.value.problems
    assert problems and len(problems) <= scenario_module.MAX_PROBLEMS
    for line in problems:
        assert "\n" not in line and len(line) < 600, line
        assert not any(word in line for word in INTERNAL), line
    text = " | ".join(problems)
    for fragment in fragments:
        assert fragment in text, text
    return text


def _file(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


# -- YAML aliases ------------------------------------------------------------------------------


def _billion_laughs(levels: int = 9, fan: int = 10) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n" + BASE_YAML


def test_billion_laughs_is_refused_at_the_value_limit(tmp_path: Path, yaml_parser: str) -> None:
    path = _file(tmp_path, "laughs.yaml", _billion_laughs())
    _refused(lambda: load_scenario(path), "file: line", f"more than {MAX_VALUES:,} values", "aliases expanded")


def test_billion_laughs_inside_a_field_is_refused(tmp_path: Path, yaml_parser: str) -> None:
    text = BASE_YAML + "description: &d [" + ", ".join(["x"] * 50) + "]\n"
    text += "organisation: &o [" + ", ".join(["*d"] * 50) + "]\n"  # 2,550 values
    text += "pricing: {storage: [*o, *o, *o, *o, *o]}\n"  # 12,750 more
    _refused(lambda: load_scenario(_file(tmp_path, "d.yaml", text)), f"more than {MAX_VALUES:,} values")


def test_too_many_aliases_and_alias_loops(tmp_path: Path, yaml_parser: str) -> None:
    text = BASE_YAML + "description: &d x\norganisation: [" + ", ".join(["*d"] * 150) + "]\n"
    _refused(lambda: load_scenario(_file(tmp_path, "a.yaml", text)), "more than 100 YAML aliases")
    loop = "description: &a [1, *a]\n" + BASE_YAML.replace("name: t\n", "")
    _refused(lambda: load_scenario(_file(tmp_path, "loop.yaml", loop)), "description[1]", "alias *a", "loop")


def test_aliases_and_merge_keys_within_the_limits_still_work(tmp_path: Path, yaml_parser: str) -> None:
    text = BASE_YAML + "serving: &s {users: 10}\npricing:\n  <<: {years: 5, pue: 1.5}\n  years: 4\n"
    s = load_scenario(_file(tmp_path, "merge.yaml", text))
    assert (s.pricing.years, s.pricing.pue, s.serving.users) == (4, 1.5, 10)


# -- nesting -----------------------------------------------------------------------------------

def _deep(kind: str, depth: int) -> str:
    """A scenario file nesting ``depth`` levels (10^5 exceeds the file size; 25,000 fits it)."""
    return {
        "flow.yaml": "description: " + "[" * depth + "]" * depth + "\n" + BASE_YAML.replace("name: t\n", ""),
        "flowmap.yaml": "description: " + "{a: " * depth + "1" + "}" * depth + "\n",
        "block.yaml": "description:\n  " + "- " * depth + "x\n",  # compact nested block sequences
        "array.json": '{"description": ' + "[" * depth + "]" * depth + "}",
        "object.json": '{"description": ' + '{"a":' * depth + "1" + "}" * depth + "}",
        "array.toml": "description = " + "[" * depth + "]" * depth + "\n",
        "inline.toml": "description = " + "{a = " * depth + "1" + "}" * depth + "\n",
        "dotted.toml": ".".join(["a"] * depth) + " = 1\n",
        "header.toml": "[" + ".".join(["a"] * depth) + "]\nx = 1\n",
    }[kind]


_KINDS = [(kind, "libyaml") for kind in ("flow.yaml", "flowmap.yaml", "block.yaml")]
_KINDS += [(kind, "pure-python") for kind in ("flow.yaml", "flowmap.yaml", "block.yaml")]
_KINDS += [(kind, "") for kind in ("array.json", "object.json", "array.toml", "inline.toml", "dotted.toml",
                                   "header.toml")]


@pytest.mark.parametrize("depth", [100_000, 25_000, 400])
@pytest.mark.parametrize("kind, parser", _KINDS, ids=[f"{k}-{p}" if p else k for k, p in _KINDS])
def test_deep_nesting_is_refused_quickly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, parser: str,
                                         depth: int) -> None:
    _use_parser(parser, monkeypatch)
    text = _deep(kind, depth)
    path = _file(tmp_path, kind, text)
    if len(text.encode()) > MAX_SCENARIO_BYTES:
        _refused(lambda: load_scenario(path), "file:", f"at most {MAX_SCENARIO_BYTES:,} bytes")
    else:  # refused while parsing ("file: ...") or, parsed, by the structure check (the field's path)
        _refused(lambda: load_scenario(path), f"more than {MAX_DEPTH} levels")


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_nesting_just_beyond_the_limit_is_named(tmp_path: Path, yaml_parser: str, suffix: str) -> None:
    depth = MAX_DEPTH + 1
    if suffix == ".yaml":
        text = "description: " + "[" * depth + "]" * depth + "\n"
    elif suffix == ".json":
        text = '{"description": ' + "[" * depth + "]" * depth + "}"
    else:
        text = "description = " + "[" * depth + "]" * depth + "\n"
    _refused(lambda: load_scenario(_file(tmp_path, "s" + suffix, text)), f"more than {MAX_DEPTH} levels")


def test_api_mappings_have_the_same_structure_limits() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(10_000):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    _refused(lambda: parse_scenario({**BASE, "description": deep}), "description.a", f"more than {MAX_DEPTH}")
    loop: list[object] = []
    loop.append(loop)  # a self-containing list: the depth limit ends the walk
    _refused(lambda: parse_scenario({**BASE, "description": loop}), f"more than {MAX_DEPTH}")
    shared = ["x"] * 1000
    _refused(lambda: parse_scenario({**BASE, "description": [shared] * 1000}), f"more than {MAX_VALUES:,} values")


# -- size, strings, keys -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_a_20_mb_string_is_refused_by_the_file_size(tmp_path: Path, suffix: str) -> None:
    big = "x" * 20_000_000
    text = {".yaml": f"name: '{big}'\n", ".json": json.dumps({"name": big}), ".toml": f'name = "{big}"\n'}[suffix]
    _refused(lambda: load_scenario(_file(tmp_path, "s" + suffix, text)), "file: 20,000,0",
             f"at most {MAX_SCENARIO_BYTES:,} bytes")


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_a_string_over_the_limit_names_its_field(tmp_path: Path, yaml_parser: str, suffix: str) -> None:
    long = "x " * 50_000  # 100,000 characters: within the file size, beyond any string
    data = {**BASE, "description": long}
    text = {".yaml": yaml.safe_dump(data, width=80), ".json": json.dumps(data),
            ".toml": 'description = "' + long + '"\n[model]\npreset = "llama2-70b"\n[training]\ntokens = "2T"\n'}[suffix]
    _refused(lambda: load_scenario(_file(tmp_path, "s" + suffix, text)), "description",
             f"the limit for any text in a scenario is {MAX_STRING_CHARS:,}")


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
@pytest.mark.parametrize("keys", [20_000, 100_000])
def test_many_keys_are_refused(tmp_path: Path, yaml_parser: str, suffix: str, keys: int) -> None:
    if suffix == ".yaml":
        text = "".join(f"k{i}: {i}\n" for i in range(keys))
    elif suffix == ".json":
        text = json.dumps({f"k{i}": i for i in range(keys)})
    else:
        text = "".join(f"k{i} = {i}\n" for i in range(keys))
    path = _file(tmp_path, "s" + suffix, text)
    limit = f"more than {MAX_KEYS:,} keys" if len(text) <= MAX_SCENARIO_BYTES else "bytes"
    _refused(lambda: load_scenario(path), "file:", limit)


def test_many_keys_from_the_api() -> None:
    _refused(lambda: parse_scenario({**BASE, **{f"k{i}": i for i in range(100_000)}}), f"more than {MAX_KEYS:,} keys")


def test_many_values_in_a_toml_array(tmp_path: Path) -> None:
    text = "description = [" + ",".join(["1"] * 30_000) + "]\n"
    _refused(lambda: load_scenario(_file(tmp_path, "s.toml", text)), f"more than {MAX_VALUES:,} values")


# -- duplicate keys ----------------------------------------------------------------------------


def test_duplicate_yaml_keys_name_the_key_and_both_lines(tmp_path: Path, yaml_parser: str) -> None:
    text = "name: t\nmodel: {preset: llama2-70b}\ntraining:\n  tokens: 2T\n  seq_len: 4096\n  tokens: 1T\n"
    _refused(lambda: load_scenario(_file(tmp_path, "d.yaml", text)), "training.tokens: line 6", "first at line 4",
             "given twice")
    text = BASE_YAML + "name: u\n"
    _refused(lambda: load_scenario(_file(tmp_path, "e.yaml", text)), "name: line 4", "first at line 1")


def test_duplicate_json_keys_name_the_key(tmp_path: Path) -> None:
    text = '{"name": "t", "model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "tokens": "1T"}}'
    _refused(lambda: load_scenario(_file(tmp_path, "d.json", text)), "training.tokens: given twice")


def test_duplicate_toml_keys_are_refused(tmp_path: Path) -> None:
    text = 'name = "t"\nname = "u"\n'
    _refused(lambda: load_scenario(_file(tmp_path, "d.toml", text)), "cannot parse d.toml", "line 2")


# -- parser corner cases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("bom.yaml", b"\xff\xfename: t\n", "not UTF-8 text"),
        ("raw.yaml", b"name: a\x01b\n", "U+0001"),
        ("tag.yaml", b"name: !!python/object:os.system x\n", "could not determine a constructor"),
        ("two.yaml", b"name: a\n---\nname: b\n", "expected a single document"),
        ("bad.json", b'{"name": ', "cannot parse bad.json: line 1"),
        ("digits.json", b'{"training": {"tokens": ' + b"9" * 5000 + b"}}", "more than 4,300 digits"),
        ("digits.yaml", b"training: {tokens: " + b"9" * 5000 + b"}\n", "more than 4,300 digits"),
        ("open.toml", b'name = """' + b"a" * 100_000, "Unterminated string"),
        ("s.ini", b"name = t", "unsupported type"),
    ],
)
def test_unreadable_files_are_one_line(tmp_path: Path, yaml_parser: str, name: str, content: bytes,
                                       fragment: str) -> None:
    _refused(lambda: load_scenario(_file(tmp_path, name, content)), "file:", fragment)


def test_a_file_name_with_control_characters_is_escaped(tmp_path: Path) -> None:
    path = _file(tmp_path, "bad\x1b[31m.yaml", "name: [")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "\x1b" not in str(info.value) and "\\x1b" in str(info.value)


def test_many_problems_are_summarised() -> None:
    text = _refused(lambda: parse_scenario({**BASE, **{f"k{i}": 1 for i in range(60)}}), "more problems")
    assert text.count(" | ") == scenario_module.MAX_PROBLEMS - 1


# -- real scenarios still load ----------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path",
    sorted(ROOT.glob("workbooks/scenarios/*.yaml")) + sorted((ROOT / "xlcompute" / "data").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_every_example_scenario_loads(path: Path, yaml_parser: str) -> None:
    start = time.perf_counter()
    assert load_scenario(path).name
    assert time.perf_counter() - start < HANG_GUARD_S
