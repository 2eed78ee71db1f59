"""The proposal's ranges say how often such a range held published runs: the uncertainty section and
Appendix B quote the same count as ``xlcompute validate`` (EndToEndSets.held_out_coverage), and
``xlcompute estimate`` quotes the recorded count, which a test holds equal to it
(tests/estimate/test_range_coverage.py)."""

from __future__ import annotations

from typer.testing import CliRunner

from xlcompute import fmt
from xlcompute.cli import app
from xlcompute.core import spread
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.validation import end_to_end_report
from xlcompute.scenario import default_scenario


def _flat(x: object) -> str:
    return " ".join(str(x).split())


def test_uncertainty_section_and_appendix_quote_the_same_count() -> None:
    cov = end_to_end_report().held_out_coverage
    n, inside, share = fmt.count(cov.runs), fmt.count(cov.inside), fmt.percent(cov.share, 0)
    assert (n, inside, share) == ("32", "19", "59%")
    c = build_context(estimate(default_scenario()), "en")
    unc = _flat(c["uncertainty"]["text"])
    app_b = _flat(c["validation"]["end_to_end"]["text"])
    assert (f"Checked on the {n} held-out published runs of Appendix B, each typed as a finance user types it, a "
            f"range made the same way held the published card-hours for {inside} of them ({share}; a range that "
            f"is right holds 80%); {cov.above} took more card-hours than its P90 and {cov.below} fewer than its "
            "P10.") in unc
    # 60 % is below the warning share with runs above the P90: the section says how to read the P90.
    assert "This range is narrower than its label: read its P90 as a likely outcome, not a ceiling." in unc
    assert (f"held the published figure for {inside} of the {n} held-out runs ({share}; 80% for a range that is "
            f"right): {cov.above} above its P90, {cov.below} below its P10.") in app_b


def test_chinese_edition_quotes_the_same_count() -> None:
    cov = end_to_end_report().held_out_coverage
    c = build_context(estimate(default_scenario()), "zh")
    unc = _flat(c["uncertainty"]["text"])
    assert f"以附录 B 的 {cov.runs} 个留出公开任务检验" in unc and f"包含公开卡时的有 {cov.inside} 个（59%" in unc
    assert "应把 P90 视为可能出现的结果，而非上限" in unc
    assert f"在 {cov.runs} 个留出任务中有 {cov.inside} 个（59%" in _flat(c["validation"]["end_to_end"]["text"])


def test_cli_estimate_quotes_the_recorded_count() -> None:
    out = CliRunner().invoke(app, ["estimate"])
    assert out.exit_code == 0, out.output
    flat = " ".join(out.output.replace("│", " ").split())
    rec = spread.RANGE_COVERAGE_RECORDED
    assert (f"Range check ranges made this way held {rec['inside']} of {rec['runs']} held-out published runs "
            f"(59%; 80% if right), {rec['above']} above their P90 (xlcompute validate): read the P90 as likely, "
            "not a ceiling") in flat
    zh = CliRunner().invoke(app, ["estimate", "--lang", "zh"])
    assert zh.exit_code == 0 and "区间检验" in zh.output


def test_a_serving_only_proposal_has_no_days_to_check() -> None:
    from xlcompute.scenario import parse_scenario

    r = estimate(parse_scenario({"model": {"preset": "llama3.1-8b"}, "cluster": {"accelerator": "H100-SXM"},
                                 "serving": {"users": 200}}))
    assert not r.trains
    text = _flat(build_context(r, "en")["uncertainty"]["text"])
    assert "held-out published runs" not in text
