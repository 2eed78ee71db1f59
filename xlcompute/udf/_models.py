"""Catalog models as arguments of the Excel functions, and the model-FLOPs count they share.

One MFU contract (issue 10): MFU is model FLOPs (no recomputation) over peak, and the training
functions count model FLOPs exactly as the estimate does, with
:func:`xlcompute.core.compute.train_flops_attn` at r = 0, ``3·T·(2P + 4·L·s·w)``. Their first
argument is a parameter count or a catalog model name:

- a model name: P is the preset's active parameter count, L its layers and w its attention
  width heads·head_dim, all from :func:`xlcompute.planner.inputs.model_values`, the mapping the
  estimate uses; s is the ``seq_len`` cell or the scenario default (4096);
- a count with ``seq_len``, ``layers`` and ``hidden``: the same count with w = hidden;
- a count alone: the attention term is 0, i.e. 6PT (seed 001).

Lookups by name and the counts of a preset are cached: Excel recalculates often and a catalog
is fixed for the life of the process. Only immutable values are cached (floats, frozen presets,
tuples).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from xlcompute import _udf_args as a
from xlcompute.catalog import ModelPreset, UnknownPresetError, get_model
from xlcompute.core import compute
from xlcompute.core.moe import training_active_params
from xlcompute.quantity import QuantityError, parse_quantity

__all__ = [
    "ModelCounts",
    "preset",
    "preset_or_size",
    "SizedModel",
    "model_or_count",
    "stored_params",
    "active_params",
    "counts",
    "training_default",
    "default_seq_len",
    "model_flops",
    "fp8_model",
]


class ModelCounts(NamedTuple):
    """What the model-FLOPs count reads from a model (the graph's input keys)."""

    model_active_params: float
    layers: float
    attn_width: float
    mtp_params: float  # multi-token prediction modules: trained on every token, not served (DeepSeek-V3)


def _in_a_cell(exc: UnknownPresetError) -> str:
    """The catalog's message for a cell: instead of its list of every known model (longer than a cell
    shows as the catalog grows), a pointer to ``=MODEL_LIST()``, which spills them."""
    return f"{exc.head}=MODEL_LIST() lists the {len(exc.known)} known models" if exc.known else str(exc)


@functools.lru_cache(maxsize=1024)
def _preset_by_text(text: str) -> ModelPreset:
    # Errors are not cached (lru_cache stores returns only), so a typo is re-checked each time.
    return get_model(text)


def preset(value: Any, name: str = "model") -> ModelPreset:
    """The catalog model named by ``value`` ("llama2-70b", "GPT-3"), or a clear error."""
    if a.is_empty(value) or not isinstance(value, str):
        raise a.UdfArgumentError(f'{name} must be a model name such as "llama3.1-70b", got {a.show(value)}')
    if len(value) > a.MAX_TEXT:
        raise a.long_text(value, name, 'a model name such as "llama3.1-70b"')
    try:
        return _preset_by_text(value)
    except UnknownPresetError as exc:
        from xlcompute.quantity import SIZE_TEXT

        if SIZE_TEXT.match(value) and exc.known:  # the catalog's advice is a scenario's (model.params: 70B)
            raise a.UdfArgumentError(f"{name}: {a.show(value)} is a size, not a catalog model name; =MODEL_LIST() "
                                     f"lists the {len(exc.known)} known models") from None
        raise a.UdfArgumentError(f"{name}: {_in_a_cell(exc)}") from None


class SizedModel(NamedTuple):
    """A model known by its size alone ("70B"): the generic dense shape a scenario's ``model.params`` draws
    (core.shape.generic_dense_arch). ``key`` is the size as typed, which the scenario reads as model.params."""

    key: str
    arch: Any
    params: float


def preset_or_size(value: Any, name: str = "model") -> ModelPreset | SizedModel:
    """The catalog model named by ``value``, or for a size such as "70B" a dense model of that size in the
    generic shape, as LLM_TRAIN_DAYS and a scenario's ``model: 70B`` read it."""
    from xlcompute.core.shape import GENERIC_MAX_PARAMS, GENERIC_MIN_PARAMS, generic_dense_arch
    from xlcompute.quantity import SIZE_TEXT

    if isinstance(value, str) and SIZE_TEXT.match(value):
        n = a.param_count(value, name)
        if not GENERIC_MIN_PARAMS <= n <= GENERIC_MAX_PARAMS:
            raise a.UdfArgumentError(
                f"{name} = {a.show(value)}: a model known by its size alone is a generic dense shape of 1B to 10T "
                'parameters; for another size use a catalog model name such as "llama2-70b"')
        return SizedModel(key=value.strip(), arch=generic_dense_arch(n), params=n)
    return preset(value, name)


@functools.lru_cache(maxsize=1024)
def _count_or_preset_text(text: str, name: str) -> float | ModelPreset:
    try:
        parse_quantity(text, name)
    except QuantityError:
        pass
    else:  # text that reads as a number is a count ("70B"), as it always was
        return a.param_count(text, name)
    try:
        return _preset_by_text(text)
    except UnknownPresetError as exc:
        if text.strip()[:1] in _NUMBER_START:  # "7,5B", "7X": a count mistyped, not a model ("did you mean gpt3-175b?")
            try:
                a.param_count(text, name)
            except a.UdfArgumentError as number_error:
                raise a.UdfArgumentError(f'{number_error}; or a catalog model name such as "llama2-70b"') from None
        raise a.UdfArgumentError(
            f'{name} must be a parameter count (70B, 7e9) or a catalog model name such as "llama2-70b"; '
            f"{_in_a_cell(exc)}"
        ) from None


_NUMBER_START = frozenset("0123456789+-.")


def model_or_count(value: Any, name: str = "params") -> float | ModelPreset:
    """A parameter count (``70B``, ``7e9``) or, for text that is not a number, a catalog model."""
    if isinstance(value, str) and not a.is_empty(value):
        if len(value) > a.MAX_TEXT:
            raise a.long_text(value, name, 'a parameter count (70B, 7e9) or a catalog model name such as "llama2-70b"')
        return _count_or_preset_text(value, name)
    return a.param_count(value, name)


def fp8_model(value: Any) -> str:
    """The catalog model's name when its published training ran in FP8 (``recipe.precision: fp8``, DeepSeek-V3): a
    card name then gives its FP8 peak (_udf_args.peak_flops), the peak the estimate's MFU is a share of. Empty
    for a parameter count or a model trained in BF16."""
    return _fp8_of_text(value) if isinstance(value, str) else ""  # a number is a count


@functools.lru_cache(maxsize=1024)  # every time, cost and MFU cell asks: one lookup per name (bench_udf)
def _fp8_of_text(text: str) -> str:
    found = model_or_count(text)
    fp8 = isinstance(found, ModelPreset) and found.recipe is not None and found.recipe.precision == "fp8"
    return found.key if fp8 else ""


def stored_params(value: Any, name: str = "params") -> float:
    """A parameter count, or a catalog model's total parameters (every expert: what memory holds
    and what gradients sum over), counted as the estimate counts them."""
    found = model_or_count(value, name)
    return _stored(found.key) if isinstance(found, ModelPreset) else found


def active_params(value: Any, name: str = "params") -> float:
    """A parameter count, or a catalog model's parameters active per token (what a token's FLOPs
    count: 2P forward, 6P in training)."""
    found = model_or_count(value, name)
    return counts(found.key).model_active_params if isinstance(found, ModelPreset) else found


@functools.lru_cache(maxsize=None)  # one entry per catalog model at most
def _stored(key: str) -> float:
    from xlcompute.planner.inputs import model_values

    return float(model_values(get_model(key).arch, default_seq_len())["model_params"])


@functools.lru_cache(maxsize=None)  # one entry per catalog model at most
def counts(key: str) -> ModelCounts:
    """Active parameters, layers and attention width of the preset ``key``, as the estimate counts
    them (``planner.inputs.model_values``: exact count of the architecture)."""
    # Imported here: `import xlcompute.udf` loads no planner module (issue 10, speed).
    from xlcompute.planner.inputs import model_values

    values = model_values(get_model(key).arch, default_seq_len())
    return ModelCounts(*(values[k] for k in ModelCounts._fields))


@functools.lru_cache(maxsize=None)
def training_default(field: str) -> int:
    """The scenario's default of ``training.<field>`` (``seq_len`` 4096), so an
    empty cell means what an omitted scenario field means."""
    from xlcompute.scenario import TrainingPlan

    return int(TrainingPlan.model_fields[field].default)


def default_seq_len() -> int:
    """The scenario's default sequence length (``training.seq_len``: 4096)."""
    return training_default("seq_len")


def model_flops(params: Any, tokens: Any, seq_len: Any, layers: Any, hidden: Any) -> float:
    """Model FLOPs of a training run from the cells, the estimate's count (module docstring)."""
    return float(compute.train_flops_attn(*count_shape(params, seq_len, layers, hidden, a.train_tokens(tokens))))


def count_shape(
    params: Any, seq_len: Any, layers: Any, hidden: Any, tokens: float
) -> tuple[float, float, float, float, float]:
    """The arguments of compute.train_flops_attn (P, T, s, L, w) from the cells: a model name gives
    the estimate's exact count (active parameters and multi-token prediction modules) and shape; a
    count with seq_len, layers and hidden the attention-aware count; a count alone 6PT (the attention
    term 0)."""
    model = model_or_count(params)
    if isinstance(model, ModelPreset):
        c = counts(model.key)
        given = {n: v for n, v in (("layers", layers), ("hidden", hidden)) if not a.is_empty(v)}
        if given:
            got = ", ".join(f"{n}={a.show(v)}" for n, v in given.items())
            raise a.UdfArgumentError(
                f"layers and hidden must be empty when params is a model name ({model.key}: {c.layers:.0f} "
                f"layers, attention width {c.attn_width:.0f}); got {got}"
            )
        s = a.whole(seq_len, "seq_len", default=default_seq_len())
        # the weights a training token passes through, MTP included, as the estimate's train_active_params
        return float(training_active_params(c.model_active_params, c.mtp_params)), tokens, s, c.layers, c.attn_width
    shape = (("seq_len", seq_len), ("layers", layers), ("hidden", hidden))
    missing = [n for n, v in shape if a.is_empty(v)]
    if not missing:
        return model, tokens, a.whole(seq_len, "seq_len"), a.whole(layers, "layers"), a.whole(hidden, "hidden")
    if len(missing) == len(shape):
        # No shape: the same count with the attention term 0, i.e. the seed's 6PT.
        return model, tokens, 0, 0, 0
    if missing == ["layers", "hidden"] and _looks_like_recompute(seq_len):
        # A sheet written for the old signature (..., mfu, recompute) lands here; the hint comes first.
        raise a.UdfArgumentError(
            "recompute is no longer an argument (MFU counts model FLOPs; recomputation lowers the MFU reached): "
            f"got seq_len={a.show(seq_len)} without layers and hidden; leave all three empty for 6PT"
        )
    raise a.UdfArgumentError(
        f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty; give seq_len, layers and hidden "
        "together for the attention-aware count (as the estimate), or leave all three empty for 6PT"
    )


def _looks_like_recompute(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return value.strip().lower() in {"true", "false", "full", "selective", "none"}
    return isinstance(value, (int, float)) and value in (0, 1, 2)
