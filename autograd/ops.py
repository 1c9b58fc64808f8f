"""The table of operations: every primitive, its forward rule and its derivative, side by side.

Each primitive is one `Op` entry: a name, how it is shown ("* 2", "tanh"), its forward rule
(plain floats in, a float out) and its derivative rule (the local gradient d out / d input, one
per input). A node records its entry and its exact constant; everything else a learner sees,
the `.op` text, the stepper's formulas, the drawings' labels, is derived from the entry.

The derivative rule is written **once**, against a tiny math namespace `m` given as its first
argument. On the fast first-order path `m` is `FLOATS` and the rule computes plain floats; when
a graph of the gradient is wanted (`stepgrad.grad(..., create_graph=True)`) `m` works on Values,
the arguments are the nodes themselves, and the same rule builds a graph that can be
differentiated again. A rule may use the arithmetic operators (the same on floats and Values),
`m.exp`, `m.log`, and `m.data(v)` to read the number (to choose a side of a kink).

Rules receive (m, x, out) for one input, (m, x, c, out) for an input and a constant c, and
(m, x, y, out) for two inputs; `out` is the result (its number, or its node). They return a
tuple with one local gradient per input that is a Value (a constant gets none).

    entry        forward                  local gradient(s)
    x + y        x + y                    1, 1
    x * y        x * y                    y, x
    x / y        x / y                    1/y, -out/y
    x ** c       x ** c                   c * x ** (c - 1)
    x ** y       x ** y                   y * x ** (y - 1), out * log(x)
    c ** x       c ** x                   out * log(c)
    exp(x)       e ** x                   out
    log(x)       ln x                     1 / x
    tanh(x)      tanh x                   1 - out**2
    sigmoid(x)   1 / (1 + e**-x)          out * (1 - out)
    relu(x)      max(x, 0)                1 if x > 0 else 0
    ...          (see TABLE below: one line each)

Add your own with `Op(name, forward, grads)`; it works like a built-in one (see the README):

>>> from stepgrad import Op, Value, gradcheck
>>> cube = Op("cube", forward=lambda x: x ** 3, grads=lambda m, x, out: (3 * x * x,))
>>> y = cube(Value(2.0, label="a"))
>>> y.data, y.op
(8.0, 'cube')
>>> gradcheck(lambda a: cube(a), 2.0).ok
True
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

__all__ = ["FLOATS", "Domain", "Math", "Op", "TABLE", "fill", "is_builtin", "show",
           "show_constant"]


def show(x: float) -> str:
    """A short, readable form of a number for messages and operation names (never -0)."""
    return f"{x + 0.0:.6g}"  # -0.0 + 0.0 is 0.0


def show_constant(c: float) -> str:
    """A constant of an operation as formulas and `.op` show it: short (6 significant digits)
    when that is exact or visibly rounded ('2', '0.01', '0.333333'), but never a round number
    that the constant is not: 0.9999999 is '0.9999999', not '1' (a chain of '* 1' would hide
    the gradient shrinking). Float noise on a round number (0.1 * 3) still shows as '0.3'.

    >>> show_constant(2.0), show_constant(0.01), show_constant(1 / 3), show_constant(0.9999999)
    ('2', '0.01', '0.333333', '0.9999999')
    >>> show_constant(0.1 * 3), show_constant(1 + 1e-10)
    ('0.3', '1.0000000001')
    """
    c += 0.0  # never -0
    for digits in range(6, 18):
        text = f"{c:.{digits}g}"
        shown = float(text)
        if shown == c or abs(shown - c) <= 4 * math.ulp(c):  # exact, or float noise
            return text
        mantissa = text.partition("e")[0].lstrip("-").replace(".", "").lstrip("0")
        if len(mantissa) == digits:  # every digit shown: visibly rounded, not round
            return text
    return repr(c)


def _parenthesised(text: str) -> str:
    """A negative number in parentheses ('(-2)'), as the base of ** or after a unary minus
    must be written: -2 ** a is -(2 ** a) in Python; anything else as it is."""
    if text.startswith("-"):
        try:
            float(text)
        except ValueError:
            return text
        return f"({text})"
    return text


def fill(formula: str, x: str = "?", y: str = "?", c: str = "?") -> str:
    """A formula ("{c} ** {x}") with its operands' texts, a negative number in parentheses
    where Python would read it otherwise: '(-2) ** a', '-(-3)', but 'a * -2'."""
    texts = {"x": x, "y": y, "c": c}
    for key, text in texts.items():
        if f"{{{key}}} **" in formula or f"-{{{key}}}" in formula:  # a base, or unary minus
            texts[key] = _parenthesised(text)
    return formula.format(**texts)


def _literal(text: str) -> str:
    """`text` inside a str.format template, shown as it is."""
    return text.replace("{", "{{").replace("}", "}}")


class Math:
    """The math namespace a derivative rule computes with: `exp`, `log` and `data`.

    `FLOATS` works on plain floats (the fast first-order path); `stepgrad.value.VALUES` works
    on Values, so that a rule builds a graph of the gradient.
    """

    __slots__ = ("name", "exp", "log", "data")

    def __init__(self, name: str, exp: Callable, log: Callable, data: Callable) -> None:
        self.name, self.exp, self.log, self.data = name, exp, log, data

    def __repr__(self) -> str:
        return f"<math on {self.name}>"


FLOATS = Math("floats", math.exp, math.log, float)  # float(x) is x itself for a float

UNARY, CONSTANT, BINARY = "unary", "constant", "binary"


class Domain(Exception):
    """Raised by a forward rule for an input outside the operation's domain.

    error: the exception the learner gets (ValueError, ZeroDivisionError, ...); message: its
    text with {where} where the inputs go. The engine fills in {where} from the entry, with
    the learner's labels ('log(loss) with loss = -1'), so a forward rule only sees numbers.
    explain: optional; a function of the operands (the Values, and the constant) whose text
    is added to the message, to say where a bad input came from (log does this).
    """

    def __init__(self, error: type[Exception], message: str,
                 explain: Callable[..., str] | None = None) -> None:
        super().__init__(message)
        self.error, self.message, self.explain = error, message, explain

    def for_inputs(self, where: str, operands: tuple = ()) -> Exception:
        """The learner's error, with `where` in its message (and `explain`'s words on the
        operands, if the rule gave it)."""
        text = self.message.format(where=where)
        if self.explain is not None and operands:
            try:
                text += self.explain(*operands)
            except Exception:  # an error message must never fail: the plain one then
                pass
        return self.error(text)


class Op:
    """One operation of the table: its name, how it is shown, its forward and derivative rules.

    name: the operation's name ("tanh", "mul", or yours, "cube").
    forward: the result from plain floats: forward(x), forward(x, c) or forward(x, y). For
        input outside its domain it raises `Domain(ValueError, "{where}: why")`; the engine
        fills in {where} with the inputs and the learner's labels.
    grads: the derivative rule, grads(m, x, out), grads(m, x, c, out) or grads(m, x, y, out):
        a tuple of local gradients, one per Value input, written with operators and `m.exp`,
        `m.log`, `m.data` so that it works on floats and on Values (see the module docstring).
        Any other error a rule raises, or a nan it gives, comes out as one error that names
        the operation, its inputs and the rule, with the rule's error as its cause
        (autograd/rule_errors.py).
    kind: "unary" (one Value), "constant" (a Value and a number), "binary" (two Values).
    shown: the text of `Value.op`, with {c} for the constant ("* {c}"); default: the name.
    formula: the stepper's formula with {x}, {y}, {c} ("{x} * {c}"); default: "name({x})",
        "name({x}, {c})" or "name({x}, {y})".
    what: how error messages name the constant ("*", "leaky_relu(slope)"); default: the name.
    too_large: the message when the result or its gradient is too large for a float, with
        {where} for the inputs ("{where} is too large for a float"); default: a message
        naming the operation and its inputs.
    where: how error messages name the inputs, a function of the operands (Values, or the
        constant); default: the formula with the learner's labels, 'x ** 3 with x = 2'.

    Calling an entry applies it: `cube(v)`, `op(v, 2.0)`, `op(a, b)`.
    """

    __slots__ = ("name", "forward", "grads", "kind", "shown", "formula_text", "what", "too_large",
                 "where")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float] | None,
        grads: Callable[..., tuple] | None,
        *,
        kind: str = UNARY,
        shown: str | None = None,
        formula: str | None = None,
        what: str | None = None,
        too_large: str | None = None,
        where: Callable[..., str] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Op: the name must be a non-empty string, got {name!r}")
        if kind not in (UNARY, CONSTANT, BINARY):
            raise ValueError(f"Op {name!r}: kind must be 'unary', 'constant' or 'binary', "
                             f"got {kind!r}")
        for label, rule in (("forward", forward), ("grads", grads)):
            if rule is not None and not callable(rule):
                raise TypeError(f"Op {name!r}: {label} must be a function, got {rule!r}")
        self.name = name
        self.forward = forward
        self.grads = grads
        self.kind = kind
        self.shown = name if shown is None else shown
        if formula is None:
            formula = _literal(name) + {UNARY: "({x})", CONSTANT: "({x}, {c})",
                                        BINARY: "({x}, {y})"}[kind]
        self.formula_text = formula
        self.what = name if what is None else what
        self.too_large = too_large
        self.where = where

    @property
    def inputs(self) -> int:
        """How many Values the operation takes (1 or 2)."""
        return 2 if self.kind == BINARY else 1

    def display(self, constant: float | None = None) -> str:
        """The operation as `Value.op` shows it: '*', '* 2', '2 -', 'tanh', 'max 0.5'."""
        if self.kind == CONSTANT and constant is not None:
            return self.shown.format(c=show_constant(constant))
        return self.shown

    def formula(self, args: list[str], constant: float | None = None) -> str:
        """The stepper's formula with the inputs' names: 'a * b', 'tanh(n)', '2 - a'."""
        x = args[0] if args else "?"
        y = args[1] if len(args) > 1 else "?"
        c = show_constant(constant) if constant is not None else "?"
        return fill(self.formula_text, x, y, c)

    def __call__(self, *args: Any) -> Any:
        """Apply the operation to Values (and a number for a 'constant' operation)."""
        from stepgrad.value import apply

        return apply(self, *args)

    def __repr__(self) -> str:
        return f"<Op {self.name}>"

    def __reduce__(self) -> tuple:
        """Pickle (and copy) a built-in entry by name, so that it stays the table's entry."""
        if TABLE.get(self.name) is self:
            return (_builtin, (self.name,))
        return (_rebuild, (self.name, self.forward, self.grads, self.kind, self.shown,
                           self.formula_text, self.what, self.too_large, self.where))


