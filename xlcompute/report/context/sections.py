"""The proposal's main sections: workload and assumptions, sensitivity, memory, network and
budget. Every number is the estimate's, or the graph evaluated with the estimate's inputs where a
section needs variants (the memory grid, through ``xlcompute._settings_grid``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup

from xlcompute import fmt
from xlcompute._graph import INPUT_GROUPS as GRAPH_GROUPS
from xlcompute._settings_grid import MODES, STAGES, evaluate_settings, fastest_fitting, partial_levels
from xlcompute.core import arith, cost
from xlcompute.estimate import Estimate
from xlcompute.report import charts
from xlcompute.sources import builtin_text, precision_source, scenario_field, source_text
from xlcompute.report.context._ctx import _Ctx, nowrap
from xlcompute.report.context.bom import bill_of_materials



# --- memory plan: the core's memory formulas for every ZeRO stage × recompute mode -------------


def memory_grid(result: Estimate) -> list[dict[str, Any]]:
    """Per-card training memory for ZeRO stages 0–3 × recompute none/selective/full with the
    planned layout: the graph over arrays of those 12 settings and the partial ones, one evaluation
    (:func:`xlcompute._settings_grid.evaluate_settings`, which the estimate's own choice uses).
    ``fastest`` marks the setting :func:`~xlcompute._settings_grid.fastest_fitting` picks among these
    and selective recomputation with some of each stage's layers in full, as the estimate picks
    (``partial_fastest`` in the first entry when that is one of the latter)."""
    inputs = {k: v.value for k, v in result.inputs.items()}
    levels = partial_levels(inputs["layers"], inputs["pp"])
    grid = evaluate_settings(inputs, (*MODES, *levels))
    col = grid.out
    fastest = fastest_fitting(grid)
    hbm = result["hbm_bytes"]
    n = len(MODES) + len(levels)
    rows = []
    for s, stage in enumerate(STAGES):
        cells = []
        for m, mode in enumerate(MODES):
            i = n * s + m
            total = float(col["mem_per_gpu"][i])
            cells.append({
                "mode": int(mode),
                "bytes": total,
                "share": float(arith.ratio(total, hbm)),
                "fits": bool(col["mem_fits"][i] >= 0.5),
                "planned": stage == result["zero_stage"] and mode == result["recompute_mode"],
                "fastest": i == fastest,
            })
        rows.append({"stage": int(stage), "states": float(col["states_per_gpu"][n * s]),
                     "buffers": float(col["buffers_per_gpu"][n * s]), "cells": cells})
    partial = None
    if fastest is not None and float(grid.mode[fastest]) not in MODES:
        total = float(col["mem_per_gpu"][fastest])
        partial = {"stage": int(grid.stage[fastest]), "mode": float(grid.mode[fastest]), "bytes": total,
                   "share": float(arith.ratio(total, hbm)), "fits": True, "planned": False, "fastest": True}
    return [{"activations": [float(col["activations_per_gpu"][m]) for m in range(len(MODES))],
             "partial_fastest": partial}, *rows]


def _fastest_fit(grid_rows: Sequence[dict[str, Any]], partial: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The setting the estimate would take with recomputation and the ZeRO stage left open (the
    fastest that fits, ZeRO 0/1 first; ``partial`` when it is a partial recomputation, which the
    table has no column for), or None when nothing fits."""
    return partial or next(({"stage": row["stage"], **cell} for row in grid_rows for cell in row["cells"]
                            if cell["fastest"]), None)


# --- budget year by year: the core's cost formulas --------------------------------------------


def year_by_year(result: Estimate) -> list[dict[str, float | int]]:
    """Cumulative owned and rented cost after each year (undiscounted), by calling
    :func:`cost.total_cost` and :func:`arith.product` with the estimate's figures (year 0 is the
    purchase; renting pays for the workload's card-hours)."""
    r = result
    rows: list[dict[str, float | int]] = []
    for year in range(int(r["years"]) + 1):
        rows.append({
            "year": year,
            "capex": r["capex_total"] if year == 0 else 0.0,
            "power": 0.0 if year == 0 else r["power_cost_per_year"],
            "staff": 0.0 if year == 0 else r["staff_per_year"],
            "other": 0.0 if year == 0 else float(arith.total(r["maintenance_per_year"], r["space_per_year"])),
            "owned": float(cost.total_cost(r["capex_total"], r["opex_per_year"], year)),
            # Renting the same work (the cheapest rental option), not the whole cluster around the clock.
            "rented": float(arith.product(r["rent_per_year"], year)),
        })
    return rows


# --- sections ----------------------------------------------------------------------------------

INPUT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple((f"grp_{name}", keys) for name, keys in GRAPH_GROUPS)
"""The assumptions table, grouped; every key of ``INPUT_KEYS`` appears once (checked by a test)."""

#: Inputs of features a plan may leave unused. The assumptions table leaves them out when the plan
#: does not use the feature (:func:`features_used`): there they hold 0, 1 or "off" and change no
#: figure, and a committee reading a dense model's proposal should not wade through twenty rows of
#: expert counts. The workbook keeps every input as a live cell.
FEATURE_INPUTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("moe", ("moe_layers", "experts", "moe_top_k", "expert_groups", "group_limit", "shared_experts",
             "moe_ffn_hidden", "expert_params", "ep", "etp", "capacity_factor", "a2a_overlap", "a2a_dedup",
             "moe_sync_ms", "a2a_efficiency", "grouped_gemm_efficiency", "serving_grouped_gemm_efficiency")),
    ("mla", ("mla_qkv_params", "mla_latent_width", "kv_lora_rank", "qk_rope_head_dim")),
    ("mtp", ("mtp_params",)),
    ("offload", ("offload_optimizer", "offload_weights", "offload_activations", "offload_gb", "offload_gbs")),
    ("fp8", ("precision_peak_ratio", "fp8_gemm_efficiency")),
    ("zero3", ("zero3_overlap_fraction", "zero3_all_nics", "ring_step_latency_us")),
    ("deadline", ("deadline_confidence",)),
)


