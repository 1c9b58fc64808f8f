"""Focus on one value of a big graph: which values to draw around it.

Two questions, two pictures:

- "what is `v` made of?": `v` and its inputs up to `depth` operations back (`inputs_within`);
- "how does `w` get its gradient?": every value on a path from `w` to the output, the
  gradient's way back (`path_to_root`).

Either way, the other inputs of each operation drawn are shown too (their box only): the
local gradient on an edge often is one of them (d(a*b)/da = b).

>>> from stepgrad import Value
>>> from stepgrad.backward import topological_order
>>> a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
>>> ab = a * b; ab.label = "ab"
>>> out = ab + c; out.label = "out"
>>> order = topological_order(out)
>>> sorted(v.label for v in path_to_root(order, a))
['a', 'ab', 'out']
>>> sorted(v.label for v in inputs_within(out, 1))
['ab', 'c', 'out']
"""

from __future__ import annotations

import difflib

from stepgrad.value import Value, describe

__all__ = ["find_value", "inputs_within", "path_to_root", "with_side_inputs"]


def find_value(order: list[Value], names: dict[Value, str], focus: Value | str,
               who: str = "draw") -> Value:
    """The value `focus` names (a Value of the graph, or its label or drawn name such as 'v3'),
    or a clear error that names the function `who`."""
    if isinstance(focus, Value):
        if focus in names:
            return focus
        raise ValueError(f"{who}: focus={focus!r} is not part of the graph being drawn")
    if not isinstance(focus, str):
        raise TypeError(f"{who}: focus must be a Value or its label, got {describe(focus)}")
    for node in order:
        if names[node] == focus:
            return node
    for node in order:
        if node.label == focus:
            return node
    close = difflib.get_close_matches(focus, [names[v] for v in order], n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"{who}: focus: no value called {focus!r} in this graph{hint}")


def inputs_within(focus: Value, depth: int) -> set[Value]:
    """`focus` and every value at most `depth` operations before it."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be a whole number >= 0, got {depth!r}")
    shown = {focus}
    frontier = [focus]
    for _ in range(depth):
        frontier = [p for node in frontier for p in node._parents if p not in shown]
        if not frontier:  # every input is in: a larger depth adds nothing (depth=10**12)
            break
        shown.update(frontier)
    return shown


def path_to_root(order: list[Value], focus: Value) -> set[Value]:
    """`focus` and every value computed from it: each lies on a path from focus to the root
    (`order` is the root's topological order), the way the gradient flows back to focus."""
    on_path = {focus}
    start = order.index(focus)
    for node in order[start + 1:]:
        if node._in1 in on_path or node._in2 in on_path:
            on_path.add(node)
    return on_path


def with_side_inputs(core: set[Value]) -> tuple[set[Value], set[Value]]:
    """`core` plus the inputs of its operations that are not in it; returns (shown, side)."""
    side = {p for node in core for p in node._parents if p not in core}
    return core | side, side
