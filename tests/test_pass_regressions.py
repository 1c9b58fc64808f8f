"""One test per way the numbers could lie before passes had rules (issue 7, "What goes wrong
today"), plus the rules that replaced them: a stale pass refuses to step, backward() in the
middle of stepping gives one whole pass, views change nothing, drawing step k shows step k,
"grad ?" until a pass reaches a value, a failed backward() changes nothing, one call resets a
graph. Each of these tests fails on the code before the rules (commit e2271aa)."""

from __future__ import annotations

import contextlib
import io
import math
import re

import pytest
from graphs import neuron

import stepgrad
from stepgrad import BackwardPass, Value, print_backward
from stepgrad.backward import topological_order


def grads(root: Value) -> list[float | None]:
    """Every gradient of the graph of `root` as stored (None: "grad ?"), in a fixed order."""
    return [v._grad for v in topological_order(root)]


def sum_times_z():
    """f = (x + y) * z, the issue's example: df/dx = df/dy = z = -4, df/dz = x + y = 6."""
    x, y, z = Value(2.0, label="x"), Value(4.0, label="y"), Value(-4.0, label="z")
    s = x + y
    s.label = "s"
    f = s * z
    f.label = "f"
    return f, x, y, z


def assert_stale(p: BackwardPass, call) -> None:
    """`call(p)` raises StalePassError (a RuntimeError), which says what to do."""
    with pytest.raises(RuntimeError) as info:
        call(p)
    assert type(info.value).__name__ == "StalePassError"
    assert "is stale" in str(info.value) and "start a new pass with backward_steps()" in str(
        info.value)


def test_a_stale_pass_refuses_to_step_on():
    f, x, y, z = sum_times_z()
    old = f.backward_steps()
    next(old)
    new = f.backward_steps()  # as when a notebook cell that starts a pass is run again
    assert_stale(old, next)
    assert_stale(old, BackwardPass.run)
    new.run()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 6.0)
    with pytest.raises(RuntimeError, match=r"^next\(\): this backward pass of f is stale: after "
                                           r"it started, a new pass started on f\. Its steps "
                                           r"were undone\."):
        next(old)


def test_running_the_same_cell_twice_gives_the_same_gradients():
    f, x, y, z = sum_times_z()
    for _ in range(3):
        steps = f.backward_steps()
        next(steps)
        next(steps)
        next(steps)
        assert (x.grad, y.grad, z.grad) == (-4.0, 0.0, 6.0)
        assert not y.grad_computed


def test_backward_in_the_middle_of_stepping_gives_one_whole_pass():
    f, x, y, z = sum_times_z()
    steps = f.backward_steps()
    next(steps)
    next(steps)
    next(steps)  # x has its gradient, y not yet
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 6.0)  # before: -8, -4, 6
    assert_stale(steps, next)


def test_two_interleaved_passes_never_mix():
    x = Value(2.0, label="x")
    sq = x * x
    f = sq * sq  # x**4: df/dx = 4 x**3 = 32
    first, second = f.backward_steps(), f.backward_steps()
    next(second)
    assert_stale(first, next)
    next(second)
    second.run()
    assert x.grad == 32.0
    f.backward()  # a second whole pass adds 32 again to the input, as in PyTorch
    assert x.grad == 64.0


def test_print_backward_after_stepping_changes_nothing():
    o = neuron()
    steps = o.backward_steps()
    for _ in range(3):
        next(steps)
    before = grads(o)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        print_backward(o)
    assert grads(o) == before  # before: a whole real pass ran, so the leaves doubled
    assert len(out.getvalue().splitlines()) == 2 + 9
    assert len(next(steps).__repr__()) > 0 and len(steps.steps) == 4  # the pass goes on
    steps.run()
    fresh = neuron()
    fresh.backward()
    assert grads(o) == grads(fresh)


def test_table_shows_the_steps_to_come_without_taking_them():
    o = neuron()
    steps = o.backward_steps()
    next(steps)
    before = grads(o)
    table = steps.table()
    assert len(steps.steps) == 1 and not steps.done  # before: table() ran the pass to the end
    assert grads(o) == before
    assert "steps 2-9 are not done yet" in table and len(table.splitlines()) == 2 + 9 + 1


