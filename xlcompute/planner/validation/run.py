"""Re-runnable validation of the step-time model against published measurements.

:func:`validate` predicts every row of ``megatron_2021.yaml`` (calibration and held-out rows),
of the pre-registered held-out files and of the software-stack calibration rows with
:func:`xlcompute.planner.steptime.step_time`, and reports per-row predicted vs measured step time
(and TFLOP/s per GPU where the paper reports it), signed errors, and mean / max absolute errors
for calibration, held-out and pre-registered rows separately. With ``search`` it also runs the
layout search for every row and reports whether the published layout, or one predicted at least
as fast, is found. The validation's history is in ``docs/validation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from xlcompute._atomic import atomic_write
from xlcompute.planner.inputs import SOFTWARE_STACKS, Execution, SystemSpec
from xlcompute.planner.search import SearchOptions, search_layouts
from xlcompute.planner.steptime import step_time
from xlcompute.planner.validation.calibrate import deepspeed_2021
from xlcompute.planner.validation.repeats import RepeatGroup, repeated_configurations
from xlcompute.planner.validation.data import (
    DEFAULT_VALIDATION_FILE,
    POST_HOC_CALIBRATION_SETS,
    PREREGISTERED_FILES,
    REFERENCE_STACK,
    SOFTWARE_CALIBRATION_FILE,
    ZERO3_CALIBRATION_FILE,
    ExcludedRow,
    ValidationRow,
    architecture_of,
    build_case,
    row_precision,
    load_external,
    load_validation,
    measured_step_seconds,
    megatron_hardware_flops,
    with_profile,
)

__all__ = ["RowResult", "PreregisteredSet", "Sensitivity", "SENSITIVITY_SYSTEMS", "ValidationReport", "validate",
           "report_csv", "write_report_csv", "layout_text", "MICROBATCH_BINS", "by_microbatches", "microbatch_errors",
           "by_recompute"]

#: Sensitivity variants a pre-registered file's header names before any prediction: its rows on the
#: primary system block are predicted again with the variant block and reported beside it, never
#: chosen between. scaling_tables.yaml: MegaScale names its GPUs only "NVIDIA Ampere", so A100-SXM
#: (primary) and A800-SXM (NVLink 200 instead of 300 GB/s per direction) cannot be told apart.
SENSITIVITY_SYSTEMS: dict[str, dict[str, str]] = {"scaling_tables": {"megascale_ampere": "megascale_ampere_a800"}}


class RowResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    role: str
    gpus: int = 0
    peak_flops: float = Field(0.0, description="the row's system's dense BF16/FP16 peak per card, FLOP/s")
    architecture: str = Field("", description="the chip generation of the row's card ('' if not in the catalog)")
    metric: Literal["tflops_per_gpu", "step_seconds"]
    measured: float
    predicted: float
    measured_step_seconds: float
    predicted_step_seconds: float
    error_pct: float = Field(description="signed error of the predicted step time, %")
    throughput_error_pct: float = Field(
        description="signed error of the predicted per-card throughput (tokens/s or TFLOP/s per GPU), %"
    )
    predicted_mfu: float
    predicted_hfu: float
    published_layout_fits: bool
    system_name: str | None = Field(default=None, description="system of the row when it is not the report's")
    set_name: str = Field(default="", description="stem of the data file the row comes from")
    software: str = REFERENCE_STACK
    reference_stack_error_pct: float | None = Field(
        default=None,
        description="signed step-time error with the reference stack's efficiency (1.0) -- what a "
        "row of another stack scored before its stack efficiency existed",
    )
    microbatches: float = Field(
        0.0, description="micro-batches each data-parallel replica runs per step, global batch / (dp · micro-batch)")
    recompute: str = Field("", description="the row's activation recomputation: none, selective or full")
    search_candidates: int | None = None
    search_best_step_seconds: float | None = None
    search_best_layout: str | None = None
    search_found: bool | None = Field(
        default=None,
        description="search returned the published layout or one predicted at least as fast",
    )


class PreregisteredSet(BaseModel):
    """Summary of one pre-registered file: its held-out rows, and apart its calibration rows."""

    model_config = ConfigDict(frozen=True)

    name: str
    included: int
    excluded: int
    mean_abs_error_pct: float | None = Field(description="held-out rows; None without any")
    max_abs_error_pct: float | None = Field(description="held-out rows; None without any")
    mean_abs_throughput_error_pct: float | None = Field(description="held-out rows; None without any")
    calibration: int = Field(0, description="calibration rows (fitted on; not in the held-out figures)")
    calibration_mean_abs_error_pct: float | None = Field(None, description="None without calibration rows")
    sensitivity: list["Sensitivity"] = Field(default_factory=list, description="pre-registered variant blocks")


class Sensitivity(BaseModel):
    """A pre-registered sensitivity variant (:data:`SENSITIVITY_SYSTEMS`): the held-out rows of the primary
    system block predicted again with the variant block; both are reported, neither is chosen."""

    model_config = ConfigDict(frozen=True)

    system: str
    variant: str
    rows: int
    mean_abs_error_pct: float = Field(description="the rows with the primary block (as in the set's figures)")
    variant_mean_abs_error_pct: float
    variant_mean_signed_error_pct: float


class ValidationReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    system_name: str
    constants: dict[str, float]
    rows: list[RowResult]
    mean_abs_error_pct: float
    max_abs_error_pct: float
    calibration_mean_abs_error_pct: float
    calibration_max_abs_error_pct: float
    held_out_mean_abs_error_pct: float
    held_out_max_abs_error_pct: float
    # The same comparison on per-card throughput (1/step time): issue 6 accepts either metric.
    calibration_mean_abs_throughput_error_pct: float
    held_out_mean_abs_throughput_error_pct: float
    held_out_max_abs_throughput_error_pct: float
    search_found_all: bool | None
    # Pre-registered extension (external_runs.yaml). ``rows`` and the fields above stay the
    # original [MEG21]/[KOR22] set; the new rows and the combined held-out statistics are here.
    external_rows: list[RowResult] = Field(
        default_factory=list, description="included rows of the external file (all role held_out)"
    )
    excluded_rows: list[ExcludedRow] = Field(
        default_factory=list, description="rows recorded but excluded before prediction, with reasons"
    )
    external_mean_abs_error_pct: float = float("nan")
    external_mean_abs_throughput_error_pct: float = float("nan")
    extended_held_out_count: int = 0
    extended_held_out_mean_abs_error_pct: float = float("nan")
    extended_held_out_max_abs_error_pct: float = float("nan")
    extended_held_out_mean_abs_throughput_error_pct: float = float("nan")
    extended_held_out_max_abs_throughput_error_pct: float = float("nan")
    external_search_found_all: bool | None = None
    preregistered_sets: list[PreregisteredSet] = Field(default_factory=list)
    stack_rows: list[RowResult] = Field(
        default_factory=list, description="calibration rows of the non-reference software stacks"
    )
    software_stacks: dict[str, float] = Field(default_factory=dict)
    zero3_rows: list[RowResult] = Field(
        default_factory=list, description="the ZeRO-3 calibration rows (zero3_runs.yaml), never held out"
    )
    zero3_overlap_fraction: float = Field(1.0, description="the ZeRO-3 overlap share the zero3 rows ran with")
    #: extended held-out statistic with every row predicted with the reference stack (as the
    #: MT-NLG rows were pre-registered, before their stack efficiency existed)
    extended_held_out_reference_stack_mean_abs_error_pct: float = float("nan")
    extended_held_out_reference_stack_mean_abs_throughput_error_pct: float = float("nan")
    #: held-out rows on 4,096 cards or more (issue 11: scale effects)
    large_held_out_count: int = 0
    large_held_out_mean_abs_error_pct: float = float("nan")
    repeats: list[RepeatGroup] = Field(
        default_factory=list, description="rows of the main and pre-registered files whose configuration is "
        "identical for the step-time model (planner.validation.repeats): what published step times disagree by")


def _stats(errs: Sequence[float]) -> tuple[float, float]:
    if not errs:
        return float("nan"), float("nan")
    a = np.abs(np.asarray(errs, dtype=float))
    return float(a.mean()), float(a.max())


#: Bins of micro-batches per data-parallel replica for :func:`by_microbatches`: the fewer a replica runs, the
#: larger the share of a step the per-step terms take (pipeline fill, data-parallel traffic, optimizer).
MICROBATCH_BINS: tuple[tuple[str, float, float], ...] = (
    ("1-4", 0, 4), ("5-16", 4, 16), ("17-32", 16, 32), ("33-64", 32, 64), (">64", 64, math.inf))


def microbatch_errors(rows: Sequence[RowResult], lo: float, hi: float) -> tuple[int, float, float]:
    """(runs, mean |step-time error| %, signed mean %) of the ``rows`` whose replicas run more than ``lo`` and at
    most ``hi`` micro-batches per step; (0, nan, nan) without any."""
    return _group_stats([r.error_pct for r in rows if lo < r.microbatches <= hi])


def _group_stats(errs: Sequence[float]) -> tuple[int, float, float]:
    """(runs, mean |error| %, signed mean %) of a group's step-time errors; (0, nan, nan) for none."""
    if not errs:
        return 0, math.nan, math.nan
    return len(errs), float(np.mean(np.abs(errs))), float(np.mean(errs))


