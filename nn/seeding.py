"""The random generator that `Neuron` and `Layer` draw their weights from when given no seed.

It is seeded with 0 when stepgrad.nn is imported, so a program builds the same weights every
time it runs; but each `Neuron(...)` or `Layer(...)` made without a seed takes the next numbers
from it, so two of them differ (as `torch.nn.Linear` after `torch.manual_seed`). micrograd's
`[Neuron(nin) for _ in range(nout)]` then gives neurons that differ, as a layer needs: equal
neurons would get equal gradients and stay equal for ever.

`manual_seed(n)` starts it again from n (in a notebook: run it in the cell that builds the
model, so running the cell again builds the same weights). A `seed=` given to a Neuron or a
Layer, and `MLP` (seed 0 unless you give one), never touch this generator.

>>> from stepgrad.nn import Neuron
>>> manual_seed(3)
>>> a, b = Neuron(2), Neuron(2)
>>> a.w[0].data == b.w[0].data          # each neuron gets its own weights
False
>>> manual_seed(3)
>>> Neuron(2).w[0].data == a.w[0].data  # the same seed again, the same weights again
True
"""

from __future__ import annotations

import random
from numbers import Integral
from typing import Any

from stepgrad.nn import _argcheck

__all__ = ["SHARED", "generator", "manual_seed"]

_generator = random.Random(0)


class _Shared:
    """The default of `seed=` in Neuron and Layer: draw from the shared generator."""

    def __repr__(self) -> str:
        return "<the shared generator: stepgrad.nn.manual_seed>"


SHARED: Any = _Shared()


def generator() -> random.Random:
    """The shared generator (seeded with 0 at import, or by the last `manual_seed`)."""
    return _generator


def manual_seed(seed: int) -> None:
    """Start the shared generator again from `seed` (a whole number), as torch.manual_seed.

    Only the weights of a `Neuron` or `Layer` made without `seed=` come from it.
    """
    if _argcheck.is_bool(seed) or not isinstance(seed, Integral):
        raise TypeError(f"manual_seed: seed must be a whole number, got {_argcheck.kind(seed)}")
    _generator.seed(int(seed))
