"""Division by zero names the values as every other error does: a Value by the learner's label,
an unlabelled one by its number (and the divisor in words: 'the result of '-'', 'an unlabelled
input'), never by made-up names such as a and b that could clash with the learner's own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value


def message(divide) -> str:
    with pytest.raises(ZeroDivisionError) as info:
        divide()
    return str(info.value)


def test_the_reviewers_case_no_longer_calls_two_values_b():
    b = Value(6.88, label="b")
    x = Value(1.0, label="x")
    assert message(lambda: b / (x - 1)) == (
        "division by zero in b / 0: b = 6.88, the divisor is the result of '- 1'")


@pytest.mark.parametrize("divide, expected", [
    (lambda: Value(1.0, label="a") / Value(0.0, label="zero"),
     "a / zero: a = 1, zero = 0"),  # the README's example
    (lambda: Value(3.0) / Value(0.0), "3 / 0: the divisor is an unlabelled input"),
    (lambda: Value(3.0, label="a") / Value(0.0),
     "a / 0: a = 3, the divisor is an unlabelled input"),
    (lambda: Value(3.0) / Value(0.0, label="d"), "3 / d: d = 0"),
    (lambda: Value(3.0) / (Value(2.0) * 0), "3 / 0: the divisor is the result of '* 0'"),
    (lambda: Value(3.0) / Value(-2.0).relu(), "3 / 0: the divisor is the result of 'relu'"),
    (lambda: Value(3.0, label="x") / 0, "x / 0: x = 3"),  # a constant 0: the learner typed it
    (lambda: Value(3.0) / 0.0, "3 / 0"),
    (lambda: (Value(1.0) - 1) / 0, "0 / 0"),
    (lambda: 5 / Value(0.0, label="y"), "5 / y: y = 0"),
    (lambda: 5 / Value(0.0), "5 / 0: the divisor is an unlabelled input"),
    (lambda: 5 / (Value(1.0, label="x") - 1), "5 / 0: the divisor is the result of '- 1'"),
])
def test_each_form_of_division(divide, expected):
    assert message(divide) == "division by zero in " + expected


LABELS = st.sampled_from(["", "a", "b", "x", "zero", "the divisor"]) | st.text(
    st.characters(codec="ascii", categories=["L", "N", "P", "Zs"]), min_size=1, max_size=8)


@given(top=st.floats(-1e6, 1e6, allow_nan=False), top_label=LABELS, bottom_label=LABELS,
       made=st.booleans(), constant_top=st.booleans())
def test_every_name_in_the_message_is_the_learners_or_a_number(top, top_label, bottom_label,
                                                               made, constant_top):
    """The formula has the learner's labels where they exist and the numbers elsewhere; each
    'name = number' after it is a labelled Value with its own number; an unlabelled divisor
    is described, not named."""
    bottom = Value(1.0) - 1.0 if made else Value(0.0)  # a zero made by an operation, or typed
    bottom.label = bottom_label
    numerator = Value(top, label=top_label)
    text = message((lambda: top / bottom) if constant_top else (lambda: numerator / bottom))
    shown_top = f"{top + 0.0:.6g}" if constant_top or not top_label else top_label
    formula = f"{shown_top} / {bottom_label or '0'}"
    assert text.startswith(f"division by zero in {formula}")
    expected = []
    if top_label and not constant_top:
        expected.append(f"{top_label} = {top + 0.0:.6g}")
    if bottom_label:
        expected.append(f"{bottom_label} = 0")
    else:
        expected.append("the divisor is " + ("the result of '- 1'" if made
                                             else "an unlabelled input"))
    assert text == f"division by zero in {formula}: " + ", ".join(expected)
