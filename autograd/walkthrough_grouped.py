"""The walkthrough page of a big graph: its groups as boxes, its pass one group at a time.

The steps are those of a `GroupedPass` (the same BackwardPass as the REPL's, applied one run
of edges out of one group at a time); every number on the page is its text, formatted in
Python. A group named in `expand` is drawn value by value and steps edge by edge.

The page can also open any step into its edges (`inside_data`): the rows of the REPL's
table, `node = formula, input, upstream, local, contribution, input grad`, for every edge the
step applied, so a student sees how the gradient crossed the neuron without a drawing of its
thousands of values.
"""

from __future__ import annotations

from stepgrad.grouped_pass import GroupedPass
from stepgrad.stepping import BackwardStep, short
from stepgrad.value import Value, as_float
from stepgrad.views import View
from stepgrad.words import plural

__all__ = ["EdgeRows", "grouped_walkthrough_data", "merged_edge_id"]


def merged_edge_id(source: str, target: str) -> str:
    """The id draw_view gives the edge from box `source` to box `target` ('g<j>' or 'n<i>')."""
    return f"h{source[1:]}_{target[1:]}" if source[0] == "g" else f"h{source}_{target[1:]}"


class EdgeRows:
    """Every edge of a pass as the rows of its table, packed small for the page.

    Per value (its index in the pass's order): its name ("" for the next of v1, v2, ...: the
    k-th "" is "v<k>"), its formula and the upstream gradient its edges carry (both "" for
    an input). Per edge, in the order applied, five
    entries of one flat list: value index, input index, local, contribution, input grad;
    the contribution is "" when its text equals the upstream's (local 1) and the input grad
    "" when it equals the contribution (the first gradient the input gets), which more
    than halves a big page. Every text is `short()` of the BackwardStep's number.
    """

    def __init__(self, order: list[Value], names: dict[Value, str]) -> None:
        self.index = {node: i for i, node in enumerate(order)}
        self.names = []
        unnamed = 0
        for node in order:
            if names[node] == f"v{unnamed + 1}":
                unnamed += 1
                self.names.append("")
            else:
                self.names.append(names[node])
        self.formulas = [""] * len(order)
        self.upstream = [""] * len(order)
        self.edges: list[int | str] = []

    def add(self, step: BackwardStep) -> None:
        """One applied edge."""
        i = self.index[step.node]
        up = short(step.upstream)
        if not self.formulas[i]:
            self.formulas[i], self.upstream[i] = step.formula, up
        assert self.upstream[i] == up  # a value passes back one gradient, once complete
        contribution, grad = short(step.contribution), short(step.input_grad)
        self.edges += [i, self.index[step.input], short(step.local),
                       "" if contribution == up else contribution,
                       "" if grad == contribution else grad]

    def data(self) -> dict:
        """The rows as plain data (see the class)."""
        return {"names": self.names, "formulas": self.formulas, "upstream": self.upstream,
                "edges": self.edges}


def grouped_walkthrough_data(root: Value, grad: float, view: View) -> dict:
    """Everything the page shows for the grouped `view` of root's graph, as plain data.

    Like walkthrough_data: a fresh pass (as on a graph with no gradients yet), computed aside,
    so the graph's gradients and any pass being stepped through are left as they were.
    """
    seed = as_float(grad, "walkthrough(grad)")
    assert view.grouping is not None
    # computed aside: the graph, and any pass the learner is stepping through, are untouched
    gp = GroupedPass(root, view.grouping.mode, seed, expand=view.expand, aside=True)
    boxes: dict[str, dict] = {}
    for i, node in enumerate(gp.backward_pass.order):
        box = gp.box(node)
        if box in boxes:
            continue
        group = gp.collapsed(node)
        if group is not None:
            boxes[box] = {"id": box, "name": group.name, "data": group.data_text(),
                          "op": None,
                          "start": group.grad_text({root}, gp.backward_pass.gradient)}
        else:
            boxes[box] = {"id": box, "name": gp.backward_pass.names[node],
                          "data": short(node.data),
                          "op": f"op{i}" if node._in1 is not None else None,
                          "start": short(gp.backward_pass.gradient(node) or 0.0)}
    index = {node: i for i, node in enumerate(gp.backward_pass.order)}
    rows = []
    edges = EdgeRows(gp.backward_pass.order, gp.backward_pass.names)
    for step in gp:
        for s in step.steps:
            edges.add(s)
        first = step.steps[0]
        if len(step.steps) == 1 and step.box.startswith("n"):  # one edge, as the plain page
            i = index[first.node]
            k = 0 if first.node._in1 is first.input else 1
            box_in = gp.box(first.input)
            lit = [[step.box, "hl"], [box_in, "hl"], [f"op{i}", "hl"],
                   [f"e{i}_{k}", "hl"], [f"o{i}", "hl-out"]]
            grads = [[box_in, gp.box_text(first.input)]]
            rows.append({"box": step.box, "n": 1, "grads": grads, "lit": lit,
                         "line": repr(step), "formula": f"{first.node_name} = {first.formula}",
                         "what": (f"upstream {short(first.upstream)} x local "
                                  f"{short(first.local)} = {short(first.contribution)}"
                                  f" added to {first.input_name}.grad")})
            continue
        lit = [[step.box, "hl"]]
        for box, _, _ in step.reached:
            lit += [[box, "hl"], [merged_edge_id(box, step.box), "hl"]]
        rows.append({"box": step.box, "n": len(step.steps),
                     "grads": [[b, t] for b, _, t in step.reached],
                     "lit": lit, "line": repr(step),
                     "formula": f"back through {step.name}: {plural(len(step.steps), 'edge')}",
                     "what": "the gradient reaches"
                             + ("" if step.reached else f" only values inside {step.name}")})
    root_box = gp.box(root)
    return {"root": root_box, "root_name": boxes[root_box]["name"], "seed": short(seed),
            "grouped": gp.grouping.mode, "nodes": list(boxes.values()), "steps": rows,
            "inside": edges.data()}


def grouped_svg(data: dict, view: View, rankdir: str) -> str:
    """The drawing of the view for the page: every box as wide as the widest gradient it will
    show (so every number fits), as SVG text."""
    from stepgrad.draw_view import render

    widest = {n["id"]: max("?", n["start"], key=len) for n in data["nodes"]}
    for s in data["steps"]:
        for box, text in s["grads"]:
            widest[box] = max(widest[box], text, key=len)
    index = {node: i for i, node in enumerate(view.order)}
    graph = render(view.order, view.names, grouping=view.grouping, expand=view.expand,
                   rankdir=rankdir, note=view.note,
                   grad_text=lambda v: widest[f"n{index[v]}"],
                   group_grad_text=lambda g: widest[g.box_id])
    return graph.pipe("svg", encoding="utf-8")
