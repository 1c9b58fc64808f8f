"""nn.losses: values and gradients against the formulas, finite differences and torch."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, assert_gradcheck
from stepgrad.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    distribution_cross_entropy,
    entropy,
    hinge,
    huber,
    kl_divergence,
    log_softmax,
    mae,
    mse,
    softmax,
)


def grads(fn, xs):
    """fn(list of Values) -> Value; returns (value, gradients) from the engine."""
    vs = [Value(x) for x in xs]
    out = fn(vs)
    out.backward()
    return out.data, [v.grad for v in vs]


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def sm(xs):
    m = max(xs)
    e = [math.exp(x - m) for x in xs]
    return [v / sum(e) for v in e]


# Each case: the engine function of a list of Values, the inputs (away from kinks), and the
# same loss written with torch.nn.functional (used only when torch is installed).
T4 = [1.0, -2.0, 0.5, 3.0]
BCE_T = [1.0, 0.0, 0.3, 1.0]
HINGE_T = [1, -1, 1, -1]
CE_T = [2, 0]
P = [0.7, 0.2, 0.1]
W3 = [0.3, -1.2, 2.0]  # weights that turn a list output into one number


def _split(v):
    return [v[0:3], v[3:6]]


CASES = {
    "mse": (lambda v: mse(v, T4), [1.5, -2.5, 0.0, 4.0]),
    "mae": (lambda v: mae(v, T4), [1.5, -2.5, 0.0, 4.0]),
    "huber": (lambda v: huber(v, T4, delta=0.8), [1.5, -2.5, 0.2, 4.0]),
    "bce": (lambda v: binary_cross_entropy(v, BCE_T), [0.9, 0.2, 0.6, 0.05]),
    "bce_logits": (
        lambda v: binary_cross_entropy_with_logits(v, BCE_T),
        [2.0, -1.5, 0.3, -4.0],
    ),
    "hinge": (lambda v: hinge(v, HINGE_T), [0.3, 0.5, 2.0, -0.2]),
    "softmax": (lambda v: _dot(softmax(v), W3), [1.0, -0.5, 2.0]),
    "log_softmax": (lambda v: _dot(log_softmax(v), W3), [1.0, -0.5, 2.0]),
    "cross_entropy": (lambda v: cross_entropy(_split(v), CE_T), [1.0, -0.5, 2.0, 0.3, 0.1, -1.0]),
    "cross_entropy_probs": (
        lambda v: cross_entropy(_split(v), [[0.1, 0.2, 0.7], [1.0, 0.0, 0.0]]),
        [1.0, -0.5, 2.0, 0.3, 0.1, -1.0],
    ),
    "entropy": (lambda v: entropy(softmax(v)), [0.2, -1.0, 1.5]),
    "kl": (lambda v: kl_divergence(softmax(v[:3]), softmax(v[3:])), [0.2, -1.0, 1.5, 0.0, 1, 2]),
    "kl_float_p": (lambda v: kl_divergence(P, softmax(v)), [0.2, -1.0, 1.5]),
    "cross_entropy_dist": (
        lambda v: distribution_cross_entropy(P, softmax(v), base=2),
        [0.2, -1.0, 1.5],
    ),
}


def _dot(values, weights):
    out = values[0] * weights[0]
    for v, w in zip(values[1:], weights[1:], strict=True):
        out = out + v * w
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_finite_differences(name):
    fn, xs = CASES[name]
    assert_gradcheck(lambda *v: fn(list(v)), *xs)  # raises with a report if any input is off


# ----- values and gradients against the formulas, written out by hand ----------------------


def test_mse_mae_huber_formulas():
    y, t = [1.5, -2.5, 0.2, 4.0], T4
    d = [a - b for a, b in zip(y, t, strict=True)]  # 0.5, -0.5, -0.3, 1.0
    value, g = grads(lambda v: mse(v, t), y)
    assert value == pytest.approx(sum(x * x for x in d) / 4, abs=1e-15)
    assert g == pytest.approx([2 * x / 4 for x in d], abs=1e-15)
    value, g = grads(lambda v: mae(v, t), y)
    assert value == pytest.approx(sum(abs(x) for x in d) / 4, abs=1e-15)
    assert g == [0.25, -0.25, -0.25, 0.25]
    value, g = grads(lambda v: huber(v, t, delta=0.4), y)  # |d| = 0.3 is the only small one
    expected = (0.4 * (0.5 - 0.2) * 2 + 0.5 * 0.09 + 0.4 * (1.0 - 0.2)) / 4
    assert value == pytest.approx(expected, abs=1e-15)
    assert g == pytest.approx([0.1, -0.1, -0.3 / 4, 0.1], abs=1e-15)


def test_mae_gradient_is_zero_where_prediction_equals_target():
    _, g = grads(lambda v: mae(v, [1.0, 2.0]), [1.0, 3.0])
    assert g == [0.0, 0.5]  # sign(0) = 0, as torch's l1_loss


def test_bce_formula_and_sigmoid_cancellation():
    p, t = [0.9, 0.2, 0.6, 0.05], BCE_T
    value, g = grads(lambda v: binary_cross_entropy(v, t), p)
    per = [-(ti * math.log(pi) + (1 - ti) * math.log(1 - pi)) for pi, ti in zip(p, t, strict=True)]
    assert value == pytest.approx(sum(per) / 4, rel=1e-14)
    assert g == pytest.approx(
        [(pi - ti) / (pi * (1 - pi)) / 4 for pi, ti in zip(p, t, strict=True)], rel=1e-13
    )
    s = [0.4, -1.1, 2.2, 0.0]  # through a sigmoid, dL/ds = (sigmoid(s) - t) / n
    _, g = grads(lambda v: binary_cross_entropy([x.sigmoid() for x in v], t), s)
    want = [(sigmoid(x) - ti) / 4 for x, ti in zip(s, t, strict=True)]
    assert g == pytest.approx(want, rel=1e-12)


def test_bce_with_logits_equals_bce_of_sigmoid():
    s, t = [0.4, -1.1, 2.2, 0.0], BCE_T
    a, ga = grads(lambda v: binary_cross_entropy_with_logits(v, t), s)
    b, gb = grads(lambda v: binary_cross_entropy([x.sigmoid() for x in v], t), s)
    assert a == pytest.approx(b, rel=1e-14)
    assert ga == pytest.approx(gb, rel=1e-12)
    assert ga == pytest.approx([(sigmoid(x) - ti) / 4 for x, ti in zip(s, t, strict=True)])


def test_bce_with_logits_gradient_at_zero_has_no_kink():
    _, g = grads(lambda v: binary_cross_entropy_with_logits(v, [1.0]), [0.0])
    assert g == [-0.5]  # sigmoid(0) - 1


@pytest.mark.parametrize("x", [1000.0, -1000.0, 745.0, -40.0])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.5])
def test_bce_with_logits_is_stable_for_huge_scores(x, t):
    value, g = grads(lambda v: binary_cross_entropy_with_logits(v, [t]), [x])
    exact = max(x, 0) - x * t + math.log1p(math.exp(-abs(x)))
    assert math.isfinite(value) and value == pytest.approx(exact, rel=1e-15, abs=1e-15)
    assert g[0] == pytest.approx(sigmoid(x) - t if x > -700 else -t, abs=1e-15)


def test_hinge_formula():
    s, t = [0.3, 0.5, 2.0, -0.2], HINGE_T
    value, g = grads(lambda v: hinge(v, t), s)
    assert value == pytest.approx((0.7 + 1.5 + 0 + 0.8) / 4, abs=1e-15)
    assert g == [-0.25, 0.25, 0.0, 0.25]


def test_softmax_and_log_softmax_formulas():
    x = [1.0, -0.5, 2.0]
    y = sm(x)
    assert [v.data for v in softmax(x)] == pytest.approx(y, rel=1e-15)
    assert sum(v.data for v in softmax(x)) == pytest.approx(1.0, abs=1e-15)
    assert [v.data for v in log_softmax(x)] == pytest.approx([math.log(p) for p in y], rel=1e-14)
    # d(sum_i w_i y_i)/dx_j = y_j (w_j - sum_i w_i y_i)
    wy = sum(w * p for w, p in zip(W3, y, strict=True))
    _, g = grads(lambda v: _dot(softmax(v), W3), x)
    assert g == pytest.approx([p * (w - wy) for p, w in zip(y, W3, strict=True)], rel=1e-13)


def test_log_softmax_and_softmax_are_stable_for_huge_logits():
    for x in ([1000.0, 0.0, -1000.0], [-1000.0, -1000.0], [1000.0, 999.0]):
        ls = [v.data for v in log_softmax(x)]
        expected = [xi - max(x) - math.log(sum(math.exp(xj - max(x)) for xj in x)) for xi in x]
        assert ls == pytest.approx(expected, rel=1e-15, abs=1e-15)
        assert all(math.isfinite(v) for v in ls)
        assert [v.data for v in softmax(x)] == pytest.approx(sm(x), rel=1e-15, abs=1e-300)
    value, g = grads(lambda v: cross_entropy([v], [2]), [1000.0, 0.0, -1000.0])
    assert value == 2000.0 and g == pytest.approx([1.0, 0.0, -1.0])


def test_cross_entropy_formula_and_softmax_minus_target():
    rows = [[1.0, -0.5, 2.0], [0.3, 0.1, -1.0]]
    value, g = grads(lambda v: cross_entropy(_split(v), CE_T), rows[0] + rows[1])
    expected = -(math.log(sm(rows[0])[2]) + math.log(sm(rows[1])[0])) / 2
    assert value == pytest.approx(expected, rel=1e-14)
    one_hot = [[0, 0, 1], [1, 0, 0]]
    want = [(p - r) / 2 for row, oh in zip(rows, one_hot, strict=True)
            for p, r in zip(sm(row), oh, strict=True)]
    assert g == pytest.approx(want, rel=1e-13)
    # one-hot rows give exactly the same as class indices
    value2, g2 = grads(lambda v: cross_entropy(_split(v), one_hot), rows[0] + rows[1])
    assert value2 == pytest.approx(value, rel=1e-15) and g2 == pytest.approx(g, rel=1e-14)


def test_cross_entropy_single_sample():
    x = [Value(2.0), Value(1.0), Value(0.1)]
    assert cross_entropy(x, 0).data == pytest.approx(cross_entropy([x], [0]).data, rel=1e-15)
    assert cross_entropy(x, 0).data == pytest.approx(-math.log(sm([2.0, 1.0, 0.1])[0]))


def test_coin_entropies():
    p, q = [0.9, 0.1], [0.6, 0.4]
    h = -(0.9 * math.log2(0.9) + 0.1 * math.log2(0.1))
    hpq = -(0.9 * math.log2(0.6) + 0.1 * math.log2(0.4))
    assert entropy(p, base=2).data == pytest.approx(h, rel=1e-14)
    assert distribution_cross_entropy(p, q, base=2).data == pytest.approx(hpq, rel=1e-14)
    kl = kl_divergence(p, q, base=2).data
    assert kl == pytest.approx(hpq - h, rel=1e-13)
    assert kl == pytest.approx(0.9 * math.log2(0.9 / 0.6) + 0.1 * math.log2(0.1 / 0.4), rel=1e-14)
    assert kl_divergence(p, q).data == pytest.approx(kl * math.log(2), rel=1e-14)  # nats
    assert kl_divergence(p, p).data == 0.0
    assert entropy([1.0, 0.0]).data == 0.0  # 0 log 0 counts as 0


def test_losses_accept_floats_and_return_values():
    out = mse([1.0, 2.0], [0.0, 0.0])
    assert isinstance(out, Value) and out.data == 2.5
    assert isinstance(entropy([0.5, 0.5]), Value)


def test_loss_node_carries_its_name():
    assert mse([Value(1.0)], [0.0]).label == "mse"
    assert cross_entropy([[1.0, 2.0]], [1]).label == "cross_entropy"


# ----- properties over random inputs -------------------------------------------------------

logit = st.floats(-30, 30, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(logit, min_size=3, max_size=3), min_size=1, max_size=4), st.data())
def test_cross_entropy_gradient_is_softmax_minus_one_hot(rows, data):
    targets = [data.draw(st.integers(0, 2)) for _ in rows]
    flat = [x for row in rows for x in row]
    n = len(rows)
    _, g = grads(lambda v: cross_entropy([v[3 * i: 3 * i + 3] for i in range(n)], targets), flat)
    for i, (row, k) in enumerate(zip(rows, targets, strict=True)):
        want = [(p - (j == k)) / n for j, p in enumerate(sm(row))]
        assert g[3 * i: 3 * i + 3] == pytest.approx(want, abs=1e-14)


probability_pair = st.lists(st.floats(0.01, 1.0), min_size=2, max_size=5)


@settings(max_examples=60, deadline=None)
@given(probability_pair, st.data())
def test_kl_is_cross_entropy_minus_entropy_and_never_negative(raw_p, data):
    raw_q = data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(raw_p), max_size=len(raw_p)))
    p = [x / sum(raw_p) for x in raw_p]
    q = [x / sum(raw_q) for x in raw_q]
    kl = kl_divergence(p, q).data
    assert kl >= -1e-15
    assert kl == pytest.approx(
        distribution_cross_entropy(p, q).data - entropy(p).data, abs=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50), st.sampled_from([0.0, 1.0, 0.2]))
def test_bce_with_logits_keeps_its_digits(x, t):
    # bce(sigmoid(x)) loses digits to 1 - sigmoid(x) for large x; the logits form does not
    value, g = grads(lambda v: binary_cross_entropy_with_logits(v, [t]), [x])
    exact = max(x, 0) - x * t + math.log1p(math.exp(-abs(x)))
    assert value == pytest.approx(exact, rel=1e-14, abs=2e-16)  # log(1 + e), not log1p(e)
    assert g[0] == pytest.approx(sigmoid(x) - t, rel=1e-12, abs=1e-15)


# ----- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss", [mse, mae, huber, binary_cross_entropy, binary_cross_entropy_with_logits, hinge]
)
def test_length_mismatch_names_loss_and_both_lengths(loss):
    with pytest.raises(ValueError, match=rf"{loss.__name__}: got 3 predictions but 2 targets"):
        loss([Value(0.5)] * 3, [1, 1])
    with pytest.raises(ValueError, match=rf"{loss.__name__}: got no predictions"):
        loss([], [])


def test_cross_entropy_bad_input():
    with pytest.raises(ValueError, match="got 2 rows of logits but 1 target;"):
        cross_entropy([[1.0, 2.0], [0.0, 1.0]], [0])
    with pytest.raises(ValueError, match="target 1 is class 2, but there are 2 classes"):
        cross_entropy([[1.0, 2.0]], [2])
    with pytest.raises(ValueError, match="row 2 has 3 logits but row 1 has 2"):
        cross_entropy([[1.0, 2.0], [0.0, 1.0, 2.0]], [0, 0])
    with pytest.raises(ValueError, match=r"target 1, \[0.5, 0.6\], is not a row of probabilities"):
        cross_entropy([[1.0, 2.0]], [[0.5, 0.6]])
    with pytest.raises(ValueError, match="got no samples"):
        cross_entropy([], [])


def test_bce_probability_outside_open_interval_suggests_logits():
    with pytest.raises(ValueError, match=r"probability 2 is 1\.3.*_with_logits on the scores"):
        binary_cross_entropy([0.5, 1.3], [1, 0])
    with pytest.raises(ValueError, match="probability 1 is 0,"):
        binary_cross_entropy([Value(0.0)], [0])
    with pytest.raises(ValueError, match=r"target 1 is -1.*between 0 and 1"):
        binary_cross_entropy_with_logits([0.5], [-1])


def test_hinge_needs_plus_minus_one_labels():
    with pytest.raises(ValueError, match=r"hinge: target 2 is 0.*-1 and \+1"):
        hinge([0.5, 0.5], [1, 0])


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="mse: prediction 2 must be a Value or a number"):
        mse([1.0, "x"], [1.0, 2.0])
    # a Value target is allowed (batched() passes every number of a sample as a Value)
    assert mse([3.0], [Value(1.0)]).data == mse([3.0], [1.0]).data == 4.0
    with pytest.raises(TypeError, match="mse: the predictions must be a list"):
        mse("12", [1, 2])
    with pytest.raises(ValueError, match="target 1 is nan"):
        mae([1.0], [float("nan")])


def test_distribution_errors():
    with pytest.raises(ValueError, match=r"add up to 1\.5, not 1"):
        entropy([0.5, 1.0])
    with pytest.raises(ValueError, match="p has 2 outcomes but q has 3"):
        kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="infinite"):
        kl_divergence([0.5, 0.5], [1.0, 0.0])
    with pytest.raises(ValueError, match="base must be a positive number other than 1"):
        entropy([0.5, 0.5], base=1)


# ----- against torch.nn.functional (float64), when torch is installed -----------------------


def _torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns when numpy is missing; it is not needed
        return pytest.importorskip("torch", reason="torch is not installed")


def torch_cases(torch):
    F = torch.nn.functional
    d = torch.float64

    def t(x):
        return torch.tensor(x, dtype=d)

    return {
        "mse": lambda x: F.mse_loss(x, t(T4)),
        "mae": lambda x: F.l1_loss(x, t(T4)),
        "huber": lambda x: F.huber_loss(x, t(T4), delta=0.8),
        "bce": lambda x: F.binary_cross_entropy(x, t(BCE_T)),
        "bce_logits": lambda x: F.binary_cross_entropy_with_logits(x, t(BCE_T)),
        "hinge": lambda x: torch.clamp(1 - t(HINGE_T) * x, min=0).mean(),
        "softmax": lambda x: (F.softmax(x, dim=0) * t(W3)).sum(),
        "log_softmax": lambda x: (F.log_softmax(x, dim=0) * t(W3)).sum(),
        "cross_entropy": lambda x: F.cross_entropy(x.view(2, 3), torch.tensor(CE_T)),
        "cross_entropy_probs": lambda x: F.cross_entropy(
            x.view(2, 3), t([[0.1, 0.2, 0.7], [1.0, 0.0, 0.0]])
        ),
        "entropy": lambda x: -(F.softmax(x, 0) * F.log_softmax(x, 0)).sum(),
        # torch's kl_div(input, target) takes log q first and p second: sum p (log p - log q)
        "kl": lambda x: F.kl_div(
            F.log_softmax(x[3:], 0), F.softmax(x[:3], 0), reduction="sum"
        ),
        "kl_float_p": lambda x: F.kl_div(F.log_softmax(x, 0), t(P), reduction="sum"),
        "cross_entropy_dist": lambda x: -(t(P) * F.log_softmax(x, 0)).sum() / math.log(2),
    }


def torch_value_and_grad(torch, fn, xs):
    x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    out = fn(x)
    out.backward()
    return out.item(), x.grad.tolist()


def max_difference(ours, theirs):
    """Largest |a - b| / max(1, |b|) over the value and all gradients."""
    (a, ga), (b, gb) = ours, theirs
    pairs = [(a, b), *zip(ga, gb, strict=True)]
    return max(abs(x - y) / max(1.0, abs(y)) for x, y in pairs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_functional(name):
    torch = _torch()
    fn, xs = CASES[name]
    diff = max_difference(grads(fn, xs), torch_value_and_grad(torch, torch_cases(torch)[name], xs))
    assert diff <= 1e-12, (name, diff)


@pytest.mark.parametrize("x", [1000.0, -1000.0, 30.0, -30.0, 0.0])
def test_stable_losses_match_torch_at_extreme_scores(x):
    torch = _torch()
    F = torch.nn.functional
    ts = [0.0, 1.0, 0.25]
    ours = grads(lambda v: binary_cross_entropy_with_logits(v, ts), [x, x, x])
    theirs = torch_value_and_grad(
        torch,
        lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor(ts, dtype=torch.float64)),
        [x, x, x],
    )
    assert max_difference(ours, theirs) <= 1e-12
    row = [x, 0.0, -x / 2]
    ours = grads(lambda v: _dot(log_softmax(v), W3), row)
    theirs = torch_value_and_grad(
        torch, lambda t: (F.log_softmax(t, 0) * t.new_tensor(W3)).sum(), row
    )
    assert max_difference(ours, theirs) <= 1e-12
