"""A self-contained web page that plays the backward pass of a graph, one edge per step.

`walkthrough(root, "pass.html")` writes one HTML file: the graph drawn by Graphviz (SVG,
inline), the steps of a `BackwardPass` (as JSON, inline) and a little JavaScript to step
through them. The page needs no network and no server: open it from the file system.

The numbers on the page are the ones the REPL prints: every step is a `BackwardStep` of the
same iterator, formatted with the same `short()`; the page only displays them.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from stepgrad.backward import topological_order
from stepgrad.draw import TITLE_LIMIT, _build, edge_ids, node_ids, visible
from stepgrad.stepping import BackwardPass, short
from stepgrad.value import Number, Value, as_float, describe
from stepgrad.walkthrough_page import PAGE

__all__ = ["walkthrough", "walkthrough_html", "walkthrough_data"]


def walkthrough_data(root: Value, grad: Number = 1.0) -> dict:
    """Everything the page shows, as plain data: the nodes and the steps of the backward pass.

    Runs a fresh `BackwardPass` over `root` (every gradient starting empty, as after
    zero_grad()) to collect its steps, then puts every gradient back the way it was: the graph
    is left exactly as this function found it.

    >>> from stepgrad import Value
    >>> a = Value(2.0, label="a"); b = a * 3; b.label = "b"
    >>> data = walkthrough_data(b)
    >>> data["steps"][0]["line"]
    'b = a * 3: upstream 1 x local 3 -> a.grad += 3 (now 3)'
    >>> a.grad_computed                       # left as it was: no backward pass happened
    False
    """
    seed = as_float(grad, "walkthrough(grad)")
    order = topological_order(root)
    saved = [node._grad for node in order]
    try:
        for node in order:  # a pass from scratch: leaves do not add to an earlier backward()
            node._grad = None
        p = BackwardPass(root, seed)
        names, ids = p.names, node_ids(p.order)
        start = {node: node._grad for node in p.order}  # after prepare(): root seeded
        steps = p.run()
    finally:
        for node, g in zip(order, saved, strict=True):
            node._grad = g

    edges = edge_ids(p.order)
    nodes = [
        {"id": ids[node], "name": names[node], "data": short(node.data),
         "op": f"op{ids[node][1:]}" if node._parents else None,
         "start": short(start[node])}
        for node in p.order
    ]
    step_rows = []
    for step, (node, parent, eid) in zip(steps, edges, strict=True):
        assert step.node is node and step.input is parent  # same order as backward_edges
        step_rows.append({
            "edge": eid, "node": ids[node], "input": ids[parent],
            "node_name": step.node_name, "input_name": step.input_name,
            "formula": f"{step.node_name} = {step.formula}",
            "upstream": short(step.upstream), "local": short(step.local),
            "contribution": short(step.contribution), "grad": short(step.input_grad),
            "line": repr(step),
        })
    return {"root": ids[root], "root_name": names[root], "seed": short(seed),
            "nodes": nodes, "steps": step_rows}


def _script_json(data: object) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&' or line separators left raw, and
    only ASCII (so a lone surrogate in a hand-made operation's name is escaped, not fatal)."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def walkthrough_html(root: Value, grad: Number = 1.0, *, title: str | None = None,
                     rankdir: str = "LR", group: str | None = "auto",
                     expand: str | Iterable[str] | None = None,
                     max_boxes: int | None = None) -> str:
    """The walkthrough page of `root` as one HTML string (see `walkthrough`)."""
    if not isinstance(root, Value):
        raise TypeError(
            f"walkthrough: expected the Value whose backward pass to show, got "
            f"{type(root).__name__} {root!r}"
        )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"walkthrough: title must be a string (or None), got {describe(title)}")
    if not isinstance(rankdir, str):
        raise TypeError(
            f"walkthrough: rankdir must be a string such as 'LR', got {describe(rankdir)}"
        )
    grouped = _grouped_page(root, grad, title, rankdir, group, expand, max_boxes)
    if grouped is not None:
        return grouped
    data = walkthrough_data(root, grad)
    # Draw with the widest gradient each box will ever show, so every number fits its box.
    widest: dict[str, str] = {n["id"]: "?" for n in data["nodes"]}
    for n in data["nodes"]:
        if n["id"] == data["root"]:
            widest[n["id"]] = max(widest[n["id"]], n["start"], key=len)
    for s in data["steps"]:
        widest[s["input"]] = max(widest[s["input"]], s["grad"], key=len)
    order = topological_order(root)
    ids = node_ids(order)
    graph = _build(root, None, None, rankdir=rankdir, grad_text=lambda v: widest[ids[v]])
    if title is None:
        title = f"Backward pass of {data['root_name']}"
    return _fill_page(title, data, graph.pipe("svg", encoding="utf-8"))


_MARKER = re.compile("%%(TITLE|DATA|SVG)%%")


def _fill_page(title: str, data: dict, svg: str) -> str:
    """The page with its title, data and drawing filled in.

    One pass over the template: a label or title that reads "%%SVG%%" stays text, it is never
    taken for a placeholder.
    """
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    parts = {"TITLE": html.escape(visible(title, TITLE_LIMIT)), "DATA": _script_json(data),
             "SVG": svg}
    return _MARKER.sub(lambda m: parts[m.group(1)], PAGE)


def _grouped_page(root: Value, grad: Number, title: str | None, rankdir: str,
                  group: str | None, expand: str | Iterable[str] | None,
                  max_boxes: int | None) -> str | None:
    """The page of a grouped view (walkthrough_grouped.py), or None for the full page."""
    from stepgrad import views
    from stepgrad.walkthrough_grouped import grouped_svg, grouped_walkthrough_data

    view = views.plan(root, group=group, expand=expand, who="walkthrough",
                      max_boxes=max_boxes or views.MAX_BOXES)
    if view.grouping is None:
        return None
    if len(view.order) > views.AUTO_GROUP:
        views.say(f"walkthrough: {len(view.order):,} values grouped by {view.grouping.mode} "
                  f"into {view.boxes:,} boxes; stepping the pass...")
    data = grouped_walkthrough_data(root, as_float(grad, "walkthrough(grad)"), view)
    if title is None:
        title = f"Backward pass of {data['root_name']}, by {view.grouping.mode}"
    return _fill_page(title, data, grouped_svg(data, view, rankdir))


def walkthrough(root: Value, path: str | os.PathLike[str], grad: Number = 1.0, *,
                title: str | None = None, rankdir: str = "LR", group: str | None = "auto",
                expand: str | Iterable[str] | None = None,
                max_boxes: int | None = None) -> Path:
    """Write a web page that plays the backward pass of `root`, one edge per step.

    The page is a single HTML file that works offline: the graph (drawn by Graphviz), buttons
    for the first, previous, next and last step, play/pause at a chosen speed, and the arrow
    keys (Home/End jump to the ends). At every step it highlights the edge being applied and
    its two values, shows `upstream x local = contribution` with the numbers, and shows every
    gradient as it stands after that step; values not reached yet are greyed out. Step 0 is
    the forward pass alone: values, no gradients.

    The steps are those of `BackwardPass(root, grad)` run from scratch: this function clears
    every gradient, runs the pass, then puts every `.grad` back as it was. So the page shows the
    gradients `root.backward(grad)` computes on a graph with no gradients yet, even if you
    already called backward() (which would otherwise add to the inputs' gradients), and your
    graph is left exactly as it was: calling walkthrough() is not a backward pass.

    Big graphs: as for draw(), group='neuron' or 'layer' shows each neuron (or layer) as one
    box and steps the pass one group at a time (a GroupedPass); expand= names a group to show
    and step edge by edge. By default ('auto') graphs above 300 values are grouped by neuron;
    group=None shows every value, refused up front above max_boxes (1000) values.

    Needs Graphviz (the `graphviz` package and its `dot` program). Returns the path written.

    >>> from stepgrad import Value, walkthrough
    >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
    >>> walkthrough(y, "pass.html")  # doctest: +SKIP
    PosixPath('pass.html')
    """
    text = walkthrough_html(root, grad, title=title, rankdir=rankdir, group=group,
                            expand=expand, max_boxes=max_boxes)
    out = Path(path)
    out.write_text(text, encoding="utf-8")
    return out
