"""A drawing of a stepped pass shows what the pass itself says about every gradient
(autograd/backward.py): an input or a parameter that holds a gradient from an earlier pass
keeps it, and the pass adds to it when it gets there. So its box shows that number, never
"grad ?", in the full drawing, in a focused or grouped view, and in a GroupedPass's boxes."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

from stepgrad import StalePassError, Value, draw
from stepgrad.draw import DIM_TEXT, node_ids
from stepgrad.grouped_pass import GroupedPass
from stepgrad.nn import MLP
from stepgrad.stepping import short

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def box_texts(graph) -> dict[str, list[str]]:
    """The lines of text of every box in the SVG that the real Graphviz renders, by box id."""
    svg = ET.fromstring(graph.pipe("svg"))
    return {g.get("id"): ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
            for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}


def box_line(graph_source: str, box: str) -> str:
    """The DOT statement of one box."""
    return next(line for line in graph_source.splitlines() if f"id={box} " in line
                or line.rstrip().endswith(f"id={box}]"))


def two_passes() -> tuple[Value, Value, float]:
    """A parameter w used by an earlier, finished pass (w.grad = 3 now), and a new output
    out = tanh(w * x + w) that uses it twice. Returns (out, w, the gradient w holds)."""
    w = Value(0.5, label="w")
    first = w * 3.0
    first.label = "first"
    first.backward()
    x = Value(-1.5, label="x")
    wx = w * x
    wx.label = "wx"
    n = wx + w
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    return out, w, w.grad


def expected_w(p, w: Value, held: float, k: int) -> str:
    """w's gradient after the first k steps, added up here from the held number."""
    g = held
    for s in p.steps[:k]:
        if s.input is w:
            g = g + s.contribution
    return short(g)


@needs_dot
def test_a_held_gradient_is_drawn_at_every_step_of_a_new_pass():
    out, w, held = two_passes()
    assert held == 3.0
    p = out.backward_steps()
    box = node_ids(p.order)[w]
    # step 0 (nothing applied yet): w shows 3, as the pass says (p.gradient), not greyed
    assert p.gradient(w) == held
    graph = draw(out, p)
    assert box_texts(graph)[box] == ["w", "data 0.5", "grad 3"]  # before: "grad ?"
    assert DIM_TEXT not in box_line(graph.source, box)
    p.run()
    reached_w = [s.index for s in p.steps if s.input is w]
    assert len(reached_w) == 2 and reached_w[0] > 1  # w is reached late, and twice
    for k in range(1, p.total + 1):
        texts = box_texts(draw(out, p.steps[k - 1], p))[box]
        assert texts[-1] == f"grad {expected_w(p, w, held, k)}", k
        assert texts[-1] != "grad ?"
    twin, tw, _ = two_passes()
    twin.backward()  # the same two passes at once: the drawing ends on backward()'s number
    assert texts[-1] == f"grad {short(tw.grad)}" == f"grad {short(w.grad)}"


@needs_dot
@pytest.mark.parametrize("view", [{"focus": "w"}, {"focus": "n", "depth": 1},
                                  {"group": "neuron"}])
def test_a_view_of_a_part_of_the_graph_shows_the_held_gradient_too(view):
    out, w, held = two_passes()
    p = out.backward_steps()
    box = node_ids(p.order)[w]
    assert box_texts(draw(out, p, **view))[box][-1] == "grad 3"  # before: "grad ?"
    p.run()
    for k in range(1, p.total + 1):  # each step as it stood then, even after the pass went on
        assert box_texts(draw(out, p.steps[k - 1], p, **view))[box][-1] == \
            f"grad {expected_w(p, w, held, k)}", k


def test_a_view_of_step_k_shows_the_gradients_after_step_k_and_refuses_a_stale_pass():
    out, w, _ = two_passes()
    p = out.backward_steps()
    next(p)
    first = draw(out, p.steps[0], p, focus="w").source
    p.run()
    # before: the view showed the gradients the graph had now, under the title of step 1
    assert draw(out, p.steps[0], p, focus="w").source == first
    q = out.backward_steps()
    next(q)
    out.backward()  # ends q
    with pytest.raises(StalePassError):  # before: drawn, with the gradients of backward()
        draw(out, q, focus="w")


def test_a_grouped_pass_shows_held_parameter_gradients_in_its_boxes():
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    earlier = (model([0.5, -1.0]) - 1) ** 2
    earlier.backward()  # every parameter holds a gradient now
    loss = (model([1.0, 2.0]) - 1) ** 2
    loss.label = "loss"
    gp = GroupedPass(loss, "neuron", expand="L1.n1")  # L1.n1's values drawn one by one
    w = model.layers[0].neurons[0].w[0]
    assert w.label == "L1.n1.w1" and gp.box(w).startswith("n")
    held = w.grad
    assert gp.box_text(w) == short(held)  # before: "?"
    source = draw(loss, gp.backward_pass, group="neuron", expand="L1.n1").source
    assert f"grad {short(held)}<" in box_line(source, gp.box(w))
    g = held
    for step in gp:  # added up here from the held number
        g = sum((s.contribution for s in step.steps if s.input is w), start=g)
        assert gp.box_text(w) == short(g)
    assert gp.box_text(w) == short(w.grad)
