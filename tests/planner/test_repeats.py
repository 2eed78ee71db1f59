"""The same configuration measured more than once (planner.validation.repeats): the grouping, the pairwise
spreads and the floor, by hand on made-up rows; the published repeats are pinned in test_validation.py."""

from __future__ import annotations

import math

import pytest

from xlcompute.planner.inputs import SystemSpec
from xlcompute.planner.validation.data import ValidationRow
from xlcompute.planner.validation.repeats import (
    configuration_key,
    least_mean_abs_error,
    repeated_configurations,
    summarise_repeats,
)

H100 = SystemSpec(peak_flops=989.4e12, hbm_bytes=80e9, hbm_bandwidth=3.35e12, cards_per_node=8,
                  intra_node_bw=450e9, inter_node_bw=50e9)


def _row(id_: str, table: str | None = None, **kw: object) -> ValidationRow:
    base: dict[str, object] = dict(id=id_, source=f"source of {id_}", role="held_out", heads=96, hidden=12288,
                                   layers=96, vocab=51200, seq_len=2048, tp=4, pp=8, gpus=512, global_batch=1024,
                                   micro_batch=1, interleave=12, step_seconds=1.0)
    if table is not None:
        base["table"] = table
    return ValidationRow(**{**base, **kw})


def test_least_mean_abs_error_by_hand() -> None:
    # p = 1 misses the 2 s run by 50 %, mean 25 %; p = 2 misses the 1 s run by 100 %, mean 50 %
    assert least_mean_abs_error([1.0, 2.0]) == pytest.approx(25.0)
    assert least_mean_abs_error([3.0, 3.0, 3.0]) == 0.0
    # three runs: p = 1.1 gives (0.1 + 0 + 0.1/1.2)/3 = 6.11 %
    assert least_mean_abs_error([1.0, 1.1, 1.2]) == pytest.approx(100 * (0.1 + 0.1 / 1.2) / 3)
    with pytest.raises(ValueError, match="measured"):
        least_mean_abs_error([])


def test_the_key_ignores_the_network_and_the_release() -> None:
    other_net = H100.model_copy(update={"inter_node_bw": 25e9, "intra_node_bw": 200e9})
    a = _row("a", tp_overlap=True, dp_overlap=True, software_version="24.05")
    b = _row("b", tp_overlap=False, dp_overlap=False, software_version="25.04")
    assert configuration_key(a, H100) == configuration_key(b, other_net)
    # anything the model reads about the run splits the group
    for change in ({"interleave": 6}, {"micro_batch": 2}, {"gpus": 1024}, {"precision": "fp8"},
                   {"recompute": "selective"}, {"vocab": 50257}, {"cp": 2}):
        assert configuration_key(_row("c", **change), H100) != configuration_key(a, H100), change
    h800 = H100.model_copy(update={"hbm_bandwidth": 3.2e12})
    assert configuration_key(a, h800) != configuration_key(a, H100)


def test_groups_spreads_and_floor() -> None:
    entries = [
        ("s1", _row("v30-a", table="mlperf-v3.0"), H100, 12.0, +5.0),
        ("s1", _row("v30-b", table="mlperf-v3.0"), H100, 12.3, +3.5),
        ("s1", _row("v31", table="mlperf-v3.1"), H100, 11.0, +15.0),
        ("s2", _row("alone", interleave=6), H100, 5.8, +8.0),        # no repeat: no group
        # no `table`: the `source` stands in for it
        ("s2", _row("src-1", global_batch=2048), H100, 2.0, -1.0),
        ("s2", _row("src-2", source="source of src-1", global_batch=2048), H100, 2.2, +1.0),
    ]
    groups = repeated_configurations(entries)
    assert [[r.id for r in g.rows] for g in groups] == [["v30-a", "v30-b", "v31"], ["src-1", "src-2"]]
    assert groups[0].rows[2].table == "mlperf-v3.1" and groups[1].rows[1].table == "source of src-1"
    assert groups[0].spread_pct == pytest.approx(100 * (12.3 / 11.0 - 1))
    assert "512 cards" in groups[0].label and "VP12" in groups[0].label
    s = summarise_repeats(groups)
    assert s is not None
    # pairs in one table: (12.0, 12.3) 2.5 % and (2.0, 2.2) 10 %; across tables: 12.0/11.0 and 12.3/11.0
    assert (s.groups, s.rows, s.same_table_pairs, s.cross_table_pairs) == (2, 5, 2, 2)
    assert s.same_table_median_pct == pytest.approx((2.5 + 10.0) / 2)
    assert s.same_table_max_pct == pytest.approx(10.0)
    assert s.cross_table_median_pct == pytest.approx(100 * ((12.0 / 11 - 1) + (12.3 / 11 - 1)) / 2)
    floor_a = least_mean_abs_error([12.0, 12.3, 11.0])
    floor_b = least_mean_abs_error([2.0, 2.2])
    assert s.floor_pct == pytest.approx((3 * floor_a + 2 * floor_b) / 5)
    assert s.model_pct == pytest.approx((5.0 + 3.5 + 15.0 + 1.0 + 1.0) / 5)


def test_no_repeat_no_summary() -> None:
    assert summarise_repeats([]) is None
    one = repeated_configurations([("s", _row("a"), H100, 1.0, 0.0)])
    assert one == []
    lone_table = summarise_repeats(repeated_configurations(
        [("s", _row("a", table="t"), H100, 1.0, 0.0), ("s", _row("b", table="t"), H100, 1.1, 0.0)]))
    assert lone_table is not None and math.isnan(lone_table.cross_table_median_pct)
    assert lone_table.cross_table_pairs == 0
