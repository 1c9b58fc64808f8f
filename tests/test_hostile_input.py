"""Hostile input, as a new user types it: every public entry point answers with a clear error
that names the operation and the value (with the learner's labels), or with the right result;
never a deep traceback, a silent nan, a wrong number or a hang. Drawings are rendered with the
real `dot` and parsed as XML."""

from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stepgrad import BackwardPass, Value, draw, no_grad
from stepgrad.backward import topological_order
from stepgrad.draw import NAME_LIMIT, visible
from stepgrad.nn import MLP, Layer, Neuron

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")
SVG = "{http://www.w3.org/2000/svg}"
BAD = [math.nan, math.inf, -math.inf]


# ----- huge integers ------------------------------------------------------------------------

HUGE = [
    pytest.param(10**400, "401 digits", id="401-digits"),
    pytest.param(-(10**5000), "about 5,001 digits", id="5001-digits"),  # past str()'s limit
    pytest.param(7**600_000, "about 507,059 digits", id="half-a-million-digits"),
]

NUMBER_ENTRY_POINTS = [
    ("Value()", lambda v, h: Value(h)),
    ("+", lambda v, h: v + h), ("+", lambda v, h: h + v),
    ("-", lambda v, h: v - h), ("-", lambda v, h: h - v),
    ("*", lambda v, h: v * h), ("*", lambda v, h: h * v),
    ("/", lambda v, h: v / h), ("/", lambda v, h: h / v),
    ("**", lambda v, h: v**h), ("**", lambda v, h: h**v),
    ("max", lambda v, h: v.max(h)), ("min", lambda v, h: v.min(h)),
    ("leaky_relu(slope)", lambda v, h: v.leaky_relu(h)),
    ("elu(alpha)", lambda v, h: v.elu(h)),
    ("backward(grad)", lambda v, h: (v * 2).backward(h)),
    ("backward_steps(grad)", lambda v, h: (v * 2).backward_steps(h)),
    ("setting .grad of 'v'", lambda v, h: setattr(v, "grad", h)),
    ("setting .data of 'v'", lambda v, h: setattr(v, "data", h)),
]


@pytest.mark.parametrize("huge, digits", HUGE)
@pytest.mark.parametrize("name, call", NUMBER_ENTRY_POINTS,
                         ids=[f"{i}:{n}" for i, (n, _) in enumerate(NUMBER_ENTRY_POINTS)])
def test_a_huge_integer_is_reported_wherever_a_number_goes(name, call, huge, digits):
    v = Value(0.5, label="v")
    message = rf"^{re.escape(name)}: an integer with {digits} is too large for a float$"
    with pytest.raises(OverflowError, match=message):
        call(v, huge)
    assert v.data == 0.5 and not v.grad_computed  # nothing happened


@pytest.mark.parametrize("huge, digits", HUGE)
def test_a_huge_integer_as_a_label_or_a_local_gradient(huge, digits):
    with pytest.raises(TypeError, match=r"^label: expected a string, got int .*\(to show a number"):
        Value(1.0, label=huge)
    x = Value(2.0, label="x")
    with pytest.raises(OverflowError, match=rf"^'square': local gradient 1 is an integer with "
                                            rf"{digits}, too large for a float"):
        Value(4.0, "", (x,), (huge,), "square")


@pytest.mark.parametrize("huge, digits", HUGE)
@pytest.mark.parametrize("model", [MLP(2, [3, 1]), Layer(2, 2), Neuron(2)],
                         ids=["MLP", "Layer", "Neuron"])
def test_a_huge_integer_as_a_model_input(model, huge, digits):
    who = type(model).__name__
    with pytest.raises(OverflowError, match=rf"^{who} input 2 is an integer with {digits}, too "):
        model([1.0, huge])


def test_a_huge_fraction_is_reported_too():
    with pytest.raises(OverflowError, match=r"^Value\(\): the Fraction number is too large"):
        Value(Fraction(10**400, 3))
    assert Value(Fraction(1, 4)).data == 0.25


