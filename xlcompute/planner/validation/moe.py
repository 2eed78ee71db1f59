"""Mixture-of-experts validation: ``xlcompute/data/validation/moe_runs.yaml`` (pre-registered).

Step rows hold a published layout and step time; the step-time model predicts each from the row's
model, card and layout. The MoE constants of the step-time model (grouped-GEMM efficiency,
all-to-all efficiency, FP8 GEMM efficiency) are fitted on the file's ``calibration`` rows only
(:func:`calibrate_moe`); ``held_out`` rows are predicted with the fitted constants and reported
apart. The file's end-to-end rows are predicted by the whole estimate from planning inputs only
(:func:`validate_moe_end_to_end`, in :mod:`xlcompute.end_to_end`, which may import the estimate).

How a row becomes an input of the step-time model, fixed before any prediction was looked at:

- system: the catalog card (BF16 peak, HBM, links); the fast domain of an all-to-all is the card's
  NVLink domain (``scale_up_domain``, GB200 NVL72: 72) when the catalog gives one, else its server;
  a card without a scale-out figure (GB200) takes 50 GB/s per card (one 400 Gb/s NIC per GPU, as
  the catalog's B200 and H100), flagged here as an assumption; kernel constants of the card's
  generation (planner.inputs.KERNEL_PROFILES) and the Megatron-LM reference stack (1.0);
- layout: the row's tp, pp, cp, ep, etp, interleave, micro and global batch; dp = gpus/(tp·cp·pp);
  ZeRO-1 (Megatron's distributed optimizer, on in every recipe), flash attention (Transformer
  Engine fused attention), sequence parallelism with tp > 1, the row's TP overlap, DP overlap on;
  ``recompute: selective`` = the step-time model's selective recomputation (with flash attention
  it adds no time; the rows recompute small modules: mla_up_proj, core_attn);
- a2a overlap: :data:`xlcompute.core.moe.MCORE_A2A_OVERLAP` for rows whose text names
  ``moe_a2a_overlap`` as on (Megatron-Core's 1F1B all-to-all overlap; DualPipe's 0.9 until 2026-12-06, forty-first
  session, see moe_runs_10.yaml's notes), else 0;
- dispatcher host wait (added with the fifth model change, before moe_runs_2.yaml was predicted):
  :data:`xlcompute.core.moe.MEGATRON_DROPLESS_SYNC_MS` per MoE layer forward for a dropless row
  whose dispatch text names Megatron-Core's ``alltoall dispatcher`` or DeepEP (both wait on the
  host for the routing's token counts), and for a dropless row whose text says the backend is not
  published but the recipes name "alltoall for H100" when the card is a Hopper card; 0 for
  capacity-padded (token-drop) rows and for HybridEP (:func:`moe_sync_ms`);
- deduplicating dispatch (added with the all-to-all change of 2026-12-03, fourteenth session, before
  moe_runs_6.yaml was predicted; :func:`moe_dedup`): a row sends each token once per other server
  (``a2a_dedup``, core.moe [DEEPEP]) when its dispatch text names DeepEP or HybridEP and not
  Megatron-Core's ``alltoall dispatcher``; a row whose text says the backend is not published takes
  the recipes' choice, flex/HybridEP on a Blackwell card and alltoall on Hopper. Every other row sends
  one copy per expert;
- precision: FP8 rows run the linear GEMMs against the card's FP8 peak (precision ratio = FP8/BF16
  peak), the rest at BF16; the row's ``mtp`` sets the MTP modules counted in the model FLOPs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from xlcompute._yaml_data import load_yaml
from xlcompute.core.moe import MCORE_A2A_OVERLAP, MEGATRON_DROPLESS_SYNC_MS
from xlcompute.core.params import ModelArch
from xlcompute.planner.inputs import (
    ARCHITECTURE_PROFILES,
    KERNEL_PROFILES,
    SOFTWARE_STACKS,
    STEP_CONSTANTS,
    Execution,
    SystemSpec,
    execution_values,
    system_values,
)
from xlcompute.planner.steptime import STEP_GRAPH, TransformerShape
from xlcompute.planner.validation.data import DATA_DIR, PlanningRow

__all__ = [
    "MOE_VALIDATION_FILE",
    "MOE_LATER_SETS",
    "held_out_summary",
    "GB200_SCALE_OUT_BYTES_PER_S",
    "MoeStepRow",
    "MoeEndToEndRow",
    "MoeData",
    "MoeConstants",
    "MOE_CONSTANTS",
    "MoeRowResult",
    "MoeReport",
    "load_moe",
    "moe_system",
    "moe_case",
    "predict_moe_row",
    "calibrate_moe",
    "moe_sync_ms",
    "moe_dedup",
    "fit_moe_sync",
    "SYNC_FIT_IDS",
    "validate_moe",
]

MOE_VALIDATION_FILE = DATA_DIR / "moe_runs.yaml"
#: The later pre-registered MoE step sets (held-out rows only), each added here after the model change
#: it tests was committed, and predicted once (the first prediction is in the file's dated note).
MOE_LATER_SETS: tuple[Path, ...] = (
    DATA_DIR / "moe_runs_2.yaml", DATA_DIR / "moe_runs_3.yaml", DATA_DIR / "moe_runs_4.yaml",
    DATA_DIR / "moe_runs_5.yaml", DATA_DIR / "moe_runs_6.yaml", DATA_DIR / "moe_runs_7.yaml",
    DATA_DIR / "moe_runs_8.yaml", DATA_DIR / "moe_runs_9.yaml", DATA_DIR / "moe_runs_10.yaml",
)
#: Scale-out bandwidth per card assumed for a catalog card without one (GB200): one 400 Gb/s NIC
#: per GPU, as the catalog's B200 and H100 (50 GB/s). An assumption, not a published figure.
GB200_SCALE_OUT_BYTES_PER_S = 50e9


class MoeStepRow(BaseModel):
    """One included step row of moe_runs.yaml (the fields the prediction reads; the rest is kept)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    role: Literal["calibration", "held_out"]
    model: str
    accelerator: str
    gpus: int = Field(gt=0)
    tp: int = Field(ge=1)
    pp: int = Field(ge=1)
    ep: int = Field(ge=1)
    etp: int = Field(1, ge=1)
    cp: int = Field(1, ge=1)
    interleave: int = Field(1, ge=1)
    #: A published first/last-stage split (Megatron-LM --decoder-first/last-pipeline-num-layers); 0 = an even split
    #: or none published.
    first_stage_layers: int = Field(default=0, ge=0)
    last_stage_layers: int = Field(default=0, ge=0)
    micro_batch: int = Field(ge=1)
    global_batch: int = Field(ge=1)
    seq_len: int = Field(ge=1)
    precision: Literal["BF16", "FP8"]
    mtp: int = Field(0, ge=0)
    recompute: Literal["none", "selective", "full"] = "none"
    #: Megatron-Core's selective recomputation modules (``--recompute-modules``), as the recipe sets them.
    recompute_modules: list[str] = Field(default_factory=list)
    tp_overlap: bool = False
    step_seconds: float = Field(gt=0)
    token_dispatch: str = ""
    assumptions: Any = None


