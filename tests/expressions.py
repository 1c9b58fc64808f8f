"""Random expressions over a few inputs, for the property tests (Hypothesis).

An expression is a small tree of tuples, e.g. ("mul", ("x", 0), ("tanh", ("x", 1))). The same
tree can be evaluated with stepgrad Values or with torch tensors (`evaluate` takes a table of
functions), so one strategy feeds the finite-difference check, the PyTorch comparison and the
stepping check. Domain errors are avoided by construction: log, division, fractional and
negative powers, and a Value exponent's base only ever see `pos(e) = e*e + 0.5 >= 0.5`; a
number ** Value has a positive base. Only overflow can still happen (exp of a large number);
`run_values` reports that as None so the test can discard the example.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from stepgrad import Value

N_INPUTS = 3

UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "relu", "abs"]
WITH_CONSTANT = ["add_c", "radd_c", "sub_c", "rsub_c", "mul_c", "rmul_c", "div_c", "rdiv_c"]
BINARY = ["add", "sub", "mul", "div", "powv", "max", "min"]
KINKED = {"relu", "abs", "leaky_relu", "elu", "max", "min"}

CONSTANTS = [-2.0, -0.5, 0.5, 1.5, 3.0]
EXPONENTS = [0, 2, 3, -1, 0.5, -1.5, 2.5]
BASES = [0.5, 2.0, 3.0]
SLOPES = [0.01, 0.2, -0.3]
ALPHAS = [1.0, 0.5, 2.0]


ALL_OPS = UNARY + WITH_CONSTANT + BINARY + ["pow_c", "rpow_c", "leaky_relu", "elu"]
PARAMETERS = {"pow_c": EXPONENTS, "rpow_c": BASES, "leaky_relu": SLOPES, "elu": ALPHAS}


@st.composite
def expression_trees(draw: st.DrawFn, depth: int = 4, top: bool = False) -> tuple:
    """A random expression tree, at most `depth` operations deep (shrinks towards an input).

    With `top`, the tree is at least one operation (never a bare input)."""
    if depth == 0 or (not top and draw(st.integers(0, 4)) == 0):
        return ("x", draw(st.integers(0, N_INPUTS - 1)))
    op = draw(st.sampled_from(ALL_OPS))
    if op in BINARY:
        return (op, draw(expression_trees(depth - 1)), draw(expression_trees(depth - 1)))
    if op in UNARY:
        return (op, draw(expression_trees(depth - 1)))
    constant = draw(st.sampled_from(PARAMETERS.get(op, CONSTANTS)))
    return (op, constant, draw(expression_trees(depth - 1)))


expressions = expression_trees(top=True)
# Inputs: any number in [-2, 2], or one of a few round numbers that hit kinks and ties exactly.
points = st.one_of(
    st.floats(-2.0, 2.0, allow_nan=False),
    st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]),
)
input_lists = st.lists(points, min_size=N_INPUTS, max_size=N_INPUTS)


def pos(e: Any) -> Any:
    """e*e + 0.5: a positive argument for log, division and fractional powers."""
    return e * e + 0.5


def evaluate(expr: tuple, xs: list, fns: dict[str, Callable], kinks: list | None = None) -> Any:
    """Evaluate `expr` on the inputs `xs` (Values or tensors) with the functions in `fns`.

    `fns` maps exp, log, tanh, sigmoid, relu, abs, leaky_relu, elu, max, min and number (a
    backend value as a float) to the backend's version. When `kinks` is a list, each kinked
    operation appends how far its argument is from the kink (for max/min: a - b).
    """
    op = expr[0]
    if op == "x":
        return xs[expr[1]]
    if op in BINARY:
        a, b = evaluate(expr[1], xs, fns, kinks), evaluate(expr[2], xs, fns, kinks)
        if op in ("max", "min") and kinks is not None:
            kinks.append(fns["number"](a) - fns["number"](b))
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        if op == "mul":
            return a * b
        if op == "div":
            return a / pos(b)
        if op == "powv":
            return pos(a) ** b
        return fns[op](a, b)
    if op in UNARY:
        a = evaluate(expr[1], xs, fns, kinks)
        if op in KINKED and kinks is not None:
            kinks.append(fns["number"](a))
        if op == "neg":
            return -a
        if op == "log":
            return fns["log"](pos(a))
        return fns[op](a)
    c, a = expr[1], evaluate(expr[2], xs, fns, kinks)
    if op in KINKED and kinks is not None:
        kinks.append(fns["number"](a))
    return {
        "add_c": lambda: a + c,
        "radd_c": lambda: c + a,
        "sub_c": lambda: a - c,
        "rsub_c": lambda: c - a,
        "mul_c": lambda: a * c,
        "rmul_c": lambda: c * a,
        "div_c": lambda: a / c,
        "rdiv_c": lambda: c / pos(a),
        "pow_c": lambda: (a**c if c in (0, 2, 3) else pos(a) ** c),
        "rpow_c": lambda: c**a,
        "leaky_relu": lambda: fns["leaky_relu"](a, c),
        "elu": lambda: fns["elu"](a, c),
    }[op]()


VALUE_FNS: dict[str, Callable] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "abs": abs,
    "leaky_relu": Value.leaky_relu,
    "elu": Value.elu,
    "max": Value.max,
    "min": Value.min,
    "number": lambda v: v.data,
}


def show(expr: tuple) -> str:
    """The expression as text, for failure messages."""
    if expr[0] == "x":
        return f"x{expr[1]}"
    return f"{expr[0]}({', '.join(show(e) if isinstance(e, tuple) else repr(e) for e in expr[1:])})"


def run_values(expr: tuple, xs: list[float], kinks: list | None = None):
    """(output, leaves) for the expression built with Values, or None if it overflows."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    try:
        return evaluate(expr, leaves, VALUE_FNS, kinks), leaves
    except OverflowError:
        return None


def as_function(expr: tuple) -> Callable[..., Value]:
    """The expression as a function of N_INPUTS Values (for gradcheck)."""
    return lambda *leaves: evaluate(expr, list(leaves), VALUE_FNS)

