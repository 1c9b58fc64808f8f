"""`Neuron`, `Layer` and `MLP`: micrograd's building blocks, with a choice of activations.

A neuron computes s = w1*x1 + w2*x2 + ... + b with ordinary Value operations (so every
product and sum is a node you can step through), then its activation. Parameters carry labels
such as `L1.n2.w1` (layer 1, neuron 2, weight on input 1) and `L1.n2.b`; the weighted sum is
labelled `L1.n2.s` and the neuron's output `L1.n2`.

>>> model = MLP(2, [3, 1], activation="tanh", seed=1)
>>> model
MLP of [Layer(2 -> 3, tanh), Layer(3 -> 1, linear)], 13 parameters
>>> [p.label for p in model.layers[1].parameters()]
['L2.n1.w1', 'L2.n1.w2', 'L2.n1.w3', 'L2.n1.b']
>>> y = model([0.5, -1.0])
>>> y.label
'L2.n1'
>>> model([1, 2, 3])
Traceback (most recent call last):
    ...
ValueError: MLP expects 2 inputs, got 3
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence, Set
from typing import Any

from stepgrad import Value
from stepgrad.nn import _argcheck, limits, seeding
from stepgrad.nn.activations import ACTIVATIONS, canonical
from stepgrad.nn.module import Module
from stepgrad.value import describe, too_large
from stepgrad.words import plural

Input = Value | float | int
DEFAULT_SEED = 0


def check_inputs(x: Any, nin: int, who: str) -> Sequence[Input]:
    """`x` as a sequence of `nin` numbers or Values, or a clear TypeError / ValueError.

    Numbers come back as floats (numpy numbers too); a dict, a set, a string or anything
    without an order and a length is refused, as is a number that is not finite.
    """
    if isinstance(x, Value) or _argcheck.is_number(x):
        if nin == 1:
            return (x if isinstance(x, Value) else _number(x, who, 1),)
        raise TypeError(f"{who} expects a list of {nin} inputs, got a single {type(x).__name__}")
    if isinstance(x, (Mapping, Set)):
        why = "its keys" if isinstance(x, Mapping) else "a set has no order"
        raise TypeError(
            f"{who} expects a list of {nin} numbers in order, got {describe(x)} ({why}: "
            "pass a list or a tuple)"
        )
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__") or not hasattr(x, "__getitem__"):
        raise TypeError(f"{who} expects a list of {nin} numbers, got {describe(x)}")
    if len(x) != nin:
        if _many_samples(x):
            raise ValueError(_samples_message(x, nin, who))
        raise ValueError(f"{who} expects {plural(nin, 'input')}, got {len(x)}")
    try:
        return [xi if type(xi) is Value else _number(xi, who, i)
                for i, xi in enumerate(x, start=1)]
    except TypeError:
        if _many_samples(x):  # (looked at only when something is wrong)
            raise TypeError(_samples_message(x, nin, who)) from None
        raise


def _many_samples(x: Any) -> bool:
    """True when every item of `x` is itself a list (or an array row): the whole data set."""
    def row(xi: Any) -> bool:
        return (not isinstance(xi, (Value, str, bytes, Mapping)) and not _argcheck.is_number(xi)
                and hasattr(xi, "__len__"))

    try:
        return len(x) > 0 and all(row(xi) for xi in x)
    except Exception:  # an odd sequence that fails when walked: say nothing more
        return False


def _samples_message(x: Any, nin: int, who: str) -> str:
    """A model called on the whole data set, as in PyTorch: say to call it on each sample."""
    shape = getattr(x, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        got = f"an array of shape {tuple(shape)}"  # (torch.Size is a tuple too)
    else:
        kind = type(x[0]).__name__ if isinstance(x[0], (list, tuple)) else "row"
        got = f"a {type(x).__name__} of {plural(len(x), kind)}"
    return (f"{who} takes one sample at a time (a list of {plural(nin, 'number')}), but got "
            f"{got}: the whole data set? Call it on each sample, [model(x) for x in X], or "
            "use stepgrad.batched to run it on all of them at once")


def _number(xi: Any, who: str, i: int) -> float:
    """Input i as a finite float, or an error that names the model and the input."""
    if type(xi) is float and xi - xi == 0.0:
        return xi
    if not _argcheck.is_number(xi):  # True, False, np.True_: 1 and 0
        raise TypeError(f"{who} input {i}: expected a number or a Value, got {describe(xi)}")
    try:
        x = float(xi)
    except OverflowError:
        raise OverflowError(f"{who} input {i} is {too_large(xi)}, too large for a float") from None
    if x - x != 0.0:  # nan or infinity
        raise ValueError(f"{who} input {i} is {x}; inputs must be finite numbers")
    return x


def _memory(sizes: Sequence[int]) -> int:
    """About how many bytes the layers between `sizes` (nin, then each nout) take."""
    return sum(limits.PARAMETER_BYTES * n * (m + 1) + limits.NEURON_BYTES * n
               for m, n in zip(sizes[:-1], sizes[1:], strict=True))


def _rng(seed: Any, rng: random.Random | None) -> random.Random:
    """`rng` if given; else the shared generator when no seed was given; else a private one
    seeded with `seed` (None: a fresh, unpredictable one)."""
    if rng is not None:
        return rng
    if seed is seeding.SHARED:
        return seeding.generator()
    return random.Random(seed)


def _resolve(act: str, nonlin: bool | None) -> str:
    if nonlin is None:
        return act
    return "relu" if nonlin else "linear"


class Neuron(Module):
    """One neuron: activation(w . x + b), with weights drawn uniformly from [-1, 1], bias 0.

    Args:
        nin: number of inputs.
        activation: 'relu' (default), 'tanh', 'sigmoid', 'linear', 'leaky_relu' or 'elu'.
        nonlin: micrograd's switch, kept for familiarity: True means relu, False linear.
        seed: seeds a private random generator, so the same seed gives the same weights
            (None: an unpredictable one). Not given, the weights come from stepgrad.nn's
            shared generator (seeded with 0 at import; `stepgrad.nn.manual_seed` sets it):
            the same program gives the same weights, but each new Neuron gets new ones, so
            micrograd's `[Neuron(nin) for _ in range(nout)]` makes neurons that differ.
        rng: a random.Random to draw from instead (Layer and MLP pass theirs).
        name: the label prefix of the parameters ('L1.n2' inside an MLP).

    >>> n = Neuron(2, activation="linear", seed=0)
    >>> n.w[0].data, n.w[1].data, n.b.data
    (0.6888437030500962, 0.515908805880605, 0.0)
    >>> n([1.0, 2.0]).data == n.w[0].data + 2 * n.w[1].data
    True
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        seed: int | None = seeding.SHARED,
        rng: random.Random | None = None,
        name: str = "n",
    ) -> None:
        nin = _argcheck.size("Neuron", "nin", nin)
        limits.check("Neuron", (nin,), nin + 1, limits.PARAMETER_BYTES * (nin + 1)
                     + limits.NEURON_BYTES, "use fewer inputs")
        self.nin = nin
        self.activation = canonical(_resolve(activation, nonlin), "Neuron")
        self._act = ACTIVATIONS[self.activation]
        self.name = name
        r = _rng(seed, rng)
        self.w = [Value(r.uniform(-1.0, 1.0), label=f"{name}.w{i}") for i in range(1, nin + 1)]
        self.b = Value(0.0, label=f"{name}.b")
        self._params = [*self.w, self.b]
        self._linear = self.activation == "linear"
        self._sum_label = name if self._linear else f"{name}.s"

    def __call__(self, x: Sequence[Input] | Input) -> Value:
        """The neuron's output for the inputs `x` (a list of nin numbers or Values)."""
        return self._forward(check_inputs(x, self.nin, "Neuron"))

    def _forward(self, x: Sequence[Input]) -> Value:
        w = self.w
        s = w[0] * x[0]  # start from the first product: no needless 0 + ... node
        for i in range(1, self.nin):
            s = s + w[i] * x[i]
        s = s + self.b
        s.label = self._sum_label
        if self._linear:
            return s
        out = self._act(s)
        out.label = self.name
        return out

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return list(self._params)

    def describe(self) -> dict[str, Any]:
        """{'type': 'Neuron', 'nin': ..., 'activation': ...}."""
        return {"type": "Neuron", "nin": self.nin, "activation": self.activation}

    def __repr__(self) -> str:
        return f"Neuron({plural(self.nin, 'input')}, {self.activation})"


