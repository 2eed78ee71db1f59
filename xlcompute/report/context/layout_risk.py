"""The risk of a layout the scenario fixes: the layout planner's best for the same model, cards, batch
and stack, predicted by the same step-time model, may finish sooner."""

from __future__ import annotations

import functools

from markupsafe import Markup

from xlcompute import fmt
from xlcompute.estimate import Estimate, estimate, with_layout_open
from xlcompute.report.context._ctx import _Ctx
from xlcompute.scenario import Scenario
from xlcompute.report.context.policy import LAYOUT_SLOWER_HIGH, LAYOUT_SLOWER_MEDIUM, LAYOUT_SLOWER_NOTE


def planner_alternative(r: Estimate) -> Estimate | None:
    """The estimate of ``r``'s scenario with its layout left to the planner, when the scenario fixes one on
    a cluster it gives (a deadline-sized cluster would be sized again); None otherwise, or when the planner
    finds no layout."""
    sc = r.scenario
    if sc.training is None or not sc.layout_fixed or "cards" not in sc.cluster.model_fields_set:
        return None
    return _open_estimate(sc)


@functools.lru_cache(maxsize=8)
def _open_estimate(scenario: Scenario) -> Estimate | None:
    # Cached: the English and Chinese editions (and a batch's reruns) of one scenario compare the same plans.
    try:
        return estimate(with_layout_open(scenario))
    except ValueError:  # no open layout fits, or the open scenario is refused: nothing to compare with
        return None


def given_layout_risk(c: _Ctx) -> tuple[int, Markup, Markup] | None:
    """(severity, risk, mitigation) when the planner's best layout is predicted to finish more than
    :data:`LAYOUT_SLOWER_NOTE` sooner than the scenario's own, both at the step-time model's predicted MFU."""
    r = c.r
    best = planner_alternative(r)
    if best is None:
        return None
    days, best_days = r["train_days_predicted_mfu"], best["train_days_predicted_mfu"]
    slower = days / best_days - 1 if best_days > 0 else 0.0
    if slower <= LAYOUT_SLOWER_NOTE:
        return None
    severity = 0 if slower > LAYOUT_SLOWER_HIGH else 1 if slower > LAYOUT_SLOWER_MEDIUM else 2

    def layout(e: Estimate) -> str:
        return fmt.layout_text(e["tp"], e["cp"], e["pp"], e["dp"], e["ep"], c.lang)

    risk = c.t("risk_layout_given", given=c.layout(), days=c.v("train_days_predicted_mfu"), mfu=c.v("predicted_mfu"),
               best=layout(best), best_days=c.v_as(best_days, "train_days_predicted_mfu"),
               best_mfu=c.v_as(best["predicted_mfu"], "predicted_mfu"), slower=fmt.percent(slower),
               cost=c.va("train_cost_predicted_mfu"),
               best_cost=c.va_as(best["train_cost_predicted_mfu"], "train_cost_predicted_mfu"))
    return severity, risk, c.t("mit_layout_given")