def _builtin(name: str) -> Op:
    return TABLE[name]


def is_builtin(op: Op) -> bool:
    """True for an entry of the engine's own table below (not one a learner made with Op)."""
    return TABLE.get(op.name) is op


def _rebuild(name: str, forward: Any, grads: Any, kind: str, shown: str, formula: str,
             what: str, too_large: Any, where: Any) -> Op:
    return Op(name, forward, grads, kind=kind, shown=shown, formula=formula, what=what,
              too_large=too_large, where=where)


def _op(name: str, forward: Callable, grads: Callable, **kw: Any) -> Op:
    entry = Op(name, forward, grads, **kw)
    TABLE[name] = entry
    return entry


TABLE: dict[str, Op] = {}
"""Every built-in entry by name, in the order below."""


# ----- forward rules that check their domain (each error names the operation and the value) ---


_BY_ZERO = "division by zero in {where}"


def _div(x: float, y: float) -> float:
    if y == 0.0:
        raise Domain(ZeroDivisionError, _BY_ZERO)
    return x / y


def _div_c(x: float, c: float) -> float:
    if c == 0.0:
        raise Domain(ZeroDivisionError, _BY_ZERO)
    return x / c


def _rdiv_c(x: float, c: float) -> float:
    if x == 0.0:
        raise Domain(ZeroDivisionError, _BY_ZERO)
    return c / x


