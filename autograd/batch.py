"""Batch replay: one recorded graph, replayed over every sample of a data set.

For a fixed network and loss, every sample's graph has the same shape; only the numbers
differ. `batched(fn)` records the graph of one sample (the table entries, their exact
constants, and every branch the Python code took: batch_trace.py), and replays it over the
whole batch at array speed (batch_python.py, or batch_numpy.py with numpy):

>>> from stepgrad import Value, batched
>>> w = Value(0.5, label="w")
>>> step = batched(lambda x, y: (w * x - y) ** 2)
>>> loss = step([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
>>> loss.data                     # the mean of (0.5 - 1)^2, (1 - 1)^2, (1.5 - 1)^2
0.16666666666666666
>>> loss.backward(); w.grad       # the mean of 2 (w x - y) x
0.6666666666666666
>>> loss.sample(2)                # sample 2's own graph, to step through or draw
Value(data=0.25)

A sample whose graph would take another shape (a guard comes out the other way), or where an
operation fails, runs on the per-sample engine instead: exactly, and counted in `fallbacks`.
The function's own arguments compare as the numbers they are in a per-sample loop (`t == 1`,
`if t:`): those comparisons are guards too (batch_args.py).
An error names the first sample that fails, with the engine's own words.

The function sees in each per-sample run exactly what the loop gives it (numpy rows and
numbers as they are), and samples whose numbers have other types (an int, a float) are
recorded apart. After recording, the first sample runs once more as the loop runs it, and its
result and gradients must be the recorded ones (batch_check.py: a function that
checks the type of its arguments, or draws random numbers, then runs per sample, exactly).
"""

from __future__ import annotations

import reprlib
import sys
import warnings
from collections.abc import Callable
from numbers import Real
from typing import Any

from stepgrad import grad_mode, passes
from stepgrad.backward import run_backward, too_large, topological_order
from stepgrad.staleness import changed_after, check_up_to_date, named
from stepgrad.value import Value, as_float
from stepgrad.words import plural

__all__ = ["BatchResult", "Batched", "batched"]

BACKENDS = ("auto", "python", "numpy")
_MAX_TAPES = 8  # compiled tapes kept per batched function


def batched(fn: Callable[..., Value], *, backend: str = "auto") -> Batched:
    """`fn` for a whole batch: `batched(fn)(X, Y)` is the mean of `fn(X[i], Y[i])` over i.

    `fn` builds one sample's result from its arguments, as usual (for example
    `lambda x, y: (1 - y * model(x)).relu()`). The call returns a `BatchResult`: `.data` is
    the mean over the samples, `.backward()` adds the mean gradient into `.grad` of every
    parameter the graph reads, `.sample(i)` gives sample i's ordinary graph, and
    `.fallbacks` counts the samples the per-sample engine computed (see the README).

    backend: "python" (no dependency), "numpy" (arrays; needs numpy), or "auto" (numpy when
    it is installed).
    """
    return Batched(fn, backend=backend)


def _not_recorded(error: Exception) -> str:
    """Why recording failed, in plain words. The sample itself ran without an error, so it was
    the recording that failed: most often Python needed an argument as a plain number."""
    said = f"{type(error).__name__}: {error}"
    if isinstance(error, TypeError) and "Value" in str(error):
        return ("the function needs an argument as a plain number (int(), round(), math.sin(), "
                f"a list index, ...), which a recording cannot follow (Python said: {said})")
    if isinstance(error, AttributeError) and any(
            f"'{kind}' object has no attribute" in str(error) for kind in ("list", "Value")):
        # (the per-sample run of the same sample worked: the argument was a numpy array there)
        return ("the function uses an argument as a numpy array or numpy number (x.sum(), "
                "x.shape, x.tolist(), ...), but while recording a row is a list of Values and "
                "a number is a Value (Python said: " + said + "); sum(x), len(x) and x[i] work "
                "on both")
    return f"recording with Values failed ({said})"


