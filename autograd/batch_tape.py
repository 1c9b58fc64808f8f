"""A recorded graph as a tape: the table entries, exact constants and guards of one sample.

`build(root, inputs, rec)` turns the graph that one call of a batched function built (see
batch_trace.py) into a `Tape`: its nodes in an order that computes each after what it needs,
each one of

    ("in", k)                 number k of the sample's arguments (an input of the tape)
    ("leaf", j)               a Value that is the same for every sample (a parameter): params[j]
    ("expr", e)               a Value made from a number read from .data: computed per sample
    ("op", op, a, b, c)       the table entry `op` on nodes a (and b), with the constant c:
                              None, ("lit", float) or ("expr", e)

where an expression e is ("n", node index) | ("const", float) | (op, e1, e2) | ("neg", e) |
("abs", e). `back` lists the nodes of the output's own graph in the order `backward()` walks
it, so that replay adds the same products in the same order.
"""

from __future__ import annotations

from typing import Any

from stepgrad.backward import topological_order
from stepgrad.batch_trace import Recording
from stepgrad.ops import CONSTANT
from stepgrad.value import Value

__all__ = ["Tape", "build"]

# entries whose result can be finite when an input is not (relu(nan) = 0, tanh(inf) = 1, ...):
# replay checks their inputs, since the engine would have raised where the nan or inf began
PASS_NON_FINITE_ON = {"add", "add_c", "radd_c", "sub", "sub_c", "rsub_c", "neg", "mul",
                      "mul_c", "rmul_c", "div_c", "abs", "log", "leaky_relu"}


class Tape:
    """One recorded graph: see the module docstring."""

    __slots__ = ("entries", "root", "back", "params", "guards", "checks", "signature",
                 "inputs", "compiled")

    def __init__(self) -> None:
        self.entries: list[tuple] = []
        self.root = 0
        self.back: list[int] = []
        self.params: list[Value] = []
        self.guards: list[tuple[str, tuple, tuple, bool]] = []
        self.checks: list[int] = []  # nodes whose value must be finite (see PASS_NON_FINITE_ON)
        self.signature: tuple = ()
        self.inputs = 0
        self.compiled: dict[str, Any] = {}


def _refs(e: tuple, out: list[Value]) -> None:
    if e[0] == "node":
        out.append(e[1])
    elif e[0] != "const":
        for sub in e[1:]:
            _refs(sub, out)


def _recorded_constant(rec: Recording, c: object) -> tuple | None:
    hit = rec.constants.get(id(c))
    return hit[1] if hit is not None and hit[0] is c else None


def build(root: Value, inputs: list[Value], rec: Recording) -> Tape | str:
    """The tape of `root`'s graph, or a sentence saying why it cannot be replayed."""
    if rec.opaque:
        return rec.opaque
    data = Value.data.__get__  # the plain slot (recording is over)
    position = {id(v): k for k, v in enumerate(inputs)}

    def expression(v: Value) -> tuple | None:  # the expression a node's constant came from
        if v._in1 is None:
            return _recorded_constant(rec, data(v))
        if v._op is not None and v._op.kind == CONSTANT:
            return _recorded_constant(rec, v._local2)
        return None

    def needs(v: Value) -> list[Value]:
        deps: list[Value] = []
        if v._in1 is not None:
            deps.append(v._in1)
            if v._in2 is not None:
                deps.append(v._in2)
        e = expression(v)
        if e is not None:
            _refs(e, deps)
        return deps

    # every node the output or a guard needs, each after what it needs
    if rec.read or rec.constants:
        order = _order([root, *rec.read.values()], needs)
    else:  # no number was read from .data: the output's own graph, in backward()'s order
        order = topological_order(root)
    index = {id(v): k for k, v in enumerate(order)}

    tape = Tape()
    tape.inputs = len(inputs)
    param_index: dict[int, int] = {}
    checked: dict[int, bool] = {}  # id(op) -> must its inputs be finite?

    def convert(e: tuple) -> tuple:
        if e[0] == "node":
            return ("n", index[id(e[1])])
        if e[0] == "const":
            return e
        return (e[0], *(convert(sub) for sub in e[1:]))

    for node in order:
        if node._in1 is None:
            if node._op is not None:
                return ("a value in the graph was computed inside no_grad() (it has no inputs "
                        "to follow)")
            if id(node) in position:
                tape.entries.append(("in", position[id(node)]))
                continue
            e = expression(node)
            if e is not None:
                tape.entries.append(("expr", convert(e)))
                continue
            if id(node) not in param_index:
                param_index[id(node)] = len(tape.params)
                tape.params.append(node)
            tape.entries.append(("leaf", param_index[id(node)]))
            continue
        op = node._op
        if op.forward is None or op.grads is None:
            return (f"the graph has a node made by hand ('{op.name}'), which has no rule to "
                    "compute it again: make it an Op (see the README)")
        a = index[id(node._in1)]
        b = index[id(node._in2)] if node._in2 is not None else None
        c: tuple | None = None
        if op.kind == CONSTANT:
            e = expression(node)
            c = ("expr", convert(e)) if e is not None else ("lit", node._local2)
        tape.entries.append(("op", op, a, b, c))
        check = checked.get(id(op))
        if check is None:
            check = checked[id(op)] = (op.name not in PASS_NON_FINITE_ON
                                       or op.grads is not _builtin_grads(op))
        if check:
            tape.checks.append(a)
            if b is not None:
                tape.checks.append(b)
    tape.root = index[id(root)]
    tape.back = list(range(len(order))) if len(order) == len(index) and order[-1] is root \
        and not (rec.read or rec.constants) else [index[id(v)] for v in topological_order(root)]
    in_graph = set(tape.back)
    tape.checks.append(tape.root)
    tape.checks.extend(i for i, entry in enumerate(tape.entries)
                       if i not in in_graph or entry[0] == "expr")
    tape.checks = sorted(set(tape.checks))
    tape.guards = [(cmp, convert(a), convert(b), r) for cmp, a, b, r in rec.guards]
    tape.signature = (
        tuple((e[0], id(e[1]), e[2], e[3], e[4]) if e[0] == "op" else e for e in tape.entries),
        tuple(map(id, tape.params)), tuple(tape.guards), tape.root, tape.inputs,
    )
    return tape


def _builtin_grads(op: Any) -> Any:
    from stepgrad.ops import TABLE

    entry = TABLE.get(op.name)
    return entry.grads if entry is op else None


def _order(starts: list[Value], needs: Any) -> list[Value]:
    """Every node the starts need, each after what it needs (an explicit stack)."""
    index: set[int] = set()
    order: list[Value] = []
    for start in starts:
        if id(start) in index:
            continue
        stack = [(start, iter(needs(start)))]
        seen = {id(start)}
        while stack:
            node, todo = stack[-1]
            for dep in todo:
                if id(dep) not in index and id(dep) not in seen:
                    seen.add(id(dep))
                    stack.append((dep, iter(needs(dep))))
                    break
            else:
                stack.pop()
                index.add(id(node))
                order.append(node)
    return order
