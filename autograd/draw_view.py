"""Draw part of a graph, or a graph with its groups collapsed into boxes (see draw()).

A view of a graph is: the values to show (all, or those around a focus), the values shown
without their inputs (side inputs, dashed), and a Grouping whose groups are drawn as one box
each, except the groups named in `expand` (drawn value by value). Ids match the full drawing:
a value drawn on its own is "n<i>" (its place in the forward order of the whole graph), its
operation "op<i>", its input edges "e<i>_<k>"; a group's box is "g<j>" and the edge from box
a to box b (standing for one or more edges of the graph) is "h<a>_<b>".
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from stepgrad.draw import (
    DIM,
    DIM_FILL,
    DIM_TEXT,
    FONT,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    INK,
    LEAF_FILL,
    NAME_LIMIT,
    OP_FILL,
    SOFT,
    TITLE_LIMIT,
    VALUE_FILL,
    _graph_type,
    _html_text,
    _label,
    _plain_text,
)
from stepgrad.grouping import Group, Grouping
from stepgrad.stepping import BackwardPass, BackwardStep, short
from stepgrad.value import Value

if TYPE_CHECKING:
    import graphviz

GROUP_FILL = "#f3f0ff"
GROUP_LINE = "#7950f2"


def group_label(group: Group, grad: str, dim: bool = False) -> str:
    """The label of a group's box: name (bold), size, data and grad of its output(s)."""
    text = DIM_TEXT if dim else INK
    soft = DIM_TEXT if dim else SOFT
    rows = [(text, f"<B>{_html_text(group.name, NAME_LIMIT)}</B>"),
            (soft, html.escape(group.size_text())),
            (soft, f"data {html.escape(group.data_text())}"),
            (text, f"grad {html.escape(grad)}")]
    cells = "".join(f'<TR><TD><FONT COLOR="{c}">{t}</FONT></TD></TR>' for c, t in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>'


def render(
    order: list[Value],
    names: dict[Value, str],
    *,
    shown: set[Value] | None = None,
    side: set[Value] | frozenset[Value] = frozenset(),
    grouping: Grouping | None = None,
    expand: set[str] | frozenset[str] = frozenset(),
    step: BackwardStep | None = None,
    backward_pass: BackwardPass | None = None,
    rankdir: str = "LR",
    title: str | None = None,
    note: str | None = None,
    grad_text: Callable[[Value], str] | None = None,
    group_grad_text: Callable[[Group], str] | None = None,
    grads: dict[Value, float] | None = None,
) -> graphviz.Digraph:
    """The drawing of a view of the graph whose topological order is `order` (see module).

    grads: the gradients to show (those of `backward_pass` as they stood after `step`, see
    draw._step_state); a value not in it shows "grad ?", greyed. Default: those of
    `backward_pass` now, or without a pass the graph's own."""
    index = {node: i for i, node in enumerate(order)}
    if grads is None and backward_pass is not None:
        grads = backward_pass._grads_after(len(backward_pass.steps))
    reached = grads
    lit = {step.node, step.input} if step is not None else set()

    def boxed(node: Value) -> Group | None:  # the collapsed group drawing `node`, if any
        if grouping is None:
            return None
        group = grouping.group_of[node]
        if group.name in expand or len(group.members) == 1:
            return None
        return group

    def box_of(node: Value) -> str:
        group = boxed(node)
        return group.box_id if group is not None else f"n{index[node]}"

    g = _graph_type()(name="stepgrad", format="svg")
    g.attr(rankdir=rankdir, fontname=FONT, nodesep="0.25", ranksep="0.35", bgcolor="white",
           pad="0.2", id="graph")
    caption = "\n".join(t for t in (title, note) if t)
    if caption:
        lines = "<BR/>".join(_html_text(t, TITLE_LIMIT) for t in caption.split("\n"))
        g.attr(label=f"<{lines}>", labelloc="b", fontsize="15", fontcolor=HIGHLIGHT)
    g.attr("node", fontname=FONT, fontsize="13", color="#7b8794", fontcolor=INK)
    g.attr("edge", fontname=FONT, fontsize="11", color="#7b8794", fontcolor=SOFT,
           arrowsize="0.7")

    drawn_groups: set[Group] = set()
    merged: dict[tuple[str, str], int] = {}
    for node in order:
        if shown is not None and node not in shown:
            continue
        group = boxed(node)
        if group is not None:  # inside a collapsed box: only edges that enter the box
            if group not in drawn_groups:
                drawn_groups.add(group)
                dim = reached is not None and not any(v in reached for v in group.outputs)
                grad = (group_grad_text(group) if group_grad_text is not None
                        else group.grad_text(reached, None if grads is None else grads.get))
                is_lit = any(v in lit for v in group.members)
                g.node(group.box_id, group_label(group, grad, dim and not is_lit),
                       id=group.box_id, shape="box", style="rounded,filled",
                       fillcolor=HIGHLIGHT_FILL if is_lit else DIM_FILL if dim else GROUP_FILL,
                       color=HIGHLIGHT if is_lit else GROUP_LINE,
                       penwidth="2.5" if is_lit else "1.5", margin="0.14,0.06")
            if node not in side:
                for parent in node._parents:
                    if (shown is None or parent in shown) and boxed(parent) is not group:
                        key = (box_of(parent), group.box_id)
                        merged[key] = merged.get(key, 0) + 1
            continue
        i = index[node]
        nid = f"n{i}"
        dim = reached is not None and node not in reached
        if grad_text is not None:
            grad = grad_text(node)
        elif grads is not None:  # as it stood after the step drawn
            grad = "?" if dim else short(grads[node])
        elif not node.grad_computed:
            grad = "?"
        else:
            grad = short(node._grad)
        is_lit = node in lit
        fill = DIM_FILL if dim else (VALUE_FILL if node._parents else LEAF_FILL)
        parents = [] if node in side else [
            (k, p, local) for k, (p, local) in enumerate(zip(node._parents, node._local,
                                                             strict=True))
            if shown is None or p in shown]
        style = "rounded,filled" + (",dashed" if node._parents and not parents else "")
        attrs = {"color": DIM if dim else "#7b8794", "penwidth": "1"}
        if is_lit:
            fill, attrs = HIGHLIGHT_FILL, {"color": HIGHLIGHT, "penwidth": "2.5"}
        g.node(nid, _label(names[node], short(node.data), grad, dim and not is_lit), id=nid,
               shape="box", style=style, fillcolor=fill, margin="0.12,0.04", **attrs)
        if not parents:
            continue
        op = f"op{i}"
        op_lit = step is not None and node is step.node
        op_style = {"color": HIGHLIGHT, "penwidth": "2.5", "fontcolor": HIGHLIGHT} if op_lit \
            else {"color": DIM, "fontcolor": DIM_TEXT} if dim else {}
        g.node(op, _plain_text(node.op, NAME_LIMIT), id=op, shape="ellipse", style="filled",
               fillcolor=OP_FILL, fontsize="12", width="0.3", height="0.3", margin="0.04,0.02",
               **op_style)
        g.edge(op, nid, id=f"o{i}")
        for k, parent, local in parents:
            eid = f"e{i}_{k}"
            lit_edge = step is not None and node is step.node and parent is step.input
            edge_style = {"color": HIGHLIGHT, "penwidth": "3", "fontcolor": HIGHLIGHT} \
                if lit_edge else {}
            g.edge(box_of(parent), op, id=eid, label=f"local {short(local)}", **edge_style)
    quiet = len(merged) > 40  # many boxes: the counts only as tooltips, not as clutter
    for (a, b), count in merged.items():
        label = {} if count == 1 else {"tooltip": f"{count:,} edges"} if quiet \
            else {"label": f"{count:,} edges"}
        g.edge(a, b, id=f"h{a[1:]}_{b[1:]}" if a[0] == "g" else f"h{a}_{b[1:]}",
               color=GROUP_LINE, **label)
    return g


def count_boxes(order: list[Value], shown: set[Value] | None, grouping: Grouping | None,
                expand: set[str] | frozenset[str]) -> int:
    """How many boxes (values and groups) a view draws: what makes Graphviz slow."""
    boxes = 0
    seen: set[int] = set()
    for node in order:
        if shown is not None and node not in shown:
            continue
        if grouping is not None:
            group = grouping.group_of[node]
            if group.name not in expand and len(group.members) > 1:
                if group.index not in seen:
                    seen.add(group.index)
                    boxes += 1
                continue
        boxes += 1
    return boxes
