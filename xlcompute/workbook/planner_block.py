"""The Training sheet's layout-planner block: the best layouts of the step-time model, as static
values (the search has no spreadsheet form); layout 1 is the layout the live sheets compute."""

from __future__ import annotations

from collections.abc import Callable

from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break

from xlcompute.core.units import GB
from xlcompute.estimate import PlanReport, SizedTry
from xlcompute.workbook._book import PLAN_ROWS, Book, col_letter
from xlcompute.workbook.styles import style_header, style_note, style_plain, style_section, style_static, wrapped_height
from xlcompute.workbook.text import input_label, text

__all__ = ["planner_block"]


def planner_block(b: Book, plan: PlanReport, deadline_plan: SizedTry | None = None, out_of_reach: bool = False) -> None:
    """The best layouts of the step-time model (seed 004) below the Training results.

    Static values, not formulas: the layout search runs in Python (NumPy over thousands of
    layouts) and has no spreadsheet form. The block carries no defined names, so nothing
    that reads the named results (tests, other tools) mistakes it for a live figure.
    ``deadline_plan``: the cards the deadline sizing plans, each count at its own layout, MFU and
    ETTR (``Estimate.deadline_plan``: the count the CLI and the proposal give), beside the Goodput
    sheet's live count, which keeps this layout's MFU and ETTR. ``out_of_reach``
    (``Estimate.deadline_out_of_reach``): the sizing found no cluster, and the row says so, as the CLI
    and the proposal do.
    """
    ws, lang = b.ws["training"], b.lang
    rows = plan.best[:PLAN_ROWS]
    searched = not b.scenario.layout_fixed
    r = b.next_row["training"] + 1
    # The block starts a printed page, so it is never split from its headers.
    ws.row_breaks.append(Break(id=r - 1))
    width = 1 + max(len(rows), 2)  # merged note rows span the label and the layout columns
    style_section(ws.cell(row=r, column=1, value=text("plan_title", lang)))
    for c in range(2, width + 1):
        style_section(ws.cell(row=r, column=c))
    r += 1
    notes = [text("plan_static", lang), text("plan_search" if searched else "plan_fixed", lang)]
    if b.mfu_open:
        notes.append(text("plan_mfu_used", lang))
    span = 52 + 22 + 16 + 26 + 12 * max(0, width - 4)
    for note in (notes[0], " ".join(notes[1:])):
        cell = ws.cell(row=r, column=1, value=note)
        style_note(cell)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.row_dimensions[r].height = wrapped_height([(note, span)], font_pt=9)
        r += 1
    figures: list[tuple[str, float | str, str]] = [("plan_evaluated", plan.candidates_evaluated, "#,##0"),
                                                   ("plan_fitting", plan.candidates_fitting, "#,##0")]
    if deadline_plan is not None:
        figures += [("plan_deadline_cards", deadline_plan.cards, "#,##0"),
                    ("plan_deadline_days", deadline_plan.train_days, "0.0")]
    elif out_of_reach:
        figures.append(("plan_deadline_cards", text("plan_deadline_none", lang), "@"))
    for key, value, number_format in figures:
        label = text(key, lang)
        style_plain(ws.cell(row=r, column=1, value=label), wrap=True)  # column A is 52 wide; B holds the value
        ws.row_dimensions[r].height = wrapped_height([(label, 52)])
        c = ws.cell(row=r, column=2, value=value)
        style_static(c)
        c.number_format = number_format
        r += 1
    r += 1
    style_header(ws.cell(row=r, column=1, value=text("plan_layout", lang)))
    for j, row in enumerate(rows):
        style_header(ws.cell(row=r, column=2 + j, value=row.rank))
    r += 1
    yes, no = text("yes", lang), text("no", lang)
    lines: list[tuple[str, str, Callable[..., object]]] = [
        (input_label("tp", lang), "0", lambda x: x.execution.tp),
        # Context parallelism and offload rows only when a listed layout uses them.
        *([(input_label("cp", lang), "0", lambda x: x.execution.cp)] if any(x.execution.cp > 1 for x in rows) else []),
        (input_label("pp", lang), "0", lambda x: x.execution.pp),
        (input_label("dp", lang), "#,##0", lambda x: x.execution.dp),
        # expert parallelism (carved from DP) only for a mixture-of-experts plan
        *([(input_label("ep", lang), "0", lambda x: x.execution.ep)] if any(x.execution.ep > 1 for x in rows) else []),
        (input_label("micro_batch", lang), "0", lambda x: x.execution.micro_batch),
        (text("plan_interleave", lang), "0", lambda x: x.execution.interleave),
        (text("plan_recompute", lang), "@", lambda x: text("rec_partial", lang).format(k=x.execution.recompute_layers)
         if x.execution.recompute_layers else text(f"rec_{x.execution.recompute}", lang)),
        (text("plan_sp", lang), "@", lambda x: yes if x.execution.sequence_parallel else no),
        (input_label("zero_stage", lang), "0", lambda x: x.execution.zero_stage),
        *([(text("plan_offload", lang), "@",
            lambda x: ("、" if lang == "zh" else ", ").join(text(f"off_{k}", lang) for k in x.execution.offloaded)
            or text("off_none", lang))]
          if any(x.execution.offloaded for x in rows) else []),
        (text("plan_batch", lang), "#,##0", lambda x: x.execution.global_batch),
        (text("plan_step", lang), "0.000", lambda x: x.result.predicted_step_seconds),
        (text("plan_mfu", lang), "0.0%", lambda x: x.result.predicted_mfu),
        (text("plan_mem", lang), "#,##0.00", lambda x: x.result.mem_per_gpu / GB),
    ]
    for label, fmt, get in lines:
        style_plain(ws.cell(row=r, column=1, value=label))
        for j, row in enumerate(rows):
            c = ws.cell(row=r, column=2 + j, value=get(row))
            style_static(c)
            c.number_format = fmt
        r += 1
    for j in range(len(rows)):
        col = col_letter(2 + j)
        if col not in ("B", "C", "D"):
            ws.column_dimensions[col].width = 12

# -- Sensitivity ----------------------------------------------------------------------------
