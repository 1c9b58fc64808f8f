"""Habits from micrograd's video, PyTorch and DeZero: each works, or fails with a hint.

`loss < 0.01`, `max(0, x)`, `sorted(values)`, `float(x)`, `math.exp(x)`, `round(loss, 4)` raise
a TypeError that names the value by its label and says what to write instead (and the code it
suggests is checked to run and give the right answer). `backward()` takes PyTorch's keywords,
DeZero's `cleargrad()` and `name` are the same as `zero_grad()` and `label`, and a 0-d numpy
array is one number.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import stepgrad
from stepgrad import Value, grad

NUMBERS = st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-1000, 1000)
LABELS = st.sampled_from(["", "loss", "x", "w1", "x1*w1", "출력", "the output"])
COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
           ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def error_of(call) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def suggested(message: str) -> str:
    """The code after 'Compare the numbers: ' in a comparison's message."""
    found = re.search(r"Compare the numbers: (.*?)\. For max", message)
    assert found, message
    return found.group(1)


# ----- comparisons --------------------------------------------------------------------------

@given(x=NUMBERS, c=NUMBERS, label=LABELS, op=st.sampled_from(sorted(COMPARE)))
def test_comparing_a_value_with_a_number_says_to_compare_its_number(x, c, label, op):
    v = Value(x, label=label)
    for call, first in ((lambda: COMPARE[op](v, c), True), (lambda: COMPARE[op](c, v), False)):
        error = error_of(call)
        assert type(error) is TypeError
        text = str(error)
        name = label or f"Value({x + 0.0:.6g})"
        assert text.startswith("cannot compare ")
        assert name in text and ("is a Value" in text or "it is a Value" in text)
        # the code it suggests runs, and gives the comparison of the numbers
        var = label if label.isidentifier() else "v"
        shown = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}[op] if not first else op
        code = suggested(text)
        assert code == f"{var}.data {shown} {float(c) + 0.0:.6g}"
        assert eval(code, {var: v}) == COMPARE[shown](x, float(f"{float(c) + 0.0:.6g}"))
        assert "x.relu()" in text and "key=lambda v: v.data" in text


@given(a=NUMBERS, b=NUMBERS, la=LABELS, lb=LABELS, op=st.sampled_from(sorted(COMPARE)))
def test_comparing_two_values_says_to_compare_their_numbers(a, b, la, lb, op):
    va, vb = Value(a, label=la), Value(b, label=lb)
    text = str(error_of(lambda: COMPARE[op](va, vb)))
    assert text.startswith("cannot compare ") and "are Values" in text
    code = suggested(text)
    left, right = code.split(f" {op} ")
    names = {left.removesuffix(".data"): va, right.removesuffix(".data"): vb}
    if la != lb or not la.isidentifier():  # (two values the learner gave one name keep it)
        assert len(names) == 2  # two different names, even for two values without labels
        assert eval(code, names) == COMPARE[op](float(a), float(b))
    for label in (la, lb):
        assert label in text


def test_the_micrograd_video_habits_max_and_sorted():
    x = Value(-1.0, label="x")
    text = str(error_of(lambda: max(0, x)))
    assert text.startswith("cannot compare x > 0: x is a Value")
    assert "For max(0, x) use x.relu() or x.max(0), which keep the graph" in text
    assert x.relu().data == x.max(0).data == 0.0  # what it says works
    values = [Value(3.0), Value(1.0), Value(2.0)]
    text = str(error_of(lambda: sorted(values)))
    assert "sorted(values, key=lambda v: v.data)" in text
    assert [v.data for v in sorted(values, key=lambda v: v.data)] == [1.0, 2.0, 3.0]


def test_a_training_loop_that_stops_on_the_loss():
    loss = Value(0.005, label="loss")
    with pytest.raises(TypeError, match=r"^cannot compare loss < 0\.01: loss is a Value \(a node "
                                        r"of the graph\), not a number\. Compare the numbers: "
                                        r"loss\.data < 0\.01\."):
        if loss < 0.01:
            pass
    assert loss.data < 0.01


def test_equality_stays_identity_and_other_types_get_pythons_own_error():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and len({a, b}) == 2 and not (a == 1.0)
    for other in ("1", None, [1.0]):
        with pytest.raises(TypeError, match="not supported between instances"):
            a < other  # noqa: B015


