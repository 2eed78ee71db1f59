"""The inference step model against published serving measurements (``xlcompute validate --serving``).

Loads a pre-registered set (default ``xlcompute/data/validation/serving_runs.yaml``; any file of the
same row format, e.g. a second set, with ``path``), predicts every row with
:func:`xlcompute.serving_model.replica_figures`, fits the four fitted constants on the calibration rows only
(TensorRT-LLM v0.6.1 tables; :func:`fit`) and reports TTFT, TPOT and throughput errors apart,
calibration and held-out apart, and per source (the file's rules). Each TPOT is scored with the
statistic its source publishes (:func:`tpot_statistic`): a p50 / median field against the median
inter-token time, a mean field against the mean.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from xlcompute import catalog
from xlcompute._yaml_data import load_yaml
from xlcompute.core import inference as inf
from xlcompute.serving_model import (
    FITTED,
    PRECISIONS,
    SERVING_CALIBRATED_CARDS,
    SERVING_FACTORS,
    Card,
    ServingConstants,
    ServingFactor,
    for_card,
    model_shape,
    offline_figures,
    replica_figures,
)

__all__ = [
    "ServingRun",
    "load_serving_runs",
    "SERVING_SETS",
    "POOLED_HELD_OUT",
    "card_of",
    "predict_run",
    "fit",
    "fit_factor",
    "fit_dequant",
    "dequant_fit_rows",
    "dequant_fit_files",
    "DEQUANT_FIT_SETS",
    "fit_moe_gemm",
    "fit_expert_loop",
    "expert_loop_fit_rows",
    "expert_loop_miss_pct",
    "EXPERT_LOOP_FIT_SET",
    "moe_gemm_fit_rows",
    "MOE_GEMM_FIT_SET",
    "FactorFit",
    "FACTOR_FITS",
    "FactorFitReport",
    "factor_fit_report",
    "factor_fit_rows",
    "VENDOR_FIT_FILES",
    "decode_fit_rows",
    "DECODE_FIT_WEIGHTS",
    "RowResult",
    "MetricSummary",
    "ServingValidationReport",
    "validate_serving",
    "pooled_held_out",
    "METRICS",
    "SERVING_RUNS",
    "tpot_statistic",
]

METRICS = ("ttft", "tpot", "throughput")
SERVING_RUNS = Path(__file__).resolve().parent / "data" / "validation" / "serving_runs.yaml"
#: Every pre-registered serving set in the order written; the first holds the calibration rows, each
#: file's dated notes say which of its figures are first predictions and which are post hoc.
SERVING_SETS: tuple[Path, ...] = tuple(
    SERVING_RUNS.parent / f"serving_runs{suffix}.yaml"
    for suffix in ("", "_2", "_3", "_4", "_5", "_6", "_7", "_8", "_9", "_10", "_11", "_12", "_13", "_14", "_15",
                   "_16", "_18", "_21", "_22", "_23"))
# serving_runs_24.yaml and serving_runs_25.yaml are pre-registered searches that found no row (rows: []): records,
# not scored sets.
Metric = Literal["ttft", "tpot", "throughput"]
#: :func:`pooled_held_out` of the committed model as (points, mean |error| %), quoted by the proposal's serving
#: method without re-running every set at every render (2-3 s); a test recomputes it.
POOLED_HELD_OUT: dict[str, tuple[int, float]] = {"ttft": (70, 15.2), "tpot": (186, 14.6), "throughput": (755, 14.6)}


#: vLLM v0.6.0 (released 2024-09-04) overlapped the host work with the GPU (core.inference [V0HOST]).
_VLLM_OVERLAPPED_HOST = (0, 6)
_VLLM_OVERLAPPED_HOST_DATE = "2024-09-04"


class ServingRun(BaseModel):
    """One row of serving_runs.yaml (the fields the model reads; the rest stay in the file)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    source: str
    role: Literal["calibration", "held_out"]
    status: str
    model: str
    accelerator: str
    gpus: int
    layout: dict[str, int]
    precision: dict[str, str]
    scenario: Literal["static_batch", "single_request", "closed_loop", "poisson_arrivals", "offline_saturation"]
    request: dict[str, Any]
    batch: int | None = None
    concurrency: int | None = None
    measured: dict[str, Any]
    derived: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[Metric, str]
    framework: dict[str, Any] = Field(default_factory=dict)

    @property
    def tpot_includes_prefill(self) -> bool:
        """gpt-fast's tokens/s divide the generated tokens by the wall time of the whole generate()
        call, prefill included (the GPTFAST convention of serving_runs.yaml, used by every file)."""
        return str(self.framework.get("name", "")).startswith("gpt-fast")

    @property
    def grouped_kv_reads(self) -> bool:
        """False for TensorRT-LLM releases before 0.7, whose decode attention read each KV head
        once per query head (the grouped GQA kernel was measured on v0.7a and shipped with v0.7:
        core.inference [XQA]); True for every other runtime and release, the model's default."""
        if str(self.framework.get("name", "")) != "tensorrt-llm":
            return True
        m = re.match(r"\s*(\d+)\.(\d+)", str(self.framework.get("version", "")))
        return m is None or (int(m.group(1)), int(m.group(2))) >= (0, 7)

    @property
    def serial_host(self) -> bool:
        """True for vLLM before v0.6.0, whose engine ran each iteration's host work between its GPU
        steps (core.inference [V0HOST]): a version below 0.6, or, where only a commit is printed, a
        date in the version text before v0.6.0's release (2024-09-04). Every other runtime, and vLLM
        rows whose version or date is not printed, overlap it (the model's default)."""
        if str(self.framework.get("name", "")).lower() != "vllm":
            return False
        return _vllm_before(str(self.framework.get("version", "")), _VLLM_OVERLAPPED_HOST, _VLLM_OVERLAPPED_HOST_DATE)

    @property
    def kv_free_fraction(self) -> float | None:
        """TensorRT-LLM rows: the KV cache's share of the memory free after the weights, as the row's
        runtime prints it (``--kv_cache_free_gpu_mem_fraction``), else TensorRT-LLM's default 0.9
        (core.inference [TRTKV]); None for other runtimes (their budget is the model's default)."""
        if str(self.framework.get("name", "")) != "tensorrt-llm":
            return None
        m = re.search(r"kv_cache_free_gpu_mem_fraction[ =]+([0-9]*\.?[0-9]+)", str(self.framework.get("runtime", "")))
        return float(m.group(1)) if m else 0.9

    @property
    def decode_graphs(self) -> bool:
        """Whether the row's runtime replays decode iterations from CUDA graphs (core.inference
        [CUDAGRAPH]): vLLM and SGLang do unless told to run eagerly; TensorRT-LLM's PyTorch backend
        does, its TensorRT-engine flow (gptManagerBenchmark, trtllm-bench's engine build) only when a
        CUDA-graph option is printed (opt-in there); other runtimes are taken to (the model's default).
        :attr:`eager_launches` runtimes never replay them."""
        name = str(self.framework.get("name", "")).lower()
        runtime = str(self.framework.get("runtime", "")).lower()
        if self.eager_launches:
            return False
        if name.startswith("tensorrt-llm") and "pytorch" not in runtime:
            return bool(re.search(r"(use|enable)[-_]cuda[-_]graph|cuda_graph_mode", runtime))
        return True

    @property
    def eager_launches(self) -> bool:
        """Whether the row's runtime launches every decode step's kernels from the host, layer by layer
        (core.inference [CUDAGRAPH]), in every benchmark scenario: the runtime text turns CUDA graphs
        off (``enforce_eager``, ``disable_cuda_graph``); FasterTransformer (its GPT decoder launches its
        kernels from C++; NVIDIA/FasterTransformer @ df4a753 calls no CUDA-graph API outside its WeNet
        examples); vLLM before CUDA graphs (vllm-project/vllm PR #1926, merged 2023-12-17: a version
        below 0.2.6 or a commit dated before that day). Since 2026-12-05, post hoc: found on
        serving_runs_5.yaml's FasterTransformer and vLLM rows, the only rows it moves. TensorRT-LLM's
        engine flow without a printed graph option is not one: its engine enqueues a step at once and
        only its offline iterations pay the prefill's fixed time (:attr:`decode_graphs`); its
        static-batch and latency rows came out up to 2× too slow when they paid it too."""
        name = str(self.framework.get("name", "")).lower()
        runtime = str(self.framework.get("runtime", "")).lower()
        # "enforce_eager=False" (vLLM's default, printed by some pages) keeps the graphs on
        if re.search(r"(enforce[-_]eager|disable[-_]cuda[-_]graphs?)(?!\s*[=:]?\s*(false|0)\b)", runtime):
            return True
        if name.startswith("fastertransformer"):
            return True
        return name == "vllm" and _vllm_before_graphs(str(self.framework.get("version", "")))

    @property
    def per_expert_kernels(self) -> bool:
        """Whether the row's runtime runs weight-only quantised (GPTQ / AWQ) experts with one kernel per
        expert (core.inference [MARLINMOE]): vLLM from v0.6.1 (its first Marlin MoE) to before v0.7.3
        (many-expert models moved to one ``moe_wna16`` kernel; v0.8.0 replaced the Marlin MoE), and
        SGLang up to 0.4.6.x, which takes its GPTQ / AWQ MoE method from that vLLM (the Qwen3 speed
        benchmark prints SGLang 0.4.6.post1 with vLLM 0.7.2). A version read as a release number only;
        a commit or a date alone, and every other runtime, give the model's default (one MoE kernel).
        The model applies it to weight-only quantised MoE models only (serving_model
        .expert_loop_per_layer). Rule written 2026-12-05, post hoc: found on serving_runs_21.yaml's
        GPTQ-INT4 MoE rows, its first and only fit rows."""
        name = str(self.framework.get("name", "")).lower()
        release = _release(str(self.framework.get("version", "")))
        if release is None:
            return False
        if name == "vllm":
            return VLLM_MARLIN_MOE <= release < VLLM_ONE_MOE_KERNEL
        return name == "sglang" and release[:3] <= SGLANG_LAST_VLLM_MOE

    @property
    def max_num_tokens(self) -> float | None:
        """The engine's per-iteration token budget where the row's runtime prints it as a number
        (``--max_num_tokens 2048``); None where it is unpublished or set by a tuning heuristic."""
        m = re.search(r"max_num_tokens[ =]+(\d+)", str(self.framework.get("runtime", "")))
        return float(m.group(1)) if m else None

    def measured_value(self, metric: Metric) -> float:
        key = self.metrics[metric]
        return float(self.measured[key] if key in self.measured else self.derived[key])

    @property
    def fixed_lengths(self) -> bool:
        return isinstance(self.request.get("input_tokens"), int) and isinstance(self.request.get("output_tokens"), int)


