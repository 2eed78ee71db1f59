"""Load and look up the catalog's data files (accelerators.yaml, models.yaml).

The files are read with :mod:`importlib.resources`, so presets work from an installed wheel,
parsed with PyYAML's safe loader (libyaml's C version where available), validated with pydantic
and cached for the process.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xlcompute._yaml_data import load_yaml
from xlcompute.core.cost import tdp_scaled_by_peak
from xlcompute.core.inference import fp32_scaled_by_bandwidth
from xlcompute.core.params import ModelArch, ParamCount, count_params
from xlcompute.quantity import SIZE_TEXT

__all__ = [
    "Accelerator",
    "ModelPreset",
    "TrainingRecipe",
    "UnknownPresetError",
    "gpus",
    "models",
    "get_gpu",
    "get_model",
    "normalize_name",
    "tdp_of",
    "tdp_reference",
]

_TERA = 1e12
_DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")


class UnknownPresetError(ValueError):
    """A preset name that matches no key or alias; the message suggests the closest names.

    ``head`` is the message before its list of every known key and ``known`` that list, so a face
    can word the list its own way (a cell points to ``=MODEL_LIST()``, a scenario adds where a model
    the catalog lacks goes) without cutting the text."""

    def __init__(self, message: str, head: str = "", known: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.head = head or message
        self.known = known


def normalize_name(name: str) -> str:
    """Lookup form of a preset name: lower case, without spaces, dashes and underscores."""
    return re.sub(r"[\s\-_]+", "", str(name)).lower()


class _Preset(BaseModel):
    """Fields every catalog row shares: identity and provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    source: str = Field(min_length=1)
    source_date: str
    notes: str = ""

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases_as_text(cls, v: Any) -> Any:
        # YAML reads an alias such as 4090 as a number.
        if isinstance(v, (list, tuple)):
            return tuple(str(x) for x in v)
        return v

    @field_validator("key", mode="before")
    @classmethod
    def _key_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    @field_validator("source_date", mode="before")
    @classmethod
    def _date_as_text(cls, v: Any) -> Any:
        # YAML turns a full 2024-08-27 into a date object; keep the text form.
        return v.isoformat() if isinstance(v, _dt.date) else v

    @field_validator("source_date")
    @classmethod
    def _check_date(cls, v: str) -> str:
        if not _DATE_RE.match(v):
            raise ValueError(f"source_date must be YYYY-MM or YYYY-MM-DD, got {v!r}")
        return v

    @property
    def names(self) -> tuple[str, ...]:
        """The key followed by every alias."""
        return (self.key, *self.aliases)


