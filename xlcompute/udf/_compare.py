"""LLM_COMPARE: the same training job on several cards, side by side (issue 13; xlcompute.compare); and
LLM_CARD_NOTE, the note its row gives a card whose step times no training measurement calibrates.

The cell builds a one-line scenario — model, tokens, cards, the first card of ``gpu_range`` and,
optionally, the MFU and a deadline — with every other field at its scenario default (prices: the CNY defaults of
each card, catalog/prices.yaml) and calls :func:`xlcompute.compare.compare`, so each row equals
``estimate()`` of that card's scenario. A comparison runs one estimate (with a layout search when
no MFU is given) per card, so outcomes are cached per argument tuple for the life of the process;
the cache holds tuples and strings only, and each call returns fresh lists.
"""

from __future__ import annotations

import functools
from typing import Any

from xlcompute import _udf_args as a
from xlcompute.udf._models import preset_or_size
from xlcompute.udf._register import GPUS, MFU, TOKENS, excel

__all__ = ["LLM_COMPARE", "LLM_CARD_NOTE"]

HEADER = ("gpu", "cards", "days", "mfu", "predicted_mfu", "fits_memory", "it_power_kw", "capex", "total_budget",
          "cost_per_1T_train_tokens", "note")
"""The spilled table's header row; one row per card follows."""

_NOTE_CHARS = 500  # a reason longer than this is cut: a cell shows about that much legibly

# Scenario words -> this function's argument names, so a refusal names the cell to change.
_TO_CELLS = a.rewording((
    # the estimate's advice in this function's terms (it has no reliability argument; gpus counts only
    # with deadline_days empty)
    (r"failures, reliability\.failures_per_card_hour,", "failures at the estimate's rate per card-hour"),
    (r"(?:cluster\.cards|gpus) given to see how long the run takes on them",
     "deadline_days left empty and gpus given to see how long the run takes on them"),
    (r"\btraining\.tokens\b", "tokens"),
    (r"\bcluster\.cards\b", "gpus"),
    (r"\bassumptions\.mfu\b", "mfu"),
    (r"\btraining\.deadline_days\b", "deadline_days"),
    (r"\btraining\.deadline_confidence\b", "deadline_confidence"),
    (r"\bmodel\.preset\b", "model"),
    (r"\bcluster\.accelerator\b", "gpu_range"),
    (r" \(global batch: .*\)$", ""),
    (r"\bscenario: ", ""),
    (r"\b(?:training|cluster|model|assumptions|pricing|serving|reliability)\.(\w+)", r"\1"),
))


def _in_cells(message: str) -> str:
    return a.in_argument_names(message, _TO_CELLS)


@functools.lru_cache(maxsize=128)
def _compare(model: str, tokens: float, gpus: int | None, cards: tuple[str, ...], mfu: float | None,
             deadline_days: float | None = None,
             deadline_confidence: float | None = None) -> tuple[tuple[Any, ...], ...] | str:
    """The rows of the comparison, or the reason there is none (cached, as text). With a deadline the
    comparison sizes each card's cluster to it (``gpus`` may be None)."""
    from xlcompute.compare import compare
    from xlcompute.scenario import ScenarioError, parse_scenario

    training: dict[str, Any] = {"tokens": tokens}
    if deadline_days is not None:
        training["deadline_days"] = deadline_days
    if deadline_confidence is not None:
        training["deadline_confidence"] = deadline_confidence
    cluster: dict[str, Any] = {"accelerator": cards[0]}
    if gpus is not None:
        cluster["cards"] = gpus
    from xlcompute.quantity import SIZE_TEXT

    # "70B" is a size (a dense model of generic shape), as the other functions and a scenario read it
    spec = {"params": model} if isinstance(model, str) and SIZE_TEXT.match(model) else {"preset": model}
    data: dict[str, Any] = {"model": spec, "training": training, "cluster": cluster}
    if mfu is not None:
        data["assumptions"] = {"mfu": mfu}
    try:
        result = compare(parse_scenario(data), list(cards))
    except ScenarioError as exc:
        return _in_cells("; ".join(exc.problems))
    except ValueError as exc:
        return _in_cells(str(exc))
    rows = []
    for r in result.alternatives:
        if not r.ok:
            rows.append((r.accelerator, *[""] * (len(HEADER) - 2), a.one_line(_in_cells(r.reason), _NOTE_CHARS)))
            continue
        note = "; ".join(str(n) for n in r.notes) or ("" if r.mem_fits else "does not fit in memory: time and cost follow from mfu")
        rows.append((r.accelerator, r.cards, r.train_days, r.mfu, r.predicted_mfu, bool(r.mem_fits), r.it_power_kw,
                     r.capex_total, r.total_budget, r.cost_per_trillion_tokens,
                     a.one_line(_in_cells(note), _NOTE_CHARS)))
    return tuple(rows)


