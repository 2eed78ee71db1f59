"""The layout planner: the step-time model, the layout search, planning for a scenario, validation.

- :mod:`~xlcompute.planner.inputs`: the model, system and execution as data (and their sources);
- :mod:`~xlcompute.planner.phases`: the step-time model, one list of named steps per phase;
- :mod:`~xlcompute.planner.steptime`: the phases as one graph, evaluated for one layout or many;
- :mod:`~xlcompute.planner.search`: every valid layout, scored in vectorised chunks;
- :mod:`~xlcompute.planner.plan`: the best layouts of a scenario;
- :mod:`~xlcompute.planner.validation`: published runs, predictions, statistics, calibration.
"""

from xlcompute.planner.inputs import (
    SOFTWARE_STACKS,
    STEP_CONSTANTS,
    Execution,
    PlannerError,
    SystemSpec,
)
from xlcompute.planner.plan import EXPLORE_OPTIONS, RECOMMEND_OPTIONS, PlanReport, PlanRow, plan_layouts
from xlcompute.planner.search import SearchOptions, SearchResult, search, search_layouts
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
    "search",
    "search_layouts",
    "step_time",
    "step_time_batch",
]
