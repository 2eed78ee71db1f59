"""Excel function for goodput: the effective training-time ratio of a run (:mod:`xlcompute.core.goodput`).

It runs the estimate's own goodput steps (``_graph``: job MTBF, checkpoint time, Young–Daly
interval, restart, failure ratio, planned overhead), so the cell equals the workbook's and the
proposal's ETTR; the defaults are the scenario's ``reliability`` defaults."""

from __future__ import annotations

import functools
from typing import Any

from xlcompute import _udf_args as a
from xlcompute.catalog import ModelPreset
from xlcompute.core import goodput
from xlcompute.udf._models import fp8_model, model_or_count
from xlcompute.udf._register import GPUS, PARAMS_OR_MODEL_STORED, excel

__all__ = ["LLM_ETTR", "reliability_default"]


@functools.lru_cache(maxsize=None)
def reliability_default(field: str) -> float:
    """The scenario's default of ``reliability.<field>`` (its documented source is in ``xlcompute schema``)."""
    from xlcompute.scenario import Reliability

    return float(Reliability.model_fields[field].default)


@functools.lru_cache(maxsize=4096)
def _ettr(gpus: int, params: float, optimizer_bytes: float, rate: float, gbs: float, restart: float, planned: float,
          interval: float) -> float:
    # Imported here: `import xlcompute.udf` loads no graph (issue 10, start-up time).
    from xlcompute._graph import GRAPH

    values = {
        "parallel_cards": float(gpus), "model_params": params, "param_bytes": 2.0, "optimizer_bytes": optimizer_bytes,
        "failures_per_card_hour": rate, "checkpoint_gbs_per_card": gbs, "restart_minutes": restart,
        "planned_overhead": planned, "checkpoint_interval_minutes": interval,
    }
    return float(GRAPH.run(values, ["effective_ratio"])["effective_ratio"])


def _optimizer_bytes(value: Any) -> float:
    """The checkpoint's optimizer bytes per parameter, as the estimate's default for the model's precision:
    12 (FP32 master weights and Adam moments), or DeepSeek-V3's 8 for a catalog model trained in FP8."""
    from xlcompute.core.moe import FP8_DEEPSEEK_OPTIMIZER_BYTES
    from xlcompute.scenario import TrainingPlan

    if fp8_model(value):
        return FP8_DEEPSEEK_OPTIMIZER_BYTES
    return float(TrainingPlan.model_fields["optimizer_bytes"].default)


def _total_params(value: Any) -> float:
    model = model_or_count(value)
    if isinstance(model, ModelPreset):
        from xlcompute.planner.inputs import model_values

        return float(model_values(model.arch, 4096)["model_params"])
    return float(model)


def _share(value: Any, name: str, default: float) -> float:
    """A share in [0, 1) (0 allowed: no planned overhead); 5 is refused with a hint, never read as 500%."""
    x = a.quantity(value, name, default, a.FRACTION_HINT)
    if 0 <= x < 1:
        return x
    hint = f"; did you mean {x / 100:g}?" if 1 <= x < 100 else ""
    raise a.UdfArgumentError(f"{name} must be in [0, 1){hint} (got {a.show(value)}; write 0.02 or \"2%\")")


def _failure_rate(value: Any, default: float) -> float:
    """Failures per GPU-hour, ≥ 0 (0: no failures; core.goodput keeps the job's MTBF finite)."""
    return a.non_negative(value, "failures_per_gpu_hour", default, hint=a.plain_hint("per GPU-hour"))


@excel(
    {
        "gpus": GPUS,
        "params": PARAMS_OR_MODEL_STORED,
        "failures_per_gpu_hour": "Optional. Job-interrupting failures per GPU-hour; default 1.97e-5 (Llama 3: 419 "
        "in 54 days on 16,384 H100).",
        "checkpoint_gbs_per_gpu": "Optional. Checkpoint storage write bandwidth per GPU, GB/s; default 0.122 "
        "(Llama 3: 2 TB/s for 16,384 GPUs).",
        "restart_minutes": "Optional. Minutes from a failure to training again, besides reading the checkpoint; "
        "default 10.",
        "planned_overhead": "Optional. Share of time for evaluation, maintenance, stage switches; default 1%.",
        "checkpoint_minutes": "Optional. Minutes between checkpoints; default the Young–Daly optimum.",
    }
)
def LLM_ETTR(
    gpus: Any,
    params: Any,
    failures_per_gpu_hour: Any = None,
    checkpoint_gbs_per_gpu: Any = None,
    restart_minutes: Any = None,
    planned_overhead: Any = None,
    checkpoint_minutes: Any = None,
) -> float:
    """Effective training-time ratio, the share of calendar time that trains after failures, checkpoints
    (Young–Daly interval), restarts and planned work (Daly 2006; Kokolis et al. 2025); a fraction. Give
    it to LLM_TRAIN_DAYS as ettr. 405B on 16,384 GPUs: 0.92."""
    d = reliability_default
    n, rate = a.whole(gpus, "gpus"), _failure_rate(failures_per_gpu_hour, d("failures_per_card_hour"))
    ettr = _ettr(
        n,
        _total_params(params),
        _optimizer_bytes(params),
        rate,
        a.positive(checkpoint_gbs_per_gpu, "checkpoint_gbs_per_gpu", default=d("checkpoint_gbs_per_card"),
                   unit="GB/s"),
        a.non_negative(restart_minutes, "restart_minutes", default=d("restart_minutes"), unit="minutes"),
        _share(planned_overhead, "planned_overhead", d("planned_overhead")),
        a.non_negative(checkpoint_minutes, "checkpoint_minutes", default=d("checkpoint_interval_minutes"),
                       unit="minutes"),
    )
    if ettr < goodput.MIN_PLANNING_ETTR:
        # The estimate refuses the same job: a run that trains under 1% of the time is no plan.
        raise a.UdfResultError(
            f"ETTR is below {goodput.MIN_PLANNING_ETTR:.0%}: with failures_per_gpu_hour × gpus the job fails every "
            f"{goodput.job_mtbf_seconds(rate, n):.3g} s, too often to checkpoint and restart (checkpoint_minutes, "
            "restart_minutes, params / checkpoint_gbs_per_gpu); check these arguments"
        )
    return ettr
