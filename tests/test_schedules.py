"""nn.schedules: the learning rate changes as torch.optim.lr_scheduler changes it."""

from __future__ import annotations

import warnings

import pytest

from stepgrad import Value
from stepgrad.nn.optim import SGD, Adam
from stepgrad.nn.schedules import ExponentialLR, StepLR


def lrs(make_schedule, epochs=10, lr=0.1):
    opt = SGD([Value(1.0)], lr=lr)
    schedule = make_schedule(opt)
    out = []
    for _ in range(epochs):
        out.append(schedule.get_lr())
        assert schedule.get_last_lr() == [out[-1]]
        opt.step()
        schedule.step()
    return out


def test_step_lr_by_hand():
    got = lrs(lambda o: StepLR(o, step_size=3, gamma=0.5), epochs=7, lr=0.8)
    assert got == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]


def test_exponential_lr_by_hand():
    got = lrs(lambda o: ExponentialLR(o, gamma=0.5), epochs=4, lr=0.8)
    assert got == [0.8, 0.4, 0.2, 0.1]


def test_schedule_changes_the_optimizer_lr_and_reports_it():
    opt = Adam([Value(1.0)], lr=0.01)
    schedule = ExponentialLR(opt, gamma=0.9)
    schedule.step()
    assert opt.lr == schedule.lr == schedule.get_lr() == 0.01 * 0.9
    assert schedule.get_last_lr() == [0.01 * 0.9]  # a list, as torch's
    assert schedule.base_lr == 0.01 and schedule.last_epoch == 1


def test_bad_arguments():
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be a whole number >= 1, got 0"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="ExponentialLR: gamma must be > 0, got -0.5"):
        ExponentialLR(opt, gamma=-0.5)
    with pytest.raises(TypeError, match="StepLR: expected an optimiser from stepgrad.nn.optim"):
        StepLR([Value(1.0)], step_size=2)


def torch_lrs(make_schedule, epochs=10, lr=0.1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch = pytest.importorskip("torch", reason="torch is not installed")
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    schedule = make_schedule(torch.optim.lr_scheduler, opt)
    out = []
    for _ in range(epochs):
        out.append(schedule.get_last_lr()[0])
        opt.step()
        schedule.step()
    return out


@pytest.mark.parametrize("step_size, gamma", [(1, 0.1), (3, 0.5), (4, 0.9)])
def test_step_lr_matches_torch(step_size, gamma):
    ours = lrs(lambda o: StepLR(o, step_size=step_size, gamma=gamma), epochs=15, lr=0.3)
    theirs = torch_lrs(lambda s, o: s.StepLR(o, step_size=step_size, gamma=gamma), 15, 0.3)
    assert ours == theirs


@pytest.mark.parametrize("gamma", [0.5, 0.95, 1.1])
def test_exponential_lr_matches_torch(gamma):
    ours = lrs(lambda o: ExponentialLR(o, gamma=gamma), epochs=15, lr=0.3)
    theirs = torch_lrs(lambda s, o: s.ExponentialLR(o, gamma=gamma), 15, 0.3)
    assert ours == theirs