def _division(a: Any, b: Any) -> str:
    """Where a division by zero happened, naming values as every other error does: a Value by
    its label, else by its number in the formula. 'a / zero: a = 1, zero = 0', 'x / 0: x = 3'
    (a constant 0), 'b / 0: b = 6.88, the divisor is the result of '-'' (an unlabelled one)."""
    def name(v: Any) -> str:
        return (v.label or show(v.data)) if hasattr(v, "data") else show(v)

    known = [f"{v.label} = {show(v.data)}" for v in ((a,) if a is b else (a, b))
             if hasattr(v, "data") and v.label]  # a / a: 'a = 0' once
    if hasattr(b, "data") and not b.label:  # say which value is the zero: no name to show
        from stepgrad.backward import describe

        known.append(f"the divisor is {describe(b)}")
    where = f"{name(a)} / {name(b)}"
    return f"{where}: {', '.join(known)}" if known else where


def _pow_c(x: float, n: float) -> float:
    if n == 0.0:  # x ** 0 is 1 everywhere, so its slope is 0 (even at x = 0)
        return 1.0
    if x == 0.0 and n < 0.0:
        raise Domain(ZeroDivisionError, "{where}: zero cannot be raised to a negative power")
    if x < 0.0 and not n.is_integer():
        raise Domain(ValueError, "{where}: a negative number has no real fractional power")
    if x == 0.0 and n < 1.0:
        raise Domain(ValueError, "{where}: the value is 0 but its gradient is infinite at 0")
    return x**n