def test_error_messages_never_show_a_huge_repr():
    with pytest.raises(TypeError) as info:
        Value(list(range(10**6)))
    assert len(str(info.value)) < 200 and "a Value holds one number" in str(info.value)
    with pytest.raises(TypeError, match=r"got list \(cannot be shown\)"):
        Value(1.0) + [10**5000]  # a repr that would itself fail


# ----- nan and infinities written into .data ------------------------------------------------

@pytest.mark.parametrize("bad", BAD, ids=str)
def test_setting_data_to_nan_or_inf_is_refused_by_label_and_changes_nothing(bad):
    v = Value(1.5, label="v")
    with pytest.raises(ValueError, match=rf"^setting \.data of 'v': got {bad}, but a Value must "):
        v.data = bad
    assert v.data == 1.5
    u = Value(1.5)
    with pytest.raises(ValueError, match=rf"^setting \.data: got {bad}, but a Value must "):
        u.data = bad
    assert u.data == 1.5


def _w():
    return Value(0.5, label="w")


ON_BAD_DATA = {  # an operation that reads v's data (v holds the bad number)
    "v + w": lambda v: v + _w(), "w + v": lambda v: _w() + v, "v + 1": lambda v: v + 1,
    "1 + v": lambda v: 1 + v, "v - w": lambda v: v - _w(), "w - v": lambda v: _w() - v,
    "2 - v": lambda v: 2 - v, "v * w": lambda v: v * _w(), "w * v": lambda v: _w() * v,
    "v * 0": lambda v: v * 0, "0 * v": lambda v: 0 * v, "v / w": lambda v: v / _w(),
    "w / v": lambda v: _w() / v, "v / 2": lambda v: v / 2, "1 / v": lambda v: 1 / v,
    "-v": lambda v: -v, "v ** 2": lambda v: v**2, "v ** 0": lambda v: v**0,
    "v ** -1": lambda v: v**-1, "v ** 0.5": lambda v: v**0.5, "2 ** v": lambda v: 2**v,
    "1 ** v": lambda v: 1**v, "v ** w": lambda v: v ** _w(), "w ** v": lambda v: _w() ** v,
    "exp": lambda v: v.exp(), "log": lambda v: v.log(), "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(), "relu": lambda v: v.relu(),
    "leaky_relu": lambda v: v.leaky_relu(), "leaky_relu(0)": lambda v: v.leaky_relu(0),
    "elu": lambda v: v.elu(), "abs": lambda v: abs(v), "max(v, w)": lambda v: v.max(_w()),
    "max(w, v)": lambda v: _w().max(v), "min(v, w)": lambda v: v.min(_w()),
    "min(w, v)": lambda v: _w().min(v), "max(v, 1)": lambda v: v.max(1),
    "min(v, 1)": lambda v: v.min(1),
}


@pytest.mark.parametrize("graph", [True, False], ids=["graph", "no_grad"])
@pytest.mark.parametrize("bad", BAD, ids=str)
@pytest.mark.parametrize("op", list(ON_BAD_DATA))
def test_nan_or_inf_written_into_the_slot_is_named_by_label(op, bad, graph):
    """Setting .data refuses nan and infinities (above), but every operation still checks:
    on a Value whose slot holds nan or an infinity anyway (written past the setter), each
    says so, by the Value's label: none of them hides it (relu(nan) = 0, tanh(inf) = 1,
    1 / inf = 0, ...) and none calls it 'too large for a float'."""
    v = Value(1.0, label="v")
    v._data = bad  # past the checked setter, on purpose
    message = rf"^'[^']*': v holds {bad}, not a finite number; a Value must"
    with pytest.raises(ValueError, match=message):
        if graph:
            ON_BAD_DATA[op](v)
        else:
            with no_grad():
                ON_BAD_DATA[op](v)


@pytest.mark.parametrize("op", ["v + w", "exp", "relu", "1 / v", "max(v, 1)", "v ** 0"])
def test_an_unlabelled_value_holding_nan_is_called_an_input(op):
    v = Value(1.0)
    v._data = math.nan  # past the checked setter, on purpose
    with pytest.raises(ValueError, match=r"^'[^']*': an input holds nan, not a finite number"):
        ON_BAD_DATA[op](v)


