"""Everything the proposal templates show, taken from an :class:`~xlcompute.estimate.Estimate`.

The rule of this module: no figure is computed here. Numbers come from the estimate
(``result.inputs``, ``result.figures``, ``result.sensitivity``); where a section needs a figure the
estimate does not hold (per-card memory for every ZeRO stage × recomputation mode, the cost table
year by year) it is obtained by calling the calculation core with the estimate's inputs. Numbers
become text only through :mod:`xlcompute.fmt` (:func:`format_value`). Prose comes from
:mod:`xlcompute.report.i18n`, which escapes every argument.

Thresholds that turn figures into risks are named constants below, each with its reason.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from xlcompute import catalog, fmt, registry
from xlcompute._graph import GRAPH, STEPS
from xlcompute._graph import INPUT_GROUPS as GRAPH_GROUPS
from xlcompute.core import arith, cost
from xlcompute.estimate import Estimate, PlanReport
from xlcompute.planner.inputs import SOFTWARE_STACKS
from xlcompute.planner.validation import ValidationReport, validate
from xlcompute.report import charts
from xlcompute.report.i18n import text

__all__ = [
    "build_context",
    "INPUT_GROUPS",
    "format_value",
    "memory_grid",
    "year_by_year",
    "MEMORY_SHARE_WARN",
    "COMM_SHARE_WARN",
    "COMM_SHARE_HIGH",
    "BUBBLE_WARN",
    "PUBLISHED_MFU",
    "PLAN_ROWS_SHOWN",
    "HELD_OUT_TARGET_PCT",
    "validation_report",
    "plan_section",
    "validation_appendix",
]

# --- thresholds (presentation policy, not formulas) --------------------------------------------

MEMORY_SHARE_WARN = 0.85
"""Warn when training uses more than 85% of HBM: allocator fragmentation and framework buffers
typically take several GB on an 80 GB card (Korthikanti et al. 2022 report ~2-5 GB not covered by
the activation formula), so < 15% headroom is a planning risk."""

COMM_SHARE_WARN = 0.15
COMM_SHARE_HIGH = 0.30
"""Communication share of step time (without overlap): above 15% it is worth a pilot, above 30%
it threatens the assumed MFU (Narayanan et al. 2021 §5.4 keep exposed communication well below this)."""

BUBBLE_WARN = 0.10
"""Pipeline bubble (p−1)/m above 10% of step time (Narayanan et al. 2021 §2.2 aim below it)."""

LONG_RUN_DAYS = 14.0
"""Runs longer than two weeks on hundreds of cards see several hardware failures (Llama 3 report
§3.3.4: 419 unexpected interruptions in a 54-day window on 16K H100)."""

PUBLISHED_MFU: tuple[float, float, str] = (
    0.38,
    0.46,
    "Llama 3 (Dubey et al. 2024, Table 4): 38–43% on 8K–16K H100; PaLM (Chowdhery et al. 2022, Table 3): 46.2%",
)
"""Range of MFU published for large training runs, used to judge the scenario's assumption."""

HELD_OUT_TARGET_PCT = 5.0
#: The pre-registered validation file whose rows were predicted blind (see xlcompute.validate).
BLIND_SET = "meg21_table2"
"""Acceptance target of the step-time model (issue 6): held-out mean absolute error ≤ 5%; the
appendix says plainly whether the committed model meets it."""

PLAN_ROWS_SHOWN = 5
"""Layouts listed in the planner table: enough to show how close the runners-up are."""

RECOMPUTE_NAMES: tuple[str, ...] = ("none", "selective", "full")
"""Recompute mode numbers 0/1/2 as in :data:`xlcompute.scenario.RECOMPUTE_MODES`."""

# --- how each number is shown: the registry's display kind (xlcompute.registry) -----------------


def format_value(x: float, kind: str, currency: str) -> str:
    """Format one number with a registry display kind (``xlcompute.registry.KINDS``)."""
    try:
        return registry.KINDS[kind][0](x, currency)
    except KeyError:
        raise ValueError(f"unknown format kind {kind!r}") from None


def _unit(key: str, kind: str | None, lang: str, currency: str) -> str:
    return "" if registry.carries_unit(key, kind) else registry.unit_text(key, lang, currency)


def _label(key: str, lang: str) -> str:
    return registry.label(key, lang)


class _Ctx:
    """Shared helpers for one render: language, currency, the estimate."""

    def __init__(self, result: Estimate, lang: str) -> None:
        self.r = result
        self.lang = lang
        self.cur = result.scenario.pricing.currency

    def t(self, key: str, **kw: Any) -> Markup:
        return text(key, self.lang, **kw)

    def v(self, key: str, kind: str | None = None) -> str:
        """An input or figure of the estimate, formatted by its registry kind."""
        return registry.format_value(self.r[key], key, self.cur, kind)

    def money(self, x: float, digits: int = 0) -> str:
        return fmt.money(x, self.cur, digits)

    def row(self, key: str, kind: str | None = None, source: str = "") -> dict[str, Any]:
        return {
            "key": key,
            "label": _label(key, self.lang),
            "value": registry.format_value(self.r[key], key, self.cur, kind),
            "unit": _unit(key, kind, self.lang, self.cur),
            "source": source,
            "is_text": False,
        }

    def rc_name(self, mode: int) -> Markup:
        return self.t(f"rc_{RECOMPUTE_NAMES[mode]}")


