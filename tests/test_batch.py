"""Batch replay (stepgrad.batched): the same numbers as averaging per-sample graphs."""

from __future__ import annotations

import math
import random
import warnings

import pytest
from batch_reference import backward_matches, close, per_sample
from hypothesis import example, given, settings
from hypothesis import strategies as st

from stepgrad import StalePassError, Value, batched, no_grad
from stepgrad.nn import MLP
from stepgrad.nn import losses as L
from stepgrad.nn.optim import SGD, Adagrad, Adam, RMSprop

BACKENDS = ["python", "numpy"]
ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "leaky_relu", "elu"]


def check(fn, params, columns, backend, expect_fallbacks=0):
    want, want_grads = per_sample(fn, params, *columns)
    step = batched(fn, backend=backend)
    got = step(*columns)
    assert got.fallbacks == expect_fallbacks
    # (Hypothesis found seed 5146, relu/tanh, n = 1: np.tanh and math.tanh differ by a bit)
    backward_matches(got, want, want_grads, params, floor=1.0)
    return got


def data(seed, n, nin):
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)], rng


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), act=st.sampled_from(ACTIVATIONS),
       out_act=st.sampled_from(ACTIVATIONS), n=st.integers(1, 12))
@example(seed=5146, act="relu", out_act="tanh", n=1)  # np.tanh and math.tanh differ by a bit
def test_random_networks_equal_per_sample(backend, seed, act, out_act, n):
    X, rng = data(seed, n, 3)
    Y = [rng.uniform(-1, 1) for _ in range(n)]
    model = MLP(3, [4, 3, 1], activation=act, output_activation=out_act, seed=seed)
    check(lambda x, y: (model(x) - y) ** 2, model.parameters(), (X, Y), backend)


def _two_class(rng, n):
    return [rng.choice([0, 1]) for _ in range(n)]


LOSSES = {
    "mse": lambda m, x, y: L.mse(m(x), y),
    "mae": lambda m, x, y: L.mae(m(x), y),
    "huber": lambda m, x, y: L.huber(m(x), y, delta=0.3),
    "bce": lambda m, x, y: L.binary_cross_entropy(m(x).sigmoid(), (y + 1) * 0.5),
    "bce_logits": lambda m, x, y: L.binary_cross_entropy_with_logits(m(x), (y + 1) * 0.5),
    "hinge": lambda m, x, y: L.hinge(m(x), y),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(LOSSES))
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 10))
def test_every_loss_equals_per_sample(backend, name, seed, n):
    X, rng = data(seed, n, 2)
    Y = [rng.choice([-1, 1]) for _ in range(n)]
    model = MLP(2, [3, 1], activation="tanh", seed=seed)
    loss = LOSSES[name]
    if name in ("bce", "bce_logits", "hinge"):
        # targets built from the label (y + 1) / 2 are arithmetic on a Value: fine; hinge
        # checks its labels with a guard (== -1 or == 1), which every sample passes
        pass
    check(lambda x, y: loss(model, x, y), model.parameters(), (X, Y), backend)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 10), k=st.integers(2, 4))
