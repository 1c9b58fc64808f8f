"""Neuron, Layer, MLP: shapes, activations, seeding, labels, input checks, graph economy."""

import math

import pytest

from stepgrad import Value
from stepgrad.backward import topological_order
from stepgrad.nn import ACTIVATIONS, MLP, Layer, Module, Neuron, activation
from stepgrad.nn.data import and_gate, make_moons, or_gate, xor


def weighted_sum(neuron, x):
    return sum(w.data * xi for w, xi in zip(neuron.w, x, strict=True)) + neuron.b.data


# ----- shapes and counts ----------------------------------------------------------------------


def test_parameter_counts_and_shapes():
    model = MLP(3, [4, 4, 1])
    assert model.num_parameters() == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1) == 41
    assert len(model.parameters()) == 41
    assert [len(layer.neurons) for layer in model.layers] == [4, 4, 1]
    assert [len(n.w) for layer in model.layers for n in layer.neurons] == [3] * 4 + [4] * 4 + [4]
    assert len({id(p) for p in model.parameters()}) == 41  # no parameter listed twice
    assert Layer(2, 5).num_parameters() == 15
    assert Neuron(7).num_parameters() == 8


def test_output_is_a_value_for_one_output_else_a_list():
    assert isinstance(MLP(2, [3, 1])([1, 2]), Value)
    out = MLP(2, [3, 2])([1, 2])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(v, Value) for v in out)
    assert isinstance(Layer(2, 1)([1, 2]), Value)
    assert len(Layer(2, 3)([1, 2])) == 3


def test_labels_read_like_a_map_of_the_network():
    model = MLP(2, [2, 1])
    assert [p.label for p in model.parameters()] == [
        "L1.n1.w1", "L1.n1.w2", "L1.n1.b",
        "L1.n2.w1", "L1.n2.w2", "L1.n2.b",
        "L2.n1.w1", "L2.n1.w2", "L2.n1.b",
    ]
    y = model([0.5, 0.25])
    assert y.label == "L2.n1"  # linear output: the sum is the output
    hidden = model.layers[0]([0.5, 0.25])
    assert [h.label for h in hidden] == ["L1.n1", "L1.n2"]
    assert [h.inputs[0].label for h in hidden] == ["L1.n1.s", "L1.n2.s"]


def test_repr_lists_layers_activations_and_parameter_count():
    model = MLP(2, [16, 16, 1])
    assert repr(model) == (
        "MLP of [Layer(2 -> 16, relu), Layer(16 -> 16, relu), Layer(16 -> 1, linear)], "
        "337 parameters"
    )
    assert repr(Neuron(3, "tanh")) == "Neuron(3 inputs, tanh)"


# ----- the forward pass computes what it should ------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_is_applied(name):
    expected = {
        "relu": lambda s: max(0.0, s),
        "tanh": math.tanh,
        "sigmoid": lambda s: 1 / (1 + math.exp(-s)),
        "linear": lambda s: s,
        "leaky_relu": lambda s: s if s > 0 else 0.01 * s,
        "elu": lambda s: s if s > 0 else math.exp(s) - 1,
    }[name]
    for x in ([1.0, -2.0, 0.5], [-1.0, 2.0, -0.5], [0.3, 0.3, 0.3]):
        n = Neuron(3, name, seed=5)
        n.b.data = 0.1
        assert n(x).data == pytest.approx(expected(weighted_sum(n, x)), rel=1e-12, abs=1e-15)


def test_hidden_and_output_activations_are_separate():
    model = MLP(2, [3, 3, 1], activation="tanh", output_activation="sigmoid")
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    # micrograd's default: ReLU hidden layers, linear output
    assert [layer.activation for layer in MLP(2, [3, 1]).layers] == ["relu", "linear"]
    x = [0.7, -0.2]
    h = [math.tanh(weighted_sum(n, x)) for n in model.layers[0].neurons]
    h = [math.tanh(weighted_sum(n, h)) for n in model.layers[1].neurons]
    s = weighted_sum(model.layers[2].neurons[0], h)
    assert model(x).data == pytest.approx(1 / (1 + math.exp(-s)), rel=1e-12)


