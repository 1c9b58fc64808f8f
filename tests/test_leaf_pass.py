"""The backward pass of an input (a value no operation made) has no steps: every view says so
in words, instead of an empty table or "step 0/0: not started"."""

import contextlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value, print_backward
from stepgrad.display import pass_mimebundle
from stepgrad.stepping import short


def _printed(call):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        call()
    return out.getvalue()


def test_print_backward_of_an_input_says_there_is_nothing_to_step(capsys):
    x = Value(3.0, label="x")
    print_backward(x)
    assert capsys.readouterr().out == (
        "No steps to go through: x is an input (no operation made it); its gradient is 1.\n")
    assert not x.grad_computed  # print_backward changes nothing
    print_backward(Value(1.0))
    assert capsys.readouterr().out == ("No steps to go through: this value is an input (no "
                                       "operation made it); its gradient is 1.\n")


@given(seed=st.floats(-1e6, 1e6))
def test_print_backward_of_an_input_gives_the_seed_as_its_gradient(seed):
    x = Value(-2.0, label="w")
    text = _printed(lambda: print_backward(x, seed))
    assert text == (f"No steps to go through: w is an input (no operation made it); its gradient "
                    f"is {short(seed)}.\n")
    assert "step  node" not in text and not x.grad_computed


def test_the_pass_of_an_input_shows_no_step_counter():
    x = Value(3.0, label="x")
    p = x.backward_steps()
    assert repr(p) == ("<BackwardPass of x: no steps: x is an input (no operation made it); its "
                       "gradient is 1>")
    assert "0/0" not in repr(p) and "not started" not in repr(p)
    assert p.done and len(p) == 0 and x.grad == 1.0
    table = p.table()
    assert table == ("No steps to go through: x is an input (no operation made it); its "
                     "gradient is 1.")
    html = table._repr_html_()
    assert "<table" not in html and "x is an input" in html
    assert pass_mimebundle(p, include={"text/plain"})["text/plain"] == repr(p)


def test_the_pass_of_an_input_that_held_a_gradient_says_it_adds_the_seed():
    x = Value(3.0, label="x")
    x.backward()
    p = x.backward_steps(2.0)
    assert x.grad == 3.0  # as before: the seed adds to what an input holds
    assert repr(p).endswith("x is an input (no operation made it); the pass adds 2 to its "
                            "gradient (now 3)>")


@pytest.mark.parametrize("label", ["y", ""])
def test_a_pass_with_steps_keeps_its_counter(label):
    x = Value(3.0, label="x")
    y = x * x
    y.label = label
    p = y.backward_steps()
    name = label or "v1"
    assert repr(p) == f"<BackwardPass of {name}: step 0/2: not started>"
    assert p.table().startswith("step  node = formula")
