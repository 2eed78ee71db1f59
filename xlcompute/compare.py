"""The same job on several accelerators, side by side (issue 13, part 2).

Orchestration, not core: each alternative is the user's scenario with ``cluster.accelerator``
swapped, run through :func:`xlcompute.estimate.estimate` itself, so every row equals the estimate
of its swapped scenario. What the swap changes and why:

- prices: a price it leaves out resolves per card and currency (``catalog/prices.yaml`` via
  ``estimate._price_inputs``), so it follows the new card. A card price it gives (server, rental) is a
  quote for its own card: the new card takes its catalog prices instead when prices.yaml has a row for
  it in the currency, and keeps the quote only when it has none; either way the row says so;
- card-specific cluster overrides (``tdp_w``, ``intra_node_gbs``, ``offload_gb``, ``offload_gbs``,
  ``cards_per_node``) describe the scenario's card, not the new one: they are dropped (and said so);
- cards: with ``training.deadline_days`` the cards the new card needs for the deadline (the estimate's
  ``deadline_cards``: whole replicas and servers, ``core.schedule.cards_for_deadline``), otherwise the
  scenario's card count;
- layout: a fixed tp/pp that the new card cannot run (refused, or not fitting in memory) is handed
  to the layout planner, and the row says so.

A card that cannot run the job (no fp8 peak, no layout fits, …) is a row with its reason.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from xlcompute import catalog
from xlcompute.core import cost
from xlcompute.planner.inputs import carried_profile
from xlcompute.scenario import CustomAccelerator, Scenario

if TYPE_CHECKING:
    from xlcompute.estimate import InputValue

__all__ = ["Note", "Reason", "Alternative", "Comparison", "compare", "swapped_scenario", "default_accelerators",
           "kernel_note",
           "MAX_ALTERNATIVES", "TOKENS_PER_TRILLION"]

MAX_ALTERNATIVES = 8
"""More cards than this make an unreadable table (and a slow Excel cell)."""

TOKENS_PER_TRILLION = 1e12

# The default alternatives per currency: the cards a buyer in that market chooses between.
# CNY: the cards sold in China (H800/A800 before the 2023 rules, H20 after, Ascend 910B) and H200.
_DEFAULTS = {
    "CNY": ("H800", "H20", "A800", "H200", "910B"),
    "USD": ("H100-SXM", "H200", "A100-80G", "B200", "MI300X"),
}

# Cluster fields that describe one card; the swapped scenario takes the new card's catalog figures.
_CARD_FIELDS = ("cards_per_node", "tdp_w", "intra_node_gbs", "offload_gb", "offload_gbs")
# The card each kernel profile is calibrated on (planner.inputs.KERNEL_PROFILES), as a note names it.
_CALIBRATION_CARDS = {"ampere": "A100", "hopper": "H100", "ascend": "Ascend 910B"}
# Prices that depend on the card (prices.yaml's accelerator rows); kept when given, and said so.
_CARD_PRICES = ("server_price", "price_per_card_hour", "price_reserved_1y", "price_reserved_3y")


class Note(BaseModel):
    """What a swap changed beyond the card, as data, so each face words it in its language
    (``str(note)`` is the English the CLI prints; the proposal translates by ``kind``)."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["catalog_figures", "prices_kept", "prices_catalog", "planner_layout", "deadline_missed",
                  "kernel_extrapolated",
                  "recipe_precision_dropped", "release_precision_dropped", "serving_short"]
    fields: tuple[str, ...] = Field((), description="the scenario fields concerned")
    tp: int = 0
    pp: int = 0
    detail: str = Field("", description="planner_layout: why the scenario's layout could not be kept")
    why: Reason | None = Field(None, description="planner_layout: the detail as data")
    days: float = 0.0
    deadline: float = 0.0
    borrowed: str = Field("", description="kernel_extrapolated: the card whose calibration the step-time model borrows")
    carried: bool = Field(False, description="kernel_extrapolated: its GEMM constant carried by the measured matmul "
                          "ceiling (planner.inputs.transferred_profile)")
    mfu_assumed: bool = Field(False, description="kernel_extrapolated: the days follow the scenario's MFU, so only the "
                              "predicted MFU is extrapolated")
    e2e_runs: int = Field(0, description="kernel_extrapolated: held-out published pre-training runs on the card "
                          "(core.spread.CARD_END_TO_END_RECORDED); 0 when there are none")
    e2e_median_pct: float = Field(0.0, description="kernel_extrapolated: their median of predicted / published "
                                  "card-hours − 1, %")
    given_for: str = Field("", description="prices_catalog: the card the scenario's prices were given for")
    serving_cards: int = Field(0, description="serving_short: the cards the serving demand needs on this card")
    cluster_cards: int = Field(0, description="serving_short: the cards of the (training) cluster")

    @property
    def e2e_times(self) -> float:
        """How many times the predicted card-hours the card's published runs took (median)."""
        from xlcompute.core.spread import times_predicted

        return float(times_predicted(self.e2e_median_pct))

    def __str__(self) -> str:
        names = ", ".join(self.fields)
        if self.kind == "catalog_figures":
            return f"catalog figures of the card instead of the scenario's {names}"
        if self.kind == "prices_kept":
            return f"the scenario's {names} kept (given for its own card; the catalog has no price for this card)"
        if self.kind == "prices_catalog":
            return f"the catalog's prices of this card, not the scenario's {names} (given for {self.given_for})"
        if self.kind == "recipe_precision_dropped":
            return (f"bf16 ({names}): the model's published FP8 pre-training needs an FP8 peak, which this card "
                    "lacks in the catalog")
        if self.kind == "release_precision_dropped":
            return (f"bf16 ({names}): the model's FP8 release is served at its FP8 peak, which this card lacks in "
                    "the catalog")
        if self.kind == "planner_layout":
            return f"layout chosen by the planner (the scenario's tp {self.tp} / pp {self.pp}: {self.detail})"
        if self.kind == "kernel_extrapolated":  # compare_words.NOTES words it in both languages; a test holds them equal
            what = "predicted MFU" if self.mfu_assumed else "days and MFU"
            carried = ", its GEMM constant carried by the card's measured matmul ceiling" if self.carried else ""
            runs = (f"; its {self.e2e_runs} held-out published pre-training runs took {self.e2e_times:.1f}× the "
                    "card-hours the tool predicted (median; xlcompute validate)") if self.e2e_runs else ""
            return (f"{what} extrapolated: no training measurement calibrates this card; the step-time model borrows "
                    f"the {self.borrowed} calibration{carried}{runs}")
        if self.kind == "serving_short":  # compare_words.NOTES words it in both languages; a test holds them equal
            return (f"serving needs {self.serving_cards:,} cards, more than the {self.cluster_cards:,} of the cluster: "
                    "its cost per output token assumes a fleet the plan does not hold")
        return f"{self.days:,.1f} days: the deadline of {self.deadline:g} days is not reached"


