"""Calibration of the step-time model's constants, on calibration rows only.

:func:`calibrate` grid-searches the efficiency constants of :class:`~xlcompute.planner.inputs.SystemSpec`
(``matmul_eff_max``, ``elementwise_traffic_factor``; ``matmul_dim_half`` can be added to the
grid) to minimise the mean absolute step-time error over the ``role: calibration`` rows of
``megatron_2021.yaml``. Held-out rows never enter the fit; the winning constants are the defaults
in ``planner.inputs.STEP_CONSTANTS``. :func:`calibrate_software` fits the efficiency of one
non-reference software stack on that stack's calibration rows (``software_stacks.yaml``).
:func:`calibrate_zero3` fits the share of compute ZeRO-3 traffic hides under on the ZeRO-3 rows
of ``zero3_runs.yaml`` (calibration only).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from xlcompute.planner.inputs import KERNEL_PROFILES, SOFTWARE_STACKS, SystemSpec, system_values
from xlcompute.planner.steptime import LayoutBatch, TransformerShape, evaluate, step_time, step_time_batch
from xlcompute.planner.validation.data import (
    DEFAULT_VALIDATION_FILE,
    HOPPER_VALIDATION_FILE,
    REFERENCE_STACK,
    SOFTWARE_CALIBRATION_FILE,
    STEP11_VALIDATION_FILE,
    STEP13_VALIDATION_FILE,
    ZERO3_CALIBRATION_FILE,
    ValidationRow,
    architecture_of,
    build_case,
    load_external,
    load_validation,
    measured_step_seconds,
    row_precision,
    with_profile,
)

__all__ = [
    "CALIBRATION_GRID",
    "PROFILE_GRID",
    "CalibrationResult",
    "ProfileCalibration",
    "SoftwareCalibration",
    "calibrate",
    "calibrate_profiles",
    "calibrate_ascend",
    "calibrate_blackwell",
    "blackwell_calibration_rows",
    "fit_gemm_constant",
    "calibrate_software",
    "ZERO3_GRID",
    "Zero3Calibration",
    "calibrate_zero3",
    "DEEPSPEED_2021_ZERO3_OVERLAP",
    "deepspeed_2021",
]

#: Grid used by :func:`calibrate` (documented so the calibration can be re-run exactly).
CALIBRATION_GRID: dict[str, tuple[float, ...]] = {
    "matmul_eff_max": tuple(round(x, 3) for x in np.arange(0.50, 1.0001, 0.01)),
    "elementwise_traffic_factor": tuple(round(x, 2) for x in np.arange(0.0, 6.001, 0.25)),
}



#: Grid of :func:`calibrate_profiles`: the straggler spread shared by every generation, and per
#: generation the GEMM and element-wise constants (the flash-attention efficiency is a published
#: kernel benchmark, planner.inputs.KERNEL_PROFILES, not fitted).
PROFILE_GRID: dict[str, tuple[float, ...]] = {
    "straggler_jitter": tuple(round(x, 4) for x in np.arange(0.0, 0.0201, 0.0025)),
    "matmul_eff_max": tuple(round(x, 3) for x in np.arange(0.55, 0.9001, 0.01)),
    "elementwise_traffic_factor": tuple(round(x, 2) for x in np.arange(0.0, 6.001, 0.25)),
}


class ProfileCalibration(BaseModel):
    """The shared straggler spread and each generation's constants, fitted on calibration rows only."""

    model_config = ConfigDict(frozen=True)

    straggler_jitter: float
    profiles: dict[str, dict[str, float]]
    mean_abs_error_pct: dict[str, float]
    rows: dict[str, list[str]]


def _profile_rows() -> dict[str, list[tuple[ValidationRow, SystemSpec]]]:
    """Calibration rows per generation: A100 rows of megatron_2021.yaml, H100 rows of hopper_runs.yaml."""
    main = load_validation(DEFAULT_VALIDATION_FILE)
    hop = load_external(HOPPER_VALIDATION_FILE)
    return {
        "ampere": [(r, main.system) for r in main.rows if r.role == "calibration"],
        "hopper": [(r, hop.systems[r.system or ""]) for r in hop.rows if r.role == "calibration"],
    }


