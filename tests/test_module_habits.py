"""Habits from micrograd and PyTorch that stepgrad.nn's modules follow:

- `parameters()` written as a generator (PyTorch's is one) works everywhere a list does;
- `Neuron(nin)` / `Layer(nin, nout)` without a seed draw new weights each time, from a shared
  generator seeded once (reproducible from run to run), while `seed=` and `MLP` stay exact;
- a model whose parts share labels names its parameters by their attribute paths;
- `model.train()` / `model.eval()`, `sched.get_last_lr()` as a list, and `MLP.load(path)` on
  the class says what to do.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from stepgrad import Value
from stepgrad.nn import MLP, SGD, ExponentialLR, Layer, Module, Neuron, StepLR, manual_seed, seeding


@pytest.fixture(autouse=True)
def fresh_shared_generator():
    """Each test starts the shared generator as a program does (seed 0), and leaves it so."""
    manual_seed(0)
    yield
    manual_seed(0)


# ----- parameters() as a generator ------------------------------------------------------------

class ListNet(Module):
    def __init__(self):
        self.l1 = Layer(2, 3, activation="tanh", seed=1)
        self.l2 = Layer(3, 1, name="L2", seed=2)

    def forward(self, x):
        return self.l2(self.l1(x))

    def parameters(self):
        return self.l1.parameters() + self.l2.parameters()


class GeneratorNet(ListNet):
    def parameters(self):  # as PyTorch writes it
        yield from self.l1.parameters()
        yield from self.l2.parameters()


def test_a_generator_parameters_works_everywhere_a_list_does(tmp_path):
    listed, generated = ListNet(), GeneratorNet()
    assert generated.num_parameters() == listed.num_parameters() == 13
    assert generated.named_parameters() == [(n, p) for n, p in zip(
        [n for n, _ in listed.named_parameters()], generated.l1.parameters()
        + generated.l2.parameters(), strict=True)]
    assert generated.state_dict() == listed.state_dict()
    assert generated.describe() == {"type": "GeneratorNet", "parameters": 13}
    generated.load_state_dict({k: v + 1 for k, v in listed.state_dict().items()})
    assert generated.l2.neurons[0].b.data == 1.0
    generated.save(tmp_path / "gen.json")
    again = GeneratorNet().load(tmp_path / "gen.json")
    assert again.state_dict() == generated.state_dict()
    html = generated._repr_html_()
    assert "13 parameters" in html and "L2.n1.b" in html
    assert repr(generated).startswith("GeneratorNet: 13 parameters")
    generated([1.0, 2.0]).backward()
    generated.zero_grad()
    assert not any(p.grad_computed for p in generated.l1.parameters())


def test_a_part_that_yields_its_parameters_is_found_in_a_pytorch_style_model():
    class Outer(Module):
        def __init__(self):
            self.inner = GeneratorNet()
            self.scale = Value(2.0, label="scale")

    outer = Outer()
    assert outer.num_parameters() == 14
    assert list(outer.state_dict())[-1] == "scale"


@pytest.mark.parametrize("returned, message", [
    (None, r"^Bad\.parameters\(\) must return the model's Values \(a list such as "
           r"\[self\.w, self\.b\], or yield them\), but it returned nothing \(None\)$"),
    (3, r"but it returned int 3$"),
    ("wb", r"but it returned str 'wb'$"),
    ({"w": Value(1.0)}, r"but it returned dict \{'w'"),
    ([Value(1.0), 0.5], r"^Bad\.parameters\(\) must give Values only, but item 2 is float 0\.5$"),
    ([Layer(2, 1, seed=0)], r"item 1 is Layer Layer\(2 -> 1, relu\) \(a model, not a Value: "
                            r"give its parameters, as in `yield from self\.layer1\.parameters"),
])
@pytest.mark.parametrize("method", ["num_parameters", "state_dict", "named_parameters",
                                    "zero_grad", "describe", "_repr_html_", "__repr__"])
def test_parameters_that_are_not_values_are_named(returned, message, method):
    class Bad(Module):
        def parameters(self):
            return returned

    with pytest.raises(TypeError, match=message):
        getattr(Bad(), method)()


def test_a_generator_giving_a_non_value_is_named_too(tmp_path):
    class Bad(Module):
        def parameters(self):
            yield Value(1.0)
            yield "w"

    with pytest.raises(TypeError, match=r"item 2 is str 'w'"):
        Bad().save(tmp_path / "bad.json")
    assert os.listdir(tmp_path) == []


# ----- weights without a seed ---------------------------------------------------------------

def weights(module):
    return [p.data for p in module.parameters()]


def test_neurons_made_without_a_seed_differ_as_micrograd_expects():
    layer = [Neuron(3) for _ in range(4)]  # micrograd's Layer
    assert len({tuple(weights(n)) for n in layer}) == 4
    assert Layer(4, 4).state_dict() != Layer(4, 4).state_dict()


def test_a_micrograd_style_layer_of_neurons_learns_different_features():
    """Equal neurons get equal gradients and stay equal; different ones stay different."""
    neurons = [Neuron(2, "tanh") for _ in range(3)]
    out = Neuron(3, "linear")
    params = [p for n in neurons for p in n.parameters()] + out.parameters()
    opt = SGD(params, lr=0.1)
    for _ in range(5):
        loss = sum((out([n(x) for n in neurons]) - t) ** 2
                   for x, t in [([0.0, 1.0], 1.0), ([1.0, 1.0], -1.0)])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert len({tuple(weights(n)) for n in neurons}) == 3


def test_the_shared_generator_restarts_with_manual_seed():
    first = [weights(Neuron(3)), weights(Layer(2, 2))]
    manual_seed(0)
    assert [weights(Neuron(3)), weights(Layer(2, 2))] == first
    manual_seed(7)
    assert weights(Neuron(3)) != first[0]


@given(seed=st.integers(min_value=-(2**70), max_value=2**70))
@settings(max_examples=25, deadline=None)
def test_manual_seed_gives_the_same_weights_as_a_generator_seeded_alike(seed):
    manual_seed(seed)
    r = random.Random(seed)
    assert weights(Neuron(3, "linear")) == [r.uniform(-1.0, 1.0) for _ in range(3)] + [0.0]


def test_a_program_builds_the_same_weights_every_run():
    """Two fresh interpreters: the same weights, and the same as manual_seed(0) here."""
    code = ("from stepgrad.nn import Neuron, Layer; "
            "print([p.data for p in Neuron(3).parameters() + Layer(2, 2).parameters()])")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    manual_seed(0)
    assert json.loads(runs[0]) == weights(Neuron(3)) + weights(Layer(2, 2))


def test_a_seed_is_exact_and_leaves_the_shared_generator_alone():
    n = Neuron(2, activation="linear", seed=0)
    assert weights(n) == [0.6888437030500962, 0.515908805880605, 0.0]  # as documented
    assert Layer(3, 2, seed=4).state_dict() == Layer(3, 2, seed=4).state_dict()
    manual_seed(0)
    expected = weights(Neuron(3))
    manual_seed(0)
    Neuron(5, seed=1)
    Layer(4, 4, seed=2)
    MLP(2, [8, 8, 1])
    MLP(2, [3, 1], seed=9)
    assert weights(Neuron(3)) == expected


def test_mlp_keeps_its_documented_default_seed_0():
    manual_seed(5)
    assert MLP(2, [4, 1]).state_dict() == MLP(2, [4, 1], seed=0).state_dict()
    assert MLP(2, [4, 1]).state_dict() == MLP(2, [4, 1]).state_dict()


def test_seed_none_is_unpredictable_and_not_the_shared_generator():
    manual_seed(0)
    expected = weights(Neuron(6))
    manual_seed(0)
    drawn = {tuple(weights(Neuron(6, seed=None))) for _ in range(3)}
    assert len(drawn) == 3 and tuple(expected) not in drawn
    assert weights(Neuron(6)) == expected  # seed=None drew nothing from the shared one


@pytest.mark.parametrize("bad", [1.5, True, "3", None])
def test_manual_seed_takes_whole_numbers_only(bad):
    with pytest.raises(TypeError, match=r"^manual_seed: seed must be a whole number, got "):
        manual_seed(bad)


def test_manual_seed_takes_numpy_integers():
    np = pytest.importorskip("numpy")
    manual_seed(np.int64(3))
    first = weights(Neuron(2))
    manual_seed(3)
    assert weights(Neuron(2)) == first


def test_the_signature_says_where_the_default_weights_come_from():
    import inspect

    default = inspect.signature(Neuron).parameters["seed"].default
    assert default is seeding.SHARED and "manual_seed" in repr(default)
    assert "manual_seed" in Neuron.__doc__ and "manual_seed" in Layer.__doc__


# ----- names by attribute path when labels clash ---------------------------------------------

class TwoLayers(Module):
    def __init__(self):
        self.hidden = Layer(2, 2, activation="tanh")
        self.out = Layer(2, 1)  # also labelled L1

    def forward(self, x):
        return self.out(self.hidden(x))


def test_two_default_layers_are_named_by_their_attributes():
    model = TwoLayers()
    names = list(model.state_dict())
    assert names == ["hidden.L1.n1.w1", "hidden.L1.n1.w2", "hidden.L1.n1.b",
                     "hidden.L1.n2.w1", "hidden.L1.n2.w2", "hidden.L1.n2.b",
                     "out.L1.n1.w1", "out.L1.n1.w2", "out.L1.n1.b"]
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_names_by_path_save_load_and_load_state_dict(tmp_path):
    model = TwoLayers()
    model.save(tmp_path / "two.json")
    saved = json.loads((tmp_path / "two.json").read_text())["parameters"]
    assert list(saved) == list(model.state_dict())
    other = TwoLayers()
    assert other.state_dict() != model.state_dict()
    other.load(tmp_path / "two.json")
    assert other.state_dict() == model.state_dict()
    other.load_state_dict({k: 0.0 for k in model.state_dict()})
    assert set(weights(other)) == {0.0}


def test_nested_models_lists_dicts_and_unlabelled_values_get_full_paths():
    class Block(Module):
        def __init__(self):
            self.layers = [Layer(2, 1), Layer(1, 1)]

    class Net(Module):
        def __init__(self):
            self.block1, self.block2 = Block(), Block()
            self.heads = {"a": Layer(1, 1)}
            self.scale = Value(1.0)  # no label

    names = list(Net().state_dict())
    assert names[:3] == ["block1.layers[0].L1.n1.w1", "block1.layers[0].L1.n1.w2",
                         "block1.layers[0].L1.n1.b"]
    assert "block2.layers[1].L1.n1.b" in names
    assert names[-3:] == ["heads['a'].L1.n1.w1", "heads['a'].L1.n1.b", "scale"]
    assert len(set(names)) == len(names) == Net().num_parameters()


def test_a_shared_part_is_named_once_by_the_first_path():
    class Tied(Module):
        def __init__(self):
            self.a = Layer(1, 1)
            self.b = Layer(1, 1)
            self.again = self.a

    assert list(Tied().state_dict()) == ["a.L1.n1.w1", "a.L1.n1.b", "b.L1.n1.w1", "b.L1.n1.b"]


def test_a_back_reference_does_no_harm():
    class Child(Module):
        def __init__(self, parent):
            self.parent = parent
            self.layer = Layer(1, 1)

    class Parent(Module):
        def __init__(self):
            self.first = Child(self)
            self.second = Child(self)

    assert list(Parent().state_dict()) == ["first.layer.L1.n1.w1", "first.layer.L1.n1.b",
                                           "second.layer.L1.n1.w1", "second.layer.L1.n1.b"]


def test_unique_labels_and_the_mlp_keep_their_names():
    class Named(Module):
        def __init__(self):
            self.hidden = Layer(2, 2, name="H")
            self.out = Layer(2, 1, name="O")

    assert list(Named().state_dict())[0] == "H.n1.w1"
    assert list(MLP(2, [2, 1]).state_dict()) == [
        "L1.n1.w1", "L1.n1.w2", "L1.n1.b", "L1.n2.w1", "L1.n2.w2", "L1.n2.b",
        "L2.n1.w1", "L2.n1.w2", "L2.n1.b"]


def test_a_model_writing_its_own_parameters_keeps_p1_p2_for_files_saved_before(tmp_path):
    class Own(TwoLayers):
        def parameters(self):
            return self.hidden.parameters() + self.out.parameters()

    assert list(Own().state_dict()) == [f"p{i}" for i in range(1, 10)]


# ----- train() and eval() -----------------------------------------------------------------------

def test_train_and_eval_set_training_on_every_part_and_return_the_model():
    model = TwoLayers()
    mlp = MLP(2, [2, 1])
    assert model.training and mlp.training
    assert model.eval() is model
    parts = [model, model.hidden, model.out, *model.hidden.neurons, *model.out.neurons]
    assert not any(m.training for m in parts)
    assert mlp.eval() is mlp and not mlp.layers[1].neurons[0].training
    assert model.train() is model and all(m.training for m in parts)
    assert model.train(False) is model and not model.out.training
    assert MLP(2, [2, 1]).training  # a new model trains, as in PyTorch


def test_train_and_eval_change_no_number():
    model = MLP(2, [3, 1], activation="tanh")
    before = model([0.5, -1.0]).data
    assert model.eval()([0.5, -1.0]).data == before
    assert model.train()([0.5, -1.0]).data == before
    assert list(model.state_dict()) == list(MLP(2, [3, 1]).state_dict())  # no new parameter


@pytest.mark.parametrize("bad", ["no", 0, None])
def test_train_takes_true_or_false(bad):
    with pytest.raises(TypeError, match=r"^MLP\.train: mode must be True or False, got "):
        MLP(2, [1]).train(bad)


def test_train_and_eval_match_pytorch_habits():
    torch = pytest.importorskip("torch")
    ours, theirs = TwoLayers(), torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    for name in ("eval", "train"):
        assert getattr(ours, name)() is ours and getattr(theirs, name)() is theirs
        assert ours.training == theirs.training and ours.out.training == theirs[1].training


# ----- MLP.load on the class, get_last_lr ---------------------------------------------------

def test_load_called_on_the_class_says_to_make_the_model_first(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [4, 1]).save(path)
    with pytest.raises(TypeError, match=r"^MLP\.load\(\) is called on a model, not on the class "
                                        r"MLP: first make a model of the same shape as the saved "
                                        r"one \(the same arguments\), then load into it: "
                                        r"model = MLP\(\.\.\.\); model\.load\('.*model\.json'\)$"):
        MLP.load(path)
    with pytest.raises(TypeError, match=r"model\.load\('m\.json'\)$"):
        MLP.load(path="m.json")
    with pytest.raises(TypeError, match=r"^TwoLayers\.load\(\) is called on a model"):
        TwoLayers.load("m.json")
    model = MLP(2, [4, 1], seed=3)
    assert MLP.load(model, path) is model  # calling it through the class, with the model
    assert model.state_dict() == MLP(2, [4, 1]).state_dict()
    assert model.load(path) is model
    assert MLP.load.__doc__.startswith("Load parameters saved by `save`")


def test_get_last_lr_is_a_list_as_in_torch():
    opt = SGD([Value(1.0)], lr=0.5)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    assert sched.get_last_lr() == [0.25] and sched.get_last_lr()[0] == sched.lr == 0.25
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        topt = torch.optim.SGD([w], lr=0.5)
        tsched = torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.3)
        ours = ExponentialLR(SGD([Value(1.0)], lr=0.5), gamma=0.3)
        for _ in range(4):
            topt.step()
            tsched.step()
            ours.step()
            assert type(ours.get_last_lr()) is type(tsched.get_last_lr()) is list
            assert ours.get_last_lr() == tsched.get_last_lr()


# ----- the shared generator, whatever the order of calls ----------------------------------------

class SharedGeneratorMachine(RuleBasedStateMachine):
    """Any mix of manual_seed, seeded and unseeded Neurons and Layers, and MLPs: the unseeded
    ones take exactly the next numbers of one generator seeded by the last manual_seed (a
    mirror random.Random here), and nothing else draws from it."""

    def __init__(self):
        super().__init__()
        manual_seed(0)
        self.mirror = random.Random(0)
        self.made = []

    @rule(seed=st.integers(-5, 5))
    def reseed(self, seed):
        manual_seed(seed)
        self.mirror = random.Random(seed)
        self.made = []  # (the same seed again gives the same neurons again, on purpose)

    @rule(nin=st.integers(1, 4))
    def unseeded_neuron(self, nin):
        n = Neuron(nin, "linear")
        assert weights(n) == [self.mirror.uniform(-1.0, 1.0) for _ in range(nin)] + [0.0]
        self.made.append(tuple(weights(n)))

    @rule(nin=st.integers(1, 3), nout=st.integers(1, 3))
    def unseeded_layer(self, nin, nout):
        layer = Layer(nin, nout)
        expected = []
        for _ in range(nout):
            expected += [self.mirror.uniform(-1.0, 1.0) for _ in range(nin)] + [0.0]
        assert weights(layer) == expected

    @rule(nin=st.integers(1, 3), seed=st.integers(0, 3))
    def seeded_parts_and_mlps(self, nin, seed):
        Neuron(nin, seed=seed)
        Layer(nin, 2, seed=seed)
        Neuron(nin, seed=None)
        MLP(nin, [2, 1])
        MLP(nin, [2], seed=seed)

    @invariant()
    def unseeded_neurons_since_the_last_seed_differ(self):
        assert len(set(self.made)) == len(self.made)

    def teardown(self):
        manual_seed(0)


TestSharedGenerator = SharedGeneratorMachine.TestCase
TestSharedGenerator.settings = settings(max_examples=30, stateful_step_count=12, deadline=None)