class MoeEndToEndRow(PlanningRow):
    """One included end-to-end row (planning inputs only; ``published`` is the target)."""

    role: Literal["blind", "held_out"]
    model: Any
    precision: Literal["BF16", "FP8"] = "BF16"


class MoeData(BaseModel):
    model_config = ConfigDict(frozen=True)

    models: dict[str, ModelArch]
    presets: dict[str, str]
    step_rows: list[MoeStepRow]
    excluded: list[str]
    end_to_end_rows: list[MoeEndToEndRow]
    end_to_end_excluded: list[str]


def load_moe(path: str | Path | None = None) -> MoeData:
    """Read moe_runs.yaml: the architectures (catalog presets or inline ``arch``), the included and
    excluded step rows and the end-to-end rows."""
    from xlcompute import catalog

    p = Path(path) if path is not None else MOE_VALIDATION_FILE
    with p.open(encoding="utf-8") as fh:
        raw = load_yaml(fh)
    models: dict[str, ModelArch] = {}
    presets: dict[str, str] = {}
    for key, m in raw["models"].items():
        if "preset" in m:
            models[key] = catalog.get_model(m["preset"]).arch
            presets[key] = m["preset"]
        else:
            models[key] = ModelArch(name=key, **m["arch"])
    rows: list[MoeStepRow] = []
    excluded: list[str] = []
    for r in raw["step_rows"]:
        if r.get("status") == "included":
            rows.append(MoeStepRow(**r))
        elif r.get("status") == "excluded":
            excluded.append(str(r["id"]))
        else:
            raise ValueError(f"row {r.get('id')}: status must be included or excluded")
    e2e: list[MoeEndToEndRow] = []
    e2e_excluded: list[str] = []
    for r in raw["end_to_end_rows"]:
        if r.get("status") == "included":
            e2e.append(MoeEndToEndRow(**r))
        else:
            e2e_excluded.append(str(r["id"]))
    return MoeData(models=models, presets=presets, step_rows=rows, excluded=excluded, end_to_end_rows=e2e,
                   end_to_end_excluded=e2e_excluded)


