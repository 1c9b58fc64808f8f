"""An out-of-date graph is refused, never walked (autograd/staleness.py).

A graph holds the numbers of the moment it was built. The review found the classic mistake: the
loss built once before the training loop, `loss.backward()` inside it. The printed loss never
moved, the gradient stayed the first one, and the parameters ran away, with no message.
"""

from __future__ import annotations

import pytest
from expressions import expressions, input_lists, run_values
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from stepgrad import Value, batched
from stepgrad.backward import topological_order
from stepgrad.nn import MLP, SGD, mse

OUT_OF_DATE = "the graph is out of date"


def test_the_loss_built_once_before_the_training_loop_is_refused():
    m = MLP(2, [3, 1], activation="tanh", seed=0)
    opt = SGD(m.parameters(), lr=0.5)
    loss = mse([m(x) for x in [[0.0, 1.0], [1.0, 0.0]]], [1.0, 0.0])  # once, before the loop
    opt.zero_grad()
    loss.backward()
    opt.step()
    opt.zero_grad()
    with pytest.raises(RuntimeError, match=rf"backward: {OUT_OF_DATE}: 'L1\.n\d\.w\d' changed "
                                           r".*compute the loss inside the loop"):
        loss.backward()
    # nothing changed: the parameters still have no gradient, the graph its old ones
    assert not any(p.grad_computed for p in m.parameters())


def test_backward_twice_with_nothing_changed_still_adds_up():
    w = Value(0.5, label="w")
    y = (w * 3.0).tanh()
    y.backward()
    first = w.grad
    y.backward()
    assert w.grad == 2 * first


def test_a_value_set_in_the_middle_of_the_graph_is_named():
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    h = (w * x).tanh()
    h.label = "h"
    y = h * 2.0 + 1.0
    y.backward()
    h.data = 0.25
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'h' changed"):
        y.backward()


def test_an_input_set_is_named_by_its_number_when_it_has_no_label():
    x = Value(2.0)
    y = x * x
    y.backward()
    x.data = 3.0
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: the input holding 3 changed"):
        y.backward()


@pytest.mark.parametrize("reset", ["zero_grad_graph", "zero_grad", "grad = None"])
def test_resetting_the_output_does_not_hide_an_out_of_date_graph(reset):
    """Review finding: the README's own advice, loss.zero_grad_graph() then loss.backward()
    in a loop over a loss built once, gave the first gradient forever."""
    w = Value(0.5, label="w")
    loss = (w * 3.0 - 1.0) ** 2
    loss.backward()
    w.data -= 0.1 * w.grad
    if reset == "zero_grad_graph":
        loss.zero_grad_graph()
    elif reset == "zero_grad":
        loss.zero_grad()
    else:
        loss.grad = None
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'w' changed"):
        loss.backward()


def test_a_product_names_exactly_the_value_that_changed():
    """A product keeps its inputs' numbers, so the error names only what moved (review: it
    named both inputs when the product itself was set, and an unchanged input of a model)."""
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    h = w * x
    h.label = "h"
    y = h * 3.0
    y.backward()
    h.data = 7.0  # w and x are unchanged
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'h' changed"):
        y.backward()
    h.data = 1.0  # as built again
    w.data = 0.25
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'w' changed"):
        y.backward()
    xs = [Value(1.5), Value(-0.5)]  # a model's inputs as Values: only the weight moved
    m = MLP(2, [2, 1], seed=0)
    loss = (m(xs) - 1.0) ** 2
    loss.backward()
    SGD(m.parameters(), lr=0.1).step()
    with pytest.raises(RuntimeError, match=rf"{OUT_OF_DATE}: 'L\d\.n\d\.w\d' changed after"):
        loss.backward()


def test_a_refused_backward_is_refused_again_and_a_reset_covers_the_whole_graph():
    """Review finding: the mark a reset leaves was used up by the refused call, so running the
    cell again gave the old gradient; and a reset of a larger output did not cover a part."""
    w = Value(0.5, label="w")
    loss = (w * 3.0 - 1.0) ** 2
    total = loss + 0.0
    total.backward()
    w.data = 0.4
    total.zero_grad_graph()
    for _ in range(2):
        with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'w' changed"):
            total.backward()
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'w' changed"):
        loss.backward()  # a part of the reset graph