# ----- float(), int(), round(), the math module ---------------------------------------------

MATH = [float, math.exp, math.log, math.sqrt, math.tanh, math.isfinite, math.floor,
        lambda v: "%.3f" % v]  # noqa: UP031 (a learner may write it so)


@given(x=st.floats(0.1, 10.0), label=LABELS, k=st.integers(0, len(MATH) - 1))
def test_float_and_math_functions_raise_and_never_drop_the_graph(x, label, k):
    v = Value(x, label=label)
    error = error_of(lambda: MATH[k](v))
    assert type(error) is TypeError
    var = label if label.isidentifier() else "v"
    got = f"the Value {label} = {x:.6g}" if label else f"a Value ({x:.6g})"
    assert str(error) == (
        f"a plain number is needed here (float(), math.exp(), ...), but got {got}. Use "
        f"{var}.data (or {var}.item()) for its number, or {var}.exp(), {var}.log(), "
        f"{var}.tanh() to keep the graph")
    assert eval(f"{var}.data", {var: v}) == x
    y = eval(f"{var}.exp()", {var: v})
    y.backward()
    assert v.grad == y.data == math.exp(x)  # the graph is kept


def test_round_and_int_say_what_to_round():
    loss = Value(0.123456, label="loss")
    assert str(error_of(lambda: round(loss, 4))) == (
        'round() needs a plain number, but got the Value loss = 0.123456. Round its number: '
        'round(loss.data, 4); to show 4 digits, f"{loss:.4f}"')
    assert round(loss.data, 4) == 0.1235 and f"{loss:.4f}" == "0.1235"
    assert str(error_of(lambda: round(loss))).endswith("Round its number: round(loss.data)")
    assert str(error_of(lambda: int(Value(2.5)))) == (
        "int() needs a plain number, but got a Value (2.5). Use int(v.data)")


# ----- backward() with PyTorch's keywords ----------------------------------------------------

def newton_graph():
    x = Value(2.0, label="x")
    y = x ** 4 - 2 * x ** 2
    y.label = "y"
    return x, y


@given(g=st.floats(-100.0, 100.0))
def test_gradient_is_the_same_as_grad(g):
    x, y = newton_graph()
    y.backward(gradient=g)
    by_gradient = x.grad
    x2, y2 = newton_graph()
    y2.backward(g)
    assert by_gradient == x2.grad == g * 24.0


def test_grad_and_gradient_together_is_an_error_and_changes_nothing():
    x, y = newton_graph()
    with pytest.raises(TypeError, match=r"^backward\(\): got both grad and gradient"):
        y.backward(2.0, gradient=2.0)
    assert not x.grad_computed and not y.grad_computed
    with pytest.raises(TypeError, match=r"^backward\(gradient\): expected a real number"):
        y.backward(gradient="1")


@pytest.mark.parametrize("keep", [True, False, None])
def test_retain_graph_changes_nothing(keep):
    x, y = newton_graph()
    y.backward(retain_graph=keep)
    y.backward(retain_graph=keep)  # the graph is always kept: a second pass adds again
    assert x.grad == 48.0
    with pytest.raises(TypeError, match=r"^backward\(\): retain_graph must be True or False, "
                                        r"got str 'yes'"):
        y.backward(retain_graph="yes")
    assert x.grad == 48.0


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_points_to_grad_and_its_example_gives_the_second_derivative():
    """DeZero's recipe, `y.backward(create_graph=True)`, gets an error with stepgrad's way,
    and the line it shows gives what PyTorch gives for the same recipe."""
    x, y = newton_graph()
    with pytest.raises(TypeError) as info:
        y.backward(create_graph=True)
    assert str(info.value) == (
        "backward(create_graph=True): in stepgrad, .grad is always a plain number, so it "
        "cannot hold a gradient with a graph. Use grad(), which returns the gradient as a "
        "Value with its graph: (dy,) = stepgrad.grad(y, x, create_graph=True); then "
        "dy.backward(), or grad(dy, x), gives the second derivative")
    assert not x.grad_computed and not y.grad_computed  # nothing ran
    example = re.search(r"\(dy,\) = .*?\)", str(info.value)).group(0)
    names = {"stepgrad": stepgrad, "x": x, "y": y}
    exec(example, names)
    dy = names["dy"]
    dy.backward()
    (d2,) = grad(dy, x)
    torch = pytest.importorskip("torch")
    tx = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ty = tx ** 4 - 2 * tx ** 2
    ty.backward(create_graph=True)
    first = tx.grad
    tx.grad = None
    first.backward()
    assert dy.data == first.item() == 24.0
    assert x.grad == d2.data == tx.grad.item() == 44.0
    y.backward(create_graph=False)  # False is the ordinary pass
    assert x.grad == 44.0 + 24.0