def by_microbatches(rows: Sequence[RowResult]) -> list[tuple[str, int, float, float]]:
    """(bin, runs, mean |step-time error| %, signed mean %) of ``rows`` by micro-batches per replica
    (:data:`MICROBATCH_BINS`); bins without a run are left out."""
    return [(label, *stats) for label, lo, hi in MICROBATCH_BINS
            if (stats := microbatch_errors(rows, lo, hi))[0]]


def by_recompute(rows: Sequence[RowResult]) -> list[tuple[str, str, int, float, float]]:
    """(card generation, recomputation, runs, mean |step-time error| %, signed mean %) of ``rows``, in the order
    of their first row. A generation's kernel constants are fitted on calibration rows of one regime (the A100's on
    Megatron tables that all recompute), so an error that follows the regime shows here (docs/validation.md,
    2026-12-06)."""
    groups: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        groups.setdefault((r.architecture or "other", r.recompute), []).append(r.error_pct)
    return [(arch, rc, *_group_stats(e)) for (arch, rc), e in groups.items()]


def _row_system(row: ValidationRow, sy: SystemSpec, stacks: Mapping[str, float]) -> SystemSpec:
    """The row's system with its software stack's efficiency."""
    return sy.model_copy(update={"software_efficiency": stacks[row.software]})