@given(x=st.floats(allow_nan=False, allow_infinity=False, min_value=-50, max_value=50),
       op=st.sampled_from(sorted(ON_BAD_DATA)))
@settings(max_examples=150, deadline=None)
def test_finite_data_set_by_hand_is_used_as_it_is(x, op):
    """The checks above refuse only what is not finite: any finite .data still computes what
    the same Value made from the start computes (or the same error)."""
    v = Value(1.0, label="v")
    v.data = x

    def run(value):
        try:
            return ON_BAD_DATA[op](value).data
        except (ArithmeticError, ValueError) as e:
            return type(e).__name__

    assert run(v) == run(Value(x, label="v"))


# ----- the learner's labels in the errors of operations -------------------------------------

def test_division_by_zero_names_the_labels():
    a, zero = Value(1.0, label="a"), Value(0.0, label="zero")
    with pytest.raises(ZeroDivisionError, match=r"^division by zero in a / zero: a = 1, zero = 0$"):
        a / zero
    x, y = Value(3.0, label="x"), Value(0.0, label="y")
    with pytest.raises(ZeroDivisionError, match=r"^division by zero in x / 0: x = 3$"):
        x / 0
    with pytest.raises(ZeroDivisionError, match=r"^division by zero in 5 / y: y = 0$"):
        5 / y
    with pytest.raises(ZeroDivisionError,
                       match=r"^division by zero in 3 / 0: the divisor is an unlabelled input$"):
        Value(3.0) / Value(0.0)  # no labels: their numbers (never made-up names)


@pytest.mark.parametrize("make, message", [
    (lambda: Value(-1.0, label="loss").log(),
     r"^log\(loss\) with loss = -1: log is only defined for positive numbers$"),
    (lambda: Value(0.0, label="x") ** -1,
     r"^x \*\* -1 with x = 0: zero cannot be raised to a negative power$"),
    (lambda: Value(-2.0, label="x") ** 0.5,
     r"^x \*\* 0\.5 with x = -2: a negative number has no real fractional power$"),
    (lambda: Value(0.0, label="x") ** 0.5,
     r"^x \*\* 0\.5 with x = 0: the value is 0 but its gradient is infinite at 0$"),
    (lambda: Value(10.0, label="x") ** 400,
     r"^x \*\* 400 with x = 10 \(or its gradient\) is too large for a float$"),
    (lambda: Value(-2.0, label="b") ** Value(3.0, label="e"),
     r"^b \*\* e with b = -2, e = 3: with a Value exponent the base must be positive"),
    (lambda: 10 ** Value(400.0, label="e"), r"^10 \*\* e with e = 400 is too large for a float$"),
    (lambda: Value(1000.0, label="z").exp(), r"^exp\(z\) with z = 1000 is too large for a float$"),
    (lambda: Value(1e200, label="a") * Value(1e200, label="b"),
     r"^'\*' on a = 1e\+200, b = 1e\+200 gave inf: the result is too large for a float$"),
    (lambda: Value(1.0, label="one") / Value(1e-200, label="tiny"),
     r"^'/' on one = 1, tiny = 1e-200 gave 1e\+200, but its gradient there is too large"),
], ids=["log", "pow-zero", "pow-negative", "pow-kink", "pow-overflow", "pow-value",
        "rpow-overflow", "exp", "mul-overflow", "div-gradient"])
def test_operation_errors_use_the_labels(make, message):
    with pytest.raises(ArithmeticError if "too large" in message or "zero cannot" in message
                       else ValueError, match=message):
        make()


# ----- labels -------------------------------------------------------------------------------

CONTROL = ["\n", "\r", "\t", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u2029",
           "\ud800", "\udfff", "\ufffe", "\uffff"]


