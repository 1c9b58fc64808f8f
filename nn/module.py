"""`Module`: anything with parameters you can train, reset, save and load.

Write a model the PyTorch way (parts and Values set as attributes, a `forward` method): its
parameters are found in its attributes (see nn/attributes.py), and calling the model calls
`forward`. Or the micrograd way: override `parameters()` (and `__call__`). To have the shape
checked when loading, override `describe()` too; everything else works on `parameters()`.

>>> from stepgrad import Value, passes
>>> class Line(Module):
...     def __init__(self):
...         self.a, self.b = Value(2.0, label="a"), Value(1.0, label="b")
...     def parameters(self):
...         return [self.a, self.b]
>>> line = Line()
>>> line.state_dict()
{'a': 2.0, 'b': 1.0}
>>> line.load_state_dict({'a': 0.5, 'b': -1.0})
<All keys matched successfully>
>>> line.a.data
0.5
"""

from __future__ import annotations

import functools
import os
import reprlib
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from stepgrad import Value, passes
from stepgrad.nn import _argcheck, attributes, serialization


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(..., strict=False)` skipped: the model's names the state did not
    have, and the state's names the model does not have (both empty when all matched)."""

    missing_keys: list[str]
    unexpected_keys: list[Any]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"  # as torch shows it
        return (f"IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")


def zero_grads(owner: str, params: Iterable[Value], set_to_none: Any) -> None:
    """zero_grad(set_to_none=...) of `Module` and `Optimizer` over `params` (see there)."""
    if _argcheck.flag(owner, "set_to_none", set_to_none):
        for p in params:
            p.zero_grad()
        return
    for p in params:
        if passes.live:  # a stepped pass over p ends first (its steps are undone), as in
            passes.end_passes((p,), "zero_grad() reset {}", p)  # Value.zero_grad()
        if p.grad_computed:  # as torch: a gradient that is None stays None
            p.grad = 0.0  # a computed zero, as torch's grad.zero_()


def parameter_list(module: Any) -> list[Value]:
    """`module.parameters()` as a list, taken once, whether it returns a list or yields (as
    PyTorch's does); anything in it that is not a Value is an error naming the class."""
    owner = f"{type(module).__name__}.parameters()"
    given = module.parameters()
    if isinstance(given, list) and all(type(p) is Value for p in given):
        return list(given)  # the usual case, quickly (a copy: the caller may keep it)
    if isinstance(given, (str, bytes, Mapping)) or not isinstance(given, Iterable):
        what = "nothing (None)" if given is None else _argcheck.kind(given)
        raise TypeError(
            f"{owner} must return the model's Values (a list such as [self.w, self.b], or "
            f"yield them), but it returned {what}"
        )
    found = list(given)
    for i, p in enumerate(found, start=1):
        if not isinstance(p, Value):
            hint = (" (a model, not a Value: give its parameters, as in "
                    "`yield from self.layer1.parameters()`)" if isinstance(p, Module) else "")
            raise TypeError(
                f"{owner} must give Values only, but item {i} is {_argcheck.kind(p)}{hint}"
            )
    return found


class on_a_model:  # noqa: N801 (used as a decorator, as functools.cached_property is)
    """A method that works on a model, called on its class by mistake (`MLP.load(path)`,
    as Keras' load_model) says to make the model first, instead of Python's "missing 1
    required positional argument". `Module.load(model, path)` still works."""

    def __init__(self, method: Callable[..., Any]) -> None:
        self.method = method
        functools.update_wrapper(self, method)

    def __get__(self, model: Any, cls: type | None = None) -> Callable[..., Any]:
        if model is not None:
            return types.MethodType(self.method, model)
        method, owner = self.method, cls or Module

        @functools.wraps(method)
        def on_the_class(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], Module):
                return method(*args, **kwargs)
            name, verb = owner.__name__, method.__name__
            given = args[0] if args else kwargs.get("path", "model.json")
            path = repr(os.fspath(given)) if isinstance(given, (str, os.PathLike)) else "path"
            raise TypeError(
                f"{name}.{verb}() is called on a model, not on the class {name}: first make "
                f"a model of the same shape as the saved one (the same arguments), then "
                f"{verb} into it: model = {name}(...); model.{verb}({path})"
            )

        return on_the_class


class Module:
    """Base class of `Neuron`, `Layer`, `MLP` and your own models.

    >>> from stepgrad.nn import MLP
    >>> class TwoNets(Module):
    ...     def __init__(self):
    ...         self.first, self.second = MLP(2, [2, 1], seed=0), MLP(1, [1], seed=1)
    ...     def forward(self, x):
    ...         return self.second([self.first(x)])
    >>> model = TwoNets()
    >>> model
    TwoNets: 11 parameters
      first: MLP of [Layer(2 -> 2, relu), Layer(2 -> 1, linear)], 9 parameters
      second: MLP of [Layer(1 -> 1, linear)], 2 parameters
    >>> model([1.0, 2.0]).data == model.second([model.first([1.0, 2.0])]).data
    True
    """

    def parameters(self) -> list[Value]:
        """Every trainable Value of this module (a new list each call).

        Unless a subclass writes its own, these are the Values (made by `Value(...)`, not by
        an operation) and the parameters of the modules found in its attributes, also in
        lists, tuples and dicts, in the order they were set, each once: as PyTorch finds them.
        """
        return attributes.parameters_of(self)

    training: bool = True  # as PyTorch's; set by train() and eval()

    def train(self, mode: bool = True) -> Module:
        """Mark the module (and every part of it) as training, as PyTorch's model.train();
        returns the module. `training` changes nothing in stepgrad's own layers (they have
        no dropout or batch norm); your `forward` may read `self.training`."""
        mode = _argcheck.flag(f"{type(self).__name__}.train", "mode", mode)
        for module in attributes.modules_in(self):
            module.training = mode
        return self

    def eval(self) -> Module:
        """Mark the module (and every part of it) as evaluating: the same as train(False), as
        PyTorch's model.eval(); returns the module. It changes nothing in stepgrad's own
        layers: to build no graph when you only predict, use `with stepgrad.no_grad():`."""
        return self.train(False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """model(x) runs model.forward(x), as in PyTorch and DeZero."""
        forward = getattr(type(self), "forward", None)
        if forward is None:
            raise TypeError(
                f"{type(self).__name__} cannot be called: give the class a method "
                "forward(self, x) that computes the output (as in PyTorch), or __call__"
            )
        return forward(self, *args, **kwargs)

    @reprlib.recursive_repr(fillvalue="...")
    def __repr__(self) -> str:
        """The class name and the number of parameters, then each part on a line."""
        return attributes.describe_parts(self)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters (call it before each backward pass).

        As `Optimizer.zero_grad`: set_to_none=True (the default, as in PyTorch) makes them
        "not computed yet"; set_to_none=False makes each computed one 0.0.
        """
        zero_grads(f"{type(self).__name__}.zero_grad", parameter_list(self), set_to_none)

    def num_parameters(self) -> int:
        """How many numbers this module learns."""
        return len(parameter_list(self))

    def describe(self) -> dict[str, Any]:
        """The module's shape as plain data; saved with the weights and checked on load."""
        return {"type": type(self).__name__, "parameters": self.num_parameters()}

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs: the parameters' labels, or p1, p2, ... if those clash.

        A model whose parameters are found in its attributes (it writes no `parameters()`)
        names them by where they are when their labels clash or are missing, as PyTorch:
        'hidden.L1.n1.w1' is the parameter labelled 'L1.n1.w1' in the part `self.hidden`.
        """
        params = parameter_list(self)
        labels = [p.label for p in params]
        if all(labels) and len(set(labels)) == len(labels):
            return list(zip(labels, params, strict=True))
        if not attributes.writes_own_parameters(self):
            paths = attributes.parameter_paths(self)
            names = [paths.get(id(p), "") for p in params]
            if all(names) and len(set(names)) == len(names):
                return list(zip(names, params, strict=True))
        return [(f"p{i}", p) for i, p in enumerate(params, start=1)]

    def state_dict(self) -> dict[str, float]:
        """All parameter values by name, in `parameters()` order (a copy: plain floats)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Set the parameters from `state` (as made by `state_dict()`).

        Everything is checked before anything changes: with a missing or unexpected name,
        a value that is not a finite number, the model is left exactly as it was. As in
        PyTorch, strict=False skips names that are missing or unexpected (the values of the
        names that match must still be finite numbers). Returns the skipped names, as torch:
        (missing_keys, unexpected_keys).
        """
        strict = _argcheck.flag("load_state_dict", "strict", strict)
        named = self.named_parameters()
        names = [name for name, _ in named]
        missing: list[str] = []
        unexpected: list[Any] = []
        if not strict and isinstance(state, Mapping):
            expected = set(names)
            missing = [n for n in names if n not in state]
            unexpected = [k for k in state if k not in expected]
            named = [(n, p) for n, p in named if n in state]
            names = [n for n, _ in named]
            state = {n: state[n] for n in names}
        try:
            values = serialization.check_parameters(state, names)
        except serialization.FormatProblem as problem:
            raise ValueError(f"load_state_dict: {problem}") from None
        for (_, p), value in zip(named, values, strict=True):
            p.data = value
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model's shape and all its parameters to a JSON file.

        Floats are written so that `load` gives back exactly the same numbers. The file is
        written under a new temporary name in the same folder and then renamed, so an existing
        file is replaced whole or not at all. `path` is a file name (str or pathlib.Path). A
        symbolic link is written through (the file it points to is replaced, as torch.save
        does); a path that is not a regular file (a pipe, a device, a socket) is refused.
        """
        owner = f"{type(self).__name__}.save"
        serialization.check_path(owner, path)
        serialization.write_model_file(path, self.describe(), self.state_dict(), owner)

    @on_a_model
    def load(self, path: str | os.PathLike[str]) -> Module:
        """Load parameters saved by `save` into this model (returns the model itself).

        Raises `nn.ModelFileError` naming the file and the problem when the file is not a
        saved model, is damaged, or holds a model of another shape; the model is then left
        unchanged. `path` is a file name (str or pathlib.Path), not an open file or a file
        descriptor.
        """
        owner = f"{type(self).__name__}.load"
        serialization.check_path(owner, path)
        named = self.named_parameters()
        names = [n for n, _ in named]
        values = serialization.read_model_file(path, self.describe(), names, owner)
        for (_, p), value in zip(named, values, strict=True):
            p.data = value
        return self

    def _repr_html_(self) -> str:  # how a notebook shows it (stepgrad/display.py)
        from stepgrad.display import module_html
        return module_html(self)