def features_used(value: Callable[[str], float]) -> set[str]:
    """The features of :data:`FEATURE_INPUTS` the plan uses, read from its inputs (``value`` of a key): routed
    experts, MLA latents, MTP modules, an offload tier or offloaded states, an FP8 peak above BF16's,
    ZeRO-3, a deadline (its confidence)."""
    rules = {
        "moe": value("experts") > 0,
        "mla": value("kv_lora_rank") > 0 or value("mla_qkv_params") > 0,
        "mtp": value("mtp_params") > 0,
        "offload": any(value(k) > 0 for k in ("offload_optimizer", "offload_weights", "offload_activations"))
        or (value("offload_gb") > 0 and value("offload_gbs") > 0),
        "fp8": value("precision_peak_ratio") != 1,
        "zero3": value("zero_stage") >= 3,
        "deadline": value("deadline_days") > 0,
    }
    return {name for name, used in rules.items() if used}


def unused_features(r: Estimate) -> list[str]:
    """The features of :data:`FEATURE_INPUTS` the estimate's plan does not use, in table order."""
    used = features_used(lambda k: r.inputs[k].value)
    return [name for name, _ in FEATURE_INPUTS if name not in used]


def _hidden_groups(r: Estimate) -> set[str]:
    """Input groups of what is not planned: a serving fleet has no training plan, step-time model or
    reliability; a training run without users no serving demand."""
    hidden = {"grp_serving"} if not r.serves else set()
    return hidden | ({"grp_training", "grp_stepmodel", "grp_reliability"} if not r.trains else set())


def _workload_left_out(c: _Ctx) -> Markup:
    """The line under the assumptions table naming the features whose inputs it leaves out (those with
    an input in a group the table shows)."""
    shown = {k for title, keys in INPUT_GROUPS if title not in _hidden_groups(c.r) for k in keys}
    unused = unused_features(c.r)
    names = [str(c.t(f"feature_{name}")) for name, keys in FEATURE_INPUTS if name in unused and shown.intersection(keys)]
    return c.t("workload_left_out", features=str(c.t("risk_list_sep")).join(names)) if names else Markup("")


