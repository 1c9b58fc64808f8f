"""The table of operations: every entry at order 1, 2 and 3 (against finite differences of the
order below, and PyTorch in float64), the fast paths against their entries, constants kept
exactly, and operations a user adds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Op, Value, grad, gradcheck, no_grad
from stepgrad.ops import TABLE
from stepgrad.stepping import formula, node_names
from stepgrad.value import _binary, _unary


# For every entry: a function of one or two Values that applies it once, the points to try
# (away from kinks and ties, inside the domain) and the same function in PyTorch.
def _torch():
    torch = pytest.importorskip("torch", reason="PyTorch is only used to cross-check")
    return torch


UNARY_POINTS = [-1.3, -0.4, 0.45, 1.9]
POSITIVE = [0.3, 0.8, 1.7]
PAIRS = [(0.7, -1.3), (1.9, 0.4), (-0.6, 2.2)]
POSITIVE_PAIRS = [(0.7, -1.3), (1.9, 0.4), (0.6, 2.2)]

CASES = {
    # name: (engine function, points, torch function of tensors)
    "add": (lambda a, b: a + b, PAIRS, lambda t, a, b: a + b),
    "add_c": (lambda a: a + 1.5, UNARY_POINTS, lambda t, a: a + 1.5),
    "radd_c": (lambda a: 1.5 + a, UNARY_POINTS, lambda t, a: 1.5 + a),
    "sub": (lambda a, b: a - b, PAIRS, lambda t, a, b: a - b),
    "sub_c": (lambda a: a - 1.5, UNARY_POINTS, lambda t, a: a - 1.5),
    "rsub_c": (lambda a: 1.5 - a, UNARY_POINTS, lambda t, a: 1.5 - a),
    "neg": (lambda a: -a, UNARY_POINTS, lambda t, a: -a),
    "mul": (lambda a, b: a * b, PAIRS, lambda t, a, b: a * b),
    "mul_c": (lambda a: a * -2.5, UNARY_POINTS, lambda t, a: a * -2.5),
    "rmul_c": (lambda a: -2.5 * a, UNARY_POINTS, lambda t, a: -2.5 * a),
    "div": (lambda a, b: a / b, PAIRS, lambda t, a, b: a / b),
    "div_c": (lambda a: a / 0.3, UNARY_POINTS, lambda t, a: a / 0.3),
    "rdiv_c": (lambda a: 0.3 / a, UNARY_POINTS, lambda t, a: 0.3 / a),
    "pow_c": (lambda a: a**3, UNARY_POINTS, lambda t, a: a**3),
    "pow_c 2.5": (lambda a: a**2.5, POSITIVE, lambda t, a: a**2.5),
    "pow_c -1.5": (lambda a: a**-1.5, POSITIVE, lambda t, a: a**-1.5),
    "pow_c 2": (lambda a: a**2, UNARY_POINTS, lambda t, a: a**2),
    "pow_c 1": (lambda a: a**1, UNARY_POINTS, lambda t, a: a**1),
    "pow_c 0": (lambda a: a**0 * a, UNARY_POINTS, lambda t, a: a**0 * a),
    "pow": (lambda a, b: a**b, POSITIVE_PAIRS, lambda t, a, b: a**b),
    "rpow_c": (lambda a: 2.0**a, UNARY_POINTS, lambda t, a: 2.0**a),
    "exp": (Value.exp, UNARY_POINTS, lambda t, a: t.exp(a)),
    "log": (Value.log, POSITIVE, lambda t, a: t.log(a)),
    "tanh": (Value.tanh, UNARY_POINTS, lambda t, a: t.tanh(a)),
    "sigmoid": (Value.sigmoid, UNARY_POINTS, lambda t, a: t.sigmoid(a)),
    "relu": (lambda a: a.relu() * a, UNARY_POINTS, lambda t, a: t.relu(a) * a),
    "leaky_relu": (lambda a: a.leaky_relu(0.2) * a, UNARY_POINTS,
                   lambda t, a: t.nn.functional.leaky_relu(a, 0.2) * a),
    "elu": (lambda a: a.elu(0.5), UNARY_POINTS, lambda t, a: t.nn.functional.elu(a, 0.5)),
    "abs": (lambda a: abs(a) * a, UNARY_POINTS, lambda t, a: t.abs(a) * a),
    "max": (lambda a, b: a.max(b) * a, PAIRS, lambda t, a, b: t.maximum(a, b) * a),
    "max_c": (lambda a: a.max(0.1) * a, UNARY_POINTS,
              lambda t, a: t.maximum(a, t.tensor(0.1, dtype=t.float64)) * a),
    "min": (lambda a, b: a.min(b) * a, PAIRS, lambda t, a, b: t.minimum(a, b) * a),
    "min_c": (lambda a: a.min(0.1) * a, UNARY_POINTS,
              lambda t, a: t.minimum(a, t.tensor(0.1, dtype=t.float64)) * a),
}
# the kinked ones are multiplied by their input so that their second derivative is not 0
DIRECTION = (0.6, -0.8)  # binary entries are differentiated along a line through the point


def test_every_entry_of_the_table_has_a_case():
    assert {name.split()[0] for name in CASES} == set(TABLE)


def along_line(name: str):
    """The case as a function of one Value t (a line through the point, for binary entries)."""
    fn, points, _ = CASES[name]
    if not isinstance(points[0], tuple):
        return fn, points
    u, w = DIRECTION

    def line(t, x, y):
        return fn(t * u + x, t * w + y)

    return line, points


def derivatives(fn, x: float, *rest: float, order: int = 3) -> list[float]:
    """f(x), f'(x), ..., f^(order)(x) by repeated grad(create_graph=True)."""
    t = Value(x, label="t")
    out = fn(t, *rest)
    values = [out.data]
    for _ in range(order):
        (out,) = grad(out, t, create_graph=True, allow_unused=True)
        out = Value(0.0) if out is None else out  # a constant derivative: the next one is 0
        values.append(out.data)
    return values


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("name", list(CASES))
def test_each_entry_at_order_1_2_3_against_finite_differences_of_the_order_below(name):
    fn, points = along_line(name)
    for p in points:
        x, rest = (0.0, p) if isinstance(p, tuple) else (p, ())
        ours = derivatives(fn, x, *rest)
        if not rest:  # order 1 also against gradcheck, the engine's first-order path
            assert gradcheck(fn, x).ok
        h = 1e-5
        for k in (1, 2, 3):
            up = derivatives(fn, x + h, *rest, order=k - 1)[k - 1]
            down = derivatives(fn, x - h, *rest, order=k - 1)[k - 1]
            central = (up - down) / (2 * h)
            assert close(ours[k], central, 1e-6), f"{name} order {k} at {p}: {ours} vs {central}"