@pytest.mark.parametrize("bad", [5, 2.5, b"x", ["x"], Value(1.0)], ids=repr)
def test_a_label_must_be_a_string(bad):
    with pytest.raises(TypeError, match=r"^label: expected a string, got "):
        Value(1.0, label=bad)
    v = Value(1.0, label="v")
    with pytest.raises(TypeError, match=r"^label: expected a string, got "):
        v.label = bad
    assert v.label == "v"  # unchanged


def test_none_means_no_label_and_a_str_subclass_is_kept_as_a_str():
    assert Value(1.0, label=None).label == ""
    v = Value(1.0, label="v")
    v.label = None
    assert v.label == ""

    class Name(str):
        pass

    v.label = Name("w")
    assert v.label == "w" and type(v.label) is str


@pytest.mark.parametrize("char", CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_a_label_on_more_than_one_line_or_with_control_characters_is_refused(char):
    label = f"ab{char}c"
    with pytest.raises(ValueError, match=r"^label 'ab.*c': contains .* at position 3; a label "
                                         r"is a name on one line"):
        Value(1.0, label=label)
    v = Value(1.0, label="v")
    with pytest.raises(ValueError, match="a label is a name on one line"):
        v.label = label
    assert v.label == "v"


def _svg(graph) -> ET.Element:
    return ET.fromstring(graph.pipe("svg"))  # raises if dot fails or the SVG is not XML


def _texts(svg: ET.Element, node_id: str) -> list[str]:
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("id") == node_id)
    return ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]


def _shown(text: str) -> str:
    """What Graphviz shows for a name: visible(), and runs of spaces as in SVG text (Graphviz
    writes every space after the first of a run as a no-break space)."""
    return re.sub(r"(?<= ) ", "\xa0", visible(text, NAME_LIMIT))


HOSTILE_LABELS = ['"', "'", "\\", "a\\", "\\N", "\\l", "\\n", "<b>x</b>", "&amp;", "&", "<",
                  ">", "node", "edge", "graph", "digraph", "subgraph", "strict", "-->", "<!--",
                  "</script>", "%%DATA%%", "%%SVG%%", "%%TITLE%%", "{", "}", ";", "[label=x]",
                  "é ü 中文 🙂", "\u200d", "\u202e", "\u00a0x", "x" * 20_000]


@needs_dot
@pytest.mark.parametrize("label", HOSTILE_LABELS, ids=range(len(HOSTILE_LABELS)))
def test_a_hostile_label_draws_as_typed(label):
    x = Value(2.0, label=label)
    y = x * 3
    y.label = "y"
    p = y.backward_steps()
    next(p)
    for graph in (draw(y), draw(y, p), draw(y, p.current, p, title=label)):
        svg = _svg(graph)
        assert _texts(svg, "n0")[0] == _shown(label)
    title = "".join(_svg(draw(y, title=label)).find(f"{SVG}g").find(f"{SVG}text").itertext())
    assert title == visible(label, 400)


@needs_dot
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=st.text(min_size=1, max_size=40))
@example(label="a\nb")
@example(label="]")  # Graphviz fails on an HTML text that begins with "]"
@example(label="x" * 5000 + '"' * 3000)
def test_any_text_is_a_label_that_draws_or_is_refused_when_set(label):
    bad = any(c in CONTROL or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F
              or 0xD800 <= ord(c) <= 0xDFFF for c in label)
    if bad:
        with pytest.raises(ValueError, match="a label is a name on one line"):
            Value(1.0, label=label)
        return
    x = Value(1.0, label=label)
    y = x.exp()
    svg = _svg(draw(y, title=label))
    assert _texts(svg, "n0")[0] == _shown(label)


@needs_dot
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(op=st.text(max_size=40))
@example(op="bad square")
@example(op="\\N\n\x00\ud800<b>&amp;node")
@example(op="q" * 20_000)
def test_any_operation_name_draws_as_typed(op):
    """Hand-made operations (the README's `bad square`) are not checked when made: any name
    draws, control characters shown as escapes such as \\n."""
    x = Value(3.0, label="x")
    y = Value(x.data * x.data, "", (x,), (x.data,), op)
    svg = _svg(draw(y))
    shown = _texts(svg, "op1")
    assert shown == ([_shown(op)] if _shown(op).strip() else shown)  # an empty text: no line


