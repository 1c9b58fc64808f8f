"""Loss functions: one number that says how wrong the predictions are.

Every loss here is built from ordinary `Value` operations, so `loss.backward()` fills in the
gradients and you can step through every node of it. Losses over a batch take the *mean* over
the samples, like PyTorch's `torch.nn.functional` (reduction="mean"). Predictions may be
Values or plain numbers; targets are plain numbers. A lone number counts as a batch of one.

Regression: `mse`, `mae`, `huber`. Binary classification: `binary_cross_entropy` (on
probabilities), `binary_cross_entropy_with_logits` (on raw scores, numerically stable), `hinge`
(labels -1/+1). Multi-class: `softmax`, `log_softmax`, `cross_entropy`. Distributions:
`entropy`, `distribution_cross_entropy`, `kl_divergence`.

>>> from stepgrad import Value
>>> y = Value(0.8)
>>> loss = mse(y, 1.0)            # (0.8 - 1)^2
>>> round(loss.data, 12)
0.04
>>> loss.backward(); round(y.grad, 12)   # 2 (y - t)
-0.4
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral
from typing import Any

from stepgrad import Op, Value
from stepgrad.nn import _argcheck
from stepgrad.value import too_large
from stepgrad.words import plural

Scalar = Value | float | int

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "distribution_cross_entropy",
    "entropy",
    "hinge",
    "huber",
    "kl_divergence",
    "log_softmax",
    "mae",
    "mse",
    "softmax",
]


# ----- checking what came in ---------------------------------------------------------------


def _show(x: float) -> str:
    return f"{x:.6g}"


def _is_number(x: object) -> bool:
    return _argcheck.is_number(x)  # bools (numpy's too) are 1 and 0 in data


def _as_list(x: Any, loss: str, what: str) -> list[Any]:
    """`x` as a list; a single Value or number counts as a list of one.

    Lists, tuples, generators and numpy arrays are fine; dicts and sets (no fixed order),
    strings and other objects are refused with a TypeError naming the loss and the value.
    """
    if isinstance(x, Value) or _is_number(x):
        return [x]
    return _argcheck.items(loss, what, x)


def _float(x: Any, loss: str, what: str) -> float:
    """A plain number as a float; one too large for a float is a clear OverflowError."""
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{loss}: {what} is {too_large(x)}, too large for a float") from None


def _prediction(x: Any, loss: str, i: int, what: str = "prediction") -> Value:
    """One prediction as a Value (a plain number becomes a constant Value)."""
    if isinstance(x, Value):
        return x
    if not _is_number(x):
        raise TypeError(
            f"{loss}: {what} {i} must be a Value or a number, got {_argcheck.kind(x)}"
        )
    v = _float(x, loss, f"{what} {i}")
    if v - v != 0.0:
        raise ValueError(f"{loss}: {what} {i} is {v}; predictions must be finite numbers")
    return Value(v)


def _target(x: Any, loss: str, i: int, what: str = "target") -> Any:
    """One target as a finite float, or a Value as it is (`batched` passes every number of a
    sample as a Value; the formulas below work on both, without a branch on its number)."""
    if isinstance(x, Value):
        return x
    if not _is_number(x):
        raise TypeError(f"{loss}: {what} {i} must be a number, got {_argcheck.kind(x)}")
    t = _float(x, loss, f"{what} {i}")
    if t - t != 0.0:
        raise ValueError(f"{loss}: {what} {i} is {t}; targets must be finite numbers")
    return t


def _batch(loss: str, preds: Any, targets: Any) -> tuple[list[Value], list[float]]:
    """Predictions as Values and targets as floats, checked to be equally long and not empty."""
    p = _as_list(preds, loss, "the predictions")
    t = _as_list(targets, loss, "the targets")
    if len(p) != len(t):
        raise ValueError(
            f"{loss}: got {plural(len(p), 'prediction')} but {plural(len(t), 'target')}; "
            "there must be one target per prediction"
        )
    if not p:
        raise ValueError(
            f"{loss}: got no predictions (empty list); the mean of nothing is undefined"
        )
    values = [_prediction(x, loss, i) for i, x in enumerate(p, start=1)]
    floats = [_target(x, loss, i) for i, x in enumerate(t, start=1)]
    return values, floats


def _total(terms: Sequence[Scalar]) -> Value:
    """t1 + t2 + ... as a chain of '+' nodes, starting from the first term (no 0 + node)."""
    s = terms[0]
    for term in terms[1:]:
        s = s + term
    return s if isinstance(s, Value) else Value(s)


def _mean(terms: Sequence[Scalar], label: str) -> Value:
    out = _total(terms)
    if len(terms) > 1:
        out = out / len(terms)
    out.label = label
    return out


# ----- regression --------------------------------------------------------------------------


def mse(preds: Any, targets: Any) -> Value:
    """Mean squared error: mean((y - t)^2); dL/dy = 2 (y - t) / n.

    >>> from stepgrad import Value
    >>> y = [Value(2.5), Value(0.0)]
    >>> loss = mse(y, [3.0, -1.0])     # ((2.5 - 3)^2 + (0 + 1)^2) / 2
    >>> loss.data
    0.625
    >>> loss.backward(); [v.grad for v in y]
    [-0.5, 1.0]
    """
    ys, ts = _batch("mse", preds, targets)
    return _mean([(y - t) ** 2 for y, t in zip(ys, ts, strict=True)], "mse")


def mae(preds: Any, targets: Any) -> Value:
    """Mean absolute error (L1): mean(|y - t|); dL/dy = sign(y - t) / n (0 where y = t).

    >>> from stepgrad import Value
    >>> y = [Value(2.5), Value(0.0)]
    >>> loss = mae(y, [3.0, -1.0])     # (0.5 + 1) / 2
    >>> loss.data
    0.75
    >>> loss.backward(); [v.grad for v in y]
    [-0.5, 0.5]
    """
    ys, ts = _batch("mae", preds, targets)
    return _mean([abs(y - t) for y, t in zip(ys, ts, strict=True)], "mae")


def huber(preds: Any, targets: Any, delta: float = 1.0) -> Value:
    """Huber loss: mean of 0.5 d^2 if |d| <= delta else delta (|d| - 0.5 delta), d = y - t.

    Squared error for small errors, absolute error (times delta) for large ones, so a few
    outliers cannot dominate. Same as torch.nn.functional.huber_loss.

    >>> from stepgrad import Value
    >>> y = [Value(2.5), Value(0.0)]
    >>> loss = huber(y, [3.0, -3.0])   # (0.5 * 0.5^2 + 1 * (3 - 0.5)) / 2
    >>> loss.data
    1.3125
    >>> loss.backward(); [v.grad for v in y]   # d / n, then delta * sign(d) / n
    [-0.25, 0.5]
    """
    if _argcheck.is_bool(delta) or not _is_number(delta) or not 0.0 < delta < math.inf:
        raise ValueError(f"huber: delta must be a positive number, got {_argcheck.shown(delta)}")
    delta = _float(delta, "huber", "delta")
    ys, ts = _batch("huber", preds, targets)
    terms = []
    for y, t in zip(ys, ts, strict=True):
        # q (|d| - q / 2) with q = min(|d|, delta): 0.5 d^2 when |d| <= delta, else
        # delta (|d| - delta / 2), the same numbers and slopes, with no branch on the data
        a = abs(y - t)
        q = a.min(delta)
        terms.append(q * (a - 0.5 * q))
    return _mean(terms, "huber")


# ----- binary classification ---------------------------------------------------------------


def _check_binary_targets(loss: str, ts: list[Any]) -> None:
    for i, t in enumerate(ts, start=1):
        if not 0.0 <= _data(t) <= 1.0:
            raise ValueError(
                f"{loss}: target {i} is {_show(_data(t))}, but targets must be between 0 and 1 "
                "(use labels 0/1; for -1/+1 labels use hinge)"
            )


def binary_cross_entropy(probs: Any, targets: Any) -> Value:
    """Binary cross-entropy on probabilities: mean(-(t log p + (1 - t) log(1 - p))).

    `probs` must lie strictly between 0 and 1 (e.g. a sigmoid output). dL/dp =
    (p - t) / (p (1 - p)) / n; through a sigmoid p = sigmoid(s) this becomes dL/ds = (p - t) / n.

    >>> from stepgrad import Value
    >>> s = Value(0.0)
    >>> p = s.sigmoid()                       # 0.5
    >>> loss = binary_cross_entropy(p, 1)     # -log 0.5
    >>> round(loss.data, 6)
    0.693147
    >>> loss.backward(); s.grad               # p - t
    -0.5
    """
    loss = "binary_cross_entropy"
    ps, ts = _batch(loss, probs, targets)
    _check_binary_targets(loss, ts)
    for i, p in enumerate(ps, start=1):
        if not 0.0 < p.data < 1.0:
            raise ValueError(
                f"{loss}: probability {i} is {_show(p.data)}, but it must be strictly between "
                "0 and 1 (log 0 is -infinity). If these are raw scores, or a sigmoid that "
                "saturated, use binary_cross_entropy_with_logits on the scores instead"
            )
    terms = []
    for p, t in zip(ps, ts, strict=True):
        # log(1 - p) as log1p(-p): 1 - p would round to 1 for a tiny p, and its log to 0.
        # A Value target (from `batched`) gets no branch on its number: for t = 1 the second
        # term is exactly 0, for t = 0 the first (a subnormal p would then fail, and that
        # sample falls back to this exact per-sample form)
        if isinstance(t, Value):
            terms.append(-(t * p.log() + (1.0 - t) * LOG1P(-p)))
        elif t == 1.0:
            terms.append(-p.log())
        elif t == 0.0:
            terms.append(-LOG1P(-p))
        else:
            terms.append(-(t * p.log() + (1.0 - t) * LOG1P(-p)))
    return _mean(terms, loss)


def _log1p_forward(x: float) -> float:
    if x <= -1.0:
        from stepgrad.ops import Domain

        raise Domain(ValueError, "{where}: log1p is only defined above -1")
    return math.log1p(x)


def _log1p_grads(m: Any, x: Any, out: Any) -> tuple:
    return (1.0 / (1.0 + x),)


def _softplus_forward(z: float) -> float:
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): exp() never overflows, and log1p keeps its
    # full precision when e^-|z| is tiny (log(1 + e^-40) is about 4.2e-18)
    return z + math.log1p(math.exp(-z)) if z > 0.0 else math.log1p(math.exp(z))


def _softplus_grads(m: Any, z: Any, out: Any) -> tuple:
    if m.data(z) > 0.0:  # sigmoid(z), computed without overflow
        return (1.0 / (1.0 + m.exp(-z)),)
    e = m.exp(z)
    return (e / (1.0 + e),)


LOG1P = Op("log1p", _log1p_forward, _log1p_grads)
"""log(1 + x) as one node, accurate even where 1 + x rounds to 1; d/dx = 1 / (1 + x)."""
SOFTPLUS = Op("softplus", _softplus_forward, _softplus_grads)
"""softplus(z) = log(1 + e^z) as one node, for any z without overflow; d/dz = sigmoid(z)."""


def binary_cross_entropy_with_logits(logits: Any, targets: Any) -> Value:
    """BCE on raw scores x (p = sigmoid(x)): mean(max(x, 0) - x t + log(1 + exp(-|x|))).

    The same number as binary_cross_entropy(sigmoid(x), t), but never takes the log of 0 or
    the exp of a large number, so it stays finite and accurate (to about 1e-16, relative) for
    any x, even |x| = 1000, where sigmoid(x) rounds to exactly 0 or 1. The last term is one
    `softplus` node, log(1 + e^z) with z = -|x|, computed with log1p.
    dL/dx = (sigmoid(x) - t) / n. Same as torch.nn.functional.binary_cross_entropy_with_logits.

    >>> from stepgrad import Value
    >>> x = Value(1000.0)
    >>> loss = binary_cross_entropy_with_logits(x, 0)    # very sure, and wrong
    >>> loss.data
    1000.0
    >>> loss.backward(); x.grad                          # sigmoid(1000) - 0
    1.0
    """
    loss = "binary_cross_entropy_with_logits"
    xs, ts = _batch(loss, logits, targets)
    _check_binary_targets(loss, ts)
    terms = []
    for x, t in zip(xs, ts, strict=True):
        if isinstance(t, Value):
            # a Value target (from `batched`): t softplus(-x) + (1 - t) softplus(x), each
            # softplus stable for any x, with no branch on the data (for t = 1 or 0 one term
            # is exactly 0, and the numbers are the ones below; for other t they agree to a
            # few ulps); the gradient is sigmoid(x) - t everywhere
            terms.append(t * SOFTPLUS(-x) + (1.0 - t) * SOFTPLUS(x))
            continue
        # Split on the sign of x so that exp() only ever sees -|x|: for x >= 0,
        # max(x, 0) - x t = x (1 - t); for x < 0 it is -x t. No kink: the two pieces are the
        # same smooth function, so the gradient is sigmoid(x) - t on both sides (also at 0).
        if x.data >= 0.0:
            softplus = SOFTPLUS(-x)  # log(1 + exp(-|x|))
            linear = x * (1.0 - t) if t != 1.0 else None
        else:
            softplus = SOFTPLUS(x)
            linear = x * -t if t != 0.0 else None
        terms.append(softplus if linear is None else linear + softplus)
    return _mean(terms, loss)


def hinge(scores: Any, targets: Any) -> Value:
    """Max-margin (hinge) loss for labels t in {-1, +1}: mean(max(0, 1 - t s)).

    Zero once a sample is on the right side with margin t s >= 1; otherwise dL/ds = -t / n.
    This is the SVM loss of micrograd's demo (written with relu, whose slope at 0 is 0).

    >>> from stepgrad import Value
    >>> s = [Value(2.0), Value(0.5)]
    >>> loss = hinge(s, [1, 1])       # (max(0, 1 - 2) + max(0, 1 - 0.5)) / 2
    >>> loss.data
    0.25
    >>> loss.backward(); [v.grad for v in s]
    [0.0, -0.5]
    """
    ss, ts = _batch("hinge", scores, targets)
    for i, t in enumerate(ts, start=1):
        if abs(_data(t)) != 1.0:  # one test for both labels (one guard in batched)
            raise ValueError(
                f"hinge: target {i} is {_show(_data(t))}, but hinge needs labels -1 and +1 "
                "(for 0/1 labels pass 2 * t - 1)"
            )
    return _mean([(1 - s * t).relu() for s, t in zip(ss, ts, strict=True)], "hinge")


# ----- multi-class -------------------------------------------------------------------------


def _logits_row(logits: Any, loss: str, what: str = "logits") -> list[Value]:
    row = _as_list(logits, loss, what)
    if not row:
        raise ValueError(f"{loss}: got no {what} (empty list); there must be at least one class")
    return [_prediction(x, loss, i, "logit") for i, x in enumerate(row, start=1)]


def _exps(row: list[Value]) -> tuple[list[Value | None], list[Value], float]:
    """(x_i - m, exp(x_i - m), m) with m = max x treated as a constant.

    Subtracting the largest logit changes neither softmax nor its gradient (softmax does not
    care about a constant shift) but keeps every exp() between 0 and 1, so nothing overflows.
    Where x_i - m itself is too large for a float (x_i = -1e308 next to m = 1e308) its slot
    in the first list is None; exp(x_i - m) is then exactly 0 in floats, and so is its slope,
    which is what exp(x_i / 2 - m / 2) gives too, without the overflow.
    """
    m = _largest(row)
    shifted: list[Value | None] = []
    exps = []
    for x in row:
        gap = x.data - m
        if gap - gap == 0.0:  # finite
            z = x - m
            shifted.append(z)
            exps.append(z.exp())
        else:
            shifted.append(None)
            exps.append((x * 0.5 - m * 0.5).exp())  # 0.0: x / 2 - m / 2 < -8.9e307
    return shifted, exps, m


def _largest(row: list[Value]) -> Any:
    """The largest number of the row, found by the table's `max` (not by comparing numbers in
    Python), so that `batched` replays it for every sample: a node only read for its number."""
    m = row[0]
    for x in row[1:]:
        m = m.max(x)
    return m.data


def _shift(row: list[Value]) -> tuple[list[Value | None], Value, float]:
    """(x_i - m for each i, or None where that overflows; log sum_j exp(x_j - m); m)."""
    shifted, exps, m = _exps(row)
    return shifted, _total(exps).log(), m


def _too_far(name: str, x: Value, m: float, where: str) -> OverflowError:
    return OverflowError(
        f"{name}: {where} is {_show(x.data)} but the largest logit is {_show(m)}; the "
        "difference, and so the log-probability, is too large for a float"
    )


def softmax(logits: Any) -> list[Value]:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j): positive numbers that add up to 1.

    Computed as exp(x_i - max x) / sum_j exp(x_j - max x), so large logits cannot overflow.

    >>> from stepgrad import Value
    >>> [round(p.data, 4) for p in softmax([Value(1.0), Value(2.0), Value(3.0)])]
    [0.09, 0.2447, 0.6652]
    >>> [round(p.data, 4) for p in softmax([1000.0, 1000.0])]
    [0.5, 0.5]
    """
    _, exps, _ = _exps(_logits_row(logits, "softmax"))
    total = _total(exps)
    return [e / total for e in exps]