def test_resets_of_other_values_keep_each_mark():
    """Review finding: a later reset (of another output, of an input) forgot the earlier one,
    so the stale training loss got through again. The mark now lives on each reset value."""
    m = MLP(2, [3, 1], seed=0)
    opt = SGD(m.parameters(), lr=0.1)
    train = mse([m(x) for x in [[1.0, 2.0], [-1.0, 0.5]]], [1.0, -1.0])
    val = mse([m([0.5, 0.5])], [0.0])
    train.backward()
    val.backward()
    opt.step()
    train.zero_grad_graph()
    val.zero_grad_graph()
    m.parameters()[0].zero_grad_graph()  # an input's reset too
    with pytest.raises(RuntimeError, match=OUT_OF_DATE):
        train.backward()
    w = Value(0.5, label="w")
    h = w * 3.0
    loss = (h - 1.0) ** 2
    loss.backward()
    w.data = 0.4
    loss.zero_grad()
    h.zero_grad()
    w.zero_grad()
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'w' changed"):
        loss.backward()


def test_a_reset_mark_reads_as_the_label_and_survives_relabelling():
    w = Value(0.5, label="w")
    h = w * 3.0
    h.label = "h"
    y = h * 2.0
    y.backward()
    y.zero_grad_graph()
    assert h.label == "h" and type(h.label) is str and y.label == "" and type(y.label) is str
    y.label = "y"
    w.data = 0.4
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'w' or 'h' changed"):
        y.backward()  # (h = w * 3 is labelled, and a constant's product cannot tell which)


def test_a_new_output_is_not_checked_on_its_first_pass_even_after_a_reset(monkeypatch):
    """What the README promises: a loop that builds its loss each time pays nothing, also when
    it resets the new loss first; a reset after a pass makes the next pass check the graph."""
    import stepgrad.backward as backward_module

    calls = []
    real = backward_module.check_up_to_date
    monkeypatch.setattr(backward_module, "check_up_to_date",
                        lambda order, action: calls.append(action) or real(order, action))
    w = Value(0.5, label="w")
    for _ in range(3):
        loss = (w * 3.0 - 1.0) ** 2
        loss.zero_grad_graph()
        loss.backward()
        w.data -= 0.01 * w.grad
    assert calls == []
    loss = (w * 3.0 - 1.0) ** 2
    loss.backward()
    loss.zero_grad_graph()  # after its pass: now its next pass checks (and finds it up to date)
    loss.backward()
    assert calls == ["backward"]


def test_grad_refuses_an_out_of_date_graph():
    from stepgrad import grad

    x = Value(2.0, label="x")
    y = x ** 4 - 2 * x ** 2
    (dy,) = grad(y, x, create_graph=True)
    x.data = 1.5  # Newton's step written into x: y and dy were built at 2
    with pytest.raises(RuntimeError, match=f"grad: {OUT_OF_DATE}: 'x' changed"):
        grad(dy, x)
    with pytest.raises(RuntimeError, match=f"grad: {OUT_OF_DATE}: 'x' changed"):
        grad(y, x)


def test_stepping_refuses_an_out_of_date_graph_even_on_its_first_pass():
    w = Value(0.5, label="w")
    y = (w - 1.0) ** 2
    w.data = 0.75
    with pytest.raises(RuntimeError, match=f"backward_steps: {OUT_OF_DATE}: 'w' changed"):
        y.backward_steps()


def test_a_change_that_moves_a_log_input_out_of_its_domain_is_out_of_date():
    x = Value(2.0, label="x")
    y = x.log()
    y.backward()
    x.data = -1.0  # log(-1) has no value: the graph certainly no longer fits
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'x' changed"):
        y.backward()


def fresh_gradients(expr, xs):
    """The gradients a graph built now, at the numbers `xs`, gives: (output data, grads)."""
    built = run_values(expr, xs)
    out, leaves = built
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@settings(max_examples=300, deadline=None)
@given(expressions, input_lists, st.integers(0, 2), st.one_of(st.none(), st.floats(-2, 2)))
def test_after_a_change_backward_is_refused_or_gives_the_new_numbers_gradients(
        expr, xs, which, new):
    """Every table entry, random graphs: after an input changes, a second backward() either
    raises (and then the input did change, and no gradient moved) or gives exactly the
    gradients of a graph built anew at the new numbers. `new` None: set the same number."""
    built = run_values(expr, xs)
    assume(built is not None)
    out, leaves = built
    assume(out._in1 is not None)
    out.backward()
    moved = list(xs)
    moved[which] = xs[which] if new is None else new
    fresh = run_values(expr, moved)
    assume(fresh is not None)
    leaves[which].data = moved[which]
    for leaf in leaves:
        leaf.zero_grad()  # only the leaves: the output keeps its pass, so the graph is checked
    before = [n._grad for n in topological_order(out)]
    try:
        out.backward()
    except RuntimeError as error:
        assert OUT_OF_DATE in str(error)
        assert moved[which] != xs[which]  # never a false alarm
        assert [n._grad for n in topological_order(out)] == before
        return
    data, grads = fresh_gradients(expr, moved)
    assert out.data == data
    assert [leaf.grad for leaf in leaves] == grads


