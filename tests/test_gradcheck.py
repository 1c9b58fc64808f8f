"""gradcheck itself: it passes correct gradients, catches wrong ones, and says which input."""

from __future__ import annotations

import math

import pytest

from stepgrad import GradCheck, Value, assert_gradcheck, gradcheck


def bad_square(x: Value) -> Value:
    """x**2 recorded with local gradient x (the right one is 2x)."""
    return Value(x.data**2, "", (x,), (x.data,), "bad ** 2")


def test_correct_gradients_pass():
    check = gradcheck(lambda a, b, c: (a * b + c.exp()).tanh() * a, 0.3, -1.2, 0.4)
    assert isinstance(check, GradCheck)
    assert check.ok and bool(check) and check.failures == ()
    assert [row.name for row in check.rows] == ["a", "b", "c"]
    for row in check.rows:
        assert row.difference <= row.allowed
        assert row.difference == abs(row.engine - row.numerical)
    assert str(check).startswith("gradcheck passed")


def test_a_wrong_local_gradient_is_caught_and_named():
    check = gradcheck(lambda x, y, z: y * 2 + bad_square(x) + z, 3.0, 1.0, -0.5)
    assert not check.ok and not bool(check)
    assert [row.index for row in check.failures] == [1]
    row = check.rows[0]
    assert row.engine == 3.0
    assert row.numerical == pytest.approx(6.0, rel=1e-8)
    report = str(check)
    assert "FAILED" in report and "input 1" in report
    assert "input 1 (x = 3): engine says 3, finite differences say 6 (off by 3" in report
    assert check.rows[1].ok and check.rows[2].ok


def test_a_small_error_in_a_library_op_is_caught(monkeypatch):
    """A tanh whose local gradient is off by 0.1 percent: gradcheck notices."""
    right = Value.tanh

    def slightly_wrong_tanh(self):
        out = right(self)
        return Value(out.data, "", (self,), ((1.0 - out.data**2) * 1.001,), "tanh")

    monkeypatch.setattr(Value, "tanh", slightly_wrong_tanh)
    check = gradcheck(lambda w, x: (w * x).tanh(), -0.5, 0.8)
    assert not check.ok
    assert [row.index for row in check.failures] == [1, 2]


def test_a_wrong_sign_is_caught_for_a_negative_input():
    def bad_neg(x):
        return Value(-x.data, "", (x,), (1.0,), "bad -")

    check = gradcheck(lambda x: bad_neg(x) * x, -2.0)
    assert not check.ok
    assert "input 1 (x = -2)" in str(check)


def test_assert_gradcheck_raises_with_the_report():
    assert assert_gradcheck(lambda x: x.sigmoid(), 0.5).ok
    with pytest.raises(AssertionError, match=r"input 2 \(y = 3\): engine says 3"):
        assert_gradcheck(lambda x, y: x + bad_square(y), 1.0, 3.0)


def test_names_come_from_labels_then_value_labels_then_parameters():
    def f(*xs):
        return xs[0] * xs[1]

    assert [r.name for r in gradcheck(f, 1.0, 2.0).rows] == ["x1", "x2"]
    assert [r.name for r in gradcheck(f, 1.0, 2.0, labels=["w", "b"]).rows] == ["w", "b"]
    rows = gradcheck(f, Value(1.0, label="w"), 2.0).rows
    assert [(r.name, r.x) for r in rows] == [("w", 1.0), ("x2", 2.0)]
    assert [r.name for r in gradcheck(lambda p, q: p * q, 1.0, 2.0).rows] == ["p", "q"]
    with pytest.raises(ValueError, match="2 inputs"):
        gradcheck(f, 1.0, 2.0, labels=["only one"])


def test_f_must_return_a_value():
    with pytest.raises(TypeError, match="f must return a Value, got float"):
        gradcheck(lambda x: x.data * 2, 1.0)


def test_inputs_must_be_numbers():
    with pytest.raises(TypeError, match=r"gradcheck \(input 2\).*str"):
        gradcheck(lambda x, y: x * y, 1.0, "2")


def test_large_values_with_modest_slopes_are_not_blamed_on_the_engine():
    """exp(30) is about 1e13; rounding in f(x+h) - f(x-h) must not fail a right gradient."""
    assert gradcheck(lambda x: x.exp() + x * 0.001, 30.0).ok
    assert gradcheck(lambda x: x * 1e8 + 1e12, 3.0).ok
    assert gradcheck(lambda x: (x * x) ** 3, -40.0).ok


def test_an_unused_input_has_zero_gradient_on_both_sides():
    check = gradcheck(lambda x, y: x * 3, 1.0, 5.0)
    assert check.ok
    assert check.rows[1].engine == 0.0 and check.rows[1].numerical == 0.0


def test_step_size_scales_with_the_input():
    check = gradcheck(lambda x: x.log(), 1e6)
    assert check.ok and math.isclose(check.rows[0].engine, 1e-6)


def test_a_step_off_the_domain_goes_through_unchanged_with_a_note():
    with pytest.raises(ValueError, match=r"log\(") as info:
        gradcheck(lambda x: x.log(), 5e-7)
    assert not str(info.value).startswith("gradcheck")  # f's own error, not wrapped
    if hasattr(info.value, "add_note"):  # Python 3.11+: where it happened, as a note
        assert "by f at x = -5e-07, a step of -1e-06 from 5e-07" in "".join(info.value.__notes__)


def test_several_failures_are_listed():
    check = gradcheck(lambda x, y, z: bad_square(x) * bad_square(z) + y, 1.5, 2.0, -3.0)
    assert [row.index for row in check.failures] == [1, 3]
    assert "for inputs 1, 3 (of 3)" in str(check).splitlines()[0]


def test_gradcheck_changes_no_gradient_of_the_values_f_uses():
    """Review finding: gradcheck ran backward(), which added into the .grad of every Value f
    captured (a model's parameters), so a following opt.step() used wrong gradients."""
    from stepgrad.nn import MLP

    m = MLP(2, [3, 1], seed=0)
    m([0.3, -0.2]).backward()
    before = [p.grad for p in m.parameters()]
    assert gradcheck(lambda a: m([a, 1.0]), 0.5).ok
    assert [p.grad for p in m.parameters()] == before
    x = Value(2.0, label="x")
    assert gradcheck(lambda a: (a * x).tanh(), 0.3).ok
    assert not x.grad_computed  # it was never given a gradient, and still has none


def test_gradcheck_leaves_a_stepped_pass_over_captured_values_live():
    x, w = Value(2.0, label="x"), Value(0.3, label="w")
    y = (w * x).tanh()
    steps = y.backward_steps()
    next(steps)
    assert gradcheck(lambda a: (a * x).tanh(), w).ok
    next(steps)  # not stale: gradcheck ended no pass
    steps.run()
    assert x.grad == pytest.approx(0.3 * (1 - math.tanh(0.6) ** 2), rel=1e-15)


def test_gradcheck_engine_slope_is_what_backward_gives_bit_for_bit():
    def f(a, b):
        return (a * b + a.exp()).tanh() * b - (a / b).relu()

    check = gradcheck(f, 0.7, -1.3)
    a, b = Value(0.7), Value(-1.3)
    f(a, b).backward()
    assert [row.engine for row in check.rows] == [a.grad, b.grad]