def log_softmax(logits: Any) -> list[Value]:
    """log softmax(x)_i = x_i - log sum_j exp(x_j), computed stably (shifted by max x).

    >>> [round(v.data, 4) for v in log_softmax([1.0, 2.0, 3.0])]
    [-2.4076, -1.4076, -0.4076]
    >>> [v.data for v in log_softmax([1000.0, 0.0])]   # no overflow, no log(0)
    [0.0, -1000.0]
    """
    row = _logits_row(logits, "log_softmax")
    shifted, log_total, m = _shift(row)
    out = []
    for i, (x, z) in enumerate(zip(row, shifted, strict=True), start=1):
        if z is None:
            raise _too_far("log_softmax", x, m, f"logit {i}")
        out.append(z - log_total)
    return out


_ONE_OUTPUT_HINT = (
    "One output per sample? Use binary_cross_entropy_with_logits on the raw outputs (or "
    "binary_cross_entropy after a sigmoid), with labels 0 and 1. Several classes? Give one "
    "row of class scores per sample: cross_entropy([[...], [...]], [0, 1])"
)


def _classes_text(classes: int) -> str:
    """'there are 3 classes (indices 0 to 2)', or for one logit per row, why that is wrong."""
    if classes == 1:
        return (
            "each row has only 1 logit, so class 0 is the only class and the loss is always 0. "
            + _ONE_OUTPUT_HINT
        )
    return f"there are {classes} classes (indices 0 to {classes - 1})"