class Reason(BaseModel):
    """Why a card cannot run the job, as data (like :class:`Note`): ``kind`` and its numbers, so
    each face words it in its language; ``text`` is the estimate's own English line (CLI, Excel)."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["no_fp8", "no_offload_tier", "no_layout_fits", "layout_no_fit", "too_many_failures",
                  "other"]
    cards: int = Field(0, description="no_layout_fits / too_many_failures: the cards of the row")
    hbm_gb: float = Field(0.0, description="no_layout_fits: the card's memory, GB")
    text: str = Field("", description="the estimate's message in English")

    def __str__(self) -> str:
        return self.text


class _LayoutNoFit(ValueError):
    """The scenario's fixed layout runs on the new card but does not fit in its memory."""


def _reason(scenario: Scenario, key: str, exc: Exception, cards: int) -> Reason:
    """The kind of a refusal, from the swapped card and scenario themselves (not by parsing the
    message): the checks mirror estimate._gpu_inputs, _scenario_inputs, plan_layouts and _check_ettr."""
    from xlcompute.planner.inputs import PlannerError

    card = catalog.get_gpu(key)
    text = " ".join(str(exc).split())
    t, c = scenario.train, scenario.cluster
    if t.precision == "fp8" and not card.fp8_tflops:
        return Reason(kind="no_fp8", text=text)
    if t.offload and card.offload_bytes is None and (c.offload_gb is None or c.offload_gbs is None):
        return Reason(kind="no_offload_tier", text=text)
    if isinstance(exc, _LayoutNoFit):
        return Reason(kind="layout_no_fit", text=text)
    if isinstance(exc, PlannerError) and "no layout" in text:
        return Reason(kind="no_layout_fits", cards=cards, hbm_gb=card.hbm_bytes / 1e9, text=text)
    if text.startswith("reliability.failures_per_card_hour"):
        return Reason(kind="too_many_failures", cards=cards, text=text)
    return Reason(kind="other", text=text)


