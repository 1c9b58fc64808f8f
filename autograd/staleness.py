"""Is a graph still up to date? A common mistake, caught before it gives wrong gradients.

A graph holds the numbers of the moment it was built: each node's number, and the local
gradients its operation recorded. If a value it was built from changes later (its `.data` is
set, for example by `opt.step()`), the graph does not change with it: a backward pass through
it gives the gradients of the old numbers. The usual way to get there is to build the loss once,
before a training loop, and call `loss.backward()` inside it: the printed loss never moves and
the parameters run away. PyTorch refuses such a second pass; so does stepgrad.

A graph is up to date when every node's number, and each of its local gradients, is exactly
what its operation's rules give on its inputs' numbers now: the rules are the same functions
that built it, so the comparison is exact.

>>> from stepgrad import Value
>>> w = Value(0.5, label="w")
>>> loss = (w * 3.0 - 1.0) ** 2
>>> loss.backward()
>>> w.data = 0.4                      # what opt.step() does
>>> loss.backward()
Traceback (most recent call last):
    ...
RuntimeError: backward: the graph is out of date: 'w' changed after the graph was built ...
"""

from __future__ import annotations

from stepgrad.ops import BINARY, CONSTANT, FLOATS, MUL, is_builtin
from stepgrad.ops import show as _show
from stepgrad.value import Value


def first_out_of_date(order: list[Value]) -> Value | None:
    """The first node of `order` (inputs first) whose number or local gradients no longer
    follow from its inputs' numbers, or None when the whole graph is up to date.

    Only the engine's own operations are checked (a learner's own rules might not give the
    same number twice, or might be slow); a node made by hand has no rules to check with.
    """
    for node in order:
        op = node._op
        if node._in1 is None or op is None or not is_builtin(op):
            continue
        args, recorded = _rule_arguments(node)
        try:
            out = op.forward(*args)
            if out != node._data or tuple(op.grads(FLOATS, *args, out)) != recorded:
                return node
        except Exception:  # an input moved out of the operation's domain (log of a number < 0)
            return node
    return None


def _rule_arguments(node: Value) -> tuple[tuple, tuple]:
    """What the node's rules take now (its inputs' numbers, and its constant), and the local
    gradients it recorded when it was made."""
    op, a = node._op, node._in1
    if op.kind == BINARY:
        return (a._data, node._in2._data), (node._local1, node._local2)
    if op.kind == CONSTANT:
        return (a._data, node._local2), (node._local1,)
    return (a._data,), (node._local1,)


def _either(names: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def named(v: Value) -> str:
    """A value as this module's errors name it: its label, its number, or what made it."""
    if v.label:
        return repr(v.label)
    return f"the input holding {_show(v.data)}" if v._in1 is None else f"the result of '{v.op}'"


def out_of_date(action: str, node: Value) -> RuntimeError:
    """The error for a graph whose `node` no longer follows from its inputs.

    A product keeps its inputs' numbers as its local gradients, so for `*` exactly the input
    that moved is named (or the product itself, if none did). Otherwise its local gradients
    depend only on its inputs' numbers: if they no longer match, one of the inputs changed. If
    only its number no longer matches, a node with a label (a value a learner holds and may
    have set) is named with its inputs: 'w', 'x' or 'h' changed. An input that is computed is
    never the one: it passed the check before the node did.
    """
    inputs = [v for v in (node._in1, node._in2) if v is not None]
    op = node._op
    if op is MUL:  # a product keeps its inputs' numbers (d(a*b)/da = b): compare each one
        moved = [v for v, then in ((node._in1, node._local2), (node._in2, node._local1))
                 if v._data != then]
        return changed_after(action, _either(list(dict.fromkeys(map(named, moved or [node])))))
    args, recorded = _rule_arguments(node)
    try:
        inputs_changed = tuple(op.grads(FLOATS, *args, op.forward(*args))) != recorded
    except Exception:  # an input moved out of the domain: it changed
        inputs_changed = True
    # an input that is itself computed passed this check already (the order puts it first)
    leaves = [v for v in inputs if v._in1 is None]
    if inputs_changed:
        suspects = leaves or inputs
    else:
        suspects = leaves + ([node] if node.label or not leaves else [])
    return changed_after(action, _either(list(dict.fromkeys(map(named, suspects)))))


def changed_after(action: str, changed: str) -> RuntimeError:
    """The error for a result made before `changed` (a value's name) changed."""
    return RuntimeError(
        f"{action}: the graph is out of date: {changed} changed after the graph was built "
        "(its .data was set, for example by opt.step()). The graph still holds the numbers "
        "from before, so its gradients would be wrong. Build it again, then call "
        f"{action}() (in a training loop: compute the loss inside the loop, each time)."
    )


def check_up_to_date(order: list[Value], action: str) -> None:
    """Raise RuntimeError (see `out_of_date`) if a node of `order` is out of date."""
    node = first_out_of_date(order)
    if node is not None:
        raise out_of_date(action, node)
