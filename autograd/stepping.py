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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from stepgrad import passes
from stepgrad.backward import (
    _grad_of,
    backward_edges,
    check_has_graph,
    describe,
    too_large,
    topological_order,
)
from stepgrad.bounded import (
    BIG_GRAPHS,
    ROWS,
    StepList,
    check_limit,
    hidden_text,
    shown_rows,
)
from stepgrad.staleness import check_up_to_date
from stepgrad.value import Number, Value, as_float
from stepgrad.words import plural


def short(x: float) -> str:
    """A number as a learner wants to read it: 4 significant digits, and 0 never as -0."""
    return f"{x + 0.0:.4g}"  # -0.0 + 0.0 is 0.0


def node_names(order: list[Value]) -> dict[Value, str]:
    """A short, unique name for every value: its label, or v1, v2, ... in forward order.

    A learner's label always names that learner's value, as typed: the automatic names skip
    every label in the graph (with a value labelled "v1", the unlabelled ones are v2, v3, ...).
    A label used twice names its first value; the later ones get a suffix (w, w#2) that is no
    label of the graph either, so that every line names one value only.
    """
    labels = {node.label for node in order if node.label}
    names: dict[Value, str] = {}
    used: set[str] = set()
    unnamed = 0
    for node in order:
        if node.label:
            name, k = node.label, 1
            while name in used or (k > 1 and name in labels):
                k += 1
                name = f"{node.label}#{k}"
        else:
            unnamed += 1
            while f"v{unnamed}" in labels:
                unnamed += 1
            name = f"v{unnamed}"
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
    after this step), the names used to print it, and backward_pass (the pass it belongs to,
    so that `draw(root, step)` can show every gradient as it stood after this step).
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
    backward_pass: BackwardPass | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"{self.node_name} = {self.formula}: upstream {short(self.upstream)} x local "
            f"{short(self.local)} -> {self.input_name}.grad += {short(self.contribution)} "
            f"(now {short(self.input_grad)})"
        )

    def _repr_html_(self) -> str:  # how a notebook shows it (stepgrad/display.py)
        from stepgrad.display import step_html
        return step_html(self)


class StalePassError(RuntimeError):
    """A stepped backward pass was used after something else ended it (see backward.py)."""


# The states of a BackwardPass. LIVE: applying its steps to the graph. ASIDE: computing its steps
# in a dict of its own, for a view (never registered, never touches the graph). DONE: every step
# applied, a record from now on. STALE: ended by another pass or a reset, its steps undone.
LIVE, ASIDE, DONE, STALE = "live", "aside", "done", "stale"


