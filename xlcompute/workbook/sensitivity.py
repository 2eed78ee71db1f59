"""The Sensitivity sheet: training days for card counts × MFU and the budget per card count, each
cell the graph's own formula over its row and column headers (``inline_step``), with two charts."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference

from xlcompute import registry
from xlcompute.core.expr import Ref, excel_formula
from xlcompute.uncertainty import UncertaintyReport
from xlcompute.estimate import (
    SENSITIVITY_MIN_MFU,
    Sensitivity,
    sensitivity_cards,
    sensitivity_mfu_column,
    sensitivity_mfus,
)
from xlcompute.workbook._book import Book, col_letter
from xlcompute.workbook.styles import (
    finish_sheet,
    style_formula,
    style_header,
    style_input,
    style_lookup,
    style_note,
    style_section,
    style_title,
)
from xlcompute.workbook.inline import inline_step
from xlcompute.workbook.text import input_label, sheet_title, text
from xlcompute.workbook.tornado import tornado_block

__all__ = ["sensitivity_sheet", "card_header_formula", "CARD_FACTORS"]

# Card-count factors of the Sensitivity rows: the same as estimate.sensitivity_cards (checked when a
# workbook is built, so the two cannot drift apart silently).
CARD_FACTORS: tuple[float, ...] = (0.25, 0.5, 1, 1.5, 2, 4)


def sensitivity_sheet(b: Book, mfu: float, group: int, report: UncertaintyReport | None = None,
                      sens: Sensitivity | None = None) -> None:
    """The Sensitivity sheet; ``sens`` (the estimate's own grid) gives the cells' cached values."""
    ws, lang, sc = b.ws["sensitivity"], b.lang, b.scenario
    cards = sensitivity_cards(sc.cluster.cards, group)
    factors = _card_factors(sc.cluster.cards, cards, group)
    mfus = sensitivity_mfus(mfu)  # the resolved MFU: the scenario's, or the step-time model's
    linked = mfus.index(sensitivity_mfu_column(mfu))  # this column follows the MFU input
    style_title(ws.cell(row=1, column=1, value=sheet_title("sensitivity", lang)))
    style_note(ws.cell(row=2, column=1, value=text("sens_note", lang)))
    style_section(ws.cell(row=4, column=1, value=text("sens_days", lang)))
    head = 5
    style_header(ws.cell(row=head, column=1, value=text("sens_corner", lang)))
    for j, m in enumerate(mfus):
        # The linked column is the MFU input, rounded like estimate.sensitivity_mfus so the unedited
        # grid equals the estimate's. A step column whose value the edited input lands on shows
        # the built MFU instead, so no two columns repeat a value.
        column = f"MAX(ROUND(mfu,4),{SENSITIVITY_MIN_MFU!r})"
        formula = f"={column}" if j == linked else f"=IF({column}={m!r},{mfus[linked]!r},{m!r})"
        c = ws.cell(row=head, column=2 + j, value=formula)
        (style_lookup if j == linked else style_input)(c)
        c.number_format = "0.0%"
    first = head + 1
    for i, f in enumerate(factors):
        r = first + i
        c = ws.cell(row=r, column=1, value=card_header_formula(f))
        style_lookup(c)  # green: follows the Inputs sheet, may be typed over
        c.number_format = "#,##0"
        for j in range(len(mfus)):
            col = col_letter(2 + j)
            expr = inline_step("train_days", {"gpu_count": Ref(f"$A{r}", key="card_header"),
                                              "mfu": Ref(f"{col}${head}", key="mfu_header")})
            formula = excel_formula(expr)
            cell = ws.cell(row=r, column=2 + j, value=formula)
            style_formula(cell)
            cell.number_format = "#,##0.0"
            if sens is not None:
                b.known[(ws.title, cell.coordinate)] = sens.days[i][j]
            if i == 0 and j == 0:
                b.sens_days_instance = formula
    last = first + len(cards) - 1
    b_title = last + 2
    style_section(ws.cell(row=b_title, column=1, value=text("sens_budget", lang)))
    style_header(ws.cell(row=b_title + 1, column=1, value=text("sens_cards", lang)))
    style_header(ws.cell(row=b_title + 1, column=2, value=input_label("total_budget", lang)))
    ws.row_dimensions[b_title + 1].height = 30
    b_first = b_title + 2
    for i in range(len(cards)):
        r = b_first + i
        c = ws.cell(row=r, column=1, value=f"=A{first + i}")
        style_formula(c)
        c.number_format = "#,##0"
        # At the plan's utilisation, as the estimate's sensitivity grid (estimate._sensitivity).
        expr = inline_step("total_budget", {"gpu_count": Ref(f"$A{r}", key="card_header"),
                                            "planned_utilisation": Ref("planned_utilisation")})
        formula = excel_formula(expr)
        c = ws.cell(row=r, column=2, value=formula)
        style_formula(c)
        c.number_format = registry.excel_format("total_budget", b.currency)
        if sens is not None:
            b.known[(ws.title, c.coordinate)] = sens.budget[i]
        if i == 0:
            b.sens_budget_instance = formula
    b_last = b_first + len(cards) - 1

    line = LineChart()
    line.title = text("chart_days", lang)
    line.y_axis.title = text("axis_days", lang)
    line.x_axis.title = text("sens_cards", lang)
    line.add_data(Reference(ws, min_col=2, max_col=1 + len(mfus), min_row=head, max_row=last),
                  titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    line.height, line.width = 8, 16
    ws.add_chart(line, f"{col_letter(3 + len(mfus))}4")
    bar = BarChart()
    bar.type = "col"
    bar.title = text("chart_budget", lang)
    bar.x_axis.title = text("sens_cards", lang)
    bar.y_axis.title = text(f"currency_{b.currency}", lang)
    bar.add_data(Reference(ws, min_col=2, min_row=b_title + 1, max_row=b_last), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=b_first, max_row=b_last))
    bar.height, bar.width = 8, 16
    bar.legend = None
    ws.add_chart(bar, f"{col_letter(3 + len(mfus))}21")
    if report is not None:
        tornado_block(b, ws, b_last + 3, report)
    widths = {"A": 16, **{col_letter(2 + j): 11 for j in range(len(mfus))}}
    widths["B"] = 18
    finish_sheet(ws, widths, b.footer, None)

# -- Formulas ---------------------------------------------------------------------------------


def card_header_formula(factor: float) -> str:
    """Excel text of a Sensitivity card-count header: ``factor`` × the card count input, whole cards.

    ``estimate.sensitivity_cards`` uses Python's ``round``, which rounds halves to even
    (round(62.5) = 62), while Excel's ROUND rounds them away from zero (63). The correction term
    subtracts 1 exactly when x ends in .5 and ROUND went up to an odd number (x mod 2 = 0.5), so
    the headers equal the estimate's for every card count. x is exact in binary for the factors
    used (quarters), so the test ``MOD(x,2)=0.5`` is exact.
    """
    x = "gpu_count" if factor == 1 else f"gpu_count*{factor:g}"
    # At least one replica of the layout (tp·cp·pp cards): fewer cannot run it.
    if float(factor).is_integer():
        return f"=MAX(tp*cp*pp,ROUND({x},0))"
    return f"=MAX(tp*cp*pp,ROUND({x},0)-IF(MOD({x},2)=0.5,1,0))"


def _card_factors(cards: int, wanted: list[int], group: int = 1) -> list[float]:
    """The factor of each distinct card count of ``sensitivity_cards(cards, group)``, in its order."""
    seen: dict[int, float] = {}
    for f in CARD_FACTORS:
        seen.setdefault(max(group, round(cards * f)), f)
    if sorted(seen) != wanted:  # a programming error: CARD_FACTORS no longer mirrors the estimate
        raise RuntimeError(f"CARD_FACTORS {CARD_FACTORS} do not reproduce sensitivity_cards: {wanted}")
    return [seen[n] for n in wanted]
