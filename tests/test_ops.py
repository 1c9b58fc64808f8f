"""Every operation: its value against an independent formula, its gradient against central
finite differences (at several points, negative ones included), and at the kinks the
documented convention, which must lie between the left and right one-sided slopes."""

from __future__ import annotations

import math

import pytest
from graphs import micrograd_readme_graph

from stepgrad import Value, gradcheck
from stepgrad.backward import topological_order

POINTS = [-2.5, -1.3, -0.4, 0.3, 0.7, 1.9, 3.2]
POSITIVE = [p for p in POINTS if p > 0]
NONZERO = POINTS

# (name, engine function of one Value, the same function on floats, points)
UNARY = [
    ("-x", lambda x: -x, lambda x: -x, POINTS),
    ("+x", lambda x: +x, lambda x: x, POINTS),
    ("x + 3", lambda x: x + 3, lambda x: x + 3, POINTS),
    ("3 + x", lambda x: 3 + x, lambda x: 3 + x, POINTS),
    ("x - 3", lambda x: x - 3, lambda x: x - 3, POINTS),
    ("3 - x", lambda x: 3 - x, lambda x: 3 - x, POINTS),
    ("x * -2.5", lambda x: x * -2.5, lambda x: x * -2.5, POINTS),
    ("-2.5 * x", lambda x: -2.5 * x, lambda x: -2.5 * x, POINTS),
    ("x / 4", lambda x: x / 4, lambda x: x / 4, POINTS),
    ("x / -0.5", lambda x: x / -0.5, lambda x: x / -0.5, POINTS),
    ("4 / x", lambda x: 4 / x, lambda x: 4 / x, NONZERO),
    ("-3 / x", lambda x: -3 / x, lambda x: -3 / x, NONZERO),
    ("x ** 2", lambda x: x**2, lambda x: x * x, POINTS),
    ("x ** 3", lambda x: x**3, lambda x: x * x * x, POINTS),
    ("x ** -1", lambda x: x**-1, lambda x: 1 / x, NONZERO),
    ("x ** -2", lambda x: x**-2, lambda x: 1 / (x * x), NONZERO),
    ("x ** 0.5", lambda x: x**0.5, math.sqrt, POSITIVE),
    ("x ** 1.5", lambda x: x**1.5, lambda x: x * math.sqrt(x), POSITIVE),
    ("x ** -0.5", lambda x: x**-0.5, lambda x: 1 / math.sqrt(x), POSITIVE),
    ("x ** 0", lambda x: x**0, lambda x: 1.0, POINTS),
    ("2 ** x", lambda x: 2**x, lambda x: math.exp(x * math.log(2)), POINTS),
    ("0.5 ** x", lambda x: 0.5**x, lambda x: math.exp(-x * math.log(2)), POINTS),
    ("exp", Value.exp, math.exp, POINTS),
    ("log", Value.log, math.log, POSITIVE),
    ("tanh", Value.tanh, lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1), POINTS),
    ("sigmoid", Value.sigmoid, lambda x: 1 / (1 + math.exp(-x)), POINTS),
    ("relu", Value.relu, lambda x: x if x > 0 else 0.0, POINTS),
    ("leaky_relu", Value.leaky_relu, lambda x: x if x > 0 else 0.01 * x, POINTS),
    ("leaky_relu(0.2)", lambda x: x.leaky_relu(0.2), lambda x: x if x > 0 else 0.2 * x, POINTS),
    ("elu", Value.elu, lambda x: x if x > 0 else math.exp(x) - 1, POINTS),
    ("elu(0.5)", lambda x: x.elu(0.5), lambda x: x if x > 0 else 0.5 * (math.exp(x) - 1),
     POINTS),
    ("abs(x)", abs, lambda x: x if x > 0 else -x, POINTS),
    ("x.abs()", Value.abs, lambda x: x if x > 0 else -x, POINTS),
    ("max(x, 0.5)", lambda x: x.max(0.5), lambda x: x if x > 0.5 else 0.5, POINTS),
    ("min(x, 0.5)", lambda x: x.min(0.5), lambda x: x if x < 0.5 else 0.5, POINTS),
]

