"""Which stepped backward passes are live, and ending them (the rules are in backward.py).

A stepped pass (`BackwardPass`) is *live* from its start until its last step. `live` lists them.
Anything that writes the gradient of a value a live pass covers (another pass, `backward()`,
`zero_grad()`, setting `.grad`) first calls `end_passes`, which undoes the live pass's steps and
makes it stale. If that writer then fails, `undo_end` puts the ended passes back exactly.

This module imports nothing from stepgrad, so `value.py` can use it without an import cycle. A
pass in `live` needs only `_nodes` (the set of values it covers) and two methods:
`_end(why, by, ended)`, which first adds (itself, what is needed to put it back) to the list
`ended`, then undoes the pass; and `_revive(state)`, which puts it back (also when `_end` was
cut short by Ctrl-C).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

live: list[Any] = []  # the live BackwardPass objects, oldest first (usually none or one)


def end_passes(values: Iterable[object], why: str, by: object,
               ended: list[tuple[Any, Any]] | None = None) -> list[tuple[Any, Any]]:
    """End every live pass that covers one of `values`: undo its steps, mark it stale.

    `why` says what happened, for the stale pass's error message, with "{}" where the value
    `by` goes ("backward() ran on {}"): each pass names it as its own steps do.
    Returns what `undo_end` needs to put the ended passes back: the list `ended` if one is
    given, filled as each pass starts to end, so that `undo_end(ended)` also puts back the
    passes of a call that a Ctrl-C cut short.
    """
    if not isinstance(values, (set, frozenset, dict, list, tuple)):
        values = list(values)  # may be a one-shot iterable: every live pass must see it all
    hit = [p for p in live if not p._nodes.isdisjoint(values)]
    if ended is None:
        ended = []
    start = len(ended)
    try:
        for p in reversed(hit):  # newest first, so undo runs oldest first
            p._end(why, by, ended)
    except BaseException:  # a Ctrl-C half way: every pass is put back as it was, then it goes on
        undo_end(ended[start:])
        del ended[start:]
        raise
    return ended


def covered(values: Iterable[object]) -> bool:
    """True if a live pass covers one of `values` (a list or a set: read more than once)."""
    return any(not p._nodes.isdisjoint(values) for p in live)


def undo_end(ended: list[tuple[Any, Any]]) -> None:
    """Put back the passes `end_passes` ended, exactly as they were (used when a writer fails)."""
    for p, state in reversed(ended):
        p._revive(state)
