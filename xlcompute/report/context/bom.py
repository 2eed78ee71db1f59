"""The proposal's bill of materials: item, count, unit price, total and source per line, from the
estimate's own budget steps (xlcompute.core.bom through the graph); the lines add up to its capex."""

from __future__ import annotations

import re
from typing import Any

from xlcompute import fmt, registry
from xlcompute.report.context._ctx import _Ctx
from xlcompute.sources import registry_source, source_text

__all__ = ["bill_of_materials"]

_DEFAULT_PREFIX = re.compile(r"^default for pricing\.\w+ \(\w+\): ")


_DEFAULT_PREFIX_ZH = re.compile(r"^默认值（pricing\.\w+，\w+）：")


def _price_source(c: _Ctx, key: str) -> str:
    """The input's source without the "default for pricing.x (CUR): " lead-in (the table says it)."""
    if c.lang == "zh":
        return _DEFAULT_PREFIX_ZH.sub("", source_text(c.r.inputs[key], c.lang))
    return _DEFAULT_PREFIX.sub("", c.r.inputs[key].source)


def _both(c: _Ctx, count_key: str, price_key: str) -> str:
    """The source of a counted line: where the count comes from, then where the price does."""
    sep = "；" if c.lang == "zh" else "; "
    return f"{registry_source(count_key, c.lang)}{sep}{_price_source(c, price_key)}"


def _storage_source(c: _Ctx) -> str:
    """The storage count's rule with this run's own need beside it (core.bom.storage_tb takes the larger of
    the checkpoints kept plus the training data and the allowance per card), then the price's source: a
    committee sees how far the allowance exceeds what the run itself stores."""
    need_tb = (c.r["checkpoint_storage_bytes"] + c.r["dataset_bytes"]) / 1e12
    sep = "；" if c.lang == "zh" else "; "
    rule = c.t("bom_storage_rule", need=fmt.number(need_tb, 1), per_card=fmt.number(c.r["storage_tb_per_card"], 1),
               src=registry_source("storage_tb", c.lang))
    return f"{rule}{sep}{_price_source(c, 'storage_per_tb')}"


def _line(c: _Ctx, item: str, count_key: str | None, price_key: str | None, total_key: str,
          source: str) -> dict[str, Any]:
    return {
        "item": item,
        "count": "" if count_key is None else c.v(count_key),
        "unit": "" if count_key is None else registry.unit_text(count_key, c.lang, c.cur),
        "price": "" if price_key is None else c.v(price_key),
        "total": c.v(total_key),
        "source": source,
    }


def bill_of_materials(c: _Ctx) -> dict[str, Any]:
    """Lines of the bill; a quote in the scenario (network, storage) stands in for its counted lines."""
    r = c.r
    lines = [_line(c, str(c.t("bom_servers")), "servers", "server_price", "capex_servers",
                   _price_source(c, "server_price"))]
    if r["network_per_server"] > 0:
        lines.append(_line(c, str(c.t("bom_network_quote")), "servers", "network_per_server", "capex_network",
                           _price_source(c, "network_per_server")))
    else:
        # each tier with its count on one line ("脊 16" never splits in the narrow item column)
        parts = [f"{c.t('bom_leaf')}\u00a0{c.v('leaf_switches')}", f"{c.t('bom_spine')}\u00a0{c.v('spine_switches')}"]
        if r["core_switches"] > 0:
            parts.append(f"{c.t('bom_core')}\u00a0{c.v('core_switches')}")
        lines += [
            _line(c, str(c.t("bom_nics", gbps=fmt.count(r["inter_node_gbps"]))), "nics", "nic_price", "cost_nics",
                  _both(c, 'nics', 'nic_price')),
            _line(c, str(c.t("bom_switches", parts=("，" if c.lang == "zh" else ", ").join(parts),
                                   ports=c.v("switch_radix"))),
                  "fabric_switches", "switch_price", "cost_switches",
                  _both(c, 'fabric_switches', 'switch_price')),
            _line(c, str(c.t("bom_transceivers")), "transceivers", "transceiver_price", "cost_transceivers",
                  _both(c, 'transceivers', 'transceiver_price')),
            _line(c, str(c.t("bom_cables")), "fabric_links", "cable_price", "cost_cables",
                  _price_source(c, "cable_price")),
        ]
    if r["storage_capex"] > 0:
        lines.append(_line(c, str(c.t("bom_storage_quote")), None, None, "capex_storage",
                           _price_source(c, "storage_capex")))
    else:
        lines.append(_line(c, str(c.t("bom_storage")), "storage_tb", "storage_per_tb", "capex_storage",
                           _storage_source(c)))
    lines.append(_line(c, str(c.t("bom_facility")), "it_power_kw", "facility_per_kw", "capex_facility",
                       _price_source(c, "facility_per_kw")))
    tiers = int(r["fabric_tiers"])
    note = c.t("bom_note", racks=c.v("racks"), per_rack=c.v("servers_per_rack"), kw=c.v("kw_per_rack"),
               it=c.v("it_power_kw"), pue=c.v("pue"), mw=c.v("facility_power_mw"),
               fabric=c.t(f"bom_tiers_{tiers}"))
    quoted = [c.t("bom_quote_bill", what=c.t(what), bill=c.v(bill))
              for key, what, bill in (("network_per_server", "bom_what_network", "fabric_cost"),
                                      ("storage_capex", "bom_what_storage", "storage_bill")) if r[key] > 0]
    return {"lines": lines, "total": c.v("capex_total"), "note": note, "quoted": quoted}
