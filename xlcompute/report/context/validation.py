"""The planner subsection and the validation appendix: the layouts the step-time model ranked
and how well the model predicts published runs (``xlcompute validate``)."""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from typing import Any, NamedTuple

from markupsafe import Markup

from xlcompute import catalog, fmt
from xlcompute.core import arith, spread
from xlcompute.core.spread import range_is_narrow
from xlcompute.end_to_end import FIRST_PREDICTION, EndToEndSets, validate_end_to_end_sets
from xlcompute.estimate import PlanReport
from xlcompute.planner.inputs import ARCHITECTURE_PROFILES, SOFTWARE_STACKS
from xlcompute.planner.validation import ValidationReport, validate
from xlcompute.planner.validation.cards import CARD_NAMES, CardRuns, card_name, card_runs, cards_named, names_card
from xlcompute.planner.validation.data import POST_HOC_CALIBRATION_SETS
from xlcompute.planner.validation.repeats import summarise_repeats
from xlcompute.report.context._ctx import _Ctx, nowrap
from xlcompute.report.context.policy import BLIND_SET, CARD_BIAS_WARN_PCT, HELD_OUT_TARGET_PCT, PLAN_ROWS_SHOWN
from xlcompute.sources import OPTION_ZH



# --- layout planner and its validation (issue 6) -----------------------------------------------


@functools.cache
def end_to_end_report() -> EndToEndSets:
    """``xlcompute validate``'s end-to-end tables, computed once per process (scenario-independent)."""
    return validate_end_to_end_sets()


def end_to_end_appendix(c: _Ctx) -> dict[str, Any]:
    """The end-to-end card-hours of the published runs typed as a finance user types them: the
    held-out fourth, third and second sets first, then the first set (every run fitted on)."""
    sets = end_to_end_report()
    first, second, third, fourth = sets.first, sets.second, sets.third, sets.fourth
    rows = [{
        "id": r.id, "role": c.t("val_role_calibration" if r.fitted else "val_role_preregistered"),
        "card": r.accelerator, "cards": fmt.count(r.cards), "published": fmt.hours(r.published_gpu_hours),
        "predicted": "—" if r.predicted_gpu_hours is None else fmt.hours(r.predicted_gpu_hours),
        "error": "—" if r.error_pct is None else fmt.signed_percent(r.error_pct),
        "held_out": not r.fitted,
        "range": "—" if r.range_position is None else c.t(f"e2e_range_{r.range_position}"),
    } for r in (*fourth.rows, *third.rows, *second.rows, *first.rows)]
    fp = FIRST_PREDICTION
    summary = c.t("e2e_text", n_held=fmt.count(second.held_out_count),
              failures=fmt.count(sum(x.failures for x in (first, *sets.held_out_reports))),
              median=fmt.percent(second.held_out_median_abs_error_pct / 100),
              max=fmt.percent(second.held_out_max_abs_error_pct / 100),
              signed=fmt.signed_percent(second.held_out_median_signed_error_pct),
              band=fmt.percent(sets.held_out_median_abs_error_pct / 100),
              n_third=fmt.count(third.held_out_count),
              median3=fmt.percent(third.held_out_median_abs_error_pct / 100),
              max3=fmt.percent(third.held_out_max_abs_error_pct / 100),
              excluded=fmt.count(sum(len(x.excluded) for x in (first, *sets.held_out_reports))),
              n_fit=fmt.count(len(first.rows)), cal=fmt.percent(first.calibration_median_abs_error_pct / 100),
              eff=fmt.number(SOFTWARE_STACKS["typical"], 3),
              first_n=fmt.count(fp["held_out"]), first_median=fmt.percent(fp["median_abs_error_pct"] / 100),
              first_max=fmt.percent(fp["max_abs_error_pct"] / 100))
    fourth_text = c.t("e2e_text_fourth", n=fmt.count(fourth.held_out_count),
                      median=fmt.percent(fourth.held_out_median_abs_error_pct / 100),
                      max=fmt.percent(fourth.held_out_max_abs_error_pct / 100),
                      signed=fmt.signed_percent(fourth.held_out_median_signed_error_pct))
    return {"rows": rows, "text": c.sentences(summary, fourth_text, c.t("e2e_coverage", **coverage_args()))}


def coverage_args() -> dict[str, str]:
    """The held-out runs' P10–P90 coverage as the proposal prints it (uncertainty section and
    Appendix B read the same figures): runs, inside, share, above P90, below P10."""
    cov = end_to_end_report().held_out_coverage
    return {"n": fmt.count(cov.runs), "inside": fmt.count(cov.inside), "share": fmt.percent(cov.share, 0),
            "above": fmt.count(cov.above), "below": fmt.count(cov.below)}


