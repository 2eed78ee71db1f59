"""training.deadline_days through the graph: cards needed, the slip, and the schedule and MFU risks."""

from __future__ import annotations

import pytest

from xlcompute.estimate import Estimate, estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.policy import QUARTER_DAYS
from xlcompute.scenario import Scenario, default_scenario


def _with(sc: Scenario, deadline: float | None = None, cards: int | None = None, mfu: float | None = -1,
          tokens: float | None = None) -> Scenario:
    training = sc.training.model_copy(update={"deadline_days": deadline,
                                              **({"tokens": tokens} if tokens is not None else {})})
    cluster = sc.cluster.model_copy(update={"cards": cards if cards is not None else sc.cluster.cards})
    update = {"training": training, "cluster": cluster}
    if mfu != -1:
        update["assumptions"] = sc.assumptions.model_copy(update={"mfu": mfu})
    return sc.model_copy(update=update)


@pytest.fixture(scope="module")
def base() -> Estimate:
    return estimate(default_scenario())  # 1,000 H800, TP 8 × PP 5, 26.7 days end to end


def _schedule_risks(result: Estimate) -> list[dict]:
    return [x for x in build_context(result)["risks"]
            if "deadline" in str(x["risk"]) or "quarter" in str(x["risk"])]


def test_no_deadline_gives_zero_and_no_slip(base: Estimate) -> None:
    assert base["deadline_days"] == 0
    assert base["deadline_cards"] == 0 and base["deadline_servers"] == 0
    assert base["deadline_slip_days"] == 0
    assert 0 < base["deadline_effective_ratio"] <= 1  # finite without a deadline
    assert not _schedule_risks(base)  # 26.7 days: within a quarter


def test_a_deadline_the_cluster_meets(base: Estimate) -> None:
    r = estimate(_with(default_scenario(), deadline=40))
    assert r["train_days"] == pytest.approx(base["train_days"])  # the deadline changes no other figure
    assert r["deadline_slip_days"] == 0
    assert 0 < r["deadline_cards"] < r["gpu_count"]
    assert r["deadline_cards"] % 40 == 0 and r["deadline_cards"] % 8 == 0  # whole replicas and servers
    assert not _schedule_risks(r)
    again = estimate(_with(default_scenario(), deadline=40, cards=int(r["deadline_cards"])))
    assert again["train_days"] <= 40
    fewer = estimate(_with(default_scenario(), deadline=40, cards=int(r["deadline_cards"]) - 40))
    assert fewer["train_days"] > 40  # one replica less misses it: the count is the fewest


def test_a_deadline_the_cluster_misses(base: Estimate) -> None:
    r = estimate(_with(default_scenario(), deadline=20))
    assert r["deadline_slip_days"] == pytest.approx(base["train_days"] - 20)
    assert r["deadline_cards"] == 1360  # tests/core/test_schedule_deadline.py by hand, after the ETTR correction
    assert r["deadline_servers"] == 170
    again = estimate(_with(default_scenario(), deadline=20, cards=int(r["deadline_cards"])))
    assert again["train_days"] <= 20  # the cards needed meet the deadline end to end (ETTR at that count)
    assert again["deadline_slip_days"] == 0
    fewer = estimate(_with(default_scenario(), deadline=20, cards=int(r["deadline_cards"]) - 40))
    assert fewer["train_days"] > 20
    risks = _schedule_risks(r)
    assert len(risks) == 1
    # 6.7 days late on 20: a third of the deadline, Medium.
    assert risks[0]["level"] == "medium" and "1,360 cards" in str(risks[0]["mitigation"])
    far = _schedule_risks(estimate(_with(default_scenario(), deadline=10)))
    assert far[0]["level"] == "high"  # 16.7 days late on 10
    near = _schedule_risks(estimate(_with(default_scenario(), deadline=25)))
    assert near[0]["level"] == "low"  # 1.7 days late on 25


def test_a_long_run_without_deadline_is_a_schedule_risk() -> None:
    r = estimate(_with(default_scenario(), tokens=20e12))  # ten times the tokens: ~267 days
    assert r["train_days"] > QUARTER_DAYS
    risks = _schedule_risks(r)
    assert len(risks) == 1 and risks[0]["level"] == "high"
    text = str(risks[0]["mitigation"])
    need = int(text.split(" cards finish")[0].split()[-1].replace(",", ""))
    again = estimate(_with(default_scenario(), tokens=20e12, cards=need))
    assert again["train_days"] <= QUARTER_DAYS


def test_predicted_mfu_in_days_and_money(base: Estimate) -> None:
    ratio = base["mfu"] / base["predicted_mfu"]
    assert base["train_days_predicted_mfu"] == pytest.approx(base["train_days"] * ratio)
    assert base["train_cost_predicted_mfu"] == pytest.approx(base["train_cost"] * ratio)
    # Re-estimated at the predicted MFU, the run takes exactly those days.
    at_pred = estimate(_with(default_scenario(), mfu=base["predicted_mfu"]))
    assert at_pred["train_days"] == pytest.approx(base["train_days_predicted_mfu"])
    assert at_pred["train_cost"] == pytest.approx(base["train_cost_predicted_mfu"])


def _gap_risks(result: Estimate) -> list[dict]:
    return [x for x in build_context(result)["risks"] if "step-time model predicts" in str(x["risk"])]


def test_mfu_gap_risk_follows_the_gap(base: Estimate) -> None:
    pred = base["predicted_mfu"]  # 27.5%; the scenario assumes 40%: 46% above, High
    risks = _gap_risks(base)
    assert len(risks) == 1 and risks[0]["level"] == "high"
    assert base.results and f"{base['train_days_predicted_mfu']:.1f}" in str(risks[0]["risk"])
    for mfu, level in ((pred * 1.15, "medium"), (pred * 1.07, "low"), (pred * 1.02, None), (None, None)):
        r = estimate(_with(default_scenario(), mfu=mfu))
        got = _gap_risks(r)
        assert [x["level"] for x in got] == ([level] if level else []), mfu
