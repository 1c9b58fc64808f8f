"""Views that grow with the graph show a bounded number of rows, never all of a big graph.

The backward pass of micrograd's moons loss on 100 points has 122,100 steps: its full table
is 12 MB of text, more than a notebook can show (Jupyter drops it and says only "IOPub data
rate exceeded"). So print_backward, table(), a pass's list of steps and the notebook views
show at most ROWS rows by default: the first ones and the last ones (and, for a pass being
stepped through, the steps around the one it has reached), with a line where rows are left
out that says how many and how to see them all (`limit=None`). A table that fits is shown
exactly as before.

>>> rows, gaps = shown_rows(10, 4)
>>> rows, gaps
([0, 1, 8, 9], {2: 6})
>>> shown_rows(10, 8, around=5)
([0, 1, 3, 4, 5, 6, 8, 9], {2: 1, 6: 1})
"""

from __future__ import annotations

import operator
from typing import Any

from stepgrad.words import plural

__all__ = ["BIG_GRAPHS", "ROWS", "StepList", "check_limit", "hidden_text", "shown_rows"]

ROWS = 200
"""How many rows a table of steps shows by default (print_backward, table(), notebooks)."""

BIG_GRAPHS = "step one neuron at a time (README: Big graphs)"
"""The other way to read a big pass, for the line that says rows were left out."""


def check_limit(limit: object, who: str) -> int | None:
    """`limit` as a whole number >= 1, or None (no limit); a clear error naming `who`."""
    if limit is None:
        return None
    return whole_number(limit, "limit", 1, "of rows such as 200, or None for every row", who,
                        none=" (or None for every row)")


def whole_number(x: object, name: str, least: int, example: str, who: str,
                 none: str = "") -> int:
    """x as an int >= least (numpy's whole numbers too, never a bool), or a clear error that
    names `who` and says what to give ('a whole number {example}')."""
    try:
        if isinstance(x, bool):
            raise TypeError
        number = operator.index(x)  # an int, or numpy's whole numbers
    except TypeError:
        from stepgrad.value import describe

        raise TypeError(f"{who}: {name} must be a whole number {example}, got "
                        f"{describe(x)}") from None
    if number < least:
        raise ValueError(f"{who}: {name} must be a whole number >= {least}{none}, got "
                         f"{number}")
    return number


def shown_rows(total: int, limit: int | None,
               around: int | None = None) -> tuple[list[int], dict[int, int]]:
    """Which of `total` rows a view shows: (their indexes, in order; {position in that list:
    how many rows are left out just before it}); a gap at the end has position len(list).

    Every row when they fit (or limit is None). Else the first and the last rows; with
    `around` = k (0 < k < total), also the rows just before and from row k, so that the line
    "steps k+1.. are not done yet" of a pass being stepped through is always shown.
    """
    if limit is None or total <= limit:
        return list(range(total)), {}
    if around is None or not 0 < around < total:
        head = (limit + 1) // 2
        spans = [(0, head), (total - (limit - head), total)]
    else:
        ends = limit // 4
        middle = limit - 2 * ends
        before = middle // 2
        spans = [(0, ends), (around - before, around + middle - before),
                 (total - ends, total)]
    rows: list[int] = []
    for start, stop in spans:
        start = max(start, rows[-1] + 1 if rows else 0)
        rows.extend(range(start, min(stop, total)))
    gaps: dict[int, int] = {}
    last = -1
    for position, i in enumerate(rows):
        if i > last + 1:
            gaps[position] = i - last - 1
        last = i
    if last < total - 1:
        gaps[len(rows)] = total - 1 - last
    return rows, gaps


def hidden_text(count: int, noun: str, limit: int, see_all: str) -> str:
    """The line where rows are left out: '121,900 steps not shown (limit 200): ...'."""
    return f"{plural(count, noun)} not shown (limit {limit}): {see_all}"


class StepList(list):
    """A pass's list of steps (`.steps`, what `run()` returns): an ordinary list, whose repr
    shows at most ROWS steps, the first and the last ones, so that typing `p.steps` after the
    pass of a big graph does not print megabytes. `for step in p.steps: print(step)` prints
    every one."""

    __slots__ = ()

    def __repr__(self) -> str:
        rows, gaps = shown_rows(len(self), ROWS)
        if not gaps:
            return list.__repr__(self)
        noun = type(self[0]).__name__ if self else "item"
        noun = "step" if noun in ("BackwardStep", "GroupStep") else noun
        lines = []
        for position, i in enumerate([*rows, None]):
            if position in gaps:
                see_all = "for step in steps: print(step) prints them all"
                lines.append(f"... {hidden_text(gaps[position], noun, ROWS, see_all)}")
            if i is not None:
                lines.append(repr(self[i]))
        return "[" + ",\n ".join(lines) + "]"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython: the same text
        printer.text(repr(self))
