"""Excel functions of the layout planner (seed 004): the best layout and the predicted MFU."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute.udf._models import preset
from xlcompute.udf._register import GPUS, excel

__all__ = ["LLM_BEST_LAYOUT", "LLM_PREDICTED_MFU"]


_GPU_NAME = 'Card name from the catalog, e.g. "H800", "A100-80G" or "910B".'
_GLOBAL_BATCH = "Optional. Sequences per optimizer step; default 1024 (≈4M tokens at 4096)."
_SEQ_OPT = "Optional. Sequence length in tokens; default 4096."


def _planned(model: Any, gpu: Any, gpus: Any, seq_len: Any, global_batch: Any, tp: Any = None, pp: Any = None):  # type: ignore[no-untyped-def]
    """Resolve a one-line scenario and run the planner: the same path as `xlcompute plan`."""
    from xlcompute.estimate import resolve
    from xlcompute.scenario import ScenarioError, parse_scenario

    preset_ = preset(model)
    if a.is_empty(gpu) or not isinstance(gpu, str):
        raise a.UdfArgumentError(f'gpu must be a card name such as "H800", got {a.show(gpu)}')
    training: dict[str, Any] = {
        "tokens": 1e12,  # the layout does not depend on the token count
        "seq_len": a.whole(seq_len, "seq_len", default=4096),
        "global_batch": a.whole(global_batch, "global_batch", default=1024),
    }
    if not (a.is_empty(tp) and a.is_empty(pp)):
        training["tp"] = a.whole(tp, "tp")
        training["pp"] = a.whole(pp, "pp")
    try:
        scenario = parse_scenario(
            {"model": {"preset": preset_.key}, "training": training,
             "cluster": {"accelerator": gpu, "cards": a.whole(gpus, "gpus")}}
        )
        resolved = resolve(scenario)
    except ScenarioError as exc:
        raise a.UdfArgumentError("; ".join(exc.problems)) from None
    except ValueError as exc:
        raise a.UdfArgumentError(str(exc)) from None
    return resolved


@excel(
    {"model": "Model name from the catalog, e.g. \"llama2-70b\".", "gpu": _GPU_NAME, "gpus": GPUS,
     "seq_len": _SEQ_OPT, "global_batch": _GLOBAL_BATCH},
    spills=True,
)
def LLM_BEST_LAYOUT(model: Any, gpu: Any, gpus: Any, seq_len: Any = None, global_batch: Any = None) -> list[list[Any]]:
    """Spills the fastest layout found by the step-time model: a header row and TP, PP, DP,
    micro-batch, predicted MFU (fraction) and step seconds (seed 004; `xlcompute plan`)."""
    resolved = _planned(model, gpu, gpus, seq_len, global_batch)
    best = resolved.plan.best[0]  # type: ignore[union-attr]
    ex = best.execution
    return [
        ["TP", "PP", "DP", "micro_batch", "predicted_mfu", "step_seconds"],
        [ex.tp, ex.pp, ex.dp, ex.micro_batch, best.mfu_estimate, best.result.step_seconds],
    ]


@excel(
    {"model": "Model name from the catalog, e.g. \"llama2-70b\".", "gpu": _GPU_NAME, "gpus": GPUS,
     "seq_len": _SEQ_OPT, "global_batch": _GLOBAL_BATCH,
     "tp": "Optional. Tensor-parallel size; give it with pp, or leave both empty for the best layout.",
     "pp": "Optional. Pipeline stages; give it with tp."}
)
def LLM_PREDICTED_MFU(
    model: Any, gpu: Any, gpus: Any, seq_len: Any = None, global_batch: Any = None, tp: Any = None, pp: Any = None
) -> float:
    """Predicted MFU (fraction) of training the model on the GPUs, from the step-time model for the
    given TP×PP layout or the best layout found (seed 004). Use it as LLM_TRAIN_DAYS's mfu."""
    resolved = _planned(model, gpu, gpus, seq_len, global_batch, tp, pp)
    return float(resolved.inputs["mfu"].value)
