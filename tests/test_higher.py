"""Derivatives of derivatives: stepgrad.grad with create_graph, Newton's method, the n-th
derivative of tanh, double backprop, random Hessian-vector products, and the stepper, table,
drawing and page working on a gradient's graph."""

from __future__ import annotations

import math

import pytest
from expressions import evaluate, expressions, points, run_values, show
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stepgrad import Value, draw, grad, is_grad_enabled, no_grad
from stepgrad.backward import topological_order
from stepgrad.walkthrough import walkthrough_data


def test_newton_minimises_x4_minus_2x2_from_2_in_at_most_7_steps():
    """DeZero step 33: x <- x - f'(x) / f''(x), both derivatives computed by the engine."""
    x = Value(2.0, label="x")
    path = [x.data]
    for _ in range(7):
        y = x**4 - 2 * x**2
        (dy,) = grad(y, x, create_graph=True)
        (d2y,) = grad(dy, x)
        x = Value(x.data - dy.data / d2y.data, label="x")
        path.append(x.data)
    assert abs(path[-1] - 1.0) <= 1e-12
    assert path[:3] == pytest.approx([2.0, 1.4545454545454546, 1.1510467893775467], rel=1e-15)
    assert all(b < a for a, b in zip(path, path[1:], strict=False) if a != 1.0)


def tanh_closed_forms(t: float) -> list[float]:
    """d^n tanh / dx^n for n = 1..6, as polynomials in t = tanh(x)."""
    return [
        1 - t**2,
        -2 * t + 2 * t**3,
        -2 + 8 * t**2 - 6 * t**4,
        16 * t - 40 * t**3 + 24 * t**5,
        16 - 136 * t**2 + 240 * t**4 - 120 * t**6,
        -272 * t + 1232 * t**3 - 1680 * t**5 + 720 * t**7,
    ]


def tanh_derivatives(x0: float, n: int = 6) -> list[Value]:
    x = Value(x0, label="x")
    out, found = x.tanh(), []
    for _ in range(n):
        (out,) = grad(out, x, create_graph=True)
        found.append(out)
    return found


@pytest.mark.parametrize("x0", [-1.7, -0.3, 0.0, 0.5, 1.0, 2.2])
def test_nth_derivatives_of_tanh_match_their_closed_forms(x0):
    found = tanh_derivatives(x0)
    for n, (ours, exact) in enumerate(zip(found, tanh_closed_forms(math.tanh(x0)), strict=True)):
        assert abs(ours.data - exact) <= 1e-12 * max(1.0, abs(exact)), (n + 1, ours, exact)


@pytest.mark.parametrize("x0", [-1.7, 0.5, 2.2])
def test_nth_derivatives_of_tanh_match_pytorch(x0):
    torch = pytest.importorskip("torch", reason="PyTorch is only used to cross-check")
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    out = torch.tanh(t)
    for ours in tanh_derivatives(x0):
        (out,) = torch.autograd.grad(out, t, create_graph=True)
        assert abs(ours.data - out.item()) <= 1e-12 * max(1.0, abs(out.item()))


def test_the_graph_of_each_derivative_can_be_drawn():
    for n, d in enumerate(tanh_derivatives(0.5), start=1):
        nodes = topological_order(d)
        source = draw(d, group=None, max_boxes=2 * len(nodes)).source
        assert "tanh" in source and source.count(" -> ") >= len(nodes), n


def test_double_backprop_matches_pytorch():
    """z = (dy/dx)^3 + y with y = x^2: dz/dx = 3 (2x)^2 * 2 + 2x (DeZero step 36)."""
    x = Value(2.0, label="x")
    y = x**2
    (gx,) = grad(y, x, create_graph=True)
    z = gx**3 + y
    z.backward()
    assert gx.data == 4.0 and z.data == 68.0 and x.grad == 100.0
    torch = pytest.importorskip("torch", reason="PyTorch is only used to cross-check")
    tx = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ty = tx**2
    (tg,) = torch.autograd.grad(ty, tx, create_graph=True)
    (tg**3 + ty).backward()
    assert x.grad == tx.grad.item()


