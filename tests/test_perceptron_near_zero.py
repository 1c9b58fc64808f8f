"""The perceptron decides the side of w . x + b exactly, also when the float sum is near 0.

A float sum can land on the wrong side of 0: 1e16 + 1 - 1e16 is 0 in floats (1 in exact
arithmetic), and a product such as 2.6e-147 * 6.1e-199 underflows to 0. Hypothesis found a
fit whose reported accuracy disagreed with its own weights through such an underflow
(tests/test_numerics_edges.py); these check the decision itself.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad.nn import Perceptron


def _exactly_above(w: list[float], b: float, x: list[float]) -> bool:
    return sum((Fraction(wi) * Fraction(xi) for wi, xi in zip(w, x, strict=True)),
               Fraction(b)) > 0


def _perceptron(w: list[float], b: float) -> Perceptron:
    p = Perceptron(len(w))
    p.w, p.b = list(w), b
    return p


def test_rounding_that_cancels_to_0_is_decided_exactly():
    up, down = _perceptron([1.0, 1.0, -1.0], 0.0), _perceptron([1.0, -1.0, -1.0], 0.0)
    x = [1e16, 1.0, 1e16]
    assert up.score(x) == down.score(x) == 0.0  # in floats both are 0 ...
    assert up.predict(x) == 1 and down.predict(x) == -1  # ... exactly +1 and -1


def test_a_product_that_underflows_to_0_is_decided_exactly():
    p = _perceptron([-2.644250284229949e-147, 0.0], 0.0)
    x = [-6.136426826996821e-199, 0.0]
    assert p.score(x) == 0.0  # 1.6e-345 is below the smallest float
    assert p.predict(x) == 1
    assert p.accuracy([x, [1.0, 0.0]], [1, -1]) == 1.0


def test_zero_weights_put_every_point_below():
    p = Perceptron(3)
    assert [p.predict(x) for x in ([0, 0, 0], [1e300, -1e-300, 5.0])] == [-1, -1]


finite = st.floats(allow_nan=False, allow_infinity=False)
tiny_or_huge = st.one_of(finite, st.floats(-1e-150, 1e-150), st.sampled_from([1e16, -1e16, 1.0,
                                                                               -1.0, 0.0]))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.lists(tiny_or_huge, min_size=n,
                                                               max_size=n),
                                                      st.lists(tiny_or_huge, min_size=n,
                                                               max_size=n))),
       tiny_or_huge)
def test_the_side_is_the_exact_one_for_any_floats(wx, b):
    w, x = wx
    p = _perceptron(w, b)
    assert (p.predict(x) == 1) == _exactly_above(w, b, x)