def _predict_row(
    row: ValidationRow,
    sy: SystemSpec,
    search: bool,
    search_options: SearchOptions | None,
    system_name: str | None = None,
    set_name: str = "",
    stacks: Mapping[str, float] = SOFTWARE_STACKS,
) -> RowResult:
    """Predict one row with system ``sy`` and its stack; optionally run the layout search on it."""
    shape, ex = build_case(row)
    sy_row, ex = row_precision(row, _row_system(row, sy, stacks), ex)
    res = step_time(shape, sy_row, ex)
    meas_t = measured_step_seconds(row, shape)
    err = (res.predicted_step_seconds / meas_t - 1.0) * 100.0
    ref_err = None
    if row.software != REFERENCE_STACK:
        ref = step_time(shape, sy_row.model_copy(update={"software_efficiency": 1.0}), ex)
        ref_err = (ref.predicted_step_seconds / meas_t - 1.0) * 100.0
    if row.tflops_per_gpu is not None:
        metric: Literal["tflops_per_gpu", "step_seconds"] = "tflops_per_gpu"
        measured = row.tflops_per_gpu
        predicted = megatron_hardware_flops(shape, row.global_batch) / (
            res.predicted_step_seconds * row.gpus * 1e12
        )
    else:
        metric, measured, predicted = "step_seconds", meas_t, res.predicted_step_seconds
    extra: dict[str, Any] = {}
    if search:
        opt = search_options or SearchOptions(
            top_k=1,
            max_global_batch=max(3072, row.global_batch),
            tp_async_backward=row.tp_async_backward,  # the row's software stack
            flash_attention=row.flash_attention,
            precision_peak_ratio=ex.precision_peak_ratio,
            context_parallel=tuple(sorted({1, row.cp})),
            # the published interleave (one layer per chunk, e.g. 23) is in the space
            max_interleave=max(SearchOptions().max_interleave, row.interleave),
            # and so is the published micro-batch (llm.c's GPT-2 124M runs 64 sequences per card)
            max_micro_batch=max(SearchOptions().max_micro_batch, row.micro_batch),
            # and a published pipeline whose stages or chunks are uneven (Llama 3.1 405B: 126 layers on 8 stages)
            uneven_stages=row.layers % row.pp != 0,
            unequal_chunks=row.layers % (row.pp * row.interleave) != 0,
        )
        sr = search_layouts(shape, sy_row, row.gpus, row.global_batch, opt)
        best = sr.best[0] if sr.best else None
        extra = {
            "search_candidates": sr.candidates_evaluated,
            "search_best_step_seconds": best.result.predicted_step_seconds if best else None,
            "search_best_layout": layout_text(best.execution) if best else None,
            "search_found": bool(
                best is not None and best.result.predicted_step_seconds <= res.predicted_step_seconds * (1 + 1e-9)
            ),
        }
    return RowResult(
        id=row.id,
        source=row.source,
        role=row.role,
        gpus=row.gpus,
        peak_flops=sy.peak_flops,
        architecture=architecture_of(sy),
        metric=metric,
        measured=measured,
        predicted=predicted,
        measured_step_seconds=meas_t,
        predicted_step_seconds=res.predicted_step_seconds,
        error_pct=err,
        throughput_error_pct=100.0 * (meas_t / res.predicted_step_seconds - 1.0),
        predicted_mfu=res.predicted_mfu,
        predicted_hfu=res.predicted_hfu,
        published_layout_fits=res.fits,
        system_name=system_name,
        set_name=set_name,
        software=row.software,
        reference_stack_error_pct=ref_err,
        microbatches=ex.global_batch / (ex.dp * ex.micro_batch),
        recompute=ex.recompute,
        **extra,
    )