# --- memory plan: the core's memory formulas for every ZeRO stage × recompute mode -------------


def memory_grid(result: Estimate) -> list[dict[str, Any]]:
    """Per-card training memory for ZeRO stages 0–3 × recompute none/selective/full with the
    planned layout: the graph's memory phase over arrays of the 12 settings, one evaluation."""
    import numpy as np

    inputs = {k: v.value for k, v in result.inputs.items()}
    stages, modes = np.repeat(np.arange(4.0), 3), np.tile(np.arange(3.0), 4)
    out = GRAPH.run({**inputs, "zero_stage": stages, "recompute_mode": modes},
                    ["mem_per_gpu", "states_per_gpu", "activations_per_gpu", "mem_fits"])
    col = {k: np.broadcast_to(out[k], stages.shape) for k in ("mem_per_gpu", "states_per_gpu",
                                                              "activations_per_gpu", "mem_fits")}
    hbm = result["hbm_bytes"]
    rows = []
    for stage in range(4):
        cells = []
        for mode in range(3):
            i = 3 * stage + mode
            total = float(col["mem_per_gpu"][i])
            cells.append({
                "mode": mode,
                "bytes": total,
                "share": float(arith.ratio(total, hbm)),
                "fits": bool(col["mem_fits"][i] >= 0.5),
                "planned": stage == int(result["zero_stage"]) and mode == int(result["recompute_mode"]),
            })
        rows.append({"stage": stage, "states": float(col["states_per_gpu"][3 * stage]), "cells": cells})
    return [{"activations": [float(col["activations_per_gpu"][m]) for m in range(3)]}, *rows]


