"""One layout's ZeRO stage × recomputation (× interleaved schedule) settings, weighed in one
evaluation of the graph.

The estimate uses it for the settings a layout the scenario gives leaves open
(:func:`xlcompute.estimate._fit_given_layout`), the proposal for its memory table and for the setting
it names when the planned one does not fit. Both apply :func:`fastest_fitting`, so the PDF names the
setting the estimate itself would take.

NumPy is imported on demand: the Excel functions import the estimate without it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from xlcompute._graph import GRAPH
from xlcompute.core.parallel import layers_per_stage

__all__ = ["MODES", "STAGES", "GivenChoice", "SettingsGrid", "choose_given", "evaluate_settings", "fastest_fitting",
           "level_layers", "partial_levels"]

#: Recomputation modes (0 none, 1 selective, 2 full) and ZeRO stages the grid spans.
MODES: tuple[float, ...] = (0.0, 1.0, 2.0)
STAGES: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0)
#: What the grid evaluates: the memory parts the proposal tabulates, the fit, the step the rule ranks
#: by, and the global batch (an interleaved schedule rounds it to a coarser unit).
KEYS: tuple[str, ...] = ("mem_per_gpu", "states_per_gpu", "activations_per_gpu", "buffers_per_gpu", "mem_fits",
                         "predicted_step_seconds", "global_batch")


class SettingsGrid(NamedTuple):
    """Settings interleave-major, then stage, then mode (index = (interleave position × len(stages)
    + stage position) × len(modes) + mode position) and the graph's values for each, one array per
    key of :data:`KEYS`."""

    mode: Any
    stage: Any
    out: dict[str, Any]
    interleave: Any


def evaluate_settings(inputs: Mapping[str, float], modes: Sequence[float] = MODES,
                      stages: Sequence[float] = STAGES, interleaves: Sequence[float] | None = None) -> SettingsGrid:
    """The estimate's graph over every (ZeRO stage, recomputation mode) pair, and every number of
    interleaved stages in ``interleaves`` (default: the input's own), with the other inputs as they
    are: one evaluation over NumPy arrays."""
    import numpy as np

    vs = np.asarray(interleaves if interleaves is not None else (inputs["interleave"],), dtype=float)
    per_v = len(stages) * len(modes)
    stage = np.tile(np.repeat(np.asarray(stages, dtype=float), len(modes)), len(vs))
    mode = np.tile(np.asarray(modes, dtype=float), len(stages) * len(vs))
    interleave = np.repeat(vs, per_v)
    # A level between 1 and 2 is selective recomputation with that share of the busiest stage's layers
    # in full (core.compute.recompute_level); 0, 1 and 2 keep the inputs' own layers count.
    partial = (mode > 1) & (mode < 2)
    on_stage = layers_per_stage(inputs["layers"], inputs["pp"])
    layers = np.where(partial, np.round((mode - 1) * on_stage), inputs["recompute_layers"])
    out = GRAPH.run({**inputs, "zero_stage": stage, "recompute_mode": np.where(partial, 1.0, mode),
                     "recompute_layers": layers, "interleave": interleave}, list(KEYS))
    return SettingsGrid(mode, stage, {k: np.broadcast_to(np.asarray(out[k], dtype=float), stage.shape) for k in KEYS},
                        interleave)


def partial_levels(layers: float, pp: float) -> tuple[float, ...]:
    """The recomputation levels (core.compute.recompute_level) of selective recomputation with k of
    the busiest stage's n = ⌈L/p⌉ layers in full, k = 1 … n − 1 (Megatron-LM's block method)."""
    n = int(layers_per_stage(layers, pp))
    return tuple(1 + k / n for k in range(1, n))


def level_layers(level: float, layers: float, pp: float) -> tuple[int, int]:
    """(recompute mode, layers per stage in full) of a level from :func:`partial_levels`."""
    if 1 < level < 2:
        return 1, round((level - 1) * layers_per_stage(layers, pp))
    return int(level), 0


def fastest_fitting(grid: SettingsGrid, among: Any = None) -> int | None:
    """Index of the setting a plan takes when it may choose: among those that fit (and are in the
    boolean mask ``among``, when given), ZeRO 0/1 first (the space the step-time validation
    covers), then the fastest step, then less recomputation, then the lower stage, then fewer
    interleaved stages; None when nothing fits."""
    import numpy as np

    ok = grid.out["mem_fits"] > 0
    fits = np.flatnonzero(ok if among is None else ok & np.asarray(among, dtype=bool))
    if fits.size == 0:
        return None
    step = grid.out["predicted_step_seconds"]
    return int(min(fits, key=lambda i: (grid.stage[i] > 1, round(float(step[i]), 9), grid.mode[i], grid.stage[i],
                                        grid.interleave[i])))


class GivenChoice(NamedTuple):
    """The settings a given layout takes (:func:`choose_given`), with what its sources quote."""

    interleave: float
    mode: float
    stage: float
    yielded: bool  # recomputation / ZeRO stage moved off the inputs' values to fit memory
    batch: float  # the global batch, the same at every candidate
    step: float  # predicted step seconds of the choice
    plain_step: float  # the same recomputation and stage on the inputs' schedule
    here_bytes: float  # memory per card with the inputs' own settings


def choose_given(inputs: Mapping[str, float], modes: Sequence[float], stages: Sequence[float],
                 interleaves: Sequence[float]) -> GivenChoice | None:
    """The rule of :func:`xlcompute.estimate._fit_given_layout`: among the candidate settings that
    keep the batch the inputs' schedule runs, the fastest that fits with the inputs' recomputation
    and ZeRO stage; when none fits, :func:`fastest_fitting` over all of them; None when nothing fits.
    Cached on the input values: the Excel functions and a batch estimate the same layouts again."""
    return _choose(tuple(inputs.items()), tuple(modes), tuple(stages), tuple(interleaves))


@functools.lru_cache(maxsize=256)  # a key holds every input (~250 numbers): a few MB at most
def _choose(items: tuple[tuple[str, float], ...], modes: tuple[float, ...], stages: tuple[float, ...],
            interleaves: tuple[float, ...]) -> GivenChoice | None:
    import numpy as np

    inputs = dict(items)
    grid = evaluate_settings(inputs, modes, stages, interleaves)
    out = grid.out
    own_mode = grid.mode == inputs["recompute_mode"]
    own_stage = grid.stage == inputs["zero_stage"]
    here = int(np.flatnonzero((grid.interleave == inputs["interleave"]) & own_mode & own_stage)[0])
    same_batch = out["global_batch"] == out["global_batch"][here]
    best = fastest_fitting(grid, same_batch & own_mode & own_stage)
    yielded = best is None
    if yielded:
        best = fastest_fitting(grid, same_batch)
    if best is None:
        return None
    step = out["predicted_step_seconds"]
    plain = int(np.flatnonzero((grid.interleave == inputs["interleave"]) & (grid.mode == grid.mode[best])
                               & (grid.stage == grid.stage[best]))[0])
    return GivenChoice(float(grid.interleave[best]), float(grid.mode[best]), float(grid.stage[best]), yielded,
                       float(out["global_batch"][here]), float(step[best]), float(step[plain]),
                       float(out["mem_per_gpu"][here]))
