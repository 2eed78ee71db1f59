"""Which card a step-time run ran on, read from its system's name (planner.validation.cards), and the per-card
held-out line of ``xlcompute validate``, the same figures a proposal on that card quotes."""

from __future__ import annotations

from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.planner.validation import validate
from xlcompute.planner.validation.cards import CARD_OF_KEY, card_runs, cards_named, names_card
from xlcompute.planner.validation.repeats import summarise_repeats
from xlcompute.planner.validation.run import by_recompute


def test_a_card_name_is_read_whole() -> None:
    assert names_card("DGX GB200 NVL72", "GB200") and not names_card("DGX GB200 NVL72", "B200")
    assert names_card("8x B200-SXM-180GB per node", "B200")
    assert names_card("NVIDIA DGX A800 (80G), 8 x A800-SXM4-80GB", "A800") and not names_card("A8000", "A800")
    assert names_card("Atlas 900 A2 PODc (Ascend 910B NPUs)", "910B") and not names_card("910B2", "910B")
    # Intel's and AMD's names as sources print them: "Gaudi 2", "Gaudi-3", "MI300X"; never another model number.
    assert names_card("Intel Gaudi 2 (HL-225H), 8 per server", "Gaudi2") and names_card("Gaudi-3 nodes", "Gaudi3")
    assert not names_card("Intel Gaudi 2", "Gaudi3") and not names_card("AMD Instinct MI325X", "MI300X")
    assert names_card("AMD Instinct MI300X OAM", "MI300X")
    assert card_runs(validate(search=False), "H20") is None and "H20" not in CARD_OF_KEY


def test_validate_prints_each_cards_held_out_runs() -> None:
    report = validate(search=False)
    out = CliRunner().invoke(app, ["validate", "--no-search"], env={"COLUMNS": "400"})
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    for key in ("A800", "H800", "910B", "GB200"):
        runs = card_runs(report, key)
        assert runs is not None and runs.held_out > 0
        assert (f"{runs.name} {runs.held_out}: {runs.mean_abs_error_pct:.1f}% "
                f"({runs.mean_signed_error_pct:+.1f}%)") in text, key
    # and by card generation and activation recomputation (planner.validation.run.by_recompute)
    held = [r for r in [*report.rows, *report.external_rows] if r.role == "held_out"]
    assert "held-out runs by card generation and activation recomputation (runs, mean |error|, signed):" in text
    for arch, rc, n, mae, signed in by_recompute(held):
        assert f"{arch} {rc}: {n}, {mae:.1f}% ({signed:+.1f}%)" in text, (arch, rc)
    # and the configurations measured more than once (planner.validation.repeats), the same figures as the report's
    s = summarise_repeats(report.repeats)
    assert s is not None
    assert (f"{s.groups} groups, {s.rows} rows; pairs from one published table (one release, other clusters) differ "
            f"by {s.same_table_median_pct:.1f}% at the median") in text
    assert f"would miss by {s.floor_pct:.1f}% on average, the model by {s.model_pct:.1f}%" in text
    rows = [*report.rows, *report.external_rows, *report.stack_rows]
    assert cards_named(rows, report.system_name, "en") == \
        "A100, A800, H100, H800, H200, B200, GB200 and Ascend 910B"
    assert cards_named(rows, report.system_name, "zh") == "A100、A800、H100、H800、H200、B200、GB200 与昇腾 910B"
