"""Readable reprs of the optimisers and schedules, and counts in nn messages ("1 logit",
never "1 logits")."""

from __future__ import annotations

import re
import warnings

import pytest

from stepgrad import Value
from stepgrad.nn import (
    SGD,
    Adagrad,
    Adam,
    ExponentialLR,
    RMSprop,
    StepLR,
    cross_entropy,
    kl_divergence,
)

ONE_PLURAL = re.compile(r"(?<![\d.])1 (parameters|logits|classes|probabilities|outcomes|steps|"
                        r"epochs|numbers|targets|predictions|rows)\b")


# ----- reprs ---------------------------------------------------------------------------------


def test_optimiser_repr_counts_and_shows_the_settings_given():
    w = Value(1.0)
    assert repr(SGD([w], lr=0.1)) == "SGD(1 parameter, lr=0.1)"
    assert repr(SGD([w, Value(2.0)], lr=0.1, momentum=0.9, nesterov=True)) == (
        "SGD(2 parameters, lr=0.1, momentum=0.9, nesterov=True)")
    assert repr(Adam([w], lr=0.01, betas=(0.9, 0.99), amsgrad=True)) == (
        "Adam(1 parameter, lr=0.01, betas=(0.9, 0.99), amsgrad=True)")
    assert repr(Adagrad([w])) == "Adagrad(1 parameter, lr=0.01)"
    assert repr(RMSprop([w], eps=1e-10, centered=True)) == (
        "RMSprop(1 parameter, lr=0.01, eps=1e-10, centered=True)")


def test_optimiser_repr_follows_lr_when_a_schedule_changes_it():
    opt = SGD([Value(1.0)], lr=0.1)
    StepLR(opt, step_size=1, gamma=0.5).step()
    assert repr(opt) == "SGD(1 parameter, lr=0.05)"


def test_schedule_reprs_show_settings_and_where_the_lr_is():
    opt = SGD([Value(1.0)], lr=0.1)
    schedule = StepLR(opt, step_size=2, gamma=0.5)
    assert repr(schedule) == "StepLR(step_size=2, gamma=0.5): lr=0.1, no epoch done yet"
    schedule.step()
    assert repr(schedule) == "StepLR(step_size=2, gamma=0.5): lr=0.1 after 1 epoch, started at 0.1"
    schedule.step()
    assert repr(schedule) == (
        "StepLR(step_size=2, gamma=0.5): lr=0.05 after 2 epochs, started at 0.1")
    exp = ExponentialLR(SGD([Value(1.0)], lr=1.0), gamma=0.9)
    exp.step()
    assert repr(exp) == "ExponentialLR(gamma=0.9): lr=0.9 after 1 epoch, started at 1"


def test_schedule_reprs_match_torch_numbers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch = pytest.importorskip("torch", reason="torch is not installed")
    p = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))
    topt = torch.optim.SGD([p], lr=0.1)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=2, gamma=0.5)
    opt = SGD([Value(1.0)], lr=0.1)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        topt.step()
        tsched.step()
        opt.step()
        sched.step()
    assert f"lr={tsched.get_last_lr()[0]:g} after 5 epochs" in repr(sched)


# ----- one, not "1 ...s", in messages --------------------------------------------------------


def message(call):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("call", [
    lambda: cross_entropy([[1.0], [2.0, 3.0]], [0, 0]),           # row 2 has 2 logits ...
    lambda: cross_entropy([[1.0, 2.0], [3.0]], [0, 0]),           # ... row 2 has 1 logit
    lambda: cross_entropy([Value(1.0)], [1]),                     # class 1 of 1 logit
    lambda: cross_entropy([[1.0]], [[0.5, 0.5]]),                 # 2 numbers, 1 class
    lambda: cross_entropy([[1.0, 2.0]], [[1.0]]),                 # 1 number, 2 classes
    lambda: cross_entropy([[1.0]], [Value(1.0)]),                 # class 1 of 1 (batched form)
    lambda: kl_divergence([1.0], [0.5, 0.5]),                     # p has 1 outcome
])
def test_no_message_says_one_of_a_plural(call):
    text = message(call)
    assert not ONE_PLURAL.search(text), text


def test_the_stepped_pass_message_counts_its_steps():
    from stepgrad.nn.optim import SGD as _SGD

    w = Value(2.0)
    loss = w * 3.0
    steps = loss.backward_steps()
    with pytest.raises(RuntimeError, match=r"\(0 of 1 step done\)"):
        _SGD([w]).step()
    steps.run()
