"""Exhaustive, vectorised search over parallel layouts (seed 004: Calculon searches millions).

For a model, a system and a card count ``n`` the search enumerates every layout that is valid by
construction and scores all of them with the step-time graph over NumPy arrays:

- ``tp * cp * pp * dp == n``; ``tp`` divides the attention heads and the MLP width and is at most
  ``max_tp`` (Megatron column/row split, [MEG21] §2.3);
- ``cp`` (context parallelism) from 1 in powers of two while each rank keeps at least
  ``min_cp_tokens`` tokens of a sequence, tried only for sequences of ``min_cp_seq_len`` tokens and
  more, and only where the sequence divides into 2·cp equal chunks (Megatron-Core's load-balanced
  causal split). Default 16,384 and 1,024: Llama 3 trained its 8K stage without CP and its 128K
  stage with CP 16, 8K tokens per rank (Dubey et al. 2024, Table 4); below ~1K tokens per rank a
  card's GEMMs are small and the K/V ring no longer hides under the attention;
- ``pp`` divides the layers (equal stages; ``uneven_stages`` also admits any ``pp`` up to the
  layers, the busiest stage then holding ⌈L/p⌉); ``interleave`` needs ``pp > 1``, equal model
  chunks (``pp·v`` divides the layers; ``unequal_chunks`` also admits uneven ones,
  :func:`interleave_sizes`) and, as in Megatron-LM's interleaved 1F1B schedule, micro-batches per
  pipeline a multiple of ``pp`` ([MEG21] §2.2.2);
- ``micro_batch * dp`` divides the global batch, ``micro_batch <= max_micro_batch``; global batch
  at most ``max_global_batch`` (Calculon caps it at 3072 to keep convergence, seed 004 §4 point 7);
  with ``round_batch`` the batch is a target rounded to each layout, and a layout whose rounded
  batch exceeds it by more than :data:`BATCH_BAND` ranks after every layout within it
  (:func:`batch_rank_penalty`);
- ``ep`` (expert parallelism, mixture-of-experts models only) divides the routed experts and the
  data-parallel ranks of the expert layers ``tp·cp·dp`` (Megatron-Core MoE: EP is carved from them,
  expert TP 1), at most ``max_ep``; an EP group beyond a server pays the scale-out all-to-all
  (core.moe), so the search weighs node-local against wider EP;
- option flags: recompute (none, selective, full and, with two layers or more on a stage, partial:
  selective with the fewest of each stage's layers in full that fit, :func:`fill_partial`; selective
  is left out where it equals none, a flash kernel without MLA) x sequence parallel (only with tp > 1) x
  ZeRO stage (> 0 only with
  dp·cp > 1, the gradient group) x offload of optimizer states, weights and activations, each on or
  off (only if the system has an offload tier; Calculon §III, seed 004) x TP overlap (only with
  tp > 1) x DP overlap (only with dp·cp > 1).

Chunks are scored on step time and fit only; the best ``top_k`` are then evaluated in full in
one batch. Layouts whose scores agree to 12 significant digits rank by :func:`tie_keys` (less
recomputation, then the smaller context-parallel, tensor-parallel and pipeline groups, fewer
interleaved stages, then enumeration order): many layouts predict exactly the same step (CP 32 or
128 with every transfer hidden), and an unstable partial sort would pick among them by the CPU's
sorting code, so that two machines chose two layouts. ``candidates_evaluated`` is exactly the
number of layouts scored (layouts that do not fit are scored, then rejected). Pure: no I/O;
progress goes to an optional callback.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from xlcompute.core.parallel import CP_CHUNKS_PER_RANK, batch_unit, layers_per_stage, round_global_batch
from xlcompute.planner.inputs import RECOMPUTE_CODES, Execution, SystemSpec, system_values
from xlcompute.planner.steptime import (
    RESULT_KEYS,
    LayoutBatch,
    StepBreakdown,
    StepResult,
    TransformerShape,
    evaluate,
)

__all__ = [
    "SearchOptions",
    "LayoutCandidate",
    "SearchResult",
    "BATCH_BAND",
    "batch_rank_penalty",
    "TIE_DIGITS",
    "rank_score",
    "TieKeys",
    "tie_keys",
    "search",
    "search_layouts",
    "enumerate_layouts",
    "count_layouts",
    "divisors",
    "context_parallel_sizes",
    "expert_parallel_sizes",
]

ProgressCallback = Callable[[int, int], None]

BATCH_BAND = 1.5
"""How far above its target a rounded batch may go and still rank on speed alone. Layouts are
ranked by time per sequence, which a larger batch always lowers (fewer bubbles and gradient
reductions per sequence), so without a limit the ranking trades the user's batch, or the default
token budget, for speed: Llama 3.1 405B on 16,384 cards went from a 16M-token budget to 67M
tokens (8,190 sequences, past the 64M default cap) through two-sequence micro-batches on an
interleaved nine-stage pipeline. Nearest rounding (core.parallel.round_global_batch) stays within
half a unit of the target whenever one unit (micro-batch × dp, × pp when interleaved) is at most
the target, which 1.5 admits; a layout needing more runs only when no layout within it fits."""

_SCORE_KEYS = ("predicted_step_seconds", "mem_fits", "mem_per_gpu")


class SearchOptions(BaseModel):
    """Which layouts to enumerate. Defaults cover the full Megatron-style option space."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tp: int = Field(default=32, ge=1, le=65_536, description="largest tensor-parallel size")
    max_micro_batch: int = Field(default=32, ge=1, le=1_000_000)
    max_interleave: int = Field(default=16, ge=1, le=10_000)
    max_global_batch: int = Field(default=3072, ge=1, description="global batch limit (seed 004 / Calculon: 3072)")
    global_batches: tuple[int, ...] | None = Field(
        default=None, description="extra global-batch sizes to try besides the requested one"
    )
    uneven_stages: bool = Field(
        default=False, description="also try pp that does not divide the layers (the busiest stage holds ⌈L/pp⌉)"
    )
    unequal_chunks: bool = Field(
        default=False,
        description="also try interleaved virtual stages of unequal size (Megatron-Core's custom pipeline "
        "layout): for each largest chunk of c layers, the fewest stages ⌈S/c⌉ that give it",
    )
    round_batch: bool = Field(
        default=False,
        description="treat the global batch as a target and round it to each layout (a whole number of "
        "micro-batches per replica, core.parallel.round_global_batch); no max_global_batch cap",
    )
    idle_cards: bool = Field(
        default=False, description="allow dp = ⌊n/(tp·pp)⌋ with the remaining cards idle (any card count)"
    )
    context_parallel: tuple[int, ...] | None = Field(
        default=None,
        description="context-parallel sizes to try; None = powers of two from 1 while s/cp >= min_cp_tokens, "
        "for sequences of min_cp_seq_len tokens and more",
    )
    min_cp_seq_len: int = Field(default=16_384, ge=1, description="shortest sequence for which CP > 1 is tried")
    min_cp_tokens: int = Field(default=1_024, ge=1, description="fewest tokens of a sequence per CP rank")
    recompute: tuple[Literal["none", "selective", "partial", "full"], ...] = Field(
        default=("none", "selective", "partial", "full"),
        description="recomputation to try; 'partial' = selective with the fewest whole layers of each stage "
        "recomputed in full that let the layout fit (fill_partial)",
    )
    sequence_parallel: tuple[bool, ...] = (False, True)
    zero_stages: tuple[int, ...] = (0, 1, 2, 3)
    offload_optimizer: tuple[bool, ...] = (False, True)
    offload_weights: tuple[bool, ...] = (False, True)
    offload_activations: tuple[bool, ...] = (False, True)
    tp_overlap: tuple[bool, ...] = (False, True)
    dp_overlap: tuple[bool, ...] = (True,)
    bytes_param: float = Field(default=2.0, gt=0)
    bytes_grad: float = Field(default=2.0, gt=0)
    bytes_optimizer: float = Field(default=12.0, ge=0)
    tp_async_backward: bool = Field(
        default=True, description="software stack overlaps backward TP collectives (Execution.tp_async_backward)"
    )
    flash_attention: bool = Field(default=False, description="fused causal attention kernel for the whole search")
    expert_parallel: tuple[int, ...] | None = Field(
        default=None, description="EP sizes to try; None = every divisor of the experts that divides tp·cp·dp"
    )
    max_ep: int = Field(default=1024, ge=1, description="largest expert-parallel size")
    capacity_factor: float = Field(default=1.0, ge=1, description="expert capacity factor for the whole search")
    a2a_overlap: float = Field(default=0.0, ge=0, le=1, description="all-to-all overlap for the whole search")
    a2a_dedup: bool = Field(default=False, description="deduplicating token dispatcher (DeepEP) for the whole search")
    moe_sync_ms: float = Field(default=0.0, ge=0, le=1000, description="dispatcher host wait per MoE layer, ms")
    precision_peak_ratio: float = Field(default=1.0, ge=1, description="training precision peak / BF16 peak")
    top_k: int = Field(default=10, ge=1, le=10_000)
    chunk_size: int = Field(default=1 << 18, ge=1, description="layouts per vectorised chunk")