def _pow_c_grads(m: Math, x: Any, n: float, out: Any) -> tuple:
    if n == 1.0:
        return (1.0,)
    if n == 2.0:
        return (2.0 * x,)
    return (_power_slope(m, x, n),)


def _power_slope(m: Math, a: Any, b: Any) -> Any:
    """d(a ** b)/da = b * a ** (b - 1), also where a ** (b - 1) alone is too large for a float.

    b = 0: a ** 0 is 1 for every a, so the slope is 0 (even for a tiny a, where a ** -1
    overflows). On floats with a > 0, when a ** (b - 1) overflows but the product fits
    (a = 5e-324, b = 1e-300: the slope is about 2e23), it is computed as
    exp(log|b| + (b - 1) log a). Raises OverflowError only when the slope itself is too large.
    """
    if b == 0.0:  # (a Value exponent is never == 0.0: it is compared by identity)
        return 0.0
    try:
        return b * a ** (b - 1.0)
    except OverflowError:
        if m is not FLOATS or a <= 0.0:
            raise
        return math.copysign(math.exp(math.log(abs(b)) + (b - 1.0) * math.log(a)), b)


def _pow(x: float, y: float) -> float:
    if x <= 0.0:
        raise Domain(ValueError, "{where}: with a Value exponent the base must be positive "
                     "(the gradient for the exponent needs log(base)), got base " + show(x))
    return x**y


def _rpow_c(x: float, c: float) -> float:
    if c <= 0.0:
        raise Domain(ValueError, "{where}: with a Value exponent the base must be positive "
                     "(the gradient needs log(base)), got base " + show(c))
    return c**x


def _exp(x: float) -> float:
    return math.exp(x)


def _log(x: float) -> float:
    if x <= 0.0:
        raise Domain(ValueError, "{where}: log is only defined for positive numbers",
                     _log_input)
    return math.log(x)


def _log_input(a: Any) -> str:
    from stepgrad.origins import log_input  # only when log already failed

    return log_input(a)


