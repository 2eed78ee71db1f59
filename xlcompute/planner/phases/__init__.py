"""The step-time model's phases, each a list of named steps over the core's formulas.

Read them in this order: ``layout`` (dp, micro-batches, layers per stage) and ``system`` (units),
``compute`` (kernel time of one layer and micro-batch), ``memory`` (what a card holds),
``communication`` (TP, pipeline and DP traffic and what overlap hides), ``pipeline`` (the
1F1B schedule) and ``result`` (step time, MFU, fit). No phase holds a formula: every step calls
one function of :mod:`xlcompute.core`, so the estimate, the workbook and the planner share them.
"""

from xlcompute.planner.phases import communication, compute, layout, memory, pipeline, result, system

__all__ = ["layout", "system", "compute", "memory", "communication", "pipeline", "result", "PHASES"]

PHASES = (layout, system, compute, memory, communication, pipeline, result)
"""Every phase module; each has a ``STEPS`` tuple."""
