"""Draw a computation graph with Graphviz: values, operations, local and upstream gradients.

Every value is a box with its name, its data and its gradient ("grad ?" until a backward pass
reaches it); every operation is a small ellipse between a value and its inputs; the edge from
an input into an operation carries the local gradient. Give `draw` a step of a `BackwardPass`
and that edge lights up, with the values it connects; values the pass has not reached yet are
greyed out.

The ids in the drawing are stable, so a web page can find them in the SVG: value boxes are
"n0", "n1", ... in forward (topological) order, the operation that made value i is "op<i>",
the edge from its k-th input is "e<i>_<k>" and the edge from the operation to the value is
"o<i>".

`graphviz` (the Python package) is imported only when you draw; Graphviz's `dot` program is
needed only to render (SVG, PNG, or inline in Jupyter): without it, rendering raises one
`GraphvizMissingError` that says how to install it, and `.source` still holds the DOT text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from stepgrad.backward import topological_order
from stepgrad.stepping import BackwardPass, BackwardStep, node_names, short
from stepgrad.value import Value, describe

if TYPE_CHECKING:  # only for the type hints: the real import happens inside draw()
    import graphviz

__all__ = ["GraphvizMissingError", "draw", "edge_ids", "node_ids", "step_edge_id"]

INSTALL_DOT = (
    "Install Graphviz, then try again: `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS), `winget install graphviz` (Windows; then open a new "
    "terminal), or `conda install -c conda-forge graphviz`."
)

# Colours: calm for the graph, one strong colour for the step being applied.
FONT = "Helvetica,Arial,sans-serif"
INK, SOFT = "#1f2933", "#52606d"
LEAF_FILL, VALUE_FILL, OP_FILL = "#e6f0fb", "#ffffff", "#eef0f3"
HIGHLIGHT, HIGHLIGHT_FILL = "#d9480f", "#fff1e6"
DIM, DIM_TEXT, DIM_FILL = "#c5cbd3", "#9aa5b1", "#f6f7f9"


class GraphvizMissingError(RuntimeError):
    """Raised when a drawing is rendered but Graphviz's `dot` program is not installed."""


def _missing_dot() -> GraphvizMissingError:
    return GraphvizMissingError(
        "Rendering the graph needs Graphviz's `dot` program, and it was not found on PATH. "
        + INSTALL_DOT
        + " The DOT text of the graph is still available as `.source`."
    )


_graph_class: type | None = None


