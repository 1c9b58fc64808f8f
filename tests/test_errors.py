"""Bad input raises the stated error, and the message names the operation and the value."""

from __future__ import annotations

import math
import re

import pytest

from stepgrad import Value, no_grad

NOT_NUMBERS = [
    ("str", "x", r"str 'x'"),
    ("None", None, r"NoneType None"),
    ("complex", 1j, r"complex 1j"),
    ("list", [1.0], r"list \[1.0\]"),
    ("Value", Value(1.0), r"Value Value\(data=1\) \(use \.data"),
]
IDS = [n[0] for n in NOT_NUMBERS]


@pytest.mark.parametrize("kind, bad, shown", NOT_NUMBERS, ids=IDS)
def test_value_needs_a_real_number(kind, bad, shown):
    with pytest.raises(TypeError, match=rf"^Value\(\): expected a real number, got {shown}"):
        Value(bad)


BINARY = [
    ("+", lambda a, x: a + x, lambda a, x: x + a),
    ("-", lambda a, x: a - x, lambda a, x: x - a),
    ("*", lambda a, x: a * x, lambda a, x: x * a),
    ("/", lambda a, x: a / x, lambda a, x: x / a),
    ("**", lambda a, x: a**x, lambda a, x: x**a),
]


@pytest.mark.parametrize("kind, bad, shown", NOT_NUMBERS[:-1], ids=IDS[:-1])
@pytest.mark.parametrize("op, left, right", BINARY, ids=[b[0] for b in BINARY])
def test_binary_operations_need_numbers_on_either_side(op, left, right, kind, bad, shown):
    a = Value(2.0)
    message = rf"^{re.escape(op)}: expected a real number, got {shown}"
    for form in (left, right):
        with pytest.raises(TypeError, match=message):
            form(a, bad)


PARAMETERS = [
    ("max", lambda a, x: a.max(x)),
    ("min", lambda a, x: a.min(x)),
    (r"leaky_relu\(slope\)", lambda a, x: a.leaky_relu(x)),
    (r"elu\(alpha\)", lambda a, x: a.elu(x)),
]
PARAMETER_CASES = [
    pytest.param(name, call, *bad, id=f"{name[:5]}-{bad[0]}")
    for name, call in PARAMETERS
    for bad in NOT_NUMBERS
    if not (bad[0] == "Value" and name in ("max", "min"))  # max and min do take a Value
]


@pytest.mark.parametrize("name, call, kind, bad, shown", PARAMETER_CASES)
def test_parameters_must_be_numbers(name, call, kind, bad, shown):
    for x in (-1.0, 0.0, 2.0):  # on both sides of the kink
        with pytest.raises(TypeError, match=rf"^{name}: expected a real number, got {shown}"):
            call(Value(x), bad)


@pytest.mark.parametrize("x", [0.0, -0.0, -1.0, -1e-300])
def test_log_needs_a_positive_number(x):
    shown = f"{x + 0.0:.6g}"  # -0.0 is shown as 0
    with pytest.raises(ValueError, match=rf"^log\({shown}\): log is only defined for positive"):
        Value(x).log()


def test_division_by_zero_in_all_three_forms():
    a, zero = Value(3.0), Value(0.0)
    unlabelled = "the divisor is an unlabelled input"
    with pytest.raises(ZeroDivisionError, match=rf"^division by zero in 3 / 0: {unlabelled}$"):
        a / zero
    with pytest.raises(ZeroDivisionError, match=r"^division by zero in 3 / 0$"):
        a / 0
    with pytest.raises(ZeroDivisionError, match=r"^division by zero in 3 / 0$"):
        a / 0.0
    with pytest.raises(ZeroDivisionError, match=rf"^division by zero in 5 / 0: {unlabelled}$"):
        5 / zero


@pytest.mark.parametrize("n", [-1, -2, -0.5])
def test_zero_to_a_negative_power(n):
    with pytest.raises(ZeroDivisionError, match=rf"^0 \*\* {n}: zero cannot be raised to a neg"):
        Value(0.0) ** n


def test_zero_to_a_fractional_power_below_one_has_an_infinite_gradient():
    with pytest.raises(ValueError, match=r"^0 \*\* 0.5: the value is 0 but its gradient is inf"):
        Value(0.0) ** 0.5


@pytest.mark.parametrize("base, n", [(-2.0, 0.5), (-0.1, 1.5), (-8.0, 1 / 3)])
def test_negative_to_a_fractional_power(base, n):
    # the base in parentheses: -2 ** 0.5 would be -(2 ** 0.5) in Python
    with pytest.raises(ValueError, match=rf"^\({base:g}\) \*\* {n:.6g}: a negative number has no "):
        Value(base) ** n


def test_a_value_exponent_needs_a_positive_base():
    with pytest.raises(ValueError, match=r"^\(-2\) \*\* 3: with a Value exponent the base must "):
        Value(-2.0) ** Value(3.0)
    with pytest.raises(ValueError, match=r"^0 \*\* -1: with a Value exponent the base must be pos"):
        0 ** Value(-1.0)


