"""``xlcompute compare``: the same job on several accelerators, side by side (xlcompute.compare)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from xlcompute.cli._common import (
    LANG_OPT,
    SCENARIO_ARG,
    SET_OPT,
    console,
    estimate_problem,
    fail,
    read_scenario,
    scenario_title,
)
from xlcompute.cli._text import HEAD_BREAK, check_lang, head_lines, tr

if TYPE_CHECKING:
    from rich.table import Table

    from xlcompute.compare import Alternative, Comparison

__all__ = ["compare_command"]

# Columns of one figure each: in a table too narrow for every word, the others fold first (_squeezed).
_FIGURES = frozenset({"col_cards", "col_days", "col_kw", "col_capex", "col_budget", "col_per_t", "col_per_m",
                      "col_serving"})
_TRAINING_KEYS = ("col_card", "col_cards", "col_days", "col_mfu", "col_layout", "col_mem", "col_kw", "col_capex",
                  "col_budget", "col_per_t", "col_per_m", "col_own")
_SERVING_KEYS = ("col_card", "col_cards", "col_serving", "col_kw", "col_capex", "col_budget", "col_per_m", "col_own")


def _units(cur: str, lang: str) -> dict[str, str]:
    return {"cur": cur, "unit": {"CNY": "元", "USD": "美元"}.get(cur, cur)}


def _columns(cur: str, lang: str = "en") -> tuple[str, ...]:
    u = _units(cur, lang)
    return tuple(tr(k, lang, **u) for k in _TRAINING_KEYS)


def _serving_columns(cur: str, lang: str = "en") -> tuple[str, ...]:
    """A serving fleet's columns: no run, so no days, MFU, layout or training memory."""
    u = _units(cur, lang)
    return tuple(tr(k, lang, **u) for k in _SERVING_KEYS)


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


def _table(title: str, keys: tuple[str, ...], heads: tuple[str, ...], rows: list[list[str]], width: int) -> Table:
    """The comparison as a rich table ``width`` columns wide: a column no row fills is left out (a
    training-only job has no cost per output token), and no word (a number, a layout) is broken
    across lines."""
    from rich.table import Table

    keep = [j for j in range(len(keys)) if any(row[j] for row in rows)]
    keys, heads = tuple(keys[j] for j in keep), [heads[j] for j in keep]
    rows = [[row[j] for j in keep] for row in rows]
    # each column's padding and border, and the closing border; a narrow console gets less padding first
    for pad in ((0, 1, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0)):
        room = width - (1 + pad[1] + pad[3]) * len(keys) - 1
        widths = _widths(heads, rows, room)
        if widths is not None:
            break
    else:  # narrower than the cells' words: the text columns fold, a figure keeps its width
        widths = _squeezed(rows, [k in _FIGURES for k in keys], room)
    table = Table(title=title, title_justify="left", padding=pad)
    for j, head in enumerate(heads):
        table.add_column(head_lines(head, widths[j]), overflow="fold", width=widths[j])
    for row in rows:
        table.add_row(*row)
    return table


def _widths(heads: list[str], rows: list[list[str]], room: int) -> list[int] | None:
    """Column widths within ``room`` that break lines only at spaces: each column gets its longest word
    (a header's longest words give way first, down to the cells' own, where the table fits no other way),
    then what is left goes to keeping cells, then headers, on one line, the columns that need least first.
    None when even the cells' words do not fit."""
    from rich.cells import cell_len

    def word(text: str) -> int:
        return max((cell_len(w) for w in text.replace(HEAD_BREAK, " ").split()), default=0)

    def line(text: str) -> int:
        return max((cell_len(x) for x in text.replace(HEAD_BREAK, "").split("\n")), default=0)

    body = [max((word(row[j]) for row in rows), default=0) for j in range(len(heads))]
    floor = [max(b, word(h)) for b, h in zip(body, heads)]
    # Chinese may break between any two characters: its header words give way before Latin ones
    latin = [max(b, max((len(w) for w in h.replace(HEAD_BREAK, " ").split() if cell_len(w) == len(w)), default=0))
             for b, h in zip(body, heads)]
    for bound in (latin, body):
        while sum(floor) > room:  # fold the header that is widest beyond its bound by one
            j = max(range(len(floor)), key=lambda k: floor[k] - bound[k])
            if floor[j] <= bound[j]:
                break
            floor[j] -= 1
    if sum(floor) > room:
        return None
    for whole in ([max((line(row[j]) for row in rows), default=0) for j in range(len(heads))],
                  [max(line(h), max((line(row[j]) for row in rows), default=0)) for j, h in enumerate(heads)]):
        want = [max(0, w - f) for w, f in zip(whole, floor)]
        spare = room - sum(floor)
        for j in sorted(range(len(floor)), key=lambda k: want[k]):  # the smallest needs first: most columns whole
            floor[j] += min(want[j], spare)
            spare -= min(want[j], spare)
    return floor