def _class_index(t: Any, classes: int, i: int) -> int | None:
    """The target as a class index, or None if it is a row of probabilities."""
    if _argcheck.is_bool(t) or isinstance(t, Value):
        raise TypeError(f"cross_entropy: target {i} must be a class index, got {t!r}")
    if isinstance(t, Integral):  # exact, even with thousands of digits
        if not 0 <= t < classes:
            raise ValueError(
                f"cross_entropy: target {i} is class {_argcheck.shown(t)}, but "
                + _classes_text(classes)
            )
        return int(t)
    if _is_number(t):
        k = _float(t, "cross_entropy", f"target {i}")
        if not k.is_integer():
            raise ValueError(
                f"cross_entropy: target {i} is {_show(k)}; a class index must be a whole number"
            )
        if not 0 <= k < classes:
            raise ValueError(
                f"cross_entropy: target {i} is class {int(k)}, but " + _classes_text(classes)
            )
        return int(k)
    return None


def _whole(t: Any) -> bool:
    """An int (numpy's too) or a bool: a class index, never a probability of its own."""
    return isinstance(t, Integral) or _argcheck.is_bool(t)


def _flat_target(target: Any) -> tuple[list[Any], bool]:
    """The targets of one flat row of logits (one sample), and whether the one target is the
    sample's own flat row of probabilities.

    A number is its class index. A list with a float in it (or a Value, as `batched` passes
    every number) is its row of probabilities, as in PyTorch. Any other list is read as in
    the batch shape: whole numbers are class indices, one per sample, so there must be one
    (two or more are nearly always one label per sample of a one-output model), and rows such
    as [[0, 0, 1]] are one row per sample. A generator is read once, here.
    """
    if isinstance(target, Value) or _is_number(target):
        return [target], False
    try:
        items = _argcheck.items("cross_entropy", "the target", target)
    except TypeError:
        return [target], False  # refused below, with the usual message
    if not items or any(isinstance(t, Value) or (_is_number(t) and not _whole(t))
                        for t in items):
        return [items], True
    if len(items) != 1 and all(_is_number(t) for t in items):
        raise ValueError(
            f"cross_entropy: one flat row of logits is one sample, but got "
            f"{plural(len(items), 'class index', 'class indices')}, "
            f"{_argcheck.shown(items)}. " + _ONE_OUTPUT_HINT
        )
    return items, False


