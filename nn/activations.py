"""Activation functions by name, for `Neuron`, `Layer` and `MLP`.

Each one is a plain function from a `Value` to a `Value`, built from the engine's own
operations, so its local gradient shows up when you step through the backward pass.

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


def activation(name: str) -> Activation:
    """The activation function called `name` (one of `ACTIVATIONS`), or a clear ValueError."""
    if not isinstance(name, str):
        raise TypeError(
            f"activation: expected a name such as 'relu', got {type(name).__name__} {name!r}; "
            f"choose one of: {', '.join(ACTIVATIONS)}"
        )
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}"
        ) from None