def test_an_operation_name_must_be_a_string():
    x = Value(3.0)
    with pytest.raises(TypeError, match=r"^Value\(\): the operation's name must be a string, "
                                        r"got int 5"):
        Value(9.0, "", (x,), (6.0,), 5)


@pytest.mark.parametrize("local, message", [
    (("two",), r"^'sq': local gradient 1 must be a number, got str 'two'"),
    ((None,), r"^'sq': local gradient 1 must be a number, got NoneType None"),
    ((math.inf,), r"^'sq' on x = 3 gave 9, but its gradient there is too large"),
    (6.0, r"^'sq': the local gradients must be a tuple of numbers, one per input, got float"),
])
def test_a_hand_made_node_with_bad_local_gradients(local, message):
    x = Value(3.0, label="x")
    with pytest.raises((TypeError, OverflowError), match=message):
        Value(9.0, "", (x,), local, "sq")


def test_a_hand_made_node_with_inputs_that_are_not_a_tuple():
    x = Value(3.0, label="x")
    with pytest.raises(ValueError, match=r"^'sq': an operation takes one or two inputs, each "
                                         r"with one local gradient; got not a tuple \(Value"):
        Value(9.0, "", x, (6.0,), "sq")


# ----- numpy --------------------------------------------------------------------------------

def test_numpy_numbers_work_as_numbers_on_either_side():
    np = pytest.importorskip("numpy")
    a = Value(3.0, label="a")
    for c in (np.float64(2.0), np.float32(2.0), np.int64(2), np.int8(2)):
        for y in (c * a, a * c, c + a, a + c, c - a, c / a, a / c, c**a, a**c):
            assert type(y) is Value and type(y.data) is float and y.inputs == (a,)
        y = c * a
        y.backward()
        assert a.grad == 2.0
        a.zero_grad()
    assert type(Value(np.float64(2.5)).data) is float and Value(np.int64(7)).data == 7.0
    a.grad = np.float64(1.5)
    assert a.grad == 1.5
    with pytest.raises(ValueError, match=r"^Value\(\): got nan, but only finite"):
        Value(np.float64("nan"))


@pytest.mark.parametrize("make", [
    lambda np, a: Value(np.array([1.0, 2.0])),
    lambda np, a: a * np.array([1.0, 2.0]),
    lambda np, a: np.array([1.0, 2.0]) * a,
    lambda np, a: np.array([1.0, 2.0]) + a,
    lambda np, a: np.ones((2, 2)) ** a,
    lambda np, a: a.max(np.array([1.0])),
], ids=["Value", "mul", "rmul", "radd", "rpow", "max"])
def test_a_numpy_array_is_a_clear_type_error(make):
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match=r"expected a real number, got ndarray .*\(a Value holds "
                                        r"one number: make one Value per number\)"):
        make(np, Value(3.0))


def test_a_model_takes_a_numpy_row():
    np = pytest.importorskip("numpy")
    model = MLP(2, [3, 1])
    assert model(np.array([0.5, -1.0])).data == model([0.5, -1.0]).data
    with pytest.raises(ValueError, match=r"^MLP takes one sample at a time \(a list of 2 "
                                         r"numbers\), but got an array of shape \(1, 2\)"):
        model(np.zeros((1, 2)))  # a batch of one sample, as PyTorch takes it


# ----- sequences in nn ----------------------------------------------------------------------

@pytest.mark.parametrize("model", [MLP(2, [3, 1]), Layer(2, 2), Neuron(2)],
                         ids=["MLP", "Layer", "Neuron"])
