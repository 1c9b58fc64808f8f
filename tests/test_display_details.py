"""Small display details a learner reads as facts: a negative base keeps its parentheses,
an input used twice is named once, a constant never looks rounder than it is, wide (Korean)
labels keep the columns of a text table in line, a grouped drawing's text says what it is,
and the steps of a pass can be indexed."""

from __future__ import annotations

import io
import math
import re
import unicodedata
from contextlib import redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import StalePassError, Value, print_backward
from stepgrad.display import value_html
from stepgrad.ops import show_constant

# ----- a negative base, an input used twice --------------------------------------------------


def test_a_negative_constant_base_keeps_its_parentheses():
    a = Value(2.0, label="a")
    with pytest.raises(ValueError, match=r"^\(-2\) \*\* a with a = 2: "):
        (-2) ** a
    with pytest.raises(ValueError, match=r"^\(-2\.5\) \*\* a with a = 2: "):
        Value(-2.5) ** a
    assert "<td style=\"text-align:left\">(-2) ** 3</td>" in value_html(Value(-2.0) ** 3)
    assert "<td style=\"text-align:left\">-(-2)</td>" in value_html(-Value(-2.0))
    # where Python reads it right, as it was
    assert "a * -2" in value_html(Value(2.0, label="a") * -2)
    assert "2 ** a" in value_html(2 ** a)


def test_an_input_used_twice_is_named_once():
    x = Value(-0.4, label="x")
    with pytest.raises(ValueError) as error:
        x ** x
    assert str(error.value).startswith("x ** x with x = -0.4: ")
    assert str(error.value).count("x = -0.4") == 1
    z = Value(0.0, label="z")
    with pytest.raises(ZeroDivisionError, match=r"^division by zero in z / z: z = 0$"):
        z / z
    big = Value(1e200, label="big")
    with pytest.raises(OverflowError) as error:
        big * big
    assert str(error.value).count("big = 1e+200") == 1
    # two values with one label are two values: both are named
    with pytest.raises(ValueError, match=r"x = -0\.4, x = -0\.4"):
        Value(-0.4, label="x") ** Value(-0.4, label="x")


# ----- constants -------------------------------------------------------------------------------

def test_a_constant_close_to_a_round_number_does_not_look_round():
    y = Value(3.0, label="y")
    z = y * 0.9999999
    z.label = "z"
    assert z.op == "* 0.9999999"
    out = io.StringIO()
    with redirect_stdout(out):
        print_backward(z)
    assert "z = y * 0.9999999" in out.getvalue()
    assert (y + 1.00000001).op == "+ 1.00000001"
    # the usual constants stay short
    assert [(y * c).op for c in (2.0, 0.5, 0.01, 1 / 100, 1e-4, 1 / 3, 0.1 * 3)] == \
        ["* 2", "* 0.5", "* 0.01", "* 0.01", "* 0.0001", "* 0.333333", "* 0.3"]


def significant(text: str) -> int:
    """How many significant digits a number's text shows."""
    mantissa = text.lstrip("-").partition("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


@settings(max_examples=1000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False)
       | st.integers(-10**6, 10**6).map(lambda n: n / 1000)
       | st.sampled_from([0.9999999, 1.0000001, 0.99999999999, 2.0000000001, 1e-7, 123456.5]))
def test_a_constant_is_exact_visibly_rounded_or_float_noise(c):
    text = show_constant(c)
    shown = float(text)
    if shown != c:
        # rounded: then every digit it shows is there (it does not look round), or it is the
        # round number up to a few units of the last place of a float (0.1 * 3)
        assert significant(text) >= 6 or abs(shown - c) <= 4 * math.ulp(c), (c, text)
    if float(f"{c:.6g}") == c:  # where 6 digits are exact, as before
        assert text == f"{c + 0.0:.6g}"


# ----- wide characters ----------------------------------------------------------------------

def columns(text: str) -> int:
    """The screen columns of `text`: 2 for wide (W, F) characters."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_korean_labels_keep_the_columns_of_a_table_in_line():
    x = Value(0.5, label="입력")
    h = x.tanh(); h.label = "은닉층"  # noqa: E702
    o = h * 2.0; o.label = "출력"  # noqa: E702
    out = io.StringIO()
    with redirect_stdout(out):
        print_backward(o)
    lines = out.getvalue().splitlines()
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"(?<=  )\S", header)]  # columns 2 onwards
    for line in lines[2:]:
        for start in starts:  # every cell starts at the header's screen column
            cells = [m.start() for m in re.finditer(r"(?<=  )\S|^\S", line)]
            assert any(columns(line[:c]) == start for c in cells), (line, start)
    assert "은닉층 = tanh(입력)" in out.getvalue()


# ----- a grouped drawing ---------------------------------------------------------------------

def test_a_grouped_drawing_says_what_it_is():
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    from stepgrad import draw
    from stepgrad.backward import topological_order
    from stepgrad.nn import MLP

    model = MLP(2, [8, 8, 1], seed=0)
    loss = sum((model([0.1 * i, 0.2]) - 1) ** 2 for i in range(5))
    loss.label = "loss"
    n = len(topological_order(loss))
    assert n > 300
    text = repr(draw(loss))
    assert re.fullmatch(rf"<stepgrad drawing of loss: {n:,} values, grouped by neuron into "
                        r"\d+ boxes; display it in a notebook, or \.render\('graph', "
                        r"format='svg'\)>", text), text
    text = repr(draw(loss, focus="L1.n1.w1", group=None))
    assert text.startswith(f"<stepgrad drawing of loss: {n:,} values, showing the path from "
                           "L1.n1.w1 to loss (")
    small = Value(2.0, label="a") * 3
    assert repr(draw(small)).startswith("<stepgrad drawing of v1: 2 values; ")  # as before


# ----- indexing a pass -----------------------------------------------------------------------

def test_the_steps_of_a_pass_can_be_indexed():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a; c.label = "c"  # noqa: E702
    p = c.backward_steps()
    assert len(p) == 4
    with pytest.raises(IndexError, match=r"^\[0\] is step 1, which is not done yet: the pass "
                                         r"has not started of 4\. next\(\) does"):
        p[0]
    first = next(p)
    assert p[0] is first is p.steps[0] and p[-4] is first
    with pytest.raises(IndexError, match=r"^\[-1\] is step 4, which is not done yet: the pass "
                                         r"is at step 1 of 4\. .*\.current is the last step"):
        p[-1]
    p.run()
    assert p[-1] is p.steps[-1] and p[1:3] == p.steps[1:3] and p[::-1] == p.steps[::-1]
    with pytest.raises(IndexError, match=r"^\[4\]: the backward pass of c has 4 steps, "
                                         r"\[0\] to \[3\]"):
        p[4]
    with pytest.raises(TypeError, match=r"^\[k\]: the index of a step must be a whole number"):
        p["a"]
    q = c.backward_steps(); next(q)  # noqa: E702
    c.backward()  # ends q
    with pytest.raises(StalePassError):
        q[0]