class Accelerator(_Preset):
    """One accelerator card (or TPU chip) with the figures the cost model needs, in SI units.

    ``bf16_tflops`` / ``fp8_tflops`` are dense peaks in 10^12 FLOP/s as written in the data
    file; use :attr:`peak_flops` / :attr:`fp8_flops` (FLOP/s) in calculations.
    """

    vendor: str
    architecture: Literal["volta", "ampere", "hopper", "blackwell", "ada", "cdna2", "cdna3", "gaudi", "tpu", "ascend"] = (
        Field(description="chip generation: selects the step-time model's kernel constants")
    )
    form_factor: str = ""
    bf16_tflops: float = Field(gt=0, description="dense BF16/FP16 tensor peak, 1e12 FLOP/s")
    bf16_sparse_tflops: float | None = Field(None, gt=0, description="vendor 'with sparsity' headline")
    fp8_tflops: float | None = Field(None, gt=0, description="dense FP8 peak, 1e12 FLOP/s")
    int8_tops: float | None = Field(None, gt=0, description="dense INT8 tensor peak, 1e12 ops/s (W8A8 serving "
                                    "GEMMs); None where the card has none or none is published")
    fp32_tflops: float | None = Field(None, gt=0, description="FP32 peak of the vector (non-tensor) units, 1e12 "
                                      "FLOP/s; None where unpublished (fp32_of assumes one)")
    hbm_bytes: int = Field(gt=0, description="memory capacity in bytes")
    hbm_type: str = ""
    hbm_bandwidth_bytes_per_s: float = Field(gt=0)
    link_name: str | None = None
    link_bytes_per_s: float | None = Field(None, gt=0, description="intra-node link as published")
    link_direction: Literal["unidirectional", "bidirectional"] | None = None
    link_bytes_per_s_per_direction: float | None = Field(None, gt=0)
    inter_node_bytes_per_s_per_card: float | None = Field(None, gt=0, description="per direction")
    cards_per_node: int = Field(gt=0)
    scale_up_domain: int | None = Field(None, gt=0)
    tdp_w: float | None = Field(None, gt=0)
    tdp_scaled_from: str | None = Field(
        None, description="no published TDP: the catalog key of a card of the same maker whose TDP, scaled by "
        "the dense BF16 peaks (core.cost.tdp_scaled_by_peak), stands in for it")
    offload_bytes: int | None = Field(
        None, gt=0, description="host memory one card reaches over a fast link, usable as an offload tier"
    )
    offload_bytes_per_s_per_direction: float | None = Field(None, gt=0, description="offload link, per direction")
    bf16_mamf_tflops: float | None = Field(
        None, gt=0, description="measured maximum achievable dense BF16 matmul, 1e12 FLOP/s (Bekman's MAMF "
        "table, core.kernels [MAMF]); None where unmeasured")
    mamf_source: str | None = Field(None, description="where bf16_mamf_tflops was measured (software, table)")
    status: Literal["official", "unofficial"]

    @model_validator(mode="after")
    def _check_figures(self) -> Accelerator:
        if (self.bf16_mamf_tflops is None) != (self.mamf_source is None):
            raise ValueError(f"{self.key}: bf16_mamf_tflops and mamf_source go together (both set or both null), "
                             f"got {self.bf16_mamf_tflops}, {self.mamf_source!r}")
        link = (self.link_bytes_per_s, self.link_direction, self.link_bytes_per_s_per_direction)
        if any(x is not None for x in link) and any(x is None for x in link):
            raise ValueError(
                f"{self.key}: link_bytes_per_s, link_direction and link_bytes_per_s_per_direction "
                f"go together (all set or all null), got {link}"
            )
        if self.link_bytes_per_s is not None:
            per_dir = self.link_bytes_per_s / (2 if self.link_direction == "bidirectional" else 1)
            if abs(per_dir - self.link_bytes_per_s_per_direction) > 1e-9 * per_dir:  # type: ignore[operator]
                raise ValueError(
                    f"{self.key}: link_bytes_per_s_per_direction={self.link_bytes_per_s_per_direction:g} "
                    f"does not match {self.link_direction} link_bytes_per_s={self.link_bytes_per_s:g} "
                    f"(expected {per_dir:g})"
                )
        if self.bf16_sparse_tflops is not None and self.bf16_sparse_tflops <= self.bf16_tflops:
            raise ValueError(
                f"{self.key}: bf16_tflops={self.bf16_tflops} must be the dense figure, below "
                f"bf16_sparse_tflops={self.bf16_sparse_tflops}"
            )
        if (self.offload_bytes is None) != (self.offload_bytes_per_s_per_direction is None):
            raise ValueError(
                f"{self.key}: offload_bytes and offload_bytes_per_s_per_direction go together (both set or "
                f"both null), got {self.offload_bytes}, {self.offload_bytes_per_s_per_direction}"
            )
        if (self.tdp_w is None) == (self.tdp_scaled_from is None):
            raise ValueError(
                f"{self.key}: give tdp_w (published) or tdp_scaled_from (the card whose TDP per peak FLOP "
                f"stands in for an unpublished one), exactly one, got {self.tdp_w}, {self.tdp_scaled_from!r}"
            )
        if self.scale_up_domain is not None and self.scale_up_domain < self.cards_per_node:
            raise ValueError(
                f"{self.key}: scale_up_domain={self.scale_up_domain} is smaller than "
                f"cards_per_node={self.cards_per_node}"
            )
        return self

    @property
    def peak_flops(self) -> float:
        """Dense BF16 (FP16 for V100) peak, FLOP/s."""
        return self.bf16_tflops * _TERA

    @property
    def fp8_flops(self) -> float | None:
        """Dense FP8 peak, FLOP/s; ``None`` when the card has no FP8."""
        return None if self.fp8_tflops is None else self.fp8_tflops * _TERA

    @property
    def int8_ops(self) -> float | None:
        """Dense INT8 tensor peak, ops/s; ``None`` when the catalog has none for the card."""
        return None if self.int8_tops is None else self.int8_tops * _TERA

    @property
    def fp8_peak_ratio(self) -> float | None:
        """Dense FP8 peak ÷ dense BF16 peak (the step model's precision_peak_ratio for FP8);
        ``None`` when the card has no FP8."""
        return None if self.fp8_tflops is None else self.fp8_tflops / self.bf16_tflops

    @property
    def hbm_gb(self) -> float:
        """Memory capacity in GB (10^9 bytes)."""
        return self.hbm_bytes / 1e9

    @property
    def hbm_gib(self) -> float:
        """Memory capacity in GiB (2^30 bytes)."""
        return self.hbm_bytes / 2**30

    @property
    def scale_up_cards(self) -> int:
        """Cards reachable over the intra-node link (``scale_up_domain`` or ``cards_per_node``)."""
        return self.scale_up_domain or self.cards_per_node


