"""Setting `.data` and `.grad` by hand, and the PyTorch habits `item()` and `f"{v:.4f}"`.

`.data` is checked when it is set, as `Value()` checks its number: a finite real number, stored
as a plain float, or an error that names the value by its label (and the value keeps its
number). `.grad` takes a finite real number or None ("no gradient yet").
"""

from __future__ import annotations

import copy
import math
import numbers
import pickle
import shutil
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import StalePassError, Value, batched
from stepgrad.nn import MLP, SGD, Adam
from stepgrad.value import describe

np = pytest.importorskip("numpy")

NOT_NUMBERS = [np.array([0.5]), [1.0], "3", None, Value(1.0), 1j, Decimal("1.5"), {1.0: 2.0}]
NOT_FINITE = [math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf"),
              Fraction(10**400, 3), 10**400, -(10**5000)]
SETTERS = [("data", "setting .data of 'w'"), ("grad", "setting .grad of 'w'")]


def finite_real(x: object) -> bool:
    """What setting .data (or a number into .grad) accepts: a finite real number."""
    if not isinstance(x, numbers.Real):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def error_of(call) -> BaseException | None:
    try:
        call()
    except Exception as error:  # the test looks at which one
        return error
    return None


# ----- .data: checked as Value() checks its number ---------------------------------------------


@pytest.mark.parametrize("bad", NOT_NUMBERS + NOT_FINITE, ids=lambda x: describe(x, 24))
def test_setting_data_refuses_what_value_refuses_with_the_same_words_and_the_label(bad):
    w = Value(0.5, label="w")
    made = error_of(lambda: Value(bad))
    assert made is not None and str(made).startswith("Value(): ")
    with pytest.raises(type(made)) as info:
        w.data = bad
    assert str(info.value) == str(made).replace("Value()", "setting .data of 'w'", 1)
    assert w.data == 0.5 and type(w.data) is float
    u = Value(0.5)  # no label: the operation alone
    with pytest.raises(type(made), match=r"^setting \.data: "):
        u.data = bad


@pytest.mark.parametrize("x", [np.float32(0.1), np.float64(0.25), np.int64(-3), 7, True,
                               Fraction(1, 3), 10**300, -0.0, 5e-324], ids=repr)
def test_a_number_set_into_data_is_stored_as_a_plain_float(x):
    w = Value(2.0, label="w")
    w.data = x
    assert type(w.data) is float and w.data == float(x)
    assert math.copysign(1.0, w.data) == math.copysign(1.0, float(x))  # -0.0 stays -0.0
    for out in (w * 3, w * Value(3.0), w + w, (w * 1.5).tanh(), w.relu(), w.max(Value(0.0))):
        assert type(out.data) is float  # nothing of numpy spreads into the graph
    assert repr(w).startswith("Value(data=")


ANY_OBJECT = st.one_of(
    st.floats(), st.floats(width=32).map(np.float32), st.floats().map(np.float64),
    st.integers(), st.integers(min_value=10**300, max_value=10**400).map(lambda n: -n),
    st.integers(-(2**63), 2**63 - 1).map(np.int64), st.fractions(), st.booleans(),
    st.decimals(), st.none(), st.text(max_size=4), st.complex_numbers(),
    st.lists(st.floats(), max_size=2), st.floats(-5, 5).map(Value),
)


@settings(max_examples=300, deadline=None)
@given(x=ANY_OBJECT, which=st.sampled_from(SETTERS))
def test_a_setter_accepts_exactly_the_finite_real_numbers(x, which):
    """Random objects: accepted iff a finite real number, then stored as float(x); refused
    with an error naming the setting, and then nothing changed (.grad also takes None)."""
    attr, name = which
    w = Value(0.5, label="w")
    w.grad = -1.25
    error = error_of(lambda: setattr(w, attr, x))
    if error is None:
        assert finite_real(x) or (attr == "grad" and x is None)
        stored = getattr(w, attr)
        if x is None:
            assert stored == 0.0 and not w.grad_computed
        else:
            assert type(stored) is float and stored == float(x)
    else:
        assert not finite_real(x) and not (attr == "grad" and x is None)
        assert isinstance(error, (TypeError, ValueError, OverflowError))
        assert str(error).startswith(f"{name}: ")
        assert (w.data, w.grad, w.grad_computed) == (0.5, -1.25, True)


