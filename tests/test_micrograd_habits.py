"""Adding an operation the micrograd way, `Value(data, (x,), 'exp')` and `out._backward = fn`,
gets a short error that says stepgrad's way: `Op`, and the README section about it."""

import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Op, Value

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "Add your own operation"
POINTER = re.escape(f'To add an operation, make it with Op(name, forward, grads): see "{SECTION}" '
                    "in the README.")


def test_the_readme_section_the_messages_point_to_exists():
    headings = [line.lstrip("#").strip() for line in README.read_text(encoding="utf-8").splitlines()
                if line.startswith("#")]
    assert SECTION in headings


def micrograd_exp(self):
    """micrograd's own recipe for a new operation (micrograd/engine.py's style)."""
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad
    out._backward = _backward
    return out


def test_micrograd_recipe_for_exp_stops_at_its_first_line_with_the_way_to_do_it():
    x = Value(0.5, label="x")
    with pytest.raises(TypeError, match=r"^Value\(\): the second argument is the label, got "
                                        r"tuple \(Value\(data=0\.5, label='x'\),\)\. "
                                        r"Value\(data, children, op\) is micrograd's way to make "
                                        r"a node\. " + POINTER + "$"):
        micrograd_exp(x)


@given(n=st.integers(0, 3), op=st.text(max_size=4),
       kind=st.sampled_from([tuple, list, set, frozenset]))
def test_any_collection_of_values_where_the_label_goes_is_micrograds_call(n, op, kind):
    children = kind(Value(float(i)) for i in range(n))
    with pytest.raises(TypeError, match="micrograd's way to make a node. " + POINTER):
        Value(2.0, children, op)
    with pytest.raises(TypeError, match="micrograd's way"):
        Value(2.0, children)


@pytest.mark.parametrize("label", [(1.0,), ["a"], 3, (Value(1.0), 2.0)])
def test_other_wrong_labels_keep_their_own_message(label):
    with pytest.raises(TypeError, match=r"^label: expected a string"):
        Value(2.0, label)


def test_setting_backward_says_to_use_op():
    message = (r"^a Value has no _backward: stepgrad keeps no backward function per node, as "
               r"micrograd does\. Each node keeps its local gradients, and backward\(\) "
               r"multiplies them\. " + POINTER + "$")
    out = Value(2.0) * Value(3.0)
    with pytest.raises(AttributeError, match=message):
        out._backward = lambda: None
    assert not hasattr(out, "_backward")
    with pytest.raises(AttributeError):
        del out._backward
    with pytest.raises(AttributeError):  # still no __dict__: other names are refused as before
        out.anything = 1


def test_reading_backward_to_call_it_says_how_to_step_by_hand():
    """The video steps the pass by hand, `o.grad = 1.0; o._backward()`: stepgrad's way to do
    that is backward_steps() and next(steps), not a new operation."""
    o = (Value(2.0) * Value(3.0)).tanh()
    o.label = "o"
    with pytest.raises(AttributeError, match=(
            r"^a Value has no _backward to call: stepgrad keeps no backward function per node, "
            r"as micrograd does\. To step through the backward pass by hand, use "
            r"steps = o\.backward_steps\(\) and then next\(steps\), one edge at a time \(it "
            r"starts with o\.grad = 1\); or o\.backward\(\) for the whole pass$")) as info:
        o._backward()
    assert "Op(" not in str(info.value)
    o.label = "the output"  # not a name to write code with
    with pytest.raises(AttributeError, match=r"steps = out\.backward_steps\(\)"):
        o._backward()
    # what the message says works, one edge at a time
    steps = o.backward_steps()
    first = next(steps)
    assert first.node is o and o.grad == 1.0


@given(label=st.text(st.characters(codec="utf-8", categories=["L", "N", "P"]), max_size=6),
       op=st.sampled_from(["tanh", "exp", "relu"]))
def test_prev_points_to_inputs_op_and_draw(label, op):
    x = Value(0.5)
    y = getattr(x * 2, op)()
    y.label = label
    with pytest.raises(AttributeError, match=(
            r"^a Value has no _prev \(micrograd's name\): use v\.inputs for the values it was "
            r"computed from, v\.op for the text of its operation, and stepgrad\.draw\(v\) to "
            r"draw the graph$")):
        y._prev  # noqa: B018
    assert not hasattr(y, "_prev")
    assert y.inputs[0].inputs == (x,) and y.op == op  # what the message points to


def test_stepgrads_way_works_for_the_same_operation():
    exp = Op("my exp", forward=math.exp, grads=lambda m, x, out: (out,))
    x = Value(0.5, label="x")
    y = exp(x)
    y.backward()
    assert y.op == "my exp" and x.grad == math.exp(0.5)
