"""Errors in a learner's own `Op`: a rule that raises, gives nan or returns something that is
not a number comes out as one short error naming the operation, its inputs (with labels) and
the rule (forward or grads), with the rule's own error as its cause; a grads rule written with
the math module says to use `m.exp` when create_graph=True gives it Values. Good custom
operations still pass gradcheck at orders 1 and 2."""

from __future__ import annotations

import math
import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Op, Value, grad, gradcheck
from stepgrad.ops import TABLE, Domain, is_builtin, show

# ----- operations a learner writes: some with mistakes --------------------------------------

MYLOG = Op("mylog", forward=lambda x: math.log(x), grads=lambda m, x, out: (1 / x,))
MYSQRT = Op("mysqrt", forward=math.sqrt, grads=lambda m, x, out: (0.5 / out,))
RECIP = Op("recip", forward=lambda x: 1 / x, grads=lambda m, x, out: (-out * out,))
CUBE = Op("cube", forward=lambda x: x**3, grads=lambda m, x, out: (3 * x * x,))
MYDIV = Op("mydiv", forward=lambda x, y: x / y, kind="binary",
           grads=lambda m, x, y, out: (1 / y, -out / y))
ROOT = Op("root", forward=lambda x, n: x ** (1 / n), kind="constant",  # complex for x < 0
          grads=lambda m, x, n, out: (out / (n * x),))
# written with the math module: right on floats, fails on Values (create_graph=True)
SOFTPLUS_MATH = Op("softplus", forward=lambda x: math.log1p(math.exp(x)),
                   grads=lambda m, x, out: (1 / (1 + math.exp(-x)),))
# the same rule written with m.exp, as the README says: works on both
SOFTPLUS = Op("softplus", forward=lambda x: math.log1p(math.exp(x)),
              grads=lambda m, x, out: (1 - m.exp(-out),))


def raised(make) -> Exception:
    with pytest.raises(Exception) as info:
        make()
    return info.value


def check(error: Exception, kind: type, message: str, cause: type | None) -> None:
    assert type(error) is kind, f"{type(error).__name__}: {error}"
    assert str(error) == message
    if cause is None:
        assert error.__cause__ is None
    else:
        assert type(error.__cause__) is cause


# ----- a rule that raises ---------------------------------------------------------------------

@pytest.mark.parametrize("make, kind, message, cause", [
    (lambda: MYLOG(Value(-1.0)), ValueError,
     "mylog(-1): the forward rule of Op 'mylog' raised ValueError: math domain error",
     ValueError),
    (lambda: MYLOG(Value(-1.0, label="p")), ValueError,
     "mylog(p) with p = -1: the forward rule of Op 'mylog' raised ValueError: math domain error",
     ValueError),
    (lambda: RECIP(Value(0.0, label="w")), ZeroDivisionError,
     "recip(w) with w = 0: the forward rule of Op 'recip' raised ZeroDivisionError: float "
     "division by zero", ZeroDivisionError),
    (lambda: MYDIV(Value(1.0, label="a"), Value(0.0, label="b")), ZeroDivisionError,
     "mydiv(a, b) with a = 1, b = 0: the forward rule of Op 'mydiv' raised ZeroDivisionError: "
     "float division by zero", ZeroDivisionError),
    (lambda: CUBE(Value(1e200)), OverflowError,
     "cube(1e+200): the forward rule of Op 'cube' raised OverflowError (a number too large for "
     "a float): (34, 'Numerical result out of range')", OverflowError),
    (lambda: MYSQRT(Value(0.0, label="s")), ZeroDivisionError,
     "mysqrt(s) with s = 0: the gradient rule (grads) of Op 'mysqrt' raised ZeroDivisionError: "
     "float division by zero", ZeroDivisionError),
    (lambda: Op("big", forward=lambda x: x, grads=lambda m, x, out: (10.0 ** (x * 400),))(
        Value(1.0)), OverflowError,
     "big(1): the gradient rule (grads) of Op 'big' raised OverflowError (a number too large for "
     "a float): (34, 'Numerical result out of range')", OverflowError),
])
def test_a_rule_that_raises_names_the_op_its_inputs_and_the_rule(make, kind, message, cause):
    check(raised(make), kind, message, cause)


def test_the_cause_is_the_rules_own_error_with_the_line_of_the_rule():
    def forward(x: float) -> float:
        return {1.0: 2.0}[x]  # a KeyError for any other x

    lookup = Op("lookup", forward=forward, grads=lambda m, x, out: (0.0,))
    error = raised(lambda: lookup(Value(3.0)))
    # the type is kept where it means something, here the nearest built-in one, LookupError
    check(error, LookupError,
          "lookup(3): the forward rule of Op 'lookup' raised KeyError: 3.0", KeyError)
    frames = []
    tb = error.__cause__.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code)
        tb = tb.tb_next
    assert forward.__code__ in frames  # the traceback still shows the learner's line


