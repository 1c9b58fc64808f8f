"""`no_grad()`: compute with Values without recording a graph (for inference)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

enabled = True  # read by Value() for every new node


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block, operations give plain results that remember no inputs.

    Use it for inference, e.g. drawing a decision map: no graph is built, so nothing is
    kept alive and nothing can be backpropagated.

    >>> from stepgrad import Value, no_grad
    >>> w = Value(2.0)
    >>> with no_grad():
    ...     y = w * 3
    >>> y.inputs
    ()
    """
    global enabled
    previous, enabled = enabled, False
    try:
        yield
    finally:
        enabled = previous