def coverage_is_narrow() -> bool:
    """The held-out coverage makes the range narrower than its label (core.spread.range_is_narrow)."""
    cov = end_to_end_report().held_out_coverage
    return range_is_narrow(cov.inside, cov.runs, cov.above)


@functools.cache
def moe_validation_report() -> Any:
    """``xlcompute validate``'s mixture-of-experts step-time rows, computed once per process: the
    rows of moe_runs.yaml, then the held-out rows of each later pre-registered set."""
    from xlcompute.planner.validation.moe import MOE_LATER_SETS, load_moe, validate_moe

    first = validate_moe()
    later = [r for path in MOE_LATER_SETS for r in validate_moe(load_moe(path)).rows if r.role == "held_out"]
    return first.model_copy(update={"rows": [*first.rows, *later]})


def moe_held_out() -> tuple[int, float, float]:
    """Every held-out MoE step-time row (all pre-registered sets): count, mean and max |error| (%)."""
    errs = [abs(r.error_pct) for r in moe_validation_report().rows if r.role == "held_out"]
    return len(errs), sum(errs) / len(errs), max(errs)


def _is_moe(c: _Ctx) -> bool:
    return c.r["experts"] > 0


@functools.cache
def moe_end_to_end_report() -> Any:
    """``xlcompute validate``'s mixture-of-experts end-to-end rows, computed once per process."""
    from xlcompute.end_to_end import validate_moe_end_to_end

    return validate_moe_end_to_end()


def moe_appendix(c: _Ctx) -> dict[str, Any] | None:
    """For a mixture-of-experts plan: the MoE step-time rows and the MoE end-to-end rows of
    ``xlcompute validate`` (moe_runs.yaml), the evidence behind its MFU; None for a dense plan."""
    if not _is_moe(c):
        return None
    m = moe_validation_report()
    n_held, held, held_max = moe_held_out()
    roles = {"calibration": c.t("val_role_calibration"), "held_out": c.t("val_role_preregistered"),
             "blind": c.t("val_role_blind")}
    steps = [{"id": r.id, "role": roles[r.role], "held_out": r.role == "held_out", "card": r.accelerator,
              "precision": r.precision, "measured": fmt.number(r.measured, 2), "predicted": fmt.number(r.predicted, 2),
              "error": fmt.signed_percent(r.error_pct)} for r in m.rows]
    e2e = [{"id": r.id, "role": roles.get(r.role, r.role), "held_out": True, "card": r.accelerator,
            "cards": fmt.count(r.cards), "published": fmt.hours(r.published_gpu_hours),
            "predicted": "—" if r.predicted_gpu_hours is None else fmt.hours(r.predicted_gpu_hours),
            "error": "—" if r.error_pct is None else fmt.signed_percent(r.error_pct)} for r in moe_end_to_end_report()]
    fixed = c.r.scenario.layout_fixed  # the rows' layouts are the planner's; this plan's is the scenario's own
    text = c.t("moe_val_text", n_cal=fmt.count(sum(r.role == "calibration" for r in m.rows)),
               cal=fmt.percent(m.calibration_mean_abs_error_pct / 100),
               n_held=fmt.count(n_held), held=fmt.percent(held / 100),
               held_max=fmt.percent(held_max / 100), as_this="" if fixed else c.t("moe_val_as_this"))
    if fixed:
        text = c.sentences(text, c.t("moe_val_layout_given", layout=c.layout()))
    return {"steps": steps, "end_to_end": e2e, "text": text}


@functools.cache
def validation_report() -> ValidationReport:
    """``xlcompute validate`` without the layout search, computed once per process: it depends
    only on the committed validation file and the step-time model, not on the scenario."""
    return validate(search=False)


def borrowed_kernel_check(architecture: str) -> tuple[int, float, float] | None:
    """How the step-time model did on the held-out training runs of a chip generation that borrows
    another generation's kernel constants (planner.inputs.ARCHITECTURE_PROFILES): (rows, mean |error| %,
    mean signed error %); None when the generation has its own constants or no held-out run."""
    if not architecture or ARCHITECTURE_PROFILES.get(architecture, "ampere") == architecture:
        return None
    errs = [r.error_pct for r in validation_report().external_rows
            if r.role == "held_out" and r.architecture == architecture]
    if not errs:
        return None
    return len(errs), sum(abs(e) for e in errs) / len(errs), sum(errs) / len(errs)


