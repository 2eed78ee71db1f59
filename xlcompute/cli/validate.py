"""``xlcompute validate``: the step-time model against published training measurements."""

from __future__ import annotations

import math

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from xlcompute.cli._common import check_output_file, console, fail

if TYPE_CHECKING:
    from xlcompute.planner.validation.run import ValidationReport

__all__ = ["validate_command"]


def _set_label(name: str) -> str:
    """A pre-registered step set's short label, from its file name (step_runs_13 -> s13), so a label
    says which file a row came from whatever sets are wired in before it."""
    short = {"external_runs": "ext", "meg21_table2": "meg21", "hopper_runs": "hopper", "scaling_tables": "scaling"}
    if name.startswith("step_runs_"):
        return "s" + name.removeprefix("step_runs_")
    return short.get(name, name)


def validate_command(
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Also write the per-row table as CSV (the proposal appendix's table)."
    ),
    search: bool = typer.Option(True, "--search/--no-search", help="Also check the search finds each published layout."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    serving: bool = typer.Option(
        False, "--serving", help="Validate the inference model instead: TTFT, TPOT and throughput against the "
        "pre-registered serving_runs.yaml, calibration and held-out apart, per source; one line per later set "
        "and every held-out point pooled."),
    refit: bool = typer.Option(
        False, "--fit", help="With --serving: fit the efficiency constants again on the calibration rows of "
        "serving_runs.yaml (never on --file's rows) and use them."),
    serving_file: Optional[Path] = typer.Option(
        None, "--file", help="With --serving: the pre-registered serving set to predict (same row format); default "
        "xlcompute/data/validation/serving_runs.yaml.", exists=False, dir_okay=False),
) -> None:
    """Compare the step-time model with published training measurements (calibration, held-out and pre-registered runs), and the whole estimate with the end-to-end card-hours of published pre-training runs."""
    if serving:
        _serving(as_json, refit, output, serving_file)
        return
    if serving_file is not None:
        fail(["--file applies to --serving only"])
    # Imported here: validation runs the planner (NumPy), which `xlcompute --help` must not pay for.
    from rich import box
    from rich.table import Table

    from xlcompute.planner.validation import validate as run_validation
    from xlcompute.planner.validation.data import POST_HOC_CALIBRATION_SETS

    from xlcompute.end_to_end import validate_end_to_end_sets

    if output is not None:
        check_output_file(output, None, "table")  # before the validation runs, not after
    report = run_validation(search=search)
    e2e = validate_end_to_end_sets()
    if output is not None:
        from xlcompute.planner.validation import write_report_csv

        try:
            write_report_csv(report, output, include_external=True)
        except OSError as exc:  # OutputNotWritableError names the file; anything else still one line
            fail([str(exc) if exc.strerror is None else f"cannot write {str(output)!r}: {exc.strerror}"])
    from xlcompute.end_to_end import validate_moe_end_to_end
    from xlcompute.planner.validation.moe import validate_moe

    moe = validate_moe()
    moe_e2e = validate_moe_end_to_end()
    if as_json:
        import json

        sys.stdout.write('{"step_time": ' + report.model_dump_json(indent=2) + ',\n"end_to_end": '
                         + e2e.model_dump_json(indent=2) + ',\n"moe_step_time": ' + moe.model_dump_json(indent=2)
                         + ',\n"moe_end_to_end": ' + json.dumps([r.model_dump() for r in moe_e2e], indent=2) + "}\n")
        return
    t = Table(title=f"Step-time model vs published measurements ({report.system_name})", title_justify="left",
              box=box.SIMPLE_HEAD)
    for col in ("run", "set", "meas.", "pred.", "unit", "step%", "thr%", "found"):
        t.add_column(col, justify="left" if col in ("run", "set", "unit") else "right", no_wrap=True)
    for r in report.rows:
        unit = "TFLOP/s" if r.metric == "tflops_per_gpu" else "s"
        found = "—" if r.search_found is None else ("yes" if r.search_found else "NO")
        t.add_row(r.id, "held" if r.role == "held_out" else "calib", f"{r.measured:,.1f}",
                  f"{r.predicted:,.1f}", unit, f"{r.error_pct:+.2f}", f"{r.throughput_error_pct:+.2f}", found)
    labels = {x.name: _set_label(x.name) for x in report.preregistered_sets}
    for r in [*report.external_rows, *report.stack_rows]:
        unit = "TFLOP/s" if r.metric == "tflops_per_gpu" else "s"
        found = "—" if r.search_found is None else ("yes" if r.search_found else "NO")
        label = labels.get(r.set_name, "stack") + ("*" if r.software != "megatron-lm" else "")
        t.add_row(r.id, label, f"{r.measured:,.1f}", f"{r.predicted:,.1f}", unit, f"{r.error_pct:+.2f}",
                  f"{r.throughput_error_pct:+.2f}", found)
    console.print(t)
    console.print(
        f"step time, mean |error|: all {report.mean_abs_error_pct:.2f}% (max {report.max_abs_error_pct:.2f}%); "
        f"calibration {report.calibration_mean_abs_error_pct:.2f}% (max {report.calibration_max_abs_error_pct:.2f}%); "
        f"held-out {report.held_out_mean_abs_error_pct:.2f}% (max {report.held_out_max_abs_error_pct:.2f}%)"
    )
    console.print(
        f"per-card throughput, mean |error|: calibration {report.calibration_mean_abs_throughput_error_pct:.2f}%; "
        f"held-out {report.held_out_mean_abs_throughput_error_pct:.2f}% "
        f"(max {report.held_out_max_abs_throughput_error_pct:.2f}%)"
    )
    for x in report.preregistered_sets:
        rows = [r for r in report.external_rows if r.set_name == x.name]
        ref = [r for r in rows if r.reference_stack_error_pct is not None]
        note = ""
        if ref:
            errs = ", ".join(f"{r.reference_stack_error_pct:+.2f}%" for r in ref)
            note = f"; as pre-registered, with the reference stack: {errs}"
        fitted = ("fitted on after their first prediction, post hoc" if x.name in POST_HOC_CALIBRATION_SETS
                  else "fitted on")
        cal = (f"; {x.calibration} calibration runs ({fitted}) {x.calibration_mean_abs_error_pct:.2f}%"
               if x.calibration else "")
        held = ("no held-out run left" if x.mean_abs_error_pct is None or x.max_abs_error_pct is None else
                f"{x.included - x.calibration} held-out runs, step time {x.mean_abs_error_pct:.2f}% "
                f"(max {x.max_abs_error_pct:.2f}%)")
        console.print(
            f"{labels[x.name]} = pre-registered {x.name}.yaml: {held}{cal}, {x.excluded} excluded "
            f"before prediction{note}"
        )
        for v in x.sensitivity:
            console.print(
                f"  {labels[x.name]} sensitivity, pre-registered in the file's header: its {v.rows} held-out runs on "
                f"{v.system}, predicted again with {v.variant}: step time {v.variant_mean_abs_error_pct:.2f}% "
                f"(signed {v.variant_mean_signed_error_pct:+.2f}%; {v.mean_abs_error_pct:.2f}% with {v.system}, "
                "the primary block; neither is chosen)"
            )
    if report.stack_rows:
        stacks = ", ".join(f"{k} {v:g}" for k, v in report.software_stacks.items() if k != "megatron-lm")
        console.print(
            f"stack = software_stacks.yaml, calibration of the software-stack efficiencies ({stacks}); "
            "* = run predicted with a non-reference stack efficiency (fitted after the pre-registered "
            "MT-NLG errors were seen)"
        )
    if report.zero3_rows:
        z = report.zero3_rows
        console.print(
            f"ZeRO-3 = zero3_runs.yaml, calibration only ({len(z)} DeepSpeed runs of MEG21 Table 2, seen before "
            f"the fit): step time {sum(abs(r.error_pct) for r in z) / len(z):.2f}% "
            f"(max {max(abs(r.error_pct) for r in z):.2f}%) with zero3_overlap_fraction "
            f"{report.zero3_overlap_fraction:g} (DeepSpeed 2021; planning default 1.0, PyTorch FSDP's prefetch, "
            "not fitted; the FSDP runs of step_runs_6.yaml are held out)"
        )
    if report.external_rows:
        console.print(
            f"all {report.extended_held_out_count} held-out runs: step time "
            f"{report.extended_held_out_mean_abs_error_pct:.2f}% (max {report.extended_held_out_max_abs_error_pct:.2f}%), "
            f"per-card throughput {report.extended_held_out_mean_abs_throughput_error_pct:.2f}% "
            f"(max {report.extended_held_out_max_abs_throughput_error_pct:.2f}%); with every run on the "
            f"reference stack {report.extended_held_out_reference_stack_mean_abs_error_pct:.2f}% / "
            f"{report.extended_held_out_reference_stack_mean_abs_throughput_error_pct:.2f}%"
        )
    if report.large_held_out_count:
        console.print(f"held-out runs on 4,096 cards or more: {report.large_held_out_count}, step time "
                      f"{report.large_held_out_mean_abs_error_pct:.2f}%")
    if report.external_rows:
        from xlcompute.planner.validation.run import by_microbatches, by_recompute

        held = [r for r in [*report.rows, *report.external_rows] if r.role == "held_out"]
        console.print("held-out runs by micro-batches per data-parallel replica (runs, mean |error|, signed): " + "; ".join(
            f"{label}: {n}, {mae:.1f}% ({signed:+.1f}%)" for label, n, mae, signed in by_microbatches(held)))
        console.print("held-out runs by card generation and activation recomputation (runs, mean |error|, signed): "
                      + "; ".join(f"{arch} {rc}: {n}, {mae:.1f}% ({signed:+.1f}%)"
                                  for arch, rc, n, mae, signed in sorted(by_recompute(held))))
        _print_repeats(report)
    console.print("held-out runs by the card their system names (what a proposal on that card quotes): "
                  + _by_card(report))
    if report.excluded_rows:
        names = ", ".join(x.id for x in report.excluded_rows)
        console.print(f"excluded before prediction (reasons in the YAML files): {names}")
    _print_end_to_end(e2e)
    _print_moe(moe, moe_e2e)


def _by_card(report: object) -> str:
    """Each card's held-out runs, mean |error| and signed mean ("H800 5: 14.9% (-8.8%)"); cards whose runs only
    calibrate it say so."""
    from xlcompute.planner.validation.cards import CARD_NAMES, runs_named

    parts = []
    for name, _, _ in CARD_NAMES:
        runs = runs_named(report, name)  # type: ignore[arg-type]
        if runs.held_out:
            parts.append(f"{name} {runs.held_out}: {runs.mean_abs_error_pct:.1f}% ({runs.mean_signed_error_pct:+.1f}%)")
        elif runs.calibration:
            parts.append(f"{name}: calibration runs only ({runs.calibration})")
    return "; ".join(parts)


def _pct(x: float) -> str:
    """A percentage to one decimal, or "none" for the mean of no rows."""
    return "none" if math.isnan(x) else f"{x:.1f}%"


def _print_moe(moe: object, rows: object) -> None:
    """The mixture-of-experts tables (moe_runs.yaml): step time by role, then end to end."""
    from rich import box
    from rich.table import Table

    from xlcompute.core.moe import MEGATRON_DROPLESS_SYNC_MS
    from xlcompute.planner.validation.moe import (
        MOE_LATER_SETS, MoeReport, held_out_summary, load_moe, validate_moe,
    )

    assert isinstance(moe, MoeReport)  # noqa: S101  (a type narrowing, not validation)
    for role, title in (("calibration", "calibration rows (the MoE constants are fitted on these only; the "
                                        "mbr2511 rows here fit the dispatcher's host wait, held out until then)"),
                        ("held_out", "held-out rows (never fitted on)")):
        t = Table(title=f"Mixture-of-experts step time, pre-registered moe_runs.yaml: {title}", title_justify="left",
                  box=box.SIMPLE_HEAD)
        for col in ("run", "card", "prec.", "meas. s", "pred. s", "error", "MFU", "mem GB"):
            t.add_column(col, justify="left" if col in ("run", "card", "prec.") else "right", no_wrap=True)
        for r in moe.rows:
            if r.role == role:
                t.add_row(r.id, r.accelerator, r.precision, f"{r.measured:,.2f}", f"{r.predicted:,.2f}",
                          f"{r.error_pct:+.1f}%", f"{r.predicted_mfu:.1%}", f"{r.mem_gb:,.0f}")
        console.print(t)
    c = moe.constants
    console.print(
        f"MoE step time, mean |error|: calibration {moe.calibration_mean_abs_error_pct:.1f}%; held-out "
        f"{moe.held_out_mean_abs_error_pct:.1f}% (max {moe.held_out_max_abs_error_pct:.1f}%; Hopper "
        f"{_pct(moe.held_out_hopper_mean_abs_error_pct)}, Blackwell {_pct(moe.held_out_blackwell_mean_abs_error_pct)}); "
        f"constants fitted on the calibration rows: grouped-GEMM {c.grouped_gemm_efficiency:g}, all-to-all "
        f"{c.a2a_efficiency:g}, FP8 GEMM {c.fp8_gemm_efficiency:g}, dispatcher host wait "
        f"{MEGATRON_DROPLESS_SYNC_MS:g} ms per MoE layer (Megatron-Core dropless all-to-all); "
        f"{len(moe.excluded)} rows excluded before prediction"
    )
    for path in MOE_LATER_SETS:
        groups = held_out_summary(validate_moe(load_moe(path)))
        text = "; ".join(f"{k} n={n} {m:.1f}% (signed {sg:+.1f}%)" for k, (n, m, sg) in groups.items())
        console.print(f"pre-registered {path.name}, held out (never fitted on): step time mean |error| {text}")
    t = Table(title="Mixture-of-experts end to end, typed as a finance user types them (model, tokens, sequence "
              "length, accelerator, cards, precision; layout with EP, batch, MFU and goodput left to the tool)",
              title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("run", "set", "card", "cards", "published\ncard-h", "predicted\ncard-h", "error", "MFU", "layout"):
        wrap = col == "layout"  # a long layout folds onto a second line, never truncated; ids stay whole
        t.add_column(col, justify="left" if col in ("run", "set", "card", "layout") else "right", no_wrap=not wrap,
                     overflow="fold" if wrap else "ellipsis")
    for r in rows:  # type: ignore[attr-defined]
        if r.failure is not None:
            t.add_row(r.id, r.role, r.accelerator, f"{r.cards:,}", f"{r.published_gpu_hours:,.0f}", "FAILED",
                      r.failure[:40], "", "")
            continue
        t.add_row(r.id, r.role, r.accelerator, f"{r.cards:,}", f"{r.published_gpu_hours:,.0f}",
                  f"{r.predicted_gpu_hours:,.0f}", f"{r.error_pct:+.1f}%", f"{r.predicted_mfu:.1%}", r.layout or "")
    console.print(t)
    console.print("blind = the DeepSeek rows, never fitted on; their first predictions are in moe_runs.yaml's "
                  "dated notes, and the figures shown, made after them (the preset recipe included), are post hoc; "
                  "MFU counts against the training precision's peak (FP8 for the DeepSeek-V3 row)")


def _print_end_to_end(sets: object) -> None:
    """The end-to-end tables: each published run typed as a finance user types it; the first set
    (every run fitted on) and the second (held out) apart."""
    from xlcompute.end_to_end import FIRST_PREDICTION, EndToEndSets, range_coverage

    assert isinstance(sets, EndToEndSets)  # noqa: S101  (a type narrowing, not validation)
    _end_to_end_table(sets.first, "first set, end_to_end.yaml: every run fitted on (the typical stack's efficiency)")
    f = sets.first
    fp = FIRST_PREDICTION
    console.print(
        f"first set: {len(f.rows)} runs, {f.failures} failed; fitted on all of them: median |error| "
        f"{f.calibration_median_abs_error_pct:.1f}% (max {f.calibration_max_abs_error_pct:.1f}%). Before they were "
        f"fitted on, their first prediction (typical stack {fp['typical_efficiency']:.2f}, fitted on LLaMA 1 only) "
        f"gave {fp['held_out']} held-out runs a median |error| of {fp['median_abs_error_pct']:.1f}% (max "
        f"{fp['max_abs_error_pct']:.1f}%, signed {fp['median_signed_error_pct']:+.1f}%); "
        f"{len(f.excluded)} excluded before prediction (reasons in end_to_end.yaml)")
    _held_out_set(sets.second, "second", "end_to_end_2.yaml",
                  "written down after the refit, before any prediction of it")
    _held_out_set(sets.third, "third", "end_to_end_3.yaml",
                  "written down before any prediction of it and before the data-parallel ring change")
    _held_out_set(sets.fourth, "fourth", "end_to_end_4.yaml",
                  "written down blind by a data author before any prediction of it")
    console.print(f"all held-out sets: {sets.held_out_count} runs, median |error| "
                  f"{sets.held_out_median_abs_error_pct:.1f}% (the band a proposal quotes for its end-to-end days and "
                  "card-hours)")
    console.print("the P10–P90 range a proposal prints for the end-to-end card-hours (its default uncertainty "
                  "draws) against the published figure, which a range that is right holds 80% of the time (above "
                  "P90: the run took more card-hours than the range): "
                  + _coverage_line("all held-out sets", sets.held_out_coverage) + "; "
                  + _coverage_line("first set (fitted on, in-sample)", range_coverage(sets.first.rows)))


def _print_repeats(report: ValidationReport) -> None:
    """The rows that measure one configuration more than once (planner.validation.repeats)."""
    from xlcompute.planner.validation.repeats import summarise_repeats

    s = summarise_repeats(report.repeats)
    if s is None:
        return
    console.print(
        f"the same configuration measured more than once (shape, layout, card count, card, precision and stack "
        f"identical; all roles): {s.groups} groups, {s.rows} rows; pairs from one published table (one release, "
        f"other clusters) differ by {s.same_table_median_pct:.1f}% at the median (max {s.same_table_max_pct:.1f}%, "
        f"{s.same_table_pairs} pairs), pairs from two tables (mostly two releases) by {s.cross_table_median_pct:.1f}% "
        f"(max {s.cross_table_max_pct:.1f}%, {s.cross_table_pairs} pairs); on these rows the best single "
        f"prediction per configuration would miss by {s.floor_pct:.1f}% on average, the model by {s.model_pct:.1f}%")


def _held_out_set(h: object, ordinal: str, file: str, when: str) -> None:
    """One held-out end-to-end set: its table and its summary line."""
    from xlcompute.end_to_end import EndToEndReport

    assert isinstance(h, EndToEndReport)  # noqa: S101  (a type narrowing, not validation)
    _end_to_end_table(h, f"{ordinal} set, {file}: held out ({when})")
    console.print(
        f"{ordinal} set (held out): {h.held_out_count} runs, {h.failures} failed; median |error| "
        f"{h.held_out_median_abs_error_pct:.1f}% (max {h.held_out_max_abs_error_pct:.1f}%, median signed "
        f"{h.held_out_median_signed_error_pct:+.1f}%); {len(h.excluded)} excluded before prediction "
        f"(reasons in {file})")


def _end_to_end_table(e2e: object, subtitle: str) -> None:
    from rich import box
    from rich.table import Table

    from xlcompute.end_to_end import EndToEndReport

    assert isinstance(e2e, EndToEndReport)  # noqa: S101  (a type narrowing, not validation)
    t = Table(title="End-to-end card-hours of published pre-training runs, typed as a finance user types them "
              "(model, tokens, sequence length, accelerator, cards; layout, batch, MFU and goodput left to the "
              f"tool): {subtitle}", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("run", "set", "card", "cards", "published card-h", "predicted", "error", "MFU", "ETTR", "P10–P90"):
        t.add_column(col, justify="left" if col in ("run", "set", "card", "P10–P90") else "right", no_wrap=True)
    for r in e2e.rows:
        if r.failure is not None:
            t.add_row(r.id, r.role, r.accelerator, f"{r.cards:,}", f"{r.published_gpu_hours:,.0f}", "FAILED",
                      r.failure[:40], "", "", "")
            continue
        t.add_row(r.id, "fit" if r.fitted else "held", r.accelerator, f"{r.cards:,}",
                  f"{r.published_gpu_hours:,.0f}", f"{r.predicted_gpu_hours:,.0f}", f"{r.error_pct:+.1f}%",
                  f"{r.predicted_mfu:.1%}", f"{r.effective_ratio:.1%}", _RANGE_WORDS.get(r.range_position or "", ""))
    console.print(t)


#: The P10–P90 column of the end-to-end tables: where the published card-hours fall against the
#: range the run's proposal would print.
_RANGE_WORDS = {"inside": "in", "above": "above P90", "below": "below P10"}


def _coverage_line(label: str, cov: object) -> str:
    """'19 of 32 (59%) inside, 10 above P90, 3 below P10' for a RangeCoverage."""
    from xlcompute.end_to_end import RangeCoverage

    assert isinstance(cov, RangeCoverage)  # noqa: S101  (a type narrowing, not validation)
    return f"{label}: {cov.inside} of {cov.runs} ({cov.share:.0%}) inside, {cov.above} above P90, {cov.below} below P10"


def _serving(as_json: bool, refit: bool, output: Optional[Path], path: Optional[Path] = None) -> None:
    """``xlcompute validate --serving [--file PATH]``: the inference model against a pre-registered
    serving set (default serving_runs.yaml); the constants are the committed fit, or with ``--fit``
    the fit on serving_runs.yaml's calibration rows."""
    from rich import box
    from rich.table import Table

    from xlcompute.serving_model import SERVING_FACTORS
    from xlcompute.serving_validation import (
        FACTOR_FITS, METRICS, MOE_GEMM_FIT_SET, SERVING_SETS, VENDOR_FIT_FILES, dequant_fit_files, factor_fit_report,
        EXPERT_LOOP_FIT_SET, expert_loop_miss_pct, fit, fit_dequant, fit_expert_loop, fit_moe_gemm, pooled_held_out,
        validate_serving,
    )

    if output is not None:
        fail(["--output writes the training table; with --serving use --json"])
    import yaml

    constants = fit() if refit else None
    try:
        report = validate_serving(constants, path)
    except (OSError, ValueError, yaml.YAMLError) as exc:  # a missing or malformed file: one line, exit 2
        fail([f"--file: {exc}"])
    name = path.name if path is not None else "serving_runs.yaml"
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    t = Table(title=f"Inference model vs published serving measurements ({name}, pre-registered)",
              title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("run", "set", "metric", "meas.", "pred.", "error"):
        t.add_column(col, justify="left" if col in ("run", "set", "metric") else "right", no_wrap=True)
    for r in report.rows:
        metric = f"{r.metric} ({r.statistic})" if r.statistic else r.metric
        t.add_row(r.id, "calib" if r.role == "calibration" else "held", metric, f"{r.measured:,.4g}",
                  f"{r.predicted:,.4g}", f"{r.error_pct:+.1f}%")
    console.print(t)
    consts = ", ".join(f"{k} {v:.4g}" for k, v in report.constants.items())
    console.print(f"constants ({'fitted now on the calibration rows' if refit else 'committed fit'}): {consts}")
    from xlcompute.collective_fit import fit_collectives

    ar = fit_collectives()
    console.print(f"all-reduce constants (collective_latency_s, allreduce_step_s, link_efficiency) fitted on {ar.rows} "
                  f"published all-reduce timings from {ar.sources} sources (allreduce_bench.yaml, no serving row): "
                  f"{ar.base_s * 1e6:.2f} µs + {ar.step_s * 1e6:.2f} µs per ring step, {ar.efficiency:.2f} of the "
                  f"link; mean |error| {ar.mean_abs_error_pct:.1f}% on those timings")
    if any(r.role == "calibration" and r.metric == "tpot" for r in report.rows):
        console.print("the TPOT of the held-out rows with 16-bit or FP8 weights is fitted on since 2026-12-02 (the "
                      "decode step's fixed time per layer), so it counts as calibration; their TTFT and throughput "
                      "stay held out; the TPOT of the rows with int8 / int4 weights on calibrated cards is fitted on "
                      "since 2026-12-03 (the weight-only dequantisation)")
    for role, label in (("calibration", "calibration (fitted on)"), ("held_out", "held-out")):
        sources = sorted({s.source for s in report.summaries if s.role == role and s.source != "all"})
        for source in ("all", *sources):
            parts = []
            for metric in METRICS:
                s = report.summary(role, metric, source)
                if s is not None:
                    parts.append(f"{metric.upper() if metric != 'throughput' else 'throughput'} "
                                 f"{s.mean_abs_error_pct:.1f}% (n={s.count}, signed {s.mean_signed_error_pct:+.1f}%)")
            if parts:
                console.print(f"{label}, {'all sources' if source == 'all' else source}: mean |error| "
                              + "; ".join(parts))
    if report.not_predicted:
        console.print(f"not predicted ({len(report.not_predicted)} rows): "
                      + "; ".join(sorted(set(report.not_predicted.values()))))
    if path is None:  # the other pre-registered sets, one line each (--file PATH prints one whole)
        console.print("the other pre-registered serving sets, held out, all sources (first predictions and post-hoc "
                      "figures apart in each file's dated notes):")
        reports = [report]
        for other in SERVING_SETS[1:]:
            rep = validate_serving(constants, other)
            reports.append(rep)
            parts = [f"{m.upper() if m != 'throughput' else m} {s.mean_abs_error_pct:.1f}% (n={s.count})"
                     for m in METRICS if (s := rep.summary("held_out", m)) is not None]
            console.print(f"  {other.name}: mean |error| " + "; ".join(parts) if parts else
                          f"  {other.name}: no held-out row left (every row is a calibration row of the "
                          "AMD serving factor)")
        pooled = pooled_held_out(constants, reports=reports)
        console.print("all pre-registered sets pooled, held-out points (first predictions and post-hoc figures "
                      "together; targets TTFT 25 %, TPOT and throughput 15 %): "
                      + "; ".join(f"{m.upper() if m != 'throughput' else m} {mean:.1f}% (n={n})"
                                  for m, (n, mean) in pooled.items()))
        console.print(f"AMD cards: the GEMM and HBM efficiencies times {SERVING_FACTORS['AMD'].compute:g} and "
                      f"{SERVING_FACTORS['AMD'].hbm:g}, fitted since 2026-12-02 on the MI300X rows of "
                      f"{', '.join(VENDOR_FIT_FILES)} (calibration rows of that fit since)")
        h20 = factor_fit_report("H20")
        console.print(f"H20: the GEMM and HBM efficiencies times {SERVING_FACTORS['H20'].compute:g} and "
                      f"{SERVING_FACTORS['H20'].hbm:g}, fitted since 2026-12-04 on the {h20.rows} BF16 and FP8 rows of "
                      f"{', '.join(FACTOR_FITS['H20'].files)} after their first prediction (calibration rows since; "
                      f"{h20.error_pct:.1f}% on them; GEMM factor refitted 0.8 -> 0.85 on 2026-12-05 with the serving "
                      "grouped-GEMM efficiency); "
                      + (f"{h20.held_out_rows} held-out H20 rows of later sets, predicted after the fit: "
                         f"{h20.held_out_error_pct:.1f}%" if h20.held_out_rows
                         else "no held-out H20 row was predicted after the fit"))
        c, err, rows = fit_dequant()
        console.print(f"weight-only dequantisation: {c:g} vector operations per weight that the reads do not hide "
                      f"(core.inference.dequant_efficiency, at the card's FP32 vector peak), fitted since 2026-12-03 on "
                      f"the {rows} batch-1 TPOT rows with int8 / int4 weights on A100 of "
                      f"{', '.join(dequant_fit_files())}: mean |error| {err:.1f}% "
                      "(calibration rows of that fit since)")
        g, err, rows = fit_moe_gemm()
        console.print(f"routed experts in serving: {g:g} of the dense serving GEMM efficiency "
                      f"(core.inference.model_gemm_efficiency; training keeps its own constant), fitted since 2026-12-05 "
                      f"on the {rows} Mixtral throughput rows of {MOE_GEMM_FIT_SET} (plan pre-registered there): mean "
                      f"|error| {err:.1f}% (calibration rows of that fit since; the MoE rows of the other sets stay "
                      "held out)")
        t, err, rows = fit_expert_loop()
        console.print(f"per-expert kernels (vLLM 0.6.1-0.7.2's Marlin MoE, SGLang up to 0.4.6 with it; "
                      f"core.inference.expert_loop_layer_seconds): {t * 1e6:.2f} µs per expert kernel that finds no "
                      f"token, 2 per expert and MoE layer, fitted since 2026-12-05 (post hoc) on the {rows} GPTQ-INT4 "
                      f"MoE TPOT rows of {EXPERT_LOOP_FIT_SET}: mean |error| {err:.1f}% ({expert_loop_miss_pct():.1f}% "
                      "before; calibration rows of that fit since)")
