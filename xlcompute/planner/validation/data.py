"""Validation data: the published runs, as read from ``xlcompute/data/validation/*.yaml``.

Each row names its source; ``role: calibration`` rows are the only rows any constant was fitted
on. The pre-registered files were written and committed before any prediction of them (their
headers record the rules). The history of the validation is in ``docs/validation.md``.
Not part of the pure core: this module reads files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xlcompute._yaml_data import load_yaml
from xlcompute.core.compute import iter_flops_megatron
from xlcompute.planner.inputs import (
    ARCHITECTURE_PROFILES,
    KERNEL_PROFILES,
    SOFTWARE_STACKS,
    Execution,
    SystemSpec,
    kernel_profile,
)
from xlcompute.planner.steptime import TransformerShape

__all__ = [
    "DATA_DIR",
    "DEFAULT_VALIDATION_FILE",
    "EXTERNAL_VALIDATION_FILE",
    "TABLE2_VALIDATION_FILE",
    "PREREGISTERED_FILES",
    "SOFTWARE_CALIBRATION_FILE",
    "REFERENCE_STACK",
    "ValidationRow",
    "ValidationData",
    "ExcludedRow",
    "ExternalData",
    "load_validation",
    "load_external",
    "build_case",
    "fp8_peak_ratio",
    "row_precision",
    "measured_step_seconds",
    "megatron_hardware_flops",
    "HOPPER_VALIDATION_FILE",
    "SCALING_VALIDATION_FILE",
    "STEP5_VALIDATION_FILE",
    "STEP6_VALIDATION_FILE",
    "STEP7_VALIDATION_FILE",
    "STEP8_VALIDATION_FILE",
    "STEP9_VALIDATION_FILE",
    "STEP10_VALIDATION_FILE",
    "architecture_of",
    "STEP11_VALIDATION_FILE",
    "STEP12_VALIDATION_FILE",
    "STEP13_VALIDATION_FILE",
    "STEP14_VALIDATION_FILE",
    "STEP15_VALIDATION_FILE",
    "STEP17_VALIDATION_FILE",
    "STEP18_VALIDATION_FILE",
    "STEP19_VALIDATION_FILE",
    "POST_HOC_CALIBRATION_SETS",
    "ZERO3_CALIBRATION_FILE",
    "profile_of",
    "with_profile",
]

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "validation"
DEFAULT_VALIDATION_FILE = DATA_DIR / "megatron_2021.yaml"
#: Pre-registered extension of the held-out set: published runs outside [MEG21]/[KOR22]
#: (MT-NLG, Llama 3, BLOOM, OPT), each row with its own system, status and, if excluded, the
#: reason fixed before any prediction (see the file header).
EXTERNAL_VALIDATION_FILE = DATA_DIR / "external_runs.yaml"
#: Second pre-registered held-out set: the PTD-P rows of [MEG21] Table 2, written and committed
#: before any prediction of them (see the file header).
TABLE2_VALIDATION_FILE = DATA_DIR / "meg21_table2.yaml"
#: Pre-registered Hopper set (issue 11): DGX Cloud H100 recipes to calibrate the hopper kernel
#: profile on, the Megatron-LM H100 weak-scaling table and the Nemotron-4 15B run held out.
HOPPER_VALIDATION_FILE = DATA_DIR / "hopper_runs.yaml"
#: Pre-registered scaling tables (issue 11): one model and layout at several GPU counts (MegaScale's
#: Megatron-LM baseline up to 12,288 GPUs, Nemotron-4 340B up to 6,144 H100); held out, never fitted.
SCALING_VALIDATION_FILE = DATA_DIR / "scaling_tables.yaml"
#: Fifth pre-registered step-time set: DGX Cloud recipes with context parallelism or FP8 (2026-12-02).
STEP5_VALIDATION_FILE = DATA_DIR / "step_runs_5.yaml"
#: Sixth pre-registered step-time set: ZeRO-3 / FSDP FULL_SHARD runs (LLM Foundry tables; 2026-12-02).
STEP6_VALIDATION_FILE = DATA_DIR / "step_runs_6.yaml"
#: Seventh pre-registered step-time set: small dense models on one 8-GPU server (llm.c, FlashAttention's
#: GPT-3 table, TinyLlama; 2026-12-02), added after the cross-entropy traffic change it tests.
STEP7_VALIDATION_FILE = DATA_DIR / "step_runs_7.yaml"
STEP8_VALIDATION_FILE = DATA_DIR / "step_runs_8.yaml"
STEP9_VALIDATION_FILE = DATA_DIR / "step_runs_9.yaml"
#: Tenth pre-registered step-time set: dense H100 rows of DGX Cloud v25.04/v25.05 and Megatron-Bridge
#: (2026-12-02), written before Hopper's attention kernel became cuDNN's, the change it tests.
STEP10_VALIDATION_FILE = DATA_DIR / "step_runs_10.yaml"
#: Eleventh pre-registered step-time set: dense Blackwell rows (DGX GB200 NVL72, DGX B200) and one H100 row of
#: DGX Cloud v25.05.05 and the NeMo 25.02 performance summary (2026-12-03), written before any prediction of
#: them and predicted once with the model as it stood (no model change tested): the first held-out dense
#: Blackwell figures.
STEP11_VALIDATION_FILE = DATA_DIR / "step_runs_11.yaml"
#: Thirteenth pre-registered step-time set: dense rows on Ascend 910B (MindSpeed-LLM 1.0.RC3's README table with
#: the layouts of its pretrain scripts; 2026-12-04), written before any prediction of them and predicted once
#: with the model as it stood: the first held-out step times on a China-market card (the twelfth set, dense
#: Blackwell, was predicted after it).
STEP13_VALIDATION_FILE = DATA_DIR / "step_runs_13.yaml"
#: Twelfth pre-registered held-out set: 19 dense pre-training rows on B200 / GB200 (Megatron-Bridge 25.11 / 26.04,
#: MLPerf Training v5.1 Llama 3.1 8B) and 2 H100 rows of the same MLPerf table; written from 338f87b, kept
#: unpredicted for a Blackwell change, predicted once on 2026-12-04 with the two candidate profiles its dated
#: declaration names (the borrowed H100 profile won by that rule, so the model was unchanged).
STEP12_VALIDATION_FILE = DATA_DIR / "step_runs_12.yaml"
#: Fourteenth pre-registered held-out set: 24 dense rows of FlagPerf's NVIDIA training cases on A800 (16), H800 (5)
#: and H100 (3), with the layouts of their config files (2026-12-04), written before any prediction of them and
#: predicted once with the model as it stood: the first held-out step times on the China-market NVIDIA cards.
STEP14_VALIDATION_FILE = DATA_DIR / "step_runs_14.yaml"
#: Fifteenth pre-registered held-out set: 5 dense rows on Ascend 910B from MindSpore MindFormers (Qwen1.5 at 32K) and
#: ModelLink (LLaMA2-7B) tables (2026-12-04), written before any prediction of them and predicted once with the 910B
#: constant fitted on step_runs_13.yaml: the first held-out test of that constant.
STEP15_VALIDATION_FILE = DATA_DIR / "step_runs_15.yaml"
#: Seventeenth pre-registered held-out set: 18 GPT-3 175B FP8 rows of MLPerf Training v3.0-v4.1 (the per-step times
#: of the result logs, the layouts of the submissions' configs; 2026-12-05), 64 to 10,752 cards, 6 of them on 4,096
#: or more; written before any prediction of them and predicted once with the model as it stood.
STEP17_VALIDATION_FILE = DATA_DIR / "step_runs_17.yaml"
#: Eighteenth pre-registered held-out set: 16 Llama 3.1 405B rows of MLPerf Training v5.0-v5.1 (126 layers on 8 stages,
#: context parallelism 2, sequence 8,192) on H100, H200, GB200 and B200, 256 to 8,192 cards (2026-12-05), written
#: before any prediction of them and predicted once with the model as it stood.
STEP18_VALIDATION_FILE = DATA_DIR / "step_runs_18.yaml"
#: Nineteenth pre-registered held-out set: 4 Llama 3.1 8B rows of MLPerf Training v6.0 (GB200, B200, H100; 64 to 1,024
#: cards; from a fork of the MLCommons results repository, 2026-12-05), written before any prediction of them and
#: predicted once with the model as it stood.
STEP19_VALIDATION_FILE = DATA_DIR / "step_runs_19.yaml"
#: Calibration rows of the ZeRO-3 path (MEG21 Table 2's DeepSpeed ZeRO-3 runs; the FSDP rows of step_runs_6/8 are held out).
ZERO3_CALIBRATION_FILE = DATA_DIR / "zero3_runs.yaml"
#: Pre-registered sets whose rows became calibration rows after their first prediction (post hoc):
#: step_runs_13.yaml's 910B rows calibrate the Ascend GEMM constant (planner.inputs.KERNEL_PROFILES["ascend"]).
POST_HOC_CALIBRATION_SETS: frozenset[str] = frozenset({"step_runs_13"})
#: Every pre-registered held-out file, in the order they were registered.
PREREGISTERED_FILES: tuple[Path, ...] = (
    EXTERNAL_VALIDATION_FILE, TABLE2_VALIDATION_FILE, HOPPER_VALIDATION_FILE, SCALING_VALIDATION_FILE,
    STEP5_VALIDATION_FILE, STEP6_VALIDATION_FILE, STEP7_VALIDATION_FILE, STEP8_VALIDATION_FILE,
    STEP9_VALIDATION_FILE, STEP10_VALIDATION_FILE, STEP11_VALIDATION_FILE, STEP12_VALIDATION_FILE,
    STEP13_VALIDATION_FILE, STEP14_VALIDATION_FILE, STEP15_VALIDATION_FILE, STEP17_VALIDATION_FILE,
    STEP18_VALIDATION_FILE, STEP19_VALIDATION_FILE,
)
#: Calibration rows of the non-reference software stacks (planner.inputs.SOFTWARE_STACKS).
SOFTWARE_CALIBRATION_FILE = DATA_DIR / "software_stacks.yaml"
#: The stack the SystemSpec constants were calibrated on.
REFERENCE_STACK = "megatron-lm"


class PlanningRow(BaseModel):
    """A published pre-training run typed with planning inputs only (end_to_end.yaml,
    end_to_end_2.yaml, moe_runs.yaml's end-to-end rows): the card count and the published
    card-hours, read the same way in every file."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    tokens: float = Field(gt=0)
    seq_len: int = Field(gt=0)
    accelerator: str
    cards: int | None = Field(default=None, gt=0)
    cards_assumed: int | None = Field(default=None, gt=0)
    published: dict[str, float]

    @property
    def cards_typed(self) -> int:
        """The published card count, or the one the file fixed before prediction."""
        n = self.cards if self.cards is not None else self.cards_assumed
        if n is None:
            raise ValueError(f"row {self.id}: neither cards nor cards_assumed is given")
        return n

    @property
    def published_gpu_hours(self) -> float:
        """Published card-hours; or published days × the published card count × 24; or the
        published card-hours per trillion tokens × the tokens (DeepSeek-V2)."""
        if "gpu_hours" in self.published:
            return float(self.published["gpu_hours"])
        if "days" in self.published and "cards" in self.published:
            return float(self.published["days"] * self.published["cards"] * 24)
        if "gpu_hours_per_trillion_tokens" in self.published:
            return float(self.published["gpu_hours_per_trillion_tokens"] * self.tokens / 1e12)
        raise ValueError(f"row {self.id}: published needs gpu_hours, days with cards, or gpu_hours_per_trillion_tokens")


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
    #: A published first/last-stage split (Megatron-LM --decoder-first/last-pipeline-num-layers); 0 = an even split
    #: or none published.
    first_stage_layers: int = Field(default=0, ge=0)
    last_stage_layers: int = Field(default=0, ge=0)
    #: Context-parallel degree (Megatron-Core's load-balanced causal split); 1 = none.
    cp: int = Field(default=1, ge=1)
    #: Training precision of the linear layers: FP8 runs them at the card's FP8 peak (core.moe.fp8_linear_peak).
    precision: Literal["bf16", "fp8"] = "bf16"
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


class ExternalData(BaseModel):
    """external_runs.yaml: several systems, included rows and excluded rows."""

    model_config = ConfigDict(frozen=True)

    systems: dict[str, SystemSpec]
    system_names: dict[str, str]
    rows: list[ValidationRow]
    excluded: list[ExcludedRow]



def load_validation(path: str | Path | None = None) -> ValidationData:
    """Read the validation YAML (system, defaults, rows)."""
    p = Path(path) if path is not None else DEFAULT_VALIDATION_FILE
    with p.open(encoding="utf-8") as fh:
        raw = load_yaml(fh)
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
        raw = load_yaml(fh)
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
    """Shape and published execution layout of one row (GPT shape: tied embeddings, [MEG21]).
    An FP8 row's layout carries the precision's peak ratio only after :func:`row_precision`."""
    group = row.tp * row.cp * row.pp
    if row.gpus % group:
        raise ValueError(f"row {row.id}: gpus={row.gpus} not a multiple of tp·cp·pp={group}")
    shape = TransformerShape.gpt(
        layers=row.layers, hidden=row.hidden, heads=row.heads, vocab=row.vocab, seq_len=row.seq_len,
        ffn_hidden=row.ffn_hidden, gated_ffn=row.gated_ffn, kv_heads=row.kv_heads,
    )
    ex = Execution(
        tp=row.tp, pp=row.pp, cp=row.cp, dp=row.gpus // group, micro_batch=row.micro_batch,
        global_batch=row.global_batch, interleave=row.interleave,
        first_stage_layers=row.first_stage_layers, last_stage_layers=row.last_stage_layers, sequence_parallel=row.sequence_parallel,
        recompute=row.recompute, zero_stage=row.zero_stage, tp_overlap=row.tp_overlap,
        tp_async_backward=row.tp_async_backward, dp_overlap=row.dp_overlap, flash_attention=row.flash_attention,
    )
    return shape, ex


def _catalog_card(sy: SystemSpec) -> Any:
    """The first catalog card with the system's dense peak and HBM bandwidth (the files give
    figures, not card names), or None."""
    from xlcompute import catalog

    for card in catalog.gpus():
        if abs(card.peak_flops - sy.peak_flops) <= 1e-3 * sy.peak_flops and abs(
                card.hbm_bandwidth_bytes_per_s - sy.hbm_bandwidth) <= 0.05 * sy.hbm_bandwidth:
            return card
    return None


def architecture_of(sy: SystemSpec) -> str:
    """The chip generation of a validation system (its catalog card's ``architecture``), "" if no catalog
    card has its dense peak and HBM bandwidth."""
    card = _catalog_card(sy)
    return str(card.architecture) if card is not None else ""


def fp8_peak_ratio(sy: SystemSpec) -> float:
    """FP8 dense peak ÷ BF16 dense peak of the catalog card a validation system describes (matched
    by its BF16 peak and HBM bandwidth, as :func:`profile_of`)."""
    card = _catalog_card(sy)
    if card is not None:
        if card.fp8_peak_ratio is None:
            raise ValueError(f"{card.name} has no FP8 peak in the catalog: an FP8 row cannot run on it")
        return card.fp8_peak_ratio
    raise ValueError(f"no catalog card has peak {sy.peak_flops:.4g} FLOP/s and HBM {sy.hbm_bandwidth:.4g} B/s: "
                     "an FP8 row needs the card's FP8 peak")


def row_precision(row: ValidationRow, sy: SystemSpec, ex: Execution) -> tuple[SystemSpec, Execution]:
    """System and layout at the row's training precision: for FP8, the peak becomes the FP8 peak
    and the layout carries the FP8/BF16 ratio (the estimate's convention, planner.phases.system)."""
    if row.precision == "bf16":
        return sy, ex
    ratio = fp8_peak_ratio(sy)
    return (sy.model_copy(update={"peak_flops": sy.peak_flops * ratio}),
            ex.model_copy(update={"precision_peak_ratio": ratio}))


def megatron_hardware_flops(shape: TransformerShape, global_batch: float) -> float:
    """[MEG21] eq. (3), 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)): the FLOPs (full recompute counted)
    behind the "achieved teraFLOP/s per GPU" of [MEG21] Table 1 (compute.iter_flops_megatron)."""
    a = shape.arch
    return float(iter_flops_megatron(global_batch, shape.seq_len, a.layers, a.hidden, a.vocab, 1))


def measured_step_seconds(row: ValidationRow, shape: TransformerShape) -> float:
    """The row's measured step time: published directly, or from [MEG21]'s TFLOP/s per GPU."""
    if row.step_seconds is not None:
        return row.step_seconds
    if row.tflops_per_gpu is None:  # pragma: no cover - load_validation guarantees one metric
        raise ValueError(f"row {row.id}: tflops_per_gpu or step_seconds is required")
    # [MEG21] Table 1 throughput is eq. (3) FLOPs / (time * GPUs)
    return megatron_hardware_flops(shape, row.global_batch) / (row.tflops_per_gpu * 1e12 * row.gpus)


def profile_of(sy: SystemSpec) -> str:
    """The kernel profile of a validation system: the generation of the catalog card with the same
    dense peak and HBM bandwidth (the files give figures, not card names); ampere if none matches."""
    card = _catalog_card(sy)
    return ARCHITECTURE_PROFILES[card.architecture] if card is not None else "ampere"


def with_profile(sy: SystemSpec, profile: str | None = None) -> SystemSpec:
    """``sy`` with the kernel constants of ``profile``, or else of its catalog card as the estimate takes
    them (planner.inputs.kernel_profile: its generation's profile, carried to the card where that applies)."""
    card = None if profile else _catalog_card(sy)
    p = (kernel_profile(card.key, card.architecture)[0] if card is not None
         else KERNEL_PROFILES[profile or profile_of(sy)])
    return sy.model_copy(update={"matmul_eff_max": p.matmul_eff_max,
                                 "elementwise_traffic_factor": p.elementwise_traffic_factor,
                                 "flash_attention_efficiency": p.flash_attention_efficiency})
