"""The package's own YAML data is read by one loader (xlcompute._yaml_data): libyaml's C parser where
PyYAML has it, which must give exactly what PyYAML's pure-Python safe loader gives for every file."""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import pytest
import yaml

from xlcompute._yaml_data import SAFE_LOADER, load_yaml


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _data_files() -> list[Any]:
    out = []
    for package in ("xlcompute.catalog", "xlcompute.data", "xlcompute.data.validation"):
        out += [f for f in resources.files(package).iterdir() if f.name.endswith(".yaml")]
    return out


def test_every_data_file_reads_the_same_with_the_python_loader() -> None:
    files = _data_files()
    assert len(files) >= 50  # catalogs, prices and every validation set
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert _same(load_yaml(text), yaml.load(text, Loader=yaml.SafeLoader)), f.name  # noqa: S506


def test_the_loader_is_safe_and_uses_libyaml_when_pyyaml_has_it() -> None:
    assert SAFE_LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError):  # a safe loader builds no Python object from a tag
        load_yaml("!!python/object/apply:os.system ['true']")
