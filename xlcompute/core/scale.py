"""Effects that grow with the size of the job rather than with its work.

A synchronous step ends when the slowest of its servers ends it: every server's step time
varies a little (operating-system noise, thermal throttling, network jitter, a slow card), and
the step pays the maximum over the servers. With N servers and independent variations of
relative spread σ, the expected maximum of N standard normal values is about √(2·ln N)
(extreme-value theory, Gumbel 1958; the bound E[max] ≤ √(2 ln N)), so the step stretches by
1 + σ·√(2·ln N). At scale this is what MegaScale (Jiang et al. 2024, NSDI, §4.3) reports as
stragglers; "The Tail at Scale" (Dean and Barroso 2013, CACM) describes the mechanism.
σ is calibrated on the calibration rows of ``xlcompute validate`` (16 to 2,520 GPUs).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, ceil, ln, max_, sqrt

__all__ = ["job_nodes", "straggler_factor"]


def job_nodes(cards: Value, cards_per_node: Value) -> Value:
    """Servers the job spans, ⌈cards / cards per server⌉."""
    return ceil(cards / cards_per_node)


def straggler_factor(nodes: Value, jitter: Value) -> Value:
    """Stretch of a synchronous step by its slowest server, 1 + σ·√(2·ln N) (module docstring);
    1 on one server."""
    return 1 + jitter * sqrt(2 * ln(max_(nodes, 1)))