def _lightest_fit(grid_rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The least costly setting that fits: settings with headroom (≤ MEMORY_SHARE_WARN of HBM)
    first, then ZeRO-3 last (it adds a parameter all-gather per layer), then less recomputation
    (selective ~2-4% extra compute, full ~33%: Korthikanti et al. 2022), then the lower ZeRO stage."""
    options = [(row["stage"], cell) for row in grid_rows for cell in row["cells"] if cell["fits"]]
    if not options:
        return None
    stage, cell = min(options, key=lambda sc: (sc[1]["share"] > MEMORY_SHARE_WARN, sc[0] == 3, sc[1]["mode"], sc[0]))
    return {"stage": stage, **cell}


# --- budget year by year: the core's cost formulas --------------------------------------------


def year_by_year(result: Estimate) -> list[dict[str, float | int]]:
    """Cumulative owned and rented cost after each year, by calling :func:`cost.total_cost` and
    :func:`arith.product` with the estimate's figures (year 0 is the purchase)."""
    r = result
    rows: list[dict[str, float | int]] = []
    for year in range(int(r["years"]) + 1):
        rows.append({
            "year": year,
            "capex": r["capex_total"] if year == 0 else 0.0,
            "power": 0.0 if year == 0 else r["power_cost_per_year"],
            "staff": 0.0 if year == 0 else r["staff_per_year"],
            "owned": float(cost.total_cost(r["capex_total"], r["opex_per_year"], year)),
            "rented": float(arith.product(r["cloud_cost_per_year"], year)),
        })
    return rows


# --- sections ----------------------------------------------------------------------------------

INPUT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple((f"grp_{name}", keys) for name, keys in GRAPH_GROUPS)
"""The assumptions table, grouped; every key of ``INPUT_KEYS`` appears once (checked by a test)."""


def _workload(c: _Ctx) -> list[dict[str, Any]]:
    r, sc = c.r, c.r.scenario
    extra: dict[str, list[dict[str, Any]]] = {
        "grp_model": [{"label": c.t("model_row"), "value": r.model_name, "unit": "", "is_text": True,
                       "source": r.inputs["layers"].source}],
        "grp_training": [{"label": c.t("precision"), "value": sc.training.precision, "unit": "", "is_text": True,
                          "source": "scenario: training.precision"}],
        "grp_cluster": [{"label": c.t("accelerator_row"), "value": r.accelerator_name, "unit": "", "is_text": True,
                         "source": r.inputs["gpu_peak_tflops"].source.split(";")[0]}],
        "grp_pricing": [{"label": c.t("currency_row"), "value": c.cur, "unit": "", "is_text": True,
                         "source": "scenario: pricing.currency"}],
    }
    groups = []
    for title, keys in INPUT_GROUPS:
        rows = extra.get(title, []) + [c.row(k, source=r.inputs[k].source) for k in keys]
        # A long catalog citation repeated on the rows of a group is printed once ("as above").
        last = ""
        for row in rows:
            src = row["source"]
            if len(last) > 40 and src.startswith(last):
                row["source_shown"] = str(c.t("ditto")) + src[len(last):]
            else:
                row["source_shown"], last = src, src
        groups.append({"title": c.t(title), "rows": rows})
    return groups


def _is_scenario_mfu(column: float, mfu: float) -> bool:
    """The sensitivity column of the scenario's MFU. The estimate stores that column rounded to
    four decimals (a predicted MFU such as 0.340433… appears as 0.3404), so compare at that
    precision rather than exactly."""
    return abs(column - mfu) < 5e-5 + 1e-12


def _sensitivity(c: _Ctx) -> dict[str, Any]:
    s = c.r.sensitivity
    cards, mfu = int(c.r["gpu_count"]), c.r["mfu"]
    return {
        "cards": [fmt.count(n) for n in s.cards],
        "mfus": [fmt.percent(m, 0) if round(m, 2) == m else fmt.percent(m) for m in s.mfus],
        "rows": [
            {
                "cards": fmt.count(n),
                "days": [fmt.days(d) for d in s.days[i]],
                "current": [n == cards and _is_scenario_mfu(m, mfu) for m in s.mfus],
                "budget": c.money(s.budget[i]),
                "is_plan": n == cards,
            }
            for i, n in enumerate(s.cards)
        ],
    }


def _days_chart(c: _Ctx, font: str) -> Markup:
    s, r = c.r.sensitivity, c.r
    mfu = r["mfu"]
    picks = sorted({0, len(s.mfus) - 1, min(range(len(s.mfus)), key=lambda j: abs(s.mfus[j] - mfu))})
    series = []
    for j in picks:
        series.append(charts.Series(
            name=str(c.t("chart_days_series", mfu=fmt.percent(s.mfus[j], 0 if round(s.mfus[j], 2) == s.mfus[j] else 1))),
            values=[row[j] for row in s.days],
            emphasis=_is_scenario_mfu(s.mfus[j], mfu),
        ))
    return charts.line_chart(
        x=[float(n) for n in s.cards],
        x_labels=[fmt.count(n) for n in s.cards],
        series=series,
        x_title=str(c.t("chart_days_x")),
        y_title=str(c.t("chart_days_y")),
        y_format=lambda v: fmt.number(v, 0),
        marker=(r["gpu_count"], r["train_days"], f"{c.t('chart_this_plan')}: {fmt.days(r['train_days'])}"),
        log_x=True,
        font=font,
    )


def _memory(c: _Ctx, font: str) -> dict[str, Any]:
    r = c.r
    grid = memory_grid(r)
    act, rows = grid[0]["activations"], grid[1:]
    hbm = fmt.gb(r["hbm_bytes"], 0)
    planned = next(cell for row in rows for cell in row["cells"] if cell["planned"])
    stage, mode = int(r["zero_stage"]), int(r["recompute_mode"])
    args = dict(stage=stage, mode=c.rc_name(mode), mem=fmt.gb(planned["bytes"]),
                share=fmt.percent(planned["share"]), hbm=hbm)
    verdict = c.t("mem_fits" if planned["fits"] else "mem_not_fit", **args)
    alt = _lightest_fit(rows)
    alternative: Markup | None = None
    if not planned["fits"]:
        alternative = (
            c.t("mem_none_fits") if alt is None else
            c.t("mem_alternative", stage=alt["stage"], mode=c.rc_name(alt["mode"]),
                mem=fmt.gb(alt["bytes"]), share=fmt.percent(alt["share"]))
        )
    table = {
        "modes": [c.rc_name(m) for m in range(3)],
        "activations": [fmt.gb(a) for a in act],
        "rows": [
            {
                "stage": row["stage"],
                "states": fmt.gb(row["states"]),
                "cells": [
                    {"value": fmt.gb(cell["bytes"]), "share": fmt.percent(cell["share"], 0),
                     "fits": cell["fits"], "planned": cell["planned"]}
                    for cell in row["cells"]
                ],
            }
            for row in rows
        ],
    }
    chart = charts.grouped_bars(
        groups=[f"ZeRO-{row['stage']}" for row in rows],
        series=[
            charts.Series(name=str(c.rc_name(m)), values=[row["cells"][m]["bytes"] for row in rows])
            for m in range(3)
        ],
        reference=(r["hbm_bytes"], str(c.t("chart_hbm", hbm=hbm))),
        highlight=(stage, mode),
        x_title=str(c.t("chart_mem_x")),
        y_title=str(c.t("chart_mem_y")),
        y_format=lambda v: fmt.gb(v, 0).removesuffix(" GB"),
        font=font,
    )
    details = [c.row(k) for k in ("weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu", "activations_per_gpu",
                                  "buffers_per_gpu", "mem_per_gpu", "layers_per_stage", "grad_accum",
                                  "weights_total", "train_hbm_20p")]
    return {
        "intro": c.t("memory_intro", tp=c.v("tp"), pp=c.v("pp"), dp=c.v("dp"), hbm=hbm),
        "verdict": verdict, "alternative": alternative, "fits": planned["fits"],
        "planned_share": planned["share"], "planned_bytes": planned["bytes"], "lightest": alt,
        "table": table, "chart": chart, "details": details,
    }


def _network(c: _Ctx) -> dict[str, Any]:
    """The three kinds of traffic of the planned layout, as the step-time model computes them: the
    link each group uses, its achieved bandwidth, bytes per card per step, time before overlap and
    what stays exposed (the same steps as the workbook's Network sheet and the planner)."""
    r = c.r
    rows = [
        ("net_dp", "dp_in_node", "dp_link_bytes_per_s", "dp_bytes_per_step", "dp_seconds_per_step",
         "dp_comm_exposed_seconds"),
        ("net_tp", "tp_in_node", "tp_link_bytes_per_s", "tp_bytes_per_step", "tp_seconds_per_step",
         "tp_comm_exposed_seconds"),
        ("net_pp", "pp_in_node", "pp_link_bytes_per_s", "pp_bytes_per_step", "pp_comm_seconds", "pp_comm_seconds"),
    ]
    return {
        "rows": [
            {"kind": c.t(kind), "link": c.t("link_intra" if r[node] >= 0.5 else "link_inter"),
             "bandwidth": f"{fmt.number(r[bw] / 1e9, 1)} GB/s", "bytes": c.v(b), "seconds": c.v(s_, "seconds"),
             "exposed": c.v(e, "seconds")}
            for kind, node, bw, b, s_, e in rows
        ],
        "summary": c.t("net_summary", comm=c.v("comm_exposed_seconds"), step=c.v("predicted_step_seconds"),
                       share=c.v("comm_share_of_step"), total=c.v("comm_seconds_per_step")),
        "figures": [c.row(k) for k in ("comm_seconds_per_step", "comm_exposed_seconds", "predicted_step_seconds",
                                       "comm_share_of_step", "grad_accum", "pipeline_bubble")],
        "share": r["comm_share_of_step"],
    }


def _budget(c: _Ctx, font: str) -> dict[str, Any]:
    r = c.r
    years = c.v("years")
    capex = [
        (c.t("capex_servers_row", servers=c.v("servers"), price=c.v("server_price")), c.v("capex_servers")),
        (c.t("capex_network_row", servers=c.v("servers"), price=c.v("network_per_server")), c.v("capex_network")),
        (c.t("capex_storage_row"), c.v("storage_capex")),
        (c.t("capex_facility_row", kw=c.v("it_power_kw"), price=c.v("facility_per_kw")), c.v("capex_facility")),
    ]
    staff_label = c.t("opex_staff_row") if r["staff_per_year"] > 0 else c.t("opex_staff_none")
    opex = [
        (c.t("opex_power_row", kw=c.v("it_power_kw"), pue=c.v("pue"), load=c.v("average_load"),
             price=c.v("electricity_per_kwh")), c.v("power_cost_per_year")),
        (staff_label, c.v("staff_per_year")),
    ]
    tco = [
        {
            "year": c.t("tco_year0") if row["year"] == 0 else fmt.count(row["year"]),
            "capex": c.money(row["capex"]) if row["year"] == 0 else "",
            "power": c.money(row["power"]) if row["year"] else "",
            "staff": c.money(row["staff"]) if row["year"] else "",
            "owned": c.money(row["owned"]),
            "rented": c.money(row["rented"]),
        }
        for row in year_by_year(r)
    ]
    # Period totals of the yearly items, through the core (years × per-year cost).
    power_total = float(arith.product(r["power_cost_per_year"], r["years"]))
    staff_total = float(arith.product(r["staff_per_year"], r["years"]))
    own_parts = [
        (str(c.t("cost_servers")), r["capex_servers"]),
        (str(c.t("cost_network")), r["capex_network"]),
        (str(c.t("cost_storage")), r["storage_capex"]),
        (str(c.t("cost_facility")), r["capex_facility"]),
        (str(c.t("cost_power")), power_total),
        (str(c.t("cost_staff")), staff_total),
    ]
    chart = charts.stacked_bars(
        bars=[
            (str(c.t("chart_own")), own_parts, c.v("total_budget")),
            (str(c.t("chart_rent")), [(str(c.t("cost_cloud")), r["cloud_total"])], c.v("cloud_total")),
        ],
        x_title=str(c.t("chart_cost_x", years=years, currency=c.cur)),
        x_format=lambda v: fmt.money_short(v, c.cur, c.lang),
        font=font,
    )
    return {
        "capex": capex, "capex_total": c.v("capex_total"),
        "opex": opex, "opex_total": c.v("opex_per_year"),
        "cloud_text": c.t("cloud_text", cards=c.v("gpu_count"), price=c.v("price_per_gpu_hour"),
                          per_year=c.v("cloud_cost_per_year"), total=c.v("cloud_total"), years=years,
                          budget=c.v("total_budget"), hours=c.v("gpu_hours"), train_cost=c.v("train_cost")),
        "tco": tco, "chart": chart,
        "own_cheaper": r["total_budget"] <= r["cloud_total"],
    }


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

    if r["total_budget"] > r["cloud_total"]:
        add(1, c.t("risk_rent_cheaper", years=c.v("years"), cloud=c.v("cloud_total"), budget=c.v("total_budget")),
            c.t("mit_rent_cheaper", years=c.v("years")))

    add(1, c.t("risk_vendor", cards=c.v("gpu_count"), accelerator=r.accelerator_name),
        c.t("mit_vendor", rent=c.v("price_per_gpu_hour")))

    if r["train_days"] > LONG_RUN_DAYS:
        add(2, c.t("risk_long_run", days=c.v("train_days"), cards=c.v("gpu_count"), hours=c.v("gpu_hours")),
            c.t("mit_long_run"))
    risks.sort(key=lambda x: x["rank"])  # stable: keeps the order above within a severity
    return risks


# --- layout planner and its validation (issue 6) -----------------------------------------------


@functools.cache
def validation_report() -> ValidationReport:
    """``xlcompute validate`` without the layout search, computed once per process: it depends
    only on the committed validation file and the step-time model, not on the scenario."""
    return validate(search=False)


def _validation_sentence(c: _Ctx) -> Markup:
    v = validation_report()
    blind = _blind_set(v)
    return c.t("plan_accuracy", held=fmt.percent(v.extended_held_out_mean_abs_error_pct / 100),
               held_max=fmt.percent(v.extended_held_out_max_abs_error_pct / 100),
               n_held=fmt.count(v.extended_held_out_count),
               cal=fmt.percent(v.calibration_mean_abs_error_pct / 100),
               n_blind=fmt.count(blind.included if blind else 0),
               blind=fmt.percent((blind.mean_abs_error_pct if blind else float("nan")) / 100))


def _blind_set(v: ValidationReport) -> Any:
    """The pre-registered set predicted blind (meg21_table2), or None when it is not loaded."""
    return next((x for x in v.preregistered_sets if x.name == BLIND_SET), None)


def plan_section(c: _Ctx) -> dict[str, Any] | None:
    """The planner's subsection of the compute part, or ``None`` when the scenario fixed layout
    and MFU (no plan). Every number is the plan report's, formatted by :mod:`xlcompute.fmt`."""
    plan: PlanReport | None = c.r.plan
    if plan is None or not plan.best:
        return None
    sc = c.r.scenario
    yes, no = str(c.t("yes")), str(c.t("no"))
    rows = []
    for row in plan.best[:PLAN_ROWS_SHOWN]:
        ex, res = row.execution, row.result
        rows.append({
            "rank": row.rank, "tp": fmt.count(ex.tp), "pp": fmt.count(ex.pp), "dp": fmt.count(ex.dp),
            "mb": fmt.count(ex.micro_batch), "v": fmt.count(ex.interleave),
            "rc": c.t(f"rc_{ex.recompute}"), "sp": yes if ex.sequence_parallel else no,
            "zero": fmt.count(ex.zero_stage), "step": fmt.number(res.predicted_step_seconds, 2),
            "mfu": fmt.percent(res.predicted_mfu), "mem": fmt.gb(res.mem_per_gpu).removesuffix(" GB"),
        })
    best = plan.best[0].result
    parts = (
        ("bd_compute", best.compute_seconds), ("bd_recompute", best.recompute_seconds),
        ("bd_bubble", best.pp_bubble_seconds), ("bd_p2p", best.pp_comm_seconds),
        ("bd_tp", best.tp_comm_exposed_seconds), ("bd_dp", best.dp_comm_exposed_seconds),
        ("bd_optimizer", best.optimizer_seconds),
    )
    if best.offload_seconds > 0:
        parts += (("bd_offload", best.offload_seconds),)
    breakdown = [
        {"label": c.t(k), "seconds": fmt.number(v, 3),
         "share": fmt.percent(float(arith.ratio(v, best.predicted_step_seconds)))}
        for k, v in parts
    ]
    searched = plan.candidates_evaluated > 1
    layout_open, mfu_open = not sc.layout_fixed, sc.assumptions.mfu is None
    ex0 = plan.best[0].execution
    intro_key = "plan_intro_search" if searched else "plan_intro_fixed"
    return {
        "intro": c.t(intro_key, evaluated=fmt.count(plan.candidates_evaluated),
                     fitting=fmt.count(plan.candidates_fitting), cards=fmt.count(plan.cards),
                     batch=fmt.count(plan.global_batch), seconds=fmt.number(plan.search_seconds, 2),
                     shown=fmt.count(len(rows))),
        "uses": c.t("plan_uses_layout_mfu" if layout_open and mfu_open else
                    "plan_uses_layout" if layout_open else "plan_uses_mfu",
                    tp=fmt.count(ex0.tp), pp=fmt.count(ex0.pp), dp=fmt.count(ex0.dp), mfu=c.v("mfu")),
        "rows": rows,
        "breakdown": breakdown,
        "step": fmt.number(best.predicted_step_seconds, 3),
        "accuracy": _validation_sentence(c),
        "stack": c.t("plan_stack_" + sc.training.attention, software=sc.training.software,
                     eff=fmt.number(SOFTWARE_STACKS[sc.training.software], 3)),
        "layout_predicted": layout_open,
        "mfu_predicted": mfu_open,
    }


def _plan_summary(c: _Ctx, plan: dict[str, Any] | None) -> Markup | None:
    """Executive-summary sentence: which of layout and MFU are predicted rather than assumed."""
    if plan is None:
        return None
    r = c.r
    key = ("summary_plan_both" if plan["layout_predicted"] and plan["mfu_predicted"] else
           "summary_plan_layout" if plan["layout_predicted"] else "summary_plan_mfu")
    v = validation_report()
    return c.t(key, tp=c.v("tp"), pp=c.v("pp"), dp=c.v("dp"), mfu=c.v("mfu"),
               evaluated=fmt.count(r.plan.candidates_evaluated if r.plan else 0),
               held=fmt.percent(v.extended_held_out_mean_abs_error_pct / 100))


def _verdict_key(v: Any) -> str:
    """Which verdict sentence: the target holds over all held-out runs on both metrics, on
    throughput only, or on neither."""
    step_ok = v.extended_held_out_mean_abs_error_pct <= HELD_OUT_TARGET_PCT
    thr_ok = v.extended_held_out_mean_abs_throughput_error_pct <= HELD_OUT_TARGET_PCT
    if step_ok and thr_ok:
        return "val_target_met"
    return "val_target_throughput" if thr_ok else "val_target_missed"


def _role_label(c: _Ctx, row: Any) -> Markup:
    if row.set_name == BLIND_SET:
        return c.t("val_role_blind")
    if row.role == "calibration":
        return c.t("val_role_stack" if row.software != "megatron-lm" else "val_role_calibration")
    return c.t("val_role_preregistered" if row.set_name != "megatron_2021" else "val_role_held_out")


def validation_appendix(c: _Ctx) -> dict[str, Any]:
    """The per-row table of :func:`validation_report` (every predicted run: the main file, the
    pre-registered files and the software-stack calibration rows) and its mean / max errors."""
    v = validation_report()
    units = {"tflops_per_gpu": "TFLOP/s", "step_seconds": "s"}
    everything = [*v.rows, *v.external_rows, *v.stack_rows]
    held = [r for r in [*v.rows, *v.external_rows] if r.role == "held_out"]
    worst = max(held, key=lambda row: abs(row.error_pct))
    rows = [
        {
            "id": row.id, "source": row.source, "held_out": row.role == "held_out",
            "role": _role_label(c, row),
            "measured": fmt.number(row.measured, 2 if row.metric == "step_seconds" else 1),
            "predicted": fmt.number(row.predicted, 2 if row.metric == "step_seconds" else 1),
            "unit": units[row.metric],
            "error": fmt.signed_percent(row.error_pct) + ("*" if row.software != "megatron-lm" else ""),
        }
        for row in everything
    ]
    stats = [
        (c.t("val_role_calibration"), v.calibration_mean_abs_error_pct, v.calibration_max_abs_error_pct,
         sum(r.role == "calibration" for r in v.rows)),
        (c.t("val_held_original"), v.held_out_mean_abs_error_pct, v.held_out_max_abs_error_pct,
         sum(r.role == "held_out" for r in v.rows)),
    ]
    for x in v.preregistered_sets:
        label = "val_set_blind" if x.name == BLIND_SET else "val_set_preregistered"
        stats.append((c.t(label, name=x.name), x.mean_abs_error_pct, x.max_abs_error_pct, x.included))
    stats += [
        (c.t("val_held_all_throughput"), v.extended_held_out_mean_abs_throughput_error_pct,
         v.extended_held_out_max_abs_throughput_error_pct, v.extended_held_out_count),
        (c.t("val_held_all"), v.extended_held_out_mean_abs_error_pct, v.extended_held_out_max_abs_error_pct,
         v.extended_held_out_count),
    ]
    blind = _blind_set(v)
    stacked = [r for r in v.external_rows if r.reference_stack_error_pct is not None]
    return {
        "intro": c.t("val_intro", system=v.system_name, n=fmt.count(len(everything))),
        "rows": rows,
        "stats": [{"set": name, "n": fmt.count(n), "mean": fmt.percent(mean / 100), "max": fmt.percent(mx / 100)}
                  for name, mean, mx, n in stats],
        "extended": c.t(
            "val_extended",
            excluded=fmt.count(len(v.excluded_rows)),
            ids=", ".join(r.id for r in stacked),
            pre=", ".join(fmt.signed_percent(r.reference_stack_error_pct) for r in stacked),
            errors=", ".join(fmt.signed_percent(r.error_pct) for r in stacked),
            eff=fmt.number(v.software_stacks.get("megatron-deepspeed", float("nan")), 3),
            calib=", ".join(r.id for r in v.stack_rows),
            ref=fmt.percent(v.extended_held_out_reference_stack_mean_abs_error_pct / 100),
        ) if stacked else None,
        "verdict": c.t(_verdict_key(v), held=fmt.percent(v.extended_held_out_mean_abs_error_pct / 100),
                       held_thr=fmt.percent(v.extended_held_out_mean_abs_throughput_error_pct / 100),
                       n=fmt.count(v.extended_held_out_count),
                       n_blind=fmt.count(blind.included if blind else 0),
                       blind=fmt.percent((blind.mean_abs_error_pct if blind else float("nan")) / 100),
                       orig=fmt.percent(v.held_out_mean_abs_error_pct / 100),
                       n_orig=fmt.count(sum(r.role == "held_out" for r in v.rows)),
                       worst=worst.id, worst_error=fmt.signed_percent(worst.error_pct)),
    }


# --- appendix ----------------------------------------------------------------------------------


def _plain_doc(doc: str) -> str:
    """Docstring text without reStructuredText markup (``code``, :func:`name`)."""
    doc = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", doc)
    return doc.replace("``", "")


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(_plain_doc(inspect.cleandoc(doc)).split("\n\n")[0].split())


def _module_sources(mod_doc: str | None) -> str:
    """The module docstring's title line and its "Sources" paragraphs."""
    if not mod_doc:
        return ""
    paras = _plain_doc(inspect.cleandoc(mod_doc)).split("\n\n")
    keep = [paras[0]] + [p for p in paras[1:] if p.lstrip().startswith("Sources")]
    return "\n\n".join(_reflow(p) for p in keep)


def _reflow(para: str) -> str:
    """Join a docstring paragraph's hard-wrapped lines, keeping one line per "- " list item and
    the heading line ("Sources"), so the PDF wraps the text to its own column width."""
    out: list[str] = []
    for line in para.splitlines():
        stripped = line.strip()
        if out and not stripped.startswith("- ") and out[-1] != "Sources" and not out[-1].endswith(":"):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped)
    return "\n".join(out)


