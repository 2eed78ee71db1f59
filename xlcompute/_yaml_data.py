"""Reading the package's own YAML data (catalogs, prices, validation sets) with one safe loader.

libyaml's C parser reads them about 10x faster than PyYAML's pure-Python one (the 56 data files:
6.2 s → 0.6 s; the catalogs 44 ms → 6 ms per process, benchmarks/bench_startup.py), with the same
result for every file (checked when this module was written). The pure-Python safe loader is the
fallback where PyYAML was built without libyaml. Both are safe loaders: no Python objects from YAML.
Scenario files a user writes go through xlcompute._scenario_files instead (its own size guards)."""

from __future__ import annotations

from typing import IO, Any

import yaml

SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(source: str | IO[str]) -> Any:
    """The data of one YAML document (text or an open text file), read by :data:`SAFE_LOADER`."""
    return yaml.load(source, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader, C or Python
