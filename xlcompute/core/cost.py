"""Cost and energy: rental, capital expenditure, power.

Sources: seed 001 (GPU-hours × price: the AWS p4d example); energy = cards · power · hours · PUE
(The Green Grid, "PUE: a comprehensive examination of the metric", 2012: PUE = facility power /
IT power); a server draws more than its cards' TDP (NVIDIA DGX H100 datasheet: 10.2 kW maximum
for 8 × 700 W GPUs, a factor of about 1.8).

Own or rent (issue 13): both sides pay for the same work. Owning is capex, then per year
maintenance, colocation space, staff and power at the *planned* utilisation, less the hardware's
book value at the end of the period; renting pays only the card-hours the workload needs. Both are
discounted to present values with the ordinary annuity and discount factors (Brealey, Myers &
Allen, *Principles of Corporate Finance*, ch. 2: PV = C/(1+r)^t; annuity (1 − (1+r)^−N)/r), so
the verdict, its break-even utilisation and the figures that flip it are closed forms.
"""

from __future__ import annotations

from xlcompute.core.expr import Value, and_, ceil, eq, if_, max_, min_
from xlcompute.core.units import HOURS_PER_YEAR, JOULES_PER_KWH, SECONDS_PER_HOUR, WATTS_PER_KW

__all__ = [
    "rental_cost",
    "cost_per_tokens",
    "servers_needed",
    "whole_server_cards",
    "it_power_watts",
    "tdp_scaled_by_peak",
    "energy_joules",
    "energy_kwh",
    "power_cost",
    "annual_power_cost",
    "total_cost",
    "MONTHS_PER_YEAR",
    "NEVER_PAYS",
    "serving_card_hours",
    "utilisation",
    "utilisation_in_use",
    "power_load",
    "space_cost_per_year",
    "annuity_factor",
    "discount_factor",
    "book_value",
    "depreciation_per_year",
    "npv_of_costs",
    "steady_card_hours_per_year",
    "reserved_rent_per_year",
    "cheapest_option",
    "steady_price_per_card_hour",
    "price_per_hour_used",
    "break_even_utilisation",
    "break_even_maintenance_share",
]

MONTHS_PER_YEAR = 12
NEVER_PAYS = -1
"""Break-even utilisation when owning never pays: renting a busy card-hour costs no more than the
power it would draw when owned."""


def rental_cost(card_hours: Value, price_per_card_hour: Value) -> Value:
    """Cost of card-hours at a rental price (seed 001: A100-hours × hourly price)."""
    return card_hours * price_per_card_hour


def cost_per_tokens(cost: Value, tokens: Value, per: Value) -> Value:
    """Cost of ``per`` tokens when ``cost`` pays for ``tokens`` tokens (a training run per 10^12
    tokens, a serving price per 1,000 tokens restated per 10^6)."""
    return cost / (tokens / per)


def servers_needed(cards: Value, cards_per_server: Value) -> Value:
    """Whole servers to hold the cards: ⌈n / cards_per_server⌉."""
    return ceil(cards / cards_per_server)


def whole_server_cards(cards: Value, cards_per_server: Value) -> Value:
    """The cards of the whole servers that hold ``cards``, at least one server:
    max(1, ⌈n / cards_per_server⌉) · cards_per_server. Cards are bought in servers (an HGX H800
    holds 8); a serving-only plan that leaves cluster.cards out is priced at this count of its
    serving cards."""
    return max_(1, servers_needed(cards, cards_per_server)) * cards_per_server


def tdp_scaled_by_peak(ref_tdp_w: Value, peak_tflops: Value, ref_peak_tflops: Value) -> Value:
    """Board power of a card whose maker publishes none (Cloud TPU v5e/v5p, Ascend 910C): the
    reference card's TDP scaled by the dense BF16 peaks, i.e. the same watts per peak FLOP,
    TDP_ref · peak / peak_ref. A planning assumption, not a measurement (the catalog row names its
    reference and says why; ``cluster.tdp_w`` overrides it): a newer generation usually needs fewer
    watts per FLOP than the older reference, so its energy cost tends to come out high."""
    return ref_tdp_w * peak_tflops / ref_peak_tflops


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


# -- own or rent: the same work on both sides ----------------------------------------------------


def serving_card_hours(serving_cards: Value, period_hours: Value, train_hours: Value) -> Value:
    """Card-hours of serving over the period: the serving cards from the end of the training run
    to the end of the period, n_serve · max(0, H_period − t_train) (the scenario trains, then serves)."""
    return serving_cards * max_(period_hours - train_hours, 0)


def utilisation(used_card_hours: Value, cluster_card_hours: Value) -> Value:
    """Share of the cluster's card-hours the workload uses, min(1, used / available)."""
    return min_(used_card_hours / cluster_card_hours, 1)


def utilisation_in_use(given: Value, workload: Value) -> Value:
    """The planned utilisation: the scenario's (assumptions.average_load, > 0) when given, else the
    workload's."""
    return if_(given > 0, given, workload)


def power_load(utilisation_share: Value, idle_share: Value) -> Value:
    """Average power as a share of full IT power: busy cards draw full power, idle ones the idle
    share, u + (1 − u)·idle (idle share: an explicit planning assumption, assumptions.idle_power_share)."""
    return utilisation_share + (1 - utilisation_share) * idle_share


def space_cost_per_year(racks: Value, price_per_rack_month: Value) -> Value:
    """Colocation cost of a year: racks × price per rack-month × 12 (CBRE, North America Data
    Center Trends H2 2024, quotes colocation per kW and month)."""
    return racks * price_per_rack_month * MONTHS_PER_YEAR