def _one_hot(t: Value, classes: int, i: int) -> list[Value]:
    """A class index held by a Value (`batched` passes every number of a sample as a Value)
    as a one-hot row of Values, built without a branch: r_j = relu(1 - |t - j|) is exactly 1
    where t = j and exactly 0 at every other whole number. The checks only compare numbers,
    so under `batched` they are guards that every valid sample passes; a sample that fails
    one runs on its own, with the error below."""
    k = t.data
    if not (k >= 0.0 and k <= classes - 1):
        raise ValueError(
            f"cross_entropy: target {i} is class {_show(k)}, but " + _classes_text(classes)
        )
    row = [(1.0 - abs(t - j)).relu() for j in range(classes)]
    if sum(r.data * r.data for r in row) != 1.0:  # 1 only when one r_j is 1: a whole number
        raise ValueError(
            f"cross_entropy: target {i} is {_show(k)}; a class index must be a whole number"
        )
    return row


def _probability_row(t: Any, classes: int, i: int, flat: bool = False) -> list[Any]:
    """Target i as a row of class probabilities. Ints are fine in a row (a one-hot row such
    as [0, 0, 1], in both shapes): inside a row they cannot be class indices. `flat`: the
    target is the own row of one flat row of logits (one sample), so the messages speak of
    "the target" and, where its numbers are whole numbers (labels, not probabilities), say
    what the learner most likely meant."""
    items = _as_list(t, "cross_entropy", "a target")
    row = [_target(r, "cross_entropy", i, "target") for r in items]
    numbers = [_data(r) for r in row]
    if flat:
        what = f"the target {_argcheck.shown(numbers)} of this one sample"
        hint = (". " + _ONE_OUTPUT_HINT) if all(float(r).is_integer() for r in numbers) else ""
    else:
        what, hint = f"target {i}, {_argcheck.shown(numbers)},", ""
    if len(row) != classes:
        raise ValueError(
            f"cross_entropy: {what} has {plural(len(row), 'number')}, but there "
            f"{'is' if classes == 1 else 'are'} {plural(classes, 'class', 'classes')} (give a "
            "class index or one probability per class)" + hint
        )
    if any(r < 0.0 for r in numbers) or abs(sum(numbers) - 1.0) > 1e-6:
        problem = ("has a negative number" if any(r < 0.0 for r in numbers)
                   else f"adds up to {_show(sum(numbers))}, not 1")
        raise ValueError(
            f"cross_entropy: {what} is not a row of probabilities: it {problem} (give a class "
            "index, or numbers >= 0 that add up to 1)" + hint
        )
    return row


