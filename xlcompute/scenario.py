"""The planning scenario: what a user writes in a YAML / TOML / JSON file.

A scenario names a model (a catalog preset or an architecture), a training plan, a cluster
(a catalog accelerator or custom figures), assumptions, serving demand and prices. Every default
is a named field with its source in the field description, so the workbook's Inputs sheet and the
proposal's assumptions table can show it.

``load_scenario(path)`` reads one file; errors are :class:`ScenarioError` with one line per
problem: the field (dotted path, as the user wrote it), the value (shortened, control characters
escaped) and what is allowed. No line names an internal class or dumps a validator's report.

Input limits (refused quickly, before or while parsing, with one line naming the limit). A real
scenario is a few kilobytes, 3 levels deep, with fewer than 100 keys; the limits are far above that
and well below what makes a parser slow:

* file size: at most :data:`MAX_SCENARIO_BYTES` (128 KiB), UTF-8;
* nesting: mappings and lists at most :data:`MAX_DEPTH` (16) levels deep;
* keys: at most :data:`MAX_KEYS` (1,000) in the whole file, and at most :data:`MAX_VALUES`
  (10,000) values, both counted after YAML aliases are expanded (a "billion laughs" file stops
  here), with at most :data:`MAX_ALIASES` (100) aliases;
* text: any string (key or value) at most :data:`MAX_STRING_CHARS` (10,000) characters; each text
  field has its own smaller limit (``xlcompute schema`` shows ``maxLength``);
* duplicate keys in one mapping are refused (YAML names the key and both lines, JSON the key;
  TOML refuses them itself).

The same structural limits apply to mappings given to :func:`parse_scenario` directly (scenario
tables, the Python API). Reading a file within the limits is :mod:`xlcompute._scenario_files`.

Numbers: every numeric field is finite (``inf``, ``nan`` and ``1e999`` are refused, as values or
as text) and lies in a documented range, the ``minimum``/``maximum`` of ``xlcompute schema``. The
ranges admit every real plan with a wide margin (cards up to 10^7, tokens up to 10^16, parameters
up to 10^15, sequences up to 10^8 tokens) and keep the estimate's arithmetic far from a float's
range; divisors (bandwidths, peaks, MFU, utilisation, deadlines) have a positive floor as well.

Text fields: numbers and dates given for a text field (``name: 2024``) are read as text; one-line
fields lose leading and trailing spaces, tabs and line breaks. Control characters are refused,
naming the field: C0 (NUL included), DEL, C1, unpaired surrogates and U+FFFE/U+FFFF;
``description`` alone may hold tabs and line breaks (kept as written). Refusing rather than
silently dropping them keeps what the user sees in the workbook and the proposal equal to what
they typed. The model's architecture must also describe at most 10^15 parameters. (A plan whose job
would train under 1% of its calendar time is refused by the estimate, which knows the layout's
cards: ``estimate.MIN_ETTR``.)
"""

from __future__ import annotations

import datetime
import difflib
import functools
import math
import re
import types
import typing
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from xlcompute.core.goodput import LLAMA3_FAILURES_PER_CARD_HOUR, LLAMA3_STORAGE_BYTES_PER_S_PER_CARD
from xlcompute.core.moe import (
    FP8_DEEPSEEK_GRAD_BYTES,
    FP8_DEEPSEEK_OPTIMIZER_BYTES,
    MCORE_A2A_OVERLAP,
    MEGATRON_DROPLESS_SYNC_MS,
)
from xlcompute.core.parallel import CP_CHUNKS_PER_RANK
from xlcompute.core import spread as _spread
from xlcompute.core.params import ModelArch, count_params
from xlcompute.planner.inputs import SOFTWARE_STACKS as _STACKS
from xlcompute.core.shape import GENERIC_MAX_PARAMS, GENERIC_MIN_PARAMS, generic_dense_arch
from xlcompute._scenario_files import (
    CONTROL_ONE_LINE,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_KEYS,
    MAX_SCENARIO_BYTES,
    MAX_STRING_CHARS,
    MAX_VALUES,
    FileRefused,
    ParseError,
    escape,
    path_text,
    read_mapping,
)
from xlcompute.quantity import (
    DAY_WORDS,
    MAX_QUANTITY_CHARS,
    SIZE_TEXT,
    USER_WORDS,
    QuantityError,
    describe_type,
    parse_quantity,
    show_value,
    without_word,
)

__all__ = [
    "scenario_with",
    "scenario_data_with",
    "settings_source",
    "MAX_SETTINGS",
    "Quantity",
    "ModelSpec",
    "TrainingPlan",
    "PlanKind",
    "CustomAccelerator",
    "Cluster",
    "Assumptions",
    "Reliability",
    "ServingDemand",
    "Pricing",
    "Uncertainty",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "check_presets",
    "default_scenario",
    "DEFAULT_SCENARIO_PATH",
    "RECOMPUTE_MODES",
    "MAX_SCENARIO_BYTES",
    "MAX_DEPTH",
    "MAX_KEYS",
    "MAX_VALUES",
    "MAX_ALIASES",
    "MAX_STRING_CHARS",
    "MAX_PROBLEMS",
]

RECOMPUTE_MODES: dict[str, int] = {"none": 0, "selective": 1, "full": 2}

# -- input limits (see the module docstring) ------------------------------------------------------

MAX_PROBLEMS = 20
"""Problems listed one per line; more are summarised in one last line."""

# Numeric ranges that recur (see the module docstring).
MAX_CARDS = 10_000_000
MAX_TOKENS = 1e16
MAX_PARAMS = 1e15
MAX_SEQ_LEN = 100_000_000
MAX_PRICE = 1e12
MIN_SWITCH_PORTS = 4  # a fat tree needs ports both down and up at every leaf
MAX_DEGREE = 65_536  # tp, pp, cp: the step-time model's own limit (planner.inputs.Execution)
MAX_GLOBAL_BATCH = 10_000_000  # sequences per step as given; the planner rounds it to the layout ...
MAX_STEP_SEQUENCES = 100_000_000  # ... and takes at most this many (planner.inputs.Execution)

# -- text fields -----------------------------------------------------------------------------------

# XML 1.0 cannot hold C0 controls (but tab, LF, CR), unpaired surrogates or U+FFFE/U+FFFF, so the
# workbook writer fails on them; DEL and C1 are legal XML but invisible and confusing: refused too.
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _text_in(value: Any) -> Any:
    # Numbers and dates typed into a text field (name: 2024; name: 2024-05-01, which YAML reads as
    # a date; a table cell read as a number) are text.
    if isinstance(value, (int, float, datetime.date)) and not isinstance(value, bool):
        return str(value)
    return value


def _one_line_in(value: Any) -> Any:
    # A one-line field drops the spaces and line breaks around it (YAML's "|" adds a final newline).
    value = _text_in(value)
    return value.strip(" \t\r\n") if isinstance(value, str) else value


def _no_controls(pattern: re.Pattern[str], multiline: bool) -> Callable[[str], str]:
    def check(value: str) -> str:
        m = pattern.search(value)
        if m is not None:
            where = "" if len(value) == 1 else f" at character {m.start() + 1:,}"
            # a one-line field refuses tabs and line breaks too: say so, but the fix for ESC and the like is removal
            allowed = ("remove it (only tabs and line breaks may stand in this text)" if multiline else
                       "remove it (this text is one line, without tabs or line breaks)")
            raise ValueError(f"control character U+{ord(m.group()):04X}{where} is not allowed; {allowed}")
        return value

    return check


def _text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> Any:
    """A text field: stripped, at most ``max_length`` characters, no control characters."""
    pattern = _CONTROL_MULTILINE if multiline else CONTROL_ONE_LINE
    # The length limits sit on the inner str so they stay string limits (maxLength in the schema).
    return Annotated[
        Annotated[str, Field(min_length=min_length, max_length=max_length)],
        BeforeValidator(_text_in if multiline else _one_line_in),
        AfterValidator(_no_controls(pattern, multiline)),
    ]


CatalogName = _text(80, min_length=1)
"""A catalog preset name (model or accelerator)."""
AcceleratorName = _text(80, min_length=1)
SourceText = _text(300)
ScenarioName = _text(200, min_length=1)
OrganisationText = _text(200)
DescriptionText = _text(2000, multiline=True)

# -- numbers ---------------------------------------------------------------------------------------


def _quantity(value: Any) -> Any:
    # Accept "70B", "2T", "1.5万" wherever a number is expected; pydantic then checks the range.
    # Floats go straight to pydantic (allow_inf_nan=False refuses inf and nan with the field's name);
    # everything else (text, ints beyond a float, booleans, null, lists) goes through parse_quantity.
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and abs(value) < 1e300):
        return value  # an int stays as written: an error message echoes it unchanged
    if isinstance(value, bool):  # YAML's yes/no/on/off are booleans, never a count of 1 or 0
        raise ValueError(f"expected a number, got {describe_type(value)}")
    try:
        return parse_quantity(value)
    except QuantityError as exc:
        raise ValueError(str(exc).split(": ", 1)[-1]) from None


def _count(value: Any) -> Any:
    # As _quantity, but an int stays an int (exact, and echoed as the user wrote it).
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _quantity(value)


Quantity = Annotated[float, BeforeValidator(_quantity)]
"""A float that may be written with a suffix: 70B, 2T, 1.5万, 40%. The scenario's own models type
their numbers as plain ``float`` / ``int`` and read suffixes in :class:`_Strict`, which keeps each
field's range a JSON Schema ``minimum`` / ``maximum``; this type is for models elsewhere."""


def _number_kind(annotation: Any) -> str | None:
    """"int" or "float" for a number field (Optional unwrapped); None for anything else."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)] if typing.get_origin(annotation) in (
        Union, types.UnionType) else [annotation]
    if len(args) != 1:
        return None
    return {int: "int", float: "float"}.get(args[0])


def _zero_or_at_least(value: float | None, floor: float, meaning: str) -> float | None:
    # Fields where 0 means "none" or "choose for me" and a tiny positive value would be a divisor.
    if value is not None and 0 < value < floor:
        raise ValueError(f"must be 0 ({meaning}) or at least {_number_text(floor)}")
    return value


def _hole(floor: float) -> dict[str, Any]:
    # The JSON Schema form of "0 or at least floor": not strictly between 0 and floor.
    return {"not": {"exclusiveMinimum": 0, "exclusiveMaximum": floor}}


def _number_text(x: float) -> str:
    """A bound as a person reads it: 10,000,000; 1e16; 0.001."""
    if float(x).is_integer() and abs(x) < 1e9:
        return f"{int(x):,}"
    text = f"{x:g}"
    return text.replace("e+", "e").replace("e-0", "e-").replace("e0", "e")


def _literal_words(annotation: Any) -> tuple[str, ...]:
    """The words a choice field allows (a Literal of strings, Optional or in a tuple); () for others."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return tuple(a for a in typing.get_args(annotation) if isinstance(a, str))
    if origin in (Union, types.UnionType, tuple):
        return tuple(w for a in typing.get_args(annotation) if a is not Ellipsis for w in _literal_words(a))
    return ()