class BuildChangeBackward(RuleBasedStateMachine):
    """Graphs built over a shared pool of inputs, inputs changed, passes run and stepped, in any
    order. The model: a graph is out of date once an input it was built from changes. The
    engine must never refuse an up-to-date graph, and whenever it checks (a stepped pass, or a
    second backward of an output) it must never give the gradients of old numbers."""

    def __init__(self):
        super().__init__()
        self.pool = [Value(x, label=f"x{i}") for i, x in enumerate([0.3, -1.2, 0.8])]
        self.graphs: list[tuple[tuple, Value, list[float], bool]] = []  # expr, out, xs, had pass

    @rule(expr=expressions)
    def build(self, expr):
        xs = [v.data for v in self.pool]
        built = _on_pool(expr, self.pool)
        if built is not None and built._in1 is not None:
            self.graphs.append((expr, built, xs, False))

    @rule(i=st.integers(0, 2), x=st.one_of(st.sampled_from([0.0, 0.5, -1.0]), st.floats(-2, 2)))
    def change_an_input(self, i, x):
        self.pool[i].data = x

    @precondition(lambda self: self.graphs)
    @rule(k=st.integers(0, 10 ** 6), stepped=st.booleans())
    def backward(self, k, stepped):
        expr, out, xs, had_pass = self.graphs[k % len(self.graphs)]
        now = [v.data for v in self.pool]
        for v in self.pool:
            v.zero_grad()
        checked = stepped or had_pass
        try:
            if stepped:
                out.backward_steps().run()
            else:
                out.backward()
        except RuntimeError as error:
            assert OUT_OF_DATE in str(error)
            assert now != xs, "an up-to-date graph was refused"
            return
        except OverflowError:
            return
        self.graphs[k % len(self.graphs)] = (expr, out, xs, True)
        if checked:
            fresh = run_values(expr, now)
            if fresh is None:
                return
            data, grads = fresh_gradients(expr, now)
            assert out.data == data
            assert [v.grad for v in self.pool] == grads

    @precondition(lambda self: self.graphs)
    @rule(k=st.integers(0, 10 ** 6), how=st.sampled_from(["zero_grad_graph", "zero_grad",
                                                          "grad = None"]))
    def reset_an_output(self, k, how):
        """A reset must not hide an out-of-date graph from the next backward()."""
        out = self.graphs[k % len(self.graphs)][1]
        if how == "zero_grad_graph":
            out.zero_grad_graph()
        elif how == "zero_grad":
            out.zero_grad()
        else:
            out.grad = None

    @invariant()
    def inputs_are_finite(self):
        assert all(v.data - v.data == 0.0 for v in self.pool)


def _on_pool(expr, pool):
    from expressions import VALUE_FNS, evaluate

    try:
        return evaluate(expr, pool, VALUE_FNS)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None


TestBuildChangeBackward = BuildChangeBackward.TestCase
TestBuildChangeBackward.settings = settings(max_examples=150, stateful_step_count=20,
                                            deadline=None)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_batched_result_made_before_a_step_is_refused(backend):
    m = MLP(2, [3, 1], seed=0)
    opt = SGD(m.parameters(), lr=0.1)
    step = batched(lambda x, y: (m(x) - y) ** 2, backend=backend)
    loss = step([[0.0, 1.0], [1.0, 0.0]], [1.0, 0.0])
    opt.zero_grad()
    loss.backward()
    first = [p.grad for p in m.parameters()]
    loss.backward()  # nothing changed: it adds the same again, as a Value's backward()
    assert [p.grad for p in m.parameters()] == [2 * g for g in first]
    opt.step()
    opt.zero_grad()
    with pytest.raises(RuntimeError, match=rf"backward: {OUT_OF_DATE}: 'L\d\.n\d\.[wb]\d?' "):
        loss.backward()
    assert not any(p.grad_computed for p in m.parameters())


def test_a_term_added_to_a_batched_result_is_checked_too():
    w = Value(0.5, label="w")
    v = Value(2.0, label="v")  # only in the added term
    loss = batched(lambda x: w * x)([1.0, 2.0]) + v * v
    loss.backward()
    v.data = 3.0
    with pytest.raises(RuntimeError, match=f"{OUT_OF_DATE}: 'v' changed"):
        loss.backward()
