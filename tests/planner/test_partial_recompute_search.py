"""The layout search and a given layout take a partial recomputation, the fewest layers of each stage
recomputed in full that fit, when selective recomputation does not fit (Megatron-LM's block method)."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute._graph import GRAPH
from xlcompute.estimate import estimate
from xlcompute.planner import Execution, SystemSpec, TransformerShape, step_time
from xlcompute.planner.search import PARTIAL_CODE, SearchOptions, recompute_codes
from xlcompute.scenario import ScenarioError, parse_scenario

_LLAMA3 = {"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15.6T", "seq_len": 8192},
           "cluster": {"accelerator": "H100", "cards": 16384}}


_SHAPE = TransformerShape.gpt(layers=32, hidden=4096, heads=32, vocab=50304, seq_len=2048)
_SYSTEM = SystemSpec(peak_flops=312e12, hbm_bytes=80e9, hbm_bandwidth=2.0e12, cards_per_node=8, intra_node_bw=300e9,
                     inter_node_bw=25e9)


def _scenario(**training: object):  # type: ignore[no-untyped-def]
    return parse_scenario({**_LLAMA3, "training": {**_LLAMA3["training"], **training}})


def _fits_with(r, layers: int) -> bool:  # type: ignore[no-untyped-def]
    inputs = {k: v.value for k, v in r.inputs.items()}
    return bool(GRAPH.run({**inputs, "recompute_layers": float(layers)}, ["mem_fits"])["mem_fits"])


def test_the_search_takes_the_fewest_layers_in_full_that_fit() -> None:
    r = estimate(_scenario())
    ex = r.plan.best[0].execution
    k = ex.recompute_layers
    assert ex.recompute == "selective" and 0 < k < r["layers_per_stage"]
    assert r["recompute_layers"] == k and r["recompute_mode"] == 1
    assert _fits_with(r, k) and not _fits_with(r, k - 1)
    # faster than the same layout recomputing every layer, which the search also had
    inputs = {key: v.value for key, v in r.inputs.items()}
    full = GRAPH.run({**inputs, "recompute_mode": 2.0, "recompute_layers": 0.0}, ["predicted_step_seconds"])
    assert r["predicted_step_seconds"] < full["predicted_step_seconds"]


def test_a_given_layout_yields_to_the_fewest_layers_in_full() -> None:
    r = estimate(_scenario(tp=8, pp=16, global_batch=2048))  # Llama 3's published layout
    assert (r["recompute_mode"], r["recompute_layers"], r["layers_per_stage"]) == (1, 2, 8)
    assert not _fits_with(r, 1) and r["mem_fits"] == 1
    src = r.inputs["recompute_layers"].source
    assert src.startswith("default for training.recompute_layers changed") and "with 2 layers per stage in full" in src
    # typed in, the same setting gives the same step
    typed = estimate(_scenario(tp=8, pp=16, global_batch=2048, recompute_layers=2))
    assert typed["predicted_step_seconds"] == r["predicted_step_seconds"]
    assert typed.inputs["recompute_layers"].source.startswith("scenario: training.recompute_layers")
    # selective with every layer of the stage in full is full recomputation
    all_full = estimate(_scenario(tp=8, pp=16, global_batch=2048, recompute_layers=8))
    full = estimate(_scenario(tp=8, pp=16, global_batch=2048, recompute="full"))
    assert all_full["predicted_step_seconds"] == pytest.approx(full["predicted_step_seconds"], rel=1e-12)
    assert all_full["mem_per_gpu"] == pytest.approx(full["mem_per_gpu"], rel=1e-12)


def test_more_layers_in_full_cost_time_and_save_memory() -> None:
    steps, mems = [], []
    for k in range(9):
        r = estimate(_scenario(tp=8, pp=16, global_batch=2048, recompute="selective", recompute_layers=k, zero_stage=1,
                               interleave=8))
        steps.append(r["predicted_step_seconds"])
        mems.append(r["mem_per_gpu"])
    assert np.all(np.diff(steps) > 0) and np.all(np.diff(mems) < 0)


@pytest.mark.parametrize(("training", "field", "words"), [
    ({"recompute": "full", "recompute_layers": 2}, "training.recompute_layers", "needs training.recompute: selective"),
    ({"recompute": "none", "recompute_layers": 1}, "training.recompute_layers", "allowed: 0 with recompute none"),
])
def test_layers_in_full_need_selective_recomputation(training: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as err:
        _scenario(**training)
    assert field in str(err.value) and words in str(err.value)


def test_layers_in_full_are_at_most_a_stage() -> None:
    with pytest.raises(ValueError, match=r"training.recompute_layers \(9\) must be at most the 8 layers"):
        estimate(_scenario(tp=8, pp=16, global_batch=2048, recompute_layers=9))
    with pytest.raises(ValueError, match="recompute_layers=3 needs recompute='selective'"):
        step_time(_SHAPE, _SYSTEM, Execution(tp=8, pp=4, global_batch=8, recompute="full", recompute_layers=3))


def test_selective_is_enumerated_only_where_it_differs_from_none() -> None:
    both = ("none", "selective", "partial", "full")
    assert recompute_codes(both) == (0, 1, PARTIAL_CODE, 2)
    assert recompute_codes(both, flash=True) == (0, PARTIAL_CODE, 2)  # a flash kernel stores no scores to drop
    assert recompute_codes(both, flash=True, mla=True) == (0, 1, PARTIAL_CODE, 2)  # MLA's up-projections
    assert recompute_codes(("selective", "full"), flash=True) == (1, 2)
    assert "partial" in SearchOptions().recompute

