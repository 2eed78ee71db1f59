"""Scenario text at its length limits stays on the page: one unbroken word as long as each text
field allows (name 200, organisation 200, description 2,000 characters, a card's name 80) wraps
inside its box, and the cover, with the budget figure beside a long card name, stays one page
(issue 12: "an unbroken 60–300-character word runs off the page")."""

from __future__ import annotations

from typing import Any

import pytest

from xlcompute.estimate import estimate
from xlcompute.scenario import parse_scenario

weasyprint = pytest.importorskip("weasyprint")

LONG = {
    "name": "N" * 200,
    "organisation": "O" * 200,
    "description": "D" * 2000,
    "model": {"preset": "llama2-70b"},
    "training": {"tokens": "2T"},
    "cluster": {"cards": 1000, "accelerator": {"name": "A" * 80, "bf16_tflops": 989, "hbm_gb": 80, "hbm_tbps": 3.35,
                                               "intra_node_gbs": 400, "tdp_w": 700}},
    "assumptions": {"mfu": 0.4},
}


@pytest.fixture(scope="module")
def pages() -> list[Any]:
    from xlcompute.report.render import TEMPLATES_DIR, render_html

    html = render_html(estimate(parse_scenario(LONG)), "en")
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).render().pages


def _text_boxes(box: Any) -> Any:
    for child in box.descendants():
        if type(child).__name__ == "TextBox":
            yield child


def test_no_text_runs_off_the_page(pages: list[Any]) -> None:
    overflow = []
    for number, page in enumerate(pages, start=1):
        for text in _text_boxes(page._page_box):
            right = text.position_x + text.width
            if right > page.width + 0.5:  # CSS px; half a pixel for rounding
                overflow.append(f"page {number}: {text.text[:40]!r} ends at {right:.0f} of {page.width:.0f} px")
    assert not overflow, "\n".join(overflow[:10])


def test_the_cover_stays_one_page_with_its_budget_figure(pages: list[Any]) -> None:
    cover = " ".join(t.text for t in _text_boxes(pages[0]._page_box))
    assert "TOTAL BUDGET" in cover.upper() and "¥" in cover  # the budget figure beside the card name
    assert "xlcompute" in cover  # the cover's last row ("prepared with") is on page 1
    second = " ".join(t.text for t in _text_boxes(pages[1]._page_box))
    assert "Contents" in second
