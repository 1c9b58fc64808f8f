"""backward() checks only the inputs' and parameters' gradients for inf and nan (a non-finite
gradient anywhere flows on into every input below it). These tests check that claim against a
reference that looks at every gradient: backward() raises exactly when some gradient in the
graph is not finite, names the same value, and changes nothing when it raises."""

from __future__ import annotations

import math

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.backward import topological_order


def powers_of_ten(low: int, high: int) -> st.SearchStrategy[float]:
    return st.builds(lambda sign, e: sign * 10.0**e, st.sampled_from([1.0, -1.0]),
                     st.integers(low, high))


PLAIN = st.sampled_from([0.0, 1.0, 2.0, -0.5]) | powers_of_ten(-10, 10)
# a tiny input times huge constants: every forward result is finite, but the local gradients
# are huge, and their products overflow in backward
TINY, HUGE = powers_of_ten(-300, -100), powers_of_ten(100, 300)


@st.composite
def graphs(draw):
    """A random graph of *, +, relu and tanh over a few inputs, often with a tiny input
    multiplied by huge constants; sometimes two graphs over inputs of their own, added at the
    end (so that an overflow in one reaches only its own inputs); some inputs already hold a
    gradient from an earlier pass, at times a huge one."""
    parts = [draw(chains(1))] if draw(st.booleans()) else []
    leaves, root = draw(chains(0))
    for other_leaves, other_root in parts:
        leaves += other_leaves
        try:
            root = root + other_root if draw(st.booleans()) else other_root + root
        except (OverflowError, ValueError):
            pass
    for leaf in leaves:
        held = draw(st.none() | PLAIN | HUGE | st.just(1.7e308))
        if held is not None:  # None: no gradient yet
            leaf.grad = held
    return leaves, root


@st.composite
def chains(draw, part: int = 0):
    """One random graph of *, +, relu and tanh over a few inputs of its own."""
    leaves = [Value(draw(TINY | PLAIN), label=f"x{part}{i}")
              for i in range(draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 16))):
        kind = draw(st.sampled_from(["* c", "* c", "* c", "*", "+", "relu", "tanh"]))
        a = draw(st.sampled_from([nodes[-1]] * 4 + nodes))  # chains are likelier
        try:
            if kind == "*":
                out = a * draw(st.sampled_from(nodes))
            elif kind == "+":
                out = a + draw(st.sampled_from(nodes))
            elif kind == "relu":
                out = a.relu()
            elif kind == "tanh":
                out = a.tanh()
            else:
                out = a * draw(st.sampled_from([HUGE, HUGE, PLAIN]).flatmap(lambda s: s))
        except (OverflowError, ValueError):  # a result too large for a float: not a node
            continue
        nodes.append(out)
    return leaves, nodes[-1]


def reference_gradients(root: Value) -> dict[int, float]:
    """Every gradient of one pass, computed with no check at all (inf and nan kept); inputs
    start from the gradient they hold."""
    order = topological_order(root)
    grads = {id(n): 0.0 if n._in1 is not None or n._grad is None else n._grad for n in order}
    grads[id(root)] += 1.0
    for node in reversed(order):
        for parent, local in ((node._in1, node._local1), (node._in2, node._local2)):
            if parent is not None:
                grads[id(parent)] += local * grads[id(node)]
    return grads


@settings(max_examples=1000, deadline=None)
@given(graphs())
def test_backward_raises_exactly_when_some_gradient_is_not_finite(graph):
    leaves, root = graph
    event("overflows" if not all(map(math.isfinite, reference_gradients(root).values()))
          else "finite")
    expected = reference_gradients(root)
    bad = [g for g in expected.values() if not math.isfinite(g)]
    order = topological_order(root)
    before = [n._grad for n in order]
    try:
        root.backward()
    except OverflowError as error:
        assert bad, f"backward raised, but every gradient is finite: {error}"
        assert [n._grad for n in order] == before  # nothing changed
        # the message names the first value, from the output back, whose gradient is not finite
        first = next(n for n in reversed(order) if not math.isfinite(expected[id(n)]))
        assert f"data {first.data:.6g}" in str(error)
    else:
        assert not bad, "a gradient is inf or nan, and backward() said nothing"
        for n in order:
            assert n.grad == expected[id(n)]


def test_an_overflow_that_reaches_only_the_last_input_is_caught():
    a = Value(1.0, label="a")
    t = Value(1e-200, label="t")
    out = a * 2.0 + t * 1e200 * 1e200  # t's gradient is 1e400: inf; a's is 2
    with pytest.raises(OverflowError, match="gradient of 't'"):
        out.backward()
    assert not a.grad_computed and not t.grad_computed  # as before the call


def test_a_held_gradient_that_overflows_when_the_pass_adds_to_it_is_caught():
    w = Value(1.0, label="w")
    w.grad = 1.7e308  # from an earlier pass
    loss = w * 1e308  # finite; w's gradient becomes 1.7e308 + 1e308: inf, and only w's
    with pytest.raises(OverflowError, match="gradient of 'w'"):
        loss.backward()
    assert w.grad == 1.7e308 and not loss.grad_computed


def test_inf_times_a_zero_local_gradient_is_nan_and_names_where_inf_began():
    k = Value(-1.0, label="k")
    r = k.relu()
    r.label = "r"
    out = r * 1e200 * 1e200  # 0, finite; r's gradient is inf, k's is inf x 0: nan
    with pytest.raises(OverflowError, match="gradient of 'r'.* became inf"):
        out.backward()
    assert not k.grad_computed and not r.grad_computed
