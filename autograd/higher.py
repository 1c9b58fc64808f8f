"""`grad()`: gradients as Values, with a graph of their own when asked, so that they can be
differentiated again (second, third, n-th derivatives; Newton's method; double backprop).

It walks the graph like `backward()` (autograd/backward.py), from the output back to the
inputs, but it keeps every gradient in a dictionary instead of `.grad` (no `.grad` changes),
and with `create_graph=True` it computes each local gradient by running the node's derivative
rule from the table of operations (autograd/ops.py) on the nodes themselves: the rule that
gives `1 - out * out` as a float for tanh here builds the nodes `out * out` and `1 - (...)`.
Those nodes are ordinary Values: step through them, draw them, or differentiate them again.

Why not `backward(create_graph=True)`, as PyTorch has? `.grad` holds a float in stepgrad and
stays one (every table, drawing and optimiser reads it as a number), so a gradient with a
graph needs somewhere else to live: the Values that `grad()` returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

from stepgrad.backward import check_has_graph, topological_order
from stepgrad.grad_mode import enable_grad
from stepgrad.ops import BINARY, CONSTANT, UNARY, is_builtin
from stepgrad.ops import show as _show
from stepgrad.rule_errors import rule_failed
from stepgrad.staleness import check_up_to_date
from stepgrad.value import VALUES, Value, describe, is_bool

__all__ = ["grad"]


def grad(
    output: Value,
    inputs: Value | Iterable[Value],
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Value | None, ...]:
    """The gradients of `output` with respect to each of `inputs`, as Values (a tuple).

    As PyTorch's `torch.autograd.grad`: nothing's `.grad` changes; with `create_graph=False`
    each gradient is a plain Value (an input, no graph); with `create_graph=True` it is the
    result of a graph built from the derivative rules, so it can be differentiated again.
    An input that `output` does not depend on is an error, or None with `allow_unused=True`.
    `inputs` must hold at least one Value, and `create_graph` and `allow_unused` must be True
    or False.

    `create_graph=True` records the gradient's graph even inside `no_grad()`, as PyTorch does
    (there, grad mode is on while the gradient is built); the grad mode around the call is the
    same afterwards, also after an error. `create_graph=False` builds no graph anywhere.

    >>> from stepgrad import Value, grad
    >>> x = Value(2.0, label="x")
    >>> y = x ** 4 - 2 * x ** 2
    >>> (dy,) = grad(y, x, create_graph=True)     # 4x^3 - 4x
    >>> (d2y,) = grad(dy, x)                      # 12x^2 - 4
    >>> dy.data, d2y.data, x.grad_computed
    (24.0, 44.0, False)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__} {output!r}")
    if isinstance(inputs, (Mapping, Set, str)) or not isinstance(inputs, (Value, Iterable)):
        # a set or dict has no order of the learner's: the results would come back mixed up
        raise TypeError(
            "grad: inputs must be a Value or a list of Values in a fixed order (such as "
            f"[a, b]), got {describe(inputs)}"
        )
    wanted = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(
                f"grad: input {i + 1} must be a Value, got {type(x).__name__} {x!r}"
            )
    if not wanted:
        raise ValueError(
            "grad: inputs is empty; pass the Values you want the gradients for, such as [a, b]"
        )
    create_graph = _flag("create_graph", create_graph)
    allow_unused = _flag("allow_unused", allow_unused)
    check_has_graph(output, "grad", "the output")
    if create_graph:
        with enable_grad():  # as torch: the gradient's graph is recorded even inside no_grad()
            return _gradients(output, wanted, True, allow_unused)
    return _gradients(output, wanted, False, allow_unused)


def _flag(name: str, x: object) -> bool:
    """x as a bool: True or False (also numpy's bool), not any truthy object such as "yes"."""
    if isinstance(x, bool) or is_bool(x):
        return bool(x)
    raise TypeError(f"grad: {name} must be True or False, got {describe(x)}")


