"""A headline figure never breaks inside its box: a budget in the billions is set smaller (helper-108's review: the
cover of a 405B plan on H100 read "¥13,675,179,31" with the "4" on the next line)."""

from __future__ import annotations

import re
from pathlib import Path

from xlcompute import estimate, parse_scenario
from xlcompute.report import render_html

CSS = (Path(__file__).resolve().parents[2] / "templates" / "proposal.css").read_text(encoding="utf-8")


def test_long_headline_figures_are_set_smaller_and_never_wrap() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15T"},
                                 "cluster": {"accelerator": "H100", "cards": 24576}, "pricing": {"currency": "CNY"}}))
    html = render_html(r, "en")
    budgets = re.findall(r'<span class="big( long| longer)?">(¥[\d,]+)</span>', html)
    assert [v for size, v in budgets if size == " long"] == ["¥12,549,490,965"] * 2  # the cover and the summary box
    assert all(size == "" for size, v in budgets if len(v) <= 12)
    short = re.findall(r'<span class="big">([^<]*)</span>', html)
    assert short and all(len(v) <= 12 for v in short)  # the cards and the days keep the full size
    assert ".cover .figures .big, table.kf .big { overflow-wrap: normal; white-space: nowrap; }" in CSS
    for rule in (".cover .figures .big.long", ".cover .figures .big.longer", "table.kf .big.long",
                 "table.kf .big.longer"):
        assert rule in CSS
