"""The rules for passes (autograd/backward.py), checked by a Hypothesis state machine.

Random programs build graphs over one shared pool of inputs (so outputs share leaves, a pass
can run over a subgraph of another, and a value can be used twice by one operation), then mix
`backward()`, stepped passes (started, advanced, abandoned, run to the end), views (`table()`,
`print_backward`, `draw`, `walkthrough_data`, reprs) and resets (`zero_grad`, `zero_grad_graph`,
setting `.grad`). After every call, every gradient of every value must be exactly what a fresh
copy of the graphs gives when it runs only the finished passes and resets, in order, plus the
steps of the passes still live; or the call raised and nothing changed.

The model knows nothing of how the engine keeps passes apart: it works out which passes are
stale from the rules alone (a pass ends when anything else writes a value it covers). The
reference gradients come from the engine on a fresh copy with a clean history, and are checked
in turn against a plain chain-rule sum written here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import re
from dataclasses import dataclass, field

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from stepgrad import BackwardPass, StalePassError, Value, passes, print_backward
from stepgrad.backward import topological_order
from stepgrad.stepping import short
from stepgrad.walkthrough import walkthrough_data

HAS_GRAPHVIZ = importlib.util.find_spec("graphviz") is not None

N_LEAVES = 4
MAX_VALUES = 22
OPS = ["add", "sub", "mul", "square", "tanh", "scale"]  # square: one value used twice
CONSTANTS = [-2.0, 0.5, 3.0, 1e200]  # 1e200 makes some gradients overflow (and some data)
SEEDS = [1.0, -0.5, 2.0, 3, 1e300, 1e308]  # 1e308: most passes overflow somewhere
LIVE, STALE, DONE = "live", "stale", "done"


def apply_op(op: str, a: Value, b: Value, c: float) -> Value:
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "square":
        return a * a
    if op == "tanh":
        return a.tanh()
    return a * c


@dataclass
class PassRecord:
    """What the model knows of one stepped pass."""

    p: BackwardPass | None  # None once the test has dropped it (abandoned)
    pid: int  # id() of the pass, to find it in the engine's list of live passes
    root: int
    seed: float
    total: int
    covers: frozenset[int]
    k: int = 0  # steps applied
    status: str = LIVE
    held: dict[int, float] = field(default_factory=dict)  # leaves' gradients from before it


def same(a: float | None, b: float | None) -> bool:
    """Equal to the bit (0.0 and -0.0 differ), or both None ("grad ?")."""
    if a is None or b is None:
        return a is b
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def grad_texts(source: str) -> dict[str, str]:
    """The "grad ..." text of every value box in a DOT source, by box id."""
    return {m.group(1): m.group(2) for m in re.finditer(r"(n\d+) \[.*?>grad ([^<]*)<", source)}


class PassRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.recipes: list[tuple] = []  # ("leaf", data) or (op, i, j, c)
        self.real: list[Value] = []
        self.index: dict[int, int] = {}  # id(value) -> its index
        self.covers: list[frozenset[int]] = []  # the indices of the graph of each value
        self.committed: list[float | None] = []  # finished passes and resets only (engine)
        self.plain: list[float | None] = []  # the same, by the chain-rule sum below
        self.scale: list[float] = []  # sum of |contributions|, for the chain-rule tolerance
        self.records: list[PassRecord] = []
        self.others = {id(p) for p in passes.live}  # passes other tests left live: not ours

    # ----- the reference ------------------------------------------------------------------------

    def fresh(self, grads: list[float | None]) -> list[Value]:
        """A fresh copy of every value, holding `grads`."""
        copy: list[Value] = []
        for recipe in self.recipes:
            if recipe[0] == "leaf":
                v = Value(recipe[1])
            else:
                op, i, j, c = recipe
                v = apply_op(op, copy[i], copy[j], c)
            copy.append(v)
        for v, g in zip(copy, grads, strict=True):
            v._grad = g
        return copy

    def commit(self, event: tuple) -> None:
        """Apply a finished pass or a reset to the reference (it must not fail)."""
        after = self.attempt(event)
        assert not isinstance(after, Exception), (event, after)
        self.committed = after
        self.apply_plain(event)

    def attempt(self, event: tuple) -> list[float | None] | Exception:
        """The committed gradients after `event`, on a fresh copy; or the error it raised."""
        copy = self.fresh(self.committed)
        kind, i, *arg = event
        try:
            if kind == "backward":
                copy[i].backward(arg[0])
            elif kind == "zero":
                copy[i].zero_grad()
            elif kind == "zero_graph":
                copy[i].zero_grad_graph()
            else:
                copy[i].grad = arg[0]
        except OverflowError as e:
            assert [v._grad for v in copy] == self.committed  # the copy is unchanged too
            return e
        return [v._grad for v in copy]

    def apply_plain(self, event: tuple) -> None:
        """The chain rule, summed over the graph by hand: independent of the engine's walk."""
        kind, i, *arg = event
        if kind == "zero":
            self.plain[i], self.scale[i] = None, 0.0
        elif kind == "zero_graph":
            for j in self.covers[i]:
                self.plain[j], self.scale[j] = None, 0.0
        elif kind == "set":
            self.plain[i], self.scale[i] = float(arg[0]), abs(float(arg[0]))
        else:
            g = {i: float(arg[0])}
            mag = {i: abs(float(arg[0]))}
            for j in sorted(self.covers[i], reverse=True):  # inputs have smaller indices
                v = self.real[j]
                for parent, local in zip(v.inputs, v.local_grads, strict=True):
                    p = self.index[id(parent)]
                    g[p] = g.get(p, 0.0) + local * g[j]
                    mag[p] = mag.get(p, 0.0) + abs(local * g[j])
            for j in self.covers[i]:
                if self.recipes[j][0] == "leaf":  # inputs add up, the others start afresh
                    self.plain[j] = (self.plain[j] or 0.0) + g[j]
                    self.scale[j] += mag[j]
                else:
                    self.plain[j], self.scale[j] = g[j], mag[j]

    def expected(self) -> list[float | None]:
        """The committed gradients plus the steps of the live passes, on a fresh copy."""
        copy = self.fresh(self.committed)
        replays = []
        for rec in self.records:
            if rec.status == LIVE:
                p = BackwardPass(copy[rec.root], rec.seed)
                for _ in range(rec.k):
                    next(p)
                replays.append(p)
        grads = [v._grad for v in copy]
        for p in replays:  # end the copies' passes, so that nothing is left live
            if not p.done:
                p.root.zero_grad_graph()
        return grads

    def next_step_overflows(self, rec: PassRecord) -> bool:
        """Whether step k + 1 of this live pass overflows, on a fresh copy."""
        q = BackwardPass(self.fresh(self.committed)[rec.root], rec.seed)
        for _ in range(rec.k):
            next(q)
        try:
            next(q)
            overflow = False
        except OverflowError:
            overflow = True
        if not q.done:
            q.root.zero_grad_graph()  # ends it: nothing is left live
        return overflow

    # ----- the model of which passes are live -------------------------------------------------

    def end_passes(self, values: frozenset[int]) -> None:
        for rec in self.records:
            if rec.status == LIVE and rec.covers & values:
                rec.status = STALE
                event(f"a live pass ended after {'no' if rec.k == 0 else 'some'} steps"
                      f"{' (abandoned)' if rec.p is None else ''}")

    def snapshot(self) -> list[float | None]:
        return [v._grad for v in self.real]

    def pick(self, data, pool: list) -> int:
        """An index into `pool`, most often one of the last few (the deepest values)."""
        if data.draw(st.booleans()):
            return len(pool) - 1 - data.draw(st.integers(0, min(2, len(pool) - 1)))
        return data.draw(st.integers(0, len(pool) - 1))

    # ----- rules: building -----------------------------------------------------------------

    @initialize(data=st.data(),
                xs=st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=N_LEAVES,
                            max_size=N_LEAVES),
                ops=st.lists(st.sampled_from(OPS), min_size=2, max_size=8))
    def first_graph(self, data, xs: list[float], ops: list[str]) -> None:
        """The shared inputs, and a first few operations on them."""
        for k, x in enumerate(xs):
            self.add(("leaf", x), Value(x, label=f"x{k}"))
        for op in ops:
            self.build_one(data, op, data.draw(st.sampled_from(CONSTANTS)))

    def add(self, recipe: tuple, v: Value) -> None:
        i = len(self.real)
        self.recipes.append(recipe)
        self.real.append(v)
        self.index[id(v)] = i
        covers = {i}
        for parent in v.inputs:
            covers |= self.covers[self.index[id(parent)]]
        self.covers.append(frozenset(covers))
        self.committed.append(None)
        self.plain.append(None)
        self.scale.append(0.0)

    @precondition(lambda self: len(self.real) < MAX_VALUES)
    @rule(data=st.data(), op=st.sampled_from(OPS), c=st.sampled_from(CONSTANTS))
    def build(self, data, op: str, c: float) -> None:
        self.build_one(data, op, c)

    def build_one(self, data, op: str, c: float) -> None:
        i, j = self.pick(data, self.real), self.pick(data, self.real)
        try:
            v = apply_op(op, self.real[i], self.real[j], c)
        except OverflowError:
            return  # a result too large for a float: no value
        self.add((op, i, j, c), v)

    # ----- rules: whole passes and resets --------------------------------------------------

    @rule(data=st.data(), seed=st.sampled_from(SEEDS))
    def backward(self, data, seed: float) -> None:
        self.backward_of(self.pick(data, self.real), seed)

    def live_held(self) -> bool:
        return any(rec.status == LIVE for rec in self.records)

    @precondition(live_held)
    @rule(data=st.data(), seed=st.sampled_from([1.0, -0.5, 1e308]))
    def backward_mid_pass(self, data, seed: float) -> None:
        """backward() on a value of a live pass (its root, most often)."""
        live = [rec for rec in self.records if rec.status == LIVE]
        rec = live[self.pick(data, live)]
        covers = sorted(rec.covers)
        self.backward_of(rec.root if data.draw(st.booleans()) else
                         covers[self.pick(data, covers)], seed)

    def backward_of(self, i: int, seed: float) -> None:
        before = self.snapshot()
        outcome = self.attempt(("backward", i, seed))
        try:
            self.real[i].backward(seed)
        except OverflowError:
            assert isinstance(outcome, Exception), "backward() raised, the reference did not"
            event("backward() overflowed")
            if any(r.status == LIVE and r.covers & self.covers[i] for r in self.records):
                event("backward() overflowed, and the live pass it ended is back")
            assert self.snapshot() == before  # nothing changed, no pass ended
            return
        assert not isinstance(outcome, Exception), "the reference raised, backward() did not"
        self.end_passes(self.covers[i])
        self.commit(("backward", i, seed))

    @rule(data=st.data(), kind=st.sampled_from(["zero", "zero_graph", "set"]),
          g=st.sampled_from([0.0, -1.5, 2]))
    def reset(self, data, kind: str, g: float) -> None:
        i = self.pick(data, self.real)
        if kind == "zero":
            self.real[i].zero_grad()
        elif kind == "zero_graph":
            self.real[i].zero_grad_graph()
        else:
            self.real[i].grad = g
        self.end_passes(self.covers[i] if kind == "zero_graph" else frozenset({i}))
        self.commit((kind, i, g))

    # ----- rules: stepped passes ------------------------------------------------------------

    @rule(data=st.data(), seed=st.sampled_from(SEEDS), first=st.integers(0, 4))
    def start(self, data, seed: float, first: int) -> None:
        """Start a stepped pass, and take its `first` steps."""
        i = self.pick(data, self.real)
        total = sum(len(self.real[j].inputs) for j in self.covers[i])
        before = self.snapshot()
        leaf_grad = self.committed[i] if self.recipes[i][0] == "leaf" else None
        seeded = (0.0 if leaf_grad is None else leaf_grad) + seed
        try:
            p = self.real[i].backward_steps(seed)
        except OverflowError:
            assert not math.isfinite(seeded)
            assert self.snapshot() == before
            return
        assert math.isfinite(seeded)
        self.end_passes(self.covers[i])
        rec = PassRecord(p, id(p), i, seed, total, self.covers[i])
        rec.held = {j: self.committed[j] for j in self.covers[i]  # the pass adds to these
                    if j != i and self.recipes[j][0] == "leaf" and self.committed[j] is not None}
        self.records.append(rec)
        assert len(p) == total and p.steps == [] and not p.stale
        if total == 0:  # an input alone: seeding it was the whole pass
            rec.status = DONE
            self.commit(("backward", i, seed))
        for _ in range(first):
            if not self.step(rec):
                break

    def usable(self) -> bool:
        return any(rec.p is not None for rec in self.records)

    def pick_pass(self, data) -> PassRecord:
        held = [rec for rec in self.records if rec.p is not None]
        return held[self.pick(data, held)]

    @precondition(usable)
    @rule(data=st.data(), n=st.integers(1, 4))
    def advance(self, data, n: int) -> None:
        rec = self.pick_pass(data)
        for _ in range(n):
            if not self.step(rec):
                break

    @precondition(usable)
    @rule(data=st.data())
    def run(self, data) -> None:
        rec = self.pick_pass(data)
        if rec.status == STALE:
            with pytest.raises(StalePassError, match=r"^run\(\): this backward pass of .* is "
                                                     r"stale: after it started, "):
                rec.p.run()
            return
        while self.step(rec):
            pass

    def step(self, rec: PassRecord) -> bool:
        """One next() on the pass, checked against the model; False when it could not step."""
        before = self.snapshot()
        if rec.status == STALE:
            with pytest.raises(StalePassError, match=r"start a new pass with backward_steps"):
                next(rec.p)
            assert self.snapshot() == before
            event("a stale pass refused to step")
            return False
        if rec.status == DONE:
            with pytest.raises(StopIteration, match=r"^the backward pass (is finished|has no)"):
                next(rec.p)
            return False
        overflows = self.next_step_overflows(rec)
        try:
            step = next(rec.p)
        except OverflowError as e:
            assert overflows, "a step overflowed on the graph but not on a fresh copy"
            assert "was not applied" in str(e) and self.snapshot() == before
            event("a step overflowed")
            return False
        assert not overflows, "a step overflowed on a fresh copy but not on the graph"
        rec.k += 1
        assert step.index == rec.k and step.input_grad == step.input._grad
        if rec.k == rec.total:
            event("a stepped pass finished")
            rec.status = DONE
            self.commit(("backward", rec.root, rec.seed))
        return True

    @precondition(usable)
    @rule(data=st.data())
    def abandon(self, data) -> None:
        self.pick_pass(data).p = None  # the engine still knows it, if it is live

    # ----- rules: views (they must change nothing) ------------------------------------------

    @rule(data=st.data(), view=st.sampled_from(["table", "print", "walkthrough", "repr",
                                                "draw", "draw_step"]))
    def look(self, data, view: str) -> None:
        before = self.snapshot()
        live_before = [rec.status for rec in self.records]
        if view in ("table", "draw_step", "repr") and self.usable():
            self.look_at_pass(self.pick_pass(data), view)
        elif view == "print":
            root = self.real[self.pick(data, self.real)]
            with contextlib.redirect_stdout(io.StringIO()) as out:
                try:
                    print_backward(root)
                except OverflowError:
                    pass
            if root.inputs:
                assert out.getvalue() == "" or out.getvalue().startswith("step  node = formula")
            else:  # an input: no table, a line that says there is nothing to step
                assert out.getvalue().startswith("No steps to go through: ")
        elif view == "walkthrough":
            i = self.pick(data, self.real)
            try:
                steps = walkthrough_data(self.real[i])["steps"]
            except OverflowError:
                steps = None
            if steps is not None:
                assert len(steps) == sum(len(self.real[j].inputs) for j in self.covers[i])
        elif view == "draw" and HAS_GRAPHVIZ:
            from stepgrad import draw
            from stepgrad.draw import node_ids

            root = self.real[self.pick(data, self.real)]
            ids = node_ids(topological_order(root))
            shown = grad_texts(draw(root).source)
            assert shown == {nid: short(v._grad) if v._grad is not None else "?"
                             for v, nid in ids.items()}
        for v in self.real:
            repr(v)
        assert self.snapshot() == before
        assert [rec.status for rec in self.records] == live_before

    def look_at_pass(self, rec: PassRecord, view: str) -> None:
        p = rec.p
        assert repr(p).startswith("<BackwardPass of ")
        if rec.status == STALE:
            assert "stale" in repr(p)
            with pytest.raises(StalePassError):
                p.table()
            if HAS_GRAPHVIZ:
                from stepgrad import draw

                with pytest.raises(StalePassError):
                    draw(p.root, p)
            return
        if view == "table":
            try:
                lines = p.table().splitlines()
            except OverflowError:  # a step still to come overflows
                return
            if not p.total:  # the pass of an input: one line that says it has no steps
                assert len(lines) == 1 and lines[0].startswith("No steps to go through: ")
                return
            assert len(lines) == 2 + p.total + (rec.k < p.total)
            for line, step in zip(lines[2:], p.steps, strict=False):
                assert line.startswith(f"{step.index} ") and line.endswith(short(step.input_grad))
        elif view == "draw_step" and HAS_GRAPHVIZ:
            from stepgrad import draw
            from stepgrad.draw import node_ids

            ids = node_ids(p.order)
            n = len(p.steps)
            for k in {n, (n + 1) // 2}:  # the latest step, and one half way
                want = {nid: "?" for nid in ids.values()}
                for j, g in rec.held.items():  # an input or parameter keeps its gradient
                    want[ids[self.real[j]]] = short(g)
                want[ids[p.root]] = short(p.root_grad)
                for s in p.steps[:k]:
                    want[ids[s.input]] = short(s.input_grad)
                graph = draw(p.root, p.steps[k - 1]) if k else draw(p.root, p)
                assert grad_texts(graph.source) == want, k
                event("drew a step")
            assert draw(p.root, p).source == (draw(p.root, p.steps[-1], p) if n else
                                              draw(p.root, p)).source

    # ----- after every rule -----------------------------------------------------------------

    @invariant()
    def every_gradient_is_what_the_finished_passes_give(self) -> None:
        want = self.expected()
        for i, (v, g) in enumerate(zip(self.real, want, strict=True)):
            assert same(v._grad, g), (i, v._grad, g)
            assert v.grad_computed == (g is not None)
        for i, (a, b) in enumerate(zip(self.committed, self.plain, strict=True)):
            assert (a is None) == (b is None), i
            if a is not None and math.isfinite(b) and math.isfinite(self.scale[i]):
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12 * self.scale[i]), (i, a, b)

    @invariant()
    def values_a_live_pass_has_not_reached_read_grad_question_mark(self) -> None:
        for rec in self.records:
            if rec.status == LIVE and rec.p is not None:
                reached = {id(rec.p.root)} | {id(s.input) for s in rec.p.steps}
                for j in rec.covers:
                    v = self.real[j]
                    if self.recipes[j][0] != "leaf" and id(v) not in reached:
                        assert not v.grad_computed and v.grad == 0.0

    @invariant()
    def the_engine_knows_the_same_live_passes(self) -> None:
        assert {id(p) for p in passes.live} - self.others == \
            {rec.pid for rec in self.records if rec.status == LIVE}
        for rec in self.records:
            if rec.p is not None:
                assert rec.p.stale == (rec.status == STALE)
                assert rec.p.done == (rec.status == DONE)
                assert len(rec.p.steps) == rec.k

    def teardown(self) -> None:
        for rec in self.records:  # end the passes left live, so that the next example starts clean
            if rec.status == LIVE:
                self.real[rec.root].zero_grad_graph()
        assert {id(p) for p in passes.live} <= self.others


