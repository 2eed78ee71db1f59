"""The risk register: each risk follows from a figure of the estimate against a named
threshold (:mod:`.policy`)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from xlcompute import fmt
from xlcompute.report.context._ctx import _Ctx
from xlcompute.report.context.appendix import _catalog_rows
from xlcompute.report.context.policy import (
    BUBBLE_WARN,
    COMM_SHARE_HIGH,
    COMM_SHARE_WARN,
    LONG_RUN_DAYS,
    MEMORY_SHARE_WARN,
    PUBLISHED_MFU,
)
from xlcompute.report.context.sections import _is_scenario_mfu
from xlcompute.report.context.validation import validation_report



def _risks(c: _Ctx, mem: dict[str, Any]) -> list[dict[str, Any]]:
    r, s = c.r, c.r.sensitivity
    risks: list[dict[str, Any]] = []

    def add(sev: int, risk: Markup, mitigation: Markup) -> None:
        risks.append({"rank": sev, "severity": c.t(("sev_high", "sev_medium", "sev_low")[sev]),
                      "level": ("high", "medium", "low")[sev], "risk": risk, "mitigation": mitigation})

    hbm = fmt.gb(r["hbm_bytes"], 0)
    if not mem["fits"]:
        add(0, c.t("risk_mem_nofit", mem=fmt.gb(mem["planned_bytes"]), hbm=hbm), c.t("mit_mem"))
    elif mem["planned_share"] > MEMORY_SHARE_WARN:
        add(1, c.t("risk_mem_tight", share=fmt.percent(mem["planned_share"]), mem=fmt.gb(mem["planned_bytes"]),
                   hbm=hbm), c.t("mit_mem"))

    share = r["comm_share_of_step"]
    if share > COMM_SHARE_WARN:
        add(0 if share > COMM_SHARE_HIGH else 1,
            c.t("risk_comm", share=c.v("comm_share_of_step"), comm=c.v("comm_exposed_seconds"),
                step=c.v("predicted_step_seconds"), mfu=c.v("mfu")),
            c.t("mit_comm", gbps=c.v("inter_node_gbps")))

    # MFU against published results, with the schedule at a lower MFU from the sensitivity table.
    low, high, _src = PUBLISHED_MFU
    mfu = r["mfu"]
    lower = [j for j, m in enumerate(s.mfus) if m < mfu and not _is_scenario_mfu(m, mfu)]
    if lower:
        j = lower[-2] if len(lower) >= 2 else lower[-1]
        i = s.cards.index(int(r["gpu_count"])) if int(r["gpu_count"]) in s.cards else None
        if i is not None and c.r.scenario.assumptions.mfu is None:
            # Predicted by the step-time model: the risk is the model's error, not a guess.
            add(2, c.t("risk_mfu_predicted", mfu=c.v("mfu"),
                       held=fmt.percent(validation_report().extended_held_out_mean_abs_error_pct / 100),
                       alt_mfu=fmt.percent(s.mfus[j], 0), alt_days=fmt.days(s.days[i][j]), days=c.v("train_days")),
                c.t("mit_mfu"))
        elif i is not None:
            key = "risk_mfu_high" if mfu > high else "risk_mfu_ok"
            add(0 if mfu > high else 2,
                c.t(key, mfu=c.v("mfu"), low=fmt.percent(low, 0), high=fmt.percent(high, 0),
                    alt_mfu=fmt.percent(s.mfus[j], 0), alt_days=fmt.days(s.days[i][j]), days=c.v("train_days")),
                c.t("mit_mfu"))

    if r["pipeline_bubble"] > BUBBLE_WARN + 1e-9:
        add(1, c.t("risk_bubble", bubble=c.v("pipeline_bubble"), pp=c.v("pp"), m=c.v("grad_accum")),
            c.t("mit_bubble"))

    unofficial = [row["name"] for row in _catalog_rows(c) if row["unofficial"]]
    if unofficial:
        add(1, c.t("risk_unofficial", names=", ".join(unofficial)), c.t("mit_unofficial"))

    if r["own_cheaper"] < 0.5:  # the same verdict as the recommendation (present values, same work)
        add(1, c.t("risk_rent_cheaper", years=c.v("years"), cloud=c.v("npv_rent"), budget=c.v("npv_own")),
            c.t("mit_rent_cheaper", years=c.v("years")))

    add(1, c.t("risk_vendor", cards=c.v("gpu_count"), accelerator=r.accelerator_name),
        c.t("mit_vendor", rent=c.v("price_per_gpu_hour")))

    if r["train_days"] > LONG_RUN_DAYS:
        add(2, c.t("risk_long_run", days=c.v("train_days"), cards=c.v("gpu_count"), hours=c.v("gpu_hours")),
            c.t("mit_long_run"))
    risks.sort(key=lambda x: x["rank"])  # stable: keeps the order above within a severity
    return risks