def _card_accuracy(c: _Ctx) -> Markup:
    """The plan's card on its own: how far the held-out runs measured on it were, or that none was."""
    acc = c.r.scenario.cluster.accelerator
    runs = card_runs(validation_report(), acc) if isinstance(acc, str) else None
    if runs is None:
        name = c.r.accelerator_name
    else:
        name = next(zh if c.lang == "zh" else en for n, en, zh in CARD_NAMES if n == runs.name)
    if c.lang == "zh":  # spaced from the Chinese words around it, as the sentence's other Latin text
        name = (" " if name[0].isascii() else "") + name + " "
    if runs is None or not runs.held_out:
        calibration = runs.calibration if runs else 0
        return c.t("plan_accuracy_card_fitted" if calibration else "plan_accuracy_no_card", card=name,
                   n=fmt.count(calibration))
    signed = runs.mean_signed_error_pct
    held = c.t("plan_accuracy_card", card=name, n=fmt.count(runs.held_out),
               abs=fmt.percent(runs.mean_abs_error_pct / 100), mag=fmt.percent(abs(signed) / 100),
               dir=c.t("risk_dir_short" if signed < 0 else "risk_dir_long"))
    fitted = runs.calibration_errors_pct
    if not fitted:
        return held
    return held + c.t("plan_accuracy_card_cal", n=fmt.count(len(fitted)),
                      abs=fmt.percent(sum(abs(e) for e in fitted) / len(fitted) / 100))


def serving_accuracy(c: _Ctx) -> Markup | str:
    """The method appendix's sentence on how far the serving figures hold: the pooled held-out errors, the
    same numbers ``xlcompute validate --serving`` prints (empty for a plan without serving)."""
    if not c.r.serves:
        return ""
    from xlcompute.serving_validation import POOLED_HELD_OUT, SERVING_SETS

    p = POOLED_HELD_OUT
    pct = {m: fmt.percent(p[m][1] / 100) for m in p}
    return c.t("method_serving_accuracy", sets=fmt.count(len(SERVING_SETS)), ttft=pct["ttft"], tpot=pct["tpot"],
               thr=pct["throughput"], n_ttft=fmt.count(p["ttft"][0]), n_tpot=fmt.count(p["tpot"][0]),
               n_thr=fmt.count(p["throughput"][0]))


def _ep_note(c: _Ctx, best: Any, ep: int) -> Markup:
    """Why a MoE plan's layout splits the experts as it does, in its own figures (issue 15: the layout the
    planner picks is explained): experts per card, the EP group's reach, the all-to-all and what of it is hidden."""
    group, per_node = c.r["ep_group_cards"], c.r["cards_per_node"]
    servers = math.ceil(group / per_node)
    where = (c.t("plan_ep_within") if servers <= 1 else c.t("plan_ep_across", servers=fmt.count(servers)))
    return c.t("plan_ep_note", ep=fmt.count(ep), per_card=fmt.plain(c.r["experts"] / ep, 2),
               experts=fmt.count(c.r["experts"]), params=fmt.big_count(best.expert_params_per_gpu, c.lang),
               group=fmt.count(group), where=where, a2a=fmt.number(best.ep_seconds_per_step, 2),
               hidden=fmt.percent(c.r["a2a_overlap"]), exposed=fmt.number(best.ep_comm_exposed_seconds, 2),
               share=fmt.percent(float(arith.ratio(best.ep_comm_exposed_seconds, best.predicted_step_seconds))))


def _validation_sentence(c: _Ctx) -> Markup:
    gap = c.gap
    v = validation_report()
    blind = _blind_set(v)
    # Every run the constants were fitted on, not only the first fit's (the 910B's own constant rests on 51 more).
    fitted = [abs(r.error_pct) for r in (*v.rows, *v.external_rows) if r.role == "calibration"]
    return c.t("plan_accuracy", held=fmt.percent(v.extended_held_out_mean_abs_error_pct / 100),
               held_max=fmt.percent(v.extended_held_out_max_abs_error_pct / 100),
               n_held=fmt.count(v.extended_held_out_count),
               n_cal=fmt.count(len(fitted)), cal=fmt.percent(sum(fitted) / len(fitted) / 100),
               n_first=fmt.count(sum(r.role == "calibration" for r in v.rows)),
               first=fmt.percent(v.calibration_mean_abs_error_pct / 100),
               n_blind=fmt.count(blind.included if blind else 0),
               blind=fmt.percent((blind.mean_abs_error_pct if blind else float("nan")) / 100)) + gap + (
        _card_accuracy(c)) + (gap + _moe_accuracy(c) if _is_moe(c) else _microbatch_accuracy(c, gap))