def calibrate_profiles(grid: Mapping[str, Iterable[float]] | None = None) -> ProfileCalibration:
    """Fit the straggler spread (one value for all) and each generation's GEMM and element-wise
    constants, minimising the mean absolute step-time error over all calibration rows.

    For each spread on the grid, each generation takes its best (matmul_eff_max,
    elementwise_traffic_factor) on its own rows; the spread with the lowest error over all rows
    wins. Held-out rows never enter.
    """
    g = {k: tuple(v) for k, v in (grid or PROFILE_GRID).items()}
    rows = _profile_rows()
    cases: dict[str, list[tuple[TransformerShape, LayoutBatch, float, SystemSpec]]] = {}
    for name, pairs in rows.items():
        flash = KERNEL_PROFILES[name].flash_attention_efficiency
        cases[name] = []
        for row, sy in pairs:
            shape, ex = build_case(row)
            cases[name].append((shape, LayoutBatch.from_executions([ex]), measured_step_seconds(row, shape),
                                sy.model_copy(update={"flash_attention_efficiency": flash})))
    # Every (matmul_eff_max, elementwise_traffic_factor) pair at once: the graph over arrays.
    pairs = list(itertools.product(g["matmul_eff_max"], g["elementwise_traffic_factor"]))
    me = np.array([p[0] for p in pairs])
    et = np.array([p[1] for p in pairs])
    best: tuple[float, float, dict[str, dict[str, float]], dict[str, float]] | None = None
    for jitter in g["straggler_jitter"]:
        fitted: dict[str, dict[str, float]] = {}
        errs: dict[str, float] = {}
        for name, cs in cases.items():
            total_err = np.zeros(len(pairs))
            for shape, lay, meas, sy in cs:
                values = {**shape.values(), **system_values(sy), **lay.values(),
                          "matmul_eff_max": me, "elementwise_traffic_factor": et, "straggler_jitter": jitter}
                pred = np.asarray(evaluate(values, ("predicted_step_seconds",))["predicted_step_seconds"])
                total_err += np.abs(pred / meas - 1.0)
            k = int(np.argmin(total_err))  # first minimum: ties broken by grid order
            fitted[name] = {"matmul_eff_max": float(me[k]), "elementwise_traffic_factor": float(et[k])}
            errs[name] = 100.0 * float(total_err[k]) / len(cs)
        total = sum(errs[n] * len(cases[n]) for n in cases) / sum(len(c) for c in cases.values())
        if best is None or total < best[0]:
            best = (total, jitter, fitted, errs)
    if best is None:  # pragma: no cover - only with an empty grid
        raise ValueError("calibration grid is empty")
    return ProfileCalibration(straggler_jitter=best[1], profiles=best[2], mean_abs_error_pct=best[3],
                              rows={n: [r.id for r, _ in pairs] for n, pairs in rows.items()})


def fit_gemm_constant(rows: Sequence[tuple[ValidationRow, SystemSpec]], profile: str,
                      grid: Iterable[float] | None = None) -> tuple[float, float]:
    """Fit one generation's GEMM constant (``matmul_eff_max``) alone on ``rows``: least mean |step-time error|
    over 0.30..0.90 in steps of 0.01, each row at its precision and software stack as ``xlcompute validate``
    predicts it, with the element-wise and attention constants of ``profile`` (the profile the generation borrowed)
    and the committed straggler spread. Returns (value, mean |error| %)."""
    values = np.array(tuple(grid) if grid is not None else np.round(np.arange(0.30, 0.9001, 0.01), 3))
    total = np.zeros(values.size)
    for row, system in rows:
        shape, ex = build_case(row)
        sy = with_profile(system, profile).model_copy(update={"software_efficiency": SOFTWARE_STACKS[row.software]})
        sy, ex = row_precision(row, sy, ex)
        lay = LayoutBatch.from_executions([ex])
        pred = np.asarray(evaluate({**shape.values(), **system_values(sy), **lay.values(), "matmul_eff_max": values},
                                   ("predicted_step_seconds",))["predicted_step_seconds"])
        total += np.abs(pred / measured_step_seconds(row, shape) - 1.0)
    k = int(np.argmin(total))  # first minimum: ties broken by grid order
    return float(values[k]), 100.0 * float(total[k]) / len(rows)


def calibrate_ascend(grid: Iterable[float] | None = None) -> tuple[float, float]:
    """Fit the Ascend 910B GEMM constant on step_runs_13.yaml's 51 rows (post hoc: fitted after their first
    prediction with the borrowed A100 profile), with the A100's element-wise and attention constants (one
    parameter: the rows cannot tell the others apart, and fitting them moves 14.5 % to 12.5 % only). The shared
    spread and the other generations stay as fitted on their own rows. Returns (value, mean |error| %)."""
    ext = load_external(STEP13_VALIDATION_FILE)
    return fit_gemm_constant([(row, ext.systems[row.system or ""]) for row in ext.rows], "ampere", grid)


