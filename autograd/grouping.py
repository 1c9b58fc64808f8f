"""Group the values of a big graph by the model's structure: one box per neuron or per layer.

Parameters and neuron outputs carry dotted names (`L1.n2.w1`, `L1.n2.s`, `L1.n2`: layer 1,
neuron 2). A labelled value with a dotted name belongs to the group named by the first two
parts of its name (by neuron: `L1.n2`) or by the first part (by layer: `L1`). Nothing is
stored on the values: the rest is inferred from the graph, from the output back to the inputs:

- an unlabelled value whose every user (the values computed from it) is in one group joins
  that group: the products and partial sums inside a neuron join the neuron, and the terms of
  a loss join the loss;
- unlabelled inputs used by several groups (the data points) form the group `inputs`;
- every other value (a labelled value without a dot such as `x1` or `loss`, or an unlabelled
  value used by several groups) is a group of its own.

A neuron called on 100 samples is one group: its box covers all 100 calls.

>>> from stepgrad.nn import MLP
>>> from stepgrad.backward import topological_order
>>> model = MLP(2, [2, 1], activation="tanh", seed=0)
>>> loss = (model([1.0, 2.0]) - 1) ** 2; loss.label = "loss"
>>> g = Grouping(topological_order(loss), "neuron")
>>> [group.name for group in g.groups]
['L1.n1', 'L1.n2', 'L2.n1', 'loss']
>>> g.group_of[model.layers[0].neurons[1].w[0]].name
'L1.n2'
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from stepgrad.stepping import node_names, short
from stepgrad.value import Value, describe
from stepgrad.words import plural

__all__ = ["MODES", "Group", "Grouping", "check_expand", "expand_names", "module_key",
           "range_text"]

MODES = ("neuron", "layer")


def module_key(label: str, mode: str) -> str | None:
    """The group a label names ('L1.n2.w1' -> 'L1.n2' by neuron, 'L1' by layer), or None
    for a label without a dot.

    >>> module_key("L1.n2.w1", "neuron"), module_key("L1.n2", "layer"), module_key("x1", "neuron")
    ('L1.n2', 'L1', None)
    """
    parts = label.split(".")
    if len(parts) < 2 or not all(parts):
        return None
    return ".".join(parts[:2]) if mode == "neuron" else parts[0]


def range_text(numbers: list[float]) -> str:
    """'3' for one number (or all equal as shown), 'lo .. hi' for several.

    >>> range_text([0.5]), range_text([2.0, -1.0, 0.25])
    ('0.5', '-1 .. 2')
    """
    lo, hi = short(min(numbers)), short(max(numbers))
    return lo if lo == hi else f"{lo} .. {hi}"


@dataclass(eq=False)
class Group:
    """One box of a grouped drawing: its name, its values (in forward order) and its outputs
    (the values computed in it that are used outside it, or the root; its parameters only
    when it computes nothing)."""

    name: str
    index: int
    members: list[Value] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)

    @property
    def box_id(self) -> str:
        """The id of the group's box in a drawing: 'g0', 'g1', ..."""
        return f"g{self.index}"

    def data_text(self) -> str:
        """The data of the group's output(s): one number, or the range over all of them."""
        return range_text([v.data for v in self.outputs])

    def grad_text(self, reached: set[Value] | None = None,
                  gradient: Callable[[Value], float | None] | None = None) -> str:
        """The gradient of the group's output(s), '?' when no backward pass reached them.

        reached: the values a running BackwardPass has reached (None: use `grad_computed`).
        gradient: where a value's gradient is read (a pass's `gradient`; default: the graph).
        """
        read = gradient if gradient is not None else (lambda v: v._grad)
        shown = [read(v) for v in self.outputs if reached is None or v in reached]
        got = [g for g in shown if g is not None]
        if not got:
            return "?"
        text = range_text(got)
        if len(got) < len(self.outputs):
            text += f" ({len(got)} of {len(self.outputs)})"
        return text

    def size_text(self) -> str:
        """'17 values' or '1,700 values, 100 outputs'."""
        text = plural(len(self.members), "value")
        if len(self.outputs) > 1:
            text += f", {len(self.outputs):,} outputs"
        return text