def test_double_backprop_of_a_neuron_matches_pytorch():
    """A loss that includes the input gradient's size (as in gradient penalties)."""
    ws = [Value(0.3, label="w1"), Value(-0.8, label="w2")]
    xs = [Value(0.5, label="x1"), Value(1.5, label="x2")]
    h = (ws[0] * xs[0] + ws[1] * xs[1]).tanh()
    gxs = grad(h, xs, create_graph=True)
    loss = h * h + sum(g * g for g in gxs)
    loss.backward()
    torch = pytest.importorskip("torch", reason="PyTorch is only used to cross-check")
    tw = torch.tensor([0.3, -0.8], dtype=torch.float64, requires_grad=True)
    tx = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    th = torch.tanh((tw * tx).sum())
    (tgx,) = torch.autograd.grad(th, tx, create_graph=True)
    (th * th + (tgx * tgx).sum()).backward()
    for ours, theirs in zip([*ws, *xs], [*tw.grad, *tx.grad], strict=True):
        assert abs(ours.grad - theirs.item()) <= 1e-12


# ----- random Hessian-vector products ------------------------------------------------------------

KINK_MARGIN = 1e-3
H = 1e-5


def rename_inputs(expr: tuple, n: int) -> tuple:
    """The same expression over n inputs (input i becomes input i mod n)."""
    if expr[0] == "x":
        return ("x", expr[1] % n)
    return (expr[0], *(rename_inputs(e, n) if isinstance(e, tuple) else e for e in expr[1:]))


@st.composite
def hvp_cases(draw):
    n = draw(st.integers(2, 4))
    expr = rename_inputs(draw(expressions), n)
    xs = draw(st.lists(points, min_size=n, max_size=n))
    v = draw(st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=n, max_size=n))
    return expr, xs, v


def first_derivative(expr: tuple, xs: list[float]) -> list[float] | None:
    built = run_values(expr, xs)
    if built is None:
        return None
    out, leaves = built
    return [0.0 if g is None else g.data for g in grad(out, leaves, allow_unused=True)]


def engine_hvp(expr: tuple, xs: list[float], v: list[float]) -> list[float]:
    """H v: the gradient of (gradient . v), both gradients from grad()."""
    out, leaves = run_values(expr, xs)
    gs = grad(out, leaves, create_graph=True, allow_unused=True)
    dot = sum((g * vi for g, vi in zip(gs, v, strict=True) if g is not None), Value(0.0))
    hv = grad(dot, leaves, allow_unused=True)
    return [0.0 if h is None else h.data for h in hv]


def kink_sides(expr: tuple, xs: list[float]) -> list[float] | None:
    kinks: list[float] = []
    return kinks if run_values(expr, xs, kinks) is not None else None


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(case=hvp_cases())
def test_random_hessian_vector_products_match_central_differences_of_the_gradient(case):
    expr, xs, v = case
    built = run_values(expr, xs)
    assume(built is not None and abs(built[0].data) < 1e4)
    up = [x + H * vi for x, vi in zip(xs, v, strict=True)]
    down = [x - H * vi for x, vi in zip(xs, v, strict=True)]
    sides = [kink_sides(expr, p) for p in (xs, up, down)]
    assume(all(s is not None for s in sides))
    assume(all(abs(k) > KINK_MARGIN for k in sides[0]))
    assume(all((a > 0) == (b > 0) == (c > 0) for a, b, c in zip(*sides, strict=True)))
    g_up, g_down = first_derivative(expr, up), first_derivative(expr, down)
    central = [(a - b) / (2 * H) for a, b in zip(g_up, g_down, strict=True)]
    ours = engine_hvp(expr, xs, v)
    scale = max(1.0, *map(abs, ours), *map(abs, first_derivative(expr, xs)))
    for i, (a, b) in enumerate(zip(ours, central, strict=True)):
        assert abs(a - b) <= 1e-5 * scale, f"{show(expr)} at {xs}, v = {v}: (Hv)_{i} {a} vs {b}"


