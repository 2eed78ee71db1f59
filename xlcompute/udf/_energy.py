"""Excel functions for energy and electricity cost (:mod:`xlcompute.core.cost`).

They count the cards' TDP only (host factor 1): the estimate's energy also counts the rest of each server
(CPUs, memory, network: ``assumptions.host_power_factor``), which a cell has no argument for, so each
description says so rather than "facility energy"."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute import catalog
from xlcompute.core import cost, units
from xlcompute.udf._register import GPUS, excel

__all__ = ["ENERGY_KWH", "POWER_COST"]


_TDP = ('Power per GPU in W (e.g. 700), or a card name such as "H800" (its TDP; the card alone, not its '
        "server's CPUs, memory and network).")
_PUE = "Optional. Power usage effectiveness, 1 to 3; default 1 (IT power only)."


def _tdp_w(value: Any) -> float:
    # A card without a published TDP takes the catalog's flagged assumption, as the estimate does.
    return a.card_or_number(value, "tdp_w", "W", catalog.tdp_of)


def _pue(value: Any) -> float:
    x = a.quantity(value, "pue", default=1.0, hint=a.plain_hint("1 to 3"))
    if not 1 <= x <= 3:
        raise a.UdfArgumentError(f"pue must be between 1 and 3 (facility power / IT power), got {a.show(value)}")
    return x


@excel({"gpus": GPUS, "tdp_w": _TDP, "hours": "Hours of operation.", "pue": _PUE})
def ENERGY_KWH(gpus: Any, tdp_w: Any, hours: Any, pue: Any = None) -> float:
    """Energy of the cards' TDP alone, GPUs × TDP (W) × hours × PUE / 1000, in kWh (PUE: The Green Grid
    2012). Not the servers' host power (CPUs, memory, network) that the estimate adds to its energy."""
    return float(
        cost.energy_kwh(a.whole(gpus, "gpus"), _tdp_w(tdp_w), a.positive(hours, "hours", unit="hours"), _pue(pue))
    )


@excel(
    {
        "gpus": GPUS,
        "tdp_w": _TDP,
        "hours": "Hours of operation.",
        "price_per_kwh": "Electricity price per kWh, in your currency.",
        "pue": _PUE,
    }
)
def POWER_COST(gpus: Any, tdp_w: Any, hours: Any, price_per_kwh: Any, pue: Any = None) -> float:
    """Electricity cost of the cards' TDP alone, GPUs × TDP (W) × hours × PUE / 1000 kWh × price per kWh,
    in the price's currency. Not the servers' host power (CPUs, memory, network) the estimate adds."""
    seconds = a.positive(hours, "hours", unit="hours") * units.SECONDS_PER_HOUR
    joules = cost.energy_joules(a.whole(gpus, "gpus"), _tdp_w(tdp_w), seconds, _pue(pue))
    return float(cost.power_cost(joules, a.price(price_per_kwh, "price_per_kwh", "0.6")))
