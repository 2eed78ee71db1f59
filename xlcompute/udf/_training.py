"""Excel functions for training compute, time, cards, cost and utilisation.

Each calls the FLOP count and the time formulas of :mod:`xlcompute.core.compute` and
:mod:`xlcompute.core.schedule` (seeds 000–003); no formula is written here. The time, card and
cost functions take an MFU and count model FLOPs exactly as the estimate does
(:func:`xlcompute.udf._models.model_flops`: one MFU contract, issue 10), so they have no
recompute argument; the FLOP-count functions keep the seeds' 8PT hardware form."""

from __future__ import annotations

import math
from typing import Any

from xlcompute import _udf_args as a
from xlcompute.core import compute, cost, goodput, schedule
from xlcompute.udf._models import active_params, count_shape, fp8_model, model_flops
from xlcompute.udf._register import (
    GPUS,
    HIDDEN,
    LAYERS,
    PARAMS,
    PARAMS_ACTIVE,
    PARAMS_OR_MODEL,
    PEAK,
    PEAK_TRAIN,
    PRICE_HOUR,
    RECOMPUTE,
    SEQ,
    TOKENS,
    VOCAB,
    excel,
)

__all__ = [
    "LLM_TRAIN_FLOPS",
    "LLM_TRAIN_FLOPS_ATTN",
    "LLM_ITER_FLOPS",
    "LLM_TRAIN_DAYS",
    "LLM_TRAIN_GPU_HOURS",
    "LLM_GPUS_FOR_DAYS",
    "LLM_TRAIN_COST",
    "LLM_MFU",
    "LLM_MFU_FROM_ITER",
    "LLM_TRAIN_DAYS_TABLE",
]


def _extra_forward(value: Any) -> int:
    """Recompute cell → the core's extra forward pass (1 only for full recomputation)."""
    return int(compute.recompute_extra_forward(a.recompute_mode(value)))


@excel({"params": PARAMS_ACTIVE, "tokens": TOKENS, "recompute": RECOMPUTE})
def LLM_TRAIN_FLOPS(params: Any, tokens: Any, recompute: Any = None) -> float:
    """Training compute 6·P·T FLOPs, or 8·P·T with full recomputation (seeds 000, 001); a model
    name gives P its parameters active per token."""
    return float(compute.train_flops(active_params(params), a.train_tokens(tokens), _extra_forward(recompute)))


@excel(
    {
        "params": PARAMS,
        "tokens": TOKENS,
        "seq_len": SEQ,
        "layers": LAYERS,
        "hidden": HIDDEN,
        "recompute": "Optional. 1/TRUE = full activation recomputation (4·T·(…) instead of 3·T·(…): one more "
                     "forward pass); 0/FALSE (default) = none.",
    }
)
def LLM_TRAIN_FLOPS_ATTN(
    params: Any, tokens: Any, seq_len: Any, layers: Any, hidden: Any, recompute: Any = None
) -> float:
    """Training FLOPs with the attention term, 3·T·(2P + 4·h·L·s) (4·T·… with full recomputation;
    seed 002, PaLM's MFU count)."""
    return float(
        compute.train_flops_attn(
            a.param_count(params),
            a.train_tokens(tokens),
            a.whole(seq_len, "seq_len"),
            a.whole(layers, "layers"),
            a.whole(hidden, "hidden"),
            _extra_forward(recompute),
        )
    )


@excel(
    {
        "batch": "Global batch in sequences per iteration.",
        "seq_len": SEQ,
        "layers": LAYERS,
        "hidden": HIDDEN,
        "vocab": VOCAB,
        "recompute": "Optional. 1/TRUE = full activation recomputation (k = 4 instead of 3: one more forward "
                     "pass); 0/FALSE (default) = none.",
    }
)
def LLM_ITER_FLOPS(batch: Any, seq_len: Any, layers: Any, hidden: Any, vocab: Any, recompute: Any = None) -> float:
    """FLOPs of one training iteration, 24·k·B·s·l·h²·(1 + s/6h + V/16lh), k = 3 (4 with full
    recomputation) (seed 003, Megatron)."""
    return float(
        compute.iter_flops_megatron(
            a.positive(batch, "batch"),
            a.whole(seq_len, "seq_len"),
            a.whole(layers, "layers"),
            a.whole(hidden, "hidden"),
            a.whole(vocab, "vocab"),
            _extra_forward(recompute),
        )
    )


