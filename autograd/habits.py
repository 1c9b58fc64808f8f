"""Habits from micrograd's video and from PyTorch that a Value does not follow, each with a hint.

A Value is a node of a graph, not a number. Python asks it for a number in many places:
`float(v)`, `math.exp(v)`, `round(loss, 4)`, `if loss < 0.01:`, `max(0, x)`, `sorted(values)`.
Python's own message there names no fix ("'<' not supported between instances of 'Value' and
'float'"), so each of these raises a TypeError that names the value, by the learner's label,
and says what to write instead: `loss.data` for the number, `x.exp()` or `x.relu()` to keep
the graph. `v._prev` (micrograd's inputs of a node) raises an AttributeError pointing to
`v.inputs`.

Why a comparison raises instead of comparing the numbers. `==` on Values is identity, as in
micrograd: a Value is a node, kept in sets and dicts by the engine and by learners. If `<=`
compared the numbers while `==` compares nodes, `a <= b and a >= b` could be true while
`a == b` is false. `batched` also relies on a Value compared with a number being an error,
as in its per-sample loop (autograd/batch_args.py). So the number is compared only when the
learner asks for it: `loss.data < 0.01`. And `float(v)` raises rather than give `v.data`:
`math.exp(v)` would then quietly give a float and cut the graph.

These methods live in a base class of `Value`, not in `Value` itself: while `batched` records,
it puts its own comparisons on `Value` (for the sample's arguments) and takes them away after,
which brings these back.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, NoReturn

from stepgrad.ops import show

__all__ = ["Habits"]


def _name(v: Any) -> str:
    """How a Value is named in these messages: its label, else its number."""
    return v.label if v.label else f"Value({show(v._data)})"


def _var(v: Any) -> str:
    """A name to write code with: the label if it is one, else `v`."""
    return v.label if v.label.isidentifier() else "v"


def _got(v: Any) -> str:
    """'the Value loss = 0.5' or 'a Value (0.5)'."""
    return f"the Value {v.label} = {show(v._data)}" if v.label else f"a Value ({show(v._data)})"


def _number(x: Any) -> str:
    try:
        return show(float(x))
    except (OverflowError, TypeError, ValueError):
        return "a number"


def _number_needed(what: str, hint: str) -> TypeError:
    """The TypeError for a Value where Python needs a number: `what`, then `hint`. The error
    keeps `what` alone as `without_hint`, for a message that gives a hint of its own (a
    derivative rule run on Values: autograd/rule_errors.py)."""
    error = TypeError(f"{what}. {hint}")
    error.without_hint = what  # type: ignore[attr-defined]
    return error


def _compare(a: Any, op: str, b: Any) -> Any:
    """The error for `a op b` where a is a Value (b a Value or a number)."""
    b_value = isinstance(b, Habits)
    if not b_value and not isinstance(b, Real):  # bools are Real too
        return NotImplemented  # another type may know how (else Python's own TypeError)
    left, right = _name(a), (_name(b) if b_value else _number(b))
    if b_value:
        what = f"{left} and {right} are Values" if a.label and b.label else "both are Values"
        what += " (nodes of the graph), not numbers"
        x, y = _var(a), _var(b)
        if x == y:  # two values without a usable name
            x, y = ("a", "b") if x == "v" else (x, y)
        numbers = f"{x}.data {op} {y}.data"
    else:
        what = (f"{left} is a Value" if a.label else "it is a Value") + \
            " (a node of the graph), not a number"
        numbers = f"{_var(a)}.data {op} {right}"
    raise TypeError(
        f"cannot compare {left} {op} {right}: {what}. "
        f"Compare the numbers: {numbers}. For max(0, x) use x.relu() or x.max(0), which keep "
        "the graph; to sort Values, use sorted(values, key=lambda v: v.data)"
    )


class Habits:
    """The part of `Value` that answers habits it does not follow with a hint (see above)."""

    __slots__ = ()

    def __lt__(self, other: Any) -> Any:
        return _compare(self, "<", other)

    def __le__(self, other: Any) -> Any:
        return _compare(self, "<=", other)

    def __gt__(self, other: Any) -> Any:
        return _compare(self, ">", other)

    def __ge__(self, other: Any) -> Any:
        return _compare(self, ">=", other)

    def __float__(self) -> NoReturn:
        """Raises: `float(v)` or `math.exp(v)` would lose the graph; use `v.data` or `v.exp()`."""
        x = _var(self)
        raise _number_needed(
            f"a plain number is needed here (float(), math.exp(), ...), but got {_got(self)}",
            f"Use {x}.data (or {x}.item()) for its number, or {x}.exp(), {x}.log(), {x}.tanh() "
            "to keep the graph")

    def __int__(self) -> NoReturn:
        """Raises: use `int(v.data)`."""
        raise _number_needed(f"int() needs a plain number, but got {_got(self)}",
                             f"Use int({_var(self)}.data)")

    def __round__(self, digits: int | None = None) -> NoReturn:
        """Raises: use `round(v.data, 4)`, or `f"{v:.4f}"` to show 4 digits."""
        x = _var(self)
        what = f"round() needs a plain number, but got {_got(self)}"
        if digits is None:
            raise _number_needed(what, f"Round its number: round({x}.data)")
        raise _number_needed(what, f"Round its number: round({x}.data, {digits!r}); to show "
                                   f"{digits!r} digits, f\"{{{x}:.{digits!r}f}}\"")

    @property
    def _prev(self) -> NoReturn:
        """micrograd's inputs of a node: raises an AttributeError that points to `.inputs`."""
        raise AttributeError(
            "a Value has no _prev (micrograd's name): use v.inputs for the values it was "
            "computed from, v.op for the text of its operation, and stepgrad.draw(v) to draw "
            "the graph"
        )
