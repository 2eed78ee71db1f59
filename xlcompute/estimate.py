"""Scenario → result: the one orchestration of the core.

``estimate(scenario)`` resolves presets into numbers (:func:`resolve_inputs`), runs the step
graph of ``_graph.py`` with those numbers and returns an :class:`Estimate` holding every input
(with its unit and source) and every derived figure, grouped like the workbook's sheets.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from xlcompute import catalog
from xlcompute._graph import INPUT_KEYS, STEPS, run_steps
from xlcompute.core import schedule
from xlcompute.core.params import ModelArch, count_params
from xlcompute.plan import PlanReport, evaluate_layout, plan_layouts
from xlcompute.scenario import RECOMPUTE_MODES, CustomAccelerator, Scenario

__all__ = [
    "InputValue",
    "Figure",
    "Sensitivity",
    "Estimate",
    "estimate",
    "Resolved",
    "resolve",
    "resolve_inputs",
    "sensitivity_cards",
    "sensitivity_mfus",
]


class InputValue(BaseModel):
    """One resolved input number, with where it came from."""

    model_config = ConfigDict(frozen=True)
    key: str
    value: float
    source: str


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


class Resolved(BaseModel):
    """A scenario's input numbers, with the layout plan when the planner was used."""

    model_name: str
    accelerator_name: str
    arch: ModelArch
    inputs: dict[str, InputValue]
    plan: PlanReport | None = None


class Estimate(BaseModel):
    """Everything derived from a scenario."""

    scenario: Scenario
    model_name: str
    accelerator_name: str
    inputs: dict[str, InputValue]
    figures: dict[str, Figure]
    sensitivity: Sensitivity
    plan: PlanReport | None = Field(None, description="layouts searched when the scenario left layout or MFU open")

    def __getitem__(self, key: str) -> float:
        """Any input or figure by key: ``result["train_days"]``."""
        if key in self.figures:
            return self.figures[key].value
        if key in self.inputs:
            return self.inputs[key].value
        raise KeyError(f"no input or figure named {key!r}")

    def values(self) -> dict[str, float]:
        """All inputs and figures as one flat mapping of numbers."""
        out = {k: v.value for k, v in self.inputs.items()}
        out.update({k: f.value for k, f in self.figures.items()})
        return out

    def sheet(self, name: str) -> dict[str, Figure]:
        """The figures of one sheet (training, memory, network, serving, budget)."""
        return {k: f for k, f in self.figures.items() if f.sheet == name}


def _model_inputs(scenario: Scenario) -> tuple[str, ModelArch, dict[str, InputValue]]:
    spec = scenario.model
    if spec.preset is not None:
        preset = catalog.get_model(spec.preset)
        arch, name, src = preset.arch, preset.name, f"catalog: {preset.name} ({preset.source})"
    else:
        arch, name, src = spec.arch, spec.arch.name, "scenario: model.arch"  # type: ignore[union-attr]
    counted = count_params(arch)  # type: ignore[arg-type]
    total = spec.params if spec.params is not None else counted.total
    if spec.active_params is not None:
        active = spec.active_params
    elif spec.params is not None and not arch.is_moe:  # type: ignore[union-attr]
        active = spec.params
    else:
        active = counted.active * (total / counted.total)
    count_src = "scenario: model.params" if spec.params is not None else f"exact count from the architecture; {src}"
    active_src = (
        "scenario: model.active_params" if spec.active_params is not None else f"exact count (active per token); {src}"
    )
    a = arch  # type: ignore[assignment]
    vals = {
        "model_params": InputValue(key="model_params", value=float(total), source=count_src),
        "model_active_params": InputValue(key="model_active_params", value=float(active), source=active_src),
        "layers": InputValue(key="layers", value=a.layers, source=src),
        "hidden": InputValue(key="hidden", value=a.hidden, source=src),
        "heads": InputValue(key="heads", value=a.heads, source=src),
        "kv_heads": InputValue(key="kv_heads", value=a.kv_heads, source=src),
        "head_dim": InputValue(key="head_dim", value=a.head_dim, source=src),
        "vocab": InputValue(key="vocab", value=a.vocab, source=src),
    }
    return name, a, vals  # type: ignore[return-value]


