"""The `Value` node: one float, its gradient, and the operation that made it.

Every operation below computes its result *and* its local gradients (d result / d input, one
per input) in the same few lines, and hands both to the new node. `backward()` later only
multiplies those stored numbers by the upstream gradient: see `autograd/backward.py`.
"""

from __future__ import annotations

import math
import re
from numbers import Integral, Real
from typing import TYPE_CHECKING

from stepgrad import grad_mode, passes

if TYPE_CHECKING:  # only for the type hint of backward_steps()
    from stepgrad.stepping import BackwardPass

Number = int | float
_NO_LABEL = ""  # the label of every node an operation makes (one object: checked by identity)
_BAD_LABEL_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _show(x: float) -> str:
    """A short, readable form of a number for messages and operation names (never -0)."""
    return f"{x + 0.0:.6g}"  # -0.0 + 0.0 is 0.0


def as_float(x: object, operation: str) -> float:
    """Turn a plain, finite number into a float, or raise an error that names the operation."""
    if type(x) is not float:
        if not isinstance(x, Real):
            raise TypeError(f"{operation}: expected a real number, got {describe(x)}{_hint(x)}")
        try:
            x = float(x)
        except OverflowError:
            raise OverflowError(f"{operation}: {too_large(x)} is too large for a float") from None
    if x - x != 0.0:  # true only for nan and +-inf
        raise ValueError(f"{operation}: got {x}, but only finite numbers are allowed")
    return x


def describe(x: object, limit: int = 60) -> str:
    """`x` for an error message: its type and a short repr (never huge, never failing)."""
    import reprlib

    short_repr = reprlib.Repr()
    short_repr.maxstring = short_repr.maxother = limit
    try:
        text = short_repr.repr(x)
    except Exception:  # a repr that fails (an integer with too many digits inside a list, ...)
        text = "(cannot be shown)"
    text = re.sub(r"\s*\n\s*", " ", text)  # one line, even for numpy's repr of a matrix
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(x).__name__} {text}"


def _hint(x: object) -> str:
    """What to do instead, for the things learners pass where one number is expected."""
    if isinstance(x, Value):
        return " (use .data to get the number out of a Value)"
    if (hasattr(x, "__len__") and not isinstance(x, (str, bytes))) or hasattr(x, "shape"):
        return " (a Value holds one number: make one Value per number)"
    return ""


def too_large(x: object) -> str:
    """'an integer with 401 digits', without str() of a huge integer (slow, and limited)."""
    if isinstance(x, Integral):
        n = abs(int(x))
        if n.bit_length() < 10_000:  # about 3,000 digits: str() is quick and allowed
            return f"an integer with {len(str(n))} digits"
        return f"an integer with about {int(n.bit_length() * math.log10(2)) + 1:,} digits"
    return f"the {type(x).__name__} number"


