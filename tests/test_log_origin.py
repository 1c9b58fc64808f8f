"""log of a computed 0 or negative number says what made it, as division by zero names its
divisor; when the 0 comes from a sigmoid that rounded to exactly 0 or 1 (the hand-written
binary cross-entropy of every first course), it also says what to write instead."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value, no_grad
from stepgrad.nn import binary_cross_entropy_with_logits

BASE = "log(0): log is only defined for positive numbers"
WITH_LOGITS = ("For a loss, use stepgrad.nn.binary_cross_entropy_with_logits on the sigmoid's "
               "input, which never takes log(0)")


def message(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


def test_the_reviewers_case_a_sigmoid_that_rounded_to_1():
    w = Value(20.0, label="w")
    x = Value(2.0, label="x")
    p = (w * x).sigmoid()
    p.label = "p"
    assert message(lambda: (1 - p).log()) == (
        f"{BASE}. Its input is the result of '1 -' on p = 1. p = sigmoid(40) is exactly 1: a "
        f"sigmoid rounds to exactly 1 for inputs above about 37. {WITH_LOGITS}; or write "
        "1 - sigmoid(z) as sigmoid(-z), which stays above 0")
    # what it says works: the same loss (target 0) from the sigmoid's input, and sigmoid(-z)
    z = w * x
    loss = binary_cross_entropy_with_logits(z, 0)
    assert loss.data == pytest.approx(40.0, rel=1e-15)
    assert (-z).sigmoid().log().data == pytest.approx(-40.0, rel=1e-15)


def test_a_sigmoid_that_rounded_to_0():
    assert message(lambda: Value(-800.0).sigmoid().log()) == (
        f"{BASE}. Its input is the result of 'sigmoid' on -800. sigmoid(-800) is exactly 0: a "
        f"sigmoid rounds to exactly 0 for inputs below about -745. {WITH_LOGITS}")
    z = Value(-800.0, label="z")
    p = z.sigmoid()
    p.label = "p"
    assert message(lambda: p.log()) == (  # a labelled input: the formula names it already
        "log(p) with p = 0: log is only defined for positive numbers. p = sigmoid(z) is "
        f"exactly 0: a sigmoid rounds to exactly 0 for inputs below about -745. {WITH_LOGITS}")


@given(z=st.floats(36.75, 1e6))
def test_any_input_where_the_sigmoid_is_exactly_1(z):
    s = Value(z).sigmoid()
    assert s.data == 1.0
    for zero in (1 - s, -s + 1, (1 - s) * 3, 1.0 - s * 1.0):
        text = message(lambda zero=zero: zero.log())
        assert text.startswith(BASE + ". Its input is the result of '")
        assert f"sigmoid({z:.6g}) is exactly 1" in text and "sigmoid(-z)" in text


@given(z=st.floats(-1e6, -745.2))
def test_any_input_where_the_sigmoid_is_exactly_0(z):
    s = Value(z).sigmoid()
    assert s.data == 0.0
    text = message(lambda: s.log())
    assert f"sigmoid({z:.6g}) is exactly 0" in text and text.endswith(WITH_LOGITS)


@given(z=st.floats(-700.0, 36.7))  # (below about -709 the gradient of log overflows)
def test_a_sigmoid_that_did_not_round_takes_its_log(z):
    assert Value(z).sigmoid().log().data == pytest.approx(-math.log1p(math.exp(-z)), rel=1e-9)


@pytest.mark.parametrize("make, expected", [
    (lambda: Value(1.0, label="a") - 1, ". Its input is the result of '- 1' on a = 1"),
    (lambda: Value(2.0, label="a") - Value(3.0, label="b"),
     ". Its input is the result of '-' on a = 2, b = 3"),
    (lambda: Value(0.0) * Value(3.0), ". Its input is the result of '*' on 0, 3"),
    (lambda: Value(-2.0).relu(), ". Its input is the result of 'relu' on -2"),
])
def test_a_computed_input_is_named_by_what_made_it(make, expected):
    x = make()
    shown = f"{x.data + 0.0:.6g}"
    assert message(lambda: x.log()) == (
        f"log({shown}): log is only defined for positive numbers{expected}")


def test_no_sigmoid_hint_where_no_rounded_sigmoid_made_the_number():
    p = Value(40.0).sigmoid()
    assert "sigmoid" not in message(lambda: (0.5 - p).log()).split("Its input")[1]  # -0.5
    s = Value(0.0).sigmoid()  # 0.5: not rounded
    assert message(lambda: (s - 0.5).log()) == (
        f"{BASE}. Its input is the result of '- 0.5' on 0.5")
    deep = 1 - Value(40.0).sigmoid()
    for _ in range(4):  # a sigmoid far up the graph is not blamed
        deep = deep * 1.0
    assert "sigmoid" not in message(lambda: deep.log())


def test_a_number_the_learner_typed_keeps_the_short_message():
    assert message(lambda: Value(0.0).log()) == BASE
    assert message(lambda: Value(-1.0, label="loss").log()) == (
        "log(loss) with loss = -1: log is only defined for positive numbers")


def test_inside_no_grad_the_operation_is_still_named():
    p = Value(40.0).sigmoid()
    with no_grad():
        zero = 1 - p
    assert message(lambda: zero.log()) == f"{BASE}. Its input is the result of '1 -'"
