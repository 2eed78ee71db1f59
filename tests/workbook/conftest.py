"""Fixtures of the workbook tests: scenarios that exercise every path of the builder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# lo_recalc.py sits next to this file (a helper, not a test module).
sys.path.insert(0, str(Path(__file__).parent))

from xlcompute.scenario import Scenario, default_scenario, parse_scenario  # noqa: E402

INJECTIONS = ('=HYPERLINK("http://example.invalid/x","click me")', "=cmd|' /C calc'!A0", "+1+2", "-3", "@SUM(1)")


def scenario_with(**changes: object) -> Scenario:
    """The default scenario with dotted fields replaced (``{"cluster.cards": 2000}``). Only the fields
    the scenario file gives are carried over: a field left to its default stays open (the planner's
    interleaved schedule for a given layout, estimate._fit_given_layout)."""
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return parse_scenario(data, "test")


@pytest.fixture(scope="session")
def custom_scenario() -> Scenario:
    """A custom accelerator (with an injection-looking name), a custom architecture, fp8."""
    return scenario_with(
        name=INJECTIONS[0],
        organisation=INJECTIONS[1],
        description=INJECTIONS[2],
        cluster__accelerator={
            "name": "@Vendor X*", "bf16_tflops": 500, "fp8_tflops": 1000, "hbm_gb": 96, "hbm_tbps": 3.2,
            "intra_node_gbs": 300, "tdp_w": 600, "cards_per_node": 8,
        },
        model={"arch": {"name": "=my-model", "layers": 40, "hidden": 5120, "heads": 40, "kv_heads": 8,
                        "ffn_hidden": 13824, "vocab": 32000}},
        training__precision="fp8",
        training__tp=8,
        training__pp=5,
        assumptions__mfu_source="-measured in-house",
    )


@pytest.fixture(scope="session")
def override_scenario() -> Scenario:
    """A preset model whose size the scenario overrides; USD prices; catalog cards_per_node."""
    return scenario_with(
        model={"preset": "llama3.1-70b", "params": "71B"},
        pricing__currency="USD",
        cluster__cards_per_node=None,
    )