def test_an_error_class_of_the_learners_own_keeps_its_nearest_built_in_type():
    class Negative(ValueError):
        pass

    class Odd(Exception):
        pass

    def forward(x: float) -> float:
        if x < 0:
            raise Negative("x must not be negative")
        raise Odd()

    op = Op("picky", forward=forward, grads=lambda m, x, out: (1.0,))
    check(raised(lambda: op(Value(-2.0))), ValueError,
          "picky(-2): the forward rule of Op 'picky' raised Negative: x must not be negative",
          Negative)
    check(raised(lambda: op(Value(2.0))), RuntimeError,
          "picky(2): the forward rule of Op 'picky' raised Odd", Odd)


def test_a_constant_operation_names_its_constant():
    clip = Op("clip", forward=lambda x, c: min(x, c) / (c - x), kind="constant",
              grads=lambda m, x, c, out: (1.0,))
    check(raised(lambda: clip(Value(2.0, label="x"), 2)), ZeroDivisionError,
          "clip(x, 2) with x = 2: the forward rule of Op 'clip' raised ZeroDivisionError: float "
          "division by zero", ZeroDivisionError)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(max_value=0.0, allow_nan=False, allow_infinity=False),
       label=st.sampled_from(["", "p", "loss"]))
def test_mylog_outside_its_domain_anywhere(x, label):
    error = raised(lambda: MYLOG(Value(x, label=label)))
    where = f"mylog({label}) with {label} = {show(x)}" if label else f"mylog({show(x)})"
    check(error, ValueError,
          f"{where}: the forward rule of Op 'mylog' raised ValueError: math domain error",
          ValueError)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(0.01, 50.0), y=st.floats(0.01, 50.0))
def test_the_same_ops_inside_their_domain_give_the_right_numbers(x, y):
    a, b = Value(x), Value(y)
    assert MYLOG(a).data == math.log(x) and MYLOG(a).local_grads == (1 / x,)
    assert MYDIV(a, b).data == x / y
    assert MYDIV(a, b).local_grads == (1 / y, -(x / y) / y)


# ----- the common mistakes: a hint that says what to write instead ---------------------------

@settings(max_examples=40, deadline=None)
@given(x=st.floats(-20.0, 20.0))
def test_math_exp_in_a_grads_rule_works_on_floats_and_says_to_use_m_exp_on_values(x):
    v = Value(x, label="v")
    (g,) = grad(SOFTPLUS_MATH(v), v)  # order 1: the rule gets floats, math.exp is fine
    assert g.data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12)
    error = raised(lambda: grad(SOFTPLUS_MATH(v), v, create_graph=True))
    assert type(error) is TypeError and type(error.__cause__) is TypeError
    assert str(error).startswith(
        f"softplus(v) with v = {show(x)}: the gradient rule (grads) of Op 'softplus', run on "
        "Values for create_graph=True, raised TypeError: a plain number is needed here (float(), "
        f"math.exp(), ...), but got a Value ({show(-x)}). Write "
        "the rule with operators and m.exp, m.log (m, its first argument, works on floats and on "
        "Values), not with the math module")


def test_float_of_a_value_in_a_grads_rule_gets_the_same_hint():
    scaled = Op("scaled", forward=lambda x: 2 * x, grads=lambda m, x, out: (float(x) * 0 + 2,))
    v = Value(1.5)
    assert grad(scaled(v), v)[0].data == 2.0
    error = raised(lambda: grad(scaled(v) * v, v, create_graph=True))
    assert type(error) is TypeError
    assert re.match(r"^scaled\(1\.5\): the gradient rule \(grads\) of Op 'scaled', run on Values "
                    r"for create_graph=True, raised TypeError: a plain number is needed here "
                    r"\(float\(\), math\.exp\(\), \.\.\.\), but got a Value \(1\.5\)\. "
                    r"Write the rule with operators and m\.exp", str(error))


def test_dot_data_or_value_methods_on_a_float_say_what_works_on_floats():
    by_data = Op("step", forward=lambda x: float(x > 0),
                 grads=lambda m, x, out: (1.0 if x.data > 0 else 0.0,))
    check(raised(lambda: by_data(Value(1.0))), AttributeError,
          "step(1): the gradient rule (grads) of Op 'step' raised AttributeError: 'float' object "
          "has no attribute 'data'. The rule gets plain floats here (and Values for "
          "create_graph=True): use m.exp, m.log and m.data(x), which work on both",
          AttributeError)
    by_method = Op("th", forward=lambda x: x.tanh(), grads=lambda m, x, out: (1 - out * out,))
    check(raised(lambda: by_method(Value(1.0))), AttributeError,
          "th(1): the forward rule of Op 'th' raised AttributeError: 'float' object has no "
          "attribute 'tanh'. The forward rule gets plain floats: use the math module "
          "(math.exp(x), math.tanh(x))", AttributeError)