def _gpu_inputs(scenario: Scenario) -> tuple[str, dict[str, InputValue]]:
    c = scenario.cluster
    fp8 = scenario.training.precision == "fp8"
    acc = c.accelerator
    if isinstance(acc, CustomAccelerator):
        src = f"scenario: cluster.accelerator ({acc.name})"
        if fp8 and acc.fp8_tflops is None:
            raise ValueError("training.precision is fp8 but cluster.accelerator.fp8_tflops is not given")
        peak = acc.fp8_tflops if fp8 else acc.bf16_tflops
        name, hbm_gb, tbps, link, tdp, per_node = (
            acc.name, acc.hbm_gb, acc.hbm_tbps, acc.intra_node_gbs, acc.tdp_w, acc.cards_per_node
        )
    else:
        g = catalog.get_gpu(acc)
        src = f"catalog: {g.name} ({g.source}, {g.source_date})"
        if fp8 and not g.fp8_tflops:
            raise ValueError(f"training.precision is fp8 but {g.name} has no fp8 peak in the catalog")
        peak = g.fp8_tflops if fp8 else g.bf16_tflops
        for field, value in (("intra-node link", g.link_bytes_per_s_per_direction), ("TDP", g.tdp_w)):
            if value is None:
                raise ValueError(
                    f"cluster.accelerator: the catalog has no {field} figure for {g.name}; "
                    "give a custom accelerator with all figures instead"
                )
        name, hbm_gb, tbps, link, tdp, per_node = (
            g.name, g.hbm_bytes / 1e9, g.hbm_bandwidth_bytes_per_s / 1e12,
            g.link_bytes_per_s_per_direction / 1e9, g.tdp_w, g.cards_per_node,  # type: ignore[operator]
        )
    per_node_src = src
    if c.cards_per_node is not None:
        per_node, per_node_src = c.cards_per_node, "scenario: cluster.cards_per_node"
    vals = {
        "gpu_count": InputValue(key="gpu_count", value=c.cards, source="scenario: cluster.cards"),
        "cards_per_node": InputValue(key="cards_per_node", value=per_node, source=per_node_src),
        "gpu_peak_tflops": InputValue(
            key="gpu_peak_tflops", value=float(peak), source=f"{src}; dense {'fp8' if fp8 else 'bf16'}"
        ),
        "gpu_hbm_gb": InputValue(key="gpu_hbm_gb", value=float(hbm_gb), source=src),
        "gpu_hbm_tbps": InputValue(key="gpu_hbm_tbps", value=float(tbps), source=src),
        "intra_node_gbs": InputValue(key="intra_node_gbs", value=float(link), source=f"{src}; per direction"),
        "inter_node_gbps": InputValue(
            key="inter_node_gbps", value=c.inter_node_gbps, source="scenario: cluster.inter_node_gbps"
        ),
        "gpu_tdp_w": InputValue(key="gpu_tdp_w", value=float(tdp), source=src),
    }
    return name, vals


