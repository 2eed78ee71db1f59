"""Layout planning for a scenario: search TP/CP/PP/DP layouts with the step-time model (seed 004).

Orchestration only: the search runs the step-time graph on the scenario's resolved inputs (the
very numbers the estimate uses) and this module ranks and reports the best layouts. The
recommendation searches the features the validation data covers (``xlcompute validate``):
ZeRO 0/1, no TP overlap, no offload; context parallelism is searched only for sequences of 16K
tokens and more, which no validation run reaches either (it is the only way such sequences fit).
``explore=True`` opens every option the model knows, offload of optimizer states, weights and
activations included where the card has an offload tier. When nothing in the recommended space
fits, the plan widens by itself to what saves memory there, ZeRO-2/3 and the offload tier
(``WIDEN_OPTIONS``, ``PlanReport.widened``), rather than refusing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from xlcompute.core.params import ModelArch
from xlcompute.fmt import layout_text
from xlcompute.planner.inputs import Execution, PlannerError
from xlcompute.planner.search import SearchOptions, SearchResult, search
from xlcompute.planner.steptime import StepResult

__all__ = ["PlanRow", "PlanReport", "plan_layouts", "RECOMMEND_OPTIONS", "EXPLORE_OPTIONS", "WIDEN_OPTIONS",
           "OFFLOAD_KEYS"]

# Planning a scenario: any card count (idle cards allowed), the batch rounded to each layout,
# uneven pipeline stages and uneven interleaved chunks (modelled; docs/validation.md says what is measured);
# the recommendation keeps to the options the validation covers (ZeRO 0/1, no TP overlap, no
# offload), ``explore`` opens every option.
_PLANNING = {"round_batch": True, "idle_cards": True, "uneven_stages": True, "unequal_chunks": True, "top_k": 10}
RECOMMEND_OPTIONS = SearchOptions(zero_stages=(0, 1), offload_optimizer=(False,), offload_weights=(False,),
                                  offload_activations=(False,), tp_overlap=(False,), **_PLANNING)
EXPLORE_OPTIONS = SearchOptions(**_PLANNING)
#: Searched when nothing in the recommended space fits: only what saves memory (ZeRO-2/3, the offload
#: tier), not TP overlap, which saves none; about the recommended space's size without a tier.
WIDEN_OPTIONS = EXPLORE_OPTIONS.model_copy(update={"tp_overlap": (False,)})
#: The settings of a layout that need the least memory (each lowers it or leaves it: ZeRO-3
#: partitions every state, one sequence per micro-batch keeps the fewest in flight, sequence
#: parallelism splits the kept activations, interleaving only adds warm-up ones); with the offload
#: kinds the tier holds, :func:`plan_layouts` searches these first when nothing else fits.
_FLOOR: dict[str, object] = {"zero_stages": (3,), "max_micro_batch": 1, "sequence_parallel": (True,),
                             "max_interleave": 1, "tp_overlap": (False,)}
#: The graph's offload flags and the search options that enumerate them.
OFFLOAD_KEYS: tuple[str, ...] = ("offload_optimizer", "offload_weights", "offload_activations")


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
    fits: bool = Field(True, description="False when no layout fits and best holds the lightest one")
    node_local_tp: bool = Field(True, description="tensor parallelism kept inside a server")
    widened: bool = Field(False, description="no layout of the validated space (ZeRO 0/1, no offload, no TP overlap) "
                          "fits: the best with ZeRO-2/3 and, where the card has one, the offload tier (WIDEN_OPTIONS)")


def plan_layouts(
    arch: ModelArch,
    values: Mapping[str, float],
    explore: bool = False,
    top_k: int = 10,
    on_progress: Callable[[int, int], None] | None = None,
    allow_no_fit: bool = False,
) -> PlanReport:
    """Search every valid layout for the resolved inputs ``values`` and rank the fastest that fit.

    ``values["batch_target"]`` is the target batch in sequences, rounded to each layout. With
    ``allow_no_fit`` (the MFU is given, so time and cost need no prediction) a cluster on which
    nothing fits gets the lightest layout, marked ``fits=False``, instead of an error.

    The training stack (flash attention, asynchronous TP backward, bytes per parameter and per
    optimizer state) is read from ``values`` and holds for every layout of the search; so do the
    offload kinds when ``values`` asks for any (the scenario's ``training.offload``).
    """
    cards, batch = int(values["gpu_count"]), int(round(values["batch_target"]))
    started = time.perf_counter()
    found, node_local = _search(values, EXPLORE_OPTIONS if explore else RECOMMEND_OPTIONS, top_k, on_progress)
    widened = False
    if not found.best and not explore:
        # Nothing the validation covers fits (ZeRO 0/1, no offload): a plan on ZeRO-2/3 or on the card's
        # offload tier is still a plan (seed 004's trillion-parameter study), marked as outside that space.
        tier = values.get("offload_gb", 0) > 0 and values.get("offload_gbs", 0) > 0
        widen = WIDEN_OPTIONS if tier else WIDEN_OPTIONS.model_copy(update={"zero_stages": (2, 3)})
        # Each layout at its lightest first (ZeRO-3, everything the tier holds offloaded, micro-batch
        # 1, sequence parallelism, no interleaving; every structure and recomputation mode): when none
        # of those fits, no setting of the wider space does, and its lightest is the lightest of all.
        floor, floor_local = _search(values, widen.model_copy(update=_FLOOR | ({
            "offload_optimizer": (True,), "offload_weights": (True,), "offload_activations": (True,)} if tier else {})),
            top_k, on_progress)
        wide, wide_local = (_search(values, widen, top_k, on_progress) if floor.best else (floor, floor_local))
        if wide.best or wide.lightest is not None:
            found, node_local, widened = wide, wide_local, bool(wide.best)
    seconds = time.perf_counter() - started
    if not found.best:
        light = found.lightest
        if light is None or not allow_no_fit:
            ex = None if light is None else light.execution
            tier_need = 0.0 if light is None else light.result.offload_tier_per_gpu / 1e9
            host = (f" and {tier_need:,.1f} GB of the {values.get('offload_gb', 0):,.0f} GB host memory per card"
                    if tier_need > 0 else "")
            need = "" if light is None or ex is None else (
                f"; the lightest layout, {layout_text(ex.tp, ex.cp, ex.pp, ex.dp, ex.ep)} with ZeRO-{ex.zero_stage}"
                f"{_offload_text(ex)} and {ex.recompute} recomputation, needs {light.result.mem_per_gpu / 1e9:,.1f} GB"
                f"{host}")
            tier = "" if values.get("offload_gb", 0) > 0 and values.get("offload_gbs", 0) > 0 else (
                ", give the servers' host memory as an offload tier (cluster.offload_gb and cluster.offload_gbs)")
            raise PlannerError(
                f"cluster.cards ({cards:,}): no layout of {cards:,} {'card' if cards == 1 else 'cards'} fits the model "
                f"in {values['gpu_hbm_gb']:.3g} GB "
                f"per card{need}; add cards, use a card with more memory{tier}, or give assumptions.mfu to estimate "
                "time and cost anyway"
            )
        row = PlanRow(rank=1, execution=light.execution, result=light.result)
        return PlanReport(cards=cards, global_batch=batch, candidates_evaluated=found.candidates_evaluated,
                          candidates_fitting=0, search_seconds=seconds, explore=explore, best=[row], fits=False,
                          node_local_tp=node_local)
    rows = [PlanRow(rank=c.rank, execution=c.execution, result=c.result) for c in found.best]
    return PlanReport(cards=cards, global_batch=batch, candidates_evaluated=found.candidates_evaluated,
                      candidates_fitting=found.candidates_fitting, search_seconds=seconds, explore=explore or widened,
                      best=rows, node_local_tp=node_local, widened=widened)


def _offload_text(ex: Execution) -> str:
    kinds = [{"optimizer": "optimizer states"}.get(k, k) for k in ex.offloaded]
    return f", {', '.join(kinds)} offloaded" if kinds else ""


def _search(values: Mapping[str, float], base: SearchOptions, top_k: int,
            on_progress: Callable[[int, int], None] | None) -> tuple[SearchResult, bool]:
    """One search of ``base``'s space with the scenario's training stack; TP inside a server first."""
    opts = base.model_copy(update={
        "top_k": top_k,
        "bytes_param": values["param_bytes"],
        "bytes_grad": values["grad_bytes"],
        "bytes_optimizer": values["optimizer_bytes"],
        "flash_attention": bool(values["flash_attention"]),
        "tp_async_backward": bool(values["tp_async_backward"]),
        # mixture of experts and precision: the scenario's, for every layout (EP is searched)
        "capacity_factor": values.get("capacity_factor", 1.0),
        "a2a_overlap": values.get("a2a_overlap", 0.0),
        "a2a_dedup": bool(values.get("a2a_dedup", 0.0)),
        "moe_sync_ms": values.get("moe_sync_ms", 0.0),
        "precision_peak_ratio": values.get("precision_peak_ratio", 1.0),
    })
    if values.get("tp_overlap", 0):  # the scenario's training.tp_overlap: its framework overlaps TP
        opts = opts.model_copy(update={"tp_overlap": (True,)})
    if values.get("ep", 1) > 1:  # the scenario's training.ep: the search keeps it
        opts = opts.model_copy(update={"expert_parallel": (int(values["ep"]),)})
    if any(values.get(k, 0) for k in OFFLOAD_KEYS):
        opts = opts.model_copy(update={k: (bool(values[k]),) for k in OFFLOAD_KEYS})
    cards, batch = int(values["gpu_count"]), int(round(values["batch_target"]))
    # Tensor parallelism inside a server whenever such a layout fits (its collectives run every
    # layer); across servers only when nothing node-local does.
    node = int(values["cards_per_node"])
    found = search(values, cards, batch, opts.model_copy(update={"max_tp": min(opts.max_tp, node)}), on_progress)
    if not found.best and opts.max_tp > node:
        return search(values, cards, batch, opts, on_progress), False
    return found, True
