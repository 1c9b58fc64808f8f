"""batched compares the function's own arguments as the per-sample loop does: as numbers.

While batched records, every argument is a Value (an input of the graph); in the per-sample
loop it is a plain number. `t == 1`, `if t:`, `t in (1, 2)`, `{1: a, 0: b}[t]` must therefore
take the branch the loop takes for each sample (a guard; the other samples run per sample), and
never one branch for all (review finding 1: a BCE written with `t == 1` gave 0.6284, not 0.6996).
"""

from __future__ import annotations

import math
import threading
import warnings

import pytest
from batch_reference import backward_matches, close, per_sample
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, batched, no_grad
from stepgrad.batch_args import _METHODS
from stepgrad.nn import MLP, xor

BACKENDS = ["python", "numpy"]


def check(fn, params, columns, backend, fallbacks):
    want, want_grads = per_sample(fn, params, *columns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "every sample runs on the per-sample engine"
        got = batched(fn, backend=backend)(*columns)
    assert got.why == []
    assert got.fallbacks == fallbacks
    backward_matches(got, want, want_grads, params)
    return got


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_reviewers_bce_with_t_equals_1(backend):
    m = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    X, y = xor(negative=0)

    def bce(x, t):
        p = m(x)
        return -p.log() if t == 1 else -(1 - p).log()

    got = check(bce, m.parameters(), (X, y), backend, fallbacks=2)  # y = 0, 1, 1, 0
    assert round(got.data, 4) == 0.6996


def _cases(m, a, b):
    """name -> (the loss of one sample, the outcomes of its comparisons for label t and x)."""
    d = {0: a, 1: b, 2: a * b}
    some = {1: b}

    def bce(p, yes):
        return -p.log() if yes else -(1 - p).log()

    return {
        "t == 1": (lambda x, t: bce(m(x), t == 1), lambda x, t: t == 1),
        "t != 0": (lambda x, t: bce(m(x), t != 0), lambda x, t: t != 0),
        "if t": (lambda x, t: bce(m(x), True) if t else bce(m(x), False), lambda x, t: t != 0),
        "not t": (lambda x, t: bce(m(x), not t), lambda x, t: t != 0),
        "t in (1, 2)": (lambda x, t: bce(m(x), t in (1, 2)), lambda x, t: (t == 1, t == 2)),
        "1 == t": (lambda x, t: bce(m(x), 1 == t), lambda x, t: t == 1),
        "dict[t]": (lambda x, t: m(x) * {0: a, 1: b, 2: a * b}[t], lambda x, t: t),
        "d.get(t)": (lambda x, t: m(x) * some.get(t, a), lambda x, t: t),
        "t in dict": (lambda x, t: m(x) * (d[t] if t in d else a), lambda x, t: t),
        "t in a set": (lambda x, t: bce(m(x), t in {1, 2}), lambda x, t: t),
        "2 * t - 1 > 0": (lambda x, t: bce(m(x), 2 * t - 1 > 0), lambda x, t: t > 0.5),
        "max(t, 0.5)": (lambda x, t: m(x) * max(t, 0.5), lambda x, t: t < 0.5),
        "t / 2 <= x[0]": (lambda x, t: bce(m(x), t / 2 <= x[0]), lambda x, t: t / 2 <= x[0]),
        "x[0] < x[1]": (lambda x, t: bce(m(x), x[0] < x[1]), lambda x, t: x[0] < x[1]),
        "t == a.data": (lambda x, t: bce(m(x), t == a.data), lambda x, t: t == a.data),
        "t == a": (lambda x, t: bce(m(x), t == a or a == t), lambda x, t: None),  # never
        "t != b": (lambda x, t: bce(m(x), t != b), lambda x, t: None),  # always
        "p == 1": (lambda x, t: bce(m(x), m(x) == 1 or bool(m(x))), lambda x, t: None),
    }


CASES = sorted(_cases(None, Value(1.0), Value(2.0)))


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), case=st.sampled_from(CASES),
       labels=st.lists(st.sampled_from([0, 1, 2, 0.0, 1.0, 2.0]), min_size=1, max_size=8),
       data=st.data())