class Value:
    """One scalar in a computation graph.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)

    Attributes:
        data: the number this node holds (a float).
        grad: d(output)/d(this node) after `backward()`; 0.0 until a backward pass reaches it.
        label: an optional name, used when stepping through and drawing the graph (a string
            on one line; None means no label).
    """

    # An operation has one or two inputs; each is stored with its local gradient in a slot of
    # its own (not in tuples), so that a node is one object for Python's garbage collector.
    __slots__ = ("data", "_grad", "_label", "_op", "_in1", "_local1", "_in2", "_local2")

    # numpy: `np.float64(2) * v` and `array * v` call Value's own __rmul__ (a Value, or a clear
    # error for an array), instead of numpy making an array of Values
    __array_priority__ = 1000

    def __init__(
        self,
        data: Number,
        label: str = "",
        _parents: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str = "",
    ) -> None:
        if type(data) is not float:
            data = as_float(data, "Value()")
        if data - data != 0.0:  # true only for nan and +-inf
            raise _not_finite(data, _op, _parents)
        self.data = data
        self._grad: float | None = None  # None means "no backward pass has reached me yet"
        if label is not _NO_LABEL:  # operations pass "": only a learner's label is checked
            label = check_label(label)
        self._label = label
        if _op.__class__ is not str:
            raise _bad_operation_name(_op)
        self._op = _op
        # inside no_grad(), nothing is remembered; `disabled` is 0 unless a block is open
        if _parents and (not grad_mode.disabled or grad_mode.is_grad_enabled()):
            try:  # g * 0.0 is 0 for a finite g, nan for +-inf and nan, an error for a non-number
                for g in _local:
                    if g * 0.0 != 0.0:  # a local gradient too large for a float: never pass inf on
                        raise OverflowError
            except (TypeError, ValueError, OverflowError):
                raise _bad_local_gradient(data, _op, _parents, _local) from None
            try:
                if len(_parents) == 2:
                    (self._in1, self._in2), (self._local1, self._local2) = _parents, _local
                else:
                    (self._in1,), (self._local1,) = _parents, _local
                    self._in2, self._local2 = None, 0.0
            except (TypeError, ValueError):
                raise _bad_inputs(_op, _parents, _local) from None
        else:  # no inputs: an input or a parameter (a leaf)
            self._in1 = self._in2 = None
            self._local1 = self._local2 = 0.0

    # ----- what a learner may want to look at -------------------------------------------------

    @property
    def grad(self) -> float:
        """d(output)/d(this value) from the latest backward pass (0.0 before one reaches it)."""
        g = self._grad
        return 0.0 if g is None else g

    @grad.setter
    def grad(self, value: Number) -> None:
        g = as_float(value, "setting .grad")
        if passes.live:  # a stepped pass over this value ends first (its steps are undone)
            passes.end_passes((self,), "the .grad of {} was set", self)
        self._grad = g

    @property
    def label(self) -> str:
        """The learner's name for this value ("" for none), shown when stepping and drawing."""
        return self._label

    @label.setter
    def label(self, label: str | None) -> None:
        self._label = check_label(label)

    @property
    def grad_computed(self) -> bool:
        """True once a backward pass has reached this value (False means 'not yet computed':
        "grad ?"). During a stepped pass, False for every value the pass has not reached yet,
        except inputs and parameters that hold a gradient from an earlier pass."""
        return self._grad is not None

    @property
    def op(self) -> str:
        """The operation that made this value, e.g. '*', 'tanh' or '** 2' ('' for an input)."""
        return self._op

    @property
    def _parents(self) -> tuple[Value, ...]:
        if self._in1 is None:
            return ()
        return (self._in1,) if self._in2 is None else (self._in1, self._in2)

    @property
    def _local(self) -> tuple[float, ...]:
        if self._in1 is None:
            return ()
        return (self._local1,) if self._in2 is None else (self._local1, self._local2)

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The values this one was computed from (empty for an input or a parameter)."""
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this value)/d(input) for each of `inputs`, recorded when the operation ran."""
        return self._local

    def zero_grad(self) -> None:
        """Forget this value's gradient (it reads 0.0 and counts as not yet computed).

        Only this value: to reset every value a result depends on, inputs and parameters
        included, call `zero_grad_graph()` on the result.
        """
        if passes.live:  # a stepped pass over this value ends first (its steps are undone)
            passes.end_passes((self,), "zero_grad() reset {}", self)
        self._grad = None

    def zero_grad_graph(self) -> None:
        """Forget the gradient of this value and of every value it depends on, inputs and
        parameters included: the whole graph reads "grad ?" again, as before any backward().

        >>> x = Value(3.0, label="x"); y = x * x + x
        >>> y.backward(); x.grad
        7.0
        >>> y.zero_grad_graph(); x.grad_computed, y.grad_computed
        (False, False)
        """
        from stepgrad.backward import topological_order

        order = topological_order(self)
        if passes.live:  # a stepped pass over any of these values ends first
            passes.end_passes(order, "zero_grad_graph() reset the graph of {}", self)
        for node in order:
            node._grad = None

    def __repr__(self) -> str:
        """Value(data=..., grad=..., label=...); grad is left out until a backward pass."""
        grad = f", grad={_show(self._grad)}" if self._grad is not None else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={_show(self.data)}{grad}{label})"

    # ----- the backward pass (the walk itself is in autograd/backward.py) ---------------------

    def backward(self, grad: Number = 1.0) -> None:
        """Fill in `.grad` of every value this one depends on.

        Seeds this value's gradient with `grad` (1.0 by default), then visits the graph from
        the output back to the inputs, adding `local gradient x upstream gradient` into each
        input's `.grad`; a value used on several paths receives the sum over all of them.

        Calling it twice adds the same amount again to the *inputs and parameters* (the leaves),
        exactly as PyTorch's `backward(retain_graph=True)` does; the gradients of intermediate
        values are recomputed from scratch on each pass, never doubled. To start afresh, call
        `zero_grad_graph()` on this value (or `model.zero_grad()` in `nn`).

        If it raises (a gradient too large for a float), every gradient is left exactly as it
        was. In the middle of a stepped pass over the same values, the steps already taken are
        undone first, so the result is exactly one whole pass (the rules: autograd/backward.py).

        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward(); x.grad
        6.0
        >>> y.backward(); x.grad          # leaves accumulate, like PyTorch
        12.0
        """
        from stepgrad.backward import run_backward

        run_backward(self, as_float(grad, "backward(grad)"))

    def backward_steps(self, grad: Number = 1.0) -> BackwardPass:
        """Step through the backward pass one edge at a time (see `stepgrad.BackwardPass`).

        Starting a pass ends any unfinished pass over the same values (its steps are undone).

        >>> a = Value(0.5, label="a"); n = a * 2; n.label = "n"; h = n.tanh(); h.label = "h"
        >>> steps = h.backward_steps()
        >>> next(steps)
        h = tanh(n): upstream 1 x local 0.42 -> n.grad += 0.42 (now 0.42)
        >>> next(steps)
        n = a * 2: upstream 0.42 x local 2 -> a.grad += 0.8399 (now 0.8399)
        """
        from stepgrad.stepping import BackwardPass

        return BackwardPass(self, grad)

    # ----- arithmetic: each result comes with d result / d input ------------------------------

    def __add__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return Value(self.data + other.data, "", (self, other), (1.0, 1.0), "+")
        c = as_float(other, "+")
        return Value(self.data + c, "", (self,), (1.0,), f"+ {_show(c)}")

    def __radd__(self, other: Value | Number) -> Value:
        c = as_float(other, "+")
        return Value(c + self.data, "", (self,), (1.0,), f"{_show(c)} +")

    def __sub__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return Value(self.data - other.data, "", (self, other), (1.0, -1.0), "-")
        c = as_float(other, "-")
        return Value(self.data - c, "", (self,), (1.0,), f"- {_show(c)}")

    def __rsub__(self, other: Value | Number) -> Value:
        c = as_float(other, "-")
        return Value(c - self.data, "", (self,), (-1.0,), f"{_show(c)} -")

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is Value:  # each input gets the *other* input as its local gradient
            return Value(self.data * other.data, "", (self, other), (other.data, self.data), "*")
        c = as_float(other, "*")
        return Value(self.data * c, "", (self,), (c,), f"* {_show(c)}")

    def __rmul__(self, other: Value | Number) -> Value:
        c = as_float(other, "*")
        return Value(c * self.data, "", (self,), (c,), f"{_show(c)} *")

    def __truediv__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            a, b = self.data, other.data
            if b == 0.0:
                raise _division_by_zero(self, other)
            if b - b != 0.0:  # a / inf would be a silent 0
                raise _holds(other, "/")
            return Value(a / b, "", (self, other), (1.0 / b, -(a / b) / b), "/")
        c = as_float(other, "/")
        if c == 0.0:
            raise _division_by_zero(self, c)
        return Value(self.data / c, "", (self,), (1.0 / c,), f"/ {_show(c)}")

    def __rtruediv__(self, other: Value | Number) -> Value:
        c, b = as_float(other, "/"), self.data
        if b == 0.0:
            raise _division_by_zero(c, self)
        if b - b != 0.0:  # 1 / inf would be a silent 0
            raise _holds(self, f"{_show(c)} /")
        return Value(c / b, "", (self,), (-(c / b) / b,), f"{_show(c)} /")

    def __neg__(self) -> Value:
        return Value(-self.data, "", (self,), (-1.0,), "-")

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return self._pow_value(other)
        n, a = as_float(other, "**"), self.data
        if a - a != 0.0:  # nan ** 0 would be a silent 1
            raise _holds(self, f"** {_show(n)}")
        if n == 0.0:  # a ** 0 is 1 everywhere, so its slope is 0 (even at a = 0)
            return Value(1.0, "", (self,), (0.0,), "** 0")
        if a == 0.0 and n < 0.0:
            raise ZeroDivisionError(f"{_power(self, n)}: zero cannot be raised to a negative power")
        if a < 0.0 and not n.is_integer():
            raise ValueError(f"{_power(self, n)}: a negative number has no real fractional power")
        if a == 0.0 and n < 1.0:
            raise ValueError(f"{_power(self, n)}: the value is 0 but its gradient is infinite at 0")
        try:
            out = a**n
            local = _power_slope(a, n)
        except OverflowError:
            raise OverflowError(
                f"{_power(self, n)} (or its gradient) is too large for a float"
            ) from None
        return Value(out, "", (self,), (local,), f"** {_show(n)}")

    def _pow_value(self, exponent: Value) -> Value:
        """a ** b with b a Value: d/da = b * a**(b-1), d/db = a**b * ln(a), so a must be > 0."""
        a, b = self.data, exponent.data
        if a - a != 0.0 or b - b != 0.0:  # 1 ** nan would be a silent 1
            raise _holds(self if a - a != 0.0 else exponent, "**")
        if a <= 0.0:
            raise ValueError(
                f"{_power(self, exponent)}: with a Value exponent the base must be positive "
                f"(the gradient for the exponent needs log(base)), got base {_show(a)}"
            )
        try:
            out = a**b
            local = _power_slope(a, b)
        except OverflowError:
            raise OverflowError(
                f"{_power(self, exponent)} (or its gradient) is too large for a float"
            ) from None
        return Value(out, "", (self, exponent), (local, out * math.log(a)), "**")

    def __rpow__(self, other: Value | Number) -> Value:
        c, b = as_float(other, "**"), self.data
        if b - b != 0.0:  # 2 ** -inf would be a silent 0
            raise _holds(self, f"{_show(c)} **")
        if c <= 0.0:
            raise ValueError(
                f"{_power(c, self)}: with a Value exponent the base must be positive "
                f"(the gradient needs log(base)), got base {_show(c)}"
            )
        try:
            out = c**b
        except OverflowError:
            raise OverflowError(f"{_power(c, self)} is too large for a float") from None
        return Value(out, "", (self,), (out * math.log(c),), f"{_show(c)} **")

    # ----- functions --------------------------------------------------------------------------

    def exp(self) -> Value:
        """e ** x; its local gradient is e ** x itself."""
        x = self.data
        if x - x != 0.0:  # exp(-inf) would be a silent 0
            raise _holds(self, "exp")
        try:
            out = math.exp(x)
        except OverflowError:
            raise OverflowError(f"{_call('exp', self)} is too large for a float") from None
        return Value(out, "", (self,), (out,), "exp")

    def log(self) -> Value:
        """Natural logarithm; local gradient 1 / x. Only defined for x > 0."""
        x = self.data
        if x <= 0.0:
            if x - x != 0.0:
                raise _holds(self, "log")
            raise ValueError(f"{_call('log', self)}: log is only defined for positive numbers")
        return Value(math.log(x), "", (self,), (1.0 / x,), "log")

    def tanh(self) -> Value:
        """Hyperbolic tangent, between -1 and 1; local gradient 1 - tanh(x)**2."""
        x = self.data
        if x - x != 0.0:  # tanh(inf) would be a silent 1
            raise _holds(self, "tanh")
        t = math.tanh(x)
        return Value(t, "", (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), between 0 and 1; local gradient s * (1 - s).

        Computed so that no exp() overflows, however large |x| is.
        """
        x = self.data
        if x - x != 0.0:  # sigmoid(inf) would be a silent 1
            raise _holds(self, "sigmoid")
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return Value(s, "", (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); local gradient 1 for x > 0, else 0 (0 at the kink x = 0, as PyTorch)."""
        x = self.data
        if x > 0.0:
            return Value(x, "", (self,), (1.0,), "relu")
        if x - x != 0.0:  # relu(nan) or relu(-inf) would be a silent 0
            raise _holds(self, "relu")
        return Value(0.0, "", (self,), (0.0,), "relu")

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x for x > 0, else slope * x; local gradient 1 or slope (slope at x = 0, as PyTorch)."""
        k, x = as_float(slope, "leaky_relu(slope)"), self.data
        if x > 0.0:
            return Value(x, "", (self,), (1.0,), "leaky_relu")
        return Value(k * x, "", (self,), (k,), "leaky_relu")

    def elu(self, alpha: Number = 1.0) -> Value:
        """x for x > 0, else alpha * (e**x - 1); local gradient 1 or alpha * e**x."""
        k, x = as_float(alpha, "elu(alpha)"), self.data
        if x > 0.0:
            return Value(x, "", (self,), (1.0,), "elu")
        if x - x != 0.0:  # elu(-inf) would be a silent -alpha
            raise _holds(self, "elu")
        # expm1(x) = e**x - 1 without the cancellation that loses small x (elu(-1e-10))
        return Value(k * math.expm1(x), "", (self,), (k * math.exp(x),), "elu")

    def __abs__(self) -> Value:
        """|x|; local gradient +1, -1, or 0 at the kink x = 0 (as PyTorch)."""
        x = self.data
        sign = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return Value(abs(x), "", (self,), (sign,), "abs")

    def abs(self) -> Value:
        """|x|, the same as abs(x)."""
        return self.__abs__()

    def max(self, other: Value | Number) -> Value:
        """The larger of two values: the upstream gradient goes only to the input that won.

        On a tie (a == b) each input gets half, as PyTorch's torch.maximum does; this is also
        what a central finite difference measures there.
        """
        return self._pick(other, "max", larger=True)

    def min(self, other: Value | Number) -> Value:
        """The smaller of two values; gradient routing as in `max` (half each on a tie)."""
        return self._pick(other, "min", larger=False)

    def _pick(self, other: Value | Number, name: str, larger: bool) -> Value:
        """max or min: local gradient 1 for the winner, 0 for the other, 0.5 each on a tie."""
        if type(other) is Value:
            a, b = self.data, other.data
            parents: tuple[Value, ...] = (self, other)
            op = name
        else:  # a constant is not a node: one input, and the op shows the constant
            a, b = self.data, as_float(other, name)
            parents, op = (self,), f"{name} {_show(b)}"
        if a - a != 0.0 or b - b != 0.0:  # max(nan, 1) would be a silent 1
            raise _holds(self if a - a != 0.0 else other, op)
        if a == b:
            local = (0.5, 0.5)
        elif (a > b) == larger:
            local = (1.0, 0.0)
        else:
            local = (0.0, 1.0)
        return Value(a if local[0] else b, "", parents, local[: len(parents)], op)

    def _repr_html_(self) -> str:  # how a notebook shows it (stepgrad/display.py)
        from stepgrad.display import value_html
        return value_html(self)


def _power_slope(a: float, b: float) -> float:
    """d(a ** b)/da = b * a ** (b - 1), also where a ** (b - 1) alone is too large for a float.

    b = 0: a ** 0 is 1 for every a, so the slope is 0 (even for a tiny a, where a ** -1
    overflows). a > 0: when a ** (b - 1) overflows but the product fits (a = 5e-324,
    b = 1e-300: the slope is about 2e23), it is computed as exp(log|b| + (b - 1) log a).
    Raises OverflowError only when the slope itself is too large for a float.
    """
    if b == 0.0:
        return 0.0
    try:
        return b * a ** (b - 1.0)
    except OverflowError:
        if a <= 0.0:
            raise
        return math.copysign(math.exp(math.log(abs(b)) + (b - 1.0) * math.log(a)), b)


def _infinite_gradient(data: float, op: str, parents: tuple[Value, ...]) -> Exception:
    """The error for an operation whose local gradient is too large for a float."""
    bad_input = _first_not_finite(op, parents)
    if bad_input is not None:
        return bad_input
    return OverflowError(
        f"'{op}' on {_inputs(parents)} gave {_show(data)}, but its gradient there is too large "
        "for a float"
    )


def _not_finite(data: float, op: str, parents: tuple[Value, ...]) -> Exception:
    """The error for an operation whose result is not a finite number."""
    if not op:
        return ValueError(f"Value(): got {data}, but a Value must hold a finite number")
    bad_input = _first_not_finite(op, parents)
    if bad_input is not None:
        return bad_input
    return OverflowError(
        f"'{op}' on {_inputs(parents)} gave {data}: the result is too large for a float"
    )


# ----- the words of error messages (only ever run when something is wrong) --------------------

def _holds(value: Value, op: str) -> ValueError:
    """The error for an input that holds nan or an infinity (its .data was set by hand)."""
    who = value._label or "an input"
    return ValueError(
        f"'{op}': {who} holds {value.data}, not a finite number (was its .data set by hand?); "
        "a Value must always hold a finite number"
    )


def _first_not_finite(op: str, parents: tuple[Value, ...]) -> ValueError | None:
    """_holds() for the first input whose data is not a finite number, if there is one."""
    for p in parents:
        x = p.data
        if isinstance(x, float) and x - x != 0.0:
            return _holds(p, op)
    return None


def _inputs(parents: tuple[Value, ...]) -> str:
    """The inputs of an operation for a message: '2, 3', or 'a = 2, b = 3' with labels."""
    return ", ".join(f"{p._label} = {_show(p.data)}" if p._label else _show(p.data)
                     for p in parents)


def _formula(op: str, *operands: Value | float) -> str:
    """'2 ** 3', or 'x ** 3 with x = 2' when the learner labelled the Values."""
    parts, known = [], []
    for v in operands:
        if isinstance(v, Value) and v._label:
            parts.append(v._label)
            known.append(f"{v._label} = {_show(v.data)}")
        else:
            parts.append(_show(v.data if isinstance(v, Value) else v))
    text = f" {op} ".join(parts)
    return f"{text} with {', '.join(known)}" if known else text


def _power(base: Value | float, exponent: Value | float) -> str:
    return _formula("**", base, exponent)


def _call(function: str, x: Value) -> str:
    """'log(-1)', or 'log(loss) with loss = -1' when x has a label."""
    if x._label:
        return f"{function}({x._label}) with {x._label} = {_show(x.data)}"
    return f"{function}({_show(x.data)})"


def _division_by_zero(a: Value | float, b: Value | float) -> ZeroDivisionError:
    """'division by zero in a / zero: a = 1, zero = 0', with the learner's labels if any."""
    if isinstance(a, Value) and isinstance(b, Value):
        na, nb = a._label or "a", b._label or "b"
        where = f"{na} / {nb}: {na} = {_show(a.data)}, {nb} = 0"
    elif isinstance(a, Value):
        na = a._label or "a"
        where = f"{na} / 0: {na} = {_show(a.data)}"
    else:
        nb = b._label or "b"  # type: ignore[union-attr]
        where = f"{_show(a)} / {nb}: {nb} = 0"  # type: ignore[arg-type]
    return ZeroDivisionError(f"division by zero in {where}")


def check_label(label: object) -> str:
    """A label as it is stored: a string on one line ("" for None), or a clear error.

    Any character may be used except control characters such as a newline or a tab (and
    the few that no file can hold): a label is a name, shown in tables and drawings.
    """
    if type(label) is str:
        if label.isprintable():
            return label
        bad = _BAD_LABEL_CHAR.search(label)
        if bad is None:
            return label  # e.g. a no-break space or a zero-width joiner: fine
        raise ValueError(
            f"label {describe(label).partition(' ')[2]}: contains {bad.group()!r} at position "
            f"{bad.start() + 1}; a label is a name on one line, without control characters"
        )
    if label is None:
        return ""
    if isinstance(label, str):
        return check_label(str.__str__(label))
    raise TypeError(
        f"label: expected a string, got {describe(label)} (to show a number, use str(...))"
    )


def _bad_inputs(op: str, parents: object, local: object) -> ValueError:
    """The error for a hand-made node without one or two inputs, each with a local gradient."""
    def count(x: object) -> str:
        return str(len(x)) if isinstance(x, (tuple, list)) else f"not a tuple ({describe(x)})"

    return ValueError(
        f"'{op}': an operation takes one or two inputs, each with one local gradient; got "
        f"{count(parents)} inputs and {count(local)} local gradients"
    )


def _bad_operation_name(op: object) -> TypeError:
    return TypeError(f"Value(): the operation's name must be a string, got {describe(op)}")


def _bad_local_gradient(data: float, op: str, parents: object, local: object) -> Exception:
    """The error for local gradients that are not finite numbers (a hand-made operation)."""
    if not isinstance(local, (tuple, list)):
        return TypeError(
            f"'{op}': the local gradients must be a tuple of numbers, one per input, got "
            f"{describe(local)}"
        )
    for k, g in enumerate(local, start=1):
        if not isinstance(g, Real):
            return TypeError(
                f"'{op}': local gradient {k} must be a number, got {describe(g)}{_hint(g)}"
            )
        try:
            float(g)
        except OverflowError:
            return OverflowError(f"'{op}': local gradient {k} is {too_large(g)}, too large "
                                 "for a float")
    if isinstance(parents, tuple) and all(isinstance(p, Value) for p in parents):
        return _infinite_gradient(data, op, parents)
    return OverflowError(f"'{op}' gave {_show(data)}, but its gradient is too large for a float")