PassRules.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
test_pass_rules = PassRules.TestCase


# ----- the rules, one at a time ---------------------------------------------------------------


def two_losses():
    """Two outputs over the same two parameters, and a third graph that shares nothing."""
    w, b = Value(0.5, label="w"), Value(-1.0, label="b")
    loss1 = (w * 2.0 + b).tanh()
    loss1.label = "loss1"
    loss2 = w * b * w
    loss2.label = "loss2"
    lone = Value(3.0, label="q").exp()
    return w, b, loss1, loss2, lone


def test_outputs_that_share_a_parameter_count_as_one_graph():
    w, b, loss1, loss2, lone = two_losses()
    p = loss1.backward_steps()
    next(p)
    elsewhere = lone.backward_steps()
    next(elsewhere)
    loss2.backward()  # shares w and b with loss1: p ends; `elsewhere` shares nothing
    assert p.stale and not elsewhere.stale
    assert (w.grad, b.grad) == (2 * 0.5 * -1.0, 0.25)  # loss2's alone: p's step was undone
    elsewhere.run()
    assert lone.inputs[0].grad == math.exp(3.0)


def test_a_pass_over_a_subgraph_ends_the_pass_over_the_whole():
    w, b, loss1, *_ = two_losses()
    inner = loss1.inputs[0]  # w * 2 + b
    p = loss1.backward_steps()
    next(p)
    next(p)
    q = inner.backward_steps()
    assert p.stale and inner.grad == 1.0 and not w.grad_computed
    q.run()
    assert (w.grad, b.grad) == (2.0, 1.0)


