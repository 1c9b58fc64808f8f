"""`gradcheck`: compare the engine's gradients with central finite differences.

For each input x_i the slope is measured numerically as

    (f(..., x_i + h, ...) - f(..., x_i - h, ...)) / (2 h),   h = eps * max(1, |x_i|)

and compared with the engine's gradient: the chain rule over the recorded local gradients,
exactly what `backward()` would leave in x_i's `.grad`. gradcheck itself changes no `.grad`
(it uses `stepgrad.grad`, as PyTorch's gradcheck uses torch.autograd.grad), so the Values `f`
uses from outside, such as a model's parameters, keep their gradients. They agree when the
difference is within `atol + rtol * max(|engine|, |numerical|)` plus the rounding noise of the
subtraction itself (about 1e-16 * |f| / h), so a large f with a small slope is not blamed on
the engine. Near a kink (relu or abs at 0, a tie in max/min) a central difference measures the
average of the two one-sided slopes, not the derivative: check such points another way.

>>> from stepgrad import Value, gradcheck
>>> print(gradcheck(lambda x, y: x * y + x.tanh(), 2.0, -0.5))  # doctest: +ELLIPSIS
gradcheck passed: the engine and finite differences agree on all 2 inputs
  input 1 (x = 2): engine says -0.4293, finite differences say -0.4293 (off by ...)
  input 2 (y = -0.5): engine says 2, finite differences say 2 (off by ...)

An operation with a wrong local gradient (x**2 recorded with slope x instead of 2x) is caught:

>>> def bad_square(x):
...     return Value(x.data ** 2, "", (x,), (x.data,), "bad ** 2")
>>> check = gradcheck(lambda x, y: bad_square(x) + y, 3.0, 1.0)
>>> bool(check)
False
>>> print(check)  # doctest: +ELLIPSIS
gradcheck FAILED: the engine's gradient disagrees with finite differences for input 1 (of 2)
  input 1 (x = 3): engine says 3, finite differences say 6 (off by 3, allowed 6.1e-05)
  input 2 (y = 1): engine says 1, finite differences say 1 (off by ...)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real

from stepgrad.grad_mode import no_grad
from stepgrad.higher import grad
from stepgrad.value import Value, as_float, describe, too_large
from stepgrad.words import plural

_ROUNDING = 2.2e-16  # the gap between 1.0 and the next float
_LARGEST_EPS = 0.1  # a larger step measures a secant, not a slope: no verdict would be fair


def _fmt(x: float) -> str:
    """A number for the report: 4 significant digits, like the stepping table."""
    return f"{x:.4g}"


@dataclass(frozen=True)
class GradCheckRow:
    """The verdict on one input: the two slopes, how far apart they are, and what is allowed."""

    index: int  # 1 for the first input
    name: str
    x: float
    engine: float  # what backward() would leave in .grad
    numerical: float  # the central finite difference
    difference: float  # |engine - numerical|
    allowed: float  # the largest difference counted as agreement
    ok: bool
    kink: str = ""  # for a failed input at a kink of f: which one, and its one-sided slopes

    def __str__(self) -> str:
        verdict = "" if self.ok else f", allowed {self.allowed:.2g}"
        return (
            f"input {self.index} ({self.name} = {_fmt(self.x)}): engine says "
            f"{_fmt(self.engine)}, finite differences say {_fmt(self.numerical)} "
            f"(off by {self.difference:.2g}{verdict})"
        )

    __repr__ = __str__  # at the prompt, the line `print` shows (as BackwardStep's repr)


@dataclass(frozen=True)
class GradCheck:
    """The result of `gradcheck`: one row per input; true when every input agrees."""

    value: float  # f at the given inputs
    rows: tuple[GradCheckRow, ...]

    @property
    def ok(self) -> bool:
        """True when the engine and finite differences agree on every input."""
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> tuple[GradCheckRow, ...]:
        """The rows of the inputs that disagree."""
        return tuple(row for row in self.rows if not row.ok)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        n = len(self.rows)
        if self.ok:
            every = "the 1 input" if n == 1 else f"all {plural(n, 'input')}"
            head = f"gradcheck passed: the engine and finite differences agree on {every}"
        else:
            bad = [str(row.index) for row in self.failures]
            which = f"input {bad[0]}" if len(bad) == 1 else f"inputs {', '.join(bad)}"
            head = (
                f"gradcheck FAILED: the engine's gradient disagrees with finite differences "
                f"for {which} (of {n})"
            )
            kinks = [row.kink for row in self.failures if row.kink]
            if kinks:  # on the first line, which a notebook shows above the table
                head += ". " + " ".join(kinks) + (
                    " Finite differences cannot check a gradient at a kink: check a point on "
                    "either side of it")
        return "\n".join([head, *(f"  {row}" for row in self.rows)])

    # At the prompt and as the text of a notebook cell, the report `print` shows, not the
    # dataclass's one long line (as `steps.table()`, stepgrad.display.TextTable); the fields
    # and == are the dataclass's.
    __repr__ = __str__

    def _repr_html_(self) -> str:  # how a notebook shows it (stepgrad/display.py)
        from stepgrad.display import gradcheck_html
        return gradcheck_html(self)


def _names(f: Callable[..., Value], count: int, labels: Sequence[str] | None) -> list[str]:
    """Names for the inputs: `labels`, else f's parameter names, else x1, x2, ..."""
    if labels is not None:
        if len(labels) != count:
            raise ValueError(f"gradcheck: got {plural(len(labels), 'label')} for "
                             f"{plural(count, 'input')}")
        return [str(label) for label in labels]
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params if p.kind in positional]
    if len(names) >= count:
        return names[:count]
    return [f"x{i}" for i in range(1, count + 1)]


