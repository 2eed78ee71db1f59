"""The planning scenario: what a user writes in a YAML / TOML / JSON file.

A scenario names a model (a catalog preset or an architecture), a training plan, a cluster
(a catalog accelerator or custom figures), assumptions, serving demand and prices. Every default
is a named field with its source in the field description, so the workbook's Inputs sheet and the
proposal's assumptions table can show it.

``load_scenario(path)`` reads one file; errors are :class:`ScenarioError` with one line per
problem: the field (dotted path), the value and what is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from xlcompute.core.parallel import CP_CHUNKS_PER_RANK
from xlcompute.core.params import ModelArch
from xlcompute.core.goodput import LLAMA3_FAILURES_PER_CARD_HOUR, LLAMA3_STORAGE_BYTES_PER_S_PER_CARD
from xlcompute.quantity import QuantityError, parse_quantity

__all__ = [
    "Quantity",
    "ModelSpec",
    "TrainingPlan",
    "CustomAccelerator",
    "Cluster",
    "Assumptions",
    "ServingDemand",
    "Pricing",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "default_scenario",
    "DEFAULT_SCENARIO_PATH",
    "RECOMPUTE_MODES",
]

RECOMPUTE_MODES: dict[str, int] = {"none": 0, "selective": 1, "full": 2}


def _quantity(value: Any) -> Any:
    # Accept "70B", "2T", "1.5万" wherever a number is expected; pydantic then checks the range.
    if isinstance(value, str):
        try:
            return parse_quantity(value)
        except QuantityError as exc:
            raise ValueError(str(exc).split(": ", 1)[-1]) from None
    return value


Quantity = Annotated[float, BeforeValidator(_quantity)]
"""A float that may be written with a suffix: 70B, 2T, 1.5万, 40%."""

CountInt = Annotated[int, BeforeValidator(_quantity)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class ModelSpec(_Strict):
    """The model: a catalog preset, or a custom architecture; optionally a fixed size."""

    preset: str | None = Field(None, description="catalog model name, e.g. llama2-70b (see `xlcompute catalog models`)")
    arch: ModelArch | None = Field(None, description="custom architecture instead of a preset")
    params: Quantity | None = Field(None, gt=0, description="override the total parameter count, e.g. 70B")
    active_params: Quantity | None = Field(None, gt=0, description="override parameters active per token (MoE)")

    @model_validator(mode="after")
    def _one_source(self) -> ModelSpec:
        if (self.preset is None) == (self.arch is None):
            raise ValueError("give exactly one of model.preset (a catalog name) or model.arch (an architecture)")
        return self


class TrainingPlan(_Strict):
    """How the model is trained: data, batch, precision, memory strategy and 3D layout."""

    tokens: Quantity = Field(gt=0, description="training tokens, e.g. 2T")
    seq_len: CountInt = Field(4096, gt=0, description="sequence length in tokens")
    global_batch: CountInt | None = Field(
        None, gt=0,
        description="sequences per optimizer step; rounded to the layout (a whole number of micro-batches "
        "per data-parallel replica). Default: from training.batch_tokens",
    )
    batch_tokens: Quantity | None = Field(
        None, gt=0,
        description="tokens per optimizer step when global_batch is not given; default 4M tokens (Llama 2), "
        "1,024 per card on large clusters (Llama 3 405B: 16M tokens on 16,384 H100), at most 64M (DeepSeek-V3)",
    )
    micro_batch: CountInt = Field(1, gt=0, description="sequences per micro-batch per card")
    precision: Literal["bf16", "fp16", "fp8"] = Field("bf16", description="matmul precision; fp8 uses the card's fp8 peak")
    param_bytes: Quantity = Field(2, gt=0, description="a: bytes per parameter and per gradient (seed 000; 2 for bf16)")
    optimizer_bytes: Quantity = Field(
        12, ge=0, description="b: optimizer bytes per parameter (seed 000; 12 for mixed-precision Adam, ZeRO §3.1)"
    )
    zero_stage: int = Field(1, ge=0, le=3, description="ZeRO stage 0-3 (Rajbhandari et al. 2020)")
    recompute: Literal["none", "selective", "full"] = Field(
        "selective", description="activation recomputation (Korthikanti et al. 2022)"
    )
    sequence_parallel: bool = Field(True, description="Megatron sequence parallelism (Korthikanti et al. 2022)")
    tp: CountInt | None = Field(
        None, gt=0, description="tensor-parallel degree; leave tp and pp out to let the layout planner choose"
    )
    pp: CountInt | None = Field(None, gt=0, description="pipeline-parallel degree (give it with tp)")
    dp: CountInt | None = Field(
        None, gt=0, description="data-parallel degree, ⌊cards/(tp·cp·pp)⌋; optional, checked when given"
    )
    cp: CountInt | None = Field(
        None, gt=0,
        description="context-parallel degree: each of cp cards holds seq_len/cp tokens of every sequence "
        "(Megatron-Core; Llama 3 used CP 16 for 128K tokens). Default 1 with tp and pp given; left out "
        "with them, the layout planner chooses it (from 16K-token sequences on)",
    )
    offload: tuple[Literal["weights", "activations", "optimizer"], ...] = Field(
        (),
        description="what to keep in the card's offload tier (host memory, e.g. GH200's LPDDR5X): weights "
        "(with their gradients), activations, optimizer (states); the blocks not computing move out and "
        "stream back over the offload link (Calculon, seed 004). Needs a card with an offload tier or "
        "cluster.offload_gb and cluster.offload_gbs. Default: none",
    )
    interleave: CountInt = Field(
        1, gt=0, description="model chunks per card in the interleaved 1F1B schedule (Narayanan et al. 2021 §2.2)"
    )
    attention: Literal["flash", "unfused"] = Field(
        "flash",
        description="attention kernel for the step-time model: flash = fused FlashAttention (Dao 2023), "
        "as current Megatron-Core, DeepSpeed and MindSpeed use; unfused = Megatron 2021 with the "
        "s×s scores in memory, the setting of every validation run",
    )
    software: Literal["typical", "megatron-lm", "megatron-deepspeed"] = Field(
        "typical",
        description="training software for the step-time model: typical (0.80 of the benchmark kernel "
        "throughput, fitted on the end-to-end card-hours of the LLaMA 1 runs: a production stack), megatron-lm "
        "(NVIDIA's tuned benchmarks, 1.0, the reference of the calibration) or megatron-deepspeed (0.819, "
        "fitted on MT-NLG 530B); see xlcompute validate",
    )
    deadline_days: Quantity | None = Field(None, gt=0, description="target training time; adds cards needed for it")

    @property
    def recompute_mode(self) -> int:
        return RECOMPUTE_MODES[self.recompute]

    @field_validator("offload", mode="before")
    @classmethod
    def _offload_text(cls, v: Any) -> Any:
        # A scenario table's cell holds the kinds as text: "weights, optimizer".
        if isinstance(v, str):
            return tuple(k for k in v.replace(",", " ").replace("+", " ").split() if k)
        return v

    @field_validator("offload")
    @classmethod
    def _offload_once(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({k for k in v if v.count(k) > 1})
        if repeated:
            raise ValueError(f"list each kind once (repeated: {', '.join(repeated)}); allowed: weights, "
                             "activations, optimizer")
        return v


class CustomAccelerator(_Strict):
    """An accelerator not in the catalog (or a vendor quote that differs from it)."""

    name: str = Field(min_length=1, max_length=80)
    bf16_tflops: Quantity = Field(gt=0, description="dense bf16/fp16 peak, TFLOPS (not the sparsity figure)")
    fp8_tflops: Quantity | None = Field(None, gt=0, description="dense fp8 peak, TFLOPS")
    hbm_gb: Quantity = Field(gt=0, description="memory per card, GB (10^9 bytes)")
    hbm_tbps: Quantity = Field(gt=0, description="memory bandwidth, TB/s")
    intra_node_gbs: Quantity = Field(gt=0, description="card-to-card link inside a server, GB/s per direction")
    tdp_w: Quantity = Field(gt=0, description="board power, W")
    cards_per_node: CountInt = Field(8, gt=0)


class Cluster(_Strict):
    """The cluster being proposed."""

    accelerator: str | CustomAccelerator = Field("H800", description="catalog accelerator name or custom figures")
    cards: CountInt = Field(1000, gt=0, description="number of accelerator cards")
    cards_per_node: CountInt | None = Field(None, gt=0, description="cards per server; default from the catalog")
    inter_node_gbps: Quantity = Field(
        400, gt=0, description="scale-out network per card, Gbit/s (8×400G NDR per HGX server: DeepSeek-V3 report §3.1)"
    )
    tdp_w: Quantity | None = Field(
        None, gt=0, description="card power, W; overrides the catalog (needed where it has none, e.g. TPUs)"
    )
    intra_node_gbs: Quantity | None = Field(
        None, gt=0, description="card-to-card link in a server, GB/s per direction; overrides the catalog"
    )
    offload_gb: Quantity | None = Field(
        None, ge=0,
        description="offload tier per card (host memory the card reaches over a fast link), GB; overrides the "
        "catalog (GH200: 480 GB LPDDR5X); 0 = none",
    )
    offload_gbs: Quantity | None = Field(
        None, ge=0, description="offload link per card, GB/s per direction; overrides the catalog; 0 = none"
    )


class Assumptions(_Strict):
    """Efficiency assumptions. Each carries its source so the proposal can cite it."""

    mfu: Quantity | None = Field(
        None,
        gt=0,
        le=1,
        description="model FLOPs utilisation of training, 0-1 (PaLM definition); leave it out to use the "
        "step-time model's prediction for the layout",
    )
    mfu_source: str | None = Field(None, max_length=300, description="where the MFU figure comes from")
    host_power_factor: Quantity = Field(
        1.8, ge=1, description="server power / card TDP (DGX H100: 10.2 kW for 8×700 W)"
    )
    average_load: Quantity = Field(
        0.8, gt=0, le=1, description="average IT load over a year, 0-1 (planning assumption; set your own)"
    )

    @field_validator("mfu")
    @classmethod
    def _mfu_range(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 1:
            raise ValueError(f"must be in (0, 1], got {v}")
        return v


class Reliability(_Strict):
    """From step time to calendar time (core.goodput): failures, checkpoints, restarts, planned work."""

    failures_per_card_hour: Quantity = Field(
        LLAMA3_FAILURES_PER_CARD_HOUR, ge=0,
        description="job-interrupting failures per card-hour (Llama 3: 419 unexpected interruptions in 54 days "
        "on 16,384 H100, 1.97e-5; Dubey et al. 2024 §3.3.4); 0: no failures",
    )
    checkpoint_gbs_per_card: Quantity = Field(
        LLAMA3_STORAGE_BYTES_PER_S_PER_CARD / 1e9, gt=0,
        description="checkpoint storage write bandwidth per card, GB/s (Llama 3: 2 TB/s for 16,384 H100, "
        "0.122; Dubey et al. 2024 §3.3.1)",
    )
    checkpoint_interval_minutes: Quantity = Field(
        0, ge=0, description="minutes of training between checkpoints; 0: the Young–Daly optimum (Daly 2006)"
    )
    restart_minutes: Quantity = Field(
        10, ge=0,
        description="minutes from a failure to training again, besides reading the checkpoint back (planning "
        "assumption: automated detection and restart, Llama 3 §3.3.4; set your own)",
    )
    planned_overhead: Quantity = Field(
        0.01, ge=0, lt=1,
        description="share of calendar time for planned work the step model does not see: evaluation, "
        "maintenance, data and stage switches (Llama 3: 47 planned interruptions in 54 days, §3.3.4; "
        "planning assumption)",
    )


class ServingDemand(_Strict):
    """Inference demand served by the cluster (seed 000 §2.2)."""

    users: CountInt = Field(0, ge=0, description="concurrent users U (0: no serving)")
    tokens_per_request: CountInt = Field(1000, gt=0, description="input + output tokens per request T_io")
    seconds_per_request: Quantity = Field(20, gt=0, description="average time of one request t_c, s")
    utilization: Quantity = Field(
        0.3, gt=0, le=1, description="share of peak FLOP/s reached when serving (assumption; decode is memory-bound)"
    )
    bytes_per_param: Quantity = Field(2, gt=0, description="weight bytes when serving (2 bf16, 1 fp8/int8)")
    kv_bytes_per_value: Quantity = Field(2, gt=0, description="KV-cache bytes per value (2 bf16, 1 fp8)")
    decode_batch: CountInt = Field(32, gt=0, description="concurrent sequences per replica for the decode bound")
    hbm_usable_fraction: Quantity = Field(
        0.8, gt=0, le=1, description="share of HBM for weights; the rest holds KV cache and activations"
    )


_PRICE_NOTE = "planning assumption for an 8-card H800-class server, China 2024; replace with a quote"


class Pricing(_Strict):
    """Prices. Defaults are planning assumptions (2024 market, China); replace with quotes."""

    currency: Literal["CNY", "USD"] = "CNY"
    price_per_card_hour: Quantity = Field(15, ge=0, description=f"cloud rental per card-hour ({_PRICE_NOTE})")
    server_price: Quantity = Field(2_300_000, ge=0, description=f"one server with its cards ({_PRICE_NOTE})")
    network_per_server: Quantity = Field(
        300_000, ge=0, description=f"scale-out network per server: NICs, switch ports, optics ({_PRICE_NOTE})"
    )
    storage: Quantity = Field(
        5_000_000, ge=0, description=f"parallel file system and object storage, total ({_PRICE_NOTE})"
    )
    facility_per_kw: Quantity = Field(
        15_000, ge=0, description=f"data-centre build-out per kW of IT load ({_PRICE_NOTE})"
    )
    electricity_per_kwh: Quantity = Field(
        0.65, ge=0, description="electricity price per kWh (planning assumption: China industrial tariff, 2024)"
    )
    pue: Quantity = Field(
        1.3, ge=1, le=3, description="power usage effectiveness (China's target for new large data centres, 2021)"
    )
    years: CountInt = Field(3, gt=0, le=15, description="period of the total-cost table")
    staff_per_year: Quantity = Field(0, ge=0, description="operations staff cost per year (0: not included)")


class Scenario(_Strict):
    """A planning scenario: everything an estimate needs."""

    name: str = Field("Scenario", min_length=1, max_length=200)
    organisation: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    model: ModelSpec
    training: TrainingPlan
    cluster: Cluster = Cluster()
    assumptions: Assumptions = Assumptions()
    reliability: Reliability = Reliability()
    serving: ServingDemand = ServingDemand()
    pricing: Pricing = Pricing()

    @model_validator(mode="after")
    def _layout(self) -> Scenario:
        t, c = self.training, self.cluster
        if t.global_batch is not None and t.batch_tokens is not None:
            raise ValueError("give training.global_batch or training.batch_tokens, not both")
        if (t.tp is None) != (t.pp is None):
            raise ValueError("give both training.tp and training.pp, or neither to let the layout planner choose")
        if t.tp is None or t.pp is None:
            if t.dp is not None:
                raise ValueError("training.dp needs training.tp and training.pp too")
            if t.cp is not None:
                raise ValueError(
                    f"training.cp ({t.cp}) needs training.tp and training.pp too; leave all three out to let the "
                    "layout planner choose"
                )
            return self
        cp = self.cp
        chunks = CP_CHUNKS_PER_RANK * cp
        if cp > 1 and t.seq_len % chunks:
            raise ValueError(
                f"training.cp ({cp}) must cut training.seq_len ({t.seq_len}) into 2·cp = {chunks} equal chunks "
                "(Megatron-Core's load-balanced causal split); allowed: cp with seq_len divisible by 2·cp"
            )
        group = t.tp * cp * t.pp
        # Without context parallelism the messages name the 3D layout the scenario gave.
        names, factors = ("tp·pp", f"{t.tp}·{t.pp}") if t.cp is None else ("tp·cp·pp", f"{t.tp}·{cp}·{t.pp}")
        if group > c.cards:
            raise ValueError(
                f"training.{names} ({factors} = {group}) must be at most cluster.cards ({c.cards})"
            )
        if t.dp is not None and t.dp != self.dp:
            raise ValueError(
                f"training.dp ({t.dp}) must be ⌊cluster.cards / ({names})⌋ = ⌊{c.cards} / {group}⌋ = {self.dp}; "
                "leave it out: it follows from the cards"
            )
        return self

    @property
    def layout_fixed(self) -> bool:
        """True when the scenario gives tp and pp (else the planner chooses the layout)."""
        return self.training.tp is not None

    @property
    def cp(self) -> int:
        """Context-parallel degree of a fixed layout (1 unless training.cp is given)."""
        t = self.training
        if t.tp is None or t.pp is None:
            raise ValueError("the layout is chosen by the planner; see estimate().plan")
        return 1 if t.cp is None else t.cp

    @property
    def dp(self) -> int:
        """Data-parallel degree of a fixed layout, ⌊cards/(tp·cp·pp)⌋ (cards beyond dp·tp·cp·pp stay
        idle)."""
        t = self.training
        if t.tp is None or t.pp is None:
            raise ValueError("the layout is chosen by the planner; see estimate().plan")
        return self.cluster.cards // (t.tp * self.cp * t.pp)


class ScenarioError(ValueError):
    """Invalid scenario input; ``problems`` holds one readable line per problem."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(problems))