@functools.cache
def _choice_words(model: type[BaseModel]) -> dict[str, dict[str, str]]:
    """{field: {casefolded word: word}} of a model's choice fields (computed once per model)."""
    words = {name: _literal_words(info.annotation) for name, info in model.model_fields.items()}
    return {name: {w.casefold(): w for w in ws} for name, ws in words.items() if ws}


def _choice(value: Any, words: dict[str, str]) -> Any:
    # "BF16", "FP8", "Full" as papers and people write them: the allowed word whatever its case.
    if isinstance(value, str):
        return words.get(value.strip().casefold(), value)
    if isinstance(value, (list, tuple)):
        return type(value)(_choice(v, words) for v in value)
    return value


@functools.cache
def _number_kinds(model: type[BaseModel]) -> dict[str, str]:
    """{field: "int" | "float"} of a model's number fields (computed once per model)."""
    kinds = {name: _number_kind(info.annotation) for name, info in model.model_fields.items()}
    return {name: kind for name, kind in kinds.items() if kind is not None}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _as_people_type_it(cls, value: Any, info: ValidationInfo) -> Any:
        # "70B", "2T", "1.5万", "40%" wherever a number is expected, "BF16" where a choice is; pydantic
        # then checks the range or the choice.
        words = _choice_words(cls).get(info.field_name or "")
        if words is not None:
            return _choice(value, words)
        kind = _number_kinds(cls).get(info.field_name or "")
        if kind is None or value is None:
            return value
        if info.field_name in _CONTEXT_FIELDS and isinstance(value, str):
            value = _context_length(value)
        words = _WORD_FIELDS.get((cls.__name__, info.field_name or ""))
        if words is not None and isinstance(value, str):
            value = without_word(value, words)
        return _count(value) if kind == "int" else _quantity(value)


# A context length written "4K" or "128K" means 4,096 or 131,072 tokens (Llama 3.1's "128K context" is 131,072
# positions: its config.json max_position_embeddings), not the 4,000 the K of a count means.
_CONTEXT_FIELDS = frozenset({"seq_len"})
_CONTEXT_K = re.compile(r"^\s*(\d+)\s*[kK]\s*$")


# A count that may end with the word for what it counts, in these fields only ("2万人" users, "60天" a deadline;
# the same words as the Excel functions' users and days): as quantity.UNIT_WORDS they would pass for cards.
_WORD_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {("ServingDemand", "users"): USER_WORDS,
                                                        ("TrainingPlan", "deadline_days"): DAY_WORDS}


def _context_length(text: str) -> Any:
    m = _CONTEXT_K.match(unicodedata.normalize("NFKC", text))
    return int(m.group(1)) * 1024 if m else text


class ModelSpec(_Strict):
    """The model: a catalog preset, or a custom architecture; optionally a fixed size."""

    preset: CatalogName | None = Field(
        None, description="catalog model name, e.g. llama2-70b (see `xlcompute catalog models`)"
    )
    arch: ModelArch | None = Field(None, description="custom architecture instead of a preset")
    params: float | None = Field(
        None, ge=1, le=MAX_PARAMS, description="override the total parameter count, e.g. 70B"
    )
    active_params: float | None = Field(
        None, ge=1, le=MAX_PARAMS, description="override parameters active per token (MoE)"
    )

    @property
    def generic(self) -> bool:
        """Whether the architecture is the generic dense shape drawn for model.params alone."""
        return self.preset is None and "arch" not in self.model_fields_set

    @model_validator(mode="after")
    def _one_source(self) -> ModelSpec:
        if self.preset is None and self.arch is None and self.params is not None:
            # A model known by its size: a dense shape in Llama 3's proportions (core.shape), drawn once here.
            if self.active_params is not None and self.active_params != self.params:
                raise ValueError(
                    f"model.active_params ({_number_text(self.active_params)}) with model.params alone: a size "
                    "alone describes a dense model; a mixture-of-experts model needs model.preset or model.arch "
                    "(with its experts)"
                )
            if not GENERIC_MIN_PARAMS <= self.params <= GENERIC_MAX_PARAMS:
                raise ValueError(
                    f"model.params ({_number_text(self.params)}) alone: a generic dense shape covers "
                    f"{_number_text(GENERIC_MIN_PARAMS)} to {_number_text(GENERIC_MAX_PARAMS)} parameters; for "
                    "another size give model.arch (layers, hidden, heads, ffn_hidden, vocab)"
                )
            object.__setattr__(self, "arch", generic_dense_arch(self.params))
            return self
        if (self.preset is None) == (self.arch is None):
            raise ValueError("give exactly one of model.preset (a catalog name) or model.arch (an architecture), "
                             "or model.params alone for a dense model of that size (a generic shape)")
        return self

    @field_validator("arch", mode="before")
    @classmethod
    def _arch_counts_are_numbers(cls, arch: Any) -> Any:
        # YAML's yes/no are booleans, and pydantic would count True as 1 layer: hand them on as
        # text, which ModelArch's whole-number fields refuse under their own names.
        if isinstance(arch, Mapping):
            ints = {k for k, f in ModelArch.model_fields.items() if f.annotation is int}
            return {k: (str(v).lower() if isinstance(v, bool) and k in ints else v) for k, v in arch.items()}
        return arch

    @field_validator("arch")
    @classmethod
    def _arch_size(cls, arch: ModelArch | None) -> ModelArch | None:
        # Each architecture field is bounded, but their product is not: hold the count to the range
        # of model.params, so no figure derived from the shape leaves a float's range.
        if arch is not None:
            total = count_params(arch).total
            if total > MAX_PARAMS:
                raise ValueError(f"the architecture has {total:.3g} parameters; allowed: at most "
                                 f"{_number_text(MAX_PARAMS)} (the range of model.params)")
        return arch