def cross_entropy(logits_batch: Any, targets: Any) -> Value:
    """Softmax cross-entropy: mean over samples of -log softmax(x)_t = log sum_j e^x_j - x_t.

    `logits_batch` is a list of rows of raw scores (one row per sample, one score per class);
    each target is a class index 0..C-1 (a Value holding one too, as `batched` passes it), or
    a row of C probabilities r (one-hot or soft), for which the loss is
    -sum_j r_j log softmax(x)_j. A single flat row is one sample, as in PyTorch.

    A list of whole numbers is one class index per sample, in both shapes, so next to one
    flat row of logits (one sample) it must hold one index; [0, 1] there is an error, as it is
    most often one label per sample of a one-output model. A row of probabilities may hold
    ints where it is one row of the targets ([[0, 0, 1]], in both shapes), and the target of
    one flat row may also be that row itself written with floats ([0.0, 0.0, 1.0]), as in
    PyTorch. Rows of one logit are refused: their loss would be 0 whatever the model does
    (PyTorch gives that 0); for one output per sample, use binary_cross_entropy_with_logits.

    dL/dx_j = (softmax(x)_j - r_j) / n. Same as torch.nn.functional.cross_entropy otherwise.

    >>> from stepgrad import Value
    >>> x = [Value(2.0), Value(1.0), Value(0.1)]
    >>> loss = cross_entropy([x], [0])
    >>> round(loss.data, 6)
    0.41703
    >>> loss.backward(); [round(v.grad, 4) for v in x]       # softmax(x) - one_hot(0)
    [-0.341, 0.2424, 0.0986]
    """
    loss = "cross_entropy"
    rows = _as_list(logits_batch, loss, "logits_batch")
    flat = bool(rows) and (isinstance(rows[0], Value) or _is_number(rows[0]))
    own_row = False  # the target is the one flat row's own row of probabilities
    if flat:  # one sample: a row of logits and its targets, read as for a batch of one row
        rows, (targets, own_row) = [rows], _flat_target(targets)
    ts = _as_list(targets, loss, "the targets")
    if len(rows) != len(ts):
        raise ValueError(
            f"{loss}: got {plural(len(rows), 'row')} of logits but {plural(len(ts), 'target')}; "
            "there must be one target per row"
        )
    if not rows:
        raise ValueError(f"{loss}: got no samples (empty list); the mean of nothing is undefined")
    terms = []
    classes = None
    for i, (row, t) in enumerate(zip(rows, ts, strict=True), start=1):
        xs = _logits_row(row, loss, f"logits in row {i}")
        if classes is None:
            classes = len(xs)
            if classes == 1:  # softmax of one logit is 1: the loss would be 0, whatever it is
                raise ValueError(f"{loss}: {_classes_text(1)}")
        elif len(xs) != classes:
            raise ValueError(
                f"{loss}: row {i} has {plural(len(xs), 'logit')} but row 1 has {classes}; "
                "every row needs one logit per class"
            )
        shifted, log_total, m = _shift(xs)
        if isinstance(t, Value):  # a class index from `batched`: a one-hot row, same numbers
            k, r = None, _one_hot(t, classes, i)
        else:
            k = _class_index(t, classes, i)
            r = _probability_row(t, classes, i, own_row) if k is None else None
        for j, zj in enumerate(shifted):
            if zj is None and (j == k if r is None else _data(r[j]) != 0.0):
                raise _too_far(loss, xs[j], m, f"in row {i} the logit of class {j}")
        if k is not None:
            terms.append(log_total - shifted[k])
        else:
            # a Value target (from `batched`) keeps its zero terms: they add exactly 0, and
            # the graph then has the same shape whatever the class
            parts = [rj * (log_total - zj) for rj, zj in zip(r, shifted, strict=True)
                     if zj is not None and (isinstance(rj, Value) or rj != 0.0)]
            terms.append(_total(parts))
    return _mean(terms, loss)