def _squeezed(rows: list[list[str]], figures: list[bool], room: int) -> list[int]:
    """Widths for a table narrower than its cells' words: each figure column its widest figure, the
    other columns what is left, shared by their own widest word (two cells at least: one Chinese character)."""
    from rich.cells import cell_len

    need = [max((cell_len(w) for row in rows for w in row[j].split()), default=1) for j in range(len(figures))]
    left = max(0, room - sum(n for n, f in zip(need, figures) if f))
    text = sum(n for n, f in zip(need, figures) if not f) or 1
    return [n if f else max(2, n * left // text) for n, f in zip(need, figures)]


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
    token. Each card is priced from the catalog in the currency; a quoted price stays with its own card
    (and with a card the catalog has no price for). Exit code 1 when no card can run the job (each says why)."""
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
        _exit_if_none_can_run(result)
        return
    serving_only = sc.training is None
    # A serving fleet left unsized is titled with the cards it needs on its own card, as estimate titles it.
    try:
        name = scenario_title(sized_scenario(sc), lang)
    except ValueError as exc:  # no cluster of the scenario's own card meets its deadline
        if not any(a.ok for a in result.alternatives):  # nor of any other: estimate's refusal, one line
            fail([estimate_problem(exc, sc, scenario, settings)])
        # another card can: the table, under the scenario's own name or one without the count it lacks
        name = (scenario_title(sc, lang) if "name" in sc.model_fields_set else
                tr("unsized_serving" if serving_only else "unsized_training", lang, model=result.model_name))
    deadline = "" if result.deadline_days is None else tr("compare_deadline", lang, days=f"{result.deadline_days:g}")
    if serving_only:  # the job is the serving demand; each card gets the servers it needs
        title = tr("compare_title_serving", lang, name=name, model=result.model_name, users=f"{sc.serving.users:,}",
                   years=f"{result.years:g}")
    else:
        tokens = fmt.big_count(result.train_tokens, "zh") if lang == "zh" else f"{result.train_tokens / 1e12:g}T"
        title = tr("compare_title", lang, name=name, model=result.model_name, tokens=tokens, deadline=deadline,
                   years=f"{result.years:g}")
    keys = _SERVING_KEYS if serving_only else _TRAINING_KEYS
    heads = (_serving_columns if serving_only else _columns)(result.currency, lang)
    console.print(_table(title, keys, heads, _rows(result, serving_only, lang), console.width))
    for a in result.alternatives:
        if not a.ok:
            console.print(tr("cannot_run_line", lang, card=a.accelerator,
                             reason=_reason(a.why if lang == "zh" and a.why is not None else a.reason, lang)),
                          highlight=False, markup=False)
        for n in a.notes:
            console.print(tr("note_line", lang, card=a.accelerator, note=_note(n, lang)), highlight=False,
                          markup=False)
    _exit_if_none_can_run(result)


def _exit_if_none_can_run(result: Comparison) -> None:
    """Exit code 1 after the table or JSON when no card can run the job, so a script sees it as estimate would
    (estimate refuses with 2: there the scenario is the problem; here each card's reason is in the output)."""
    if not any(a.ok for a in result.alternatives):
        raise typer.Exit(1)


def _reason(reason: object, lang: str) -> str:
    """A card's refusal in ``lang``: in Chinese, the estimate's whole line in the words --lang zh gives an input
    problem (xlcompute.cli._problems_zh: its numbers and advice, as the English line gives them) where they cover
    it, else the kind's sentence (xlcompute.compare_words)."""
    from xlcompute.cli._problems_zh import problem_zh
    from xlcompute.compare import Reason
    from xlcompute.compare_words import reason_words

    if lang != "zh" or not isinstance(reason, Reason):
        return str(reason)
    if reason.text and (zh := problem_zh(reason.text)) != reason.text:
        return zh
    return reason_words(reason, "", lang)


def _note(note: object, lang: str) -> str:
    """A swap's note in ``lang`` (xlcompute.compare_words)."""
    from xlcompute.compare import Note
    from xlcompute.compare_words import note_words

    if lang != "zh" or not isinstance(note, Note):
        return str(note)
    return note_words(note, lang, labels=False)