def _sigmoid(x: float) -> float:
    """1 / (1 + e**-x), computed so that no exp() overflows, however large |x| is."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _elu(x: float, k: float) -> float:
    # expm1(x) = e**x - 1 without the cancellation that loses small x (elu(-1e-10))
    return x if x > 0.0 else k * math.expm1(x)


def _sign(m: Math, x: Any) -> float:
    v = m.data(x)
    return 1.0 if v > 0.0 else (-1.0 if v < 0.0 else 0.0)


def _pick(a: float, b: float, larger: bool) -> tuple[float, float]:
    """max or min of the numbers a, b: local gradient 1 for the winner, 0 for the other, 0.5
    each on a tie (as torch.maximum; it is also what a central finite difference measures)."""
    if a == b:
        return (0.5, 0.5)
    return (1.0, 0.0) if (a > b) == larger else (0.0, 1.0)


_TOO_LARGE = "{where} is too large for a float"
_POWER_TOO_LARGE = "{where} (or its gradient) is too large for a float"


# ----- the table: one entry per primitive, its forward rule next to its derivative ------------
# (m: the math namespace; x, y: inputs; c: the constant; out: the result)

ADD = _op("add", operator.add, lambda m, x, y, out: (1.0, 1.0),
          kind=BINARY, shown="+", formula="{x} + {y}")
ADD_C = _op("add_c", lambda x, c: x + c, lambda m, x, c, out: (1.0,),
            kind=CONSTANT, shown="+ {c}", formula="{x} + {c}", what="+")
RADD_C = _op("radd_c", lambda x, c: c + x, lambda m, x, c, out: (1.0,),
             kind=CONSTANT, shown="{c} +", formula="{c} + {x}", what="+")
SUB = _op("sub", operator.sub, lambda m, x, y, out: (1.0, -1.0),
          kind=BINARY, shown="-", formula="{x} - {y}")
SUB_C = _op("sub_c", lambda x, c: x - c, lambda m, x, c, out: (1.0,),
            kind=CONSTANT, shown="- {c}", formula="{x} - {c}", what="-")
RSUB_C = _op("rsub_c", lambda x, c: c - x, lambda m, x, c, out: (-1.0,),
             kind=CONSTANT, shown="{c} -", formula="{c} - {x}", what="-")
NEG = _op("neg", operator.neg, lambda m, x, out: (-1.0,), shown="-", formula="-{x}")
MUL = _op("mul", operator.mul, lambda m, x, y, out: (y, x),  # each gets the *other* input
          kind=BINARY, shown="*", formula="{x} * {y}")
MUL_C = _op("mul_c", lambda x, c: x * c, lambda m, x, c, out: (c,),
            kind=CONSTANT, shown="* {c}", formula="{x} * {c}", what="*")
RMUL_C = _op("rmul_c", lambda x, c: c * x, lambda m, x, c, out: (c,),
             kind=CONSTANT, shown="{c} *", formula="{c} * {x}", what="*")
DIV = _op("div", _div, lambda m, x, y, out: (1.0 / y, -out / y),
          kind=BINARY, shown="/", formula="{x} / {y}", where=_division)
DIV_C = _op("div_c", _div_c, lambda m, x, c, out: (1.0 / c,),
            kind=CONSTANT, shown="/ {c}", formula="{x} / {c}", what="/", where=_division)
RDIV_C = _op("rdiv_c", _rdiv_c, lambda m, x, c, out: (-out / x,),
             kind=CONSTANT, shown="{c} /", formula="{c} / {x}", what="/",
             where=lambda a, c: _division(c, a))
POW_C = _op("pow_c", _pow_c, _pow_c_grads,
            kind=CONSTANT, shown="** {c}", formula="{x} ** {c}", what="**",
            too_large=_POWER_TOO_LARGE)
POW = _op("pow", _pow, lambda m, x, y, out: (_power_slope(m, x, y), out * m.log(x)),
          kind=BINARY, shown="**", formula="{x} ** {y}", too_large=_POWER_TOO_LARGE)
RPOW_C = _op("rpow_c", _rpow_c, lambda m, x, c, out: (out * math.log(c),),
             kind=CONSTANT, shown="{c} **", formula="{c} ** {x}", what="**",
             too_large=_TOO_LARGE)
EXP = _op("exp", _exp, lambda m, x, out: (out,),
          too_large=_TOO_LARGE)
LOG = _op("log", _log, lambda m, x, out: (1.0 / x,))
TANH = _op("tanh", math.tanh, lambda m, x, out: (1.0 - out * out,))
SIGMOID = _op("sigmoid", _sigmoid, lambda m, x, out: (out * (1.0 - out),))
RELU = _op("relu", lambda x: x if x > 0.0 else 0.0,
           lambda m, x, out: (1.0,) if m.data(x) > 0.0 else (0.0,))
LEAKY_RELU = _op("leaky_relu", lambda x, k: x if x > 0.0 else k * x,
                 lambda m, x, k, out: (1.0,) if m.data(x) > 0.0 else (k,),
                 kind=CONSTANT, shown="leaky_relu", formula="leaky_relu({x})",
                 what="leaky_relu(slope)")
ELU = _op("elu", _elu, lambda m, x, k, out: (1.0,) if m.data(x) > 0.0 else (k * m.exp(x),),
          kind=CONSTANT, shown="elu", formula="elu({x})", what="elu(alpha)")
ABS = _op("abs", abs, lambda m, x, out: (_sign(m, x),))
MAX = _op("max", lambda x, y: x if x >= y else y,
          lambda m, x, y, out: _pick(m.data(x), m.data(y), larger=True), kind=BINARY)
MAX_C = _op("max_c", lambda x, c: x if x >= c else c,
            lambda m, x, c, out: _pick(m.data(x), c, larger=True)[:1],
            kind=CONSTANT, shown="max {c}", formula="max({x}, {c})", what="max")
MIN = _op("min", lambda x, y: x if x <= y else y,
          lambda m, x, y, out: _pick(m.data(x), m.data(y), larger=False), kind=BINARY)
MIN_C = _op("min_c", lambda x, c: x if x <= c else c,
            lambda m, x, c, out: _pick(m.data(x), c, larger=False)[:1],
            kind=CONSTANT, shown="min {c}", formula="min({x}, {c})", what="min")

def recorded(name: str, inputs: int) -> Op:
    """An entry for a node made by hand, `Value(data, "", inputs, local_grads, name)`: it has
    the numbers it was given but no rules, so its gradient has no graph of its own. Any name
    goes, as typed (even "" or one with braces)."""
    entry = Op("recorded", None, None, kind=BINARY if inputs == 2 else UNARY)
    entry.name = entry.shown = entry.what = name
    entry.formula_text = _literal(name) + ("({x}, {y})" if inputs == 2 else "({x})")
    return entry

