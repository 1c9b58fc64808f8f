"""The `Value` node: one float, its gradient, and the operation that made it.

Every operation is one entry of the table in `autograd/ops.py` (its forward rule next to its
derivative). Applying an entry computes the result *and* the local gradients (d result /
d input, one per input) and hands both to the new node, with the entry and its exact constant.
`backward()` later only multiplies those stored numbers by the upstream gradient: see
`autograd/backward.py`. The methods below (`+`, `*`, `tanh`, ...) only pick the entry.
"""

from __future__ import annotations

import math
import re
from numbers import Integral, Real
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from stepgrad import grad_mode, passes
from stepgrad import ops as _ops
from stepgrad import rule_errors as _rules
from stepgrad.habits import Habits
from stepgrad.ops import CONSTANT, FLOATS, UNARY, Domain, Math, Op, recorded
from stepgrad.ops import show as _show
from stepgrad.words import plural

if TYPE_CHECKING:  # only for the type hint of backward_steps()
    from stepgrad.stepping import BackwardPass

Number = int | float
_SEED = 1.0  # backward()'s default seed (one object: tells "not given" from backward(1.0))
_NO_LABEL = ""  # the label of every node an operation makes (one object: checked by identity)
_BAD_LABEL_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def as_float(x: object, operation: str) -> float:
    """Turn a plain, finite number into a float, or raise an error that names the operation."""
    if type(x) is not float:
        if not isinstance(x, Real) and not is_bool(x):  # np.True_ is not a numbers.Real
            if _is_numpy_0d(x):  # np.array(2.0): one number, as DeZero wraps every number
                return as_float(x.item(), operation)
            raise TypeError(f"{operation}: expected a real number, got {describe(x)}{_hint(x)}")
        try:
            x = float(x)
        except OverflowError:
            raise OverflowError(f"{operation}: {too_large(x)} is too large for a float") from None
    if x - x != 0.0:  # true only for nan and +-inf
        raise ValueError(f"{operation}: got {x}, but only finite numbers are allowed")
    return x


def is_bool(x: object) -> bool:
    """True for True and False, and for numpy's booleans (`np.True_`, an element of `data > 0`):
    numpy does not register them as numbers.Real, yet they are 1 and 0 as Python's are. The
    type's module and name tell them apart, so numpy is never imported here."""
    if isinstance(x, bool):
        return True
    cls = type(x)
    return cls.__module__ == "numpy" and cls.__name__ in ("bool", "bool_")  # numpy 2, numpy 1


def _is_numpy_0d(x: object) -> bool:
    """True for a numpy array with no axes, np.array(2.0), which holds one number (told by
    its type's module and name, so numpy is never imported here)."""
    cls = type(x)
    return cls.__module__ == "numpy" and cls.__name__ == "ndarray" and x.ndim == 0  # type: ignore


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
    if type(x).__name__ == "BatchResult" and type(x).__module__ == "stepgrad.batch":
        return " (put the batched result first: loss + w, loss * 2, -loss + w)"
    try:
        no_axes = getattr(x, "shape", None) == () and hasattr(x, "item")
    except Exception:  # an object whose shape cannot be read or compared
        no_axes = False
    if no_axes:  # a tensor of one number, torch.tensor(2.0)
        return " (it holds one number: use .item() to get it)"
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