class TrainingRecipe(BaseModel):
    """How a preset's authors trained it, where they published it: the defaults a scenario of that
    preset takes for the fields its user leaves open (a user's value always wins)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_tokens: int | None = Field(
        None, gt=0, description="global batch of the main pre-training stage in tokens (after any ramp-up)")
    batch_source: str = ""
    a2a_overlap: float | None = Field(
        None, ge=0, le=1, description="share of the expert all-to-all the published schedule hides under compute")
    a2a_source: str = ""
    a2a_dedup: bool | None = Field(
        None, description="the published dispatch sends a token once per other server holding its experts")
    dedup_source: str = ""
    precision: Literal["bf16", "fp8"] | None = Field(
        None, description="precision of the published pre-training's GEMMs (fp8: FP8 mixed precision)")
    precision_source: str = ""

    @model_validator(mode="after")
    def _each_value_cites(self) -> TrainingRecipe:
        for value, source, name, cite in ((self.batch_tokens, self.batch_source, "batch_tokens", "batch_source"),
                                          (self.precision, self.precision_source, "precision", "precision_source"),
                                          (self.a2a_overlap, self.a2a_source, "a2a_overlap", "a2a_source"),
                                          (self.a2a_dedup, self.dedup_source, "a2a_dedup", "dedup_source")):
            if value is not None and not source.strip():
                raise ValueError(f"recipe.{name} needs its source (recipe.{cite})")
        return self


class ModelPreset(_Preset):
    """A published model: its architecture, published size, training tokens, training recipe and
    provenance."""

    family: str = ""
    unofficial: bool = False
    arch: ModelArch
    published_params: int = Field(gt=0)
    published_active_params: int | None = Field(None, gt=0)
    seq_len: int | None = Field(None, gt=0)
    training_tokens: int | None = Field(None, gt=0)
    recipe: TrainingRecipe | None = None
    released_precision: Literal["fp8"] | None = Field(
        None, description="the weights' precision as the authors release them, where it is not 16-bit: a scenario "
        "serving the preset on a card with an FP8 peak serves them so unless serving.precision says otherwise")
    released_precision_source: str = ""

    @model_validator(mode="after")
    def _released_precision_cites(self) -> ModelPreset:
        if self.released_precision is not None and not self.released_precision_source.strip():
            raise ValueError("released_precision needs its source (released_precision_source)")
        return self

    @model_validator(mode="before")
    @classmethod
    def _name_the_arch(cls, data: Any) -> Any:
        # The architecture carries the preset's key as its name unless the file gives one.
        if isinstance(data, dict) and isinstance(data.get("arch"), dict) and "name" not in data["arch"]:
            data = dict(data)
            data["arch"] = {**data["arch"], "name": str(data.get("key", "custom"))}
        return data

    @property
    def param_count(self) -> ParamCount:
        """The exact count of :attr:`arch` (see :func:`xlcompute.core.params.count_params`)."""
        return count_params(self.arch)


_P = TypeVar("_P", bound=_Preset)


def _read_rows(filename: str) -> list[dict[str, Any]]:
    text = resources.files("xlcompute.catalog").joinpath(filename).read_text(encoding="utf-8")
    rows = load_yaml(text)  # libyaml when PyYAML has it (xlcompute._yaml_data)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"catalog file {filename} must be a YAML list of mappings")
    return rows


def _parse(filename: str, cls: type[_P]) -> tuple[_P, ...]:
    out: list[_P] = []
    for i, row in enumerate(_read_rows(filename), start=1):
        try:
            out.append(cls.model_validate(row))
        except ValidationError as exc:
            raise ValueError(f"{filename}, entry {i} ({row.get('key', '?')}): {exc}") from exc
    return tuple(out)


def _index(kind: str, presets: Iterable[_Preset]) -> dict[str, _Preset]:
    index: dict[str, _Preset] = {}
    for p in presets:
        for n in p.names:
            k = normalize_name(n)
            other = index.get(k)
            if other is not None and other is not p:
                raise ValueError(f"{kind} name {n!r} is used by both {other.key!r} and {p.key!r}")
            index[k] = p
    return index


@functools.cache
def _gpu_table() -> tuple[tuple[Accelerator, ...], dict[str, _Preset]]:
    rows = _parse("accelerators.yaml", Accelerator)
    keys = {r.key: r for r in rows}
    for r in rows:
        ref = keys.get(r.tdp_scaled_from or "")
        if r.tdp_scaled_from is not None and (ref is None or ref.tdp_w is None):
            raise ValueError(f"accelerators.yaml, {r.key}: tdp_scaled_from={r.tdp_scaled_from!r} must name a "
                             "card of the file with a published tdp_w")
    return rows, _index("accelerator", rows)


def tdp_reference(card: Accelerator) -> Accelerator | None:
    """The card whose TDP stands in for ``card``'s unpublished one, ``None`` when it is published."""
    return None if card.tdp_scaled_from is None else get_gpu(card.tdp_scaled_from)


