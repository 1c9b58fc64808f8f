"""stepgrad.draw: what the DOT source says, what the SVG shows, and the errors a learner sees."""

from __future__ import annotations

import html
import importlib
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest
from graphs import neuron

from stepgrad import BackwardPass, GraphvizMissingError, Value, draw
from stepgrad.backward import topological_order
from stepgrad.draw import edge_ids, node_ids, step_edge_id
from stepgrad.stepping import short

# `stepgrad.draw` is the function (the package re-exports it); this is the module itself
draw_module = importlib.import_module("stepgrad.draw")

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's `dot` program is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def neuron_and_values() -> tuple[Value, dict[str, Value]]:
    """The README's neuron, and its labelled values by label."""
    o = neuron()
    return o, {v.label: v for v in topological_order(o) if v.label}


def statements(source: str) -> dict[str, str]:
    """Each node and edge statement of a DOT source, by its id attribute."""
    found = {}
    for line in source.splitlines():
        m = re.search(r"\bid=(\w+)", line)
        if m:
            found[m.group(1)] = line
    return found


def grad_text(line: str) -> str:
    return re.search(r">grad ([^<]*)<", line).group(1)


def test_values_data_and_local_gradients_are_in_the_source():
    o, v = neuron_and_values()
    ids = node_ids(topological_order(o))
    s = statements(draw(o).source)
    assert "<B>x1*w1</B>" in s[ids[v["x1*w1"]]] and "data -6<" in s[ids[v["x1*w1"]]]
    assert "data 0.8814<" in s[ids[v["n"]]] and "data 0.7071<" in s[ids[v["o"]]]
    # x1*w1 = x1 * w1: local gradient w.r.t. x1 is w1 = -3, w.r.t. w1 is x1 = 2
    i = ids[v["x1*w1"]][1:]
    assert f"{ids[v['x1']]} -> op{i}" in s[f"e{i}_0"] and 'label="local -3"' in s[f"e{i}_0"]
    assert f"{ids[v['w1']]} -> op{i}" in s[f"e{i}_1"] and 'label="local 2"' in s[f"e{i}_1"]
    assert "label=tanh" in s[f"op{ids[o][1:]}"]
    assert 'label="local 0.5"' in s[f"e{ids[o][1:]}_0"]  # 1 - tanh(0.8814)^2 = 0.5


def test_gradients_show_as_not_computed_before_backward_and_as_numbers_after():
    o, v = neuron_and_values()
    ids = node_ids(topological_order(o))
    before = statements(draw(o).source)
    assert all(grad_text(before[ids[node]]) == "?" for node in v.values())
    o.backward()
    after = statements(draw(o).source)
    for node in v.values():
        assert grad_text(after[ids[node]]) == short(node.grad)
    assert grad_text(after[ids[v["x1"]]]) == "-1.5" and grad_text(after[ids[v["w1"]]]) == "1"


def test_unlabelled_values_get_the_names_the_stepper_uses():
    a, b = Value(1.5), Value(-2.0)
    out = (a * b + a).relu() * 3
    p = BackwardPass(out)
    ids = node_ids(p.order)
    s = statements(draw(out).source)
    assert {p.names[node] for node in p.order} == {f"v{i}" for i in range(1, 7)}
    for node in p.order:
        assert f"<B>{p.names[node]}</B>" in s[ids[node]]


def test_each_step_highlights_its_own_edge_and_two_values_and_dims_the_unreached():
    x = Value(3.0, label="x")
    y = x * x; y.label = "y"  # noqa: E702  (x is used twice by one node: two edges)
    z = (y + x).tanh(); z.label = "z"  # noqa: E702
    p = z.backward_steps()
    ids = node_ids(p.order)
    seen_edges = []
    for step in p:
        s = statements(draw(z, step, p).source)
        lit_edges = [eid for eid, line in s.items() if "penwidth=3" in line]
        assert lit_edges == [step_edge_id(step, p.order)]
        eid = lit_edges[0]
        node_index, k = map(int, eid[1:].split("_"))
        assert p.order[node_index] is step.node and step.node.inputs[k] is step.input
        assert f"{ids[step.input]} -> op{node_index}" in s[eid]
        lit_nodes = {nid for nid, line in s.items()
                     if nid.startswith("n") and 'color="#d9480f"' in line}
        assert lit_nodes == {ids[step.node], ids[step.input]}
        dimmed = {nid for nid, line in s.items()
                  if nid.startswith("n") and 'fillcolor="#f6f7f9"' in line}
        assert dimmed == {ids[node] for node in p.order if node not in p.reached}
        for node in p.reached:
            assert grad_text(s[ids[node]]) == short(node._grad)
        caption = html.escape(f"step {step.index}/{p.total}: {step!r}")
        assert f"label=<{caption}>" in draw(z, step, p).source
        seen_edges.append(eid)
    assert len(set(seen_edges)) == p.total == 5  # x*x gave two different edges


