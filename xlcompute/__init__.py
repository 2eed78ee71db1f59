"""xlcompute: compute, memory, network, serving and budget estimates for large language models,
delivered as Excel functions, planning workbooks and PDF capacity proposals.

The public Python surface::

    >>> import xlcompute
    >>> result = xlcompute.estimate(xlcompute.default_scenario())
    >>> round(result["train_days"], 1) > 0
    True

The names are resolved on first use (PEP 562): ``import xlcompute`` alone loads neither NumPy,
the planner nor WeasyPrint, so ``xlcompute --help`` and the Excel functions start fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ provides these
    from xlcompute.estimate import Estimate, Figure, InputValue, Sensitivity, estimate
    from xlcompute.quantity import QuantityError, parse_quantity
    from xlcompute.scenario import Scenario, ScenarioError, default_scenario, load_scenario, parse_scenario

__version__ = "0.1.0"

__all__ = [
    "Estimate",
    "Figure",
    "InputValue",
    "QuantityError",
    "Scenario",
    "ScenarioError",
    "Sensitivity",
    "default_scenario",
    "estimate",
    "load_scenario",
    "parse_quantity",
    "parse_scenario",
    "__version__",
]

# Public name -> the submodule that defines it (under the same name).
_LAZY: dict[str, str] = {
    "Estimate": "xlcompute.estimate",
    "Figure": "xlcompute.estimate",
    "InputValue": "xlcompute.estimate",
    "Sensitivity": "xlcompute.estimate",
    "estimate": "xlcompute.estimate",
    "QuantityError": "xlcompute.quantity",
    "parse_quantity": "xlcompute.quantity",
    "Scenario": "xlcompute.scenario",
    "ScenarioError": "xlcompute.scenario",
    "default_scenario": "xlcompute.scenario",
    "load_scenario": "xlcompute.scenario",
    "parse_scenario": "xlcompute.scenario",
}


def __getattr__(name: str) -> Any:
    """Import the submodule of a public name on first access and cache the name here."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps a public function whose name is also a submodule (``estimate``) as the function.

    Importing ``xlcompute.estimate`` makes the import system set the package attribute
    ``estimate`` to the submodule; the eager ``__init__`` used to overwrite it with the function
    right after. Lazily there is no "right after", so the substitution happens here instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            isinstance(value, types.ModuleType)
            and _LAZY.get(name) == value.__name__ == f"{__name__}.{name}"
            and hasattr(value, name)
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