def _format_errors(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; `xlcompute schema` lists the fields)"
        value = err.get("input")
        shown = "" if err["type"] == "missing" or isinstance(value, Mapping) else f" (got {value!r})"
        lines.append(f"{loc or 'scenario'}: {msg}{shown}")
    return lines


def parse_scenario(data: Any, source: str = "") -> Scenario:
    """Validate a mapping (parsed YAML/TOML/JSON) into a :class:`Scenario`, presets included.

    Every problem is reported at once: field errors and unknown catalog names together.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError([f"scenario: expected a mapping of fields, got {type(data).__name__}"], source)
    problems = check_presets(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc) + problems, source) from None
    if problems:
        raise ScenarioError(problems, source)
    return scenario


def check_presets(data: Mapping[str, Any]) -> list[str]:
    """Unknown catalog names in a raw scenario mapping, with the closest suggestions."""
    from xlcompute import catalog  # the catalog is data; imported late to keep start-up light

    problems = []
    model = data.get("model")
    preset = model.get("preset") if isinstance(model, Mapping) else None
    if isinstance(preset, str):
        try:
            catalog.get_model(preset)
        except catalog.UnknownPresetError as exc:
            problems.append(f"model.preset: {exc}")
    cluster = data.get("cluster")
    accelerator = cluster.get("accelerator") if isinstance(cluster, Mapping) else None
    if isinstance(accelerator, str):
        try:
            catalog.get_gpu(accelerator)
        except catalog.UnknownPresetError as exc:
            problems.append(f"cluster.accelerator: {exc}")
    return problems


def _read_mapping(path: Path) -> Any:
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8-sig")
    if suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text)
    if suffix == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        return tomllib.loads(text)
    if suffix == ".json":
        return json.loads(text)
    raise ScenarioError([f"file: {path.name!r} has an unsupported type; use .yaml, .yml, .toml or .json"], str(path))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML / TOML / JSON scenario file."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError([f"file: {str(p)!r} does not exist or is not a file"], str(p))
    try:
        data = _read_mapping(p)
    except ScenarioError:
        raise
    except Exception as exc:  # parser errors differ per format; report them uniformly
        raise ScenarioError([f"file: cannot parse {p.name}: {exc}".replace("\n", " ")], str(p)) from None
    return parse_scenario(data, str(p))


DEFAULT_SCENARIO_PATH = Path(__file__).with_name("data") / "default_scenario.yaml"


def default_scenario() -> Scenario:
    """The built-in reference case: a 1000-card H800 cluster training and serving a 70B model."""
    return load_scenario(DEFAULT_SCENARIO_PATH)
