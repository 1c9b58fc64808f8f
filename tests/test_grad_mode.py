"""Grad mode per thread and per context: no_grad, enable_grad, set_grad_enabled, is_grad_enabled.

The threads here are real threads, made to overlap with barriers (not with sleeps): each
test forces the interleaving that a process-wide flag gets wrong.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from stepgrad import (
    Value,
    enable_grad,
    grad_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)


def records() -> bool:
    """Whether an operation here really records its inputs (what the flag is for)."""
    w = Value(2.0)
    recorded = (w * 3).inputs == (w,)
    assert recorded == is_grad_enabled()
    return recorded


@pytest.fixture(autouse=True)
def _grad_mode_is_back_to_normal():
    """Every test starts and ends with recording on and no block open anywhere."""
    assert records() and grad_mode.disabled == 0
    yield
    assert records() and grad_mode.disabled == 0


def run_threads(*targets) -> list[object]:
    """Run each target in its own thread; re-raise the first failure; return their results."""
    results: list[object] = [None] * len(targets)
    errors: list[BaseException] = []

    def wrap(i, f):
        try:
            results[i] = f()
        except BaseException as e:  # noqa: BLE001 - handed back to the test below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i, f)) for i, f in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]
    return results


# ----- one thread ---------------------------------------------------------------------------

def test_no_grad_nests_and_restores():
    with no_grad():
        assert not records()
        with no_grad():
            assert not records()
        assert not records()
        with enable_grad():
            assert records()
            with no_grad():
                assert not records()
            assert records()
        assert not records()
    assert records()


def test_an_exception_restores_the_mode_at_every_level():
    with pytest.raises(KeyError):
        with no_grad():
            with enable_grad():
                with no_grad():
                    raise KeyError("boom")
    assert records()
    with no_grad():
        with pytest.raises(ZeroDivisionError):
            with enable_grad():
                Value(1.0) / 0
        assert not records()


def test_no_grad_as_a_decorator():
    @no_grad()
    def infer(w):
        return w * 3

    w = Value(2.0)
    assert infer(w).inputs == ()
    assert infer(w).inputs == ()  # the decorator works every call, not only the first
    assert (w * 3).inputs == (w,)


def test_set_grad_enabled_as_a_block_and_on_its_own():
    with set_grad_enabled(False):
        assert not records()
        with set_grad_enabled(True):
            assert records()
        assert not records()
    assert records()
    set_grad_enabled(False)  # on its own: the mode changes now, until the next call
    try:
        assert not records()
        set_grad_enabled(False)
        assert not records()
        with set_grad_enabled(True):  # a block inside restores the bare call's mode
            assert records()
        assert not records()
        with enable_grad():
            set_grad_enabled(False)  # a bare call inside a block ends with the block
            assert not records()
        assert not records()
    finally:
        set_grad_enabled(True)
    assert records()
    assert grad_mode.disabled == 0  # switching back and forth leaves nothing open


def test_set_grad_enabled_refuses_what_is_not_a_bool():
    for bad in (0, 1, "no", None, 0.0):
        with pytest.raises(TypeError, match="set_grad_enabled: mode must be True or False"):
            set_grad_enabled(bad)
    assert records()


def test_a_bare_call_inside_no_grad_ends_with_the_block():
    with no_grad():
        set_grad_enabled(True)
        assert records()
    assert records()
    with enable_grad():
        set_grad_enabled(False)
        set_grad_enabled(False)
        set_grad_enabled(False)
        assert not records()
    assert records()


# ----- threads ------------------------------------------------------------------------------

def test_no_grad_in_one_thread_leaves_another_recording():
    inside, done = threading.Barrier(2, timeout=30), threading.Barrier(2, timeout=30)

    def in_block():
        with no_grad():
            inside.wait()  # the other thread builds its graph while this block is open
            done.wait()
            return records()

    def outside():
        inside.wait()
        w = Value(2.0)
        y = (w * w + 1).tanh()
        done.wait()
        return y.inputs != () and is_grad_enabled()

    assert run_threads(in_block, outside) == [False, True]


def test_overlapping_blocks_in_two_threads_cannot_leave_grad_mode_off():
    """A enters, B enters, A leaves, B leaves: the order a save-and-restore flag gets wrong
    (B saved A's False and restores it after A has finished)."""
    step = threading.Barrier(2, timeout=30)
    seen: dict[str, list[bool]] = {"a": [], "b": []}

    def a():
        with no_grad():  # 1. A enters
            step.wait()
            step.wait()  # 2. B enters
            seen["a"].append(records())
        step.wait()      # 3. A has left
        seen["a"].append(records())
        step.wait()      # 4. B leaves
        step.wait()
        seen["a"].append(records())

    def b():
        step.wait()
        with no_grad():
            step.wait()
            step.wait()
            seen["b"].append(records())  # still inside B's own block after A left
            step.wait()
        step.wait()
        seen["b"].append(records())

    run_threads(a, b)
    assert seen == {"a": [False, True, True], "b": [False, True]}
    assert records()
    assert run_threads(records) == [True]  # and a new thread records too


def test_many_threads_entering_and_leaving_at_once():
    n = 8
    start = threading.Barrier(n, timeout=30)

    def worker(i):
        def go():
            start.wait()
            for k in range(200):
                if (i + k) % 2:
                    with no_grad():
                        assert not records()
                else:
                    assert records()
            return records()
        return go

    assert run_threads(*(worker(i) for i in range(n))) == [True] * n


# ----- asyncio tasks ------------------------------------------------------------------------

def test_no_grad_in_one_task_leaves_another_recording():
    async def main():
        opened, built = asyncio.Event(), asyncio.Event()

        async def in_block():
            with no_grad():
                opened.set()
                await built.wait()  # the other task runs while this block is open
                return records()

        async def outside():
            await opened.wait()
            result = records()
            built.set()
            return result

        return await asyncio.gather(in_block(), outside())

    assert asyncio.run(main()) == [False, True]


def test_a_task_started_inside_a_block_sees_it_only_while_it_is_open():
    async def main():
        go = asyncio.Event()

        async def child():
            first = records()
            await go.wait()
            return first, records()

        with no_grad():
            task = asyncio.create_task(child())
            await asyncio.sleep(0)  # the child runs its first part inside the block
        go.set()  # the block has ended: the task's copy of the context must see that
        return await task

    assert asyncio.run(main()) == (False, True)


def test_a_block_inside_a_task_does_not_reach_its_parent():
    async def main():
        entered, checked = asyncio.Event(), asyncio.Event()

        async def child():
            with no_grad():
                entered.set()
                await checked.wait()
                return records()

        task = asyncio.create_task(child())
        await entered.wait()
        parent = records()
        checked.set()
        return parent, await task

    assert asyncio.run(main()) == (True, False)


# ----- any sequence of calls in one context matches PyTorch's rules -------------------------

class GradModeMachine(RuleBasedStateMachine):
    """Random nesting of no_grad, enable_grad, set_grad_enabled (block or bare) and
    exceptions, against the rule PyTorch follows: a block saves the mode and restores it on
    exit; a bare set_grad_enabled(mode) sets it."""

    def __init__(self) -> None:
        super().__init__()
        self.expected = True
        self.blocks: list[tuple[object, bool]] = []  # (context manager, mode saved at entry)

    @rule(kind=st.sampled_from(["no_grad", "enable_grad", "set_false", "set_true"]))
    def enter(self, kind):
        if len(self.blocks) > 12:
            return
        cm = {"no_grad": no_grad, "enable_grad": enable_grad,
              "set_false": lambda: set_grad_enabled(False),
              "set_true": lambda: set_grad_enabled(True)}[kind]()
        cm.__enter__()
        self.blocks.append((cm, self.expected))
        self.expected = kind in ("enable_grad", "set_true")

    @precondition(lambda self: self.blocks)
    @rule(by_error=st.booleans())
    def leave(self, by_error):
        cm, saved = self.blocks.pop()
        if by_error:
            try:
                raise RuntimeError("leaving by an exception")
            except RuntimeError as e:
                assert not cm.__exit__(type(e), e, e.__traceback__)
        else:
            cm.__exit__(None, None, None)
        self.expected = saved

    @rule(mode=st.booleans())
    def bare_call(self, mode):
        set_grad_enabled(mode)
        self.expected = mode

    @invariant()
    def mode_is_as_pytorch_says(self):
        assert is_grad_enabled() == self.expected
        assert records() == self.expected

    def teardown(self):
        while self.blocks:
            self.blocks.pop()[0].__exit__(None, None, None)
        set_grad_enabled(True)
        assert is_grad_enabled() and grad_mode.disabled == 0


GradModeMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40,
                                             deadline=None)
test_grad_mode_machine = GradModeMachine.TestCase


def test_a_block_left_in_another_context_ends_without_touching_that_context():
    import contextvars

    other = contextvars.Context()  # made before the block: the block is not in it
    other.run(set_grad_enabled, False)
    block = no_grad()
    block.__enter__()
    assert not records()
    other.run(block.__exit__, None, None, None)  # the block ends from the other context
    assert records()  # the block is over here
    assert not other.run(is_grad_enabled)  # and the other context's own switch still holds
    other.run(set_grad_enabled, True)
