"""Simulated Ctrl-C for the tests: `interrupted_at(n, call, files)` raises KeyboardInterrupt at
the n-th line that call() runs in `files` (a set of source file names). A test calls it for
n = 1, 2, ... until call() gets through, and checks each time that nothing changed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any


def interrupted_at(n: int, call: Callable[[], Any], files: Collection[str]) -> bool:
    """Run call(), raising KeyboardInterrupt at the n-th line it runs in `files`. True if
    that happened (call() was cut short), False if call() ran to its end first. Once an
    exception is raised, the lines that put things back run undisturbed (one Ctrl-C, not two)."""
    count = 0
    hit = False
    error_seen = False

    def local(frame, event, arg):
        nonlocal count, hit, error_seen
        if event == "exception" and arg[0] is not GeneratorExit:  # (an old iterator closed)
            error_seen = True  # the interrupt, or an error: what puts things back runs as is
        elif event == "line" and not error_seen:
            count += 1
            if count == n:
                hit = True
                raise KeyboardInterrupt
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename in files else None

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    except KeyboardInterrupt:
        if not hit:
            raise
    finally:
        sys.settrace(old)
    return hit