def value_exponents(expr: tuple, xs: list[float]) -> list[float]:
    """The value of every Value exponent (powv) in the expression."""
    if expr[0] == "x":
        return []
    found = [run_values(expr[2], xs)[0].data] if expr[0] == "powv" else []
    for e in expr[1:]:
        if isinstance(e, tuple):
            found += value_exponents(e, xs)
    return found


def torch_fns(torch) -> dict:
    """The expressions' functions in PyTorch (as tests/test_torch.py has them)."""
    f = torch.nn.functional
    return {"exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "relu": torch.relu, "abs": torch.abs, "max": torch.maximum, "min": torch.minimum,
            "leaky_relu": lambda t, slope: f.leaky_relu(t, negative_slope=slope),
            "elu": lambda t, alpha: f.elu(t, alpha=alpha), "number": lambda t: float(t.item())}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(case=hvp_cases())
def test_random_hessian_vector_products_match_pytorch(case):
    torch = pytest.importorskip("torch", reason="PyTorch is only used to cross-check")
    expr, xs, v = case
    our_kinks: list[float] = []
    built = run_values(expr, xs, our_kinks)
    assume(built is not None and abs(built[0].data) < 1e8)
    assume(all(abs(k) > KINK_MARGIN for k in our_kinks))
    # torch takes d(a ** b)/da to be 0 wherever b == 0, so its mixed second derivative
    # d2(a ** b)/da db is 0 there too; the true value is 1/a (the finite-difference test checks)
    assume(0.0 not in value_exponents(expr, xs))
    ours = engine_hvp(expr, xs, v)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = evaluate(expr, tensors, torch_fns(torch))
    assume(t_out.requires_grad)
    gs = torch.autograd.grad(t_out, tensors, create_graph=True, allow_unused=True)
    terms = [g * vi for g, vi in zip(gs, v, strict=True) if g is not None and g.requires_grad]
    if not terms:
        assert ours == [0.0] * len(xs)
        return
    hv = torch.autograd.grad(sum(terms), tensors, allow_unused=True)
    theirs = [0.0 if h is None else h.item() for h in hv]
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert close(a, b, 1e-9), f"{show(expr)} at {xs}, v = {v}: (Hv)_{i} {a} vs torch {b}"


@settings(max_examples=100, deadline=None)
@given(case=hvp_cases())
def test_first_order_grad_gives_the_bits_backward_gives(case):
    expr, xs, _ = case
    built = run_values(expr, xs)
    assume(built is not None)
    out, leaves = built
    plain = grad(out, leaves, allow_unused=True)
    with_graph = grad(out, leaves, create_graph=True, allow_unused=True)
    out.backward()
    for leaf, a, b in zip(leaves, plain, with_graph, strict=True):
        if a is None:
            assert b is None and not leaf.grad_computed
            continue
        assert a.data == leaf.grad and a.inputs == ()
        assert b.data == pytest.approx(leaf.grad, rel=1e-12, abs=1e-300)


# ----- grad()'s semantics ---------------------------------------------------------------------


def test_grad_leaves_every_grad_as_it_was_and_returns_a_tuple():
    x, w = Value(3.0, label="x"), Value(-2.0, label="w")
    y = x * w + x
    y.backward()
    before = (x.grad, w.grad)
    gx, gw = grad(y, [x, w])
    assert (gx.data, gw.data) == (-1.0, 3.0) and gx.inputs == () == gw.inputs
    assert (x.grad, w.grad) == before
    assert isinstance(grad(y, x), tuple) and len(grad(y, x)) == 1
    (same,) = grad(y, y)
    assert same.data == 1.0


def test_a_gradient_is_never_a_node_of_the_original_graph():
    x, w = Value(3.0, label="x"), Value(-2.0, label="w")
    (gx,) = grad(x * w, x, create_graph=True)
    assert gx is not w and gx.data == -2.0
    gx.label = "dy/dx"
    assert w.label == "w"
    (d,) = grad(gx, w)
    assert d.data == 1.0


