"""How large a model `stepgrad.nn` builds: at most `MAX_PARAMETERS` parameters.

Every parameter of a `Neuron`, `Layer` or `MLP` is a Value of its own (about 200 bytes with its
label), so a slip such as `MLP(2, [10**9])` would fill the computer's memory for minutes
before it failed: in Colab that looks like a hang, then a crashed kernel. So the constructors
first count the parameters (plain arithmetic on the sizes) and refuse a model with more than
`MAX_PARAMETERS` of them, before they build anything. The perceptron's weights are plain floats
(32 bytes each once trained); it has the same limit.

A teacher who really needs a larger model raises the limit before building it:

    import stepgrad.nn.limits
    stepgrad.nn.limits.MAX_PARAMETERS = 50_000_000

>>> from stepgrad.nn import MLP
>>> MLP(2, [10**9], seed=0)
Traceback (most recent call last):
...
ValueError: MLP(2, [1_000_000_000]) would have 3,000,000,000 parameters (about 980 GB of \
memory); the limit is 10,000,000. Use fewer or smaller layers (or raise \
stepgrad.nn.limits.MAX_PARAMETERS)
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["MAX_PARAMETERS", "PARAMETER_BYTES", "NEURON_BYTES", "WEIGHT_BYTES", "check",
           "memory_text"]

MAX_PARAMETERS = 10_000_000
"""The most parameters a Neuron, Layer, MLP or Perceptron may have (an MLP this large takes
about 2 GB). Set `stepgrad.nn.limits.MAX_PARAMETERS` to a larger number to allow more."""

# What a model costs in memory, measured with tracemalloc on 64-bit CPython 3.11 (tested in
# tests/test_limits.py): each parameter of a network (its Value, its float, its label and
# its places in the neuron's lists), each neuron's own objects, a trained perceptron weight.
PARAMETER_BYTES = 200
NEURON_BYTES = 380
WEIGHT_BYTES = 32


def memory_text(nbytes: float) -> str:
    """'about 980 GB', 'about 1.5 GB', 'about 320 MB': a size in bytes, roughly, for people."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if nbytes >= size:
            amount = nbytes / size
            shown = f"{amount:,.0f}" if amount >= 9.95 else f"{amount:.2g}"
            return f"about {shown} {unit}"
    return f"about {nbytes:.0f} bytes"


def _size_text(size: int | Sequence[int]) -> str:
    """A size as the learner could type it, 1_000_000_000; a list of sizes, cut if long."""
    if isinstance(size, int):
        return f"{size:_}"
    sizes = [f"{s:_}" for s in size]
    if len(sizes) > 8:
        sizes = [*sizes[:3], f"... ({len(sizes) - 5:,} more)", *sizes[-2:]]
    return "[" + ", ".join(sizes) + "]"


def check(owner: str, sizes: Sequence[int | Sequence[int]], count: int, nbytes: float,
          advice: str) -> None:
    """Refuse a model of `count` parameters (taking about `nbytes` bytes) with a ValueError
    when count is over MAX_PARAMETERS. `owner(*sizes)` is the call that asked for it, and
    `advice` says what to do ('use fewer inputs')."""
    if count <= MAX_PARAMETERS:
        return
    call = f"{owner}({', '.join(_size_text(s) for s in sizes)})"
    raise ValueError(
        f"{call} would have {count:,} parameters ({memory_text(nbytes)} of memory); the limit "
        f"is {MAX_PARAMETERS:,}. {advice[0].upper()}{advice[1:]} (or raise "
        "stepgrad.nn.limits.MAX_PARAMETERS)"
    )