# Core functions the proposal calls itself (cost by year, shares), beyond the graph's.
_REPORT_FUNCTIONS: tuple[Callable[..., Any], ...] = (arith.ratio, arith.product, cost.total_cost)


def _formulas(c: _Ctx) -> dict[str, Any]:
    used: dict[Callable[..., Any], list[str]] = {}
    for st in STEPS:
        used.setdefault(st.fn, []).append(_label(st.key, c.lang))
    for fn in _REPORT_FUNCTIONS:
        used.setdefault(fn, []).append(str(c.t("used_by_report")))
    rows, modules = [], {}
    for fn, labels in used.items():
        module = inspect.getmodule(fn)
        modname = fn.__module__.removeprefix("xlcompute.core.")
        rows.append({
            "name": f"{modname}.{fn.__name__}",
            "doc": _first_paragraph(fn.__doc__),
            "used_for": "; ".join(dict.fromkeys(labels)),
        })
        if module is not None and fn.__module__ not in modules:
            modules[fn.__module__] = _module_sources(module.__doc__)
    return {"rows": rows, "modules": [{"name": k, "sources": v} for k, v in modules.items()]}


def _catalog_rows(c: _Ctx) -> list[dict[str, Any]]:
    sc, out = c.r.scenario, []
    acc = sc.cluster.accelerator
    if isinstance(acc, str):
        g = catalog.get_gpu(acc)
        fields = [
            ("key", g.key), ("name", g.name), ("vendor", g.vendor), ("form_factor", g.form_factor),
            ("bf16_tflops", fmt.plain(g.bf16_tflops)),
            ("fp8_tflops", fmt.plain(g.fp8_tflops) if g.fp8_tflops else "—"),
            ("hbm_bytes", fmt.count(g.hbm_bytes)), ("hbm_type", g.hbm_type),
            ("hbm_bandwidth_bytes_per_s", fmt.count(g.hbm_bandwidth_bytes_per_s)),
            ("link_name", g.link_name or "—"),
            ("link_bytes_per_s_per_direction",
             fmt.count(g.link_bytes_per_s_per_direction) if g.link_bytes_per_s_per_direction else "—"),
            ("cards_per_node", fmt.count(g.cards_per_node)),
            ("tdp_w", fmt.count(g.tdp_w) if g.tdp_w else "—"),
            ("status", g.status), ("source", g.source), ("source_date", g.source_date), ("notes", g.notes),
        ]
        out.append({"title": g.name, "name": g.name, "unofficial": g.status != "official", "fields": fields})
    if sc.model.preset is not None:
        m = catalog.get_model(sc.model.preset)
        a = m.arch
        fields = [
            ("key", m.key), ("name", m.name), ("family", m.family),
            ("arch", f"layers {a.layers}, hidden {a.hidden}, heads {a.heads}, kv_heads {a.kv_heads}, "
                     f"ffn_hidden {a.ffn_hidden}, vocab {a.vocab}"),
            ("published_params", fmt.count(m.published_params)),
            ("training_tokens", fmt.count(m.training_tokens) if m.training_tokens else "—"),
            ("seq_len", fmt.count(m.seq_len) if m.seq_len else "—"),
            ("unofficial", str(m.unofficial).lower()),
            ("source", m.source), ("source_date", m.source_date), ("notes", m.notes),
        ]
        out.append({"title": m.name, "name": m.name, "unofficial": m.unofficial, "fields": fields})
    return out