def test_micrograd_nonlin_switch_still_works():
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, nonlin=True).activation == "relu"
    assert Layer(2, 3, nonlin=False).activation == "linear"


def test_unknown_activation_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"MLP\(\.\.\., activation='softplus'\): unknown "
                                         "activation; choose one of: elu, leaky_relu, linear, "
                                         "relu, sigmoid, tanh"):
        MLP(2, [3, 1], activation="softplus")
    with pytest.raises(ValueError, match="unknown activation 'Relu6'"):
        activation("Relu6")
    with pytest.raises(ValueError, match="choose one of"):
        MLP(2, [3, 1], output_activation="step")
    with pytest.raises(TypeError, match="expected a name"):
        activation(math.tanh)


def test_backward_reaches_every_parameter():
    model = MLP(2, [3, 1], activation="tanh")
    loss = (model([0.5, -1.5]) - 1.0) ** 2
    loss.backward()
    assert all(p.grad_computed for p in model.parameters())
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert not any(p.grad_computed for p in model.parameters())
    assert all(p.grad == 0.0 for p in model.parameters())


def test_gradient_matches_finite_differences():
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=3)
    x = [0.4, -0.9]

    def loss_value():
        return ((model(x) - 0.2) ** 2).data

    loss = (model(x) - 0.2) ** 2
    loss.backward()
    h = 1e-6
    for p in model.parameters():
        old = p.data
        p.data = old + h
        up = loss_value()
        p.data = old - h
        down = loss_value()
        p.data = old
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9), p.label


def test_neuron_graph_has_one_node_per_product_and_sum():
    n = Neuron(3, "tanh")
    x = [Value(1.0), Value(2.0), Value(3.0)]
    out = n(x)
    ops = [v.op for v in topological_order(out) if v.inputs]
    # 3 products, 2 + 1 additions (no 0 + ... start), then the activation
    assert sorted(ops) == sorted(["*", "*", "*", "+", "+", "+", "tanh"])
    # numbers as inputs are constants, not nodes: '* 2' nodes with the weight as only input
    out = n([1.0, 2.0, 3.0])
    consts = [v for v in topological_order(out) if v.op.startswith("*")]
    assert len(consts) == 3 and all(len(v.inputs) == 1 for v in consts)


def test_values_as_inputs_get_gradients():
    model = MLP(2, [3, 1], activation="tanh")
    x = [Value(0.5, label="x1"), Value(-0.5, label="x2")]
    model(x).backward()
    assert x[0].grad_computed and x[1].grad_computed


def test_single_number_allowed_for_one_input():
    model = MLP(1, [4, 1])
    assert model(0.5).data == model([0.5]).data


# ----- seeds ----------------------------------------------------------------------------------


def test_same_seed_same_weights_different_seed_different_weights():
    a = MLP(2, [4, 4, 1], seed=7).state_dict()
    assert MLP(2, [4, 4, 1], seed=7).state_dict() == a
    assert MLP(2, [4, 4, 1], seed=8).state_dict() != a
    assert MLP(2, [4, 4, 1]).state_dict() == MLP(2, [4, 4, 1], seed=0).state_dict()
    # every neuron gets its own weights, not copies of the first one
    weights = [tuple(w.data for w in n.w) for n in MLP(2, [8, 1]).layers[0].neurons]
    assert len(set(weights)) == 8


def test_seeding_never_touches_the_global_random_generator():
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    MLP(2, [8, 8, 1], seed=5)
    Neuron(3, seed=1)
    assert random.random() == expected


