"""``xlcompute plan``: rank the parallel layouts of a scenario by predicted time per sequence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from xlcompute.cli._common import (
    LANG_OPT,
    SCENARIO_ARG,
    SET_OPT,
    console,
    err_console,
    estimate_problem,
    fail,
    read_scenario,
    scenario_title,
)
from xlcompute.cli._text import check_lang, tr

__all__ = ["plan_command"]


def plan_command(
    scenario: Optional[Path] = SCENARIO_ARG,
    settings: Optional[list[str]] = SET_OPT,
    top: int = typer.Option(5, "--top", min=1, max=100, help="How many layouts to show."),
    explore: bool = typer.Option(
        False, "--explore",
        help="Also search ZeRO-2/3, TP overlap and, on cards with an offload tier, the offload of weights, "
             "activations and optimizer states (not covered by the validation data; ZeRO-3 predictions ran "
             "27-39% optimistic on Megatron 2021 Table 2).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    lang: str = LANG_OPT,
) -> None:
    """Rank the TP/CP/PP/EP/DP layouts of a scenario's model on its cluster by predicted time per sequence (the step over its global batch)."""
    # Imported here: the planner pulls in NumPy, which `xlcompute --help` must not pay for.
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from pydantic import ValidationError

    from xlcompute import fmt
    from xlcompute.estimate import core_problems, resolve, sized_scenario
    from xlcompute.planner import PlannerError, plan_layouts

    check_lang(lang)
    sc = read_scenario(scenario, settings)
    if sc.training is None:  # the planner ranks training layouts; a serving fleet has none to rank
        fail(["training: the scenario plans no training (a serving-only fleet), so there is no layout to plan; "
              "give a training block (training.tokens) or use xlcompute estimate for the serving cards"])
    given_sc = sc
    try:
        # A deadline with cluster.cards left out: rank the layouts of the cluster the estimate sizes.
        sc = sized_scenario(sc)
        resolved = resolve(sc, plan=False)
    except ValueError as exc:  # named after the file and --set, as xlcompute estimate names it
        fail([estimate_problem(exc, given_sc, scenario, settings)])
    arch = resolved.arch
    values = {k: v.value for k, v in resolved.inputs.items()}
    with Progress(TextColumn(tr("plan_searching", lang)), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                  TimeElapsedColumn(), console=err_console, transient=True, disable=as_json) as progress:
        task = progress.add_task("search", total=1)
        try:
            report = plan_layouts(arch, values, explore=explore, top_k=top,
                                  on_progress=lambda done, total: progress.update(task, completed=done, total=total))
        except ValidationError as exc:  # a layout the core's model refuses: name the scenario fields
            fail([core_problems(exc)])
        except (PlannerError, ValueError) as exc:
            fail([estimate_problem(exc, sc, scenario, settings)])
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    t = Table(title=tr("plan_title", lang, name=scenario_title(sc, lang), n=f"{report.candidates_evaluated:,}",
                       fit=f"{report.candidates_fitting:,}", s=f"{report.search_seconds:.2f}"), title_justify="left")
    for i, col in enumerate(tr("plan_cols", lang).split("|")):
        t.add_column(col, justify="left" if i in (1, 2) else "right", overflow="fold")
    modes = {"none": tr("recompute_none", lang), "selective": tr("recompute_selective", lang),
             "full": tr("recompute_full", lang)}
    kinds = {k: tr(f"offload_{k}", lang) for k in ("weights", "activations", "optimizer")}
    for row in report.best:
        ex, r = row.execution, row.result
        t.add_row(
            str(row.rank),
            f"TP{ex.tp}" + (f"·CP{ex.cp}" if ex.cp > 1 else "") + f"·PP{ex.pp}·DP{ex.dp}" + (f"·EP{ex.ep}" if ex.ep > 1 else "")
            + f" mb{ex.micro_batch}"
            + (f" v{ex.interleave}" if ex.interleave > 1 else ""),
            ("、" if lang == "zh" else ", ").join(
                x for x in ("SP" if ex.sequence_parallel else "",
                            tr("plan_no_recompute", lang) if ex.recompute == "none"
                            else tr("plan_recompute_partial", lang, k=ex.recompute_layers) if ex.recompute_layers
                            else tr("plan_recompute", lang, mode=modes.get(ex.recompute, ex.recompute)),
                            f"ZeRO-{ex.zero_stage}", tr("plan_tp_overlap", lang) if ex.tp_overlap else "",
                            tr("plan_offload", lang, kinds="+".join(kinds.get(k, k) for k in ex.offloaded))
                            if ex.offloaded else "") if x
            ),
            fmt.number(ex.global_batch, 0),
            fmt.number(r.predicted_step_seconds, 2), fmt.percent(r.predicted_mfu), fmt.number(r.mem_per_gpu / 1e9, 1),
        )
    console.print(t)
    r = report.best[0].result
    names = tr("plan_parts", lang).split("|")
    seconds = (r.compute_seconds, r.recompute_seconds, r.pp_bubble_seconds, r.pp_comm_seconds,
               r.tp_comm_exposed_seconds, r.cp_comm_exposed_seconds, r.offload_exposed_seconds,
               r.dp_comm_exposed_seconds, r.optimizer_seconds, r.offload_seconds, r.ep_comm_exposed_seconds,
               r.predicted_step_seconds - r.steady_step_seconds)  # the parts add up to the step
    parts = list(zip(names, seconds))
    console.print(tr("plan_best", lang) + ("；" if lang == "zh" else "; ").join(
        f"{k} {v:.3f}" for k, v in parts if v > 0))
    console.print(tr("plan_note", lang))
    from xlcompute.sources import source_text

    target = resolved.inputs["batch_target"]  # the estimate's own target and source (inputs table, workbook, PDF)
    console.print(tr("plan_batch", lang, n=fmt.number(target.value, 0), source=source_text(target, lang)))
    from xlcompute.compare import kernel_note
    from xlcompute.compare_words import note_words

    kernel = kernel_note(sc, resolved.inputs)  # a card no training run calibrates: as xlcompute estimate says it
    if kernel is not None:
        console.print(f"{tr('card_kernel', lang)}{'：' if lang == 'zh' else ': '}{note_words(kernel, lang)}")
    if sc.layout_fixed:  # the estimate keeps the scenario's layout; say which, next to the ranking
        from xlcompute.estimate import estimate

        try:
            given = estimate(sc)
        except ValueError as exc:  # the scenario's own layout refused where the search found others
            fail([estimate_problem(exc, sc, scenario, settings)])
        split = (tr("stage_split", lang, f=fmt.count(given["stage_layers_first"]),
                    l=fmt.count(given["stage_layers_last"]), m=fmt.count(given["stage_layers_even"]))
                 if given["first_stage_layers"] > 0 or given["last_stage_layers"] > 0 else "")
        split += tr("dualpipe", lang) if given["dualpipe"] > 0 else ""
        console.print(tr("plan_given", lang, layout=fmt.layout_text(given["tp"], given["cp"], given["pp"], given["dp"],
                                                                      given["ep"], lang) + split,
                         s=fmt.number(given["predicted_step_seconds"], 2), mfu=fmt.percent(given["predicted_mfu"]),
                         gb=fmt.number(given["mem_per_gpu"] / 1e9, 1)))