def _sensitivity(ext: Any, results: list[RowResult], name: str, stacks: Mapping[str, float]) -> list[Sensitivity]:
    """The pre-registered variants of file ``name`` (:data:`SENSITIVITY_SYSTEMS`) on its held-out rows."""
    out = []
    for primary, variant in SENSITIVITY_SYSTEMS.get(name, {}).items():
        if primary not in ext.systems or variant not in ext.systems:
            raise ValueError(f"{name}.yaml: sensitivity blocks {primary!r} / {variant!r} are not both in its systems")
        by_id = {r.id: r for r in results}
        rows = [row for row in ext.rows if row.system == primary and by_id[row.id].role == "held_out"]
        again = [_predict_row(row, with_profile(ext.systems[variant]), False, None, ext.system_names[variant],
                              name, stacks).error_pct for row in rows]
        out.append(Sensitivity(system=primary, variant=variant, rows=len(rows),
                               mean_abs_error_pct=_stats([by_id[row.id].error_pct for row in rows])[0],
                               variant_mean_abs_error_pct=_stats(again)[0],
                               variant_mean_signed_error_pct=float(np.mean(again))))
    return out


def _throughput_error(step_error_pct: float) -> float:
    """Per-card throughput error (%) implied by a step-time error (%)."""
    return 100.0 * (1.0 / (1.0 + step_error_pct / 100.0) - 1.0)