def test_a_training_step_of_your_own_that_diverges_stops_at_once_by_name():
    w, b = Value(1.0, label="w"), Value(-1.0, label="b")
    w.grad, b.grad = 1e300, 2.0
    lr = 1e10
    with pytest.raises(ValueError, match=r"^setting \.data of 'w': got -inf, but a Value must"):
        for p in (b, w):
            p.data -= lr * p.grad
    assert b.data == -1.0 - 2e10 and w.data == 1.0  # b was updated before w failed; w kept 1


@pytest.mark.parametrize("make", [SGD, Adam])
def test_an_optimiser_gives_its_own_message_once(make):
    w = Value(1.0, label="w")
    opt = make([w], lr=1e308)
    w.grad = 1e300 if make is SGD else 1.0
    if make is Adam:  # its first step moves by lr: from near the lowest float, past it
        w.data = -1.7e308
    with pytest.raises(OverflowError) as info:
        opt.step()
    message = str(info.value)
    assert message.startswith(f"{make.__name__}.step: w = ") and "setting .data" not in message
    assert "Nothing was changed" in message and w.data in (1.0, -1.7e308)


# ----- .data still behaves as a plain attribute everywhere else --------------------------------


def test_values_pickle_and_copy_with_their_numbers_and_the_checked_setter():
    a, b = Value(1.5, label="a"), Value(-2.0)
    out = (a * b + a).tanh()
    out.backward()
    for again in (pickle.loads(pickle.dumps(out)), copy.deepcopy(out), copy.copy(out)):
        assert (again.data, again.grad) == (out.data, out.grad)
        assert [v.data for v in again.inputs] == [v.data for v in out.inputs]
        with pytest.raises(TypeError, match=r"^setting \.data: expected a real number"):
            again.data = "0.5"
        again.data = np.float32(0.5)
        assert type(again.data) is float
    assert out.data == math.tanh(-1.5)  # the copies are copies


