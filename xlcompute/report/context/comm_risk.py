"""The exposed-communication and pipeline-bubble risks, with mitigations that follow from the plan:
the part of the exposed communication that dominates, and what the plan does not do yet. Where a
change is one input of the step-time graph (TP overlap, all-to-all overlap), its effect is the same
graph run again with that input changed, so the mitigation quotes the model's own figures."""

from __future__ import annotations

from typing import Any, NamedTuple

from markupsafe import Markup

from xlcompute import fmt
from xlcompute.core import comm
from xlcompute.report.context._ctx import _Ctx

#: The exposed parts of the step's communication (planner.phases.communication's comm_exposed_seconds
#: is their sum), in the order a tie is named.
PARTS: tuple[tuple[str, str], ...] = (
    ("tp", "tp_comm_exposed_seconds"),
    ("ep", "ep_comm_exposed_seconds"),
    ("dp", "dp_comm_exposed_seconds"),
    ("pp", "pp_comm_seconds"),
    ("cp", "cp_comm_exposed_seconds"),
)
#: Whether each part's group stays inside a server (core.comm.stays_in_node), i.e. which link a pilot
#: run must confirm.
IN_NODE: dict[str, str] = {part: f"{part}_in_node" for part, _ in PARTS}
#: The all-to-all overlap a mitigation proposes: DualPipe's "near-full" overlap (DeepSeek-V3,
#: arXiv:2412.19437 §3.2.1), the value the scenario field's description gives.
A2A_OVERLAP_PROPOSED = 0.9
#: A change must shorten the predicted step by more than this share to be quoted as a mitigation.
MIN_GAIN = 0.01


class Alternative(NamedTuple):
    """The predicted step and MFU with one graph input changed."""

    step_s: float
    mfu: float


def largest_part(r: Any) -> tuple[str, float]:
    """The exposed communication's largest part: its key (tp, ep, dp, pp or cp) and seconds per step."""
    return max(((key, float(r[figure])) for key, figure in PARTS), key=lambda kv: kv[1])


def alternative(r: Any, key: str, value: float) -> Alternative | None:
    """The step-time graph run again with input ``key`` set to ``value`` (the layout and every other
    input as estimated); None unless it shortens the predicted step by more than :data:`MIN_GAIN`."""
    from xlcompute._graph import GRAPH

    inputs = {k: v.value for k, v in r.inputs.items()}
    out = GRAPH.run({**inputs, key: value}, ["predicted_step_seconds", "predicted_mfu"])
    step = float(out["predicted_step_seconds"])
    if step >= r["predicted_step_seconds"] * (1 - MIN_GAIN):
        return None
    return Alternative(step, float(out["predicted_mfu"]))


def _server_link_faster(r: Any) -> bool:
    """Whether a group's collectives run faster inside a server than across servers (not on a PCIe-only
    card such as L40S, whose scale-out NIC outruns its PCIe link)."""
    def link(in_node: float) -> float:
        return float(comm.link_bytes_per_s(in_node, r["intra_node_bytes_per_s"], r["intra_node_efficiency"],
                                           r["inter_node_bytes_per_s"], r["inter_node_efficiency"]))
    return link(1.0) > link(0.0)


def _quoted(c: _Ctx, key: str, alt: Alternative, **kw: Any) -> Markup:
    return c.t(key, step=c.v_as(alt.step_s, "predicted_step_seconds"), mfu=c.v_as(alt.mfu, "predicted_mfu"),
               step0=c.v("predicted_step_seconds"), mfu0=c.v("predicted_mfu"), **kw)


def _change(c: _Ctx, part: str) -> Markup:
    """What shortens the largest part, given what the plan already does."""
    r = c.r
    if part == "tp":
        if r["tp_in_node"] < 0.5 and _server_link_faster(r):
            return c.t("mit_comm_tp_node", node=c.v("cards_per_node"))
        alt = alternative(r, "tp_overlap", 1.0) if r["tp_overlap"] < 0.5 else None
        return _quoted(c, "mit_comm_tp_overlap", alt) if alt else c.t("mit_comm_tp_smaller")
    if part == "ep":
        alt = (alternative(r, "a2a_overlap", A2A_OVERLAP_PROPOSED)
               if r["a2a_overlap"] < A2A_OVERLAP_PROPOSED else None)
        return _quoted(c, "mit_comm_a2a_overlap", alt, q=str(A2A_OVERLAP_PROPOSED)) if alt else c.t("mit_comm_ep")
    return c.t(f"mit_comm_{part}")


def comm_risk(c: _Ctx) -> tuple[Markup, Markup]:
    """The exposed-communication risk, naming its largest part, and the mitigation for that part."""
    r = c.r
    part, seconds = largest_part(r)
    most = "comm_most" if seconds >= 0.5 * r["comm_exposed_seconds"] else "comm_largest"
    risk = c.t("risk_comm", share=c.v("comm_share_of_step"), comm=c.v("comm_exposed_seconds"),
               step=c.v("predicted_step_seconds"), most=c.t(most), part=c.t(f"comm_part_{part}"),
               part_s=c.v_as(seconds, "comm_exposed_seconds"), pmfu=c.v("predicted_mfu"))
    pilot = (c.t("mit_comm_pilot_node", gbs=c.v("intra_node_gbs")) if r[IN_NODE[part]] >= 0.5
             else c.t("mit_comm_pilot", gbps=c.v("inter_node_gbps")))
    return risk, c.sentences(_change(c, part), pilot)


def bubble_risk(c: _Ctx) -> tuple[Markup, Markup]:
    """The pipeline-bubble risk; an interleaved schedule is not proposed again when the plan has one, nor to a
    DualPipe plan, which cannot interleave (core.stages.check_dualpipe)."""
    r = c.r
    # the bubble over the micro-batches' time (the warning's measure, above 100 % with few micro-batches) and its
    # share of the step, the share the step-time table shows
    args = {"bubble": c.v("pipeline_bubble"), "pp": c.v("pp"), "m": c.v("grad_accum"),
            "share": fmt.percent(r["pp_bubble_seconds"] / r["predicted_step_seconds"])}
    if r["dualpipe"] > 0:
        return c.t("risk_bubble", **args), c.t("mit_bubble_dualpipe")
    if r["interleave"] > 1:
        return c.t("risk_bubble_interleaved", v=c.v("interleave"), **args), c.t("mit_bubble_interleaved")
    return c.t("risk_bubble", **args), c.t("mit_bubble")