class Value(Habits):
    """One scalar in a computation graph.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)

    Attributes:
        data: the number this node holds (a float; setting it checks the number).
        grad: d(output)/d(this node) after `backward()`; 0.0 until a backward pass reaches it.
        label: an optional name, used when stepping through and drawing the graph (a string
            on one line; None means no label). `name` is the same (DeZero's word).
    """

    # An operation has one or two inputs; each is stored with its local gradient in a slot of
    # its own (not in tuples), so that a node is one object for Python's garbage collector.
    # `_op` is the node's entry in the table of operations (None for an input). A one-input
    # node has no second local gradient, so its `_local2` slot holds the operation's exact
    # constant instead (the 2 of `a * 2`, the slope of leaky_relu; None if it has none).
    # The nodes operations make leave `_label` unset until a learner names them (the `label`
    # property reads "" then): one store less per node, one reference less for the collector.
    # `data` is a property over the slot `_data` (its setter checks the number, see below); the
    # engine's own code reads and writes `_data` directly.
    __slots__ = ("_data", "_grad", "_label", "_op", "_in1", "_local1", "_in2", "_local2")

    # numpy: `np.float64(2) * v` and `array * v` call Value's own __rmul__ (a Value, or a clear
    # error for an array), instead of numpy making an array of Values
    __array_priority__ = 1000

    def __init__(
        self,
        data: Number,
        label: str = "",
        _parents: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str | Op = "",
        *,
        name: str | None = None,
    ) -> None:
        if name is not None:  # DeZero's name for the label
            if label != "":
                raise TypeError("Value(): got both label and name (the same thing, DeZero's "
                                "name); give one of them")
            label = name
        if label.__class__ is not str and _looks_like_children(label):
            raise _micrograd_node(label)  # Value(data, (x,), 'exp'): micrograd's way
        if type(data) is not float:
            data = as_float(data, "Value()")
        if _op.__class__ is not str and not isinstance(_op, Op):
            raise _bad_operation_name(_op)
        name = _op if _op.__class__ is str else _op.shown
        if _op or _parents:  # a node made by hand: its inputs must be one or two Values
            _check_inputs(name, _parents, _local)
        if data - data != 0.0:  # true only for nan and +-inf
            raise _not_finite(data, name, _parents)
        self._data = data
        self._grad: float | None = None  # None means "no backward pass has reached me yet"
        if label is not _NO_LABEL:  # operations pass "": only a learner's label is checked
            label = check_label(label)
        self._label = label
        # a node made by hand, Value(data, "", inputs, local_grads, "name"), gets an entry
        # that has its name and no rules (prefer Op(name, forward, grads): see autograd/ops.py)
        if _op.__class__ is str:
            _op = recorded(_op, len(_parents) if isinstance(_parents, tuple) else 1) \
                if (_op or _parents) else None
        self._op = _op
        self._local2 = None
        # inside no_grad(), nothing is remembered; `disabled` is 0 unless a block is open
        if _parents and (not grad_mode.disabled or grad_mode.is_grad_enabled()):
            try:  # g * 0.0 is 0 for a finite g, nan for +-inf and nan, an error for a non-number
                for g in _local:
                    if g * 0.0 != 0.0:  # a local gradient too large for a float: never pass inf on
                        raise OverflowError
            except (TypeError, ValueError, OverflowError):
                raise _bad_local_gradient(data, name, _parents, _local) from None
            try:
                if len(_parents) == 2:
                    (self._in1, self._in2), (self._local1, self._local2) = _parents, _local
                else:
                    (self._in1,), (self._local1,) = _parents, _local
                    self._in2 = None
            except (TypeError, ValueError):
                raise _bad_inputs(name, _parents, _local) from None
        else:  # no inputs: an input or a parameter (a leaf)
            self._in1 = self._in2 = None
            self._local1 = 0.0

    # ----- what a learner may want to look at -------------------------------------------------

    def _set_data(self, x: Number) -> None:
        """Checked as Value() checks its number: a plain float, finite, or a clear error."""
        if type(x) is not float or x - x != 0.0:  # anything but a finite float: check it
            where = self._setting(".data")
            if type(x) is float:  # nan or an infinity, in the words of Value(nan)
                raise ValueError(f"{where}: got {x}, but a Value must hold a finite number")
            x = as_float(x, where)
        self._data = x

    def _setting(self, attribute: str) -> str:
        """"setting .data of 'w'" (or "setting .data" for a value with no label), for errors."""
        label = self.label
        return f"setting {attribute} of '{label}'" if label else f"setting {attribute}"

    # reading goes through a C-level getter (no Python frame); the engine itself uses `_data`
    data = property(attrgetter("_data"), _set_data,
                    doc="The number this value holds (a float). Setting it checks the number "
                        "as Value() does: a finite real number, stored as a plain float.")

    def item(self) -> float:
        """The number this value holds, as a float: the same as `.data` (PyTorch's name).

        >>> Value(0.25).item()
        0.25
        """
        return self.data

    def __format__(self, spec: str) -> str:
        """f"{v:.4f}" formats the number this value holds; f"{v}" (no spec) is str(v).

        >>> loss = Value(0.123456)
        >>> f"loss {loss:.3f}", f"{loss}"
        ('loss 0.123', 'Value(data=0.123456)')
        """
        if not spec:
            return str(self)
        return format(self.data, spec)  # .data, not the slot: batched sees this read

    @property
    def grad(self) -> float:
        """d(output)/d(this value) from the latest backward pass (0.0 before one reaches it).

        Set it to a number, or to None for "no gradient yet" (as `zero_grad()` does).
        """
        g = self._grad
        return 0.0 if g is None else g

    @grad.setter
    def grad(self, value: Number | None) -> None:
        g = None if value is None else as_float(value, self._setting(".grad"))
        if passes.live:  # a stepped pass over this value ends first (its steps are undone)
            passes.end_passes((self,), "the .grad of {} was set", self)
        if g is None and self._in1 is not None and self._grad is not None:
            mark_reset(self)  # its next backward() checks the graph (backward.py)
        self._grad = g

    @property
    def label(self) -> str:
        """The learner's name for this value ("" for none), shown when stepping and drawing."""
        try:
            label = self._label
        except AttributeError:  # a value an operation made has no label until one is set
            return _NO_LABEL
        return label if label.__class__ is str else str(label)  # (a reset's mark: see below)

    @label.setter
    def label(self, label: str | None) -> None:
        label = check_label(label)
        self._label = AfterReset(label) if was_reset(self) else label

    @property
    def name(self) -> str:
        """DeZero's name for `label` (the same attribute: setting one sets the other)."""
        return self.label

    @name.setter
    def name(self, name: str | None) -> None:
        self.label = name

    @property
    def grad_computed(self) -> bool:
        """True once a backward pass has reached this value (False means 'not yet computed':
        "grad ?"). During a stepped pass, False for every value the pass has not reached yet,
        except inputs and parameters that hold a gradient from an earlier pass."""
        return self._grad is not None

    @property
    def op(self) -> str:
        """The operation that made this value, e.g. '*', 'tanh' or '** 2' ('' for an input)."""
        op = self._op
        if op is None:
            return ""
        return op.display(self._local2) if op.kind == CONSTANT else op.shown

    @property
    def operation(self) -> Op | None:
        """The entry of the table of operations that made this value (None for an input)."""
        return self._op

    @property
    def constant(self) -> float | None:
        """The exact constant of the operation (2.0 for `a * 2`, a slope), or None."""
        op = self._op
        return self._local2 if op is not None and op.kind == CONSTANT else None

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

    @property
    def _backward(self) -> None:
        """micrograd's backward function of a node: stepgrad has none, so reading it (to call
        it and step by hand) raises an AttributeError that says how to step through the pass,
        and setting it one that says how to add an operation (hasattr() gives False)."""
        raise AttributeError(_no_backward_to_call(self))

    @_backward.setter
    def _backward(self, fn: object) -> None:
        raise AttributeError(_NO_BACKWARD)

    def zero_grad(self) -> None:
        """Forget this value's gradient (it reads 0.0 and counts as not yet computed).

        Only this value: to reset every value a result depends on, inputs and parameters
        included, call `zero_grad_graph()` on the result.
        """
        if passes.live:  # a stepped pass over this value ends first (its steps are undone)
            passes.end_passes((self,), "zero_grad() reset {}", self)
        if self._in1 is not None and self._grad is not None:
            mark_reset(self)  # its next backward() checks the graph (backward.py)
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
            if node._in1 is not None and node._grad is not None:
                mark_reset(node)  # its next backward() checks the graph (backward.py)
            node._grad = None

    def __repr__(self) -> str:
        """Value(data=..., grad=..., label=...); grad is left out until a backward pass."""
        grad = f", grad={_show(self._grad)}" if self._grad is not None else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={_show(self.data)}{grad}{label})"

    # ----- the backward pass (the walk itself is in autograd/backward.py) ---------------------

    def backward(self, grad: Number = _SEED, *, gradient: Number | None = None,
                 retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: object = None) -> None:
        """Fill in `.grad` of every value this one depends on.

        Seeds this value's gradient with `grad` (1.0 by default), then visits the graph from
        the output back to the inputs, adding `local gradient x upstream gradient` into each
        input's `.grad`; a value used on several paths receives the sum over all of them.

        PyTorch's keywords: `gradient=` is the same as `grad`. `retain_graph=` changes nothing:
        stepgrad always keeps the graph, so backward() may run on it again. A gradient with a
        graph of its own (`create_graph=True`) cannot live in `.grad`, which is always a
        float: `stepgrad.grad(y, x, create_graph=True)` returns it (see autograd/higher.py),
        and `inputs=` is refused the same way (`stepgrad.grad(y, [a, b])` gives only those).

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

        if gradient is not None:
            if grad is not _SEED:
                raise TypeError("backward(): got both grad and gradient (the same thing, "
                                "PyTorch's name); give one of them")
            grad = gradient
        _backward_options(self, retain_graph, create_graph, inputs)
        run_backward(self, as_float(grad, "backward(gradient)" if gradient is not None
                                    else "backward(grad)"))

    def cleargrad(self) -> None:
        """DeZero's name for `zero_grad()`: forget this value's gradient."""
        self.zero_grad()

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

    # ----- operations: each picks its entry of the table (autograd/ops.py) --------------------

    # `+`, `*` and relu make most nodes of a network, so they build their node right here, with
    # their table entry's float rules written inline (a function call per rule would cost about
    # a tenth of a training step). tests/test_optable.py checks that these three give the same
    # numbers, bit for bit, as their entries in autograd/ops.py applied the generic way.

    def __add__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            return _with_constant(_ops.ADD_C, self, as_float(other, "+"))
        x, y = self._data, other._data
        out = x + y
        if out - out != 0.0:  # true only for nan and +-inf
            raise _not_finite(out, "+", (self, other))
        node = _new(Value)
        node._data = out
        node._grad = None
        node._op = _ADD
        if not grad_mode.disabled or grad_mode.is_grad_enabled():
            node._in1 = self  # one store per slot: quicker than packing a tuple to unpack it
            node._local1 = 1.0
            node._in2 = other
            node._local2 = 1.0
        else:
            node._in1 = node._in2 = node._local2 = None
            node._local1 = 0.0
        return node

    def __radd__(self, other: Value | Number) -> Value:
        return _with_constant(_ops.RADD_C, self, as_float(other, "+"))

    def __sub__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return _binary(_ops.SUB, self, other)
        return _with_constant(_ops.SUB_C, self, as_float(other, "-"))

    def __rsub__(self, other: Value | Number) -> Value:
        return _with_constant(_ops.RSUB_C, self, as_float(other, "-"))

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is not Value:
            return _with_constant(_ops.MUL_C, self, as_float(other, "*"))
        x, y = self._data, other._data
        out = x * y
        if out - out != 0.0:
            raise _not_finite(out, "*", (self, other))
        node = _new(Value)
        node._data = out
        node._grad = None
        node._op = _MUL
        # the local gradients are the inputs' numbers: always finite
        if not grad_mode.disabled or grad_mode.is_grad_enabled():
            node._in1 = self
            node._local1 = y
            node._in2 = other
            node._local2 = x
        else:
            node._in1 = node._in2 = node._local2 = None
            node._local1 = 0.0
        return node

    def __rmul__(self, other: Value | Number) -> Value:
        return _with_constant(_ops.RMUL_C, self, as_float(other, "*"))

    def __truediv__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return _binary(_ops.DIV, self, other)
        return _with_constant(_ops.DIV_C, self, as_float(other, "/"))

    def __rtruediv__(self, other: Value | Number) -> Value:
        return _with_constant(_ops.RDIV_C, self, as_float(other, "/"))

    def __neg__(self) -> Value:
        return _unary(_ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | Number) -> Value:
        """a ** n (a number n), or a ** b with b a Value (then a must be positive)."""
        if type(other) is Value:
            return _binary(_ops.POW, self, other)
        return _with_constant(_ops.POW_C, self, as_float(other, "**"))

    def __rpow__(self, other: Value | Number) -> Value:
        return _with_constant(_ops.RPOW_C, self, as_float(other, "**"))

    def exp(self) -> Value:
        """e ** x; its local gradient is e ** x itself."""
        return _unary(_ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm; local gradient 1 / x. Only defined for x > 0."""
        return _unary(_ops.LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, between -1 and 1; local gradient 1 - tanh(x)**2."""
        return _unary(_ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), between 0 and 1; local gradient s * (1 - s).

        Computed so that no exp() overflows, however large |x| is.
        """
        return _unary(_ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); local gradient 1 for x > 0, else 0 (0 at the kink x = 0, as PyTorch)."""
        x = self._data
        if x - x != 0.0:  # relu(nan) or relu(-inf) would be a silent 0
            raise _holds(self, "relu")
        node = _new(Value)
        node._grad = None
        node._op = _RELU
        node._in2 = node._local2 = None
        if x > 0.0:
            node._data, local = x, 1.0
        else:
            node._data, local = 0.0, 0.0
        if not grad_mode.disabled or grad_mode.is_grad_enabled():
            node._in1, node._local1 = self, local
        else:
            node._in1, node._local1 = None, 0.0
        return node

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x for x > 0, else slope * x; local gradient 1 or slope (slope at x = 0, as PyTorch)."""
        return _with_constant(_ops.LEAKY_RELU, self, as_float(slope, "leaky_relu(slope)"))

    def elu(self, alpha: Number = 1.0) -> Value:
        """x for x > 0, else alpha * (e**x - 1); local gradient 1 or alpha * e**x."""
        return _with_constant(_ops.ELU, self, as_float(alpha, "elu(alpha)"))

    def __abs__(self) -> Value:
        """|x|; local gradient +1, -1, or 0 at the kink x = 0 (as PyTorch)."""
        return _unary(_ops.ABS, self)

    def abs(self) -> Value:
        """|x|, the same as abs(x)."""
        return _unary(_ops.ABS, self)

    def max(self, other: Value | Number) -> Value:
        """The larger of two values: the upstream gradient goes only to the input that won.

        On a tie (a == b) each input gets half, as PyTorch's torch.maximum does; this is also
        what a central finite difference measures there. A number is a constant, not a node.
        """
        if type(other) is Value:
            return _binary(_ops.MAX, self, other)
        return _with_constant(_ops.MAX_C, self, as_float(other, "max"))

    def min(self, other: Value | Number) -> Value:
        """The smaller of two values; gradient routing as in `max` (half each on a tie)."""
        if type(other) is Value:
            return _binary(_ops.MIN, self, other)
        return _with_constant(_ops.MIN_C, self, as_float(other, "min"))

    def _repr_html_(self) -> str:  # how a notebook shows it (stepgrad/display.py)
        from stepgrad.display import value_html
        return value_html(self)


VALUES = Math("values", Value.exp, Value.log, attrgetter("data"))
"""The math namespace on Values: a derivative rule run with it builds a graph of the gradient."""

_new = object.__new__
_ADD, _MUL, _RELU = _ops.ADD, _ops.MUL, _ops.RELU  # the entries with a fast path


# ----- applying an entry: the result, its local gradients, and the new node ------------------


def _unary(op: Op, a: Value) -> Value:
    """Apply a one-input entry (exp, tanh, neg, ...) to the Value a."""
    x = a._data
    if x - x != 0.0:  # nan or +-inf written past the .data check: tanh(inf) would be a silent 1
        raise _holds(a, op.shown)
    try:
        out = op.forward(x)
    except OverflowError as error:
        raise _too_large(op, None, (a,), (a,), error) from _rules.cause(op, error)
    except Domain as error:
        raise error.for_inputs(_where(op, (a,)), (a,)) from None
    except Exception as error:  # a learner's own rule failed: say which, and on what
        raise _rules.rule_failed(op, "forward", (a,), error) from error
    if type(out) is not float:
        out = _rules.forward_number(op, out, (a,), (a,))
    if out - out != 0.0:  # true only for nan and +-inf
        raise _rules.bad_result(op, out, (a,), (a,))
    node = _new(Value)
    node._data = out
    node._grad = None
    node._op = op
    node._in2 = node._local2 = None
    # inside no_grad(), nothing is remembered; `disabled` is 0 unless a block is open
    if not grad_mode.disabled or grad_mode.is_grad_enabled():
        try:
            grads = op.grads(FLOATS, x, out)
        except OverflowError as error:
            raise _too_large(op, out, (a,), (a,), error) from _rules.cause(op, error)
        except Exception as error:
            raise _rules.rule_failed(op, "grads", (a,), error) from error
        (local,) = _checked(op, grads, 1)
        if local - local != 0.0:  # a local gradient too large for a float: never pass inf on
            raise _rules.bad_gradient(op, out, (a,), (a,), grads)
        node._in1, node._local1 = a, local
    else:
        node._in1, node._local1 = None, 0.0
    return node


def _with_constant(op: Op, a: Value, c: float) -> Value:
    """Apply an entry of a Value and a constant (a * 2, 2 - a, a ** 3, leaky_relu)."""
    x = a._data
    if x - x != 0.0:  # nan or +-inf written past the .data check: 1 / inf would be a silent 0
        raise _holds(a, op.display(c))
    try:
        out = op.forward(x, c)
    except OverflowError as error:
        raise _too_large(op, None, (a,), (a, c), error) from _rules.cause(op, error)
    except Domain as error:
        raise error.for_inputs(_where(op, (a, c)), (a, c)) from None
    except Exception as error:
        raise _rules.rule_failed(op, "forward", (a, c), error) from error
    if type(out) is not float:
        out = _rules.forward_number(op, out, (a,), (a, c))
    if out - out != 0.0:
        raise _rules.bad_result(op, out, (a,), (a, c))
    node = _new(Value)
    node._data = out
    node._grad = None
    node._op = op
    node._in2 = None
    node._local2 = c  # a one-input node keeps its constant in the second local gradient's slot
    if not grad_mode.disabled or grad_mode.is_grad_enabled():
        try:
            grads = op.grads(FLOATS, x, c, out)
        except OverflowError as error:
            raise _too_large(op, out, (a,), (a, c), error) from _rules.cause(op, error)
        except Exception as error:
            raise _rules.rule_failed(op, "grads", (a, c), error) from error
        (local,) = _checked(op, grads, 1)
        if local - local != 0.0:
            raise _rules.bad_gradient(op, out, (a,), (a, c), grads)
        node._in1, node._local1 = a, local
    else:
        node._in1, node._local1 = None, 0.0
    return node


def _binary(op: Op, a: Value, b: Value) -> Value:
    """Apply a two-input entry (a - b, a / b, a ** b, max) to the Values a and b."""
    x, y = a._data, b._data
    if x - x != 0.0 or y - y != 0.0:  # past the .data check: max(nan, 1) would hide it
        raise _holds(a if x - x != 0.0 else b, op.shown)
    try:
        out = op.forward(x, y)
    except OverflowError as error:
        raise _too_large(op, None, (a, b), (a, b), error) from _rules.cause(op, error)
    except Domain as error:
        raise error.for_inputs(_where(op, (a, b)), (a, b)) from None
    except Exception as error:
        raise _rules.rule_failed(op, "forward", (a, b), error) from error
    if type(out) is not float:
        out = _rules.forward_number(op, out, (a, b), (a, b))
    if out - out != 0.0:
        raise _rules.bad_result(op, out, (a, b), (a, b))
    node = _new(Value)
    node._data = out
    node._grad = None
    node._op = op
    if not grad_mode.disabled or grad_mode.is_grad_enabled():
        try:
            grads = op.grads(FLOATS, x, y, out)
        except OverflowError as error:
            raise _too_large(op, out, (a, b), (a, b), error) from _rules.cause(op, error)
        except Exception as error:
            raise _rules.rule_failed(op, "grads", (a, b), error) from error
        local1, local2 = _checked(op, grads, 2)
        if local1 - local1 != 0.0 or local2 - local2 != 0.0:
            raise _rules.bad_gradient(op, out, (a, b), (a, b), grads)
        node._in1, node._local1, node._in2, node._local2 = a, local1, b, local2
    else:
        node._in1 = node._in2 = None
        node._local1, node._local2 = 0.0, None
    return node


def _where(op: Op, operands: tuple[Value | float, ...]) -> str:
    """Where an error happened, for its message: the entry's own words (`op.where`) or its
    formula with the learner's labels: 'log(-1)', 'log(loss) with loss = -1', 'x ** 3 with
    x = 2'."""
    if op.where is not None:
        return op.where(*operands)
    names: dict[str, str] = {}
    known: list[str] = []
    keys = ("x", "y") if op.kind != CONSTANT else ("x", "c")
    for key, v in zip(keys, operands, strict=False):
        if isinstance(v, Value) and v.label:
            names[key] = v.label
            if v is not operands[0] or key == "x":  # x ** x: 'x = 2' once
                known.append(f"{v.label} = {_show(v.data)}")
        elif key == "c":
            names[key] = _ops.show_constant(v)
        else:
            names[key] = _show(v.data if isinstance(v, Value) else v)
    # a negative base in parentheses: '(-2) ** a', never '-2 ** a' (which is -(2 ** a))
    text = _ops.fill(op.formula_text, names.get("x", "?"), names.get("y", "?"),
                     names.get("c", "?"))
    return f"{text} with {', '.join(known)}" if known else text


def _checked(op: Op, grads: Any, n: int) -> Any:
    """The rule's tuple of local gradients, if it has one number per input."""
    if type(grads) is tuple and len(grads) == n:
        return grads
    raise TypeError(
        f"Op {op.name!r}: its grads rule must return a tuple of {plural(n, 'local gradient')} "
        f"(one per Value input), got {grads!r}"
    )


def apply(op: Op, *args: Any) -> Value:
    """Apply the entry `op` to its arguments: `op(v)`, `op(v, 2.0)` or `op(a, b)`.

    >>> from stepgrad.ops import TABLE
    >>> a = Value(3.0, label="a")
    >>> apply(TABLE["mul_c"], a, 2).op, apply(TABLE["max"], a, Value(5.0)).data
    ('* 2', 5.0)
    """
    if not isinstance(op, Op):
        raise TypeError(f"apply: expected an Op, got {type(op).__name__} {op!r}")
    if op.forward is None or op.grads is None:
        raise TypeError(f"Op {op.name!r} has no forward or grads rule, so it cannot be applied")
    want = 1 if op.kind == UNARY else 2
    if len(args) != want:
        what = {UNARY: "one Value", CONSTANT: "a Value and a number", "binary": "two Values"}
        raise TypeError(f"{op.name}: takes {what[op.kind]}, got {len(args)} argument(s)")
    for i, arg in enumerate(args[: op.inputs]):
        if not isinstance(arg, Value):
            raise TypeError(
                f"{op.name}: argument {i + 1} must be a Value, got {type(arg).__name__} "
                f"{arg!r} (wrap a number in Value(...))"
            )
    if op.kind == UNARY:
        return _unary(op, args[0])
    if op.kind == CONSTANT:
        return _with_constant(op, args[0], as_float(args[1], op.what))
    return _binary(op, args[0], args[1])


def _shown(op: Op, operands: tuple[Value | float, ...]) -> str:
    """The operation as errors show it, with its constant: '* 2', '2 -', 'tanh', '*'."""
    return op.display(operands[1]) if op.kind == CONSTANT else op.shown


def _too_large(op: Op, out: float | None, parents: tuple[Value, ...],
               operands: tuple[Value | float, ...], error: BaseException | None = None
               ) -> Exception:
    """The error when an entry's result (out is None) or its gradient overflowed; `error`, the
    rule's own OverflowError, for the message of a learner's Op (a built-in one has its own)."""
    if op.too_large is None and error is not None and not _ops.is_builtin(op):
        return _rules.rule_failed(op, "forward" if out is None else "grads", operands, error)
    if op.too_large is not None:
        return OverflowError(op.too_large.format(where=_where(op, operands)))
    shown = _shown(op, operands)
    if out is None:
        return OverflowError(
            f"'{shown}' on {_inputs(parents)}: the result is too large for a float"
        )
    return _infinite_gradient(out, shown, parents)


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
    if data != data:  # nan: never "too large"
        return ValueError(
            f"'{op}' on {_inputs(parents)} gave nan (not a number), {_rules.NAN_MEANS}")
    return OverflowError(
        f"'{op}' on {_inputs(parents)} gave {data}: the result is too large for a float"
    )


# ----- the words of error messages (only ever run when something is wrong) --------------------

def _holds(value: Value, op: str) -> ValueError:
    """The error for an input that holds nan or an infinity (written past the .data check)."""
    who = value.label or "an input"
    return ValueError(
        f"'{op}': {who} holds {value.data}, not a finite number; "
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
    if len(parents) == 2 and parents[0] is parents[1] and parents[0].label:
        parents = parents[:1]  # x * x: 'x = 2' once
    return ", ".join(f"{p.label} = {_show(p.data)}" if p.label else _show(p.data)
                     for p in parents)






class AfterReset(str):
    """The label ("" for none) of a computed value whose gradient was reset after a backward
    pass reached it (zero_grad(), zero_grad_graph(), .grad = None). Its next backward() then
    checks that the graph is up to date, as a second backward() does, so that a reset never
    hides an out-of-date graph (autograd/staleness.py). The mark lives on the value itself (in
    the slot of its label, which a computed value leaves empty): it goes when the value goes,
    and `label` reads it as plain text."""

    __slots__ = ()


_RESET = AfterReset("")


def mark_reset(node: Value) -> None:
    """Mark `node` as reset after a pass (see AfterReset)."""
    label = node.label
    node._label = AfterReset(label) if label else _RESET


def was_reset(node: Value) -> bool:
    """Was `node`'s gradient reset after a backward pass reached it? (See AfterReset.)"""
    return getattr(node, "_label", None).__class__ is AfterReset


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
    def count(x: object, noun: str) -> str:
        if isinstance(x, (tuple, list)):
            return plural(len(x), noun)
        return f"not a tuple ({describe(x)}) of {noun}s"

    return ValueError(
        f"'{op}': an operation takes one or two inputs, each with one local gradient; got "
        f"{count(parents, 'input')} and {count(local, 'local gradient')}"
    )


def _check_inputs(op: str, parents: object, local: object) -> None:
    """A hand-made node's inputs, `Value(data, "", inputs, local_grads, name)`: a tuple (or
    list) of one or two Values, or a clear error that names the operation and the bad input."""
    if not isinstance(parents, (tuple, list)) or len(parents) > 2:
        raise _bad_inputs(op, parents, local)
    who = f"'{op}'" if op else "Value()"
    if not parents:
        raise ValueError(
            f"{who}: an operation needs one or two inputs, got none; a value without inputs (an "
            "input or a parameter) has no operation: Value(data, label)"
        )
    for k, p in enumerate(parents, start=1):
        if not isinstance(p, Value):
            hint = ("a plain number is a constant: leave it out of the inputs, with its local "
                    "gradient, or wrap it in Value(...)") if isinstance(p, Real) else \
                "the inputs are the Values this one is computed from"
            raise TypeError(f"{who}: input {k} must be a Value, got {describe(p)} ({hint})")


_ADD_AN_OPERATION = ("To add an operation, make it with Op(name, forward, grads): see \"Add "
                     "your own operation\" in the README.")
_NO_BACKWARD = ("a Value has no _backward: stepgrad keeps no backward function per node, as "
                "micrograd does. Each node keeps its local gradients, and backward() multiplies "
                "them. " + _ADD_AN_OPERATION)


def _no_backward_to_call(v: Value) -> str:
    """The error for reading `o._backward` (to call it), micrograd's way to step by hand."""
    o = v.label if v.label.isidentifier() else "out"
    return (f"a Value has no _backward to call: stepgrad keeps no backward function per node, "
            f"as micrograd does. To step through the backward pass by hand, use "
            f"steps = {o}.backward_steps() and then next(steps), one edge at a time (it starts "
            f"with {o}.grad = 1); or {o}.backward() for the whole pass")


def _backward_options(v: Value, retain_graph: object, create_graph: object,
                      inputs: object) -> None:
    """Check PyTorch's keywords of backward() (see Value.backward): a clear error for the
    ones stepgrad does not follow."""
    for key, flag in (("retain_graph", retain_graph), ("create_graph", create_graph)):
        if flag is not None and not is_bool(flag):
            raise TypeError(f"backward(): {key} must be True or False, got {describe(flag)}")
    y = v.label if v.label.isidentifier() else "y"
    if create_graph:
        raise TypeError(
            "backward(create_graph=True): in stepgrad, .grad is always a plain number, so it "
            "cannot hold a gradient with a graph. Use grad(), which returns the gradient as a "
            f"Value with its graph: (dy,) = stepgrad.grad({y}, x, create_graph=True); then "
            "dy.backward(), or grad(dy, x), gives the second derivative"
        )
    if inputs is not None:
        raise TypeError(
            "backward(inputs=...): stepgrad's backward() fills in the gradient of every value. "
            f"For the gradients of some values only, use stepgrad.grad({y}, [a, b]): it returns "
            "them and changes no .grad"
        )


def _looks_like_children(label: object) -> bool:
    """True for micrograd's children of a node, a tuple (or set, list) of Values, in the place
    of the label: Value(data, (x,), 'exp')."""
    return isinstance(label, (tuple, list, set, frozenset)) and all(
        isinstance(x, Value) for x in label)


def _micrograd_node(children: object) -> TypeError:
    """The error for micrograd's way to make a node, Value(data, (x,), 'exp')."""
    return TypeError(
        f"Value(): the second argument is the label, got {describe(children)}. "
        f"Value(data, children, op) is micrograd's way to make a node. {_ADD_AN_OPERATION}"
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
        if g != g:  # nan: never "too large"
            return ValueError(
                f"'{op}': local gradient {k} is nan (not a number), {_rules.NAN_MEANS}")
    if isinstance(parents, tuple) and all(isinstance(p, Value) for p in parents):
        return _infinite_gradient(data, op, parents)
    return OverflowError(f"'{op}' gave {_show(data)}, but its gradient is too large for a float")