def test_unused_inputs_are_an_error_or_none():
    x, z = Value(1.0, label="x"), Value(2.0, label="z")
    y = x * 3
    with pytest.raises(ValueError, match=r"^grad: the output does not depend on 'z'; pass allow_u"):
        grad(y, [x, z])
    assert grad(y, [x, z], allow_unused=True)[1] is None
    with pytest.raises(TypeError, match=r"^grad: input 2 must be a Value, got float 2.0"):
        grad(y, [x, 2.0])
    with pytest.raises(TypeError, match=r"^grad: output must be a Value, got list"):
        grad([y], x)


def test_inputs_without_a_fixed_order_are_refused():
    # a set (or a dict's keys) has no order the learner chose: the gradients came back in
    # the set's own order, so grad(y, {a, b}) could silently give (dy/db, dy/da)
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    y = a * 3 + b * 5
    for inputs in ({a, b}, frozenset((a, b)), {a: 1, b: 2}, 5, "ab"):
        with pytest.raises(TypeError, match=r"^grad: inputs must be a Value or a list of "
                           r"Values in a fixed order \(such as \[a, b\]\), got "):
            grad(y, inputs)
    assert [g.data for g in grad(y, (a, b))] == [3.0, 5.0]
    assert [g.data for g in grad(y, iter([b, a]))] == [5.0, 3.0]


def test_a_constant_gradient_has_no_graph_so_its_derivative_is_unused():
    x = Value(1.5, label="x")
    (g,) = grad(x * 3 + 1, x, create_graph=True)
    assert g.data == 3.0 and g.inputs == ()
    assert grad(g, x, allow_unused=True) == (None,)


def second_derivative_inside_no_grad(x0: float) -> tuple[Value, Value]:
    """dy/dx of y = tanh(x), asked with create_graph=True inside no_grad(), and d2y/dx2."""
    x = Value(x0, label="x")
    y = x.tanh()
    with no_grad():
        (g,) = grad(y, x, create_graph=True)
        assert not is_grad_enabled()  # the block's mode is back after the call
        (g2,) = grad(g, x)  # works inside the block too
    return g, g2


@pytest.mark.parametrize("x0", [-1.3, 0.5, 2.0])
def test_create_graph_inside_no_grad_builds_the_graph_as_torch_does(x0):
    g, g2 = second_derivative_inside_no_grad(x0)
    t = math.tanh(x0)
    assert g.inputs != ()  # a graph, as torch's requires_grad=True
    assert g.data == pytest.approx(1 - t**2, rel=1e-15)
    assert g2.data == pytest.approx(-2 * t * (1 - t**2), rel=1e-14)
    assert grad(g, g.inputs[0])[0].data == pytest.approx(-1.0)  # dy/dx = 1 - y*y: d/d(y*y) = -1


@pytest.mark.parametrize("x0", [-1.3, 0.5, 2.0])
def test_create_graph_inside_no_grad_matches_pytorch(x0):
    torch = pytest.importorskip("torch", reason="PyTorch is only used to cross-check")
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    ty = torch.tanh(t)
    with torch.no_grad():
        (tg,) = torch.autograd.grad(ty, t, create_graph=True)
        assert not torch.is_grad_enabled()
    assert tg.requires_grad
    (tg2,) = torch.autograd.grad(tg, t)
    g, g2 = second_derivative_inside_no_grad(x0)
    assert g.data == pytest.approx(tg.item(), rel=1e-15, abs=1e-15)
    assert g2.data == pytest.approx(tg2.item(), rel=1e-13, abs=1e-15)


def test_without_create_graph_no_graph_is_built_whatever_the_mode():
    x = Value(0.5, label="x")
    y = x.tanh()
    with no_grad():
        (g,) = grad(y, x)
    (h,) = grad(y, x)
    assert g.inputs == () == h.inputs and g.data == h.data == 1 - math.tanh(0.5) ** 2


