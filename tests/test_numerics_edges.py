"""Finite answers where the answer is finite: powers of subnormal bases, the perceptron with
huge numbers, and gradcheck's own arguments and the user's exceptions."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, gradcheck
from stepgrad.nn import Perceptron

TINY = 5e-324  # the smallest subnormal float


def _torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("torch", reason="torch is not installed")


# ----- a ** b at a subnormal base ---------------------------------------------------------------


@pytest.mark.parametrize("a", [TINY, 1e-310, 2.2250738585072014e-308, 0.5, 3.0, 1e300])
@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_any_positive_base_to_a_value_power_zero_is_one_with_finite_gradients(a, zero):
    base, exponent = Value(a), Value(zero)
    out = base**exponent
    out.backward()
    assert out.data == 1.0
    assert base.grad == 0.0  # a ** 0 is 1 for every a
    assert exponent.grad == math.log(a)  # d/db a ** b = a ** b log a


@pytest.mark.parametrize("a", [TINY, 1e-310])
def test_a_subnormal_base_to_a_number_or_value_power_zero_and_the_other_way(a):
    x = Value(a)
    out = x**0
    out.backward()
    assert (out.data, x.grad) == (1.0, 0.0)
    e = Value(0.0)
    out = a**e  # __rpow__: a number base, a Value exponent
    out.backward()
    assert (out.data, e.grad) == (1.0, math.log(a))


def test_subnormal_base_to_power_zero_matches_torch():
    torch = _torch()
    a = torch.tensor(TINY, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (a**b).backward()
    base, exponent = Value(TINY), Value(0.0)
    (base**exponent).backward()
    assert (base.grad, exponent.grad) == (a.grad.item(), b.grad.item())


@pytest.mark.parametrize("a, b", [(TINY, 1e-300), (TINY, 1e-20), (1e-310, -1e-10),
                                  (TINY, 2e-308)])
def test_a_slope_that_fits_is_computed_even_where_a_to_the_b_minus_1_overflows(a, b):
    """b * a ** (b - 1) = 1e-300 * 2e323: a ** -1 overflows but the product is about 2e23."""
    with localcontext() as ctx:
        ctx.prec = 60
        A, B = Decimal(a), Decimal(b)
        want = float(B * (A.ln() * (B - 1)).exp())
    for x in (Value(a),):
        (x ** Value(b)).backward()
        assert x.grad == pytest.approx(want, rel=1e-12)
        y = Value(a)
        (y**b).backward()
        assert y.grad == pytest.approx(want, rel=1e-12)


def test_a_slope_that_is_truly_too_large_is_still_refused():
    assert (Value(TINY) ** Value(0.5)).local_grads[0] == pytest.approx(0.5 / math.sqrt(TINY))
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(TINY) ** Value(-0.5)  # -0.5 * a ** -1.5 is about -1e485
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(TINY) ** -1.0


@settings(max_examples=200, deadline=None)
@given(a=st.floats(TINY, 1e6), b=st.floats(-3.0, 3.0))
def test_value_powers_match_torch(a, b):
    torch = _torch()
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = ta**tb
    if not math.isfinite(out.item()):
        return
    out.backward()
    if not (math.isfinite(ta.grad.item()) and math.isfinite(tb.grad.item())):
        return  # torch overflows; ours may give a finite slope or refuse (tested above)
    x, y = Value(a), Value(b)
    try:
        z = x**y
    except OverflowError:  # a slope too large for a float: torch gave inf there
        return
    z.backward()
    assert z.data == pytest.approx(out.item(), rel=1e-15)
    assert x.grad == pytest.approx(ta.grad.item(), rel=1e-13, abs=1e-300)
    assert y.grad == pytest.approx(tb.grad.item(), rel=1e-13, abs=1e-300)


# ----- the perceptron never ends with inf weights while reporting success ----------------------


@pytest.mark.parametrize("eta, inputs, targets", [
    (1e308, [[1e308, 1e308], [-1e308, -1e308]], [1, -1]),
    (1e308, [[1e308], [1e308]], [1, 1]),
    (1e300, [[1e308, 1.0], [1.0, -1e308], [0.0, 0.0]], [1, -1, 1]),
])
def test_weights_that_would_overflow_are_a_clear_error_and_change_nothing(eta, inputs, targets):
    p = Perceptron(len(inputs[0]), eta=eta)
    p.w, p.b = [-0.25] * len(inputs[0]), -0.5  # the first sample is on the wrong side
    with pytest.raises(OverflowError, match=r"^Perceptron.fit: the update for sample \d would "
                                            r"make a weight too large for a float \(eta = "):
        p.fit(inputs, targets)
    assert (p.w, p.b) == ([-0.25] * len(inputs[0]), -0.5)
    assert all(math.isfinite(w) for w in p.w)


@settings(max_examples=150, deadline=None)
@given(eta=st.floats(1e-3, 1.7e308),
       data=st.lists(st.tuples(st.lists(st.floats(-1.7e308, 1.7e308), min_size=2, max_size=2),
                               st.sampled_from([-1, 1])), min_size=1, max_size=5),
       epochs=st.integers(1, 20))
def test_fit_ends_with_finite_weights_or_a_clear_error(eta, data, epochs):
    inputs, targets = [x for x, _ in data], [t for _, t in data]
    p = Perceptron(2, eta=eta)
    try:
        result = p.fit(inputs, targets, max_epochs=epochs)
    except OverflowError as error:
        assert "too large for a float" in str(error)
        assert (p.w, p.b) == ([0.0, 0.0], 0.0)
        return
    assert all(math.isfinite(v) for v in (*p.w, p.b))
    # what it reports is what its weights do, decided exactly (no overflowing sums)
    from fractions import Fraction

    right = sum((sum(Fraction(w) * Fraction(x) for w, x in zip(p.w, xs, strict=True))
                 + Fraction(p.b) > 0) == (t > 0) for xs, t in zip(inputs, targets, strict=True))
    if result.converged:
        assert right == len(inputs)
    assert p.accuracy(inputs, targets) == right / len(inputs)


def test_a_score_that_overflows_still_gives_the_right_side():
    p = Perceptron(2)
    p.w, p.b = [1e308, -1e308], 0.0
    # 1e308 * 10 - 1e308 * 9 overflows to inf - inf = nan; exactly it is 1e308 > 0
    assert p.predict([10.0, 9.0]) == 1
    assert p.predict([9.0, 10.0]) == -1
    assert math.isnan(p.score([10.0, 9.0]))


def test_huge_integers_as_inputs_are_a_clear_error():
    with pytest.raises(OverflowError, match="^Perceptron.fit: input 1 of sample 2 is an integer "
                                            "with 401 digits, too large for a float$"):
        Perceptron(1).fit([[1.0], [10**400]], [1, -1])


# ----- gradcheck: the user's own exceptions, and its own arguments -----------------------------


class NeedsTwoArguments(ValueError):
    def __init__(self, code, where):
        super().__init__(code, where)
        self.code = code


def test_an_exception_of_f_at_a_nudged_input_goes_through_unchanged():
    """The old gradcheck rebuilt the error as type(error)(message): a TypeError for this one."""
    raised = []

    def f(x):
        if x.data != 1.0:
            error = NeedsTwoArguments(42, x.data)
            raised.append(error)
            raise error
        return x * 2

    with pytest.raises(NeedsTwoArguments) as info:
        gradcheck(f, 1.0)
    assert info.value is raised[0]
    assert info.value.code == 42 and info.value.args == (42, 1.000001)


@pytest.mark.parametrize("error", [KeyError("w"), RuntimeError("boom"), ZeroDivisionError("z"),
                                   OverflowError("big"), UnicodeDecodeError("utf-8", b"", 0, 1,
                                                                            "bad")])
def test_any_exception_of_f_keeps_its_type_and_message(error):
    def f(x):
        if x.data > 2.0:
            raise error
        return x * x

    args, text = error.args, str(error)
    with pytest.raises(type(error)) as info:
        gradcheck(f, 2.0)
    assert info.value is error and type(info.value) is type(error)
    assert info.value.args == args and str(info.value) == text


def test_an_exception_at_the_inputs_themselves_goes_through_too():
    def f(x):
        raise LookupError("no such table")

    with pytest.raises(LookupError, match="^no such table$"):
        gradcheck(f, 1.0)


@pytest.mark.parametrize("eps, error, message", [
    (0, ValueError, r"eps must be a finite number > 0 and at most 0.1, got 0.0"),
    (0.0, ValueError, "got 0.0"),
    (-1e-6, ValueError, "got -1e-06"),
    (float("nan"), ValueError, "got nan"),
    (float("inf"), ValueError, "got inf"),
    (0.5, ValueError, "at most 0.1, got 0.5"),
    (1e300, ValueError, "got 1e[+]300"),
    pytest.param(10**400, OverflowError, "eps is an integer with 401 digits, too large for a float",
                 id="10**400"),
    ("1e-6", TypeError, "eps must be a number, got str '1e-6'"),
    (None, TypeError, "eps must be a number, got NoneType None"),
    (True, TypeError, "eps must be a number, got bool True"),
    ([1e-6], TypeError, r"got list \[1e-06\]"),
])
def test_a_bad_eps_is_refused_clearly(eps, error, message):
    with pytest.raises(error, match="^gradcheck: .*" + message):
        gradcheck(lambda x: x * x, 1.0, eps=eps)


def test_an_eps_too_small_for_the_input_is_refused():
    with pytest.raises(ValueError, match=r"^gradcheck: eps = 1e-20 is too small: x \+ h rounds "
                                         "back to x = 1"):
        gradcheck(lambda x: x * x, 1.0, eps=1e-20)


def test_an_input_too_large_for_the_step_is_refused():
    with pytest.raises(ValueError, match=r"^gradcheck: input 1 \(x = 1.7e\+308\) is too large "
                                         "for a step of eps = 0.1"):
        gradcheck(lambda x: x * 0.5, 1.7e308, eps=0.1)


@pytest.mark.parametrize("name", ["atol", "rtol"])
def test_bad_tolerances_are_refused(name):
    with pytest.raises(ValueError, match=f"^gradcheck: {name} must be a finite number >= 0"):
        gradcheck(lambda x: x * x, 1.0, **{name: -1.0})
    with pytest.raises(TypeError, match=f"^gradcheck: {name} must be a number"):
        gradcheck(lambda x: x * x, 1.0, **{name: "small"})


def test_good_eps_values_still_work():
    assert gradcheck(lambda x: x * x * x, 1.5, eps=1e-4, rtol=1e-6).ok
    assert gradcheck(lambda x: x.exp(), 0.5, eps=1e-7).ok
    assert gradcheck(lambda x: x * 3, 2.0, eps=0.1).ok  # linear: any step is exact
