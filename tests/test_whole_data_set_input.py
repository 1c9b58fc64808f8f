"""A model called on the whole data set, as in PyTorch (`model(X)`), says to call it on each
sample or to use batched, instead of "expects 2 inputs, got 4" (4 being the samples)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value, batched
from stepgrad.nn import MLP, Layer, Neuron, xor

HINT = (r": the whole data set\? Call it on each sample, \[model\(x\) for x in X\], or use "
        r"stepgrad\.batched to run it on all of them at once$")


def test_the_xor_data_set_at_once():
    X, y = xor()
    model = MLP(2, [4, 1])
    with pytest.raises(ValueError, match=r"^MLP takes one sample at a time \(a list of 2 "
                                         r"numbers\), but got a list of 4 lists" + HINT):
        model(X)
    outputs = [model(x) for x in X]  # what it says works
    assert len(outputs) == 4 and all(isinstance(o, Value) for o in outputs)
    loss = batched(lambda x, t: (model(x) - t) ** 2)(X, y)  # and so does batched
    assert loss.n == 4


def test_as_many_samples_as_inputs_is_not_taken_for_inputs():
    with pytest.raises(TypeError, match=r"^MLP takes one sample at a time \(a list of 2 numbers"
                                        r"\), but got a list of 2 lists" + HINT):
        MLP(2, [4, 1])([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(TypeError, match=r"^Neuron takes one sample at a time \(a list of 1 "
                                        r"number\), but got a tuple of 1 tuple" + HINT):
        Neuron(1)(((2.0,),))


def test_numpy_and_torch_arrays_give_their_shape():
    np = pytest.importorskip("numpy")
    X, _ = xor()
    model = MLP(2, [4, 1])
    with pytest.raises(ValueError, match=r"but got an array of shape \(4, 2\)" + HINT):
        model(np.array(X))
    with pytest.raises(TypeError, match=r"but got an array of shape \(2, 2\)" + HINT):
        model(np.array(X[:2]))
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"^Layer takes one sample at a time \(a list of 2 "
                                         r"numbers\), but got an array of shape \(4, 2\)" + HINT):
        Layer(2, 3)(torch.tensor(X))


def test_other_mistakes_keep_their_own_messages():
    model = MLP(2, [4, 1])
    with pytest.raises(ValueError, match=r"^MLP expects 2 inputs, got 3$"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"^MLP input 2: expected a number or a Value, got list"):
        model([1.0, [2.0]])  # one list among numbers: not a data set
    with pytest.raises(ValueError, match=r"^MLP expects 2 inputs, got 3$"):
        model([[1.0], 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^MLP expects 2 inputs, got 0$"):
        model([])


@given(n=st.integers(1, 12), nin=st.integers(1, 4))
def test_any_number_of_samples_is_counted(n, nin):
    data = [[float(i + j) for j in range(nin)] for i in range(n)]
    kind = TypeError if n == nin else ValueError
    with pytest.raises(kind, match=rf"a list of {n} lists?" + HINT):
        MLP(nin, [2, 1], seed=0)(data)
