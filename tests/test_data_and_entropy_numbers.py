"""The data helpers take numpy numbers as the rest of stepgrad.nn does, give int labels
(-1/+1 or 0/1, whatever `negative` is spelled as), and a sure outcome's entropy is 0.0, not
-0.0, with every gradient as before."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import (
    and_gate,
    distribution_cross_entropy,
    entropy,
    make_moons,
    make_spiral,
    or_gate,
    xor,
)

np = pytest.importorskip("numpy")


# ----- numpy numbers ----------------------------------------------------------------------------

def test_the_reviews_calls_work():
    assert make_moons(np.int64(50)) == make_moons(50)
    assert make_moons(50, noise=np.float64(0.1)) == make_moons(50, noise=0.1)
    assert make_moons(50, noise=np.float32(0.1)) == make_moons(50, noise=float(np.float32(0.1)))
    assert make_spiral(np.int64(10)) == make_spiral(10)
    assert make_spiral(10, classes=np.int64(3)) == make_spiral(10, classes=3)
    assert make_spiral(10, noise=np.float64(0.3)) == make_spiral(10, noise=0.3)


@given(n=st.integers(2, 40), seed=st.integers(0, 2**40), classes=st.integers(2, 5),
       kind=st.sampled_from(["int8", "int32", "int64", "uint16", "uint64"]))
def test_numpy_integers_give_what_ints_give(n, seed, classes, kind):
    t = getattr(np, kind)
    if np.iinfo(t).max < seed:
        seed = seed % int(np.iinfo(t).max)
    assert make_moons(t(n), seed=t(seed)) == make_moons(n, seed=seed)
    assert make_moons(n_samples=t(n), random_state=t(seed)) == make_moons(n, seed=seed)
    assert make_spiral(t(n), classes=t(classes), seed=t(seed)) == \
        make_spiral(n, classes=classes, seed=seed)


@pytest.mark.parametrize("call, message", [
    (lambda: make_moons(np.int64(1)), r"^make_moons: n must be a whole number >= 2, got 1$"),
    (lambda: make_moons(n_samples=np.int64(0)), r"^make_moons: n_samples must be a whole number "
                                                r">= 2, got 0$"),
    (lambda: make_moons(9.0), r"^make_moons: n must be a whole number >= 2, got 9\.0$"),
    (lambda: make_spiral(np.int64(1)), r"^make_spiral: n_per_class must be a whole number >= 2"),
    (lambda: make_spiral(5, classes=np.int64(1)), r"^make_spiral: classes must be a whole "
                                                  r"number >= 2, got 1$"),
    (lambda: make_moons(10, noise=np.float64(-0.1)), r"^make_moons: noise must be a number "
                                                     r">= 0, got np\.float64\(-0\.1\)$"),
    (lambda: make_moons(10, noise=float("nan")), r"^make_moons: noise must be a number >= 0, "
                                                 r"got nan$"),
    (lambda: make_spiral(5, noise=math.inf), r"^make_spiral: noise must be a number >= 0"),
    (lambda: make_spiral(5, noise=10**400), r"^make_spiral: noise must be a number >= 0, got "
                                            r"an integer with 401 digits$"),
    (lambda: make_moons(10, noise=True), r"^make_moons: noise must be a number >= 0, got True$"),
    (lambda: make_moons(10, noise="0.1"), r"^make_moons: noise must be a number >= 0, got "
                                          r"'0\.1'$"),
])
def test_bad_sizes_and_noise_are_still_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ----- labels ---------------------------------------------------------------------------------

@pytest.mark.parametrize("negative, expected", [
    (-1, -1), (0, 0), (False, 0), (0.0, 0), (-1.0, -1), (np.int64(0), 0), (np.False_, 0),
    (np.float64(-1.0), -1),
])
def test_labels_are_ints_however_negative_is_written(negative, expected):
    for make in (xor, and_gate, or_gate, lambda negative: make_moons(8, negative=negative)):
        labels = make(negative=negative)[1]
        assert all(type(t) is int for t in labels)
        assert set(labels) == {expected, 1}
    assert xor(negative=negative)[1] == [expected, 1, 1, expected]


@pytest.mark.parametrize("bad", [2, 1, 0.5, "0", None, math.nan, [0], True])
@pytest.mark.parametrize("make, name", [(xor, "xor"), (and_gate, "and_gate"),
                                        (or_gate, "or_gate"),
                                        (lambda negative: make_moons(8, negative=negative),
                                         "make_moons")])
def test_other_negatives_are_refused_naming_the_function(make, name, bad):
    with pytest.raises(ValueError, match=rf"^{name}: negative must be -1 or 0 \(the label for "
                                         r"'false'\), got "):
        make(negative=bad)


def test_make_moons_says_its_labels_are_not_scikit_learns():
    doc = " ".join(make_moons.__doc__.split())
    assert "Unlike scikit-learn's (0 and 1), the labels are -1 and +1 by default" in doc
    assert "`negative=0` gives 0 and 1" in doc
    assert sorted(set(make_moons(n_samples=10, random_state=0, negative=0)[1])) == [0, 1]


# ----- entropy of a sure outcome ------------------------------------------------------------

@pytest.mark.parametrize("base", [math.e, 2, 10])
def test_a_sure_outcome_has_entropy_plus_zero(base):
    for p in ([1.0, 0.0], [0.0, 1.0, 0.0], [1], [Value(1.0), Value(0.0)]):
        h = entropy(p, base=base)
        assert h.data == 0.0 and math.copysign(1.0, h.data) == 1.0
        assert str(h.data) == "0.0" and h.label == "H(p)"
    h = distribution_cross_entropy([1.0, 0.0], [1.0, 0.0], base=base)
    assert math.copysign(1.0, h.data) == 1.0


def hand_made_entropy(ps, base):
    """The graph entropy() builds, by hand: -(p log p) per nonzero p, summed, then / ln b."""
    terms = [-(p * p.log()) for p in ps if p.data > 0.0]
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out / math.log(base) if base != math.e else out


@given(weights=st.lists(st.sampled_from([0.0, 0.0, 1.0, 0.25, 3.0]), min_size=1, max_size=5)
       .filter(lambda w: sum(w) > 0), base=st.sampled_from([math.e, 2.0, 10.0]))
def test_every_gradient_is_what_it_was(weights, base):
    probs = [w / sum(weights) for w in weights]
    ours = [Value(p) for p in probs]
    theirs = [Value(p) for p in probs]
    h = entropy(ours, base=base)
    expected = hand_made_entropy(theirs, base)
    h.backward()
    expected.backward()
    assert h.data == expected.data  # equal numbers (0.0 == -0.0 too)
    assert math.copysign(1.0, h.data) == 1.0  # never -0.0
    assert [p.grad for p in ours if p.grad_computed] == \
        [p.grad for p in theirs if p.grad_computed]
    for p, q in zip(ours, theirs, strict=True):
        assert p.grad_computed == q.grad_computed
