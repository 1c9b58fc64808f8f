"""Big graphs: grouping by neuron or layer, focus on one value, refusing a drawing too big to
lay out, and stepping a grouped pass. Every expectation is computed here from the graph
itself (labels, inputs), not read back from the module under test."""

from __future__ import annotations

import importlib
import re
import shutil

import pytest
from graphs import xor_loss

from stepgrad import Value, draw
from stepgrad.backward import topological_order
from stepgrad.grouped_pass import GroupedPass
from stepgrad.grouping import Grouping, range_text
from stepgrad.nn import MLP, hinge, make_moons
from stepgrad.stepping import short
from stepgrad.views import GraphTooBigError

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")


def moons_loss(n: int) -> tuple[Value, MLP]:
    """micrograd's moons loss (hinge + 1e-4 L2) over n points, MLP(2, [16, 16, 1])."""
    model = MLP(2, [16, 16, 1], seed=3)
    xs, ys = make_moons(n, seed=1)
    scores = [model([Value(a), Value(b)]) for a, b in xs]
    loss = hinge(scores, ys) + 1e-4 * sum(p * p for p in model.parameters())
    loss.label = "loss"
    return loss, model


def neuron_of(label: str) -> str | None:
    m = re.match(r"^(L\d+\.n\d+)(\.|$)", label)
    return m.group(1) if m else None


