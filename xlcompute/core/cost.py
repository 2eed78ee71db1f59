"""Cost and energy: rental, capital expenditure, power.

Sources: seed 001 (GPU-hours × price: the AWS p4d example); energy = cards · power · hours · PUE
(The Green Grid, "PUE: a comprehensive examination of the metric", 2012: PUE = facility power /
IT power); a server draws more than its cards' TDP (NVIDIA DGX H100 datasheet: 10.2 kW maximum
for 8 × 700 W GPUs, a factor of about 1.8).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, ceil
from xlcompute.core.units import HOURS_PER_YEAR, JOULES_PER_KWH, SECONDS_PER_HOUR, WATTS_PER_KW

__all__ = [
    "rental_cost",
    "servers_needed",
    "it_power_watts",
    "energy_joules",
    "energy_kwh",
    "power_cost",
    "annual_power_cost",
    "total_cost",
]


def rental_cost(card_hours: Value, price_per_card_hour: Value) -> Value:
    """Cost of card-hours at a rental price (seed 001: A100-hours × hourly price)."""
    return card_hours * price_per_card_hour


def servers_needed(cards: Value, cards_per_server: Value) -> Value:
    """Whole servers to hold the cards: ⌈n / cards_per_server⌉."""
    return ceil(cards / cards_per_server)


def it_power_watts(cards: Value, tdp_w: Value, host_factor: Value = 1) -> Value:
    """IT power of the cards and their share of the servers: n · TDP · host factor, W."""
    return cards * tdp_w * host_factor


def energy_joules(cards: Value, tdp_w: Value, seconds: Value, pue: Value = 1, host_factor: Value = 1) -> Value:
    """Facility energy n · TDP · host factor · t · PUE, joules (PUE: The Green Grid 2012)."""
    return it_power_watts(cards, tdp_w, host_factor) * seconds * pue


def energy_kwh(cards: Value, tdp_w: Value, hours: Value, pue: Value = 1) -> Value:
    """Facility energy in kWh, cards · TDP · hours · PUE / 1000 (the UDF ENERGY_KWH's unit)."""
    return energy_joules(cards, tdp_w, hours * SECONDS_PER_HOUR, pue) / JOULES_PER_KWH


def power_cost(energy_j: Value, price_per_kwh: Value) -> Value:
    """Electricity cost of ``energy_j`` joules at a price per kWh."""
    return energy_j / JOULES_PER_KWH * price_per_kwh


def annual_power_cost(it_watts: Value, pue: Value, price_per_kwh: Value, load_factor: Value = 1) -> Value:
    """Electricity cost of a year at average load ``load_factor`` of IT power: W · 8760 h · PUE."""
    return it_watts * load_factor * HOURS_PER_YEAR * pue / WATTS_PER_KW * price_per_kwh


def total_cost(capex: Value, opex_per_year: Value, years: Value) -> Value:
    """Total cost of ownership over ``years``: capex + years · opex."""
    return capex + years * opex_per_year