BINARY = [
    ("x + y", lambda x, y: x + y, lambda x, y: x + y, lambda x, y: True),
    ("x - y", lambda x, y: x - y, lambda x, y: x - y, lambda x, y: True),
    ("x * y", lambda x, y: x * y, lambda x, y: x * y, lambda x, y: True),
    ("x / y", lambda x, y: x / y, lambda x, y: x / y, lambda x, y: y != 0),
    ("x ** y", lambda x, y: x**y, lambda x, y: math.exp(y * math.log(x)), lambda x, y: x > 0),
    ("max", lambda x, y: x.max(y), lambda x, y: x if x > y else y, lambda x, y: x != y),
    ("min", lambda x, y: x.min(y), lambda x, y: x if x < y else y, lambda x, y: x != y),
]
PAIRS = [(x, y) for x in POINTS for y in (-1.7, -0.2, 0.6, 2.4)]


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("name, op, ref, points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_value_and_gradient(name, op, ref, points):
    for x in points:
        out = op(Value(x))
        assert close(out.data, ref(x)), f"{name} at {x}: {out.data} != {ref(x)}"
        check = gradcheck(op, x)
        assert check.ok, f"{name}:\n{check}"


@pytest.mark.parametrize("name, op, ref, ok", BINARY, ids=[b[0] for b in BINARY])
def test_binary_value_and_gradient(name, op, ref, ok):
    tried = 0
    for x, y in PAIRS:
        if not ok(x, y):
            continue
        tried += 1
        out = op(Value(x), Value(y))
        assert close(out.data, ref(x, y)), f"{name} at {x}, {y}"
        check = gradcheck(op, x, y)
        assert check.ok, f"{name}:\n{check}"
    assert tried >= 10


@pytest.mark.parametrize(
    "name, op",
    [
        ("x * x", lambda x: x * x),
        ("x + x", lambda x: x + x),
        ("x - x", lambda x: x - x),
        ("x / (x*x + 1)", lambda x: x / (x * x + 1)),
        ("(x*x + 1) ** x", lambda x: (x * x + 1) ** x),
        ("max(x, x)", lambda x: x.max(x)),  # a tie with itself: 0.5 + 0.5 = 1, the true slope
        ("min(x, -x)", lambda x: x.min(-x)),
    ],
)
def test_one_value_used_twice_in_an_operation(name, op):
    for x in POINTS:
        check = gradcheck(op, x)
        assert check.ok, f"{name}:\n{check}"


def one_sided(f, x: float, h: float = 1e-7) -> tuple[float, float]:
    """The left and right difference quotients of a float function at x."""
    return (f(x) - f(x - h)) / h, (f(x + h) - f(x)) / h


# (name, engine function, the convention for the slope at the kink x = 0)
KINKS = [
    ("relu", Value.relu, 0.0),
    ("abs", abs, 0.0),
    ("leaky_relu", Value.leaky_relu, 0.01),
    ("leaky_relu(0.3)", lambda x: x.leaky_relu(0.3), 0.3),
    ("leaky_relu(-0.5)", lambda x: x.leaky_relu(-0.5), -0.5),
    ("elu", Value.elu, 1.0),
    ("elu(0.5)", lambda x: x.elu(0.5), 0.5),
    ("elu(2.0)", lambda x: x.elu(2.0), 2.0),
    ("max(x, 0)", lambda x: x.max(0.0), 0.5),
    ("min(x, 0)", lambda x: x.min(0.0), 0.5),
]


@pytest.mark.parametrize("name, op, convention", KINKS, ids=[k[0] for k in KINKS])
def test_kink_at_zero_follows_pytorch_and_lies_between_one_sided_slopes(name, op, convention):
    x = Value(0.0)
    out = op(x)
    out.backward()
    assert x.grad == convention
    left, right = one_sided(lambda t: op(Value(t)).data, 0.0)
    low, high = min(left, right), max(left, right)
    assert low - 1e-6 <= x.grad <= high + 1e-6, (left, x.grad, right)
    if name != "elu":  # elu with alpha = 1 is smooth at 0; every other case is a real kink
        assert high - low > 0.1


@pytest.mark.parametrize("which", ["max", "min"])
@pytest.mark.parametrize("tie", [-1.5, 0.0, 2.0])
def test_max_min_tie_splits_the_gradient_half_each(which, tie):
    a, b = Value(tie), Value(tie)
    out = getattr(a, which)(b)
    assert out.data == tie
    out.backward()
    assert (a.grad, b.grad) == (0.5, 0.5)
    for var in (0, 1):  # 0.5 lies between the one-sided slopes with respect to each input

        def f(t, var=var):
            args = [Value(tie), Value(tie)]
            args[var] = Value(t)
            return getattr(args[0], which)(args[1]).data

        left, right = one_sided(f, tie)
        assert min(left, right) - 1e-6 <= 0.5 <= max(left, right) + 1e-6
        assert {round(left, 6), round(right, 6)} == {0.0, 1.0}


@pytest.mark.parametrize("which", ["max", "min"])
def test_max_min_route_the_whole_gradient_to_the_winner(which):
    a, b = Value(1.0), Value(3.0)
    out = getattr(a, which)(b)
    out.backward(grad=2.0)
    winner, loser = (b, a) if which == "max" else (a, b)
    assert out.data == winner.data
    assert (winner.grad, loser.grad) == (2.0, 0.0)


@pytest.mark.parametrize("x", [1000.0, -1000.0, 800.0, -800.0, 1e300, -1e300])
def test_sigmoid_and_tanh_saturate_without_overflow(x):
    s = Value(x)
    out = s.sigmoid()
    assert out.data == (1.0 if x > 0 else 0.0)
    out.backward()
    assert s.grad == 0.0
    t = Value(x)
    th = t.tanh()
    assert th.data == (1.0 if x > 0 else -1.0)
    th.backward()
    assert t.grad == 0.0


def test_sigmoid_is_symmetric_and_accurate_for_large_negative_inputs():
    for x in [0.0, 0.5, 3.0, 20.0, 36.0]:
        assert close(Value(-x).sigmoid().data, 1.0 - Value(x).sigmoid().data)
    assert Value(0.0).sigmoid().data == 0.5
    # far in the negative tail sigmoid(x) ~ e**x: tiny but not rounded to 0
    assert close(Value(-40.0).sigmoid().data, math.exp(-40.0), 1e-15)
    assert Value(-700.0).sigmoid().data > 0.0


def test_constants_are_not_nodes():
    a = Value(3.0, label="a")
    cases = [
        (a * 2, "* 2", (2.0,)),
        (2 * a, "2 *", (2.0,)),
        (a + 1.5, "+ 1.5", (1.0,)),
        (1.5 + a, "1.5 +", (1.0,)),
        (a - 1, "- 1", (1.0,)),
        (1 - a, "1 -", (-1.0,)),
        (a / 2, "/ 2", (0.5,)),
        (6 / a, "6 /", (-6 / 9,)),
        (a**2, "** 2", (6.0,)),
        (2**a, "2 **", (8 * math.log(2),)),
        (-a, "-", (-1.0,)),
    ]
    for out, op, local in cases:
        assert out.inputs == (a,), op
        assert out.op == op
        assert out.local_grads == pytest.approx(local, rel=1e-15), op


def test_binary_ops_record_both_inputs_and_their_local_gradients():
    a, b = Value(3.0), Value(4.0)
    assert (a + b).op == "+" and (a + b).local_grads == (1.0, 1.0)
    assert (a - b).op == "-" and (a - b).local_grads == (1.0, -1.0)
    assert (a * b).op == "*" and (a * b).local_grads == (4.0, 3.0)  # each gets the other
    assert (a / b).op == "/" and (a / b).local_grads == (0.25, -3.0 / 16.0)
    p = a**b
    assert p.op == "**" and p.inputs == (a, b)
    assert p.local_grads == pytest.approx((4 * 27.0, 81 * math.log(3.0)), rel=1e-15)
    for out in (a + b, a - b, a * b, a / b, p, a.max(b), a.min(b)):
        assert out.inputs == (a, b)
    assert a.max(b).op == "max" and a.max(b).local_grads == (0.0, 1.0)
    assert a.min(b).op == "min" and a.min(b).local_grads == (1.0, 0.0)
    for name in ("exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "elu"):
        out = getattr(a, name)()
        assert out.op == name and out.inputs == (a,)
    assert abs(a).op == "abs"


def test_inputs_are_leaves():
    a = Value(1.0, label="a")
    assert a.inputs == () and a.local_grads == () and a.op == ""
    assert a.grad == 0.0 and not a.grad_computed


def test_micrograd_readme_example():
    g = micrograd_readme_graph()
    g.backward()
    inputs = {v.label: v for v in topological_order(g) if v.label}
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{inputs['a'].grad:.4f}" == "138.8338"
    assert f"{inputs['b'].grad:.4f}" == "645.5773"


def test_elu_is_accurate_just_below_zero():
    """elu(x) = alpha * (e**x - 1): for tiny negative x, e**x - 1 must not cancel to 0."""
    for x in (-1e-10, -1e-300):
        assert Value(x).elu().data == pytest.approx(math.expm1(x), rel=1e-15)
        assert Value(x).elu(2.0).data == pytest.approx(2 * math.expm1(x), rel=1e-15)


def test_max_and_min_with_a_number_make_one_node_with_one_input():
    from stepgrad.stepping import formula, node_names

    a = Value(3.0, label="a")
    for out, op, local in ((a.max(2), "max 2", (1.0,)), (a.min(2), "min 2", (0.0,)),
                           (a.max(3), "max 3", (0.5,))):
        assert out.inputs == (a,) and out.op == op and out.local_grads == local
        assert formula(out, node_names([a, out])) == f"{op[:3]}(a, {op[4:]})"
