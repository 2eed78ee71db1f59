"""The serving model's all-reduce constants, fitted on published all-reduce timings.

A tensor-parallel all-reduce of ``m`` bytes among ``n`` cards of one server costs, in the serving
model (core.comm [ALPHA], [RING]),

    t = base + 2(n − 1)·step + 2(n − 1)/n · m / (B · η)

with B the card's link bandwidth per direction (catalog) and (base, step, η) fitted here on the
rows of ``data/validation/allreduce_bench.yaml`` that the serving runtimes' own kernels ran:
NCCL, vLLM's and SGLang's custom all-reduce, on cards whose link is NVLink (a catalog key with a
link figure), messages of 1 KiB to 64 MiB (a decode step's b·h·2 bytes and most prefills'), no
row its source or the collector flagged. Least mean |relative error| over a grid, as the other
serving fits. Until 2026-12-03 the three were assumptions (10 µs whatever n, η = 0.75).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from xlcompute import catalog
from xlcompute._yaml_data import load_yaml
from xlcompute.core import comm

__all__ = ["ALLREDUCE_BENCH", "AllreduceRow", "CollectiveFit", "load_allreduce_bench", "fit_rows",
           "predict_seconds", "fit_collectives"]

ALLREDUCE_BENCH = Path(__file__).resolve().parent / "data" / "validation" / "allreduce_bench.yaml"
#: The libraries the serving runtimes call for a TP all-reduce inside a server (TensorRT-LLM's custom
#: kernel is the one SGLang's derives from; vLLM's own; NCCL where the custom kernels step aside).
FIT_LIBRARIES: tuple[str, ...] = ("nccl", "vllm-custom", "sglang-custom")
MIN_BYTES, MAX_BYTES = 2**10, 64 * 2**20
#: Four V100s behind one PCIe switch (NVLink unused), a card the catalog gives NVLink's figure.
PCIE_SWITCH_SOURCE = "SGLANG_V100_FORK_PR2"


class AllreduceRow(BaseModel):
    """One published all-reduce timing (the fields the fit reads; the rest stay in the file)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    source: str
    gpu: str | None
    gpus: int = Field(ge=2)
    library: str
    message_bytes: float = Field(gt=0)
    time_us: float = Field(gt=0, description="published, or derived from a published ms figure")
    flag: str | None = None


def _time_us(raw: dict[str, Any]) -> float | None:
    t = raw.get("time_us")
    if t is None:
        t = (raw.get("derived") or {}).get("time_us")
    return None if t is None else float(t)


@lru_cache(maxsize=4)
def load_allreduce_bench(path: Path | str = ALLREDUCE_BENCH) -> tuple[AllreduceRow, ...]:
    """Every row of the file with a time (a bandwidth-only row is skipped)."""
    data = load_yaml(Path(path).read_text(encoding="utf-8"))
    rows = []
    for raw in data["rows"]:
        t = _time_us(raw)
        if t is not None:
            rows.append(AllreduceRow.model_validate({**raw, "time_us": t}))
    return tuple(rows)


def _nvlink_card(key: str | None) -> bool:
    if key is None:
        return False
    return catalog.get_gpu(key).link_bytes_per_s_per_direction is not None


def fit_rows(rows: tuple[AllreduceRow, ...] | None = None) -> tuple[AllreduceRow, ...]:
    """The rows the fit uses (module docstring). The PCIe-only systems are left out: the A800 PCIe rows
    have no catalog card, and the V100 rows ran behind a PCIe switch while the catalog's V100 figure
    is NVLink's."""
    rows = load_allreduce_bench() if rows is None else rows
    return tuple(r for r in rows if r.flag is None and r.library in FIT_LIBRARIES and _nvlink_card(r.gpu)
                 and MIN_BYTES <= r.message_bytes <= MAX_BYTES and r.source != PCIE_SWITCH_SOURCE)


def predict_seconds(row: AllreduceRow, base_s: Any, step_s: Any, efficiency: Any) -> Any:
    """The model's time of one published all-reduce (core.comm), over NumPy arrays of constants too."""
    link = catalog.get_gpu(str(row.gpu)).link_bytes_per_s_per_direction
    return (comm.allreduce_latency_seconds(row.gpus, base_s, step_s)
            + comm.allreduce_bytes_per_card(row.message_bytes, row.gpus) / (link * efficiency))


class CollectiveFit(BaseModel):
    """The fitted constants and how well they reproduce the rows."""

    base_s: float
    step_s: float
    efficiency: float
    rows: int
    sources: int
    mean_abs_error_pct: float
    mean_signed_error_pct: float


def fit_collectives(rows: tuple[AllreduceRow, ...] | None = None) -> CollectiveFit:
    """Least mean |relative error| over base 0-20 µs (0.25 µs steps), step 0-4 µs (0.05 µs) and
    η 0.30-1.00 (0.01)."""
    used = fit_rows(rows)
    bases = np.arange(0, 20.0001, 0.25) * 1e-6
    steps = np.arange(0, 4.0001, 0.05) * 1e-6
    b, s = (g.ravel() for g in np.meshgrid(bases, steps, indexing="ij"))
    measured = np.array([r.time_us * 1e-6 for r in used])
    best = (np.inf, 0.0, 0.0, 0.0)
    for eta in np.round(np.arange(0.30, 1.0001, 0.01), 2):
        total = np.zeros(b.size)
        for r, t in zip(used, measured):
            total += np.abs(predict_seconds(r, b, s, eta) / t - 1)
        i = int(np.argmin(total))
        if total[i] < best[0]:
            best = (float(total[i]), float(b[i]), float(s[i]), float(eta))
    _, base, step, eta = best
    errors = np.array([predict_seconds(r, base, step, eta) / t - 1 for r, t in zip(used, measured)])
    return CollectiveFit(base_s=base, step_s=step, efficiency=eta, rows=len(used),
                         sources=len({r.source for r in used}),
                         mean_abs_error_pct=float(100 * np.abs(errors).mean()),
                         mean_signed_error_pct=float(100 * errors.mean()))