class Batched:
    """A function of one sample, run over a batch by replaying its recorded graph."""

    def __init__(self, fn: Callable[..., Value], *, backend: str = "auto") -> None:
        if not callable(fn):
            raise TypeError(f"batched: expected a function of one sample, got {_short(fn)}")
        if backend not in BACKENDS:
            raise ValueError(f"batched: backend must be one of {', '.join(BACKENDS)}, got "
                             f"{backend!r}")
        if backend == "numpy":
            _numpy()  # a clear error now if numpy is missing
        self.fn = fn
        self.backend = backend
        self._compiled: dict[tuple, dict[str, Any]] = {}
        self._last: BatchResult | None = None
        self._warned = False

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", "function")
        return f"batched({name}, backend={self.backend!r})"

    def __call__(self, *columns: Any) -> BatchResult:
        """Run over the batch: argument k of sample i is columns[k][i]."""
        samples = _samples(columns)
        loop = _loop_arguments(columns, samples)
        want_grad = grad_mode.is_grad_enabled()
        groups: dict[tuple, list[int]] = {}
        flat: list[list[float] | None] = []
        for i, args in enumerate(samples):
            nums: list[Any] = []
            key: list[Any] = []
            try:
                for a in args:
                    _flatten(a, nums, key, i)
                floats = [float(x) for x in nums]
            except (OverflowError, TypeError, ValueError) as error:
                if isinstance(error, TypeError) and "Value" in str(error):
                    raise
                floats = None  # the per-sample engine gives its own error
            flat.append(floats)
            groups.setdefault(tuple(key) if floats is not None else ("bad", i), []).append(i)
        from stepgrad.batch_check import random_state, set_random_state

        self._use_numpy()  # (imports numpy first, so that its random state is saved too)
        before = random_state()
        result = BatchResult(self, loop, want_grad)
        try:
            for key, members in groups.items():
                if key[:1] == ("bad",):
                    result._per_sample(members)
                    continue
                self._replay_group(result, members, flat, before, key)
            _no_draws(before)
        except _Draws:
            # every sample needs its own draws, in the loop's order: start again from the
            # state before the call, one sample at a time
            set_random_state(before)
            result = BatchResult(self, loop, want_grad)
            self._give_up(result, list(range(result.n)), _DRAWS)
        self._warn(result)
        result._finish()
        self._last = result
        return result

    def sample(self, i: int) -> Value:
        """Sample i of the latest batch as an ordinary graph (step through it, draw it)."""
        if self._last is None:
            raise RuntimeError("batched: no batch yet; call the batched function first")
        return self._last.sample(i)

    # ----- one group of samples with the same structure: record, then replay ----------------

    def _replay_group(self, result: BatchResult, members: list[int],
                      flat: list[list[float] | None], before: tuple, key: tuple = ()
                      ) -> None:
        from stepgrad.batch_args import plain_numbers
        from stepgrad.batch_tape import build
        from stepgrad.batch_trace import recording

        first = members[0]
        inputs = [Value(x) for x in flat[first]]  # type: ignore[union-attr]
        args = _rebuild_all(result.samples[first], iter(inputs))
        try:
            with recording() as rec, grad_mode.enable_grad(), \
                    plain_numbers(inputs, rec) as plain:
                out = self.fn(*args)
            if not isinstance(out, Value) or plain.plain(out):
                # (a Value made only from the arguments is a plain number per sample)
                raise TypeError(
                    f"batched: the function must return a Value (one number per sample), got "
                    f"{_short(out)}")
        except Exception as error:
            _no_draws(before)
            result._per_sample([first])  # raises the engine's error for this sample, if any
            why = _not_recorded(error)
            self._give_up(result, members[1:], why)
            return
        _no_draws(before)
        tape = build(out, inputs, rec)
        if isinstance(tape, str):
            self._give_up(result, members, tape)
            return
        cache = self._compiled.get(tape.signature)
        if cache is None:
            if len(self._compiled) >= _MAX_TAPES:
                self._compiled.pop(next(iter(self._compiled)))
            cache = self._compiled[tape.signature] = {}
        tape.compiled = cache
        # the gradients are compared once for this graph and these argument types (a graph
        # that gives the loop's result but other gradients does so every time)
        checked = cache.setdefault("checked", set())
        grads = result.want_grad and key not in checked
        why = self._check(result, first, out, tape.params, before, grads)
        if why is not None:
            self._give_up(result, members, why)
            return
        if grads:
            checked.add(key)
        n = len(members)
        cols = [[flat[i][k] for i in members] for k in range(tape.inputs)]  # type: ignore[index]
        if self._use_numpy():
            from stepgrad.batch_numpy import run
        else:
            from stepgrad.batch_python import run
        total, grads, fb, losses = run(tape, cols, n, result.want_grad)
        fallback = [members[j] for j in fb]
        replayed = [i for j, i in enumerate(members) if j not in set(fb)] if fb else members
        result._add_replay(total, tape.params, grads, replayed, losses)
        if fallback:
            result._per_sample(fallback)

    def _check(self, result: BatchResult, first: int, out: Value, params: list[Value],
               before: tuple, grads: bool) -> str | None:
        """None if the function, run on sample `first`'s own arguments as the loop runs it,
        gives the recorded numbers (to 1e-12); else why replay must not stand for it."""
        from stepgrad.batch_check import differs

        try:
            found = differs(self.fn, result.samples[first], out, params, result.want_grad,
                            grads)
        except Exception as error:
            found = f"with plain numbers it raised {type(error).__name__}: {error}"
        _no_draws(before)
        if found is None:
            return None
        return ("the function gives other numbers when its arguments are Values (while "
                "recording) than when they are plain numbers (as in the loop); it may check "
                f"their type (isinstance(), type()). Sample {first}: {found}")

    def _give_up(self, result: BatchResult, members: list[int], why: str) -> None:
        """Run `members` on the per-sample engine because of `why` (said once, by `_warn`)."""
        result.why.append(why)
        result._per_sample(members)

    def _warn(self, result: BatchResult) -> None:
        """The first time a call could not replay some samples: how many, and why."""
        if result.why and not self._warned:
            self._warned = True
            k, n = result.fallbacks, result.n
            which = "every sample runs" if k == n else f"{k} of the {n} samples run"
            warnings.warn(f"batched: {which} on the per-sample engine (exact, but slower): "
                          f"{result.why[0]}", RuntimeWarning, stacklevel=3)

    def _use_numpy(self) -> bool:
        if self.backend == "python":
            return False
        if self.backend == "numpy":
            return True
        try:
            import numpy  # noqa: F401
        except ImportError:
            return False
        return True