def annuity_factor(rate: Value, years: Value) -> Value:
    """Present value of 1 paid at the end of each of ``years`` years at discount rate r:
    (1 − (1+r)^−N)/r, and N when r = 0 (Brealey, Myers & Allen, ch. 2, annuities)."""
    # The r = 0 branch is evaluated too (as in a spreadsheet): divide by 1 there, not by zero.
    return if_(rate > 0, (1 - (1 + rate) ** (-years)) / if_(rate > 0, rate, 1), years)


def discount_factor(rate: Value, years: Value) -> Value:
    """Present value of 1 paid after ``years`` years: (1+r)^−N (Brealey, Myers & Allen, ch. 2)."""
    return (1 + rate) ** (-years)


def book_value(cost: Value, residual_share: Value, life_years: Value, age_years: Value) -> Value:
    """Straight-line book value after ``age_years``: R + (C − R)·max(0, 1 − age/life), R = C·residual
    share (IAS 16 §§6, 62: depreciable amount = cost − residual value, straight-line method)."""
    residual = cost * residual_share
    return residual + (cost - residual) * max_(1 - age_years / life_years, 0)


def depreciation_per_year(cost: Value, residual_share: Value, life_years: Value) -> Value:
    """Straight-line depreciation of a year, (C − R)/life (IAS 16 §62)."""
    return cost * (1 - residual_share) / life_years


def npv_of_costs(upfront: Value, per_year: Value, annuity: Value, end_value: Value, discount: Value) -> Value:
    """Present value of the costs of owning: upfront + per-year cost × annuity factor − the value
    left at the end × discount factor (Brealey, Myers & Allen, ch. 2)."""
    return upfront + per_year * annuity - end_value * discount


def steady_card_hours_per_year(serving_hours: Value, years: Value, used_per_year: Value) -> Value:
    """The steady part of the work, per year: the serving card-hours spread over the period (at
    most all the work). The rest is bursty (training runs)."""
    return min_(serving_hours / years, used_per_year)


def reserved_rent_per_year(burst_hours: Value, steady_hours: Value, on_demand: Value, reserved: Value,
                           years: Value, term_years: Value) -> Value:
    """Rent of a year with a reservation of ``term_years``: the steady hours at the reserved price,
    the bursts on demand. A reservation needs a steady load for its whole term, so a term longer
    than the period is not offered (all on demand)."""
    return if_(years >= term_years, burst_hours * on_demand + steady_hours * reserved,
               (burst_hours + steady_hours) * on_demand)


def cheapest_option(on_demand: Value, reserved_1y: Value, reserved_3y: Value) -> Value:
    """Which rental option is cheapest: 1 on demand, 2 reserved for 1 year, 3 reserved for 3 years
    (the first of equals)."""
    return if_(on_demand <= min_(reserved_1y, reserved_3y), 1, if_(reserved_1y <= reserved_3y, 2, 3))


def steady_price_per_card_hour(option: Value, on_demand: Value, reserved_1y: Value, reserved_3y: Value,
                               years: Value) -> Value:
    """The price the cheapest rental option pays for a steady card-hour (the serving fleet's):
    the reserved price of the term it reserves, on demand when it reserves none or the term
    outlasts the period (the same rule as :func:`reserved_rent_per_year`). The serving's cost per
    token is priced at it, so it matches the renting the recommendation quotes."""
    return if_(and_(eq(option, 3), years >= 3), reserved_3y,
               if_(and_(eq(option, 2), years >= 1), reserved_1y, on_demand))


def price_per_hour_used(cost_per_year: Value, used_per_year: Value, fallback: Value) -> Value:
    """Cost per card-hour used, cost per year / card-hours used per year (``fallback`` when
    nothing is used)."""
    return if_(used_per_year > 0, cost_per_year / if_(used_per_year > 0, used_per_year, 1), fallback)


def break_even_utilisation(npv_own: Value, utilisation_share: Value, busy_power_per_year: Value,
                           cluster_hours_per_year: Value, rent_price: Value, annuity: Value) -> Value:
    """The utilisation above which owning is cheaper than renting the same card-hours.

    Owning's present cost is linear in utilisation u: F + u·V·a, with V the extra power of busy
    cards per year at u = 1 and a the annuity factor; renting is u·H·p·a (H card-hours a year, p the
    plan's rental price per card-hour). Equal at u* = F / ((H·p − V)·a), F = NPV_own − u_plan·V·a.
    NEVER_PAYS when H·p ≤ V (renting costs no more than the power). Source: the two present values
    of this module (Brealey, Myers & Allen, ch. 2)."""
    margin = (cluster_hours_per_year * rent_price - busy_power_per_year) * annuity
    fixed = npv_own - utilisation_share * busy_power_per_year * annuity
    return if_(margin > 0, fixed / if_(margin > 0, margin, 1), NEVER_PAYS)


def break_even_maintenance_share(share: Value, npv_own: Value, npv_rent: Value, capex: Value,
                                 annuity: Value) -> Value:
    """The maintenance share of capex per year at which owning and renting cost the same:
    m + (NPV_rent − NPV_own)/(capex·a) (owning's NPV is linear in m with slope capex·a); ``share``
    when there is no capex."""
    slope = capex * annuity
    return if_(slope > 0, share + (npv_rent - npv_own) / if_(slope > 0, slope, 1), share)