def _gradients(
    output: Value, wanted: tuple[Value, ...], create_graph: bool, allow_unused: bool
) -> tuple[Value | None, ...]:
    """grad() once its arguments are checked: the chain rule, then one result per input."""
    order = topological_order(output)
    check_up_to_date(order, "grad")  # never the derivatives of old numbers (staleness.py)
    grads = _graph_gradients(order) if create_graph else _float_gradients(order)
    result: list[Value | None] = []
    made_before = set(order) if create_graph else set()
    for i, x in enumerate(wanted):
        g = grads.get(x)
        if g is None:
            if not allow_unused:
                name = f"'{x.label}'" if x.label else f"input {i + 1} (data {_show(x.data)})"
                raise ValueError(
                    f"grad: the output does not depend on {name}; pass allow_unused=True to "
                    "get None for it"
                )
            result.append(None)
        elif isinstance(g, Value):
            # never hand back a node of the original graph itself (d(x*w)/dx is w): a copy
            result.append(g * 1.0 if g in made_before else g)
        else:
            if g - g != 0.0:  # true only for nan and +-inf
                raise OverflowError(
                    f"grad: the gradient for {x.label or f'input {i + 1}'} became {g}, too "
                    "large for a float"
                )
            result.append(Value(g))
    return tuple(result)


def _float_gradients(order: list[Value]) -> dict[Value, float]:
    """The chain rule on the recorded local gradients, as backward() does it, into a dict."""
    grads: dict[Value, float] = {order[-1]: 1.0}
    for node in reversed(order):
        parent = node._in1
        if parent is None:
            continue
        upstream = grads[node]
        grads[parent] = grads.get(parent, 0.0) + node._local1 * upstream
        parent = node._in2
        if parent is not None:
            grads[parent] = grads.get(parent, 0.0) + node._local2 * upstream
    return grads


def _graph_gradients(order: list[Value]) -> dict[Value, Any]:
    """The chain rule with every local gradient rebuilt by its rule as a graph of Values.

    A gradient is kept as a float while it is a constant (the seed 1, or a sum of constants)
    and becomes a Value as soon as it depends on an input, so the graph has no `* 1` nodes.
    """
    grads: dict[Value, Any] = {order[-1]: 1.0}
    for node in reversed(order):
        parent = node._in1
        if parent is None:
            continue
        op = node._op
        if op.grads is None:
            raise TypeError(
                f"grad(create_graph=True): '{op.name}' was made by hand with fixed local "
                "gradients and has no derivative rule, so its gradient cannot be "
                "differentiated again; define it as stepgrad.Op(name, forward, grads)"
            )
        try:
            if op.kind == BINARY:
                locals_ = op.grads(VALUES, parent, node._in2, node)
            elif op.kind == CONSTANT:
                locals_ = op.grads(VALUES, parent, node._local2, node)
            else:
                locals_ = op.grads(VALUES, parent, node)
        except Exception as error:  # a learner's own rule failed on Values: say which, and why
            if is_builtin(op):  # (an overflow of the engine's own rule has its own message)
                raise
            operands = (parent,) if op.kind == UNARY else (
                parent, node._in2 if op.kind == BINARY else node._local2)
            raise rule_failed(op, "grads", operands, error, create_graph=True) from error
        upstream = grads[node]
        for parent, local in zip(node._parents, locals_, strict=True):
            contribution = _times(upstream, local)
            if parent in grads:
                grads[parent] = _plus(grads[parent], contribution)
            else:
                grads[parent] = contribution
    return grads


def _times(a: Any, b: Any) -> Any:
    """a * b, where either may be a plain number: no node for * 1, * -1 or * 0."""
    if type(a) is not Value:
        a, b = b, a  # a constant, if there is one, is now b
    if type(a) is not Value:
        return a * b
    if b == 1.0:
        return a
    if b == -1.0:
        return -a
    if b == 0.0:
        return 0.0
    return a * b


def _plus(a: Any, b: Any) -> Any:
    """a + b, where either may be a plain number: no node for + 0."""
    if type(b) is not Value and b == 0.0:
        return a
    if type(a) is not Value and a == 0.0:
        return b
    return a + b