class Layer(Module):
    """`nout` neurons that all read the same `nin` inputs.

    Calling it returns a list of nout Values, or a single Value when nout is 1. `activation`,
    `nonlin` and `name` are the Neuron's (parameters are labelled 'L1.n2.w1' unless `name`
    says otherwise). With `seed=` the weights come from a private generator seeded with it
    (None: an unpredictable one); without it, from stepgrad.nn's shared generator (seeded with
    0 at import, set by `stepgrad.nn.manual_seed`), so two Layers made without a seed differ,
    and the same program still builds the same ones.

    >>> layer = Layer(3, 2, activation="tanh", seed=0)
    >>> layer
    Layer(3 -> 2, tanh)
    >>> len(layer([1, 2, 3])), layer.num_parameters()
    (2, 8)
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        seed: int | None = seeding.SHARED,
        rng: random.Random | None = None,
        name: str = "L1",
    ) -> None:
        nin = _argcheck.size("Layer", "nin", nin)
        nout = _argcheck.size("Layer", "nout", nout)
        limits.check("Layer", (nin, nout), nout * (nin + 1), _memory([nin, nout]),
                     "use fewer inputs or neurons")
        act = canonical(_resolve(activation, nonlin), "Layer")
        r = _rng(seed, rng)
        self.nin, self.nout, self.activation, self.name = nin, nout, act, name
        self.neurons = [
            Neuron(nin, act, rng=r, name=f"{name}.n{j}") for j in range(1, nout + 1)
        ]

    def __call__(self, x: Sequence[Input] | Input) -> Value | list[Value]:
        """The outputs of all neurons for the inputs `x`."""
        out = self._forward(check_inputs(x, self.nin, "Layer"))
        return out[0] if len(out) == 1 else out

    def _forward(self, x: Sequence[Input]) -> list[Value]:
        return [n._forward(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        """Every neuron's weights and bias, neuron by neuron."""
        return [p for n in self.neurons for p in n._params]

    def describe(self) -> dict[str, Any]:
        """{'type': 'Layer', 'nin': ..., 'nout': ..., 'activation': ...}."""
        return {"type": "Layer", "nin": self.nin, "nout": self.nout,
                "activation": self.activation}

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {self.activation})"


