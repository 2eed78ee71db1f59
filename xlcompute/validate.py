"""Re-runnable validation of the step-time model against published measurements.

Loads ``xlcompute/data/validation/megatron_2021.yaml`` (one source per row), predicts every row
with :func:`xlcompute.core.steptime.step_time`, and reports per-row predicted vs measured step time
(and TFLOP/s per GPU where the paper reports it), signed error, and mean / max absolute error for
all rows, calibration rows and held-out rows separately. For every row it also runs the layout
search on that model and card count and reports whether the published layout, or one predicted
at least as fast, is found. The pre-registered held-out files (``PREREGISTERED_FILES``) and the
software-stack calibration rows (``software_stacks.yaml``) are predicted and reported alongside;
``extended_held_out_*`` is the statistic over every held-out row.

Calibration (:func:`calibrate`): a grid search over the three efficiency constants of
:class:`~xlcompute.core.steptime.SystemSpec` (``matmul_eff_max``, ``matmul_dim_half``,
``elementwise_traffic_factor``) minimising the mean absolute step-time error on the rows marked
``role: calibration`` only. Held-out rows never enter the fit. The winning constants are the
defaults committed in ``SystemSpec``.

Not part of the pure core: this module reads files.

Revision after the held-out error had been seen (issue 6 follow-up) -- read this before quoting
the held-out figure. The first version of the model scored 1.70% mean |error| on the
calibration rows and 5.40% (max 12.07%) on the held-out rows; the misses were the [KOR22]
530B and 1T rows (+8.2/+6.0%, +12.1/+12.0%), predicted too slow. Those held-out numbers were
looked at once, and the investigation below was started because of them, so the held-out set
is no longer perfectly blind. No row changed role, no constant was fitted on held-out rows.

What was found. The same pipeline layouts were measured twice: [MEG21] Table 1 (2021 code)
ran 530B as tp=8 pp=35 v=3 mb=1 (m=280 micro-batches per pipeline, dp=9) in 54.08 s and 1T
as tp=8 pp=64 v=1 mb=1 (m=512, dp=6) in 102.6 s; [KOR22] Table 5 (2022 code, dp=1, layouts
per the Calculon authors' validation inputs) ran the same per-pipeline work in 49.05 s and
94.42 s -- 9-10% faster. Data parallelism explains under ~1.5% of that (the dp all-reduce of
~2e9 fp16 gradients per card over 25 GB/s HDR is ~0.4-0.7 s). [KOR22]'s abstract gives an
independent check: 530B with full recompute on 2240 GPUs (dp=8) reached 42.1% MFU, against
39.2% MFU implied by [MEG21]'s 163 TFLOP/s at dp=9: the 2022 software stack was ~7% faster
on the same layout. A model that sees only the layout cannot be right on both; with five of
seven calibration rows from [MEG21] it followed the 2021 stack. Candidate mechanisms checked:
pipeline p2p (batched isend/irecv, scatter/gather) is < 1% of these steps even if fully
hidden; pp latency terms are microseconds; the bubble (p-1)/(v*m) is fixed by the layout.

What changed (each from a published source, then constants re-fitted on calibration rows):

1. Asynchronous backward tensor-parallel collectives ([MLM-ASYNC] in steptime.py): the
   2022 Megatron-LM code issues the input-gradient all-reduce (SP: reduce-scatter) of the
   column-parallel layers asynchronously under the weight-gradient GEMM; the 2021 code ran it
   synchronously. New field ``Execution.tp_async_backward`` (default True: every Megatron
   release since late 2021); each validation row records its stack (MEG21 rows false, KOR22
   rows true). The overlapped share reuses the existing fixed assumption tp_overlap_fraction.
2. Pipeline fill/drain at the pace of the stages without the logits layer (first/last stage
   imbalance; [MEG21] sec. 2.2.1 derives the bubble for equal stages).
3. (Not affecting any row: no validation row uses ZeRO-3.) The ZeRO-3 overlap window now
   includes exposed TP time, which keeps "higher peak never slower" true with change 1.

Re-running :func:`calibrate` (same grid, calibration rows only) returned the same constants
(matmul_eff_max 0.73, elementwise_traffic_factor 1.75). Result: calibration 1.18% mean
(max 3.09%), held-out 5.06% mean (max 10.11%, kor22-1T-seqsel) -- still above the 5% target.
The residual is the 2021-to-2022 software speed-up that no published source we found
attributes to a modelled mechanism; a per-software-year factor would be a fudge factor and
was not added. Known unmodelled cost: unfused per-micro-batch gradient accumulation
(``main_grad.add_`` in Megatron's DDP, fused only by later releases).

Pre-registered extension of the held-out set (``external_runs.yaml``, issue 6 follow-up 2).
Rows, exclusions, assumptions, systems and roles were written down before the first prediction
and not changed after it; the model and constants were frozen; no fudge factor. Of the runs
fixed by the lead, Llama 3 405B (x2) and BLOOM-176B need uneven pipeline stages (and Llama 3
fused attention at s=8192), which the model lacks; OPT-175B lacks the FLOP convention, recompute
setting and per-rank batch behind its "up to 147 TFLOP/s": all four are recorded as excluded with
those reasons. The two MT-NLG 530B rows (DeepSpeed pipeline engine, published iteration times)
were predicted once: -17.8% (2,240 GPUs, 60.1 s measured, 49.4 s predicted) and -21.1%
(3,360 GPUs, 44.4 s, 35.0 s) -- predicted too fast. Extended held-out (11 + 2 rows): step
time 7.27% mean |error| (max 21.1%), per-card throughput 7.89% (max 26.7%); the original
held-out figures are unchanged (5.06% / 4.93%). The 5% target is not met on the extended set.
A plausible cause, NOT acted on (it would be a post-hoc change): the same 530B shape ran at
163 TFLOP/s on Megatron-LM ([MEG21]) and 126 on the Megatron-DeepSpeed stack, a software
difference the layout-only model does not see, like the 2021-vs-2022 gap above.

Session 3 (issue 6 follow-up 3), in this order -- git history shows each step as its own commit:

1. A second pre-registered held-out set, ``meg21_table2.yaml`` (the six PTD-P rows of [MEG21]
   Table 2), was written and committed before any prediction of it, with the model frozen.
   Predicted once: mean |error| 1.73% (max 2.60%). The unpublished interleaving was fixed by a
   rule written in the file (code default v=1); as a sensitivity check run afterwards, v=2/3
   would give 3.15%. This is the only fully blind set.
2. Software-stack efficiency (``SOFTWARE_STACKS`` / ``SystemSpec.software_efficiency``), the next
   step named in the previous note: one factor per non-reference stack, fitted by
   :func:`calibrate_software` on that stack's calibration rows (``software_stacks.yaml``: the
   MT-NLG run on 2,800 GPUs, never held out) -> megatron-deepspeed 0.799. The two held-out
   MT-NLG rows (``external_runs.yaml``) then score +1.28% and -2.88%; they are not blind for this
   factor (their -17.8% / -21.1% had been seen), and the report keeps both numbers
   (``reference_stack_error_pct``). The SystemSpec constants and the original rows are unchanged.
3. All 19 held-out rows (11 original + 2 MT-NLG + 6 Table 2): 3.69% mean |error| of step time
   (max 10.11%), 3.63% of per-card throughput; with every row on the reference stack 5.52% /
   5.95%. The original 11 stay at 5.06% / 4.93%.
4. Diagnostic only (excluded rows, in no statistic): the ZeRO-3-without-TP rows of [MEG21]
   Table 2, predicted afterwards, come out 27-39% too fast in per-card throughput (e.g. 175B on
   384 GPUs: 201 vs 144 TFLOP/s), and the 530B run on 640 GPUs is predicted not to fit (89 GB)
   although it ran. The ZeRO-3 model is unvalidated and optimistic; the recommended search
   (plan.RECOMMEND_OPTIONS) keeps to ZeRO 0/1.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from xlcompute.core.layout_search import SearchOptions, search_layouts
from xlcompute.core.steptime import (
    SOFTWARE_STACKS,
    Execution,
    LayoutBatch,
    SystemSpec,
    TransformerShape,
    megatron_hardware_flops,
    step_time,
    step_time_batch,
)

__all__ = [
    "DEFAULT_VALIDATION_FILE",
    "EXTERNAL_VALIDATION_FILE",
    "TABLE2_VALIDATION_FILE",
    "PREREGISTERED_FILES",
    "SOFTWARE_CALIBRATION_FILE",
    "CalibrationResult",
    "PreregisteredSet",
    "SoftwareCalibration",
    "ExcludedRow",
    "ExternalData",
    "RowResult",
    "ValidationData",
    "ValidationReport",
    "ValidationRow",
    "build_case",
    "calibrate",
    "calibrate_software",
    "load_external",
    "load_validation",
    "validate",
    "write_report_csv",
]

DEFAULT_VALIDATION_FILE = Path(__file__).parent / "data" / "validation" / "megatron_2021.yaml"
#: Pre-registered extension of the held-out set: published runs outside [MEG21]/[KOR22]
#: (MT-NLG, Llama 3, BLOOM, OPT), each row with its own system, status and, if excluded, the
#: reason fixed before any prediction (see the file header).
EXTERNAL_VALIDATION_FILE = Path(__file__).parent / "data" / "validation" / "external_runs.yaml"
#: Second pre-registered held-out set: the PTD-P rows of [MEG21] Table 2, written and committed
#: before any prediction of them (see the file header).
TABLE2_VALIDATION_FILE = Path(__file__).parent / "data" / "validation" / "meg21_table2.yaml"
#: Every pre-registered held-out file, in the order they were registered.
PREREGISTERED_FILES: tuple[Path, ...] = (EXTERNAL_VALIDATION_FILE, TABLE2_VALIDATION_FILE)
#: Calibration rows of the non-reference software stacks (SOFTWARE_STACKS in steptime.py).
SOFTWARE_CALIBRATION_FILE = Path(__file__).parent / "data" / "validation" / "software_stacks.yaml"
#: The stack the SystemSpec constants were calibrated on.
REFERENCE_STACK = "megatron-lm"

#: Grid used by :func:`calibrate` (documented so the calibration can be re-run exactly).
CALIBRATION_GRID: dict[str, tuple[float, ...]] = {
    "matmul_eff_max": tuple(round(x, 3) for x in np.arange(0.50, 1.0001, 0.01)),
    "elementwise_traffic_factor": tuple(round(x, 2) for x in np.arange(0.0, 6.001, 0.25)),
}


class ValidationRow(BaseModel):
    """One published measurement (see the YAML header for the sources)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    source: str
    role: Literal["calibration", "held_out"]
    heads: int
    hidden: int
    layers: int
    vocab: int
    seq_len: int
    tp: int
    pp: int
    gpus: int
    global_batch: int
    micro_batch: int
    interleave: int = 1
    recompute: Literal["none", "selective", "full"] = "full"
    sequence_parallel: bool = False
    zero_stage: int = 0
    tp_overlap: bool = False
    tp_async_backward: bool = True
    dp_overlap: bool = False
    tflops_per_gpu: float | None = Field(default=None, gt=0)
    step_seconds: float | None = Field(default=None, gt=0)
    # Shape features beyond the GPT shape of [MEG21] (all default to the GPT shape).
    ffn_hidden: int | None = Field(default=None, ge=1)
    gated_ffn: bool = False
    kv_heads: int | None = Field(default=None, ge=1)
    #: Key of the row's system in a multi-system file (external_runs.yaml); None = the file's one system.
    system: str | None = None
    #: Training software (key of SOFTWARE_STACKS); sets the row's SystemSpec.software_efficiency.
    software: str = REFERENCE_STACK
    flash_attention: bool = False

    @field_validator("software")
    @classmethod
    def _known_stack(cls, v: str) -> str:
        if v not in SOFTWARE_STACKS:
            raise ValueError(f"software={v!r} is not a known stack (allowed: {', '.join(SOFTWARE_STACKS)})")
        return v


