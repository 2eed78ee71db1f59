"""``xlcompute estimate``: the summary table (or the full result as JSON) of one scenario."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from xlcompute.cli._common import SCENARIO_ARG, console, read_scenario, run_estimate

if TYPE_CHECKING:
    from xlcompute.estimate import Estimate

__all__ = ["estimate_command"]


def _summary_rows(result: Estimate) -> list[tuple[str, str]]:
    from xlcompute import fmt

    cur = result.scenario.pricing.currency
    r = result
    return [
        ("Model", f"{r.model_name}: {fmt.number(r['model_params'] / 1e9, 1)}B parameters "
                  f"({fmt.number(r['model_active_params'] / 1e9, 1)}B active)"),
        ("Cluster", f"{fmt.count(r['gpu_count'])} × {r.accelerator_name} "
                    f"({fmt.number(r['gpu_peak_tflops'], 1)} TFLOPS dense), {fmt.count(r['servers'])} "
                    f"{'server' if r['servers'] == 1 else 'servers'}"),
        ("Layout", f"TP {fmt.count(r['tp'])} × PP {fmt.count(r['pp'])} × DP {fmt.count(r['dp'])}, "
                   f"ZeRO-{fmt.count(r['zero_stage'])}, recompute {r.scenario.training.recompute}"),
        ("Training tokens", f"{fmt.sci(r['train_tokens'])}"),
        ("Training compute", f"{fmt.sci(r['train_flops'])} FLOPs (6PT rule: {fmt.sci(r['train_flops_6tp'])})"),
        ("MFU", f"{fmt.percent(r['mfu'])} — {r.inputs['mfu'].source}"),
        ("Training time", f"{fmt.days(r['train_days'])} days (6PT rule: {fmt.days(r['train_days_6tp'])} days)"),
        ("Card-hours", f"{fmt.hours(r['gpu_hours'])} card-h"),
        ("Throughput", f"{fmt.number(r['tokens_per_s_per_card'], 0)} tokens/s per card, "
                       f"{fmt.number(r['step_seconds'], 2)} s per step"),
        ("Memory per card", f"{fmt.number(r['mem_per_gpu_gb'], 1)} GB of {fmt.number(r['gpu_hbm_gb'], 0)} GB "
                            f"({'fits' if r['mem_fits'] else 'DOES NOT FIT'})"),
        ("Communication", f"{fmt.percent(r['comm_share_of_step'])} of step time if not overlapped"),
        ("Serving cards", f"{fmt.count(r['serving_cards'])} for {fmt.count(r['users'])} concurrent users "
                          f"({fmt.count(r['cards_per_replica'])} per replica)"),
        ("Cost per 1k tokens", fmt.money(r["cost_per_1k_tokens"], cur, 4)),
        ("Capital expenditure", fmt.money(r["capex_total"], cur)),
        ("Operating cost / year", fmt.money(r["opex_per_year"], cur)),
        (f"Total budget ({fmt.count(r['years'])} years)", fmt.money(r["total_budget"], cur)),
        ("Training run, rented", fmt.money(r["train_cost"], cur)),
    ]


def estimate_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Estimate training time, memory, network, serving and budget for a scenario."""
    from rich.table import Table

    sc = read_scenario(scenario)
    result = run_estimate(sc)
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    table = Table(title=sc.name, show_header=False, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("")
    for k, v in _summary_rows(result):
        table.add_row(k, v)
    console.print(table)
