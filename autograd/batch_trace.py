"""Recording one sample's graph for batch replay, with every branch its Python code took.

`record(fn, args)` calls `fn` once, on Values, and returns the graph it built together with
the *conditions* that graph depends on. A graph can depend on the numbers in two ways:

- a kink of an operation (relu, max, min, abs, leaky_relu, elu): the table's derivative rule
  picks the side, and replay runs that same rule for every sample, so kinks need no record;
- Python code that looks at a number: `if h.data > 0:`, `max(v.data for v in row)`,
  `x - m` with `m` taken from `.data`. While recording, reading `.data` from outside the
  engine gives a `Traced` number instead of a float. It remembers where it came from (which
  node, and the arithmetic done on it: + - * / unary minus, abs), and every comparison or
  truth test on it is recorded as a *guard*: the comparison and its outcome. A Traced number
  that becomes the constant of an operation (`x - m`, `Value(m)`) is recorded as an
  *expression constant*, computed again for every sample.

Anything else done with a Traced number (float(), int(), round(), math.exp(), hashing it,
`**`, text: str(), repr(), f"{x:.3f}", print, ...) cannot be followed: the recording is then
*opaque*, and batch replay runs every sample on the per-sample engine instead (exact, only
slower; a print then prints each sample's line, the first one twice), saying why. `item()`, `repr()`
and `format()` of a Value read `.data` for their caller, so they count as the caller's reads.
stepgrad's own error messages may show a Traced number: that changes nothing.

What stays invisible, so do not do it inside a batched function: reading numbers through
anything other than `.data` (`local_grads`), or Python state that changes between samples.
The rules are in the README ("Train a whole data set at once: `batched`").
"""

from __future__ import annotations

import operator
import sys
import threading
from numbers import Real
from typing import Any

from stepgrad.value import Value

__all__ = ["Recording", "Traced", "recording"]

_SLOT = Value.__dict__["data"]  # the property `data`, put back when a recording ends
_get, _set = Value.__dict__["_data"].__get__, _SLOT.__set__  # the slot; the checked setter
# item(), format() and repr() of a Value read .data for their caller: the caller's read
_FOR_CALLER = frozenset(f.__code__ for f in (Value.item, Value.__format__, Value.__repr__))
# modules whose reads of .data are the engine's own (its arithmetic, its error messages)
_ENGINE = {"stepgrad.value", "stepgrad.ops", "stepgrad.backward", "stepgrad.batch",
           "stepgrad.batch_trace"}
_lock = threading.Lock()
_active: Recording | None = None

# An expression is a tuple: ("node", value) | ("const", float) | (op, a, b) for op in
# "+", "-", "*", "/" | ("neg", a) | ("abs", a).
COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
           "==": operator.eq, "!=": operator.ne}


