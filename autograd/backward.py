"""The backward pass, all of it, and the rules for passes that meet on one graph.

1. `topological_order` lists every value the output depends on, inputs first, each after all
   the values it was computed from (an explicit stack, so a graph a million levels deep works).
2. `run_backward` visits that list from the output back to the inputs. For each node it takes
   the node's gradient (the *upstream* gradient, final by now because every use of the node
   came later in the list) and, for each input, adds `local x upstream` into the input's grad.
   `backward_edges` lists the same edges in the same order; `BackwardPass` (stepping.py) applies
   them one per `next()` with the same arithmetic, so stepping to the end leaves bit for bit the
   gradients `backward()` leaves.

The rules for passes (what a learner can rely on, whatever order they call things in):

- A *pass* is one backward pass of an output: `out.backward()` runs a whole pass at once,
  `out.backward_steps()` starts a stepped pass that applies one edge per `next()`.
- A stepped pass is *live* from its start until its last step. While it is live, the values it
  has reached show their gradients so far, and the values it has not reached yet show "grad ?"
  (`grad_computed` is False). One exception: an input or a parameter that already holds a
  gradient from an earlier pass keeps it, and the pass adds to it when it gets there.
- At most one live pass per graph. Anything else that writes a gradient of a value that a live
  pass covers first ends that pass: `backward()`, a new stepped pass, `zero_grad()`,
  `zero_grad_graph()`, setting `.grad`. Ending a pass undoes its steps (every gradient it
  touched is put back to what it was when the pass started) and makes it *stale*: `next()`,
  `run()`, `table()` and drawing it raise `StalePassError`, which says how to start again. Two
  outputs that share a value (even one parameter) count as one graph here.
- So `backward()` in the middle of a stepped pass gives exactly the gradients of one whole
  pass: the steps already taken are undone, then `backward()` runs the whole pass.
- Views change nothing: `print_backward`, `BackwardPass.table()`, `draw`, `walkthrough` and the
  reprs compute what they show on the side, never on the graph.
- A graph must be up to date: if a value it was built from changed after it was built (its
  `.data` was set, by `opt.step()` say), `backward()` of an output that already had a pass
  (also one whose gradient was reset since), `backward_steps()` and `grad()` raise
  RuntimeError instead of giving the gradients of the old numbers
  (staleness.py). Build the graph again: in a training loop, compute the loss inside the loop.
- Errors change nothing. If `backward()` raises (a gradient too large for a float, or Ctrl-C),
  every gradient, and any live pass it ended, is exactly as before the call. A step that would
  make a gradient too large for a float raises before it is applied: the pass stays where it was.
- A finished pass is a record: its steps, its table and the drawings of its steps keep showing
  that pass, whatever happens to the graph later.

So every gradient stored equals what the finished passes, in the order they ran, would give on
a fresh graph, plus the steps of the live passes; or an error was raised and nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from stepgrad import passes
from stepgrad.staleness import check_up_to_date
from stepgrad.value import Value, was_reset

_grad_of = attrgetter("_grad")  # a C-level getter: list(map(_grad_of, order)) is fast


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


def backward_edges(order: list[Value]) -> Iterator[tuple[Value, Value, float]]:
    """Every edge as (node, input, local gradient), in the order the backward pass applies them:
    nodes from the output back to the inputs, each node's inputs in the order it used them."""
    for node in reversed(order):
        if node._in1 is not None:
            yield node, node._in1, node._local1
            if node._in2 is not None:
                yield node, node._in2, node._local2


def describe(node: Value) -> str:
    """A value as error messages name it: its label, or what made it."""
    if node.label:
        return repr(node.label)
    return f"the result of '{node.op}'" if node.op else "an unlabelled input"


def check_has_graph(root: Value, action: str, what: str = "this value") -> None:
    """Raise RuntimeError if `root` was made by an operation inside no_grad(): it has an
    operation but remembers no inputs, so there is no graph to go back through (as PyTorch).
    An input or a parameter (no operation) has a pass of its own: its gradient is the seed."""
    if root._in1 is None and root._op is not None:
        who = repr(root.label) if root.label else what
        raise RuntimeError(
            f"{action}: {who} was made inside no_grad(), so it remembers no graph to go back "
            "through. Build it outside no_grad() to get gradients."
        )


