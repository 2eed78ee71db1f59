"""``xlcompute compare``: the same job on several accelerators, side by side (xlcompute.compare)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from xlcompute.cli._common import LANG_OPT, SCENARIO_ARG, SET_OPT, console, fail, read_scenario, scenario_title
from xlcompute.cli._text import check_lang, tr

if TYPE_CHECKING:
    from xlcompute.compare import Alternative, Comparison

__all__ = ["compare_command"]

def _units(cur: str, lang: str) -> dict[str, str]:
    return {"cur": cur, "unit": {"CNY": "元", "USD": "美元"}.get(cur, cur)}


def _columns(cur: str, lang: str = "en") -> tuple[str, ...]:
    u = _units(cur, lang)
    return tuple(tr(k, lang, **u) for k in ("col_card", "col_cards", "col_days", "col_mfu", "col_layout", "col_mem",
                                            "col_kw", "col_capex", "col_budget", "col_per_t", "col_per_m", "col_own"))


def _serving_columns(cur: str, lang: str = "en") -> tuple[str, ...]:
    """A serving fleet's columns: no run, so no days, MFU, layout or training memory."""
    u = _units(cur, lang)
    return tuple(tr(k, lang, **u) for k in ("col_card", "col_cards", "col_serving", "col_kw", "col_capex",
                                            "col_budget", "col_per_m", "col_own"))


def _rows(c: Comparison, serving_only: bool = False, lang: str = "en") -> list[list[str]]:
    """One text row per card; a card that cannot run the job shows its reason across the table.
    Amounts in millions (English) or 万 (Chinese, the unit a Chinese budget is read in)."""
    from xlcompute import fmt

    width = len(_serving_columns(c.currency) if serving_only else _columns(c.currency))
    scale, digits = (1e4, 0) if lang == "zh" else (1e6, 1)

    def money(x: float | None) -> str:  # millions / 万: a table of nine-digit sums is unreadable
        return "" if x is None else fmt.number(x / scale, digits)

    rows = []
    for a in c.alternatives:
        if not a.ok:
            # The reason is a sentence: printed below the table, where it is not folded into a column.
            rows.append([a.accelerator, "—", tr("cannot_run", lang), *[""] * (width - 3)])
            continue
        own = tr("own_value", lang, verdict=tr("own" if a.own_cheaper else "rent", lang), own=money(a.npv_own),
                 rent=money(a.npv_rent))
        if serving_only:
            rows.append([a.accelerator, fmt.count(a.cards or 0), fmt.count(a.serving_cards or 0),
                         fmt.number(a.it_power_kw or 0.0, 0), money(a.capex_total), money(a.total_budget),
                         _per_million(a), own])
            continue
        rows.append([
            a.accelerator, fmt.count(a.cards), fmt.number(a.train_days, 1),
            f"{a.mfu:.1%} ({a.predicted_mfu:.1%})", a.layout.replace("TP", "").replace("CP", "").replace("PP", "")
            .replace("DP", ""), tr("mem_of", lang, mem=fmt.number(a.mem_per_gpu_gb, 1), hbm=fmt.number(a.hbm_gb, 0))
            + ("" if a.mem_fits else tr("mem_no_fit", lang)),
            fmt.number(a.it_power_kw, 0), money(a.capex_total), money(a.total_budget),
            money(a.cost_per_trillion_tokens), _per_million(a), own,
        ])
    return rows


def _per_million(a: Alternative) -> str:
    """The inference model's cost per 10^6 output tokens; blank for a plan without serving users."""
    return "" if a.cost_per_million_output_tokens is None else f"{a.cost_per_million_output_tokens:,.2f}"


def compare_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    settings: Optional[list[str]] = SET_OPT,
    gpu: Optional[list[str]] = typer.Option(
        None, "--gpu", "-g",
        help="A catalog card to compare (repeat: --gpu H800 --gpu H20). Default: the scenario's card and "
             "the usual cards of its currency."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
    lang: str = LANG_OPT,
) -> None:
    """The same job on several accelerators: cards, days, MFU, memory, power, capex, budget, cost per
    token. Prices the scenario gives stay; prices it leaves out follow each card and the currency."""
    from rich.table import Table

    from xlcompute import fmt
    from xlcompute.compare import compare
    from xlcompute.estimate import sized_scenario

    check_lang(lang)
    sc = read_scenario(scenario, settings)
    try:
        result = compare(sc, gpu or None)
    except ValueError as exc:
        fail([str(exc)])
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    serving_only = sc.training is None
    # A serving fleet left unsized is titled with the cards it needs on its own card, as estimate titles it.
    name = scenario_title(sized_scenario(sc), lang)
    deadline = "" if result.deadline_days is None else tr("compare_deadline", lang, days=f"{result.deadline_days:g}")
    if serving_only:  # the job is the serving demand; each card gets the servers it needs
        title = tr("compare_title_serving", lang, name=name, model=result.model_name, users=f"{sc.serving.users:,}",
                   years=f"{result.years:g}")
    else:
        tokens = fmt.big_count(result.train_tokens, "zh") if lang == "zh" else f"{result.train_tokens / 1e12:g}T"
        title = tr("compare_title", lang, name=name, model=result.model_name, tokens=tokens, deadline=deadline,
                   years=f"{result.years:g}")
    table = Table(title=title, title_justify="left")
    for col in (_serving_columns if serving_only else _columns)(result.currency, lang):
        table.add_column(col, overflow="fold")
    for row in _rows(result, serving_only, lang):
        table.add_row(*row)
    console.print(table)
    for a in result.alternatives:
        if not a.ok:
            console.print(tr("cannot_run_line", lang, card=a.accelerator,
                             reason=_reason(a.why if lang == "zh" and a.why is not None else a.reason, lang)),
                          highlight=False, markup=False)
        for n in a.notes:
            console.print(tr("note_line", lang, card=a.accelerator, note=_note(n, lang)), highlight=False,
                          markup=False)


def _reason(reason: object, lang: str) -> str:
    """A card's refusal in ``lang`` (xlcompute.compare_words)."""
    from xlcompute.compare import Reason
    from xlcompute.compare_words import reason_words

    if lang != "zh" or not isinstance(reason, Reason):
        return str(reason)
    return reason_words(reason, "", lang)


def _note(note: object, lang: str) -> str:
    """A swap's note in ``lang`` (xlcompute.compare_words)."""
    from xlcompute.compare import Note
    from xlcompute.compare_words import note_words

    if lang != "zh" or not isinstance(note, Note):
        return str(note)
    return note_words(note, lang, labels=False)
