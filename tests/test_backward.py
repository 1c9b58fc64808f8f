"""The backward pass: sums over paths, accumulation, seeding, zero_grad, no_grad, depth, width."""

from __future__ import annotations

import math

import pytest

from stepgrad import BackwardPass, Value, grad_mode, no_grad


def test_a_value_used_on_several_paths_gets_the_sum():
    a = Value(0.7, label="a")
    b = a * 3  # path 1: slope 3
    c = a.tanh()  # path 2: slope 1 - tanh(a)**2
    d = b + c + a  # path 3: slope 1
    d.backward()
    assert a.grad == pytest.approx(3 + (1 - math.tanh(0.7) ** 2) + 1, rel=1e-15)
    sq = a * a  # the same value twice in one operation: a + a = 2a
    a.zero_grad()
    sq.backward()
    assert a.grad == 2 * 0.7


def build():
    """A small graph with two leaves and shared intermediates."""
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    n = x * w + x
    n.label = "n"
    h = n.tanh()
    h.label = "h"
    out = h * n + w.sigmoid()
    return x, w, n, h, out


def test_backward_twice_adds_again_to_leaves_but_not_to_intermediates():
    """As PyTorch with retain_graph=True: a second backward() adds the same gradient again to
    the leaves (x.grad doubles exactly), while every intermediate value's gradient is
    recomputed from scratch, so it reads the same as after the first pass (never doubled)."""
    x, w, n, h, out = build()
    out.backward()
    first = {v: v.grad for v in (x, w, n, h, out)}
    out.backward()
    assert x.grad == 2 * first[x] and w.grad == 2 * first[w]
    for v in (n, h, out):
        assert v.grad == first[v]
    assert first[x] != 0.0 and first[w] != 0.0 and first[n] != 0.0


def test_backward_grad_seeds_the_output():
    x, w, n, h, out = build()
    out.backward()
    ones = {v: v.grad for v in (x, w, n, h)}
    for v in (x, w):
        v.zero_grad()
    out.backward(grad=2.0)  # a power of two: every gradient doubles exactly
    assert out.grad == 2.0
    for v in (x, w, n, h):
        assert v.grad == 2 * ones[v]
    for v in (x, w):
        v.zero_grad()
    out.backward(grad=-0.3)
    for v in (x, w, n, h):
        assert v.grad == pytest.approx(-0.3 * ones[v], rel=1e-14)
    for v in (x, w):
        v.zero_grad()
    out.backward(grad=3)  # an int is fine
    assert out.grad == 3.0


def test_zero_grad_starts_afresh():
    x, w, n, h, out = build()
    out.backward()
    first = (x.grad, w.grad)
    x.zero_grad()
    w.zero_grad()
    assert (x.grad, w.grad) == (0.0, 0.0)
    assert not x.grad_computed and not w.grad_computed
    out.backward()
    assert (x.grad, w.grad) == first


def test_grad_is_zero_and_not_computed_until_reached():
    a, b = Value(1.0), Value(2.0)
    c = a * 3
    assert c.grad == 0.0 and not c.grad_computed
    c.backward()
    assert a.grad_computed and a.grad == 3.0
    assert not b.grad_computed  # not part of c's graph


def test_backward_on_a_leaf_seeds_it():
    a = Value(4.0)
    a.backward()
    assert a.grad == 1.0


def test_no_grad_builds_no_graph():
    w = Value(2.0)
    with no_grad():
        y = (w * 3 + w).tanh().max(w)
        assert not grad_mode.is_grad_enabled()
    assert y.inputs == () and y.local_grads == ()
    with pytest.raises(RuntimeError, match="made inside no_grad"):  # there is no graph
        y.backward()
    assert w.grad == 0.0 and not w.grad_computed  # nothing flowed back
    z = w * 3  # outside, graphs are built again
    assert z.inputs == (w,)


def test_no_grad_restores_the_mode_after_an_exception():
    w = Value(2.0)
    with pytest.raises(ValueError):
        with no_grad():
            (w * 0).log()
    assert grad_mode.is_grad_enabled()
    assert (w * 2).inputs == (w,)


def test_no_grad_nests():
    with no_grad():
        with no_grad():
            pass
        assert not grad_mode.is_grad_enabled()
        assert Value(1.0).__mul__(2).inputs == ()
    assert grad_mode.is_grad_enabled()


def test_a_million_deep_chain_without_recursion_error():
    """y = x * c * c * ... * c (10**6 multiplications). With x = 1 the backward pass
    multiplies the same numbers in the same order as the forward pass, so x.grad must equal
    y.data bit for bit; c.grad = sum over the million uses = 10**6 * c**(10**6 - 1)."""
    n = 10**6
    x, c = Value(1.0), Value(1.0000001)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()
    assert x.grad == y.data
    assert x.grad == pytest.approx(math.exp(n * math.log1p(1e-7)), rel=1e-9)
    assert c.grad == pytest.approx(n * y.data / c.data, rel=1e-9)


def test_a_wide_sum_and_a_wide_fan_out():
    """10**5 values summed, and one value used 2 * 10**4 times: every gradient is exact, and
    the pass has exactly one step per edge (no edge visited twice)."""
    n = 10**5
    xs = [Value(float(i)) for i in range(n)]
    total = xs[0]
    for v in xs[1:]:
        total = total + v
    assert total.data == n * (n - 1) / 2
    total.backward()
    assert all(v.grad == 1.0 for v in xs)

    n = 2 * 10**4
    w = Value(0.5)
    acc = w * 0
    for i in range(1, n):
        acc = acc + w * i
    steps = BackwardPass(acc)
    assert len(steps) == 1 + 3 * (n - 1)  # '* 0' once; then '+' (2 edges) and '* i' per term
    steps.run()
    assert w.grad == n * (n - 1) / 2  # integers below 2**53: exact