class ValidationData(BaseModel):
    model_config = ConfigDict(frozen=True)

    system: SystemSpec
    system_name: str
    rows: list[ValidationRow]


class RowResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    role: str
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
    search_candidates: int | None = None
    search_best_step_seconds: float | None = None
    search_best_layout: str | None = None
    search_found: bool | None = Field(
        default=None,
        description="search returned the published layout or one predicted at least as fast",
    )


class ExcludedRow(BaseModel):
    """A published run recorded but excluded from the statistics, with the reason decided before
    any prediction (missing model feature or unpublished measurement convention)."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    role: Literal["calibration", "held_out"]
    system_name: str
    reason: str
    reported: dict[str, Any] = Field(default_factory=dict, description="the published figures")


class PreregisteredSet(BaseModel):
    """Summary of one pre-registered held-out file."""

    model_config = ConfigDict(frozen=True)

    name: str
    included: int
    excluded: int
    mean_abs_error_pct: float
    max_abs_error_pct: float
    mean_abs_throughput_error_pct: float


class SoftwareCalibration(BaseModel):
    """Efficiency of one software stack fitted on that stack's calibration rows."""

    model_config = ConfigDict(frozen=True)

    stack: str
    efficiency: float
    calibration_rows: list[str]
    mean_signed_error_pct: float


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
    #: extended held-out statistic with every row predicted with the reference stack (as the
    #: MT-NLG rows were pre-registered, before their stack efficiency existed)
    extended_held_out_reference_stack_mean_abs_error_pct: float = float("nan")
    extended_held_out_reference_stack_mean_abs_throughput_error_pct: float = float("nan")