def test_resets_end_the_live_pass_that_covers_the_value():
    for reset in (lambda v: v.zero_grad(), lambda v: setattr(v, "grad", 5),
                  lambda v: v.zero_grad_graph()):
        w, b, loss1, *_ = two_losses()
        p = loss1.backward_steps()
        p.run()
        done = (w.grad, b.grad)
        q = loss1.backward_steps()
        next(q)
        reset(b)
        assert q.stale and not p.stale
        assert w.grad == done[0]  # q's step undone; the finished pass p stays
        with pytest.raises(StalePassError, match=r"after it started, (zero_grad\(\) reset b|"
                                                 r"the \.grad of b was set|zero_grad_graph\(\) "
                                                 r"reset the graph of b)\."):
            next(q)


def test_a_bad_grad_changes_nothing_and_ends_nothing():
    w, b, loss1, *_ = two_losses()
    p = loss1.backward_steps()
    next(p)
    with pytest.raises(TypeError, match=r"setting \.grad"):
        b.grad = "x"
    assert not p.stale
    p.run()


def test_a_failed_backward_puts_back_the_live_pass_it_ended():
    w = Value(3.0, label="w")
    small = w * 2.0 + w
    big = w * 1e300
    p = small.backward_steps()
    next(p)
    before = (w._grad, small._grad, big._grad)
    with pytest.raises(OverflowError):
        big.backward(1e300)  # shares w with p's graph: ends p, then fails
    assert not p.stale and p in passes.live
    assert (w._grad, small._grad, big._grad) == before
    assert len(p.run()) == 3 and w.grad == 3.0


