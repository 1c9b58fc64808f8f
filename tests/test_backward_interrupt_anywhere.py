"""Ctrl-C at any point of backward() changes nothing (the rules in autograd/backward.py): every
gradient, and a live stepped pass that backward() was ending, are exactly as before the call.

Ctrl-C is simulated with a trace function that raises KeyboardInterrupt at the n-th line the
pass code runs, for every n until backward() gets through without one. The lines that put
things back after the interrupt run undisturbed (one Ctrl-C, not two)."""

from __future__ import annotations

import sys

from interrupt import assert_undone, every_value, interrupted_at

from stepgrad import Value, passes
from stepgrad import backward as backward_module
from stepgrad import stepping as stepping_module
from stepgrad.backward import topological_order

PASS_CODE = {backward_module.__file__, passes.__file__, stepping_module.__file__}


def network():
    """Two losses that share the parameter w; the inputs hold gradients of an earlier pass."""
    w, b, x = Value(3.0, label="w"), Value(-1.0, label="b"), Value(0.5, label="x")
    h = (w * x + b).tanh()
    h.label = "h"
    loss1 = h * h + w * 0.1
    loss2 = (w * 2.0).tanh() + b
    loss1.backward()
    return w, b, x, loss1, loss2


def check_every_interrupt(root_index: int, with_pass: bool) -> int:
    """Interrupt backward() of loss1 or loss2 at every line in turn; return how many."""
    n = 0
    while True:
        n += 1
        passes.live.clear()
        w, b, x, loss1, loss2 = network()
        p = None
        if with_pass:
            p = loss1.backward_steps()
            for _ in range(3):
                next(p)
        values = every_value(loss1, loss2)
        before = [v._grad for v in values]
        steps = len(p.steps) if p is not None else 0
        root = (loss1, loss2)[root_index]
        if not interrupted_at(n, root.backward, PASS_CODE):
            if p is not None:  # backward() ran: it ended the pass
                assert p.stale and p not in passes.live
            return n - 1
        assert_undone(n, values, before, p, steps)
        if p is not None:
            p.run()  # it goes on as if nothing happened: the gradients of two whole passes
            fresh = network()[3]
            fresh.backward()
            assert [v.grad for v in p.order] == [v.grad for v in topological_order(fresh)]


def test_ctrl_c_anywhere_in_backward_changes_nothing():
    assert check_every_interrupt(0, with_pass=False) > 50


def test_ctrl_c_anywhere_in_backward_leaves_the_live_pass_it_was_ending_as_it_was():
    try:
        assert check_every_interrupt(0, with_pass=True) > 50  # the pass's own output
        assert check_every_interrupt(1, with_pass=True) > 50  # another output sharing w
    finally:
        passes.live.clear()


def grouped_pass_state(g) -> tuple:
    bp = g.backward_pass
    return ([v._grad for v in bp.order], len(g.steps), len(bp.steps), set(bp.reached),
            bp.stale, bp.done, bp in passes.live)


def test_ctrl_c_anywhere_in_a_grouped_step_applies_all_of_it_or_none():
    from stepgrad.grouped_pass import GroupedPass
    from stepgrad.nn import MLP

    def start(k: int):
        passes.live.clear()
        out = MLP(2, [3, 1], seed=0)([0.5, -1.0])
        g = GroupedPass(out, "neuron")
        for _ in range(k):
            next(g)
        return g

    PASS_CODE.add(sys.modules["stepgrad.grouped_pass"].__file__)
    try:
        total = start(0).total
        for k in range(total):  # the grouped step k + 1, interrupted at each line in turn
            n = 0
            while True:
                n += 1
                g = start(k)
                before = grouped_pass_state(g)
                if not interrupted_at(n, lambda g=g: next(g), PASS_CODE):
                    break
                after = grouped_pass_state(g)
                if after != before:  # then the interrupt came once the step was whole
                    assert after[1] == k + 1 and after[2] == sum(len(s.steps) for s in g.steps)
                    assert after[6] == (not after[5]), "live, but not in passes.live"
                g.run()  # and the pass goes on to give backward()'s gradients
                fresh = MLP(2, [3, 1], seed=0)([0.5, -1.0])
                fresh.backward()
                assert [v.grad for v in g.backward_pass.order] == \
                    [v.grad for v in topological_order(fresh)], f"step {k + 1}, line {n}"
            assert n > 100
    finally:
        PASS_CODE.discard(sys.modules["stepgrad.grouped_pass"].__file__)
        passes.live.clear()


def test_ctrl_c_anywhere_while_a_reset_ends_a_pass_leaves_it_live_or_ended_never_half():
    """`.grad = `, zero_grad() and a new stepped pass end a live pass first: a Ctrl-C there
    leaves that pass either as it was (live, its steps kept) or ended (stale, steps undone)."""
    writers = {
        "set grad": lambda w, loss1: setattr(w, "grad", 5.0),
        "zero_grad": lambda w, loss1: w.zero_grad(),
        "zero_grad_graph": lambda w, loss1: loss1.zero_grad_graph(),
        "new pass": lambda w, loss1: loss1.backward_steps(),
    }
    for name, write in writers.items():
        n = 0
        while True:
            n += 1
            passes.live.clear()
            w, b, x, loss1, loss2 = network()
            p = loss1.backward_steps()
            for _ in range(3):
                next(p)
            values = every_value(loss1, loss2)
            before = [v._grad for v in values]
            if not interrupted_at(n, lambda w=w, loss1=loss1, write=write: write(w, loss1),
                                  PASS_CODE):
                break
            assert p.stale == (p not in passes.live), f"{name}, interrupt {n}: half ended"
            if not p.stale:
                assert [v._grad for v in values] == before, f"{name}, interrupt {n}"
                p.run()  # and it goes on
        assert n > 5, name
    passes.live.clear()
