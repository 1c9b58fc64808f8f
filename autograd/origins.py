"""Where a number that an operation refused came from, for its error message.

`log` of 0 is most often the log of a computed 0 the learner never wrote: the hand-written
binary cross-entropy `-(t * p.log() + (1 - t) * (1 - p).log())` with a sigmoid `p` that
rounded to exactly 1 (its input above about 37) or to 0 (below about -745). So the error says
what made log's input, as division by zero names its divisor, and, when a sigmoid that
rounded to 0 or 1 is just above it in the graph, what to write instead:

    log(0): log is only defined for positive numbers. Its input is the result of '1 -' on
    p = 1. p = sigmoid(40) is exactly 1: ... use stepgrad.nn.binary_cross_entropy_with_logits

Everything here runs only after an operation has failed.
"""

from __future__ import annotations

from typing import Any

from stepgrad.ops import SIGMOID, show

__all__ = ["log_input"]

_LOOK_UP = 3  # how many operations up from log's input a sigmoid is looked for


def log_input(a: Any) -> str:
    """The words added to log's error about its input `a` (a Value that is 0 or negative):
    what made it, if the learner did not name it, and a hint for a sigmoid that rounded."""
    from stepgrad.value import _inputs

    text = ""
    if not a.label and a._op is not None:  # a computed value the learner has no name for
        made = f"the result of '{a.op}'"
        if a._in1 is not None:  # (a value made inside no_grad() remembers no inputs)
            made += f" on {_inputs(a.inputs)}"
        text += f". Its input is {made}"
    s = _rounded_sigmoid(a) if a._data == 0.0 else None
    if s is not None:
        text += ". " + _sigmoid_hint(s)
    return text


def _rounded_sigmoid(a: Any) -> Any:
    """The nearest sigmoid node at most _LOOK_UP operations above `a` (a itself included)
    whose number rounded to exactly 0 or 1, or None."""
    level, seen = [a], {id(a)}
    for _ in range(_LOOK_UP + 1):
        for node in level:
            if node._op is SIGMOID and node._data in (0.0, 1.0):
                return node
        level = [p for node in level for p in node.inputs if id(p) not in seen]
        seen.update(id(p) for p in level)
    return None


def _sigmoid_hint(s: Any) -> str:
    """What a sigmoid that rounded to exactly 0 or 1 means, and what to write instead."""
    z = s._in1
    shown = f"sigmoid({(z.label or show(z._data)) if z is not None else 'z'})"
    if s.label:
        shown = f"{s.label} = {shown}"
    if s._data == 1.0:
        return (f"{shown} is exactly 1: a sigmoid rounds to exactly 1 for inputs above about "
                "37. For a loss, use stepgrad.nn.binary_cross_entropy_with_logits on the "
                "sigmoid's input, which never takes log(0); or write 1 - sigmoid(z) as "
                "sigmoid(-z), which stays above 0")
    return (f"{shown} is exactly 0: a sigmoid rounds to exactly 0 for inputs below about "
            "-745. For a loss, use stepgrad.nn.binary_cross_entropy_with_logits on the "
            "sigmoid's input, which never takes log(0)")
