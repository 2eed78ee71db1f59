"""The proposal's validation appendix says how far published step times of one configuration disagree by
themselves, with the numbers `xlcompute validate` prints (planner.validation.repeats)."""

from __future__ import annotations

from xlcompute import fmt
from xlcompute.estimate import estimate
from xlcompute.planner.validation.repeats import summarise_repeats
from xlcompute.report.context import build_context
from xlcompute.report.context.validation import validation_report
from xlcompute.scenario import default_scenario


def test_the_appendix_quotes_the_repeated_configurations() -> None:
    r = estimate(default_scenario())
    s = summarise_repeats(validation_report().repeats)
    assert s is not None and s.floor_pct < s.model_pct
    en = str(build_context(r, "en")["validation"]["repeats"])
    zh = str(build_context(r, "zh")["validation"]["repeats"])
    same, cross = fmt.percent(s.same_table_median_pct / 100), fmt.percent(s.cross_table_median_pct / 100)
    floor, model = fmt.percent(s.floor_pct / 100), fmt.percent(s.model_pct / 100)
    assert f"{fmt.count(s.groups)} configurations in these sets were measured more than once ({fmt.count(s.rows)} runs" in en
    assert f"agree within {same} at the median; runs of two releases of one stack differ by {cross}" in en
    assert f"could at best miss by {floor} on average; the model misses by {model}." in en
    assert f"有 {fmt.count(s.groups)} 个配置被实测了不止一次" in zh and f"相差 {same}" in zh and f"相差 {cross}" in zh
    assert f"至少为 {floor}；本模型为 {model}" in zh
