"""Proof with a real spreadsheet engine: LibreOffice recalculates the workbooks and every named
figure equals the Python ``estimate()`` within 1e-9 relative, before and after editing inputs.

All workbooks go through ONE headless LibreOffice run (starting it is most of the cost).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import scenario_with
from lo_recalc import recalc, soffice

from xlcompute._graph import INPUT_KEYS, STEPS
from xlcompute.core import schedule
from xlcompute.estimate import Estimate, estimate
from xlcompute.scenario import Scenario, default_scenario, load_scenario
from xlcompute.workbook import write_workbook

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed; "
                       "run scripts/install-system-deps.sh"),
]

EXAMPLES = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios"
REL = 1e-9
# (workbook input name -> new value) and the scenario with the same change.
EDITS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "cards": ({"gpu_count": 2000, "dp": 50}, {"cluster__cards": 2000}),
    "mfu": ({"mfu": 0.47}, {"assumptions__mfu": 0.47}),
    "accelerator": ({"gpu_choice": "B200"}, {"cluster__accelerator": "B200"}),
    "model": ({"model_choice": "llama3.1-70b"}, {"model": {"preset": "llama3.1-70b"}}),
    "fp8": ({"precision_choice": "fp8"}, {"training__precision": "fp8"}),
}


def _cell(wb: openpyxl.Workbook, name: str):  # type: ignore[no-untyped-def]
    (sheet, coord), = list(wb.defined_names[name].destinations)
    return wb[sheet][coord.replace("$", "")]


def _close(a: Any, b: float) -> bool:
    return isinstance(a, (int, float)) and not isinstance(a, bool) and math.isclose(a, b, rel_tol=REL, abs_tol=1e-300)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory, custom_scenario: Scenario,
                 override_scenario: Scenario) -> dict[str, tuple[Path, Scenario, Estimate]]:
    src = tmp_path_factory.mktemp("generated")
    cases: dict[str, tuple[Scenario, str]] = {
        "default_en": (default_scenario(), "en"),
        "default_zh": (default_scenario(), "zh"),
        "custom": (custom_scenario, "en"),
        "override": (override_scenario, "en"),
    }
    for f in sorted(EXAMPLES.glob("*.yaml")):
        cases[f"example_{f.stem}"] = (load_scenario(f), "en")
    files: dict[str, Path] = {}
    expected: dict[str, tuple[Scenario, Estimate]] = {}
    for key, (sc, lang) in cases.items():
        files[key] = write_workbook(sc, src / f"{key}.xlsx", lang)
        expected[key] = (sc, estimate(sc))
    # Edited copies: change input cells the way a user would, then let LibreOffice recalculate.
    for key, (cells, changes) in EDITS.items():
        wb = openpyxl.load_workbook(files["default_en"])
        for name, value in cells.items():
            _cell(wb, name).value = value
        path = src / f"edit_{key}.xlsx"
        wb.save(path)
        files[f"edit_{key}"] = path
        sc = scenario_with(**changes)
        expected[f"edit_{key}"] = (sc, estimate(sc))
    out = recalc(list(files.values()), tmp_path_factory.mktemp("recalculated"))
    return {key: (path, *expected[key]) for key, path in zip(files, out)}


def _check(path: Path, result: Estimate, sensitivity_headers_from: Estimate | None = None) -> None:
    wb = openpyxl.load_workbook(path, data_only=True)
    errors = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
              if c.data_type == "e" or (isinstance(c.value, str) and c.value.startswith("#") and c.value.endswith(("!", "?", "A")))]
    assert not errors, errors[:10]
    values = result.values()
    wrong = []
    for key in (*INPUT_KEYS, *(s.key for s in STEPS)):
        got = _cell(wb, key).value
        if not _close(got, values[key]):
            wrong.append(f"{key}: LibreOffice {got!r} vs estimate {values[key]!r}")
    assert not wrong, wrong
    # Sensitivity: the grid equals the core over the header cells written for this scenario.
    ws = wb["Sensitivity"]
    sens = (sensitivity_headers_from or result).sensitivity
    mfus = [ws.cell(row=5, column=2 + j).value for j in range(len(sens.mfus))]
    cards = [ws.cell(row=6 + i, column=1).value for i in range(len(sens.cards))]
    assert mfus == pytest.approx(sens.mfus) and cards == sens.cards
    for i, n in enumerate(cards):
        for j, m in enumerate(mfus):
            want = schedule.train_days(values["train_flops"], n, values["peak_flops"], m)
            assert _close(ws.cell(row=6 + i, column=2 + j).value, want), (n, m)
    if sensitivity_headers_from is None:
        budget_first = 6 + len(cards) + 3
        got_budget = [ws.cell(row=budget_first + i, column=2).value for i in range(len(cards))]
        assert all(_close(g, w) for g, w in zip(got_budget, sens.budget)), (got_budget, sens.budget)


@pytest.mark.parametrize("case", ["default_en", "default_zh", "custom", "override"])
def test_named_results_equal_estimate(recalculated: dict, case: str) -> None:  # type: ignore[type-arg]
    path, _sc, result = recalculated[case]
    _check(path, result)


def test_examples_equal_estimate(recalculated: dict) -> None:  # type: ignore[type-arg]
    examples = [k for k in recalculated if k.startswith("example_")]
    assert len(examples) >= 4
    for key in examples:
        path, _sc, result = recalculated[key]
        _check(path, result)


@pytest.mark.parametrize("edit", list(EDITS))
def test_edited_inputs_recalculate(recalculated: dict, edit: str) -> None:  # type: ignore[type-arg]
    path, _sc, result = recalculated[f"edit_{edit}"]
    # The sensitivity headers stay as written for the original scenario (they are inputs).
    _check(path, result, sensitivity_headers_from=recalculated["default_en"][2])
    before = recalculated["default_en"][2]
    if edit in ("cards", "mfu", "accelerator"):
        assert result["train_days"] != pytest.approx(before["train_days"])
