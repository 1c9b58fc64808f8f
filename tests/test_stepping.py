"""Stepping through the backward pass: the same result as backward(), one step per edge, in
backward's order, each step's numbers consistent, and readable names, reprs and tables."""

from __future__ import annotations

import math

import pytest
from expressions import expressions, input_lists, run_values, show
from graphs import micrograd_readme_graph, neuron
from hypothesis import assume, given, settings

from stepgrad import BackwardPass, Value, print_backward
from stepgrad.backward import topological_order


def shared() -> Value:
    x = Value(0.3, label="x")
    y = x.exp() * x + x.sigmoid().max(x) - (x * x).log() / x.elu(0.5)
    return y * y + y.leaky_relu(0.2) + 2 ** y


def mixed() -> Value:
    p, q = Value(1.7), Value(-0.6)
    r = (p / q - q**3 + p**q).tanh()
    return r * abs(q) + r.min(q) + (0.5 - r) * p


GRAPHS = [micrograd_readme_graph, neuron, shared, mixed]


def assert_same_gradients(build, seed=1.0):
    """Build the graph twice: once backward(), once stepped to the end. Bitwise equal grads."""
    ran, stepped = build(), build()
    ran.backward(seed)
    BackwardPass(stepped, seed).run()
    a, b = topological_order(ran), topological_order(stepped)
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert u.data == v.data
        assert u.grad == v.grad  # exactly, not approximately
        assert u.grad_computed and v.grad_computed


@pytest.mark.parametrize("build", GRAPHS)
def test_stepping_to_the_end_leaves_exactly_backwards_gradients(build):
    assert_same_gradients(build)
    assert_same_gradients(build, seed=-0.7)


@pytest.mark.parametrize("build", GRAPHS)
def test_one_step_per_edge_in_backwards_order(build):
    root = build()
    p = root.backward_steps()
    order = topological_order(root)
    edges = sum(len(v.inputs) for v in order)
    assert len(p) == p.total == edges
    steps = p.run()
    assert len(steps) == edges and p.done
    assert [s.index for s in steps] == list(range(1, edges + 1))
    # exactly backward()'s walk: nodes from the output back, each node's inputs in order
    expected = [(v, parent) for v in reversed(order) for parent in v.inputs]
    assert all(s.node is v and s.input is parent
               for s, (v, parent) in zip(steps, expected, strict=True))
    # a node passes its gradient on only after every node that uses it has finished
    for s in steps:
        assert all(later.input is not s.node for later in steps[s.index:])


@pytest.mark.parametrize("build", GRAPHS)
def test_each_steps_numbers_are_consistent(build):
    root = build()
    p = root.backward_steps()
    for step in p:
        assert step.contribution == step.upstream * step.local
        assert step.input_grad == step.input.grad  # the input's grad at this very moment
        k = [i for i, parent in enumerate(step.node.inputs) if parent is step.input]
        assert step.local in [step.node.local_grads[i] for i in k]
        assert step.node_name == p.name(step.node) and step.input_name == p.name(step.input)
        assert step is p.current
    for step in p.steps:
        assert step.upstream == step.node.grad  # the node's final gradient
        if step.node is root:
            assert step.upstream == 1.0


def test_repr_reads_as_one_line_of_the_chain_rule():
    a = Value(0.5, label="a")
    n = a * 2
    n.label = "n"
    h = n.tanh()
    h.label = "h"
    p = h.backward_steps()
    assert repr(p) == "<BackwardPass of h: step 0/2: not started>"
    first = next(p)
    assert repr(first) == "h = tanh(n): upstream 1 x local 0.42 -> n.grad += 0.42 (now 0.42)"
    assert first.local == 1 - math.tanh(1.0) ** 2
    assert repr(p).startswith("<BackwardPass of h: step 1/2: h = tanh(n): upstream 1")
    second = next(p)
    assert repr(second) == "n = a * 2: upstream 0.42 x local 2 -> a.grad += 0.8399 (now 0.8399)"
    with pytest.raises(StopIteration):
        next(p)


def test_formulas_name_the_inputs():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    cases = {
        "x + y": x + y, "x - y": x - y, "x * y": x * y, "x / y": x / y, "x ** y": x**y,
        "x * 2": x * 2, "2 * x": 2 * x, "x + 1": x + 1, "1 - x": 1 - x, "1 / x": 1 / x,
        "x ** 2": x**2, "2 ** x": 2**x, "-x": -x, "exp(x)": x.exp(), "log(x)": x.log(),
        "tanh(x)": x.tanh(), "sigmoid(x)": x.sigmoid(), "relu(x)": x.relu(),
        "leaky_relu(x)": x.leaky_relu(), "elu(x)": x.elu(), "abs(x)": abs(x),
        "max(x, y)": x.max(y), "min(x, y)": x.min(y),
    }
    for text, out in cases.items():
        out.label = "out"
        step = next(out.backward_steps())
        assert step.formula == text
        assert repr(step).startswith(f"out = {text}: upstream 1 x local ")


