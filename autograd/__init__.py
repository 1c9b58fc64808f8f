"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

>>> from stepgrad import Value
>>> a = Value(2.0, label="a")
>>> b = a * a + a
>>> b.backward()
>>> a.grad
5.0
"""

from stepgrad.draw import GraphvizMissingError, draw
from stepgrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from stepgrad.gradcheck import GradCheck, assert_gradcheck, gradcheck
from stepgrad.stepping import BackwardPass, BackwardStep, print_backward
from stepgrad.value import Value
from stepgrad.walkthrough import walkthrough

__all__ = [
    "BackwardPass",
    "BackwardStep",
    "GradCheck",
    "GraphvizMissingError",
    "Value",
    "assert_gradcheck",
    "draw",
    "enable_grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "print_backward",
    "set_grad_enabled",
    "walkthrough",
]