def test_a_model_saves_and_loads_numbers_set_by_hand(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    for k, p in enumerate(model.parameters()):
        p.data = np.float32(k / 7)  # as a learner might, from numpy
    path = tmp_path / "m.json"
    model.save(path)
    again = MLP(2, [3, 1], seed=1).load(path)
    assert again.state_dict() == model.state_dict()
    assert all(type(v) is float for v in again.state_dict().values())
    other = MLP(2, [3, 1], seed=2)
    other.load_state_dict({k: np.float64(v) for k, v in model.state_dict().items()})
    assert other.state_dict() == model.state_dict()
    assert all(type(p.data) is float for p in other.parameters())


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_batched_recording_leaves_the_checked_setter_in_place(backend):
    w = Value(0.7, label="w")

    def fn(x):
        h = w * x
        return h * h if h.data > 0.5 else h.tanh()

    got = batched(fn, backend=backend)([1.0, 0.1, 2.0])
    assert got.fallbacks == 1
    assert isinstance(Value.__dict__["data"], property)
    with pytest.raises(ValueError, match=r"^setting \.data of 'w': got nan"):
        w.data = math.nan

    def sets_a_bad_number(x):
        w.data = [x]  # refused while recording too
        return w * x

    with pytest.raises(TypeError, match=r"setting \.data of 'w': expected a real number"):
        batched(sets_a_bad_number, backend=backend)([1.0, 2.0])
    assert w.data == 0.7 and isinstance(Value.__dict__["data"], property)


# ----- item() and format() ------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_branch_on_item_is_followed_by_batched_as_one_on_data(backend):
    from test_batch import check

    w = Value(0.7, label="w")

    def fn(x):
        h = w * x
        if h.item() > 0.5:  # the same guard as h.data > 0.5
            return h * h
        return h.tanh()

    X = [1.0, 0.1, 2.0, -3.0, 0.9]  # samples 1 and 3 take the other branch
    check(fn, [w], (X,), backend, expect_fallbacks=2)


@given(x=st.floats(allow_nan=False, allow_infinity=False))
def test_item_is_the_float_held(x):
    v = Value(x)
    assert type(v.item()) is float and v.item() == v.data == x
    v.data = np.float32(0.5)
    assert type(v.item()) is float and v.item() == 0.5


SPECS = [".4f", ".3e", "g", "+.2f", ">14.3f", "<10.1%", ",.2f", ".0f", "e", "08.2f", ".17g"]


@given(x=st.floats(allow_nan=False, allow_infinity=False), spec=st.sampled_from(SPECS),
       label=st.sampled_from(["", "loss"]))
def test_format_with_a_spec_formats_the_number(x, spec, label):
    v = Value(x, label=label)
    assert format(v, spec) == format(x, spec) == f"{v:{spec}}"
    assert format(v, "") == f"{v}" == str(v) == repr(v)  # no spec: as before


def test_format_with_a_spec_floats_do_not_take_is_an_error():
    with pytest.raises(ValueError, match="Unknown format code 'd'"):
        format(Value(2.0), "d")


# ----- .grad = None: "no gradient yet" ------------------------------------------------------


def test_setting_grad_to_none_means_no_gradient_yet():
    w = Value(0.5, label="w")
    out = (w * 3.0).tanh()
    out.backward()
    assert w.grad_computed
    w.grad = None
    assert (w.grad, w.grad_computed) == (0.0, False)
    assert repr(w) == "Value(data=0.5, label='w')"  # as before any pass
    out.backward()  # the next pass starts from nothing, as after zero_grad()
    fresh = Value(0.5)
    (fresh * 3.0).tanh().backward()
    assert w.grad == fresh.grad


@pytest.mark.parametrize("new", [None, 2.5])
def test_setting_grad_to_none_follows_the_pass_rules_of_setting_a_number(new):
    """A live stepped pass over the value ends first (its steps undone, the pass stale), as
    for any number set into .grad."""
    x = Value(-1.5, label="x")
    w = Value(0.5, label="w")
    w.grad = 4.0  # held from an earlier pass
    n = w * x + w
    out = n.tanh()
    p = out.backward_steps()
    for _ in range(3):
        next(p)
    n.grad = new
    assert p.stale
    with pytest.raises(StalePassError):
        next(p)
    assert (w.grad, w.grad_computed) == (4.0, True) and not x.grad_computed  # steps undone
    assert not out.grad_computed
    assert n.grad_computed == (new is not None) and n.grad == (new or 0.0)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed")
def test_a_gradient_set_to_none_is_drawn_as_grad_question_mark():
    pytest.importorskip("graphviz")
    from stepgrad import draw
    from stepgrad.backward import topological_order
    from stepgrad.draw import node_ids

    w = Value(0.5, label="w")
    out = w * 2.0
    out.backward()
    w.grad = None
    graph = draw(out)
    svg = ET.fromstring(graph.pipe("svg"))
    box = node_ids(topological_order(out))[w]
    texts = next(["".join(t.itertext()) for t in g.iter("{http://www.w3.org/2000/svg}text")]
                 for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == box)
    assert texts == ["w", "data 0.5", "grad ?"]


def test_setting_grad_names_the_value_as_setting_data_does():
    w, u = Value(0.5, label="w"), Value(0.5)
    with pytest.raises(ValueError, match=r"^setting \.grad of 'w': got nan"):
        w.grad = math.nan
    with pytest.raises(TypeError, match=r"^setting \.grad: expected a real number"):
        u.grad = "1"
    assert w.grad == 0.0 and not w.grad_computed
