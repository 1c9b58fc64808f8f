"""A batch result used as PyTorch users use a loss: `loss * 2`, `0.5 * loss`, `loss / n`,
`-loss`, `loss - x`, `loss.item()`, `f"{loss:.4f}"`: the numbers and gradients of the same
arithmetic on the per-sample loop's mean (review finding 11)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, batched, no_grad

BACKENDS = ["python", "numpy"]
X = [1.0, 3.0, -2.0, 0.5]

numbers = st.floats(0.1, 10.0) | st.floats(-10.0, -0.1)
OPS = st.sampled_from(["*", "r*", "/", "neg", "+", "r+", "-", "r-", "+V", "-V"])


def apply(loss, op, c, w, b):
    """One step of arithmetic, the same for a Value and a BatchResult."""
    return {"*": lambda: loss * c, "r*": lambda: c * loss, "/": lambda: loss / c,
            "neg": lambda: -loss, "+": lambda: loss + c, "r+": lambda: c + loss,
            "-": lambda: loss - c, "r-": lambda: c - loss,
            "+V": lambda: loss + c * w * b, "-V": lambda: loss - c * w * w}[op]()


def fn(w, b):
    return lambda x: (w * x + b).tanh() ** 2


def loop(steps, w, b):
    """The per-sample loop: the mean of the samples' graphs, then the arithmetic."""
    losses = [fn(w, b)(x) for x in X]
    total = losses[0]
    for term in losses[1:]:
        total = total + term
    loss = total / len(X)
    for op, c in steps:
        loss = apply(loss, op, c, w, b)
    loss.backward()
    return loss.data, [w.grad, b.grad]


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.tuples(OPS, numbers), min_size=1, max_size=4))
def test_arithmetic_on_a_batch_result_equals_the_loop(backend, steps):
    w, b = Value(0.7, label="w"), Value(-0.3, label="b")
    want, want_grads = loop(steps, w, b)
    w.zero_grad(), b.zero_grad()
    loss = batched(fn(w, b), backend=backend)(X)
    for op, c in steps:
        loss = apply(loss, op, c, w, b)
    loss.backward()
    scale = max(abs(want), *map(abs, want_grads), 1.0)
    assert math.isclose(loss.data, want, rel_tol=1e-12, abs_tol=1e-12 * scale)
    assert loss.item() == loss.data and type(loss.item()) is float
    for got, g in zip([w.grad, b.grad], want_grads, strict=True):
        assert math.isclose(got, g, rel_tol=1e-12, abs_tol=1e-12 * scale), (got, g)


def test_the_reviewers_examples_and_formatting():
    r = batched(lambda v: Value(2.0) * v)([1.0, 2.0])
    assert ((r + 1).data, (r * 2).data, (0.5 * r).data, (r / 3).data, (-r).data) == (
        4.0, 6.0, 1.5, 1.0, -3.0)
    assert r.item() == 3.0
    assert f"{r:.4f}" == "3.0000" and f"{r * 2:g}" == "6"
    assert f"{r}" == str(r) == "BatchResult(data=3, 2 samples)"


def test_what_cannot_be_done_to_a_batch_result_is_a_clear_error():
    w = Value(2.0, label="w")
    r = batched(lambda v: w * v)([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^batched: '\*' on a batch result takes a plain "
                                        r"number, got Value .*inside the function"):
        r * w
    with pytest.raises(TypeError, match=r"^batched: '/' on a batch result takes a plain "
                                        r"number, got BatchResult"):
        r / r
    with pytest.raises(ZeroDivisionError, match=r"^batched: division by zero: 3 / 0"):
        r / 0
    with pytest.raises(ValueError, match=r"^\*: got inf, but only finite numbers"):
        r * math.inf
    with pytest.raises(TypeError, match=r"^-: expected a real number, got str 'a'"):
        r - "a"
    with pytest.raises(OverflowError, match=r"^batched: '\*' on 3, 1e\+308 gave inf: the "
                                            r"result is too large"):
        r * 1e308
    assert w.grad == 0.0
    zero = batched(lambda v: w * v - 2.0 * v)([1.0, 2.0]) * 1e300 * 1e10  # 0, but d/dw = inf
    assert zero.data == 0.0
    with pytest.raises(OverflowError, match="too large"):
        zero.backward()
    assert w.grad == 0.0  # nothing changed


@pytest.mark.parametrize("make", [lambda r, w: r * 2, lambda r, w: -r, lambda r, w: r / 4,
                                  lambda r, w: r + w * w, lambda r, w: r - w, lambda r, w: 1 - r],
                         ids=["*", "neg", "/", "+ term", "- term", "number -"])
def test_arithmetic_inside_no_grad_has_no_gradients_as_in_pytorch(make):
    w = Value(0.5, label="w")
    loss = batched(lambda x: (w * x).tanh())([1.0, -2.0, 0.5])
    with no_grad():
        scaled = make(loss, w)
    with pytest.raises(RuntimeError, match=r"made inside no_grad\(\)"):
        scaled.backward()
    assert not w.grad_computed
    make(loss, w).backward()  # the same arithmetic outside no_grad() has its gradients
    assert w.grad_computed


@pytest.mark.parametrize("op", ["+", "-", "*"])
def test_a_value_before_a_batch_result_says_to_put_the_result_first(op):
    w = Value(0.5, label="w")
    loss = batched(lambda x: (w * x).tanh())([1.0, -2.0])
    call = {"+": lambda: w + loss, "-": lambda: w - loss, "*": lambda: w * loss}[op]
    with pytest.raises(TypeError, match=r"put the batched result first: loss \+ w"):
        call()
    assert math.isclose((loss + w).data, loss.data + 0.5)  # the way it says works
