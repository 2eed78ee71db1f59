"""A glossary entry's explanation does not open with its own term again (helper-108's review: "重计算：重计算：…")."""

from __future__ import annotations

import pytest

from xlcompute.report.glossary import terms_for


@pytest.mark.parametrize("kind", ["training", "serving", "both"])
def test_no_explanation_repeats_its_term(kind: str) -> None:
    for t in terms_for(kind):
        for term, text in ((t[0], t[-2]), (t[1], t[-1])):
            for word in term.replace("、", ",").split(","):
                word = word.strip()
                assert not text.startswith((word + "：", word + ":")), (term, text[:20])
