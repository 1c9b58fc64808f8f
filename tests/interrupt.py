"""Simulated Ctrl-C for the tests: `interrupted_at(n, call, files)` raises KeyboardInterrupt at
the n-th line that call() runs in `files` (a set of source file names). A test calls it for
n = 1, 2, ... until call() gets through, and checks each time that nothing changed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any

from stepgrad import Value, passes
from stepgrad.backward import topological_order


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


def every_value(*roots: Value) -> list[Value]:
    """Every value the roots depend on, each once (to snapshot and compare gradients)."""
    seen: dict[Value, None] = {}
    for r in roots:
        seen.update(dict.fromkeys(topological_order(r)))
    return list(seen)


def assert_undone(n: int, values: list[Value], before: list[float | None], live_pass: Any,
                  steps: int) -> None:
    """After interrupt n: every gradient is as `before`, and the live pass (if any) is still
    live, once, with its `steps` steps taken."""
    assert [v._grad for v in values] == before, f"interrupt {n} changed a gradient"
    if live_pass is not None:
        assert not live_pass.stale, f"interrupt {n}: the live pass was left stale"
        assert passes.live.count(live_pass) == 1, f"interrupt {n}: the live pass left the list"
        assert len(live_pass.steps) == steps, f"interrupt {n}: the live pass lost its steps"
