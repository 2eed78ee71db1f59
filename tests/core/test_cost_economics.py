"""Own or rent (issue 13): the core's present-value formulas against hand calculations, and the
verdict against its closed-form break-even."""

from __future__ import annotations

import pytest

from xlcompute.core import cost


def test_annuity_and_discount_factors_by_hand() -> None:
    # 1/1.08 + 1/1.08² + 1/1.08³ = 0.925926 + 0.857339 + 0.793832 = 2.577097
    assert cost.annuity_factor(0.08, 3) == pytest.approx(2.5770970, rel=1e-7)
    assert cost.discount_factor(0.08, 3) == pytest.approx(1 / 1.259712, rel=1e-7)
    assert cost.annuity_factor(0.0, 4) == 4  # no discounting: the plain count of years


def test_npv_of_owning_by_hand() -> None:
    # 100 now, 10 a year for 2 years at 10 %, 30 left after 2 years:
    # 100 + 10/1.1 + 10/1.21 − 30/1.21 = 100 + 9.0909 + 8.2645 − 24.7934 = 92.5620
    a, d = cost.annuity_factor(0.1, 2), cost.discount_factor(0.1, 2)
    assert cost.npv_of_costs(100, 10, a, 30, d) == pytest.approx(92.5620, abs=1e-4)


def test_straight_line_book_value_and_depreciation() -> None:
    assert cost.book_value(1000, 0.1, 5, 3) == pytest.approx(100 + 900 * 0.4)
    assert cost.book_value(1000, 0.1, 5, 7) == pytest.approx(100)  # past its life: the residual value
    assert cost.depreciation_per_year(1000, 0.1, 5) == pytest.approx(180)


def test_utilisation_power_and_space() -> None:
    assert cost.utilisation(626_000 + 48 * 26_280, 26_280_000) == pytest.approx(0.07182, abs=1e-5)
    assert cost.utilisation(2e9, 1e6) == 1  # capped: the cluster cannot be more than busy
    assert cost.utilisation_in_use(0, 0.07) == 0.07 and cost.utilisation_in_use(0.8, 0.07) == 0.8
    assert cost.power_load(0.25, 0.2) == pytest.approx(0.25 + 0.75 * 0.2)
    # Racks are whole servers per rack now (core.bom, tests/core/test_bom.py).
    assert cost.space_cost_per_year(32, 40_000) == 32 * 40_000 * 12
    assert cost.serving_card_hours(48, 26_280, 640) == 48 * (26_280 - 640)


def test_rental_options() -> None:
    # 1,000 burst hours and 500 steady hours a year, on demand 10, reserved 8 (1 y) and 6 (3 y).
    assert cost.reserved_rent_per_year(1000, 500, 10, 6, 3, 3) == 1000 * 10 + 500 * 6
    assert cost.reserved_rent_per_year(1000, 500, 10, 6, 2, 3) == 1500 * 10  # a 3-year term is not offered for 2 years
    assert cost.cheapest_option(15_000, 14_000, 13_000) == 3
    assert cost.cheapest_option(15_000, 14_000, 15_000) == 2
    assert cost.cheapest_option(15_000, 15_000, 15_000) == 1


def test_steady_price_is_the_reserved_price_of_the_cheapest_option() -> None:
    # On demand 15, reserved 12 (1 y) and 9.75 (3 y): the steady (serving) card-hour pays the
    # price of the term the cheapest option reserves; a term longer than the period is not offered.
    assert cost.steady_price_per_card_hour(3, 15, 12, 9.75, 3) == 9.75
    assert cost.steady_price_per_card_hour(2, 15, 12, 9.75, 3) == 12
    assert cost.steady_price_per_card_hour(1, 15, 12, 9.75, 3) == 15
    assert cost.steady_price_per_card_hour(3, 15, 12, 9.75, 2) == 15


def test_break_even_utilisation_by_hand() -> None:
    # Owning: F = 1,000 fixed (present value), V = 100 a year extra power when fully busy;
    # renting: H·p = 1,000 card-hours × 1 a year; a = 2. u* = F / ((H·p − V)·a) = 1000 / 1800.
    a, u_plan, busy = 2.0, 0.5, 100.0
    npv_own = 1000 + u_plan * busy * a
    u_star = cost.break_even_utilisation(npv_own, u_plan, busy, 1000, 1.0, a)
    assert u_star == pytest.approx(1000 / 1800)
    # At u* both present values are equal.
    assert 1000 + u_star * busy * a == pytest.approx(u_star * 1000 * 1.0 * a)
    # Renting a card-hour cheaper than its power: owning never pays.
    assert cost.break_even_utilisation(npv_own, u_plan, busy, 1000, 0.05, a) == cost.NEVER_PAYS


def test_break_even_maintenance_share_by_hand() -> None:
    # capex 1,000, a = 2: each point of maintenance adds 20 to owning's present value.
    m_star = cost.break_even_maintenance_share(0.05, 1_200, 1_300, 1_000, 2)
    assert m_star == pytest.approx(0.05 + 100 / 2_000)
    assert cost.break_even_maintenance_share(0.05, 1_200, 1_300, 0, 2) == 0.05  # no capex, nothing to flip


def test_unpublished_tdp_scales_with_the_peak_in_every_face() -> None:
    """One formula: a number for the estimate and the UDFs, Excel text for the Hardware sheet."""
    from xlcompute.core.expr import Ref, excel_formula

    assert cost.tdp_scaled_by_peak(400, 780, 376) == pytest.approx(829.787234, rel=1e-9)
    f = cost.tdp_scaled_by_peak(Ref("$H$22"), Ref("$C$23"), Ref("$C$22"))
    assert excel_formula(f) == "=$H$22*$C$23/$C$22"
    assert f.evaluate({"$H$22": 400, "$C$23": 780, "$C$22": 376}) == pytest.approx(829.787234, rel=1e-9)