def _call(f: Callable[..., Value], xs: list[float], names: list[str]) -> Value:
    return _check_output(f(*(Value(x, label=name) for x, name in zip(xs, names, strict=True))))


def _nudged(f: Callable[..., Value], xs: list[float], names: list[str], i: int, h: float) -> float:
    """f with input i moved by h (no graph needed).

    If f raises, its own exception goes through unchanged (same object, type and message);
    on Python 3.11+ a note is added saying at which nudged input it happened.
    """
    moved = xs[i] + h
    try:
        with no_grad():
            return _call(f, [*xs[:i], moved, *xs[i + 1:]], names).data
    except Exception as error:
        if hasattr(error, "add_note"):
            error.add_note(_moved_note(names[i], xs[i], moved, h))
        raise


def _moved_note(name: str, x: float, moved: float, h: float) -> str:
    """The note on an error f raised at a nudged input: gradcheck moved that input by h."""
    return (f"(raised inside gradcheck, by f at {name} = {moved:.6g}, a step of {h:.2g} from "
            f"{x:.6g}: to measure the slope, gradcheck moves each input a small step h to each "
            f"side (h = eps * max(1, |{name}|)), and f failed there. Is {name} too close to the "
            "edge of f's domain? Use an eps much smaller than its distance to the edge, or a "
            "point further inside)")


def _kink(out: Value, leaf: Value, value: float, up: float, down: float, h: float) -> str:
    """For an input whose check failed: a sentence naming the built-in operation that sits
    exactly at its kink there (relu or abs at 0, a tie in max or min, ...) on a path from
    `leaf` to `out`, with the one-sided slopes of f; "" if there is none."""
    from stepgrad import ops
    from stepgrad.backward import topological_order
    from stepgrad.value import _where

    def at_kink(node: Value) -> bool:
        op, x = node._op, node._in1
        if x is None:
            return False
        if op in (ops.RELU, ops.ABS):
            return x._data == 0.0
        if op in (ops.LEAKY_RELU, ops.ELU):
            return x._data == 0.0 and node._local2 != 1.0
        if op in (ops.MAX, ops.MIN):
            return x._data == node._in2._data
        if op in (ops.MAX_C, ops.MIN_C):
            return x._data == node._local2
        return False

    reached = {id(leaf)}  # the values that depend on leaf (inputs come first in the order)
    for node in topological_order(out):
        if node._in1 is None or not any(id(p) in reached for p in node.inputs):
            continue
        reached.add(id(node))
        if at_kink(node):
            operands = (node._in1, node._local2) if node.constant is not None else node.inputs
            name = node._op.name.removesuffix("_c")  # max_c is max with a constant
            left, right = (value - down) / h, (up - value) / h
            return (f"At {leaf.label} = {_fmt(leaf.data)}, f has a kink: "
                    f"{_where(node._op, operands)} is exactly at {name}'s kink. From the left, "
                    f"finite differences say {_fmt(left)}, from the right {_fmt(right)}; "
                    f"gradcheck compares with their average, {_fmt((left + right) / 2)}.")
    return ""


