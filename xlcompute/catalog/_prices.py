"""Default prices per currency and accelerator (``prices.yaml``): planning assumptions with their
sources, so a scenario that leaves a price out takes one of its own currency, for its own card."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xlcompute._yaml_data import load_yaml

__all__ = ["Price", "PRICE_KEYS", "default_prices", "has_card_prices"]

Currency = Literal["CNY", "USD"]
PRICE_KEYS: tuple[str, ...] = (
    "server_per_card", "nic", "switch", "transceiver", "cable", "storage_per_tb", "facility_per_kw",
    "space_per_rack_month",
    "electricity_per_kwh", "on_demand", "reserved_1y_share", "reserved_3y_share",
)


class Price(BaseModel):
    """One default price and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    value: float = Field(ge=0)
    source: str = Field(min_length=1)
    date: str | None = Field(None, description="month of the figure, YYYY-MM")


class _CardPrice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    server_per_card: float = Field(ge=0)
    on_demand: float = Field(ge=0)
    source: str = Field(min_length=1)
    date: str


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    currencies: dict[Currency, dict[str, Price]]
    accelerators: dict[str, dict[Currency, _CardPrice]]


@functools.lru_cache(maxsize=1)
def _table() -> _Table:
    text = resources.files("xlcompute.catalog").joinpath("prices.yaml").read_text(encoding="utf-8")
    table = _Table.model_validate(load_yaml(text))
    for cur, rows in table.currencies.items():
        missing = set(PRICE_KEYS) - set(rows)
        if missing:
            raise ValueError(f"prices.yaml: currency {cur} lacks {', '.join(sorted(missing))}")
    return table


def has_card_prices(currency: str, accelerator: str) -> bool:
    """Whether the catalog card ``accelerator`` has its own server and rental prices in ``currency``
    (an ``accelerators`` row of prices.yaml), rather than the currency's default."""
    return _table().accelerators.get(accelerator, {}).get(currency) is not None  # type: ignore[call-overload]


def default_prices(currency: str, accelerator: str | None) -> dict[str, Price]:
    """The default prices of ``currency`` for the catalog card ``accelerator`` (None: a custom
    card): the currency table, with the card's own server and rental prices when it has a row."""
    table = _table()
    if currency not in table.currencies:
        raise ValueError(f"no default prices for currency {currency!r}; allowed: {', '.join(table.currencies)}")
    out = dict(table.currencies[currency])  # type: ignore[index]
    card = table.accelerators.get(accelerator or "", {}).get(currency)  # type: ignore[call-overload]
    if card is not None:
        where = f"prices.yaml, {accelerator} in {currency}: {card.source} ({card.date})"
        out["server_per_card"] = Price(value=card.server_per_card, source=where)
        out["on_demand"] = Price(value=card.on_demand, source=where)
    else:
        who = "a custom card" if accelerator is None else f"{accelerator}"
        for key in ("server_per_card", "on_demand"):
            p = out[key]
            out[key] = Price(value=p.value, source=f"no {currency} price for {who} in prices.yaml; the currency's "
                                                      f"default: {p.source}")
    return out
