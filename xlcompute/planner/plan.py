"""Layout planning for a scenario: search TP/PP/DP layouts with the step-time model (seed 004).

Orchestration only: the search runs the step-time graph on the scenario's resolved inputs (the
very numbers the estimate uses) and this module ranks and reports the best layouts. The
recommendation searches the features the validation data covers (``xlcompute validate``):
ZeRO 0/1, no TP overlap, no offload; ``explore=True`` opens every option the model knows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from xlcompute.core.params import ModelArch
from xlcompute.planner.inputs import Execution, PlannerError
from xlcompute.planner.search import SearchOptions, search
from xlcompute.planner.steptime import StepResult

__all__ = ["PlanRow", "PlanReport", "plan_layouts", "RECOMMEND_OPTIONS", "EXPLORE_OPTIONS"]

RECOMMEND_OPTIONS = SearchOptions(zero_stages=(0, 1), offload=(False,), tp_overlap=(False,), top_k=10)
EXPLORE_OPTIONS = SearchOptions(top_k=10)


class PlanRow(BaseModel):
    """One layout with its predicted step (``result.predicted_mfu`` counts the estimate's model FLOPs)."""

    model_config = ConfigDict(frozen=True)
    rank: int
    execution: Execution
    result: StepResult


class PlanReport(BaseModel):
    """The best layouts for a model on a cluster."""

    cards: int
    global_batch: int
    candidates_evaluated: int
    candidates_fitting: int
    search_seconds: float
    explore: bool
    best: list[PlanRow]


def plan_layouts(
    arch: ModelArch,
    values: Mapping[str, float],
    explore: bool = False,
    top_k: int = 10,
    on_progress: Callable[[int, int], None] | None = None,
) -> PlanReport:
    """Search every valid layout for the resolved inputs ``values`` and rank the fastest that fit.

    The training stack (flash attention, asynchronous TP backward, bytes per parameter and per
    optimizer state) is read from ``values`` and holds for every layout of the search.
    """
    if arch.is_moe:
        raise PlannerError(
            "the layout planner models dense transformers only; for a mixture-of-experts model set "
            "assumptions.mfu and training.tp / training.pp yourself"
        )
    base = EXPLORE_OPTIONS if explore else RECOMMEND_OPTIONS
    opts = base.model_copy(update={
        "top_k": top_k,
        "bytes_param": values["param_bytes"],
        "bytes_optimizer": values["optimizer_bytes"],
        "flash_attention": bool(values["flash_attention"]),
        "tp_async_backward": bool(values["tp_async_backward"]),
    })
    cards, batch = int(values["gpu_count"]), int(values["global_batch"])
    started = time.perf_counter()
    found = search(values, cards, batch, opts, on_progress)
    seconds = time.perf_counter() - started
    if not found.candidates_evaluated:
        raise PlannerError(
            f"no TP×PP×DP layout of {cards} cards fits global batch {batch}: the data-parallel degree must "
            f"divide the global batch and TP must divide the {int(values['heads'])} attention heads; choose a card "
            "count or a global batch with common factors (e.g. 1024 cards with batch 1024)"
        )
    if not found.best:
        raise PlannerError(
            f"no layout of {cards} cards fits the model in {values['gpu_hbm_gb']:g} GB per card with global "
            f"batch {batch}; add cards, use a card with more memory or change the batch"
        )
    rows = [PlanRow(rank=c.rank, execution=c.execution, result=c.result) for c in found.best]
    return PlanReport(cards=cards, global_batch=batch, candidates_evaluated=found.candidates_evaluated,
                      candidates_fitting=found.candidates_fitting, search_seconds=seconds, explore=explore,
                      best=rows)