# -- time, cards and cost: the estimate's model-FLOPs count (one MFU contract, issue 10) -----

_SHAPE = {
    "seq_len": "Optional. Sequence length: with layers and hidden adds attention FLOPs as the estimate does. "
    "Default 4096 with a model name; leave seq_len, layers, hidden empty for 6PT.",
    "layers": "Optional. Transformer layers, given with seq_len and hidden; leave empty with a model name.",
    "hidden": "Optional. Attention width heads × head_dim (the hidden size for most models), given with "
    "seq_len and layers; leave empty with a model name.",
}
# An MFU typed in gives the steps alone (the seeds' formula, ettr 1) unless ettr is given, while an empty
# MFU gives the estimate's end-to-end figure: each help text says which, as the CLI with
# assumptions.mfu includes goodput and a user comparing the two would otherwise see 2% apart.
_ETTR = ("Optional. Effective training-time ratio, e.g. LLM_ETTR(gpus, params): failures, checkpoints, planned "
         "work. Given: end-to-end figures, as the estimate's. Empty: 1, the steps alone.")
_COUNT = {**_SHAPE, "ettr": _ETTR}
_MFU_STEPS = ('Model FLOPs utilisation in (0, 1]: 0.4 or "40%" (LLM_PREDICTED_MFU predicts one). The result is the '
              "steps alone unless ettr is given (e.g. LLM_ETTR(gpus, params)). Empty: with gpus and a card name in "
              "peak_tflops, end to end.")
_GPUS_PLAN = ("Optional. Cards of the cluster, used only with mfu empty: the estimate plans them on the card named in "
              "peak_tflops (layout, predicted MFU, ETTR) and gives its card-hours, every card of the cluster, as "
              "xlcompute estimate and LLM_TRAIN_DAYS do.")


def _peak(peak_tflops: Any, params: Any) -> float:
    """The peak an MFU is a share of: a card name gives its FP8 peak for a catalog model trained in FP8
    (DeepSeek-V3), as the estimate's predicted MFU and LLM_COMPARE count it; else its BF16 peak."""
    return a.peak_flops(peak_tflops, fp8_model=fp8_model(params))


def _ettr(value: Any) -> float:
    return a.fraction(value, "ettr", default=1.0)


def _gpu_hours(params: Any, tokens: Any, peak_tflops: Any, mfu: Any, seq_len: Any, layers: Any, hidden: Any,
               ettr: Any, gpus: Any) -> float:
    """GPU-hours of LLM_TRAIN_GPU_HOURS and LLM_TRAIN_COST: model FLOPs / (peak × MFU × 3600) / ettr; with
    mfu empty and the cards given, the estimate's end-to-end card-hours on them (as LLM_TRAIN_DAYS)."""
    if a.is_empty(mfu):
        if a.is_empty(gpus):  # no cluster to plan: say where an MFU or the cards go
            raise a.UdfArgumentError('mfu is empty; enter a fraction such as 0.4 or "40%" (LLM_PREDICTED_MFU(model, '
                                     "gpu, gpus) predicts one), or give gpus and a card name in peak_tflops for the "
                                     "estimate's own card-hours")
        _estimate_path(peak_tflops, layers, hidden)
        from xlcompute.udf._planner import estimated_gpu_hours

        return float(estimated_gpu_hours(params, tokens, gpus, peak_tflops, seq_len,
                                         None if a.is_empty(ettr) else _ettr(ettr)))
    flops = model_flops(params, tokens, seq_len, layers, hidden)
    hours = schedule.gpu_hours(flops, _peak(peak_tflops, params), a.fraction(mfu, "mfu"))
    return float(goodput.calendar_seconds(hours, _ettr(ettr)))