VLLM_GRAPHS_DATE = "2023-12-17"
"""vLLM decodes from CUDA graphs since this day (vllm-project/vllm PR #1926, "Optimize model execution with
CUDA graph", merged 2023-12-17; ``enforce_eager`` turns them off since)."""


def _vllm_before(version: str, release: tuple[int, ...], day: str) -> bool:
    """A vLLM version text that predates a change shipped in ``release`` on ``day``: its release number
    (compared on as many parts as ``release`` has) below it, or, where only a commit or branch is
    printed, its latest printed date (YYYY-MM-DD) before ``day``; False when neither can be read."""
    m = re.match(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?", version)
    if m:
        return tuple(int(g or 0) for g in m.groups())[:len(release)] < release
    dates = re.findall(r"\b\d{4}-\d{2}-\d{2}\b", version)
    return bool(dates) and max(dates) < day


VLLM_MARLIN_MOE = (0, 6, 1)
"""The first vLLM release with the per-expert Marlin MoE kernel (PR #8217, core.inference [MARLINMOE])."""
VLLM_ONE_MOE_KERNEL = (0, 7, 3)
"""The first vLLM release that runs many-expert GPTQ / AWQ models with one MoE kernel (PR #13236)."""
SGLANG_LAST_VLLM_MOE = (0, 4, 6)
"""The last SGLang release taken to use vLLM's per-expert Marlin MoE (0.4.6.post1 requires vLLM 0.7.2)."""


def _release(version: str) -> tuple[int, int, int] | None:
    """A release number ``[v]X.Y[.Z]`` at the start of a version text; None for a commit or a date."""
    m = re.match(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?!\d)", version)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


def _vllm_before_graphs(version: str) -> bool:
    """A vLLM version that predates CUDA graphs: a release below 0.2.6, or a commit or branch dated before
    :data:`VLLM_GRAPHS_DATE`."""
    return _vllm_before(version, (0, 2, 6), VLLM_GRAPHS_DATE)


@functools.lru_cache(maxsize=4)
def _raw(path: Path) -> dict[str, Any]:
    return load_yaml(path.read_text(encoding="utf-8"))


def load_serving_runs(path: Path | str | None = None) -> tuple[ServingRun, ...]:
    """Every row of a pre-registered serving set (default :data:`SERVING_RUNS`), in file order."""
    p = Path(path).resolve() if path is not None else SERVING_RUNS
    if not p.is_file():
        raise FileNotFoundError(f"serving validation file not found: {p}")
    data = _raw(p)
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValueError(f"{p}: a serving validation file needs a top-level 'rows' list")
    return tuple(ServingRun.model_validate(r) for r in data["rows"])


def tpot_statistic(run: ServingRun) -> Literal["median", "mean"]:
    """The TPOT statistic a row's source publishes, read from the name of its scored field (the
    file's format: "names say mean / p50"): ``p50`` / ``median`` -> the median inter-token time
    (LMDeploy profile_generation's "50%" per-token latency), else the mean (MLPerf LoadGen's
    mean TPOT, NIM / AIPerf's average ITL, gpt-fast's 1 / tokens/s)."""
    key = run.metrics.get("tpot", "").lower()
    return "median" if ("p50" in key or "median" in key) else "mean"


def card_of(key: str) -> Card:
    """A catalog accelerator as the inference model's card."""
    g = catalog.get_gpu(key)
    return Card(name=g.name, peak_flops_16=g.peak_flops, peak_flops_fp8=g.fp8_flops, peak_ops_int8=g.int8_ops,
                hbm_bytes=g.hbm_bytes,
                hbm_bytes_per_s=g.hbm_bandwidth_bytes_per_s,
                link_bytes_per_s=g.link_bytes_per_s_per_direction or 32e9, cards_per_node=g.cards_per_node,
                fp32_flops=catalog.fp32_of(g) * 1e12)


#: KV-cache formats of one byte per value, as the rows code them.
_KV_8BIT = frozenset({"int8", "fp8"})


def _precision(run: ServingRun) -> Any:
    """The row's weight format (PRECISIONS); an fp8 row keeps an FP8 KV cache, also where the KV
    precision is unpublished and assumed FP8 (A-NIM-3, A-ML-1). INT8 weights with INT8 activations
    are W8A8 (SmoothQuant), not weight-only INT8; their KV cache is the row's (16-bit unless it says
    int8 or fp8). Rule fixed on 2026-12-03 before serving_runs_20.yaml's W8A8 rows were read."""
    if run.precision["weights"] == "int8" and run.precision.get("activations") == "int8":
        w8a8 = PRECISIONS["w8a8"]
        kv_8bit = str(run.precision.get("kv_cache", "")).lower() in _KV_8BIT
        return w8a8.model_copy(update={"kv_bytes": 1}) if kv_8bit else w8a8
    return PRECISIONS[run.precision["weights"]]


def unpredictable_reason(run: ServingRun) -> str | None:
    """Why a row cannot be predicted under the file's own rules (None: it can)."""
    if not run.fixed_lengths:
        return ("A-ML-2: the per-sample input-length distribution of the MLPerf OpenOrca set must be extracted from "
                "the official data-set file and committed before prediction; that file is not in this environment, "
                "so these rows are not predicted")
    if run.scenario not in ("static_batch", "single_request", "closed_loop", "offline_saturation"):
        return f"scenario {run.scenario} with fixed lengths is not one the scoring predicts yet"
    return None


def predict_run(run: ServingRun, k: ServingConstants,
                factors: dict[str, ServingFactor] = SERVING_FACTORS) -> dict[Metric, Any]:
    """The model's figures for the row's scored metrics (arrays when ``k`` holds arrays), with the
    card's serving factors (:func:`xlcompute.serving_model.for_card`)."""
    g = catalog.get_gpu(run.accelerator)
    k = for_card(k, g.key, g.vendor, factors)
    shape = model_shape(catalog.get_model(run.model).arch)
    card = card_of(run.accelerator)
    prec = _precision(run)
    tp = run.layout["tp"]
    replicas = run.layout.get("replicas", 1)
    n_in = float(run.request["input_tokens"])
    n_out = float(run.request["output_tokens"])
    g = run.grouped_kv_reads
    h = run.serial_host
    e = run.per_expert_kernels
    out: dict[Metric, Any] = {}
    if run.scenario == "static_batch":
        b = run.batch or 1
        f = replica_figures(shape, card, prec, tp, b, n_in, n_out, k, cap_batch=False, grouped_kv_reads=g,
                            serial_host=h, decode_graphs=not run.eager_launches, expert_loop=e)
        total = inf.static_batch_seconds(f.batch_prefill_s, f.decode_step_s, n_out)
        out["throughput"] = b * n_out / total * replicas
        out["tpot"] = total / n_out  # a batch's latency per output token, prefill included (as published)
    elif run.scenario == "single_request":
        f = replica_figures(shape, card, prec, tp, 1, n_in, n_out, k, grouped_kv_reads=g, serial_host=h,
                            decode_graphs=not run.eager_launches, expert_loop=e)
        out["ttft"] = f.prefill_s
        if run.tpot_includes_prefill:  # tokens/s over the whole generate() call, prefill included
            out["tpot"] = inf.static_batch_seconds(f.prefill_s, f.decode_step_s, n_out) / n_out
        else:
            out["tpot"] = f.decode_step_s
        out["throughput"] = 1 / out["tpot"] * replicas
    elif run.scenario == "closed_loop":
        c = run.concurrency or run.batch or 1
        f = replica_figures(shape, card, prec, tp, c, n_in, n_out, k, grouped_kv_reads=g, serial_host=h,
                            decode_graphs=not run.eager_launches, expert_loop=e)
        out["ttft"] = f.ttft_s
        out["tpot"] = f.tpot_median_s if tpot_statistic(run) == "median" else f.tpot_s
        out["throughput"] = f.output_tokens_per_s * replicas
    elif run.scenario == "offline_saturation":
        # Every request queued at once: in-flight batching runs as many sequences as the engine's cap
        # (the row's batch), the KV cache and the token budget allow, prompt chunks in the decode
        # iterations (serving_model.offline_figures).
        o = offline_figures(shape, card, prec, tp, run.batch or run.concurrency or 1, n_in, n_out, k,
                            run.kv_free_fraction, run.max_num_tokens, grouped_kv_reads=g,
                            decode_graphs=run.decode_graphs, serial_host=h, expert_loop=e)
        out["throughput"] = o.output_tokens_per_s * replicas
    else:  # pragma: no cover - guarded by unpredictable_reason
        raise ValueError(f"{run.id}: scenario {run.scenario} is not predicted")
    return {m: v for m, v in out.items() if m in run.metrics}


def _error(pred: Any, meas: float) -> Any:
    return (pred - meas) / meas


_FIT_GRIDS: dict[str, tuple[float, float, int]] = {
    "compute_efficiency_16": (0.3, 1.0, 15),
    "compute_efficiency_fp8": (0.15, 1.0, 18),
    "hbm_efficiency": (0.5, 1.0, 11),
    "prefill_layer_overhead_s": (0.0, 400e-6, 21),
    "decode_layer_overhead_s": (0.0, 120e-6, 13),
}
"""The first grid of :func:`fit`: (low, high, points) per constant. The efficiencies are bounded to
(0, 1] in every round: a kernel cannot beat the card's peak FLOP/s or HBM bandwidth."""
_UPPER = {"compute_efficiency_16": 1.0, "compute_efficiency_fp8": 1.0, "hbm_efficiency": 1.0}


#: Weight precisions a decode step reads at the HBM roofline in the model: 16-bit and FP8. int8 / int4
#: kernels dequantise the weights on the fly, a cost the model does not carry, so their TPOT rows do
#: not enter the fit of the decode step's fixed time.
DECODE_FIT_WEIGHTS = frozenset({"fp16", "bf16", "fp8"})


def decode_fit_rows(runs: tuple[ServingRun, ...] | None = None) -> tuple[ServingRun, ...]:
    """The rows whose TPOT the decode step's fixed time per layer is fitted on (since 2026-12-02,
    fourth session; decided after every serving file had been predicted, so post hoc): the held-out
    TPOT rows of ``serving_runs.yaml`` (LMD01, GPTFAST, NIM18: batch 1 to 64 on LMDeploy, gpt-fast
    and NIM) with 16-bit or FP8 weights (:data:`DECODE_FIT_WEIGHTS`). Their TPOT is reported as
    calibration from then on; their TTFT and throughput stay held out, and the other files' rows are
    never fitted on."""
    runs = runs if runs is not None else load_serving_runs()
    return tuple(r for r in runs if r.role == "held_out" and r.status == "included" and "tpot" in r.metrics
                 and r.precision.get("weights") in DECODE_FIT_WEIGHTS and unpredictable_reason(r) is None)


def fit(runs: tuple[ServingRun, ...] | None = None) -> ServingConstants:
    """The five fitted constants (two GEMM efficiencies, the HBM efficiency, the prefill's and the
    decode step's fixed time per layer) minimising the mean |error| over the calibration rows (every
    scored metric, TTFT and throughput, one point each) and the TPOT of :func:`decode_fit_rows`: a grid
    over the constants evaluated at once over NumPy arrays, then two finer grids around the best
    point; efficiencies stay in (0, 1]. ``runs``: serving_runs.yaml's rows (the default) or a copy of
    them with changed measurements (the tests); no other file is meant to be fitted on.

    The TTFT rows (batch 1, one output token) identify the prefill's fixed time per layer; the batch-1
    and small-batch TPOT rows identify the decode step's. Every calibration decode runs at a batch of
    16 to 1280, where a per-step constant trades against η_m along a ridge (the calibration error moves
    by 0.2 points between 0 and 60 µs per layer, η_m rising with it), so until 2026-12-02 it stayed
    fixed at 0 and every held-out set came out with TPOT too fast (signed −18 % to −45 %). Three
    decode-heavy Llama-2-70B calibration rows (128/2048 on H100 TP4 and A100 TP4, 2048/2048 on H100
    TP2) came out 2-3× too fast until the model read the KV cache once per query head on TensorRT-LLM
    before v0.7 (:attr:`ServingRun.grouped_kv_reads`, core.inference [XQA]); before that a free decode
    constant absorbed their misfit (~375 µs per layer)."""
    runs = runs or load_serving_runs()
    calibration = tuple(r for r in runs if r.role == "calibration")
    decode_rows = decode_fit_rows(runs)
    grids = {name: np.linspace(lo, hi, n) for name, (lo, hi, n) in _FIT_GRIDS.items()}
    best: dict[str, float] = {}
    for _round in range(3):
        mesh = np.meshgrid(*grids.values(), indexing="ij")
        k = FITTED.model_copy(update={name: m.ravel() for name, m in zip(grids, mesh)})
        total = np.zeros(mesh[0].size)
        for r in calibration:
            for metric, pred in predict_run(r, k).items():
                total += np.abs(_error(pred, r.measured_value(metric)))
        for r in decode_rows:
            total += np.abs(_error(predict_run(r, k)["tpot"], r.measured_value("tpot")))
        i = int(np.argmin(total))
        best = {name: float(m.ravel()[i]) for name, m in zip(grids, mesh)}
        grids = {name: np.linspace(max(v - _step(g), 0.0 if name.endswith("_s") else 1e-9),
                                   min(v + _step(g), _UPPER.get(name, np.inf)), 9)
                 for (name, g), v in zip(grids.items(), best.values())}
    return FITTED.model_copy(update=best)


class FactorFit(BaseModel):
    """Where a serving factor (serving_model.SERVING_FACTORS) is fitted: the files, and which of their
    rows (a vendor's cards or one card; optionally only some weight formats). Those rows were held out
    and predicted before the fit and are its calibration rows since."""

    model_config = ConfigDict(frozen=True)
    files: tuple[str, ...]
    vendor: str = ""
    card: str = ""
    weights: tuple[str, ...] = ()

    def covers(self, run: ServingRun) -> bool:
        """Whether ``run`` is on the factor's cards (whatever its file)."""
        g = catalog.get_gpu(run.accelerator)
        return g.key == self.card if self.card else g.vendor == self.vendor

    def fits(self, path: Path | str | None, run: ServingRun) -> bool:
        """Whether ``run`` of the file at ``path`` is one of the rows the factor is fitted on."""
        return (Path(path or SERVING_RUNS).name in self.files and self.covers(run)
                and (not self.weights or run.precision["weights"] in self.weights))


#: The fit of each serving factor. AMD: every AMD row of three sets (2026-12-02). H20: the BF16 and FP8 rows
#: of serving_runs_21.yaml (2026-12-04); its GPTQ / AWQ INT4 rows are not fitted on (the source calls SGLang's
#: GPTQ-INT4 path slow: a kernel, not the card), so they stay held out.
FACTOR_FITS: dict[str, FactorFit] = {
    "AMD": FactorFit(files=("serving_runs_2.yaml", "serving_runs_7.yaml", "serving_runs_8.yaml"), vendor="AMD"),
    "H20": FactorFit(files=("serving_runs_21.yaml",), card="H20", weights=("bf16", "fp16", "fp8")),
}
#: The files whose AMD rows the AMD factor is fitted on (seen before the fit; calibration rows of it since).
VENDOR_FIT_FILES: tuple[str, ...] = FACTOR_FITS["AMD"].files


def factor_fit_rows(key: str = "AMD") -> tuple[ServingRun, ...]:
    """The predictable rows a serving factor is fitted on (:data:`FACTOR_FITS`)."""
    f = FACTOR_FITS[key]
    return tuple(r for p in SERVING_SETS if p.name in f.files for r in load_serving_runs(p)
                 if f.fits(p, r) and unpredictable_reason(r) is None)


def fit_factor(key: str = "AMD") -> tuple[float, float, float]:
    """Fit a serving factor (GEMM, HBM) on :func:`factor_fit_rows`: every scored metric one point,
    least mean |error| over the grid compute 0.20..1.00, HBM 0.30..1.00 (steps 0.05), the NVIDIA
    constants as fitted. Returns (compute, hbm, mean |error| %)."""
    rows = factor_fit_rows(key)
    best = (np.inf, 1.0, 1.0)
    for fc in np.round(np.arange(0.20, 1.0001, 0.05), 2):
        for fh in np.round(np.arange(0.30, 1.0001, 0.05), 2):
            trial = SERVING_FACTORS[key].model_copy(update={"compute": float(fc), "hbm": float(fh)})
            best = min(best, (_mean_abs_pct(rows, {key: trial}), float(fc), float(fh)))
    return best[1], best[2], best[0]


def _mean_abs_pct(rows: tuple[ServingRun, ...], factors: dict[str, ServingFactor]) -> float:
    """Mean |error| (%) over every scored metric of ``rows`` with the committed constants and ``factors``."""
    return 100 * float(np.mean([abs(float(_error(v, r.measured_value(m)))) for r in rows
                                for m, v in predict_run(r, FITTED, factors).items()]))


class FactorFitReport(BaseModel):
    """A serving factor's evidence: its fit rows and the held-out rows on its cards."""

    model_config = ConfigDict(frozen=True)
    rows: int
    error_pct: float = Field(description="mean |error| over the fit rows' scored metrics, %")
    held_out_rows: int
    held_out_error_pct: float = Field(description="mean |error| over the held-out metrics on the factor's cards, %")


@functools.cache
def factor_fit_report(key: str = "AMD") -> FactorFitReport:
    """The committed factor on its fit rows and on every held-out row of its cards in the other
    pre-registered sets, predicted after the fit (a fit file's other rows were seen before it)."""
    f = FACTOR_FITS[key]
    rows = factor_fit_rows(key)
    held = [abs(x.error_pct) for p in SERVING_SETS if p.name not in f.files for x in validate_serving(path=p).rows
            if x.role == "held_out" and x.id in _covered_ids(p, f)]
    return FactorFitReport(rows=len(rows), error_pct=_mean_abs_pct(rows, SERVING_FACTORS), held_out_rows=len(held),
                           held_out_error_pct=float(np.mean(held)) if held else float("nan"))


#: The sets whose TPOT rows with weight-only (int8 / int4) weights the dequantisation constant is fitted on:
#: the fifteen sets predicted before the fit (2026-12-03, thirteenth session); a later set is never fitted on.
DEQUANT_FIT_SETS: tuple[str, ...] = tuple(p.name for p in SERVING_SETS[:15])


def dequant_fit_rows(cards: frozenset[str] | None = SERVING_CALIBRATED_CARDS) -> tuple[ServingRun, ...]:
    """The predictable TPOT rows of :data:`DEQUANT_FIT_SETS` with weight-only (int8 / int4) weights on
    ``cards`` (default the cards whose 16-bit serving efficiencies are calibrated, SERVING_CALIBRATED_CARDS:
    η_q is a share of the 16-bit kernel's bandwidth, which a row on an uncalibrated card cannot separate
    from the card's own misfit; None: every card)."""
    return tuple(r for p in SERVING_SETS if p.name in DEQUANT_FIT_SETS for r in load_serving_runs(p)
                 if _fits_dequant(r, cards))


def dequant_fit_files(cards: frozenset[str] | None = SERVING_CALIBRATED_CARDS) -> tuple[str, ...]:
    """The names of the sets :func:`dequant_fit_rows` draws on, in order."""
    return tuple(p.name for p in SERVING_SETS if p.name in DEQUANT_FIT_SETS
                 and any(_fits_dequant(r, cards) for r in load_serving_runs(p)))


def _fits_dequant(run: ServingRun, cards: frozenset[str] | None = SERVING_CALIBRATED_CARDS) -> bool:
    """A predictable TPOT row with weight-only weights on ``cards`` (any card: None)."""
    return (run.status == "included" and "tpot" in run.metrics and _is_weight_only(run)
            and unpredictable_reason(run) is None and (cards is None or run.accelerator in cards))


def _is_weight_only(run: ServingRun) -> bool:
    if str(run.precision.get("weights")) not in PRECISIONS:
        return False
    return _precision(run).weight_only


def fit_dequant(cards: frozenset[str] | None = SERVING_CALIBRATED_CARDS) -> tuple[float, float, int]:
    """Fit the vector operations per weight of a weight-only kernel (ServingConstants.dequant_ops_per_weight,
    core.inference.dequant_efficiency) on :func:`dequant_fit_rows` (``cards`` as there): the least mean
    |error| of their TPOT over the grid 0..10 (step 0.1), every other constant as committed. One constant
    for int8 and int4 alike: the bytes per weight carry the difference. Returns (c, mean |error| %, rows)."""
    rows = dequant_fit_rows(cards)
    return (*_grid_fit("dequant_ops_per_weight", np.round(np.arange(0.0, 10.0001, 0.1), 1), rows, "tpot"), len(rows))


def _grid_fit(name: str, grid: np.ndarray, rows: tuple[ServingRun, ...], metric: Metric) -> tuple[float, float]:
    """One constant of :data:`FITTED` over ``grid`` (every other as committed): the value with the least mean
    |error| of ``metric`` over ``rows`` (the first in grid order on a tie) and that error in %. The grid is
    evaluated at once over NumPy arrays."""
    k = FITTED.model_copy(update={name: grid})
    total = np.zeros(grid.size)
    for r in rows:
        total += np.abs(_error(predict_run(r, k)[metric], r.measured_value(metric)))
    i = int(np.argmin(total))
    return float(grid[i]), float(100 * total[i] / max(len(rows), 1))


#: The set whose MoE throughput rows the serving grouped-GEMM efficiency is fitted on (2026-12-05,
#: thirty-sixth session; the plan is pre-registered in that file's dated notes, written before the fit).
MOE_GEMM_FIT_SET = "serving_runs_11.yaml"


def _fits_moe_gemm(path: Path | str | None, run: ServingRun) -> bool:
    """A predictable throughput row of a mixture-of-experts model in :data:`MOE_GEMM_FIT_SET`."""
    return (Path(path or SERVING_RUNS).name == MOE_GEMM_FIT_SET and run.status == "included"
            and "throughput" in run.metrics and catalog.get_model(run.model).arch.experts > 0
            and unpredictable_reason(run) is None)


def moe_gemm_fit_rows() -> tuple[ServingRun, ...]:
    """The rows :func:`fit_moe_gemm` fits on: :data:`MOE_GEMM_FIT_SET`'s MoE throughput rows (16 Mixtral 8x7B
    rows of the TensorRT-LLM v0.11 tables)."""
    path = SERVING_RUNS.parent / MOE_GEMM_FIT_SET
    return tuple(r for r in load_serving_runs(path) if _fits_moe_gemm(path, r))


def fit_moe_gemm() -> tuple[float, float, int]:
    """Fit the serving grouped-GEMM efficiency (ServingConstants.grouped_gemm_efficiency: the share of the
    dense serving GEMM efficiency the routed experts' GEMMs reach, core.inference.model_gemm_efficiency) on
    :func:`moe_gemm_fit_rows`: the least mean |error| of their throughput over the grid 0.025..1 (step
    0.025; ties to the larger value), every other constant as committed. Returns (g, mean |error| %, rows)."""
    rows = moe_gemm_fit_rows()
    grid = np.round(np.arange(1.0, 0.0249, -0.025), 3)  # descending: a tie goes to the larger value
    return (*_grid_fit("grouped_gemm_efficiency", grid, rows, "throughput"), len(rows))


#: The set whose per-expert-kernel rows the expert kernel's time is fitted on (2026-12-05, thirty-eighth
#: session, post hoc: its 12 GPTQ-INT4 MoE rows had been predicted, 31 % to 90 % too fast).
EXPERT_LOOP_FIT_SET = "serving_runs_21.yaml"


def _fits_expert_loop(path: Path | str | None, run: ServingRun) -> bool:
    """A predictable TPOT row of :data:`EXPERT_LOOP_FIT_SET` whose runtime launches one kernel per expert
    (:attr:`ServingRun.per_expert_kernels`) for a weight-only quantised MoE model."""
    return (Path(path or SERVING_RUNS).name == EXPERT_LOOP_FIT_SET and run.status == "included"
            and "tpot" in run.metrics and run.per_expert_kernels and _is_weight_only(run)
            and catalog.get_model(run.model).arch.experts > 0 and unpredictable_reason(run) is None)


def expert_loop_fit_rows() -> tuple[ServingRun, ...]:
    """The rows :func:`fit_expert_loop` fits on (the Qwen3-30B-A3B and Qwen3-235B-A22B GPTQ-INT4 rows of
    the Qwen3 speed benchmark, SGLang 0.4.6.post1 on H20)."""
    path = SERVING_RUNS.parent / EXPERT_LOOP_FIT_SET
    return tuple(r for r in load_serving_runs(path) if _fits_expert_loop(path, r))


def fit_expert_loop() -> tuple[float, float, int]:
    """Fit the time of an expert kernel that returns at once (ServingConstants.expert_kernel_s,
    core.inference [MARLINMOE]) on :func:`expert_loop_fit_rows`: the least mean |error| of their TPOT over
    the grid 0..10 µs (step 0.05 µs), every other constant as committed. Returns (t_k, mean |error| %, rows)."""
    grid = np.array([float(f"{i * 0.05:.2f}e-6") for i in range(201)])  # exact decimals, as committed
    return (*_grid_fit("expert_kernel_s", grid, expert_loop_fit_rows(), "tpot"), len(expert_loop_fit_rows()))


def expert_loop_miss_pct() -> float:
    """Mean |error| (%) of :func:`expert_loop_fit_rows`' TPOT without the per-expert launches (t_k = 0): how
    far those rows were off before the fit."""
    return _grid_fit("expert_kernel_s", np.array([0.0]), expert_loop_fit_rows(), "tpot")[1]


def _covered_ids(path: Path, f: FactorFit) -> set[str]:
    return {r.id for r in load_serving_runs(path) if f.covers(r)}


def _step(g: np.ndarray) -> float:
    return float(g[1] - g[0]) if g.size > 1 else 0.0


class RowResult(BaseModel):
    """One row, one metric: measured and predicted, signed error."""

    id: str
    source: str
    role: str
    metric: Metric
    statistic: str = Field("", description="TPOT rows: 'median' or 'mean', the statistic the source publishes")
    measured: float
    predicted: float
    error_pct: float


class MetricSummary(BaseModel):
    """Mean |error| of one metric over a group of rows."""

    role: str
    source: str = Field(description="a source key, or 'all'")
    metric: Metric
    count: int
    mean_abs_error_pct: float
    max_abs_error_pct: float
    mean_signed_error_pct: float


class ServingValidationReport(BaseModel):
    """The serving validation: constants used, per-row results, summaries, rows not predicted."""

    constants: dict[str, float]
    rows: list[RowResult]
    summaries: list[MetricSummary]
    not_predicted: dict[str, str] = Field(description="row id -> reason (the file's rules)")

    def summary(self, role: str, metric: str, source: str = "all") -> MetricSummary | None:
        for s in self.summaries:
            if s.role == role and s.metric == metric and s.source == source:
                return s
        return None


def _is_first_set(path: Path | str | None) -> bool:
    """Whether ``path`` is ``serving_runs.yaml``, the file whose rows the constants are fitted on."""
    return path is None or Path(path).resolve() == SERVING_RUNS.resolve()


def validate_serving(k: ServingConstants | None = None, path: Path | str | None = None,
                     factors: dict[str, ServingFactor] = SERVING_FACTORS) -> ServingValidationReport:
    """Predict every predictable row of ``path`` (default :data:`SERVING_RUNS`) with ``k`` (default:
    the committed fit) and the serving ``factors`` (``{}``: the NVIDIA fit on every card, as before
    2026-12-02's AMD factor), and summarise; a factor's fit rows report as calibration."""
    k = k or FITTED
    runs = load_serving_runs(path)
    fitted_tpot = {r.id for r in decode_fit_rows(runs)} if _is_first_set(path) else set()
    factor_fitted = {r.id for r in runs for key, f in FACTOR_FITS.items() if key in factors and f.fits(path, r)}
    dequant_fitted = ({r.id for r in runs if _fits_dequant(r)}
                      if Path(path or SERVING_RUNS).name in DEQUANT_FIT_SETS else set())  # dequant_fit_rows' rows
    moe_fitted = {r.id for r in runs if _fits_moe_gemm(path, r)}  # moe_gemm_fit_rows' rows (throughput)
    loop_fitted = {r.id for r in runs if _fits_expert_loop(path, r)}  # expert_loop_fit_rows' rows (TPOT)
    rows: list[RowResult] = []
    skipped: dict[str, str] = {}
    for r in runs:
        reason = unpredictable_reason(r)
        if reason is not None:
            skipped[r.id] = reason
            continue
        predicted = predict_run(r, k, factors)
        missing = [m for m in r.metrics if m in METRICS and m not in predicted]
        if missing:  # a scored metric the scoring cannot predict is reported, never dropped
            skipped[r.id] = f"{', '.join(missing)} of scenario {r.scenario} is not predicted by the scoring"
        for metric, pred in predicted.items():
            meas = r.measured_value(metric)
            stat = tpot_statistic(r) if metric == "tpot" else ""
            fitted_here = ((metric == "tpot" and (r.id in fitted_tpot or r.id in dequant_fitted or r.id in loop_fitted))
                           or (metric == "throughput" and r.id in moe_fitted))
            role = "calibration" if fitted_here or r.id in factor_fitted else r.role
            rows.append(RowResult(id=r.id, source=r.source, role=role, metric=metric, statistic=stat, measured=meas,
                                  predicted=float(pred), error_pct=100 * float(_error(pred, meas))))
    summaries = []
    for role in ("calibration", "held_out"):
        sources = sorted({x.source for x in rows if x.role == role})
        for source in ("all", *sources):
            for metric in METRICS:
                errs = [x.error_pct for x in rows if x.role == role and x.metric == metric
                        and source in ("all", x.source)]
                if errs:
                    a = np.abs(errs)
                    summaries.append(MetricSummary(role=role, source=source, metric=metric, count=len(errs),
                                                   mean_abs_error_pct=float(a.mean()),
                                                   max_abs_error_pct=float(a.max()),
                                                   mean_signed_error_pct=float(np.mean(errs))))
    consts = {name: float(getattr(k, name)) for name in type(k).model_fields}
    return ServingValidationReport(constants=consts, rows=rows, summaries=summaries, not_predicted=skipped)


def pooled_held_out(k: ServingConstants | None = None, paths: tuple[Path, ...] = SERVING_SETS,
                    reports: list[ServingValidationReport] | None = None) -> dict[Metric, tuple[int, float]]:
    """Every held-out point of every pre-registered serving set, pooled per metric -> (points, mean |error| %):
    the figure issue 16's acceptance is stated on. Calibration points (the decode floor's TPOT rows, the AMD
    factor's rows) are left out. Most sets were predicted more than once, so this pools first predictions
    with post-hoc figures; each file's dated notes keep its first prediction. ``reports``: the sets'
    reports when already computed (one per path)."""
    errs: dict[Metric, list[float]] = {m: [] for m in METRICS}
    for rep in reports if reports is not None else [validate_serving(k, path) for path in paths]:
        for row in rep.rows:
            if row.role == "held_out":
                errs[row.metric].append(abs(row.error_pct))
    return {m: (len(v), float(np.mean(v))) for m, v in errs.items() if v}