def test_comparing_an_argument_equals_the_per_sample_loop(backend, seed, case, labels, data):
    m = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=seed)
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    fn, outcomes = _cases(m, a, b)[case]
    X = [[data.draw(st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0])) for _ in range(2)]
         for _ in labels]
    keys = [outcomes(x, t) for x, t in zip(X, labels, strict=True)]
    # samples whose labels have one type (int, float) are recorded together: the samples whose
    # branch differs from the first one's of their type
    first = {}
    for t, k in zip(labels, keys, strict=True):
        first.setdefault(type(t), k)
    fallbacks = sum(k != first[type(t)] for t, k in zip(labels, keys, strict=True))
    check(fn, [*m.parameters(), a, b], (X, labels), backend, fallbacks)


@pytest.mark.parametrize("backend", BACKENDS)
def test_comparing_an_argument_with_a_value_as_the_loop_does(backend):
    w = Value(2.0, label="w")
    # a number and a Value are never equal (==, !=, in), and cannot be ordered
    check(lambda x: w * x if x == w or x in [w] else w - x, [w], ([2.0, 3.0],), backend, 0)
    step = batched(lambda x: w * x if x < w else w, backend=backend)
    with pytest.raises(TypeError, match=r"^batched: sample 0 .*cannot compare w > 1: w is a "
                                        r"Value"):
        step([1.0, 3.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_value_computed_inside_no_grad_and_compared_runs_per_sample(backend):
    w = Value(0.5, label="w")

    def fn(x):
        with no_grad():
            s = x * 2  # a plain number in the loop; here a node without inputs
        return w * x if s == 2 else w

    with pytest.warns(RuntimeWarning, match="inside no_grad"):
        got = batched(fn, backend=backend)([1.0, 3.0, 1.0])
    assert got.fallbacks == 3
    want, (g,) = per_sample(fn, [w], [1.0, 3.0, 1.0])
    got.backward()
    assert (got.data, w.grad) == (want, g)


def _compares_as_identity() -> bool:
    x, y = Value(1.0), Value(1.0)
    return (x != y and not (x == y) and x == x and bool(Value(0.0)) and len({x, y}) == 2
            and hash(x) == object.__hash__(x))


def test_ordinary_values_keep_identity_before_during_and_after():
    w = Value(0.5)
    seen = []

    def fn(x):
        seen.append(_compares_as_identity())  # Values made by the learner, while recording
        other = []  # another thread, during the recording: x compares as itself there
        thread = threading.Thread(target=lambda: other.append(
            (x == 1.0, x != 1.0, bool(x * 0), hash(x) == object.__hash__(x))))
        thread.start()
        thread.join()
        seen.append(other[0] == (False, True, True, True))
        return w * x

    assert _compares_as_identity()
    batched(fn)([1.0, 2.0])
    assert seen[:2] == [True, True]  # (then it runs once more on sample 0's plain number)
    assert _compares_as_identity()
    assert not set(_METHODS) & set(Value.__dict__)  # nothing left on the class


def test_nothing_is_left_on_value_after_an_error_or_ctrl_c():
    for error in (ValueError("bad"), KeyboardInterrupt()):
        def fn(x, error=error):
            if x == 1:
                raise error
            return Value(x)

        with pytest.raises(type(error)):
            batched(fn)([1.0])
        assert not set(_METHODS) & set(Value.__dict__)
        assert _compares_as_identity()


def test_comparisons_do_not_rely_on_reads_from_batch_args_being_traced(monkeypatch):
    from stepgrad import batch_trace

    monkeypatch.setattr(batch_trace, "_ENGINE", batch_trace._ENGINE | {"stepgrad.batch_args"})
    test_the_reviewers_bce_with_t_equals_1("numpy")


# ----- text made from a number: the loop makes each sample's own text ------------------------


def _text_cases(w):
    scale = {"0": 1.0, "1": 3.0}
    return {
        "f-string of an argument": lambda x, t: w * x * scale[f"{t:.0f}"],
        "format() of an argument": lambda x, t: w * x * scale[format(t, ".0f")],
        "f-string of .data": lambda x, t: w * x * scale[f"{(w * t).data / w.data:.0f}"],
        "str() of .data": lambda x, t: w * x * {"0.0": 1.0, "0.5": 3.0}[str((w * t).data)],
        "repr() of .data": lambda x, t: w * x * {"0.0": 1.0, "0.5": 3.0}[repr((w * t).data)],
    }


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", list(_text_cases(None)))
def test_text_made_from_a_number_gives_the_loops_numbers(backend, case):
    """A number turned into text can pick what happens next (a dict key here): the batch then
    runs per sample, exact, with a warning, never the first sample's text for every sample."""
    w = Value(0.5)
    fn = _text_cases(w)[case]
    columns = ([1.0, 1.0, 1.0], [0, 1, 1])
    want, (want_grad,) = per_sample(fn, [w], *columns)
    with pytest.warns(RuntimeWarning, match="per-sample engine"):
        got = batched(fn, backend=backend)(*columns)
    got.backward()
    assert close(got.data, want) and close(w.grad, want_grad)
    assert round(got.data, 4) == 1.1667


def test_a_print_in_a_batched_function_prints_each_samples_line_as_the_loop_does(capsys):
    w = Value(0.5)

    def fn(x):
        out = w * x
        print(f"out {out:.2f}")
        return out

    with pytest.warns(RuntimeWarning, match="per-sample engine"):
        batched(fn)([1.0, 2.0, 3.0])
    printed = [line for line in capsys.readouterr().out.split("\n") if line]
    # the recorded sample's line first, then every sample's own, as the loop prints them
    assert printed == ["out 0.50", "out 0.50", "out 1.00", "out 1.50"]


def test_stepgrads_own_messages_do_not_stop_replay():
    """cross_entropy shows its numbers only when something is wrong: replay is untouched."""
    m = MLP(2, [3], activation="tanh", output_activation="linear", seed=1)
    from stepgrad.nn import cross_entropy

    check(lambda x, r: cross_entropy([m(x)], [r]), m.parameters(),
          ([[0.0, 1.0], [1.0, 0.5], [0.2, 0.1]], [[0.2, 0.5, 0.3], [1.0, 0.0, 0.0],
                                                    [0.0, 0.5, 0.5]]), "python", fallbacks=0)


def _whole_number_cases(w):
    table = [1.0, 2.0, 3.0]
    return {
        "int()": lambda x, k: w * x * table[int(k)],
        "a list index": lambda x, k: w * x * table[k],
        "round()": lambda x, k: w * round(x * 2.0),
        "math.sin()": lambda x, k: w * math.sin(x),
    }


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", list(_whole_number_cases(None)))
def test_an_argument_needed_as_a_plain_number_runs_per_sample_and_says_so(backend, case):
    """int(k), lst[k], round(x), math.sin(x): Python needs the argument itself as a number,
    which a recording cannot follow. Every sample runs on its own, exact, and the warning
    says why in plain words (it showed only Python's raw TypeError before)."""
    w = Value(0.5)
    fn = _whole_number_cases(w)[case]
    columns = ([0.3, 1.4, 2.6], [0, 2, 1])
    want, (want_grad,) = per_sample(fn, [w], *columns)
    with pytest.warns(RuntimeWarning, match=r"needs an argument as a plain number \(int\(\)"):
        got = batched(fn, backend=backend)(*columns)
    got.backward()
    assert close(got.data, want) and close(w.grad, want_grad)
    assert got.fallbacks == 3 and "which a recording cannot follow" in got.why[0]


def test_a_comparison_left_in_place_behaves_as_values_own():
    """batch_args promises that a method it leaves on Value (Ctrl-C while recording) behaves as
    Value's own: for < <= > >= that is the TypeError with a hint (review: it was Python's bare
    one, since Value got its own comparisons)."""
    from stepgrad.batch_args import _PATCHED

    a = Value(1.0, label="a")
    for name in ("__lt__", "__le__", "__gt__", "__ge__"):
        with pytest.raises(TypeError, match=r"cannot compare a .* Compare the numbers: a\.data"):
            _PATCHED[name](a, 2.0)
