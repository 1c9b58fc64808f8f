"""Activation functions by name, for `Neuron`, `Layer` and `MLP`.

Each one is a plain function from a `Value` to a `Value`, built from the engine's own
operations, so its local gradient shows up when you step through the backward pass. A name
may be written in any capitals and with or without underscores, so PyTorch's class names work
too ('ReLU', 'Tanh', 'Sigmoid', 'LeakyReLU', 'ELU', 'Identity' for linear).

>>> from stepgrad import Value
>>> activation("tanh")(Value(0.0)).data
0.0
>>> activation("linear")(Value(-2.0)).data
-2.0
>>> activation("softplus")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
ValueError: unknown activation 'softplus'; choose one of: elu, leaky_relu, linear, relu, ...
"""

from __future__ import annotations

from collections.abc import Callable

from stepgrad import Value

Activation = Callable[[Value], Value]


def linear(v: Value) -> Value:
    """The identity: no activation at all (no extra node in the graph)."""
    return v


def relu(v: Value) -> Value:
    """max(0, x)."""
    return v.relu()


def tanh(v: Value) -> Value:
    """tanh(x), between -1 and 1."""
    return v.tanh()


def sigmoid(v: Value) -> Value:
    """1 / (1 + e**-x), between 0 and 1."""
    return v.sigmoid()


def leaky_relu(v: Value) -> Value:
    """x for x > 0, else 0.01 * x."""
    return v.leaky_relu()


def elu(v: Value) -> Value:
    """x for x > 0, else e**x - 1."""
    return v.elu()


ACTIVATIONS: dict[str, Activation] = {
    "elu": elu,
    "leaky_relu": leaky_relu,
    "linear": linear,
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
}


# PyTorch's class names (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.ELU, nn.Identity) and
# any capitals or underscores: the name is compared in lower case, without underscores.
_SPELLINGS = {name.replace("_", ""): name for name in ACTIVATIONS} | {"identity": "linear"}
_LAYER_WIDE = {"softmax", "logsoftmax"}  # not an activation of one neuron


def canonical(name: str, owner: str | None = None, argument: str = "activation") -> str:
    """The name of `ACTIVATIONS` that `name` means ('ReLU', 'leaky_relu' and 'LeakyReLU' mean
    what they do in PyTorch), or a clear error naming `owner(..., argument=name)`.

    >>> canonical("LeakyReLU"), canonical("Tanh"), canonical("identity")
    ('leaky_relu', 'tanh', 'linear')
    >>> canonical("softmax", "MLP", "output_activation")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: MLP(..., output_activation='softmax'): softmax is not an activation here...
    """
    where = f"{owner}(..., {argument}={name!r})" if owner else f"activation {name!r}"
    if not isinstance(name, str):
        raise TypeError(_not_a_name(name, owner, argument))
    key = name.lower().replace("_", "")
    if key in _SPELLINGS:
        return _SPELLINGS[key]
    if key in _LAYER_WIDE:
        raise ValueError(
            f"{where}: {name} is not an activation here: it works on a whole layer, not on "
            "one neuron. Keep the output layer linear (output_activation='linear', the "
            "default) and use cross_entropy, which applies log_softmax itself; "
            "stepgrad.nn.softmax(outputs) gives the probabilities"
        )
    start = f"{where}: unknown activation" if owner else f"unknown activation {name!r}"
    raise ValueError(
        f"{start}; choose one of: {', '.join(ACTIVATIONS)} (PyTorch's names such as "
        "'ReLU' work too)"
    )


def _not_a_name(x: object, owner: str | None, argument: str) -> str:
    """The message for an activation given as a function, a class or None, not its name."""
    if x is None:
        got, example = "None", "linear"
    elif callable(x):
        key = str(getattr(x, "__name__", type(x).__name__)).lower().replace("_", "")
        example = _SPELLINGS.get(key, "tanh")
        if isinstance(x, type):
            got = f"the class {x.__qualname__}"
        elif hasattr(x, "__name__"):
            got = f"the function {getattr(x, '__qualname__', x.__name__)}"
        else:
            got = f"a {type(x).__name__} object"
    else:
        from stepgrad.nn._argcheck import kind

        got, example = kind(x), "tanh"
    names = ", ".join(ACTIVATIONS)
    if owner is None:
        return (f"activation: expected a name such as {example!r} (a string), got {got}. "
                f"The names: {names}")
    return (f"{owner}: {argument} must be a name such as {example!r} (a string), got {got}; "
            f"write {argument}={example!r}. The names: {names}")


def activation(name: str) -> Activation:
    """The activation function called `name` (one of `ACTIVATIONS`, in any capitals, or
    PyTorch's class name such as 'LeakyReLU'), or a clear ValueError."""
    return ACTIVATIONS[canonical(name)]
