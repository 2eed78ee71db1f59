"""A plan that leaves cluster.cards out is priced at the cards it needs, in whole servers: a serving-only plan
at its users' need (Qwen2.5-72B for 2,000 users on H20 needs 172 cards; it was priced, and warned about, as
1,000), a training run with a deadline at the fewest cards found to meet it (Llama-3.1-70B on 15T tokens in
60 days was priced as 1,000 H800 missing it by 204 days)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import openpyxl
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.estimate import _rounder_counts, cards_sized, estimate, sized_cards, sized_scenario
from xlcompute.report.context import build_context
from xlcompute.scenario import ScenarioError, parse_scenario
from xlcompute.sources import FIXED_ZH, source_text

SERVING = {"model": {"preset": "qwen2.5-72b"}, "serving": {"users": 2000}, "cluster": {"accelerator": "H20"}}


def test_the_cluster_is_the_serving_need_in_whole_servers() -> None:
    sc = parse_scenario(SERVING)
    assert cards_sized(sc) == "serving"
    r = estimate(sc)
    per_node = int(r["cards_per_node"])
    need = r["serving_cards"]
    assert r["gpu_count"] == math.ceil(need / per_node) * per_node == r.scenario.cluster.cards
    assert need <= r["gpu_count"] < need + per_node
    assert r["servers"] == r["gpu_count"] / per_node
    assert r.inputs["gpu_count"].origin.kind == "fixed" and "serving sizer" in r.inputs["gpu_count"].source
    assert source_text(r.inputs["gpu_count"], "zh") == FIXED_ZH["cards_sized_serving"]
    # Sizing again changes nothing: the serving cards do not depend on the cluster's.
    again = estimate(r.scenario)
    assert again["gpu_count"] == r["gpu_count"] and again["total_budget"] == r["total_budget"]
    assert sized_scenario(sc).cluster.cards == r["gpu_count"]


def test_cards_given_stay_and_a_training_plan_keeps_its_default() -> None:
    given = estimate(parse_scenario({**SERVING, "cluster": {"accelerator": "H20", "cards": 1000}}))
    sized = estimate(parse_scenario(SERVING))
    assert given["gpu_count"] == 1000 and given.inputs["gpu_count"].source == "scenario: cluster.cards"
    assert given["serving_cards"] == sized["serving_cards"]  # the same fleet need, a different cluster
    assert sized["capex_total"] < 0.25 * given["capex_total"]
    training = parse_scenario({"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T"},
                               "serving": {"users": 100}})
    assert cards_sized(training) is None and sized_scenario(training) is training
    r = estimate(training)
    assert r["gpu_count"] == 1000 and r.inputs["gpu_count"].origin.kind == "default"
    assert r.inputs["gpu_count"].source.startswith("default for cluster.cards")
    assert source_text(r.inputs["gpu_count"], "zh").startswith("默认值（cluster.cards）：加速卡数量；")


def test_sized_cards_rounds_up_to_whole_servers() -> None:
    assert sized_cards(182, 8) == 184 and sized_cards(184, 8) == 184 and sized_cards(1, 8) == 8
    assert sized_cards(0, 8) == 8 and sized_cards(17, 16) == 32


def test_the_faces_show_the_sized_cluster(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["estimate", "-s", "model.preset=qwen2.5-72b", "-s", "serving.users=2000",
                                   "-s", "cluster.accelerator=H20"])
    assert run.exit_code == 0, run.output
    assert "serving on 176 × H20" in run.output and "more than the" not in run.output
    run = CliRunner().invoke(app, ["compare", "-s", "model.preset=qwen2.5-72b", "-s", "serving.users=2000",
                                   "-s", "cluster.accelerator=H20", "-g", "H20"])
    assert run.exit_code == 0, run.output
    assert "serving on 176 × H20" in run.output
    ctx = build_context(estimate(parse_scenario(SERVING)), "en")
    assert str(ctx["summary_lead"]).startswith("This proposal weighs owning against renting <strong>176 × NVIDIA H20")  # renting wins there
    assert ctx["title"] == "Qwen2.5-72B serving on 176 × H20"


def test_a_batch_leaves_a_serving_plan_s_training_columns_empty(tmp_path: Path) -> None:
    table = tmp_path / "plans.csv"
    table.write_text("name,model.preset,serving.users,cluster.accelerator,training.tokens\n"
                     "serve,qwen2.5-72b,2000,H20,\ntrain,llama3.1-8b,0,H800,1T\n", encoding="utf-8")
    run = CliRunner().invoke(app, ["batch", str(table), "-o", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    ws = openpyxl.load_workbook(tmp_path / "out" / "index.xlsx").active
    head = [c.value for c in ws[1]]
    rows = {row[1]: dict(zip(head, row)) for row in ws.iter_rows(min_row=2, values_only=True)}
    serve, train = rows["serve"], rows["train"]
    assert serve["Accelerator cards"] == 176
    days = "Training time, end to end (failures, checkpoints, planned work) [days]"
    for col in (days, "Training memory per card [GB]", "Fits in HBM"):
        assert serve[col] is None and train[col] is not None
    assert train["Accelerator cards"] == 1000 and train[days] > 0


TRAIN = {"model": {"preset": "llama3.1-70b"}, "training": {"tokens": "15T", "deadline_days": 60},
         "cluster": {"accelerator": "H800"}}


def _with(base: dict, section: str, **fields: object) -> dict:  # type: ignore[type-arg]
    return {**base, section: {**base.get(section, {}), **fields}}


def test_a_deadline_sizes_the_cluster_to_meet_it() -> None:
    sc = parse_scenario(TRAIN)
    assert cards_sized(sc) == "deadline"
    r = estimate(sc)
    cards = int(r["gpu_count"])
    assert cards == r.scenario.cluster.cards and cards % int(r["cards_per_node"]) == 0
    assert r["train_days"] <= 60 and r["deadline_slip_days"] == 0
    assert r.inputs["gpu_count"].origin.field == "cards_sized_deadline"
    assert "training.deadline_days" in r.inputs["gpu_count"].source
    assert source_text(r.inputs["gpu_count"], "zh") == FIXED_ZH["cards_sized_deadline"]
    # Estimated again (as a proposal's comparison or a workbook does) the sized scenario is the same plan.
    again = estimate(r.scenario)
    assert again["gpu_count"] == cards and again["train_days"] == r["train_days"]
    # Not grossly more than needed: a tenth fewer cards, planned the same way, miss the deadline.
    fewer = sized_cards(0.9 * cards, r["cards_per_node"])
    assert estimate(parse_scenario(_with(TRAIN, "cluster", cards=fewer)))["train_days"] > 60
    # Cards given are kept, and the estimate says how many the deadline needs.
    given = estimate(parse_scenario(_with(TRAIN, "cluster", cards=1000)))
    assert given["gpu_count"] == 1000 and given["train_days"] > 200 and given["deadline_cards"] > 4 * 1000


def test_a_deadline_with_serving_keeps_the_serving_cards() -> None:
    sc = parse_scenario({"model": {"preset": "llama2-7b"}, "training": {"tokens": "2T", "deadline_days": 30},
                         "serving": {"users": 20000}})
    r = estimate(sc)
    assert r["gpu_count"] >= r["serving_cards"] > r["deadline_cards"] and r["train_days"] <= 30


@pytest.mark.parametrize("days", [2, 10])
def test_a_deadline_no_cluster_meets_is_refused_by_name(days: int) -> None:
    sc = parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15.6T", "deadline_days": days},
                         "cluster": {"accelerator": "H100"}})
    with pytest.raises(ValueError, match=rf"training.deadline_days \({days}\) cannot be met: more cards fail more "
                                         "often") as exc:
        estimate(sc)
    assert "allowed: a later deadline, or cluster.cards given" in str(exc.value)
    assert not isinstance(exc.value, ScenarioError)


def test_a_deadline_whose_cards_the_scenario_refuses_says_both() -> None:
    # A fixed layout's micro-batches on every replica of the sized cluster exceed the step bound.
    sc = parse_scenario({"model": {"preset": "mixtral-8x22b"}, "cluster": {"accelerator": "A100-80G"},
                         "training": {"tokens": 2.4e14, "micro_batch": 5529, "deadline_days": 58.6, "tp": 1, "pp": 4},
                         "assumptions": {"mfu": 0.3}})
    with pytest.raises(ValueError, match=r"training.deadline_days \(58.6\) needs about [\d,]+ cards, which the "
                                         r"scenario cannot take: training.micro_batch \(5,529\) on each of the"):
        estimate(sc)


def test_plan_ranks_the_layouts_of_the_sized_cluster() -> None:
    run = CliRunner().invoke(app, ["plan", "--json", "-s", "model.preset=llama3.1-70b", "-s", "training.tokens=15T",
                                   "-s", "cluster.accelerator=H800", "-s", "training.deadline_days=60"])
    assert run.exit_code == 0, run.output
    plan = json.loads(run.output)
    assert plan["cards"] == estimate(parse_scenario(TRAIN))["gpu_count"]


def test_the_comparison_s_own_row_is_the_sized_estimate() -> None:
    # Qwen3-235B-A22B by a 90-day deadline on 910B: the layout (and MFU) moves with the count, so a
    # single sizing pass (the comparison's, before) gave 11,536 cards missing by 10 days where the
    # estimate planned 13,376 meeting it (11,552 since the rounder counts); one sizing serves both.
    from xlcompute.compare import compare

    sc = parse_scenario({"model": {"preset": "qwen3-235b-a22b"}, "cluster": {"accelerator": "910B"},
                         "training": {"tokens": "36T", "deadline_days": 90}})
    r = estimate(sc)
    own = compare(sc, ["910B"]).alternatives[0]
    assert own.cards == r["gpu_count"] and own.train_days == pytest.approx(r["train_days"], rel=1e-12)
    assert own.train_days <= 90 and not any(n.kind == "deadline_missed" for n in own.notes)
    served = parse_scenario(SERVING)
    assert compare(served, ["H20"]).alternatives[0].cards == estimate(served)["gpu_count"]


def test_rounder_counts_are_whole_servers_in_powers_of_two_between_the_bounds() -> None:
    # 11,528 cards are 1,441 servers of 8; the smallest multiple of 2, 4, 8, ... servers at or above.
    assert _rounder_counts(11_528, 13_376, 8) == [11_528, 11_536, 11_552, 11_584, 11_648, 11_776, 12_288]
    assert _rounder_counts(11_528, 11_552, 8) == [11_528, 11_536]
    assert _rounder_counts(100, 100, 8) == [] and _rounder_counts(17, 64, 8) == [24, 32]


QWEN_910B = {"model": {"preset": "qwen3-235b-a22b"}, "cluster": {"accelerator": "910B"},
             "training": {"tokens": "36T", "deadline_days": 90}}
DSV3_H800 = {"model": {"preset": "deepseek-v3"}, "cluster": {"accelerator": "H800"},
             "training": {"tokens": "14.8T", "deadline_days": 30, "precision": "fp8"}}


@pytest.mark.parametrize("plan, most", [(QWEN_910B, 11_776), (DSV3_H800, 5_248), (TRAIN, 4_944)])
def test_a_deadline_plan_tries_the_rounder_counts_below_the_fewest_that_met(plan: dict, most: int) -> None:  # type: ignore[type-arg]
    # Qwen3-235B-A22B on 910B by 90 days: the passes alone kept 13,376 cards (78.1 days) because 11,536
    # (1,442 servers) only fit TP 8 x PP 3 with EP 16 at 17.5 % MFU (100.2 days); 11,776 (1,472 servers)
    # fit TP 4 with EP 32 at 19.5 % (88.1 days), checked by hand with cluster.cards given. DeepSeek-V3 by
    # 30 days on H800 went from 5,824 cards to 4,608 the same way (5,248 since the FP8 recipe's FP32 gradients).
    r = estimate(parse_scenario(plan))
    cards = r.scenario.cluster.cards
    assert cards <= most and r["train_days"] <= 90
    assert r["deadline_slip_days"] == 0 and r.sizing_tries[0].cards == 1000
    tried = {t.cards: t.train_days for t in r.sizing_tries}
    assert tried[cards] == r["train_days"]
    # Every count tried below the plan's missed the deadline: it is the fewest found.
    assert all(days > r["deadline_days"] for c, days in tried.items() if c < cards)
    below = r.sized_miss_below()
    assert below is not None and below.cards == max(c for c in tried if c < cards)
    # A tried count's days are what that count, given, plans to.
    given = estimate(parse_scenario(_with(plan, "cluster", cards=below.cards)))
    assert given["train_days"] == pytest.approx(below.train_days, rel=1e-12)


def test_the_deadline_line_says_what_fewer_cards_were_found_to_do() -> None:
    # Not the count the plan's own MFU implies ("11,528 cards would suffice at the same MFU"): that
    # many were tried and miss, since the layout changes with the count.
    r = estimate(parse_scenario(QWEN_910B))
    below = r.sized_miss_below()
    assert below is not None and r["deadline_cards"] < r["gpu_count"]
    run = CliRunner().invoke(app, ["estimate", "-s", "model=qwen3-235b-a22b", "-s", "tokens=36T",
                                   "-s", "accelerator=910B", "-s", "training.deadline_days=90"])
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.replace("│", " ").split())
    assert f"the fewest cards found that finish in time ({below.cards:,} cards, estimated too, take " in text
    assert "meet it at the same MFU" not in text
    for lang, words in (("en", f"the fewest cards found that finish in time ({below.cards:,} cards"),
                        ("zh", f"同样试算过的 {below.cards:,} 张卡需")):
        note = str(build_context(r, lang)["schedule_note"])
        assert words in note and "ETTR" not in note
    # Cards given: the same-MFU count stays the line's answer.
    given = estimate(parse_scenario(_with(QWEN_910B, "cluster", cards=r["gpu_count"])))
    assert given.sized_miss_below() is None and given.sizing_tries == []


def test_cards_given_that_miss_the_deadline_are_answered_with_the_planned_count() -> None:
    # Given 1,000 H800, Llama-3.1-70B on 15T tokens misses 60 days; at the plan's MFU 4,448 cards would
    # do, but 4,448 cards plan to 64.5 days. The answer is the count the sizing plans, with its days.
    given = estimate(parse_scenario(_with(TRAIN, "cluster", cards=1000)))
    sized = estimate(parse_scenario(TRAIN))
    p = given.deadline_plan
    assert p is not None and given["deadline_slip_days"] > 0
    assert p.cards == sized["gpu_count"] and p.train_days == pytest.approx(sized["train_days"], rel=1e-12)
    assert given["deadline_cards"] < p.cards  # the same-MFU count, which misses when planned
    assert estimate(parse_scenario(_with(TRAIN, "cluster", cards=int(given["deadline_cards"]))))["train_days"] > 60
    run = CliRunner().invoke(app, ["estimate", "-s", "model=llama3.1-70b", "-s", "tokens=15T", "-s", "accelerator=H800",
                                   "-s", "cards=1000", "-s", "training.deadline_days=60"])
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.replace("│", " ").split())
    assert f"{p.cards:,} cards ({p.cards // 8:,} servers) meet it, planned at that count: {p.train_days:.1f} days" in text
    for lang, words in (("en", f"{p.cards:,} cards ({p.cards // 8:,} servers) meet it, planned at that count"),
                        ("zh", f"{p.cards:,} 张卡（{p.cards // 8:,} 台服务器）按此卡数重新规划布局后需")):
        ctx = build_context(given, lang)
        assert words in str(ctx["schedule_note"])
        assert any(f"{p.cards:,}" in str(risk) for risk in ctx["risks"])
        # The compute table does not also show the same-MFU count the summary corrects.
        assert "deadline_cards" not in [row["key"] for row in ctx["compute_rows"]]
    # Cards that meet it are answered with the same planned count (what LLM_GPUS_FOR_DAYS gives), not the
    # same-MFU count of 8,000 cards' MFU (4,808, the README's example; 6,000 cards' MFU gives the planned 4,800
    # itself since the mixed-precision optimizer step); the table does not show that count either.
    enough = estimate(parse_scenario(_with(TRAIN, "cluster", cards=8000)))
    assert enough["deadline_slip_days"] == 0 and enough.deadline_plan == p
    assert enough["deadline_cards"] != p.cards  # the same-MFU count differs
    ctx = build_context(enough, "en")
    assert "deadline_cards" not in [row["key"] for row in ctx["compute_rows"]]
    assert (f"Deadline: 60.0 days, met; planned at that count, {p.cards:,} cards ({p.cards // 8:,} servers) would "
            f"suffice: {p.train_days:.1f} days.") in str(ctx["schedule_note"])
    zh = str(build_context(enough, "zh")["schedule_note"])
    assert f"可按期完成；{p.cards:,} 张卡（{p.cards // 8:,} 台服务器）即可满足，按此卡数重新规划布局后需" in zh


def test_a_run_longer_than_a_quarter_is_answered_with_the_planned_count() -> None:
    # No deadline: the risk's mitigation names the cards the deadline sizing plans for a quarter.
    r = estimate(parse_scenario({**TRAIN, "training": {"tokens": "15T"}, "cluster": {"accelerator": "H800",
                                                                                   "cards": 1000}}))
    quarter = estimate(parse_scenario({**TRAIN, "training": {"tokens": "15T", "deadline_days": 91}}))
    cards = quarter["gpu_count"]
    for lang, words in (("en", f"{cards:,.0f} cards finish in {quarter['train_days']:.1f} days, planned at that count"),
                        ("zh", f"{cards:,.0f} 张卡按此卡数重新规划布局后需 {quarter['train_days']:.1f} 天")):
        assert any(words in str(x["mitigation"]) for x in build_context(r, lang)["risks"])
