"""Scenario → result: the one orchestration of the core.

``estimate(scenario)`` resolves presets into numbers (:func:`resolve`), plans the layout when the
scenario leaves it open, runs the graph of ``_graph.py`` once with those numbers and returns an
:class:`Estimate` holding every input (with its source) and every derived figure, grouped like
the workbook's sheets. The faces (workbook, proposal, CLI, batch) take an ``Estimate`` and never
estimate again.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, field_serializer

from xlcompute import catalog, fmt
from xlcompute.catalog import TrainingRecipe
from xlcompute._graph import GRAPH, INPUT_KEYS, STEPS, run_steps
from xlcompute._settings_grid import MODES, STAGES, choose_given, level_layers, partial_levels
from xlcompute.core import cost, goodput, parallel, stages
from xlcompute.core.inference import fp32_scaled_by_bandwidth
from xlcompute.core.moe import FP8_DEEPSEEK_GRAD_BYTES, FP8_DEEPSEEK_OPTIMIZER_BYTES
from xlcompute.core.params import ModelArch
from xlcompute.core.units import TERA, gbit_to_gbyte, per_giga
from xlcompute.planner.inputs import (
    ARCHITECTURE_PROFILES,
    SOFTWARE_STACKS,
    STEP_CONSTANTS,
    Execution,
    PlannerError,
    kernel_profile,
    model_values,
)
from xlcompute.registry import unit as registry_unit
from xlcompute.scenario import (
    MAX_CARDS, MAX_GLOBAL_BATCH, RECOMPUTE_MODES, CustomAccelerator, PlanKind, Scenario, ScenarioError, parse_scenario,
)

__all__ = [
    "InputValue",
    "Origin",
    "Figure",
    "Sensitivity",
    "Estimate",
    "estimate",
    "Resolved",
    "resolve",
    "resolve_inputs",
    "PlanReport",
    "sensitivity_cards",
    "sensitivity_mfus",
    "sensitivity_mfu_column",
    "core_problems",
    "SENSITIVITY_MIN_MFU",
    "cards_sized",
    "sized_cards",
    "sized_scenario",
    "with_layout_open",
    "with_cards",
    "SizedTry",
    "sized_for_deadline",
    "DEADLINE_REFINES",
]


class Origin(BaseModel):
    """Where an input comes from, as data (like :class:`xlcompute.compare.Note`): ``kind`` and its
    parts, so each face words it in its language. ``InputValue.source`` is the English line (JSON,
    CLI, workbook); the Chinese proposal words the source from these parts
    (:mod:`xlcompute.sources`). Citations (``cite``) stay as published."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["scenario", "default", "price", "catalog", "custom", "count", "constant", "kernel",
                  "fixed", "planner", "batch", "user"]
    field: str = Field("", description="scenario: / default: / price: the scenario field, e.g. training.tokens; "
                       "constant: the STEP_CONSTANTS key; fixed: the text key; count: what is counted")
    option: str = Field("", description="the chosen option of an enum field (recompute = selective), or a list")
    currency: str = ""
    name: str = Field("", description="catalog / custom / kernel: the card or model name")
    cite: str = Field("", description="a bibliographic citation or the catalog source, as published")
    extra: str = Field("", description="catalog: a qualifier (dense_bf16, dense_fp8, per_direction, c2c, "
                       "link_assumed, tdp_assumed); kernel: the profile; price: the prices.yaml row")
    numbers: tuple[float, ...] = ()
    base: Origin | None = Field(None, description="count: the origin of the architecture it counts")


class InputValue(BaseModel):
    """One resolved input number, with where it came from."""

    model_config = ConfigDict(frozen=True)
    key: str
    value: float
    source: str
    origin: Origin | None = Field(None, exclude=True, repr=False,
                                  description="the source as data, for faces in other languages")


class Figure(BaseModel):
    """One derived figure."""

    model_config = ConfigDict(frozen=True)
    key: str
    sheet: str
    value: float
    unit: str


class Sensitivity(BaseModel):
    """Training days for card counts × MFU values, and total budget per card count."""

    cards: list[int]
    mfus: list[float]
    days: list[list[float]] = Field(description="days[i][j] for cards[i] and mfus[j]")
    budget: list[float] = Field(description="total budget for cards[i] at the scenario's prices")


from xlcompute.planner.plan import (  # noqa: E402  (after InputValue)
    RECOMMEND_OPTIONS,
    PlanReport,
    PlanRow,
    plan_layouts,
)
from xlcompute.planner.search import interleave_sizes  # noqa: E402
from xlcompute.planner.steptime import StepResult  # noqa: E402


class Resolved(BaseModel):
    """A scenario's input numbers, with the layout plan when the planner searched."""

    model_name: str
    accelerator_name: str
    arch: ModelArch
    inputs: dict[str, InputValue]
    plan: PlanReport | None = None


class SizedTry(BaseModel):
    """One cluster size the deadline sizing planned: its cards and end-to-end training days."""

    model_config = ConfigDict(frozen=True)
    cards: int
    train_days: float


