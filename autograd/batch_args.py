"""While `batched` records, its arguments are Values; in the per-sample loop they are numbers.

`batched(fn)` records one sample's graph by calling `fn` on Values, so that every number of the
sample is an input of the graph. But the per-sample loop calls `fn` on plain numbers, and Python
treats the two differently: `t == 1` compares two numbers, while a Value is equal only to
itself (`==` is identity, as in micrograd), and `if v:` is true for every Value. So while
recording, `plain_numbers(inputs)` gives each Value that is a plain number in the per-sample
loop (an argument, or `+ - * / ** abs` of arguments and numbers) the behaviour of its number:

- `==`, `!=`, `<`, `<=`, `>`, `>=`, and truth tests (`if t:`, `not t`, `t and x`) compare
  its number, recorded as guards (batch_trace.py): a sample where one comes out the other way
  runs on the per-sample engine (exact, counted in `fallbacks`). `t in (1, 2)` is a chain of
  `==`, and `max(t, 0)` a comparison, so they are guards too.
- hashing it (a dict key, `d.get(t)`, `t in {1, 2}`) gives its number's hash, and records the
  guard "t equals this number": exact, but a sample with another number runs per sample.

Every other Value keeps its own behaviour (a model's output `p == 1` is False in the loop as
well), and so does the engine's own code.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from stepgrad import ops
from stepgrad.batch_trace import Recording, Traced
from stepgrad.habits import Habits
from stepgrad.value import Value

__all__ = ["plain_numbers"]

# the table entries that Python's own arithmetic on numbers does too: applied to plain numbers
# only, they give a plain number in the per-sample loop (t.log() or t.relu() would not)
_ARITHMETIC = frozenset(map(id, (
    ops.ADD, ops.ADD_C, ops.RADD_C, ops.SUB, ops.SUB_C, ops.RSUB_C, ops.NEG, ops.MUL,
    ops.MUL_C, ops.RMUL_C, ops.DIV, ops.DIV_C, ops.RDIV_C, ops.POW, ops.POW_C, ops.RPOW_C,
    ops.ABS)))
_METHODS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__",
            "__hash__")
_active: _Plain | None = None


class _Plain:
    """Which Values are plain numbers per sample (every node it looked at is kept alive, so
    that its id stays its own)."""

    def __init__(self, inputs: list[Value], rec: Recording) -> None:
        self.rec = rec
        self.thread = threading.get_ident()
        self.known: dict[int, tuple[Value, bool]] = {id(v): (v, True) for v in inputs}

    def number(self, v: Value) -> Traced | None:
        """v's number as a Traced number (its comparisons become guards), or None if v is a
        Value in the per-sample loop as well."""
        if not self.plain(v):
            return None
        x = v.data  # a read from this module is traced (batch_trace._WatchedData) ...
        if type(x) is Traced:
            return x
        self.rec.read[id(v)] = v  # ... and if it were not, the same by hand
        return Traced(x, ("node", v), self.rec)

    def plain(self, v: Value) -> bool:
        """Is v a plain number in the per-sample loop (an argument, or arithmetic on them)?"""
        known = self.known
        hit = known.get(id(v))
        if hit is not None:
            return hit[1]
        stack = [v]
        while stack:  # an explicit stack: a long chain of + must not hit the recursion limit
            node = stack[-1]
            if id(node) in known:
                stack.pop()
                continue
            if node._in1 is None or id(node._op) not in _ARITHMETIC:
                if node._in1 is None and node._op is not None:
                    self.rec.make_opaque("a value computed inside no_grad() was compared")
                known[id(node)] = (node, False)
                stack.pop()
                continue
            parts = [x for x in (node._in1, node._in2) if x is not None]
            todo = [x for x in parts if id(x) not in known]
            if todo:
                stack.extend(todo)
                continue
            known[id(node)] = (node, all(known[id(x)][1] for x in parts))
            stack.pop()
        return known[id(v)][1]


class plain_numbers:
    """`with plain_numbers(inputs, rec):` gives the Values that are plain numbers in the
    per-sample loop their number's comparisons, truth and hash (see the module docstring)."""

    def __init__(self, inputs: list[Value], rec: Recording) -> None:
        self.state = _Plain(inputs, rec)
        self.saved: dict[str, Any] = {}

    # The methods act only while _active is set: set last, cleared first. A method left in
    # place (Ctrl-C in between) behaves as Value's own, and the next recording removes it.

    def __enter__(self) -> _Plain:
        global _active
        for name in _METHODS:
            old = Value.__dict__.get(name)
            self.saved[name] = None if old is _PATCHED[name] else old
            setattr(Value, name, _PATCHED[name])
        _active = self.state
        return self.state

    def __exit__(self, *exc: object) -> None:
        global _active
        _active = None
        for name, old in self.saved.items():
            if old is None:
                delattr(Value, name)
            else:
                setattr(Value, name, old)


def _watching() -> _Plain | None:
    """The recording's state if the caller of the patched method is the learner's code."""
    state = _active
    if state is None or state.thread != threading.get_ident():
        return None
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back  # the method that asked, then who compared
    name = (frame.f_globals.get("__name__") if frame is not None else None) or ""
    if name == "stepgrad" or name.startswith("stepgrad."):  # the engine's own code, and nn's
        return None
    return state


def _other(state: _Plain, other: Any) -> Any:
    """The other side of a comparison as the per-sample loop sees it: a Traced number for a
    plain-number Value, None for any other Value, else the object itself."""
    if isinstance(other, Value):
        return state.number(other)
    return other


def _equal(self: Value, other: Any, ne: bool) -> Any:
    state = _watching()
    if state is not None:
        mine = state.number(self)
        if mine is not None:
            theirs = _other(state, other)
            if theirs is None:  # a number and a Value: never equal, as in the loop
                return ne
            return mine != theirs if ne else mine == theirs
    if self is other:
        return not ne
    return NotImplemented


def _eq(self: Value, other: Any) -> Any:
    return _equal(self, other, False)


def _ne(self: Value, other: Any) -> Any:
    return _equal(self, other, True)


def _order(cmp: str) -> Any:
    own = getattr(Habits, cmp)  # Value's own: a TypeError with a hint (habits.py)

    def compare(self: Value, other: Any) -> Any:
        state = _watching()
        if state is None:
            return own(self, other)
        mine = state.number(self)
        if mine is None:
            return own(self, other)
        theirs = _other(state, other)
        if theirs is None:
            return own(self, other)  # a number and a Value: a TypeError, as in the loop
        return getattr(mine, cmp)(theirs)

    compare.__name__ = cmp
    return compare


def _bool(self: Value) -> bool:
    state = _watching()
    if state is not None:
        mine = state.number(self)
        if mine is not None:
            return bool(mine)
    return True


def _hash(self: Value) -> int:
    state = _watching()
    if state is not None:
        mine = state.number(self)
        if mine is not None:
            mine == mine.v  # noqa: B015 (records the guard "t equals this number")
            return hash(mine.v)
    return object.__hash__(self)


_PATCHED = {"__eq__": _eq, "__ne__": _ne, "__lt__": _order("__lt__"),
            "__le__": _order("__le__"), "__gt__": _order("__gt__"), "__ge__": _order("__ge__"),
            "__bool__": _bool, "__hash__": _hash}
