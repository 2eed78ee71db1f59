"""xlcompute: compute, memory, network, serving and budget estimates for large language models,
delivered as Excel functions, planning workbooks and PDF capacity proposals.

The public Python surface::

    >>> import xlcompute
    >>> result = xlcompute.estimate(xlcompute.default_scenario())
    >>> round(result["train_days"], 1) > 0
    True
"""

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
