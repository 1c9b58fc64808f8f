"""Activation names: PyTorch's class names and any capitals work; softmax and unknown names,
and a function or class given instead of a name, get an error naming the class and argument."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import ACTIVATIONS, MLP, Layer, Neuron, activation
from stepgrad.nn.activations import canonical

TORCH_NAMES = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "LeakyReLU": "leaky_relu",
               "ELU": "elu", "Identity": "linear"}


@pytest.mark.parametrize("spelling, name", [*TORCH_NAMES.items(), ("RELU", "relu"),
                                            ("Leaky_ReLU", "leaky_relu"), ("LINEAR", "linear"),
                                            ("leakyrelu", "leaky_relu")])
def test_other_spellings_build_the_same_model(spelling, name):
    ours = MLP(2, [3, 1], activation=spelling, output_activation=spelling, seed=4)
    plain = MLP(2, [3, 1], activation=name, output_activation=name, seed=4)
    assert ours.describe() == plain.describe()  # so a saved file is the same
    assert repr(ours) == repr(plain) and name in repr(ours)
    for x in ([0.5, -2.0], [-3.0, 1.0]):
        assert ours(x).data == plain(x).data
    assert Layer(2, 2, spelling, seed=0).activation == name
    assert Neuron(2, spelling, seed=0).activation == name


@pytest.mark.parametrize("torch_name", sorted(TORCH_NAMES))
def test_a_torch_class_name_computes_what_that_torch_module_computes(torch_name):
    torch = pytest.importorskip("torch")
    module = getattr(torch.nn, torch_name)()
    for s in (-3.0, -0.25, 0.0, 0.7, 4.0):
        neuron = Neuron(1, torch_name, seed=0)
        neuron.w[0].data, neuron.b.data = 1.0, 0.0
        v = Value(s)
        out = neuron([v])  # the activation of 1 * s + 0
        x = torch.tensor(s, dtype=torch.float64, requires_grad=True)
        y = module(x)
        y.backward()
        out.backward()
        assert out.data == pytest.approx(y.item(), rel=1e-15, abs=1e-300)
        assert v.grad == pytest.approx(x.grad.item(), rel=1e-12, abs=1e-300)  # (1 - y*y)


@given(name=st.sampled_from(sorted(ACTIVATIONS)), data=st.data())
def test_any_capitals_and_underscores_mean_the_same_name(name, data):
    caps = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    spelled = "".join(c.upper() if up else c for c, up in zip(name, caps, strict=True))
    if data.draw(st.booleans()):
        spelled = spelled.replace("_", "")
    assert canonical(spelled) == name
    assert activation(spelled) is ACTIVATIONS[name]


@pytest.mark.parametrize("spelling", ["softmax", "Softmax", "log_softmax", "LogSoftmax"])
def test_softmax_says_to_keep_the_output_linear_and_use_cross_entropy(spelling):
    with pytest.raises(ValueError, match=(
            rf"^MLP\(\.\.\., output_activation='{spelling}'\): {spelling} is not an activation "
            r"here: it works on a whole layer, not on one neuron\. Keep the output layer linear "
            r"\(output_activation='linear', the default\) and use cross_entropy, which applies "
            r"log_softmax itself")):
        MLP(2, [3, 3], output_activation=spelling)
    with pytest.raises(ValueError, match=rf"^MLP\(\.\.\., activation='{spelling}'\): "):
        MLP(2, [3, 3], activation=spelling)
    with pytest.raises(ValueError, match=rf"^Layer\(\.\.\., activation='{spelling}'\): "):
        Layer(2, 3, spelling)
    with pytest.raises(ValueError, match=rf"^Neuron\(\.\.\., activation='{spelling}'\): "):
        Neuron(2, spelling)


def test_an_unknown_name_names_the_class_and_the_argument():
    with pytest.raises(ValueError, match=r"^MLP\(\.\.\., output_activation='step'\): unknown "
                                         r"activation; choose one of: elu, leaky_relu, linear, "
                                         r"relu, sigmoid, tanh \(PyTorch's names such as 'ReLU' "
                                         r"work too\)$"):
        MLP(2, [3, 1], output_activation="step")
    with pytest.raises(ValueError, match=r"^Layer\(\.\.\., activation='swish'\): unknown"):
        Layer(2, 3, activation="swish")
    with pytest.raises(ValueError, match=r"^Neuron\(\.\.\., activation=''\): unknown"):
        Neuron(2, "")


def test_a_function_a_class_or_none_instead_of_a_name():
    with pytest.raises(TypeError, match=r"^MLP: activation must be a name such as 'tanh' \(a "
                                        r"string\), got the function Value\.tanh; write "
                                        r"activation='tanh'\. The names: elu, "):
        MLP(2, [2, 1], activation=Value.tanh)
    with pytest.raises(TypeError, match=r"^Layer: activation must be a name such as 'tanh' .*"
                                        r"got the function tanh; write activation='tanh'"):
        Layer(2, 2, math.tanh)
    with pytest.raises(TypeError, match=r"^MLP: output_activation must be a name such as "
                                        r"'linear' \(a string\), got None; write "
                                        r"output_activation='linear'"):
        MLP(2, [2, 1], output_activation=None)
    with pytest.raises(TypeError, match=r"^Neuron: activation must be a name such as 'tanh' "
                                        r"\(a string\), got int 3"):
        Neuron(2, 3)


def test_a_torch_module_or_class_is_named_with_its_name_here():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"got the class LeakyReLU; write "
                                        r"activation='leaky_relu'"):
        MLP(2, [2, 1], activation=torch.nn.LeakyReLU)
    with pytest.raises(TypeError, match=r"got a Sigmoid object; write "
                                        r"output_activation='sigmoid'"):
        MLP(2, [2, 1], output_activation=torch.nn.Sigmoid())
