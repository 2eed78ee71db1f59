"""Catalog models as arguments of the Excel functions: a preset by name."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute.catalog import ModelPreset, UnknownPresetError, get_model

__all__ = ["preset"]


def preset(value: Any, name: str = "model") -> ModelPreset:
    """The catalog model named by ``value`` ("llama2-70b", "GPT-3"), or a clear error."""
    if a.is_empty(value) or not isinstance(value, str):
        raise a.UdfArgumentError(f'{name} must be a model name such as "llama3.1-70b", got {a.show(value)}')
    try:
        return get_model(value)
    except UnknownPresetError as exc:
        raise a.UdfArgumentError(f"{name}: {exc}") from None
