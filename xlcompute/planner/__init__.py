"""The layout planner: the step-time model, the layout search, planning for a scenario, validation.

- :mod:`~xlcompute.planner.inputs`: the model, system and execution as data (and their sources);
- :mod:`~xlcompute.planner.phases`: the step-time model, one list of named steps per phase;
- :mod:`~xlcompute.planner.steptime`: the phases as one graph, evaluated for one layout or many;
- :mod:`~xlcompute.planner.search`: every valid layout, scored in vectorised chunks;
- :mod:`~xlcompute.planner.plan`: the best layouts of a scenario;
- :mod:`~xlcompute.planner.validation`: published runs, predictions, statistics, calibration.
"""

import importlib
from typing import TYPE_CHECKING, Any

# Public names resolve on first use (PEP 562): the Excel functions import planner.inputs for the
# model mapping and must not pull NumPy and the search in with it.
_HOME = {
    "SOFTWARE_STACKS": "inputs", "STEP_CONSTANTS": "inputs", "Execution": "inputs", "PlannerError": "inputs",
    "SystemSpec": "inputs", "EXPLORE_OPTIONS": "plan", "RECOMMEND_OPTIONS": "plan", "PlanReport": "plan",
    "PlanRow": "plan", "plan_layouts": "plan", "SearchOptions": "search", "SearchResult": "search",
    "search_layouts": "search", "RESULT_KEYS": "steptime", "STEP_GRAPH": "steptime",
    "LayoutBatch": "steptime", "StepBreakdown": "steptime", "StepResult": "steptime",
    "TransformerShape": "steptime", "step_time": "steptime", "step_time_batch": "steptime",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from xlcompute.planner.inputs import SOFTWARE_STACKS, STEP_CONSTANTS, Execution, PlannerError, SystemSpec
    from xlcompute.planner.plan import EXPLORE_OPTIONS, RECOMMEND_OPTIONS, PlanReport, PlanRow, plan_layouts
    from xlcompute.planner.search import SearchOptions, SearchResult, search_layouts
    from xlcompute.planner.steptime import (
        RESULT_KEYS,
        STEP_GRAPH,
        LayoutBatch,
        StepBreakdown,
        StepResult,
        TransformerShape,
        step_time,
        step_time_batch,
    )


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'xlcompute.planner' has no attribute {name!r}")
    return getattr(importlib.import_module(f"xlcompute.planner.{module}"), name)


__all__ = [
    "EXPLORE_OPTIONS",
    "RECOMMEND_OPTIONS",
    "RESULT_KEYS",
    "SOFTWARE_STACKS",
    "STEP_CONSTANTS",
    "STEP_GRAPH",
    "Execution",
    "LayoutBatch",
    "PlanReport",
    "PlanRow",
    "PlannerError",
    "SearchOptions",
    "SearchResult",
    "StepBreakdown",
    "StepResult",
    "SystemSpec",
    "TransformerShape",
    "plan_layouts",
    "search_layouts",
    "step_time",
    "step_time_batch",
]