def _estimate_path(peak_tflops: Any, layers: Any, hidden: Any) -> None:
    """Refuse what the estimate cannot take when mfu is empty: a shape given by its numbers (the estimate
    takes it from the model's name or size) and a peak without a card to plan on."""
    given = [n for n, v in (("layers", layers), ("hidden", hidden)) if not a.is_empty(v)]
    if given:
        raise a.UdfArgumentError(f"{given[0]} is given but mfu is empty: the estimate takes the model's shape "
                                 "from its name or size; give an MFU, or leave layers and hidden empty")
    # "312" as text (a CSV import) is a TFLOPS figure as 312 is, not an unknown card
    figure = isinstance(peak_tflops, (int, float)) and not isinstance(peak_tflops, bool)
    if figure or (not a.is_card_name(peak_tflops) and a.is_number_text(peak_tflops)):
        raise a.UdfArgumentError(f'peak_tflops must be a card name such as "H800" when mfu is empty (the estimate '
                                 f"plans on that card), got {a.show(peak_tflops)}, a TFLOPS figure, which needs an "
                                 "MFU; name the card, or give an MFU")
    if not isinstance(peak_tflops, str):
        raise a.UdfArgumentError(f'peak_tflops must be a card name such as "H800" when mfu is empty (the '
                                 f"estimate plans on that card), got {a.show(peak_tflops)}; or give an MFU")


_MFU_OPT = (
    'Optional. MFU in (0, 1]: 0.4 or "40%". Typed: the days of the steps alone unless ettr is given (e.g. '
    "LLM_ETTR(gpus, params)). Empty: the estimate plans the card named in peak_tflops, predicts MFU and ETTR: "
    "its end-to-end days."
)


@excel({"params": PARAMS_OR_MODEL, "tokens": TOKENS, "gpus": GPUS, "peak_tflops": PEAK_TRAIN, "mfu": _MFU_OPT, **_SHAPE,
        "ettr": "Optional. Effective training-time ratio, e.g. LLM_ETTR(gpus, params): failures, checkpoints, "
                "planned work. Empty: with an MFU typed 1, the steps alone; with mfu empty the estimate's own. "
                "Given: end-to-end days."})
def LLM_TRAIN_DAYS(
    params: Any,
    tokens: Any,
    gpus: Any,
    peak_tflops: Any,
    mfu: Any = None,
    seq_len: Any = None,
    layers: Any = None,
    hidden: Any = None,
    ettr: Any = None,
) -> float:
    """Training days, model FLOPs / (GPUs × peak × MFU × 86400) (seeds 001, 002): with an MFU typed, the
    steps alone unless ettr is given (÷ ettr, e.g. LLM_ETTR); with mfu empty and a card name, the estimate's
    end-to-end days (its layout, MFU and ETTR). Days."""
    # mfu empty: what a finance user types (model, tokens, cards, card) is the one-line scenario of
    # _planner.estimated_days, so the cell equals xlcompute estimate (Llama-3.1-70B, 15T, 1,000 H800:
    # 263.8 days). With an MFU: seed 001's GPT-3 on 1000 A100 at 0.462 with 6PT, 25.29.
    if a.is_empty(mfu):
        _estimate_path(peak_tflops, layers, hidden)
        from xlcompute.udf._planner import estimated_days

        return float(estimated_days(params, tokens, gpus, peak_tflops, seq_len,
                                    None if a.is_empty(ettr) else _ettr(ettr)))
    flops = model_flops(params, tokens, seq_len, layers, hidden)
    days = schedule.train_days(flops, a.whole(gpus, "gpus"), _peak(peak_tflops, params), a.fraction(mfu, "mfu"))
    return float(goodput.calendar_seconds(days, _ettr(ettr)))


@excel({"params": PARAMS_OR_MODEL, "tokens": TOKENS, "peak_tflops": PEAK_TRAIN, "mfu": "Optional. " + _MFU_STEPS,
        **_COUNT, "gpus": _GPUS_PLAN})
def LLM_TRAIN_GPU_HOURS(
    params: Any, tokens: Any, peak_tflops: Any, mfu: Any = None, seq_len: Any = None, layers: Any = None,
    hidden: Any = None, ettr: Any = None, gpus: Any = None,
) -> float:
    """GPU-hours, model FLOPs / (peak × MFU × 3600): the steps alone unless ettr is given (e.g. LLM_ETTR;
    seed 001, GPT-3 on A100 at 0.462: 607,032). mfu empty, gpus given: the estimate's end-to-end card-hours
    (Llama-2-70B, 2T, 1,000 H800: 820,375)."""
    return _gpu_hours(params, tokens, peak_tflops, mfu, seq_len, layers, hidden, ettr, gpus)


