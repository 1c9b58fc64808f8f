"""The walkthrough page of a big graph: its groups as boxes, its pass one group at a time.

The steps are those of a `GroupedPass` (the same BackwardPass as the REPL's, applied one run
of edges out of one group at a time); every number on the page is its text, formatted in
Python. A group named in `expand` is drawn value by value and steps edge by edge.
"""

from __future__ import annotations

from stepgrad.grouped_pass import GroupedPass
from stepgrad.stepping import short
from stepgrad.value import Value, as_float
from stepgrad.views import View

__all__ = ["grouped_walkthrough_data", "merged_edge_id"]


def merged_edge_id(source: str, target: str) -> str:
    """The id draw_view gives the edge from box `source` to box `target` ('g<j>' or 'n<i>')."""
    return f"h{source[1:]}_{target[1:]}" if source[0] == "g" else f"h{source}_{target[1:]}"


def grouped_walkthrough_data(root: Value, grad: float, view: View) -> dict:
    """Everything the page shows for the grouped `view` of root's graph, as plain data.

    Like walkthrough_data: a fresh pass (every gradient empty first), and every gradient put
    back as it was afterwards.
    """
    seed = as_float(grad, "walkthrough(grad)")
    order = view.order
    saved = [node._grad for node in order]
    try:
        for node in order:
            node._grad = None
        assert view.grouping is not None
        gp = GroupedPass(root, view.grouping.mode, seed, expand=view.expand)
        boxes: dict[str, dict] = {}
        for i, node in enumerate(gp.backward_pass.order):
            box = gp.box(node)
            if box in boxes:
                continue
            group = gp.collapsed(node)
            if group is not None:
                boxes[box] = {"id": box, "name": group.name, "data": group.data_text(),
                              "op": None, "start": group.grad_text({root})}
            else:
                boxes[box] = {"id": box, "name": gp.backward_pass.names[node],
                              "data": short(node.data),
                              "op": f"op{i}" if node._in1 is not None else None,
                              "start": short(node._grad)}
        index = {node: i for i, node in enumerate(gp.backward_pass.order)}
        rows = []
        for step in gp:
            first = step.steps[0]
            if len(step.steps) == 1 and step.box.startswith("n"):  # one edge, as the plain page
                i = index[first.node]
                k = 0 if first.node._in1 is first.input else 1
                box_in = gp.box(first.input)
                lit = [[step.box, "hl"], [box_in, "hl"], [f"op{i}", "hl"],
                       [f"e{i}_{k}", "hl"], [f"o{i}", "hl-out"]]
                grads = [[box_in, gp.box_text(first.input)]]
                rows.append({"box": step.box, "grads": grads, "lit": lit, "line": repr(step),
                             "formula": f"{first.node_name} = {first.formula}",
                             "what": (f"upstream {short(first.upstream)} x local "
                                      f"{short(first.local)} = {short(first.contribution)}"
                                      f" added to {first.input_name}.grad")})
                continue
            lit = [[step.box, "hl"]]
            for box, _, _ in step.reached:
                lit += [[box, "hl"], [merged_edge_id(box, step.box), "hl"]]
            rows.append({"box": step.box, "grads": [[b, t] for b, _, t in step.reached],
                         "lit": lit, "line": repr(step),
                         "formula": f"back through {step.name}: {len(step.steps)} edges",
                         "what": "the gradient reaches"
                                 + ("" if step.reached else f" only values inside {step.name}")})
        root_box = gp.box(root)
    finally:
        for node, g in zip(order, saved, strict=True):
            node._grad = g
    return {"root": root_box, "root_name": boxes[root_box]["name"], "seed": short(seed),
            "grouped": gp.grouping.mode, "nodes": list(boxes.values()), "steps": rows}


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