def _graph_type() -> type:
    """graphviz.Digraph, with rendering errors for a missing `dot` turned into one clear error.

    Built on first use so that importing autograd never imports graphviz.
    """
    global _graph_class
    if _graph_class is not None:
        return _graph_class
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "Drawing needs the graphviz Python package: pip install graphviz "
            "(or install stepgrad with its drawing extra: pip install -e '.[draw]')."
        ) from None

    class Graph(graphviz.Digraph):
        """A graphviz.Digraph whose pipe/render/view (and Jupyter display) explain a missing dot."""

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise _missing_dot() from None

        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise _missing_dot() from None

        def view(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().view(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise _missing_dot() from None

        def __repr__(self) -> str:  # what it is and how to see it (stepgrad/display.py)
            from stepgrad.display import drawing_repr
            return drawing_repr(self)

    _graph_class = Graph
    return Graph


def node_ids(order: list[Value]) -> dict[Value, str]:
    """The id of every value's box: "n0", "n1", ... in the order given (topological order)."""
    return {node: f"n{i}" for i, node in enumerate(order)}


def edge_ids(order: list[Value]) -> list[tuple[Value, Value, str]]:
    """Every edge (node, input, id) in the order the backward pass applies them.

    This is the order of `autograd.backward.backward_edges`: values from the output back to
    the inputs, and each value's inputs in the order it was computed from them. So step k of a
    BackwardPass over `order` is the k-th entry (an input used twice gets two edges).
    """
    index = {node: i for i, node in enumerate(order)}
    return [
        (node, parent, f"e{index[node]}_{k}")
        for node in reversed(order)
        for k, parent in enumerate(node._parents)
    ]


def step_edge_id(step: BackwardStep, order: list[Value]) -> str:
    """The id of the edge `step` applies, in a drawing of the graph whose topological order is
    `order`. Raises ValueError if the step's edge is not in that graph."""
    edges = edge_ids(order)
    i = step.index - 1
    if 0 <= i < len(edges) and edges[i][0] is step.node and edges[i][1] is step.input:
        return edges[i][2]
    for node, parent, eid in edges:  # the step came from a pass over a different output
        if node is step.node and parent is step.input:
            return eid
    raise ValueError(
        f"draw: step {step.index} ({step.node_name} -> {step.input_name}) is not an edge of "
        "the graph being drawn; pass the step of a backward pass over this graph"
    )


# Characters no drawing can hold as they are (control characters, line separators, lone
# surrogates, the two non-characters XML forbids): shown as escapes such as \n instead.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
NAME_LIMIT, TITLE_LIMIT = 100, 400  # longer names and titles are cut short (with "…") when drawn


def visible(text: str, limit: int) -> str:
    """`text` as a drawing shows it: on one line, every character printable, at most `limit`
    characters (Graphviz refuses labels longer than 16,384 characters)."""
    text = _UNSHOWABLE.sub(lambda m: repr(m.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _html_text(text: str, limit: int) -> str:
    """Text for inside an HTML-like Graphviz label, shown exactly as typed: visible(), then
    HTML-escaped, with backslashes doubled (Graphviz reads \\N there as the node's name)."""
    # "]" as a reference: Graphviz 2.x fails on an HTML text that begins with "]"
    return html.escape(visible(text, limit)).replace("\\", "\\\\").replace("]", "&#93;")


def _plain_text(text: str, limit: int) -> str:
    """Text for a plain Graphviz label, shown exactly as typed: no \\N or \\l escapes, no
    <HTML>, no &entities; (graphviz.escape doubles the backslashes and marks it not-HTML)."""
    import graphviz

    return graphviz.escape(visible(text, limit).replace("&", "&amp;"))


def _check_arguments(step: object, backward_pass: object, rankdir: object,
                     title: object) -> None:
    """A clear TypeError for arguments of draw() of the wrong kind."""
    if step is not None and not isinstance(step, (BackwardStep, BackwardPass)):
        hint = ""
        if isinstance(step, int):
            hint = "; to draw step k of a pass p, use draw(root, p.steps[k - 1], p)"
        raise TypeError(
            f"draw: step must be a BackwardStep or a BackwardPass (or None), got "
            f"{describe(step)}{hint}"
        )
    if backward_pass is not None and not isinstance(backward_pass, BackwardPass):
        raise TypeError(
            f"draw: backward_pass must be a BackwardPass (or None), got {describe(backward_pass)}"
        )
    if not isinstance(rankdir, str):
        raise TypeError(f"draw: rankdir must be a string such as 'LR', got {describe(rankdir)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw: title must be a string (or None), got {describe(title)}")


def _step_state(
    step: BackwardStep | None, backward_pass: BackwardPass | None
) -> tuple[BackwardPass | None, dict[Value, float] | None]:
    """The pass a drawing shows, and the gradients it shows: each value's gradient as it stood
    just after `step` (or after the pass's latest step), for the values reached by then, and
    the inputs and parameters that held a gradient from an earlier pass.

    A step knows its pass, so `draw(root, step)` needs no pass. Without either, (None, None):
    the drawing shows the graph's gradients as they are now.
    """
    # (the kinds of `step` and `backward_pass` were checked by _check_arguments)
    if step is not None and step.backward_pass is not None:
        if backward_pass is None:
            backward_pass = step.backward_pass
        elif step.backward_pass is not backward_pass:
            raise ValueError(
                f"draw: step {step.index} belongs to another backward pass than the one given; "
                "pass the step together with its own pass"
            )
    if backward_pass is None:
        return None, None
    backward_pass._check("draw()")
    k = step.index if step is not None else len(backward_pass.steps)
    return backward_pass, backward_pass._grads_after(k)


def _label(name: str, data: str, grad: str, dim: bool) -> str:
    """The HTML-like label of a value: name (bold), data, grad, one per line."""
    text = DIM_TEXT if dim else INK
    soft = DIM_TEXT if dim else SOFT
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD><FONT COLOR="{text}"><B>{_html_text(name, NAME_LIMIT)}</B></FONT></TD></TR>'
        f'<TR><TD><FONT COLOR="{soft}">data {html.escape(data)}</FONT></TD></TR>'
        f'<TR><TD><FONT COLOR="{text}">grad {html.escape(grad)}</FONT></TD></TR>'
        "</TABLE>>"
    )


def draw(
    root: Value,
    step: BackwardStep | BackwardPass | None = None,
    backward_pass: BackwardPass | None = None,
    *,
    rankdir: str = "LR",
    title: str | None = None,
    group: str | None = "auto",
    expand: str | Iterable[str] | None = None,
    focus: Value | str | None = None,
    depth: int | None = None,
    max_boxes: int | None = None,
) -> graphviz.Digraph:
    """The computation graph of `root` as a `graphviz.Digraph` (shows itself in Jupyter).

    Each value shows its name (its label, or the v1, v2, ... names a BackwardPass uses), its
    data and its gradient; "grad ?" means no backward pass has reached it yet. Each edge into
    an operation is labelled with its local gradient.

    step: a BackwardStep to highlight (its edge and its two values), or a BackwardPass, which
        highlights the pass's latest step. Every value then shows its gradient as it stood
        just after that step (even if the pass or the graph went on since); values the pass
        had not reached yet are greyed out and show "grad ?" (but an input or a parameter
        that holds a gradient from an earlier pass shows it: the pass adds to it).
    backward_pass: the pass `step` belongs to (optional: a step knows its pass).
    rankdir: "LR" (inputs on the left, the default) or "TB" (inputs at the top).
    title: a caption under the graph (by default, the highlighted step's line).

    Big graphs (autograd/views.py):
    group: 'neuron' or 'layer' draws each neuron (or layer) of a model as one box with its
        output's data and grad (for all calls of the neuron); None draws every value; the
        default 'auto' groups by neuron above 300 values, and the caption says how to expand.
    expand: the name of a group (or several) to draw value by value, e.g. 'L2.n3'.
    focus: a value (or its label) to draw the part around: without depth, every path from it
        to root (how its gradient is made); with depth=k, its inputs up to k operations back.
    max_boxes: a drawing with more boxes (default 1000) is refused up front with a
        GraphTooBigError that says how to make it smaller; pass a larger number to wait.

    Render with `.pipe("svg")`, `.render("graph", format="png")`, or just display it in a
    notebook; `.source` is the DOT text.

    >>> from stepgrad import Value, draw
    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> g = draw(c)
    >>> "grad ?" in g.source, "local -3" in g.source
    (True, True)
    >>> steps = c.backward_steps(); step = next(steps)
    >>> "e2_0" in draw(c, steps).source     # the edge a -> (*) of step 1, highlighted
    True
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw: expected the Value to draw, got {type(root).__name__} {root!r}")
    return _draw_view(root, step, backward_pass, rankdir=rankdir, title=title, group=group,
                      expand=expand, focus=focus, depth=depth, max_boxes=max_boxes)


def _draw_view(root: Value, step: BackwardStep | BackwardPass | None,
               backward_pass: BackwardPass | None, *, rankdir: str, title: str | None,
               max_boxes: int | None, **view: Any) -> graphviz.Digraph:
    """draw() for any size: plan the view (views.plan), then the full drawing or a view."""
    from stepgrad import views

    _check_arguments(step, backward_pass, rankdir, title)
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(step, BackwardPass):
        backward_pass, step = step, step.current
    plan = views.plan(root, backward_pass, max_boxes=max_boxes, **view)
    if plan.grouping is None and plan.shown is None:
        return _build(root, step, backward_pass, rankdir=rankdir, title=title)
    # as the full drawing: the gradients as they stood after the step drawn (a stale pass
    # raises); without a pass, the graph's own
    backward_pass, grads = _step_state(step, backward_pass)
    if step is not None and title is None:
        total = f"/{backward_pass.total}" if backward_pass is not None else ""
        title = f"step {step.index}{total}: {step!r}"
    return plan.render(step, backward_pass, rankdir=rankdir, title=title, grads=grads)


def _build(
    root: Value,
    step: BackwardStep | BackwardPass | None,
    backward_pass: BackwardPass | None,
    *,
    rankdir: str = "LR",
    title: str | None = None,
    grad_text: Callable[[Value], str] | None = None,
) -> graphviz.Digraph:
    """draw(), plus `grad_text` (value -> the text after "grad ") for the walkthrough page."""
    _check_arguments(step, backward_pass, rankdir, title)
    graph_type = _graph_type()
    if isinstance(step, BackwardPass):
        backward_pass, step = step, step.current
    if not isinstance(root, Value):
        raise TypeError(f"draw: expected the Value to draw, got {type(root).__name__} {root!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")

    backward_pass, shown = _step_state(step, backward_pass)

    if backward_pass is not None and backward_pass.root is root:
        order, names = backward_pass.order, backward_pass.names
    else:
        order = topological_order(root)
        names = node_names(order)
    ids = node_ids(order)

    lit_edge = lit_node = lit_input = None
    if step is not None:
        lit_edge = step_edge_id(step, order)
        lit_node, lit_input = step.node, step.input
        if title is None:
            total = f"/{backward_pass.total}" if backward_pass is not None else ""
            title = f"step {step.index}{total}: {step!r}"

    g = graph_type(name="stepgrad", format="svg")
    g.stepgrad_about = (names[root], len(order))  # for its repr: what was drawn
    g.attr(rankdir=rankdir, fontname=FONT, nodesep="0.25", ranksep="0.35", bgcolor="white",
           pad="0.2", id="graph")
    if title:
        g.attr(label=f"<{_html_text(title, TITLE_LIMIT)}>", labelloc="b", fontsize="15",
               fontcolor=HIGHLIGHT)
    g.attr("node", fontname=FONT, fontsize="13", color="#7b8794", fontcolor=INK)
    g.attr("edge", fontname=FONT, fontsize="11", color="#7b8794", fontcolor=SOFT,
           arrowsize="0.7")

    for node in order:
        nid = ids[node]
        dim = shown is not None and node not in shown
        if grad_text is not None:
            grad = grad_text(node)
        elif shown is not None:  # as it stood after the step drawn
            grad = short(shown[node]) if node in shown else "?"
        elif not node.grad_computed:
            grad = "?"
        else:
            grad = short(node.grad)
        lit = node is lit_node or node is lit_input
        fill = DIM_FILL if dim else (VALUE_FILL if node._parents else LEAF_FILL)
        style = {"color": DIM if dim else "#7b8794", "penwidth": "1"}
        if lit:
            fill = HIGHLIGHT_FILL
            style = {"color": HIGHLIGHT, "penwidth": "2.5"}
        g.node(nid, _label(names[node], short(node.data), grad, dim and not lit), id=nid,
               shape="box", style="rounded,filled", fillcolor=fill, margin="0.12,0.04",
               **style)
        if not node._parents:
            continue
        # the operation that made `node`, and the edges into and out of it
        op = f"op{nid[1:]}"
        op_lit = node is lit_node
        op_style = {"color": HIGHLIGHT, "penwidth": "2.5", "fontcolor": HIGHLIGHT} if op_lit \
            else {"color": DIM, "fontcolor": DIM_TEXT} if dim else {}
        op_text = _plain_text(node.op, NAME_LIMIT)
        g.node(op, op_text, id=op, shape="ellipse", style="filled", fillcolor=OP_FILL,
               fontsize="12", width="0.3", height="0.3", margin="0.04,0.02", **op_style)
        g.edge(op, nid, id=f"o{nid[1:]}",
               **({"color": HIGHLIGHT, "penwidth": "2.5"} if op_lit
                  else {"color": DIM} if dim else {}))
        for k, (parent, local) in enumerate(zip(node._parents, node._local, strict=True)):
            eid = f"e{nid[1:]}_{k}"
            edge_style: dict[str, str] = {}
            if eid == lit_edge:
                edge_style = {"color": HIGHLIGHT, "penwidth": "3", "fontcolor": HIGHLIGHT}
            elif dim:
                edge_style = {"color": DIM, "fontcolor": DIM_TEXT}
            g.edge(ids[parent], op, id=eid, label=f"local {short(local)}", **edge_style)
    return g