def test_unlabelled_values_get_short_unique_names():
    a, b = Value(1.0), Value(2.0)
    c = a * b + a
    p = c.backward_steps()
    names = [p.name(v) for v in p.order]
    assert sorted(names) == ["v1", "v2", "v3", "v4"]
    assert p.name(c) == "v4"  # numbered in forward order, root last


def test_duplicate_and_clashing_labels_get_distinct_names():
    w1, w2, w3 = Value(1.0, label="w"), Value(2.0, label="w"), Value(3.0, label="w")
    odd = Value(4.0, label="v1")
    out = (w1 * w2 + w3) * odd * Value(5.0)
    p = out.backward_steps()
    names = [p.name(v) for v in p.order]
    assert len(set(names)) == len(names)
    assert {p.name(w1), p.name(w2), p.name(w3)} == {"w", "w#2", "w#3"}
    assert p.name(odd) in ("v1", "v1#2")  # a label that looks like an automatic name
    for step in p:  # every printed line names its values unambiguously
        assert f"{step.input_name}.grad +=" in repr(step)


def test_table_has_one_row_per_step():
    root = micrograd_readme_graph()
    p = root.backward_steps()
    p.run()
    lines = p.table().splitlines()
    assert lines[0].split() == ["step", "node", "=", "formula", "input", "upstream", "local",
                                "contribution", "input", "grad"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = lines[2:]
    assert len(rows) == len(p) == len(p.steps)
    for row, step in zip(rows, p.steps, strict=True):
        cells = row.split()
        assert cells[0] == str(step.index)
        assert f"{step.node_name} = {step.formula}" in row
        assert cells[-1] == f"{step.input_grad:.4g}"


def test_table_of_an_unfinished_pass_shows_the_steps_to_come_without_doing_them():
    root = micrograd_readme_graph()
    p = root.backward_steps()
    before = [(v, v._grad) for v in p.order]
    lines = p.table().splitlines()
    assert lines[2] == f"...   steps 1-{len(p)} are not done yet: next() does them one at a time"
    assert len(lines) == 3 + len(p)
    assert not p.steps and [(v, v._grad) for v in p.order] == before  # nothing was applied
    for _ in range(5):
        next(p)
    before = [(v, v._grad) for v in p.order]
    lines = p.table().splitlines()
    assert lines[7].startswith("...   steps 6-39 are not done yet")
    assert len(p.steps) == 5 and [(v, v._grad) for v in p.order] == before
    rows = lines[2:7] + lines[8:]
    p.run()  # the rows still to come said exactly what the steps then did
    assert rows == p.table().splitlines()[2:]


def test_print_backward_prints_the_table(capsys):
    print_backward(neuron())
    printed = capsys.readouterr().out
    p = neuron().backward_steps()
    p.run()
    assert printed == p.table() + "\n"
    assert "o = tanh(n)" in printed and len(printed.splitlines()) == 2 + 9


def test_a_pass_stepped_halfway_leaves_partial_gradients():
    root = shared()
    p = root.backward_steps()
    half = len(p) // 2
    taken = [next(p) for _ in range(half)]
    assert not p.done and p.current is taken[-1] and len(p.steps) == half
    assert repr(p).startswith(f"<BackwardPass of {p.name(root)}: step {half}/{len(p)}:")
    # each reached value holds exactly the sum of the contributions it has received so far
    received: dict[int, float] = {}
    for s in taken:
        received[id(s.input)] = received.get(id(s.input), 0.0) + s.contribution
    for v in p.order:
        if v is root:
            assert v.grad == 1.0
        elif id(v) in received:
            assert v.grad == pytest.approx(received[id(v)], rel=1e-12)
        else:
            assert v.grad == 0.0 and not v.grad_computed  # not reached yet: "grad ?"
    assert p.reached == {root} | {s.input for s in taken}
    p.run()  # finishing it gives backward()'s gradients
    full = shared()
    full.backward()
    assert [v.grad for v in p.order] == [v.grad for v in topological_order(full)]


@settings(max_examples=60, deadline=None)
@given(expr=expressions, xs=input_lists)
def test_random_expressions_step_to_backwards_gradients(expr, xs):
    a, b = run_values(expr, xs) or (None, None), run_values(expr, xs) or (None, None)
    assume(a[0] is not None)
    (ran, ran_leaves), (stepped, stepped_leaves) = a, b
    ran.backward()
    p = BackwardPass(stepped)
    assert len(p) == sum(len(v.inputs) for v in p.order)
    p.run()
    for u, v in zip(ran_leaves, stepped_leaves, strict=True):
        assert u.grad == v.grad, show(expr)
    for u, v in zip(topological_order(ran), p.order, strict=True):
        assert u.grad == v.grad, show(expr)


def test_the_note_before_one_last_step_says_it():
    from stepgrad.stepping import not_done_note

    assert not_done_note(2, 3) == "step 3 is not done yet: next() does it"
    assert not_done_note(1, 3) == "steps 2-3 are not done yet: next() does them one at a time"
    assert not_done_note(3, 3) == ""