class Interrupt:
    """A local gradient whose product raises KeyboardInterrupt, as Ctrl-C in the middle of a
    long backward() would."""

    def __mul__(self, other: float) -> float:
        raise KeyboardInterrupt


def test_backward_interrupted_half_way_leaves_every_gradient_as_before():
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    mid = y * 3.0
    out = mid * 5.0
    before = [v._grad for v in (x, y, mid, out)]
    mid._local1 = Interrupt()  # out -> mid works, mid -> y is interrupted
    with pytest.raises(KeyboardInterrupt):
        out.backward()
    assert [v._grad for v in (x, y, mid, out)] == before


def test_views_never_end_or_change_a_live_pass():
    w, b, loss1, *_ = two_losses()
    p = loss1.backward_steps()
    next(p)
    before = [v._grad for v in p.order]
    with contextlib.redirect_stdout(io.StringIO()):
        print_backward(loss1)
    walkthrough_data(loss1)
    p.table()
    repr(p), repr(p.current), [repr(v) for v in p.order]  # noqa: B018
    if HAS_GRAPHVIZ:
        from stepgrad import draw

        draw(loss1, p).source  # noqa: B018
        draw(loss1).source  # noqa: B018
    assert not p.stale and [v._grad for v in p.order] == before
    p.run()
    fresh = two_losses()[2]
    fresh.backward()
    assert [v.grad for v in p.order] == [v.grad for v in topological_order(fresh)]


