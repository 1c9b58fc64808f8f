"""The safety net of batch replay: the recorded sample, run once more as the loop runs it.

`batched` records a sample by calling the function on Values, but the loop calls it on the
plain numbers the learner gave (and numpy rows and numpy numbers as they are). Python code can
tell the two apart: `isinstance(t, int)`, `type(t) is float`, `hasattr(x, "shape")` take
another branch with a Value, and nothing in the recording shows it. So after recording,
`batched` runs the function once more on the first sample's own arguments, as the loop would,
and compares (`differs`): the result, and the gradient of every parameter the loop's graph
reads, to 1e-12 (relative). If anything differs, the recording did not take the loop's path, and the
samples it stood for run on the per-sample engine (exact, with a warning).

Random numbers: a function that draws them (dropout, noise) gives each sample its own draws in
the loop; one recording would give every sample the first one's. So `batched` saves the state
of `random` and `numpy.random` before a call (`random_state`); if it has changed, something
drew, and the whole batch runs on the per-sample engine, in order, from the saved state
(`set_random_state`): each sample gets exactly the draws the loop gives it. (A generator of
your own, such as `numpy.random.default_rng()`, is not seen here; the check above still runs
the function twice on one sample, so a draw that changes the result is caught there.)
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from typing import Any

from stepgrad import grad_mode
from stepgrad.value import Value

__all__ = ["differs", "random_state", "same_random_state", "set_random_state"]


def random_state() -> tuple[Any, Any]:
    """The state of Python's `random` and (if numpy is imported) of `numpy.random`."""
    np = sys.modules.get("numpy")
    return random.getstate(), (np.random.get_state() if np is not None else None)


def same_random_state(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    """Did nothing draw a random number between the states a and b?"""
    if a[0] != b[0]:
        return False
    if a[1] is None or b[1] is None:  # numpy was not imported yet at a: it drew nothing then
        return True
    (kind_a, keys_a, *rest_a), (kind_b, keys_b, *rest_b) = a[1], b[1]
    return kind_a == kind_b and rest_a == rest_b and bool((keys_a == keys_b).all())


def set_random_state(state: tuple[Any, Any]) -> None:
    """Put the random generators back to `state` (from `random_state`)."""
    random.setstate(state[0])
    np = sys.modules.get("numpy")
    if np is not None and state[1] is not None:
        np.random.set_state(state[1])


# Replay promises the loop's numbers to about 1e-15 (relative), not bit for bit: stepgrad.nn
# gives a Value target formulas equal to the plain number's only to a few ulps (see
# binary_cross_entropy_with_logits). A recording that took another path than the loop (a type
# check, a random draw) gives other numbers, not other last bits.
TOLERANCE = 1e-12


def _near(a: float, b: float, scale: float) -> bool:
    return a == b or abs(a - b) <= TOLERANCE * max(abs(a), abs(b), scale)


def differs(fn: Callable[..., Any], args: tuple, recorded: Value, params: list[Value],
            want_grad: bool, grads: bool = True) -> str | None:
    """None if `fn(*args)` (the sample's own arguments, as the loop gives them) gives the
    recorded result, and (if `grads`) the recorded gradient for each of `params` that its
    graph reads (to TOLERANCE); else what differs, in plain words. An error of the function,
    or of its gradients, is raised as it is."""
    from stepgrad.batch import _sample_gradients, _short

    with grad_mode.set_grad_enabled(want_grad):
        out = fn(*args)
    if not isinstance(out, Value):
        return f"it returned {_short(out)} with plain numbers"
    if not _near(out.data, recorded.data, 0.0):
        return f"it gave {out.data!r} with plain numbers, {recorded.data!r} with Values"
    if not (want_grad and grads):
        return None
    loop, rec = _sample_gradients(out), _sample_gradients(recorded)
    # (a Value made inside the function is another object in each run: only the parameters
    # the loop's graph reads are compared)
    pairs = [(p, loop[id(p)][1], rec[id(p)][1] if id(p) in rec else 0.0)
             for p in params if id(p) in loop]
    scale = max((max(abs(a), abs(b)) for _, a, b in pairs), default=0.0)
    for p, a, b in pairs:
        if not _near(a, b, scale):
            name = f"'{p.label}'" if getattr(p, "label", "") else "a parameter"
            return f"the gradient of {name} was {a!r} with plain numbers, {b!r} with Values"
    return None
