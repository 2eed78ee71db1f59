"""SLA-driven serving sizing: choose a replica's tensor-parallel size and decode batch, count cards.

Given the request rate, the request shape (input and output tokens) and the targets (TTFT, TPOT),
every valid replica layout is tried over a ladder of batches with the inference step model
(:func:`xlcompute.serving_model.replica_figures`, the core's formulas); the plan with the fewest
cards that meets both targets wins (ties: the lower TPOT). Valid layouts: tp divides the query
heads, tp divides the KV heads or is a multiple of them (KV heads replicated, [GQA] in
:mod:`xlcompute.core.inference`), and the replica stays inside one server (tp divides the cards
per node), so its all-reduces run over the server's link. With ``disaggregated`` the prompts run
on their own replicas of the same size (DistServe, arXiv:2401.09670), sized by the TTFT target.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from xlcompute.core import inference as inf
from xlcompute.serving_model import Card, ModelShape, Precision, ServingConstants, kv_limit, replica_figures

__all__ = ["ServingPlanError", "ServingPlan", "valid_tps", "size_serving", "BATCH_LADDER"]

BATCH_LADDER = (1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
"""Decode batches tried per layout (plus the KV-cache limit itself when it is below 1024)."""


class ServingPlanError(ValueError):
    """No replica layout of the card can hold the model."""


PP_LADDER = (1, 2, 4, 8, 16)
"""Pipeline stages tried (pp > 1 only with full-server tensor groups: one stage per server)."""


class ServingPlan(BaseModel):
    """The chosen serving layout and its figures (SI units; rates per second)."""

    tp: int
    pp: int = 1
    batch: int
    disaggregated: bool
    replicas: int = Field(description="decode replicas (all replicas when not disaggregated)")
    prefill_replicas: int = Field(description="prompt-only replicas (0 when not disaggregated)")
    cards: int
    max_sequences: int = Field(description="KV-cache limit of one replica at the request's full length")
    ttft_s: float
    tpot_s: float
    prefill_s: float
    decode_step_s: float
    replica_requests_per_s: float
    output_tokens_per_s: float = Field(description="generated tokens per second of the whole fleet at capacity")
    output_tokens_per_s_per_card: float
    request_rate: float
    capacity_requests_per_s: float
    meets_targets: bool
    candidates: int = Field(description="layouts × batches evaluated")


def valid_tps(shape: ModelShape, card: Card) -> list[int]:
    """Tensor-parallel sizes a replica may use on this card (see the module text)."""
    out = []
    for tp in range(1, card.cards_per_node + 1):
        if card.cards_per_node % tp or shape.heads % tp:
            continue
        if shape.kv_heads % tp and tp % shape.kv_heads:
            continue
        out.append(tp)
    return out


def _prefill_replicas(rate: float, prefill_s: float, ttft_target: float) -> int:
    """Prompt replicas for the TTFT target (:func:`xlcompute.core.inference.prefill_replicas`)."""
    return int(inf.prefill_replicas(rate, prefill_s, ttft_target))


def size_serving(
    shape: ModelShape,
    card: Card,
    prec: Precision,
    input_tokens: float,
    output_tokens: float,
    request_rate: float,
    ttft_target_s: float,
    tpot_target_s: float,
    k: ServingConstants,
    disaggregated: bool = False,
    tp: int | None = None,
    batch: int | None = None,
    pp: int | None = None,
) -> ServingPlan:
    """The cheapest plan (fewest cards) meeting TTFT and TPOT targets at ``request_rate`` requests/s;
    if none meets them, the plan with the lowest TPOT, flagged ``meets_targets = False``.
    ``tp`` / ``pp`` / ``batch`` fix the layout or the batch instead of searching them."""
    tps = valid_tps(shape, card) if tp is None else [tp]
    layouts = [(t, p) for p in ((pp,) if pp is not None else PP_LADDER) for t in tps
               if p == 1 or tp is not None or t == max(tps)]
    best: tuple[tuple[float, ...], ServingPlan] | None = None
    fallback: tuple[tuple[float, ...], ServingPlan] | None = None
    evaluated = 0
    fixed_layout = tp is not None and pp is not None
    for t, p in layouts:
        limit = int(kv_limit(shape, card, prec, t, input_tokens + output_tokens, k, p))
        if limit < 1 and not fixed_layout:  # a layout given by the user is shown even when it cannot hold
            continue                        # the model (meets_targets False); a searched one is skipped
        ladder = ([batch] if batch is not None
                  else sorted({b for b in BATCH_LADDER if b <= limit} | {max(1, min(limit, 1024))}))
        for b in ladder:
            evaluated += 1
            plan = _plan(shape, card, prec, t, p, b, limit, input_tokens, output_tokens, request_rate,
                         ttft_target_s, tpot_target_s, k, disaggregated)
            key = (plan.cards, plan.tpot_s, plan.ttft_s)
            if plan.meets_targets and (best is None or key < best[0]):
                best = (key, plan)
            fkey = (plan.tpot_s, plan.cards)
            if fallback is None or fkey < fallback[0]:
                fallback = (fkey, plan)
    chosen = best or fallback
    if chosen is None:
        raise ServingPlanError(
            f"{card.name}: no replica of up to {max(PP_LADDER)} servers of {card.cards_per_node} cards (tp dividing "
            f"the {shape.heads} heads) holds the weights and one sequence's KV cache; choose a larger card, a "
            "smaller model or fewer bytes per parameter")
    return chosen[1].model_copy(update={"candidates": evaluated})


def _plan(shape: ModelShape, card: Card, prec: Precision, tp: int, pp: int, batch: int, limit: int, n_in: float,
          n_out: float, rate: float, ttft_target: float, tpot_target: float, k: ServingConstants,
          disaggregated: bool) -> ServingPlan:
    f = replica_figures(shape, card, prec, tp, batch, n_in, n_out, k, disaggregated=disaggregated, pp=pp)
    replicas = int(inf.replicas_for_rate(rate, float(f.requests_per_s))) if rate > 0 else 0
    per_replica = rate / max(replicas, 1)
    prefill_n = _prefill_replicas(rate, float(f.prefill_s), ttft_target) if disaggregated else 0
    if disaggregated:
        wait = float(inf.prefill_wait_seconds(f.prefill_s, rate / max(prefill_n, 1)))
        ttft = float(inf.time_to_first_token(f.prefill_s, wait, 0))
    else:
        g = replica_figures(shape, card, prec, tp, batch, n_in, n_out, k, request_rate=per_replica or 0.0, pp=pp)
        ttft = float(g.ttft_s)
    cards = (replicas + prefill_n) * tp * pp
    out_tps = replicas * float(f.output_tokens_per_s)
    return ServingPlan(
        tp=tp, pp=pp, batch=int(f.batch), disaggregated=disaggregated, replicas=replicas, prefill_replicas=prefill_n,
        cards=cards, max_sequences=limit, ttft_s=ttft, tpot_s=float(f.tpot_s), prefill_s=float(f.prefill_s),
        decode_step_s=float(f.decode_step_s), replica_requests_per_s=float(f.requests_per_s),
        output_tokens_per_s=out_tps, output_tokens_per_s_per_card=out_tps / cards if cards else 0.0,
        request_rate=rate, capacity_requests_per_s=replicas * float(f.requests_per_s),
        meets_targets=limit >= 1 and ttft <= ttft_target and float(f.tpot_s) <= tpot_target, candidates=0,
    )