@pytest.mark.parametrize("x", [710.0, 1000.0, 1e300])
def test_exp_overflow(x):
    with pytest.raises(OverflowError, match="^" + re.escape(f"exp({x:.6g}) is too large")):
        Value(x).exp()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Value(1e200) * Value(1e200), r"^'\*' on 1e\+200, 1e\+200 gave inf"),
        (lambda: Value(1e200) * 1e200, r"^'\* 1e\+200' on 1e\+200 gave inf"),
        (lambda: Value(1.5e308) + Value(1.5e308), r"^'\+' on 1\.5e\+308, 1\.5e\+308 gave inf"),
        (lambda: Value(-1.5e308) - 1.5e308, r"^'- 1\.5e\+308' on -1\.5e\+308 gave -inf"),
        (lambda: Value(1e300) / 1e-300, r"^'/ 1e-300' on 1e\+300 gave inf"),
        (lambda: Value(10.0) ** 400, r"^10 \*\* 400 \(or its gradient\) is too large"),
        (lambda: 10 ** Value(400.0), r"^10 \*\* 400 is too large"),
    ],
    ids=["mul", "mul-const", "add", "sub-const", "div-const", "pow", "rpow"],
)
def test_results_that_overflow_raise(make, message):
    with pytest.raises(OverflowError, match=message):
        make()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Value(1.0) / Value(1e-200), r"^'/' on 1, 1e-200 gave 1e\+200, but its gradient"),
        (lambda: 1 / Value(1e-200), r"^'1 /' on 1e-200 gave 1e\+200, but its gradient"),
        (lambda: Value(1e-300) ** -1, r"^1e-300 \*\* -1 \(or its gradient\) is too large"),
        (lambda: Value(5e-324).log(), r"^'log' on 4\.94066e-324 gave -744\.44, but its gradient"),
        (lambda: 10 ** Value(308.0), r"^'10 \*\*' on 308 gave 1e\+308, but its gradient"),
    ],
    ids=["div", "rdiv", "pow", "log", "rpow"],
)
def test_a_finite_result_with_an_infinite_gradient_raises(make, message):
    with pytest.raises(OverflowError, match=message):
        make()


def test_without_a_graph_only_the_value_must_be_finite():
    with no_grad():
        assert (Value(1.0) / Value(1e-200)).data == 1e200


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_value_must_be_finite(x):
    with pytest.raises(ValueError, match=rf"^Value\(\): got {x}, but a Value must hold a finite"):
        Value(x)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    "name, call",
    [
        (r"\+", lambda a, x: a + x),
        (r"\*", lambda a, x: x * a),
        ("max", lambda a, x: a.max(x)),
        (r"elu\(alpha\)", lambda a, x: a.elu(x)),
        (r"backward\(grad\)", lambda a, x: a.backward(x)),
    ],
    ids=["add", "rmul", "max", "elu", "backward"],
)
def test_constants_must_be_finite(name, call, x):
    with pytest.raises(ValueError, match=rf"^{name}: got {x}, but only finite numbers"):
        call(Value(-1.0), x)


def test_huge_integers_are_reported_not_converted_to_garbage():
    with pytest.raises(OverflowError, match=r"^Value\(\): an integer with 401 digits is too large"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"^\*: an integer with 401 digits"):
        Value(1.0) * 10**400


@pytest.mark.parametrize("kind, bad, shown", NOT_NUMBERS, ids=IDS)
def test_backward_seed_must_be_a_number(kind, bad, shown):
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=rf"^backward\(grad\): expected a real number, got {shown}"):
        y.backward(grad=bad)
    with pytest.raises(TypeError, match=r"^backward_steps\(grad\): expected a real number, got"):
        y.backward_steps(bad)


def test_setting_grad_needs_a_number():
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"^setting \.grad: expected a real number, got str 'x'"):
        v.grad = "x"


@pytest.mark.parametrize("parents, local", [(3, 3), (2, 1), (1, 2)])
def test_a_hand_made_node_needs_one_or_two_inputs_each_with_a_local_gradient(parents, local):
    xs = tuple(Value(float(k)) for k in range(parents))
    inputs = "1 input" if parents == 1 else f"{parents} inputs"
    gradients = "1 local gradient" if local == 1 else f"{local} local gradients"
    with pytest.raises(ValueError, match=rf"^'sum3': an operation takes one or two inputs, .*"
                                         rf"got {inputs} and {gradients}$"):
        Value(1.0, "", xs, (1.0,) * local, "sum3")


def test_a_gradient_too_large_for_a_float_raises_in_backward_and_in_stepping():
    def graph():
        a, small = Value(1e300, label="a"), Value(1e-300)
        return a * small, small  # d(out)/d(small) = 1e300; seeded with 1e300 it is inf

    out, small = graph()
    with pytest.raises(OverflowError, match=r"^backward: the gradient of an unlabelled input "
                                            r"\(data 1e-300\) became inf, too large"):
        out.backward(1e300)
    out, small = graph()
    small.label = "small"
    with pytest.raises(OverflowError, match=r"gradient of 'small' \(data 1e-300\) became inf"):
        out.backward_steps(1e300).run()
    y = Value(-1.0).relu()  # an intermediate value, reached by an upstream gradient of inf
    message = r"gradient of the result of 'relu' \(data 0\) became inf"
    with pytest.raises(OverflowError, match=message):
        (y * Value(1e300)).backward(1e300)
