"""``xlcompute estimate``: the summary table (or the full result as JSON) of one scenario."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from xlcompute.cli._common import SCENARIO_ARG, console, read_scenario, run_estimate

if TYPE_CHECKING:
    from collections.abc import Callable

    from xlcompute.estimate import Estimate
    from xlcompute.uncertainty import UncertaintyReport

__all__ = ["estimate_command"]


def _bom_line(r: Estimate, v: Callable[[str], str]) -> str:
    """The capex by item in one line: servers, network (the fabric's counts, or the quote), storage,
    facility; then racks and facility power."""
    if r["network_per_server"] > 0:
        net = f"network {v('capex_network')} (quote)"
    else:
        from xlcompute import fmt

        core = f" + {fmt.count(r['core_switches'])} core" if r["core_switches"] > 0 else ""
        net = (f"network {v('capex_network')} ({v('nics')}, {fmt.count(r['leaf_switches'])} leaf + "
               f"{fmt.count(r['spine_switches'])} spine{core} switches, {fmt.count(r['transceivers'])} optics)")
    store = "(quote)" if r["storage_capex"] > 0 else f"({v('storage_tb')})"
    return (f"servers {v('capex_servers')}; {net}; storage {v('capex_storage')} {store}; "
            f"facility {v('capex_facility')}; {v('racks')}, {v('facility_power_mw')} with PUE")


def _summary_rows(result: Estimate) -> list[tuple[str, str]]:
    """The summary table: registry labels, values formatted by their registry kind."""
    from xlcompute import fmt, registry

    cur = result.scenario.pricing.currency
    r = result

    def v(key: str, kind: str | None = None) -> str:
        text = registry.format_value(r[key], key, cur, kind)
        unit = "" if registry.carries_unit(key, kind) else registry.unit_text(key, "en", cur)
        return f"{text} {unit}".rstrip()

    def lab(key: str) -> str:
        return registry.label(key)

    mfu_src = r.inputs["mfu_assumed"].source if r["mfu_assumed"] > 0 else "predicted by the step-time model"
    kinds = [k for k in ("weights", "activations", "optimizer") if r[f"offload_{k}"] >= 0.5]
    offload = f", offload of {' + '.join(kinds)} to host memory" if kinds else ""
    rows = [
        ("Model", f"{r.model_name}: {fmt.number(r['model_params'] / 1e9, 1)}B parameters "
                  f"({fmt.number(r['model_active_params'] / 1e9, 1)}B active)"),
        ("Cluster", f"{fmt.count(r['gpu_count'])} × {r.accelerator_name} "
                    f"({fmt.number(r['gpu_peak_tflops'], 1)} TFLOPS dense), {fmt.count(r['servers'])} "
                    f"{'server' if r['servers'] == 1 else 'servers'}"),
        ("Layout", f"{fmt.layout_text(r['tp'], r['cp'], r['pp'], r['dp'])}, "
                   f"ZeRO-{fmt.count(r['zero_stage'])}, recompute "
                   f"{('none', 'selective', 'full')[int(r['recompute_mode'])]}" + offload
                   + (f"; {fmt.count(r['idle_cards'])} cards idle" if r["idle_cards"] > 0 else "")
                   + f"; global batch {fmt.count(r['global_batch'])} sequences"),
        (lab("train_tokens"), v("train_tokens")),
        (lab("train_flops"), f"{v('train_flops')} (6PT rule: {v('train_flops_6tp')})"),
        (lab("mfu"), f"{v('mfu')} — {mfu_src}"),
        (lab("predicted_mfu"), f"{v('predicted_mfu')} ({v('predicted_step_seconds')} per step)"),
        (lab("step_train_days"), v("step_train_days")),
        (lab("effective_ratio"), f"{v('effective_ratio')} (a failure every {v('job_mtbf_hours')}, checkpoints every "
                                 f"{fmt.number(r['checkpoint_interval_seconds'] / 60, 0)} min)"),
        (lab("train_days"), f"{v('train_days')} (6PT rule: {v('train_days_6tp')})"),
        (lab("gpu_hours"), v("gpu_hours")),
        (lab("tokens_per_s_per_card"), f"{v('tokens_per_s_per_card', 'dec1')}, {v('step_seconds')} per step"),
        (lab("mem_per_gpu"), f"{v('mem_per_gpu')} of {fmt.number(r['gpu_hbm_gb'], 0)} GB "
                             f"({'fits' if r['mem_fits'] else 'DOES NOT FIT'})"),
        (lab("comm_share_of_step"), v("comm_share_of_step")),
        (lab("serving_cards"), f"{v('serving_cards')} for {fmt.count(r['users'])} concurrent users "
                               f"({fmt.count(r['cards_per_replica'])} per replica)"),
        (lab("cost_per_1k_tokens"), v("cost_per_1k_tokens")),
        (lab("capex_total"), v("capex_total")),
        ("Bill of materials", _bom_line(r, v)),
        (lab("opex_per_year"), v("opex_per_year")),
        (f"{lab('total_budget')} ({fmt.count(r['years'])} years)", v("total_budget")),
        (lab("train_cost"), v("train_cost")),
    ]
    # After the training time: the deadline and what the assumed MFU is worth against the prediction.
    at = next(i for i, (k, _) in enumerate(rows) if k == lab("train_days")) + 1
    extra: list[tuple[str, str]] = []
    if r["deadline_days"] > 0:
        verdict = (f"missed by {v('deadline_slip_days')}" if r["deadline_slip_days"] > 0
                   else "met")
        extra.append(("Deadline", f"{v('deadline_days')}: {verdict}; {fmt.count(r['deadline_cards'])} cards "
                                  f"({fmt.count(r['deadline_servers'])} servers) meet it at the same MFU and ETTR"))
    if r["mfu_assumed"] > 0 and abs(r["train_days_predicted_mfu"] - r["train_days"]) > 1e-9 * r["train_days"]:
        extra.append(("At the predicted MFU", f"{v('train_days_predicted_mfu')}, {v('train_cost_predicted_mfu')} at "
                                              f"rental prices ({v('predicted_mfu')} instead of the assumed "
                                              f"{v('mfu_assumed')}: {v('train_days')}, {v('train_cost')})"))
    rows = rows[:at] + extra + rows[at:]
    # Only what the scenario plans: no training rows for a serving fleet, no serving rows without users.
    training = {"Layout", *(lab(k) for k in ("train_tokens", "train_flops", "mfu", "predicted_mfu",
                                             "step_train_days", "effective_ratio", "train_days", "gpu_hours",
                                             "tokens_per_s_per_card", "mem_per_gpu", "comm_share_of_step",
                                             "train_cost")), "Deadline", "At the predicted MFU"}
    serving = {lab("serving_cards"), lab("cost_per_1k_tokens")}
    drop = (training if not r.trains else set()) | (serving if not r.serves else set())
    plan = {"training": "training only (no serving users)", "serving": "serving only (no training)",
            "both": "training, then serving"}[r.kind]
    return [rows[0], ("Plan", plan), *(row for row in rows[1:] if row[0] not in drop)]


def _range_rows(result: Estimate, rep: UncertaintyReport) -> list[tuple[str, str]]:
    """P10 / P50 / P90 lines of the Monte Carlo ranges (xlcompute.uncertainty)."""
    from xlcompute import registry

    cur = result.scenario.pricing.currency
    note = f"P10 / P50 / P90 of {rep.draws:,} draws, seed {rep.seed}"

    def line(key: str, fmt_key: str) -> str:
        p = rep.percentiles[key]
        unit = "" if registry.carries_unit(fmt_key) else " " + registry.unit_text(fmt_key, "en", cur)
        return " / ".join(registry.format_value(x, fmt_key, cur) for x in (p.p10, p.p50, p.p90)) + unit.rstrip()

    if not result.trains:  # a serving fleet: no run to time
        return [("Range: total budget", f"{line('total_budget', 'total_budget')} ({note})")]
    return [
        ("Range: training days, end to end", f"{line('train_days', 'train_days')} ({note})"),
        ("Range: days to trained model", f"{line('days_to_model', 'train_days')} (delivery delay included)"),
        ("Range: training run at rental prices", line("train_cost", "train_cost")),
        ("Range: total budget", line("total_budget", "total_budget")),
    ]


def estimate_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Estimate training time, memory, network, serving and budget for a scenario."""
    from rich.table import Table

    import json

    from xlcompute.uncertainty import analyse

    sc = read_scenario(scenario)
    result = run_estimate(sc)
    ranges = analyse(result)  # a few ms: the estimate itself stays free of the Monte Carlo
    if as_json:
        # Through json so the ranges sit beside the estimate's own fields in one object.
        data = json.loads(result.model_dump_json())
        data["uncertainty"] = json.loads(ranges.model_dump_json())
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=sc.name, show_header=False, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("")
    for k, v in (*_summary_rows(result), *_range_rows(result, ranges)):
        table.add_row(k, v)
    console.print(table)
