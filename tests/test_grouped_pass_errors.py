"""A GroupedPass keeps the rules of a plain BackwardPass (autograd/backward.py): a step that
would make a gradient too large for a float changes nothing, all of its edges or none, and a
stale grouped pass says how to start a grouped pass again."""

from __future__ import annotations

import pytest
from graphs import xor_loss
from hypothesis import event, given, settings
from hypothesis import strategies as st

from stepgrad import StalePassError, Value
from stepgrad.backward import topological_order
from stepgrad.grouped_pass import GroupedPass


def overflowing_neuron() -> tuple[Value, dict[str, Value]]:
    """loss = 1e10 * L1.n1, L1.n1 = (w * x + b) * 1, with w = 1e-300 and x = 1e308: going back
    through neuron L1.n1 (5 edges), the 4th edge gives w.grad = 1e10 * 1e308 = inf."""
    x = Value(1e308, label="x")  # an input of its own (no dot: not in the neuron)
    w, b = Value(1e-300, label="L1.n1.w1"), Value(0.0, label="L1.n1.b")
    out = (w * x + b) * 1.0
    out.label = "L1.n1"
    loss = out * 1e10
    loss.label = "loss"
    return loss, {"x": x, "w": w, "b": b, "out": out}


def snapshot(root: Value) -> list[float | None]:
    return [v._grad for v in topological_order(root)]


def test_a_group_step_that_overflows_part_way_changes_nothing():
    loss, v = overflowing_neuron()
    loss.backward(1e-20)  # an earlier pass: the leaves hold gradients (the new pass adds to them)
    held = {name: v[name]._grad for name in ("x", "w", "b")}
    assert all(g is not None and g != 0.0 for g in held.values())
    gp = GroupedPass(loss, "neuron")
    assert [n for _, n in gp.runs] == [1, 5]  # loss, then L1.n1
    next(gp)  # loss -> L1.n1
    before = snapshot(loss)
    reached = set(gp.backward_pass.reached)
    for _ in range(2):  # and again: the refused step can be tried again, and is refused again
        with pytest.raises(OverflowError) as info:
            next(gp)
        # before: s, the product and b kept the gradients of the first 3 edges of the step
        assert snapshot(loss) == before  # bit for bit (== on floats, None stays None)
        message = str(info.value)
        assert "gradient of 'L1.n1.w1'" in message and "became inf" in message
        assert ("Step 2 (back through L1.n1, 5 edges) was not applied (none of its edges): the "
                "grouped pass stays at step 1.") in message
        assert len(gp.steps) == 1 and len(gp.backward_pass.steps) == 1
        assert gp.backward_pass.reached == reached and not gp.done
        assert not gp.backward_pass.stale
    with pytest.raises(OverflowError):
        gp.run()
    assert snapshot(loss) == before and len(gp.backward_pass.steps) == 1
    assert repr(gp).startswith("<GroupedPass by neuron: step 1/2: loss")  # it can be looked at
    # ending the pass puts back exactly the gradients from before it (the held ones too)
    loss.zero_grad_graph()
    assert all(v[name]._grad is None for name in ("x", "w", "b"))


def test_a_refused_group_step_matches_a_plain_pass_stopped_before_that_group():
    """The gradients a grouped pass leaves after a refused step are those of a plain pass over
    the same graph that applied exactly the edges of the grouped steps done so far."""
    loss, _ = overflowing_neuron()
    gp = GroupedPass(loss, "neuron")
    next(gp)
    with pytest.raises(OverflowError):
        next(gp)
    twin, _ = overflowing_neuron()
    plain = twin.backward_steps()
    for _ in range(sum(len(s.steps) for s in gp.steps)):
        next(plain)
    assert snapshot(loss) == snapshot(twin)