def test_the_grad_mode_is_back_after_an_error_in_grad():
    x, z = Value(0.5, label="x"), Value(2.0, label="z")
    by_hand = Value(1.0, "", (x,), (3.0,), "by hand")  # no derivative rule: create_graph fails
    y = x.tanh()  # made outside no_grad(): one made inside has no graph (test_no_grad_backward)
    with no_grad():
        with pytest.raises(TypeError, match="made by hand"):
            grad(by_hand, x, create_graph=True)
        assert not is_grad_enabled()
        with pytest.raises(ValueError, match="does not depend on 'z'"):
            grad(y, z, create_graph=True)
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(TypeError, match="made by hand"):
        grad(by_hand, x, create_graph=True)
    assert is_grad_enabled()


def test_empty_inputs_are_refused_clearly():
    y = Value(0.5, label="x").tanh()
    for empty in ([], (), iter([])):
        with pytest.raises(ValueError, match=r"^grad: inputs is empty; pass the Values you want "
                                             r"the gradients for, such as \[a, b\]$"):
            grad(y, empty)


@pytest.mark.parametrize("name", ["create_graph", "allow_unused"])
@pytest.mark.parametrize("bad, shown", [("yes", "str 'yes'"), (1, "int 1"), (0, "int 0"),
                                        (None, "NoneType None"), (1.0, "float 1.0")])
def test_the_flags_must_be_true_or_false(name, bad, shown):
    x = Value(0.5, label="x")
    y = x.tanh()
    with pytest.raises(TypeError, match=rf"^grad: {name} must be True or False, got {shown}$"):
        grad(y, x, **{name: bad})


def test_numpy_bools_count_as_flags():
    np = pytest.importorskip("numpy")
    x = Value(0.5, label="x")
    (g,) = grad(x.tanh(), x, create_graph=np.bool_(True), allow_unused=np.bool_(False))
    assert g.inputs != ()


def test_a_gradient_too_large_for_a_float_is_an_error():
    x = Value(1e-300, label="x")
    y = x * 1e300 * 1e300  # the result is 1e300, its gradient 1e600
    with pytest.raises(OverflowError, match=r"^grad: the gradient for x became inf"):
        grad(y, x)


# ----- the stepper, the table, the drawing and the page, on a gradient's graph ---------------


def second_derivative_graph():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    (dy,) = grad(y, x, create_graph=True)
    dy.label = "dy/dx"
    return x, dy


def test_the_stepper_runs_unchanged_on_a_gradients_graph():
    x, dy = second_derivative_graph()
    steps = dy.backward_steps()
    lines = [repr(s) for s in steps]
    assert lines[0] == "dy/dx = 1 - v1: upstream 1 x local -1 -> v1.grad += -1 (now -1)"
    assert lines[-1].startswith("y = tanh(x): upstream ")
    stepped = x.grad
    x.zero_grad()
    for node in topological_order(dy):
        node.zero_grad()
    dy.backward()
    assert x.grad == stepped  # stepping and backward() agree bit for bit
    t = math.tanh(0.5)
    assert x.grad == pytest.approx(-2 * t * (1 - t * t), rel=1e-15)
    table = dy.backward_steps().table()
    assert "dy/dx = 1 - v1" in table and "v1 = y * y" in table and "y = tanh(x)" in table


def test_draw_and_the_page_work_on_a_gradients_graph():
    x, dy = second_derivative_graph()
    steps = dy.backward_steps()
    next(steps)
    source = draw(dy, steps).source
    assert "dy/dx" in source and "tanh" in source and "local -1" in source
    data = walkthrough_data(dy)
    assert data["root_name"] == "dy/dx" and len(data["steps"]) == 4
    assert [s["formula"] for s in data["steps"]][:2] == ["dy/dx = 1 - v1", "v1 = y * y"]


def test_walkthrough_page_of_a_second_derivative(tmp_path):
    from stepgrad import walkthrough

    x, dy = second_derivative_graph()
    path = walkthrough(dy, tmp_path / "second.html")
    text = path.read_text() if hasattr(path, "read_text") else open(path).read()
    assert "dy/dx = 1 - v1" in text