@excel(
    {
        "params": PARAMS_OR_MODEL,
        "tokens": TOKENS,
        "days": 'Target training time in days (60 or "60天"): calendar days with mfu empty or ettr given; with an '
        "MFU typed and ettr empty, days of steps alone (no failures or checkpoints).",
        "peak_tflops": PEAK_TRAIN,
        "mfu": 'Optional. MFU in (0, 1]: 0.4 or "40%". Typed: cards for days of steps alone unless ettr is given '
        "(e.g. LLM_ETTR(gpus, params)). Empty: the estimate sizes the cluster on the card in peak_tflops, end to "
        "end (whole servers).",
        **_SHAPE,
        "ettr": "Optional. Effective training-time ratio, e.g. LLM_ETTR(gpus, params): failures, checkpoints, "
                "planned work. Given (with an MFU): cards for calendar days. Empty: 1, the steps alone; leave it "
                "empty when mfu is empty.",
    }
)
def LLM_GPUS_FOR_DAYS(
    params: Any,
    tokens: Any,
    days: Any,
    peak_tflops: Any,
    mfu: Any = None,
    seq_len: Any = None,
    layers: Any = None,
    hidden: Any = None,
    ettr: Any = None,
) -> float:
    """GPUs to train in the days, rounded up: ⌈model FLOPs / (days × ettr × 86400 × peak × MFU)⌉ (seed
    000 eq. 2): with an MFU typed, days of steps alone unless ettr is given (e.g. LLM_ETTR). With mfu
    empty and a card name: the estimate's cluster, end to end."""
    if a.is_empty(mfu):  # as xlcompute estimate with training.deadline_days and no cards (_planner.estimated_cards)
        _estimate_path(peak_tflops, layers, hidden)
        if not a.is_empty(ettr):
            raise a.UdfArgumentError("ettr is given but mfu is empty: the estimate sizes the cluster with its own "
                                     "ETTR; give an MFU, or leave ettr empty")
        from xlcompute.udf._planner import estimated_cards

        return float(estimated_cards(params, tokens, a.days(days), peak_tflops, seq_len))
    flops = model_flops(params, tokens, seq_len, layers, hidden)
    training_days = a.days(days) * _ettr(ettr)
    return float(schedule.cards_for_days(flops, training_days, _peak(peak_tflops, params), a.fraction(mfu, "mfu")))


@excel(
    {
        "params": PARAMS_OR_MODEL,
        "tokens": TOKENS,
        "peak_tflops": PEAK_TRAIN,
        "mfu": _MFU_STEPS,
        "price_per_gpu_hour": PRICE_HOUR,
        **_COUNT,
        "gpus": _GPUS_PLAN,
    }
)
def LLM_TRAIN_COST(
    params: Any,
    tokens: Any,
    peak_tflops: Any,
    mfu: Any,
    price_per_gpu_hour: Any,
    seq_len: Any = None,
    layers: Any = None,
    hidden: Any = None,
    ettr: Any = None,
    gpus: Any = None,
) -> float:
    """Rental cost of training: GPU-hours (as LLM_TRAIN_GPU_HOURS: the steps alone unless ettr is given,
    e.g. LLM_ETTR, for end to end; with mfu empty and gpus given, the estimate's card-hours) × price per
    GPU-hour. In the currency of the price (seed 001)."""
    hours = _gpu_hours(params, tokens, peak_tflops, mfu, seq_len, layers, hidden, ettr, gpus)
    return float(cost.rental_cost(hours, a.price(price_per_gpu_hour, "price_per_gpu_hour")))


def _utilisation_result(x: float, what: str, check: str) -> float:
    """An implied MFU above 1 means an input is off (cluster instead of per-GPU throughput, sparse peak):
    ``check`` names the arguments to look at; one beyond any number is a #NUM! naming them too."""
    if not math.isfinite(x):
        raise a.UdfResultError(f"implied {what} is beyond Excel's number range; {check}")
    if x > 1:
        raise a.UdfArgumentError(f"implied {what} is {x:.3g} (> 1, impossible); {check}")
    return x


@excel(
    {
        "tokens_per_s_per_gpu": "Measured training throughput in tokens per second per GPU.",
        "params": PARAMS_OR_MODEL,
        "peak_tflops": PEAK_TRAIN,
        **_SHAPE,
    }
)
def LLM_MFU(
    tokens_per_s_per_gpu: Any, params: Any, peak_tflops: Any, seq_len: Any = None, layers: Any = None,
    hidden: Any = None,
) -> float:
    """Model FLOPs utilisation from measured tokens/s per GPU: the estimate's model FLOPs of those
    tokens / peak (3·(2P + 4·L·s·w) per token; 6P with no shape; PaLM App. B). A fraction in (0, 1]."""
    tokens = a.positive(tokens_per_s_per_gpu, "tokens_per_s_per_gpu")
    flops = compute.train_flops_attn(*count_shape(params, seq_len, layers, hidden, tokens))
    return _utilisation_result(float(flops / _peak(peak_tflops, params)), "MFU",
                               "check that tokens_per_s_per_gpu is per GPU (not the cluster's) and that "
                               "peak_tflops is the dense figure")