class Estimate(BaseModel):
    """Everything derived from a scenario: the inputs with their sources, every figure of the
    graph, the sensitivity grid and the layout plan."""

    scenario: Scenario
    model_name: str
    accelerator_name: str
    inputs: dict[str, InputValue]
    # The numbers; JSON carries them once, in ``figures`` (with sheet and unit).
    results: dict[str, float] = Field(exclude=True, repr=False,
                                      description="every figure of the graph by key (units: xlcompute.registry)")
    sensitivity: Sensitivity
    plan: PlanReport | None = Field(None, description="layouts searched when the scenario left layout or MFU open")
    deadline_plan: SizedTry | None = Field(
        None, description="cluster.cards given with training.deadline_days, met or missed: the cards the deadline "
        "sizing plans (as if cluster.cards were left out) and their end-to-end days; None if no cluster was found")
    sizing_tries: list[SizedTry] = Field(
        default_factory=list, description="a cluster sized to training.deadline_days: every count planned on the "
        "way, in the order tried (empty otherwise)")

    @field_serializer("scenario")
    def _scenario_as_given(self, scenario: Scenario) -> dict[str, Any]:
        """The scenario as given, without the fields left open: estimated again, it gives the same plan (a field
        echoed at its default would count as given, e.g. training.interleave 1 where the planner chose 8)."""
        return scenario.model_dump(mode="json", exclude_unset=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind(self) -> PlanKind:
        """What is planned: "training" (no serving users), "serving" (no training) or "both"."""
        return self.scenario.kind

    @property
    def trains(self) -> bool:
        """True when a training run is planned (kind training or both)."""
        return self.scenario.kind != "serving"

    @property
    def serves(self) -> bool:
        """True when a serving fleet is planned (kind serving or both)."""
        return self.scenario.kind != "training"

    def sized_miss_below(self) -> SizedTry | None:
        """A cluster sized to its deadline and meeting it: the largest count tried below its own that
        missed the deadline (None if none did, the plan misses too, or the cluster was not sized). It, not
        the count the plan's own MFU implies, is what fewer cards were found to do: the layout, and so
        the MFU, changes with the count."""
        deadline = self["deadline_plan_days"]  # the deadline at its confidence: the same at every count
        cards = self.scenario.cluster.cards
        if self["deadline_slip_days"] > 0:
            return None
        misses = [t for t in self.sizing_tries if t.cards < cards and t.train_days > deadline]
        return max(misses, key=lambda t: t.cards, default=None)

    def deadline_out_of_reach(self) -> bool:
        """The run missing training.deadline_days and the deadline sizing finding no cluster that meets it:
        cards given (``deadline_plan`` None), or cards sized and every count tried missing it (a deadline none
        meets is refused with the fastest plan found, so only a sizing that ends where it began shows such a
        plan). The graph's same-MFU ``deadline_cards`` is then no answer (Llama-3.1-405B on 2T tokens,
        H20, by 1 day: 34 million cards at the ETTR of a million, beyond any cluster the scenario takes, whose
        failures would stop the job; on 15T H100 by 15 days, 4.7 trillion cards at the MFU of 747,936)."""
        return self["deadline_days"] > 0 and self["deadline_slip_days"] > 0 and self.deadline_plan is None

    def __getitem__(self, key: str) -> float:
        """Any input or figure by key: ``result["train_days"]``."""
        if key in self.results:
            return self.results[key]
        if key in self.inputs:
            return self.inputs[key].value
        raise KeyError(f"no input or figure named {key!r}")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def figures(self) -> dict[str, Figure]:
        """Every figure with its sheet and unit (built on demand; ``results`` holds the numbers). A serving-only
        plan has no training run: the training run's sheets are left out (their figures describe a run nobody
        plans, e.g. mem_fits 0 for a model the serving replicas hold well), as the text face says "serving only"."""
        skip = _TRAINING_RUN_SHEETS if self.kind == "serving" else frozenset()
        return {st.key: Figure.model_construct(key=st.key, sheet=st.sheet, value=self.results[st.key],
                                               unit=registry_unit(st.key)) for st in STEPS if st.sheet not in skip}

    def values(self) -> dict[str, float]:
        """All inputs and figures as one flat mapping of numbers."""
        out = {k: v.value for k, v in self.inputs.items()}
        out.update(self.results)
        return out

    def sheet(self, name: str) -> dict[str, Figure]:
        """The figures of one sheet (training, step, memory, network, serving, budget)."""
        return {k: f for k, f in self.figures.items() if f.sheet == name}


_STEP_KEYS = tuple(st.key for st in STEPS)
# The sheets of a training run: a serving-only estimate's figures leave them out (Estimate.figures).
_TRAINING_RUN_SHEETS = frozenset({"training", "goodput", "step", "memory", "network"})
_MODEL_SHAPE_KEYS = ("layers", "hidden", "heads", "kv_heads", "head_dim", "attn_width", "ffn_hidden", "gated_ffn",
                     "vocab", "moe_layers", "experts", "moe_top_k", "expert_groups", "group_limit", "shared_experts",
                     "moe_ffn_hidden",
                     "expert_params", "mla_qkv_params", "mla_latent_width", "mtp_params")


def _model_inputs(scenario: Scenario) -> tuple[str, ModelArch, dict[str, InputValue]]:
    spec = scenario.model
    if spec.preset is not None:
        preset = catalog.get_model(spec.preset)
        arch, name, src = preset.arch, preset.name, f"catalog: {preset.name} ({preset.source})"
        org = Origin(kind="catalog", name=preset.name, cite=preset.source)
    elif spec.generic:
        arch, name = spec.arch, spec.arch.name  # type: ignore[union-attr]
        src = ("default for model.arch with model.params alone: a dense shape in Llama 3's proportions "
               "(head 128, 8 KV heads, width about 128 per layer, SwiGLU MLP about 3.5× the width; core.shape)")
        org = Origin(kind="fixed", field="generic_arch")
    else:
        arch, name, src = spec.arch, spec.arch.name, "scenario: model.arch"  # type: ignore[union-attr]
        org = Origin(kind="scenario", field="model.arch")
    values = model_values(arch, scenario.train.seq_len, spec.params, spec.active_params)  # type: ignore[arg-type]
    count_src = "scenario: model.params" if spec.params is not None else f"exact count from the architecture; {src}"
    active_src = (
        "scenario: model.active_params" if spec.active_params is not None else f"exact count (active per token); {src}"
    )
    sources = {
        "model_params": count_src,
        "model_active_params": active_src,
        "embedding_params": f"exact count: token (and position) embedding tables; {src}",
        "lm_head_params": f"exact count: output head (0 when tied to the embedding); {src}",
        **{k: src for k in _MODEL_SHAPE_KEYS},
    }
    origins = {
        "model_params": Origin(kind="scenario", field="model.params") if spec.params is not None
        else Origin(kind="count", field="total", base=org),
        "model_active_params": Origin(kind="scenario", field="model.active_params")
        if spec.active_params is not None else Origin(kind="count", field="active", base=org),
        "embedding_params": Origin(kind="count", field="embedding", base=org),
        "lm_head_params": Origin(kind="count", field="lm_head", base=org),
        **{k: org for k in _MODEL_SHAPE_KEYS},
    }
    vals = {k: InputValue.model_construct(key=k, value=values[k], source=sources[k], origin=origins[k])
            for k in sources}
    return name, arch, vals  # type: ignore[return-value]


def _gpu_inputs(scenario: Scenario) -> tuple[str, dict[str, InputValue]]:
    c = scenario.cluster
    fp8 = scenario.train.precision == "fp8"
    acc = c.accelerator
    link_note = tdp_note = ""
    if isinstance(acc, CustomAccelerator):
        src = f"scenario: cluster.accelerator ({acc.name})"
        org = Origin(kind="custom", field="cluster.accelerator", name=acc.name)
        if fp8 and acc.fp8_tflops is None:
            raise ValueError("training.precision is fp8 but cluster.accelerator.fp8_tflops is not given; give the "
                             "card's dense FP8 peak, or use training.precision bf16 or fp16")
        peak = acc.fp8_tflops if fp8 else acc.bf16_tflops
        bf16 = acc.bf16_tflops
        name, hbm_gb, tbps, link, tdp, per_node = (
            acc.name, acc.hbm_gb, acc.hbm_tbps, acc.intra_node_gbs, acc.tdp_w, acc.cards_per_node
        )
    else:
        g = catalog.get_gpu(acc)
        src = f"catalog: {g.name} ({g.source}, {g.source_date})"
        org = Origin(kind="catalog", name=g.name, cite=f"{g.source}, {g.source_date}")
        if fp8 and not g.fp8_tflops:
            fp8_cards = ", ".join(x.key for x in catalog.gpus() if x.fp8_tflops)
            raise ValueError(f"training.precision is fp8 but {g.name} has no fp8 peak in the catalog; use "
                             f"training.precision bf16 or fp16 on it, or a card with FP8 ({fp8_cards})")
        peak = g.fp8_tflops if fp8 else g.bf16_tflops
        bf16 = g.bf16_tflops
        link_gbs = (
            c.intra_node_gbs if c.intra_node_gbs is not None
            else None if g.link_bytes_per_s_per_direction is None else per_giga(g.link_bytes_per_s_per_direction)
        )
        tdp_w = c.tdp_w if c.tdp_w is not None else catalog.tdp_of(g)
        ref = catalog.tdp_reference(g)
        if link_gbs is None:
            # No published scale-up figure (Cloud TPU v4): assume no faster than the scale-out
            # network per card, a conservative planning figure the source text flags.
            link_gbs = gbit_to_gbyte(c.inter_node_gbps)
            link_note = (f"; the catalog has no intra-node link figure for {g.name}: assumed the scale-out "
                         f"network per card, {link_gbs:g} GB/s (set cluster.intra_node_gbs)")
            link_org = org.model_copy(update={"extra": "link_assumed", "numbers": (link_gbs,)})
        if c.tdp_w is None and ref is not None:
            # No published TDP (Cloud TPU v5e/v5p, Ascend 910C): the catalog names a reference card
            # of the same maker; the same watts per peak FLOP, flagged, instead of refusing the plan.
            tdp_note = (f"; no published TDP for {g.name}: assumed {tdp_w:,.0f} W, {ref.name}'s {ref.tdp_w:g} W "
                        f"× {g.bf16_tflops:g}/{ref.bf16_tflops:g} dense BF16 TFLOPS (the same watts per "
                        "peak FLOP; set cluster.tdp_w)")
            tdp_org = org.model_copy(update={"extra": "tdp_assumed", "option": ref.name,
                                             "numbers": (tdp_w, float(ref.tdp_w), g.bf16_tflops, ref.bf16_tflops)})
        name, hbm_gb, tbps, link, tdp, per_node = (
            g.name, per_giga(g.hbm_bytes), g.hbm_bandwidth_bytes_per_s / TERA, link_gbs, tdp_w, g.cards_per_node,
        )
    per_node_src = src
    link_src, tdp_src = f"{src}; per direction{link_note}", f"{src}{tdp_note}"
    per_node_org = org
    if not tdp_note:
        tdp_org = org
    if not link_note:
        link_org = org.model_copy(update={"extra": "per_direction"})
    if c.cards_per_node is not None:
        per_node, per_node_src = c.cards_per_node, "scenario: cluster.cards_per_node"
        per_node_org = Origin(kind="scenario", field="cluster.cards_per_node")
    if isinstance(acc, str):  # catalog figures the scenario overrides say so
        if c.intra_node_gbs is not None:
            link_src = "scenario: cluster.intra_node_gbs"
            link_org = Origin(kind="scenario", field="cluster.intra_node_gbs")
        if c.tdp_w is not None:
            tdp_src = "scenario: cluster.tdp_w"
            tdp_org = Origin(kind="scenario", field="cluster.tdp_w")
    vals = {
        "gpu_count": _cards_input(scenario),
        "cards_per_node": InputValue(key="cards_per_node", value=per_node, source=per_node_src, origin=per_node_org),
        "gpu_peak_tflops": InputValue(
            key="gpu_peak_tflops", value=float(peak), source=f"{src}; dense {'fp8' if fp8 else 'bf16'}",
            origin=org.model_copy(update={"extra": "dense_fp8" if fp8 else "dense_bf16"}),
        ),
        # FP8 runs the linear GEMMs at up to the FP8 peak, the rest at the BF16 peak (core.moe.fp8_linear_peak).
        "precision_peak_ratio": InputValue(
            key="precision_peak_ratio", value=float(peak) / float(bf16),  # type: ignore[arg-type]
            source=f"{src}; dense {'fp8' if fp8 else 'bf16'} / dense bf16 peak",
            origin=org.model_copy(update={"extra": "dense_fp8" if fp8 else "dense_bf16"})),
        "gpu_hbm_gb": InputValue(key="gpu_hbm_gb", value=float(hbm_gb), source=src, origin=org),
        "gpu_hbm_tbps": InputValue(key="gpu_hbm_tbps", value=float(tbps), source=src, origin=org),
        "intra_node_gbs": InputValue(key="intra_node_gbs", value=float(link), source=link_src, origin=link_org),
        # given or the documented default (400G per card), said as every scenario field says it
        "inter_node_gbps": InputValue(
            key="inter_node_gbps", value=c.inter_node_gbps, source=_source(c, "cluster", "inter_node_gbps"),
            origin=_origin(c, "cluster", "inter_node_gbps", "", ""),
        ),
        "gpu_tdp_w": InputValue(key="gpu_tdp_w", value=float(tdp), source=tdp_src, origin=tdp_org),
        "gpu_fp32_tflops": _fp32_input(acc, src, org),
    }
    return name, vals


def cards_sized(scenario: Scenario) -> Literal["serving", "deadline"] | None:
    """How the cluster is sized when cluster.cards is left out: ``"serving"``, a serving-only plan with
    users, gets the cards they need; ``"deadline"``, a training run with training.deadline_days, the
    cards that finish it in time (and serve its users after); otherwise None, the documented
    1,000. A buyer who asks what serving costs, or what a run by a date costs, has not proposed 1,000
    cards: pricing them, then saying how many more are needed, answers a question nobody asked."""
    if "cards" in scenario.cluster.model_fields_set:
        return None
    if scenario.training is None:
        return "serving" if scenario.serving.users > 0 else None
    return "deadline" if scenario.train.deadline_days is not None else None


_SIZED = {
    "serving": ("default for cluster.cards in a serving-only plan: the cards its users need (the serving "
                "sizer's count at serving.confidence, rounded up to whole servers)"),
    "deadline": ("default for cluster.cards with training.deadline_days: the fewest cards found to finish the "
                 "run by then, planned at that count (whole servers; at least the serving cards)"),
}


def _cards_input(scenario: Scenario) -> InputValue:
    c = scenario.cluster
    sizing = cards_sized(scenario)
    if sizing is not None:
        return InputValue(key="gpu_count", value=c.cards, source=_SIZED[sizing],
                          origin=Origin(kind="fixed", field=f"cards_sized_{sizing}"))
    return InputValue(key="gpu_count", value=c.cards, source=_source(c, "cluster", "cards"),
                      origin=_origin(c, "cluster", "cards"))


def sized_cards(serving_cards: float, cards_per_node: float) -> int:
    """The cards of the whole servers that hold ``serving_cards`` (core.cost.whole_server_cards, the
    workbook's formula for them too), at most the scenario's bound on cluster.cards."""
    return int(min(MAX_CARDS, float(cost.whole_server_cards(float(serving_cards), float(max(1, int(cards_per_node)))))))


def with_cards(scenario: Scenario, cards: int) -> Scenario:
    """``scenario`` with ``cards`` cards, cluster.cards still left out (so its source reads as sized,
    and estimating the result sizes it again). Checked as if typed: a count the scenario's own rules
    refuse (a fixed layout's micro-batches on every replica beyond the step bound) raises
    :class:`ScenarioError` naming the fields."""
    data = scenario.model_dump(exclude_unset=True)
    data["cluster"] = {**data.get("cluster", {}), "cards": cards}
    parse_scenario(data)
    c = scenario.cluster
    cluster = type(c).model_construct(_fields_set=set(c.model_fields_set), **{**dict(c), "cards": cards})
    return scenario.model_copy(update={"cluster": cluster})


# The training fields that belong to one layout: left out, the planner chooses them (training.ep stays: the
# planner searches the rest around an EP the user gives).
LAYOUT_FIELDS = ("tp", "pp", "dp", "cp", "interleave", "first_stage_layers", "last_stage_layers", "dualpipe",
                 "expert_tp", "micro_batch", "recompute_layers")


def with_layout_open(scenario: Scenario) -> Scenario:
    """``scenario`` with the layout it fixes (:data:`LAYOUT_FIELDS`) left to the layout planner, everything
    else as given: the plan the same model, cards, batch and stack would get from the planner."""
    data = scenario.model_dump(exclude_unset=True)
    data["training"] = {k: v for k, v in data.get("training", {}).items() if k not in LAYOUT_FIELDS}
    return parse_scenario(data)


def sized_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` as :func:`estimate` plans it: one that leaves cluster.cards out to be sized
    (:func:`cards_sized`) at the cards it needs (its title and card count), any other as it is."""
    return estimate(scenario).scenario if cards_sized(scenario) is not None else scenario


def _fp32_input(acc: Any, src: str, org: Origin) -> InputValue:
    """The card's FP32 vector peak (where a weight-only serving kernel dequantises): the catalog's or
    the custom card's figure, else the A100's FP32 per byte of HBM bandwidth (catalog.fp32_of), flagged."""
    ref = catalog.get_gpu(catalog.FP32_REFERENCE)
    if isinstance(acc, CustomAccelerator):
        given, name, tbps = acc.fp32_tflops, acc.name, acc.hbm_tbps
    else:
        g = catalog.get_gpu(acc)
        given, name, tbps = g.fp32_tflops, g.name, g.hbm_bandwidth_bytes_per_s / TERA
    if given is not None:
        return InputValue(key="gpu_fp32_tflops", value=float(given), source=f"{src}; FP32 vector peak",
                          origin=org.model_copy(update={"extra": "fp32_vector"}))
    value = float(fp32_scaled_by_bandwidth(ref.fp32_tflops, tbps, ref.hbm_bandwidth_bytes_per_s / TERA))
    missing = ("no cluster.accelerator.fp32_tflops given" if isinstance(acc, CustomAccelerator)
               else "no published FP32 vector peak")
    note = (f"{src}; {missing} for {name}: assumed {value:.3g} TFLOP/s, {ref.name}'s "
            f"{ref.fp32_tflops:g} × {tbps:g}/{ref.hbm_bandwidth_bytes_per_s / TERA:g} TB/s (the same FP32 per byte "
            "of HBM bandwidth; used only by weight-only serving precisions)")
    return InputValue(key="gpu_fp32_tflops", value=value, source=note,
                      origin=org.model_copy(update={"extra": "fp32_assumed", "option": ref.name,
                                                    "numbers": (value, float(ref.fp32_tflops), float(tbps))}))


def _source(model: BaseModel, section: str, field: str, note: str = "") -> str:
    """Where an input comes from: the user's scenario, or the documented default (with its source)."""
    where = f"{section}.{field}{note}"
    if field in model.model_fields_set:
        return f"scenario: {where}"
    description = type(model).model_fields[field].description or ""
    return f"default for {where}: {description}"


def _origin(model: BaseModel, section: str, field: str, option: str = "", currency: str = "") -> Origin:
    """:func:`_source` as data: the scenario field, given or left to its documented default."""
    kind = "scenario" if field in model.model_fields_set else "default"
    return Origin(kind=kind, field=f"{section}.{field}", option=option, currency=currency)


def _offload_tier_inputs(scenario: Scenario) -> dict[str, InputValue]:
    """The card's offload tier (host memory over a fast link): the scenario's cluster.offload_gb /
    offload_gbs, else the catalog's figures, else none (0; STEP_CONSTANTS)."""
    c = scenario.cluster
    acc = c.accelerator
    gpu = None if isinstance(acc, CustomAccelerator) else catalog.get_gpu(acc)
    catalog_figures = {
        "offload_gb": None if gpu is None or gpu.offload_bytes is None else per_giga(gpu.offload_bytes),
        "offload_gbs": None if gpu is None or gpu.offload_bytes_per_s_per_direction is None
        else per_giga(gpu.offload_bytes_per_s_per_direction),
    }
    vals: dict[str, InputValue] = {}
    for key, given in (("offload_gb", c.offload_gb), ("offload_gbs", c.offload_gbs)):
        if given is not None:
            vals[key] = InputValue.model_construct(key=key, value=float(given), source=f"scenario: cluster.{key}",
                                                   origin=Origin(kind="scenario", field=f"cluster.{key}"))
        elif catalog_figures[key] is not None and gpu is not None:
            vals[key] = InputValue.model_construct(
                key=key, value=float(catalog_figures[key]),  # type: ignore[arg-type]
                source=f"catalog: {gpu.name} ({gpu.source}, {gpu.source_date}); host memory over NVLink-C2C",
                origin=Origin(kind="catalog", name=gpu.name, cite=f"{gpu.source}, {gpu.source_date}", extra="c2c"))
    return vals


def _step_model_inputs(scenario: Scenario) -> dict[str, InputValue]:
    """The step-time model's constants (planner.inputs.STEP_CONSTANTS) and the training stack."""
    t = scenario.train
    vals = {k: InputValue.model_construct(key=k, value=c.value, source=f"default: {c.source}",
                                          origin=Origin(kind="constant", field=k))
            for k, c in STEP_CONSTANTS.items()}
    reserve = scenario.cluster.memory_reserve_gb
    if reserve is not None:  # headroom an operator requires: the planner fits the layout in what is left
        vals["framework_reserve_gb"] = InputValue.model_construct(
            key="framework_reserve_gb", value=float(reserve), source="scenario: cluster.memory_reserve_gb",
            origin=Origin(kind="scenario", field="cluster.memory_reserve_gb"))
    eff = SOFTWARE_STACKS[t.software]
    note = {"megatron-lm": "the reference stack of the step-time calibration (NVIDIA's tuned benchmarks)",
            "megatron-deepspeed": "fitted on the MT-NLG 530B run on 2,800 GPUs (xlcompute validate)",
            "typical": "a production stack, fitted on the end-to-end card-hours of the 27 published runs "
                       "of end_to_end.yaml (held out: end_to_end_2.yaml; xlcompute validate)"}[t.software]
    vals["software_efficiency"] = InputValue(
        key="software_efficiency", value=eff, source=_source(t, "training", "software", f" = {t.software}: {note}"),
        origin=_origin(t, "training", "software", t.software))
    # The kernel constants of the card's generation: calibrated on its die, or said to be extrapolated.
    acc = scenario.cluster.accelerator
    card = None if isinstance(acc, CustomAccelerator) else catalog.get_gpu(acc)
    profile, status = kernel_profile(card.key if card else None, card.architecture if card else None)
    calibrated = status.startswith("calibrated")
    kernel = Origin(kind="kernel", name=card.name if card else "", extra=ARCHITECTURE_PROFILES.get(
        card.architecture if card else "", "ampere"), option="calibrated" if calibrated else "extrapolated",
        cite=profile.source)
    for key in ("matmul_eff_max", "elementwise_traffic_factor", "flash_attention_efficiency"):
        vals[key] = InputValue.model_construct(key=key, value=getattr(profile, key), source=status, origin=kernel)
    return vals


def resolve(
    scenario: Scenario,
    on_progress: Callable[[int, int], None] | None = None,
    plan: bool = True,
    overrides: Mapping[str, float] | None = None,
) -> Resolved:
    """Turn a scenario into the graph's input numbers, each with its source; search the layout
    when the scenario leaves tp and pp open (``plan=False`` keeps placeholders instead).
    ``overrides`` replaces input numbers before the search (calibration and what-if studies)."""
    model_name, gpu_name, arch, cached = _scenario_inputs(scenario, _given(scenario))
    vals = dict(cached)  # the cached mapping is shared; InputValue itself is frozen

    def put(key: str, value: float, source: str, origin: Origin | None = None) -> None:
        vals[key] = InputValue.model_construct(key=key, value=float(value), source=source, origin=origin)

    for key, value in (overrides or {}).items():
        if key not in vals:
            raise KeyError(f"overrides: {key!r} is not an input (see xlcompute._graph.INPUT_KEYS)")
        put(key, value, "override", Origin(kind="fixed", field="override"))

    report = None
    if plan and scenario.training is not None and scenario.layout_fixed:
        _fit_given_layout(scenario, vals, put)
    if plan and not scenario.layout_fixed:
        mfu_given = scenario.assumptions.mfu is not None
        try:
            report = plan_layouts(arch, {k: v.value for k, v in vals.items()}, on_progress=on_progress,
                                  allow_no_fit=mfu_given)
        except PlannerError as exc:
            raise PlannerError(f"{exc} (global batch: {vals['batch_target'].source}; "
                               f"memory per card: {vals['gpu_hbm_gb'].source})") from None
        ex = report.best[0].execution
        if not report.fits:
            src = (f"layout planner: no layout fits in memory; the lightest of {report.candidates_evaluated:,} "
                   "(time and cost follow from assumptions.mfu)")
        elif report.widened:
            src = (f"layout planner: no layout of the validated space (ZeRO 0/1, no offload) fits; fastest of "
                   f"{report.candidates_evaluated:,} layouts with ZeRO-2/3 and the card's offload tier "
                   f"({report.candidates_fitting:,} fit in memory), outside what the validation covers")
        else:
            src = (f"layout planner: fastest of {report.candidates_evaluated:,} layouts "
                   f"({report.candidates_fitting:,} fit in memory)")
        planner = Origin(kind="planner", option="no_fit" if not report.fits else "widened" if report.widened else "fits",
                         numbers=(report.candidates_evaluated, report.candidates_fitting))
        for key, value in (
            ("tp", ex.tp), ("pp", ex.pp), ("micro_batch", ex.micro_batch), ("zero_stage", ex.zero_stage),
            ("recompute_mode", RECOMPUTE_MODES[ex.recompute]), ("recompute_layers", ex.recompute_layers),
            ("sp", 1 if ex.sequence_parallel else 0),
            ("interleave", ex.interleave), ("tp_overlap", 1 if ex.tp_overlap else 0),
            ("dp_overlap", 1 if ex.dp_overlap else 0), ("cp", ex.cp),
            ("offload_optimizer", 1 if ex.offload_optimizer else 0),
            ("offload_weights", 1 if ex.offload_weights else 0),
            ("offload_activations", 1 if ex.offload_activations else 0), ("ep", ex.ep),
            ("etp", ex.expert_tp),
        ):
            put(key, value, src, planner)
    return Resolved.model_construct(
        model_name=model_name, accelerator_name=gpu_name, arch=arch, inputs={k: vals[k] for k in INPUT_KEYS},
        plan=report,
    )


#: The defaults a scenario's own layout may change when they do not fit (scenario field, input key).
_YIELDING: tuple[tuple[str, str], ...] = (("recompute", "recompute_mode"), ("recompute_layers", "recompute_layers"),
                                          ("zero_stage", "zero_stage"))
_MODE_NAMES = {v: k for k, v in RECOMPUTE_MODES.items()}


def _fit_given_layout(scenario: Scenario, vals: dict[str, InputValue],
                      put: Callable[[str, float, str, Origin | None], None]) -> None:
    """The settings a scenario's own layout leaves open (issue 11: never fail on a plausible plan;
    the planner fills what the user does not know).

    * The interleaved schedule: when the scenario gives tp and pp > 1 but not ``interleave``, it
      takes the planner's fastest number of virtual stages per card for that layout (the sizes the
      layout search tries, :func:`xlcompute.planner.search.interleave_sizes`) among those that keep
      the batch (the interleaved schedule rounds it to micro-batches in multiples of pp), as the
      planner chooses it when the layout is open. Large published runs interleave (Llama 3 on
      TP8·PP16, Dubey et al. 2024 §3.3.2; Narayanan et al. 2021 §2.2); ``interleave: 1`` keeps
      Megatron-LM's plain 1F1B.
    * Recomputation and the ZeRO stage yield to memory: when the layout does not fit with the
      defaults the scenario leaves (selective, ZeRO-1) at any schedule, they take the fastest
      setting that fits, selective with 1 … ⌈L/p⌉ − 1 of each stage's layers in full included
      (``training.recompute_layers``, Megatron-LM's block method), ZeRO 0/1 first (the space the
      validation covers), then ZeRO-2/3; ties go to less recomputation, a lower stage and fewer
      virtual stages
      (:func:`xlcompute._settings_grid.fastest_fitting`, the rule the proposal names too).

    A setting the scenario gives is kept; when nothing fits, the defaults stay and the estimate
    reports the layout as not fitting."""
    t = scenario.train
    # The layers recomputed in full belong to the recomputation: either given (layers other than 0) keeps both.
    given_rc = "recompute" in t.model_fields_set or t.recompute_layers > 0
    free = [key for field, key in _YIELDING
            if (not given_rc if field.startswith("recompute") else field not in t.model_fields_set)]
    inputs = {k: v.value for k, v in vals.items()}
    on_stage = stages.fullest_stage(int(inputs["layers"]), int(inputs["pp"]), t.first_stage_layers, t.last_stage_layers)
    vs = (interleave_sizes(int(inputs["layers"]), int(inputs["pp"]), RECOMMEND_OPTIONS, on_stage)
          if "interleave" not in t.model_fields_set and inputs["pp"] > 1 and not t.dualpipe else [inputs["interleave"]])
    if not free and len(vs) == 1:
        return
    if len(vs) == 1 and GRAPH.run(inputs, ["mem_fits"])["mem_fits"]:
        return  # no schedule to choose and the defaults fit: most layouts, in one scalar evaluation
    modes = ((*MODES, *partial_levels(inputs["layers"], inputs["pp"]))
             if "recompute_mode" in free else (inputs["recompute_mode"],))
    choice = choose_given(inputs, modes, STAGES if "zero_stage" in free else (inputs["zero_stage"],), vs)
    if choice is None:
        return
    layout = fmt.layout_text(inputs["tp"], inputs["cp"], inputs["pp"], scenario.dp, inputs["ep"])
    if choice.interleave != inputs["interleave"]:
        v = choice.interleave
        put("interleave", v,
            f"default for training.interleave: {v:g} virtual stages per card, the planner's fastest schedule for the "
            f"scenario's layout ({layout}) that keeps its batch of {choice.batch:,.0f} sequences "
            f"({choice.step:.3g} s per step, {choice.plain_step:.3g} s without interleaving); "
            "give training.interleave: 1 for the plain 1F1B schedule",
            Origin(kind="planner", option="schedule", field="training.interleave", extra=layout,
                   numbers=(v, choice.step, choice.plain_step)))
    if not choice.yielded:
        return
    here_gb = choice.here_bytes / 1e9
    why = (f"the scenario's layout ({layout}) needs {here_gb:,.1f} GB per card of {inputs['gpu_hbm_gb']:g} GB with the "
           f"defaults (recompute {t.recompute}, ZeRO-{t.zero_stage})")
    mode, full_layers = level_layers(choice.mode, inputs["layers"], inputs["pp"])
    rc_text = f"recompute {_MODE_NAMES[mode]}" + (f" with {full_layers} layers per stage in full" if full_layers else "")
    chosen = {"recompute_mode": (mode, rc_text), "recompute_layers": (full_layers, rc_text),
              "zero_stage": (choice.stage, f"ZeRO-{choice.stage:g}")}
    for field, key in _YIELDING:
        if key in free and chosen[key][0] != inputs[key]:
            value, text = chosen[key]
            put(key, value, f"default for training.{field} changed: {why}; {text} is the fastest setting that fits",
                Origin(kind="planner", option="yield", field=f"training.{field}", extra=layout,
                       numbers=(here_gb, inputs["gpu_hbm_gb"], float(value))))


def _given(model: BaseModel) -> tuple[object, ...]:
    """The fields a scenario gives, section by section: two scenarios with equal values are equal to
    pydantic, but one that leaves a field to its default reads "default for …" where the other reads
    "scenario: …", so the cache of :func:`_scenario_inputs` keys on this too."""
    return tuple((name, _given(value) if isinstance(value, BaseModel) else None)
                 for name in sorted(model.model_fields_set) for value in (getattr(model, name),))


@functools.lru_cache(maxsize=512)
def _scenario_inputs(scenario: Scenario, given: tuple[object, ...] = ()) -> tuple[str, str, ModelArch,
                                                                                  dict[str, InputValue]]:
    """Every input of a scenario before any layout search, with its source. Cached per scenario
    (frozen, so hashable) and the fields it gives (``given``, :func:`_given`): the Excel functions
    and a batch resolve the same scenarios again and again, and the values never change. Errors are
    raised, not cached."""
    model_name, arch, vals = _model_inputs(scenario)
    gpu_name, gpu_vals = _gpu_inputs(scenario)
    vals.update(gpu_vals)
    vals.update(_step_model_inputs(scenario))
    vals.update(_offload_tier_inputs(scenario))
    t, a, s, p, r = scenario.train, scenario.assumptions, scenario.serving, scenario.pricing, scenario.reliability
    c = scenario.cluster

    def put(key: str, value: float, source: str, origin: Origin | None = None) -> None:
        # The values are ours, already checked by the scenario's validation: no revalidation.
        vals[key] = InputValue.model_construct(key=key, value=float(value), source=source, origin=origin)

    def fixed(name: str) -> Origin:
        return Origin(kind="fixed", field=name)

    cur = f" ({p.currency})"
    # (input key, section model, section name, field, value, note): every scenario-driven input.
    fields: list[tuple[str, BaseModel, str, str, float, str]] = [
        ("train_tokens", t, "training", "tokens", t.tokens, ""),
        ("seq_len", t, "training", "seq_len", t.seq_len, ""),
        ("micro_batch", t, "training", "micro_batch", t.micro_batch, ""),
        ("param_bytes", t, "training", "param_bytes", t.param_bytes, ""),
        ("capacity_factor", t, "training", "capacity_factor", t.capacity_factor, ""),
        ("a2a_overlap", t, "training", "a2a_overlap", t.a2a_overlap or 0.0, ""),
        ("a2a_dedup", t, "training", "a2a_dedup", 1 if t.a2a_dedup else 0, ""),
        ("moe_sync_ms", t, "training", "moe_sync_ms", t.moe_sync_ms, ""),
        ("zero_stage", t, "training", "zero_stage", t.zero_stage, ""),
        ("recompute_mode", t, "training", "recompute", t.recompute_mode,
         f" = {t.recompute} (0 none, 1 selective, 2 full)"),
        ("recompute_layers", t, "training", "recompute_layers", t.recompute_layers, ""),
        ("sp", t, "training", "sequence_parallel", 1 if t.sequence_parallel else 0, ""),
        ("flash_attention", t, "training", "attention", 1 if t.attention == "flash" else 0,
         f" = {t.attention} (1 flash, 0 unfused)"),
        ("interleave", t, "training", "interleave", t.interleave, ""),
        ("first_stage_layers", t, "training", "first_stage_layers", t.first_stage_layers, ""),
        ("last_stage_layers", t, "training", "last_stage_layers", t.last_stage_layers, ""),
        ("dualpipe", t, "training", "dualpipe", 1 if t.dualpipe else 0, ""),
        ("tp_overlap", t, "training", "tp_overlap", 1 if t.tp_overlap else 0, ""),
        ("host_power_factor", a, "assumptions", "host_power_factor", a.host_power_factor, ""),
        ("idle_power_share", a, "assumptions", "idle_power_share", a.idle_power_share, ""),
        ("failures_per_card_hour", r, "reliability", "failures_per_card_hour", r.failures_per_card_hour, ""),
        ("checkpoint_gbs_per_card", r, "reliability", "checkpoint_gbs_per_card", r.checkpoint_gbs_per_card, ""),
        ("checkpoint_interval_minutes", r, "reliability", "checkpoint_interval_minutes",
         r.checkpoint_interval_minutes, ""),
        ("restart_minutes", r, "reliability", "restart_minutes", r.restart_minutes, ""),
        ("planned_overhead", r, "reliability", "planned_overhead", r.planned_overhead, ""),
        ("deadline_confidence", t, "training", "deadline_confidence", t.deadline_confidence, ""),
        ("mfu_sigma", scenario.uncertainty, "uncertainty", "mfu_sigma", scenario.uncertainty.mfu_sigma, ""),
        ("users", s, "serving", "users", s.users, ""),
        ("tokens_per_request", s, "serving", "tokens_per_request", s.tokens_per_request, ""),
        ("seconds_per_request", s, "serving", "seconds_per_request", s.seconds_per_request, ""),
        ("serving_utilization", s, "serving", "utilization", s.utilization, ""),
        ("hbm_usable_fraction", s, "serving", "hbm_usable_fraction", s.hbm_usable_fraction, ""),
        ("serving_confidence", s, "serving", "confidence", s.confidence, ""),
        ("serving_sigma", scenario.uncertainty, "uncertainty", "serving_sigma", scenario.uncertainty.serving_sigma,
         ""),
        ("switch_gbps", c, "cluster", "switch_gbps", c.switch_gbps, ""),
        ("oversubscription", c, "cluster", "oversubscription", c.oversubscription, ""),
        ("storage_tb_per_card", c, "cluster", "storage_tb_per_card", c.storage_tb_per_card, ""),
        ("checkpoints_kept", c, "cluster", "checkpoints_kept", c.checkpoints_kept, ""),
        ("dataset_bytes_per_token", c, "cluster", "dataset_bytes_per_token", c.dataset_bytes_per_token, ""),
        ("pue", p, "pricing", "pue", p.pue, ""),
        ("years", p, "pricing", "years", p.years, ""),
        ("staff_per_year", p, "pricing", "staff_per_year", p.staff_per_year, cur),
        ("kw_per_rack", p, "pricing", "kw_per_rack", p.kw_per_rack, ""),
        ("maintenance_share", p, "pricing", "maintenance_share", p.maintenance_share, ""),
        ("depreciation_years", p, "pricing", "depreciation_years", p.depreciation_years, ""),
        ("residual_share", p, "pricing", "residual_share", p.residual_share, ""),
        ("discount_rate", p, "pricing", "discount_rate", p.discount_rate, ""),
    ]
    # FP8 training without optimizer_bytes given: DeepSeek-V3's recipe, FP32 master weights and BF16 AdamW
    # moments (core.moe.FP8_DEEPSEEK_OPTIMIZER_BYTES); otherwise the scenario's (default 12).
    if t.precision == "fp8" and t.optimizer_bytes == FP8_DEEPSEEK_OPTIMIZER_BYTES:
        put("optimizer_bytes", FP8_DEEPSEEK_OPTIMIZER_BYTES,
            "training.optimizer_bytes with precision fp8 (its default): 8 = FP32 master weights (4) + BF16 AdamW "
            "moments (2 + 2), DeepSeek-V3 (arXiv:2412.19437) §3.3.3", fixed("fp8_optimizer"))
    else:
        fields.append(("optimizer_bytes", t, "training", "optimizer_bytes", t.optimizer_bytes, ""))
    if t.grad_bytes is None and t.precision == "fp8":  # the same recipe keeps its gradients in FP32
        put("grad_bytes", FP8_DEEPSEEK_GRAD_BYTES,
            "training.grad_bytes with precision fp8 (its default): 4 = FP32 gradients, DeepSeek-V3 "
            "(arXiv:2412.19437) §3.3.3", fixed("fp8_grad"))
    else:
        fields.append(("grad_bytes", t, "training", "grad_bytes", t.gradient_bytes, ""))
    options = {"recompute": t.recompute, "attention": t.attention}
    for key, model, section, field, value, note in fields:
        put(key, value, _source(model, section, field, note),
            _origin(model, section, field, options.get(field, ""), p.currency if note == cur else ""))
    if s.input_tokens is not None:  # the request as typed: its prompt and its output
        given = "serving.input_tokens + serving.output_tokens"
        put("tokens_per_request", s.tokens_per_request, f"scenario: {given}", Origin(kind="scenario", field=given))
    # A preset's published schedule hides and sends the expert all-to-all as its authors did, unless the user says.
    recipe = _preset_recipe(scenario)
    if recipe is not None:
        name = catalog.get_model(scenario.model.preset).name  # type: ignore[arg-type]
        for key, value, given, what, cite in (
                ("a2a_overlap", recipe.a2a_overlap, t.a2a_overlap, "schedule", recipe.a2a_source),
                ("a2a_dedup", recipe.a2a_dedup, t.a2a_dedup, "setup", recipe.dedup_source)):
            if value is not None and given is None:
                put(key, float(value), f"catalog: {name}'s published training {what} ({cite})",
                    Origin(kind="catalog", name=name, cite=cite, extra="recipe"))
    for key, (value, source, origin) in _serving_inputs(scenario, arch, vals).items():
        put(key, value, source, origin)
    if a.average_load is not None:
        put("average_load", a.average_load, "scenario: assumptions.average_load",
            Origin(kind="scenario", field="assumptions.average_load"))
    else:
        put("average_load", 0, "not given: the planned utilisation follows from the workload (training card-hours "
            "plus serving cards over the period)", fixed("no_load"))
    for key, (value, source, origin) in _price_inputs(scenario, vals["cards_per_node"].value).items():
        put(key, value, source, origin)
    put("batch_target", *_target_batch(scenario, arch.is_moe))  # rounded to the layout by the graph (global_batch)
    # The overlap option the scenario has no field for: the step-time model's default (Execution),
    # unless the planner chooses.
    put("dp_overlap", 1 if Execution(global_batch=1).dp_overlap else 0, "default of the step-time model",
        fixed("step_default"))
    # What the card's offload tier holds (training.offload); the planner keeps these kinds.
    for kind in ("optimizer", "weights", "activations"):
        put(f"offload_{kind}", 1 if kind in t.offload else 0,
            _source(t, "training", "offload", f" = [{', '.join(t.offload)}]"),
            _origin(t, "training", "offload", f"[{', '.join(t.offload)}]"))
    if t.offload and not (vals["offload_gb"].value > 0 and vals["offload_gbs"].value > 0):
        raise ValueError(
            f"training.offload ({', '.join(t.offload)}) needs an offload tier, but {gpu_name} has none in the "
            "catalog; set cluster.offload_gb and cluster.offload_gbs (host memory per card and its link, GB/s "
            "per direction), or leave training.offload out"
        )
    if scenario.training is None:  # serving only: no run, one card per replica, no deadline
        for key in ("tp", "pp", "cp", "ep", "etp"):
            put(key, 1, _NO_TRAINING, fixed("no_training"))
        put("train_tokens", 0, _NO_TRAINING, fixed("no_training"))
    elif scenario.layout_fixed:
        put("tp", t.tp, "scenario: training.tp", Origin(kind="scenario", field="training.tp"))  # type: ignore[arg-type]
        put("pp", t.pp, "scenario: training.pp", Origin(kind="scenario", field="training.pp"))  # type: ignore[arg-type]
        put("cp", scenario.cp, "scenario: training.cp" if t.cp is not None else
            "default for training.cp: 1, no context parallelism",
            Origin(kind="scenario", field="training.cp") if t.cp is not None else fixed("default_cp"))
        if t.pp > arch.layers:  # type: ignore[operator]
            raise ValueError(f"training.pp ({t.pp}) must be at most the model's {arch.layers} layers")
        stages.check_stage_split(arch.layers, t.pp, t.first_stage_layers, t.last_stage_layers,  # type: ignore[arg-type]
                                 "training.")
        if t.dualpipe:
            stages.check_dualpipe(t.pp, t.interleave, prefix="training.")  # type: ignore[arg-type]
        # Uneven stages, interleaved or not (DeepSeek-V3: 61 layers on PP 16 with 2 virtual stages,
        # Megatron-Core's --pipeline-model-parallel-layout): each virtual stage needs a layer.
        busiest = stages.fullest_stage(arch.layers, t.pp,  # type: ignore[arg-type]
                                         t.first_stage_layers, t.last_stage_layers)
        if t.interleave > busiest:
            raise ValueError(
                f"training.interleave ({t.interleave}) must be at most the {busiest} layers on the busiest of "
                f"the {t.pp} pipeline stages (each virtual stage holds at least one layer)"
            )
        on_stage = busiest
        if t.recompute_layers > on_stage:
            raise ValueError(
                f"training.recompute_layers ({t.recompute_layers}) must be at most the {on_stage} layers on the "
                f"busiest of the {t.pp} pipeline stages (training.recompute: full recomputes all of them)"
            )
        if arch.heads % t.tp:  # type: ignore[operator]
            raise ValueError(f"training.tp ({t.tp}) must divide the model's {arch.heads} attention heads")
        ep = 1 if t.ep is None else t.ep
        etp = t.tp if t.expert_tp is None else t.expert_tp
        if (ep > 1 or (t.expert_tp or 1) > 1) and not arch.is_moe:
            raise ValueError("training.ep / training.expert_tp need a mixture-of-experts model (experts > 0)")
        if arch.is_moe and arch.experts % ep:
            raise ValueError(f"training.ep ({ep}) must divide the model's {arch.experts} routed experts")
        if (t.tp * scenario.cp * scenario.dp) % (ep * etp):  # type: ignore[operator]
            raise ValueError(
                f"training.ep·expert_tp ({ep}·{etp}) must divide tp·cp·dp "
                f"({t.tp}·{scenario.cp}·{scenario.dp}): expert parallelism is carved from the data-parallel "
                "ranks (Megatron-Core MoE)")
        put("ep", ep, "scenario: training.ep" if t.ep is not None else
            "default for training.ep: 1, no expert parallelism",
            Origin(kind="scenario", field="training.ep") if t.ep is not None else fixed("default_ep"))
        put("etp", 0 if t.expert_tp is None else t.expert_tp, "scenario: training.expert_tp" if t.expert_tp is not None
            else "default for training.expert_tp: 0 = training.tp (Megatron-Core's default)",
            Origin(kind="scenario", field="training.expert_tp") if t.expert_tp is not None else fixed("default_etp"))
    else:  # placeholders until the planner chooses
        for key in ("tp", "pp", "cp", "ep", "etp"):
            put(key, 1, "layout planner", fixed("planner_placeholder"))
        if t.ep is not None:  # an EP of the user's own: the planner searches the rest around it
            if t.ep > 1 and not arch.is_moe:
                raise ValueError("training.ep needs a mixture-of-experts model (experts > 0)")
            if arch.is_moe and arch.experts % t.ep:
                raise ValueError(f"training.ep ({t.ep}) must divide the model's {arch.experts} routed experts")
            put("ep", t.ep, "scenario: training.ep", Origin(kind="scenario", field="training.ep"))
    if t.deadline_days is not None:
        put("deadline_days", t.deadline_days, "scenario: training.deadline_days",
            Origin(kind="scenario", field="training.deadline_days"))
    else:
        put("deadline_days", 0, "not given: no deadline (the schedule risk then flags runs longer than a quarter)",
            fixed("no_deadline"))
    if a.mfu is not None:
        put("mfu_assumed", a.mfu, a.mfu_source or "scenario: assumptions.mfu",
            Origin(kind="user", cite=a.mfu_source) if a.mfu_source
            else Origin(kind="scenario", field="assumptions.mfu"))
    else:
        put("mfu_assumed", 0, "not given: the estimate uses the step-time model's predicted MFU for the layout",
            fixed("no_mfu"))
    missing = set(INPUT_KEYS) - set(vals)
    if missing:  # a programming error, not bad input
        raise RuntimeError(f"resolve left out {sorted(missing)}")
    return model_name, gpu_name, arch, vals


def _price_inputs(scenario: Scenario, cards_per_node: float) -> dict[str, tuple[float, str, Origin]]:
    """The prices of a scenario: each one given, or the default of ``pricing.currency`` for the
    scenario's accelerator (catalog/prices.yaml), so a scenario never mixes currencies."""
    p = scenario.pricing
    acc = scenario.cluster.accelerator
    card = None if isinstance(acc, CustomAccelerator) else catalog.get_gpu(acc).key
    table = catalog.default_prices(p.currency, card)
    cur = f" ({p.currency})"
    out: dict[str, tuple[float, str, Origin]] = {}

    def take(key: str, field: str, given: float | None, default: float, how: str, row: str = "",
             cite: str = "", numbers: tuple[float, ...] = (), date: str = "") -> None:
        if given is not None:
            out[key] = (given, f"scenario: pricing.{field}{cur}",
                        Origin(kind="scenario", field=f"pricing.{field}", currency=p.currency))
        else:
            out[key] = (default, f"default for pricing.{field}{cur}: {how}",
                        Origin(kind="price", field=f"pricing.{field}", currency=p.currency, extra=row, cite=cite,
                               numbers=numbers, option=date))

    server = table["server_per_card"]
    take("server_price", "server_price", p.server_price, server.value * cards_per_node,
         f"{cards_per_node:g} cards × {server.value:,.0f} per card slot; {server.source}", "server_per_card",
         server.source, (cards_per_node, server.value))
    # A quote replaces the bill of materials; 0 (not given) lets the graph count the bill.
    for key, field, what in (("network_per_server", "network_per_server", "the scale-out fabric"),
                             ("storage_capex", "storage", "storage capacity × price per TB")):
        take(key, field, getattr(p, field), 0, f"no quote: {what} from the bill of materials", f"no_quote_{key}")
    for key, field, name in (("nic_price", "nic_price", "nic"), ("switch_price", "switch_price", "switch"),
                             ("transceiver_price", "transceiver_price", "transceiver"),
                             ("cable_price", "cable_price", "cable"),
                             ("storage_per_tb", "storage_per_tb", "storage_per_tb"),
                             ("facility_per_kw", "facility_per_kw", "facility_per_kw"),
                             ("space_per_rack_month", "space_per_rack_month", "space_per_rack_month"),
                             ("electricity_per_kwh", "electricity_per_kwh", "electricity_per_kwh")):
        row = table[name]
        take(key, field, getattr(p, field), row.value, row.source + (f" ({row.date})" if row.date else ""), name,
             row.source, date=str(row.date or ""))
    od = table["on_demand"]
    take("price_per_gpu_hour", "price_per_card_hour", p.price_per_card_hour, od.value, od.source, "on_demand",
         od.source)
    on_demand = out["price_per_gpu_hour"][0]
    for key, term in (("price_reserved_1y", "1y"), ("price_reserved_3y", "3y")):
        share = table[f"reserved_{term}_share"]
        take(key, key, getattr(p, key), on_demand * share.value,
             f"{share.value:.0%} of the on-demand price; {share.source}", f"reserved_{term}_share", share.source,
             (share.value,))
    return out


def _target_batch(scenario: Scenario, moe: bool = False) -> tuple[float, str, Origin]:
    """The global batch to aim for, in sequences, and where it comes from: the scenario's
    global_batch, or its batch_tokens, or the default token budget (core.parallel; ``moe``: a
    mixture-of-experts model's, larger per card)."""
    t = scenario.train
    if t.global_batch is not None:
        return float(t.global_batch), "scenario: training.global_batch", Origin(
            kind="scenario", field="training.global_batch")
    if t.batch_tokens is not None:
        return max(1.0, round(t.batch_tokens / t.seq_len)), (
            f"scenario: training.batch_tokens ({t.batch_tokens:,.0f}) / seq_len"), Origin(
            kind="batch", option="given", numbers=(t.batch_tokens,))
    recipe = _preset_recipe(scenario)
    if recipe is not None and recipe.batch_tokens is not None:
        name = catalog.get_model(scenario.model.preset).name  # type: ignore[arg-type]
        sequences = min(float(MAX_GLOBAL_BATCH), max(1.0, round(recipe.batch_tokens / t.seq_len)))
        return sequences, (
            f"catalog: {name}'s published batch, {recipe.batch_tokens:,.0f} tokens per step / seq_len "
            f"({recipe.batch_source})"), Origin(kind="batch", option="preset", name=name, cite=recipe.batch_source,
                                          numbers=(float(recipe.batch_tokens),))
    if moe:
        tokens = float(parallel.default_batch_tokens(scenario.cluster.cards, parallel.MOE_BATCH_TOKENS_PER_CARD))
        return max(1.0, round(tokens / t.seq_len)), (
            f"default: {tokens / 1e6:,.3g}M tokens per step / seq_len (the default token budget of a "
            "mixture-of-experts model: 4M, 16,384 per card as Granite 3.0's MoE models (DeepSeek-V3: 30,720), "
            "at most 64M as DeepSeek-V3)"), Origin(kind="batch", option="default_moe", numbers=(tokens,))
    tokens = float(parallel.default_batch_tokens(scenario.cluster.cards))
    return max(1.0, round(tokens / t.seq_len)), (
        f"default: {tokens / 1e6:,.3g}M tokens per step / seq_len (the default token budget: 4M as "
        "Llama 2, 1,024 per card as Llama 3 405B, at most 64M as DeepSeek-V3)"), Origin(
        kind="batch", option="default", numbers=(tokens,))


def _preset_recipe(scenario: Scenario) -> TrainingRecipe | None:
    """The published training recipe of the scenario's preset, if it has one (catalog ``recipe``)."""
    if scenario.model.preset is None:
        return None
    return catalog.get_model(scenario.model.preset).recipe


def resolve_inputs(scenario: Scenario) -> tuple[str, str, dict[str, InputValue]]:
    """The graph's input numbers with their sources: (model name, accelerator name, inputs)."""
    r = resolve(scenario)
    return r.model_name, r.accelerator_name, r.inputs


def sensitivity_cards(cards: int, group: int = 1) -> list[int]:
    """Card counts around the scenario's: ¼×, ½×, 1×, 1.5×, 2×, 4× (whole cards), and at least one
    replica of the layout (``group`` = tp·cp·pp cards), which fewer cards cannot run."""
    return sorted({max(group, round(cards * f)) for f in (0.25, 0.5, 1, 1.5, 2, 4)})


SENSITIVITY_MIN_MFU = 1e-4
"""The smallest MFU column of the sensitivity grid: a scenario's MFU is shown to four decimals, and
one below 0.005% would round to a column of 0 (days ÷ 0)."""


def sensitivity_mfu_column(mfu: float) -> float:
    """The scenario's MFU as its sensitivity column: four decimals, at least
    :data:`SENSITIVITY_MIN_MFU` (the workbook's ``MAX(ROUND(mfu,4),0.0001)``)."""
    return max(round(mfu, 4), SENSITIVITY_MIN_MFU)


def sensitivity_mfus(mfu: float) -> list[float]:
    """MFU values around the scenario's: 25%–55% in 5-point steps plus the scenario's own."""
    return sorted({round(m, 4) for m in (0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55)} | {sensitivity_mfu_column(mfu)})


def _sensitivity(inputs: dict[str, float], values: dict[str, float], cards_now: int) -> Sensitivity:
    """Days for card counts × MFUs and the budget per card count: each one array evaluation of
    the graph's own steps (train_days with the layout kept, the budget steps)."""
    import numpy as np

    cards = sensitivity_cards(cards_now, int(values["tp"] * values["cp"] * values["pp"]))
    mfus = sensitivity_mfus(values["mfu"])
    n = np.array(cards, dtype=float)
    # The layout's tp·cp·pp stays; dp = ⌊n/(tp·cp·pp)⌋ of each card count does the work (the graph's steps).
    grid = GRAPH.run({**inputs, "gpu_count": n[:, None], "mfu": np.array(mfus)[None, :]}, ["train_days"])
    days = np.broadcast_to(grid["train_days"], (len(cards), len(mfus))).astype(float)
    # At the plan's utilisation (the share of card-hours in use), not re-derived per card count:
    # the budget row stays a short formula in the workbook's Sensitivity sheet.
    budget = GRAPH.run({**inputs, "gpu_count": n, "planned_utilisation": values["planned_utilisation"]},
                       ["total_budget"])["total_budget"]
    return Sensitivity(cards=cards, mfus=mfus, days=days.tolist(),
                       budget=np.broadcast_to(budget, n.shape).astype(float).tolist())


# Fields of the core's layout model (planner.inputs.Execution) as the scenario names them, for the
# rare value that passes the scenario's ranges but not the core's (a batch rounded up past its limit).
_CORE_FIELDS = {
    "tp": "training.tp", "pp": "training.pp", "cp": "training.cp", "micro_batch": "training.micro_batch",
    "interleave": "training.interleave", "zero_stage": "training.zero_stage",
    "bytes_param": "training.param_bytes", "bytes_grad": "training.grad_bytes",
    "bytes_optimizer": "training.optimizer_bytes",
    "dp": "the data-parallel degree ⌊cluster.cards / (tp·cp·pp)⌋",
    "global_batch": "training.global_batch (rounded to the layout)",
}

def _serving_inputs(
    scenario: Scenario, arch: ModelArch, vals: Mapping[str, InputValue]
) -> dict[str, tuple[float, str, Origin | None]]:
    """The inference step model's inputs (issue 16): the serving precision, the request split, the
    targets, the fitted constants and the replica layout and batch the SLA sizer chooses
    (:func:`xlcompute.serving_plan.size_serving`, over the same core formulas as the graph)."""
    from xlcompute.serving_model import (
        FIT_SOURCE, FITTED, PRECISIONS, SCENARIO_PRECISIONS, SERVING_FACTORS, Card, Precision, ServingConstants,
        factor_key, for_card, model_shape,
    )
    from xlcompute.serving_plan import size_serving

    s = scenario.serving
    out: dict[str, tuple[float, str, Origin | None]] = {}
    prec_key = SCENARIO_PRECISIONS[s.precision or "bf16"]
    base = PRECISIONS[prec_key]
    released = scenario.serving_precision_release  # the preset's FP8 release, when it set the precision
    note = f" = {s.precision}" if s.precision else " left out: bf16"
    if released is not None:
        name = catalog.get_model(scenario.model.preset).name  # type: ignore[arg-type]
        prec_src = f"catalog: {name}'s released weights, fp8 ({released})"
        prec_org = Origin(kind="catalog", name=name, cite=released, extra="release")
    else:
        prec_src = f"{'scenario' if s.precision else 'default'}: serving.precision{note}"
        prec_org = (Origin(kind="scenario", field="serving.precision", option=s.precision) if s.precision
                    else Origin(kind="default", field="serving.precision"))
    w_bytes = s.bytes_per_param if s.bytes_per_param is not None else base.weight_bytes
    kv_bytes = s.kv_bytes_per_value if s.kv_bytes_per_value is not None else base.kv_bytes
    for key, field, value in (("serving_bytes_per_param", "bytes_per_param", s.bytes_per_param),
                              ("kv_bytes_per_value", "kv_bytes_per_value", s.kv_bytes_per_value)):
        out[key] = ((value, f"scenario: serving.{field}", Origin(kind="scenario", field=f"serving.{field}"))
                    if value is not None else
                    (w_bytes if field == "bytes_per_param" else kv_bytes, prec_src, prec_org))
    acc = scenario.cluster.accelerator
    if isinstance(acc, CustomAccelerator):
        fp8_peak, bf16_peak, int8_peak = acc.fp8_tflops, acc.bf16_tflops, acc.int8_tops
        card_src = f"scenario: cluster.accelerator ({acc.name})"
        vendor = card_key = None  # a custom card: the NVIDIA fit as it stands
        card_name = acc.name
    else:
        g = catalog.get_gpu(acc)
        fp8_peak, bf16_peak, int8_peak = g.fp8_tflops, g.bf16_tflops, g.int8_tops
        card_src = f"catalog: {g.name} ({g.source}, {g.source_date})"
        vendor, card_key = g.vendor, g.key
        card_name = g.name
    fp8 = base.fp8_compute and fp8_peak is not None
    if base.fp8_compute and fp8_peak is None:
        others = "bf16, w8a8, int8 or int4" if int8_peak is not None else "bf16, int8 or int4"
        raise ValueError(f"serving.precision is fp8 but {card_name} has no FP8 peak; use {others} "
                         "(or an accelerator with FP8)")
    int8 = base.int8_compute
    if int8 and int8_peak is None:
        others = "bf16, fp8, int8 or int4" if fp8_peak is not None else "bf16, int8 or int4"
        raise ValueError(f"serving.precision is w8a8 but {card_name} has no INT8 peak in the catalog; use {others} "
                         "(int8 and int4 are weight-only), or give cluster.accelerator.int8_tops")
    peak = float(fp8_peak if fp8 else int8_peak if int8 else bf16_peak)  # type: ignore[arg-type]
    peak_org = vals["gpu_peak_tflops"].origin
    kind = "fp8" if fp8 else "int8" if int8 else "bf16"
    out["serving_peak_tflops"] = (peak, f"{card_src}; dense {kind} (serving precision)",
                                  peak_org.model_copy(update={"extra": f"dense_{kind}"})
                                  if peak_org is not None else None)
    n_out = s.output_tokens_used
    out["serving_output_tokens"] = (
        n_out, "scenario: serving.output_tokens" if s.output_tokens is not None
        else "default for serving.output_tokens: half of tokens_per_request (an assumption)",
        _origin(s, "serving", "output_tokens"))
    for key, field in (("ttft_target_s", "ttft_s"), ("tpot_target_s", "tpot_s")):
        out[key] = (getattr(s, field), _source(s, "serving", field), _origin(s, "serving", field))
    out["serving_disaggregated"] = (1 if s.disaggregated else 0, _source(s, "serving", "disaggregated"),
                                    _origin(s, "serving", "disaggregated"))
    k = FITTED.model_copy(update={"usable_fraction": s.hbm_usable_fraction})
    fitted = Origin(kind="fixed", field="serving_fit")
    fkey = factor_key(card_key, vendor)
    factor = None if fkey is None else SERVING_FACTORS[fkey]
    factor_src = ("1: neither the card nor its vendor has a serving factor (the NVIDIA fit as it stands)"
                  if factor is None else f"{factor.scope}: {factor.source}")
    allreduce_fit = Origin(kind="fixed", field="serving_allreduce_fit")
    for key, value, src in (
        ("serving_compute_efficiency", k.compute_efficiency_fp8 if fp8 or int8 else k.compute_efficiency_16,
         FIT_SOURCE if not int8 else f"{FIT_SOURCE}; INT8 GEMMs (w8a8) at the FP8 GEMMs' share, not fitted on any "
         "INT8 row (an assumption)"),
        ("serving_hbm_efficiency", k.hbm_efficiency, FIT_SOURCE),
        ("serving_prefill_overhead_us", k.prefill_layer_overhead_s * 1e6, FIT_SOURCE),
        ("serving_decode_overhead_us", k.decode_layer_overhead_s * 1e6, FIT_SOURCE),
        ("serving_link_efficiency", k.link_efficiency, ServingConstants.model_fields["link_efficiency"].description),
        ("serving_collective_latency_us", k.collective_latency_s * 1e6,
         ServingConstants.model_fields["collective_latency_s"].description),
        ("serving_allreduce_step_us", k.allreduce_step_s * 1e6,
         ServingConstants.model_fields["allreduce_step_s"].description),
        ("serving_reserve_gb", k.reserve_bytes_per_card / 1e9,
         ServingConstants.model_fields["reserve_bytes_per_card"].description),
    ):
        origin = allreduce_fit if key in ("serving_link_efficiency", "serving_collective_latency_us",
                                          "serving_allreduce_step_us") else fitted
        out[key] = (float(value), f"default: {src}", origin)
    vendor_org = Origin(kind="fixed", field="serving_vendor" if fkey is None else f"serving_vendor_{fkey.lower()}")
    out["serving_vendor_compute"] = (1.0 if factor is None else factor.compute, f"default: {factor_src}", vendor_org)
    out["serving_vendor_hbm"] = (1.0 if factor is None else factor.hbm, f"default: {factor_src}", vendor_org)
    out["serving_speed_factor"] = (1.0, "default: 1, the inference model's estimate (the Monte Carlo ranges draw it "
                                   "lognormally around 1 with σ uncertainty.serving_sigma)",
                                   Origin(kind="fixed", field="serving_speed"))
    out["serving_dequant_ops"] = (
        (k.dequant_ops_per_weight, f"default: serving.precision = {s.precision} (weight-only): "
         f"{ServingConstants.model_fields['dequant_ops_per_weight'].description}",
         Origin(kind="fixed", field="serving_dequant_fit")) if base.weight_only else
        (0.0, "default: 0, the weights are read as stored (16-bit or FP8: no dequantisation)",
         Origin(kind="fixed", field="serving_dequant_none")))
    out["serving_grouped_gemm_efficiency"] = (
        float(k.grouped_gemm_efficiency),
        f"default: {ServingConstants.model_fields['grouped_gemm_efficiency'].description}",
        Origin(kind="fixed", field="serving_moe_gemm_fit"))
    shape = model_shape(arch)
    # The experts, top-k and routed-expert weights are the model inputs the training graph already
    # has (experts, moe_top_k, expert_params: one count, scaled alike by a params override).
    shape = shape.model_copy(update={"routed_expert_params": vals["expert_params"].value})
    if scenario.model.params is not None or scenario.model.active_params is not None:
        shape = shape.model_copy(update={"total_params": vals["model_params"].value,
                                         "active_params": vals["model_active_params"].value})
    arch_org = vals["layers"].origin
    out["kv_lora_rank"] = (shape.kv_lora_rank, vals["layers"].source, arch_org)
    out["qk_rope_head_dim"] = (shape.rope_head_dim, vals["layers"].source, arch_org)
    # The sizer's refusal starts with the card's name: the scenario field and the card a user typed.
    card = Card(name=f"cluster.accelerator ({card_name})", peak_flops_16=bf16_peak * TERA,
                peak_flops_fp8=None if fp8_peak is None else fp8_peak * TERA,
                peak_ops_int8=None if int8_peak is None else int8_peak * TERA, hbm_bytes=vals["gpu_hbm_gb"].value * 1e9,
                hbm_bytes_per_s=vals["gpu_hbm_tbps"].value * TERA, link_bytes_per_s=vals["intra_node_gbs"].value * 1e9,
                cards_per_node=int(vals["cards_per_node"].value),
                inter_node_bytes_per_s=vals["inter_node_gbps"].value * 1e9 / 8,
                fp32_flops=vals["gpu_fp32_tflops"].value * TERA)
    prec = Precision(weight_bytes=w_bytes, kv_bytes=kv_bytes, fp8_compute=fp8, int8_compute=int8,
                     weight_only=base.weight_only)
    n_in = s.tokens_per_request - n_out
    rate = s.users / s.seconds_per_request
    if s.users == 0:  # nothing served: no sizing (a training-only plan never fails on serving)
        none = "not sized: no serving users (serving.users = 0)"
        org = Origin(kind="fixed", field="no_serving")
        out["serving_tp"] = (s.tp or 1, none, org)
        out["serving_pp"] = (s.pp or 1, none, org)
        out["serving_fp8"] = (1 if fp8 else 0, none, org)
        out["serving_int8"] = (1 if int8 else 0, none, org)
        out["decode_batch"] = (s.decode_batch or 1, none, org)
        return out
    if s.tp is not None and (arch.heads % s.tp or (arch.kv_heads % s.tp and s.tp % arch.kv_heads)):
        raise ValueError(f"serving.tp ({s.tp}) must divide the model's {arch.heads} attention heads and divide "
                         f"or be a multiple of its {arch.kv_heads} KV heads")
    plan = size_serving(shape, card, prec, n_in, n_out, rate, s.ttft_s, s.tpot_s, for_card(k, card_key, vendor),
                        s.disaggregated, tp=s.tp,
                        batch=s.decode_batch, pp=s.pp)
    sizer = (f"serving sizer: fewest cards meeting TTFT {s.ttft_s:g} s and TPOT {s.tpot_s:g} s of "
             f"{plan.candidates} layouts × batches" + ("" if plan.meets_targets else " (none meets the targets: "
                                                     "the lowest TPOT)"))
    sizer_org = Origin(kind="fixed", field="serving_sizer" if plan.meets_targets else "serving_sizer_no_fit")
    out["serving_tp"] = ((s.tp, "scenario: serving.tp", Origin(kind="scenario", field="serving.tp"))
                         if s.tp is not None else (plan.tp, sizer, sizer_org))
    out["serving_pp"] = ((s.pp, "scenario: serving.pp", Origin(kind="scenario", field="serving.pp"))
                         if s.pp is not None else (plan.pp, sizer, sizer_org))
    # A batch given beyond the KV cache is kept as typed: the graph decodes what the cache holds
    # (serving_batch = min(decode_batch, serving_max_sequences)), as the workbook does when edited.
    out["decode_batch"] = ((s.decode_batch, "scenario: serving.decode_batch",
                            Origin(kind="scenario", field="serving.decode_batch"))
                           if s.decode_batch is not None else (plan.batch, sizer, sizer_org))
    out["serving_fp8"] = (1 if fp8 else 0, prec_src, prec_org)
    out["serving_int8"] = (1 if int8 else 0, prec_src, prec_org)
    return out


_NO_TRAINING = "not given: no training planned (a serving-only scenario)"

MIN_ETTR = goodput.MIN_PLANNING_ETTR
"""An estimate is refused when the job would train less than 1% of its calendar time."""


def core_problems(exc: ValidationError) -> str:
    """One line naming the scenario fields behind a core model's rejection (never its class)."""
    lines = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else ""
        field = _CORE_FIELDS.get(name, name or "scenario")
        msg = err["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
        lines.append(f"{field}: {msg} (got {err.get('input')!r})")
    return "; ".join(lines)


def estimate(
    scenario: Scenario,
    on_progress: Callable[[int, int], None] | None = None,
    overrides: Mapping[str, float] | None = None,
) -> Estimate:
    """Compute every figure of a scenario (``on_progress(done, total)`` follows a layout search;
    ``overrides`` replaces input numbers, see :func:`resolve`). A scenario the core cannot plan
    raises :class:`ValueError` whose one line names the scenario fields."""
    try:
        return _estimate(scenario, on_progress, overrides)
    except ValidationError as exc:
        raise ValueError(core_problems(exc)) from None


def _check_dualpipe_batch(scenario: Scenario, values: Mapping[str, float]) -> None:
    """DualPipe runs at least 2·pp micro-batches a step (core.stages.check_dualpipe): say which batch would."""
    t = scenario.train
    m, pp = int(round(values["grad_accum"])), int(round(values["pp"]))
    if not t.dualpipe or m >= 2 * pp:
        return
    least = 2 * pp * t.micro_batch * int(round(values["dp"]))
    raise ValueError(
        f"training.dualpipe needs at least 2·pp = {2 * pp} micro-batches per step, as DeepSeek's DualPipe code asks; "
        f"the batch of {values['global_batch']:,.0f} sequences gives {m} on each of the {values['dp']:,.0f} "
        f"replicas: give training.global_batch {least:,} or more, or a smaller training.pp"
    )


def _check_ettr(scenario: Scenario, values: Mapping[str, float]) -> None:
    ettr = float(values["effective_ratio"])
    if ettr < MIN_ETTR:
        r = scenario.reliability
        raise ValueError(
            f"reliability.failures_per_card_hour ({r.failures_per_card_hour:g}) on {values['parallel_cards']:,.0f} "
            f"cards stops the job every {float(values['job_mtbf_seconds']):,.3g} s, so it would train "
            f"{ettr:.2%} of the time; allowed: a failure rate, restart time (reliability.restart_minutes) and "
            f"checkpoint speed that leave at least {MIN_ETTR:.0%} (Llama 3: one failure per 50,700 card-hours)"
        )


DEADLINE_PASSES = 5
"""Estimates at most one deadline-sized plan takes: the layout, and so the MFU, changes with the count."""
DEADLINE_REFINES = 8
"""Further estimates at most, after those passes, of the rounder counts below the fewest cards that met the
deadline (:func:`_rounder_counts`)."""


def _estimate(
    scenario: Scenario,
    on_progress: Callable[[int, int], None] | None,
    overrides: Mapping[str, float] | None,
) -> Estimate:
    """:func:`_estimate_at` the scenario's cards, or, where cluster.cards is left out to be sized, at the
    cards the plan needs (:func:`cards_sized`)."""
    sizing = cards_sized(scenario)
    if sizing == "deadline":  # from the schema's count every time: a sized scenario estimated again is the same
        scenario = with_cards(scenario, type(scenario.cluster).model_fields["cards"].default)
    result = _estimate_at(scenario, on_progress, overrides, check=sizing is None)
    if sizing == "serving":  # the serving cards do not depend on the cluster's: one more pass at most
        cards = sized_cards(result["serving_cards_planned"], result["cards_per_node"])
        return _estimate_at(with_cards(scenario, cards), on_progress, overrides)
    if sizing == "deadline":
        return _meet_deadline(scenario, result, on_progress, overrides)
    if scenario.training is not None and scenario.train.deadline_days is not None:
        # Met or missed, the count that meets the deadline is the sizing's (each count at its own layout and
        # MFU), the number LLM_GPUS_FOR_DAYS and LLM_COMPARE give, not the same-MFU count of the graph's
        # deadline_cards (8,000 H800 for Llama-3.1-70B by 60 days: 4,800 planned, 4,808 at 8,000's MFU).
        return result.model_copy(update={"deadline_plan": sized_for_deadline(scenario, overrides=overrides)})
    return result


def sized_for_deadline(scenario: Scenario, deadline_days: float | None = None,
                       overrides: Mapping[str, float] | None = None) -> SizedTry | None:
    """The cards and end-to-end days of the plan the deadline sizing makes for a training ``scenario``
    with cluster.cards left out, by ``deadline_days`` (default: its training.deadline_days); None if
    it finds none. What cards given with a deadline are answered with (``Estimate.deadline_plan``),
    and the proposal's count for a run longer than a quarter. The graph's deadline_cards holds the
    plan's MFU, which changes with the count: Llama-3.1-70B on 15T tokens by 60 days, given 1,000 H800,
    says 4,448 cards at its MFU, which take 64.5 days; the sizing plans 4,800 in 59.9."""
    c = scenario.cluster
    cluster = type(c).model_construct(_fields_set=set(c.model_fields_set) - {"cards"}, **dict(c))
    update: dict[str, Any] = {"cluster": cluster}
    if deadline_days is not None:
        update["training"] = scenario.train.model_copy(update={"deadline_days": deadline_days})
    try:
        sized = _estimate(scenario.model_copy(update=update), None, overrides)
    except ValueError:  # no cluster meets it (the refusal names why when the cards are left out)
        return None
    if sized["deadline_slip_days"] > 0:
        return None
    return SizedTry(cards=sized.scenario.cluster.cards, train_days=float(sized["train_days"]))


def _rounder_counts(low: int, high: int, per_node: int) -> list[int]:
    """Card counts from ``low`` up to (not including) ``high``, ascending: for each power of two, the
    whole servers at or above ``low`` in the smallest multiple of it. A count whose servers have more
    factors of two splits into more layouts (data, expert and pipeline degrees that divide it), so a few
    cards more than the count a plan's MFU implies can plan far faster: Qwen3-235B-A22B on 910B, 11,536
    cards (1,442 servers = 2 × 7 × 103) plan TP 4 × PP 5 × DP 576 with EP 16 and 16 cards idle, at 18.4 %
    MFU; 11,552 (1,444 = 4 × 361) plan TP 4 × PP 2 × DP 1,444 with EP 16 at 19.6 % (2026-12-05)."""
    servers = max(1, math.ceil(low / per_node))
    counts: set[int] = set()
    step = 1
    while step < 2 * servers:
        c = math.ceil(servers / step) * step * per_node
        if low <= c < high:
            counts.add(c)
        step *= 2
    return sorted(counts)


def _meet_deadline(scenario: Scenario, result: Estimate, on_progress: Callable[[int, int], None] | None,
                   overrides: Mapping[str, float] | None) -> Estimate:
    """The estimate at the fewest cards found to finish by training.deadline_days at its confidence
    (the graph's deadline_plan_days: the deadline over the MFU range's margin). Each pass plans
    the graph's deadline_cards of the last (whole replicas, then servers, at that plan's MFU and
    ETTR), whose layout and MFU differ again: up while the run misses, down while a plan that meets
    the deadline says fewer cards would, keeping the fewest that met it (at most
    :data:`DEADLINE_PASSES` estimates). Below the fewest that met it, down to the count its own MFU
    implies, the rounder counts of :func:`_rounder_counts` are tried in turn (at most
    :data:`DEADLINE_REFINES`), the first that meets the deadline kept. If none met it, the counts
    near the fastest of those whose failures leave the job running are tried (:func:`_fastest_near`),
    and a deadline none of them meets either is refused, naming the fastest plan found (past some count
    more cards fail more often and take longer: Llama-3.1-405B by 15 days on H100 went from 187,008
    cards and 15.3 days to 747,936 and 98.8, and that last plan was shown). Serving after training
    keeps at least the cards the users need. Every count planned is in the result's ``sizing_tries``."""
    deadline = float(scenario.train.deadline_days)  # type: ignore[arg-type]
    target = float(result["deadline_plan_days"])  # the days a plan must not exceed, the same at every count
    per_node = max(1, int(result["cards_per_node"]))
    floor = sized_cards(result["serving_cards_planned"], per_node) if scenario.serving.users > 0 else per_node
    cards = scenario.cluster.cards
    met: Estimate | None = None  # the plan with the fewest cards that meets the deadline
    tried: list[tuple[float, int]] = []  # (days, cards) of the sized counts the goodput check accepts
    planned: dict[int, Estimate] = {}  # their estimates
    tries = [SizedTry(cards=cards, train_days=float(result["train_days"]))]

    def accept(res: Estimate, n: int) -> None:
        if res["effective_ratio"] >= MIN_ETTR:
            tried.append((float(res["train_days"]), n))
            planned[n] = res

    for i in range(DEADLINE_PASSES):
        want = max(int(result["deadline_cards"]), floor)
        if i > 0:
            accept(result, cards)
            if result["train_days"] <= target:
                if met is None or cards < met.scenario.cluster.cards:
                    met = result
                if want >= cards:  # by its own figures no fewer cards would do
                    break
            elif met is not None:  # fewer cards missed: the met plan stands
                break
            elif want <= cards:  # missed at this count though its own MFU says enough: step up 5 %
                want = cards + per_node * max(1, math.ceil(0.05 * cards / per_node))
        want = min(want, MAX_CARDS)
        if want == cards:
            break
        try:
            sized = with_cards(scenario, want)
        except ScenarioError as exc:
            problems = "; ".join(p.removeprefix("scenario: ") for p in exc.problems)
            raise ValueError(f"training.deadline_days ({deadline:g}) needs about {want:,} cards, which the scenario "
                             f"cannot take: {problems} (a later deadline, or cluster.cards given, avoids "
                             "this)") from None
        cards = want
        result = _estimate_at(sized, on_progress, overrides, check=False)
        tries.append(SizedTry(cards=cards, train_days=float(result["train_days"])))
    else:  # the last pass is judged too
        accept(result, cards)
        if result["train_days"] <= target and (met is None or cards < met.scenario.cluster.cards):
            met = result
    if met is not None:
        met = _rounder_met(scenario, met, floor, per_node, tries, on_progress, overrides)
        return met.model_copy(update={"sizing_tries": tries})
    later = "; allowed: a later deadline, or cluster.cards given to see how long the run takes on them"
    if tried:  # none met it: the fastest found near the fastest tried is what the deadline can ask for
        fastest = _fastest_near(scenario, planned, tries, floor, per_node, target, on_progress, overrides)
        if fastest["train_days"] <= target:  # on the way it met the deadline: fewer cards may too
            met = _rounder_met(scenario, fastest, floor, per_node, tries, on_progress, overrides)
            return met.model_copy(update={"sizing_tries": tries})
        raise ValueError(
            f"training.deadline_days ({deadline:g}) cannot be met: more cards fail more often (the fastest plan "
            f"found takes {fastest['train_days']:,.1f} days, on {fastest.scenario.cluster.cards:,} cards){later}")
    try:
        _check_ettr(result.scenario, result.results)
    except ValueError:  # every count sized stops too often to run: say so, not only what failures do to them
        raise ValueError(
            f"training.deadline_days ({deadline:g}) cannot be met: more cards fail more often (at {cards:,} cards, "
            f"failures, reliability.failures_per_card_hour, would stop the job every "
            f"{float(result['job_mtbf_seconds']):,.3g} s){later}") from None
    return result.model_copy(update={"sizing_tries": tries})


def _fastest_near(scenario: Scenario, planned: dict[int, Estimate], tries: list[SizedTry], floor: int, per_node: int,
                  target: float, on_progress: Callable[[int, int], None] | None,
                  overrides: Mapping[str, float] | None) -> Estimate:
    """The fastest plan found by stepping the card count down and up from the fastest of ``planned`` (whose failures
    leave the job running), by a factor of 2 that narrows to its square root when neither step is faster, at most
    :data:`DEADLINE_REFINES` estimates (each added to ``tries`` and ``planned``); it stops at a count that meets
    ``target``. The sizing's passes jump by what each plan's MFU implies, which at the scale where failures bite
    overshoots: Llama-3.1-405B on 15T tokens by 10 days on H100 tried 223,832 cards (33.1 days), never 111,072
    (20.0 days)."""
    cards = min(planned, key=lambda n: planned[n]["train_days"])
    best = planned[cards]
    seen = {t.cards for t in tries}
    factor, left = 2.0, DEADLINE_REFINES
    while left > 0 and factor > 1.05 and best["train_days"] > target:
        moved = False
        for step in (cards / factor, cards * factor):
            n = min(max(per_node * math.ceil(step / per_node), floor), MAX_CARDS)
            if left <= 0 or any(abs(n - s) <= max(per_node, 0.005 * n) for s in seen):  # tried, or as good as
                continue
            seen.add(n)
            left -= 1
            try:
                res = _estimate_at(with_cards(scenario, n), on_progress, overrides, check=False)
            except (ScenarioError, ValueError):  # a count the scenario or the planner cannot take
                continue
            tries.append(SizedTry(cards=n, train_days=float(res["train_days"])))
            if res["effective_ratio"] >= MIN_ETTR and res["train_days"] < best["train_days"]:
                planned[n], cards, best, moved = res, n, res, True
                break
        if not moved:
            factor = math.sqrt(factor)
    return best


def _rounder_met(scenario: Scenario, met: Estimate, floor: int, per_node: int, tries: list[SizedTry],
                 on_progress: Callable[[int, int], None] | None, overrides: Mapping[str, float] | None) -> Estimate:
    """The fewest cards found among :func:`_rounder_counts` below ``met``'s, from the count its own MFU
    implies (at least ``floor``), not tried yet, that meet the deadline, tried in ascending order; after
    each that meets, again from the count the new plan's MFU implies (at most :data:`DEADLINE_REFINES`
    estimates in all, each added to ``tries``). ``met`` when none does."""
    target = float(met["deadline_plan_days"])
    low = max(int(met["deadline_cards"]), floor)
    seen = {t.cards for t in tries}
    left = DEADLINE_REFINES
    while left > 0:
        found = None
        for c in _rounder_counts(low, met.scenario.cluster.cards, per_node):
            if left == 0:
                break
            if c in seen:
                continue
            seen.add(c)
            try:
                sized = with_cards(scenario, c)
            except ScenarioError:  # a count the scenario's own rules refuse is not a candidate
                continue
            left -= 1
            result = _estimate_at(sized, on_progress, overrides, check=False)
            tries.append(SizedTry(cards=c, train_days=float(result["train_days"])))
            if result["train_days"] <= target:
                found = result
                break
        if found is None:
            break
        met = found
        low = max(int(met["deadline_cards"]), floor)
    return met


def _estimate_at(
    scenario: Scenario,
    on_progress: Callable[[int, int], None] | None,
    overrides: Mapping[str, float] | None,
    check: bool = True,
) -> Estimate:
    resolved = resolve(scenario, on_progress, overrides=overrides)
    inputs = {k: v.value for k, v in resolved.inputs.items()}
    values = run_steps(inputs)
    if check and scenario.training is not None:  # the goodput refusal is about a training job
        _check_ettr(scenario, values)
        _check_dualpipe_batch(scenario, values)
    results = {key: float(values[key]) for key in _STEP_KEYS}
    plan = resolved.plan
    if plan is None and scenario.assumptions.mfu is None and scenario.training is not None:
        # The layout is the scenario's; the graph has just predicted its step (one row, no search).
        t = scenario.train
        ex = Execution(
            tp=t.tp, pp=t.pp, dp=int(values["dp"]), cp=scenario.cp, micro_batch=t.micro_batch,  # type: ignore[arg-type]
            global_batch=int(values["global_batch"]), interleave=int(inputs["interleave"]),
            first_stage_layers=t.first_stage_layers, last_stage_layers=t.last_stage_layers, dualpipe=t.dualpipe,
            sequence_parallel=t.sequence_parallel,
            recompute=_MODE_NAMES[int(inputs["recompute_mode"])], recompute_layers=int(inputs["recompute_layers"]),
            zero_stage=int(inputs["zero_stage"]),
            offload_optimizer="optimizer" in t.offload,
            offload_weights="weights" in t.offload, offload_activations="activations" in t.offload,
            bytes_param=t.param_bytes, bytes_grad=t.gradient_bytes, bytes_optimizer=t.optimizer_bytes,
            flash_attention=t.attention == "flash",
            ep=int(values["ep"]), expert_tp=int(values["expert_tp"]), capacity_factor=values["capacity_factor"],
            a2a_overlap=values["a2a_overlap"], a2a_dedup=bool(values["a2a_dedup"]), moe_sync_ms=values["moe_sync_ms"],
            precision_peak_ratio=values["precision_peak_ratio"],
        )
        row = PlanRow(rank=1, execution=ex, result=StepResult.from_values(values))
        plan = PlanReport(cards=scenario.cluster.cards, global_batch=int(values["global_batch"]), candidates_evaluated=1,
                          candidates_fitting=int(row.result.fits), search_seconds=0.0, explore=False, best=[row])
    return Estimate(
        scenario=scenario,
        model_name=resolved.model_name,
        accelerator_name=resolved.accelerator_name,
        inputs=resolved.inputs,
        results=results,
        sensitivity=_sensitivity(inputs, values, scenario.cluster.cards),
        plan=plan,
    )