#: A plan whose replicas run this many micro-batches per step or fewer quotes the held-out runs that ran as few
#: (``xlcompute validate``'s line by micro-batches per replica, planner.validation.run.by_microbatches).
FEW_MICROBATCHES = 16
MANY_MICROBATCHES = 32


def _microbatch_accuracy(c: _Ctx, gap: Markup) -> Markup:
    """For a dense plan whose data-parallel replicas run few micro-batches per step: the held-out runs that ran as
    few, on which the model misses more than on those that ran many (the per-step terms weigh more)."""
    m = float(c.r["grad_accum"])
    if m > FEW_MICROBATCHES:
        return Markup("")
    from xlcompute.planner.validation.run import microbatch_errors

    v = validation_report()
    held = [r for r in [*v.rows, *v.external_rows] if r.role == "held_out"]
    n_few, few, _ = microbatch_errors(held, 0, FEW_MICROBATCHES)
    n_many, many, _ = microbatch_errors(held, MANY_MICROBATCHES, math.inf)
    if not n_few or not n_many:
        return Markup("")
    return gap + c.t("plan_accuracy_microbatches", m=c.v("grad_accum"), few_max=fmt.count(FEW_MICROBATCHES),
                     n=fmt.count(n_few), few=fmt.percent(few / 100),
                     many_min=fmt.count(MANY_MICROBATCHES), many=fmt.percent(many / 100))


def _moe_accuracy(c: _Ctx) -> Markup:
    """For a mixture-of-experts model: the MoE rows' held-out error, which the dense figures above
    do not describe."""
    n, held, held_max = moe_held_out()
    return c.t("plan_accuracy_moe", n=fmt.count(n), held=fmt.percent(held / 100),
               held_max=fmt.percent(held_max / 100))


def _blind_set(v: ValidationReport) -> Any:
    """The pre-registered set predicted blind (meg21_table2), or None when it is not loaded."""
    return next((x for x in v.preregistered_sets if x.name == BLIND_SET), None)