def test_model_zero_grad_ends_a_pass_over_the_model():
    from stepgrad.nn import MLP, SGD

    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, -1.0])
    p = out.backward_steps()
    for _ in range(4):
        next(p)
    SGD(model.parameters(), lr=0.1).zero_grad()
    assert p.stale
    assert not any(v.grad_computed for v in topological_order(out))


class HashInterrupt:
    """An input that raises KeyboardInterrupt as soon as the sort looks at it: Ctrl-C while
    backward() is still sorting the graph (and has already set some gradients to 0)."""

    _in1 = _in2 = None

    def __hash__(self) -> int:
        raise KeyboardInterrupt

    @property
    def _grad(self) -> float:
        raise KeyboardInterrupt


def test_backward_interrupted_while_sorting_leaves_every_gradient_as_before():
    x = Value(2.0, label="x")
    y = x * x
    mid = y * 3.0
    out = mid * x
    out.backward()  # every gradient holds a number now
    before = [v._grad for v in (x, y, mid, out)]
    out._in2 = HashInterrupt()  # mid's side is sorted and reset first, then the sort is hit
    with pytest.raises(KeyboardInterrupt):
        out.backward()
    assert [v._grad for v in (x, y, mid, out)] == before


def test_a_live_pass_on_another_graph_is_left_alone_by_backward():
    a = Value(1.5, label="a")
    toy = a * a
    p = toy.backward_steps()
    next(p)
    w = Value(2.0, label="w")
    loss = w * w + w
    loss.backward()
    assert w.grad == 5.0
    assert not p.stale and p in passes.live  # not ended: it shares no value with loss
    p.run()
    assert a.grad == 3.0