class Grouping:
    """Every value of `order` (a topological order, root last) assigned to one Group.

    mode: 'neuron' or 'layer'. names: the names the drawing uses (node_names by default).
    Attributes: groups (in the forward order of their first value), group_of (value -> Group).
    """

    def __init__(self, order: list[Value], mode: str,
                 names: dict[Value, str] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"Grouping: mode must be 'neuron' or 'layer', got {mode!r}")
        self.mode = mode
        names = names if names is not None else node_names(order)
        root = order[-1]
        users: dict[Value, list[Value]] = {}
        for node in order:
            for parent in node._parents:
                users.setdefault(parent, []).append(node)
        key_of: dict[Value, str] = {}
        for node in reversed(order):  # every user of a node comes after it in `order`
            key = module_key(node.label, mode) if node.label else None
            if key is None:
                if node is root or node.label:
                    key = names[node]
                else:
                    keys = {key_of[u] for u in users.get(node, ())}
                    if len(keys) == 1:
                        key = keys.pop()
                    elif node._in1 is None:
                        key = "inputs"
                    else:
                        key = names[node]
            key_of[node] = key
        by_key: dict[str, Group] = {}
        self.group_of: dict[Value, Group] = {}
        for node in order:
            key = key_of[node]
            group = by_key.get(key)
            if group is None:
                group = by_key[key] = Group(key, len(by_key))
            group.members.append(node)
            self.group_of[node] = group
        for group in by_key.values():
            outs = [m for m in group.members
                    if m is root or any(key_of[u] != group.name for u in users.get(m, ()))]
            group.outputs = [m for m in outs if m._in1 is not None] or outs or group.members[-1:]
        position = {node: i for i, node in enumerate(order)}
        # in the forward order of their first output: inputs, layer 1, layer 2, ..., the loss
        self.groups = sorted(by_key.values(), key=lambda g: position[g.outputs[0]])
        for i, group in enumerate(self.groups):
            group.index = i
        self.by_name = by_key

    def find(self, name: str) -> Group:
        """The group called `name`, or a KeyError that lists a few of the names there are."""
        try:
            return self.by_name[name]
        except KeyError:
            raise KeyError(
                f"expand: no group called {name!r} when grouping by {self.mode}; "
                f"{self.some_names(name)}"
            ) from None

    def some_names(self, wrong: str = "") -> str:
        """For an error about a group name that is not there: the names closest to `wrong`,
        then the first few names there are ("did you mean 'L1.n2'? groups are ...")."""
        some = ", ".join(repr(g.name) for g in self.groups[:8])
        if len(self.groups) <= 8:
            return f"the groups are {some}"
        close = difflib.get_close_matches(wrong, list(self.by_name), n=3) if wrong else []
        first = f"the first groups are {some}, ... ({len(self.groups):,} in all)"
        if not close:
            return first
        return f"did you mean {', '.join(repr(c) for c in close)}? {first[0].upper()}{first[1:]}"


def expand_names(expand: object, who: str = "draw") -> set[str]:
    """The group names `expand` gives (one name, or a list of names), or a clear TypeError
    that names the function `who`."""
    if expand is None:
        return set()
    if isinstance(expand, str):
        return {expand}
    if not isinstance(expand, Iterable) or isinstance(expand, (bytes, bytearray)):
        raise TypeError(f"{who}: expand must be a group name such as 'L1.n2', or a list of "
                        f"names (or None), got {describe(expand)}")
    names = set()
    for name in expand:
        if not isinstance(name, str):
            raise TypeError(f"{who}: expand must hold group names such as 'L1.n2', got "
                            f"{describe(name)} in it")
        names.add(name)
    return names


def check_expand(grouping: Grouping, names: set[str], who: str = "draw") -> None:
    """A clear ValueError if a name in `names` is not a group of `grouping`; it lists a few
    of the names there are."""
    for name in sorted(names):
        if name not in grouping.by_name:
            raise ValueError(f"{who}: expand={name!r} is not a group (grouping by "
                             f"{grouping.mode}); {grouping.some_names(name)}")