def validate(
    path: str | Path | None = None,
    system: SystemSpec | None = None,
    *,
    search: bool = True,
    search_options: SearchOptions | None = None,
    preregistered: Sequence[str | Path] | None = PREREGISTERED_FILES,
    software_path: str | Path | None = SOFTWARE_CALIBRATION_FILE,
    stacks: Mapping[str, float] | None = None,
) -> ValidationReport:
    """Predict every row and compare with the measurement; optionally run the layout search.

    ``rows`` and the calibration / held-out statistics cover the main file (``path``) only. The
    pre-registered held-out files (``preregistered``; None or () skips them) are predicted with
    each row's own system and software stack (``system`` applies to the main file only) and
    reported in ``external_rows`` / ``excluded_rows`` / ``preregistered_sets``;
    ``extended_held_out_*`` combine the main file's held-out rows with every included
    pre-registered row. ``software_path`` holds the calibration rows of the non-reference
    stacks (reported in ``stack_rows``, never in a held-out statistic).
    """
    stacks = dict(stacks or SOFTWARE_STACKS)
    data = load_validation(path)
    sy = system or with_profile(data.system)
    main_set = Path(path).stem if path is not None else DEFAULT_VALIDATION_FILE.stem
    results = [_predict_row(row, sy, search, search_options, set_name=main_set, stacks=stacks)
               for row in data.rows]
    measured: list[tuple[str, ValidationRow, SystemSpec, float, float]] = [
        (main_set, row, data.system, r.measured_step_seconds, r.error_pct) for row, r in zip(data.rows, results)]
    ext_results: list[RowResult] = []
    excluded: list[ExcludedRow] = []
    sets: list[PreregisteredSet] = []
    for ext_path in preregistered or ():
        ext = load_external(ext_path)
        name = Path(ext_path).stem
        excluded.extend(ext.excluded)
        these = []
        for row in ext.rows:
            key = row.system or ""
            result = _predict_row(row, with_profile(ext.systems[key]), search, search_options,
                                  ext.system_names[key], name, stacks)
            # a set some constant was fitted on after its first prediction reports as calibration
            these.append(result.model_copy(update={"role": "calibration"}) if name in POST_HOC_CALIBRATION_SETS
                         else result)
            measured.append((name, row, ext.systems[key], result.measured_step_seconds, result.error_pct))
        ext_results.extend(these)
        held = [r for r in these if r.role == "held_out"]
        m, x = _stats([r.error_pct for r in held]) if held else (None, None)
        tm = _stats([r.throughput_error_pct for r in held])[0] if held else None
        cal_rows = [r.error_pct for r in these if r.role == "calibration"]
        cm = _stats(cal_rows)[0] if cal_rows else None
        sets.append(PreregisteredSet(name=name, included=len(these), excluded=len(ext.excluded),
                                     mean_abs_error_pct=m, max_abs_error_pct=x,
                                     mean_abs_throughput_error_pct=tm, calibration=len(these) - len(held),
                                     calibration_mean_abs_error_pct=cm,
                                     sensitivity=_sensitivity(ext, these, name, stacks)))
    stack_results: list[RowResult] = []
    if software_path is not None:
        sw = load_external(software_path)
        for row in sw.rows:
            key = row.system or ""
            stack_results.append(_predict_row(row, with_profile(sw.systems[key]), search, search_options,
                                              sw.system_names[key], Path(software_path).stem, stacks))
    z3 = load_validation(ZERO3_CALIBRATION_FILE)
    # DeepSpeed ZeRO-3 of 2021, with its own fitted overlap (the planning default is PyTorch FSDP's)
    z3_system = deepspeed_2021(with_profile(z3.system))
    zero3_results = [_predict_row(row, z3_system, False, None, z3.system_name, ZERO3_CALIBRATION_FILE.stem, stacks)
                     for row in z3.rows]
    all_m, all_x = _stats([r.error_pct for r in results])
    cal_m, cal_x = _stats([r.error_pct for r in results if r.role == "calibration"])
    ho_m, ho_x = _stats([r.error_pct for r in results if r.role == "held_out"])
    cal_tm, _ = _stats([r.throughput_error_pct for r in results if r.role == "calibration"])
    ho_tm, ho_tx = _stats([r.throughput_error_pct for r in results if r.role == "held_out"])
    ext_m, _ = _stats([r.error_pct for r in ext_results])
    ext_tm, _ = _stats([r.throughput_error_pct for r in ext_results])
    extended = [r for r in results if r.role == "held_out"] + [
        r for r in ext_results if r.role == "held_out"
    ]
    xh_m, xh_x = _stats([r.error_pct for r in extended])
    large = [r for r in extended if r.gpus >= 4096]
    lg_m, _ = _stats([r.error_pct for r in large])
    xh_tm, xh_tx = _stats([r.throughput_error_pct for r in extended])
    ref_errs = [r.error_pct if r.reference_stack_error_pct is None else r.reference_stack_error_pct
                for r in extended]
    xr_m, _ = _stats(ref_errs)
    xr_tm, _ = _stats([_throughput_error(e) for e in ref_errs])
    return ValidationReport(
        system_name=data.system_name,
        constants={
            "matmul_eff_max": sy.matmul_eff_max,
            "matmul_dim_half": float(
                sy.matmul_dim_half
                if sy.matmul_dim_half is not None
                else sy.peak_flops / sy.hbm_bandwidth
            ),
            "elementwise_traffic_factor": sy.elementwise_traffic_factor,
        },
        rows=results,
        mean_abs_error_pct=all_m,
        max_abs_error_pct=all_x,
        calibration_mean_abs_error_pct=cal_m,
        calibration_max_abs_error_pct=cal_x,
        held_out_mean_abs_error_pct=ho_m,
        held_out_max_abs_error_pct=ho_x,
        calibration_mean_abs_throughput_error_pct=cal_tm,
        held_out_mean_abs_throughput_error_pct=ho_tm,
        held_out_max_abs_throughput_error_pct=ho_tx,
        search_found_all=all(bool(r.search_found) for r in results) if search else None,
        external_rows=ext_results,
        excluded_rows=excluded,
        external_mean_abs_error_pct=ext_m,
        external_mean_abs_throughput_error_pct=ext_tm,
        extended_held_out_count=len(extended),
        extended_held_out_mean_abs_error_pct=xh_m,
        extended_held_out_max_abs_error_pct=xh_x,
        extended_held_out_mean_abs_throughput_error_pct=xh_tm,
        extended_held_out_max_abs_throughput_error_pct=xh_tx,
        external_search_found_all=(
            all(bool(r.search_found) for r in ext_results) if search and ext_results else None
        ),
        preregistered_sets=sets,
        stack_rows=stack_results,
        zero3_rows=zero3_results,
        zero3_overlap_fraction=z3_system.zero3_overlap_fraction,
        software_stacks=stacks,
        extended_held_out_reference_stack_mean_abs_error_pct=xr_m,
        extended_held_out_reference_stack_mean_abs_throughput_error_pct=xr_tm,
        repeats=repeated_configurations(measured),
        large_held_out_count=len(large),
        large_held_out_mean_abs_error_pct=lg_m,
    )


