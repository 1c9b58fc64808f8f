"""Two batched results (a loss on two data sets, a data loss plus a batched penalty) are not
added: the error says so (it used to say "put the batched result first", which it was), and
what it suggests instead, backward() on each, gives the gradient of the sum."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, batched
from stepgrad.nn import MLP, hinge


def two_results():
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    step = batched(lambda x, t: hinge(model(x), t))
    return model, step([[0.0, 1.0], [1.0, 0.0]], [1, -1]), step([[0.5, 0.5]], [1])


@pytest.mark.parametrize("op, verb, second", [("+", "added", r"r2\.backward\(\)"),
                                              ("-", "subtracted", r"\(-r2\)\.backward\(\)")])
def test_the_message_says_two_results_cannot_be_combined_and_what_to_do(op, verb, second):
    _, r1, r2 = two_results()
    call = (lambda: r1 + r2) if op == "+" else (lambda: r1 - r2)
    with pytest.raises(TypeError, match=(
            rf"^batched: two batched results cannot be {verb} \(r1 \{op} r2, with r1 = "
            r"BatchResult\(data=[0-9.e-]+, 2 samples\), r2 = BatchResult\(data=[0-9.e-]+, "
            rf"1 sample\)\)\. Instead call r1\.backward\(\); {second}: the gradients add up in "
            rf"\.grad, giving those of r1 \{op} r2; r1\.data \{op} r2\.data is its value$")) as e:
        call()
    assert "put the batched result first" not in str(e.value)


def test_sum_of_two_results_says_the_same():
    _, r1, r2 = two_results()
    with pytest.raises(TypeError, match=r"^batched: two batched results cannot be added"):
        sum([r1, r2])


def test_a_value_first_still_says_to_put_the_result_first():
    _, r1, _ = two_results()
    with pytest.raises(TypeError, match=r"put the batched result first"):
        Value(1.0) + r1


@given(xs=st.lists(st.floats(-3, 3), min_size=1, max_size=5),
       zs=st.lists(st.floats(-3, 3), min_size=1, max_size=5), subtract=st.booleans())
@settings(max_examples=40, deadline=None)
def test_what_the_message_suggests_gives_the_gradient_of_the_sum(xs, zs, subtract):
    w = Value(0.7, label="w")
    loss = batched(lambda x: (w * x - 1.0) ** 2)
    penalty = batched(lambda z: (w * z).tanh())
    r1, r2 = loss(xs), penalty(zs)
    r1.backward()
    (-r2 if subtract else r2).backward()
    got = w.grad
    w.zero_grad()
    sign = -1.0 if subtract else 1.0
    total = (sum((w * x - 1.0) ** 2 for x in xs) / len(xs)
             + sign * sum((w * z).tanh() for z in zs) / len(zs))
    total.backward()
    assert math.isclose(got, w.grad, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(r1.data + sign * r2.data, total.data, rel_tol=1e-12, abs_tol=1e-12)
