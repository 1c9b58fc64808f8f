"""batched never silently differs from the per-sample loop when the function can tell a Value
from a plain number (review finding: `isinstance(t, int)` took the other branch while
recording, and batched gave 0.1667 where the loop gives 0.3333, with no fallback and no
warning).

After recording, the first sample runs once more on its own arguments, as the loop runs it;
if the numbers differ, those samples run on the per-sample engine (exact) with a warning.
Samples whose numbers have other types are recorded apart, and a function that draws random
numbers runs per sample, in the loop's order, from the random state before the call.
"""

from __future__ import annotations

import numbers
import random
import warnings

import pytest
from batch_reference import backward_matches, close, per_sample
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, batched
from stepgrad.nn import MLP
from stepgrad.nn import losses as L

np = pytest.importorskip("numpy")

BACKENDS = ["python", "numpy"]
SAYS = "per-sample engine"


def equals_loop(fn, params, columns, backend, *, warns: str | None):
    """batched(fn) gives the loop's mean and gradients; it warns (matching `warns`) or not."""
    want, want_grads = per_sample(fn, params, *columns)
    step = batched(fn, backend=backend)
    if warns is None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = step(*columns)
        assert got.why == []
    else:
        with pytest.warns(RuntimeWarning, match=warns):
            got = step(*columns)
        assert got.why
    backward_matches(got, want, want_grads, params)
    return got


# ----- the reviewer's examples ----------------------------------------------------------------


