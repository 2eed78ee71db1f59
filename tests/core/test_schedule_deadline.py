"""The deadline formulas of core.schedule against hand calculations, with numbers and as Excel text."""

from __future__ import annotations

import math

import pytest

from xlcompute.core import schedule
from xlcompute.core.expr import Ref, evaluate, excel_formula


def test_cards_for_deadline_by_hand() -> None:
    # 1e24 FLOPs in 10 days at 1 PFLOP/s × 50% MFU × 80% ETTR: 1e24 / (864,000 s · 4e14) = 2,893.5
    # working cards → 121 replicas of 24 = 2,904 cards → 363 servers of 8 = 2,904 cards.
    assert schedule.cards_for_deadline(1e24, 10, 1e15, 0.5, 0.8, 24, 8) == 2904
    # Replicas of 40 on servers of 8 (the default scenario's TP 8 × PP 5): 1,334.6 working cards
    # → 34 replicas = 1,360 cards = 170 servers.
    assert schedule.cards_for_deadline(8.92144287744e23, 20, 989.4e12, 0.4, 0.9775463997664261, 40, 8) == 1360
    # Replicas of 12 on servers of 8: 30 working cards → 3 replicas = 36 cards → 5 servers = 40 cards.
    flops = 30 * 86400 * 1e15 * 0.5 * 1.0
    assert schedule.cards_for_deadline(flops, 1, 1e15, 0.5, 1.0, 12, 8) == 40


def test_cards_for_deadline_without_a_deadline_is_zero_and_finite() -> None:
    assert schedule.cards_for_deadline(1e24, 0, 1e15, 0.5, 0.8, 24, 8) == 0
    assert schedule.cards_for_deadline(1e24, 10, 1e15, 0.5, 0.0, 24, 8) > 0  # ETTR floor, no ÷ 0


def test_days_late_and_other_mfu_by_hand() -> None:
    assert schedule.days_late(30, 20) == 10
    assert schedule.days_late(15, 20) == 0
    assert schedule.days_late(30, 0) == 0  # no deadline, no slip
    assert schedule.at_other_mfu(10, 0.4, 0.5) == pytest.approx(8)  # t ∝ 1/MFU
    assert schedule.at_other_mfu(10, 0.4, 0) == pytest.approx(10 * 0.4 / schedule.MIN_OTHER_MFU)


@pytest.mark.parametrize("deadline", [0, 0.5, 10, 365])
def test_cards_for_deadline_excel_text_agrees(deadline: float) -> None:
    names = ("flops", "deadline", "peak", "mfu", "ettr", "replica", "server")
    env = dict(zip(names, (1e24, deadline, 1e15, 0.5, 0.8, 24, 8)))
    expr = schedule.cards_for_deadline(*(Ref(n) for n in names))
    assert excel_formula(expr).startswith("=")
    assert math.isclose(evaluate(expr, env), schedule.cards_for_deadline(*env.values()))


def test_days_on_deadline_cards_by_hand() -> None:
    # The 2,904 cards above at 70 % ETTR (their own, lower than the 80 % the count was taken at): 121 replicas
    # of 24 = 2,904 working cards; 1e24 / (2,904 · 1e15 · 0.5 · 0.7) / 86,400 = 11.387 days, past the 10.
    days = schedule.days_on_deadline_cards(1e24, 2904, 10, 1e15, 0.5, 0.7, 24)
    assert days == pytest.approx(1e24 / (2904 * 1e15 * 0.5 * 0.7) / 86400) and days == pytest.approx(11.3873, abs=1e-4)
    # 40 cards on servers of 8 with replicas of 12: 3 replicas work (36 cards), 4 cards idle.
    assert schedule.days_on_deadline_cards(1e24, 40, 10, 1e15, 0.5, 0.8, 12) == pytest.approx(
        1e24 / (36 * 1e15 * 0.5 * 0.8) / 86400)
    assert schedule.days_on_deadline_cards(1e24, 0, 0, 1e15, 0.5, 0.8, 24) == 0  # no deadline
    assert schedule.days_on_deadline_cards(1e24, 2904, 10, 1e15, 0.5, 0.0, 24) > 0  # ETTR floor, no ÷ 0


@pytest.mark.parametrize(("cards", "deadline"), [(0, 0), (2904, 10), (40, 0.5)])
def test_days_on_deadline_cards_excel_text_agrees(cards: float, deadline: float) -> None:
    names = ("flops", "cards", "deadline", "peak", "mfu", "ettr", "replica")
    env = dict(zip(names, (1e24, cards, deadline, 1e15, 0.5, 0.7, 24)))
    expr = schedule.days_on_deadline_cards(*(Ref(n) for n in names))
    assert math.isclose(evaluate(expr, env), schedule.days_on_deadline_cards(*env.values()))
