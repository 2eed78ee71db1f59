"""The same configuration measured more than once: how far published step times disagree by themselves.

Two validation rows *repeat* each other when everything the step-time model reads about the run is the
same: the model's shape, the layout (TP, PP, CP, interleaving, micro-batch, global batch, card count, ZeRO
stage, recomputation, sequence parallelism), the training precision and FP8 recipe, the card (peak, HBM
bandwidth and size) and the software stack key. What still differs between them is what the rows record
but the model does not read: the software release, the cluster and its network, the day of the run. So the
spread inside a group is a floor under any model that sees only those inputs, measured on the rows
themselves (the repeatability of the measurements, as a metrology budget states it before the model's
error).

Pairs are split by the published table the rows come from (the row's ``table``, else its ``source``): one
table is one release measured on other clusters (MLPerf submitters of one round); two tables are mostly two
releases of one stack.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from xlcompute.planner.inputs import SystemSpec
from xlcompute.planner.validation.data import ValidationRow

__all__ = ["Repeat", "RepeatGroup", "RepeatSummary", "configuration_key", "least_mean_abs_error",
           "repeated_configurations", "summarise_repeats"]

_FROZEN = ConfigDict(frozen=True)


class Repeat(BaseModel):
    """One measurement of a repeated configuration."""

    model_config = _FROZEN
    set_name: str
    id: str
    table: str = Field(description="the published table (the row's `table`, else its `source`)")
    measured_step_seconds: float
    error_pct: float = Field(description="the step-time model's signed error on the row, %")


class RepeatGroup(BaseModel):
    """Rows whose configuration is identical for the step-time model."""

    model_config = _FROZEN
    label: str
    rows: list[Repeat]

    @property
    def spread_pct(self) -> float:
        """Slowest over fastest measurement, minus one, %."""
        ms = [r.measured_step_seconds for r in self.rows]
        return 100.0 * (max(ms) / min(ms) - 1.0)

    @property
    def floor_pct(self) -> float:
        """The least mean |error| one prediction can have on the group's rows, %
        (:func:`least_mean_abs_error`)."""
        return least_mean_abs_error([r.measured_step_seconds for r in self.rows])


class RepeatSummary(BaseModel):
    """Pairwise spreads of the repeated configurations, within one table and across tables, and the floor they
    set beside the model's error on the same rows."""

    model_config = _FROZEN
    groups: int
    rows: int
    same_table_pairs: int
    same_table_median_pct: float
    same_table_max_pct: float
    cross_table_pairs: int
    cross_table_median_pct: float
    cross_table_max_pct: float
    floor_pct: float = Field(description="mean over the grouped rows of their group's least mean |error|, %")
    model_pct: float = Field(description="the step-time model's mean |error| on the same rows, %")


def configuration_key(row: ValidationRow, system: SystemSpec) -> tuple[object, ...]:
    """What the step-time model reads about a row's run, the cluster's network left out (see the module)."""
    extra = row.model_extra or {}
    return (row.heads, row.kv_heads or row.heads, row.hidden, row.ffn_hidden or 4 * row.hidden, row.gated_ffn,
            row.layers, row.vocab, row.seq_len, row.tp, row.pp, row.cp, row.interleave, row.micro_batch,
            row.global_batch, row.gpus, row.zero_stage, row.recompute, row.sequence_parallel, row.precision,
            extra.get("fp8_recipe"), system.peak_flops, system.hbm_bandwidth, system.hbm_bytes, row.software)


def _label(row: ValidationRow) -> str:
    layout = f"TP{row.tp} PP{row.pp}" + (f" CP{row.cp}" if row.cp > 1 else "") + (
        f" VP{row.interleave}" if row.interleave > 1 else "")
    return (f"h {row.hidden}, {row.layers} layers, seq {row.seq_len}, {layout}, micro-batch {row.micro_batch}, "
            f"batch {row.global_batch}, {row.gpus} cards, {row.precision}")


def least_mean_abs_error(measured: Sequence[float]) -> float:
    """min over p of mean |p/mᵢ − 1|, %: the error of the best single prediction for repeated measurements.

    The mean is convex and piecewise linear in p with its kinks at the mᵢ, so one of them is the minimum."""
    if not measured:
        raise ValueError("measured: give at least one step time (got none)")
    return 100.0 * min(statistics.fmean(abs(p / m - 1.0) for m in measured) for p in measured)


def repeated_configurations(
    entries: Iterable[tuple[str, ValidationRow, SystemSpec, float, float]],
) -> list[RepeatGroup]:
    """Groups of two or more rows with one :func:`configuration_key`, in the order of their first row.

    ``entries``: (set name, row, the row's system, measured step seconds, the model's signed error %)."""
    groups: dict[tuple[object, ...], list[tuple[ValidationRow, Repeat]]] = {}
    for set_name, row, system, measured, error in entries:
        table = str((row.model_extra or {}).get("table") or row.source)
        groups.setdefault(configuration_key(row, system), []).append(
            (row, Repeat(set_name=set_name, id=row.id, table=table, measured_step_seconds=measured,
                         error_pct=error)))
    return [RepeatGroup(label=_label(g[0][0]), rows=[r for _, r in g]) for g in groups.values() if len(g) > 1]


def _spreads(groups: Sequence[RepeatGroup], same: bool) -> list[float]:
    return [100.0 * (max(a.measured_step_seconds, b.measured_step_seconds)
                     / min(a.measured_step_seconds, b.measured_step_seconds) - 1.0)
            for g in groups for a, b in itertools.combinations(g.rows, 2) if (a.table == b.table) == same]


def summarise_repeats(groups: Sequence[RepeatGroup]) -> RepeatSummary | None:
    """The pairwise spreads and the floor of ``groups``; None without any group."""
    if not groups:
        return None
    same, cross = _spreads(groups, True), _spreads(groups, False)
    rows = [(g.floor_pct, abs(r.error_pct)) for g in groups for r in g.rows]
    nan = float("nan")
    return RepeatSummary(
        groups=len(groups), rows=len(rows),
        same_table_pairs=len(same), same_table_median_pct=statistics.median(same) if same else nan,
        same_table_max_pct=max(same, default=nan),
        cross_table_pairs=len(cross), cross_table_median_pct=statistics.median(cross) if cross else nan,
        cross_table_max_pct=max(cross, default=nan),
        floor_pct=statistics.fmean(f for f, _ in rows), model_pct=statistics.fmean(e for _, e in rows))