@pytest.mark.parametrize("name", list(CASES))
def test_each_entry_at_order_1_2_3_matches_pytorch(name):
    torch = _torch()
    fn, points, torch_fn = CASES[name]
    for p in points:
        args = p if isinstance(p, tuple) else (p,)
        # the full set of partial derivatives up to order 3, through all inputs
        leaves = [Value(a) for a in args]
        tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
        ours, theirs = [fn(*leaves)], [torch_fn(torch, *tensors)]
        for _ in range(3):
            next_ours, next_theirs = [], []
            for o, th in zip(ours, theirs, strict=True):
                g_ours = grad(o, leaves, create_graph=True, allow_unused=True)
                g_theirs = torch.autograd.grad(th, tensors, create_graph=True, allow_unused=True)
                for go, gt in zip(g_ours, g_theirs, strict=True):
                    go = Value(0.0) if go is None else go
                    gt = torch.zeros((), dtype=torch.float64) if gt is None else gt
                    assert close(go.data, gt.item(), 1e-9), f"{name} at {p}: {go.data} vs {gt}"
                    next_ours.append(go)
                    next_theirs.append(gt if gt.requires_grad else gt.detach().requires_grad_())
            ours, theirs = next_ours, next_theirs


FINITE = st.floats(-30.0, 30.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(x=FINITE, y=FINITE, enabled=st.booleans())
def test_the_fast_paths_give_the_same_bits_as_their_entries(x, y, enabled):
    """`+`, `*` and relu build their nodes inline for speed; applied the generic way, their
    table entries must give exactly the same node."""
    a, b = Value(x), Value(y)
    for fast, entry, args in ((a + b, "add", (a, b)), (a * b, "mul", (a, b)),
                              (a.relu(), "relu", (a,))):
        generic = _binary(TABLE[entry], *args) if len(args) == 2 else _unary(TABLE[entry], *args)
        assert math.copysign(1, fast.data) == math.copysign(1, generic.data)
        assert (fast.data, fast.op, fast.inputs, fast.local_grads, fast.constant) == (
            generic.data, generic.op, generic.inputs, generic.local_grads, generic.constant)
        assert fast.operation is generic.operation is TABLE[entry]
    with no_grad():
        for fast, entry in ((a + b, "add"), (a * b, "mul"), (a.relu(), "relu")):
            assert fast.inputs == () and fast.operation is TABLE[entry]
            assert fast.data == TABLE[entry].forward(*((x, y) if entry != "relu" else (x,)))


def test_a_node_records_its_entry_and_its_exact_constant():
    a = Value(3.0, label="a")
    third = a * (1 / 3)
    assert third.operation is TABLE["mul_c"] and third.constant == 1 / 3  # not 0.333333
    assert third.op == "* 0.333333"  # the display string is rounded, the constant is not
    assert (a.leaky_relu(0.2)).constant == 0.2 and (a.elu()).constant == 1.0
    assert (2 ** a).operation is TABLE["rpow_c"] and (2 ** a).constant == 2.0
    for v in (a + a, a.tanh(), -a, a.max(a)):
        assert v.constant is None
    assert a.operation is None and a.constant is None and a.op == ""
    with no_grad():
        b = a * 7
    assert b.operation is TABLE["mul_c"] and b.constant == 7.0 and b.op == "* 7"


def test_formulas_come_from_the_entries():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    cases = [(a + b, "a + b"), (a - 1, "a - 1"), (1 - a, "1 - a"), (-a, "-a"), (a * 2, "a * 2"),
             (2 * a, "2 * a"), (a / b, "a / b"), (1 / a, "1 / a"), (a**2, "a ** 2"),
             (2**a, "2 ** a"), (a**b, "a ** b"), (a.tanh(), "tanh(a)"),
             (a.leaky_relu(0.2), "leaky_relu(a)"), (a.max(b), "max(a, b)"),
             (a.min(0.5), "min(a, 0.5)"), (abs(a), "abs(a)")]
    for out, text in cases:
        order = [a, b, out]
        assert formula(out, node_names(order)) == text


# ----- operations a user adds ----------------------------------------------------------------


def softplus_op() -> Op:
    return Op("softplus", forward=lambda x: math.log1p(math.exp(x)),
              grads=lambda m, x, out: (1.0 - m.exp(-out),))


def test_a_user_operation_works_like_a_built_in_one():
    softplus = softplus_op()
    x = Value(0.3, label="x")
    y = softplus(x)
    y.label = "y"
    assert y.op == "softplus" and y.operation is softplus and y.inputs == (x,)
    assert y.data == pytest.approx(math.log(1 + math.exp(0.3)), rel=1e-15)
    assert repr(next(y.backward_steps())).startswith("y = softplus(x): upstream 1 x local")
    assert gradcheck(lambda v: softplus(v) * v, 0.3).ok
    # and at order 2 and 3: softplus' = sigmoid, softplus'' = s(1 - s), softplus''' = ...
    values = derivatives(lambda t: softplus(t), 0.3)
    s = 1 / (1 + math.exp(-0.3))
    assert values[1:] == pytest.approx([s, s * (1 - s), s * (1 - s) * (1 - 2 * s)], rel=1e-12)


def test_user_operations_with_a_constant_and_with_two_inputs():
    hypot = Op("hypot", forward=math.hypot, kind="binary",
               grads=lambda m, x, y, out: (x / out, y / out))
    scale = Op("scale", forward=lambda x, c: x * c, kind="constant", shown="scale {c}",
               grads=lambda m, x, c, out: (c,))
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    h = hypot(a, b)
    assert h.data == 5.0 and h.local_grads == (0.6, 0.8) and h.op == "hypot"
    assert formula(h, node_names([a, b, h])) == "hypot(a, b)"
    s = scale(a, 2)
    assert s.op == "scale 2" and s.constant == 2.0
    assert formula(s, node_names([a, s])) == "scale(a, 2)"
    assert gradcheck(lambda x, y: hypot(x, y), 3.0, 4.0).ok
    (gx, gy) = grad(hypot(a, b), [a, b], create_graph=True)
    (hxx, hxy) = grad(gx, [a, b])
    assert (hxx.data, hxy.data) == pytest.approx((16 / 125, -12 / 125), rel=1e-14)


def test_a_wrong_rule_is_caught_by_gradcheck_and_bad_definitions_are_named():
    bad_square = Op("bad square", forward=lambda x: x * x, grads=lambda m, x, out: (x,))
    check = gradcheck(lambda w, x: bad_square(w) * x, 3.0, -2.0)
    assert not check.ok and [r.index for r in check.failures] == [1]
    two = Op("two", forward=lambda x: x, grads=lambda m, x, out: (1.0, 1.0))
    with pytest.raises(TypeError, match=r"^Op 'two': its grads rule must return a tuple of 1 "):
        two(Value(1.0))
    with pytest.raises(TypeError, match=r"^bad square: argument 1 must be a Value, got float"):
        bad_square(2.0)
    with pytest.raises(TypeError, match=r"^bad square: takes one Value, got 2 argument"):
        bad_square(Value(1.0), Value(2.0))
    with pytest.raises(ValueError, match=r"^Op 'x': kind must be"):
        Op("x", forward=abs, grads=abs, kind="ternary")
    with pytest.raises(TypeError, match=r"^Op 'x': grads must be a function"):
        Op("x", forward=abs, grads=3)
    scale = Op("scale", forward=lambda x, c: x * c, kind="constant",
               grads=lambda m, x, c, out: (c,))
    with pytest.raises(TypeError, match=r"^scale: expected a real number, got str"):
        scale(Value(1.0), "2")


def test_a_user_operation_outside_its_domain_names_the_labels():
    from stepgrad.ops import Domain

    def forward(x: float) -> float:
        if x < 0.0:
            raise Domain(ValueError, "{where}: sqrt needs a number >= 0")
        return math.sqrt(x)

    sqrt = Op("sqrt", forward=forward, grads=lambda m, x, out: (0.5 / out,))
    with pytest.raises(ValueError, match=r"^sqrt\(loss\) with loss = -4: sqrt needs a number >= 0"):
        sqrt(Value(-4.0, label="loss"))
    with pytest.raises(ValueError, match=r"^sqrt\(-4\): sqrt needs"):
        sqrt(Value(-4.0))
    assert sqrt(Value(4.0)).data == 2.0


def test_a_user_operation_out_of_range_is_an_error_not_inf():
    cube = Op("cube", forward=lambda x: x**3, grads=lambda m, x, out: (3 * x * x,))
    with pytest.raises(OverflowError, match=r"^cube\(1e\+200\): the forward rule of Op 'cube' "
                                            r"raised OverflowError \(a number too large for a "
                                            r"float\): \(34, 'Numerical result out of range'\)$"):
        cube(Value(1e200))
    recip = Op("recip", forward=lambda x: 1 / x, grads=lambda m, x, out: (-out * out,))
    with pytest.raises(OverflowError, match=r"^'recip' on 1e-200 gave 1e\+200, but its gradient"):
        recip(Value(1e-200))


def test_a_node_made_by_hand_keeps_working_but_cannot_be_differentiated_twice():
    x = Value(3.0, label="x")
    sq = Value(x.data * x.data, "", (x,), (2 * x.data,), "square")
    assert sq.op == "square" and sq.local_grads == (6.0,) and sq.operation.name == "square"
    assert formula(sq, node_names([x, sq])) == "square(x)"
    assert grad(sq, x)[0].data == 6.0
    with pytest.raises(TypeError, match=r"'square' was made by hand with fixed local gradients"):
        grad(sq, x, create_graph=True)


def test_a_graph_pickles_and_copies_with_its_entries():
    import copy
    import pickle

    a = Value(3.0, label="a")
    y = (a * (1 / 3) + a.tanh()).max(a ** 2)
    y.backward()
    for again in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
        assert again.operation is TABLE["max"] and again.data == y.data
        (s,) = again.inputs[:1]
        assert s.inputs[0].operation is TABLE["mul_c"] and s.inputs[0].constant == 1 / 3
        again.inputs[1].inputs[0].zero_grad()  # the copy's leaf: a pass of its own
        again.backward()
        leaf = again.inputs[1].inputs[0]
        assert leaf.grad == a.grad and leaf.label == "a"