class BatchResult:
    """The mean of a batched function over a batch; `.backward()` adds the mean gradient.

    data: the mean over the samples (with any term added with `+` or `-`, times any number
    it was multiplied by); `.item()` gives the same float.
    n: the number of samples. fallbacks: how many the per-sample engine computed.
    why: why a recording could not be replayed at all, if it could not.
    losses: each sample's own result, in order.
    """

    def __init__(self, owner: Batched, samples: list[tuple], want_grad: bool) -> None:
        self._owner = owner
        self.samples = samples
        self.n = len(samples)
        self.want_grad = want_grad
        self.fallbacks = 0
        self.why: list[str] = []
        self._total = 0.0
        self._grads: dict[int, list[Any]] = {}  # id(param) -> [param, sum of its gradients]
        self._losses: dict[int, float] = {}
        self._extra: list[Value] = []
        self._scale = 1.0  # d result / d mean (after `*` and `/` by numbers)
        self.data = 0.0

    # ----- filling it in ---------------------------------------------------------------------

    def _add_replay(self, total: float, params: list[Value], grads: list[float],
                    members: list[int], losses: list[float]) -> None:
        self._total += total
        for p, g in zip(params, grads, strict=False):
            self._add_grad(p, g)
        for i, v in zip(members, losses, strict=True):
            self._losses[i] = v

    def _add_grad(self, p: Value, g: float) -> None:
        hit = self._grads.get(id(p))
        if hit is None:
            self._grads[id(p)] = [p, g]
        else:
            hit[1] += g

    def _per_sample(self, members: list[int]) -> None:
        """Run these samples exactly on the per-sample engine (raising its error, named)."""
        fn = self._owner.fn
        for i in sorted(members):
            try:
                with grad_mode.set_grad_enabled(self.want_grad):
                    out = fn(*self.samples[i])
                if not isinstance(out, Value):
                    raise TypeError(f"the function must return a Value (one number per "
                                    f"sample), got {_short(out)}")
                grads = _sample_gradients(out) if self.want_grad else {}
            except Exception as error:
                raise _named(error, i, self.n, self.samples[i]) from None
            self.fallbacks += 1
            self._total += out.data
            self._losses[i] = out.data
            for p, g in grads.values():
                self._add_grad(p, g)

    def _finish(self) -> None:
        # the parameters' numbers this result was computed with: backward() checks that they
        # did not change since (an out-of-date result, as for a Value's graph: staleness.py)
        self._made_with = [(p, p._data) for p, _ in self._grads.values()]
        self.data = self._total / self.n
        mean = self.data
        if mean - mean != 0.0:
            raise OverflowError(f"batched: the mean over {plural(self.n, 'sample')} is too "
                                "large for a float")

    # ----- what a learner uses ---------------------------------------------------------------

    @property
    def losses(self) -> list[float]:
        """Each sample's own result, in the order of the samples."""
        return [self._losses[i] for i in range(self.n)]

    def backward(self) -> None:
        """Add the mean gradient over the samples into `.grad` of every parameter.

        Like `Value.backward()`: it ends any live stepped pass over these parameters first,
        and if it raises (a gradient too large for a float, or Ctrl-C), every `.grad`, and any
        live pass it ended, is exactly as before the call.
        """
        if not self.want_grad:
            raise RuntimeError("batched: this result was made inside no_grad(), so it has no "
                               "gradients; make it outside no_grad() to call backward()")
        for p, data in self._made_with:
            if p._data != data:
                raise changed_after("backward", named(p))
        for term in self._extra:  # an added term (an L2 penalty) is checked as a graph
            check_up_to_date(topological_order(term), "backward")
        items = list(self._grads.values())
        values = [p for p, _ in items]
        for term in self._extra:
            values.extend(topological_order(term))
        saved = [(v, v._grad) for v in values]  # taken before anything changes
        ended: list = []
        try:
            if passes.live and values:
                passes.end_passes(values, "a batched backward() ran on {}", values[0],
                                  ended)  # fills `ended` as it goes
            for term in self._extra:
                run_backward(term)
            n = self.n
            for p, g in items:
                mean = g / n * self._scale
                new = (p._grad or 0.0) + mean
                if new - new != 0.0:
                    raise too_large(p, new)
                p._grad = new
        except BaseException:  # an error, or Ctrl-C at any point: put everything back
            for v, g in saved:
                v._grad = g
            passes.undo_end(ended)
            raise

    def sample(self, i: int) -> Value:
        """Sample i's ordinary graph: `fn` run on its own numbers by the per-sample engine."""
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"sample: expected a whole number, got {_short(i)}")
        if not -self.n <= i < self.n:
            raise IndexError(f"sample: there {'is' if self.n == 1 else 'are'} "
                             f"{plural(self.n, 'sample')} (0 to {self.n - 1}), got {i}")
        return self._owner.fn(*self.samples[i])

    def __add__(self, other: Value | float) -> BatchResult:
        """The batch's result plus a term (a Value, such as an L2 penalty, or a number)."""
        if isinstance(other, BatchResult):
            raise _two_results("+", self, other)
        out = self._copy()
        term = other.data if isinstance(other, Value) else as_float(other, "+")
        if isinstance(other, Value):
            out._extra.append(other)
        out.data = self.data + term  # the number `mean + term` gives in the per-sample loop
        if out.data - out.data != 0.0:
            raise OverflowError(f"batched: '+' on {self.data:.6g}, {term:.6g} gave {out.data}: "
                                "the result is too large for a float")
        return out

    __radd__ = __add__

    def __sub__(self, other: Value | float) -> BatchResult:
        """The batch's result minus a term (a Value or a number)."""
        if isinstance(other, BatchResult):
            raise _two_results("-", self, other)
        if isinstance(other, Value):
            with grad_mode.set_grad_enabled(self.want_grad and grad_mode.is_grad_enabled()):
                return self + -other
        return self + -as_float(other, "-")

    def __rsub__(self, other: float) -> BatchResult:
        """A number minus the batch's result."""
        return -self + other

    def __mul__(self, other: float) -> BatchResult:
        """The batch's result times a number: its value, and every gradient, scaled."""
        return self._scaled(other, "*")

    __rmul__ = __mul__

    def __truediv__(self, other: float) -> BatchResult:
        """The batch's result divided by a number."""
        return self._scaled(other, "/")

    def __neg__(self) -> BatchResult:
        """Minus the batch's result."""
        return self._scaled(-1.0, "*")

    def item(self) -> float:
        """The result as a plain float: the same as `.data` (as PyTorch's `loss.item()`)."""
        return self.data

    def __format__(self, spec: str) -> str:
        """`f"{loss:.4f}"` formats `.data`."""
        return format(self.data, spec) if spec else str(self)

    def _copy(self) -> BatchResult:
        """A new result for arithmetic on this one; made inside no_grad(), it has no gradients
        (as a PyTorch tensor made there), so its backward() says so."""
        want_grad = self.want_grad and grad_mode.is_grad_enabled()
        out = BatchResult(self._owner, self.samples, want_grad)
        out.__dict__.update({k: v for k, v in self.__dict__.items()
                             if k not in ("_extra", "want_grad")})
        out._extra = list(self._extra)
        return out

    def _scaled(self, c: Any, op: str) -> BatchResult:
        if isinstance(c, (Value, BatchResult)):
            hint = (" (to weight each sample by a Value, do it inside the function)"
                    if isinstance(c, Value) else "")
            raise TypeError(f"batched: '{op}' on a batch result takes a plain number, got "
                            f"{_short(c)}{hint}")
        c = as_float(c, op)
        if op == "/" and c == 0.0:
            raise ZeroDivisionError(f"batched: division by zero: {self.data:.6g} / 0")

        def scale(x: Any) -> Any:
            return x * c if op == "*" else x / c

        out = self._copy()
        out._scale = scale(self._scale)  # d result / d (mean over the samples)
        with grad_mode.set_grad_enabled(out.want_grad):
            out._extra = [scale(term) for term in self._extra]
        out.data = scale(self.data)
        if out.data - out.data != 0.0:  # (a gradient too large: backward() says so)
            raise OverflowError(f"batched: '{op}' on {self.data:.6g}, {c:.6g} gave "
                                f"{scale(self.data)}: the result is too large for a float")
        return out

    def __repr__(self) -> str:
        extra = f", {plural(self.fallbacks, 'fallback')}" if self.fallbacks else ""
        return f"BatchResult(data={self.data:.6g}, {plural(self.n, 'sample')}{extra})"