class Recording:
    """What one recording saw: the guards, the expression constants, why it is opaque."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.guards: list[tuple[str, tuple, tuple, bool]] = []  # (cmp, left, right, outcome)
        self.constants: dict[int, tuple[float, tuple]] = {}  # id(float) -> (float, expression)
        self.read: dict[int, Value] = {}  # nodes whose .data was read (kept alive)
        self.opaque: str | None = None

    def make_opaque(self, why: str) -> None:
        """Remember the first thing replay cannot follow (the whole batch then runs per sample)."""
        if self.opaque is None:
            frame = _user_frame()
            where = f" ({frame.f_code.co_filename}, line {frame.f_lineno})" if frame else ""
            self.opaque = why + where


def _user_frame() -> Any:
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__") in _ENGINE:
        frame = frame.f_back
    return frame


class _WatchedData:
    """Stands in for `Value.data` while recording: a read from outside the engine, in the
    recording thread, gives a Traced number; everything else gets the float as always."""

    def __get__(self, obj: Value | None, cls: type | None = None) -> Any:
        if obj is None:
            return self
        v = _get(obj, cls)
        rec = _active
        if rec is None or rec.thread != threading.get_ident():
            return v
        caller = sys._getframe(1)
        if caller.f_code in _FOR_CALLER:
            caller = caller.f_back
        if caller.f_globals.get("__name__") in _ENGINE:
            return v
        rec.read[id(obj)] = obj
        return Traced(v, ("node", obj), rec)

    def __set__(self, obj: Value, v: Any) -> None:
        _set(obj, v)


class recording:
    """`with recording() as rec:` watches `.data` reads in this thread (one at a time)."""

    def __enter__(self) -> Recording:
        global _active
        if not _lock.acquire(blocking=False):
            raise RuntimeError("batched: another batched function is recording right now "
                               "(batched functions cannot call each other)")
        _active = Recording()
        Value.data = _WatchedData()
        return _active

    def __exit__(self, *exc: object) -> None:
        global _active
        Value.data = _SLOT
        _active = None
        _lock.release()


def _expr(x: Any) -> tuple | None:
    if type(x) is Traced:
        return x.e
    if isinstance(x, Real) and not isinstance(x, Value):
        return ("const", float(x))
    return None


class Traced:
    """A number read from `.data` while recording: it behaves as the float it holds, and
    records every comparison made on it (see the module docstring)."""

    __slots__ = ("v", "e", "rec")

    def __init__(self, v: float, e: tuple, rec: Recording) -> None:
        self.v, self.e, self.rec = v, e, rec

    # ----- comparisons and truth tests: recorded as guards -----------------------------------

    def _compare(self, other: Any, cmp: str, swapped: bool = False) -> Any:
        e = _expr(other)
        if e is None:
            return NotImplemented
        a, b = (e, self.e) if swapped else (self.e, e)
        av = other.v if type(other) is Traced else float(other)
        left, right = (av, self.v) if swapped else (self.v, av)
        result = COMPARE[cmp](left, right)
        self.rec.guards.append((cmp, a, b, result))
        return result

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, "<")

    def __le__(self, other: Any) -> Any:
        return self._compare(other, "<=")

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, ">")

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, ">=")

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, "==")

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(other, "!=")

    def __bool__(self) -> bool:
        result = self.v != 0.0
        self.rec.guards.append(("!=", self.e, ("const", 0.0), result))
        return result

    # ----- arithmetic that replay can follow -------------------------------------------------

    def _arith(self, other: Any, op: str, swapped: bool = False) -> Any:
        e = _expr(other)
        if e is None:
            return NotImplemented
        ov = other.v if type(other) is Traced else float(other)
        a, b = (ov, self.v) if swapped else (self.v, ov)
        v = {"+": operator.add, "-": operator.sub, "*": operator.mul,
             "/": operator.truediv}[op](a, b)
        return Traced(v, (op, e, self.e) if swapped else (op, self.e, e), self.rec)

    def __add__(self, other: Any) -> Any:
        return self._arith(other, "+")

    def __radd__(self, other: Any) -> Any:
        return self._arith(other, "+", True)

    def __sub__(self, other: Any) -> Any:
        return self._arith(other, "-")

    def __rsub__(self, other: Any) -> Any:
        return self._arith(other, "-", True)

    def __mul__(self, other: Any) -> Any:
        return self._arith(other, "*")

    def __rmul__(self, other: Any) -> Any:
        return self._arith(other, "*", True)

    def __truediv__(self, other: Any) -> Any:
        return self._arith(other, "/")

    def __rtruediv__(self, other: Any) -> Any:
        return self._arith(other, "/", True)

    def __neg__(self) -> Traced:
        return Traced(-self.v, ("neg", self.e), self.rec)

    def __pos__(self) -> Traced:
        return self

    def __abs__(self) -> Traced:
        return Traced(abs(self.v), ("abs", self.e), self.rec)

    # ----- becoming a float: a constant of the graph, or something replay cannot follow ------

    def __float__(self) -> float:
        caller = sys._getframe(1)
        if caller.f_globals.get("__name__") == "stepgrad.value" and \
                caller.f_code.co_name == "as_float":
            # as_float hands this very float object to the operation (or Value()) that asked
            # for it, so the recorded graph can tell this constant from the others
            f = self.v * 1.0  # a new float object
            self.rec.constants[id(f)] = (f, self.e)
            return f
        self.rec.make_opaque("a number read from .data was turned into a float")
        return self.v

    def _opaque(self, what: str) -> float:
        self.rec.make_opaque(f"a number read from .data was used in {what}")
        return self.v

    def __int__(self) -> int:
        return int(self._opaque("int()"))

    def __round__(self, n: int | None = None) -> Any:
        return round(self._opaque("round()"), n)

    def __trunc__(self) -> int:
        return int(self._opaque("math.trunc()"))

    def __floor__(self) -> int:
        import math
        return math.floor(self._opaque("math.floor()"))

    def __ceil__(self) -> int:
        import math
        return math.ceil(self._opaque("math.ceil()"))

    def __hash__(self) -> int:
        return hash(self._opaque("a set or a dict key"))

    def __pow__(self, other: Any) -> Any:
        return self._opaque("**") ** (other.v if type(other) is Traced else other)

    def __rpow__(self, other: Any) -> Any:
        return other ** self._opaque("**")

    def __mod__(self, other: Any) -> Any:
        return self._opaque("%") % (other.v if type(other) is Traced else other)

    def __floordiv__(self, other: Any) -> Any:
        return self._opaque("//") // (other.v if type(other) is Traced else other)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._opaque(f".{name}"), name)

    # ----- text: the loop would print (or use) each sample's own text, so the batch runs per
    # sample (a debugging print then prints each sample's line, as the loop does) -------------

    def _text(self, what: str) -> float:
        """The number, for text: stepgrad's own messages (nn's too), or the learner's (then
        opaque)."""
        caller = sys._getframe(2)
        if caller.f_code in _FOR_CALLER:  # f"{v:.3f}" or repr(v) of a Value: who asked for it
            caller = caller.f_back
        if str(caller.f_globals.get("__name__")).startswith("stepgrad."):
            return self.v
        return self._opaque(what)

    def __repr__(self) -> str:
        return repr(self._text("repr()"))

    def __str__(self) -> str:
        return str(self._text("str() or print()"))

    def __format__(self, spec: str) -> str:
        return format(self._text("an f-string or format()"), spec)


Real.register(Traced)  # as_float and the argument checks of nn accept it as a number