def test_drawing_a_backward_pass_highlights_its_latest_step():
    o, _ = neuron_and_values()
    p = o.backward_steps()
    assert "penwidth=3" not in draw(o, p).source  # nothing applied yet
    next(p); next(p); step = next(p)  # noqa: E702
    assert draw(o, p).source == draw(o, step, p).source


def test_edge_ids_follow_the_order_of_the_backward_pass():
    a, b = Value(0.5, label="a"), Value(-1.25, label="b")
    c = a * b + b.exp() - a / b
    d = c.max(a) * c + (a ** b).sigmoid()
    p = d.backward_steps()
    edges = edge_ids(p.order)
    for step, (node, parent, eid) in zip(p, edges, strict=True):
        assert (step.node, step.input) == (node, parent)
        assert step_edge_id(step, p.order) == eid


def test_a_step_of_another_graph_is_refused_with_a_clear_message():
    a = Value(1.0, label="a"); b = a * 2; b.label = "b"  # noqa: E702
    other = Value(2.0, label="q"); r = other.exp(); r.label = "r"  # noqa: E702
    step = next(r.backward_steps())
    with pytest.raises(ValueError, match=r"step 1 \(r -> q\) is not an edge of the graph"):
        draw(b, step)


def test_bad_arguments_name_the_problem():
    with pytest.raises(TypeError, match="draw: expected the Value to draw, got float"):
        draw(1.0)
    with pytest.raises(ValueError, match="rankdir must be"):
        draw(Value(1.0), rankdir="sideways")


@needs_dot
def test_svg_is_valid_xml_with_the_labels_and_the_ids():
    o, v = neuron_and_values()
    o.backward()
    svg = draw(o).pipe("svg", encoding="utf-8")
    root = ET.fromstring(svg)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    ids = node_ids(topological_order(o))
    for node in v.values():
        texts = [t.text for t in groups[ids[node]].iter(f"{SVG}text")]
        assert texts == [node.label, f"data {short(node.data)}", f"grad {short(node.grad)}"]
    op = groups[f"op{ids[o][1:]}"]
    assert [t.text for t in op.iter(f"{SVG}text")] == ["tanh"]
    edge = groups[f"e{ids[o][1:]}_0"]
    assert [t.text for t in edge.iter(f"{SVG}text")] == ["local 0.5"]


@needs_dot
def test_labels_with_markup_characters_come_out_as_typed():
    tricky = 'a<b> & "c" \\n </script> \\'
    x = Value(1.0, label=tricky)
    y = x.exp(); y.label = "y"  # noqa: E702
    p = y.backward_steps()
    step = next(p)
    for graph in (draw(y), draw(y, p)):  # the second has the step's line as its caption
        svg = graph.pipe("svg", encoding="utf-8")
        texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
        assert tricky in texts
    assert f"step 1/1: {step!r}" in texts


@needs_dot
def test_jupyter_display_and_png_rendering(tmp_path):
    o, _ = neuron_and_values()
    g = draw(o)
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
    assert g.pipe("png")[:8] == b"\x89PNG\r\n\x1a\n"
    out = g.render(tmp_path / "neuron", format="png")
    assert out.endswith("neuron.png") and (tmp_path / "neuron.png").stat().st_size > 1000


def test_missing_dot_gives_one_clear_error_and_keeps_the_source(monkeypatch, tmp_path):
    o, _ = neuron_and_values()
    g = draw(o)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `dot` anywhere on PATH
    for render in (lambda: g.pipe("svg"), lambda: g._repr_mimebundle_(),
                   lambda: g.render(tmp_path / "out", format="png")):
        with pytest.raises(GraphvizMissingError) as info:
            render()
        message = str(info.value)
        assert "`dot` program" in message and "apt-get install graphviz" in message
        assert "brew install graphviz" in message and "`.source`" in message
        assert info.value.__suppress_context__  # one error, not a chained traceback
    assert isinstance(info.value, RuntimeError)
    assert g.source.startswith("digraph stepgrad {") and "<B>x1</B>" in g.source


def test_missing_graphviz_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(draw_module, "_graph_class", None)
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` now fails
    with pytest.raises(ImportError, match=r"pip install graphviz"):
        draw(Value(1.0))