# ----- nan is never 'too large for a float' ----------------------------------------------------

NAN_MEANS = ("which usually means it computed something undefined there: inf - inf, 0 * inf, "
             "or a numpy function outside its domain, such as np.log(-1)")


def test_a_forward_rule_that_gives_nan_says_nan():
    nan = Op("q", forward=lambda x: math.nan, grads=lambda m, x, out: (1.0,))
    check(raised(lambda: nan(Value(1.0))), ValueError,
          f"q(1): the forward rule of Op 'q' gave nan (not a number), {NAN_MEANS}", None)
    undefined = Op("u", forward=lambda x: x * math.inf - math.inf, grads=lambda m, x, out: (1.0,))
    check(raised(lambda: undefined(Value(1.0, label="t"))), ValueError,
          f"u(t) with t = 1: the forward rule of Op 'u' gave nan (not a number), {NAN_MEANS}",
          None)


def test_numpy_nan_from_a_forward_rule_says_nan():
    np = pytest.importorskip("numpy")
    nplog = Op("nplog", forward=lambda x: np.log(x), grads=lambda m, x, out: (1 / x,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own "invalid value" warning
        check(raised(lambda: nplog(Value(-1.0))), ValueError,
              f"nplog(-1): the forward rule of Op 'nplog' gave nan (not a number), {NAN_MEANS}",
              None)
    assert nplog(Value(math.e)).data == pytest.approx(1.0, rel=1e-15)


def test_a_grads_rule_that_gives_nan_says_nan_and_which_input():
    nan = Op("q", forward=lambda x: x, grads=lambda m, x, out: (math.nan,))
    check(raised(lambda: nan(Value(1.0))), ValueError,
          f"q(1): the gradient rule (grads) of Op 'q' gave nan (not a number), {NAN_MEANS}", None)
    second = Op("q2", forward=lambda x, y: x + y, kind="binary",
                grads=lambda m, x, y, out: (1.0, math.inf - math.inf))
    check(raised(lambda: second(Value(1.0), Value(2.0))), ValueError,
          "q2(1, 2): the gradient rule (grads) of Op 'q2' gave nan (not a number) for its second "
          f"input, {NAN_MEANS}", None)


def test_an_infinite_result_or_gradient_is_still_too_large_for_a_float():
    inf = Op("big", forward=lambda x: math.inf, grads=lambda m, x, out: (1.0,))
    check(raised(lambda: inf(Value(1.0))), OverflowError,
          "'big' on 1 gave inf: the result is too large for a float", None)
    check(raised(lambda: RECIP(Value(1e-200))), OverflowError,
          "'recip' on 1e-200 gave 1e+200, but its gradient there is too large for a float", None)


def test_a_node_made_by_hand_that_holds_nan_says_nan():
    v = Value(0.5, label="v")
    check(raised(lambda: Value(math.nan, "", (v,), (1.0,), "sq")), ValueError,
          f"'sq' on v = 0.5 gave nan (not a number), {NAN_MEANS}", None)
    check(raised(lambda: Value(1.0, "", (v,), (math.nan,), "sq")), ValueError,
          f"'sq': local gradient 1 is nan (not a number), {NAN_MEANS}", None)


# ----- a rule that returns something that is not a number -------------------------------------

def test_a_rule_that_returns_a_value_or_a_complex_number_says_so():
    check(raised(lambda: ROOT(Value(-8.0, label="x"), 3)), TypeError,
          "root(x, 3) with x = -8: the forward rule of Op 'root' must return a number, but "
          "returned complex (1.0000000000000002+1.7320508075688772j)", None)
    assert ROOT(Value(8.0), 3).data == pytest.approx(2.0, rel=1e-15)
    wrapped = Op("w", forward=lambda x: Value(x), grads=lambda m, x, out: (1.0,))
    check(raised(lambda: wrapped(Value(1.0))), TypeError,
          "w(1): the forward rule of Op 'w' must return a number, but returned Value "
          "Value(data=1) (use .data to get the number out of a Value)", None)
    outside = Value(3.0)
    leaks = Op("leak", forward=lambda x: x, grads=lambda m, x, out: (outside,))
    check(raised(lambda: leaks(Value(1.0))), TypeError,
          "leak(1): the gradient rule (grads) of Op 'leak' must give one number per input, but "
          "gave Value Value(data=3) (use .data to get the number out of a Value)", None)
    huge = Op("huge", forward=lambda x: 10**400, grads=lambda m, x, out: (1.0,))
    check(raised(lambda: huge(Value(1.0))), OverflowError,
          "huge(1): the forward rule of Op 'huge' returned an integer with 401 digits, too large "
          "for a float", None)


def test_a_domain_error_and_a_too_large_message_of_the_op_are_used_as_they_are():
    def forward(x: float) -> float:
        if x < 0:
            raise Domain(ValueError, "{where}: needs x >= 0")
        return math.exp(x)

    op = Op("sqexp", forward=forward, grads=lambda m, x, out: (out,),
            too_large="{where} is too large for a float")
    check(raised(lambda: op(Value(-1.0, label="x"))), ValueError,
          "sqexp(x) with x = -1: needs x >= 0", None)

    def grads(m, x, out):
        if m.data(out) == 0.0:
            raise Domain(ValueError, "{where}: the slope of sqrt is infinite at 0")
        return (0.5 / out,)

    root = Op("root", forward=math.sqrt, grads=grads)
    check(raised(lambda: root(Value(0.0, label="x"))), ValueError,
          "root(x) with x = 0: the slope of sqrt is infinite at 0", Domain)
    v = Value(4.0, label="v")  # the same rule on Values (create_graph=True) works
    (g,) = grad(root(v), v, create_graph=True)
    assert g.data == 0.25 and grad(g, v)[0].data == pytest.approx(-1 / 32, rel=1e-15)
    error = raised(lambda: op(Value(1000.0)))
    check(error, OverflowError, "sqexp(1000) is too large for a float", OverflowError)


# ----- the engine's own entries are unchanged -------------------------------------------------

def test_built_in_entries_keep_their_own_messages_and_no_cause():
    assert all(is_builtin(entry) for entry in TABLE.values())
    assert not is_builtin(SOFTPLUS) and not is_builtin(Op("tanh", math.tanh, TABLE["tanh"].grads))
    for make, kind, message in [
        (lambda: Value(-1.0, label="p").log(), ValueError,
         "log(p) with p = -1: log is only defined for positive numbers"),
        (lambda: Value(1000.0).exp(), OverflowError, "exp(1000) is too large for a float"),
        (lambda: Value(1e200) * 1e200, OverflowError,
         "'* 1e+200' on 1e+200 gave inf: the result is too large for a float"),
        (lambda: Value(1e-320).log(), OverflowError,
         "'log' on 9.99989e-321 gave -736.827, but its gradient there is too large for a float"),
    ]:
        check(raised(make), kind, message, None)
    x = Value(5e-324, label="x")  # a ** (b - 1) overflows on Values, not on floats
    error = raised(lambda: grad(x ** 1e-300, x, create_graph=True))
    check(error, OverflowError,
          "x ** -1 with x = 4.94066e-324 (or its gradient) is too large for a float", None)


# ----- good custom operations: gradcheck at orders 1 and 2 ------------------------------------

HYPOT = Op("hypot", forward=math.hypot, kind="binary",
           grads=lambda m, x, y, out: (x / out, y / out))
SCALE = Op("scale", forward=lambda x, c: x * c, kind="constant",
           grads=lambda m, x, c, out: (c,))


def second_derivative(fn, x: float) -> tuple[float, float]:
    """fn''(x) from the engine (create_graph=True, then grad again) and by a central difference
    of the engine's first derivative."""
    def first(t: float, create_graph: bool = False) -> Value:
        v = Value(t)
        return grad(fn(v), v, create_graph=create_graph)[0], v

    d1, v = first(x, create_graph=True)
    (d2,) = grad(d1, v)
    h = 1e-5
    return d2.data, (first(x + h)[0].data - first(x - h)[0].data) / (2 * h)


@settings(max_examples=40, deadline=None)
@given(x=st.floats(-8.0, 8.0), y=st.floats(0.2, 5.0), c=st.floats(-3.0, 3.0))
def test_good_custom_operations_pass_gradcheck_at_orders_1_and_2(x, y, c):
    assert gradcheck(lambda a: SOFTPLUS(a), x).ok
    assert gradcheck(lambda a, b: HYPOT(a, b) * SCALE(a, c), x, y).ok
    assert gradcheck(lambda a: MYLOG(a * a + 1.0), x).ok
    # order 2: the derivative (a graph built by the same rules) against finite differences
    for fn in (SOFTPLUS, lambda a: HYPOT(a, Value(y)) * a, lambda a: MYLOG(a * a + 1.0)):
        engine, central = second_derivative(fn, x)
        assert engine == pytest.approx(central, rel=1e-5, abs=1e-6)
    s = 1 / (1 + math.exp(-x))
    v = Value(x)
    (d1,) = grad(SOFTPLUS(v), v, create_graph=True)
    (d2,) = grad(d1, v)
    assert (d1.data, d2.data) == pytest.approx((s, s * (1 - s)), rel=1e-9, abs=1e-15)
