"""The perceptron takes what an MLP and the losses take: lists, tuples and numpy arrays.

It used to fail on numpy arrays with numpy's own "truth value of an array is ambiguous"
(fit), call a numpy sample "not a list" (predict), and give a raw zip() error for a sample of
the wrong length (score). The same data as lists and as numpy arrays now gives the same
results, and each wrong shape gives a short message naming the method and the sample.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad.nn import MLP, Perceptron
from stepgrad.nn.data import and_gate, xor

np = pytest.importorskip("numpy")


def _outcome(call):
    """What a call gives: its result, or the type and message of the error it raises."""
    try:
        return call()
    except Exception as error:
        return type(error), str(error)


def _everything(p: Perceptron, X, y, x_new, max_epochs: int):
    """All a learner can see of one run: fit's result, the weights, and the answers of
    predict, score and accuracy afterwards."""
    result = _outcome(lambda: p.fit(X, y, max_epochs=max_epochs))
    return (result, p.w, p.b, p.negative, _outcome(lambda: p.predict(x_new)),
            _outcome(lambda: p.score(x_new)), _outcome(lambda: p.accuracy(X, y)))


# numbers of one kind per data set, as a numpy array of them has one dtype
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
INTS = st.integers(-1000, 1000)
KINDS = st.sampled_from([FLOATS, INTS, st.booleans()])
TARGETS = st.sampled_from([[-1, 1], [0, 1], [False, True]])


@st.composite
def data_sets(draw):
    nin = draw(st.integers(1, 3))
    n = draw(st.integers(1, 8))
    number = draw(KINDS)
    X = draw(st.lists(st.lists(number, min_size=nin, max_size=nin), min_size=n, max_size=n))
    labels = draw(TARGETS)
    y = draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n))
    x_new = draw(st.lists(number, min_size=nin, max_size=nin))
    return nin, X, y, x_new


@settings(max_examples=60, deadline=None)
@given(data_sets(), st.integers(1, 5), st.booleans())
def test_lists_tuples_and_numpy_arrays_give_the_same_run(data, max_epochs, shuffle):
    nin, X, y, x_new = data
    as_lists = _everything(Perceptron(nin, shuffle=shuffle), X, y, x_new, max_epochs)
    X_np, y_np, x_np = np.array(X), np.array(y), np.array(x_new)
    assert X_np.shape == (len(X), nin)  # really a 2-D array of numbers of numpy's dtypes
    as_arrays = _everything(Perceptron(nin, shuffle=shuffle), X_np, y_np, x_np, max_epochs)
    as_tuples = _everything(Perceptron(nin, shuffle=shuffle), tuple(map(tuple, X)), tuple(y),
                            tuple(x_new), max_epochs)
    assert as_arrays == as_lists
    assert as_tuples == as_lists
    assert all(type(w) is float for w in as_arrays[1]) and type(as_arrays[2]) is float
    # predict answers a plain int, even for numpy input
    if isinstance(as_arrays[4], int):
        assert type(as_arrays[4]) is int


@settings(max_examples=30, deadline=None)
@given(st.lists(FLOATS, min_size=1, max_size=8), st.data())
def test_one_input_samples_may_be_single_numbers_as_in_an_mlp(xs, data):
    """With nin = 1 an MLP takes a number as its input; so does the perceptron, and a 1-D
    array of samples is read as one number per sample."""
    y = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=len(xs), max_size=len(xs)))
    nested = _everything(Perceptron(1), [[x] for x in xs], y, [xs[0]], 3)
    flat = _everything(Perceptron(1), np.array(xs), np.array(y), np.float64(xs[0]), 3)
    assert flat == nested
    MLP(1, [1])(np.float64(xs[0]))  # what the perceptron now matches


def test_the_reviewers_examples():
    X, y = xor()
    with_lists = Perceptron(2).fit(X, [-1, 1, 1, -1])
    assert Perceptron(2).fit(np.array(X), np.array([-1, 1, 1, -1])) == with_lists
    p = Perceptron(2)
    p.fit(*and_gate())
    assert p.predict(np.array([1.0, 1.0])) == p.predict([1.0, 1.0]) == 1
    assert p.score(np.array([1.0, 1.0])) == p.score([1.0, 1.0]) > 0
    with pytest.raises(ValueError, match="^Perceptron.score expects 2 inputs, the sample has 3$"):
        Perceptron(2).score([1, 2, 3])


def test_numpy_scalars_and_float32_are_read_as_their_numbers():
    rows = [[np.float32(0.5), np.int64(1)], [np.int8(-2), np.float64(0.25)]]
    plain = [[0.5, 1.0], [-2.0, 0.25]]
    assert Perceptron(2).fit(rows, [np.int64(1), np.int32(-1)]) == Perceptron(2).fit(plain,
                                                                                  [1, -1])
    p = Perceptron(2)
    p.fit(np.array(plain, dtype=np.float32), np.array([1, -1], dtype=np.int16))
    assert all(type(w) is float for w in p.w)
    assert Perceptron(2).fit(plain, [1, -1], max_epochs=np.int64(3)).epochs <= 3


P = Perceptron(2)
X2 = [[0.0, 1.0], [1.0, 0.0]]
BAD = [
    # (call, error, message): each names the method and the sample or argument
    (lambda: P.fit(X2, [1, -1, 1]), ValueError,
     "Perceptron.fit: 2 samples but 3 targets; give one target per sample"),
    (lambda: P.accuracy(np.array(X2), np.array([1])), ValueError,
     "Perceptron.accuracy: 2 samples but 1 target; give one target per sample"),
    (lambda: P.fit(np.zeros((0, 2)), np.zeros(0)), ValueError,
     "Perceptron.fit: got no samples (empty list)"),
    (lambda: P.fit(np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]]), [1, -1]), ValueError,
     "Perceptron.fit expects 2 inputs, sample 1 has 3"),
    (lambda: P.fit([[0.0, 1.0], [1.0]], [1, -1]), ValueError,
     "Perceptron.fit expects 2 inputs, sample 2 has 1"),
    (lambda: P.fit(np.array([0.0, 1.0]), [1, -1]), TypeError,
     f"Perceptron.fit: sample 1 must be a list of 2 numbers, got float64 {np.float64(0)!r}"),
    (lambda: P.fit(np.zeros((2, 2, 2)), [1, -1]), TypeError,
     "Perceptron.fit: input 1 of sample 1 must be a number, got ndarray array([0., 0.])"),
    (lambda: P.fit(X2, np.array([[1], [-1]])), TypeError,
     "Perceptron.fit: target 1 must be a number, got ndarray array([1])"),
    (lambda: P.fit(X2, [1, "-1"]), TypeError,
     "Perceptron.fit: target 2 must be a number, got str '-1'"),
    (lambda: P.fit(X2, [1, 2]), ValueError,
     "Perceptron.fit: targets must be -1 / +1 (or 0 / 1), got [1, 2]"),
    (lambda: P.fit(X2, {1: 1, 2: -1}), TypeError,
     "Perceptron.fit: the targets must be a list (or tuple) in a fixed order, got dict "
     "{1: 1, 2: -1}"),
    (lambda: P.fit("ab", [1, -1]), TypeError,
     "Perceptron.fit: the samples must be a list, got str 'ab'"),
    (lambda: P.fit([[0.0, float("nan")], [1.0, 0.0]], [1, -1]), ValueError,
     "Perceptron.fit: input 2 of sample 1 must be a finite number, got nan"),
    (lambda: P.fit([None, [1.0, 0.0]], [1, -1]), TypeError,
     "Perceptron.fit: sample 1 must be a list, got NoneType None"),
    (lambda: P.predict(np.array([[1.0, 1.0]])), ValueError,
     "Perceptron.predict expects 2 inputs, the sample has 1"),
    (lambda: P.predict(np.array(1.0)), TypeError,
     "Perceptron.predict: the sample must be a list, got ndarray array(1.)"),
    (lambda: P.predict(3), TypeError,
     "Perceptron.predict: the sample must be a list of 2 numbers, got int 3"),
    (lambda: P.predict({0.0, 1.0}), TypeError,
     "Perceptron.predict: the sample must be a list (or tuple) in a fixed order, got set "
     "{0.0, 1.0}"),
    (lambda: P.predict([1.0, "x"]), TypeError,
     "Perceptron.predict: input 2 of the sample must be a number, got str 'x'"),
    (lambda: P.score([1, 2, 3]), ValueError,
     "Perceptron.score expects 2 inputs, the sample has 3"),
    (lambda: P.score(np.array([1.0, np.inf])), ValueError,
     "Perceptron.score: input 2 of the sample must be a finite number, got inf"),
    (lambda: P.score(None), TypeError,
     "Perceptron.score: the sample must be a list, got NoneType None"),
    (lambda: P.accuracy([[1.0, 1.0]], [0.5]), ValueError,
     "Perceptron.accuracy: targets must be -1 / +1 (or 0 / 1), got [0.5]"),
    (lambda: P.fit(X2, [1, -1], max_epochs=np.float64(3)), ValueError,
     f"Perceptron.fit: max_epochs must be a whole number >= 1, got {np.float64(3)!r}"),
]


@pytest.mark.parametrize("call, error, message", BAD,
                         ids=[re.sub(r"\W+", "-", m[:40]) for _, _, m in BAD])
def test_each_wrong_shape_gets_a_short_message_naming_the_method_and_the_sample(
        call, error, message):
    before = (list(P.w), P.b, P.negative)
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message
    shown_chain = info.value.__context__ is not None and not info.value.__suppress_context__
    assert info.value.__cause__ is None and not shown_chain  # no raw error behind it
    assert (P.w, P.b, P.negative) == before  # a refused call changes nothing


def test_many_wrong_labels_are_listed_shortly():
    with pytest.raises(ValueError, match=r"^Perceptron.fit: targets must be -1 / \+1 \(or 0 / 1"
                                         r"\), got \[0, 1, 2, 3, 4, \.\.\.\]$"):
        Perceptron(1).fit(np.arange(100.0), np.arange(100))


def test_a_generator_of_samples_is_read_once_in_order():
    X, y = and_gate()
    assert Perceptron(2).fit((x for x in X), iter(y)) == Perceptron(2).fit(X, y)