# ----- distributions -----------------------------------------------------------------------


def _distribution(p: Any, name: str, what: str) -> list[Value | float]:
    items = _as_list(p, name, what)
    if not items:
        raise ValueError(f"{name}: {what} is empty; a distribution needs at least one outcome")
    out: list[Value | float] = []
    for i, x in enumerate(items, start=1):
        if isinstance(x, Value):
            v = x.data
        elif _is_number(x):
            v = x = _float(x, name, f"{what}[{i}]")
        else:
            raise TypeError(f"{name}: {what}[{i}] must be a number, got {_argcheck.kind(x)}")
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name}: {what}[{i}] is {_show(v)}; probabilities lie in [0, 1]")
        out.append(x)
    total = sum(x.data if isinstance(x, Value) else x for x in out)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(
            f"{name}: the probabilities in {what} add up to {_show(total)}, not 1 "
            "(divide by their sum to normalise them)"
        )
    return out


def _pair(name: str, p: Any, q: Any) -> list[tuple[Value | float, Value | float]]:
    ps, qs = _distribution(p, name, "p"), _distribution(q, name, "q")
    if len(ps) != len(qs):
        raise ValueError(
            f"{name}: p has {plural(len(ps), 'outcome')} but q has {len(qs)}; they must match"
        )
    return list(zip(ps, qs, strict=True))


