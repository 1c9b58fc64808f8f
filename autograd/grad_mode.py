"""Grad mode: whether operations record a graph, per thread and per context (as PyTorch).

`no_grad()` turns recording off for the code that runs inside the block, in the thread (and
the `contextvars` context, e.g. the asyncio task) that entered it, and nowhere else; leaving
the block, normally or by an exception, restores what was there before. `enable_grad()` turns
it back on inside a `no_grad()` block, `set_grad_enabled(mode)` does either (as a block, or
called on its own to switch the mode of the current thread or task), and `is_grad_enabled()`
says what the current code gets.

How it stays fast: `Value()` asks for every new node, so the answer must cost almost nothing
in the usual case where no block is open anywhere. `disabled` counts the blocks with recording
off that are open right now, in every thread; while it is 0, every context records, and that
one module attribute is all `Value()` reads (no module `__getattr__` here: it would make that
lookup slower). Only while some block is open is the per-context state read: a chain of
frames, one per open block, innermost first, in a `ContextVar`. A task or a context copied
inside a block sees the blocks that were open then, but only while they stay open: a block
that ends is over for every copy too, so no copy can keep grad mode off for good.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from types import TracebackType

__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]

disabled = 0  # how many frames with recording off are open, in all threads and contexts
_lock = threading.Lock()  # guards `disabled` (+= is not atomic across threads)


class _Frame:
    """One open grad-mode block (or one call of set_grad_enabled) in one context."""

    __slots__ = ("enabled", "open", "outer", "bare", "replaced")

    def __init__(self, enabled: bool, outer: _Frame | None, bare: bool) -> None:
        self.enabled = enabled
        self.open = True
        self.outer = outer
        self.bare = bare  # set by a bare set_grad_enabled() call, not (yet) by a with block
        self.replaced: _Frame | None = None  # the bare call this one replaced, if any


_frame: ContextVar[_Frame | None] = ContextVar("stepgrad_grad_mode", default=None)


def is_grad_enabled() -> bool:
    """True when operations here record a graph (the default), False inside `no_grad()`.

    >>> from stepgrad import no_grad, is_grad_enabled
    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    if not disabled:
        return True
    frame = _frame.get()
    while frame is not None:  # the innermost block still open decides
        if frame.open:
            return frame.enabled
        frame = frame.outer
    return True


def _open(enabled: bool, bare: bool) -> _Frame:
    """Open a frame in the current context; a bare call replaces a bare call before it."""
    global disabled
    outer = replaced = _frame.get()
    if bare and outer is not None and outer.bare and outer.open:
        _close(outer)  # switching back and forth never piles frames up (see __enter__)
        outer = outer.outer
    else:
        replaced = None
    frame = _Frame(enabled, outer, bare)
    frame.replaced = replaced
    if not enabled:
        with _lock:
            disabled += 1
    _frame.set(frame)
    return frame


def _reopen(frame: _Frame) -> None:
    global disabled
    if not frame.open:
        frame.open = True
        if not frame.enabled:
            with _lock:
                disabled += 1


def _close(frame: _Frame) -> None:
    global disabled
    if frame.open:
        frame.open = False
        if not frame.enabled:
            with _lock:
                disabled -= 1


def _leave(frame: _Frame) -> None:
    """End the block of `frame`, and any bare set_grad_enabled() call made inside it."""
    _close(frame)
    inside, inner = [], _frame.get()
    while inner is not None and inner is not frame:
        inside.append(inner)
        inner = inner.outer
    if inner is None:  # left in another context than the one that entered it: leave that be
        return
    for f in inside:
        if f.bare:
            _close(f)
    _frame.set(frame.outer)


@contextmanager
def _mode(enabled: bool) -> Iterator[None]:
    frame = _open(enabled, bare=False)
    try:
        yield
    finally:
        _leave(frame)


def no_grad() -> AbstractContextManager[None]:
    """A block in which operations give plain results that remember no inputs.

    Use it for inference, e.g. drawing a decision map: no graph is built, so nothing is kept
    alive and nothing can be backpropagated (`backward()` on a result made inside the block
    raises an error that says so). It affects only the thread (and asyncio task)
    that runs the block; nesting works, and leaving the block by an exception restores the
    mode. Also works as a decorator: `@no_grad()`.

    >>> from stepgrad import Value, no_grad
    >>> w = Value(2.0)
    >>> with no_grad():
    ...     y = w * 3
    >>> y.inputs
    ()
    """
    return _mode(False)


def enable_grad() -> AbstractContextManager[None]:
    """A block that records the graph again, even inside `no_grad()` (as torch.enable_grad).

    >>> from stepgrad import Value, no_grad, enable_grad
    >>> w = Value(2.0)
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = w * 3
    >>> y.inputs == (w,)
    True
    """
    return _mode(True)


class set_grad_enabled:  # noqa: N801 - named like torch.set_grad_enabled, which it mirrors
    """Switch recording on (True) or off (False), as `torch.set_grad_enabled`.

    As a block, `with set_grad_enabled(False):` is `no_grad()` and the mode comes back after
    it. Called on its own, `set_grad_enabled(False)` switches the mode of the current thread
    (or asyncio task) until the next call, or until the end of the block it was called in.

    >>> from stepgrad import set_grad_enabled, is_grad_enabled
    >>> with set_grad_enabled(False):
    ...     is_grad_enabled()
    False
    >>> is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                f"set_grad_enabled: mode must be True or False, got {type(mode).__name__} "
                f"{mode!r}"
            )
        self._frame = _open(mode, bare=True)  # the mode changes now, as in PyTorch

    def __enter__(self) -> None:
        frame = self._frame
        frame.bare = False
        if frame.replaced is not None:  # not a bare call after all: the one before it stays
            _reopen(frame.replaced)
            frame.outer, frame.replaced = frame.replaced, None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        _leave(self._frame)

    def __repr__(self) -> str:
        return f"set_grad_enabled({self._frame.enabled})"