class MoeConstants(BaseModel):
    """The step-time model's MoE constants (planner.inputs.STEP_CONSTANTS names)."""

    model_config = ConfigDict(frozen=True)

    grouped_gemm_efficiency: float = Field(1.0, gt=0, le=1)
    a2a_efficiency: float = Field(1.0, gt=0, le=1)
    fp8_gemm_efficiency: float = Field(1.0, ge=0, le=1)


#: The fitted constants (calibrate_moe on the calibration rows of moe_runs.yaml; see STEP_CONSTANTS).
MOE_CONSTANTS = MoeConstants(**{k: STEP_CONSTANTS[k].value for k in MoeConstants.model_fields})


def moe_system(accelerator: str, constants: MoeConstants = MOE_CONSTANTS, precision_ratio: float = 1.0) -> SystemSpec:
    """The step-time system of a catalog card for the MoE rows (see the module docstring); its peak
    is the training precision's (BF16 peak × ``precision_ratio``), as the estimate's."""
    from xlcompute import catalog

    g = catalog.get_gpu(accelerator)
    profile = KERNEL_PROFILES[ARCHITECTURE_PROFILES.get(g.architecture, "ampere")]
    domain = g.scale_up_domain or g.cards_per_node
    inter = g.inter_node_bytes_per_s_per_card or GB200_SCALE_OUT_BYTES_PER_S
    return SystemSpec(
        peak_flops=g.bf16_tflops * 1e12 * precision_ratio, hbm_bytes=float(g.hbm_bytes), hbm_bandwidth=float(g.hbm_bandwidth_bytes_per_s),
        cards_per_node=int(domain), intra_node_bw=float(g.link_bytes_per_s_per_direction or inter),
        inter_node_bw=float(inter), matmul_eff_max=profile.matmul_eff_max,
        elementwise_traffic_factor=profile.elementwise_traffic_factor,
        flash_attention_efficiency=profile.flash_attention_efficiency,
        software_efficiency=SOFTWARE_STACKS["megatron-lm"], **constants.model_dump(),
    )


def _a2a_overlap(row: MoeStepRow) -> float:
    text = f"{row.token_dispatch} {row.assumptions}"
    on = "moe_a2a_overlap True" in text or "moe_a2a_overlap assumed" in text
    return MCORE_A2A_OVERLAP if on else 0.0


