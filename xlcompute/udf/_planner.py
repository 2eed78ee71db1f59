"""Excel functions of the layout planner (seed 004): the best layout and the predicted MFU; and the
estimate behind LLM_TRAIN_DAYS and LLM_GPUS_FOR_DAYS when their MFU is left empty.

Each is the estimate of a one-line scenario — model, card, cards, sequence length, global batch
and, for LLM_PREDICTED_MFU, optionally TP×PP; the training days' tokens, or a deadline with the
cards left out to be sized — with every other field at its scenario default and ``assumptions.mfu``
left out, so the estimate uses the step-time model's predicted MFU. They call
:func:`xlcompute.estimate.estimate` itself, so a cell equals ``estimate()`` exactly, and that MFU
counts model FLOPs as LLM_TRAIN_DAYS does with the model name (one MFU contract).

A layout search takes 0.1–1 s and Excel recalculates often, so results (and refusals) are cached
per argument tuple for the life of the process; the cache holds tuples and strings only, and
each call returns a fresh list. The planner is imported on the first call, not with
``xlcompute.udf``.

A refusal from below speaks of the one-line scenario (``cluster.accelerator``, ``training.tp``,
"give assumptions.mfu"); it reaches the cell on one line, in this function's argument names
(``gpu``, ``tp``) and with advice a cell can follow. Cards, sequence length, batch and the TP×PP
layout are bounded by the planner's own limits, read from its models, so a huge number is refused
as the argument it is (and a search over 10^300 cards never starts).
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from pydantic import ValidationError

from xlcompute import _udf_args as a
from xlcompute.udf._models import preset, preset_or_size, training_default
from xlcompute.udf._register import GPUS, excel

__all__ = ["LLM_BEST_LAYOUT", "LLM_PREDICTED_MFU", "estimated_cards", "estimated_days"]

_PLAN_TOKENS = 1e12
"""Tokens of the one-line scenario: the layout and its MFU do not depend on the token count."""

_MODEL = ('Model name from the catalog, e.g. "llama2-70b" (see MODEL_LIST()), or a size such as "70B" (a dense '
          'model of generic shape).')
_GPU_NAME = 'Card name from the catalog, e.g. "H800", "A100-80G" or "910B".'
_GLOBAL_BATCH = ("Optional. Sequences (not tokens) per optimizer step, rounded to the layout; default a 4M-token "
                 "batch (1,024 sequences of 4096), at least 1,024 tokens per GPU.")
# Tokens per step beyond any plan: DeepSeek-V3's 15,360 × 4,096 = 6.3e7 is among the largest published.
_MAX_BATCH_TOKENS = 1e9
_SEQ_OPT = "Optional. Sequence length in tokens; default 4096."
# interleave and global_batch come last, so the columns before them keep their places
_HEADER = ["TP", "CP", "PP", "DP", "EP", "micro_batch", "predicted_mfu", "step_seconds", "interleave", "global_batch"]


class _Planned(NamedTuple):
    """What the planner functions show from one estimate (and LLM_TRAIN_DAYS / LLM_GPUS_FOR_DAYS
    without an MFU: its days and cards)."""

    tp: int
    cp: int
    pp: int
    dp: int
    ep: int
    micro_batch: int
    mfu: float
    step_seconds: float
    interleave: int
    global_batch: int
    step_train_days: float
    train_days: float
    cards: int
    gpu_hours: float


@functools.lru_cache(maxsize=256)
def _estimate(
    model: str | float, gpu: str, cards: int | None, seq_len: int, global_batch: int | None = None,
    layout: tuple[int, int] | None = None, tokens: float = _PLAN_TOKENS, deadline_days: float | None = None,
) -> _Planned | str:
    """The estimate of the one-line scenario (a catalog model, or a dense model of that many
    parameters; with ``deadline_days`` and no cards, the cluster the estimate sizes for it), or the
    reason it has none (cached, as text)."""
    # Imported here: `import xlcompute.udf` loads neither the planner nor NumPy.
    import numpy as np

    from xlcompute.estimate import estimate
    from xlcompute.quantity import SIZE_TEXT
    from xlcompute.scenario import ScenarioError, parse_scenario

    training: dict[str, Any] = {"tokens": tokens, "seq_len": seq_len}
    if global_batch is not None:  # empty: the scenario's default batch (4M tokens, rounded to the layout)
        training["global_batch"] = global_batch
    if layout is not None:
        training["tp"], training["pp"] = layout
    if deadline_days is not None:
        training["deadline_days"] = deadline_days
    cluster: dict[str, Any] = {"accelerator": gpu}
    if cards is not None:
        cluster["cards"] = cards
    # "70B" is a size (a dense model of generic shape), as LLM_TRAIN_DAYS and a scenario's model: 70B read it
    spec = ({"params": model} if not isinstance(model, str) or SIZE_TEXT.match(model) else {"preset": model})
    try:
        # The estimate also plans goodput, power and cost, which these cells do not show; NumPy's
        # overflow warnings from them (10^7 cards) are not the cell's business.
        with np.errstate(all="ignore"):
            r = estimate(parse_scenario({"model": spec, "training": training, "cluster": cluster}))
    except ScenarioError as exc:
        return _argument_names("; ".join(exc.problems))
    except ValidationError as exc:  # a figure derived from the cells, beyond a planner model's bound
        return _argument_names(str(a.from_validation(exc, {"global_batch": "global_batch (rounded to the layout)",
                                                            "dp": "gpus / (tp·pp)"})))
    except ValueError as exc:  # PlannerError (no layout fits), a layout the model cannot take
        return _argument_names(str(exc))
    return _Planned(int(r["tp"]), int(r["cp"]), int(r["pp"]), int(r["dp"]), int(r["ep"]), int(r["micro_batch"]),
                    r["mfu"], r["step_seconds"], int(r["interleave"]), int(r["global_batch"]),
                    float(r["step_train_days"]), float(r["train_days"]), int(r["gpu_count"]), float(r["gpu_hours"]))


def _one_line(params: Any, tokens: Any, gpus: Any, gpu: Any, seq_len: Any,
              deadline_days: float | None = None) -> _Planned:
    """:func:`_estimate` of the cells of LLM_TRAIN_DAYS / LLM_GPUS_FOR_DAYS without an MFU; a refusal in
    their argument names (the card is peak_tflops there, the deadline days)."""
    from xlcompute.udf._models import model_or_count

    model = model_or_count(params)
    card = a.gpu(gpu, "peak_tflops")
    limit = _limits()
    outcome = _estimate(
        model.key if not isinstance(model, (int, float)) else float(model),
        card.key,
        # Only a deadline leaves the cluster to the estimate (LLM_GPUS_FOR_DAYS); an empty gpus cell of
        # LLM_TRAIN_DAYS is refused, never read as the estimate's default cluster.
        None if deadline_days is not None else a.whole(gpus, "gpus", maximum=limit["gpus"]),
        a.whole(seq_len, "seq_len", default=training_default("seq_len"), maximum=limit["seq_len"]),
        tokens=a.train_tokens(tokens),
        deadline_days=deadline_days,
    )
    if isinstance(outcome, str):
        raise a.UdfArgumentError(re.sub(r"^gpu\b", "peak_tflops", a.in_argument_names(outcome, _ONE_LINE_WORDS)))
    return outcome


# The one-line scenario's words that _SCENARIO_TO_CELLS leaves for LLM_TRAIN_DAYS / LLM_GPUS_FOR_DAYS.
_ONE_LINE_WORDS = a.rewording((
    (r"choose a gpu with more memory", "name a card with more memory in peak_tflops"),
    (r"failures, (?:reliability\.)?failures_per_card_hour,", "failures at the estimate's rate per card-hour"),
    (r"gpus given to see how long the run takes on them", "LLM_TRAIN_DAYS on a number of cards of your own"),
    (r"deadline_days", "days"),
    # a size outside the generic shape: these functions have no arch, but an MFU needs no shape
    (r"^model: params \(([^)]*)\) alone: a generic dense shape covers (\S+) to (\S+) parameters; for another "
     r"size give (?:model\.)?arch \([^)]*\)",
     r"params (\1) alone: the estimate draws a model's shape from its size only from \2 to \3 parameters; for "
     r"another size give an MFU (no shape needed) or a catalog model name"),
))


def estimated_days(params: Any, tokens: Any, gpus: Any, gpu: Any, seq_len: Any, ettr: float | None) -> float:
    """LLM_TRAIN_DAYS without an MFU: the estimate of the one-line scenario (its layout, predicted MFU
    and, unless ``ettr`` is given, its ETTR), so the cell equals ``xlcompute estimate``'s end-to-end
    training time; with ``ettr``, its steps-alone days over that ratio."""
    run = _one_line(params, tokens, gpus, gpu, seq_len)
    return run.train_days if ettr is None else run.step_train_days / ettr


def estimated_gpu_hours(params: Any, tokens: Any, gpus: Any, gpu: Any, seq_len: Any, ettr: float | None) -> float:
    """LLM_TRAIN_GPU_HOURS and LLM_TRAIN_COST without an MFU: the card-hours of the one-line scenario's
    estimate (every card of the cluster, end to end), so the cell equals ``xlcompute estimate``'s
    ``gpu_hours``; with ``ettr``, its steps-alone card-hours over that ratio."""
    run = _one_line(params, tokens, gpus, gpu, seq_len)
    # with ettr: the steps-alone days over it, on every card (as the graph's gpu_hours counts them)
    return run.gpu_hours if ettr is None else run.step_train_days / ettr * 24.0 * run.cards


def estimated_cards(params: Any, tokens: Any, days: float, gpu: Any, seq_len: Any) -> int:
    """LLM_GPUS_FOR_DAYS without an MFU: the cluster the estimate sizes for the deadline (whole servers,
    each count planned at its own layout and MFU, end to end), as ``xlcompute estimate`` with
    training.deadline_days and cluster.cards left out, and LLM_COMPARE with deadline_days."""
    return _one_line(params, tokens, None, gpu, seq_len, days).cards


# A scenario's words -> this function's cells, so a refusal names the argument and advises what a
# cell can do. The estimate's advice first, then the field names, then any other scenario prefix.
_SCENARIO_TO_CELLS = a.rewording((
    (r" \(global batch: .*\)$", ""),  # where the estimate's batch and memory figures came from
    # (the offload tier is a scenario's cluster field, not a cell of these functions: its advice is dropped)
    (r"; add cards, use a card with more memory(?:, give the servers' host memory as an offload tier "
     r"\(cluster\.offload_gb and cluster\.offload_gbs\))?, or give assumptions\.mfu to estimate time and cost anyway",
     "; raise gpus or choose a gpu with more memory (or give LLM_TRAIN_DAYS an MFU of your own)"),
    (r"\bset assumptions\.mfu\b", "give LLM_TRAIN_DAYS an MFU of your own"),
    (r"\bassumptions\.mfu\b", "an MFU of your own"),
    (r"\bscenario: ", ""),
    (r"\bcluster\.cards\b", "gpus"),
    (r"\bcluster\.accelerator\b", "gpu"),
    (r"\bmodel\.preset\b", "model"),
    (r"\b(?:training|cluster|model|assumptions)\.(\w+)", r"\1"),
))


def _argument_names(message: str) -> str:
    """A refusal of the one-line scenario in this function's argument names, on one line."""
    return a.in_argument_names(message, _SCENARIO_TO_CELLS)