class ExternalData(BaseModel):
    """external_runs.yaml: several systems, included rows and excluded rows."""

    model_config = ConfigDict(frozen=True)

    systems: dict[str, SystemSpec]
    system_names: dict[str, str]
    rows: list[ValidationRow]
    excluded: list[ExcludedRow]



class CalibrationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    constants: dict[str, float]
    calibration_mean_abs_error_pct: float
    grid_points: int
    calibration_rows: list[str]


def load_validation(path: str | Path | None = None) -> ValidationData:
    """Read the validation YAML (system, defaults, rows)."""
    p = Path(path) if path is not None else DEFAULT_VALIDATION_FILE
    with p.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    sysraw = {k: v for k, v in raw["system"].items() if k not in ("name", "source")}
    defaults: Mapping[str, Any] = raw.get("defaults", {})
    rows = [ValidationRow(**{**defaults, **r}) for r in raw["rows"]]
    for r in rows:
        if (r.tflops_per_gpu is None) == (r.step_seconds is None):
            raise ValueError(f"row {r.id}: give exactly one of tflops_per_gpu or step_seconds")
    return ValidationData(
        system=SystemSpec(**sysraw), system_name=str(raw["system"].get("name", "")), rows=rows
    )


def load_external(path: str | Path | None = None) -> ExternalData:
    """Read external_runs.yaml: ``systems`` by key, rows with ``status: included|excluded``.

    Included rows are full :class:`ValidationRow` s naming their ``system``; excluded rows keep
    the published figures (``reported``) and the ``exclusion_reason`` written before prediction.
    """
    p = Path(path) if path is not None else EXTERNAL_VALIDATION_FILE
    with p.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    systems: dict[str, SystemSpec] = {}
    names: dict[str, str] = {}
    for key, sysraw in raw["systems"].items():
        systems[key] = SystemSpec(**{k: v for k, v in sysraw.items() if k not in ("name", "source")})
        names[key] = str(sysraw.get("name", key))
    rows: list[ValidationRow] = []
    excluded: list[ExcludedRow] = []
    for r in raw["rows"]:
        status = r.get("status")
        if r.get("system") not in systems:
            raise ValueError(f"row {r.get('id')}: unknown system {r.get('system')!r}")
        if status == "excluded":
            reason = str(r.get("exclusion_reason", "")).strip()
            if not reason:
                raise ValueError(f"row {r.get('id')}: an excluded row needs an exclusion_reason")
            excluded.append(
                ExcludedRow(
                    id=r["id"],
                    source=r["source"],
                    role=r["role"],
                    system_name=names[r["system"]],
                    reason=reason,
                    reported=dict(r.get("reported", {})),
                )
            )
        elif status == "included":
            row = ValidationRow(**r)
            if (row.tflops_per_gpu is None) == (row.step_seconds is None):
                raise ValueError(f"row {row.id}: give exactly one of tflops_per_gpu or step_seconds")
            rows.append(row)
        else:
            raise ValueError(f"row {r.get('id')}: status must be included or excluded (got {status!r})")
    return ExternalData(systems=systems, system_names=names, rows=rows, excluded=excluded)