def _card_keys(gpu_range: Any) -> tuple[str, ...]:
    """The catalog keys of the range's filled cells, in order, each once."""
    from xlcompute.compare import MAX_ALTERNATIVES

    cells = gpu_range if isinstance(gpu_range, (list, tuple)) else [gpu_range]
    flat: list[Any] = []
    for item in cells:
        flat.extend(item if isinstance(item, (list, tuple)) else [item])
    filled = [x for x in flat if not a.is_empty(x)]
    if not filled:
        raise a.UdfArgumentError('gpu_range is empty; select cells holding card names such as "H800", "H20", "910B"')
    if len(filled) > MAX_ALTERNATIVES:
        raise a.UdfArgumentError(f"gpu_range holds {len(filled):,} card names; select at most {MAX_ALTERNATIVES}")
    keys: list[str] = []
    for i, x in enumerate(filled, start=1):
        key = a.gpu(x, f"gpu_range (card {i})").key
        if key not in keys:
            keys.append(key)
    return tuple(keys)


@excel(
    {"model": 'Model name from the catalog, e.g. "llama2-70b" (see MODEL_LIST()), or a size such as "70B" (a dense '
              'model of generic shape).',
     "tokens": TOKENS,
     "gpus": GPUS + " Used for every card.",
     "gpu_range": 'Cells holding up to 8 card names, e.g. "H800", "H20", "A800", "H200", "910B".',
     "mfu": "Optional. " + MFU + " Default: the step-time model predicts one per card.",
     "deadline_days": 'Optional. Days the run must finish in (60 or "60天"): each card then gets the fewest cards '
                      "found that meet it, planned at that count (gpus may be left empty; it is not used).",
     "deadline_confidence": "Optional. Share of the MFU range in which the run must still meet deadline_days, "
                            "0.5 to 0.99 (0.9 or 90%: its P90 days meet it). Default 0.5: the estimate itself."},
    ranges=("gpu_range",),
    spills=True,
)
def LLM_COMPARE(model: Any, tokens: Any, gpus: Any, gpu_range: Any, mfu: Any = None,
                deadline_days: Any = None, deadline_confidence: Any = None) -> list[list[Any]]:
    """Spills the job on each card of gpu_range: header, then cards, days, MFU used and predicted,
    fits memory (TRUE/FALSE), IT kW, capex, total budget (CNY), cost per 1T training tokens, note;
    with deadline_days, the cards each needs (at deadline_confidence)."""
    from xlcompute.scenario import MAX_CARDS

    m = preset_or_size(model)
    n_tokens = a.train_tokens(tokens)
    days = None if a.is_empty(deadline_days) else a.days(deadline_days, "deadline_days")
    confidence = None if a.is_empty(deadline_confidence) else a.fraction(deadline_confidence, "deadline_confidence")
    if confidence is not None and days is None:
        raise a.UdfArgumentError("deadline_confidence needs deadline_days: the confidence is that of meeting it")
    # A deadline sizes every card's cluster (as `xlcompute compare` does), so the count is not needed.
    if a.is_empty(gpus) and days is None:
        raise a.UdfArgumentError("gpus is empty; enter the cards, or give deadline_days to have each card's "
                                 "cards sized to it")
    cards = None if days is not None and a.is_empty(gpus) else a.whole(gpus, "gpus", maximum=MAX_CARDS)
    keys = _card_keys(gpu_range)
    given_mfu = None if a.is_empty(mfu) else a.fraction(mfu, "mfu")
    outcome = _compare(m.key, n_tokens, cards, keys, given_mfu, days, confidence)
    if isinstance(outcome, str):
        raise a.UdfArgumentError(outcome)
    return [list(HEADER), *(list(row) for row in outcome)]


# Any one-line training scenario on the card gives its note: kernel_note reads the card's kernel calibration
# and its held-out published runs, not the model or the tokens, and needs no layout search (plan=False).
_NOTE_MODEL = "llama2-7b"
_NOTE_TOKENS = 1e12


@functools.lru_cache(maxsize=64)
def _card_note(key: str) -> str:
    """LLM_COMPARE's note for a card (mfu empty), or "" for a card whose step times are calibrated."""
    from xlcompute.compare import kernel_note
    from xlcompute.estimate import resolve
    from xlcompute.scenario import parse_scenario

    scenario = parse_scenario({"model": {"preset": _NOTE_MODEL}, "training": {"tokens": _NOTE_TOKENS},
                               "cluster": {"accelerator": key}})
    note = kernel_note(scenario, resolve(scenario, plan=False).inputs)
    return "" if note is None else a.one_line(_in_cells(str(note)), _NOTE_CHARS)


@excel({"gpu": 'A catalog card name such as "MI250X", "H20" or "H800" (as peak_tflops of LLM_TRAIN_DAYS).'})
def LLM_CARD_NOTE(gpu: Any) -> Any:  # Any, not str: xlwings' plain value converter, as MODEL_SPEC's text
    """Text to put beside a card's estimated days: the note LLM_COMPARE gives it (mfu empty) when no training
    measurement calibrates it ("days and MFU extrapolated: …", with its held-out published runs); empty
    text for a calibrated card."""
    return _card_note(a.gpu(gpu).key)