@pytest.mark.parametrize("bad, message", [
    ({"a": 1, "b": 2}, r"a list of 2 numbers in order, got dict .*its keys.*pass a list"),
    ({1, 2}, r"a list of 2 numbers in order, got set .*a set has no order"),
    (frozenset({1.0, 2.0}), r"a list of 2 numbers in order, got frozenset"),
    ((x for x in [1, 2]), r"a list of 2 numbers, got generator"),
    ("ab", r"a list of 2 numbers, got str 'ab'"),
    (b"ab", r"a list of 2 numbers, got bytes"),
], ids=["dict", "set", "frozenset", "generator", "str", "bytes"])
def test_dicts_sets_and_other_unordered_inputs_are_refused(model, bad, message):
    with pytest.raises(TypeError, match=rf"^{type(model).__name__} expects {message}"):
        model(bad)


def test_a_model_with_one_input_checks_a_single_number_too():
    model = MLP(1, [2, 1])
    with pytest.raises(ValueError, match="^MLP input 1 is nan; inputs must be finite numbers$"):
        model(math.nan)
    with pytest.raises(TypeError, match=r"^MLP expects a list of 1 numbers in order, got dict"):
        model({0: 1.0})
    assert model(0.5).data == model([0.5]).data == model((Value(0.5),)).data


# ----- draw() arguments ---------------------------------------------------------------------

def _f():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    f = x * y
    f.label = "f"
    return f


@pytest.mark.parametrize("kwargs, error, message", [
    ({"step": 3}, TypeError, r"^draw: step must be a BackwardStep or a BackwardPass \(or None\), "
                             r"got int 3; to draw step k of a pass p, use draw\(root, "
                             r"p\.steps\[k - 1\], p\)$"),
    ({"step": "1"}, TypeError, r"^draw: step must be a BackwardStep .* got str '1'$"),
    ({"backward_pass": [1]}, TypeError, r"^draw: backward_pass must be a BackwardPass"),
    ({"title": 5}, TypeError, r"^draw: title must be a string \(or None\), got int 5$"),
    ({"title": b"t"}, TypeError, r"^draw: title must be a string"),
    ({"rankdir": 5}, TypeError, r"^draw: rankdir must be a string such as 'LR', got int 5$"),
    ({"rankdir": ["LR"]}, TypeError, r"^draw: rankdir must be a string"),
    ({"rankdir": "XX"}, ValueError, r"^draw: rankdir must be 'LR', 'TB', 'RL' or 'BT'"),
], ids=["step-int", "step-str", "pass", "title-int", "title-bytes", "rankdir-int",
        "rankdir-list", "rankdir-unknown"])
def test_draw_refuses_arguments_of_the_wrong_kind(kwargs, error, message):
    pytest.importorskip("graphviz")
    with pytest.raises(error, match=message):
        draw(_f(), **kwargs)


@needs_dot
def test_draw_of_a_pass_still_takes_steps_and_passes():
    f = _f()
    p = f.backward_steps()
    next(p)
    assert isinstance(p, BackwardPass)
    for graph in (draw(f, p), draw(f, p.current, p), draw(f, p.steps[0]), draw(f, title="")):
        _svg(graph)
    order = topological_order(f)
    assert [v.label for v in order] == ["x", "y", "f"]


@needs_dot
@pytest.mark.parametrize("label", HOSTILE_LABELS[:-1], ids=range(len(HOSTILE_LABELS) - 1))
def test_a_hostile_label_draws_as_typed_in_a_grouped_drawing_too(label):
    """A group takes its name from labels ("<group>.w1"): the group's box and the caption
    show the hostile text as typed, and so does a hand-made operation's name."""
    x = Value(2.0, label=f"{label}.w1")
    b = Value(0.5, label=f"{label}.b")
    n = Value(x.data * b.data, "", (x, b), (b.data, x.data), label or "op")
    out = n.tanh()
    out.label = f"{label}.out"
    svg = _svg(draw(out, group="neuron", title=label))
    boxes = [g.get("id") for g in svg.iter(f"{SVG}g") if re.fullmatch(r"g\d+", g.get("id") or "")]
    assert boxes, "no group box was drawn"
    assert _texts(svg, boxes[0])[0] == _shown(f"{label}.out")
    caption = "".join(svg.find(f"{SVG}g").find(f"{SVG}text").itertext())
    assert caption == visible(label, 400)
