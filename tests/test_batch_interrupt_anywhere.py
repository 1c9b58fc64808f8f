"""Ctrl-C at any point of a batched result's backward() changes nothing (the rules in
autograd/backward.py), as for Value.backward() (test_backward_interrupt_anywhere.py): every
gradient, and a live stepped pass that backward() was ending, are exactly as before the call.

Ctrl-C is simulated by a trace function that raises KeyboardInterrupt at the n-th line of
the pass code, batch.py included, for every n until backward() gets through without one."""

from __future__ import annotations

import pytest
from interrupt import assert_undone, every_value, interrupted_at

from stepgrad import Value, batch, batched, passes
from stepgrad import backward as backward_module
from stepgrad import stepping as stepping_module
from stepgrad.backward import topological_order

PASS_CODE = {backward_module.__file__, passes.__file__, stepping_module.__file__, batch.__file__}


def setup(backend: str, with_pass: bool):
    """A batched loss plus an L2 term over w and b, which hold gradients of an earlier pass;
    and, if with_pass, a live stepped pass over another output of w and b, 2 steps in."""
    passes.live.clear()
    w, b = Value(0.7, label="w"), Value(-0.3, label="b")
    (w * b + b).backward()  # gradients from an earlier pass: backward() adds to them
    step = batched(lambda x, y: ((w * x + b).tanh() - y) ** 2, backend=backend)
    l2 = 0.01 * (w * w + b * b)
    loss = step([0.5, -1.0, 2.0], [1.0, 0.0, 1.0]) + l2
    other = (w * 2.0 + b).tanh()
    p = None
    if with_pass:
        p = other.backward_steps()
        next(p), next(p)
    return w, b, l2, loss, other, p


def check_every_interrupt(backend: str, with_pass: bool) -> int:
    """Interrupt loss.backward() at every line in turn; return how many lines it runs."""
    n = 0
    while True:
        n += 1
        w, b, l2, loss, other, p = setup(backend, with_pass)
        values = every_value(l2, other)
        before = [v._grad for v in values]
        steps = len(p.steps) if p is not None else 0
        if not interrupted_at(n, loss.backward, PASS_CODE):
            if p is not None:  # backward() got through: it ended the pass
                assert p.stale and p not in passes.live
            return n - 1
        assert_undone(n, values, before, p, steps)
        if p is not None:
            p.run()  # it goes on as if nothing happened: the gradients of a plain backward()
            fresh = setup(backend, with_pass=False)[4]
            fresh.backward()
            assert [v.grad for v in p.order] == [v.grad for v in topological_order(fresh)]
        loss.backward()  # and then the batch's backward() gives what it gives untouched
        _, _, l2_, loss_, other_, _ = setup(backend, with_pass=False)
        if p is not None:
            other_.backward()
        loss_.backward()
        assert [v._grad for v in values] == [v._grad for v in every_value(l2_, other_)]


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_ctrl_c_anywhere_in_a_batched_backward_changes_nothing(backend):
    try:
        assert check_every_interrupt(backend, with_pass=False) > 100
        assert check_every_interrupt(backend, with_pass=True) > 100
    finally:
        passes.live.clear()
