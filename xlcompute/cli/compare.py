"""``xlcompute compare``: the same job on several accelerators, side by side (xlcompute.compare)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from xlcompute.cli._common import SCENARIO_ARG, console, fail, read_scenario

if TYPE_CHECKING:
    from xlcompute.compare import Comparison

__all__ = ["compare_command"]

def _columns(cur: str) -> tuple[str, ...]:
    return ("Card", "Cards", "Days", "MFU (predicted)", "Layout TP·CP·PP·DP", "Memory / card GB", "IT kW",
            f"Capex M{cur}", f"Total budget M{cur}", f"Per 1T train tokens M{cur}", f"Per 1M served tokens {cur}",
            f"Own or rent (NPV M{cur})")


def _serving_columns(cur: str) -> tuple[str, ...]:
    """A serving fleet's columns: no run, so no days, MFU, layout or training memory."""
    return ("Card", "Cards", "Serving cards needed", "IT kW", f"Capex M{cur}", f"Total budget M{cur}",
            f"Per 1M served tokens {cur}", f"Own or rent (NPV M{cur})")


def _rows(c: Comparison, serving_only: bool = False) -> list[list[str]]:
    """One text row per card; a card that cannot run the job shows its reason across the table."""
    from xlcompute import fmt

    width = len(_serving_columns(c.currency) if serving_only else _columns(c.currency))

    def money(x: float | None) -> str:  # millions: a table of nine-digit sums is unreadable
        return "" if x is None else fmt.number(x / 1e6, 1)

    rows = []
    for a in c.alternatives:
        if not a.ok:
            # The reason is a sentence: printed below the table, where it is not folded into a column.
            rows.append([a.accelerator, "—", "cannot run (below)", *[""] * (width - 3)])
            continue
        own = ("own" if a.own_cheaper else "rent") + f" ({money(a.npv_own)} vs {money(a.npv_rent)})"
        if serving_only:
            rows.append([a.accelerator, fmt.count(a.cards or 0), fmt.count(a.serving_cards or 0),
                         fmt.number(a.it_power_kw or 0.0, 0), money(a.capex_total), money(a.total_budget),
                         f"{a.cost_per_million_served_tokens or 0.0:,.2f}", own])
            continue
        rows.append([
            a.accelerator, fmt.count(a.cards), fmt.number(a.train_days, 1),
            f"{a.mfu:.1%} ({a.predicted_mfu:.1%})", a.layout.replace("TP", "").replace("CP", "").replace("PP", "")
            .replace("DP", ""), f"{fmt.number(a.mem_per_gpu_gb, 1)} of {fmt.number(a.hbm_gb, 0)}"
            + ("" if a.mem_fits else " DOES NOT FIT"),
            fmt.number(a.it_power_kw, 0), money(a.capex_total), money(a.total_budget),
            money(a.cost_per_trillion_tokens), f"{a.cost_per_million_served_tokens:,.2f}", own,
        ])
    return rows


def compare_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    gpu: Optional[list[str]] = typer.Option(
        None, "--gpu", "-g",
        help="A catalog card to compare (repeat: --gpu H800 --gpu H20). Default: the scenario's card and "
             "the usual cards of its currency."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """The same job on several accelerators: cards, days, MFU, memory, power, capex, budget, cost per
    token. Prices the scenario gives stay; prices it leaves out follow each card and the currency."""
    from rich.table import Table

    from xlcompute.compare import compare

    sc = read_scenario(scenario)
    try:
        result = compare(sc, gpu or None)
    except ValueError as exc:
        fail([str(exc)])
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    serving_only = sc.training is None
    deadline = "" if result.deadline_days is None else f", cards for {result.deadline_days:g} days"
    if serving_only:  # the job is the serving demand; each card gets the servers it needs
        title = (f"{sc.name}: {result.model_name} serving {sc.serving.users:,} concurrent users, each card with "
                 f"the servers its demand needs (budget over {result.years:g} years)")
    else:
        title = (f"{sc.name}: {result.model_name} on {result.train_tokens / 1e12:g}T tokens{deadline} "
                 f"(budget over {result.years:g} years; per 1T tokens at the rental price)")
    table = Table(title=title, title_justify="left")
    for name in (_serving_columns if serving_only else _columns)(result.currency):
        table.add_column(name, overflow="fold")
    for row in _rows(result, serving_only):
        table.add_row(*row)
    console.print(table)
    for a in result.alternatives:
        if not a.ok:
            console.print(f"{a.accelerator} cannot run the job: {a.reason}", highlight=False, markup=False)
        for n in a.notes:
            console.print(f"note — {a.accelerator}: {n}", highlight=False, markup=False)
