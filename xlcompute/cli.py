"""The ``xlcompute`` command line.

Typer gives typed options, ``--help`` on every command and shell completion for little code;
Rich prints the tables. Every command turns a bad scenario into one line per problem and exit
code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from xlcompute import fmt
from xlcompute.scenario import Scenario, ScenarioError, default_scenario, load_scenario

app = typer.Typer(
    name="xlcompute",
    help="Compute, memory, network, serving and budget estimates for training and serving LLMs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="List the accelerator and model presets.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

console = Console()
err_console = Console(stderr=True)

SCENARIO_ARG = typer.Argument(
    None, help="Scenario file (.yaml, .toml or .json). Default: the built-in 1000-card H800 scenario."
)


def fail(problems: list[str], code: int = 2) -> None:
    """Print one line per problem to stderr and exit with ``code``."""
    for line in problems:
        err_console.print(f"[bold red]error:[/] {line}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def read_scenario(path: Optional[Path]) -> Scenario:
    """Load ``path`` or the default scenario; exit with readable errors on bad input."""
    try:
        return default_scenario() if path is None else load_scenario(path)
    except ScenarioError as exc:
        where = f"{exc.source}: " if exc.source else ""
        fail([where + p for p in exc.problems])
    raise AssertionError("unreachable")  # pragma: no cover


def run_estimate(scenario: Scenario):  # type: ignore[no-untyped-def]
    """``estimate(scenario)``, with input errors that only show once presets resolve."""
    from xlcompute.estimate import estimate

    try:
        return estimate(scenario)
    except ValueError as exc:
        fail([str(exc)])


def _summary_rows(result) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    cur = result.scenario.pricing.currency
    r = result
    return [
        ("Model", f"{r.model_name}: {fmt.number(r['model_params'] / 1e9, 1)}B parameters "
                  f"({fmt.number(r['model_active_params'] / 1e9, 1)}B active)"),
        ("Cluster", f"{fmt.count(r['gpu_count'])} × {r.accelerator_name} "
                    f"({fmt.number(r['gpu_peak_tflops'], 1)} TFLOPS dense), {fmt.count(r['servers'])} servers"),
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


@app.command()
def estimate(
    scenario: Optional[Path] = SCENARIO_ARG,
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Estimate training time, memory, network, serving and budget for a scenario."""
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


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2, ensure_ascii=False) + "\n")


@catalog_app.command("gpus")
def catalog_gpus(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Accelerator presets: dense peak, memory, bandwidth, power, source."""
    from xlcompute import catalog

    rows = catalog.gpus()
    if as_json:
        sys.stdout.write(json.dumps([g.model_dump() for g in rows], indent=2, ensure_ascii=False) + "\n")
        return
    t = Table(title="Accelerators (dense figures, not sparsity)")
    for col in ("key", "name", "bf16 TFLOPS", "fp8 TFLOPS", "HBM GB", "HBM TB/s", "link GB/s/dir", "TDP W", "source"):
        t.add_column(col, overflow="fold")
    for g in rows:
        t.add_row(
            g.key, g.name, fmt.number(g.bf16_tflops, 1), fmt.number(g.fp8_tflops, 1) if g.fp8_tflops else "—",
            fmt.number(g.hbm_bytes / 1e9, 1), fmt.number(g.hbm_bandwidth_bytes_per_s / 1e12, 2),
            fmt.number(g.link_bytes_per_s_per_direction / 1e9, 0) if g.link_bytes_per_s_per_direction else "—", fmt.count(g.tdp_w) if g.tdp_w else "—",
            f"{g.status}; {g.source_date}",
        )
    console.print(t)


@catalog_app.command("models")
def catalog_models(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Model presets: architecture, exact parameter count, published size, source."""
    from xlcompute import catalog
    from xlcompute.core.params import count_params

    rows = catalog.models()
    if as_json:
        sys.stdout.write(json.dumps([m.model_dump() for m in rows], indent=2, ensure_ascii=False) + "\n")
        return
    t = Table(title="Models")
    for col in ("key", "name", "layers", "hidden", "heads/kv", "params (exact)", "active", "published"):
        t.add_column(col)
    for m in rows:
        c = count_params(m.arch)
        t.add_row(
            m.key, m.name + (" (unofficial)" if getattr(m, "unofficial", False) else ""), str(m.arch.layers),
            str(m.arch.hidden), f"{m.arch.heads}/{m.arch.kv_heads}", fmt.number(c.total / 1e9, 2) + "B",
            fmt.number(c.active / 1e9, 2) + "B", fmt.number(m.published_params / 1e9, 1) + "B",
        )
    console.print(t)


# Commands of the other faces register here, one line each.


def main() -> None:
    """Console-script entry point."""
    app()