def blackwell_calibration_rows() -> list[tuple[ValidationRow, SystemSpec]]:
    """The 17 Blackwell rows of step_runs_11.yaml (B200 / GB200: DGX Cloud 25.05 Nemotron-4 340B, NeMo 25.02),
    with their systems: the rows the Blackwell GEMM constant is fitted on."""
    ext = load_external(STEP11_VALIDATION_FILE)
    return [(row, ext.systems[row.system or ""]) for row in ext.rows
            if architecture_of(ext.systems[row.system or ""]) == "blackwell"]


def calibrate_blackwell(grid: Iterable[float] | None = None) -> tuple[float, float]:
    """Fit the Blackwell GEMM constant on step_runs_11.yaml's 17 B200 / GB200 rows (post hoc: fitted after their
    first prediction with the borrowed H100 profile; the procedure was declared in step_runs_12.yaml before that
    file's one prediction), with the H100's element-wise and attention constants. Returns (value, mean |error| %)."""
    return fit_gemm_constant(blackwell_calibration_rows(), "hopper", grid)


class SoftwareCalibration(BaseModel):
    """Efficiency of one software stack fitted on that stack's calibration rows."""

    model_config = ConfigDict(frozen=True)

    stack: str
    efficiency: float
    calibration_rows: list[str]
    mean_signed_error_pct: float


class CalibrationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    constants: dict[str, float]
    calibration_mean_abs_error_pct: float
    grid_points: int
    calibration_rows: list[str]


def calibrate(
    path: str | Path | None = None,
    grid: Mapping[str, Iterable[float]] | None = None,
) -> CalibrationResult:
    """Grid search of the efficiency constants on ``role: calibration`` rows only.

    Objective: mean absolute signed step-time error (%) over the calibration rows. Each grid
    point is one :class:`SystemSpec`; the calibration rows are evaluated with the vectorised
    model (one batch per row). Ties are broken by grid order.
    """
    data = load_validation(path)
    g = {k: tuple(v) for k, v in (grid or CALIBRATION_GRID).items()}
    cal = [r for r in data.rows if r.role == "calibration"]
    if not cal:
        raise ValueError("the validation file has no role: calibration rows")
    cases = []
    for row in cal:
        shape, ex = build_case(row)
        cases.append((shape, LayoutBatch.from_executions([ex]), measured_step_seconds(row, shape)))
    names = list(g)
    best_err, best_point = float("inf"), None
    n = 0
    for point in itertools.product(*(g[k] for k in names)):
        n += 1
        sy = data.system.model_copy(update=dict(zip(names, point)))
        errs = [
            abs(float(step_time_batch(shape, sy, lay, ("predicted_step_seconds",)).predicted_step_seconds[0]) / meas - 1.0)
            for shape, lay, meas in cases
        ]
        e = 100.0 * float(np.mean(errs))
        if e < best_err:
            best_err, best_point = e, point
    if best_point is None:  # pragma: no cover - only with an empty grid
        raise ValueError("calibration grid is empty")
    return CalibrationResult(
        constants=dict(zip(names, (float(x) for x in best_point))),
        calibration_mean_abs_error_pct=best_err,
        grid_points=n,
        calibration_rows=[r.id for r in cal],
    )


