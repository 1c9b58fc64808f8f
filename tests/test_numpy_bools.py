"""numpy's booleans (`X = data > 0`, `y = labels == 1`) are 1 and 0, as Python's are.

numpy does not register np.bool_ as a numbers.Real, so Value(), an MLP, the losses and the
perceptron used to refuse them while they took True and False. Now np.True_ and np.False_
are read wherever True and False are read, and refused wherever True and False are refused
(a size, a setting such as lr, a class index), with the same kind of error. The engine still
never imports numpy: `stepgrad.value.is_bool` knows numpy's bool by its type's name.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, grad, gradcheck
from stepgrad.nn import (
    MLP,
    SGD,
    Perceptron,
    StepLR,
    binary_cross_entropy,
    cross_entropy,
    entropy,
    huber,
    mse,
)
from stepgrad.value import is_bool

np = pytest.importorskip("numpy")

PAIRS = [pytest.param(True, np.True_, id="True"), pytest.param(False, np.False_, id="False")]


def _outcome(call):
    """What a call gives: its result, or the type and message of the error it raises."""
    try:
        return call()
    except Exception as error:
        return type(error), str(error)


def test_is_bool_knows_numpys_booleans_and_nothing_else():
    from_array = (np.array([2.0, -1.0]) > 0)[0]
    for yes in (True, False, np.True_, np.False_, from_array, np.bool_(0)):
        assert is_bool(yes)
    fake = type("bool", (), {"__module__": "mylib"})()  # a class named bool elsewhere
    for no in (1, 0, 1.0, np.int64(1), np.float64(0.0), np.array(True), np.array([True]),
               "True", None, fake, Value(1.0)):
        assert not is_bool(no)


# ----- the engine: np.True_ where True goes, with the same numbers and errors -------------

OPERATIONS = [
    ("Value(b)", lambda b: Value(b)),
    ("v + b", lambda b: Value(2.5) + b),
    ("b + v", lambda b: b + Value(2.5)),
    ("v - b", lambda b: Value(2.5) - b),
    ("b - v", lambda b: b - Value(2.5)),
    ("v * b", lambda b: Value(2.5) * b),
    ("b * v", lambda b: b * Value(2.5)),
    ("v / b", lambda b: Value(2.5) / b),  # division by False: the same clear error
    ("b / v", lambda b: b / Value(2.5)),
    ("v ** b", lambda b: Value(2.5) ** b),
    ("b ** v", lambda b: b ** Value(2.5)),
    ("max", lambda b: Value(0.5).max(b)),
    ("min", lambda b: Value(0.5).min(b)),
    ("leaky_relu", lambda b: Value(-2.0).leaky_relu(b)),
]


@pytest.mark.parametrize("py, npb", PAIRS)
@pytest.mark.parametrize("name, op", OPERATIONS, ids=[n for n, _ in OPERATIONS])
def test_engine_operations_take_numpy_booleans_as_python_booleans(name, op, py, npb):
    def run(b):
        out = _outcome(lambda: op(b))
        if not isinstance(out, Value):
            return out
        assert type(out.data) is float  # never a numpy number inside a Value
        parents = out._parents
        out.backward()
        return out.data, [p.grad for p in parents]

    assert run(npb) == run(py)


@pytest.mark.parametrize("py, npb", PAIRS)
def test_a_backward_seed_and_a_gradcheck_point_may_be_numpy_booleans(py, npb):
    def seeded(b):
        x = Value(3.0)
        (x * x).backward(b)
        return x.grad

    assert seeded(npb) == seeded(py)
    checked_np, checked_py = gradcheck(lambda x: x * x + x, npb), gradcheck(lambda x: x * x + x, py)
    assert checked_np.value == checked_py.value == float(py) ** 2 + float(py)
    engine = [r.engine for r in checked_np.rows]
    assert engine == [r.engine for r in checked_py.rows] == [2 * py + 1]
    assert bool(checked_np) and bool(checked_py)


def test_a_value_still_refuses_what_is_not_a_number():
    with pytest.raises(TypeError, match="^Value\\(\\): expected a real number, got ndarray"):
        Value(np.array([True, False]))
    with pytest.raises(TypeError, match="^\\*: expected a real number, got str"):
        Value(1.0) * "True"


# ----- stepgrad.nn: data made of numpy booleans is read as 1 and 0 -------------------------

BOOL_MATRICES = st.integers(1, 3).flatmap(
    lambda nin: st.lists(st.lists(st.booleans(), min_size=nin, max_size=nin),
                         min_size=1, max_size=6))


@settings(max_examples=40, deadline=None)
@given(BOOL_MATRICES, st.data())
def test_boolean_arrays_give_what_python_booleans_give(X, data):
    n, nin = len(X), len(X[0])
    y = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    X_np, y_np = np.array(X), np.array(y)
    assert X_np.dtype == bool and y_np.dtype == bool  # numpy's booleans, really

    model = MLP(nin, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)

    def losses(X, y):
        preds = [model(x) for x in X]
        return [_outcome(lambda loss=loss: loss(preds, y).data)
                for loss in (mse, huber, binary_cross_entropy)]

    assert [model(x).data for x in X_np] == [model(x).data for x in X]
    assert losses(X_np, y_np) == losses(X, y)
    assert (_outcome(lambda: Perceptron(nin).fit(X_np, y_np, max_epochs=4))
            == _outcome(lambda: Perceptron(nin).fit(X, y, max_epochs=4)))
    # a one-hot row of booleans is a row of probabilities, as [True, False] is
    rows = [[Value(1.0), Value(-1.0)] for _ in y]
    onehot = [[t, not t] for t in y]
    assert (cross_entropy(rows, np.array(onehot)).data == cross_entropy(rows, onehot).data)


def test_a_single_input_may_be_a_numpy_boolean():
    model = MLP(1, [1], seed=0)
    assert model(np.True_).data == model(True).data == model(1.0).data
    assert mse(model(np.True_), np.True_).data == mse(model(True), True).data


# ----- where True is refused, np.True_ is refused the same way -----------------------------

def _w():
    return Value(0.5, label="w")


SIZE = "must be a whole number >= 1, got "
REFUSED = [  # (name, the error, how its message starts, the call)
    ("MLP nin", ValueError, "MLP: nin " + SIZE, lambda b: MLP(b, [1])),
    ("MLP size", ValueError, "MLP: nouts[0] " + SIZE, lambda b: MLP(2, [b])),
    ("Perceptron nin", ValueError, "Perceptron: nin " + SIZE, lambda b: Perceptron(b)),
    ("Perceptron eta", ValueError, "Perceptron: the learning rate eta must be > 0, got ",
     lambda b: Perceptron(2, eta=b)),
    ("max_epochs", ValueError, "Perceptron.fit: max_epochs " + SIZE,
     lambda b: Perceptron(1).fit([[1.0]], [1], max_epochs=b)),
    ("SGD lr", TypeError, "SGD: lr must be a number, got bool ", lambda b: SGD([_w()], lr=b)),
    ("SGD momentum", TypeError, "SGD: momentum must be a number, got bool ",
     lambda b: SGD([_w()], lr=0.1, momentum=b)),
    ("StepLR step_size", ValueError, "StepLR: step_size " + SIZE,
     lambda b: StepLR(SGD([_w()], lr=0.1), step_size=b)),
    ("StepLR gamma", TypeError, "StepLR: gamma must be a number, got bool ",
     lambda b: StepLR(SGD([_w()], lr=0.1), step_size=1, gamma=b)),
    ("huber delta", ValueError, "huber: delta must be a positive number, got ",
     lambda b: huber([1.0], [1.0], delta=b)),
    ("entropy base", ValueError, "entropy: base must be a positive number other than 1, got ",
     lambda b: entropy([0.5, 0.5], base=b)),
    ("class index", TypeError, "cross_entropy: target 1 must be a class index, got ",
     lambda b: cross_entropy([[Value(1.0), Value(2.0)]], [b])),
    ("gradcheck eps", TypeError, "gradcheck: eps must be a number, got bool ",
     lambda b: gradcheck(lambda x: x * x, 1.0, eps=b)),
    ("load_state_dict", ValueError, "load_state_dict: parameter 'L1.n1.w1' is bool ",
     lambda b: MLP(1, [1], seed=0).load_state_dict({"L1.n1.w1": b, "L1.n1.b": 0.0})),
]


@pytest.mark.parametrize("py, npb", PAIRS)
@pytest.mark.parametrize("name, error, start, call", REFUSED, ids=[r[0] for r in REFUSED])
def test_where_python_booleans_are_refused_numpy_booleans_are_too(name, error, start, call,
                                                                  py, npb):
    messages = []
    for b in (py, npb):
        with pytest.raises(error) as info:
            call(b)
        text = str(info.value)
        assert type(info.value) is error, text
        # the expected check, showing the value as it was given
        assert text.startswith(start + repr(b)), text
        messages.append(text)
    # and the same message, but for the value shown
    assert messages[1] == messages[0].replace(repr(py), repr(npb))


@pytest.mark.parametrize("py, npb", PAIRS)
def test_switches_take_numpy_booleans_as_true_and_false(py, npb):
    w = _w()
    assert SGD([w], lr=0.1, momentum=0.9, nesterov=npb).nesterov is py
    x = Value(0.3)
    (g_np,) = grad(x.tanh(), x, create_graph=npb)
    (g_py,) = grad(x.tanh(), x, create_graph=py)
    assert type(g_np) is type(g_py) and g_np.data == g_py.data


def test_the_engine_still_never_imports_numpy():
    code = """
import json, sys
from stepgrad import Value
from stepgrad.nn import MLP, Perceptron, mse
v = Value(True) * 2 + False
try:
    Value("a")
except TypeError:
    pass
Perceptron(2).fit([[True, False], [False, True]], [True, False])
mse([MLP(2, [1], seed=0)([True, 0.5])], [False])
print(json.dumps("numpy" in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is False
