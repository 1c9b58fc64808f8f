"""PyTorch and scikit-learn habits in stepgrad.nn: zero_grad(set_to_none=...),
load_state_dict(state, strict=...) and make_moons(n_samples=..., random_state=...)."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import MLP, SGD, Adam, Module, make_moons


def _torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("torch", reason="torch is not installed")


# ----- zero_grad(set_to_none=...) -----------------------------------------------------------


def test_set_to_none_true_means_not_computed_and_step_skips():
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    (w * w).backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    assert not w.grad_computed and w.grad == 0.0
    before = w.data
    opt.step()  # no backward pass reached w since: left alone, as torch skips grad None
    assert w.data == before


def test_set_to_none_false_means_a_computed_zero_and_step_still_moves():
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    (w * w).backward()
    opt.step()
    opt.zero_grad(set_to_none=False)
    assert w.grad_computed and w.grad == 0.0
    before = w.data
    opt.step()  # the momentum buffer still moves w, as in torch
    assert w.data != before


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.05, weight_decay=0.01),
], ids=["sgd", "adam"])
@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_then_step_without_backward_matches_torch(make, set_to_none):
    torch = _torch()
    start = [1.5, -0.5]
    ours = [Value(x) for x in start]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    opt = make(ours)
    topt = {SGD: torch.optim.SGD, Adam: torch.optim.Adam}[type(opt)](
        theirs, lr=opt.lr, weight_decay=opt.weight_decay,
        **({"momentum": opt.momentum} if isinstance(opt, SGD) else {}))
    for step in range(4):
        if step % 2 == 0:  # a real step: backward through only the first parameter
            (ours[0] * ours[0] * ours[1].data).backward()
            (theirs[0] * theirs[0] * theirs[1].item()).backward()
        opt.step()
        topt.step()
        opt.zero_grad(set_to_none=set_to_none)
        topt.zero_grad(set_to_none=set_to_none)
        got = [p.data for p in ours]
        want = [t.item() for t in theirs]
        assert got == pytest.approx(want, rel=1e-14, abs=1e-15), (step, got, want)
        assert [p.grad_computed for p in ours] == [t.grad is not None for t in theirs]


def test_module_zero_grad_takes_set_to_none_too():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad_computed and p.grad == 0.0 for p in model.parameters())
    model.zero_grad()
    assert not any(p.grad_computed for p in model.parameters())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_ends_a_stepped_pass_either_way(set_to_none):
    from stepgrad import StalePassError

    w, x = Value(2.0, label="w"), Value(3.0, label="x")
    loss = (w * x).tanh()
    steps = loss.backward_steps()
    next(steps)
    next(steps)  # the pass has reached w and x, and is not finished
    SGD([w, x], lr=0.1).zero_grad(set_to_none=set_to_none)
    with pytest.raises(StalePassError):
        next(steps)
    assert not w.grad_computed and not x.grad_computed  # its steps were undone


@pytest.mark.parametrize("bad", [1, "False", None])
def test_set_to_none_must_be_true_or_false(bad):
    w = Value(1.0)
    w.grad = 3.0
    with pytest.raises(TypeError, match=r"^SGD.zero_grad: set_to_none must be True or False"):
        SGD([w]).zero_grad(set_to_none=bad)
    with pytest.raises(TypeError, match=r"^MLP.zero_grad: set_to_none must be True or False"):
        MLP(1, [1]).zero_grad(set_to_none=bad)
    assert w.grad == 3.0


# ----- load_state_dict(state, strict=...) ---------------------------------------------------


class Line(Module):
    def __init__(self, a=2.0, b=1.0):
        self.a, self.b = Value(a, label="a"), Value(b, label="b")

    def parameters(self):
        return [self.a, self.b]


def test_strict_is_the_default_and_refuses_missing_and_unexpected_names():
    line = Line()
    with pytest.raises(ValueError, match="^load_state_dict: missing parameters: b$"):
        line.load_state_dict({"a": 0.5})
    with pytest.raises(ValueError, match="^load_state_dict: unexpected parameters: c$"):
        line.load_state_dict({"a": 0.5, "b": 0.0, "c": 1.0}, strict=True)
    assert line.state_dict() == {"a": 2.0, "b": 1.0}


def test_strict_false_loads_what_matches_and_says_what_it_skipped():
    line = Line()
    result = line.load_state_dict({"a": 0.5, "c": 9.0}, strict=False)
    assert line.state_dict() == {"a": 0.5, "b": 1.0}
    assert result.missing_keys == ["b"] and result.unexpected_keys == ["c"]
    assert repr(result) == "IncompatibleKeys(missing_keys=['b'], unexpected_keys=['c'])"
    assert repr(line.load_state_dict({"a": 1.0, "b": 2.0})) == "<All keys matched successfully>"


def test_strict_false_still_checks_the_values_and_changes_nothing_on_error():
    line = Line()
    with pytest.raises(ValueError, match="parameter 'a' is nan"):
        line.load_state_dict({"a": float("nan"), "b": 0.0}, strict=False)
    with pytest.raises(ValueError, match="must be a mapping"):
        line.load_state_dict([("a", 1.0)], strict=False)
    with pytest.raises(TypeError, match="^load_state_dict: strict must be True or False"):
        line.load_state_dict({"a": 1.0, "b": 2.0}, strict="no")
    assert line.state_dict() == {"a": 2.0, "b": 1.0}


@settings(max_examples=60, deadline=None)
@given(st.sets(st.sampled_from(["a", "b"])), st.lists(st.sampled_from(["c", "d", "w"]),
                                                       unique=True))
def test_strict_false_skips_what_torch_skips(present, extra):
    torch = _torch()

    class TorchLine(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(2.0, dtype=torch.float64))
            self.b = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))

    state = {k: 0.25 for k in ["a", "b"] if k in present} | {k: 7.0 for k in extra}
    ours = Line()
    got = ours.load_state_dict(state, strict=False)
    want = TorchLine().load_state_dict(
        {k: torch.tensor(v, dtype=torch.float64) for k, v in state.items()}, strict=False)
    assert got.missing_keys == want.missing_keys
    assert got.unexpected_keys == want.unexpected_keys
    assert (repr(got) == "<All keys matched successfully>") == (
        repr(want) == "<All keys matched successfully>")
    assert ours.state_dict() == {"a": 0.25 if "a" in present else 2.0,
                                 "b": 0.25 if "b" in present else 1.0}


# ----- make_moons(n_samples=..., random_state=...) ------------------------------------------


def test_make_moons_takes_scikit_learns_names():
    assert make_moons(n_samples=30, random_state=4) == make_moons(30, seed=4)
    assert make_moons(n_samples=30, noise=0.2) == make_moons(30, noise=0.2)
    assert len(make_moons(n_samples=7)[0]) == 7
    assert make_moons(12) == make_moons(n=12)  # the old names still work


def test_make_moons_random_state_none_is_unseeded_as_in_scikit_learn():
    import random

    random.seed(0)  # the generator is private: this must not matter
    runs = {tuple(map(tuple, make_moons(n_samples=20, random_state=None)[0])) for _ in range(3)}
    assert len(runs) == 3


def test_make_moons_refuses_both_names_and_names_the_one_given():
    with pytest.raises(TypeError, match="^make_moons: give n or n_samples, not both$"):
        make_moons(50, n_samples=60)
    with pytest.raises(TypeError, match="^make_moons: give seed or random_state, not both$"):
        make_moons(seed=1, random_state=2)
    with pytest.raises(ValueError, match="^make_moons: n_samples must be a whole number >= 2, "
                       "got 1$"):
        make_moons(n_samples=1)