def test_inputs_points_to_grad_and_changes_nothing():
    x, y = newton_graph()
    with pytest.raises(TypeError, match=r"^backward\(inputs=\.\.\.\): .* use "
                                        r"stepgrad\.grad\(y, \[a, b\]\)"):
        y.backward(inputs=[x])
    assert not x.grad_computed
    assert grad(y, [x])[0].data == 24.0 and not x.grad_computed


def test_the_same_numbers_as_pytorch_with_its_keywords():
    torch = pytest.importorskip("torch")
    x, y = newton_graph()
    y.backward(gradient=0.5, retain_graph=True)
    y.backward(gradient=0.5, retain_graph=True)
    tx = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ty = tx ** 4 - 2 * tx ** 2
    seed = torch.tensor(0.5, dtype=torch.float64)
    ty.backward(gradient=seed, retain_graph=True)
    ty.backward(gradient=seed, retain_graph=True)
    assert x.grad == tx.grad.item()


# ----- DeZero's names: cleargrad() and name --------------------------------------------------

def test_cleargrad_is_zero_grad():
    x, y = newton_graph()
    y.backward()
    x.cleargrad()
    assert not x.grad_computed and x.grad == 0.0
    y.backward()
    assert x.grad == 24.0  # a fresh pass, as after zero_grad()


@given(label=LABELS)
def test_name_is_the_label(label):
    v = Value(1.5, name=label)
    assert v.label == v.name == label
    v.name = "x"
    assert v.label == "x"
    v.label = "y"
    assert v.name == "y"
    v.name = None
    assert v.label == "" and repr(v) == "Value(data=1.5)"
    with pytest.raises(ValueError, match="a label is a name on one line"):
        v.name = "a\nb"
    with pytest.raises(TypeError, match=r"^Value\(\): got both label and name"):
        Value(1.0, "a", name="b")


# ----- a 0-d numpy array is one number --------------------------------------------------------

@given(x=st.floats(-1e300, 1e300) | st.integers(-10**6, 10**6) | st.booleans())
def test_a_0d_array_is_its_number(x):
    np = pytest.importorskip("numpy")
    v = Value(np.array(x))
    assert type(v.data) is float and v.data == float(x)
    w = Value(1.0)
    w.data = np.array(x)
    assert type(w.data) is float and w.data == float(x)
    assert (w + np.array(2.0)).data == (np.array(2.0) + w).data == float(x) + 2.0


def test_0d_arrays_in_operations_and_dezeros_way():
    np = pytest.importorskip("numpy")
    x = Value(np.array(2.0), name="x")  # DeZero: Variable(np.array(2.0), name="x")
    y = x ** 4 - 2 * x ** 2
    y.backward(np.array(1.0))
    assert x.grad == 24.0 and type(x.grad) is float
    with pytest.raises(ValueError, match=r"^Value\(\): got nan"):
        Value(np.array(np.nan))
    with pytest.raises(TypeError, match=r"got Value .*\(use \.data"):
        Value(np.array(Value(1.0), dtype=object))  # an object array: what it holds is checked
    with pytest.raises(TypeError, match="make one Value per number"):
        Value(np.array([2.0]))  # an array with an axis: a list of numbers


def test_a_0d_tensor_gets_the_item_hint():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"got Tensor tensor\(2\.\) \(it holds one number: use "
                                        r"\.item\(\) to get it\)$"):
        Value(torch.tensor(2.0))
    assert Value(torch.tensor(2.0).item()).data == 2.0
