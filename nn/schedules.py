"""Learning-rate schedules: change an optimiser's `lr` as training goes on.

Call `schedule.step()` once per epoch, after `optimizer.step()`, as with
torch.optim.lr_scheduler. Each schedule multiplies the optimiser's current `lr` when its time
comes (PyTorch's "chainable" form), so the numbers are the same as torch's.

>>> from stepgrad import Value
>>> from stepgrad.nn.optim import SGD
>>> opt = SGD([Value(1.0)], lr=0.1)
>>> schedule = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(opt.lr)    # ... train one epoch with opt here ...
...     schedule.step()
>>> lrs
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

from stepgrad.nn import _argcheck
from stepgrad.nn.optim import Optimizer, _number
from stepgrad.words import plural

__all__ = ["ExponentialLR", "LRSchedule", "StepLR"]


class LRSchedule:
    """Base class: remembers the optimiser, its starting lr and how many epochs have passed."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimiser from stepgrad.nn.optim, "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def step(self) -> None:
        """Finish one epoch: update the optimiser's lr for the next one."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(self.optimizer.lr)

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError

    def get_lr(self) -> float:
        """The learning rate the optimiser uses now, a number (`get_last_lr()[0]`)."""
        return self.optimizer.lr

    def get_last_lr(self) -> list[float]:
        """The learning rate the optimiser uses now, in a list, as torch gives it (one number
        per parameter group; a stepgrad optimiser has one group): `sched.get_last_lr()[0]`.

        >>> from stepgrad import Value
        >>> from stepgrad.nn.optim import SGD
        >>> schedule = ExponentialLR(SGD([Value(1.0)], lr=0.5), gamma=0.5)
        >>> schedule.step(); schedule.get_last_lr()
        [0.25]
        """
        return [self.optimizer.lr]

    @property
    def lr(self) -> float:
        """The learning rate the optimiser uses now (the same as get_lr())."""
        return self.optimizer.lr

    def _settings(self) -> str:
        """The schedule's own settings for its repr ('step_size=2, gamma=0.5')."""
        return ""

    def __repr__(self) -> str:
        """'StepLR(step_size=2, gamma=0.5): lr=0.05 after 2 epochs, started at 0.1'."""
        head = f"{type(self).__name__}({self._settings()})"
        if self.last_epoch == 0:
            return f"{head}: lr={self.lr:g}, no epoch done yet"
        return (f"{head}: lr={self.lr:g} after {plural(self.last_epoch, 'epoch')}, started at "
                f"{self.base_lr:g}")


class StepLR(LRSchedule):
    """lr = base_lr * gamma ** (epoch // step_size): multiply by gamma every step_size epochs.

    >>> from stepgrad import Value
    >>> from stepgrad.nn.optim import SGD
    >>> opt = SGD([Value(1.0)], lr=1.0)
    >>> schedule = StepLR(opt, step_size=3)     # gamma = 0.1
    >>> for _ in range(3): schedule.step()
    >>> schedule.lr
    0.1
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if isinstance(step_size, bool) or not isinstance(step_size, Integral) or step_size < 1:
            raise ValueError(
                f"StepLR: step_size must be a whole number >= 1, got {_argcheck.shown(step_size)}"
            )
        self.step_size = int(step_size)
        self.gamma = _positive("StepLR", gamma)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr

    def _settings(self) -> str:
        return f"step_size={self.step_size}, gamma={self.gamma:g}"


class ExponentialLR(LRSchedule):
    """lr = base_lr * gamma ** epoch: multiply by gamma after every epoch.

    >>> from stepgrad import Value
    >>> from stepgrad.nn.optim import SGD
    >>> opt = SGD([Value(1.0)], lr=1.0)
    >>> schedule = ExponentialLR(opt, gamma=0.5)
    >>> schedule.step(); schedule.step(); opt.lr
    0.25
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = _positive("ExponentialLR", gamma)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma

    def _settings(self) -> str:
        return f"gamma={self.gamma:g}"


def _positive(owner: str, gamma: Any) -> float:
    g = _number(owner, "gamma", gamma)
    if g <= 0.0:
        raise ValueError(f"{owner}: gamma must be > 0, got {g:g}")
    return g
