"""A graph step as one cell's formula with some of its inputs replaced by other cells: the
Sensitivity grid (card count × MFU headers) and the tornado table (one input at its P10/P90) are
the graph's own formulas over their headers, never a copy of them."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from xlcompute._graph import GRAPH, INPUT_KEYS
from xlcompute.core.expr import Expr, Ref, Value

__all__ = ["inline_step"]


def inline_step(target: str, overrides: Mapping[str, Expr]) -> Value:
    """The expression of step ``target`` with some inputs or steps replaced by other cells.

    Steps that do not depend on a replaced key stay references to their named cells; steps that
    do are expanded with the same core functions (``_graph.GRAPH``), so a sensitivity cell is the
    graph's own formula over its row/column header instead of a copy of it.
    """
    values: dict[str, Value] = dict(_input_refs())
    values.update(overrides)
    changed = set(overrides)
    refs = _step_refs()
    for st in GRAPH.needed([target], given=overrides):
        if not changed.isdisjoint(st.args):
            values[st.key] = st.fn(*[values[a] if isinstance(a, str) else a for a in st.args])
            changed.add(st.key)
        else:
            values[st.key] = refs[st.key]
    return values[target]


# A reference is never changed once made, so one per name serves every inlined cell (the Sensitivity
# grid and the tornado inline some eighty).
@functools.lru_cache(maxsize=1)
def _input_refs() -> dict[str, Ref]:
    return {k: Ref(k) for k in INPUT_KEYS}


@functools.lru_cache(maxsize=1)
def _step_refs() -> dict[str, Ref]:
    return {st.key: Ref(st.key) for st in GRAPH.steps}