@excel(
    {
        "iter_seconds": "Measured seconds per training iteration.",
        "batch": "Global batch in sequences per iteration.",
        "seq_len": SEQ,
        "layers": LAYERS,
        "hidden": HIDDEN,
        "vocab": VOCAB,
        "gpus": GPUS,
        "peak_tflops": PEAK,
        "recompute": "Optional. 1/TRUE = the run recomputed activations in full (its iteration did k = 4 instead of 3 "
                     "passes' work: hardware FLOPs); 0/FALSE (default) = none.",
    }
)
def LLM_MFU_FROM_ITER(
    iter_seconds: Any,
    batch: Any,
    seq_len: Any,
    layers: Any,
    hidden: Any,
    vocab: Any,
    gpus: Any,
    peak_tflops: Any,
    recompute: Any = None,
) -> float:
    """Utilisation from a measured iteration time: Megatron FLOPs per iteration / (seconds × GPUs ×
    peak) (seed 003). A fraction in (0, 1]."""
    mfu = schedule.mfu_from_iteration(
        a.positive(iter_seconds, "iter_seconds", unit="seconds"),
        a.positive(batch, "batch"),
        a.whole(seq_len, "seq_len"),
        a.whole(layers, "layers"),
        a.whole(hidden, "hidden"),
        a.whole(vocab, "vocab"),
        a.whole(gpus, "gpus"),
        a.peak_flops(peak_tflops),
        _extra_forward(recompute),
    )
    return _utilisation_result(float(mfu), "utilisation",
                               "check iter_seconds (seconds per iteration), gpus (every GPU of the run), batch (the "
                               "global batch in sequences) and that peak_tflops is the dense figure")


_MAX_TABLE_CELLS = 1_000_000
"""Largest table LLM_TRAIN_DAYS_TABLE spills (about 0.5 s to compute; far beyond any planning table)."""


@excel(
    {
        "params": PARAMS_OR_MODEL,
        "tokens": TOKENS,
        "gpus_range": "A row or column of GPU counts (whole numbers), e.g. {256,512,1024}.",
        "peak_tflops": PEAK_TRAIN,
        "mfu_range": 'A row or column of MFU values in (0, 1], e.g. {0.3,0.4,0.5} or "40%".',
        **_COUNT,
    },
    ranges=("gpus_range", "mfu_range"),
    spills=True,
)
def LLM_TRAIN_DAYS_TABLE(
    params: Any,
    tokens: Any,
    gpus_range: Any,
    peak_tflops: Any,
    mfu_range: Any,
    seq_len: Any = None,
    layers: Any = None,
    hidden: Any = None,
    ettr: Any = None,
) -> list[list[Any]]:
    """Spills a table of training days (as LLM_TRAIN_DAYS; seeds 001/002): one row per GPU count, one
    column per MFU, with a header row of MFUs and a header column of GPU counts: the steps alone unless
    ettr is given (÷ ettr, end to end). Days."""
    flops = model_flops(params, tokens, seq_len, layers, hidden)
    peak, e = _peak(peak_tflops, params), _ettr(ettr)
    counts = a.values(gpus_range, "gpus_range", lambda v, n: a.whole(v, n))
    mfus = a.values(mfu_range, "mfu_range", lambda v, n: a.fraction(v, n))
    if len(counts) * len(mfus) > _MAX_TABLE_CELLS:
        # Each range may hold 10,000 cells, but not their product: 10^8 cells would stall Excel.
        raise a.UdfArgumentError(
            f"gpus_range × mfu_range would spill {len(counts):,} × {len(mfus):,} cells; at most "
            f"{_MAX_TABLE_CELLS:,} (select fewer GPU counts or MFUs)"
        )
    table: list[list[Any]] = [["GPUs \\ MFU", *mfus]]
    for n in counts:
        table.append([n, *(float(goodput.calendar_seconds(schedule.train_days(flops, n, peak, m), e)) for m in mfus)])
    return table