def test_softmax_cross_entropy_equals_per_sample(backend, seed, n, k):
    X, rng = data(seed, n, 2)
    R = [[1.0 if j == c else 0.0 for j in range(k)] for c in (rng.randrange(k) for _ in X)]
    model = MLP(2, [5, k], activation="relu", seed=seed)
    got = check(lambda x, r: L.cross_entropy([model(x)], [r]), model.parameters(), (X, R),
                backend)
    assert got.fallbacks == 0  # the max shift and the zero terms take no branch


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("opt", [SGD, Adagrad, RMSprop, Adam])
def test_training_with_every_optimiser_equals_per_sample(backend, opt):
    X, rng = data(3, 20, 2)
    Y = [1 if x[0] * x[1] > 0 else -1 for x in X]
    fn_of = lambda m: lambda x, y: (1 - y * m(x)).relu()  # noqa: E731
    a, b = MLP(2, [6, 1], seed=1), MLP(2, [6, 1], seed=1)
    opt_a, opt_b = opt(a.parameters(), lr=0.05), opt(b.parameters(), lr=0.05)
    step = batched(fn_of(a), backend=backend)
    for _ in range(5):
        loss = step(X, Y)
        opt_a.zero_grad()
        loss.backward()
        opt_a.step()
        _, grads = per_sample(fn_of(b), b.parameters(), X, Y)
        opt_b.zero_grad()
        for p, g in zip(b.parameters(), grads, strict=True):
            p.grad = g
        opt_b.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert close(p.data, q.data)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_branch_on_data_falls_back_and_is_counted(backend):
    w = Value(0.7, label="w")

    def fn(x):
        h = w * x
        if h.data > 0.5:  # a Python branch on a number: recorded as a guard
            return h * h
        return h.tanh()

    X = [1.0, 0.1, 2.0, -3.0, 0.9]  # sample 0 takes the first branch; 1 and 3 the other
    check(fn, [w], (X,), backend, expect_fallbacks=2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kinks_need_no_fallback(backend):
    w = Value(0.3, label="w")
    X = [-2.0, -0.5, 0.0, 0.5, 2.0, 1.0 / 0.3]
    fns = [lambda x: (w * x).relu(), lambda x: abs(w * x - 0.15), lambda x: (w * x).max(0.15),
           lambda x: (w * x).min(x), lambda x: (w * x).leaky_relu(0.1),
           lambda x: (w * x).elu(0.5)]
    for fn in fns:
        check(fn, [w], (X,), backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_what_replay_cannot_follow_runs_per_sample(backend):
    w = Value(0.5)

    def fn(x):
        h = w * x
        return h * math.exp(h.data)  # the number leaves the graph: opaque

    with pytest.warns(RuntimeWarning, match="per-sample engine"):
        got = check(fn, [w], ([0.0, 1.0, 2.0],), backend, expect_fallbacks=3)
    assert "float" in got.why[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_constant_from_data_is_computed_per_sample(backend):
    w = Value(1.5)

    def fn(x):
        h = w * x
        m = h.data * 0.5 + 1.0  # arithmetic on a number read from .data: followed
        return (h - m) ** 2 + Value(m) * w

    check(fn, [w], ([0.5, -1.0, 3.0, 2.0],), backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_errors_name_the_first_failing_sample(backend):
    w = Value(1.0, label="w")
    step = batched(lambda x: (w * x - 2.0).log(), backend=backend)
    with pytest.raises(ValueError, match=r"^batched: sample 3 \(of 5; arguments 1\.5\).*log"):
        step([3.0, 4.0, 5.0, 1.5, 0.5])
    assert w.grad == 0.0 and not w.grad_computed
    step = batched(lambda x: 1.0 / (w * x), backend=backend)
    with pytest.raises(ZeroDivisionError, match="sample 1 .*division by zero"):
        step([1.0, 0.0, 0.0])
    step = batched(lambda x: (w * x).exp(), backend=backend)
    with pytest.raises(OverflowError, match="sample 2 .*too large"):
        step([1.0, 2.0, 800.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_per_sample_gradient_near_the_float_limit_touches_no_grad(backend):
    """Sample 1 runs per sample; its gradients (1e308 for a and for b) are floats, though their
    sum is not. Running the batch leaves every .grad and a live pass alone, and backward()
    gives the mean, as the per-sample graphs do."""
    a, b = Value(0.5, label="a"), Value(0.5, label="b")

    def fn(x):
        h = a * x
        if h.data > 0.0:  # a branch on a number: sample 1 takes the other one, per sample
            return h + b * x
        return h

    live = (a * 2.0 + b).tanh().backward_steps()
    next(live)
    before = (a._grad, b._grad)
    got = batched(fn, backend=backend)([-1.0, 1e308])
    assert (a._grad, b._grad) == before and not live.stale
    assert got.fallbacks >= 1 and got.data == 5e307
    live.run()
    a.zero_grad(), b.zero_grad()
    check(fn, [a, b], ([-1.0, 1e308],), backend, expect_fallbacks=got.fallbacks)
    c = Value(0.1, label="c")

    def steep(x):
        h = c * x
        return h * 4.0 if h.data > 0.0 else h  # sample 1: 4e307, with a gradient of 4e308

    with pytest.raises(OverflowError, match=r"sample 1 .*gradient of 'c' .* became inf"):
        batched(steep, backend=backend)([-1.0, 1e308])
    assert c._grad is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_backward_is_transactional_and_ends_live_passes(backend):
    w = Value(1.0, label="w")
    other = (w * 2.0).tanh()  # two steps: after one, the pass is live
    steps = other.backward_steps()
    next(steps)
    big = batched(lambda x: w * x, backend=backend)([1e308])  # a gradient of 1e308: fine
    big.backward()
    assert steps.stale
    with pytest.raises(StalePassError):
        next(steps)
    w.grad = 1.7e308
    before = w.grad
    with pytest.raises(OverflowError, match="too large"):
        big.backward()
    assert w.grad == before


def test_numpy_and_python_agree():
    X, rng = data(11, 30, 2)
    Y = [[1.0, 0.0, 0.0] if x[0] > x[1] else [0.0, 0.0, 1.0] for x in X]
    model = MLP(2, [5, 3], activation="tanh", seed=2)
    fn = lambda x, r: L.cross_entropy([model(x)], [r])  # noqa: E731
    a = batched(fn, backend="python")(X, Y)
    b = batched(fn, backend="numpy")(X, Y)
    assert close(a.data, b.data)
    for x, y in zip(a.losses, b.losses, strict=True):
        assert close(x, y)
    a.backward()
    ga = [p.grad for p in model.parameters()]
    model.zero_grad()
    b.backward()
    for g, p in zip(ga, model.parameters(), strict=True):
        assert close(g, p.grad, 1e-3)


def test_sample_is_the_ordinary_graph():
    w = Value(2.0, label="w")
    step = batched(lambda x, y: (w * x - y) ** 2)
    loss = step([1.0, 3.0], [0.0, 1.0])
    g = loss.sample(1)
    assert isinstance(g, Value) and g.data == 25.0
    assert step.sample(1).data == 25.0
    steps = g.backward_steps()
    assert len(steps.run()) > 0 and w.grad == 30.0
    with pytest.raises(IndexError, match="there are 2 samples"):
        loss.sample(2)


def test_plus_a_term_and_no_grad():
    w = Value(2.0)
    step = batched(lambda x: w * x)
    loss = step([1.0, 3.0]) + 0.5 * w * w
    assert loss.data == 4.0 + 2.0
    loss.backward()
    assert w.grad == 2.0 + 2.0
    with no_grad():
        evaluation = step([1.0, 3.0])
    assert evaluation.data == 4.0
    with pytest.raises(RuntimeError, match="no_grad"):
        evaluation.backward()


def test_plus_a_term_too_large_is_an_error_not_inf():
    w = Value(1.0, label="w")
    loss = batched(lambda x: w * x)([1e308])
    for total in (lambda: loss + Value(1e308), lambda: 1e308 + loss,
                  lambda: (loss + 1e307) + Value(1e308)):
        with pytest.raises(OverflowError, match=r"^batched: '\+' on 1\.?\d*e\+308, 1e\+308 "
                                                r"gave inf: the result is too large for a float"):
            total()
    assert (loss + -1e308).data == 0.0 and w.grad == 0.0


def test_bad_batches_are_clear():
    two = Value(2.0)
    step = batched(lambda x: two * x)
    with pytest.raises(ValueError, match="argument 1 has 2 samples but argument 2 has 1"):
        batched(lambda x, y: x * y)([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        step([])
    with pytest.raises(TypeError, match="sample 0 holds a Value"):
        step([Value(1.0)])
    with pytest.raises(TypeError, match="must return a Value"):
        batched(lambda x: 3.0)([1.0])
    # x * 2 is a plain number in the per-sample loop (x is one), so it is refused here too
    with pytest.raises(TypeError, match=r"^batched: sample 0 .*must return a Value.*float 2"):
        batched(lambda x: x * 2)([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert step([1.0, 2.0]).data == 3.0


# ----- the numpy layout (operations of one depth done together) and what each call re-reads --


@pytest.mark.parametrize("backend", BACKENDS)
def test_shared_inputs_and_nodes_that_only_feed_guards(backend):
    w, v = Value(0.8, label="w"), Value(-0.3, label="v")

    def fn(x, y):
        a, b = w * x, v * x  # the same depth; b only feeds the guard
        if b.data < 1.0:
            return (a * a + a * y + y * y).tanh() + (w * y) * (v * y)
        return a.relu()

    X = [0.5, -1.0, 2.0, -4.0, 3.0, -5.0]  # v * x >= 1 for the last two: they fall back
    Y = [1.0, 0.2, -0.7, 0.3, 1.1, -2.0]
    check(fn, [w, v], (X, Y), backend, expect_fallbacks=2)


def test_numpy_chunks_of_a_large_batch(monkeypatch):
    pytest.importorskip("numpy")
    from stepgrad import batch_numpy

    monkeypatch.setattr(batch_numpy, "CELLS", 1)  # 64 samples per pass
    X, rng = data(5, 150, 2)
    X[70][0] = X[140][0] = 50.0  # two samples in later chunks take the other branch
    Y = [rng.uniform(-1, 1) for _ in X]
    model = MLP(2, [4, 1], activation="relu", seed=5)

    def fn(x, y):
        out = model(x)
        far = (out * 0.0 + x[0]).data >= 10.0  # x[0] as a Value in every sample
        return abs(out - y) if far else (out - y) ** 2

    got = check(fn, model.parameters(), (X, Y), "numpy", expect_fallbacks=2)
    want = [fn(x, y).data for x, y in zip(X, Y, strict=True)]
    assert all(close(a, b) for a, b in zip(got.losses, want, strict=True))
    model.zero_grad()
    assert close(batched(fn, backend="numpy")(X[:10], Y[:10]).data,
                 sum(want[:10]) / 10)  # another size: other arrays, same numbers


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_call_sees_what_changed_since_the_last(backend):
    """The recorded graph is reused only when a call records the very same graph: new
    parameter values, a changed Python number, another model, a guard that now comes out
    the other way all give the numbers of the per-sample engine."""
    X, rng = data(9, 12, 2)
    Y = [rng.uniform(-1, 1) for _ in X]
    setting = {"scale": 0.5, "model": MLP(2, [3, 1], activation="tanh", seed=1)}

    def fn(x, y):
        out = setting["model"](x)
        if setting["model"].parameters()[0].data > 0:  # a guard on a parameter
            out = out * 2.0
        return (out - y) ** 2 * setting["scale"]

    step = batched(fn, backend=backend)
    for change in ["none", "values", "scale", "model", "guard"]:
        model = setting["model"]
        if change == "values":
            for p in model.parameters():
                p.data += 0.1
        elif change == "scale":
            setting["scale"] = 3.0
        elif change == "model":
            setting["model"] = model = MLP(2, [3, 1], activation="relu", seed=2)
        elif change == "guard":
            first = model.parameters()[0]
            first.data = -first.data if first.data > 0 else 1.0
        want, want_grads = per_sample(fn, model.parameters(), X, Y)
        got = step(X, Y)
        assert got.fallbacks == 0
        got.backward()
        assert close(got.data, want), change
        for p, g in zip(model.parameters(), want_grads, strict=True):
            assert close(p.grad, g, max(map(abs, want_grads))), change
        model.zero_grad()


# ----- class indices as targets ---------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 12), k=st.integers(2, 4))
def test_class_index_targets_replay_without_fallback(backend, seed, n, k):
    X, rng = data(seed, n, 2)
    T = [rng.randrange(k) for _ in X]  # whole numbers: each becomes an input of the graph
    model = MLP(2, [5, k], activation="relu", seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = check(lambda x, t: L.cross_entropy([model(x)], [t]), model.parameters(), (X, T),
                    backend)
    assert got.why == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_bad_class_index_is_named(backend):
    model = MLP(2, [3], seed=0)
    step = batched(lambda x, t: L.cross_entropy([model(x)], [t]), backend=backend)
    X = [[0.1, 0.2], [0.3, -0.4], [1.0, 2.0]]
    with pytest.raises(ValueError, match=r"sample 2 .*target 1 is class 3, but there are 3"):
        step(X, [0, 2, 3])
    with pytest.raises(ValueError, match=r"sample 1 .*1\.5; a class index must be a whole"):
        step(X, [0, 1.5, 2])
    with pytest.raises(ValueError, match=r"sample 0 .*class -1"):
        step(X, [-1, 1, 2])


def test_a_value_class_index_is_the_same_loss():
    rows = [[Value(0.3), Value(-1.2), Value(2.0)], [Value(5.0), Value(5.0), Value(-800.0)]]
    for row in rows:
        for k in range(3):
            a = L.cross_entropy([row], [k])
            a.backward()
            want = [x.grad for x in row]
            for x in row:
                x.zero_grad()
            b = L.cross_entropy([row], [Value(float(k))])
            b.backward()
            assert b.data == a.data
            assert [x.grad for x in row] == want
            for x in row:
                x.zero_grad()
    with pytest.raises(ValueError, match="class 7, but there are 3"):
        L.cross_entropy([rows[0]], [Value(7.0)])
    with pytest.raises(ValueError, match="0.5; a class index must be a whole number"):
        L.cross_entropy([rows[0]], [Value(0.5)])


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_batched_functions_in_turn(backend):
    """Each keeps its compiled tape; the arrays of the numpy backend go to the latest one."""
    X, rng = data(21, 40, 2)
    Y = [rng.uniform(-1, 1) for _ in X]
    a, b = MLP(2, [4, 1], seed=1), MLP(2, [6, 1], activation="tanh", seed=2)
    fa = lambda x, y: (a(x) - y) ** 2  # noqa: E731
    fb = lambda x, y: abs(b(x) - y)  # noqa: E731
    steps = {id(fa): batched(fa, backend=backend), id(fb): batched(fb, backend=backend)}
    for fn, model, cols in [(fa, a, (X, Y)), (fb, b, (X, Y)), (fa, a, (X[:7], Y[:7])),
                            (fb, b, (X, Y)), (fa, a, (X, Y))]:
        want, want_grads = per_sample(fn, model.parameters(), *cols)
        got = steps[id(fn)](*cols)
        got.backward()
        assert close(got.data, want)
        for p, g in zip(model.parameters(), want_grads, strict=True):
            assert close(p.grad, g, max(map(abs, want_grads)))
        model.zero_grad()
