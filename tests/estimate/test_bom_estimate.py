"""The bill of materials in the estimate (issue 13 part 3): the capex is the bill's total unless the
scenario gives a quote, which then replaces it; committed scenarios with quotes keep their capex."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcompute.estimate import estimate
from xlcompute.scenario import Scenario, ScenarioError, default_scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios"


def _with(**changes: dict) -> Scenario:  # type: ignore[type-arg]
    data = default_scenario().model_dump(exclude_unset=True)
    for section, fields in changes.items():
        data.setdefault(section, {}).update(fields)
    return Scenario.model_validate(data)


def test_default_capex_is_the_bill() -> None:
    r = estimate(default_scenario())
    # 1,000 H800 at 8 per server: 32 leaves, 16 spines, 2,000 links, 4,000 optics (tests/core/test_bom.py).
    assert (r["leaf_switches"], r["spine_switches"], r["core_switches"]) == (32, 16, 0)
    assert (r["nics"], r["fabric_links"], r["transceivers"]) == (1000, 2000, 4000)
    parts = r["cost_nics"] + r["cost_switches"] + r["cost_transceivers"] + r["cost_cables"]
    assert r["fabric_cost"] == pytest.approx(parts)
    assert r["cost_nics"] == 1000 * r["nic_price"] and r["cost_switches"] == 48 * r["switch_price"]
    assert r["cost_transceivers"] == 4000 * r["transceiver_price"] and r["cost_cables"] == 2000 * r["cable_price"]
    assert r["capex_network"] == r["fabric_cost"]
    # Storage: 14.6 TB × 1,000 cards beats 10 checkpoints + 2T tokens × 4 B.
    assert r["storage_tb"] == pytest.approx(14_600)
    assert r["capex_storage"] == pytest.approx(14_600 * r["storage_per_tb"])
    assert r["capex_total"] == pytest.approx(r["capex_servers"] + r["capex_network"] + r["capex_storage"]
                                             + r["capex_facility"])
    # Racks: 3 servers of 10.08 kW in a 40 kW rack; facility power 1,260 kW × 1.3.
    assert (r["servers_per_rack"], r["racks"]) == (3, 42)
    assert r["facility_power_mw"] == pytest.approx(1.638)
    assert "bill of materials" in r.inputs["network_per_server"].source
    # Still rent: the work uses about 7 % of the cluster, far below the break-even utilisation.
    assert r["own_cheaper"] == 0 and r["break_even_utilisation"] > 1


def test_a_network_quote_replaces_the_bill() -> None:
    bill = estimate(default_scenario())
    quoted = estimate(_with(pricing={"network_per_server": 300_000}))
    assert quoted["capex_network"] == 125 * 300_000
    assert quoted["fabric_cost"] == bill["fabric_cost"]  # the bill is still counted, for comparison
    assert quoted["capex_total"] == pytest.approx(bill["capex_total"] - bill["fabric_cost"] + 125 * 300_000)
    assert quoted.inputs["network_per_server"].source.startswith("scenario:")


def test_a_storage_quote_replaces_the_bill() -> None:
    bill = estimate(default_scenario())
    quoted = estimate(_with(pricing={"storage": 5_000_000}))
    assert quoted["capex_storage"] == 5_000_000
    assert quoted["capex_total"] == pytest.approx(bill["capex_total"] - bill["storage_bill"] + 5_000_000)


def test_committed_scenarios_with_quotes_keep_their_meaning() -> None:
    for name, per_server, storage in (("h100-2048-llama405b", 40_000, 2_000_000),
                                      ("h100-1024-llama70b-128k", 40_000, 2_000_000),
                                      ("gh200-8-llama70b-offload", 20_000, 200_000)):
        r = estimate(load_scenario(EXAMPLES / f"{name}.yaml"))
        assert r["capex_network"] == r["servers"] * per_server, name
        assert r["capex_storage"] == storage, name


def test_unit_prices_and_sizing_from_the_scenario() -> None:
    r = estimate(_with(pricing={"switch_price": 100_000, "nic_price": 0},
                       cluster={"oversubscription": 3, "storage_tb_per_card": 0, "checkpoints_kept": 5}))
    assert r["cost_nics"] == 0 and r["cost_switches"] == (24 + 6) * 100_000
    # 5 checkpoints of 70B × 14 B plus 2T tokens × 4 B.
    assert r["storage_tb"] == pytest.approx((5 * r["checkpoint_bytes"] + 2e12 * 4) / 1e12)


def test_switch_too_small_for_the_nic_is_one_line() -> None:
    with pytest.raises((ScenarioError, ValueError)) as err:
        _with(cluster={"switch_gbps": 1200})
    text = str(err.value)
    assert "cluster.switch_gbps" in text and "1600" in text
