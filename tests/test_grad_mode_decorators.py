"""no_grad and enable_grad as decorators: with or without parentheses (as PyTorch 2), and on a
generator function each step of the generator runs inside the block (as PyTorch does), not
only the call that makes the generator."""

from __future__ import annotations

import threading

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

# whether an operation records, and the check that every test leaves grad mode as it was
from test_grad_mode import _grad_mode_is_back_to_normal, records  # noqa: E402, F401

from stepgrad import Value, enable_grad, grad_mode, is_grad_enabled, no_grad


def test_no_grad_without_parentheses():
    @no_grad
    def predict(w):
        """Inference."""
        return w * 3, records()

    w = Value(2.0)
    for _ in range(2):  # every call, not only the first
        y, recorded = predict(w)
        assert y.inputs == () and not recorded
    assert records()
    assert predict.__name__ == "predict" and predict.__doc__ == "Inference."


def test_enable_grad_without_parentheses_inside_no_grad():
    @enable_grad
    def train_step(w):
        return w * 3

    w = Value(2.0)
    with no_grad():
        assert train_step(w).inputs == (w,)
        assert not records()


def test_the_same_as_pytorch_with_and_without_parentheses():
    torch = pytest.importorskip("torch")
    seen = []
    for ours, theirs in ((no_grad, torch.no_grad), (no_grad(), torch.no_grad()),
                         (enable_grad, torch.enable_grad)):
        mine = ours(lambda: is_grad_enabled())
        torchs = theirs(lambda: torch.is_grad_enabled())
        with no_grad(), torch.no_grad():
            seen.append((mine(), torchs()))
        seen.append((mine(), torchs()))
    assert all(a == b for a, b in seen), seen


def test_each_step_of_a_generator_runs_inside_the_block():
    w = Value(2.0)

    @no_grad()
    def predictions(n):
        for i in range(n):
            sent = yield w * i, records()
            assert sent in (None, "hello")
        return "done"

    gen = predictions(3)
    assert records()  # making the generator runs nothing
    y, recorded = next(gen)
    assert y.inputs == () and not recorded
    assert records()  # between steps: the caller's mode
    y, recorded = gen.send("hello")
    assert y.inputs == () and not recorded
    assert [r for _, r in gen] == [False]
    assert [r for _, r in predictions(4)] == [False] * 4
    gen = predictions(1)
    next(gen)
    with pytest.raises(StopIteration) as end:
        next(gen)
    assert end.value.value == "done"  # the generator's return value comes through


def test_a_generator_matches_pytorchs_step_by_step():
    torch = pytest.importorskip("torch")

    def steps(enabled):
        for _ in range(3):
            yield enabled()

    ours = no_grad(steps)(is_grad_enabled)
    theirs = torch.no_grad()(steps)(torch.is_grad_enabled)
    assert list(ours) == list(theirs) == [False] * 3
    with no_grad(), torch.no_grad():
        ours = enable_grad(steps)(is_grad_enabled)
        theirs = torch.enable_grad()(steps)(torch.is_grad_enabled)
        assert list(ours) == list(theirs) == [True] * 3


def test_throw_and_close_reach_the_generator_inside_the_block():
    seen = []

    @no_grad
    def careful():
        try:
            yield 1
        except KeyError:
            seen.append(("caught", is_grad_enabled()))
            yield 2
        finally:
            seen.append(("finally", is_grad_enabled()))

    gen = careful()
    next(gen)
    assert gen.throw(KeyError("k")) == 2
    gen.close()
    assert seen == [("caught", False), ("finally", False)]
    gen = careful()
    next(gen)
    with pytest.raises(ValueError):  # not caught by the generator: it comes out
        gen.throw(ValueError("v"))
    assert records()