def _data(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else x


def _log(x: Value | float) -> Value | float:
    return x.log() if isinstance(x, Value) else math.log(x)


def _in_base(terms: list[Value | float], base: float, label: str, name: str) -> Value:
    if _argcheck.is_bool(base) or not _is_number(base) or not 0.0 < base < math.inf or base == 1:
        raise ValueError(
            f"{name}: base must be a positive number other than 1, got {_argcheck.shown(base)}"
        )
    out = _total(terms) if terms else Value(0.0)
    if base != math.e:
        out = out / math.log(base)
    if out.data == 0.0:  # -(1 * log 1) is -0.0: show a sure outcome's 0 as 0.0. (out is a
        out.data = 0.0   # new node: no local gradient depends on its own number)
    out.label = label
    return out


def entropy(p: Any, base: float = math.e) -> Value:
    """Entropy H(p) = -sum_i p_i log p_i (0 log 0 counts as 0); base 2 gives bits.

    >>> round(entropy([0.5, 0.5], base=2).data, 12)   # a fair coin: one bit
    1.0
    >>> round(entropy([0.9, 0.1], base=2).data, 4)
    0.469
    """
    ps = _distribution(p, "entropy", "p")
    terms = [-(pi * _log(pi)) for pi in ps if _data(pi) > 0.0]
    return _in_base(terms, base, "H(p)", "entropy")


def distribution_cross_entropy(p: Any, q: Any, base: float = math.e) -> Value:
    """Cross-entropy H(p, q) = -sum_i p_i log q_i: the cost of coding p with a code made for q.

    (For logits and class labels use `cross_entropy`.)

    >>> round(distribution_cross_entropy([0.9, 0.1], [0.6, 0.4], base=2).data, 4)
    0.7955
    """
    name = "distribution_cross_entropy"
    terms = []
    for i, (pi, qi) in enumerate(_pair(name, p, q), start=1):
        if _data(pi) == 0.0:
            continue
        if _data(qi) == 0.0:
            raise ValueError(
                f"{name}: q[{i}] is 0 where p[{i}] = {_show(_data(pi))} > 0, "
                "so H(p, q) is infinite"
            )
        terms.append(-(pi * _log(qi)))
    return _in_base(terms, base, "H(p,q)", name)


def kl_divergence(p: Any, q: Any, base: float = math.e) -> Value:
    """KL(p || q) = sum_i p_i log(p_i / q_i) = H(p, q) - H(p): never negative, 0 when p = q.

    Note the order: p is the true distribution, q the model. (torch.nn.functional.kl_div takes
    log q first and p second.)

    >>> round(kl_divergence([0.9, 0.1], [0.6, 0.4], base=2).data, 4)
    0.3265
    """
    name = "kl_divergence"
    terms = []
    for i, (pi, qi) in enumerate(_pair(name, p, q), start=1):
        if _data(pi) == 0.0:
            continue
        if _data(qi) == 0.0:
            raise ValueError(
                f"{name}: q[{i}] is 0 where p[{i}] = {_show(_data(pi))} > 0, "
                "so KL(p || q) is infinite"
            )
        terms.append(pi * (_log(pi) - _log(qi)))
    return _in_base(terms, base, "KL(p||q)", name)
