"""The committed workbooks in workbooks/ are exactly what the generator writes today.

Compared cell by cell (value, type), plus defined names, merged cells and drop-downs — not byte by
byte, since an .xlsx carries its creation time. Regenerate with ``make workbooks``.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from xlcompute.estimate import estimate
from xlcompute.workbook import build_workbook
from xlcompute.workbook.ready_made import ready_made

ROOT = Path(__file__).resolve().parents[2] / "workbooks"
READY = ready_made(ROOT)
HINT = "the committed workbook differs from the generator's output; run `make workbooks`"


def _snapshot(wb: openpyxl.Workbook) -> dict[str, object]:
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells[(ws.title, c.coordinate)] = (c.value, c.data_type, c.number_format)
    return {
        "sheets": wb.sheetnames,
        "cells": cells,
        "names": {k: v.attr_text for k, v in wb.defined_names.items()},
        "merged": {ws.title: sorted(str(r) for r in ws.merged_cells.ranges) for ws in wb.worksheets},
        "validations": {ws.title: sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation)
                        for ws in wb.worksheets},
    }


def test_the_ready_made_set() -> None:
    names = {r.path.name for r in READY}
    assert {"xlcompute-planner.xlsx", "xlcompute-planner-zh.xlsx"} <= names
    assert len([r for r in READY if r.scenario_file is not None]) >= 4
    assert {r.lang for r in READY} == {"en", "zh"}


@pytest.mark.parametrize("item", READY, ids=[r.path.name for r in READY])
def test_committed_workbook_is_current(item) -> None:  # type: ignore[no-untyped-def]
    assert item.path.is_file(), f"{item.path} is missing; {HINT}"
    buf = io.BytesIO()
    build_workbook(estimate(item.scenario()), item.lang).save(buf)
    buf.seek(0)
    fresh = _snapshot(openpyxl.load_workbook(buf))
    committed = _snapshot(openpyxl.load_workbook(item.path))
    assert committed["sheets"] == fresh["sheets"], HINT
    assert committed["names"] == fresh["names"], HINT
    diff = [k for k in fresh["cells"].keys() | committed["cells"].keys()  # type: ignore[attr-defined]
            if fresh["cells"].get(k) != committed["cells"].get(k)]  # type: ignore[attr-defined]
    assert not diff, f"{HINT}: {len(diff)} cells differ, e.g. {sorted(diff)[:5]}"
    assert committed["merged"] == fresh["merged"], HINT
    assert committed["validations"] == fresh["validations"], HINT