def _tolerance(name: str, x: object, largest: float | None = None) -> float:
    """eps, atol or rtol as a float: a finite number >= 0 (> 0 and <= largest for eps)."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"gradcheck: {name} must be a number, got {describe(x)}")
    try:
        v = float(x)
    except OverflowError:  # as everywhere else: Value(10 ** 400), SGD(lr=10 ** 400)
        raise OverflowError(f"gradcheck: {name} is {too_large(x)}, too large for a float") from None
    if v - v != 0.0 or v < 0.0 or (largest is not None and not 0.0 < v <= largest):
        need = f"> 0 and at most {largest:g}" if largest is not None else ">= 0"
        raise ValueError(f"gradcheck: {name} must be a finite number {need}, got {v!r}")
    return v


def _check_steps(xs: list[float], names: list[str], eps: float) -> None:
    """Every x +- h must be a float other than x (not rounded back to x, not infinite)."""
    for i, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        for moved in (x + h, x - h):
            if moved - moved != 0.0:
                raise ValueError(
                    f"gradcheck: input {i + 1} ({names[i]} = {x:.6g}) is too large for a step "
                    f"of eps = {eps:g}: {names[i]} +- h is not a finite float"
                )
            if moved == x:
                raise ValueError(
                    f"gradcheck: eps = {eps:g} is too small: {names[i]} + h rounds back to "
                    f"{names[i]} = {x:.6g}, so there is no difference to measure (the default "
                    "is 1e-06)"
                )


def _check_output(out: object) -> Value:
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__} {out!r}")
    return out


def gradcheck(
    f: Callable[..., Value],
    *inputs: float | Value,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    labels: Sequence[str] | None = None,
) -> GradCheck:
    """Check the engine's gradients of `f` at `inputs` against central finite differences.

    `f` takes one `Value` per input and returns a `Value`; `inputs` are plain numbers (a Value
    may be given too: its number and label are used). The result is true when every input
    agrees, and prints as a short report naming each input, both slopes and the difference.

    `eps` sets the step, h = eps * max(1, |x|): a number > 0 and at most 0.1, large enough
    that x + h is another float. An exception raised by `f` itself (at the inputs or at a
    nudged input) goes through unchanged.

    >>> check = gradcheck(lambda a: a.sigmoid() * 3, 0.25)
    >>> check.ok
    True
    >>> round(check.rows[0].engine, 6)
    0.738402
    """
    eps = _tolerance("eps", eps, largest=_LARGEST_EPS)
    atol = _tolerance("atol", atol)
    rtol = _tolerance("rtol", rtol)
    xs: list[float] = []
    own_labels: list[str] = []
    for i, x in enumerate(inputs, start=1):
        own_labels.append(x.label if isinstance(x, Value) else "")
        number = x.data if isinstance(x, Value) else x
        xs.append(as_float(number, f"gradcheck (input {i})"))
    auto = _names(f, len(xs), labels)
    if labels is None:  # a Value's own label wins over the parameter name
        auto = [own or a for own, a in zip(own_labels, auto, strict=True)]
    names = auto
    _check_steps(xs, names, eps)

    leaves = [Value(x, label=name) for x, name in zip(xs, names, strict=True)]
    out = _check_output(f(*leaves))
    # the engine's gradients, with no .grad changed anywhere (the parameters of a model that
    # `f` uses keep theirs, and a stepped pass over them stays live): the same chain rule, in
    # the same order and with the same arithmetic, as backward()
    engine_grads = grad(out, leaves, allow_unused=True)

    rows = []
    for i, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        up = _nudged(f, xs, names, i, h)
        down = _nudged(f, xs, names, i, -h)
        numerical = (up - down) / (2.0 * h)
        g = engine_grads[i]
        engine = 0.0 if g is None else g.data  # an input f does not use has slope 0
        difference = abs(engine - numerical)
        noise = 8.0 * _ROUNDING * max(abs(up), abs(down), abs(out.data)) / h
        allowed = atol + rtol * max(abs(engine), abs(numerical)) + noise
        kink = "" if difference <= allowed else _kink(out, leaves[i], out.data, up, down, h)
        rows.append(
            GradCheckRow(i + 1, names[i], x, engine, numerical, difference, allowed,
                         difference <= allowed, kink)
        )
    return GradCheck(out.data, tuple(rows))


def assert_gradcheck(
    f: Callable[..., Value], *inputs: float | Value, **options: object
) -> GradCheck:
    """Like `gradcheck`, but raise AssertionError with the report if any input disagrees.

    >>> assert_gradcheck(lambda x: x ** 3, -2.0).ok
    True
    """
    result = gradcheck(f, *inputs, **options)  # type: ignore[arg-type]
    if not result.ok:
        raise AssertionError(str(result))
    return result
