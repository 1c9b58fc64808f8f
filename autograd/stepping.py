"""Step through the backward pass in a REPL, one edge at a time.

>>> from stepgrad import Value
>>> n = Value(0.8814, label="n")
>>> h = n.tanh(); h.label = "h"
>>> steps = h.backward_steps()
>>> next(steps)
h = tanh(n): upstream 1 x local 0.5 -> n.grad += 0.5 (now 0.5)
>>> steps.done
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from stepgrad.backward import backward_edges, check_gradient, prepare
from stepgrad.value import Number, Value, as_float


def short(x: float) -> str:
    """A number as a learner wants to read it: 4 significant digits, and 0 never as -0."""
    return f"{x + 0.0:.4g}"  # -0.0 + 0.0 is 0.0


def node_names(order: list[Value]) -> dict[Value, str]:
    """A short, unique name for every value: its label, or v1, v2, ... in forward order.

    A label used twice gets a suffix (w, w#2) so that every line names one value only.
    """
    names: dict[Value, str] = {}
    used: set[str] = set()
    unnamed = 0
    for node in order:
        if node.label:
            name, k = node.label, 1
            while name in used:
                k += 1
                name = f"{node.label}#{k}"
        else:
            unnamed += 1
            name = f"v{unnamed}"
            while name in used:
                name += "'"
        used.add(name)
        names[node] = name
    return names


def formula(node: Value, names: dict[Value, str]) -> str:
    """How a value was computed, written with the names of its inputs: 'a * b', 'tanh(n)'.

    The text comes from the node's entry in the table of operations (autograd/ops.py).
    """
    args = [names[p] for p in node._parents]
    if not args:
        return names[node]
    return node._op.formula(args, node.constant)


@dataclass(frozen=True)
class BackwardStep:
    """One edge of the backward pass: `upstream x local` added into the input's gradient.

    Attributes: index (1 for the first step), node (the value whose gradient flows back),
    input (the value it was computed from), upstream (d output / d node), local
    (d node / d input), contribution (upstream x local), input_grad (the input's gradient
    after this step), and the names used to print it.
    """

    index: int
    node: Value
    input: Value
    upstream: float
    local: float
    contribution: float
    input_grad: float
    node_name: str
    input_name: str
    formula: str

    def __repr__(self) -> str:
        return (
            f"{self.node_name} = {self.formula}: upstream {short(self.upstream)} x local "
            f"{short(self.local)} -> {self.input_name}.grad += {short(self.contribution)} "
            f"(now {short(self.input_grad)})"
        )

    def _repr_html_(self) -> str:  # how a notebook shows it (stepgrad/display.py)
        from stepgrad.display import step_html
        return step_html(self)


class BackwardPass:
    """The backward pass of `root` as an iterator of `BackwardStep`s, in backward()'s order.

    Creating it starts the pass (intermediate gradients are reset, root's gradient is seeded);
    each `next()` applies one edge. Running it to the end leaves exactly the gradients
    `root.backward()` leaves, because both run the same generator (autograd/backward.py).

    >>> from stepgrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> p = c.backward_steps()
    >>> len(p)
    2
    >>> for step in p: print(step)
    c = a * b: upstream 1 x local -3 -> a.grad += -3 (now -3)
    c = a * b: upstream 1 x local 2 -> b.grad += 2 (now 2)
    """

    def __init__(self, root: Value, grad: Number = 1.0) -> None:
        seed = as_float(grad, "backward_steps(grad)")
        self.root = root
        self.order = prepare(root, seed)
        self.names = node_names(self.order)
        self.steps: list[BackwardStep] = []
        self.reached: set[Value] = {root}
        self.total = sum(len(node._parents) for node in self.order)
        self._edges = backward_edges(self.order)

    def __iter__(self) -> Iterator[BackwardStep]:
        return self

    def __next__(self) -> BackwardStep:
        node, parent, upstream, local = next(self._edges)
        check_gradient(parent)
        self.reached.add(parent)
        step = BackwardStep(
            index=len(self.steps) + 1,
            node=node,
            input=parent,
            upstream=upstream,
            local=local,
            contribution=local * upstream,
            input_grad=parent._grad,
            node_name=self.names[node],
            input_name=self.names[parent],
            formula=formula(node, self.names),
        )
        self.steps.append(step)
        return step

    def __len__(self) -> int:
        """The number of steps (edges) in the whole pass."""
        return self.total

    @property
    def done(self) -> bool:
        """True when every edge has been applied."""
        return len(self.steps) == self.total

    @property
    def current(self) -> BackwardStep | None:
        """The step applied last (None before the first)."""
        return self.steps[-1] if self.steps else None

    def name(self, value: Value) -> str:
        """The name this pass uses for `value`."""
        return self.names[value]

    def run(self) -> list[BackwardStep]:
        """Apply every remaining step; returns the whole list of steps."""
        for _ in self:
            pass
        return self.steps

    def table(self) -> str:
        """The whole pass (run to the end if needed) as a table, one row per step."""
        self.run()
        header = ("step", "node = formula", "input", "upstream", "local", "contribution",
                  "input grad")
        rows = [
            (str(s.index), f"{s.node_name} = {s.formula}", s.input_name, short(s.upstream),
             short(s.local), short(s.contribution), short(s.input_grad))
            for s in self.steps
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in [header, *rows]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        from stepgrad.display import StepTable  # a str that a notebook shows as a table
        return StepTable("\n".join(lines), self.steps)

    def __repr__(self) -> str:
        where = self.current if self.current else "not started"
        progress = f"step {len(self.steps)}/{self.total}"
        return f"<BackwardPass of {self.names[self.root]}: {progress}: {where}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:  # notebooks: display.py
        from stepgrad.display import pass_mimebundle
        return pass_mimebundle(self, include, exclude)


def print_backward(root: Value, grad: Number = 1.0) -> None:
    """Run the backward pass of `root` and print it as a table, one line per edge.

    >>> from stepgrad import Value
    >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
    >>> print_backward(y)
    step  node = formula  input  upstream  local  contribution  input grad
    ----  --------------  -----  --------  -----  ------------  ----------
    1     y = x * x       x      1         3      3             3
    2     y = x * x       x      1         3      3             6
    """
    print(BackwardPass(root, grad).table())
