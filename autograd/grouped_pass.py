"""Step through the backward pass of a big graph one group at a time.

A `GroupedPass` runs the very same `BackwardPass` (so the same gradients, in the same order),
but each `next()` applies the next edges out of one group in a row: the edges through which
the gradient flows back through neuron `L2.n3`, then the next group. The edges come in
backward()'s own order, so a neuron's edges may come in a few pieces (its output first, the
rest after the neuron that feeds it). Each step says which boxes the gradient reached and
their gradient now (a box shows its output(s): the range over all outputs reached so far).
Values drawn on their own (a group of one value, or a group named in `expand`) still step
one edge at a time.

>>> from stepgrad.nn import MLP
>>> model = MLP(2, [2, 1], activation="tanh", seed=0)
>>> loss = (model([1.0, 2.0]) - 1) ** 2; loss.label = "loss"
>>> gp = GroupedPass(loss, "neuron")
>>> next(gp)
loss: 2 edges -> L2.n1 grad -1.65
>>> print(gp.table())
step  through  edges  gradient reaches
----  -------  -----  ----------------------------------------
1     loss     2      L2.n1 grad -1.65
...   steps 2-5 are not done yet: next() does them one at a time
2     L2.n1    6      L1.n2 grad 0.3138
3     L1.n2    7      (inside L1.n2 only)
4     L2.n1    2      L1.n1 grad -0.03721
5     L1.n1    7      (inside L1.n1 only)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from stepgrad.backward import topological_order
from stepgrad.bounded import ROWS, StepList, check_limit, hidden_text, shown_rows
from stepgrad.grouping import MODES, Group, Grouping, check_expand, expand_names
from stepgrad.stepping import (
    BackwardPass,
    BackwardStep,
    node_names,
    not_done_note,
    short,
    text_table,
)
from stepgrad.value import Number, Value, as_float
from stepgrad.words import plural

__all__ = ["GroupStep", "GroupedPass"]


@dataclass(frozen=True)
class GroupStep:
    """One step of a GroupedPass: the edges applied through one box, and where they led.

    Attributes: index (1 for the first), name and box (the name and drawing id of the box the
    gradient flowed back through), steps (the BackwardSteps applied, in order), reached
    ((box id, name, grad text) of every other box whose gradient changed, grad text as after
    this step).
    """

    index: int
    name: str
    box: str
    steps: tuple[BackwardStep, ...]
    reached: tuple[tuple[str, str, str], ...]

    def __repr__(self) -> str:
        if len(self.steps) == 1 and self.box.startswith("n"):
            return repr(self.steps[0])
        into = "; ".join(f"{name} grad {text}" for _, name, text in self.reached[:4])
        if len(self.reached) > 4:
            into += f"; and {len(self.reached) - 4} more"
        edges = plural(len(self.steps), "edge")
        return f"{self.name}: {edges} -> {into or f'(inside {self.name} only)'}"


class GroupedPass:
    """The backward pass of `root`, one group (neuron, layer) at a time; see the module.

    group: 'neuron' or 'layer'; expand: group name(s) whose edges step one by one.
    Attributes: grouping (the Grouping), backward_pass (the BackwardPass it runs),
    steps (the GroupSteps so far), total (how many there are in all).
    """

    def __init__(self, root: Value, group: str = "neuron", grad: Number = 1.0, *,
                 expand: str | Iterable[str] | None = None, aside: bool = False) -> None:
        # the arguments are checked before the pass starts (starting it ends a live pass)
        if not isinstance(group, str) or group not in MODES:
            raise ValueError(f"GroupedPass: group must be 'neuron' or 'layer', got {group!r}")
        expanded = expand_names(expand, "GroupedPass")
        if aside:  # for a view: computed in a record of its own, the graph is never touched
            if not isinstance(root, Value):
                raise TypeError(f"GroupedPass: expected a Value, got {type(root).__name__}")
            self.backward_pass = BackwardPass._aside(root, as_float(grad, "GroupedPass(grad)"))
        else:
            if expanded and isinstance(root, Value):  # the names, on the graph as it is
                order = topological_order(root)
                check_expand(Grouping(order, group, node_names(order)), expanded, "GroupedPass")
            self.backward_pass = BackwardPass(root, grad)
        order, names = self.backward_pass.order, self.backward_pass.names
        self.grouping = Grouping(order, group, names)
        check_expand(self.grouping, expanded, "GroupedPass")
        self.expand = expanded
        self._index = {node: i for i, node in enumerate(order)}
        self._names = names
        self.runs = self._runs(order)
        self.total = len(self.runs)
        self.steps: list[GroupStep] = StepList()  # its repr stays short

    def collapsed(self, node: Value) -> Group | None:
        """The collapsed group whose box shows `node`, or None if it is drawn on its own."""
        group = self.grouping.group_of[node]
        if group.name in self.expand or len(group.members) == 1:
            return None
        return group

    def box(self, node: Value) -> str:
        """The drawing id of the box showing `node` ('g<j>' or 'n<i>', as in draw())."""
        group = self.collapsed(node)
        return group.box_id if group is not None else f"n{self._index[node]}"

    def box_text(self, node: Value) -> str:
        """The gradient text the box showing `node` shows now."""
        # the pass's gradient, None for "grad ?": not reached yet, unless it is an input or a
        # parameter that holds a gradient from an earlier pass (backward.py)
        group = self.collapsed(node)
        if group is not None:
            return group.grad_text(None, self.backward_pass.gradient)
        g = self.backward_pass.gradient(node)
        return "?" if g is None else short(g)

    def _runs(self, order: list[Value]) -> list[tuple[Value, int]]:
        """(a node of the run, number of edges) for each step: consecutive edges out of one
        collapsed group, or a single edge (the order of backward_edges, known in advance)."""
        runs: list[tuple[Value, int]] = []
        last: Group | None = None
        for node in reversed(order):
            n = (node._in1 is not None) + (node._in2 is not None)
            if n == 0:
                continue
            group = self.collapsed(node)
            if group is not None and group is last:
                runs[-1] = (runs[-1][0], runs[-1][1] + n)
            elif group is not None:
                runs.append((node, n))
            else:
                runs.extend([(node, 1)] * n)
            last = group
        return runs

    def __iter__(self) -> Iterator[GroupStep]:
        return self

    def __next__(self) -> GroupStep:
        self._check("next()")
        if len(self.steps) == self.total:
            done = "its 1 step is" if self.total == 1 else f"all {self.total} steps are"
            raise StopIteration(f"the grouped pass is finished: {done} done")
        k, edges = len(self.steps), len(self.backward_pass.steps)
        node, n = self.runs[k]
        try:  # all of the step's edges and its record, or none of them (also on Ctrl-C)
            return self.backward_pass._applied_together(
                n, lambda applied: self._recorded(node, tuple(applied)))
        except OverflowError as e:
            raise self._not_applied(e, node, n) from None
        except BaseException:
            if len(self.backward_pass.steps) == edges:  # its edges were undone: its record too
                del self.steps[k:]
            raise

    def _recorded(self, node: Value, applied: tuple[BackwardStep, ...]) -> GroupStep:
        """The GroupStep of the edges `applied` out of `node`'s box, added to `steps`."""
        own = self.box(node)
        touched: dict[str, Value] = {}
        for s in applied:
            box = self.box(s.input)
            if box != own:
                touched.setdefault(box, s.input)
        group = self.collapsed(node)
        reached = []
        for box, v in touched.items():
            text = self.box_text(v)
            if text != "?":  # '?': only parameters inside the box got gradient (from the L2
                reached.append((box, self._box_name(v), text))  # penalty), not its outputs
        step = GroupStep(
            index=len(self.steps) + 1,
            name=group.name if group is not None else self._names[node],
            box=own,
            steps=applied,
            reached=tuple(reached),
        )
        self.steps.append(step)
        return step

    def _check(self, action: str) -> None:
        """Raise StalePassError if something else ended this pass; the message says how to
        start a grouped pass again."""
        if not self.backward_pass.stale:
            return
        name = self._names[self.backward_pass.root]
        args = [name if name.isidentifier() else "root", repr(self.grouping.mode)]
        if self.expand:
            args.append(f"expand={sorted(self.expand)!r}")
        self.backward_pass._check(action, "grouped pass", f"GroupedPass({', '.join(args)})")

    def _not_applied(self, error: OverflowError, node: Value, n: int) -> OverflowError:
        """The error of a step that was refused: the plain pass's words for the gradient
        that grew too large, then what happened to the whole step (nothing)."""
        # the plain pass's message is "<what overflowed> Step k was not applied: ..."
        cause = str(error).rsplit(" Step ", 1)[0]
        k = len(self.steps)
        group = self.collapsed(node)
        through = f" (back through {group.name}, {plural(n, 'edge')})" if group is not None \
            else ""
        none = " (none of its edges)" if n > 1 else ""
        return OverflowError(f"{cause} Step {k + 1}{through} was not applied{none}: the "
                             f"grouped pass stays at step {k}.")

    def _box_name(self, node: Value) -> str:
        group = self.collapsed(node)
        return group.name if group is not None else self._names[node]

    def __len__(self) -> int:
        """The number of steps in the whole grouped pass."""
        return self.total

    @property
    def done(self) -> bool:
        """True when every step has been applied."""
        return len(self.steps) == self.total

    def run(self) -> list[GroupStep]:
        """Apply every remaining step; returns the whole list."""
        self._check("run()")
        for _ in self:
            pass
        return self.steps

    def _continued_aside(self) -> GroupedPass:
        """A copy that computes the remaining steps aside (the graph is untouched)."""
        copy = object.__new__(GroupedPass)
        copy.__dict__.update(self.__dict__)
        copy.backward_pass = self.backward_pass._continued_aside()
        copy.steps = StepList(self.steps)
        return copy

    def table(self, limit: int | None = ROWS) -> str:
        """The whole grouped pass as a table, one row per step; changes nothing (steps not
        done yet are computed aside and come after a line that says so).

        limit: at most this many rows (default 200): the first and the last steps, and the
        steps around the one reached; a line says how many are left out. None: every step."""
        limit = check_limit(limit, "table()")
        self._check("table()")
        done = len(self.steps)
        steps = self.steps if self.done else self._continued_aside().run()
        header = ("step", "through", "edges", "gradient reaches")
        shown, gaps = shown_rows(len(steps), limit, done)
        notes: dict[int, list[str]] = {
            k: [hidden_text(n, "step", limit or 0, "table(limit=None) shows them all")]
            for k, n in gaps.items()}
        note = not_done_note(done, len(steps))
        if note and done in shown:
            notes.setdefault(shown.index(done), []).append(note)
        rows = []
        for s in map(steps.__getitem__, shown):
            text = repr(s).split(" -> ", 1)[1] if " -> " in repr(s) else repr(s)
            if len(s.steps) == 1 and s.box.startswith("n"):
                text = f"{s.steps[0].input_name} grad {short(s.steps[0].input_grad)}"
            rows.append((str(s.index), s.name, str(len(s.steps)), text))
        from stepgrad.display import TextTable  # a str that shows itself at the prompt

        return TextTable(text_table(header, rows, last_width=40, notes=notes))

    def __repr__(self) -> str:
        return (f"<GroupedPass by {self.grouping.mode}: step {len(self.steps)}/{self.total}"
                f"{': ' + repr(self.steps[-1]) if self.steps else ''}>")