def resolve(
    scenario: Scenario, on_progress: Callable[[int, int], None] | None = None, plan: bool = True
) -> Resolved:
    """Turn a scenario into the graph's input numbers, each with its source; plan the layout and
    predict the MFU where the scenario leaves them open."""
    model_name, arch, vals = _model_inputs(scenario)
    gpu_name, gpu_vals = _gpu_inputs(scenario)
    vals.update(gpu_vals)
    t, a, s, p = scenario.training, scenario.assumptions, scenario.serving, scenario.pricing

    def put(key: str, value: float, source: str) -> None:
        vals[key] = InputValue(key=key, value=float(value), source=source)

    put("train_tokens", t.tokens, "scenario: training.tokens")
    put("seq_len", t.seq_len, "scenario: training.seq_len")
    put("global_batch", t.global_batch, "scenario: training.global_batch")
    put("micro_batch", t.micro_batch, "scenario: training.micro_batch")
    put("param_bytes", t.param_bytes, "scenario: training.param_bytes (a, seed 000)")
    put("optimizer_bytes", t.optimizer_bytes, "scenario: training.optimizer_bytes (b, seed 000; Adam 12)")
    put("zero_stage", t.zero_stage, "scenario: training.zero_stage")
    put("recompute_mode", t.recompute_mode, f"scenario: training.recompute = {t.recompute} (0 none, 1 selective, 2 full)")
    put("sp", 1 if t.sequence_parallel else 0, "scenario: training.sequence_parallel")
    put("interleave", t.interleave, "scenario: training.interleave")
    if scenario.layout_fixed:
        put("tp", t.tp, "scenario: training.tp")  # type: ignore[arg-type]
        put("pp", t.pp, "scenario: training.pp")  # type: ignore[arg-type]
        put("dp", scenario.dp, "scenario: training.dp" if t.dp is not None else "cards / (tp·pp)")
        # Uneven plain pipelines exist (DeepSeek-V3: 61 layers on PP 16); the interleaved schedule
        # needs equal chunks (Megatron-LM requires layers divisible by pp·v).
        stages = t.pp * t.interleave  # type: ignore[operator]
        if t.interleave > 1 and arch.layers % stages:
            raise ValueError(
                f"training.pp·interleave ({t.pp}·{t.interleave} = {stages}) must divide the model's "
                f"{arch.layers} layers"
            )
    else:  # placeholders until the planner chooses
        for key in ("tp", "pp"):
            put(key, 1, "layout planner")
        put("dp", scenario.cluster.cards, "layout planner")
    if a.mfu is not None:
        put("mfu", a.mfu, a.mfu_source or "scenario: assumptions.mfu")
    else:
        put("mfu", 0.5, "step-time model")  # placeholder until predicted below
    put("host_power_factor", a.host_power_factor, "NVIDIA DGX H100 datasheet: 10.2 kW max for 8 × 700 W GPUs")
    put("average_load", a.average_load, "scenario: assumptions.average_load")
    put("users", s.users, "scenario: serving.users")
    put("tokens_per_request", s.tokens_per_request, "scenario: serving.tokens_per_request")
    put("seconds_per_request", s.seconds_per_request, "scenario: serving.seconds_per_request")
    put("serving_utilization", s.utilization, "scenario: serving.utilization")
    put("serving_bytes_per_param", s.bytes_per_param, "scenario: serving.bytes_per_param")
    put("decode_batch", s.decode_batch, "scenario: serving.decode_batch")
    put("hbm_usable_fraction", s.hbm_usable_fraction, "scenario: serving.hbm_usable_fraction")
    put("price_per_gpu_hour", p.price_per_card_hour, f"scenario: pricing.price_per_card_hour ({p.currency})")
    put("server_price", p.server_price, f"scenario: pricing.server_price ({p.currency})")
    put("network_per_server", p.network_per_server, f"scenario: pricing.network_per_server ({p.currency})")
    put("storage_capex", p.storage, f"scenario: pricing.storage ({p.currency})")
    put("facility_per_kw", p.facility_per_kw, f"scenario: pricing.facility_per_kw ({p.currency})")
    put("electricity_per_kwh", p.electricity_per_kwh, f"scenario: pricing.electricity_per_kwh ({p.currency})")
    put("pue", p.pue, "scenario: pricing.pue")
    put("years", p.years, "scenario: pricing.years")
    put("staff_per_year", p.staff_per_year, f"scenario: pricing.staff_per_year ({p.currency})")
    missing = set(INPUT_KEYS) - set(vals)
    if missing:  # a programming error, not bad input
        raise RuntimeError(f"resolve left out {sorted(missing)}")
    report = None
    if plan and (not scenario.layout_fixed or a.mfu is None):
        report = _plan(scenario, arch, vals, on_progress)
    return Resolved(
        model_name=model_name, accelerator_name=gpu_name, arch=arch, inputs={k: vals[k] for k in INPUT_KEYS},
        plan=report,
    )