def grad_texts(source: str) -> dict[str, str]:
    """The "grad ..." text of every value box in a DOT source, by box id."""
    return {m.group(1): m.group(2)
            for m in re.finditer(r"(n\d+) \[.*?>grad ([^<]*)<", source)}


def test_drawing_step_k_of_a_finished_pass_shows_the_gradients_after_step_k():
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    from stepgrad import draw
    from stepgrad.draw import node_ids
    from stepgrad.stepping import short

    o = neuron()
    p = o.backward_steps()
    p.run()
    ids = node_ids(p.order)
    for k, step in enumerate(p.steps, start=1):
        expected = {ids[v]: "?" for v in p.order}
        expected[ids[o]] = "1"
        for s in p.steps[:k]:
            expected[ids[s.input]] = short(s.input_grad)
        assert grad_texts(draw(o, step, p).source) == expected, k
        assert grad_texts(draw(o, step).source) == expected, k  # a step knows its pass
    first = grad_texts(draw(o, p.steps[0], p).source)
    x1 = next(v for v in p.order if v.label == "x1")
    assert first[ids[x1]] == "?"  # before: "-1.5", the final gradient, under "step 1/9"
    o.backward()  # the graph moves on; the drawing of step 1 does not
    assert grad_texts(draw(o, p.steps[0], p).source) == first


def test_values_the_pass_has_not_reached_show_grad_question_mark():
    o = neuron()
    steps = o.backward_steps()
    next(steps)  # o -> n
    labelled = {v.label: v for v in steps.order if v.label}
    for name in ("x1", "w1", "x1*w1", "b"):
        assert not labelled[name].grad_computed, name  # before: True, and grad 0
    assert labelled["n"].grad_computed and labelled["n"].grad == pytest.approx(0.5)
    assert "grad=" not in repr(labelled["x1*w1"])


def test_a_backward_that_overflows_leaves_every_gradient_as_it_was():
    a, b = Value(1.0, label="a"), Value(10.0, label="b")
    out = (a * 1.0) * b
    with pytest.raises(OverflowError, match=r"became inf, too large for a float"):
        out.backward(1e308)
    assert grads(out) == [None, None, None, None]  # before: inf in a.grad and in a * 1.0
    out.backward(2.0)
    after_one = grads(out)
    with pytest.raises(OverflowError):
        out.backward(1e308)
    assert grads(out) == after_one
    assert all(math.isfinite(g) for g in after_one)


def test_a_step_that_overflows_is_not_applied_and_the_pass_stays_where_it_was():
    a, b = Value(1.0, label="a"), Value(10.0, label="b")
    ab = a * 1.0
    ab.label = "ab"
    out = ab * b
    p = out.backward_steps(1e308)
    with pytest.raises(OverflowError, match=r"gradient of 'ab' .* became inf.* Step 1 was not "
                                            r"applied: the pass stays at step 0"):
        next(p)
    assert ab._grad is None and len(p.steps) == 0  # before: ab.grad was inf
    with pytest.raises(OverflowError):
        p.run()
    out.zero_grad_graph()  # ends the stuck pass, and resets everything
    assert grads(out) == [None, None, None, None] and p.stale


def test_one_call_resets_a_whole_graph():
    f, x, y, z = sum_times_z()
    f.backward()
    f.zero_grad_graph()  # before: only f.zero_grad(), which resets f alone
    assert grads(f) == [None] * 5
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 6.0)  # not added to an older gradient


def test_backward_pass_of_a_non_value_is_a_type_error():
    for bad in (None, 3.0, [Value(1.0)]):
        with pytest.raises(TypeError, match=r"^BackwardPass: expected the Value whose backward "
                                            r"pass to step through, got "):
            BackwardPass(bad)
    with pytest.raises(TypeError, match=r"^print_backward: expected the Value"):
        print_backward(None)


def test_stepping_past_the_end_says_the_pass_is_finished():
    f, *_ = sum_times_z()
    p = f.backward_steps()
    p.run()
    with pytest.raises(StopIteration, match=r"^the backward pass is finished: all 4 steps are "
                                            r"done$"):
        next(p)
    leaf = Value(1.0, label="c")
    with pytest.raises(StopIteration, match=r"has no steps: c is not computed from other values"):
        next(leaf.backward_steps())
    assert hasattr(stepgrad, "StalePassError")
