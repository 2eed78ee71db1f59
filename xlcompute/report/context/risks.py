"""The risk register: each risk follows from a figure of the estimate against a named
threshold (:mod:`.policy`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from markupsafe import Markup

from xlcompute import fmt
from xlcompute.core import spread
from xlcompute.core.cost import whole_server_cards
from xlcompute.estimate import SizedTry, sized_for_deadline
from xlcompute.planner.inputs import Execution
from xlcompute.planner.plan import PlanRow
from xlcompute.report.context._ctx import _Ctx, nobreak
from xlcompute.report.context.appendix import _catalog_rows
from xlcompute.report.context.comm_risk import bubble_risk, comm_risk
from xlcompute.report.context.layout_risk import given_layout_risk
from xlcompute.report.context.policy import (
    BUBBLE_WARN,
    COMM_SHARE_HIGH,
    COMM_SHARE_WARN,
    CHANCE_HIGH,
    CHANCE_MEDIUM,
    CONFIDENCE_ADVISED,
    LONG_RUN_DAYS,
    MEMORY_SHARE_WARN,
    MFU_GAP_HIGH,
    MFU_GAP_MEDIUM,
    MFU_GAP_NOTE,
    OWN_OVER_RENT_HIGH,
    PUBLISHED_MFU,
    QUARTER_DAYS,
    SLIP_SHARE_HIGH,
    SLIP_SHARE_MEDIUM,
)
from xlcompute.report.context.sections import _is_scenario_mfu, owning_never_pays
from xlcompute.report.context.validation import (
    biased_card_runs, borrowed_kernel_check, card_end_to_end_runs, validation_report,
)


def _severity(share: float, medium: float, high: float) -> int:
    """0 high, 1 medium, 2 low, by a share against two named thresholds."""
    return 0 if share > high else 1 if share > medium else 2


def mfu_gap(c: _Ctx) -> float | None:
    """The assumed MFU's gap to the step-time model's prediction, as a share of the prediction;
    None when no MFU is assumed or the model has no prediction."""
    r = c.r
    if r["mfu_assumed"] <= 0 or r["predicted_mfu"] <= 0:
        return None
    return abs(r["mfu_assumed"] - r["predicted_mfu"]) / r["predicted_mfu"]


def quarter_cards(c: _Ctx) -> float:
    """Cards that finish the run in a quarter: the graph's deadline steps with the quarter as the
    deadline (the same formula as a scenario's training.deadline_days)."""
    from xlcompute._graph import GRAPH

    inputs = {k: v.value for k, v in c.r.inputs.items()}
    given = {k: c.r[k] for k in ("mfu", "effective_ratio")}
    return float(GRAPH.run({**inputs, **given, "deadline_days": QUARTER_DAYS}, ["deadline_cards"])["deadline_cards"])


def quarter_plan(c: _Ctx) -> SizedTry | None:
    """The cards the deadline sizing plans for a quarter, at that count's own layout and MFU; None
    if it finds none."""
    return sized_for_deadline(c.r.scenario, QUARTER_DAYS)


def _deadline_mitigation(c: _Ctx) -> Any:
    """The cards that meet a missed deadline: those the sizing plans, else the count at the plan's MFU."""
    p = c.r.deadline_plan
    if c.r.deadline_out_of_reach():
        return c.t("mit_deadline_unreachable")
    if p is None:
        return c.t("mit_deadline", need=c.v("deadline_cards"), servers=c.v("deadline_servers"))
    return c.t("mit_deadline_planned", need=fmt.count(p.cards), servers=fmt.count(p.cards / c.r["cards_per_node"]),
               days=c.v_as(p.train_days, "train_days"))


def _deadline_chance_risk(c: _Ctx) -> tuple[int, Any, Any] | None:
    """A deadline the estimate meets that many of the Monte Carlo's draws miss; the mitigation is the
    cluster sized so that the run's P90 meets it (training.deadline_confidence 0.9)."""
    chance = c.ranges.deadline_chance
    if chance is None or chance >= CHANCE_MEDIUM or c.r["deadline_confidence"] >= CONFIDENCE_ADVISED:
        return None
    sev = 0 if chance < CHANCE_HIGH else 1
    risk = c.t("risk_deadline_chance", deadline=c.v("deadline_days"), chance=fmt.percent(chance, 0),
               p90=c.v_as(c.ranges.percentiles["train_days"].p90, "train_days"))
    train = c.r.scenario.train.model_copy(update={"deadline_confidence": CONFIDENCE_ADVISED})
    planned = sized_for_deadline(c.r.scenario.model_copy(update={"training": train}))
    if planned is None:
        return sev, risk, c.t("mit_deadline_chance_none", q=fmt.percent(CONFIDENCE_ADVISED, 0))
    return sev, risk, c.t("mit_deadline_chance", q=fmt.percent(CONFIDENCE_ADVISED, 0),
                          need=fmt.count(planned.cards), servers=fmt.count(planned.cards / c.r["cards_per_node"]),
                          days=c.v_as(planned.train_days, "train_days"))


def _serving_range_risk(c: _Ctx) -> tuple[int, Any, Any] | None:
    """The serving cards rest on the inference model, whose held-out throughput error the Monte Carlo
    spreads: the share of its draws the cluster's cards cover, and the cards serving.confidence 0.9 plans. Always
    shown for a serving fleet (Low when at least 80 % of the draws are covered); for a cluster that also
    trains, only when fewer are (its serving is a small share of its cards otherwise)."""
    sr = c.ranges.serving
    r = c.r
    if sr is None or r["serving_cards"] > r["gpu_count"]:  # no users, or the fleet falls short already
        return None
    if r.trains and sr.chance >= CHANCE_MEDIUM:
        return None
    sev = 0 if sr.chance < CHANCE_HIGH else 1 if sr.chance < CHANCE_MEDIUM else 2
    # The cards serving.confidence 0.9 plans (the estimate's serving cards × the margin, whole servers).
    margin = spread.confidence_margin(CONFIDENCE_ADVISED, r["serving_sigma"])
    need = float(whole_server_cards(r["serving_cards"] * margin, r["cards_per_node"]))
    risk = c.t("risk_serving_range", cards=fmt.count(sr.cluster_cards), chance=fmt.percent(sr.chance, 0),
               lo=fmt.number(sr.speed.p10, 2), hi=fmt.number(sr.speed.p90, 2), p90=fmt.count(sr.cards.p90))
    if need <= sr.cluster_cards:
        return sev, risk, c.t("mit_serving_util")
    return sev, risk, c.t("mit_serving_range", q=fmt.percent(CONFIDENCE_ADVISED, 0), need=fmt.count(need),
                          servers=fmt.count(need / r["cards_per_node"]))


def _schedule_risk(c: _Ctx) -> tuple[int, Any, Any] | None:
    """The run against its deadline, or against a quarter when no deadline is given."""
    r = c.r
    days, deadline = r["train_days"], r["deadline_days"]
    if deadline > 0:
        if r["deadline_slip_days"] <= 0:
            return _deadline_chance_risk(c)
        sev = _severity(r["deadline_slip_days"] / deadline, SLIP_SHARE_MEDIUM, SLIP_SHARE_HIGH)
        return (sev, c.t("risk_deadline", days=c.v("train_days"), deadline=c.v("deadline_days"),
                         conf=c.deadline_conf("risk_conf", run=c.v("deadline_run_days")),
                         slip=c.v("deadline_slip_days"), cards=c.v("gpu_count")),
                _deadline_mitigation(c))
    if days <= QUARTER_DAYS:
        return None
    sev = _severity((days - QUARTER_DAYS) / QUARTER_DAYS, SLIP_SHARE_MEDIUM, SLIP_SHARE_HIGH)
    risk = c.t("risk_quarter", days=c.v("train_days"), quarter=fmt.count(QUARTER_DAYS))
    planned = quarter_plan(c)
    if planned is None:
        return sev, risk, c.t("mit_quarter", need=fmt.count(quarter_cards(c)), quarter=fmt.count(QUARTER_DAYS))
    return sev, risk, c.t("mit_quarter_planned", need=fmt.count(planned.cards),
                          days=c.v_as(planned.train_days, "train_days"))


def _mfu_gap_mitigation(c: _Ctx) -> Markup:
    """Where the assumed MFU is above the prediction: the step it implies against the parts of the
    predicted step (the planner's breakdown: computation, exposed communication, bubble, the rest), so
    the reader sees what the assumption must remove; then the pilot run."""
    r = c.r
    if r["mfu_assumed"] <= r["predicted_mfu"]:
        return c.t("mit_mfu")
    step = r["predicted_step_seconds"]
    need = step * r["predicted_mfu"] / r["mfu_assumed"]  # the same model FLOPs per step at the assumed MFU
    compute = r["compute_seconds"] + r["recompute_seconds"]
    rest = step - compute - r["comm_exposed_seconds"] - r["pp_bubble_seconds"]
    s = "predicted_step_seconds"
    return c.sentences(
        c.t("mit_mfu_gap", mfu=c.v("mfu"), need=c.v_as(need, s), step=c.v(s), compute=c.v_as(compute, s),
            comm=c.v("comm_exposed_seconds"), bubble=c.v_as(r["pp_bubble_seconds"], s), rest=c.v_as(rest, s),
            below=c.t("mit_mfu_gap_below") if need < compute else ""),
        c.t("mit_mfu"))


def _rent_risk(c: _Ctx) -> tuple[int, Markup, Markup]:
    """Renting the planned work costs less than owning: High when owning costs more than
    :data:`OWN_OVER_RENT_HIGH` times as much; the mitigation says, as the recommendation does, whether more
    work could make owning pay (the graph's break-even utilisation) or only a lower price could."""
    r = c.r
    ratio = r["npv_own"] / r["npv_rent"] if r["npv_rent"] > 0 else float("inf")
    risk = c.t("risk_rent_cheaper", years=c.v("years"), cloud=c.va("npv_rent"), budget=c.va("npv_own"),
               times=fmt.ratio(ratio), util=c.v("planned_utilisation"))
    if owning_never_pays(r):
        mitigation = c.t("mit_rent_cheaper_never", price=c.v("rent_price_per_hour"))
    else:
        mitigation = c.t("mit_rent_cheaper", share=c.v("break_even_utilisation"), years=c.v("years"))
    return (0 if ratio > OWN_OVER_RENT_HIGH else 1), risk, mitigation


def _risks(c: _Ctx, mem: dict[str, Any]) -> list[dict[str, Any]]:
    r = c.r
    risks: list[dict[str, Any]] = []

    def add(sev: int, risk: Markup, mitigation: Markup) -> None:
        risks.append({"rank": sev, "severity": c.t(("sev_high", "sev_medium", "sev_low")[sev]),
                      "level": ("high", "medium", "low")[sev], "risk": risk, "mitigation": mitigation})

    if r.serves and r["serving_cards"] > r["gpu_count"]:
        add(0, c.t("risk_serving_short", users=c.v("users"), need=c.v("serving_cards"), cards=c.v("gpu_count")),
            c.t("mit_serving_short", need=c.v("serving_cards")))
    if r.serves and (r["ttft"] > r["ttft_target_s"] or r["tpot"] > r["tpot_target_s"]):
        add(0, c.t("risk_serving_targets", accelerator=r.accelerator_name, ttft_target=c.v("ttft_target_s"),
                   tpot_target=c.v("tpot_target_s"), ttft=c.v("ttft"), tpot=c.v("tpot")),
            c.t("mit_serving_targets"))
    if r.trains:
        _training_risks(c, mem, add)
    serving = _serving_range_risk(c)
    if serving is not None:
        add(*serving)

    unofficial = [row["name"] for row in _catalog_rows(c) if row["unofficial"]]
    if unofficial:
        add(1, c.t("risk_unofficial", names=", ".join(unofficial)), c.t("mit_unofficial"))
    if r.trains and r.plan is not None and r.plan.widened:  # nothing the validation covers fits
        ex = r.plan.best[0].execution
        kinds = [c.t(f"risk_off_{k}") for k in ("optimizer", "weights", "activations") if k in ex.offloaded]
        add(1, c.t("risk_widened", zero=fmt.count(ex.zero_stage), cards=c.v("gpu_count"),
                   offload=c.t("risk_widened_offload", kinds=Markup(c.t("risk_list_sep")).join(kinds)) if kinds else ""),
            c.t("mit_widened"))
    # A figure the maker does not publish, planned on the estimate's flagged assumption.
    tdp = r.inputs["gpu_tdp_w"].origin
    if tdp is not None and tdp.extra == "tdp_assumed":
        add(2, c.t("risk_tdp_assumed", accelerator=r.accelerator_name, watts=fmt.count(tdp.numbers[0]),
                   ref=tdp.option), c.t("mit_tdp_assumed"))
    fp32 = r.inputs["gpu_fp32_tflops"].origin
    weight_only = "serving_dequant_ops" in r.inputs and r.inputs["serving_dequant_ops"].value > 0
    if weight_only and r["serving_cards"] > 0 and fp32 is not None and fp32.extra == "fp32_assumed":
        add(2, c.t("risk_fp32_assumed", accelerator=r.accelerator_name, tflops=fmt.plain(round(fp32.numbers[0], 1)),
                   ref=fp32.option), c.t("mit_fp32_assumed"))
    link = r.inputs["intra_node_gbs"].origin
    if r.trains and link is not None and link.extra == "link_assumed":
        add(2, c.t("risk_link_assumed", accelerator=r.accelerator_name, gbs=fmt.plain(link.numbers[0])),
            c.t("mit_link_assumed"))
    borrowed = _borrowed_kernel_risk(c)
    if borrowed is not None:
        add(*borrowed)
    else:  # a card with its own constants (or borrowed ones not yet tested) whose held-out runs it missed one way
        biased = _card_bias_risk(c) or _card_end_to_end_risk(c)
        if biased is not None:
            add(*biased)

    if r["own_cheaper"] < 0.5:  # the same verdict as the recommendation (present values, same work)
        add(*_rent_risk(c))

    add(1, c.t("risk_vendor", cards=c.v("gpu_count"), accelerator=r.accelerator_name),
        c.t("mit_vendor", rent=c.v("price_per_gpu_hour")))

    if r.trains and r["train_days"] > LONG_RUN_DAYS and round(r["interruptions"]) >= 1:
        # The interruptions, interval and restart as the schedule's goodput paragraph prints them.
        add(2, c.t("risk_long_run" if round(r["interruptions"]) > 1 else "risk_long_run_one", days=c.v("train_days"),
                   cards=c.v("gpu_count"), hours=c.v("gpu_hours"),
                   interruptions=fmt.expected(r["interruptions"]), mtbf=c.v("job_mtbf_hours")),
            c.t("mit_long_run", interval=fmt.number(r["checkpoint_interval_seconds"], 0),
                restart=fmt.number(r["restart_seconds"], 0), ettr=c.v("effective_ratio"),
                rate=nobreak(c.v("failures_per_card_hour"))))
    risks.sort(key=lambda x: x["rank"])  # stable: keeps the order above within a severity
    return risks


def days_at_bias(c: _Ctx, signed_pct: float) -> float:
    """The step-time model's days for the plan (at its predicted MFU) read against held-out runs missed by
    ``signed_pct`` on average: days / (1 + signed error), the figure every bias risk and the recommendation give."""
    return c.r["train_days_predicted_mfu"] / (1 + signed_pct / 100)


def bias_severity(signed_pct: float) -> int:
    """Severity of a step-time bias measured on held-out runs, by how far it moves the schedule
    (days / (1 + signed) against days), against the MFU gap's thresholds: an assumed MFU and a
    biased prediction move the days alike."""
    return _severity(abs(1 / (1 + signed_pct / 100) - 1), MFU_GAP_MEDIUM, MFU_GAP_HIGH)


def _borrowed_check(c: _Ctx) -> tuple[str, Any, tuple[int, float, float]] | None:
    """A training plan whose card's generation borrows another's kernel constants and was tested on held-out runs:
    the generation, the kernel input's origin and (runs, mean |error| %, mean signed error %); None otherwise."""
    r = c.r
    kernel = r.inputs["matmul_eff_max"].origin
    if not r.trains or kernel is None or kernel.option != "extrapolated":
        return None
    from xlcompute import catalog

    acc = r.scenario.cluster.accelerator
    arch = catalog.get_gpu(acc).architecture if isinstance(acc, str) else ""
    check = borrowed_kernel_check(arch)
    return None if check is None else (arch, kernel, check)


def schedule_bias(c: _Ctx) -> tuple[Literal["borrowed", "card", "e2e"], float] | None:
    """Which held-out runs a training plan's schedule should be read against, and their signed error (%): its
    generation's step times where it borrows another's constants (the borrowed-kernel risk), else its own card's
    step times where they were missed one way (the card-bias risk), else, on a card no step time tests, the median
    of its published end-to-end runs (the card's end-to-end risk); None when no such risk stands."""
    borrowed = _borrowed_check(c)
    if borrowed is not None:
        return "borrowed", borrowed[2][2]
    runs = biased_card_runs(c)
    if runs is not None:
        return "card", runs.mean_signed_error_pct
    e2e = card_end_to_end_runs(c)
    return None if e2e is None else ("e2e", e2e.median_signed_pct)


def _borrowed_kernel_risk(c: _Ctx) -> tuple[int, Markup, Markup] | None:
    """A training plan on a card whose generation borrows another's kernel constants and was tested on
    held-out runs (Blackwell: step_runs_11.yaml): how far those runs were off, and the schedule at that
    average error (days / (1 + signed error))."""
    r = c.r
    borrowed = _borrowed_check(c)
    if borrowed is None:
        return None
    arch, kernel, (n, mean_abs, signed) = borrowed
    # the step-time model's days (the predicted MFU's), whether or not the plan assumes an MFU
    days = days_at_bias(c, signed)
    return (bias_severity(signed),
            c.t("risk_borrowed_kernel", accelerator=r.accelerator_name, generation=arch.capitalize(),
                profile=str(kernel.extra).capitalize(), n=fmt.count(n), abs=fmt.percent(mean_abs / 100),
                mag=fmt.percent(abs(signed) / 100), dir=c.t("risk_dir_short" if signed < 0 else "risk_dir_long"),
                days=c.v("train_days_predicted_mfu"), adj_days=fmt.days(days)),
            c.t("mit_borrowed_kernel", accelerator=r.accelerator_name))


def _card_bias_risk(c: _Ctx) -> tuple[int, Markup, Markup] | None:
    """A training plan on a card whose own held-out runs (their systems name it) the step-time model missed by more
    than :data:`CARD_BIAS_WARN_PCT` on average in one direction: the bias, and the schedule at it (days / (1 + signed
    error)), as for a borrowed generation."""
    r = c.r
    runs = biased_card_runs(c)
    if runs is None:
        return None
    signed = runs.mean_signed_error_pct
    days = days_at_bias(c, signed)
    return (bias_severity(signed),
            c.t("risk_card_bias", accelerator=r.accelerator_name, n=fmt.count(runs.held_out),
                abs=fmt.percent(runs.mean_abs_error_pct / 100), mag=fmt.percent(abs(signed) / 100),
                dir=c.t("risk_dir_short" if signed < 0 else "risk_dir_long"),
                days=c.v("train_days_predicted_mfu"), adj_days=fmt.days(days)),
            c.t("mit_borrowed_kernel", accelerator=r.accelerator_name))


def _card_end_to_end_risk(c: _Ctx) -> tuple[int, Markup, Markup] | None:
    """A training plan on a card no step time calibrates, whose held-out published pre-training runs (Appendix B)
    took more or fewer card-hours than the tool predicted: the median ratio, and the schedule at it (days / (1 +
    median signed error)), rated as a step-time bias is."""
    r = c.r
    e2e = card_end_to_end_runs(c)
    if e2e is None:
        return None
    days = days_at_bias(c, e2e.median_signed_pct)
    return (bias_severity(e2e.median_signed_pct),
            c.t("risk_card_e2e", accelerator=r.accelerator_name, n=fmt.count(e2e.runs),
                times=fmt.number(e2e.times, 1), days=c.v("train_days_predicted_mfu"), adj_days=fmt.days(days)),
            c.t("mit_borrowed_kernel", accelerator=r.accelerator_name))


class _Roomier(NamedTuple):
    """A ranked layout with more memory headroom than the chosen one, and what it costs."""

    execution: Execution
    rank: int
    share: float  # of the card's HBM
    mem_bytes: float  # per card
    slower: float  # time per sequence over the chosen layout's, minus 1


def _roomier_layout(c: _Ctx) -> _Roomier | None:
    """Where the planner chose a layout that leaves little memory: the fastest of its other ranked layouts under
    :data:`MEMORY_SHARE_WARN` of HBM, with its rank, share, bytes per card and time per sequence over the chosen
    one's (the planner ranks by time per sequence: batches differ between layouts); None if none of them is."""
    r = c.r
    if r.plan is None or r.scenario.layout_fixed or len(r.plan.best) < 2:
        return None
    hbm = r["hbm_bytes"]

    def per_sequence(row: PlanRow) -> float:
        return row.result.predicted_step_seconds / row.execution.global_batch

    first = r.plan.best[0]
    for row in r.plan.best[1:]:
        if row.result.mem_fits >= 0.5 and row.result.mem_per_gpu <= MEMORY_SHARE_WARN * hbm:
            return _Roomier(row.execution, row.rank, row.result.mem_per_gpu / hbm, row.result.mem_per_gpu,
                            per_sequence(row) / per_sequence(first) - 1)
    return None


def _roomier_words(c: _Ctx, roomy: _Roomier) -> Markup:
    ex = roomy.execution
    return c.t("mit_mem_roomier", layout=fmt.layout_text(ex.tp, ex.cp, ex.pp, ex.dp, ex.ep, c.lang),
               mb=fmt.count(ex.micro_batch), recompute=(c.t("mem_rc_partial", k=ex.recompute_layers) if ex.recompute_layers
                          else c.t(f"mem_rc_{ex.recompute}")), zero=ex.zero_stage,
               rank=roomy.rank, share=fmt.percent(roomy.share), mem=fmt.gb(roomy.mem_bytes),
               slower=fmt.percent(roomy.slower))


def _training_risks(c: _Ctx, mem: dict[str, Any], add: Callable[[int, Markup, Markup], None]) -> None:
    """The training run's risks: memory, communication, schedule, MFU and pipeline bubble."""
    r, s = c.r, c.r.sensitivity
    hbm = fmt.gb(r["hbm_bytes"], 0)
    if not mem["fits"]:
        add(0, c.t("risk_mem_nofit", mem=fmt.gb(mem["planned_bytes"]), hbm=hbm), c.t("mit_mem"))
    elif mem["planned_share"] > MEMORY_SHARE_WARN:
        roomy = _roomier_layout(c)
        mitigation = c.t("mit_mem") if roomy is None else _roomier_words(c, roomy)
        if r.plan is not None and not r.scenario.layout_fixed:  # the planner chose the layout: it can keep more free
            mitigation = c.sentences(mitigation, c.t("mit_mem_reserve", reserve=fmt.number(r["framework_reserve_gb"], 1)))
        add(1, c.t("risk_mem_tight", share=fmt.percent(mem["planned_share"]), mem=fmt.gb(mem["planned_bytes"]),
                   hbm=hbm), mitigation)

    share = r["comm_share_of_step"]
    if share > COMM_SHARE_WARN:
        add(0 if share > COMM_SHARE_HIGH else 1, *comm_risk(c))

    sched = _schedule_risk(c)
    if sched is not None:
        add(*sched)

    given = given_layout_risk(c)
    if given is not None:
        add(*given)

    # The assumed MFU against the step-time model's own prediction for the layout: days and money.
    gap = mfu_gap(c)
    gap_shown = gap is not None and gap > MFU_GAP_NOTE
    if gap_shown:
        add(_severity(gap, MFU_GAP_MEDIUM, MFU_GAP_HIGH),
            c.t("risk_mfu_gap", mfu=c.v("mfu"), predicted=c.v("predicted_mfu"), days=c.v("train_days"),
                pdays=c.v("train_days_predicted_mfu"), cost=c.va("train_cost"),
                pcost=c.va("train_cost_predicted_mfu")),
            _mfu_gap_mitigation(c))

    # MFU against published results, with the schedule at a lower MFU from the sensitivity table.
    low, high, _src = PUBLISHED_MFU
    mfu = r["mfu"]
    lower = [j for j, m in enumerate(s.mfus) if m < mfu and not _is_scenario_mfu(m, mfu)]
    if lower:
        j = lower[-2] if len(lower) >= 2 else lower[-1]
        i = s.cards.index(int(r["gpu_count"])) if int(r["gpu_count"]) in s.cards else None
        if i is not None and c.r.scenario.assumptions.mfu is None:
            # Predicted by the step-time model: the risk is the model's error, not a guess.
            add(2, c.t("risk_mfu_predicted", mfu=c.v("mfu"),
                       held=fmt.percent(validation_report().extended_held_out_mean_abs_error_pct / 100),
                       alt_mfu=fmt.percent(s.mfus[j], 0), alt_days=fmt.days(s.days[i][j]), days=c.v("train_days")),
                c.t("mit_mfu"))
        elif i is not None:
            key = "risk_mfu_high" if mfu > high else "risk_mfu_ok"
            if key == "risk_mfu_ok" and gap_shown:
                key = ""  # the gap risk above already says what this assumption is worth
            if key:
                add(0 if mfu > high else 2,
                    c.t(key, mfu=c.v("mfu"), low=fmt.percent(low, 0), high=fmt.percent(high, 0),
                        alt_mfu=fmt.percent(s.mfus[j], 0), alt_days=fmt.days(s.days[i][j]),
                        days=c.v("train_days")),
                    c.t("mit_mfu"))

    if r["pipeline_bubble"] > BUBBLE_WARN + 1e-9:
        add(1, *bubble_risk(c))
