"""The backward pass, all of it.

1. `topological_order` lists every value the output depends on, inputs first, each after all
   the values it was computed from (an explicit stack, so a graph a million levels deep works).
2. `backward_edges` visits that list from the output back to the inputs. For each node it takes
   the node's gradient (the *upstream* gradient, final by now because every use of the node
   came later in the list) and, for each input, adds `local x upstream` into the input's grad.

`BackwardPass` (stepping.py) runs that generator one edge at a time; `Value.backward()` runs
the same arithmetic in one tight loop (`run_backward`), and a test checks that both leave
bit-identical gradients.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from stepgrad.value import Value

_grad_of = attrgetter("_grad")


def topological_order(root: Value) -> list[Value]:
    """Every value `root` depends on (and root itself, last), inputs before their results."""
    order: list[Value] = []
    placed: set[Value | None] = {None}  # the values already in the order ("no input" too)
    stack = [root]
    push, pop, place, append = stack.append, stack.pop, placed.add, order.append
    # `while True` rather than `while stack`: on CPython 3.11 a loop whose test is at its
    # bottom is only specialised for speed from the 8th call of the function on, while a loop
    # that jumps back unconditionally is specialised during its very first call.
    while True:
        node = stack[-1]
        if node._in1 not in placed:  # go down to the first input not yet placed
            push(node._in1)
        elif node._in2 not in placed:
            push(node._in2)
        else:  # all of node's inputs are placed, so node can follow them
            pop()
            place(node)
            append(node)
            if not stack:
                return order


def prepare(root: Value, seed: float) -> list[Value]:
    """Reset intermediate gradients to 0 (leaves keep theirs: they accumulate) and seed root."""
    order = topological_order(root)
    for node in order:
        if node._in1 is not None or node._grad is None:
            node._grad = 0.0
    root._grad += seed
    return order


def backward_edges(order: list[Value]) -> Iterator[tuple[Value, Value, float, float]]:
    """Apply the chain rule edge by edge, yielding (node, input, upstream, local) after each."""
    for node in reversed(order):
        upstream = node._grad
        parent = node._in1
        if parent is None:  # an input or a parameter: nothing flows further back
            continue
        parent._grad += node._local1 * upstream
        yield node, parent, upstream, node._local1
        parent = node._in2
        if parent is not None:
            parent._grad += node._local2 * upstream
            yield node, parent, upstream, node._local2


def run_backward(root: Value, seed: float = 1.0) -> None:
    """The whole pass at once: the same arithmetic as `backward_edges`, in a tight loop."""
    order = prepare(root, seed)
    for node in reversed(order):
        parent = node._in1
        if parent is None:  # an input or a parameter: nothing flows further back
            continue
        upstream = node._grad
        parent._grad += node._local1 * upstream
        parent = node._in2
        if parent is not None:
            parent._grad += node._local2 * upstream
    # One look at the end, rather than one per edge: the sum (computed in C) is nan or inf if
    # any gradient is; only then look for the first one, from the output back.
    total = sum(map(_grad_of, order))
    if total - total != 0.0:
        for node in reversed(order):
            check_gradient(node)


def check_gradient(node: Value) -> None:
    """Raise OverflowError if a gradient grew too large for a float (inf, or nan from inf x 0)."""
    g = node._grad
    if g is not None and g - g != 0.0:  # true only for nan and +-inf
        if node.label:
            what = repr(node.label)
        else:
            what = f"the result of '{node.op}'" if node._op else "an unlabelled input"
        raise OverflowError(
            f"backward: the gradient of {what} (data {node.data:.6g}) became {g}, too large "
            "for a float. Values this large usually mean training diverged: try a smaller "
            "learning rate."
        )
