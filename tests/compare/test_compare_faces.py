"""The faces of the comparison: `xlcompute compare` (table, --json, errors) and LLM_COMPARE."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from xlcompute.compare import compare
from xlcompute.scenario import default_scenario, parse_scenario
from xlcompute.udf import LLM_COMPARE
from xlcompute.udf._compare import HEADER

runner = CliRunner()


def test_cli_table_lists_every_card() -> None:
    from xlcompute.cli import app

    res = runner.invoke(app, ["compare"])
    assert res.exit_code == 0, res.output
    for key in ("H800", "H20", "A800", "H200", "910B"):
        assert f"│ {key}" in res.output
    assert "178.4" in res.output  # H20's days on 1000 cards at MFU 0.40
    # The default scenario leaves prices to each card's catalog row: the one note is the H20's borrowed calibration.
    notes = [line for line in res.output.splitlines() if line.startswith("note —")]
    assert len(notes) == 1 and notes[0].startswith("note — H20: predicted MFU extrapolated")


def test_cli_json_equals_compare() -> None:
    from xlcompute.cli import app

    res = runner.invoke(app, ["compare", "--gpu", "H800", "--gpu", "RTX4090", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data == json.loads(compare(default_scenario(), ["H800", "RTX4090"]).model_dump_json())
    assert [a["accelerator"] for a in data["alternatives"]] == ["H800", "RTX4090"]


def test_cli_shows_a_card_that_cannot_run(tmp_path: Path) -> None:
    from xlcompute.cli import app

    path = tmp_path / "fp8.yaml"
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["training"]["precision"] = "fp8"
    path.write_text(json.dumps(data), encoding="utf-8")
    res = runner.invoke(app, ["compare", str(path), "--gpu", "H800", "--gpu", "A800"])
    assert res.exit_code == 0, res.output
    assert "A800 cannot run the job: training.precision is fp8" in res.output


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from xlcompute.cli import app

    res = runner.invoke(app, ["compare", "--gpu", "NoSuchCard"])
    assert res.exit_code == 2
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "unknown accelerator" in lines[0] and "Traceback" not in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {preset: llama2-70b}\ntraining: {tokens: -1}\n", encoding="utf-8")
    res = runner.invoke(app, ["compare", str(bad)])
    assert res.exit_code == 2 and "training.tokens" in res.stderr


def test_excel_function_spills_a_header_and_a_row_per_card() -> None:
    table = LLM_COMPARE("llama2-70b", "2T", 1000, [["H800"], ["H20"], [None], ["910B"]], 0.4)
    assert isinstance(table, list) and table[0] == list(HEADER)
    assert [row[0] for row in table[1:]] == ["H800", "H20", "910B"]
    assert all(len(row) == len(HEADER) for row in table)
    sc = parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": 2e12},
                         "cluster": {"accelerator": "H800", "cards": 1000}, "assumptions": {"mfu": 0.4}})
    want = compare(sc, ["H800", "H20", "910B"]).alternatives
    for row, alt in zip(table[1:], want):
        assert row[1:10] == [alt.cards, alt.train_days, alt.mfu, alt.predicted_mfu, alt.mem_fits, alt.it_power_kw,
                             alt.capex_total, alt.total_budget, alt.cost_per_trillion_tokens]
    # A fresh list each call: editing one result never changes the cache.
    table[1][0] = "x"
    assert LLM_COMPARE("llama2-70b", "2T", 1000, [["H800"], ["H20"], [None], ["910B"]], 0.4)[1][0] == "H800"


def test_excel_function_shows_why_a_card_cannot_run() -> None:
    table = LLM_COMPARE("llama2-70b", "2T", 2, ["H800"])
    assert len(table) == 2 and table[1][0] == "H800" and table[1][1:-1] == [""] * (len(HEADER) - 2)
    note = table[1][-1]
    assert "gpus" in note and "cluster." not in note and "\n" not in note


def test_excel_function_errors_name_the_argument() -> None:
    cases = [
        (("llama2-70b", "2T", 16, ["foo"], None), "#VALUE! gpu_range (card 1): unknown accelerator 'foo'"),
        (("llama2-70b", "2T", 16, [], None), "#VALUE! gpu_range is empty"),
        (("llama2-70b", "2T", 16, ["H800"] * 9, None), "#VALUE! gpu_range holds 9 card names"),
        (("llama2-70b", "1e17", 16, ["H800"], None), "#VALUE! tokens"),
        (("llama2-70b", "2T", 0, ["H800"], None), "#VALUE! gpus"),
        (("llama2-70b", "2T", 16, ["H800"], 40), "#VALUE! mfu"),
        (("no-such-model", "2T", 16, ["H800"], None), "#VALUE! model"),
    ]
    for args, start in cases:
        out = LLM_COMPARE(*args)
        assert isinstance(out, str) and out.startswith(start), (args, out)
        assert len(out.splitlines()) == 1


def test_excel_compare_plans_a_mixture_of_experts_model_without_an_mfu() -> None:
    # Issue 15: the step-time model covers MoE (expert parallelism), so an empty mfu is predicted.
    header, row = LLM_COMPARE("mixtral-8x7b", "2T", 16, ["H800"], None)
    assert row[0] == "H800" and 0.05 < row[header.index("predicted_mfu")] < 0.7
    assert row[header.index("mfu")] == row[header.index("predicted_mfu")]


def test_excel_function_sizes_each_card_to_a_deadline() -> None:
    # The count a finance user asks for ("how many cards for 60 days?") is the estimate's own sizing on
    # each card, the number the CLI and the proposal give, not a same-MFU extrapolation.
    from xlcompute.estimate import estimate

    table = LLM_COMPARE("llama3.1-70b", "15T", None, [["H800"], ["A800"]], None, 60)
    assert isinstance(table, list) and [row[0] for row in table[1:]] == ["H800", "A800"]
    for row in table[1:]:
        r = estimate(parse_scenario({"model": {"preset": "llama3.1-70b"}, "cluster": {"accelerator": row[0]},
                                     "training": {"tokens": "15T", "deadline_days": 60}}))
        assert row[1] == r["gpu_count"] and row[2] == r["train_days"] <= 60
    assert table[1][1] == 4800  # README and docs/excel.md quote it
    # docs/excel.md quotes both cards and their days (it said 10,864 A800 until 2026-12-06; the sizing gave 11,192)
    excel_doc = " ".join((Path(__file__).resolve().parents[2] / "docs" / "excel.md").read_text(encoding="utf-8").split())
    assert (f"gives {table[1][1]:,} and {table[2][1]:,} cards, {table[1][2]:.1f} and {table[2][2]:.1f} days"
            in excel_doc)
    # gpus given with a deadline: each card is sized all the same (as `xlcompute compare` does).
    assert LLM_COMPARE("llama3.1-70b", "15T", 1000, [["H800"]], None, 60)[1][1] == 4800
    for args, start in (((None, ["H800"], None, None), "#VALUE! gpus is empty; enter the cards, or give deadline_days"),
                        ((None, ["H800"], None, 0), "#VALUE! deadline_days must be greater than 0"),
                        ((None, ["H800"], None, 1e6), "#VALUE! deadline_days: must be from 0.01 to 36,500")):
        out = LLM_COMPARE("llama3.1-70b", "15T", *args)
        assert isinstance(out, str) and out.startswith(start), (args, out)


def test_excel_function_sizes_each_card_to_a_deadline_at_a_confidence() -> None:
    # "How many cards for 60 days, nine times in ten?": the estimate's sizing at training.deadline_confidence.
    from xlcompute.estimate import estimate

    r = estimate(parse_scenario({"model": {"preset": "llama3.1-70b"}, "cluster": {"accelerator": "H800"},
                                 "training": {"tokens": "15T", "deadline_days": 60, "deadline_confidence": 0.9}}))
    for q in (0.9, "90%"):
        row = LLM_COMPARE("llama3.1-70b", "15T", None, [["H800"]], None, 60, q)[1]
        assert row[1] == r["gpu_count"] == 7456 and row[2] == r["train_days"] <= 60 / r["deadline_margin"]
    for args, start in (((None, ["H800"], None, 60, 0.3), "#VALUE! deadline_confidence: must be"),
                        ((None, ["H800"], None, 60, 40), "#VALUE! deadline_confidence must be in (0, 1]; did you mean 0.4?"),
                        ((1000, ["H800"], None, None, 0.9), "#VALUE! deadline_confidence needs deadline_days")):
        out = LLM_COMPARE("llama3.1-70b", "15T", *args)
        assert isinstance(out, str) and out.startswith(start), (args, out)


def test_cli_exits_1_when_no_card_can_run(tmp_path: Path) -> None:
    """Every card refused (405B on 8 cards fits none): the table or JSON still says why, and a script sees exit 1."""
    from xlcompute.cli import app

    path = tmp_path / "none.yaml"
    path.write_text("model: {preset: llama3.1-405b}\ntraining: {tokens: 1T}\n"
                    "cluster: {accelerator: H800, cards: 8}\n", encoding="utf-8")
    res = runner.invoke(app, ["compare", str(path), "--gpu", "H800", "--gpu", "H20"])
    assert res.exit_code == 1, res.output
    assert "H800 cannot run the job" in res.output and "H20 cannot run the job" in res.output
    res = runner.invoke(app, ["compare", str(path), "--gpu", "H800", "--gpu", "H20", "--json"])
    assert res.exit_code == 1, res.output
    assert [a["ok"] for a in json.loads(res.stdout)["alternatives"]] == [False, False]
    # One card that can run keeps exit 0 (the other's refusal is a line of the table).
    res = runner.invoke(app, ["compare", str(path), "--gpu", "H800", "--gpu", "B200", "--set", "cluster.cards=64"])
    assert res.exit_code == 0, res.output


def test_json_names_an_unnamed_scenario_as_the_other_faces_do() -> None:
    """With --set only, the JSON's scenario_name was the schema's placeholder "Scenario" while the table's title
    read "Llama-2-7B training on 64 × H800"; a serving fleet sized to its users is titled with the cards it needs."""
    from xlcompute.cli import app

    res = runner.invoke(app, ["compare", "--json", "-s", "model=llama2-7b", "-s", "tokens=1T", "-s", "cards=64"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["scenario_name"] == "Llama-2-7B training on 64 × H800"
    res = runner.invoke(app, ["compare", "--json", "-s", "model=qwen2.5-72b", "-s", "users=2000", "-s",
                              "accelerator=H20", "--gpu", "H20"])
    title = json.loads(res.stdout)["scenario_name"]
    shown = runner.invoke(app, ["estimate", "-s", "model=qwen2.5-72b", "-s", "users=2000", "-s", "accelerator=H20"])
    assert title.startswith("Qwen2.5-72B serving on ") and title in shown.output.splitlines()[0]
    assert compare(default_scenario()).scenario_name == default_scenario().name