def _workload(c: _Ctx) -> list[dict[str, Any]]:
    r, sc = c.r, c.r.scenario
    extra: dict[str, list[dict[str, Any]]] = {
        "grp_model": [{"label": c.t("model_row"), "value": r.model_name, "unit": "", "is_text": True,
                       "source": source_text(r.inputs["layers"], c.lang), "text_key": "model"}],
        "grp_training": [{"label": c.t("precision"), "value": sc.train.precision, "unit": "", "is_text": True,
                          "source": precision_source(sc, r.model_name, c.lang), "text_key": "precision"}],
        "grp_cluster": [{"label": c.t("accelerator_row"), "value": r.accelerator_name, "unit": "", "is_text": True,
                         "source": source_text(r.inputs["gpu_hbm_gb"], c.lang), "text_key": "accelerator"}],
        "grp_pricing": [{"label": c.t("currency_row"), "value": c.cur, "unit": "", "is_text": True,
                         "source": scenario_field("pricing.currency", c.lang), "text_key": "currency"}],
    }
    # Inputs of what is not planned are left out (and a serving fleet's MFU and its spread).
    hidden = _hidden_groups(r)
    skip_keys = set() if r.trains else {"mfu_assumed", "mfu_sigma"}
    unused = unused_features(r)
    skip_keys |= {k for name, keys in FEATURE_INPUTS if name in unused for k in keys}
    groups = []
    for title, keys in INPUT_GROUPS:
        if title in hidden:
            continue
        rows = extra.get(title, []) + [c.row(k, source=source_text(r.inputs[k], c.lang)) for k in keys if k not in skip_keys]
        for row in rows:  # the built-in scenario's MFU source is ours: in the reader's language
            if row.get("key") == "mfu_assumed" and r.inputs["mfu_assumed"].origin is not None \
                    and r.inputs["mfu_assumed"].origin.kind == "user":
                row["source"] = builtin_text(sc, "mfu_source", c.lang) or row["source"]
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


#: The inputs section 2 shows, in this order (the rest, with every source, is the inputs appendix): what a
#: committee checks first. A committee's reading found eight pages of inputs before the first result.
KEY_INPUTS: tuple[str, ...] = (
    "model", "model_params", "model_active_params", "train_tokens", "seq_len", "precision", "global_batch",
    "accelerator", "gpu_count", "cards_per_node", "mfu_assumed", "users", "tokens_per_request", "seconds_per_request",
    "ttft_target_s", "tpot_target_s", "currency", "server_price", "price_per_gpu_hour", "years", "discount_rate",
)


def key_inputs(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of :data:`KEY_INPUTS` among the inputs table's ``groups`` (those a plan shows), in that order."""
    rows = {row.get("key") or row.get("text_key"): row for group in groups for row in group["rows"]}
    return [{**rows[k], "source_shown": rows[k]["source"]} for k in KEY_INPUTS if k in rows]


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
        marker=(r["gpu_count"], r["train_days"],
                f"{c.t('chart_this_plan')}{c.t('colon')}{fmt.days(r['train_days'])}"),
        log_x=True,
        font=font,
    )


