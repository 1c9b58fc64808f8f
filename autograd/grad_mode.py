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

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from contextvars import ContextVar
from types import TracebackType
from typing import Any, TypeVar, overload

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


class GradModeBlock:
    """A `no_grad()` or `enable_grad()` block: `with no_grad():`, and a decorator.

    As a decorator (`@no_grad()` or `@no_grad`), each call of the function runs inside a block
    of its own; for a generator function, each step of the generator does (each `next()`, as
    PyTorch does), so the body never runs outside the block. An async function is refused:
    write `with no_grad():` inside it.
    """

    __slots__ = ("enabled", "_frames")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._frames: list[_Frame] = []  # one per __enter__ not yet left (a block may be reused)

    def __enter__(self) -> None:
        self._frames.append(_open(self.enabled, bare=False))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        frames = self._frames
        if not frames:
            raise RuntimeError(f"{self!r}: the block was left without being entered")
        mine = frames[-1]
        frame = _frame.get()
        while frame is not None:  # the innermost frame of this block in this context
            if any(f is frame for f in frames):
                mine = frame
                break
            frame = frame.outer
        frames[:] = [f for f in frames if f is not mine]
        _leave(mine)

    def __call__(self, func: F) -> F:
        return _decorated(func, self.enabled, repr(self))

    def __repr__(self) -> str:
        return "enable_grad()" if self.enabled else "no_grad()"


F = TypeVar("F", bound=Callable[..., Any])


def _decorated(func: F, enabled: bool, name: str) -> F:
    """`func` with each call (each step, for a generator function) inside a block."""
    if not callable(func):
        raise TypeError(f"{name[:-2]}: takes no argument, or the function it decorates "
                        f"(@{name[:-2]}), got {type(func).__name__} {func!r}")
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise TypeError(
            f"@{name} cannot decorate the async function {func.__name__}: its body would run "
            f"later, outside the block. Write `with {name}:` inside it instead"
        )
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def steps(*args: Any, **kwargs: Any) -> Any:
            return (yield from _stepped(func(*args, **kwargs), enabled))

        return steps  # type: ignore[return-value]

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        with GradModeBlock(enabled):
            return func(*args, **kwargs)

    return call  # type: ignore[return-value]


def _stepped(gen: Generator[Any, Any, Any], enabled: bool) -> Generator[Any, Any, Any]:
    """Run each step of the generator `gen` (next, send, throw, close) inside a block."""
    sent: Any = None
    error: BaseException | None = None
    while True:
        try:
            with GradModeBlock(enabled):
                value = gen.send(sent) if error is None else gen.throw(error)
        except StopIteration as end:
            return end.value
        sent, error = None, None
        try:
            sent = yield value
        except GeneratorExit:
            with GradModeBlock(enabled):
                gen.close()
            raise
        except BaseException as thrown:  # thrown into the wrapper: pass it on to gen
            error = thrown


@overload
def no_grad() -> GradModeBlock: ...
@overload
def no_grad(func: F) -> F: ...


def no_grad(func: F | None = None) -> GradModeBlock | F:
    """A block in which operations give plain results that remember no inputs.

    Use it for inference, e.g. drawing a decision map: no graph is built, so nothing is kept
    alive and nothing can be backpropagated (`backward()` on a result made inside the block
    raises an error that says so). It affects only the thread (and asyncio task)
    that runs the block; nesting works, and leaving the block by an exception restores the
    mode. Also a decorator, `@no_grad()` or `@no_grad` (as PyTorch); on a generator function
    each step of the generator runs inside the block.

    >>> from stepgrad import Value, no_grad
    >>> w = Value(2.0)
    >>> with no_grad():
    ...     y = w * 3
    >>> y.inputs
    ()
    """
    return GradModeBlock(False) if func is None else _decorated(func, False, "no_grad()")


@overload
def enable_grad() -> GradModeBlock: ...
@overload
def enable_grad(func: F) -> F: ...


def enable_grad(func: F | None = None) -> GradModeBlock | F:
    """A block that records the graph again, even inside `no_grad()` (as torch.enable_grad).
    Also a decorator, `@enable_grad()` or `@enable_grad`, as `no_grad`.

    >>> from stepgrad import Value, no_grad, enable_grad
    >>> w = Value(2.0)
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = w * 3
    >>> y.inputs == (w,)
    True
    """
    return GradModeBlock(True) if func is None else _decorated(func, True, "enable_grad()")


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