def plan_section(c: _Ctx) -> dict[str, Any] | None:
    """The planner's subsection of the compute part, or ``None`` when the scenario fixed layout
    and MFU (no plan). Every number is the plan report's, formatted by :mod:`xlcompute.fmt`."""
    plan: PlanReport | None = c.r.plan
    if plan is None or not plan.best:
        return None
    sc = c.r.scenario
    yes, no = str(c.t("yes")), str(c.t("no"))
    rows = []
    shown = plan.best[:PLAN_ROWS_SHOWN]
    for row in shown:
        ex, res = row.execution, row.result
        rows.append({
            "rank": row.rank, "tp": fmt.count(ex.tp), "cp": fmt.count(ex.cp), "pp": fmt.count(ex.pp),
            "dp": fmt.count(ex.dp), "ep": fmt.count(ex.ep), "batch": fmt.count(ex.global_batch),
            "mb": fmt.count(ex.micro_batch), "v": fmt.count(ex.interleave),
            "rc": (c.t("rc_partial_table", k=fmt.count(ex.recompute_layers)) if ex.recompute_layers
                   else c.t(f"rc_{ex.recompute}")), "sp": yes if ex.sequence_parallel else no,
            "zero": fmt.count(ex.zero_stage), "step": fmt.number(res.predicted_step_seconds, 2),
            "mfu": fmt.percent(res.predicted_mfu), "mem": fmt.gb(res.mem_per_gpu).removesuffix(" GB"),
            "offload": ("、" if c.lang == "zh" else ", ").join(str(c.t(f"off_{k}")) for k in ex.offloaded)
            or str(c.t("off_none")),
        })
    # CP, EP and offload columns only when a listed layout uses them; the global batch always (the
    # ranking is by time per sequence and each layout rounds the batch); widths in % of the table.
    show_cp = any(row.execution.cp > 1 for row in shown)
    show_ep = any(row.execution.ep > 1 for row in shown)
    show_offload = any(row.execution.offloaded for row in shown)
    weights = [4, 5] + [5] * show_cp + [5, 6] + [5] * show_ep + [8, 7, 9, 11, 5, 6] + [13] * show_offload + [8, 7, 8]
    col_widths = [round(100 * w / sum(weights), 1) for w in weights]
    col_widths[-1] = round(100 - sum(col_widths[:-1]), 1)
    best = plan.best[0].result
    parts = (
        ("bd_compute", best.compute_seconds), ("bd_recompute", best.recompute_seconds),
        ("bd_bubble", best.pp_bubble_seconds), ("bd_p2p", best.pp_comm_seconds),
        ("bd_tp", best.tp_comm_exposed_seconds), ("bd_dp", best.dp_comm_exposed_seconds),
        ("bd_optimizer", best.optimizer_seconds),
    )
    # the parts add up to the step: the steady step's parts, then what the stragglers of this many
    # servers add on top of it (predicted = steady x straggler factor)
    for key, seconds in (("bd_cp", best.cp_comm_exposed_seconds), ("bd_ep", best.ep_comm_exposed_seconds),
                         ("bd_offload_blocks", best.offload_exposed_seconds), ("bd_offload", best.offload_seconds),
                         ("bd_straggler", best.predicted_step_seconds - best.steady_step_seconds)):
        if seconds > 0:
            parts += ((key, seconds),)
    breakdown = [
        {"label": c.t(k, factor=fmt.number(best.straggler_factor, 3)) if k == "bd_straggler" else c.t(k),
         "seconds": fmt.number(v, 3),
         "share": fmt.percent(float(arith.ratio(v, best.predicted_step_seconds)))}
        for k, v in parts
    ]
    searched = plan.candidates_evaluated > 1
    layout_open, mfu_open = not sc.layout_fixed, sc.assumptions.mfu is None
    ex0 = plan.best[0].execution
    intro_key = "plan_intro_search" if searched else "plan_intro_fixed"
    # the stack's name in the reader's words, its option name kept in brackets (OPTION_ZH)
    software = OPTION_ZH.get(sc.train.software, sc.train.software) if c.lang == "zh" else sc.train.software
    return {
        "intro": c.t(intro_key, evaluated=fmt.count(plan.candidates_evaluated),
                     fitting=fmt.count(plan.candidates_fitting), cards=fmt.count(plan.cards),
                     batch=fmt.count(plan.global_batch), seconds=fmt.number(plan.search_seconds, 2),
                     shown=fmt.count(len(rows))),
        "uses": c.t("plan_uses_layout_mfu" if layout_open and mfu_open else
                    "plan_uses_layout" if layout_open else "plan_uses_mfu",
                    layout=fmt.layout_text(ex0.tp, ex0.cp, ex0.pp, ex0.dp, ex0.ep, c.lang), mfu=c.v("mfu")),
        "ep_note": _ep_note(c, best, ex0.ep) if ex0.ep > 1 else None,
        "rows": rows,
        "show_cp": show_cp,
        "show_ep": show_ep,
        "col_widths": col_widths,
        "show_offload": show_offload,
        "cp_note": c.t("plan_cp_note") if show_cp else None,
        "offload_note": c.t("plan_offload_note", tier=fmt.number(c.r["offload_gb"], 0),
                            bw=fmt.number(c.r["offload_gbs"], 0)) if show_offload else None,
        "breakdown": breakdown,
        "step": fmt.number(best.predicted_step_seconds, 3),
        "accuracy": _validation_sentence(c),
        "stack": c.t("plan_stack_" + sc.train.attention, software=software,
                     eff=fmt.number(SOFTWARE_STACKS[sc.train.software], 3)),
        "layout_predicted": layout_open,
        "mfu_predicted": mfu_open,
    }


def _plan_summary(c: _Ctx, plan: dict[str, Any] | None) -> Markup | None:
    """Executive-summary sentence: which of layout and MFU are predicted rather than assumed."""
    if plan is None:
        return None
    r = c.r
    key = ("summary_plan_both" if plan["layout_predicted"] and plan["mfu_predicted"] else
           "summary_plan_layout" if plan["layout_predicted"] else "summary_plan_mfu")
    v = validation_report()
    held = fmt.percent(v.extended_held_out_mean_abs_error_pct / 100)
    if _is_moe(c):
        held = c.t("summary_held_moe", moe=fmt.percent(moe_held_out()[1] / 100),
                   dense=held)
    # With layout and MFU both open the days are the end-to-end prediction: quote its held-out error
    # too, not only the step model's (the appendix's ±band).
    band = fmt.percent(end_to_end_report().held_out_median_abs_error_pct / 100) if key == "summary_plan_both" else ""
    text = c.t(key, layout=nowrap(c.layout()), mfu=c.v("mfu"),
               evaluated=fmt.count(r.plan.candidates_evaluated if r.plan else 0), held=held, band=band)
    return c.sentences(text, _untested_card(c), _card_bias_sentence(c))


def biased_card_runs(c: _Ctx) -> CardRuns | None:
    """A training plan's own card when its held-out runs (their systems name it) were missed by more than
    :data:`CARD_BIAS_WARN_PCT` on average in one direction, else None: the summary says so and the risks scale
    the schedule by it."""
    r = c.r
    acc = r.scenario.cluster.accelerator
    runs = card_runs(validation_report(), acc) if r.trains and isinstance(acc, str) else None
    if runs is None or not runs.held_out or abs(runs.mean_signed_error_pct) <= CARD_BIAS_WARN_PCT:
        return None
    return runs