def build_case(row: ValidationRow) -> tuple[TransformerShape, Execution]:
    """Shape and published execution layout of one row."""
    if row.gpus % (row.tp * row.pp):
        raise ValueError(f"row {row.id}: gpus={row.gpus} not a multiple of tp*pp={row.tp * row.pp}")
    shape = TransformerShape(
        layers=row.layers,
        hidden=row.hidden,
        heads=row.heads,
        vocab=row.vocab,
        seq_len=row.seq_len,
        ffn_hidden=row.ffn_hidden,
        gated_ffn=row.gated_ffn,
        kv_heads=row.kv_heads,
    )
    ex = Execution(
        tp=row.tp,
        pp=row.pp,
        dp=row.gpus // (row.tp * row.pp),
        micro_batch=row.micro_batch,
        global_batch=row.global_batch,
        interleave=row.interleave,
        sequence_parallel=row.sequence_parallel,
        recompute=row.recompute,
        zero_stage=row.zero_stage,
        tp_overlap=row.tp_overlap,
        tp_async_backward=row.tp_async_backward,
        dp_overlap=row.dp_overlap,
        flash_attention=row.flash_attention,
    )
    return shape, ex


def _measured_step(row: ValidationRow, shape: TransformerShape) -> float:
    if row.step_seconds is not None:
        return row.step_seconds
    if row.tflops_per_gpu is None:  # pragma: no cover - load_validation guarantees one metric
        raise ValueError(f"row {row.id}: tflops_per_gpu or step_seconds is required")
    # [MEG21] Table 1 throughput is eq. (3) FLOPs / (time * GPUs)
    return megatron_hardware_flops(shape, row.global_batch) / (row.tflops_per_gpu * 1e12 * row.gpus)