def test_a_step_in_one_thread_leaves_another_recording():
    inside, checked = threading.Barrier(2), threading.Event()
    other: list[bool] = []

    @no_grad()
    def slow():
        inside.wait(timeout=30)  # the other thread checks while this step runs
        checked.wait(timeout=30)
        yield is_grad_enabled()

    def check():
        inside.wait(timeout=30)
        other.append(records())
        checked.set()

    thread = threading.Thread(target=check)
    thread.start()
    assert list(slow()) == [False]
    thread.join(timeout=60)
    assert other == [True]


def test_async_functions_are_refused_with_the_way_to_do_it():
    async def infer():
        return 1

    async def stream():
        yield 1

    for fn in (infer, stream):
        with pytest.raises(TypeError, match=rf"^@no_grad\(\) cannot decorate the async function "
                                            rf"{fn.__name__}: its body would run later, outside "
                                            r"the block\. Write `with no_grad\(\):` inside it"):
            no_grad(fn)
        with pytest.raises(TypeError, match=r"^@enable_grad\(\) cannot decorate"):
            enable_grad()(fn)


def test_no_grad_of_something_else_is_a_clear_error():
    with pytest.raises(TypeError, match=r"^no_grad: takes no argument, or the function it "
                                        r"decorates \(@no_grad\), got int 3"):
        no_grad(3)


def test_a_block_object_may_be_used_again_and_nested():
    block = no_grad()
    for _ in range(2):
        with block:
            assert not records()
            with block:
                assert not records()
            assert not records()
        assert records()
    with pytest.raises(RuntimeError, match="left without being entered"):
        block.__exit__(None, None, None)
    assert repr(block) == "no_grad()" and repr(enable_grad()) == "enable_grad()"


class GeneratorMachine(RuleBasedStateMachine):
    """A decorated generator stepped by next, send, throw and close in any order gives what
    the same generator gives undecorated, with every step inside the block and the caller's
    mode between steps."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh()

    def fresh(self) -> None:
        def echo(log):
            total = 0
            while True:
                try:
                    sent = yield total
                except ArithmeticError:
                    log.append(("caught", is_grad_enabled()))
                    continue
                log.append(("step", is_grad_enabled()))
                if sent == "stop":
                    return total
                total += sent or 0

        self.log: list = []
        self.plain_log: list = []
        self.ours = no_grad(echo)(self.log)
        self.plain = echo(self.plain_log)
        self.started = False
        self.done = False

    def both(self, act):
        results = []
        for gen in (self.ours, self.plain):
            try:
                results.append(("value", act(gen)))
            except StopIteration as end:
                results.append(("return", end.value))
            except BaseException as error:  # noqa: BLE001 - compared below
                results.append(("error", type(error)))
        assert results[0] == results[1]
        if results[0][0] != "value":
            self.done = True
        return results[0]

    @precondition(lambda self: not self.done)
    @rule()
    def start_or_next(self):
        self.both(next)
        self.started = True

    @precondition(lambda self: self.started and not self.done)
    @rule(x=st.integers(-5, 5) | st.just("stop"))
    def send(self, x):
        self.both(lambda gen: gen.send(x))

    @precondition(lambda self: self.started and not self.done)
    @rule(kind=st.sampled_from([ZeroDivisionError, KeyError]))
    def throw(self, kind):
        self.both(lambda gen: gen.throw(kind("thrown")))

    @precondition(lambda self: self.done)
    @rule()
    def another_generator(self):
        self.fresh()

    @precondition(lambda self: not self.done)
    @rule()
    def close(self):
        self.both(lambda gen: gen.close())
        self.done = True

    @invariant()
    def every_step_inside_the_block_and_the_caller_outside(self):
        assert [kind for kind, _ in self.log] == [kind for kind, _ in self.plain_log]
        assert all(not enabled for _, enabled in self.log)
        assert records() and grad_mode.disabled == 0

    def teardown(self):
        self.ours.close()
        self.plain.close()


GeneratorMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=20,
                                              deadline=None)
test_generator_machine = GeneratorMachine.TestCase