@functools.lru_cache(maxsize=None)
def _limits() -> dict[str, int]:
    """Upper bounds of the arguments: the planner's own (its models' ``le``), read not copied."""
    from xlcompute.planner.inputs import Execution
    from xlcompute.planner.steptime import TransformerShape

    return {
        "gpus": a.field_limit(Execution, "dp"),  # dp ≤ gpus: within the bound for any layout
        "seq_len": a.field_limit(TransformerShape, "seq_len"),
        "global_batch": a.field_limit(Execution, "global_batch"),
        "tp": a.field_limit(Execution, "tp"),
        "pp": a.field_limit(Execution, "pp"),
    }


def _planned(
    model: Any, gpu: Any, gpus: Any, seq_len: Any, global_batch: Any, tp: Any = None, pp: Any = None
) -> _Planned:
    """Parse the cells and look up (or run) the estimate."""
    m = preset_or_size(model)
    card = a.gpu(gpu)
    limit = _limits()
    layout: tuple[int, int] | None = None
    if not (a.is_empty(tp) and a.is_empty(pp)):
        missing = [n for n, v in (("tp", tp), ("pp", pp)) if a.is_empty(v)]
        if missing:
            raise a.UdfArgumentError(
                f"{missing[0]} is empty; give tp and pp together, or leave both empty for the best layout"
            )
        layout = (a.whole(tp, "tp", maximum=limit["tp"]), a.whole(pp, "pp", maximum=limit["pp"]))
    s = a.whole(seq_len, "seq_len", default=training_default("seq_len"), maximum=limit["seq_len"])
    batch = None if a.is_empty(global_batch) else a.whole(global_batch, "global_batch", maximum=limit["global_batch"])
    if batch is not None and batch * s > _MAX_BATCH_TOKENS:
        # "4M" typed for the default's 4M tokens reads as 4,000,000 sequences: 16T tokens per step
        raise a.UdfArgumentError(
            f"global_batch counts sequences: {batch:,} sequences of {s:,} tokens is {batch * s:.3g} tokens per step, "
            f"beyond {_MAX_BATCH_TOKENS:.0e} (the largest published batches are about 6e7); for a batch of "
            f"{a.show(global_batch)} tokens give {max(1, round(batch / s)):,} sequences, or leave it empty")
    outcome = _estimate(m.key, card.key, a.whole(gpus, "gpus", maximum=limit["gpus"]), s, batch, layout)
    if isinstance(outcome, str):
        raise a.UdfArgumentError(outcome)
    return outcome


