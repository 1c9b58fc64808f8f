"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

>>> from stepgrad import Value
>>> a = Value(2.0, label="a")
>>> b = a * a + a
>>> b.backward()
>>> a.grad
5.0
"""

from stepgrad.draw import GraphvizMissingError, draw
from stepgrad.grad_mode import no_grad
from stepgrad.gradcheck import GradCheck, assert_gradcheck, gradcheck
from stepgrad.higher import grad
from stepgrad.ops import Op
from stepgrad.stepping import BackwardPass, BackwardStep, print_backward
from stepgrad.value import Value
from stepgrad.walkthrough import walkthrough

__all__ = [
    "BackwardPass",
    "BackwardStep",
    "GradCheck",
    "GraphvizMissingError",
    "Op",
    "Value",
    "assert_gradcheck",
    "draw",
    "grad",
    "gradcheck",
    "no_grad",
    "print_backward",
    "walkthrough",
]