def _stats(errs: Sequence[float]) -> tuple[float, float]:
    if not errs:
        return float("nan"), float("nan")
    a = np.abs(np.asarray(errs, dtype=float))
    return float(a.mean()), float(a.max())


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
    sy_row = _row_system(row, sy, stacks)
    res = step_time(shape, sy_row, ex)
    meas_t = _measured_step(row, shape)
    err = (res.step_seconds / meas_t - 1.0) * 100.0
    ref_err = None
    if row.software != REFERENCE_STACK:
        ref = step_time(shape, sy.model_copy(update={"software_efficiency": 1.0}), ex)
        ref_err = (ref.step_seconds / meas_t - 1.0) * 100.0
    if row.tflops_per_gpu is not None:
        metric: Literal["tflops_per_gpu", "step_seconds"] = "tflops_per_gpu"
        measured = row.tflops_per_gpu
        predicted = megatron_hardware_flops(shape, row.global_batch) / (
            res.step_seconds * row.gpus * 1e12
        )
    else:
        metric, measured, predicted = "step_seconds", meas_t, res.step_seconds
    extra: dict[str, Any] = {}
    if search:
        opt = search_options or SearchOptions(
            top_k=1,
            max_global_batch=max(3072, row.global_batch),
            tp_async_backward=row.tp_async_backward,  # the row's software stack
            flash_attention=row.flash_attention,
        )
        sr = search_layouts(shape, sy_row, row.gpus, row.global_batch, opt)
        best = sr.best[0] if sr.best else None
        extra = {
            "search_candidates": sr.candidates_evaluated,
            "search_best_step_seconds": best.result.step_seconds if best else None,
            "search_best_layout": _layout_text(best.execution) if best else None,
            "search_found": bool(
                best is not None and best.result.step_seconds <= res.step_seconds * (1 + 1e-9)
            ),
        }
    return RowResult(
        id=row.id,
        source=row.source,
        role=row.role,
        metric=metric,
        measured=measured,
        predicted=predicted,
        measured_step_seconds=meas_t,
        predicted_step_seconds=res.step_seconds,
        error_pct=err,
        throughput_error_pct=100.0 * (meas_t / res.step_seconds - 1.0),
        predicted_mfu=res.mfu,
        predicted_hfu=res.hfu,
        published_layout_fits=res.fits,
        system_name=system_name,
        set_name=set_name,
        software=row.software,
        reference_stack_error_pct=ref_err,
        **extra,
    )


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
    sy = system or data.system
    main_set = Path(path).stem if path is not None else DEFAULT_VALIDATION_FILE.stem
    results = [_predict_row(row, sy, search, search_options, set_name=main_set, stacks=stacks)
               for row in data.rows]
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
            these.append(_predict_row(row, ext.systems[key], search, search_options,
                                      ext.system_names[key], name, stacks))
        ext_results.extend(these)
        m, x = _stats([r.error_pct for r in these])
        tm, _ = _stats([r.throughput_error_pct for r in these])
        sets.append(PreregisteredSet(name=name, included=len(these), excluded=len(ext.excluded),
                                     mean_abs_error_pct=m, max_abs_error_pct=x,
                                     mean_abs_throughput_error_pct=tm))
    stack_results: list[RowResult] = []
    if software_path is not None:
        sw = load_external(software_path)
        for row in sw.rows:
            key = row.system or ""
            stack_results.append(_predict_row(row, sw.systems[key], search, search_options,
                                              sw.system_names[key], Path(software_path).stem, stacks))
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
        software_stacks=stacks,
        extended_held_out_reference_stack_mean_abs_error_pct=xr_m,
        extended_held_out_reference_stack_mean_abs_throughput_error_pct=xr_tm,
    )