def _type_checks(w):
    def weighted(weight, x, t):
        return weight * (w * x - t) ** 2

    return {
        "isinstance(t, (int, np.integer))": lambda x, t: weighted(
            2.0 if isinstance(t, (int, np.integer)) else 1.0, x, t),
        "type(t) is int": lambda x, t: weighted(2.0 if type(t) is int else 1.0, x, t),
        "isinstance(t, (int, float))": lambda x, t: weighted(
            1.0 if isinstance(t, (int, float)) else 3.0, x, t),
        "isinstance(t, numbers.Integral)": lambda x, t: weighted(
            2.0 if isinstance(t, numbers.Integral) else 1.0, x, t),
    }


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", list(_type_checks(None)))
def test_a_type_check_on_an_argument_gives_the_loops_numbers(backend, case):
    w = Value(0.5, label="w")
    fn = _type_checks(w)[case]
    got = equals_loop(fn, [w], ([1.0, 2.0, 3.0], [1, 2, 1]), backend,
                      warns="it may check their type")
    assert got.fallbacks == 3
    assert "Sample 0: it gave" in got.why[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_reviewers_numbers(backend):
    w = Value(0.5)
    fn = _type_checks(w)["isinstance(t, (int, np.integer))"]
    with pytest.warns(RuntimeWarning, match=SAYS):
        got = batched(fn, backend=backend)([1.0, 2.0, 3.0], [1, 1, 1])
    assert round(got.data, 4) == 0.3333  # the loop's; 0.1667 before


@pytest.mark.parametrize("backend", BACKENDS)
def test_numpy_targets_are_numpy_numbers_as_in_the_loop(backend):
    """In the loop a numpy array gives np.int64: `type(t) is int` is False, `isinstance(t,
    np.integer)` True; batched gives the function the same."""
    w = Value(0.5)
    checks = _type_checks(w)
    X, T = np.array([1.0, 2.0, 3.0]), np.array([1, 2, 1])
    got = equals_loop(checks["type(t) is int"], [w], (X, T), backend, warns=None)
    assert got.fallbacks == 0  # np.int64 is not int, with Values or without
    got = equals_loop(checks["isinstance(t, (int, np.integer))"], [w], (X, T), backend,
                      warns="it may check their type")
    assert got.fallbacks == 3


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("labels", [[1, 2.0, 3, 0.5, 1], [np.int64(1), 2, np.int64(3), 1],
                                    [1.0, np.float64(2.0), 3.0]])
def test_samples_with_other_types_are_never_replayed_with_each_others_recording(backend,
                                                                                labels):
    w = Value(0.5)
    fn = _type_checks(w)["type(t) is int"] if type(labels[0]) is not float else \
        (lambda x, t: (w * x - t) ** 2 * (2.0 if type(t) is float else 1.0))
    X = [0.5 * i for i in range(len(labels))]
    got = equals_loop(fn, [w], (X, labels), backend, warns="it may check their type")
    kinds = [type(t) for t in labels]
    # only the samples of the type whose recording took another branch run per sample
    assert got.fallbacks == sum(k is (int if int in kinds else float) for k in kinds)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_loops_result_with_other_gradients_runs_per_sample(backend):
    """With Values the function takes w.data (a constant), with plain numbers w itself: the
    same result, but w's gradient is 1 in one and 2 w x x + 1 in the other."""
    w = Value(0.5, label="w")

    def fn(x):
        h = w * x if isinstance(x, float) else w.data * x
        return h * h + w

    got = equals_loop(fn, [w], ([1.0, 2.0, 3.0],), backend, warns="the gradient of 'w' was")
    assert got.fallbacks == 3


# ----- numpy rows -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_numpy_row_used_as_an_array_runs_per_sample_and_says_so(backend):
    """The loop gives the function numpy rows and numpy numbers: x.sum(), x.shape, x.tolist()
    and t.item() work there, so they work here (per sample: a recording has lists of Values),
    and the warning says what differs. It was an error blaming sample 0 before."""
    w = Value(0.5, label="w")
    X = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]])
    T = np.array([1.0, 0.0, 2.0])

    def fn(x, t):
        return (w * x.sum() * x.shape[0] + x.tolist()[0] - t.item()) ** 2

    got = equals_loop(fn, [w], (X, T), backend, warns=r"uses an argument as a numpy array")
    assert got.fallbacks == 3
    assert type(got.sample(1)) is Value and got.sample(1).data == fn(X[1], T[1]).data


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_check_for_a_numpy_row_gives_the_loops_numbers(backend):
    w = Value(0.5)

    def fn(x, t):
        scale = 2.0 if isinstance(x, np.ndarray) else 1.0
        return scale * (w * x[0] + x[1] - t) ** 2

    got = equals_loop(fn, [w], (np.array([[1.0, 2.0], [0.5, -1.0]]), [1.0, 0.0]), backend,
                      warns="it may check their type")
    assert got.fallbacks == 2


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss", ["mse", "hinge", "bce_logits", "cross_entropy"])
def test_networks_replay_and_the_recorded_sample_is_checked_with_the_loops_arguments(
        backend, loss):
    """An MLP and a loss on numpy data: no fallback, no warning, the loop's numbers, and the
    recorded sample ran once more on its own numpy row and numpy number."""
    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 2, size=(12, 2))
    k = 3 if loss == "cross_entropy" else 1
    model = MLP(2, [4, k], activation="tanh", seed=3)
    T = rng.integers(0, k, 12) if k > 1 else rng.choice([-1.0, 1.0], 12)
    make = {"mse": lambda x, t: L.mse([model(x)], [t]),
            "hinge": lambda x, t: L.hinge(model(x), t),
            "bce_logits": lambda x, t: L.binary_cross_entropy_with_logits(model(x),
                                                                          (t + 1) / 2),
            "cross_entropy": lambda x, t: L.cross_entropy([model(x)], [t])}[loss]
    seen = []

    def fn(x, t):
        seen.append((type(x), type(t)))
        return make(x, t)

    got = equals_loop(fn, model.parameters(), (X, T), backend, warns=None)
    assert got.fallbacks == 0
    recorded = len(X) + 1  # per_sample's calls, then the recording
    assert seen[recorded:] == [(np.ndarray, type(T[0]))]  # the check: the loop's arguments


# ----- random numbers -------------------------------------------------------------------------


