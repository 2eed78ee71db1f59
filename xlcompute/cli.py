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
from rich import box
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
    t = Table(title="Accelerators (dense figures, not sparsity; `--json` for sources)", title_justify="left")
    for col in ("key", "bf16", "fp8", "HBM", "HBM BW", "link", "TDP", "source date"):
        t.add_column(col, justify="left" if col in ("key", "source date") else "right", no_wrap=True)
    for g in rows:
        t.add_row(
            g.key, fmt.number(g.bf16_tflops, 1), fmt.number(g.fp8_tflops, 1) if g.fp8_tflops else "—",
            fmt.number(g.hbm_bytes / 1e9, 1), fmt.number(g.hbm_bandwidth_bytes_per_s / 1e12, 2),
            fmt.number(g.link_bytes_per_s_per_direction / 1e9, 0) if g.link_bytes_per_s_per_direction else "—",
            fmt.count(g.tdp_w) if g.tdp_w else "—", g.source_date + ("*" if g.status == "unofficial" else ""),
        )
    console.print(t)
    console.print(
        "bf16/fp8: dense TFLOPS; HBM: GB (10^9 B); HBM BW: TB/s; link: intra-server GB/s per direction; "
        "TDP: W; * unofficial figures."
    )


@catalog_app.command("models")
def catalog_models(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Model presets: architecture, exact parameter count, published size, source."""
    from xlcompute import catalog
    from xlcompute.core.params import count_params

    rows = catalog.models()
    if as_json:
        sys.stdout.write(json.dumps([m.model_dump() for m in rows], indent=2, ensure_ascii=False) + "\n")
        return
    t = Table(title="Models (`--json` for architectures and sources)", title_justify="left")
    for col in ("key", "layers", "hidden", "heads", "exact", "active", "published"):
        t.add_column(col, justify="left" if col == "key" else "right", no_wrap=True)
    for m in rows:
        c = count_params(m.arch)
        t.add_row(
            m.key + (" *" if m.unofficial else ""), str(m.arch.layers), str(m.arch.hidden),
            f"{m.arch.heads}/{m.arch.kv_heads}", fmt.number(c.total / 1e9, 1) + "B",
            fmt.number(c.active / 1e9, 1) + "B", fmt.number(m.published_params / 1e9, 1) + "B",
        )
    console.print(t)
    console.print("heads: query/key-value heads. exact: counted from the architecture. * unofficial (rumoured).")


@app.command()
def plan(
    scenario: Optional[Path] = SCENARIO_ARG,
    top: int = typer.Option(5, "--top", min=1, max=100, help="How many layouts to show."),
    explore: bool = typer.Option(
        False, "--explore", help="Also search ZeRO-2/3, TP overlap and offload (not covered by the validation data; ZeRO-3 predictions ran 27-39% optimistic on Megatron 2021 Table 2)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Rank the TP/PP/DP layouts of a scenario's model on its cluster by predicted step time."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from xlcompute.estimate import resolve
    from xlcompute.plan import PlannerError, plan_layouts

    sc = read_scenario(scenario)
    try:
        resolved = resolve(sc, plan=False)
    except ValueError as exc:
        fail([str(exc)])
    arch = resolved.arch
    values = {k: v.value for k, v in resolved.inputs.items()}
    with Progress(TextColumn("searching layouts"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                  TimeElapsedColumn(), console=err_console, transient=True, disable=as_json) as progress:
        task = progress.add_task("search", total=1)
        try:
            report = plan_layouts(arch, values, explore=explore, top_k=top,
                                  on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                                  flash_attention=sc.training.attention == "flash", software=sc.training.software)
        except (PlannerError, ValueError) as exc:
            fail([str(exc)])
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    t = Table(title=f"{sc.name}: best of {report.candidates_evaluated:,} layouts "
                    f"({report.candidates_fitting:,} fit; {report.search_seconds:.2f} s)", title_justify="left")
    for col in ("#", "layout", "options", "step s", "MFU", "GB/card"):
        t.add_column(col, justify="right" if col in ("#", "step s", "MFU", "GB/card") else "left")
    for row in report.best:
        ex, r = row.execution, row.result
        t.add_row(
            str(row.rank),
            f"TP{ex.tp}·PP{ex.pp}·DP{ex.dp} mb{ex.micro_batch}" + (f" v{ex.interleave}" if ex.interleave > 1 else ""),
            ", ".join(
                x for x in ("SP" if ex.sequence_parallel else "", f"{ex.recompute} recompute",
                            f"ZeRO-{ex.zero_stage}", "TP overlap" if ex.tp_overlap else "",
                            "offload" if ex.offload else "") if x
            ),
            fmt.number(r.step_seconds, 2), fmt.percent(row.mfu_estimate), fmt.number(r.memory_bytes / 1e9, 1),
        )
    console.print(t)
    r = report.best[0].result
    parts = [
        ("compute", r.compute_seconds), ("recompute", r.recompute_seconds), ("pipeline bubble", r.pp_bubble_seconds),
        ("pipeline p2p", r.pp_comm_seconds), ("TP comm (exposed)", r.tp_comm_exposed_seconds),
        ("DP comm (exposed)", r.dp_comm_exposed_seconds), ("optimizer", r.optimizer_seconds),
        ("offload", r.offload_seconds),
    ]
    console.print("Best layout, seconds per step: " + "; ".join(f"{k} {v:.3f}" for k, v in parts if v > 0))
    console.print("MFU is on the estimate's attention-aware FLOP count; times are seconds per optimizer step.")


@app.command()
def validate(
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Also write the per-row table as CSV (the proposal appendix's table)."
    ),
    search: bool = typer.Option(True, "--search/--no-search", help="Also check the search finds each published layout."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Compare the step-time model with published training measurements (calibration, held-out and pre-registered runs)."""
    from xlcompute.validate import validate as run_validation

    report = run_validation(search=search)
    if output is not None:
        from xlcompute.validate import write_report_csv

        write_report_csv(report, output, include_external=True)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    t = Table(title=f"Step-time model vs published measurements ({report.system_name})", title_justify="left",
              box=box.SIMPLE_HEAD)
    for col in ("run", "set", "meas.", "pred.", "unit", "step%", "thr%", "found"):
        t.add_column(col, justify="left" if col in ("run", "set", "unit") else "right", no_wrap=True)
    for r in report.rows:
        unit = "TFLOP/s" if r.metric == "tflops_per_gpu" else "s"
        found = "—" if r.search_found is None else ("yes" if r.search_found else "NO")
        t.add_row(r.id, "held" if r.role == "held_out" else "calib", f"{r.measured:,.1f}",
                  f"{r.predicted:,.1f}", unit, f"{r.error_pct:+.2f}", f"{r.throughput_error_pct:+.2f}", found)
    labels = {x.name: f"pre{i}" for i, x in enumerate(report.preregistered_sets, 1)}
    for r in [*report.external_rows, *report.stack_rows]:
        unit = "TFLOP/s" if r.metric == "tflops_per_gpu" else "s"
        found = "—" if r.search_found is None else ("yes" if r.search_found else "NO")
        label = labels.get(r.set_name, "stack") + ("*" if r.software != "megatron-lm" else "")
        t.add_row(r.id, label, f"{r.measured:,.1f}", f"{r.predicted:,.1f}", unit, f"{r.error_pct:+.2f}",
                  f"{r.throughput_error_pct:+.2f}", found)
    console.print(t)
    console.print(
        f"step time, mean |error|: all {report.mean_abs_error_pct:.2f}% (max {report.max_abs_error_pct:.2f}%); "
        f"calibration {report.calibration_mean_abs_error_pct:.2f}% (max {report.calibration_max_abs_error_pct:.2f}%); "
        f"held-out {report.held_out_mean_abs_error_pct:.2f}% (max {report.held_out_max_abs_error_pct:.2f}%)"
    )
    console.print(
        f"per-card throughput, mean |error|: calibration {report.calibration_mean_abs_throughput_error_pct:.2f}%; "
        f"held-out {report.held_out_mean_abs_throughput_error_pct:.2f}% "
        f"(max {report.held_out_max_abs_throughput_error_pct:.2f}%)"
    )
    for x in report.preregistered_sets:
        rows = [r for r in report.external_rows if r.set_name == x.name]
        ref = [r for r in rows if r.reference_stack_error_pct is not None]
        note = ""
        if ref:
            errs = ", ".join(f"{r.reference_stack_error_pct:+.2f}%" for r in ref)
            note = f"; as pre-registered, with the reference stack: {errs}"
        console.print(
            f"{labels[x.name]} = pre-registered {x.name}.yaml: {x.included} runs, step time "
            f"{x.mean_abs_error_pct:.2f}% (max {x.max_abs_error_pct:.2f}%), {x.excluded} excluded before "
            f"prediction{note}"
        )
    if report.stack_rows:
        stacks = ", ".join(f"{k} {v:g}" for k, v in report.software_stacks.items() if k != "megatron-lm")
        console.print(
            f"stack = software_stacks.yaml, calibration of the software-stack efficiencies ({stacks}); "
            "* = run predicted with a non-reference stack efficiency (fitted after the pre-registered "
            "MT-NLG errors were seen)"
        )
    if report.external_rows:
        console.print(
            f"all {report.extended_held_out_count} held-out runs: step time "
            f"{report.extended_held_out_mean_abs_error_pct:.2f}% (max {report.extended_held_out_max_abs_error_pct:.2f}%), "
            f"per-card throughput {report.extended_held_out_mean_abs_throughput_error_pct:.2f}% "
            f"(max {report.extended_held_out_max_abs_throughput_error_pct:.2f}%); with every run on the "
            f"reference stack {report.extended_held_out_reference_stack_mean_abs_error_pct:.2f}% / "
            f"{report.extended_held_out_reference_stack_mean_abs_throughput_error_pct:.2f}%"
        )
    if report.excluded_rows:
        names = ", ".join(x.id for x in report.excluded_rows)
        console.print(f"excluded before prediction (reasons in the YAML files): {names}")


# Commands of the other faces register here, one line each.
app.command("excel")(__import__("xlcompute.excel_setup", fromlist=["_"]).excel_command)
app.command("workbook")(__import__("xlcompute.workbook_command", fromlist=["_"]).workbook_command)
app.command("batch")(__import__("xlcompute.batch", fromlist=["_"]).batch_command)
app.command("proposal")(__import__("xlcompute.proposal_command", fromlist=["_"]).proposal_command)


def main() -> None:
    """Console-script entry point."""
    app()