def _layout_text(ex: Execution) -> str:
    return (
        f"tp={ex.tp} pp={ex.pp} dp={ex.dp} mb={ex.micro_batch} v={ex.interleave} "
        f"rc={ex.recompute} sp={int(ex.sequence_parallel)} zero={ex.zero_stage} "
        f"offload={int(ex.offload)} tp_overlap={int(ex.tp_overlap)}"
    )


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
        cases.append((shape, LayoutBatch.from_executions([ex]), _measured_step(row, shape)))
    names = list(g)
    best_err, best_point = float("inf"), None
    n = 0
    for point in itertools.product(*(g[k] for k in names)):
        n += 1
        sy = data.system.model_copy(update=dict(zip(names, point)))
        errs = [
            abs(float(step_time_batch(shape, sy, lay, validate=False).step_seconds[0]) / meas - 1.0)
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
        cases.append((shape, base, ex, _measured_step(row, shape)))

    def mean_err(eff: float) -> float:
        errs = [
            step_time(shape, base.model_copy(update={"software_efficiency": eff}), ex).step_seconds
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


def write_report_csv(
    report: ValidationReport, path: str | Path, *, include_external: bool = False
) -> Path:
    """Write the per-row comparison as CSV (atomically): the table the proposal appendix shows.

    ``include_external`` appends the included rows of the pre-registered files and the software-
    stack calibration rows after the main rows (same columns; excluded rows have no prediction
    and are not written).
    """
    import csv
    import io
    import os
    import tempfile

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
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
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