def small_net_loss(seed: int, x: list[float], scale: float) -> Value:
    from stepgrad.nn import MLP

    model = MLP(2, [3, 2, 1], activation="tanh", seed=seed)
    loss = (model(x) - 1) ** 2 * scale
    loss.label = "loss"
    return loss


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 50),
       x=st.lists(st.floats(-3, 3), min_size=2, max_size=2),
       scale=st.sampled_from([1.0, 1e150, 1e300]),
       grad=st.sampled_from([1.0, 1e10, 1e300, 1e308]))
def test_every_group_step_applies_all_of_its_edges_or_none(seed, x, scale, grad):
    loss = small_net_loss(seed, x, scale)
    gp = GroupedPass(loss, "neuron", grad)
    refused = False
    while not gp.done:
        before = snapshot(loss)
        try:
            next(gp)
        except OverflowError:
            refused = True
            assert snapshot(loss) == before
            break
    edges = sum(len(s.steps) for s in gp.steps)
    assert len(gp.backward_pass.steps) == edges
    twin = small_net_loss(seed, x, scale)  # a plain pass over the same graph, as many edges
    plain = twin.backward_steps(grad)
    for _ in range(edges):
        next(plain)
    assert snapshot(loss) == snapshot(twin)
    event(f"refused: {refused}")
    if refused:  # the plain pass too fails within the next group step
        with pytest.raises(OverflowError):
            for _ in range(gp.runs[len(gp.steps)][1]):
                next(plain)


def test_a_group_step_computed_aside_is_all_or_nothing_too():
    loss, _ = overflowing_neuron()
    gp = GroupedPass(loss, "neuron", aside=True)
    next(gp)
    record = dict(gp.backward_pass._grads)
    with pytest.raises(OverflowError) as info:
        next(gp)
    assert gp.backward_pass._grads == record and len(gp.backward_pass.steps) == 1
    assert "the grouped pass stays at step 1." in str(info.value)
    assert all(v._grad is None for v in topological_order(loss))  # aside: graph untouched


def test_a_stale_grouped_pass_says_how_to_start_a_grouped_pass():
    loss = xor_loss()
    gp = GroupedPass(loss, "neuron")
    next(gp)
    loss.backward()  # ends the grouped pass
    for call, action in ((lambda: next(gp), "next()"), (gp.run, "run()"),
                         (gp.table, "table()")):
        with pytest.raises(StalePassError) as info:
            call()
        message = str(info.value)
        assert message.startswith(f"{action}: this grouped pass of loss is stale")
        # before: "start a new pass with backward_steps()", which starts a plain pass
        assert message.endswith("start a new pass with GroupedPass(loss, 'neuron').")
        assert "backward_steps" not in message
    by_layer = GroupedPass(loss, "layer", expand="L1")
    loss.zero_grad_graph()
    with pytest.raises(StalePassError, match=r"GroupedPass\(loss, 'layer', expand=\['L1'\]\)"):
        next(by_layer)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"group": "neurons"}, ValueError, "GroupedPass: group must be 'neuron' or 'layer'"),
    ({"group": None}, ValueError, "GroupedPass: group must be 'neuron' or 'layer', got None"),
    ({"expand": "L9"}, ValueError, "GroupedPass: expand='L9' is not a group"),
    ({"expand": 5}, TypeError, "GroupedPass: expand must be a group name"),
])
def test_a_grouped_pass_with_a_bad_argument_changes_nothing(kwargs, error, words):
    """The error comes before the pass starts: a stepped pass that is live goes on, and no
    gradient changes (no pass is left half started)."""
    from stepgrad import passes

    loss = xor_loss()
    loss.backward()  # every value holds a gradient
    p = loss.backward_steps()
    next(p)
    before, live_before = snapshot(loss), len(passes.live)
    with pytest.raises(error, match=words.replace("(", r"\(").replace("?", r"\?")):
        GroupedPass(loss, **kwargs)
    assert not p.stale and p in passes.live and len(passes.live) == live_before
    assert snapshot(loss) == before
    p.run()