def boxes(source: str) -> dict[str, str]:
    """Every node statement of a DOT source by id."""
    found = {}
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) \[label=", line)
        if m:
            found[m.group(1)] = line
    return found


def box_edges(source: str) -> set[tuple[str, str]]:
    return set(re.findall(r"^\s*(g\d+|n\d+) -> (g\d+|op\d+)", source, re.MULTILINE))


# ----- grouping ----------------------------------------------------------------------------

def test_every_value_of_a_neuron_call_is_in_that_neuron():
    loss, model = moons_loss(3)
    order = topological_order(loss)
    g = Grouping(order, "neuron")
    for node in order:  # every named part of a neuron is in its group
        key = neuron_of(node.label)
        if key is not None:
            assert g.group_of[node].name == key, node.label
    for layer in model.layers:  # the products w*x and partial sums up to the neuron's sum
        for neuron in layer.neurons:
            stack = [v for v in order if v.label in (f"{neuron.name}.s", neuron.name)]
            inside: set[Value] = set()
            while stack:
                v = stack.pop()
                for p in v.inputs:
                    if not p.label and p.inputs and p not in inside:
                        inside.add(p)
                        stack.append(p)
            assert inside and all(g.group_of[v].name == neuron.name for v in inside)
    assert len(g.groups) == 16 + 16 + 1 + 3  # neurons, the inputs, hinge (its label), loss
    assert {v for v in g.by_name["inputs"].members} == {
        v for v in order if not v.inputs and not v.label}


def test_a_neurons_box_shows_its_outputs_over_every_call():
    loss, _ = moons_loss(4)
    loss.backward()
    order = topological_order(loss)
    g = Grouping(order, "neuron")
    outs = [v for v in order if v.label == "L2.n3"]
    assert len(outs) == 4
    group = g.by_name["L2.n3"]
    assert set(group.outputs) == set(outs)
    lo, hi = min(v.grad for v in outs), max(v.grad for v in outs)
    want = short(lo) if short(lo) == short(hi) else f"{short(lo)} .. {short(hi)}"
    assert group.grad_text() == want
    assert group.data_text() == range_text([v.data for v in outs])
    source = draw(loss, group="neuron").source
    line = boxes(source)[group.box_id]
    assert f"grad {want}<" in line and "<B>L2.n3</B>" in line and "4 outputs" in line


def test_layer_grouping_and_the_edges_between_boxes():
    loss, _ = moons_loss(2)
    order = topological_order(loss)
    g = Grouping(order, "layer")
    # the data points are used by layer 1 only, so they join it; hinge() labels its mean
    assert [x.name for x in g.groups] == ["L1", "L2", "L3", "hinge", "loss"]
    inputs = {v for v in order if not v.inputs and not v.label}
    assert inputs and all(g.group_of[v].name == "L1" for v in inputs)
    source = draw(loss, group="layer").source
    ids = {x.name: x.box_id for x in g.groups}
    want = {(ids["L1"], ids["L2"]), (ids["L2"], ids["L3"]), (ids["L3"], ids["hinge"]),
            (ids["hinge"], ids["loss"]), (ids["L1"], ids["loss"]), (ids["L2"], ids["loss"]),
            (ids["L3"], ids["loss"])}
    assert box_edges(source) == want  # the L2 penalty links every layer to the loss


def test_expand_draws_one_group_value_by_value():
    loss = xor_loss()
    order = topological_order(loss)
    index = {v: i for i, v in enumerate(order)}
    g = draw(loss, group="neuron", expand="L1.n2")
    found = boxes(g.source)
    members = [v for v in order if neuron_of(v.label) == "L1.n2"]
    for v in members:
        assert f"n{index[v]}" in found
    grouping = Grouping(order, "neuron")
    inside = set(grouping.by_name["L1.n2"].members)
    others = [v for v in order if v not in inside and len(grouping.group_of[v].members) > 1]
    assert all(f"n{index[v]}" not in found for v in others)
    # every edge of an expanded value is drawn with its local gradient
    for v in inside:
        for k, local in enumerate(v.local_grads):
            line = next(x for x in g.source.splitlines() if f"id=e{index[v]}_{k}" in x)
            assert f'label="local {short(local)}"' in line
    with pytest.raises(ValueError, match="draw: expand='L9.n1' is not a group .*'L1.n1'"):
        draw(loss, group="neuron", expand="L9.n1")


# ----- focus -------------------------------------------------------------------------------

def depends_on(v: Value, w: Value) -> bool:
    return v is w or any(depends_on(p, w) for p in v.inputs)


def test_focus_draws_every_path_from_a_parameter_to_the_loss():
    loss = xor_loss()
    order = topological_order(loss)
    index = {v: i for i, v in enumerate(order)}
    w = next(v for v in order if v.label == "L1.n2.w1")
    core = {v for v in order if depends_on(v, w)}
    side = {p for v in core for p in v.inputs} - core
    found = boxes(draw(loss, focus="L1.n2.w1").source)
    drawn = {k for k in found if k.startswith("n")}
    assert drawn == {f"n{index[v]}" for v in core | side}
    assert all("dashed" in found[f"n{index[v]}"] for v in side if v.inputs)
    assert draw(loss, focus=w).source == draw(loss, focus="L1.n2.w1").source


def test_focus_with_a_depth_draws_the_inputs_up_to_that_depth():
    loss = xor_loss()
    order = topological_order(loss)
    index = {v: i for i, v in enumerate(order)}
    out = next(v for v in order if v.label == "L2.n1")
    level1 = set(out.inputs)
    level2 = {p for v in level1 for p in v.inputs}
    found = boxes(draw(loss, focus="L2.n1", depth=2).source)
    assert {k for k in found if k.startswith("n")} == {
        f"n{index[v]}" for v in {out} | level1 | level2}
    with pytest.raises(ValueError, match="no value called 'L1.n9.w1'.*did you mean"):
        draw(loss, focus="L1.n9.w1")
    with pytest.raises(ValueError, match="depth= needs focus="):
        draw(loss, depth=2)


# ----- size limits -------------------------------------------------------------------------

def test_a_big_graph_is_grouped_by_default_and_says_how_to_expand(capsys):
    loss, _ = moons_loss(5)
    n = len(topological_order(loss))
    assert n > 3000
    g = draw(loss)
    assert "grouped by neuron" in g.source and "expand=" in g.source
    assert len(boxes(g.source)) < 40
    small = xor_loss()
    assert "grouped" not in draw(small).source  # a small graph is drawn in full


def test_a_full_drawing_too_big_to_lay_out_is_refused_up_front(monkeypatch):
    loss, _ = moons_loss(5)
    n = len(topological_order(loss))

    def no_graphviz(*args, **kwargs):
        raise AssertionError("the drawing should be refused before anything is built")

    monkeypatch.setattr(importlib.import_module("stepgrad.draw"), "_build", no_graphviz)
    with pytest.raises(GraphTooBigError) as info:
        draw(loss, group=None)
    message = str(info.value)
    assert f"{n:,} boxes" in message and "group='neuron'" in message and "focus=" in message
    assert f"max_boxes={n}" in message
    assert isinstance(info.value, ValueError)


def test_a_drawing_with_many_boxes_says_its_size_before_graphviz_starts(capsys):
    loss = xor_loss()
    draw(loss, group=None, max_boxes=1000)
    assert capsys.readouterr().err == ""  # 154 values: quiet
    big, _ = moons_loss(2)
    draw(big, group=None, max_boxes=5000)
    err = capsys.readouterr().err
    assert re.search(r"draw: [\d,]+ boxes .*Graphviz may take a while", err)


# ----- grouped stepping --------------------------------------------------------------------

def test_a_grouped_pass_applies_every_edge_of_the_pass_in_order():
    loss, _ = moons_loss(2)
    gp = GroupedPass(loss, "neuron")
    flat = [s for group_step in gp for s in group_step.steps]
    twin, _ = moons_loss(2)  # the same graph built again: a plain pass over it
    plain = twin.backward_steps()
    plain.run()
    assert [repr(s) for s in flat] == [repr(s) for s in plain.steps]
    assert [s.contribution for s in flat] == [s.contribution for s in plain.steps]
    grouping = gp.grouping
    for group_step in gp.steps:  # one group per step, or one edge of a value on its own
        groups = {grouping.group_of[s.node] for s in group_step.steps}
        assert len(groups) == 1
        assert len(group_step.steps) == 1 or next(iter(groups)).name == group_step.name
    assert gp.done and len(gp) == len(gp.steps) < len(flat) / 5


def test_each_grouped_step_says_the_gradient_its_boxes_show_then():
    loss, _ = moons_loss(2)
    gp = GroupedPass(loss, "neuron")
    for group_step in gp:
        for box, name, text in group_step.reached:
            group = gp.grouping.by_name.get(name)
            if group is None or box.startswith("n"):
                continue
            got = [v._grad for v in group.outputs if v in gp.backward_pass.reached]
            want = range_text(got) + ("" if len(got) == len(group.outputs)
                                      else f" ({len(got)} of {len(group.outputs)})")
            assert text == want
    fresh, _ = moons_loss(2)
    fresh.backward()
    assert [short(v.grad) for v in topological_order(fresh)] == [
        short(v.grad) for v in topological_order(loss)]


def test_expanded_groups_step_edge_by_edge():
    loss = xor_loss()
    gp = GroupedPass(loss, "neuron", expand="L1.n1")
    gp.run()
    for s in gp.steps:
        if s.name == "L1.n1" or any(gp.grouping.group_of[x.node].name == "L1.n1"
                                     for x in s.steps):
            assert len(s.steps) == 1 and s.box.startswith("n")


def test_edge_rows_are_packed_without_losing_a_name():
    from stepgrad.walkthrough_grouped import EdgeRows

    loss = xor_loss()
    gp = GroupedPass(loss, "neuron")
    rows = EdgeRows(gp.backward_pass.order, gp.backward_pass.names)
    for step in gp.run():
        for s in step.steps:
            rows.add(s)
    data = rows.data()
    unnamed = 0
    names = []
    for n in data["names"]:  # as the page unpacks them
        if n == "":
            unnamed += 1
            n = f"v{unnamed}"
        names.append(n)
    assert names == [gp.backward_pass.names[v] for v in gp.backward_pass.order]
    assert "" in data["names"] and len(data["edges"]) == 5 * gp.backward_pass.total


def test_a_depth_larger_than_the_graph_draws_everything_and_never_hangs():
    # depth=10**12 (a learner's "all of it") once looped 10**12 times after the inputs ran
    # out; the thread is only a guard so that the bug fails the test instead of hanging it
    import threading

    loss = xor_loss()
    out = next(v for v in topological_order(loss) if v.label == "L2.n1")
    result: dict[str, str] = {}
    worker = threading.Thread(target=lambda: result.update(
        big=draw(loss, focus=out, depth=10**12).source,
        all=draw(loss, focus=out, depth=len(topological_order(loss))).source), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "draw(focus=..., depth=10**12) did not finish"
    every = {k for k in boxes(result["all"]) if k.startswith("n")}
    assert {k for k in boxes(result["big"]) if k.startswith("n")} == every
    assert len(every) == len(inputs_of(out))


def inputs_of(v: Value) -> set[Value]:
    """v and every value it is computed from."""
    seen, todo = {v}, [v]
    while todo:
        for p in todo.pop().inputs:
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen
