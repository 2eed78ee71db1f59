"""One layout's ZeRO stage × recomputation settings, weighed in one evaluation of the graph.

The estimate uses it when a layout the scenario gives does not fit with the defaults it left open
(:func:`xlcompute.estimate._fit_given_layout`), the proposal for its memory table and for the setting
it names when the planned one does not fit. Both apply :func:`fastest_fitting`, so the PDF names the
setting the estimate itself would take.

NumPy is imported on demand: the Excel functions import the estimate without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from xlcompute._graph import GRAPH

__all__ = ["MODES", "STAGES", "SettingsGrid", "evaluate_settings", "fastest_fitting"]

#: Recomputation modes (0 none, 1 selective, 2 full) and ZeRO stages the grid spans.
MODES: tuple[float, ...] = (0.0, 1.0, 2.0)
STAGES: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0)
#: What the grid evaluates: the memory parts the proposal tabulates, the fit, and the step the rule ranks by.
KEYS: tuple[str, ...] = ("mem_per_gpu", "states_per_gpu", "activations_per_gpu", "buffers_per_gpu", "mem_fits",
                         "predicted_step_seconds")


class SettingsGrid(NamedTuple):
    """Settings stage-major (index = stage position × len(modes) + mode position) and the graph's
    values for each, one array per key of :data:`KEYS`."""

    mode: Any
    stage: Any
    out: dict[str, Any]


def evaluate_settings(inputs: Mapping[str, float], modes: Sequence[float] = MODES,
                      stages: Sequence[float] = STAGES) -> SettingsGrid:
    """The estimate's graph over every (ZeRO stage, recomputation mode) pair with the other inputs
    as they are: one evaluation over NumPy arrays."""
    import numpy as np

    stage = np.repeat(np.asarray(stages, dtype=float), len(modes))
    mode = np.tile(np.asarray(modes, dtype=float), len(stages))
    out = GRAPH.run({**inputs, "zero_stage": stage, "recompute_mode": mode}, list(KEYS))
    return SettingsGrid(mode, stage, {k: np.broadcast_to(np.asarray(out[k], dtype=float), stage.shape) for k in KEYS})


def fastest_fitting(grid: SettingsGrid) -> int | None:
    """Index of the setting a plan takes when it may choose: among those that fit, ZeRO 0/1 first
    (the space the step-time validation covers), then the fastest step, then less recomputation,
    then the lower stage; None when nothing fits."""
    import numpy as np

    fits = np.flatnonzero(grid.out["mem_fits"] > 0)
    if fits.size == 0:
        return None
    step = grid.out["predicted_step_seconds"]
    return int(min(fits, key=lambda i: (grid.stage[i] > 1, round(float(step[i]), 9), grid.mode[i], grid.stage[i])))
