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

    The steps are those of a fresh `BackwardPass` over `root` (every gradient starting empty,
    as after zero_grad_graph()), computed aside: the graph's gradients, and any pass you are
    stepping through, are left exactly as they were.

    >>> from stepgrad import Value
    >>> a = Value(2.0, label="a"); b = a * 3; b.label = "b"
    >>> data = walkthrough_data(b)
    >>> data["steps"][0]["line"]
    'b = a * 3: upstream 1 x local 3 -> a.grad += 3 (now 3)'
    >>> a.grad_computed                       # left as it was: no backward pass happened
    False
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"walkthrough: expected the Value whose backward pass to show, got "
            f"{type(root).__name__} {root!r:.60}"
        )
    seed = as_float(grad, "walkthrough(grad)")
    p = BackwardPass._aside(root, seed)  # never touches the graph
    names, ids = p.names, node_ids(p.order)
    # before the first step: root seeded, the others not reached (0 here; the page shows "?")
    start = {node: p._grads[node] or 0.0 for node in p.order}
    steps = p.run()

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
    svg = graph.pipe("svg", encoding="utf-8")
    overview = _overview(root, as_float(grad, "walkthrough(grad)"), data, rankdir)
    return _fill_page(title, data, svg, overview)


_MARKER = re.compile("%%(TITLE|DATA|SVG|EXTRA)%%")


def _overview(root: Value, seed: float, data: dict, rankdir: str) -> str:
    """The page's overview (walkthrough_overview.py) as HTML, its data put into `data`; ""
    for a graph without neurons."""
    from stepgrad.walkthrough_overview import overview_data, overview_svg

    over = overview_data(root, seed, rankdir)
    if over is None:
        return ""
    data["overview"] = over
    return ('<section id="overview" hidden aria-label="the whole graph"><p>The whole graph, '
            'one box per neuron; click a box to see its values below.</p>'
            f"{overview_svg(root, over, rankdir)}</section>")


def _fill_page(title: str, data: dict, svg: str, extra: str = "") -> str:
    """The page with its title, data and drawing filled in, and `extra` HTML after the drawing.

    One pass over the template: a label or title that reads "%%SVG%%" stays text, it is never
    taken for a placeholder.
    """
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    parts = {"TITLE": html.escape(visible(title, TITLE_LIMIT)), "DATA": _script_json(data),
             "SVG": svg, "EXTRA": extra}
    return _MARKER.sub(lambda m: parts[m.group(1)], PAGE)


def _grouped_page(root: Value, grad: Number, title: str | None, rankdir: str,
                  group: str | None, expand: str | Iterable[str] | None,
                  max_boxes: int | None) -> str | None:
    """The page of a grouped view (walkthrough_grouped.py), or None for the full page."""
    from stepgrad import views
    from stepgrad.walkthrough_grouped import grouped_svg, grouped_walkthrough_data

    view = views.plan(root, group=group, expand=expand, who="walkthrough",
                      max_boxes=max_boxes)
    if view.grouping is None:
        return None
    if len(view.order) > views.AUTO_GROUP:
        views.say(f"walkthrough: {len(view.order):,} values grouped by {view.grouping.mode} "
                  f"into {view.boxes:,} boxes; stepping the pass...")
    data = grouped_walkthrough_data(root, as_float(grad, "walkthrough(grad)"), view)
    if title is None:
        title = f"Backward pass of {data['root_name']}, by {view.grouping.mode}"
    svg = grouped_svg(data, view, rankdir)
    # the edges of every step, read by the page only when a student opens a step: a
    # script element of its own, so that they cost nothing while the page loads
    inside = data.pop("inside")
    extra = f'<script type="application/json" id="inside-data">{_script_json(inside)}</script>'
    return _fill_page(title, data, svg, extra)


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

    The steps are those of `BackwardPass(root, grad)` run from scratch and computed aside (see
    `walkthrough_data`). So the page shows the gradients `root.backward(grad)` computes on a
    graph with no gradients yet, even if you already called backward() (which would otherwise
    add to the inputs' gradients), and your graph, and any pass you are stepping through, is
    left exactly as it was: calling walkthrough() is not a backward pass.

    Big graphs: as for draw(), group='neuron' or 'layer' shows each neuron (or layer) as one
    box and steps the pass one group at a time (a GroupedPass); expand= names a group to show
    and step edge by edge. By default ('auto') graphs above 300 values are grouped by neuron;
    group=None shows every value, refused up front above max_boxes (1000) values. On a
    grouped page, pressing `e` (or clicking a box) lists the edges of a step, one row each.
    A network's page that shows every value also carries the whole graph grouped by neuron,
    shown above the detailed drawing when that cannot be read whole in the window.

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
