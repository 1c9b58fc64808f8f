"""A count of 1 takes the singular in every message of the engine: "agree on the 1 input",
never "all 1 inputs" (messages are read by learners for whom English is a second language)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value, batched, gradcheck
from stepgrad.display import pass_mimebundle
from stepgrad.grouped_pass import GroupedPass
from stepgrad.grouping import Grouping
from stepgrad.stepping import node_names
from stepgrad.views import plan
from stepgrad.walkthrough_grouped import grouped_walkthrough_data
from stepgrad.words import plural


@given(n=st.integers(0, 10**7))
def test_plural(n):
    assert plural(n, "input") == f"{n:,} input" + ("" if n == 1 else "s")
    assert plural(n, "box", "boxes").endswith("box" if n == 1 else "boxes")


def test_gradcheck_of_one_input():
    text = str(gradcheck(lambda a: a * a, 1.5))
    assert text.startswith("gradcheck passed: the engine and finite differences agree on the "
                           "1 input\n")
    assert "all 2 inputs" in str(gradcheck(lambda a, b: a * b, 1.5, 2.0))


@pytest.mark.parametrize("labels, count, message", [
    (["a"], 2, "got 1 label for 2 inputs"),
    (["a", "b"], 1, "got 2 labels for 1 input$"),
])
def test_gradcheck_labels_that_do_not_fit(labels, count, message):
    with pytest.raises(ValueError, match=message):
        gradcheck(lambda *xs: sum(xs, Value(0.0)), *[1.0] * count, labels=labels)


@pytest.mark.parametrize("parents, local, counts", [
    (1, 2, "got 1 input and 2 local gradients"),
    (2, 1, "got 2 inputs and 1 local gradient$"),
    (3, 1, "got 3 inputs and 1 local gradient$"),
])
def test_a_hand_made_node_with_counts_that_do_not_fit(parents, local, counts):
    xs = tuple(Value(float(k)) for k in range(parents))
    with pytest.raises(ValueError, match=counts):
        Value(1.0, "", xs, (1.0,) * local, "f")


def test_a_batch_of_one_sample():
    w = Value(2.0)
    r = batched(lambda x: w * x)([3.0])
    assert repr(r) == "BatchResult(data=6, 1 sample)"
    with pytest.raises(IndexError, match=r"^sample: there is 1 sample \(0 to 0\), got 1$"):
        r.sample(1)
    with pytest.raises(ValueError, match="argument 1 has 1 sample but argument 2 has 2"):
        batched(lambda x, t: w * x - t)([3.0], [1.0, 2.0])


def test_a_pass_with_one_step_not_shown_in_a_notebook():
    x = Value(0.5, label="x")
    y = x
    for _ in range(21):
        y = y * 1.0
    p = y.backward_steps()
    p.run()
    text = pass_mimebundle(p, include={"text/plain"})["text/plain"]
    assert "(1 earlier step not shown: they are in .steps)" in text


def one_edge_neuron() -> Value:
    w = Value(0.5, label="L1.n1.w1")
    out = w * 2.0
    out.label = "L1.n1"
    loss = out * 3.0
    loss.label = "loss"
    return loss


def test_grouped_steps_of_one_edge():
    loss = one_edge_neuron()
    steps = GroupedPass(loss, "neuron").run()
    assert repr(steps[-1]) == "L1.n1: 1 edge -> (inside L1.n1 only)"
    lone = Value(0.5, label="w") * 3.0
    gp = GroupedPass(lone, "neuron")
    gp.run()
    with pytest.raises(StopIteration, match="^the grouped pass is finished: its 1 step is done$"):
        next(gp)
    view = plan(loss, group="neuron")
    formulas = [s["formula"] for s in grouped_walkthrough_data(loss, 1.0, view)["steps"]]
    assert "back through L1.n1: 1 edge" in formulas


def test_drawing_notes_of_one():
    loss = one_edge_neuron()
    assert "up to 1 step back: 2 values" in plan(loss, focus="L1.n1", depth=1).note
    leaf = Value(1.0, label="L1.n1.w1")
    assert plan(leaf, group="neuron").note.startswith("1 value grouped by neuron into 1 box. ")
    order = [leaf]
    (group,) = Grouping(order, "neuron", node_names(order)).groups
    assert group.size_text() == "1 value"


def test_overflow_of_a_grouped_step_of_one_edge():
    """Going back through neuron L1.n1 (1 edge) overflows: the step says '1 edge'."""
    w = Value(1e-300, label="L1.n1.w1")
    out = w * 1e308  # 1e8; its local gradient for w is 1e308
    out.label = "L1.n1"
    loss = out * 1e10  # w.grad = 1e10 * 1e308 = inf
    loss.label = "loss"
    gp = GroupedPass(loss, "neuron")
    next(gp)
    with pytest.raises(OverflowError, match=r"Step 2 \(back through L1\.n1, 1 edge\) was not "
                                            r"applied: the grouped pass stays at step 1\."):
        next(gp)
