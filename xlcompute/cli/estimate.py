"""``xlcompute estimate``: the summary table (or the full result as JSON) of one scenario."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from xlcompute.cli._common import LANG_OPT, SCENARIO_ARG, SET_OPT, console, read_scenario, run_estimate, scenario_title
from xlcompute.cli._text import check_lang, tr

if TYPE_CHECKING:
    from collections.abc import Callable

    from xlcompute.estimate import Estimate
    from xlcompute.uncertainty import UncertaintyReport

__all__ = ["estimate_command"]


def _latency_unmet(r: Estimate, v: Callable[[str], str], lang: str) -> str:
    """What the latency line adds when no replica meets the targets (the proposal's recommendation says it too):
    the serving cards are then the fastest replicas', not a fleet that serves within the targets."""
    if r["users"] <= 0 or (r["ttft"] <= r["ttft_target_s"] and r["tpot"] <= r["tpot_target_s"]):
        return ""
    return tr("latency_unmet", lang, ttft=v("ttft_target_s"), tpot=v("tpot_target_s"))


def _serving_line(r: Estimate, v: Callable[[str], str], lang: str = "en") -> str:
    """The serving cards and what they serve; where they outnumber the cluster's cards, it says so
    (the proposal's "needs more than the N proposed" risk)."""
    from xlcompute import fmt

    from xlcompute.core import spread

    # the serving precision said: it moves the cards several times over (a model released in FP8 served in BF16)
    line = tr("serving_value", lang, v=v("serving_cards"), users=fmt.count(r["users"]),
              replica=fmt.count(r["serving_replica_size"]), precision=(r.scenario.serving.precision or "bf16").upper())
    if r["serving_confidence"] > spread.SERVING_CONFIDENCE:  # the fleet holds the range's quantile
        line = tr("serving_conf", lang, line=line, planned=v("serving_cards_planned"),
                  q=fmt.percent(r["serving_confidence"], 0))
    if r.serves and r["serving_cards"] > r["gpu_count"]:
        line = tr("serving_short", lang, line=line, cards=fmt.count(r["gpu_count"]))
    return line + _serving_extrapolated(r, lang)


def _serving_extrapolated(r: Estimate, lang: str) -> str:
    """"; extrapolated …" where no serving measurement calibrates the card and no vendor factor covers it (the
    proposal's serving section says the same, at more length), as the training line says of its kernels."""
    from xlcompute import catalog
    from xlcompute.serving_model import card_basis

    acc = r.scenario.cluster.accelerator
    if not r.serves or not isinstance(acc, str):
        return ""
    g = catalog.get_gpu(acc)
    return tr("serving_extrapolated", lang) if card_basis(g.key, g.vendor) == "extrapolated" else ""


# English plural units of whole counts, worded in the singular for a count of one.
_COUNT_NOUNS = frozenset({"racks", "servers", "cards", "replicas", "sequences", "layers", "steps"})


def _bom_line(r: Estimate, v: Callable[[str], str], lang: str = "en") -> str:
    """The capex by item in one line: servers, network (the fabric's counts, or the quote), storage,
    facility; then racks and facility power."""
    from xlcompute import fmt

    if r["network_per_server"] > 0:
        net = tr("bom_net_quote", lang, v=v("capex_network"))
    else:
        core = tr("bom_core", lang, n=fmt.count(r["core_switches"])) if r["core_switches"] > 0 else ""
        net = tr("bom_net", lang, v=v("capex_network"), nics=v("nics"), leaf=fmt.count(r["leaf_switches"]),
                 spine=fmt.count(r["spine_switches"]), core=core, optics=fmt.count(r["transceivers"]))
    store = tr("bom_quote", lang) if r["storage_capex"] > 0 else tr("bom_store", lang, v=v("storage_tb"))
    return tr("bom_line", lang, servers=v("capex_servers"), net=net, storage=v("capex_storage"), store=store,
              facility=v("capex_facility"), racks=v("racks"), mw=v("facility_power_mw"))


def _fits(r: Estimate, lang: str) -> str:
    """Fits or not; a fit above core.memory.MEMORY_SHARE_WARN of HBM says how little is left (the proposal's risk)."""
    from xlcompute import fmt
    from xlcompute.core.memory import MEMORY_SHARE_WARN

    if not r["mem_fits"]:
        return tr("no_fit", lang)
    share = r["mem_per_gpu"] / r["hbm_bytes"]
    return tr("fits_tight", lang, share=fmt.percent(share)) if share > MEMORY_SHARE_WARN else tr("fits", lang)


def _summary_rows(result: Estimate, lang: str = "en", typed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The summary table: registry labels, values formatted by their registry kind (in Chinese,
    amounts in 万元 / 亿元 and counts in 万 / 亿 / 万亿). ``typed``: the fields set with --set, as typed
    (dotted or short), whose source is the command line, not a file."""
    from xlcompute import fmt, registry
    from xlcompute.core import spread

    cur = result.scenario.pricing.currency
    r = result

    def v(key: str, kind: str | None = None) -> str:
        return v_as(r[key], key, kind)

    def v_as(x: float, key: str, kind: str | None = None) -> str:  # a number formatted as the figure key is
        k = kind or registry.quantity(key).kind
        if lang == "zh" and k == "money" and abs(x) >= 1e4:
            return fmt.money_wan(x, cur)
        text = registry.format_value(x, key, cur, kind, lang)
        unit = "" if registry.carries_unit(key, kind) else registry.unit_text(key, lang, cur)
        if text == "1" and unit in _COUNT_NOUNS:  # "1 rack", not "1 racks"
            unit = unit[:-1]
        if lang == "zh" and unit == "卡":  # a counted noun takes its measure word, as the other rows write it
            unit = "张卡"
        return f"{text} {unit}".rstrip()

    def lab(key: str) -> str:
        return registry.label(key, lang)

    if r["mfu_assumed"] > 0:
        inp = r.inputs["mfu_assumed"]
        o = inp.origin  # a field typed with --set (dotted, or the short name: mfu) is no file's
        if o is not None and o.kind == "scenario" and any(o.field == f or o.field.endswith(f".{f}") for f in typed):
            mfu_src = tr("mfu_set_src", lang, field=o.field)
        elif lang == "zh":
            from xlcompute._builtin import builtin_text

            mfu_src = builtin_text(r.scenario, "mfu_source", lang) or inp.source
            if inp.origin is not None and inp.origin.kind != "user":
                mfu_src = f"场景文件：{inp.origin.field}" if inp.origin.kind == "scenario" else mfu_src
        else:
            mfu_src = inp.source
    else:
        mfu_src = tr("mfu_predicted_src", lang)
    kinds = [tr(f"offload_{k}", lang) for k in ("weights", "activations", "optimizer") if r[f"offload_{k}"] >= 0.5]
    offload = tr("offload", lang, kinds=(" + " if lang == "en" else "、").join(kinds)) if kinds else ""
    rc = (tr("recompute_partial", lang, k=fmt.count(r["recompute_layers"]), n=fmt.count(r["layers_per_stage"]))
          if r["recompute_mode"] == 1 and r["recompute_layers"] > 0 else
          tr(("recompute_none", "recompute_selective", "recompute_full")[int(r["recompute_mode"])], lang))
    L = {k: tr(k, lang) for k in ("model", "plan", "cluster", "layout", "bom", "deadline", "at_predicted")}
    rows = [
        (L["model"], tr("model_value", lang, name=r.model_name, params=fmt.number(r["model_params"] / 1e9, 1),
                        active=fmt.number(r["model_active_params"] / 1e9, 1),
                        params_zh=fmt.big_count(r["model_params"], "zh"),
                        active_zh=fmt.big_count(r["model_active_params"], "zh"),
                        # a preset with its size given: say the shape is the preset's (a 100B "Llama-2-70B")
                        override=tr("params_override", lang) if r.scenario.model.preset is not None
                        and r.scenario.model.params is not None else "")),
        (L["cluster"], tr("cluster_value", lang, cards=fmt.count(r["gpu_count"]), acc=r.accelerator_name,
                          tflops=fmt.number(r["gpu_peak_tflops"], 1), prec=r.scenario.train.precision.upper(),
                          why=tr("precision_recipe", lang, model=r.model_name) if r.scenario.precision_recipe else "",
                          servers=fmt.count(r["servers"]),
                          server_word=tr("server" if r["servers"] == 1 else "servers", lang))),
        (L["layout"], fmt.layout_text(r['tp'], r['cp'], r['pp'], r['dp'], r['ep'], lang)
                      + (tr("stage_split", lang, f=fmt.count(r["stage_layers_first"]), l=fmt.count(r["stage_layers_last"]),
                            m=fmt.count(r["stage_layers_even"]))
                         if r["first_stage_layers"] > 0 or r["last_stage_layers"] > 0 else "")
                      + (tr("dualpipe", lang) if r["dualpipe"] > 0 else "")
                      + (tr("interleaved", lang, v=fmt.count(r["interleave"])) if r["interleave"] > 1 else "")
                      + tr("zero_recompute", lang, z=fmt.count(r["zero_stage"]), rc=tr("recompute", lang, mode=rc))
                      + offload
                      + (tr("idle", lang, n=fmt.count(r["idle_cards"])) if r["idle_cards"] > 0 else "")
                      + tr("global_batch", lang, n=fmt.count(r["global_batch"])) + _yielded(r, lang)),
        (lab("train_tokens"), v("train_tokens")),
        (lab("train_flops"), tr("rule_6pt", lang, v=v("train_flops"), rule=v("train_flops_6tp"))),
        (lab("mfu"), tr("mfu_value", lang, v=v("mfu"), src=mfu_src)),
        (lab("predicted_mfu"), tr("per_step", lang, v=v("predicted_mfu"), s=v("predicted_step_seconds"))),
        (lab("step_train_days"), v("step_train_days")),
        (lab("effective_ratio"), tr("ettr_value", lang, v=v("effective_ratio"), mtbf=v("job_mtbf_hours"),
                                    minutes=fmt.number(r["checkpoint_interval_seconds"] / 60, 0))),
        (lab("train_days"), tr("rule_6pt", lang, v=v("train_days"), rule=v("train_days_6tp"))),
        (lab("gpu_hours"), v("gpu_hours")),
        # at an assumed MFU the step is not the predicted one above: said, so the two step times read apart
        (lab("tokens_per_s_per_card"), tr("throughput_assumed" if r["mfu_assumed"] > 0 else "throughput", lang,
                                          v=v("tokens_per_s_per_card", "dec1"), s=v("step_seconds"))),
        (lab("mem_per_gpu"), tr("mem_value", lang, v=v("mem_per_gpu"), hbm=fmt.number(r["gpu_hbm_gb"], 0),
                                fits=_fits(r, lang))),
        (lab("comm_share_of_step"), v("comm_share_of_step")),
        (lab("serving_cards"), _serving_line(r, v, lang)),
        (lab("ttft"), tr("latency_value", lang, ttft=v("ttft"), tpot=v("tpot"), batch=fmt.count(r["serving_batch"]),
                         cap=v("serving_capacity_tokens_per_s"), demand=v("serving_demand_tokens_per_s"))
         + _latency_unmet(r, v, lang)),
        (lab("cost_per_million_tokens"), v("cost_per_million_tokens")),
        (lab("capex_total"), v("capex_total")),
        (L["bom"], _bom_line(r, v, lang)),
        (lab("opex_per_year"), v("opex_per_year")),
        (_with_years(lab("total_budget"), fmt.count(r["years"]), lang), v("total_budget")),
        (lab("train_cost"), v("train_cost")),
    ]
    # After the training time: the deadline and what the assumed MFU is worth against the prediction.
    at = next(i for i, (k, _) in enumerate(rows) if k == lab("train_days")) + 1
    extra: list[tuple[str, str]] = []
    below = r.sized_miss_below()
    deadline = v("deadline_days")
    if r["deadline_confidence"] > spread.DEADLINE_CONFIDENCE:  # the estimate keeps the MFU range's margin
        deadline = tr("deadline_conf", lang, deadline=deadline, q=fmt.percent(r["deadline_confidence"], 0),
                      days=v("deadline_plan_days"))
    verdict = (tr("deadline_missed", lang, v=v("deadline_slip_days")) if r["deadline_slip_days"] > 0
               else tr("deadline_met", lang))
    if below is not None:  # sized to the deadline: what fewer cards were found to do, not the same-MFU count
        apart = registry.apart_kind(below.train_days, r["deadline_plan_days"], "train_days")
        # above 0.5 confidence the fewer cards may meet the deadline itself and miss only the target it sets
        miss = (tr("sized_past_target", lang, target=v_as(r["deadline_plan_days"], "train_days", apart),
                   q=fmt.percent(r["deadline_confidence"], 0))
                if r["deadline_confidence"] > spread.DEADLINE_CONFIDENCE else tr("sized_past", lang))
        extra.append((L["deadline"], tr("deadline_sized_value", lang, deadline=deadline, below=fmt.count(below.cards),
                                        days=v_as(below.train_days, "train_days", apart), miss=miss)))
    elif r.deadline_plan is not None:  # the cards given, met or missed: the cards the sizing plans, at their own MFU
        p = r.deadline_plan
        extra.append((L["deadline"], tr("deadline_planned_value", lang, deadline=deadline, verdict=verdict,
                                        cards=fmt.count(p.cards), servers=fmt.count(p.cards / r["cards_per_node"]),
                                        days=v_as(p.train_days, "train_days"))))
    elif r.deadline_out_of_reach():  # the same-MFU count would be no answer: the sizing found none
        extra.append((L["deadline"], tr("deadline_unreachable_value", lang, deadline=deadline, verdict=verdict)))
    elif r["deadline_days"] > 0:
        extra.append((L["deadline"], tr("deadline_value", lang, deadline=deadline, verdict=verdict,
                                        cards=fmt.count(r["deadline_cards"]),
                                        servers=fmt.count(r["deadline_servers"]))))
    if r["mfu_assumed"] > 0 and abs(r["train_days_predicted_mfu"] - r["train_days"]) > 1e-9 * r["train_days"]:
        extra.append((L["at_predicted"], tr("at_predicted_value", lang, days=v("train_days_predicted_mfu"),
                                            cost=v("train_cost_predicted_mfu"), pmfu=v("predicted_mfu"),
                                            mfu=v("mfu_assumed"), adays=v("train_days"), acost=v("train_cost"))))
    rows = rows[:at] + extra + rows[at:]
    # A card no training measurement calibrates: say so under the MFU (xlcompute compare's note, same words).
    from xlcompute.compare import kernel_note
    from xlcompute.compare_words import note_words

    kernel = kernel_note(r.scenario, r.inputs)
    if kernel is not None:
        at = next(i for i, (k, _) in enumerate(rows) if k == lab("predicted_mfu")) + 1
        words = note_words(kernel, lang)
        rows.insert(at, (tr("card_kernel", lang), words[:1].upper() + words[1:]))  # a row starts a sentence
    # Only what the scenario plans: no training rows for a serving fleet, no serving rows without users.
    training = {L["layout"], tr("card_kernel", lang),
                *(lab(k) for k in ("train_tokens", "train_flops", "mfu", "predicted_mfu",
                                   "step_train_days", "effective_ratio", "train_days", "gpu_hours",
                                   "tokens_per_s_per_card", "mem_per_gpu", "comm_share_of_step",
                                   "train_cost")), L["deadline"], L["at_predicted"]}
    serving = {lab("serving_cards"), lab("ttft"), lab("cost_per_million_tokens")}
    drop = (training if not r.trains else set()) | (serving if not r.serves else set())
    plan = tr(f"plan_{r.kind}", lang)
    return [rows[0], (L["plan"], plan), *(row for row in rows[1:] if row[0] not in drop)]


def _range_rows(result: Estimate, rep: UncertaintyReport, lang: str = "en") -> list[tuple[str, str]]:
    """P10 / P50 / P90 lines of the Monte Carlo ranges (xlcompute.uncertainty)."""
    from xlcompute import fmt, registry

    cur = result.scenario.pricing.currency
    note = tr("range_note", lang, draws=f"{rep.draws:,}", seed=rep.seed)

    def line(key: str, fmt_key: str) -> str:
        p = rep.percentiles[key]
        if lang == "zh" and registry.quantity(fmt_key).kind == "money":
            return " / ".join(fmt.money_wan(x, cur) for x in (p.p10, p.p50, p.p90))
        unit = "" if registry.carries_unit(fmt_key) else " " + registry.unit_text(fmt_key, lang, cur)
        return " / ".join(registry.format_value(x, fmt_key, cur, None, lang) for x in (p.p10, p.p50, p.p90)) \
            + unit.rstrip()

    paren = "（{}）" if lang == "zh" else " ({})"
    serving: list[tuple[str, str]] = []
    if rep.serving is not None:  # the fleet's cards over the inference model's speed
        sr = rep.serving
        serving = [(tr("range_serving", lang), tr(
            "range_serving_value", lang, cards=" / ".join(fmt.count(x) for x in (sr.cards.p10, sr.cards.p50, sr.cards.p90)),
            lo=fmt.number(sr.speed.p10, 2), hi=fmt.number(sr.speed.p90, 2), chance=fmt.percent(sr.chance, 0),
            have=fmt.count(sr.cluster_cards)))]
    if not result.trains:  # a serving fleet: no run to time
        return [(tr("range_budget", lang), line("total_budget", "total_budget") + paren.format(note)), *serving]
    chance = "" if rep.deadline_chance is None else tr(
        "range_chance", lang, chance=fmt.percent(rep.deadline_chance, 0),
        deadline=registry.format_value(result["deadline_days"], "deadline_days", cur, None, lang)
        + ("" if registry.carries_unit("deadline_days") else " " + registry.unit_text("deadline_days", lang, cur)))
    from xlcompute.core.spread import RANGE_COVERAGE_RECORDED as cov
    from xlcompute.core.spread import range_is_narrow

    check = tr("range_check_value", lang, inside=cov["inside"], runs=cov["runs"], above=cov["above"],
               share=fmt.percent(cov["inside"] / cov["runs"], 0))
    if range_is_narrow(cov["inside"], cov["runs"], cov["above"]):  # the proposal's rule too
        check += tr("range_check_narrow", lang)
    from xlcompute.uncertainty import prediction_side

    side = prediction_side(result, rep)  # the step-time model's own days, against a range drawn around the MFU assumed
    outside = "" if side == 0 else tr(
        "range_prediction_outside", lang, side=tr("range_above" if side > 0 else "range_below", lang),
        days=registry.format_value(result["train_days_predicted_mfu"], "train_days", cur, None, lang),
        pmfu=registry.format_value(result["predicted_mfu"], "predicted_mfu", cur, None, lang))
    return [
        (tr("range_days", lang), line("train_days", "train_days") + paren.format(note) + chance + outside),
        (tr("range_check", lang), check),
        (tr("range_model", lang), tr("range_model_note", lang, v=line("days_to_model", "train_days"))),
        (tr("range_cost", lang), line("train_cost", "train_cost")),
        (tr("range_budget", lang), line("total_budget", "total_budget")),
        *serving,
    ]


def estimate_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    settings: Optional[list[str]] = SET_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    lang: str = LANG_OPT,
) -> None:
    """Estimate training time, memory, network, serving and budget for a scenario."""
    check_lang(lang)
    from rich.table import Table

    import json

    from xlcompute.uncertainty import analyse

    sc = read_scenario(scenario, settings)
    result = run_estimate(sc, scenario, settings)
    ranges = analyse(result)  # a few ms: the estimate itself stays free of the Monte Carlo
    if as_json:
        # Through json so the ranges sit beside the estimate's own fields in one object.
        data = json.loads(result.model_dump_json())
        data["uncertainty"] = json.loads(ranges.model_dump_json())
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=scenario_title(result.scenario, lang), show_header=False, title_justify="left")
    # fold, not rich's default ellipsis: a wide (CJK) character at the end of a wrapped line was dropped for "…"
    table.add_column("", style="bold", overflow="fold")
    table.add_column("", overflow="fold")
    typed = frozenset(s.split("=", 1)[0].strip() for s in settings or ())
    for k, v in (*_summary_rows(result, lang, typed), *_range_rows(result, ranges, lang)):
        table.add_row(k, v)
    console.print(table)


def _yielded(r: Estimate, lang: str) -> str:
    """"; the default recompute / ZeRO stage did not fit this layout" when the estimate changed them,
    and that the planner chose the interleaved schedule when it did (estimate._fit_given_layout): the
    user sees why the layout line differs from the defaults."""
    fields = [o.field.split(".")[1] for k in ("recompute_mode", "recompute_layers", "zero_stage")
              if (o := r.inputs[k].origin) is not None and o.kind == "planner" and o.option == "yield"]
    o = r.inputs["interleave"].origin
    scheduled = tr("scheduled", lang) if o is not None and o.kind == "planner" and o.option == "schedule" else ""
    return (tr("yielded", lang, fields=" / ".join(tr(f"field_{f}", lang) for f in fields)) if fields else "") + scheduled


def _with_years(label: str, years: str, lang: str) -> str:
    """"Total budget over the period (3 years)"; in Chinese the years join a label's own closing bracket
    (总预算（核算期 3 年）) rather than a second bracket after it."""
    if lang == "zh" and label.endswith("）"):
        return f"{label[:-1]} {years} 年）"
    return tr("total_years", lang, label=label, years=years)
