"""The whole graph at a glance, next to the walkthrough page's detailed drawing.

A network's full drawing is too big to read in one window (the XOR network's pass: 94 values,
about 5,800 x 1,700 px). So the page of a graph with neurons also carries an overview: the
same graph grouped by neuron (one box per neuron, with its output's data and grad), small
enough to read whole. It steps with the detailed view: after every edge, each box shows its
output's gradient as the pass stands, and the box of the current step is lit. Clicking a box
moves the detailed view to that neuron's values.

Every text is made here, in Python, by the same GroupedPass boxes that a grouped page uses;
the page only displays it. Ids in the overview's SVG get the prefix "ov-" (and its classes
are "ovnode" and "ovedge"), so they never clash with the detailed drawing's ids.
"""

from __future__ import annotations

import re

from stepgrad.grouped_pass import GroupedPass
from stepgrad.value import Value
from stepgrad.walkthrough_grouped import merged_edge_id

__all__ = ["overview_data", "overview_svg"]


def overview_data(root: Value, seed: float, rankdir: str = "LR") -> dict | None:
    """The overview's boxes and what each step of the full pass changes in them, or None
    when grouping by neuron would not make the graph smaller (no neuron of a model in it).

    Runs a fresh pass computed aside (the graph is never touched), like walkthrough_data.
    Returns {"boxes": [{"id", "name", "start", "members", "outputs"}],
    "rankdir" (the detailed drawing's), "steps": [{"lit": [...], "grads": [[box, text],
    ...]}, ...]} with one entry per edge of the pass;
    "members" and "outputs" are the ids of the box's values (and of its output values) in
    the detailed drawing.
    """
    gp = GroupedPass(root, "neuron", seed, aside=True)  # the graph is never touched
    if not any(gp.collapsed(node) is not None and "." in gp.collapsed(node).name
               for node in gp.backward_pass.order):
        return None
    bp = gp.backward_pass
    index = {node: i for i, node in enumerate(bp.order)}
    boxes: dict[str, dict] = {}
    for i, node in enumerate(bp.order):
        box = gp.box(node)
        if box not in boxes:
            group = gp.collapsed(node)
            boxes[box] = {"id": box, "name": group.name if group else bp.names[node],
                          "start": gp.box_text(node) if node is root or (
                              group is not None and root in group.outputs) else "?",
                          "members": [],
                          "outputs": [f"n{index[v]}" for v in
                                      (group.outputs if group else [node])]}
        boxes[box]["members"].append(f"n{i}")
    shown = {box: b["start"] for box, b in boxes.items()}
    steps = []
    for step in bp:
        into, out = gp.box(step.input), gp.box(step.node)
        if into == out:
            lit = [out]
        elif out.startswith("g"):
            lit = [out, into, merged_edge_id(into, out)]
        else:  # a value drawn on its own: its operation and the edge into it
            i = index[step.node]
            k = 0 if step.node._in1 is step.input else 1
            lit = [out, into, f"op{i}", f"e{i}_{k}"]
        text = gp.box_text(step.input)
        grads = []
        if text != shown[into]:
            shown[into] = text
            grads.append([into, text])
        steps.append({"lit": lit, "grads": grads})
    return {"boxes": list(boxes.values()), "steps": steps, "rankdir": rankdir}


# The strip of the page the overview should fit (px): a 1400 x 900 window less the page's
# header and footer, shared with the detailed view.
ROOM = (1370, 400)


def overview_svg(root: Value, data: dict, rankdir: str) -> str:
    """The overview's drawing as SVG text: every box as wide as the widest gradient it will
    show, ids prefixed with "ov-", Graphviz's classes renamed (see the module).

    Drawn both ways (inputs on the left, and inputs at the top: a wide layer of neurons
    reads better in a row) and the one that fits ROOM at the larger size is kept."""
    from stepgrad.backward import topological_order
    from stepgrad.draw_view import render
    from stepgrad.grouping import Grouping
    from stepgrad.stepping import node_names

    widest = {b["id"]: max("?", b["start"], key=len) for b in data["boxes"]}
    for s in data["steps"]:
        for box, text in s["grads"]:
            widest[box] = max(widest[box], text, key=len)
    order = topological_order(root)
    names = node_names(order)
    index = {node: i for i, node in enumerate(order)}
    grouping = Grouping(order, "neuron", names)
    best, scale = "", 0.0
    for way in dict.fromkeys((rankdir, "TB" if rankdir in ("LR", "RL") else "LR")):
        graph = render(order, names, grouping=grouping, rankdir=way,
                       grad_text=lambda v: widest[f"n{index[v]}"],
                       group_grad_text=lambda g: widest[g.box_id])
        svg = graph.pipe("svg", encoding="utf-8")
        size = re.search(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"', svg)
        fits = min(ROOM[0] / (float(size.group(1)) * 4 / 3),
                   ROOM[1] / (float(size.group(2)) * 4 / 3)) if size else 0.0
        if fits > scale or not best:
            best, scale = svg, fits
    svg = best[best.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\bid="', 'id="ov-', svg)
    return re.sub(r'\bclass="(node|edge|graph)"', lambda m: f'class="ov{m.group(1)}"', svg)
