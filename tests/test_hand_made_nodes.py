"""A node made by hand, `Value(data, "", inputs, local_grads, name)`: its inputs are checked
when it is made (one or two Values), so a mistake never waits for backward() to crash."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value, no_grad

NOT_VALUES = st.one_of(
    st.floats(allow_nan=False), st.integers(), st.none(), st.text(max_size=5),
    st.lists(st.floats(allow_nan=False), max_size=3), st.just(object()),
)


def test_a_number_as_an_input_is_refused_when_the_node_is_made():
    x = Value(2.0, label="x")
    with pytest.raises(TypeError, match=r"^'sq': input 2 must be a Value, got float 3\.0 \(a "
                                        r"plain number is a constant: leave it out of the "
                                        r"inputs, with its local gradient, or wrap it in "
                                        r"Value\(\.\.\.\)\)$"):
        Value(4.0, "", (x, 3.0), (4.0, 1.0), "sq")
    assert not x.grad_computed  # nothing ran


def test_none_as_a_second_input_is_refused_not_read_as_a_one_input_node():
    x = Value(2.0, label="x")
    with pytest.raises(TypeError, match=r"^'f': input 2 must be a Value, got NoneType None \("
                                        r"the inputs are the Values this one is computed from\)"):
        Value(4.0, "", (x, None), (4.0, 1.0), "f")


def test_a_node_without_a_name_is_named_value_in_the_message():
    with pytest.raises(TypeError, match=r"^Value\(\): input 1 must be a Value, got int 3"):
        Value(4.0, "", (3,), (1.0,))


def test_inputs_are_checked_inside_no_grad_too():
    with no_grad(), pytest.raises(TypeError, match=r"^'sq': input 1 must be a Value"):
        Value(4.0, "", (2.0,), (4.0,), "sq")


def test_an_operation_name_without_inputs_is_refused():
    with pytest.raises(ValueError, match=r"^'c': an operation needs one or two inputs, got "
                                         r"none; a value without inputs \(an input or a "
                                         r"parameter\) has no operation: Value\(data, label\)$"):
        Value(3.0, "", (), (), "c")


@given(bad=NOT_VALUES, position=st.sampled_from([0, 1]), two=st.booleans())
def test_any_input_that_is_not_a_value_is_named_with_its_position(bad, position, two):
    x = Value(1.5, label="x")
    inputs = [x, x] if two else [x]
    position = position if two else 0
    inputs[position] = bad
    with pytest.raises(TypeError, match=rf"^'op': input {position + 1} must be a Value, got "
                                        rf"{type(bad).__name__} "):
        Value(2.0, "", tuple(inputs), (1.0,) * len(inputs), "op")


@given(a=st.floats(-1e3, 1e3), b=st.floats(-1e3, 1e3), la=st.floats(-10, 10),
       lb=st.floats(-10, 10), as_list=st.booleans())
def test_good_hand_made_nodes_still_work(a, b, la, lb, as_list):
    x, y = Value(a, label="x"), Value(b, label="y")
    inputs = [x, y] if as_list else (x, y)
    n = Value(a + b, "", inputs, (la, lb), "mine")
    assert n.inputs == (x, y) and n.local_grads == (la, lb) and n.op == "mine"
    n.backward(2.0)
    assert x.grad == la * 2.0 and y.grad == lb * 2.0
    one = Value(math.sin(a), "", (x,), (math.cos(a),), "sin")
    assert one.inputs == (x,)


def test_inputs_and_parameters_are_made_as_before():
    assert Value(3.0).inputs == () and Value(3.0).op == ""
    assert Value(3.0, label="w").label == "w"
    assert Value(3.0, "w", (), (), "").inputs == ()
