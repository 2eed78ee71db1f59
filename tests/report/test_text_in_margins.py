"""No text of the default proposal runs past the page's content box into the margin: a sentence in a figure's
place (the break-even cell "155.7%: more than the cluster can be busy, never") wraps inside its table, where it
once ran 38 px past the right margin on a nowrap figure cell."""

from __future__ import annotations

from typing import Any

import pytest

from xlcompute.estimate import estimate
from xlcompute.scenario import default_scenario

weasyprint = pytest.importorskip("weasyprint")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_enters_the_right_margin(lang: str) -> None:
    from xlcompute.report.render import TEMPLATES_DIR, render_html

    html = render_html(estimate(default_scenario()), lang)
    pages: list[Any] = weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).render().pages
    assert "cluster can be busy" in html or "超过集群可用上限" in html  # the sentence cell is in this proposal
    past = []
    for number, page in enumerate(pages, start=1):
        box = page._page_box
        right = box.content_box_x() + box.width
        for child in box.descendants():
            if type(child).__name__ == "TextBox" and child.position_x + child.width > right + 0.5:
                past.append(f"page {number}: {child.text[:40]!r} ends at {child.position_x + child.width:.0f} "
                            f"of {right:.0f} px")
    assert not past, "\n".join(past[:10])