# ----- helpers ---------------------------------------------------------------------------


def _two_results(op: str, a: BatchResult, b: BatchResult) -> TypeError:
    """Two batched results are not added: each is a mean over its own samples (its .losses,
    .fallbacks and .sample(i) would have no meaning for the sum), and calling backward() on
    each gives the gradient of the sum anyway."""
    verb, second = ("added", "r2.backward()") if op == "+" else ("subtracted", "(-r2).backward()")
    return TypeError(
        f"batched: two batched results cannot be {verb} (r1 {op} r2, with r1 = {a!r}, r2 = "
        f"{b!r}). Instead call r1.backward(); {second}: the gradients add up in .grad, giving "
        f"those of r1 {op} r2; r1.data {op} r2.data is its value"
    )


def _sample_gradients(out: Value) -> dict[int, list[Any]]:
    """d out / d leaf for every leaf of out's graph, with backward()'s arithmetic, without
    touching any .grad (or a live pass); if a gradient is too large, the engine's own error."""
    order = topological_order(out)
    adj = {id(v): 0.0 for v in order}
    adj[id(out)] = 1.0
    for node in reversed(order):
        up = adj[id(node)]
        if node._in1 is not None:
            adj[id(node._in1)] += node._local1 * up
            if node._in2 is not None:
                adj[id(node._in2)] += node._local2 * up
    total = sum(adj.values())
    if total - total != 0.0:  # a gradient is inf or nan, or only their sum is too large
        for node in reversed(order):  # the first culprit, as backward() would name it
            g = adj[id(node)]
            if g - g != 0.0:
                raise too_large(node, g)
    return {id(v): [v, adj[id(v)]] for v in order if v._in1 is None}