class TrainingPlan(_Strict):
    """How the model is trained: data, batch, precision, memory strategy and 3D layout."""

    tokens: float = Field(ge=1, le=MAX_TOKENS, description="training tokens, e.g. 2T")
    seq_len: int = Field(4096, ge=1, le=MAX_SEQ_LEN, description="sequence length in tokens; 4K means 4,096")
    global_batch: int | None = Field(
        None, ge=1, le=MAX_GLOBAL_BATCH,
        description="sequences per optimizer step; rounded to the layout (a whole number of micro-batches "
        "per data-parallel replica). Default: from training.batch_tokens",
    )
    batch_tokens: float | None = Field(
        None, ge=1, le=1e9,
        description="tokens per optimizer step when global_batch is not given; default 4M tokens (Llama 2), "
        "1,024 per card on large clusters (Llama 3 405B: 16M tokens on 16,384 H100; 16,384 per card for a "
        "mixture-of-experts model, as Granite 3.0's), at most 64M (DeepSeek-V3)",
    )
    micro_batch: int = Field(1, ge=1, le=1_000_000, description="sequences per micro-batch per card")
    precision: Literal["bf16", "fp16", "fp8"] = Field(
        "bf16", description="matmul precision; fp8 uses the card's fp8 peak. Left out: the preset's published "
        "pre-training precision where the catalog has one and the card has an fp8 peak (DeepSeek-V3: fp8), else bf16")
    param_bytes: float = Field(
        2, ge=0.1, le=16, description="a: bytes per parameter, and per gradient unless grad_bytes is given (seed 000; "
        "2 for bf16)"
    )
    grad_bytes: float | None = Field(
        None, ge=0.1, le=16,
        description="bytes per gradient kept for the optimizer; left out: param_bytes (seed 000's a), or 4 with "
        "precision fp8, DeepSeek-V3's FP32 gradients (arXiv:2412.19437 §3.3.3)",
    )
    optimizer_bytes: float = Field(
        12, ge=0, le=64,
        description="b: optimizer bytes per parameter (seed 000; 12 for mixed-precision Adam, ZeRO §3.1). Default "
        "with precision fp8: 8, DeepSeek-V3's FP32 master weights and BF16 AdamW moments (arXiv:2412.19437 §3.3.3)",
    )
    zero_stage: int = Field(1, ge=0, le=3, description="ZeRO stage 0-3 (Rajbhandari et al. 2020)")
    recompute: Literal["none", "selective", "full"] = Field(
        "selective", description="activation recomputation (Korthikanti et al. 2022)"
    )
    recompute_layers: int = Field(
        0, ge=0, le=100_000,
        description="with recompute: selective, layers of each pipeline stage recomputed in full, the others "
        "selectively (Megatron-LM --recompute-method block --recompute-num-layers); with the layout left to the "
        "planner it chooses this too",
    )
    sequence_parallel: bool = Field(True, description="Megatron sequence parallelism (Korthikanti et al. 2022)")
    tp: int | None = Field(
        None, ge=1, le=MAX_DEGREE,
        description="tensor-parallel degree; leave tp and pp out to let the layout planner choose",
    )
    pp: int | None = Field(None, ge=1, le=MAX_DEGREE, description="pipeline-parallel degree (give it with tp)")
    dp: int | None = Field(
        None, ge=1, le=MAX_CARDS,
        description="data-parallel degree, ⌊cards/(tp·cp·pp)⌋; optional, checked when given",
    )
    cp: int | None = Field(
        None, ge=1, le=MAX_DEGREE,
        description="context-parallel degree: each of cp cards holds seq_len/cp tokens of every sequence "
        "(Megatron-Core; Llama 3 used CP 16 for 128K tokens). Default 1 with tp and pp given; left out "
        "with them, the layout planner chooses it (from 16K-token sequences on)",
    )
    ep: int | None = Field(
        None, ge=1, le=MAX_DEGREE,
        description="expert-parallel degree of a mixture-of-experts model: the routed experts of each MoE "
        "layer split over ep cards carved from the data-parallel ranks (Megatron-Core MoE); must divide the "
        "experts and tp·cp·dp. Default 1 with tp and pp given; left out with them, the layout planner chooses it",
    )
    expert_tp: int | None = Field(
        None, ge=1, le=MAX_DEGREE,
        description="tensor-parallel degree of each expert (Megatron-Core ETP); 1 = experts whole on a card. "
        "Default: training.tp with tp and pp given (Megatron-Core's default ETP = TP); 1 when the layout planner "
        "chooses (the published DeepSeek-V3 and Qwen3 recipes)",
    )
    capacity_factor: float = Field(
        1.0, ge=1, le=16,
        description="expert capacity / load-imbalance factor: the busiest expert's load over the balanced load "
        "(GShard; Switch Transformers §2.2, 1.0-1.25). Default 1.0: token-dropping at capacity 1.0 (DGX Cloud "
        "DeepSeek-V3 recipe) or balanced dropless routing",
    )
    a2a_overlap: float | None = Field(
        None, ge=0, le=1,
        description="share of the expert all-to-all hidden under computation: 0 = none (Megatron-Core default); "
        f"Megatron-Core's own overlap (overlap_moe_expert_parallel_comm) ≈ {MCORE_A2A_OVERLAP:g} (moe_runs_10.yaml); "
        "DualPipe-style overlap (DeepSeek-V3 §3.2.1, 'near-full') ≈ 0.9. Default: the preset's published "
        "training schedule where the catalog has one (DeepSeek-V3: 0.9), else 0",
    )
    a2a_dedup: bool | None = Field(
        None,
        description="the token dispatcher sends each token once to every other server that holds one of its "
        "experts, then forwards it inside that server (DeepEP, HybridEP: Megatron-Core's flex dispatcher; "
        "DeepSeek-V3 §3.2.2), instead of once per expert (Megatron-Core's alltoall dispatcher, false). Default: "
        "the preset's published training setup where the catalog has one (DeepSeek-V3: true), else false",
    )
    moe_sync_ms: float = Field(
        0.0, ge=0, le=1000,
        description="host wait of each MoE layer's token dispatch per forward pass, in ms: the host's time to "
        "issue the rest of the layer after waiting for the routing's token counts, less the GPU work it issues "
        "meanwhile (never below 0). 0 = a dispatcher that does not wait (DeepSeek's, drop-and-pad to capacity, "
        f"HybridEP); Megatron-Core's dropless all-to-all dispatcher: {MEGATRON_DROPLESS_SYNC_MS:g} ms per MoE layer and "
        "micro-batch, fitted "
        "on 5 Megatron-Bridge 25.11 rows of moe_runs.yaml. Default 0",
    )
    offload: tuple[Literal["weights", "activations", "optimizer"], ...] = Field(
        (),
        max_length=3,
        description="what to keep in the card's offload tier (host memory, e.g. GH200's LPDDR5X): weights "
        "(with their gradients), activations, optimizer (states); the blocks not computing move out and "
        "stream back over the offload link (Calculon, seed 004). Needs a card with an offload tier or "
        "cluster.offload_gb and cluster.offload_gbs. Default: none",
    )
    interleave: int = Field(
        1, ge=1, le=10_000,
        description="model chunks per card in the interleaved 1F1B schedule (Narayanan et al. 2021 §2.2); "
        "they may hold unequal numbers of layers (Megatron-Core's --pipeline-model-parallel-layout): the "
        "bubble and the warm-up memory follow the largest chunk. Left out with tp and pp given (pp > 1), the "
        "planner's fastest schedule for that layout that keeps the batch; 1 is the plain 1F1B schedule",
    )
    first_stage_layers: int = Field(
        0, ge=0, le=100_000,
        description="layers on the first pipeline stage (Megatron-LM --decoder-first-pipeline-num-layers), e.g. "
        "one fewer for the embedding as Llama 3 405B's 7 of 126 layers on 16 stages (Dubey et al. 2024 §3.3.2); "
        "the other stages share the rest evenly. Needs training.tp and training.pp (pp of 2 or more). Default 0: "
        "an even split",
    )
    last_stage_layers: int = Field(
        0, ge=0, le=100_000,
        description="layers on the last pipeline stage, which also runs the output layer and the loss "
        "(Megatron-LM --decoder-last-pipeline-num-layers), e.g. one fewer as Llama 3 405B. Needs training.tp "
        "and training.pp. Default 0: an even split",
    )
    dualpipe: bool = Field(
        False,
        description="DeepSeek-V3's DualPipe schedule (arXiv:2412.19437 §3.2.1): micro-batches fed from both ends of "
        "the pipeline, card i holding stages i and p − 1 − i; bubble (PP/2 − 1)(F&B + B − 3W), two copies of the "
        "weights and gradients, one more micro-batch in flight on the first card. Needs training.tp and an even "
        "training.pp, and interleave 1. Default false (1F1B)",
    )
    tp_overlap: bool = Field(
        False,
        description="the framework overlaps the tensor-parallel all-reduce with the GEMMs (Megatron-Core's "
        "--tp-comm-overlap): the step-time model hides up to its tp_overlap_fraction, 0.8 (an assumption: "
        "the overlapped collective takes SMs from the GEMM; Calculon, seed 004). No validation run measures it, so the planner's recommended layouts leave it off unless "
        "this is true. Default false",
    )
    attention: Literal["flash", "unfused"] = Field(
        "flash",
        description="attention kernel for the step-time model: flash = fused FlashAttention (Dao 2023), "
        "as current Megatron-Core, DeepSpeed and MindSpeed use; unfused = Megatron 2021 with the "
        "s×s scores in memory, the setting of every validation run",
    )
    software: Literal["typical", "megatron-lm", "megatron-deepspeed"] = Field(
        "typical",
        description=f"training software for the step-time model: typical ({_STACKS['typical']:g} of the benchmark "
        "kernel throughput, fitted on the end-to-end card-hours of 27 published runs: a production stack), "
        "megatron-lm (NVIDIA's tuned benchmarks, 1.0, the reference of the calibration) or megatron-deepspeed "
        f"({_STACKS['megatron-deepspeed']:g}, fitted on MT-NLG 530B); see xlcompute validate",
    )
    deadline_days: float | None = Field(
        None, ge=0.01, le=36_500,
        description="target training time, days: the estimate says how many cards meet it, and a scenario that "
        "leaves cluster.cards out is sized to them"
    )
    deadline_confidence: float = Field(
        _spread.DEADLINE_CONFIDENCE, ge=0.5, le=_spread.CONFIDENCE_MAX,
        description="share of the MFU range (uncertainty.mfu_sigma) in which the run must still finish by "
        "training.deadline_days: 0.5, the estimate itself; 0.9 sizes the cluster so that the run's P90 days "
        "meet the deadline (the estimate kept e^(σ·z) shorter than it)",
    )

    @property
    def recompute_mode(self) -> int:
        return RECOMPUTE_MODES[self.recompute]

    @property
    def gradient_bytes(self) -> float:
        """grad_bytes, or its default: DeepSeek-V3's FP32 gradients with fp8 (core.moe.FP8_DEEPSEEK_GRAD_BYTES),
        else the weights' bytes (seed 000's a). Resolved when read, so a precision the preset's recipe sets moves it."""
        if self.grad_bytes is not None:
            return self.grad_bytes
        return FP8_DEEPSEEK_GRAD_BYTES if self.precision == "fp8" else self.param_bytes

    @model_validator(mode="before")
    @classmethod
    def _fp8_optimizer_bytes(cls, data: Any) -> Any:
        # FP8 training without optimizer_bytes: DeepSeek-V3's recipe, FP32 master weights + BF16 AdamW
        # moments = 8 bytes (arXiv:2412.19437 §3.3.3; core.moe.FP8_DEEPSEEK_OPTIMIZER_BYTES). Set as a value,
        # so two scenarios that mean the same are equal.
        if isinstance(data, dict) and data.get("precision") == "fp8" and data.get("optimizer_bytes") is None:
            data = {**data, "optimizer_bytes": FP8_DEEPSEEK_OPTIMIZER_BYTES}
        return data

    @model_validator(mode="after")
    def _recompute_layers(self) -> TrainingPlan:
        if self.recompute_layers and self.recompute != "selective":
            raise ValueError(
                f"training.recompute_layers ({self.recompute_layers}) needs training.recompute: selective for the "
                f"stage's other layers (got {self.recompute}); allowed: 0 with recompute none or full"
            )
        return self

    @field_validator("offload", mode="before")
    @classmethod
    def _offload_text(cls, v: Any) -> Any:
        # A scenario table's cell holds the kinds as text: "weights, optimizer".
        if isinstance(v, str):
            return tuple(k for k in v.replace(",", " ").replace("+", " ").split() if k)
        return v

    @field_validator("offload")
    @classmethod
    def _offload_once(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({k for k in v if v.count(k) > 1})
        if repeated:
            raise ValueError(f"list each kind once (repeated: {', '.join(repeated)}); allowed: weights, "
                             "activations, optimizer")
        return v


class CustomAccelerator(_Strict):
    """An accelerator not in the catalog (or a vendor quote that differs from it)."""

    name: AcceleratorName = Field(
        description="name shown in the outputs; one line, at most 80 characters"
    )
    bf16_tflops: float = Field(
        ge=0.001, le=1e6, description="dense bf16/fp16 peak, TFLOPS (not the sparsity figure)"
    )
    fp8_tflops: float | None = Field(None, ge=0.001, le=1e6, description="dense fp8 peak, TFLOPS")
    int8_tops: float | None = Field(None, ge=0.001, le=1e6, description="dense INT8 tensor peak, TOPS (not the "
                                    "sparsity figure); only the w8a8 serving precision uses it")
    fp32_tflops: float | None = Field(None, ge=0.001, le=1e6, description="FP32 vector (non-tensor) peak, TFLOPS; "
                                      "only weight-only serving precisions use it (left out: the A100's FP32 per byte "
                                      "of HBM bandwidth, flagged)")
    hbm_gb: float = Field(ge=0.001, le=1e7, description="memory per card, GB (10^9 bytes)")
    hbm_tbps: float = Field(ge=0.001, le=1e6, description="memory bandwidth, TB/s")
    intra_node_gbs: float = Field(
        ge=0.001, le=1e6, description="card-to-card link inside a server, GB/s per direction"
    )
    tdp_w: float = Field(ge=1, le=1e6, description="board power, W")
    cards_per_node: int = Field(8, ge=1, le=100_000, description="cards per server")


def _accelerator_kind(value: Any) -> str | None:
    # Text (or a number: the catalog has aliases such as 4090) names a catalog card; a mapping gives
    # custom figures. Anything else matches neither, and the error says what is expected.
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return "catalog name"
    if isinstance(value, (Mapping, CustomAccelerator)):
        return "custom figures"
    return None


_ACCELERATOR_EXPECTED = (
    "expected a catalog accelerator name (text such as H800; `xlcompute catalog gpus` lists them) or a "
    "mapping of custom figures (name, bf16_tflops, hbm_gb, hbm_tbps, intra_node_gbs, tdp_w)"
)

Accelerator = Annotated[
    Union[Annotated[CatalogName, Tag("catalog name")], Annotated[CustomAccelerator, Tag("custom figures")]],
    Discriminator(_accelerator_kind, custom_error_type="accelerator_kind", custom_error_message=_ACCELERATOR_EXPECTED),
]


class Cluster(_Strict):
    """The cluster being proposed."""

    accelerator: Accelerator = Field("H800", description="catalog accelerator name or custom figures")
    cards: int = Field(
        1000, ge=1, le=MAX_CARDS,
        description="number of accelerator cards; leave it out for the cards the plan needs: with "
        "training.deadline_days the fewest that finish the run in time, in a serving-only plan the cards its "
        "users need (whole servers both); otherwise 1,000",
    )
    cards_per_node: int | None = Field(
        None, ge=1, le=100_000, description="cards per server; default from the catalog"
    )
    inter_node_gbps: float = Field(
        400, ge=0.001, le=1e6,
        description="scale-out network per card, Gbit/s (8×400G NDR per HGX server: DeepSeek-V3 report §3.1)",
    )
    tdp_w: float | None = Field(
        None, ge=1, le=1e6,
        description="card power, W; overrides the catalog (needed where it has none, e.g. TPUs)",
    )
    intra_node_gbs: float | None = Field(
        None, ge=0.001, le=1e6,
        description="card-to-card link in a server, GB/s per direction; overrides the catalog",
    )
    # The bill of materials (core.bom): the scale-out fabric and storage sizing.
    switch_gbps: float = Field(
        25_600, ge=1, le=1e7,
        description="capacity of one fabric switch, Gbit/s one way; its ports at inter_node_gbps are the radix "
        "(25,600: NVIDIA Quantum-2 QM9700, 64 ports of 400 Gb/s)",
    )
    oversubscription: float = Field(
        1, ge=1, le=16,
        description="leaf down:up port ratio of the fabric (1: non-blocking, as the DGX SuperPOD reference "
        "architecture; 2 halves the leaf-spine links)",
    )
    storage_tb_per_card: float = Field(
        14.6, ge=0, le=1e6,
        description="storage allowance per card, TB; the capacity is the larger of this × cards and the run's own "
        "checkpoints and data (14.6: Llama 3, 240 PB for 16,384 H100, Dubey et al. 2024 §3.3.1)",
    )
    checkpoints_kept: int = Field(
        10, ge=0, le=100_000,
        description="checkpoints kept on storage (planning assumption: the recent ones for restarts and some "
        "milestones; each holds weights and optimizer states)",
    )
    dataset_bytes_per_token: float = Field(
        4, ge=0, le=1e4,
        description="stored bytes of training data per token (planning assumption: UTF-8 text of about 4 "
        "characters per English token)",
    )
    offload_gb: float | None = Field(
        None, ge=0, le=1e7, json_schema_extra=_hole(0.001),
        description="offload tier per card (host memory the card reaches over a fast link), GB; overrides the "
        "catalog (GH200: 480 GB LPDDR5X); 0 = none",
    )
    offload_gbs: float | None = Field(
        None, ge=0, le=1e6, json_schema_extra=_hole(0.001),
        description="offload link per card, GB/s per direction; overrides the catalog; 0 = none",
    )
    memory_reserve_gb: float | None = Field(
        None, ge=0, le=1e4,
        description="GB of each card's HBM the training plan keeps free (CUDA context, allocator fragmentation, "
        "workspaces and any safety margin your operators require); the layout planner fits everything else in the "
        "rest. Default 2 GB (an assumption of the step-time model)",
    )


    @field_validator("offload_gb", "offload_gbs")
    @classmethod
    def _offload_zero_or_real(cls, value: float | None) -> float | None:
        return _zero_or_at_least(value, 0.001, "none")

    @model_validator(mode="after")
    def _switch_ports(self) -> Cluster:
        ports = math.floor(self.switch_gbps / self.inter_node_gbps)
        if ports < MIN_SWITCH_PORTS:
            raise ValueError(
                f"cluster.switch_gbps ({self.switch_gbps:g}) gives {ports} ports at cluster.inter_node_gbps "
                f"({self.inter_node_gbps:g}); allowed: at least {MIN_SWITCH_PORTS} ports, switch_gbps ≥ "
                f"{MIN_SWITCH_PORTS * self.inter_node_gbps:g}"
            )
        return self


class Assumptions(_Strict):
    """Efficiency assumptions. Each carries its source so the proposal can cite it."""

    mfu: float | None = Field(
        None,
        ge=0.001,
        le=1,
        description="model FLOPs utilisation of training, 0-1 (PaLM definition); leave it out to use the "
        "step-time model's prediction for the layout",
    )
    mfu_source: SourceText | None = Field(None, description="where the MFU figure comes from")
    host_power_factor: float = Field(
        1.8, ge=1, le=10, description="server power / card TDP (DGX H100: 10.2 kW for 8×700 W)"
    )
    average_load: float | None = Field(
        None, ge=0.01, le=1,
        description="planned utilisation: share of the cluster's card-hours in use, 0-1; leave it out to take it "
        "from the workload (training card-hours plus serving cards over the period)",
    )
    idle_power_share: float = Field(
        0.2, ge=0, le=1,
        description="power of an idle server as a share of its full power (planning assumption: idle cards draw "
        "about a tenth of TDP while CPUs, memory, fans and NICs stay on; measure yours)",
    )


class Reliability(_Strict):
    """From step time to calendar time (core.goodput): failures, checkpoints, restarts, planned work."""

    failures_per_card_hour: float = Field(
        LLAMA3_FAILURES_PER_CARD_HOUR, ge=0, le=0.01,
        description="job-interrupting failures per card-hour (Llama 3: 419 unexpected interruptions in 54 days "
        "on 16,384 H100, 1.97e-5; Dubey et al. 2024 §3.3.4); 0: no failures",
    )
    checkpoint_gbs_per_card: float = Field(
        LLAMA3_STORAGE_BYTES_PER_S_PER_CARD / 1e9, ge=0.0001, le=1e4,
        description="checkpoint storage write bandwidth per card, GB/s (Llama 3: 2 TB/s for 16,384 H100, "
        "0.122; Dubey et al. 2024 §3.3.1)",
    )
    checkpoint_interval_minutes: float = Field(
        0, ge=0, le=1e6, json_schema_extra=_hole(0.1),
        description="minutes of training between checkpoints; 0: the Young–Daly optimum (Daly 2006)",
    )
    restart_minutes: float = Field(
        10, ge=0, le=100_000,
        description="minutes from a failure to training again, besides reading the checkpoint back (planning "
        "assumption: automated detection and restart, Llama 3 §3.3.4; set your own)",
    )
    planned_overhead: float = Field(
        0.01, ge=0, le=0.99,
        description="share of calendar time for planned work the step model does not see: evaluation, "
        "maintenance, data and stage switches (Llama 3: 47 planned interruptions in 54 days, §3.3.4; "
        "planning assumption)",
    )


    @field_validator("checkpoint_interval_minutes")
    @classmethod
    def _interval_zero_or_real(cls, value: float) -> float | None:
        return _zero_or_at_least(value, 0.1, "the Young–Daly optimum")


class ServingDemand(_Strict):
    """Inference demand served by the cluster (seed 000 §2.2)."""

    users: int = Field(0, ge=0, le=10_000_000_000, description="concurrent users U (0: no serving)")
    tokens_per_request: int = Field(
        1000, ge=1, le=MAX_SEQ_LEN, description="input + output tokens per request T_io"
    )
    seconds_per_request: float = Field(
        20, ge=0.001, le=1e6, description="average time of one request t_c, s"
    )
    utilization: float = Field(
        0.3, ge=0.001, le=1,
        description="share of peak FLOP/s for seed 000 eq. 11's FLOP-only card count, shown for comparison "
        "(the serving cards come from the inference step model; decode is memory-bound)",
    )
    bytes_per_param: float | None = Field(
        None, ge=0.1, le=64,
        description="weight bytes when serving (2 bf16, 1 fp8/int8, 0.531 int4 with group-128 scales); leave it "
        "out for the serving precision's",
    )
    kv_bytes_per_value: float | None = Field(
        None, ge=0.1, le=64, description="KV-cache bytes per value (2 bf16, 1 fp8); leave it out for the serving "
        "precision's",
    )
    decode_batch: int | None = Field(
        None, ge=1, le=1_000_000,
        description="sequences a serving replica decodes together; leave it out for the sizer's choice (the "
        "batch meeting the latency targets with the fewest cards, within the KV cache)",
    )
    hbm_usable_fraction: float = Field(
        0.9, ge=0.01, le=1,
        description="share of HBM the serving engine may use for weights and KV cache (vLLM "
        "gpu_memory_utilization default 0.9, arXiv:2309.06180; TensorRT-LLM kv_cache_free_gpu_mem_fraction 0.9)",
    )
    output_tokens: int | None = Field(
        None, ge=1, le=MAX_SEQ_LEN,
        description="generated tokens per request; the prompt is tokens_per_request minus these. Leave it out "
        "for half of tokens_per_request (an assumption: give your traffic's split)",
    )
    input_tokens: int | None = Field(
        None, ge=1, le=MAX_SEQ_LEN,
        description="prompt tokens per request, as serving benchmarks state a request (input / output "
        "lengths): with output_tokens it sets tokens_per_request to their sum",
    )
    precision: Literal["bf16", "fp8", "int8", "int4", "w8a8"] | None = Field(
        None,
        description="serving precision: bf16; fp8 (FP8 weights, GEMMs at the card's FP8 peak, FP8 KV cache); "
        "int8 / int4 (weight-only: int8 per channel, int4 with a 16-bit scale and zero per 128 weights as AWQ and "
        "GPTQ checkpoints ship; 16-bit GEMMs and KV); w8a8 (INT8 weights and activations, SmoothQuant-style: "
        "GEMMs at the card's INT8 peak, 16-bit KV cache). Sets bytes_per_param and "
        "kv_bytes_per_value unless they are given. Leave it out for bf16",
    )
    ttft_s: float = Field(
        2.0, ge=0.001, le=3600,
        description="time-to-first-token target, s (MLPerf Inference v4.0 llama2-70b Server: 2 s at p99)",
    )
    tpot_s: float = Field(
        0.2, ge=0.0001, le=60,
        description="time-per-output-token target, s (MLPerf Inference v4.0 llama2-70b Server: 200 ms at p99)",
    )
    tp: int | None = Field(
        None, ge=1, le=64,
        description="tensor-parallel cards per serving replica; leave it out for the sizer's choice (divides the "
        "heads and KV heads, inside one server)",
    )
    pp: int | None = Field(
        None, ge=1, le=64,
        description="pipeline stages (servers) per serving replica; leave it out for the sizer's choice (1 unless "
        "the model needs more than one server)",
    )
    disaggregated: bool = Field(
        False, description="prefill and decode on separate replicas (DistServe, arXiv:2401.09670)"
    )
    confidence: float = Field(
        _spread.SERVING_CONFIDENCE, ge=0.5, le=_spread.CONFIDENCE_MAX,
        description="share of the inference model's speed range (uncertainty.serving_sigma) whose serving cards "
        "the fleet holds: 0.5, the estimate's; 0.9 plans the P90 of the serving cards (the estimate's times "
        "e^(σ·z) in whole replicas, at or above the Monte Carlo's P90) and rents or keeps them busy",
    )

    @property
    def output_tokens_used(self) -> int:
        """Generated tokens per request: given, or half of tokens_per_request (at least 1)."""
        return self.output_tokens if self.output_tokens is not None else max(1, self.tokens_per_request // 2)

    @model_validator(mode="after")
    def _check_split(self) -> ServingDemand:
        if self.input_tokens is not None:
            if self.output_tokens is None:
                raise ValueError(f"serving.input_tokens ({self.input_tokens}) needs serving.output_tokens, the "
                                 "tokens generated per request (a request is its prompt plus its output)")
            total = self.input_tokens + self.output_tokens
            if "tokens_per_request" in self.model_fields_set and self.tokens_per_request != total:
                raise ValueError(
                    f"serving.tokens_per_request ({self.tokens_per_request}) must be serving.input_tokens + "
                    f"serving.output_tokens ({self.input_tokens} + {self.output_tokens} = {total}); give "
                    "either the total or the prompt"
                )
            if total > MAX_SEQ_LEN:
                raise ValueError(f"serving.input_tokens + serving.output_tokens ({total:,}) must be at most "
                                 f"{MAX_SEQ_LEN:,} tokens per request")
            # The model is frozen; the total is derived here once, before anything reads or hashes it.
            object.__setattr__(self, "tokens_per_request", total)
        if self.output_tokens is not None and self.output_tokens >= self.tokens_per_request:
            raise ValueError(
                f"serving.output_tokens ({self.output_tokens}) must be less than serving.tokens_per_request "
                f"({self.tokens_per_request}): the rest is the prompt"
            )
        return self


_DEFAULT_PRICE = "leave it out for the default of pricing.currency and the accelerator (xlcompute/catalog/prices.yaml)"


class Pricing(_Strict):
    """Prices and the terms of owning versus renting. A price left out takes the default of
    ``currency`` for the scenario's accelerator (``xlcompute/catalog/prices.yaml``: planning
    assumptions with their sources), so a USD scenario never gets CNY figures; replace them with quotes."""

    currency: Literal["CNY", "USD"] = "CNY"
    price_per_card_hour: float | None = Field(
        None, ge=0, le=1e6, description=f"cloud rental per card-hour, on demand; {_DEFAULT_PRICE}"
    )
    price_reserved_1y: float | None = Field(
        None, ge=0, le=1e6,
        description="cloud rental per card-hour with a 1-year commitment; leave it out for the currency's "
        "reserved share of the on-demand price (prices.yaml)",
    )
    price_reserved_3y: float | None = Field(
        None, ge=0, le=1e6,
        description="cloud rental per card-hour with a 3-year commitment; leave it out for the currency's "
        "reserved share of the on-demand price (prices.yaml)",
    )
    server_price: float | None = Field(
        None, ge=0, le=1e10, description=f"one server with its cards; {_DEFAULT_PRICE}"
    )
    network_per_server: float | None = Field(
        None, ge=0, le=1e10,
        description="a quote for the scale-out network per server (NICs, switch ports, optics, cables); it "
        "replaces the bill of materials' fabric. Leave it out (or 0) for the fabric counted from the cards",
    )
    storage: float | None = Field(
        None, ge=0, le=MAX_PRICE,
        description="a quote for storage, total; it replaces the bill of materials' capacity × price per TB. "
        "Leave it out (or 0) for the bill",
    )
    nic_price: float | None = Field(None, ge=0, le=1e9, description=f"one scale-out NIC; {_DEFAULT_PRICE}")
    switch_price: float | None = Field(None, ge=0, le=1e9, description=f"one fabric switch; {_DEFAULT_PRICE}")
    transceiver_price: float | None = Field(
        None, ge=0, le=1e9, description=f"one optical transceiver (one end of a link); {_DEFAULT_PRICE}"
    )
    cable_price: float | None = Field(None, ge=0, le=1e9, description=f"one fibre cable; {_DEFAULT_PRICE}")
    storage_per_tb: float | None = Field(
        None, ge=0, le=1e9, description=f"storage per TB of capacity; {_DEFAULT_PRICE}"
    )
    facility_per_kw: float | None = Field(
        None, ge=0, le=1e9, description=f"data-centre fit-out per kW of IT load; {_DEFAULT_PRICE}"
    )
    space_per_rack_month: float | None = Field(
        None, ge=0, le=1e9,
        description=f"colocation space, power delivery and cooling per rack and month (energy apart); {_DEFAULT_PRICE}",
    )
    kw_per_rack: float = Field(
        40, ge=0.1, le=10_000,
        description="IT power one rack holds, kW; a rack holds whole servers (40: a liquid-cooled high-density "
        "rack, the colocation price's rack; the servers per rack follow the plan's card: three 10.08 kW 8-card H800 "
        "servers, while four DGX H100 at 10.2 kW, DGX H100 datasheet, would need 40.8 kW)",
    )
    electricity_per_kwh: float | None = Field(
        None, ge=0, le=1e4, description=f"electricity price per kWh; {_DEFAULT_PRICE}"
    )
    pue: float = Field(
        1.3, ge=1, le=3, description="power usage effectiveness (China's target for new large data centres, 2021)"
    )
    years: int = Field(3, ge=1, le=15, description="period of the total-cost table and of the own-or-rent comparison")
    staff_per_year: float = Field(
        0, ge=0, le=MAX_PRICE, description="operations staff cost per year (0: not included)"
    )
    maintenance_share: float = Field(
        0.05, ge=0, le=1,
        description="maintenance, vendor support and spares per year as a share of capital expenditure "
        "(planning assumption: 5%, issue 13's example; replace with the support quote)",
    )
    depreciation_years: float = Field(
        5, ge=1, le=30,
        description="straight-line depreciation life of servers and network, years (5: Amazon's server life "
        "from 2025; Alphabet and Microsoft use 6, Meta 5.5 — 10-K filings 2024/2025)",
    )
    residual_share: float = Field(
        0, ge=0, le=1,
        description="value left at the end of the depreciation life, share of the hardware price "
        "(0: conservative; the value at the end of the period is the straight-line book value)",
    )
    discount_rate: float = Field(
        0.08, ge=0, le=1,
        description="discount rate per year for the present values (planning assumption: a corporate cost of "
        "capital of about 8%; use your finance department's hurdle rate)",
    )


class Uncertainty(_Strict):
    """Spreads of the uncertain inputs for the Monte Carlo ranges and the tornado table
    (:mod:`xlcompute.uncertainty`; the distributions' sources are in :mod:`xlcompute.core.spread`)."""

    # At most 200,000: ~60 ms, and percentiles stable to a fraction of a percent (more buys nothing).
    draws: int = Field(10_000, ge=100, le=200_000,
                       description="Monte Carlo draws (10,000: percentiles within about ±1 % of their value)")
    seed: int = Field(13, ge=0, le=2**32 - 1, description="random seed: the same seed gives the same ranges")
    mfu_sigma: float = Field(
        _spread.MFU_LOG_SIGMA, ge=0, le=2,
        description="lognormal σ of the MFU (ln units; 0.336: RMS log error of card-hours over the first 23 held-out "
        "end-to-end runs of xlcompute validate as first predicted, before they were fitted on; the later held-out "
        "sets scatter more)",
    )
    serving_sigma: float = Field(
        _spread.SERVING_LOG_SIGMA, ge=0, le=2,
        description=f"lognormal σ of the inference model's speed (ln units; {_spread.SERVING_LOG_SIGMA:g}: RMS log error of the {_spread.SERVING_LOG_SIGMA_POINTS} held-out "
        "throughput points of xlcompute validate --serving); it spreads the serving cards",
    )
    failure_rate_sigma: float = Field(
        _spread.FAILURE_RATE_LOG_SIGMA, ge=0, le=3,
        description="lognormal σ of the failure rate (ln units; 0.541: P10-P90 half to twice the rate; planning "
        "assumption around Llama 3's one published figure)",
    )
    price_spread: float = Field(
        _spread.PRICE_SPREAD, ge=0, le=0.9,
        description="± share of the triangular spread of server price, rent per card-hour and electricity (0.15: "
        "AACE 18R-97 Class 3 estimate, -10 to -20 % / +10 to +30 %)",
    )
    delivery_delay_days: float = Field(
        _spread.DELIVERY_DELAY_DAYS, ge=0, le=3650,
        description="likeliest delay before training starts, days (planning assumption; the supplier's terms)",
    )
    delivery_delay_max_days: float = Field(
        _spread.DELIVERY_DELAY_MAX_DAYS, ge=0, le=3650,
        description="largest delay before training starts, days (planning assumption; the supplier's terms)",
    )

    @model_validator(mode="after")
    def _delay_order(self) -> Uncertainty:
        if self.delivery_delay_max_days < self.delivery_delay_days:
            raise ValueError(
                f"uncertainty.delivery_delay_max_days ({self.delivery_delay_max_days:g}) must be at least "
                f"uncertainty.delivery_delay_days ({self.delivery_delay_days:g}), the likeliest delay"
            )
        return self


PlanKind = Literal["training", "serving", "both"]
"""What a scenario plans: a training run only, a serving fleet only, or both."""


def _recipe_precision_cite(preset: str, accelerator: object) -> str | None:
    """The source of a preset's published FP8 pre-training when the card can run it (an FP8 peak in
    the catalog or in the custom figures), else None; an unknown name is left to the estimate's error."""
    if isinstance(accelerator, CustomAccelerator):
        cite, _ = _recipe_fp8(preset, None)
        return cite if accelerator.fp8_tflops is not None else None
    cite, card_fp8 = _recipe_fp8(preset, str(accelerator))
    return cite if card_fp8 else None


@functools.lru_cache(maxsize=256)
def _recipe_fp8(preset: str, accelerator: str | None) -> tuple[str | None, bool]:
    """(the preset's FP8 recipe source or None, whether the catalog card has an FP8 peak); cached, as a
    batch parses the same names again and again."""
    from xlcompute import catalog  # the catalog reads no scenario; imported here to keep this module light

    try:
        recipe = catalog.get_model(preset).recipe
        card_fp8 = accelerator is not None and bool(catalog.get_gpu(accelerator).fp8_tflops)
    except (catalog.UnknownPresetError, ValueError):
        return None, False
    cite = recipe.precision_source if recipe is not None and recipe.precision == "fp8" else None
    return cite, card_fp8


@functools.lru_cache(maxsize=256)
def _released_fp8(preset: str) -> str | None:
    """The source of a preset's FP8 release (catalog released_precision), or None; cached as _recipe_fp8."""
    from xlcompute import catalog

    try:
        m = catalog.get_model(preset)
    except (catalog.UnknownPresetError, ValueError):
        return None
    return m.released_precision_source if m.released_precision == "fp8" else None


_M = TypeVar("_M", bound=BaseModel)


def _with_unset(model: _M, **values: Any) -> _M:
    """``model`` validated again with ``values`` set, the fields it marks as given unchanged: a value a preset's
    recipe resolves stays "not given" (a dump without defaults leaves it out, so a swap to a card that cannot run it
    resolves again)."""
    given = {name: getattr(model, name) for name in model.model_fields_set}
    resolved = type(model).model_validate({**given, **values})
    object.__setattr__(resolved, "__pydantic_fields_set__", set(model.model_fields_set))
    return resolved


class Scenario(_Strict):
    """A planning scenario: everything an estimate needs."""

    _precision_recipe: str | None = PrivateAttr(None)
    _serving_precision_release: str | None = PrivateAttr(None)

    name: ScenarioName = Field(
        "Scenario", description="title of the workbook and the proposal; one line, at most 200 characters; "
        "left out, the title is made from the model, the plan and the cluster (e.g. 'Llama-2-70B training on "
        "1,000 × H800')"
    )
    organisation: OrganisationText = Field("", description="who proposes it; one line, at most 200 characters")
    description: DescriptionText = Field(
        "", description="free text; tabs and line breaks allowed, at most 2,000 characters"
    )
    model: ModelSpec
    training: TrainingPlan | None = Field(
        None, description="the training run; leave it out for a serving-only plan (then serving.users > 0)"
    )
    cluster: Cluster = Cluster()
    assumptions: Assumptions = Assumptions()
    reliability: Reliability = Reliability()
    serving: ServingDemand = ServingDemand()
    pricing: Pricing = Pricing()
    uncertainty: Uncertainty = Uncertainty()

    @model_validator(mode="after")
    def _recipe_precision(self) -> Scenario:
        # A preset trained in FP8 (DeepSeek-V3) trains so unless the user says otherwise, as its published
        # batch and all-to-all schedule are taken (catalog recipe); resolved here, once, so the planner,
        # the workbook and the proposal all read the same precision.
        t = self.training
        if t is None or "precision" in t.model_fields_set or self.model.preset is None:
            return self
        cite = _recipe_precision_cite(self.model.preset, self.cluster.accelerator)
        if cite is not None:
            object.__setattr__(self, "training", _with_unset(t, precision="fp8"))
            self._precision_recipe = cite  # the proposal names the recipe as its source
        return self

    @model_validator(mode="after")
    def _released_serving_precision(self) -> Scenario:
        # A preset released only in FP8 (DeepSeek-V3) is served so where the card has an FP8 peak, unless the user
        # says otherwise: serving its BF16 conversion needs twice the memory and about five times the cards.
        s = self.serving
        if s.users <= 0 or "precision" in s.model_fields_set or self.model.preset is None:
            return self
        cite = _released_fp8(self.model.preset)
        acc = self.cluster.accelerator
        card_fp8 = (acc.fp8_tflops is not None if isinstance(acc, CustomAccelerator)
                    else _recipe_fp8(self.model.preset, str(acc))[1])
        if cite is not None and card_fp8:
            object.__setattr__(self, "serving", _with_unset(s, precision="fp8"))
            self._serving_precision_release = cite
        return self

    @property
    def serving_precision_release(self) -> str | None:
        """The source of serving.precision when the preset's FP8 release set it (None when the scenario gives it
        or it is the bf16 default)."""
        return self._serving_precision_release

    @property
    def precision_recipe(self) -> str | None:
        """The source of training.precision when the preset's published recipe set it (None when the
        scenario gives it or it is the bf16 default)."""
        return self._precision_recipe

    @model_validator(mode="after")
    def _layout(self) -> Scenario:
        t, c = self.training, self.cluster
        if t is None:
            if self.serving.users == 0:
                raise ValueError("the scenario plans neither training nor serving; give training.tokens (a "
                                 "training run) or serving.users above 0 (a serving fleet), or both")
            return self
        if t.global_batch is not None and t.batch_tokens is not None:
            raise ValueError("give training.global_batch or training.batch_tokens, not both")
        if t.batch_tokens is not None and t.batch_tokens / t.seq_len > MAX_GLOBAL_BATCH:
            raise ValueError(
                f"training.batch_tokens ({_number_text(t.batch_tokens)}) makes {t.batch_tokens / t.seq_len:,.0f} "
                f"sequences of training.seq_len ({t.seq_len:,}) per step; allowed: at most "
                f"{MAX_GLOBAL_BATCH:,} (the range of training.global_batch)"
            )
        if (t.tp is None) != (t.pp is None):
            raise ValueError("give both training.tp and training.pp, or neither to let the layout planner choose")
        if t.tp is None or t.pp is None:
            for name in ("first_stage_layers", "last_stage_layers", "dualpipe"):
                if getattr(t, name):
                    raise ValueError(
                        f"training.{name} ({str(getattr(t, name)).lower()}) needs training.tp and training.pp too: "
                        "it belongs to a pipeline the scenario gives; leave it out to let the layout planner choose"
                    )
            if t.dp is not None:
                raise ValueError("training.dp needs training.tp and training.pp too")
            if t.cp is not None:
                raise ValueError(
                    f"training.cp ({t.cp}) needs training.tp and training.pp too; leave all three out to let the "
                    "layout planner choose"
                )
            return self
        cp = self.cp
        chunks = CP_CHUNKS_PER_RANK * cp
        if cp > 1 and t.seq_len % chunks:
            raise ValueError(
                f"training.cp ({cp}) must cut training.seq_len ({t.seq_len}) into 2·cp = {chunks} equal chunks "
                "(Megatron-Core's load-balanced causal split); allowed: cp with seq_len divisible by 2·cp"
            )
        group = t.tp * cp * t.pp
        # Without context parallelism the messages name the 3D layout the scenario gave.
        names, factors = ("tp·pp", f"{t.tp}·{t.pp}") if t.cp is None else ("tp·cp·pp", f"{t.tp}·{cp}·{t.pp}")
        if group > c.cards:
            raise ValueError(
                f"training.{names} ({factors} = {group}) must be at most cluster.cards ({c.cards})"
            )
        if t.micro_batch * self.dp > MAX_STEP_SEQUENCES:
            # The batch is rounded to whole micro-batches on every replica: this is its least size.
            raise ValueError(
                f"training.micro_batch ({t.micro_batch:,}) on each of the {self.dp:,} data-parallel replicas makes "
                f"{t.micro_batch * self.dp:,} sequences per step at least; allowed: at most {MAX_STEP_SEQUENCES:,}"
            )
        if t.dp is not None and t.dp != self.dp:
            raise ValueError(
                f"training.dp ({t.dp}) must be ⌊cluster.cards / ({names})⌋ = ⌊{c.cards} / {group}⌋ = {self.dp}; "
                "leave it out: it follows from the cards"
            )
        return self

    @property
    def kind(self) -> PlanKind:
        """What the scenario plans: "training" (no serving users), "serving" (no training block) or "both"."""
        if self.training is None:
            return "serving"
        return "training" if self.serving.users == 0 else "both"

    @property
    def train(self) -> TrainingPlan:
        """The training plan, or for a serving-only scenario a plan of 0 tokens with the defaults
        and the layout tp = pp = 1 (its figures are 0 and no face shows them)."""
        if self.training is not None:
            return self.training
        # model_construct skips validation: tokens = 0 is below the field's range on purpose.
        return TrainingPlan.model_construct(tokens=0.0, tp=1, pp=1)

    @property
    def layout_fixed(self) -> bool:
        """True when the scenario gives tp and pp (else the planner chooses the layout); a
        serving-only scenario has nothing to plan."""
        return self.train.tp is not None

    @property
    def cp(self) -> int:
        """Context-parallel degree of a fixed layout (1 unless training.cp is given)."""
        t = self.train
        if t.tp is None or t.pp is None:
            raise ValueError("the layout is chosen by the planner; see estimate().plan")
        return 1 if t.cp is None else t.cp

    @property
    def dp(self) -> int:
        """Data-parallel degree of a fixed layout, ⌊cards/(tp·cp·pp)⌋ (cards beyond dp·tp·cp·pp stay
        idle)."""
        t = self.train
        if t.tp is None or t.pp is None:
            raise ValueError("the layout is chosen by the planner; see estimate().plan")
        return self.cluster.cards // (t.tp * self.cp * t.pp)


# -- errors in the user's words ----------------------------------------------------------------


class ScenarioError(ValueError):
    """Invalid scenario input; ``problems`` holds one readable line per problem."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        if len(problems) > MAX_PROBLEMS:
            hidden = len(problems) - MAX_PROBLEMS + 1
            problems = [*problems[: MAX_PROBLEMS - 1], f"… and {hidden:,} more problems"]
        self.problems = problems
        self.source = source
        where = f"{escape(source)}: " if source else ""
        super().__init__(where + "; ".join(problems))


# Union members pydantic names in a location (cluster.accelerator's two forms).
_UNION_TAGS = {("cluster", "accelerator"): {"catalog name", "custom figures"}}


def _loc_parts(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A pydantic location without the internal union tags and validator names."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part.startswith("function-"):
            continue
        if i >= 2 and isinstance(part, str) and part in _UNION_TAGS.get(tuple(loc[i - 2:i]), ()):
            continue
        out.append(part)
    return tuple(out)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (Optional, Union and Annotated unwrapped)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _is_int(annotation: Any) -> bool:
    """True for an int field (Optional and Annotated unwrapped): its range reads "a whole number"."""
    if annotation is int:
        return True
    if typing.get_origin(annotation) is Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return any(_is_int(a) for a in typing.get_args(annotation) if a is not type(None))
    return False


def _field_at(parts: tuple[Any, ...]) -> FieldInfo | None:
    """The field a location names, walking the scenario's models (ModelArch included)."""
    model: type[BaseModel] | None = Scenario
    info: FieldInfo | None = None
    for part in parts:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return None
        info = model.model_fields[part]
        model = _model_of(info.annotation)
    return info


# Hugging Face config.json names a user may paste under model.arch (ModelArch's docstring maps them).
_HF_ARCH_NAMES = {"num_hidden_layers": "layers", "hidden_size": "hidden", "num_attention_heads": "heads",
                  "num_key_value_heads": "kv_heads", "intermediate_size": "ffn_hidden", "vocab_size": "vocab",
                  "tie_word_embeddings": "tied_embeddings", "max_position_embeddings": "position_embeddings",
                  "num_local_experts": "experts", "n_routed_experts": "experts", "num_experts": "experts",
                  "num_experts_per_tok": "top_k", "n_shared_experts": "shared_experts",
                  "moe_intermediate_size": "moe_ffn_hidden", "first_k_dense_replace": "dense_layers",
                  "num_nextn_predict_layers": "mtp_layers"}

# Other tools' names for a field (Calculon, llm-analysis, Megatron flags, spreadsheets), where spelling
# alone would guess wrong (sequence_len is nearer sequence_parallel than seq_len).
_SYNONYMS = {"sequence_len": "seq_len", "sequence_length": "seq_len", "seq_length": "seq_len",
             "context_length": "seq_len", "max_seq_len": "seq_len", "gpus": "cards", "num_gpus": "cards",
             "gpu_count": "cards", "n_gpus": "cards", "gpu": "accelerator", "gpu_type": "accelerator",
             "batch_size": "global_batch", "global_batch_size": "global_batch", "micro_batch_size": "micro_batch",
             "tensor_parallel": "tp", "pipeline_parallel": "pp", "expert_parallel": "ep", "context_parallel": "cp",
             "users_concurrent": "users", "concurrent_users": "users",
             # serving benchmarks' request shape (vLLM benchmark_serving, TensorRT-LLM trtllm-bench)
             "prompt_tokens": "input_tokens", "input_len": "input_tokens", "input_length": "input_tokens",
             "isl": "input_tokens", "output_len": "output_tokens", "output_length": "output_tokens",
             "osl": "output_tokens", "max_tokens": "output_tokens", "ttft": "ttft_s", "tpot": "tpot_s"}


def _short_name(key: str) -> tuple[str, list[str]]:
    """A field written without its section: the field it names (itself, or as :data:`_SYNONYMS` maps
    another tool's name) and the scenario sections that have it."""
    name = key if _sections_of(key) else _SYNONYMS.get(key, key)
    return name, _sections_of(name)


def _sections_of(name: str) -> list[str]:
    """The scenario sections that have a field ``name``."""
    out = []
    for section, info in Scenario.model_fields.items():
        model = _model_of(info.annotation)
        if model is not None and name in model.model_fields:
            out.append(section)
    return out


def place_short_names(data: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario with its short names in their sections: a table's columns or ``--set`` fields written
    without the section (``tokens``, ``accelerator``, ``cards``, ``users``, ``mfu``; other tools' names as
    :data:`_SYNONYMS` maps them) move to the one section that has the field, and a model given as text
    becomes model.preset (a catalog name) or model.params (a size: ``70B``). A name two sections share
    (tp, pp, precision), or that its section already gives, stays where it is, and validation says
    which sections have it."""
    out = dict(data)
    model = out.get("model")
    if isinstance(model, str):
        out["model"] = {"params" if SIZE_TEXT.match(model) else "preset": model}
    elif isinstance(model, (int, float)) and not isinstance(model, bool):
        out["model"] = {"params": model}
    for key in [k for k in out if isinstance(k, str) and k not in Scenario.model_fields]:
        name, sections = _short_name(key)
        if len(sections) != 1:
            continue
        section = out.get(sections[0], {})
        if isinstance(section, Mapping) and name not in section:
            out[sections[0]] = {**section, name: out.pop(key)}
    return out


def _unknown_field_hint(loc: tuple[Any, ...]) -> str:
    """What an unknown field was probably meant to be: a config.json name under model.arch, an
    architecture field typed straight under model, or a near spelling of a field of the same section."""
    parts = _loc_parts(loc)
    if not parts or not isinstance(parts[-1], str):
        return ""
    name, parent = parts[-1], parts[:-1]
    model: type[BaseModel] | None = Scenario
    for part in parent:
        info = model.model_fields.get(part) if model is not None and isinstance(part, str) else None
        model = _model_of(info.annotation) if info is not None else None
    if model is None:
        return ""
    where = path_text(parent)

    def at(field: str) -> str:  # "training.tokens"; at the top level the field alone, not ".name"
        return f"{where}.{field}" if where else field

    if model is Scenario and _short_name(name)[1]:  # a short name place_short_names could not place
        field, sections = _short_name(name)
        if len(sections) > 1:  # tp, pp, precision
            return "did you mean " + " or ".join(f"{sec}.{field}" for sec in sections) + "?"
        return f"{sections[0]}.{field} is given too; give it once, as {sections[0]}.{field}"
    if name.lower() != name and (name.lower() in model.model_fields
                                 or (model is Scenario and _short_name(name.lower())[1])):
        return f"did you mean {at(name.lower())}?"  # field names are lower case: Name, MFU
    if model is Scenario and name.strip().lower() in _NOTE_NAMES:
        return ("for your own notes use description, or in a table a column whose name starts with # "
                "(e.g. #notes), which is ignored")
    if not name.isascii():  # a label in another script (加速卡): the fields are the English names
        return ("field names are the scenario's English names: name, model, tokens, accelerator, cards, users, "
                "mfu, or dotted ones such as training.seq_len (`xlcompute schema` lists them)")
    if model is ModelArch and name in _HF_ARCH_NAMES:
        return f"did you mean {where}.{_HF_ARCH_NAMES[name]}? (config.json's {name})"
    if model is ModelSpec:
        if name in ("name", "key", "model", "id"):  # a catalog name typed under another key
            return f"did you mean {where}.preset? (a catalog model name, e.g. llama2-70b)"
        arch_name = _HF_ARCH_NAMES.get(name, name)
        if arch_name in ModelArch.model_fields:
            return (f"a custom architecture goes under {where}.arch (e.g. {where}.arch.{arch_name}), "
                    f"or name a catalog model with {where}.preset")
    if _SYNONYMS.get(name) in model.model_fields:
        return f"did you mean {at(_SYNONYMS[name])}?"
    close = difflib.get_close_matches(name, list(model.model_fields), n=1, cutoff=0.75)
    if close:
        return f"did you mean {at(close[0])}?"
    if model is Scenario:  # a misspelt short name (acelerator): the short name, and where it goes
        placeable = {short: _short_name(short) for short in _short_names()}
        near = difflib.get_close_matches(name.lower(), list(placeable), n=1, cutoff=0.8)
        if near:
            field, sections = placeable[near[0]]
            return f"did you mean {near[0]} ({sections[0]}.{field})?"
    return ""


# Names a hand-made table's notes column goes by: not fields, and the hint says how to keep one.
_NOTE_NAMES = frozenset({"notes", "note", "comment", "comments", "remark", "remarks", "memo"})


@functools.lru_cache(maxsize=1)
def _short_names() -> tuple[str, ...]:
    """Every name place_short_names places in its one section: a section's field no other section has, and
    the other tools' names (:data:`_SYNONYMS`) of such a field."""
    names = set()
    for info in Scenario.model_fields.values():
        section = _model_of(info.annotation)
        if section is not None:
            names.update(section.model_fields)
    names.update(_SYNONYMS)
    return tuple(sorted(n for n in names if n not in Scenario.model_fields and len(_short_name(n)[1]) == 1))


def _bounds(info: FieldInfo | None) -> dict[str, float]:
    """The numeric bounds of a field (gt, ge, lt, le), from its metadata."""
    out: dict[str, float] = {}
    for meta in info.metadata if info is not None else ():
        for key in ("gt", "ge", "lt", "le"):
            value = getattr(meta, key, None)
            if isinstance(value, (int, float)):
                out[key] = value
    return out


def _range_text(bounds: dict[str, float]) -> str:
    """``from 1 to 10,000,000``; ``above 0, up to 1e16``."""
    low = (f"from {_number_text(bounds['ge'])}" if "ge" in bounds
           else f"above {_number_text(bounds['gt'])}" if "gt" in bounds else "")
    high = (f"to {_number_text(bounds['le'])}" if "le" in bounds
            else f"below {_number_text(bounds['lt'])}" if "lt" in bounds else "")
    if low and high:
        if high.startswith("to"):
            return f"{low} {high}" if low.startswith("from") else f"{low}, up {high}"
        return f"{low}, {high}"
    return low or ("up " + high if high.startswith("to") else high)


_NUMBER_TYPES = {"float_type", "float_parsing", "int_type", "int_parsing", "int_parsing_size", "int_from_float",
                 "finite_number", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_MAPPING_TYPES = {"model_type", "model_attributes_type", "dict_type", "mapping_type"}
_INTERNAL_NAMES = re.compile(
    r"\b(?:Scenario|ModelSpec|TrainingPlan|CustomAccelerator|Cluster|Assumptions|Reliability|ServingDemand|"
    r"Pricing|ModelArch|TransformerShape|InputValue)\b"
)


def _finite_text(text: str) -> bool:
    """False for text Python reads as inf or nan ("inf", "-Infinity", "1e999"), else True."""
    try:
        return math.isfinite(float(text.strip()[:MAX_QUANTITY_CHARS]))
    except ValueError:
        return True


def _message(err: Mapping[str, Any], info: FieldInfo | None) -> str:
    """One problem in the user's words: what is wrong and what is allowed."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        hint = _unknown_field_hint(tuple(err["loc"]))
        return "unknown field" + (f"; {hint}" if hint else " (check the spelling; `xlcompute schema` lists the fields)")
    if kind in _NUMBER_TYPES:
        bounds = _bounds(info) or {k: ctx[k] for k in ("gt", "ge", "lt", "le") if k in ctx}
        whole = kind.startswith("int_") or (info is not None and _is_int(info.annotation))
        if whole and "gt" in bounds and float(bounds["gt"]).is_integer():
            bounds["ge"] = bounds.pop("gt") + 1  # a count "above 0" is "from 1"
        noun = "a whole number" if whole else "a number"
        allowed = f" {_range_text(bounds)}" if bounds else ""
        if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            # A share typed as a percentage (mfu: 40): say what was probably meant, as the Excel functions do.
            top = bounds.get("le", bounds.get("lt"))
            hint = (f"; did you mean {value / 100:g} (or \"{value:g}%\")?" if top == 1 and not whole
                    and isinstance(value, (int, float)) and 2 <= value <= 100 else "")
            return (f"must be{allowed}" if not whole else f"must be {noun}{allowed}") + hint
        if kind == "finite_number" or (isinstance(value, str) and not _finite_text(value)):
            return f"must be a finite {'whole ' if whole else ''}number{allowed}"
        if kind == "int_from_float":
            return f"must be {noun}{allowed}"
        return f"expected {noun}{allowed}" + ("" if isinstance(value, str) else f", got {describe_type(value)}")
    if kind in _MAPPING_TYPES:
        return f"expected a mapping of fields (name: value), got {describe_type(value)}"
    if kind == "string_type":
        return f"expected text, got {describe_type(value)}"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length', '?'):,} characters allowed"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":  # model.arch.name: one line, no control characters
        return "control characters are not allowed; remove them (this text is one line, without tabs or line breaks)"
    if kind == "string_unicode":
        return "not valid Unicode text: an unpaired surrogate (a \\ud800-\\udfff escape without its pair)"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {describe_type(value)}"
    if kind in ("too_long", "too_short") and "max_length" in ctx:
        return f"at most {ctx['max_length']:,} items allowed"
    if kind in ("bool_type", "bool_parsing"):
        return "expected true or false"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the listed values')}"
    if kind == "accelerator_kind":
        return _ACCELERATOR_EXPECTED + f", got {describe_type(value)}"
    if kind == "invalid_key":
        return f"a key must be a field name (text), got {describe_type(value)}"
    if kind == "recursion_loop":
        return "a value that contains itself"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    bounds = _bounds(info)
    if kind == "value_error" and bounds and "allowed" not in msg and " or at least " not in msg:
        msg += f"; allowed: {_range_text(bounds)}"  # a number field refusing text: say what it takes
    return _INTERNAL_NAMES.sub("a mapping of fields", msg).replace("\n", " ")


# Errors whose message already shows the value, or where it is a whole mapping.
_NO_ECHO = {"missing", "accelerator_kind", "string_type", "float_type", "int_type",
            "model_type", "model_attributes_type", "dict_type", "tuple_type", "list_type"}


def _format_errors(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        parts = _loc_parts(tuple(err["loc"]))
        if err["type"] == "invalid_key":
            parts = parts[:-1]  # the last part is the odd key itself
        info = _field_at(parts)
        msg = _message(err, info)
        value = err.get("input")
        echo = err["type"] not in _NO_ECHO and not isinstance(value, (Mapping, BaseModel))
        if echo and (value is None or isinstance(value, (str, bool, list, tuple))) and show_value(value) in msg:
            echo = False  # the message quotes it already ("'lots' is not a number")
        shown = f" (got {show_value(value)})" if echo else ""
        lines.append(f"{path_text(parts) or 'scenario'}: {msg}{shown}")
    return lines


# -- structure limits ------------------------------------------------------------------------------


def _check_structure(data: Any) -> list[str]:
    """Depth, key, value and string-length limits over a parsed scenario, without recursion.

    Stops at the first exceeded count limit: a hostile structure is never walked further."""
    problems: list[str] = []
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(data, (), 0)]
    keys = values = 0
    while stack:
        node, path, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            return [f"scenario: more than {MAX_VALUES:,} values (the limit for a scenario; YAML aliases count "
                    "once per use)"]
        if isinstance(node, str):
            if len(node) > MAX_STRING_CHARS:
                problems.append(f"{path_text(path) or 'scenario'}: text of {len(node):,} characters; the limit "
                                f"for any text in a scenario is {MAX_STRING_CHARS:,}")
            continue
        if isinstance(node, Mapping):
            children: list[tuple[Any, Any]] = list(node.items()) if len(node) <= MAX_KEYS else []
            keys += len(node)
        elif isinstance(node, (list, tuple)):
            children = list(enumerate(node)) if len(node) <= MAX_VALUES else []
            values += len(node) - len(children)
        else:
            continue
        if depth >= MAX_DEPTH:
            where = path_text(path[:3]) + ("…" if len(path) > 3 else "")
            return [f"{where}: mappings and lists nested more than {MAX_DEPTH} levels deep (the limit for a "
                    "scenario)"]
        if keys > MAX_KEYS:
            return [f"scenario: more than {MAX_KEYS:,} keys (the limit for a scenario)"]
        if values > MAX_VALUES:
            return [f"scenario: more than {MAX_VALUES:,} values (the limit for a scenario)"]
        for key in getattr(node, "duplicates", ()):
            problems.append(f"{path_text((*path, key))}: given twice in the same mapping; keep one")
        for key, child in reversed(children):
            if isinstance(key, str) and len(key) > MAX_STRING_CHARS:
                problems.append(f"{path_text(path) or 'scenario'}: a key of {len(key):,} characters; the limit "
                                f"for any text in a scenario is {MAX_STRING_CHARS:,}")
                continue
            stack.append((child, (*path, key), depth + 1))
    return problems


# -- parse_scenario ----------------------------------------------------------------------------


def parse_scenario(data: Any, source: str = "") -> Scenario:
    """Validate a mapping (parsed YAML/TOML/JSON) into a :class:`Scenario`, presets included.

    Every problem is reported at once: field errors and unknown catalog names together. The
    structure limits (depth, keys, values, string length) are checked first.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError([f"scenario: expected a mapping of fields (name: value), got {describe_type(data)}"],
                            source)
    problems = _check_structure(data)
    if problems:
        raise ScenarioError(problems, source)
    data = place_short_names(data)
    problems = check_presets(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc) + problems, source) from None
    if problems:
        raise ScenarioError(problems, source)
    return scenario


def _lookup_name(value: Any) -> str | None:
    # Only names that pass the field's own checks are looked up: the field reports the rest.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip(" \t\r\n")
    if not 1 <= len(value) <= 80 or CONTROL_ONE_LINE.search(value):
        return None
    return value


def check_presets(data: Mapping[str, Any]) -> list[str]:
    """Unknown catalog names in a raw scenario mapping, with the closest suggestions."""
    from xlcompute import catalog  # the catalog is data; imported late to keep start-up light

    problems = []
    model = data.get("model")
    preset = _lookup_name(model.get("preset")) if isinstance(model, Mapping) else None
    if preset is not None:
        try:
            catalog.get_model(preset)
        except catalog.UnknownPresetError as exc:
            text = str(exc)
            if "model.params" not in exc.head:  # "100B": the catalog already said where a size goes
                text = (f"{exc.head}a model not in the catalog goes by its size, model.params (e.g. 34B: a dense "
                        f"model, generic shape), or its architecture, model.arch; known models: {', '.join(exc.known)}")
            problems.append(f"model.preset: {text}")
    cluster = data.get("cluster")
    accelerator = _lookup_name(cluster.get("accelerator")) if isinstance(cluster, Mapping) else None
    if accelerator is not None:
        try:
            catalog.get_gpu(accelerator)
        except catalog.UnknownPresetError as exc:
            problems.append(f"cluster.accelerator: {exc}")
    return problems


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML / TOML / JSON scenario file, within the input limits."""
    p = Path(path)
    return parse_scenario(_file_data(p), str(p))


MAX_SETTINGS = 200
"""More FIELD=VALUE settings than this on one command line are refused (a file is the place for them)."""


def scenario_with(path: str | Path | None, settings: list[str]) -> Scenario:
    """The scenario of ``path`` (None: none, only the settings) with ``settings`` applied: each
    ``FIELD=VALUE``, the field dotted as a batch table's columns (``cluster.cards=1024``), the value
    as a table cell gives it (text the scenario's fields parse: ``18T``, ``1024``, ``true``)."""
    return parse_scenario(scenario_data_with(path, settings), settings_source(path))


def settings_source(path: str | Path | None) -> str:
    """Where a scenario made with settings comes from, as its problems name it."""
    return f"{path} with --set" if path is not None else "--set"


def scenario_data_with(path: str | Path | None, settings: list[str]) -> Any:
    """The mapping :func:`scenario_with` validates: the file's fields with the settings in place (what a
    proposal attaches as its scenario, so the file reproduces its figures)."""
    raw = _file_data(Path(path)) if path is not None else {}
    if not isinstance(raw, Mapping):
        parse_scenario(raw, str(path))  # says what the file holds instead of a mapping
    source = settings_source(path)
    data: dict[str, Any] = dict(raw)
    problems: list[str] = []
    given: set[tuple[str, ...]] = set()
    if len(settings) > MAX_SETTINGS:
        raise ScenarioError([f"{len(settings):,} settings; at most {MAX_SETTINGS} (put more in a scenario file)"],
                            source)
    for text in settings:
        field, sep, value = text.partition("=")
        parts = [p.strip() for p in field.split(".")]
        if len(parts) == 1 and parts[0] not in Scenario.model_fields:  # a short name: cards=2000 changes cluster.cards
            name, sections = _short_name(parts[0])
            if len(sections) == 1:
                parts = [sections[0], name]
        shown = show_value(text, 80)
        if not sep or not field.strip() or any(not p for p in parts):
            problems.append(f"{shown}: write FIELD=VALUE with a dotted field, e.g. cluster.cards=1024")
            continue
        if not value.strip():
            problems.append(f"{shown}: no value after '='")
            continue
        node: Any = data
        for i, part in enumerate(parts[:-1]):
            child = node.get(part) if isinstance(node, dict) else None
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, Mapping):
                problems.append(f"{shown}: {'.'.join(parts[:i + 1])} is a value, not a section of fields")
                break
            else:
                child = node[part] = dict(child)  # a copy: the file's data stays as read
            node = child
        else:
            node[parts[-1]] = value.strip()
            given.add(tuple(parts))
    if problems:
        raise ScenarioError(problems, source)
    assumptions = data.get("assumptions")
    if (("assumptions", "mfu") in given and ("assumptions", "mfu_source") not in given
            and isinstance(assumptions, Mapping) and "mfu_source" in assumptions):
        # The file's citation was for its own MFU, not the one set: it goes, unless set too.
        data["assumptions"] = {k: v for k, v in assumptions.items() if k != "mfu_source"}
    return data


def _file_data(p: Path) -> Any:
    """The parsed mapping of a scenario file, or a :class:`ScenarioError` that says why not."""
    if not p.is_file():
        raise ScenarioError([f"file: {show_value(str(p), 200)} does not exist or is not a file"], str(p))
    try:
        data = read_mapping(p)
    except FileRefused as exc:
        raise ScenarioError([str(exc)], str(p)) from None
    except (ParseError, ValueError, OverflowError) as exc:
        # ParseError: the parser's message; the others: PyYAML constructors (dates, timestamps,
        # integers beyond Python's digit limit) refusing a scalar.
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if "integer string conversion" in detail:  # Python's int() digit limit; its advice is for programmers
            detail = "a number with more than 4,300 digits"
        raise ScenarioError([f"file: cannot parse {escape(p.name)}: {escape(detail)[:300]}"], str(p)) from None
    return data


DEFAULT_SCENARIO_PATH = Path(__file__).with_name("data") / "default_scenario.yaml"


def default_scenario() -> Scenario:
    """The built-in reference case: a 1000-card H800 cluster training and serving a 70B model."""
    return load_scenario(DEFAULT_SCENARIO_PATH)
