"""Named steps over the core's formulas: one definition, evaluated three ways.

A :class:`Step` says ``key = fn(*args)``, where each arg names an input or another step (or is a
constant). A :class:`Graph` orders its steps so every step follows what it reads, and runs them:

- with numbers: the estimate (``estimate.py``);
- with NumPy arrays of layouts: the layout search and the step-time model (``planner``);
- with cell references: the planning workbook's formulas (``workbook``), through ``bind``.

``run`` evaluates only what its targets need and skips steps whose value is given, so the
step-time model can take SI figures straight from a validation file while the estimate derives
them from the catalog's TFLOPS and GB. Pure: no I/O, no NumPy import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from xlcompute.core.expr import Value

__all__ = ["Step", "Graph", "step"]


@dataclass(frozen=True)
class Step:
    """``key = fn(*args)``; ``sheet`` is where the workbook shows it."""

    key: str
    sheet: str
    fn: Callable[..., Value]
    args: tuple[str | float, ...]


def step(key: str, sheet: str, fn: Callable[..., Value], *args: str | float) -> Step:
    """A :class:`Step` written as a call: ``step("dp", "training", parallel.data_parallel, "gpu_count", "tp", "pp")``."""
    return Step(key, sheet, fn, tuple(args))


class Graph:
    """Inputs and steps in dependency order (declared order wherever it already works)."""

    def __init__(self, inputs: Sequence[str], steps: Iterable[Step]) -> None:
        self.inputs: tuple[str, ...] = tuple(inputs)
        self.steps: tuple[Step, ...] = _ordered(self.inputs, list(steps))
        self._by_key = {s.key: s for s in self.steps}
        self._plans: dict[tuple[frozenset[str], frozenset[str]], tuple[Step, ...]] = {}
        self._all = frozenset(s.key for s in self.steps)
        # Constant arguments get a key of their own ("#0", ...), so every step reads its arguments
        # with one itemgetter: the estimate runs ~150 steps per call.
        self._consts: dict[float, str] = {}
        self._ops: dict[int, tuple[tuple[str, Callable[..., Value], Callable[..., tuple]], ...]] = {}
        for st in self.steps:
            for a in st.args:
                if not isinstance(a, str) and a not in self._consts:
                    self._consts[a] = f"#{len(self._consts)}"

    def __contains__(self, key: object) -> bool:
        return key in self._by_key or key in self.inputs

    def step(self, key: str) -> Step:
        """The step that computes ``key``."""
        return self._by_key[key]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every step key, in evaluation order."""
        return tuple(s.key for s in self.steps)

    def needed(self, targets: Iterable[str], given: Iterable[str] = ()) -> tuple[Step, ...]:
        """The steps to run, in order, to compute ``targets`` when the keys in ``given`` are known."""
        tkey, gkey = frozenset(targets), frozenset(given)
        plan = self._plans.get((tkey, gkey))
        if plan is None:
            want: set[str] = set()
            stack = [t for t in tkey if t not in gkey]
            for t in stack:
                if t not in self and t not in gkey:
                    raise KeyError(f"no step or input named {t!r}")
            while stack:
                k = stack.pop()
                if k in want or k in gkey or k not in self._by_key:
                    continue
                want.add(k)
                stack.extend(a for a in self._by_key[k].args if isinstance(a, str))
            plan = tuple(s for s in self.steps if s.key in want)
            self._plans[(tkey, gkey)] = plan
        return plan

    def run(
        self,
        values: Mapping[str, Value],
        targets: Iterable[str] | None = None,
        bind: Callable[[Step, Value], Value] | None = None,
    ) -> dict[str, Value]:
        """Evaluate the steps ``targets`` need (all steps by default) from ``values``.

        ``values`` holds the inputs and may hold steps' values, which are then not recomputed.
        ``bind`` may replace each result (the workbook writes it to a cell and returns a
        reference to that cell); without it results are numbers or arrays.
        """
        out: dict[str, Value] = dict(values)
        steps = self.needed(self._all if targets is None else targets, [k for k in out if k in self._by_key])
        for value, name in self._consts.items():
            out[name] = value
        try:
            if bind is None:
                for key, fn, get in self._compiled(steps):
                    out[key] = fn(*get(out))
            else:
                for st, (key, fn, get) in zip(steps, self._compiled(steps)):
                    out[key] = bind(st, fn(*get(out)))
        except KeyError as exc:
            missing = sorted({a for s in steps for a in s.args if isinstance(a, str) and a not in out
                              and a not in self._by_key})
            raise KeyError(f"missing inputs: {', '.join(missing) or exc}") from None
        finally:
            for name in self._consts.values():
                out.pop(name, None)
        return out

    def _compiled(self, steps: tuple[Step, ...]) -> tuple[tuple[str, Callable[..., Value], Callable[..., tuple]], ...]:
        """(key, function, argument getter) per step, the getter one itemgetter over the values."""
        # Plans are cached tuples, so their identity is a key (hashing ~150 steps per call is not).
        ops = self._ops.get(id(steps))
        if ops is None:
            built = []
            for st in steps:
                names = [a if isinstance(a, str) else self._consts[a] for a in st.args]
                get = itemgetter(*names) if len(names) > 1 else (lambda d, k=names[0]: (d[k],))
                built.append((st.key, st.fn, get))
            ops = self._ops[id(steps)] = tuple(built)
        return ops


def _ordered(inputs: Sequence[str], steps: list[Step]) -> tuple[Step, ...]:
    """Steps in an order where each follows the steps it reads; the declared order is kept where it
    already works. Raises ValueError for a duplicate key, an unknown argument or a cycle."""
    keys = [s.key for s in steps]
    dupes = sorted({k for k in keys if keys.count(k) > 1} | (set(keys) & set(inputs)))
    if dupes:
        raise ValueError(f"defined twice: {', '.join(dupes)}")
    known = set(inputs) | set(keys)
    for s in steps:
        unknown = [a for a in s.args if isinstance(a, str) and a not in known]
        if unknown:
            raise ValueError(f"step {s.key!r} reads unknown {', '.join(unknown)}")
    done = set(inputs)
    pending = list(steps)
    out: list[Step] = []
    while pending:
        ready = next((s for s in pending if all(a in done for a in s.args if isinstance(a, str))), None)
        if ready is None:
            raise ValueError(f"dependency cycle among {', '.join(s.key for s in pending)}")
        pending.remove(ready)
        out.append(ready)
        done.add(ready.key)
    return tuple(out)