def layout_text(ex: Execution) -> str:
    cp = f" cp={ex.cp}" if ex.cp > 1 else ""
    return (
        f"tp={ex.tp}{cp} pp={ex.pp} dp={ex.dp} mb={ex.micro_batch} v={ex.interleave} "
        f"rc={ex.recompute} sp={int(ex.sequence_parallel)} zero={ex.zero_stage} "
        f"offload={'+'.join(ex.offloaded) or 0} tp_overlap={int(ex.tp_overlap)}"
    )


def report_csv(report: ValidationReport, *, include_external: bool = False) -> str:
    """The per-row comparison as CSV text: the table ``xlcompute validate -o`` writes and the
    proposal attaches.

    ``include_external`` appends the included rows of the pre-registered files and the software-
    stack calibration rows after the main rows (same columns; excluded rows have no prediction
    and are not written).
    """
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "set", "role", "software", "metric", "measured", "predicted",
                     "step_time_error_pct", "throughput_error_pct", "reference_stack_error_pct",
                     "search_found", "source"])
    extra = [*report.external_rows, *report.stack_rows] if include_external else []
    for r in [*report.rows, *extra]:
        ref = "" if r.reference_stack_error_pct is None else f"{r.reference_stack_error_pct:.2f}"
        writer.writerow([r.id, r.set_name, r.role, r.software, r.metric, f"{r.measured:.4g}",
                         f"{r.predicted:.4g}", f"{r.error_pct:.2f}", f"{r.throughput_error_pct:.2f}", ref,
                         "" if r.search_found is None else r.search_found, r.source])
    return buf.getvalue()


def write_report_csv(
    report: ValidationReport, path: str | Path, *, include_external: bool = False
) -> Path:
    """Write :func:`report_csv` to ``path`` atomically."""
    target = Path(path)
    with atomic_write(target) as tmp:
        tmp.write_text(report_csv(report, include_external=include_external), encoding="utf-8", newline="")
    return target
