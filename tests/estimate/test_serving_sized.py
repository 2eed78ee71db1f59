"""A serving-only plan that leaves cluster.cards out is sized to its users' need, in whole servers: the
budget prices the fleet the demand needs, not the schema's 1,000 cards (Qwen2.5-72B for 2,000 users on
H20 needs 182 cards; it was priced, and warned about, as 1,000)."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.estimate import estimate, serving_sized, sized_cards, sized_scenario
from xlcompute.report.context import build_context
from xlcompute.scenario import parse_scenario
from xlcompute.sources import FIXED_ZH, source_text

SERVING = {"model": {"preset": "qwen2.5-72b"}, "serving": {"users": 2000}, "cluster": {"accelerator": "H20"}}


def test_the_cluster_is_the_serving_need_in_whole_servers() -> None:
    sc = parse_scenario(SERVING)
    assert serving_sized(sc)
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
    assert not serving_sized(training) and sized_scenario(training) is training
    r = estimate(training)
    assert r["gpu_count"] == 1000 and r.inputs["gpu_count"].origin.kind == "default"
    assert r.inputs["gpu_count"].source.startswith("default for cluster.cards")


def test_sized_cards_rounds_up_to_whole_servers() -> None:
    assert sized_cards(182, 8) == 184 and sized_cards(184, 8) == 184 and sized_cards(1, 8) == 8
    assert sized_cards(0, 8) == 8 and sized_cards(17, 16) == 32


def test_the_faces_show_the_sized_cluster(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["estimate", "-s", "model.preset=qwen2.5-72b", "-s", "serving.users=2000",
                                   "-s", "cluster.accelerator=H20"])
    assert run.exit_code == 0, run.output
    assert "serving on 184 × H20" in run.output and "more than the" not in run.output
    run = CliRunner().invoke(app, ["compare", "-s", "model.preset=qwen2.5-72b", "-s", "serving.users=2000",
                                   "-s", "cluster.accelerator=H20", "-g", "H20"])
    assert run.exit_code == 0, run.output
    assert "serving on 184 × H20" in run.output
    ctx = build_context(estimate(parse_scenario(SERVING)), "en")
    assert str(ctx["summary_lead"]).startswith("This proposal requests <strong>184 × NVIDIA H20")
    assert ctx["title"] == "Qwen2.5-72B serving on 184 × H20"


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
    assert serve["Accelerator cards"] == 184
    days = "Training time, end to end (failures, checkpoints, planned work)"
    for col in (days, "Training memory per card", "Fits in HBM (1 = yes)"):
        assert serve[col] is None and train[col] is not None
    assert train["Accelerator cards"] == 1000 and train[days] > 0