class Alternative(BaseModel):
    """One card running the job: its figures, or the reason it cannot."""

    accelerator: str = Field(description="catalog key, or the custom card's name")
    name: str = Field(description="the card's full name")
    ok: bool = Field(description="False when the card cannot run the job (see reason)")
    reason: str = Field("", description="why the card cannot run the job (English)")
    why: Reason | None = Field(None, description="the reason as data, for the faces that translate it")
    notes: list[Note] = Field(default_factory=list, description="what the swap changed beyond the card")
    cards: int | None = None
    serving_cards: int | None = Field(None, description="cards the serving demand needs (none without serving)")
    train_days: float | None = Field(None, description="days end to end (failures and restarts included)")
    mfu: float | None = Field(None, description="MFU the days use (the scenario's assumption or the prediction)")
    predicted_mfu: float | None = Field(None, description="the step-time model's MFU for the layout")
    train_days_predicted_mfu: float | None = Field(
        None, description="days end to end at predicted_mfu (train_days when the scenario assumes no MFU): an MFU "
        "assumed for one card says nothing about another's")
    layout: str = Field("", description="TP·CP·PP·DP of the plan, then the expert-parallel size of a "
                        "mixture-of-experts model (' EP8'), as compact as a table column needs")
    mem_per_gpu_gb: float | None = None
    hbm_gb: float | None = None
    mem_fits: bool | None = None
    it_power_kw: float | None = None
    capex_total: float | None = None
    total_budget: float | None = Field(None, description="capex and opex over pricing.years")
    train_cost: float | None = Field(None, description="the training run at the rental price")
    cost_per_trillion_tokens: float | None = Field(None, description="train_cost per 10^12 training tokens")
    cost_per_trillion_tokens_predicted_mfu: float | None = Field(
        None, description="the same at predicted_mfu (train_cost_predicted_mfu per 10^12 training tokens)")
    cost_per_million_output_tokens: float | None = Field(
        None, description="the inference model's cost of 10^6 output tokens on the fleet sized for the scenario's "
        "users, at the price the cheapest rental option pays for that fleet (cost_per_million_tokens, the figure the "
        "proposal's summary quotes); None without serving users")
    npv_own: float | None = None
    npv_rent: float | None = None
    own_cheaper: bool | None = None
    # The swapped scenario's graph inputs (not serialised): the workbook's Compare sheet writes them
    # as its input cells and runs the graph's formulas over them.
    inputs: dict[str, float] = Field(default_factory=dict, exclude=True, repr=False)


class Comparison(BaseModel):
    """The alternatives of one scenario, in the order asked."""

    scenario_name: str
    model_name: str
    currency: str
    train_tokens: float
    deadline_days: float | None = None
    years: float
    alternatives: list[Alternative]