#: The card whose FP32-to-HBM-bandwidth ratio stands in for an unpublished FP32 vector peak: the card
#: the weight-only dequantisation constant is fitted on (serving_model.ServingConstants).
FP32_REFERENCE = "A100-80G"


def fp32_of(card: Accelerator) -> float:
    """``card``'s FP32 vector peak, TFLOP/s: the published ``fp32_tflops``, else the reference card's
    scaled by the HBM bandwidths (:func:`xlcompute.core.inference.fp32_scaled_by_bandwidth`, a
    flagged assumption: the card dequantises weights like the A100 relative to its reads)."""
    if card.fp32_tflops is not None:
        return float(card.fp32_tflops)
    ref = get_gpu(FP32_REFERENCE)
    return float(fp32_scaled_by_bandwidth(ref.fp32_tflops, card.hbm_bandwidth_bytes_per_s,
                                          ref.hbm_bandwidth_bytes_per_s))


def tdp_of(card: Accelerator) -> float:
    """``card``'s board power, W: the published ``tdp_w``, else the reference card's scaled by the
    dense BF16 peaks (:func:`xlcompute.core.cost.tdp_scaled_by_peak`, a flagged assumption)."""
    ref = tdp_reference(card)
    if ref is None:
        return float(card.tdp_w)  # type: ignore[arg-type]
    return float(tdp_scaled_by_peak(ref.tdp_w, card.bf16_tflops, ref.bf16_tflops))


@functools.cache
def _model_table() -> tuple[tuple[ModelPreset, ...], dict[str, _Preset]]:
    rows = _parse("models.yaml", ModelPreset)
    return rows, _index("model", rows)


#: What a model's name may end with that names a variant of the same architecture (Meta's Hugging Face
#: "-hf" copies, instruction-tuned and chat models, the base model): dropped when the name is not found.
_MODEL_VARIANTS = ("hf", "instruct", "chat", "base")

#: A card's memory written after its name ("H800 80GB", "H100 80GB HBM3", "H200-141GB"), or its form factor
#: ("MI300X OAM").
_CARD_MEMORY = re.compile(r"[\s\-_]+(?:(?:(?P<gb>\d+)\s*(?:GB|G|GiB))?(?:[\s\-_]*HBM\d*e?)?|OAM)\s*$",
                          re.IGNORECASE)


#: The Chinese names of the catalog's card vendors ("英伟达H800", "华为 910B"), dropped in front of a card's name
#: as the vendor field's own words are ("NVIDIA H800"); 昇腾 (Ascend) is in the 910 cards' aliases already.
_CARD_VENDORS_ZH = ("英伟达", "辉达", "輝達", "华为", "華為", "超威", "英特尔", "谷歌")

#: A model family's Chinese name in front of a model's name -> the family word the catalog's keys start with
#: ("千问2.5-72b", "通义千问2.5-72B" -> qwen2.5-72b; "深度求索V3" -> deepseekv3): one rule, not an alias
#: per model.
_MODEL_FAMILIES_ZH = {"通义千问": "qwen", "千问": "qwen", "深度求索": "deepseek"}


def _family_forms(forms: list[str]) -> list[str]:
    """``forms`` with a Chinese family name in front replaced by the catalog's family word (the longest first)."""
    out: list[str] = []
    for f in forms:
        for zh in sorted(_MODEL_FAMILIES_ZH, key=len, reverse=True):
            if f.startswith(zh) and len(f) > len(zh):
                out.append(_MODEL_FAMILIES_ZH[zh] + f[len(zh):])
                break
    return out