class LayoutCandidate(BaseModel):
    """One ranked layout with its full breakdown."""

    model_config = ConfigDict(frozen=True)

    rank: int
    execution: Execution
    result: StepResult


class SearchResult(BaseModel):
    """Top layouts and honest counts."""

    model_config = ConfigDict(frozen=True)

    n_cards: int
    global_batch: int
    candidates_evaluated: int
    candidates_fitting: int
    best: list[LayoutCandidate]
    lightest: LayoutCandidate | None = Field(
        default=None, description="the layout needing the least memory per card (whether or not it fits)"
    )


def divisors(n: int) -> list[int]:
    """Positive divisors of ``n`` in increasing order."""
    if n < 1:
        raise ValueError(f"n must be >= 1 (got {n})")
    small = [i for i in range(1, math.isqrt(n) + 1) if n % i == 0]
    return sorted(set(small + [n // i for i in small]))


#: Flag code of "partial" recomputation: selective, with the fewest whole layers of each pipeline
#: stage recomputed in full that let the layout fit (:func:`fill_partial`). Between selective
#: recomputation, which may not fit, and full, which adds a third of the compute.
PARTIAL_CODE = 3
_UNSOLVED = -1  # recompute_layers of a partial row before fill_partial solves it


def recompute_codes(choices: Sequence[str], flash: bool = False, mla: bool = False) -> tuple[int, ...]:
    """The flag codes of the recomputation choices (RECOMPUTE_CODES, PARTIAL_CODE). With a flash
    kernel and no MLA, selective recomputation has nothing to drop and equals none (core.memory,
    core.kernels): only one of them is enumerated, none when both are chosen."""
    codes = [PARTIAL_CODE if r == "partial" else RECOMPUTE_CODES[r] for r in dict.fromkeys(choices)]
    if flash and not mla and 0 in codes and 1 in codes:
        codes.remove(1)
    return tuple(codes)


def fill_partial(lay: LayoutBatch, values: Mapping[str, float], cards: float) -> LayoutBatch:
    """Solve the partial rows of ``lay`` (recompute_layers = _UNSOLVED): the fewest layers k of the
    busiest stage's n = ⌈L/p⌉ to recompute in full for the layout to fit its HBM. Memory falls by the
    same bytes for each further layer recomputed (core.memory.activations_stored_layer), so two
    evaluations, at k = 1 and k = n − 1, give k; the layout's own evaluation then checks the fit.
    Where a later stage sets the memory for some k, memory is the larger of two straight lines and
    lies below the one through those points: the k found fits, perhaps a layer more than needed.
    Where not even k = n − 1 fits, k = n − 1 and the layout's evaluation rejects it."""
    rc = np.asarray(lay.recompute_layers)
    todo = np.flatnonzero(rc == _UNSOLVED) if rc.ndim else np.empty(0, dtype=np.int64)
    if todo.size == 0:
        return lay
    n = np.asarray(layers_per_stage(values["layers"], np.asarray(lay.pp)[todo]), dtype=np.int64)
    base = {**values, **{k: (v[todo] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in lay.values().items()},
            "gpu_count": cards}
    keys = ("mem_per_gpu", "hbm_bytes")
    one = evaluate({**base, "recompute_layers": np.ones(todo.size)}, keys)
    last = np.maximum(n - 1, 1)
    most = evaluate({**base, "recompute_layers": last.astype(np.float64)}, keys)
    m1 = np.broadcast_to(np.asarray(one["mem_per_gpu"], dtype=np.float64), todo.shape)
    mn = np.broadcast_to(np.asarray(most["mem_per_gpu"], dtype=np.float64), todo.shape)
    hbm = np.broadcast_to(np.asarray(one["hbm_bytes"], dtype=np.float64), todo.shape)
    slope = np.where(last > 1, (mn - m1) / np.maximum(last - 1, 1), 0.0)  # bytes per further layer (< 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.where(m1 <= hbm, 1, np.where(slope < 0, 1 + np.ceil((m1 - hbm) / -slope), last))
    k = np.where(n > 1, np.clip(need, 1, last), 0).astype(np.int64)
    out = rc.copy()
    out[todo] = k
    return dataclasses.replace(lay, recompute_layers=out)


@dataclass
class _Group:
    """Structural rows (tp, pp, dp, mb, gb, il, cp, ep) sharing one set of valid option flags."""

    struct: np.ndarray  # (S, 8) int64
    # (F, 8) int64: recompute, sp, zero, offload optimizer, weights, activations, tp_overlap, dp_overlap
    flags: np.ndarray

    @property
    def size(self) -> int:
        return int(self.struct.shape[0] * self.flags.shape[0])


@dataclass(frozen=True)
class _Dims:
    """The model dimensions the enumeration needs."""

    layers: int
    heads: int
    ffn_hidden: int
    seq_len: int
    experts: int = 0

    @classmethod
    def of(cls, values: Mapping[str, float]) -> _Dims:
        return cls(int(values["layers"]), int(values["heads"]), int(values["ffn_hidden"]), int(values["seq_len"]),
                   int(values.get("experts", 0)))


def expert_parallel_sizes(experts: int, group: int, opt: SearchOptions) -> list[int]:
    """EP sizes for a layout whose expert layers have ``group`` = tp·cp·dp ranks: divisors of the
    routed experts that divide ``group`` (Megatron-Core MoE), at most ``max_ep``; 1 for a dense model.
    With ``expert_parallel`` given, a layout none of whose sizes fits gets none (it is not enumerated)."""
    if experts < 1:
        return [1]
    sizes = opt.expert_parallel if opt.expert_parallel is not None else divisors(experts)
    return [e for e in sorted(set(sizes)) if e <= opt.max_ep and experts % e == 0 and group % e == 0]


def _has_offload(values: Mapping[str, float]) -> bool:
    """Whether the system has an offload tier (capacity and bandwidth above 0)."""
    cap = values.get("offload_bytes", values.get("offload_gb", 0.0))
    bw = values.get("offload_bytes_per_s", values.get("offload_gbs", 0.0))
    return cap > 0 and bw > 0


#: Micro-batch sizes tried when the batch is rounded to the layout (the divisors of a fixed batch
#: otherwise): the sizes training configurations use.
_MICRO_BATCHES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)


def _pipeline_sizes(layers: int, uneven: bool) -> list[int]:
    """Stage counts to try: the divisors of the layers, or with uneven stages the fewest stages for
    each busiest-stage size ⌈L/p⌉ (more stages with the same busiest stage only add bubble)."""
    if not uneven:
        return divisors(layers)
    return sorted({math.ceil(layers / math.ceil(layers / p)) for p in range(1, layers + 1)})


#: Relative rank added per offloaded kind, far below any step-time difference the model resolves: it
#: only orders layouts whose predicted steps are equal.
OFFLOAD_TIE = 1e-9


#: Significant digits of the score two layouts must share to count as a tie (12: far above the
#: last-bit differences of floating point on two machines, far below any difference the model resolves).
TIE_DIGITS = 12


def rank_score(score: np.ndarray) -> np.ndarray:
    """The score rounded to :data:`TIE_DIGITS` significant digits (inf kept): the primary sort key."""
    s = np.asarray(score, dtype=np.float64)
    finite = np.isfinite(s) & (s > 0)
    safe = np.where(finite, s, 1.0)
    mag = np.floor(np.log10(safe))
    scale = 10.0 ** (TIE_DIGITS - 1 - mag)
    return np.where(finite, np.round(safe * scale) / scale, s)


class TieKeys(NamedTuple):
    """Secondary sort keys of layouts with equal scores, least significant first (np.lexsort's
    order): enumeration order (index in its group, group), then interleave, pp, tp, cp and
    recomputation, so less recomputation wins first, then the smaller groups (less traffic to hide,
    should it not hide)."""

    idx: np.ndarray
    gi: np.ndarray
    interleave: np.ndarray
    pp: np.ndarray
    tp: np.ndarray
    cp: np.ndarray
    recompute: np.ndarray


def tie_keys(lay: LayoutBatch, gi: np.ndarray, idx: np.ndarray) -> TieKeys:
    """The :class:`TieKeys` of a batch of layouts (group ``gi``, indices ``idx`` in it)."""
    n = idx.shape
    rc = np.asarray(lay.recompute, dtype=np.int64) * 100_001 + np.asarray(lay.recompute_layers, dtype=np.int64)
    return TieKeys(*(np.broadcast_to(k, n) for k in (idx, gi, lay.interleave, lay.pp, lay.tp, lay.cp, rc)))


def batch_rank_penalty(global_batch: np.ndarray, target: float) -> np.ndarray:
    """Seconds per sequence added to a layout's rank when its rounded batch exceeds
    :data:`BATCH_BAND` × the target: 0 within the band, else 10⁹ × batch / target, so every layout
    within the band ranks first and, when none fits, the least inflated batch runs."""
    ratio = np.asarray(global_batch, dtype=np.float64) / float(target)
    return np.where(ratio > BATCH_BAND, 1e9 * ratio, 0.0)


def _target_rows(
    tp: int, pp: int, dp: int, cp: int, target: int, ils: list[int], opt: SearchOptions, ep: int = 1
) -> list[tuple[int, ...]]:
    """(tp, pp, dp, mb, target, v, cp, ep) rows of the micro-batches worth trying for a target batch;
    :func:`_round_batches` then rounds the target to each row's layout."""
    rows: list[tuple[int, ...]] = []
    for mb in _MICRO_BATCHES:
        if mb > opt.max_micro_batch or (mb > 1 and mb * dp > 1.5 * target):
            break  # a bigger micro-batch would inflate the batch well beyond the target
        rows.extend((tp, pp, dp, mb, target, il, cp, ep) for il in ils)
    return rows


def _round_batches(rows: np.ndarray) -> np.ndarray:
    """The rows with their target batch (column 4) rounded to the layout by the core's formulas
    (core.parallel.batch_unit, round_global_batch): the interleaved schedule needs micro-batches per
    pipeline in multiples of pp ([MEG21] §2.2.2). One array call: the search makes tens of thousands
    of rows, and a scalar call per row was a fifth of a planned estimate's time."""
    if rows.size:
        unit = batch_unit(rows[:, 3], rows[:, 1], rows[:, 5])
        rows[:, 4] = np.asarray(round_global_batch(rows[:, 4], unit, rows[:, 2]), dtype=np.int64)
    return rows


def context_parallel_sizes(seq_len: int, opt: SearchOptions) -> list[int]:
    """CP sizes the search tries for sequences of ``seq_len`` tokens (see :class:`SearchOptions`):
    the given ones, or powers of two from 1 while each rank keeps ``min_cp_tokens`` tokens, for
    sequences of ``min_cp_seq_len`` and more; always only sizes that cut the sequence into 2·cp
    equal chunks."""
    if opt.context_parallel is not None:
        sizes = sorted(set(opt.context_parallel))
    elif seq_len < opt.min_cp_seq_len:
        sizes = [1]
    else:
        sizes = [1 << k for k in range(seq_len.bit_length()) if seq_len >> k >= opt.min_cp_tokens]
    return [c for c in sizes if c == 1 or seq_len % (CP_CHUNKS_PER_RANK * c) == 0]


def interleave_sizes(layers: int, pp: int, opt: SearchOptions, on_stage: int | None = None) -> list[int]:
    """Virtual stages per card the search tries on ``pp`` stages of ``layers`` layers.

    Megatron-LM's classic interleaving needs equal chunks, ``pp·v`` dividing the layers ([MEG21]
    §2.2.2). With ``opt.unequal_chunks`` (Megatron-Core's ``--pipeline-model-parallel-layout``) the
    busiest stage's S = ⌈L/pp⌉ layers may split unevenly: the schedule then acts as
    S/⌈S/v⌉ equal stages (core.parallel.effective_interleave), so for each largest chunk c only the
    fewest stages ⌈S/c⌉ are tried; more stages with the same largest chunk add point-to-point
    messages and save nothing. Both sets hold the equal splits and stay within ``max_interleave``.
    ``on_stage`` is the fullest stage's layers when a first/last-stage split sets it (core.stages.fullest_stage)."""
    if pp <= 1:
        return [1]
    if not opt.unequal_chunks:
        return [v for v in range(1, opt.max_interleave + 1) if v == 1 or layers % (pp * v) == 0]
    s = on_stage or math.ceil(layers / pp)
    return sorted({v for v in (math.ceil(s / c) for c in range(1, s + 1)) if v <= opt.max_interleave})


def _structural_rows(a: _Dims, n_cards: int, global_batch: int, opt: SearchOptions) -> np.ndarray:
    gbs = sorted({global_batch, *(opt.global_batches or ())})
    gbs = [g for g in gbs if 1 <= g and (opt.round_batch or g <= opt.max_global_batch)]
    tps = [t for t in divisors(a.heads)
           if t <= min(opt.max_tp, n_cards) and a.ffn_hidden % t == 0 and (opt.idle_cards or n_cards % t == 0)]
    pps = _pipeline_sizes(a.layers, opt.uneven_stages)
    cps = context_parallel_sizes(a.seq_len, opt)
    rows: list[tuple[int, ...]] = []
    for tp in tps:
        for cp in cps:
            for pp in pps:
                group = tp * cp * pp
                if group > n_cards or (not opt.idle_cards and n_cards % group):
                    continue
                dp = n_cards // group
                ils = interleave_sizes(a.layers, pp, opt)
                eps = expert_parallel_sizes(a.experts, tp * cp * dp, opt)
                if opt.round_batch:
                    for gb in gbs:
                        for ep in eps:
                            rows.extend(_target_rows(tp, pp, dp, cp, gb, ils, opt, ep))
                    continue
                for gb in gbs:
                    if gb % dp:
                        continue
                    for mb in divisors(gb // dp):
                        if mb > opt.max_micro_batch:
                            break
                        m = gb // (dp * mb)
                        for il in ils:
                            if il > 1 and m % pp:
                                continue  # Megatron interleaved schedule: m multiple of pp
                            rows.extend((tp, pp, dp, mb, gb, il, cp, ep) for ep in eps)
    table = np.array(rows, dtype=np.int64).reshape(-1, 8)
    return _round_batches(table) if opt.round_batch else table


def _groups(values: Mapping[str, float], n_cards: int, global_batch: int, opt: SearchOptions) -> list[_Group]:
    if n_cards < 1:
        raise ValueError(f"n_cards must be >= 1 (got {n_cards})")
    if global_batch < 1 or (global_batch > opt.max_global_batch and not opt.round_batch):
        raise ValueError(f"global_batch={global_batch} must be in 1..max_global_batch={opt.max_global_batch}")
    struct = _structural_rows(_Dims.of(values), n_cards, global_batch, opt)
    has_offload = _has_offload(values)

    def tier(choice: tuple[bool, ...]) -> tuple[bool, ...]:
        return tuple(sorted({o for o in choice if has_offload or not o})) or (False,)

    offl = (tier(opt.offload_optimizer), tier(opt.offload_weights), tier(opt.offload_activations))
    groups: list[_Group] = []
    layers = _Dims.of(values).layers
    rcs_all = recompute_codes(opt.recompute, opt.flash_attention, values.get("mla_latent_width", 0) > 0)
    for multi_tp, multi_dp, multi_layer in itertools.product((False, True), (False, True), (True, False)):
        # ZeRO and the DP overlap act on the gradient group, dp·cp ranks; a partial recomputation
        # needs two layers or more on a stage
        sel = (((struct[:, 0] > 1) == multi_tp) & ((struct[:, 2] * struct[:, 6] > 1) == multi_dp)
               & ((layers_per_stage(layers, struct[:, 1]) > 1) == multi_layer))
        if not sel.any():
            continue
        sps = tuple(sorted(set(opt.sequence_parallel))) if multi_tp else (False,)
        tpos = tuple(sorted(set(opt.tp_overlap))) if multi_tp else (False,)
        zss = tuple(sorted(set(opt.zero_stages))) if multi_dp else (0,)
        dpos = tuple(sorted(set(opt.dp_overlap))) if multi_dp else (False,)
        rcs = rcs_all if multi_layer else tuple(c for c in rcs_all if c != PARTIAL_CODE)
        flags = np.array(list(itertools.product(rcs, sps, zss, *offl, tpos, dpos)), dtype=np.int64).reshape(-1, 8)
        if flags.size:
            groups.append(_Group(struct=struct[sel], flags=flags))
    return groups


def _batch(group: _Group, idx: np.ndarray, opt: SearchOptions) -> LayoutBatch:
    nf = group.flags.shape[0]
    st = group.struct[idx // nf]
    fl = group.flags[idx % nf]
    partial = fl[:, 0] == PARTIAL_CODE
    return LayoutBatch(
        tp=st[:, 0], pp=st[:, 1], dp=st[:, 2], cp=st[:, 6], micro_batch=st[:, 3], global_batch=st[:, 4],
        interleave=st[:, 5], recompute=np.where(partial, 1, fl[:, 0]),
        recompute_layers=np.where(partial, _UNSOLVED, 0),
        sequence_parallel=fl[:, 1].astype(bool), zero_stage=fl[:, 2],
        offload_optimizer=fl[:, 3].astype(bool), offload_weights=fl[:, 4].astype(bool),
        offload_activations=fl[:, 5].astype(bool), tp_overlap=fl[:, 6].astype(bool), dp_overlap=fl[:, 7].astype(bool),
        ep=st[:, 7], expert_tp=np.ones_like(st[:, 7]), **_batch_wide(opt),
    )


def _batch_wide(opt: SearchOptions) -> dict[str, float | bool]:
    """The options that hold for every layout of a search (LayoutBatch's batch-wide fields)."""
    return {"bytes_param": opt.bytes_param, "bytes_grad": opt.bytes_grad, "bytes_optimizer": opt.bytes_optimizer,
            "tp_async_backward": opt.tp_async_backward, "flash_attention": opt.flash_attention,
            "capacity_factor": opt.capacity_factor, "a2a_overlap": opt.a2a_overlap,
            "a2a_dedup": opt.a2a_dedup, "moe_sync_ms": opt.moe_sync_ms,
            "precision_peak_ratio": opt.precision_peak_ratio}


def _concat(parts: list[LayoutBatch], opt: SearchOptions) -> LayoutBatch:
    names = ("tp", "pp", "dp", "cp", "micro_batch", "global_batch", "interleave", "sequence_parallel", "recompute",
             "recompute_layers", "zero_stage", "offload_optimizer", "offload_weights", "offload_activations", "tp_overlap", "dp_overlap",
             "ep", "expert_tp")
    return LayoutBatch(
        **{k: np.concatenate([np.broadcast_to(getattr(p, k), p.tp.shape) for p in parts]) for k in names},
        **_batch_wide(opt),  # type: ignore[arg-type]
    )


def _fixed(shape: TransformerShape, system: SystemSpec) -> dict[str, float]:
    return {**shape.values(), **system_values(system)}


def count_layouts(shape: TransformerShape, system: SystemSpec, n_cards: int, global_batch: int,
                  options: SearchOptions | None = None) -> int:
    """Number of candidate layouts :func:`search_layouts` evaluates."""
    opt = options or SearchOptions()
    return sum(g.size for g in _groups(_fixed(shape, system), n_cards, global_batch, opt))


def enumerate_layouts(shape: TransformerShape, system: SystemSpec, n_cards: int, global_batch: int,
                      options: SearchOptions | None = None) -> LayoutBatch:
    """Every candidate layout as one :class:`LayoutBatch` (for tests and small spaces)."""
    opt = options or SearchOptions()
    fixed = _fixed(shape, system)
    parts = [_batch(g, np.arange(g.size, dtype=np.int64), opt) for g in _groups(fixed, n_cards, global_batch, opt)]
    if not parts:
        raise ValueError(f"no valid layout for n_cards={n_cards}, global_batch={global_batch}")
    return fill_partial(_concat(parts, opt), fixed, float(n_cards))


def search_layouts(
    shape: TransformerShape,
    system: SystemSpec,
    n_cards: int,
    global_batch: int,
    options: SearchOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> SearchResult:
    """:func:`search` for a model shape on a system."""
    return search(_fixed(shape, system), n_cards, global_batch, options, on_progress)


def _distinct(ranked: list[tuple[Execution, StepResult]]) -> list[tuple[Execution, StepResult]]:
    """The ranked layouts without those that differ from a better-ranked one only in their
    recomputation and take the same time and memory: with a fused attention kernel selective
    recomputation has nothing to drop (core.memory), and a table listing the same layout twice
    hides an alternative. The one kept is the first, the least recomputation (TieKeys)."""
    kept: list[tuple[Execution, StepResult]] = []
    for e, res in ranked:
        same = any(e.model_copy(update={"recompute": k.recompute, "recompute_layers": k.recompute_layers}) == k
                   and math.isclose(res.predicted_step_seconds, r.predicted_step_seconds, rel_tol=1e-12)
                   and math.isclose(res.mem_per_gpu, r.mem_per_gpu, rel_tol=1e-12) for k, r in kept)
        if not same:
            kept.append((e, res))
    return kept


def search(
    values: Mapping[str, float],
    n_cards: int,
    global_batch: int,
    options: SearchOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> SearchResult:
    """Score every valid layout and return the ``top_k`` fastest that fit, best first.

    ``values`` holds the step-time graph's model and system inputs (the estimate's resolved
    inputs, or a shape's and a system's values); the search supplies the layouts. Tokens per step
    differ between global-batch choices, so layouts are ranked by time per sequence (step seconds
    / global batch); with one global batch this is the step time.
    """
    opt = options or SearchOptions()
    keep = 2 * opt.top_k  # room for the equivalent layouts dropped at the end (_distinct)
    groups = _groups(values, n_cards, global_batch, opt)
    total = sum(g.size for g in groups)
    band_target = max((global_batch, *(opt.global_batches or ())))
    fixed = dict(values)
    cards = float(n_cards)  # with idle cards, dp = ⌊n/(tp·cp·pp)⌋ in the graph, as enumerated
    done = fitting = 0
    best_score = np.empty(0)
    best_keys = TieKeys(*(np.empty(0, dtype=np.int64) for _ in TieKeys._fields))
    light: tuple[float, int, int] = (np.inf, -1, -1)  # (memory, group, index) of the lightest layout
    if on_progress is not None:
        on_progress(0, total)
    for gi, g in enumerate(groups):
        for start in range(0, g.size, opt.chunk_size):
            idx = np.arange(start, min(start + opt.chunk_size, g.size), dtype=np.int64)
            lay = fill_partial(_batch(g, idx, opt), fixed, cards)
            out = evaluate({**fixed, **lay.values(), "gpu_count": cards}, _SCORE_KEYS)
            fits = np.broadcast_to(np.asarray(out["mem_fits"]) >= 0.5, idx.shape)
            fitting += int(fits.sum())
            mem = np.broadcast_to(np.asarray(out["mem_per_gpu"]), idx.shape)
            j = int(np.argmin(mem))
            if mem[j] < light[0]:
                light = (float(mem[j]), gi, int(idx[j]))
            score = np.where(fits, out["predicted_step_seconds"] / lay.global_batch, np.inf)
            # Equal step times: the layout offloading fewer kinds to host memory ranks first (less host
            # memory and link; nothing to expose should the transfers not hide). 0 offloaded: unchanged.
            n_off = (np.asarray(lay.offload_optimizer, dtype=np.int64) + np.asarray(lay.offload_weights, dtype=np.int64)
                     + np.asarray(lay.offload_activations, dtype=np.int64))
            score = score * (1 + OFFLOAD_TIE * n_off)
            if opt.round_batch:
                score = score + batch_rank_penalty(lay.global_batch, band_target)
            k = min(keep, score.size)
            # Every layout that may tie with the k-th best at TIE_DIGITS stays a candidate (a margin of two
            # rounding steps), so the tie keys decide, not the partition; only those are rounded.
            cut = np.partition(score, k - 1)[k - 1] if k < score.size else np.inf
            part = np.flatnonzero(np.isfinite(score) & (score <= cut * (1 + 2 * 10.0 ** (1 - TIE_DIGITS))))
            keys = tie_keys(lay, np.full(idx.shape, gi, dtype=np.int64), idx)
            best_score = np.concatenate([best_score, rank_score(score[part])])
            best_keys = TieKeys(*(np.concatenate([b, np.asarray(t)[part]]) for b, t in zip(best_keys, keys)))
            order = np.lexsort((*best_keys, best_score))[:keep]
            best_score = best_score[order]
            best_keys = TieKeys(*(b[order] for b in best_keys))
            done += idx.size
            if on_progress is not None:
                on_progress(done, total)
    best_idx, best_gi = best_keys.idx, best_keys.gi
    best: list[LayoutCandidate] = []
    if best_idx.size:
        # The winners in one batch, with every quantity the planner reports.
        top = fill_partial(_concat([_batch(groups[gi], np.array([i], dtype=np.int64), opt)
                                    for gi, i in zip(best_gi.tolist(), best_idx.tolist())], opt), fixed, cards)
        full = evaluate({**fixed, **top.values(), "gpu_count": cards}, RESULT_KEYS)
        rows = StepBreakdown({k: np.broadcast_to(np.asarray(full[k], dtype=np.float64), (len(top),))
                              for k in RESULT_KEYS})
        ranked = [(top.execution(r), rows.row(r)) for r in range(len(top))]
        best = [LayoutCandidate(rank=r + 1, execution=e, result=res)
                for r, (e, res) in enumerate(_distinct(ranked)[: opt.top_k])]
    lightest = None
    if light[1] >= 0:
        one = fill_partial(_batch(groups[light[1]], np.array([light[2]], dtype=np.int64), opt), fixed, cards)
        out1 = evaluate({**fixed, **one.values(), "gpu_count": cards}, RESULT_KEYS)
        res = StepBreakdown({k: np.broadcast_to(np.asarray(out1[k], dtype=np.float64), (1,)) for k in RESULT_KEYS})
        lightest = LayoutCandidate(rank=0, execution=one.execution(0), result=res.row(0))
    return SearchResult(n_cards=n_cards, global_batch=global_batch, candidates_evaluated=total,
                        candidates_fitting=fitting, best=best, lightest=lightest)