def default_accelerators(scenario: Scenario) -> list[str]:
    """The scenario's own card first (when it is a catalog card), then the currency's usual set."""
    own = scenario.cluster.accelerator
    keys = [] if isinstance(own, CustomAccelerator) else [catalog.get_gpu(own).key]
    for key in _DEFAULTS[scenario.pricing.currency]:
        if key not in keys:
            keys.append(key)
    return keys[:MAX_ALTERNATIVES]


def _card_keys(scenario: Scenario, accelerators: list[str] | None) -> list[str]:
    if accelerators is None:
        return default_accelerators(scenario)
    if not accelerators:
        raise ValueError("accelerators: give at least one card name (or none for the default set)")
    keys: list[str] = []
    for name in accelerators:
        try:
            key = catalog.get_gpu(name).key
        except (KeyError, ValueError) as exc:  # UnknownPresetError names the catalog's cards
            raise ValueError(f"accelerators: {exc}") from None
        if key not in keys:
            keys.append(key)
    if len(keys) > MAX_ALTERNATIVES:
        raise ValueError(f"accelerators: at most {MAX_ALTERNATIVES} cards side by side (got {len(keys)})")
    return keys


def swapped_scenario(scenario: Scenario, accelerator: str, cards: int | None = None,
                     free_layout: bool = False, sized: bool = False) -> tuple[Scenario, list[Note]]:
    """``scenario`` on ``accelerator`` (a catalog name), with ``cards`` cards when given, cluster.cards
    left out when ``sized`` (the estimate then sizes the cluster to the deadline or the serving demand,
    estimate.cards_sized), and the layout left to the planner when ``free_layout``; and notes on what
    changed beyond the card."""
    from xlcompute.scenario import parse_scenario

    data: dict[str, Any] = scenario.model_dump(exclude_unset=True)
    cluster = dict(data.get("cluster", {}))
    notes: list[Note] = []
    if _own_key(scenario) != catalog.get_gpu(accelerator).key:
        card = catalog.get_gpu(accelerator)
        dropped = [f for f in _CARD_FIELDS if f in cluster]
        # Say only what differs: a cards_per_node of 8 given for an 8-card server changes nothing.
        changed = [f for f in dropped if not (f == "cards_per_node" and cluster[f] == card.cards_per_node)]
        for f in dropped:
            del cluster[f]
        if changed:
            notes.append(Note(kind="catalog_figures", fields=tuple(changed)))
        pricing = dict(data.get("pricing", {}))
        given = [f for f in _CARD_PRICES if f in pricing]
        if given and catalog.has_card_prices(scenario.pricing.currency, card.key):
            # A quote for the scenario's card is no price of another: the catalog's row for this one is.
            for f in given:
                del pricing[f]
            data["pricing"] = pricing
            notes.append(Note(kind="prices_catalog", fields=tuple(given), given_for=_own_name(scenario)))
        elif given:
            notes.append(Note(kind="prices_kept", fields=tuple(given)))
    cluster["accelerator"] = accelerator
    if cards is not None:
        cluster["cards"] = cards
    elif sized:
        cluster.pop("cards", None)
    data["cluster"] = cluster
    if free_layout and "training" in data:
        training = dict(data["training"])
        for f in ("tp", "pp", "cp", "dp"):
            training.pop(f, None)
        data["training"] = training
    swapped = parse_scenario(data)
    if scenario.precision_recipe and not swapped.precision_recipe:  # the preset's FP8 recipe needs an FP8 card
        notes.append(Note(kind="recipe_precision_dropped", fields=("training.precision",)))
    if scenario.serving_precision_release and not swapped.serving_precision_release:
        notes.append(Note(kind="release_precision_dropped", fields=("serving.precision",)))
    return swapped, notes