def _samples(columns: tuple[Any, ...]) -> list[tuple]:
    if not columns:
        raise TypeError("batched: give the batch, one list per argument of the function "
                        "(for example step(X, Y))")
    lists = []
    for k, col in enumerate(columns, start=1):
        if hasattr(col, "tolist") and not isinstance(col, (list, tuple)):
            col = col.tolist()
        if isinstance(col, (str, bytes)) or not hasattr(col, "__len__"):
            raise TypeError(f"batched: argument {k} must be a list with one entry per sample, "
                            f"got {_short(col)}")
        lists.append(list(col))
    n = len(lists[0])
    for k, col in enumerate(lists, start=1):
        if len(col) != n:
            raise ValueError(f"batched: argument 1 has {plural(n, 'sample')} but argument {k} has "
                             f"{len(col)}; every argument needs one entry per sample")
    if n == 0:
        raise ValueError("batched: the batch is empty; the mean of nothing is undefined")
    return list(zip(*lists, strict=True))


class _LoopArguments:
    """Sample i's arguments as the loop `for x, y in zip(X, Y)` gets them: a numpy array's
    rows and numbers as they are (`samples` has them as lists and floats, to read the numbers
    from)."""

    def __init__(self, arrays: dict[int, Any], samples: list[tuple]) -> None:
        self.arrays, self.samples = arrays, samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple:
        arrays = self.arrays
        return tuple(arrays[k][i] if k in arrays else a
                     for k, a in enumerate(self.samples[i]))