def _memory(c: _Ctx, font: str) -> dict[str, Any]:
    r = c.r
    grid = memory_grid(r)
    act, rows = grid[0]["activations"], grid[1:]
    partial = grid[0]["partial_fastest"]
    hbm = fmt.gb(r["hbm_bytes"], 0)
    planned = next(cell for row in rows for cell in row["cells"] if cell["planned"])
    stage, mode = int(r["zero_stage"]), int(r["recompute_mode"])
    args = dict(stage=stage, mode=c.rc_name(mode), mem=fmt.gb(planned["bytes"]),
                share=fmt.percent(planned["share"]), hbm=hbm)
    verdict = c.t("mem_fits" if planned["fits"] else "mem_not_fit", **args)
    alt = _fastest_fit(rows, partial)
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
        # equal columns read as an error unless said why: flash attention never stores what selective
        # recomputation would recompute (the softmax and its dropout), so both store the same
        "same_none_selective": act[0] == act[1] and r["flash_attention"] > 0,
        "rows": [
            {
                "stage": row["stage"],
                "states": fmt.gb(row["states"]),
                "buffers": fmt.gb(row["buffers"]),
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
            charts.Series(name=str(c.t("rc_partial_legend", k=fmt.count(r["recompute_layers"]),
                                       n=fmt.count(r["layers_per_stage"]))
                                   if m == 1 and r["recompute_layers"] > 0 else c.rc_name(m)),
                          values=[row["cells"][m]["bytes"] for row in rows])
            for m in range(3)
        ],
        reference=(r["hbm_bytes"], str(c.t("chart_hbm", hbm=hbm))),
        highlight=(stage, mode),
        x_title=str(c.t("chart_mem_x")),
        y_title=str(c.t("chart_mem_y")),
        y_format=lambda v: fmt.gb(v, 0).removesuffix(" GB"),
        font=font,
    )
    keys = ["weights_per_gpu", "grads_per_gpu", "optimizer_per_gpu", "activations_per_gpu", "buffers_per_gpu",
            "mem_per_gpu"]
    if r["experts"] > 0:  # a mixture-of-experts model: the routed experts' share of the states (split over EP)
        keys[3:3] = ["expert_params_per_gpu", "expert_weights_full_per_gpu", "expert_grads_full_per_gpu",
                     "expert_optimizer_full_per_gpu", "expert_states_per_gpu", "ep", "edp"]
    details = [c.row(k) for k in keys]
    return {
        "intro": c.t("memory_intro", layout=nowrap(c.layout()), hbm=hbm),
        "verdict": verdict, "alternative": alternative, "fits": planned["fits"],
        "planned_share": planned["share"], "planned_bytes": planned["bytes"], "fastest_fit": alt,
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
    if r["cp"] > 1:  # the K/V ring of context parallelism, when the layout uses it
        rows.append(("net_cp", "cp_in_node", "cp_link_bytes_per_s", "cp_bytes_per_step", "cp_seconds_per_step",
                     "cp_comm_exposed_seconds"))
    if r["ep"] > 1:  # the expert all-to-all of a mixture-of-experts model (core.moe)
        rows.append(("net_ep", "ep_in_node", "ep_link_bytes_per_s", "ep_bytes_per_step", "ep_seconds_per_step",
                     "ep_comm_exposed_seconds"))
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
        (c.t("capex_servers_row", servers=c.v("servers"), price=c.v("server_price")), c.va("capex_servers")),
        (c.t("capex_network_row", servers=c.v("servers"), price=c.v("network_per_server"))
         if r["network_per_server"] > 0 else c.t("capex_network_bom", links=c.v("fabric_links")),
         c.va("capex_network")),
        (c.t("capex_storage_row"), c.va("capex_storage")),
        (c.t("capex_facility_row", kw=c.v("it_power_kw"), price=c.v("facility_per_kw")), c.va("capex_facility")),
    ]
    staff_label = c.t("opex_staff_row") if r["staff_per_year"] > 0 else c.t("opex_staff_none")
    opex = [
        (c.t("opex_power_row", kw=c.v("it_power_kw"), pue=c.v("pue"), load=c.v("power_load"),
             util=c.v("planned_utilisation"), idle=c.v("idle_power_share"), price=c.v("electricity_per_kwh")),
         c.va("power_cost_per_year")),
        (c.t("opex_maintenance_row", share=c.v("maintenance_share")), c.va("maintenance_per_year")),
        (c.t("opex_space_row", racks=c.v("racks"), kw=c.v("kw_per_rack"), price=c.v("space_per_rack_month")),
         c.va("space_per_year")),
        (staff_label, c.va("staff_per_year")),
    ]
    tco = [
        {
            "year": c.t("tco_year0") if row["year"] == 0 else fmt.count(row["year"]),
            "capex": c.amount(row["capex"]) if row["year"] == 0 else "",
            "power": c.amount(row["power"]) if row["year"] else "",
            "other": c.amount(row["other"]) if row["year"] else "",
            "staff": c.amount(row["staff"]) if row["year"] else "",
            "owned": c.amount(row["owned"]),
            "rented": c.amount(row["rented"]),
        }
        for row in year_by_year(r)
    ]
    # Period totals of the yearly items, through the core (years × per-year cost).
    power_total = float(arith.product(r["power_cost_per_year"], r["years"]))
    staff_total = float(arith.product(r["staff_per_year"], r["years"]))
    maintenance_total = float(arith.product(r["maintenance_per_year"], r["years"]))
    space_total = float(arith.product(r["space_per_year"], r["years"]))
    own_parts = [
        (str(c.t("cost_servers")), r["capex_servers"]),
        (str(c.t("cost_network")), r["capex_network"]),
        (str(c.t("cost_storage")), r["capex_storage"]),
        (str(c.t("cost_facility")), r["capex_facility"]),
        (str(c.t("cost_power")), power_total),
        # One part for both: the chart's palette has seven colours.
        (str(c.t("tco_other")), maintenance_total + space_total),
        (str(c.t("cost_staff")), staff_total),
    ]
    chart = charts.stacked_bars(
        bars=[
            (str(c.t("chart_own")), own_parts, c.va("total_budget")),
            (str(c.t("chart_rent")), [(str(c.t("cost_cloud")), r["rent_total"])], c.va("rent_total")),
        ],
        x_title=str(c.t("chart_cost_x", years=years, currency=c.cur)),
        x_format=lambda v: fmt.money_short(v, c.cur, c.lang),
        font=font,
    )
    return {
        "bom": bill_of_materials(c),
        "capex": capex, "capex_total": c.va("capex_total"),
        "opex": opex, "opex_total": c.va("opex_per_year"),
        "tco": tco, "chart": chart,
        **economics(c),
    }


