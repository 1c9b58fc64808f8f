"""The backward pass, all of it.

1. `topological_order` lists every value the output depends on, inputs first, each after all
   the values it was computed from (an explicit stack, so a graph a million levels deep works).
2. `backward_edges` visits that list from the output back to the inputs. For each node it takes
   the node's gradient (the *upstream* gradient, final by now because every use of the node
   came later in the list) and, for each input, adds `local x upstream` into the input's grad.

`Value.backward()` runs the edges to the end; `BackwardPass` (stepping.py) runs the very same
generator one edge at a time, so stepping and `backward()` can never disagree.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from stepgrad.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every value `root` depends on (and root itself, last), inputs before their results."""
    order: list[Value] = []
    placed: set[Value | None] = {None}  # the values already in the order ("no input" too)
    stack = [root]
    while stack:
        node = stack[-1]
        if node._in1 not in placed:  # go down to the first input not yet placed
            stack.append(node._in1)
        elif node._in2 not in placed:
            stack.append(node._in2)
        else:  # all of node's inputs are placed, so node can follow them
            stack.pop()
            placed.add(node)
            order.append(node)
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
    """The whole pass at once: run every edge (deque(..., maxlen=0) just drains the generator)."""
    order = prepare(root, seed)
    deque(backward_edges(order), maxlen=0)
    for node in reversed(order):  # one look at the end, rather than one per edge
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