class MLP(Module):
    """A multi-layer perceptron: MLP(nin, [hidden sizes ..., output size]), as in micrograd.

    Hidden layers use `activation` (relu by default), the last layer `output_activation`
    (linear by default). Weights come from a private random generator seeded with `seed`
    (default 0), so the same call always builds the same network; seed=None draws a fresh
    one. Calling the model returns a Value when the last layer has one output, else a list.

    >>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid")
    >>> model.num_parameters()
    17
    >>> 0.0 < model([1, 0]).data < 1.0
    True
    >>> MLP(2, [4, 1]).state_dict() == model.state_dict()      # same seed, same weights
    True
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed: int | None = DEFAULT_SEED,
    ) -> None:
        nin = _argcheck.size("MLP", "nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        # all of them before any layer is built
        nouts = [_argcheck.size("MLP", f"nouts[{i}]", n) for i, n in enumerate(nouts)]
        activation = canonical(activation, "MLP")
        output_activation = canonical(output_activation, "MLP", "output_activation")
        r = random.Random(seed)
        sizes = [nin, *nouts]
        # count first (a weight per input and a bias per neuron), before building any layer
        count = sum(n * (m + 1) for m, n in zip(sizes[:-1], nouts, strict=True))
        limits.check("MLP", (nin, nouts), count, _memory(sizes), "use fewer or smaller layers")
        last = len(nouts) - 1
        self.nin = nin
        self.nouts = list(nouts)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation,
                  rng=r, name=f"L{i + 1}")
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Input] | Input) -> Value | list[Value]:
        """The network's output for the inputs `x` (a list of nin numbers or Values)."""
        out = check_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """All parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def describe(self) -> dict[str, Any]:
        """{'type': 'MLP', 'nin': ..., 'nouts': [...], 'activations': [one per layer]}."""
        return {"type": "MLP", "nin": self.nin, "nouts": list(self.nouts),
                "activations": [layer.activation for layer in self.layers]}

    def __repr__(self) -> str:
        layers = ", ".join(repr(layer) for layer in self.layers)
        return f"MLP of [{layers}], {self.num_parameters()} parameters"
