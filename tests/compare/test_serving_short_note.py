"""A card whose serving fleet needs more cards than the training cluster holds gets a note in the comparison
(CLI, LLM_COMPARE, the proposal's alternatives, the workbook's Compare sheet), as the estimate's serving line
says "more than the N cards of the cluster": its cost per output token assumes a fleet the plan lacks."""

from __future__ import annotations

from xlcompute.compare import compare
from xlcompute.compare_words import note_words
from xlcompute.scenario import parse_scenario

SHORT = {"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"}, "cluster": {"accelerator": "H800", "cards": 64},
         "serving": {"users": 20000}}


def test_a_fleet_beyond_the_cluster_is_noted_in_both_languages() -> None:
    (row,) = compare(parse_scenario(SHORT), ["H800"]).alternatives
    (note,) = [n for n in row.notes if n.kind == "serving_short"]
    assert note.cluster_cards == row.cards == 64 and note.serving_cards == row.serving_cards > 64
    assert str(note) == note_words(note, "en") == (
        f"serving needs {row.serving_cards:,} cards, more than the 64 of the cluster: its cost per output token "
        "assumes a fleet the plan does not hold")
    assert note_words(note, "zh").startswith(f"推理需 {row.serving_cards:,} 张卡，超过集群的 64 张")


def test_no_note_when_the_cluster_holds_the_fleet_or_there_is_no_training() -> None:
    held = {**SHORT, "serving": {"users": 200}}
    (row,) = compare(parse_scenario(held), ["H800"]).alternatives
    assert row.serving_cards is not None and row.serving_cards <= row.cards
    assert all(n.kind != "serving_short" for n in row.notes)
    serving_only = {"model": {"preset": "llama2-7b"}, "serving": {"users": 20000}, "cluster": {"accelerator": "H800"}}
    (row,) = compare(parse_scenario(serving_only), ["H800"]).alternatives
    assert all(n.kind != "serving_short" for n in row.notes)  # the fleet is the plan itself