def _loop_arguments(columns: tuple[Any, ...], samples: list[tuple]) -> Any:
    np = sys.modules.get("numpy")
    if np is None:
        return samples
    arrays = {k: c for k, c in enumerate(columns) if isinstance(c, np.ndarray)}
    return _LoopArguments(arrays, samples) if arrays else samples


class _Draws(Exception):
    """The function drew a random number (see batch_check.py)."""


_DRAWS = ("the function draws random numbers (random, numpy.random), and in the loop each "
          "sample gets its own draws")


def _no_draws(before: tuple) -> None:
    from stepgrad.batch_check import random_state, same_random_state

    if not same_random_state(before, random_state()):
        raise _Draws


def _flatten(obj: Any, nums: list[Any], key: list[Any], i: int) -> None:
    if type(obj) is float or (isinstance(obj, Real) and not isinstance(obj, bool)):
        if isinstance(obj, Value):  # pragma: no cover (a Value is not a Real)
            raise TypeError
        nums.append(obj)
        key.append(type(obj))  # an int and a float are recorded apart (the loop can tell them)
    elif type(obj) is list or type(obj) is tuple:
        key.append((type(obj) is list, len(obj)))
        for x in obj:
            _flatten(x, nums, key, i)
    elif isinstance(obj, Value):
        raise TypeError(f"batched: sample {i} holds a Value ({obj!r}); give plain numbers: "
                        "they become the inputs of the recorded graph")
    elif hasattr(obj, "tolist") and hasattr(obj, "shape"):
        _flatten(obj.tolist(), nums, key, i)
    else:
        try:
            hash(obj)
            key.append(("other", type(obj), obj))
        except TypeError:
            key.append(("other", id(obj)))


def _rebuild_all(args: tuple, values: Any) -> tuple:
    return tuple(_rebuild(a, values) for a in args)


def _rebuild(obj: Any, values: Any) -> Any:
    if type(obj) is float or (isinstance(obj, Real) and not isinstance(obj, bool)):
        return next(values)
    if type(obj) is list or type(obj) is tuple:
        return type(obj)(_rebuild(x, values) for x in obj)
    if hasattr(obj, "tolist") and hasattr(obj, "shape"):
        return _rebuild(obj.tolist(), values)
    return obj


_repr = reprlib.Repr()
_repr.maxlist = _repr.maxtuple = 6
_repr.maxother = _repr.maxstring = 40


def _short(x: Any) -> str:
    try:
        return f"{type(x).__name__} {_repr.repr(x)}"
    except Exception:
        return type(x).__name__


def _named(error: Exception, i: int, n: int, args: tuple) -> Exception:
    """The per-sample engine's error, saying which sample it was."""
    shown = ", ".join(_repr.repr(a) for a in args)
    message = f"batched: sample {i} (of {n}; arguments {shown}): {error}"
    try:
        new = type(error)(message)
    except Exception:
        return error
    new.__cause__ = error
    return new


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImportError("batched: backend='numpy' needs numpy (pip install numpy, or "
                          "pip install \"stepgrad[array]\")") from None
    return numpy
