"""Own or rent in the estimate (issue 13): the default scenario's verdict agrees with its
break-even utilisation, changing utilisation or maintenance flips it where the numbers say so,
and a USD scenario takes USD defaults."""

from __future__ import annotations

import pytest

from xlcompute.estimate import estimate
from xlcompute.scenario import Scenario, default_scenario


def _with(**changes: dict) -> Scenario:  # type: ignore[type-arg]
    data = default_scenario().model_dump(exclude_unset=True)
    for section, fields in changes.items():
        data.setdefault(section, {}).update(fields)
    return Scenario.model_validate(data)


def _consistent(r) -> None:  # type: ignore[no-untyped-def]
    """The verdict follows from the break-even: own iff the planned utilisation reaches it."""
    be, u = r["break_even_utilisation"], r["planned_utilisation"]
    assert r["own_cheaper"] == (1 if r["npv_own"] <= r["npv_rent"] else 0)
    if be < 0:
        assert r["own_cheaper"] == 0
    else:
        assert r["own_cheaper"] == (1 if u >= be else 0)


def test_default_scenario_rents_because_the_work_uses_a_fraction_of_the_cluster() -> None:
    r = estimate(default_scenario())
    # 640,565 training card-hours plus 48 serving cards (the inference model's SLA sizing: 12 replicas
    # of 4 cards; 11 before the all-reduce constants were fitted on all-reduce timings) to the end of
    # 3 years, of 26.28M card-hours.
    assert r["serving_cards"] == 48
    assert r["workload_card_hours"] == pytest.approx(r["gpu_hours"] + 48 * (26_280 - r["train_hours"]))
    assert r["planned_utilisation"] == pytest.approx(0.0712, abs=1e-4)
    assert r["planned_utilisation"] < r["break_even_utilisation"] or r["break_even_utilisation"] < 0
    assert r["own_cheaper"] == 0
    assert r["rent_option"] == 3  # serving reserved for 3 years, training on demand
    _consistent(r)


# At ¥15 per card-hour the default cluster does not pay even fully busy (break-even above 100 %);
# at ¥25 it does, above its break-even utilisation.
RENT = {"price_per_card_hour": 25}


def test_default_prices_never_pay_within_capacity() -> None:
    full = estimate(_with(assumptions={"average_load": 1.0}))
    assert full["break_even_utilisation"] > 1 and full["own_cheaper"] == 0
    _consistent(full)


def test_utilisation_flips_the_verdict_at_the_break_even() -> None:
    busy = estimate(_with(assumptions={"average_load": 0.9}, pricing=RENT))
    assert busy["own_cheaper"] == 1 and busy["break_even_utilisation"] < 0.9
    _consistent(busy)
    # Below the break-even of the busy plan (same rental price mix: burst on demand): renting wins.
    idle = estimate(_with(assumptions={"average_load": 0.2}, pricing=RENT))
    assert idle["own_cheaper"] == 0
    _consistent(idle)


def test_maintenance_flips_the_verdict_where_the_break_even_share_says() -> None:
    r = estimate(_with(assumptions={"average_load": 0.9}, pricing=RENT))
    m_star = r["break_even_maintenance_share"]
    assert 0.05 < m_star < 1
    below = estimate(_with(assumptions={"average_load": 0.9}, pricing={**RENT, "maintenance_share": m_star - 0.01}))
    above = estimate(_with(assumptions={"average_load": 0.9}, pricing={**RENT, "maintenance_share": m_star + 0.01}))
    assert below["own_cheaper"] == 1 and above["own_cheaper"] == 0
    # At the break-even share the present values are equal.
    at = estimate(_with(assumptions={"average_load": 0.9}, pricing={**RENT, "maintenance_share": m_star}))
    assert at["npv_own"] == pytest.approx(at["npv_rent"], rel=1e-9)


def test_usd_scenario_takes_usd_defaults_for_its_card() -> None:
    data = default_scenario().model_dump(exclude_unset=True)
    data["cluster"]["accelerator"] = "H100-SXM"
    data["pricing"] = {"currency": "USD"}
    r = estimate(Scenario.model_validate(data))
    assert r["server_price"] == 300_000 and r["network_per_server"] == 0  # no quote: the bill of materials
    assert r["switch_price"] == 30_000 and r["nic_price"] == 2_000
    assert r["electricity_per_kwh"] == 0.08 and r["price_per_gpu_hour"] == 3.0
    assert r["price_reserved_3y"] == pytest.approx(3.0 * 0.65)
    for key in ("server_price", "network_per_server", "electricity_per_kwh", "price_per_gpu_hour", "storage_capex",
                "facility_per_kw", "space_per_rack_month", "nic_price", "switch_price", "transceiver_price",
                "cable_price", "storage_per_tb"):
        assert "(USD)" in r.inputs[key].source and "CNY" not in r.inputs[key].source, key


def test_explicit_prices_are_kept_and_cny_defaults_follow_the_card() -> None:
    r = estimate(default_scenario())  # the default scenario leaves the card's prices to the catalog
    assert r["server_price"] == 2_300_000 and "H800" in r.inputs["server_price"].source
    quoted = default_scenario().model_dump(exclude_unset=True)
    quoted["pricing"] = {**quoted["pricing"], "server_price": 2_000_000}
    q = estimate(Scenario.model_validate(quoted))
    assert q["server_price"] == 2_000_000 and q.inputs["server_price"].source.startswith("scenario:")
    data = default_scenario().model_dump(exclude_unset=True)
    data["cluster"]["accelerator"] = "H20"
    data["pricing"] = {"currency": "CNY"}
    h20 = estimate(Scenario.model_validate(data))
    assert h20["server_price"] == 8 * 150_000 and "H20" in h20.inputs["server_price"].source