def moe_sync_ms(row: MoeStepRow, sync_ms: float = MEGATRON_DROPLESS_SYNC_MS) -> float:
    """The row's dispatcher host wait per MoE layer forward, ms (the rule of the module docstring)."""
    from xlcompute import catalog

    text = row.token_dispatch.lower()
    # A row that names its backend HybridEP does not wait, whatever else its text says ("..., not DeepEP":
    # moe_runs_10.yaml's rows got the DeepEP wait from that phrase at their first prediction).
    if "hybridep" in text and "not published" not in text:
        return 0.0
    if "deepep" in text or ("dropless" in text and "alltoall dispatcher" in text):
        return sync_ms
    if "dropless" in text and "not published" in text and "alltoall for h100" in text:
        return sync_ms if catalog.get_gpu(row.accelerator).architecture == "hopper" else 0.0
    return 0.0


def moe_dedup(row: MoeStepRow) -> bool:
    """Whether the row's dispatcher sends a token once per other server (the rule of the module docstring)."""
    from xlcompute import catalog

    text = row.token_dispatch.lower()
    if "alltoall dispatcher" in text or not ("deepep" in text or "hybridep" in text):
        return False
    if "not published" in text:
        return catalog.get_gpu(row.accelerator).architecture == "blackwell"
    return True


def _recompute(row: MoeStepRow) -> str:
    """The row's recomputation in the model's terms. The model's selective recomputation of an MLA
    model recomputes its up-projections (Megatron-Core ``mla_up_proj``); a row whose selective
    modules leave them out recomputes only the core attention, which flash attention never stored:
    the same as none."""
    if row.recompute == "selective" and "mla_up_proj" not in row.recompute_modules:
        return "none"
    return row.recompute


def moe_case(
    row: MoeStepRow, data: MoeData, sync_ms: float = MEGATRON_DROPLESS_SYNC_MS
) -> tuple[TransformerShape, Execution, float]:
    """Shape, layout and the precision's peak ratio of one step row (``sync_ms``: the host wait of a
    row that waits, :func:`moe_sync_ms`)."""
    from xlcompute import catalog

    arch = data.models[row.model]
    g = catalog.get_gpu(row.accelerator)
    ratio = (g.fp8_peak_ratio or 1.0) if row.precision == "FP8" else 1.0
    group = row.tp * row.cp * row.pp
    if row.gpus % group:
        raise ValueError(f"row {row.id}: gpus={row.gpus} not a multiple of tp·cp·pp={group}")
    shape = TransformerShape(arch=arch, seq_len=row.seq_len, mtp_layers=row.mtp)
    ex = Execution(
        tp=row.tp, pp=row.pp, cp=row.cp, dp=row.gpus // group, ep=row.ep, expert_tp=row.etp,
        micro_batch=row.micro_batch, global_batch=row.global_batch, interleave=row.interleave,
        first_stage_layers=row.first_stage_layers, last_stage_layers=row.last_stage_layers,
        sequence_parallel=row.tp > 1, recompute=_recompute(row), zero_stage=1, tp_overlap=row.tp_overlap,
        dp_overlap=True, flash_attention=True, a2a_overlap=_a2a_overlap(row), a2a_dedup=moe_dedup(row),
        moe_sync_ms=moe_sync_ms(row, sync_ms),
        precision_peak_ratio=ratio,
    )
    return shape, ex, ratio


def predict_moe_row(
    row: MoeStepRow, data: MoeData, constants: MoeConstants = MOE_CONSTANTS, sync_ms: float = MEGATRON_DROPLESS_SYNC_MS
) -> dict[str, float]:
    """The step-time graph's prediction for one row (step seconds, MFU, memory per card).

    The graph is run directly. Megatron-Core's uneven virtual stages (61 or 94 layers on pp·v
    chunks) act as S/⌈S/v⌉ equal ones on the busiest stage's S = ⌈L/pp⌉ layers
    (:func:`xlcompute.core.parallel.effective_interleave`), as for any pipeline."""
    shape, ex, ratio = moe_case(row, data, sync_ms)
    values = {**shape.values(), **system_values(moe_system(row.accelerator, constants, ratio)),
              **execution_values(ex)}
    keys = ("predicted_step_seconds", "predicted_mfu", "mem_per_gpu", "ep_comm_exposed_seconds",
            "expert_params_per_gpu")
    out = STEP_GRAPH.run(values, keys)
    return {k: float(out[k]) for k in keys}


class MoeRowResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    role: str
    accelerator: str
    precision: str
    measured: float
    predicted: float
    error_pct: float
    predicted_mfu: float
    mem_gb: float
    #: The row's table family (moe_runs_2.yaml's ``table``, first word: MBR, AMPS), "" where not given.
    table: str = ""


class MoeReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    constants: MoeConstants
    rows: list[MoeRowResult]
    excluded: list[str]
    calibration_mean_abs_error_pct: float
    held_out_mean_abs_error_pct: float
    held_out_max_abs_error_pct: float
    held_out_hopper_mean_abs_error_pct: float
    held_out_blackwell_mean_abs_error_pct: float


def _error(pred: float, meas: float) -> float:
    return 100.0 * (pred - meas) / meas


def _mean_abs(errs: Sequence[float]) -> float:
    return sum(abs(e) for e in errs) / len(errs) if errs else float("nan")


#: The grid of calibrate_moe (fixed before any prediction): each constant from 0.30 to 1.00.
_GRID = tuple(round(0.30 + 0.05 * i, 2) for i in range(15))


def calibrate_moe(data: MoeData | None = None, grid: Sequence[float] = _GRID) -> tuple[MoeConstants, float]:
    """Fit the MoE constants on the calibration rows only: grouped-GEMM and all-to-all efficiency on
    every calibration row, then the FP8 GEMM efficiency on the FP8 calibration rows, each by the
    least mean |error| of the step time over ``grid``. Returns the constants and that error."""
    d = data or load_moe()
    cal = [r for r in d.step_rows if r.role == "calibration"]
    bf16 = [r for r in cal if r.precision == "BF16"]
    fp8 = [r for r in cal if r.precision == "FP8"]

    def err(rows: Sequence[MoeStepRow], c: MoeConstants) -> float:
        return _mean_abs([_error(predict_moe_row(r, d, c)["predicted_step_seconds"], r.step_seconds) for r in rows])

    best = min((err(bf16, MoeConstants(grouped_gemm_efficiency=g, a2a_efficiency=a)), g, a)
               for g, a in itertools.product(grid, grid))
    base = MoeConstants(grouped_gemm_efficiency=best[1], a2a_efficiency=best[2])
    fp8_grid = tuple(round(0.05 * i, 2) for i in range(21))
    best_fp8 = min((err(fp8, base.model_copy(update={"fp8_gemm_efficiency": f})), f) for f in fp8_grid) if fp8 \
        else (0.0, 1.0)
    fitted = base.model_copy(update={"fp8_gemm_efficiency": best_fp8[1]})
    return fitted, err(cal, fitted)


#: The rows of moe_runs.yaml the dispatcher's host wait is fitted on (fit_moe_sync): held out until
#: the fifth model change (2026-12-02), reported as calibration rows since.
SYNC_FIT_IDS: tuple[str, ...] = (
    "mbr2511-dsv3-b200-fp8mx-256", "mbr2511-qwen3-30b-b200-fp8mx-8", "mbr2511-qwen3-235b-b200-fp8mx-64",
    "mbr2511-qwen3-30b-h100-fp8cs-16", "mbr2511-qwen3-235b-h100-fp8cs-256",
)
#: The grid of fit_moe_sync: 0 to 12 ms in steps of 0.25 ms.
_SYNC_GRID = tuple(0.25 * i for i in range(49))