def kernel_note(scenario: Scenario, inputs: Mapping[str, InputValue]) -> Note | None:
    """For a training plan on a card no training measurement calibrates, the note that says its days rest on
    another card's constants (estimate._kernel), with the held-out published runs on the card where the
    end-to-end sets have some (the recorded figures); None for a calibrated card or a serving-only plan.
    ``inputs``: the resolved inputs (``Estimate.inputs``). ``xlcompute compare`` adds it to the card's row;
    ``xlcompute estimate`` and ``xlcompute plan`` print it."""
    from xlcompute.core.spread import CARD_END_TO_END_RECORDED

    kernel = inputs["matmul_eff_max"].origin
    acc = scenario.cluster.accelerator
    if scenario.kind == "serving" or kernel is None or kernel.option != "extrapolated" or not isinstance(acc, str):
        return None
    card = catalog.get_gpu(acc)
    profile = str(kernel.extra)
    runs, median = CARD_END_TO_END_RECORDED.get(card.key, (0, 0.0))
    return Note(kind="kernel_extrapolated", borrowed=_CALIBRATION_CARDS.get(profile, profile),
                carried=carried_profile(card.key, card.architecture) is not None,
                mfu_assumed=scenario.assumptions.mfu is not None, e2e_runs=runs, e2e_median_pct=median)


def _alternative(scenario: Scenario, key: str) -> Alternative:
    from xlcompute.estimate import estimate

    card = catalog.get_gpu(key)
    deadline = scenario.train.deadline_days
    notes: list[Note] = []

    def run(free_layout: bool) -> Any:
        # A deadline, or a serving fleet, on each card: the cards it needs there, sized by the estimate
        # itself (estimate.cards_sized). A serving fleet the scenario gives is its own card's: that row keeps
        # it, the estimate of the plan (292 H20 given stayed 296 there, the demand's count).
        given_fleet = "cards" in scenario.cluster.model_fields_set and key == _own_key(scenario)
        sized = deadline is not None or (scenario.training is None and not given_fleet)
        sc, swap_notes = swapped_scenario(scenario, key, free_layout=free_layout, sized=sized)
        return estimate(sc), swap_notes

    try:
        try:
            r, swap = run(False)
            if (scenario.training is not None and scenario.layout_fixed and r["mem_fits"] < 0.5
                    and key != _own_key(scenario)):
                raise _LayoutNoFit("the scenario's layout does not fit in memory")
        except ValueError as exc:
            if not scenario.layout_fixed or key == _own_key(scenario):
                raise
            # The user's tp/pp were chosen for their card: let the planner choose for this one.
            r, swap = run(True)
            notes.append(Note(kind="planner_layout", tp=scenario.train.tp or 0, pp=scenario.train.pp or 0,
                              detail=" ".join(str(exc).split()), why=_reason(scenario, key, exc,
                                                                             scenario.cluster.cards)))
    except ValueError as exc:  # ScenarioError, PlannerError, a card without fp8, …
        why = _reason(scenario, key, exc, scenario.cluster.cards)
        return Alternative(accelerator=key, name=card.name, ok=False, reason=why.text, why=why)
    notes = swap + notes
    if deadline is not None and r["deadline_slip_days"] > 0:  # at training.deadline_confidence
        notes.append(Note(kind="deadline_missed", days=r["deadline_run_days"], deadline=deadline))
    tokens = r["train_tokens"]
    trains = scenario.training is not None  # a serving-only plan has no run: no days, MFU or run cost
    kernel = kernel_note(r.scenario, r.inputs)
    if kernel is not None:
        notes.append(kernel)
    if trains and r.serves and r["serving_cards"] > r["gpu_count"]:  # as the estimate's serving line says it
        notes.append(Note(kind="serving_short", serving_cards=int(r["serving_cards"]),
                          cluster_cards=int(r["gpu_count"])))
    return Alternative(
        accelerator=key, name=r.accelerator_name, ok=True, notes=notes,
        cards=int(r["gpu_count"]), train_days=r["train_days"] if trains else None,
        mfu=r["mfu"] if trains else None, predicted_mfu=r["predicted_mfu"] if trains else None,
        train_days_predicted_mfu=r["train_days_predicted_mfu"] if trains else None,
        serving_cards=int(r["serving_cards"]) if scenario.serving.users > 0 else None,
        layout=f"TP{int(r['tp'])}·CP{int(r['cp'])}·PP{int(r['pp'])}·DP{int(r['dp'])}"
               + (f" EP{int(r['ep'])}" if int(r["ep"]) > 1 else ""),
        mem_per_gpu_gb=r["mem_per_gpu_gb"], hbm_gb=r["gpu_hbm_gb"], mem_fits=r["mem_fits"] >= 0.5,
        it_power_kw=r["it_power_kw"], capex_total=r["capex_total"], total_budget=r["total_budget"],
        train_cost=r["train_cost"] if trains else None,
        cost_per_trillion_tokens=(cost.cost_per_tokens(r["train_cost"], tokens, TOKENS_PER_TRILLION)
                                  if trains else None),
        cost_per_trillion_tokens_predicted_mfu=(
            cost.cost_per_tokens(r["train_cost_predicted_mfu"], tokens, TOKENS_PER_TRILLION) if trains else None),
        cost_per_million_output_tokens=r["cost_per_million_tokens"] if scenario.serving.users > 0 else None,
        npv_own=r["npv_own"], npv_rent=r["npv_rent"], own_cheaper=r["own_cheaper"] >= 0.5,
        inputs={k: v.value for k, v in r.inputs.items()},
    )


