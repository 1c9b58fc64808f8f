"""The classic perceptron: a step activation trained with the perceptron rule, not gradients.

The output is y = +1 if w . x + b > 0 else -1. The step has no useful derivative, so there is
no backward pass here: on each misclassified sample (target t) the rule moves the weights
towards it, w <- w + eta * t * x and b <- b + eta * t. On linearly separable data (AND, OR) it
stops once every sample is right; on XOR it never would, so `fit` stops after `max_epochs` and
keeps the best weights it saw (the "pocket" algorithm), which get 3 of the 4 cases right.

>>> from stepgrad.nn.data import and_gate, xor
>>> p = Perceptron(2)
>>> p.fit(*and_gate()).converged
True
>>> result = Perceptron(2).fit(*xor(), max_epochs=100)
>>> result.converged, result.best_accuracy
(False, 0.75)
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Real

from stepgrad.nn import _argcheck, limits
from stepgrad.words import plural

_ROUNDING = 2.0**-52  # the gap between 1.0 and the next float
_SMALLEST = 2.0**-1074  # the smallest float above 0


@dataclass(frozen=True)
class PerceptronResult:
    """What `Perceptron.fit` did.

    Attributes:
        converged: True if an epoch went by with no mistake (every sample classified right).
        epochs: how many passes over the data were made.
        accuracy: the share of samples the rule's final weights classify right.
        best_accuracy: the best share seen during training; the perceptron keeps those weights.
        mistakes: the number of updates (misclassified samples) in each epoch.
        message: the outcome in plain words.
    """

    converged: bool
    epochs: int
    accuracy: float
    best_accuracy: float
    mistakes: list[int] = field(repr=False)
    message: str

    def __str__(self) -> str:
        return self.message

    # At the prompt and as the text of a notebook cell, the message `print` shows, not the
    # dataclass's one long line (as `steps.table()`); the fields and == are the dataclass's.
    __repr__ = __str__

    def _repr_html_(self) -> str:  # how a notebook shows it (stepgrad/display.py)
        from stepgrad.display import perceptron_result_html
        return perceptron_result_html(self)


def _as_point(x: object, nin: int, owner: str, name: str) -> list[float]:
    """One sample as `nin` finite floats, or an error naming the method (`owner`) and the
    sample (`name`: 'sample 3', 'the sample'). A sample is what an MLP takes as its input: a
    list, a tuple or a numpy array of numbers (True and False are 1 and 0, numpy's too), or a
    single number when there is one input."""
    if _argcheck.is_number(x):
        if nin != 1:
            raise TypeError(
                f"{owner}: {name} must be a list of {nin} numbers, got {_argcheck.kind(x)}"
            )
        values = [x]
    else:
        values = _argcheck.items(owner, name, x)
        if len(values) != nin:
            raise ValueError(f"{owner} expects {plural(nin, 'input')}, {name} has {len(values)}")
    return [_argcheck.number(owner, f"input {j} of {name}", v, allow_bool=True)
            for j, v in enumerate(values, start=1)]


class Perceptron:
    """A single step-activation unit with `nin` inputs, trained by the perceptron rule.

    Weights and bias start at 0 (the classic choice). Each epoch visits the samples in a
    shuffled order drawn from a private random generator seeded with `seed` (shuffle=False
    keeps the given order), so a run is reproducible. On XOR the fixed order makes the rule
    cycle through weights that get only 2 of 4 right; shuffled, it soon passes through weights
    that get 3 of 4, which the pocket keeps.

    Targets are -1 / +1; 0 / 1 targets are accepted too and read as -1 / +1, and `predict`
    then answers 0 / 1 as well. Samples and targets are what an MLP and the losses take:
    lists, tuples or numpy arrays of numbers, where True and False (numpy's too, as in
    `y = labels == 1`) are the numbers 1 and 0.

    >>> p = Perceptron(2, eta=0.5)
    >>> print(p.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 1]))
    converged after 3 epochs: every sample is classified right (100%) (0/1 targets read as -1/+1)
    >>> [p.predict(x) for x in [[0, 0], [1, 1]]]
    [0, 1]
    """

    def __init__(
        self, nin: int, eta: float = 1.0, *, seed: int | None = 0, shuffle: bool = True
    ) -> None:
        nin = _argcheck.size("Perceptron", "nin", nin)
        limits.check("Perceptron", (nin,), nin + 1, limits.WEIGHT_BYTES * (nin + 1),
                     "use fewer inputs")
        if isinstance(eta, bool) or not isinstance(eta, Real) or not 0 < eta < math.inf:
            raise ValueError(f"Perceptron: the learning rate eta must be > 0, got {eta!r}")
        self.nin = nin
        self.eta = _argcheck.number("Perceptron", "eta", eta)  # 10 ** 400: OverflowError
        self.w = [0.0] * nin
        self.b = 0.0
        self.negative = -1  # the label predict() gives for 'below the line'
        self.seed = seed
        self.shuffle = shuffle

    def score(self, x: Sequence[float]) -> float:
        """The weighted sum s = w . x + b (its sign is the prediction)."""
        point = _as_point(x, self.nin, "Perceptron.score", "the sample")
        return sum(wi * xi for wi, xi in zip(self.w, point, strict=True)) + self.b

    def _above(self, x: Sequence[float]) -> bool:
        """w . x + b > 0, decided exactly wherever the float sum could be on the wrong side of
        0: where it overflows (inf or nan), or where it is so near 0 that rounding, or a
        product too small for a float (it underflows to 0), could have flipped its sign."""
        terms = [wi * xi for wi, xi in zip(self.w, x, strict=True)]
        s = sum(terms) + self.b
        if s - s == 0.0:
            # the float sum of m terms is within m * 2**-52 * sum(|term|) of the exact one,
            # plus 2**-1074 for each product that underflowed; twice that covers all rounding
            m = len(terms) + 2
            doubt = 2.0 * m * (_ROUNDING * (sum(map(abs, terms)) + abs(self.b)) + _SMALLEST)
            if abs(s) > doubt:
                return s > 0
            if self.b == 0.0 and not any(self.w):  # exactly 0 (all weights 0, as at the start)
                return False
        from fractions import Fraction  # rare: a score near 0, or inputs near the largest float

        exact = sum((Fraction(wi) * Fraction(xi) for wi, xi in zip(self.w, x, strict=True)),
                    Fraction(self.b))
        return exact > 0

    def predict(self, x: Sequence[float]) -> int:
        """+1 if w . x + b > 0, else -1 (or 0 after training on 0 / 1 targets)."""
        return 1 if self._above(_as_point(x, self.nin, "Perceptron.predict", "the sample")) \
            else self.negative

    def accuracy(self, inputs: Sequence[Sequence[float]], targets: Sequence[int]) -> float:
        """The share of samples classified right, between 0 and 1."""
        points, signs, _ = self._check(inputs, targets, "Perceptron.accuracy")
        return self._accuracy(points, signs)

    def _accuracy(self, points: list[list[float]], signs: list[int]) -> float:
        right = sum(self._above(x) == (t > 0) for x, t in zip(points, signs, strict=True))
        return right / len(points)

    def _check(
        self, inputs: Sequence[Sequence[float]], targets: Sequence[int], owner: str
    ) -> tuple[list[list[float]], list[int], int]:
        """The samples as points, the targets as -1 / +1 signs, and the label for 'below the
        line' (-1, or 0 for 0 / 1 targets); or an error naming `owner`, the method."""
        samples = _argcheck.items(owner, "the samples", inputs)
        labels = _argcheck.items(owner, "the targets", targets)
        if len(samples) != len(labels):
            raise ValueError(
                f"{owner}: {plural(len(samples), 'sample')} but "
                f"{plural(len(labels), 'target')}; give one target per sample"
            )
        if not samples:
            raise ValueError(f"{owner}: got no samples (empty list)")
        points = [_as_point(x, self.nin, owner, f"sample {i}")
                  for i, x in enumerate(samples, start=1)]
        ts = [_argcheck.number(owner, f"target {i}", t, allow_bool=True)
              for i, t in enumerate(labels, start=1)]
        seen = set(ts)
        if seen <= {-1.0, 1.0}:
            return points, [1 if t > 0 else -1 for t in ts], -1
        if seen <= {0.0, 1.0}:
            return points, [1 if t > 0 else -1 for t in ts], 0
        shown = [f"{t:g}" for t in sorted(seen)]
        if len(shown) > 6:
            shown[5:] = ["..."]
        raise ValueError(
            f"{owner}: targets must be -1 / +1 (or 0 / 1), got [{', '.join(shown)}]"
        )

    def fit(
        self,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[int],
        max_epochs: int = 100,
    ) -> PerceptronResult:
        """Apply the perceptron rule, epoch after epoch, until no sample is misclassified.

        Stops after `max_epochs` passes if that never happens (data that no straight line
        separates, such as XOR); the weights that got the most samples right are then kept.
        If an update would make a weight too large for a float (a huge eta or huge inputs),
        an OverflowError says so and the weights are left as they were before `fit`.
        """
        max_epochs = _argcheck.size("Perceptron.fit", "max_epochs", max_epochs)
        start = (list(self.w), self.b, self.negative)
        points, signs, self.negative = self._check(inputs, targets, "Perceptron.fit")
        best = self._accuracy(points, signs)
        best_weights = (list(self.w), self.b)
        mistakes: list[int] = []
        converged = False
        rng = random.Random(self.seed)
        order = list(range(len(points)))
        for _ in range(max_epochs):
            wrong = 0
            if self.shuffle:
                rng.shuffle(order)
            for i in order:
                x, t = points[i], signs[i]
                if self._above(x) == (t > 0):  # decided exactly, as accuracy() does
                    continue
                wrong += 1
                step = self.eta * t
                w = [wi + step * xi for wi, xi in zip(self.w, x, strict=True)]
                b = self.b + step
                if any(v - v != 0.0 for v in (*w, b)):
                    self.w, self.b, self.negative = start
                    raise OverflowError(
                        f"Perceptron.fit: the update for sample {i + 1} would make a weight "
                        f"too large for a float (eta = {self.eta:g}); use a smaller eta or "
                        "scale the inputs down. The weights are as they were before fit"
                    )
                self.w, self.b = w, b
                now = self._accuracy(points, signs)
                if now > best:
                    best, best_weights = now, (list(self.w), self.b)
            mistakes.append(wrong)
            if wrong == 0:
                converged = True
                break
        final = self._accuracy(points, signs)
        epochs = len(mistakes)
        read = " (0/1 targets read as -1/+1)" if self.negative == 0 else ""
        if converged:
            message = (f"converged after {plural(epochs, 'epoch')}: every sample is "
                       f"classified right (100%){read}")
        else:
            self.w, self.b = best_weights  # the pocket: keep the best weights seen
            n = len(points)
            message = (
                f"did not converge in {plural(epochs, 'epoch')}: no straight line separates this "
                f"data (or it needs more epochs). The rule's last weights get {final:.0%} right; "
                f"the best weights seen get {best:.0%} ({round(best * n)} of {n}) and are "
                f"kept{read}"
            )
        return PerceptronResult(converged, epochs, final, best, mistakes, message)

    def __repr__(self) -> str:
        w = ", ".join(f"{wi:.4g}" for wi in self.w)
        return f"Perceptron(w=[{w}], b={self.b:.4g}, eta={self.eta:g})"