def calibrate_software(
    stack: str,
    path: str | Path | None = None,
    system_constants: SystemSpec | None = None,
) -> SoftwareCalibration:
    """Fit the efficiency of one non-reference software stack on its calibration rows.

    The SystemSpec constants stay at their calibrated defaults (``system_constants`` overrides
    them); the efficiency is found by bisection so that the mean signed step-time error over the
    stack's ``role: calibration`` rows in ``path`` (default software_stacks.yaml) is zero -- with
    one row, the row is matched exactly. Step time falls monotonically as the efficiency grows.
    """
    if stack not in SOFTWARE_STACKS:
        raise ValueError(f"stack={stack!r} is not a known stack (allowed: {', '.join(SOFTWARE_STACKS)})")
    if stack == REFERENCE_STACK:
        raise ValueError(f"{REFERENCE_STACK} is the reference (1.0 by definition); nothing to fit")
    data = load_external(path if path is not None else SOFTWARE_CALIBRATION_FILE)
    rows = [r for r in data.rows if r.software == stack and r.role == "calibration"]
    if not rows:
        raise ValueError(f"no role: calibration rows with software={stack!r} in the file")
    cases = []
    for row in rows:
        shape, ex = build_case(row)
        base = data.systems[row.system or ""]
        if system_constants is not None:
            base = system_constants.model_copy(update={
                k: getattr(base, k) for k in ("peak_flops", "hbm_bytes", "hbm_bandwidth",
                                              "cards_per_node", "intra_node_bw", "inter_node_bw")
            })
        cases.append((shape, base, ex, measured_step_seconds(row, shape)))

    def mean_err(eff: float) -> float:
        errs = [
            step_time(shape, base.model_copy(update={"software_efficiency": eff}), ex).predicted_step_seconds
            / meas - 1.0
            for shape, base, ex, meas in cases
        ]
        return 100.0 * float(np.mean(errs))

    lo, hi = 0.05, 2.0
    if mean_err(lo) < 0 or mean_err(hi) > 0:
        raise ValueError(f"no efficiency in [{lo}, {hi}] matches the {stack} calibration rows")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if mean_err(mid) > 0:
            lo = mid
        else:
            hi = mid
    eff = 0.5 * (lo + hi)
    return SoftwareCalibration(stack=stack, efficiency=eff, calibration_rows=[r.id for r in rows],
                               mean_signed_error_pct=mean_err(eff))


#: The share of a pass's compute DeepSpeed ZeRO-3's traffic ran under in MEG21 Table 2 (2021): the
#: fit of :func:`calibrate_zero3` on ``zero3_runs.yaml``, the value those rows are predicted with.
#: The planning default (``zero3_overlap_fraction``, 1.0) is PyTorch FSDP's prefetch, not fitted.
DEEPSPEED_2021_ZERO3_OVERLAP = 0.55


def deepspeed_2021(sy: SystemSpec) -> SystemSpec:
    """``sy`` with ZeRO-3 as DeepSpeed ran it in MEG21 Table 2 (2021): its fitted overlap share and
    one NIC per card across servers ([MEG21-Z3] of core.comm); the planning defaults are PyTorch
    FSDP's (share 1.0, NCCL rings on all of a server's NICs)."""
    return sy.model_copy(update={"zero3_overlap_fraction": DEEPSPEED_2021_ZERO3_OVERLAP, "zero3_all_nics": 0.0})

#: Grid of :func:`calibrate_zero3`.
ZERO3_GRID: tuple[float, ...] = tuple(round(x, 2) for x in np.arange(0.0, 1.0001, 0.05))


class Zero3Calibration(BaseModel):
    """The ZeRO-3 overlap share fitted on ``zero3_runs.yaml`` and each row's step-time error."""

    model_config = ConfigDict(frozen=True)
    zero3_overlap_fraction: float
    mean_abs_error_pct: float
    errors_pct: dict[str, float]


def calibrate_zero3(grid: Iterable[float] = ZERO3_GRID, path: str | Path | None = None) -> Zero3Calibration:
    """Fit ``zero3_overlap_fraction`` (core.comm.zero3_exposed_seconds) minimising the mean absolute
    step-time error over the rows of ``zero3_runs.yaml`` (Narayanan et al. 2021 Table 2, ZeRO-3
    without model parallelism), the other constants at their calibrated defaults."""
    data = load_validation(path if path is not None else ZERO3_CALIBRATION_FILE)
    sy = deepspeed_2021(with_profile(data.system))
    cases = []
    for row in data.rows:
        shape, ex = build_case(row)
        cases.append((row.id, shape, ex, measured_step_seconds(row, shape)))
    best: Zero3Calibration | None = None
    for f in grid:
        s = sy.model_copy(update={"zero3_overlap_fraction": float(f)})
        errs = {rid: 100.0 * (step_time(shape, s, ex).predicted_step_seconds / meas - 1.0)
                for rid, shape, ex, meas in cases}
        mean = float(np.mean([abs(e) for e in errs.values()]))
        if best is None or mean < best.mean_abs_error_pct:
            best = Zero3Calibration(zero3_overlap_fraction=float(f), mean_abs_error_pct=mean, errors_pct=errs)
    if best is None:
        raise ValueError("calibrate_zero3: the grid is empty")
    return best
