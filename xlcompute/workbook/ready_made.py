"""The ready-made workbooks committed in ``workbooks/`` and how to regenerate them.

``python -m xlcompute.workbook.ready_made [FOLDER]`` (``make workbooks``) rewrites them from the
default scenario and the example scenarios in ``FOLDER/scenarios``; a test regenerates them in
memory and fails when a committed file's formulas, values or defined names differ.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from xlcompute.scenario import Scenario, default_scenario, load_scenario

if TYPE_CHECKING:
    from xlcompute.compare import Comparison
    from xlcompute.estimate import Estimate

__all__ = ["ReadyMade", "ready_made", "regenerate"]

# Example scenarios written in Chinese get a Chinese workbook.
_ZH_SCENARIOS = {"ascend-910b-2048-llama70b", "ascend-910b-2048-deepseek-v2"}


class ReadyMade(NamedTuple):
    path: Path
    scenario_file: Path | None  # None: the built-in default scenario
    lang: str

    def scenario(self) -> Scenario:
        return default_scenario() if self.scenario_file is None else load_scenario(self.scenario_file)


def ready_made(folder: str | Path = "workbooks") -> list[ReadyMade]:
    """Every committed workbook of ``folder``: the general planner (en, zh), and one per example
    scenario next to its file in ``folder/scenarios``."""
    root = Path(folder)
    out = [
        ReadyMade(root / "xlcompute-planner.xlsx", None, "en"),
        ReadyMade(root / "xlcompute-planner-zh.xlsx", None, "zh"),
    ]
    for f in sorted((root / "scenarios").glob("*.yaml")):
        out.append(ReadyMade(f.with_suffix(".xlsx"), f, "zh" if f.stem in _ZH_SCENARIOS else "en"))
    return out


def regenerate(folder: str | Path = "workbooks") -> list[Path]:
    """Rewrite every ready-made workbook of ``folder``; returns the paths written."""
    from xlcompute.compare import compare
    from xlcompute.estimate import estimate
    from xlcompute.workbook.builder import write_workbook

    written = []
    done: dict[Path | None, tuple[Estimate, Comparison]] = {}
    for r in ready_made(folder):
        # The English and Chinese planners share one scenario: estimate and compare it once.
        if r.scenario_file not in done:
            result = estimate(r.scenario())
            done[r.scenario_file] = (result, compare(result.scenario))
        result, comparison = done[r.scenario_file]
        written.append(write_workbook(result, r.path, r.lang, comparison))
    return written


if __name__ == "__main__":
    for written in regenerate(sys.argv[1] if len(sys.argv) > 1 else "workbooks"):
        print(f"wrote {written}")
