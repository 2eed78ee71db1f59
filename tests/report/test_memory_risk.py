"""A layout the planner chose close to the card's memory carries the tight-memory risk; its mitigation names the
fastest of the planner's other ranked layouts that leaves the headroom the risk asks for, with its cost in time per
sequence, so the reader has a fallback the model has already checked. A layout the scenario fixed keeps the
general advice."""

from __future__ import annotations

from xlcompute import fmt
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.policy import MEMORY_SHARE_WARN
from xlcompute.scenario import default_scenario, parse_scenario


def _tight(r: object, lang: str) -> dict[str, str]:
    rows = [row for row in build_context(r, lang)["risks"] if "HBM" in str(row) or "显存" in str(row)]
    return {k: str(v) for k, v in rows[0].items()}


def test_a_planned_layout_near_full_memory_names_a_roomier_one() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "MI300X", "cards": 1024}}))
    assert r.plan is not None and r["mem_per_gpu"] / r["hbm_bytes"] > MEMORY_SHARE_WARN
    first = r.plan.best[0]
    roomy = next(row for row in r.plan.best[1:] if row.result.mem_per_gpu <= MEMORY_SHARE_WARN * r["hbm_bytes"])
    slower = (roomy.result.predicted_step_seconds / roomy.execution.global_batch) / (
        first.result.predicted_step_seconds / first.execution.global_batch) - 1
    ex = roomy.execution
    layout = fmt.layout_text(ex.tp, ex.cp, ex.pp, ex.dp, ex.ep)
    en = " ".join(_tight(r, "en").values())
    assert (f"Among the planner's layouts, {layout} with micro-batch {ex.micro_batch}" in en
            and f"(rank {roomy.rank}) uses {fmt.percent(roomy.result.mem_per_gpu / r['hbm_bytes'])} of HBM" in en
            and f"its time per sequence {fmt.percent(slower)} longer" in en)
    zh = " ".join(_tight(r, "zh").values())
    assert f"规划器给出的布局中，{layout}" in zh and f"（第 {roomy.rank} 名）" in zh


def test_a_fixed_layout_keeps_the_general_advice() -> None:
    data = default_scenario().model_dump(mode="json", exclude_unset=True)
    data["training"] = {**data["training"], "micro_batch": 5}  # the scenario's TP 8 × PP 5 at 88 % of HBM
    r = estimate(parse_scenario(data))
    assert r.plan is None and MEMORY_SHARE_WARN < r["mem_per_gpu"] / r["hbm_bytes"] <= 1
    en = " ".join(_tight(r, "en").values())
    assert "Thin memory headroom" in en and "Among the planner's layouts" not in en and "higher ZeRO stage" in en


def test_the_recommendation_says_how_tightly_the_layout_fits() -> None:
    """Where the tight-memory risk stands, the recommendation's "fits in memory" says so, with the same share; with
    room to spare it says "fits in memory" alone."""
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "MI300X", "cards": 1024}}))
    share = r["mem_per_gpu"] / r["hbm_bytes"]
    assert share > MEMORY_SHARE_WARN
    rec = str(build_context(r, "en")["recommendation"])
    assert f"fits in memory with little headroom ({fmt.percent(share)} of HBM; see the risks)" in rec
    assert f"fits in memory with little headroom ({_tight(r, 'en')['risk'].split('uses ')[1].split(' of HBM')[0]}" \
        in rec  # the risk's own share
    assert "，但余量很小（占显存" in str(build_context(r, "zh")["recommendation"])
    roomy = str(build_context(estimate(default_scenario()), "en")["recommendation"])
    assert "fits in memory and" in roomy and "headroom" not in roomy