def _plan(
    scenario: Scenario,
    arch: ModelArch,
    vals: dict[str, InputValue],
    on_progress: Callable[[int, int], None] | None,
) -> PlanReport:
    """Fill the layout and/or MFU inputs from the step-time model (seed 004)."""
    numbers = {k: v.value for k, v in vals.items()}
    t = scenario.training
    if scenario.layout_fixed:
        row = evaluate_layout(arch, numbers, t.recompute, t.sequence_parallel)
        report = PlanReport(
            cards=scenario.cluster.cards, global_batch=t.global_batch, candidates_evaluated=1,
            candidates_fitting=int(row.result.fits), search_seconds=0.0, explore=False, best=[row],
        )
    else:
        report = plan_layouts(arch, numbers, on_progress=on_progress)
        ex = report.best[0].execution
        src = (
            f"layout planner: fastest of {report.candidates_evaluated:,} layouts "
            f"({report.candidates_fitting:,} fit in memory)"
        )
        for key, value in (
            ("tp", ex.tp), ("pp", ex.pp), ("dp", ex.dp), ("micro_batch", ex.micro_batch),
            ("zero_stage", ex.zero_stage), ("recompute_mode", RECOMPUTE_MODES[ex.recompute]),
            ("sp", 1 if ex.sequence_parallel else 0), ("interleave", ex.interleave),
        ):
            vals[key] = InputValue(key=key, value=float(value), source=src)
    if scenario.assumptions.mfu is None:
        best = report.best[0]
        ex = best.execution
        vals["mfu"] = InputValue(
            key="mfu",
            value=best.mfu_estimate,
            source=(
                f"predicted by the step-time model for TP {ex.tp} × PP {ex.pp} × DP {ex.dp} "
                "(its held-out error is reported by xlcompute validate)"
            ),
        )
    return report


def resolve_inputs(scenario: Scenario) -> tuple[str, str, dict[str, InputValue]]:
    """The graph's input numbers with their sources: (model name, accelerator name, inputs)."""
    r = resolve(scenario)
    return r.model_name, r.accelerator_name, r.inputs


def sensitivity_cards(cards: int) -> list[int]:
    """Card counts around the scenario's: ¼×, ½×, 1×, 1.5×, 2×, 4× (whole cards)."""
    return sorted({max(1, round(cards * f)) for f in (0.25, 0.5, 1, 1.5, 2, 4)})


def sensitivity_mfus(mfu: float) -> list[float]:
    """MFU values around the scenario's: 25%–55% in 5-point steps plus the scenario's own."""
    return sorted({round(m, 4) for m in (0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, mfu)})


def estimate(scenario: Scenario, on_progress: Callable[[int, int], None] | None = None) -> Estimate:
    """Compute every figure of a scenario (``on_progress(done, total)`` follows a layout search)."""
    resolved = resolve(scenario, on_progress)
    model_name, gpu_name, inputs = resolved.model_name, resolved.accelerator_name, resolved.inputs
    values = run_steps({k: v.value for k, v in inputs.items()})
    figures = {
        st.key: Figure(key=st.key, sheet=st.sheet, value=float(values[st.key]), unit=st.unit) for st in STEPS
    }
    cards = sensitivity_cards(scenario.cluster.cards)
    mfus = sensitivity_mfus(inputs["mfu"].value)
    flops, peak = values["train_flops"], values["peak_flops"]
    days = [[float(schedule.train_days(flops, n, peak, m)) for m in mfus] for n in cards]
    budget = []
    for n in cards:
        changed = {k: v.value for k, v in inputs.items()}
        changed["gpu_count"] = float(n)
        budget.append(float(run_steps(changed)["total_budget"]))
    return Estimate(
        scenario=scenario,
        model_name=model_name,
        accelerator_name=gpu_name,
        inputs=inputs,
        figures=figures,
        sensitivity=Sensitivity(cards=cards, mfus=mfus, days=days, budget=budget),
        plan=resolved.plan,
    )