# --- the whole context -------------------------------------------------------------------------


def _font(lang: str) -> str:
    return "Noto Sans CJK SC, DejaVu Sans, sans-serif" if lang == "zh" else "DejaVu Sans, Noto Sans CJK SC, sans-serif"


def build_context(
    result: Estimate, lang: str = "en", today: _dt.date | None = None, scenario_file: str | None = None
) -> dict[str, Any]:
    """The template context of the proposal for ``result`` in ``lang`` (en or zh)."""
    c = _Ctx(result, lang)
    r, sc = result, result.scenario
    font = _font(lang)
    day = today or _dt.date.today()
    years = c.v("years")
    mem = _memory(c, font)
    budget = _budget(c, font)
    risks = _risks(c, mem)
    plan = plan_section(c)

    if not mem["fits"]:
        recommendation = c.t("rec_no_fit", mem=fmt.gb(mem["planned_bytes"]), hbm=fmt.gb(r["hbm_bytes"], 0),
                             alternative=mem["alternative"] or "")
    else:
        key = "rec_fits_own" if budget["own_cheaper"] else "rec_fits_rent"
        recommendation = c.t(key, cards=c.v("gpu_count"), accelerator=r.accelerator_name,
                             servers=c.v("servers"), capex=c.v("capex_total"), days=c.v("train_days"),
                             years=years, budget=c.v("total_budget"), cloud=c.v("cloud_total"),
                             train_cost=c.v("train_cost"))
    title = sc.name
    return {
        "t": c.t,
        "lang": lang,
        "html_lang": "zh-Hans" if lang == "zh" else "en",
        "font": font,
        "currency": c.cur,
        "title": title,
        "doc_kind": c.t("doc_kind"),
        "subject": c.t("doc_subject"),
        "keywords": c.t("keywords"),
        "author": sc.organisation or str(c.t("author_default")),
        "generator": c.t("generator"),
        "organisation": sc.organisation or str(c.t("no_organisation")),
        "description": sc.description,
        "date": day.isoformat(),
        "scenario_file": scenario_file,
        "model_name": r.model_name,
        "accelerator_name": r.accelerator_name,
        "headline": {
            "cards": c.v("gpu_count"), "days": c.v("train_days"), "hours": c.v("gpu_hours"),
            "budget": c.v("total_budget"), "servers": c.v("servers"), "years": years,
            "mem": fmt.gb(mem["planned_bytes"]), "mem_share": fmt.percent(mem["planned_share"]),
            "hbm": fmt.gb(r["hbm_bytes"], 0), "serving_cards": c.v("serving_cards"), "users": c.v("users"),
            "cost_1k": c.v("cost_per_1k_tokens"), "cloud": c.v("cloud_total"), "mfu": c.v("mfu"),
        },
        "summary_lead": c.t("summary_lead", cards=c.v("gpu_count"), accelerator=r.accelerator_name,
                            servers=c.v("servers"), model=r.model_name, params=c.v("model_params"),
                            tokens=c.v("train_tokens"), mfu=c.v("mfu"), days=c.v("train_days"),
                            hours=c.v("gpu_hours"), years=years, budget=c.v("total_budget"),
                            capex=c.v("capex_total"), opex=c.v("opex_per_year"),
                            serve=c.t("summary_then_serve") if r["users"] > 0 else ""),
        "plan_summary": _plan_summary(c, plan),
        "recommendation": recommendation,
        "top_risks": risks[:3],
        "workload": _workload(c),
        "compute_rows": [c.row(k) for k in (
            "train_flops", "train_flops_6tp", "gpu_hours", "train_days", "train_days_6tp", "train_steps",
            "step_seconds", "tokens_per_s_per_card", "train_energy_mwh", "train_cost")],
        "plan": plan,
        "sensitivity": _sensitivity(c),
        "days_chart": _days_chart(c, font),
        "memory": mem,
        "network": _network(c),
        "serving_intro": c.t("serving_intro", users=c.v("users"), tokens=c.v("tokens_per_request"),
                             seconds=c.v("seconds_per_request"), share=c.v("hbm_usable_fraction")),
        "serving_rows": [c.row(k) for k in (
            "flops_per_request", "serving_cards_compute", "cards_per_replica", "serving_cards",
            "kv_cache_per_request", "decode_tokens_per_s", "prefill_tokens_per_s", "cost_per_request",
            "cost_per_1k_tokens")],
        "budget": budget,
        "risks": risks,
        "formulas": _formulas(c),
        "validation": validation_appendix(c),
        "catalog_rows": _catalog_rows(c),
        "mfu_published_source": PUBLISHED_MFU[2],
        "attachments_note": c.t("attachments_note", scenario=Path(scenario_file).name) if scenario_file else "",
    }
