"""A layout the scenario fixes, against the layout planner's best for the same model, cards, batch and
software: the proposal names the faster layout among its risks, with the same figures ``xlcompute estimate``
gives the scenario with its layout left open (the default plan's TP 8 × PP 5 on 1,000 H800: 42.0 days at the
predicted MFU, the planner's TP 2 × PP 5 × DP 100 34.2 days)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcompute.estimate import LAYOUT_FIELDS, estimate, with_layout_open
from xlcompute.report.context import build_context
from xlcompute.report.context._ctx import _Ctx
from xlcompute.report.context.layout_risk import given_layout_risk, planner_alternative
from xlcompute.report.context.policy import LAYOUT_SLOWER_NOTE
from xlcompute.scenario import default_scenario, load_scenario, parse_scenario

_SCENARIOS = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios"


def _risk_rows(r: object, lang: str, words: str) -> list[dict[str, object]]:
    return [row for row in build_context(r, lang)["risks"] if words in str(row["risk"])]


def test_the_default_plan_names_the_planners_faster_layout() -> None:
    r = estimate(default_scenario())
    best = estimate(with_layout_open(r.scenario))  # what `xlcompute estimate` gives without tp and pp
    assert (best["tp"], best["pp"], best["dp"]) == (2, 5, 100)
    slower = r["train_days_predicted_mfu"] / best["train_days_predicted_mfu"] - 1
    assert slower == pytest.approx(0.229, abs=0.005)
    [row] = _risk_rows(r, "en", "The scenario fixes its layout")
    text = str(row["risk"])
    assert row["level"] == "medium"  # 10–25 % longer (policy.LAYOUT_SLOWER_MEDIUM / _HIGH)
    assert "TP 8 × PP 5 × DP 25, predicted at 42.0 days and 25.4% MFU" in text
    assert (f"TP 2 × PP 5 × DP 100, is predicted at {best['train_days_predicted_mfu']:.1f} days and "
            f"{best['predicted_mfu']:.1%} MFU") in text
    assert f"takes {slower:.1%} longer" in text
    [zh] = _risk_rows(r, "zh", "场景固定了并行布局")
    assert "TP 2 × PP 5 × DP 100 预测需 34.2 天" in str(zh["risk"]) and "xlcompute plan" in str(zh["mitigation"])


def test_a_mixture_of_experts_layout_reads_with_its_expert_parallelism_and_schedule() -> None:
    sc = parse_scenario({"model": {"preset": "deepseek-v3"},
                         "training": {"tokens": "14.8T", "precision": "fp8", "tp": 1, "pp": 16, "ep": 64,
                                      "dualpipe": True},
                         "cluster": {"accelerator": "H800", "cards": 2048}})
    r = estimate(sc)
    risk = given_layout_risk(_Ctx(r, "zh"))
    assert risk is not None and risk[0] == 0  # more than 25 % longer: High
    assert "TP 1 × PP 16 × DP 128，EP 64，DualPipe 调度" in str(risk[1])
    best = planner_alternative(r)
    assert best is not None and best["ep"] == 64  # the EP the user gives stays; the planner chooses the rest


def test_the_moe_appendix_says_its_rows_leave_the_layout_to_the_planner() -> None:
    """The MoE appendix's end-to-end rows are typed with planning inputs, the layout the planner's: a proposal that
    fixes its layout (DeepSeek-V3 at its published TP 1 · PP 16 · EP 64, 4.0M card-hours) says so beside the
    DeepSeek-V3 row (3.2M at the planner's layout) rather than "as this proposal's are"; an open one keeps it."""
    from xlcompute.report.context.validation import moe_appendix

    fixed = estimate(parse_scenario({"model": {"preset": "deepseek-v3"},
                                     "training": {"tokens": "14.8T", "precision": "fp8", "tp": 1, "pp": 16, "ep": 64},
                                     "cluster": {"accelerator": "H800", "cards": 2048}}))
    for lang, words, typed in (("en", "This proposal fixes its layout (TP 1 × PP 16 × DP 128, EP 64)",
                                "as this proposal's are"),
                               ("zh", "本方案固定了并行布局（TP 1 × PP 16 × DP 128，EP 64）", "（与本方案相同）")):
        appendix = moe_appendix(_Ctx(fixed, lang))
        assert appendix is not None and words in str(appendix["text"]) and typed not in str(appendix["text"])
    open_ = estimate(with_layout_open(fixed.scenario))
    appendix = moe_appendix(_Ctx(open_, "en"))
    assert appendix is not None and "as this proposal's are" in str(appendix["text"])
    assert "fixes its layout" not in str(appendix["text"])


def test_no_risk_where_the_given_layout_is_as_fast() -> None:
    """Llama 3.1 405B on 2,048 H100 at TP 8 × PP 16: the planner's best is no faster (−1 %)."""
    r = estimate(load_scenario(_SCENARIOS / "h100-2048-llama405b.yaml"))
    best = planner_alternative(r)
    assert best is not None
    assert r["train_days_predicted_mfu"] / best["train_days_predicted_mfu"] - 1 <= LAYOUT_SLOWER_NOTE
    assert given_layout_risk(_Ctx(r, "en")) is None
    assert not _risk_rows(r, "en", "The scenario fixes its layout")


def test_no_comparison_without_a_fixed_layout_or_with_a_sized_cluster() -> None:
    open_layout = estimate(with_layout_open(default_scenario()))
    assert planner_alternative(open_layout) is None
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["cluster"].pop("cards")
    data["training"]["deadline_days"] = 40
    sized = estimate(parse_scenario(data))  # the deadline sizes the cluster: a second sizing would not compare
    assert sized.scenario.layout_fixed and planner_alternative(sized) is None


def test_opening_the_layout_leaves_everything_else_as_given() -> None:
    sc = parse_scenario({"model": {"preset": "deepseek-v3"},
                         "training": {"tokens": "14.8T", "precision": "fp8", "tp": 1, "pp": 16, "ep": 64,
                                      "dualpipe": True, "first_stage_layers": 3, "micro_batch": 2,
                                      "zero_stage": 2, "global_batch": 4096},
                         "cluster": {"accelerator": "H800", "cards": 2048}})
    opened = with_layout_open(sc)
    given = opened.model_dump(exclude_unset=True)["training"]
    assert not set(given) & set(LAYOUT_FIELDS)
    before = sc.model_dump(exclude_unset=True)["training"]
    assert given == {k: v for k, v in before.items() if k not in LAYOUT_FIELDS}
    assert {"ep": 64, "zero_stage": 2, "global_batch": 4096}.items() <= given.items()
    assert opened.cluster == sc.cluster and opened.model == sc.model