def _lookup_forms(kind: str, name: str, rows: tuple[_P, ...]) -> list[tuple[str, float | None]]:
    """The lookup forms of a typed name that was not found as written, as people paste names: without a
    Hugging Face organisation ("meta-llama/Llama-2-70b-hf"), a variant word (:data:`_MODEL_VARIANTS`), with
    a model family's Chinese name as its family word (:data:`_MODEL_FAMILIES_ZH`), a card vendor's name in
    front ("NVIDIA H800", "英伟达 H800", "Huawei Ascend 910B") or the card's memory after it ("H800 80GB",
    "H100 80GB HBM3"). Each form comes with the memory in GB it names (None: none), which the card found
    must have ("A100 40GB" never finds the 80 GB card)."""
    forms = [normalize_name(name)]
    if "/" in name:
        forms.append(normalize_name(name.rsplit("/", 1)[1]))
    memory = _CARD_MEMORY.search(name)
    sized: tuple[str, float | None] | None = None
    if memory is not None and memory.group(0).strip(" -_") and memory.start() > 0:
        sized = (normalize_name(name[: memory.start()]), float(memory.group("gb")) if memory.group("gb") else None)
    if kind == "model":
        forms += _family_forms(forms)
    for word in _MODEL_VARIANTS:
        forms += [f.removesuffix(word) for f in forms if f.endswith(word) and len(f) > len(word)]
    vendors = {w for r in rows for w in re.findall(r"[a-z0-9]+", str(getattr(r, "vendor", "")).lower())}
    if kind == "accelerator":
        vendors |= set(_CARD_VENDORS_ZH)
    forms += [f[len(v):] for f in forms for v in sorted(vendors) if f.startswith(v) and len(f) > len(v)]
    out: list[tuple[str, float | None]] = [(f, None) for f in forms]
    if vendors and sized is not None:  # cards only: the name without its memory, with and without the vendor
        head, gb = sized
        out += [(head, gb)] + [(head[len(v):], gb) for v in sorted(vendors) if head.startswith(v) and len(head) > len(v)]
    return out


def _lookup(kind: str, name: str, rows: tuple[_P, ...], index: dict[str, _Preset]) -> _P:
    if not isinstance(name, str) or not name.strip():
        raise UnknownPresetError(f"{kind} name must be non-empty text, got {name!r}")
    hit = index.get(normalize_name(name))
    if hit is not None:  # the common case, before the other forms are worked out
        return hit  # type: ignore[return-value]
    for form, gb in _lookup_forms(kind, name, rows):
        hit = index.get(form)
        if hit is not None and (gb is None or round(getattr(hit, "hbm_bytes", 0) / 1e9) == gb
                                or round(getattr(hit, "hbm_bytes", 0) / 2**30) == gb):
            return hit  # type: ignore[return-value]
    # suggestions for the name as typed, then for its family word ("深度求索V9" is close to deepseekv3)
    typed = normalize_name(name)
    close = [c for form in (typed, *(_family_forms([typed]) if kind == "model" else []))
             for c in difflib.get_close_matches(form, list(index), n=4, cutoff=0.5)]
    suggestions: list[str] = []
    for c in close:
        key = index[c].key
        if key not in suggestions:
            suggestions.append(key)
    hint = f"did you mean {', '.join(suggestions[:4])}? " if suggestions else ""
    if kind == "model" and SIZE_TEXT.match(name):  # "100B": a size, not a name
        hint = (f"a model known by its size alone is model.params: {name.strip()} (a dense model, generic "
                "shape); ")
    head = f"unknown {kind} {name!r}; {hint}"
    known = tuple(r.key for r in rows)
    raise UnknownPresetError(f"{head}known {kind}s: {', '.join(known)}", head, known)


def gpus() -> list[Accelerator]:
    """Every accelerator preset, in file order."""
    return list(_gpu_table()[0])


def models() -> list[ModelPreset]:
    """Every model preset, in file order."""
    return list(_model_table()[0])


def get_gpu(name: str) -> Accelerator:
    """The accelerator whose key or alias matches ``name`` (case, spaces, ``-`` and ``_`` ignored).

    Raises :class:`UnknownPresetError` naming the closest presets.
    """
    rows, index = _gpu_table()
    return _lookup("accelerator", name, rows, index)


def get_model(name: str) -> ModelPreset:
    """The model whose key or alias matches ``name`` (case, spaces, ``-`` and ``_`` ignored).

    Raises :class:`UnknownPresetError` naming the closest presets.
    """
    rows, index = _model_table()
    return _lookup("model", name, rows, index)