def _own_name(scenario: Scenario) -> str:
    acc = scenario.cluster.accelerator
    return acc.name if isinstance(acc, CustomAccelerator) else catalog.get_gpu(acc).key


def _own_key(scenario: Scenario) -> str | None:
    acc = scenario.cluster.accelerator
    return None if isinstance(acc, CustomAccelerator) else catalog.get_gpu(acc).key


def compare(scenario: Scenario, accelerators: list[str] | None = None) -> Comparison:
    """The job of ``scenario`` on each of ``accelerators`` (catalog names; default: the scenario's
    card and the usual set of its currency). Raises :class:`ValueError` for an unknown card name or
    too many cards; a card that cannot run the job is a row with its reason."""
    # The proposal and the workbook of one scenario both show the comparison, and a planner
    # scenario's takes about a second: made once per process, each caller gets its own copy.
    return _compare(scenario, tuple(_card_keys(scenario, accelerators))).model_copy(deep=True)


@functools.lru_cache(maxsize=32)
def _compare(scenario: Scenario, keys: tuple[str, ...]) -> Comparison:
    import numpy as np

    from xlcompute.estimate import estimate

    from xlcompute._builtin import builtin_text

    titled = scenario
    try:
        planned = estimate(scenario)
        model_name, titled = planned.model_name, planned.scenario  # sized for a deadline or a serving demand
    except ValueError:  # the scenario's own card may be the one that cannot run it
        model_name = _model_name(scenario)
    # a scenario that names none gets the title the CLI, workbook and proposal give it, not "Scenario"
    name = builtin_text(titled, "name", "en") or scenario.name
    # Overflow warnings of extreme scenarios are not the comparison's business (the rows say it).
    with np.errstate(all="ignore"):
        rows = [_alternative(scenario, k) for k in keys]
    return Comparison(
        scenario_name=name, model_name=model_name, currency=scenario.pricing.currency,
        train_tokens=scenario.train.tokens, deadline_days=scenario.train.deadline_days,
        years=scenario.pricing.years, alternatives=rows,
    )


def _model_name(scenario: Scenario) -> str:
    spec = scenario.model
    if spec.preset is not None:
        return catalog.get_model(spec.preset).name
    return spec.arch.name  # type: ignore[union-attr]