def fit_moe_sync(data: MoeData | None = None, grid: Sequence[float] = _SYNC_GRID) -> tuple[float, list[str], float]:
    """Fit the dispatcher's host wait (ms per MoE layer forward) on the rows that wait by the rule of
    :func:`moe_sync_ms` (the 5 dropless all-to-all rows of moe_runs.yaml), by the least mean |error|
    of the step time over ``grid``, the other MoE constants as fitted. Returns the wait, the rows
    fitted on and their mean |error|."""
    d = data or load_moe()
    rows = [r for r in d.step_rows if moe_sync_ms(r, 1.0) > 0]

    def err(ms: float) -> float:
        out = []
        for r in rows:
            shape, ex, ratio = moe_case(r, d)
            values = {**shape.values(), **system_values(moe_system(r.accelerator, MOE_CONSTANTS, ratio)),
                      **execution_values(ex.model_copy(update={"moe_sync_ms": ms}))}
            pred = float(STEP_GRAPH.run(values, ("predicted_step_seconds",))["predicted_step_seconds"])
            out.append(_error(pred, r.step_seconds))
        return _mean_abs(out)

    best = min((err(ms), ms) for ms in grid)
    return best[1], [r.id for r in rows], best[0]


def validate_moe(
    data: MoeData | None = None, constants: MoeConstants = MOE_CONSTANTS, sync_ms: float = MEGATRON_DROPLESS_SYNC_MS
) -> MoeReport:
    """Predict every included step row with ``constants``; statistics by role, held-out apart
    for Hopper and Blackwell cards. The rows the host wait is fitted on (:data:`SYNC_FIT_IDS`)
    count as calibration rows."""
    from xlcompute import catalog

    d = data or load_moe()
    rows: list[MoeRowResult] = []
    for r in d.step_rows:
        out = predict_moe_row(r, d, constants, sync_ms)
        rows.append(MoeRowResult(
            id=r.id, role="calibration" if r.id in SYNC_FIT_IDS else r.role, accelerator=r.accelerator, precision=r.precision, measured=r.step_seconds,
            predicted=out["predicted_step_seconds"], error_pct=_error(out["predicted_step_seconds"], r.step_seconds),
            predicted_mfu=out["predicted_mfu"], mem_gb=out["mem_per_gpu"] / 1e9,
            table=str((r.model_extra or {}).get("table", "")).split(" ")[0]))

    def errs(role: str, arch: str | None = None) -> list[float]:
        return [x.error_pct for x in rows if x.role == role
                and (arch is None or catalog.get_gpu(x.accelerator).architecture == arch)]

    held = errs("held_out")
    return MoeReport(
        constants=constants, rows=rows, excluded=d.excluded,
        calibration_mean_abs_error_pct=_mean_abs(errs("calibration")),
        held_out_mean_abs_error_pct=_mean_abs(held),
        held_out_max_abs_error_pct=max((abs(e) for e in held), default=float("nan")),
        held_out_hopper_mean_abs_error_pct=_mean_abs(errs("held_out", "hopper")),
        held_out_blackwell_mean_abs_error_pct=_mean_abs(errs("held_out", "blackwell")),
    )


def constants_of(values: Mapping[str, float]) -> MoeConstants:
    """The MoE constants held by a mapping of step-time inputs."""
    return MoeConstants(**{k: values[k] for k in MoeConstants.model_fields})


def held_out_summary(report: MoeReport) -> dict[str, tuple[int, float, float]]:
    """Held-out rows of a report by group: "all", each table family, "hopper", "blackwell" ->
    (rows, mean |error| %, mean signed error %)."""
    from xlcompute import catalog

    held = [r for r in report.rows if r.role == "held_out"]
    groups: dict[str, list[MoeRowResult]] = {"all": held}
    for r in held:
        if r.table:
            groups.setdefault(r.table, []).append(r)
        groups.setdefault(catalog.get_gpu(r.accelerator).architecture, []).append(r)
    return {k: (len(v), _mean_abs([r.error_pct for r in v]), sum(r.error_pct for r in v) / len(v))
            for k, v in groups.items() if v}