def _card_bias_sentence(c: _Ctx) -> Markup | None:
    """The summary's caveat when the pooled held-out error it quotes hides a worse one on the plan's own card."""
    runs = biased_card_runs(c)
    if runs is None:
        return None
    signed = runs.mean_signed_error_pct
    return c.t("summary_card_bias", card=c.r.accelerator_name, n=fmt.count(runs.held_out),
               abs=fmt.percent(runs.mean_abs_error_pct / 100), mag=fmt.percent(abs(signed) / 100),
               dir=c.t("risk_dir_short" if signed < 0 else "risk_dir_long"))


def _untested(c: _Ctx) -> bool:
    """The plan's card has extrapolated kernel constants and no held-out step-time run measured on it."""
    r = c.r
    kernel = r.inputs["matmul_eff_max"].origin
    if kernel is None or kernel.option != "extrapolated":
        return False
    acc = r.scenario.cluster.accelerator
    runs = card_runs(validation_report(), acc) if isinstance(acc, str) else None
    return runs is None or not runs.held_out


class CardEndToEnd(NamedTuple):
    """Held-out end-to-end runs on one card: how many, and the median of predicted / published card-hours − 1 (%)."""

    runs: int
    median_signed_pct: float

    @property
    def times(self) -> float:
        """How many times the card-hours the tool predicted the published runs took (median)."""
        return float(spread.times_predicted(self.median_signed_pct))


def card_end_to_end_runs(c: _Ctx) -> CardEndToEnd | None:
    """For a training plan on a card no step-time run tests (:func:`_untested`): its held-out published
    pre-training runs of Appendix B (the end-to-end sets, by catalog key), the only evidence on the card;
    None when there are none or the card is tested."""
    r = c.r
    acc = r.scenario.cluster.accelerator
    if not r.trains or not isinstance(acc, str) or not _untested(c):
        return None
    key = catalog.get_gpu(acc).key  # the card as typed may be an alias ("H100")
    errs = [x.error_pct for s in end_to_end_report().held_out_reports for x in s.rows
            if not x.fitted and catalog.get_gpu(x.accelerator).key == key and x.error_pct is not None]
    return CardEndToEnd(len(errs), statistics.median(errs)) if errs else None


def _untested_card(c: _Ctx) -> Markup | None:
    """The summary's caveat for a card whose kernel constants are extrapolated and on which no held-out training run
    was measured (the figures above are the other cards'), with its published end-to-end runs where Appendix B has
    some; None where a run has tested the card or it is calibrated."""
    if not _untested(c):
        return None
    e2e = card_end_to_end_runs(c)
    if e2e is not None:
        return c.t("summary_card_e2e", card=c.r.accelerator_name, n=fmt.count(e2e.runs),
                   times=fmt.number(e2e.times, 1))
    return c.t("summary_card_untested", card=c.r.accelerator_name)


def _verdict_key(v: Any) -> str:
    """Which verdict sentence: the target holds over all held-out runs on both metrics, on
    throughput only, or on neither."""
    step_ok = v.extended_held_out_mean_abs_error_pct <= HELD_OUT_TARGET_PCT
    thr_ok = v.extended_held_out_mean_abs_throughput_error_pct <= HELD_OUT_TARGET_PCT
    if step_ok and thr_ok:
        return "val_target_met"
    return "val_target_throughput" if thr_ok else "val_target_missed"


def _role_label(c: _Ctx, row: Any) -> Markup:
    if row.set_name == BLIND_SET:
        return c.t("val_role_blind")
    if row.role == "calibration":
        return c.t("val_role_stack" if row.software != "megatron-lm" else "val_role_calibration")
    return c.t("val_role_preregistered" if row.set_name != "megatron_2021" else "val_role_held_out")


#: Longest source shown per appendix row: the full references (some quote a whole table cell) stay
#: in the data files and ``xlcompute validate -o``; the appendix needs only enough to find them.
SOURCE_CHARS = 110