def test_initial_weights_are_small_and_biases_zero():
    model = MLP(2, [16, 16, 1])
    for layer in model.layers:
        for n in layer.neurons:
            assert all(-1.0 <= w.data <= 1.0 for w in n.w)
            assert n.b.data == 0.0


# ----- bad input ------------------------------------------------------------------------------


def test_wrong_number_of_inputs():
    with pytest.raises(ValueError, match="^MLP expects 2 inputs, got 3$"):
        MLP(2, [3, 1])([1, 2, 3])
    with pytest.raises(ValueError, match="^Layer expects 3 inputs, got 1$"):
        Layer(3, 2)([1])
    with pytest.raises(ValueError, match="^Neuron expects 2 inputs, got 0$"):
        Neuron(2)([])
    with pytest.raises(TypeError, match="MLP expects a list of 2 inputs, got a single float"):
        MLP(2, [3, 1])(1.5)


@pytest.mark.parametrize("bad", [["a", 1.0], [None, 1.0], [[1.0], 2.0], [1.0, 2j]])
def test_non_numbers_are_a_type_error(bad):
    with pytest.raises(TypeError, match="MLP input .: expected a number or a Value"):
        MLP(2, [3, 1])(bad)


def test_not_a_list_is_a_type_error():
    with pytest.raises(TypeError, match="expects a list of 2 numbers, got str"):
        MLP(2, [3, 1])("ab")
    with pytest.raises(TypeError, match="got NoneType"):
        MLP(2, [3, 1])(None)


def test_nan_input_is_named():
    with pytest.raises(ValueError, match="MLP input 2 is nan; inputs must be finite"):
        MLP(2, [3, 1])([1.0, float("nan")])


@pytest.mark.parametrize("args", [(0, [3, 1]), (2, []), (2, 3), (2, [0, 1]), (2.5, [1])])
def test_bad_shapes_are_rejected(args):
    with pytest.raises(ValueError, match="must be"):
        MLP(*args)


def test_module_defaults():
    m = Module()
    assert m.parameters() == [] and m.num_parameters() == 0
    m.zero_grad()


def test_named_parameters_fall_back_to_positions_when_labels_clash():
    class Twin(Module):
        def __init__(self):
            self.a, self.b = Value(1.0, label="w"), Value(2.0, label="w")

        def parameters(self):
            return [self.a, self.b]

    assert Twin().state_dict() == {"p1": 1.0, "p2": 2.0}


# ----- data -----------------------------------------------------------------------------------


def test_truth_tables():
    assert xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [-1, 1, 1, -1])
    assert and_gate()[1] == [-1, -1, -1, 1]
    assert or_gate(negative=0)[1] == [0, 1, 1, 1]
    with pytest.raises(ValueError, match="negative must be -1 or 0"):
        xor(negative=2)


def test_make_moons_shape_labels_and_reproducibility():
    points, labels = make_moons(101, noise=0.1, seed=4)
    assert len(points) == len(labels) == 101
    assert sorted(set(labels)) == [-1, 1] and labels.count(-1) == 50
    assert all(len(p) == 2 and all(math.isfinite(c) for c in p) for p in points)
    assert make_moons(101, noise=0.1, seed=4) == (points, labels)
    assert make_moons(101, noise=0.1, seed=5) != (points, labels)
    assert set(make_moons(10, negative=0)[1]) == {0, 1}


def test_make_moons_without_noise_lies_on_the_two_half_circles():
    points, labels = make_moons(40, noise=0.0)
    for (x, y), label in zip(points, labels, strict=True):
        if label == -1:
            assert math.hypot(x, y) == pytest.approx(1.0) and y >= -1e-12
        else:
            assert math.hypot(x - 1.0, y - 0.5) == pytest.approx(1.0) and y <= 0.5 + 1e-12


@pytest.mark.parametrize("kwargs", [{"n": 1}, {"n": "9"}, {"noise": -0.1},
                                    {"noise": float("nan")}])
def test_make_moons_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="make_moons"):
        make_moons(**kwargs)
