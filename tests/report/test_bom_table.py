"""The proposal's bill of materials (issue 13 part 3): its lines add up to the estimate's capex, in
English and Chinese, and a quote stands in for the counted lines it replaces (no PDF rendering)."""

from __future__ import annotations

import pytest

from xlcompute import fmt
from xlcompute.estimate import Estimate, estimate
from xlcompute.report import render_html
from xlcompute.report.context import build_context
from xlcompute.scenario import Scenario, default_scenario


def _with(**changes: dict) -> Scenario:  # type: ignore[type-arg]
    data = default_scenario().model_dump(exclude_unset=True)
    for section, fields in changes.items():
        data.setdefault(section, {}).update(fields)
    return Scenario.model_validate(data)


def _money(text: str) -> float:
    return float(text.replace("¥", "").replace("$", "").replace(",", ""))


@pytest.fixture(scope="module")
def result() -> Estimate:
    return estimate(default_scenario())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lines_add_up_to_the_capex(result: Estimate, lang: str) -> None:
    bom = build_context(result, lang)["budget"]["bom"]
    assert len(bom["lines"]) == 7  # servers, NICs, switches, optics, cables, storage, facility
    assert sum(_money(line["total"]) for line in bom["lines"]) == pytest.approx(result["capex_total"], abs=1)
    assert bom["total"] == fmt.money(result["capex_total"], "CNY")
    switches = bom["lines"][2]
    assert switches["count"].startswith("48") and switches["price"] == "¥216,000"
    assert all(line["source"] for line in bom["lines"])
    assert bom["quoted"] == []


def test_html_has_the_table_in_both_languages(result: Estimate) -> None:
    en = render_html(result, "en").replace("\u00a0", " ")  # a figure and its unit joined by a no-break space
    zh = render_html(result, "zh").replace("\u00a0", " ")
    assert "Bill of materials" in en and "Optical transceivers, two per link" in en
    assert "物料清单" in zh and "光模块，每条链路两个" in zh
    assert "rail-optimised two-tier" in en and "1.64 MW" in en


def test_quotes_stand_in_for_the_counted_lines() -> None:
    r = estimate(_with(pricing={"network_per_server": 300_000, "storage": 5_000_000}))
    bom = build_context(r, "en")["budget"]["bom"]
    items = [line["item"] for line in bom["lines"]]
    assert items == ["Servers with their cards", "Scale-out network (quote per server)", "Storage (quote)",
                     "Facility fit-out per kW of IT load"]
    assert sum(_money(line["total"]) for line in bom["lines"]) == pytest.approx(r["capex_total"], abs=1)
    assert len(bom["quoted"]) == 2 and fmt.money(r["fabric_cost"], "CNY") in str(bom["quoted"][0])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_storage_line_shows_the_runs_own_need_beside_the_allowance(result: Estimate, lang: str) -> None:
    """The storage count is the larger of what the run stores and the allowance per card (core.bom.storage_tb);
    the line's source gives both, so a committee sees 14,600 TB bought against 17.7 TB the run itself keeps
    (2 checkpoints of the 70B model's training state and 2T tokens of data at the default bytes per token)."""
    need_tb = (result["checkpoint_storage_bytes"] + result["dataset_bytes"]) / 1e12
    assert 17.0 < need_tb < 18.5 and result["storage_tb"] == pytest.approx(1000 * 14.6)
    line = next(x for x in build_context(result, lang)["budget"]["bom"]["lines"] if x["count"] == "14,600.0")
    assert f"{fmt.number(need_tb, 1)} TB" in line["source"] and "14.6 TB" in line["source"]
    assert ("the larger of this run's own need" in line["source"]) == (lang == "en")
    # a run whose own need exceeds the allowance is sized by it: 0.001 TB per card leaves the need
    big = estimate(_with(cluster={"storage_tb_per_card": 0.001}))
    assert big["storage_tb"] == pytest.approx((big["checkpoint_storage_bytes"] + big["dataset_bytes"]) / 1e12)