def _short_source(text: str, limit: int = SOURCE_CHARS) -> str:
    """``text`` cut at the last space before ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",;:(") + "…"


#: Runs printed in the appendix: the held-out runs nearest the plan and the worst held-out run. Every run is in
#: the CSV attached to the PDF (:data:`VALIDATION_CSV`); printing all of them took 21 pages.
APPENDIX_RUNS = 24
#: The attached table of every predicted run (:func:`xlcompute.planner.validation.report_csv`).
VALIDATION_CSV = "validation-runs.csv"
#: Cards of one generation: dense BF16 peaks within this ratio (H100, H800 and H200 share 989 TFLOP/s).
_SAME_CARD_RATIO = 1.3


def nearest_runs(rows: Sequence[Any], peak_flops: float, cards: float, count: int = APPENDIX_RUNS,
                 card: str | None = None, default_system: str = "") -> list[Any]:
    """The ``count`` runs most like a plan on ``cards`` cards of peak ``peak_flops``: runs whose system names the
    plan's ``card`` (a :data:`CARD_NAMES` name) first, then runs on a card of the same generation (a peak within
    1.3×, which puts the A100 beside the 910B, so the card's own runs come before), then by the ratio of card
    counts (log distance), then by id. The choice looks at the plan only, never at a run's error."""
    def key(r: Any) -> tuple[int, float, str]:
        own = card is not None and names_card(r.system_name or default_system, card)
        same = r.peak_flops > 0 and peak_flops > 0 and (
            abs(math.log(r.peak_flops / peak_flops)) < math.log(_SAME_CARD_RATIO))
        return (0 if own else 1 if same else 2, abs(math.log(max(r.gpus, 1) / max(cards, 1.0))), r.id)

    return sorted(rows, key=key)[:count]


def _plan_card(c: _Ctx) -> tuple[float, float]:
    """The plan's dense BF16 peak per card (FLOP/s) and its training cards (the cluster's when it only serves)."""
    values = c.r.values()
    cards = values.get("parallel_cards") or float(c.r.scenario.cluster.cards)
    return float(values.get("bf16_peak_flops", 0.0)), float(cards)


def _card_of_run(c: _Ctx, row: Any, default_system: str) -> str:
    """The card a run's system names, in the reader's language; its generation when it names none."""
    system = row.system_name or default_system
    return next((zh if c.lang == "zh" else en for n, en, zh in CARD_NAMES if names_card(system, n)),
                row.architecture or "")


def _repeats_text(c: _Ctx, v: ValidationReport) -> str | None:
    """How far the published step times of one configuration disagree by themselves
    (planner.validation.repeats); None when no configuration was measured twice."""
    s = summarise_repeats(v.repeats)
    if s is None:
        return None
    return c.t("val_repeats", groups=fmt.count(s.groups), rows=fmt.count(s.rows),
               same=fmt.percent(s.same_table_median_pct / 100), cross=fmt.percent(s.cross_table_median_pct / 100),
               cross_max=fmt.percent(s.cross_table_max_pct / 100), floor=fmt.percent(s.floor_pct / 100),
               model=fmt.percent(s.model_pct / 100))


