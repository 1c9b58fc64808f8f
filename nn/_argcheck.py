"""Checking what a learner passes to `stepgrad.nn`: numbers and lists, with clear errors.

Each check names the function (`owner`) and the argument, and shows the offending value in a
short, safe form: an integer with thousands of digits is described, not printed (Python
refuses to print one with more than 4300 digits), and a long repr is cut. The descriptions
and the errors are the engine's (`stepgrad.value`): a number too large for a float is an
OverflowError everywhere, as `float(10 ** 400)` is in Python and `Value(10 ** 400)` is in
the engine.

Booleans: in data (a Value, an operand, a model input, a target) True and False are the
numbers 1 and 0, as in Python and PyTorch. A setting such as `lr` or `momentum` refuses them
(`lr=True` is always a slip), and a switch such as `nesterov` takes only True or False. numpy's
booleans (`X = data > 0`) follow the same rules as Python's (`is_bool`).

numpy scalars count as numbers (np.float64 is a float, and numpy registers its scalar types
as `numbers.Real`); numpy arrays count as lists where a list is expected.

>>> number("SGD", "lr", 10 ** 400)
Traceback (most recent call last):
...
OverflowError: SGD: lr is an integer with 401 digits, too large for a float
>>> items("mse", "the targets", {"a": 1})
Traceback (most recent call last):
...
TypeError: mse: the targets must be a list (or tuple) in a fixed order, got dict {'a': 1}
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Set
from numbers import Integral, Real
from typing import Any

from stepgrad.value import is_bool, too_large

__all__ = ["flag", "is_bool", "is_number", "items", "kind", "number", "shown", "size"]


def shown(x: object, limit: int = 60) -> str:
    """A short repr of x for an error message; never raises, never prints a huge integer."""
    if isinstance(x, Integral) and not isinstance(x, bool):
        try:
            if abs(int(x)) >= 10**limit:
                return too_large(x)  # 'an integer with 401 digits', as the engine says it
        except Exception:  # an odd Integral whose int() fails: fall through to its repr
            pass
    try:
        text = repr(x)
    except Exception:
        return f"a {type(x).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kind(x: object) -> str:
    """'str '3'', 'dict {}': the type and a short repr, as the messages show a value."""
    text = shown(x)
    return text if text.startswith("an integer with") else f"{type(x).__name__} {text}"


def is_number(x: object) -> bool:
    """True for a number in data: a real number (numpy's too) or a bool (Python's or numpy's)."""
    return isinstance(x, Real) or is_bool(x)


def number(owner: str, name: str, x: Any, *, allow_bool: bool = False) -> float:
    """x as a finite float, or an error naming owner, the argument and x: TypeError for a
    non-number, OverflowError for a number too large for a float (as the engine), ValueError
    for nan or an infinity."""
    if not is_number(x) or (is_bool(x) and not allow_bool):
        raise TypeError(f"{owner}: {name} must be a number, got {kind(x)}")
    try:
        v = float(x)
    except OverflowError:
        raise OverflowError(f"{owner}: {name} is {too_large(x)}, too large for a float") from None
    if v - v != 0.0:  # nan or +-inf
        raise ValueError(f"{owner}: {name} must be a finite number, got {v}")
    return v


def size(owner: str, name: str, x: Any) -> int:
    """x as a whole number >= 1 (a layer size, a count): ValueError otherwise, and an
    OverflowError for one too large to count anything in memory (as Python's `[0] * x`)."""
    if isinstance(x, Integral) and not is_bool(x):
        x = int(x)  # numpy's integers too (`y.max() + 1`): stored as a plain int
    if isinstance(x, bool) or not isinstance(x, int) or x < 1:
        raise ValueError(f"{owner}: {name} must be a whole number >= 1, got {shown(x)}")
    if x > sys.maxsize:
        raise OverflowError(f"{owner}: {name} is {too_large(x)}, too large for a size")
    return x


def flag(owner: str, name: str, x: Any) -> bool:
    """x as a bool: True or False (also numpy's bool), not any truthy object."""
    if is_bool(x):
        return bool(x)
    raise TypeError(f"{owner}: {name} must be True or False, got {kind(x)}")


def items(owner: str, what: str, x: Any) -> list[Any]:
    """The elements of a list-like x, in order; dicts, sets, strings and non-lists are refused.

    Any ordered iterable is accepted (list, tuple, range, a generator, a numpy array).
    """
    if isinstance(x, (Mapping, Set)):
        raise TypeError(
            f"{owner}: {what} must be a list (or tuple) in a fixed order, got {kind(x)}"
        )
    if isinstance(x, (str, bytes, bytearray)) or not isinstance(x, Iterable):
        raise TypeError(f"{owner}: {what} must be a list, got {kind(x)}")
    try:
        it = iter(x)
    except TypeError:  # e.g. a numpy array with 0 dimensions
        raise TypeError(f"{owner}: {what} must be a list, got {kind(x)}") from None
    return list(it)
