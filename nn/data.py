"""Small data sets for the demos: logic-gate truth tables, two interleaved moons, a spiral.

Each function returns `(inputs, labels)`: a list of points (lists of floats) and a list of
labels (ints). Labels are -1 / +1 by default (what the perceptron and the hinge loss use), not
scikit-learn's 0 / 1; pass `negative=0` for 0 / 1 labels (what a sigmoid output with binary
cross-entropy uses). Sizes, seeds and noise may be numpy numbers too.

>>> xor()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [-1, 1, 1, -1])
>>> and_gate(negative=0)[1]
[0, 0, 0, 1]
"""

from __future__ import annotations

import math
import random
from numbers import Integral
from typing import Any

from stepgrad.nn import _argcheck

Points = list[list[float]]

_UNSET: Any = object()  # an argument that was not given

_CORNERS: Points = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


def _negative(owner: str, negative: Any) -> int:
    """The label for 'false' as an int, -1 or 0 (False, 0.0 and numpy's 0 give the int 0)."""
    if _argcheck.is_number(negative) and negative in (-1, 0):
        return int(negative)
    raise ValueError(f"{owner}: negative must be -1 or 0 (the label for 'false'), got "
                     f"{_argcheck.shown(negative)}")


def _count(owner: str, name: str, x: Any) -> int:
    """A number of points or classes: a whole number >= 2 (numpy's integers too), as an int."""
    if isinstance(x, Integral) and not _argcheck.is_bool(x):
        x = int(x)
    if isinstance(x, bool) or not isinstance(x, int) or x < 2:
        raise ValueError(f"{owner}: {name} must be a whole number >= 2, got {_argcheck.shown(x)}")
    return x


def _noise(owner: str, noise: Any) -> float:
    """The standard deviation of the noise: a finite number >= 0 (numpy's too), as a float."""
    if _argcheck.is_number(noise) and not _argcheck.is_bool(noise):
        try:
            value = float(noise)
        except OverflowError:  # an int too large for a float
            value = math.inf
        if 0.0 <= value < math.inf:
            return value
    raise ValueError(f"{owner}: noise must be a number >= 0, got {_argcheck.shown(noise)}")


def _seed(seed: Any) -> Any:
    """A seed for random.Random: numpy's integers become ints (it refuses them)."""
    if isinstance(seed, Integral) and not _argcheck.is_bool(seed):
        return int(seed)
    return seed


def _gate(truth: list[bool], negative: int, owner: str) -> tuple[Points, list[int]]:
    negative = _negative(owner, negative)
    return [list(p) for p in _CORNERS], [1 if t else negative for t in truth]


def xor(negative: int = -1) -> tuple[Points, list[int]]:
    """x1 XOR x2: true when exactly one input is 1. Not linearly separable."""
    return _gate([False, True, True, False], negative, "xor")


def and_gate(negative: int = -1) -> tuple[Points, list[int]]:
    """x1 AND x2: true only when both inputs are 1."""
    return _gate([False, False, False, True], negative, "and_gate")


def or_gate(negative: int = -1) -> tuple[Points, list[int]]:
    """x1 OR x2: true when at least one input is 1."""
    return _gate([False, True, True, True], negative, "or_gate")


def make_moons(
    n: int = 100,
    noise: float = 0.1,
    seed: int | None = 0,
    negative: int = -1,
    *,
    n_samples: Any = _UNSET,
    random_state: Any = _UNSET,
) -> tuple[Points, list[int]]:
    """Two interleaving half circles, a classic set that no straight line separates.

    `n` points (100 if not given); scikit-learn's names `n_samples` and `random_state` work
    too, for `n` and `seed`. Unlike scikit-learn's (0 and 1), the labels are -1 and +1 by
    default, as the hinge loss and the perceptron want; `negative=0` gives 0 and 1, as
    `binary_cross_entropy` wants (and as an accuracy `round(p.data) == t` after a sigmoid needs).

    The upper moon is the half circle (cos t, sin t) for t in [0, pi] and gets label
    `negative` (-1 by default); the lower one, (1 - cos t, 0.5 - sin t), gets +1. Each point
    is moved by Gaussian noise with standard deviation `noise`, and the points are shuffled,
    all with a private random generator seeded by `seed`.

    >>> points, labels = make_moons(6, noise=0.0)
    >>> len(points), sorted(labels)
    (6, [-1, -1, -1, 1, 1, 1])
    >>> make_moons(10, seed=3) == make_moons(10, seed=3)
    True
    >>> sorted(set(make_moons(6, negative=0)[1]))
    [0, 1]
    """
    n_name = "n"
    if n_samples is not _UNSET:
        n, n_name = _alias("n", n, 100, "n_samples", n_samples), "n_samples"
    if random_state is not _UNSET:
        seed = _alias("seed", seed, 0, "random_state", random_state)
    n = _count("make_moons", n_name, n)
    noise = _noise("make_moons", noise)
    negative = _negative("make_moons", negative)
    rng = random.Random(_seed(seed))
    n_upper = n // 2
    n_lower = n - n_upper
    samples: list[tuple[list[float], int]] = []
    for count, label in ((n_upper, negative), (n_lower, 1)):
        for i in range(count):
            t = math.pi * i / (count - 1) if count > 1 else 0.0
            if label == 1:
                x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
            else:
                x, y = math.cos(t), math.sin(t)
            if noise:
                x += rng.gauss(0.0, noise)
                y += rng.gauss(0.0, noise)
            samples.append(([x, y], label))
    rng.shuffle(samples)
    return [p for p, _ in samples], [lab for _, lab in samples]


def _alias(name: str, value: Any, default: Any, alias: str, alias_value: Any) -> Any:
    """The value given under scikit-learn's name `alias`, unless `name` was given too (as
    anything but its default itself: the two cannot be told apart)."""
    if value is not default:
        raise TypeError(f"make_moons: give {name} or {alias}, not both")
    return alias_value


def make_spiral(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[Points, list[int]]:
    """Arms of a spiral, one per class: the classic multi-class set (labels 0, 1, 2, ...).

    Class c has `n_per_class` points (r sin t, r cos t), with the radius r going evenly from 0
    to 1 and the angle t = 2 pi c / classes + 4 r (radians): every arm turns the same amount,
    and the arms start evenly spaced. Gaussian noise (standard deviation `noise`) is added to
    the angle, and the points are shuffled, all with a private random generator seeded by
    `seed`.

    >>> points, labels = make_spiral(4, classes=3, noise=0.0)
    >>> len(points), sorted(labels)
    (12, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    >>> make_spiral(5, seed=2) == make_spiral(5, seed=2)
    True
    """
    n_per_class = _count("make_spiral", "n_per_class", n_per_class)
    classes = _count("make_spiral", "classes", classes)
    noise = _noise("make_spiral", noise)
    rng = random.Random(_seed(seed))
    samples: list[tuple[list[float], int]] = []
    for c in range(classes):
        for i in range(n_per_class):
            r = i / (n_per_class - 1)
            t = 2.0 * math.pi * c / classes + 4.0 * r
            if noise:
                t += rng.gauss(0.0, noise)
            samples.append(([r * math.sin(t), r * math.cos(t)], c))
    rng.shuffle(samples)
    return [p for p, _ in samples], [lab for _, lab in samples]