def _dropout(w, draw):
    def fn(x, t):
        h = w * x
        if draw() < 0.5:  # dropout: this sample's h is dropped
            h = h * 0.0
        return (h - t) ** 2 * (1.0 + draw())

    return fn


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("source", ["random", "numpy.random"])
def test_random_draws_are_each_samples_own_as_in_the_loop(backend, source):
    """A function that draws random numbers gets each sample's own draws, in the loop's order:
    with the same seed, batched gives the loop's numbers and leaves the same random state."""
    w = Value(0.7)
    draw = random.random if source == "random" else np.random.random_sample
    seed = random.seed if source == "random" else np.random.seed
    state = random.getstate if source == "random" else (
        lambda: (np.random.get_state()[1].tolist(), np.random.get_state()[2:]))
    fn = _dropout(w, draw)
    X, T = [0.5 * i - 2.0 for i in range(9)], [0.1 * i for i in range(9)]
    seed(11)
    want, (want_grad,) = per_sample(fn, [w], X, T)
    after = state()
    seed(11)
    with pytest.warns(RuntimeWarning, match="draws random numbers"):
        got = batched(fn, backend=backend)(X, T)
    assert got.fallbacks == 9
    assert state() == after
    got.backward()
    assert close(got.data, want) and close(w.grad, want_grad)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_generator_of_its_own_never_replays_one_draw_for_every_sample(backend):
    w = Value(0.7)
    rng = random.Random(4)
    fn = lambda x, t: (w * x * rng.random() - t) ** 2  # noqa: E731
    X, T = [1.0] * 6, [0.0] * 6
    with pytest.warns(RuntimeWarning, match=SAYS):
        got = batched(fn, backend=backend)(X, T)
    assert got.fallbacks == 6
    assert len(set(got.losses)) == 6  # each sample its own draw (one draw for all before)


# ----- any function with a branch on the type of an argument ----------------------------------

KINDS = {"int": int, "float": float, "np.int64": np.int64, "np.float64": np.float64}
TESTS = {
    "isinstance(t, int)": lambda t: isinstance(t, int),
    "isinstance(t, float)": lambda t: isinstance(t, float),
    "type(t) is float": lambda t: type(t) is float,
    "type(t) is int": lambda t: type(t) is int,
    "isinstance(t, np.generic)": lambda t: isinstance(t, np.generic),
    "isinstance(t, numbers.Integral)": lambda t: isinstance(t, numbers.Integral),
    "hasattr(t, 'dtype')": lambda t: hasattr(t, "dtype"),
    "isinstance(t, Value)": lambda t: isinstance(t, Value),
}


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=30, deadline=None)
@given(test=st.sampled_from(sorted(TESTS)),
       kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=7),
       as_array=st.booleans(), yes=st.floats(-3, 3), no=st.floats(-3, 3),
       seed=st.integers(0, 10**6), data=st.data())
def test_a_branch_on_the_type_of_an_argument_equals_the_loop(backend, test, kinds, as_array,
                                                             yes, no, seed, data):
    model = MLP(2, [3, 1], activation="tanh", seed=seed)
    branch = TESTS[test]

    def fn(x, t):
        out = model(x)
        return (out - t) ** 2 * yes if branch(t) else (out * t + 1.0).relu() * no + out

    labels = [KINDS[k](data.draw(st.integers(-2, 2))) for k in kinds]
    if as_array:  # one numpy array: the loop gives its numbers as numpy numbers
        labels = np.array(labels)
    X = [[data.draw(st.floats(-2, 2)), data.draw(st.floats(-2, 2))] for _ in kinds]
    want, want_grads = per_sample(fn, model.parameters(), X, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (it warns exactly when a type check differs)
        got = batched(fn, backend=backend)(X, labels)
    got.backward()
    assert close(got.data, want, 1.0), (got.data, want)
    scale = max([abs(g) for g in want_grads] + [1.0])
    for p, g in zip(model.parameters(), want_grads, strict=True):
        assert close(p.grad, g, scale), (p.grad, g)


def test_the_warning_counts_the_samples_that_run_per_sample():
    """Review finding: it said "every sample" when only the int samples' group did."""
    w = Value(0.5)
    f = batched(lambda x, t: w * x * (2.0 if isinstance(t, int) else 1.0))
    with pytest.warns(RuntimeWarning, match=r"batched: 2 of the 4 samples run on the "
                                            r"per-sample engine"):
        r = f([1.0, 2.0, 3.0, 4.0], [1, 2.0, 3, 4.0])
    assert r.data == 1.75 and r.fallbacks == 2


def test_the_warning_counts_every_group_that_ran_per_sample_and_points_at_the_call():
    """Review finding: the count was the first group's only (2 of 4, when all 4 ran)."""
    w = Value(0.5)
    f = batched(lambda t: (w * (t if isinstance(t, (int, float)) else 0)) ** 2)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        r = f([1, 2.0, 3, 4.0])
    assert r.fallbacks == 4
    assert [str(x.message)[:60] for x in said] == [
        "batched: every sample runs on the per-sample engine (exact, "]
    assert said[0].filename == __file__
