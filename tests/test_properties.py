"""Random expressions: every input's gradient agrees with central finite differences."""

from __future__ import annotations

from expressions import as_function, expressions, input_lists, run_values, show
from hypothesis import HealthCheck, assume, given, settings

from stepgrad import gradcheck

KINK_MARGIN = 1e-3  # a finite difference that straddles a kink measures no derivative


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(expr=expressions, xs=input_lists)
def test_random_expressions_pass_gradcheck(expr, xs):
    kinks: list[float] = []
    built = run_values(expr, xs, kinks)
    assume(built is not None)  # exp of a large number overflows: not this test's business
    out, leaves = built
    assume(abs(out.data) < 1e6)
    assume(all(abs(k) > KINK_MARGIN for k in kinks))
    check = gradcheck(as_function(expr), *xs, labels=[leaf.label for leaf in leaves])
    assert check.ok, f"{show(expr)}\n{check}"