def run_backward(root: Value, seed: float = 1.0) -> None:
    """The whole pass at once. Transactional: if it raises, every gradient is as before."""
    check_has_graph(root, "backward")
    # A second pass of the same output (its gradient is set, or was reset by the learner) is
    # where an out-of-date graph shows up: the loss built once before a training loop. Only
    # then is the graph checked, so a loop that builds its loss each time pays nothing.
    again = root._in1 is not None and (root._grad is not None or was_reset(root))
    order: list[Value] = []
    saved: list[float | None] = []
    leaves: list[Value] = []
    ended: list = []
    try:
        _order_and_reset(root, order, saved, leaves)
        if again:
            check_up_to_date(order, "backward")
        if passes.live and passes.covered(order):  # a stepped pass over this graph is live:
            _put_back(order, saved)  # its steps are undone first, then the pass starts again
            passes.end_passes(order, "backward() ran on {}", root, ended)  # fills `ended`
            order.clear(), saved.clear(), leaves.clear()
            _order_and_reset(root, order, saved, leaves)
        root._grad += seed
        for node in reversed(order):  # the edges of backward_edges(order), in the same order
            parent = node._in1
            if parent is None:  # an input or a parameter: nothing flows further back
                continue
            upstream = node._grad
            parent._grad += node._local1 * upstream
            parent = node._in2
            if parent is not None:
                parent._grad += node._local2 * upstream
        # A gradient that is inf or nan flows on into every input below it (inf x 0 is nan,
        # inf + -inf is nan, nan + x is nan), down to the inputs and parameters: so checking
        # theirs finds every one. Only then is the whole order searched for the first culprit.
        total = sum(map(_grad_of, leaves))
        if total - total != 0.0:  # true only for nan and +-inf
            for node in reversed(order):
                check_gradient(node)
    except BaseException:  # an error, or Ctrl-C at any point: put everything back
        _put_back(order, saved)
        passes.undo_end(ended)
        raise


def _put_back(order: list[Value], saved: list[float | None]) -> None:
    """Give each value in `order` its gradient from `saved` (one may be missing at the end)."""
    for node, g in zip(order, saved):  # noqa: B905 (a Ctrl-C may fall between the two appends)
        node._grad = g


def _order_and_reset(root: Value, order: list[Value], saved: list[float | None],
                     leaves: list[Value]) -> None:
    """Fill `order` with `topological_order(root)`, made in one walk with the start of a pass:
    each value's gradient is saved in `saved` (to put back if the pass fails), then set to 0,
    except an input's or a parameter's, which keeps what it holds (gradients add up); those
    go in `leaves` too. Filled as it goes, so that a Ctrl-C half way can be undone.

    One walk instead of three, and no set of the values placed: the 0 a value gets when it is
    placed is a float object of this walk's own, `mark`, so `x._grad is mark` says "placed".
    On a graph too big for the processor's cache, each walk over the nodes (and each lookup in
    a set as big as the graph) costs about as much as the arithmetic of the pass.
    """
    mark = float("0")  # 0.0, but not the 0.0 of any other gradient (float() of a str is new)
    held: list[tuple[Value, float]] = []  # inputs and parameters that hold a gradient
    stack = [root]
    push, pop, append, save = stack.append, stack.pop, order.append, saved.append
    while True:  # the loop of topological_order, step for step
        node = stack[-1]
        a = node._in1
        if a is not None and a._grad is not mark:  # go down to the first input not placed
            push(a)
            continue
        b = node._in2
        if b is not None and b._grad is not mark:
            push(b)
            continue
        pop()  # all of node's inputs are placed, so node can follow them
        g = node._grad
        save(g)  # saved before it joins the order: `_put_back` never misses a change
        append(node)
        node._grad = mark  # a result's gradient starts from 0 (and so does a None)
        if a is None:  # an input or a parameter
            leaves.append(node)
            if g is not None:
                held.append((node, g))
        if not stack:
            break
    for node, g in held:  # keeps the gradient it holds (they add up): not the mark
        node._grad = g


def too_large(node: Value, g: float) -> OverflowError:
    """The error for a gradient `g` of `node` that is too large for a float (inf or nan)."""
    return OverflowError(
        f"backward: the gradient of {describe(node)} (data {node.data:.6g}) became {g}, too "
        "large for a float. Values this large usually mean training diverged: try a smaller "
        "learning rate."
    )


def check_gradient(node: Value) -> None:
    """Raise OverflowError if a gradient grew too large for a float (inf, or nan from inf x 0)."""
    g = node._grad
    if g is not None and g - g != 0.0:  # true only for nan and +-inf
        raise too_large(node, g)