def rent_option_name(c: _Ctx) -> Any:
    """The cheapest rental option by name (the graph's ``rent_option`` code: 1, 2 or 3); a serving
    fleet has no training to rent on demand beside its reservation."""
    suffix = "_serving" if c.r.kind == "serving" else ""
    keys = ("rent_option_on_demand", "rent_option_1y" + suffix, "rent_option_3y" + suffix)
    return c.t(keys[int(round(c.r["rent_option"])) - 1])


def owning_never_pays(r: Any) -> bool:
    """No utilisation makes owning pay: the graph's break-even utilisation lies outside 0-100 %."""
    be = r["break_even_utilisation"]
    return be < 0 or be > 1


def economics(c: _Ctx) -> dict[str, Any]:
    """Own or rent in present values over the same work: the verdict, the break-even utilisation and
    what would flip it. Every number is a graph figure (core.cost); this only chooses the words."""
    r = c.r
    own = r["own_cheaper"] >= 0.5
    be = r["break_even_utilisation"]
    if owning_never_pays(r):
        break_even = c.t("be_never", price=c.v("rent_price_per_hour"))
    else:
        break_even = c.t("be_share", share=c.v("break_even_utilisation"), price=c.v("rent_price_per_hour"))
    m_flip = r["break_even_maintenance_share"]
    if own:
        flip_m = c.t("flip_maint_own", share=c.v("break_even_maintenance_share"))
    elif m_flip >= 0:
        flip_m = c.t("flip_maint_rent", share=c.v("break_even_maintenance_share"))
    else:
        flip_m = c.t("flip_maint_none")
    flip_price = c.t("flip_price_own" if own else "flip_price_rent", price=c.v("owned_cost_per_used_card_hour"))
    text = c.t("econ_text", util=c.v("planned_utilisation"), used=c.v("workload_card_hours"),
               period=c.v("period_card_hours"), years=c.v("years"), rate=c.v("discount_rate"),
               own=c.va("npv_own"), rent=c.va("npv_rent"), option=rent_option_name(c),
               verdict=c.t("econ_own" if own else "econ_rent"), break_even=break_even, flip_m=flip_m,
               flip_price=flip_price, work=c.t(f"econ_work_{r.kind}"))
    rows = [c.row(k) for k in (
        "planned_utilisation", "npv_own", "rent_on_demand_per_year", "rent_reserved_1y_per_year",
        "rent_reserved_3y_per_year", "npv_rent", "rent_price_per_hour", "owned_cost_per_used_card_hour",
        "break_even_utilisation", "break_even_maintenance_share", "residual_value", "depreciation_per_year")]
    # A break-even above 100% or a negative maintenance share is a fact in words, not a figure to read.
    for row in rows:
        if row["key"] == "break_even_utilisation" and owning_never_pays(r):
            row["value"] = str(c.t("be_cell_never", share=c.v("break_even_utilisation")) if be > 1 else
                               c.t("be_cell_none"))
            row["unit"], row["words"] = "", True  # a sentence: it wraps across the value and unit columns
        if row["key"] == "break_even_maintenance_share" and m_flip < 0 and not own:
            row["value"], row["unit"], row["words"] = str(c.t("maint_cell_none")), "", True
    # Renting wins at any utilisation: more work cannot flip the verdict, and the recommendation must not say it can.
    never = not own and owning_never_pays(r)
    return {"own_cheaper": own, "econ_text": text, "econ_rows": rows, "rent_option": rent_option_name(c),
            "break_even": break_even, "rent_never": never}