@excel(
    {"model": _MODEL, "gpu": _GPU_NAME, "gpus": GPUS, "seq_len": _SEQ_OPT, "global_batch": _GLOBAL_BATCH},
    spills=True,
)
def LLM_BEST_LAYOUT(model: Any, gpu: Any, gpus: Any, seq_len: Any = None, global_batch: Any = None) -> list[list[Any]]:
    """Spills the best layout estimate() plans (seed 004): header row, then TP, CP, PP, DP, EP (1 if
    dense), micro-batch, predicted MFU (fraction), step seconds, interleaved stages per card, global
    batch (sequences, rounded to the layout)."""
    p = _planned(model, gpu, gpus, seq_len, global_batch)
    return [list(_HEADER), list(p)[:len(_HEADER)]]


@excel(
    {"model": _MODEL, "gpu": _GPU_NAME, "gpus": GPUS, "seq_len": _SEQ_OPT, "global_batch": _GLOBAL_BATCH,
     "tp": "Optional. Tensor-parallel size; give it with pp, or leave both empty for the best layout.",
     "pp": "Optional. Pipeline stages; give it with tp."}
)
def LLM_PREDICTED_MFU(
    model: Any, gpu: Any, gpus: Any, seq_len: Any = None, global_batch: Any = None, tp: Any = None, pp: Any = None
) -> float:
    """Predicted MFU (fraction) of estimate() for the model on the GPUs, TP×PP layout or the best one
    (seed 004; FP8 peak for a model trained in FP8). FLOPs and peak as LLM_TRAIN_DAYS counts them
    with the model and card names and seq_len: feed it there."""
    return _planned(model, gpu, gpus, seq_len, global_batch, tp, pp).mfu
