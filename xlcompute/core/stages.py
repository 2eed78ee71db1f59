"""Checks and integer views of a pipeline's stage split, for the scenario, the step-time model and the
Excel functions (pure; the graph's formulas are core.parallel's even_stage_layers and edge_stage_layers)."""

from __future__ import annotations

from xlcompute.core.parallel import edge_stage_layers, even_stage_layers

__all__ = ["stage_split", "fullest_stage", "check_stage_split", "check_dualpipe"]


def stage_split(layers: int, pp: int, first: int = 0, last: int = 0) -> tuple[int, int, int]:
    """(first, middle, last) layers per stage for checks and texts, by the graph's formulas
    (:func:`even_stage_layers`, :func:`edge_stage_layers`); middle is 0 with fewer than three
    stages."""
    even = int(even_stage_layers(layers, pp, first, last))
    return (int(edge_stage_layers(first, even)), even if pp > 2 else 0, int(edge_stage_layers(last, even)))


def fullest_stage(layers: int, pp: int, first: int = 0, last: int = 0) -> int:
    """Most layers on any stage as an integer (:func:`fullest_stage_layers`), for checks."""
    return max(stage_split(layers, pp, first, last))


def check_stage_split(layers: int, pp: int, first: int = 0, last: int = 0, prefix: str = "") -> None:
    """Refuse a first/last-stage split that leaves a stage without layers or layers without a stage;
    the message names the fields (after ``prefix``, e.g. "training."), the values and what is allowed.
    Megatron-LM's flags also ask the other stages to share the rest exactly, and with interleaving each
    stage's layers to divide by v; here the busiest stage holds the ceiling and virtual stages may be
    unequal, as Megatron-Core's ``--pipeline-model-parallel-layout`` places them."""
    if not (first or last):
        return
    given = (f"{prefix}first_stage_layers ({first}) and {prefix}last_stage_layers ({last})" if prefix else
             f"first_stage_layers={first} and last_stage_layers={last}")
    if pp < 2:
        raise ValueError(f"{given} need pp of 2 or more (got pp={pp}): with one stage every layer is on it")
    rest = pp - (first > 0) - (last > 0)
    left = layers - first - last
    if rest == 0 and left != 0:
        raise ValueError(f"{given}: with pp=2 the two must add up to layers={layers} (they add up to {first + last})")
    if rest > 0 and left < rest:
        raise ValueError(
            f"{given} add up to {first + last} of layers={layers}, leaving {max(left, 0)} for the other {rest} of "
            f"pp={pp} stages; each stage needs a layer at least (allowed: first + last at most {layers - rest})"
        )


def check_dualpipe(pp: int, interleave: int, microbatches: int | None = None, prefix: str = "") -> None:
    """Refuse a DualPipe layout it cannot run ([DSV3] §3.2.1: pipeline stages and micro-batches divisible
    by 2; one chunk per stage, its own schedule rather than the interleaved one; DeepSeek's reference
    code, deepseek-ai/DualPipe ``DualPipe.step``, also asks for at least 2·pp micro-batches)."""
    if pp < 2 or pp % 2:
        raise ValueError(f"{prefix}dualpipe needs an even {prefix}pp of 2 or more (got pp={pp}): DualPipe pairs "
                         "stage i with stage p − 1 − i")
    if interleave != 1:
        raise ValueError(f"{prefix}dualpipe needs {prefix}interleave 1 (got {interleave}): DualPipe is a schedule of "
                         "its own, not combined with interleaved stages")
    if microbatches is not None and microbatches % 2:
        raise ValueError(f"dualpipe needs an even number of micro-batches per step (got {microbatches}): half are fed "
                         "from each end of the pipeline")
    if microbatches is not None and microbatches < 2 * pp:
        raise ValueError(f"dualpipe needs at least 2·pp = {2 * pp} micro-batches per step (got {microbatches}), as "
                         "DeepSeek's DualPipe code asks")
