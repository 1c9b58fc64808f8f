"""Decide what a drawing of a graph shows: every value, the part around a focus, or groups.

Size limits (counted in boxes, what makes Graphviz slow and a picture unreadable):

- AUTO_GROUP: above this many values, `draw(root)` groups by neuron unless told otherwise,
  and the caption says how to expand a group or draw every value;
- MAX_BOXES: a drawing with more boxes is refused up front, with the ways to make it smaller
  (`max_boxes=` raises the limit for the patient);
- LOUD_BOXES: above this many boxes, a line on stderr says how big the drawing is before
  Graphviz starts, so a slow drawing is never a silent one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stepgrad.backward import topological_order
from stepgrad.bounded import whole_number
from stepgrad.focus import find_value, inputs_within, path_to_root, with_side_inputs
from stepgrad.grouping import Grouping, check_expand, expand_names
from stepgrad.stepping import BackwardPass, BackwardStep, node_names
from stepgrad.value import Value, describe
from stepgrad.words import plural

if TYPE_CHECKING:
    import graphviz

__all__ = ["AUTO_GROUP", "LOUD_BOXES", "MAX_BOXES", "GraphTooBigError", "View", "plan"]

AUTO_GROUP = 300
MAX_BOXES = 1000
LOUD_BOXES = 300


class GraphTooBigError(ValueError):
    """Raised up front when a drawing would have too many boxes to lay out or to read."""


def say(message: str) -> None:
    """One line on stderr (shown in a terminal and in Jupyter), so a slow step is never silent."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class View:
    """What one drawing shows (see `plan`)."""

    order: list[Value]
    names: dict[Value, str]
    shown: set[Value] | None = None
    side: set[Value] = field(default_factory=set)
    grouping: Grouping | None = None
    expand: set[str] = field(default_factory=set)
    note: str | None = None
    boxes: int = 0
    about: str = ""  # what the drawing shows, for its text form: "grouped by neuron into 34 boxes"

    def render(self, step: BackwardStep | None, backward_pass: BackwardPass | None, *,
               rankdir: str, title: str | None,
               grads: dict[Value, float] | None = None) -> graphviz.Digraph:
        """The Graphviz drawing of this view (grads: the gradients shown, see draw_view)."""
        from stepgrad.draw_view import render

        graph = render(self.order, self.names, shown=self.shown, side=self.side,
                       grouping=self.grouping, expand=self.expand, step=step,
                       backward_pass=backward_pass, rankdir=rankdir, title=title,
                       note=self.note, grads=grads)
        # for its text form (display.drawing_repr): the graph drawn (root last) and how
        graph.stepgrad_about = (self.names[self.order[-1]], len(self.order))
        graph.stepgrad_view = self.about
        return graph


def check_depth(depth: object, who: str = "draw") -> int | None:
    """`depth` as a whole number >= 0 (or None), or a clear error that names `who`."""
    return None if depth is None else whole_number(depth, "depth", 0, "such as 2 (or None)", who)


def check_max_boxes(max_boxes: object, who: str = "draw") -> int:
    """`max_boxes` as a whole number >= 1 (None: the default, MAX_BOXES), or a clear error
    that names `who`."""
    if max_boxes is None:
        return MAX_BOXES
    return whole_number(max_boxes, "max_boxes", 1, ">= 1 such as 5000 (or None)", who)


def plan(
    root: Value,
    backward_pass: BackwardPass | None = None,
    *,
    group: str | None = "auto",
    expand: str | Iterable[str] | None = None,
    focus: Value | str | None = None,
    depth: int | None = None,
    max_boxes: int | None = MAX_BOXES,
    who: str = "draw",
) -> View:
    """What `draw(root, ...)` shows, or GraphTooBigError before any slow work starts.

    group: 'auto' (by neuron above AUTO_GROUP values, else every value), 'neuron', 'layer'
        or None (every value). focus: a value or its label; with depth=k its inputs up to k
        operations back, without depth the path from it to root. expand: group name(s) to
        draw value by value.
    """
    if group not in ("auto", "neuron", "layer", None):
        raise ValueError(f"{who}: group must be 'neuron', 'layer', None or 'auto', got {group!r}")
    max_boxes = check_max_boxes(max_boxes, who)
    expanded = expand_names(expand, who)
    if focus is not None and not isinstance(focus, (Value, str)):
        raise TypeError(f"{who}: focus must be a Value or its label such as 'L1.n2.w1' (or "
                        f"None), got {describe(focus)}")
    depth = check_depth(depth, who)
    if backward_pass is not None and backward_pass.root is root:
        order, names = backward_pass.order, backward_pass.names
    else:
        order = topological_order(root)
        names = node_names(order)
    view = View(order, names)
    size = len(order)
    what = plural(len(order), "value")
    if focus is not None:
        target = find_value(order, names, focus, who)
        if depth is None:
            core = path_to_root(order, target)
            what = f"the path from {names[target]} to {names[root]}"
        else:
            core = inputs_within(target, depth)
            what = f"{names[target]} and its inputs up to {plural(depth, 'step')} back"
        if depth is None:
            view.shown, view.side = with_side_inputs(core)
        else:  # the values `depth` steps back are drawn without their inputs (dashed)
            view.shown = core
        size = len(view.shown)
    elif depth is not None:
        raise ValueError(f"{who}: depth= needs focus= (the value whose inputs to show)")
    if group == "auto":
        group = "neuron" if size > AUTO_GROUP or expanded else None
    if group is None and expanded:
        raise ValueError(f"{who}: expand= needs grouping (group='neuron' or 'layer')")
    if group is not None:
        view.grouping = Grouping(order, group, names)
        check_expand(view.grouping, expanded, who)
        view.expand = expanded
    from stepgrad.draw_view import count_boxes

    view.boxes = count_boxes(order, view.shown, view.grouping, view.expand)
    if view.grouping is not None:
        one = next((g.name for g in view.grouping.groups if len(g.members) > 1
                    and "." in g.name), None)
        if one is None:
            one = next((g.name for g in view.grouping.groups if len(g.members) > 1), "")
        view.note = (f"{what} grouped by {group} into {plural(view.boxes, 'box', 'boxes')}. "
                     f"To see one group in full: expand='{one}'; every value: group=None")
    elif focus is not None:
        view.note = f"{what}: {plural(size, 'value')}"
    about = [f"showing {what} ({plural(size, 'value')})"] if focus is not None else []
    if view.grouping is not None:
        about.append(f"grouped by {group} into {plural(view.boxes, 'box', 'boxes')}")
    view.about = ", ".join(about)
    if view.boxes > max_boxes:
        raise GraphTooBigError(
            f"{who}: this drawing would have {view.boxes:,} boxes ({what}); more than "
            f"{max_boxes:,} take Graphviz minutes and cannot be read. Group it "
            f"(group='neuron' or 'layer', expand= one group), or focus on one value "
            f"(focus='L1.n1.w1' for the path of its gradient, depth=2 for its inputs). "
            f"To draw it anyway, pass max_boxes={view.boxes}."
        )
    if view.boxes > LOUD_BOXES:
        say(f"{who}: {view.boxes:,} boxes ({what}); Graphviz may take a while to lay them out.")
    return view