def width(text: str) -> int:
    """How many columns `text` takes in a terminal or a notebook's fixed-width font: 2 for a
    wide character (Korean, Chinese, Japanese: East Asian width W or F), 0 for a combining
    mark or an invisible format character, 1 for the others."""
    if text.isascii():
        return len(text)
    from unicodedata import category, east_asian_width

    return sum(2 if east_asian_width(ch) in "WF" else 0 if category(ch) in ("Mn", "Me", "Cf")
               else 1 for ch in text)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *,
               last_width: int | None = None, note_before: tuple[int, str] = (0, ""),
               notes: Mapping[int, Sequence[str]] | None = None) -> str:
    """Rows as plain text: columns padded to their widest cell (the last one to `last_width`,
    if given; widths as the screen shows them, see `width`), a line of dashes under the
    header, and `note_before` = (k, note): a line "...   note" before row k (nothing when the
    note is ""). `notes[k]`: more such lines before row k (k = len(rows): after the last)."""
    count = len(header) if last_width is None else len(header) - 1
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(count)]
    if last_width is not None:
        widths.append(last_width)
    lines = ["  ".join(cell + " " * (w - width(cell))
                       for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    before = {k: list(texts) for k, texts in (notes or {}).items()}
    k, note = note_before
    if note:
        before.setdefault(k, []).append(note)
    for k in sorted(before, reverse=True):
        lines[2 + k:2 + k] = [f"...   {text}" for text in before[k] if text]
    return "\n".join(lines)


def not_done_note(done: int, total: int) -> str:
    """The line a table puts before the steps a pass has not done yet ("" when all are done)."""
    if done >= total:
        return ""
    if done + 1 == total:
        return f"step {total} is not done yet: next() does it"
    return f"steps {done + 1}-{total} are not done yet: next() does them one at a time"


def step_rows(total: int, limit: int | None, done: int | None,
              see_all: str) -> tuple[list[int], dict[int, list[str]]]:
    """The steps a table of `total` steps shows (indexes from 0) and its notes, {position
    among the shown rows: the lines before it}: where steps are left out, a line that says
    how many and that `see_all` shows them all; before the first step not done yet (`done`
    steps are), the line that says so."""
    shown, gaps = shown_rows(total, limit, done)
    notes: dict[int, list[str]] = {}
    for position, count in gaps.items():
        assert limit is not None
        notes[position] = [hidden_text(count, "step", limit,
                                       f"{see_all} shows them all, or {BIG_GRAPHS}")]
    note = not_done_note(done, total) if done is not None else ""
    if note and done in shown:
        notes.setdefault(shown.index(done), []).append(note)
    return shown, notes


def _brief(x: object) -> str:
    """repr(x), cut short for an error message."""
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


class BackwardPass:
    """The backward pass of `root` as an iterator of `BackwardStep`s, in backward()'s order.

    Creating it starts the pass: root's gradient is seeded, the other values that are computed
    from inputs show "grad ?" until the pass reaches them, and inputs and parameters keep their
    gradients (the pass adds to them). Each `next()` applies one edge. Running it to the end
    leaves bit for bit the gradients `root.backward()` leaves: the same edges in the same order,
    with the same arithmetic (autograd/backward.py).

    The pass is *live* until its last step. Starting another pass, `backward()` or a reset on any
    value it covers ends it: its steps are undone, and using it again raises `StalePassError`.
    A step that would make a gradient too large for a float raises OverflowError and is not
    applied. Past the last step, `next()` raises StopIteration. The full rules are in
    autograd/backward.py.

    Attributes: root, seed, order (every value, inputs first), names, total (the number of
    steps), steps (those applied so far), root_grad (root's gradient once seeded), reached
    (the values the pass has reached), done and stale.

    >>> from stepgrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> p = c.backward_steps()
    >>> len(p)
    2
    >>> for step in p: print(step)
    c = a * b: upstream 1 x local -3 -> a.grad += -3 (now -3)
    c = a * b: upstream 1 x local 2 -> b.grad += 2 (now 2)
    >>> next(p)
    Traceback (most recent call last):
    ...
    StopIteration: the backward pass is finished: all 2 steps are done
    """

    def __init__(self, root: Value, grad: Number = 1.0) -> None:
        if not isinstance(root, Value):
            raise TypeError(
                "BackwardPass: expected the Value whose backward pass to step through, got "
                f"{type(root).__name__} {_brief(root)}"
            )
        seed = as_float(grad, "backward_steps(grad)")
        check_has_graph(root, "backward_steps")
        order = topological_order(root)
        check_up_to_date(order, "backward_steps")  # never step through the old numbers
        self._setup(root, order, seed)
        nodes = set(order)
        ended = passes.end_passes(nodes, "a new pass started on {}", root) if passes.live else []
        # an input or parameter adds the seed to its gradient; a computed value starts afresh
        start = root._grad if root._in1 is None else None
        seeded = (0.0 if start is None else start) + seed
        if seeded - seeded != 0.0:
            passes.undo_end(ended)
            raise too_large(root, seeded)
        self._saved: list[float | None] | None = list(map(_grad_of, order))  # to undo the pass
        self._held = {node: g for node, g in zip(order, self._saved, strict=True)
                      if g is not None and node._in1 is None and node is not root}
        for node in order:
            if node._in1 is not None:  # not reached yet: "grad ?"
                node._grad = None
        root._grad = self.root_grad = seeded
        if self.total:
            self._nodes: set[Value] | None = nodes
            self._state = LIVE
            passes.live.append(self)
        else:  # a lone input: seeding it was the whole pass
            self._saved = self._nodes = None
            self._state = DONE

    def _setup(self, root: Value, order: list[Value], seed: float) -> None:
        """The parts every pass has, live or computed aside."""
        self.root = root
        self.order = order
        self.seed = seed
        self.names = node_names(order)
        self.steps: list[BackwardStep] = StepList()  # its repr stays short
        self.reached: set[Value] = {root}
        self.total = sum((node._in1 is not None) + (node._in2 is not None) for node in order)
        self._edges = backward_edges(order)
        self._pending: tuple[Value, Value, float] | None = None  # an edge taken but not applied
        self._grads: dict[Value, float | None] | None = None  # None: the gradients are the graph's
        self._why = ""
        self._journal: list[tuple[Value, float | None, bool]] | None = None  # see _applied_together
        # the inputs and parameters that held a gradient from an earlier pass when this one
        # started: they show it until the pass reaches them, then add to it (backward.py)
        self._held: dict[Value, float] = {}

    @classmethod
    def _aside(cls, root: Value, seed: float) -> BackwardPass:
        """A pass over `root` from scratch (as on a graph with no gradients), computed in a dict
        of its own: it never touches the graph or any live pass. For the views."""
        p = cls.__new__(cls)
        p._setup(root, topological_order(root), seed)
        p._grads = dict.fromkeys(p.order)
        p._grads[root] = p.root_grad = 0.0 + seed
        p._saved = p._nodes = None
        p._state = ASIDE if p.total else DONE
        return p

    def _continued_aside(self) -> BackwardPass:
        """A copy of this pass that computes its remaining steps aside (the graph is untouched)."""
        p = object.__new__(BackwardPass)
        p._setup(self.root, self.order, self.seed)
        p.names, p.root_grad = self.names, self.root_grad
        p.steps, p.reached, p._held = StepList(self.steps), set(self.reached), self._held
        p._grads = dict(self._grads) if self._grads is not None else \
            {node: node._grad for node in self.order}
        p._edges = islice(backward_edges(self.order), len(self.steps), None)
        p._saved = p._nodes = None
        p._state = ASIDE
        return p

    def __iter__(self) -> Iterator[BackwardStep]:
        return self

    def __next__(self) -> BackwardStep:
        if self._state is not LIVE and self._state is not ASIDE:
            self._check("next()")
            raise StopIteration(self._finished())
        edge = self._pending
        if edge is None:
            edge = self._pending = next(self._edges)
        node, parent, local = edge
        grads = self._grads
        if grads is None:
            upstream, g = node._grad, parent._grad
        else:
            upstream, g = grads[node], grads[parent]
        contribution = local * upstream
        new = (0.0 if g is None else g) + contribution  # what backward() computes, bit for bit
        if new - new != 0.0:  # inf or nan: refuse the step, change nothing
            k = len(self.steps)
            raise OverflowError(
                f"{too_large(parent, new)} Step {k + 1} was not applied: the pass stays at "
                f"step {k}."
            )
        if self._journal is not None:  # what this step changes, to undo it (_applied_together)
            self._journal.append((parent, g, parent in self.reached))
        if grads is None:
            parent._grad = new
        else:
            grads[parent] = new
        self._pending = None
        self.reached.add(parent)
        step = BackwardStep(
            index=len(self.steps) + 1,
            node=node,
            input=parent,
            upstream=upstream,
            local=local,
            contribution=contribution,
            input_grad=new,
            node_name=self.names[node],
            input_name=self.names[parent],
            formula=formula(node, self.names),
            backward_pass=self,
        )
        self.steps.append(step)
        if len(self.steps) == self.total:
            if self._state is LIVE:
                passes.live.remove(self)
            self._saved = self._nodes = None
            self._state = DONE
        return step

    def _applied_together(self, n: int, then: Callable[[list[BackwardStep]], Any] | None = None
                          ) -> Any:
        """The next `n` steps, applied all or nothing: if one of them raises (a gradient too
        large for a float, Ctrl-C), the steps before it are undone too, and the pass is exactly
        where it was (same steps, same gradients, same values reached, live or not); the error
        goes on. Returns the steps, or `then(steps)`: what `then` does to record them counts
        as part of the whole (a Ctrl-C in it undoes the steps too)."""
        k = len(self.steps)
        state = (self._state, self._saved, self._nodes)  # as before: the last step ends a pass
        self._journal = journal = []
        try:
            applied = [next(self) for _ in range(n)]
            return applied if then is None else then(applied)
        except BaseException:
            if state[0] is LIVE or state[0] is ASIDE:
                self._state, self._saved, self._nodes = state
                if state[0] is LIVE and self not in passes.live:
                    passes.live.append(self)
                grads = self._grads
                for parent, g, was_reached in reversed(journal):
                    if grads is None:
                        parent._grad = g
                    else:
                        grads[parent] = g
                    if not was_reached:
                        self.reached.discard(parent)
                del self.steps[k:]
                self._pending = None
                self._edges = islice(backward_edges(self.order), k, None)
            raise
        finally:
            self._journal = None

    # ----- ending a live pass (called through stepgrad.passes) ---------------------------------

    def _end(self, why: str, by: Value, ended: list) -> None:
        """Undo this live pass's steps and make it stale; first add (self, what `_revive`
        needs) to `ended`, so that a Ctrl-C half way through can be undone too.

        `why` is what ended it, with "{}" for the value `by` (see stepgrad.passes)."""
        now = list(map(_grad_of, self.order))
        ended.append((self, now))
        for node, g in zip(self.order, self._saved, strict=True):
            node._grad = g
        passes.live.remove(self)
        name = self.names.get(by) or (by.label if by.label else describe(by))
        self._state, self._why = STALE, why.format(name)

    def _revive(self, now: list[float | None]) -> None:
        """Put this pass back exactly as `_end` found it (the writer that ended it failed),
        also if `_end` was cut short (Ctrl-C) before it left `passes.live`."""
        for node, g in zip(self.order, now, strict=True):
            node._grad = g
        self._state, self._why = LIVE, ""
        if self not in passes.live:
            passes.live.append(self)

    def _check(self, action: str, what: str = "backward pass",
               restart: str = "backward_steps()") -> None:
        """Raise StalePassError if this pass was ended by something else.

        what: what the learner is stepping ("grouped pass"); restart: the call that starts a
        new one."""
        if self._state is STALE:
            raise StalePassError(
                f"{action}: this {what} of {self.names[self.root]} is stale: after it "
                f"started, {self._why}. Its steps were undone. To step again, start a new pass "
                f"with {restart}."
            )

    def _finished(self) -> str:
        """The message of the StopIteration raised past the last step."""
        if self.total == 0:
            name = self.names[self.root]
            return f"the backward pass has no steps: {name} is not computed from other values"
        if self.total == 1:
            return "the backward pass is finished: its 1 step is done"
        return f"the backward pass is finished: all {self.total} steps are done"

    def gradient(self, node: Value) -> float | None:
        """The gradient of `node` as this pass has it now (None: not reached, "grad ?").

        For a pass computed aside (for a view) that is its own record, not the graph's."""
        return node._grad if self._grads is None else self._grads.get(node)

    def _grads_after(self, k: int) -> dict[Value, float]:
        """The gradient of every value that had one after this pass's first k steps: the values
        it had reached, and the inputs and parameters that held a gradient from an earlier
        pass (the pass adds to it when it gets there)."""
        shown = dict(self._held)
        shown[self.root] = self.root_grad
        for s in self.steps[:k]:
            shown[s.input] = s.input_grad
        return shown

    # ----- looking at the pass ------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of steps (edges) in the whole pass."""
        return self.total

    def __getitem__(self, k: int | slice) -> BackwardStep | list[BackwardStep]:
        """`steps[k]`: step k + 1 of the pass (`steps[0]` is the first step) once the pass has
        done it, as in `.steps`; `steps[-1]` is the last step of the whole pass (`.current` is
        the last one done). A step not done yet raises IndexError: next() does it, and
        table() shows every step without doing any."""
        self._check(f"[{k!r}]" if not isinstance(k, slice) else "[...]")
        if isinstance(k, slice):
            return [self[i] for i in range(self.total)[k]]
        try:
            i = range(self.total)[k]
        except IndexError:
            raise IndexError(
                f"[{k}]: the backward pass of {self.names[self.root]} has "
                f"{plural(self.total, 'step')}, [0] to [{self.total - 1}]") from None
        except TypeError:
            raise TypeError(f"[k]: the index of a step must be a whole number such as 0 (the "
                            f"first step), got {type(k).__name__} {_brief(k)}") from None
        if i >= len(self.steps):
            where = f"is at step {len(self.steps):,}" if self.steps else "has not started"
            raise IndexError(
                f"[{k}] is step {i + 1:,}, which is not done yet: the pass {where} of "
                f"{self.total:,}. next() does the next step, table() shows every step "
                f"without doing any, and .current is the last step done")
        return self.steps[i]

    @property
    def done(self) -> bool:
        """True when every edge has been applied."""
        return len(self.steps) == self.total

    @property
    def stale(self) -> bool:
        """True when another pass or a reset ended this pass before its end (see backward.py)."""
        return self._state is STALE

    @property
    def current(self) -> BackwardStep | None:
        """The step applied last (None before the first)."""
        return self.steps[-1] if self.steps else None

    def name(self, value: Value) -> str:
        """The name this pass uses for `value`."""
        return self.names[value]

    def run(self) -> list[BackwardStep]:
        """Apply every remaining step; returns the whole list of steps."""
        self._check("run()")
        for _ in self:
            pass
        return self.steps

    def table(self, limit: int | None = ROWS) -> str:
        """Every step of the pass as a table, one row per step; changes nothing.

        For a pass not finished yet, the steps still to come are computed aside (the graph is
        untouched) and come after a line that says they are not done yet: `next()` will do
        exactly what those rows say.

        limit: at most this many rows (default 200): the first and the last steps, and for a
        pass not finished, the steps around the one it has reached; a line says how many are
        left out. None: every step (the pass of a big graph has thousands).
        """
        return self._table(check_limit(limit, "table()"), "table(limit=None)")

    def _table(self, limit: int | None, see_all: str) -> str:
        """table(), with `see_all`: how the learner asks for every row."""
        self._check("table()")
        if not self.total:  # an input: nothing to step through, and no table to show
            from stepgrad.display import StepTable
            return StepTable(f"No steps to go through: {self._no_steps()}.")
        done = len(self.steps)
        steps = self.steps if self.done else self._continued_aside().run()
        header = ("step", "node = formula", "input", "upstream", "local", "contribution",
                  "input grad")
        shown, notes = step_rows(len(steps), limit, done, see_all)
        rows = [
            (str(s.index), f"{s.node_name} = {s.formula}", s.input_name, short(s.upstream),
             short(s.local), short(s.contribution), short(s.input_grad))
            for s in map(steps.__getitem__, shown)
        ]
        text = text_table(header, rows, notes=notes)
        from stepgrad.display import StepTable  # a str that a notebook shows as a table
        return StepTable(text, steps, done, limit, see_all)

    def _no_steps(self) -> str:
        """Why the pass of an input (a value no operation made) has no steps, in words."""
        who = self.root.label or "this value"
        g = short(self.root_grad)
        if self.root_grad == self.seed:
            gets = f"its gradient is {g}"
        else:  # a live pass on an input that held a gradient: the seed adds to it
            gets = f"the pass adds {short(self.seed)} to its gradient (now {g})"
        return f"{who} is an input (no operation made it); {gets}"

    def __repr__(self) -> str:
        if not self.total:
            return f"<BackwardPass of {self.names[self.root]}: no steps: {self._no_steps()}>"
        progress = f"step {len(self.steps)}/{self.total}"
        if self._state is STALE:
            return (f"<BackwardPass of {self.names[self.root]}: stale at {progress} (its steps "
                    "were undone; start a new pass with backward_steps())>")
        where = self.current if self.current else "not started"
        return f"<BackwardPass of {self.names[self.root]}: {progress}: {where}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:  # notebooks: display.py
        from stepgrad.display import pass_mimebundle
        return pass_mimebundle(self, include, exclude)


def print_backward(root: Value, grad: Number = 1.0, *, limit: int | None = ROWS) -> None:
    """Print the backward pass of `root` as a table, one line per edge; changes nothing.

    The pass is computed aside, from scratch, as `root.backward(grad)` would run it on a graph
    with no gradients yet: the graph's gradients, and any pass you are stepping through, are
    left exactly as they were.

    limit: at most this many lines of steps (default 200): the first and the last ones, and a
    line that says how many are left out; None prints every step (a big graph has thousands,
    more than a notebook shows).

    >>> from stepgrad import Value
    >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
    >>> print_backward(y)
    step  node = formula  input  upstream  local  contribution  input grad
    ----  --------------  -----  --------  -----  ------------  ----------
    1     y = x * x       x      1         3      3             3
    2     y = x * x       x      1         3      3             6
    >>> x.grad_computed
    False
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"print_backward: expected the Value whose backward pass to print, got "
            f"{type(root).__name__} {_brief(root)}"
        )
    seed = as_float(grad, "print_backward(grad)")
    limit = check_limit(limit, "print_backward")
    check_has_graph(root, "print_backward")
    p = BackwardPass._aside(root, seed)
    p.run()
    print(p._table(limit, "print_backward(..., limit=None)"))