def validation_appendix(c: _Ctx) -> dict[str, Any]:
    """The appendix's validation: the mean / max errors of :func:`validation_report` per set (every
    predicted run: the main file, the pre-registered files and the software-stack calibration rows),
    and the held-out runs nearest the plan (:func:`nearest_runs`) with the worst one; the full
    per-run table is the PDF's attached :data:`VALIDATION_CSV`."""
    v = validation_report()
    units = {"tflops_per_gpu": "TFLOP/s", "step_seconds": "s"}
    everything = [*v.rows, *v.external_rows, *v.stack_rows]
    held = [r for r in [*v.rows, *v.external_rows] if r.role == "held_out"]
    worst = max(held, key=lambda row: abs(row.error_pct))
    # held-out runs only: a calibration run near the plan was fitted on, so it says little about the plan
    acc = c.r.scenario.cluster.accelerator
    card = card_name(acc) if isinstance(acc, str) else None
    chosen = {id(r) for r in nearest_runs(held, *_plan_card(c), card=card, default_system=v.system_name)} | {id(worst)}
    shown = [r for r in everything if id(r) in chosen]  # in the order of the sets, as validate prints them
    rows = [
        {
            "id": row.id, "source": _short_source(row.source), "held_out": row.role == "held_out",
            "card": _card_of_run(c, row, v.system_name),
            "role": _role_label(c, row),
            "measured": fmt.number(row.measured, 2 if row.metric == "step_seconds" else 1),
            "predicted": fmt.number(row.predicted, 2 if row.metric == "step_seconds" else 1),
            "unit": units[row.metric],
            "error": fmt.signed_percent(row.error_pct) + ("*" if row.software != "megatron-lm" else ""),
        }
        for row in shown
    ]
    stats = [
        (c.t("val_role_calibration"), v.calibration_mean_abs_error_pct, v.calibration_max_abs_error_pct,
         sum(r.role == "calibration" for r in v.rows)),
        (c.t("val_held_original"), v.held_out_mean_abs_error_pct, v.held_out_max_abs_error_pct,
         sum(r.role == "held_out" for r in v.rows)),
    ]
    for x in v.preregistered_sets:
        label = "val_set_blind" if x.name == BLIND_SET else "val_set_preregistered"
        if x.calibration:
            cal_rows = [r for r in v.external_rows if r.set_name == x.name and r.role == "calibration"]
            key = "val_set_calibration_post_hoc" if x.name in POST_HOC_CALIBRATION_SETS else "val_set_calibration"
            stats.append((c.t(key, name=x.name), x.calibration_mean_abs_error_pct,
                          max(abs(r.error_pct) for r in cal_rows), x.calibration))
        if x.included > x.calibration:  # a set whose rows all calibrate something since has no held-out line
            stats.append((c.t(label, name=x.name), x.mean_abs_error_pct, x.max_abs_error_pct,
                          x.included - x.calibration))
    # The software stacks' own calibration runs: counted in the intro's total, so listed here too (the rows
    # of the table add up to it).
    for name in dict.fromkeys(r.set_name for r in v.stack_rows):
        errors = [abs(r.error_pct) for r in v.stack_rows if r.set_name == name]
        stats.append((c.t("val_set_calibration", name=name), sum(errors) / len(errors), max(errors), len(errors)))
    if v.large_held_out_count:
        stats.append((c.t("val_held_large"), v.large_held_out_mean_abs_error_pct,
                      max(abs(r.error_pct) for r in held if r.gpus >= 4096), v.large_held_out_count))
    stats += [
        (c.t("val_held_all_throughput"), v.extended_held_out_mean_abs_throughput_error_pct,
         v.extended_held_out_max_abs_throughput_error_pct, v.extended_held_out_count),
        (c.t("val_held_all"), v.extended_held_out_mean_abs_error_pct, v.extended_held_out_max_abs_error_pct,
         v.extended_held_out_count),
    ]
    blind = _blind_set(v)
    # The MT-NLG runs of external_runs.yaml, pre-registered with the reference stack's efficiency before the
    # Megatron-DeepSpeed one was fitted; later sets on that stack were predicted with it, as they declared.
    stacked = [r for r in v.external_rows if r.reference_stack_error_pct is not None and r.set_name == "external_runs"]
    sep = "、" if c.lang == "zh" else ", "  # a list inside a Chinese sentence takes the enumeration comma
    return {
        "end_to_end": end_to_end_appendix(c),
        "moe": moe_appendix(c),
        "intro": c.t("val_intro", system=v.system_name, n=fmt.count(len(everything)),
                     cards=cards_named(everything, v.system_name, c.lang), low=fmt.count(min(r.gpus for r in everything)),
                     high=fmt.count(max(r.gpus for r in everything))),
        "shown": c.t("val_shown", shown=fmt.count(len(shown)), n=fmt.count(len(everything)), file=VALIDATION_CSV),
        "rows": rows,
        "stats": [{"set": name, "n": fmt.count(n), "mean": fmt.percent(mean / 100), "max": fmt.percent(mx / 100)}
                  for name, mean, mx, n in stats],
        "extended": c.t(
            "val_extended",
            excluded=fmt.count(len(v.excluded_rows)),
            # the footnote's mark only when a starred error (another stack's run) is in the table above
            star=("*" if c.lang == "zh" else "* ") if any(row["error"].endswith("*") for row in rows) else "",
            ids=sep.join(r.id for r in stacked),
            pre=sep.join(fmt.signed_percent(r.reference_stack_error_pct) for r in stacked),
            errors=sep.join(fmt.signed_percent(r.error_pct) for r in stacked),
            eff=fmt.number(v.software_stacks.get("megatron-deepspeed", float("nan")), 3),
            calib=sep.join(r.id for r in v.stack_rows),
            ref=fmt.percent(v.extended_held_out_reference_stack_mean_abs_error_pct / 100),
        ) if stacked else None,
        "repeats": _repeats_text(c, v),
        "verdict": c.t(_verdict_key(v), held=fmt.percent(v.extended_held_out_mean_abs_error_pct / 100),
                       held_thr=fmt.percent(v.extended_held_out_mean_abs_throughput_error_pct / 100),
                       n=fmt.count(v.extended_held_out_count),
                       n_blind=fmt.count(blind.included if blind else 0),
                       blind=fmt.percent((blind.mean_abs_error_pct if blind else float("nan")) / 100),
                       orig=fmt.percent(v.held_out_mean_abs_error_pct / 100),
                       n_orig=fmt.count(sum(r.role == "held_out" for r in v.rows)),
                       worst=worst.id, worst_error=fmt.signed_percent(worst.error_pct)),
    }
