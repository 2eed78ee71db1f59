"""Validation: reading the package's YAML data and scoring every serving set (``xlcompute validate
--serving``'s work). Prints medians and the ratio of libyaml's C loader (xlcompute._yaml_data, what the
package uses) to PyYAML's pure-Python safe loader on the same data files (catalogs, prices, validation sets).

Run: .venv/bin/python benchmarks/bench_validate.py [--repeats N]
"""

from __future__ import annotations

import argparse
from importlib import resources

import yaml
from _timing import median_seconds

from xlcompute._yaml_data import SAFE_LOADER, load_yaml
from xlcompute.serving_validation import SERVING_SETS, _raw, pooled_held_out


def _texts() -> list[str]:
    out = []
    for package in ("xlcompute.catalog", "xlcompute.data", "xlcompute.data.validation"):
        out += [f.read_text(encoding="utf-8") for f in resources.files(package).iterdir() if f.name.endswith(".yaml")]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    n = ap.parse_args().repeats
    texts = _texts()
    c = median_seconds(lambda: [load_yaml(t) for t in texts], n)
    py = median_seconds(lambda: [yaml.load(t, Loader=yaml.SafeLoader) for t in texts], n)  # noqa: S506
    print(f"read {len(texts)} data files     {SAFE_LOADER.__name__:>12}  median {c:7.3f} s   "
          f"SafeLoader {py:7.3f} s   ({py / c:.1f}x)")

    def pooled() -> None:
        _raw.cache_clear()  # each run reads the files, as one `xlcompute validate --serving` process does
        pooled_held_out()

    t = median_seconds(pooled, n)
    print(f"score {len(SERVING_SETS)} serving sets (pooled held-out)   median {t:7.3f} s")


if __name__ == "__main__":
    main()
