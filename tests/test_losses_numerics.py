"""Losses at the edges: relative precision for confident predictions (log1p, as torch), finite
answers at extreme but finite logits, and clear errors for bad input of every kind."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import (
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

BIG = 1.7976931348623157e308  # the largest float


def _torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("torch", reason="torch is not installed")


def exact_bce(p: float, t: float) -> float:
    """-(t log p + (1 - t) log(1 - p)) with 400 digits (Decimal holds the floats exactly;
    1 - 5e-324 needs over 324 digits)."""
    with localcontext() as ctx:
        ctx.prec = 400
        P, T = Decimal(p), Decimal(t)
        total = Decimal(0)
        if T != 0:
            total -= T * P.ln()
        if T != 1:
            total -= (1 - T) * (1 - P).ln()
        return float(total)


def exact_bce_logits(x: float, t: float) -> float:
    """max(x, 0) - x t + log(1 + e^-|x|) with 400 digits (1 + e^-800 needs about 350)."""
    with localcontext() as ctx:
        ctx.prec = 400
        X, T = Decimal(x), Decimal(t)
        return float(max(X, Decimal(0)) - X * T + (1 + (-abs(X)).exp()).ln())


def relative_error(got: float, want: float) -> float:
    return abs(got - want) / abs(want) if want else abs(got)


# ----- binary cross-entropy keeps its relative precision ---------------------------------------


@pytest.mark.parametrize("p, t", [
    (1e-20, 0), (1e-300, 0), (5e-324, 0), (1 - 1e-12, 1), (1 - 1e-12, 0), (1 - 2**-53, 1),
    (0.5, 1), (1e-12, 1), (1e-18, 0.25), (1 - 1e-15, 0.75), (0.3, 0.3),
])
def test_bce_is_exact_to_a_few_ulps_for_confident_predictions(p, t):
    q = Value(p)
    loss = binary_cross_entropy(q, t)
    assert relative_error(loss.data, exact_bce(p, t)) <= 4e-16
    loss.backward()  # dL/dp = (p - t) / (p (1 - p))
    with localcontext() as ctx:
        ctx.prec = 60
        P, T = Decimal(p), Decimal(t)
        slope = float((P - T) / (P * (1 - P)))
    assert relative_error(q.grad, slope) <= 1e-15


def test_bce_of_a_tiny_probability_with_target_0_is_not_zero():
    """The old form log(1 - p) rounded 1 - 1e-20 to 1 and gave a loss of exactly 0."""
    assert binary_cross_entropy(Value(1e-20), 0).data == 1e-20


@settings(max_examples=300, deadline=None)
@given(p=st.floats(1e-300, 1.0, exclude_max=True),  # (below 5.6e-309, 1 / p overflows)
       t=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
def test_bce_matches_400_digit_arithmetic(p, t):
    assert relative_error(binary_cross_entropy(Value(p), t).data, exact_bce(p, t)) <= 1e-15


@pytest.mark.parametrize("x, t", [
    (40.0, 1), (-40.0, 0), (40.0, 0), (-40.0, 1), (700.0, 1), (-745.0, 0), (1000.0, 1),
    (36.7, 1), (0.0, 1), (1e-300, 0.5), (-30.0, 0.999),
])
def test_bce_with_logits_is_exact_to_a_few_ulps(x, t):
    v = Value(x)
    loss = binary_cross_entropy_with_logits(v, t)
    want = exact_bce_logits(x, t)
    assert relative_error(loss.data, want) <= 4e-16, (loss.data, want)
    loss.backward()
    with localcontext() as ctx:
        ctx.prec = 60
        slope = float(1 / (1 + (-Decimal(x)).exp()) - Decimal(t))
    assert abs(v.grad - slope) <= 1e-16 * max(1.0, abs(slope)) + 1e-300
    if slope:
        assert relative_error(v.grad, slope) <= 1e-15


def test_bce_with_logits_at_plus_minus_40_keeps_its_digits():
    """log(1 + e^-40) = 4.248354255291589e-18; the old form 1 + e^-40 rounded it to 0."""
    assert binary_cross_entropy_with_logits(Value(40.0), 1).data == 4.248354255291589e-18
    assert binary_cross_entropy_with_logits(Value(-40.0), 0).data == 4.248354255291589e-18


@settings(max_examples=300, deadline=None)
@given(x=st.floats(-800.0, 800.0), t=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
def test_bce_with_logits_matches_400_digit_arithmetic(x, t):
    got = binary_cross_entropy_with_logits(Value(x), t).data
    want = exact_bce_logits(x, t)
    assert relative_error(got, want) <= 1e-15 or abs(got - want) < 1e-300


@settings(max_examples=100, deadline=None)
@given(x=st.floats(-60.0, 60.0), t=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
def test_bce_forms_match_torch_float64(x, t):
    torch = _torch()
    F = torch.nn.functional
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    theirs = F.binary_cross_entropy_with_logits(xt, torch.tensor(t, dtype=torch.float64))
    theirs.backward()
    v = Value(x)
    ours = binary_cross_entropy_with_logits(v, t)
    ours.backward()
    # torch computes x (1 - t) - log_sigmoid(x), which cancels digits for x < 0: up to about
    # |x| * 1e-16 absolute (ours is exact to a few ulps: the 400-digit tests above)
    assert ours.data == pytest.approx(theirs.item(), rel=1e-14, abs=4e-16 * max(1.0, abs(x)))
    assert v.grad == pytest.approx(xt.grad.item(), rel=1e-14, abs=2.3e-16)  # torch: 1 ulp of 1
    p = 1.0 / (1.0 + math.exp(-x))
    if 1e-40 < p < 1.0:  # (torch clamps its logs at -100)
        pt = torch.tensor(p, dtype=torch.float64)
        want = F.binary_cross_entropy(pt, torch.tensor(t, dtype=torch.float64)).item()
        assert binary_cross_entropy(Value(p), t).data == pytest.approx(want, rel=1e-13,
                                                                     abs=1e-16)


# ----- softmax, log_softmax and cross-entropy at extreme but finite logits ---------------------

EXTREME_ROWS = [
    [1e308, -1e308],
    [-1e308, 1e308, 0.0],
    [BIG, -BIG],
    [-BIG, -BIG],
    [BIG, BIG, -BIG],
    [1e308, 1e308 * 0.5, -1e308, 3.0],
    [-1e308, -1e308, 5.0],
]


def torch_softmax_and_grad(row, weights):
    torch = _torch()
    z = torch.tensor([row], dtype=torch.float64, requires_grad=True)
    s = torch.softmax(z, -1)
    (s[0] * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    return s[0].tolist(), z.grad[0].tolist()


@pytest.mark.parametrize("row", EXTREME_ROWS)
def test_softmax_at_extreme_logits_is_finite(row):
    xs = [Value(x) for x in row]
    probs = softmax(xs)
    values = [p.data for p in probs]
    assert all(0.0 <= v <= 1.0 for v in values) and math.fsum(values) == pytest.approx(1.0)
    weights = [float(i + 1) for i in range(len(row))]
    sum(w * p for w, p in zip(weights, probs, strict=True)).backward()
    assert all(math.isfinite(x.grad) for x in xs)


@pytest.mark.parametrize("row", EXTREME_ROWS)
def test_softmax_at_extreme_logits_matches_torch(row):
    weights = [float(i + 1) for i in range(len(row))]
    want, want_grad = torch_softmax_and_grad(row, weights)
    xs = [Value(x) for x in row]
    probs = softmax(xs)
    sum(w * p for w, p in zip(weights, probs, strict=True)).backward()
    assert [p.data for p in probs] == pytest.approx(want, abs=1e-15)
    assert [x.grad for x in xs] == pytest.approx(want_grad, abs=1e-15)


def test_cross_entropy_at_extreme_logits_matches_torch():
    torch = _torch()
    for row in EXTREME_ROWS:
        m = max(row)
        for k in range(len(row)):
            if row[k] - m == -math.inf:  # the loss itself is inf: refused (below)
                continue
            z = torch.tensor([row], dtype=torch.float64, requires_grad=True)
            theirs = torch.nn.functional.cross_entropy(z, torch.tensor([k]))
            theirs.backward()
            xs = [Value(x) for x in row]
            ours = cross_entropy([xs], [k])
            ours.backward()
            assert ours.data == pytest.approx(theirs.item(), rel=1e-15, abs=1e-300), (row, k)
            assert [x.grad for x in xs] == pytest.approx(z.grad[0].tolist(), abs=1e-15)


def test_cross_entropy_of_a_sure_and_right_prediction_is_zero():
    xs = [Value(1e308), Value(-1e308), Value(0.0)]
    loss = cross_entropy([xs], [0])
    assert loss.data == 0.0
    loss.backward()
    assert [x.grad for x in xs] == [0.0, 0.0, 0.0]
    soft = cross_entropy([[-1e308, -1e308, 5.0]], [[0.5, 0.5, 0.0]])
    assert soft.data == 1e308  # finite, as torch


def test_what_is_truly_too_large_is_refused_by_name():
    with pytest.raises(OverflowError, match=r"^cross_entropy: in row 1 the logit of class 1 is "
                                            r"-1e\+308 but the largest logit is 1e\+308"):
        cross_entropy([[1e308, -1e308]], [1])
    with pytest.raises(OverflowError, match="^cross_entropy: in row 2 the logit of class 0"):
        cross_entropy([[1.0, 2.0], [-BIG, BIG]], [[0.0, 1.0], [0.5, 0.5]])
    with pytest.raises(OverflowError, match=r"^log_softmax: logit 2 is -1e\+308 but the "
                                            r"largest logit is 1e\+308; .*too large for a float"):
        log_softmax([1e308, -1e308])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-BIG, BIG) | st.sampled_from([BIG, -BIG, 1e308, -1e308, 0.0]),
                min_size=1, max_size=4))
def test_softmax_anywhere_is_finite_and_matches_torch(row):
    weights = [float(i + 1) for i in range(len(row))]
    xs = [Value(x) for x in row]
    probs = softmax(xs)
    sum(w * p for w, p in zip(weights, probs, strict=True)).backward()
    values = [p.data for p in probs]
    assert math.fsum(values) == pytest.approx(1.0, abs=1e-15)
    want, want_grad = torch_softmax_and_grad(row, weights)
    assert values == pytest.approx(want, abs=1e-15)
    assert [x.grad for x in xs] == pytest.approx(want_grad, rel=1e-12, abs=1e-15)


def test_ordinary_logits_give_the_same_graph_as_before():
    """The overflow path is taken only where x - max overflows: normal rows are unchanged."""
    probs = softmax([Value(1.0), Value(2.0)])
    assert probs[0].op == "/" and probs[0].inputs[0].op == "exp"
    assert probs[0].inputs[0].inputs[0].op == "- 2"


# ----- bad input: each error names the function and the value ---------------------------------

ONE = [Value(0.5)]


@pytest.mark.parametrize("call, error, message", [
    (lambda: mse({0.5: 1}, [1.0]), TypeError,
     r"^mse: the predictions must be a list \(or tuple\) in a fixed order, got dict \{0.5: 1\}"),
    (lambda: mse([0.5], {1.0}), TypeError, r"^mse: the targets must be a list .*got set \{1.0\}"),
    (lambda: mae(ONE, "1"), TypeError, "^mae: the targets must be a list, got str '1'"),
    (lambda: huber(ONE, b"1"), TypeError, "^huber: the targets must be a list, got bytes"),
    (lambda: mse(None, [1.0]), TypeError, "^mse: the predictions must be a list, got NoneType"),
    (lambda: mse([10**5000], [1.0]), OverflowError,
     "^mse: prediction 1 is an integer with about 5,001 digits, too large for a float"),
    (lambda: mse([1.0], [10**5000]), OverflowError,
     "^mse: target 1 is an integer with about 5,001 digits, too large for a float"),
    (lambda: mse([1.0, "2"], [1.0, 2.0]), TypeError,
     "^mse: prediction 2 must be a Value or a number, got str '2'"),
    (lambda: mse([1.0], [[1.0]]), TypeError, r"^mse: target 1 must be a number, got list \[1.0\]"),
    (lambda: mse([[1.0, 2.0]], [1.0]), TypeError,
     r"^mse: prediction 1 must be a Value or a number, got list \[1.0, 2.0\]"),
    (lambda: mse([1.0, 2.0], [1.0]), ValueError, "^mse: got 2 predictions but 1 target"),
    (lambda: mse([float("nan")], [1.0]), ValueError,
     "^mse: prediction 1 is nan; predictions must be finite"),
    (lambda: huber(ONE, [1.0], delta=10**400), OverflowError,
     "^huber: delta is an integer with 401 digits, too large for a float"),
    (lambda: hinge(ONE, [10**5000]), OverflowError,
     "^hinge: target 1 is an integer with about 5,001 digits, too large for a float"),
    (lambda: binary_cross_entropy(ONE, {1: 1}), TypeError, "^binary_cross_entropy: the targets"),
    (lambda: binary_cross_entropy_with_logits({0.5}, [1]), TypeError,
     "^binary_cross_entropy_with_logits: the predictions must be a list .*got set"),
    (lambda: cross_entropy([[1.0, 2.0]], [10**5000]), ValueError,
     r"^cross_entropy: target 1 is class an integer with about 5,001 digits, but there are 2 "
     "classes"),
    (lambda: cross_entropy([[1.0, 2.0]], [-(10**30)]), ValueError,
     "^cross_entropy: target 1 is class -1000000000000000000000000000000, but"),
    (lambda: cross_entropy([[1.0, 2.0]], [{0: 1.0, 1: 0.0}]), TypeError,
     r"^cross_entropy: a target must be a list .*fixed order, got dict"),
    (lambda: cross_entropy({0: [1.0, 2.0]}, [0]), TypeError,
     "^cross_entropy: logits_batch must be a list .*got dict"),
    (lambda: cross_entropy([[1.0, [2.0]]], [0]), TypeError,
     r"^cross_entropy: logit 2 must be a Value or a number, got list \[2.0\]"),
    (lambda: cross_entropy([[1.0, 2.0], [1.0, 2.0, 3.0]], [0, 1]), ValueError,
     "^cross_entropy: row 2 has 3 logits but row 1 has 2"),
    (lambda: cross_entropy([[[1.0, 2.0]]], [0]), TypeError,
     "^cross_entropy: logit 1 must be a Value or a number, got list"),
    (lambda: softmax({1.0, 2.0}), TypeError, "^softmax: logits must be a list .*got set"),
    (lambda: softmax([1.0, 10**5000]), OverflowError,
     "^softmax: logit 2 is an integer with about 5,001 digits, too large for a float"),
    (lambda: log_softmax("12"), TypeError, "^log_softmax: logits must be a list, got str '12'"),
    (lambda: entropy({0.5: 0.5}), TypeError, "^entropy: p must be a list .*got dict"),
    (lambda: entropy([1, 10**5000]), OverflowError,
     r"^entropy: p\[2\] is an integer with about 5,001 digits, too large for a float"),
    (lambda: kl_divergence([0.5, 0.5], {0.5}), TypeError, "^kl_divergence: q must be a list"),
    (lambda: distribution_cross_entropy([1.0], [1.0], base=[2]), ValueError,
     r"^distribution_cross_entropy: base must be a positive number other than 1, got \[2\]"),
])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_huge_integer_that_fits_is_still_an_exact_class_index():
    assert cross_entropy([[0.0, 0.0]], [1]).data == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="is class 2, but there are 2 classes"):
        cross_entropy([[0.0, 0.0]], [2])


def test_generators_and_tuples_still_work():
    assert mse((Value(x) for x in (1.0, 2.0)), (1.0, 2.0)).data == 0.0
    assert len(softmax(x for x in (1.0, 2.0))) == 2


def test_numpy_scalars_are_numbers_and_arrays_are_lists():
    np = pytest.importorskip("numpy")
    assert mse(np.float64(0.5), np.float32(1.0)).data == 0.25
    assert mse([np.int64(1), np.float64(2.0)], np.array([1.0, 2.0])).data == 0.0
    assert cross_entropy(np.array([[0.0, 0.0]]), np.array([1])).data == \
        pytest.approx(math.log(2))
    assert [p.data for p in softmax(np.array([0.0, 0.0]))] == [0.5, 0.5]
    assert binary_cross_entropy(np.array([0.5]), [np.int64(1)]).data == pytest.approx(
        math.log(2))
    assert huber([1.0], [3.0], delta=np.float64(1.0)).data == 1.5
    with pytest.raises(TypeError, match=r"^mse: the predictions must be a list, got ndarray"):
        mse(np.array(0.5), [1.0])  # an array with no dimensions
    with pytest.raises(TypeError, match="^mse: prediction 1 must be a Value or a number, got "
                                        "ndarray"):
        mse(np.array([[0.5, 1.0]]), [1.0])
    with pytest.raises(ValueError, match="^mse: target 1 is nan"):
        mse([1.0], np.array([np.nan]))
    with pytest.raises(TypeError, match="^mse: target 1 must be a number, got str_|numpy.str_"):
        mse([1.0], np.array(["a"]))
