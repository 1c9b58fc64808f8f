"""A model written the PyTorch way: parameters found in its attributes, forward, a readable repr."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.display import module_html
from stepgrad.nn import MLP, SGD, Layer, Module, mse
from stepgrad.nn.attributes import MAX_SHOWN, parameters_of


class Net(Module):
    """Two layers and a Value of its own, as a PyTorch learner writes it."""

    def __init__(self):
        self.hidden = Layer(2, 3, activation="tanh", seed=1)
        self.out = Layer(3, 1, activation="linear", seed=2)
        self.scale = Value(0.5, label="scale")

    def forward(self, x):
        return self.scale * self.out(self.hidden(x))


def test_parameters_are_found_in_the_order_the_attributes_were_set():
    net = Net()
    assert net.parameters() == [*net.hidden.parameters(), *net.out.parameters(), net.scale]
    assert net.num_parameters() == 9 + 4 + 1


def test_lists_tuples_and_dicts_of_parts_and_values_are_opened():
    class Holder(Module):
        def __init__(self):
            self.blocks = [Layer(1, 1, seed=0), Layer(1, 1, seed=1)]
            self.pair = (Value(1.0), Value(2.0))
            self.heads = {"a": Layer(1, 1, seed=2), "b": Value(3.0)}
            self.text, self.rate, self.nothing = "hello", 0.1, None

    h = Holder()
    expected = [*h.blocks[0].parameters(), *h.blocks[1].parameters(), *h.pair,
                *h.heads["a"].parameters(), h.heads["b"]]
    assert h.parameters() == expected


def test_results_of_operations_are_not_parameters():
    class Keeps(Module):
        def __init__(self):
            self.w = Value(2.0)
            self.last = self.w * 3  # a result kept for later: not something to train

    k = Keeps()
    assert k.parameters() == [k.w]


def test_a_shared_parameter_counts_once():
    shared = Layer(2, 2, seed=0)

    class Twice(Module):
        def __init__(self):
            self.a, self.b = shared, shared
            self.w = shared.parameters()[0]

    assert Twice().parameters() == shared.parameters()


def test_a_back_reference_does_not_loop():
    class Child(Module):
        def __init__(self, parent):
            self.parent, self.w = parent, Value(1.0)

    class Parent(Module):
        def __init__(self):
            self.me, self.v = self, Value(2.0)
            self.child = Child(self)

    p = Parent()
    assert p.parameters() == [p.v, p.child.w]
    assert p.child.parameters() == [p.v, p.child.w]  # its parent was set first
    assert "me: ..." in repr(p)  # the repr does not loop either


def test_a_part_with_its_own_parameters_method_is_asked():
    class Chosen(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self):
            return [self.b]  # only b is trained

    class Outer(Module):
        def __init__(self):
            self.inner = Chosen()

    outer = Outer()
    assert outer.parameters() == [outer.inner.b]


# A random structure of modules, lists, dicts and Values (some shared) against a plain
# recursive reading of the rules in nn/attributes.py.

values = [Value(float(i)) for i in range(6)]
leaf = st.one_of(st.sampled_from(values), st.builds(lambda: Value(0.0) * 2),
                 st.sampled_from(["text", 1.5, None]))


def build_module(items):
    m = Module()
    for i, item in enumerate(items):
        setattr(m, f"a{i}", item)
    return m


tree = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from("xyz"), inner, max_size=3),
        st.lists(inner, max_size=3).map(build_module),
    ),
    max_leaves=12,
)


def reference(module):
    out = []

    def module_items(m):
        for item in vars(m).values():
            if isinstance(item, (list, tuple)):
                yield from item
            elif isinstance(item, dict):
                yield from item.values()
            else:
                yield item

    def visit(m, opened):
        for item in module_items(m):
            if isinstance(item, Module) and item not in opened:
                opened.append(item)
                visit(item, opened)
            elif type(item) is Value and item.operation is None and item not in out:
                out.append(item)

    visit(module, [module])
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(tree, max_size=4))
def test_random_structures_give_the_parameters_the_rules_say(items):
    m = build_module(items)
    found = parameters_of(m)
    assert [id(p) for p in found] == [id(p) for p in reference(m)]


def test_calling_the_model_runs_forward_with_its_arguments():
    class Affine(Module):
        def __init__(self):
            self.w = Value(2.0)

        def forward(self, x, shift=0.0):
            return self.w * x + shift

    assert Affine()(3.0, shift=1.0).data == 7.0


def test_a_model_without_forward_says_what_to_write():
    class NoForward(Module):
        pass

    with pytest.raises(TypeError, match=r"NoForward cannot be called: .*forward\(self, x\)"):
        NoForward()([1.0])


def test_training_a_pytorch_style_model_matches_torch():
    torch = pytest.importorskip("torch")
    net = Net()
    xs, ys = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.8]], [0.2, -0.4, 1.0]
    w1 = torch.tensor([[p.data for p in n.parameters()[:-1]] for n in net.hidden.neurons],
                      dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor([n.parameters()[-1].data for n in net.hidden.neurons],
                      dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor([p.data for p in net.out.neurons[0].parameters()[:-1]],
                      dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(net.out.neurons[0].parameters()[-1].data, dtype=torch.float64,
                      requires_grad=True)
    s = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    opt = SGD(net.parameters(), lr=0.1)
    topt = torch.optim.SGD([w1, b1, w2, b2, s], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        loss = mse([net(x) for x in xs], ys)
        loss.backward()
        opt.step()
        topt.zero_grad()
        X, Y = torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)
        tloss = ((s * (torch.tanh(X @ w1.T + b1) @ w2 + b2) - Y) ** 2).mean()
        tloss.backward()
        topt.step()
        assert math.isclose(loss.data, tloss.item(), rel_tol=1e-12)
    assert math.isclose(net.scale.data, s.item(), rel_tol=1e-12)
    got = [p.data for n in net.out.neurons for p in n.parameters()]
    assert got == pytest.approx([*w2.tolist(), b2.item()], rel=1e-12)


def test_save_and_load_a_pytorch_style_model(tmp_path):
    net, other = Net(), Net()
    for p in net.parameters():
        p.data = p.data + 0.25
    net.save(tmp_path / "net.json")
    other.load(tmp_path / "net.json")
    assert [p.data for p in other.parameters()] == [p.data for p in net.parameters()]


def test_repr_names_each_part_and_counts_the_parameters():
    assert repr(Net()) == (
        "Net: 14 parameters\n"
        "  hidden: Layer(2 -> 3, tanh)\n"
        "  out: Layer(3 -> 1, linear)\n"
        "  scale: Value(data=0.5, label='scale')"
    )


def test_repr_indents_nested_models_and_stops_after_a_screen():
    class Outer(Module):
        def __init__(self):
            self.net = Net()
            self.many = [Value(float(i)) for i in range(MAX_SHOWN + 5)]

    lines = repr(Outer()).splitlines()
    assert lines[0] == f"Outer: {14 + MAX_SHOWN + 5} parameters"
    assert lines[1:3] == ["  net: Net: 14 parameters", "    hidden: Layer(2 -> 3, tanh)"]
    assert lines[-1] == "  ... (6 more)"  # net and the first 11 values are shown, 6 are not
    assert len(lines) == 1 + 4 + (MAX_SHOWN - 1) + 1


def test_notebook_view_lists_the_parts():
    html = module_html(Net())
    assert "<b>Net: 14 parameters</b>" in html
    assert ">hidden<" in html and "Layer(2 -&gt; 3, tanh)" in html
    assert "MLP of" in module_html(MLP(2, [1]))  # an MLP still shows its layers


def test_a_prediction_kept_inside_no_grad_is_not_a_parameter():
    """Review finding: counting Values made inside no_grad() as parameters made a prediction
    kept there a new parameter, and a saved state no longer loaded into a fresh model."""
    from stepgrad import no_grad

    class Net(Module):
        def __init__(self):
            self.body = MLP(2, [3, 1], seed=0)
            self.last = None

        def forward(self, x):
            self.last = self.body(x)
            return self.last

    net = Net()
    with no_grad():
        net([1.0, 2.0])
    assert net.num_parameters() == 13
    Net().load_state_dict(net.state_dict())
