"""Layout planning for a scenario: search TP/PP/DP layouts with the step-time model (seed 004).

Orchestration only: builds the core's ``TransformerShape`` and ``SystemSpec`` from a scenario's
resolved inputs, runs ``core.layout_search.search_layouts`` and reports the best layouts. The
recommendation searches the features the validation data covers (``xlcompute validate``):
ZeRO 0/1, no TP-overlap, no offload; ``explore=True`` opens every option the model knows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from xlcompute.core.compute import recompute_extra_forward, train_flops_attn
from xlcompute.core.layout_search import SearchOptions, search_layouts
from xlcompute.core.params import ModelArch
from xlcompute.core.steptime import (
    SOFTWARE_STACKS,
    Execution,
    StepResult,
    SystemSpec,
    TransformerShape,
    step_time,
)
from xlcompute.core.units import GB, gbit_to_bytes_per_s, tera

__all__ = [
    "PlanRow",
    "PlanReport",
    "PlannerError",
    "shape_for",
    "system_for",
    "plan_layouts",
    "evaluate_layout",
    "RECOMMEND_OPTIONS",
    "EXPLORE_OPTIONS",
]

RECOMMEND_OPTIONS = SearchOptions(zero_stages=(0, 1), offload=(False,), tp_overlap=(False,), top_k=10)
EXPLORE_OPTIONS = SearchOptions(top_k=10)


class PlannerError(ValueError):
    """The planner cannot model this scenario (e.g. a mixture-of-experts model)."""


class PlanRow(BaseModel):
    """One layout with its predicted step."""

    model_config = ConfigDict(frozen=True)
    rank: int
    execution: Execution
    result: StepResult
    mfu_estimate: float  # MFU on the estimate's own FLOP count (see plan_layouts)


class PlanReport(BaseModel):
    """The best layouts for a model on a cluster."""

    cards: int
    global_batch: int
    candidates_evaluated: int
    candidates_fitting: int
    search_seconds: float
    explore: bool
    best: list[PlanRow]


def shape_for(arch: ModelArch, seq_len: int, params: float) -> TransformerShape:
    """The step-time model's view of a dense architecture."""
    if arch.experts:
        raise PlannerError(
            "the layout planner models dense transformers only; for a mixture-of-experts model set "
            "assumptions.mfu and training.tp / training.pp yourself"
        )
    return TransformerShape(
        layers=arch.layers,
        hidden=arch.hidden,
        heads=arch.heads,
        kv_heads=arch.kv_heads,
        ffn_hidden=arch.ffn_hidden,
        gated_ffn=arch.gated_ffn,
        vocab=max(arch.vocab, 1),
        seq_len=seq_len,
        params=int(params),
    )


def system_for(v: Mapping[str, float], software: str = "megatron-lm") -> SystemSpec:
    """The system from resolved inputs (TFLOPS, GB, TB/s, GB/s, Gbit/s → SI) run by ``software``
    (a key of the core's SOFTWARE_STACKS)."""
    if software not in SOFTWARE_STACKS:
        raise PlannerError(f"software={software!r} is not a known stack (allowed: {', '.join(SOFTWARE_STACKS)})")
    return SystemSpec(
        software_efficiency=SOFTWARE_STACKS[software],
        peak_flops=float(tera(v["gpu_peak_tflops"])),
        hbm_bytes=float(v["gpu_hbm_gb"] * GB),
        hbm_bandwidth=float(tera(v["gpu_hbm_tbps"])),
        cards_per_node=int(v["cards_per_node"]),
        intra_node_bw=float(v["intra_node_gbs"] * GB),
        inter_node_bw=float(gbit_to_bytes_per_s(v["inter_node_gbps"])),
    )


def _mfu_on_estimate_flops(v: Mapping[str, float], ex: Execution, res: StepResult) -> float:
    """MFU that makes the estimate's time equal the predicted step time: the estimate's own FLOPs
    of one step (attention-aware count, seed 002) / (step seconds · cards · peak)."""
    tokens = ex.global_batch * v["seq_len"]
    flops = train_flops_attn(
        v["model_active_params"], tokens, v["seq_len"], v["layers"], v["hidden"],
        recompute_extra_forward(2 if ex.recompute == "full" else 0),
    )
    return float(flops / (res.step_seconds * v["gpu_count"] * tera(v["gpu_peak_tflops"])))


def plan_layouts(
    arch: ModelArch,
    v: Mapping[str, float],
    explore: bool = False,
    top_k: int = 10,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    flash_attention: bool = True,
    software: str = "megatron-lm",
) -> PlanReport:
    """Search every valid layout for the resolved inputs ``v`` and rank the fastest that fit.

    ``flash_attention`` and ``software`` describe the training stack (scenario
    ``training.attention`` / ``training.software``); both hold for every layout of the search.
    """
    shape = shape_for(arch, int(v["seq_len"]), v["model_params"])
    system = system_for(v, software)
    base = EXPLORE_OPTIONS if explore else RECOMMEND_OPTIONS
    opts = base.model_copy(
        update={
            "top_k": top_k,
            "bytes_param": v["param_bytes"],
            "bytes_grad": v["param_bytes"],
            "bytes_optimizer": v["optimizer_bytes"],
            "flash_attention": flash_attention,
        }
    )
    started = time.perf_counter()
    found = search_layouts(shape, system, int(v["gpu_count"]), int(v["global_batch"]), opts, on_progress)
    seconds = time.perf_counter() - started
    if not found.best:
        raise PlannerError(
            f"no layout of {int(v['gpu_count'])} cards fits the model in "
            f"{v['gpu_hbm_gb']:g} GB per card with global batch {int(v['global_batch'])}; "
            "add cards, use a card with more memory or change the batch"
        )
    rows = [
        PlanRow(rank=c.rank, execution=c.execution, result=c.result,
                mfu_estimate=_mfu_on_estimate_flops(v, c.execution, c.result))
        for c in found.best
    ]
    return PlanReport(
        cards=int(v["gpu_count"]), global_batch=int(v["global_batch"]),
        candidates_evaluated=found.candidates_evaluated, candidates_fitting=found.candidates_fitting,
        search_seconds=seconds, explore=explore, best=rows,
    )


def evaluate_layout(
    arch: ModelArch,
    v: Mapping[str, float],
    recompute: str,
    sp: bool,
    *,
    flash_attention: bool = True,
    software: str = "megatron-lm",
) -> PlanRow:
    """Predict the step of the layout fixed in ``v`` (tp, pp, dp, micro_batch, zero_stage)."""
    shape = shape_for(arch, int(v["seq_len"]), v["model_params"])
    ex = Execution(
        tp=int(v["tp"]), pp=int(v["pp"]), dp=int(v["dp"]), micro_batch=int(v["micro_batch"]),
        global_batch=int(v["global_batch"]), interleave=int(v["interleave"]), sequence_parallel=sp,
        recompute=recompute,  # type: ignore[arg-type]
        zero_stage=int(v["zero_stage"]), bytes_param=v["param_bytes"], bytes_grad=v["param_bytes"],
        bytes_optimizer=v["optimizer_bytes"], flash_attention=flash_attention,
    )
    res = step_time(shape, system_for(v, software), ex)
    return PlanRow(rank=1, execution=ex, result=res, mfu_estimate=_mfu_on_estimate_flops(v, ex, res))
