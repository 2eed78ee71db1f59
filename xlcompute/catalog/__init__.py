"""Hardware and model presets, kept as data files with a source for every number.

``accelerators.yaml`` and ``models.yaml`` sit next to this module; each row names its source and
the source's date. Look presets up by key or alias, ignoring case, spaces, dashes and underscores::

    >>> from xlcompute.catalog import get_gpu, get_model
    >>> get_gpu("h800").peak_flops
    989400000000000.0
    >>> get_model("Llama 3.1 70B").param_count.total
    70553706496
"""

from xlcompute.catalog._prices import PRICE_KEYS, Price, default_prices, has_card_prices
from xlcompute.catalog._loader import (
    FP32_REFERENCE,
    fp32_of,
    Accelerator,
    ModelPreset,
    TrainingRecipe,
    UnknownPresetError,
    get_gpu,
    get_model,
    gpus,
    models,
    normalize_name,
    tdp_of,
    tdp_reference,
)

__all__ = [
    "Accelerator",
    "ModelPreset",
    "TrainingRecipe",
    "UnknownPresetError",
    "get_gpu",
    "get_model",
    "gpus",
    "models",
    "normalize_name",
    "tdp_of",
    "fp32_of",
    "FP32_REFERENCE",
    "tdp_reference",
    "Price",
    "PRICE_KEYS",
    "default_prices",
    "has_card_prices",
]
