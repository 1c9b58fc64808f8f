"""stepgrad's engine: scalar reverse-mode autodiff you can step through.

>>> from stepgrad import Value
>>> a = Value(2.0, label="a")
>>> b = a * a + a
>>> b.backward()
>>> a.grad
5.0
"""

import importlib as _importlib
import sys as _sys
import types as _types
from typing import TYPE_CHECKING, Any

from stepgrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from stepgrad.higher import grad
from stepgrad.ops import Op
from stepgrad.stepping import BackwardPass, BackwardStep, StalePassError, print_backward
from stepgrad.value import Value

# Loaded on first use, so that `import stepgrad` stays fast: name -> the module that defines it.
_LAZY = {
    "GradCheck": "stepgrad.gradcheck",
    "GraphvizMissingError": "stepgrad.draw",
    "assert_gradcheck": "stepgrad.gradcheck",
    "batched": "stepgrad.batch",
    "draw": "stepgrad.draw",
    "gradcheck": "stepgrad.gradcheck",
    "walkthrough": "stepgrad.walkthrough",
}

if TYPE_CHECKING:  # for editors and type checkers; at run time __getattr__ imports these
    from stepgrad.batch import batched
    from stepgrad.draw import GraphvizMissingError, draw
    from stepgrad.gradcheck import GradCheck, assert_gradcheck, gradcheck
    from stepgrad.walkthrough import walkthrough

__all__ = [
    "BackwardPass",
    "BackwardStep",
    "GradCheck",
    "GraphvizMissingError",
    "Op",
    "StalePassError",
    "Value",
    "assert_gradcheck",
    "batched",
    "draw",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "print_backward",
    "set_grad_enabled",
    "walkthrough",
]


def __getattr__(name: str) -> Any:
    """Import a lazily loaded name (`draw`, `walkthrough`, `gradcheck`, ...) on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'stepgrad' has no attribute {name!r}")
    value = getattr(_importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, including the ones not loaded yet."""
    return sorted(set(globals()) | set(_LAZY))


class _Package(_types.ModuleType):
    """Keeps `stepgrad.draw` the function when the module stepgrad/draw.py is imported.

    Importing a submodule sets the package attribute of the same name to the submodule
    (`import stepgrad.draw` would make `stepgrad.draw` the module); for `draw`, `gradcheck`
    and `walkthrough` the package's attribute is the function of that name instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (name in _LAZY and isinstance(value, _types.ModuleType)
                and value.__name__ == f"{__name__}.{name}"):
            value = getattr(value, name)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
