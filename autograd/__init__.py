"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

>>> from autograd import Value
>>> a = Value(2.0, label="a")
>>> b = a * a + a
>>> b.backward()
>>> a.grad
5.0
"""

from autograd.draw import GraphvizMissingError, draw
from autograd.grad_mode import no_grad
from autograd.gradcheck import GradCheck, assert_gradcheck, gradcheck
from autograd.stepping import BackwardPass, BackwardStep, print_backward
from autograd.value import Value
from autograd.walkthrough import walkthrough

__all__ = [
    "BackwardPass",
    "BackwardStep",
    "GradCheck",
    "GraphvizMissingError",
    "Value",
    "assert_gradcheck",
    "draw",
    "gradcheck",
    "no_grad",
    "print_backward",
    "walkthrough",
]
